import Foundation
import Inventory
import Testing

// The orders import (Import.swift, docs/csv.md "Orders"): the rows of one reference are its
// lines, reserved by the allocation rule as CreateOrder reserves them; existing orders are
// compared, never changed; a bad row writes no order at all.

@Suite("Order import")
struct OrderImportTests {
    @Test("rows of one reference become its lines, reserved by the rule; the same file again is unchanged")
    func ordersThenAgain() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let file = ImportTests.table(
                .orders,
                "reference,sku,quantity,min_shelf_life",
                ["SO-1,MILK,6,", "SO-2,MILK,1,", "SO-1,MILK,1,9"]
            )
            let report = try await store.importTable(file, dryRun: false, actor: clerk)
            #expect(report.problems == [])
            #expect(report.summary == "3 rows: 3 added, 0 unchanged")
            let order = try await store.order("SO-1")
            #expect(order.lines.map(\.quantity) == [6, 1])
            #expect(order.lines.map(\.minRemainingShelfLifeDays) == [0, 9])
            // FEFO as CreateOrder: L2 (expiry 03-05) before L1 (03-10); line 2 needs 9 days: L1 only.
            #expect(
                order.lines[0].reservations.map { Taken($0.lot, $0.location, $0.quantity) }
                    == [Taken("L2", "A-02", 3), Taken("L1", "A-01", 3)]
            )
            #expect(order.lines[1].reservations.map(\.lot) == ["L1"])
            #expect(order.createdAt == morning)
            let again = try await store.importTable(file, dryRun: false, actor: clerk)
            #expect(again.summary == "3 rows: 0 added, 3 unchanged")
            try await expectConsistent(store)
        }
    }

    @Test("a bad row refuses the file: the new orders of its good rows are not written either")
    func allOrNothing() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            let file = ImportTests.table(
                .orders,
                "reference,sku,quantity",
                ["SO-1,MILK,2", "SO-1,MILK,0", "SO-2,MILK,1"]
            )
            let report = try await store.importTable(file, dryRun: false, actor: clerk)
            #expect(report.problems.map(\.row) == [3])
            #expect(report.problems.map(\.column) == ["quantity"])
            #expect(try await store.listOrders(OrderListFilter()).isEmpty)
            #expect(try await store.stock(item: ItemReference("MILK")).allSatisfy { $0.reserved == 0 })
        }
    }
}
