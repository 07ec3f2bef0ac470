import ArgumentParser
import DepotAPI
import Foundation
import Varlink

/// `depotctl epcis`: the ledger as GS1 EPCIS 2.0 events in JSON-LD (docs/epcis.md).
struct EPCISCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epcis",
        abstract: "The ledger as GS1 EPCIS 2.0 events (JSON-LD): export a document, or follow new events.",
        subcommands: [EPCISExportCommand.self, EPCISFollowCommand.self]
    )
}

/// `depotctl epcis export [--since INSTANT] [-o FILE]`: one EPCISDocument of every movement since
/// the instant, fetched page by page (`ExportEPCIS`, at most 1000 events per call) and written as
/// it comes, so depotctl holds one page at a time. A file is replaced only by a whole export.
struct EPCISExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print the ledger as one EPCIS 2.0 EPCISDocument (JSON-LD)."
    )
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Movements from this instant (ISO 8601, inclusive).") var since: String?
    @Option(name: .customShort("o"), help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        try await CSVFile.Sink.writing(to: output) { try await export(to: $0) }
    }

    /// Writes the document: the first page's document without its events, then every page's
    /// events one per line, then the closing brackets.
    private func export(to sink: CSVFile.Sink) async throws {
        let link = try await connection.connect()
        defer { Task { await link.close() } }
        var afterId: Int?
        var first = true
        var closing = ""
        repeat {
            let reply = try await connection.call(
                on: link,
                OrgDepotInventory.ExportEPCIS.self,
                .init(since: since, afterId: afterId, limit: nil)
            )
            guard case .object(var document) = reply.document,
                case .object(let body)? = document["epcisBody"],
                case .array(let events)? = body["eventList"]
            else {
                throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl: depotd sent no EPCISDocument")
            }
            if first {
                // {"@context":...,"creationDate":...,"epcisBody":{"eventList":[ ... ]},"schemaVersion":...}
                document["epcisBody"] = .object(["eventList": .array([])])
                let shell = ConnectionOptions.jsonText(VarlinkValue.object(document), pretty: false)
                guard let cut = shell.range(of: "\"eventList\":[]") else {
                    throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl: cannot lay out the document")
                }
                sink.holdHeader(Data((shell[..<cut.lowerBound] + "\"eventList\":[\n").utf8))
                closing = "\n]" + shell[cut.upperBound...] + "\n"
            }
            var text = ""
            for event in events {
                if !first || !text.isEmpty { text += ",\n" }
                text += ConnectionOptions.jsonText(event, pretty: false)
            }
            first = false
            try sink.write(Data(text.utf8))
            afterId = reply.next
        } while afterId != nil
        try sink.write(Data(closing.utf8))
    }
}

/// `depotctl epcis follow`: each new movement's ObjectEvent (with its `@context`) as one JSON line
/// (JSON Lines) as it commits, until interrupted.
struct EPCISFollowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Print each new EPCIS event as one JSON line as its movement commits (Ctrl-C to stop)."
    )
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await connection.follow(OrgDepotInventory.FollowEPCIS.self, .init()) { update in
            if let event = update.event {
                ConnectionOptions.emit(ConnectionOptions.jsonText(event, pretty: false))
            }
            return true
        }
    }
}
