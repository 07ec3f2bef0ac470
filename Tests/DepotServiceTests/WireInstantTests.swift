import DepotAPI
import Foundation
import Testing

@testable import DepotService

/// `DepotAPI.formatInstant` builds its text itself (docs/benchmarks.md): Foundation's ISO 8601
/// text of the instant rounded to the nearest millisecond (stored instants are whole
/// milliseconds, which a Double cannot always hold exactly).
@Suite struct WireInstantTests {
    static func foundationText(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
        )
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
            let date =
                index % 2 == 0
                ? Date(timeIntervalSince1970: Double(milliseconds) / 1000)
                : Date(timeIntervalSince1970: Double(milliseconds) / 1000 + Double(next() % 1000) / 1e6)
            // Foundation truncates: the rounded millisecond plus 0.4 ms truncates to that millisecond.
            let rounded = (date.timeIntervalSinceReferenceDate * 1000).rounded() / 1000
            let expected = Self.foundationText(Date(timeIntervalSinceReferenceDate: rounded + 0.0004))
            if DepotAPI.formatInstant(date) != expected {
                mismatches.append(
                    "\(date.timeIntervalSinceReferenceDate): \(DepotAPI.formatInstant(date)) vs \(expected)"
                )
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }
}

/// Offsets outside ±14:00, minutes of 60 or more and malformed zones are refused.
@Suite struct WireInstantOffsetTests {
    @Test(arguments: [
        "2026-03-01T08:00:00+25:00", "2026-03-01T08:00:00+05:75", "2026-03-01T08:00:00-14:01",
        "2026-03-01T08:00:00+15:00", "2026-03-01T08:00:00+0500", "2026-03-01T08:00:00.Z",
        "2026-03-01T08:00:00", "2026-03-01T08:00:00Zjunk", "2026-03-01T08:00:00+05:00x",
    ])
    func refused(text: String) {
        #expect(DepotAPI.parseInstant(text) == nil, "\(text)")
    }

    @Test(arguments: [
        ("2026-03-01T08:00:00Z", 0), ("2026-03-01T22:00:00+14:00", 0), ("2026-02-28T20:00:00-12:00", 0),
        ("2026-03-01T13:30:00.000+05:30", 0), ("2026-03-01T08:00:00.5z", 500),
    ])
    func accepted(text: String, milliseconds: Int) throws {
        let date = try #require(DepotAPI.parseInstant(text))
        #expect(DepotAPI.formatInstant(date) == "2026-03-01T08:00:00.\(String(format: "%03d", milliseconds))Z")
    }

    /// The refusal names the field, the text and the offset range that would be accepted.
    @Test func refusalSaysWhichOffsetsAreAllowed() throws {
        do {
            _ = try Wire.instant("2026-03-01T08:00:00+15:00", field: "receivedAt")
            Issue.record("+15:00 was accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("receivedAt") && text.contains("+15:00") && text.contains("±14:00"), "\(text)")
            #expect(!text.contains("23:59"), "\(text)")
        }
    }

    @Test func decoderNamesTheParameter() throws {
        struct Input: Decodable { var at: Date }
        do {
            _ = try DepotAPI.makeDecoder().decode(Input.self, from: Data(#"{"at":"2026-03-01T08:00:00+25:00"}"#.utf8))
            Issue.record("+25:00 was accepted")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.codingPath.first?.stringValue == "at")
            #expect(context.debugDescription.contains("+25:00"))
        }
    }
}
