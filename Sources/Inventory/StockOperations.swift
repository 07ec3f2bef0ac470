import Foundation
import GRDB

/// A receipt: goods arriving at a location.
public struct ReceiveRequest: Sendable, Codable, Equatable {
    /// SKU or GTIN.
    public var item: ItemReference
    /// Base units, 0 < q < 2^53.
    public var quantity: Int64
    /// Code of the receiving location.
    public var location: String
    /// Lot code (GS1 AI 10). Required for lot-tracked items. Without one, stock with an expiry
    /// date goes to the implicit lot `@YYYY-MM-DD` of that date (docs/allocation.md).
    public var lot: String?
    /// Expiry date (GS1 AI 17), a calendar date; required for expiry-tracked items unless the lot already
    /// has one.
    public var expiry: CalendarDate?
    /// Best-before date (GS1 AI 15), a calendar date.
    public var bestBefore: CalendarDate?
    /// Production date (GS1 AI 11), a calendar date.
    public var production: CalendarDate?
    /// Back-dated receipt instant (UTC), not in the future; default now.
    public var receivedAt: Date?
    /// Must be true to receive into a `quarantine`-kind location.
    public var allowQuarantineLocation: Bool
    /// Must be true to receive a lot that expired before today.
    public var allowExpired: Bool
    /// Caller's reference stored on the movement (e.g. a delivery note).
    public var reference: String?
    /// Code of the customer whose goods arrive; it chooses among the items of a GTIN that several
    /// customers have (a SKU names one item already, and must then be this customer's). nil:
    /// the GTIN must name one item.
    public var customer: String?

    /// Creates a receipt (`quantity` in base units); validates nothing and throws nothing
    /// (``InventoryStore/receive(_:actor:)`` validates).
    public init(
        item: ItemReference,
        quantity: Int64,
        location: String,
        lot: String? = nil,
        expiry: CalendarDate? = nil,
        bestBefore: CalendarDate? = nil,
        production: CalendarDate? = nil,
        receivedAt: Date? = nil,
        allowQuarantineLocation: Bool = false,
        allowExpired: Bool = false,
        reference: String? = nil,
        customer: String? = nil
    ) {
        self.customer = customer
        self.item = item
        self.quantity = quantity
        self.location = location
        self.lot = lot
        self.expiry = expiry
        self.bestBefore = bestBefore
        self.production = production
        self.receivedAt = receivedAt
        self.allowQuarantineLocation = allowQuarantineLocation
        self.allowExpired = allowExpired
        self.reference = reference
    }

    /// Decodes the Varlink `Receive` parameters; absent booleans are false.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        item = try c.decode(ItemReference.self, forKey: .item)
        quantity = try c.decode(Int64.self, forKey: .quantity)
        location = try c.decode(String.self, forKey: .location)
        lot = try c.decodeIfPresent(String.self, forKey: .lot)
        expiry = try c.decodeIfPresent(String.self, forKey: .expiry).map {
            try CalendarDate(parsing: $0, field: "expiry")
        }
        bestBefore = try c.decodeIfPresent(String.self, forKey: .bestBefore).map {
            try CalendarDate(parsing: $0, field: "bestBefore")
        }
        production = try c.decodeIfPresent(String.self, forKey: .production).map {
            try CalendarDate(parsing: $0, field: "production")
        }
        receivedAt = try c.decodeIfPresent(Date.self, forKey: .receivedAt)
        allowQuarantineLocation = try c.decodeIfPresent(Bool.self, forKey: .allowQuarantineLocation) ?? false
        allowExpired = try c.decodeIfPresent(Bool.self, forKey: .allowExpired) ?? false
        reference = try c.decodeIfPresent(String.self, forKey: .reference)
    }
}

/// A move between two locations.
public struct MoveRequest: Sendable, Codable, Equatable {
    /// The item to move: SKU or GTIN.
    public var item: ItemReference
    /// Lot code; may be omitted when the source holds one lot (or untracked stock) of the item.
    public var lot: String?
    /// Code of the source location.
    public var from: String
    /// Code of the destination location.
    public var to: String
    /// Base units, 0 < q < 2^53, at most the unreserved quantity at `from`.
    public var quantity: Int64
    /// Caller's reference stored on the movement.
    public var reference: String?

    /// Creates a move (`quantity` in base units); validates nothing and throws nothing
    /// (``InventoryStore/move(_:actor:)`` validates).
    public init(
        item: ItemReference,
        lot: String? = nil,
        from: String,
        to: String,
        quantity: Int64,
        reference: String? = nil
    ) {
        self.item = item
        self.lot = lot
        self.from = from
        self.to = to
        self.quantity = quantity
        self.reference = reference
    }
}

/// A correction of one balance.
public struct AdjustRequest: Sendable, Codable, Equatable {
    /// The item to correct: SKU or GTIN.
    public var item: ItemReference
    /// Lot code; may be omitted when the balance is the only one of the item at the location.
    public var lot: String?
    /// Code of the location of the balance.
    public var location: String
    /// Signed base units, non-zero, |q| < 2^53. Decreases may not take reserved units.
    public var delta: Int64
    /// Why (required), e.g. "damaged", "found".
    public var reason: String
    /// Caller's reference stored on the movement.
    public var reference: String?

    /// Creates an adjustment (`delta` in signed base units); validates nothing and throws nothing
    /// (``InventoryStore/adjust(_:actor:)`` validates).
    public init(
        item: ItemReference,
        lot: String? = nil,
        location: String,
        delta: Int64,
        reason: String,
        reference: String? = nil
    ) {
        self.item = item
        self.lot = lot
        self.location = location
        self.delta = delta
        self.reason = reason
        self.reference = reference
    }
}

/// What a stock operation did: its ledger rows and the resulting balance(s).
public struct StockChange: Sendable, Codable, Equatable {
    /// The ledger rows written, in ledger order.
    public var movements: [Movement]
    /// On hand after the operation at the touched location(s), by location code.
    public var balances: [String: Int64]
    /// Touched locations whose on-hand figure is left out of ``balances`` because an open blind
    /// count covers them and the caller is below its supervisor role (``BlindFilter/visible(_:)-(StockChange)``),
    /// sorted; empty otherwise.
    public var hiddenBalances: [String] = []
}

extension InventoryStore {
    /// Receives goods (one transaction, one `receive` movement).
    /// - Throws: ``InventoryError`` — invalidValue (quantity, expiry, production, receivedAt, lot),
    ///   unknownItem, unknownLocation, lotRequired, expiryRequired, lotDateConflict, quarantineLocation.
    public func receive(_ request: ReceiveRequest, actor: String) async throws -> StockChange {
        try await receive(request, context: OperationContext(actor: actor))
    }

    /// Receives goods as ``receive(_:actor:)`` does, on behalf of `context` (its scan id makes the
    /// receipt apply once: intent `receive`).
    /// - Throws: as ``receive(_:actor:)``; ``InventoryError/duplicateScan(id:movements:)`` for a replay.
    public func receive(_ request: ReceiveRequest, context: OperationContext) async throws -> StockChange {
        let actor = context.actor
        return try await transaction(context, intent: "receive") { db, log in
            try self.receiveInTransaction(db, log: log, request, actor: actor)
        }
    }

    /// Validates and applies a receipt inside the caller's transaction: the one set of receipt
    /// rules, used by ``receive(_:context:)`` and by the opening-stock import (Import.swift).
    /// - Throws: as ``receive(_:actor:)``.
    func receiveInTransaction(
        _ db: Database,
        log: MovementLog,
        _ request: ReceiveRequest,
        actor: String
    ) throws -> StockChange {
        try Quantity.validate(request.quantity)
        let item =
            try request.customer.map { try Self.item(db, request.item, ofCustomer: Self.customerId(db, $0)) }
            ?? Self.item(db, request.item)
        let location = try Self.location(db, request.location)
        if location.kind == .quarantine && !request.allowQuarantineLocation {
            throw InventoryError.quarantineLocation(location.code)
        }
        if let receivedAt = request.receivedAt, receivedAt > log.now {
            throw InventoryError.invalidValue(
                field: "receivedAt",
                value: ISO8601DateFormatter().string(from: receivedAt),
                reason: "a receipt cannot be in the future"
            )
        }
        if let expiry = request.expiry, let production = request.production, expiry < production {
            throw InventoryError.invalidValue(
                field: "expiry",
                value: expiry.description,
                reason: "before the production date \(production)"
            )
        }
        if let expiry = request.expiry, !request.allowExpired, expiry < self.clock.today() {
            throw InventoryError.invalidValue(
                field: "expiry",
                value: expiry.description,
                reason: "already expired (today is \(self.clock.today()))"
            )
        }
        let lot = try Self.receivingLot(db, item: item, request: request)
        if let lot, let expiry = lot.expiry, !request.allowExpired, expiry < self.clock.today() {
            throw InventoryError.invalidValue(
                field: "lot",
                value: lot.code,
                reason: "expired on \(expiry) (today is \(self.clock.today()))"
            )
        }
        try Self.addStock(
            db,
            item: item,
            lot: lot,
            location: location,
            quantity: request.quantity,
            receivedAt: request.receivedAt ?? log.now
        )
        let movement = try log.append(
            db,
            kind: .receive,
            item: item,
            lot: lot,
            from: nil,
            to: location,
            quantity: request.quantity,
            actor: actor,
            reference: request.reference,
            reason: nil
        )
        let balance = try Self.stock(db, item: item, lot: lot, location: location)?.quantity ?? 0
        return StockChange(movements: [movement], balances: [location.code: balance])
    }

    /// Finds or creates the lot of a receipt and reconciles its dates.
    static func receivingLot(_ db: Database, item: ItemRow, request: ReceiveRequest) throws -> LotRow? {
        var code = try request.lot.map { try TextField.code($0, field: "lot") }
        if let code, code.hasPrefix("@") {
            throw InventoryError.invalidValue(
                field: "lot",
                value: code,
                reason: "lot codes starting with @ are reserved for depot's implicit dated lots"
            )
        }
        if code == nil {
            if item.lotTracked { throw InventoryError.lotRequired(sku: item.sku) }
            if let expiry = request.expiry {
                code = "@" + expiry.description
            } else if item.expiryTracked {
                throw InventoryError.expiryRequired(sku: item.sku, lot: nil)
            } else if request.bestBefore != nil || request.production != nil {
                throw InventoryError.invalidValue(
                    field: "lot",
                    value: "",
                    reason: "dates are kept on lots: give a lot or an expiry date"
                )
            } else {
                return nil
            }
        }
        guard let code else { return nil }
        if var lot = try Self.lot(db, item: item, code: code) {
            let given: [(String, CalendarDate?, CalendarDate?)] = [
                ("expiry", lot.expiry, request.expiry),
                ("bestBefore", lot.bestBefore, request.bestBefore),
                ("production", lot.production, request.production),
            ]
            for (field, recorded, new) in given {
                if let recorded, let new, recorded != new {
                    throw InventoryError.lotDateConflict(
                        sku: item.sku,
                        lot: code,
                        field: field,
                        recorded: recorded.description,
                        given: new.description
                    )
                }
            }
            if let expiry = lot.expiry ?? request.expiry, let production = lot.production ?? request.production,
                expiry < production
            {
                throw InventoryError.invalidValue(
                    field: "expiry",
                    value: expiry.description,
                    reason: "before the production date \(production)"
                )
            }
            try db.cachedStatement(
                sql: """
                    UPDATE lot SET expiry = ifnull(expiry, ?), bestBefore = ifnull(bestBefore, ?), production = ifnull(production, ?)
                    WHERE id = ?
                    """
            ).execute(arguments: [request.expiry, request.bestBefore, request.production, lot.id])
            lot.expiry = lot.expiry ?? request.expiry
            lot.bestBefore = lot.bestBefore ?? request.bestBefore
            lot.production = lot.production ?? request.production
            if item.expiryTracked && lot.expiry == nil { throw InventoryError.expiryRequired(sku: item.sku, lot: code) }
            return lot
        }
        if item.expiryTracked && request.expiry == nil { throw InventoryError.expiryRequired(sku: item.sku, lot: code) }
        let skeleton = try Self.lookalikeChecked(db, code: code, field: "lot", in: .lot, itemId: item.id)
        try db.cachedStatement(
            sql: """
                INSERT INTO lot (itemId, code, expiry, bestBefore, production, status, skeleton)
                VALUES (?, ?, ?, ?, ?, 'available', ?)
                """
        )
        .execute(arguments: [item.id, code, request.expiry, request.bestBefore, request.production, skeleton])
        return try Self.lot(db, item: item, code: code)
    }

    /// Moves goods between locations (one `move` movement). The receipt time travels with the goods.
    /// - Throws: ``InventoryError`` — invalidValue (quantity, to), unknownItem, unknownLocation,
    ///   unknownLot, lotAmbiguous, insufficientStock (reserved units do not count).
    public func move(_ request: MoveRequest, actor: String) async throws -> StockChange {
        try await move([request], context: OperationContext(actor: actor))
    }

    func moveInTransaction(
        _ db: Database,
        log: MovementLog,
        _ request: MoveRequest,
        actor: String
    ) throws -> StockChange {
        try Quantity.validate(request.quantity)
        let item = try Self.item(db, request.item)
        let from = try Self.location(db, request.from)
        let to = try Self.location(db, request.to)
        guard from.id != to.id else {
            throw InventoryError.invalidValue(field: "to", value: to.code, reason: "same as the source location")
        }
        let (lot, source) = try Self.movableSource(
            db,
            item: item,
            lot: request.lot,
            from: from,
            quantity: request.quantity
        )
        try Self.takeStock(db, stock: source, quantity: request.quantity)
        try Self.addStock(
            db,
            item: item,
            lot: lot,
            location: to,
            quantity: request.quantity,
            receivedAt: source.receivedAt
        )
        let movement = try log.append(
            db,
            kind: .move,
            item: item,
            lot: lot,
            from: from,
            to: to,
            quantity: request.quantity,
            actor: actor,
            reference: request.reference,
            reason: nil
        )
        // Built pair by pair: Swift compares strings by canonical equivalence, byte-different codes
        // must never trap a dictionary literal.
        let balances = [
            (from.code, try Self.stock(db, item: item, lot: lot, location: from)?.quantity ?? 0),
            (to.code, try Self.stock(db, item: item, lot: lot, location: to)?.quantity ?? 0),
        ]
        return StockChange(movements: [movement], balances: Dictionary(balances, uniquingKeysWith: { $1 }))
    }

    /// The source rule of a move: the lot at `from` (the named one, else the only one there) and
    /// its balance, which must hold `quantity` unreserved units.
    /// - Throws: ``InventoryError`` — unknownLot, lotAmbiguous, insufficientStock.
    static func movableSource(
        _ db: Database,
        item: ItemRow,
        lot code: String?,
        from: LocationRow,
        quantity: Int64
    ) throws -> (LotRow?, StockRow) {
        let lot = try Self.lotAt(db, item: item, location: from, code: code)
        let source = try Self.stock(db, item: item, lot: lot, location: from)
        let free = (source?.quantity ?? 0) - (source?.reserved ?? 0)
        guard let source, free >= quantity else {
            throw try Self.insufficient(db, item: item, lot: lot, location: from, requested: quantity, free: free)
        }
        return (lot, source)
    }

    /// Checks, writing nothing, that `quantity` units of `item` (lot `lot`, or the only lot there)
    /// could leave `location` now, by the same rule as ``move(_:actor:)``: what a worker picks up
    /// for a put-away or move is checked at the scan, not only at the destination.
    /// - Throws: ``InventoryError`` — invalidValue (quantity), unknownItem, unknownLocation,
    ///   unknownLot, lotAmbiguous, insufficientStock (reserved units do not count).
    public func checkSource(item: ItemReference, lot: String?, location: String, quantity: Int64) async throws {
        try await writer.read { db in
            try Quantity.validate(quantity)
            let item = try Self.item(db, item)
            let from = try Self.location(db, location)
            _ = try Self.movableSource(db, item: item, lot: lot, from: from, quantity: quantity)
        }
    }

    /// Corrects one balance by a signed quantity with a reason (one `adjust` movement).
    /// Without a lot, the balance is the only one of the item at the location; an increase of
    /// an item that is neither lot- nor expiry-tracked goes to its stock without a lot.
    /// - Throws: ``InventoryError`` — invalidValue (delta, reason), unknownItem, unknownLocation,
    ///   unknownLot, lotRequired, lotAmbiguous, insufficientStock, expiryRequired (an increase of
    ///   an expiry-tracked item that names no dated lot and finds none at the location).
    public func adjust(_ request: AdjustRequest, actor: String) async throws -> StockChange {
        try await transaction { db, log in
            guard request.delta != 0 else {
                throw InventoryError.invalidValue(field: "delta", value: "0", reason: "must not be zero")
            }
            guard request.delta > -Quantity.limit, request.delta < Quantity.limit else {
                throw InventoryError.invalidValue(
                    field: "delta",
                    value: String(request.delta),
                    reason: "must be between -2^53 and 2^53"
                )
            }
            guard !request.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw InventoryError.invalidValue(
                    field: "reason",
                    value: request.reason,
                    reason: "an adjustment needs a reason"
                )
            }
            let item = try Self.item(db, request.item)
            let location = try Self.location(db, request.location)
            let lot: LotRow?
            if request.delta > 0, let code = request.lot {
                lot = try Self.existingLot(db, item: item, code: code)
            } else if request.delta > 0, !item.lotTracked, !item.expiryTracked, request.lot == nil {
                lot = nil
            } else {
                lot = try Self.lotAt(db, item: item, location: location, code: request.lot)
            }
            // An increase may not create stock of an expiry-tracked item without an expiry date.
            if request.delta > 0, item.expiryTracked, lot?.expiry == nil {
                throw InventoryError.expiryRequired(sku: item.sku, lot: lot?.code)
            }
            let quantity = Int64(request.delta.magnitude)
            let movement: Movement
            if request.delta > 0 {
                try Self.addStock(db, item: item, lot: lot, location: location, quantity: quantity, receivedAt: log.now)
                movement = try log.append(
                    db,
                    kind: .adjust,
                    item: item,
                    lot: lot,
                    from: nil,
                    to: location,
                    quantity: quantity,
                    actor: actor,
                    reference: request.reference,
                    reason: request.reason
                )
            } else {
                let stock = try Self.stock(db, item: item, lot: lot, location: location)
                let free = (stock?.quantity ?? 0) - (stock?.reserved ?? 0)
                guard let stock, free >= quantity else {
                    throw try Self.insufficient(
                        db,
                        item: item,
                        lot: lot,
                        location: location,
                        requested: quantity,
                        free: free
                    )
                }
                try Self.takeStock(db, stock: stock, quantity: quantity)
                movement = try log.append(
                    db,
                    kind: .adjust,
                    item: item,
                    lot: lot,
                    from: location,
                    to: nil,
                    quantity: quantity,
                    actor: actor,
                    reference: request.reference,
                    reason: request.reason
                )
            }
            let balance = try Self.stock(db, item: item, lot: lot, location: location)?.quantity ?? 0
            return StockChange(movements: [movement], balances: [location.code: balance])
        }
    }

    /// Sets a lot's status (quarantine, release to available, block), recorded as a
    /// `lot_status` movement with quantity 0 and the reason.
    /// - Throws: ``InventoryError`` — unknownItem, unknownLot, invalidValue (reason; status unchanged).
    public func setLotStatus(
        item reference: ItemReference,
        lot code: String,
        status: LotStatus,
        reason: String,
        actor: String
    ) async throws -> Lot {
        try await transaction { db, log in
            let item = try Self.item(db, reference)
            let lot = try Self.existingLot(db, item: item, code: code)
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw InventoryError.invalidValue(
                    field: "reason",
                    value: reason,
                    reason: "a status change needs a reason"
                )
            }
            guard lot.status != status else {
                throw InventoryError.invalidValue(
                    field: "status",
                    value: status.rawValue,
                    reason: "lot \(code) is \(status.rawValue) already"
                )
            }
            try db.execute(sql: "UPDATE lot SET status = ? WHERE id = ?", arguments: [status.rawValue, lot.id])
            _ = try log.append(
                db,
                kind: .lotStatus,
                item: item,
                lot: lot,
                from: nil,
                to: nil,
                quantity: 0,
                actor: actor,
                reference: nil,
                reason: "\(lot.status.rawValue) -> \(status.rawValue): \(reason)"
            )
            return Lot(
                sku: item.sku,
                code: lot.code,
                expiry: lot.expiry,
                bestBefore: lot.bestBefore,
                production: lot.production,
                status: status
            )
        }
    }
}
