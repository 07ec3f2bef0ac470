import GRDB

/// When a committed write is on disk: the writer connection's `PRAGMA synchronous`
/// (sqlite.org/pragma.html#pragma_synchronous) in WAL mode.
public enum Durability: String, Sendable, CaseIterable, Codable {
    /// `synchronous = FULL` (2): the WAL is fsynced at every commit, so an operation whose reply
    /// was sent survives a power cut. The default.
    case full
    /// `synchronous = NORMAL` (1): the WAL is fsynced only at checkpoints; a commit survives a
    /// process crash but a power cut may lose the last acknowledged operations (never the file's
    /// consistency). For sites that accept that risk for speed.
    case normal

    /// The value `PRAGMA synchronous` takes and reads back for this level.
    public var synchronousLevel: Int {
        switch self {
        case .full: 2
        case .normal: 1
        }
    }

    /// The level `PRAGMA synchronous` reports, nil for OFF (0) or EXTRA (3), which depot never sets.
    public init?(synchronousLevel: Int) {
        guard let level = Self.allCases.first(where: { $0.synchronousLevel == synchronousLevel }) else { return nil }
        self = level
    }

    /// `PRAGMA synchronous = FULL` or `= NORMAL`.
    var pragma: String { "PRAGMA synchronous = \(self == .full ? "FULL" : "NORMAL")" }
}

extension InventoryStore {
    /// `PRAGMA synchronous` as the writer connection (the only one that commits) reads it:
    /// 2 for ``Durability/full``, 1 for ``Durability/normal``.
    /// - Throws: GRDB's `DatabaseError` when the database is closed or unreadable.
    public func synchronousLevel() async throws -> Int {
        try await writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }
}
