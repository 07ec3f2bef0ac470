import Foundation
import GRDB

/// The text GRDB stores a `Date` as, built without `DateFormatter`: `yyyy-MM-dd HH:mm:ss.SSS` in
/// UTC, the instant rounded to the nearest millisecond as GRDB's formatter rounds it.
///
/// A pick formats its instant once per transaction; `DateFormatter` took about 4 % of the pick
/// path's CPU (docs/benchmarks.md). `StoredInstantTests` checks the text against GRDB's own.
enum StoredInstant {
    /// The stored text of `date`; GRDB's own (`Date.databaseValue`) for instants before
    /// 1970-01-01 or from 9999-01-01 on, which this fast path does not cover.
    static func text(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        // 253_370_764_800_000 ms is 9999-01-01T00:00:00Z.
        guard milliseconds >= 0, milliseconds < 253_370_764_800_000 else {
            return String.fromDatabaseValue(date.databaseValue) ?? ""
        }
        let total = Int64(milliseconds)
        let days = Int(total / 86_400_000)
        let inDay = Int(total % 86_400_000)
        let civil = CalendarDate(daysSinceEpoch: days)
        var bytes = [UInt8]()
        bytes.reserveCapacity(23)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(civil.year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(civil.month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(civil.day, 2)
        bytes.append(UInt8(ascii: " "))
        digits(inDay / 3_600_000, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(inDay / 60_000 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(inDay / 1000 % 60, 2)
        bytes.append(UInt8(ascii: "."))
        digits(inDay % 1000, 3)
        return String(decoding: bytes, as: UTF8.self)
    }
}
