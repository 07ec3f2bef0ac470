import DepotAPI
import Foundation
import Inventory
import Varlink

/// The handlers of `org.depot.inventory` (Sources/DepotAPI/Interfaces/org.depot.inventory.varlink),
/// each one engine operation. Parameters are decoded with depot's wire format
/// (``DepotAPI/makeDecoder()``); a malformed value becomes `org.depot.inventory.InvalidValue`
/// or `org.varlink.service.InvalidParameter` naming the parameter.
struct InventoryInterface: Sendable {
    let store: InventoryStore
    /// Decides each caller's role: `Stock` hides open blind counts from callers below clerk.
    var role: DepotRoleResolver = { _ in .viewer }

    /// The interface with each method's minimum role (docs/operations.md, "Roles"): reads are
    /// viewer; receive, move, pick and order work are operator; adjustments, lot status and
    /// verify (a full scan) are clerk; items and locations are admin.
    func makeInterface() throws -> GuardedInterface {
        try GuardedInterface(description: DepotAPI.inventoryDescription, methods: [
            "AddItem": (.admin, handle(ItemSpec.self) { spec, _ in ["item": try await store.addItem(spec)] }),
            "UpdateItem": (.admin, handle(UpdateItemParameters.self) { p, _ in
                ["item": try await store.updateItem(p.item, p.update)]
            }),
            "GetItem": (.viewer, handle(ItemParameter.self) { p, _ in ["item": try await store.item(p.item)] }),
            "ListItems": (.viewer, handle(Empty.self) { _, _ in ["items": try await store.items()] }),
            "AddLocation": (.admin, handle(LocationParameters.self) { p, _ in
                ["location": try await store.addLocation(
                    Location(code: p.code, kind: p.kind, parent: p.parent, pickPriority: p.pickPriority ?? 0, gln: p.gln))]
            }),
            "UpdateLocation": (.admin, handle(UpdateLocationParameters.self) { p, _ in
                ["location": try await store.updateLocation(
                    p.code, LocationUpdate(kind: p.kind, parent: p.parent, pickPriority: p.pickPriority, gln: p.gln))]
            }),
            "GetLocation": (.viewer, handle(CodeParameter.self) { p, _ in ["location": try await store.location(p.code)] }),
            "ListLocations": (.viewer, handle(Empty.self) { _, _ in ["locations": try await store.locations()] }),
            "Receive": (.operator, handle(ReceiveRequest.self) { request, actor in try await store.receive(request, actor: actor) }),
            "Move": (.operator, handle(MoveRequest.self) { request, actor in try await store.move(request, actor: actor) }),
            "Pick": (.operator, handle(PickRequest.self) { request, actor in try await store.pick(request, actor: actor) }),
            "Adjust": (.clerk, handle(AdjustRequest.self) { request, actor in try await store.adjust(request, actor: actor) }),
            "SetLotStatus": (.clerk, handle(LotStatusParameters.self) { p, actor in
                ["lot": try await store.setLotStatus(item: p.item, lot: p.lot, status: p.status, reason: p.reason, actor: actor)]
            }),
            "CreateOrder": (.operator, handle(CreateOrderParameters.self) { p, actor in
                ["order": try await store.createOrder(reference: p.reference, lines: p.lines, actor: actor)]
            }),
            "GetOrder": (.viewer, handle(ReferenceParameter.self) { p, _ in ["order": try await store.order(p.reference)] }),
            "PickOrder": (.operator, handle(PickOrderParameters.self) { p, actor in
                try await store.pickOrder(p.reference, line: p.line, actor: actor)
            }),
            "CancelOrder": (.operator, handle(ReferenceParameter.self) { p, actor in
                ["order": try await store.cancelOrder(p.reference, actor: actor)]
            }),
            "Stock": (.viewer, { [role] request, responder in
                // Blind counts stay blind for counters (docs/counts.md): the caller's role decides.
                let p = try Wire.decode(StockParameters.self, from: request.parameters)
                let audience: CountAudience = role(request) >= .clerk ? .reviewer : .counter
                let balances = try await store.stock(item: p.item, lot: p.lot, location: p.location, audience: audience)
                try await responder.reply(encodedParameters: try Wire.encode(["balances": balances]))
            }),
            "Lots": (.viewer, handle(ItemParameter.self) { p, _ in ["lots": try await store.lots(of: p.item)] }),
            "Expiring": (.viewer, handle(DaysParameter.self) { p, _ in ["lots": try await store.expiring(withinDays: p.days)] }),
            "Ledger": (.viewer, handle(LedgerParameters.self) { p, _ in
                ["movements": try await store.ledger(LedgerFilter(
                    item: p.item, lot: p.lot, location: p.location, since: p.since, until: p.until,
                    afterId: p.afterId, limit: p.limit ?? 1000))]
            }),
            "Status": (.viewer, handle(Empty.self) { _, _ in try await store.status() }),
            "Verify": (.clerk, handle(Empty.self) { _, _ in VerifyReply(report: try await store.verify()) }),
            "Subscribe": (.viewer, subscribe),
        ])
    }

    /// Wraps an operation: decode parameters, run with the caller as actor, encode the reply.
    private func handle<P: Decodable & Sendable, R: Encodable & Sendable>(
        _: P.Type, _ operation: @escaping @Sendable (P, String) async throws -> R
    ) -> VarlinkMethodHandler {
        { request, responder in
            let parameters = try Wire.decode(P.self, from: request.parameters)
            let result = try await operation(parameters, Wire.actor(request))
            try await responder.reply(encodedParameters: try Wire.encode(result))
        }
    }

    /// `Subscribe`: the current position first, then each committed movement (with `more`).
    private var subscribe: VarlinkMethodHandler {
        { [store] request, responder in
            let stream = store.feed.subscribe()
            let position = try await store.ledgerPosition()
            guard request.more else {
                try await responder.reply(encodedParameters: try Wire.encode(SubscribeReply(position: position, movement: nil)))
                return
            }
            try await responder.reply(encodedParameters: try Wire.encode(SubscribeReply(position: position, movement: nil)),
                                      continues: true)
            try await Wire.whilePeerConnected(responder) {
                var last = position
                do {
                    for try await movement in stream where movement.id > position {
                        try await responder.reply(
                            encodedParameters: try Wire.encode(SubscribeReply(position: movement.id, movement: movement)),
                            continues: true)
                        last = movement.id
                    }
                } catch BroadcastError.fellBehind {
                    throw ErrorMapping.fellBehind(lastDelivered: last)
                }
            }
        }
    }
}

/// depot's JSON conventions on the server side.
enum Wire {
    static func decode<P: Decodable>(_ type: P.Type, from data: Data) throws -> P {
        do {
            return try DepotAPI.makeDecoder().decode(P.self, from: data)
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            // A value of the right JSON type that does not parse (an impossible instant, ...): say
            // which parameter and why, in the engine's own error.
            let field = parameterName(.dataCorrupted(context))
            throw ErrorMapping.varlinkError(.invalidValue(field: field, value: "", reason: context.debugDescription))
        } catch let error as DecodingError {
            throw VarlinkError.invalidParameter(parameterName(error))
        }
    }

    static func encode<R: Encodable>(_ value: R) throws -> Data {
        try DepotAPI.makeEncoder().encode(value)
    }

    /// Runs `body` (a `more` stream's reply loop) until it ends, throws, or the peer goes away,
    /// so a stream with nothing to send does not outlive its client.
    static func whilePeerConnected(_ responder: VarlinkResponder, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask { await responder.waitUntilClosed() }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    /// The actor recorded on movements: `uid:N` of the peer.
    static func actor(_ request: VarlinkRequest) -> String {
        request.peer.map { "uid:\($0.uid)" } ?? "unknown"
    }

    static func parameterName(_ error: DecodingError) -> String {
        let path: [any CodingKey]
        switch error {
        case let .keyNotFound(key, context): path = context.codingPath + [key]
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            path = context.codingPath
        @unknown default: path = []
        }
        return path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }
}

// MARK: - Parameter and reply shapes (as declared in the IDL)

struct Empty: Codable, Sendable {}
struct ItemParameter: Decodable, Sendable { var item: ItemReference }
struct CodeParameter: Decodable, Sendable { var code: String }
struct ReferenceParameter: Decodable, Sendable { var reference: String }
struct DaysParameter: Decodable, Sendable { var days: Int }

struct UpdateItemParameters: Decodable, Sendable {
    var item: ItemReference
    var update: ItemUpdate
    init(from decoder: any Decoder) throws {
        item = try decoder.container(keyedBy: Keys.self).decode(ItemReference.self, forKey: .item)
        update = try ItemUpdate(from: decoder)
    }
    enum Keys: String, CodingKey { case item }
}

struct LocationParameters: Decodable, Sendable {
    var code: String
    var kind: LocationKind
    var parent: String?
    var pickPriority: Int?
    var gln: String?
}

struct UpdateLocationParameters: Decodable, Sendable {
    var code: String
    var kind: LocationKind?
    var parent: String?
    var pickPriority: Int?
    var gln: String?
}

struct LotStatusParameters: Decodable, Sendable {
    var item: ItemReference
    var lot: String
    var status: LotStatus
    var reason: String
}

struct CreateOrderParameters: Decodable, Sendable {
    var reference: String
    var lines: [OrderLineRequest]
}

struct PickOrderParameters: Decodable, Sendable {
    var reference: String
    var line: Int?
}

struct StockParameters: Decodable, Sendable {
    var item: ItemReference?
    var lot: String?
    var location: String?
}

struct LedgerParameters: Decodable, Sendable {
    var item: ItemReference?
    var lot: String?
    var location: String?
    var since: Date?
    var until: Date?
    var afterId: Int64?
    var limit: Int?
}

struct SubscribeReply: Encodable, Sendable {
    var position: Int64
    var movement: Movement?
}

struct VerifyReply: Encodable, Sendable {
    var report: VerifyReport
    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(report.ok, forKey: .ok)
    }
    enum Keys: String, CodingKey { case ok }
}
