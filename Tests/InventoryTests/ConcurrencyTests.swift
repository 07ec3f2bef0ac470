import Foundation
import Inventory
import Testing

// Parallel picks at the engine level: many tasks pick the same item at once. Totals are exact,
// nothing goes negative, no unit is allocated twice, verify passes. (Over the socket with 16
// clients: DepotServiceTests / EndToEndTests.)

@Suite("Concurrency")
struct ConcurrencyTests {
    /// 100 units of X over five lots and locations.
    static func seed(_ store: InventoryStore) async throws {
        try await store.addItem(ItemSpec(sku: "X", name: "Test item", expiryTracked: true))
        try await store.addStorage("A-01", "A-02", "A-03", "A-04", "A-05")
        let lots: [(String, String, String, Int64)] = [
            ("K1", "2026-03-05", "A-01", 17), ("K2", "2026-03-06", "A-02", 23), ("K3", "2026-03-07", "A-03", 19),
            ("K4", "2026-03-08", "A-04", 29), ("K5", "2026-03-09", "A-05", 12),
        ]
        for (lot, expiry, location, quantity) in lots {
            try await store.receive("X", quantity, at: location, lot: lot, expiry: expiry)
        }
    }

    @Test("48 tasks picking 3 each from 100: exactly 33 succeed, 1 unit is left, verify passes")
    func parallelPicks() async throws {
        try await withStore { store in
            try await Self.seed(store)
            let outcomes = try await withThrowingTaskGroup(of: PickResult?.self) { group in
                for index in 0..<48 {
                    group.addTask {
                        do {
                            return try await store.pick(
                                PickRequest(
                                    item: ItemReference("X"),
                                    quantity: 3,
                                    reference: "T\(index)"
                                ),
                                actor: "task:\(index)"
                            )
                        } catch let error as InventoryError {
                            guard case let .allocationShort(_, requested, allocatable, _) = error else { throw error }
                            #expect(requested == 3)
                            #expect(allocatable < 3)
                            return nil
                        }
                    }
                }
                var outcomes: [PickResult?] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            let picks = outcomes.compactMap { $0 }
            #expect(picks.count == 33)
            #expect(picks.allSatisfy { $0.plan.allocated == 3 && $0.movements.map(\.quantity).reduce(0, +) == 3 })
            #expect(try await store.status().onHand == 1)
            #expect(try await store.stock().map { Taken($0.lot, $0.location, $0.quantity) } == [Taken("K5", "A-05", 1)])

            // No unit twice: per lot, what the picks took plus what is left equals what arrived.
            var taken: [String: Int64] = [:]
            for movement in picks.flatMap(\.movements) { taken[movement.lot ?? "", default: 0] += movement.quantity }
            #expect(taken == ["K1": 17, "K2": 23, "K3": 19, "K4": 29, "K5": 11])
            // FEFO held under contention: no pick took a later lot while an earlier one had stock
            // left at the moment it committed, so the ledger's pick rows go through lots in order.
            let ledgerLots = try await store.ledger(LedgerFilter()).filter { $0.kind == .pick }.compactMap(\.lot)
            #expect(ledgerLots == ledgerLots.sorted())
            try await expectConsistent(store)
        }
    }

    @Test("parallel orders, picks, moves and adjustments never drive stock negative")
    func mixedWork() async throws {
        try await withStore { store in
            try await Self.seed(store)
            try await store.addStorage("B-01")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<32 {
                    group.addTask {
                        do {
                            switch index % 4 {
                            case 0:
                                _ = try await store.pick(
                                    PickRequest(item: ItemReference("X"), quantity: 4, allowPartial: true),
                                    actor: "task:\(index)"
                                )
                            case 1:
                                _ = try await store.createOrder(
                                    reference: "SO-\(index)",
                                    lines: [OrderLineRequest(item: ItemReference("X"), quantity: 5)],
                                    actor: "task:\(index)"
                                )
                                _ = try await store.pickOrder("SO-\(index)", actor: "task:\(index)")
                            case 2:
                                _ = try await store.move(
                                    MoveRequest(
                                        item: ItemReference("X"),
                                        lot: "K4",
                                        from: "A-04",
                                        to: "B-01",
                                        quantity: 2
                                    ),
                                    actor: "task:\(index)"
                                )
                            default:
                                _ = try await store.adjust(
                                    AdjustRequest(
                                        item: ItemReference("X"),
                                        lot: "K5",
                                        location: "A-05",
                                        delta: -1,
                                        reason: "damaged"
                                    ),
                                    actor: "task:\(index)"
                                )
                            }
                        } catch is InventoryError {
                            // Refusals (not enough free stock) are expected under contention.
                        }
                    }
                }
                try await group.waitForAll()
            }
            let ledger = try await store.ledger(LedgerFilter())
            let received = ledger.filter { $0.kind == .receive }.map(\.quantity).reduce(0, +)
            let gone = ledger.filter { $0.kind == .pick || ($0.kind == .adjust && $0.from != nil) }.map(\.quantity)
                .reduce(0, +)
            #expect(received == 100)
            #expect(try await store.status().onHand == received - gone)
            #expect(received - gone >= 0)
            try await expectConsistent(store)
        }
    }

    @Test("two stores on one file (as two processes would) picking at once: totals exact")
    func twoStoresOneFile() async throws {
        let fixture = try StoreFixture()
        defer { fixture.tearDown() }
        try await Self.seed(fixture.store)
        let other = try InventoryStore(path: fixture.path, clock: .fixed(morning))
        defer { try? other.close() }
        let taken = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<40 {
                let store = index % 2 == 0 ? fixture.store : other
                group.addTask {
                    let result = try await store.pick(
                        PickRequest(item: ItemReference("X"), quantity: 2),
                        actor: "task:\(index)"
                    )
                    return result.movements.map(\.quantity).reduce(0, +)
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(taken == 80)
        #expect(try await fixture.store.status().onHand == 20)
        #expect(try await other.status().onHand == 20)
        try await expectConsistent(fixture.store)
    }
}
