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
/// the scanner profiles at once, without touching connections. Paths, durability, the socket group and the
/// replay directory and its caps apply
/// only at the next start; a reload that changes them says so.
public final class ConfigurationReloader: Sendable {
    /// The configuration file, nil when depotd runs without one.
    public let path: String?
    private let settings: Mutex<ConfigurationFile>
    private let authorizer: Authorizer
    private let levelControl: LogLevelControl?
    private let logger: Logger

    init(
        path: String?,
        settings: ConfigurationFile,
        authorizer: Authorizer,
        levelControl: LogLevelControl?,
        logger: Logger
    ) {
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
            throw VarlinkError(
                OrgDepotAdmin.NoConfigurationFile(
                    message: "depotd was started without a configuration file (--config); there is nothing to reload"
                )
            )
        }
        let new: ConfigurationFile
        do {
            new = try ConfigurationFile(contentsOf: path)
        } catch {
            logger.error(
                "Configuration reload failed; keeping the running configuration",
                metadata: ["config.path": "\(path)", "config.error": "\(error)"]
            )
            throw error
        }
        let old = current
        var restart: [String] = []
        if new.databasePath != old.databasePath { restart.append("database.path") }
        if new.databaseDurability != old.databaseDurability { restart.append("database.durability") }
        if new.ledgerKeyPath != old.ledgerKeyPath { restart.append("ledger.key") }
        if new.databaseCacheKiB != old.databaseCacheKiB { restart.append("database.cache_kib") }
        if new.socketPath != old.socketPath { restart.append("socket.path") }
        if new.socketGroup != old.socketGroup { restart.append("socket.group") }
        if new.replayDirectory != old.replayDirectory { restart.append("replay.directory") }
        if new.replayMaximumFileBytes != old.replayMaximumFileBytes { restart.append("replay.max_file_bytes") }
        if new.replayMaximumLineBytes != old.replayMaximumLineBytes { restart.append("replay.max_line_bytes") }
        authorizer.update(groups: new.roleGroups)
        if let level = new.logLevel, let levelControl { levelControl.current = level }
        settings.withLock { $0 = new }
        logger.notice(
            "Configuration reloaded",
            metadata: [
                "config.path": "\(path)", "config.restart_required": "\(restart.joined(separator: ","))",
            ]
        )
        return restart
    }
}

/// The handlers of `org.depot.admin` (Sources/DepotAPI/Interfaces/org.depot.admin.varlink).
struct AdminInterface: Sendable {
    let store: InventoryStore
    let reloader: ConfigurationReloader

    typealias API = OrgDepotAdmin

    /// Every method is admin.
    func makeInterface() throws -> GuardedInterface {
        try GuardedInterface(
            description: DepotAPI.adminDescription,
            [
                Wire.method(API.Reload.self, .admin) { [reloader] _, _ in
                    let restart: [String]
                    do {
                        restart = try reloader.reload()
                    } catch let error as ConfigurationFileError {
                        throw VarlinkError(
                            API.ConfigurationInvalid(
                                file: error.file,
                                line: error.line,
                                key: error.key,
                                message: "\(error); the running configuration was kept"
                            )
                        )
                    }
                    let message =
                        restart.isEmpty
                        ? "configuration reloaded"
                        : "configuration reloaded; \(restart.joined(separator: ", ")) apply at the next start"
                    return .init(file: reloader.path ?? "", restartRequired: restart, message: message)
                },
                Wire.method(API.SealLedger.self, .admin) { [store] _, _ in
                    let seal = try await store.seal()
                    return .init(
                        seal: seal.text,
                        movement: Int(seal.movement),
                        fact: Int(seal.fact),
                        at: Wire.sealInstant(seal.at),
                        message:
                            "sealed the ledger at movement \(seal.movement), fact \(seal.fact); keep this line outside the database"
                    )
                },
                Wire.method(API.Backup.self, .admin) { [store] p, _ in
                    let result: BackupResult
                    do {
                        result = try await store.backup(to: p.path)
                    } catch let error as InventoryError {
                        throw ErrorMapping.varlinkError(error)
                    } catch {
                        throw VarlinkError(
                            API.BackupFailed(path: p.path, message: "the backup to \(p.path) failed: \(error)")
                        )
                    }
                    return .init(
                        path: result.path,
                        bytes: Int(result.bytes),
                        movements: Int(result.movements),
                        message: "backed up \(result.movements) movements (\(result.bytes) bytes) to \(result.path)"
                    )
                },
            ]
        )
    }
}
