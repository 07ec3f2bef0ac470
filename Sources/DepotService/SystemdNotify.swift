// sd_notify(3) without libsystemd: one datagram per state change to $NOTIFY_SOCKET.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Tells the service manager about depotd's state (sd_notify(3)): `READY=1`, `STATUS=...`,
/// `RELOADING=1`, `STOPPING=1`, `WATCHDOG=1`. Each notification is one datagram on the Unix
/// socket named by `NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace). Without
/// `NOTIFY_SOCKET` every call does nothing. Failures to send are ignored, as sd_notify's callers do.
public struct SystemdNotifier: Sendable {
    /// The socket address text from `NOTIFY_SOCKET`; nil when not run by a service manager.
    public let socketPath: String?
    /// Half the watchdog timeout (`WATCHDOG_USEC`, for this process when `WATCHDOG_PID` is unset
    /// or ours): how often to send `WATCHDOG=1` (sd_watchdog_enabled(3)); nil when no watchdog.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let path = environment["NOTIFY_SOCKET"], path.hasPrefix("/") || path.hasPrefix("@") {
            socketPath = path
        } else {
            socketPath = nil
        }
        let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if pidMatches, let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends `state` (newline-separated `KEY=VALUE` assignments); returns whether it was sent.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let socketPath else { return false }
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        var address = sockaddr_un()
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        let fd = socket(AF_UNIX, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddr in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sockaddr, length) }
            }
        }
        return sent == bytes.count
    }
}
