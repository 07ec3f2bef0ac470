import Foundation
import Synchronization
import Testing

@testable import DepotService

/// The gate of large replies lets at most its permits run at once, serves every waiter, and
/// lets a cancelled waiter leave the queue.
@Suite("Large-reply gate")
struct ReplyGateTests {
    final class Peak: Sendable {
        private let state = Mutex((now: 0, most: 0, done: 0))
        func enter() {
            state.withLock {
                $0.now += 1
                $0.most = max($0.most, $0.now)
            }
        }
        func leave() {
            state.withLock {
                $0.now -= 1
                $0.done += 1
            }
        }
        var most: Int { state.withLock { $0.most } }
        var done: Int { state.withLock { $0.done } }
    }

    @Test(arguments: [1, 2, 3])
    func noMoreThanItsPermitsRunAtOnce(permits: Int) async throws {
        let gate = ReplyGate(permits: permits)
        let peak = Peak()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await gate.withPermit {
                        peak.enter()
                        try await Task.sleep(for: .milliseconds(5))
                        peak.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(peak.done == 20)
        #expect(peak.most == permits, "at most \(permits) at once, and the gate does use them all")
    }

    @Test func aCancelledWaiterLeavesTheQueueAndTheGateStillServes() async throws {
        let gate = ReplyGate(permits: 1)
        let (held, release) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await gate.withPermit { for await _ in held { break } }
        }
        try await Task.sleep(for: .milliseconds(50))
        let waiter = Task { try await gate.withPermit { 1 } }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        release.yield()
        try await holder.value
        #expect(try await gate.withPermit { 2 } == 2, "the permit came back")
    }
}
