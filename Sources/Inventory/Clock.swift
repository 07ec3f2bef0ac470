import Foundation

/// Where "now" and "today" come from. Injected so dated behaviour is testable:
/// `depotd --now 2026-03-01T08:00:00Z` fixes it for tests and demos.
///
/// "Today" (the date D of the allocation rule) is the calendar date of ``now()`` in
/// ``timeZone``, the warehouse's local calendar (UTC unless configured).
public struct InventoryClock: Sendable {
    /// The time zone whose calendar decides "today".
    public let timeZone: TimeZone
    private let source: @Sendable () -> Date

    /// A clock reading the system time.
    public static func system(timeZone: TimeZone = .current) -> InventoryClock {
        InventoryClock(timeZone: timeZone) { Date() }
    }

    /// A clock stopped at `instant` (every call to ``now()`` returns it).
    public static func fixed(_ instant: Date, timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> InventoryClock {
        InventoryClock(timeZone: timeZone) { instant }
    }

    /// A clock from any source of instants.
    public init(timeZone: TimeZone, now: @escaping @Sendable () -> Date) {
        self.timeZone = timeZone
        self.source = now
    }

    /// The current instant (UTC).
    public func now() -> Date { source() }

    /// The current calendar date in ``timeZone``.
    public func today() -> CalendarDate { CalendarDate(now(), in: timeZone) }
}
