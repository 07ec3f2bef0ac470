import Crypto
import Foundation
import GRDB

/// The ledger's hash chain: each movement row carries `hash`, the lowercase hex SHA-256
/// (FIPS 180-4) of the previous row's hash, a newline, and the row's content.
///
/// The content is the row's columns in schema order (id, at, kind, itemId, lotId, fromLocationId,
/// toLocationId, quantity, actor, reference, reason), each as SQLite's `quote()` renders it
/// (NULL, integers as digits, text in single quotes with quotes doubled), joined with commas: one
/// unambiguous text for every row. The first row's previous hash is the empty string. Changing,
/// inserting or deleting any row but the newest breaks the chain at the row after the change
/// (deleting the newest row is not detectable by the chain alone; seals are).
///
/// These are the plain rows: written by a store without a ``LedgerKey`` and before a ledger's
/// keying marker. From the marker on, the same text is HMAC'd under the ledger key instead
/// (``LedgerRowEncoder``, ``LedgerKeying``); `verify` walks both (``LedgerAudit``).
public enum LedgerChain {
    /// The SQL expression of a row's content over columns of `movement` (or a subselect with
    /// the same column names).
    static let contentSQL = """
        quote(id) || ',' || quote(at) || ',' || quote(kind) || ',' || quote(itemId) || ',' || quote(lotId) || ',' ||
        quote(fromLocationId) || ',' || quote(toLocationId) || ',' || quote(quantity) || ',' || quote(actor) || ',' ||
        quote(reference) || ',' || quote(reason)
        """

    /// A row's content as ``contentSQL`` renders it, built in Swift for rows being inserted:
    /// integers as digits, text in single quotes with quotes doubled, NULL for absent values.
    static func content(
        id: Int64,
        at: String,
        kind: String,
        itemId: Int64,
        lotId: Int64?,
        fromLocationId: Int64?,
        toLocationId: Int64?,
        quantity: Int64,
        actor: String,
        reference: String?,
        reason: String?
    ) -> String {
        var out = ""
        out.reserveCapacity(
            96 + at.utf8.count + actor.utf8.count + (reference?.utf8.count ?? 0) + (reason?.utf8.count ?? 0)
        )
        func number(_ value: Int64?) {
            if let value { out += String(value) } else { out += "NULL" }
        }
        func text(_ value: String?) {
            guard let value else {
                out += "NULL"
                return
            }
            out += "'"
            out += value.utf8.contains(UInt8(ascii: "'")) ? value.replacingOccurrences(of: "'", with: "''") : value
            out += "'"
        }
        number(id)
        out += ","
        text(at)
        out += ","
        text(kind)
        out += ","
        number(itemId)
        out += ","
        number(lotId)
        out += ","
        number(fromLocationId)
        out += ","
        number(toLocationId)
        out += ","
        number(quantity)
        out += ","
        text(actor)
        out += ","
        text(reference)
        out += ","
        text(reason)
        return out
    }

    /// The chain hash of one movement row for loaders that write `movement` rows themselves
    /// (benchmarks' bulk set-up): the same hash ``MovementLog`` gives a row it appends. Rows must
    /// be written in id order, each chaining from the previous row's hash ("" for the first).
    /// - Parameter at: the row's instant; it is hashed as SQLite stores it (milliseconds).
    public static func rowHash(
        previous: String,
        id: Int64,
        at: Date,
        kind: MovementKind,
        itemId: Int64,
        lotId: Int64?,
        fromLocationId: Int64?,
        toLocationId: Int64?,
        quantity: Int64,
        actor: String,
        reference: String?,
        reason: String?
    ) -> String {
        hash(
            previous: previous,
            content: content(
                id: id,
                at: String.fromDatabaseValue(at.databaseValue) ?? "",
                kind: kind.rawValue,
                itemId: itemId,
                lotId: lotId,
                fromLocationId: fromLocationId,
                toLocationId: toLocationId,
                quantity: quantity,
                actor: actor,
                reference: reference,
                reason: reason
            )
        )
    }

    /// `hex(SHA-256(previous + "\n" + content))`.
    static func hash(previous: String, content: String) -> String {
        var input = [UInt8]()
        input.reserveCapacity(previous.utf8.count + 1 + content.utf8.count)
        input.append(contentsOf: previous.utf8)
        input.append(0x0A)
        input.append(contentsOf: content.utf8)
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: input) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The hash of the newest movement, "" for an empty ledger.
    static func lastHash(_ db: Database) throws -> String {
        try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM movement ORDER BY id DESC LIMIT 1")) ?? ""
    }

    /// The id the next inserted movement gets (AUTOINCREMENT: above every id ever used).
    static func nextID(_ db: Database) throws -> Int64 {
        let sequence =
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'movement'")) ?? 0
        let maximum = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(id) FROM movement")) ?? 0
        return max(sequence, maximum) + 1
    }

    /// Migration `v2-ledger-hash`: adds `movement.hash`, computes it for existing rows in id
    /// order (the append-only trigger is lifted only inside this migration's transaction), and
    /// refused new rows without a 64-character hash (dropped again by `v3-ledger-hash-by-verify`).
    static func migrate(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE movement ADD COLUMN hash TEXT")
        try db.execute(sql: "DROP TRIGGER movement_no_update")
        let rows = try Row.fetchAll(db, sql: "SELECT id, \(contentSQL) AS content FROM movement ORDER BY id")
        var previous = ""
        for row in rows {
            previous = hash(previous: previous, content: row["content"])
            try db.execute(sql: "UPDATE movement SET hash = ? WHERE id = ?", arguments: [previous, row["id"] as Int64])
        }
        try db.execute(
            sql: """
                CREATE TRIGGER movement_no_update BEFORE UPDATE ON movement
                    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                CREATE TRIGGER movement_hash_required BEFORE INSERT ON movement
                    WHEN NEW.hash IS NULL OR length(NEW.hash) != 64
                    BEGIN SELECT RAISE(ABORT, 'a movement needs its chain hash'); END;
                """
        )
    }
}

/// One movement row rendered as the chain's content (``LedgerChain``), into a buffer reused from
/// row to row: the bytes of `previous hash + "\n" + content` and where each of the 11 columns ends,
/// so the row's hash (plain SHA-256 or keyed HMAC) and its field tags come from one rendering
/// without allocating per column.
struct LedgerRowEncoder {
    /// Column names in content order; a field tag's index is its place here.
    static let fields = [
        "id", "at", "kind", "itemId", "lotId", "fromLocationId", "toLocationId", "quantity", "actor", "reference",
        "reason",
    ]
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    /// `previous + "\n" + content`.
    private(set) var bytes: [UInt8] = []
    /// Where the content starts in ``bytes``.
    private var contentStart = 0
    /// End offset in ``bytes`` of each field rendered so far.
    private var ends: [Int] = []

    init() {
        bytes.reserveCapacity(512)
        ends.reserveCapacity(Self.fields.count)
    }

    /// Starts a row chaining from `previous`.
    mutating func start(previous: String) {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: previous.utf8)
        bytes.append(0x0A)
        contentStart = bytes.count
    }

    private mutating func separate() {
        if !ends.isEmpty { bytes.append(UInt8(ascii: ",")) }
    }

    /// An integer column (NULL when nil), as SQLite's `quote()` renders it.
    mutating func number(_ value: Int64?) {
        separate()
        if let value { bytes.append(contentsOf: String(value).utf8) } else { bytes.append(contentsOf: "NULL".utf8) }
        ends.append(bytes.count)
    }

    /// A text column (NULL when nil): in single quotes, quotes doubled, as `quote()` renders it.
    mutating func text(_ value: String?) {
        separate()
        if let value {
            bytes.append(UInt8(ascii: "'"))
            for byte in value.utf8 {
                bytes.append(byte)
                if byte == UInt8(ascii: "'") { bytes.append(byte) }
            }
            bytes.append(UInt8(ascii: "'"))
        } else {
            bytes.append(contentsOf: "NULL".utf8)
        }
        ends.append(bytes.count)
    }

    /// A column already rendered by SQLite's `quote()` (verify reads them so).
    mutating func rendered(_ piece: String) {
        separate()
        bytes.append(contentsOf: piece.utf8)
        ends.append(bytes.count)
    }

    /// The content alone, as text (tests and diagnostics).
    var content: String { String(decoding: bytes[contentStart...], as: UTF8.self) }

    /// `hex(SHA-256(previous + "\n" + content))`: the plain chain.
    var plainHash: String { Hex.encode(SHA256.hash(data: bytes)) }

    /// The keyed chain: hex HMAC-SHA-256 of the same bytes under the chain sub-key.
    func keyedHash(_ signer: LedgerSigner) -> String { signer.chainMAC(bytes) }

    /// The 11 field tags (``LedgerSigner/tag(field:_:)``), 8 hex digits each, in field order.
    func tags(_ signer: LedgerSigner) -> String {
        var out = [UInt8]()
        out.reserveCapacity(8 * ends.count)
        let digits = Self.hexDigits
        bytes.withUnsafeBufferPointer { buffer in
            var start = contentStart
            for (index, end) in ends.enumerated() {
                let value = signer.tag(field: index, UnsafeBufferPointer(rebasing: buffer[start..<end]))
                for shift in stride(from: 28, through: 0, by: -4) {
                    out.append(digits[Int((value >> UInt32(shift)) & 0xF)])
                }
                start = end + 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Names of the fields whose tag in `stored` differs from this rendering's (empty when
    /// `stored` is malformed or every tag agrees).
    func fieldsDiffering(from stored: String, _ signer: LedgerSigner) -> [String] {
        let computed = Array(tags(signer).utf8)
        let given = Array(stored.utf8)
        guard given.count == computed.count else { return [] }
        return Self.fields.indices.filter { index in
            given[(8 * index)..<(8 * index + 8)] != computed[(8 * index)..<(8 * index + 8)]
        }.map { Self.fields[$0] }
    }
}

/// The ledger chain's tip (the id the next movement gets and the newest movement's hash), kept on
/// the writer so that an intent appends without querying it: read from the database once, when
/// first needed, then advanced by every append.
///
/// ``GroupCommit`` owns the writer's tip and keeps it exact: it restores the value an intent
/// started from when the intent's savepoint rolls back, and forgets it (nil: read again) when a
/// group's transaction fails. depotd is the only writer of its database (``DatabaseLock`` in
/// DepotService); should another connection commit all the same (two stores on one file, as
/// tests do), `PRAGMA data_version` changes and the tip is read again (``revalidate(_:)``).
/// `@unchecked Sendable`: used only inside the writer's transactions (GRDB's serial writer queue)
/// and by the group commit's single drain after its `write` returned.
final class LedgerTip: @unchecked Sendable {
    /// The tip, nil until read (or after a failed group).
    var value: (nextID: Int64, lastHash: String)?
    /// `PRAGMA data_version` when ``value`` was last known good.
    private var dataVersion: Int64?

    init() {}

    /// Forgets the tip when another connection committed since the last transaction
    /// (`PRAGMA data_version`, sqlite.org/pragma.html#pragma_data_version: it changes only for
    /// other connections' commits). One cached statement per group, not per intent.
    func revalidate(_ db: Database) throws {
        let version = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version"))
        if version != dataVersion {
            value = nil
            dataVersion = version
        }
    }

    /// The tip, read from `db` when not known yet.
    func current(_ db: Database) throws -> (nextID: Int64, lastHash: String) {
        if let value { return value }
        let read = (nextID: try LedgerChain.nextID(db), lastHash: try LedgerChain.lastHash(db))
        value = read
        return read
    }
}
