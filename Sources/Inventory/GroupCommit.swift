import Foundation
import GRDB
import Logging
import Synchronization

/// Group commit: write intents that arrive while the writer is busy are applied together in
/// one SQLite transaction, so one fsync (``Durability/full``) covers the whole group.
///
/// Each intent runs inside its own SAVEPOINT (on GRDB's writer queue): when it throws, only its
/// savepoint rolls back and only its caller gets the error; the others of the group commit.
/// Every caller hears its outcome after the group's COMMIT returned, that is after the commit
/// is on disk. Intents apply in arrival order, so ledger ids, the hash chain and the feed keep
/// one serial order; each intent reads the chain's tip written by the intents before it.
///
/// Grouping adds no wait: an intent arriving at an idle writer commits alone at once; intents
/// arriving while a group commits form the next group, at most ``limit`` of them (default 64,
/// ``InventoryStore/groupCommitLimit``), so a reply never waits behind more than two groups.
/// When SQLite aborts the whole transaction (an I/O error, a full disk) or the COMMIT fails,
/// nothing of the group was saved and every caller gets the error, mapped to
/// ``InventoryError/storageFailure(reason:code:detail:)`` when it is one (logged at error).
///
/// A storage failure that is an I/O error or damage stops writes (``WriteStop``): from then on
/// every intent, queued or new, throws ``InventoryError/writesStopped(_:)`` without a transaction.
final class GroupCommit: Sendable {
    /// Most intents in one transaction.
    let limit: Int
    private let writer: DatabasePool
    private let feed: LedgerFeed
    private let logger: Logger
    private let state = Mutex(Queue())
    private let clock: InventoryClock
    private let stop = Mutex<WriteStop?>(nil)
    /// The ledger chain's tip on the writer (``LedgerTip``).
    private let tip = LedgerTip()

    private let generation = Mutex<UInt64>(0)

    /// Why writes are stopped; nil while they are accepted.
    var writeStop: WriteStop? { stop.withLock { $0 } }

    /// Counts write transactions that ended (committed or not): raised after each one, so a
    /// reader that took the value before reading and finds it unchanged later read nothing
    /// older than the database (``InventoryStore/status()``'s cache).
    var writeGeneration: UInt64 { generation.withLock { $0 } }

    private struct Queue {
        var pending: [any GroupIntent] = []
        /// Whether a drain task is running (it takes every pending intent before it stops).
        var draining = false
    }

    init(writer: DatabasePool, feed: LedgerFeed, limit: Int, clock: InventoryClock, logger: Logger) {
        precondition(limit >= 1, "a group holds at least one intent")
        self.writer = writer
        self.clock = clock
        self.feed = feed
        self.limit = limit
        self.logger = logger
    }

    /// Applies `apply` in the next group and returns its result once the group committed.
    /// `apply` returns its result and the movements it appended (published to the feed after
    /// the commit, in ledger order).
    /// - Throws: what `apply` throws (its savepoint rolled back); the group's storage failure;
    ///   ``InventoryError/writesStopped(_:)`` once writes are stopped.
    func submit<T: Sendable>(
        _ apply: @escaping @Sendable (Database, LedgerTip) throws -> (T, [Movement])
    ) async throws -> T {
        if let stopped = writeStop { throw InventoryError.writesStopped(stopped) }
        return try await withCheckedThrowingContinuation { continuation in
            let intent = TypedIntent(apply: apply, continuation: continuation)
            let start = state.withLock { queue in
                queue.pending.append(intent)
                defer { queue.draining = true }
                return !queue.draining
            }
            // The drain runs on GRDB's writer queue itself: no task between the caller and the
            // writer, and the caller resumes as soon as its group committed.
            if start { writer.asyncWriteWithoutTransaction { db in self.drain(db) } }
        }
    }

    /// Commits one group on the writer's queue, then schedules the next one behind whatever
    /// else waits for the writer (the checkpointer's TRUNCATE, a backup), until nothing is pending.
    private func drain(_ db: Database) {
        let group: [any GroupIntent] = state.withLock { queue in
            let group = Array(queue.pending.prefix(limit))
            queue.pending.removeFirst(group.count)
            if group.isEmpty { queue.draining = false }
            return group
        }
        if group.isEmpty { return }
        commit(group, db)
        writer.asyncWriteWithoutTransaction { db in self.drain(db) }
    }

    /// One transaction for `group`, a savepoint per intent; then every outcome. The transaction
    /// and savepoint statements are GRDB cached statements (prepared once per connection, where
    /// GRDB's `inTransaction` and `inSavepoint` prepare theirs on every call).
    private func commit(_ group: [any GroupIntent], _ db: Database) {
        if let stopped = writeStop {
            for intent in group { intent.finish(InventoryError.writesStopped(stopped)) }
            return
        }
        let feed = self.feed
        let tip = self.tip
        let outcomes: [(any Error)?]
        defer { generation.withLock { $0 &+= 1 } }
        do {
            outcomes = try Self.inTransaction(db) {
                var outcomes: [(any Error)?] = []
                var published: [Movement] = []
                try tip.revalidate(db)
                for intent in group {
                    let before = tip.value
                    do {
                        let appended = try Self.inSavepoint(db) { try intent.apply(db, tip) }
                        published += appended
                        outcomes.append(nil)
                    } catch {
                        tip.value = before  // its savepoint rolled back its movements
                        // SQLite rolled back the whole transaction (I/O error, full disk): the
                        // intents before this one are gone too; fail the group.
                        guard db.isInsideTransaction else { throw error }
                        outcomes.append(error)
                    }
                }
                if !published.isEmpty {
                    let committed = published
                    db.afterNextTransaction(onCommit: { _ in feed.publish(committed) })
                }
                return outcomes
            }
        } catch {
            tip.value = nil  // nothing of the group was saved: read the tip again next time
            let failure = storageFailure(error, intents: group.count)
            for intent in group { intent.finish(failure) }
            return
        }
        // Counted by the power-cut test (scripts/power-cut.sh) to show that groups formed.
        logger.debug("group committed", metadata: ["group.intents": "\(group.count)"])
        for (intent, outcome) in zip(group, outcomes) {
            intent.finish(outcome.map { storageFailure($0, intents: 1) })
        }
    }

    /// `body` in an immediate transaction: committed when it returns, rolled back (GRDB's
    /// `rollback()`, which copes with a transaction SQLite already rolled back) when it or the
    /// COMMIT throws.
    /// - Throws: what `body`, BEGIN or COMMIT throw.
    private static func inTransaction<R>(_ db: Database, _ body: () throws -> R) throws -> R {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            let result = try body()
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
            return result
        } catch {
            if db.isInsideTransaction { try? db.rollback() }
            throw error
        }
    }

    /// `body` in a savepoint of the open transaction: released when it returns, rolled back to
    /// and released when it throws (when SQLite has not already rolled back the whole transaction).
    /// - Throws: what `body` throws, or SAVEPOINT / RELEASE errors.
    private static func inSavepoint<R>(_ db: Database, _ body: () throws -> R) throws -> R {
        try db.cachedStatement(sql: "SAVEPOINT intent").execute()
        do {
            let result = try body()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT intent").execute()
            return result
        } catch {
            if db.isInsideTransaction {
                try db.cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT intent").execute()
                try db.cachedStatement(sql: "RELEASE SAVEPOINT intent").execute()
            }
            throw error
        }
    }

    /// `error` as ``InventoryError/storageFailure(reason:code:detail:)`` (logged at error with
    /// its cause) when SQLite failed to read or write; otherwise `error` itself. An I/O error or
    /// damage stops writes (``WriteStop``, logged at critical once).
    private func storageFailure(_ error: any Error, intents: Int) -> any Error {
        guard let failure = InventoryError.storageFailure(from: error),
            case let .storageFailure(reason, code, detail) = failure
        else { return error }
        logger.error(
            "storage failure, nothing of the operations was saved",
            metadata: [
                "storage.reason": "\(reason.rawValue)", "group.intents": "\(intents)", "error": "\(error)",
            ]
        )
        if WriteStop.stops(reason) {
            let new = WriteStop(reason: reason, code: code, detail: detail, since: clock.now())
            let first = stop.withLock { stop in
                defer { if stop == nil { stop = new } }
                return stop == nil
            }
            if first {
                logger.critical(
                    "writes stopped until restart",
                    metadata: [
                        "storage.reason": "\(reason.rawValue)", "sqlite.code": "\(code)", "error": "\(error)",
                    ]
                )
            }
        }
        return failure
    }
}

extension InventoryError {
    /// The reason of a ``storageFailure(reason:code:detail:)``, nil for other errors.
    var storageReason: StorageFailureReason? {
        if case let .storageFailure(reason, _, _) = self { return reason }
        return nil
    }
}

/// One caller's write waiting in ``GroupCommit``.
protocol GroupIntent: AnyObject, Sendable {
    /// Runs the intent inside the group's transaction (in its savepoint), appending to the
    /// ledger from `tip`; returns the movements it appended.
    func apply(_ db: Database, _ tip: LedgerTip) throws -> [Movement]
    /// Resumes the caller after the group's commit: with its result when `error` is nil.
    func finish(_ error: (any Error)?)
}

/// A ``GroupIntent`` whose caller awaits a `T`.
///
/// `@unchecked Sendable`: `result` is written by ``apply(_:)`` on GRDB's writer queue and read
/// by ``finish(_:)`` after the group's `write` returned, which orders the two.
final class TypedIntent<T: Sendable>: GroupIntent, @unchecked Sendable {
    private let body: @Sendable (Database, LedgerTip) throws -> (T, [Movement])
    private let continuation: CheckedContinuation<T, any Error>
    private var result: T?

    init(
        apply: @escaping @Sendable (Database, LedgerTip) throws -> (T, [Movement]),
        continuation: CheckedContinuation<T, any Error>
    ) {
        self.body = apply
        self.continuation = continuation
    }

    func apply(_ db: Database, _ tip: LedgerTip) throws -> [Movement] {
        result = nil
        let (value, appended) = try body(db, tip)
        result = value
        return appended
    }

    func finish(_ error: (any Error)?) {
        if let error {
            continuation.resume(throwing: error)
        } else if let result {
            continuation.resume(returning: result)
        } else {
            continuation.resume(
                throwing: DatabaseError(resultCode: .SQLITE_INTERNAL, message: "group commit lost a result")
            )
        }
    }
}
