import Foundation
import TestSupport
import Testing

/// The built depotd driven by the built depotctl: stdout tables, --json, exit codes, errors.
@Suite(.serialized) struct CLITests {
    /// Items and locations of the MILK example (docs/allocation.md), today 2026-03-01.
    static func milk(_ daemon: DaemonProcess) throws {
        try expectOK(
            daemon.ctl("item", "add", "MILK", "--name", "Milk 1L", "--expiry-tracked", "--gtin", "4006381333931")
        )
        for code in ["A-01", "A-02", "A-03", "A-04"] {
            try expectOK(daemon.ctl("location", "add", code, "--kind", "storage"))
        }
        try expectOK(
            daemon.ctl(
                "receive",
                "--item",
                "MILK",
                "--qty",
                "5",
                "--location",
                "A-01",
                "--lot",
                "L1",
                "--expiry",
                "2026-03-10"
            )
        )
        try expectOK(
            daemon.ctl(
                "receive",
                "--item",
                "MILK",
                "--qty",
                "3",
                "--location",
                "A-02",
                "--lot",
                "L2",
                "--expiry",
                "2026-03-05"
            )
        )
        try expectOK(daemon.ctl("item", "update", "MILK", "--expiry-tracked", "false"))
        try expectOK(daemon.ctl("receive", "--item", "MILK", "--qty", "10", "--location", "A-03", "--lot", "L3"))
        try expectOK(
            daemon.ctl(
                "receive",
                "--item",
                "MILK",
                "--qty",
                "4",
                "--location",
                "A-04",
                "--lot",
                "L4",
                "--expiry",
                "2026-02-28",
                "--allow-expired"
            )
        )
    }

    @discardableResult
    static func expectOK(_ result: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) -> CommandResult {
        #expect(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        return result
    }

    static func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
    }

    @Test func milkFEFOPickThroughTheBinaries() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.milk(daemon)

        // Dry run with explanation: L2 then L1, L4 skipped as expired; nothing written.
        let before = try #require(try Self.json(daemon.ctl("status", "--json"))["ledgerPosition"] as? Int)
        let dry = Self.expectOK(try daemon.ctl("pick", "--item", "MILK", "--qty", "6", "--dry-run", "--explain"))
        let lines = dry.stdout.split(separator: "\n").map(String.init)
        let l2 = try #require(lines.firstIndex { $0.hasPrefix("L2 ") })
        let l1 = try #require(lines.firstIndex { $0.hasPrefix("L1 ") })
        #expect(l2 < l1)
        #expect(lines.contains { $0.hasPrefix("L4") && $0.contains("expired") })
        #expect(try Self.json(daemon.ctl("status", "--json"))["ledgerPosition"] as? Int == before)

        // The real pick, by GTIN-13, as JSON.
        let pick = try Self.json(Self.expectOK(daemon.ctl("pick", "--item", "4006381333931", "--qty", "6", "--json")))
        let plan = try #require(pick["plan"] as? [String: Any])
        let taken = (plan["lines"] as? [[String: Any]] ?? []).map { "\($0["lot"]!):\($0["quantity"]!)" }
        #expect(taken == ["L2:3", "L1:3"])
        #expect((pick["movements"] as? [Any])?.count == 2)

        // Short: requested 20, allocatable 12 now (L1 2 + L3 10), 4 excluded as expired.
        let short = try daemon.ctl("pick", "--item", "MILK", "--qty", "20")
        #expect(short.status == 1)
        #expect(short.stderr.contains("org.depot.inventory.AllocationShort"))
        #expect(short.stderr.contains("12 allocatable"))
        #expect(short.stderr.contains("4 expired"))

        let verify = Self.expectOK(try daemon.ctl("verify"))
        #expect(verify.stdout.contains("verify: ok"))
        #expect(daemon.stop() == 0)
    }

    @Test func theIssuesMILKCasesExactly() throws {
        for (arguments, expected) in [
            (["--qty", "6"], ["L2:3", "L1:3"]),
            (["--qty", "6", "--min-shelf-life", "7"], ["L1:5", "L3:1"]),
        ] {
            let daemon = try DaemonProcess()
            defer { daemon.cleanUp() }
            try daemon.start()
            try Self.milk(daemon)
            let pick = try Self.json(Self.expectOK(daemon.ctl(["pick", "--item", "MILK", "--json"] + arguments)))
            let lines = ((pick["plan"] as? [String: Any])?["lines"] as? [[String: Any]]) ?? []
            #expect(lines.map { "\($0["lot"]!):\($0["quantity"]!)" } == expected, "\(arguments)")
        }
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.milk(daemon)
        let short = try daemon.ctl("pick", "--item", "MILK", "--qty", "20", "--json")
        #expect(short.status == 1)
        #expect(short.stderr.contains("cannot allocate 20 of MILK: 18 allocatable; excluded: 4 expired"), "\(short)")
    }

    @Test func ordersReserveByTheRuleAndPick() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.milk(daemon)
        let created = try Self.json(Self.expectOK(daemon.ctl("order", "create", "SO-1", "--line", "MILK:6", "--json")))
        let line = try #require(((created["order"] as? [String: Any])?["lines"] as? [[String: Any]])?.first)
        #expect(line["reserved"] as? Int == 6)
        #expect(((line["reservations"] as? [[String: Any]]) ?? []).map { $0["lot"] as? String } == ["L2", "L1"])
        // Reserved stock is not allocatable to a plain pick: 18 - 6 = 12 left.
        let dry = try Self.json(
            Self.expectOK(daemon.ctl("pick", "--item", "MILK", "--qty", "12", "--dry-run", "--json"))
        )
        #expect((dry["plan"] as? [String: Any])?["allocatable"] as? Int == 12)
        let picked = Self.expectOK(try daemon.ctl("order", "pick", "SO-1"))
        #expect(picked.stdout.contains("order SO-1 picked"))
        let ledger = try Self.json(Self.expectOK(daemon.ctl("ledger", "--item", "MILK", "--json")))
        let picks = (ledger["movements"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "pick" }
        #expect(picks.map { $0["reference"] as? String } == ["SO-1", "SO-1"])
        let cancel = try daemon.ctl("order", "cancel", "SO-1")
        #expect(cancel.status == 1)
        #expect(cancel.stderr.contains("OrderClosed"))
        Self.expectOK(try daemon.ctl("verify"))
    }

    /// Each bad input: exit code, an error naming the field and value, and nothing written.
    @Test func badInputIsRefusedAndWritesNothing() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.milk(daemon)
        try Self.expectOK(daemon.ctl("location", "add", "Q-1", "--kind", "quarantine"))
        try Self.expectOK(daemon.ctl("item", "add", "WATER", "--name", "Water"))
        let position = try Self.json(daemon.ctl("status", "--json"))["ledgerPosition"] as? Int
        let stock = try daemon.ctl("stock", "--json").stdout

        let cases: [(arguments: [String], status: Int32, mentions: [String])] = [
            (["receive", "--item", "NOPE", "--qty", "1", "--location", "A-01"], 1, ["UnknownItem", "NOPE"]),
            (
                ["receive", "--item", "4006381333932", "--qty", "1", "--location", "A-01"], 1,
                ["gtin", "4006381333932", "check digit"]
            ),
            (["receive", "--item", "WATER", "--qty", "1", "--location", "Z-99"], 1, ["UnknownLocation", "Z-99"]),
            (
                ["move", "--item", "MILK", "--lot", "L9", "--from", "A-01", "--to", "A-02", "--qty", "1"], 1,
                ["UnknownLot", "L9"]
            ),
            (["receive", "--item", "WATER", "--qty", "0", "--location", "A-01"], 1, ["quantity", "\"0\""]),
            (
                ["receive", "--item", "WATER", "--qty", "9007199254740992", "--location", "A-01"], 1,
                ["quantity", "9007199254740992"]
            ),
            (["receive", "--item", "WATER", "--qty", "-4", "--location", "A-01"], 2, ["--qty"]),
            (["receive", "--item", "WATER", "--qty", "1.5", "--location", "A-01"], 2, ["1.5", "--qty"]),
            (["receive", "--item", "WATER", "--qty", "ten", "--location", "A-01"], 2, ["ten", "--qty"]),
            (
                [
                    "receive", "--item", "MILK", "--qty", "1", "--location", "A-01", "--lot", "L5", "--expiry",
                    "2026-02-30",
                ], 1,
                ["expiry", "2026-02-30"]
            ),
            (
                [
                    "receive", "--item", "MILK", "--qty", "1", "--location", "A-01", "--lot", "L5", "--expiry",
                    "10/03/2026",
                ], 1,
                ["expiry", "10/03/2026"]
            ),
            (
                [
                    "receive", "--item", "MILK", "--qty", "1", "--location", "A-01", "--lot", "L5", "--expiry",
                    "2026-04-01",
                    "--production", "2026-05-01",
                ], 1, ["expiry", "2026-04-01", "production"]
            ),
            (
                ["item", "add", "MILK2", "--name", "Other milk", "--gtin", "04006381333931"], 1,
                ["Duplicate", "04006381333931", "MILK"]
            ),
            (["item", "add", "MILK", "--name", "Again"], 1, ["Duplicate", "sku", "MILK"]),
            (
                ["move", "--item", "MILK", "--lot", "L1", "--from", "A-01", "--to", "A-02", "--qty", "6"], 1,
                ["InsufficientStock", "only 5"]
            ),
            (["receive", "--item", "WATER", "--qty", "1", "--location", "Q-1"], 1, ["QuarantineLocation", "Q-1"]),
            (
                [
                    "receive", "--item", "MILK", "--qty", "1", "--location", "A-01", "--lot", "L1", "--expiry",
                    "2026-03-11",
                ], 1,
                ["LotDateConflict", "2026-03-10", "2026-03-11"]
            ),
            (
                ["adjust", "--item", "MILK", "--lot", "L1", "--location", "A-01", "--delta", "0", "--reason", "x"], 1,
                ["delta", "\"0\""]
            ),
            (
                ["adjust", "--item", "MILK", "--lot", "L1", "--location", "A-01", "--delta=-1", "--reason", " "], 1,
                ["reason"]
            ),
            (["pick", "--item", "MILK", "--qty", "1", "--within", "NOWHERE"], 1, ["UnknownLocation", "NOWHERE"]),
            (["ledger", "--since", "yesterday"], 1, ["since"]),
            (["ledger", "--since", "2025-02-29T00:00:00Z"], 1, ["since", "2025-02-29"]),
            (
                [
                    "receive", "--item", "WATER", "--qty", "1", "--location", "A-01", "--received-at",
                    "2025-02-29T10:00:00Z",
                ], 1,
                ["receivedAt", "2025-02-29"]
            ),
            (["item", "add", "Cafe\u{301}", "--name", "Coffee"], 1, ["sku", "normal form C"]),
            (["item", "add", "DEPOT X", "--name", "Reserved"], 1, ["sku", "reserved for command barcodes"]),
            (
                ["item", "add", String(repeating: "e\u{301}", count: 40), "--name", "Long"], 1,
                ["InvalidValue", "sku", "1 to 64"]
            ),
            (["item", "add", "LONGNAME", "--name", String(repeating: "n", count: 201)], 1, ["name", "at most 200"]),
            (
                ["receive", "--item", "WATER", "--qty", "1", "--location", "A-01", "--reference", "DN\u{1B}[2J"], 1,
                ["reference", "control"]
            ),
            (["location", "add", "DEPOT LOC", "--kind", "storage"], 1, ["reserved for command barcodes"]),
            (["scan", "S\u{1B}1", "A-01"], 1, ["scanner", "control"]),
            (["count", "start", "--location", "A-01", "--max-percent", "nan"], 2, ["--max-percent"]),
        ]
        for bad in cases {
            let result = try daemon.ctl(bad.arguments)
            #expect(result.status == bad.status, "\(bad.arguments): \(result)")
            for word in bad.mentions {
                #expect(result.stderr.contains(word), "\(bad.arguments) should mention \(word): \(result.stderr)")
            }
        }
        #expect(try Self.json(daemon.ctl("status", "--json"))["ledgerPosition"] as? Int == position)
        #expect(try daemon.ctl("stock", "--json").stdout == stock)
        // The audit log names the error the caller got (docs/operations.md), never a Swift type.
        #expect(daemon.log.contains("call.outcome=org.depot.inventory.InsufficientStock"), "\(daemon.log.suffix(2000))")
        #expect(!daemon.log.contains("call.outcome=InventoryError"), "\(daemon.log.suffix(2000))")
        Self.expectOK(try daemon.ctl("verify"))
    }

    @Test func unreachableDaemonExitsWith3AndUsageWith2() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = try Command.run(
            BuiltProducts.executable("depotctl"),
            ["status", "--socket", directory.file("none.sock")]
        )
        #expect(missing.status == 3, "\(missing)")
        #expect(missing.stderr.contains("cannot reach depotd"))
        let usage = try Command.run(BuiltProducts.executable("depotctl"), ["pick", "--qty", "1"])
        #expect(usage.status == 2, "\(usage)")
        #expect(usage.stderr.contains("--item"))
        let help = try Command.run(BuiltProducts.executable("depotctl"), ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Exit codes"))
    }

    @Test func restartKeepsEverythingAndSigtermExitsCleanly() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.milk(daemon)
        let before = try daemon.ctl("stock", "--json").stdout
        #expect(daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath), "socket file removed on shutdown")
        try daemon.start()
        #expect(try daemon.ctl("stock", "--json").stdout == before)
        let mode = try FileManager.default.attributesOfItem(atPath: daemon.socketPath)[.posixPermissions] as? Int
        #expect(mode == 0o660)
        Self.expectOK(try daemon.ctl("verify"))
    }

    @Test func lotsExpiringAndLotStatus() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.milk(daemon)
        let lots = try Self.json(Self.expectOK(daemon.ctl("lots", "MILK", "--json")))
        let codes = (lots["lots"] as? [[String: Any]] ?? []).map { ($0["lot"] as? [String: Any])?["code"] as? String }
        #expect(codes == ["L2", "L1", "L3", "L4"])
        let expiring = try Self.json(Self.expectOK(daemon.ctl("expiring", "--days", "5", "--json")))
        #expect((expiring["lots"] as? [[String: Any]] ?? []).map { $0["lot"] as? String } == ["L4", "L2"])
        Self.expectOK(try daemon.ctl("lot", "quarantine", "MILK", "L2", "--reason", "damaged pallet"))
        let pick = try Self.json(
            Self.expectOK(daemon.ctl("pick", "--item", "MILK", "--qty", "6", "--dry-run", "--json"))
        )
        let lines = ((pick["plan"] as? [String: Any])?["lines"] as? [[String: Any]]) ?? []
        #expect(lines.map { "\($0["lot"]!):\($0["quantity"]!)" } == ["L1:5", "L3:1"])
        let ledger = try Self.json(daemon.ctl("ledger", "--lot", "L2", "--json"))
        #expect((ledger["movements"] as? [[String: Any]] ?? []).last?["kind"] as? String == "lot_status")
    }
}
