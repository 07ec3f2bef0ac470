import Foundation
import GRDB
import TestSupport
import Testing

@testable import Inventory

// Customers (owners of goods): the default customer, the same GTIN on one item per customer,
// allocation that never serves one customer's order from another's stock, receipts by GTIN,
// the customer filters, bearer tokens, and a database migrated from before customers.

/// A GTIN with a valid check digit, on an item of each of two customers.
private let sharedGTIN = "04012345678901"

/// Customers ACME and BETA, each with an item of GTIN ``sharedGTIN`` (A-MILK, B-MILK, fefo),
/// storage.
private func seedTwoCustomers(_ store: InventoryStore) async throws {
    try await store.addCustomer(code: "ACME", name: "Acme Foods")
    try await store.addCustomer(code: "BETA", name: "Beta Dairy")
    try await store.addItem(
        ItemSpec(sku: "A-MILK", name: "Acme milk", gtins: [sharedGTIN], policy: .fefo, customer: "ACME")
    )
    try await store.addItem(
        ItemSpec(sku: "B-MILK", name: "Beta milk", gtins: [sharedGTIN], policy: .fefo, customer: "BETA")
    )
    try await store.addStorage("A-01", "A-02")
}

private func receipt(
    _ item: String,
    _ quantity: Int64,
    at location: String,
    lot: String,
    expiry: String,
    customer: String?
)
    -> ReceiveRequest
{
    ReceiveRequest(
        item: ItemReference(item),
        quantity: quantity,
        location: location,
        lot: lot,
        expiry: day(expiry),
        customer: customer
    )
}

@Suite("Customers")
struct CustomerTests {
    @Test("a new database has the default customer SITE, which owns every item added without one")
    func defaultCustomer() async throws {
        try await withStore { store in
            #expect(try await store.customers().map(\.code) == [Customer.defaultCode])
            let item = try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt"))
            #expect(item.customer == "SITE")
            let order = try await store.createOrder(
                reference: "SO-1",
                lines: [OrderLineRequest(item: ItemReference("BOLT"), quantity: 1)],
                actor: clerk
            )
            #expect(order.customer == "SITE")
        }
    }

    @Test("customer codes: a duplicate, a look-alike, a reserved prefix and a blank name are refused")
    func badCodes() async throws {
        try await withStore { store in
            let acme = try await store.addCustomer(code: "ACME", name: "Acme Foods")
            #expect(acme.createdAt == morning)
            await #expect(throws: InventoryError.duplicate(field: "customer", value: "ACME", owner: nil)) {
                try await store.addCustomer(code: "ACME", name: "Again")
            }
            // Cyrillic А, С, М, Е beside the Latin ACME.
            let lookalike = "\u{410}\u{421}\u{41C}\u{415}"
            await #expect {
                try await store.addCustomer(code: lookalike, name: "Fake")
            } throws: { error in
                guard case let InventoryError.invalidValue(field, value, reason)? = error as? InventoryError else {
                    return false
                }
                return field == "customer" && value == lookalike && reason.contains("\"ACME\"")
            }
            await #expect {
                try await store.addCustomer(code: "DEPOT X", name: "Command")
            } throws: { error in
                guard case let InventoryError.invalidValue(field, _, _)? = error as? InventoryError else {
                    return false
                }
                return field == "customer"
            }
            await #expect(throws: InventoryError.invalidValue(field: "name", value: " ", reason: "must not be empty")) {
                try await store.addCustomer(code: "BETA", name: " ")
            }
            await #expect(throws: InventoryError.unknownCustomer("NOPE")) {
                try await store.addItem(ItemSpec(sku: "X", name: "X", customer: "NOPE"))
            }
            await #expect(throws: InventoryError.unknownCustomer("NOPE")) {
                try await store.updateCustomer(code: "NOPE", name: "Nope")
            }
            #expect(try await store.updateCustomer(code: "ACME", name: "Acme Foods Ltd").name == "Acme Foods Ltd")
            #expect(try await store.customers().map(\.code) == ["ACME", "SITE"])
        }
    }

    @Test("one GTIN on one item per customer: a second item of the same customer is refused; a GTIN alone is ambiguous")
    func sameGTINTwoCustomers() async throws {
        try await withStore { store in
            try await seedTwoCustomers(store)
            await #expect(throws: InventoryError.duplicate(field: "gtin", value: sharedGTIN, owner: "A-MILK")) {
                try await store.addItem(ItemSpec(sku: "A-MILK-2", name: "x", gtins: [sharedGTIN], customer: "ACME"))
            }
            await #expect(throws: InventoryError.itemAmbiguous(gtin: sharedGTIN, customers: ["ACME", "BETA"])) {
                try await store.item(ItemReference(sharedGTIN))
            }
            #expect(try await store.item(ItemReference(sharedGTIN), customer: "BETA").sku == "B-MILK")
            #expect(try await store.item(ItemReference("A-MILK")).customer == "ACME")
        }
    }

    @Test("an order of ACME is allocated from ACME's stock only, even when BETA's lot of the same GTIN expires first")
    func allocationStaysWithTheCustomer() async throws {
        try await withStore { store in
            try await seedTwoCustomers(store)
            _ = try await store.receive(
                receipt(sharedGTIN, 10, at: "A-01", lot: "LA", expiry: "2026-04-30", customer: "ACME"),
                actor: clerk
            )
            _ = try await store.receive(
                receipt(sharedGTIN, 10, at: "A-02", lot: "LB", expiry: "2026-03-05", customer: "BETA"),
                actor: clerk
            )
            let order = try await store.createOrder(
                reference: "SO-A",
                lines: [OrderLineRequest(item: ItemReference(sharedGTIN), quantity: 12)],
                actor: clerk,
                customer: "ACME"
            )
            #expect(order.customer == "ACME")
            #expect(order.lines.map(\.sku) == ["A-MILK"])
            // Only ACME's 10 are reserved; BETA's earlier-expiring lot is not touched.
            #expect(
                order.lines[0].reservations.map { Taken($0.lot, $0.location, $0.quantity) } == [Taken("LA", "A-01", 10)]
            )
            #expect(order.lines[0].shortfall == 2)
            let picked = try await store.pickOrder("SO-A", actor: clerk)
            #expect(picked.movements.map(\.sku) == ["A-MILK"])
            #expect(try await store.onHand("B-MILK", lot: "LB", at: "A-02") == 10)
            #expect(try await store.stock(item: ItemReference("B-MILK")).map(\.reserved) == [0])
            try await expectConsistent(store)
        }
    }

    @Test(
        "an order line naming another customer's item is refused naming the item and both customers; nothing is written"
    )
    func orderLineOfAnotherCustomer() async throws {
        try await withStore { store in
            try await seedTwoCustomers(store)
            try await store.addItem(
                ItemSpec(sku: "B-ONLY", name: "Beta only", gtins: ["04000000000013"], customer: "BETA")
            )
            let before = try await store.status()
            await #expect(throws: InventoryError.wrongCustomer(sku: "B-MILK", itemCustomer: "BETA", customer: "ACME")) {
                try await store.createOrder(
                    reference: "SO-X",
                    lines: [OrderLineRequest(item: ItemReference("B-MILK"), quantity: 1)],
                    actor: clerk,
                    customer: "ACME"
                )
            }
            // A GTIN that only another customer's item has.
            await #expect(throws: InventoryError.wrongCustomer(sku: "B-ONLY", itemCustomer: "BETA", customer: "ACME")) {
                try await store.createOrder(
                    reference: "SO-Y",
                    lines: [OrderLineRequest(item: ItemReference("04000000000013"), quantity: 1)],
                    actor: clerk,
                    customer: "ACME"
                )
            }
            // Without a customer the order is SITE's, and ACME's item is not SITE's.
            await #expect(throws: InventoryError.wrongCustomer(sku: "A-MILK", itemCustomer: "ACME", customer: "SITE")) {
                try await store.createOrder(
                    reference: "SO-Z",
                    lines: [OrderLineRequest(item: ItemReference("A-MILK"), quantity: 1)],
                    actor: clerk
                )
            }
            await #expect(throws: InventoryError.unknownOrder("SO-X")) { try await store.order("SO-X") }
            #expect(try await store.status().openOrders == before.openOrders)
        }
    }

    @Test("the schema itself refuses an order line of another customer's item")
    func schemaRefusesCrossCustomerLine() async throws {
        let fixture = try StoreFixture()
        defer { fixture.tearDown() }
        try await seedTwoCustomers(fixture.store)
        _ = try await fixture.store.createOrder(
            reference: "SO-A",
            lines: [OrderLineRequest(item: ItemReference("A-MILK"), quantity: 1)],
            actor: clerk,
            customer: "ACME"
        )
        #expect(throws: DatabaseError.self) {
            try fixture.store.writer.writeWithoutTransaction { db in
                try db.execute(
                    sql: """
                        INSERT INTO orderLine (orderId, lineNo, itemId, quantity)
                        SELECT o.id, 2, i.id, 1 FROM "order" o, item i WHERE o.reference = 'SO-A' AND i.sku = 'B-MILK'
                        """
                )
            }
        }
    }

    @Test("a receipt by a GTIN of several customers' items must name the customer; a SKU names its own")
    func receiptsByGTIN() async throws {
        try await withStore { store in
            try await seedTwoCustomers(store)
            await #expect(throws: InventoryError.itemAmbiguous(gtin: sharedGTIN, customers: ["ACME", "BETA"])) {
                _ = try await store.receive(
                    receipt(sharedGTIN, 1, at: "A-01", lot: "L", expiry: "2026-05-01", customer: nil),
                    actor: clerk
                )
            }
            let change = try await store.receive(
                receipt(sharedGTIN, 3, at: "A-01", lot: "L", expiry: "2026-05-01", customer: "BETA"),
                actor: clerk
            )
            #expect(change.movements.map(\.sku) == ["B-MILK"])
            await #expect(throws: InventoryError.wrongCustomer(sku: "A-MILK", itemCustomer: "ACME", customer: "BETA")) {
                _ = try await store.receive(
                    receipt("A-MILK", 1, at: "A-01", lot: "L", expiry: "2026-05-01", customer: "BETA"),
                    actor: clerk
                )
            }
            await #expect(throws: InventoryError.unknownCustomer("NOPE")) {
                _ = try await store.receive(
                    receipt(sharedGTIN, 1, at: "A-01", lot: "L", expiry: "2026-05-01", customer: "NOPE"),
                    actor: clerk
                )
            }
            // A GTIN of one item keeps working without a customer.
            try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt", gtins: ["04000000000013"]))
            #expect(
                try await store.receive(
                    ReceiveRequest(item: ItemReference("04000000000013"), quantity: 5, location: "A-02"),
                    actor: clerk
                ).movements.map(\.sku) == ["BOLT"]
            )
            try await expectConsistent(store)
        }
    }

    @Test("stock, lots, ledger and order list filter by customer; an unknown customer is an error naming it")
    func filters() async throws {
        try await withStore { store in
            try await seedTwoCustomers(store)
            _ = try await store.receive(
                receipt("A-MILK", 4, at: "A-01", lot: "LA", expiry: "2026-04-30", customer: nil),
                actor: clerk
            )
            _ = try await store.receive(
                receipt("B-MILK", 6, at: "A-02", lot: "LB", expiry: "2026-03-05", customer: nil),
                actor: clerk
            )
            _ = try await store.createOrder(
                reference: "SO-B",
                lines: [OrderLineRequest(item: ItemReference("B-MILK"), quantity: 1)],
                actor: clerk,
                customer: "BETA"
            )
            #expect(try await store.stock(customer: "ACME").map(\.sku) == ["A-MILK"])
            #expect(try await store.stock(item: ItemReference(sharedGTIN), customer: "BETA").map(\.quantity) == [6])
            #expect(try await store.lots(of: ItemReference(sharedGTIN), customer: "ACME").map(\.lot.code) == ["LA"])
            #expect(try await store.ledger(LedgerFilter(customer: "BETA")).map(\.sku) == ["B-MILK"])
            #expect(try await store.listOrders(OrderListFilter(customer: "BETA")).map(\.reference) == ["SO-B"])
            #expect(try await store.listOrders(OrderListFilter(customer: "ACME")).isEmpty)
            #expect(try await store.listOrders(OrderListFilter()).map(\.customer) == ["BETA"])
            await #expect(throws: InventoryError.unknownCustomer("NOPE")) { try await store.stock(customer: "NOPE") }
            await #expect(throws: InventoryError.unknownCustomer("NOPE")) {
                try await store.ledger(LedgerFilter(customer: "NOPE"))
            }
            await #expect(throws: InventoryError.unknownCustomer("NOPE")) {
                try await store.listOrders(OrderListFilter(customer: "NOPE"))
            }
        }
    }

    @Test("a token is 256 random bits shown once; only its SHA-256 is stored; revoked, it resolves to nothing")
    func tokens() async throws {
        let fixture = try StoreFixture()
        defer { fixture.tearDown() }
        let store = fixture.store
        try await store.addCustomer(code: "ACME", name: "Acme Foods")
        let issued = try await store.addCustomerToken(customer: "ACME")
        #expect(issued.secret.count == 43)
        #expect(issued.secret.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        let second = try await store.addCustomerToken(customer: "ACME")
        #expect(second.secret != issued.secret)
        let stored = try await store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT hash FROM customerToken ORDER BY id")
        }
        #expect(stored == [CustomerTokenSecret.hash(issued.secret), CustomerTokenSecret.hash(second.secret)])
        #expect(!stored.contains(issued.secret))
        #expect(try await store.customer(forToken: issued.secret).code == "ACME")
        await #expect(throws: InventoryError.unknownToken(nil)) { try await store.customer(forToken: "not-a-token") }
        #expect(try await store.customerTokens(customer: "ACME").map(\.id) == [issued.token.id, second.token.id])
        let revoked = try await store.revokeCustomerToken(id: issued.token.id)
        #expect(revoked.revokedAt == morning)
        await #expect(throws: InventoryError.unknownToken(nil)) { try await store.customer(forToken: issued.secret) }
        #expect(try await store.customer(forToken: second.secret).code == "ACME")
        await #expect(throws: InventoryError.unknownToken(999)) { try await store.revokeCustomerToken(id: 999) }
        await #expect(throws: InventoryError.unknownCustomer("NOPE")) {
            try await store.addCustomerToken(customer: "NOPE")
        }
    }

    @Test(
        "a keyed ledger with two customers' items of one GTIN verifies; an item moved to another customer behind depotd's back is named"
    )
    func keyedLedgerAttestsCustomers() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-customers-keyed")
        defer { directory.remove() }
        let path = directory.file("depot.sqlite")
        let key = try LedgerKey.create(path: directory.file("ledger.key"))
        do {
            let store = try InventoryStore(path: path, clock: .fixed(morning), ledgerKey: key)
            try await seedTwoCustomers(store)
            _ = try await store.receive(
                receipt(sharedGTIN, 2, at: "A-01", lot: "L", expiry: "2026-05-01", customer: "ACME"),
                actor: clerk
            )
            let report = try await store.verify()
            #expect(report.ok, "\(report)")
            try store.close()
        }
        let queue = try DatabaseQueue(path: path)
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "UPDATE item SET customerId = 1 WHERE sku = 'B-MILK'")
            try db.execute(
                sql: "UPDATE itemGTIN SET customerId = 1 WHERE itemId = (SELECT id FROM item WHERE sku = 'B-MILK')"
            )
        }
        try queue.close()
        let store = try InventoryStore(path: path, clock: .fixed(morning), ledgerKey: key)
        defer { try? store.close() }
        let tampered = try await store.verify()
        #expect(!tampered.ok)
        #expect(tampered.factMismatches.contains { $0.table == "item" }, "\(tampered.factMismatches)")
        #expect(tampered.factMismatches.contains { $0.table == "itemGTIN" }, "\(tampered.factMismatches)")
    }

    @Test(
        "a database from before customers migrates: its items and orders are SITE's, verify passes, a second customer may reuse a GTIN"
    )
    func migratedFromBeforeCustomers() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-precustomers")
        defer { directory.remove() }
        let path = directory.file("depot.sqlite")
        let key = try LedgerKey.create(path: directory.file("ledger.key"))
        do {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v1-core")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO item (sku, name, policy, lotTracked, expiryTracked) VALUES ('MILK', 'Milk', 'fifo', 0, 0);
                        INSERT INTO itemGTIN (gtin, itemId) VALUES ('\(sharedGTIN)', 1);
                        INSERT INTO location (code, kind) VALUES ('A-01', 'storage');
                        INSERT INTO movement (at, kind, itemId, toLocationId, quantity, actor)
                            VALUES ('2026-03-01 07:00:00.000', 'receive', 1, 1, 10, 'uid:0');
                        INSERT INTO stock (itemId, locationId, quantity, receivedAt) VALUES (1, 1, 10, '2026-03-01 07:00:00.000');
                        INSERT INTO "order" (reference, status, createdAt, actor) VALUES ('SO-OLD', 'open', '2026-03-01 07:30:00.000', 'uid:0');
                        INSERT INTO orderLine (orderId, lineNo, itemId, quantity) VALUES (1, 1, 1, 2);
                        """
                )
            }
            try Schema.migrator.migrate(queue, upTo: "v10-order-status")
            try queue.close()
        }
        let store = try InventoryStore(path: path, clock: .fixed(morning), ledgerKey: key, adoptUnkeyedLedger: true)
        defer { try? store.close() }
        let migrated = try await store.verify()
        #expect(migrated.ok, "\(migrated)")
        #expect(try await store.item(ItemReference(sharedGTIN)).customer == "SITE")
        #expect(try await store.order("SO-OLD").customer == "SITE")
        try await store.addCustomer(code: "ACME", name: "Acme Foods")
        try await store.addItem(ItemSpec(sku: "A-MILK", name: "Acme milk", gtins: [sharedGTIN], customer: "ACME"))
        #expect(try await store.item(ItemReference(sharedGTIN), customer: "SITE").sku == "MILK")
        let after = try await store.verify()
        #expect(after.ok, "\(after)")
    }

    @Test(
        "the default customer's rows keep the fact key and content they had before customers, so older facts still match"
    )
    func defaultCustomerFactsUnchanged() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-customers-facts")
        defer { directory.remove() }
        let key = try LedgerKey.create(path: directory.file("ledger.key"))
        let store = try InventoryStore(path: directory.file("depot.sqlite"), clock: .fixed(morning), ledgerKey: key)
        defer { try? store.close() }
        try await store.addItem(ItemSpec(sku: "MILK", name: "Milk", gtins: [sharedGTIN]))
        let (itemFact, plainItem, gtinKeys) = try await store.writer.read { db in
            (
                try String.fetchOne(
                    db,
                    sql: "SELECT content FROM ledgerFact WHERE subject = 'item' ORDER BY id DESC LIMIT 1"
                ),
                // The content as the fact triggers wrote it before migration v11-customers.
                try String.fetchOne(
                    db,
                    sql: """
                        SELECT json_object('sku', sku, 'name', name, 'policy', policy, 'lotTracked', lotTracked,
                            'expiryTracked', expiryTracked, 'minShelfLifeDays', minShelfLifeDays) FROM item
                        """
                ),
                try String.fetchAll(db, sql: "SELECT key FROM ledgerFact WHERE subject = 'itemGTIN'")
            )
        }
        #expect(itemFact != nil && itemFact == plainItem)
        #expect(gtinKeys == [sharedGTIN])
    }
}
