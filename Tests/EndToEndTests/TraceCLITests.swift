import Foundation
import TestSupport
import Testing

/// `depotctl trace` and `depotctl recall` through the built depotd and depotctl: a lot's receipts
/// (backward), the orders it was picked for (forward), what is left; a recall blocks every
/// balance of the lot at once and the allocation rule then passes it over (docs/workflows.md,
/// "Trace and recall").
@Suite(.serialized) struct TraceCLITests {
    /// MILK lots as in CLITests (L2 expires first, L4 is expired), a second receipt of L2 under a
    /// delivery note, and order SO-1 picked: FEFO takes L2.
    static func seed(_ daemon: DaemonProcess) throws {
        try CLITests.milk(daemon)
        CLITests.expectOK(
            try daemon.ctl(
                "receive",
                "--item",
                "MILK",
                "--qty",
                "6",
                "--location",
                "A-03",
                "--lot",
                "L2",
                "--expiry",
                "2026-03-05",
                "--reference",
                "DN-4711"
            )
        )
        CLITests.expectOK(try daemon.ctl("order", "create", "SO-1", "--line", "MILK:4"))
        CLITests.expectOK(try daemon.ctl("order", "pick", "SO-1"))
    }

    @Test func aTraceNamesTheReceiptsTheOrdersAndWhatIsLeft() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon)
        let trace = try CLITests.json(daemon.ctl("trace", "--item", "MILK", "--lot", "L2", "--json"))
        let cameFrom = try #require(trace["cameFrom"] as? [[String: Any]])
        #expect(cameFrom.map { $0["quantity"] as? Int } == [3, 6])
        #expect(cameFrom.map { $0["to"] as? String } == ["A-02", "A-03"])
        #expect(cameFrom.last?["reference"] as? String == "DN-4711")
        let wentTo = try #require(trace["wentTo"] as? [[String: Any]])
        #expect(wentTo.reduce(0) { $0 + ($1["quantity"] as? Int ?? 0) } == 4, "\(wentTo)")
        #expect(Set(wentTo.compactMap { $0["reference"] as? String }) == ["SO-1"])
        #expect(wentTo.allSatisfy { $0["orderStatus"] as? String == "picked" }, "\(wentTo)")
        #expect(trace["orders"] as? [String] == ["SO-1"])
        let remaining = try #require(trace["remaining"] as? [[String: Any]])
        #expect(
            remaining.reduce(0) { $0 + ($1["quantity"] as? Int ?? 0) } == 5,
            "3 + 6 received, 4 picked: \(remaining)"
        )

        let text = CLITests.expectOK(try daemon.ctl("trace", "--item", "MILK", "--lot", "L2")).stdout
        #expect(text.contains("Came from (receipts):") && text.contains("reference DN-4711"), "\(text)")
        #expect(text.contains("order SO-1 (picked)"), "\(text)")

        let csv = CLITests.expectOK(try daemon.ctl("trace", "--item", "MILK", "--lot", "L2", "--format", "csv")).stdout
        let rows = csv.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(
            rows.first?.map(String.init)
                == [
                    "event", "movement", "at", "sku", "lot", "quantity", "unit", "from", "to", "reference", "actor",
                    "reason", "order_status",
                ]
        )
        let events = rows.dropFirst().map { String($0[0]) }
        #expect(events.filter { $0 == "receiving" }.count == 2 && events.contains("shipping"), "\(csv)")
        let ids = rows.dropFirst().compactMap { Int($0[1]) }
        #expect(ids == ids.sorted() && ids.count == rows.count - 1, "ledger order: \(csv)")

        let unknown = try daemon.ctl("trace", "--item", "MILK", "--lot", "L9")
        #expect(unknown.status == 1 && unknown.stderr.contains("\"L9\""), "\(unknown)")
        let noItem = try daemon.ctl("trace", "--item", "NOPE", "--lot", "L1")
        #expect(noItem.status == 1 && noItem.stderr.contains("NOPE"), "\(noItem)")
    }

    @Test func aRecallBlocksEveryBalanceAndTheNextOrderPassesTheLotOver() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.seed(daemon)
        let empty = try daemon.ctl("recall", "--item", "MILK", "--lot", "L2", "--reason", " ")
        #expect(empty.status == 1 && empty.stderr.contains("--reason"), "\(empty)")
        let recall = CLITests.expectOK(
            try daemon.ctl("recall", "--item", "MILK", "--lot", "L2", "--reason", "supplier notice 2026-17")
        )
        // FEFO took all 3 at A-02 and 1 of the 6 at A-03 for SO-1.
        #expect(recall.stdout.contains("5 on hand blocked in 1 balance(s)"), "\(recall)")
        #expect(recall.stdout.contains("4 already picked for 1 order(s): SO-1"), "\(recall)")
        let stock = try CLITests.json(daemon.ctl("stock", "--item", "MILK", "--lot", "L2", "--json"))
        let balances = try #require(stock["balances"] as? [[String: Any]])
        #expect(balances.count == 1 && balances.allSatisfy { $0["lotStatus"] as? String == "blocked" }, "\(balances)")
        let status = try CLITests.json(daemon.ctl("ledger", "--item", "MILK", "--lot", "L2", "--json"))
        let reasons = (status["movements"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        #expect(reasons.contains { $0.hasSuffix("recall: supplier notice 2026-17") }, "\(reasons)")
        // The next order is served from other lots only.
        CLITests.expectOK(try daemon.ctl("order", "create", "SO-2", "--line", "MILK:2"))
        CLITests.expectOK(try daemon.ctl("order", "pick", "SO-2"))
        let after = try CLITests.json(daemon.ctl("trace", "--item", "MILK", "--lot", "L2", "--json"))
        #expect(after["orders"] as? [String] == ["SO-1"], "SO-2 never took the recalled lot")
        let verify = try daemon.ctl("verify")
        #expect(verify.status == 0, "\(verify)")
    }
}
