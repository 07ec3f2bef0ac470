import Foundation
import Synchronization

/// Fan-out of values to live subscribers, in the order they were published.
///
/// A subscriber that falls more than ``bufferLimit`` values behind has its stream finished with
/// ``BroadcastError/fellBehind`` rather than silently missing values; it can resubscribe and
/// read the gap from the source of record (for movements: the ledger).
public final class Broadcaster<Element: Sendable>: Sendable {
    /// Values buffered per subscriber before it is cut off.
    public let bufferLimit: Int
    private let subscribers = Mutex<[UUID: AsyncThrowingStream<Element, any Error>.Continuation]>([:])

    /// Creates a broadcaster with no subscribers; `bufferLimit` is the number of values buffered per
    /// subscriber. Throws nothing.
    public init(bufferLimit: Int = 65_536) {
        self.bufferLimit = bufferLimit
    }

    /// A stream of every value published after this call returns.
    public func subscribe() -> AsyncThrowingStream<Element, any Error> {
        let id = UUID()
        let (stream, continuation) = AsyncThrowingStream<Element, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(bufferLimit)
        )
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    /// Number of live subscriptions.
    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// Sends `values`, in order, to every subscriber.
    public func publish(_ values: [Element]) {
        guard !values.isEmpty else { return }
        let current = subscribers.withLock { $0 }
        for (id, continuation) in current {
            for value in values {
                if case .dropped = continuation.yield(value) {
                    continuation.finish(throwing: BroadcastError.fellBehind)
                    _ = subscribers.withLock { $0.removeValue(forKey: id) }
                    break
                }
            }
        }
    }
}

/// The feed of committed ledger movements: the store publishes from GRDB's commit hook, which
/// runs serialized on the writer, so subscribers see movements in id order.
public typealias LedgerFeed = Broadcaster<Movement>

/// Why a subscription ended early.
public enum BroadcastError: Error, Sendable, Equatable {
    /// The subscriber did not keep up; values after the last one it received were not sent.
    case fellBehind
}
