import DepotAPI
import Foundation
import Inventory
import Logging
import ScannerInput
import Varlink

/// How one depotd runs: where its database and socket are, and which clock it uses.
public struct DepotConfiguration: Sendable {
    /// SQLite database file; its directory is created when missing.
    public var databasePath: String
    /// When a commit is on disk before its reply (`[database] durability`); default ``Durability/full``.
    public var durability: Durability = .full
    /// The ledger key file (`[ledger] key`, `--ledger-key`); nil: ``Inventory/LedgerKey/defaultPath(databasePath:)``,
    /// `ledger.key` beside the database. depotd creates it (mode 0400) when it is missing and the
    /// database's ledger is not keyed; a keyed database's missing key file stops the start.
    public var ledgerKeyPath: String?
    /// Key a ledger that has movements but no keyed part (`--adopt-ledger`): needed once for a
    /// database from before the keyed ledger, whether its key file is new or not; without it such
    /// a ledger stops the start (``Inventory/LedgerKeyingError/unkeyedLedger(movements:)``).
    public var adoptUnkeyedLedger = false
    /// The writer's SQLite page cache in KiB (`[database] cache_kib`), at least 2,048 (``InventoryStore/init(path:durability:clock:checkpoints:writerCacheKiB:logger:)``);
    /// default ``InventoryStore/defaultWriterCacheKiB`` (64 MiB).
    public var writerCacheKiB: Int = InventoryStore.defaultWriterCacheKiB
    /// Unix socket path for the Varlink control interface; its directory is created when missing.
    public var socketPath: String
    /// A fixed "now" (UTC) for tests and demos; nil reads the system clock.
    public var now: Date?
    /// The time zone whose calendar decides "today" for allocation.
    public var timeZone: TimeZone
    /// Minimum log level.
    public var logLevel: Logger.Level
    /// Whether to discover and grab scanners under ``inputDirectory`` (evdev).
    public var scannerDiscovery: Bool = true
    /// Where input event nodes are, normally `/dev/input`.
    public var inputDirectory: String = "/dev/input"
    /// Scanner profiles (matches, layout, terminators, ...), first match wins; empty: the default profile.
    public var scannerProfiles: [ScannerProfile] = []
    /// An evemu-record file to replay through the scanner path at start-up.
    public var replayPath: String?
    /// Replay speed: 1 real time, 0 without pauses.
    public var replaySpeed: Double = 1
    /// The directory `org.depot.scanner.Replay` reads captures from (`[replay] directory`,
    /// `depotd --replay-dir`); nil: `replays` beside the database (``ReplayDirectory/defaultPath(forDatabase:)``).
    public var replayDirectory: String?
    /// Largest capture `Replay` reads, in bytes (`[replay] max_file_bytes`).
    public var replayMaximumFileBytes = ReplayDirectory.defaultMaximumFileBytes
    /// Longest line of a capture `Replay` reads, in bytes (`[replay] max_line_bytes`).
    public var replayMaximumLineBytes = ReplayDirectory.defaultMaximumLineBytes
    /// The replay directory policy in force: ``replayDirectory`` (or its default) with its caps.
    public var replays: ReplayDirectory {
        ReplayDirectory(
            path: replayDirectory ?? ReplayDirectory.defaultPath(forDatabase: databasePath),
            maximumFileBytes: replayMaximumFileBytes,
            maximumLineBytes: replayMaximumLineBytes
        )
    }
    /// The Unix groups that grant each role on the control socket.
    public var roleGroups = RoleGroups()
    /// Group of the control socket file (mode 0660); when it does not exist the primary group is
    /// kept and a warning is logged. nil: leave the group alone.
    public var socketGroup: String? = "depot"
    /// Limits of the control socket (`[varlink]`, docs/varlink.md "Limits").
    public var varlinkLimits = VarlinkServerLimits()
    /// The configuration file (`--config`), nil without one; `depotctl reload` and SIGHUP re-read it.
    public var configurationPath: String?
    /// The settings read from ``configurationPath`` (counts, alerts, scanner profiles included).
    public var settings = ConfigurationFile()

    /// Reads `file` into ``settings`` and applies its paths, durability, socket group, role groups,
    /// Varlink limits, replay directory and log level.
    public mutating func apply(_ file: ConfigurationFile, path: String) {
        configurationPath = path
        settings = file
        if let value = file.databasePath { databasePath = value }
        if let value = file.databaseDurability { durability = value }
        if let value = file.databaseCacheKiB { writerCacheKiB = value }
        if let value = file.socketPath { socketPath = value }
        if let value = file.ledgerKeyPath { ledgerKeyPath = value }
        if let value = file.socketGroup { socketGroup = value }
        roleGroups = file.roleGroups
        varlinkLimits = file.varlinkLimits
        if let value = file.replayDirectory { replayDirectory = value }
        if let value = file.replayMaximumFileBytes { replayMaximumFileBytes = value }
        if let value = file.replayMaximumLineBytes { replayMaximumLineBytes = value }
        if let value = file.logLevel { logLevel = value }
    }

    /// The ledger key file in force: ``ledgerKeyPath`` or `ledger.key` beside the database.
    public var resolvedLedgerKeyPath: String {
        ledgerKeyPath ?? LedgerKey.defaultPath(databasePath: databasePath)
    }

    /// Creates a configuration; `now` (UTC instant) fixes the clock, nil reads the system clock; other
    /// fields keep their defaults. Validates nothing and throws nothing.
    public init(
        databasePath: String,
        socketPath: String,
        now: Date? = nil,
        timeZone: TimeZone = .current,
        logLevel: Logger.Level = .info
    ) {
        self.databasePath = databasePath
        self.socketPath = socketPath
        self.now = now
        self.timeZone = timeZone
        self.logLevel = logLevel
    }

    /// Defaults: under systemd `$STATE_DIRECTORY/depot.sqlite` and `$RUNTIME_DIRECTORY/depotd.sock`
    /// (systemd.exec(5), StateDirectory= and RuntimeDirectory=); else for root the system
    /// service's paths (`/var/lib/depot/depot.sqlite`, `/run/depot/depotd.sock`); for other users
    /// `$XDG_STATE_HOME/depot/depot.sqlite` (default `~/.local/state`) and
    /// `$XDG_RUNTIME_DIR/depot/depotd.sock` (default `/tmp/depot-UID`). `DEPOT_SOCKET` overrides the socket.
    public static func defaults(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> DepotConfiguration {
        let database: String
        if let state = environment["STATE_DIRECTORY"]?.split(separator: ":").first, !state.isEmpty {
            database = state + "/depot.sqlite"
        } else if getuid() == 0 {
            database = "/var/lib/depot/depot.sqlite"
        } else if let state = environment["XDG_STATE_HOME"], !state.isEmpty {
            database = state + "/depot/depot.sqlite"
        } else {
            database = (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state/depot/depot.sqlite"
        }
        var socket = DepotAPI.defaultSocketPath(environment: environment)
        if environment["DEPOT_SOCKET"] == nil,
            let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first,
            !runtime.isEmpty
        {
            socket = runtime + "/depotd.sock"
        }
        return DepotConfiguration(databasePath: database, socketPath: socket)
    }
}
