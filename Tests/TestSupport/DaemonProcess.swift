import Foundation

/// A real `depotd` child process on a temporary database and socket, for end-to-end tests.
///
/// ``start(now:extraArguments:)`` launches the built binary and waits until the socket accepts
/// connections; ``stop()`` sends SIGTERM and waits; ``kill()`` sends SIGKILL.
public final class DaemonProcess: @unchecked Sendable {
    /// The temporary directory holding the database, socket and log (short path, see ``TemporaryDirectory``).
    public let directory: TemporaryDirectory
    /// Path of the daemon's SQLite database file (`depot.sqlite` in ``directory``).
    public let databasePath: String
    /// Path of the daemon's Varlink Unix socket (`depotd.sock` in ``directory``).
    public let socketPath: String
    /// Path of the daemon's ledger key file (`ledger.key` beside the database, created by depotd
    /// at its first start with mode 0400).
    public var ledgerKeyPath: String { directory.file("ledger.key") }
    /// Path of the file receiving the daemon's standard output and standard error (`depotd.log`).
    public let logPath: String
    private var process: ChildProcess?

    /// Prepares paths in a new temporary directory (nothing runs yet).
    public init() throws {
        directory = try TemporaryDirectory(prefix: "depot-e2e")
        databasePath = directory.file("depot.sqlite")
        socketPath = directory.file("depotd.sock")
        logPath = directory.file("depotd.log")
    }

    /// Starts depotd with `--now` fixed at `now` (ISO 8601) and waits up to `timeout` for its socket.
    /// - Throws: `DaemonError.notReady` with the daemon's log when it does not come up.
    public func start(
        now: String? = "2026-03-01T08:00:00Z",
        extraArguments: [String] = [],
        timeout: Duration = .seconds(30)
    ) throws {
        // Scanner discovery stays off: a test must never grab a developer's input devices.
        var arguments = ["--database", databasePath, "--socket", socketPath, "--time-zone", "UTC", "--no-scanners"]
        if let now { arguments += ["--now", now] }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = try ChildProcess(
            BuiltProducts.executable("depotd"),
            arguments + extraArguments,
            standardOutput: .file(logPath),
            standardError: .file(logPath)
        )
        self.process = process
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if Self.canConnect(socketPath) { return }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw DaemonError.notReady(log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    /// The daemon's default replay directory: `replays` beside the database (created by depotd).
    public var replayDirectory: String { directory.file("replays") }

    /// Copies the capture at `source` into ``replayDirectory`` (created when missing) and returns
    /// its name there, what `depotctl replay` takes.
    /// - Throws: `CocoaError` when the copy fails.
    @discardableResult
    public func addReplay(_ source: String, as name: String? = nil) throws -> String {
        let name = name ?? (source as NSString).lastPathComponent
        try FileManager.default.createDirectory(atPath: replayDirectory, withIntermediateDirectories: true)
        let target = replayDirectory + "/" + name
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: source, toPath: target)
        return name
    }

    /// Runs the built depotctl against this daemon (`DEPOT_SOCKET` set).
    public func ctl(_ arguments: String...) throws -> CommandResult {
        try ctl(arguments)
    }

    /// Runs the built depotctl against this daemon (`DEPOT_SOCKET` set).
    public func ctl(_ arguments: [String]) throws -> CommandResult {
        try Command.run(BuiltProducts.executable("depotctl"), arguments, environment: ["DEPOT_SOCKET": socketPath])
    }

    /// SIGTERM, then waits for exit; returns the exit status.
    @discardableResult
    public func stop() -> Int32 {
        guard let process, process.isRunning else { return process?.terminationStatus ?? 0 }
        process.terminate()
        return process.terminationStatus
    }

    /// SIGKILL (a crash), then waits.
    public func kill() {
        guard let process, process.isRunning else { return }
        process.terminate(SIGKILL)
        process.waitUntilExit()
    }

    /// The running daemon's process id; nil before ``start(now:extraArguments:timeout:)``.
    public var processIdentifier: Int32? { process?.processIdentifier }

    /// The daemon's combined stdout and stderr so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Copies another daemon's database file (and its key file, which a database needs) here.
    public func adopt(databaseAt database: String, keyAt key: String) throws {
        try FileManager.default.copyItem(atPath: database, toPath: databasePath)
        try FileManager.default.copyItem(atPath: key, toPath: ledgerKeyPath)
        _ = chmod(ledgerKeyPath, 0o400)
    }

    /// Stops the daemon if running and removes the directory.
    public func cleanUp() {
        stop()
        directory.remove()
    }

    /// Whether a Unix stream socket at `path` accepts a connection.
    public static func canConnect(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}

/// Why a daemon could not be used.
public enum DaemonError: Error, CustomStringConvertible {
    /// depotd exited, or did not accept connections on its socket within the timeout; `log` is the daemon's
    /// log (stdout and stderr) so far.
    case notReady(log: String)
    public var description: String {
        switch self {
        case let .notReady(log): return "depotd did not start listening; its log:\n\(log)"
        }
    }
}
