import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A reproducible I/O error on a real SQLite file, without root or a special file system.
///
/// ``breakWrites(of:)`` replaces every descriptor of this process open on `<database>-wal` with a
/// read-only descriptor of the same file (`dup2(2)`): reads still work, every `pwrite(2)` to the
/// WAL fails with `EBADF`, which SQLite's unix VFS reports as `SQLITE_IOERR_WRITE` (778). It works
/// only in-process (the store must be open in the test process); a read-only remount or a
/// device-mapper `error` target would need root and a block device.
public enum StorageFault {
    /// Makes the WAL of the database at `databasePath` unwritable for this process; returns how
    /// many descriptors were replaced (0 when the WAL is not open).
    /// - Throws: `POSIXError` when `/proc/self/fd` cannot be read or the WAL cannot be opened.
    @discardableResult
    public static func breakWrites(of databasePath: String) throws -> Int {
        let wal = (databasePath as NSString).resolvingSymlinksInPath + "-wal"
        let readOnly = open(wal, O_RDONLY | O_CLOEXEC)
        guard readOnly >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(readOnly) }
        var replaced = 0
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            guard let fd = Int32(entry), fd != readOnly,
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)"),
                target == wal
            else { continue }
            if dup2(readOnly, fd) == fd { replaced += 1 }
        }
        return replaced
    }
}
