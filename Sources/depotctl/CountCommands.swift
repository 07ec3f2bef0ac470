import ArgumentParser
import DepotAPI
import Foundation

/// `depotctl count`: stock count sessions (docs/counts.md).
struct CountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Count stock: start, record, submit, review, recount, approve, cancel; cycle-count schedules.",
        discussion: """
            Each counted line is "as of" the moment it was counted; approval posts counted minus the
            on hand of that moment as an adjustment on today's stock (docs/counts.md).
            """,
        subcommands: [
            CountStart.self, CountRecord.self, CountSubmit.self, CountShow.self, CountList.self, CountRecount.self,
            CountApprove.self, CountCancel.self, CountSchedule.self, CountDue.self, CountSheet.self,
        ]
    )
}

/// `depotctl count start`.
struct CountStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a count of a location and its children (snapshot of expected stock)."
    )
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Location code to count (its children too).", completion: Completions.locations) var location: String
    @Option(help: "Only this item (SKU or GTIN).", completion: Completions.items) var item: String?
    @Flag(help: "Counters do not see expected quantities until the count is submitted.") var blind = false
    @Flag(help: "Expected lines not counted by submission count as zero.") var full = false
    @Option(
        name: .customLong("max-units"),
        help: "Recount lines whose |variance| exceeds this many units (default 10)."
    )
    var maxUnits: Int64?
    @Option(
        name: .customLong("max-percent"),
        help: "Recount lines whose |variance| exceeds this percent of expected (default 10)."
    )
    var maxPercent: Double?
    @Flag(name: .customLong("recount-by-other"), help: "Recounts must be done by someone other than the first counter.")
    var recountByOther = false
    @Option(
        name: .customLong("accept-after"),
        help:
            "A recount that agrees with nothing is accepted from this count of the line on, by a new counter (2-100, default 3)."
    )
    var acceptAfter: Int?

    func run() async throws {
        if let maxPercent, !maxPercent.isFinite || maxPercent < 0 {
            throw ValidationError("--max-percent \(maxPercent) must be a number of percent, 0 or more")
        }
        let reply = try await connection.call(
            OrgDepotCounts.Start.self,
            .init(
                location: location,
                item: item,
                blind: blind,
                full: full,
                maxVarianceUnits: maxUnits.map { Int($0) },
                maxVariancePercent: maxPercent,
                recountByOther: recountByOther,
                acceptAfterCounts: acceptAfter
            )
        )
        // A blind count's starter hands it to counters: no expected total (nothing is counted yet,
        // and a blind count should not show one), only how many lines there are to count.
        connection.output(reply) { CountRender.session(reply.count, expectedTotals: !reply.count.blind) }
    }
}

/// `depotctl count record`.
struct CountRecord: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a counted quantity of an item (and lot) at a location."
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64
    @Option(help: "Location code.", completion: Completions.locations) var location: String
    @Option(help: "SKU or GTIN.", completion: Completions.items) var item: String
    @Option(help: "Lot code (needed when several lots of the item are expected there).") var lot: String?
    @Option(help: "Counted quantity in base units.") var qty: Int64
    @Flag(help: "Add to the line's counted quantity instead of replacing it.") var add = false

    func run() async throws {
        let reply = try await connection.call(
            OrgDepotCounts.Record.self,
            .init(
                count: Int(id),
                location: location,
                item: item,
                lot: lot,
                quantity: Int(qty),
                add: add
            )
        )
        connection.output(reply) {
            let line = reply.line
            return "count \(reply.count.cell) line \(line.line.cell): \(line.sku.cell)"
                + (line.lot.map { " lot \($0.cell)" } ?? "") + " at \(line.location.cell) counted " + line.counted.cell
                + (line.expected.map { ", expected \($0.cell), variance \(CountRender.signed(line.variance))" } ?? "")
        }
    }
}

/// `depotctl count submit`.
struct CountSubmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Say the counting is done; the count goes to review."
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64

    func run() async throws {
        let reply = try await connection.call(OrgDepotCounts.Submit.self, .init(count: Int(id)))
        connection.output(reply) { CountRender.session(reply.count) }
    }
}

/// `depotctl count show`.
struct CountShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a count: per line expected, counted, variance (units, percent) and totals."
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64

    func run() async throws {
        let reply = try await connection.call(OrgDepotCounts.Show.self, .init(count: Int(id)))
        connection.output(reply) { CountRender.session(reply.count) }
    }
}

/// `depotctl count list`.
struct CountList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List counts, newest first.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only counts with this status: open, submitted, approved, cancelled.") var status:
        OrgDepotCounts.List.Parameters.Status?

    func run() async throws {
        let reply = try await connection.call(OrgDepotCounts.List.self, .init(status: status))
        connection.output(reply) {
            var table = Table("ID", "LOCATION", "ITEM", "STATUS", "BLIND", "FULL", "LINES", "COUNTED", "STARTED", "BY")
            for c in reply.counts {
                table.add(cells: [
                    c.id.cell, c.location.cell, c.item.cell, c.status.rawValue, c.blind.cell, c.full.cell,
                    c.lines.cell, c.counted.cell, c.startedAt.cell, c.startedBy.cell,
                ])
            }
            return table.text
        }
    }
}

/// `depotctl count recount`.
struct CountRecount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recount",
        abstract: "Send lines back for a recount (clears their counts, reopens the count)."
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64
    @Option(help: "Line numbers, comma-separated (e.g. 2,5).") var lines: String

    func validate() throws {
        _ = try parsedLines()
    }

    func parsedLines() throws -> [Int] {
        let parts = lines.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        return try parts.map { part in
            guard let number = Int(part), number >= 1 else {
                throw ValidationError("--lines \"\(lines)\" is not valid: \"\(part)\" is not a line number (1, 2, ...)")
            }
            return number
        }
    }

    func run() async throws {
        let reply = try await connection.call(
            OrgDepotCounts.Recount.self,
            .init(count: Int(id), lines: try parsedLines())
        )
        connection.output(reply) { CountRender.session(reply.count) }
    }
}

/// `depotctl count approve`.
struct CountApprove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a submitted count: one adjustment per line with a variance."
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64

    func run() async throws {
        let reply = try await connection.call(OrgDepotCounts.Approve.self, .init(count: Int(id)))
        let movements = try await adjustments(first: reply.firstMovement, last: reply.lastMovement)
        connection.output(ApprovalOutput(reply: reply, movements: movements)) {
            var text = "count \(id) approved: \(movements.count) adjustment\(movements.count == 1 ? "" : "s")"
            if !movements.isEmpty { text += "\n" + Render.movements(movements) }
            let unchanged = reply.unchanged
            if !unchanged.isEmpty {
                var table = Table("UNCOUNTED-LINE", "LOCATION", "SKU", "LOT")
                for line in unchanged {
                    table.add(line.line.cell, line.location.cell, line.sku.cell, line.lot.cell)
                }
                text += "\nleft unchanged (not counted):\n" + table.text
            }
            return text
        }
    }

    /// The approval's ledger rows `first...last`, read with org.depot.inventory.Ledger in pages.
    func adjustments(first: Int?, last: Int?) async throws -> [OrgDepotInventory.Movement] {
        guard let first, let last else { return [] }
        var rows: [OrgDepotInventory.Movement] = []
        var after = first - 1
        while after < last {
            let page = try await connection.call(
                OrgDepotInventory.Ledger.self,
                .init(afterId: after, limit: min(10_000, last - after))
            )
            .movements
            guard let end = page.last?.id else { break }
            rows += page.filter { $0.id <= last }
            after = end
        }
        return rows
    }

    /// `--json` output: the reply's fields and the adjustments' ledger rows as `movements`.
    struct ApprovalOutput: Encodable {
        var reply: OrgDepotCounts.Approve.Reply
        var movements: [OrgDepotInventory.Movement]

        func encode(to encoder: any Encoder) throws {
            try reply.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(movements, forKey: .movements)
        }

        enum Keys: String, CodingKey { case movements }
    }
}

/// `depotctl count cancel`.
struct CountCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a count; stock is not touched."
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64

    func run() async throws {
        let reply = try await connection.call(OrgDepotCounts.Cancel.self, .init(count: Int(id)))
        connection.output(reply) { "count \(id) cancelled" }
    }
}

/// `depotctl count schedule`.
struct CountSchedule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Set how often a location is cycle-counted."
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Location code.", completion: Completions.locations) var location: String
    @Option(help: "Count every DAYS days.") var every: Int?
    @Flag(help: "Stop cycle-counting the location.") var never = false

    func validate() throws {
        guard (every != nil) != never else { throw ValidationError("give either --every DAYS or --never") }
    }

    func run() async throws {
        let reply = try await connection.call(OrgDepotCounts.Schedule.self, .init(location: location, everyDays: every))
        connection.output(reply) {
            let s = reply.schedule
            let every = s.everyDays.map { "every \($0.cell) days" } ?? "not cycle-counted"
            return "\(s.location.cell): \(every), last counted \(s.lastCounted?.cell ?? "never")"
        }
    }
}

/// `depotctl count due`.
struct CountDue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "due",
        abstract: "List locations due or overdue for a cycle count."
    )
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let reply = try await connection.call(OrgDepotCounts.Due.self, .init())
        connection.output(reply) {
            var table = Table("LOCATION", "EVERY-DAYS", "LAST-COUNTED", "DUE-ON", "DAYS-OVERDUE")
            for d in reply.locations {
                table.add(
                    d.location.cell,
                    d.everyDays.cell,
                    d.lastCounted?.cell ?? "never",
                    d.dueOn.cell,
                    d.daysOverdue.cell
                )
            }
            return table.text
        }
    }
}

/// Renderings of count replies.
enum CountRender {
    /// "+3", "-1", "0"; "-" when absent.
    static func signed(_ value: Int?) -> String {
        guard let value else { return "-" }
        return value > 0 ? "+\(value)" : String(value)
    }

    static func percent(_ value: Double?) -> String {
        value.map { String(format: "%+.1f%%", $0) } ?? "-"
    }

    /// The session header, its lines and totals; without expectation columns when they are hidden,
    /// and without the expected and variance totals also when `expectedTotals` is false.
    static func session(_ count: OrgDepotCounts.Count, expectedTotals: Bool = true) -> String {
        let hidden = count.expectationsHidden
        let scope = count.item.map { "item \($0.cell)" } ?? "all items"
        var flags: [String] = []
        if count.blind { flags.append("blind") }
        if count.full { flags.append("full") }
        if count.recountByOther { flags.append("recount by another counter") }
        var text =
            "count \(count.id) of \(count.location.cell) (\(scope)"
            + (flags.isEmpty ? "" : ", " + flags.joined(separator: ", ")) + "): \(count.status.rawValue)\n"
        text += "recount beyond \(count.thresholds.maxUnits.cell) units or \(count.thresholds.maxPercent.cell)%"
        if hidden { text += "; expected quantities hidden until the count is submitted" }
        text += "\n"
        var table =
            hidden
            ? Table("LINE", "LOCATION", "SKU", "LOT", "COUNTED", "STATE", "PASS", "BY")
            : Table(
                "LINE",
                "LOCATION",
                "SKU",
                "LOT",
                "AT-START",
                "EXPECTED",
                "COUNTED",
                "VARIANCE",
                "VAR%",
                "STATE",
                "PASS",
                "BY"
            )
        for line in count.lines ?? [] {
            var cells = [line.line.cell, line.location.cell, line.sku.cell, line.lot.cell]
            if !hidden {
                cells += [line.expectedAtStart.cell, line.expected.cell]
            }
            cells.append(line.counted.cell)
            if !hidden {
                cells += [signed(line.variance), percent(line.variancePercent)]
            }
            var state = line.state.rawValue
            if line.movedWhileCounting { state += " (moved while counted)" }
            if line.unexpected { state += " (found)" }
            cells += [state, line.pass.cell, line.countedBy.cell]
            table.add(cells: cells)
        }
        if count.lines != nil { text += table.text + "\n" }
        let totals = count.totals
        text +=
            "totals: \(totals.lines) line\(totals.lines == 1 ? "" : "s"), \(totals.counted) counted, "
            + "\(totals.uncounted) uncounted; counted \(totals.countedQuantity)"
        if !hidden && expectedTotals {
            text +=
                ", expected \(totals.expected ?? 0), variance \(signed(totals.variance))"
                + " (absolute \(totals.absoluteVariance ?? 0)); \(totals.withVariance ?? 0) with variance, "
                + "\(totals.recountRequired ?? 0) to recount"
        }
        return text
    }
}

// The status option is checked by the argument parser against the IDL's values.
extension OrgDepotCounts.List.Parameters.Status: ExpressibleByArgument {}
