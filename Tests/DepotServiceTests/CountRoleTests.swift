import Foundation
import Inventory
import Logging
import TestSupport
import Testing
import Varlink

@testable import DepotService

/// org.depot.counts served in-process over a real Unix socket, with an admit gate that gives
/// every caller a fixed role in place of the peer rule: what each role sees of an open blind count, and which calls it may make.
@Suite struct CountRoleTests {
    /// Serves org.depot.counts with `role` admitted for every caller, runs `body` with a connection, then stops.
    static func withServer(
        store: InventoryStore,
        role: DepotRole,
        _ body: (VarlinkConnection) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory(prefix: "depot-roles")
        defer { directory.remove() }
        var service = VarlinkService(
            info: VarlinkServiceInfo(vendor: "depot", product: "test", version: "0", url: "-"),
            interfaces: [try CountInterface(store: store).makeInterface().interface]
        )
        service.mapError = ErrorMapping.map
        service.admit = { _ throws(VarlinkError) in role }
        let socket = directory.file("s.sock")
        let server = VarlinkServer(service: service, endpoint: .unixPath(socket), logger: Logger(label: "test"))
        let task = Task { try await server.run() }
        defer { task.cancel() }
        var connection: VarlinkConnection?
        for _ in 0..<200 where connection == nil {
            connection = try? await VarlinkConnection.connect(unixPath: socket)
            if connection == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let open = try #require(connection)
        try await body(open)
        await open.close()
    }

    static func blindCount() async throws -> (TemporaryDirectory, InventoryStore, Int64) {
        let directory = try TemporaryDirectory(prefix: "depot-roles-db")
        let store = try InventoryStore(
            path: directory.file("d.sqlite"),
            clock: .fixed(Date(timeIntervalSince1970: 1_772_352_000))
        )
        _ = try await store.addItem(ItemSpec(sku: "SOAP", name: "Soap"))
        _ = try await store.addLocation(Location(code: "A", kind: .storage))
        _ = try await store.receive(
            ReceiveRequest(item: ItemReference("SOAP"), quantity: 41, location: "A"),
            actor: "test"
        )
        let count = try await store.startCount(CountStartRequest(location: "A", blind: true), actor: "clerk")
        _ = try await store.recordCount(
            CountEntry(count: count.id, location: "A", item: ItemReference("SOAP"), quantity: 40),
            actor: "uid:1000"
        )
        return (directory, store, count.id)
    }

    @Test(arguments: [DepotRole.viewer, .operator, .clerk, .admin])
    func anOpenBlindCountShowsExpectationsOnlyToClerksAndAdmins(role: DepotRole) async throws {
        let (directory, store, id) = try await Self.blindCount()
        defer {
            try? store.close()
            directory.remove()
        }
        try await Self.withServer(store: store, role: role) { connection in
            let reply = try await connection.call("org.depot.counts.Show", ["count": id])
            let text = String(decoding: reply.parameters, as: UTF8.self)
            var line: VarlinkValue?
            if case let .object(object) = try reply.value(), case let .object(count)? = object["count"],
                case let .array(lines)? = count["lines"]
            {
                line = lines.first
            }
            guard case let .object(fields)? = line else {
                Issue.record("no line in \(text)")
                return
            }
            if role >= .clerk {
                #expect(fields["expected"] == .int(41) && fields["variance"] == .int(-1), "\(text)")
            } else {
                #expect(
                    fields["expected"] == nil && fields["expectedAtStart"] == nil && fields["variance"] == nil,
                    "\(text)"
                )
                #expect(!text.contains("41"), "\(text)")
                #expect(fields["counted"] == .int(40))
            }
        }
    }

    @Test(arguments: [DepotRole.viewer, .operator, .clerk, .admin])
    func eachMethodNeedsItsMinimumRole(role: DepotRole) async throws {
        let (directory, store, id) = try await Self.blindCount()
        defer {
            try? store.close()
            directory.remove()
        }
        try await Self.withServer(store: store, role: role) { connection in
            func allowed(_ method: String, _ parameters: [String: VarlinkValue]) async throws -> Bool {
                do {
                    _ = try await connection.call("org.depot.counts." + method, VarlinkValue.object(parameters))
                    return true
                } catch let error as VarlinkError where error.name == "org.varlink.service.PermissionDenied" {
                    return false
                } catch is VarlinkError {
                    return true  // got past the role check
                }
            }
            let show = try await allowed("Show", ["count": .int(id)])
            let due = try await allowed("Due", [:])
            let record = try await allowed(
                "Record",
                [
                    "count": .int(id), "location": .string("A"), "item": .string("SOAP"),
                    "quantity": .int(40),
                ]
            )
            let start = try await allowed("Start", ["location": .string("A")])
            let schedule = try await allowed("Schedule", ["location": .string("A"), "everyDays": .int(7)])
            let approve = try await allowed("Approve", ["count": .int(id)])
            let cancel = try await allowed("Cancel", ["count": .int(id)])
            #expect(show && due)
            #expect(record == (role >= .operator))
            #expect(start == (role >= .clerk) && schedule == (role >= .clerk))
            #expect(approve == (role >= .clerk) && cancel == (role >= .clerk))
        }
        // Nothing a refused call would have done happened.
        let session = try await store.count(id)
        #expect((session.status == .cancelled) == (role >= .clerk))
    }
}
