/// Why a label could not be made. Each case prints a sentence naming the text and the reason.
public enum LabelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The barcode would encode nothing.
    case emptyText(symbology: Symbology)
    /// A GS1 element is malformed before libzint sees it.
    case invalidElement(ai: String, value: String, reason: String)
    /// libzint refused the data or failed to write the file: its return code (`ZINT_ERROR_*` in
    /// `zint.h`) and its own message (`symbol->errtxt`).
    case zint(text: String, symbology: Symbology, code: Int32, message: String)
    /// The output path is longer than libzint's `outfile` (255 bytes).
    case pathTooLong(path: String)
    /// ZPL field data cannot carry this character (only printable ASCII; `^` and `~` are ZPL's
    /// command prefixes, ZPL II Programming Guide, "^CC" and "^CT").
    case notZPLSafe(text: String, character: Unicode.Scalar)
    /// A free text line of a logistic label is too long, or there are too many
    /// (``LogisticLabel/maxFreeLines``, ``LogisticLabel/maxFreeLineLength``).
    case invalidFreeLine(line: String, reason: String)

    /// One sentence naming the text (or path) and the reason, e.g. `libzint cannot make a Code 128
    /// barcode of "Ω-01": Error 204: Invalid character in input data (ISO/IEC 8859-1 only)`.
    public var description: String {
        switch self {
        case let .emptyText(symbology):
            return "a \(symbology.name) barcode needs text, got an empty one"
        case let .invalidElement(ai, value, reason):
            return "GS1 element (\(ai))\"\(value)\" is not valid: \(reason)"
        case let .zint(text, symbology, _, message):
            return "libzint cannot make a \(symbology.name) barcode of \"\(text)\": \(message)"
        case let .pathTooLong(path):
            return "output path \"\(path)\" is longer than libzint's 255 bytes"
        case let .invalidFreeLine(line, reason):
            return "label line \"\(line)\" is not valid: \(reason)"
        case let .notZPLSafe(text, character):
            let shown =
                character.value < 0x20 ? "U+\(String(character.value, radix: 16, uppercase: true))" : "\(character)"
            return
                "\"\(text)\" cannot go into ZPL: character \(shown) is not printable ASCII or is ^ or ~ (use --format png)"
        }
    }
}
