import Foundation
import GRDB

/// A pick of one item by the allocation rule.
public struct PickRequest: Sendable, Codable, Equatable {
    /// The item to pick: SKU or GTIN.
    public var item: ItemReference
    /// Base units, 0 < q < 2^53.
    public var quantity: Int64
    /// Stored on the movements (e.g. an order or delivery number).
    public var reference: String?
    /// Minimum remaining shelf life in days for this request (the item's own minimum still applies).
    public var minRemainingShelfLifeDays: Int?
    /// Only take stock in this location and its children.
    public var within: String?
    /// Plan only; write nothing.
    public var dryRun: Bool
    /// Take what is allocatable when it is less than requested, instead of refusing.
    public var allowPartial: Bool

    /// Creates a request (`quantity` in base units, shelf life in days); validates nothing and throws
    /// nothing (``InventoryStore/pick(_:actor:)`` validates).
    public init(
        item: ItemReference,
        quantity: Int64,
        reference: String? = nil,
        minRemainingShelfLifeDays: Int? = nil,
        within: String? = nil,
        dryRun: Bool = false,
        allowPartial: Bool = false
    ) {
        self.item = item
        self.quantity = quantity
        self.reference = reference
        self.minRemainingShelfLifeDays = minRemainingShelfLifeDays
        self.within = within
        self.dryRun = dryRun
        self.allowPartial = allowPartial
    }

    /// Decodes the Varlink `Pick` parameters; absent booleans are false.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        item = try c.decode(ItemReference.self, forKey: .item)
        quantity = try c.decode(Int64.self, forKey: .quantity)
        reference = try c.decodeIfPresent(String.self, forKey: .reference)
        minRemainingShelfLifeDays = try c.decodeIfPresent(Int.self, forKey: .minRemainingShelfLifeDays)
        within = try c.decodeIfPresent(String.self, forKey: .within)
        dryRun = try c.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
        allowPartial = try c.decodeIfPresent(Bool.self, forKey: .allowPartial) ?? false
    }
}

/// What a pick did (or would do, in a dry run).
public struct PickResult: Sendable, Codable, Equatable {
    /// SKU of the picked item.
    public var sku: String
    /// The allocation the pick followed (or would follow), with its explanation.
    public var plan: AllocationPlan
    /// Empty in a dry run.
    public var movements: [Movement]
    /// Whether this was a dry run (nothing written).
    public var dryRun: Bool
}

/// One line of a new order.
public struct OrderLineRequest: Sendable, Codable, Equatable {
    /// The item ordered: SKU or GTIN.
    public var item: ItemReference
    /// Base units, 0 < q < 2^53.
    public var quantity: Int64
    /// Minimum remaining shelf life in days for this line, 0 to 36500 (the item's own minimum still
    /// applies); nil means 0.
    public var minRemainingShelfLifeDays: Int?

    /// Creates a line (`quantity` in base units, shelf life in days); validates nothing and throws nothing
    /// (``InventoryStore/createOrder(reference:lines:actor:customer:)`` validates).
    public init(item: ItemReference, quantity: Int64, minRemainingShelfLifeDays: Int? = nil) {
        self.item = item
        self.quantity = quantity
        self.minRemainingShelfLifeDays = minRemainingShelfLifeDays
    }
}

/// Status of an order.
public enum OrderStatus: String, Sendable, Codable {
    /// `open`: being picked, stock reserved; `picked`: every line fully picked; `cancelled`: reservations
    /// released, stock untouched.
    case open, picked, cancelled
}

/// Stock held for an order line.
public struct OrderReservation: Sendable, Codable, Equatable {
    /// Reserved lot code, or nil for stock without a lot.
    public var lot: String?
    /// Code of the location the stock is reserved at.
    public var location: String
    /// Expiry date of the reserved lot, a calendar date; nil when undated or without lot.
    public var expiry: CalendarDate?
    /// Base units.
    public var quantity: Int64
}

/// An order line with its progress.
public struct OrderLine: Sendable, Codable, Equatable {
    /// Line number within the order, from 1.
    public var lineNo: Int
    /// SKU of the line's item.
    public var sku: String
    /// Base units ordered.
    public var quantity: Int64
    /// Base units reserved now.
    public var reserved: Int64
    /// Base units picked so far.
    public var picked: Int64
    /// quantity − picked − reserved: what could not be reserved.
    public var shortfall: Int64
    /// The line's minimum remaining shelf life in days (0 when the order gave none).
    public var minRemainingShelfLifeDays: Int
    /// Reservations in allocation order.
    public var reservations: [OrderReservation]
    /// How many reservations are left out of ``reservations`` (and of ``reserved`` and
    /// ``shortfall``) because an open blind count covers their location and the caller is below
    /// its supervisor role (``BlindFilter/visible(_:)-(Order)``); 0 otherwise.
    public var hiddenReservations: Int = 0
}

/// An order with its lines.
public struct Order: Sendable, Codable, Equatable {
    /// The order's reference (1 to 64 characters), unique among orders.
    public var reference: String
    /// Whether the order is open, picked or cancelled.
    public var status: OrderStatus
    /// When the order was created (UTC instant).
    public var createdAt: Date
    /// The lines, by line number.
    public var lines: [OrderLine]
    /// Code of the customer the order ships for: every line's item is this customer's.
    public var customer: String = Customer.defaultCode
}

/// What picking an order did.
public struct OrderPickResult: Sendable, Codable, Equatable {
    /// The order after picking.
    public var order: Order
    /// The `pick` movements written, in ledger order.
    public var movements: [Movement]
}

extension InventoryStore {
    /// Picks an item by the allocation rule: one transaction, one `pick` movement per line.
    /// The plan is as `audience` may see it: for a `counter`, stock under an open blind count is
    /// left out of its allocatable, excluded and skipped figures (``AllocationPlan/hiddenStock``),
    /// and a refusal for too little stock then states no allocatable figure (docs/counts.md,
    /// "Blind counts").
    /// - Throws: ``InventoryError`` — invalidValue (quantity, minRemainingShelfLifeDays),
    ///   unknownItem, unknownLocation (within), allocationShort (allocatable -1 and no exclusions
    ///   when a blind count hides stock of the item from a counter). Stock under an open blind
    ///   count is never taken (``ExclusionReason/counting``).
    public func pick(
        _ request: PickRequest,
        actor: String,
        audience: CountAudience = .reviewer
    ) async throws -> PickResult {
        let body: @Sendable (Database, MovementLog) throws -> PickResult = { db, log in
            try Quantity.validate(request.quantity)
            if let days = request.minRemainingShelfLifeDays { try Self.checkShelfLife(days) }
            let item = try Self.item(db, request.item)
            let within = try request.within.map { try Self.location(db, $0) }
            let scopes = try Self.blindScopes(db, for: audience).filter { $0.item == nil || $0.item == item.id }
            let allocated: (plan: AllocationPlan, keys: [Int64: CandidateKeys])
            do {
                allocated = try self.allocation(
                    db,
                    item: item,
                    quantity: request.quantity,
                    minDays: request.minRemainingShelfLifeDays ?? 0,
                    within: within,
                    allowPartial: request.allowPartial
                )
            } catch let InventoryError.allocationShort(sku, requested, allocatable, excluded) where !scopes.isEmpty {
                let hidden = Set(scopes.flatMap(\.codes))
                let blind = try Self.candidates(db, item: item, within: within).contains {
                    hidden.contains($0.location)
                }
                throw InventoryError.allocationShort(
                    sku: sku,
                    requested: requested,
                    allocatable: blind ? -1 : allocatable,
                    excluded: blind ? [:] : excluded
                )
            }
            let keys = allocated.keys
            var plan = allocated.plan
            if !scopes.isEmpty {
                plan = Self.blindPlan(
                    plan,
                    item: item,
                    candidates: try Self.candidates(db, item: item, within: within),
                    scopes: scopes
                )
            }
            if request.dryRun { return PickResult(sku: item.sku, plan: plan, movements: [], dryRun: true) }
            var movements: [Movement] = []
            movements.reserveCapacity(plan.lines.count)
            for line in plan.lines {
                // The balance, its lot and its location as the candidates query read them in this
                // transaction: nothing else writes between that read and these writes.
                guard let key = keys[line.stockId] else {
                    throw InventoryError.invalidValue(
                        field: "stock",
                        value: String(line.stockId),
                        reason: "balance vanished during the transaction"
                    )
                }
                try Self.takeStock(db, stock: key.stock, quantity: line.quantity)
                movements.append(
                    try log.append(
                        db,
                        MovementLog.Pending(
                            kind: .pick,
                            item: item,
                            lot: key.lot,
                            from: key.location,
                            to: nil,
                            quantity: line.quantity
                        ),
                        actor: actor,
                        reference: request.reference,
                        reason: nil
                    )
                )
            }
            return PickResult(sku: item.sku, plan: plan, movements: movements, dryRun: false)
        }
        if request.dryRun {
            return try await writer.read { db in try body(db, MovementLog(now: self.clock.now())) }
        }
        return try await transaction(nil, body)
    }

    /// The candidates of an item (optionally within a subtree) and the rule's plan.
    func allocate(
        _ db: Database,
        item: ItemRow,
        quantity: Int64,
        minDays: Int,
        within: LocationRow?,
        allowPartial: Bool
    ) throws -> AllocationPlan {
        try allocation(
            db,
            item: item,
            quantity: quantity,
            minDays: minDays,
            within: within,
            allowPartial: allowPartial
        ).plan
    }

    /// The rule's plan for an item, with the balance, lot and location rows of every candidate
    /// by stock id (what a pick writes with, read once by the candidates query).
    func allocation(
        _ db: Database,
        item: ItemRow,
        quantity: Int64,
        minDays: Int,
        within: LocationRow?,
        allowPartial: Bool
    ) throws -> (plan: AllocationPlan, keys: [Int64: CandidateKeys]) {
        let rows = try Self.candidateRows(db, item: item, within: within)
        let request = AllocationRequest(
            quantity: quantity,
            policy: item.policy,
            today: clock.today(),
            requiredShelfLifeDays: max(item.minShelfLifeDays, minDays),
            allowPartial: allowPartial
        )
        let plan = try AllocationRule.plan(sku: item.sku, candidates: rows.map(\.candidate), request: request)
        var keys: [Int64: CandidateKeys] = [:]
        keys.reserveCapacity(plan.lines.count)
        for line in plan.lines {
            if let row = rows.first(where: { $0.candidate.stockId == line.stockId }) { keys[line.stockId] = row.keys }
        }
        return (plan, keys)
    }

    /// What a pick needs of a candidate besides the rule's view: the balance as read, and the
    /// ids with codes of its lot and location (for the movement).
    struct CandidateKeys {
        var stock: StockRow
        var lot: MovementLog.Ref?
        var location: MovementLog.Ref
    }

    static func candidates(_ db: Database, item: ItemRow, within: LocationRow?) throws -> [AllocationCandidate] {
        try candidateRows(db, item: item, within: within).map(\.candidate)
    }

    /// The candidates of an item with their keys, columns read by position (GRDB's by-name
    /// lookup lowercases the name on every access).
    static func candidateRows(
        _ db: Database,
        item: ItemRow,
        within: LocationRow?
    ) throws -> [(candidate: AllocationCandidate, keys: CandidateKeys)] {
        var sql = """
            SELECT s.id, s.quantity, s.reserved, s.receivedAt, l.code AS lot, l.expiry, l.status,
                   loc.code AS location, loc.kind, loc.pickPriority,
                   EXISTS (SELECT 1 FROM location c WHERE c.parentId = loc.id) AS inZone,
                   s.lotId, s.locationId
            FROM stock s LEFT JOIN lot l ON l.id = s.lotId JOIN location loc ON loc.id = s.locationId
            WHERE s.itemId = ?
            """
        var arguments: StatementArguments = [item.id]
        if let within {
            sql += """
                 AND s.locationId IN (WITH RECURSIVE sub(id) AS (
                    SELECT ? UNION SELECT location.id FROM location JOIN sub ON location.parentId = sub.id)
                 SELECT id FROM sub)
                """
            arguments += [within.id]
        }
        let frozen = try frozenLocations(db, item: item.id)
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        var result: [(candidate: AllocationCandidate, keys: CandidateKeys)] = []
        while let row = try cursor.next() {
            let stockId: Int64 = row[0]
            let quantity: Int64 = row[1]
            let reserved: Int64 = row[2]
            let receivedAt: Date = row[3]
            let lot: String? = row[4]
            let location: String = row[7]
            let lotId: Int64? = row[11]
            let candidate = AllocationCandidate(
                stockId: stockId,
                lot: lot,
                expiry: try LotRow.storedDate(row, 5, column: "expiry"),
                lotStatus: (row[6] as String?).flatMap(LotStatus.init(rawValue:)),
                location: location,
                locationKind: LocationKind(rawValue: row[8]) ?? .storage,
                pickPriority: row[9],
                receivedAt: receivedAt,
                quantity: quantity,
                reserved: reserved,
                inZone: row[10],
                underBlindCount: !frozen.isEmpty && frozen.contains(row[12])
            )
            let keys = CandidateKeys(
                stock: StockRow(id: stockId, quantity: quantity, reserved: reserved, receivedAt: receivedAt),
                lot: lotId.flatMap { id in lot.map { MovementLog.Ref(id: id, code: $0) } },
                location: MovementLog.Ref(id: row[12], code: location)
            )
            result.append((candidate, keys))
        }
        return result
    }

    static func stockRow(_ db: Database, id: Int64) throws -> StockRow {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT id, quantity, reserved, receivedAt FROM stock WHERE id = ?"),
                arguments: [id]
            )
        else {
            throw InventoryError.invalidValue(
                field: "stock",
                value: String(id),
                reason: "balance vanished during the transaction"
            )
        }
        return StockRow(
            id: row["id"],
            quantity: row["quantity"],
            reserved: row["reserved"],
            receivedAt: row["receivedAt"]
        )
    }

    // MARK: Orders

    /// Creates an order and reserves stock for each line by the allocation rule. Short lines
    /// reserve what exists and report the shortfall.
    /// The order belongs to `customer` (a code; nil: the default customer), and so must every
    /// line's item; a line's GTIN is read as that customer's GTIN.
    /// - Throws: ``InventoryError`` — invalidValue (reference, lines, quantity), duplicate
    ///   (order), unknownItem, unknownCustomer, wrongCustomer (a line's item is another
    ///   customer's).
    public func createOrder(
        reference: String,
        lines: [OrderLineRequest],
        actor: String,
        customer: String? = nil
    ) async throws -> Order {
        try await transaction { db, log in
            let reference = try TextField.code(reference, field: "reference")
            guard !lines.isEmpty else {
                throw InventoryError.invalidValue(
                    field: "lines",
                    value: "[]",
                    reason: "an order needs at least one line"
                )
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM \"order\" WHERE reference = ?", arguments: [reference]) == true
            {
                throw InventoryError.duplicate(field: "order", value: reference, owner: nil)
            }
            let customerId = try Self.customerId(db, customer)
            try db.execute(
                sql:
                    "INSERT INTO \"order\" (reference, status, createdAt, actor, customerId) VALUES (?, 'open', ?, ?, ?)",
                arguments: [reference, log.now, actor, customerId]
            )
            let orderId = db.lastInsertedRowID
            for (index, line) in lines.enumerated() {
                try Quantity.validate(line.quantity, field: "lines[\(index)].quantity")
                if let days = line.minRemainingShelfLifeDays { try Self.checkShelfLife(days) }
                let item = try Self.item(db, line.item, ofCustomer: customerId)
                try db.execute(
                    sql: """
                        INSERT INTO orderLine (orderId, lineNo, itemId, quantity, picked, minShelfLifeDays) VALUES (?, ?, ?, ?, 0, ?)
                        """,
                    arguments: [orderId, index + 1, item.id, line.quantity, line.minRemainingShelfLifeDays ?? 0]
                )
                try self.reserve(
                    db,
                    lineId: db.lastInsertedRowID,
                    item: item,
                    quantity: line.quantity,
                    minDays: line.minRemainingShelfLifeDays ?? 0
                )
            }
            return try Self.loadOrder(db, reference: reference)
        }
    }

    /// The item an order line of customer `customerId` names: a SKU of that customer's, or a
    /// GTIN read as that customer's.
    /// - Throws: ``InventoryError/wrongCustomer(sku:itemCustomer:customer:)`` for another
    ///   customer's item (a SKU, or a GTIN only other customers' items have), and as
    ///   ``item(_:_:customer:)``.
    static func item(_ db: Database, _ reference: ItemReference, ofCustomer customerId: Int64) throws -> ItemRow {
        let item: ItemRow
        do {
            item = try Self.item(db, reference, customer: customerId)
        } catch InventoryError.unknownItem {
            item = try Self.item(db, reference)
        }
        guard item.customerId != customerId else { return item }
        throw InventoryError.wrongCustomer(
            sku: item.sku,
            itemCustomer: try customerCode(db, id: item.customerId),
            customer: try customerCode(db, id: customerId)
        )
    }

    /// Reserves up to `quantity` for an order line by the allocation rule (partial allowed).
    func reserve(_ db: Database, lineId: Int64, item: ItemRow, quantity: Int64, minDays: Int) throws {
        guard quantity > 0 else { return }
        let plan = try allocate(db, item: item, quantity: quantity, minDays: minDays, within: nil, allowPartial: true)
        for line in plan.lines {
            try db.execute(
                sql: "UPDATE stock SET reserved = reserved + ? WHERE id = ?",
                arguments: [line.quantity, line.stockId]
            )
            try db.execute(
                sql: """
                    INSERT INTO reservation (orderLineId, stockId, quantity) VALUES (?, ?, ?)
                    ON CONFLICT (orderLineId, stockId) DO UPDATE SET quantity = quantity + excluded.quantity
                    """,
                arguments: [lineId, line.stockId, line.quantity]
            )
        }
    }

    /// One order with its lines and reservations.
    /// - Throws: ``InventoryError/unknownOrder(_:)``.
    public func order(_ reference: String) async throws -> Order {
        try await writer.read { db in try Self.loadOrder(db, reference: reference) }
    }

    /// Confirms the picks of an order: every line, or the line `lineNo` (1-based). Reservations
    /// that are no longer allocatable (lot expired, quarantined, blocked, shelf life too short)
    /// are released and replaced by the rule first; short lines are topped up from new stock.
    /// One transaction; one `pick` movement per reservation, with the order reference.
    /// - Throws: ``InventoryError`` — unknownOrder, orderClosed, invalidValue (line).
    public func pickOrder(_ reference: String, line lineNo: Int? = nil, actor: String) async throws -> OrderPickResult {
        try await transaction { db, log in
            guard
                let order = try Row.fetchOne(
                    db,
                    sql: "SELECT id, status FROM \"order\" WHERE reference = ?",
                    arguments: [reference]
                )
            else {
                throw InventoryError.unknownOrder(reference)
            }
            let orderId: Int64 = order["id"]
            guard order["status"] == "open" else {
                throw InventoryError.orderClosed(reference: reference, status: order["status"])
            }
            var lineRows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM orderLine WHERE orderId = ? ORDER BY lineNo",
                arguments: [orderId]
            )
            if let lineNo {
                lineRows = lineRows.filter { $0["lineNo"] == lineNo }
                guard !lineRows.isEmpty else {
                    throw InventoryError.invalidValue(
                        field: "line",
                        value: String(lineNo),
                        reason: "order \(reference) has no such line"
                    )
                }
            }
            var movements: [Movement] = []
            let today = self.clock.today()
            for lineRow in lineRows {
                let lineId: Int64 = lineRow["id"]
                let item = try Self.item(db, itemId: lineRow["itemId"])
                let minDays = max(item.minShelfLifeDays, lineRow["minShelfLifeDays"] as Int)
                // Release reservations the rule would no longer allow today.
                for res in try Self.reservations(db, lineId: lineId)
                where !res.isAllocatable(today: today, minDays: minDays) {
                    try Self.release(db, reservationId: res.id, stockId: res.stockId, quantity: res.quantity)
                }
                let reservedNow =
                    try Int64.fetchOne(
                        db,
                        sql: "SELECT ifnull(sum(quantity), 0) FROM reservation WHERE orderLineId = ?",
                        arguments: [lineId]
                    ) ?? 0
                let open = (lineRow["quantity"] as Int64) - (lineRow["picked"] as Int64) - reservedNow
                try self.reserve(db, lineId: lineId, item: item, quantity: open, minDays: lineRow["minShelfLifeDays"])
                var picked: Int64 = 0
                for res in try Self.reservations(db, lineId: lineId) {
                    let stock = try Self.stockRow(db, id: res.stockId)
                    try db.execute(sql: "DELETE FROM reservation WHERE id = ?", arguments: [res.id])
                    try Self.takeStock(db, stock: stock, quantity: res.quantity, fromReserved: res.quantity)
                    let lot = try res.lot.map { try Self.existingLot(db, item: item, code: $0) }
                    let location = try Self.location(db, res.location)
                    movements.append(
                        try log.append(
                            db,
                            kind: .pick,
                            item: item,
                            lot: lot,
                            from: location,
                            to: nil,
                            quantity: res.quantity,
                            actor: actor,
                            reference: reference,
                            reason: nil
                        )
                    )
                    picked += res.quantity
                }
                try db.execute(
                    sql: "UPDATE orderLine SET picked = picked + ? WHERE id = ?",
                    arguments: [picked, lineId]
                )
            }
            let unfinished =
                try Int.fetchOne(
                    db,
                    sql: "SELECT count(*) FROM orderLine WHERE orderId = ? AND picked < quantity",
                    arguments: [orderId]
                ) ?? 0
            if unfinished == 0 {
                try db.execute(sql: "UPDATE \"order\" SET status = 'picked' WHERE id = ?", arguments: [orderId])
            }
            return OrderPickResult(order: try Self.loadOrder(db, reference: reference), movements: movements)
        }
    }

    /// Cancels an open order and releases its reservations. Stock is untouched.
    /// - Throws: ``InventoryError`` — unknownOrder, orderClosed.
    public func cancelOrder(_ reference: String, actor: String) async throws -> Order {
        try await transaction { db, _ in
            guard
                let order = try Row.fetchOne(
                    db,
                    sql: "SELECT id, status FROM \"order\" WHERE reference = ?",
                    arguments: [reference]
                )
            else {
                throw InventoryError.unknownOrder(reference)
            }
            guard order["status"] == "open" else {
                throw InventoryError.orderClosed(reference: reference, status: order["status"])
            }
            let lineIds = try Int64.fetchAll(
                db,
                sql: "SELECT id FROM orderLine WHERE orderId = ?",
                arguments: [order["id"] as Int64]
            )
            for lineId in lineIds {
                for res in try Self.reservations(db, lineId: lineId) {
                    try Self.release(db, reservationId: res.id, stockId: res.stockId, quantity: res.quantity)
                }
            }
            try db.execute(
                sql: "UPDATE \"order\" SET status = 'cancelled' WHERE id = ?",
                arguments: [order["id"] as Int64]
            )
            return try Self.loadOrder(db, reference: reference)
        }
    }

    /// One reservation of an order line with the balance it holds (ordered by reservation id).
    struct ReservationRow {
        var id: Int64
        var stockId: Int64
        var quantity: Int64
        var lot: String?
        var expiry: CalendarDate?
        var lotStatus: LotStatus?
        var location: String
        var locationKind: LocationKind
        var pickPriority: Int
        var receivedAt: Date
        var inZone: Bool

        /// The reserved balance as the allocation rule sees it (its reserved part is this reservation).
        var candidate: AllocationCandidate {
            AllocationCandidate(
                stockId: stockId,
                lot: lot,
                expiry: expiry,
                lotStatus: lotStatus,
                location: location,
                locationKind: locationKind,
                pickPriority: pickPriority,
                receivedAt: receivedAt,
                quantity: quantity,
                reserved: quantity,
                inZone: inZone
            )
        }

        /// Whether the rule still allows the reserved stock today (AllocationRule.exclusion).
        func isAllocatable(today: CalendarDate, minDays: Int) -> Bool {
            AllocationRule.exclusion(of: candidate, today: today, requiredShelfLifeDays: minDays) == nil
        }
    }

    static func reservations(_ db: Database, lineId: Int64) throws -> [ReservationRow] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT r.id, r.stockId, r.quantity, l.code AS lot, l.expiry, l.status, loc.code AS location, loc.kind,
                       loc.pickPriority, s.receivedAt, EXISTS (SELECT 1 FROM location c WHERE c.parentId = loc.id) AS inZone
                FROM reservation r JOIN stock s ON s.id = r.stockId LEFT JOIN lot l ON l.id = s.lotId
                JOIN location loc ON loc.id = s.locationId
                WHERE r.orderLineId = ? ORDER BY r.id
                """,
            arguments: [lineId]
        ).map { row in
            ReservationRow(
                id: row["id"],
                stockId: row["stockId"],
                quantity: row["quantity"],
                lot: row["lot"],
                expiry: try LotRow.storedDate(row, "expiry"),
                lotStatus: (row["status"] as String?).flatMap(LotStatus.init(rawValue:)),
                location: row["location"],
                locationKind: LocationKind(rawValue: row["kind"]) ?? .storage,
                pickPriority: row["pickPriority"],
                receivedAt: row["receivedAt"],
                inZone: row["inZone"]
            )
        }
    }

    static func release(_ db: Database, reservationId: Int64, stockId: Int64, quantity: Int64) throws {
        try db.execute(sql: "DELETE FROM reservation WHERE id = ?", arguments: [reservationId])
        try db.execute(sql: "UPDATE stock SET reserved = reserved - ? WHERE id = ?", arguments: [quantity, stockId])
    }

    static func item(_ db: Database, itemId: Int64) throws -> ItemRow {
        ItemRow(row: try Row.fetchOne(db, sql: "SELECT * FROM item WHERE id = ?", arguments: [itemId])!)
    }

    static func loadOrder(_ db: Database, reference: String) throws -> Order {
        guard
            let order = try Row.fetchOne(db, sql: "SELECT * FROM \"order\" WHERE reference = ?", arguments: [reference])
        else {
            throw InventoryError.unknownOrder(reference)
        }
        let lines = try Row.fetchAll(
            db,
            sql: """
                SELECT ol.*, item.sku FROM orderLine ol JOIN item ON item.id = ol.itemId WHERE orderId = ? ORDER BY lineNo
                """,
            arguments: [order["id"] as Int64]
        )
        return Order(
            reference: reference,
            status: OrderStatus(rawValue: order["status"]) ?? .open,
            createdAt: order["createdAt"],
            lines: try lines.map { row in
                let reservations = try reservations(db, lineId: row["id"])
                let reserved = reservations.reduce(0) { $0 + $1.quantity }
                let quantity: Int64 = row["quantity"]
                let picked: Int64 = row["picked"]
                let status = OrderStatus(rawValue: order["status"]) ?? .open
                return OrderLine(
                    lineNo: row["lineNo"],
                    sku: row["sku"],
                    quantity: quantity,
                    reserved: reserved,
                    picked: picked,
                    shortfall: status == .open ? quantity - picked - reserved : 0,
                    minRemainingShelfLifeDays: row["minShelfLifeDays"],
                    reservations: reservations.map {
                        OrderReservation(lot: $0.lot, location: $0.location, expiry: $0.expiry, quantity: $0.quantity)
                    }
                )
            },
            customer: try customerCode(db, id: order["customerId"])
        )
    }
}
