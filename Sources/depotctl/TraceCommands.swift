// `depotctl trace` and `depotctl recall`: one lot's traceability, one step back (where it came
// from) and one step forward (which orders it left on), and what is still in the warehouse;
// composed from Ledger, Stock and GetOrder, so it shows exactly what the caller's role may see.
// docs/workflows.md "Trace and recall".
import ArgumentParser
import DepotAPI
import Foundation
import Varlink

/// A lot's traceability records, read from depotd (``TraceCommand``, ``RecallCommand``).
struct LotTrace: Encodable {
    /// One key data element row: what happened to the lot, when, where, how much, by whom, under
    /// which document (FDA FSMA 204 "key data elements": traceability lot code, quantity and unit
    /// of measure, location, date, reference document).
    struct Event: Encodable {
        /// receiving, shipping (a pick for an order), moving, adjusting or status.
        var event: String
        /// The ledger movement's id.
        var movement: Int
        /// UTC instant, ISO 8601.
        var at: String
        var sku: String
        var lot: String
        /// Base units.
        var quantity: Int
        var from: String?
        var to: String?
        /// The reference document: a receipt's supplier reference, the order of a pick, a count.
        var reference: String?
        var actor: String
        var reason: String?
        /// For shipping events, the order's status now (open, picked, cancelled).
        var orderStatus: String?
    }

    var sku: String
    var lot: String
    /// Backward: receipts of the lot.
    var cameFrom: [Event]
    /// Forward: picks of the lot, each for an order.
    var wentTo: [Event]
    /// Moves, adjustments and status changes within the warehouse.
    var within: [Event]
    /// Balances of the lot still in the warehouse.
    var remaining: [OrgDepotInventory.StockBalance]
    /// Orders the lot left on, sorted, each once.
    var orders: [String]

    /// Reads the lot's movements (every page of `Ledger`), balances and the orders it was picked for.
    /// - Throws: ``CLIFailure`` for an error reply (unknown item or lot: code 1) or a lost daemon (3).
    static func read(sku: String, lot: String, connection: ConnectionOptions) async throws -> LotTrace {
        let link = try await connection.connect()
        defer { Task { await link.close() } }
        var movements: [OrgDepotInventory.Movement] = []
        var after: Int?
        while true {
            let page = try await connection.call(
                on: link,
                OrgDepotInventory.Ledger.self,
                .init(item: sku, lot: lot, afterId: after, limit: 1000)
            )
            movements += page.movements
            guard page.movements.count == 1000, let last = page.movements.last else { break }
            after = last.id
        }
        let balances = try await connection.call(on: link, OrgDepotInventory.Stock.self, .init(item: sku, lot: lot))
            .balances
        if movements.isEmpty && balances.isEmpty {
            // Ask for the lot itself, so an unknown item or lot is named by depotd's own error.
            let lots = try await connection.call(on: link, OrgDepotInventory.Lots.self, .init(item: sku)).lots
            guard lots.contains(where: { $0.lot.code == lot }) else {
                throw CLIFailure(
                    code: CLIFailure.errorReply,
                    message:
                        "depotctl: item \"\(sku)\" has no lot \"\(lot)\" (its lots: \(lots.isEmpty ? "none" : lots.map(\.lot.code).joined(separator: ", ")))"
                )
            }
        }
        var trace = LotTrace(sku: sku, lot: lot, cameFrom: [], wentTo: [], within: [], remaining: balances, orders: [])
        var statuses: [String: String] = [:]
        for movement in movements {
            var event = Event(
                event: "",
                movement: movement.id,
                at: movement.at,
                sku: movement.sku,
                lot: movement.lot ?? lot,
                quantity: movement.quantity,
                from: movement.from,
                to: movement.to,
                reference: movement.reference,
                actor: movement.actor,
                reason: movement.reason
            )
            switch movement.kind {
            case .receive:
                event.event = "receiving"
                trace.cameFrom.append(event)
            case .pick:
                event.event = "shipping"
                if let reference = movement.reference {
                    if statuses[reference] == nil {
                        let order = try? await link.call(OrgDepotInventory.GetOrder.self, .init(reference: reference))
                        statuses[reference] = order?.order.status.rawValue ?? "unknown"
                    }
                    event.orderStatus = statuses[reference]
                }
                trace.wentTo.append(event)
            case .move:
                event.event = "moving"
                trace.within.append(event)
            case .adjust:
                event.event = "adjusting"
                trace.within.append(event)
            case .lotStatus:
                event.event = "status"
                trace.within.append(event)
            }
        }
        trace.orders = Set(trace.wentTo.compactMap(\.reference)).sorted()
        return trace
    }

    /// Every event in ledger order (for the CSV).
    var allEvents: [Event] { (cameFrom + wentTo + within).sorted { $0.movement < $1.movement } }

    /// The CSV columns, one row per event (RFC 4180, sortable: ISO 8601 UTC instants).
    static let columns = [
        "event", "movement", "at", "sku", "lot", "quantity", "unit", "from", "to", "reference", "actor", "reason",
        "order_status",
    ]

    /// The CSV text with the formula guard of depotctl's exports.
    func csv() throws -> Data {
        let rows = allEvents.map { e in
            CSVFile.guarded(
                [
                    e.event, String(e.movement), e.at, e.sku, e.lot, String(e.quantity), "base unit", e.from ?? "",
                    e.to ?? "", e.reference ?? "", e.actor, e.reason ?? "", e.orderStatus ?? "",
                ],
                columns: Self.columns
            )
        }
        return try CSVFile.csv(header: Self.columns, rows: rows)
    }

    /// The text a person reads: backward, forward, within, remaining.
    var text: String {
        func line(_ e: Event) -> String {
            var parts = [e.at, "\(e.event) \(e.quantity)"]
            if let from = e.from { parts.append("from \(from)") }
            if let to = e.to { parts.append("to \(to)") }
            if let reference = e.reference {
                parts.append(
                    e.event == "shipping"
                        ? "order \(reference) (\(e.orderStatus ?? "unknown"))" : "reference \(reference)"
                )
            }
            parts.append("by \(e.actor)")
            if let reason = e.reason { parts.append("(\(reason))") }
            return "  " + parts.joined(separator: "  ")
        }
        var out = ["Lot \(lot) of item \(sku)", "Came from (receipts):"]
        out += cameFrom.isEmpty ? ["  none recorded"] : cameFrom.map(line)
        out.append("Went out (picks, each with its order when it had one):")
        out += wentTo.isEmpty ? ["  none"] : wentTo.map(line)
        if !within.isEmpty {
            out.append("Within the warehouse:")
            out += within.map(line)
        }
        out.append("Still in the warehouse:")
        if remaining.isEmpty {
            out.append("  nothing")
        } else {
            for b in remaining {
                out.append(
                    "  \(b.location)  \(b.quantity) on hand, \(b.reserved) reserved  lot \(b.lotStatus?.rawValue ?? "available")"
                )
            }
        }
        return out.joined(separator: "\n")
    }
}

/// `depotctl trace --item SKU --lot LOT [--format text|csv|json]`.
struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Where a lot came from, which orders it left on, and what is left of it.",
        discussion: """
            Backward: every receipt of the lot (when, where, how much, the supplier reference). \
            Forward: every pick of it with its order and the order's status. Then the moves, \
            adjustments and status changes inside the warehouse, and every balance still held. \
            --format csv prints one row per ledger movement (event, movement, at, sku, lot, \
            quantity, unit, from, to, reference, actor, reason, order_status), sortable, for a \
            traceability request. The caller sees what its role may see (viewer).
            """
    )
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, csv, json
    }
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "SKU or GTIN.", completion: Completions.items) var item: String
    @Option(help: "Lot code.") var lot: String
    @Option(help: "text (default), csv or json.") var format: Format = .text

    func run() async throws {
        let trace = try await LotTrace.read(sku: item, lot: lot, connection: connection)
        switch connection.json ? .json : format {
        case .json: print(ConnectionOptions.jsonText(trace))
        case .csv: FileHandle.standardOutput.write(try trace.csv())
        case .text: print(trace.text)
        }
    }
}

/// `depotctl recall --item SKU --lot LOT --reason TEXT` (clerk): blocks the lot, every balance
/// of it at once (one `SetLotStatus` transaction), then prints its trace: the orders it already
/// left on and what was blocked.
struct RecallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recall",
        abstract: "Block a recalled lot everywhere in one transaction and name the orders it already left on.",
        discussion: """
            The lot's status becomes blocked with reason "recall: TEXT" (a lot_status movement in \
            the ledger); blocked stock is never allocated or picked. Then the lot's trace is \
            printed, as depotctl trace does.
            """
    )
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "SKU or GTIN.", completion: Completions.items) var item: String
    @Option(help: "Lot code.") var lot: String
    @Option(help: "Why (the supplier's recall notice).") var reason: String

    func run() async throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl recall: --reason is empty")
        }
        _ = try await connection.call(
            OrgDepotInventory.SetLotStatus.self,
            .init(item: item, lot: lot, status: .blocked, reason: "recall: " + reason)
        )
        let trace = try await LotTrace.read(sku: item, lot: lot, connection: connection)
        if connection.json {
            print(ConnectionOptions.jsonText(trace))
            return
        }
        let held = trace.remaining.reduce(0) { $0 + $1.quantity }
        let shipped = trace.wentTo.reduce(0) { $0 + $1.quantity }
        print(
            "Recalled lot \(lot) of item \(item): \(held) on hand blocked in \(trace.remaining.count) balance(s); "
                + "\(shipped) already picked for \(trace.orders.count) order(s)\(trace.orders.isEmpty ? "" : ": " + trace.orders.joined(separator: ", "))"
        )
        print(trace.text)
    }
}
