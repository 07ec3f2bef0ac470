import Foundation
import Inventory
import Testing

// A picker's scan of another lot is judged by the same allocation rule that planned the pick:
// the lot the plan keeps away is refused at confirmation with the plan's own reason.

@Suite("Pick confirmation follows the allocation rule")
struct PickConfirmationRuleTests {
    /// MILK as in the worked example, plus L5 (expiry 2026-03-04, 2 at A-05) put on hold, and
    /// order SO-9 for 2 (reserved from L2 at A-02).
    static func seed(_ store: InventoryStore, hold status: LotStatus) async throws {
        try await MilkExample.seed(store)
        try await store.addStorage("A-05")
        try await store.receive("MILK", 2, at: "A-05", lot: "L5", expiry: "2026-03-04")
        _ = try await store.setLotStatus(
            item: ItemReference("MILK"),
            lot: "L5",
            status: status,
            reason: "hold",
            actor: clerk
        )
        _ = try await store.createOrder(
            reference: "SO-9",
            lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 2)],
            actor: clerk
        )
    }

    @Test(
        "a lot the plan excludes is refused by scan with the plan's reason",
        arguments: [("L4", LotStatus.quarantine), ("L5", .quarantine), ("L5", .blocked)]
    )
    func excludedLotRefusedWithPlanReason(lot: String, hold: LotStatus) async throws {
        try await withStore { store in
            try await Self.seed(store, hold: hold)
            let plan = try await store.pick(
                PickRequest(item: ItemReference("MILK"), quantity: 1, dryRun: true),
                actor: clerk
            ).plan
            let skipped = try #require(plan.skipped.first { $0.lot == lot })
            let planned = AllocationRule.explain(
                skipped.reason,
                lot: skipped.lot,
                location: skipped.location,
                expiry: skipped.expiry,
                requiredShelfLifeDays: plan.requiredShelfLifeDays
            )
            let before = try await Snapshot(store, orders: ["SO-9"])
            do {
                _ = try await store.confirmPick(
                    PickConfirmation(reference: "SO-9", item: ItemReference("MILK"), lot: lot, quantity: 1),
                    actor: clerk
                )
                Issue.record("lot \(lot) was confirmed although the plan excluded it as \(skipped.reason)")
            } catch let InventoryError.pickRefused(_, refusedLot, reason, takeLot, takeLocation) {
                #expect(refusedLot == lot)
                #expect(reason == planned + ": take L2 from A-02", "plan says \(planned)")
                #expect(takeLot == "L2" && takeLocation == "A-02")
            }
            #expect(try await Snapshot(store, orders: ["SO-9"]) == before)
        }
    }

    @Test("a lot reserved for the line later in FEFO order waits until the earlier reserved lot is taken")
    func reservedLaterLotWaitsForTheEarlierOne() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            // SO-6 for 6 reserves L2 3 at A-02 (expires 2026-03-05) and L1 3 at A-01 (2026-03-10).
            _ = try await store.createOrder(
                reference: "SO-6",
                lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 6)],
                actor: clerk
            )
            let before = try await Snapshot(store, orders: ["SO-6"])
            for location in [nil, "A-01"] {
                await #expect(
                    throws: InventoryError.pickRefused(
                        sku: "MILK",
                        lot: "L1",
                        reason: "Lot L2 expires 2026-03-05: take it from A-02 first",
                        takeLot: "L2",
                        takeLocation: "A-02"
                    )
                ) {
                    _ = try await store.confirmPick(
                        PickConfirmation(
                            reference: "SO-6",
                            item: ItemReference("MILK"),
                            lot: "L1",
                            location: location,
                            quantity: 1
                        ),
                        actor: clerk
                    )
                }
            }
            #expect(try await Snapshot(store, orders: ["SO-6"]) == before, "nothing written by the refusals")
            // L2 first, then L1 is the next in order and is taken.
            _ = try await store.confirmPick(
                PickConfirmation(reference: "SO-6", item: ItemReference("MILK"), lot: "L2", quantity: 3),
                actor: clerk
            )
            _ = try await store.confirmPick(
                PickConfirmation(reference: "SO-6", item: ItemReference("MILK"), lot: "L1", quantity: 3),
                actor: clerk
            )
            #expect(try await store.onHand("MILK", lot: "L1", at: "A-01") == 2)
            #expect(try await store.onHand("MILK", lot: "L2", at: "A-02") == 0)
        }
    }

    @Test("a later-expiring lot is refused under FEFO; an equally good one is taken and the reservation moves")
    func fefoOrderAtConfirmation() async throws {
        try await withStore { store in
            try await Self.seed(store, hold: .blocked)
            await #expect(
                throws: InventoryError.pickRefused(
                    sku: "MILK",
                    lot: "L1",
                    reason: "Lot L2 expires 2026-03-05: take it from A-02 first",
                    takeLot: "L2",
                    takeLocation: "A-02"
                )
            ) {
                _ = try await store.confirmPick(
                    PickConfirmation(reference: "SO-9", item: ItemReference("MILK"), lot: "L1", quantity: 1),
                    actor: clerk
                )
            }
            // L6 expires with L2: FEFO does not put it after L2, so it may replace it.
            try await store.addStorage("A-06")
            try await store.receive("MILK", 1, at: "A-06", lot: "L6", expiry: "2026-03-05")
            let result = try await store.confirmPick(
                PickConfirmation(reference: "SO-9", item: ItemReference("MILK"), lot: "L6", quantity: 1),
                actor: clerk
            )
            #expect(result.substituted)
            #expect(result.movements.map { Taken($0.lot, $0.from ?? "", $0.quantity) } == [Taken("L6", "A-06", 1)])
            #expect(
                result.order.lines[0].reservations.map { Taken($0.lot, $0.location, $0.quantity) } == [
                    Taken("L2", "A-02", 1)
                ]
            )
            try await expectConsistent(store)
        }
    }

    @Test("the rule's exclusion and the plan agree on every reason")
    func exclusionMatchesPlan() throws {
        let today = try CalendarDate(parsing: "2026-03-01")
        let cases: [(LocationKind, LotStatus?, String?, ExclusionReason?)] = [
            (.receiving, .available, nil, .notPickable), (.storage, .blocked, "2026-02-01", .blocked),
            (.storage, .quarantine, "2026-02-01", .quarantined), (.picking, .available, "2026-02-28", .expired),
            (.storage, .available, "2026-03-03", .shelfLife), (.storage, .available, "2026-03-08", nil),
            (.storage, nil, nil, nil),
        ]
        for (kind, status, expiry, expected) in cases {
            let candidate = AllocationCandidate(
                stockId: 1,
                lot: status == nil ? nil : "L",
                expiry: try expiry.map { try CalendarDate(parsing: $0) },
                lotStatus: status,
                location: "X",
                locationKind: kind,
                pickPriority: 0,
                receivedAt: Date(timeIntervalSince1970: 0),
                quantity: 1,
                reserved: 0
            )
            #expect(AllocationRule.exclusion(of: candidate, today: today, requiredShelfLifeDays: 7) == expected)
            let plan = try AllocationRule.plan(
                sku: "S",
                candidates: [candidate],
                request: AllocationRequest(
                    quantity: 1,
                    policy: .fefo,
                    today: today,
                    requiredShelfLifeDays: 7,
                    allowPartial: true
                )
            )
            #expect(plan.skipped.map(\.reason) == (expected.map { [$0] } ?? []))
        }
    }
}
