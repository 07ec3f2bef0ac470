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

    /// The current calendar date in ``timeZone``: the instant shifted by the zone's offset at that
    /// instant, counted in whole days (no `Calendar` per call). Instants outside the years
    /// 1601–9998 take Foundation's Gregorian calendar (which switches to Julian before 1582).
    public func today() -> CalendarDate {
        let instant = now()
        let seconds = instant.timeIntervalSince1970
        // -11_644_473_600 is 1601-01-01, 253_370_764_800 is 9999-01-01 (UTC).
        guard seconds > -11_644_473_600 + 86_400, seconds < 253_370_764_800 - 86_400 else {
            return CalendarDate(instant, in: timeZone)
        }
        let local = seconds.rounded(.down) + Double(timeZone.secondsFromGMT(for: instant))
        let days = Int((local / 86_400).rounded(.down))
        return CalendarDate(daysSinceEpoch: days)
    }
}
