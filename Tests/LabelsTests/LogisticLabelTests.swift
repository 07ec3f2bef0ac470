import Foundation
import GS1
import Labels
import TestSupport
import Testing

/// The GS1 logistic label: its barcodes in label order, refusals naming the AI and value, and the
/// rendered PNGs read back by zxing-cpp (with the AIM symbology identifier) and by zbar.
@Suite struct LogisticLabelTests {
    static let zxing = "needs zxing-cpp and Pillow for python3 (scripts/deps/labels.pip)"
    static let sscc = try! SSCC(parsing: "106141412345678908")
    static let content = LogisticContent(
        gtin: "04006381333931",
        count: 40,
        lot: "L-17",
        bestBefore: CalendarDate(year: 2027, month: 3, day: 31),
        expiry: CalendarDate(year: 2027, month: 4, day: 30)
    )

    @Test func theContentBarcodeComesFirstAndTheSSCCLast() throws {
        let label = LogisticLabel(sscc: Self.sscc, content: Self.content, freeLines: ["From: Depot Nord"])
        let barcodes = try label.barcodes()
        #expect(barcodes.count == 2)
        #expect(barcodes[0].elements.map(\.ai) == ["02", "17", "15", "37", "10"])
        #expect(barcodes[0].scannedText == "02040063813339311727043015270331" + "3740\u{1D}10L-17")
        #expect(barcodes[1].elements == [GS1Element(ai: "00", value: "106141412345678908")])
        #expect(label.dataLines.map(\.title) == ["SSCC", "CONTENT", "COUNT", "BATCH/LOT", "BEST BEFORE", "USE BY"])
        #expect(label.dataLines.map(\.value).prefix(3) == ["106141412345678908", "04006381333931", "40"])
        let mixed = try LogisticLabel(sscc: Self.sscc).barcodes()
        #expect(mixed.map(\.scannedText) == ["00106141412345678908"])
    }

    @Test func badContentIsNamedWithItsAIAndValue() {
        func refused(_ content: LogisticContent, ai: String, value: String) {
            #expect {
                try LogisticLabel(sscc: Self.sscc, content: content).barcodes()
            } throws: { error in
                guard case let LabelError.invalidElement(gotAI, gotValue, _) = error else { return false }
                return gotAI == ai && gotValue == value
            }
        }
        refused(LogisticContent(gtin: "04006381333932", count: 1), ai: "02", value: "04006381333932")
        refused(LogisticContent(gtin: "4006381333931", count: 1), ai: "02", value: "4006381333931")
        refused(LogisticContent(gtin: "04006381333931", count: 0), ai: "37", value: "0")
        refused(LogisticContent(gtin: "04006381333931", count: 100_000_000), ai: "37", value: "100000000")
        refused(
            LogisticContent(gtin: "04006381333931", count: 1, lot: String(repeating: "L", count: 21)),
            ai: "10",
            value: String(repeating: "L", count: 21)
        )
        #expect(throws: LabelError.self) {
            try LogisticLabel(sscc: Self.sscc, freeLines: ["a", "b", "c", "d", "e"]).barcodes()
        }
    }

    @Test(.enabled(if: Prerequisite.runs(ZXingReader.isAvailable), Comment(rawValue: zxing)))
    func theRenderedBarcodesReadBackAsGS1_128WithTheirElementStrings() throws {
        try #require(ZXingReader.isAvailable, Comment(rawValue: Self.zxing))
        let directory = try TemporaryDirectory(prefix: "depot-logistic")
        defer { directory.remove() }
        let style = PNGStyle(moduleWidthPixels: 6, barHeightModules: 63, showText: false)
        for (index, barcode) in try LogisticLabel(sscc: Self.sscc, content: Self.content).barcodes().enumerated() {
            let path = directory.file("\(index).png")
            try PNGLabel.write(barcode, to: path, style: style)
            let symbols = try ZXingReader.decode(path)
            #expect(symbols == [ZXingReader.Symbol(format: "Code 128", aim: "]C1", data: barcode.scannedText)])
            if BarcodeReader.isAvailable {
                #expect(try BarcodeReader.decode(path) == [barcode.scannedText])
            }
        }
    }

    @Test func theZPLLabelPutsTheSSCCBarcodeLowest() throws {
        let zpl = try ZPLLabel.logisticLabel(
            LogisticLabel(sscc: Self.sscc, content: Self.content, freeLines: ["To: Kunde"])
        )
        let fields = zpl.split(separator: "\n").filter { $0.contains("^BC") }
        #expect(fields.count == 2)
        func y(_ field: Substring) -> Int? {
            field.split(separator: "^").first { $0.hasPrefix("FO") }.flatMap { Int($0.split(separator: ",")[1]) }
        }
        let ys = fields.compactMap(y)
        #expect(ys.count == 2 && ys[0] < ys[1], "\(zpl)")
        #expect(fields[1].contains("^FD>;>800106141412345678908^FS"), "\(zpl)")
        #expect(zpl.contains("^FD(00)106141412345678908^FS") && zpl.contains("^FDTo: Kunde^FS"))
        #expect(throws: LabelError.self) {
            try ZPLLabel.logisticLabel(LogisticLabel(sscc: Self.sscc, freeLines: ["A^B"]))
        }
    }
}
