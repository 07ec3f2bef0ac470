import Foundation
import GRDB

/// What ``InventoryStore/backup(to:)`` wrote.
public struct BackupResult: Sendable, Equatable {
    /// The copy's path.
    public var path: String
    /// Its size in bytes.
    public var bytes: Int64
    /// Movements in the copy's ledger (the ledger position at the moment of the copy).
    public var movements: Int64
}

extension InventoryStore {
    /// Writes a consistent copy of the database to `path` while reads and writes continue, with
    /// SQLite's online backup API (sqlite.org/backup.html, through GRDB's `backup(to:)`): the copy
    /// is one committed state of the database, taken from a read snapshot. The copy is then
    /// opened and checked with `PRAGMA integrity_check`.
    ///
    /// - Parameter path: absolute path of a file that must not exist yet; its directory must.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` for a relative or existing
    ///   path or one whose directory does not exist; GRDB's `DatabaseError` when the copy fails (the partial file is removed).
    public func backup(to path: String) async throws -> BackupResult {
        guard path.hasPrefix("/") else {
            throw InventoryError.invalidValue(field: "path", value: path, reason: "the backup path must be absolute")
        }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw InventoryError.invalidValue(field: "path", value: path, reason: "the file exists; choose a new name")
        }
        let directory = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InventoryError.invalidValue(
                field: "path",
                value: path,
                reason: "the directory \(directory) does not exist (depotd creates no directories for backups)"
            )
        }
        do {
            let destination = try DatabaseQueue(path: path)
            try writer.backup(to: destination)
            let (integrity, movements) = try await destination.read { db in
                (
                    try String.fetchAll(db, sql: "PRAGMA integrity_check"),
                    try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) FROM movement") ?? 0
                )
            }
            try destination.close()
            guard integrity == ["ok"] else {
                throw InventoryError.invalidValue(
                    field: "path",
                    value: path,
                    reason: "the copy failed its integrity check: \(integrity.joined(separator: "; "))"
                )
            }
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            logger.notice(
                "database backed up",
                metadata: ["backup.path": "\(path)", "backup.movements": "\(movements)"]
            )
            return BackupResult(path: path, bytes: size, movements: movements)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }
}
