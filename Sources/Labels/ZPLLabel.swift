// ZPL II text for Zebra-compatible label printers, written by us (no printer driver involved).

/// How a ZPL label looks. Units are printer dots (8 per mm at 203 dpi, 12 per mm at 300 dpi).
public struct ZPLStyle: Sendable, Equatable {
    /// Module width (X-dimension) in dots, 1 to 10 (`^BY`, ZPL II Programming Guide). The default
    /// 3 dots is 0.375 mm at 203 dpi.
    public var moduleWidthDots: Int
    /// Bar height in dots (`^BC` parameter h). The default 120 is 15 mm at 203 dpi.
    public var barHeightDots: Int
    /// Label width in dots (`^PW`). The default 812 is 4 inches (101.6 mm) at 203 dpi.
    public var labelWidthDots: Int
    /// Top-left corner of the barcode field in dots (`^FO`).
    public var origin: (x: Int, y: Int)

    /// A style for 4-inch-wide labels at 203 dpi.
    public init(
        moduleWidthDots: Int = 3,
        barHeightDots: Int = 120,
        labelWidthDots: Int = 812,
        origin: (x: Int, y: Int) = (40, 40)
    ) {
        self.moduleWidthDots = moduleWidthDots
        self.barHeightDots = barHeightDots
        self.labelWidthDots = labelWidthDots
        self.origin = origin
    }

    /// Equal when every dimension and the origin are equal (tuples are not `Equatable`).
    public static func == (a: ZPLStyle, b: ZPLStyle) -> Bool {
        a.moduleWidthDots == b.moduleWidthDots && a.barHeightDots == b.barHeightDots
            && a.labelWidthDots == b.labelWidthDots && a.origin == b.origin
    }
}

/// One ZPL II label (`^XA ... ^XZ`) with one Code 128 or GS1-128 barcode (`^BC`).
///
/// Code 128: `^BCN,h,Y,N,N` (interpretation line below) and the text as field data, `>` written
/// as `><` (ZPL II Programming Guide, ^BC, "Code 128 Invocation Characters").
/// GS1-128: `^FD>;>8...`: start in subset C with FNC1 (`>;` then `>8`), FNC1 (`>8`) after each
/// variable-length element that is not last, `>6`/`>5` switching to subset B and back around
/// non-digits (ZPL II Programming Guide, ^BC, "UCC/EAN-128"; works on firmware older than x.11,
/// which lacks mode D); the `(01)...` text is a separate `^A0` field, since the printer's own
/// interpretation line would show the invocation codes.
public enum ZPLLabel {
    /// The ZPL text of a label with `barcode`, ending in a newline.
    /// - Throws: ``LabelError/notZPLSafe(text:character:)`` for a character outside printable
    ///   ASCII or `^`/`~`; ``LabelError/zint(text:symbology:code:message:)`` (code -1) for QR Code
    ///   and Data Matrix, which depot writes as PNG only.
    public static func text(_ barcode: Barcode, style: ZPLStyle = ZPLStyle()) throws(LabelError) -> String {
        let x = style.origin.x
        let y = style.origin.y
        var lines = ["^XA", "^CI0", "^PW\(style.labelWidthDots)", "^BY\(min(max(style.moduleWidthDots, 1), 10))"]
        switch barcode.symbology {
        case .code128:
            try checkSafe(barcode.text)
            let data = barcode.text.map { $0 == ">" ? "><" : String($0) }.joined()
            lines.append("^FO\(x),\(y)^BCN,\(style.barHeightDots),Y,N,N^FD\(data)^FS")
        case .gs1_128:
            for element in barcode.elements { try checkSafe(element.value) }
            lines.append("^FO\(x),\(y)^BCN,\(style.barHeightDots),N,N,N^FD\(gs1FieldData(barcode.elements))^FS")
            lines.append("^FO\(x),\(y + style.barHeightDots + 10)^A0N,30,30^FD\(barcode.humanReadable)^FS")
        case .qrCode, .dataMatrix:
            throw .zint(
                text: barcode.text,
                symbology: barcode.symbology,
                code: -1,
                message: "depot writes \(barcode.symbology.name) as PNG only"
            )
        }
        lines.append("^XZ")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The `^FD` data of a GS1-128 barcode: `>;>8` (start C, FNC1), digit pairs in subset C,
    /// `>6` to subset B before a character that cannot pair, `>5` back to C before 4 or more digits,
    /// `>8` (FNC1) after each variable-length element but the last.
    static func gs1FieldData(_ elements: [GS1Element]) -> String {
        var out = ">;>8"
        var subsetC = true
        for (index, element) in elements.enumerated() {
            let chars = Array(element.ai + element.value)
            var i = 0
            while i < chars.count {
                let digitsAhead = chars[i...].prefix { $0.isASCII && $0.isNumber }.count
                if subsetC {
                    if digitsAhead >= 2 {
                        out.append(chars[i])
                        out.append(chars[i + 1])
                        i += 2
                        continue
                    }
                    out += ">6"
                    subsetC = false
                }
                if digitsAhead >= 4 && digitsAhead % 2 == 0 {
                    out += ">5"
                    subsetC = true
                    continue
                }
                out.append(chars[i])
                i += 1
            }
            if index < elements.count - 1, element.needsSeparator { out += ">8" }
        }
        return out
    }

    static func checkSafe(_ text: String) throws(LabelError) {
        if let bad = text.unicodeScalars.first(where: { !(0x20..<0x7F).contains($0.value) || $0 == "^" || $0 == "~" }) {
            throw .notZPLSafe(text: text, character: bad)
        }
    }
}

extension ZPLLabel {
    /// The ZPL text of a GS1 logistic label on a 4 × 6 inch label at 203 dpi (812 × 1218 dots):
    /// the free lines at the top, the data lines with their data titles in the middle, then the
    /// content barcode and the SSCC barcode at the bottom (GS1 Logistic Label Guideline 1.3,
    /// 3.4), each barcode with its `(AI)value` text under it. Ends in a newline.
    /// - Throws: as ``LogisticLabel/barcodes()``; ``LabelError/notZPLSafe(text:character:)`` for a
    ///   free line or lot outside printable ASCII or holding `^` or `~`.
    public static func logisticLabel(_ label: LogisticLabel, moduleWidthDots: Int = 3) throws(LabelError) -> String {
        let barcodes = try label.barcodes()
        for line in label.freeLines { try checkSafe(line) }
        for barcode in barcodes { for element in barcode.elements { try checkSafe(element.value) } }
        var lines = ["^XA", "^CI0", "^PW812", "^LL1218", "^BY\(min(max(moduleWidthDots, 1), 10))"]
        var y = 40
        for line in label.freeLines {
            lines.append("^FO40,\(y)^A0N,32,32^FD\(line)^FS")
            y += 42
        }
        y = max(y + 20, 220)
        lines.append("^FO40,\(y - 16)^GB732,3,3^FS")
        for (title, value) in label.dataLines {
            lines.append("^FO40,\(y)^A0N,24,24^FD\(title)^FS")
            lines.append("^FO300,\(y - 6)^A0N,36,36^FD\(value)^FS")
            y += 48
        }
        // The barcodes fill the bottom up: the SSCC last, 150 dots high, text under each.
        var bottom = 1218 - 40
        var fields: [String] = []
        for barcode in barcodes.reversed() {
            let top = bottom - 40 - 150
            fields.insert("^FO60,\(bottom - 34)^A0N,30,30^FD\(barcode.humanReadable)^FS", at: 0)
            fields.insert("^FO60,\(top)^BCN,150,N,N,N^FD\(gs1FieldData(barcode.elements))^FS", at: 0)
            bottom = top - 30
        }
        lines.append("^FO40,\(bottom)^GB732,3,3^FS")
        lines += fields
        lines.append("^XZ")
        return lines.joined(separator: "\n") + "\n"
    }
}
