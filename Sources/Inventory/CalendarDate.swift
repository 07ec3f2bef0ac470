import Foundation

/// A calendar date with no time of day and no time zone, as printed on a label ("2026-03-10").
///
/// Lot dates (expiry, best-before, production) and "today" for allocation are calendar dates.
/// Arithmetic is on the proleptic Gregorian calendar; ``daysSinceEpoch`` counts days from
/// 1970-01-01. Encoded as the ISO 8601 text `YYYY-MM-DD` (in JSON and in SQLite), which sorts
/// in date order.
public struct CalendarDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Year, 1 through 9999.
    public let year: Int
    /// Month, 1 through 12.
    public let month: Int
    /// Day of the month, 1 through the month's length.
    public let day: Int

    /// Creates a date after checking that it exists.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` with field `date` when the
    ///   day does not exist in that month (e.g. 2026-02-29) or a part is out of range.
    public init(year: Int, month: Int, day: Int) throws(InventoryError) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CalendarDate.daysIn(month: month, year: year)
        else {
            throw .invalidValue(
                field: "date", value: String(format: "%04d-%02d-%02d", year, month, day),
                reason: "no such calendar date")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` (exactly ten ASCII characters, ISO 8601 extended calendar date).
    /// - Parameter field: the name reported in the error (e.g. `expiry`).
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` naming `field` and the text.
    public init(parsing text: String, field: String = "date") throws(InventoryError) {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D,
              let y = digits(0..<4), let m = digits(5..<7), let d = digits(8..<10)
        else {
            throw .invalidValue(field: field, value: text, reason: "expected a calendar date YYYY-MM-DD")
        }
        do {
            try self.init(year: y, month: m, day: d)
        } catch {
            throw .invalidValue(field: field, value: text, reason: "no such calendar date")
        }
    }

    /// Creates a date from a count of days since 1970-01-01 (negative before).
    public init(daysSinceEpoch days: Int) {
        // Howard Hinnant's civil_from_days algorithm.
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

    /// The calendar date of an instant in a time zone (the warehouse's local calendar).
    public init(_ instant: Date, in timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        self.year = parts.year!
        self.month = parts.month!
        self.day = parts.day!
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

    /// `YYYY-MM-DD`.
    ///
    /// Built digit by digit: `String(format:)` went through CoreFoundation's format parser on
    /// every lot date of every reply (docs/benchmarks.md). Years outside 0...9999 (only reachable
    /// through ``adding(days:)``) keep the `%04d` text.
    public var description: String {
        guard (0...9999).contains(year) else { return String(format: "%04d-%02d-%02d", year, month, day) }
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

    /// Days in a month of the Gregorian calendar (leap years per the Gregorian rule).
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Decodes a JSON string `YYYY-MM-DD`.
    /// - Throws: `DecodingError` when the value is not a string;
    ///   ``InventoryError/invalidValue(field:value:reason:)`` naming the coding key and the text for a
    ///   string that is not a valid date.
    public init(from decoder: any Decoder) throws {
        // Throws InventoryError.invalidValue naming the field, so callers report field and value.
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text, field: decoder.codingPath.last?.stringValue ?? "date")
    }

    /// Encodes as a JSON string `YYYY-MM-DD` (``description``).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
