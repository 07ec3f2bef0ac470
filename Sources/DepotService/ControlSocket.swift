// The control socket: a lock file against a second depotd, atomic creation with mode and group,
// or adoption of systemd's listening socket (sd_listen_fds(3)).
import Foundation
import Logging
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// Why the control socket could not be set up (binding itself fails with Varlink's
/// ``VarlinkServerError``). Each case says what to do.
public enum ControlSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another depotd holds the lock file next to the socket.
    case locked(lockPath: String)
    /// The lock file could not be opened or locked.
    case lockFailed(lockPath: String, errno: Int32)
    /// `LISTEN_FDS` named descriptors that are not exactly one listening Unix stream socket.
    case unusableListenFDs(count: Int)

    /// A sentence naming the path and what to do about it.
    public var description: String {
        switch self {
        case .locked(let lockPath):
            "another depotd is running (it holds the lock file '\(lockPath)'): stop it or choose another socket path"
        case .lockFailed(let lockPath, let errno):
            "cannot lock '\(lockPath)': \(String(cString: strerror(errno))) (errno \(errno))"
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
    public var path: String? { listener?.path }
    /// The socket we bound ourselves; nil for an adopted socket.
    let listener: UnixListener?
    /// The lock file's descriptor (held open for the process's life); -1 for an adopted socket.
    let lockDescriptor: CInt

    /// First descriptor systemd passes (sd-daemon.h `SD_LISTEN_FDS_START`).
    public static let listenFDsStart: CInt = 3

    /// The socket passed by systemd socket activation, or nil when none was passed.
    ///
    /// Follows sd_listen_fds(3): only when `LISTEN_PID` equals our pid; `LISTEN_FDS` descriptors
    /// start at 3; they are marked close-on-exec. `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES`
    /// are removed from the environment so children do not inherit them.
    /// - Throws: ``ControlSocketError/unusableListenFDs(count:)`` unless exactly one listening
    ///   Unix stream socket was passed.
    public static func adoptSystemdSocket(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ControlSocket? {
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
        var type: CInt = 0
        var listening: CInt = 0
        var family = sockaddr_storage()
        var length = socklen_t(MemoryLayout<CInt>.size)
        var familyLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let isStream = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == CInt(SOCK_STREAM.rawValue)
        length = socklen_t(MemoryLayout<CInt>.size)
        let isListening = getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 && listening != 0
        let isUnix =
            withUnsafeMutablePointer(to: &family) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &familyLength) }
            } == 0 && family.ss_family == sa_family_t(AF_UNIX)
        guard isStream, isListening, isUnix else { throw ControlSocketError.unusableListenFDs(count: count) }
        return ControlSocket(descriptor: fd, listener: nil, lockDescriptor: -1)
    }

    /// Locks, creates and listens on the socket at `path` (see the type's documentation); the
    /// socket itself is made by Varlink's ``UnixListener``, the one listener of the package.
    ///
    /// - Parameters:
    ///   - mode: the socket file's mode, e.g. 0o660.
    ///   - groupName: the socket file's group; when no such group exists, or the process may not
    ///     give files to it (EPERM), the primary group is kept and a warning is logged.
    /// - Throws: ``ControlSocketError`` for the lock, ``VarlinkServerError`` for the socket.
    public static func bind(path: String, mode: mode_t, groupName: String?, logger: Logger) throws -> ControlSocket {
        let lockPath = path + ".lock"
        guard path.utf8.count <= UnixListener.maximumPathLength else {
            throw VarlinkServerError.socketPathTooLong(path: path, limit: UnixListener.maximumPathLength)
        }
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw ControlSocketError.lockFailed(lockPath: lockPath, errno: errno) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            close(lock)
            throw error == EWOULDBLOCK
                ? ControlSocketError.locked(lockPath: lockPath)
                : ControlSocketError.lockFailed(lockPath: lockPath, errno: error)
        }
        do {
            var groupID: gid_t?
            if let groupName {
                groupID = Authorizer.groupID(named: groupName)
                if groupID == nil {
                    logger.warning(
                        "Socket group does not exist; keeping the primary group",
                        metadata: ["socket.group": "\(groupName)", "socket.path": "\(path)"]
                    )
                }
            }
            // The lock only covers depotds that bound their own socket; one started by socket
            // activation holds none, so UnixListener refuses a socket that still answers.
            let listener = try UnixListener.bind(path: path, mode: mode, groupID: groupID)
            if listener.replacedStale {
                logger.notice("Replacing stale control socket", metadata: ["socket.path": "\(path)"])
            }
            if !listener.groupApplied, let groupName {
                // EPERM: an unprivileged depotd not in that group (a developer's own daemon).
                logger.warning(
                    "Not a member of the socket group; keeping the primary group",
                    metadata: ["socket.group": "\(groupName)", "socket.path": "\(path)"]
                )
            }
            return ControlSocket(descriptor: listener.descriptor, listener: listener, lockDescriptor: lock)
        } catch {
            close(lock)
            throw error
        }
    }

    /// Removes the socket file if it is still the one we created; releases the lock.
    public func release() {
        listener?.removeFile()
        if lockDescriptor >= 0 { close(lockDescriptor) }
    }
}
