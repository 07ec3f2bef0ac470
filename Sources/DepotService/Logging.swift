// swift-log to standard error, with syslog priority prefixes when standard error is the journal.
import Foundation
import Inventory
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The minimum log level of every ``DepotLogHandler``, changeable at run time (configuration reload).
public final class LogLevelControl: Sendable {
    private let level: Mutex<Logger.Level>
    /// Creates the control at `level`.
    public init(_ level: Logger.Level) { self.level = Mutex(level) }
    /// The level in force.
    public var current: Logger.Level {
        get { level.withLock { $0 } }
        set { level.withLock { $0 = newValue } }
    }
}

/// depotd's log handler: one line per message on standard error,
/// `LEVEL LABEL: MESSAGE key=value ...` with metadata keys sorted (dotted keys such as
/// `socket.path`, `peer.uid`).
///
/// When standard error is connected to the journal (``isJournalStream(environment:)``), each line
/// starts with its syslog priority in angle brackets, e.g. `<3>` for error, and carries no
/// timestamp (journald adds its own) (sd-daemon(3), systemd.exec(5) `JOURNAL_STREAM`); otherwise
/// it starts with an ISO 8601 UTC timestamp.
public struct DepotLogHandler: LogHandler {
    /// Metadata added to every message of this handler (swift-log `LogHandler`); a message's own metadata
    /// wins on equal keys.
    public var metadata: Logger.Metadata = [:]
    let label: String
    let control: LogLevelControl
    let journal: Bool

    /// Creates a handler writing to standard error.
    public init(label: String, control: LogLevelControl, journal: Bool) {
        self.label = label
        self.control = control
        self.journal = journal
    }

    /// The shared level; setting it changes every handler using the same control.
    public var logLevel: Logger.Level {
        get { control.current }
        set { control.current = newValue }
    }

    /// One metadata value of this handler by key; nil when unset (swift-log `LogHandler`).
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The syslog priority of `level` (syslog(3): 2 critical, 3 error, 4 warning, 5 notice,
    /// 6 info, 7 debug; trace is logged as debug).
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Whether standard error is the journal: `JOURNAL_STREAM` is `DEVICE:INODE` and matches
    /// `fstat(2)` of descriptor 2 (systemd.exec(5)).
    public static func isJournalStream(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(2, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// The most unicode scalars of one message or metadata value in a line: 2,048 (then "…").
    public static let maximumValueLength = 2048

    /// `text` as a log line carries it: control, format and default-ignorable characters and the
    /// line separators written as `\u{...}` (``InventoryError/isEscaped(_:)``), so nothing a peer
    /// sends (a JSON key, a method name, a code) can start a line of its own, forge an audit
    /// line, move the terminal's cursor or reorder the line; cut after ``maximumValueLength``
    /// scalars.
    public static func clean(_ text: String) -> String {
        guard
            text.unicodeScalars.contains(where: InventoryError.isEscaped)
                || text.unicodeScalars.count > maximumValueLength
        else { return text }
        return InventoryError.shown(text, limit: maximumValueLength)
    }

    /// Writes one line for `event` to standard error (write(2), retried on EINTR; other errors drop the
    /// line). Throws nothing.
    public func log(event: LogEvent) {
        var line = journal ? "<\(Self.priority(event.level))>" : Date().formatted(.iso8601) + " "
        line += "\(event.level) \(label): \(Self.clean("\(event.message)"))"
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        for key in all.keys.sorted() { line += " \(Self.clean(key))=\(Self.clean("\(all[key]!)"))" }
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(2, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }
}
