import Foundation
import GRDB
import TestSupport
import Testing

@testable import Inventory

/// Someone who can edit the SQLite file but not read the key file: every forgery written with raw
/// SQL on a connection of its own (no depotd triggers), recomputing the plain SHA-256 chain as an
/// attacker who read LedgerChain would, must make verify fail naming the table, the row key and
/// the field, or the first bad movement.
@Suite struct LedgerTamperTests {
    /// A keyed store with a history: item MILK (GTIN), locations, lot L1 received twice,
    /// quarantined, released, a pick, an untracked item BOLT.
    struct Fixture {
        let directory: TemporaryDirectory
        let key: LedgerKey
        var path: String { directory.file("depot.sqlite") }

        init() async throws {
            directory = try TemporaryDirectory(prefix: "depot-tamper")
            key = try LedgerKey.create(path: directory.file("ledger.key"))
            let store = try open()
            #expect(store.keyedNow)
            try await store.addItem(
                ItemSpec(sku: "MILK", name: "Milk", gtins: ["04012345678901"], lotTracked: true, expiryTracked: true)
            )
            try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt"))
            try await store.addStorage("A-01", "A-02")
            try await store.receive("MILK", 10, at: "A-01", lot: "L1", expiry: "2026-06-30")
            try await store.receive("MILK", 5, at: "A-02", lot: "L1", expiry: "2026-06-30")
            try await store.receive("BOLT", 100, at: "A-01")
            _ = try await store.setLotStatus(
                item: ItemReference("MILK"),
                lot: "L1",
                status: .quarantine,
                reason: "damaged",
                actor: clerk
            )
            _ = try await store.setLotStatus(
                item: ItemReference("MILK"),
                lot: "L1",
                status: .available,
                reason: "checked",
                actor: clerk
            )
            _ = try await store.pickLines("MILK", 3)
            _ = try await store.setLotStatus(
                item: ItemReference("MILK"),
                lot: "L1",
                status: .blocked,
                reason: "recall",
                actor: clerk
            )
            let report = try await store.verify()
            #expect(report.ok, "\(report)")
            #expect(report.chainKeyed && report.chainKeyedFrom == 1, "\(report)")
            #expect(report.chainChecked == 7)
            #expect(report.factsChecked > 0)
            try store.close()
        }

        func open() throws -> InventoryStore {
            try InventoryStore(path: path, clock: .fixed(morning), ledgerKey: key)
        }

        /// Runs `sql` as the attacker: a plain connection, no depotd triggers or functions.
        func forge(_ body: (Database) throws -> Void) throws {
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in try body(db) }
            try queue.close()
        }

        /// Reopens with the key and verifies.
        func verify(seals: [LedgerSeal] = []) async throws -> VerifyReport {
            let store = try open()
            defer { try? store.close() }
            return try await store.verify(seals: seals)
        }

        func tearDown() { directory.remove() }
    }

    /// What an attacker who knows the plain chain does after editing movement `from`: recompute
    /// every hash from there on as SHA-256(previous + "\n" + content) (LedgerChain's plain rule).
    static func rechainPlain(_ db: Database, from: Int64) throws {
        try db.execute(sql: "DROP TRIGGER IF EXISTS movement_no_update")
        var previous =
            try String.fetchOne(
                db,
                sql: "SELECT hash FROM movement WHERE id < ? ORDER BY id DESC LIMIT 1",
                arguments: [from]
            )
            ?? ""
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT id, \(LedgerChain.contentSQL) AS content FROM movement WHERE id >= ? ORDER BY id",
            arguments: [from]
        )
        for row in rows {
            previous = LedgerChain.hash(previous: previous, content: row["content"])
            try db.execute(sql: "UPDATE movement SET hash = ? WHERE id = ?", arguments: [previous, row["id"] as Int64])
        }
    }

    /// The fact mismatches of one table, as (key, field).
    static func findings(_ report: VerifyReport, table: String) -> [String] {
        report.factMismatches.filter { $0.table == table }.map { "\($0.key).\($0.field)" }
    }

    /// A reservation dropped behind depotd's back frees stock an order holds: verify names the
    /// balance, both quantities and the order.
    @Test func aReservationRemovedIsNamedWithItsBalanceAndOrder() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        do {
            let store = try fixture.open()
            _ = try await store.createOrder(
                reference: "SO-9",
                lines: [OrderLineRequest(item: ItemReference("BOLT"), quantity: 40)],
                actor: clerk
            )
            #expect(try await store.verify().ok)
            try store.close()
        }
        // Halve the reservation: 20 units look free again.
        try fixture.forge { db in try db.execute(sql: "UPDATE reservation SET quantity = 20") }
        let report = try await fixture.verify()
        #expect(!report.ok)
        #expect(report.reservationMismatches == 1)
        #expect(
            report.reservationProblems == [
                ReservationMismatch(
                    sku: "BOLT",
                    lot: nil,
                    location: "A-01",
                    reserved: 40,
                    reservations: 20,
                    orders: ["SO-9"]
                )
            ],
            "\(report.reservationProblems)"
        )
    }

    /// A look-alike skeleton overwritten (so that a Cyrillic copy of the SKU would be let in) is
    /// named with its table, row and field.
    @Test func aStoredSkeletonEditedIsNamed() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        try fixture.forge { db in try db.execute(sql: "UPDATE item SET skeleton = 'x' WHERE sku = 'BOLT'") }
        let report = try await fixture.verify()
        #expect(!report.ok)
        #expect(Self.findings(report, table: "item") == ["2.skeleton"], "\(report.factMismatches)")
        let mismatch = try #require(report.factMismatches.first { $0.field == "skeleton" })
        #expect(mismatch.stored == "x" && mismatch.ledger == CodeSafety.skeleton("BOLT"), "\(mismatch)")
    }

    /// A balance deleted with its movements (the ledger's tail cut) leaves its receipt's fact:
    /// verify names the balance as missing, though the balances and the chain that remain agree.
    @Test func aBalanceDeletedWithItsMovementsIsNamedAsMissing() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        try fixture.forge { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS movement_no_delete")
            let bolt = try Int64.fetchOne(db, sql: "SELECT id FROM item WHERE sku = 'BOLT'")
            try db.execute(sql: "DELETE FROM movement WHERE itemId = ?", arguments: [bolt])
            try db.execute(sql: "DELETE FROM stock WHERE itemId = ?", arguments: [bolt])
        }
        let report = try await fixture.verify()
        #expect(!report.ok)
        #expect(report.mismatches.isEmpty, "what remains adds up: \(report.mismatches)")
        #expect(Self.findings(report, table: "stock") == ["3.*"], "\(report.factMismatches)")
    }

    /// A balance emptied by depotd (a pick of all of it) is deleted with its deletion attested:
    /// verify stays ok.
    @Test func aBalanceEmptiedByAPickIsNotMissing() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        do {
            let store = try fixture.open()
            _ = try await store.pickLines("BOLT", 100)
            try store.close()
        }
        let report = try await fixture.verify()
        #expect(report.ok, "\(report.factMismatches)")
    }

    @Test func editingALotsStatusIsNamedWithTableKeyAndField() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        // Lift the recall behind depotd's back.
        try fixture.forge { db in try db.execute(sql: "UPDATE lot SET status = 'available' WHERE code = 'L1'") }
        let report = try await fixture.verify()
        #expect(!report.ok)
        #expect(report.chainFirstBadMovement == nil, "the movements were not touched: \(report)")
        #expect(Self.findings(report, table: "lot") == ["1.status"], "\(report.factMismatches)")
        let mismatch = try #require(report.factMismatches.first { $0.table == "lot" })
        #expect(mismatch.stored == "\"available\"" && mismatch.ledger == "\"blocked\"", "\(mismatch)")
    }

    @Test func editingALotsExpiryAndDatesIsNamed() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        try fixture.forge { db in
            try db.execute(sql: "UPDATE lot SET expiry = '2027-06-30', production = '2026-01-01' WHERE id = 1")
        }
        let report = try await fixture.verify()
        #expect(!report.ok)
        #expect(Set(Self.findings(report, table: "lot")) == ["1.expiry", "1.production"], "\(report.factMismatches)")
    }

    @Test func editingAnItemsSKUOrGTINIsNamed() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        try fixture.forge { db in
            try db.execute(sql: "UPDATE item SET sku = 'MILK-2' WHERE sku = 'MILK'")
            try db.execute(sql: "UPDATE itemGTIN SET gtin = '04012345678918'")
        }
        let report = try await fixture.verify()
        #expect(!report.ok)
        // The SKU against its fact, and the skeleton (still the old SKU's) against the new SKU.
        #expect(Self.findings(report, table: "item") == ["1.skeleton", "1.sku"], "\(report.factMismatches)")
        #expect(
            Set(Self.findings(report, table: "itemGTIN")) == ["04012345678918.*", "04012345678901.*"],
            "\(report.factMismatches)"
        )
    }

    @Test func editingAReceiptTimeIsNamed() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        // Make BOLT's balance look older (FIFO would ship it first).
        try fixture.forge { db in
            try db.execute(sql: "UPDATE stock SET receivedAt = '2025-01-01 00:00:00.000' WHERE itemId = 2")
        }
        let report = try await fixture.verify()
        #expect(!report.ok)
        let stockID = try #require(report.factMismatches.first { $0.table == "stock" }?.key)
        #expect(Self.findings(report, table: "stock") == ["\(stockID).receivedAt"], "\(report.factMismatches)")
    }

    @Test func editingAMovementsTimeAndRechainingIsNamedAtThatMovement() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        try fixture.forge { db in
            try db.execute(sql: "DROP TRIGGER movement_no_update")
            try db.execute(sql: "UPDATE movement SET at = '2026-02-01 08:00:00.000' WHERE id = 4")
            try Self.rechainPlain(db, from: 4)
        }
        let report = try await fixture.verify()
        #expect(!report.ok)
        #expect(report.chainFirstBadMovement == 4, "\(report)")
        #expect(report.chainBadFields == ["at"], "\(report)")
        #expect(Self.findings(report, table: "movement") == ["4.at"], "\(report.factMismatches)")
    }

    @Test func aRechainedQuantityEditWithFixedBalancesIsCaughtByTheKeyedChain() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        // Receipt 3 (BOLT 100) becomes 90 and the balance follows, so balances agree.
        try fixture.forge { db in
            try db.execute(sql: "DROP TRIGGER movement_no_update")
            try db.execute(sql: "UPDATE movement SET quantity = 90 WHERE id = 3")
            try db.execute(sql: "UPDATE stock SET quantity = 90 WHERE itemId = 2")
            try Self.rechainPlain(db, from: 3)
        }
        let report = try await fixture.verify()
        #expect(report.mismatches.isEmpty, "the forger fixed the balance: \(report.mismatches)")
        #expect(!report.ok)
        #expect(report.chainFirstBadMovement == 3 && report.chainBadFields == ["quantity"], "\(report)")
    }

    @Test func rewritingTheKeyedPartAsPlainRowsIsCaught() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        try fixture.forge { db in
            try db.execute(sql: "DROP TRIGGER movement_no_update")
            try db.execute(sql: "UPDATE movement SET tags = NULL, reason = 'edited' WHERE id >= 5")
            try Self.rechainPlain(db, from: 5)
        }
        let report = try await fixture.verify()
        #expect(!report.ok)
        #expect(report.chainFirstBadMovement == 5, "\(report)")
    }

    @Test func removingTheKeyingMarkerMakesTheStoreRefuseToOpen() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        try fixture.forge { db in
            try db.execute(sql: "DROP TRIGGER ledgerKeying_no_delete")
            try db.execute(sql: "DELETE FROM ledgerKeying")
            try db.execute(sql: "DROP TRIGGER movement_no_update")
            try db.execute(sql: "UPDATE movement SET tags = NULL")
            try Self.rechainPlain(db, from: 1)
        }
        #expect(throws: LedgerKeyingError.unkeyedLedger(movements: 7)) { try fixture.open() }
    }

    @Test func aForgedFactRowIsCaughtAtItsID() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        let last = try await fixture.verify().factsChecked
        try fixture.forge { db in
            try db.execute(sql: "UPDATE lot SET status = 'available' WHERE id = 1")
            try db.execute(
                sql: """
                    INSERT INTO ledgerFact (id, subject, key, content, mac)
                    SELECT max(id) + 1, 'lot', '1', (SELECT json_object('itemId', itemId, 'code', code, 'expiry', expiry,
                        'bestBefore', bestBefore, 'production', production, 'status', status) FROM lot WHERE id = 1),
                        lower(hex(randomblob(32))) FROM ledgerFact
                    """
            )
        }
        let report = try await fixture.verify()
        #expect(!report.ok)
        #expect(report.factChainFirstBad == Int64(last + 1), "\(report)")
        #expect(Self.findings(report, table: "lot") == ["1.status"], "\(report.factMismatches)")
    }

    @Test func sealsFindACutOffTailAndTheFirstMissingMovement() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        let store = try fixture.open()
        let early = try await store.seal()
        try await store.receive("BOLT", 1, at: "A-02")
        let late = try await store.seal()
        #expect(late.movement == 8 && early.movement == 7)
        let good = try await store.verify(seals: [early, LedgerSeal.parse(late.text)])
        #expect(good.ok && good.seals.allSatisfy(\.ok), "\(good.seals)")
        try store.close()

        // A seal edited by hand does not check.
        var edited = late
        edited.movement = 6
        // Cut off movement 8 (and its balance) as someone hiding a receipt would.
        try fixture.forge { db in
            try db.execute(sql: "DROP TRIGGER movement_no_delete")
            try db.execute(sql: "DELETE FROM movement WHERE id = 8")
            try db.execute(sql: "DELETE FROM stock WHERE itemId = 2 AND locationId = 2")
        }
        let report = try await fixture.verify(seals: [early, late, edited])
        #expect(report.chainFirstBadMovement == nil && report.mismatches.isEmpty, "the cut is clean: \(report)")
        #expect(!report.ok)
        #expect(report.seals.count == 3)
        #expect(report.seals.first { $0.movement == 7 }?.ok == true, "\(report.seals)")
        let cut = try #require(report.seals.first { $0.movement == 8 })
        #expect(!cut.ok && cut.firstDisagreeingMovement == 8, "\(cut)")
        let forged = try #require(report.seals.first { $0.movement == 6 })
        #expect(!forged.ok && forged.message.contains("edited"), "\(forged)")
    }

    @Test func aKeyedLedgerOpensOnlyWithItsKey() async throws {
        let fixture = try await Fixture()
        defer { fixture.tearDown() }
        #expect(throws: LedgerKeyingError.keyRequired(keyID: fixture.key.id)) {
            try InventoryStore(path: fixture.path, clock: .fixed(morning))
        }
        let other = try LedgerKey.create(path: fixture.directory.file("other.key"))
        #expect(throws: LedgerKeyingError.wrongKey(ledger: fixture.key.id, given: other.id)) {
            try InventoryStore(path: fixture.path, clock: .fixed(morning), ledgerKey: other)
        }
    }

    /// An unkeyed ledger (the plain chain as before) stays verifiable as plain SHA-256 rows after
    /// adoption; the keyed part starts at the marker and the plain part's edit is still found.
    @Test func adoptionKeepsThePlainRowsAndKeysTheRest() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-adopt")
        defer { directory.remove() }
        let path = directory.file("depot.sqlite")
        let plain = try InventoryStore(path: path, clock: .fixed(morning))
        try await plain.addItem(ItemSpec(sku: "BOLT", name: "Bolt"))
        try await plain.addStorage("A-01")
        try await plain.receive("BOLT", 5, at: "A-01")
        try await plain.receive("BOLT", 6, at: "A-01")
        try plain.close()
        let key = try LedgerKey.create(path: directory.file("ledger.key"))
        #expect(throws: LedgerKeyingError.unkeyedLedger(movements: 2)) {
            try InventoryStore(path: path, clock: .fixed(morning), ledgerKey: key)
        }
        let keyed = try InventoryStore(path: path, clock: .fixed(morning), ledgerKey: key, adoptUnkeyedLedger: true)
        #expect(keyed.keyedNow)
        try await keyed.receive("BOLT", 7, at: "A-01")
        let report = try await keyed.verify()
        #expect(report.ok && report.chainKeyed && report.chainChecked == 3, "\(report)")
        let (first, tags) = try await keyed.writer.read { db in
            (
                try Int64.fetchOne(db, sql: "SELECT firstMovementId FROM ledgerKeying"),
                try String.fetchAll(db, sql: "SELECT ifnull(tags, '-') FROM movement ORDER BY id")
            )
        }
        #expect(first == 3)
        #expect(tags.prefix(2) == ["-", "-"] && tags[2].count == 88, "\(tags)")
        try keyed.close()

        // An edit of the plain part, rechained by the attacker, breaks the marker's binding.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER movement_no_update")
            try db.execute(sql: "UPDATE movement SET quantity = 4 WHERE id = 1")
            try Self.rechainPlain(db, from: 1)
            try db.execute(sql: "UPDATE stock SET quantity = quantity - 1")
        }
        try queue.close()
        let reopened = try InventoryStore(path: path, clock: .fixed(morning), ledgerKey: key)
        defer { try? reopened.close() }
        let tampered = try await reopened.verify()
        #expect(!tampered.ok)
        #expect(tampered.chainFirstBadMovement == 2, "\(tampered)")
    }

    /// A database as depot left it before the keyed ledger (every migration up to
    /// `v7-movement-index-pages`, plain SHA-256 rows) is refused with a new key and no adoption
    /// flag (it looks the same as a keyed one whose keyed part was removed), and opens with
    /// adoption: the plain rows stay verifiable, movements from the migration on are keyed,
    /// verify says where the keyed part starts, and an edit of the plain part is still found.
    @Test func aDatabaseFromBeforeTheKeyedLedgerIsKeyedFromTheMigrationOn() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-prekey")
        defer { directory.remove() }
        let path = directory.file("depot.sqlite")
        do {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v1-core")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO item (sku, name, policy, lotTracked, expiryTracked) VALUES ('MILK', 'Milk', 'fifo', 0, 0);
                        INSERT INTO location (code, kind) VALUES ('A-01', 'storage'), ('A-02', 'storage');
                        INSERT INTO movement (at, kind, itemId, toLocationId, quantity, actor, reference)
                            VALUES ('2026-03-01 08:00:00.000', 'receive', 1, 1, 10, 'uid:0', 'DN-1');
                        INSERT INTO movement (at, kind, itemId, fromLocationId, toLocationId, quantity, actor)
                            VALUES ('2026-03-01 08:05:00.000', 'move', 1, 1, 2, 4, 'uid:0');
                        INSERT INTO movement (at, kind, itemId, fromLocationId, quantity, actor)
                            VALUES ('2026-03-01 08:10:00.000', 'pick', 1, 2, 1, 'uid:1000');
                        INSERT INTO stock (itemId, locationId, quantity, receivedAt) VALUES
                            (1, 1, 6, '2026-03-01 08:00:00.000'), (1, 2, 3, '2026-03-01 08:00:00.000');
                        """
                )
            }
            try Schema.migrator.migrate(queue, upTo: "v7-movement-index-pages")
            let applied = try await queue.read { db in try Schema.migrator.appliedIdentifiers(db) }
            #expect(!applied.contains(LedgerKeying.migrationName))
            try queue.close()
        }
        let key = try LedgerKey.create(path: directory.file("ledger.key"))
        #expect(throws: LedgerKeyingError.unkeyedLedger(movements: 3)) {
            try InventoryStore(path: path, clock: .fixed(morning), ledgerKey: key)
        }
        let store = try InventoryStore(path: path, clock: .fixed(morning), ledgerKey: key, adoptUnkeyedLedger: true)
        #expect(store.keyedNow)
        let migrated = try await store.verify()
        #expect(migrated.ok, "\(migrated)")
        #expect(migrated.chainKeyed && migrated.chainKeyedFrom == 4 && migrated.chainChecked == 3, "\(migrated)")
        #expect(
            migrated.factsChecked == 6,
            "item, 2 locations, 2 balances attested at the migration, and that deletions are: \(migrated)"
        )
        try await store.receive("MILK", 2, at: "A-01")
        let tags = try await store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT ifnull(tags, '-') FROM movement ORDER BY id")
        }
        #expect(tags.prefix(3) == ["-", "-", "-"] && tags.count == 4 && tags[3].count == 88, "\(tags)")
        let after = try await store.verify()
        #expect(after.ok && after.chainChecked == 4 && after.chainKeyedFrom == 4, "\(after)")
        try store.close()

        // The plain part edited and rechained (with its balance fixed) no longer ends in the tip
        // the keying marker recorded: verify names the last plain movement.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER movement_no_update")
            try db.execute(sql: "UPDATE movement SET quantity = 3 WHERE id = 2")
            try Self.rechainPlain(db, from: 2)
            try db.execute(sql: "UPDATE stock SET quantity = quantity + 1 WHERE locationId = 1")
            try db.execute(sql: "UPDATE stock SET quantity = quantity - 1 WHERE locationId = 2")
        }
        try queue.close()
        let reopened = try InventoryStore(path: path, clock: .fixed(morning), ledgerKey: key)
        defer { try? reopened.close() }
        let tampered = try await reopened.verify()
        #expect(tampered.mismatches.isEmpty, "the forger fixed the balances: \(tampered.mismatches)")
        #expect(!tampered.ok)
        #expect(tampered.chainFirstBadMovement == 3, "\(tampered)")
        #expect(tampered.chainProblem?.contains("1 to 3") == true, "\(tampered)")
    }
}
