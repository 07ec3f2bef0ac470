import ArgumentParser
import DepotAPI
import Foundation
import Varlink

/// `depotctl`: the control CLI. One subcommand per operation; talks to depotd over Varlink
/// and never opens the database.
///
/// Exit codes: 0 ok, 1 the daemon answered with an error (or verify found a problem),
/// 2 usage error, 3 cannot reach the daemon.
@main
struct Depotctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depotctl",
        abstract: "Control depotd: items, locations, stock, picks, orders, ledger.",
        discussion: """
            Exit codes: 0 ok; 1 error reply from depotd; 2 usage error; 3 cannot reach depotd.
            --json and --socket may come before or after the subcommand.
            The socket is --socket, else $DEPOT_SOCKET, else /run/depot/depotd.sock for root,
            else $XDG_RUNTIME_DIR/depot/depotd.sock when it exists, else /run/depot/depotd.sock.
            """,
        version: DepotAPI.version,
        subcommands: [
            ItemCommand.self, CustomerCommand.self, LocationCommand.self, ReceiveCommand.self, MoveCommand.self,
            PickCommand.self,
            AdjustCommand.self, LotCommand.self, OrderCommand.self, StockCommand.self, LotsCommand.self,
            ExpiringCommand.self, LedgerCommand.self, TraceCommand.self, RecallCommand.self, StatusCommand.self,
            VerifyCommand.self,
            ScannersCommand.self, ScannerCommand.self, ScanCommand.self, MonitorCommand.self, ReplayCommand.self,
            BarcodeCommand.self, LabelCommand.self, ReportCommand.self,
            CountCommand.self,
            ImportCommand.self, ExportCommand.self, EPCISCommand.self,
            ReloadCommand.self, BackupCommand.self,
        ]
    )

    /// `--socket` and `--json` before the subcommand, declared here so that the generated shell
    /// completions read `depotctl --socket PATH pick ...` as `pick` with its arguments (PATH is the
    /// option's value, not a subcommand) and `--help` lists them. The argument parser decodes them
    /// once, wherever they stand, and hands the same ``ConnectionOptions`` to the subcommand's
    /// `@OptionGroup`, so every subcommand that takes `--socket` or `--json` declares them
    /// through ``ConnectionOptions`` (a flag of its own would never be set).
    @OptionGroup var connection: ConnectionOptions

    /// Runs only when no subcommand was given: the help, or a usage error after a global option.
    func run() async throws {
        guard connection.socket != nil || connection.json else { throw CleanExit.helpRequest(self) }
        throw ValidationError("give a subcommand after --json or --socket (depotctl --help lists them)")
    }

    static func main() async {
        do {
            var command = try await asyncParseAsRoot(Self.movingGlobalOptions(Array(CommandLine.arguments.dropFirst())))
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            if !failure.message.isEmpty { FileHandle.standardError.write(Data((failure.message + "\n").utf8)) }
            Foundation.exit(failure.code)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

extension Depotctl {
    /// Global options may come before the subcommand, as with systemctl or varlinkctl:
    /// `depotctl --json --socket S pick ...` is read as `depotctl pick ... --json --socket S`.
    /// Only `--json`, `--socket PATH` and `--socket=PATH` move; they go before a `--` terminator
    /// when there is one. With nothing after them the arguments are left as they are, so the
    /// parser reports the missing subcommand.
    static func movingGlobalOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if first == "--json" || first.hasPrefix("--socket=") {
                leading.append(first)
                rest = rest.dropFirst()
            } else if first == "--socket", rest.count >= 2 {
                leading += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else {
                break
            }
        }
        guard !leading.isEmpty, !rest.isEmpty else { return arguments }
        var moved = Array(rest)
        moved.insert(contentsOf: leading, at: moved.firstIndex(of: "--") ?? moved.endIndex)
        return moved
    }
}

/// A failure with depotctl's documented exit code.
struct CLIFailure: Error {
    var code: Int32
    var message: String
    static let errorReply: Int32 = 1
    static let unreachable: Int32 = 3
}

/// Options every daemon command takes; the commands that need no daemon (`label commands`,
/// `barcode parse`) take them too and ignore `--socket`.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Unix socket of depotd (default: $DEPOT_SOCKET or the standard path).")
    var socket: String?

    @Flag(name: .long, help: "Print the reply parameters as JSON.")
    var json = false

    var socketPath: String { socket ?? DepotAPI.clientSocketPath() }

    /// Calls `method` (a generated type of Sources/DepotAPI/Generated) and returns its typed reply.
    /// - Throws: ``CLIFailure`` with code 3 when depotd cannot be reached, 1 for an error reply.
    func call<M: VarlinkMethod>(_ method: M.Type, _ parameters: M.Parameters) async throws -> M.Reply {
        let connection = try await connect()
        defer { Task { await connection.close() } }
        do {
            return try await connection.call(M.self, parameters)
        } catch let error as VarlinkError {
            throw CLIFailure(code: CLIFailure.errorReply, message: Self.describe(error))
        } catch let error as CLIFailure {
            throw error
        } catch {
            throw CLIFailure(code: CLIFailure.unreachable, message: "depotctl: lost depotd at \(socketPath): \(error)")
        }
    }

    func connect() async throws -> VarlinkConnection {
        do {
            return try await VarlinkConnection.connect(unixPath: socketPath)
        } catch {
            throw CLIFailure(
                code: CLIFailure.unreachable,
                message: "depotctl: cannot reach depotd at \(socketPath): \(error)"
            )
        }
    }

    /// Calls a `more` method and hands each typed reply to `each` until the stream ends or `each`
    /// returns false.
    /// - Throws: ``CLIFailure`` with code 1 for an error reply, 3 when depotd goes away.
    func follow<M: VarlinkMethod>(
        _ method: M.Type,
        _ parameters: M.Parameters,
        _ each: (M.Reply) throws -> Bool
    ) async throws {
        let link = try await connect()
        do {
            for try await update in link.callMore(M.self, parameters) {
                if try !each(update) { break }
            }
        } catch let error as VarlinkError {
            throw CLIFailure(code: CLIFailure.errorReply, message: Self.describe(error))
        } catch let error as CLIFailure {
            throw error
        } catch {
            throw CLIFailure(code: CLIFailure.unreachable, message: "depotctl: lost depotd at \(socketPath): \(error)")
        }
        await link.close()
    }

    /// Writes one line to standard output at once (unbuffered, so a pipe sees it immediately).
    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Prints `reply` as JSON (sorted keys, pretty) when --json was given, else runs `table`.
    func output(_ reply: some Encodable, table: () -> String) {
        print(json ? Self.jsonText(reply) : table())
    }

    /// A reply as JSON text with sorted keys; `pretty` on several lines.
    static func jsonText(_ value: some Encodable, pretty: Bool = true) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
    }

    /// "error: <message> (<error name>)", with the parameters when there is no message.
    static func describe(_ error: VarlinkError) -> String {
        if error.name == OrgDepotInventory.ImportRejected.name,
            let rejected = try? error.decodeParameters(OrgDepotInventory.ImportRejected.self)
        {
            // Every problem on its own line (docs/csv.md, "Errors"), then the summary.
            return
                (rejected.problems.map { String.printable($0.message) }
                + ["error: \(String.printable(rejected.message)) (\(error.name))"])
                .joined(separator: "\n")
        }
        if error.name == VarlinkError.connectionRefusedName, case .string(let reason)? = error.parameters["reason"] {
            return "error: depotd refused the connection: \(String.printable(reason)) (\(error.name))"
        }
        if let message = try? error.decodeParameters(ErrorMessage.self) {
            // The message may quote a refused value: its controls and bidi characters escaped.
            return "error: \(String.printable(message.message)) (\(error.name))"
        }
        let parameters = VarlinkValue.object(error.parameters).jsonText(pretty: false)
        return "error: \(error.name) \(parameters)"
    }
}

/// The `message` every error of depot's interfaces carries (the IDL files' convention).
struct ErrorMessage: Decodable {
    var message: String
}
