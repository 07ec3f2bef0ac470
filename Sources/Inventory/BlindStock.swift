import GRDB

// Blind counts stay blind on every path (docs/counts.md, "Blind counts"; docs/workflows.md,
// "count"): while a blind count is open, nobody below its supervisor role (a `counter`: operators,
// viewers, scanner feedback) learns the booked quantity of what it counts — not from a stock query,
// a lot or expiry list, the ledger, the status total, a reply's balances or reservations, nor a
// refusal's "only N available". This file is the one rule; every path asks it.

/// A balance as the blind rule keys it: item, location and lot (0 for stock without a lot).
struct BalanceKey: Hashable {
    var item: Int64
    var location: Int64
    var lot: Int64
}

/// What one open blind count hides from counters: every balance of its item filter (all items when
/// nil) at its location and every location below it, counted or not, until the count is submitted,
/// approved or cancelled (a counted line stays hidden, so a token count cannot reveal the book figure
/// and then be overwritten with it).
struct BlindScope {
    /// The count's item filter, or nil for every item.
    var item: Int64?
    /// The counted location and every location below it (ids).
    var locations: Set<Int64>
    /// The same locations by code.
    var codes: Set<String>

    /// Whether this count hides `key` from counters.
    func hides(_ key: BalanceKey) -> Bool { hides(item: key.item, location: key.location) }

    /// Whether this count hides the balances of `item` at location id `location`.
    func hides(item: Int64, location: Int64) -> Bool {
        (self.item == nil || self.item == item) && locations.contains(location)
    }

    /// An SQL condition true for rows this count does NOT hide, over the given item-id column and
    /// location-id columns (a movement has two: it is hidden when either end is in scope).
    func sqlVisible(item column: String, locations columns: [String]) -> String {
        let ids = locations.map(String.init).joined(separator: ",")
        // ifnull: a receipt has no source, a pick no destination; `NULL IN (...)` is NULL, and
        // NOT of it would hide the row.
        let inScope = columns.map { "ifnull(\($0), 0) IN (\(ids))" }.joined(separator: " OR ")
        let itemCondition = item.map { " AND \(column) = \($0)" } ?? ""
        return "NOT ((\(inScope))\(itemCondition))"
    }
}

/// Which balances a caller may not see because a blind count is open there (``InventoryStore/blindFilter(for:)``),
/// by SKU and location code, for redacting replies built outside the engine.
public struct BlindFilter: Sendable, Equatable {
    struct Scope: Sendable, Equatable {
        var sku: String?
        var locations: Set<String>
    }
    var scopes: [Scope]

    /// A filter that hides nothing (reviewers).
    public static let none = BlindFilter(scopes: [])

    /// Whether nothing is hidden.
    public var isEmpty: Bool { scopes.isEmpty }

    /// Whether the booked quantity of `sku` at location `location` (a code) is hidden.
    public func hides(sku: String, location: String) -> Bool {
        scopes.contains { ($0.sku == nil || $0.sku == sku) && $0.locations.contains(location) }
    }

    /// Whether `movement` goes into or out of a location where the booked quantity of its item
    /// is hidden (the ledger and its feed leave such movements out: their sum is the book figure).
    public func hides(_ movement: Movement) -> Bool {
        [movement.from, movement.to].contains { $0.map { hides(sku: movement.sku, location: $0) } ?? false }
    }
}

extension InventoryStore {
    /// The scopes of every open blind count (none when `audience` is a reviewer, who sees all).
    static func blindScopes(_ db: Database, for audience: CountAudience) throws -> [BlindScope] {
        guard audience == .counter else { return [] }
        return try openBlindScopes(db)
    }

    /// The scopes of every open blind count, whoever asks (refusal texts use it: they go to anyone).
    static func openBlindScopes(_ db: Database) throws -> [BlindScope] {
        try Row.fetchAll(
            db,
            sql: "SELECT id, locationId, itemId FROM countSession WHERE status = 'open' AND blind"
        )
        .map { row in
            let top = try Self.location(db, id: row["locationId"])
            let ids = try Self.subtree(db, of: top)
            let codes = try String.fetchAll(
                db,
                sql: "SELECT code FROM location WHERE id IN (\(ids.map(String.init).joined(separator: ",")))"
            )
            return BlindScope(item: row["itemId"], locations: Set(ids), codes: Set(codes))
        }
    }

    /// The location ids where an open blind count covers `item`: its stock there is not
    /// allocated (``ExclusionReason/counting``) until the count closes. One indexed probe when no
    /// blind count is open (the pick path).
    static func frozenLocations(_ db: Database, item: Int64) throws -> Set<Int64> {
        guard
            try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM countSession WHERE status = 'open' AND blind)")
            ) == true
        else { return [] }
        return try openBlindScopes(db).filter { $0.item == nil || $0.item == item }
            .reduce(into: Set<Int64>()) { $0.formUnion($1.locations) }
    }

    /// An SQL condition (`1` when nothing is hidden) true for rows `scopes` do not hide.
    static func sqlVisible(_ scopes: [BlindScope], item: String, locations: [String]) -> String {
        scopes.isEmpty ? "1" : scopes.map { $0.sqlVisible(item: item, locations: locations) }.joined(separator: " AND ")
    }

    /// Whether any open blind count hides the balances of `item` at `location` (from anyone below
    /// its supervisor role): refusals then say "not enough" without the figure.
    static func inOpenBlindScope(_ db: Database, item: Int64, location: Int64) throws -> Bool {
        try openBlindScopes(db).contains { $0.hides(item: item, location: location) }
    }

    /// The refusal for taking `requested` units where only `free` are unreserved: the figure is
    /// -1 (the text says "not enough") when an open blind count covers the balance.
    static func insufficient(
        _ db: Database,
        item: ItemRow,
        lot: LotRow?,
        location: LocationRow,
        requested: Int64,
        free: Int64
    ) throws -> InventoryError {
        let hidden = try inOpenBlindScope(db, item: item.id, location: location.id)
        return .insufficientStock(
            sku: item.sku,
            lot: lot?.code,
            location: location.code,
            requested: requested,
            available: hidden ? -1 : max(free, 0)
        )
    }

    /// The refusal for taking `requested` units of `item` at the location coded `location` (nil:
    /// wherever the item lies, named `label` in the text) where only `free` are unreserved: the
    /// figure is -1 (the text says "not enough") when an open blind count covers that location
    /// for the item, or, for nil, any location of the item.
    static func insufficient(
        _ db: Database,
        item: ItemRow,
        lot: String?,
        at location: String?,
        label: String,
        requested: Int64,
        free: Int64
    ) throws -> InventoryError {
        let scopes = try openBlindScopes(db).filter { $0.item == nil || $0.item == item.id }
        let hidden = location.map { code in scopes.contains { $0.codes.contains(code) } } ?? !scopes.isEmpty
        return .insufficientStock(
            sku: item.sku,
            lot: lot,
            location: location ?? label,
            requested: requested,
            available: hidden ? -1 : max(free, 0)
        )
    }

    /// What `audience` may not see because blind counts are open: ``BlindFilter/none`` for a
    /// reviewer (without a read); for a counter, every open blind count's item and locations
    /// (docs/counts.md), read once per write generation (opening, recounting and closing a count
    /// are writes), so replies on the pick path cost no extra read while nothing changed.
    /// - Throws: a storage failure.
    public func blindFilter(for audience: CountAudience) async throws -> BlindFilter {
        guard audience == .counter else { return .none }
        let generation = groupCommit.writeGeneration
        if let cached = blindFilterCache.withLock({ $0 }), cached.generation == generation { return cached.filter }
        let filter = try await writer.read { db in
            BlindFilter(
                scopes: try Self.openBlindScopes(db).map { scope in
                    BlindFilter.Scope(
                        sku: try scope.item.map {
                            try String.fetchOne(db, sql: "SELECT sku FROM item WHERE id = ?", arguments: [$0]) ?? ""
                        },
                        locations: scope.codes
                    )
                }
            )
        }
        blindFilterCache.withLock { $0 = (generation, filter) }
        return filter
    }
}

extension BlindFilter {
    /// `change` as a caller under this filter may see it: the on-hand figure of every location
    /// where an open blind count covers one of the change's items is left out of `balances` and
    /// its code listed in `hiddenBalances` (sorted). The movements stay: they are the caller's own.
    public func visible(_ change: StockChange) -> StockChange {
        guard !isEmpty else { return change }
        var visible = change
        for location in change.balances.keys.sorted() {
            let skus = Set(change.movements.filter { $0.from == location || $0.to == location }.map(\.sku))
            if skus.contains(where: { hides(sku: $0, location: location) }) {
                visible.balances[location] = nil
                visible.hiddenBalances.append(location)
            }
        }
        return visible
    }

    /// `order` as a caller under this filter may see it: each line's reservations at a location an
    /// open blind count covers (for the line's item) are left out and counted in
    /// `hiddenReservations`; `reserved` and `shortfall` count only the reservations left in, so no
    /// figure of the line adds up to the hidden ones.
    public func visible(_ order: Order) -> Order {
        guard !isEmpty else { return order }
        var visible = order
        visible.lines = order.lines.map { line in
            var line = line
            let kept = line.reservations.filter { !hides(sku: line.sku, location: $0.location) }
            guard kept.count < line.reservations.count else { return line }
            line.hiddenReservations = line.reservations.count - kept.count
            line.reservations = kept
            line.reserved = kept.reduce(0) { $0 + $1.quantity }
            if order.status == .open { line.shortfall = line.quantity - line.picked - line.reserved }
            return line
        }
        return visible
    }
}

extension InventoryStore {
    /// `change` (a receive's, a move's or an adjustment's) as `audience` may see it
    /// (``BlindFilter/visible(_:)-(StockChange)``). Ask after the operation: a count opened
    /// meanwhile then hides its figures too, and one closed meanwhile no longer hides anything.
    /// - Throws: a storage failure.
    public func visible(_ change: StockChange, to audience: CountAudience) async throws -> StockChange {
        try await blindFilter(for: audience).visible(change)
    }

    /// `order` as `audience` may see it (``BlindFilter/visible(_:)-(Order)``).
    /// - Throws: a storage failure.
    public func visible(_ order: Order, to audience: CountAudience) async throws -> Order {
        try await blindFilter(for: audience).visible(order)
    }

    /// `plan` (of `item`, over `candidates`) as a counter may see it under `scopes`: stock an
    /// open blind count covers is left out of `skipped` and `excluded`, and `hiddenStock` says
    /// so. The plan never takes such stock (``ExclusionReason/counting``), so its lines and
    /// `allocatable` state nothing of it and stay as they are.
    static func blindPlan(
        _ plan: AllocationPlan,
        item: ItemRow,
        candidates: [AllocationCandidate],
        scopes: [BlindScope]
    ) -> AllocationPlan {
        let hidden = Set(scopes.filter { $0.item == nil || $0.item == item.id }.flatMap(\.codes))
        guard candidates.contains(where: { hidden.contains($0.location) }) else { return plan }
        var visible = plan
        visible.hiddenStock = true
        visible.skipped = plan.skipped.filter { !hidden.contains($0.location) }
        visible.excluded = visible.skipped.reduce(into: [:]) { $0[$1.reason, default: 0] += $1.quantity }
        return visible
    }
}
