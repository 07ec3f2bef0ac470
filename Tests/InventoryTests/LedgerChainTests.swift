import Foundation
import GRDB
import TestSupport
import Testing

@testable import Inventory

/// The ledger hash chain: the v2-ledger-hash migration hashes rows written before it, new rows
/// extend the chain, and the hashes agree with an independent SHA-256 (coreutils sha256sum).
@Suite struct LedgerChainTests {
    /// sha256sum(1) of `text`: an implementation independent of swift-crypto.
    static func sha256sum(_ text: String) throws -> String {
        let directory = try TemporaryDirectory(prefix: "depot-sha")
        defer { directory.remove() }
        let file = directory.file("input")
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let result = try Command.run("/usr/bin/sha256sum", [file])
        return String(result.stdout.prefix(64))
    }

    @Test func migrationHashesExistingRowsAndNewRowsExtendTheChain() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-chain")
        defer { directory.remove() }
        let path = directory.file("depot.sqlite")
        // A database as v1-core left it, with three movements written without hashes.
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v1-core")
        try await queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO item (sku, name, policy, lotTracked, expiryTracked) VALUES ('MILK', 'Milk', 'fifo', 0, 0);
                    INSERT INTO location (code, kind) VALUES ('A-01', 'storage'), ('A-02', 'storage');
                    INSERT INTO movement (at, kind, itemId, toLocationId, quantity, actor, reference)
                        VALUES ('2026-03-01 08:00:00.000', 'receive', 1, 1, 10, 'uid:0', 'it''s DN-1');
                    INSERT INTO movement (at, kind, itemId, fromLocationId, toLocationId, quantity, actor)
                        VALUES ('2026-03-01 08:05:00.000', 'move', 1, 1, 2, 4, 'uid:0');
                    INSERT INTO movement (at, kind, itemId, fromLocationId, quantity, actor, reason)
                        VALUES ('2026-03-01 08:10:00.000', 'pick', 1, 2, 1, 'uid:1000', NULL);
                    INSERT INTO stock (itemId, locationId, quantity, receivedAt) VALUES (1, 1, 6, '2026-03-01 08:00:00.000'),
                        (1, 2, 3, '2026-03-01 08:00:00.000');
                    """
            )
        }
        try queue.close()

        let store = try InventoryStore(
            path: path,
            clock: .fixed(Date(timeIntervalSince1970: 1_772_352_000), timeZone: TimeZone(identifier: "UTC")!)
        )
        let migrated = try await store.verify()
        #expect(migrated.chainChecked == 3)
        #expect(migrated.chainFirstBadMovement == nil)
        #expect(migrated.ok, "\(migrated)")

        // Row 1's hash by hand: SHA-256 of "" + "\n" + its quoted columns.
        let first = try await store.writer.read { db in
            try String.fetchOne(db, sql: "SELECT hash FROM movement WHERE id = 1")
        }
        let content = "1,'2026-03-01 08:00:00.000','receive',1,NULL,NULL,1,10,'uid:0','it''s DN-1',NULL"
        #expect(first == (try Self.sha256sum("\n" + content)))

        // A new movement through the engine extends the chain from row 3's hash.
        _ = try await store.receive(
            ReceiveRequest(item: ItemReference("MILK"), quantity: 2, location: "A-01"),
            actor: "uid:0"
        )
        let (previous, fourth, fourthContent) = try await store.writer.read { db in
            (
                try String.fetchOne(db, sql: "SELECT hash FROM movement WHERE id = 3")!,
                try String.fetchOne(db, sql: "SELECT hash FROM movement WHERE id = 4")!,
                try String.fetchOne(db, sql: "SELECT \(LedgerChain.contentSQL) FROM movement WHERE id = 4")!
            )
        }
        #expect(fourth == (try Self.sha256sum(previous + "\n" + fourthContent)))
        let after = try await store.verify()
        #expect(after.chainChecked == 4)
        #expect(after.ok, "\(after)")

        // A row written behind the engine's back without a hash (migration v3 dropped the per-row
        // trigger for speed) is caught by verify, which names it.
        try await store.writer.write { db in
            try db.execute(
                sql:
                    "INSERT INTO movement (at, kind, itemId, toLocationId, quantity, actor) VALUES ('x', 'receive', 1, 1, 1, 'uid:0')"
            )
        }
        let tampered = try await store.verify()
        #expect(!tampered.ok)
        #expect(tampered.chainFirstBadMovement == 5, "\(tampered)")
        try store.close()
    }
}
