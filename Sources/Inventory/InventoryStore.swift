import Foundation
import GRDB
import Logging
import Synchronization

/// The inventory engine on one SQLite database file: items, locations, lots, stock, orders,
/// the allocation rule and the append-only ledger.
///
/// Every public operation is one user intent: it either commits completely, with its ledger
/// rows, or throws and leaves the database as it was. Intents arriving together share one
/// write transaction, each in its own savepoint (group commit, ``GroupCommit``), and each
/// returns only after that transaction is committed.
/// The database is opened in WAL mode through a GRDB `DatabasePool`: reads run beside the single
/// writer; writes are serialized, so parallel picks never allocate the same unit.
public final class InventoryStore: Sendable {
    /// The GRDB writer owning the file.
    public let writer: DatabasePool
    /// Source of "now" and "today".
    public let clock: InventoryClock
    /// Live feed of committed movements.
    public let feed: LedgerFeed
    /// Path of the SQLite file.
    public let path: String
    /// When a commit is on disk (the writer's `PRAGMA synchronous`), set at open.
    public let durability: Durability
    /// Most user intents applied in one transaction by group commit (``GroupCommit``): 64.
    public static let groupCommitLimit = 64
    /// How long a connection waits for a lock held by another one (SQLite busy timeout): 10 s.
    static let busyTimeoutMilliseconds = 10_000
    /// Movements the ledger feed holds for one subscriber that is not reading (256): one more
    /// and its subscription ends with ``BroadcastError/fellBehind`` (Varlink
    /// `SubscriberFellBehind` with the last movement delivered, so it can read the rest with
    /// `Ledger` `afterId` and subscribe again). It bounds what unread `Subscribe` calls cost:
    /// measured 115 MiB RSS for 250 unread subscriptions under a stream of receipts (debug build;
    /// 802 MiB with 65,536; docs/benchmarks.md, "Hostile connections").
    public static let feedBufferMovements = 256
    /// The writer's default page cache, KiB (`PRAGMA cache_size = -65536`: 64 MiB). SQLite's own
    /// default, 2 MiB, holds little of a database with a million lots, so every pick re-read
    /// index and table pages through `pread` from the OS cache (docs/benchmarks.md).
    public static let defaultWriterCacheKiB = 65_536
    let groupCommit: GroupCommit
    /// WAL checkpoints off the request path (``Checkpointer``).
    let checkpointer: Checkpointer
    /// The keyed ledger's MAC contexts (``LedgerSigner``); nil for a store opened without a
    /// ``LedgerKey`` (plain SHA-256 chain, as before the keyed ledger).
    public let signer: LedgerSigner?
    /// Whether this open keyed a ledger that had none (``LedgerKeying``: the marker and the first
    /// facts were written).
    public let keyedNow: Bool
    /// Whether ``close()`` ran (a second close does nothing).
    private let closed = Mutex(false)
    /// ``status(audience:)``'s counts per audience (a counter's are blind-redacted), with the
    /// ``GroupCommit/writeGeneration`` they were read at.
    let statusCache = Mutex<(generation: UInt64, byAudience: [CountAudience: StoreStatus])?>(nil)
    /// A counter's ``BlindFilter`` with the ``GroupCommit/writeGeneration`` it was read at
    /// (``blindFilter(for:)``).
    let blindFilterCache = Mutex<(generation: UInt64, filter: BlindFilter)?>(nil)
    let logger: Logger

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    ///
    /// Every connection gets `PRAGMA synchronous` for `durability` in GRDB's
    /// `Configuration.prepareDatabase`. GRDB's WAL set-up of a `DatabasePool` runs after that on
    /// the writer and sets `synchronous = NORMAL` itself (GRDB `Database.setUpWALMode()`), so the
    /// writer, the only connection that commits, is set again once the pool is open and read back.
    /// - Parameters:
    ///   - path: SQLite file path; its directory must exist.
    ///   - durability: when a commit is on disk (``Durability``); default ``Durability/full``.
    ///   - clock: "now" and "today" (see ``InventoryClock``).
    ///   - checkpoints: when the background checkpointer runs (``Checkpointer``); the writer
    ///     itself never checkpoints (`wal_autocheckpoint = 0`).
    ///   - writerCacheKiB: the writer's page cache in KiB (`PRAGMA cache_size = -N`), at least 2,048
    ///     (SQLite's default); default ``defaultWriterCacheKiB`` (64 MiB). Readers keep SQLite's
    ///     default. The cache fills as pages are read: it costs memory only as the work touches pages.
    ///   - ledgerKey: the key of the keyed ledger (``LedgerKeying``); nil keeps the plain SHA-256
    ///     chain (tests, benchmarks) and refuses a ledger that is keyed.
    ///   - adoptUnkeyedLedger: with a key, key a ledger that has movements but no keyed part yet
    ///     (its plain rows stay verifiable as they are). A ledger without movements is always
    ///     keyed; one with movements only with this flag, whether the key is new or not: a database
    ///     from before the keyed ledger and a keyed one whose keyed part an editor removed look
    ///     the same, and only the admin knows which it is (`--adopt-ledger`).
    /// - Throws: GRDB's `DatabaseError` when the file cannot be opened or migrated, or when the
    ///   writer does not read back the requested `synchronous` level;
    ///   ``InventoryError/invalidValue(field:value:reason:)`` (`writerCacheKiB`) below 2,048;
    ///   ``LedgerKeyingError`` when the ledger and the key do not go together.
    public init(
        path: String,
        durability: Durability = .full,
        clock: InventoryClock = .system(),
        checkpoints: CheckpointPolicy = .standard,
        writerCacheKiB: Int = InventoryStore.defaultWriterCacheKiB,
        ledgerKey: LedgerKey? = nil,
        adoptUnkeyedLedger: Bool = false,
        logger: Logger = Logger(label: "depot.inventory")
    ) throws {
        guard writerCacheKiB >= 2048 else {
            throw InventoryError.invalidValue(
                field: "writerCacheKiB",
                value: String(writerCacheKiB),
                reason: "must be at least 2048 (SQLite's default page cache, 2 MiB)"
            )
        }
        let signer = ledgerKey.map(LedgerSigner.init(key:))
        var configuration = Configuration()
        configuration.busyMode = .timeout(Double(Self.busyTimeoutMilliseconds) / 1000)
        configuration.foreignKeysEnabled = true
        let pragma = durability.pragma
        configuration.prepareDatabase { db in
            // FULL: the WAL is fsynced at every commit, so a reply is sent only for what is on
            // disk; NORMAL: a commit survives a process crash, not a power cut (sqlite.org/wal.html).
            try db.execute(sql: pragma)
            if let signer { db.add(function: LedgerKeying.macFunction(signer)) }
        }
        let writer = try DatabasePool(path: path, configuration: configuration)
        let level = try writer.writeWithoutTransaction { db in
            try db.execute(sql: pragma)
            // Commits never checkpoint: the Checkpointer does, from its own connection.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            try db.execute(sql: "PRAGMA cache_size = -\(writerCacheKiB)")
            return try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        guard level == durability.synchronousLevel else {
            try? writer.close()
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE,
                message:
                    "PRAGMA synchronous reads \(level.map(String.init) ?? "nothing"), not \(durability.synchronousLevel)"
            )
        }
        self.writer = writer
        self.durability = durability
        self.clock = clock
        let feed = LedgerFeed(bufferLimit: Self.feedBufferMovements)
        self.feed = feed
        self.path = path
        self.logger = logger
        self.groupCommit = GroupCommit(
            writer: writer,
            feed: feed,
            limit: Self.groupCommitLimit,
            clock: clock,
            logger: logger
        )
        self.signer = signer
        do {
            try Schema.refuseNewer(writer)
            try Schema.migrator.migrate(writer)
            let filled = try writer.write { db in try Schema.fillMissingSkeletons(db) }
            if filled > 0 {
                logger.notice("code skeletons filled", metadata: ["codes.skeletons_filled": "\(filled)"])
            }
            // Movements without a keyed part are keyed only when the admin says so: a database
            // from before the keyed ledger looks exactly like a keyed one whose keyed part an
            // editor removed (with the key file deleted too, the key is new either way).
            keyedNow = try LedgerKeying.open(
                writer,
                signer: signer,
                adopt: adoptUnkeyedLedger,
                now: clock.now()
            )
        } catch {
            try? writer.close()
            throw error
        }
        if keyedNow {
            logger.notice("ledger keyed", metadata: ["ledger.key_id": "\(signer?.keyID ?? "")"])
        }
        do {
            self.checkpointer = try Checkpointer(
                path: path,
                writer: writer,
                durability: durability,
                policy: checkpoints,
                logger: logger
            )
        } catch {
            try? writer.close()
            throw error
        }
        logger.info("database opened", metadata: ["db.path": "\(path)", "db.durability": "\(durability.rawValue)"])
    }

    /// Runs `body` as one user intent: in its own savepoint of the next group commit
    /// (``GroupCommit``), all or nothing; returns once the group's transaction committed (with
    /// ``Durability/full``: is on disk). Movements it appends are published after the commit.
    /// When `context` carries a scan id, the (scan id, intent) pair is recorded in the same
    /// savepoint (`appliedScan`), and a pair already recorded (or a scan recorded before intents
    /// were kept, intent `*`) makes the operation throw
    /// ``InventoryError/duplicateScan(id:movements:)`` without doing anything (exactly-once per intent).
    /// A context's ``OperationContext/session`` is written in the same savepoint, after `body`.
    /// - Throws: what `body` throws; ``InventoryError/storageFailure(reason:code:detail:)`` when
    ///   SQLite cannot write the database.
    func transaction<T: Sendable>(
        _ context: OperationContext? = nil,
        intent write: String = "",
        _ body: @escaping @Sendable (Database, MovementLog) throws -> T
    ) async throws -> T {
        let clock = self.clock
        let scanID = context?.scanID
        let intent = context?.intent(write) ?? write
        let reference = context?.reference
        let session = context?.session
        let sessionUndoesThisWrite = context?.sessionUndoesThisWrite ?? false
        let signer = self.signer
        return try await groupCommit.submit { db, tip in
            let log = MovementLog(now: clock.now(), tip: tip, signer: signer)
            if let scanID {
                if let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT firstMovementId, lastMovementId FROM appliedScan WHERE scanId = ? AND intent IN (?, '*')
                            """
                    ),
                    arguments: [scanID, intent]
                ) {
                    let first: Int64? = row["firstMovementId"]
                    let last: Int64? = row["lastMovementId"]
                    throw InventoryError.duplicateScan(
                        id: scanID,
                        movements: first.flatMap { f in last.map { Array(f...$0) } } ?? []
                    )
                }
            }
            let result = try body(db, log)
            if let scanID {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO appliedScan (scanId, intent, appliedAt, firstMovementId, lastMovementId, reference)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    scanID, intent, log.now, log.appended.first?.id, log.appended.last?.id, reference,
                ])
            }
            if var session {
                if sessionUndoesThisWrite { session.lastMovements = log.appended.map(\.id) }
                try ScannerSessionTable.write(db, session, at: log.now)
            }
            return (result, log.appended)
        }
    }

    /// Why the store accepts no more writes (an I/O error or damage, ``WriteStop``); nil while it does.
    public var writeStop: WriteStop? { groupCommit.writeStop }

    /// Copies the WAL into the main file and empties it (`PRAGMA wal_checkpoint(TRUNCATE)`,
    /// sqlite.org/pragma.html#pragma_wal_checkpoint), then closes the database (after the running
    /// transaction). After a clean close the `.sqlite` file alone holds every committed
    /// operation: a cold copy of it is complete, and the `-wal` file is empty or gone.
    /// A checkpoint that cannot complete (a reader still busy) is logged at error and the data
    /// stays in the `-wal` file, where SQLite finds it at the next open.
    /// Closing a closed store does nothing.
    /// - Throws: GRDB's `DatabaseError` when the connections cannot be closed.
    public func close() throws {
        // GRDB's checkpoint on a closed connection would hand SQLite a NULL handle.
        guard
            closed.withLock({ closed in
                defer { closed = true }
                return !closed
            })
        else { return }
        do {
            try checkpointer.stop()
        } catch {
            logger.error("checkpointer close failed", metadata: ["db.path": "\(path)", "error": "\(error)"])
        }
        do {
            let walBytes =
                (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.int64Value ?? 0
            try writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            logger.info("database checkpointed", metadata: ["wal.bytes": "\(walBytes)"])
        } catch {
            logger.error(
                "WAL checkpoint at close failed; the -wal file keeps the newest commits",
                metadata: ["db.path": "\(path)", "error": "\(error)"]
            )
        }
        try writer.close()
    }
}

/// Collects the movements one transaction appends, and appends them.
final class MovementLog {
    let now: Date
    private(set) var appended: [Movement] = []

    /// The clock's instant as SQLite stores it (GRDB's text of a date, milliseconds), computed
    /// once per transaction without `DateFormatter` (``StoredInstant``).
    private let nowString: String
    /// ``nowString`` as the database value written to `movement.at`.
    private var nowText: DatabaseValue { nowString.databaseValue }
    /// The id and hash the next movement chains from: the writer's (``LedgerTip``).
    private let tip: LedgerTip
    /// The keyed chain's contexts; nil: plain SHA-256 rows.
    private let signer: LedgerSigner?

    /// - Parameter now: the clock's instant, kept as SQLite will store it (GRDB writes dates
    ///   with millisecond precision), so the movements and receipt times an operation
    ///   returns and publishes equal what later reads of the same rows return.
    /// - Parameter tip: the chain's tip as the writer keeps it (``GroupCommit``); a new one reads
    ///   it from the database when first needed (dry runs on a reader).
    /// - Parameter signer: the keyed ledger's contexts (HMAC rows with field tags); nil: plain SHA-256 rows.
    init(now: Date, tip: LedgerTip = LedgerTip(), signer: LedgerSigner? = nil) {
        let text = StoredInstant.text(now)
        self.nowString = text
        self.now = Date.fromDatabaseValue(text.databaseValue) ?? now
        self.tip = tip
        self.signer = signer
    }

    /// The id and code of a lot or location, as a movement refers to it.
    struct Ref {
        var id: Int64
        var code: String
    }

    /// One movement to append (see ``appendAll(_:_:actor:reference:reason:)``).
    struct Pending {
        var kind: MovementKind
        var item: ItemRow
        var lot: Ref?
        var from: Ref?
        var to: Ref?
        var quantity: Int64

        /// A movement of `item`'s `lot` from and to the given lots and locations (ids and codes).
        init(kind: MovementKind, item: ItemRow, lot: Ref?, from: Ref?, to: Ref?, quantity: Int64) {
            self.kind = kind
            self.item = item
            self.lot = lot
            self.from = from
            self.to = to
            self.quantity = quantity
        }

        /// A movement of `item`'s `lot` between the given locations' rows.
        init(kind: MovementKind, item: ItemRow, lot: LotRow?, from: LocationRow?, to: LocationRow?, quantity: Int64) {
            self.init(
                kind: kind,
                item: item,
                lot: lot.map { Ref(id: $0.id, code: $0.code) },
                from: from.map { Ref(id: $0.id, code: $0.code) },
                to: to.map { Ref(id: $0.id, code: $0.code) },
                quantity: quantity
            )
        }
    }

    /// Inserts one ledger row and returns it (with its id).
    /// - Throws: as ``append(_:kind:item:lot:from:to:quantity:actor:reference:reason:)``.
    func append(
        _ db: Database,
        _ pending: Pending,
        actor: String,
        reference: String?,
        reason: String?
    ) throws -> Movement {
        try appendAll(db, [pending], actor: actor, reference: reference, reason: reason)[0]
    }

    /// Inserts one ledger row and returns it (with its id).
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` for a `reference` over 200
    ///   or a `reason` over 500 characters, or one with control characters.
    func append(
        _ db: Database,
        kind: MovementKind,
        item: ItemRow,
        lot: LotRow?,
        from: LocationRow?,
        to: LocationRow?,
        quantity: Int64,
        actor: String,
        reference: String?,
        reason: String?
    ) throws -> Movement {
        try appendAll(
            db,
            [Pending(kind: kind, item: item, lot: lot, from: from, to: to, quantity: quantity)],
            actor: actor,
            reference: reference,
            reason: reason
        )[0]
    }

    /// Inserts ledger rows in order, up to 500 per INSERT statement (a count approval posts
    /// 100,000 at once), and returns them with their ids.
    /// - Throws: as ``append(_:kind:item:lot:from:to:quantity:actor:reference:reason:)``.
    func appendAll(
        _ db: Database,
        _ pending: [Pending],
        actor: String,
        reference: String?,
        reason: String?
    ) throws -> [Movement] {
        if let reference { try TextField.text(reference, field: "reference", limit: 200) }
        if let reason { try TextField.text(reason, field: "reason", limit: 500) }
        try TextField.text(actor, field: "actor", limit: 300)
        // The chain hash (LedgerChain) covers the row exactly as SQLite stores it; the tip of the
        // chain is kept on the writer (LedgerTip) instead of being read back per row or per intent.
        // One encoder buffer serves every row; with a key, one prepared HMAC context is copied per row.
        var chainTip = try tip.current(db)
        var movements: [Movement] = []
        movements.reserveCapacity(pending.count)
        var encoder = LedgerRowEncoder()
        var start = 0
        while start < pending.count {
            let chunk = pending[start..<min(start + 500, pending.count)]
            var values: [(any DatabaseValueConvertible)?] = []
            values.reserveCapacity(chunk.count * 13)
            for entry in chunk {
                let (id, previous) = chainTip
                encoder.start(previous: previous)
                encoder.number(id)
                encoder.text(nowString)
                encoder.text(entry.kind.rawValue)
                encoder.number(entry.item.id)
                encoder.number(entry.lot?.id)
                encoder.number(entry.from?.id)
                encoder.number(entry.to?.id)
                encoder.number(entry.quantity)
                encoder.text(actor)
                encoder.text(reference)
                encoder.text(reason)
                let hash: String
                let tags: String?
                if let signer {
                    hash = encoder.keyedHash(signer)
                    tags = encoder.tags(signer)
                } else {
                    hash = encoder.plainHash
                    tags = nil
                }
                values +=
                    [
                        id, nowText, entry.kind.rawValue, entry.item.id, entry.lot?.id, entry.from?.id, entry.to?.id,
                        entry.quantity, actor, reference, reason, hash, tags,
                    ] as [(any DatabaseValueConvertible)?]
                chainTip = (nextID: id + 1, lastHash: hash)
                movements.append(
                    Movement(
                        id: id,
                        at: now,
                        kind: entry.kind,
                        sku: entry.item.sku,
                        lot: entry.lot?.code,
                        from: entry.from?.code,
                        to: entry.to?.code,
                        quantity: entry.quantity,
                        actor: actor,
                        reference: reference,
                        reason: reason
                    )
                )
            }
            let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(
                separator: ", "
            )
            try db.cachedStatement(
                sql: """
                    INSERT INTO movement (id, at, kind, itemId, lotId, fromLocationId, toLocationId, quantity, actor, reference, reason, hash, tags)
                    VALUES \(rows)
                    """
            ).execute(arguments: StatementArguments(values))
            start += chunk.count
            tip.value = chainTip
        }
        appended += movements
        return movements
    }
}

// MARK: - Rows the engine works with

struct ItemRow: Sendable {
    /// The columns ``init(indexed:)`` reads, in its order (qualified, so joins can select them).
    static let columns =
        "item.id, item.sku, item.name, item.policy, item.lotTracked, item.expiryTracked, item.minShelfLifeDays, item.customerId"

    var id: Int64
    var sku: String
    var name: String
    var policy: AllocationPolicy
    var lotTracked: Bool
    var expiryTracked: Bool
    var minShelfLifeDays: Int
    /// The owning customer's id (1: the default customer, ``Customer/defaultCode``).
    var customerId: Int64

    init(row: Row) {
        id = row["id"]
        sku = row["sku"]
        name = row["name"]
        policy = AllocationPolicy(rawValue: row["policy"]) ?? .fifo
        lotTracked = row["lotTracked"]
        expiryTracked = row["expiryTracked"]
        minShelfLifeDays = row["minShelfLifeDays"]
        customerId = row["customerId"] ?? 1
    }

    /// Reads a row selected as ``columns``, by position (GRDB's by-name lookup lowercases the
    /// name on every access).
    init(indexed row: Row) {
        id = row[0]
        sku = row[1]
        name = row[2]
        policy = AllocationPolicy(rawValue: row[3]) ?? .fifo
        lotTracked = row[4]
        expiryTracked = row[5]
        minShelfLifeDays = row[6]
        customerId = row[7]
    }
}

struct LocationRow: Sendable {
    /// The columns ``init(indexed:)`` reads, in its order.
    static let columns = "location.id, location.code, location.kind, location.parentId, location.pickPriority"

    var id: Int64
    var code: String
    var kind: LocationKind
    var parentId: Int64?
    var pickPriority: Int

    init(row: Row) {
        id = row["id"]
        code = row["code"]
        kind = LocationKind(rawValue: row["kind"]) ?? .storage
        parentId = row["parentId"]
        pickPriority = row["pickPriority"]
    }

    /// Reads a row selected as ``columns``, by position.
    init(indexed row: Row) {
        id = row[0]
        code = row[1]
        kind = LocationKind(rawValue: row[2]) ?? .storage
        parentId = row[3]
        pickPriority = row[4]
    }
}

struct LotRow: Sendable {
    /// The columns ``init(indexed:)`` reads, in its order.
    static let columns = "lot.id, lot.itemId, lot.code, lot.expiry, lot.bestBefore, lot.production, lot.status"

    var id: Int64
    var itemId: Int64
    var code: String
    var expiry: CalendarDate?
    var bestBefore: CalendarDate?
    var production: CalendarDate?
    var status: LotStatus

    /// - Throws: ``InventoryError/storageFailure(reason:code:detail:)`` (corrupt) when a stored
    ///   date is not `YYYY-MM-DD`: a lot whose expiry cannot be read must never pass as undated
    ///   (FEFO would ship it last and never as expired).
    init(row: Row) throws {
        id = row["id"]
        itemId = row["itemId"]
        code = row["code"]
        expiry = try Self.storedDate(row, "expiry")
        bestBefore = try Self.storedDate(row, "bestBefore")
        production = try Self.storedDate(row, "production")
        status = LotStatus(rawValue: row["status"]) ?? .blocked
    }

    /// Reads a row selected as ``columns``, by position.
    /// - Throws: as ``init(row:)``.
    init(indexed row: Row) throws {
        id = row[0]
        itemId = row[1]
        code = row[2]
        expiry = try Self.storedDate(row, 3, column: "expiry")
        bestBefore = try Self.storedDate(row, 4, column: "bestBefore")
        production = try Self.storedDate(row, 5, column: "production")
        status = LotStatus(rawValue: row[6]) ?? .blocked
    }

    /// A lot date column: nil for NULL, the date for `YYYY-MM-DD` text, a storage failure
    /// (corrupt, SQLite's code 11) for anything else.
    static func storedDate(_ row: Row, _ column: String) throws -> CalendarDate? {
        try storedDate(row[column] as String?, column: column)
    }

    /// ``storedDate(_:_:)`` of the column at `index` (named `column` in the error).
    static func storedDate(_ row: Row, _ index: Int, column: String) throws -> CalendarDate? {
        try storedDate(row[index] as String?, column: column)
    }

    private static func storedDate(_ text: String?, column: String) throws -> CalendarDate? {
        guard let text else { return nil }
        guard let date = CalendarDate(iso: text) else {
            throw InventoryError.storageFailure(
                reason: .corrupt,
                code: 11,
                detail: "lot.\(column) holds \"\(InventoryError.shown(text))\", not a calendar date YYYY-MM-DD"
            )
        }
        return date
    }
}

struct StockRow: Sendable {
    var id: Int64
    var quantity: Int64
    var reserved: Int64
    var receivedAt: Date
}

extension CalendarDate: DatabaseValueConvertible {
    /// Stored as SQLite TEXT `YYYY-MM-DD` (``description``).
    public var databaseValue: DatabaseValue { description.databaseValue }
    /// Reads SQLite TEXT `YYYY-MM-DD`; nil for NULL, non-text or malformed values.
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> CalendarDate? {
        String.fromDatabaseValue(dbValue).flatMap(CalendarDate.init(iso:))
    }
}

// MARK: - Resolving references

extension InventoryStore {
    /// The item a SKU or GTIN names. A SKU is unique in the warehouse; a GTIN is unique per
    /// customer, so when it is on items of several customers, `customer` (an id) chooses.
    /// - Throws: ``InventoryError/unknownItem(_:)`` (also for a GTIN none of `customer`'s items
    ///   has), ``InventoryError/itemAmbiguous(gtin:customers:)`` for a GTIN of several customers'
    ///   items and no customer.
    static func item(_ db: Database, _ reference: ItemReference, customer: Int64? = nil) throws -> ItemRow {
        if let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(ItemRow.columns) FROM item WHERE sku = ?"),
            arguments: [reference.text]
        ) {
            return ItemRow(indexed: row)
        }
        if GTINCode.looksLikeGTIN(reference.text) {
            let gtin = try GTINCode.normalize(reference.text)
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT \(ItemRow.columns) FROM item JOIN itemGTIN ON itemGTIN.itemId = item.id
                        WHERE gtin = ? AND (? IS NULL OR itemGTIN.customerId = ?)
                        """
                ),
                arguments: [gtin, customer, customer]
            )
            if rows.count == 1 { return ItemRow(indexed: rows[0]) }
            if rows.count > 1 {
                let codes = try rows.map { try customerCode(db, id: ItemRow(indexed: $0).customerId) }.sorted()
                throw InventoryError.itemAmbiguous(gtin: gtin, customers: codes)
            }
        }
        throw InventoryError.unknownItem(reference.text)
    }

    static func location(_ db: Database, _ code: String) throws -> LocationRow {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(LocationRow.columns) FROM location WHERE code = ?"),
                arguments: [code]
            )
        else {
            throw InventoryError.unknownLocation(code)
        }
        return LocationRow(indexed: row)
    }

    static func lot(_ db: Database, item: ItemRow, code: String) throws -> LotRow? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(LotRow.columns) FROM lot WHERE itemId = ? AND code = ?"),
            arguments: [item.id, code]
        )
        .map { try LotRow(indexed: $0) }
    }

    static func existingLot(_ db: Database, item: ItemRow, code: String) throws -> LotRow {
        guard let lot = try lot(db, item: item, code: code) else {
            throw InventoryError.unknownLot(sku: item.sku, lot: code)
        }
        return lot
    }

    static func stock(_ db: Database, item: ItemRow, lot: LotRow?, location: LocationRow) throws -> StockRow? {
        try Row.fetchOne(
            db.cachedStatement(
                sql:
                    "SELECT id, quantity, reserved, receivedAt FROM stock WHERE itemId = ? AND locationId = ? AND ifnull(lotId, 0) = ?"
            ),
            arguments: [item.id, location.id, lot?.id ?? 0]
        ).map {
            StockRow(id: $0[0], quantity: $0[1], reserved: $0[2], receivedAt: $0[3])
        }
    }

    /// Adds `quantity` to a balance, creating it with `receivedAt` or keeping the earlier receipt time.
    static func addStock(
        _ db: Database,
        item: ItemRow,
        lot: LotRow?,
        location: LocationRow,
        quantity: Int64,
        receivedAt: Date
    ) throws {
        try requireStockHolder(db, location)  // zones hold no stock (LocationRules.swift)
        if let existing = try stock(db, item: item, lot: lot, location: location) {
            let total = existing.quantity + quantity
            guard total < Quantity.limit else {
                throw InventoryError.invalidValue(
                    field: "quantity",
                    value: String(quantity),
                    reason: "on hand would reach 2^53 or more"
                )
            }
            try db.cachedStatement(sql: "UPDATE stock SET quantity = ?, receivedAt = min(receivedAt, ?) WHERE id = ?")
                .execute(arguments: [total, receivedAt, existing.id])
        } else {
            try db.cachedStatement(
                sql:
                    "INSERT INTO stock (itemId, lotId, locationId, quantity, reserved, receivedAt) VALUES (?, ?, ?, ?, 0, ?)"
            )
            .execute(arguments: [item.id, lot?.id, location.id, quantity, receivedAt])
        }
    }

    /// Takes `quantity` from a balance (deleting it at zero). `fromReserved` units come out of
    /// the balance's reservation; the rest must be unreserved.
    static func takeStock(_ db: Database, stock: StockRow, quantity: Int64, fromReserved: Int64 = 0) throws {
        let remaining = stock.quantity - quantity
        if remaining == 0 && stock.reserved == fromReserved {
            try db.cachedStatement(sql: "DELETE FROM stock WHERE id = ?").execute(arguments: [stock.id])
        } else {
            try db.cachedStatement(sql: "UPDATE stock SET quantity = ?, reserved = reserved - ? WHERE id = ?")
                .execute(arguments: [remaining, fromReserved, stock.id])
        }
    }

    /// Ids of a location and every location below it.
    static func subtree(_ db: Database, of location: LocationRow) throws -> [Int64] {
        try Int64.fetchAll(
            db,
            sql: """
                WITH RECURSIVE sub(id) AS (
                    SELECT ? UNION SELECT location.id FROM location JOIN sub ON location.parentId = sub.id)
                SELECT id FROM sub
                """,
            arguments: [location.id]
        )
    }

    /// The lot a balance at `location` belongs to: the named one; with none named, the balance
    /// without lot when there is one (untracked stock), else the only lot there. Throws when
    /// several lots lie there and none was named.
    static func lotAt(_ db: Database, item: ItemRow, location: LocationRow, code: String?) throws -> LotRow? {
        if let code { return try existingLot(db, item: item, code: code) }
        let lots = try Row.fetchAll(
            db,
            sql: """
                SELECT lot.* FROM stock LEFT JOIN lot ON lot.id = stock.lotId
                WHERE stock.itemId = ? AND stock.locationId = ? ORDER BY lot.code
                """,
            arguments: [item.id, location.id]
        )
        if lots.contains(where: { ($0["id"] as Int64?) == nil }) { return nil }
        if lots.count == 1 { return try LotRow(row: lots[0]) }
        if lots.isEmpty {
            if item.lotTracked { throw InventoryError.lotRequired(sku: item.sku) }
            return nil
        }
        throw InventoryError.lotAmbiguous(
            sku: item.sku,
            location: location.code,
            lots: lots.map { ($0["code"] as String?) ?? "(no lot)" }
        )
    }
}

/// Text rules for callers outside the engine (scanner ids, operator names), the same as the
/// engine's own (see ``TextField``).
public enum TextFieldRules {
    /// Checks free text: at most `limit` code points, no control or bidirectional-override characters.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` naming `field`.
    public static func text(_ value: String, field: String, limit: Int) throws(InventoryError) {
        try TextField.text(value, field: field, limit: limit)
    }
}

/// Text fields: trimmed of nothing, checked for length and control characters.
enum TextField {
    /// Checks a code (SKU, location code, lot, order reference): 1 to 64 Unicode code points (as
    /// SQLite counts them), in Unicode normal form C (so two spellings of "é" cannot be two
    /// codes) and unchanged by NFKC (no fullwidth letters, ligatures or superscripts: the error
    /// names the plain spelling, UAX #15), no control or bidirectional-override characters, no invisible characters (format
    /// characters such as U+200B, other default-ignorables, spaces other than U+0020), letters of
    /// one script among Latin, Greek and Cyrillic (``CodeSafety``), no leading or trailing space,
    /// and not starting with `DEPOT ` (reserved for command barcodes, docs/workflows.md).
    static func code(_ value: String, field: String) throws(InventoryError) -> String {
        guard !value.isEmpty, value.unicodeScalars.count <= 64 else {
            throw .invalidValue(field: field, value: value, reason: "must have 1 to 64 characters")
        }
        guard Array(value.utf8) == Array(value.precomposedStringWithCanonicalMapping.utf8) else {
            throw .invalidValue(
                field: field,
                value: value,
                reason: "must be in Unicode normal form C (composed characters, e.g. \"é\" as one code point)"
            )
        }
        try plain(value, field: field)
        // Compatibility forms (fullwidth `ＡＢＣ`, ligatures, superscripts, `ℌ`) are another
        // spelling of plain characters (Unicode UAX #15, NFKC): the code is written plainly.
        if value.precomposedStringWithCompatibilityMapping != value, CodeSafety.invisibleCharacter(in: value) == nil {
            let compatible = CodeSafety.plainSpelling(value)
            throw .invalidValue(
                field: field,
                value: value,
                reason:
                    "holds compatibility forms (fullwidth letters, ligatures, superscripts) that read as \"\(compatible)\"; write \"\(compatible)\""
            )
        }
        // A dash that is not the keyboard's hyphen-minus reads as one on a label but can never be
        // typed or scanned as one: the code is written with `-`.
        if let dash = value.unicodeScalars.first(where: CodeSafety.isHyphenLookalike) {
            throw .invalidValue(
                field: field,
                value: value,
                reason:
                    "holds \(CodeSafety.describe(dash)), which reads as a hyphen; write \"\(CodeSafety.plainSpelling(value))\""
            )
        }
        if let scalar = CodeSafety.invisibleCharacter(in: value) {
            throw .invalidValue(
                field: field,
                value: CodeSafety.visible(value),
                reason:
                    "contains the invisible character \(CodeSafety.describe(scalar)); codes may hold only visible characters"
            )
        }
        // A mark with nothing to sit on (`U+0301` alone, or first) renders as nothing or over
        // the text before it on a label: a code starts with a character of its own.
        if let first = value.unicodeScalars.first,
            [.nonspacingMark, .spacingMark, .enclosingMark].contains(first.properties.generalCategory)
        {
            throw .invalidValue(
                field: field,
                value: CodeSafety.visible(value),
                reason:
                    "starts with the combining mark \(CodeSafety.describe(first)); a code starts with a letter, digit or sign"
            )
        }
        // Marks that make one letter pass for another: a dot above on the already dotted i or j
        // (UTS #39 section 5.4) and the overlays that strike through a letter (U+0334...U+0338).
        if let mark = CodeSafety.misleadingMark(in: value) {
            throw .invalidValue(
                field: field,
                value: CodeSafety.visible(value),
                reason:
                    "holds the mark \(CodeSafety.describe(mark)), which makes a letter read as another; write the code without it"
            )
        }
        if let letter = CodeSafety.phoneticLetter(in: value) {
            throw .invalidValue(
                field: field,
                value: value,
                reason:
                    "holds the phonetic letter \(CodeSafety.describe(letter)), which passes for an ordinary letter; write the code with ordinary letters"
            )
        }
        if let (mark, base) = CodeSafety.strayMark(in: value) {
            throw .invalidValue(
                field: field,
                value: CodeSafety.visible(value),
                reason:
                    "holds the combining mark \(CodeSafety.describe(mark)) on \(CodeSafety.describe(base)), which a label may not show; write the code without it"
            )
        }
        if value.contains("  ") {
            throw .invalidValue(
                field: field,
                value: value,
                reason: "holds two spaces in a row, which read as one; use one space"
            )
        }
        if let (first, second) = CodeSafety.mixedScripts(in: value) {
            throw .invalidValue(
                field: field,
                value: value,
                reason:
                    "mixes \(first.rawValue) and \(second.rawValue) letters, which look alike; write the code in one script"
            )
        }
        guard value.first != " ", value.last != " " else {
            throw .invalidValue(field: field, value: value, reason: "no surrounding spaces")
        }
        guard !value.uppercased().hasPrefix("DEPOT ") else {
            throw .invalidValue(
                field: field,
                value: value,
                reason: "codes starting with \"DEPOT \" are reserved for command barcodes"
            )
        }
        return value
    }

    /// Checks free text (names, references, reasons): at most `limit` code points, no control or
    /// bidirectional-override characters (they would rewrite a terminal's screen or a table).
    static func text(_ value: String, field: String, limit: Int) throws(InventoryError) {
        guard value.unicodeScalars.count <= limit else {
            throw .invalidValue(field: field, value: value, reason: "must have at most \(limit) characters")
        }
        try plain(value, field: field)
    }

    private static func plain(_ value: String, field: String) throws(InventoryError) {
        // Fast path: printable ASCII has no control or bidi-override characters.
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return }
        let forbidden = value.unicodeScalars.first { scalar in
            scalar.properties.generalCategory == .control || (0x202A...0x202E).contains(scalar.value)
                || (0x2066...0x2069).contains(scalar.value)
        }
        if let forbidden {
            throw .invalidValue(
                field: field,
                value: value,
                reason:
                    "contains the control or bidirectional-override character \(CodeSafety.describe(forbidden)); remove it"
            )
        }
    }
}
