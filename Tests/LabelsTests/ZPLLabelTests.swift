import Foundation
import Labels
import Testing

/// ZPL II text as a label printer reads it: one `^XA ... ^XZ` format, the `^BC` field data.
@Suite struct ZPLLabelTests {
    /// The `^FD` data of the field that follows `^BC` in `zpl`.
    static func barcodeField(_ zpl: String) -> String? {
        guard let bc = zpl.range(of: "^BC"), let fd = zpl[bc.upperBound...].range(of: "^FD"),
            let fs = zpl[fd.upperBound...].range(of: "^FS")
        else { return nil }
        return String(zpl[fd.upperBound..<fs.lowerBound])
    }

    @Test(arguments: ["A-01", "DEPOT MODE RECEIVE", "x>y", "Z 9"])
    func code128FieldDataIsTheText(_ text: String) throws {
        let zpl = try ZPLLabel.text(.code128(text))
        let lines = zpl.split(separator: "\n").map(String.init)
        #expect(lines.first == "^XA")
        #expect(lines.last == "^XZ")
        #expect(zpl.components(separatedBy: "^XA").count == 2)
        #expect(zpl.contains("^BCN,120,Y,N,N^FD"), "interpretation line printed below: \(zpl)")
        // `>` is ZPL's invocation character in ^BC data: `><` is a literal `>`.
        #expect(Self.barcodeField(zpl)?.replacingOccurrences(of: "><", with: ">") == text)
    }

    @Test func gs1_128StartsInSubsetCWithFNC1AndSeparatesVariableLengthElements() throws {
        let gtin = try ZPLLabel.text(.gs1_128([GS1Element(ai: "01", value: "09501101530003")]))
        #expect(Self.barcodeField(gtin) == ">;>80109501101530003")
        #expect(gtin.contains("^FD(01)09501101530003^FS"), "human-readable line: \(gtin)")
        let full = try ZPLLabel.text(
            .gs1_128([
                GS1Element(ai: "01", value: "09501101530003"), GS1Element(ai: "10", value: "ABC123"),
                GS1Element(ai: "17", value: "260101"),
            ])
        )
        // C: 01 09 50 11 01 53 00 03 10; B: ABC123; FNC1; C: 17 26 01 01.
        #expect(Self.barcodeField(full) == ">;>8010950110153000310>6ABC123>8>517260101")
    }

    @Test func textZPLCannotCarryIsRefusedNamingIt() {
        #expect(throws: LabelError.notZPLSafe(text: "A^01", character: "^")) { try ZPLLabel.text(.code128("A^01")) }
        #expect(throws: LabelError.notZPLSafe(text: "Ä-01", character: "Ä")) { try ZPLLabel.text(.code128("Ä-01")) }
        #expect(throws: LabelError.self) { try ZPLLabel.text(.qrCode("A-01")) }
    }
}

@Suite struct LabelFileNameTests {
    @Test(arguments: [
        ("A-01", "A-01"), ("A-01/2", "A-01%2F2"), ("DEPOT QTY 6", "DEPOT%20QTY%206"), ("..", "%2E%2E"),
        ("a%b", "a%25b"), ("Ω", "%CE%A9"), ("", ""),
    ])
    func stemsAreSafeAndDistinct(_ pair: (String, String)) {
        #expect(LabelFileName.stem(for: pair.0) == pair.1)
    }
}
