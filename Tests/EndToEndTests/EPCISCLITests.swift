import Foundation
import TestSupport
import Testing

/// `depotctl epcis export` and `depotctl epcis follow` against the real depotd (docs/epcis.md):
/// the document validates against GS1's EPCIS 2.0 JSON schema (../shared/data, read with Python's
/// `jsonschema` and its URI format check), its events add up to the ledger, and a broken document
/// does not validate.
@Suite(.serialized) struct EPCISCLITests {
    /// GS1's EPCIS 2.0 JSON schema beside the repository (../shared/data, never copied).
    static var schemaPath: String {
        var u = URL(fileURLWithPath: #filePath)
        while u.pathComponents.count > 1
            && !FileManager.default.fileExists(atPath: u.appendingPathComponent("Package.swift").path)
        {
            u.deleteLastPathComponent()
        }
        return u.deletingLastPathComponent().appendingPathComponent("shared/data/epcis-2.0-json-schema.json").path
    }

    /// Python 3 with `jsonschema` and `rfc3987` (scripts/deps/epcis.pip), and the schema file.
    static let canValidate: Bool =
        FileManager.default.fileExists(atPath: schemaPath)
        && (try? Command.run("/usr/bin/env", ["python3", "-c", "import jsonschema, rfc3987"]).status) == 0

    static let why =
        "needs ../shared/data/epcis-2.0-json-schema.json and python3 with jsonschema and rfc3987 (make deps)"

    /// Validates the JSON file at `path` against the schema: exit 0 valid, 1 with the first error.
    static func validate(_ path: String) throws -> CommandResult {
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            document = json.load(open(sys.argv[2]))
            validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
            errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
            for error in errors[:3]:
                print("invalid at", list(error.path), ":", error.message[:300])
            sys.exit(1 if errors else 0)
            """
        return try Command.run("/usr/bin/env", ["python3", "-c", script, schemaPath, path])
    }

    /// A receipt of two lots with dates, a move, an order's pick, a count adjustment and a block.
    static func floorDay(_ daemon: DaemonProcess) throws {
        try CLITests.expectOK(
            daemon.ctl(
                "item",
                "add",
                "MILK",
                "--name",
                "Milk 1L",
                "--expiry-tracked",
                "--lot-tracked",
                "--gtin",
                "4006381333931"
            )
        )
        try CLITests.expectOK(daemon.ctl("item", "add", "BOLT", "--name", "Bolt M6"))
        try CLITests.expectOK(daemon.ctl("location", "add", "DOCK", "--kind", "receiving"))
        try CLITests.expectOK(daemon.ctl("location", "add", "A-01", "--kind", "storage"))
        try CLITests.expectOK(
            daemon.ctl(
                "receive",
                "--item",
                "MILK",
                "--qty",
                "10",
                "--location",
                "DOCK",
                "--lot",
                "L1",
                "--expiry",
                "2026-06-30",
                "--best-before",
                "2026-06-15",
                "--reference",
                "DN-1"
            )
        )
        try CLITests.expectOK(
            daemon.ctl(
                "receive",
                "--item",
                "MILK",
                "--qty",
                "4",
                "--location",
                "A-01",
                "--lot",
                "L2",
                "--expiry",
                "2026-05-31"
            )
        )
        try CLITests.expectOK(daemon.ctl("receive", "--item", "BOLT", "--qty", "100", "--location", "A-01"))
        try CLITests.expectOK(
            daemon.ctl("move", "--item", "MILK", "--lot", "L1", "--from", "DOCK", "--to", "A-01", "--qty", "10")
        )
        try CLITests.expectOK(daemon.ctl("order", "create", "SO-1", "--line", "MILK:3"))
        try CLITests.expectOK(daemon.ctl("order", "pick", "SO-1"))
        try CLITests.expectOK(
            daemon.ctl("adjust", "--item", "BOLT", "--location", "A-01", "--delta=-2", "--reason", "counted 98")
        )
        try CLITests.expectOK(daemon.ctl("lot", "block", "MILK", "L2", "--reason", "damaged seal"))
    }

    @Test(.enabled(if: Prerequisite.runs(canValidate), Comment(rawValue: why)))
    func theExportValidatesAgainstTheEPCISSchemaAndAddsUpToTheLedger() throws {
        try #require(Self.canValidate, Comment(rawValue: Self.why))
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.floorDay(daemon)

        let file = daemon.directory.file("epcis.json")
        try CLITests.expectOK(daemon.ctl("epcis", "export", "-o", file))
        let valid = try Self.validate(file)
        #expect(valid.status == 0, "\(valid)")

        let document = try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
        )
        #expect(document["type"] as? String == "EPCISDocument")
        #expect(document["schemaVersion"] as? String == "2.0")
        let events = try #require((document["epcisBody"] as? [String: Any])?["eventList"] as? [[String: Any]])
        let ledger = try CLITests.json(CLITests.expectOK(daemon.ctl("ledger", "--json")))
        let movements = try #require(ledger["movements"] as? [[String: Any]])
        #expect(events.count == movements.count, "one event per ledger row")
        let kindSteps = ["receive": "receiving", "move": "storing", "pick": "picking", "adjust": "cycle_counting"]
        for (kind, step) in kindSteps {
            let ledgerSum = movements.filter { $0["kind"] as? String == kind }.compactMap { $0["quantity"] as? Int }
            let eventSum = events.filter { $0["bizStep"] as? String == step }.compactMap {
                ($0["quantityList"] as? [[String: Any]])?.first?["quantity"] as? Int
            }
            #expect(eventSum.count == ledgerSum.count, "\(kind)")
            #expect(eventSum.reduce(0, +) == ledgerSum.reduce(0, +), "\(kind)")
        }
        let first = try #require(events.first)
        #expect(first["action"] as? String == "ADD")
        #expect((first["ilmd"] as? [String: Any])?["cbvmda:itemExpirationDate"] as? String == "2026-06-30")
        #expect((first["ilmd"] as? [String: Any])?["cbvmda:bestBeforeDate"] as? String == "2026-06-15")
        #expect(
            (first["quantityList"] as? [[String: Any]])?.first?["epcClass"] as? String
                == "https://id.gs1.org/01/04006381333931/10/L1"
        )
        let pick = try #require(events.first { $0["bizStep"] as? String == "picking" })
        #expect((pick["bizTransactionList"] as? [[String: Any]])?.first?["type"] as? String == "po")
        let block = try #require(events.last)
        #expect(block["disposition"] as? String == "non_sellable_other")

        // The same export twice: the same event ids.
        let again = try CLITests.expectOK(daemon.ctl("epcis", "export"))
        let againDocument = try CLITests.json(again)
        let againEvents = (againDocument["epcisBody"] as? [String: Any])?["eventList"] as? [[String: Any]]
        #expect(againEvents?.compactMap { $0["eventID"] as? String } == events.compactMap { $0["eventID"] as? String })
        #expect(Set(events.compactMap { $0["eventID"] as? String }).count == events.count)

        // --since after every movement: a valid document without events.
        let later = try CLITests.json(
            CLITests.expectOK(daemon.ctl("epcis", "export", "--since", "2030-01-01T00:00:00Z"))
        )
        #expect(((later["epcisBody"] as? [String: Any])?["eventList"] as? [Any])?.isEmpty == true)
        let bad = try daemon.ctl("epcis", "export", "--since", "yesterday")
        #expect(bad.status == 1, "\(bad)")
        #expect(bad.stderr.contains("since"), "\(bad)")

        // A wrong bizStep does not validate: the check can fail.
        var broken = events
        broken[0]["bizStep"] = "receiving goods"
        var brokenDocument = document
        brokenDocument["epcisBody"] = ["eventList": broken]
        let brokenFile = daemon.directory.file("broken.json")
        try JSONSerialization.data(withJSONObject: brokenDocument).write(to: URL(fileURLWithPath: brokenFile))
        let refused = try Self.validate(brokenFile)
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout.contains("bizStep"), "\(refused)")
    }

    /// With `[epcis] site_gln` configured, locations are GLN extensions of the site and orders
    /// CBV's GLN-based business transactions, and the document still validates.
    @Test(.enabled(if: Prerequisite.runs(canValidate), Comment(rawValue: why)))
    func aSiteGLNGivesDigitalLinkLocations() throws {
        try #require(Self.canValidate, Comment(rawValue: Self.why))
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        let config = daemon.directory.file("depotd.conf")
        try "[epcis]\nsite_gln = \"4012345000009\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        try daemon.start(extraArguments: ["--config", config])
        try Self.floorDay(daemon)
        let file = daemon.directory.file("epcis.json")
        try CLITests.expectOK(daemon.ctl("epcis", "export", "-o", file))
        let valid = try Self.validate(file)
        #expect(valid.status == 0, "\(valid)")
        let document = try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
        )
        let events = try #require((document["epcisBody"] as? [String: Any])?["eventList"] as? [[String: Any]])
        #expect(
            (events.first?["readPoint"] as? [String: Any])?["id"] as? String
                == "https://id.gs1.org/414/4012345000009/254/DOCK"
        )
        let pick = try #require(events.first { $0["bizStep"] as? String == "picking" })
        #expect(
            (pick["bizTransactionList"] as? [[String: Any]])?.first?["bizTransaction"] as? String
                == "urn:epcglobal:cbv:bt:4012345000009:SO-1"
        )
        #expect(
            (events.last?["bizLocation"] as? [String: Any])?["id"] as? String == "https://id.gs1.org/414/4012345000009"
        )
    }

    /// 1,201 movements: more than one page (1,000 events) of `ExportEPCIS`; depotctl joins the
    /// pages into one valid document with every movement once, in ledger order.
    @Test(.enabled(if: Prerequisite.runs(canValidate), Comment(rawValue: why)))
    func aLedgerOfSeveralPagesIsOneDocument() throws {
        try #require(Self.canValidate, Comment(rawValue: Self.why))
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try CLITests.expectOK(daemon.ctl("item", "add", "SOAP", "--name", "Soap", "--gtin", "4006381333931"))
        var locations = "code,kind\n"
        var stock = "sku,location,quantity\n"
        for n in 0..<1200 {
            locations += "B-\(n),storage\n"
            stock += "SOAP,B-\(n),\(n + 1)\n"
        }
        CLITests.expectOK(try daemon.ctl("import", "locations", CSVCLITests.file(daemon, "locations.csv", locations)))
        CLITests.expectOK(try daemon.ctl("import", "stock", CSVCLITests.file(daemon, "stock.csv", stock)))
        CLITests.expectOK(try daemon.ctl("pick", "--item", "SOAP", "--qty", "1"))
        let file = daemon.directory.file("epcis.json")
        try CLITests.expectOK(daemon.ctl("epcis", "export", "-o", file))
        let valid = try Self.validate(file)
        #expect(valid.status == 0, "\(valid)")
        let document = try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
        )
        let events = try #require((document["epcisBody"] as? [String: Any])?["eventList"] as? [[String: Any]])
        #expect(events.count == 1201)
        #expect(Set(events.compactMap { $0["eventID"] as? String }).count == 1201)
        let quantities = events.compactMap { ($0["quantityList"] as? [[String: Any]])?.first?["quantity"] as? Int }
        #expect(Array(quantities.prefix(1200)) == Array(1...1200), "receipts in ledger order")
        #expect(events.last?["bizStep"] as? String == "picking")
    }

    /// `epcis follow` prints the event of a receipt committed while it follows, as one JSON line.
    @Test func followPrintsTheEventOfAReceiptCommittedWhileFollowing() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try CLITests.expectOK(daemon.ctl("item", "add", "BOLT", "--name", "Bolt M6"))
        try CLITests.expectOK(daemon.ctl("location", "add", "A-01", "--kind", "storage"))
        let feed = daemon.directory.file("feed.jsonl")
        let follower = try ChildProcess(
            BuiltProducts.executable("depotctl"),
            ["epcis", "follow"],
            environment: ["DEPOT_SOCKET": daemon.socketPath],
            standardOutput: .file(feed),
            standardError: .file(daemon.directory.file("feed.err"))
        )
        defer { follower.terminate() }
        func lines() -> [[String: Any]] {
            let text = (try? String(contentsOfFile: feed, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        // The follower subscribes after it starts: receive 1 until an event shows, so the feed is
        // known to be live before the receipt of 7.
        var probes = 0
        while lines().isEmpty && probes < 60 {
            try CLITests.expectOK(daemon.ctl("receive", "--item", "BOLT", "--qty", "1", "--location", "A-01"))
            probes += 1
            usleep(250_000)
        }
        try #require(!lines().isEmpty, "the feed never delivered an event")
        try CLITests.expectOK(daemon.ctl("receive", "--item", "BOLT", "--qty", "7", "--location", "A-01"))
        func quantity(_ event: [String: Any]) -> Int? {
            (event["quantityList"] as? [[String: Any]])?.first?["quantity"] as? Int
        }
        for _ in 0..<400 where !lines().contains(where: { quantity($0) == 7 }) { usleep(50_000) }
        let last = try #require(lines().last)
        #expect(quantity(last) == 7, "\(lines())")
        #expect(last["type"] as? String == "ObjectEvent")
        #expect(last["bizStep"] as? String == "receiving")
        #expect(last["@context"] != nil, "a line stands alone")
        #expect((last["quantityList"] as? [[String: Any]])?.first?["epcClass"] as? String == "urn:depot:sku:BOLT")
    }
}
