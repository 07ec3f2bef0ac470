import Foundation
import GRDB
import Inventory
import Testing

// The store on real SQLite files in temp dirs: receive semantics, move, adjust, lot status,
// reopen, the append-only ledger and verify.

@Suite("Receiving")
struct ReceiveTests {
    @Test("more of the same lot in the same location keeps the earliest receipt time")
    func sameLotKeepsEarliestReceipt() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item", lotTracked: true))
            try await store.addStorage("A-01", "A-02")
            try await store.receive("X", 2, at: "A-01", lot: "L1", receivedAt: instant("2026-02-10T08:00:00Z"))
            try await store.receive("X", 3, at: "A-01", lot: "L1", receivedAt: instant("2026-02-15T08:00:00Z"))
            try await store.receive("X", 1, at: "A-02", lot: "L1", receivedAt: instant("2026-02-20T08:00:00Z"))
            let change = try await store.receive("X", 4, at: "A-01", lot: "L1")
            #expect(change.balances == ["A-01": 9])
            let balances = try await store.stock(item: ItemReference("X"))
            #expect(balances.map(\.location) == ["A-01", "A-02"])
            #expect(balances.map(\.quantity) == [9, 1])
            #expect(balances.map(\.receivedAt) == [instant("2026-02-10T08:00:00Z"), instant("2026-02-20T08:00:00Z")])
            try await expectConsistent(store)
        }
    }

    @Test("a back-dated receipt into an existing balance moves its receipt time back")
    func backDatedReceiptMovesReceiptTimeBack() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item"))
            try await store.addStorage("A-01")
            try await store.receive("X", 2, at: "A-01")
            #expect(try await store.stock().map(\.receivedAt) == [morning])
            let change = try await store.receive("X", 1, at: "A-01", receivedAt: instant("2026-02-01T00:00:00Z"))
            #expect(change.movements.map(\.at) == [morning], "the ledger row records when it was entered")
            #expect(try await store.stock().map(\.receivedAt) == [instant("2026-02-01T00:00:00Z")])
            try await expectConsistent(store)
        }
    }

    @Test("after a balance reaches zero, a later receipt starts a new receipt time")
    func zeroBalanceStartsOver() async throws {
        let fixture = try StoreFixture(now: instant("2026-02-01T08:00:00Z"))
        defer { fixture.directory.remove() }
        try await fixture.store.addItem(ItemSpec(sku: "X", name: "Test item"))
        try await fixture.store.addStorage("A-01")
        try await fixture.store.receive("X", 2, at: "A-01")
        _ = try await fixture.store.pickLines("X", 2)
        #expect(try await fixture.store.stock().isEmpty)
        try fixture.store.close()
        let store = try fixture.reopen(now: morning)
        defer { try? store.close() }
        try await store.receive("X", 5, at: "A-01")
        #expect(try await store.stock().map(\.receivedAt) == [morning])
        try await expectConsistent(store)
    }

    @Test("stock with an expiry but no lot code goes to the implicit lot @YYYY-MM-DD")
    func implicitDatedLot() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item", expiryTracked: true))
            try await store.addStorage("A-01", "A-02")
            try await store.receive("X", 2, at: "A-01", expiry: "2026-03-10")
            try await store.receive("X", 3, at: "A-02", expiry: "2026-03-10")
            try await store.receive("X", 1, at: "A-01", expiry: "2026-03-12")
            let lots = try await store.lots(of: ItemReference("X"))
            #expect(lots.map(\.lot.code) == ["@2026-03-10", "@2026-03-12"])
            #expect(lots.map(\.onHand) == [5, 1])
            #expect(lots.map(\.lot.expiry) == [day("2026-03-10"), day("2026-03-12")])
            #expect(try await store.item(ItemReference("X")).policy == .fefo, "expiry-tracked items default to fefo")
            try await expectConsistent(store)
        }
    }

    @Test("an item is found by any GTIN length; the ledger names the SKU")
    func receiveByGTIN() async throws {
        try await withStore { store in
            let item = try await store.addItem(
                ItemSpec(sku: "X", name: "Test item", gtins: ["4006381333931", "96385074"])
            )
            #expect(item.gtins == ["00000096385074", "04006381333931"])
            #expect(item.policy == .fifo)
            try await store.addStorage("A-01")
            for reference in ["4006381333931", "04006381333931", "96385074", "00000096385074"] {
                let change = try await store.receive(
                    ReceiveRequest(item: ItemReference(reference), quantity: 1, location: "A-01"),
                    actor: "scanner:usb-1"
                )
                #expect(change.movements.map(\.sku) == ["X"])
                #expect(change.movements.map(\.actor) == ["scanner:usb-1"])
            }
            #expect(try await store.onHand("X", at: "A-01") == 4)
        }
    }

    @Test("receiving into a quarantine location works when said explicitly")
    func quarantineLocationExplicit() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item"))
            try await store.addStorage("Q-01", kind: .quarantine)
            _ = try await store.receive(
                ReceiveRequest(
                    item: ItemReference("X"),
                    quantity: 3,
                    location: "Q-01",
                    allowQuarantineLocation: true
                ),
                actor: clerk
            )
            #expect(try await store.onHand("X", at: "Q-01") == 3)
            #expect(try await store.stock().first?.locationKind == .quarantine)
        }
    }

    @Test("the largest quantity below 2^53 is accepted; on hand may not reach 2^53")
    func quantityLimit() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item"))
            try await store.addStorage("A-01")
            try await store.receive("X", Quantity.limit - 2, at: "A-01")
            try await store.receive("X", 1, at: "A-01")
            let before = try await Snapshot(store)
            let error = await #expect(throws: InventoryError.self) { try await store.receive("X", 1, at: "A-01") }
            #expect(error.map(fieldAndValue)?.field == "quantity")
            #expect(try await Snapshot(store) == before)
            try await expectConsistent(store)
        }
    }
}

@Suite("Move, adjust, lot status")
struct StockOperationTests {
    @Test("a move carries the receipt time, merging keeps the earlier one")
    func moveCarriesReceiptTime() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item", lotTracked: true))
            try await store.addStorage("A-01", "A-02")
            try await store.addStorage("DOCK", kind: .receiving)
            try await store.receive("X", 5, at: "DOCK", lot: "L1", receivedAt: instant("2026-02-01T08:00:00Z"))
            try await store.receive("X", 1, at: "A-02", lot: "L1", receivedAt: instant("2026-02-10T08:00:00Z"))
            let first = try await store.move(
                MoveRequest(item: ItemReference("X"), from: "DOCK", to: "A-01", quantity: 2),
                actor: clerk
            )
            #expect(first.balances == ["DOCK": 3, "A-01": 2])
            #expect(first.movements.map(\.kind) == [.move])
            #expect(first.movements.map(\.lot) == ["L1"])
            _ = try await store.move(
                MoveRequest(item: ItemReference("X"), lot: "L1", from: "DOCK", to: "A-02", quantity: 3),
                actor: clerk
            )
            let balances = try await store.stock(item: ItemReference("X"))
            #expect(balances.map(\.location) == ["A-01", "A-02"], "the emptied DOCK balance is gone")
            #expect(balances.map(\.quantity) == [2, 4])
            #expect(balances.map(\.receivedAt) == [instant("2026-02-01T08:00:00Z"), instant("2026-02-01T08:00:00Z")])
            try await expectConsistent(store)
        }
    }

    @Test("a move needs the lot when several lie at the source")
    func moveAmbiguousLot() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item"))
            try await store.addStorage("A-01", "A-02")
            try await store.receive("X", 1, at: "A-01", lot: "B")
            try await store.receive("X", 1, at: "A-01", lot: "A")
            let before = try await Snapshot(store)
            let error = await #expect(throws: InventoryError.self) {
                try await store.move(
                    MoveRequest(item: ItemReference("X"), from: "A-01", to: "A-02", quantity: 1),
                    actor: clerk
                )
            }
            #expect(error == .lotAmbiguous(sku: "X", location: "A-01", lots: ["A", "B"]))
            #expect(try await Snapshot(store) == before)
        }
    }

    @Test("adjust up and down with a reason; a decrease to zero removes the balance")
    func adjust() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item"))
            try await store.addStorage("A-01")
            try await store.receive("X", 5, at: "A-01")
            let up = try await store.adjust(
                AdjustRequest(
                    item: ItemReference("X"),
                    location: "A-01",
                    delta: 2,
                    reason: "found",
                    reference: "COUNT-1"
                ),
                actor: clerk
            )
            #expect(up.balances == ["A-01": 7])
            #expect(up.movements.map(\.to) == ["A-01"])
            #expect(up.movements.map(\.from) == [nil])
            #expect(up.movements.map(\.reason) == ["found"])
            #expect(up.movements.map(\.reference) == ["COUNT-1"])
            let down = try await store.adjust(
                AdjustRequest(
                    item: ItemReference("X"),
                    location: "A-01",
                    delta: -7,
                    reason: "damaged"
                ),
                actor: clerk
            )
            #expect(down.balances == ["A-01": 0])
            #expect(down.movements.map(\.from) == ["A-01"])
            #expect(down.movements.map(\.quantity) == [7])
            #expect(try await store.stock().isEmpty)
            try await expectConsistent(store)
        }
    }

    @Test("an increase of an expiry-tracked item goes to the dated lot there, never to undated stock")
    func adjustUpExpiryTracked() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item", expiryTracked: true))
            try await store.addStorage("A-01", "A-02")
            try await store.receive("X", 2, at: "A-01", expiry: "2026-03-10")
            let up = try await store.adjust(
                AdjustRequest(item: ItemReference("X"), location: "A-01", delta: 1, reason: "found"),
                actor: clerk
            )
            #expect(up.movements.map(\.lot) == ["@2026-03-10"])
            #expect(up.balances == ["A-01": 3])

            let before = try await Snapshot(store)
            let error = await #expect(throws: InventoryError.self) {
                try await store.adjust(
                    AdjustRequest(item: ItemReference("X"), location: "A-02", delta: 1, reason: "found"),
                    actor: clerk
                )
            }
            #expect(error == .expiryRequired(sku: "X", lot: nil))
            #expect(try await Snapshot(store) == before)
            #expect(try await store.stock().map(\.lot) == ["@2026-03-10"])
            try await expectConsistent(store)
        }
    }

    @Test("lot status: quarantine, release, block; each a ledger row with the reason")
    func lotStatus() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let position = try await store.ledgerPosition()
            let quarantined = try await store.setLotStatus(
                item: ItemReference("MILK"),
                lot: "L2",
                status: .quarantine,
                reason: "temperature",
                actor: clerk
            )
            #expect(quarantined.status == .quarantine)
            #expect(try await store.pickLines("MILK", 3, dryRun: true) == [Taken("L1", "A-01", 3)])
            _ = try await store.setLotStatus(
                item: ItemReference("MILK"),
                lot: "L2",
                status: .available,
                reason: "ok",
                actor: clerk
            )
            #expect(try await store.pickLines("MILK", 3, dryRun: true) == [Taken("L2", "A-02", 3)])
            _ = try await store.setLotStatus(
                item: ItemReference("MILK"),
                lot: "L2",
                status: .blocked,
                reason: "recall",
                actor: clerk
            )
            let lots = try await store.lots(of: ItemReference("MILK"))
            #expect(lots.first { $0.lot.code == "L2" }?.excluded == [.blocked: 3])
            let rows = try await store.ledger(LedgerFilter(afterId: position))
            #expect(rows.map(\.kind) == [.lotStatus, .lotStatus, .lotStatus])
            #expect(rows.map(\.quantity) == [0, 0, 0])
            #expect(
                rows.map(\.reason) == [
                    "available -> quarantine: temperature", "quarantine -> available: ok",
                    "available -> blocked: recall",
                ]
            )
            try await expectConsistent(store)
        }
    }

    @Test("verify passes and balances equal the ledger sum after every operation")
    func consistentAfterEveryOperation() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item", expiryTracked: true))
            try await store.addItem(ItemSpec(sku: "Y", name: "Other item"))
            try await store.addStorage("A-01", "A-02")
            try await store.addStorage("DOCK", kind: .receiving)
            let steps: [(String, () async throws -> Void)] = [
                ("receive", { try await store.receive("X", 10, at: "DOCK", lot: "L1", expiry: "2026-04-01") }),
                ("receive 2", { try await store.receive("X", 4, at: "A-02", lot: "L2", expiry: "2026-03-20") }),
                ("receive Y", { try await store.receive("Y", 7, at: "A-01") }),
                (
                    "move",
                    {
                        _ = try await store.move(
                            MoveRequest(
                                item: ItemReference("X"),
                                from: "DOCK",
                                to: "A-01",
                                quantity: 6
                            ),
                            actor: clerk
                        )
                    }
                ),
                ("pick", { _ = try await store.pickLines("X", 5) }),
                (
                    "adjust down",
                    {
                        _ = try await store.adjust(
                            AdjustRequest(
                                item: ItemReference("Y"),
                                location: "A-01",
                                delta: -2,
                                reason: "damaged"
                            ),
                            actor: clerk
                        )
                    }
                ),
                (
                    "adjust up",
                    {
                        _ = try await store.adjust(
                            AdjustRequest(
                                item: ItemReference("X"),
                                lot: "L1",
                                location: "A-02",
                                delta: 1,
                                reason: "found"
                            ),
                            actor: clerk
                        )
                    }
                ),
                (
                    "order",
                    {
                        _ = try await store.createOrder(
                            reference: "SO-1",
                            lines: [
                                OrderLineRequest(item: ItemReference("X"), quantity: 3),
                                OrderLineRequest(item: ItemReference("Y"), quantity: 9),
                            ],
                            actor: clerk
                        )
                    }
                ),
                (
                    "quarantine",
                    {
                        _ = try await store.setLotStatus(
                            item: ItemReference("X"),
                            lot: "L1",
                            status: .quarantine,
                            reason: "check",
                            actor: clerk
                        )
                    }
                ),
                ("pick order", { _ = try await store.pickOrder("SO-1", actor: clerk) }),
                ("refused pick", { _ = try? await store.pickLines("X", 1000) }),
                (
                    "move back",
                    {
                        _ = try await store.move(
                            MoveRequest(
                                item: ItemReference("X"),
                                lot: "L1",
                                from: "A-01",
                                to: "DOCK",
                                quantity: 1
                            ),
                            actor: clerk
                        )
                    }
                ),
            ]
            for (name, step) in steps {
                try await step()
                let report = try await store.verify()
                #expect(report.ok, "after \(name): \(report)")
                try await expectConsistent(store)
            }
            #expect(try await store.verify().balancesChecked == store.stock().count)
        }
    }
}

@Suite("Durability and the append-only ledger")
struct DurabilityTests {
    @Test("reopening after close keeps items, locations, lots, stock, orders and the ledger")
    func reopenKeepsEverything() async throws {
        let fixture = try StoreFixture()
        defer { fixture.directory.remove() }
        try await MilkExample.seed(fixture.store)
        try await fixture.store.addItem(ItemSpec(sku: "BOLT", name: "Bolt M6", gtins: ["96385074"], lotTracked: false))
        try await fixture.store.addLocation(Location(code: "ZONE", kind: .storage, pickPriority: 4))
        try await fixture.store.addLocation(Location(code: "Z-01", kind: .picking, parent: "ZONE", pickPriority: 2))
        try await fixture.store.receive("BOLT", 100, at: "Z-01")
        _ = try await fixture.store.createOrder(
            reference: "SO-1",
            lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 2)],
            actor: clerk
        )
        _ = try await fixture.store.setLotStatus(
            item: ItemReference("MILK"),
            lot: "L3",
            status: .quarantine,
            reason: "check",
            actor: clerk
        )
        _ = try await fixture.store.pickLines("BOLT", 10)
        let before = try await Snapshot(fixture.store, orders: ["SO-1"])
        try fixture.store.close()

        let store = try fixture.reopen(now: morning)
        defer { try? store.close() }
        let after = try await Snapshot(store, orders: ["SO-1"])
        #expect(after == before)
        #expect(after.items.map(\.sku) == ["BOLT", "MILK"])
        #expect(after.orders["SO-1"]?.lines.first?.reserved == 2)
        #expect(
            try await store.location("Z-01") == Location(code: "Z-01", kind: .picking, parent: "ZONE", pickPriority: 2)
        )
        // The reopened store keeps working where the old one stopped.
        let next = try await store.receive("BOLT", 1, at: "Z-01")
        #expect(next.movements.first?.id == before.status.ledgerPosition + 1)
        try await expectConsistent(store)
    }

    @Test(
        "the ledger refuses UPDATE and DELETE",
        arguments: [
            "UPDATE movement SET quantity = quantity + 1",
            "UPDATE movement SET actor = 'someone else' WHERE id = 1",
            "DELETE FROM movement",
            "DELETE FROM movement WHERE id = 1",
        ]
    )
    func ledgerIsAppendOnly(sql: String) async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let before = try await Snapshot(store)
            let error = await #expect(throws: DatabaseError.self) {
                try await store.writer.write { db in try db.execute(sql: sql) }
            }
            #expect(error?.message == "the ledger is append-only")
            #expect(try await Snapshot(store) == before)
            try await expectConsistent(store)
        }
    }

    @Test("verify notices a balance changed behind the ledger's back")
    func verifyDetectsTampering() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            #expect(try await store.verify().ok)
            try await store.writer.write { db in
                try db.execute(sql: "UPDATE stock SET quantity = quantity + 1 WHERE id = 1")
            }
            let report = try await store.verify()
            #expect(!report.ok)
            #expect(report.mismatches.map(\.lot) == ["L1"])
            #expect(report.mismatches.map(\.onHand) == [6])
            #expect(report.mismatches.map(\.ledger) == [5])
        }
    }
}
