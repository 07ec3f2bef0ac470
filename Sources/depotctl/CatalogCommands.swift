import ArgumentParser
import DepotAPI

/// `depotctl item add|update|list|show`.
struct ItemCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "item",
        abstract: "Add, change and list items.",
        subcommands: [Add.self, Update.self, List.self, Show.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an item.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Unique SKU.") var sku: String
        @Option(help: "Name.") var name: String
        @Option(name: .customLong("gtin"), help: "A GTIN-8/12/13/14 (repeatable).") var gtins: [String] = []
        @Option(help: "fefo or fifo (default: fefo when expiry-tracked, else fifo).") var policy:
            OrgDepotInventory.AddItem.Parameters.Policy?
        @Flag(name: .customLong("lot-tracked"), help: "Every receipt must name a lot.") var lotTracked = false
        @Flag(name: .customLong("expiry-tracked"), help: "Every lot must carry an expiry date.") var expiryTracked =
            false
        @Option(name: .customLong("min-shelf-life"), help: "Minimum remaining shelf life in days.") var minShelfLife:
            Int?
        @Option(help: "Code of the owning customer (default: SITE, the site's own goods).") var customer: String?

        func run() async throws {
            let reply = try await connection.call(
                OrgDepotInventory.AddItem.self,
                .init(
                    sku: sku,
                    name: name,
                    gtins: gtins.isEmpty ? nil : gtins,
                    policy: policy,
                    lotTracked: lotTracked,
                    expiryTracked: expiryTracked,
                    minRemainingShelfLifeDays: minShelfLife,
                    customer: customer
                )
            )
            connection.output(reply) { Render.items([reply.item]) }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an item.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "SKU or GTIN.", completion: Completions.items) var item: String
        @Option(help: "New name.") var name: String?
        @Option(name: .customLong("add-gtin"), help: "Attach a GTIN (repeatable).") var addGTINs: [String] = []
        @Option(name: .customLong("remove-gtin"), help: "Detach a GTIN (repeatable).") var removeGTINs: [String] = []
        @Option(help: "fefo or fifo.") var policy: OrgDepotInventory.UpdateItem.Parameters.Policy?
        @Option(name: .customLong("lot-tracked"), help: "true or false.") var lotTracked: Bool?
        @Option(name: .customLong("expiry-tracked"), help: "true or false.") var expiryTracked: Bool?
        @Option(name: .customLong("min-shelf-life"), help: "Minimum remaining shelf life in days.") var minShelfLife:
            Int?

        func run() async throws {
            let reply = try await connection.call(
                OrgDepotInventory.UpdateItem.self,
                .init(
                    item: item,
                    name: name,
                    addGTINs: addGTINs.isEmpty ? nil : addGTINs,
                    removeGTINs: removeGTINs.isEmpty ? nil : removeGTINs,
                    policy: policy,
                    lotTracked: lotTracked,
                    expiryTracked: expiryTracked,
                    minRemainingShelfLifeDays: minShelfLife
                )
            )
            connection.output(reply) { Render.items([reply.item]) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List items.")
        @OptionGroup var connection: ConnectionOptions
        func run() async throws {
            let reply = try await connection.call(OrgDepotInventory.ListItems.self, .init())
            connection.output(reply) { Render.items(reply.items) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one item.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "SKU or GTIN.", completion: Completions.items) var item: String
        @Option(help: "The customer whose item a GTIN names (needed when several customers' items have it).")
        var customer: String?
        func run() async throws {
            let reply = try await connection.call(
                OrgDepotInventory.GetItem.self,
                .init(item: item, customer: customer)
            )
            connection.output(reply) { Render.items([reply.item]) }
        }
    }
}

/// `depotctl location add|update|list|show`.
struct LocationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "location",
        abstract: "Add, change and list locations.",
        subcommands: [Add.self, Update.self, List.self, Show.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a location.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Unique code, e.g. A-01-02.") var code: String
        @Option(help: "receiving, storage, picking, shipping or quarantine.") var kind:
            OrgDepotInventory.AddLocation.Parameters.Kind
        @Option(help: "Code of the enclosing zone.", completion: Completions.locations) var parent: String?
        @Option(help: "Pick priority (lower first).") var priority: Int?
        @Option(help: "GLN of the place (13 digits), or GLN/EXTENSION, for GS1 location labels.") var gln: String?

        func run() async throws {
            let reply = try await connection.call(
                OrgDepotInventory.AddLocation.self,
                .init(
                    code: code,
                    kind: kind,
                    parent: parent,
                    pickPriority: priority,
                    gln: gln
                )
            )
            connection.output(reply) { Render.locations([reply.location]) }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a location.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Code.", completion: Completions.locations) var code: String
        @Option(help: "receiving, storage, picking, shipping or quarantine.") var kind:
            OrgDepotInventory.UpdateLocation.Parameters.Kind?
        @Option(help: "Code of the enclosing zone (\"\" for none).", completion: Completions.locations) var parent:
            String?
        @Option(help: "Pick priority (lower first).") var priority: Int?
        @Option(help: "GLN (13 digits) or GLN/EXTENSION (\"\" removes it).") var gln: String?

        func run() async throws {
            let reply = try await connection.call(
                OrgDepotInventory.UpdateLocation.self,
                .init(
                    code: code,
                    kind: kind,
                    parent: parent,
                    pickPriority: priority,
                    gln: gln
                )
            )
            connection.output(reply) { Render.locations([reply.location]) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List locations.")
        @OptionGroup var connection: ConnectionOptions
        func run() async throws {
            let reply = try await connection.call(OrgDepotInventory.ListLocations.self, .init())
            connection.output(reply) { Render.locations(reply.locations) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one location.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Code.", completion: Completions.locations) var code: String
        func run() async throws {
            let reply = try await connection.call(OrgDepotInventory.GetLocation.self, .init(code: code))
            connection.output(reply) { Render.locations([reply.location]) }
        }
    }
}

// Enum options are checked by the argument parser against the IDL's values.
extension OrgDepotInventory.AddItem.Parameters.Policy: ExpressibleByArgument {}
extension OrgDepotInventory.UpdateItem.Parameters.Policy: ExpressibleByArgument {}
extension OrgDepotInventory.AddLocation.Parameters.Kind: ExpressibleByArgument {}
extension OrgDepotInventory.UpdateLocation.Parameters.Kind: ExpressibleByArgument {}

/// `depotctl customer add|update|list|show|token`: the owners of goods (docs/workflows.md,
/// "Customers").
struct CustomerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer",
        abstract: "Add, change and list customers (owners of goods) and their tokens.",
        subcommands: [Add.self, Update.self, List.self, Show.self, Token.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a customer.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Unique code, e.g. ACME.") var code: String
        @Option(help: "Name.") var name: String

        func run() async throws {
            let reply = try await connection.call(OrgDepotInventory.AddCustomer.self, .init(code: code, name: name))
            connection.output(reply) { Render.customers([reply.customer]) }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a customer.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Customer code.") var code: String
        @Option(help: "New name.") var name: String

        func run() async throws {
            let reply = try await connection.call(
                OrgDepotInventory.UpdateCustomer.self,
                .init(code: code, name: name)
            )
            connection.output(reply) { Render.customers([reply.customer]) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List customers.")
        @OptionGroup var connection: ConnectionOptions
        func run() async throws {
            let reply = try await connection.call(OrgDepotInventory.ListCustomers.self, .init())
            connection.output(reply) { Render.customers(reply.customers) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one customer.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Customer code.") var code: String
        func run() async throws {
            let reply = try await connection.call(OrgDepotInventory.GetCustomer.self, .init(code: code))
            connection.output(reply) { Render.customers([reply.customer]) }
        }
    }

    /// `depotctl customer token add|list|revoke`.
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue, list and revoke a customer's bearer tokens.",
            subcommands: [Add.self, List.self, Revoke.self]
        )

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Issue a token and print it once (depotd keeps only its SHA-256)."
            )
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "Customer code.") var customer: String
            func run() async throws {
                let reply = try await connection.call(
                    OrgDepotInventory.AddCustomerToken.self,
                    .init(customer: customer)
                )
                connection.output(reply) {
                    "token \(reply.token.id) for \(reply.token.customer.cell): \(reply.secret)\n"
                        + "it is shown only now: give it to the customer; depotd keeps only its hash"
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List a customer's tokens (ids, never the tokens)."
            )
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "Customer code.") var customer: String
            func run() async throws {
                let reply = try await connection.call(
                    OrgDepotInventory.ListCustomerTokens.self,
                    .init(customer: customer)
                )
                connection.output(reply) { Render.tokens(reply.tokens) }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a token by id.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "Token id (from customer token list).") var id: Int
            func run() async throws {
                let reply = try await connection.call(OrgDepotInventory.RevokeCustomerToken.self, .init(id: id))
                connection.output(reply) { Render.tokens([reply.token]) }
            }
        }
    }
}
