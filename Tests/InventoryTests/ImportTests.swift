import Foundation
import Inventory
import Testing

// The CSV import's engine side (Import.swift, docs/csv.md): one transaction per import, every
// problem of every row reported, idempotent by key.

@Suite("Import")
struct ImportTests {
    static func table(_ kind: ImportKind, _ header: String, _ lines: [String]) -> ImportTable {
        ImportTable(
            kind: kind,
            columns: header.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
            rows: lines.enumerated().map { index, line in
                ImportRow(
                    number: index + 2,
                    cells: line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                )
            }
        )
    }

    @Test("a good items file adds every row; the same file again changes nothing")
    func itemsThenAgain() async throws {
        try await withStore { store in
            let file = Self.table(
                .items,
                "sku,name,gtin,lot_tracked,expiry_tracked,min_shelf_life",
                ["MILK,Milk 1 l,4006381333931,true,true,3", "BOLT,Bolt M6,,,,"]
            )
            let first = try await store.importTable(file, dryRun: false, actor: clerk)
            #expect(first.problems == [])
            #expect(first.summary == "2 rows: 2 added, 0 unchanged")
            #expect(try await store.item(ItemReference("04006381333931")).minRemainingShelfLifeDays == 3)
            let again = try await store.importTable(file, dryRun: false, actor: clerk)
            #expect(again.summary == "2 rows: 0 added, 2 unchanged")
            #expect(try await store.items().map(\.sku) == ["BOLT", "MILK"])
        }
    }

    @Test("one bad row refuses the whole file: nothing of the good rows is written")
    func allOrNothing() async throws {
        try await withStore { store in
            try await store.addStorage("A")
            _ = try await store.addItem(ItemSpec(sku: "SOAP", name: "Soap"))
            let stock = Self.table(
                .stock,
                "sku,location,quantity",
                ["SOAP,A,5", "SOAP,A,", "NOPE,A,3"]
            )
            // Row 2 is good; row 3's quantity is missing; row 4's SKU is unknown (the key of row 3
            // is never taken: it had a problem first).
            let report = try await store.importTable(stock, dryRun: false, actor: clerk)
            #expect(report.committed == false)
            #expect(
                report.problems.map(\.description) == [
                    "row 3, column quantity: a value is required",
                    "row 4, column sku: \"NOPE\" is not an item's SKU or GTIN (import the items first)",
                ]
            )
            #expect(try await store.stock().isEmpty)
            #expect(try await store.ledgerPosition() == 0)
        }
    }

    @Test("a dry run reports what the real run would do and writes nothing")
    func dryRun() async throws {
        try await withStore { store in
            let file = Self.table(.locations, "code,kind,parent", ["Z,storage,", "A,storage,Z"])
            let dry = try await store.importTable(file, dryRun: true, actor: clerk)
            #expect(dry.problems == [])
            #expect(dry.summary == "2 rows: 2 to add, 0 unchanged (dry run: nothing written)")
            #expect(try await store.locations().isEmpty)
            let real = try await store.importTable(file, dryRun: false, actor: clerk)
            #expect(real.added == 2)
            #expect(try await store.location("A").parent == "Z")
        }
    }

    @Test("every bad cell of every row is reported, with the value and the reason")
    func everyProblem() async throws {
        try await withStore { store in
            _ = try await store.addItem(ItemSpec(sku: "MILK", name: "Milk"))
            let file = Self.table(
                .items,
                "sku,name,gtin,policy,lot_tracked",
                [
                    "OK,Fine,,,",
                    "X,,4006381333932,lifo,maybe",
                    "MILK,Milk 2 l,,,",
                    "OK,Again,,,",
                ]
            )
            let report = try await store.importTable(file, dryRun: true, actor: clerk)
            #expect(
                report.problems.map(\.description) == [
                    "row 3, column name: a value is required",
                    "row 3, column policy: \"lifo\" is not valid: must be one of fefo, fifo",
                    "row 3, column lot_tracked: \"maybe\" is not valid: must be true or false (or empty for false)",
                    "row 3, column gtin: \"4006381333932\" is not valid: check digit should be 1",
                    "row 4, column name: \"Milk 2 l\" differs from the recorded value of existing item MILK, \"Milk\"",
                    "row 5, column sku: \"OK\" repeats the key of row 2",
                ]
            )
            #expect(try await store.items().map(\.sku) == ["MILK"])
        }
    }

    @Test("a header with an unknown column, a repeated one or a required one missing is refused before any row")
    func header() async throws {
        try await withStore { store in
            let file = Self.table(.locations, "code,colour,colour", ["A,red,red"])
            let report = try await store.importTable(file, dryRun: false, actor: clerk)
            #expect(
                report.problems.map(\.description) == [
                    "row 1, column colour: unknown column; the columns of a locations file are code, kind, parent, pick_priority, gln",
                    "row 1, column colour: column named twice",
                    "row 1, column kind: required column missing from the header (a locations file needs code, kind)",
                ]
            )
        }
    }

    @Test("opening stock: a balance that exists with the same quantity is unchanged, with another is refused")
    func openingStockIsNotAnOverwrite() async throws {
        try await withStore { store in
            try await store.addStorage("A")
            _ = try await store.addItem(ItemSpec(sku: "MILK", name: "Milk", lotTracked: true, expiryTracked: true))
            let file = Self.table(
                .stock,
                "sku,location,quantity,lot,expiry",
                ["MILK,A,5,L1,2026-06-01", "MILK,A,3,L2,2026-07-01"]
            )
            #expect(try await store.importTable(file, dryRun: false, actor: clerk).added == 2)
            #expect(try await store.ledgerPosition() == 2)
            #expect(try await store.importTable(file, dryRun: false, actor: clerk).unchanged == 2)
            let changed = Self.table(.stock, "sku,location,quantity,lot,expiry", ["MILK,A,6,L1,2026-06-01"])
            let report = try await store.importTable(changed, dryRun: false, actor: clerk)
            #expect(
                report.problems.map(\.description) == [
                    "row 2, column quantity: \"6\" differs from the 5 on hand of MILK lot L1 at A: opening stock never overwrites a balance (use depotctl adjust)"
                ]
            )
            #expect(try await store.ledgerPosition() == 2)
            let lotless = Self.table(.stock, "sku,location,quantity", ["MILK,A,1"])
            #expect(
                try await store.importTable(lotless, dryRun: true, actor: clerk).problems.map(\.description) == [
                    "row 2, column lot: is empty, but the item is lot-tracked: give a lot"
                ]
            )
        }
    }

    @Test("a location's parent must come first; a failing row does not disturb the rows after it")
    func parentsInFileOrder() async throws {
        try await withStore { store in
            let file = Self.table(.locations, "code,kind,parent", ["A,storage,Z", "Z,storage,", "B,storage,Z"])
            let report = try await store.importTable(file, dryRun: true, actor: clerk)
            #expect(
                report.problems.map(\.description) == [
                    "row 2, column parent: \"Z\" is not a location's code (a parent must exist or come on an earlier row)"
                ]
            )
        }
    }

    @Test("more rows than one import takes are refused with a clear error")
    func rowLimit() async throws {
        try await withStore { store in
            var file = ImportTable(kind: .locations, columns: ["code", "kind"])
            file.rows = (0...InventoryStore.importRowLimit).map {
                ImportRow(number: $0 + 2, cells: ["L\($0)", "storage"])
            }
            await #expect(throws: InventoryError.self) {
                try await store.importTable(file, dryRun: true, actor: clerk)
            }
        }
    }
}
