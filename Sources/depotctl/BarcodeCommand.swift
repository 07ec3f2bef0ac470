// `depotctl barcode parse`: what a barcode says, without a daemon (GS1 module only).
import ArgumentParser
import Foundation
import GS1

/// `depotctl barcode ...`: barcode tools that need no daemon.
struct BarcodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "barcode",
        abstract: "Read barcode text the way depotd does (no daemon needed).",
        subcommands: [Parse.self]
    )

    /// `depotctl barcode parse TEXT [--today YYYY-MM-DD] [--as KIND] [--json]`.
    ///
    /// Exit status: 0 when the barcode is valid (warnings allowed), 1 when it has errors,
    /// 2 for a usage error of this command (e.g. a malformed `--today`).
    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse one scan: GS1 element string, human-readable (01)... text, Digital Link URI or EAN/UPC.",
            discussion: """
                TEXT is the scan as the scanner sends it, optionally starting with an AIM symbology \
                identifier such as ]C1, ]d2, ]Q3 or ]E0. Write the GS1 separator (FNC1, ASCII 29) as \
                <GS>, \\x1d or \\u001d; write a literal backslash as \\\\. In human-readable text, \
                \\( is a parenthesis inside data.

                Examples:
                  depotctl barcode parse ']C1010590123412345715210526'
                  depotctl barcode parse '0107032069804988100329<GS>15210526' --today 2026-11-29
                  depotctl barcode parse '(01)09520123456788(10)ABC' --json

                Exit status: 0 valid, 1 the barcode has errors, 2 usage error.
                """
        )

        @Argument(help: "The scanned text (<GS> or \\x1d for the separator).")
        var text: String

        @Option(
            help: ArgumentHelp(
                "The day two-digit years are read against (GS1 sliding century window).",
                valueName: "YYYY-MM-DD"
            )
        )
        var today: String?

        @Option(
            name: .customLong("as"),
            help:
                "How to read text without an AIM identifier: inferred, element-string, human-readable, digital-link or gtin."
        )
        var hint: String = "inferred"

        /// `--json` (the result as one JSON object) and `--socket`, accepted and ignored.
        @OptionGroup var connection: ConnectionOptions

        var json: Bool { connection.json }

        func run() throws {
            let day: CalendarDate
            if let today {
                guard let d = CalendarDate(iso: today) else {
                    FileHandle.standardError.write(
                        Data("depotctl barcode parse: --today must be a date YYYY-MM-DD, got \"\(today)\"\n".utf8)
                    )
                    throw ExitCode(2)
                }
                day = d
            } else {
                day = Self.todayUTC()
            }
            let scanHint: GS1ScanHint
            switch hint {
            case "inferred": scanHint = .inferred
            case "element-string": scanHint = .elementString
            case "human-readable": scanHint = .humanReadable
            case "digital-link": scanHint = .digitalLink
            case "gtin": scanHint = .gtin
            default:
                FileHandle.standardError.write(
                    Data(
                        "depotctl barcode parse: --as must be inferred, element-string, human-readable, digital-link or gtin, got \"\(hint)\"\n"
                            .utf8
                    )
                )
                throw ExitCode(2)
            }
            let result = GS1Parser(today: day).parse(decodeSeparatorNotation(text), hint: scanHint)
            print(json ? result.json : Self.table(result), terminator: json ? "\n" : "")
            if !result.isValid { throw ExitCode(1) }
        }

        static func todayUTC() -> CalendarDate {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let c = calendar.dateComponents([.year, .month, .day], from: Date())
            return CalendarDate(year: c.year!, month: c.month!, day: c.day!)!
        }

        /// The readable report: how the text was read, a table of elements, warnings, errors.
        static func table(_ r: GS1ParseResult) -> String {
            func visible(_ s: String) -> String { s.replacingOccurrences(of: "\u{1D}", with: "<GS>") }
            var out = "Scan:   \(visible(r.input))\n"
            var how = "Read as: \(r.kind.rawValue)"
            if let aim = r.aimIdentifier {
                how += " (AIM \(aim))"
            } else if r.wasInferred {
                how += " (inferred, no AIM identifier)"
            }
            out += how + "\n"
            if r.kind == .plain { out += "Text:   \(visible(r.text))\n" }
            if !r.elements.isEmpty {
                var table = Table("AI", "TITLE", "RAW", "VALUE", "")
                for e in r.elements {
                    table.add("(\(e.ai))", e.title, visible(e.raw), e.value.displayText, e.isValid ? "ok" : "ERROR")
                }
                out += "\n"
                for line in table.text.split(separator: "\n", omittingEmptySubsequences: false) {
                    out += line.trimmingCharacters(in: .whitespaces) + "\n"
                }
                if r.isValid && r.kind != .gtin {
                    out += "\nElement string: \(visible(r.elementString))\nHuman-readable: \(r.humanReadable)\n"
                }
            }
            if !r.warnings.isEmpty {
                out += "\nWarnings:\n" + r.warnings.map { "  - \($0)\n" }.joined()
            }
            if !r.errors.isEmpty {
                out += "\nErrors:\n" + r.errors.map { "  - \($0)\n" }.joined()
            }
            out +=
                "\n" + (r.isValid ? "VALID" : "INVALID: \(r.errors.count) error\(r.errors.count == 1 ? "" : "s")")
                + "\n"
            return out
        }
    }
}
