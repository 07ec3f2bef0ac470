import Foundation
import GRDB

/// Tables of stock counts (migration `v2-counts`): sessions, their lines, every counting entry
/// with its actor, and the cycle-count columns of `location`.
enum CountSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE location ADD COLUMN countEveryDays INTEGER CHECK (countEveryDays IS NULL OR countEveryDays > 0);
                ALTER TABLE location ADD COLUMN lastCountedOn TEXT CHECK (lastCountedOn IS NULL OR length(lastCountedOn) = 10);
                CREATE TABLE countSession (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    locationId INTEGER NOT NULL REFERENCES location(id),
                    itemId INTEGER REFERENCES item(id),
                    blind BOOLEAN NOT NULL,
                    "full" BOOLEAN NOT NULL,
                    recountByOther BOOLEAN NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('open', 'submitted', 'approved', 'cancelled')),
                    maxUnits INTEGER NOT NULL CHECK (maxUnits >= 0),
                    maxPercent REAL NOT NULL CHECK (maxPercent >= 0),
                    snapshotPosition INTEGER NOT NULL CHECK (snapshotPosition >= 0),
                    startedAt DATETIME NOT NULL,
                    startedBy TEXT NOT NULL,
                    submittedAt DATETIME,
                    submittedBy TEXT,
                    closedAt DATETIME,
                    closedBy TEXT
                );
                CREATE INDEX countSession_status ON countSession(status);
                CREATE TABLE countLine (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    sessionId INTEGER NOT NULL REFERENCES countSession(id),
                    lineNo INTEGER NOT NULL CHECK (lineNo >= 1),
                    itemId INTEGER NOT NULL REFERENCES item(id),
                    lotId INTEGER REFERENCES lot(id),
                    locationId INTEGER NOT NULL REFERENCES location(id),
                    snapshotQuantity INTEGER NOT NULL CHECK (snapshotQuantity >= 0),
                    unexpected BOOLEAN NOT NULL,
                    pass INTEGER NOT NULL DEFAULT 0 CHECK (pass >= 0),
                    counted INTEGER CHECK (counted IS NULL OR counted >= 0),
                    expected INTEGER CHECK (expected IS NULL OR expected >= 0),
                    firstExpected INTEGER CHECK (firstExpected IS NULL OR firstExpected >= 0),
                    countedAt DATETIME,
                    countedBy TEXT,
                    countedPosition INTEGER,
                    firstCountedBy TEXT,
                    CHECK ((counted IS NULL) = (expected IS NULL)),
                    UNIQUE (sessionId, lineNo)
                );
                CREATE UNIQUE INDEX countLine_key ON countLine(sessionId, itemId, locationId, ifnull(lotId, 0));
                CREATE TABLE countEntry (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    lineId INTEGER NOT NULL REFERENCES countLine(id),
                    pass INTEGER NOT NULL CHECK (pass >= 0),
                    at DATETIME NOT NULL,
                    actor TEXT NOT NULL,
                    mode TEXT NOT NULL CHECK (mode IN ('set', 'add', 'submit')),
                    quantity INTEGER NOT NULL CHECK (quantity >= 0),
                    expected INTEGER NOT NULL CHECK (expected >= 0),
                    ledgerPosition INTEGER NOT NULL
                );
                CREATE INDEX countEntry_line ON countEntry(lineId);
                """
        )
    }
}

/// The one definition of who counted what (``CountCounters``), as SQL over a `countLine` row
/// aliased `c` and its `countEntry` rows: the counters of a count are the actors of every entry in
/// that pass of the line (set, add and submit entries alike).
enum CountCounterSQL {
    /// The pass of the line's previous count: the newest earlier pass that has entries.
    static let priorPass = "(SELECT max(p.pass) FROM countEntry p WHERE p.lineId = c.id AND p.pass < c.pass)"

    /// 1 when nobody with an entry in the line's current pass has one in its previous count.
    static let priorByOthers = """
        NOT EXISTS (SELECT 1 FROM countEntry cur JOIN countEntry pre ON pre.lineId = cur.lineId AND pre.actor = cur.actor
                    WHERE cur.lineId = c.id AND cur.pass = c.pass AND pre.pass = \(priorPass))
        """

    /// 1 when the line's current pass has entries and nobody who made one has an entry in an earlier pass.
    static let new = """
        (EXISTS (SELECT 1 FROM countEntry cur WHERE cur.lineId = c.id AND cur.pass = c.pass)
         AND NOT EXISTS (SELECT 1 FROM countEntry cur JOIN countEntry pre ON pre.lineId = cur.lineId AND pre.actor = cur.actor
                         WHERE cur.lineId = c.id AND cur.pass = c.pass AND pre.pass < c.pass))
        """

    /// With arguments (line id, actor, current pass): whether the actor has an entry in the line's
    /// first count (the oldest pass with entries, before the current one).
    static let firstCounter = """
        SELECT EXISTS (SELECT 1 FROM countEntry e WHERE e.lineId = ?1 AND e.actor = ?2 AND e.pass < ?3
                       AND e.pass = (SELECT min(f.pass) FROM countEntry f WHERE f.lineId = ?1))
        """
}

/// A session row.
struct CountSessionRow {
    var id: Int64
    var locationId: Int64
    var itemId: Int64?
    var blind: Bool
    var full: Bool
    var recountByOther: Bool
    var status: CountStatus
    var thresholds: CountThresholds
    var acceptAfterCounts: Int

    init(row: Row) {
        id = row["id"]
        locationId = row["locationId"]
        itemId = row["itemId"]
        blind = row["blind"]
        full = row["full"]
        recountByOther = row["recountByOther"]
        status = CountStatus(rawValue: row["status"]) ?? .cancelled
        thresholds = CountThresholds(maxUnits: row["maxUnits"], maxPercent: row["maxPercent"])
        acceptAfterCounts = row["acceptAfterCounts"] ?? CountRecountRule.standardAcceptAfterCounts
    }
}

extension InventoryStore {
    /// The thresholds a new session gets when its request names none.
    public static let defaultCountThresholds = CountThresholds.standard

    /// Starts a count session: records the expected quantity (on hand now) of every
    /// (item, lot, location) in scope — the location, its children, optionally one item — and
    /// the ledger position of that snapshot. One transaction; no movement.
    /// - Throws: ``InventoryError`` — unknownLocation, unknownItem, invalidValue (thresholds).
    public func startCount(_ request: CountStartRequest, actor: String) async throws -> CountSession {
        try await transaction { db, log in
            let location = try Self.location(db, request.location)
            let item = try request.item.map { try Self.item(db, $0) }
            let thresholds = request.thresholds ?? Self.defaultCountThresholds
            guard thresholds.maxUnits >= 0 else {
                throw InventoryError.invalidValue(
                    field: "maxVarianceUnits",
                    value: String(thresholds.maxUnits),
                    reason: "must be 0 or more"
                )
            }
            guard thresholds.maxPercent >= 0, thresholds.maxPercent.isFinite else {
                throw InventoryError.invalidValue(
                    field: "maxVariancePercent",
                    value: String(thresholds.maxPercent),
                    reason: "must be a number, 0 or more"
                )
            }
            guard (2...100).contains(request.acceptAfterCounts) else {
                throw InventoryError.invalidValue(
                    field: "acceptAfterCounts",
                    value: String(request.acceptAfterCounts),
                    reason: "must be 2 to 100 counts"
                )
            }
            // One count at a time per balance: a second count over stock that an open or
            // submitted count holds would post its variance twice, and a count that is not blind
            // would state the book figure that a blind one hides (docs/counts.md).
            if let other = try Self.unclosedCount(db, meeting: Set(try Self.subtree(db, of: location)), item: item?.id)
            {
                throw InventoryError.invalidValue(
                    field: "location",
                    value: location.code,
                    reason:
                        "\(other) covers the same stock: approve or cancel it first (one count at a time per balance)"
                )
            }
            let position = try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) FROM movement") ?? 0
            try db.execute(
                sql: """
                    INSERT INTO countSession (locationId, itemId, blind, "full", recountByOther, status, maxUnits, maxPercent,
                                              snapshotPosition, startedAt, startedBy, acceptAfterCounts)
                    VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    location.id, item?.id, request.blind, request.full, request.recountByOther,
                    thresholds.maxUnits, thresholds.maxPercent, position, log.now, actor, request.acceptAfterCounts,
                ]
            )
            let id = db.lastInsertedRowID
            try db.execute(
                sql: """
                    WITH RECURSIVE sub(id) AS (
                        SELECT ? UNION SELECT location.id FROM location JOIN sub ON location.parentId = sub.id)
                    INSERT INTO countLine (sessionId, lineNo, itemId, lotId, locationId, snapshotQuantity, unexpected)
                    SELECT ?, row_number() OVER (ORDER BY loc.code, item.sku, ifnull(lot.code, '')), s.itemId, s.lotId,
                           s.locationId, s.quantity, 0
                    FROM stock s
                    JOIN sub ON sub.id = s.locationId
                    JOIN location loc ON loc.id = s.locationId
                    JOIN item ON item.id = s.itemId
                    LEFT JOIN lot ON lot.id = s.lotId
                    WHERE (? IS NULL OR s.itemId = ?)
                    """,
                arguments: [location.id, id, item?.id, item?.id]
            )
            return try Self.countSession(db, id: id)
        }
    }

    /// The first count, open or submitted, whose scope (its location's subtree, its item filter
    /// or every item) meets the location ids `locations` for `item` (nil: any item), described as
    /// "count 4 of A-01 (BOLT, open)"; nil when there is none.
    static func unclosedCount(_ db: Database, meeting locations: Set<Int64>, item: Int64?) throws -> String? {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT c.id, c.locationId, c.status, c.itemId, l.code, i.sku FROM countSession c
                JOIN location l ON l.id = c.locationId LEFT JOIN item i ON i.id = c.itemId
                WHERE c.status IN ('open', 'submitted') ORDER BY c.id
                """
        )
        for row in rows {
            let other: Int64? = row["itemId"]
            guard item == nil || other == nil || other == item else { continue }
            let scope = try subtree(db, of: try location(db, id: row["locationId"]))
            if !locations.isDisjoint(with: scope) {
                let what: String = (row["sku"] as String?) ?? "all items"
                return "count \(row["id"] as Int64) of \(row["code"] as String) (\(what), \(row["status"] as String))"
            }
        }
        return nil
    }

    /// Records one counting entry (CLI `count record`, and each scan of a scanner in `count`
    /// mode with ``CountEntryMode/add``). The line is counted "as of" this moment: its expected
    /// quantity becomes the on-hand of its (item, lot, location) now, i.e. the start snapshot
    /// plus every movement posted before this entry. A line nobody expected is created.
    ///
    /// The result carries expectations; callers answering a counter must pass it through
    /// ``CountRecordResult/visible(to:)``.
    /// - Throws: ``CountError`` — unknownCount, wrongStatus (not open), outOfScope (location or
    ///   item), sameCounter; ``InventoryError`` — invalidValue (quantity, lot), unknownItem,
    ///   unknownLocation, unknownLot, lotRequired, lotAmbiguous.
    public func recordCount(_ entry: CountEntry, actor: String) async throws -> CountRecordResult {
        try await recordCount(entry, context: OperationContext(actor: actor))
    }

    /// Records a count as ``recordCount(_:actor:)`` does, on behalf of `context` (its scan id makes
    /// the entry apply once: intent `record-count`).
    /// - Throws: as ``recordCount(_:actor:)``; ``InventoryError/duplicateScan(id:movements:)`` for a replay.
    public func recordCount(_ entry: CountEntry, context: OperationContext) async throws -> CountRecordResult {
        let actor = context.actor
        return try await transaction(context, intent: "record-count") { db, log in
            let session = try Self.countSessionRow(db, id: entry.count)
            guard session.status == .open else {
                throw CountError.wrongStatus(count: session.id, status: session.status, action: "record counts in")
            }
            if entry.mode == .add {
                try Quantity.validate(entry.quantity)
            } else if entry.quantity != 0 {
                try Quantity.validate(entry.quantity)
            }
            let item = try Self.item(db, entry.item)
            let location = try Self.location(db, entry.location)
            // A count puts stock where it is recorded: a zone is refused here and again at approval.
            try Self.requireStockHolder(db, location)
            if let only = session.itemId, only != item.id {
                throw CountError.outOfScope(count: session.id, field: "item", value: entry.item.text)
            }
            let inScope =
                try Bool.fetchOne(
                    db,
                    sql: """
                        WITH RECURSIVE up(id, parentId) AS (
                            SELECT id, parentId FROM location WHERE id = ?
                            UNION SELECT location.id, location.parentId FROM location JOIN up ON location.id = up.parentId)
                        SELECT EXISTS (SELECT 1 FROM up WHERE id = ?)
                        """,
                    arguments: [location.id, session.locationId]
                ) ?? false
            guard inScope else {
                throw CountError.outOfScope(count: session.id, field: "location", value: location.code)
            }
            let lot = try Self.countingLot(db, session: session, item: item, location: location, code: entry.lot)
            let book = try Self.stock(db, item: item, lot: lot, location: location)?.quantity ?? 0
            let position = try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) FROM movement") ?? 0

            var line = try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM countLine WHERE sessionId = ? AND itemId = ? AND locationId = ? AND ifnull(lotId, 0) = ?
                    """,
                arguments: [session.id, item.id, location.id, lot?.id ?? 0]
            )
            if line == nil {
                let next =
                    (try Int.fetchOne(
                        db,
                        sql: "SELECT ifnull(max(lineNo), 0) + 1 FROM countLine WHERE sessionId = ?",
                        arguments: [session.id]
                    )) ?? 1
                try db.execute(
                    sql: """
                        INSERT INTO countLine (sessionId, lineNo, itemId, lotId, locationId, snapshotQuantity, unexpected)
                        VALUES (?, ?, ?, ?, ?, 0, 1)
                        """,
                    arguments: [session.id, next, item.id, lot?.id, location.id]
                )
                line = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM countLine WHERE id = ?",
                    arguments: [db.lastInsertedRowID]
                )
            }
            guard let line else { throw CountError.unknownCount(session.id) }
            let lineId: Int64 = line["id"]
            let lineNo: Int = line["lineNo"]
            let pass: Int = line["pass"]
            let previous: Int64? = line["counted"]
            if session.recountByOther, pass > 0,
                try Bool.fetchOne(db, sql: CountCounterSQL.firstCounter, arguments: [lineId, actor, pass]) == true
            {
                throw CountError.sameCounter(count: session.id, line: lineNo, actor: actor)
            }
            let counted: Int64
            let firstExpected: Int64
            switch entry.mode {
            case .set:
                counted = entry.quantity
                firstExpected = book
            case .add:
                counted = (previous ?? 0) + entry.quantity
                firstExpected = previous == nil ? book : (line["firstExpected"] ?? book)
            }
            guard counted < Quantity.limit else {
                throw InventoryError.invalidValue(
                    field: "quantity",
                    value: String(entry.quantity),
                    reason: "the counted quantity would reach 2^53 or more"
                )
            }
            try db.execute(
                sql: """
                    UPDATE countLine SET counted = ?, expected = ?, firstExpected = ?, countedAt = ?, countedBy = ?,
                        countedPosition = ? WHERE id = ?
                    """,
                arguments: [counted, book, firstExpected, log.now, actor, position, lineId]
            )
            try db.execute(
                sql: """
                    INSERT INTO countEntry (lineId, pass, at, actor, mode, quantity, expected, ledgerPosition)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [lineId, pass, log.now, actor, entry.mode.rawValue, entry.quantity, book, position]
            )
            let view = try Self.countLines(db, session: session, lineId: lineId).first
            guard let view else { throw CountError.unknownLine(count: session.id, line: lineNo) }
            return CountRecordResult(count: session.id, blind: session.blind, status: session.status, line: view)
        }
    }

    /// The lot of a counting entry: the named one (it must exist), else the only lot of the
    /// item the session expected at that location, else untracked stock; refuses a lot-tracked
    /// item without a lot and several candidate lots.
    static func countingLot(
        _ db: Database,
        session: CountSessionRow,
        item: ItemRow,
        location: LocationRow,
        code: String?
    ) throws -> LotRow? {
        if let code {
            _ = try TextField.code(code, field: "lot")
            return try existingLot(db, item: item, code: code)
        }
        let candidates = try Row.fetchAll(
            db,
            sql: """
                SELECT lot.* FROM countLine c LEFT JOIN lot ON lot.id = c.lotId
                WHERE c.sessionId = ? AND c.itemId = ? AND c.locationId = ? ORDER BY lot.code
                """,
            arguments: [session.id, item.id, location.id]
        )
        if candidates.count == 1 {
            let row = candidates[0]
            return (row["id"] as Int64?) == nil ? nil : try LotRow(row: row)
        }
        if candidates.isEmpty {
            if item.lotTracked { throw InventoryError.lotRequired(sku: item.sku) }
            return nil
        }
        throw InventoryError.lotAmbiguous(
            sku: item.sku,
            location: location.code,
            lots: candidates.map { ($0["code"] as String?) ?? "(no lot)" }
        )
    }

    /// The counters say they are done: the session goes to review. In a `full` session every
    /// line still uncounted is recorded as counted zero as of this moment.
    /// - Throws: ``CountError`` — unknownCount, wrongStatus (not open).
    public func submitCount(_ id: Int64, actor: String) async throws -> CountSession {
        try await transaction { db, log in
            let session = try Self.countSessionRow(db, id: id)
            guard session.status == .open else {
                throw CountError.wrongStatus(count: id, status: session.status, action: "submit")
            }
            if session.full {
                let position = try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) FROM movement") ?? 0
                let book = """
                    ifnull((SELECT s.quantity FROM stock s WHERE s.itemId = countLine.itemId AND s.locationId = countLine.locationId
                            AND ifnull(s.lotId, 0) = ifnull(countLine.lotId, 0)), 0)
                    """
                try db.execute(
                    sql: """
                        INSERT INTO countEntry (lineId, pass, at, actor, mode, quantity, expected, ledgerPosition)
                        SELECT id, pass, ?, ?, 'submit', 0, \(book), ? FROM countLine WHERE sessionId = ? AND counted IS NULL
                        """,
                    arguments: [log.now, actor, position, id]
                )
                try db.execute(
                    sql: """
                        UPDATE countLine SET counted = 0, expected = \(book), firstExpected = \(book), countedAt = ?, countedBy = ?,
                            countedPosition = ? WHERE sessionId = ? AND counted IS NULL
                        """,
                    arguments: [log.now, actor, position, id]
                )
            }
            try db.execute(
                sql: "UPDATE countSession SET status = 'submitted', submittedAt = ?, submittedBy = ? WHERE id = ?",
                arguments: [log.now, actor, id]
            )
            return try Self.countSession(db, id: id)
        }
    }

    /// Sends lines back for a recount: their counts are cleared (the entries stay on record),
    /// their pass goes up, and the session is open again for counting. A line's first counter
    /// is remembered for sessions that ask for a different recounter.
    /// - Throws: ``CountError`` — unknownCount, wrongStatus (approved or cancelled), unknownLine;
    ///   ``InventoryError/invalidValue(field:value:reason:)`` for an empty list.
    public func recount(_ id: Int64, lines: [Int], actor: String) async throws -> CountSession {
        try await transaction { db, _ in
            let session = try Self.countSessionRow(db, id: id)
            guard session.status == .open || session.status == .submitted else {
                throw CountError.wrongStatus(count: id, status: session.status, action: "recount")
            }
            guard !lines.isEmpty else {
                throw InventoryError.invalidValue(field: "lines", value: "", reason: "name at least one line")
            }
            for lineNo in Set(lines).sorted() {
                guard
                    try Bool.fetchOne(
                        db,
                        sql: "SELECT EXISTS (SELECT 1 FROM countLine WHERE sessionId = ? AND lineNo = ?)",
                        arguments: [id, lineNo]
                    ) == true
                else {
                    throw CountError.unknownLine(count: id, line: lineNo)
                }
                try db.execute(
                    sql: """
                        UPDATE countLine SET pass = pass + 1, firstCountedBy = ifnull(firstCountedBy, countedBy),
                            priorCounted = ifnull(counted, priorCounted), priorCountedBy = ifnull(countedBy, priorCountedBy), counted = NULL,
                            expected = NULL, firstExpected = NULL, countedAt = NULL, countedBy = NULL, countedPosition = NULL
                        WHERE sessionId = ? AND lineNo = ?
                        """,
                    arguments: [id, lineNo]
                )
            }
            try db.execute(
                sql: "UPDATE countSession SET status = 'open', submittedAt = NULL, submittedBy = NULL WHERE id = ?",
                arguments: [id]
            )
            return try Self.countSession(db, id: id)
        }
    }

    /// Approves a submitted count: posts, in one transaction, one `adjust` movement per counted
    /// line with a variance — the variance counted − expected (as of the line's count) applied to
    /// today's stock — with reference `count-ID` and reason `count ID`. Lines without variance
    /// post nothing; uncounted lines (possible only when not `full`) are left unchanged and
    /// returned. When the session has no item filter, every location in scope records today as
    /// its last-counted date.
    /// - Throws: ``CountError`` — unknownCount, wrongStatus (not submitted), recountRequired
    ///   (lines beyond the thresholds or moved while counted, still on their first count),
    ///   conflicts (a line would drive on hand below zero or take reserved units; nothing posted).
    public func approveCount(_ id: Int64, actor: String) async throws -> CountApproval {
        try await transaction { db, log in
            let sessionRow = try Self.countSessionRow(db, id: id)
            guard sessionRow.status == .submitted else {
                throw CountError.wrongStatus(count: id, status: sessionRow.status, action: "approve")
            }
            // CountRecountRule.needsRecount in SQL (this runs over 100,000-line counts).
            let pending = try Int.fetchAll(
                db,
                sql: """
                    SELECT c.lineNo FROM countLine c WHERE c.sessionId = ?1 AND c.counted IS NOT NULL AND (
                      (c.pass = 0 AND (abs(c.counted - c.expected) > ?2
                                       OR (c.expected > 0 AND abs(c.counted - c.expected) * 100.0 / c.expected > ?3)
                                       OR c.firstExpected != c.expected))
                      OR (c.pass > 0 AND (abs(c.counted - c.expected) > ?2
                                          OR (c.expected > 0 AND abs(c.counted - c.expected) * 100.0 / c.expected > ?3))
                          AND NOT (c.priorCounted IS NOT NULL AND abs(c.counted - c.priorCounted) <= ?2
                                   AND (c.priorCounted = 0 OR abs(c.counted - c.priorCounted) * 100.0 / c.priorCounted <= ?3)
                                   AND (NOT ?5 OR \(CountCounterSQL.priorByOthers)))
                          AND NOT (c.pass + 1 >= ?4 AND \(CountCounterSQL.new))))
                    ORDER BY c.lineNo
                    """,
                arguments: [
                    id, sessionRow.thresholds.maxUnits, sessionRow.thresholds.maxPercent,
                    sessionRow.acceptAfterCounts, sessionRow.recountByOther,
                ]
            )
            if !pending.isEmpty { throw CountError.recountRequired(count: id, lines: pending) }

            // The lines to post, with their keys.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.lineNo, c.itemId, c.lotId, c.locationId, c.counted - c.expected AS variance
                    FROM countLine c WHERE c.sessionId = ? AND c.counted IS NOT NULL AND c.counted != c.expected
                    ORDER BY c.lineNo
                    """,
                arguments: [id]
            )
            var items: [Int64: ItemRow] = [:]
            var lots: [Int64: LotRow] = [:]
            var locations: [Int64: LocationRow] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT item.* FROM item JOIN countLine c ON c.itemId = item.id WHERE c.sessionId = ?
                    """,
                arguments: [id]
            ) {
                let item = ItemRow(row: row)
                items[item.id] = item
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT lot.* FROM lot JOIN countLine c ON c.lotId = lot.id WHERE c.sessionId = ?
                    """,
                arguments: [id]
            ) {
                let lot = try LotRow(row: row)
                lots[lot.id] = lot
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT location.id, location.code, location.kind, location.parentId, location.pickPriority
                    FROM location JOIN countLine c ON c.locationId = location.id WHERE c.sessionId = ?
                    """,
                arguments: [id]
            ) {
                let location = LocationRow(row: row)
                locations[location.id] = location
            }
            // A counted location may have become a zone since it was counted: refuse posting there.
            for row in rows {
                if let location = locations[row["locationId"] as Int64] { try Self.requireStockHolder(db, location) }
            }

            // A large approval touches more pages than SQLite's default 2 MiB page cache holds;
            // without a bigger cache it spills and re-reads them (measured: count-bench).
            let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            if rows.count > 10_000 { try db.execute(sql: "PRAGMA cache_size = -262144") }
            defer { if rows.count > 10_000 { try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)") } }

            // Lines whose variance cannot be applied to today's stock (set-based: one query).
            let key = "s.itemId = c.itemId AND s.locationId = c.locationId AND ifnull(s.lotId, 0) = ifnull(c.lotId, 0)"
            let conflicts = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.lineNo, item.sku, lot.code, loc.code, ifnull(s.quantity, 0), ifnull(s.reserved, 0),
                           c.counted - c.expected
                    FROM countLine c JOIN item ON item.id = c.itemId LEFT JOIN lot ON lot.id = c.lotId
                    JOIN location loc ON loc.id = c.locationId LEFT JOIN stock s ON \(key)
                    WHERE c.sessionId = ? AND c.counted IS NOT NULL AND c.counted != c.expected
                      AND (ifnull(s.quantity, 0) + c.counted - c.expected < 0
                           OR ifnull(s.quantity, 0) + c.counted - c.expected >= ?
                           OR (c.counted < c.expected AND ifnull(s.quantity, 0) - ifnull(s.reserved, 0) < c.expected - c.counted))
                    ORDER BY c.lineNo
                    """,
                arguments: [id, Quantity.limit]
            ).map { row -> CountLineConflict in
                let onHand: Int64 = row[4]
                let variance: Int64 = row[6]
                return CountLineConflict(
                    line: row[0],
                    sku: row[1],
                    lot: row[2],
                    location: row[3],
                    onHand: onHand,
                    reserved: row[5],
                    variance: variance,
                    reason: onHand + variance < 0 ? .negative : .reserved
                )
            }
            if let tooLarge = conflicts.first(where: { $0.onHand + $0.variance >= Quantity.limit }) {
                throw InventoryError.invalidValue(
                    field: "counted",
                    value: String(tooLarge.onHand + tooLarge.variance),
                    reason: "line \(tooLarge.line): on hand would reach 2^53 or more"
                )
            }
            if !conflicts.isEmpty { throw CountError.conflicts(count: id, lines: conflicts) }

            // Balances, set-based: lines that empty a balance delete it, the others add their
            // variance, and surpluses where no balance exists create one (received now).
            let variances = """
                SELECT itemId, lotId, locationId, counted - expected AS variance FROM countLine
                WHERE sessionId = ? AND counted IS NOT NULL AND counted != expected
                """
            try db.execute(
                sql: """
                    DELETE FROM stock WHERE id IN (
                        SELECT s.id FROM (\(variances)) c JOIN stock s ON \(key) WHERE s.quantity + c.variance = 0)
                    """,
                arguments: [id]
            )
            try db.execute(
                sql: """
                    UPDATE stock AS s SET quantity = s.quantity + c.variance FROM (\(variances)) AS c WHERE \(key)
                    """,
                arguments: [id]
            )
            try db.execute(
                sql: """
                    INSERT INTO stock (itemId, lotId, locationId, quantity, reserved, receivedAt)
                    SELECT c.itemId, c.lotId, c.locationId, c.variance, 0, ? FROM (\(variances)) c
                    WHERE c.variance > 0 AND NOT EXISTS (SELECT 1 FROM stock s WHERE \(key))
                    """,
                arguments: [log.now, id]
            )

            // One ledger row per line, through the movement log like every other operation.
            let reference = "count-\(id)"
            let reason = "count \(id)"
            var movements: [Movement] = []
            movements.reserveCapacity(rows.count)
            var posts: [MovementLog.Pending] = []
            posts.reserveCapacity(rows.count)
            for row in rows {
                let lineNo: Int = row[0]
                let variance: Int64 = row[4]
                guard let item = items[row[1]], let location = locations[row[3]] else {
                    throw CountError.unknownLine(count: id, line: lineNo)
                }
                let lot = (row[2] as Int64?).flatMap { lots[$0] }
                let up = variance > 0
                posts.append(
                    MovementLog.Pending(
                        kind: .adjust,
                        item: item,
                        lot: lot,
                        from: up ? nil : location,
                        to: up ? location : nil,
                        quantity: Int64(variance.magnitude)
                    )
                )
            }
            movements += try log.appendAll(db, posts, actor: actor, reference: reference, reason: reason)
            try db.execute(
                sql: "UPDATE countSession SET status = 'approved', closedAt = ?, closedBy = ? WHERE id = ?",
                arguments: [log.now, actor, id]
            )
            if sessionRow.itemId == nil {
                try db.execute(
                    sql: """
                        WITH RECURSIVE sub(id) AS (
                            SELECT ? UNION SELECT location.id FROM location JOIN sub ON location.parentId = sub.id)
                        UPDATE location SET lastCountedOn = ? WHERE id IN (SELECT id FROM sub)
                        """,
                    arguments: [sessionRow.locationId, self.clock.today().description]
                )
            }
            let approved = try Self.countSession(db, id: id)
            return CountApproval(
                count: approved,
                movements: movements,
                unchanged: approved.lines.filter { $0.counted == nil }
            )
        }
    }

    /// Cancels an open or submitted count; stock is not touched.
    /// - Throws: ``CountError`` — unknownCount, wrongStatus (approved or cancelled already).
    public func cancelCount(_ id: Int64, actor: String) async throws -> CountSession {
        try await transaction { db, log in
            let session = try Self.countSessionRow(db, id: id)
            guard session.status == .open || session.status == .submitted else {
                throw CountError.wrongStatus(count: id, status: session.status, action: "cancel")
            }
            try db.execute(
                sql: "UPDATE countSession SET status = 'cancelled', closedAt = ?, closedBy = ? WHERE id = ?",
                arguments: [log.now, actor, id]
            )
            return try Self.countSession(db, id: id)
        }
    }

    /// A count session with all its lines and totals (with expectations; see ``CountSession/visible(to:)``).
    /// - Throws: ``CountError/unknownCount(_:)``.
    public func count(_ id: Int64) async throws -> CountSession {
        try await writer.read { db in try Self.countSession(db, id: id) }
    }

    /// Count sessions, newest first, optionally only those with `status`.
    public func counts(status: CountStatus? = nil) async throws -> [CountSummary] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.*, loc.code AS locationCode, item.sku AS sku,
                           (SELECT count(*) FROM countLine c WHERE c.sessionId = s.id) AS lineCount,
                           (SELECT count(*) FROM countLine c WHERE c.sessionId = s.id AND c.counted IS NOT NULL) AS countedCount
                    FROM countSession s JOIN location loc ON loc.id = s.locationId LEFT JOIN item ON item.id = s.itemId
                    WHERE (? IS NULL OR s.status = ?) ORDER BY s.id DESC
                    """,
                arguments: [status?.rawValue, status?.rawValue]
            ).map { row in
                CountSummary(
                    id: row["id"],
                    location: row["locationCode"],
                    item: row["sku"],
                    blind: row["blind"],
                    full: row["full"],
                    status: CountStatus(rawValue: row["status"]) ?? .cancelled,
                    startedAt: row["startedAt"],
                    startedBy: row["startedBy"],
                    lines: row["lineCount"],
                    counted: row["countedCount"]
                )
            }
        }
    }

    /// Sets (or with nil clears) how often a location is cycle-counted.
    /// - Throws: ``InventoryError`` — unknownLocation, invalidValue (everyDays ≤ 0).
    public func setCountSchedule(location code: String, everyDays: Int?) async throws -> CountSchedule {
        try await transaction { db, _ in
            let location = try Self.location(db, code)
            if let everyDays, everyDays <= 0 || everyDays > 36_600 {
                throw InventoryError.invalidValue(
                    field: "everyDays",
                    value: String(everyDays),
                    reason: "must be 1 to 36600 days"
                )
            }
            try db.execute(
                sql: "UPDATE location SET countEveryDays = ? WHERE id = ?",
                arguments: [everyDays, location.id]
            )
            let last = try String.fetchOne(
                db,
                sql: "SELECT lastCountedOn FROM location WHERE id = ?",
                arguments: [location.id]
            )
            return CountSchedule(
                location: location.code,
                everyDays: everyDays,
                lastCounted: last.flatMap { try? CalendarDate(parsing: $0) }
            )
        }
    }

    /// Locations with a count frequency that are due today or overdue, most overdue first
    /// (never counted: due today).
    public func dueCounts() async throws -> [DueCount] {
        let today = clock.today()
        return try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT code, countEveryDays, lastCountedOn FROM location WHERE countEveryDays IS NOT NULL ORDER BY code
                    """
            ).compactMap { row -> DueCount? in
                let every: Int = row["countEveryDays"]
                let last = (row["lastCountedOn"] as String?).flatMap { try? CalendarDate(parsing: $0) }
                let dueOn = last?.adding(days: every) ?? today
                guard dueOn <= today else { return nil }
                return DueCount(
                    location: row["code"],
                    everyDays: every,
                    lastCounted: last,
                    dueOn: dueOn,
                    daysOverdue: dueOn.days(until: today)
                )
            }.sorted { ($0.daysOverdue, $1.location) > ($1.daysOverdue, $0.location) }
        }
    }

    // MARK: - Reading sessions

    static func countSessionRow(_ db: Database, id: Int64) throws -> CountSessionRow {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM countSession WHERE id = ?", arguments: [id]) else {
            throw CountError.unknownCount(id)
        }
        return CountSessionRow(row: row)
    }

    static func countSession(_ db: Database, id: Int64) throws -> CountSession {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT s.*, loc.code AS locationCode, item.sku AS sku FROM countSession s
                    JOIN location loc ON loc.id = s.locationId LEFT JOIN item ON item.id = s.itemId WHERE s.id = ?
                    """,
                arguments: [id]
            )
        else {
            throw CountError.unknownCount(id)
        }
        let session = CountSessionRow(row: row)
        let lines = try countLines(db, session: session, lineId: nil)
        let counted = lines.filter { $0.counted != nil }
        let totals = CountTotals(
            lines: lines.count,
            counted: counted.count,
            uncounted: lines.count - counted.count,
            withVariance: counted.filter { ($0.variance ?? 0) != 0 }.count,
            recountRequired: lines.filter { $0.state == .recountRequired }.count,
            expectedAtStart: lines.reduce(0) { $0 + ($1.expectedAtStart ?? 0) },
            expected: counted.reduce(0) { $0 + ($1.expected ?? 0) },
            countedQuantity: counted.reduce(0) { $0 + ($1.counted ?? 0) },
            variance: counted.reduce(0) { $0 + ($1.variance ?? 0) },
            absoluteVariance: counted.reduce(0) { $0 + Int64(($1.variance ?? 0).magnitude) }
        )
        return CountSession(
            id: session.id,
            location: row["locationCode"],
            item: row["sku"],
            blind: session.blind,
            full: session.full,
            recountByOther: session.recountByOther,
            status: session.status,
            thresholds: session.thresholds,
            snapshotPosition: row["snapshotPosition"],
            startedAt: row["startedAt"],
            startedBy: row["startedBy"],
            submittedAt: row["submittedAt"],
            submittedBy: row["submittedBy"],
            closedAt: row["closedAt"],
            closedBy: row["closedBy"],
            expectationsHidden: false,
            lines: lines,
            totals: totals
        )
    }

    /// The lines of a session (or one line), with variances and states computed.
    static func countLines(_ db: Database, session: CountSessionRow, lineId: Int64?) throws -> [CountLine] {
        // Columns by position: this runs over every line of 100,000-line counts.
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT c.lineNo, item.sku, lot.code, loc.code, c.snapshotQuantity, c.expected, c.counted, c.firstExpected,
                       c.pass, c.unexpected, c.countedAt, c.countedBy, c.firstCountedBy, c.countedPosition,
                       c.priorCounted,
                       CASE WHEN c.pass > 0 THEN \(CountCounterSQL.priorByOthers) ELSE 1 END,
                       CASE WHEN c.pass > 0 THEN \(CountCounterSQL.new) ELSE 0 END
                FROM countLine c JOIN item ON item.id = c.itemId LEFT JOIN lot ON lot.id = c.lotId
                JOIN location loc ON loc.id = c.locationId
                WHERE c.sessionId = ? AND \(lineId == nil ? "1" : "c.id = ?") ORDER BY c.lineNo
                """,
            arguments: lineId.map { [session.id, $0] } ?? [session.id]
        )
        var lines: [CountLine] = []
        while let row = try cursor.next() {
            let expected: Int64? = row[5]
            let counted: Int64? = row[6]
            let firstExpected: Int64? = row[7]
            let pass: Int = row[8]
            var variance: Int64?
            var percent: Double?
            var beyond: Bool?
            var moved = false
            var state = CountLineState.uncounted
            if let counted, let expected {
                let difference = counted - expected
                variance = difference
                percent = expected > 0 ? (Double(difference) * 100 / Double(expected) * 100).rounded() / 100 : nil
                beyond = session.thresholds.exceeded(variance: difference, expected: expected)
                moved = firstExpected.map { $0 != expected } ?? false
                state =
                    CountRecountRule.needsRecount(
                        pass: pass,
                        counted: counted,
                        expected: expected,
                        prior: row[14],
                        movedWhileCounting: moved,
                        counters: CountCounters(priorByOthers: row[15], new: row[16]),
                        recountByOther: session.recountByOther,
                        thresholds: session.thresholds,
                        acceptAfterCounts: session.acceptAfterCounts
                    ) ? .recountRequired : .counted
            }
            lines.append(
                CountLine(
                    line: row[0],
                    sku: row[1],
                    lot: row[2],
                    location: row[3],
                    expectedAtStart: row[4],
                    expected: expected,
                    counted: counted,
                    variance: variance,
                    variancePercent: percent,
                    beyondThreshold: beyond,
                    state: state,
                    pass: pass,
                    unexpected: row[9],
                    movedWhileCounting: moved,
                    countedAt: row[10],
                    countedBy: row[11],
                    firstCountedBy: row[12],
                    ledgerPosition: row[13]
                )
            )
        }
        return lines
    }
}
