import ArgumentParser
import DepotAPI
import Varlink

/// `depotctl receive`.
struct ReceiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "receive", abstract: "Receive goods into a location.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "SKU or GTIN.", completion: Completions.items) var item: String
    @Option(help: "Quantity in base units.") var qty: Int64
    @Option(help: "Location code.", completion: Completions.locations) var location: String
    @Option(help: "Lot code.") var lot: String?
    @Option(help: "Expiry date YYYY-MM-DD.") var expiry: String?
    @Option(name: .customLong("best-before"), help: "Best-before date YYYY-MM-DD.") var bestBefore: String?
    @Option(help: "Production date YYYY-MM-DD.") var production: String?
    @Option(name: .customLong("received-at"), help: "Back-dated receipt instant (ISO 8601).") var receivedAt: String?
    @Flag(name: .customLong("allow-quarantine-location"), help: "Allow a quarantine-kind location.")
    var allowQuarantine = false
    @Flag(name: .customLong("allow-expired"), help: "Allow a lot that already expired.") var allowExpired = false
    @Option(help: "Reference (delivery note).") var reference: String?
    @Option(help: "Code of the customer whose goods arrive (needed when the GTIN is on several customers' items).")
    var customer: String?

    func run() async throws {
        let reply = try await connection.call(
            OrgDepotInventory.Receive.self,
            .init(
                item: item,
                quantity: Int(qty),
                location: location,
                lot: lot,
                expiry: expiry,
                bestBefore: bestBefore,
                production: production,
                receivedAt: receivedAt,
                allowQuarantineLocation: allowQuarantine,
                allowExpired: allowExpired,
                reference: reference,
                customer: customer
            )
        )
        connection.output(reply) {
            Render.change(movements: reply.movements, balances: reply.balances, hidden: reply.hiddenBalances)
        }
    }
}

/// `depotctl move`.
struct MoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "move", abstract: "Move goods between locations.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "SKU or GTIN.", completion: Completions.items) var item: String
    @Option(help: "Lot code (needed when the source holds several lots).") var lot: String?
    @Option(help: "Source location.", completion: Completions.locations) var from: String
    @Option(help: "Destination location.", completion: Completions.locations) var to: String
    @Option(help: "Quantity in base units.") var qty: Int64
    @Option(help: "Reference.") var reference: String?

    func run() async throws {
        let reply = try await connection.call(
            OrgDepotInventory.Move.self,
            .init(
                item: item,
                lot: lot,
                from: from,
                to: to,
                quantity: Int(qty),
                reference: reference
            )
        )
        connection.output(reply) {
            Render.change(movements: reply.movements, balances: reply.balances, hidden: reply.hiddenBalances)
        }
    }
}

/// `depotctl pick`.
struct PickCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pick",
        abstract: "Pick an item by the allocation rule (FEFO/FIFO)."
    )
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "SKU or GTIN.", completion: Completions.items) var item: String
    @Option(help: "Quantity in base units.") var qty: Int64
    @Option(help: "Order or shipment reference stored on the movements.") var reference: String?
    @Option(name: .customLong("min-shelf-life"), help: "Minimum remaining shelf life in days.") var minShelfLife: Int?
    @Option(help: "Only take stock in this location and its children.", completion: Completions.locations) var within:
        String?
    @Flag(name: .customLong("dry-run"), help: "Plan only; change nothing.") var dryRun = false
    @Flag(help: "Take what is allocatable when it is less than requested.") var partial = false
    @Flag(help: "Show the key values of every line and what was skipped and why.") var explain = false

    func run() async throws {
        let reply = try await connection.call(
            OrgDepotInventory.Pick.self,
            .init(
                item: item,
                quantity: Int(qty),
                reference: reference,
                minRemainingShelfLifeDays: minShelfLife,
                within: within,
                dryRun: dryRun,
                allowPartial: partial
            )
        )
        connection.output(reply) {
            let header = dryRun ? "dry run: nothing was picked\n" : ""
            let plan = Render.plan(reply.plan, explain: explain)
            let moves = dryRun ? "" : "\n" + Render.movements(reply.movements)
            return header + plan + moves
        }
    }
}

/// `depotctl adjust`.
struct AdjustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adjust",
        abstract: "Correct a balance by a signed quantity."
    )
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "SKU or GTIN.", completion: Completions.items) var item: String
    @Option(help: "Lot code.") var lot: String?
    @Option(help: "Location code.", completion: Completions.locations) var location: String
    @Option(help: "Signed quantity, e.g. --delta=-3 or --delta 5.") var delta: Int64
    @Option(help: "Why (required).") var reason: String
    @Option(help: "Reference.") var reference: String?

    func run() async throws {
        let reply = try await connection.call(
            OrgDepotInventory.Adjust.self,
            .init(
                item: item,
                lot: lot,
                location: location,
                delta: Int(delta),
                reason: reason,
                reference: reference
            )
        )
        connection.output(reply) {
            Render.change(movements: reply.movements, balances: reply.balances, hidden: reply.hiddenBalances)
        }
    }
}

/// `depotctl lot quarantine|release|block`.
struct LotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lot",
        abstract: "Hold or release a lot.",
        subcommands: [Quarantine.self, Release.self, Block.self]
    )

    struct Target: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "SKU or GTIN.", completion: Completions.items) var item: String
        @Argument(help: "Lot code.") var lot: String
        @Option(help: "Why (required).") var reason: String

        func set(_ status: OrgDepotInventory.SetLotStatus.Parameters.Status) async throws {
            let reply = try await connection.call(
                OrgDepotInventory.SetLotStatus.self,
                .init(item: item, lot: lot, status: status, reason: reason)
            )
            connection.output(reply) {
                "lot \(reply.lot.code.cell) of \(reply.lot.sku.cell) is now \(reply.lot.status.rawValue)"
            }
        }
    }

    struct Quarantine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a lot in quarantine (not allocatable).")
        @OptionGroup var target: Target
        func run() async throws { try await target.set(.quarantine) }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a lot (available again).")
        @OptionGroup var target: Target
        func run() async throws { try await target.set(.available) }
    }

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Block a lot (not allocatable).")
        @OptionGroup var target: Target
        func run() async throws { try await target.set(.blocked) }
    }
}

/// `depotctl order create|show|list|pick|cancel`.
struct OrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order",
        abstract: "Orders: reserve by the allocation rule, pick, cancel.",
        subcommands: [Create.self, Show.self, List.self, Pick.self, Cancel.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an order and reserve its lines.",
            aliases: ["add"]
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Order reference.") var reference: String
        @Option(name: .customLong("line"), help: "ITEM:QTY or ITEM:QTY:MIN-SHELF-LIFE-DAYS (repeatable).")
        var lines: [String] = []
        @Option(help: "Code of the customer the order ships for (default: SITE); every line's item must be theirs.")
        var customer: String?

        func run() async throws {
            let reply = try await connection.call(
                OrgDepotInventory.CreateOrder.self,
                .init(reference: reference, lines: try lines.map(Self.parse), customer: customer)
            )
            connection.output(reply) { Render.order(reply.order) }
        }

        static func parse(_ text: String) throws -> OrgDepotInventory.OrderLineRequest {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard (2...3).contains(parts.count), !parts[0].isEmpty, let quantity = Int64(parts[1]),
                parts.count == 2 || Int(parts[2]) != nil
            else {
                throw ValidationError("--line \"\(text)\" is not ITEM:QTY or ITEM:QTY:MIN-SHELF-LIFE-DAYS")
            }
            return OrgDepotInventory.OrderLineRequest(
                item: parts[0],
                quantity: Int(quantity),
                minRemainingShelfLifeDays: parts.count == 3 ? Int(parts[2])! : nil
            )
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an order.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Order reference.") var reference: String
        func run() async throws {
            let reply = try await connection.call(OrgDepotInventory.GetOrder.self, .init(reference: reference))
            connection.output(reply) { Render.order(reply.order) }
        }
    }

    /// `depotctl order list [--status S] [--since I] [--until I]`: every matching order, oldest
    /// first, read page by page (`ListOrders`, ``OrderCommand/List/page`` orders a call).
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "List orders, oldest first: reference, status, lines, quantity ordered and picked, created at (UTC)."
        )
        typealias API = OrgDepotInventory
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only orders in this status: open, picked or cancelled.") var status:
            API.ListOrders.Parameters.Status?
        @Option(help: "Created at or after this instant (ISO 8601, inclusive).") var since: String?
        @Option(help: "Created before this instant (ISO 8601, exclusive).") var until: String?
        @Option(help: "Only orders of this customer (code).") var customer: String?

        /// Orders per ListOrders call (its maximum).
        static let page = 1000

        func run() async throws {
            let link = try await connection.connect()
            defer { Task { await link.close() } }
            let orders = try await Self.all(
                connection,
                on: link,
                status: status,
                since: since,
                until: until,
                customer: customer
            )
            connection.output(API.ListOrders.Reply(orders: orders)) {
                var table = Table("REFERENCE", "STATUS", "LINES", "ORDERED", "PICKED", "CREATED")
                for order in orders {
                    table.add(
                        order.reference.cell,
                        order.status.rawValue,
                        order.lines.count.cell,
                        order.lines.reduce(0) { $0 + $1.quantity }.cell,
                        order.lines.reduce(0) { $0 + $1.picked }.cell,
                        order.createdAt.cell
                    )
                }
                return table.text
            }
        }

        /// Every matching order, page by page (``page`` a call), oldest first; `each` sees each
        /// page as it comes (the export writes it and keeps nothing).
        /// - Throws: ``CLIFailure`` for an error reply (code 1) or a lost depotd (code 3).
        @discardableResult
        static func all(
            _ connection: ConnectionOptions,
            on link: VarlinkConnection,
            status: API.ListOrders.Parameters.Status?,
            since: String?,
            until: String?,
            customer: String? = nil,
            keep: Bool = true,
            each: ([API.OrderSummary]) throws -> Void = { _ in }
        ) async throws -> [API.OrderSummary] {
            var kept: [API.OrderSummary] = []
            var afterId: Int?
            while true {
                let orders = try await connection.call(
                    on: link,
                    API.ListOrders.self,
                    .init(status: status, since: since, until: until, afterId: afterId, limit: page, customer: customer)
                ).orders
                try each(orders)
                if keep { kept += orders }
                guard orders.count == page, let last = orders.last else { return kept }
                afterId = last.id
            }
        }
    }

    struct Pick: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Confirm the picks of an order (all lines or one).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Order reference.") var reference: String
        @Option(help: "Only this line (1-based).") var line: Int?
        func run() async throws {
            let reply = try await connection.call(
                OrgDepotInventory.PickOrder.self,
                .init(reference: reference, line: line)
            )
            connection.output(reply) { Render.order(reply.order) + "\n" + Render.movements(reply.movements) }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel an order and release its reservations.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Order reference.") var reference: String
        func run() async throws {
            let reply = try await connection.call(OrgDepotInventory.CancelOrder.self, .init(reference: reference))
            connection.output(reply) { Render.order(reply.order) }
        }
    }
}

extension OrgDepotInventory.ListOrders.Parameters.Status: ExpressibleByArgument {}
