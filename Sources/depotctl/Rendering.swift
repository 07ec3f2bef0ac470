import Foundation
import Varlink

extension VarlinkValue {
    subscript(key: String) -> VarlinkValue? {
        if case let .object(object) = self { return object[key] }
        return nil
    }

    /// Elements of an array (empty otherwise).
    var elements: [VarlinkValue] {
        if case let .array(array) = self { return array }
        return []
    }

    /// Text for a table cell: strings bare, numbers in decimal, null as "-".
    var cell: String {
        switch self {
        case .null: return "-"
        case let .bool(value): return value ? "yes" : "no"
        case let .int(value): return String(value)
        case let .double(value): return String(value)
        case let .string(value): return Self.printable(value)
        case let .array(values): return values.map(\.cell).joined(separator: ",")
        case let .object(object):
            return object.keys.sorted().map { "\($0)=\(object[$0]!.cell)" }.joined(separator: " ")
        }
    }

    /// Text with control and bidirectional-override characters shown as `\u{...}` (a stored
    /// value must not rewrite the terminal or break a table row).
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || (0x202A...0x202E).contains($0.value) })
        else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control || (0x202A...0x202E).contains(scalar.value) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    var int: Int64 {
        if case let .int(value) = self { return value }
        return 0
    }

    /// JSON text with sorted keys, pretty-printed.
    var jsonText: String { jsonText(pretty: true) }

    func jsonText(pretty: Bool) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "null"
    }
}

/// A plain text table: a header row and left-aligned columns separated by two spaces.
struct Table {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: String...) { self.headers = headers }

    mutating func add(_ cells: String...) { rows.append(cells) }
    mutating func add(cells: [String]) { rows.append(cells) }

    var text: String {
        let all = [headers] + rows
        var widths = Array(repeating: 0, count: headers.count)
        for row in all { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// Shared renderings of reply shapes.
enum Render {
    static func items(_ items: [VarlinkValue]) -> String {
        var table = Table("SKU", "NAME", "POLICY", "LOT", "EXPIRY", "MIN-DAYS", "GTINS")
        for item in items {
            table.add(item["sku"]?.cell ?? "", item["name"]?.cell ?? "", item["policy"]?.cell ?? "",
                      item["lotTracked"]?.cell ?? "", item["expiryTracked"]?.cell ?? "",
                      item["minRemainingShelfLifeDays"]?.cell ?? "", item["gtins"]?.cell ?? "")
        }
        return table.text
    }

    static func locations(_ locations: [VarlinkValue]) -> String {
        var table = Table("CODE", "KIND", "PARENT", "PRIORITY", "GLN")
        for location in locations {
            table.add(location["code"]?.cell ?? "", location["kind"]?.cell ?? "", location["parent"]?.cell ?? "-",
                      location["pickPriority"]?.cell ?? "", location["gln"]?.cell ?? "-")
        }
        return table.text
    }

    static func movements(_ movements: [VarlinkValue]) -> String {
        var table = Table("ID", "AT", "KIND", "SKU", "LOT", "FROM", "TO", "QTY", "ACTOR", "REFERENCE", "REASON")
        for m in movements { table.add(cells: movementCells(m)) }
        return table.text
    }

    static func movementCells(_ m: VarlinkValue) -> [String] {
        ["id", "at", "kind", "sku", "lot", "from", "to", "quantity", "actor", "reference", "reason"].map { m[$0]?.cell ?? "-" }
    }

    static func change(_ reply: VarlinkValue) -> String {
        let balances = reply["balances"].map { value -> String in
            guard case let .object(object) = value else { return "" }
            return object.keys.sorted().map { "\($0): \(object[$0]!.cell) on hand" }.joined(separator: "\n")
        } ?? ""
        return movements(reply["movements"]?.elements ?? []) + "\n" + balances
    }

    static func plan(_ plan: VarlinkValue, explain: Bool) -> String {
        var table = Table("LOT", "LOCATION", "QTY", "EXPIRY", "DAYS-LEFT", "RECEIVED", "PRIORITY")
        for line in plan["lines"]?.elements ?? [] {
            table.add(line["lot"]?.cell ?? "-", line["location"]?.cell ?? "", line["quantity"]?.cell ?? "",
                      line["expiry"]?.cell ?? "-", line["daysLeft"]?.cell ?? "-", line["receivedAt"]?.cell ?? "",
                      line["pickPriority"]?.cell ?? "")
        }
        var text = "\(plan["policy"]?.cell.uppercased() ?? "") on \(plan["today"]?.cell ?? ""), minimum shelf life "
            + "\(plan["requiredShelfLifeDays"]?.cell ?? "0") days: \(plan["allocated"]?.cell ?? "0") of "
            + "\(plan["requested"]?.cell ?? "0") allocated (\(plan["allocatable"]?.cell ?? "0") allocatable)\n" + table.text
        if explain {
            let skipped = plan["skipped"]?.elements ?? []
            if skipped.isEmpty {
                text += "\nskipped: nothing"
            } else {
                var skips = Table("SKIPPED-LOT", "LOCATION", "QTY", "REASON", "EXPIRY", "DAYS-LEFT")
                for s in skipped {
                    skips.add(s["lot"]?.cell ?? "-", s["location"]?.cell ?? "", s["quantity"]?.cell ?? "",
                              s["reason"]?.cell ?? "", s["expiry"]?.cell ?? "-", s["daysLeft"]?.cell ?? "-")
                }
                text += "\n" + skips.text
            }
        }
        return text
    }

    static func order(_ order: VarlinkValue) -> String {
        let text = "order \(order["reference"]?.cell ?? "") \(order["status"]?.cell ?? "")\n"
        var table = Table("LINE", "SKU", "QTY", "PICKED", "RESERVED", "SHORT", "RESERVATIONS")
        for line in order["lines"]?.elements ?? [] {
            let reservations = (line["reservations"]?.elements ?? []).map {
                "\($0["quantity"]?.cell ?? "")x \($0["lot"]?.cell ?? "-")@\($0["location"]?.cell ?? "")"
            }.joined(separator: " ")
            table.add(line["lineNo"]?.cell ?? "", line["sku"]?.cell ?? "", line["quantity"]?.cell ?? "",
                      line["picked"]?.cell ?? "", line["reserved"]?.cell ?? "", line["shortfall"]?.cell ?? "",
                      reservations.isEmpty ? "-" : reservations)
        }
        return text + table.text
    }
}
