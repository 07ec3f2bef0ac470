import Foundation
import GRDB
import Inventory
import Synchronization
import Testing

// Group commit: concurrent intents share one SQLite transaction, each in its own savepoint.
// Commits are counted by a GRDB transaction observer on the writer (independent of the engine),
// and the writer is held busy for a moment so that the intents arrive together.

/// Counts the writer's committed transactions.
final class CommitCounter: TransactionObserver, Sendable {
    private let count = Mutex(0)
    var commits: Int { count.withLock { $0 } }
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { count.withLock { $0 += 1 } }
    func databaseDidRollback(_ db: Database) {}
}

@Suite("Group commit")
struct GroupCommitTests {
    /// Holds the writer for `duration` (no transaction: counts no commit), so intents submitted meanwhile queue up.
    static func holdWriter(_ store: InventoryStore, for duration: Duration) async throws {
        try await store.writer.writeWithoutTransaction { _ in
            Thread.sleep(
                forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            )
        }
    }

    static func seed(_ store: InventoryStore) async throws {
        try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt M8"))
        try await store.addItem(ItemSpec(sku: "MILK", name: "Milk 1L", lotTracked: true))
        try await store.addStorage("A-01", "A-02")
    }

    @Test(
        "32 concurrent receipts commit in fewer than 32 transactions; all applied, chain verifies, feed in ledger order"
    )
    func concurrentReceiptsShareTransactions() async throws {
        try await withStore { store in
            try await Self.seed(store)
            let counter = CommitCounter()
            store.writer.add(transactionObserver: counter, extent: .observerLifetime)
            let feed = store.feed.subscribe()
            let start = try await store.ledgerPosition()
            let count = 32
            async let held: Void = Self.holdWriter(store, for: .milliseconds(400))
            try await Task.sleep(for: .milliseconds(50))
            let results = try await withThrowingTaskGroup(of: StockChange.self) { group in
                for index in 0..<count {
                    group.addTask {
                        try await store.receive("BOLT", Int64(index + 1), at: index % 2 == 0 ? "A-01" : "A-02")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            try await held
            #expect(results.count == count)
            #expect(counter.commits < count, "\(counter.commits) commits for \(count) receipts")
            #expect(counter.commits >= 1)
            // Every caller got its own movement; ids are distinct and follow the ledger.
            let ids = results.flatMap { $0.movements.map(\.id) }.sorted()
            #expect(ids == Array((start + 1)...(start + Int64(count))))
            #expect(
                try await store.onHand("BOLT", at: "A-01") + store.onHand("BOLT", at: "A-02")
                    == Int64(count * (count + 1) / 2)
            )
            var published: [Int64] = []
            for try await movement in feed {
                published.append(movement.id)
                if published.count == count { break }
            }
            #expect(published == ids, "the feed publishes every committed movement once, in ledger order")
            let report = try await store.verify()
            #expect(report.ok, "\(report)")
            #expect(report.chainFirstBadMovement == nil)
            try await expectConsistent(store)
        }
    }

    @Test("a failing intent in a group: the others are applied, it is fully absent, and it gets its own error")
    func failingIntentRollsBackOnlyItsSavepoint() async throws {
        try await withStore { store in
            try await Self.seed(store)
            let counter = CommitCounter()
            store.writer.add(transactionObserver: counter, extent: .observerLifetime)
            let before = try await store.ledgerPosition()
            async let held: Void = Self.holdWriter(store, for: .milliseconds(400))
            try await Task.sleep(for: .milliseconds(50))
            // Intent 5 creates lot BAD and adds its stock, then fails on the movement's reference
            // (over 200 characters): its savepoint must take the lot and the stock back.
            let outcomes = await withTaskGroup(of: (Int, Result<StockChange, InventoryError>).self) { group in
                for index in 0..<10 {
                    group.addTask {
                        do {
                            let change = try await store.receive(
                                ReceiveRequest(
                                    item: ItemReference("MILK"),
                                    quantity: 5,
                                    location: "A-01",
                                    lot: index == 5 ? "BAD" : "L\(index)",
                                    reference: index == 5 ? String(repeating: "x", count: 201) : "delivery-\(index)"
                                ),
                                actor: clerk
                            )
                            return (index, .success(change))
                        } catch let error as InventoryError {
                            return (index, .failure(error))
                        } catch {
                            Issue.record("unexpected error \(error)")
                            return (index, .failure(.invalidValue(field: "?", value: "?", reason: "\(error)")))
                        }
                    }
                }
                return await group.reduce(into: [Int: Result<StockChange, InventoryError>]()) { $0[$1.0] = $1.1 }
            }
            try await held
            #expect(counter.commits < 10, "\(counter.commits) commits for 10 receipts")
            for index in 0..<10 where index != 5 {
                guard case .success = outcomes[index] else {
                    Issue.record("receipt \(index) failed: \(String(describing: outcomes[index]))")
                    continue
                }
            }
            guard case let .failure(error)? = outcomes[5], case let .invalidValue(field, _, _) = error else {
                Issue.record("the bad receipt did not fail with its own error: \(String(describing: outcomes[5]))")
                return
            }
            #expect(field == "reference")
            let lots = try await store.lots(of: ItemReference("MILK")).map(\.lot.code)
            #expect(!lots.contains("BAD"), "the failed intent's lot is rolled back")
            #expect(Set(lots) == Set((0..<10).filter { $0 != 5 }.map { "L\($0)" }))
            #expect(try await store.onHand("MILK", lot: "BAD", at: "A-01") == 0)
            #expect(try await store.ledgerPosition() == before + 9)
            let ledger = try await store.ledger(LedgerFilter(limit: 100))
            #expect(!ledger.contains { $0.lot == "BAD" })
            let report = try await store.verify()
            #expect(report.ok, "\(report)")
            try await expectConsistent(store)
        }
    }

    @Test("an intent arriving at an idle writer commits alone, at once")
    func loneIntentCommitsAlone() async throws {
        try await withStore { store in
            try await Self.seed(store)
            let counter = CommitCounter()
            store.writer.add(transactionObserver: counter, extent: .observerLifetime)
            for index in 1...3 { try await store.receive("BOLT", Int64(index), at: "A-01") }
            #expect(counter.commits == 3)
        }
    }
}
