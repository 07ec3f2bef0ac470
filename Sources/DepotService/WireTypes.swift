// The one place where engine types become wire types and back (Sources/DepotAPI/Generated, made
// from the IDL files). Instants become ISO 8601 UTC strings with milliseconds
// (DepotAPI.formatInstant), calendar dates `YYYY-MM-DD`, Int64 quantities and ids `Int`
// (64 bits on every platform depot runs on), engine enums the IDL's enums of the same values.
import DepotAPI
import Floor
import Foundation
import Inventory
import Varlink
import Workflow

extension RawRepresentable where RawValue == String {
    /// The case of another `String`-backed enum with the same raw value: an engine enum as its IDL
    /// enum or back. The raw values are the contract; DepotServiceTests checks every engine case
    /// against the generated enums, so a missing case is a programming error, not bad input.
    func converted<Target: RawRepresentable>(to _: Target.Type = Target.self) -> Target
    where Target.RawValue == String {
        guard let value = Target(rawValue: rawValue) else {
            preconditionFailure("\(Target.self) has no case \"\(rawValue)\" (the IDL and \(Self.self) disagree)")
        }
        return value
    }
}

extension Wire {
    /// An ISO 8601 instant parameter; nil stays nil.
    /// - Throws: `InvalidValue` naming `field`, as for any parameter that does not parse.
    static func instant(_ text: String?, field: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = DepotAPI.parseInstant(text) else {
            throw ErrorMapping.varlinkError(
                .invalidValue(
                    field: field,
                    value: text,
                    reason:
                        "expected an ISO 8601 instant such as 2026-03-01T08:00:00Z, a real calendar date and time, and Z or an offset within ±14:00"
                )
            )
        }
        return date
    }

    /// A calendar date parameter `YYYY-MM-DD`; nil stays nil.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` naming `field` and the text.
    static func date(_ text: String?, field: String) throws -> CalendarDate? {
        try text.map { try CalendarDate(parsing: $0, field: field) }
    }

    /// `2026-03-01T08:00:00.000Z`.
    static func text(_ date: Date) -> String { DepotAPI.formatInstant(date) }

    /// A seal's instant as the wire writes every instant (``text(_:)``). A seal carries SQLite's
    /// stored text (`2026-03-01 08:00:00.000`, UTC) because its MAC covers that text, so the seal
    /// line itself keeps it; text of another form passes unchanged.
    static func sealInstant(_ stored: String) -> String {
        guard let date = DepotAPI.parseInstant(stored.replacingOccurrences(of: " ", with: "T") + "Z") else {
            return stored
        }
        return text(date)
    }

    /// Counts by exclusion reason, keyed by the reason's IDL name.
    static func excluded(_ excluded: [ExclusionReason: Int64]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: excluded.map { ($0.key.rawValue, Int($0.value)) })
    }
}

// MARK: - org.depot.inventory

extension OrgDepotInventory.Item {
    init(_ item: Item) {
        self.init(
            sku: item.sku,
            name: item.name,
            gtins: item.gtins,
            policy: item.policy.converted(),
            lotTracked: item.lotTracked,
            expiryTracked: item.expiryTracked,
            minRemainingShelfLifeDays: item.minRemainingShelfLifeDays,
            customer: item.customer
        )
    }
}

extension OrgDepotInventory.Location {
    init(_ location: Location) {
        self.init(
            code: location.code,
            kind: location.kind.converted(),
            parent: location.parent,
            pickPriority: location.pickPriority,
            gln: location.gln
        )
    }
}

extension OrgDepotInventory.Lot {
    init(_ lot: Lot) {
        self.init(
            sku: lot.sku,
            code: lot.code,
            expiry: lot.expiry?.description,
            bestBefore: lot.bestBefore?.description,
            production: lot.production?.description,
            status: lot.status.converted()
        )
    }
}

extension OrgDepotInventory.Movement {
    init(_ movement: Movement) {
        self.init(
            id: Int(movement.id),
            at: Wire.text(movement.at),
            kind: movement.kind.converted(),
            sku: movement.sku,
            lot: movement.lot,
            from: movement.from,
            to: movement.to,
            quantity: Int(movement.quantity),
            actor: movement.actor,
            reference: movement.reference,
            reason: movement.reason
        )
    }
}

extension OrgDepotInventory.StockBalance {
    init(_ balance: StockBalance) {
        self.init(
            sku: balance.sku,
            lot: balance.lot,
            location: balance.location,
            quantity: Int(balance.quantity),
            reserved: Int(balance.reserved),
            receivedAt: Wire.text(balance.receivedAt),
            expiry: balance.expiry?.description,
            lotStatus: balance.lotStatus?.converted(),
            locationKind: balance.locationKind.converted()
        )
    }
}

extension OrgDepotInventory.AllocationPlan {
    init(_ plan: AllocationPlan) {
        self.init(
            policy: plan.policy.converted(),
            today: plan.today.description,
            requiredShelfLifeDays: plan.requiredShelfLifeDays,
            requested: Int(plan.requested),
            allocatable: Int(plan.allocatable),
            allocated: Int(plan.allocated),
            lines: plan.lines.map { line in
                OrgDepotInventory.AllocationLine(
                    stockId: Int(line.stockId),
                    lot: line.lot,
                    location: line.location,
                    quantity: Int(line.quantity),
                    expiry: line.expiry?.description,
                    daysLeft: line.daysLeft,
                    receivedAt: Wire.text(line.receivedAt),
                    pickPriority: line.pickPriority
                )
            },
            excluded: Wire.excluded(plan.excluded),
            skipped: plan.skipped.map { skip in
                OrgDepotInventory.SkippedStock(
                    lot: skip.lot,
                    location: skip.location,
                    quantity: Int(skip.quantity),
                    reason: skip.reason.converted(),
                    expiry: skip.expiry?.description,
                    daysLeft: skip.daysLeft
                )
            },
            hiddenStock: plan.hiddenStock ? true : nil
        )
    }
}

extension OrgDepotInventory.Order {
    init(_ order: Order) {
        self.init(
            reference: order.reference,
            status: order.status.converted(),
            createdAt: Wire.text(order.createdAt),
            lines: order.lines.map { line in
                OrgDepotInventory.OrderLine(
                    lineNo: line.lineNo,
                    sku: line.sku,
                    quantity: Int(line.quantity),
                    reserved: Int(line.reserved),
                    picked: Int(line.picked),
                    shortfall: Int(line.shortfall),
                    minRemainingShelfLifeDays: line.minRemainingShelfLifeDays,
                    reservations: line.reservations.map { reservation in
                        OrgDepotInventory.OrderReservation(
                            lot: reservation.lot,
                            location: reservation.location,
                            expiry: reservation.expiry?.description,
                            quantity: Int(reservation.quantity)
                        )
                    },
                    hiddenReservations: line.hiddenReservations == 0 ? nil : line.hiddenReservations
                )
            },
            customer: order.customer
        )
    }
}

extension OrgDepotInventory.OrderSummary {
    init(_ order: OrderSummary) {
        self.init(
            id: Int(order.id),
            reference: order.reference,
            status: order.status.converted(),
            createdAt: Wire.text(order.createdAt),
            lines: order.lines.map { line in
                OrgDepotInventory.OrderSummaryLine(
                    lineNo: line.lineNo,
                    sku: line.sku,
                    quantity: Int(line.quantity),
                    picked: Int(line.picked),
                    minRemainingShelfLifeDays: line.minRemainingShelfLifeDays
                )
            },
            customer: order.customer
        )
    }
}

extension OrgDepotInventory.Customer {
    init(_ customer: Customer) {
        self.init(code: customer.code, name: customer.name, createdAt: Wire.text(customer.createdAt))
    }
}

extension OrgDepotInventory.CustomerToken {
    init(_ token: CustomerToken) {
        self.init(
            id: Int(token.id),
            customer: token.customer,
            createdAt: Wire.text(token.createdAt),
            revokedAt: token.revokedAt.map(Wire.text)
        )
    }
}

extension OrgDepotInventory.LotView {
    init(_ view: LotView) {
        self.init(
            lot: OrgDepotInventory.Lot(view.lot),
            daysLeft: view.daysLeft,
            onHand: Int(view.onHand),
            reserved: Int(view.reserved),
            allocatable: Int(view.allocatable),
            excluded: Wire.excluded(view.excluded)
        )
    }
}

extension OrgDepotInventory.ExpiringLot {
    init(_ lot: ExpiringLot) {
        self.init(
            sku: lot.sku,
            lot: lot.lot,
            expiry: lot.expiry.description,
            daysLeft: lot.daysLeft,
            onHand: Int(lot.onHand),
            status: lot.status.converted(),
            locations: lot.locations
        )
    }
}

/// The replies of Receive, Move and Adjust, which share one shape.
protocol StockChangeReply {
    init(movements: [OrgDepotInventory.Movement], balances: [String: Int], hiddenBalances: [String]?)
}

extension StockChangeReply {
    init(_ change: StockChange) {
        self.init(
            movements: change.movements.map(OrgDepotInventory.Movement.init),
            balances: change.balances.mapValues { Int($0) },
            hiddenBalances: change.hiddenBalances.isEmpty ? nil : change.hiddenBalances
        )
    }
}

extension OrgDepotInventory.Receive.Reply: StockChangeReply {}
extension OrgDepotInventory.Move.Reply: StockChangeReply {}
extension OrgDepotInventory.Adjust.Reply: StockChangeReply {}

extension OrgDepotInventory.Status.Reply {
    init(_ status: StoreStatus, connections: OrgDepotInventory.ConnectionCaps? = nil) {
        self.init(
            now: Wire.text(status.now),
            today: status.today.description,
            items: status.items,
            locations: status.locations,
            lots: status.lots,
            balances: status.balances,
            onHand: Int(status.onHand),
            openOrders: status.openOrders,
            ledgerPosition: Int(status.ledgerPosition),
            databasePath: status.databasePath,
            durability: status.durability.converted(),
            storage: status.writesStopped == nil ? .ok : .writesStopped,
            writesStopped: status.writesStopped.map {
                OrgDepotInventory.WritesStopped(
                    reason: $0.reason == .corrupt ? .corrupt : .ioError,
                    code: Int($0.code),
                    since: Wire.text($0.since),
                    message: $0.sentence
                )
            },
            connections: connections
        )
    }
}

extension OrgDepotInventory.Verify.Reply {
    init(_ report: VerifyReport) {
        self.init(
            ok: report.ok,
            integrity: report.integrity,
            foreignKeys: report.foreignKeys,
            balancesChecked: report.balancesChecked,
            mismatches: report.mismatches.map { mismatch in
                OrgDepotInventory.BalanceMismatch(
                    sku: mismatch.sku,
                    lot: mismatch.lot,
                    location: mismatch.location,
                    onHand: Int(mismatch.onHand),
                    ledger: Int(mismatch.ledger)
                )
            },
            reservationMismatches: report.reservationMismatches,
            reservationProblems: report.reservationProblems.isEmpty
                ? nil
                : report.reservationProblems.map { problem in
                    OrgDepotInventory.ReservationMismatch(
                        sku: problem.sku,
                        lot: problem.lot,
                        location: problem.location,
                        reserved: Int(problem.reserved),
                        reservations: Int(problem.reservations),
                        orders: problem.orders
                    )
                },
            chainChecked: report.chainChecked,
            chainFirstBadMovement: report.chainFirstBadMovement.map { Int($0) },
            chainKeyed: report.chainKeyed,
            chainKeyedFrom: report.chainKeyedFrom.map { Int($0) },
            chainBadFields: report.chainBadFields,
            chainProblem: report.chainProblem,
            factsChecked: report.factsChecked,
            factChainFirstBad: report.factChainFirstBad.map { Int($0) },
            factMismatches: report.factMismatches.map { mismatch in
                OrgDepotInventory.FactMismatch(
                    table: mismatch.table,
                    key: mismatch.key,
                    field: mismatch.field,
                    stored: mismatch.stored,
                    ledger: mismatch.ledger,
                    message: mismatch.message
                )
            },
            seals: report.seals.map { check in
                OrgDepotInventory.SealCheck(
                    movement: Int(check.movement),
                    at: Wire.sealInstant(check.at),
                    ok: check.ok,
                    firstDisagreeingMovement: check.firstDisagreeingMovement.map { Int($0) },
                    message: check.message
                )
            }
        )
    }
}

// MARK: - org.depot.counts

extension OrgDepotCounts.CountLine {
    init(_ line: CountLine) {
        self.init(
            line: line.line,
            sku: line.sku,
            lot: line.lot,
            location: line.location,
            expectedAtStart: line.expectedAtStart.map { Int($0) },
            expected: line.expected.map { Int($0) },
            counted: line.counted.map { Int($0) },
            variance: line.variance.map { Int($0) },
            variancePercent: line.variancePercent,
            beyondThreshold: line.beyondThreshold,
            state: line.state.converted(),
            pass: line.pass,
            unexpected: line.unexpected,
            movedWhileCounting: line.movedWhileCounting,
            countedAt: line.countedAt.map(Wire.text),
            countedBy: line.countedBy,
            firstCountedBy: line.firstCountedBy,
            ledgerPosition: line.ledgerPosition.map { Int($0) }
        )
    }
}

extension OrgDepotCounts.Count {
    /// The session as seen by its caller (``CountSession/visible(to:)`` applied before); with
    /// `includingLines` false (every reply but Show) the lines are left out.
    init(_ session: CountSession, includingLines: Bool) {
        let totals = session.totals
        self.init(
            id: Int(session.id),
            location: session.location,
            item: session.item,
            blind: session.blind,
            full: session.full,
            recountByOther: session.recountByOther,
            status: session.status.converted(),
            thresholds: OrgDepotCounts.Thresholds(
                maxUnits: Int(session.thresholds.maxUnits),
                maxPercent: session.thresholds.maxPercent
            ),
            snapshotPosition: Int(session.snapshotPosition),
            startedAt: Wire.text(session.startedAt),
            startedBy: session.startedBy,
            submittedAt: session.submittedAt.map(Wire.text),
            submittedBy: session.submittedBy,
            closedAt: session.closedAt.map(Wire.text),
            closedBy: session.closedBy,
            expectationsHidden: session.expectationsHidden,
            lines: includingLines ? session.lines.map(OrgDepotCounts.CountLine.init) : nil,
            totals: OrgDepotCounts.CountTotals(
                lines: totals.lines,
                counted: totals.counted,
                uncounted: totals.uncounted,
                withVariance: totals.withVariance,
                recountRequired: totals.recountRequired,
                expectedAtStart: totals.expectedAtStart.map { Int($0) },
                expected: totals.expected.map { Int($0) },
                countedQuantity: Int(totals.countedQuantity),
                variance: totals.variance.map { Int($0) },
                absoluteVariance: totals.absoluteVariance.map { Int($0) }
            )
        )
    }
}

extension OrgDepotCounts.CountSummary {
    init(_ summary: CountSummary) {
        self.init(
            id: Int(summary.id),
            location: summary.location,
            item: summary.item,
            blind: summary.blind,
            full: summary.full,
            status: summary.status.converted(),
            startedAt: Wire.text(summary.startedAt),
            startedBy: summary.startedBy,
            lines: summary.lines,
            counted: summary.counted
        )
    }
}

extension OrgDepotCounts.LineConflict {
    init(_ conflict: CountLineConflict) {
        self.init(
            line: conflict.line,
            sku: conflict.sku,
            lot: conflict.lot,
            location: conflict.location,
            onHand: Int(conflict.onHand),
            reserved: Int(conflict.reserved),
            variance: Int(conflict.variance),
            reason: conflict.reason.converted()
        )
    }
}

// MARK: - org.depot.scanner

extension OrgDepotScanner.Feedback {
    init(_ feedback: FloorFeedback) {
        self.init(
            scanID: feedback.scanID,
            scannerID: feedback.scannerID,
            text: feedback.text,
            at: Wire.text(feedback.at),
            level: feedback.level.converted(),
            message: feedback.message,
            kind: feedback.kind,
            movements: feedback.movements.map { Int($0) },
            alerts: feedback.alerts,
            expectation: feedback.expectation,
            mode: feedback.mode.converted(),
            location: feedback.location,
            order: feedback.order,
            operatorName: feedback.operatorName
        )
    }
}

extension OrgDepotScanner.Scanner {
    init(_ info: ScannerInfo) {
        self.init(
            id: info.id,
            source: info.source,
            name: info.name,
            vendorProduct: info.vendorProduct,
            byPath: info.byPath,
            layout: info.layout,
            grabbed: info.grabbed,
            grabProblem: info.grabProblem,
            lastScanAt: info.lastScanAt.map(Wire.text),
            mode: info.mode.converted(),
            location: info.location,
            order: info.order,
            operatorName: info.operatorName,
            count: info.count.map { Int($0) }
        )
    }
}

extension OrgDepotScanner.Event {
    init(_ event: FloorEvent) {
        self.init(
            kind: event.kind,
            scanner: event.scanner,
            at: Wire.text(event.at),
            feedback: event.feedback.map(OrgDepotScanner.Feedback.init),
            message: event.message
        )
    }
}
