import Foundation
import GRDB
import Testing

@testable import Inventory

/// The movement table keeps only the indexes the ledger's filters use (migration
/// `v7-movement-index-pages`): every filter still seeks an index instead of scanning the ledger,
/// and a pick (no destination) adds no entry to the destination index.
@Suite struct MovementIndexTests {
    /// `EXPLAIN QUERY PLAN` of the ledger query (``InventoryStore/movements(_:where:arguments:)``'s SQL)
    /// under `condition`, one line per step.
    func plan(_ db: Database, _ condition: String) throws -> [String] {
        try Row.fetchAll(
            db,
            sql: """
                EXPLAIN QUERY PLAN SELECT m.*, i.sku, l.code AS lot, f.code AS fromCode, t.code AS toCode
                FROM movement m JOIN item i ON i.id = m.itemId LEFT JOIN lot l ON l.id = m.lotId
                LEFT JOIN location f ON f.id = m.fromLocationId LEFT JOIN location t ON t.id = m.toLocationId
                WHERE \(condition) ORDER BY m.id LIMIT 10
                """
        ).map { $0["detail"] as String }
    }

    @Test func ledgerFiltersSeekIndexes() async throws {
        try await withStore { store in
            try await store.writer.read { db in
                let indexes = try String.fetchAll(
                    db,
                    sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'movement' ORDER BY name"
                )
                #expect(indexes == ["movement_at", "movement_from", "movement_item", "movement_to"])
                let cases: [(String, String)] = [
                    ("m.itemId = 1 AND m.id > 5", "movement_item (itemId=? AND rowid>?)"),
                    ("m.itemId = 1 AND m.lotId = 2", "movement_item (itemId=?)"),
                    ("(m.fromLocationId = 3 OR m.toLocationId = 3)", "movement_to (toLocationId=?)"),
                    ("(m.fromLocationId = 3 OR m.toLocationId = 3)", "movement_from (fromLocationId=?)"),
                    ("m.at >= '2026-01-01' AND m.at < '2026-02-01'", "movement_at (at>? AND at<?)"),
                ]
                for (condition, step) in cases {
                    let steps = try plan(db, condition)
                    #expect(steps.contains { $0.contains("SEARCH m USING INDEX \(step)") }, "\(condition): \(steps)")
                }
            }
        }
    }

    @Test func picksAddNoDestinationIndexEntry() async throws {
        try await withStore { store in
            try await store.addStorage("A-01")
            _ = try await store.addItem(ItemSpec(sku: "MILK", name: "Milk", policy: .fifo))
            try await store.receive("MILK", 10, at: "A-01")
            _ = try await store.pick(PickRequest(item: ItemReference("MILK"), quantity: 3), actor: clerk)
            let (movements, indexed) = try await store.writer.read { db in
                (
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM movement") ?? 0,
                    try Int.fetchOne(
                        db,
                        sql: "SELECT count(*) FROM movement INDEXED BY movement_to WHERE toLocationId IS NOT NULL"
                    ) ?? 0
                )
            }
            #expect(movements == 2)
            #expect(indexed == 1)
        }
    }
}
