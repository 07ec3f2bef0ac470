import Foundation
import GRDB
import GS1

// Bulk import of master data and opening stock from tables of text (docs/csv.md). The engine
// receives the cells as text, column by column, so every rule lives here once: each row is turned
// into the request the single operation takes (``ItemSpec``, ``Location``, ``ReceiveRequest``) and
// applied by the same in-transaction function that `addItem`, `addLocation` and `receive` use.
// One import is one user intent: one transaction, all rows or none.

/// What a file imports: items, locations or opening stock (docs/csv.md).
public enum ImportKind: String, Sendable, CaseIterable, Codable {
    /// Items, keyed by `sku` (as `depotctl item add`).
    case items
    /// Locations, keyed by `code` (as `depotctl location add`).
    case locations
    /// Opening stock, keyed by (`sku`, `location`, lot) (as `depotctl receive`).
    case stock
    /// Orders, one row per order line, keyed by (`reference`, the line's place among the rows of
    /// that reference) (as `depotctl order create`).
    case orders

    /// The columns a file of this kind may have, in the order exports write them.
    public var columns: [ImportColumn] {
        switch self {
        case .items:
            return [
                .init("sku", required: true), .init("name", required: true), .init("gtin"), .init("policy"),
                .init("lot_tracked"), .init("expiry_tracked"), .init("min_shelf_life"),
            ]
        case .locations:
            return [
                .init("code", required: true), .init("kind", required: true), .init("parent"),
                .init("pick_priority"), .init("gln"),
            ]
        case .stock:
            return [
                .init("sku", required: true), .init("location", required: true), .init("quantity", required: true),
                .init("lot"), .init("expiry"), .init("best_before"), .init("production"), .init("received_at"),
                .init("reference"), .init("allow_quarantine_location"), .init("allow_expired"),
            ]
        case .orders:
            return [
                .init("reference", required: true), .init("sku", required: true),
                .init("quantity", required: true), .init("min_shelf_life"),
            ]
        }
    }

    /// What the file's problems read as, e.g. "an items file".
    var fileName: String {
        switch self {
        case .items: return "an items file"
        case .locations: return "a locations file"
        case .stock: return "a stock file"
        case .orders: return "an orders file"
        }
    }
}

/// One column of an import file.
public struct ImportColumn: Sendable, Equatable {
    /// The header name, lower case with underscores (`lot_tracked`).
    public var name: String
    /// Whether the header must name it and every row must give a value.
    public var required: Bool

    /// Creates the column description; throws nothing.
    public init(_ name: String, required: Bool = false) {
        self.name = name
        self.required = required
    }
}

/// One data row of an import: its row number in the file and its cells.
public struct ImportRow: Sendable, Equatable {
    /// The row's number in the file as a spreadsheet counts records: the header is row 1, the
    /// first data row is row 2 (a quoted line break does not start a new row).
    public var number: Int
    /// The cells, in the order of ``ImportTable/columns``; an empty cell means "not given".
    /// A row with fewer cells has the missing ones empty; extra cells are a problem.
    public var cells: [String]

    /// Creates a row; validates nothing and throws nothing.
    public init(number: Int, cells: [String]) {
        self.number = number
        self.cells = cells
    }
}

/// A whole import: its kind, the header's column names and the data rows.
public struct ImportTable: Sendable, Equatable {
    /// The kind of file.
    public var kind: ImportKind
    /// The header's column names, as given (matched exactly, after trimming spaces).
    public var columns: [String]
    /// The data rows, in file order.
    public var rows: [ImportRow]

    /// Creates a table; validates nothing and throws nothing (``headerProblems`` and
    /// ``InventoryStore/importTable(_:dryRun:actor:)`` check).
    public init(kind: ImportKind, columns: [String], rows: [ImportRow] = []) {
        self.kind = kind
        self.columns = columns
        self.rows = rows
    }

    /// What is wrong with the header (row 1): unknown, repeated or missing required columns;
    /// empty when nothing is.
    public var headerProblems: [ImportProblem] {
        let known = kind.columns.map(\.name)
        var problems: [ImportProblem] = []
        var seen: Set<String> = []
        for name in columns.map(Self.trimmed) {
            if !seen.insert(name).inserted {
                problems.append(ImportProblem(row: 1, column: name, value: nil, reason: "column named twice"))
            } else if !known.contains(name) {
                problems.append(
                    ImportProblem(
                        row: 1,
                        column: name,
                        value: nil,
                        reason: "unknown column; the columns of \(kind.fileName) are \(known.joined(separator: ", "))"
                    )
                )
            }
        }
        for column in kind.columns where column.required && !seen.contains(column.name) {
            problems.append(
                ImportProblem(
                    row: 1,
                    column: column.name,
                    value: nil,
                    reason: "required column missing from the header (\(kind.fileName) needs "
                        + kind.columns.filter(\.required).map(\.name).joined(separator: ", ") + ")"
                )
            )
        }
        return problems
    }

    static func trimmed(_ name: String) -> String { name.trimmingCharacters(in: .whitespaces) }
}

/// A problem with one cell (or a whole row when `column` is nil) of an import.
public struct ImportProblem: Sendable, Equatable, CustomStringConvertible {
    /// The row number (header = 1).
    public var row: Int
    /// The column's header name, nil for a problem of the whole row.
    public var column: String?
    /// The cell's text as given, nil when the problem is not about one value.
    public var value: String?
    /// Why, as a phrase: `is not valid: check digit should be 1`, `a value is required`.
    public var reason: String

    /// Creates a problem; throws nothing.
    public init(row: Int, column: String?, value: String?, reason: String) {
        self.row = row
        self.column = column
        self.value = value
        self.reason = reason
    }

    /// `row 17, column gtin: "4006381333932" is not valid: check digit should be 1`.
    public var description: String {
        // Every part can hold text from the file or the database (a header name, a recorded
        // name quoted in the reason): all are escaped as error sentences quote values.
        var text = "row \(row)"
        if let column { text += ", column \(InventoryError.shown(column))" }
        text += ": "
        if let value { text += "\"\(InventoryError.shown(value))\" " }
        return text + InventoryError.shown(reason, limit: 1000)
    }
}

/// What an import did, or (dry run, or problems) would have done.
public struct ImportReport: Sendable, Equatable {
    /// The kind of file.
    public var kind: ImportKind
    /// Data rows read.
    public var rows: Int
    /// Rows that add something new (a real run without problems added them).
    public var added: Int
    /// Rows whose key exists with the same values: they change nothing.
    public var unchanged: Int
    /// Whether this was a dry run (nothing is written either way).
    public var dryRun: Bool
    /// Every problem, in row order; when not empty nothing was written.
    public var problems: [ImportProblem]

    /// Creates a report; validates nothing and throws nothing.
    public init(kind: ImportKind, rows: Int, added: Int, unchanged: Int, dryRun: Bool, problems: [ImportProblem]) {
        self.kind = kind
        self.rows = rows
        self.added = added
        self.unchanged = unchanged
        self.dryRun = dryRun
        self.problems = problems
    }

    /// Whether the import wrote its rows: a real run without problems.
    public var committed: Bool { !dryRun && problems.isEmpty }

    /// `200 rows: 0 added, 200 unchanged` (`1 row: ...`; with `(dry run: nothing written)` for a dry run).
    public var summary: String {
        "\(rows) row\(rows == 1 ? "" : "s"): \(added) \(dryRun ? "to add" : "added"), \(unchanged) unchanged"
            + (dryRun ? " (dry run: nothing written)" : "")
    }
}

extension InventoryStore {
    /// The most data rows one import takes (docs/csv.md, "Limits").
    public static let importRowLimit = 200_000

    /// Checks every row of `table` and, unless `dryRun` or a row has a problem, applies them all
    /// in one transaction (one user intent): items and locations are added, opening stock is
    /// received (one `receive` movement per row, by `actor`). A row whose key exists with the same
    /// values is unchanged and writes nothing (so importing a file twice changes nothing); with
    /// other values it is a problem, never an overwrite. A key repeated in the file is a problem.
    /// The checks are those of ``addItem(_:)``, ``addLocation(_:)`` and ``receive(_:actor:)``,
    /// run on the rows in file order, so a location's parent may come on an earlier row, and a dry
    /// run reports exactly what the real run would refuse. Each failing row is rolled back to its
    /// own savepoint so the rows after it are checked against a consistent state; the whole
    /// transaction is rolled back when any row failed or for a dry run.
    /// - Returns: the report; ``ImportReport/problems`` lists every problem (header problems
    ///   alone when the header has any), and nothing was written when it is not empty.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` (field `rows`) for more than
    ///   ``importRowLimit`` rows; storage failures as every write does.
    public func importTable(_ table: ImportTable, dryRun: Bool, actor: String) async throws -> ImportReport {
        guard table.rows.count <= Self.importRowLimit else {
            throw InventoryError.invalidValue(
                field: "rows",
                value: String(table.rows.count),
                reason: "one import takes at most \(Self.importRowLimit) rows: split the file"
            )
        }
        let initial = ImportReport(
            kind: table.kind,
            rows: table.rows.count,
            added: 0,
            unchanged: 0,
            dryRun: dryRun,
            problems: table.headerProblems
        )
        guard initial.problems.isEmpty else { return initial }
        do {
            return try await transaction(OperationContext(actor: actor), intent: "import") { db, log in
                var importer = TableImporter(store: self, table: table, db: db, log: log, actor: actor)
                var report = initial
                for row in table.rows {
                    switch try importer.apply(row) {
                    case .added: report.added += 1
                    case .unchanged: report.unchanged += 1
                    case .refused(let problems): report.problems += problems
                    }
                }
                if dryRun || !report.problems.isEmpty { throw ImportRollback(report: report) }
                return report
            }
        } catch let rollback as ImportRollback {
            return rollback.report
        }
    }
}

/// Thrown out of the import's transaction to roll it back while keeping its report.
private struct ImportRollback: Error {
    var report: ImportReport
}

/// One row's outcome.
private enum RowOutcome {
    case added, unchanged
    case refused([ImportProblem])
}

/// Applies the rows of one table inside its transaction.
private struct TableImporter {
    let store: InventoryStore
    let table: ImportTable
    let db: Database
    let log: MovementLog
    let actor: String
    /// Column name → index in a row's cells.
    let index: [String: Int]
    /// Row number of each key seen so far.
    var seen: [String: Int] = [:]
    /// The orders of an orders file so far, by reference: the order's id (nil until its first
    /// line is written), how many of the file's rows were its lines, and whether the order
    /// existed before the import (its rows are then compared, never added).
    var orders: [String: (id: Int64?, lines: Int, existed: Bool)] = [:]
    let instantFormats: [ISO8601DateFormatter]

    init(store: InventoryStore, table: ImportTable, db: Database, log: MovementLog, actor: String) {
        self.store = store
        self.table = table
        self.db = db
        self.log = log
        self.actor = actor
        var index: [String: Int] = [:]
        for (i, name) in table.columns.enumerated() { index[ImportTable.trimmed(name)] = i }
        self.index = index
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        instantFormats = [plain, fractional]
    }

    /// The cells of one row by column name (only given, non-empty cells).
    struct Cells {
        let row: ImportRow
        let index: [String: Int]
        var problems: [ImportProblem] = []

        func text(_ column: String) -> String? {
            guard let i = index[column], i < row.cells.count, !row.cells[i].isEmpty else { return nil }
            return row.cells[i]
        }

        mutating func problem(_ column: String?, _ value: String?, _ reason: String) {
            problems.append(ImportProblem(row: row.number, column: column, value: value, reason: reason))
        }

        mutating func required(_ column: String) -> String {
            guard let value = text(column) else {
                problem(column, nil, "a value is required")
                return ""
            }
            return value
        }

        /// Runs one of the engine's own field checks on the cell of `column` (when given), so a
        /// row reports every bad cell, not only the first the operation would meet.
        mutating func check(_ column: String, _ rule: (String) throws -> Void) {
            guard let value = text(column) else { return }
            do {
                try rule(value)
            } catch let error as InventoryError {
                problem(column, value, InventoryError.description(reasonOf: error))
            } catch {
                problem(column, value, "is not valid: \(error)")
            }
        }

        mutating func bool(_ column: String) -> Bool? {
            guard let value = text(column) else { return nil }
            switch value.lowercased() {
            case "true": return true
            case "false": return false
            default:
                problem(column, value, "is not valid: must be true or false (or empty for false)")
                return nil
            }
        }

        /// The required `quantity` cell: its text ("" when missing, a problem then) and its value
        /// in base units (0 when missing or not a whole number, a problem then).
        mutating func quantity() -> (text: String, value: Int64) {
            let text = required("quantity")
            guard !text.isEmpty else { return (text, 0) }
            guard let value = Int64(text) else {
                problem("quantity", text, "is not valid: must be a whole number of base units")
                return (text, 0)
            }
            return (text, value)
        }

        mutating func integer(_ column: String) -> Int? {
            guard let value = text(column) else { return nil }
            guard let number = Int(value) else {
                problem(column, value, "is not valid: must be a whole number")
                return nil
            }
            return number
        }

        mutating func date(_ column: String) -> CalendarDate? {
            guard let value = text(column) else { return nil }
            do {
                return try CalendarDate(parsing: value, field: column)
            } catch {
                if case let .invalidValue(_, _, reason) = error {
                    problem(column, value, "is not valid: \(reason)")
                } else {
                    problem(column, value, error.description)
                }
                return nil
            }
        }

        mutating func choice<T: RawRepresentable & CaseIterable>(_ column: String, _: T.Type) -> T?
        where T.RawValue == String {
            guard let value = text(column) else { return nil }
            guard let choice = T(rawValue: value) else {
                problem(
                    column,
                    value,
                    "is not valid: must be one of " + T.allCases.map(\.rawValue).joined(separator: ", ")
                )
                return nil
            }
            return choice
        }
    }

    mutating func apply(_ row: ImportRow) throws -> RowOutcome {
        var cells = Cells(row: row, index: index)
        if row.cells.count > table.columns.count {
            cells.problem(
                nil,
                nil,
                "has \(row.cells.count) cells but the header names \(table.columns.count) columns"
            )
            return .refused(cells.problems)
        }
        switch table.kind {
        case .items: return try item(&cells)
        case .locations: return try location(&cells)
        case .stock: return try stock(&cells)
        case .orders: return try order(&cells)
        }
    }

    /// Runs `body` in a savepoint; an engine refusal rolls the row back and becomes its problem.
    private func guarded(
        _ cells: inout Cells,
        columns: [String: String],
        _ body: () throws -> Void
    ) throws -> RowOutcome {
        do {
            try db.inSavepoint {
                try body()
                return .commit
            }
            return .added
        } catch let error as InventoryError {
            switch error {
            case .storageFailure, .writesStopped: throw error
            default: break
            }
            let (column, reason) = Self.placed(error, kind: table.kind, columns: columns)
            cells.problem(column, column.flatMap { cells.text($0) } ?? Self.value(of: error), reason)
            return .refused(cells.problems)
        }
    }

    /// The column an engine error is about and the phrase that follows the quoted value.
    /// `columns` maps the engine's field names to this file's column names.
    static func placed(
        _ error: InventoryError,
        kind: ImportKind,
        columns: [String: String]
    ) -> (String?, String) {
        switch error {
        case let .invalidValue(field, _, reason):
            return (columns[field] ?? field, "is not valid: \(reason)")
        case let .duplicate(field, _, owner):
            return (columns[field] ?? field, "already exists" + (owner.map { " (on \($0))" } ?? ""))
        case .unknownItem:
            return ("sku", "is not an item's SKU or GTIN (import the items first)")
        case .unknownLocation:
            return kind == .locations
                ? ("parent", "is not a location's code (a parent must exist or come on an earlier row)")
                : ("location", "is not a location's code (import the locations first)")
        case .lotRequired:
            return ("lot", "is empty, but the item is lot-tracked: give a lot")
        case .expiryRequired:
            return ("expiry", "is empty, but the item is expiry-tracked: give an expiry date")
        case let .lotDateConflict(_, lot, field, recorded, _):
            return (columns[field] ?? field, "differs from lot \(lot)'s recorded \(field) \(recorded)")
        case .quarantineLocation:
            return ("location", "is a quarantine location: set allow_quarantine_location to true to receive into it")
        case .locationCycle:
            return ("parent", "would put the location inside itself")
        default:
            return (nil, error.description)
        }
    }

    static func value(of error: InventoryError) -> String? {
        switch error {
        case let .invalidValue(_, value, _), let .duplicate(_, value, _): return value
        case let .unknownItem(value), let .unknownLocation(value), let .quarantineLocation(value): return value
        default: return nil
        }
    }

    /// A key seen on an earlier row is a problem naming that row.
    private mutating func firstTime(_ key: String, _ cells: inout Cells, column: String, value: String) -> Bool {
        if let earlier = seen[key] {
            cells.problem(column, value, "repeats the key of row \(earlier)")
            return false
        }
        seen[key] = cells.row.number
        return true
    }

    // MARK: Items

    private mutating func item(_ cells: inout Cells) throws -> RowOutcome {
        let sku = cells.required("sku")
        let name = cells.required("name")
        let gtins = (cells.text("gtin") ?? "").split(separator: " ").map(String.init)
        let policy = cells.choice("policy", AllocationPolicy.self)
        let lotTracked = cells.bool("lot_tracked") ?? false
        let expiryTracked = cells.bool("expiry_tracked") ?? false
        let minDays = cells.integer("min_shelf_life")
        cells.check("sku") { _ = try TextField.code($0, field: "sku") }
        cells.check("name") { try InventoryStore.checkName($0) }
        for gtin in gtins {
            do {
                _ = try GTINCode.normalize(gtin)
            } catch {
                cells.problem("gtin", gtin, InventoryError.description(reasonOf: error))
            }
        }
        if let minDays {
            cells.check("min_shelf_life") { _ in try InventoryStore.checkShelfLife(minDays) }
        }
        guard cells.problems.isEmpty else { return .refused(cells.problems) }
        guard firstTime("item:" + sku, &cells, column: "sku", value: sku) else { return .refused(cells.problems) }
        let spec = ItemSpec(
            sku: sku,
            name: name,
            gtins: gtins,
            policy: policy,
            lotTracked: lotTracked,
            expiryTracked: expiryTracked,
            minRemainingShelfLifeDays: minDays
        )
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM item WHERE sku = ?", arguments: [sku]) {
            let recorded = try InventoryStore.loadItem(db, id: id)
            return compare(spec, with: recorded, &cells)
        }
        let columns = ["minRemainingShelfLifeDays": "min_shelf_life"]
        return try guarded(&cells, columns: columns) { _ = try InventoryStore.insertItem(db, spec) }
    }

    private func compare(_ spec: ItemSpec, with recorded: Item, _ cells: inout Cells) -> RowOutcome {
        var given: [String] = []
        for text in spec.gtins {
            do {
                given.append(try GTINCode.normalize(text))
            } catch {
                cells.problem("gtin", text, InventoryError.description(reasonOf: error))
            }
        }
        let differs = "differs from the recorded value of existing item \(recorded.sku)"
        if spec.name != recorded.name { cells.problem("name", spec.name, "\(differs), \"\(recorded.name)\"") }
        if cells.problems.isEmpty, Set(given) != Set(recorded.gtins) {
            cells.problem("gtin", cells.text("gtin") ?? "", "\(differs), \"\(recorded.gtins.joined(separator: " "))\"")
        }
        let policy = spec.policy ?? (spec.expiryTracked ? .fefo : .fifo)
        if policy != recorded.policy {
            cells.problem("policy", cells.text("policy") ?? "", "\(differs), \(recorded.policy.rawValue)")
        }
        if spec.lotTracked != recorded.lotTracked {
            cells.problem("lot_tracked", cells.text("lot_tracked") ?? "", "\(differs), \(recorded.lotTracked)")
        }
        if spec.expiryTracked != recorded.expiryTracked {
            cells.problem("expiry_tracked", cells.text("expiry_tracked") ?? "", "\(differs), \(recorded.expiryTracked)")
        }
        if (spec.minRemainingShelfLifeDays ?? 0) != recorded.minRemainingShelfLifeDays {
            cells.problem(
                "min_shelf_life",
                cells.text("min_shelf_life") ?? "",
                "\(differs), \(recorded.minRemainingShelfLifeDays)"
            )
        }
        return cells.problems.isEmpty ? .unchanged : .refused(cells.problems)
    }

    // MARK: Locations

    private mutating func location(_ cells: inout Cells) throws -> RowOutcome {
        let code = cells.required("code")
        let kindText = cells.required("kind")
        let kind = kindText.isEmpty ? nil : cells.choice("kind", LocationKind.self)
        let parent = cells.text("parent")
        let priority = cells.integer("pick_priority") ?? 0
        let gln = cells.text("gln")
        cells.check("code") { _ = try TextField.code($0, field: "code") }
        guard cells.problems.isEmpty, let kind else { return .refused(cells.problems) }
        guard firstTime("location:" + code, &cells, column: "code", value: code) else {
            return .refused(cells.problems)
        }
        let location = Location(code: code, kind: kind, parent: parent, pickPriority: priority, gln: gln)
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM location WHERE code = ?", arguments: [code]) == true {
            let recorded = try InventoryStore.loadLocation(db, code: code)
            let differs = "differs from the recorded value of existing location \(code)"
            if recorded.kind != kind { cells.problem("kind", kindText, "\(differs), \(recorded.kind.rawValue)") }
            if recorded.parent != parent {
                cells.problem("parent", parent ?? "", "\(differs), \"\(recorded.parent ?? "")\"")
            }
            if recorded.pickPriority != priority {
                cells.problem(
                    "pick_priority",
                    cells.text("pick_priority") ?? "",
                    "\(differs), \(recorded.pickPriority)"
                )
            }
            if recorded.gln != gln { cells.problem("gln", gln ?? "", "\(differs), \"\(recorded.gln ?? "")\"") }
            return cells.problems.isEmpty ? .unchanged : .refused(cells.problems)
        }
        return try guarded(&cells, columns: ["location": "code"]) {
            _ = try InventoryStore.insertLocation(db, location)
        }
    }

    // MARK: Opening stock

    private mutating func stock(_ cells: inout Cells) throws -> RowOutcome {
        let sku = cells.required("sku")
        let locationCode = cells.required("location")
        let (quantityText, quantity) = cells.quantity()
        let lot = cells.text("lot")
        let expiry = cells.date("expiry")
        let bestBefore = cells.date("best_before")
        let production = cells.date("production")
        var receivedAt: Date? = nil
        if let text = cells.text("received_at") {
            receivedAt = InstantText.isValid(text) ? instantFormats.lazy.compactMap { $0.date(from: text) }.first : nil
            if receivedAt == nil {
                cells.problem(
                    "received_at",
                    text,
                    "is not valid: expected an ISO 8601 instant such as 2026-03-01T08:00:00Z, a real date and time, and Z or an offset within ±14:00"
                )
            }
        }
        let reference = cells.text("reference")
        let allowQuarantine = cells.bool("allow_quarantine_location") ?? false
        let allowExpired = cells.bool("allow_expired") ?? false
        if !quantityText.isEmpty, cells.problems.isEmpty {
            cells.check("quantity") { _ in try Quantity.validate(quantity) }
        }
        cells.check("lot") { _ = try TextField.code($0, field: "lot") }
        guard cells.problems.isEmpty else { return .refused(cells.problems) }
        let request = ReceiveRequest(
            item: ItemReference(sku),
            quantity: quantity,
            location: locationCode,
            lot: lot,
            expiry: expiry,
            bestBefore: bestBefore,
            production: production,
            receivedAt: receivedAt,
            allowQuarantineLocation: allowQuarantine,
            allowExpired: allowExpired,
            reference: reference
        )
        // The balance this row opens: item, location and lot (the implicit dated lot without one).
        if let item = try? InventoryStore.item(db, request.item),
            let location = try? InventoryStore.location(db, locationCode)
        {
            let lotCode = lot ?? expiry.map { "@" + $0.description }
            guard
                firstTime(
                    "stock:\(item.id):\(location.id):\(lotCode ?? "")",
                    &cells,
                    column: "sku",
                    value: sku
                )
            else { return .refused(cells.problems) }
            let lotRow = try lotCode.flatMap { try InventoryStore.lot(db, item: item, code: $0) }
            if lotCode == nil || lotRow != nil,
                let balance = try InventoryStore.stock(db, item: item, lot: lotRow, location: location)
            {
                let place = "\(item.sku)\(lotCode.map { " lot \($0)" } ?? "") at \(location.code)"
                if balance.quantity != quantity {
                    cells.problem(
                        "quantity",
                        quantityText,
                        "differs from the \(balance.quantity) on hand of \(place): opening stock never overwrites a balance (use depotctl adjust)"
                    )
                }
                if let lotRow {
                    let dates: [(String, CalendarDate?, CalendarDate?)] = [
                        ("expiry", expiry, lotRow.expiry), ("best_before", bestBefore, lotRow.bestBefore),
                        ("production", production, lotRow.production),
                    ]
                    for (column, given, recorded) in dates where given != nil && given != recorded {
                        cells.problem(
                            column,
                            cells.text(column),
                            "differs from lot \(lotRow.code)'s recorded \(recorded?.description ?? "(none)")"
                        )
                    }
                }
                return cells.problems.isEmpty ? .unchanged : .refused(cells.problems)
            }
        }
        let columns = [
            "bestBefore": "best_before", "receivedAt": "received_at", "item": "sku",
            "allowQuarantineLocation": "allow_quarantine_location",
        ]
        return try guarded(&cells, columns: columns) {
            _ = try store.receiveInTransaction(db, log: log, request, actor: actor)
        }
    }

    // MARK: Orders

    /// One order line: the first row of a reference creates the order (status open, created now
    /// by the importer), each row adds the next line and reserves it by the allocation rule, as
    /// ``InventoryStore/createOrder(reference:lines:actor:customer:)`` does. Rows of an order that existed
    /// before the import are compared with its lines in order: the same is unchanged, anything
    /// else (other values, a line more) is a problem; an import never changes an order.
    private mutating func order(_ cells: inout Cells) throws -> RowOutcome {
        let referenceText = cells.required("reference")
        let sku = cells.required("sku")
        let (quantityText, quantity) = cells.quantity()
        let minDays = cells.integer("min_shelf_life")
        if !quantityText.isEmpty, cells.problems.isEmpty {
            cells.check("quantity") { _ in try Quantity.validate(quantity) }
        }
        if let minDays { cells.check("min_shelf_life") { _ in try InventoryStore.checkShelfLife(minDays) } }
        cells.check("reference") { _ = try TextField.code($0, field: "reference") }
        guard cells.problems.isEmpty else { return .refused(cells.problems) }
        let reference = try TextField.code(referenceText, field: "reference")
        // Imported orders are the default customer's (docs/csv.md), and so must their items be.
        let item: ItemRow
        do {
            item = try InventoryStore.item(db, ItemReference(sku), ofCustomer: 1)
        } catch let error as InventoryError {
            if case .wrongCustomer = error {
                cells.problem("sku", sku, "is not valid: \(error.description)")
            } else {
                cells.problem("sku", sku, "is not an item's SKU or GTIN (import the items first)")
            }
            return .refused(cells.problems)
        }
        var entry: (id: Int64?, lines: Int, existed: Bool)
        if let known = orders[reference] {
            entry = known
        } else if let id = try Int64.fetchOne(
            db,
            sql: "SELECT id FROM \"order\" WHERE reference = ?",
            arguments: [reference]
        ) {
            entry = (id, 0, true)
        } else {
            entry = (nil, 0, false)
        }
        entry.lines += 1
        orders[reference] = entry
        let lineNo = entry.lines
        let days = minDays ?? 0
        if entry.existed, let orderId = entry.id {
            guard
                let line = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT ol.quantity, ol.minShelfLifeDays, ol.itemId, item.sku FROM orderLine ol
                        JOIN item ON item.id = ol.itemId WHERE ol.orderId = ? AND ol.lineNo = ?
                        """,
                    arguments: [orderId, lineNo]
                )
            else {
                cells.problem(
                    "reference",
                    referenceText,
                    "is an existing order with \(lineNo - 1) lines, and this row would be line \(lineNo): an import never changes an order"
                )
                return .refused(cells.problems)
            }
            let differs = "differs from line \(lineNo) of existing order \(reference)"
            if line["itemId"] as Int64 != item.id { cells.problem("sku", sku, "\(differs), \(line["sku"] as String)") }
            if line["quantity"] as Int64 != quantity {
                cells.problem("quantity", quantityText, "\(differs), \(line["quantity"] as Int64)")
            }
            if line["minShelfLifeDays"] as Int != days {
                cells.problem(
                    "min_shelf_life",
                    cells.text("min_shelf_life") ?? "",
                    "\(differs), \(line["minShelfLifeDays"] as Int)"
                )
            }
            return cells.problems.isEmpty ? .unchanged : .refused(cells.problems)
        }
        var orderId = entry.id
        let outcome = try guarded(&cells, columns: ["lines": "quantity", "order": "reference"]) {
            if orderId == nil {
                try db.execute(
                    sql: "INSERT INTO \"order\" (reference, status, createdAt, actor) VALUES (?, 'open', ?, ?)",
                    arguments: [reference, log.now, actor]
                )
                orderId = db.lastInsertedRowID
            }
            try db.execute(
                sql: """
                    INSERT INTO orderLine (orderId, lineNo, itemId, quantity, picked, minShelfLifeDays) VALUES (?, ?, ?, ?, 0, ?)
                    """,
                arguments: [orderId, lineNo, item.id, quantity, days]
            )
            try store.reserve(db, lineId: db.lastInsertedRowID, item: item, quantity: quantity, minDays: days)
        }
        if case .added = outcome { orders[reference]?.id = orderId }
        return outcome
    }
}

extension InventoryError {
    /// The reason of an ``invalidValue(field:value:reason:)`` as a phrase after the quoted value,
    /// or the whole sentence of any other error.
    static func description(reasonOf error: InventoryError) -> String {
        if case let .invalidValue(_, _, reason) = error { return "is not valid: \(reason)" }
        return error.description
    }
}
