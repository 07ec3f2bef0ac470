import Foundation
import GRDB

/// A lot with its stock, in the allocation order of its item.
public struct LotView: Sendable, Codable, Equatable {
    /// The lot: code, calendar dates and status.
    public var lot: Lot
    /// Days from today to expiry (nil without expiry).
    public var daysLeft: Int?
    /// On hand over all locations, base units.
    public var onHand: Int64
    /// Reserved over all locations, base units.
    public var reserved: Int64
    /// Base units the rule could allocate today (with the item's minimum shelf life).
    public var allocatable: Int64
    /// Why the rest is excluded, by reason.
    public var excluded: [ExclusionReason: Int64]
}

/// A lot expiring soon with stock on hand.
public struct ExpiringLot: Sendable, Codable, Equatable {
    /// SKU of the lot's item.
    public var sku: String
    /// Lot code (GS1 AI 10).
    public var lot: String
    /// Expiry date (GS1 AI 17), a calendar date.
    public var expiry: CalendarDate
    /// Negative when already expired.
    public var daysLeft: Int
    /// On hand over all locations, base units.
    public var onHand: Int64
    /// The lot's status.
    public var status: LotStatus
    /// Locations holding it, by code.
    public var locations: [String]
}

/// A page of the ledger as a caller may see it (``InventoryStore/ledgerPage(_:audience:)``).
public struct LedgerPage: Sendable, Equatable {
    /// The movements, oldest first.
    public var movements: [Movement]
    /// Movements matching the filter in this page's range that are left out because an open
    /// blind count covers their location and the caller is below its supervisor role; 0 otherwise.
    public var hidden: Int
}

/// Which ledger rows to return.
public struct LedgerFilter: Sendable, Codable, Equatable {
    /// Only movements of this item (SKU or GTIN); nil for every item.
    public var item: ItemReference?
    /// Only movements of this lot code; nil for every lot.
    public var lot: String?
    /// Movements from or to this location.
    public var location: String?
    /// Inclusive lower bound on `at` (UTC).
    public var since: Date?
    /// Exclusive upper bound on `at` (UTC).
    public var until: Date?
    /// Only rows with id greater than this.
    public var afterId: Int64?
    /// At most this many rows (1...100000), oldest first.
    public var limit: Int
    /// Only movements of this customer's items (a code); nil for every customer's.
    public var customer: String?

    /// Creates a filter; nil fields do not filter, `limit` defaults to 1000. Validates nothing and throws
    /// nothing (``InventoryStore/ledger(_:)`` checks `limit`).
    public init(
        item: ItemReference? = nil,
        lot: String? = nil,
        location: String? = nil,
        since: Date? = nil,
        until: Date? = nil,
        afterId: Int64? = nil,
        limit: Int = 1000,
        customer: String? = nil
    ) {
        self.customer = customer
        self.item = item
        self.lot = lot
        self.location = location
        self.since = since
        self.until = until
        self.afterId = afterId
        self.limit = limit
    }
}

/// Counts that answer "what is the state right now".
public struct StoreStatus: Sendable, Codable, Equatable {
    /// The store clock's current instant (UTC).
    public var now: Date
    /// The store clock's current calendar date in the warehouse's time zone.
    public var today: CalendarDate
    /// Number of items.
    public var items: Int
    /// Number of locations.
    public var locations: Int
    /// Number of lots.
    public var lots: Int
    /// Number of balances (stock rows).
    public var balances: Int
    /// Sum of all on-hand quantities, base units.
    public var onHand: Int64
    /// Number of orders with status `open`.
    public var openOrders: Int
    /// Id of the newest ledger row (0 when empty).
    public var ledgerPosition: Int64
    /// Path of the SQLite database file.
    public var databasePath: String
    /// When a commit is on disk: `full` (fsync per commit) or `normal` (see ``Durability``).
    public var durability: Durability
    /// Why writes are stopped (an I/O error or damage, ``WriteStop``); nil while they are accepted.
    public var writesStopped: WriteStop? = nil
}

/// A balance that disagrees with the ledger.
public struct BalanceMismatch: Sendable, Codable, Equatable {
    /// SKU of the balance's item.
    public var sku: String
    /// Lot code, or nil for stock without a lot.
    public var lot: String?
    /// Code of the balance's location.
    public var location: String
    /// The stock table's quantity.
    public var onHand: Int64
    /// The ledger's sum.
    public var ledger: Int64
}

/// A balance whose `reserved` disagrees with the reservations held on it (orders' allocations).
public struct ReservationMismatch: Sendable, Codable, Equatable {
    /// SKU of the balance's item.
    public var sku: String
    /// Lot code, or nil for stock without a lot.
    public var lot: String?
    /// Code of the balance's location.
    public var location: String
    /// The stock table's `reserved`, in base units.
    public var reserved: Int64
    /// The sum of the reservations on the balance, in base units.
    public var reservations: Int64
    /// The orders holding those reservations (references, sorted), possibly empty.
    public var orders: [String]
}

/// Result of ``InventoryStore/verify()``.
public struct VerifyReport: Sendable, Codable, Equatable {
    /// `PRAGMA integrity_check` lines; ["ok"] when sound.
    public var integrity: [String]
    /// Problems of `PRAGMA foreign_key_check`, as text.
    public var foreignKeys: [String]
    /// Number of balances (stock rows) checked against the ledger.
    public var balancesChecked: Int
    /// Balances whose quantity differs from the ledger's sum (including ledger sums with no balance row).
    public var mismatches: [BalanceMismatch]
    /// Balances whose `stock.reserved` disagrees with their reservations (all of them counted).
    public var reservationMismatches: Int
    /// The first ``verifyListLimit`` of those balances, each named.
    public var reservationProblems: [ReservationMismatch] = []
    /// Movements whose chain hash was checked (``LedgerChain``).
    public var chainChecked: Int = 0
    /// The first movement whose hash does not match its content and its predecessor's hash: the
    /// ledger was changed at or just before this row. nil when the chain is intact.
    public var chainFirstBadMovement: Int64? = nil
    /// Whether the ledger has a keyed part (``LedgerKeying``: HMAC rows from the keying marker on).
    public var chainKeyed: Bool = false
    /// The first movement id of the keyed part (the keying marker's): movements below it are
    /// plain SHA-256 rows written before the ledger was keyed, bound to it by the marker's record
    /// of their tip. nil when the ledger is not keyed.
    public var chainKeyedFrom: Int64? = nil
    /// For ``chainFirstBadMovement``: the columns whose field tags show them changed (keyed rows
    /// only; empty when the row was removed, inserted or reordered, or for plain rows).
    public var chainBadFields: [String] = []
    /// For ``chainFirstBadMovement``: what is wrong with it, one sentence.
    public var chainProblem: String? = nil
    /// Fact rows (``LedgerKeying``, table `ledgerFact`) whose MAC was checked.
    public var factsChecked: Int = 0
    /// The first fact row whose MAC does not match (the fact chain was edited there).
    public var factChainFirstBad: Int64? = nil
    /// Stored facts that disagree with the keyed ledger, each naming the table, the row key and
    /// the field: the bad movement's changed columns (table `movement`), then rows of item,
    /// itemGTIN, location, lot and stock that differ from their newest fact.
    public var factMismatches: [FactMismatch] = []
    /// One result per seal given to ``InventoryStore/verify(seals:)``.
    public var seals: [SealCheck] = []
    /// True when integrity is ["ok"] and there are no foreign-key problems, balance or reservation
    /// mismatches, chain breaks, fact mismatches or disagreeing seals.
    public var ok: Bool {
        integrity == ["ok"] && foreignKeys.isEmpty && mismatches.isEmpty && reservationMismatches == 0
            && chainFirstBadMovement == nil && factChainFirstBad == nil && factMismatches.isEmpty
            && seals.allSatisfy(\.ok)
    }

    /// The most problems of one kind a report names (``reservationProblems``): 100; the counts
    /// stay complete.
    public static let verifyListLimit = 100
}

extension InventoryStore {
    /// Balances, filtered by item, lot and location (the location and its children), ordered by
    /// SKU, location code, lot code, as `audience` may see them: a `counter` (operators, viewers,
    /// scanner lookups) does not get the balances an open blind count has not counted yet, so the
    /// booked quantity never reaches the person counting (docs/counts.md, "Blind counts");
    /// a `reviewer` (clerk, admin) sees all.
    /// `customer` (a code) keeps only that customer's items' balances, and reads a GTIN `item`
    /// as that customer's.
    /// - Throws: unknownItem, unknownLocation, unknownLot, unknownCustomer, itemAmbiguous.
    public func stock(
        item: ItemReference? = nil,
        lot: String? = nil,
        location: String? = nil,
        customer: String? = nil,
        audience: CountAudience = .reviewer
    ) async throws -> [StockBalance] {
        try await writer.read { db in
            let blind = try Self.blindScopes(db, for: audience)
            var conditions: [String] = []
            var arguments: StatementArguments = []
            var itemRow: ItemRow?
            let customerId = try customer.map { try Self.customerId(db, $0) }
            if let customerId {
                conditions.append("i.customerId = ?")
                arguments += [customerId]
            }
            if let item {
                itemRow = try Self.item(db, item, customer: customerId)
                conditions.append("s.itemId = ?")
                arguments += [itemRow!.id]
            }
            if let lot {
                if let itemRow {
                    conditions.append("s.lotId = ?")
                    arguments += [try Self.existingLot(db, item: itemRow, code: lot).id]
                } else {
                    conditions.append("l.code = ?")
                    arguments += [lot]
                }
            }
            if let location {
                let ids = try Self.subtree(db, of: Self.location(db, location))
                conditions.append("s.locationId IN (\(ids.map { String($0) }.joined(separator: ",")))")
            }
            let sql = """
                SELECT i.sku, l.code AS lot, loc.code AS location, s.quantity, s.reserved, s.receivedAt, l.expiry,
                       l.status, loc.kind, s.itemId, s.locationId, ifnull(s.lotId, 0) AS lotId
                FROM stock s JOIN item i ON i.id = s.itemId LEFT JOIN lot l ON l.id = s.lotId
                JOIN location loc ON loc.id = s.locationId
                \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                ORDER BY i.sku, loc.code, l.code
                """
            return try Row.fetchAll(db, sql: sql, arguments: arguments).filter { row in
                let key = BalanceKey(item: row["itemId"], location: row["locationId"], lot: row["lotId"])
                return !blind.contains { $0.hides(key) }
            }.map { row in
                StockBalance(
                    sku: row["sku"],
                    lot: row["lot"],
                    location: row["location"],
                    quantity: row["quantity"],
                    reserved: row["reserved"],
                    receivedAt: row["receivedAt"],
                    expiry: try LotRow.storedDate(row, "expiry"),
                    lotStatus: (row["status"] as String?).flatMap(LotStatus.init(rawValue:)),
                    locationKind: LocationKind(rawValue: row["kind"]) ?? .storage
                )
            }
        }
    }

    /// The lots of an item in allocation order (the item's policy, today, its minimum shelf
    /// life), each with what is allocatable and what is excluded and why. Lots without stock
    /// come last. For a `counter`, balances an open blind count hides are left out of on-hand,
    /// reserved and allocatable, and a lot whose every balance is hidden is left out altogether
    /// (docs/counts.md, "Blind counts").
    /// `customer` (a code) reads a GTIN as that customer's (and refuses another customer's SKU).
    /// - Throws: unknownItem, unknownCustomer, itemAmbiguous, wrongCustomer.
    public func lots(
        of reference: ItemReference,
        customer: String? = nil,
        audience: CountAudience = .reviewer
    ) async throws -> [LotView] {
        try await writer.read { db in
            let item =
                try customer.map { try Self.item(db, reference, ofCustomer: Self.customerId(db, $0)) }
                ?? Self.item(db, reference)
            let today = self.clock.today()
            let blind = try Self.blindScopes(db, for: audience)
            let hidden = Set(blind.filter { $0.item == nil || $0.item == item.id }.flatMap(\.codes))
            let all = try Self.candidates(db, item: item, within: nil)
            let candidates = all.filter { !hidden.contains($0.location) }
            // A lot whose every balance is under an open blind count is left out for a counter:
            // its presence alone would tell what the count is to find.
            let seen = Set(candidates.compactMap(\.lot))
            let blindLots = Set(all.compactMap(\.lot)).subtracting(seen)
            let request = AllocationRequest(
                quantity: Quantity.limit - 1,
                policy: item.policy,
                today: today,
                requiredShelfLifeDays: item.minShelfLifeDays,
                allowPartial: true
            )
            let plan = try AllocationRule.plan(sku: item.sku, candidates: candidates, request: request)
            let lots = try Row.fetchAll(db, sql: "SELECT * FROM lot WHERE itemId = ?", arguments: [item.id]).map(
                LotRow.init(row:)
            ).filter { !blindLots.contains($0.code) }
            var order: [String: Int] = [:]
            for (index, line) in plan.lines.enumerated() where order[line.lot ?? ""] == nil {
                order[line.lot ?? ""] = index
            }
            let views = lots.map { lot -> LotView in
                let mine = candidates.filter { $0.lot == lot.code }
                let allocatable = plan.lines.filter { $0.lot == lot.code }.reduce(0) { $0 + $1.quantity }
                var excluded: [ExclusionReason: Int64] = [:]
                for skip in plan.skipped where skip.lot == lot.code {
                    excluded[skip.reason, default: 0] += skip.quantity
                }
                return LotView(
                    lot: Lot(
                        sku: item.sku,
                        code: lot.code,
                        expiry: lot.expiry,
                        bestBefore: lot.bestBefore,
                        production: lot.production,
                        status: lot.status
                    ),
                    daysLeft: lot.expiry.map { today.days(until: $0) },
                    onHand: mine.reduce(0) { $0 + $1.quantity },
                    reserved: mine.reduce(0) { $0 + $1.reserved },
                    allocatable: allocatable,
                    excluded: excluded
                )
            }
            return views.sorted { a, b in
                let ia = order[a.lot.code]
                let ib = order[b.lot.code]
                switch (ia, ib) {
                case let (x?, y?): return x < y
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil):
                    if a.onHand != b.onHand { return a.onHand > b.onHand }
                    // Lots with nothing allocatable: in the rule's expiry order (AllocationRule), then by code.
                    if a.lot.expiry != b.lot.expiry { return AllocationRule.expiresBefore(a.lot.expiry, b.lot.expiry) }
                    return a.lot.code < b.lot.code
                }
            }
        }
    }

    /// Lots with stock on hand whose expiry is on or before today + `days` (expired ones
    /// included), soonest first. For a `counter`, balances an open blind count hides are left out.
    /// - Throws: invalidValue (days: 0 to 36500).
    public func expiring(withinDays days: Int, audience: CountAudience = .reviewer) async throws -> [ExpiringLot] {
        guard (0...36_500).contains(days) else {
            throw InventoryError.invalidValue(field: "days", value: String(days), reason: "must be 0 to 36500")
        }
        return try await writer.read { db in
            let today = self.clock.today()
            let limit = today.adding(days: days)
            let visible = Self.sqlVisible(
                try Self.blindScopes(db, for: audience),
                item: "s.itemId",
                locations: ["s.locationId"]
            )
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT i.sku, l.code AS lot, l.expiry, l.status, sum(s.quantity) AS onHand,
                           group_concat(loc.code, ',') AS locations
                    FROM lot l JOIN item i ON i.id = l.itemId JOIN stock s ON s.lotId = l.id
                    JOIN location loc ON loc.id = s.locationId
                    WHERE l.expiry IS NOT NULL AND l.expiry <= ? AND \(visible)
                    GROUP BY l.id ORDER BY l.expiry, i.sku, l.code
                    """,
                arguments: [limit]
            ).compactMap { row -> ExpiringLot? in
                guard let expiry = try LotRow.storedDate(row, "expiry") else { return nil }  // NOT NULL above
                return ExpiringLot(
                    sku: row["sku"],
                    lot: row["lot"],
                    expiry: expiry,
                    daysLeft: today.days(until: expiry),
                    onHand: row["onHand"],
                    status: LotStatus(rawValue: row["status"]) ?? .available,
                    locations: ((row["locations"] as String?) ?? "").split(separator: ",").map(String.init).sorted()
                )
            }
        }
    }

    /// Ledger rows matching a filter, oldest first. For a `counter`, movements into or out of a
    /// location an open blind count covers (of its item) are left out: their sum is the book figure.
    /// - Throws: invalidValue (limit), unknownItem, unknownLocation, unknownLot.
    public func ledger(_ filter: LedgerFilter, audience: CountAudience = .reviewer) async throws -> [Movement] {
        try await ledgerPage(filter, audience: audience).movements
    }

    /// Ledger rows matching a filter, oldest first, as `audience` may see them, with how many
    /// were left out: for a `counter`, movements into or out of a location an open blind count
    /// covers (of its item) are hidden, and ``LedgerPage/hidden`` counts the hidden movements
    /// matching the filter up to the page's last movement (all of them after `afterId` when the
    /// page is not full), so paging by `afterId` counts each once (docs/counts.md, "Blind counts").
    /// - Throws: invalidValue (limit), unknownItem, unknownLocation, unknownLot, unknownCustomer,
    ///   itemAmbiguous.
    public func ledgerPage(_ filter: LedgerFilter, audience: CountAudience = .reviewer) async throws -> LedgerPage {
        guard (1...100_000).contains(filter.limit) else {
            throw InventoryError.invalidValue(
                field: "limit",
                value: String(filter.limit),
                reason: "must be 1 to 100000"
            )
        }
        return try await writer.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            let blind = try Self.blindScopes(db, for: audience)
            let customerId = try filter.customer.map { try Self.customerId(db, $0) }
            if let customerId {
                conditions.append("m.itemId IN (SELECT id FROM item WHERE customerId = ?)")
                arguments += [customerId]
            }
            if let item = filter.item {
                let row = try Self.item(db, item, customer: customerId)
                conditions.append("m.itemId = ?")
                arguments += [row.id]
                if let lot = filter.lot {
                    conditions.append("m.lotId = ?")
                    arguments += [try Self.existingLot(db, item: row, code: lot).id]
                }
            } else if let lot = filter.lot {
                conditions.append("l.code = ?")
                arguments += [lot]
            }
            if let location = filter.location {
                let id = try Self.location(db, location).id
                conditions.append("(m.fromLocationId = ? OR m.toLocationId = ?)")
                arguments += [id, id]
            }
            if let since = filter.since {
                conditions.append("m.at >= ?")
                arguments += [since]
            }
            if let until = filter.until {
                conditions.append("m.at < ?")
                arguments += [until]
            }
            if let afterId = filter.afterId {
                conditions.append("m.id > ?")
                arguments += [afterId]
            }
            let matching = conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
            guard !blind.isEmpty else {
                return LedgerPage(
                    movements: try Self.movements(db, where: matching, arguments: arguments + [filter.limit]),
                    hidden: 0
                )
            }
            let visible = Self.sqlVisible(blind, item: "m.itemId", locations: ["m.fromLocationId", "m.toLocationId"])
            let movements = try Self.movements(
                db,
                where: "\(matching) AND \(visible)",
                arguments: arguments + [filter.limit]
            )
            let upTo = movements.count == filter.limit ? movements.last.map { " AND m.id <= \($0.id)" } ?? "" : ""
            let hidden =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM movement m LEFT JOIN lot l ON l.id = m.lotId
                        WHERE \(matching) AND NOT (\(visible))\(upTo)
                        """,
                    arguments: arguments
                ) ?? 0
            return LedgerPage(movements: movements, hidden: hidden)
        }
    }

    static func movements(_ db: Database, where condition: String, arguments: StatementArguments) throws -> [Movement] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT m.*, i.sku, l.code AS lot, f.code AS fromCode, t.code AS toCode
                FROM movement m JOIN item i ON i.id = m.itemId LEFT JOIN lot l ON l.id = m.lotId
                LEFT JOIN location f ON f.id = m.fromLocationId LEFT JOIN location t ON t.id = m.toLocationId
                WHERE \(condition) ORDER BY m.id LIMIT ?
                """,
            arguments: arguments
        ).map { row in
            Movement(
                id: row["id"],
                at: row["at"],
                kind: MovementKind(rawValue: row["kind"]) ?? .adjust,
                sku: row["sku"],
                lot: row["lot"],
                from: row["fromCode"],
                to: row["toCode"],
                quantity: row["quantity"],
                actor: row["actor"],
                reference: row["reference"],
                reason: row["reason"]
            )
        }
    }

    /// The newest ledger id (0 when the ledger is empty).
    public func ledgerPosition() async throws -> Int64 {
        try await writer.read { db in try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) FROM movement") ?? 0 }
    }

    /// Counts describing the current state. For a `counter`, `balances` and `onHand` leave out the
    /// balances open blind counts hide (docs/counts.md, "Blind counts").
    public func status(audience: CountAudience = .reviewer) async throws -> StoreStatus {
        // The counts scan whole tables; between writes they cannot change, so they are read once
        // per write generation and audience (many callers polling Status cost one scan each way;
        // opening or closing a blind count is a write, so a counter's figures never outlive the
        // scopes they were redacted by), and the clock and write state are always current.
        let generation = groupCommit.writeGeneration
        if let cached = statusCache.withLock({ $0 }), cached.generation == generation,
            var status = cached.byAudience[audience]
        {
            status.now = clock.now()
            status.today = clock.today()
            status.writesStopped = writeStop
            return status
        }
        let status = try await writer.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            let visible = Self.sqlVisible(
                try Self.blindScopes(db, for: audience),
                item: "itemId",
                locations: ["locationId"]
            )
            return StoreStatus(
                now: self.clock.now(),
                today: self.clock.today(),
                items: try count("SELECT count(*) FROM item"),
                locations: try count("SELECT count(*) FROM location"),
                lots: try count("SELECT count(*) FROM lot"),
                balances: try count("SELECT count(*) FROM stock WHERE \(visible)"),
                onHand: try Int64.fetchOne(db, sql: "SELECT ifnull(sum(quantity), 0) FROM stock WHERE \(visible)") ?? 0,
                openOrders: try count("SELECT count(*) FROM \"order\" WHERE status = 'open'"),
                ledgerPosition: try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) FROM movement") ?? 0,
                databasePath: self.path,
                durability: self.durability,
                writesStopped: self.writeStop
            )
        }
        statusCache.withLock { cache in
            if cache?.generation != generation { cache = (generation, [:]) }
            cache?.byAudience[audience] = status
        }
        return status
    }

    /// Checks the database: SQLite's integrity and foreign keys, every balance against the
    /// ledger's sum (to adds, from subtracts), reservations against `stock.reserved`, the
    /// movement chain (plain SHA-256 rows, then keyed HMAC rows with field tags), and with a key
    /// the fact chain and every attested row of item, itemGTIN, location, lot and stock against
    /// its newest fact (``LedgerAudit``); then each seal against the ledger.
    /// - Parameter seals: checkpoints from ``seal()`` kept outside the database.
    public func verify(seals: [LedgerSeal] = []) async throws -> VerifyReport {
        let signer = self.signer
        return try await writer.read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { "\($0)" }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    WITH ledger(itemId, lotId, locationId, quantity) AS (
                        SELECT itemId, ifnull(lotId, 0), toLocationId, quantity FROM movement WHERE toLocationId IS NOT NULL
                        UNION ALL
                        SELECT itemId, ifnull(lotId, 0), fromLocationId, -quantity FROM movement WHERE fromLocationId IS NOT NULL
                    ),
                    sums AS (SELECT itemId, lotId, locationId, sum(quantity) AS total FROM ledger GROUP BY itemId, lotId, locationId),
                    balances AS (SELECT itemId, ifnull(lotId, 0) AS lotId, locationId, quantity FROM stock),
                    joined AS (
                        SELECT b.itemId, b.lotId, b.locationId, b.quantity AS onHand, ifnull(s.total, 0) AS ledger
                        FROM balances b LEFT JOIN sums s USING (itemId, lotId, locationId)
                        UNION ALL
                        SELECT s.itemId, s.lotId, s.locationId, 0, s.total FROM sums s
                        WHERE s.total != 0 AND NOT EXISTS (
                            SELECT 1 FROM balances b WHERE b.itemId = s.itemId AND b.lotId = s.lotId AND b.locationId = s.locationId)
                    )
                    SELECT i.sku, l.code AS lot, loc.code AS location, j.onHand, j.ledger
                    FROM joined j JOIN item i ON i.id = j.itemId LEFT JOIN lot l ON l.id = j.lotId
                    JOIN location loc ON loc.id = j.locationId
                    WHERE j.onHand != j.ledger
                    """
            )
            let mismatches = rows.map {
                BalanceMismatch(
                    sku: $0["sku"],
                    lot: $0["lot"],
                    location: $0["location"],
                    onHand: $0["onHand"],
                    ledger: $0["ledger"]
                )
            }
            let checked = try Int.fetchOne(db, sql: "SELECT count(*) FROM stock") ?? 0
            let reservationMismatches =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM stock s
                        WHERE s.reserved != (SELECT ifnull(sum(quantity), 0) FROM reservation r WHERE r.stockId = s.id)
                        """
                ) ?? 0
            let reservationProblems =
                reservationMismatches == 0
                ? []
                : try Row.fetchAll(
                    db,
                    sql: """
                        SELECT i.sku, l.code AS lot, loc.code AS location, s.reserved,
                               (SELECT ifnull(sum(quantity), 0) FROM reservation r WHERE r.stockId = s.id) AS held,
                               (SELECT group_concat(reference, char(31)) FROM (
                                   SELECT DISTINCT o.reference FROM reservation r
                                   JOIN orderLine ol ON ol.id = r.orderLineId JOIN "order" o ON o.id = ol.orderId
                                   WHERE r.stockId = s.id ORDER BY o.reference)) AS orders
                        FROM stock s JOIN item i ON i.id = s.itemId LEFT JOIN lot l ON l.id = s.lotId
                        JOIN location loc ON loc.id = s.locationId
                        WHERE s.reserved != (SELECT ifnull(sum(quantity), 0) FROM reservation r WHERE r.stockId = s.id)
                        ORDER BY s.id LIMIT ?
                        """,
                    arguments: [VerifyReport.verifyListLimit]
                ).map { row in
                    ReservationMismatch(
                        sku: row["sku"],
                        lot: row["lot"],
                        location: row["location"],
                        reserved: row["reserved"],
                        reservations: row["held"],
                        orders: (row["orders"] as String?).map { $0.split(separator: "\u{1F}").map(String.init) } ?? []
                    )
                }
            let chain = try LedgerAudit.chain(db, signer: signer)
            var report = VerifyReport(
                integrity: integrity,
                foreignKeys: foreignKeys,
                balancesChecked: checked,
                mismatches: mismatches,
                reservationMismatches: reservationMismatches,
                chainChecked: chain.checked,
                chainFirstBadMovement: chain.firstBad
            )
            report.reservationProblems = reservationProblems
            report.factMismatches += try LedgerAudit.skeletons(db)
            report.chainKeyed = chain.keyed
            report.chainKeyedFrom = chain.keyedFrom
            report.chainBadFields = chain.fields
            report.chainProblem = chain.problem
            if let bad = chain.firstBad {
                let fields = chain.fields.isEmpty ? ["*"] : chain.fields
                report.factMismatches += fields.map { field in
                    FactMismatch(
                        table: "movement",
                        key: String(bad),
                        field: field,
                        stored: nil,
                        ledger: nil,
                        message:
                            "movement \(bad)\(field == "*" ? "" : " \(field)"): \(chain.problem ?? "does not match the chain")"
                    )
                }
            }
            if let signer, chain.keyed {
                let facts = try LedgerAudit.facts(db, signer: signer)
                report.factsChecked = facts.checked
                report.factChainFirstBad = facts.firstBad
                report.factMismatches += facts.mismatches
            }
            if !seals.isEmpty {
                report.seals = try LedgerAudit.seals(
                    seals,
                    db,
                    signer: signer,
                    chainFirstBad: chain.firstBad,
                    factFirstBad: report.factChainFirstBad
                )
            }
            return report
        }
    }

    /// A signed checkpoint of the ledger's tips now (``LedgerSeal``): the newest movement and its
    /// hash, the newest fact and its MAC, the clock's instant, HMAC'd under the seal sub-key.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` (field `ledger`) for a store
    ///   opened without a ledger key.
    public func seal() async throws -> LedgerSeal {
        guard let signer else {
            throw InventoryError.invalidValue(
                field: "ledger",
                value: "unkeyed",
                reason: "the store was opened without a ledger key; a seal needs one"
            )
        }
        let at = String.fromDatabaseValue(clock.now().databaseValue) ?? ""
        return try await writer.read { db in
            let tip = try Row.fetchOne(db, sql: "SELECT id, hash FROM movement ORDER BY id DESC LIMIT 1")
            let fact = try Row.fetchOne(db, sql: "SELECT id, mac FROM ledgerFact ORDER BY id DESC LIMIT 1")
            var seal = LedgerSeal(
                depotLedgerSeal: 1,
                keyId: signer.keyID,
                movement: tip?["id"] ?? 0,
                hash: tip?["hash"] ?? "",
                fact: fact?["id"] ?? 0,
                factMac: fact?["mac"] ?? "",
                at: at,
                mac: ""
            )
            seal.mac = signer.sealMAC(seal.signedText)
            return seal
        }
    }
}
