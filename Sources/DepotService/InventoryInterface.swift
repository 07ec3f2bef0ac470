import DepotAPI
import Foundation
import Inventory
import Varlink

/// The handlers of `org.depot.inventory` (Sources/DepotAPI/Interfaces/org.depot.inventory.varlink),
/// each one engine operation between the generated wire types (``OrgDepotInventory``) and the
/// engine's own (mapped in WireTypes.swift). Parameters are decoded with depot's wire format
/// (``DepotAPI/makeDecoder()``); a malformed value becomes `org.depot.inventory.InvalidValue`
/// or `org.varlink.service.InvalidParameter` naming the parameter.
struct InventoryInterface: Sendable {
    let store: InventoryStore
    /// The largest message the server reads (`[varlink] max_message_bytes`), told to importers.
    var maxCallBytes = VarlinkServerLimits().maximumMessageLength
    /// Imports begun and not finished (ImportInterface.swift).
    var imports = ImportStaging()
    /// The connection caps in force, told by `Status` (set once the server's are known).
    var connectionCaps = EffectiveConnectionCaps()
    /// The site GLN of the EPCIS export (`[epcis] site_gln`), read per call so a reload applies.
    var siteGLN: @Sendable () -> String? = { nil }

    typealias API = OrgDepotInventory

    /// The interface with each method's minimum role (docs/operations.md, "Roles"): reads are
    /// viewer; receive, move, pick and order work are operator; adjustments, lot status and
    /// verify (a full scan) are clerk; items and locations are admin.
    func makeInterface() throws -> GuardedInterface {
        try GuardedInterface(
            description: DepotAPI.inventoryDescription,
            [
                Wire.method(API.AddItem.self, .admin) { [store] p, _ in
                    .init(
                        item: .init(
                            try await store.addItem(
                                ItemSpec(
                                    sku: p.sku,
                                    name: p.name,
                                    gtins: p.gtins ?? [],
                                    policy: p.policy?.converted(),
                                    lotTracked: p.lotTracked ?? false,
                                    expiryTracked: p.expiryTracked ?? false,
                                    minRemainingShelfLifeDays: p.minRemainingShelfLifeDays,
                                    customer: p.customer
                                )
                            )
                        )
                    )
                },
                Wire.method(API.UpdateItem.self, .admin) { [store] p, _ in
                    .init(
                        item: .init(
                            try await store.updateItem(
                                ItemReference(p.item),
                                ItemUpdate(
                                    name: p.name,
                                    addGTINs: p.addGTINs ?? [],
                                    removeGTINs: p.removeGTINs ?? [],
                                    policy: p.policy?.converted(),
                                    lotTracked: p.lotTracked,
                                    expiryTracked: p.expiryTracked,
                                    minRemainingShelfLifeDays: p.minRemainingShelfLifeDays
                                )
                            )
                        )
                    )
                },
                Wire.method(API.GetItem.self, .viewer) { [store] p, _ in
                    .init(item: .init(try await store.item(ItemReference(p.item), customer: p.customer)))
                },
                Wire.method(API.ListItems.self, .viewer) { [store] _, _ in
                    .init(items: try await store.items().map(API.Item.init))
                },
                Wire.method(API.AddCustomer.self, .admin) { [store] p, _ in
                    .init(customer: .init(try await store.addCustomer(code: p.code, name: p.name)))
                },
                Wire.method(API.UpdateCustomer.self, .admin) { [store] p, _ in
                    .init(customer: .init(try await store.updateCustomer(code: p.code, name: p.name)))
                },
                Wire.method(API.GetCustomer.self, .viewer) { [store] p, _ in
                    .init(customer: .init(try await store.customer(p.code)))
                },
                Wire.method(API.ListCustomers.self, .viewer) { [store] _, _ in
                    .init(customers: try await store.customers().map(API.Customer.init))
                },
                // Tokens are credentials of a customer's window: only an admin issues, lists,
                // revokes or resolves them.
                Wire.method(API.AddCustomerToken.self, .admin) { [store] p, _ in
                    let issued = try await store.addCustomerToken(customer: p.customer)
                    return .init(token: .init(issued.token), secret: issued.secret)
                },
                Wire.method(API.ListCustomerTokens.self, .admin) { [store] p, _ in
                    .init(tokens: try await store.customerTokens(customer: p.customer).map(API.CustomerToken.init))
                },
                Wire.method(API.RevokeCustomerToken.self, .admin) { [store] p, _ in
                    .init(token: .init(try await store.revokeCustomerToken(id: Int64(p.id))))
                },
                Wire.method(API.ResolveCustomerToken.self, .admin) { [store] p, _ in
                    .init(customer: .init(try await store.customer(forToken: p.token)))
                },
                Wire.method(API.AddLocation.self, .admin) { [store] p, _ in
                    .init(
                        location: .init(
                            try await store.addLocation(
                                Location(
                                    code: p.code,
                                    kind: p.kind.converted(),
                                    parent: p.parent,
                                    pickPriority: p.pickPriority ?? 0,
                                    gln: p.gln
                                )
                            )
                        )
                    )
                },
                Wire.method(API.UpdateLocation.self, .admin) { [store] p, _ in
                    .init(
                        location: .init(
                            try await store.updateLocation(
                                p.code,
                                LocationUpdate(
                                    kind: p.kind?.converted(),
                                    parent: p.parent,
                                    pickPriority: p.pickPriority,
                                    gln: p.gln
                                )
                            )
                        )
                    )
                },
                Wire.method(API.GetLocation.self, .viewer) { [store] p, _ in
                    .init(location: .init(try await store.location(p.code)))
                },
                Wire.method(API.ListLocations.self, .viewer) { [store] _, _ in
                    .init(locations: try await store.locations().map(API.Location.init))
                },
                Wire.method(API.Receive.self, .operator) { [store] p, caller in
                    // Dates in parameter order, so the first bad one is the one named.
                    let expiry = try Wire.date(p.expiry, field: "expiry")
                    let bestBefore = try Wire.date(p.bestBefore, field: "bestBefore")
                    let production = try Wire.date(p.production, field: "production")
                    let receivedAt = try Wire.instant(p.receivedAt, field: "receivedAt")
                    let change = try await store.receive(
                        ReceiveRequest(
                            item: ItemReference(p.item),
                            quantity: Int64(p.quantity),
                            location: p.location,
                            lot: p.lot,
                            expiry: expiry,
                            bestBefore: bestBefore,
                            production: production,
                            receivedAt: receivedAt,
                            allowQuarantineLocation: p.allowQuarantineLocation ?? false,
                            allowExpired: p.allowExpired ?? false,
                            reference: p.reference,
                            customer: p.customer
                        ),
                        actor: caller.actor
                    )
                    // Blind counts stay blind (docs/counts.md): no on-hand figure under one for a counter.
                    return .init(try await store.visible(change, to: caller.audience))
                },
                Wire.method(API.Move.self, .operator) { [store] p, caller in
                    let change = try await store.move(
                        MoveRequest(
                            item: ItemReference(p.item),
                            lot: p.lot,
                            from: p.from,
                            to: p.to,
                            quantity: Int64(p.quantity),
                            reference: p.reference
                        ),
                        actor: caller.actor
                    )
                    return .init(try await store.visible(change, to: caller.audience))
                },
                Wire.method(API.Pick.self, .operator) { [store] p, caller in
                    let result = try await store.pick(
                        PickRequest(
                            item: ItemReference(p.item),
                            quantity: Int64(p.quantity),
                            reference: p.reference,
                            minRemainingShelfLifeDays: p.minRemainingShelfLifeDays,
                            within: p.within,
                            dryRun: p.dryRun ?? false,
                            allowPartial: p.allowPartial ?? false
                        ),
                        actor: caller.actor,
                        audience: caller.audience
                    )
                    return .init(
                        sku: result.sku,
                        plan: .init(result.plan),
                        movements: result.movements.map(API.Movement.init),
                        dryRun: result.dryRun
                    )
                },
                Wire.method(API.Adjust.self, .clerk) { [store] p, caller in
                    .init(
                        try await store.adjust(
                            AdjustRequest(
                                item: ItemReference(p.item),
                                lot: p.lot,
                                location: p.location,
                                delta: Int64(p.delta),
                                reason: p.reason,
                                reference: p.reference
                            ),
                            actor: caller.actor
                        )
                    )
                },
                Wire.method(API.SetLotStatus.self, .clerk) { [store] p, caller in
                    .init(
                        lot: .init(
                            try await store.setLotStatus(
                                item: ItemReference(p.item),
                                lot: p.lot,
                                status: p.status.converted(),
                                reason: p.reason,
                                actor: caller.actor
                            )
                        )
                    )
                },
                Wire.method(API.CreateOrder.self, .operator) { [store] p, caller in
                    let order = try await store.createOrder(
                        reference: p.reference,
                        lines: p.lines.map {
                            OrderLineRequest(
                                item: ItemReference($0.item),
                                quantity: Int64($0.quantity),
                                minRemainingShelfLifeDays: $0.minRemainingShelfLifeDays
                            )
                        },
                        actor: caller.actor,
                        customer: p.customer
                    )
                    // Reservations under an open blind count are left out for a counter (docs/counts.md).
                    return .init(order: .init(try await store.visible(order, to: caller.audience)))
                },
                Wire.method(API.GetOrder.self, .viewer) { [store] p, caller in
                    .init(
                        order: .init(try await store.visible(try await store.order(p.reference), to: caller.audience))
                    )
                },
                Wire.method(API.ListOrders.self, .viewer) { [store] p, _ in
                    // The role of GetOrder; a summary holds no reservations, so nothing an open
                    // blind count hides (docs/counts.md).
                    let since = try Wire.instant(p.since, field: "since")
                    let until = try Wire.instant(p.until, field: "until")
                    let orders = try await store.listOrders(
                        OrderListFilter(
                            status: p.status?.converted(),
                            since: since,
                            until: until,
                            afterId: p.afterId.map { Int64($0) },
                            limit: p.limit ?? InventoryStore.maxOrdersPerPage,
                            customer: p.customer
                        )
                    )
                    return .init(orders: orders.map(API.OrderSummary.init))
                },
                Wire.method(API.PickOrder.self, .operator) { [store] p, caller in
                    let result = try await store.pickOrder(p.reference, line: p.line, actor: caller.actor)
                    return .init(
                        order: .init(try await store.visible(result.order, to: caller.audience)),
                        movements: result.movements.map(API.Movement.init)
                    )
                },
                Wire.method(API.CancelOrder.self, .operator) { [store] p, caller in
                    let order = try await store.cancelOrder(p.reference, actor: caller.actor)
                    return .init(order: .init(try await store.visible(order, to: caller.audience)))
                },
                Wire.method(API.Stock.self, .viewer, gate: Wire.largeReplies) { [store] p, caller in
                    // Blind counts stay blind for counters (docs/counts.md): the caller's role decides.
                    let audience = caller.audience
                    return .init(
                        balances: try await store.stock(
                            item: p.item.map(ItemReference.init),
                            lot: p.lot,
                            location: p.location,
                            customer: p.customer,
                            audience: audience
                        )
                        .map(API.StockBalance.init)
                    )
                },
                Wire.method(API.Lots.self, .viewer) { [store] p, caller in
                    .init(
                        lots: try await store.lots(
                            of: ItemReference(p.item),
                            customer: p.customer,
                            audience: caller.audience
                        ).map(API.LotView.init)
                    )
                },
                Wire.method(API.Expiring.self, .viewer) { [store] p, caller in
                    .init(
                        lots: try await store.expiring(withinDays: p.days, audience: caller.audience).map(
                            API.ExpiringLot.init
                        )
                    )
                },
                Wire.method(API.Ledger.self, .viewer, gate: Wire.largeReplies) { [store] p, caller in
                    if let limit = p.limit, !(1...Wire.maximumLedgerPage).contains(limit) {
                        throw InventoryError.invalidValue(
                            field: "limit",
                            value: String(limit),
                            reason: "must be 1 to \(Wire.maximumLedgerPage) (a page; page on with afterId)"
                        )
                    }
                    let since = try Wire.instant(p.since, field: "since")
                    let until = try Wire.instant(p.until, field: "until")
                    let page = try await store.ledgerPage(
                        LedgerFilter(
                            item: p.item.map(ItemReference.init),
                            lot: p.lot,
                            location: p.location,
                            since: since,
                            until: until,
                            afterId: p.afterId.map { Int64($0) },
                            limit: p.limit ?? 1000,
                            customer: p.customer
                        ),
                        audience: caller.audience
                    )
                    return .init(
                        movements: page.movements.map(API.Movement.init),
                        hiddenMovements: page.hidden == 0 ? nil : page.hidden
                    )
                },
                Wire.method(API.Status.self, .viewer) { [store, connectionCaps] _, caller in
                    .init(try await store.status(audience: caller.audience), connections: connectionCaps.current)
                },
                Wire.method(API.Verify.self, .clerk) { [store] p, _ in
                    let seals = try (p.seals ?? []).map { text in try LedgerSeal.parse(text) }
                    return .init(try await store.verify(seals: seals))
                },
                Wire.streamingMethod(API.Subscribe.self, .viewer) { [store] _, request, responder in
                    try await Wire.followLedger(store, request, responder) {
                        .init(position: Int($0))
                    } reply: {
                        movement,
                        hidden in
                        .init(position: Int(movement.id), movement: hidden ? nil : .init(movement))
                    }
                },
            ] + importMethods() + epcisMethods()
        )
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
    static func whilePeerConnected(
        _ responder: VarlinkResponder,
        _ body: @escaping @Sendable () async throws -> Void
    ) async throws {
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

extension Wire {
    /// The body of a ledger subscription (`Subscribe`, `FollowEPCIS`): subscribes to the store's
    /// feed, replies with the current position (the only reply without `more`), then sends one
    /// reply per movement committed after it, built by `reply` with whether the caller's
    /// audience may see the movement (a counter gets only the position of a movement under an
    /// open blind count, docs/counts.md), until the peer leaves.
    /// - Throws: `SubscriberFellBehind` naming the last movement delivered when the subscriber
    ///   falls more than the feed's buffer behind (``InventoryStore/feedBufferMovements``); what
    ///   `reply` throws; ``VarlinkResponderError`` when the peer is gone.
    static func followLedger<M: VarlinkMethod>(
        _ store: InventoryStore,
        _ request: VarlinkRequest,
        _ responder: TypedResponder<M>,
        position: @escaping @Sendable (Int64) -> M.Reply,
        reply: @escaping @Sendable (Movement, _ hidden: Bool) async throws -> M.Reply
    ) async throws where M.Reply: Sendable {
        let audience = Caller(request).audience
        let stream = store.feed.subscribe()
        let start = try await store.ledgerPosition()
        guard request.more else {
            try await responder.reply(position(start))
            return
        }
        try await responder.reply(position(start), continues: true)
        try await whilePeerConnected(responder.responder) {
            var last = start
            do {
                for try await movement in stream where movement.id > start {
                    let hidden = try await store.blindFilter(for: audience).hides(movement)
                    try await responder.reply(try await reply(movement, hidden), continues: true)
                    last = movement.id
                }
            } catch BroadcastError.fellBehind {
                throw ErrorMapping.fellBehind(lastDelivered: last)
            }
        }
    }
}
