import Foundation
import GRDB
import TestSupport
import Testing

@testable import Inventory

// Exactly-once is keyed per intent: the writes of one scan's effect all apply, a replayed scan
// applies none of them again, and writes without a scan id are never deduplicated.

@Suite("Exactly-once per intent")
struct ExactlyOnceTests {
    static func seed(_ store: InventoryStore) async throws {
        try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt M8"))
        try await store.addStorage("DOCK", "A-01", "A-02")
    }

    @Test("two writes in one scan effect both apply; a replayed scan applies neither twice")
    func twoWritesOneScan() async throws {
        try await withStore { store in
            try await Self.seed(store)
            let scan = OperationContext(actor: "scanner:S1", scanID: "S1:7")
            let received = try await store.receive(
                ReceiveRequest(item: ItemReference("BOLT"), quantity: 10, location: "DOCK"),
                context: scan
            )
            let moved = try await store.move(
                [MoveRequest(item: ItemReference("BOLT"), from: "DOCK", to: "A-01", quantity: 4)],
                context: scan
            )
            #expect(received.movements.count == 1 && moved.movements.count == 1)
            #expect((received.movements + moved.movements).allSatisfy { $0.actor == "scanner:S1" })
            let position = try await store.ledgerPosition()

            await #expect(throws: InventoryError.duplicateScan(id: "S1:7", movements: received.movements.map(\.id))) {
                _ = try await store.receive(
                    ReceiveRequest(item: ItemReference("BOLT"), quantity: 10, location: "DOCK"),
                    context: scan
                )
            }
            await #expect(throws: InventoryError.duplicateScan(id: "S1:7", movements: moved.movements.map(\.id))) {
                _ = try await store.move(
                    [MoveRequest(item: ItemReference("BOLT"), from: "DOCK", to: "A-01", quantity: 4)],
                    context: scan
                )
            }
            #expect(try await store.ledgerPosition() == position)
            #expect(try await store.onHand("BOLT", at: "DOCK") == 6)
            #expect(try await store.onHand("BOLT", at: "A-01") == 4)
            try await expectConsistent(store)
        }
    }

    @Test("two writes of the same kind in one effect are told apart by their step")
    func sameKindTwice() async throws {
        try await withStore { store in
            try await Self.seed(store)
            try await store.receive("BOLT", 10, at: "DOCK")
            let first = OperationContext(actor: "scanner:S1", scanID: "S1:8", step: "1")
            let second = OperationContext(actor: "scanner:S1", scanID: "S1:8", step: "2")
            _ = try await store.move(
                [MoveRequest(item: ItemReference("BOLT"), from: "DOCK", to: "A-01", quantity: 3)],
                context: first
            )
            _ = try await store.move(
                [MoveRequest(item: ItemReference("BOLT"), from: "DOCK", to: "A-02", quantity: 2)],
                context: second
            )
            await #expect(throws: InventoryError.self) {
                _ = try await store.move(
                    [MoveRequest(item: ItemReference("BOLT"), from: "DOCK", to: "A-01", quantity: 3)],
                    context: first
                )
            }
            #expect(try await store.onHand("BOLT", at: "A-01") == 3)
            #expect(try await store.onHand("BOLT", at: "A-02") == 2)
            #expect(try await store.onHand("BOLT", at: "DOCK") == 5)
        }
    }

    @Test("a replay is refused after the database is reopened; writes without a scan id repeat")
    func replayAfterReopen() async throws {
        let fixture = try StoreFixture()
        defer { fixture.tearDown() }
        try await Self.seed(fixture.store)
        let scan = OperationContext(actor: "scanner:S2", scanID: "S2:1")
        let request = ReceiveRequest(item: ItemReference("BOLT"), quantity: 5, location: "DOCK")
        _ = try await fixture.store.receive(request, context: scan)
        _ = try await fixture.store.receive(request, context: OperationContext(actor: clerk))
        _ = try await fixture.store.receive(request, context: OperationContext(actor: clerk))
        try fixture.store.close()
        let reopened = try fixture.reopen(now: morning)
        await #expect(throws: InventoryError.self) { _ = try await reopened.receive(request, context: scan) }
        #expect(try await reopened.onHand("BOLT", at: "DOCK") == 15)
        try reopened.close()
    }
}

@Suite("Applied-scan migration")
struct AppliedScanMigrationTests {
    @Test("a scan recorded before intents were kept still refuses every write of that scan")
    func legacyScanStaysApplied() async throws {
        let directory = try TemporaryDirectory(prefix: "invmigrate")
        defer { directory.remove() }
        let path = directory.file("depot.sqlite")
        do {
            let old = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(old, upTo: "v3-ledger-hash-by-verify")
            try await old.write { db in
                try db.execute(
                    sql:
                        "INSERT INTO appliedScan (scanId, appliedAt, firstMovementId, lastMovementId) VALUES ('S1:1', ?, 4, 5)",
                    arguments: [morning]
                )
            }
            try old.close()
        }
        let store = try InventoryStore(path: path, clock: .fixed(morning))
        defer { try? store.close() }
        try await ExactlyOnceTests.seed(store)
        await #expect(throws: InventoryError.duplicateScan(id: "S1:1", movements: [4, 5])) {
            _ = try await store.receive(
                ReceiveRequest(item: ItemReference("BOLT"), quantity: 1, location: "DOCK"),
                context: OperationContext(actor: "scanner:S1", scanID: "S1:1")
            )
        }
        _ = try await store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 1, location: "DOCK"),
            context: OperationContext(actor: "scanner:S1", scanID: "S1:2")
        )
        #expect(try await store.onHand("BOLT", at: "DOCK") == 1)
    }
}
