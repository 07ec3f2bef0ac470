// The control socket: a lock file against a second depotd, atomic creation with mode and group,
// or adoption of systemd's listening socket (sd_listen_fds(3)).
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Why the control socket could not be set up. Each case names the path and says what to do.
public enum ControlSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another depotd holds the lock file next to the socket.
    case locked(lockPath: String)
    /// The socket path does not fit `sockaddr_un.sun_path` (unix(7)).
    case pathTooLong(path: String, limit: Int)
    /// A server (e.g. a socket-activated depotd started by systemd) answers on the path.
    case inUse(path: String)
    /// A system call failed.
    case systemCall(name: String, path: String, errno: Int32)
    /// `LISTEN_FDS` named descriptors that are not exactly one listening Unix stream socket.
    case unusableListenFDs(count: Int)

    public var description: String {
        switch self {
        case .locked(let lockPath):
            "another depotd is running (it holds the lock file '\(lockPath)'): stop it or choose another socket path"
        case .inUse(let path):
            "another server answers on '\(path)' (systemd's depotd.socket?): stop it or choose another socket path"
        case .pathTooLong(let path, let limit):
            "socket path '\(path)' is \(path.utf8.count) bytes; Unix sockets allow at most \(limit): choose a shorter path"
        case .systemCall(let name, let path, let errno):
            "\(name) failed for '\(path)': \(String(cString: strerror(errno))) (errno \(errno))"
        case .unusableListenFDs(let count):
            "systemd passed \(count) sockets (LISTEN_FDS); depotd needs exactly one listening Unix stream socket: check depotd.socket"
        }
    }
}

/// The listening control socket of one depotd, and the lock that makes it the only one.
///
/// ``bind(path:mode:groupName:logger:)`` takes `PATH.lock` with `flock(LOCK_EX|LOCK_NB)` (flock(2);
/// the kernel drops it when the process dies, so a crash leaves no live lock), then replaces a
/// stale socket file at `PATH` (one nobody answers on, left by a crash; a live one is refused), creates the
/// new socket under a temporary name in the same directory, sets its mode and group, listens, and
/// `rename(2)`s it over `PATH`: clients never see a socket with the wrong mode or group.
/// ``adoptSystemdSocket(environment:)`` takes the socket systemd passed instead (sd_listen_fds(3)).
public struct ControlSocket: Sendable {
    /// The listening descriptor; the Varlink server takes ownership.
    public let descriptor: CInt
    /// The socket file we created (removed at exit if still ours); nil for an adopted socket.
    public let path: String?
    /// The lock file's descriptor (held open for the process's life); -1 for an adopted socket.
    let lockDescriptor: CInt
    let identity: (device: UInt64, inode: UInt64)?

    /// First descriptor systemd passes (sd-daemon.h `SD_LISTEN_FDS_START`).
    public static let listenFDsStart: CInt = 3

    /// The socket passed by systemd socket activation, or nil when none was passed.
    ///
    /// Follows sd_listen_fds(3): only when `LISTEN_PID` equals our pid; `LISTEN_FDS` descriptors
    /// start at 3; they are marked close-on-exec. `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES`
    /// are removed from the environment so children do not inherit them.
    /// - Throws: ``ControlSocketError/unusableListenFDs(count:)`` unless exactly one listening
    ///   Unix stream socket was passed.
    public static func adoptSystemdSocket(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ControlSocket? {
        guard let pidText = environment["LISTEN_PID"], let pid = Int32(pidText), pid == getpid(),
              let countText = environment["LISTEN_FDS"], let count = Int(countText), count > 0
        else { return nil }
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
        for fd in listenFDsStart..<(listenFDsStart + CInt(count)) {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        guard count == 1 else { throw ControlSocketError.unusableListenFDs(count: count) }
        let fd = listenFDsStart
        var type: CInt = 0, listening: CInt = 0, family = sockaddr_storage()
        var length = socklen_t(MemoryLayout<CInt>.size)
        var familyLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let isStream = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == CInt(SOCK_STREAM.rawValue)
        length = socklen_t(MemoryLayout<CInt>.size)
        let isListening = getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 && listening != 0
        let isUnix = withUnsafeMutablePointer(to: &family) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &familyLength) }
        } == 0 && family.ss_family == sa_family_t(AF_UNIX)
        guard isStream, isListening, isUnix else { throw ControlSocketError.unusableListenFDs(count: count) }
        return ControlSocket(descriptor: fd, path: nil, lockDescriptor: -1, identity: nil)
    }

    /// Locks, creates and listens on the socket at `path` (see the type's documentation).
    ///
    /// - Parameters:
    ///   - mode: the socket file's mode, e.g. 0o660.
    ///   - groupName: the socket file's group; when no such group exists, or the process may not
    ///     give files to it (EPERM), the primary group is kept and a warning is logged.
    /// - Throws: ``ControlSocketError``.
    public static func bind(path: String, mode: mode_t, groupName: String?, logger: Logger) throws -> ControlSocket {
        let bytes = Array(path.utf8)
        let limit = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.depotd-\(getpid()).sock"
        guard !bytes.isEmpty, bytes.count <= limit, temporary.utf8.count <= limit else {
            throw ControlSocketError.pathTooLong(path: path, limit: limit)
        }
        let lockPath = path + ".lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw ControlSocketError.systemCall(name: "open", path: lockPath, errno: errno) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            close(lock)
            throw error == EWOULDBLOCK ? ControlSocketError.locked(lockPath: lockPath)
                : ControlSocketError.systemCall(name: "flock", path: lockPath, errno: error)
        }
        do {
            var status = stat()
            if lstat(path, &status) == 0 {
                // The lock only covers depotds that bound their own socket; one started by socket
                // activation holds none, so a socket that still answers is live.
                if Self.answers(path) { throw ControlSocketError.inUse(path: path) }
                logger.notice("Replacing stale control socket", metadata: ["socket.path": "\(path)"])
            }
            let fd = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw ControlSocketError.systemCall(name: "socket", path: path, errno: errno) }
            do {
                unlink(temporary)
                guard fchmod(fd, mode) == 0 else { throw ControlSocketError.systemCall(name: "fchmod", path: path, errno: errno) }
                var address = sockaddr_un()
                address.sun_family = sa_family_t(AF_UNIX)
                withUnsafeMutableBytes(of: &address.sun_path) { raw in
                    let name = Array(temporary.utf8)
                    raw.copyBytes(from: name)
                    raw[name.count] = 0
                }
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
                guard bound == 0 else { throw ControlSocketError.systemCall(name: "bind", path: temporary, errno: errno) }
                if let groupName {
                    if let gid = Authorizer.groupID(named: groupName) {
                        if chown(temporary, uid_t.max, gid) != 0 {
                            // EPERM: an unprivileged depotd not in that group (a developer's own daemon).
                            guard errno == EPERM else {
                                throw ControlSocketError.systemCall(name: "chown", path: temporary, errno: errno)
                            }
                            logger.warning("Not a member of the socket group; keeping the primary group",
                                           metadata: ["socket.group": "\(groupName)", "socket.path": "\(path)"])
                        }
                    } else {
                        logger.warning("Socket group does not exist; keeping the primary group",
                                       metadata: ["socket.group": "\(groupName)", "socket.path": "\(path)"])
                    }
                }
                guard chmod(temporary, mode) == 0 else { throw ControlSocketError.systemCall(name: "chmod", path: temporary, errno: errno) }
                guard listen(fd, 256) == 0 else { throw ControlSocketError.systemCall(name: "listen", path: temporary, errno: errno) }
                guard rename(temporary, path) == 0 else { throw ControlSocketError.systemCall(name: "rename", path: path, errno: errno) }
                guard lstat(path, &status) == 0 else { throw ControlSocketError.systemCall(name: "lstat", path: path, errno: errno) }
                return ControlSocket(descriptor: fd, path: path, lockDescriptor: lock,
                                     identity: (UInt64(status.st_dev), UInt64(status.st_ino)))
            } catch {
                unlink(temporary)
                close(fd)
                throw error
            }
        } catch {
            close(lock)
            throw error
        }
    }

    /// Whether a stream socket at `path` accepts a connection (a stale one refuses: ECONNREFUSED).
    static func answers(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        var result: CInt
        repeat {
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        } while result != 0 && errno == EINTR
        return result == 0
    }

    /// Removes the socket file if it is still the one we created; releases the lock.
    public func release() {
        if let path, let identity {
            var status = stat()
            if lstat(path, &status) == 0, UInt64(status.st_dev) == identity.device, UInt64(status.st_ino) == identity.inode {
                unlink(path)
            }
        }
        if lockDescriptor >= 0 { close(lockDescriptor) }
    }
}
