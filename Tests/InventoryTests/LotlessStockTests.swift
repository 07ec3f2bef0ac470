import Foundation
import Inventory
import Testing

/// Untracked stock beside dated lots of the same item, and the reserved `@` lot codes.
@Suite("Lot-less stock")
struct LotlessStockTests {
    @Test("a balance without lot beside a dated lot moves and adjusts when no lot is named")
    func lotlessBesideALot() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "JAM", name: "Jam"))
            try await store.addLocation(Location(code: "A-01", kind: .storage))
            try await store.addLocation(Location(code: "A-02", kind: .storage))
            _ = try await store.receive(
                ReceiveRequest(item: ItemReference("JAM"), quantity: 4, location: "A-01"),
                actor: clerk
            )
            _ = try await store.receive(
                ReceiveRequest(
                    item: ItemReference("JAM"),
                    quantity: 6,
                    location: "A-01",
                    expiry: day("2026-09-01")
                ),
                actor: clerk
            )
            let moved = try await store.move(
                MoveRequest(item: ItemReference("JAM"), from: "A-01", to: "A-02", quantity: 4),
                actor: clerk
            )
            #expect(moved.movements.first?.lot == nil)
            let dated = try await store.move(
                MoveRequest(
                    item: ItemReference("JAM"),
                    lot: "@2026-09-01",
                    from: "A-01",
                    to: "A-02",
                    quantity: 6
                ),
                actor: clerk
            )
            #expect(dated.movements.first?.lot == "@2026-09-01")
            try await expectConsistent(store)
        }
    }

    @Test("a lot code starting with @ is refused: depot reserves them for implicit dated lots")
    func reservedLotCodes() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "JAM", name: "Jam"))
            try await store.addLocation(Location(code: "A-01", kind: .storage))
            let error = await #expect(throws: InventoryError.self) {
                _ = try await store.receive(
                    ReceiveRequest(
                        item: ItemReference("JAM"),
                        quantity: 1,
                        location: "A-01",
                        lot: "@2026-01-01",
                        expiry: day("2026-09-01")
                    ),
                    actor: clerk
                )
            }
            #expect(error.map(fieldAndValue)?.field == "lot")
            #expect(try await store.ledgerPosition() == 0)
        }
    }
}
