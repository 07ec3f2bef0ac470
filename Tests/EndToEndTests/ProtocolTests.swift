import Foundation
import TestSupport
import Testing
import Varlink

/// The real depotd over its real socket: concurrency, the ledger subscription, Python interop.
@Suite(.serialized) struct ProtocolTests {
    struct Empty: Codable, Sendable {}

    /// 16 clients pick the same item at once until nothing is left: every unit is picked
    /// exactly once, nothing goes negative, and verify passes.
    @Test func sixteenClientsPickingTheSameItem() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        _ = try daemon.ctl("item", "add", "BOLT", "--name", "Bolt M8", "--lot-tracked")
        var total: Int64 = 0
        for index in 1...8 {
            _ = try daemon.ctl("location", "add", "B-\(index)", "--kind", "storage")
            let result = try daemon.ctl(
                "receive",
                "--item",
                "BOLT",
                "--qty",
                "\(index * 5)",
                "--location",
                "B-\(index)",
                "--lot",
                "LOT\(index)"
            )
            #expect(result.status == 0, "\(result)")
            total += Int64(index * 5)
        }
        let socket = daemon.socketPath
        let picked = try await withThrowingTaskGroup(of: Int64.self) { group in
            for client in 0..<16 {
                group.addTask {
                    let connection = try await VarlinkConnection.connect(unixPath: socket)
                    var mine: Int64 = 0
                    let size = Int64(client % 3 + 1)
                    while true {
                        do {
                            let reply = try await connection.call(
                                "org.depot.inventory.Pick",
                                [
                                    "item": VarlinkValue.string("BOLT"), "quantity": .int(size),
                                    "allowPartial": .bool(true),
                                ]
                            )
                            let value = try reply.value()
                            guard case let .object(result) = value, case let .object(plan)? = result["plan"],
                                case let .int(allocated)? = plan["allocated"]
                            else { break }
                            if allocated == 0 { break }
                            mine += allocated
                        }
                    }
                    await connection.close()
                    return mine
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(picked == total)
        let status = try daemon.ctl("status", "--json")
        let json = try #require(JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(json["onHand"] as? Int == 0)
        let verify = try daemon.ctl("verify")
        #expect(verify.status == 0, "\(verify)")
    }

    /// Subscribe: the current position first, then each movement as it commits, in order.
    @Test func ledgerSubscriptionStreamsCommits() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        _ = try daemon.ctl("item", "add", "NUT", "--name", "Nut")
        _ = try daemon.ctl("location", "add", "N-1", "--kind", "storage")
        _ = try daemon.ctl("receive", "--item", "NUT", "--qty", "10", "--location", "N-1")
        let connection = try await VarlinkConnection.connect(unixPath: daemon.socketPath)
        let stream = connection.callMore("org.depot.inventory.Subscribe", Empty())
        var iterator = stream.makeAsyncIterator()
        let first = try #require(try await iterator.next()).value()
        #expect(first["position"] == .int(1))
        #expect(first["movement"] == nil || first["movement"] == .null)
        _ = try daemon.ctl("pick", "--item", "NUT", "--qty", "3")
        _ = try daemon.ctl("pick", "--item", "NUT", "--qty", "2")
        let second = try #require(try await iterator.next()).value()
        let third = try #require(try await iterator.next()).value()
        #expect(second["position"] == .int(2))
        #expect(third["position"] == .int(3))
        if case let .object(movement)? = third["movement"] {
            #expect(movement["quantity"] == .int(2))
            #expect(movement["kind"] == .string("pick"))
        } else {
            Issue.record("no movement in \(third)")
        }
        await connection.close()
    }

    static let pythonHasVarlink: Bool = {
        (try? Command.run("/usr/bin/env", ["python3", "-c", "import varlink"]).status) == 0
    }()

    /// The Python varlink package against the real depotd (GetInfo, GetInterfaceDescription,
    /// depot methods, a typed error). `make test` installs the package first.
    @Test(.enabled(if: pythonHasVarlink, "python3 cannot import varlink: run `make deps` (pip install varlink)"))
    func pythonVarlinkPeer() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let script = try #require(Bundle.module.path(forResource: "interop", ofType: "py", inDirectory: "python"))
        let result = try Command.run("/usr/bin/env", ["python3", script, "unix:" + daemon.socketPath])
        #expect(result.status == 0, "\(result)\n\(daemon.log)")
        #expect(result.stdout.contains("typed error ok: org.depot.inventory.UnknownItem"))
    }
}

extension VarlinkValue {
    subscript(key: String) -> VarlinkValue? {
        if case let .object(object) = self { return object[key] }
        return nil
    }
}
