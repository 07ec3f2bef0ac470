import ArgumentParser
import DepotAPI
import Foundation

/// `depotctl stock`.
struct StockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock",
        abstract: "Balances by item, lot and location."
    )
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "SKU or GTIN.") var item: String?
    @Option(help: "Lot code.") var lot: String?
    @Option(help: "Location code (with its children).") var location: String?

    func run() async throws {
        let reply = try await connection.call(
            OrgDepotInventory.Stock.self,
            .init(item: item, lot: lot, location: location)
        )
        connection.output(reply) {
            var table = Table("SKU", "LOT", "LOCATION", "QTY", "RESERVED", "EXPIRY", "STATUS", "RECEIVED")
            for b in reply.balances {
                table.add(
                    b.sku.cell,
                    b.lot.cell,
                    b.location.cell,
                    b.quantity.cell,
                    b.reserved.cell,
                    b.expiry.cell,
                    b.lotStatus?.rawValue ?? "-",
                    b.receivedAt.cell
                )
            }
            return table.text
        }
    }
}

/// `depotctl lots ITEM`.
struct LotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lots",
        abstract: "Lots of an item in allocation order."
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "SKU or GTIN.") var item: String

    func run() async throws {
        let reply = try await connection.call(OrgDepotInventory.Lots.self, .init(item: item))
        connection.output(reply) {
            var table = Table("LOT", "EXPIRY", "DAYS-LEFT", "STATUS", "ON-HAND", "RESERVED", "ALLOCATABLE", "EXCLUDED")
            for v in reply.lots {
                table.add(
                    v.lot.code.cell,
                    v.lot.expiry.cell,
                    v.daysLeft.cell,
                    v.lot.status.rawValue,
                    v.onHand.cell,
                    v.reserved.cell,
                    v.allocatable.cell,
                    v.excluded.isEmpty ? "-" : v.excluded.cell
                )
            }
            return table.text
        }
    }
}

/// `depotctl expiring`.
struct ExpiringCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expiring",
        abstract: "Lots with stock expiring within N days."
    )
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Days from today (expired lots are included).") var days: Int = 30

    func run() async throws {
        let reply = try await connection.call(OrgDepotInventory.Expiring.self, .init(days: days))
        connection.output(reply) {
            var table = Table("SKU", "LOT", "EXPIRY", "DAYS-LEFT", "ON-HAND", "STATUS", "LOCATIONS")
            for l in reply.lots {
                table.add(
                    l.sku.cell,
                    l.lot.cell,
                    l.expiry.cell,
                    l.daysLeft.cell,
                    l.onHand.cell,
                    l.status.rawValue,
                    l.locations.cell
                )
            }
            return table.text
        }
    }
}

/// `depotctl ledger`.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Ledger movements; --follow streams new ones."
    )
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
        let reply = try await connection.call(
            OrgDepotInventory.Ledger.self,
            .init(
                item: item,
                lot: lot,
                location: location,
                since: since,
                until: until,
                afterId: after.map { Int($0) },
                limit: limit
            )
        )
        connection.output(reply) {
            Render.movements(reply.movements)
                + (reply.hiddenMovements.map { "\n\($0) movement(s) at locations under a blind count hidden" } ?? "")
        }
        guard follow else { return }
        try await connection.follow(OrgDepotInventory.Subscribe.self, .init()) { update in
            if let movement = update.movement {
                ConnectionOptions.emit(
                    connection.json
                        ? ConnectionOptions.jsonText(movement, pretty: false)
                        : Render.movementCells(movement).joined(separator: "  ")
                )
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
        let reply = try await connection.call(OrgDepotInventory.Status.self, .init())
        connection.output(reply) {
            [
                ("now", reply.now.cell), ("today", reply.today.cell), ("items", reply.items.cell),
                ("locations", reply.locations.cell),
                ("lots", reply.lots.cell), ("balances", reply.balances.cell), ("onHand", reply.onHand.cell),
                ("openOrders", reply.openOrders.cell), ("ledgerPosition", reply.ledgerPosition.cell),
                ("databasePath", reply.databasePath.cell), ("durability", reply.durability.rawValue),
                ("storage", reply.writesStopped.map { "writes stopped since \($0.since): \($0.message)" } ?? "ok"),
            ]
            .map { "\($0.0): \($0.1)" }.joined(separator: "\n")
        }
    }
}

/// `depotctl verify`: exit 0 when sound, 1 when a check failed.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check SQLite integrity, that balances equal the ledger, and the ledger's hash chain."
    )
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let reply = try await connection.call(OrgDepotInventory.Verify.self, .init())
        connection.output(reply) {
            var lines = [
                "integrity: \(reply.integrity.cell)",
                "foreign keys: \(reply.foreignKeys.isEmpty ? "ok" : reply.foreignKeys.cell)",
                "balances checked: \(reply.balancesChecked.cell)",
                "ledger mismatches: \(reply.mismatches.count)",
                "reservation mismatches: \(reply.reservationMismatches.cell)",
                reply.chainFirstBadMovement.map { "ledger chain: BROKEN at movement \($0.cell)" }
                    ?? "ledger chain: ok (\(reply.chainChecked.cell) movements)",
            ]
            for m in reply.mismatches {
                lines.append(
                    "  \(m.sku.cell) lot \(m.lot.cell) at \(m.location.cell): on hand \(m.onHand.cell) but ledger \(m.ledger.cell)"
                )
            }
            lines.append(reply.ok ? "verify: ok" : "verify: FAILED")
            return lines.joined(separator: "\n")
        }
        if !reply.ok {
            throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl: verify found problems")
        }
    }
}
