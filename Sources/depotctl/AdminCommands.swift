import ArgumentParser
import DepotAPI
import Foundation
import Varlink

extension ConnectionOptions {
    /// Calls `method` of org.depot.admin; errors as ``call(_:_:)``.
    func callAdmin(_ method: String, _ parameters: Parameters = Parameters()) async throws -> VarlinkValue {
        let connection = try await connect()
        defer { Task { await connection.close() } }
        do {
            return try await connection.call(DepotAPI.admin + "." + method, parameters.values).value()
        } catch let error as VarlinkError {
            throw CLIFailure(code: CLIFailure.errorReply, message: Self.describe(error))
        } catch {
            throw CLIFailure(code: CLIFailure.unreachable, message: "depotctl: lost depotd at \(socketPath): \(error)")
        }
    }
}

/// `depotctl reload` (admin): depotd re-reads its configuration file; a bad file changes nothing.
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Re-read depotd's configuration file (admin); a bad file keeps the running configuration.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let reply = try await connection.callAdmin("Reload")
        connection.output(reply) { reply["message"]?.cell ?? "configuration reloaded" }
    }
}

/// `depotctl backup PATH` (admin): a consistent online copy of the database, written by depotd.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database while depotd keeps working (admin).",
        discussion: """
            depotd writes the copy, so PATH is on depotd's machine and must be writable by it; it must
            not exist yet. A relative PATH is taken from the current directory. Restore: see
            docs/operations.md, "Backup and restore".
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The new backup file.") var path: String

    func run() async throws {
        var parameters = Parameters()
        parameters["path"] = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let reply = try await connection.callAdmin("Backup", parameters)
        connection.output(reply) { reply["message"]?.cell ?? "backed up" }
    }
}
