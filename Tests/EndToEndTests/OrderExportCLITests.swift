import Foundation
import TestSupport
import Testing
import Varlink

/// `depotctl order list` through the built depotd and depotctl: filters, paging.
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
}
