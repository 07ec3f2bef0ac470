import Foundation
import Inventory
import Testing

// The allocation rule (docs/allocation.md), table-driven with fixed dates. Orders and exclusions
// are checked through the real store on a real SQLite file; the pure `AllocationRule.plan` is
// checked directly where the store cannot reach a case (the stock-id tie-break, reason
// precedence on one balance).

// MARK: - Order and tie-breaks, through the store

/// One receipt of an order case: `at` is the back-dated receipt instant.
struct Receipt: Sendable {
    var lot: String?
    var expiry: String?
    var location: String
    var quantity: Int64
    var at: String
}

/// Receipts, locations with pick priorities, and the order the rule must take them in.
struct OrderCase: Sendable, CustomTestStringConvertible {
    var name: String
    var policy: AllocationPolicy
    /// Location code and pick priority.
    var locations: [String: Int]
    var receipts: [Receipt]
    var expected: [Taken]
    var testDescription: String { name }

    static let all: [OrderCase] = [
        OrderCase(
            name: "FEFO: earlier expiry first, whatever the receipt time",
            policy: .fefo,
            locations: ["A-01": 0, "A-02": 0],
            receipts: [
                Receipt(lot: "LATE", expiry: "2026-03-20", location: "A-01", quantity: 2, at: "2026-02-01T08:00:00Z"),
                Receipt(lot: "SOON", expiry: "2026-03-10", location: "A-02", quantity: 2, at: "2026-02-20T08:00:00Z"),
            ],
            expected: [Taken("SOON", "A-02", 2), Taken("LATE", "A-01", 2)]
        ),
        OrderCase(
            name: "FEFO: same expiry, earlier receipt first, whatever the priority and codes",
            policy: .fefo,
            locations: ["A-01": 0, "B-02": 5],
            receipts: [
                Receipt(lot: "A", expiry: "2026-03-10", location: "A-01", quantity: 2, at: "2026-02-20T08:00:00Z"),
                Receipt(lot: "B", expiry: "2026-03-10", location: "B-02", quantity: 2, at: "2026-02-10T08:00:00Z"),
            ],
            expected: [Taken("B", "B-02", 2), Taken("A", "A-01", 2)]
        ),
        OrderCase(
            name: "FEFO: same expiry and receipt, lower pick priority first, whatever the codes",
            policy: .fefo,
            locations: ["A-01": 2, "B-02": 1],
            receipts: [
                Receipt(lot: "A", expiry: "2026-03-10", location: "A-01", quantity: 2, at: "2026-02-10T08:00:00Z"),
                Receipt(lot: "Z", expiry: "2026-03-10", location: "B-02", quantity: 2, at: "2026-02-10T08:00:00Z"),
            ],
            expected: [Taken("Z", "B-02", 2), Taken("A", "A-01", 2)]
        ),
        OrderCase(
            name: "FEFO: same expiry, receipt and priority, lower location code first, whatever the lot code",
            policy: .fefo,
            locations: ["A-01": 3, "B-02": 3],
            receipts: [
                Receipt(lot: "A", expiry: "2026-03-10", location: "B-02", quantity: 2, at: "2026-02-10T08:00:00Z"),
                Receipt(lot: "Z", expiry: "2026-03-10", location: "A-01", quantity: 2, at: "2026-02-10T08:00:00Z"),
            ],
            expected: [Taken("Z", "A-01", 2), Taken("A", "B-02", 2)]
        ),
        OrderCase(
            name: "FEFO: same expiry, receipt and location, lower lot code first",
            policy: .fefo,
            locations: ["A-01": 0],
            receipts: [
                Receipt(lot: "L2", expiry: "2026-03-10", location: "A-01", quantity: 2, at: "2026-02-10T08:00:00Z"),
                Receipt(lot: "L1", expiry: "2026-03-10", location: "A-01", quantity: 2, at: "2026-02-10T08:00:00Z"),
            ],
            expected: [Taken("L1", "A-01", 2), Taken("L2", "A-01", 2)]
        ),
        OrderCase(
            name: "FEFO: undated lots and stock without a lot after every dated lot",
            policy: .fefo,
            locations: ["A-01": 0, "A-02": 0, "A-03": 0],
            receipts: [
                Receipt(lot: "UNDATED", expiry: nil, location: "A-01", quantity: 2, at: "2026-01-01T08:00:00Z"),
                Receipt(lot: nil, expiry: nil, location: "A-02", quantity: 2, at: "2026-01-02T08:00:00Z"),
                Receipt(lot: "FAR", expiry: "2030-12-31", location: "A-03", quantity: 2, at: "2026-02-28T08:00:00Z"),
            ],
            expected: [Taken("FAR", "A-03", 2), Taken("UNDATED", "A-01", 2), Taken(nil, "A-02", 2)]
        ),
        OrderCase(
            name: "FEFO: stock received without a lot but with an expiry sorts by that expiry",
            policy: .fefo,
            locations: ["A-01": 0, "A-02": 0],
            receipts: [
                Receipt(lot: "LOT", expiry: "2026-03-12", location: "A-01", quantity: 2, at: "2026-02-01T08:00:00Z"),
                Receipt(lot: nil, expiry: "2026-03-11", location: "A-02", quantity: 2, at: "2026-02-20T08:00:00Z"),
            ],
            expected: [Taken("@2026-03-11", "A-02", 2), Taken("LOT", "A-01", 2)]
        ),
        OrderCase(
            name: "FIFO: earlier receipt first, whatever the expiry",
            policy: .fifo,
            locations: ["A-01": 0, "A-02": 0],
            receipts: [
                Receipt(lot: "SOON", expiry: "2026-03-05", location: "A-01", quantity: 2, at: "2026-02-20T08:00:00Z"),
                Receipt(lot: "LATE", expiry: "2026-04-01", location: "A-02", quantity: 2, at: "2026-02-10T08:00:00Z"),
            ],
            expected: [Taken("LATE", "A-02", 2), Taken("SOON", "A-01", 2)]
        ),
        OrderCase(
            name: "FIFO: same receipt, lower pick priority first",
            policy: .fifo,
            locations: ["A-01": 1, "B-02": 0],
            receipts: [
                Receipt(lot: "A", expiry: "2026-03-05", location: "A-01", quantity: 2, at: "2026-02-10T08:00:00Z"),
                Receipt(lot: "Z", expiry: "2026-04-01", location: "B-02", quantity: 2, at: "2026-02-10T08:00:00Z"),
            ],
            expected: [Taken("Z", "B-02", 2), Taken("A", "A-01", 2)]
        ),
        OrderCase(
            name: "FIFO: same receipt and priority, lower location code first",
            policy: .fifo,
            locations: ["A-01": 0, "B-02": 0],
            receipts: [
                Receipt(lot: "A", expiry: nil, location: "B-02", quantity: 2, at: "2026-02-10T08:00:00Z"),
                Receipt(lot: "Z", expiry: nil, location: "A-01", quantity: 2, at: "2026-02-10T08:00:00Z"),
            ],
            expected: [Taken("Z", "A-01", 2), Taken("A", "B-02", 2)]
        ),
        OrderCase(
            name: "FIFO: same receipt and location, lower lot code first",
            policy: .fifo,
            locations: ["A-01": 0],
            receipts: [
                Receipt(lot: "K2", expiry: nil, location: "A-01", quantity: 2, at: "2026-02-10T08:00:00Z"),
                Receipt(lot: "K1", expiry: nil, location: "A-01", quantity: 2, at: "2026-02-10T08:00:00Z"),
            ],
            expected: [Taken("K1", "A-01", 2), Taken("K2", "A-01", 2)]
        ),
    ]
}

@Suite("Allocation order through the store")
struct AllocationOrderTests {
    @Test(arguments: OrderCase.all)
    func order(_ testCase: OrderCase) async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item", policy: testCase.policy))
            for (code, priority) in testCase.locations.sorted(by: { $0.key < $1.key }) {
                try await store.addLocation(Location(code: code, kind: .storage, pickPriority: priority))
            }
            for receipt in testCase.receipts {
                try await store.receive(
                    "X",
                    receipt.quantity,
                    at: receipt.location,
                    lot: receipt.lot,
                    expiry: receipt.expiry,
                    receivedAt: instant(receipt.at)
                )
            }
            let total = testCase.receipts.reduce(0) { $0 + $1.quantity }
            // Dry run, then the real pick: both follow the same order.
            #expect(try await store.pickLines("X", total, dryRun: true) == testCase.expected)
            // A pick of the first line's quantity takes exactly the first balance.
            let first = testCase.expected[0]
            #expect(try await store.pickLines("X", first.quantity) == [first])
            #expect(try await store.pickLines("X", total - first.quantity) == Array(testCase.expected.dropFirst()))
            #expect(try await store.stock(item: ItemReference("X")).isEmpty)
            try await expectConsistent(store)
        }
    }

    @Test("lots(of:) lists lots in allocation order with what is excluded")
    func lotsInAllocationOrder() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let lots = try await store.lots(of: ItemReference("MILK"))
            #expect(lots.map(\.lot.code) == ["L2", "L1", "L3", "L4"])
            #expect(lots.map(\.allocatable) == [3, 5, 10, 0])
            #expect(lots.map(\.daysLeft) == [4, 9, nil, -1])
            #expect(lots[3].excluded == [.expired: 4])
        }
    }
}

// MARK: - The MILK example of docs/allocation.md, exactly

enum MilkExample {
    /// Item MILK (fefo), today 2026-03-01; L1 expiry 2026-03-10 qty 5 at A-01; L2 expiry
    /// 2026-03-05 qty 3 at A-02; L3 no expiry qty 10 at A-03; L4 expiry 2026-02-28 qty 4 at A-04
    /// (received with allowExpired).
    static func seed(_ store: InventoryStore, minDays: Int? = nil) async throws {
        try await store.addItem(
            ItemSpec(sku: "MILK", name: "Milk 1 l", policy: .fefo, minRemainingShelfLifeDays: minDays)
        )
        try await store.addStorage("A-01", "A-02", "A-03", "A-04")
        try await store.receive("MILK", 5, at: "A-01", lot: "L1", expiry: "2026-03-10")
        try await store.receive("MILK", 3, at: "A-02", lot: "L2", expiry: "2026-03-05")
        try await store.receive("MILK", 10, at: "A-03", lot: "L3")
        try await store.receive("MILK", 4, at: "A-04", lot: "L4", expiry: "2026-02-28", allowExpired: true)
    }
}

@Suite("The MILK example")
struct MilkExampleTests {
    @Test("pick 6 takes L2 3 then L1 3")
    func pickSix() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            #expect(try await store.pickLines("MILK", 6) == [Taken("L2", "A-02", 3), Taken("L1", "A-01", 3)])
            #expect(try await store.onHand("MILK", lot: "L2", at: "A-02") == 0)
            #expect(try await store.onHand("MILK", lot: "L1", at: "A-01") == 2)
            try await expectConsistent(store)
        }
    }

    @Test("pick 20 is refused: requested 20, allocatable 18, 4 excluded as expired; nothing written")
    func pickTwenty() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let before = try await Snapshot(store)
            let error = await #expect(throws: InventoryError.self) { try await store.pickLines("MILK", 20) }
            #expect(error == .allocationShort(sku: "MILK", requested: 20, allocatable: 18, excluded: [.expired: 4]))
            #expect(error?.description == "cannot allocate 20 of MILK: 18 allocatable; excluded: 4 expired")
            #expect(try await Snapshot(store) == before)
        }
    }

    @Test("pick 6 with a minimum remaining shelf life of 7 takes L1 5 then L3 1")
    func pickSixWithShelfLife() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let result = try await store.pick(
                PickRequest(item: ItemReference("MILK"), quantity: 6, minRemainingShelfLifeDays: 7),
                actor: clerk
            )
            #expect(
                result.plan.lines.map { Taken($0.lot, $0.location, $0.quantity) }
                    == [Taken("L1", "A-01", 5), Taken("L3", "A-03", 1)]
            )
            #expect(result.plan.requiredShelfLifeDays == 7)
            #expect(result.plan.excluded == [.expired: 4, .shelfLife: 3])
            #expect(result.movements.map(\.quantity) == [5, 1])
            try await expectConsistent(store)
        }
    }

    @Test("the same example with the expired lot received by back-dating the clock")
    func backDatedClock() async throws {
        let fixture = try StoreFixture(now: instant("2026-02-20T08:00:00Z"))
        defer { fixture.directory.remove() }
        try await fixture.store.addItem(ItemSpec(sku: "MILK", name: "Milk 1 l", policy: .fefo))
        try await fixture.store.addStorage("A-01", "A-02", "A-03", "A-04")
        try await fixture.store.receive("MILK", 4, at: "A-04", lot: "L4", expiry: "2026-02-28")
        try fixture.store.close()
        let store = try fixture.reopen(now: morning)
        defer { try? store.close() }
        try await store.receive("MILK", 5, at: "A-01", lot: "L1", expiry: "2026-03-10")
        try await store.receive("MILK", 3, at: "A-02", lot: "L2", expiry: "2026-03-05")
        try await store.receive("MILK", 10, at: "A-03", lot: "L3")
        let error = await #expect(throws: InventoryError.self) { try await store.pickLines("MILK", 20) }
        #expect(error == .allocationShort(sku: "MILK", requested: 20, allocatable: 18, excluded: [.expired: 4]))
        #expect(try await store.pickLines("MILK", 6) == [Taken("L2", "A-02", 3), Taken("L1", "A-01", 3)])
    }

    @Test("a dry run explains itself and writes nothing")
    func dryRunExplains() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let before = try await Snapshot(store)
            let result = try await store.pick(
                PickRequest(item: ItemReference("MILK"), quantity: 6, dryRun: true),
                actor: clerk
            )
            #expect(result.dryRun)
            #expect(result.movements.isEmpty)
            #expect(result.plan.policy == .fefo)
            #expect(result.plan.today == day("2026-03-01"))
            #expect(result.plan.lines.map(\.daysLeft) == [4, 9])
            #expect(result.plan.lines.map(\.expiry) == [day("2026-03-05"), day("2026-03-10")])
            #expect(result.plan.allocatable == 18)
            #expect(result.plan.allocated == 6)
            #expect(result.plan.shortfall == 0)
            #expect(result.plan.skipped.count == 1)
            #expect(result.plan.skipped.first?.lot == "L4")
            #expect(result.plan.skipped.first?.reason == .expired)
            #expect(result.plan.skipped.first?.daysLeft == -1)
            #expect(result.plan.skipped.first?.quantity == 4)
            #expect(try await Snapshot(store) == before)
        }
    }

    @Test("a partial pick of 20 takes the 18 allocatable and reports the shortfall")
    func partialPick() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let result = try await store.pick(
                PickRequest(item: ItemReference("MILK"), quantity: 20, allowPartial: true),
                actor: clerk
            )
            #expect(
                result.plan.lines.map { Taken($0.lot, $0.location, $0.quantity) }
                    == [Taken("L2", "A-02", 3), Taken("L1", "A-01", 5), Taken("L3", "A-03", 10)]
            )
            #expect(result.plan.allocated == 18)
            #expect(result.plan.shortfall == 2)
            let left = try await store.stock(item: ItemReference("MILK"))
            #expect(left.map(\.lot) == ["L4"])
            #expect(left.map(\.quantity) == [4])
            try await expectConsistent(store)
        }
    }
}

// MARK: - Exclusions on date D and by status, through the store

/// A single lot of one item and what a pick of 1 unit finds.
struct ExclusionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var expiry: String?
    var itemMinDays: Int
    var requestMinDays: Int?
    var status: LotStatus
    var locationKind: LocationKind
    /// nil: the unit is allocatable; else the reason it is excluded.
    var excludedAs: ExclusionReason?
    var testDescription: String { name }

    init(
        _ name: String,
        expiry: String?,
        itemMinDays: Int = 0,
        requestMinDays: Int? = nil,
        status: LotStatus = .available,
        locationKind: LocationKind = .storage,
        excludedAs: ExclusionReason?
    ) {
        self.name = name
        self.expiry = expiry
        self.itemMinDays = itemMinDays
        self.requestMinDays = requestMinDays
        self.status = status
        self.locationKind = locationKind
        self.excludedAs = excludedAs
    }

    static let all: [ExclusionCase] = [
        ExclusionCase("expiring today is allocatable with minimum 0", expiry: "2026-03-01", excludedAs: nil),
        ExclusionCase(
            "expiring today with minimum 1 (request) is shelf-life",
            expiry: "2026-03-01",
            requestMinDays: 1,
            excludedAs: .shelfLife
        ),
        ExclusionCase("expired yesterday is expired", expiry: "2026-02-28", excludedAs: .expired),
        ExclusionCase(
            "expired yesterday with minimum 5 is still expired, not shelf-life",
            expiry: "2026-02-28",
            itemMinDays: 5,
            excludedAs: .expired
        ),
        ExclusionCase(
            "undated is allocatable whatever the minimum",
            expiry: nil,
            itemMinDays: 30,
            requestMinDays: 60,
            excludedAs: nil
        ),
        ExclusionCase(
            "7 days left, item minimum 7: allocatable",
            expiry: "2026-03-08",
            itemMinDays: 7,
            excludedAs: nil
        ),
        ExclusionCase(
            "7 days left, item minimum 8: shelf-life",
            expiry: "2026-03-08",
            itemMinDays: 8,
            excludedAs: .shelfLife
        ),
        ExclusionCase(
            "7 days left, request 8 over item 3: shelf-life",
            expiry: "2026-03-08",
            itemMinDays: 3,
            requestMinDays: 8,
            excludedAs: .shelfLife
        ),
        ExclusionCase(
            "7 days left, item 8 over request 3: shelf-life (the larger wins)",
            expiry: "2026-03-08",
            itemMinDays: 8,
            requestMinDays: 3,
            excludedAs: .shelfLife
        ),
        ExclusionCase(
            "7 days left, item 2, request 7: allocatable",
            expiry: "2026-03-08",
            itemMinDays: 2,
            requestMinDays: 7,
            excludedAs: nil
        ),
        ExclusionCase("quarantined lot", expiry: "2026-03-20", status: .quarantine, excludedAs: .quarantined),
        ExclusionCase("blocked lot", expiry: "2026-03-20", status: .blocked, excludedAs: .blocked),
        ExclusionCase(
            "quarantined and expired counts as quarantined",
            expiry: "2026-02-01",
            status: .quarantine,
            excludedAs: .quarantined
        ),
        ExclusionCase(
            "blocked and expired counts as blocked",
            expiry: "2026-02-01",
            status: .blocked,
            excludedAs: .blocked
        ),
        ExclusionCase(
            "receiving location is not pickable",
            expiry: "2026-03-20",
            locationKind: .receiving,
            excludedAs: .notPickable
        ),
        ExclusionCase(
            "shipping location is not pickable",
            expiry: nil,
            locationKind: .shipping,
            excludedAs: .notPickable
        ),
        ExclusionCase(
            "quarantine-kind location is not pickable, even for a blocked lot",
            expiry: "2026-03-20",
            status: .blocked,
            locationKind: .quarantine,
            excludedAs: .notPickable
        ),
        ExclusionCase("picking location is pickable", expiry: "2026-03-20", locationKind: .picking, excludedAs: nil),
    ]
}

@Suite("Allocation exclusions through the store")
struct AllocationExclusionTests {
    @Test(arguments: ExclusionCase.all)
    func exclusion(_ testCase: ExclusionCase) async throws {
        try await withStore { store in
            try await store.addItem(
                ItemSpec(
                    sku: "X",
                    name: "Test item",
                    policy: .fefo,
                    minRemainingShelfLifeDays: testCase.itemMinDays
                )
            )
            try await store.addLocation(Location(code: "LOC", kind: testCase.locationKind))
            _ = try await store.receive(
                ReceiveRequest(
                    item: ItemReference("X"),
                    quantity: 4,
                    location: "LOC",
                    lot: "LOT",
                    expiry: testCase.expiry.map(day),
                    allowQuarantineLocation: true,
                    allowExpired: true
                ),
                actor: clerk
            )
            if testCase.status != .available {
                _ = try await store.setLotStatus(
                    item: ItemReference("X"),
                    lot: "LOT",
                    status: testCase.status,
                    reason: "test",
                    actor: clerk
                )
            }
            let request = PickRequest(
                item: ItemReference("X"),
                quantity: 1,
                minRemainingShelfLifeDays: testCase.requestMinDays
            )
            if let reason = testCase.excludedAs {
                let error = await #expect(throws: InventoryError.self) { try await store.pick(request, actor: clerk) }
                #expect(error == .allocationShort(sku: "X", requested: 1, allocatable: 0, excluded: [reason: 4]))
                #expect(try await store.onHand("X", lot: "LOT", at: "LOC") == 4)
            } else {
                let result = try await store.pick(request, actor: clerk)
                #expect(result.plan.lines.map { Taken($0.lot, $0.location, $0.quantity) } == [Taken("LOT", "LOC", 1)])
                #expect(try await store.onHand("X", lot: "LOT", at: "LOC") == 3)
            }
            try await expectConsistent(store)
        }
    }

    @Test("reserved units are excluded as reserved and come back when the order is cancelled")
    func reservations() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let order = try await store.createOrder(
                reference: "SO-1",
                lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 4)],
                actor: clerk
            )
            #expect(
                order.lines[0].reservations.map { Taken($0.lot, $0.location, $0.quantity) }
                    == [Taken("L2", "A-02", 3), Taken("L1", "A-01", 1)]
            )
            // What is left for others: L1 4 + L3 10.
            let error = await #expect(throws: InventoryError.self) { try await store.pickLines("MILK", 15) }
            #expect(
                error
                    == .allocationShort(
                        sku: "MILK",
                        requested: 15,
                        allocatable: 14,
                        excluded: [.expired: 4, .reserved: 4]
                    )
            )
            #expect(
                try await store.pickLines("MILK", 5, dryRun: true) == [Taken("L1", "A-01", 4), Taken("L3", "A-03", 1)]
            )
            _ = try await store.cancelOrder("SO-1", actor: clerk)
            #expect(
                try await store.pickLines("MILK", 5, dryRun: true) == [Taken("L2", "A-02", 3), Taken("L1", "A-01", 2)]
            )
            try await expectConsistent(store)
        }
    }

    @Test("a partial pick with nothing allocatable takes nothing and writes nothing")
    func partialWithNothing() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            _ = try await store.setLotStatus(
                item: ItemReference("MILK"),
                lot: "L3",
                status: .blocked,
                reason: "recall",
                actor: clerk
            )
            let before = try await Snapshot(store)
            let result = try await store.pick(
                PickRequest(
                    item: ItemReference("MILK"),
                    quantity: 5,
                    minRemainingShelfLifeDays: 30,
                    allowPartial: true
                ),
                actor: clerk
            )
            #expect(result.plan.lines.isEmpty)
            #expect(result.plan.shortfall == 5)
            #expect(result.plan.excluded == [.expired: 4, .shelfLife: 8, .blocked: 10])
            #expect(result.movements.isEmpty)
            #expect(try await Snapshot(store) == before)
        }
    }

    @Test("a pick within a location subtree only takes stock there")
    func withinSubtree() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "X", name: "Test item", policy: .fefo))
            try await store.addLocation(Location(code: "ZONE-A", kind: .storage))
            try await store.addLocation(Location(code: "A-01", kind: .storage, parent: "ZONE-A"))
            try await store.addLocation(Location(code: "A-01-01", kind: .picking, parent: "A-01"))
            try await store.addStorage("B-01")
            try await store.receive("X", 2, at: "B-01", lot: "SOON", expiry: "2026-03-05")
            try await store.receive("X", 2, at: "A-01-01", lot: "LATE", expiry: "2026-04-05")
            #expect(try await store.pickLines("X", 1, within: "ZONE-A") == [Taken("LATE", "A-01-01", 1)])
            #expect(try await store.pickLines("X", 1) == [Taken("SOON", "B-01", 1)])
            let error = await #expect(throws: InventoryError.self) { try await store.pickLines("X", 2, within: "A-01") }
            #expect(error == .allocationShort(sku: "X", requested: 2, allocatable: 1, excluded: [:]))
        }
    }
}

// MARK: - The pure rule

@Suite("AllocationRule.plan")
struct AllocationPlanTests {
    static let today = day("2026-03-01")

    static func candidate(
        _ id: Int64,
        lot: String? = "L",
        expiry: String? = nil,
        status: LotStatus? = .available,
        location: String = "A-01",
        kind: LocationKind = .storage,
        priority: Int = 0,
        received: String = "2026-02-01T08:00:00Z",
        quantity: Int64 = 1,
        reserved: Int64 = 0
    ) -> AllocationCandidate {
        AllocationCandidate(
            stockId: id,
            lot: lot,
            expiry: expiry.map(day),
            lotStatus: status,
            location: location,
            locationKind: kind,
            pickPriority: priority,
            receivedAt: instant(received),
            quantity: quantity,
            reserved: reserved
        )
    }

    @Test("the stock id breaks a tie on everything else", arguments: [AllocationPolicy.fefo, .fifo])
    func stockIdTieBreak(policy: AllocationPolicy) throws {
        let candidates = [
            Self.candidate(9, expiry: "2026-03-10"), Self.candidate(3, expiry: "2026-03-10"),
            Self.candidate(5, expiry: "2026-03-10"),
        ]
        let plan = try AllocationRule.plan(
            sku: "X",
            candidates: candidates,
            request: AllocationRequest(
                quantity: 3,
                policy: policy,
                today: Self.today,
                requiredShelfLifeDays: 0,
                allowPartial: false
            )
        )
        #expect(plan.lines.map(\.stockId) == [3, 5, 9])
    }

    @Test("the order does not depend on the order candidates arrive in")
    func orderIndependentOfInput() throws {
        let candidates = [
            Self.candidate(1, lot: "U", expiry: nil, received: "2026-01-01T00:00:00Z"),
            Self.candidate(2, lot: "B", expiry: "2026-03-10", location: "B-01", received: "2026-02-02T00:00:00Z"),
            Self.candidate(3, lot: "A", expiry: "2026-03-10", location: "A-01", received: "2026-02-02T00:00:00Z"),
            Self.candidate(4, lot: "C", expiry: "2026-03-03", received: "2026-02-20T00:00:00Z"),
            Self.candidate(5, lot: "D", expiry: "2026-03-10", received: "2026-02-01T00:00:00Z"),
        ]
        let request = AllocationRequest(
            quantity: 5,
            policy: .fefo,
            today: Self.today,
            requiredShelfLifeDays: 0,
            allowPartial: false
        )
        for rotation in 0..<candidates.count {
            let rotated = Array(candidates[rotation...] + candidates[..<rotation]).reversed()
            let plan = try AllocationRule.plan(sku: "X", candidates: Array(rotated), request: request)
            #expect(plan.lines.map(\.stockId) == [4, 5, 3, 2, 1])
        }
    }

    @Test("an expired balance with a reservation counts wholly as expired")
    func expiredWinsOverReserved() throws {
        let plan = try AllocationRule.plan(
            sku: "X",
            candidates: [
                Self.candidate(1, expiry: "2026-02-28", quantity: 5, reserved: 2),
                Self.candidate(2, expiry: "2026-03-09", quantity: 5, reserved: 2),
            ],
            request: AllocationRequest(
                quantity: 3,
                policy: .fefo,
                today: Self.today,
                requiredShelfLifeDays: 0,
                allowPartial: false
            )
        )
        #expect(plan.excluded == [.expired: 5, .reserved: 2])
        #expect(plan.allocatable == 3)
        #expect(plan.lines.map(\.quantity) == [3])
    }

    @Test("a fully reserved balance gives nothing; a short request carries every reason")
    func shortCarriesEveryReason() {
        let candidates = [
            Self.candidate(1, expiry: "2026-02-28", quantity: 1),
            Self.candidate(2, expiry: "2026-03-02", quantity: 2),
            Self.candidate(3, status: .quarantine, quantity: 3),
            Self.candidate(4, status: .blocked, quantity: 4),
            Self.candidate(5, quantity: 5, reserved: 5),
            Self.candidate(6, kind: .receiving, quantity: 6),
            Self.candidate(7, lot: nil, status: nil, quantity: 7),
        ]
        #expect(
            throws: InventoryError.allocationShort(
                sku: "X",
                requested: 100,
                allocatable: 7,
                excluded: [.expired: 1, .shelfLife: 2, .quarantined: 3, .blocked: 4, .reserved: 5, .notPickable: 6]
            )
        ) {
            try AllocationRule.plan(
                sku: "X",
                candidates: candidates,
                request: AllocationRequest(
                    quantity: 100,
                    policy: .fefo,
                    today: Self.today,
                    requiredShelfLifeDays: 2,
                    allowPartial: false
                )
            )
        }
    }

    @Test("a partial plan stops at what is allocatable")
    func partialPlan() throws {
        let plan = try AllocationRule.plan(
            sku: "X",
            candidates: [Self.candidate(1, quantity: 2), Self.candidate(2, location: "A-02", quantity: 3)],
            request: AllocationRequest(
                quantity: 10,
                policy: .fifo,
                today: Self.today,
                requiredShelfLifeDays: 0,
                allowPartial: true
            )
        )
        #expect(plan.allocated == 5)
        #expect(plan.shortfall == 5)
        #expect(plan.lines.map(\.quantity) == [2, 3])
    }

    @Test("no candidates at all: short with nothing excluded")
    func nothingAtAll() {
        #expect(throws: InventoryError.allocationShort(sku: "X", requested: 1, allocatable: 0, excluded: [:])) {
            try AllocationRule.plan(
                sku: "X",
                candidates: [],
                request: AllocationRequest(
                    quantity: 1,
                    policy: .fefo,
                    today: Self.today,
                    requiredShelfLifeDays: 0,
                    allowPartial: false
                )
            )
        }
    }
}
