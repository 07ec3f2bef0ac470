import Foundation
import GRDB
import Inventory
import TestSupport
import Testing

// Durability: the writer connection, the one that commits, runs with the requested
// PRAGMA synchronous, although GRDB's WAL set-up sets NORMAL after prepareDatabase.

@Suite("Storage durability")
struct StorageDurabilityTests {
    @Test("default store: the writer reads PRAGMA synchronous = 2 (FULL), status says full")
    func fullByDefault() async throws {
        try await withStore { store in
            let level = try await store.writer.writeWithoutTransaction { db in
                try Int.fetchOne(db, sql: "PRAGMA synchronous")
            }
            #expect(level == 2)
            #expect(try await store.synchronousLevel() == 2)
            #expect(store.durability == .full)
            #expect(try await store.status().durability == .full)
            // Readers get the same setting from prepareDatabase (they never commit, but nothing says NORMAL).
            #expect(try await store.writer.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
        }
    }

    @Test(arguments: [(Durability.full, 2), (.normal, 1)])
    func requestedLevelIsInForce(durability: Durability, level: Int) async throws {
        let directory = try TemporaryDirectory(prefix: "invdur")
        defer { directory.remove() }
        let store = try InventoryStore(
            path: directory.file("depot.sqlite"),
            durability: durability,
            clock: .fixed(morning)
        )
        defer { try? store.close() }
        #expect(
            try await store.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
                == level
        )
        // Still in force after writes (the connection is never replaced).
        try await store.addStorage("A-01")
        #expect(try await store.synchronousLevel() == level)
        #expect(try await store.status().durability == durability)
    }

    @Test("a clean close leaves the -wal empty or gone, and a copy of the .sqlite file alone holds every commit")
    func cleanCloseCheckpointsEverythingIntoTheMainFile() async throws {
        let fixture = try StoreFixture()
        defer { fixture.tearDown() }
        let store = fixture.store
        try await store.addItem(ItemSpec(sku: "MILK", name: "Milk 1L"))
        try await store.addStorage("A-01")
        for _ in 0..<20 { try await store.receive("MILK", 3, at: "A-01") }
        let wal = fixture.path + "-wal"
        #expect(Self.size(wal) > 0, "the commits are in the WAL while the store is open")
        try store.close()
        #expect(Self.size(wal) == 0, "after close the -wal is empty or absent")

        let copyDirectory = try TemporaryDirectory(prefix: "invcopy")
        defer { copyDirectory.remove() }
        let copy = copyDirectory.file("copy.sqlite")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: copy)
        let queue = try DatabaseQueue(path: copy)
        defer { try? queue.close() }
        let (movements, onHand) = try await queue.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM movement"),
                try Int.fetchOne(db, sql: "SELECT sum(quantity) FROM stock")
            )
        }
        #expect(movements == 20)
        #expect(onHand == 60)
    }

    @Test("a full disk reaches the caller as storageFailure(diskFull) with a sentence; nothing of it is saved")
    func fullDiskIsATypedStorageFailure() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "MILK", name: "Milk 1L", lotTracked: true))
            try await store.addStorage("A-01")
            // SQLite's own limit on the file's pages: the next page it needs fails with SQLITE_FULL.
            try await store.writer.writeWithoutTransaction { db in
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                try db.execute(sql: "PRAGMA max_page_count = \(pages)")
            }
            var saved = 0
            var failure: InventoryError?
            for index in 0..<2000 {
                do {
                    try await store.receive(
                        "MILK",
                        1,
                        at: "A-01",
                        lot: "LOT-\(index)-" + String(repeating: "x", count: 50)
                    )
                    saved += 1
                } catch let error as InventoryError {
                    failure = error
                    break
                }
            }
            guard case let .storageFailure(reason, code, _)? = failure else {
                Issue.record("no storage failure after \(saved) receipts: \(String(describing: failure))")
                return
            }
            #expect(reason == .diskFull)
            #expect(code & 0xFF == 13, "SQLITE_FULL")
            #expect(
                failure?.description.contains("disk holding the database is full") == true,
                "\(String(describing: failure))"
            )
            #expect(try await store.ledgerPosition() == Int64(saved), "the failed receipt left no movement")
            try await store.writer.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA max_page_count = 1073741823")
            }
            try await store.receive("MILK", 1, at: "A-01", lot: "AFTER")
            try await expectConsistent(store)
        }
    }

    @Test("a lot expiry the file no longer holds as a date is a corrupt database, never an undated lot")
    func unreadableExpiryIsCorruptNotUndated() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "MILK", name: "Milk 1L", lotTracked: true, expiryTracked: true))
            try await store.addStorage("A-01")
            try await store.receive("MILK", 5, at: "A-01", lot: "L1", expiry: "2026-02-20", allowExpired: true)
            // An editor of the file writes something that is not a date over the expired lot's expiry.
            try await store.writer.writeWithoutTransaction { db in
                try db.execute(sql: "UPDATE lot SET expiry = '2026-13-45' WHERE code = 'L1'")
            }
            let error = await #expect(throws: InventoryError.self) {
                _ = try await store.pick(PickRequest(item: ItemReference("MILK"), quantity: 1), actor: clerk)
            }
            guard case let .storageFailure(reason, _, detail)? = error else {
                Issue.record("expected a storage failure, got \(String(describing: error))")
                return
            }
            #expect(reason == .corrupt)
            #expect(detail.contains("2026-13-45"), "\(detail)")
        }
    }

    @Test("a read-only database reaches the caller as storageFailure(readOnly)")
    func readOnlyIsATypedStorageFailure() async throws {
        try await withStore { store in
            try await store.addStorage("A-01")
            try await store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = ON") }
            await #expect(throws: InventoryError.self) {
                do {
                    try await store.addStorage("A-02")
                } catch let error as InventoryError {
                    #expect(error.description.contains("may not be written"), "\(error)")
                    if case let .storageFailure(reason, _, _) = error {
                        #expect(reason == .readOnly)
                    } else {
                        Issue.record("\(error)")
                    }
                    throw error
                }
            }
        }
    }

    /// Size of the file at `path`, 0 when it does not exist.
    static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
