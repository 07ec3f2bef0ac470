// `depotd --restore FILE`: installs a backup as the database, offline, keeping the old one aside.
import Foundation
import Inventory
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Why a restore did not install the backup. Each case says what to do; nothing was changed.
public enum RestoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A depotd holds the database's lock (`<database>.lock`); `pid` is the one in the lock file.
    case daemonRunning(databasePath: String, pid: Int32?)
    /// The backup file does not exist or is no regular file.
    case backupMissing(path: String)
    /// The backup has a `-wal` file beside it that holds data: the file alone is not the whole backup.
    case backupHasWAL(path: String, walBytes: Int64)
    /// The backup could not be opened as a depot database (not SQLite, damaged, newer schema).
    case backupUnreadable(path: String, detail: String)
    /// The backup opened but failed verification (integrity, foreign keys, balances, ledger chain).
    case backupFailedVerify(path: String, problems: [String])
    /// A file operation failed; `path` is the file it was about.
    case fileOperation(name: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case let .daemonRunning(databasePath, pid):
            "depotd is running on \(databasePath) (pid \(pid.map(String.init) ?? "unknown")): stop it first (systemctl stop depotd.service depotd.socket), then restore; nothing was changed"
        case let .backupMissing(path):
            "the backup '\(path)' does not exist or is not a regular file; nothing was changed"
        case let .backupHasWAL(path, walBytes):
            "the backup '\(path)' has a '\(path)-wal' of \(walBytes) bytes beside it, so the file alone is not the whole backup: take a new one with depotctl backup; nothing was changed"
        case let .backupUnreadable(path, detail):
            "the backup '\(path)' is not a readable depot database (\(detail)); nothing was changed"
        case let .backupFailedVerify(path, problems):
            "the backup '\(path)' failed verification (\(problems.joined(separator: "; "))); nothing was changed"
        case let .fileOperation(name, path, errno):
            "\(name) failed for '\(path)': \(String(cString: strerror(errno))) (errno \(errno))"
        }
    }
}

/// What ``DatabaseRestore/restore(backup:into:logger:)`` did.
public struct RestoreResult: Sendable, Equatable {
    /// The backup that was installed.
    public var backupPath: String
    /// The database it now is.
    public var databasePath: String
    /// Movements in the installed ledger.
    public var movements: Int64
    /// The directory holding the replaced database with its `-wal` and `-shm` files, nil when
    /// there was no database before.
    public var replacedDirectory: String?
}

/// Installs a backup as the database of a stopped depot, in the order that can lose nothing:
///
/// 1. takes the database's lock (``DatabaseLock``): with a depotd running on it the restore is
///    refused at once, naming the daemon's pid (``RestoreError/daemonRunning(databasePath:pid:)``);
/// 2. copies the backup next to the database (`<database>.restoring`), opens the copy with the
///    engine (migrating it to the current schema) and verifies it as `depotctl verify` does
///    (`PRAGMA integrity_check`, foreign keys, balances against the ledger, the ledger's hash
///    chain); a backup that fails leaves everything as it was;
/// 3. moves the old database aside into `replaced-<UTC time>/` beside it, together with its
///    `-wal` and `-shm` files (a `-wal` may hold commits the main file lacks; nothing is deleted),
///    so `depotd --database replaced-.../depot.sqlite` opens it again;
/// 4. renames the verified copy into place (one `rename(2)` on the same file system, then an
///    fsync of the directory), with the old database's mode and owner when there was one.
public enum DatabaseRestore {
    /// Restores `backup` into `databasePath` (see ``DatabaseRestore``).
    /// - Parameters:
    ///   - backup: the backup file (as `depotctl backup` writes it); it is only read.
    ///   - databasePath: the database depotd serves; its directory is created when missing.
    /// - Throws: ``RestoreError`` (nothing changed unless the case is ``RestoreError/fileOperation(name:path:errno:)``
    ///   after the old database was moved aside, which names the file); ``DatabaseLockError``
    ///   when the lock file cannot be opened.
    ///   - ledgerKey: the ledger key the database is served with: a keyed backup verifies only
    ///     with the key it was written under; an unkeyed one is keyed with it (adoption) after its
    ///     plain chain verified. nil: plain chain only.
    public static func restore(
        backup: String,
        into databasePath: String,
        ledgerKey: LedgerKey? = nil,
        logger: Logger
    ) async throws -> RestoreResult {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: backup, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw RestoreError.backupMissing(path: backup)
        }
        let backupWAL = fileSize(backup + "-wal")
        if backupWAL > 0 { throw RestoreError.backupHasWAL(path: backup, walBytes: backupWAL) }
        let directory = (databasePath as NSString).deletingLastPathComponent
        if !directory.isEmpty { try files.createDirectory(atPath: directory, withIntermediateDirectories: true) }

        let lock: DatabaseLock
        do {
            lock = try DatabaseLock.acquire(databasePath: databasePath)
        } catch {
            if case let .held(path, pid) = error { throw RestoreError.daemonRunning(databasePath: path, pid: pid) }
            throw error
        }
        defer { lock.release() }

        // 2. A verified copy beside the database (same file system, so step 4 is one rename).
        let staging = databasePath + ".restoring"
        removeStaging(staging)  // a copy left by an interrupted restore: only ever a copy of a backup
        defer { removeStaging(staging) }
        try files.copyItem(atPath: backup, toPath: staging)
        let movements = try await verifiedCopy(staging, backup: backup, ledgerKey: ledgerKey, logger: logger)

        // 3. The old database aside, with its -wal and -shm.
        var replaced: String?
        var old = stat()
        let hadDatabase = stat(databasePath, &old) == 0
        if hadDatabase || files.fileExists(atPath: databasePath + "-wal") {
            let aside = try asideDirectory(in: directory.isEmpty ? "." : directory)
            let name = (databasePath as NSString).lastPathComponent
            for suffix in ["", "-wal", "-shm"] where files.fileExists(atPath: databasePath + suffix) {
                try rename(databasePath + suffix, to: aside + "/" + name + suffix)
            }
            replaced = aside
        }

        // 4. The copy into place.
        if hadDatabase {
            guard chmod(staging, old.st_mode & 0o7777) == 0 else {
                throw RestoreError.fileOperation(name: "chmod", path: staging, errno: errno)
            }
            guard chown(staging, old.st_uid, old.st_gid) == 0 else {
                throw RestoreError.fileOperation(name: "chown", path: staging, errno: errno)
            }
        }
        try rename(staging, to: databasePath)
        syncDirectory(directory.isEmpty ? "." : directory)
        logger.notice(
            "database restored",
            metadata: [
                "db.path": "\(databasePath)", "backup.path": "\(backup)", "backup.movements": "\(movements)",
                "db.replaced": "\(replaced ?? "none")",
            ]
        )
        return RestoreResult(
            backupPath: backup,
            databasePath: databasePath,
            movements: movements,
            replacedDirectory: replaced
        )
    }

    /// Opens the copy with the engine, verifies it, closes it (checkpointed into the file) and
    /// returns its ledger position.
    private static func verifiedCopy(
        _ staging: String,
        backup: String,
        ledgerKey: LedgerKey?,
        logger: Logger
    ) async throws -> Int64 {
        let store: InventoryStore
        do {
            store = try InventoryStore(
                path: staging,
                durability: .full,
                ledgerKey: ledgerKey,
                adoptUnkeyedLedger: true,
                logger: logger
            )
        } catch {
            throw RestoreError.backupUnreadable(path: backup, detail: "\(error)")
        }
        let report: VerifyReport
        let movements: Int64
        do {
            report = try await store.verify()
            movements = try await store.status().ledgerPosition
        } catch {
            try? store.close()
            throw RestoreError.backupUnreadable(path: backup, detail: "\(error)")
        }
        try store.close()
        guard report.ok else { throw RestoreError.backupFailedVerify(path: backup, problems: problems(report)) }
        // The close checkpointed everything into the copy; a -wal with data left would mean it did not.
        let wal = fileSize(staging + "-wal")
        guard wal == 0 else {
            throw RestoreError.backupUnreadable(
                path: backup,
                detail: "its copy kept \(wal) bytes in the WAL after closing"
            )
        }
        return movements
    }

    /// The verify report's findings as short phrases.
    static func problems(_ report: VerifyReport) -> [String] {
        var problems: [String] = []
        if report.integrity != ["ok"] {
            problems.append("integrity: \(report.integrity.prefix(3).joined(separator: ", "))")
        }
        if !report.foreignKeys.isEmpty { problems.append("\(report.foreignKeys.count) foreign-key problems") }
        if !report.mismatches.isEmpty { problems.append("\(report.mismatches.count) balances differ from the ledger") }
        if report.reservationMismatches > 0 {
            problems.append("\(report.reservationMismatches) reservation mismatches")
        }
        if let bad = report.chainFirstBadMovement { problems.append("ledger chain broken at movement \(bad)") }
        for mismatch in report.factMismatches.prefix(3) where mismatch.table != "movement" {
            problems.append(mismatch.message)
        }
        return problems
    }

    /// A new `replaced-<UTC yyyyMMdd'T'HHmmss'Z'>` directory in `directory` (`-2`, `-3`, ... when taken).
    private static func asideDirectory(in directory: String) throws -> String {
        var time = time_t(Date().timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        let stamp = String(
            format: "%04d%02d%02dT%02d%02d%02dZ",
            parts.tm_year + 1900,
            parts.tm_mon + 1,
            parts.tm_mday,
            parts.tm_hour,
            parts.tm_min,
            parts.tm_sec
        )
        var candidate = "\(directory)/replaced-\(stamp)"
        var suffix = 2
        while mkdir(candidate, 0o750) != 0 {
            guard errno == EEXIST else {
                throw RestoreError.fileOperation(name: "mkdir", path: candidate, errno: errno)
            }
            candidate = "\(directory)/replaced-\(stamp)-\(suffix)"
            suffix += 1
        }
        return candidate
    }

    private static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else {
            throw RestoreError.fileOperation(name: "rename", path: from, errno: errno)
        }
    }

    /// fsync(2) of a directory, so its renames survive a power cut (best effort).
    private static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Removes the staging copy and its -wal and -shm (copies of the backup only).
    private static func removeStaging(_ staging: String) {
        for suffix in ["", "-wal", "-shm"] { unlink(staging + suffix) }
    }

    /// Size of the file at `path` in bytes, 0 when it does not exist.
    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }
}
