import Foundation
import GRDB

/// What the catalog and the ledger say about the things a list of movements names, read in one
/// read transaction beside the movements: the items' GTINs, the lots' dates and their first
/// movement, the locations, which references are orders, and each row's chain hash.
///
/// Derived from the existing tables only (item, itemGTIN, lot, location, order, movement); it is
/// what an export to another vocabulary (docs/epcis.md) needs besides the ``Movement`` itself.
public struct MovementFacts: Sendable, Equatable {
    /// A lot of one item: (SKU, lot code).
    public struct LotKey: Sendable, Hashable {
        /// SKU of the lot's item.
        public var sku: String
        /// Lot code (GS1 AI 10 when it is a supplier's lot; `@YYYY-MM-DD` for an implicit lot).
        public var code: String

        /// Names the lot `code` of item `sku`; validates nothing.
        public init(sku: String, code: String) {
            self.sku = sku
            self.code = code
        }
    }

    /// One lot's dates and the id of its first ledger row.
    public struct LotFacts: Sendable, Equatable {
        /// Expiry date (GS1 AI 17), a calendar date.
        public var expiry: CalendarDate?
        /// Best-before date (GS1 AI 15), a calendar date.
        public var bestBefore: CalendarDate?
        /// Production date (GS1 AI 11), a calendar date.
        public var production: CalendarDate?
        /// Id of the lot's first movement in the ledger (its first receipt, as lots are created by
        /// receipts); nil when the ledger has none.
        public var firstMovementId: Int64?

        /// Creates the facts of a lot from its fields as given; validates nothing.
        public init(
            expiry: CalendarDate? = nil,
            bestBefore: CalendarDate? = nil,
            production: CalendarDate? = nil,
            firstMovementId: Int64? = nil
        ) {
            self.expiry = expiry
            self.bestBefore = bestBefore
            self.production = production
            self.firstMovementId = firstMovementId
        }
    }

    /// GTINs (14 digits each, ascending) by SKU; an item without GTINs maps to `[]`.
    public var gtins: [String: [String]]
    /// The named lots.
    public var lots: [LotKey: LotFacts]
    /// The named locations by code.
    public var locations: [String: Location]
    /// The movements' references that are order references (`order.reference`).
    public var orderReferences: Set<String>
    /// Chain hash (hex) of each movement by id (LedgerChain); absent for a row without one.
    public var hashes: [Int64: String]

    /// Creates facts from their parts as given; validates nothing.
    public init(
        gtins: [String: [String]] = [:],
        lots: [LotKey: LotFacts] = [:],
        locations: [String: Location] = [:],
        orderReferences: Set<String> = [],
        hashes: [Int64: String] = [:]
    ) {
        self.gtins = gtins
        self.lots = lots
        self.locations = locations
        self.orderReferences = orderReferences
        self.hashes = hashes
    }
}

extension InventoryStore {
    /// The ``MovementFacts`` of `movements` (any number; read in chunks of 500 names per query),
    /// in one read transaction. A name no longer found (it cannot happen: nothing a movement names
    /// is ever deleted) is left out.
    /// - Throws: storage errors only.
    public func facts(for movements: [Movement]) async throws -> MovementFacts {
        guard !movements.isEmpty else { return MovementFacts() }
        let skus = Array(Set(movements.map(\.sku))).sorted()
        let lotKeys = Array(Set(movements.compactMap { m in m.lot.map { MovementFacts.LotKey(sku: m.sku, code: $0) } }))
        let codes = Array(Set(movements.flatMap { [$0.from, $0.to].compactMap { $0 } })).sorted()
        let references = Array(Set(movements.compactMap(\.reference))).sorted()
        let ids = movements.map(\.id)
        return try await writer.read { db in
            var facts = MovementFacts()
            for chunk in skus.chunked(500) {
                for sku in chunk { facts.gtins[sku] = [] }
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT i.sku, g.gtin FROM item i JOIN itemGTIN g ON g.itemId = i.id
                        WHERE i.sku IN (\(databaseQuestionMarks(count: chunk.count))) ORDER BY i.sku, g.gtin
                        """,
                    arguments: StatementArguments(chunk)
                )
                for row in rows { facts.gtins[row["sku"], default: []].append(row["gtin"]) }
            }
            // The lot's first movement: the item's movements walked in id order (movement_item),
            // stopping at the first of the lot (Schema v7 keeps no index on lotId alone).
            for key in lotKeys {
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT l.expiry, l.bestBefore, l.production,
                                (SELECT m.id FROM movement m WHERE m.itemId = l.itemId AND m.lotId = l.id
                                 ORDER BY m.id LIMIT 1) AS firstMovementId
                            FROM lot l JOIN item i ON i.id = l.itemId WHERE i.sku = ? AND l.code = ?
                            """,
                        arguments: [key.sku, key.code]
                    )
                else { continue }
                facts.lots[key] = MovementFacts.LotFacts(
                    expiry: CalendarDate.fromDatabaseValue(row["expiry"]),
                    bestBefore: CalendarDate.fromDatabaseValue(row["bestBefore"]),
                    production: CalendarDate.fromDatabaseValue(row["production"]),
                    firstMovementId: row["firstMovementId"]
                )
            }
            for chunk in codes.chunked(500) {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT l.code, l.kind, p.code AS parent, l.pickPriority, l.gln FROM location l
                        LEFT JOIN location p ON p.id = l.parentId
                        WHERE l.code IN (\(databaseQuestionMarks(count: chunk.count)))
                        """,
                    arguments: StatementArguments(chunk)
                )
                for row in rows {
                    let code: String = row["code"]
                    facts.locations[code] = Location(
                        code: code,
                        kind: LocationKind(rawValue: row["kind"]) ?? .storage,
                        parent: row["parent"],
                        pickPriority: row["pickPriority"],
                        gln: row["gln"]
                    )
                }
            }
            for chunk in references.chunked(500) {
                let found = try String.fetchAll(
                    db,
                    sql:
                        "SELECT reference FROM \"order\" WHERE reference IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: StatementArguments(chunk)
                )
                facts.orderReferences.formUnion(found)
            }
            for chunk in ids.chunked(500) {
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT id, hash FROM movement WHERE id IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: StatementArguments(chunk)
                )
                for row in rows {
                    if let hash: String = row["hash"] { facts.hashes[row["id"]] = hash }
                }
            }
            return facts
        }
    }
}

extension Array {
    /// The array in consecutive slices of at most `size` elements (the last may be shorter).
    fileprivate func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
