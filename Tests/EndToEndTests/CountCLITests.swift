import Foundation
import TestSupport
import Testing

/// Stock counts through the built depotd and depotctl (docs/counts.md): tables, --json, exit
/// codes, the as-of rule, blind sessions seen by an operator (depotctl run as the unprivileged
/// user `nobody`, which the interim role rule makes an operator) and by an admin (root),
/// thresholds and recounts, cancel, --full and cycle counts.
@Suite(.serialized) struct CountCLITests {
    /// Zone Z with bins A and B; SOAP 20 at A, MILK lot L1 30 at B.
    static func warehouse(_ daemon: DaemonProcess) throws {
        try CLITests.expectOK(daemon.ctl("item", "add", "SOAP", "--name", "Soap"))
        try CLITests.expectOK(daemon.ctl("item", "add", "MILK", "--name", "Milk", "--lot-tracked"))
        try CLITests.expectOK(daemon.ctl("location", "add", "Z", "--kind", "storage"))
        try CLITests.expectOK(daemon.ctl("location", "add", "A", "--kind", "storage", "--parent", "Z"))
        try CLITests.expectOK(daemon.ctl("location", "add", "B", "--kind", "storage", "--parent", "Z"))
        try CLITests.expectOK(daemon.ctl("receive", "--item", "SOAP", "--qty", "20", "--location", "A"))
        try CLITests.expectOK(daemon.ctl("receive", "--item", "MILK", "--qty", "30", "--location", "B", "--lot", "L1"))
    }

    static func start(_ daemon: DaemonProcess, _ arguments: String...) throws -> String {
        let reply = try CLITests.json(CLITests.expectOK(daemon.ctl(["count", "start", "--json"] + arguments)))
        let count = try #require(reply["count"] as? [String: Any])
        return "\(try #require(count["id"] as? Int))"
    }

    static func onHand(_ daemon: DaemonProcess, _ sku: String, at location: String) throws -> Int {
        let reply = try CLITests.json(
            CLITests.expectOK(daemon.ctl("stock", "--item", sku, "--location", location, "--json"))
        )
        return (reply["balances"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["quantity"] as? Int ?? 0) }
    }

    /// `count start` of a blind count prints no expected total (not even to its starter, who may
    /// see expectations), only the lines to count; a non-blind start keeps its totals.
    @Test func aBlindCountStartPrintsNoExpectedTotal() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.warehouse(daemon)
        let blind = CLITests.expectOK(try daemon.ctl("count", "start", "--location", "A", "--blind")).stdout
        #expect(blind.contains("totals: 1 line, 0 counted, 1 uncounted; counted 0\n"), "\(blind)")
        #expect(!blind.contains("expected 0") && !blind.contains("variance"), "\(blind)")
        let open = CLITests.expectOK(try daemon.ctl("count", "start", "--location", "B")).stdout
        #expect(open.contains("totals: 1 line, 0 counted, 1 uncounted; counted 0, expected 0, variance 0"), "\(open)")
    }

    @Test func twoVariancesGiveTwoAdjustmentsAndNothingElse() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.warehouse(daemon)
        let id = try Self.start(daemon, "--location", "Z")
        try CLITests.expectOK(daemon.ctl("count", "record", id, "--location", "A", "--item", "SOAP", "--qty", "19"))
        try CLITests.expectOK(
            daemon.ctl("count", "record", id, "--location", "B", "--item", "MILK", "--lot", "L1", "--qty", "33")
        )
        try CLITests.expectOK(daemon.ctl("count", "submit", id))

        let show = CLITests.expectOK(try daemon.ctl("count", "show", id)).stdout
        let lines = show.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
        #expect(lines.contains("1 A SOAP - 20 20 19 -1 -5.0% counted 0 uid:0"), "\(show)")
        #expect(lines.contains("2 B MILK L1 30 30 33 +3 +10.0% counted 0 uid:0"), "\(show)")
        #expect(show.contains("variance +2 (absolute 4)"), "\(show)")

        let before = try #require(try CLITests.json(daemon.ctl("status", "--json"))["ledgerPosition"] as? Int)
        let approval = try CLITests.json(CLITests.expectOK(daemon.ctl("count", "approve", id, "--json")))
        let movements = approval["movements"] as? [[String: Any]] ?? []
        #expect(
            movements.map {
                "\($0["sku"]!) \($0["from"] ?? "-")>\($0["to"] ?? "-") \($0["quantity"]!) \($0["reason"]!)"
            }
                == ["SOAP A>- 1 count \(id)", "MILK ->B 3 count \(id)"]
        )
        #expect(
            movements.allSatisfy { $0["reference"] as? String == "count-\(id)" && $0["kind"] as? String == "adjust" }
        )
        #expect(try CLITests.json(daemon.ctl("status", "--json"))["ledgerPosition"] as? Int == before + 2)
        #expect(try Self.onHand(daemon, "SOAP", at: "A") == 19)
        #expect(try Self.onHand(daemon, "MILK", at: "B") == 33)
        #expect(CLITests.expectOK(try daemon.ctl("verify")).stdout.contains("verify: ok"))

        // Approving twice is refused with the count's own error.
        let again = try daemon.ctl("count", "approve", id)
        #expect(again.status == 1)
        #expect(again.stderr.contains("org.depot.counts.WrongStatus"), "\(again)")
    }

    @Test func onHandSevenCountedFiveThenThreePickedApprovesToTwo() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.warehouse(daemon)
        try CLITests.expectOK(daemon.ctl("pick", "--item", "SOAP", "--qty", "13"))  // 7 left at A
        let id = try Self.start(daemon, "--location", "A", "--max-percent", "50")
        try CLITests.expectOK(daemon.ctl("count", "record", id, "--location", "A", "--item", "SOAP", "--qty", "5"))
        try CLITests.expectOK(daemon.ctl("pick", "--item", "SOAP", "--qty", "3"))
        try CLITests.expectOK(daemon.ctl("count", "submit", id))
        let approval = try CLITests.json(CLITests.expectOK(daemon.ctl("count", "approve", id, "--json")))
        #expect((approval["movements"] as? [[String: Any]])?.map { $0["quantity"] as? Int } == [2])
        #expect(try Self.onHand(daemon, "SOAP", at: "A") == 2)
    }

    /// Runs depotctl as `nobody`, an operator through the daemon's configuration (see
    /// ``startWithNobodyAsOperator(_:)``).
    static func ctlAsOperator(_ daemon: DaemonProcess, _ arguments: [String]) throws -> CommandResult {
        try Command.run(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=65534", "--clear-groups",
                BuiltProducts.executable("depotctl"),
            ] + arguments,
            environment: ["DEPOT_SOCKET": daemon.socketPath]
        )
    }

    /// A depotd whose operators are group `nogroup` (so ``ctlAsOperator(_:_:)`` is an operator),
    /// with ``warehouse(_:)``, a location C outside Z holding `stockAtC` SOAP (none when nil), and
    /// a blind count of Z open. The caller cleans it up.
    static func blindCountOfZ(stockAtC: Int?) throws -> DaemonProcess {
        let daemon = try DaemonProcess()
        do {
            let config = daemon.directory.file("depotd.conf")
            try "[roles]\noperator = \"nogroup\"\n".write(toFile: config, atomically: true, encoding: .utf8)
            try daemon.start(extraArguments: ["--config", config])
            try warehouse(daemon)  // SOAP 20 at A, MILK L1 30 at B, both in Z
            try CLITests.expectOK(daemon.ctl("location", "add", "C", "--kind", "storage"))
            if let stockAtC {
                try CLITests.expectOK(
                    daemon.ctl("receive", "--item", "SOAP", "--qty", "\(stockAtC)", "--location", "C")
                )
            }
            chmod(daemon.directory.path, 0o755)
            chmod(daemon.socketPath, 0o666)
            _ = try start(daemon, "--location", "Z", "--blind")
            return daemon
        } catch {
            daemon.cleanUp()
            throw error
        }
    }

    /// Needs root and setpriv to run depotctl as `nobody` (see ``Prerequisite``).
    static let canRunAsNobody = Prerequisite.isRoot && Prerequisite.hasExecutable("/usr/bin/setpriv")

    @Test(.enabled(if: Prerequisite.runs(canRunAsNobody), "needs root and /usr/bin/setpriv to run depotctl as nobody"))
    func aBlindCountHidesExpectationsFromOperatorsUntilSubmitted() throws {
        try #require(Self.canRunAsNobody, "needs root and /usr/bin/setpriv to run depotctl as nobody")
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        // Roles come from groups (docs/operations.md): nobody's own group `nogroup` is made the
        // operator group, so the test needs no new users or groups.
        let config = daemon.directory.file("depotd.conf")
        try "[roles]\noperator = \"nogroup\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        try daemon.start(extraArguments: ["--config", config])
        try Self.warehouse(daemon)
        // Let the unprivileged user reach the socket (the test's temp dir is private).
        chmod(daemon.directory.path, 0o755)
        chmod(daemon.socketPath, 0o666)

        let id = try Self.start(daemon, "--location", "Z", "--blind", "--max-percent", "50")
        // The booked quantities are not in `depotctl stock` for the operator either, while uncounted.
        let stock = try Self.ctlAsOperator(daemon, ["stock", "--location", "Z", "--json"])
        #expect(stock.status == 0, "\(stock)")
        #expect(!stock.stdout.contains("20") && !stock.stdout.contains("30"), "\(stock)")
        let adminStock = CLITests.expectOK(try daemon.ctl("stock", "--location", "Z", "--json"))
        #expect(adminStock.stdout.contains("30"), "the admin sees all: \(adminStock)")
        let record = try Self.ctlAsOperator(
            daemon,
            ["count", "record", id, "--location", "A", "--item", "SOAP", "--qty", "17", "--json"]
        )
        #expect(record.status == 0, "\(record)")
        let show = try Self.ctlAsOperator(daemon, ["count", "show", id])
        let showJSON = try Self.ctlAsOperator(daemon, ["count", "show", id, "--json"])
        let text = try Self.ctlAsOperator(
            daemon,
            ["count", "record", id, "--location", "B", "--item", "MILK", "--qty", "29"]
        )
        for result in [record, show, showJSON, text] {
            #expect(result.status == 0, "\(result)")
            #expect(!result.stdout.contains("\"expected"), "\(result)")
            #expect(!result.stdout.contains("\"variance"), "\(result)")
            #expect(!result.stdout.contains(", expected ") && !result.stdout.contains("EXPECTED"), "\(result)")
        }
        #expect(show.stdout.contains("expected quantities hidden"), "\(show)")
        #expect(!show.stdout.contains("20") && !show.stdout.contains("30"), "\(show)")
        #expect(
            try CLITests.json(showJSON)["count"].flatMap { ($0 as? [String: Any])?["expectationsHidden"] as? Bool }
                == true
        )

        // The admin (root) sees everything while it is open.
        let admin = try CLITests.json(CLITests.expectOK(daemon.ctl("count", "show", id, "--json")))
        let adminLines = (admin["count"] as? [String: Any])?["lines"] as? [[String: Any]] ?? []
        #expect(adminLines.map { $0["expected"] as? Int } == [20, 30])
        #expect(adminLines.map { $0["countedBy"] as? String } == ["uid:65534", "uid:65534"])

        // Operators may not approve or start.
        let denied = try Self.ctlAsOperator(daemon, ["count", "approve", id])
        #expect(denied.status == 1 && denied.stderr.contains("org.varlink.service.PermissionDenied"), "\(denied)")
        let startDenied = try Self.ctlAsOperator(daemon, ["count", "start", "--location", "A"])
        #expect(startDenied.status == 1 && startDenied.stderr.contains("PermissionDenied"), "\(startDenied)")
        // The refusal names the call and the role it needs.
        #expect(
            startDenied.stderr.contains("org.depot.counts.Start needs the clerk role; the caller has operator"),
            "\(startDenied)"
        )

        // Once submitted, the operator sees expected quantities too.
        let submitted = try Self.ctlAsOperator(daemon, ["count", "submit", id])
        #expect(submitted.status == 0, "\(submitted)")
        let after =
            try CLITests.json(Self.ctlAsOperator(daemon, ["count", "show", id, "--json"]))["count"] as? [String: Any]
        #expect((after?["lines"] as? [[String: Any]])?.map { $0["expected"] as? Int } == [20, 30])
        let approval = try CLITests.json(CLITests.expectOK(daemon.ctl("count", "approve", id, "--json")))
        #expect((approval["movements"] as? [[String: Any]])?.map { $0["quantity"] as? Int } == [3, 1])
    }

    /// While a blind count of Z is open, an operator learns no booked quantity in Z from the
    /// replies of receive, move, order and dry-run pick, the ledger or the status; root (admin) does.
    @Test(.enabled(if: Prerequisite.runs(canRunAsNobody), "needs root and /usr/bin/setpriv to run depotctl as nobody"))
    func aBlindCountHidesBookFiguresFromOperatorsOnEveryPath() throws {
        try #require(Self.canRunAsNobody, "needs root and /usr/bin/setpriv to run depotctl as nobody")
        let daemon = try Self.blindCountOfZ(stockAtC: 5)
        defer { daemon.cleanUp() }
        func asOperator(_ arguments: String...) throws -> CommandResult {
            let result = try Self.ctlAsOperator(daemon, arguments)
            #expect(result.status == 0, "\(result)")
            return result
        }

        // Receive and move: the on-hand figure at A (21, then 23) is not in the reply.
        let received = try CLITests.json(
            asOperator("receive", "--item", "SOAP", "--qty", "1", "--location", "A", "--json")
        )
        #expect((received["balances"] as? [String: Int]) == [:], "\(received)")
        #expect((received["hiddenBalances"] as? [String]) == ["A"], "\(received)")
        let receivedText = try asOperator("receive", "--item", "SOAP", "--qty", "1", "--location", "A")
        #expect(receivedText.stdout.contains("A: on hand hidden (a blind count is open there)"), "\(receivedText)")
        #expect(!receivedText.stdout.contains("22"), "\(receivedText)")
        let moved = try CLITests.json(
            asOperator("move", "--item", "SOAP", "--qty", "2", "--from", "C", "--to", "A", "--json")
        )
        #expect((moved["balances"] as? [String: Int]) == ["C": 3], "\(moved)")
        #expect((moved["hiddenBalances"] as? [String]) == ["A"], "\(moved)")

        // A dry-run pick with its explanation: SOAP comes from C; A's 23 are not stated. MILK lies
        // only in Z: not enough allocatable, without a figure.
        let plan = try asOperator("pick", "--item", "SOAP", "--qty", "1", "--dry-run", "--explain")
        #expect(plan.stdout.contains("(3 allocatable outside blind counts)"), "\(plan)")
        #expect(!plan.stdout.contains("23") && !plan.stdout.contains(" A "), "\(plan)")
        let adminPlan = try CLITests.expectOK(
            daemon.ctl("pick", "--item", "SOAP", "--qty", "1", "--dry-run", "--explain")
        )
        #expect(adminPlan.stdout.contains("A         24   counting"), "the admin sees why A is skipped: \(adminPlan)")
        let short = try Self.ctlAsOperator(daemon, ["pick", "--item", "MILK", "--qty", "1", "--dry-run"])
        #expect(short.status == 1 && short.stderr.contains("not enough allocatable"), "\(short)")
        #expect(!short.stderr.contains("30"), "\(short)")

        // Orders: nothing under the count is reserved (its stock is not allocated), for anyone,
        // so neither the operator's nor the admin's line says anything of A.
        let created = try CLITests.json(asOperator("order", "create", "SO-1", "--line", "SOAP:30", "--json"))
        let shown = try CLITests.json(asOperator("order", "show", "SO-1", "--json"))
        let admin = try CLITests.json(CLITests.expectOK(daemon.ctl("order", "show", "SO-1", "--json")))
        for reply in [created, shown, admin] {
            let line = try #require(((reply["order"] as? [String: Any])?["lines"] as? [[String: Any]])?.first)
            #expect((line["reservations"] as? [[String: Any]])?.map { $0["location"] as? String } == ["C"], "\(line)")
            #expect(line["reserved"] as? Int == 3 && line["shortfall"] as? Int == 27, "\(line)")
            #expect(line["hiddenReservations"] == nil, "\(line)")
        }

        // The ledger says how many movements it leaves out; the status total leaves Z out.
        let ledger = try CLITests.json(asOperator("ledger", "--json"))
        let movements = ledger["movements"] as? [[String: Any]] ?? []
        #expect(movements.allSatisfy { $0["from"] as? String != "A" && $0["to"] as? String != "A" }, "\(ledger)")
        #expect(ledger["hiddenMovements"] as? Int == 5, "receipts at A and B, two more at A, the move: \(ledger)")
        let ledgerText = try asOperator("ledger")
        #expect(ledgerText.stdout.contains("5 movement(s) at locations under a blind count hidden"), "\(ledgerText)")
        #expect(try CLITests.json(asOperator("status", "--json"))["onHand"] as? Int == 3)
        #expect(try CLITests.json(CLITests.expectOK(daemon.ctl("status", "--json")))["onHand"] as? Int == 57)
    }

    /// `ledger --follow` as an operator while a blind count of Z is open: a movement at C (outside
    /// the count) arrives, one at A (inside) does not, though it comes between two that do.
    @Test(.enabled(if: Prerequisite.runs(canRunAsNobody), "needs root and /usr/bin/setpriv to run depotctl as nobody"))
    func aCountersLedgerFeedLeavesOutMovementsUnderABlindCount() throws {
        try #require(Self.canRunAsNobody, "needs root and /usr/bin/setpriv to run depotctl as nobody")
        let daemon = try Self.blindCountOfZ(stockAtC: nil)
        defer { daemon.cleanUp() }

        let feed = daemon.directory.file("feed.jsonl")
        let follower = try ChildProcess(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=65534", "--clear-groups", BuiltProducts.executable("depotctl"),
                "ledger", "--follow", "--json", "--limit", "1",
            ],
            environment: ["DEPOT_SOCKET": daemon.socketPath],
            standardOutput: .file(feed),
            standardError: .file(daemon.directory.file("feed.err"))
        )
        defer { follower.terminate() }
        func feedLines() -> [[String: Any]] {
            let text = (try? String(contentsOfFile: feed, encoding: .utf8)) ?? ""
            // The page is pretty-printed over many lines; each followed movement is one line.
            return text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        // The subscription starts after the first page: receive 1 at C until the feed shows one,
        // so it is known to be live before the receipt at A.
        var probes = 0
        while feedLines().isEmpty && probes < 60 {
            try CLITests.expectOK(daemon.ctl("receive", "--item", "SOAP", "--qty", "1", "--location", "C"))
            probes += 1
            usleep(250_000)
        }
        try #require(!feedLines().isEmpty, "the feed never delivered a receipt at C")
        try CLITests.expectOK(daemon.ctl("receive", "--item", "SOAP", "--qty", "11", "--location", "A"))
        try CLITests.expectOK(daemon.ctl("receive", "--item", "SOAP", "--qty", "13", "--location", "C"))
        for _ in 0..<400 where !feedLines().contains(where: { $0["quantity"] as? Int == 13 }) { usleep(50_000) }
        let delivered = feedLines()
        #expect(delivered.last?["quantity"] as? Int == 13, "\(delivered)")
        #expect(delivered.allSatisfy { $0["to"] as? String == "C" }, "\(delivered)")
        #expect(!delivered.contains { $0["quantity"] as? Int == 11 }, "\(delivered)")
        // The admin's ledger has both: the receipt at A was really written between the two.
        let admin = try CLITests.json(CLITests.expectOK(daemon.ctl("ledger", "--json", "--item", "SOAP")))
        let quantities = (admin["movements"] as? [[String: Any]])?.compactMap { $0["quantity"] as? Int }
        #expect(quantities?.suffix(2) == [11, 13], "\(admin)")
    }

    @Test func countingIntoAZoneIsRefusedWithTheWholeReason() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.warehouse(daemon)
        let id = try Self.start(daemon, "--location", "Z")
        let refused = try daemon.ctl("count", "record", id, "--location", "Z", "--item", "SOAP", "--qty", "4")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("Z is a zone (it holds A, B)"), "\(refused)")
        #expect(refused.stderr.contains("only storage and picking are allocatable"), "the reason is whole: \(refused)")
        #expect(!refused.stderr.contains("…"), "\(refused)")
        let show = try CLITests.json(CLITests.expectOK(daemon.ctl("count", "show", id, "--json")))
        #expect(((show["count"] as? [String: Any])?["lines"] as? [[String: Any]])?.count == 2, "no line at Z")
    }

    /// The counter of an injected scan is the caller (`uid:N`), not `scanner:ID`: with
    /// `--recount-by-other` the same person cannot recount through a scanner what they counted
    /// with `count record`, nor the reverse; someone else (nobody, an operator) can.
    @Test(.enabled(if: Prerequisite.runs(canRunAsNobody), "needs root and /usr/bin/setpriv to run depotctl as nobody"))
    func aRecountByOtherNeedsAnotherPersonWhateverThePath() throws {
        try #require(Self.canRunAsNobody, "needs root and /usr/bin/setpriv to run depotctl as nobody")
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        let config = daemon.directory.file("depotd.conf")
        try "[roles]\noperator = \"nogroup\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        try daemon.start(extraArguments: ["--config", config])
        try Self.warehouse(daemon)
        chmod(daemon.directory.path, 0o755)
        chmod(daemon.socketPath, 0o666)
        let sameCounter = "must be recounted by someone other than its first counter uid:0"

        // 1. root counts with depotctl, then recounts through an injected scan: refused.
        let first = try Self.start(daemon, "--location", "A", "--recount-by-other")
        try CLITests.expectOK(daemon.ctl("count", "record", first, "--location", "A", "--item", "SOAP", "--qty", "0"))
        try CLITests.expectOK(daemon.ctl("count", "recount", first, "--lines", "1"))
        for text in ["DEPOT COUNT \(first)", "A", "DEPOT QTY 35"] {
            let result = try daemon.ctl("scan", "C1", text)
            #expect(result.status == 0 && !result.stdout.contains("error"), "\(text): \(result)")
        }
        let scanned = try daemon.ctl("scan", "C1", "SOAP")
        #expect((scanned.stdout + scanned.stderr).contains(sameCounter), "\(scanned)")
        let line = try CLITests.json(CLITests.expectOK(daemon.ctl("count", "show", first, "--json")))
        #expect(
            ((line["count"] as? [String: Any])?["lines"] as? [[String: Any]])?.first?["counted"] == nil,
            "the recount was not recorded: \(line)"
        )
        // Someone else recounts through the same scanner: accepted, and named as the counter.
        try CLITests.expectOK(Self.ctlAsOperator(daemon, ["scan", "C1", "DEPOT QTY 20"]))
        let other = try Self.ctlAsOperator(daemon, ["scan", "C1", "SOAP"])
        #expect(other.status == 0 && other.stdout.contains("counted 20 SOAP"), "\(other)")
        let shown = try CLITests.json(CLITests.expectOK(daemon.ctl("count", "show", first, "--json")))
        let lines = (shown["count"] as? [String: Any])?["lines"] as? [[String: Any]]
        #expect(lines?.first?["countedBy"] as? String == "uid:65534", "\(shown)")

        // 2. root counts through an injected scan, then recounts with depotctl: refused.
        try CLITests.expectOK(daemon.ctl("count", "cancel", first))
        let second = try Self.start(daemon, "--location", "A", "--recount-by-other")
        for text in ["DEPOT COUNT \(second)", "A", "DEPOT QTY 7", "SOAP"] {
            let result = try daemon.ctl("scan", "C2", text)
            #expect(result.status == 0 && !result.stdout.contains("error"), "\(text): \(result)")
        }
        try CLITests.expectOK(daemon.ctl("count", "recount", second, "--lines", "1"))
        let typed = try daemon.ctl("count", "record", second, "--location", "A", "--item", "SOAP", "--qty", "20")
        #expect(typed.status == 1 && typed.stderr.contains(sameCounter), "\(typed)")
    }

    /// With --recount-by-other the agreement that settles a line is between two people: an
    /// operator counts 0, root 99, root 99 again — still a recount, and approve refuses.
    @Test(.enabled(if: Prerequisite.runs(canRunAsNobody), "needs root and /usr/bin/setpriv to run depotctl as nobody"))
    func aRecountByOtherIsNotSettledByOnePersonAgreeingWithThemselves() throws {
        try #require(Self.canRunAsNobody, "needs root and /usr/bin/setpriv to run depotctl as nobody")
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        let config = daemon.directory.file("depotd.conf")
        try "[roles]\noperator = \"nogroup\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        try daemon.start(extraArguments: ["--config", config])
        try Self.warehouse(daemon)
        chmod(daemon.directory.path, 0o755)
        chmod(daemon.socketPath, 0o666)
        let count = try Self.start(daemon, "--location", "A", "--recount-by-other")
        let record = ["count", "record", count, "--location", "A", "--item", "SOAP", "--qty"]
        try CLITests.expectOK(Self.ctlAsOperator(daemon, record + ["0"]))
        try CLITests.expectOK(Self.ctlAsOperator(daemon, ["count", "submit", count]))
        for _ in 0..<2 {
            try CLITests.expectOK(daemon.ctl("count", "recount", count, "--lines", "1"))
            try CLITests.expectOK(daemon.ctl(record + ["99"]))
            try CLITests.expectOK(daemon.ctl("count", "submit", count))
        }
        let approve = try daemon.ctl("count", "approve", count)
        #expect(approve.status != 0 && approve.stderr.contains("org.depot.counts.RecountRequired"), "\(approve)")
        #expect(try Self.onHand(daemon, "SOAP", at: "A") == 20)
    }

    @Test func aLineBeyondTheThresholdIsApprovedOnlyAfterARecount() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.warehouse(daemon)
        let id = try Self.start(daemon, "--location", "Z", "--max-units", "5", "--max-percent", "50")
        try CLITests.expectOK(daemon.ctl("count", "record", id, "--location", "A", "--item", "SOAP", "--qty", "12"))
        try CLITests.expectOK(daemon.ctl("count", "record", id, "--location", "B", "--item", "MILK", "--qty", "30"))
        try CLITests.expectOK(daemon.ctl("count", "submit", id))
        let show = CLITests.expectOK(try daemon.ctl("count", "show", id)).stdout
        #expect(show.contains("recount_required"), "\(show)")

        let refused = try daemon.ctl("count", "approve", id)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("org.depot.counts.RecountRequired"), "\(refused)")
        #expect(refused.stderr.contains("depotctl count recount \(id) --lines 1"), "\(refused)")
        #expect(try Self.onHand(daemon, "SOAP", at: "A") == 20)

        let bad = try daemon.ctl("count", "recount", id, "--lines", "1,x")
        #expect(bad.status == 2 && bad.stderr.contains("\"x\" is not a line number"), "\(bad)")
        try CLITests.expectOK(daemon.ctl("count", "recount", id, "--lines", "1"))
        try CLITests.expectOK(
            daemon.ctl("count", "record", id, "--location", "A", "--item", "SOAP", "--qty", "6", "--add")
        )
        try CLITests.expectOK(
            daemon.ctl("count", "record", id, "--location", "A", "--item", "SOAP", "--qty", "6", "--add")
        )
        try CLITests.expectOK(daemon.ctl("count", "submit", id))
        let approval = try CLITests.json(CLITests.expectOK(daemon.ctl("count", "approve", id, "--json")))
        #expect((approval["movements"] as? [[String: Any]])?.map { $0["quantity"] as? Int } == [8])
        #expect(try Self.onHand(daemon, "SOAP", at: "A") == 12)
    }

    @Test func cancelFullAndCycleCounts() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.warehouse(daemon)

        // Cancel: nothing posted.
        let cancelled = try Self.start(daemon, "--location", "Z")
        try CLITests.expectOK(
            daemon.ctl("count", "record", cancelled, "--location", "A", "--item", "SOAP", "--qty", "1")
        )
        let position = try CLITests.json(daemon.ctl("status", "--json"))["ledgerPosition"] as? Int
        #expect(CLITests.expectOK(try daemon.ctl("count", "cancel", cancelled)).stdout.contains("cancelled"))
        #expect(try CLITests.json(daemon.ctl("status", "--json"))["ledgerPosition"] as? Int == position)
        #expect(try Self.onHand(daemon, "SOAP", at: "A") == 20)

        // Schedules: both bins due (never counted).
        try CLITests.expectOK(daemon.ctl("count", "schedule", "A", "--every", "7"))
        try CLITests.expectOK(daemon.ctl("count", "schedule", "B", "--every", "14"))
        let due = CLITests.expectOK(try daemon.ctl("count", "due")).stdout
        #expect(due.contains("A ") && due.contains("B "), "\(due)")
        let usage = try daemon.ctl("count", "schedule", "A")
        #expect(usage.status == 2, "\(usage)")

        // A full count of Z counting only A: MILK at B counts as zero; both bins counted today.
        let full = try Self.start(daemon, "--location", "Z", "--full", "--max-units", "1000", "--max-percent", "1000")
        try CLITests.expectOK(daemon.ctl("count", "record", full, "--location", "A", "--item", "SOAP", "--qty", "20"))
        try CLITests.expectOK(daemon.ctl("count", "submit", full))
        let approval = try CLITests.json(CLITests.expectOK(daemon.ctl("count", "approve", full, "--json")))
        #expect(
            (approval["movements"] as? [[String: Any]])?.map { "\($0["from"] ?? "-") \($0["quantity"]!)" } == ["B 30"]
        )
        #expect(try Self.onHand(daemon, "MILK", at: "B") == 0)
        let dueAfter = try CLITests.json(CLITests.expectOK(daemon.ctl("count", "due", "--json")))
        #expect((dueAfter["locations"] as? [Any])?.isEmpty == true, "\(dueAfter)")

        let list = CLITests.expectOK(try daemon.ctl("count", "list")).stdout
        #expect(list.contains("approved") && list.contains("cancelled"), "\(list)")
        let unknown = try daemon.ctl("count", "show", "99")
        #expect(unknown.status == 1 && unknown.stderr.contains("no count has id 99"), "\(unknown)")
    }

    @Test func aNonFullCountListsUncountedLinesAsUnchanged() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.warehouse(daemon)
        let id = try Self.start(daemon, "--location", "Z")
        try CLITests.expectOK(daemon.ctl("count", "record", id, "--location", "A", "--item", "SOAP", "--qty", "20"))
        try CLITests.expectOK(daemon.ctl("count", "submit", id))
        let approval = CLITests.expectOK(try daemon.ctl("count", "approve", id)).stdout
        #expect(approval.contains("0 adjustments"), "\(approval)")
        #expect(approval.contains("left unchanged (not counted)"), "\(approval)")
        #expect(
            approval.split(separator: "\n").contains { $0.hasPrefix("2 ") && $0.contains("MILK") && $0.contains("L1") },
            "\(approval)"
        )
        #expect(try Self.onHand(daemon, "MILK", at: "B") == 30)
    }
}
