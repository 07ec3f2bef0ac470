import Foundation
import GRDB

/// What a scanner's floor session needs to carry on after depotd restarts, as the engine stores
/// it: one `scannerSession` row per scanner (migration `v6-floor-session`).
///
/// The engine checks the shape (lengths, known mode, positive quantities) but not that the
/// location, order or count still exist: the floor session checks those at the next scan, as it
/// does for a live session. What is deliberately not stored (a pending `DEPOT QTY`, the
/// double-scan memory, an armed `DEPOT DONE`, the current pick instruction, which is computed
/// again from the order's reservations) is listed in docs/workflows.md, "Sessions across restarts".
public struct ScannerSessionState: Sendable, Codable, Equatable {
    /// Goods carried for a put-away or move and not yet put down.
    public struct Carried: Sendable, Codable, Equatable {
        /// SKU of the item carried (1 to 64 characters).
        public var sku: String
        /// Lot code, or nil for goods without lot.
        public var lot: String?
        /// Base units carried, 0 < q < 2^53.
        public var quantity: Int64

        /// Creates a carried line from its fields as given; validates nothing and throws nothing.
        public init(sku: String, lot: String?, quantity: Int64) {
            self.sku = sku
            self.lot = lot
            self.quantity = quantity
        }
    }

    /// The modes a session can be in (the floor's `FloorMode` raw values).
    public static let modes: Set<String> = ["lookup", "receive", "putaway", "move", "pick", "count"]

    /// Scanner id (1 to 200 characters); the primary key.
    public var scannerID: String
    /// The session's mode: one of ``modes``.
    public var mode: String
    /// Code of the session's location (receive: where goods arrive; put-away, move: the source;
    /// pick: the bin scanned for the current pick; count: the place counted); nil when none.
    public var location: String?
    /// Reference of the order being picked; nil when none.
    public var order: String?
    /// Id of the count session being counted (count mode); nil when none.
    public var countID: Int64?
    /// Name of the signed-in operator (1 to 64 characters); nil when nobody signed in.
    public var operatorName: String?
    /// The operator an admin assigned (1 to 64 characters), who counts for the recount rules
    /// (``CountRecountRule``); nil when none was assigned.
    public var assignedOperator: String?
    /// Goods carried for a put-away or move, one entry per item and lot (at most 1,000).
    public var carried: [Carried]
    /// Ids of the movements `DEPOT UNDO` would reverse (the last receipt or move); empty when none.
    public var lastMovements: [Int64]
    /// Code of the customer `DEPOT CUSTOMER` chose (1 to 64 characters, column of migration
    /// `v11-customers`); nil when none.
    public var customer: String?

    /// Creates a state from its fields as given; validates nothing and throws nothing
    /// (``InventoryStore/saveScannerSession(_:)`` validates).
    public init(
        scannerID: String,
        mode: String,
        location: String? = nil,
        order: String? = nil,
        countID: Int64? = nil,
        operatorName: String? = nil,
        assignedOperator: String? = nil,
        carried: [Carried] = [],
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

    /// Checks the shape of every field.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` naming the first bad field.
    func validate() throws(InventoryError) {
        guard (1...200).contains(scannerID.unicodeScalars.count) else {
            throw .invalidValue(field: "scannerID", value: scannerID, reason: "must have 1 to 200 characters")
        }
        guard Self.modes.contains(mode) else {
            throw .invalidValue(
                field: "mode",
                value: mode,
                reason: "must be one of \(Self.modes.sorted().joined(separator: ", "))"
            )
        }
        for (field, value) in [
            ("location", location), ("order", order), ("operatorName", operatorName),
            ("assignedOperator", assignedOperator), ("customer", customer),
        ] {
            if let value, !(1...64).contains(value.unicodeScalars.count) {
                throw .invalidValue(field: field, value: value, reason: "must have 1 to 64 characters")
            }
        }
        guard carried.count <= 1_000 else {
            throw .invalidValue(
                field: "carried",
                value: String(carried.count),
                reason: "at most 1000 lines may be carried"
            )
        }
        for line in carried where !(1..<(Int64(1) << 53)).contains(line.quantity) {
            throw .invalidValue(
                field: "carried.quantity",
                value: String(line.quantity),
                reason: "must be between 1 and 2^53 - 1"
            )
        }
        guard lastMovements.count <= 10_000 else {
            throw .invalidValue(
                field: "lastMovements",
                value: String(lastMovements.count),
                reason: "at most 10000 movements"
            )
        }
    }
}

/// The `scannerSession` table: one row per scanner, `carried` and `lastMovements` as JSON arrays.
enum ScannerSessionTable {
    /// Creates the table (migration `v6-floor-session`).
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE scannerSession (
                    scannerId TEXT PRIMARY KEY CHECK (length(scannerId) BETWEEN 1 AND 200),
                    mode TEXT NOT NULL CHECK (mode IN ('lookup', 'receive', 'putaway', 'move', 'pick', 'count')),
                    location TEXT CHECK (location IS NULL OR length(location) BETWEEN 1 AND 64),
                    orderReference TEXT CHECK (orderReference IS NULL OR length(orderReference) BETWEEN 1 AND 64),
                    countId INTEGER,
                    operatorName TEXT CHECK (operatorName IS NULL OR length(operatorName) BETWEEN 1 AND 64),
                    assignedOperator TEXT CHECK (assignedOperator IS NULL OR length(assignedOperator) BETWEEN 1 AND 64),
                    carried TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(carried) AND json_type(carried) = 'array'),
                    lastMovements TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(lastMovements) AND json_type(lastMovements) = 'array'),
                    updatedAt DATETIME NOT NULL
                )
                """
        )
    }

    /// Inserts or replaces the row of `state.scannerID` (validated first).
    static func write(_ db: Database, _ state: ScannerSessionState, at now: Date) throws {
        try state.validate()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let carried = String(decoding: try encoder.encode(state.carried), as: UTF8.self)
        let movements = String(decoding: try encoder.encode(state.lastMovements), as: UTF8.self)
        try db.cachedStatement(
            sql: """
                INSERT INTO scannerSession (scannerId, mode, location, orderReference, countId, operatorName, assignedOperator,
                                            carried, lastMovements, updatedAt, customer)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (scannerId) DO UPDATE SET mode = excluded.mode, location = excluded.location,
                    orderReference = excluded.orderReference, countId = excluded.countId, operatorName = excluded.operatorName,
                    assignedOperator = excluded.assignedOperator,
                    carried = excluded.carried, lastMovements = excluded.lastMovements, updatedAt = excluded.updatedAt,
                    customer = excluded.customer
                """
        ).execute(arguments: [
            state.scannerID, state.mode, state.location, state.order, state.countID,
            state.operatorName, state.assignedOperator, carried, movements, now, state.customer,
        ])
    }

    /// The state in `row`.
    /// - Throws: ``InventoryError/storageFailure(reason:code:detail:)`` when a JSON column does not decode.
    static func state(_ row: Row) throws -> ScannerSessionState {
        let decoder = JSONDecoder()
        let id: String = row["scannerId"]
        func decode<T: Decodable>(_ type: T.Type, _ column: String) throws -> T {
            let text: String = row[column]
            do {
                return try decoder.decode(type, from: Data(text.utf8))
            } catch {
                throw InventoryError.storageFailure(
                    reason: .corrupt,
                    code: 11,
                    detail:
                        "scannerSession.\(column) of scanner \(id) is not a valid JSON list: \(InventoryError.shown(String(text.prefix(80))))"
                )
            }
        }
        return ScannerSessionState(
            scannerID: id,
            mode: row["mode"],
            location: row["location"],
            order: row["orderReference"],
            countID: row["countId"],
            operatorName: row["operatorName"],
            assignedOperator: row["assignedOperator"],
            carried: try decode([ScannerSessionState.Carried].self, "carried"),
            lastMovements: try decode([Int64].self, "lastMovements"),
            customer: row["customer"]
        )
    }
}

extension InventoryStore {
    /// Saves a scanner's session state on its own, one transaction (a mode change or an
    /// assignment; a scan's effect writes it in its own transaction through
    /// ``OperationContext/session``). Replaces the scanner's earlier row.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` naming a bad field;
    ///   ``InventoryError/storageFailure(reason:code:detail:)`` when SQLite cannot write.
    public func saveScannerSession(_ state: ScannerSessionState) async throws {
        try state.validate()
        let clock = self.clock
        try await transaction { db, _ in try ScannerSessionTable.write(db, state, at: clock.now()) }
    }

    /// The stored session of scanner `id`; nil when it has none.
    /// - Throws: ``InventoryError/storageFailure(reason:code:detail:)`` for a corrupt row; GRDB errors when reading fails.
    public func scannerSession(_ id: String) async throws -> ScannerSessionState? {
        try await writer.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM scannerSession WHERE scannerId = ?"),
                arguments: [id]
            )
            .map(ScannerSessionTable.state)
        }
    }

    /// Every stored session, by scanner id.
    /// - Throws: as ``scannerSession(_:)``.
    public func scannerSessions() async throws -> [ScannerSessionState] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM scannerSession ORDER BY scannerId").map(ScannerSessionTable.state)
        }
    }
}
