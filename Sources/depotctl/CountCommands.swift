import ArgumentParser
import DepotAPI
import Foundation
import Varlink

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
            CountApprove.self, CountCancel.self, CountSchedule.self, CountDue.self,
        ])
}

/// `depotctl count start`.
struct CountStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start a count of a location and its children (snapshot of expected stock).")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Location code to count (its children too).") var location: String
    @Option(help: "Only this item (SKU or GTIN).") var item: String?
    @Flag(help: "Counters do not see expected quantities until the count is submitted.") var blind = false
    @Flag(help: "Expected lines not counted by submission count as zero.") var full = false
    @Option(name: .customLong("max-units"), help: "Recount lines whose |variance| exceeds this many units (default 10).")
    var maxUnits: Int64?
    @Option(name: .customLong("max-percent"), help: "Recount lines whose |variance| exceeds this percent of expected (default 10).")
    var maxPercent: Double?
    @Flag(name: .customLong("recount-by-other"), help: "Recounts must be done by someone other than the first counter.")
    var recountByOther = false

    func run() async throws {
        var p = Parameters()
        p["location"] = location
        p["item"] = item
        p["blind"] = blind
        p["full"] = full
        p["maxVarianceUnits"] = maxUnits
        if let maxPercent {
            guard maxPercent.isFinite, maxPercent >= 0 else {
                throw ValidationError("--max-percent \(maxPercent) must be a number of percent, 0 or more")
            }
            p["maxVariancePercent"] = VarlinkValue.double(maxPercent)
        }
        p["recountByOther"] = recountByOther
        let reply = try await connection.call("Start", p, interface: DepotAPI.counts)
        connection.output(reply) { CountRender.session(reply["count"] ?? .null) }
    }
}

/// `depotctl count record`.
struct CountRecord: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Record a counted quantity of an item (and lot) at a location.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64
    @Option(help: "Location code.") var location: String
    @Option(help: "SKU or GTIN.") var item: String
    @Option(help: "Lot code (needed when several lots of the item are expected there).") var lot: String?
    @Option(help: "Counted quantity in base units.") var qty: Int64
    @Flag(help: "Add to the line's counted quantity instead of replacing it.") var add = false

    func run() async throws {
        var p = Parameters()
        p["count"] = id
        p["location"] = location
        p["item"] = item
        p["lot"] = lot
        p["quantity"] = qty
        p["add"] = add
        let reply = try await connection.call("Record", p, interface: DepotAPI.counts)
        connection.output(reply) {
            let line = reply["line"] ?? .null
            return "count \(reply["count"]?.cell ?? "") line \(line["line"]?.cell ?? ""): \(line["sku"]?.cell ?? "")"
                + (line["lot"].map { " lot \($0.cell)" } ?? "") + " at \(line["location"]?.cell ?? "") counted "
                + (line["counted"]?.cell ?? "-")
                + (line["expected"].map { ", expected \($0.cell), variance \(CountRender.signed(line["variance"]))" } ?? "")
        }
    }
}

/// `depotctl count submit`.
struct CountSubmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "submit", abstract: "Say the counting is done; the count goes to review.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64

    func run() async throws {
        var p = Parameters()
        p["count"] = id
        let reply = try await connection.call("Submit", p, interface: DepotAPI.counts)
        connection.output(reply) { CountRender.session(reply["count"] ?? .null) }
    }
}

/// `depotctl count show`.
struct CountShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a count: per line expected, counted, variance (units, percent) and totals.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64

    func run() async throws {
        var p = Parameters()
        p["count"] = id
        let reply = try await connection.call("Show", p, interface: DepotAPI.counts)
        connection.output(reply) { CountRender.session(reply["count"] ?? .null) }
    }
}

/// `depotctl count list`.
struct CountList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List counts, newest first.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only counts with this status: open, submitted, approved, cancelled.") var status: String?

    func run() async throws {
        var p = Parameters()
        p["status"] = status
        let reply = try await connection.call("List", p, interface: DepotAPI.counts)
        connection.output(reply) {
            var table = Table("ID", "LOCATION", "ITEM", "STATUS", "BLIND", "FULL", "LINES", "COUNTED", "STARTED", "BY")
            for c in reply["counts"]?.elements ?? [] {
                table.add(cells: ["id", "location", "item", "status", "blind", "full", "lines", "counted", "startedAt", "startedBy"]
                    .map { c[$0]?.cell ?? "-" })
            }
            return table.text
        }
    }
}

/// `depotctl count recount`.
struct CountRecount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recount", abstract: "Send lines back for a recount (clears their counts, reopens the count).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64
    @Option(help: "Line numbers, comma-separated (e.g. 2,5).") var lines: String

    func validate() throws {
        _ = try parsedLines()
    }

    func parsedLines() throws -> [Int64] {
        let parts = lines.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return try parts.map { part in
            guard let number = Int64(part), number >= 1 else {
                throw ValidationError("--lines \"\(lines)\" is not valid: \"\(part)\" is not a line number (1, 2, ...)")
            }
            return number
        }
    }

    func run() async throws {
        var p = Parameters()
        p["count"] = id
        p["lines"] = VarlinkValue.array(try parsedLines().map(VarlinkValue.int))
        let reply = try await connection.call("Recount", p, interface: DepotAPI.counts)
        connection.output(reply) { CountRender.session(reply["count"] ?? .null) }
    }
}

/// `depotctl count approve`.
struct CountApprove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve a submitted count: one adjustment per line with a variance.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64

    func run() async throws {
        var p = Parameters()
        p["count"] = id
        var reply = try await connection.call("Approve", p, interface: DepotAPI.counts)
        let movements = try await adjustments(first: reply["firstMovement"], last: reply["lastMovement"])
        if case var .object(object) = reply {
            object["movements"] = .array(movements)
            reply = .object(object)
        }
        connection.output(reply) {
            var text = "count \(id) approved: \(movements.count) adjustment\(movements.count == 1 ? "" : "s")"
            if !movements.isEmpty { text += "\n" + Render.movements(movements) }
            let unchanged = reply["unchanged"]?.elements ?? []
            if !unchanged.isEmpty {
                var table = Table("UNCOUNTED-LINE", "LOCATION", "SKU", "LOT")
                for line in unchanged {
                    table.add(line["line"]?.cell ?? "", line["location"]?.cell ?? "", line["sku"]?.cell ?? "", line["lot"]?.cell ?? "-")
                }
                text += "\nleft unchanged (not counted):\n" + table.text
            }
            return text
        }
    }

    /// The approval's ledger rows `first...last`, read with org.depot.inventory.Ledger in pages.
    func adjustments(first: VarlinkValue?, last: VarlinkValue?) async throws -> [VarlinkValue] {
        guard case let .int(first)? = first, case let .int(last)? = last else { return [] }
        var rows: [VarlinkValue] = []
        var after = first - 1
        while after < last {
            var p = Parameters()
            p["afterId"] = after
            p["limit"] = Int(min(10_000, last - after))
            let page = try await connection.call("Ledger", p)["movements"]?.elements ?? []
            guard let end = page.last?["id"]?.int, !page.isEmpty else { break }
            rows += page.filter { ($0["id"]?.int ?? 0) <= last }
            after = end
        }
        return rows
    }
}

/// `depotctl count cancel`.
struct CountCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a count; stock is not touched.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Count id.") var id: Int64

    func run() async throws {
        var p = Parameters()
        p["count"] = id
        let reply = try await connection.call("Cancel", p, interface: DepotAPI.counts)
        connection.output(reply) { "count \(id) cancelled" }
    }
}

/// `depotctl count schedule`.
struct CountSchedule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Set how often a location is cycle-counted.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Location code.") var location: String
    @Option(help: "Count every DAYS days.") var every: Int?
    @Flag(help: "Stop cycle-counting the location.") var never = false

    func validate() throws {
        guard (every != nil) != never else { throw ValidationError("give either --every DAYS or --never") }
    }

    func run() async throws {
        var p = Parameters()
        p["location"] = location
        p["everyDays"] = every
        let reply = try await connection.call("Schedule", p, interface: DepotAPI.counts)
        connection.output(reply) {
            let s = reply["schedule"] ?? .null
            let every = s["everyDays"].map { "every \($0.cell) days" } ?? "not cycle-counted"
            return "\(s["location"]?.cell ?? location): \(every), last counted \(s["lastCounted"]?.cell ?? "never")"
        }
    }
}

/// `depotctl count due`.
struct CountDue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "due", abstract: "List locations due or overdue for a cycle count.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let reply = try await connection.call("Due", interface: DepotAPI.counts)
        connection.output(reply) {
            var table = Table("LOCATION", "EVERY-DAYS", "LAST-COUNTED", "DUE-ON", "DAYS-OVERDUE")
            for d in reply["locations"]?.elements ?? [] {
                table.add(cells: ["location", "everyDays", "lastCounted", "dueOn", "daysOverdue"].map { d[$0]?.cell ?? "never" })
            }
            return table.text
        }
    }
}

/// Renderings of count replies.
enum CountRender {
    /// "+3", "-1", "0"; "-" when absent.
    static func signed(_ value: VarlinkValue?) -> String {
        guard let value, case let .int(number) = value else { return "-" }
        return number > 0 ? "+\(number)" : String(number)
    }

    static func percent(_ value: VarlinkValue?) -> String {
        switch value {
        case let .double(number)?: return String(format: "%+.1f%%", number)
        case let .int(number)?: return String(format: "%+.1f%%", Double(number))
        default: return "-"
        }
    }

    /// The session header, its lines and totals; without expectation columns when they are hidden.
    static func session(_ count: VarlinkValue) -> String {
        let hidden = count["expectationsHidden"] == .bool(true)
        let scope = count["item"].map { "item \($0.cell)" } ?? "all items"
        var flags: [String] = []
        if count["blind"] == .bool(true) { flags.append("blind") }
        if count["full"] == .bool(true) { flags.append("full") }
        if count["recountByOther"] == .bool(true) { flags.append("recount by another counter") }
        let thresholds = count["thresholds"] ?? .null
        var text = "count \(count["id"]?.cell ?? "") of \(count["location"]?.cell ?? "") (\(scope)"
            + (flags.isEmpty ? "" : ", " + flags.joined(separator: ", ")) + "): \(count["status"]?.cell ?? "")\n"
        text += "recount beyond \(thresholds["maxUnits"]?.cell ?? "-") units or \(thresholds["maxPercent"]?.cell ?? "-")%"
        if hidden { text += "; expected quantities hidden until the count is submitted" }
        text += "\n"
        var table = hidden
            ? Table("LINE", "LOCATION", "SKU", "LOT", "COUNTED", "STATE", "PASS", "BY")
            : Table("LINE", "LOCATION", "SKU", "LOT", "AT-START", "EXPECTED", "COUNTED", "VARIANCE", "VAR%", "STATE", "PASS", "BY")
        let lines = count["lines"]?.elements
        for line in lines ?? [] {
            var cells = [line["line"]?.cell ?? "", line["location"]?.cell ?? "", line["sku"]?.cell ?? "", line["lot"]?.cell ?? "-"]
            if !hidden {
                cells += [line["expectedAtStart"]?.cell ?? "-", line["expected"]?.cell ?? "-"]
            }
            cells.append(line["counted"]?.cell ?? "-")
            if !hidden {
                cells += [signed(line["variance"]), percent(line["variancePercent"])]
            }
            var state = line["state"]?.cell ?? ""
            if line["movedWhileCounting"] == .bool(true) { state += " (moved while counted)" }
            if line["unexpected"] == .bool(true) { state += " (found)" }
            cells += [state, line["pass"]?.cell ?? "0", line["countedBy"]?.cell ?? "-"]
            table.add(cells: cells)
        }
        if lines != nil { text += table.text + "\n" }
        let totals = count["totals"] ?? .null
        text += "totals: \(totals["lines"]?.cell ?? "0") lines, \(totals["counted"]?.cell ?? "0") counted, "
            + "\(totals["uncounted"]?.cell ?? "0") uncounted; counted \(totals["countedQuantity"]?.cell ?? "0")"
        if !hidden {
            text += ", expected \(totals["expected"]?.cell ?? "0"), variance \(signed(totals["variance"]))"
                + " (absolute \(totals["absoluteVariance"]?.cell ?? "0")); \(totals["withVariance"]?.cell ?? "0") with variance, "
                + "\(totals["recountRequired"]?.cell ?? "0") to recount"
        }
        return text
    }
}
