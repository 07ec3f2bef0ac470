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
              let reason = StorageFailureReason(primaryResultCode: error.resultCode.rawValue) else { return nil }
        return .storageFailure(reason: reason, code: error.extendedResultCode.rawValue,
                               detail: error.message ?? "SQLite error \(error.extendedResultCode.rawValue)")
    }
}
