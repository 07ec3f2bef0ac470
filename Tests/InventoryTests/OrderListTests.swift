import Foundation
import Inventory
import Synchronization
import TestSupport
import Testing

// Listing orders: filters by status and creation instant, paging by id, the page limit.

/// A clock whose instant a test sets, so orders are created at instants of its choosing.
final class SettableClock: Sendable {
    private let instant: Mutex<Date>
    init(_ start: Date) { instant = Mutex(start) }
    func set(_ text: String) { instant.withLock { $0 = parsedInstant(text) } }
    var clock: InventoryClock {
        InventoryClock(timeZone: TimeZone(identifier: "UTC")!) { [self] in instant.withLock { $0 } }
    }
}

/// `instant(_:)` of Support.swift, named apart so the clock's method does not shadow it.
private func parsedInstant(_ text: String) -> Date { instant(text) }

@Suite("Order list")
struct OrderListTests {
    /// Runs `body` with a store on a fresh file whose clock `time` sets.
    func withTimedStore(_ body: (InventoryStore, SettableClock) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "orderlist")
        defer { directory.remove() }
        let time = SettableClock(morning)
        let store = try InventoryStore(path: directory.file("depot.sqlite"), clock: time.clock)
        defer { try? store.close() }
        try await body(store, time)
    }

    @Test(
        "filters by status and by creation instant (since inclusive, until exclusive); lines carry ordered and picked"
    )
    func filters() async throws {
        try await withTimedStore { store, time in
            try await MilkExample.seed(store)
            try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt M6"))
            try await store.receive("BOLT", 50, at: "A-01")
            time.set("2026-03-01T08:00:00Z")
            _ = try await store.createOrder(
                reference: "SO-1",
                lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 2)],
                actor: clerk
            )
            time.set("2026-03-02T08:00:00Z")
            _ = try await store.createOrder(
                reference: "SO-2",
                lines: [
                    OrderLineRequest(item: ItemReference("BOLT"), quantity: 5),
                    OrderLineRequest(item: ItemReference("MILK"), quantity: 1, minRemainingShelfLifeDays: 3),
                ],
                actor: clerk
            )
            _ = try await store.pickOrder("SO-2", line: 1, actor: clerk)
            time.set("2026-03-03T08:00:00Z")
            _ = try await store.createOrder(
                reference: "SO-3",
                lines: [OrderLineRequest(item: ItemReference("BOLT"), quantity: 4)],
                actor: clerk
            )
            _ = try await store.cancelOrder("SO-3", actor: clerk)

            let all = try await store.listOrders(OrderListFilter())
            #expect(all.map(\.reference) == ["SO-1", "SO-2", "SO-3"])
            #expect(all.map(\.status) == [.open, .open, .cancelled])
            #expect(all[1].createdAt == instant("2026-03-02T08:00:00Z"))
            #expect(
                all[1].lines
                    == [
                        OrderSummaryLine(lineNo: 1, sku: "BOLT", quantity: 5, picked: 5, minRemainingShelfLifeDays: 0),
                        OrderSummaryLine(lineNo: 2, sku: "MILK", quantity: 1, picked: 0, minRemainingShelfLifeDays: 3),
                    ]
            )
            #expect(try await store.listOrders(OrderListFilter(status: .open)).map(\.reference) == ["SO-1", "SO-2"])
            #expect(try await store.listOrders(OrderListFilter(status: .picked)).isEmpty)
            #expect(
                try await store.listOrders(
                    OrderListFilter(since: instant("2026-03-02T08:00:00Z"), until: instant("2026-03-03T08:00:00Z"))
                ).map(\.reference) == ["SO-2"]
            )
            #expect(
                try await store.listOrders(OrderListFilter(status: .cancelled, since: instant("2026-03-02T00:00:00Z")))
                    .map(\.reference) == ["SO-3"]
            )
        }
    }

    @Test("pages by afterId: every order once, in id order; limit outside 1 to 1000 is refused naming it")
    func paging() async throws {
        try await withTimedStore { store, _ in
            try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt M6"))
            try await store.addStorage("A-01")
            try await store.receive("BOLT", 500, at: "A-01")
            for n in 1...7 {
                _ = try await store.createOrder(
                    reference: "SO-\(n)",
                    lines: [OrderLineRequest(item: ItemReference("BOLT"), quantity: Int64(n))],
                    actor: clerk
                )
            }
            var seen: [String] = []
            var afterId: Int64?
            var pages = 0
            while true {
                let page = try await store.listOrders(OrderListFilter(afterId: afterId, limit: 3))
                pages += 1
                seen += page.map(\.reference)
                guard page.count == 3, let last = page.last else { break }
                afterId = last.id
            }
            #expect(seen == (1...7).map { "SO-\($0)" })
            #expect(pages == 3)
            for limit in [0, InventoryStore.maxOrdersPerPage + 1] {
                let error = await #expect(throws: InventoryError.self) {
                    try await store.listOrders(OrderListFilter(limit: limit))
                }
                #expect(error.map(fieldAndValue)?.field == "limit")
                #expect(error.map(fieldAndValue)?.value == String(limit))
            }
            let backwards = await #expect(throws: InventoryError.self) {
                try await store.listOrders(
                    OrderListFilter(since: instant("2026-03-02T00:00:00Z"), until: instant("2026-03-01T00:00:00Z"))
                )
            }
            #expect(backwards.map(fieldAndValue)?.field == "until")
        }
    }
}
