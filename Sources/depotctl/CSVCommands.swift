// `depotctl import` and `depotctl export`: CSV files in and out (docs/csv.md). CSV is read and
// written with yaslab/CSV.swift (RFC 4180); depotd checks and applies the rows, so depotctl knows
// the file format and nothing of the rules.
import ArgumentParser
import CSV
import DepotAPI
import Foundation
import Varlink

/// `depotctl import items|locations|stock|orders FILE.csv [--dry-run]`.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import items, locations, opening stock or orders from a CSV file (docs/csv.md), all rows or none.",
        discussion: """
            The file is UTF-8 (a byte order mark is skipped) with a header row naming its columns.
            Every row is checked; one bad row refuses the whole file and nothing is written.
            A row whose key exists with the same values is unchanged, so importing a file twice
            changes nothing. --dry-run checks every row and lists every problem, writing nothing.
            An orders file has one row per order line; the rows of one reference are its lines in
            file order. items and locations need the admin role, stock and orders the clerk role.
            """
    )
    typealias API = OrgDepotInventory

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "items, locations, stock or orders.") var kind: API.BeginImport.Parameters.Kind
    @Argument(help: "The CSV file.") var file: String
    @Flag(name: .customLong("dry-run"), help: "Check every row and report every problem; write nothing.")
    var dryRun = false

    func run() async throws {
        let reader = try CSVFile.reader(file)
        guard let header = reader.headerRow else {
            throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl: \(file) is empty: it needs a header row")
        }
        let link = try await connection.connect()
        defer { Task { await link.close() } }
        let begun = try await connection.call(on: link, API.BeginImport.self, .init(kind: kind, columns: header))
        // A call must fit the server's message limit; half of it leaves room for JSON escaping
        // beyond the estimate and for the envelope.
        let budget = max(begun.maxCallBytes / 2 - 256, 256)
        var batch: [API.ImportRow] = []
        var batchBytes = 0
        var rowNumber = 1
        var sent = 0
        var progress = ImportProgress(label: "\(kind.rawValue) from \(file)")
        defer { progress.clear() }
        while let cells = reader.next() {
            rowNumber += 1
            // An empty line (often at the end of a file) is no row; its number is still counted.
            if cells.allSatisfy(\.isEmpty) { continue }
            let bytes = CSVFile.estimatedJSONBytes(cells)
            guard bytes <= budget else {
                throw CLIFailure(
                    code: CLIFailure.errorReply,
                    message:
                        "depotctl: \(file): row \(rowNumber) is about \(bytes) bytes as JSON; one call to depotd carries at most \(budget) bytes of rows (half its [varlink] max_message_bytes, \(begun.maxCallBytes)): nothing was imported"
                )
            }
            if !batch.isEmpty, batchBytes + bytes > budget || batch.count == begun.maxRowsPerCall {
                _ = try await connection.call(
                    on: link,
                    API.AddImportRows.self,
                    .init(importId: begun.importId, rows: batch)
                )
                sent += batch.count
                progress.show("\(sent) rows sent")
                batch.removeAll(keepingCapacity: true)
                batchBytes = 0
            }
            batch.append(.init(row: rowNumber, cells: cells.map(CSVFile.unguarded)))
            batchBytes += bytes
        }
        if let error = reader.error {
            throw CLIFailure(
                code: CLIFailure.errorReply,
                message:
                    "depotctl: \(file): cannot read row \(rowNumber + 1): \(CSVFile.describe(error)): nothing was imported"
            )
        }
        if !batch.isEmpty {
            _ = try await connection.call(
                on: link,
                API.AddImportRows.self,
                .init(importId: begun.importId, rows: batch)
            )
            sent += batch.count
        }
        progress.show(
            "\(sent) rows sent; depotd checks them and \(dryRun ? "rolls the dry run back" : "writes them in one transaction")",
            force: true
        )
        let reply = try await connection.call(
            on: link,
            API.FinishImport.self,
            .init(importId: begun.importId, dryRun: dryRun)
        )
        connection.output(reply) { "\(kind.rawValue): \(reply.message)" }
    }
}

/// `depotctl export items|locations|stock|ledger|orders|counts|lots --format csv|json`.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Export items, locations, stock, the ledger, orders, counts or lots as CSV or JSON lines (docs/csv.md).",
        discussion: """
            items, locations and stock are written with the columns `depotctl import` reads, so an
            export imports again. The ledger and orders are read page by page, counts one count and
            lots one item at a time (constant memory). Instants are UTC ISO 8601, dates YYYY-MM-DD.
            What the caller may not see (an open blind count's quantities below clerk) is left out
            as in `depotctl stock`, `depotctl ledger` and `depotctl count show`. In CSV, a text cell
            starting with =, +, -, @, a tab or a carriage return gets a leading ' (formula guard);
            `depotctl import` takes it off again.
            """
    )
    typealias API = OrgDepotInventory
    typealias Counts = OrgDepotCounts

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case items, locations, stock, ledger, orders, counts, lots
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv, json
    }

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "items, locations, stock, ledger, orders, counts or lots.") var kind: Kind
    @Option(help: "csv (a header row, RFC 4180) or json (one JSON object per line).") var format: Format = .csv
    @Option(help: "Only this item (SKU or GTIN): stock, ledger and lots.") var item: String?
    @Option(help: "Only this location (code): stock and ledger.") var location: String?
    @Option(help: "Ledger or orders from this instant (ISO 8601, inclusive).") var since: String?
    @Option(help: "Ledger or orders until this instant (ISO 8601, exclusive).") var until: String?
    @Option(
        help:
            "Only this status: orders open, picked or cancelled; counts open, submitted, approved or cancelled; lots available, quarantine or blocked."
    )
    var status: String?
    @Option(help: "Only this customer's items, stock, ledger, orders and lots (code).") var customer: String?
    @Option(name: .customShort("o"), help: "Write to this file instead of standard output.") var output: String?

    /// Movements per Ledger call.
    static let ledgerPage = 1000

    /// The exports each filter applies to, for the refusal of one that does not.
    static let filterKinds: [(option: String, kinds: Set<Kind>)] = [
        ("--item", [.stock, .ledger, .lots]),
        ("--location", [.stock, .ledger]),
        ("--since", [.ledger, .orders]),
        ("--until", [.ledger, .orders]),
        ("--status", [.orders, .counts, .lots]),
        ("--customer", [.items, .stock, .ledger, .orders, .lots]),
    ]

    func validate() throws {
        let given = [
            "--item": item, "--location": location, "--since": since, "--until": until, "--status": status,
            "--customer": customer,
        ]
        for (option, kinds) in Self.filterKinds where given[option]! != nil && !kinds.contains(kind) {
            let names = Kind.allCases.filter(kinds.contains).map(\.rawValue)
            throw ValidationError(
                "\(option) is for the \(names.dropLast().joined(separator: ", ")) and \(names.last!) exports, not \(kind.rawValue)"
            )
        }
        if let status {
            let allowed: [String]
            switch kind {
            case .orders: allowed = API.ListOrders.Parameters.Status.allCases.map(\.rawValue)
            case .counts: allowed = Counts.List.Parameters.Status.allCases.map(\.rawValue)
            default: allowed = API.Lot.Status.allCases.map(\.rawValue)
            }
            guard allowed.contains(status) else {
                throw ValidationError(
                    "--status \"\(status)\" is not a status of \(kind.rawValue): give one of \(allowed.joined(separator: ", "))"
                )
            }
        }
    }

    func run() async throws {
        try await CSVFile.Sink.writing(to: output) { try await export(to: $0) }
    }

    /// Asks depotd for the rows and writes them to `sink`; the caller commits or abandons it.
    private func export(to sink: CSVFile.Sink) async throws {
        let link = try await connection.connect()
        defer { Task { await link.close() } }
        // An unknown customer is an error (UnknownCustomer), not an empty export.
        if let customer { _ = try await connection.call(on: link, API.GetCustomer.self, .init(code: customer)) }
        switch kind {
        case .items:
            let items = try await connection.call(on: link, API.ListItems.self, .init()).items
                .filter { customer == nil || $0.customer == customer }
            try write(sink, items, columns: CSVFile.itemColumns) { item in
                [
                    item.sku, item.name, item.gtins.joined(separator: " "), item.policy.rawValue,
                    String(item.lotTracked), String(item.expiryTracked), String(item.minRemainingShelfLifeDays),
                ]
            }
        case .locations:
            let locations = try await connection.call(on: link, API.ListLocations.self, .init()).locations
            try write(sink, CSVFile.parentsFirst(locations), columns: CSVFile.locationColumns) { location in
                [
                    location.code, location.kind.rawValue, location.parent ?? "", String(location.pickPriority),
                    location.gln ?? "",
                ]
            }
        case .stock:
            // One Stock call per item (the whole stock of a large warehouse is more than one
            // 16 MiB reply), in SKU order: the balances and order of `depotctl stock`.
            try write(sink, [API.StockBalance](), columns: CSVFile.stockColumns) { _ in [] }
            for sku in try await skus(link) {
                let balances = try await connection.call(
                    on: link,
                    API.Stock.self,
                    .init(item: sku, location: location, customer: customer)
                ).balances
                try write(sink, balances, columns: CSVFile.stockColumns, header: false) { balance in
                    // The implicit dated lot (`@YYYY-MM-DD`) is written as its expiry alone, as it is received.
                    let lot = balance.lot.flatMap { $0.hasPrefix("@") ? nil : $0 } ?? ""
                    return [
                        balance.sku, balance.location, String(balance.quantity), lot, balance.expiry ?? "",
                        balance.receivedAt,
                    ]
                }
            }
        case .ledger:
            var afterId: Int?
            var hidden = 0
            var first = true
            while true {
                let page = try await connection.call(
                    on: link,
                    API.Ledger.self,
                    .init(
                        item: item,
                        location: location,
                        since: since,
                        until: until,
                        afterId: afterId,
                        limit: Self.ledgerPage,
                        customer: customer
                    )
                )
                hidden += page.hiddenMovements ?? 0
                try write(sink, page.movements, columns: CSVFile.ledgerColumns, header: first) { m in
                    [
                        String(m.id), m.at, m.kind.rawValue, m.sku, m.lot ?? "", m.from ?? "", m.to ?? "",
                        String(m.quantity), m.actor, m.reference ?? "", m.reason ?? "",
                    ]
                }
                first = false
                guard page.movements.count == Self.ledgerPage, let last = page.movements.last else { break }
                afterId = last.id
            }
            if hidden > 0 {
                FileHandle.standardError.write(
                    Data("depotctl: \(hidden) movements are left out (an open blind count covers them)\n".utf8)
                )
            }
        case .orders:
            // Page by page (ListOrders, 1,000 orders a call); each page is written and dropped.
            var first = true
            try await OrderCommand.List.all(
                connection,
                on: link,
                status: status.flatMap(API.ListOrders.Parameters.Status.init(rawValue:)),
                since: since,
                until: until,
                customer: customer,
                keep: false
            ) { orders in
                try writeRecords(sink, orders, columns: CSVFile.orderColumns, header: first) { order in
                    order.lines.map { line in
                        [
                            order.reference, order.status.rawValue, order.createdAt, String(line.lineNo), line.sku,
                            String(line.quantity), String(line.picked), String(line.minRemainingShelfLifeDays),
                        ]
                    }
                }
                first = false
            }
        case .counts:
            // One Show per count: the lines exactly as `depotctl count show` gets them, so a blind
            // count's expectations stay absent for a caller who may not see them (docs/counts.md).
            let summaries = try await connection.call(
                on: link,
                Counts.List.self,
                .init(status: status.flatMap(Counts.List.Parameters.Status.init(rawValue:)))
            ).counts
            try write(sink, [Counts.Count](), columns: CSVFile.countColumns) { _ in [] }
            for summary in summaries.sorted(by: { $0.id < $1.id }) {
                let count = try await connection.call(on: link, Counts.Show.self, .init(count: summary.id)).count
                try writeRecords(sink, [count], columns: CSVFile.countColumns, header: false) { count in
                    let approvedAt = count.status == .approved ? count.closedAt ?? "" : ""
                    return (count.lines ?? []).map { line in
                        [
                            String(count.id), count.status.rawValue, line.location, line.sku, line.lot ?? "",
                            line.expected.map(String.init) ?? "", line.counted.map(String.init) ?? "",
                            line.variance.map(String.init) ?? "", approvedAt,
                        ]
                    }
                }
            }
        case .lots:
            // One Lots call per item, in SKU order; lots in allocation order as `depotctl lots` shows them.
            try write(sink, [API.LotView](), columns: CSVFile.lotColumns) { _ in [] }
            let wanted = status.flatMap(API.Lot.Status.init(rawValue:))
            for sku in try await skus(link) {
                let lots = try await connection.call(on: link, API.Lots.self, .init(item: sku, customer: customer)).lots
                    .filter { wanted == nil || $0.lot.status == wanted }
                try write(sink, lots, columns: CSVFile.lotColumns, header: false) { view in
                    [
                        view.lot.sku, view.lot.code, view.lot.expiry ?? "", view.lot.status.rawValue,
                        String(view.onHand), String(view.reserved), view.daysLeft.map(String.init) ?? "",
                    ]
                }
            }
        }
    }

    /// The SKUs to export one at a time: `--item`, or every item (of `--customer`) in SKU order.
    private func skus(_ link: VarlinkConnection) async throws -> [String] {
        if let item { return [item] }
        return try await connection.call(on: link, API.ListItems.self, .init()).items
            .filter { customer == nil || $0.customer == customer }.map(\.sku)
    }

    /// Writes `rows` as CSV, one CSV row each (with the header row first when `header`), or as
    /// JSON lines.
    private func write<T: Encodable>(
        _ sink: CSVFile.Sink,
        _ rows: [T],
        columns: [String],
        header: Bool = true,
        cells: (T) -> [String]
    ) throws {
        try writeRecords(sink, rows, columns: columns, header: header) { [cells($0)] }
    }

    /// Writes `records` as CSV, each as the rows `cells` makes of it (an order as its lines), with
    /// the header row first when `header` and the formula guard (``CSVFile/guarded(_:columns:)``);
    /// or as JSON lines, one reply object per record.
    private func writeRecords<T: Encodable>(
        _ sink: CSVFile.Sink,
        _ records: [T],
        columns: [String],
        header: Bool,
        cells: (T) -> [[String]]
    ) throws {
        switch format {
        case .csv:
            // The header waits for the first rows, so a failed export writes nothing (Sink).
            if header { sink.holdHeader(try CSVFile.csv(header: columns, rows: [])) }
            let rows = records.flatMap(cells).map { CSVFile.guarded($0, columns: columns) }
            try sink.write(CSVFile.csv(header: nil, rows: rows))
        case .json:
            var text = ""
            for record in records { text += ConnectionOptions.jsonText(record, pretty: false) + "\n" }
            try sink.write(Data(text.utf8))
        }
    }
}

/// CSV reading and writing for import and export.
enum CSVFile {
    static let itemColumns = ["sku", "name", "gtin", "policy", "lot_tracked", "expiry_tracked", "min_shelf_life"]
    static let locationColumns = ["code", "kind", "parent", "pick_priority", "gln"]
    static let stockColumns = ["sku", "location", "quantity", "lot", "expiry", "received_at"]
    static let ledgerColumns = [
        "id", "at", "kind", "sku", "lot", "from", "to", "quantity", "actor", "reference", "reason",
    ]
    static let orderColumns = [
        "reference", "status", "created_at", "line", "sku", "quantity", "picked", "min_shelf_life",
    ]
    static let countColumns = [
        "count", "status", "location", "sku", "lot", "expected", "counted", "variance", "approved_at",
    ]
    static let lotColumns = ["sku", "lot", "expiry", "status", "on_hand", "reserved", "days_left"]

    /// The columns of every export that hold whole numbers (ids, quantities, days, variances):
    /// written as they are, never guarded, so a negative variance stays the number `-3`.
    static let numericColumns: Set<String> = [
        "id", "movement", "count", "line", "quantity", "picked", "min_shelf_life", "pick_priority", "expected",
        "counted",
        "variance", "on_hand", "reserved", "days_left",
    ]

    /// The characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection"):
    /// `=`, `+`, `-`, `@`, a tab and a carriage return (also as the start of a CRLF, which Swift
    /// reads as one character).
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r", "\r\n"]

    /// Whether `cell` is one quotes (`'`, `quotes` or more of them) followed by a formula start.
    private static func isQuotedFormula(_ cell: Substring, quotes: Int) -> Bool {
        let rest = cell.drop { $0 == "'" }
        guard cell.count - rest.count >= quotes, let first = rest.first else { return false }
        return formulaStarts.contains(first)
    }

    /// The cells of one export row as written to CSV (`columns` names them, in order), with the
    /// formula guard: a text cell starting with a formula start (``formulaStarts``), or with
    /// quotes and then one, gets one `'` in front, so a spreadsheet shows it as text
    /// (`=HYPERLINK(...)` is written `'=HYPERLINK(...)`). Cells of ``numericColumns`` are written
    /// as they are: a variance of -3 stays the number `-3`. ``unguarded(_:)`` undoes it exactly.
    static func guarded(_ cells: [String], columns: [String]) -> [String] {
        zip(cells, columns).map { cell, column in
            numericColumns.contains(column) || !isQuotedFormula(cell[...], quotes: 0) ? cell : "'" + cell
        }
    }

    /// A cell of an imported file without the formula guard: one leading `'` is taken off when
    /// it is followed by a formula start (``formulaStarts``) or by more quotes and then one; any
    /// other cell is read as it is (`'quoted'` stays `'quoted'`). So a guarded export imports
    /// as the values it was made of.
    static func unguarded(_ cell: String) -> String {
        isQuotedFormula(cell[...], quotes: 1) ? String(cell.dropFirst()) : cell
    }

    /// Largest file an import reads: the most cell text depotd stages for one import (64 MiB)
    /// plus room for the commas, quotes and line ends.
    static let maxFileBytes = 80 << 20

    /// A reader of `path` with its header row read. The file is read whole (at most
    /// ``maxFileBytes``) and must be UTF-8; a byte order mark (U+FEFF) at its start is skipped.
    /// (CSV.swift's stream reader reports a read error at the end of a file on Linux, where
    /// `InputStream.hasBytesAvailable` stays true until a read returns 0; its string reader does not.)
    /// - Throws: ``CLIFailure`` (code 1) when the file cannot be read, is too large, is not
    ///   UTF-8 or is empty.
    static func reader(_ path: String) throws -> CSVReader {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maxFileBytes else {
            throw CLIFailure(
                code: CLIFailure.errorReply,
                message:
                    "depotctl: \(path) is \(size) bytes; one import reads at most \(maxFileBytes >> 20) MiB: split the file"
            )
        }
        let data: Data
        do {
            data = try LocalFile.contents(path)
        } catch {
            throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl: cannot read \(path): \(error.reason)")
        }
        guard var text = String(validating: data, as: UTF8.self) else {
            throw CLIFailure(
                code: CLIFailure.errorReply,
                message: "depotctl: \(path) is not UTF-8 text: save it as UTF-8 CSV"
            )
        }
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        if let problem = quotingProblem(in: text) {
            throw CLIFailure(
                code: CLIFailure.errorReply,
                message: "depotctl: \(path): \(problem); nothing was imported"
            )
        }
        do {
            return try CSVReader(string: text, hasHeaderRow: true)
        } catch CSVError.cannotReadHeaderRow {
            throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl: \(path) is empty: it needs a header row")
        } catch {
            throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl: cannot read \(path): \(describe(error))")
        }
    }

    /// The first break of RFC 4180's quoting rule in `text` (section 2, rules 5–7): a field
    /// that starts with `"` ends with a `"` followed by a comma, a line end or the end of the
    /// file, and a `"` inside it is doubled; a `"` inside a field that does not start with one is
    /// not allowed. nil when every field keeps the rule. CSV.swift reads such fields leniently
    /// (`"Bad "quote" here"` became `Bad "uote"here`), so the file is refused before it is read:
    /// a cell must never be stored other than it was written.
    static func quotingProblem(in text: String) -> String? {
        var line = 1
        var fieldLine = 1
        var atFieldStart = true
        var quoted = false
        var closing = false  // a quote seen inside a quoted field: doubled, or the end of the field
        for scalar in text.unicodeScalars {
            if quoted {
                if closing {
                    closing = false
                    if scalar == "\"" { continue }
                    quoted = false
                    guard scalar == "," || scalar == "\n" || scalar == "\r" else {
                        return
                            "line \(line): a quoted field goes on after its closing quote (write a quote inside a quoted field as \"\")"
                    }
                } else {
                    if scalar == "\"" { closing = true } else if scalar == "\n" { line += 1 }
                    continue
                }
            }
            switch scalar {
            case "\"":
                guard atFieldStart else {
                    return
                        "line \(line): a quote inside a field that does not start with one (quote the whole field and double the quote: \"a \"\"b\"\" c\")"
                }
                quoted = true
                fieldLine = line
                atFieldStart = false
            case ",", "\r":
                atFieldStart = true
            case "\n":
                atFieldStart = true
                line += 1
            default:
                atFieldStart = false
            }
        }
        if quoted && !closing { return "line \(fieldLine): a quoted field is never closed" }
        return nil
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case CSVError.unicodeDecoding: return "not UTF-8 text"
        case CSVError.streamErrorHasOccurred(let underlying): return "\(underlying)"
        default: return "\(error)"
        }
    }

    /// An upper estimate of the bytes `cells` take in an AddImportRows call: quotes and commas,
    /// six bytes for each character JSON escapes, plus the row's own member.
    static func estimatedJSONBytes(_ cells: [String]) -> Int {
        var bytes = 32
        for cell in cells {
            bytes += 3 + cell.utf8.count
            for byte in cell.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C { bytes += 5 }
        }
        return bytes
    }

    /// RFC 4180 text of `rows` (CRLF line ends, fields quoted when they hold a comma, a quote or a
    /// line break), each row ended by CRLF; `header` first when given.
    static func csv(header: [String]?, rows: [[String]]) throws -> Data {
        let all = (header.map { [$0] } ?? []) + rows
        guard !all.isEmpty else { return Data() }
        let stream = OutputStream.toMemory()
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        for row in all { try writer.write(row: row) }
        stream.close()
        var data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        data.append(contentsOf: Array("\r\n".utf8))
        return data
    }

    /// Locations ordered so that every parent comes before the locations inside it (then by code),
    /// as an import needs them.
    static func parentsFirst(_ locations: [OrgDepotInventory.Location]) -> [OrgDepotInventory.Location] {
        let byCode = Dictionary(locations.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        func depth(_ location: OrgDepotInventory.Location) -> Int {
            var depth = 0
            var current = location.parent
            while let code = current, depth < locations.count {
                depth += 1
                current = byCode[code]?.parent
            }
            return depth
        }
        return locations.map { (depth($0), $0) }.sorted { ($0.0, $0.1.code) < ($1.0, $1.1.code) }.map(\.1)
    }

    /// Where an export goes: standard output, or a file that is replaced only by a whole export.
    ///
    /// A file is written as a temporary file in its own directory (`.NAME.XXXXXX`) and renamed over
    /// NAME by ``commit()``, so a failed export leaves the old file (or none) and never a partial
    /// one; ``abandon()`` removes the temporary file. On standard output the header row is held
    /// back (``holdHeader(_:)``) until the first rows or the commit, so an export that fails before
    /// depotd's first rows writes nothing: a redirected file is not left with a header alone.
    final class Sink {
        /// Opens a sink for `path` (standard output when nil), runs `body` with it, and commits
        /// the file when `body` returns or abandons it when `body` throws, so an export that fails
        /// half-way never replaces the file asked for.
        /// - Throws: what `body` throws; ``CLIFailure`` when the file cannot be made or renamed.
        static func writing(to path: String?, _ body: (Sink) async throws -> Void) async throws {
            let sink = try Sink(path: path)
            do {
                try await body(sink)
                try sink.commit()
            } catch {
                sink.abandon()
                throw error
            }
        }

        let handle: FileHandle
        let path: String?
        let temporaryPath: String?
        private var header = Data()

        /// Opens a temporary file beside `path`, or standard output when nil.
        /// - Throws: ``CLIFailure`` (code 1) when the file cannot be created, with the reason.
        init(path: String?) throws {
            guard let path else {
                self.path = nil
                handle = .standardOutput
                temporaryPath = nil
                return
            }
            var info = stat()
            if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
                // A device or a FIFO (/dev/stdout, a named pipe) cannot be replaced: written in place.
                let descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
                guard descriptor >= 0 else {
                    throw CLIFailure(
                        code: CLIFailure.errorReply,
                        message: "depotctl: cannot write \(path): \(errnoText())"
                    )
                }
                handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
                self.path = path
                temporaryPath = nil
                return
            }
            // A symbolic link keeps pointing at the export: the file it names is replaced.
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { link in
                link.hasPrefix("/") ? link : URL(fileURLWithPath: path).deletingLastPathComponent().path + "/" + link
            }
            self.path = target ?? path
            let url = URL(fileURLWithPath: target ?? path)
            let directory = url.deletingLastPathComponent().path
            var template = Array((directory + "/." + url.lastPathComponent + ".XXXXXX").utf8CString)
            let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard descriptor >= 0 else {
                throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl: cannot write \(path): \(errnoText())")
            }
            // mkstemp creates the file 0600; the export gets the mode a new file gets (0666 less the umask).
            let mask = umask(0)
            umask(mask)
            fchmod(descriptor, 0o666 & ~mask)
            temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        }

        /// Keeps `data` (the header row) until the first ``write(_:)`` or the ``commit()``.
        func holdHeader(_ data: Data) {
            header.append(data)
        }

        /// Writes the held header, then `data`.
        func write(_ data: Data) throws {
            guard !data.isEmpty else { return }
            if !header.isEmpty {
                try handle.write(contentsOf: header)
                header.removeAll()
            }
            try handle.write(contentsOf: data)
        }

        /// Ends a successful export: writes a header still held (an export without rows), then
        /// flushes and renames the temporary file over the file asked for.
        /// - Throws: ``CLIFailure`` (code 1) when the file cannot be written or renamed.
        func commit() throws {
            if !header.isEmpty {
                try handle.write(contentsOf: header)
                header.removeAll()
            }
            guard let path, let temporaryPath else { return }
            do {
                try handle.synchronize()
                try handle.close()
            } catch {
                abandon()
                throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl: cannot write \(path): \(error)")
            }
            guard rename(temporaryPath, path) == 0 else {
                let reason = errnoText()
                unlink(temporaryPath)
                throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl: cannot write \(path): \(reason)")
            }
        }

        /// Ends a failed export: the temporary file is removed; standard output gets nothing more.
        func abandon() {
            header.removeAll()
            guard let temporaryPath else { return }
            try? handle.close()
            unlink(temporaryPath)
        }
    }
}

extension ConnectionOptions {
    /// Calls `method` on an open connection `link` (several calls of one command on one connection).
    /// - Throws: ``CLIFailure`` with code 1 for an error reply, 3 when depotd goes away.
    func call<M: VarlinkMethod>(
        on link: VarlinkConnection,
        _ method: M.Type,
        _ parameters: M.Parameters
    ) async throws -> M.Reply {
        do {
            return try await link.call(M.self, parameters)
        } catch let error as VarlinkError {
            throw CLIFailure(code: CLIFailure.errorReply, message: Self.describe(error))
        } catch {
            throw CLIFailure(code: CLIFailure.unreachable, message: "depotctl: lost depotd at \(socketPath): \(error)")
        }
    }
}

extension OrgDepotInventory.BeginImport.Parameters.Kind: ExpressibleByArgument {}

/// A one-line progress display for a long import on standard error, only when standard error is
/// a terminal (isatty(3)) and TERM is not `dumb`: rewritten in place (`\r` and EL, ECMA-48 "erase
/// in line") at most five times a second, cleared at the end, so a pipe or a log never sees it.
struct ImportProgress {
    let label: String
    let enabled: Bool
    private var last: ContinuousClock.Instant?
    private var shown = false

    init(label: String) {
        self.label = label
        enabled = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Shows `state` after the label, unless the last update is younger than 0.2 s (`force`: always).
    mutating func show(_ state: String, force: Bool = false) {
        guard enabled else { return }
        let now = ContinuousClock.now
        if !force, let last, now - last < .milliseconds(200) { return }
        last = now
        shown = true
        FileHandle.standardError.write(Data("\r\u{1B}[Kdepotctl: import \(label): \(state)".utf8))
    }

    /// Erases the line (if anything was shown).
    mutating func clear() {
        guard shown else { return }
        shown = false
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
