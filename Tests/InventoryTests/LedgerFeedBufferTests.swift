import Foundation
import Inventory
import Testing

// The feed's cut-off for a subscriber that falls behind (Broadcaster.bufferLimit), driven
// directly with a small buffer: filling a 65,536-row buffer through the store would only make
// the test slow. LedgerFeed is Broadcaster<Movement>; the mechanism does not depend on the type.

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
}
