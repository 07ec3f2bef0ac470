import Foundation
@testable import Inventory
import Testing

// The feed's cut-off for a subscriber that falls behind (LedgerFeed.bufferLimit), driven
// directly: filling a 65,536-row buffer through the store would only make the test slow.

@Suite("Ledger feed buffer")
struct LedgerFeedBufferTests {
    static func movement(_ id: Int64) -> Movement {
        Movement(id: id, at: morning, kind: .receive, sku: "X", lot: nil, from: nil, to: "A-01", quantity: 1,
                 actor: clerk, reference: nil, reason: nil)
    }

    @Test("a subscriber that falls behind gets what was buffered, then fellBehind naming the last delivered id")
    func fellBehind() async throws {
        let feed = LedgerFeed(bufferLimit: 2)
        let slow = feed.subscribe()
        feed.publish([Self.movement(1), Self.movement(2), Self.movement(3), Self.movement(4)])
        #expect(feed.subscriberCount == 0, "the slow subscriber was cut off")
        var received: [Int64] = []
        let error = await #expect(throws: LedgerFeedError.self) {
            for try await movement in slow { received.append(movement.id) }
        }
        #expect(received == [1, 2])
        #expect(error == .fellBehind(lastDelivered: 2))

        // A new subscriber starts fresh and keeps up.
        let fresh = feed.subscribe()
        feed.publish([Self.movement(5)])
        var iterator = fresh.makeAsyncIterator()
        #expect(try await iterator.next()?.id == 5)
    }
}
