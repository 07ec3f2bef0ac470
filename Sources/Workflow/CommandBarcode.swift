/// Command barcodes: printable Code 128 text with the reserved prefix `DEPOT ` (docs/workflows.md).
///
/// | Text | Command |
/// |---|---|
/// | `DEPOT MODE RECEIVE` (LOOKUP, PUTAWAY, MOVE, PICK, COUNT) | switch mode |
/// | `DEPOT QTY 12` | the next item scan counts 12 base units |
/// | `DEPOT DONE` | finish the current task (order, put-away) |
/// | `DEPOT CANCEL` | drop the pending quantity and carried goods |
/// | `DEPOT UNDO` | undo the last receipt or move of this scanner |
/// | `DEPOT OPERATOR NAME` | who is scanning |
/// | `DEPOT COUNT 12` | count mode, counting for count session 12 |
/// | `DEPOT CUSTOMER ACME` | GTINs of several customers' items are read as customer ACME's |
/// | `DEPOT CUSTOMER` | no customer chosen (a GTIN must name one item) |
public enum FloorCommand: Sendable, Equatable {
    /// `DEPOT MODE X`: switch the session to mode X.
    case mode(FloorMode)
    /// `DEPOT QTY N`: the next item scan counts N base units (0 < N < 2^53).
    case quantity(Int64)
    /// `DEPOT DONE`: finish the current task (order, put-away).
    case done
    /// `DEPOT CANCEL`: drop the pending quantity and carried goods.
    case cancel
    /// `DEPOT UNDO`: undo the last receipt or move of this scanner.
    case undo
    /// `DEPOT OPERATOR NAME`: sign in NAME (the rest of the text, words joined by single spaces).
    case operatorName(String)
    /// `DEPOT COUNT N`: count mode, counting for count session N (N > 0).
    case count(Int64)
    /// `DEPOT CUSTOMER CODE`: the scanner works for customer CODE (a GTIN that several customers'
    /// items have is read as CODE's); `DEPOT CUSTOMER` alone (nil) chooses none again.
    case customer(String?)

    /// The reserved prefix; no location, SKU or order may start with it.
    public static let prefix = "DEPOT "

    /// Parses a command barcode.
    /// - Returns: nil when `text` does not start with ``prefix``.
    /// - Throws: ``FloorRefusal`` naming the text when it starts with the prefix but is not a command.
    public static func parse(_ text: String) throws(FloorRefusal) -> FloorCommand? {
        guard text.hasPrefix(prefix) else { return nil }
        let words = text.dropFirst(prefix.count).split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch (words.first?.uppercased(), words.count) {
        case ("MODE", 2):
            guard let mode = FloorMode(rawValue: words[1].lowercased()) else {
                throw FloorRefusal("unknown mode \"\(words[1])\" in command \"\(text)\"")
            }
            return .mode(mode)
        case ("QTY", 2):
            let digits = words[1].allSatisfy { $0.isASCII && $0.isNumber }
            guard let quantity = Int64(words[1]), quantity > 0, quantity < 1 << 53 else {
                if digits, words[1].contains(where: { $0 != "0" }) {
                    throw FloorRefusal(
                        "quantity \"\(words[1])\" in command \"\(text)\" is too large (at most \((1 << 53) - 1))"
                    )
                }
                throw FloorRefusal("quantity \"\(words[1])\" in command \"\(text)\" must be a whole number above 0")
            }
            return .quantity(quantity)
        case ("DONE", 1): return .done
        case ("CANCEL", 1): return .cancel
        case ("UNDO", 1): return .undo
        case ("OPERATOR", 2...): return .operatorName(words.dropFirst().joined(separator: " "))
        case ("COUNT", 2):
            guard let id = Int64(words[1]), id > 0 else {
                throw FloorRefusal("count \"\(words[1])\" in command \"\(text)\" must be a count id (a whole number)")
            }
            return .count(id)
        case ("CUSTOMER", 1): return .customer(nil)
        case ("CUSTOMER", 2): return .customer(words[1])
        default: throw FloorRefusal("\"\(text)\" is not a depot command")
        }
    }

    /// The barcode text of this command.
    public var text: String {
        switch self {
        case let .mode(mode): return Self.prefix + "MODE " + mode.rawValue.uppercased()
        case let .quantity(quantity): return Self.prefix + "QTY \(quantity)"
        case .done: return Self.prefix + "DONE"
        case .cancel: return Self.prefix + "CANCEL"
        case .undo: return Self.prefix + "UNDO"
        case let .operatorName(name): return Self.prefix + "OPERATOR " + name
        case let .count(id): return Self.prefix + "COUNT \(id)"
        case let .customer(code): return Self.prefix + "CUSTOMER" + (code.map { " " + $0 } ?? "")
        }
    }
}
