import ArgumentParser
import DepotAPI
import DepotService
import Foundation
import Inventory
import Logging
import ServiceLifecycle

/// `depotd`: the depot daemon. Parses options, bootstraps logging, runs the application in a
/// ServiceGroup that shuts down gracefully on SIGTERM and SIGINT.
@main
struct Depotd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depotd",
        abstract: "The depot warehouse daemon: inventory engine and Varlink control socket.",
        discussion: """
            Defaults: as root /var/lib/depot/depot.sqlite and /run/depot/depotd.sock; otherwise
            $XDG_STATE_HOME/depot/depot.sqlite (~/.local/state) and $XDG_RUNTIME_DIR/depot/depotd.sock
            (/tmp/depot-UID without XDG_RUNTIME_DIR). DEPOT_SOCKET overrides the socket path.
            """,
        version: DepotAPI.version
    )

    @Option(name: .long, help: "SQLite database file (created and migrated on first start).")
    var database: String?

    @Option(name: .long, help: "Unix socket path of the Varlink control interface.")
    var socket: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Fix the clock at this ISO 8601 instant, e.g. 2026-03-01T08:00:00Z (for tests and demos).",
            valueName: "instant"
        )
    )
    var now: String?

    @Option(name: .customLong("time-zone"), help: "Time zone whose calendar decides \"today\" (default: the system's).")
    var timeZone: String?

    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error or critical (default: the configuration's, else info)."
    )
    var logLevel: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Configuration file (TOML; default \(ConfigurationFile.defaultPath) when it exists). Options given here win.",
            valueName: "path"
        )
    )
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Install this backup as the database, then exit (depotd must be stopped; the old database is moved to replaced-<time>/ beside it). See docs/operations.md.",
            valueName: "backup"
        )
    )
    var restore: String?

    @Option(
        name: .customLong("ledger-key"),
        help: ArgumentHelp(
            "The ledger key file (default: [ledger] key, else ledger.key beside the database); created with mode 0400 when missing for a database that is not keyed.",
            valueName: "path"
        )
    )
    var ledgerKey: String?

    @Flag(
        name: .customLong("init-key"),
        help:
            "Create the ledger key file (mode 0400) if it does not exist and the database is not keyed, print its id, then exit."
    )
    var initKey = false

    @Flag(
        name: .customLong("adopt-ledger"),
        help:
            "Key a ledger that has movements but no keyed part: once, after an upgrade from a depotd without a keyed ledger (check it with the old verify first); see docs/operations.md."
    )
    var adoptLedger = false

    @Flag(
        name: .customLong("check-config"),
        help: "Only validate the configuration file, then exit (0 valid, 78 invalid)."
    )
    var checkConfig = false

    @Flag(name: .customLong("no-scanners"), help: "Do not discover or grab scanners (evdev).")
    var noScanners = false

    @Option(name: .customLong("input-dir"), help: "Directory of input event nodes.")
    var inputDirectory: String = "/dev/input"

    @Option(help: ArgumentHelp("Replay an evemu-record file through the scanner path at start-up.", valueName: "file"))
    var replay: String?

    @Option(name: .customLong("replay-speed"), help: "Replay speed: 1 real time (default), 0 without pauses.")
    var replaySpeed: Double = 1

    @Option(
        name: .customLong("replay-dir"),
        help: ArgumentHelp(
            "Directory depotctl replay reads captures from (default: replays/ beside the database; [replay] directory).",
            valueName: "dir"
        )
    )
    var replayDirectory: String?

    func run() async throws {
        var configuration = DepotConfiguration.defaults()
        let configPath =
            config
            ?? (FileManager.default.fileExists(atPath: ConfigurationFile.defaultPath)
                ? ConfigurationFile.defaultPath : nil)
        if let configPath {
            do {
                configuration.apply(try ConfigurationFile(contentsOf: configPath), path: configPath)
            } catch {
                FileHandle.standardError.write(Data("depotd: \(error); not starting\n".utf8))
                throw ExitCode(78)  // EX_CONFIG (sysexits.h)
            }
        }
        if checkConfig {
            print("depotd: \(configPath ?? "no configuration file"): ok")
            return
        }
        if let database { configuration.databasePath = database }
        if let ledgerKey { configuration.ledgerKeyPath = ledgerKey }
        configuration.adoptUnkeyedLedger = adoptLedger
        if initKey {
            try Self.runInitKey(path: configuration.resolvedLedgerKeyPath, databasePath: configuration.databasePath)
            return
        }
        if let restore {
            try await Self.runRestore(
                backup: restore,
                into: configuration.databasePath,
                keyPath: configuration.resolvedLedgerKeyPath
            )
            return
        }
        if let socket { configuration.socketPath = socket }
        if let now {
            guard let instant = DepotAPI.parseInstant(now) else {
                throw ValidationError("--now \"\(now)\" is not an ISO 8601 instant such as 2026-03-01T08:00:00Z")
            }
            configuration.now = instant
        }
        if let timeZone {
            guard let zone = TimeZone(identifier: timeZone) else {
                throw ValidationError("--time-zone \"\(timeZone)\" is not a known time zone identifier")
            }
            configuration.timeZone = zone
        }
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel) else {
                throw ValidationError(
                    "--log-level \"\(logLevel)\" is not one of trace, debug, info, notice, warning, error, critical"
                )
            }
            configuration.logLevel = level
        }
        configuration.scannerDiscovery = !noScanners
        configuration.inputDirectory = inputDirectory
        configuration.replayPath = replay
        if let replayDirectory {
            guard replayDirectory.hasPrefix("/") else {
                throw ValidationError("--replay-dir \"\(replayDirectory)\" must be an absolute path")
            }
            configuration.replayDirectory = replayDirectory
        }
        guard replaySpeed >= 0, replaySpeed <= 1000 else {
            throw ValidationError("--replay-speed \(replaySpeed) must be between 0 and 1000")
        }
        configuration.replaySpeed = replaySpeed
        let control = LogLevelControl(configuration.logLevel)
        let journal = DepotLogHandler.isJournalStream()
        // The audit log (who changed what) stays at notice whatever the configured level.
        let audit = LogLevelControl(.notice)
        LoggingSystem.bootstrap { label in
            DepotLogHandler(label: label, control: label == Authorizer.auditLabel ? audit : control, journal: journal)
        }
        let logger = Logger(label: "depotd")
        // --log-level pins the level: a reload does not change it.
        let application = try DepotApplication.build(
            configuration: configuration,
            logger: logger,
            levelControl: logLevel == nil ? control : nil
        )
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: application)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }

    /// `--init-key`: creates the ledger key file when missing (its directory too) and the database
    /// is not keyed, prints its path and id; exit 1 with the sentence on standard error when the
    /// file is unusable or missing for a keyed database.
    static func runInitKey(path: String, databasePath: String) throws {
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            let (key, created) = try LedgerKey.forDatabase(at: databasePath, path: path)
            print("depotd: ledger key \(path) (id \(key.id)) \(created ? "created" : "exists")")
        } catch {
            FileHandle.standardError.write(Data("depotd: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// `--restore`: installs the backup offline (``DatabaseRestore``), prints what it did; exit 1
    /// with the sentence on standard error when it refused (nothing changed).
    static func runRestore(backup: String, into databasePath: String, keyPath: String) async throws {
        LoggingSystem.bootstrap { label in
            DepotLogHandler(label: label, control: LogLevelControl(.warning), journal: false)
        }
        do {
            let result = try await DatabaseRestore.restore(
                backup: backup,
                into: databasePath,
                // The backup's own key: a keyed backup verifies only with it; for an unkeyed
                // backup a missing key file is created (the restored ledger is keyed from there).
                ledgerKey: try LedgerKey.forDatabase(at: backup, path: keyPath).key,
                logger: Logger(label: "depotd.restore")
            )
            print(
                "depotd: restored \(result.backupPath) (\(result.movements) movements, verify ok) into \(result.databasePath)"
            )
            if let replaced = result.replacedDirectory {
                print("depotd: the replaced database and its -wal/-shm files are in \(replaced)")
            }
        } catch {
            FileHandle.standardError.write(Data("depotd: restore refused: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
