import ArgumentParser
import DepotAPI
import Foundation
import GS1
import Varlink

/// `depotctl scanners`.
struct ScannersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scanners", abstract: "Scanners and their sessions.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let reply = try await connection.call("ListScanners", interface: DepotAPI.scanner)
        connection.output(reply) {
            var table = Table("ID", "SOURCE", "NAME", "VID:PID", "BY-PATH", "LAYOUT", "GRABBED", "LAST-SCAN", "MODE", "LOCATION", "ORDER", "OPERATOR")
            for s in reply["scanners"]?.elements ?? [] {
                let grabbed = s["grabbed"] == .bool(true) ? "yes" : (s["grabProblem"].map { "no: \($0.cell)" } ?? "no")
                table.add(cells: [s["id"], s["source"], s["name"], s["vendorProduct"], s["byPath"], s["layout"]].map { $0?.cell ?? "-" }
                    + [grabbed] + [s["lastScanAt"], s["mode"], s["location"], s["order"], s["operatorName"]].map { $0?.cell ?? "-" })
            }
            return table.text
        }
    }
}

/// `depotctl scanner assign`.
struct ScannerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scanner", abstract: "Set up a scanner's session.", subcommands: [Assign.self])

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a scanner's mode, location, operator and order.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Scanner id (see depotctl scanners).") var scanner: String
        @Option(help: "lookup, receive, putaway, move, pick or count.") var mode: String
        @Option(help: "Location (receiving location, or where goods are taken from).") var location: String?
        @Option(name: .customLong("operator"), help: "Who is scanning.") var operatorName: String?
        @Option(help: "Order to pick (pick mode).") var order: String?
        @Option(help: "Count session to count for (count mode).") var count: Int64?

        func run() async throws {
            var p = Parameters()
            p["scanner"] = scanner
            p["mode"] = mode
            p["location"] = location
            p["operatorName"] = operatorName
            p["order"] = order
            p["count"] = count
            let reply = try await connection.call("Assign", p, interface: DepotAPI.scanner)
            connection.output(reply) {
                let s = reply["scanner"] ?? .null
                return "scanner \(s["id"]?.cell ?? "") mode \(s["mode"]?.cell ?? "") location \(s["location"]?.cell ?? "-") "
                    + "operator \(s["operatorName"]?.cell ?? "-") order \(s["order"]?.cell ?? "-")"
            }
        }
    }
}

/// `depotctl scan SCANNER TEXT`.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan", abstract: "Inject a scan as if it came from a scanner.",
        discussion: "In TEXT, <GS>, \\x1d or \\u001d stand for the GS1 separator (0x1D). Exit 1 when the scan is refused.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Scanner id.") var scanner: String
    @Argument(help: "Barcode text.") var text: String
    @Option(help: "Scan id; the same id is applied once.") var id: String?
    @Option(name: .customLong("aim"), help: "AIM symbology identifier, e.g. ]C1.") var symbologyIdentifier: String?

    func run() async throws {
        var p = Parameters()
        p["scanner"] = scanner
        p["text"] = decodeSeparatorNotation(text)
        p["id"] = id
        p["symbologyIdentifier"] = symbologyIdentifier
        let reply = try await connection.call("Scan", p, interface: DepotAPI.scanner)
        let feedback = reply["feedback"] ?? .null
        connection.output(reply) { Render.feedback(feedback) }
        if feedback["level"] == .string("error") {
            throw CLIFailure(code: CLIFailure.errorReply, message: "")
        }
    }
}

/// `depotctl monitor`.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor", abstract: "Follow scan outcomes and device events as they happen (Ctrl-C to stop).")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only this scanner.") var scanner: String?
    @Option(help: "Stop after this many events (0: stop once subscribed).") var count: Int?

    func run() async throws {
        var p = Parameters()
        p["scanner"] = scanner
        var seen = 0
        try await connection.follow("Monitor", p, interface: DepotAPI.scanner) { value in
            guard let event = value["event"], event != .null else { return count.map { seen < $0 } ?? true }
            ConnectionOptions.emit(connection.json ? event.jsonText(pretty: false) : Render.event(event))
            seen += 1
            return count.map { seen < $0 } ?? true
        }
    }
}

extension Render {
    static func feedback(_ f: VarlinkValue) -> String {
        var text = "\(f["level"]?.cell.uppercased() ?? "")  \(f["message"]?.cell ?? "")"
        for alert in f["alerts"]?.elements ?? [] { text += "\n  alert: \(alert.cell)" }
        let movements = f["movements"]?.elements ?? []
        if !movements.isEmpty { text += "\n  movements: " + movements.map(\.cell).joined(separator: ", ") }
        text += "\n  next: \(f["expectation"]?.cell ?? "")"
        return text
    }

    static func event(_ e: VarlinkValue) -> String {
        let head = "\(e["at"]?.cell ?? "")  \(e["scanner"]?.cell ?? "")  \(e["kind"]?.cell ?? "")"
        if let f = e["feedback"], f != .null {
            return head + "  \(f["level"]?.cell ?? "")  \"\(f["text"]?.cell ?? "")\"  \(f["message"]?.cell ?? "")  -> \(f["expectation"]?.cell ?? "")"
        }
        return head + "  " + (e["message"]?.cell ?? "")
    }
}

/// `depotctl replay FILE`.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay an evemu-record capture through depotd's scanner path, printing each scan's outcome.",
        discussion: "depotd reads FILE itself, so give a path it can read. Exit 1 when a scan was refused.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "evemu-record file.") var file: String
    @Option(help: "Scanner id the scans come from (default replay:<device name>).") var scanner: String?
    @Option(help: "1 replays in real time, 0 (default) without pauses.") var speed: Double = 0

    func run() async throws {
        var p = Parameters()
        p["path"] = URL(fileURLWithPath: file).standardizedFileURL.path
        p["scanner"] = scanner
        p["speed"] = .double(speed)
        var errors = 0
        try await connection.follow("Replay", p, interface: DepotAPI.scanner) { value in
            if let feedback = value["feedback"], feedback != .null {
                if feedback["level"] == .string("error") { errors += 1 }
                ConnectionOptions.emit(connection.json ? feedback.jsonText(pretty: false)
                    : "\"\(feedback["text"]?.cell ?? "")\"\n  " + Render.feedback(feedback).replacingOccurrences(of: "\n", with: "\n  "))
            }
            if let scans = value["scans"], scans != .null, !connection.json {
                ConnectionOptions.emit("replayed \(scans.cell) scans, \(errors) refused")
            }
            return true
        }
        if errors > 0 { throw CLIFailure(code: CLIFailure.errorReply, message: "") }
    }
}
