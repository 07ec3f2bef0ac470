import Foundation
import Inventory
import Testing

// Blind counts stay blind in stock queries (docs/counts.md, "Blind counts").

@Suite("Blind stock")
struct BlindStockTests {
    @Test("an open blind count hides its uncounted balances from counters, not from reviewers")
    func stockQueriesStayBlind() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "SALT", name: "Salt"))
            try await store.addItem(ItemSpec(sku: "SOAP", name: "Soap"))
            try await store.addStorage("ZONE")
            try await store.addLocation(Location(code: "BIN", kind: .storage, parent: "ZONE"))
            try await store.addStorage("ELSEWHERE")
            try await store.receive("SALT", 12, at: "BIN")
            try await store.receive("SOAP", 4, at: "BIN")
            try await store.receive("SALT", 7, at: "ELSEWHERE")
            func seen(_ audience: CountAudience, location: String? = nil) async throws -> [String] {
                try await store.stock(location: location, audience: audience).map {
                    "\($0.quantity) \($0.sku)@\($0.location)"
                }
            }
            let open = try await store.startCount(CountStartRequest(location: "ZONE", blind: true), actor: "clerk")
            #expect(try await seen(.counter) == ["7 SALT@ELSEWHERE"], "nothing of the blind count's scope")
            #expect(try await seen(.counter, location: "BIN") == [])
            #expect(try await seen(.reviewer) == ["12 SALT@BIN", "7 SALT@ELSEWHERE", "4 SOAP@BIN"])
            #expect(try await store.stock().count == 3, "the default audience is a reviewer")
            // A counted line stays hidden while the count is open (a token count must not reveal the book).
            _ = try await store.recordCount(
                CountEntry(
                    count: open.id,
                    location: "BIN",
                    item: ItemReference("SOAP"),
                    lot: nil,
                    quantity: 4,
                    mode: .set
                ),
                actor: "op"
            )
            #expect(try await seen(.counter) == ["7 SALT@ELSEWHERE"])
            #expect(try await store.status(audience: .counter).onHand == 7, "the status total leaves the scope out")
            #expect(try await store.status().onHand == 23)
            let refused = await #expect(throws: InventoryError.self) {
                try await store.move(
                    MoveRequest(item: ItemReference("SALT"), from: "BIN", to: "ELSEWHERE", quantity: 13),
                    actor: "op"
                )
            }
            #expect(
                refused?.description.contains("not enough of SALT available at BIN") == true,
                "\(String(describing: refused))"
            )
            // A count that is not blind hides nothing.
            _ = try await store.cancelCount(open.id, actor: "clerk")
            _ = try await store.startCount(CountStartRequest(location: "ZONE"), actor: "clerk")
            #expect(try await seen(.counter).count == 3)
        }
    }

    /// SALT 12 at BIN (in ZONE, under a blind count of ZONE once `blind` runs), 7 at ELSEWHERE.
    static func saltInAZone(_ store: InventoryStore) async throws {
        try await store.addItem(ItemSpec(sku: "SALT", name: "Salt"))
        try await store.addStorage("ZONE")
        try await store.addLocation(Location(code: "BIN", kind: .storage, parent: "ZONE"))
        try await store.addStorage("ELSEWHERE")
        try await store.receive("SALT", 12, at: "BIN")
        try await store.receive("SALT", 7, at: "ELSEWHERE")
    }

    @Test("a receive's and a move's reply state no on-hand figure under a blind count to counters")
    func stockChangeRepliesStayBlind() async throws {
        try await withStore { store in
            try await Self.saltInAZone(store)
            let open = try await store.startCount(CountStartRequest(location: "ZONE", blind: true), actor: "clerk")
            let received = try await store.receive("SALT", 3, at: "BIN")
            let seen = try await store.visible(received, to: .counter)
            #expect(seen.balances == [:], "15 at BIN is the book figure")
            #expect(seen.hiddenBalances == ["BIN"])
            #expect(seen.movements == received.movements, "the caller's own movement stays")
            #expect(try await store.visible(received, to: .reviewer).balances == ["BIN": 15])
            let moved = try await store.move(
                MoveRequest(item: ItemReference("SALT"), from: "ELSEWHERE", to: "BIN", quantity: 2),
                actor: "op"
            )
            let movedSeen = try await store.visible(moved, to: .counter)
            #expect(movedSeen.balances == ["ELSEWHERE": 5])
            #expect(movedSeen.hiddenBalances == ["BIN"])
            #expect(try await store.visible(moved, to: .reviewer).balances == ["ELSEWHERE": 5, "BIN": 17])
            // Once the count is closed, the figure shows again.
            _ = try await store.cancelCount(open.id, actor: "clerk")
            #expect(try await store.visible(moved, to: .counter).balances == ["ELSEWHERE": 5, "BIN": 17])
        }
    }

    @Test("an order's reservations under a blind count are hidden from counters, and no line figure adds up to them")
    func orderReservationsStayBlind() async throws {
        try await withStore { store in
            try await Self.saltInAZone(store)
            // Reserved before the count starts: 12 at BIN and 7 at ELSEWHERE.
            let order = try await store.createOrder(
                reference: "SO-1",
                lines: [OrderLineRequest(item: ItemReference("SALT"), quantity: 20)],
                actor: "op"
            )
            _ = try await store.startCount(CountStartRequest(location: "ZONE", blind: true), actor: "clerk")
            #expect(order.lines[0].reserved == 19 && order.lines[0].shortfall == 1)
            for seen in [
                try await store.visible(order, to: .counter),
                try await store.visible(store.order("SO-1"), to: .counter),
            ] {
                let line = try #require(seen.lines.first)
                #expect(line.reservations.map(\.location) == ["ELSEWHERE"], "\(line)")
                #expect(line.reserved == 7)
                #expect(line.shortfall == 13, "quantity − picked − the reservations shown")
                #expect(line.hiddenReservations == 1)
            }
            #expect(try await store.visible(order, to: .reviewer) == order)
            // An order made while the count is open reserves nothing under it, for anyone.
            _ = try await store.receive("SALT", 4, at: "ELSEWHERE")
            let during = try await store.createOrder(
                reference: "SO-2",
                lines: [OrderLineRequest(item: ItemReference("SALT"), quantity: 6)],
                actor: "clerk"
            )
            #expect(during.lines[0].reservations.map(\.location) == ["ELSEWHERE"], "\(during)")
            #expect(during.lines[0].reserved == 4 && during.lines[0].shortfall == 2)
        }
    }

    @Test("a dry-run pick and a short pick state no allocatable figure under a blind count to counters")
    func pickPlansStayBlind() async throws {
        try await withStore { store in
            try await Self.saltInAZone(store)
            // 2 of BIN reserved: a skipped entry at BIN for the explanation.
            _ = try await store.createOrder(
                reference: "SO-1",
                lines: [OrderLineRequest(item: ItemReference("SALT"), quantity: 2)],
                actor: "op"
            )
            _ = try await store.startCount(CountStartRequest(location: "ZONE", blind: true), actor: "clerk")
            let request = PickRequest(item: ItemReference("SALT"), quantity: 5, dryRun: true)
            // BIN is under the count: not allocated (counting), for a reviewer stated as such.
            let full = try await store.pick(request, actor: "clerk").plan
            #expect(full.lines.map(\.location) == ["ELSEWHERE"] && full.lines.map(\.quantity) == [5])
            #expect(full.allocatable == 7 && full.excluded == [.counting: 12], "\(full.excluded)")
            #expect(full.skipped.map(\.location) == ["BIN"] && full.skipped.map(\.reason) == [.counting])
            #expect(!full.hiddenStock)
            // A counter gets the same lines and nothing of BIN.
            let seen = try await store.pick(request, actor: "op", audience: .counter).plan
            #expect(seen.lines == full.lines)
            #expect(seen.hiddenStock)
            #expect(seen.skipped.isEmpty && seen.excluded.isEmpty, "\(seen.skipped)")
            #expect(seen.allocatable == 7)
            // Too little: the refusal states no figure to a counter, the visible one to a reviewer.
            let short = PickRequest(item: ItemReference("SALT"), quantity: 100)
            let refused = await #expect(throws: InventoryError.self) {
                try await store.pick(short, actor: "op", audience: .counter)
            }
            #expect(
                refused == .allocationShort(sku: "SALT", requested: 100, allocatable: -1, excluded: [:]),
                "\(String(describing: refused))"
            )
            #expect(refused?.description.contains("not enough allocatable (a blind count is open") == true)
            let reviewer = await #expect(throws: InventoryError.self) { try await store.pick(short, actor: "clerk") }
            #expect(
                reviewer == .allocationShort(sku: "SALT", requested: 100, allocatable: 7, excluded: [.counting: 12])
            )
        }
    }

    @Test("no pick takes stock under an open blind count, partial or not, so no line states its book figure")
    func picksLeaveABlindCountAlone() async throws {
        try await withStore { store in
            try await Self.saltInAZone(store)  // 12 at BIN (in ZONE), 7 at ELSEWHERE
            _ = try await store.startCount(CountStartRequest(location: "ZONE", blind: true), actor: "clerk")
            let partial = PickRequest(item: ItemReference("SALT"), quantity: 100, dryRun: true, allowPartial: true)
            for audience in [CountAudience.counter, .reviewer] {
                let plan = try await store.pick(partial, actor: "someone", audience: audience).plan
                #expect(plan.lines.map(\.location) == ["ELSEWHERE"] && plan.lines.map(\.quantity) == [7], "\(plan)")
            }
            // A pick within the counted zone finds nothing allocatable there.
            let within = PickRequest(item: ItemReference("SALT"), quantity: 1, within: "ZONE")
            await #expect(
                throws: InventoryError.allocationShort(
                    sku: "SALT",
                    requested: 1,
                    allocatable: 0,
                    excluded: [.counting: 12]
                )
            ) {
                try await store.pick(within, actor: "clerk")
            }
            // Once the count is cancelled, BIN is allocated again, first (it arrived first).
            let count = try #require(try await store.counts(status: .open).first)
            _ = try await store.cancelCount(count.id, actor: "clerk")
            let after = try await store.pick(
                PickRequest(item: ItemReference("SALT"), quantity: 3, dryRun: true),
                actor: "op"
            )
            #expect(after.plan.lines.map(\.location) == ["BIN"])
        }
    }

    @Test("a lot whose every balance is under an open blind count is left out of a counter's lot list")
    func lotListsStayBlind() async throws {
        try await withStore { store in
            try await Self.saltInAZone(store)
            try await store.addItem(ItemSpec(sku: "MILK", name: "Milk", lotTracked: true, expiryTracked: true))
            try await store.receive("MILK", 2, at: "BIN", lot: "HIDDEN", expiry: "2030-01-01")
            try await store.receive("MILK", 5, at: "BIN", lot: "SPLIT", expiry: "2030-02-01")
            try await store.receive("MILK", 3, at: "ELSEWHERE", lot: "SPLIT", expiry: "2030-02-01")
            try await store.receive("MILK", 7, at: "ELSEWHERE", lot: "OPEN", expiry: "2030-03-01")
            func lots(_ audience: CountAudience) async throws -> [String] {
                try await store.lots(of: ItemReference("MILK"), audience: audience).map {
                    "\($0.lot.code) \($0.onHand)"
                }
            }
            #expect(try await lots(.counter) == ["HIDDEN 2", "SPLIT 8", "OPEN 7"], "no count open yet")
            _ = try await store.startCount(CountStartRequest(location: "ZONE", blind: true), actor: "clerk")
            let counter = try await lots(.counter)
            #expect(counter == ["SPLIT 3", "OPEN 7"], "\(counter)")
            let reviewer = try await lots(.reviewer)
            // HIDDEN's only balance is under the count, so nothing of it is allocatable: it comes last.
            #expect(reviewer == ["SPLIT 8", "OPEN 7", "HIDDEN 2"], "\(reviewer)")
        }
    }

    @Test("the ledger says how many movements it hides from a counter, per page and by lot")
    func ledgerSaysWhatItHides() async throws {
        try await withStore { store in
            try await Self.saltInAZone(store)  // SALT into BIN, then into ELSEWHERE
            try await store.addItem(ItemSpec(sku: "MILK", name: "Milk", lotTracked: true))
            try await store.receive("MILK", 4, at: "BIN", lot: "L1")
            let salt = try #require(try await store.ledger(LedgerFilter(location: "ELSEWHERE")).first?.id)
            let milk = try #require(try await store.receive("MILK", 6, at: "ELSEWHERE", lot: "L2").movements.first?.id)
            _ = try await store.startCount(CountStartRequest(location: "ZONE", blind: true), actor: "clerk")
            func page(_ filter: LedgerFilter) async throws -> [String] {
                let page = try await store.ledgerPage(filter, audience: .counter)
                return page.movements.map { "\($0.sku)@\($0.to ?? "-")" } + ["hidden \(page.hidden)"]
            }
            #expect(try await page(LedgerFilter()) == ["SALT@ELSEWHERE", "MILK@ELSEWHERE", "hidden 2"])
            #expect(try await page(LedgerFilter(limit: 1)) == ["SALT@ELSEWHERE", "hidden 1"], "up to the page's last")
            #expect(try await page(LedgerFilter(afterId: salt, limit: 1)) == ["MILK@ELSEWHERE", "hidden 1"])
            #expect(try await page(LedgerFilter(afterId: milk, limit: 1)) == ["hidden 0"])
            #expect(try await page(LedgerFilter(lot: "L1")) == ["hidden 1"])
            #expect(try await page(LedgerFilter(item: ItemReference("MILK"), lot: "L1")) == ["hidden 1"])
            #expect(
                try await page(LedgerFilter(item: ItemReference("MILK"), lot: "L2")) == ["MILK@ELSEWHERE", "hidden 0"]
            )
            #expect(try await page(LedgerFilter(location: "BIN")) == ["hidden 2"])
            let reviewer = try await store.ledgerPage(LedgerFilter(lot: "L1"))
            #expect(reviewer.movements.map(\.to) == ["BIN"] && reviewer.hidden == 0)
        }
    }

    @Test("status keeps one cached figure per audience within a write generation")
    func statusCacheIsPerAudience() async throws {
        try await withStore { store in
            try await Self.saltInAZone(store)
            _ = try await store.startCount(CountStartRequest(location: "ZONE", blind: true), actor: "clerk")
            #expect(try await store.status().onHand == 19)
            #expect(try await store.status(audience: .counter).onHand == 7, "not the reviewer's cached figure")
            #expect(try await store.status().onHand == 19, "not the counter's cached figure")
            #expect(try await store.status(audience: .counter).balances == 1)
        }
    }

    @Test("a pick confirmation short at a blind location says not enough, without a figure")
    func pickConfirmationRefusalStaysBlind() async throws {
        try await withStore { store in
            try await Self.saltInAZone(store)
            _ = try await store.createOrder(
                reference: "SO-1",
                lines: [OrderLineRequest(item: ItemReference("SALT"), quantity: 19)],
                actor: "op"
            )
            _ = try await store.startCount(CountStartRequest(location: "ZONE", blind: true), actor: "clerk")
            let refused = await #expect(throws: InventoryError.self) {
                try await store.confirmPick(
                    PickConfirmation(reference: "SO-1", item: ItemReference("SALT"), location: "BIN", quantity: 15),
                    actor: "op"
                )
            }
            #expect(
                refused?.description
                    == "not enough of SALT available at BIN (a blind count is open there), 3 requested",
                "\(String(describing: refused))"
            )
        }
    }
}
