// `depotctl label ...`: printable labels (PNG through libzint, or ZPL text) for location codes,
// the floor's command barcodes and item GTINs. docs/labels.md.
import ArgumentParser
import DepotAPI
import Foundation
import GS1
import Labels
import Reports
import Workflow

/// `depotctl label location|commands|item`.
struct LabelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract:
            "Write printable barcode labels: locations, the floor's command barcodes, items, pallets (docs/labels.md).",
        subcommands: [Location.self, Commands.self, Item.self, Pallet.self]
    )

    /// The file format of the labels.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// PNG images rendered by libzint.
        case png
        /// ZPL II text for Zebra-compatible label printers.
        case zpl
        /// One PDF of A4 sheets, two labels across and six down a page (the PNGs placed at 300 dpi).
        case pdf
    }

    /// Where and how the labels are written.
    struct Output: ParsableArguments {
        @Option(help: "Directory the labels are written into (created when missing).")
        var output: String

        @Option(
            help:
                "png (an image per label, rendered by libzint), zpl (ZPL II text for label printers) or pdf (one file of A4 sheets, 2 × 6 labels a page)."
        )
        var format: Format = .png
    }

    /// `depotctl label location CODE... --output DIR [--format png|zpl] [--no-check]`.
    struct Location: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A Code 128 label per location code, the code printed under the bars.",
            discussion: """
                Each label is DIR/CODE.png (or .zpl), CODE made file-name safe: characters other than \
                letters, digits, - and _ become %XX. By default the codes are checked against depotd's \
                locations (ListLocations) first, and nothing is written when one is unknown; --no-check \
                renders them without asking depotd.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: Output
        @Argument(help: "Location codes, e.g. A-01-02.", completion: Completions.locations) var codes: [String]
        @Flag(help: "Do not ask depotd whether the locations exist.") var noCheck = false

        func run() async throws {
            let labels = try codes.map { code throws(CLIFailure) in
                Label(
                    field: "location code",
                    text: code,
                    stem: LabelFileName.stem(for: code),
                    barcode: try LabelCommand.code128(code, field: "location code", command: "label location")
                )
            }
            guard !labels.isEmpty else { throw LabelCommand.failure("label location: give at least one location code") }
            if !noCheck {
                let known = Set(
                    try await connection.call(OrgDepotInventory.ListLocations.self, .init()).locations.map(\.code)
                )
                let unknown = codes.filter { !known.contains($0) }
                if !unknown.isEmpty {
                    throw LabelCommand.failure(
                        "label location: depotd has no location "
                            + unknown.map { "\"\($0)\"" }.joined(separator: ", ")
                            + "; nothing written (add it with depotctl location add, or pass --no-check)"
                    )
                }
            }
            try LabelCommand.write(labels, output, json: connection.json, command: "label location")
        }
    }

    /// `depotctl label commands --output DIR [--format png|zpl] [--qty N,...] [--operator NAME]... [--count ID]...`.
    struct Commands: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A Code 128 label per floor command barcode (DEPOT MODE ..., DEPOT QTY N, DEPOT DONE, ...).",
            discussion: """
                Writes the six modes (mode-lookup ... mode-count), DEPOT QTY for each --qty (qty-N), \
                DEPOT DONE, DEPOT CANCEL and DEPOT UNDO, plus DEPOT OPERATOR NAME per --operator \
                (operator-NAME) and DEPOT COUNT ID per --count (count-ID). Every text is the one the \
                floor's parser reads back as that command (Sources/Workflow/CommandBarcode.swift). \
                Needs no daemon.
                """
        )
        @OptionGroup var output: Output
        /// `--json` (the file list as JSON) and `--socket`, accepted and ignored: no daemon is asked.
        @OptionGroup var connection: ConnectionOptions
        @Option(
            name: .customLong("qty"),
            parsing: .upToNextOption,
            help: "Quantities to print DEPOT QTY labels for."
        )
        var quantities: [Int64] = Commands.defaultQuantities
        @Option(
            name: .customLong("operator"),
            help: "An operator name to print a DEPOT OPERATOR label for (repeatable)."
        )
        var operators: [String] = []
        @Option(name: .customLong("count"), help: "A count id to print a DEPOT COUNT label for (repeatable).")
        var counts: [Int64] = []
        var json: Bool { connection.json }

        /// The DEPOT QTY labels written without --qty.
        static let defaultQuantities: [Int64] = [1, 2, 3, 4, 5, 6, 8, 10, 12, 24]

        /// The floor commands to print, with their file stems, in sheet order.
        static func sheet(
            quantities: [Int64],
            operators: [String],
            counts: [Int64]
        ) -> [(stem: String, command: FloorCommand)] {
            var sheet: [(String, FloorCommand)] = FloorMode.allCases.map { ("mode-" + $0.rawValue, .mode($0)) }
            sheet += quantities.map { ("qty-\($0)", .quantity($0)) }
            sheet += [("done", .done), ("cancel", .cancel), ("undo", .undo)]
            sheet += operators.map { ("operator-" + LabelFileName.stem(for: $0), .operatorName($0)) }
            sheet += counts.map { ("count-\($0)", .count($0)) }
            return sheet
        }

        func run() async throws {
            var labels: [Label] = []
            for (stem, command) in Self.sheet(quantities: quantities, operators: operators, counts: counts) {
                let text = command.text
                // The label must scan back as the same command: a quantity of 0, an empty or
                // oddly spaced operator name would not.
                guard (try? FloorCommand.parse(text)) == command else {
                    throw LabelCommand.failure(
                        "label commands: \(Self.field(of: command)) makes \"\(text)\", which the floor does not read back as that command"
                    )
                }
                let field = Self.field(of: command)
                labels.append(
                    Label(
                        field: field,
                        text: text,
                        stem: stem,
                        barcode: try LabelCommand.code128(text, field: field, command: "label commands")
                    )
                )
            }
            try LabelCommand.write(labels, output, json: json, command: "label commands")
        }

        static func field(of command: FloorCommand) -> String {
            switch command {
            case let .quantity(q): "--qty \(q)"
            case let .operatorName(name): "--operator \"\(name)\""
            case let .count(id): "--count \(id)"
            default: "command"
            }
        }
    }

    /// `depotctl label item SKU [--gtin GTIN] --output DIR [--format png|zpl] [--no-check]`.
    struct Item: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A GS1-128 label of (01) GTIN for an item, named after its SKU.",
            discussion: """
                The GTIN is --gtin, else the item's one GTIN on depotd. GTIN-8, -12, -13 and -14 are \
                written as 14 digits (GS1 General Specifications 3.3.2) and libzint checks the check \
                digit. By default the SKU is looked up on depotd and --gtin must be one of its GTINs; \
                --no-check (with --gtin) renders without asking depotd.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: Output
        @Argument(help: "The item's SKU (names the file).", completion: Completions.items) var sku: String
        @Option(help: "GTIN to encode (8, 12, 13 or 14 digits).") var gtin: String?
        @Flag(help: "Do not ask depotd about the item (needs --gtin).") var noCheck = false

        func run() async throws {
            guard !sku.isEmpty else { throw LabelCommand.failure("label item: SKU is empty") }
            var chosen = gtin
            if noCheck {
                guard chosen != nil else { throw LabelCommand.failure("label item: --no-check needs --gtin") }
            } else {
                let item = try await connection.call(OrgDepotInventory.GetItem.self, .init(item: sku)).item
                if let given = chosen {
                    guard item.gtins.contains(where: { Self.gtin14($0) == Self.gtin14(given) }) else {
                        throw LabelCommand.failure(
                            "label item: --gtin \"\(given)\" is not a GTIN of item \"\(sku)\" (it has \(item.gtins.isEmpty ? "none" : item.gtins.joined(separator: ", "))); pass --no-check to print it anyway"
                        )
                    }
                } else {
                    guard item.gtins.count == 1 else {
                        throw LabelCommand.failure(
                            "label item: item \"\(sku)\" has \(item.gtins.isEmpty ? "no GTIN" : "GTINs \(item.gtins.joined(separator: ", "))"); choose one with --gtin"
                        )
                    }
                    chosen = item.gtins[0]
                }
            }
            let given = chosen ?? ""
            guard let padded = Self.gtin14(given) else {
                throw LabelCommand.failure("label item: --gtin \"\(given)\" must be 8, 12, 13 or 14 digits")
            }
            let barcode: Barcode
            do {
                barcode = try Barcode.gs1_128([GS1Element(ai: "01", value: padded)])
            } catch {
                throw LabelCommand.failure("label item: --gtin \"\(given)\": \(error)")
            }
            let label = Label(
                field: "--gtin",
                text: barcode.humanReadable,
                stem: LabelFileName.stem(for: sku),
                barcode: barcode
            )
            try LabelCommand.write([label], output, json: connection.json, command: "label item")
        }

        /// A GTIN-8/12/13/14 as the 14 digits of AI 01, nil for anything else.
        static func gtin14(_ text: String) -> String? {
            guard [8, 12, 13, 14].contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return nil
            }
            return String(repeating: "0", count: 14 - text.count) + text
        }
    }

    /// `depotctl label pallet (--sscc DIGITS | --company-prefix P --serial N) [content] --output DIR`.
    struct Pallet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A GS1 logistic label for a pallet or shipped case: its SSCC and, optionally, its content.",
            discussion: """
                The SSCC is --sscc (18 digits, check digit included), or built from --company-prefix, \
                --extension-digit and --serial with its check digit (GS1 General Specifications 2.2.1). \
                With --gtin and --count the label also carries the content barcode, (02) GTIN, (17) use \
                by, (15) best before, (37) count, (10) lot. The SSCC barcode is always the bottom one \
                (GS1 Logistic Label Guideline). --format pdf writes SSCC.pdf (an A5 page), zpl writes \
                SSCC.zpl (4 × 6 in at 203 dpi), png writes SSCC.png and, with content, SSCC-content.png. \
                Needs no daemon.
                """
        )
        @OptionGroup var output: Output
        @Option(help: "The SSCC, 18 digits with its check digit.") var sscc: String?
        @Option(help: "GS1 company prefix, 6 to 12 digits (with --serial).") var companyPrefix: String?
        @Option(help: "Extension digit 0-9 (with --company-prefix).") var extensionDigit = 0
        @Option(help: "Serial reference (with --company-prefix).") var serial: UInt64?
        @Option(help: "GTIN of the trade items the unit holds (8, 12, 13 or 14 digits).") var gtin: String?
        @Option(help: "How many trade items the unit holds, 1 to 99999999 (with --gtin).") var count: Int?
        @Option(help: "The items' lot (batch), at most 20 characters.") var lot: String?
        @Option(help: "Best-before date, YYYY-MM-DD.") var bestBefore: String?
        @Option(help: "Expiry (use by) date, YYYY-MM-DD.") var expiry: String?
        @Option(name: .customLong("line"), help: "A free line for the top section (ship from, ship to); up to 4.")
        var lines: [String] = []
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let command = "label pallet"
            let unit: SSCC
            do {
                switch (sscc, companyPrefix, serial) {
                case (let digits?, nil, nil):
                    unit = try SSCC(parsing: digits)
                case (nil, let prefix?, let serial?):
                    unit = try SSCC(extensionDigit: extensionDigit, companyPrefix: prefix, serialReference: serial)
                default:
                    throw LabelCommand.failure("\(command): give --sscc, or --company-prefix with --serial")
                }
            } catch let error as SSCCError {
                throw LabelCommand.failure("\(command): \(error)")
            }
            var content: LogisticContent?
            switch (gtin, count) {
            case (nil, nil):
                if lot != nil || bestBefore != nil || expiry != nil {
                    throw LabelCommand.failure("\(command): --lot, --best-before and --expiry need --gtin and --count")
                }
            case (let given?, let count?):
                guard let padded = Item.gtin14(given) else {
                    throw LabelCommand.failure("\(command): --gtin \"\(given)\" must be 8, 12, 13 or 14 digits")
                }
                content = LogisticContent(
                    gtin: padded,
                    count: count,
                    lot: lot,
                    bestBefore: try Self.date(bestBefore, field: "--best-before", command: command),
                    expiry: try Self.date(expiry, field: "--expiry", command: command)
                )
            default:
                throw LabelCommand.failure("\(command): --gtin and --count go together")
            }
            let label = LogisticLabel(sscc: unit, content: content, freeLines: lines)
            let barcodes: [Barcode]
            do {
                barcodes = try label.barcodes()
                for barcode in barcodes { try PNGLabel.check(barcode, style: Self.style) }
            } catch {
                throw LabelCommand.failure("\(command): \(error)")
            }
            let directory = output.output
            if let problem = makeDirectories(directory) {
                throw LabelCommand.failure(
                    "\(command): --output \"\(directory)\": cannot create the directory (\(problem))"
                )
            }
            let stem = directory + "/" + unit.digits
            var files: [String] = []
            do {
                switch output.format {
                case .png:
                    for (index, barcode) in barcodes.enumerated() {
                        let path = stem + (index == barcodes.count - 1 ? "" : "-content") + ".png"
                        try PNGLabel.write(barcode, to: path, style: Self.style)
                        files.append(path)
                    }
                case .zpl:
                    let path = stem + ".zpl"
                    let text = try ZPLLabel.logisticLabel(label)
                    guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
                        throw LabelCommand.failure(
                            "\(command): cannot write \"\(path)\" (\(String(cString: strerror(errno))))"
                        )
                    }
                    files.append(path)
                case .pdf:
                    let path = stem + ".pdf"
                    try Self.writePDF(label, barcodes, to: path)
                    files.append(path)
                }
            } catch let failure as CLIFailure {
                throw failure
            } catch {
                throw LabelCommand.failure("\(command): \(error)")
            }
            if json {
                print(ConnectionOptions.jsonText(["labels": files.map { ["file": $0, "text": unit.humanReadable] }]))
            } else {
                for file in files { print(file + "\t" + unit.humanReadable) }
            }
        }

        /// 6 pixels a module: 0.51 mm at 300 dpi, above the 0.495 mm least X-dimension of an SSCC
        /// on a logistic label (GS1 General Specifications 5.12.3, symbol specification table 7);
        /// bars 32 mm high (63 modules).
        static let style = PNGStyle(moduleWidthPixels: 6, barHeightModules: 63, showText: false)

        static func date(_ text: String?, field: String, command: String) throws -> CalendarDate? {
            guard let text else { return nil }
            do {
                return try CalendarDate(validating: text, field: field)
            } catch {
                throw LabelCommand.failure("\(command): \(error)")
            }
        }

        /// Renders the barcodes as PNGs in a private temporary directory and places them on one A5
        /// page (``LogisticLabelPage``).
        static func writePDF(_ label: LogisticLabel, _ barcodes: [Barcode], to path: String) throws {
            var template = Array((NSTemporaryDirectory() + "/depotctl-labels-XXXXXX").utf8CString)
            guard let made = mkdtemp(&template) else {
                throw LabelCommand.failure(
                    "label pallet: cannot make a temporary directory (\(String(cString: strerror(errno))))"
                )
            }
            let scratch = String(cString: made)
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            var images: [LabelSheet.Label] = []
            for (index, barcode) in barcodes.enumerated() {
                let image = scratch + "/\(index).png"
                try PNGLabel.write(barcode, to: image, style: style)
                images.append(LabelSheet.Label(image: image, caption: barcode.humanReadable))
            }
            let page = LogisticLabelPage(
                freeLines: label.freeLines,
                dataLines: label.dataLines,
                barcodes: images
            )
            _ = try LogisticLabelPage.write([page], to: path)
        }
    }

    // MARK: Shared

    /// One label to write: the field its text came from (for messages), the text, the file stem.
    struct Label {
        var field: String
        var text: String
        var stem: String
        var barcode: Barcode
    }

    static func failure(_ message: String) -> CLIFailure {
        CLIFailure(code: CLIFailure.errorReply, message: "depotctl " + message)
    }

    /// A Code 128 barcode of `text`, refused with `field` and the value named.
    static func code128(_ text: String, field: String, command: String) throws(CLIFailure) -> Barcode {
        do {
            return try Barcode.code128(text)
        } catch {
            throw failure("\(command): \(field) \"\(text)\": \(error)")
        }
    }

    /// Renders every label first (so one bad code writes nothing), then writes them into the
    /// output directory and prints one line per file: the path, a tab, the barcode's text.
    static func write(
        _ labels: [Label],
        _ output: Output,
        json: Bool,
        command: String
    ) throws {
        let directory = output.output
        var files: [(path: String, text: String, zpl: String?)] = []
        // A sheet is one file named for what it holds: locations.pdf, commands.pdf, items.pdf.
        let sheetPath = directory + "/" + (command.split(separator: " ").last.map(String.init) ?? "labels") + ".pdf"
        for label in labels {
            let path = directory + "/" + label.stem + "." + output.format.rawValue
            switch output.format {
            case .pdf:
                do {
                    try PNGLabel.check(label.barcode)
                } catch {
                    throw failure("\(command): \(label.field) \"\(label.text)\": \(error)")
                }
                files.append((sheetPath, label.text, nil))
            case .png:
                do {
                    try PNGLabel.check(label.barcode)
                } catch {
                    throw failure("\(command): \(label.field) \"\(label.text)\": \(error)")
                }
                files.append((path, label.text, nil))
            case .zpl:
                do {
                    files.append((path, label.text, try ZPLLabel.text(label.barcode)))
                } catch {
                    throw failure("\(command): \(label.field) \"\(label.text)\": \(error)")
                }
            }
        }
        if let problem = makeDirectories(directory) {
            throw failure("\(command): --output \"\(directory)\": cannot create the directory (\(problem))")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw failure(
                "\(command): --output \"\(directory)\": cannot write there (\(String(cString: strerror(errno))))"
            )
        }
        if output.format == .pdf {
            try writeSheet(labels, to: sheetPath, command: command)
        } else {
            try writeFiles(labels, files, command: command)
        }
        if json {
            let entries = files.map { ["file": $0.path, "text": $0.text] }
            print(ConnectionOptions.jsonText(["labels": entries]))
        } else {
            for file in files { print(file.path + "\t" + file.text) }
        }
    }

    /// Renders each label to a PNG in a private temporary directory, places them on A4 sheets
    /// (``LabelSheet``) in the PDF at `path`, and removes the PNGs.
    static func writeSheet(_ labels: [Label], to path: String, command: String) throws {
        var template = Array((NSTemporaryDirectory() + "/depotctl-labels-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw failure("\(command): cannot make a temporary directory (\(String(cString: strerror(errno))))")
        }
        let scratch = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var sheet: [LabelSheet.Label] = []
        for (index, label) in labels.enumerated() {
            let image = scratch + "/\(index).png"
            do {
                try PNGLabel.write(label.barcode, to: image)
            } catch {
                throw failure("\(command): \(label.field) \"\(label.text)\": \(error)")
            }
            sheet.append(LabelSheet.Label(image: image, caption: ""))
        }
        do {
            _ = try LabelSheet().write(sheet, to: path, title: "depot \(command): \(labels.count) labels")
        } catch {
            throw failure("\(command): \(error)")
        }
    }

    /// Writes one PNG or ZPL file per label.
    static func writeFiles(
        _ labels: [Label],
        _ files: [(path: String, text: String, zpl: String?)],
        command: String
    ) throws {
        for (file, label) in zip(files, labels) {
            if let zpl = file.zpl {
                guard FileManager.default.createFile(atPath: file.path, contents: Data(zpl.utf8)) else {
                    throw failure("\(command): cannot write \"\(file.path)\" (\(String(cString: strerror(errno))))")
                }
            } else {
                do {
                    try PNGLabel.write(label.barcode, to: file.path)
                } catch {
                    throw failure("\(command): \(label.field) \"\(label.text)\": \(error)")
                }
            }
        }
    }

    /// `mkdir -p path` with mode 0755; nil when done, else why not (strerror of the failing step,
    /// naming the component that is in the way).
    static func makeDirectories(_ path: String) -> String? {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) == 0 { continue }
            let failure = errno
            var info = stat()
            if failure == EEXIST, stat(prefix, &info) == 0 {
                if info.st_mode & S_IFMT == S_IFDIR { continue }
                return "\(prefix) is not a directory"
            }
            return "\(prefix): \(String(cString: strerror(failure)))"
        }
        return nil
    }
}
