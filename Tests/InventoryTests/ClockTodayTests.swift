import Foundation
import Inventory
import Testing

/// `InventoryClock.today()` counts days from the zone's offset instead of asking a `Calendar` on
/// every pick (docs/benchmarks.md); it must name the same date as Foundation's Gregorian calendar.
@Suite struct ClockTodayTests {
    @Test(arguments: [
        "UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata",
    ])
    func matchesFoundationCalendar(zone: String) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        var rng = SystemRandomNumberGenerator()
        var instants: [Double] = [
            0, -1, 1_772_352_000, 1_772_409_599.999, 1_772_409_600, -11_000_000_000, 250_000_000_000,
        ]
        for _ in 0..<5_000 { instants.append(Double.random(in: -11_000_000_000...250_000_000_000, using: &rng)) }
        // Around DST changes and midnights of 2026.
        for hour in 0..<(24 * 366) { instants.append(1_767_225_600 + Double(hour) * 3600 - 0.5) }
        for seconds in instants {
            let instant = Date(timeIntervalSince1970: seconds)
            let today = InventoryClock.fixed(instant, timeZone: timeZone).today()
            #expect(today == CalendarDate(instant, in: timeZone), "\(zone) at \(seconds)")
        }
    }
}
