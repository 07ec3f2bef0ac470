#if canImport(Glibc)
import Glibc
#endif

/// A POSIX error number from a failed system or libevdev call. The one place where errno becomes a
/// Swift error: `Errno.call(_:)` for calls that return -1 and set errno, `Errno.negated(_:)` for
/// libevdev calls that return a negative errno; both retry EINTR (as swift-system's `Errno` adapters do).
public struct Errno: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The C errno value.
    public let rawValue: Int32
    /// Wraps a C errno value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `EPERM`: operation not permitted.
    public static let notPermitted = Errno(rawValue: EPERM)
    /// `ENOENT`: no such file (a node that vanished).
    public static let noSuchFile = Errno(rawValue: ENOENT)
    /// `EINTR`: interrupted by a signal (retried, never thrown by the adapters).
    public static let interrupted = Errno(rawValue: EINTR)
    /// `EAGAIN`: nothing to read now (non-blocking descriptor drained).
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// `EACCES`: permission denied (udev has not yet given the node its group).
    public static let permissionDenied = Errno(rawValue: EACCES)
    /// `EBUSY`: another process has grabbed the device (EVIOCGRAB).
    public static let busy = Errno(rawValue: EBUSY)
    /// `ENODEV`: the device was unplugged.
    public static let noDevice = Errno(rawValue: ENODEV)
    /// `EROFS`: read-only file system.
    public static let readOnlyFileSystem = Errno(rawValue: EROFS)
    /// `EINVAL`: invalid argument.
    public static let invalidArgument = Errno(rawValue: EINVAL)

    /// The current thread's errno.
    public static var current: Errno { Errno(rawValue: errno) }

    /// `strerror(3)` text with the symbolic name when known: "Device or resource busy (EBUSY)".
    public var description: String {
        let names: [Int32: String] = [
            EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EAGAIN: "EAGAIN",
            EACCES: "EACCES", EBUSY: "EBUSY", ENODEV: "ENODEV", EROFS: "EROFS",
            EINVAL: "EINVAL", EBADF: "EBADF", ENXIO: "ENXIO", ENOTTY: "ENOTTY",
        ]
        let text = String(cString: strerror(rawValue))
        return names[rawValue].map { "\(text) (\($0))" } ?? "\(text) (errno \(rawValue))"
    }

    /// Runs a call that returns -1 and sets errno on failure, retrying EINTR.
    /// - Returns: the call's non-negative result.
    /// - Throws: the call's errno.
    @discardableResult
    static func call(_ body: () -> Int32) throws(Errno) -> Int32 {
        while true {
            let r = body()
            if r != -1 { return r }
            let e = Errno.current
            if e != .interrupted { throw e }
        }
    }

    /// Runs a libevdev call that returns a negative errno on failure, retrying EINTR.
    /// - Returns: the call's non-negative result (e.g. LIBEVDEV_READ_STATUS_SYNC).
    /// - Throws: the negated result as `Errno`.
    @discardableResult
    static func negated(_ body: () -> Int32) throws(Errno) -> Int32 {
        while true {
            let r = body()
            if r >= 0 { return r }
            if -r != EINTR { throw Errno(rawValue: -r) }
        }
    }
}
