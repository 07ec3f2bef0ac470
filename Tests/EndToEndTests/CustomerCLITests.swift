import Foundation
import TestSupport
import Testing

/// Customers through the built depotd and depotctl (docs/workflows.md, "Customers"): the customer
/// commands, items and orders of a customer, receipts by a GTIN several customers' items have (on
/// the CLI and on the floor), the customer filters, tokens, and the refusals.
@Suite(.serialized) struct CustomerCLITests {
    /// A valid GTIN on one item of each of ACME and BETA.
    static let gtin = "4006381333931"

    @discardableResult
    static func expectOK(_ result: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) -> CommandResult {
        #expect(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        return result
    }

    static func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
    }

    /// One raw Varlink call through scripts/prod/rawcall.py (the reply's parameters as JSON on
    /// standard output; exit 1 and the error on an error reply).
    static func raw(_ daemon: DaemonProcess, _ method: String, _ parameters: String) throws -> CommandResult {
        try Command.run(
            "/usr/bin/env",
            ["python3", BuiltProducts.packageRoot + "/scripts/prod/rawcall.py", daemon.socketPath, method, parameters]
        )
    }

    /// Customers ACME and BETA, items A-MILK and B-MILK with GTIN ``gtin``, storage.
    static func twoCustomers(_ daemon: DaemonProcess) throws {
        Self.expectOK(try daemon.ctl("customer", "add", "ACME", "--name", "Acme Foods"))
        Self.expectOK(try daemon.ctl("customer", "add", "BETA", "--name", "Beta Dairy"))
        Self.expectOK(
            try daemon.ctl(
                "item",
                "add",
                "A-MILK",
                "--name",
                "Acme milk",
                "--policy",
                "fefo",
                "--gtin",
                gtin,
                "--customer",
                "ACME"
            )
        )
        Self.expectOK(
            try daemon.ctl(
                "item",
                "add",
                "B-MILK",
                "--name",
                "Beta milk",
                "--policy",
                "fefo",
                "--gtin",
                gtin,
                "--customer",
                "BETA"
            )
        )
        for code in ["A-01", "A-02"] { Self.expectOK(try daemon.ctl("location", "add", code, "--kind", "storage")) }
    }

    @Test func customerCommandsAndTheirRefusals() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let added = Self.expectOK(try daemon.ctl("customer", "add", "ACME", "--name", "Acme Foods"))
        #expect(added.stdout.contains("ACME  Acme Foods"), "\(added)")
        let list = Self.expectOK(try daemon.ctl("customer", "list"))
        #expect(list.stdout.contains("ACME") && list.stdout.contains("SITE  Site stock"), "\(list)")
        let shown = try Self.json(daemon.ctl("customer", "show", "ACME", "--json"))
        #expect((shown["customer"] as? [String: Any])?["name"] as? String == "Acme Foods")
        Self.expectOK(try daemon.ctl("customer", "update", "ACME", "--name", "Acme Foods Ltd"))
        #expect(try daemon.ctl("customer", "show", "ACME").stdout.contains("Acme Foods Ltd"))

        let duplicate = try daemon.ctl("customer", "add", "ACME", "--name", "Again")
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.contains("org.depot.inventory.Duplicate"), "\(duplicate)")
        #expect(duplicate.stderr.contains("ACME"), "\(duplicate)")
        let unknown = try daemon.ctl("customer", "show", "NOPE")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("org.depot.inventory.UnknownCustomer"), "\(unknown)")
        #expect(unknown.stderr.contains("no customer has code \"NOPE\""), "\(unknown)")
        let item = try daemon.ctl("item", "add", "X", "--name", "X", "--customer", "NOPE")
        #expect(item.status == 1)
        #expect(item.stderr.contains("no customer has code \"NOPE\""), "\(item)")
        let bad = try daemon.ctl("customer", "add", "DEPOT X", "--name", "Command")
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("InvalidValue") && bad.stderr.contains("customer"), "\(bad)")
        // A single-customer item table has no CUSTOMER column; one of ACME's has.
        Self.expectOK(try daemon.ctl("item", "add", "BOLT", "--name", "Bolt"))
        #expect(!(try daemon.ctl("item", "list").stdout.contains("CUSTOMER")))
        Self.expectOK(try daemon.ctl("item", "add", "A-BOLT", "--name", "Acme bolt", "--customer", "ACME"))
        let items = try daemon.ctl("item", "list")
        #expect(items.stdout.contains("CUSTOMER") && items.stdout.contains("ACME"), "\(items)")
    }

    @Test func ordersStayWithTheirCustomersStock() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.twoCustomers(daemon)
        let ambiguous = try daemon.ctl(
            "receive",
            "--item",
            Self.gtin,
            "--qty",
            "5",
            "--location",
            "A-01",
            "--lot",
            "LA",
            "--expiry",
            "2026-04-30"
        )
        #expect(ambiguous.status == 1)
        #expect(ambiguous.stderr.contains("org.depot.inventory.ItemAmbiguous"), "\(ambiguous)")
        #expect(ambiguous.stderr.contains("(ACME, BETA)"), "\(ambiguous)")
        Self.expectOK(
            try daemon.ctl(
                "receive",
                "--item",
                Self.gtin,
                "--qty",
                "5",
                "--location",
                "A-01",
                "--lot",
                "LA",
                "--expiry",
                "2026-04-30",
                "--customer",
                "ACME"
            )
        )
        // BETA's lot expires first: FEFO across customers would take it.
        Self.expectOK(
            try daemon.ctl(
                "receive",
                "--item",
                Self.gtin,
                "--qty",
                "5",
                "--location",
                "A-02",
                "--lot",
                "LB",
                "--expiry",
                "2026-03-05",
                "--customer",
                "BETA"
            )
        )
        let order = try Self.json(
            daemon.ctl("order", "add", "SO-A", "--customer", "ACME", "--line", "\(Self.gtin):3", "--json")
        )
        let created = try #require(order["order"] as? [String: Any])
        #expect(created["customer"] as? String == "ACME")
        let lines = created["lines"] as? [[String: Any]] ?? []
        #expect(lines.first?["sku"] as? String == "A-MILK")
        let reservations = lines.first?["reservations"] as? [[String: Any]] ?? []
        #expect(reservations.map { $0["lot"] as? String } == ["LA"], "\(created)")

        let wrong = try daemon.ctl("order", "create", "SO-X", "--customer", "ACME", "--line", "B-MILK:1")
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("org.depot.inventory.WrongCustomer"), "\(wrong)")
        #expect(wrong.stderr.contains("item B-MILK belongs to customer BETA, not to customer ACME"), "\(wrong)")
        #expect(try daemon.ctl("order", "show", "SO-X").status == 1)

        // Filters.
        let stock = try Self.json(daemon.ctl("stock", "--customer", "BETA", "--json"))
        #expect((stock["balances"] as? [[String: Any]])?.map { $0["sku"] as? String } == ["B-MILK"], "\(stock)")
        let ledger = try Self.json(daemon.ctl("ledger", "--customer", "ACME", "--json"))
        #expect((ledger["movements"] as? [[String: Any]])?.map { $0["sku"] as? String } == ["A-MILK"], "\(ledger)")
        let orders = try daemon.ctl("order", "list", "--customer", "BETA")
        #expect(orders.status == 0 && !orders.stdout.contains("SO-A"), "\(orders)")
        #expect(try daemon.ctl("order", "list", "--customer", "ACME").stdout.contains("SO-A"))
        let lots = try daemon.ctl("lots", Self.gtin, "--customer", "BETA")
        #expect(lots.status == 0 && lots.stdout.contains("LB") && !lots.stdout.contains("LA"), "\(lots)")
        let export = try daemon.ctl("export", "stock", "--customer", "ACME")
        #expect(
            export.status == 0 && export.stdout.contains("A-MILK") && !export.stdout.contains("B-MILK"),
            "\(export)"
        )
        for arguments in [
            ["stock", "--customer", "NOPE"], ["ledger", "--customer", "NOPE"], ["order", "list", "--customer", "NOPE"],
            ["export", "items", "--customer", "NOPE"],
        ] {
            let refused = try daemon.ctl(arguments)
            #expect(refused.status == 1, "\(arguments): \(refused)")
            #expect(refused.stderr.contains("no customer has code \"NOPE\""), "\(arguments): \(refused)")
        }
        let show = try daemon.ctl("item", "show", Self.gtin)
        #expect(show.status == 1 && show.stderr.contains("ItemAmbiguous"), "\(show)")
        #expect(try daemon.ctl("item", "show", Self.gtin, "--customer", "BETA").stdout.contains("B-MILK"))
        let report = try daemon.ctl(
            "report",
            "stock",
            "-o",
            daemon.directory.file("nope.pdf"),
            "--customer",
            "NOPE"
        )
        #expect(report.status == 1 && report.stderr.contains("no customer has code \"NOPE\""), "\(report)")
        let verify = try daemon.ctl("verify")
        #expect(verify.status == 0, "\(verify)")
    }

    @Test func anAmbiguousGTINOnTheFloorNeedsACustomerBarcode() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.twoCustomers(daemon)
        Self.expectOK(try daemon.ctl("scanner", "assign", "S1", "--mode", "receive", "--location", "A-01"))
        let carton = "0204006381333931172603101001<GS>3712"
        let refused = try daemon.ctl("scan", "S1", carton, "--aim", "]C1")
        #expect(refused.status == 1, "\(refused)")
        let said = refused.stdout + refused.stderr
        #expect(said.contains("on items of several customers (ACME, BETA)"), "\(refused)")
        #expect(said.contains("DEPOT CUSTOMER"), "\(refused)")
        let unknown = try daemon.ctl("scan", "S1", "DEPOT CUSTOMER NOPE")
        #expect(unknown.status == 1)
        #expect((unknown.stdout + unknown.stderr).contains("no customer has code \"NOPE\""), "\(unknown)")
        Self.expectOK(try daemon.ctl("scan", "S1", "DEPOT CUSTOMER BETA"))
        let received = Self.expectOK(try daemon.ctl("scan", "S1", carton, "--aim", "]C1"))
        #expect(received.stdout.contains("received 12 B-MILK lot 01 into A-01"), "\(received)")
        // The choice survives a restart.
        _ = daemon.stop()
        try daemon.start()
        let again = Self.expectOK(try daemon.ctl("scan", "S1", carton, "--aim", "]C1"))
        #expect(again.stdout.contains("B-MILK"), "\(again)")
        let stock = try Self.json(daemon.ctl("stock", "--item", "A-MILK", "--json"))
        #expect((stock["balances"] as? [[String: Any]])?.isEmpty == true, "\(stock)")
    }

    @Test func tokensAreShownOnceAndResolveUntilRevoked() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        Self.expectOK(try daemon.ctl("customer", "add", "ACME", "--name", "Acme Foods"))
        let issued = try Self.json(daemon.ctl("customer", "token", "add", "ACME", "--json"))
        let secret = try #require(issued["secret"] as? String)
        #expect(secret.count == 43)
        let id = try #require((issued["token"] as? [String: Any])?["id"] as? Int)
        let list = Self.expectOK(try daemon.ctl("customer", "token", "list", "ACME"))
        #expect(list.stdout.contains("\(id)") && !list.stdout.contains(secret), "\(list)")
        let resolved = try Self.json(
            Self.raw(daemon, "org.depot.inventory.ResolveCustomerToken", "{\"token\":\"\(secret)\"}")
        )
        #expect((resolved["customer"] as? [String: Any])?["code"] as? String == "ACME", "\(resolved)")
        Self.expectOK(try daemon.ctl("customer", "token", "revoke", "\(id)"))
        let refused = try Self.raw(daemon, "org.depot.inventory.ResolveCustomerToken", "{\"token\":\"\(secret)\"}")
        #expect(refused.status == 1)
        let answer = refused.stdout + refused.stderr
        #expect(answer.contains("UnknownToken") && !answer.contains(secret), "\(refused)")
        let unknown = try daemon.ctl("customer", "token", "add", "NOPE")
        #expect(unknown.status == 1 && unknown.stderr.contains("UnknownCustomer"), "\(unknown)")
    }
}
