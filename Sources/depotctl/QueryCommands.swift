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
    @Option(help: "SKU or GTIN.", completion: Completions.items) var item: String?
    @Option(help: "Lot code.") var lot: String?
    @Option(help: "Location code (with its children).", completion: Completions.locations) var location: String?
    @Option(help: "Only this customer's items (code); a GTIN --item is read as theirs.") var customer: String?

    func run() async throws {
        let reply = try await connection.call(
            OrgDepotInventory.Stock.self,
            .init(item: item, lot: lot, location: location, customer: customer)
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
    @Argument(help: "SKU or GTIN.", completion: Completions.items) var item: String
    @Option(help: "The customer whose item a GTIN names (needed when several customers' items have it).")
    var customer: String?

    func run() async throws {
        let reply = try await connection.call(OrgDepotInventory.Lots.self, .init(item: item, customer: customer))
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
        abstract: "Ledger movements (the default, `ledger list`); `ledger seal` prints a signed checkpoint.",
        subcommands: [LedgerListCommand.self, LedgerSealCommand.self],
        defaultSubcommand: LedgerListCommand.self
    )
}

/// `depotctl ledger seal` (admin): a signed checkpoint of the ledger's tips, one JSON line to keep
/// outside the database; `depotctl verify --seal FILE` checks the ledger against it.
struct LedgerSealCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Print a signed checkpoint of the ledger (one line; keep it elsewhere, check it with verify --seal)."
    )
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let reply = try await connection.call(OrgDepotAdmin.SealLedger.self, .init())
        connection.output(reply) { reply.seal }
        // Standard output is the seal line alone (it is kept in a file); what it seals goes to the terminal.
        if !connection.json {
            FileHandle.standardError.write(
                Data(
                    "depotctl: sealed movement \(reply.movement), fact \(reply.fact) at \(reply.at); keep the line outside the database\n"
                        .utf8
                )
            )
        }
    }
}

/// `depotctl ledger list` (the default of `depotctl ledger`): movements, filtered; --follow streams new ones.
struct LedgerListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Ledger movements; --follow streams new ones."
    )
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "SKU or GTIN.", completion: Completions.items) var item: String?
    @Option(help: "Lot code.") var lot: String?
    @Option(help: "Location code (from or to).", completion: Completions.locations) var location: String?
    @Option(help: "From this instant (ISO 8601, inclusive).") var since: String?
    @Option(help: "Until this instant (ISO 8601, exclusive).") var until: String?
    @Option(help: "Only movements with a greater id.") var after: Int64?
    @Option(help: "At most this many rows (1 to 10000; default 1000).") var limit: Int?
    @Option(help: "Only movements of this customer's items (code).") var customer: String?
    @Flag(help: "After the rows, follow new movements as they commit (Ctrl-C to stop).") var follow = false

    /// Rows asked for without `--limit` (the Ledger method's own default).
    static let defaultLimit = 1000

    func validate() throws {
        // The subscription follows every movement; it has no customer filter.
        if follow && customer != nil { throw ValidationError("--follow cannot be combined with --customer") }
    }

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
                limit: limit ?? Self.defaultLimit,
                customer: customer
            )
        )
        connection.output(reply) {
            Render.movements(reply.movements)
                + (reply.hiddenMovements.map { "\n\($0) movement(s) at locations under a blind count hidden" } ?? "")
        }
        // A full page without --limit: say that it is a page and how to get the next one.
        if limit == nil, reply.movements.count == Self.defaultLimit, let last = reply.movements.last {
            FileHandle.standardError.write(
                Data(
                    "depotctl: a full page of \(Self.defaultLimit) movements (oldest first), so more may follow: --after \(last.id) for the next page, --limit N (up to 10000) for more at once\n"
                        .utf8
                )
            )
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

    /// org.varlink.service.GetInfo's reply (varlink.org, "Service"): who serves the socket.
    struct ServiceInfo: Decodable {
        var product: String
        var version: String
    }

    func run() async throws {
        let reply = try await connection.call(OrgDepotInventory.Status.self, .init())
        // The daemon's version from the standard service interface, beside depotctl's own.
        let link = try await connection.connect()
        let info = try? await link.call("org.varlink.service.GetInfo", [String: String]()).decode(ServiceInfo.self)
        await link.close()
        connection.output(reply) {
            [
                (
                    "version",
                    "\(info.map { "\($0.product) \($0.version)" } ?? "depotd (unknown)"); depotctl \(DepotAPI.version)"
                ),
                ("now", reply.now.cell), ("today", reply.today.cell), ("items", reply.items.cell),
                ("locations", reply.locations.cell),
                ("lots", reply.lots.cell), ("balances", reply.balances.cell), ("onHand", reply.onHand.cell),
                ("openOrders", reply.openOrders.cell), ("ledgerPosition", reply.ledgerPosition.cell),
                ("databasePath", reply.databasePath.cell), ("durability", reply.durability.rawValue),
                ("storage", reply.writesStopped.map { "writes stopped since \($0.since): \($0.message)" } ?? "ok"),
            ]
            .map { "\($0.0): \($0.1)" }.joined(separator: "\n")
                + (reply.connections.map { "\nconnections: " + Self.caps($0) } ?? "")
        }
    }
}

extension StatusCommand {
    /// One line of the connection caps in force, e.g. `at most 116 (configured 1024), 58 per uid
    /// (configured 256); 64 descriptors reserved of RLIMIT_NOFILE 200`.
    static func caps(_ caps: OrgDepotInventory.ConnectionCaps) -> String {
        var text = "at most \(caps.maxConnections) (configured \(caps.configuredMaxConnections)), "
        text += "\(caps.maxConnectionsPerUid) per uid (configured \(caps.configuredMaxConnectionsPerUid)); "
        text += "\(caps.descriptorReserve) descriptors reserved"
        if let limit = caps.descriptorLimit { text += " of RLIMIT_NOFILE \(limit)" }
        return text
    }
}

/// `depotctl verify`: exit 0 when sound, 1 when a check failed.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Check SQLite integrity, balances against the ledger, the ledger's keyed chain, stored facts, and seals."
    )
    @OptionGroup var connection: ConnectionOptions
    @Option(
        name: .customLong("seal"),
        help: ArgumentHelp("A seal file from `depotctl ledger seal` (repeatable).", valueName: "file")
    )
    var sealFiles: [String] = []
    @Option(
        name: .customLong("seals"),
        help: ArgumentHelp("A directory of seal files: every line of every file in it is a seal.", valueName: "dir")
    )
    var sealDirectory: String?

    /// The seal lines of the files and the directory's files (blank lines skipped).
    func sealLines() throws -> [String] {
        var files = sealFiles
        if let sealDirectory {
            let names: [String]
            do {
                names = try LocalFile.names(inDirectory: sealDirectory)
            } catch {
                throw ValidationError("--seals \(sealDirectory): cannot list the directory: \(error.reason)")
            }
            files += names.filter { !$0.hasPrefix(".") }.map { sealDirectory + "/" + $0 }
        }
        var lines: [String] = []
        for file in files {
            let text: Data
            do {
                text = try LocalFile.contents(file)
            } catch {
                throw ValidationError("--seal \(file): cannot read the file: \(error.reason)")
            }
            lines += String(decoding: text, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
                .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        }
        return lines
    }

    func run() async throws {
        let seals = try sealLines()
        let reply = try await connection.call(
            OrgDepotInventory.Verify.self,
            .init(seals: seals.isEmpty ? nil : seals)
        )
        connection.output(reply) {
            var lines = [
                "integrity: \(reply.integrity.cell)",
                "foreign keys: \(reply.foreignKeys.isEmpty ? "ok" : reply.foreignKeys.cell)",
                "balances checked: \(reply.balancesChecked.cell)",
                "ledger mismatches: \(reply.mismatches.count)",
                "reservation mismatches: \(reply.reservationMismatches.cell)",
                reply.chainFirstBadMovement.map {
                    "ledger chain: BROKEN at movement \($0.cell)"
                        + (reply.chainBadFields.isEmpty
                            ? "" : " (\(reply.chainBadFields.joined(separator: ", ").cell))")
                        + (reply.chainProblem.map { ": \($0.cell)" } ?? "")
                }
                    ?? "ledger chain: ok (\(reply.chainChecked.cell) movements)",
                reply.chainKeyed
                    ? "ledger key: keyed (HMAC-SHA-256) from movement \((reply.chainKeyedFrom ?? 1).cell)"
                        + ((reply.chainKeyedFrom ?? 1) > 1
                            ? "; movements 1 to \(((reply.chainKeyedFrom ?? 1) - 1).cell) are plain SHA-256 rows from before"
                            : "")
                    : "ledger key: not keyed (plain SHA-256)",
                reply.chainKeyed
                    ? "stored facts: \(reply.factMismatches.isEmpty ? "ok" : "\(reply.factMismatches.count) mismatches") (\(reply.factsChecked.cell) facts)"
                    : "stored facts: not checked (the ledger is not keyed)",
            ]
            for m in reply.mismatches {
                lines.append(
                    "  \(m.sku.cell) lot \(m.lot.cell) at \(m.location.cell): on hand \(m.onHand.cell) but ledger \(m.ledger.cell)"
                )
            }
            for m in reply.reservationProblems ?? [] {
                lines.append(
                    "  \(m.sku.cell) lot \(m.lot.cell) at \(m.location.cell): reserved \(m.reserved.cell) but reservations \(m.reservations.cell)"
                        + (m.orders.isEmpty ? "" : " (orders \(m.orders.joined(separator: ", ").cell))")
                )
            }
            for m in reply.factMismatches {
                lines.append("  \(m.table.cell) \(m.key.cell) \(m.field.cell): \(m.message.cell)")
            }
            for check in reply.seals {
                lines.append(
                    "seal movement \(check.movement.cell) at \(check.at.cell): \(check.ok ? "ok" : "DISAGREES")"
                        + (check.firstDisagreeingMovement.map { " (first disagreeing movement \($0.cell))" } ?? "")
                        + ": \(check.message.cell)"
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
