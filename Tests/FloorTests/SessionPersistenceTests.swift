import Floor
import Foundation
import Inventory
import Logging
import TestSupport
import Testing
import Workflow

/// Floor sessions across a restart: the floor runtime on a real SQLite file, closed and opened
/// again with a new ``FloorService``, as depotd does when it restarts. No socket.
@Suite struct SessionPersistenceTests {
    /// One "run" of depotd on the shared file: a store and a floor service over it.
    final class Run: @unchecked Sendable {
        let store: InventoryStore
        let floor: FloorService
        private var sequence: Int
        private var monotonic: Duration = .seconds(1000)

        init(path: String, sequence: Int = 0) throws {
            store = try InventoryStore(
                path: path,
                clock: .fixed(
                    DepotAPIInstant.parse("2026-03-01T08:00:00Z"),
                    timeZone: TimeZone(identifier: "UTC")!
                )
            )
            floor = FloorService(store: store, logger: Logger(label: "test"))
            self.sequence = sequence
        }

        @discardableResult
        func scan(_ text: String, scanner: String = "S1", aim: String? = nil) async -> FloorFeedback {
            sequence += 1
            monotonic += .seconds(2)
            return await floor.submit(
                FloorScan(
                    id: "\(scanner):run:\(sequence)",
                    scannerID: scanner,
                    text: text,
                    symbologyIdentifier: aim,
                    at: store.clock.now(),
                    monotonic: monotonic
                )
            )
        }

        /// Closes the store, as depotd does on SIGTERM; returns the scan sequence to continue from.
        func close() throws -> Int {
            try store.close()
            return sequence
        }
    }

    static func catalogue(_ store: InventoryStore) async throws {
        try await store.addItem(
            ItemSpec(sku: "MILK", name: "Milk 1L", gtins: ["4006381333931"], lotTracked: true, expiryTracked: true)
        )
        try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt M8", gtins: ["96385074"]))
        try await store.addLocation(Location(code: "DOCK-1", kind: .receiving, gln: "4012345000009"))
        try await store.addLocation(Location(code: "A-01", kind: .storage))
        try await store.addLocation(Location(code: "A-02", kind: .storage))
    }

    @Test func anAssignedReceiveSessionContinuesAfterARestart() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-sessions")
        defer { directory.remove() }
        let path = directory.file("depot.sqlite")
        let first = try Run(path: path)
        try await Self.catalogue(first.store)
        _ = try await first.floor.assign(
            scanner: "S1",
            mode: .receive,
            location: "DOCK-1",
            operatorName: "ana",
            order: nil
        )
        _ = await first.scan("DEPOT QTY 5")  // half-entered: deliberately not restored
        let sequence = try first.close()

        let second = try Run(path: path, sequence: sequence)
        defer { try? second.store.close() }
        let listed = await second.floor.list()
        #expect(listed.map(\.id) == ["S1"])
        #expect(listed.first?.mode == .receive)
        #expect(listed.first?.location == "DOCK-1")
        #expect(listed.first?.operatorName == "ana")
        #expect(listed.first?.source == "stored")
        let received = await second.scan("96385074", aim: "]E4")
        #expect(received.level == .ok, "\(received)")
        #expect(received.message == "received 1 BOLT into DOCK-1", "the pending quantity 5 was not restored")
        #expect(received.mode == .receive)
        #expect(received.operatorName == "ana")
        let ledger = try await second.store.ledger(LedgerFilter())
        #expect(ledger.last?.actor == "scanner:S1/ana")
        // Listed as `stored` only until it scans (docs/workflows.md, "Sessions across restarts").
        #expect(await second.floor.list().first?.source == "injected")
    }

    /// Mode, order and operator set by scans; the pick instruction is asked again after the restart.
    @Test func aPickByScansContinuesAfterARestart() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-sessions")
        defer { directory.remove() }
        let path = directory.file("depot.sqlite")
        let first = try Run(path: path)
        try await Self.catalogue(first.store)
        _ = try await first.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 10, location: "A-02"),
            actor: "t"
        )
        _ = try await first.store.createOrder(
            reference: "SO-1",
            lines: [OrderLineRequest(item: ItemReference("BOLT"), quantity: 4)],
            actor: "t"
        )
        _ = await first.scan("DEPOT OPERATOR bo")
        _ = await first.scan("DEPOT MODE PICK")
        let order = await first.scan("SO-1")
        #expect(order.expectation == "take 4 BOLT from A-02")
        let sequence = try first.close()

        let second = try Run(path: path, sequence: sequence)
        defer { try? second.store.close() }
        let wrongBin = await second.scan("A-01")
        #expect(wrongBin.level == .error)
        #expect(wrongBin.message == "A-01 is not the bin of this pick: take 4 BOLT from A-02")
        #expect(wrongBin.mode == .pick)
        #expect(wrongBin.order == "SO-1")
        #expect(wrongBin.operatorName == "bo")
        #expect(await second.scan("A-02").message == "at A-02")
        _ = await second.scan("DEPOT QTY 4")
        let picked = await second.scan("96385074", aim: "]E4")
        #expect(picked.message.hasSuffix("order SO-1 complete"), "\(picked)")
        #expect(try await second.store.order("SO-1").status == .picked)
    }

    /// Goods carried for a put-away are still carried after a restart, and the put-down (whose
    /// effect writes the session in its own transaction) leaves nothing carried once restarted again.
    @Test func aCarryAndItsPutDownSurviveRestarts() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-sessions")
        defer { directory.remove() }
        let path = directory.file("depot.sqlite")
        let first = try Run(path: path)
        try await Self.catalogue(first.store)
        _ = try await first.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 10, location: "DOCK-1"),
            actor: "t"
        )
        _ = await first.scan("DEPOT MODE PUTAWAY")
        _ = await first.scan("DOCK-1")
        _ = await first.scan("DEPOT QTY 6")
        #expect(await first.scan("96385074", aim: "]E4").message == "carrying 6 BOLT")
        var sequence = try first.close()

        let second = try Run(path: path, sequence: sequence)
        #expect(await second.floor.list().first?.mode == .putaway)
        let moved = await second.scan("A-01")
        #expect(moved.level == .ok, "\(moved)")
        #expect(moved.message == "moved 6 BOLT from DOCK-1 to A-01")
        let stored = try await second.store.scannerSession("S1")
        #expect(stored?.carried == [])
        #expect(stored?.lastMovements == moved.movements, "written with the move, in its transaction")
        sequence = try second.close()

        let third = try Run(path: path, sequence: sequence)
        defer { try? third.store.close() }
        let undone = await third.scan("DEPOT UNDO")
        #expect(undone.message == "undone: 1 movement(s) reversed", "the undo list survived the restart")
        #expect(try await third.store.stock(item: ItemReference("BOLT"), location: "DOCK-1").first?.quantity == 10)
    }

    @Test func aBadSessionStateIsRefusedNamingTheField() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-sessions")
        defer { directory.remove() }
        let store = try InventoryStore(path: directory.file("depot.sqlite"))
        defer { try? store.close() }
        await #expect(
            throws: InventoryError.invalidValue(
                field: "mode",
                value: "dance",
                reason: "must be one of count, lookup, move, pick, putaway, receive"
            )
        ) {
            try await store.saveScannerSession(ScannerSessionState(scannerID: "S1", mode: "dance"))
        }
        #expect(try await store.scannerSession("S1") == nil)
    }
}
