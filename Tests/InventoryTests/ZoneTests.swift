import Foundation
import Inventory
import Testing

// Zones (locations that hold other locations) hold no stock and are never allocated from
// (docs/allocation.md, section 1, "Zones").

@Suite("Zones")
struct ZoneTests {
    /// ZONE-A (storage kind, as `location add ZONE-A --kind storage` makes it) holds.
    static func seed(_ store: InventoryStore) async throws {
        try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt M6"))
        try await store.addStorage("ZONE-A")
        try await store.addLocation(Location(code: "A-01", kind: .storage, parent: "ZONE-A"))
        try await store.addLocation(Location(code: "A-02", kind: .picking, parent: "ZONE-A"))
        try await store.addStorage("DOCK", kind: .receiving)
    }

    static func isZoneRefusal(_ error: InventoryError?, _ code: String) -> Bool {
        guard case let .invalidValue(field, value, reason)? = error else { return false }
        return field == "location" && value == code && reason.contains("zone")
            && reason.contains("A-01, A-02") && reason.contains("storage") && reason.contains("picking")
    }

    @Test("a receipt into a zone is refused, naming the zone's locations and the allowed kinds")
    func receiveIntoZone() async throws {
        try await withStore { store in
            try await Self.seed(store)
            let error = await #expect(throws: InventoryError.self) { try await store.receive("BOLT", 5, at: "ZONE-A") }
            #expect(Self.isZoneRefusal(error, "ZONE-A"), "\(String(describing: error))")
            #expect(try await store.ledgerPosition() == 0)
            try await store.receive("BOLT", 5, at: "A-01")
            #expect(
                try await store.stock(location: "ZONE-A").map(\.quantity) == [5],
                "its locations still add up under it"
            )
        }
    }

    @Test("a move or put-away into a zone is refused and nothing moves")
    func moveIntoZone() async throws {
        try await withStore { store in
            try await Self.seed(store)
            try await store.receive("BOLT", 5, at: "DOCK")
            let position = try await store.ledgerPosition()
            let error = await #expect(throws: InventoryError.self) {
                try await store.move(
                    MoveRequest(item: ItemReference("BOLT"), from: "DOCK", to: "ZONE-A", quantity: 2),
                    actor: clerk
                )
            }
            #expect(Self.isZoneRefusal(error, "ZONE-A"), "\(String(describing: error))")
            #expect(try await store.ledgerPosition() == position)
            #expect(try await store.stock(location: "DOCK").map(\.quantity) == [5])
        }
    }

    @Test("counting at a zone is refused at record, naming the zone and the kinds stock may go into")
    func countAtZoneIsRefused() async throws {
        try await withStore { store in
            try await Self.seed(store)
            let count = try await store.startCount(CountStartRequest(location: "ZONE-A"), actor: clerk)
            let error = await #expect(throws: InventoryError.self) {
                try await store.recordCount(
                    CountEntry(count: count.id, location: "ZONE-A", item: ItemReference("BOLT"), quantity: 4),
                    actor: clerk
                )
            }
            #expect(Self.isZoneRefusal(error, "ZONE-A"), "\(String(describing: error))")
            #expect(try await store.count(count.id).lines.isEmpty, "nothing was recorded")
            // The reason is whole: the 80-character cut is for quoted values only.
            #expect(error?.description.hasSuffix("only storage and picking are allocatable") == true)
        }
    }

    @Test("a counted location that became a zone is refused at approval and nothing is posted")
    func approvalOntoNewZoneIsRefused() async throws {
        try await withStore { store in
            try await Self.seed(store)
            try await store.addStorage("B-01")
            let count = try await store.startCount(CountStartRequest(location: "B-01"), actor: clerk)
            _ = try await store.recordCount(
                CountEntry(count: count.id, location: "B-01", item: ItemReference("BOLT"), quantity: 4),
                actor: clerk
            )
            _ = try await store.submitCount(count.id, actor: clerk)
            try await store.addLocation(Location(code: "B-01-01", kind: .storage, parent: "B-01"))
            let position = try await store.ledgerPosition()
            let error = await #expect(throws: InventoryError.self) {
                try await store.approveCount(count.id, actor: clerk)
            }
            guard case let .invalidValue("location", "B-01", reason)? = error, reason.contains("B-01-01") else {
                Issue.record("\(String(describing: error))")
                return
            }
            #expect(try await store.ledgerPosition() == position)
            #expect(try await store.stock(location: "B-01").isEmpty)
        }
    }

    @Test("a location holding stock cannot become a zone")
    func stockedLocationCannotEncloseOthers() async throws {
        try await withStore { store in
            try await Self.seed(store)
            try await store.receive("BOLT", 5, at: "A-01")
            let added = await #expect(throws: InventoryError.self) {
                try await store.addLocation(Location(code: "A-01-01", kind: .picking, parent: "A-01"))
            }
            guard case let .invalidValue(field, value, _)? = added else {
                Issue.record("\(String(describing: added))")
                return
            }
            #expect(field == "parent" && value == "A-01")
            try await store.addStorage("B-01")
            let moved = await #expect(throws: InventoryError.self) {
                try await store.updateLocation("B-01", LocationUpdate(parent: "A-01"))
            }
            guard case .invalidValue("parent", "A-01", _)? = moved else {
                Issue.record("\(String(describing: moved))")
                return
            }
        }
    }

    @Test("stock left on a zone from before is not allocatable")
    func legacyZoneStockIsNotPickable() throws {
        let base = AllocationCandidate(
            stockId: 1,
            lot: nil,
            expiry: nil,
            lotStatus: nil,
            location: "ZONE-A",
            locationKind: .storage,
            pickPriority: 0,
            receivedAt: morning,
            quantity: 5,
            reserved: 0
        )
        #expect(AllocationRule.exclusion(of: base, today: day("2026-03-01"), requiredShelfLifeDays: 0) == nil)
        var zone = base
        zone.inZone = true
        #expect(AllocationRule.exclusion(of: zone, today: day("2026-03-01"), requiredShelfLifeDays: 0) == .notPickable)
    }
}
