// The GS1 logistic label of a pallet or shipped case: what it says and which barcodes carry it
// (GS1 Logistic Label Guideline 1.3: SSCC mandatory, content data optional, SSCC barcode at the
// bottom); rendering is PNGLabel, ZPLLabel.logisticLabel and Reports.LogisticLabelPage.
import GS1

/// The content of a homogeneous logistic unit, as the middle section of the label and the
/// content barcode state it: the GTIN of the trade items it holds, how many, their lot and date.
public struct LogisticContent: Sendable, Equatable {
    /// The contained trade items' GTIN, 14 digits (AI 02; GTIN-8/12/13 zero-padded on the left,
    /// GS1 General Specifications 3.3.3).
    public var gtin: String
    /// How many trade items of ``gtin`` the unit holds, 1 to 99,999,999 (AI 37, N..8).
    public var count: Int
    /// The batch or lot number (AI 10, X..20), nil when the items are not lot-tracked.
    public var lot: String?
    /// The best-before date (AI 15), a calendar date without time zone.
    public var bestBefore: CalendarDate?
    /// The expiry ("use by") date (AI 17), a calendar date without time zone.
    public var expiry: CalendarDate?

    /// Content of `count` items of `gtin`; nothing is checked until ``LogisticLabel/barcodes()``.
    public init(
        gtin: String,
        count: Int,
        lot: String? = nil,
        bestBefore: CalendarDate? = nil,
        expiry: CalendarDate? = nil
    ) {
        self.gtin = gtin
        self.count = count
        self.lot = lot
        self.bestBefore = bestBefore
        self.expiry = expiry
    }
}

/// One GS1 logistic label: the SSCC of the unit, optionally its content, and free lines for the
/// top section (ship from, ship to).
public struct LogisticLabel: Sendable, Equatable {
    /// The unit's SSCC (AI 00).
    public var sscc: SSCC
    /// The unit's content, nil for a mixed unit (then only the SSCC barcode is printed).
    public var content: LogisticContent?
    /// Free text lines for the top section (e.g. "From: Depot Nord, Hamburg"), at most 4 lines of
    /// at most 48 characters each (``maxFreeLines``, ``maxFreeLineLength``).
    public var freeLines: [String]

    /// At most 4 free lines.
    public static let maxFreeLines = 4
    /// At most 48 characters per free line.
    public static let maxFreeLineLength = 48

    /// A label for `sscc`.
    public init(sscc: SSCC, content: LogisticContent? = nil, freeLines: [String] = []) {
        self.sscc = sscc
        self.content = content
        self.freeLines = freeLines
    }

    /// The barcodes of the label, top to bottom: the content barcode (AIs 02, 17, 15, 37, 10;
    /// fixed-length AIs first so that only one FNC1 separator is needed) when there is content,
    /// then the SSCC barcode, always last (GS1 Logistic Label Guideline 1.3, 3.4: "the SSCC
    /// should be the bottom barcode").
    /// - Throws: ``LabelError/invalidElement(ai:value:reason:)`` naming the AI and value for a GTIN
    ///   that is not 14 digits with its check digit, a count outside 1...99,999,999, a lot longer
    ///   than 20 characters; ``LabelError/invalidFreeLine(line:reason:)`` for a fifth free line or
    ///   one over 48 characters. libzint checks the rest when rendering.
    public func barcodes() throws(LabelError) -> [Barcode] {
        guard freeLines.count <= Self.maxFreeLines else {
            throw .invalidFreeLine(line: freeLines[Self.maxFreeLines], reason: "a label has at most 4 free lines")
        }
        if let long = freeLines.first(where: { $0.count > Self.maxFreeLineLength }) {
            throw .invalidFreeLine(line: long, reason: "a free line has at most 48 characters")
        }
        var out: [Barcode] = []
        if let content {
            out.append(try Barcode.gs1_128(try contentElements(content)))
        }
        out.append(try Barcode.gs1_128([GS1Element(ai: "00", value: sscc.digits)]))
        return out
    }

    /// The human-readable data of the middle section with GS1 data titles (GS1 General
    /// Specifications 3.2, "Data title"), in label order, e.g. `("SSCC", "106141412345678908")`,
    /// `("CONTENT", "04006381333931")`, `("COUNT", "40")`, `("BATCH/LOT", "L1")`,
    /// `("BEST BEFORE", "2027-03-31")`, `("USE BY", ...)`. Dates are ISO 8601 calendar dates.
    public var dataLines: [(title: String, value: String)] {
        var lines: [(title: String, value: String)] = [("SSCC", sscc.digits)]
        guard let content else { return lines }
        lines.append(("CONTENT", content.gtin))
        lines.append(("COUNT", String(content.count)))
        if let lot = content.lot { lines.append(("BATCH/LOT", lot)) }
        if let date = content.bestBefore { lines.append(("BEST BEFORE", date.description)) }
        if let date = content.expiry { lines.append(("USE BY", date.description)) }
        return lines
    }

    private func contentElements(_ content: LogisticContent) throws(LabelError) -> [GS1Element] {
        guard content.gtin.utf8.count == 14, content.gtin.utf8.allSatisfy({ (48...57).contains($0) }),
            GS1Check.hasValidCheckDigit(content.gtin)
        else {
            throw .invalidElement(
                ai: "02",
                value: content.gtin,
                reason: "a GTIN must be 14 digits with its check digit"
            )
        }
        guard (1...99_999_999).contains(content.count) else {
            throw .invalidElement(ai: "37", value: String(content.count), reason: "the count must be 1 to 99999999")
        }
        var elements = [GS1Element(ai: "02", value: content.gtin)]
        if let date = content.expiry { elements.append(GS1Element(ai: "17", value: Self.yymmdd(date))) }
        if let date = content.bestBefore { elements.append(GS1Element(ai: "15", value: Self.yymmdd(date))) }
        elements.append(GS1Element(ai: "37", value: String(content.count)))
        if let lot = content.lot {
            guard (1...20).contains(lot.count) else {
                throw .invalidElement(ai: "10", value: lot, reason: "a lot has 1 to 20 characters")
            }
            elements.append(GS1Element(ai: "10", value: lot))
        }
        return elements
    }

    /// A date as GS1's YYMMDD (GS1 General Specifications 7.12).
    static func yymmdd(_ date: CalendarDate) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        return two(date.year % 100) + two(date.month) + two(date.day)
    }
}
