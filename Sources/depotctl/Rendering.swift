import DepotAPI
import Foundation
import Varlink

/// A value as text for a table cell: strings bare (control characters escaped), numbers in
/// decimal, booleans yes/no, absent as "-", arrays joined by commas, dictionaries `key=value`.
protocol CellValue {
    /// The cell text.
    var cell: String { get }
}

extension String: CellValue {
    var cell: String { Self.printable(self) }

    /// Text with control, format and default-ignorable characters shown as `\u{...}` (a stored
    /// value must not rewrite the terminal, hide a character or break a table row): C0/C1
    /// controls, every format character (general category Cf: the bidirectional embeddings,
    /// overrides, isolates and marks of Unicode UAX #9, zero-width characters, the BOM, the soft
    /// hyphen), the line and paragraph separators, and the other default-ignorable code points
    /// (U+034F, variation selectors, the Hangul fillers); the same set depotd escapes in its
    /// error sentences and log.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: escaped) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if escaped(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether ``printable(_:)`` writes `scalar` as an escape.
    private static func escaped(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: true
        default: scalar.properties.isDefaultIgnorableCodePoint
        }
    }
}

extension Int: CellValue {
    var cell: String { String(self) }
}

extension Double: CellValue {
    /// Whole numbers without a fraction, as they travel in JSON (`10`, `12.5`).
    var cell: String {
        self == rounded() && magnitude < 1e15 ? String(Int64(self)) : String(self)
    }
}

extension Bool: CellValue {
    var cell: String { self ? "yes" : "no" }
}

extension Optional: CellValue where Wrapped: CellValue {
    var cell: String { self?.cell ?? "-" }
}

extension Array: CellValue where Element: CellValue {
    var cell: String { map(\.cell).joined(separator: ",") }
}

extension Dictionary: CellValue where Key == String, Value: CellValue {
    var cell: String { keys.sorted().map { "\($0)=\(self[$0]!.cell)" }.joined(separator: " ") }
}

extension VarlinkValue {
    /// JSON text with sorted keys, pretty-printed.
    var jsonText: String { jsonText(pretty: true) }

    func jsonText(pretty: Bool) -> String { ConnectionOptions.jsonText(self, pretty: pretty) }
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
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], TerminalWidth.columns(cell))
            }
        }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 || index >= widths.count
                    ? cell : cell + String(repeating: " ", count: max(0, widths[index] - TerminalWidth.columns(cell)))
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// How many terminal columns text takes: the sum of wcwidth(3) over its Unicode scalars in the
/// C.UTF-8 locale (East Asian wide and fullwidth characters 2, combining marks and zero-width
/// characters 0, others 1; a scalar wcwidth calls non-printable counts 0: cells escape control
/// characters before they are measured).
enum TerminalWidth {
    private typealias WCWidth = @convention(c) (wchar_t) -> CInt

    /// glibc's wcwidth(3), looked up with dlsym(3) because Swift's Glibc module is built without
    /// `_XOPEN_SOURCE`, after setting `LC_CTYPE` to C.UTF-8 (wcwidth answers by the locale's
    /// character set); nil when either is missing, and then every scalar counts 1.
    private static let wcwidth: WCWidth? = {
        guard setlocale(LC_CTYPE, "C.UTF-8") != nil,
            let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "wcwidth")
        else { return nil }
        return unsafeBitCast(symbol, to: WCWidth.self)
    }()

    /// The columns `text` takes on a terminal (see ``TerminalWidth``).
    static func columns(_ text: String) -> Int {
        guard let wcwidth else { return text.unicodeScalars.count }
        return text.unicodeScalars.reduce(0) { $0 + max(0, Int(wcwidth(wchar_t(bitPattern: $1.value)))) }
    }
}

/// Shared renderings of reply shapes.
enum Render {
    typealias API = OrgDepotInventory

    /// The item table; a CUSTOMER column only when an item belongs to another customer than
    /// the default one, so a single-customer site sees the table it always saw.
    static func items(_ items: [API.Item]) -> String {
        let owners = items.contains { $0.customer != defaultCustomer }
        var table = Table("SKU", "NAME", "POLICY", "LOT", "EXPIRY", "MIN-DAYS", "GTINS")
        if owners { table.headers.append("CUSTOMER") }
        for item in items {
            var cells = [
                item.sku.cell,
                item.name.cell,
                item.policy.rawValue,
                item.lotTracked.cell,
                item.expiryTracked.cell,
                item.minRemainingShelfLifeDays.cell,
                item.gtins.cell,
            ]
            if owners { cells.append(item.customer.cell) }
            table.add(cells: cells)
        }
        return table.text
    }

    /// The built-in default customer's code (the engine's `Customer.defaultCode`; depotctl does
    /// not link the engine).
    static let defaultCustomer = "SITE"

    static func customers(_ customers: [API.Customer]) -> String {
        var table = Table("CODE", "NAME", "CREATED")
        for customer in customers { table.add(customer.code.cell, customer.name.cell, customer.createdAt.cell) }
        return table.text
    }

    static func tokens(_ tokens: [API.CustomerToken]) -> String {
        var table = Table("ID", "CUSTOMER", "CREATED", "REVOKED")
        for token in tokens {
            table.add(token.id.cell, token.customer.cell, token.createdAt.cell, token.revokedAt.cell)
        }
        return table.text
    }

    static func locations(_ locations: [API.Location]) -> String {
        var table = Table("CODE", "KIND", "PARENT", "PRIORITY", "GLN")
        for location in locations {
            table.add(
                location.code.cell,
                location.kind.rawValue,
                location.parent.cell,
                location.pickPriority.cell,
                location.gln.cell
            )
        }
        return table.text
    }

    static func movements(_ movements: [API.Movement]) -> String {
        var table = Table("ID", "AT", "KIND", "SKU", "LOT", "FROM", "TO", "QTY", "ACTOR", "REFERENCE", "REASON")
        for m in movements { table.add(cells: movementCells(m)) }
        return table.text
    }

    static func movementCells(_ m: API.Movement) -> [String] {
        [
            m.id.cell, m.at.cell, m.kind.rawValue, m.sku.cell, m.lot.cell, m.from.cell, m.to.cell, m.quantity.cell,
            m.actor.cell,
            m.reference.cell, m.reason.cell,
        ]
    }

    /// A stock change: its movements, then each touched location's on-hand figure, or for a
    /// location under an open blind count (`hidden`) that the figure is hidden.
    static func change(movements: [API.Movement], balances: [String: Int], hidden: [String]? = nil) -> String {
        var lines = balances.keys.sorted().map { "\($0): \(balances[$0]!.cell) on hand" }
        lines += (hidden ?? []).map { "\($0.cell): on hand hidden (a blind count is open there)" }
        return self.movements(movements) + "\n" + lines.joined(separator: "\n")
    }

    static func plan(_ plan: API.AllocationPlan, explain: Bool) -> String {
        var table = Table("LOT", "LOCATION", "QTY", "EXPIRY", "DAYS-LEFT", "RECEIVED", "PRIORITY")
        for line in plan.lines {
            table.add(
                line.lot.cell,
                line.location.cell,
                line.quantity.cell,
                line.expiry.cell,
                line.daysLeft.cell,
                line.receivedAt.cell,
                line.pickPriority.cell
            )
        }
        var text =
            "\(plan.policy.rawValue.uppercased()) on \(plan.today.cell), minimum shelf life "
            + "\(plan.requiredShelfLifeDays) days: \(plan.allocated) of "
            + "\(plan.requested) allocated (\(plan.allocatable) allocatable"
            + (plan.hiddenStock == true ? " outside blind counts" : "") + ")\n"
            + table.text
        if explain {
            if plan.skipped.isEmpty {
                text += "\nskipped: nothing"
            } else {
                var skips = Table("SKIPPED-LOT", "LOCATION", "QTY", "REASON", "EXPIRY", "DAYS-LEFT")
                for s in plan.skipped {
                    skips.add(
                        s.lot.cell,
                        s.location.cell,
                        s.quantity.cell,
                        s.reason.rawValue,
                        s.expiry.cell,
                        s.daysLeft.cell
                    )
                }
                text += "\n" + skips.text
            }
        }
        return text
    }

    static func order(_ order: API.Order) -> String {
        let customer = order.customer == defaultCustomer ? "" : " customer \(order.customer.cell)"
        let text = "order \(order.reference.cell) \(order.status.rawValue)\(customer)\n"
        var table = Table("LINE", "SKU", "QTY", "PICKED", "RESERVED", "SHORT", "RESERVATIONS")
        for line in order.lines {
            let reservations = line.reservations.map { "\($0.quantity)x \($0.lot.cell)@\($0.location.cell)" }.joined(
                separator: " "
            )
            table.add(
                line.lineNo.cell,
                line.sku.cell,
                line.quantity.cell,
                line.picked.cell,
                line.reserved.cell,
                line.shortfall.cell,
                reservations.isEmpty ? "-" : reservations
            )
        }
        let hidden = order.lines.reduce(0) { $0 + ($1.hiddenReservations ?? 0) }
        return text + table.text
            + (hidden == 0
                ? "" : "\n\(hidden) reservation(s) under a blind count hidden (not in RESERVED or SHORT)")
    }
}

/// The text of the C error `code` (strerror(3)): "No such file or directory".
func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// Local files depotctl reads (a CSV to import, seal files), with the reason when it cannot:
/// "cannot read stock.csv: No such file or directory", as cat(1) would say it.
enum LocalFile {
    /// Why a file or directory could not be read: the strerror(3) text of the failing call.
    struct Failure: Error {
        /// E.g. "No such file or directory", "Permission denied", "Is a directory".
        var reason: String
    }

    /// The whole content of the file at `path`.
    /// - Throws: ``Failure`` when open(2) or read(2) fails (EINTR is retried).
    static func contents(_ path: String) throws(Failure) -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(reason: errnoText()) }
        defer { close(descriptor) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return data }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(reason: errnoText())
            }
            data.append(contentsOf: chunk[0..<count])
        }
    }

    /// The names in the directory at `path` (without `.` and `..`), sorted.
    /// - Throws: ``Failure`` when opendir(3) fails.
    static func names(inDirectory path: String) throws(Failure) -> [String] {
        guard let directory = opendir(path) else { throw Failure(reason: errnoText()) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
