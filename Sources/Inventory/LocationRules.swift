import GRDB

// Where stock may lie (docs/allocation.md, section 1, "Zones"). A zone is a location that holds
// other locations (a parent in the location tree, whatever its kind): it is a name for a part of
// the floor, not a place to put goods. So a zone holds no stock and a location holding stock
// cannot become a zone; only `storage` and `picking` locations without children are allocatable.

extension InventoryStore {
    /// Checks, writing nothing, that goods may be put at `location` (a receipt, a put-away's or
    /// move's destination, a counted place): it exists and is not a zone. The floor calls it at the
    /// location scan, so a worker learns at once, not at the first goods scan.
    /// - Throws: ``InventoryError/unknownLocation(_:)``;
    ///   ``InventoryError/invalidValue(field:value:reason:)`` for field `location` when it is a zone.
    public func checkStockHolder(location code: String) async throws {
        try await writer.read { db in
            try Self.requireStockHolder(db, Self.location(db, code))
        }
    }

    /// The codes of the locations directly inside `location` (at most `limit`, by code): empty
    /// when `location` is not a zone.
    static func children(_ db: Database, of location: LocationRow, limit: Int = 3) throws -> [String] {
        try String.fetchAll(
            db.cachedStatement(sql: "SELECT code FROM location WHERE parentId = ? ORDER BY code LIMIT ?"),
            arguments: [location.id, limit]
        )
    }

    /// Refuses `location` as a place for stock when it is a zone: every path that adds stock
    /// (receipt, move or put-away, adjustment, count posting, undo) passes here.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` for field `location`, naming
    ///   the zone's locations and the kinds stock may go into.
    static func requireStockHolder(_ db: Database, _ location: LocationRow) throws {
        let inside = try children(db, of: location)
        guard !inside.isEmpty else { return }
        throw InventoryError.invalidValue(
            field: "location",
            value: location.code,
            reason:
                "\(location.code) is a zone (it holds \(inside.joined(separator: ", "))\(inside.count == 3 ? ", ..." : "")) "
                + "and zones hold no stock: put goods into one of its locations; stock lies in receiving, storage, "
                + "picking, shipping or quarantine locations, and only storage and picking are allocatable"
        )
    }

    /// Refuses making `parent` a zone while it holds stock.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` for field `parent`.
    static func requireEmptyZone(_ db: Database, _ parent: LocationRow) throws {
        let held =
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT ifnull(sum(quantity), 0) FROM stock WHERE locationId = ?"),
                arguments: [parent.id]
            ) ?? 0
        guard held > 0 else { return }
        throw InventoryError.invalidValue(
            field: "parent",
            value: parent.code,
            reason: "\(parent.code) holds \(held) units of stock and a zone holds none: move its stock out first"
        )
    }
}
