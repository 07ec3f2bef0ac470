// Where `org.depot.scanner.Replay` may read captures from, and how a capture is opened there:
// only regular files beneath one directory, opened without following symbolic links out of it,
// bounded in size and line length, and never quoted back in an error.
import Foundation
import ScannerInput

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The directory the control socket's `Replay` reads evemu-record captures from (`[replay]
/// directory`, `depotd --replay-dir`; default the state directory's `replays/`, i.e. `replays/`
/// beside the database), with the bounds a capture must keep.
///
/// ``read(_:)`` resolves the requested path relative to ``path`` (an absolute path must lie
/// inside it), refuses `..` components, resolves symbolic links with `realpath(3)` and refuses a
/// result outside the directory, then opens the resolved path component by component beneath a
/// descriptor of the directory with `O_NOFOLLOW` (`openat(2)`), so a link swapped in after the
/// check is refused rather than followed. The opened file is checked with `fstat(2)` (a regular
/// file, at most ``maximumFileBytes``), read through the same descriptor, checked for UTF-8 and
/// ``maximumLineBytes`` per line, and parsed. No error carries any byte of the file: a refusal
/// names the path and the reason only (docs/operations.md, "Replays").
public struct ReplayDirectory: Sendable, Equatable {
    /// Absolute path of the directory.
    public var path: String
    /// Largest capture in bytes; default 64 MiB (`[replay] max_file_bytes`).
    public var maximumFileBytes: Int
    /// Longest line of a capture in bytes, without its newline; default 4096
    /// (`[replay] max_line_bytes`). evemu-record's longest lines (`B:` bitmaps) are under 100.
    public var maximumLineBytes: Int

    /// The default size cap, 64 MiB.
    public static let defaultMaximumFileBytes = 64 << 20
    /// The default line cap, 4096 bytes.
    public static let defaultMaximumLineBytes = 4096

    /// The default directory for a database at `databasePath`: `replays` beside it (under
    /// systemd `$STATE_DIRECTORY/replays`).
    public static func defaultPath(forDatabase databasePath: String) -> String {
        let directory = (databasePath as NSString).deletingLastPathComponent
        return (directory.isEmpty ? "." : directory) + "/replays"
    }

    /// Creates the policy; validates nothing (``read(_:)`` reports a missing directory).
    public init(
        path: String,
        maximumFileBytes: Int = ReplayDirectory.defaultMaximumFileBytes,
        maximumLineBytes: Int = ReplayDirectory.defaultMaximumLineBytes
    ) {
        self.path = path
        self.maximumFileBytes = maximumFileBytes
        self.maximumLineBytes = maximumLineBytes
    }

    /// Opens, checks and parses the capture at `requested` (relative to ``path``, or absolute inside it).
    /// - Returns: the resolved absolute path and the recording.
    /// - Throws: ``ReplayRefusal`` naming `requested` and the reason; it never holds file content.
    public func read(_ requested: String) throws(ReplayRefusal) -> (path: String, recording: EvemuRecording) {
        func refuse(_ reason: ReplayRefusal.Reason) -> ReplayRefusal { ReplayRefusal(path: requested, reason: reason) }
        guard !requested.isEmpty, !requested.utf8.contains(0), requested.utf8.count <= 4096 else {
            throw refuse(.invalidName)
        }
        // The directory itself may be reached through links the administrator set up.
        guard let directory = Self.realPath(path) else { throw refuse(.directoryMissing(path)) }
        var relative = requested
        if requested.hasPrefix("/") {
            let configured = (path as NSString).standardizingPath
            if let rest = Self.below(requested, configured) ?? Self.below(requested, directory) {
                relative = rest
            } else {
                throw refuse(.outside(path))
            }
        }
        let components = relative.split(separator: "/").filter { $0 != "." }
        if components.contains("..") { throw refuse(.parentComponent) }
        guard !components.isEmpty else { throw refuse(.notRegularFile) }
        // Policy: where does it lead, links resolved? Inside links are fine, outside ones are not.
        let joined = directory + "/" + components.joined(separator: "/")
        guard let resolved = Self.realPath(joined) else {
            throw refuse(errno == ENOENT || errno == ENOTDIR ? .notFound : .unreadable(errno: errno))
        }
        guard let inside = Self.below(resolved, directory), !inside.isEmpty else { throw refuse(.outside(path)) }
        // Safety: open what was checked, beneath the directory, following no link at all.
        let fd = try Self.openBeneath(directory, inside.split(separator: "/").map(String.init), requested)
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw refuse(.unreadable(errno: errno)) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw refuse(.notRegularFile) }
        guard Int(status.st_size) <= maximumFileBytes else {
            throw refuse(.tooLarge(bytes: Int(status.st_size), limit: maximumFileBytes))
        }
        let bytes = try Self.readAll(fd, limit: maximumFileBytes, requested)
        var line = 1
        var length = 0
        for byte in bytes {
            if byte == 0x0A {
                line += 1
                length = 0
            } else {
                length += 1
                if length > maximumLineBytes { throw refuse(.lineTooLong(line: line, limit: maximumLineBytes)) }
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw refuse(.notText) }
        do {
            return (resolved, try EvemuRecording(parsing: text))
        } catch {
            switch error {
            case .invalidLine(let number, _, let reason): throw refuse(.malformed(line: number, reason: reason))
            case .empty: throw refuse(.malformed(line: nil, reason: error.description))
            }
        }
    }

    /// `path` with `prefix` and the slash after it removed; nil when `path` is not `prefix` or below it.
    static func below(_ path: String, _ prefix: String) -> String? {
        let base = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        if path == base { return "" }
        guard path.hasPrefix(base + "/") else { return nil }
        return String(path.dropFirst(base.count + 1))
    }

    /// realpath(3); nil with `errno` set when it fails.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Opens `components` beneath `directory` with `O_NOFOLLOW` at every step (openat(2)); the
    /// last one read-only and non-blocking (a FIFO must not stall the call; fstat refuses it).
    static func openBeneath(
        _ directory: String,
        _ components: [String],
        _ requested: String
    ) throws(ReplayRefusal) -> CInt {
        func refuse(_ reason: ReplayRefusal.Reason) -> ReplayRefusal { ReplayRefusal(path: requested, reason: reason) }
        var current = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard current >= 0 else { throw refuse(.directoryMissing(directory)) }
        for (index, component) in components.enumerated() {
            let last = index == components.count - 1
            let flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (last ? O_NONBLOCK | O_NOCTTY : O_DIRECTORY)
            var next: CInt
            repeat { next = openat(current, component, flags) } while next < 0 && errno == EINTR
            let saved = errno
            close(current)
            guard next >= 0 else {
                // A link here was not one when realpath looked: someone changed the tree.
                if saved == ELOOP || (saved == ENOTDIR && !last) { throw refuse(.symbolicLink) }
                throw refuse(saved == ENOENT ? .notFound : .unreadable(errno: saved))
            }
            current = next
        }
        return current
    }

    /// Reads `fd` to its end, refusing more than `limit` bytes (the file may grow after fstat).
    static func readAll(_ fd: CInt, limit: Int, _ requested: String) throws(ReplayRefusal) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReplayRefusal(path: requested, reason: .unreadable(errno: errno))
            }
            if n == 0 { return bytes }
            guard bytes.count + n <= limit else {
                throw ReplayRefusal(path: requested, reason: .tooLarge(bytes: bytes.count + n, limit: limit))
            }
            bytes.append(contentsOf: chunk[..<n])
        }
    }
}

/// A capture ``ReplayDirectory/read(_:)`` would not replay: the path as asked and why, never
/// any of the file's content.
public struct ReplayRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why a capture is refused.
    public enum Reason: Sendable, Equatable {
        /// Empty, over 4096 bytes, or containing NUL.
        case invalidName
        /// The replay directory (its path) does not exist or cannot be opened.
        case directoryMissing(String)
        /// An absolute path, or a symbolic link, leading outside the replay directory (its path).
        case outside(String)
        /// A `..` component.
        case parentComponent
        /// No such file.
        case notFound
        /// A symbolic link appeared while the file was opened.
        case symbolicLink
        /// A directory, FIFO, device or socket.
        case notRegularFile
        /// Larger than the cap (`bytes` read or reported, `limit`).
        case tooLarge(bytes: Int, limit: Int)
        /// Line `line` (1-based) is longer than `limit` bytes.
        case lineTooLong(line: Int, limit: Int)
        /// Not UTF-8 text.
        case notText
        /// Not evemu-record text: the line number (nil: the whole file) and the parser's reason.
        case malformed(line: Int?, reason: String)
        /// The system refused to open or read it (`errno`).
        case unreadable(errno: Int32)
    }

    /// The path as the caller gave it.
    public var path: String
    /// Why it was refused.
    public var reason: Reason

    /// A phrase following "replay file PATH is refused: ".
    public var explanation: String {
        switch reason {
        case .invalidName: "a replay file name has 1 to 4096 bytes and no NUL"
        case .directoryMissing(let directory):
            "the replay directory \(directory) does not exist; create it or set [replay] directory"
        case .outside(let directory): "it is outside the replay directory \(directory); copy the capture there"
        case .parentComponent: "'..' is not allowed; name a file inside the replay directory"
        case .notFound: "there is no such file in the replay directory"
        case .symbolicLink: "a symbolic link changed while the file was opened"
        case .notRegularFile: "it is not a regular file"
        case .tooLarge(let bytes, let limit):
            "it has \(bytes) bytes or more; replays are at most \(limit) bytes ([replay] max_file_bytes)"
        case .lineTooLong(let line, let limit):
            "line \(line) is longer than \(limit) bytes ([replay] max_line_bytes)"
        case .notText: "it is not UTF-8 text, so not an evemu-record capture"
        case .malformed(let line?, let reason): "line \(line) is not evemu-record text: \(reason)"
        case .malformed(nil, let reason): reason
        case .unreadable(let code): "depotd cannot read it: \(String(cString: strerror(code)))"
        }
    }

    /// "replay file PATH is refused: REASON".
    public var description: String { "replay file \(path) is refused: \(explanation)" }
}
