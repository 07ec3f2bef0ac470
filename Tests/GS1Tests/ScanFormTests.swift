// Scan forms at the edges of the AIM identifier rules: empty data after an identifier, EAN add-ons,
// UPC-E that reads as EAN-8, Digital Link forms depot does not decode, and length messages.
import Testing

@testable import GS1

@Suite("Scan forms")
struct ScanFormTests {
    @Test(arguments: ["]C1", "]e0", "]d2", "]Q3", "]J1", "]E0", "]E3", "]E4", "]I1", "]C0", "]d1", "]Q1", "]XX", "]A0"])
    func identifierWithoutDataIsAnError(aim: String) {
        let r = parser.parse(aim)
        #expect(!r.isValid)
        #expect(codes(r.errors) == [.emptyInput])
        #expect(r.errors.first?.message.contains(aim) == true)
    }

    @Test func identifierWithOnlyASeparatorIsAnError() {
        let r = parser.parse("]C1\u{1D}")
        #expect(!r.isValid)
        #expect(codes(r.errors).contains(.emptyInput))
    }

    /// A valid EAN-13 from its first 12 digits.
    func ean13(_ payload: String) -> String { payload + String(GS1Check.checkDigit(forPayload: payload)!) }

    @Test(arguments: ["12", "51299"])
    func ean13WithAddOnGivesTheGTINAndTheAddOn(addOn: String) {
        let main = ean13("978123456789")
        let r = parser.parse("]E3" + main + addOn)
        #expect(r.isValid, "\(r.errors)")
        #expect(r.gtin == "0" + main)
        #expect(r.addOn == addOn)
        #expect(r.warnings.contains { $0.code == .addOn && $0.message.contains(addOn) })
        #expect(r.json.contains("\"addOn\":\"\(addOn)\""))
    }

    @Test func addOnMainPartKeepsItsCheckDigit() {
        let main = ean13("978123456789")
        let wrong = String(main.dropLast()) + String((Int(String(main.last!))! + 1) % 10)
        let r = parser.parse("]E3" + wrong + "12")
        #expect(!r.isValid)
        #expect(codes(r.errors) == [.checkDigit])
    }

    @Test func addOnOfTheWrongLengthIsRefused() {
        let r = parser.parse("]E3" + ean13("978123456789") + "123")
        #expect(!r.isValid)
        #expect(r.errors.first?.message.contains("add-on") == true)
        // Without an add-on ]E3 still carries a plain EAN-13, and ]E0 takes no add-on.
        #expect(parser.parse("]E3" + ean13("978123456789")).addOn == nil)
        #expect(!parser.parse("]E0" + ean13("978123456789") + "12").isValid)
    }

    @Test func upcEThatAlsoReadsAsEAN8IsAmbiguous() {
        // UPC-E 0 123456 5 expands to UPC-A 012345000065; its check digit 5 is also the EAN-8 one.
        #expect(GS1Check.upcEExpanded("01234565") == "012345000065")
        #expect(GS1Check.hasValidCheckDigit("012345000065"))
        let r = parser.parse("01234565")
        #expect(r.kind == .gtin)
        #expect(r.gtin == "00000001234565")
        let note = r.warnings.first { $0.code == .ambiguous }
        #expect(note?.message.contains("UPC-E") == true)
        #expect(note?.message.contains("00012345000065") == true)
        #expect(r.upcEGTIN == "00012345000065", "the other reading, for a caller to try")
        #expect(note?.isNote == false && r.warnings.contains { $0.code == .inferredSymbology && $0.isNote })
        // An EAN-8 that is not a UPC-E (number system 9) has no such warning.
        #expect(!parser.parse("96385074").warnings.contains { $0.message.contains("UPC-E") })
        #expect(parser.parse("96385074").upcEGTIN == nil && parser.parse("]E401234565").upcEGTIN == nil)
    }

    @Test func upcEWithItsIdentifierIsExpandedToTheUPCAGTIN() {
        let r = parser.parse("]E001234565")
        #expect(r.isValid, "\(r.errors)")
        #expect(r.gtin == "00012345000065")
        #expect(r.warnings.contains { $0.code == .upcEExpanded && $0.message.contains("012345000065") })
        // Each zero-suppression rule (ISO/IEC 15420): the sixth data digit says where the zeros go.
        for (upcE, upcA) in [
            ("0123450", "01200000345"), ("0123453", "01230000045"), ("0123454", "01234000005"),
            ("0123459", "01234500009"),
        ] {
            let check = GS1Check.checkDigit(forPayload: upcA)!
            let scan = parser.parse("]E0" + upcE + String(check))
            #expect(scan.gtin == "00" + upcA + String(check), "\(upcE): \(scan.errors)")
        }
        // The last digit must be the check digit of the expansion, and only number systems 0 and 1 exist.
        let wrong = parser.parse("]E001234566")
        #expect(!wrong.isValid)
        #expect(codes(wrong.errors) == [.checkDigit])
        #expect(wrong.errors.first?.message.contains("UPC-E 01234566") == true)
        let system = parser.parse("]E021234565")
        #expect(!system.isValid)
        #expect(system.errors.first?.message.contains("number system") == true)
    }

    @Test func digitalLinkDataBeforeThePrimaryKeyIsRefused() {
        let r = parser.parse("https://example.com/10/ABC/01/09520123456788")
        #expect(!r.isValid)
        #expect(
            r.errors.contains { $0.code == .digitalLink && $0.message.contains("(10)") && $0.message.contains("ABC") }
        )
        // A path prefix that is not AI data is allowed (GS1 Digital Link 1.2).
        let prefixed = parser.parse("https://example.com/shop/products/01/09520123456788/10/ABC")
        #expect(prefixed.isValid, "\(prefixed.errors)")
        #expect(prefixed.lot == "ABC")
    }

    @Test(arguments: [
        "https://id.gs1.org/ARHKVAdpQg",
        "https://example.com/ARFRJydaKA",  // (01) 09520123456788: 0x01, then 47 bits of the GTIN
    ])
    func compressedDigitalLinkIsNamed(uri: String) {
        for scan in [uri, "]Q1" + uri] {
            let r = parser.parse(scan)
            #expect(r.kind == .plain)
            #expect(
                r.warnings.contains { $0.code == .digitalLink && $0.message.contains("compressed") },
                "\(scan): \(r.warnings)"
            )
        }
    }

    @Test func convenienceNameDigitalLinkIsNamed() {
        for scan in ["https://example.com/gtin/09520123456788/lot/ABC", "]Q1https://example.com/gtin/09520123456788"] {
            let r = parser.parse(scan)
            #expect(r.kind == .plain)
            #expect(
                r.warnings.contains {
                    $0.code == .digitalLink && $0.message.contains("/gtin/") && $0.message.contains("/01/")
                },
                "\(scan): \(r.warnings)"
            )
        }
    }

    @Test func ordinaryURIsStayQuietPlainText() {
        // Each last segment starts with the bits of a primary-key AI, but "ABCDEFGHIJ" is too short
        // for an SSCC's 60 bits, and the others' 18 or 14 digits have a wrong check digit.
        for scan in [
            "]Q1https://example.com/products/widget12345", "]Q1https://example.com/about",
            "]Q1http://x.org/ABCDEFGHIJ", "]Q1http://x.org/ABCDEFGHIJKLMNOP", "]Q1https://example.com/AQ_________",
        ] {
            let r = parser.parse(scan)
            #expect(r.kind == .plain)
            #expect(r.isValid)
            #expect(r.warnings.isEmpty, "\(scan): \(r.warnings)")
        }
    }

    @Test func optionalComponentLengthIsNamed() {
        // (7011) is N6 [N4]: a date, optionally with a time, so 6 or 10 digits (Syntax Dictionary).
        let r = parser.parse("]C10109520123456788\u{1D}701126010112")
        #expect(!r.isValid)
        let message = r.errors.first { $0.ai == "7011" }?.message ?? ""
        #expect(message.contains("6 or 10"), "\(message)")
        #expect(!message.contains("at least 6"))
        #expect(parser.parse("]C10109520123456788\u{1D}7011260101").isValid)
        #expect(parser.parse("]C10109520123456788\u{1D}70112601011230").isValid)
    }
}
