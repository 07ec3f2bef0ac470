// What a parse produced: elements with typed values, warnings and errors, and accessors.

/// A warning or error found while parsing, with what and where.
public struct GS1Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// The kind of finding, stable for programs (the message is for people).
    public enum Code: String, Sendable, Hashable, Codable {
        /// The text is empty.
        case emptyInput
        /// The AIM symbology identifier is not one depot knows; the data is read as plain text.
        case unknownSymbology
        /// No AIM identifier was given; how the text was read was decided from the text itself.
        case inferredSymbology
        /// The text reads validly as two GTINs (8 digits: an EAN-8 that is also a UPC-E).
        case ambiguous
        /// Digits read as a GTIN that also form a valid element string (`96385074`: EAN-8, or
        /// (96)385074). A note: without FNC1 or an AIM identifier a scanner sends element strings
        /// only as GS1-128 or DataBar with `]C1`/`]e0`, so the GTIN reading is the one meant.
        case alsoElementString
        /// Digits at this position are not an allocated AI (GenSpecs 3.2).
        case unknownAI
        /// The data is shorter than the AI's format allows.
        case dataTooShort
        /// The data is longer than the AI's format allows.
        case dataTooLong
        /// A character outside the AI's character set (digits are ASCII `0`-`9` only).
        case invalidCharacter
        /// A GS1 check digit or check character pair is wrong (GenSpecs 7.9).
        case checkDigit
        /// A date or time that does not exist (GenSpecs 7.12).
        case invalidDate
        /// A value breaks its AI's content rule (country code, yes/no flag, piece of total...).
        case invalidValue
        /// Text remains that is not a further element.
        case dataLeftOver
        /// A variable-length element was not ended by a separator and may have swallowed the next
        /// element (GenSpecs 7.8.5).
        case missingSeparator
        /// A separator that is not needed (after a predefined-length AI, doubled, leading or trailing).
        case redundantSeparator
        /// An AI requires another AI that is not present (GenSpecs 4.14.2). A warning: the other AI
        /// may be on another barcode of the same item.
        case missingAssociation
        /// Two AIs that must not appear together (GenSpecs 4.14.1).
        case invalidPair
        /// The same AI twice: with the same value a warning, with different values an error
        /// (GenSpecs 4.14.1).
        case duplicateAI
        /// A Digital Link URI that breaks the GS1 Digital Link syntax.
        case digitalLink
        /// Human-readable `(AI)data` text that is malformed.
        case humanReadable
        /// An EAN/UPC add-on (2 or 5 digits after the main symbol, `]E3`) was read into
        /// ``GS1ParseResult/addOn``; it is not part of the GTIN (ISO/IEC 15420 add-on symbols).
        case addOn
        /// An 8-digit UPC-E (`]E0`) was expanded to its 12-digit UPC-A by the zero-suppression
        /// rules of ISO/IEC 15420 to give the GTIN; the message names both forms.
        case upcEExpanded
    }

    /// Whether this is only a note, not a doubt about the barcode: how the text was read (the
    /// symbology inferred without an AIM identifier, `inferredSymbology`; a UPC-E expanded to its
    /// UPC-A, `upcEExpanded`; digits read as a GTIN that also split into AIs, `alsoElementString`),
    /// or an association that GenSpecs 4.14.2 checks over every barcode
    /// on the item, of which this scan is one (`missingAssociation`: a (02) label's (37) may be
    /// on the next barcode). Whoever shows warnings to a worker at each scan (the floor's alerts)
    /// leaves notes out and shows every other warning.
    public var isNote: Bool {
        code == .inferredSymbology || code == .upcEExpanded || code == .missingAssociation || code == .alsoElementString
    }

    /// The kind of finding.
    public let code: Code
    /// One sentence for a floor supervisor, naming the AI and the value, e.g.
    /// `(17) day 31 does not exist in April 2021 (210431)`.
    public let message: String
    /// The AI concerned, if any.
    public let ai: String?
    /// Zero-based byte offset in the scanned text (AIM identifier included) where the problem is.
    public let offset: Int?

    /// Creates a diagnostic.
    public init(_ code: Code, _ message: String, ai: String? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.ai = ai
        self.offset = offset
    }

    /// The message, with the position when known.
    public var description: String {
        offset.map { "\(message) at position \($0)" } ?? message
    }
}

/// One element: an AI, its data as read, and its typed value.
public struct GS1Element: Sendable, Hashable {
    /// The AI digits, e.g. `"17"`.
    public let ai: String
    /// The GenSpecs data title, e.g. `"USE BY or EXPIRY"`.
    public var title: String { ParserTables.shared.all[tableIndex].title }
    /// The data exactly as read (escapes and percent-encoding of the input removed).
    public let raw: String
    /// The typed value; for elements with errors, whatever could still be typed (a key keeps its
    /// digits even when the check digit is wrong), otherwise `.invalid`.
    public let value: GS1Value
    /// Byte offset of the AI in the scanned text.
    public let offset: Int
    /// Warnings about this element.
    public internal(set) var warnings: [GS1Diagnostic]
    /// Errors in this element; non-empty means the element must not be used.
    public internal(set) var errors: [GS1Diagnostic]
    /// Index of the AI in ``GS1ApplicationIdentifiers/all``.
    let tableIndex: Int

    /// Whether the element has no errors.
    public var isValid: Bool { errors.isEmpty }
}

/// How the scanned text was read.
public enum GS1InputKind: String, Sendable, Hashable, Codable {
    /// A GS1 element string (GS1-128, GS1 DataMatrix, GS1 QR Code, GS1 DataBar, GS1 DotCode).
    case elementString
    /// Human-readable interpretation `(01)...(10)...`.
    case humanReadable
    /// A GS1 Digital Link URI.
    case digitalLink
    /// A plain EAN-13, UPC-A, EAN-8 or ITF-14 number: a GTIN.
    case gtin
    /// Data that is not GS1 (e.g. a Code 128 location label); see ``GS1ParseResult/text``.
    case plain
}

/// The complete outcome of parsing one scan. Never thrown: problems are in ``errors``.
public struct GS1ParseResult: Sendable, Hashable {
    /// The scanned text as given.
    public let input: String
    /// The AIM symbology identifier at the start of the text (e.g. `"]C1"`), if any.
    public let aimIdentifier: String?
    /// How the text was read.
    public let kind: GS1InputKind
    /// Whether ``kind`` was decided from the text because no AIM identifier said it.
    public let wasInferred: Bool
    /// Byte offset of ``text`` in ``input``.
    let textOffset: Int
    /// The text after the AIM identifier (for ``GS1InputKind/plain`` data, the data itself).
    public var text: String { String(decoding: Array(input.utf8.dropFirst(textOffset)), as: UTF8.self) }
    /// The elements, in the order read.
    public internal(set) var elements: [GS1Element]
    /// All warnings: those of elements and of the whole scan.
    public internal(set) var warnings: [GS1Diagnostic]
    /// All errors: those of elements and of the whole scan.
    public internal(set) var errors: [GS1Diagnostic]
    /// The 2- or 5-digit EAN/UPC add-on of an `]E3` scan (ISO/IEC 15424 combined transmission;
    /// ISO/IEC 15420 add-on symbols: an issue number, or a price for books), or nil. Never part of
    /// ``gtin``.
    public internal(set) var addOn: String? = nil
    /// When 8 digits without an AIM identifier were read as an EAN-8 (``gtin``) but are also a
    /// valid UPC-E (the `ambiguous` warning): the GTIN of that UPC-E, `00` and the UPC-A it expands
    /// to by the zero-suppression rules of ISO/IEC 15420. A caller that finds nothing under the
    /// EAN-8 GTIN can try this one. nil otherwise.
    public internal(set) var upcEGTIN: String? = nil

    /// Whether the scan has no errors (warnings allowed).
    public var isValid: Bool { errors.isEmpty }

    /// The first element with `ai`, if any.
    public func element(_ ai: String) -> GS1Element? { elements.first { $0.ai == ai } }

    /// Canonical element string: AI and data of every element, a GS (0x1D) after each element
    /// that requires a separator and is not last (GenSpecs 7.8.5); no leading FNC1.
    public var elementString: String {
        var out = ""
        for (i, e) in elements.enumerated() {
            out += e.ai
            out += e.raw
            if i < elements.count - 1, ParserTables.shared.all[e.tableIndex].separatorRequired {
                out += "\u{1D}"
            }
        }
        return out
    }

    /// Human-readable interpretation, `(01)09520123456788(10)ABC`, with `(` inside data written
    /// `\(` (GenSpecs 4.15).
    public var humanReadable: String {
        var out = ""
        for e in elements {
            out += "(" + e.ai + ")"
            for ch in e.raw.unicodeScalars {
                if ch == "(" { out += "\\(" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    private func text(_ ai: String) -> String? {
        guard let e = element(ai), e.isValid else { return nil }
        return e.raw
    }

    private func date(_ ai: String) -> CalendarDate? {
        guard let e = element(ai), e.isValid, case .date(let d, _) = e.value else { return nil }
        return d
    }

    /// The GTIN as 14 digits: from (01), or (02) when there is no (01); nil when absent or invalid.
    public var gtin: String? { text("01") ?? text("02") }
    /// Batch or lot number (10).
    public var lot: String? { text("10") }
    /// Serial number (21).
    public var serial: String? { text("21") }
    /// Expiration / use-by date (17), day 00 resolved to the month's last day.
    public var expiry: CalendarDate? { date("17") }
    /// Best-before date (15).
    public var bestBefore: CalendarDate? { date("15") }
    /// Production date (11).
    public var productionDate: CalendarDate? { date("11") }
    /// Count of trade items or units: (37), else (30).
    public var count: Int? {
        for ai in ["37", "30"] {
            if let e = element(ai), e.isValid, case .count(let n) = e.value { return n }
        }
        return nil
    }
    /// SSCC (00), 18 digits.
    public var sscc: String? { text("00") }
    /// Net weight from (310n) in kg or (320n) in lb: the exact decimal and its unit.
    public var netWeight: (value: GS1Decimal, unit: GS1Unit)? {
        for e in elements where e.isValid && e.ai.utf8.count == 4 && (e.ai.hasPrefix("310") || e.ai.hasPrefix("320")) {
            if case .measure(let v, let u) = e.value { return (v, u) }
        }
        return nil
    }
    /// GLN of a physical location (414), 13 digits: the floor maps these labels to locations.
    public var locationGLN: String? { text("414") }
    /// GLN extension component (254) that refines (414) to a sub-location.
    public var glnExtension: String? { text("254") }
}
