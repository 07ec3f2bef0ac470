import Foundation
import GRDB
import Testing

@testable import Inventory

/// ``StoredInstant`` writes a movement's instant without `DateFormatter`; its text must be GRDB's
/// own (the hash chain covers the stored text, and other columns of the same transaction are
/// written by GRDB from the same instant), and GRDB's parse of it must format back to it.
@Suite struct StoredInstantTests {
    @Test func matchesGRDBText() {
        var rng = SystemRandomNumberGenerator()
        var instants: [Double] = [
            0, 0.0005, 0.999, 0.9999, 1, 1_772_352_000, 1_772_409_599.999, 1_772_409_599.9995, 1_772_409_600,
            951_782_400, 4_107_542_400, 253_370_764_799.998, 86_399.999_999,
        ]
        for _ in 0..<20_000 { instants.append(Double.random(in: 0...253_370_764_799, using: &rng)) }
        // Current times with sub-millisecond fractions, as the system clock gives them.
        for _ in 0..<20_000 { instants.append(Double.random(in: 1_700_000_000...1_900_000_000, using: &rng)) }
        var mismatches: [String] = []
        for seconds in instants {
            let instant = Date(timeIntervalSince1970: seconds)
            let ours = StoredInstant.text(instant)
            let grdb = String.fromDatabaseValue(instant.databaseValue)
            if ours != grdb { mismatches.append("\(seconds): \(ours) vs \(grdb ?? "nil")") }
            let parsed = Date.fromDatabaseValue(ours.databaseValue)
            if String.fromDatabaseValue(parsed?.databaseValue ?? .null) != ours {
                mismatches.append("\(seconds): \(ours) does not survive GRDB's parse and format")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func outsideTheFastRangeIsGRDBsText() {
        for seconds in [-1.0, -86_400.5, 253_370_764_800, 253_402_300_799] {
            let instant = Date(timeIntervalSince1970: seconds)
            #expect(StoredInstant.text(instant) == String.fromDatabaseValue(instant.databaseValue))
        }
    }
}
