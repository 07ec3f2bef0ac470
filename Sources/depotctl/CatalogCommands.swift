import ArgumentParser
import Varlink

/// `depotctl item add|update|list|show`.
struct ItemCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "item", abstract: "Add, change and list items.",
        subcommands: [Add.self, Update.self, List.self, Show.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an item.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Unique SKU.") var sku: String
        @Option(help: "Name.") var name: String
        @Option(name: .customLong("gtin"), help: "A GTIN-8/12/13/14 (repeatable).") var gtins: [String] = []
        @Option(help: "fefo or fifo (default: fefo when expiry-tracked, else fifo).") var policy: String?
        @Flag(name: .customLong("lot-tracked"), help: "Every receipt must name a lot.") var lotTracked = false
        @Flag(name: .customLong("expiry-tracked"), help: "Every lot must carry an expiry date.") var expiryTracked = false
        @Option(name: .customLong("min-shelf-life"), help: "Minimum remaining shelf life in days.") var minShelfLife: Int?

        func run() async throws {
            var p = Parameters()
            p["sku"] = sku
            p["name"] = name
            p["gtins"] = gtins
            p["policy"] = policy
            p["lotTracked"] = lotTracked
            p["expiryTracked"] = expiryTracked
            p["minRemainingShelfLifeDays"] = minShelfLife
            let reply = try await connection.call("AddItem", p)
            connection.output(reply) { Render.items([reply["item"] ?? .null]) }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an item.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "SKU or GTIN.") var item: String
        @Option(help: "New name.") var name: String?
        @Option(name: .customLong("add-gtin"), help: "Attach a GTIN (repeatable).") var addGTINs: [String] = []
        @Option(name: .customLong("remove-gtin"), help: "Detach a GTIN (repeatable).") var removeGTINs: [String] = []
        @Option(help: "fefo or fifo.") var policy: String?
        @Option(name: .customLong("lot-tracked"), help: "true or false.") var lotTracked: Bool?
        @Option(name: .customLong("expiry-tracked"), help: "true or false.") var expiryTracked: Bool?
        @Option(name: .customLong("min-shelf-life"), help: "Minimum remaining shelf life in days.") var minShelfLife: Int?

        func run() async throws {
            var p = Parameters()
            p["item"] = item
            p["name"] = name
            p["addGTINs"] = addGTINs
            p["removeGTINs"] = removeGTINs
            p["policy"] = policy
            p["lotTracked"] = lotTracked
            p["expiryTracked"] = expiryTracked
            p["minRemainingShelfLifeDays"] = minShelfLife
            let reply = try await connection.call("UpdateItem", p)
            connection.output(reply) { Render.items([reply["item"] ?? .null]) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List items.")
        @OptionGroup var connection: ConnectionOptions
        func run() async throws {
            let reply = try await connection.call("ListItems")
            connection.output(reply) { Render.items(reply["items"]?.elements ?? []) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one item.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "SKU or GTIN.") var item: String
        func run() async throws {
            var p = Parameters()
            p["item"] = item
            let reply = try await connection.call("GetItem", p)
            connection.output(reply) { Render.items([reply["item"] ?? .null]) }
        }
    }
}

/// `depotctl location add|update|list|show`.
struct LocationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "location", abstract: "Add, change and list locations.",
        subcommands: [Add.self, Update.self, List.self, Show.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a location.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Unique code, e.g. A-01-02.") var code: String
        @Option(help: "receiving, storage, picking, shipping or quarantine.") var kind: String
        @Option(help: "Code of the enclosing zone.") var parent: String?
        @Option(help: "Pick priority (lower first).") var priority: Int?
        @Option(help: "GLN of the place (13 digits), or GLN/EXTENSION, for GS1 location labels.") var gln: String?

        func run() async throws {
            var p = Parameters()
            p["code"] = code
            p["kind"] = kind
            p["parent"] = parent
            p["pickPriority"] = priority
            p["gln"] = gln
            let reply = try await connection.call("AddLocation", p)
            connection.output(reply) { Render.locations([reply["location"] ?? .null]) }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a location.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Code.") var code: String
        @Option(help: "receiving, storage, picking, shipping or quarantine.") var kind: String?
        @Option(help: "Code of the enclosing zone (\"\" for none).") var parent: String?
        @Option(help: "Pick priority (lower first).") var priority: Int?
        @Option(help: "GLN (13 digits) or GLN/EXTENSION (\"\" removes it).") var gln: String?

        func run() async throws {
            var p = Parameters()
            p["code"] = code
            p["kind"] = kind
            p["parent"] = parent
            p["pickPriority"] = priority
            p["gln"] = gln
            let reply = try await connection.call("UpdateLocation", p)
            connection.output(reply) { Render.locations([reply["location"] ?? .null]) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List locations.")
        @OptionGroup var connection: ConnectionOptions
        func run() async throws {
            let reply = try await connection.call("ListLocations")
            connection.output(reply) { Render.locations(reply["locations"]?.elements ?? []) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one location.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Code.") var code: String
        func run() async throws {
            var p = Parameters()
            p["code"] = code
            let reply = try await connection.call("GetLocation", p)
            connection.output(reply) { Render.locations([reply["location"] ?? .null]) }
        }
    }
}
