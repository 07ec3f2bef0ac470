// Listening Unix stream sockets: path checks, stale-socket detection, mode before bind (unix(7)).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Failures setting up the server's socket. Each names the path and says what to do.
public enum VarlinkServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path does not fit `sockaddr_un.sun_path` (unix(7): 108 bytes including the NUL).
    case socketPathTooLong(path: String, limit: Int)
    /// A server already answers on the path.
    case socketInUse(path: String)
    /// Something other than a socket exists at the path.
    case notASocket(path: String)
    /// A system call failed; `errno` is its error number.
    case systemCall(name: String, path: String, errno: Int32)

    /// A sentence naming the path and what to do about it.
    public var description: String {
        switch self {
        case .socketPathTooLong(let path, let limit):
            "socket path '\(path)' is \(path.utf8.count) bytes; Unix sockets allow at most \(limit): choose a shorter path"
        case .socketInUse(let path):
            "another server is already listening on socket '\(path)': stop it or choose another path"
        case .notASocket(let path):
            "'\(path)' exists and is not a socket: remove it or choose another path"
        case .systemCall(let name, let path, let errno):
            "\(name) failed for socket '\(path)': \(String(cString: strerror(errno))) (errno \(errno))"
        }
    }
}

/// The one way depot listens on a Unix stream socket path (unix(7)), used by ``VarlinkServer``
/// for ``VarlinkServer/Endpoint/unixPath(_:)`` and by depotd's control socket alike.
///
/// ``bind(path:mode:groupID:)`` checks the path fits `sun_path`, replaces a stale socket file
/// (nobody answers a connect: ECONNREFUSED) and refuses a live one, creates the socket under a
/// temporary name in the same directory, gives it its mode (and group) and listens, then
/// `rename(2)`s it over the path: a client never sees the socket with the wrong mode or group,
/// nor a socket that refuses connections.
public struct UnixListener: Sendable {
    /// Identity (device, inode) of the socket file we created, so we only ever remove our own.
    public struct FileIdentity: Equatable, Sendable {
        /// `st_dev` of the file.
        public var device: UInt64
        /// `st_ino` of the file.
        public var inode: UInt64
    }

    /// Longest path that fits `sun_path` with its terminating NUL (107 bytes on Linux).
    public static let maximumPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// The listening descriptor; whoever serves it owns it (``VarlinkServer`` closes it on exit).
    public let descriptor: CInt
    /// The socket file's path.
    public let path: String
    /// The socket file we created.
    public let identity: FileIdentity
    /// False when a group was asked for but the process may not give files to it (EPERM: not a
    /// member); the file then keeps the process's primary group.
    public let groupApplied: Bool
    /// True when a stale socket file (left by a crash; nobody answered) was replaced.
    public let replacedStale: Bool

    /// Binds and listens at `path` (see the type's documentation).
    ///
    /// - Parameters:
    ///   - path: at most ``maximumPathLength`` bytes; the temporary name `.NAME-PID.sock` beside it
    ///     must fit as well.
    ///   - mode: the socket file's mode (e.g. 0o660); `fchmod` before `bind` keeps it from ever
    ///     being wider, `chmod` after sets exactly this mode (Linux unix_bind applies the umask).
    ///   - groupID: the socket file's group, or nil for the process's primary group.
    ///   - backlog: `listen(2)` backlog.
    /// - Throws: ``VarlinkServerError``: `socketPathTooLong`, `socketInUse` (a live server answers),
    ///   `notASocket`, or `systemCall` naming the failing call.
    public static func bind(
        path: String,
        mode: mode_t,
        groupID: gid_t? = nil,
        backlog: CInt = 256
    )
        throws(VarlinkServerError) -> UnixListener
    {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let temporary = (directory.isEmpty ? "" : directory) + "/.\(name)-\(getpid()).sock"
        try UnixSocket.withAddress(path) { _, _ in }  // length check before touching anything
        guard temporary.utf8.count <= maximumPathLength else {
            // The path fits but its temporary sibling does not: the limit for this name is lower.
            throw .socketPathTooLong(path: path, limit: maximumPathLength - (temporary.utf8.count - path.utf8.count))
        }
        let replacedStale = try UnixSocket.clearStale(path: path)
        let fd = try UnixSocket.makeSocket(path: path)
        do throws(VarlinkServerError) {
            unlink(temporary)
            guard fchmod(fd, mode) == 0 else { throw .systemCall(name: "fchmod", path: path, errno: errno) }
            let bound = try UnixSocket.withAddress(temporary) { Glibc.bind(fd, $0, $1) }
            guard bound == 0 else { throw .systemCall(name: "bind", path: path, errno: errno) }
            do throws(VarlinkServerError) {
                var groupApplied = true
                if let groupID, chown(temporary, uid_t.max, groupID) != 0 {
                    guard errno == EPERM else { throw .systemCall(name: "chown", path: temporary, errno: errno) }
                    groupApplied = false
                }
                guard chmod(temporary, mode) == 0 else {
                    throw .systemCall(name: "chmod", path: temporary, errno: errno)
                }
                guard listen(fd, backlog) == 0 else { throw .systemCall(name: "listen", path: temporary, errno: errno) }
                guard rename(temporary, path) == 0 else { throw .systemCall(name: "rename", path: path, errno: errno) }
                var status = stat()
                guard lstat(path, &status) == 0 else { throw .systemCall(name: "lstat", path: path, errno: errno) }
                return UnixListener(
                    descriptor: fd,
                    path: path,
                    identity: FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino)),
                    groupApplied: groupApplied,
                    replacedStale: replacedStale
                )
            } catch {
                unlink(temporary)
                throw error
            }
        } catch {
            close(fd)
            throw error
        }
    }

    /// Removes the socket file only if it is still the one we created (a newer server may have
    /// replaced it). Does not close the descriptor.
    public func removeFile() {
        var status = stat()
        guard lstat(path, &status) == 0,
            FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino)) == identity
        else { return }
        unlink(path)
    }
}

/// Low-level helpers of ``UnixListener`` and the client: addresses, sockets, stale files.
enum UnixSocket {
    /// Longest path that fits `sun_path` with its terminating NUL.
    static let maximumPathLength = UnixListener.maximumPathLength

    static func withAddress<R>(
        _ path: String,
        _ body: (UnsafePointer<sockaddr>, socklen_t) -> R
    ) throws(VarlinkServerError) -> R {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumPathLength, !bytes.contains(0) else {
            throw .socketPathTooLong(path: path, limit: maximumPathLength)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    static func makeSocket(path: String) throws(VarlinkServerError) -> CInt {
        #if canImport(Darwin)
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #else
        let fd = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        #endif
        guard fd >= 0 else { throw .systemCall(name: "socket", path: path, errno: errno) }
        return fd
    }

    /// Removes a stale socket file (nobody answers a connect: ECONNREFUSED); refuses a live one.
    /// - Returns: whether a stale file was removed.
    @discardableResult
    static func clearStale(path: String) throws(VarlinkServerError) -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return false }
            throw .systemCall(name: "lstat", path: path, errno: errno)
        }
        guard status.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path: path) }
        let fd = try makeSocket(path: path)
        defer { close(fd) }
        var result: CInt = 0
        var savedErrno: Int32 = 0
        repeat {
            result = try withAddress(path) { connect(fd, $0, $1) }
            savedErrno = errno
        } while result != 0 && savedErrno == EINTR
        if result == 0 { throw .socketInUse(path: path) }
        guard savedErrno == ECONNREFUSED else { throw .systemCall(name: "connect", path: path, errno: savedErrno) }
        guard unlink(path) == 0 || errno == ENOENT else { throw .systemCall(name: "unlink", path: path, errno: errno) }
        return true
    }
}
