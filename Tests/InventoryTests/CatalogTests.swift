import Foundation
import Inventory
import Testing

// Items and locations: add, update, list, show.

@Suite("Catalogue")
struct CatalogTests {
    @Test("items: defaults, update, list in SKU order, show by SKU or any GTIN form")
    func items() async throws {
        try await withStore { store in
            let milk = try await store.addItem(
                ItemSpec(
                    sku: "MILK",
                    name: "Milk 1 l",
                    gtins: ["4006381333931"],
                    expiryTracked: true,
                    minRemainingShelfLifeDays: 3
                )
            )
            #expect(
                milk
                    == Item(
                        sku: "MILK",
                        name: "Milk 1 l",
                        gtins: ["04006381333931"],
                        policy: .fefo,
                        lotTracked: false,
                        expiryTracked: true,
                        minRemainingShelfLifeDays: 3
                    )
            )
            let bolt = try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt M6", lotTracked: true))
            #expect(bolt.policy == .fifo)
            #expect(bolt.minRemainingShelfLifeDays == 0)

            let updated = try await store.updateItem(
                ItemReference("04006381333931"),
                ItemUpdate(
                    name: "Whole milk 1 l",
                    addGTINs: ["96385074"],
                    removeGTINs: ["4006381333931"],
                    policy: .fifo,
                    minRemainingShelfLifeDays: 5
                )
            )
            #expect(
                updated
                    == Item(
                        sku: "MILK",
                        name: "Whole milk 1 l",
                        gtins: ["00000096385074"],
                        policy: .fifo,
                        lotTracked: false,
                        expiryTracked: true,
                        minRemainingShelfLifeDays: 5
                    )
            )
            #expect(try await store.items().map(\.sku) == ["BOLT", "MILK"])
            #expect(try await store.item(ItemReference("96385074")) == updated)
            // The removed GTIN no longer finds the item; it is free for another one.
            await #expect(throws: InventoryError.unknownItem("4006381333931")) {
                try await store.item(ItemReference("4006381333931"))
            }
            let cheese = try await store.addItem(ItemSpec(sku: "CHEESE", name: "Cheese", gtins: ["04006381333931"]))
            #expect(cheese.gtins == ["04006381333931"])
        }
    }

    @Test("removing a GTIN the item does not have is refused, nothing written")
    func removeForeignGTIN() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "MILK", name: "Milk", gtins: ["4006381333931"]))
            try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt", gtins: ["96385074"]))
            let before = try await Snapshot(store)
            let error = await #expect(throws: InventoryError.self) {
                try await store.updateItem(
                    ItemReference("BOLT"),
                    ItemUpdate(name: "Renamed", removeGTINs: ["4006381333931"])
                )
            }
            #expect(error.map(fieldAndValue)?.field == "gtin")
            #expect(error.map(fieldAndValue)?.value == "4006381333931")
            #expect(try await Snapshot(store) == before)
        }
    }

    @Test("locations: zones, update of kind, priority and parent, list in code order")
    func locations() async throws {
        try await withStore { store in
            try await store.addLocation(Location(code: "ZONE-A", kind: .storage))
            let bin = try await store.addLocation(
                Location(code: "A-01", kind: .storage, parent: "ZONE-A", pickPriority: 3)
            )
            #expect(bin == Location(code: "A-01", kind: .storage, parent: "ZONE-A", pickPriority: 3))
            try await store.addLocation(Location(code: "DOCK", kind: .receiving))
            #expect(try await store.locations().map(\.code) == ["A-01", "DOCK", "ZONE-A"])

            let moved = try await store.updateLocation(
                "A-01",
                LocationUpdate(kind: .picking, parent: "", pickPriority: -1)
            )
            #expect(moved == Location(code: "A-01", kind: .picking, parent: nil, pickPriority: -1))
            let nested = try await store.updateLocation("ZONE-A", LocationUpdate(parent: "DOCK"))
            #expect(nested.parent == "DOCK")
            #expect(try await store.location("ZONE-A") == nested)
            await #expect(throws: InventoryError.unknownLocation("NOPE")) { try await store.location("NOPE") }
        }
    }

    @Test("a location that becomes a quarantine location stops being allocatable")
    func kindChangeAffectsAllocation() async throws {
        try await withStore { store in
            try await MilkExample.seed(store)
            _ = try await store.updateLocation("A-02", LocationUpdate(kind: .quarantine))
            #expect(
                try await store.pickLines("MILK", 6, dryRun: true) == [Taken("L1", "A-01", 5), Taken("L3", "A-03", 1)]
            )
            let plan = try await store.pick(
                PickRequest(item: ItemReference("MILK"), quantity: 1, dryRun: true),
                actor: clerk
            ).plan
            #expect(plan.excluded == [.expired: 4, .notPickable: 3])
        }
    }
}
