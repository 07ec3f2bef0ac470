import ArgumentParser
import DepotAPI
import Foundation
import Varlink

/// `depotctl stock`.
struct StockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stock", abstract: "Balances by item, lot and location.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "SKU or GTIN.") var item: String?
    @Option(help: "Lot code.") var lot: String?
    @Option(help: "Location code (with its children).") var location: String?

    func run() async throws {
        var p = Parameters()
        p["item"] = item
        p["lot"] = lot
        p["location"] = location
        let reply = try await connection.call("Stock", p)
        connection.output(reply) {
            var table = Table("SKU", "LOT", "LOCATION", "QTY", "RESERVED", "EXPIRY", "STATUS", "RECEIVED")
            for b in reply["balances"]?.elements ?? [] {
                table.add(b["sku"]?.cell ?? "", b["lot"]?.cell ?? "-", b["location"]?.cell ?? "", b["quantity"]?.cell ?? "",
                          b["reserved"]?.cell ?? "", b["expiry"]?.cell ?? "-", b["lotStatus"]?.cell ?? "-",
                          b["receivedAt"]?.cell ?? "")
            }
            return table.text
        }
    }
}

/// `depotctl lots ITEM`.
struct LotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lots", abstract: "Lots of an item in allocation order.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "SKU or GTIN.") var item: String

    func run() async throws {
        var p = Parameters()
        p["item"] = item
        let reply = try await connection.call("Lots", p)
        connection.output(reply) {
            var table = Table("LOT", "EXPIRY", "DAYS-LEFT", "STATUS", "ON-HAND", "RESERVED", "ALLOCATABLE", "EXCLUDED")
            for v in reply["lots"]?.elements ?? [] {
                let lot = v["lot"] ?? .null
                table.add(lot["code"]?.cell ?? "", lot["expiry"]?.cell ?? "-", v["daysLeft"]?.cell ?? "-",
                          lot["status"]?.cell ?? "", v["onHand"]?.cell ?? "", v["reserved"]?.cell ?? "",
                          v["allocatable"]?.cell ?? "", v["excluded"]?.cell.isEmpty == false ? v["excluded"]!.cell : "-")
            }
            return table.text
        }
    }
}

/// `depotctl expiring`.
struct ExpiringCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "expiring", abstract: "Lots with stock expiring within N days.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Days from today (expired lots are included).") var days: Int = 30

    func run() async throws {
        var p = Parameters()
        p["days"] = days
        let reply = try await connection.call("Expiring", p)
        connection.output(reply) {
            var table = Table("SKU", "LOT", "EXPIRY", "DAYS-LEFT", "ON-HAND", "STATUS", "LOCATIONS")
            for l in reply["lots"]?.elements ?? [] {
                table.add(l["sku"]?.cell ?? "", l["lot"]?.cell ?? "", l["expiry"]?.cell ?? "", l["daysLeft"]?.cell ?? "",
                          l["onHand"]?.cell ?? "", l["status"]?.cell ?? "", l["locations"]?.cell ?? "")
            }
            return table.text
        }
    }
}

/// `depotctl ledger`.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ledger", abstract: "Ledger movements; --follow streams new ones.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "SKU or GTIN.") var item: String?
    @Option(help: "Lot code.") var lot: String?
    @Option(help: "Location code (from or to).") var location: String?
    @Option(help: "From this instant (ISO 8601, inclusive).") var since: String?
    @Option(help: "Until this instant (ISO 8601, exclusive).") var until: String?
    @Option(help: "Only movements with a greater id.") var after: Int64?
    @Option(help: "At most this many rows.") var limit: Int?
    @Flag(help: "After the rows, follow new movements as they commit (Ctrl-C to stop).") var follow = false

    func run() async throws {
        var p = Parameters()
        p["item"] = item
        p["lot"] = lot
        p["location"] = location
        p["since"] = since
        p["until"] = until
        p["afterId"] = after
        p["limit"] = limit
        let reply = try await connection.call("Ledger", p)
        connection.output(reply) { Render.movements(reply["movements"]?.elements ?? []) }
        guard follow else { return }
        try await connection.follow("Subscribe", interface: DepotAPI.inventory) { value in
            if let movement = value["movement"], movement != .null {
                ConnectionOptions.emit(connection.json ? movement.jsonText(pretty: false)
                                       : Render.movementCells(movement).joined(separator: "  "))
            }
            return true
        }
    }
}

/// `depotctl status`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "What depotd holds right now.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let reply = try await connection.call("Status")
        connection.output(reply) {
            ["now", "today", "items", "locations", "lots", "balances", "onHand", "openOrders", "ledgerPosition", "databasePath", "durability"]
                .map { "\($0): \(reply[$0]?.cell ?? "-")" }.joined(separator: "\n")
        }
    }
}

/// `depotctl verify`: exit 0 when sound, 1 when a check failed.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check SQLite integrity, that balances equal the ledger, and the ledger's hash chain.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let reply = try await connection.call("Verify")
        connection.output(reply) {
            var lines = [
                "integrity: \(reply["integrity"]?.cell ?? "-")",
                "foreign keys: \((reply["foreignKeys"]?.elements ?? []).isEmpty ? "ok" : reply["foreignKeys"]!.cell)",
                "balances checked: \(reply["balancesChecked"]?.cell ?? "0")",
                "ledger mismatches: \(reply["mismatches"]?.elements.count ?? 0)",
                "reservation mismatches: \(reply["reservationMismatches"]?.cell ?? "0")",
                reply["chainFirstBadMovement"].map { $0 == .null } ?? true
                    ? "ledger chain: ok (\(reply["chainChecked"]?.cell ?? "0") movements)"
                    : "ledger chain: BROKEN at movement \(reply["chainFirstBadMovement"]!.cell)",
            ]
            for m in reply["mismatches"]?.elements ?? [] {
                lines.append("  \(m["sku"]?.cell ?? "") lot \(m["lot"]?.cell ?? "-") at \(m["location"]?.cell ?? ""): "
                             + "on hand \(m["onHand"]?.cell ?? "") but ledger \(m["ledger"]?.cell ?? "")")
            }
            lines.append(reply["ok"] == .bool(true) ? "verify: ok" : "verify: FAILED")
            return lines.joined(separator: "\n")
        }
        if reply["ok"] != .bool(true) {
            throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl: verify found problems")
        }
    }
}
