/// Who performs an engine write and on whose behalf, passed explicitly to every write that may
/// come from a scan (``InventoryStore/receive(_:context:)``, ``InventoryStore/move(_:context:)``,
/// ``InventoryStore/confirmPick(_:context:)``, ``InventoryStore/reverse(movementIDs:reason:context:)``,
/// ``InventoryStore/recordCount(_:context:)``).
///
/// Exactly-once is keyed per intent: a write run with a ``scanID`` records (scan id, intent) in
/// its own transaction, where the intent is the write's name (`receive`, `move`, `confirm-pick`,
/// `reverse`, `record-count`) followed by `#` and ``step`` when one is given. The same intent
/// for the same scan is refused (``InventoryError/duplicateScan(id:movements:)``), so a replayed
/// scan applies nothing twice, while several writes of one scan's effect all apply.
public struct OperationContext: Sendable, Equatable {
    /// Recorded on the movements: `uid:1000`, `scanner:S1`, `scanner:S1/Ana` (1 to 300 characters).
    public var actor: String
    /// The scan that caused the write (`scanner-1:1234567890`, 1 to 200 characters); nil for a
    /// write that is not a scan's (a Varlink call), which is never deduplicated.
    public var scanID: String?
    /// The business reference the scan's effect belongs to (an order, a delivery), stored with the
    /// applied intent for the audit; nil when none. Movements keep the request's own reference.
    public var reference: String?
    /// Tells apart two writes of the same kind in one scan's effect (`"1"`, `"put-away"`); nil for
    /// the usual single write of a kind.
    public var step: String?
    /// The scanner session state the scan leaves behind, written (validated, replacing the
    /// scanner's row) in the same savepoint as the write, so the effect and the session that
    /// follows from it commit together or not at all; nil writes no session. Not written for a
    /// replayed scan (the write throws ``InventoryError/duplicateScan(id:movements:)`` first).
    public var session: ScannerSessionState?
    /// When true, ``session``'s `lastMovements` are stored as the ids of the movements this write
    /// appends (the write becomes what `DEPOT UNDO` reverses); when false they are stored as given.
    public var sessionUndoesThisWrite: Bool

    /// Creates a context from its fields as given; validates nothing and throws nothing (the
    /// write validates `actor` and `session`, and the store's schema bounds `scanID`).
    public init(
        actor: String,
        scanID: String? = nil,
        reference: String? = nil,
        step: String? = nil,
        session: ScannerSessionState? = nil,
        sessionUndoesThisWrite: Bool = false
    ) {
        self.actor = actor
        self.scanID = scanID
        self.reference = reference
        self.step = step
        self.session = session
        self.sessionUndoesThisWrite = sessionUndoesThisWrite
    }

    /// The intent key of a write named `write` in this context: `write`, or `write#step`.
    func intent(_ write: String) -> String { step.map { "\(write)#\($0)" } ?? write }
}
