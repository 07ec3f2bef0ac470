import Foundation
import GRDB
import Inventory
import TestSupport
import Testing

/// The writer's page cache (`InventoryStore(writerCacheKiB:)`, `[database] cache_kib`) is what the
/// writer's connection runs with, and a cache below SQLite's default is refused by name.
@Suite struct WriterCacheTests {
    @Test(arguments: [2048, 4096, InventoryStore.defaultWriterCacheKiB])
    func writerRunsWithTheCache(kib: Int) throws {
        let directory = try TemporaryDirectory(prefix: "cachetest")
        defer { directory.remove() }
        let store = try InventoryStore(path: directory.file("depot.sqlite"), writerCacheKiB: kib)
        defer { try? store.close() }
        let size = try store.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") }
        #expect(size == -kib)
    }

    @Test func tooSmallACacheIsRefused() throws {
        let directory = try TemporaryDirectory(prefix: "cachetest")
        defer { directory.remove() }
        #expect(
            throws: InventoryError.invalidValue(
                field: "writerCacheKiB",
                value: "1024",
                reason: "must be at least 2048 (SQLite's default page cache, 2 MiB)"
            )
        ) {
            try InventoryStore(path: directory.file("depot.sqlite"), writerCacheKiB: 1024)
        }
    }
}
