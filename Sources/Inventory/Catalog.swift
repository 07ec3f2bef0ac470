import Foundation
import GRDB

/// A new item as a caller describes it.
public struct ItemSpec: Sendable, Codable, Equatable {
    /// Stock-keeping unit code, 1 to 64 characters, no control characters or surrounding spaces.
    public var sku: String
    /// Human-readable name; must not be empty or blank.
    public var name: String
    /// GTIN-8/12/13/14 texts; check digits are verified and they are stored as 14 digits.
    public var gtins: [String]
    /// nil: `fefo` when expiry-tracked, else `fifo`.
    public var policy: AllocationPolicy?
    /// Whether every receipt must name a lot; absent in Varlink means false.
    public var lotTracked: Bool
    /// Whether every lot must carry an expiry date; absent in Varlink means false.
    public var expiryTracked: Bool
    /// Days, ≥ 0; nil means 0.
    public var minRemainingShelfLifeDays: Int?
    /// Code of the owning customer; nil means the default customer (``Customer/defaultCode``).
    public var customer: String?

    /// Creates a spec from its fields as given; validates nothing and throws nothing
    /// (``InventoryStore/addItem(_:)`` validates).
    public init(
        sku: String,
        name: String,
        gtins: [String] = [],
        policy: AllocationPolicy? = nil,
        lotTracked: Bool = false,
        expiryTracked: Bool = false,
        minRemainingShelfLifeDays: Int? = nil,
        customer: String? = nil
    ) {
        self.customer = customer
        self.sku = sku
        self.name = name
        self.gtins = gtins
        self.policy = policy
        self.lotTracked = lotTracked
        self.expiryTracked = expiryTracked
        self.minRemainingShelfLifeDays = minRemainingShelfLifeDays
    }

    /// Decodes the Varlink `AddItem` parameters; absent lists are empty, absent booleans false.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sku = try c.decode(String.self, forKey: .sku)
        name = try c.decode(String.self, forKey: .name)
        gtins = try c.decodeIfPresent([String].self, forKey: .gtins) ?? []
        policy = try c.decodeIfPresent(AllocationPolicy.self, forKey: .policy)
        lotTracked = try c.decodeIfPresent(Bool.self, forKey: .lotTracked) ?? false
        expiryTracked = try c.decodeIfPresent(Bool.self, forKey: .expiryTracked) ?? false
        minRemainingShelfLifeDays = try c.decodeIfPresent(Int.self, forKey: .minRemainingShelfLifeDays)
        customer = try c.decodeIfPresent(String.self, forKey: .customer)
    }
}

/// Changes to an item; nil fields stay as they are.
public struct ItemUpdate: Sendable, Codable, Equatable {
    /// New name; must not be empty or blank.
    public var name: String?
    /// GTIN-8/12/13/14 texts to attach; check digits verified, stored as 14 digits.
    public var addGTINs: [String]
    /// GTIN texts to detach; each must be a GTIN of this item.
    public var removeGTINs: [String]
    /// New allocation policy.
    public var policy: AllocationPolicy?
    /// Whether every receipt must name a lot from now on.
    public var lotTracked: Bool?
    /// Whether every lot must carry an expiry date from now on.
    public var expiryTracked: Bool?
    /// New minimum remaining shelf life in days, 0 to 36500.
    public var minRemainingShelfLifeDays: Int?

    /// Creates an update; nil and empty fields change nothing. Validates nothing and throws nothing.
    public init(
        name: String? = nil,
        addGTINs: [String] = [],
        removeGTINs: [String] = [],
        policy: AllocationPolicy? = nil,
        lotTracked: Bool? = nil,
        expiryTracked: Bool? = nil,
        minRemainingShelfLifeDays: Int? = nil
    ) {
        self.name = name
        self.addGTINs = addGTINs
        self.removeGTINs = removeGTINs
        self.policy = policy
        self.lotTracked = lotTracked
        self.expiryTracked = expiryTracked
        self.minRemainingShelfLifeDays = minRemainingShelfLifeDays
    }

    /// Decodes the Varlink `UpdateItem` parameters; absent lists are empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        addGTINs = try c.decodeIfPresent([String].self, forKey: .addGTINs) ?? []
        removeGTINs = try c.decodeIfPresent([String].self, forKey: .removeGTINs) ?? []
        policy = try c.decodeIfPresent(AllocationPolicy.self, forKey: .policy)
        lotTracked = try c.decodeIfPresent(Bool.self, forKey: .lotTracked)
        expiryTracked = try c.decodeIfPresent(Bool.self, forKey: .expiryTracked)
        minRemainingShelfLifeDays = try c.decodeIfPresent(Int.self, forKey: .minRemainingShelfLifeDays)
    }
}

/// Changes to a location; nil fields stay as they are (`parent` "" removes the parent).
public struct LocationUpdate: Sendable, Codable, Equatable {
    /// New kind of location.
    public var kind: LocationKind?
    /// Code of the new enclosing zone; "" removes the parent.
    public var parent: String?
    /// New pick priority: lower is picked first among equal candidates.
    public var pickPriority: Int?
    /// GLN (13 digits) or `GLN/extension`; "" removes it.
    public var gln: String?

    /// Creates an update; nil fields change nothing. Validates nothing and throws nothing.
    public init(kind: LocationKind? = nil, parent: String? = nil, pickPriority: Int? = nil, gln: String? = nil) {
        self.kind = kind
        self.parent = parent
        self.pickPriority = pickPriority
        self.gln = gln
    }
}

extension InventoryStore {
    // MARK: Items

    /// Adds an item.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` (sku, name, gtin,
    ///   minRemainingShelfLifeDays), ``InventoryError/duplicate(field:value:owner:)`` for an
    ///   existing SKU or a GTIN already on another item of the same customer,
    ///   ``InventoryError/unknownCustomer(_:)``.
    @discardableResult
    public func addItem(_ spec: ItemSpec) async throws -> Item {
        try await transaction { db, _ in try Self.insertItem(db, spec) }
    }

    /// Validates and inserts an item inside the caller's transaction: the one set of item rules,
    /// used by ``addItem(_:)`` and by the CSV import (Import.swift).
    /// - Throws: as ``addItem(_:)``.
    static func insertItem(_ db: Database, _ spec: ItemSpec) throws -> Item {
        let sku = try TextField.code(spec.sku, field: "sku")
        try checkName(spec.name)
        let minDays = spec.minRemainingShelfLifeDays ?? 0
        try Self.checkShelfLife(minDays)
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM item WHERE sku = ?", arguments: [sku]) == true {
            throw InventoryError.duplicate(field: "sku", value: sku, owner: nil)
        }
        let skeleton = try Self.lookalikeChecked(db, code: sku, field: "sku", in: .item)
        let customerId = try Self.customerId(db, spec.customer)
        let policy = spec.policy ?? (spec.expiryTracked ? .fefo : .fifo)
        try db.execute(
            sql: """
                INSERT INTO item (sku, name, policy, lotTracked, expiryTracked, minShelfLifeDays, skeleton, customerId)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sku, spec.name, policy.rawValue, spec.lotTracked, spec.expiryTracked, minDays, skeleton, customerId,
            ]
        )
        let itemId = db.lastInsertedRowID
        for text in spec.gtins { try Self.attachGTIN(db, text, itemId: itemId, customerId: customerId) }
        return try Self.loadItem(db, id: itemId)
    }

    /// Changes an item (by SKU or GTIN).
    /// - Throws: as ``addItem(_:)``, and ``InventoryError/unknownItem(_:)``.
    @discardableResult
    public func updateItem(_ reference: ItemReference, _ update: ItemUpdate) async throws -> Item {
        try await transaction { db, _ in
            let item = try Self.item(db, reference)
            if let name = update.name {
                try Self.checkName(name)
                try db.execute(sql: "UPDATE item SET name = ? WHERE id = ?", arguments: [name, item.id])
            }
            if let policy = update.policy {
                try db.execute(sql: "UPDATE item SET policy = ? WHERE id = ?", arguments: [policy.rawValue, item.id])
            }
            if let value = update.lotTracked {
                try db.execute(sql: "UPDATE item SET lotTracked = ? WHERE id = ?", arguments: [value, item.id])
            }
            if let value = update.expiryTracked {
                try db.execute(sql: "UPDATE item SET expiryTracked = ? WHERE id = ?", arguments: [value, item.id])
            }
            if let days = update.minRemainingShelfLifeDays {
                try Self.checkShelfLife(days)
                try db.execute(sql: "UPDATE item SET minShelfLifeDays = ? WHERE id = ?", arguments: [days, item.id])
            }
            for text in update.removeGTINs {
                let gtin = try GTINCode.normalize(text)
                try db.execute(sql: "DELETE FROM itemGTIN WHERE gtin = ? AND itemId = ?", arguments: [gtin, item.id])
                guard db.changesCount == 1 else {
                    throw InventoryError.invalidValue(field: "gtin", value: text, reason: "not a GTIN of \(item.sku)")
                }
            }
            for text in update.addGTINs {
                try Self.attachGTIN(db, text, itemId: item.id, customerId: item.customerId)
            }
            return try Self.loadItem(db, id: item.id)
        }
    }

    /// One item by SKU or GTIN.
    /// - Throws: ``InventoryError/unknownItem(_:)``, ``InventoryError/itemAmbiguous(gtin:customers:)``
    ///   for a GTIN on items of several customers.
    public func item(_ reference: ItemReference) async throws -> Item {
        try await writer.read { db in try Self.loadItem(db, id: Self.item(db, reference).id) }
    }

    /// One item by SKU or GTIN, a GTIN read as customer `customer`'s (a code; nil: any customer's,
    /// as ``item(_:)``). A SKU names its item whoever owns it.
    /// - Throws: ``InventoryError/unknownItem(_:)`` (also for a GTIN none of the customer's items
    ///   has), ``InventoryError/unknownCustomer(_:)``, ``InventoryError/itemAmbiguous(gtin:customers:)``.
    public func item(_ reference: ItemReference, customer: String?) async throws -> Item {
        try await writer.read { db in
            let id = try customer.map { try Self.customerId(db, $0) }
            return try Self.loadItem(db, id: Self.item(db, reference, customer: id).id)
        }
    }

    /// Every item, by SKU.
    public func items() async throws -> [Item] {
        try await writer.read { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM item ORDER BY sku")
            return try ids.map { try Self.loadItem(db, id: $0) }
        }
    }

    /// Where a code's confusable skeleton is kept and compared (the `skeleton` column, migration
    /// `v9-code-skeleton`): items by SKU, locations by code, lots by code within their item.
    enum CodeTable: String {
        case item, location, lot, customer

        var codeColumn: String { self == .item ? "sku" : "code" }
    }

    /// The confusable skeleton of `code` (``CodeSafety/skeleton(_:)``, Unicode TR39), after
    /// refusing it when it reads the same as another code of `table` (of the same item, for
    /// lots): Cyrillic "АВС-1" beside Latin "ABC-1", "B0LT" beside "BOLT". The caller stores the
    /// skeleton with the new code. SKUs and locations are the warehouse's own codes and every
    /// look-alike is refused; lots are the supplier's, printed on the goods (GS1 AI 10 allows
    /// "L0T1" beside "LOT1"), so for lots only a look-alike written with letters beyond ASCII
    /// is refused.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` naming the existing code.
    static func lookalikeChecked(
        _ db: Database,
        code: String,
        field: String,
        in table: CodeTable,
        itemId: Int64? = nil
    ) throws -> String {
        let skeleton = CodeSafety.skeleton(code)
        let column = table.codeColumn
        var sql = "SELECT \(column) FROM \(table.rawValue) WHERE skeleton = ? AND \(column) <> ?"
        var arguments: StatementArguments = [skeleton, code]
        if let itemId {
            sql += " AND itemId = ?"
            arguments += [itemId]
        }
        // A plain-ASCII lot is refused only beside a lot written with characters beyond ASCII.
        if table == .lot && CodeSafety.isASCII(code) { sql += " AND \(column) GLOB '*[^ -~]*'" }
        if let other = try String.fetchOne(db.cachedStatement(sql: sql + " LIMIT 1"), arguments: arguments) {
            throw InventoryError.invalidValue(
                field: field,
                value: code,
                reason:
                    "looks like the existing \(field) \"\(other)\" (characters that read the same); use that one or another code"
            )
        }
        return skeleton
    }

    /// An item's name: not blank, at most 200 characters, no control characters.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` with field `name`.
    static func checkName(_ name: String) throws(InventoryError) {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidValue(field: "name", value: name, reason: "must not be empty")
        }
        try TextField.text(name, field: "name", limit: 200)
    }

    static func checkShelfLife(_ days: Int) throws(InventoryError) {
        guard (0...36_500).contains(days) else {
            throw .invalidValue(
                field: "minRemainingShelfLifeDays",
                value: String(days),
                reason: "must be 0 to 36500 days"
            )
        }
    }

    /// Attaches a GTIN to an item of customer `customerId`: a GTIN is on at most one item per
    /// customer (GS1 lets two depositors ship goods with the same GTIN).
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` (gtin),
    ///   ``InventoryError/duplicate(field:value:owner:)`` naming the customer's item that has it.
    static func attachGTIN(_ db: Database, _ text: String, itemId: Int64, customerId: Int64) throws {
        let gtin = try GTINCode.normalize(text)
        if let owner = try String.fetchOne(
            db,
            sql:
                "SELECT sku FROM itemGTIN JOIN item ON item.id = itemGTIN.itemId WHERE gtin = ? AND itemGTIN.customerId = ?",
            arguments: [gtin, customerId]
        ) {
            throw InventoryError.duplicate(field: "gtin", value: gtin, owner: owner)
        }
        try db.execute(
            sql: "INSERT INTO itemGTIN (gtin, itemId, customerId) VALUES (?, ?, ?)",
            arguments: [gtin, itemId, customerId]
        )
    }

    static func loadItem(_ db: Database, id: Int64) throws -> Item {
        let row = try Row.fetchOne(db, sql: "SELECT * FROM item WHERE id = ?", arguments: [id])!
        let item = ItemRow(row: row)
        let gtins = try String.fetchAll(
            db,
            sql: "SELECT gtin FROM itemGTIN WHERE itemId = ? ORDER BY gtin",
            arguments: [id]
        )
        return Item(
            sku: item.sku,
            name: item.name,
            gtins: gtins,
            policy: item.policy,
            lotTracked: item.lotTracked,
            expiryTracked: item.expiryTracked,
            minRemainingShelfLifeDays: item.minShelfLifeDays,
            customer: try customerCode(db, id: item.customerId)
        )
    }

    // MARK: Locations

    /// Adds a location.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` (code),
    ///   ``InventoryError/duplicate(field:value:owner:)``, ``InventoryError/unknownLocation(_:)``
    ///   for an unknown parent.
    @discardableResult
    public func addLocation(_ location: Location) async throws -> Location {
        try await transaction { db, _ in try Self.insertLocation(db, location) }
    }

    /// Validates and inserts a location inside the caller's transaction: the one set of location
    /// rules, used by ``addLocation(_:)`` and by the CSV import (Import.swift).
    /// - Throws: as ``addLocation(_:)``.
    static func insertLocation(_ db: Database, _ location: Location) throws -> Location {
        let code = try TextField.code(location.code, field: "code")
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM location WHERE code = ?", arguments: [code]) == true {
            throw InventoryError.duplicate(field: "location", value: code, owner: nil)
        }
        let skeleton = try Self.lookalikeChecked(db, code: code, field: "code", in: .location)
        let parent = try location.parent.map { try Self.location(db, $0) }
        if let parent { try Self.requireEmptyZone(db, parent) }
        let gln = try location.gln.map { try Self.checkGLN(db, $0, except: nil) }
        try db.execute(
            sql: "INSERT INTO location (code, kind, parentId, pickPriority, gln, skeleton) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [code, location.kind.rawValue, parent?.id, location.pickPriority, gln, skeleton]
        )
        return try Self.loadLocation(db, code: code)
    }

    /// Changes a location.
    /// - Throws: ``InventoryError/unknownLocation(_:)``, ``InventoryError/locationCycle(_:)``,
    ///   ``InventoryError/invalidValue(field:value:reason:)`` (field `parent`) when a count that
    ///   is open or submitted covers the location, its current zone or the new one.
    @discardableResult
    public func updateLocation(_ code: String, _ update: LocationUpdate) async throws -> Location {
        try await transaction { db, _ in
            let location = try Self.location(db, code)
            if let kind = update.kind {
                try db.execute(
                    sql: "UPDATE location SET kind = ? WHERE id = ?",
                    arguments: [kind.rawValue, location.id]
                )
            }
            if let priority = update.pickPriority {
                try db.execute(
                    sql: "UPDATE location SET pickPriority = ? WHERE id = ?",
                    arguments: [priority, location.id]
                )
            }
            if let gln = update.gln {
                let value = gln.isEmpty ? nil : try Self.checkGLN(db, gln, except: location.id)
                try db.execute(sql: "UPDATE location SET gln = ? WHERE id = ?", arguments: [value, location.id])
            }
            if let parentCode = update.parent {
                var parentId: Int64? = nil
                let moved = Set(try Self.subtree(db, of: location))
                // A count's scope is its location's subtree: moving a location into or out of it
                // mid-count would change what the count covers (and show a blind count's stock).
                var touched = moved
                if !parentCode.isEmpty { touched.insert(try Self.location(db, parentCode).id) }
                if let current: Int64 = try Int64.fetchOne(
                    db,
                    sql: "SELECT parentId FROM location WHERE id = ?",
                    arguments: [location.id]
                ) {
                    touched.insert(current)
                }
                if let count = try Self.unclosedCount(db, meeting: touched, item: nil) {
                    throw InventoryError.invalidValue(
                        field: "parent",
                        value: parentCode,
                        reason:
                            "\(code) cannot change its zone while \(count) covers it or the zone: approve or cancel the count first"
                    )
                }
                if !parentCode.isEmpty {
                    let parent = try Self.location(db, parentCode)
                    if moved.contains(parent.id) {
                        throw InventoryError.locationCycle(code)
                    }
                    try Self.requireEmptyZone(db, parent)
                    parentId = parent.id
                }
                try db.execute(
                    sql: "UPDATE location SET parentId = ? WHERE id = ?",
                    arguments: [parentId, location.id]
                )
            }
            return try Self.loadLocation(db, code: code)
        }
    }

    /// One location by code.
    /// - Throws: ``InventoryError/unknownLocation(_:)``.
    public func location(_ code: String) async throws -> Location {
        try await writer.read { db in try Self.loadLocation(db, code: code) }
    }

    /// Every location, by code.
    public func locations() async throws -> [Location] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.code, l.kind, p.code AS parent, l.pickPriority, l.gln FROM location l
                    LEFT JOIN location p ON p.id = l.parentId ORDER BY l.code
                    """
            ).map(Self.location(from:))
        }
    }

    static func loadLocation(_ db: Database, code: String) throws -> Location {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT l.code, l.kind, p.code AS parent, l.pickPriority, l.gln FROM location l
                    LEFT JOIN location p ON p.id = l.parentId WHERE l.code = ?
                    """,
                arguments: [code]
            )
        else { throw InventoryError.unknownLocation(code) }
        return location(from: row)
    }

    static func location(from row: Row) -> Location {
        Location(
            code: row["code"],
            kind: LocationKind(rawValue: row["kind"]) ?? .storage,
            parent: row["parent"],
            pickPriority: row["pickPriority"],
            gln: row["gln"]
        )
    }

    /// Validates `GLN` or `GLN/extension` (13 digits with a GS1 mod-10 check digit, GenSpecs
    /// 3.4.9; extension 1 to 20 characters) and that no other location has it.
    static func checkGLN(_ db: Database, _ text: String, except id: Int64?) throws -> String {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let digits = parts[0]
        guard digits.utf8.count == 13 else {
            throw InventoryError.invalidValue(field: "gln", value: text, reason: "a GLN has 13 digits")
        }
        if let problem = GTINCode.checkDigitProblem(digits, what: "a GLN") {
            throw InventoryError.invalidValue(field: "gln", value: text, reason: problem)
        }
        if parts.count == 2, parts[1].isEmpty || parts[1].count > 20 {
            throw InventoryError.invalidValue(field: "gln", value: text, reason: "the extension has 1 to 20 characters")
        }
        if let owner = try String.fetchOne(
            db,
            sql: "SELECT code FROM location WHERE gln = ? AND id IS NOT ?",
            arguments: [text, id]
        ) {
            throw InventoryError.duplicate(field: "gln", value: text, owner: owner)
        }
        return text
    }
}
