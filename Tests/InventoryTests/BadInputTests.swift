import Foundation
import Inventory
import Testing

// Bad input: every refusal names the field and the value, and writes nothing (ledger position,
// balances, items, locations, lots and the open order are all unchanged).

/// One refused operation on the seeded store, with the field and value the error must name.
struct BadInputCase: Sendable, CustomTestStringConvertible {
    var name: String
    var field: String
    var value: String
    var operation: @Sendable (InventoryStore) async throws -> Void
    var testDescription: String { name }

    init(
        _ name: String,
        field: String,
        value: String,
        _ operation: @escaping @Sendable (InventoryStore) async throws -> Void
    ) {
        self.name = name
        self.field = field
        self.value = value
        self.operation = operation
    }

    static func receive(
        _ item: String = "MILK",
        qty quantity: Int64 = 1,
        at location: String = "A-02",
        lot: String? = "L1",
        expiry: String? = nil,
        production: String? = nil,
        receivedAt: Date? = nil
    )
        -> @Sendable (InventoryStore) async throws -> Void
    {
        { store in
            _ = try await store.receive(
                ReceiveRequest(
                    item: ItemReference(item),
                    quantity: quantity,
                    location: location,
                    lot: lot,
                    expiry: expiry.map(day),
                    production: production.map(day),
                    receivedAt: receivedAt
                ),
                actor: clerk
            )
        }
    }

    static func move(
        _ item: String = "BOLT",
        lot: String? = nil,
        from: String = "A-01",
        to: String = "A-02",
        qty quantity: Int64
    ) -> @Sendable (InventoryStore) async throws -> Void {
        { store in
            _ = try await store.move(
                MoveRequest(item: ItemReference(item), lot: lot, from: from, to: to, quantity: quantity),
                actor: clerk
            )
        }
    }

    static func pick(
        _ item: String = "MILK",
        qty quantity: Int64,
        minDays: Int? = nil,
        within: String? = nil
    )
        -> @Sendable (InventoryStore) async throws -> Void
    {
        { store in
            _ = try await store.pick(
                PickRequest(
                    item: ItemReference(item),
                    quantity: quantity,
                    minRemainingShelfLifeDays: minDays,
                    within: within
                ),
                actor: clerk
            )
        }
    }

    static func adjust(
        _ item: String = "BOLT",
        lot: String? = nil,
        at location: String = "A-01",
        delta: Int64,
        reason: String = "count"
    ) -> @Sendable (InventoryStore) async throws -> Void {
        { store in
            _ = try await store.adjust(
                AdjustRequest(
                    item: ItemReference(item),
                    lot: lot,
                    location: location,
                    delta: delta,
                    reason: reason
                ),
                actor: clerk
            )
        }
    }

    static func addItem(_ spec: ItemSpec) -> @Sendable (InventoryStore) async throws -> Void {
        { store in _ = try await store.addItem(spec) }
    }

    static func order(
        _ reference: String = "SO-2",
        lines: [OrderLineRequest]
    ) -> @Sendable (InventoryStore) async throws -> Void {
        { store in _ = try await store.createOrder(reference: reference, lines: lines, actor: clerk) }
    }

    static let big: Int64 = 1 << 53

    static let all: [BadInputCase] = [
        // Unknown references.
        BadInputCase("unknown SKU", field: "item", value: "NOPE", receive("NOPE")),
        BadInputCase("unknown GTIN-8", field: "item", value: "96385074", receive("96385074")),
        BadInputCase("unknown GTIN-13 in a pick", field: "item", value: "5901234123457", pick("5901234123457", qty: 1)),
        BadInputCase("unknown location", field: "location", value: "Z-99", receive(at: "Z-99")),
        BadInputCase("unknown source location", field: "location", value: "Z-98", move(from: "Z-98", qty: 1)),
        BadInputCase("unknown target location", field: "location", value: "Z-97", move(to: "Z-97", qty: 1)),
        BadInputCase("unknown location to pick within", field: "location", value: "Z-96", pick(qty: 1, within: "Z-96")),
        BadInputCase("unknown lot in a move", field: "lot", value: "NOPE", move("MILK", lot: "NOPE", qty: 1)),
        BadInputCase(
            "unknown lot in an adjustment",
            field: "lot",
            value: "NOPE",
            adjust("MILK", lot: "NOPE", delta: 1)
        ),
        BadInputCase("unknown lot in a status change", field: "lot", value: "NOPE") { store in
            _ = try await store.setLotStatus(
                item: ItemReference("MILK"),
                lot: "NOPE",
                status: .blocked,
                reason: "x",
                actor: clerk
            )
        },
        BadInputCase("unknown order to pick", field: "order", value: "SO-404") { store in
            _ = try await store.pickOrder("SO-404", actor: clerk)
        },
        BadInputCase("unknown order to cancel", field: "order", value: "SO-404") { store in
            _ = try await store.cancelOrder("SO-404", actor: clerk)
        },
        BadInputCase(
            "unknown item in an order line",
            field: "item",
            value: "NOPE",
            order(lines: [
                OrderLineRequest(item: ItemReference("BOLT"), quantity: 1),
                OrderLineRequest(item: ItemReference("NOPE"), quantity: 1),
            ])
        ),

        // Quantities.
        BadInputCase("zero quantity received", field: "quantity", value: "0", receive(qty: 0)),
        BadInputCase("negative quantity received", field: "quantity", value: "-3", receive(qty: -3)),
        BadInputCase("2^53 received", field: "quantity", value: "9007199254740992", receive(qty: big)),
        BadInputCase("Int64.max received", field: "quantity", value: "9223372036854775807", receive(qty: .max)),
        BadInputCase("Int64.min received", field: "quantity", value: "-9223372036854775808", receive(qty: .min)),
        BadInputCase("zero quantity moved", field: "quantity", value: "0", move(qty: 0)),
        BadInputCase("negative quantity picked", field: "quantity", value: "-5", pick(qty: -5)),
        BadInputCase("2^53 picked", field: "quantity", value: "9007199254740992", pick(qty: big)),
        BadInputCase(
            "zero quantity on an order line",
            field: "lines[0].quantity",
            value: "0",
            order(lines: [OrderLineRequest(item: ItemReference("BOLT"), quantity: 0)])
        ),
        BadInputCase(
            "2^53 on the second order line",
            field: "lines[1].quantity",
            value: "9007199254740992",
            order(lines: [
                OrderLineRequest(item: ItemReference("BOLT"), quantity: 1),
                OrderLineRequest(item: ItemReference("BOLT"), quantity: big),
            ])
        ),
        BadInputCase("zero adjustment", field: "delta", value: "0", adjust(delta: 0)),
        BadInputCase("adjustment of 2^53", field: "delta", value: "9007199254740992", adjust(delta: big)),
        BadInputCase("adjustment of -2^53", field: "delta", value: "-9007199254740992", adjust(delta: -big)),
        BadInputCase(
            "receipt pushing on hand to 2^53",
            field: "quantity",
            value: "9007199254740982",
            receive("BOLT", qty: big - 10, at: "A-01", lot: nil)
        ),

        // Dates.
        BadInputCase(
            "expiry before production",
            field: "expiry",
            value: "2026-03-10",
            receive(lot: "NEW", expiry: "2026-03-10", production: "2026-03-15")
        ),
        BadInputCase(
            "expiry before the production date on record",
            field: "expiry",
            value: "2026-03-10",
            receive("BOLT", lot: "B9", expiry: "2026-03-10")
        ),
        BadInputCase(
            "expired receipt",
            field: "expiry",
            value: "2026-02-28",
            receive(lot: "NEW", expiry: "2026-02-28")
        ),
        BadInputCase("receipt into an expired lot", field: "lot", value: "L0", receive(lot: "L0")),
        BadInputCase(
            "receipt in the future",
            field: "receivedAt",
            value: "2026-03-01T08:00:01Z",
            receive(lot: "L1", receivedAt: instant("2026-03-01T08:00:01Z"))
        ),
        BadInputCase(
            "lot expiry conflict",
            field: "expiry",
            value: "2026-03-11",
            receive(lot: "L1", expiry: "2026-03-11")
        ),
        BadInputCase(
            "lot production conflict",
            field: "production",
            value: "2026-02-02",
            receive(lot: "L1", production: "2026-02-02")
        ),
        BadInputCase(
            "dates without a lot or expiry",
            field: "lot",
            value: "",
            receive("BOLT", qty: 1, lot: nil, production: "2026-02-02")
        ),

        // Catalogue.
        BadInputCase(
            "duplicate GTIN-13",
            field: "gtin",
            value: "04006381333931",
            addItem(ItemSpec(sku: "MILK-2", name: "Milk 2", gtins: ["4006381333931"]))
        ),
        BadInputCase(
            "the same GTIN written as GTIN-14",
            field: "gtin",
            value: "04006381333931",
            addItem(ItemSpec(sku: "MILK-2", name: "Milk 2", gtins: ["04006381333931"]))
        ),
        BadInputCase(
            "the same GTIN twice on one new item",
            field: "gtin",
            value: "00000096385074",
            addItem(ItemSpec(sku: "NEW", name: "New", gtins: ["96385074", "0000096385074"]))
        ),
        BadInputCase("a duplicate GTIN added by update", field: "gtin", value: "04006381333931") { store in
            _ = try await store.updateItem(
                ItemReference("BOLT"),
                ItemUpdate(name: "Renamed", addGTINs: ["4006381333931"])
            )
        },
        BadInputCase(
            "wrong GTIN check digit",
            field: "gtin",
            value: "4006381333932",
            addItem(ItemSpec(sku: "NEW", name: "New", gtins: ["4006381333932"]))
        ),
        BadInputCase(
            "wrong GTIN check digit in a receipt",
            field: "gtin",
            value: "4006381333932",
            receive("4006381333932")
        ),
        BadInputCase(
            "GTIN of 11 digits",
            field: "gtin",
            value: "40063813339",
            addItem(ItemSpec(sku: "NEW", name: "New", gtins: ["40063813339"]))
        ),
        BadInputCase(
            "GTIN with a letter",
            field: "gtin",
            value: "400638133393X",
            addItem(ItemSpec(sku: "NEW", name: "New", gtins: ["400638133393X"]))
        ),
        BadInputCase("duplicate SKU", field: "sku", value: "MILK", addItem(ItemSpec(sku: "MILK", name: "Milk again"))),
        BadInputCase("empty SKU", field: "sku", value: "", addItem(ItemSpec(sku: "", name: "Nameless"))),
        BadInputCase("SKU with a tab", field: "sku", value: "A\tB", addItem(ItemSpec(sku: "A\tB", name: "Tab"))),
        BadInputCase(
            "SKU of 65 characters",
            field: "sku",
            value: String(repeating: "S", count: 65),
            addItem(ItemSpec(sku: String(repeating: "S", count: 65), name: "Long"))
        ),
        BadInputCase("empty item name", field: "name", value: " ", addItem(ItemSpec(sku: "NEW", name: " "))),
        BadInputCase(
            "negative item shelf life",
            field: "minRemainingShelfLifeDays",
            value: "-1",
            addItem(ItemSpec(sku: "NEW", name: "New", minRemainingShelfLifeDays: -1))
        ),
        BadInputCase("duplicate location", field: "location", value: "A-01") { store in
            _ = try await store.addLocation(Location(code: "A-01", kind: .picking))
        },
        BadInputCase("unknown parent location", field: "location", value: "ZONE-X") { store in
            _ = try await store.addLocation(Location(code: "X-01", kind: .storage, parent: "ZONE-X"))
        },
        BadInputCase("a zone inside its own child", field: "parent", value: "ZONE") { store in
            _ = try await store.updateLocation("ZONE", LocationUpdate(parent: "A-01", pickPriority: 9))
        },
        BadInputCase("a location inside itself", field: "parent", value: "A-02") { store in
            _ = try await store.updateLocation("A-02", LocationUpdate(parent: "A-02"))
        },
        BadInputCase(
            "duplicate order",
            field: "order",
            value: "SO-1",
            order("SO-1", lines: [OrderLineRequest(item: ItemReference("BOLT"), quantity: 1)])
        ),
        BadInputCase("order without lines", field: "lines", value: "[]", order(lines: [])),

        // Stock rules.
        BadInputCase("moving more than is there", field: "quantity", value: "11", move(qty: 11)),
        BadInputCase("moving reserved units", field: "quantity", value: "8", move(qty: 8)),
        BadInputCase("moving to the same location", field: "to", value: "A-01", move(to: "A-01", qty: 1)),
        BadInputCase("adjusting away reserved units", field: "quantity", value: "8", adjust(delta: -8)),
        BadInputCase("adjustment without a reason", field: "reason", value: "", adjust(delta: 1, reason: "")),
        BadInputCase(
            "receiving into a quarantine location",
            field: "location",
            value: "Q-01",
            receive("BOLT", qty: 1, at: "Q-01", lot: nil)
        ),
        BadInputCase(
            "lot-tracked item without a lot",
            field: "lot",
            value: "CHEESE",
            receive("CHEESE", qty: 1, lot: nil, expiry: "2026-04-01")
        ),
        BadInputCase("expiry-tracked item without a lot or expiry", field: "expiry", value: "MILK", receive(lot: nil)),
        BadInputCase("expiry-tracked new lot without expiry", field: "expiry", value: "NEW", receive(lot: "NEW")),
        BadInputCase(
            "an increase of an expiry-tracked item where no dated lot lies",
            field: "expiry",
            value: "MILK",
            adjust("MILK", at: "DOCK", delta: 1)
        ),
        BadInputCase("a lot status that is already set", field: "status", value: "available") { store in
            _ = try await store.setLotStatus(
                item: ItemReference("MILK"),
                lot: "L1",
                status: .available,
                reason: "x",
                actor: clerk
            )
        },
        BadInputCase("a status change without a reason", field: "reason", value: "") { store in
            _ = try await store.setLotStatus(
                item: ItemReference("MILK"),
                lot: "L1",
                status: .blocked,
                reason: "",
                actor: clerk
            )
        },
        BadInputCase("a short pick", field: "quantity", value: "100", pick(qty: 100)),
        BadInputCase(
            "a negative shelf life in a pick",
            field: "minRemainingShelfLifeDays",
            value: "-1",
            pick(qty: 1, minDays: -1)
        ),
        BadInputCase("picking a cancelled order", field: "order", value: "SO-0") { store in
            _ = try await store.pickOrder("SO-0", actor: clerk)
        },
        BadInputCase("picking a line an order does not have", field: "line", value: "2") { store in
            _ = try await store.pickOrder("SO-1", line: 2, actor: clerk)
        },
        BadInputCase("expiring within -1 days", field: "days", value: "-1") { store in
            _ = try await store.expiring(withinDays: -1)
        },
        BadInputCase("a ledger query for 0 rows", field: "limit", value: "0") { store in
            _ = try await store.ledger(LedgerFilter(limit: 0))
        },
        BadInputCase("stock of an unknown lot", field: "lot", value: "NOPE") { store in
            _ = try await store.stock(item: ItemReference("MILK"), lot: "NOPE")
        },
        BadInputCase("cancelling a cancelled order", field: "order", value: "SO-0") { store in
            _ = try await store.cancelOrder("SO-0", actor: clerk)
        },
    ]
}

@Suite("Bad input")
struct BadInputTests {
    /// MILK (expiry-tracked, GTIN 4006381333931) with lot L1 (expiry 2026-03-10, production
    /// 2026-02-01) at A-01 and expired lot L0 at A-02, L9 known but without stock; BOLT
    /// (untracked) 10 at A-01, 3 of them reserved by order SO-1, lot B9 known with production
    /// 2026-03-20 and no expiry; cancelled order SO-0; CHEESE (lot- and expiry-tracked) without
    /// stock; locations ZONE with child A-01, A-02 (storage), Q-01 (quarantine), DOCK (receiving).
    static func seed(_ store: InventoryStore) async throws {
        try await store.addItem(ItemSpec(sku: "MILK", name: "Milk 1 l", gtins: ["4006381333931"], expiryTracked: true))
        try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt M6"))
        try await store.addItem(ItemSpec(sku: "CHEESE", name: "Cheese", lotTracked: true, expiryTracked: true))
        try await store.addStorage("ZONE")
        try await store.addLocation(Location(code: "A-01", kind: .storage, parent: "ZONE"))
        try await store.addStorage("A-02")
        try await store.addStorage("Q-01", kind: .quarantine)
        try await store.addStorage("DOCK", kind: .receiving)
        _ = try await store.receive(
            ReceiveRequest(
                item: ItemReference("MILK"),
                quantity: 5,
                location: "A-01",
                lot: "L1",
                expiry: day("2026-03-10"),
                production: day("2026-02-01")
            ),
            actor: clerk
        )
        try await store.receive("MILK", 2, at: "A-02", lot: "L0", expiry: "2026-02-20", allowExpired: true)
        _ = try await store.receive(
            ReceiveRequest(
                item: ItemReference("MILK"),
                quantity: 1,
                location: "DOCK",
                lot: "L9",
                expiry: day("2026-04-10"),
                production: day("2026-03-20")
            ),
            actor: clerk
        )
        _ = try await store.adjust(
            AdjustRequest(
                item: ItemReference("MILK"),
                lot: "L9",
                location: "DOCK",
                delta: -1,
                reason: "sample"
            ),
            actor: clerk
        )
        _ = try await store.receive(
            ReceiveRequest(
                item: ItemReference("BOLT"),
                quantity: 1,
                location: "DOCK",
                lot: "B9",
                production: day("2026-03-20")
            ),
            actor: clerk
        )
        _ = try await store.adjust(
            AdjustRequest(
                item: ItemReference("BOLT"),
                lot: "B9",
                location: "DOCK",
                delta: -1,
                reason: "sample"
            ),
            actor: clerk
        )
        try await store.receive("BOLT", 10, at: "A-01")
        _ = try await store.createOrder(
            reference: "SO-0",
            lines: [OrderLineRequest(item: ItemReference("BOLT"), quantity: 1)],
            actor: clerk
        )
        _ = try await store.cancelOrder("SO-0", actor: clerk)
        _ = try await store.createOrder(
            reference: "SO-1",
            lines: [OrderLineRequest(item: ItemReference("BOLT"), quantity: 3)],
            actor: clerk
        )
    }

    @Test(arguments: BadInputCase.all)
    func refused(_ testCase: BadInputCase) async throws {
        try await withStore { store in
            try await Self.seed(store)
            let before = try await Snapshot(store, orders: ["SO-0", "SO-1"])
            let error = await #expect(throws: InventoryError.self) { try await testCase.operation(store) }
            if let error {
                let named = fieldAndValue(error)
                #expect(named.field == testCase.field, "\(error)")
                #expect(named.value == testCase.value, "\(error)")
                // An empty value shows as "" in the message; control characters as \u{...} and
                // long values cut (InventoryError.shown).
                let shown = testCase.value.isEmpty ? "\"\"" : InventoryError.shown(testCase.value)
                #expect(error.description.contains(shown), "the message names the value: \(error)")
            }
            #expect(
                try await Snapshot(store, orders: ["SO-0", "SO-1"]) == before,
                "a refused operation wrote something"
            )
            try await expectConsistent(store)
        }
    }

    /// Bidirectional isolates and overrides, zero-width characters and line separators in an
    /// unknown code never reach the message raw: they could reorder or hide the sentence on a
    /// terminal or in the journal (Unicode UAX #9).
    @Test(arguments: ["\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}", "\u{202E}", "\u{200F}", "\u{200B}", "\u{2028}"])
    func formatCharactersInAnEchoedValueAreEscaped(character: String) async throws {
        try await withStore { store in
            try await Self.seed(store)
            let value = "NO\(character)PE"
            let error = await #expect(throws: InventoryError.self) { try await store.item(ItemReference(value)) }
            let scalar = character.unicodeScalars.first!.value
            let message = error?.description ?? ""
            #expect(!message.unicodeScalars.contains { $0.value == scalar }, "raw in: \(message.debugDescription)")
            #expect(message.contains("NO\\u{\(String(scalar, radix: 16))}PE"), "\(message.debugDescription)")
        }
    }

    @Test("the seed is what the cases assume")
    func seedHolds() async throws {
        try await withStore { store in
            try await Self.seed(store)
            #expect(try await store.stock(item: ItemReference("BOLT")).map(\.reserved) == [3])
            #expect(try await store.lots(of: ItemReference("MILK")).map(\.lot.code).sorted() == ["L0", "L1", "L9"])
            #expect(try await store.item(ItemReference("04006381333931")).sku == "MILK")
        }
    }

    @Test("moving reserved units names what is free")
    func reservedUnitsAreNotFree() async throws {
        try await withStore { store in
            try await Self.seed(store)
            let error = await #expect(throws: InventoryError.self) { try await BadInputCase.move(qty: 8)(store) }
            #expect(error == .insufficientStock(sku: "BOLT", lot: nil, location: "A-01", requested: 8, available: 7))
            #expect(error?.description == "only 7 of BOLT available at A-01, 8 requested")
            // The 7 free units do move.
            try await BadInputCase.move(qty: 7)(store)
            #expect(try await store.onHand("BOLT", at: "A-01") == 3)
            try await expectConsistent(store)
        }
    }
}

// MARK: - Calendar dates

@Suite("Calendar dates")
struct CalendarDateTests {
    @Test(
        "malformed or impossible dates are refused naming the field and text",
        arguments: [
            "2026-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-01-32", "2026-01-00",
            "0000-01-01", "26-03-01", "2026/03/01", "2026-03-1", "2026-3-01", "", "2026-03-01T00:00:00Z",
            " 2026-03-01", "2026-03-01 ", "２０２６-03-01", "2026-0a-01", "+026-03-01", "2026--3-01",
        ]
    )
    func malformed(text: String) {
        let error = #expect(throws: InventoryError.self) { try CalendarDate(parsing: text, field: "expiry") }
        if case let .invalidValue(field, value, _)? = error {
            #expect(field == "expiry")
            #expect(value == text)
        } else {
            Issue.record("expected invalidValue, got \(String(describing: error))")
        }
    }

    @Test(
        "valid dates parse and print back",
        arguments: ["2024-02-29", "2000-02-29", "1970-01-01", "9999-12-31", "2026-03-10"]
    )
    func valid(text: String) throws {
        let date = try CalendarDate(parsing: text)
        #expect(date.description == text)
        #expect(CalendarDate(daysSinceEpoch: date.daysSinceEpoch) == date)
    }

    @Test("day arithmetic crosses months, leap days and years")
    func arithmetic() {
        #expect(day("2026-03-01").days(until: day("2026-03-10")) == 9)
        #expect(day("2026-03-01").days(until: day("2026-02-28")) == -1)
        #expect(day("2024-02-28").adding(days: 1) == day("2024-02-29"))
        #expect(day("2025-12-31").adding(days: 1) == day("2026-01-01"))
        #expect(day("1970-01-01").daysSinceEpoch == 0)
        #expect(day("2000-03-01").daysSinceEpoch == 11_017)
        #expect(day("2026-02-28") < day("2026-03-01"))
    }

    @Test("a request decoded from JSON refuses a bad date, naming the field and the text")
    func decodingNamesTheField() {
        let json = #"{"item":"MILK","quantity":1,"location":"A-01","expiry":"2026-02-30"}"#
        let error = #expect(throws: InventoryError.self) {
            try JSONDecoder().decode(ReceiveRequest.self, from: Data(json.utf8))
        }
        guard case let .invalidValue(field, value, _)? = error else {
            Issue.record("expected invalidValue, got \(String(describing: error))")
            return
        }
        #expect(field == "expiry")
        #expect(value == "2026-02-30")
    }

    @Test("today follows the clock's time zone")
    func todayInTimeZone() throws {
        let late = instant("2026-02-28T23:30:00Z")
        #expect(InventoryClock.fixed(late).today() == day("2026-02-28"))
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        #expect(InventoryClock.fixed(late, timeZone: berlin).today() == day("2026-03-01"))
    }
}
