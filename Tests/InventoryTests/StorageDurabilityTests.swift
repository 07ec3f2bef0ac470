import Foundation
import GRDB
import Inventory
import Testing
import TestSupport

// Durability: the writer connection, the one that commits, runs with the requested
// PRAGMA synchronous, although GRDB's WAL set-up sets NORMAL after prepareDatabase.

@Suite("Storage durability")
struct StorageDurabilityTests {
    @Test("default store: the writer reads PRAGMA synchronous = 2 (FULL), status says full")
    func fullByDefault() async throws {
        try await withStore { store in
            let level = try await store.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
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
        let store = try InventoryStore(path: directory.file("depot.sqlite"), durability: durability, clock: .fixed(morning))
        defer { try? store.close() }
        #expect(try await store.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == level)
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
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM movement"), try Int.fetchOne(db, sql: "SELECT sum(quantity) FROM stock"))
        }
        #expect(movements == 20)
        #expect(onHand == 60)
    }

    /// Size of the file at `path`, 0 when it does not exist.
    static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
