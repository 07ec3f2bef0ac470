import GRDB

extension InventoryStore {
    /// Runs a trivial read (`SELECT 1`) on the database: returns once SQLite answers, so a
    /// watchdog ping after it proves the store is not stuck.
    /// - Throws: GRDB's `DatabaseError`, e.g. when the database was closed.
    public func ping() async throws {
        _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}
