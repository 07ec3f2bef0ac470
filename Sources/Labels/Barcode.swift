// What a label's barcode says and in which symbology; no rendering (ZintRenderer, ZPLLabel).

/// The symbologies depot prints, by their libzint symbol id (`zint.h`, `BARCODE_*`).
public enum Symbology: Int32, Sendable, CaseIterable {
    /// Code 128 (ISO/IEC 15417), libzint `BARCODE_CODE128` (20): location and command labels.
    case code128 = 20
    /// GS1-128 (Code 128 with FNC1 in first position, GS1 General Specifications 5.4), libzint
    /// `BARCODE_GS1_128` (16): item labels carrying GS1 element strings.
    case gs1_128 = 16
    /// QR Code (ISO/IEC 18004), libzint `BARCODE_QRCODE` (58).
    case qrCode = 58
    /// Data Matrix ECC 200 (ISO/IEC 16022), libzint `BARCODE_DATAMATRIX` (71).
    case dataMatrix = 71

    /// The name used in messages, e.g. "Code 128".
    public var name: String {
        switch self {
        case .code128: "Code 128"
        case .gs1_128: "GS1-128"
        case .qrCode: "QR Code"
        case .dataMatrix: "Data Matrix"
        }
    }
}

/// One GS1 element: an application identifier and its value, e.g. AI `01` with a 14-digit GTIN.
///
/// The value is checked by libzint when it encodes (GS1 General Specifications 3.2, as Zint 2.11
/// implements it: lengths, character sets, check digits of AIs such as 00, 01, 02, 414).
public struct GS1Element: Sendable, Equatable {
    /// The application identifier, 2 to 4 digits (GS1 General Specifications 3.2), e.g. `"01"`.
    public let ai: String
    /// The element's data as printed after the AI, e.g. `"09501101530003"`.
    public let value: String

    /// An element; nothing is checked until the barcode is built (``Barcode/gs1_128(_:)``).
    public init(ai: String, value: String) {
        self.ai = ai
        self.value = value
    }

    /// AI prefixes of elements with a predefined length, which need no FNC1 separator after them
    /// (GS1 General Specifications 5.4, figure 7.8.5-2: 00-04, 11-20, 31-36, 41).
    static let predefinedLengthPrefixes: Set<String> = [
        "00", "01", "02", "03", "04", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20",
        "31", "32", "33", "34", "35", "36", "41",
    ]

    /// Whether a separator (FNC1) must follow this element when another element comes after it.
    var needsSeparator: Bool { !Self.predefinedLengthPrefixes.contains(String(ai.prefix(2))) }
}

/// What one barcode on a label encodes, checked for emptiness and shape but not yet by libzint.
///
/// Build it with ``code128(_:)``, ``gs1_128(_:)``, ``qrCode(_:)`` or ``dataMatrix(_:)``.
public struct Barcode: Sendable, Equatable {
    /// The symbology.
    public let symbology: Symbology
    /// The text a scanner reports for Code 128, QR Code and Data Matrix; for GS1-128 empty (see
    /// ``elements``).
    public let text: String
    /// The GS1 elements of a GS1-128 barcode, in order; empty for the other symbologies.
    public let elements: [GS1Element]

    /// A Code 128 barcode of `text`.
    /// - Throws: ``LabelError/emptyText`` when `text` is empty.
    public static func code128(_ text: String) throws(LabelError) -> Barcode {
        try plain(.code128, text)
    }

    /// A QR Code of `text` (UTF-8; libzint picks the ECI when needed).
    /// - Throws: ``LabelError/emptyText`` when `text` is empty.
    public static func qrCode(_ text: String) throws(LabelError) -> Barcode {
        try plain(.qrCode, text)
    }

    /// A Data Matrix of `text`.
    /// - Throws: ``LabelError/emptyText`` when `text` is empty.
    public static func dataMatrix(_ text: String) throws(LabelError) -> Barcode {
        try plain(.dataMatrix, text)
    }

    /// A GS1-128 barcode of `elements`, e.g. `[GS1Element(ai: "01", value: "09501101530003")]`.
    /// - Throws: ``LabelError/emptyText`` without elements; ``LabelError/invalidElement(ai:value:reason:)``
    ///   when an AI is not 2 to 4 digits or a value is empty or not printable ASCII (GS1 General
    ///   Specifications 7.11: element values use a subset of ISO/IEC 646). libzint checks the rest.
    public static func gs1_128(_ elements: [GS1Element]) throws(LabelError) -> Barcode {
        guard !elements.isEmpty else { throw .emptyText(symbology: .gs1_128) }
        for element in elements {
            guard (2...4).contains(element.ai.count), element.ai.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw .invalidElement(ai: element.ai, value: element.value, reason: "the AI must be 2 to 4 digits")
            }
            guard !element.value.isEmpty else {
                throw .invalidElement(ai: element.ai, value: element.value, reason: "the value is empty")
            }
            guard element.value.unicodeScalars.allSatisfy({ (0x21..<0x7F).contains($0.value) }) else {
                throw .invalidElement(
                    ai: element.ai,
                    value: element.value,
                    reason: "the value must be printable ASCII without spaces"
                )
            }
        }
        return Barcode(symbology: .gs1_128, text: "", elements: elements)
    }

    private static func plain(_ symbology: Symbology, _ text: String) throws(LabelError) -> Barcode {
        guard !text.isEmpty else { throw .emptyText(symbology: symbology) }
        return Barcode(symbology: symbology, text: text, elements: [])
    }

    /// The human-readable text: the text itself, or the GS1 elements as `(01)09501101530003(10)ABC`
    /// (GS1 General Specifications 4.15, human readable interpretation).
    public var humanReadable: String {
        symbology == .gs1_128 ? elements.map { "(\($0.ai))\($0.value)" }.joined() : text
    }

    /// The data as libzint takes it: the text, or for GS1-128 the elements in Zint's bracket
    /// syntax `[01]09501101530003[10]ABC` (Zint manual 2.11, 4.11.3 "GS1 data").
    var zintInput: String {
        symbology == .gs1_128 ? elements.map { "[\($0.ai)]\($0.value)" }.joined() : text
    }

    /// What a scanner transmits without an AIM prefix: the text, or for GS1-128 the element string
    /// with ASCII 29 (GS) where FNC1 separates a variable-length element from the next (GS1
    /// General Specifications 7.8.5).
    public var scannedText: String {
        guard symbology == .gs1_128 else { return text }
        var out = ""
        for (index, element) in elements.enumerated() {
            out += element.ai + element.value
            if index < elements.count - 1, element.needsSeparator { out += "\u{1D}" }
        }
        return out
    }
}
