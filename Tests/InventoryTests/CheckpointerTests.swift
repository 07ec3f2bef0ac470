import Foundation
import GRDB
import Inventory
import TestSupport
import Testing

// Checkpoints off the request path: the writer never checkpoints (wal_autocheckpoint = 0), the
// background checkpointer copies commits into the main file and truncates a WAL past its bound.

@Suite("Background checkpointer", .serialized)
struct CheckpointerTests {
    static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Waits up to 5 s for `condition`.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test("the writer does not checkpoint; without the checkpointer the commits stay in the WAL")
    func writerNeverCheckpoints() async throws {
        let directory = try TemporaryDirectory(prefix: "invckpt")
        defer { directory.remove() }
        let path = directory.file("depot.sqlite")
        let store = try InventoryStore(
            path: path,
            clock: .fixed(morning),
            checkpoints: CheckpointPolicy(interval: .seconds(3600), truncateAboveBytes: 1 << 40)
        )
        defer { try? store.close() }
        #expect(
            try await store.writer.writeWithoutTransaction { db in
                try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint")
            } == 0
        )
        try await store.addItem(ItemSpec(sku: "MILK", name: "Milk 1L"))
        try await store.addStorage("A-01")
        let mainBefore = Self.size(path)
        // Well past SQLite's default autocheckpoint of 1000 pages (4 MB).
        let lines = (0..<3000).map { "SKU-\($0)" }
        for chunk in stride(from: 0, to: lines.count, by: 500) {
            for sku in lines[chunk..<min(chunk + 500, lines.count)] {
                try await store.addItem(ItemSpec(sku: sku, name: String(repeating: "x", count: 150)))
            }
        }
        #expect(Self.size(path + "-wal") > 4 << 20, "the WAL holds every commit")
        #expect(Self.size(path) == mainBefore, "no commit copied pages into the main file")
    }

    @Test("PASSIVE checkpoints copy commits into the main file while writes go on; TRUNCATE bounds the WAL")
    func passiveCheckpointsKeepTheWALSmall() async throws {
        let directory = try TemporaryDirectory(prefix: "invckpt")
        defer { directory.remove() }
        let path = directory.file("depot.sqlite")
        let store = try InventoryStore(
            path: path,
            clock: .fixed(morning),
            checkpoints: CheckpointPolicy(interval: .milliseconds(10), truncateAboveBytes: 256 << 10)
        )
        defer { try? store.close() }
        try await store.addItem(ItemSpec(sku: "MILK", name: "Milk 1L"))
        try await store.addStorage("A-01")
        let mainBefore = Self.size(path)
        var largestWAL: Int64 = 0
        for _ in 0..<600 {
            try await store.receive("MILK", 1, at: "A-01")
            largestWAL = max(largestWAL, Self.size(path + "-wal"))
        }
        #expect(
            try await Self.eventually { Self.size(path) > mainBefore },
            "the main file grows by checkpoints while open"
        )
        // 600 commits of a few pages each are about 10 MB of WAL without checkpoints.
        #expect(largestWAL < 3 << 20, "the WAL reached \(largestWAL) bytes")
        #expect(try await store.status().onHand == 600)
    }

    @Test("the checkpointer copies commits into the main file and truncates a WAL past its bound")
    func checkpointerBoundsTheWAL() async throws {
        let directory = try TemporaryDirectory(prefix: "invckpt")
        defer { directory.remove() }
        let path = directory.file("depot.sqlite")
        let store = try InventoryStore(
            path: path,
            clock: .fixed(morning),
            checkpoints: CheckpointPolicy(interval: .milliseconds(20), truncateAboveBytes: 1)
        )
        try await store.addItem(ItemSpec(sku: "MILK", name: "Milk 1L"))
        try await store.addStorage("A-01")
        let mainBefore = Self.size(path)
        for _ in 0..<200 { try await store.receive("MILK", 1, at: "A-01") }
        #expect(
            try await Self.eventually { Self.size(path) > mainBefore },
            "the main file grows by checkpoints while open"
        )
        #expect(
            try await Self.eventually { Self.size(path + "-wal") == 0 },
            "a WAL past its bound (here 1 byte) is truncated"
        )
        #expect(try await store.status().onHand == 200)
        try store.close()

        // The main file alone holds everything.
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        #expect(try await queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM movement") } == 200)
    }
}
