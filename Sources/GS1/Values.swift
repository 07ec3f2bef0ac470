// Typed values of GS1 element strings: exact decimals, times of day (dates: CalendarDate.swift).

/// An exact decimal number: `significand` × 10^-`scale` (no floating point).
///
/// GS1 decimal AIs (310n-369n, 390n-395n) encode the number of decimals in the AI's last digit
/// (GenSpecs 3.6); `scale` is that digit.
public struct GS1Decimal: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The digits as an integer, e.g. 1234 for 12.34 (at most 15 digits, so Int64 is exact).
    public let significand: Int64
    /// Number of digits after the decimal point.
    public let scale: Int

    /// `significand` × 10^-`scale`.
    public init(significand: Int64, scale: Int) {
        self.significand = significand
        self.scale = scale
    }

    /// Plain decimal text with exactly `scale` fraction digits, e.g. `"12.340"`.
    public var description: String {
        var digits = String(significand)
        if scale == 0 { return digits }
        if digits.utf8.count <= scale {
            digits = String(repeating: "0", count: scale - digits.utf8.count + 1) + digits
        }
        let cut = digits.index(digits.endIndex, offsetBy: -scale)
        return digits[..<cut] + "." + digits[cut...]
    }

    /// Whether two decimals denote the same number (1.50 == 1.5).
    public func isNumericallyEqual(to other: GS1Decimal) -> Bool {
        var a = self
        var b = other
        while a.scale < b.scale { a = GS1Decimal(significand: a.significand * 10, scale: a.scale + 1) }
        while b.scale < a.scale { b = GS1Decimal(significand: b.significand * 10, scale: b.scale + 1) }
        return a.significand == b.significand
    }
}

/// The typed value of one element, by the AI's semantics.
public enum GS1Value: Sendable, Hashable {
    /// Text or digits with no further meaning (lot, serial, internal data...).
    case text(String)
    /// A GS1 identification key (GTIN, SSCC, GLN...), digits as read, check digit included.
    case key(String)
    /// A calendar date; `time` is set for AIs that carry hours/minutes (7003, 8008, 4324...):
    /// hour, minute and second, with nil for parts not present.
    case date(CalendarDate, time: GS1TimeOfDay?)
    /// A date range (AI 7007 with two dates).
    case dateRange(CalendarDate, CalendarDate)
    /// A count of items (AIs 30, 37).
    case count(Int)
    /// A measure: an exact decimal with its unit (310n-369n).
    case measure(GS1Decimal, GS1Unit)
    /// An amount payable: exact decimal with its ISO 4217 numeric currency code when the AI has one.
    case amount(GS1Decimal, currency: String?)
    /// A percentage (394n).
    case percentage(GS1Decimal)
    /// The value could not be typed (it has errors); the raw text is kept on the element.
    case invalid
}

/// A time of day with optional minutes and seconds (AI 8008 allows HH, HHMM or HHMMSS).
public struct GS1TimeOfDay: Sendable, Hashable, Codable, CustomStringConvertible {
    /// 0-23.
    public let hour: Int
    /// 0-59, or nil when not encoded.
    public let minute: Int?
    /// 0-59, or nil when not encoded.
    public let second: Int?

    /// `HH`, `HH:MM` or `HH:MM:SS`.
    public var description: String {
        var s = pad(hour, 2)
        if let minute { s += ":" + pad(minute, 2) }
        if let second { s += ":" + pad(second, 2) }
        return s
    }
}

func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return s.utf8.count >= width ? s : String(repeating: "0", count: width - s.utf8.count) + s
}

/// The number written by ASCII digits `b`, or nil when any byte is not an ASCII digit.
func asciiNumber<C: Collection>(_ b: C) -> Int? where C.Element == UInt8 {
    var n = 0
    for c in b {
        guard c >= 48, c <= 57 else { return nil }
        n = n * 10 + Int(c - 48)
    }
    return n
}
