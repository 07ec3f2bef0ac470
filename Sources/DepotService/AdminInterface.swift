import DepotAPI
import Foundation
import Inventory
import Logging
import Synchronization
import Varlink

/// The settings in force and the configuration file they came from; ``reload()`` re-reads it.
///
/// A reload validates the whole file first; a bad file changes nothing. A good one applies the
/// role groups, the log level (unless `--log-level` was given), the count and alert settings and
/// the scanner profiles at once, without touching connections. Paths, durability and the socket group apply
/// only at the next start; a reload that changes them says so.
public final class ConfigurationReloader: Sendable {
    /// The configuration file, nil when depotd runs without one.
    public let path: String?
    private let settings: Mutex<ConfigurationFile>
    private let authorizer: Authorizer
    private let levelControl: LogLevelControl?
    private let logger: Logger

    init(path: String?, settings: ConfigurationFile, authorizer: Authorizer, levelControl: LogLevelControl?, logger: Logger) {
        self.path = path
        self.settings = Mutex(settings)
        self.authorizer = authorizer
        self.levelControl = levelControl
        self.logger = logger
    }

    /// The settings in force (for counts, alerts and scanner profiles).
    public var current: ConfigurationFile { settings.withLock { $0 } }

    /// Re-reads the file and applies it; returns the settings that need a restart to apply.
    /// - Throws: ``ConfigurationFileError`` (nothing changed); ``VarlinkError`` `NoConfigurationFile`.
    public func reload() throws -> [String] {
        guard let path else {
            throw VarlinkError(name: DepotAPI.admin + ".NoConfigurationFile", parameters: [
                "message": .string("depotd was started without a configuration file (--config); there is nothing to reload"),
            ])
        }
        let new: ConfigurationFile
        do {
            new = try ConfigurationFile(contentsOf: path)
        } catch {
            logger.error("Configuration reload failed; keeping the running configuration",
                         metadata: ["config.path": "\(path)", "config.error": "\(error)"])
            throw error
        }
        let old = current
        var restart: [String] = []
        if new.databasePath != old.databasePath { restart.append("database.path") }
        if new.databaseDurability != old.databaseDurability { restart.append("database.durability") }
        if new.socketPath != old.socketPath { restart.append("socket.path") }
        if new.socketGroup != old.socketGroup { restart.append("socket.group") }
        authorizer.update(groups: new.roleGroups)
        if let level = new.logLevel, let levelControl { levelControl.current = level }
        settings.withLock { $0 = new }
        logger.notice("Configuration reloaded", metadata: [
            "config.path": "\(path)", "config.restart_required": "\(restart.joined(separator: ","))",
        ])
        return restart
    }
}

/// The handlers of `org.depot.admin` (Sources/DepotAPI/Interfaces/org.depot.admin.varlink).
struct AdminInterface: Sendable {
    let store: InventoryStore
    let reloader: ConfigurationReloader

    struct ReloadReply: Encodable, Sendable {
        var file: String
        var restartRequired: [String]
        var message: String
    }

    struct BackupParameters: Decodable, Sendable { var path: String }

    struct BackupReply: Encodable, Sendable {
        var path: String
        var bytes: Int64
        var movements: Int64
        var message: String
    }

    /// Every method is admin.
    func makeInterface() throws -> GuardedInterface {
        try GuardedInterface(description: DepotAPI.adminDescription, methods: [
            "Reload": (.admin, { [reloader] _, responder in
                let restart: [String]
                do {
                    restart = try reloader.reload()
                } catch let error as ConfigurationFileError {
                    throw VarlinkError(name: DepotAPI.admin + ".ConfigurationInvalid", parameters: [
                        "file": .string(error.file), "line": .int(Int64(error.line)), "key": .string(error.key),
                        "message": .string("\(error); the running configuration was kept"),
                    ])
                }
                let message = restart.isEmpty
                    ? "configuration reloaded"
                    : "configuration reloaded; \(restart.joined(separator: ", ")) apply at the next start"
                try await responder.reply(ReloadReply(file: reloader.path ?? "", restartRequired: restart, message: message))
            }),
            "Backup": (.admin, { [store] request, responder in
                let parameters = try Wire.decode(BackupParameters.self, from: request.parameters)
                let result: BackupResult
                do {
                    result = try await store.backup(to: parameters.path)
                } catch let error as InventoryError {
                    throw ErrorMapping.varlinkError(error)
                } catch {
                    throw VarlinkError(name: DepotAPI.admin + ".BackupFailed", parameters: [
                        "path": .string(parameters.path), "message": .string("the backup to \(parameters.path) failed: \(error)"),
                    ])
                }
                try await responder.reply(BackupReply(
                    path: result.path, bytes: result.bytes, movements: result.movements,
                    message: "backed up \(result.movements) movements (\(result.bytes) bytes) to \(result.path)"))
            }),
        ])
    }
}
