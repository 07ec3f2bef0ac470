import Foundation
import TestSupport
import Testing

/// `depotctl import` and `depotctl export` through the built depotd and depotctl (docs/csv.md):
/// all or nothing, every problem listed, idempotent re-imports, BOM and RFC 4180 quoting, exports
/// read back with Python's csv module (an independent parser) and compared with `--json` replies,
/// the ledger paged, and the message limit.
@Suite(.serialized) struct CSVCLITests {
    /// Writes `text` to a file in the daemon's directory and returns its path.
    static func file(_ daemon: DaemonProcess, _ name: String, _ text: String, bom: Bool = false) throws -> String {
        let path = daemon.directory.file(name)
        var data = Data(bom ? [0xEF, 0xBB, 0xBF] : [])
        data.append(Data(text.utf8))
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The rows of a CSV file as Python's csv.DictReader reads them (utf-8-sig: a BOM is skipped).
    static func pythonRows(_ path: String) throws -> [[String: String]] {
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:
                print(json.dumps(list(csv.DictReader(f))))
            """
        let result = try Command.run("/usr/bin/env", ["python3", "-c", script, path])
        #expect(result.status == 0, "\(result)")
        return try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: String]])
    }

    static func ledgerPosition(_ daemon: DaemonProcess) throws -> Int {
        try #require(try CLITests.json(daemon.ctl("status", "--json"))["ledgerPosition"] as? Int)
    }

    /// 200 items, with GTINs computed with their check digit.
    static func itemsFile(count: Int) -> String {
        var text = "sku,name,gtin,lot_tracked,expiry_tracked,min_shelf_life\n"
        for n in 0..<count {
            let payload = String(format: "400638%06d", n)
            let digits = payload.compactMap { $0.wholeNumberValue }
            let sum = digits.reversed().enumerated().reduce(0) { $0 + $1.element * ($1.offset % 2 == 0 ? 3 : 1) }
            text += "SKU-\(n),Item \(n),\(payload)\((10 - sum % 10) % 10),\(n % 2 == 0),false,\(n % 5)\n"
        }
        return text
    }

    @Test func aGoodItemsFileImportsAndTheSameFileAgainChangesNothing() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let path = try Self.file(daemon, "items.csv", Self.itemsFile(count: 200))
        let first = CLITests.expectOK(try daemon.ctl("import", "items", path))
        #expect(first.stdout == "items: 200 rows: 200 added, 0 unchanged\n", "\(first)")
        let again = CLITests.expectOK(try daemon.ctl("import", "items", path))
        #expect(again.stdout == "items: 200 rows: 0 added, 200 unchanged\n", "\(again)")
        let items = try CLITests.json(daemon.ctl("item", "list", "--json"))["items"] as? [[String: Any]] ?? []
        #expect(items.count == 200)
        let item = try CLITests.json(daemon.ctl("item", "show", "SKU-7", "--json"))["item"] as? [String: Any]
        #expect(item?["minRemainingShelfLifeDays"] as? Int == 2)
        #expect(item?["lotTracked"] as? Bool == false)
    }

    @Test func aDryRunListsEveryBadRowAndColumnAndWritesNothing() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let path = try Self.file(
            daemon,
            "bad.csv",
            """
            sku,name,gtin,policy
            GOOD,Good,,
            BAD-GTIN,Bad GTIN,4006381333932,
            ,No SKU,,lifo
            "TWO
            LINES",x,,
            GOOD,Again,,



            """
        )
        let dry = try daemon.ctl("import", "items", path, "--dry-run")
        #expect(dry.status == 1, "\(dry)")
        #expect(
            dry.stderr == """
                row 3, column gtin: "4006381333932" is not valid: check digit should be 1
                row 4, column sku: a value is required
                row 4, column policy: "lifo" is not valid: must be one of fefo, fifo
                row 5, column sku: "TWO\\u{a}LINES" is not valid: contains the control or bidirectional-override character U+000A (a control character); remove it
                row 6, column sku: "GOOD" repeats the key of row 2
                error: 5 problems in 5 rows; nothing was written (org.depot.inventory.ImportRejected)

                """,
            "\(dry)"
        )
        #expect(dry.stdout.isEmpty)
        let items = try CLITests.json(daemon.ctl("item", "list", "--json"))["items"] as? [[String: Any]]
        #expect(items?.isEmpty == true)
        // An unknown column is named, with the columns the kind has.
        let header = try Self.file(daemon, "header.csv", "sku,name,colour\nA,B,red\n")
        let refused = try daemon.ctl("import", "items", header)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.hasPrefix(
                "row 1, column colour: unknown column; the columns of an items file are sku, name, gtin, policy, lot_tracked, expiry_tracked, min_shelf_life\n"
            ),
            "\(refused)"
        )
    }

    /// A quote that breaks RFC 4180's rule is refused with its line, before anything is read:
    /// a lenient reading would store another name than the file holds.
    @Test(arguments: [
        ("sku,name\nX1,Fine\nX3,\"Bad \"quote\" here\"\n", "line 3: a quoted field goes on after its closing quote"),
        ("sku,name\nX1,Fine\nX3,Bad \"quote\"\n", "line 3: a quote inside a field that does not start with one"),
        ("sku,name\nX1,\"Fine\"\nX3,\"unterminated\nX4,Other\n", "line 3: a quoted field is never closed"),
    ])
    func aBrokenQuoteIsRefusedWithItsLineAndNothingIsImported(text: String, problem: String) throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let path = try Self.file(daemon, "quotes.csv", text)
        let refused = try daemon.ctl("import", "items", path)
        #expect(refused.status == 1 && refused.stderr.contains(problem), "\(refused)")
        let items = try CLITests.json(daemon.ctl("item", "list", "--json"))["items"] as? [[String: Any]] ?? []
        #expect(items.isEmpty, "nothing imported: \(items)")
        // Quotes kept by the rule are read as written.
        let good = try Self.file(daemon, "good.csv", "sku,name\nX5,\"Say \"\"hi\"\", twice\"\r\n")
        CLITests.expectOK(try daemon.ctl("import", "items", good))
        let item = try CLITests.json(daemon.ctl("item", "show", "X5", "--json"))["item"] as? [String: Any]
        #expect(item?["name"] as? String == "Say \"hi\", twice")
    }

    @Test func aFileThatIsNotUTF8OrIsEmptyIsRefusedNamingIt() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let latin1 = daemon.directory.file("latin1.csv")
        // "è" as ISO 8859-1 (one byte 0xE8), not UTF-8.
        try Data([0x73, 0x6B, 0x75, 0x2C, 0x6E, 0x61, 0x6D, 0x65, 0x0A, 0x43, 0x2C, 0x43, 0x72, 0xE8, 0x6D, 0x65, 0x0A])
            .write(to: URL(fileURLWithPath: latin1))
        let refused = try daemon.ctl("import", "items", latin1)
        #expect(refused.status == 1)
        #expect(refused.stderr == "depotctl: \(latin1) is not UTF-8 text: save it as UTF-8 CSV\n", "\(refused)")
        let empty = try Self.file(daemon, "empty.csv", "")
        let none = try daemon.ctl("import", "locations", empty)
        #expect(none.status == 1)
        #expect(none.stderr == "depotctl: \(empty) is empty: it needs a header row\n", "\(none)")
        let missing = try daemon.ctl("import", "stock", daemon.directory.file("missing.csv"))
        #expect(missing.status == 1, "\(missing)")
        #expect(
            missing.stderr
                == "depotctl: cannot read \(daemon.directory.file("missing.csv")): No such file or directory\n",
            "the reason, not only the name: \(missing)"
        )
        let directory = try daemon.ctl("import", "stock", daemon.directory.path)
        #expect(directory.stderr == "depotctl: cannot read \(daemon.directory.path): Is a directory\n", "\(directory)")
    }

    /// An export that fails (here: an unknown item, refused by depotd after the header was known)
    /// writes nothing: no header alone on standard output, and with -o FILE the file is neither
    /// created nor replaced, and no temporary file is left beside it.
    @Test func aFailedExportWritesNothing() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        CLITests.expectOK(try daemon.ctl("item", "add", "SOAP", "--name", "Soap"))
        let failed = try daemon.ctl("export", "stock", "--item", "NOSUCH")
        #expect(failed.status == 1, "\(failed)")
        #expect(failed.stdout.isEmpty, "no header without rows: \(failed)")
        let directory = daemon.directory.file("exports")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let fresh = directory + "/stock.csv"
        #expect(try daemon.ctl("export", "stock", "--item", "NOSUCH", "-o", fresh).status == 1)
        #expect(!FileManager.default.fileExists(atPath: fresh), "no file from a failed export")
        let kept = directory + "/kept.csv"
        try "old content\n".write(toFile: kept, atomically: true, encoding: .utf8)
        #expect(try daemon.ctl("export", "stock", "--item", "NOSUCH", "-o", kept).status == 1)
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == "old content\n", "the old file stays")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory) == ["kept.csv"],
            "no temporary file left"
        )
        // A good export replaces the file whole, with the header; an empty stock is the header alone.
        CLITests.expectOK(try daemon.ctl("export", "stock", "-o", kept))
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == "sku,location,quantity,lot,expiry,received_at\r\n")
        let empty = CLITests.expectOK(try daemon.ctl("export", "stock"))
        #expect(empty.stdout == "sku,location,quantity,lot,expiry,received_at\r\n", "\(empty)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["kept.csv"])
    }

    /// A receipt time is read by depot's one instant syntax: an offset beyond ±14:00 is refused
    /// as on the command line, not stored as some other time.
    /// `depotctl ledger` without `--limit` shows one page of 1,000 movements; when the page is
    /// full it says so on standard error and names the `--after` of the next page, which shows
    /// the rest without the note.
    @Test func aFullLedgerPageSaysHowToGetTheNextOne() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try CLITests.expectOK(daemon.ctl("item", "add", "SOAP", "--name", "Soap"))
        try CLITests.expectOK(daemon.ctl("location", "add", "A-1", "--kind", "storage"))
        var text = "sku,location,quantity,lot\n"
        for n in 0..<1003 { text += "SOAP,A-1,1,L-\(n)\n" }
        try CLITests.expectOK(daemon.ctl("import", "stock", Self.file(daemon, "stock.csv", text)))
        let page = CLITests.expectOK(try daemon.ctl("ledger", "--json"))
        let movements = try CLITests.json(page)["movements"] as? [[String: Any]] ?? []
        #expect(movements.count == 1000)
        let last = try #require(movements.last?["id"] as? Int)
        #expect(page.stderr.contains("a full page of 1000 movements"), "\(page)")
        #expect(page.stderr.contains("--after \(last) for the next page"), "\(page)")
        let rest = CLITests.expectOK(try daemon.ctl("ledger", "--after", String(last), "--json"))
        #expect((try CLITests.json(rest)["movements"] as? [[String: Any]])?.count == 3)
        #expect(rest.stderr.isEmpty, "\(rest)")
        let asked = CLITests.expectOK(try daemon.ctl("ledger", "--limit", "1000", "--json"))
        #expect(asked.stderr.isEmpty, "an explicit --limit is what was asked for: \(asked)")
        // A page over Varlink is at most 10,000 movements (a bounded reply); beyond: refused.
        let tooMany = try daemon.ctl("ledger", "--limit", "10001")
        #expect(tooMany.status == 1 && tooMany.stderr.contains("limit \"10001\""), "\(tooMany)")
        #expect(tooMany.stderr.contains("must be 1 to 10000"), "\(tooMany)")
    }

    @Test(arguments: ["2026-03-01T20:00:00+15:00", "2026-03-01T08:00:00+14:01", "2026-03-01T08:00:00+99:59"])
    func aReceiptTimeWithAnOffsetBeyondFourteenHoursIsRefused(receivedAt: String) throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try CLITests.expectOK(daemon.ctl("item", "add", "SOAP", "--name", "Soap"))
        try CLITests.expectOK(daemon.ctl("location", "add", "A-1", "--kind", "storage"))
        let path = try Self.file(daemon, "stock.csv", "sku,location,quantity,received_at\nSOAP,A-1,1,\(receivedAt)\n")
        let result = try daemon.ctl("import", "stock", path)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("column received_at: \"\(receivedAt)\" is not valid"), "\(result)")
        #expect(try Self.ledgerPosition(daemon) == 0)
    }

    @Test func aRealRunWithOneBadRowWritesNothing() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try CLITests.expectOK(daemon.ctl("item", "add", "SOAP", "--name", "Soap"))
        var locations = "code,kind\n"
        var text = "sku,location,quantity,reference\n"
        for n in 0..<50 {
            locations += "A-\(n),storage\n"
            text += "SOAP,A-\(n),\(n == 37 ? "-3" : "1"),line \(n)\n"
        }
        CLITests.expectOK(try daemon.ctl("import", "locations", Self.file(daemon, "locations.csv", locations)))
        let path = try Self.file(daemon, "stock.csv", text)
        let result = try daemon.ctl("import", "stock", path)
        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr == """
                row 39, column quantity: "-3" is not valid: must be a whole number above 0
                error: 1 problem in 50 rows; nothing was written (org.depot.inventory.ImportRejected)

                """,
            "\(result)"
        )
        #expect(try Self.ledgerPosition(daemon) == 0)
        let stock = try CLITests.json(daemon.ctl("stock", "--json"))["balances"] as? [[String: Any]]
        #expect(stock?.isEmpty == true)
    }

    @Test func aBOMFileWithQuotedCommasAndQuotesRoundTripsThroughExportAndImport() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let items = try Self.file(
            daemon,
            "items.csv",
            "sku,name,gtin\r\nMILK,\"Milk, whole \"\"fresh\"\" 1 l\",4006381333931\r\nCREME,Crème brûlée,\r\n",
            bom: true
        )
        CLITests.expectOK(try daemon.ctl("import", "items", items))
        let locations = try Self.file(
            daemon,
            "locations.csv",
            "code,kind,parent,pick_priority\nA-01,storage,Z,1\nZ,storage,,\n"
        )
        // A child before its parent is refused; in the other order it imports.
        #expect(try daemon.ctl("import", "locations", locations).status == 1)
        let ordered = try Self.file(
            daemon,
            "ordered.csv",
            "code,kind,parent,pick_priority\nZ,storage,,\nA-01,storage,Z,1\n"
        )
        CLITests.expectOK(try daemon.ctl("import", "locations", ordered))
        let name = try CLITests.json(daemon.ctl("item", "show", "MILK", "--json"))["item"] as? [String: Any]
        #expect(name?["name"] as? String == "Milk, whole \"fresh\" 1 l")

        let exported = daemon.directory.file("items-export.csv")
        CLITests.expectOK(try daemon.ctl("export", "items", "-o", exported))
        let raw = try String(contentsOfFile: exported, encoding: .utf8)
        #expect(raw.contains("MILK,\"Milk, whole \"\"fresh\"\" 1 l\",04006381333931,fifo,false,false,0\r\n"), "\(raw)")
        let rows = try Self.pythonRows(exported)
        let listed = try CLITests.json(daemon.ctl("item", "list", "--json"))["items"] as? [[String: Any]] ?? []
        #expect(rows.map { $0["sku"] } == listed.map { $0["sku"] as? String })
        #expect(rows.map { $0["name"] } == listed.map { $0["name"] as? String })
        #expect(rows.map { $0["gtin"] } == listed.map { ($0["gtins"] as? [String])?.joined(separator: " ") })
        // The export imports again unchanged, and into a fresh depotd as the same items.
        let again = CLITests.expectOK(try daemon.ctl("import", "items", exported))
        #expect(again.stdout == "items: 2 rows: 0 added, 2 unchanged\n")
        let locationsExport = daemon.directory.file("locations-export.csv")
        CLITests.expectOK(try daemon.ctl("export", "locations", "-o", locationsExport))

        let other = try DaemonProcess()
        defer { other.cleanUp() }
        try other.start()
        CLITests.expectOK(try other.ctl("import", "items", exported))
        CLITests.expectOK(try other.ctl("import", "locations", locationsExport))
        let second = other.directory.file("items-export.csv")
        CLITests.expectOK(try other.ctl("export", "items", "-o", second))
        #expect(try Data(contentsOf: URL(fileURLWithPath: second)) == Data(contentsOf: URL(fileURLWithPath: exported)))
    }

    @Test func exportsOfStockAndLedgerMatchTheJSONReplies() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try CLITests.expectOK(daemon.ctl("item", "add", "MILK", "--name", "Milk", "--lot-tracked", "--expiry-tracked"))
        try CLITests.expectOK(daemon.ctl("item", "add", "SOAP", "--name", "Soap"))
        var locations = "code,kind\n"
        var stock = "sku,location,quantity,lot,expiry,reference\n"
        // 1,200 receipts: more than one page (1,000) of the ledger export.
        for n in 0..<600 {
            locations += "B-\(n),storage\n"
            // Lot L(n mod 7) has one expiry date on every row.
            stock += "MILK,B-\(n),\(n + 1),L\(n % 7),2026-0\(n % 7 + 3)-1\(n % 7),\"note, \"\"\(n)\"\"\"\n"
            stock += "SOAP,B-\(n),\(n + 2),,,\n"
        }
        CLITests.expectOK(try daemon.ctl("import", "locations", Self.file(daemon, "locations.csv", locations)))
        let imported = CLITests.expectOK(try daemon.ctl("import", "stock", Self.file(daemon, "stock.csv", stock)))
        #expect(imported.stdout == "stock: 1200 rows: 1200 added, 0 unchanged\n", "\(imported)")
        CLITests.expectOK(try daemon.ctl("pick", "--item", "SOAP", "--qty", "1"))

        // Stock: every balance, as `depotctl stock --json` lists it.
        let stockCSV = daemon.directory.file("stock-export.csv")
        CLITests.expectOK(try daemon.ctl("export", "stock", "-o", stockCSV))
        let rows = try Self.pythonRows(stockCSV)
        let balances = try CLITests.json(daemon.ctl("stock", "--json"))["balances"] as? [[String: Any]] ?? []
        #expect(rows.count == balances.count && rows.count == 1200)
        #expect(
            rows.map { [$0["sku"]!, $0["location"]!, $0["quantity"]!, $0["lot"]!, $0["expiry"]!, $0["received_at"]!] }
                == balances.map {
                    [
                        $0["sku"] as? String ?? "", $0["location"] as? String ?? "", "\($0["quantity"] as? Int ?? -1)",
                        $0["lot"] as? String ?? "", $0["expiry"] as? String ?? "", $0["receivedAt"] as? String ?? "",
                    ]
                }
        )
        #expect(rows.first?["received_at"] == "2026-03-01T08:00:00.000Z")
        let filtered = try Self.pythonRows(
            try { () throws -> String in
                let path = daemon.directory.file("one.csv")
                CLITests.expectOK(try daemon.ctl("export", "stock", "--item", "MILK", "--location", "B-3", "-o", path))
                return path
            }()
        )
        #expect(filtered.map { $0["quantity"] } == ["4"])
        // The stock export imports again: every balance unchanged.
        let reimport = CLITests.expectOK(try daemon.ctl("import", "stock", stockCSV))
        #expect(reimport.stdout == "stock: 1200 rows: 0 added, 1200 unchanged\n", "\(reimport)")

        // Ledger: 1,201 movements over two pages, equal to `depotctl ledger --json`.
        let ledgerCSV = daemon.directory.file("ledger.csv")
        CLITests.expectOK(try daemon.ctl("export", "ledger", "-o", ledgerCSV))
        let movements = try Self.pythonRows(ledgerCSV)
        let listed =
            try CLITests.json(daemon.ctl("ledger", "--json", "--limit", "5000"))["movements"] as? [[String: Any]] ?? []
        #expect(movements.count == 1201 && listed.count == 1201)
        #expect(
            movements.map {
                [
                    $0["id"]!, $0["at"]!, $0["kind"]!, $0["sku"]!, $0["lot"]!, $0["to"]!, $0["quantity"]!,
                    $0["reference"]!,
                ]
            }
                == listed.map {
                    [
                        "\($0["id"] as? Int ?? -1)", $0["at"] as? String ?? "", $0["kind"] as? String ?? "",
                        $0["sku"] as? String ?? "", $0["lot"] as? String ?? "", $0["to"] as? String ?? "",
                        "\($0["quantity"] as? Int ?? -1)", $0["reference"] as? String ?? "",
                    ]
                }
        )
        #expect(movements[0]["reference"] == "note, \"0\"")
        let json = CLITests.expectOK(try daemon.ctl("export", "ledger", "--format", "json", "--item", "SOAP"))
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == 601)
        let until = CLITests.expectOK(try daemon.ctl("export", "ledger", "--until", "2026-03-01T08:00:00Z"))
        #expect(until.stdout == "id,at,kind,sku,lot,from,to,quantity,actor,reference,reason\r\n")
    }

    @Test func rowsAreSentInPartsUnderTheMessageLimitAndATooLargeRowIsRefused() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        let config = daemon.directory.file("depotd.conf")
        try "[varlink]\nmax_message_bytes = 4096\n".write(toFile: config, atomically: true, encoding: .utf8)
        try daemon.start(extraArguments: ["--config", config])
        // 300 rows of about 40 bytes: far more than one 4 KiB message, imported in parts.
        let path = try Self.file(daemon, "items.csv", Self.itemsFile(count: 300))
        let result = CLITests.expectOK(try daemon.ctl("import", "items", path))
        #expect(result.stdout == "items: 300 rows: 300 added, 0 unchanged\n", "\(result)")
        // One row larger than a part may be: a clear error, nothing imported.
        let big = try Self.file(
            daemon,
            "big.csv",
            "sku,name\nFIRST,First\nHUGE,\(String(repeating: "x", count: 3000))\n"
        )
        let refused = try daemon.ctl("import", "items", big)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.hasPrefix(
                "depotctl: \(big): row 3 is about 3042 bytes as JSON; one call to depotd carries at most 1792 bytes of rows"
            ),
            "\(refused)"
        )
        let first = try daemon.ctl("item", "show", "FIRST")
        #expect(first.status == 1, "nothing of the file was imported: \(first)")
    }

    @Test(
        .enabled(
            if: Prerequisite.runs(CountCLITests.canRunAsNobody),
            "needs root and /usr/bin/setpriv to run depotctl as nobody"
        )
    )
    func anOperatorsExportStaysBlindAndAnOperatorCannotImport() throws {
        try #require(CountCLITests.canRunAsNobody, "needs root and /usr/bin/setpriv to run depotctl as nobody")
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        let config = daemon.directory.file("depotd.conf")
        try "[roles]\noperator = \"nogroup\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        try daemon.start(extraArguments: ["--config", config])
        try CountCLITests.warehouse(daemon)
        chmod(daemon.directory.path, 0o755)
        chmod(daemon.socketPath, 0o666)
        let stockFile = try Self.file(daemon, "stock.csv", "sku,location,quantity\nSOAP,B,4\n")
        chmod(stockFile, 0o644)
        let refused = try CountCLITests.ctlAsOperator(daemon, ["import", "stock", stockFile])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("needs the clerk role; the caller has operator"), "\(refused)")
        _ = try CountCLITests.start(daemon, "--location", "Z", "--blind")
        for kind in ["stock", "ledger"] {
            let open = CLITests.expectOK(try daemon.ctl("export", kind))
            #expect(open.stdout.contains(",20,") && open.stdout.contains(",30,"), "the admin sees all: \(open)")
            let blind = try CountCLITests.ctlAsOperator(daemon, ["export", kind])
            #expect(blind.status == 0, "\(blind)")
            #expect(!blind.stdout.contains(",20,") && !blind.stdout.contains(",30,"), "\(blind)")
            if kind == "ledger" {
                #expect(
                    blind.stderr == "depotctl: 2 movements are left out (an open blind count covers them)\n",
                    "\(blind)"
                )
            }
        }
    }

    @Test(
        .enabled(
            if: Prerequisite.runs(CountCLITests.canRunAsNobody),
            "needs root and /usr/bin/setpriv to run depotctl as nobody"
        )
    )
    func aClerkImportsStockButNotItemsOrLocations() throws {
        try #require(CountCLITests.canRunAsNobody, "needs root and /usr/bin/setpriv to run depotctl as nobody")
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        let config = daemon.directory.file("depotd.conf")
        try "[roles]\nclerk = \"nogroup\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        try daemon.start(extraArguments: ["--config", config])
        try CLITests.expectOK(daemon.ctl("item", "add", "SOAP", "--name", "Soap"))
        try CLITests.expectOK(daemon.ctl("location", "add", "A", "--kind", "storage"))
        chmod(daemon.directory.path, 0o755)
        chmod(daemon.socketPath, 0o666)
        let items = try Self.file(daemon, "items.csv", "sku,name\nBOLT,Bolt\n")
        let locations = try Self.file(daemon, "locations.csv", "code,kind\nB,storage\n")
        let stock = try Self.file(daemon, "stock.csv", "sku,location,quantity\nSOAP,A,4\n")
        for path in [items, locations, stock] { chmod(path, 0o644) }
        for (kind, path) in [("items", items), ("locations", locations)] {
            let refused = try CountCLITests.ctlAsOperator(daemon, ["import", kind, path])
            #expect(refused.status == 1, "\(refused)")
            #expect(
                refused.stderr.contains("BeginImport of \(kind) needs the admin role; the caller has clerk"),
                "\(refused)"
            )
        }
        let imported = try CountCLITests.ctlAsOperator(daemon, ["import", "stock", stock])
        #expect(imported.stdout == "stock: 1 row: 1 added, 0 unchanged\n", "\(imported)")
        let ledger = try CLITests.json(daemon.ctl("ledger", "--json"))["movements"] as? [[String: Any]]
        #expect(ledger?.map { $0["actor"] as? String } == ["uid:65534"])
    }

    /// docs/csv.md's "Worked example": its `csv file=NAME` blocks are the files, each `$ depotctl`
    /// line of its console block is run, and what it prints (stdout, then stderr; CRLF read as
    /// LF) must be the lines below it.
    @Test func theWorkedExampleOfDocsCSVRuns() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let doc = try String(contentsOf: repository.appendingPathComponent("docs/csv.md"), encoding: .utf8)
        let example = try #require(doc.components(separatedBy: "## Worked example").last)
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        var files: [String: String] = [:]
        var steps: [(command: [String], expected: String)] = []
        var block: (name: String?, lines: [String])? = nil
        for line in example.components(separatedBy: "\n") {
            if var current = block {
                if line == "```" {
                    if let name = current.name { files[name] = current.lines.joined(separator: "\n") + "\n" }
                    block = nil
                } else if current.name == nil, line.hasPrefix("$ depotctl ") {
                    steps.append((line.dropFirst("$ depotctl ".count).split(separator: " ").map(String.init), ""))
                } else if current.name == nil {
                    steps[steps.count - 1].expected += line + "\n"
                } else {
                    current.lines.append(line)
                    block = current
                }
            } else if line.hasPrefix("```csv file=") {
                block = (String(line.dropFirst("```csv file=".count)), [])
            } else if line == "```console" {
                block = (nil, [])
            }
        }
        #expect(
            files.count == 4 && steps.count == 9,
            "the example has its files and commands: \(files.keys), \(steps.count)"
        )
        for (name, text) in files { _ = try Self.file(daemon, name, text) }
        for step in steps {
            let arguments = step.command.map { files[$0] == nil ? $0 : daemon.directory.file($0) }
            let result = try daemon.ctl(arguments)
            let printed = (result.stdout + result.stderr).replacingOccurrences(of: "\r\n", with: "\n")
            #expect(printed == step.expected, "depotctl \(step.command.joined(separator: " "))")
        }
    }
}
