import Foundation
import Testing
import TestSupport

/// The built depotd's storage guarantees: durability in force, one depotd per database, and
/// a clean stop that leaves everything in the main `.sqlite` file.
@Suite(.serialized) struct StorageCLITests {
    @Test func statusSaysDurabilityFull() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let status = try CLITests.json(CLITests.expectOK(daemon.ctl("status", "--json")))
        #expect(status["durability"] as? String == "full")
        #expect(CLITests.expectOK(try daemon.ctl("status")).stdout.contains("durability: full"))
    }
}
