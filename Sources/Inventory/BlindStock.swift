import GRDB

// Blind counts stay blind on every path (docs/counts.md, "Blind counts"): while a line of an open
// blind count is uncounted, counters do not see its booked quantity in stock queries or lookups.

/// A balance as the blind rule keys it: item, location and lot (0 for stock without a lot).
struct BalanceKey: Hashable {
    var item: Int64
    var location: Int64
    var lot: Int64
}

/// What one open blind count hides from counters.
struct BlindScope {
    /// The count's item filter, or nil for every item.
    var item: Int64?
    /// The counted location and every location below it.
    var locations: Set<Int64>
    /// Balances already counted in the current pass (no longer hidden).
    var counted: Set<BalanceKey>

    /// Whether this count hides `key` from counters.
    func hides(_ key: BalanceKey) -> Bool {
        (item == nil || item == key.item) && locations.contains(key.location) && !counted.contains(key)
    }
}

extension InventoryStore {
    /// The scopes of every open blind count (none when `audience` is a reviewer, who sees all).
    static func blindScopes(_ db: Database, for audience: CountAudience) throws -> [BlindScope] {
        guard audience == .counter else { return [] }
        return try Row.fetchAll(
            db,
            sql: "SELECT id, locationId, itemId FROM countSession WHERE status = 'open' AND blind"
        )
        .map { row in
            let top = try Self.location(db, id: row["locationId"])
            let counted = try Row.fetchAll(
                db,
                sql: """
                    SELECT itemId, locationId, ifnull(lotId, 0) AS lotId FROM countLine
                    WHERE sessionId = ? AND counted IS NOT NULL
                    """,
                arguments: [row["id"] as Int64]
            ).map {
                BalanceKey(item: $0["itemId"], location: $0["locationId"], lot: $0["lotId"])
            }
            return BlindScope(item: row["itemId"], locations: Set(try Self.subtree(db, of: top)), counted: Set(counted))
        }
    }
}
