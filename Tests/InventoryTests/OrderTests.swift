import Foundation
import Inventory
import Testing

// Orders: reservations by the rule, shortfalls, confirming picks, cancelling, and
// re-allocation at pick time when a reserved lot is no longer allocatable.

@Suite("Orders")
struct OrderTests {
    @Test("create reserves by the rule; pick confirms with the order reference; the order closes")
    func createAndPick() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let created = try await store.createOrder(
                reference: "SO-1",
                lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 6)],
                actor: clerk
            )
            #expect(created.status == .open)
            #expect(created.createdAt == morning)
            #expect(created.lines.map(\.reserved) == [6])
            #expect(created.lines.map(\.shortfall) == [0])
            #expect(
                created.lines[0].reservations.map { Taken($0.lot, $0.location, $0.quantity) }
                    == [Taken("L2", "A-02", 3), Taken("L1", "A-01", 3)]
            )
            // Reserving moves nothing: no ledger rows, on hand unchanged.
            #expect(try await store.ledger(LedgerFilter()).allSatisfy { $0.kind == .receive })
            #expect(try await store.onHand("MILK", lot: "L2", at: "A-02") == 3)
            #expect(try await store.stock(item: ItemReference("MILK"), lot: "L2").map(\.reserved) == [3])

            let picked = try await store.pickOrder("SO-1", actor: clerk)
            #expect(picked.order.status == .picked)
            #expect(picked.order.lines.map(\.picked) == [6])
            #expect(picked.order.lines.map(\.reserved) == [0])
            #expect(
                picked.movements.map { Taken($0.lot, $0.from ?? "", $0.quantity) }
                    == [Taken("L2", "A-02", 3), Taken("L1", "A-01", 3)]
            )
            #expect(picked.movements.allSatisfy { $0.kind == .pick && $0.reference == "SO-1" && $0.to == nil })
            #expect(try await store.onHand("MILK", lot: "L1", at: "A-01") == 2)
            #expect(try await store.status().openOrders == 0)
            try await expectConsistent(store)
        }
    }

    @Test("short lines reserve what exists and report the shortfall; other lines are unaffected")
    func shortLines() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt M6"))
            try await store.receive("BOLT", 50, at: "A-01")
            let order = try await store.createOrder(
                reference: "SO-2",
                lines: [
                    OrderLineRequest(item: ItemReference("MILK"), quantity: 25),
                    OrderLineRequest(item: ItemReference("BOLT"), quantity: 20),
                    OrderLineRequest(item: ItemReference("MILK"), quantity: 1),
                ],
                actor: clerk
            )
            #expect(order.lines.map(\.lineNo) == [1, 2, 3])
            #expect(order.lines.map(\.reserved) == [18, 20, 0])
            #expect(order.lines.map(\.shortfall) == [7, 0, 1])

            // Pick line 2 only: the order stays open.
            let partly = try await store.pickOrder("SO-2", line: 2, actor: clerk)
            #expect(partly.order.status == .open)
            #expect(partly.order.lines.map(\.picked) == [0, 20, 0])
            #expect(try await store.onHand("BOLT", at: "A-01") == 30)

            // New stock arrives; picking tops the short lines up from it by the rule.
            try await store.receive("MILK", 8, at: "A-02", lot: "L5", expiry: "2026-03-03")
            let rest = try await store.pickOrder("SO-2", actor: clerk)
            #expect(rest.order.status == .picked)
            #expect(rest.order.lines.map(\.picked) == [25, 20, 1])
            #expect(rest.order.lines.map(\.shortfall) == [0, 0, 0])
            #expect(
                try await store.stock(item: ItemReference("MILK")).map { Taken($0.lot, $0.location, $0.quantity) }
                    == [Taken("L4", "A-04", 4)]
            )
            try await expectConsistent(store)
        }
    }

    @Test("cancel releases every reservation and leaves stock alone")
    func cancelReleases() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            _ = try await store.createOrder(
                reference: "SO-3",
                lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 10)],
                actor: clerk
            )
            #expect(try await store.stock(item: ItemReference("MILK")).map(\.reserved).reduce(0, +) == 10)
            let position = try await store.ledgerPosition()
            let cancelled = try await store.cancelOrder("SO-3", actor: clerk)
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.lines.map(\.reserved) == [0])
            #expect(try await store.stock(item: ItemReference("MILK")).map(\.reserved).allSatisfy { $0 == 0 })
            #expect(try await store.ledgerPosition() == position)
            let error = await #expect(throws: InventoryError.self) { try await store.pickOrder("SO-3", actor: clerk) }
            #expect(error == .orderClosed(reference: "SO-3", status: "cancelled"))
            try await expectConsistent(store)
        }
    }

    @Test("a reserved lot that expires before picking is replaced at pick time")
    func expiredReservationReplaced() async throws {
        let fixture = try StoreFixture()
        defer { fixture.directory.remove() }
        try await MilkExample.seed(fixture.store)
        let created = try await fixture.store.createOrder(
            reference: "SO-4",
            lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 4)],
            actor: clerk
        )
        #expect(
            created.lines[0].reservations.map { Taken($0.lot, $0.location, $0.quantity) }
                == [Taken("L2", "A-02", 3), Taken("L1", "A-01", 1)]
        )
        try fixture.store.close()

        // Five days later L2 (expiry 2026-03-05) has expired.
        let store = try fixture.reopen(now: instant("2026-03-06T08:00:00Z"))
        defer { try? store.close() }
        let picked = try await store.pickOrder("SO-4", actor: clerk)
        // L2's 3 are released and replaced from L1; the top-up joins L1's reservation.
        #expect(picked.movements.map { Taken($0.lot, $0.from ?? "", $0.quantity) } == [Taken("L1", "A-01", 4)])
        #expect(picked.order.status == .picked)
        #expect(try await store.onHand("MILK", lot: "L2", at: "A-02") == 3, "the expired lot stays where it was")
        #expect(try await store.onHand("MILK", lot: "L1", at: "A-01") == 1)
        try await expectConsistent(store)
    }

    @Test(
        "a reserved lot put in quarantine before picking is replaced at pick time",
        arguments: [LotStatus.quarantine, .blocked]
    )
    func quarantinedReservationReplaced(status: LotStatus) async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            _ = try await store.createOrder(
                reference: "SO-5",
                lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 4)],
                actor: clerk
            )
            _ = try await store.setLotStatus(
                item: ItemReference("MILK"),
                lot: "L2",
                status: status,
                reason: "hold",
                actor: clerk
            )
            let picked = try await store.pickOrder("SO-5", actor: clerk)
            #expect(picked.movements.map { Taken($0.lot, $0.from ?? "", $0.quantity) } == [Taken("L1", "A-01", 4)])
            #expect(try await store.onHand("MILK", lot: "L2", at: "A-02") == 3)
            #expect(try await store.stock(item: ItemReference("MILK"), lot: "L2").map(\.reserved) == [0])
            #expect(try await store.onHand("MILK", lot: "L1", at: "A-01") == 1)
            try await expectConsistent(store)
        }
    }

    @Test("a line's minimum shelf life applies at reservation and at pick time")
    func lineShelfLife() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let order = try await store.createOrder(
                reference: "SO-6",
                lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 6, minRemainingShelfLifeDays: 7)],
                actor: clerk
            )
            #expect(order.lines[0].minRemainingShelfLifeDays == 7)
            #expect(
                order.lines[0].reservations.map { Taken($0.lot, $0.location, $0.quantity) }
                    == [Taken("L1", "A-01", 5), Taken("L3", "A-03", 1)]
            )
            let picked = try await store.pickOrder("SO-6", actor: clerk)
            #expect(
                picked.movements.map { Taken($0.lot, $0.from ?? "", $0.quantity) }
                    == [Taken("L1", "A-01", 5), Taken("L3", "A-03", 1)]
            )
            try await expectConsistent(store)
        }
    }
}
