import Foundation
import GRDB

/// The database schema as a list of migrations. Migrations are named by stable strings and are
/// never edited once shipped; a change is a new migration appended here.
///
/// Invariants the schema itself enforces: NOT NULL and CHECK on every quantity (on hand ≥ 0,
/// reserved between 0 and on hand), UNIQUE SKUs, GTINs, location codes, lots per item and
/// balances per (item, lot, location), foreign keys, and an append-only ledger (triggers refuse
/// UPDATE and DELETE on `movement`).
enum Schema {
    /// Refuses a database that a newer depot migrated: it records schema migrations this build
    /// does not know, so this build would misread or damage it. Nothing is written.
    /// - Throws: ``SchemaTooNew`` naming the unknown migrations and this build's version.
    static func refuseNewer(_ writer: some DatabaseWriter) throws {
        let known = Set(migrator.migrations)
        let applied = try writer.read { db in try migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(known)
        guard unknown.isEmpty else {
            throw SchemaTooNew(unknownMigrations: unknown.sorted(), latestKnown: migrator.migrations.last ?? "")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-core") { db in
            try db.execute(
                sql: """
                    CREATE TABLE item (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        sku TEXT NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64),
                        name TEXT NOT NULL,
                        policy TEXT NOT NULL CHECK (policy IN ('fefo', 'fifo')),
                        lotTracked BOOLEAN NOT NULL,
                        expiryTracked BOOLEAN NOT NULL,
                        minShelfLifeDays INTEGER NOT NULL DEFAULT 0 CHECK (minShelfLifeDays >= 0)
                    );
                    CREATE TABLE itemGTIN (
                        gtin TEXT PRIMARY KEY CHECK (length(gtin) = 14),
                        itemId INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE
                    );
                    CREATE INDEX itemGTIN_item ON itemGTIN(itemId);
                    CREATE TABLE location (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
                        kind TEXT NOT NULL CHECK (kind IN ('receiving', 'storage', 'picking', 'shipping', 'quarantine')),
                        parentId INTEGER REFERENCES location(id),
                        pickPriority INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX location_parent ON location(parentId);
                    CREATE TABLE lot (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        itemId INTEGER NOT NULL REFERENCES item(id),
                        code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
                        expiry TEXT,
                        bestBefore TEXT,
                        production TEXT,
                        status TEXT NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'quarantine', 'blocked')),
                        UNIQUE (itemId, code)
                    );
                    CREATE INDEX lot_expiry ON lot(expiry);
                    CREATE TABLE stock (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        itemId INTEGER NOT NULL REFERENCES item(id),
                        lotId INTEGER REFERENCES lot(id),
                        locationId INTEGER NOT NULL REFERENCES location(id),
                        quantity INTEGER NOT NULL CHECK (quantity > 0),
                        reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= quantity),
                        receivedAt DATETIME NOT NULL
                    );
                    CREATE UNIQUE INDEX stock_key ON stock(itemId, locationId, ifnull(lotId, 0));
                    CREATE INDEX stock_lot ON stock(lotId);
                    CREATE INDEX stock_location ON stock(locationId);
                    CREATE TABLE movement (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at DATETIME NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('receive', 'move', 'pick', 'adjust', 'lot_status')),
                        itemId INTEGER NOT NULL REFERENCES item(id),
                        lotId INTEGER REFERENCES lot(id),
                        fromLocationId INTEGER REFERENCES location(id),
                        toLocationId INTEGER REFERENCES location(id),
                        quantity INTEGER NOT NULL CHECK (quantity >= 0),
                        actor TEXT NOT NULL,
                        reference TEXT,
                        reason TEXT,
                        CHECK ((kind = 'lot_status') = (quantity = 0)),
                        CHECK (kind = 'lot_status' OR fromLocationId IS NOT NULL OR toLocationId IS NOT NULL)
                    );
                    CREATE INDEX movement_item ON movement(itemId);
                    CREATE INDEX movement_lot ON movement(lotId);
                    CREATE INDEX movement_from ON movement(fromLocationId);
                    CREATE INDEX movement_to ON movement(toLocationId);
                    CREATE INDEX movement_at ON movement(at);
                    CREATE TRIGGER movement_no_update BEFORE UPDATE ON movement
                        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                    CREATE TRIGGER movement_no_delete BEFORE DELETE ON movement
                        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                    CREATE TABLE "order" (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        reference TEXT NOT NULL UNIQUE CHECK (length(reference) BETWEEN 1 AND 64),
                        status TEXT NOT NULL CHECK (status IN ('open', 'picked', 'cancelled')),
                        createdAt DATETIME NOT NULL,
                        actor TEXT NOT NULL
                    );
                    CREATE TABLE orderLine (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        orderId INTEGER NOT NULL REFERENCES "order"(id),
                        lineNo INTEGER NOT NULL CHECK (lineNo >= 1),
                        itemId INTEGER NOT NULL REFERENCES item(id),
                        quantity INTEGER NOT NULL CHECK (quantity > 0),
                        picked INTEGER NOT NULL DEFAULT 0 CHECK (picked >= 0 AND picked <= quantity),
                        minShelfLifeDays INTEGER NOT NULL DEFAULT 0 CHECK (minShelfLifeDays >= 0),
                        UNIQUE (orderId, lineNo)
                    );
                    CREATE TABLE reservation (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        orderLineId INTEGER NOT NULL REFERENCES orderLine(id),
                        stockId INTEGER NOT NULL REFERENCES stock(id),
                        quantity INTEGER NOT NULL CHECK (quantity > 0),
                        UNIQUE (orderLineId, stockId)
                    );
                    CREATE INDEX reservation_stock ON reservation(stockId);
                    """
            )
        }
        migrator.registerMigration("v2-floor") { db in
            try db.execute(
                sql: """
                    ALTER TABLE location ADD COLUMN gln TEXT CHECK (gln IS NULL OR length(gln) BETWEEN 13 AND 33);
                    CREATE UNIQUE INDEX location_gln ON location(gln) WHERE gln IS NOT NULL;
                    CREATE TABLE appliedScan (
                        scanId TEXT PRIMARY KEY CHECK (length(scanId) BETWEEN 1 AND 200),
                        appliedAt DATETIME NOT NULL,
                        firstMovementId INTEGER,
                        lastMovementId INTEGER
                    );
                    """
            )
        }
        migrator.registerMigration("v2-counts") { db in
            try CountSchema.create(db)
        }
        // Tamper-evident ledger: a SHA-256 chain over the movements (LedgerChain).
        migrator.registerMigration("v2-ledger-hash") { db in try LedgerChain.migrate(db) }
        // The per-row trigger requiring a hash cost about 17 µs per movement (1.7 s of a 100,000-line
        // count approval). Every movement is written by MovementLog.append, which always hashes, and
        // verify walks the chain and names the first row whose hash is missing or wrong, so the
        // trigger only duplicated that check. The append-only triggers stay.
        migrator.registerMigration("v3-ledger-hash-by-verify") { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS movement_hash_required")
        }
        // Exactly-once per intent (OperationContext): a scan may make several writes, each applied
        // once. Scans recorded before keep intent '*', which refuses every intent of that scan.
        migrator.registerMigration("v4-applied-scan-intent") { db in
            try db.execute(
                sql: """
                    CREATE TABLE appliedScanIntent (
                        scanId TEXT NOT NULL CHECK (length(scanId) BETWEEN 1 AND 200),
                        intent TEXT NOT NULL CHECK (length(intent) BETWEEN 1 AND 100),
                        appliedAt DATETIME NOT NULL,
                        firstMovementId INTEGER,
                        lastMovementId INTEGER,
                        reference TEXT CHECK (reference IS NULL OR length(reference) BETWEEN 1 AND 200),
                        PRIMARY KEY (scanId, intent)
                    );
                    INSERT INTO appliedScanIntent (scanId, intent, appliedAt, firstMovementId, lastMovementId)
                        SELECT scanId, '*', appliedAt, firstMovementId, lastMovementId FROM appliedScan;
                    DROP TABLE appliedScan;
                    ALTER TABLE appliedScanIntent RENAME TO appliedScan;
                    """
            )
        }
        // Recounts must agree with something (CountRecountRule): the previous pass's count and
        // counter of each line, and per session the count after which a new counter is believed.
        migrator.registerMigration("v5-count-recount-agreement") { db in
            try db.execute(
                sql: """
                    ALTER TABLE countLine ADD COLUMN priorCounted INTEGER CHECK (priorCounted IS NULL OR priorCounted >= 0);
                    ALTER TABLE countLine ADD COLUMN priorCountedBy TEXT;
                    ALTER TABLE countSession ADD COLUMN acceptAfterCounts INTEGER NOT NULL DEFAULT 3
                        CHECK (acceptAfterCounts BETWEEN 2 AND 100);
                    """
            )
        }
        // Floor sessions survive a restart: one row per scanner (ScannerSessionState).
        migrator.registerMigration("v6-floor-session") { db in try ScannerSessionTable.create(db) }
        // Fewer index pages per movement (each secondary index is at least one more WAL frame per
        // commit, docs/benchmarks.md). `movement_lot` goes: no query names a lot id without its
        // item (a lot is one item's; the item-and-lot ledger filter walks `movement_item` in id
        // order and stops at its limit), and lots are never deleted, so no foreign-key check
        // needs it. The destination index leaves out picks and other outgoing movements, which
        // have no destination (`toLocationId = ?` can use an index `WHERE toLocationId IS NOT
        // NULL`, sqlite.org/partialindex.html). An (itemId, lotId) index instead of
        // `movement_item` would sort an item's whole history for every page of its ledger.
        migrator.registerMigration("v7-movement-index-pages") { db in
            try db.execute(
                sql: """
                    DROP INDEX movement_lot;
                    DROP INDEX movement_to;
                    CREATE INDEX movement_to ON movement(toLocationId) WHERE toLocationId IS NOT NULL;
                    """
            )
        }
        // The keyed ledger (LedgerKeying): the keying marker, the fact chain, movement field tags.
        migrator.registerMigration(LedgerKeying.migrationName) { db in try LedgerKeying.migrate(db) }
        // Confusable skeletons of the codes (CodeSafety.skeleton, Unicode TR39), so that a new
        // code is compared with every existing one by one index lookup. Not a fact of the
        // ledger: derived from the code, never read back as one.
        migrator.registerMigration("v9-code-skeleton") { db in
            let skeleton = DatabaseFunction("depot_code_skeleton", argumentCount: 1, pure: true) { values in
                String.fromDatabaseValue(values[0]).map(CodeSafety.skeleton)
            }
            db.add(function: skeleton)
            defer { db.remove(function: skeleton) }
            try db.execute(
                sql: """
                    ALTER TABLE item ADD COLUMN skeleton TEXT;
                    ALTER TABLE location ADD COLUMN skeleton TEXT;
                    ALTER TABLE lot ADD COLUMN skeleton TEXT;
                    UPDATE item SET skeleton = depot_code_skeleton(sku);
                    UPDATE location SET skeleton = depot_code_skeleton(code);
                    UPDATE lot SET skeleton = depot_code_skeleton(code);
                    CREATE INDEX item_skeleton ON item(skeleton);
                    CREATE INDEX location_skeleton ON location(skeleton);
                    CREATE INDEX lot_skeleton ON lot(itemId, skeleton);
                    """
            )
        }
        // Listing orders by status (ListOrders), page by page in id order: an index on status
        // (SQLite keeps the row id in it, so a status's orders come in id order).
        migrator.registerMigration("v10-order-status") { db in
            try db.execute(sql: "CREATE INDEX order_status ON \"order\"(status)")
        }
        // Customers (owners of goods, docs/workflows.md "Customers"): every item and order belongs
        // to one; the built-in default customer (id 1, ``Customer/defaultCode``) owns every item
        // and order written before. A GTIN is unique per customer, not in the warehouse (two
        // depositors may ship goods with the same GTIN), so `itemGTIN` is rebuilt with its item's
        // customer and UNIQUE (gtin, customerId); the composite foreign key keeps that customer
        // equal to the item's. An order line's item must be its order's customer's (trigger).
        // Customer tokens keep only the SHA-256 of the token. A floor session keeps the customer a
        // `DEPOT CUSTOMER` barcode chose.
        migrator.registerMigration("v11-customers") { db in
            try db.execute(
                sql: """
                    CREATE TABLE customer (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
                        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                        createdAt DATETIME NOT NULL,
                        skeleton TEXT
                    );
                    CREATE INDEX customer_skeleton ON customer(skeleton);
                    INSERT INTO customer (id, code, name, createdAt, skeleton) VALUES (1, ?, ?, ?, ?);
                    ALTER TABLE item ADD COLUMN customerId INTEGER NOT NULL DEFAULT 1 REFERENCES customer(id);
                    CREATE UNIQUE INDEX item_id_customer ON item(id, customerId);
                    CREATE INDEX item_customer ON item(customerId);
                    CREATE TABLE itemGTIN_v11 (
                        gtin TEXT NOT NULL CHECK (length(gtin) = 14),
                        itemId INTEGER NOT NULL,
                        customerId INTEGER NOT NULL,
                        UNIQUE (gtin, customerId),
                        FOREIGN KEY (itemId, customerId) REFERENCES item(id, customerId) ON DELETE CASCADE
                    );
                    INSERT INTO itemGTIN_v11 (gtin, itemId, customerId)
                        SELECT g.gtin, g.itemId, i.customerId FROM itemGTIN g JOIN item i ON i.id = g.itemId;
                    DROP TABLE itemGTIN;
                    ALTER TABLE itemGTIN_v11 RENAME TO itemGTIN;
                    CREATE INDEX itemGTIN_item ON itemGTIN(itemId);
                    ALTER TABLE "order" ADD COLUMN customerId INTEGER NOT NULL DEFAULT 1 REFERENCES customer(id);
                    CREATE INDEX order_customer ON "order"(customerId);
                    CREATE TRIGGER orderLine_customer BEFORE INSERT ON orderLine
                        WHEN (SELECT customerId FROM item WHERE id = NEW.itemId)
                            IS NOT (SELECT customerId FROM "order" WHERE id = NEW.orderId)
                        BEGIN SELECT RAISE(ABORT, 'an order line''s item must belong to the order''s customer'); END;
                    CREATE TABLE customerToken (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        customerId INTEGER NOT NULL REFERENCES customer(id),
                        hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
                        createdAt DATETIME NOT NULL,
                        revokedAt DATETIME
                    );
                    CREATE INDEX customerToken_customer ON customerToken(customerId);
                    ALTER TABLE scannerSession ADD COLUMN customer TEXT
                        CHECK (customer IS NULL OR length(customer) BETWEEN 1 AND 64);
                    """,
                arguments: [
                    Customer.defaultCode, Customer.defaultName, Date(), CodeSafety.skeleton(Customer.defaultCode),
                ]
            )
        }
        return migrator
    }
}

extension Schema {
    /// Fills the look-alike skeletons (``CodeSafety/skeleton(_:)``) that are missing: codes
    /// written without them (by hand with SQL, or by a bulk load that bypasses the store). A
    /// skeleton is derived from its code, never a fact of its own, so filling it is a repair, not
    /// a change of data; a wrong skeleton that is not missing is left for `verify` to name.
    /// - Returns: how many were filled.
    static func fillMissingSkeletons(_ db: Database) throws -> Int {
        let skeleton = DatabaseFunction("depot_code_skeleton", argumentCount: 1, pure: true) { values in
            String.fromDatabaseValue(values[0]).map(CodeSafety.skeleton)
        }
        db.add(function: skeleton)
        defer { db.remove(function: skeleton) }
        var filled = 0
        for (table, column) in [("item", "sku"), ("location", "code"), ("lot", "code"), ("customer", "code")] {
            try db.execute(
                sql: "UPDATE \(table) SET skeleton = depot_code_skeleton(\(column)) WHERE skeleton IS NULL"
            )
            filled += db.changesCount
        }
        return filled
    }
}

/// A database written by a newer depot: its schema records migrations this build does not know.
/// depotd refuses to open it (use the newer depot, or restore a backup made before the upgrade).
public struct SchemaTooNew: Error, CustomStringConvertible, Sendable {
    /// The migrations the database records that this build does not know, sorted.
    public var unknownMigrations: [String]
    /// The newest migration this build knows.
    public var latestKnown: String

    public var description: String {
        "the database was written by a newer depot: it has schema migrations this build does not know ("
            + unknownMigrations.joined(separator: ", ")
            + "; this build knows up to \(latestKnown)); run the newer depot or restore a backup made before the upgrade"
    }
}
