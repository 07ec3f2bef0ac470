import Foundation
import GRDB
import Inventory
import TestSupport
import Testing

// After an I/O error the store stops accepting writes (it may hold state that is not on disk);
// a full disk stops nothing. Triggers: StorageFault (the writer's WAL descriptor made read-only,
// so SQLite gets EBADF -> SQLITE_IOERR_WRITE) and PRAGMA max_page_count (SQLITE_FULL).

@Suite("Writes stop after an I/O error", .serialized)
struct WriteStopTests {
    @Test("an I/O error on commit stops every later write with its own sentence; reads go on")
    func ioErrorStopsWrites() async throws {
        let fixture = try StoreFixture()
        defer { fixture.tearDown() }
        let store = fixture.store
        try await store.addItem(ItemSpec(sku: "MILK", name: "Milk 1L"))
        try await store.addStorage("A-01")
        try await store.receive("MILK", 3, at: "A-01")
        #expect(store.writeStop == nil)
        #expect(try StorageFault.breakWrites(of: fixture.path) >= 1)

        do {
            try await store.receive("MILK", 5, at: "A-01")
            Issue.record("a write on an unwritable WAL was acknowledged")
        } catch let error as InventoryError {
            guard case let .storageFailure(reason, code, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(reason == .ioError)
            #expect(code & 0xFF == 10, "SQLITE_IOERR family, got \(code)")
        }
        let stop = try #require(store.writeStop)
        #expect(stop.reason == .ioError)
        #expect(stop.since == morning)

        // Every later write is refused before SQLite is asked, with the stop's sentence.
        for attempt in 0..<3 {
            do {
                try await store.receive("MILK", 1, at: "A-01")
                Issue.record("write \(attempt) accepted after the I/O error")
            } catch let error as InventoryError {
                #expect(error == .writesStopped(stop))
                #expect(error.description.contains("writes are stopped until depotd is restarted"), "\(error)")
            }
        }
        await #expect(throws: InventoryError.writesStopped(stop)) { try await store.addStorage("B-01") }
        // Reads answer, with what is on disk, and status says writes are stopped.
        let status = try await store.status()
        #expect(status.ledgerPosition == 1)
        #expect(status.onHand == 3)
        #expect(status.writesStopped == stop)
    }

    @Test("a full disk (max_page_count) fails the write but stops nothing")
    func diskFullDoesNotStopWrites() async throws {
        let fixture = try StoreFixture()
        defer { fixture.tearDown() }
        let store = fixture.store
        try await store.addItem(ItemSpec(sku: "MILK", name: "Milk 1L"))
        try await store.addStorage("A-01")
        let pages = try await store.writer.writeWithoutTransaction { db in
            let count = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(count)")
            return count
        }
        #expect(pages > 0)
        var failure: InventoryError?
        for index in 0..<2000 where failure == nil {
            do {
                try await store.addItem(ItemSpec(sku: "SKU-\(index)", name: String(repeating: "n", count: 150)))
            } catch let error as InventoryError {
                failure = error
            }
        }
        let error = try #require(failure, "max_page_count never filled")
        guard case let .storageFailure(reason, _, _) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(reason == .diskFull)
        #expect(store.writeStop == nil)
        #expect(try await store.status().writesStopped == nil)
        // Space freed: the next write commits.
        try await store.writer.writeWithoutTransaction { db in
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = 1000000")
        }
        try await store.receive("MILK", 3, at: "A-01")
        #expect(try await store.status().onHand == 3)
    }
}
