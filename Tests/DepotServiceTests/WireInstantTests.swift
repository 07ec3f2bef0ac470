import DepotAPI
import Foundation
import Testing

/// `DepotAPI.formatInstant` builds its text itself (docs/benchmarks.md): Foundation's ISO 8601
/// text of the instant rounded to the nearest millisecond (stored instants are whole
/// milliseconds, which a Double cannot always hold exactly).
@Suite struct WireInstantTests {
    static func foundationText(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    @Test(arguments: [
        (0.0, "2001-01-01T00:00:00.000Z"),
        (794_044_800.0, "2026-03-01T08:00:00.000Z"),
        (-978_307_200.0, "1970-01-01T00:00:00.000Z"),
        (-0.001, "2000-12-31T23:59:59.999Z"),
        (252_460_800.5, "2009-01-01T00:00:00.500Z"),
        (1_772_352_000.573 - 978_307_200, "2026-03-01T08:00:00.573Z"),
        (794_044_800.0006, "2026-03-01T08:00:00.001Z"),
    ])
    func knownInstants(sinceReference: Double, text: String) {
        #expect(DepotAPI.formatInstant(Date(timeIntervalSinceReferenceDate: sinceReference)) == text)
    }

    @Test func matchesTheFormatStyleOnSeededRandomInstants() {
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var mismatches: [String] = []
        for index in 0..<20_000 {
            // Whole milliseconds (as stored) and arbitrary doubles, years about 1500 to 9000.
            let milliseconds = Int64(next() % 440_000_000_000_000) - 15_800_000_000_000
            let date = index % 2 == 0
                ? Date(timeIntervalSince1970: Double(milliseconds) / 1000)
                : Date(timeIntervalSince1970: Double(milliseconds) / 1000 + Double(next() % 1000) / 1e6)
            // Foundation truncates: the rounded millisecond plus 0.4 ms truncates to that millisecond.
            let rounded = (date.timeIntervalSinceReferenceDate * 1000).rounded() / 1000
            let expected = Self.foundationText(Date(timeIntervalSinceReferenceDate: rounded + 0.0004))
            if DepotAPI.formatInstant(date) != expected {
                mismatches.append("\(date.timeIntervalSinceReferenceDate): \(DepotAPI.formatInstant(date)) vs \(expected)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }
}
