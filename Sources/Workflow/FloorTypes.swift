import Foundation
import GS1

/// What a scanner's session does with item scans (docs/workflows.md).
public enum FloorMode: String, Sendable, Codable, CaseIterable {
    /// Show what a label is and where its stock is (the default).
    case lookup
    /// Receive goods into the session's location.
    case receive
    /// Take goods from the receiving location to their storage place.
    case putaway
    /// Take goods from one location to another.
    case move
    /// Pick an order in allocation order.
    case pick
    /// Count stock (filled in by the counting issue).
    case count
}

/// One scan as the floor sees it.
public struct FloorScan: Sendable, Equatable {
    /// Unique and stable per scan, so a replay after a crash is recognised (exactly-once).
    public var id: String
    /// Id of the scanner that read it (the session's scanner id).
    public var scannerID: String
    /// The barcode text exactly as framed (GS 0x1D kept), without AIM identifier.
    public var text: String
    /// AIM symbology identifier, e.g. `]C1`, when the scanner sent one.
    public var symbologyIdentifier: String?
    /// When it was scanned (UTC).
    public var at: Date
    /// Monotonic time of the scan (the device's), for double-scan windows; nil: timed on arrival
    /// at the session on the continuous clock (`at`, the business clock, is never used for it).
    public var monotonic: Duration?
    /// Why the scan is corrupt (never acted on), or nil.
    public var corruption: String?
    /// Who injected the scan through the API (`uid:N`, the caller's peer credentials), or nil
    /// for a scan read from a device or a replay. When set, it is the counter identity of a
    /// counting scan (docs/counts.md, "Recounts"): the person at the keyboard, not the scanner.
    public var caller: String?

    /// Creates a scan from its fields as given; validates nothing and throws nothing.
    public init(
        id: String,
        scannerID: String,
        text: String,
        symbologyIdentifier: String? = nil,
        at: Date,
        monotonic: Duration? = nil,
        corruption: String? = nil,
        caller: String? = nil
    ) {
        self.id = id
        self.scannerID = scannerID
        self.text = text
        self.symbologyIdentifier = symbologyIdentifier
        self.at = at
        self.monotonic = monotonic
        self.corruption = corruption
        self.caller = caller
    }
}

/// How a scan went, for the worker.
public enum FeedbackLevel: String, Sendable, Codable {
    /// `ok`: handled as asked; `warning`: handled, but look (alerts, a double scan ignored, a replay,
    /// nothing left to pick); `error`: refused, corrupt or not understood.
    case ok, warning, error
}

/// The answer to one scan: published on the monitor stream, shown beside the worker.
public struct FloorFeedback: Sendable, Codable, Equatable {
    /// Id of the scan this answers (``FloorScan/id``).
    public var scanID: String
    /// Id of the scanner that read it.
    public var scannerID: String
    /// The scan text with control characters written as `<GS>`, `<RS>`, `<EOT>`, `<0xNN>`.
    public var text: String
    /// When the scan was made (UTC instant; the scan's ``FloorScan/at``).
    public var at: Date
    /// Whether the scan went well, needs attention, or failed.
    public var level: FeedbackLevel
    /// A short sentence a worker can act on.
    public var message: String
    /// What the label was read as: command, location, item, order, sscc, unknown, invalid, corrupt.
    public var kind: String
    /// Ledger movements the scan created (empty when it changed nothing).
    public var movements: [Int64]
    /// Warnings raised by the effect (a lot close to expiry, a pick face now empty).
    public var alerts: [String]
    /// What the session expects next.
    public var expectation: String
    /// The session's mode after the scan.
    public var mode: FloorMode
    /// The session's location code after the scan, if any.
    public var location: String?
    /// The session's order reference after the scan, if any.
    public var order: String?
    /// The signed-in operator's name after the scan, if any.
    public var operatorName: String?

    /// Creates feedback from its fields as given; validates nothing and throws nothing.
    public init(
        scanID: String,
        scannerID: String,
        text: String,
        at: Date,
        level: FeedbackLevel,
        message: String,
        kind: String,
        movements: [Int64],
        alerts: [String],
        expectation: String,
        mode: FloorMode,
        location: String?,
        order: String?,
        operatorName: String?
    ) {
        self.scanID = scanID
        self.scannerID = scannerID
        self.text = text
        self.at = at
        self.level = level
        self.message = message
        self.kind = kind
        self.movements = movements
        self.alerts = alerts
        self.expectation = expectation
        self.mode = mode
        self.location = location
        self.order = order
        self.operatorName = operatorName
    }
}

/// A receipt a session asks the engine for.
public struct FloorReceipt: Sendable, Equatable {
    /// SKU of the item received.
    public var sku: String
    /// Base units: the pending quantity (`DEPOT QTY`), else the label's count (GS1 AI 37 or 30), else 1.
    public var quantity: Int64
    /// Code of the receiving location.
    public var location: String
    /// Lot code (GS1 AI 10), or nil when the label gave none.
    public var lot: String?
    /// Expiry date (GS1 AI 17), a calendar date.
    public var expiry: CalendarDate?
    /// Best-before date (GS1 AI 15), a calendar date.
    public var bestBefore: CalendarDate?
    /// Production date (GS1 AI 11), a calendar date.
    public var production: CalendarDate?
}

/// A move a session asks the engine for.
public struct FloorMove: Sendable, Equatable {
    /// SKU of the item moved.
    public var sku: String
    /// Lot code, or nil when the label gave none.
    public var lot: String?
    /// Code of the source location.
    public var from: String
    /// Code of the destination location.
    public var to: String
    /// Base units to move: what the session carried of this item and lot.
    public var quantity: Int64
}

/// The next pick of an order, as the engine allocated it.
public struct FloorPickInstruction: Sendable, Equatable, Codable {
    /// The order's reference.
    public var order: String
    /// Order line number, from 1.
    public var lineNo: Int
    /// SKU of the line's item.
    public var sku: String
    /// Allocated lot code, or nil for stock without a lot.
    public var lot: String?
    /// nil when nothing could be reserved (the line is short).
    public var location: String?
    /// Expiry date of the allocated lot, a calendar date; nil when undated or without lot.
    public var expiry: CalendarDate?
    /// Base units reserved at that lot and location for the line.
    public var quantity: Int64
    /// Base units still to pick on the line.
    public var lineRemaining: Int64

    /// Creates an instruction from its fields as given; validates nothing and throws nothing.
    public init(
        order: String,
        lineNo: Int,
        sku: String,
        lot: String?,
        location: String?,
        expiry: CalendarDate?,
        quantity: Int64,
        lineRemaining: Int64
    ) {
        self.order = order
        self.lineNo = lineNo
        self.sku = sku
        self.lot = lot
        self.location = location
        self.expiry = expiry
        self.quantity = quantity
        self.lineRemaining = lineRemaining
    }
}

/// A line of an order with units still to pick.
public struct FloorOpenLine: Sendable, Equatable {
    /// Order line number, from 1.
    public var lineNo: Int
    /// SKU of the line's item.
    public var sku: String
    /// Base units ordered and not yet picked (> 0).
    public var remaining: Int64

    /// Creates an open line from its fields as given; validates nothing and throws nothing.
    public init(lineNo: Int, sku: String, remaining: Int64) {
        self.lineNo = lineNo
        self.sku = sku
        self.remaining = remaining
    }
}

/// What an engine operation did.
public struct FloorEffect: Sendable, Equatable {
    /// Ids of the ledger movements written (empty when nothing changed).
    public var movements: [Int64]
    /// Warnings raised by the operation (a lot close to expiry, a pick face now empty).
    public var alerts: [String]
    /// A short summary ("received 12 MILK lot L3 into DOCK-1").
    public var summary: String
    /// True when the scan had been applied before (a replay) and nothing new was written.
    public var duplicate: Bool

    /// Creates an effect from its fields as given; throws nothing.
    public init(movements: [Int64], alerts: [String] = [], summary: String, duplicate: Bool = false) {
        self.movements = movements
        self.alerts = alerts
        self.summary = summary
        self.duplicate = duplicate
    }
}

/// What a text names in the warehouse, when it is not a GS1 barcode.
public enum FloorReference: Sendable, Equatable {
    /// An existing location code (the text itself).
    case location(String)
    /// An existing order reference (the text itself).
    case order(String)
    /// An item found by SKU or GTIN, with its SKU.
    case item(sku: String)
    /// The text names nothing known.
    case none
}

/// Why the engine refused an operation, in words for the worker.
public struct FloorRefusal: Error, Sendable, Equatable {
    /// The sentence shown to the worker.
    public var message: String
    /// Wraps a sentence for the worker; throws nothing.
    public init(_ message: String) { self.message = message }
}

/// The engine's storage failed (an SQLite error: disk full, file read-only, a damaged schema),
/// as opposed to a refusal of the scan. The worker reads ``message``; the engine adapter logs
/// ``cause`` at error level when it raises this, and nothing of the scan was applied.
public struct FloorStorageFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The underlying error as text, for the log (never shown to the worker).
    public var cause: String
    /// Wraps the underlying error's text; throws nothing.
    public init(cause: String) { self.cause = cause }
    /// The sentence shown to the worker.
    public var message: String { "storage failed: scan again; if it keeps failing, tell a supervisor" }
    /// The worker's sentence (``message``), so a generic catch prints the same words.
    public var description: String { message }
}

/// The scan was applied before (a replay after a crash): nothing new was written.
public struct FloorDuplicate: Error, Sendable, Equatable {
    /// Ids of the ledger movements the first application of the scan wrote.
    public var movements: [Int64]
    /// Wraps the movement ids of the earlier application; throws nothing.
    public init(movements: [Int64]) { self.movements = movements }
}

/// The engine operations and look-ups a floor session needs. `DepotService` implements it over
/// the inventory engine; every effect runs in one transaction that also records `scanID`
/// (throwing ``FloorDuplicate`` when it was recorded before). Every method throws
/// ``FloorRefusal`` for a domain refusal and ``FloorStorageFailure`` when storage failed; a
/// look-up returns nil (or `.none`) only when the thing is genuinely absent.
public protocol FloorEngine: Sendable {
    /// "Today" as (year, month, day) for reading GS1 dates (GenSpecs 7.12 century window).
    func today() -> (year: Int, month: Int, day: Int)
    /// What an exact text names: a location code, an order reference, a SKU, or a GTIN read as
    /// `customer`'s (a customer code, chosen by `DEPOT CUSTOMER`; nil: the GTIN must be on one
    /// item, else the refusal names the customers whose items have it).
    func reference(for text: String, customer: String?) async throws -> FloorReference
    /// The location labelled with this GLN (`GLN` or `GLN/extension`).
    func location(gln: String) async throws -> String?
    /// The SKU of the item with this GTIN (14 digits), read as `customer`'s as in
    /// ``reference(for:customer:)``; throws ``FloorRefusal`` naming the customers when the GTIN is
    /// on several customers' items and no customer was chosen.
    func sku(gtin: String, customer: String?) async throws -> String?
    /// Whether a customer has this code (for `DEPOT CUSTOMER`).
    func customerExists(_ code: String) async throws -> Bool
    /// A one-line description for lookup mode.
    func describe(_ reference: FloorReference) async throws -> String
    /// Receives goods; `session` is the session the scan leaves, written with the effect.
    func receive(
        _ receipt: FloorReceipt,
        scanID: String,
        actor: String,
        session: FloorSessionWrite
    ) async throws -> FloorEffect
    /// Moves carried goods in one transaction; `session` is written with the effect.
    func move(
        _ moves: [FloorMove],
        scanID: String,
        actor: String,
        session: FloorSessionWrite
    ) async throws -> FloorEffect
    /// Checks, writing nothing, that `quantity` units of `sku` (lot `lot`, or the only lot there)
    /// could be taken from `location` now; throws ``FloorRefusal`` naming what is there when not.
    func checkSource(sku: String, lot: String?, location: String, quantity: Int64) async throws
    /// Checks, writing nothing, that goods may be put at `location` (it exists and is not a zone,
    /// docs/allocation.md "Zones"); throws ``FloorRefusal`` naming the allowed kinds when not.
    func checkStockHolder(location: String) async throws
    /// The order's next pick instruction; nil when the order has nothing left to pick.
    func nextPick(order: String) async throws -> FloorPickInstruction?
    /// The lines of `order` with units still to pick, by line number (empty when complete).
    func openLines(order: String) async throws -> [FloorOpenLine]
    /// Confirms a pick and returns the order's next pick; `session` is written with the effect.
    func confirmPick(
        order: String,
        sku: String,
        lot: String?,
        location: String?,
        quantity: Int64,
        scanID: String,
        actor: String,
        session: FloorSessionWrite
    ) async throws -> (FloorEffect, FloorPickInstruction?)
    /// Reverses `movements`; `session` is written with the effect.
    func undo(movements: [Int64], scanID: String, actor: String, session: FloorSessionWrite) async throws -> FloorEffect
    /// Whether a count session with this id is open for counting.
    func countIsOpen(_ count: Int64) async throws -> Bool
    /// Adds `quantity` to the counted quantity of (item, lot, location) in count session `count`,
    /// as a counter sees it: in a blind session the summary never names expected quantities;
    /// `session` is written with the effect.
    func count(
        _ count: Int64,
        sku: String,
        lot: String?,
        location: String,
        quantity: Int64,
        scanID: String,
        actor: String,
        session: FloorSessionWrite
    ) async throws -> FloorEffect
}

/// What a floor session keeps across a depotd restart (docs/workflows.md, "Sessions across
/// restarts"): the mode and assignment, the carried goods and what `DEPOT UNDO` would reverse.
/// Not kept: a pending `DEPOT QTY`, the double-scan memory, an armed `DEPOT DONE`, and the pick
/// instruction, which the session asks the engine for again from the order's reservations.
public struct FloorSessionSnapshot: Sendable, Codable, Equatable {
    /// Id of the scanner the session belongs to.
    public var scannerID: String
    /// What item scans do.
    public var mode: FloorMode
    /// Receiving location (receive), source (put-away, move), bin of the current pick (pick),
    /// counted location (count); nil when none.
    public var location: String?
    /// Reference of the order being picked; nil when none.
    public var order: String?
    /// The count session being counted (count mode); nil when none.
    public var countID: Int64?
    /// Name of the signed-in operator; nil when nobody signed in.
    public var operatorName: String?
    /// Code of the customer `DEPOT CUSTOMER` chose (GTINs are read as this customer's); nil
    /// when none.
    public var customer: String?
    /// The operator an admin assigned (``FloorSession/assignedOperator``); nil when none.
    public var assignedOperator: String?
    /// Goods scanned for a put-away or move and not yet put down, one entry per item and lot.
    public var carried: [CarriedGoods]
    /// Movements of the last receipt or move, which `DEPOT UNDO` reverses; empty when none.
    public var lastMovements: [Int64]

    /// Creates a snapshot from its fields as given; validates nothing and throws nothing.
    public init(
        scannerID: String,
        mode: FloorMode,
        location: String? = nil,
        order: String? = nil,
        countID: Int64? = nil,
        operatorName: String? = nil,
        assignedOperator: String? = nil,
        carried: [CarriedGoods] = [],
        lastMovements: [Int64] = [],
        customer: String? = nil
    ) {
        self.customer = customer
        self.scannerID = scannerID
        self.mode = mode
        self.location = location
        self.order = order
        self.countID = countID
        self.operatorName = operatorName
        self.assignedOperator = assignedOperator
        self.carried = carried
        self.lastMovements = lastMovements
    }
}

/// The session a scan's effect leaves, handed to the engine so that it is written in the
/// effect's own transaction (both commit or neither does).
public struct FloorSessionWrite: Sendable, Equatable {
    /// The session after the effect, as far as it is known before the effect runs.
    public var snapshot: FloorSessionSnapshot
    /// When true, the engine stores the movements the effect writes as the snapshot's
    /// ``FloorSessionSnapshot/lastMovements`` (the effect becomes what `DEPOT UNDO` reverses).
    public var undoesThisEffect: Bool

    /// Creates a write from its fields as given; throws nothing.
    public init(snapshot: FloorSessionSnapshot, undoesThisEffect: Bool) {
        self.snapshot = snapshot
        self.undoesThisEffect = undoesThisEffect
    }
}
