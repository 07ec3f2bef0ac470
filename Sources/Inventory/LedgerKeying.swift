import Foundation
import GRDB

/// The keyed ledger (docs/architecture.md, "The keyed ledger"): how a database goes from the plain
/// SHA-256 chain to the HMAC chain, the keyed chain of stored facts, and the checks `verify`
/// makes of both.
///
/// - `ledgerKeying` holds one marker row, written in the first transaction a store opened with a
///   ``LedgerKey`` makes: the key's id, the first keyed movement id, the plain chain's tip hash at
///   that moment and an HMAC over them. Movements below that id stay plain SHA-256 rows (their
///   `tags` NULL); from it on every movement's `hash` is HMAC-SHA-256 over the previous hash, a
///   newline and the same content, and `tags` holds one 8-hex-digit tag per column.
/// - `ledgerFact` is a second keyed chain: one row per change of a catalogue or stock row that the
///   ledger implies (item, itemGTIN, location, lot, stock), with the row's key and its columns as
///   SQLite's `json_object` renders them, written by TEMP triggers that exist only on the store's
///   writer connection (never in the file), HMAC-chained by the SQL function `depot_fact_mac`.
///   At adoption every existing row is attested once. Stock deletions are not attested (a
///   balance leaving is a movement; its id is never reused).
enum LedgerKeying {
    /// The migration that adds the keyed ledger's tables; it comes after main's
    /// `v7-movement-index-pages`. A store opening a database without it keys the ledger
    /// (``open(_:signer:adopt:now:)``, adoption) in the same start.
    static let migrationName = "v8-ledger-keyed"

    /// Migration `v8-ledger-keyed`: the marker table, the fact table (both append-only by
    /// trigger) and `movement.tags`.
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE movement ADD COLUMN tags TEXT;
                CREATE TABLE ledgerKeying (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    keyId TEXT NOT NULL,
                    firstMovementId INTEGER NOT NULL,
                    previousHash TEXT NOT NULL,
                    createdAt TEXT NOT NULL,
                    mac TEXT NOT NULL
                );
                CREATE TRIGGER ledgerKeying_no_update BEFORE UPDATE ON ledgerKeying
                    BEGIN SELECT RAISE(ABORT, 'the ledger keying marker is written once'); END;
                CREATE TRIGGER ledgerKeying_no_delete BEFORE DELETE ON ledgerKeying
                    BEGIN SELECT RAISE(ABORT, 'the ledger keying marker is written once'); END;
                CREATE TABLE ledgerFact (
                    id INTEGER PRIMARY KEY,
                    subject TEXT NOT NULL CHECK (subject IN ('item', 'itemGTIN', 'location', 'lot', 'stock')),
                    key TEXT NOT NULL,
                    content TEXT NOT NULL,
                    mac TEXT NOT NULL
                );
                CREATE INDEX ledgerFact_subject ON ledgerFact(subject, key);
                CREATE TRIGGER ledgerFact_no_update BEFORE UPDATE ON ledgerFact
                    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                CREATE TRIGGER ledgerFact_no_delete BEFORE DELETE ON ledgerFact
                    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                """
        )
    }

    /// The keying marker as stored.
    struct Marker {
        var keyID: String
        var firstMovementID: Int64
        var previousHash: String
        var createdAt: String
        var mac: String

        static func fetch(_ db: Database) throws -> Marker? {
            try Row.fetchOne(db, sql: "SELECT * FROM ledgerKeying WHERE id = 1").map {
                Marker(
                    keyID: $0["keyId"],
                    firstMovementID: $0["firstMovementId"],
                    previousHash: $0["previousHash"],
                    createdAt: $0["createdAt"],
                    mac: $0["mac"]
                )
            }
        }

        /// The text the marker's MAC covers.
        var signedText: String {
            "depot-ledger-keying-v1\n\(keyID)\n\(firstMovementID)\n\(previousHash)\n\(createdAt)"
        }
    }

    /// One table whose rows the fact chain attests.
    struct Subject: Sendable {
        var name: String
        var keyColumn: String
        var columns: [String]
        var attestsDeletes: Bool
        /// The customer column (migration `v11-customers`) of a table whose rows belong to a
        /// customer. Rows of the default customer (id 1) keep the key and content they had
        /// before customers existed, so facts written before the migration still match them;
        /// the rows of any other customer carry the customer in their content (`item`) or key
        /// (`itemGTIN`: `GTIN/customerId`, as one GTIN may be on one item per customer).
        var customerColumn: String? = nil
        /// Whether the customer goes into the key (true) or into the content (false).
        var customerInKey = false

        /// `json_object` of the columns, each prefixed with `prefix` (`NEW.`, `OLD.` or ""),
        /// with the customer column last for a row of a customer other than the default.
        func json(_ prefix: String) -> String {
            let plain = "json_object(" + columns.map { "'\($0)', \(prefix)\"\($0)\"" }.joined(separator: ", ") + ")"
            guard let customer = customerColumn, !customerInKey else { return plain }
            let owned =
                "json_object(" + (columns + [customer]).map { "'\($0)', \(prefix)\"\($0)\"" }.joined(separator: ", ")
                + ")"
            return "(CASE WHEN \(prefix)\"\(customer)\" IS 1 THEN \(plain) ELSE \(owned) END)"
        }

        func key(_ prefix: String) -> String {
            let plain = "CAST(\(prefix)\"\(keyColumn)\" AS TEXT)"
            guard let customer = customerColumn, customerInKey else { return plain }
            return
                "(CASE WHEN \(prefix)\"\(customer)\" IS 1 THEN \(plain) ELSE \(plain) || '/' || \(prefix)\"\(customer)\" END)"
        }

        /// The columns whose change is a new fact: the content columns, the key and the customer.
        var watchedColumns: [String] { columns + [keyColumn] + (customerColumn.map { [$0] } ?? []) }
    }

    /// The attested tables, their row keys and columns.
    static let subjects: [Subject] = [
        Subject(
            name: "item",
            keyColumn: "id",
            columns: ["sku", "name", "policy", "lotTracked", "expiryTracked", "minShelfLifeDays"],
            attestsDeletes: true,
            customerColumn: "customerId"
        ),
        Subject(
            name: "itemGTIN",
            keyColumn: "gtin",
            columns: ["itemId"],
            attestsDeletes: true,
            customerColumn: "customerId",
            customerInKey: true
        ),
        Subject(
            name: "location",
            keyColumn: "id",
            columns: ["code", "kind", "parentId", "pickPriority", "gln"],
            attestsDeletes: true
        ),
        Subject(
            name: "lot",
            keyColumn: "id",
            columns: ["itemId", "code", "expiry", "bestBefore", "production", "status"],
            attestsDeletes: true
        ),
        Subject(
            name: "stock",
            keyColumn: "id",
            columns: ["itemId", "lotId", "locationId", "receivedAt"],
            attestsDeletes: true
        ),
    ]

    /// The fact (subject `stock`, key `deletes-attested`, which no balance id can be) that marks
    /// a ledger whose balance deletions are attested:
    /// from it on, a balance row missing from `stock` without a deletion fact was removed behind
    /// depotd's back. A ledger keyed before balance deletions were attested gets, once, a
    /// deletion fact for each balance already gone, then this fact.
    static let stockDeletesFeature = (subject: "stock", key: "deletes-attested")

    /// Appends the deletion facts of balances already gone and the ``stockDeletesFeature`` fact,
    /// unless the fact chain holds it already.
    static func attestStockDeletes(_ db: Database) throws {
        let feature = stockDeletesFeature
        let present =
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM ledgerFact WHERE subject = ? AND key = ?)",
                arguments: [feature.subject, feature.key]
            ) ?? false
        guard !present else { return }
        // The newest fact of every balance key that is not a deletion and has no row any more.
        let gone = try String.fetchAll(
            db,
            sql: """
                SELECT f.key FROM ledgerFact f
                WHERE f.subject = 'stock'
                  AND f.id = (SELECT max(id) FROM ledgerFact g WHERE g.subject = 'stock' AND g.key = f.key)
                  AND f.content != 'null' AND f.key != 'deletes-attested'
                  AND NOT EXISTS (SELECT 1 FROM stock s WHERE CAST(s.id AS TEXT) = f.key)
                ORDER BY CAST(f.key AS INTEGER)
                """
        )
        let statement = try db.makeStatement(sql: appendSQL(subject: "stock", key: "?", content: "'null'"))
        for key in gone { try statement.execute(arguments: [key]) }
        try db.execute(sql: appendSQL(subject: feature.subject, key: "'\(feature.key)'", content: "'true'"))
    }

    /// The statement appending one fact: the next id, the tip's MAC, and the new MAC from
    /// `depot_fact_mac`. `key` and `content` are SQL expressions.
    static func appendSQL(subject: String, key: String, content: String, when condition: String? = nil) -> String {
        """
        INSERT INTO ledgerFact (id, subject, key, content, mac)
        SELECT n.id, '\(subject)', c.key, c.content, depot_fact_mac(n.prev, n.id, '\(subject)', c.key, c.content)
        FROM (SELECT ifnull(max(id), 0) + 1 AS id, ifnull((SELECT mac FROM ledgerFact ORDER BY id DESC LIMIT 1), '') AS prev
              FROM ledgerFact) AS n,
             (SELECT \(key) AS key, \(content) AS content) AS c
        \(condition.map { "WHERE \($0)" } ?? "");
        """
    }

    /// The text a fact's MAC covers.
    static func factText(previous: String, id: Int64, subject: String, key: String, content: String) -> String {
        "\(previous)\n\(id)\n\(subject)\n\(key)\n\(content)"
    }

    /// The SQL function `depot_fact_mac(previous, id, subject, key, content)` for the writer.
    static func macFunction(_ signer: LedgerSigner) -> DatabaseFunction {
        DatabaseFunction("depot_fact_mac", argumentCount: 5, pure: true) { values in
            let previous = String.fromDatabaseValue(values[0]) ?? ""
            let id = Int64.fromDatabaseValue(values[1]) ?? 0
            let subject = String.fromDatabaseValue(values[2]) ?? ""
            let key = String.fromDatabaseValue(values[3]) ?? ""
            let content = String.fromDatabaseValue(values[4]) ?? "null"
            return signer.factMAC(factText(previous: previous, id: id, subject: subject, key: key, content: content))
        }
    }

    /// The TEMP triggers (this connection only) that append a fact for every insert, change and
    /// (but for stock) delete of an attested row. Stock's trigger fires only when its item, lot,
    /// location or receipt time changes, never for a quantity or reservation change (picks).
    static func installTriggers(_ db: Database) throws {
        for subject in subjects {
            let name = subject.name
            let changed = subject.watchedColumns.map { "OLD.\"\($0)\" IS NOT NEW.\"\($0)\"" }
                .joined(separator: " OR ")
            let watched =
                name == "stock" ? " OF " + (subject.columns + [subject.keyColumn]).joined(separator: ", ") : ""
            var sql = """
                CREATE TEMP TRIGGER IF NOT EXISTS depot_fact_\(name)_insert AFTER INSERT ON main."\(name)" BEGIN
                \(appendSQL(subject: name, key: subject.key("NEW."), content: subject.json("NEW.")))
                END;
                CREATE TEMP TRIGGER IF NOT EXISTS depot_fact_\(name)_update AFTER UPDATE\(watched) ON main."\(name)"
                WHEN \(changed) BEGIN
                \(appendSQL(subject: name, key: subject.key("OLD."), content: "'null'", when: "\(subject.key("OLD.")) IS NOT \(subject.key("NEW."))"))
                \(appendSQL(subject: name, key: subject.key("NEW."), content: subject.json("NEW.")))
                END;
                """
            if subject.attestsDeletes {
                sql += """
                    CREATE TEMP TRIGGER IF NOT EXISTS depot_fact_\(name)_delete AFTER DELETE ON main."\(name)" BEGIN
                    \(appendSQL(subject: name, key: subject.key("OLD."), content: "'null'"))
                    END;
                    """
            }
            try db.execute(sql: sql)
        }
    }

    /// Checks or writes the marker for a store opening with `signer` (nil: no key), then
    /// installs the fact triggers on the writer.
    ///
    /// - A ledger without a marker is keyed now when it has no movement or when `adopt` is true:
    ///   the marker records the plain tip and every attested row gets its first fact, in one
    ///   transaction.
    /// - Throws: ``LedgerKeyingError`` — `keyRequired` (a keyed ledger opened without a key),
    ///   `wrongKey` (the marker names another key), `unkeyedLedger` (movements, no marker, no
    ///   `adopt`), `markerInvalid` (the marker's MAC does not match).
    static func open(
        _ writer: DatabasePool,
        signer: LedgerSigner?,
        adopt: Bool,
        now: Date
    ) throws -> Bool {
        let adopted: Bool = try writer.write { db in
            let marker = try Marker.fetch(db)
            guard let signer else {
                if let marker { throw LedgerKeyingError.keyRequired(keyID: marker.keyID) }
                return false
            }
            if let marker {
                guard marker.keyID == signer.keyID else {
                    throw LedgerKeyingError.wrongKey(ledger: marker.keyID, given: signer.keyID)
                }
                guard signer.chainMAC(Array(marker.signedText.utf8)) == marker.mac else {
                    throw LedgerKeyingError.markerInvalid
                }
                try attestStockDeletes(db)
                return false
            }
            let movements = try Int64.fetchOne(db, sql: "SELECT count(*) FROM movement") ?? 0
            guard movements == 0 || adopt else { throw LedgerKeyingError.unkeyedLedger(movements: movements) }
            var fresh = Marker(
                keyID: signer.keyID,
                firstMovementID: try LedgerChain.nextID(db),
                previousHash: try LedgerChain.lastHash(db),
                createdAt: String.fromDatabaseValue(now.databaseValue) ?? "",
                mac: ""
            )
            fresh.mac = signer.chainMAC(Array(fresh.signedText.utf8))
            try db.execute(
                sql: """
                    INSERT INTO ledgerKeying (id, keyId, firstMovementId, previousHash, createdAt, mac)
                    VALUES (1, ?, ?, ?, ?, ?)
                    """,
                arguments: [fresh.keyID, fresh.firstMovementID, fresh.previousHash, fresh.createdAt, fresh.mac]
            )
            for subject in subjects {
                let rows = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT \(subject.key("")) AS key, \(subject.json("")) AS content FROM \"\(subject.name)\" ORDER BY \"\(subject.keyColumn)\""
                )
                let statement = try db.makeStatement(
                    sql: appendSQL(subject: subject.name, key: "?", content: "?")
                )
                for row in rows {
                    try statement.execute(arguments: [row["key"] as String, row["content"] as String])
                }
            }
            try attestStockDeletes(db)
            return true
        }
        if signer != nil { try writer.writeWithoutTransaction { db in try installTriggers(db) } }
        return adopted
    }
}

/// Why a store cannot open its ledger with the key it was given.
public enum LedgerKeyingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The ledger is keyed (key `keyID`) and the store was opened without a key.
    case keyRequired(keyID: String)
    /// The ledger was keyed with key `ledger`; the key given has id `given`.
    case wrongKey(ledger: String, given: String)
    /// The ledger has movements and no keyed part, and adoption was not asked for.
    case unkeyedLedger(movements: Int64)
    /// The keying marker's MAC does not match: the marker was edited or written without the key.
    case markerInvalid

    public var description: String {
        switch self {
        case let .keyRequired(id):
            return "the ledger is keyed (key id \(id)); open it with its key file ([ledger] key, --ledger-key)"
        case let .wrongKey(ledger, given):
            return
                "the ledger was keyed with key id \(ledger), but the key file given has id \(given); use the key file kept with this database"
        case let .unkeyedLedger(movements):
            return
                "the ledger of \(movements) movements is not keyed; if this database was upgraded from a depotd without a keyed ledger, check it with the old depotd's verify, then start once with --adopt-ledger; otherwise the keyed part was removed: restore from a backup"
        case .markerInvalid:
            return "the ledger's keying marker does not match its MAC: the database file was edited; restore a backup"
        }
    }
}

/// One stored fact that disagrees with the keyed ledger: the table, the row's key and the field,
/// with the value the table holds and the value the ledger recorded (JSON text; nil when absent).
public struct FactMismatch: Sendable, Codable, Equatable {
    /// Table name (`movement`, `item`, `itemGTIN`, `location`, `lot`, `stock`, `ledgerFact`).
    public var table: String
    /// The row's key (its id, or the GTIN for itemGTIN), as text.
    public var key: String
    /// The column, or `*` for the whole row (a row added or removed behind depotd's back).
    public var field: String
    /// What the table holds now (JSON value text), nil when the row is absent.
    public var stored: String?
    /// What the ledger recorded (JSON value text), nil when it has no record.
    public var ledger: String?
    /// One sentence for a supervisor.
    public var message: String
}

/// The result of checking one ``LedgerSeal`` against the ledger.
public struct SealCheck: Sendable, Codable, Equatable {
    /// The seal's movement (the tip it sealed).
    public var movement: Int64
    /// The seal's instant, as it carries it.
    public var at: String
    /// True when the ledger still holds exactly what the seal sealed.
    public var ok: Bool
    /// The first movement that disagrees with the seal (missing, changed or not chaining); nil when ok
    /// or when only the fact chain disagrees.
    public var firstDisagreeingMovement: Int64?
    /// One sentence: what agrees or what was found.
    public var message: String
}

/// A signed checkpoint of the ledger's tips (``InventoryStore/seal()``): the newest movement and
/// its hash, the newest fact and its MAC, the instant, the key's id and an HMAC-SHA-256 over
/// them under the seal sub-key. Kept outside the database (printed by `depotctl ledger seal`),
/// it lets `verify --seal` find a tail that was cut off or rewritten.
///
/// Text form: one line of JSON with sorted keys (``text``).
public struct LedgerSeal: Sendable, Codable, Equatable {
    /// Format version: 1.
    public var depotLedgerSeal: Int
    /// The ledger key's id (``LedgerKey/id``).
    public var keyId: String
    /// The newest movement id sealed (0 for an empty ledger).
    public var movement: Int64
    /// That movement's stored hash ("" for an empty ledger).
    public var hash: String
    /// The newest fact id sealed.
    public var fact: Int64
    /// That fact's MAC ("").
    public var factMac: String
    /// When the seal was made (UTC, as SQLite stores instants).
    public var at: String
    /// Hex HMAC-SHA-256 of ``signedText`` under the seal sub-key.
    public var mac: String

    /// The text the MAC covers.
    var signedText: String {
        "depot-ledger-seal-v1\n\(keyId)\n\(movement)\n\(hash)\n\(fact)\n\(factMac)\n\(at)"
    }

    /// The one-line JSON form.
    public var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Reads a seal's text form (surrounding white space ignored).
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` (field `seal`) when it is not one.
    public static func parse(_ text: String) throws(InventoryError) -> LedgerSeal {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let seal = try? JSONDecoder().decode(LedgerSeal.self, from: Data(trimmed.utf8)),
            seal.depotLedgerSeal == 1
        else {
            throw .invalidValue(
                field: "seal",
                value: String(trimmed.prefix(80)),
                reason: "not a depot ledger seal (one JSON line from depotctl ledger seal, version 1)"
            )
        }
        return seal
    }
}

/// What the chain walk found (``LedgerAudit/chain(_:signer:)``).
struct ChainFinding {
    var checked = 0
    var keyed = false
    /// The keying marker's first keyed movement id (nil: the ledger is not keyed).
    var keyedFrom: Int64?
    var firstBad: Int64?
    var fields: [String] = []
    var problem: String?
    /// Stored hash per movement id is not kept; the newest id and its hash are.
    var lastID: Int64 = 0
}

/// The checks `verify` adds for the keyed ledger.
enum LedgerAudit {
    /// The stored confusable skeletons (column `skeleton` of item, location and lot, which the
    /// look-alike check of a new code reads) against ``CodeSafety/skeleton(_:)`` of each code:
    /// one edited or left stale behind depotd's back would let a look-alike code in. At most
    /// ``VerifyReport/verifyListLimit`` mismatches, table by table.
    static func skeletons(_ db: Database) throws -> [FactMismatch] {
        var found: [FactMismatch] = []
        for (table, column) in [("item", "sku"), ("location", "code"), ("lot", "code"), ("customer", "code")] {
            let rows = try Row.fetchCursor(db, sql: "SELECT id, \(column) AS code, skeleton FROM \(table) ORDER BY id")
            while let row = try rows.next(), found.count < VerifyReport.verifyListLimit {
                let code: String = row["code"]
                let stored: String? = row["skeleton"]
                let expected = CodeSafety.skeleton(code)
                guard stored != expected else { continue }
                let id: Int64 = row["id"]
                found.append(
                    FactMismatch(
                        table: table,
                        key: String(id),
                        field: "skeleton",
                        stored: stored,
                        ledger: expected,
                        message:
                            "\(table) \(id) (\(column) \"\(code)\"): its stored look-alike skeleton is not the code's; new look-alikes of it would not be refused"
                    )
                )
            }
        }
        return found
    }

    /// The columns of `movement`, each rendered by `quote()`, in content order.
    static let piecesSQL = LedgerRowEncoder.fields.enumerated().map { "quote(\($1)) AS c\($0)" }.joined(
        separator: ", "
    )

    /// Walks the movement chain in id order: plain SHA-256 rows before the keying marker's first
    /// id, HMAC rows from it (with field tags). Stops at the first bad row and names it, with the
    /// fields whose tags differ.
    static func chain(_ db: Database, signer: LedgerSigner?) throws -> ChainFinding {
        var finding = ChainFinding()
        let marker = try LedgerKeying.Marker.fetch(db)
        finding.keyed = marker != nil
        finding.keyedFrom = marker?.firstMovementID
        if let marker, let signer {
            guard marker.keyID == signer.keyID, signer.chainMAC(Array(marker.signedText.utf8)) == marker.mac else {
                finding.firstBad = marker.firstMovementID
                finding.problem = "the keying marker does not match its MAC (edited, or another key)"
                return finding
            }
        }
        let firstKeyed = marker?.firstMovementID ?? Int64.max
        let cursor = try Row.fetchCursor(db, sql: "SELECT hash, tags, \(piecesSQL) FROM movement ORDER BY id")
        var encoder = LedgerRowEncoder()
        var previous = ""
        var reachedKeyed = false
        while let row = try cursor.next() {
            finding.checked += 1
            let idText: String = row["c0"]
            let id = Int64(idText) ?? 0
            finding.lastID = id
            let stored: String? = row["hash"]
            let tags: String? = row["tags"]
            if id >= firstKeyed && !reachedKeyed {
                reachedKeyed = true
                if previous != marker!.previousHash {
                    finding.firstBad = max(1, firstKeyed - 1)
                    finding.problem =
                        "the movements before the keyed part (1 to \(firstKeyed - 1)) were changed: their chain no longer ends in the hash the keying marker recorded"
                    return finding
                }
            }
            encoder.start(previous: previous)
            for index in LedgerRowEncoder.fields.indices { encoder.rendered(row["c\(index)"]) }
            if id < firstKeyed {
                guard tags == nil, stored == encoder.plainHash else {
                    finding.firstBad = id
                    finding.problem =
                        marker == nil
                        ? "its hash does not match its content and the previous movement's hash"
                        : "this plain SHA-256 row before the keyed part does not match its content and the previous movement's hash"
                    return finding
                }
            } else {
                guard let signer else {
                    finding.firstBad = id
                    finding.problem = "keyed movements cannot be checked without the ledger key"
                    return finding
                }
                guard let tags else {
                    finding.firstBad = id
                    finding.problem =
                        "a movement without field tags inside the keyed part (written or rewritten without the ledger key)"
                    return finding
                }
                let differing = encoder.fieldsDiffering(from: tags, signer)
                guard stored == encoder.keyedHash(signer) else {
                    finding.firstBad = id
                    finding.fields = differing
                    finding.problem =
                        differing.isEmpty
                        ? "its HMAC does not match: it does not chain from the movement before it (a movement was removed, inserted or rewritten before it), or its hash was edited"
                        : "its HMAC does not match: \(differing.joined(separator: ", ")) changed since it was written"
                    return finding
                }
                guard differing.isEmpty else {
                    finding.firstBad = id
                    finding.fields = ["tags"]
                    finding.problem = "its field tags were edited"
                    return finding
                }
            }
            previous = stored ?? ""
        }
        if let marker, !reachedKeyed, previous != marker.previousHash {
            finding.firstBad = max(1, firstKeyed - 1)
            finding.problem =
                "the movements before the keyed part were changed or removed: their chain no longer ends in the hash the keying marker recorded"
        }
        return finding
    }

    /// What the fact walk found.
    struct FactFinding {
        var checked = 0
        var firstBad: Int64?
        var mismatches: [FactMismatch] = []
        var lastID: Int64 = 0
    }

    /// Walks the fact chain, then compares every attested table with the newest fact of each row.
    static func facts(_ db: Database, signer: LedgerSigner) throws -> FactFinding {
        var finding = FactFinding()
        var latest: [String: [String: String]] = [:]
        let cursor = try Row.fetchCursor(db, sql: "SELECT id, subject, key, content, mac FROM ledgerFact ORDER BY id")
        var previous = ""
        var expectedID: Int64 = 1
        while let row = try cursor.next() {
            let id: Int64 = row["id"]
            let subject: String = row["subject"]
            let key: String = row["key"]
            let content: String = row["content"]
            let mac: String = row["mac"]
            finding.checked += 1
            let text = LedgerKeying.factText(previous: previous, id: id, subject: subject, key: key, content: content)
            guard id == expectedID, signer.factMAC(text) == mac else {
                finding.firstBad = id
                finding.mismatches.append(
                    FactMismatch(
                        table: "ledgerFact",
                        key: String(id),
                        field: "mac",
                        stored: nil,
                        ledger: nil,
                        message:
                            "fact \(id) (\(subject) \(key)) does not match its MAC: the fact chain was edited there; facts after it are not trusted"
                    )
                )
                break
            }
            latest[subject, default: [:]][key] = content
            previous = mac
            expectedID += 1
            finding.lastID = id
        }
        for subject in LedgerKeying.subjects {
            var recorded = latest[subject.name] ?? [:]
            // The marker that balance deletions are attested is no balance.
            if subject.name == LedgerKeying.stockDeletesFeature.subject {
                recorded.removeValue(forKey: LedgerKeying.stockDeletesFeature.key)
            }
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT \(subject.key("")) AS key, \(subject.json("")) AS content FROM \"\(subject.name)\" ORDER BY \"\(subject.keyColumn)\""
            )
            for row in rows {
                let key: String = row["key"]
                let content: String = row["content"]
                let ledger = recorded.removeValue(forKey: key)
                guard ledger != content else { continue }
                finding.mismatches += differences(subject: subject, key: key, stored: content, ledger: ledger)
            }
            guard subject.attestsDeletes else { continue }
            for (key, content) in recorded.sorted(by: { $0.key < $1.key }) where content != "null" {
                finding.mismatches.append(
                    FactMismatch(
                        table: subject.name,
                        key: key,
                        field: "*",
                        stored: nil,
                        ledger: content,
                        message:
                            "\(subject.name) \(key) is in the ledger but missing from the table (deleted behind depotd's back)"
                    )
                )
            }
        }
        return finding
    }

    /// Field-by-field differences of one row's JSON against the ledger's.
    static func differences(subject: Subject, key: String, stored: String, ledger: String?) -> [FactMismatch] {
        let table = subject.name
        guard let ledger, ledger != "null" else {
            return [
                FactMismatch(
                    table: table,
                    key: key,
                    field: "*",
                    stored: stored,
                    ledger: ledger,
                    message:
                        "\(table) \(key) is not in the ledger (\(ledger == nil ? "added" : "restored after its deletion") behind depotd's back)"
                )
            ]
        }
        let storedFields = fields(stored)
        let ledgerFields = fields(ledger)
        var out: [FactMismatch] = []
        for column in subject.columns where storedFields[column] != ledgerFields[column] {
            let now = storedFields[column] ?? "null"
            let then = ledgerFields[column] ?? "null"
            out.append(
                FactMismatch(
                    table: table,
                    key: key,
                    field: column,
                    stored: now,
                    ledger: then,
                    message:
                        "\(table) \(key) \(column) is \(now) but the ledger recorded \(then) (changed behind depotd's back)"
                )
            )
        }
        if out.isEmpty {
            out.append(
                FactMismatch(
                    table: table,
                    key: key,
                    field: "*",
                    stored: stored,
                    ledger: ledger,
                    message: "\(table) \(key) differs from the ledger's record"
                )
            )
        }
        return out
    }

    typealias Subject = LedgerKeying.Subject

    /// A JSON object's members as JSON value texts (`"x"`, `3`, `null`).
    static func fields(_ json: String) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]),
            let members = object as? [String: Any]
        else { return [:] }
        var out: [String: String] = [:]
        for (key, value) in members {
            if value is NSNull {
                out[key] = "null"
            } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) {
                out[key] = String(decoding: data, as: UTF8.self)
            }
        }
        return out
    }

    /// Checks each seal against the ledger: its key id and MAC, then that the ledger still holds
    /// the sealed movement with the sealed hash, and the sealed fact with its MAC.
    /// `chainFirstBad` is the chain walk's first bad movement, `factFirstBad` the fact walk's.
    static func seals(
        _ seals: [LedgerSeal],
        _ db: Database,
        signer: LedgerSigner?,
        chainFirstBad: Int64?,
        factFirstBad: Int64?
    ) throws -> [SealCheck] {
        let lastMovement = try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) FROM movement") ?? 0
        let lastFact = try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) FROM ledgerFact") ?? 0
        func storedHash(_ id: Int64) throws -> String? {
            try String.fetchOne(db, sql: "SELECT hash FROM movement WHERE id = ?", arguments: [id])
        }
        func storedFactMac(_ id: Int64) throws -> String? {
            try String.fetchOne(db, sql: "SELECT mac FROM ledgerFact WHERE id = ?", arguments: [id])
        }
        // Seals whose movement tip still agrees bound where a disagreement can start.
        var agreeing: [Int64] = []
        var results: [SealCheck] = []
        for seal in seals {
            guard let signer else {
                results.append(
                    SealCheck(
                        movement: seal.movement,
                        at: seal.at,
                        ok: false,
                        firstDisagreeingMovement: nil,
                        message: "the store has no ledger key to check seals with"
                    )
                )
                continue
            }
            guard seal.keyId == signer.keyID else {
                results.append(
                    SealCheck(
                        movement: seal.movement,
                        at: seal.at,
                        ok: false,
                        firstDisagreeingMovement: nil,
                        message: "the seal was made with key id \(seal.keyId); this ledger's key is \(signer.keyID)"
                    )
                )
                continue
            }
            guard signer.sealMAC(seal.signedText) == seal.mac else {
                results.append(
                    SealCheck(
                        movement: seal.movement,
                        at: seal.at,
                        ok: false,
                        firstDisagreeingMovement: nil,
                        message: "the seal's MAC does not match: the seal itself was edited"
                    )
                )
                continue
            }
            if seal.movement <= lastMovement, try storedHash(seal.movement) ?? "" == seal.hash || seal.movement == 0,
                chainFirstBad.map({ $0 > seal.movement }) ?? true
            {
                agreeing.append(seal.movement)
            }
        }
        for seal in seals {
            guard let signer, seal.keyId == signer.keyID, signer.sealMAC(seal.signedText) == seal.mac else {
                continue
            }
            let broken = chainFirstBad.flatMap { $0 <= seal.movement ? $0 : nil }
            var first: Int64?
            var message: String
            if seal.movement > lastMovement {
                first = min(broken ?? Int64.max, lastMovement + 1)
                message =
                    "the seal covers movements up to \(seal.movement) but the ledger ends at \(lastMovement): movement \(first!) first disagrees (the tail was cut off\(broken != nil ? " or rewritten" : ""))"
            } else if seal.movement > 0, try storedHash(seal.movement) != seal.hash {
                let lowest = (agreeing.filter { $0 < seal.movement }.max() ?? 0) + 1
                first = broken ?? lowest
                message =
                    broken != nil
                    ? "movement \(first!) first disagrees with the seal (the ledger was rewritten from there)"
                    : "movement \(seal.movement) has another hash than the seal recorded: the ledger was rewritten at or after movement \(lowest)"
            } else if let broken {
                first = broken
                message = "movement \(broken) first disagrees with the seal (it was changed after the seal was made)"
            } else {
                message = "the ledger holds movements 1 to \(seal.movement) as sealed"
            }
            var ok = first == nil
            if seal.fact > lastFact {
                ok = false
                message += "; the seal covers facts up to \(seal.fact) but the ledger ends at \(lastFact)"
            } else if seal.fact > 0, try storedFactMac(seal.fact) != seal.factMac {
                ok = false
                message += "; fact \(seal.fact) has another MAC than the seal recorded"
            } else if let bad = factFirstBad, bad <= seal.fact {
                ok = false
                message += "; fact \(bad) was changed after the seal was made"
            }
            results.append(
                SealCheck(
                    movement: seal.movement,
                    at: seal.at,
                    ok: ok,
                    firstDisagreeingMovement: first,
                    message: message
                )
            )
        }
        return results
    }
}

extension LedgerKey {
    /// The key id a database's ledger is keyed with (its keying marker), read without migrating
    /// or writing anything; nil when the file does not exist, has no keyed-ledger tables yet, or
    /// its ledger is not keyed.
    /// - Throws: GRDB's `DatabaseError` when the file exists but cannot be read as SQLite.
    public static func keyID(ofDatabaseAt databasePath: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: databasePath) else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: databasePath, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            guard try db.tableExists("ledgerKeying") else { return nil }
            return try String.fetchOne(db, sql: "SELECT keyId FROM ledgerKeying WHERE id = 1")
        }
    }

    /// The key for serving the database at `databasePath`: the key file at `path`, or, when it
    /// does not exist and the database is not keyed (new, or from before the keyed ledger), a new
    /// key file (``create(path:)``). A keyed database's missing key file is never replaced.
    /// - Returns: the key and whether this call created its file.
    /// - Throws: ``LedgerKeyError``: as ``load(path:)`` and ``create(path:)``;
    ///   `missingForKeyedLedger` when the file is missing and the database's ledger is keyed;
    ///   `databaseUnreadable` when the database cannot be read to tell.
    public static func forDatabase(
        at databasePath: String,
        path: String
    ) throws(LedgerKeyError) -> (
        key: LedgerKey, created: Bool
    ) {
        do {
            return (try load(path: path), false)
        } catch .missing {
            let keyID: String?
            do {
                keyID = try Self.keyID(ofDatabaseAt: databasePath)
            } catch {
                // Not knowing whether the ledger is keyed, create nothing.
                throw .databaseUnreadable(path: path, database: databasePath, detail: "\(error)")
            }
            if let keyID { throw .missingForKeyedLedger(path: path, keyID: keyID, database: databasePath) }
            return (try create(path: path), true)
        }
    }
}
