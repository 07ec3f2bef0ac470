import Foundation
import Inventory
import Testing

// Blind counts stay blind in stock queries (docs/counts.md, "Blind counts").

@Suite("Blind stock")
struct BlindStockTests {
    @Test("an open blind count hides its uncounted balances from counters, not from reviewers")
    func stockQueriesStayBlind() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "SALT", name: "Salt"))
            try await store.addItem(ItemSpec(sku: "SOAP", name: "Soap"))
            try await store.addStorage("ZONE")
            try await store.addLocation(Location(code: "BIN", kind: .storage, parent: "ZONE"))
            try await store.addStorage("ELSEWHERE")
            try await store.receive("SALT", 12, at: "BIN")
            try await store.receive("SOAP", 4, at: "BIN")
            try await store.receive("SALT", 7, at: "ELSEWHERE")
            func seen(_ audience: CountAudience, location: String? = nil) async throws -> [String] {
                try await store.stock(location: location, audience: audience).map {
                    "\($0.quantity) \($0.sku)@\($0.location)"
                }
            }
            let open = try await store.startCount(CountStartRequest(location: "ZONE", blind: true), actor: "clerk")
            #expect(try await seen(.counter) == ["7 SALT@ELSEWHERE"], "nothing of the blind count's scope")
            #expect(try await seen(.counter, location: "BIN") == [])
            #expect(try await seen(.reviewer) == ["12 SALT@BIN", "7 SALT@ELSEWHERE", "4 SOAP@BIN"])
            #expect(try await store.stock().count == 3, "the default audience is a reviewer")
            // A counted line stays hidden while the count is open (a token count must not reveal the book).
            _ = try await store.recordCount(
                CountEntry(
                    count: open.id,
                    location: "BIN",
                    item: ItemReference("SOAP"),
                    lot: nil,
                    quantity: 4,
                    mode: .set
                ),
                actor: "op"
            )
            #expect(try await seen(.counter) == ["7 SALT@ELSEWHERE"])
            #expect(try await store.status(audience: .counter).onHand == 7, "the status total leaves the scope out")
            #expect(try await store.status().onHand == 23)
            let refused = await #expect(throws: InventoryError.self) {
                try await store.move(
                    MoveRequest(item: ItemReference("SALT"), from: "BIN", to: "ELSEWHERE", quantity: 13),
                    actor: "op"
                )
            }
            #expect(
                refused?.description.contains("not enough of SALT available at BIN") == true,
                "\(String(describing: refused))"
            )
            // A count that is not blind hides nothing.
            _ = try await store.cancelCount(open.id, actor: "clerk")
            _ = try await store.startCount(CountStartRequest(location: "ZONE"), actor: "clerk")
            #expect(try await seen(.counter).count == 3)
        }
    }
}
