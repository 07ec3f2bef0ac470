import Foundation
import TestSupport
import Testing

/// The built depotd's storage guarantees: durability in force, one depotd per database, and
/// a clean stop that leaves everything in the main `.sqlite` file.
@Suite(.serialized) struct StorageCLITests {
    /// Runs the built depotd with `arguments` and waits at most `timeout` for it to exit;
    /// returns nil (after killing it) when it was still running.
    static func runDepotd(
        _ arguments: [String],
        timeout: Duration = .seconds(20)
    ) throws -> (status: Int32, stderr: String)? {
        let directory = try TemporaryDirectory(prefix: "depot-out")
        defer { directory.remove() }
        let outPath = directory.file("out")
        let errPath = directory.file("err")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = try ChildProcess(
            BuiltProducts.executable("depotd"),
            arguments,
            standardOutput: .file(outPath),
            standardError: .file(errPath)
        )
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate(SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return (process.terminationStatus, (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    @Test func statusSaysDurabilityFull() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let status = try CLITests.json(CLITests.expectOK(daemon.ctl("status", "--json")))
        #expect(status["durability"] as? String == "full")
        #expect(CLITests.expectOK(try daemon.ctl("status")).stdout.contains("durability: full"))
    }

    @Test func secondDepotdOnTheSameDatabaseIsRefusedAtOnce() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let pid = try #require(daemon.processIdentifier)
        let otherSocket = daemon.directory.file("other.sock")
        let started = ContinuousClock.now
        let second = try #require(
            try Self.runDepotd([
                "--database", daemon.databasePath, "--socket", otherSocket, "--no-scanners", "--time-zone", "UTC",
            ]),
            "the second depotd kept running on the same database"
        )
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(second.status != 0, "\(second)")
        #expect(second.stderr.contains("another depotd is running on \(daemon.databasePath) (pid \(pid))"), "\(second)")
        #expect(!DaemonProcess.canConnect(otherSocket), "the second depotd must not serve")
        // The first one still serves; once it stopped, the lock is free for the next depotd.
        CLITests.expectOK(try daemon.ctl("status"))
        #expect(daemon.stop() == 0)
        try daemon.start()
        CLITests.expectOK(try daemon.ctl("status"))
        #expect(daemon.stop() == 0)
    }

    @Test func stoppedDepotdLeavesEverythingInTheSqliteFileAlone() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        CLITests.expectOK(try daemon.ctl("item", "add", "BOLT", "--name", "Bolt M8"))
        CLITests.expectOK(try daemon.ctl("location", "add", "A-01", "--kind", "storage"))
        for _ in 0..<10 {
            CLITests.expectOK(try daemon.ctl("receive", "--item", "BOLT", "--qty", "7", "--location", "A-01"))
        }
        let before = try CLITests.json(daemon.ctl("status", "--json"))
        #expect(daemon.stop() == 0, "\(daemon.log)")
        let walSize =
            ((try? FileManager.default.attributesOfItem(atPath: daemon.databasePath + "-wal"))?[.size] as? NSNumber)?
            .int64Value ?? 0
        #expect(walSize == 0, "the -wal holds \(walSize) bytes after a clean stop")

        // A cold copy of the .sqlite file alone (no -wal, no -shm) serves the same state.
        let restored = try DaemonProcess()
        defer { restored.cleanUp() }
        try restored.adopt(databaseAt: daemon.databasePath, keyAt: daemon.ledgerKeyPath)
        try restored.start()
        let after = try CLITests.json(restored.ctl("status", "--json"))
        #expect(after["ledgerPosition"] as? Int == before["ledgerPosition"] as? Int)
        #expect(after["ledgerPosition"] as? Int == 10)
        #expect(after["onHand"] as? Int == 70)
        #expect(CLITests.expectOK(try restored.ctl("verify")).stdout.contains("verify: ok"))
    }
}
