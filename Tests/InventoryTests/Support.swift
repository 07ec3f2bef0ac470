import Foundation
import Inventory
import TestSupport
import Testing

// Shared helpers for the inventory tests: a real SQLite file in a temp dir with a fixed clock,
// a snapshot of everything observable (for "nothing was written"), and an independent
// ledger-versus-balances check.

/// A calendar date from `YYYY-MM-DD` text written in a test table.
func day(_ text: String) -> CalendarDate {
    do { return try CalendarDate(parsing: text) } catch { preconditionFailure("bad date in test table: \(text)") }
}

/// An instant from ISO 8601 text (`2026-03-01T08:00:00Z`) written in a test table.
func instant(_ text: String) -> Date {
    guard let date = ISO8601DateFormatter().date(from: text) else {
        preconditionFailure("bad instant in test table: \(text)")
    }
    return date
}

/// The fixed "now" most tests run at: 2026-03-01 08:00 UTC, so "today" is 2026-03-01.
let morning = instant("2026-03-01T08:00:00Z")

/// A store on a fresh SQLite file in a fresh temp dir, with a fixed clock.
struct StoreFixture {
    let directory: TemporaryDirectory
    let store: InventoryStore
    var path: String { directory.file("depot.sqlite") }

    init(now: Date = morning) throws {
        directory = try TemporaryDirectory(prefix: "invtest")
        store = try InventoryStore(path: directory.file("depot.sqlite"), clock: .fixed(now))
    }

    /// Opens another store on the same file (after ``store`` was closed) with another clock.
    func reopen(now: Date) throws -> InventoryStore {
        try InventoryStore(path: path, clock: .fixed(now))
    }

    func tearDown() {
        try? store.close()
        directory.remove()
    }
}

/// Runs `body` with a fresh store and removes it afterwards.
func withStore(now: Date = morning, _ body: (InventoryStore) async throws -> Void) async throws {
    let fixture = try StoreFixture(now: now)
    defer { fixture.tearDown() }
    try await body(fixture.store)
}

/// The actor recorded on test movements.
let clerk = "uid:1000"

extension InventoryStore {
    /// Adds storage locations with the given codes (priority 0, no parent).
    func addStorage(_ codes: String..., kind: LocationKind = .storage) async throws {
        for code in codes { try await addLocation(Location(code: code, kind: kind)) }
    }

    /// Receives and returns the movement.
    @discardableResult
    func receive(
        _ sku: String,
        _ quantity: Int64,
        at location: String,
        lot: String? = nil,
        expiry: String? = nil,
        receivedAt: Date? = nil,
        allowExpired: Bool = false
    ) async throws -> StockChange {
        try await receive(
            ReceiveRequest(
                item: ItemReference(sku),
                quantity: quantity,
                location: location,
                lot: lot,
                expiry: expiry.map(day),
                receivedAt: receivedAt,
                allowExpired: allowExpired
            ),
            actor: clerk
        )
    }

    /// Picks by the rule and returns the lines as `(lot, location, quantity)`.
    func pickLines(
        _ sku: String,
        _ quantity: Int64,
        minDays: Int? = nil,
        within: String? = nil,
        dryRun: Bool = false,
        partial: Bool = false
    ) async throws -> [Taken] {
        let result = try await pick(
            PickRequest(
                item: ItemReference(sku),
                quantity: quantity,
                minRemainingShelfLifeDays: minDays,
                within: within,
                dryRun: dryRun,
                allowPartial: partial
            ),
            actor: clerk
        )
        return result.plan.lines.map { Taken($0.lot, $0.location, $0.quantity) }
    }

    /// On hand of one balance (0 when there is none).
    func onHand(_ sku: String, lot: String? = nil, at location: String) async throws -> Int64 {
        try await stock(item: ItemReference(sku)).first { $0.lot == lot && $0.location == location }?.quantity ?? 0
    }
}

/// One allocated line, compared in tests.
struct Taken: Equatable, Sendable, CustomStringConvertible {
    var lot: String?
    var location: String
    var quantity: Int64
    init(_ lot: String?, _ location: String, _ quantity: Int64) {
        self.lot = lot
        self.location = location
        self.quantity = quantity
    }
    var description: String { "\(lot ?? "-")@\(location)x\(quantity)" }
}

/// Everything a caller can observe through the public API, to prove a refused operation wrote nothing.
struct Snapshot: Equatable {
    var status: StoreStatus
    var stock: [StockBalance]
    var items: [Item]
    var locations: [Location]
    var lots: [String: [LotView]]
    var ledger: [Movement]
    var orders: [String: Order]

    init(_ store: InventoryStore, orders references: [String] = []) async throws {
        status = try await store.status()
        stock = try await store.stock()
        items = try await store.items()
        locations = try await store.locations()
        var lots: [String: [LotView]] = [:]
        for item in items { lots[item.sku] = try await store.lots(of: ItemReference(item.sku)) }
        self.lots = lots
        ledger = try await store.ledger(LedgerFilter(limit: 100_000))
        var orders: [String: Order] = [:]
        for reference in references { orders[reference] = try await store.order(reference) }
        self.orders = orders
    }
}

/// Checks `verify()` and, independently, that every balance equals the ledger's sum for its
/// (item, lot, location), that no sum is left without a balance, and that nothing is negative.
func expectConsistent(_ store: InventoryStore, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let report = try await store.verify()
    #expect(report.ok, "verify failed: \(report)", sourceLocation: sourceLocation)
    #expect(report.integrity == ["ok"], sourceLocation: sourceLocation)

    struct Key: Hashable {
        var sku: String
        var lot: String?
        var location: String
    }
    var sums: [Key: Int64] = [:]
    for movement in try await store.ledger(LedgerFilter(limit: 100_000)) {
        if let to = movement.to {
            sums[Key(sku: movement.sku, lot: movement.lot, location: to), default: 0] += movement.quantity
        }
        if let from = movement.from {
            sums[Key(sku: movement.sku, lot: movement.lot, location: from), default: 0] -= movement.quantity
        }
    }
    var balances: [Key: Int64] = [:]
    for balance in try await store.stock() {
        #expect(balance.quantity > 0, "balance \(balance) is not positive", sourceLocation: sourceLocation)
        #expect(
            balance.reserved >= 0 && balance.reserved <= balance.quantity,
            "\(balance)",
            sourceLocation: sourceLocation
        )
        balances[Key(sku: balance.sku, lot: balance.lot, location: balance.location)] = balance.quantity
    }
    #expect(
        sums.filter { $0.value != 0 } == balances,
        "ledger sums differ from balances",
        sourceLocation: sourceLocation
    )
    #expect(sums.values.allSatisfy { $0 >= 0 }, "a ledger sum is negative", sourceLocation: sourceLocation)
}

/// The field and value an ``InventoryError`` is about, for "the error names the field and value".
func fieldAndValue(_ error: InventoryError) -> (field: String, value: String) {
    switch error {
    case let .invalidValue(field, value, _): return (field, value)
    case let .unknownItem(text): return ("item", text)
    case let .unknownLocation(code): return ("location", code)
    case let .unknownLot(_, lot): return ("lot", lot)
    case let .unknownOrder(reference): return ("order", reference)
    case let .unknownCustomer(code): return ("customer", code)
    case let .itemAmbiguous(gtin, _): return ("item", gtin)
    case let .wrongCustomer(sku, _, _): return ("item", sku)
    case let .unknownToken(id): return ("token", id.map(String.init) ?? "")
    case let .duplicate(field, value, _): return (field, value)
    case let .lotRequired(sku): return ("lot", sku)
    case let .expiryRequired(sku, lot): return ("expiry", lot ?? sku)
    case let .lotDateConflict(_, _, field, _, given): return (field, given)
    case let .quarantineLocation(code): return ("location", code)
    case let .insufficientStock(_, _, _, requested, _): return ("quantity", String(requested))
    case let .allocationShort(_, requested, _, _): return ("quantity", String(requested))
    case let .lotAmbiguous(_, location, _): return ("lot", location)
    case let .orderClosed(reference, _): return ("order", reference)
    case let .locationCycle(code): return ("parent", code)
    case let .duplicateScan(id, _): return ("scan", id)
    case let .pickRefused(_, lot, _, _, _): return ("lot", lot ?? "")
    case let .storageFailure(reason, _, _): return ("storage", reason.rawValue)
    case let .writesStopped(stop): return ("storage", stop.reason.rawValue)
    }
}
