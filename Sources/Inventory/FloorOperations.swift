import Foundation
import GRDB

/// The next thing a picker should take for an order, in allocation order.
public struct NextPick: Sendable, Codable, Equatable {
    /// The order's reference.
    public var reference: String
    /// Order line number, from 1.
    public var lineNo: Int
    /// SKU of the line's item.
    public var sku: String
    /// The allocated lot, nil for stock without lot.
    public var lot: String?
    /// Where to take it; nil when nothing is reserved (the line is short).
    public var location: String?
    /// Expiry date of the allocated lot, a calendar date; nil when undated or without lot.
    public var expiry: CalendarDate?
    /// Base units reserved at that lot and location for the line.
    public var quantity: Int64
    /// Base units still to pick on the line.
    public var lineRemaining: Int64
}

/// A picker confirming units of an order by scanning them.
public struct PickConfirmation: Sendable, Codable, Equatable {
    /// Reference of the order being picked.
    public var reference: String
    /// The scanned item: SKU or GTIN.
    public var item: ItemReference
    /// The scanned lot (GS1 AI 10); nil takes the allocated lot.
    public var lot: String?
    /// Where the units were taken; nil takes the reserved location (or any pickable one).
    public var location: String?
    /// Base units, 0 < q < 2^53.
    public var quantity: Int64

    /// Creates a confirmation (`quantity` in base units); validates nothing and throws nothing
    /// (``InventoryStore/confirmPick(_:actor:)`` validates).
    public init(reference: String, item: ItemReference, lot: String? = nil, location: String? = nil, quantity: Int64) {
        self.reference = reference
        self.item = item
        self.lot = lot
        self.location = location
        self.quantity = quantity
    }
}

/// What a confirmed pick did.
public struct PickConfirmationResult: Sendable, Codable, Equatable {
    /// The `pick` movements written, in ledger order.
    public var movements: [Movement]
    /// True when a different lot than the allocated one was taken and the reservation moved to it.
    public var substituted: Bool
    /// The order after the confirmation.
    public var order: Order
    /// The next pick of the order; nil when the order is complete.
    public var next: NextPick?
}

extension InventoryStore {
    /// Moves several items in one transaction (a put-away of everything on a pallet).
    /// - Throws: as ``move(_:actor:)``; nothing is moved when one fails.
    public func move(_ requests: [MoveRequest], actor: String) async throws -> StockChange {
        try await move(requests, context: OperationContext(actor: actor))
    }

    /// Moves several items in one transaction on behalf of `context` (its scan id makes the move
    /// apply once: intent `move`).
    /// - Throws: as ``move(_:actor:)``; ``InventoryError/duplicateScan(id:movements:)`` for a replay.
    public func move(_ requests: [MoveRequest], context: OperationContext) async throws -> StockChange {
        let actor = context.actor
        guard !requests.isEmpty else {
            throw InventoryError.invalidValue(field: "moves", value: "[]", reason: "nothing to move")
        }
        return try await transaction(context, intent: "move") { db, log in
            var change = StockChange(movements: [], balances: [:])
            for request in requests {
                let one = try self.moveInTransaction(db, log: log, request, actor: actor)
                change.movements += one.movements
                change.balances.merge(one.balances) { $1 }
            }
            return change
        }
    }

    /// The location whose GLN (AI 414, with `/extension` for AI 254) is `gln`, if any.
    public func locationCode(gln: String) async throws -> String? {
        try await writer.read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT code FROM location WHERE gln = ?"), arguments: [gln])
        }
    }

    /// Whether an order with this reference exists (any status).
    public func orderExists(_ reference: String) async throws -> Bool {
        try await writer.read { db in
            try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT 1 FROM \"order\" WHERE reference = ?"),
                arguments: [reference]
            ) ?? false
        }
    }

    /// The next pick of an open order: the first line with units left, its first reservation in
    /// allocation order. Lines reserved short (stock arrived after the order) are first topped
    /// up by the allocation rule, in one transaction. nil when the order is complete or not open.
    /// - Throws: ``InventoryError/unknownOrder(_:)``.
    public func nextPick(_ reference: String) async throws -> NextPick? {
        try await transaction { db, _ in
            try self.topUp(db, reference: reference)
            return try Self.nextPick(db, reference: reference)
        }
    }

    /// Reserves by the rule what open lines of an open order still lack.
    func topUp(_ db: Database, reference: String) throws {
        let lines = try Row.fetchAll(
            db,
            sql: """
                SELECT ol.id, ol.itemId, ol.quantity - ol.picked - ifnull((SELECT sum(quantity) FROM reservation r WHERE r.orderLineId = ol.id), 0) AS open,
                       ol.minShelfLifeDays
                FROM orderLine ol JOIN "order" o ON o.id = ol.orderId
                WHERE o.reference = ? AND o.status = 'open'
                """,
            arguments: [reference]
        )
        for line in lines where (line["open"] as Int64) > 0 {
            try reserve(
                db,
                lineId: line["id"],
                item: try Self.item(db, itemId: line["itemId"]),
                quantity: line["open"],
                minDays: line["minShelfLifeDays"]
            )
        }
    }

    static func nextPick(_ db: Database, reference: String) throws -> NextPick? {
        let order = try loadOrder(db, reference: reference)
        guard order.status == .open else { return nil }
        for line in order.lines where line.picked < line.quantity {
            let remaining = line.quantity - line.picked
            if let first = line.reservations.first {
                return NextPick(
                    reference: reference,
                    lineNo: line.lineNo,
                    sku: line.sku,
                    lot: first.lot,
                    location: first.location,
                    expiry: first.expiry,
                    quantity: first.quantity,
                    lineRemaining: remaining
                )
            }
            return NextPick(
                reference: reference,
                lineNo: line.lineNo,
                sku: line.sku,
                lot: nil,
                location: nil,
                expiry: nil,
                quantity: 0,
                lineRemaining: remaining
            )
        }
        return nil
    }

    /// The refusal of a pick of `lot` while the line's reserved balance `first` goes before it by
    /// the allocation rule (``AllocationRule/outranks(_:_:policy:)``): "Lot L1 expires 2026-03-05:
    /// take it from A-02 first" (FEFO), "Lot L1 was received earlier: …" (FIFO).
    static func outrankedRefusal(item: ItemRow, lot: String?, first: ReservationRow) -> InventoryError {
        let why =
            switch item.policy {
            case .fefo: "Lot \(first.lot ?? "-") expires \(first.expiry?.description ?? "-")"
            case .fifo: "Lot \(first.lot ?? "-") was received earlier"
            }
        return .pickRefused(
            sku: item.sku,
            lot: lot,
            reason: "\(why): take it from \(first.location) first",
            takeLot: first.lot,
            takeLocation: first.location
        )
    }
    /// Confirms `quantity` units of an order's item as picked (one transaction, `pick` movements
    /// with the order reference). A lot other than the allocated one is accepted only when the
    /// allocation rule allows it today (``AllocationRule/exclusion(of:today:requiredShelfLifeDays:)``,
    /// refused with ``AllocationRule/explain(_:lot:location:expiry:requiredShelfLifeDays:)``) and it
    /// does not come after the allocated stock in the item's policy
    /// (``AllocationRule/outranks(_:_:policy:)``: FEFO expiry, FIFO receipt time); then the
    /// reservation moves to it. Otherwise ``InventoryError/pickRefused(sku:lot:reason:takeLot:takeLocation:)``
    /// names the lot and location to take instead.
    /// - Throws: unknownOrder, orderClosed, unknownItem, unknownLot, unknownLocation,
    ///   invalidValue (quantity; `item` not on the order; too many), pickRefused, insufficientStock.
    public func confirmPick(_ request: PickConfirmation, actor: String) async throws -> PickConfirmationResult {
        try await confirmPick(request, context: OperationContext(actor: actor))
    }

    /// Confirms a pick as ``confirmPick(_:actor:)`` does, on behalf of `context` (its scan id makes
    /// the confirmation apply once: intent `confirm-pick`).
    /// - Throws: as ``confirmPick(_:actor:)``; ``InventoryError/duplicateScan(id:movements:)`` for a replay.
    public func confirmPick(
        _ request: PickConfirmation,
        context: OperationContext
    ) async throws -> PickConfirmationResult {
        let actor = context.actor
        return try await transaction(context, intent: "confirm-pick") { db, log in
            try Quantity.validate(request.quantity)
            guard
                let orderRow = try Row.fetchOne(
                    db,
                    sql: "SELECT id, status FROM \"order\" WHERE reference = ?",
                    arguments: [request.reference]
                )
            else {
                throw InventoryError.unknownOrder(request.reference)
            }
            guard orderRow["status"] == "open" else {
                throw InventoryError.orderClosed(reference: request.reference, status: orderRow["status"])
            }
            let orderId: Int64 = orderRow["id"]
            try self.topUp(db, reference: request.reference)
            let item = try Self.item(db, request.item)
            let lines = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM orderLine WHERE orderId = ? AND itemId = ? ORDER BY lineNo
                    """,
                arguments: [orderId, item.id]
            )
            guard !lines.isEmpty else {
                throw InventoryError.invalidValue(
                    field: "item",
                    value: item.sku,
                    reason: "\(item.sku) is not on order \(request.reference)"
                )
            }
            guard let line = lines.first(where: { ($0["picked"] as Int64) < ($0["quantity"] as Int64) }) else {
                throw InventoryError.invalidValue(
                    field: "quantity",
                    value: String(request.quantity),
                    reason: "\(item.sku) on order \(request.reference) is picked complete: too many"
                )
            }
            let lineId: Int64 = line["id"]
            let remaining = (line["quantity"] as Int64) - (line["picked"] as Int64)
            guard request.quantity <= remaining else {
                throw InventoryError.invalidValue(
                    field: "quantity",
                    value: String(request.quantity),
                    reason: "only \(remaining) of \(item.sku) left to pick on order \(request.reference): too many"
                )
            }
            let minDays = max(item.minShelfLifeDays, line["minShelfLifeDays"] as Int)
            let today = self.clock.today()
            let reservations = try Self.reservations(db, lineId: lineId)
            let allocated = reservations.first
            let lotCode = request.lot ?? allocated?.lot
            let matching = reservations.filter {
                $0.lot == lotCode && (request.location == nil || $0.location == request.location)
            }
            // The scanned lot is reserved for the line too, but another of the line's reserved
            // lots goes first by the allocation rule (it expires or arrived earlier): that one is
            // taken first, wherever the scanned lot's reservation lies (a FEFO-equal lot is not
            // outranked and may be taken in any order).
            if let mine = matching.first,
                let theirs = reservations.filter({
                    $0.lot != lotCode && $0.isAllocatable(today: today, minDays: minDays)
                })
                .filter({ AllocationRule.outranks($0.candidate, mine.candidate, policy: item.policy) })
                .min(by: { AllocationRule.precedes($0.candidate, $1.candidate, policy: item.policy) })
            {
                throw Self.outrankedRefusal(item: item, lot: lotCode, first: theirs)
            }
            var movements: [Movement] = []
            var substituted = false
            var toTake = request.quantity
            // 1. Units of the reserved lot: consume its reservations.
            for res in matching where toTake > 0 {
                let take = min(res.quantity, toTake)
                let stock = try Self.stockRow(db, id: res.stockId)
                if take == res.quantity {
                    try db.execute(sql: "DELETE FROM reservation WHERE id = ?", arguments: [res.id])
                } else {
                    try db.execute(
                        sql: "UPDATE reservation SET quantity = quantity - ? WHERE id = ?",
                        arguments: [take, res.id]
                    )
                }
                try Self.takeStock(db, stock: stock, quantity: take, fromReserved: take)
                let lot = try res.lot.map { try Self.existingLot(db, item: item, code: $0) }
                movements.append(
                    try log.append(
                        db,
                        kind: .pick,
                        item: item,
                        lot: lot,
                        from: try Self.location(db, res.location),
                        to: nil,
                        quantity: take,
                        actor: actor,
                        reference: request.reference,
                        reason: nil
                    )
                )
                toTake -= take
            }
            // 2. Anything else is a substitution. Whether the scanned lot may ship, and whether it
            //    may replace the allocated stock, is the allocation rule's decision (AllocationRule).
            if toTake > 0 {
                guard let code = lotCode else {
                    throw try Self.insufficient(
                        db,
                        item: item,
                        lot: nil,
                        at: request.location,
                        label: "-",
                        requested: toTake,
                        free: 0
                    )
                }
                let lot = try Self.existingLot(db, item: item, code: code)
                let candidates = try Self.candidates(db, item: item, within: nil)
                let take = allocated.map { "take \($0.lot ?? item.sku) from \($0.location)" }
                func refuse(_ why: String) -> InventoryError {
                    .pickRefused(
                        sku: item.sku,
                        lot: code,
                        reason: why + (take.map { ": " + $0 } ?? ""),
                        takeLot: allocated?.lot,
                        takeLocation: allocated?.location
                    )
                }
                let scanned = candidates.filter {
                    $0.lot == code && (request.location == nil || $0.location == request.location)
                }
                let verdicts = scanned.map {
                    ($0, AllocationRule.exclusion(of: $0, today: today, requiredShelfLifeDays: minDays))
                }
                let usable = verdicts.filter { $0.1 == nil }.map(\.0).sorted {
                    AllocationRule.precedes($0, $1, policy: item.policy)
                }
                if usable.isEmpty,
                    let (balance, reason) = verdicts.compactMap({ v in v.1.map { (v.0, $0) } }).min(by: { $0.1 < $1.1 })
                {
                    throw refuse(
                        AllocationRule.explain(
                            reason,
                            lot: code,
                            location: balance.location,
                            expiry: balance.expiry,
                            requiredShelfLifeDays: minDays
                        )
                    )
                }
                // Free stock of the scanned lot, at the given location or the first in allocation order.
                let chosen = usable.first { $0.quantity - $0.reserved >= toTake }
                if let allocatedLot = allocated, allocatedLot.lot != code,
                    let mine = chosen ?? usable.first,
                    AllocationRule.outranks(allocatedLot.candidate, mine, policy: item.policy)
                {
                    throw Self.outrankedRefusal(item: item, lot: code, first: allocatedLot)
                }
                guard let chosen else {
                    throw try Self.insufficient(
                        db,
                        item: item,
                        lot: code,
                        at: request.location,
                        label: "any pick location",
                        requested: toTake,
                        free: 0
                    )
                }
                // Release the same quantity from the line's other reservations, first in allocation order.
                var release = toTake
                for res in try Self.reservations(db, lineId: lineId) where release > 0 {
                    let part = min(res.quantity, release)
                    if part == res.quantity {
                        try Self.release(db, reservationId: res.id, stockId: res.stockId, quantity: part)
                    } else {
                        try db.execute(
                            sql: "UPDATE reservation SET quantity = quantity - ? WHERE id = ?",
                            arguments: [part, res.id]
                        )
                        try db.execute(
                            sql: "UPDATE stock SET reserved = reserved - ? WHERE id = ?",
                            arguments: [part, res.stockId]
                        )
                    }
                    release -= part
                }
                try Self.takeStock(db, stock: try Self.stockRow(db, id: chosen.stockId), quantity: toTake)
                movements.append(
                    try log.append(
                        db,
                        kind: .pick,
                        item: item,
                        lot: lot,
                        from: try Self.location(db, chosen.location),
                        to: nil,
                        quantity: toTake,
                        actor: actor,
                        reference: request.reference,
                        reason: "picked lot \(code) instead of \(allocated?.lot ?? "-")"
                    )
                )
                substituted = true
            }
            try db.execute(
                sql: "UPDATE orderLine SET picked = picked + ? WHERE id = ?",
                arguments: [request.quantity, lineId]
            )
            let unfinished =
                try Int.fetchOne(
                    db,
                    sql: "SELECT count(*) FROM orderLine WHERE orderId = ? AND picked < quantity",
                    arguments: [orderId]
                ) ?? 0
            if unfinished == 0 {
                // Complete: release whatever is still reserved for the order (nothing should be).
                try db.execute(sql: "UPDATE \"order\" SET status = 'picked' WHERE id = ?", arguments: [orderId])
            }
            return PickConfirmationResult(
                movements: movements,
                substituted: substituted,
                order: try Self.loadOrder(db, reference: request.reference),
                next: try Self.nextPick(db, reference: request.reference)
            )
        }
    }

    /// Undoes receipts and moves by compensating movements (the ledger stays append-only): a
    /// receipt is taken back by an `adjust` from its location, a move by the reverse move.
    /// - Throws: invalidValue (a movement that is not a receipt or move, or unknown id),
    ///   insufficientStock when the goods are no longer there.
    public func reverse(movementIDs: [Int64], reason: String, actor: String) async throws -> StockChange {
        try await reverse(movementIDs: movementIDs, reason: reason, context: OperationContext(actor: actor))
    }

    /// Undoes movements as ``reverse(movementIDs:reason:actor:)`` does, on behalf of `context` (its
    /// scan id makes the undo apply once: intent `reverse`).
    /// - Throws: as ``reverse(movementIDs:reason:actor:)``; ``InventoryError/duplicateScan(id:movements:)`` for a replay.
    public func reverse(movementIDs: [Int64], reason: String, context: OperationContext) async throws -> StockChange {
        let actor = context.actor
        return try await transaction(context, intent: "reverse") { db, log in
            var change = StockChange(movements: [], balances: [:])
            for id in movementIDs.reversed() {
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM movement WHERE id = ?", arguments: [id]) else {
                    throw InventoryError.invalidValue(field: "movement", value: String(id), reason: "no such movement")
                }
                let item = try Self.item(db, itemId: row["itemId"])
                let lot = try (row["lotId"] as Int64?).map { lotId in
                    try LotRow(row: try Row.fetchOne(db, sql: "SELECT * FROM lot WHERE id = ?", arguments: [lotId])!)
                }
                let to = try (row["toLocationId"] as Int64?).map { try Self.location(db, id: $0) }
                let from = try (row["fromLocationId"] as Int64?).map { try Self.location(db, id: $0) }
                let quantity: Int64 = row["quantity"]
                switch MovementKind(rawValue: row["kind"]) {
                case .receive?:
                    let stock = try to.flatMap { try Self.stock(db, item: item, lot: lot, location: $0) }
                    guard let to, let stock, stock.quantity - stock.reserved >= quantity else {
                        throw try Self.insufficient(
                            db,
                            item: item,
                            lot: lot?.code,
                            at: to?.code,
                            label: "-",
                            requested: quantity,
                            free: stock.map { $0.quantity - $0.reserved } ?? 0
                        )
                    }
                    try Self.takeStock(db, stock: stock, quantity: quantity)
                    change.movements.append(
                        try log.append(
                            db,
                            kind: .adjust,
                            item: item,
                            lot: lot,
                            from: to,
                            to: nil,
                            quantity: quantity,
                            actor: actor,
                            reference: "movement \(id)",
                            reason: reason
                        )
                    )
                    change.balances[to.code] = try Self.stock(db, item: item, lot: lot, location: to)?.quantity ?? 0
                case .move?:
                    guard let from, let to else { continue }
                    let one = try self.moveInTransaction(
                        db,
                        log: log,
                        MoveRequest(
                            item: ItemReference(item.sku),
                            lot: lot?.code,
                            from: to.code,
                            to: from.code,
                            quantity: quantity,
                            reference: "movement \(id)"
                        ),
                        actor: actor
                    )
                    change.movements += one.movements
                    change.balances.merge(one.balances) { $1 }
                default:
                    throw InventoryError.invalidValue(
                        field: "movement",
                        value: String(id),
                        reason: "only receipts and moves can be undone"
                    )
                }
            }
            return change
        }
    }

    static func location(_ db: Database, id: Int64) throws -> LocationRow {
        LocationRow(row: try Row.fetchOne(db, sql: "SELECT * FROM location WHERE id = ?", arguments: [id])!)
    }
}
