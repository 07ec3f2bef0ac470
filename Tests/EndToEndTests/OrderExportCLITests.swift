import Foundation
import TestSupport
import Testing
import Varlink

/// `depotctl order list` and the order, count and lot exports through the built depotd and
/// depotctl: filters, paging, CSV read back with Python's csv module and compared with the JSON
/// lines of the same export, blind counts kept blind, the formula guard (docs/csv.md, "Export").
@Suite(.serialized) struct OrderExportCLITests {
    /// MILK as in CLITests plus BOLT (no lots) with 100 at A-01.
    static func seed(_ daemon: DaemonProcess) throws {
        try CLITests.milk(daemon)
        try CLITests.expectOK(daemon.ctl("item", "add", "BOLT", "--name", "Bolt M6"))
        try CLITests.expectOK(daemon.ctl("receive", "--item", "BOLT", "--qty", "100", "--location", "A-01"))
    }

    @Test func orderListShowsEveryOrderWithItsTotalsAndFiltersByStatusAndInstant() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon)
        CLITests.expectOK(try daemon.ctl("order", "create", "SO-1", "--line", "MILK:2", "--line", "BOLT:10"))
        CLITests.expectOK(try daemon.ctl("order", "create", "SO-2", "--line", "BOLT:5"))
        CLITests.expectOK(try daemon.ctl("order", "pick", "SO-2"))
        CLITests.expectOK(try daemon.ctl("order", "create", "SO-3", "--line", "BOLT:1"))
        CLITests.expectOK(try daemon.ctl("order", "cancel", "SO-3"))

        let table = CLITests.expectOK(try daemon.ctl("order", "list"))
        let lines = table.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.first == ["REFERENCE", "STATUS", "LINES", "ORDERED", "PICKED", "CREATED"], "\(table)")
        #expect(
            Array(lines.dropFirst())
                == [
                    ["SO-1", "open", "2", "12", "0", "2026-03-01T08:00:00.000Z"],
                    ["SO-2", "picked", "1", "5", "5", "2026-03-01T08:00:00.000Z"],
                    ["SO-3", "cancelled", "1", "1", "0", "2026-03-01T08:00:00.000Z"],
                ],
            "\(table)"
        )

        let open = try CLITests.json(daemon.ctl("order", "list", "--status", "open", "--json"))
        let orders = try #require(open["orders"] as? [[String: Any]])
        #expect(orders.map { $0["reference"] as? String } == ["SO-1"])
        let orderLines = try #require(orders.first?["lines"] as? [[String: Any]])
        #expect(orderLines.map { $0["sku"] as? String } == ["MILK", "BOLT"])
        #expect(orderLines.map { $0["quantity"] as? Int } == [2, 10])

        // since is inclusive, until exclusive: depotd's clock is fixed at 08:00.
        let since = try CLITests.json(daemon.ctl("order", "list", "--since", "2026-03-01T08:00:00Z", "--json"))
        #expect((since["orders"] as? [Any])?.count == 3)
        let until = try CLITests.json(daemon.ctl("order", "list", "--until", "2026-03-01T08:00:00Z", "--json"))
        #expect((until["orders"] as? [Any])?.count == 0)

        let bad = try daemon.ctl("order", "list", "--since", "yesterday")
        #expect(bad.status == 1, "\(bad)")
        #expect(bad.stderr.contains("since") && bad.stderr.contains("yesterday"), "\(bad)")
        let badStatus = try daemon.ctl("order", "list", "--status", "shipped")
        #expect(badStatus.status != 0 && badStatus.stderr.contains("shipped"), "\(badStatus)")
    }

    @Test func orderListPagesThroughMoreOrdersThanOneCallReturns() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon)
        // 1,005 orders, more than one ListOrders page (1,000), created on one connection.
        let connection = try await VarlinkConnection.connect(unixPath: daemon.socketPath)
        for n in 1...1005 {
            let reply = try await connection.call(
                "org.depot.inventory.CreateOrder",
                [
                    "reference": VarlinkValue.string("P-\(n)"),
                    "lines": .array([.object(["item": .string("BOLT"), "quantity": .int(1)])]),
                ]
            )
            _ = try reply.value()
        }
        await connection.close()
        let all = try CLITests.json(daemon.ctl("order", "list", "--json"))
        let references = (all["orders"] as? [[String: Any]] ?? []).compactMap { $0["reference"] as? String }
        #expect(references == (1...1005).map { "P-\($0)" })
    }

    /// Runs `depotctl export KIND` as CSV (read back by Python's csv module) and as JSON lines.
    static func exportBoth(
        _ daemon: DaemonProcess,
        _ kind: String,
        _ options: [String] = [],
        ctl: (DaemonProcess, [String]) throws -> CommandResult = { try $0.ctl($1) }
    ) throws -> (csv: [[String: String]], json: [[String: Any]], raw: String) {
        // Standard output, then a file for Python: the caller may be a user who cannot write here.
        let csv = try ctl(daemon, ["export", kind] + options)
        #expect(csv.status == 0, "\(csv)")
        let path = daemon.directory.file("\(kind)-\(UUID().uuidString.prefix(8)).csv")
        try Data(csv.stdout.utf8).write(to: URL(fileURLWithPath: path))
        let json = try ctl(daemon, ["export", kind, "--format", "json"] + options)
        #expect(json.status == 0, "\(json)")
        let objects = try json.stdout.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        return (try CSVCLITests.pythonRows(path), objects, csv.stdout)
    }

    /// A JSON number or string as the CSV cell it is written as ("" for absent or null).
    static func text(_ value: Any?) -> String {
        switch value {
        case let number as NSNumber: return number.stringValue
        case let string as String: return string
        default: return ""
        }
    }

    /// The warehouse of ``seed(_:)`` with orders SO-1 (open) and SO-2 (picked) and an approved count
    /// of A-02 that found 1 of MILK L2's 3 (variance -2); returns the count's id.
    @discardableResult
    static func ordersAndACount(_ daemon: DaemonProcess) throws -> String {
        try seed(daemon)
        try CLITests.expectOK(daemon.ctl("order", "create", "SO-1", "--line", "MILK:2:5", "--line", "BOLT:10"))
        try CLITests.expectOK(daemon.ctl("order", "create", "SO-2", "--line", "BOLT:5"))
        try CLITests.expectOK(daemon.ctl("order", "pick", "SO-2"))
        let id = try CountCLITests.start(daemon, "--location", "A-02", "--item", "MILK", "--max-percent", "100")
        try CLITests.expectOK(
            daemon.ctl("count", "record", id, "--location", "A-02", "--item", "MILK", "--lot", "L2", "--qty", "1")
        )
        try CLITests.expectOK(daemon.ctl("count", "submit", id))
        try CLITests.expectOK(daemon.ctl("count", "approve", id))
        return id
    }

    @Test func ordersCountsAndLotsExportAsCSVWhoseRowsAreTheirJSONLines() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let id = try Self.ordersAndACount(daemon)

        let orders = try Self.exportBoth(daemon, "orders")
        #expect(orders.raw.hasPrefix("reference,status,created_at,line,sku,quantity,picked,min_shelf_life\r\n"))
        let orderRows = orders.json.flatMap { order in
            (order["lines"] as? [[String: Any]] ?? []).map { line in
                [
                    "reference": Self.text(order["reference"]), "status": Self.text(order["status"]),
                    "created_at": Self.text(order["createdAt"]), "line": Self.text(line["lineNo"]),
                    "sku": Self.text(line["sku"]), "quantity": Self.text(line["quantity"]),
                    "picked": Self.text(line["picked"]),
                    "min_shelf_life": Self.text(line["minRemainingShelfLifeDays"]),
                ]
            }
        }
        #expect(orders.csv == orderRows)
        #expect(orders.csv.map { $0["reference"]! + ":" + $0["line"]! } == ["SO-1:1", "SO-1:2", "SO-2:1"])
        #expect(orders.csv.map { $0["picked"]! } == ["0", "0", "5"])
        #expect(orders.csv.first?["min_shelf_life"] == "5")
        #expect(try Self.exportBoth(daemon, "orders", ["--status", "picked"]).csv.map { $0["reference"]! } == ["SO-2"])
        #expect(
            try Self.exportBoth(daemon, "orders", ["--until", "2026-03-01T08:00:00Z"]).raw
                == "reference,status,created_at,line,sku,quantity,picked,min_shelf_life\r\n"
        )

        let counts = try Self.exportBoth(daemon, "counts")
        #expect(counts.raw.hasPrefix("count,status,location,sku,lot,expected,counted,variance,approved_at\r\n"))
        let countRows = counts.json.flatMap { count in
            (count["lines"] as? [[String: Any]] ?? []).map { line in
                [
                    "count": Self.text(count["id"]), "status": Self.text(count["status"]),
                    "location": Self.text(line["location"]), "sku": Self.text(line["sku"]),
                    "lot": Self.text(line["lot"]), "expected": Self.text(line["expected"]),
                    "counted": Self.text(line["counted"]), "variance": Self.text(line["variance"]),
                    "approved_at": Self.text(count["closedAt"]),
                ]
            }
        }
        #expect(counts.csv == countRows)
        #expect(
            counts.csv == [
                [
                    "count": id, "status": "approved", "location": "A-02", "sku": "MILK", "lot": "L2",
                    "expected": "3", "counted": "1", "variance": "-2", "approved_at": "2026-03-01T08:00:00.000Z",
                ]
            ]
        )
        // The negative variance is a number in the file, not a guarded text cell.
        #expect(counts.raw.contains(",3,1,-2,2026-03-01T08:00:00.000Z\r\n"), "\(counts.raw)")

        let lots = try Self.exportBoth(daemon, "lots", ["--item", "MILK"])
        #expect(lots.raw.hasPrefix("sku,lot,expiry,status,on_hand,reserved,days_left\r\n"))
        let lotRows = lots.json.map { view in
            let lot = view["lot"] as? [String: Any] ?? [:]
            return [
                "sku": Self.text(lot["sku"]), "lot": Self.text(lot["code"]), "expiry": Self.text(lot["expiry"]),
                "status": Self.text(lot["status"]), "on_hand": Self.text(view["onHand"]),
                "reserved": Self.text(view["reserved"]), "days_left": Self.text(view["daysLeft"]),
            ]
        }
        #expect(lots.csv == lotRows)
        // depotd's today is 2026-03-01: L2 (expiry 2026-03-05, 1 left after the count) has 4 days.
        let l2 = lots.csv.first { $0["lot"] == "L2" }
        #expect(l2?["days_left"] == "4" && l2?["on_hand"] == "1", "\(lots.csv)")
        #expect(try Self.exportBoth(daemon, "lots", ["--status", "blocked"]).csv.isEmpty)
    }

    @Test(arguments: [
        (["orders", "--item", "MILK"], "--item is for the stock, ledger and lots exports, not orders"),
        (["counts", "--since", "2026-03-01T00:00:00Z"], "--since is for the ledger and orders exports, not counts"),
        (["lots", "--location", "A-01"], "--location is for the stock and ledger exports, not lots"),
        (["items", "--status", "open"], "--status is for the orders, counts and lots exports, not items"),
        (["orders", "--status", "approved"], "--status \"approved\" is not a status of orders"),
    ])
    func aFilterThatDoesNotApplyIsRefused(arguments: [String], message: String) throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        let result = try daemon.ctl(["export"] + arguments)
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
    }

    @Test(.enabled(if: Prerequisite.runs(CountCLITests.canRunAsNobody), "needs root and /usr/bin/setpriv"))
    func aBlindCountExportsNoExpectationsToAnOperator() throws {
        try #require(CountCLITests.canRunAsNobody, "needs root and /usr/bin/setpriv to run depotctl as nobody")
        let daemon = try CountCLITests.blindCountOfZ(stockAtC: nil)
        defer { daemon.cleanUp() }
        // The operator counts both lines (the count is the daemon's first, id 1).
        for arguments in [
            ["--location", "A", "--item", "SOAP", "--qty", "17"],
            ["--location", "B", "--item", "MILK", "--lot", "L1", "--qty", "30"],
        ] {
            let record = try CountCLITests.ctlAsOperator(daemon, ["count", "record", "1"] + arguments)
            #expect(record.status == 0, "\(record)")
        }
        let asOperator = try Self.exportBoth(daemon, "counts") { try CountCLITests.ctlAsOperator($0, $1) }
        #expect(asOperator.csv.map { $0["counted"] } == ["17", "30"], "\(asOperator.raw)")
        #expect(asOperator.csv.count == 2, "\(asOperator.raw)")
        #expect(asOperator.csv.allSatisfy { $0["expected"] == "" && $0["variance"] == "" }, "\(asOperator.raw)")
        #expect(asOperator.json.allSatisfy { $0["expectationsHidden"] as? Bool == true })
        let asAdmin = try Self.exportBoth(daemon, "counts")
        #expect(asAdmin.csv.map { $0["expected"] } == ["20", "30"], "\(asAdmin.raw)")
        #expect(asAdmin.csv.map { $0["variance"] } == ["-3", "0"], "\(asAdmin.raw)")
    }

    /// The formula guard: a name a spreadsheet would run is exported with a leading `'` and comes
    /// back as it was, in the same depotd (unchanged) and in a fresh one; a name that already
    /// starts with a quote comes back exactly too.
    @Test func aFormulaNameIsExportedAsTextAndImportsBackToTheOriginal() throws {
        let names = [
            "HYPER": #"=HYPERLINK("http://x","y")"#,
            "MINUS": "-2+3",
            "QUOTED": "'@home",
            "PLAIN": "'plain'",
        ]
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        for (sku, name) in names.sorted(by: { $0.key < $1.key }) {
            try CLITests.expectOK(daemon.ctl("item", "add", sku, "--name=\(name)"))
        }
        let path = daemon.directory.file("items.csv")
        CLITests.expectOK(try daemon.ctl("export", "items", "-o", path))
        let raw = try String(contentsOfFile: path, encoding: .utf8)
        #expect(raw.contains(#"HYPER,"'=HYPERLINK(""http://x"",""y"")",,fifo,false,false,0"#), "\(raw)")
        #expect(raw.contains("MINUS,'-2+3,"), "\(raw)")
        #expect(raw.contains("QUOTED,''@home,"), "\(raw)")
        #expect(raw.contains("PLAIN,'plain',"), "\(raw)")
        let rows = try CSVCLITests.pythonRows(path)
        #expect(rows.first { $0["sku"] == "HYPER" }?["name"] == #"'=HYPERLINK("http://x","y")"#)
        // Numeric cells are never guarded: min_shelf_life 0 stays 0.
        #expect(rows.allSatisfy { $0["min_shelf_life"] == "0" })

        let again = CLITests.expectOK(try daemon.ctl("import", "items", path))
        #expect(again.stdout == "items: 4 rows: 0 added, 4 unchanged\n", "\(again)")
        let fresh = try DaemonProcess()
        defer { fresh.cleanUp() }
        try fresh.start()
        CLITests.expectOK(try fresh.ctl("import", "items", path))
        for (sku, name) in names {
            let item = try CLITests.json(fresh.ctl("item", "show", sku, "--json"))["item"] as? [String: Any]
            #expect(item?["name"] as? String == name, "\(sku)")
        }
        // JSON lines are never guarded.
        let json = CLITests.expectOK(try daemon.ctl("export", "items", "--format", "json"))
        #expect(json.stdout.contains(#""name":"=HYPERLINK(\"http://x\",\"y\")""#), "\(json)")
    }

    /// `depotctl import orders`: the rows of one reference are its lines; the same file again
    /// changes nothing; a bad file lists every problem and writes no order.
    @Test func anOrdersFileImportsAsOrdersAllOrNothing() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon)
        let good = try CSVCLITests.file(
            daemon,
            "orders.csv",
            "reference,sku,quantity,min_shelf_life\nSO-10,MILK,2,5\nSO-11,BOLT,5,\nSO-10,BOLT,10,\n"
        )
        let dry = CLITests.expectOK(try daemon.ctl("import", "orders", good, "--dry-run"))
        #expect(dry.stdout == "orders: 3 rows: 3 to add, 0 unchanged (dry run: nothing written)\n", "\(dry)")
        let first = CLITests.expectOK(try daemon.ctl("import", "orders", good))
        #expect(first.stdout == "orders: 3 rows: 3 added, 0 unchanged\n", "\(first)")
        let order = try CLITests.json(daemon.ctl("order", "show", "SO-10", "--json"))["order"] as? [String: Any]
        let lines = order?["lines"] as? [[String: Any]] ?? []
        #expect(lines.map { $0["sku"] as? String } == ["MILK", "BOLT"])
        #expect(lines.map { $0["reserved"] as? Int } == [2, 10])
        #expect(lines.map { $0["minRemainingShelfLifeDays"] as? Int } == [5, 0])
        let again = CLITests.expectOK(try daemon.ctl("import", "orders", good))
        #expect(again.stdout == "orders: 3 rows: 0 added, 3 unchanged\n", "\(again)")

        let bad = try CSVCLITests.file(
            daemon,
            "bad-orders.csv",
            "reference,sku,quantity,min_shelf_life\nSO-12,BOLT,1\nSO-12,NOSUCH,1\nSO-13,BOLT,ten\nSO-10,MILK,3,5\nSO-10,BOLT,10\nSO-10,BOLT,1\n"
        )
        let refused = try daemon.ctl("import", "orders", bad)
        #expect(refused.status == 1, "\(refused)")
        #expect(
            refused.stderr == """
                row 3, column sku: "NOSUCH" is not an item's SKU or GTIN (import the items first)
                row 4, column quantity: "ten" is not valid: must be a whole number of base units
                row 5, column quantity: "3" differs from line 1 of existing order SO-10, 2
                row 7, column reference: "SO-10" is an existing order with 2 lines, and this row would be line 3: an import never changes an order
                error: 4 problems in 6 rows; nothing was written (org.depot.inventory.ImportRejected)

                """,
            "\(refused)"
        )
        let listed = try CLITests.json(daemon.ctl("order", "list", "--json"))["orders"] as? [[String: Any]]
        #expect(listed?.map { $0["reference"] as? String } == ["SO-10", "SO-11"])
    }
}
