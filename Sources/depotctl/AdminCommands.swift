import ArgumentParser
import DepotAPI
import Foundation

/// `depotctl reload` (admin): depotd re-reads its configuration file; a bad file changes nothing.
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Re-read depotd's configuration file (admin); a bad file keeps the running configuration."
    )
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let reply = try await connection.call(OrgDepotAdmin.Reload.self, .init())
        connection.output(reply) { reply.message.cell }
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
            """
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The new backup file.") var path: String

    func run() async throws {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let reply = try await connection.call(OrgDepotAdmin.Backup.self, .init(path: absolute))
        connection.output(reply) { reply.message.cell }
    }
}
