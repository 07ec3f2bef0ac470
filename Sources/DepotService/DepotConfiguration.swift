import DepotAPI
import Foundation
import Logging
import ScannerInput

/// How one depotd runs: where its database and socket are, and which clock it uses.
public struct DepotConfiguration: Sendable {
    /// SQLite database file; its directory is created when missing.
    public var databasePath: String
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

    public init(databasePath: String, socketPath: String, now: Date? = nil,
                timeZone: TimeZone = .current, logLevel: Logger.Level = .info) {
        self.databasePath = databasePath
        self.socketPath = socketPath
        self.now = now
        self.timeZone = timeZone
        self.logLevel = logLevel
    }

    /// Defaults: for root the system service's paths (`/var/lib/depot/depot.sqlite`,
    /// `/run/depot/depotd.sock`); for other users `$XDG_STATE_HOME/depot/depot.sqlite`
    /// (default `~/.local/state`) and `$XDG_RUNTIME_DIR/depot/depotd.sock`
    /// (default `/tmp/depot-UID`). `DEPOT_SOCKET` overrides the socket.
    public static func defaults(environment: [String: String] = ProcessInfo.processInfo.environment) -> DepotConfiguration {
        let database: String
        if getuid() == 0 {
            database = "/var/lib/depot/depot.sqlite"
        } else if let state = environment["XDG_STATE_HOME"], !state.isEmpty {
            database = state + "/depot/depot.sqlite"
        } else {
            database = (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state/depot/depot.sqlite"
        }
        return DepotConfiguration(databasePath: database, socketPath: DepotAPI.defaultSocketPath(environment: environment))
    }
}
