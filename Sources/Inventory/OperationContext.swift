/// Per-call context of engine operations, carried as task-local values so every operation picks
/// it up without a parameter of its own.
public enum OperationContext {
    /// The id of the scan that caused the operation (e.g. `scanner-1:1234567890`). When set, the
    /// operation records it in the same transaction and refuses to run twice for the same id
    /// (``InventoryError/duplicateScan(id:movements:)``): a scan is applied exactly once even
    /// when its reader replays it after a crash.
    @TaskLocal public static var scanID: String?
}
