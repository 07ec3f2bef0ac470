import ArgumentParser
import DepotAPI
import Foundation
import GS1

/// `depotctl scanners`.
struct ScannersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scanners", abstract: "Scanners and their sessions.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let reply = try await connection.call(OrgDepotScanner.ListScanners.self, .init())
        connection.output(reply) {
            var table = Table(
                "ID",
                "SOURCE",
                "NAME",
                "VID:PID",
                "BY-PATH",
                "LAYOUT",
                "GRABBED",
                "LAST-SCAN",
                "MODE",
                "LOCATION",
                "ORDER",
                "OPERATOR"
            )
            for s in reply.scanners {
                let grabbed = s.grabbed ? "yes" : (s.grabProblem.map { "no: \($0.cell)" } ?? "no")
                table.add(cells: [
                    s.id.cell, s.source.cell, s.name.cell, s.vendorProduct.cell, s.byPath.cell, s.layout.cell, grabbed,
                    s.lastScanAt.cell, s.mode.rawValue, s.location.cell, s.order.cell, s.operatorName.cell,
                ])
            }
            return table.text
        }
    }
}

/// `depotctl scanner assign`.
struct ScannerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scanner",
        abstract: "Set up a scanner's session.",
        subcommands: [Assign.self]
    )

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a scanner's mode, location, operator and order.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Scanner id (see depotctl scanners).", completion: Completions.scanners) var scanner: String
        @Option(help: "lookup, receive, putaway, move, pick or count.") var mode: OrgDepotScanner.Assign.Parameters.Mode
        @Option(
            help: "Location (receiving location, or where goods are taken from).",
            completion: Completions.locations
        ) var location: String?
        @Option(name: .customLong("operator"), help: "Who is scanning.") var operatorName: String?
        @Option(help: "Order to pick (pick mode).") var order: String?
        @Option(help: "Count session to count for (count mode).") var count: Int64?

        func run() async throws {
            let reply = try await connection.call(
                OrgDepotScanner.Assign.self,
                .init(
                    scanner: scanner,
                    mode: mode,
                    location: location,
                    operatorName: operatorName,
                    order: order,
                    count: count.map { Int($0) }
                )
            )
            connection.output(reply) {
                let s = reply.scanner
                return "scanner \(s.id.cell) mode \(s.mode.rawValue) location \(s.location.cell) "
                    + "operator \(s.operatorName.cell) order \(s.order.cell)"
            }
        }
    }
}

/// `depotctl scan SCANNER TEXT`.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Inject a scan as if it came from a scanner.",
        discussion:
            "In TEXT, <GS>, \\x1d or \\u001d stand for the GS1 separator (0x1D). Exit 1 when the scan is refused."
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Scanner id.", completion: Completions.scanners) var scanner: String
    @Argument(help: "Barcode text.") var text: String
    @Option(help: "Scan id; the same id is applied once.") var id: String?
    @Option(name: .customLong("aim"), help: "AIM symbology identifier, e.g. ]C1.") var symbologyIdentifier: String?

    func run() async throws {
        let reply = try await connection.call(
            OrgDepotScanner.Scan.self,
            .init(
                scanner: scanner,
                text: decodeSeparatorNotation(text),
                id: id,
                symbologyIdentifier: symbologyIdentifier
            )
        )
        connection.output(reply) { Render.feedback(reply.feedback) }
        if reply.feedback.level == .error {
            throw CLIFailure(code: CLIFailure.errorReply, message: "")
        }
    }
}

/// `depotctl monitor`.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Follow scan outcomes and device events as they happen (Ctrl-C to stop).",
        discussion: """
            When depotd goes away (a restart, an upgrade), monitor says so on standard error and \
            reconnects with back-off (0.5 s doubling to 10 s); events while it was away are not \
            shown (read them with `depotctl ledger`). --no-reconnect exits with status 3 instead. \
            Levels are coloured on a terminal unless NO_COLOR is set (no-color.org) or TERM is dumb.
            """
    )
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only this scanner.", completion: Completions.scanners) var scanner: String?
    @Option(help: "Stop after this many events (0: stop once subscribed).") var count: Int?
    @Flag(help: "Exit (status 3) when depotd goes away instead of reconnecting.") var noReconnect = false

    /// Longest pause between two reconnection attempts.
    static let maximumBackOff: Duration = .seconds(10)

    func run() async throws {
        var seen = 0
        var subscribed = false
        var backOff: Duration = .milliseconds(500)
        let colour = !connection.json && Render.coloursStandardOutput()
        while true {
            do {
                try await connection.follow(OrgDepotScanner.Monitor.self, .init(scanner: scanner)) { update in
                    if !subscribed {
                        subscribed = true
                        if backOff > .milliseconds(500) {
                            FileHandle.standardError.write(
                                Data("depotctl: reconnected to depotd at \(connection.socketPath)\n".utf8)
                            )
                        }
                        backOff = .milliseconds(500)
                    }
                    guard let event = update.event else { return count.map { seen < $0 } ?? true }
                    ConnectionOptions.emit(
                        connection.json
                            ? ConnectionOptions.jsonText(event, pretty: false)
                            : Render.event(event, colour: colour)
                    )
                    seen += 1
                    return count.map { seen < $0 } ?? true
                }
                if let count, seen >= count { return }
                // The stream ended without an error: depotd closed it (a graceful stop).
            } catch let failure as CLIFailure where failure.code == CLIFailure.unreachable {
                // Never reached depotd at all: nothing to reconnect to (exit 3, as every command).
                guard !noReconnect, subscribed || backOff > .milliseconds(500) else { throw failure }
            }
            if noReconnect {
                throw CLIFailure(
                    code: CLIFailure.unreachable,
                    message: "depotctl: lost depotd at \(connection.socketPath)"
                )
            }
            subscribed = false
            FileHandle.standardError.write(
                Data(
                    "depotctl: lost depotd at \(connection.socketPath); reconnecting in \(Render.seconds(backOff))\n"
                        .utf8
                )
            )
            try await Task.sleep(for: backOff)
            backOff = min(backOff * 2, Self.maximumBackOff)
        }
    }
}

extension Render {
    static func feedback(_ f: OrgDepotScanner.Feedback) -> String {
        var text = "\(f.level.rawValue.uppercased())  \(f.message.cell)"
        for alert in f.alerts { text += "\n  alert: \(alert.cell)" }
        if !f.movements.isEmpty { text += "\n  movements: " + f.movements.map(\.cell).joined(separator: ", ") }
        text += "\n  next: \(f.expectation.cell)"
        return text
    }

    /// One monitor line; with `colour`, the level in ANSI colour (ok green, warning yellow, error red).
    static func event(_ e: OrgDepotScanner.Event, colour: Bool = false) -> String {
        let head = "\(e.at.cell)  \(e.scanner.cell)  \(e.kind.cell)"
        if let f = e.feedback {
            var level = f.level.rawValue
            if colour {
                let code =
                    switch f.level {
                    case .ok: "32"
                    case .warning: "33"
                    case .error: "31"
                    }
                level = "\u{1B}[\(code)m\(level)\u{1B}[0m"
            }
            return head + "  \(level)  \"\(f.text.cell)\"  \(f.message.cell)  -> \(f.expectation.cell)"
        }
        return head + "  " + (e.message?.cell ?? "")
    }

    /// Whether standard output is a terminal that takes colours: a TTY, `NO_COLOR` unset or
    /// empty (no-color.org), and `TERM` not `dumb`.
    static func coloursStandardOutput(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard isatty(STDOUT_FILENO) == 1 else { return false }
        if let noColour = environment["NO_COLOR"], !noColour.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }

    /// "0.5 s", "10 s".
    static func seconds(_ duration: Duration) -> String {
        let (whole, atto) = duration.components
        let tenths = atto / 100_000_000_000_000_000
        return tenths == 0 ? "\(whole) s" : "\(whole).\(tenths) s"
    }
}

/// `depotctl replay FILE`.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay an evemu-record capture through depotd's scanner path, printing each scan's outcome.",
        discussion: """
            depotd reads FILE itself, and only from its replay directory (default replays/ beside its
            database; [replay] directory, depotd --replay-dir): FILE is a path relative to that
            directory, or an absolute path inside it. Exit 1 when a scan was refused or the file was.
            """
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "evemu-record file in depotd's replay directory.") var file: String
    @Option(help: "Scanner id the scans come from (default replay:<device name>).", completion: Completions.scanners)
    var scanner: String?
    @Option(help: "1 replays in real time, 0 (default) without pauses.") var speed: Double = 0

    func run() async throws {
        var errors = 0
        let parameters = OrgDepotScanner.Replay.Parameters(
            path: file,
            scanner: scanner,
            speed: speed
        )
        try await connection.follow(OrgDepotScanner.Replay.self, parameters) { update in
            if let feedback = update.feedback {
                if feedback.level == .error { errors += 1 }
                ConnectionOptions.emit(
                    connection.json
                        ? ConnectionOptions.jsonText(feedback, pretty: false)
                        : "\"\(feedback.text.cell)\"\n  "
                            + Render.feedback(feedback).replacingOccurrences(of: "\n", with: "\n  ")
                )
            }
            if let scans = update.scans, !connection.json {
                ConnectionOptions.emit("replayed \(scans.cell) scans, \(errors) refused")
            }
            return true
        }
        if errors > 0 { throw CLIFailure(code: CLIFailure.errorReply, message: "") }
    }
}

// The mode option is checked by the argument parser against the IDL's values.
extension OrgDepotScanner.Assign.Parameters.Mode: ExpressibleByArgument {}
