import Foundation
import Synchronization

/// Fan-out of committed movements to live subscribers, in ledger order.
///
/// The store publishes from GRDB's commit hook, which runs serialized on the writer, so
/// subscribers see movements in id order. A subscriber that falls more than ``bufferLimit``
/// movements behind has its stream finished with ``LedgerFeedError/fellBehind(lastDelivered:)``
/// rather than silently missing rows; it can resubscribe and read the gap from the ledger.
public final class LedgerFeed: Sendable {
    /// Movements buffered per subscriber before it is cut off.
    public let bufferLimit: Int
    private let subscribers = Mutex<[UUID: AsyncThrowingStream<Movement, any Error>.Continuation]>([:])

    public init(bufferLimit: Int = 65_536) {
        self.bufferLimit = bufferLimit
    }

    /// A stream of every movement committed after this call returns.
    public func subscribe() -> AsyncThrowingStream<Movement, any Error> {
        let id = UUID()
        let (stream, continuation) = AsyncThrowingStream<Movement, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(bufferLimit))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    /// Number of live subscriptions.
    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    func publish(_ movements: [Movement]) {
        guard !movements.isEmpty else { return }
        let current = subscribers.withLock { $0 }
        for (id, continuation) in current {
            for movement in movements {
                if case .dropped = continuation.yield(movement) {
                    continuation.finish(throwing: LedgerFeedError.fellBehind(lastDelivered: movement.id - 1))
                    _ = subscribers.withLock { $0.removeValue(forKey: id) }
                    break
                }
            }
        }
    }
}

/// Why a ledger subscription ended early.
public enum LedgerFeedError: Error, Sendable, Equatable {
    /// The subscriber did not keep up; movements after `lastDelivered` were not sent.
    case fellBehind(lastDelivered: Int64)
}
