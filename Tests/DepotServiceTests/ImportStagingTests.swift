import Foundation
import Inventory
import Testing
import Varlink

@testable import DepotService

/// The staged CSV import's bounds (ImportInterface.swift, docs/csv.md "Limits"): rows per call,
/// rows per import, imports per user, and one user's import closed to every other user.
@Suite struct ImportStagingTests {
    static let table = ImportTable(kind: .locations, columns: ["code", "kind"])

    static func rows(_ count: Int, from first: Int = 2) -> [ImportRow] {
        (0..<count).map { ImportRow(number: first + $0, cells: ["L\(first + $0)", "storage"]) }
    }

    @Test func rowsAreStagedInOrderAndHandedOverOnce() async throws {
        let staging = ImportStaging()
        let id = try await staging.begin(Self.table, actor: "uid:1")
        #expect(try await staging.add(id, rows: Self.rows(3), actor: "uid:1") == 3)
        #expect(try await staging.add(id, rows: Self.rows(2, from: 5), actor: "uid:1") == 5)
        let table = try await staging.finish(id, actor: "uid:1")
        #expect(table.rows.map(\.number) == [2, 3, 4, 5, 6])
        let again = await #expect(throws: VarlinkError.self) { try await staging.finish(id, actor: "uid:1") }
        #expect(again?.name == "org.depot.inventory.UnknownImport")
    }

    @Test func anotherUserCannotAddToOrFinishAnImport() async throws {
        let staging = ImportStaging()
        let id = try await staging.begin(Self.table, actor: "uid:1")
        let refused = await #expect(throws: VarlinkError.self) {
            try await staging.add(id, rows: Self.rows(1), actor: "uid:2")
        }
        #expect(refused?.name == "org.depot.inventory.UnknownImport")
    }

    @Test func oneCallStagesAtMostTenThousandRows() async throws {
        let staging = ImportStaging()
        let id = try await staging.begin(Self.table, actor: "uid:1")
        let refused = await #expect(throws: VarlinkError.self) {
            try await staging.add(id, rows: Self.rows(ImportStaging.maxRowsPerCall + 1), actor: "uid:1")
        }
        #expect(refused?.name == "org.depot.inventory.InvalidValue")
        #expect(refused?.parameters["field"] == .string("rows"))
    }

    @Test func anImportOverTheRowLimitIsRefusedAndDropped() async throws {
        let staging = ImportStaging()
        let id = try await staging.begin(Self.table, actor: "uid:1")
        let perCall = ImportStaging.maxRowsPerCall
        for part in 0..<(InventoryStore.importRowLimit / perCall) {
            _ = try await staging.add(id, rows: Self.rows(perCall, from: 2 + part * perCall), actor: "uid:1")
        }
        let refused = await #expect(throws: VarlinkError.self) {
            try await staging.add(id, rows: Self.rows(1, from: 2 + InventoryStore.importRowLimit), actor: "uid:1")
        }
        #expect(refused?.name == "org.depot.inventory.InvalidValue")
        let gone = await #expect(throws: VarlinkError.self) { try await staging.finish(id, actor: "uid:1") }
        #expect(gone?.name == "org.depot.inventory.UnknownImport")
    }

    @Test func aUsersThirdImportDropsItsLeastRecentlyUsedOne() async throws {
        let staging = ImportStaging()
        let first = try await staging.begin(Self.table, actor: "uid:1")
        let second = try await staging.begin(Self.table, actor: "uid:1")
        let other = try await staging.begin(Self.table, actor: "uid:2")
        let third = try await staging.begin(Self.table, actor: "uid:1")
        let dropped = await #expect(throws: VarlinkError.self) { try await staging.finish(first, actor: "uid:1") }
        #expect(dropped?.name == "org.depot.inventory.UnknownImport")
        for (id, actor) in [(second, "uid:1"), (third, "uid:1"), (other, "uid:2")] {
            #expect(try await staging.finish(id, actor: actor).kind == .locations)
        }
    }

    @Test func allOpenImportsTogetherHoldABoundedNumberOfBytes() async throws {
        // Rows 2...6 hold 45 bytes of cells ("L2" + "storage", ...), rows 7...11 hold 47: 80 bytes
        // take one part or the other, not both.
        let staging = ImportStaging(totalBytesLimit: 80)
        let first = try await staging.begin(Self.table, actor: "uid:1")
        let second = try await staging.begin(Self.table, actor: "uid:2")
        #expect(try await staging.add(first, rows: Self.rows(5), actor: "uid:1") == 5)
        let refused = await #expect(throws: VarlinkError.self) {
            try await staging.add(second, rows: Self.rows(5, from: 7), actor: "uid:2")
        }
        #expect(refused?.name == "org.depot.inventory.InvalidValue")
        _ = try await staging.finish(first, actor: "uid:1")
        #expect(try await staging.add(second, rows: Self.rows(5, from: 7), actor: "uid:2") == 5)
    }
}
