import Foundation
import GS1

/// The calendar date of the whole package is GS1's ``GS1/CalendarDate`` (one type from the
/// barcode parser to the store); the engine adds what needs Foundation or the engine's errors.
public typealias CalendarDate = GS1.CalendarDate

extension CalendarDate {
    /// Creates a date after checking that it exists.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` with field `date` when the
    ///   day does not exist in that month (e.g. 2026-02-29) or a part is out of range.
    public static func checked(year: Int, month: Int, day: Int) throws(InventoryError) -> CalendarDate {
        guard let date = CalendarDate(year: year, month: month, day: day) else {
            throw .invalidValue(
                field: "date",
                value: String(format: "%04d-%02d-%02d", year, month, day),
                reason: "no such calendar date"
            )
        }
        return date
    }

    /// Parses `YYYY-MM-DD` (exactly ten ASCII characters, ISO 8601 extended calendar date).
    /// - Parameter field: the name reported in the error (e.g. `expiry`).
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` naming `field` and the text.
    public init(parsing text: String, field: String = "date") throws(InventoryError) {
        do {
            try self.init(validating: text, field: field)
        } catch {
            throw .invalidValue(field: error.field, value: error.value, reason: error.reason)
        }
    }

    /// The calendar date of an instant in a time zone (the warehouse's local calendar).
    public init(_ instant: Date, in timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        // Foundation's Gregorian components are a real day; years beyond 9999 are not a clock's.
        self = CalendarDate(year: parts.year!, month: parts.month!, day: parts.day!)!
    }
}

extension InventoryError {
    /// The engine's form of a date that did not parse: the same field, value and reason.
    public init(_ error: CalendarDate.InvalidText) {
        self = .invalidValue(field: error.field, value: error.value, reason: error.reason)
    }
}
