import Foundation
import ScannerInput
import Testing

@Suite("Golden fixtures: event scripts → scans")
struct GoldenFixtureTests {
    static let cases = ScriptCase.loadAll()

    @Test("fixtures are present and parse")
    func fixturesLoad() {
        #expect(Self.cases.count >= 60, "expected the fixture files under Tests/ScannerInputTests/Fixtures")
        for c in Self.cases { #expect(!c.events.isEmpty, "\(c.testDescription) has no events") }
    }

    @Test("script", arguments: cases)
    func script(_ c: ScriptCase) throws {
        var runner = try ScriptRunner(c)
        try runner.run(c.events)
        #expect(runner.scans.map(render) == c.expected, "\(c.testDescription)")
    }
}
