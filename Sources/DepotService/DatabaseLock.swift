// One depotd per database: an flock(2) on `<database>.lock`, which holds the owner's pid.
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Why the database lock could not be taken. Each case names the database and says what to do.
public enum DatabaseLockError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another process (a depotd) holds `<database>.lock`; `pid` is the one written in the file,
    /// nil when it could not be read.
    case held(databasePath: String, pid: Int32?)
    /// A system call on the lock file failed.
    case systemCall(name: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case let .held(databasePath, pid):
            "another depotd is running on \(databasePath) (pid \(pid.map(String.init) ?? "unknown")): stop it, or give this one another --database"
        case let .systemCall(name, path, errno):
            "\(name) failed for '\(path)': \(String(cString: strerror(errno))) (errno \(errno))"
        }
    }
}

/// The lock that makes one depotd the only writer of a database file, whatever socket it serves.
///
/// ``acquire(databasePath:)`` opens `<database>.lock` (created mode 0644), takes
/// `flock(LOCK_EX | LOCK_NB)` and writes the process id into it. The kernel drops the lock when
/// the descriptor is closed or the process dies, so a crash leaves no live lock; the file itself
/// stays (removing it would let a third process lock a new inode while a second still holds the
/// old one). The lock is owned by this object: ``release()`` or deinit closes the descriptor.
public final class DatabaseLock: Sendable {
    /// Path of the lock file, `<database>.lock`.
    public let path: String
    private let descriptor: Mutex<CInt>

    private init(path: String, descriptor: CInt) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    /// Takes the lock of the database at `databasePath` (its directory must exist).
    /// - Throws: ``DatabaseLockError/held(databasePath:pid:)`` at once when another process holds
    ///   it; ``DatabaseLockError/systemCall(name:path:errno:)`` when the file cannot be opened or written.
    public static func acquire(databasePath: String) throws(DatabaseLockError) -> DatabaseLock {
        let path = databasePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .systemCall(name: "open", path: path, errno: errno) }
        var result: CInt
        repeat { result = flock(fd, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        guard result == 0 else {
            let error = errno
            defer { close(fd) }
            guard error == EWOULDBLOCK else { throw .systemCall(name: "flock", path: path, errno: error) }
            throw .held(databasePath: databasePath, pid: readPID(fd))
        }
        let text = Array("\(getpid())\n".utf8)
        let written = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == text.count, ftruncate(fd, off_t(text.count)) == 0 else {
            let error = errno
            close(fd)
            throw .systemCall(name: "write", path: path, errno: error)
        }
        return DatabaseLock(path: path, descriptor: fd)
    }

    /// The pid written in the lock file open at `fd`, nil when it holds none.
    private static func readPID(_ fd: CInt) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Releases the lock (closes the descriptor); later calls do nothing.
    public func release() {
        descriptor.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    deinit { release() }
}
