import Foundation
import GRDB
import Inventory

/// The shape of the benchmark database: how many items, lots per item and locations, the seed
/// of its contents and the fixed "now" the picks run at.
struct BenchShape: Codable, Equatable {
    /// Items, all expiry-tracked and lot-tracked, policy `fefo`.
    var items: Int
    /// Lots per item; each lot has one balance in one location.
    var lotsPerItem: Int
    /// Locations: mostly `storage`, every 10th `picking`, every 50th `quarantine` (not pickable).
    var locations: Int
    /// Seed of the random contents (expiry dates, statuses, quantities, locations).
    var seed: UInt64
    /// The fixed instant of the run (UTC); "today" is its calendar date in UTC.
    var now: Date
    /// Bumped when the generated contents change, so an old cached file is rebuilt.
    var layoutVersion = 1

    var lots: Int { items * lotsPerItem }

    /// `SKU0000042`: the SKU of item number `index` (1-based).
    static func sku(_ index: Int) -> String { "SKU" + zeroPadded(index, 7) }
}

/// What the setup found or did.
struct BenchDatabaseInfo {
    /// True when an existing file with the same shape was reused.
    var reused: Bool
    /// Seconds the bulk setup took (read from the sidecar when reused).
    var buildSeconds: Double
    /// Size of the SQLite file in bytes after setup.
    var bytes: Int64
}

/// Builds (or reuses) the benchmark database.
///
/// Setup bypasses the engine on purpose: a million `receive` operations through
/// ``InventoryStore/receive(_:actor:)`` would take far longer than the benchmark itself. It
/// writes the engine's own schema (``InventoryStore`` creates and migrates the file first) with
/// raw SQL in large transactions: items, locations, lots, one balance per lot, and for every
/// balance the `receive` movement the engine would have written, so balances equal the ledger.
/// That is valid because nothing the engine reads is left out or invented: the rows are exactly
/// those the public operations produce, and ``InventoryStore/verify()`` (SQLite integrity,
/// foreign keys, every balance against its ledger sum) is run on the file at the end of every
/// benchmark run. Foreign keys are not checked row by row during the bulk load (verify checks
/// them all once).
///
/// The file is cached: a sidecar `PATH.setup.json` records the shape; a later run with the same
/// shape reuses the file (its stock is slightly lower after earlier runs' picks, which the
/// workload tolerates: picks are a few units out of hundreds per lot).
enum BenchDatabase {
    static func sidecarPath(_ path: String) -> String { path + ".setup.json" }

    private struct Sidecar: Codable {
        var shape: BenchShape
        var buildSeconds: Double
    }

    /// Returns the database at `path`, building it when missing, of another shape, or `rebuild`.
    static func prepare(
        path: String,
        shape: BenchShape,
        rebuild: Bool,
        progress: (String) -> Void
    ) throws -> BenchDatabaseInfo {
        let files = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try files.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        if !rebuild, files.fileExists(atPath: path),
            let data = files.contents(atPath: sidecarPath(path)),
            let sidecar = try? JSONDecoder().decode(Sidecar.self, from: data), sidecar.shape == shape
        {
            return BenchDatabaseInfo(reused: true, buildSeconds: sidecar.buildSeconds, bytes: fileSize(path))
        }
        for suffix in ["", "-wal", "-shm", ".setup.json", ".partial", ".partial-wal", ".partial-shm"] {
            try? files.removeItem(atPath: path + suffix)
        }
        let partial = path + ".partial"
        let started = ContinuousClock.now
        try build(path: partial, shape: shape, progress: progress)
        let elapsed = started.duration(to: .now)
        try files.moveItem(atPath: partial, toPath: path)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(Sidecar(shape: shape, buildSeconds: seconds)).write(
            to: URL(fileURLWithPath: sidecarPath(path))
        )
        return BenchDatabaseInfo(reused: false, buildSeconds: seconds, bytes: fileSize(path))
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Creates the schema through ``InventoryStore`` (its migrations), then bulk-loads the rows.
    private static func build(path: String, shape: BenchShape, progress: (String) -> Void) throws {
        let store = try InventoryStore(path: path, clock: .fixed(shape.now))
        try store.close()

        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        configuration.prepareDatabase { db in
            // Bulk load only: a crash during setup leaves a `.partial` file that the next run deletes.
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA cache_size = -262144")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        var rng = SplitMix64(seed: shape.seed)
        let today = CalendarDate(shape.now, in: TimeZone(identifier: "UTC")!)
        let actor = "bench-setup"

        try queue.write { db in
            let location = try db.makeStatement(
                sql: "INSERT INTO location (id, code, kind, parentId, pickPriority) VALUES (?, ?, ?, NULL, ?)"
            )
            for index in 1...shape.locations {
                // A-aa-bbb: aisle and bay; every 10th a picking face, every 50th a quarantine cage.
                let code = "A-" + pad(index / 1000, 2) + "-" + pad(index % 1000, 3)
                let kind = index % 50 == 0 ? "quarantine" : index % 10 == 0 ? "picking" : "storage"
                try location.execute(arguments: [index, code, kind, Int(rng.next(below: 5))])
            }
        }
        progress("locations: \(shape.locations)")

        let chunk = 10_000
        var firstItem = 1
        while firstItem <= shape.items {
            let lastItem = min(shape.items, firstItem + chunk - 1)
            try queue.write { db in
                let item = try db.makeStatement(
                    sql: """
                        INSERT INTO item (id, sku, name, policy, lotTracked, expiryTracked, minShelfLifeDays)
                        VALUES (?, ?, ?, 'fefo', 1, 1, ?)
                        """
                )
                let lot = try db.makeStatement(
                    sql: """
                        INSERT INTO lot (id, itemId, code, expiry, bestBefore, production, status) VALUES (?, ?, ?, ?, NULL, ?, ?)
                        """
                )
                let stock = try db.makeStatement(
                    sql: """
                        INSERT INTO stock (id, itemId, lotId, locationId, quantity, reserved, receivedAt) VALUES (?, ?, ?, ?, ?, 0, ?)
                        """
                )
                let movement = try db.makeStatement(
                    sql: """
                        INSERT INTO movement (id, at, kind, itemId, lotId, fromLocationId, toLocationId, quantity, actor, reference, reason, hash)
                        VALUES (?, ?, 'receive', ?, ?, NULL, ?, ?, ?, ?, NULL, ?)
                        """
                )
                // The ledger's hash chain continues from the newest row (LedgerChain).
                var movementID = try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) FROM movement") ?? 0
                var previousHash =
                    try String.fetchOne(db, sql: "SELECT hash FROM movement ORDER BY id DESC LIMIT 1") ?? ""
                for itemIndex in firstItem...lastItem {
                    let sku = BenchShape.sku(itemIndex)
                    // One item in 20 asks for 5 days of remaining shelf life.
                    try item.execute(arguments: [
                        itemIndex, sku, "Bench item \(itemIndex)", itemIndex % 20 == 0 ? 5 : 0,
                    ])
                    for lotIndex in 0..<shape.lotsPerItem {
                        let id = (itemIndex - 1) * shape.lotsPerItem + lotIndex + 1
                        // Expiry around today: about 6 % already expired (1-60 days ago), the rest
                        // within the next two years; production two years before expiry.
                        let offset =
                            rng.next(below: 100) < 6 ? -1 - Int(rng.next(below: 60)) : Int(rng.next(below: 730))
                        let expiry = today.adding(days: offset)
                        // About 3 % quarantined and 1 % blocked.
                        let roll = rng.next(below: 100)
                        let status = roll < 3 ? "quarantine" : roll < 4 ? "blocked" : "available"
                        try lot.execute(arguments: [
                            id, itemIndex, "L" + pad(itemIndex, 6) + "-" + pad(lotIndex, 2),
                            expiry.description, expiry.adding(days: -730).description, status,
                        ])
                        let locationId = 1 + Int(rng.next(below: UInt64(shape.locations)))
                        let quantity = 50 + Int64(rng.next(below: 451))
                        // Received 1 to 200 days ago, at some second of the day.
                        let receivedAt = shape.now.addingTimeInterval(-Double(86_400 + rng.next(below: 200 * 86_400)))
                        try stock.execute(arguments: [id, itemIndex, id, locationId, quantity, receivedAt])
                        movementID += 1
                        previousHash = LedgerChain.rowHash(
                            previous: previousHash,
                            id: movementID,
                            at: receivedAt,
                            kind: .receive,
                            itemId: Int64(itemIndex),
                            lotId: Int64(id),
                            fromLocationId: nil,
                            toLocationId: Int64(locationId),
                            quantity: quantity,
                            actor: actor,
                            reference: "bench-receipt-\(id)",
                            reason: nil
                        )
                        try movement.execute(arguments: [
                            movementID, receivedAt, itemIndex, id, locationId, quantity, actor,
                            "bench-receipt-\(id)", previousHash,
                        ])
                    }
                }
            }
            progress("items: \(lastItem) of \(shape.items)")
            firstItem = lastItem + 1
        }
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try queue.close()
    }

    private static func pad(_ value: Int, _ width: Int) -> String { zeroPadded(value, width) }
}

/// `value` in decimal, left-padded with zeros to `width` digits.
func zeroPadded(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small seeded generator, so a run's picks and a
/// database's contents are the same for the same seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (bound > 0).
    mutating func next(below bound: UInt64) -> UInt64 {
        next(upperBound: bound)
    }
}
