import Foundation
import Inventory
import Logging
import Synchronization
import Workflow

/// The session snapshot last known to be in the database, per scanner: set when a scan's effect
/// or a save on its own commits, so ``FloorService`` writes a session on its own only when it changed.
final class StoredSessions: Sendable {
    private let snapshots = Mutex<[String: FloorSessionSnapshot]>([:])

    /// The stored snapshot of `scanner`, if known.
    subscript(scanner: String) -> FloorSessionSnapshot? {
        get { snapshots.withLock { $0[scanner] } }
        set { snapshots.withLock { $0[scanner] = newValue } }
    }
}

extension ScannerSessionState {
    /// The engine's form of a floor session snapshot.
    init(_ snapshot: FloorSessionSnapshot) {
        self.init(
            scannerID: snapshot.scannerID,
            mode: snapshot.mode.rawValue,
            location: snapshot.location,
            order: snapshot.order,
            countID: snapshot.countID,
            operatorName: snapshot.operatorName,
            assignedOperator: snapshot.assignedOperator,
            carried: snapshot.carried.map { Carried(sku: $0.sku, lot: $0.lot, quantity: $0.quantity) },
            lastMovements: snapshot.lastMovements,
            customer: snapshot.customer
        )
    }
}

extension FloorSessionSnapshot {
    /// The floor's form of a stored session; nil when its mode is not a floor mode.
    init?(_ state: ScannerSessionState) {
        guard let mode = FloorMode(rawValue: state.mode) else { return nil }
        self.init(
            scannerID: state.scannerID,
            mode: mode,
            location: state.location,
            order: state.order,
            countID: state.countID,
            operatorName: state.operatorName,
            assignedOperator: state.assignedOperator,
            carried: state.carried.map { CarriedGoods(sku: $0.sku, lot: $0.lot, quantity: $0.quantity) },
            lastMovements: state.lastMovements,
            customer: state.customer
        )
    }
}

/// The floor sessions' view of the inventory engine: every write gets an explicit
/// ``OperationContext`` (actor, scan id, reference), so each write of a scan's effect is one
/// engine transaction that records (scan id, intent) and applies exactly once.
/// Engine refusals (``InventoryError``, ``CountError``) become ``FloorRefusal`` sentences for the
/// worker; anything else (an SQLite error) is logged at error level with its cause and becomes
/// ``FloorStorageFailure``, so a broken database never reads as "not a known location".
struct FloorEngineAdapter: FloorEngine {
    let store: InventoryStore
    /// Lots expiring within this many days raise an alert when received or moved (read per scan,
    /// so a configuration reload applies at once).
    let alertWindowDays: @Sendable () -> Int
    /// Receives storage failures at error level (`floor.operation`, `error`).
    let logger: Logger
    /// What each scanner's session row holds, updated when an effect wrote it.
    let stored: StoredSessions

    /// The context of a scan's write: actor, scan id, and the session written with it.
    private func context(
        actor: String,
        scanID: String,
        reference: String? = nil,
        session: FloorSessionWrite
    ) -> OperationContext {
        OperationContext(
            actor: actor,
            scanID: scanID,
            reference: reference,
            session: ScannerSessionState(session.snapshot),
            sessionUndoesThisWrite: session.undoesThisEffect
        )
    }

    /// Notes that `session` is now stored, its undo list being `movements` when the effect set it.
    private func committed(_ session: FloorSessionWrite, movements: [Int64]) {
        var snapshot = session.snapshot
        if session.undoesThisEffect { snapshot.lastMovements = movements }
        stored[snapshot.scannerID] = snapshot
    }

    func today() -> (year: Int, month: Int, day: Int) {
        let today = store.clock.today()
        return (today.year, today.month, today.day)
    }

    func reference(for text: String, customer: String?) async throws -> FloorReference {
        try await engine("reference") {
            if try await absent({ try await store.location(text) }) != nil { return .location(text) }
            if try await store.orderExists(text) { return .order(text) }
            if let item = try await absent({ try await floorItem(text, customer: customer) }) {
                return .item(sku: item.sku)
            }
            return .none
        }
    }

    /// The item of a SKU or GTIN, a GTIN read as `customer`'s; an ambiguous GTIN is refused with
    /// the barcode that resolves it.
    private func floorItem(_ text: String, customer: String?) async throws -> Item {
        do {
            return try await store.item(ItemReference(text), customer: customer)
        } catch let InventoryError.itemAmbiguous(gtin, customers) {
            throw FloorRefusal(
                "GTIN \(gtin) is on items of several customers (\(customers.joined(separator: ", "))): scan DEPOT CUSTOMER and the customer's code first"
            )
        }
    }

    func customerExists(_ code: String) async throws -> Bool {
        try await engine("customer") {
            do {
                _ = try await store.customer(code)
                return true
            } catch InventoryError.unknownCustomer {
                return false
            }
        }
    }

    func location(gln: String) async throws -> String? {
        try await engine("location-by-gln") { try await store.locationCode(gln: gln) }
    }

    func sku(gtin: String, customer: String?) async throws -> String? {
        try await engine("item-by-gtin") { try await absent({ try await floorItem(gtin, customer: customer) })?.sku }
    }

    func describe(_ reference: FloorReference) async throws -> String {
        try await engine("describe") { try await description(of: reference) }
    }

    private func description(of reference: FloorReference) async throws -> String {
        switch reference {
        case let .location(code):
            // A scanner is a counter: open blind counts keep their uncounted balances out of lookups.
            let balances = try await store.stock(location: code, audience: .counter)
            let all = try await store.stock(location: code)
            if balances.count < all.count {
                let shown = balances.map { "\($0.quantity) \($0.sku)\($0.lot.map { " lot \($0)" } ?? "")" }
                return "\(code): " + (shown + ["quantities under a blind count hidden"]).joined(separator: ", ")
            }
            guard !balances.isEmpty else { return "\(code): empty" }
            return "\(code): "
                + balances.map { "\($0.quantity) \($0.sku)\($0.lot.map { " lot \($0)" } ?? "")" }
                .joined(separator: ", ")
        case let .item(sku):
            let item = try await store.item(ItemReference(sku))
            let balances = try await store.stock(item: ItemReference(sku), audience: .counter)
            let hidden = try await store.stock(item: ItemReference(sku)).count > balances.count
            let total = balances.reduce(0) { $0 + $1.quantity }
            let places = balances.prefix(5).map { "\($0.quantity) at \($0.location)\($0.lot.map { " (\($0))" } ?? "")" }
            return "\(item.sku) \(item.name): \(total) on hand" + (hidden ? " outside blind counts" : "")
                + (places.isEmpty ? "" : ": " + places.joined(separator: ", "))
        case let .order(reference):
            let order = try await store.order(reference)
            let open = order.lines.reduce(0) { $0 + $1.quantity - $1.picked }
            return
                "order \(reference) \(order.status.rawValue), \(order.lines.count) line\(order.lines.count == 1 ? "" : "s"), \(open) units to pick"
        case .none:
            return "unknown"
        }
    }

    func receive(
        _ receipt: FloorReceipt,
        scanID: String,
        actor: String,
        session: FloorSessionWrite
    ) async throws -> FloorEffect {
        try await effect {
            let request = ReceiveRequest(
                item: ItemReference(receipt.sku),
                quantity: receipt.quantity,
                location: receipt.location,
                lot: receipt.lot,
                expiry: receipt.expiry,
                bestBefore: receipt.bestBefore,
                production: receipt.production
            )
            let change = try await store.receive(
                request,
                context: context(actor: actor, scanID: scanID, session: session)
            )
            committed(session, movements: change.movements.map(\.id))
            let lot = change.movements.first?.lot
            return FloorEffect(
                movements: change.movements.map(\.id),
                alerts: await afterCommit { try await expiryAlerts(sku: receipt.sku, lots: [lot]) },
                summary:
                    "received \(receipt.quantity) \(receipt.sku)\(lot.map { " lot \($0)" } ?? "") into \(receipt.location)"
            )
        }
    }

    func move(
        _ moves: [FloorMove],
        scanID: String,
        actor: String,
        session: FloorSessionWrite
    ) async throws -> FloorEffect {
        try await effect {
            let change = try await store.move(
                moves.map {
                    MoveRequest(
                        item: ItemReference($0.sku),
                        lot: $0.lot,
                        from: $0.from,
                        to: $0.to,
                        quantity: $0.quantity
                    )
                },
                context: context(actor: actor, scanID: scanID, session: session)
            )
            committed(session, movements: change.movements.map(\.id))
            let alerts = await afterCommit {
                var alerts: [String] = []
                for move in moves {
                    alerts += try await expiryAlerts(
                        sku: move.sku,
                        lots: change.movements.filter { $0.sku == move.sku }.map(\.lot)
                    )
                    alerts += try await emptyPickFaceAlerts(sku: move.sku, location: move.from)
                }
                return alerts
            }
            let list = moves.map { "\($0.quantity) \($0.sku)\($0.lot.map { " lot \($0)" } ?? "")" }.joined(
                separator: ", "
            )
            return FloorEffect(
                movements: change.movements.map(\.id),
                alerts: alerts,
                summary: "moved \(list) from \(moves[0].from) to \(moves[0].to)"
            )
        }
    }

    func checkSource(sku: String, lot: String?, location: String, quantity: Int64) async throws {
        try await engine("check-source") {
            try await store.checkSource(item: ItemReference(sku), lot: lot, location: location, quantity: quantity)
        }
    }

    func checkStockHolder(location: String) async throws {
        try await engine("check-stock-holder") { try await store.checkStockHolder(location: location) }
    }

    func openLines(order: String) async throws -> [FloorOpenLine] {
        try await engine("open-lines") {
            try await store.order(order).lines.filter { $0.picked < $0.quantity }
                .map { FloorOpenLine(lineNo: $0.lineNo, sku: $0.sku, remaining: $0.quantity - $0.picked) }
        }
    }

    func nextPick(order: String) async throws -> FloorPickInstruction? {
        try await engine("next-pick") { try await store.nextPick(order).map(Self.instruction) }
    }

    func confirmPick(
        order: String,
        sku: String,
        lot: String?,
        location: String?,
        quantity: Int64,
        scanID: String,
        actor: String,
        session: FloorSessionWrite
    ) async throws -> (FloorEffect, FloorPickInstruction?) {
        try await effect {
            let result = try await store.confirmPick(
                PickConfirmation(
                    reference: order,
                    item: ItemReference(sku),
                    lot: lot,
                    location: location,
                    quantity: quantity
                ),
                context: context(actor: actor, scanID: scanID, reference: order, session: session)
            )
            committed(session, movements: result.movements.map(\.id))
            let alerts = await afterCommit {
                var alerts: [String] = []
                for movement in result.movements {
                    if let from = movement.from { alerts += try await emptyPickFaceAlerts(sku: sku, location: from) }
                }
                return alerts
            }
            let parts = result.movements.map {
                "\($0.quantity) \($0.sku)\($0.lot.map { " lot \($0)" } ?? "") from \($0.from ?? "-")"
            }
            let summary =
                "picked " + parts.joined(separator: ", ")
                + (result.substituted ? " (lot substituted, reservation moved)" : "")
            return (
                FloorEffect(movements: result.movements.map(\.id), alerts: alerts, summary: summary),
                result.next.map(Self.instruction)
            )
        }
    }

    func undo(movements: [Int64], scanID: String, actor: String, session: FloorSessionWrite) async throws -> FloorEffect
    {
        try await effect {
            let change = try await store.reverse(
                movementIDs: movements,
                reason: "undo by scanner",
                context: context(actor: actor, scanID: scanID, session: session)
            )
            committed(session, movements: change.movements.map(\.id))
            return FloorEffect(
                movements: change.movements.map(\.id),
                summary: "\(change.movements.count) movement(s) reversed"
            )
        }
    }

    func countIsOpen(_ count: Int64) async throws -> Bool {
        try await engine("count-status") {
            do {
                return try await store.count(count).status == .open
            } catch CountError.unknownCount {
                return false  // no such count: not open (the session says so)
            }
        }
    }

    func count(
        _ count: Int64,
        sku: String,
        lot: String?,
        location: String,
        quantity: Int64,
        scanID: String,
        actor: String,
        session: FloorSessionWrite
    ) async throws -> FloorEffect {
        try await effect {
            // A scanner is a counter: in an open blind count it never sees expected quantities.
            let result = try await store.recordCount(
                CountEntry(
                    count: count,
                    location: location,
                    item: ItemReference(sku),
                    lot: lot,
                    quantity: quantity,
                    mode: .add
                ),
                context: context(actor: actor, scanID: scanID, reference: "count \(count)", session: session)
            )
            .visible(to: .counter)
            committed(session, movements: [])
            let line = result.line
            var summary =
                "counted \(quantity) \(line.sku)\(line.lot.map { " lot \($0)" } ?? "") at \(line.location): "
                + "\(line.counted ?? quantity) so far"
            if let expected = line.expected { summary += " of \(expected) expected" }
            return FloorEffect(movements: [], summary: summary)
        }
    }

    // MARK: Helpers

    /// Runs a scan's effect (its writes carry the scan id in their ``OperationContext``); a
    /// replayed scan's refusal becomes ``FloorDuplicate``; other errors are mapped for the worker.
    private func effect<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await engine("effect") {
            do {
                return try await body()
            } catch let InventoryError.duplicateScan(_, movements) {
                throw FloorDuplicate(movements: movements)
            }
        }
    }

    /// Runs engine calls for `operation`: engine refusals become ``FloorRefusal``; the
    /// session's own outcomes (refusal, duplicate) and cancellation pass through; anything else
    /// is a storage failure, logged here with its cause and thrown as ``FloorStorageFailure``.
    private func engine<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as InventoryError {
            throw FloorRefusal(error.description)
        } catch let error as CountError {
            throw FloorRefusal(error.description)
        } catch let error as FloorRefusal {
            throw error
        } catch let error as FloorDuplicate {
            throw error
        } catch let error as FloorStorageFailure {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            logger.error("floor storage failed", metadata: ["floor.operation": "\(operation)", "error": "\(error)"])
            throw FloorStorageFailure(cause: String(describing: error))
        }
    }

    /// Alerts computed after the effect committed. Their look-ups failing must not fail the
    /// scan (a worker scanning again would apply it twice under a new scan id), so a failure is
    /// logged at error level and shown as one alert instead.
    private func afterCommit(_ alerts: () async throws -> [String]) async -> [String] {
        do {
            return try await alerts()
        } catch {
            logger.error("floor alert check failed", metadata: ["floor.operation": "alerts", "error": "\(error)"])
            return ["alerts could not be checked (storage failed): tell a supervisor"]
        }
    }

    /// The value of a look-up by code, or nil when the engine says the thing does not exist
    /// (``InventoryError/unknownLocation(_:)``, ``InventoryError/unknownItem(_:)``, or an
    /// `invalidValue` for text that cannot be such a code, e.g. a GTIN with a wrong check digit).
    /// Every other error, a storage failure above all, is rethrown.
    private func absent<T: Sendable>(_ lookUp: () async throws -> T) async throws -> T? {
        do {
            return try await lookUp()
        } catch InventoryError.unknownLocation, InventoryError.unknownItem, InventoryError.invalidValue {
            return nil
        }
    }

    private func expiryAlerts(sku: String, lots: [String?]) async throws -> [String] {
        let today = store.clock.today()
        let window = alertWindowDays()
        var alerts: [String] = []
        for view in try await store.lots(of: ItemReference(sku)) where lots.contains(view.lot.code) {
            if let expiry = view.lot.expiry, today.days(until: expiry) <= window {
                alerts.append("lot \(view.lot.code) of \(sku) expires \(expiry) (in \(today.days(until: expiry)) days)")
            }
        }
        return alerts
    }

    private func emptyPickFaceAlerts(sku: String, location: String) async throws -> [String] {
        guard let place = try await absent({ try await store.location(location) }), place.kind == .picking else {
            return []
        }
        // "out of" states the book figure (0): not at a location under an open blind count.
        if try await store.blindFilter(for: .counter).hides(sku: sku, location: location) { return [] }
        let left = try await store.stock(item: ItemReference(sku), location: location).reduce(0) { $0 + $1.quantity }
        return left == 0 ? ["pick location \(location) is out of \(sku)"] : []
    }

    static func instruction(_ next: NextPick) -> FloorPickInstruction {
        FloorPickInstruction(
            order: next.reference,
            lineNo: next.lineNo,
            sku: next.sku,
            lot: next.lot,
            location: next.location,
            expiry: next.expiry,
            quantity: next.quantity,
            lineRemaining: next.lineRemaining
        )
    }
}
