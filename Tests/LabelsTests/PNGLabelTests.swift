import Foundation
import Labels
import TestSupport
import Testing

/// Labels rendered by libzint and read back by zbar's zbarimg, an independent decoder: what was
/// asked for is what a scanner reads.
@Suite struct PNGLabelTests {
    static let zbarimg = "needs zbarimg (Debian zbar-tools, scripts/deps/labels.apt)"

    /// Writes `barcode` as a PNG in a fresh directory and returns what zbarimg reads from it.
    static func roundTrip(_ barcode: Barcode, style: PNGStyle = PNGStyle()) throws -> [String] {
        let directory = try TemporaryDirectory(prefix: "depot-labels")
        defer { directory.remove() }
        let path = directory.file("label.png")
        try PNGLabel.write(barcode, to: path, style: style)
        return try BarcodeReader.decode(path)
    }

    @Test(
        .enabled(if: Prerequisite.runs(BarcodeReader.isAvailable), Comment(rawValue: zbarimg)),
        arguments: ["A-01", "A-01-02", "DEPOT QTY 6", "DEPOT OPERATOR ana", "x y>z", "12345678", "a%b/c~^", "R"]
    )
    func code128ReadsBackAsItsText(_ text: String) throws {
        try #require(BarcodeReader.isAvailable, Comment(rawValue: Self.zbarimg))
        #expect(try Self.roundTrip(.code128(text)) == [text])
    }

    @Test(.enabled(if: Prerequisite.runs(BarcodeReader.isAvailable), Comment(rawValue: zbarimg)))
    func code128ReadsBackAtTheSmallestModuleWidth() throws {
        try #require(BarcodeReader.isAvailable, Comment(rawValue: Self.zbarimg))
        let style = PNGStyle(moduleWidthPixels: 2, barHeightModules: 20, showText: false)
        #expect(try Self.roundTrip(.code128("B-12-03"), style: style) == ["B-12-03"])
    }

    @Test(.enabled(if: Prerequisite.runs(BarcodeReader.isAvailable), Comment(rawValue: zbarimg)))
    func gs1_128ReadsBackAsItsElementString() throws {
        try #require(BarcodeReader.isAvailable, Comment(rawValue: Self.zbarimg))
        let gtin = try Barcode.gs1_128([GS1Element(ai: "01", value: "09501101530003")])
        #expect(try Self.roundTrip(gtin) == ["0109501101530003"])
        // A variable-length batch (10) before an expiry (17): FNC1 between them reads as GS.
        let full = try Barcode.gs1_128([
            GS1Element(ai: "01", value: "09501101530003"), GS1Element(ai: "10", value: "ABC123"),
            GS1Element(ai: "17", value: "260101"),
        ])
        #expect(full.scannedText == "010950110153000310ABC123\u{1D}17260101")
        #expect(try Self.roundTrip(full) == [full.scannedText])
    }

    @Test(.enabled(if: Prerequisite.runs(BarcodeReader.isAvailable), Comment(rawValue: zbarimg)))
    func qrCodeReadsBackAsItsText() throws {
        try #require(BarcodeReader.isAvailable, Comment(rawValue: Self.zbarimg))
        #expect(try Self.roundTrip(.qrCode("DEPOT MODE PICK")) == ["DEPOT MODE PICK"])
    }

    @Test func dataMatrixIsAPNG() throws {
        // zbar 0.23 does not read Data Matrix; this checks only that libzint wrote a PNG.
        let directory = try TemporaryDirectory(prefix: "depot-labels")
        defer { directory.remove() }
        try PNGLabel.write(.dataMatrix("A-01"), to: directory.file("dm.png"))
        let data = try Data(contentsOf: URL(fileURLWithPath: directory.file("dm.png")))
        #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    @Test func theModuleWidthScalesThePNG() throws {
        let directory = try TemporaryDirectory(prefix: "depot-labels")
        defer { directory.remove() }
        func width(_ pixels: Int) throws -> Int {
            let path = directory.file("w\(pixels).png")
            try PNGLabel.write(.code128("A-01"), to: path, style: PNGStyle(moduleWidthPixels: pixels, showText: false))
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            return bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }  // IHDR width, big-endian
        }
        let narrow = try width(2)
        // Code 128 of "A-01": start, 4 characters, check, stop = 6 * 11 + 13 = 79 modules, plus
        // 10-module quiet zones on each side (ISO/IEC 15417): 99 modules.
        #expect(narrow == 99 * 2)
        #expect(try width(4) == 2 * narrow)
    }

    @Test func libzintsRefusalNamesTheTextAndItsMessage() throws {
        let directory = try TemporaryDirectory(prefix: "depot-labels")
        defer { directory.remove() }
        let path = directory.file("x.png")
        #expect {
            try PNGLabel.write(.code128("Ω-01"), to: path)
        } throws: { error in
            guard case let .zint(text, symbology, code, message) = error as? LabelError else { return false }
            return text == "Ω-01" && symbology == .code128 && code >= 5 && !message.isEmpty
                && "\(error)".contains("\"Ω-01\"") && "\(error)".contains(message)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        // A GTIN whose check digit is wrong (…0003 is right).
        let wrong = try Barcode.gs1_128([GS1Element(ai: "01", value: "09501101530004")])
        #expect {
            try PNGLabel.write(wrong, to: path)
        } throws: { error in
            guard case let .zint(text, _, _, message) = error as? LabelError else { return false }
            return text == "(01)09501101530004" && message.lowercased().contains("check")
        }
        #expect(throws: LabelError.self) { try PNGLabel.check(.code128("Ω-01")) }
    }

    @Test func anUnwritablePathIsLibzintsFileError() throws {
        #expect {
            try PNGLabel.write(.code128("A-01"), to: "/nonexistent-depot-dir/a.png")
        } throws: { error in
            guard case let .zint(_, _, code, message) = error as? LabelError else { return false }
            return code == 10 && !message.isEmpty  // ZINT_ERROR_FILE_ACCESS
        }
    }

    @Test func emptyAndMalformedInputIsRefusedBeforeLibzint() {
        #expect(throws: LabelError.emptyText(symbology: .code128)) { try Barcode.code128("") }
        #expect(throws: LabelError.emptyText(symbology: .gs1_128)) { try Barcode.gs1_128([]) }
        #expect(throws: LabelError.self) { try Barcode.gs1_128([GS1Element(ai: "1", value: "X")]) }
        #expect(throws: LabelError.self) { try Barcode.gs1_128([GS1Element(ai: "10", value: "")]) }
        #expect(throws: LabelError.self) { try Barcode.gs1_128([GS1Element(ai: "10", value: "A B")]) }
    }

    @Test func theLinkedLibzintIsTwoElevenOrLater() {
        let parts = PNGLabel.zintVersion.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count == 3 && (parts[0], parts[1]) >= (2, 11), "\(PNGLabel.zintVersion)")
    }
}
