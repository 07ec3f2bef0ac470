import ArgumentParser
import DepotAPI
import Foundation
import GS1
import Reports

/// `depotctl report`: documents for people, as PDF (docs/reports.md).
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "PDF reports for a manager: stock on hand with expiry (docs/reports.md).",
        subcommands: [ReportStock.self]
    )
}

/// `depotctl report stock -o FILE.pdf`: stock on hand by item and lot, in FEFO order, with
/// expiry, days left and the locations holding it; expired lots red, expiring ones amber, held
/// ones grey.
struct ReportStock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock",
        abstract: "Stock on hand and expiry by item and lot, as a PDF (A4 landscape).",
        discussion: """
            One row per item and lot (FEFO order: earliest expiry first, then lots without expiry),
            with expiry, days left from depotd's today, status, on hand, reserved and the locations.
            Rows are marked: red, expired (expiry before today); amber, expiring within --days;
            grey, quarantined or blocked. Quantities an open blind count hides from the caller are
            left out, as in `depotctl stock`. The file is written whole or not at all.
            """
    )
    typealias API = OrgDepotInventory

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .customShort("o"), help: "The PDF file to write.") var output: String
    @Option(help: "Only this item (SKU or GTIN).", completion: Completions.items) var item: String?
    @Option(help: "Mark lots expiring within this many days (amber); 0 to 3650.") var days: Int = 30
    @Option(help: "Only this customer's items (code).") var customer: String?

    func validate() throws {
        guard (0...3650).contains(days) else {
            throw ValidationError("--days: \(days) is not between 0 and 3650")
        }
        guard output.hasSuffix(".pdf") || output.hasSuffix(".PDF") else {
            throw ValidationError("--output: \"\(output)\" does not end in .pdf")
        }
    }

    /// One row of the report: an item's lot (or its stock without a lot) summed over locations.
    struct LotRow {
        var sku: String
        var name: String
        var lot: String?
        var expiry: CalendarDate?
        var status: String
        var onHand = 0
        var reserved = 0
        var locations: [String] = []
    }

    func run() async throws {
        let link = try await connection.connect()
        defer { Task { await link.close() } }
        let status = try await connection.call(on: link, API.Status.self, .init())
        guard let today = CalendarDate(iso: status.today) else {
            throw CLIFailure(
                code: CLIFailure.errorReply,
                message: "depotctl: depotd's today \"\(status.today)\" is not a date"
            )
        }
        // An unknown customer is an error (UnknownCustomer), not an empty report.
        if let customer { _ = try await connection.call(on: link, API.GetCustomer.self, .init(code: customer)) }
        var items = try await connection.call(on: link, API.ListItems.self, .init()).items
            .filter { customer == nil || $0.customer == customer }
        if let item {
            let one = try await connection.call(on: link, API.GetItem.self, .init(item: item, customer: customer))
                .item
            items = customer == nil || one.customer == customer ? [one] : []
        }
        var rows: [LotRow] = []
        for item in items.sorted(by: { $0.sku < $1.sku }) {
            let balances = try await connection.call(on: link, API.Stock.self, .init(item: item.sku)).balances
            var byLot: [String: LotRow] = [:]
            for balance in balances {
                let key = balance.lot ?? ""
                var row =
                    byLot[key]
                    ?? LotRow(
                        sku: item.sku,
                        name: item.name,
                        lot: balance.lot,
                        expiry: balance.expiry.flatMap(CalendarDate.init(iso:)),
                        status: balance.lotStatus?.rawValue ?? "available"
                    )
                row.onHand += balance.quantity
                row.reserved += balance.reserved
                if !row.locations.contains(balance.location) { row.locations.append(balance.location) }
                byLot[key] = row
            }
            rows += byLot.values.sorted { a, b in
                switch (a.expiry, b.expiry) {
                case (let x?, let y?) where x != y: return x < y
                case (.some, .none): return true
                case (.none, .some): return false
                default: return (a.lot ?? "") < (b.lot ?? "")
                }
            }
        }
        let expired = rows.filter { row in row.expiry.map { today.days(until: $0) < 0 } ?? false }
        let expiring = rows.filter { row in row.expiry.map { (0...days).contains(today.days(until: $0)) } ?? false }
        let held = rows.filter { $0.status != "available" }
        let report = try Self.rendering {
            try PDFReport(
                path: output,
                title: "Stock on hand and expiry",
                subtitle: [
                    "As of \(status.now) (UTC); depotd's today \(status.today)"
                        + (item.map { "; item \($0)" } ?? "") + (customer.map { "; customer \($0)" } ?? "") + ".",
                    "\(Self.counted(Set(rows.map(\.sku)).count, "item")), \(Self.counted(rows.count, "lot or lot-less balance", "lots and lot-less balances")), "
                        + "\(rows.reduce(0) { $0 + $1.onHand }) units on hand, \(rows.reduce(0) { $0 + $1.reserved }) reserved.",
                    "Expired (red): \(expired.count). Expiring within \(days) days (amber): \(expiring.count). "
                        + "Quarantined or blocked (grey): \(held.count).",
                ],
                footer: "depot \(DepotAPI.version) · stock on hand and expiry · \(status.now)",
                layout: .a4Landscape
            )
        }
        let table = ReportTable(
            columns: [
                ReportColumn("SKU", weight: 1.1), ReportColumn("Item", weight: 2),
                ReportColumn("Lot", weight: 1.1), ReportColumn("Expiry", weight: 1.1),
                ReportColumn("Days left", weight: 0.8, style: .number), ReportColumn("Status", weight: 1),
                ReportColumn("On hand", weight: 0.9, style: .number),
                ReportColumn("Reserved", weight: 1.1, style: .number), ReportColumn("Locations", weight: 1.5),
            ],
            rows: rows.map { row in
                let left = row.expiry.map { today.days(until: $0) }
                let mark: RowMark? =
                    if let left, left < 0 { .alarm } else if row.status != "available" {
                        .muted
                    } else if let left,
                        left <= days
                    { .warning } else { nil }
                return ReportTable.Row(
                    [
                        row.sku, row.name, row.lot ?? "(no lot)", row.expiry?.description ?? "",
                        left.map(String.init) ?? "", row.status, String(row.onHand), String(row.reserved),
                        row.locations.sorted().joined(separator: ", "),
                    ],
                    mark: mark
                )
            }
        )
        try Self.rendering {
            if rows.isEmpty { report.paragraph("No stock on hand.", bold: true) }
            try report.table(table)
            try report.finish()
        }
        print("\(output)\t\(Self.counted(report.pages, "page")), \(Self.counted(rows.count, "row"))")
    }

    /// `1 item`, `2 items`: a count with its noun, plural unless it is 1 (`plural` when not noun + s).
    static func counted(_ count: Int, _ noun: String, _ plural: String? = nil) -> String {
        "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
    }

    /// Runs `body`, turning a ``ReportError`` into depotctl's error exit (1) naming the path.
    static func rendering<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ReportError {
            throw CLIFailure(code: CLIFailure.errorReply, message: "depotctl: \(error)")
        }
    }
}

/// `depotctl count sheet ID -o FILE.pdf`: the paper sheet for counting a count's lines by hand.
struct CountSheet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sheet",
        abstract: "Print a count's lines as a PDF sheet to count on paper (blind: no quantities).",
        discussion: """
            One row per line in walking order (location, then SKU and lot), with an empty box for
            the counted quantity and one for the counter's initials. A blind count's sheet never
            shows expected quantities, whoever prints it; an open count's sheet shows the expected
            quantity at its start. Write the counts back with `depotctl count record`.
            """
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64
    @Option(name: .customShort("o"), help: "The PDF file to write.") var output: String

    func validate() throws {
        guard output.hasSuffix(".pdf") || output.hasSuffix(".PDF") else {
            throw ValidationError("--output: \"\(output)\" does not end in .pdf")
        }
    }

    func run() async throws {
        let link = try await connection.connect()
        defer { Task { await link.close() } }
        let count = try await connection.call(on: link, OrgDepotCounts.Show.self, .init(count: Int(id))).count
        let names = Dictionary(
            try await connection.call(on: link, OrgDepotInventory.ListItems.self, .init()).items.map {
                ($0.sku, $0.name)
            },
            uniquingKeysWith: { first, _ in first }
        )
        let lines = (count.lines ?? []).sorted {
            ($0.location, $0.sku, $0.lot ?? "") < ($1.location, $1.sku, $1.lot ?? "")
        }
        let showsExpected = !count.blind
        var columns = [
            ReportColumn("#", weight: 0.35, style: .number), ReportColumn("Location", weight: 1),
            ReportColumn("SKU", weight: 1), ReportColumn("Item", weight: 1.6), ReportColumn("Lot", weight: 1),
        ]
        if showsExpected { columns.append(ReportColumn("Expected", weight: 1, style: .number)) }
        columns += [
            ReportColumn("Counted", weight: 1, style: .box), ReportColumn("Initials", weight: 0.8, style: .box),
        ]
        let rows = lines.map { line in
            var cells = [String(line.line), line.location, line.sku, names[line.sku] ?? "", line.lot ?? "(no lot)"]
            if showsExpected { cells.append(line.expectedAtStart.map(String.init) ?? "") }
            cells += ["", ""]
            return ReportTable.Row(cells)
        }
        let report = try ReportStock.rendering {
            try PDFReport(
                path: output,
                title: "Count \(count.id): \(count.location)" + (count.item.map { ", item \($0)" } ?? ""),
                subtitle: [
                    (count.blind ? "Blind count: count what you find; expected quantities are not shown. " : "")
                        + "Status \(count.status.rawValue); started \(count.startedAt) by \(count.startedBy); "
                        + "\(ReportStock.counted(lines.count, "line")).",
                    "Goods found that are not listed: write location, SKU, lot and quantity on the empty rows.",
                    "Counter: ______________________    Date: ____________    Signature: ______________________",
                ],
                footer: "depot \(DepotAPI.version) · count \(count.id) sheet" + (count.blind ? " (blind)" : ""),
                layout: .a4Portrait
            )
        }
        try ReportStock.rendering {
            let blanks = (0..<5).map { _ in ReportTable.Row(Array(repeating: "", count: columns.count)) }
            try report.table(ReportTable(columns: columns, rows: rows + blanks, minimumRowHeight: 22))
            try report.finish()
        }
        print(
            "\(output)\t\(ReportStock.counted(report.pages, "page")), \(ReportStock.counted(lines.count, "line"))"
                + (count.blind ? ", blind" : "")
        )
    }
}
