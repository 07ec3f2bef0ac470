import Foundation
import Inventory
import Testing

// Queries (stock, expiring, ledger filters, status) and the live ledger feed.

@Suite("Queries")
struct QueryTests {
    /// Two zones with children, two items, lots with dates, movements at two instants.
    static func seed(_ store: InventoryStore) async throws {
        try await MilkExample.seed(store)
        try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt M6"))
        try await store.addLocation(Location(code: "ZONE-B", kind: .storage))
        try await store.addLocation(Location(code: "B-01", kind: .storage, parent: "ZONE-B"))
        // Zones hold no stock: B-01 holds goods, so the nested pick face sits in a rack zone beside it.
        try await store.addLocation(Location(code: "B-RACK", kind: .storage, parent: "ZONE-B"))
        try await store.addLocation(Location(code: "B-01-01", kind: .picking, parent: "B-RACK"))
        try await store.receive("BOLT", 30, at: "B-01-01")
        try await store.receive("MILK", 2, at: "B-01", lot: "L1")
        try await store.receive("BOLT", 5, at: "A-01")
    }

    @Test("stock by item, by lot, by location subtree")
    func stockFilters() async throws {
        try await withStore { store in
            try await Self.seed(store)
            let all = try await store.stock()
            #expect(
                all.map { "\($0.sku) \($0.lot ?? "-") \($0.location) \($0.quantity)" } == [
                    "BOLT - A-01 5", "BOLT - B-01-01 30",
                    "MILK L1 A-01 5", "MILK L2 A-02 3", "MILK L3 A-03 10", "MILK L4 A-04 4", "MILK L1 B-01 2",
                ]
            )
            #expect(try await store.stock(item: ItemReference("BOLT")).map(\.quantity) == [5, 30])
            #expect(try await store.stock(item: ItemReference("MILK"), lot: "L1").map(\.location) == ["A-01", "B-01"])
            #expect(try await store.stock(lot: "L1").map(\.quantity) == [5, 2])
            #expect(
                try await store.stock(location: "ZONE-B").map { "\($0.sku)@\($0.location)" } == [
                    "BOLT@B-01-01", "MILK@B-01",
                ]
            )
            #expect(try await store.stock(location: "B-01-01").map(\.sku) == ["BOLT"])
            #expect(try await store.stock(item: ItemReference("MILK"), location: "ZONE-B").map(\.quantity) == [2])
            #expect(try await store.stock(location: "A-04").first?.expiry == day("2026-02-28"))
            #expect(try await store.stock(location: "A-04").first?.lotStatus == .available)
        }
    }

    @Test(
        "lots expiring within N days, expired ones included, soonest first",
        arguments: [(0, ["L4"]), (3, ["L4"]), (4, ["L4", "L2"]), (9, ["L4", "L2", "L1"]), (365, ["L4", "L2", "L1"])]
    )
    func expiring(days: Int, lots: [String]) async throws {
        try await withStore { store in
            try await Self.seed(store)
            let expiring = try await store.expiring(withinDays: days)
            #expect(expiring.map(\.lot) == lots)
            if let l1 = expiring.first(where: { $0.lot == "L1" }) {
                #expect(l1.onHand == 7)
                #expect(l1.locations == ["A-01", "B-01"])
                #expect(l1.daysLeft == 9)
            }
            #expect(expiring.first?.daysLeft == -1)
        }
    }

    @Test("ledger by item, lot, location and time range")
    func ledgerFilters() async throws {
        let fixture = try StoreFixture(now: instant("2026-02-27T10:00:00Z"))
        defer { fixture.directory.remove() }
        try await fixture.store.addItem(ItemSpec(sku: "X", name: "Test item"))
        try await fixture.store.addItem(ItemSpec(sku: "Y", name: "Other item"))
        try await fixture.store.addStorage("A-01", "A-02")
        try await fixture.store.receive("X", 5, at: "A-01", lot: "K1")
        try await fixture.store.receive("Y", 5, at: "A-02")
        try fixture.store.close()
        let store = try fixture.reopen(now: morning)
        defer { try? store.close() }
        try await store.receive("X", 1, at: "A-02", lot: "K2")
        _ = try await store.move(
            MoveRequest(item: ItemReference("X"), lot: "K1", from: "A-01", to: "A-02", quantity: 2),
            actor: clerk
        )

        func ids(_ filter: LedgerFilter) async throws -> [Int64] { try await store.ledger(filter).map(\.id) }
        #expect(try await ids(LedgerFilter()) == [1, 2, 3, 4])
        #expect(try await ids(LedgerFilter(item: ItemReference("X"))) == [1, 3, 4])
        #expect(try await ids(LedgerFilter(item: ItemReference("X"), lot: "K1")) == [1, 4])
        #expect(try await ids(LedgerFilter(lot: "K2")) == [3])
        #expect(try await ids(LedgerFilter(location: "A-01")) == [1, 4])
        #expect(try await ids(LedgerFilter(location: "A-02")) == [2, 3, 4])
        #expect(try await ids(LedgerFilter(since: morning)) == [3, 4])
        #expect(try await ids(LedgerFilter(until: morning)) == [1, 2])
        #expect(
            try await ids(LedgerFilter(since: instant("2026-02-27T10:00:00Z"), until: instant("2026-02-27T10:00:01Z")))
                == [1, 2]
        )
        #expect(try await ids(LedgerFilter(afterId: 2, limit: 1)) == [3])
        let move = try await store.ledger(LedgerFilter(afterId: 3)).first
        #expect(move?.kind == .move)
        #expect(move?.from == "A-01")
        #expect(move?.to == "A-02")
        #expect(move?.at == morning)
        #expect(move?.actor == clerk)
    }

    @Test("status counts what is there")
    func status() async throws {
        try await withStore { store in
            try await Self.seed(store)
            _ = try await store.createOrder(
                reference: "SO-1",
                lines: [OrderLineRequest(item: ItemReference("BOLT"), quantity: 1)],
                actor: clerk
            )
            let status = try await store.status()
            #expect(status.today == day("2026-03-01"))
            #expect(status.now == morning)
            #expect(status.items == 2)
            #expect(status.locations == 8)
            #expect(status.lots == 4)
            #expect(status.balances == 7)
            #expect(status.onHand == 59)
            #expect(status.openOrders == 1)
            #expect(status.ledgerPosition == 7)
        }
    }

    /// Status reads its counts once per write: between writes the same counts come back, and
    /// every kind of write (receipt, catalogue, order, a refused intent) is seen by the next call.
    @Test("status follows every write")
    func statusFollowsEveryWrite() async throws {
        try await withStore { store in
            try await Self.seed(store)
            let first = try await store.status()
            #expect(try await store.status().onHand == first.onHand)
            try await store.receive("BOLT", 4, at: "A-01")
            let received = try await store.status()
            #expect(received.onHand == first.onHand + 4)
            #expect(received.ledgerPosition == first.ledgerPosition + 1)
            try await store.addItem(ItemSpec(sku: "NUT", name: "Nut M6"))
            #expect(try await store.status().items == first.items + 1)
            _ = try await store.createOrder(
                reference: "SO-9",
                lines: [OrderLineRequest(item: ItemReference("BOLT"), quantity: 1)],
                actor: clerk
            )
            #expect(try await store.status().openOrders == first.openOrders + 1)
            await #expect(throws: (any Error).self) { try await store.receive("NOPE", 1, at: "A-01") }
            #expect(try await store.status().onHand == first.onHand + 4)
        }
    }
}

@Suite("Ledger feed")
struct LedgerFeedTests {
    @Test("committed movements arrive in ledger order; a refused operation sends nothing")
    func feedOrder() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let start = try await store.ledgerPosition()
            let stream = store.feed.subscribe()
            var expected: [Movement] = []
            expected += try await store.receive("MILK", 1, at: "A-01", lot: "L1").movements
            _ = try? await store.pickLines("MILK", 1000)  // refused: short
            _ = try? await store.receive("MILK", 1, at: "NOWHERE")  // refused: unknown location
            expected += try await store.pick(PickRequest(item: ItemReference("MILK"), quantity: 6), actor: clerk)
                .movements
            _ = try await store.pick(PickRequest(item: ItemReference("MILK"), quantity: 1, dryRun: true), actor: clerk)
            _ = try await store.createOrder(
                reference: "SO-1",
                lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 1)],
                actor: clerk
            )  // reserves: no movement
            expected += try await store.adjust(
                AdjustRequest(
                    item: ItemReference("MILK"),
                    lot: "L3",
                    location: "A-03",
                    delta: -1,
                    reason: "damaged"
                ),
                actor: clerk
            ).movements
            #expect(expected.count == 4)

            var received: [Movement] = []
            for try await movement in stream {
                received.append(movement)
                if received.count == expected.count { break }
            }
            #expect(received == expected)
            #expect(received.map(\.id) == Array(start + 1...start + 4), "no gaps: refused operations left no rows")
            #expect(try await store.ledger(LedgerFilter(afterId: start)) == received)
        }
    }

    @Test("a movement's instant is the stored one, even from a clock finer than SQLite's milliseconds")
    func instantsRoundTrip() async throws {
        let fixture = try StoreFixture()
        defer { fixture.directory.remove() }
        try fixture.store.close()
        // 2026-03-01T08:00:00.123456Z and 2026-03-01T08:00:00.9996Z: the first keeps .123 in
        // SQLite, the second rounds up into the next second.
        for (index, seconds) in [1_772_352_000.123456, 1_772_352_000.9996].enumerated() {
            let utc = try #require(TimeZone(identifier: "UTC"))
            let store = try InventoryStore(
                path: fixture.path,
                clock: InventoryClock(timeZone: utc) {
                    Date(timeIntervalSince1970: seconds)
                }
            )
            if index == 0 {
                try await store.addItem(ItemSpec(sku: "X", name: "Test item"))
                try await store.addStorage("A-01")
            }
            let stream = store.feed.subscribe()
            let change = try await store.receive("X", 1, at: "A-01", lot: "K\(index)")
            var iterator = stream.makeAsyncIterator()
            let fed = try #require(try await iterator.next())
            let stored = try await store.ledger(LedgerFilter(afterId: fed.id - 1, limit: 1))
            #expect(stored == [fed], "the feed and the ledger show the same row")
            #expect(change.movements == [fed], "the operation returns the row as stored")
            #expect(
                try await store.ledger(LedgerFilter(since: fed.at)).map(\.id).contains(fed.id),
                "a ledger query from a movement's own instant includes it"
            )
            #expect(try await store.stock(lot: "K\(index)").map(\.receivedAt) == [fed.at])
            try store.close()
        }
    }

    @Test("every subscriber gets every movement; a dropped subscription is removed")
    func severalSubscribers() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item"))
            try await store.addStorage("A-01")
            func take(_ stream: AsyncThrowingStream<Movement, any Error>, _ count: Int) async throws -> [Int64] {
                var ids: [Int64] = []
                for try await movement in stream {
                    ids.append(movement.id)
                    if ids.count == count { break }
                }
                return ids
            }
            func receiveFiveAndRead() async throws -> ([Int64], [Int64]) {
                let first = store.feed.subscribe()
                let second = store.feed.subscribe()
                #expect(store.feed.subscriberCount == 2)
                for _ in 0..<5 { try await store.receive("X", 1, at: "A-01") }
                return (try await take(first, 5), try await take(second, 5))
            }
            let (first, second) = try await receiveFiveAndRead()
            #expect(first == [1, 2, 3, 4, 5])
            #expect(second == [1, 2, 3, 4, 5])
            #expect(store.feed.subscriberCount == 0)
        }
    }
}
