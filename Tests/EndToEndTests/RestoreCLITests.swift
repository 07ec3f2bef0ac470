import Foundation
import TestSupport
import Testing

/// The restore procedure of docs/operations.md with the built binaries: `depotctl backup`, more
/// writes, stop, `depotd --restore`, start; the old database kept aside with its `-wal`.
@Suite(.serialized) struct RestoreCLITests {
    /// `depotd --restore backup --database db` (the built binary).
    static func restore(_ backup: String, into database: String) throws -> CommandResult {
        try Command.run(BuiltProducts.executable("depotd"), ["--restore", backup, "--database", database])
    }

    /// Item BOLT at A-01 with `receipts` receipts of 7.
    static func seed(_ daemon: DaemonProcess, receipts: Int) throws {
        CLITests.expectOK(try daemon.ctl("item", "add", "BOLT", "--name", "Bolt M8"))
        CLITests.expectOK(try daemon.ctl("location", "add", "A-01", "--kind", "storage"))
        try receive(daemon, receipts)
    }

    static func receive(_ daemon: DaemonProcess, _ count: Int) throws {
        for _ in 0..<count {
            CLITests.expectOK(try daemon.ctl("receive", "--item", "BOLT", "--qty", "7", "--location", "A-01"))
        }
    }

    /// The one `replaced-*` directory beside the database.
    static func replacedDirectory(_ daemon: DaemonProcess) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: daemon.directory.path).filter {
            $0.hasPrefix("replaced-")
        }
        #expect(names.count == 1, "\(names)")
        return daemon.directory.file(try #require(names.first))
    }

    @Test func documentedProcedureRestoresTheBackupAndKeepsTheOldDatabase() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon, receipts: 5)
        let backup = daemon.directory.file("backup.sqlite")
        CLITests.expectOK(try daemon.ctl("backup", backup))
        let backedUp = try CLITests.json(daemon.ctl("status", "--json"))
        try Self.receive(daemon, 3)  // after the backup: only in the old database

        // Refused while depotd runs, naming its pid; nothing changes.
        let pid = try #require(daemon.processIdentifier)
        let refused = try Self.restore(backup, into: daemon.databasePath)
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("depotd is running on \(daemon.databasePath) (pid \(pid))"), "\(refused)")
        #expect(try CLITests.json(daemon.ctl("status", "--json"))["ledgerPosition"] as? Int == 8)

        #expect(daemon.stop() == 0)
        let restored = CLITests.expectOK(try Self.restore(backup, into: daemon.databasePath))
        #expect(restored.stdout.contains("restored \(backup) (5 movements, verify ok)"), "\(restored)")
        try daemon.start()
        let after = try CLITests.json(daemon.ctl("status", "--json"))
        for key in ["ledgerPosition", "onHand", "items", "locations", "balances"] {
            #expect(after[key] as? Int == backedUp[key] as? Int, "\(key): \(after) vs \(backedUp)")
        }
        #expect(after["onHand"] as? Int == 35)
        #expect(CLITests.expectOK(try daemon.ctl("verify")).stdout.contains("verify: ok"))
        #expect(daemon.stop() == 0)

        // The old database is aside and opens with what the backup lacks.
        let replaced = try Self.replacedDirectory(daemon)
        #expect(restored.stdout.contains(replaced), "\(restored)")
        let old = try DaemonProcess()
        defer { old.cleanUp() }
        try old.adopt(databaseAt: replaced + "/depot.sqlite", keyAt: daemon.ledgerKeyPath)
        try old.start()
        let oldStatus = try CLITests.json(old.ctl("status", "--json"))
        #expect(oldStatus["ledgerPosition"] as? Int == 8)
        #expect(oldStatus["onHand"] as? Int == 56)
    }

    @Test func aCrashedDatabaseMovesAsideWithItsWAL() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon, receipts: 2)
        let backup = daemon.directory.file("backup.sqlite")
        CLITests.expectOK(try daemon.ctl("backup", backup))
        try Self.receive(daemon, 4)
        daemon.kill()  // no checkpoint: the newest commits are only in depot.sqlite-wal
        let wal =
            (try? FileManager.default.attributesOfItem(atPath: daemon.databasePath + "-wal")[.size] as? NSNumber)?
            .int64Value ?? 0
        #expect(wal > 0, "the crash should leave commits in the -wal")

        CLITests.expectOK(try Self.restore(backup, into: daemon.databasePath))
        let replaced = try Self.replacedDirectory(daemon)
        let asideWAL =
            (try? FileManager.default.attributesOfItem(atPath: replaced + "/depot.sqlite-wal")[.size] as? NSNumber)?
            .int64Value
        #expect(asideWAL == wal, "the -wal moves aside unchanged")
        #expect(
            !FileManager.default.fileExists(atPath: daemon.databasePath + "-wal")
                || ((try? FileManager.default.attributesOfItem(atPath: daemon.databasePath + "-wal")[.size] as? NSNumber)?
                    .int64Value ?? 0) == 0
        )

        try daemon.start()
        #expect(try CLITests.json(daemon.ctl("status", "--json"))["ledgerPosition"] as? Int == 2)
        #expect(daemon.stop() == 0)

        // The aside copy with its -wal still has all 6 movements.
        let old = try DaemonProcess()
        defer { old.cleanUp() }
        try old.adopt(databaseAt: replaced + "/depot.sqlite", keyAt: daemon.ledgerKeyPath)
        try FileManager.default.copyItem(atPath: replaced + "/depot.sqlite-wal", toPath: old.databasePath + "-wal")
        try old.start()
        #expect(try CLITests.json(old.ctl("status", "--json"))["ledgerPosition"] as? Int == 6)
    }

    @Test func aBackupThatIsNoDatabaseIsRefusedAndNothingChanges() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon, receipts: 1)
        #expect(daemon.stop() == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: daemon.databasePath))

        let garbage = daemon.directory.file("garbage.sqlite")
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: garbage))
        let refused = try Self.restore(garbage, into: daemon.databasePath)
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("the backup '\(garbage)' is not a readable depot database"), "\(refused)")
        let missing = try Self.restore(daemon.directory.file("none.sqlite"), into: daemon.databasePath)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("does not exist"), "\(missing)")

        #expect(try Data(contentsOf: URL(fileURLWithPath: daemon.databasePath)) == before)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: daemon.directory.path).filter {
                $0.hasPrefix("replaced-") || $0.hasSuffix(".restoring")
            }.isEmpty
        )
    }

    /// A keyed backup verifies only with its ledger key: without the key file the restore is
    /// refused naming it (and no new key is made); with the key file back it restores.
    @Test func aKeyedBackupRestoresOnlyWithItsKeyFile() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon, receipts: 2)
        let backup = daemon.directory.file("backup.sqlite")
        CLITests.expectOK(try daemon.ctl("backup", backup))
        #expect(daemon.stop() == 0)
        let aside = daemon.directory.file("ledger.key.kept")
        try FileManager.default.moveItem(atPath: daemon.ledgerKeyPath, toPath: aside)
        let refused = try Self.restore(backup, into: daemon.databasePath)
        #expect(refused.status == 1, "\(refused)")
        #expect(
            refused.stderr.contains(
                "the ledger key file \(daemon.ledgerKeyPath) does not exist, but the ledger of \(backup) is keyed"
            ),
            "\(refused)"
        )
        #expect(!FileManager.default.fileExists(atPath: daemon.ledgerKeyPath))
        try FileManager.default.moveItem(atPath: aside, toPath: daemon.ledgerKeyPath)
        let restored = CLITests.expectOK(try Self.restore(backup, into: daemon.databasePath))
        #expect(restored.stdout.contains("restored \(backup) (2 movements, verify ok)"), "\(restored)")
    }
}
