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
}
