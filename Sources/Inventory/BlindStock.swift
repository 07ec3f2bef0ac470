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
        let inScope = columns.map { "\($0) IN (\(ids))" }.joined(separator: " OR ")
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

    /// What `audience` may not see because blind counts are open: ``BlindFilter/none`` for a
    /// reviewer; for a counter, every open blind count's item and locations (docs/counts.md).
    /// - Throws: a storage failure.
    public func blindFilter(for audience: CountAudience) async throws -> BlindFilter {
        try await writer.read { db in
            let scopes = try Self.blindScopes(db, for: audience)
            return BlindFilter(
                scopes: try scopes.map { scope in
                    BlindFilter.Scope(
                        sku: try scope.item.map {
                            try String.fetchOne(db, sql: "SELECT sku FROM item WHERE id = ?", arguments: [$0]) ?? ""
                        },
                        locations: scope.codes
                    )
                }
            )
        }
    }
}
