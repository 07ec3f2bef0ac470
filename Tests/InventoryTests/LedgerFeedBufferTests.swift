import Foundation
import Inventory
import Testing

// The feed's cut-off for a subscriber that falls behind (Broadcaster.bufferLimit), driven
// directly with a small buffer, and the store's own feed with its real bound
// (InventoryStore.feedBufferMovements). LedgerFeed is Broadcaster<Movement>; the mechanism does not depend on the type.

@Suite("Ledger feed buffer")
struct LedgerFeedBufferTests {
    @Test("a subscriber that falls behind gets what was buffered, then fellBehind")
    func fellBehind() async throws {
        let feed = Broadcaster<Int>(bufferLimit: 2)
        let slow = feed.subscribe()
        feed.publish([1, 2, 3, 4])
        #expect(feed.subscriberCount == 0, "the slow subscriber was cut off")
        var received: [Int] = []
        let error = await #expect(throws: BroadcastError.self) {
            for try await value in slow { received.append(value) }
        }
        #expect(received == [1, 2])
        #expect(error == .fellBehind)

        // A new subscriber starts fresh and keeps up.
        let fresh = feed.subscribe()
        feed.publish([5])
        var iterator = fresh.makeAsyncIterator()
        #expect(try await iterator.next() == 5)
    }

    @Test("the store's feed cuts off a subscriber that does not read after its bound of movements")
    func theStoresFeedIsBounded() async throws {
        try await withStore { store in
            #expect(store.feed.bufferLimit == InventoryStore.feedBufferMovements)
            #expect(InventoryStore.feedBufferMovements == 256)
            try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt"))
            try await store.addStorage("A-01")
            let unread = store.feed.subscribe()
            for _ in 0...InventoryStore.feedBufferMovements { try await store.receive("BOLT", 1, at: "A-01") }
            #expect(store.feed.subscriberCount == 0, "cut off at movement \(InventoryStore.feedBufferMovements + 1)")
            var received = 0
            let error = await #expect(throws: BroadcastError.self) { for try await _ in unread { received += 1 } }
            #expect(error == .fellBehind)
            #expect(received == InventoryStore.feedBufferMovements)
        }
    }
}
