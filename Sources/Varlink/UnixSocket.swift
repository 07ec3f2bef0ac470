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

enum UnixSocket {
    /// Longest path that fits `sun_path` with its terminating NUL.
    static let maximumPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Identity of the socket file we created, so we only ever remove our own.
    struct FileIdentity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
    }

    static func withAddress<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) throws(VarlinkServerError) -> R {
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
    static func clearStale(path: String) throws(VarlinkServerError) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return }
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
    }

    /// Creates a socket bound at `path` with file mode `mode`, never wider at any moment:
    /// `fchmod` before `bind` gives the file `mode & ~umask` (Linux unix_bind), `chmod` after sets exactly `mode`.
    /// The caller owns the returned descriptor.
    static func bindListening(path: String, mode: mode_t) throws(VarlinkServerError) -> (fd: CInt, identity: FileIdentity) {
        try withAddress(path) { _, _ in }  // length check before touching anything
        try clearStale(path: path)
        let fd = try makeSocket(path: path)
        do throws(VarlinkServerError) {
            guard fchmod(fd, mode) == 0 else { throw VarlinkServerError.systemCall(name: "fchmod", path: path, errno: errno) }
            let bound = try withAddress(path) { bind(fd, $0, $1) }
            guard bound == 0 else {
                let error = errno
                throw error == EADDRINUSE
                    ? VarlinkServerError.socketInUse(path: path)
                    : VarlinkServerError.systemCall(name: "bind", path: path, errno: error)
            }
            guard chmod(path, mode) == 0 else { throw VarlinkServerError.systemCall(name: "chmod", path: path, errno: errno) }
            var status = stat()
            guard lstat(path, &status) == 0 else { throw VarlinkServerError.systemCall(name: "lstat", path: path, errno: errno) }
            return (fd, FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino)))
        } catch {
            close(fd)
            throw error
        }
    }

    /// Removes the socket file only if it is still the one we created.
    static func removeIfOwned(path: String, identity: FileIdentity) {
        var status = stat()
        guard lstat(path, &status) == 0,
            FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino)) == identity
        else { return }
        unlink(path)
    }
}
