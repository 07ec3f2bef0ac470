import Foundation
import TestSupport
import Testing

/// The keyed ledger with the built binaries: depotd creates its key file (0400) at first start,
/// `depotctl ledger seal` prints a seal, `depotctl verify --seal FILE` agrees with an intact ledger
/// and names the first movement that disagrees once the file's tail was cut off or rewritten
/// (with the plain SHA-256 chain recomputed, as someone without the key would).
@Suite(.serialized) struct LedgerSealCLITests {
    /// BOLT at A-01 with `receipts` receipts of 7 (movements 1...receipts).
    static func seed(_ daemon: DaemonProcess, receipts: Int) throws {
        CLITests.expectOK(try daemon.ctl("item", "add", "BOLT", "--name", "Bolt M8"))
        CLITests.expectOK(try daemon.ctl("location", "add", "A-01", "--kind", "storage"))
        for _ in 0..<receipts {
            CLITests.expectOK(try daemon.ctl("receive", "--item", "BOLT", "--qty", "7", "--location", "A-01"))
        }
    }

    /// Runs a Python script on the database (the attacker's editor: sqlite3 and hashlib).
    static func edit(_ daemon: DaemonProcess, _ script: String) throws {
        let result = try Command.run("/bin/sh", ["-c", "python3 -c \"$0\" \"$1\"", script, daemon.databasePath])
        try #require(result.status == 0, "\(result)")
    }

    /// Python: recompute the plain chain from movement `from` on (SHA-256 of previous + "\n" +
    /// the quoted columns), as LedgerChain documents it.
    static let rechain = """
        def rechain(db, start):
            import hashlib
            cols = ['id', 'at', 'kind', 'itemId', 'lotId', 'fromLocationId', 'toLocationId', 'quantity', 'actor', 'reference', 'reason']
            content = " || ',' || ".join('quote(%s)' % c for c in cols)
            row = db.execute('SELECT hash FROM movement WHERE id < ? ORDER BY id DESC LIMIT 1', (start,)).fetchone()
            prev = row[0] if row else ''
            for (id, text) in db.execute('SELECT id, ' + content + ' FROM movement WHERE id >= ? ORDER BY id', (start,)).fetchall():
                prev = hashlib.sha256((prev + chr(10) + text).encode()).hexdigest()
                db.execute('UPDATE movement SET hash = ? WHERE id = ?', (prev, id))
        """

    @Test func theKeyFileIsCreatedOwnerOnlyAtFirstStart() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let attributes = try FileManager.default.attributesOfItem(atPath: daemon.ledgerKeyPath)
        #expect(attributes[.posixPermissions] as? Int == 0o400)
        #expect((attributes[.size] as? NSNumber)?.intValue == 32)
        // Served once (its signal handlers are up) before the graceful stop.
        CLITests.expectOK(try daemon.ctl("status"))
        #expect(daemon.stop() == 0)

        // A key file others may read is refused with a sentence naming it; depotd does not start.
        #expect(chmod(daemon.ledgerKeyPath, 0o644) == 0)
        #expect(throws: (any Error).self) { try daemon.start(timeout: .seconds(10)) }
        #expect(daemon.log.contains("\(daemon.ledgerKeyPath) has mode 644"), "\(daemon.log)")

        // A key file another user owns is refused too (the suites run as root, who may chown).
        #expect(chmod(daemon.ledgerKeyPath, 0o400) == 0)
        if geteuid() == 0 {
            #expect(chown(daemon.ledgerKeyPath, 65534, 65534) == 0)
            #expect(throws: (any Error).self) { try daemon.start(timeout: .seconds(10)) }
            #expect(daemon.log.contains("\(daemon.ledgerKeyPath) is owned by uid 65534"), "\(daemon.log)")
            #expect(chown(daemon.ledgerKeyPath, 0, 0) == 0)
        }
        try daemon.start()
        CLITests.expectOK(try daemon.ctl("status"))
        #expect(daemon.stop() == 0)
    }

    @Test func aKeyedDatabaseWithoutItsKeyFileDoesNotStart() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon, receipts: 2)
        #expect(daemon.stop() == 0)
        try FileManager.default.removeItem(atPath: daemon.ledgerKeyPath)
        #expect(throws: (any Error).self) { try daemon.start(timeout: .seconds(10)) }
        #expect(
            daemon.log.contains("the ledger key file \(daemon.ledgerKeyPath) does not exist, but the ledger of"),
            "\(daemon.log)"
        )
        #expect(!FileManager.default.fileExists(atPath: daemon.ledgerKeyPath), "no new key for a keyed ledger")
    }

    /// An editor who strips the keyed part (the v8 tables, `movement.tags`, the migration's row)
    /// and deletes the key file leaves what looks like a database from before the keyed ledger:
    /// depotd does not key it with a fresh key on its own. It refuses to start, exits non-zero,
    /// names `--adopt-ledger` and the backup, and keeps no key file of that start; with
    /// `--adopt-ledger` it starts and verify is ok.
    @Test func aStrippedLedgerWithoutItsKeyFileIsNotKeyedAgainSilently() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon, receipts: 2)
        #expect(daemon.stop() == 0)
        try Self.edit(
            daemon,
            Self.rechain + """

                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                db.executescript("DROP TABLE ledgerKeying; DROP TABLE ledgerFact; ALTER TABLE movement DROP COLUMN tags; DELETE FROM grdb_migrations WHERE identifier = 'v8-ledger-keyed'; DROP TRIGGER movement_no_update;")
                rechain(db, 1)
                db.commit()
                """
        )
        try FileManager.default.removeItem(atPath: daemon.ledgerKeyPath)
        #expect(throws: (any Error).self) { try daemon.start(timeout: .seconds(10)) }
        #expect(daemon.stop() != 0, "a refused start exits non-zero")
        let refusal = "the ledger of 2 movements is not keyed; if this database was upgraded from a depotd"
        #expect(daemon.log.contains(refusal), "\(daemon.log)")
        #expect(daemon.log.contains("start once with --adopt-ledger"), "\(daemon.log)")
        #expect(daemon.log.contains("otherwise the keyed part was removed: restore from a backup"), "\(daemon.log)")
        #expect(!FileManager.default.fileExists(atPath: daemon.ledgerKeyPath), "the refused start keeps no new key")

        try daemon.start(extraArguments: ["--adopt-ledger"])
        let verify = try daemon.ctl("verify")
        CLITests.expectOK(verify)
        #expect(verify.stdout.contains("keyed (HMAC-SHA-256) from movement 3"), "\(verify.stdout)")
        #expect(daemon.stop() == 0)
        // Keyed now: a plain start (no flag) opens it with its key.
        try daemon.start()
        CLITests.expectOK(try daemon.ctl("verify"))
        #expect(daemon.stop() == 0)
    }

    @Test func verifyNamesAnEditedSKUGTINAndLotExpiry() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try CLITests.milk(daemon)
        let intact = CLITests.expectOK(try daemon.ctl("verify"))
        #expect(intact.stdout.contains("ledger key: keyed (HMAC-SHA-256) from movement 1"), "\(intact)")
        #expect(intact.stdout.contains("stored facts: ok"), "\(intact)")
        #expect(daemon.stop() == 0)
        try Self.edit(
            daemon,
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("UPDATE item SET sku = 'MILK-X' WHERE sku = 'MILK'")
            db.execute("UPDATE itemGTIN SET gtin = '04006381333948'")
            db.execute("UPDATE lot SET expiry = '2027-03-10' WHERE code = 'L1'")
            db.commit()
            """
        )
        try daemon.start()
        let edited = try daemon.ctl("verify")
        #expect(edited.status == 1, "\(edited)")
        #expect(edited.stdout.contains("ledger chain: ok"), "the movements were not touched: \(edited)")
        for finding in ["item 1 sku", "itemGTIN 04006381333948 *", "itemGTIN 04006381333931 *", "lot 1 expiry"] {
            #expect(edited.stdout.contains(finding), "\(finding): \(edited)")
        }
        #expect(edited.stdout.contains("verify: FAILED"), "\(edited)")
    }

    @Test func sealThenVerifyFindsACutOffTail() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon, receipts: 5)
        let sealed = CLITests.expectOK(try daemon.ctl("ledger", "seal"))
        let line = sealed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!line.contains("\n") && line.contains("\"movement\":5"), "\(sealed)")
        let seals = daemon.directory.file("seals")
        try FileManager.default.createDirectory(atPath: seals, withIntermediateDirectories: false)
        let sealFile = seals + "/seal-5"
        try Data((line + "\n").utf8).write(to: URL(fileURLWithPath: sealFile))
        let intact = CLITests.expectOK(try daemon.ctl("verify", "--seal", sealFile))
        #expect(intact.stdout.contains("seal movement 5 at"), "\(intact)")
        // Instants print as everywhere in depotctl: ISO 8601 UTC (2026-12-04T22:10:00.000Z).
        let iso = #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/#
        #expect(
            intact.stdout.contains(#/seal movement 5 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z: ok/#),
            "\(intact)"
        )
        #expect(sealed.stderr.hasPrefix("depotctl: sealed movement 5, fact "), "\(sealed)")
        #expect(sealed.stderr.contains(iso), "\(sealed)")
        let sealJSON = try CLITests.json(daemon.ctl("ledger", "seal", "--json"))
        #expect((sealJSON["at"] as? String)?.wholeMatch(of: iso) != nil, "\(sealJSON)")
        #expect(intact.stdout.contains("verify: ok"), "\(intact)")
        #expect(daemon.stop() == 0)

        // Cut off movements 4 and 5 and fix the balance: the chain alone cannot tell.
        try Self.edit(
            daemon,
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute('DROP TRIGGER movement_no_delete')
            db.execute('DELETE FROM movement WHERE id > 3')
            db.execute('UPDATE stock SET quantity = 21')
            db.commit()
            """
        )
        try daemon.start()
        let plain = CLITests.expectOK(try daemon.ctl("verify"))
        #expect(plain.stdout.contains("verify: ok"), "without a seal the cut is invisible: \(plain)")
        let cut = try daemon.ctl("verify", "--seals", seals)
        #expect(cut.status == 1, "\(cut)")
        #expect(cut.stdout.contains("DISAGREES (first disagreeing movement 4)"), "\(cut)")
        #expect(cut.stdout.contains("verify: FAILED"), "\(cut)")
        let json = try CLITests.json(daemon.ctl("verify", "--seal", sealFile, "--json"))
        let check = try #require((json["seals"] as? [[String: Any]])?.first)
        #expect(check["ok"] as? Bool == false)
        #expect(check["firstDisagreeingMovement"] as? Int == 4, "\(check)")
    }

    @Test func sealThenVerifyFindsARewrittenTail() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon, receipts: 5)
        let sealFile = daemon.directory.file("seal")
        try Data(CLITests.expectOK(try daemon.ctl("ledger", "seal")).stdout.utf8).write(
            to: URL(fileURLWithPath: sealFile)
        )
        #expect(daemon.stop() == 0)

        // Movement 3 receives 1 instead of 7, the balance follows, the plain chain is recomputed.
        try Self.edit(
            daemon,
            Self.rechain + """

                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                db.execute('DROP TRIGGER movement_no_update')
                db.execute('UPDATE movement SET quantity = 1 WHERE id = 3')
                db.execute('UPDATE stock SET quantity = 29')
                rechain(db, 3)
                db.commit()
                """
        )
        try daemon.start()
        let plain = try daemon.ctl("verify")
        #expect(plain.status == 1, "\(plain)")
        #expect(plain.stdout.contains("ledger chain: BROKEN at movement 3 (quantity)"), "\(plain)")
        #expect(plain.stdout.contains("movement 3 quantity"), "\(plain)")
        let sealed = try daemon.ctl("verify", "--seal", sealFile)
        #expect(sealed.status == 1, "\(sealed)")
        #expect(sealed.stdout.contains("DISAGREES (first disagreeing movement 3)"), "\(sealed)")
    }
}
