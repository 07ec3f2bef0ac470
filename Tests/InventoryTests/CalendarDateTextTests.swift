import Foundation
import Inventory
import Testing

/// `CalendarDate.description` writes `YYYY-MM-DD` itself (docs/benchmarks.md); it must equal the
/// `%04d-%02d-%02d` text it replaced, including years outside 0...9999 reached by arithmetic.
@Suite struct CalendarDateTextTests {
    @Test(arguments: [-800_000, -719_528, -1, 0, 20_513, 2_932_896, 2_932_897, 3_000_000])
    func matchesPrintfText(daysSinceEpoch: Int) {
        let date = CalendarDate(daysSinceEpoch: daysSinceEpoch)
        #expect(date.description == String(format: "%04d-%02d-%02d", date.year, date.month, date.day))
    }

    @Test func everyDayOfSomeYears() throws {
        for year in [1, 9, 10, 99, 100, 999, 1000, 2026, 9999] {
            var date = try CalendarDate.checked(year: year, month: 1, day: 1)
            while date.year == year {
                #expect(date.description == String(format: "%04d-%02d-%02d", date.year, date.month, date.day))
                date = date.adding(days: 1)
            }
        }
    }

    @Test func knownText() throws {
        #expect(try CalendarDate.checked(year: 2026, month: 3, day: 1).description == "2026-03-01")
        #expect(try CalendarDate.checked(year: 7, month: 12, day: 31).description == "0007-12-31")
    }
}
