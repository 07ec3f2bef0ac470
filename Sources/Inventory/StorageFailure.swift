import Foundation
import GRDB

/// What kind of storage failure stopped an operation: SQLite result codes grouped by what a
/// supervisor does about them (sqlite.org/rescode.html).
public enum StorageFailureReason: String, Sendable, Equatable, CaseIterable, Codable {
    /// `SQLITE_FULL` (13): the file system holding the database is full.
    case diskFull
    /// `SQLITE_IOERR` (10, and its extended codes such as `SQLITE_IOERR_FSYNC`), `SQLITE_CANTOPEN`
    /// (14), `SQLITE_PROTOCOL` (15), `SQLITE_NOLFS` (22): the kernel refused a read, write or sync.
    case ioError
    /// `SQLITE_READONLY` (8), `SQLITE_PERM` (3): the database may not be written.
    case readOnly
    /// `SQLITE_CORRUPT` (11), `SQLITE_NOTADB` (26): the file is damaged.
    case corrupt

    /// The reason for a SQLite primary result code, nil when the code is no storage failure
    /// (a constraint, a misuse, ...).
    public init?(primaryResultCode code: Int32) {
        switch code {
        case 13: self = .diskFull
        case 10, 14, 15, 22: self = .ioError
        case 8, 3: self = .readOnly
        case 11, 26: self = .corrupt
        default: return nil
        }
    }

    /// What happened and what to do, for the person reading the error.
    var sentence: String {
        switch self {
        case .diskFull:
            "the disk holding the database is full: free space on its file system, then retry"
        case .ioError:
            "the database file could not be read or written (I/O error): check the disk and the kernel log (journalctl -k)"
        case .readOnly:
            "the database may not be written (read-only file or file system): check its permissions and mount"
        case .corrupt:
            "the database file is damaged: stop depotd and restore the last backup (docs/operations.md)"
        }
    }
}

extension InventoryError {
    /// The ``storageFailure(reason:code:detail:)`` for a SQLite error that is one, nil otherwise.
    public static func storageFailure(from error: any Error) -> InventoryError? {
        guard let error = error as? DatabaseError,
            let reason = StorageFailureReason(primaryResultCode: error.resultCode.rawValue)
        else { return nil }
        return .storageFailure(
            reason: reason,
            code: error.extendedResultCode.rawValue,
            detail: error.message ?? "SQLite error \(error.extendedResultCode.rawValue)"
        )
    }
}

/// Why the store stopped accepting writes: the first write that failed with an I/O error or
/// found the database damaged (``StorageFailureReason/ioError``, ``StorageFailureReason/corrupt``).
///
/// After such a failure SQLite's view of the file and the disk may disagree (a failed fsync can
/// drop dirty pages the process still sees), so the engine no longer builds on it: every later
/// write throws ``InventoryError/writesStopped(_:)`` without touching the database, reads go on,
/// and a restart of depotd (a fresh open of the file, after the disk was checked) resumes writing.
/// A full disk or a read-only file stops nothing: the operator frees space or fixes the mount and retries.
public struct WriteStop: Sendable, Equatable, Codable {
    /// The failure that stopped writes: ``StorageFailureReason/ioError`` or ``StorageFailureReason/corrupt``.
    public var reason: StorageFailureReason
    /// SQLite's extended result code of that failure (e.g. 778 `SQLITE_IOERR_WRITE`).
    public var code: Int32
    /// SQLite's message of that failure.
    public var detail: String
    /// When it happened (UTC, the store clock).
    public var since: Date

    /// Whether a failure of `reason` stops writes: I/O errors and damage do; a full disk or a
    /// read-only file does not.
    public static func stops(_ reason: StorageFailureReason) -> Bool { reason == .ioError || reason == .corrupt }

    /// What happened and what to do, for `depotctl status` and the refused writes.
    public var sentence: String {
        let what = reason == .corrupt ? "found the database damaged" : "failed with an I/O error"
        return
            "writes are stopped until depotd is restarted: a write \(what) (SQLite \(code): \(InventoryError.shown(detail))), so the database on disk may differ from what depotd holds; check the disk (journalctl -k), then restart depotd (systemctl restart depotd) or restore the last backup (docs/operations.md); reads still answer"
    }
}
