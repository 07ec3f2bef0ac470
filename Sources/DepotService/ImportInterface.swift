// The CSV import's methods of org.depot.inventory (docs/csv.md): BeginImport, AddImportRows and
// FinishImport. A file larger than one message is staged here in parts, in memory and bounded,
// then handed to the engine whole (``InventoryStore/importTable(_:dryRun:actor:)``): one
// transaction for the whole file.
import DepotAPI
import Foundation
import Inventory
import Varlink

/// Imports begun and not yet finished, each owned by the actor that began it. Bounded: at most
/// ``maxOpen`` at once and ``maxOpenPerActor`` per user (an import unused for ``idleLimit`` is dropped),
/// ``maxTotalStagedBytes`` of cells in all, ``maxRowsPerCall`` rows
/// per call, ``InventoryStore/importRowLimit`` rows and ``maxStagedBytes`` bytes of cells each.
actor ImportStaging {
    /// Most imports open at once, all users together.
    static let maxOpen = 16
    /// Most imports one user (actor) has open; beginning one more drops that user's least
    /// recently used one.
    static let maxOpenPerActor = 2
    /// Most rows one AddImportRows call stages.
    static let maxRowsPerCall = 10_000
    /// Most bytes of cell text one import holds (UTF-8).
    static let maxStagedBytes = 64 << 20
    /// Most bytes of cell text all open imports hold together (so 16 imports cannot make
    /// depotd hold 16 × ``maxStagedBytes``).
    static let maxTotalStagedBytes = 128 << 20
    /// An import unused this long is dropped.
    static let idleLimit: Duration = .seconds(600)

    struct Staged {
        var actor: String
        var table: ImportTable
        var bytes: Int
        var lastUse: ContinuousClock.Instant
    }

    private var open: [String: Staged] = [:]
    /// The bound on all open imports' cell bytes (``maxTotalStagedBytes``; smaller in tests).
    let totalBytesLimit: Int

    /// Creates an empty staging area holding at most `totalBytesLimit` bytes of cells in all.
    init(totalBytesLimit: Int = ImportStaging.maxTotalStagedBytes) {
        self.totalBytesLimit = totalBytesLimit
    }

    /// Opens an import of `table` (its header already checked) for `actor`.
    /// - Throws: `InvalidValue` (field `importId`) when ``maxOpen`` imports are open.
    func begin(_ table: ImportTable, actor: String) throws -> String {
        let now = ContinuousClock.now
        open = open.filter { now - $0.value.lastUse < Self.idleLimit }
        // An import left open by a depotctl that stopped half-way must not lock its user out:
        // the user's least recently used import makes room for the new one.
        let own = open.filter { $0.value.actor == actor }
        if own.count >= Self.maxOpenPerActor, let oldest = own.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            open[oldest.key] = nil
        }
        guard open.count < Self.maxOpen else {
            throw ErrorMapping.varlinkError(
                .invalidValue(
                    field: "importId",
                    value: "",
                    reason: "\(Self.maxOpen) imports of other users are open: try again in a few minutes"
                )
            )
        }
        let id = UUID().uuidString.lowercased()
        open[id] = Staged(actor: actor, table: table, bytes: 0, lastUse: now)
        return id
    }

    /// Stages `rows` after the import's earlier rows.
    /// - Returns: the number of rows staged so far.
    /// - Throws: `UnknownImport`; `InvalidValue` (field `rows`) beyond a bound (the import is
    ///   dropped then: its rows are incomplete).
    func add(_ id: String, rows: [ImportRow], actor: String) throws -> Int {
        var staged = try lookup(id, actor: actor)
        guard rows.count <= Self.maxRowsPerCall else {
            throw ErrorMapping.varlinkError(
                .invalidValue(
                    field: "rows",
                    value: String(rows.count),
                    reason: "one call stages at most \(Self.maxRowsPerCall) rows"
                )
            )
        }
        let added = rows.reduce(0) { $0 + $1.cells.reduce(0) { $0 + $1.utf8.count } }
        let held = open.values.reduce(0) { $0 + $1.bytes }
        guard held + added <= totalBytesLimit else {
            throw ErrorMapping.varlinkError(
                .invalidValue(
                    field: "rows",
                    value: String(rows.count),
                    reason:
                        "depotd holds \(totalBytesLimit) bytes of unfinished imports already: try again when they are done"
                )
            )
        }
        staged.bytes += added
        staged.table.rows += rows
        if staged.table.rows.count > InventoryStore.importRowLimit || staged.bytes > Self.maxStagedBytes {
            open[id] = nil
            throw ErrorMapping.varlinkError(
                .invalidValue(
                    field: "rows",
                    value: String(staged.table.rows.count),
                    reason:
                        "one import takes at most \(InventoryStore.importRowLimit) rows and \(Self.maxStagedBytes >> 20) MiB of cells: split the file"
                )
            )
        }
        staged.lastUse = .now
        open[id] = staged
        return staged.table.rows.count
    }

    /// Removes the import and returns its table.
    /// - Throws: `UnknownImport`.
    func finish(_ id: String, actor: String) throws -> ImportTable {
        let staged = try lookup(id, actor: actor)
        open[id] = nil
        return staged.table
    }

    private func lookup(_ id: String, actor: String) throws -> Staged {
        guard let staged = open[id], staged.actor == actor, ContinuousClock.now - staged.lastUse < Self.idleLimit
        else {
            open[id] = nil
            throw VarlinkError(
                OrgDepotInventory.UnknownImport(
                    importId: id,
                    message:
                        "no open import has id \(InventoryError.shown(id)) for this user (finished, unused for 10 minutes, or begun by another user): start the import again"
                )
            )
        }
        return staged
    }
}

extension InventoryInterface {
    typealias ImportAPI = OrgDepotInventory

    /// The import methods, each at the clerk role; BeginImport asks admin for items and
    /// locations (the role of AddItem and AddLocation, docs/operations.md "Roles").
    func importMethods() -> [GuardedMethod] {
        let staging = imports
        let store = store
        let maxCallBytes = maxCallBytes
        return [
            Wire.method(ImportAPI.BeginImport.self, .clerk) { p, caller in
                let kind = ImportKind(rawValue: p.kind.rawValue) ?? .stock
                if kind == .items || kind == .locations, let role = caller.role, role < .admin {
                    throw VarlinkError(
                        name: VarlinkError.permissionDenied.name,
                        parameters: [
                            "message": .string(
                                "org.depot.inventory.BeginImport of \(kind.rawValue) needs the admin role; the caller has \(role)"
                            ),
                            "method": .string(ImportAPI.BeginImport.name),
                            "role": .string("\(role)"),
                            "required": .string("\(DepotRole.admin)"),
                        ]
                    )
                }
                let table = ImportTable(kind: kind, columns: p.columns)
                let problems = table.headerProblems
                guard problems.isEmpty else {
                    throw Self.rejected(
                        ImportReport(kind: kind, rows: 0, added: 0, unchanged: 0, dryRun: false, problems: problems)
                    )
                }
                let id = try await staging.begin(table, actor: caller.actor)
                return .init(
                    importId: id,
                    maxCallBytes: maxCallBytes,
                    maxRowsPerCall: ImportStaging.maxRowsPerCall,
                    maxRows: InventoryStore.importRowLimit
                )
            },
            Wire.method(ImportAPI.AddImportRows.self, .clerk) { p, caller in
                let rows = p.rows.map { ImportRow(number: $0.row, cells: $0.cells) }
                return .init(staged: try await staging.add(p.importId, rows: rows, actor: caller.actor))
            },
            Wire.method(ImportAPI.FinishImport.self, .clerk) { p, caller in
                let table = try await staging.finish(p.importId, actor: caller.actor)
                let report = try await store.importTable(table, dryRun: p.dryRun ?? false, actor: caller.actor)
                guard report.problems.isEmpty else { throw Self.rejected(report) }
                return .init(
                    kind: ImportAPI.FinishImport.Reply.Kind(rawValue: report.kind.rawValue) ?? .stock,
                    rows: report.rows,
                    added: report.added,
                    unchanged: report.unchanged,
                    dryRun: report.dryRun,
                    message: report.summary
                )
            },
        ]
    }

    /// Most problems one ImportRejected lists (so the reply stays far below the client's 16 MiB).
    static let maxListedProblems = 10_000

    static func rejected(_ report: ImportReport) -> VarlinkError {
        let listed = report.problems.prefix(maxListedProblems)
        let count = report.problems.count
        let message =
            "\(count) problem\(count == 1 ? "" : "s") in \(report.rows) row\(report.rows == 1 ? "" : "s"); nothing was written"
            + (count > listed.count ? " (the first \(listed.count) are listed)" : "")
        return VarlinkError(
            ImportAPI.ImportRejected(
                rows: report.rows,
                problems: listed.map {
                    .init(
                        row: $0.row,
                        column: $0.column,
                        value: $0.value.map { InventoryError.shown($0, limit: 200) },
                        reason: $0.reason,
                        message: $0.description
                    )
                },
                problemCount: count,
                dryRun: report.dryRun,
                message: message
            )
        )
    }
}
