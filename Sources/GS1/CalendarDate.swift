// The one calendar-date type of depot: from the GS1 parser (AIs 11-17, 7003, 7006 ...) through the
// floor workflow to the inventory engine and its SQLite columns. Pure: no Foundation.

/// A calendar date with no time of day and no time zone, as printed on a label ("2026-03-10").
///
/// Lot dates (expiry, best-before, production) and "today" for allocation are calendar dates
/// (depot's rule: dates on lots are local calendar dates, never instants). Arithmetic is on the
/// proleptic Gregorian calendar; ``daysSinceEpoch`` counts days from 1970-01-01. Its text, in
/// JSON and in SQLite, is ISO 8601 `YYYY-MM-DD`, which sorts in date order.
public struct CalendarDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Year, 1 through 9999.
    public let year: Int
    /// Month, 1 through 12.
    public let month: Int
    /// Day of the month, 1 through the month's length.
    public let day: Int

    /// Text that is not a calendar date, from ``init(from:)`` or ``init(validating:field:)``:
    /// names the field and the value.
    public struct InvalidText: Error, Sendable, Equatable, CustomStringConvertible {
        /// The field the text came from (e.g. `expiry`).
        public var field: String
        /// The text as given.
        public var value: String
        /// Why it is not a date: "expected a calendar date YYYY-MM-DD" or "no such calendar date".
        public var reason: String

        /// "field: 'value' is not valid: reason".
        public var description: String { "\(field): '\(value)' is not valid: \(reason)" }
    }

    /// A date, or nil when `year`/`month`/`day` is not a real calendar day (year 1...9999,
    /// Gregorian months and leap years).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            day >= 1, day <= CalendarDate.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// A date already known to be valid (the GS1 parser's own checks).
    init(unchecked year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// A date from ISO 8601 text `YYYY-MM-DD` (exactly ten ASCII characters), or nil.
    public init?(iso text: String) {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D,
            let y = asciiNumber(b[0..<4]), let m = asciiNumber(b[5..<7]), let d = asciiNumber(b[8..<10])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Parses `YYYY-MM-DD`, naming `field` in the error.
    /// - Throws: ``InvalidText`` with reason "expected a calendar date YYYY-MM-DD" for text of
    ///   another shape, "no such calendar date" for a day that does not exist (2026-02-30).
    public init(validating text: String, field: String) throws(InvalidText) {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D,
            let y = asciiNumber(b[0..<4]), let m = asciiNumber(b[5..<7]), let d = asciiNumber(b[8..<10])
        else { throw InvalidText(field: field, value: text, reason: "expected a calendar date YYYY-MM-DD") }
        guard let date = CalendarDate(year: y, month: m, day: d) else {
            throw InvalidText(field: field, value: text, reason: "no such calendar date")
        }
        self = date
    }

    /// Creates a date from a count of days since 1970-01-01 (negative before).
    /// (Howard Hinnant's civil_from_days algorithm.)
    public init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil algorithm).
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(until other: CalendarDate) -> Int { other.daysSinceEpoch - daysSinceEpoch }

    /// The date `days` calendar days later (earlier when negative).
    public func adding(days: Int) -> CalendarDate { CalendarDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// ISO 8601, `YYYY-MM-DD`, built digit by digit (no format parser on every lot date of every
    /// reply; docs/benchmarks.md). Years outside 0...9999 (only reachable through
    /// ``adding(days:)``) are written as C's `%04d` writes them (the sign counts in the width).
    public var description: String {
        guard (0...9999).contains(year) else {
            return (year < 0 ? "-" + pad(-year, 3) : pad(year, 4)) + "-" + pad(month, 2) + "-" + pad(day, 2)
        }
        return String(unsafeUninitializedCapacity: 10) { text in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var value = value
                for position in stride(from: offset + width - 1, through: offset, by: -1) {
                    text[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(year, 4, at: 0)
            text[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            text[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            return 10
        }
    }

    /// Whether `lhs` is an earlier calendar day than `rhs` (year, then month, then day).
    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Days in `month` of `year` (Gregorian leap years: divisible by 4, except centuries not
    /// divisible by 400).
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The full year for a two-digit year `yy`, by the GS1 sliding window relative to
    /// `today` (GS1 General Specifications 7.12): a difference `yy - (today's yy)` of 51...99
    /// means the previous century, -99...-50 the next century, anything else the current century.
    public static func year(fromTwoDigits yy: Int, relativeTo today: CalendarDate) -> Int {
        let century = today.year / 100 * 100
        let diff = yy - today.year % 100
        if diff >= 51 { return century - 100 + yy }
        if diff <= -50 { return century + 100 + yy }
        return century + yy
    }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ]

    /// Decodes a JSON string `YYYY-MM-DD`.
    /// - Throws: `DecodingError` when the value is not a string; ``InvalidText`` naming the coding
    ///   key and the text for a string that is not a valid date.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(validating: text, field: decoder.codingPath.last?.stringValue ?? "date")
    }

    /// Encodes as a JSON string `YYYY-MM-DD` (``description``).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
