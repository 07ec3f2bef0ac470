// The acceptance examples of the GS1 parser (docs/gs1.md) and examples from the GS1 General Specifications.
// "Today" is fixed at 2026-11-29 for every dated example.
import Testing

@testable import GS1

let parser = GS1Parser(year: 2026, month: 11, day: 29)
let gsChar = "\u{1D}"

func date(_ y: Int, _ m: Int, _ d: Int) -> CalendarDate { CalendarDate(year: y, month: m, day: d)! }
func pairs(_ r: GS1ParseResult) -> [String] { r.elements.map { "(\($0.ai))\($0.raw)" } }
func codes(_ ds: [GS1Diagnostic]) -> Set<GS1Diagnostic.Code> { Set(ds.map(\.code)) }

@Suite("GS1 parser acceptance examples")
struct AcceptanceTests {
    @Test func gtinBestBeforeLotWithoutSeparatorNeeded() {
        let r = parser.parse("010703206980498815210526100329")
        #expect(r.isValid)
        #expect(pairs(r) == ["(01)07032069804988", "(15)210526", "(10)0329"])
        #expect(r.gtin == "07032069804988")
        #expect(r.bestBefore == date(2021, 5, 26))
        #expect(r.lot == "0329")
        #expect(!codes(r.warnings).contains(.missingSeparator))
    }

    @Test func lotEndedBySeparator() {
        let r = parser.parse("0107032069804988100329" + gsChar + "15210526")
        #expect(r.isValid)
        #expect(pairs(r) == ["(01)07032069804988", "(10)0329", "(15)210526"])
        #expect(r.bestBefore == date(2021, 5, 26))
    }

    @Test func lostSeparatorIsFlagged() {
        let r = parser.parse("010703206980498810032915210526")
        #expect(pairs(r) == ["(01)07032069804988", "(10)032915210526"])
        let w = r.warnings.first { $0.code == .missingSeparator }
        #expect(w != nil)
        #expect(w?.ai == "10")
        #expect(w?.message.contains("(15) 210526") == true)
        #expect(r.element("10")?.warnings.contains { $0.code == .missingSeparator } == true)
    }

    @Test func trailingSeparatorIsAWarning() {
        let r = parser.parse("15210526100329" + gsChar)
        #expect(r.isValid)
        #expect(pairs(r) == ["(15)210526", "(10)0329"])
        #expect(codes(r.warnings).contains(.redundantSeparator))
        // (15) and (10) need a GTIN on the same item: warned, since it may be on another barcode.
        #expect(codes(r.warnings).contains(.missingAssociation))
    }

    @Test func doubledSeparatorIsAWarning() {
        let r = parser.parse("0107032069804988100329" + gsChar + gsChar + "15210526")
        #expect(r.isValid)
        #expect(pairs(r) == ["(01)07032069804988", "(10)0329", "(15)210526"])
        #expect(r.warnings.contains { $0.code == .redundantSeparator && $0.offset == 22 })
    }

    @Test func overlongLotLeavesDataOver() {
        let r = parser.parse("1022222222222222222222aaa")
        #expect(!r.isValid)
        #expect(r.element("10")?.raw == "22222222222222222222")
        #expect(r.errors.contains { $0.code == .dataLeftOver && $0.message.contains("\"aaa\"") && $0.offset == 22 })
        #expect(codes(r.warnings).contains(.missingSeparator))
    }

    @Test(arguments: [
        ("17211200", "17", date(2021, 12, 31)),
        ("15200200", "15", date(2020, 2, 29)),
        ("17761231", "17", date(2076, 12, 31)),
        ("17771231", "17", date(1977, 12, 31)),
    ])
    func datesAndCenturyWindow(scan: String, ai: String, expected: CalendarDate) {
        let r = parser.parse(scan)
        #expect(r.isValid)
        guard case .date(let d, nil)? = r.element(ai)?.value else {
            Issue.record("(\(ai)) has no date value")
            return
        }
        #expect(d == expected)
    }

    @Test func impossibleDatesAreErrors() {
        // 11120230 also carries a valid EAN-8 check digit, so it is read as an element string
        // explicitly (an AIM identifier ]C1 would say the same).
        let a = parser.parse("11120230", hint: .elementString)
        #expect(a.errors.map(\.message) == ["(11) day 30 does not exist in February 2012 (120230)"])
        #expect(a.element("11")?.value == .invalid)
        let a2 = parser.parse("]C111120230")
        #expect(a2.errors.first?.code == .invalidDate)
        let b = parser.parse("15990229")
        #expect(b.errors.map(\.message) == ["(15) day 29 does not exist in February 1999 (990229)"])
        #expect(b.errors.first?.code == .invalidDate)
    }

    @Test func dayThirtyOneOfApril() {
        let r = parser.parse("]C1010590123412345717210431")
        #expect(r.errors.first?.message.hasPrefix("(17) day 31 does not exist in April") == true)
        #expect(r.errors.first?.offset == 21)  // the date data after "]C1", (01) and "17"
        #expect(r.expiry == nil)
    }

    @Test func wrongCheckDigitKeepsTheGTIN() {
        let r = parser.parse("0107032069804987")
        #expect(!r.isValid)
        let e = r.element("01")
        #expect(e?.raw == "07032069804987")
        #expect(e?.value == .key("07032069804987"))
        #expect(e?.errors.first?.code == .checkDigit)
        #expect(e?.errors.first?.message.contains("expected 8") == true)
        #expect(r.gtin == nil)  // the accessor refuses an invalid element
    }

    @Test func aimIdentifierC1() {
        let r = parser.parse("]C1010590123412345715210526")
        #expect(r.isValid)
        #expect(r.aimIdentifier == "]C1")
        #expect(!r.wasInferred)
        #expect(r.warnings.isEmpty)
        #expect(pairs(r) == ["(01)05901234123457", "(15)210526"])
        #expect(r.bestBefore == date(2021, 5, 26))
    }

    @Test func humanReadableToElementString() {
        let r = parser.parse("(10)123(17)221231")
        #expect(r.kind == .humanReadable)
        #expect(r.isValid)
        #expect(r.elementString == "10123" + gsChar + "17221231")
    }

    @Test func serviceExampleWithInternalAI() {
        let r = parser.parse("]C1011231231231233310ABC123" + gsChar + "99TESTING")
        #expect(r.isValid)
        #expect(pairs(r) == ["(01)12312312312333", "(10)ABC123", "(99)TESTING"])
    }

    @Test func ean13ByAIM() {
        let ok = parser.parse("]E02112345678900")
        #expect(ok.isValid)
        #expect(ok.kind == .gtin)
        #expect(ok.gtin == "02112345678900")
        let bad = parser.parse("]E02112345678901")
        #expect(!bad.isValid)
        #expect(bad.errors.first?.code == .checkDigit)
        #expect(bad.element("01")?.raw == "02112345678901")
    }

    @Test func trailingSeparatorAfterGTIN() {
        let r = parser.parse("0112345678901231" + gsChar)
        #expect(r.isValid)
        #expect(r.warnings.contains { $0.code == .redundantSeparator })
    }

    @Test func pairingRulesRefuseGTINWithCount() {
        let r = parser.parse("(01)12345678901231(37)123")
        #expect(!r.isValid)
        #expect(r.errors.contains { $0.code == .invalidPair && $0.message == "(01) must not appear with (37)" })
    }

    @Test func separatorBeforeDateAndGTIN() {
        let r = parser.parse("1021072911" + gsChar + "172405310100693570007182")
        #expect(r.isValid)
        #expect(pairs(r) == ["(10)21072911", "(17)240531", "(01)00693570007182"])
        #expect(r.expiry == date(2024, 5, 31))
        #expect(r.gtin == "00693570007182")
    }

    @Test func sameTextWithoutSeparatorIsAnError() {
        let r = parser.parse("1021072911172405310100693570007182")
        #expect(!r.isValid)
        #expect(r.gtin == nil)
        #expect(r.expiry == nil)
        #expect(codes(r.errors).contains(.dataLeftOver))
    }
}

@Suite("GS1 General Specifications examples")
struct GenSpecsExampleTests {
    // GenSpecs 3.6.2: (3103) 000750 is a net weight of 0.750 kg.
    @Test func netWeightIsExact() {
        let r = parser.parse("]C101095201234567883103000750")
        #expect(r.isValid)
        #expect(r.netWeight?.value == GS1Decimal(significand: 750, scale: 3))
        #expect(r.netWeight?.value.description == "0.750")
        #expect(r.netWeight?.unit == .kilogram)
    }

    // GenSpecs 3.6.20: (3912) 710 2550 = 25.50 in currency 710 (South African rand).
    @Test func amountWithCurrency() {
        let r = parser.parse("(01)09520123456788(30)1(3932)7102550")
        #expect(r.isValid)
        #expect(r.element("3932")?.value == .amount(GS1Decimal(significand: 2550, scale: 2), currency: "710"))
        #expect(r.count == 1)
    }

    // GenSpecs 2.2 example SSCC 106141411234567897.
    @Test func ssccAndCount() {
        let r = parser.parse("]C100106141411234567897" + "0209520123456788" + "37" + "24")
        #expect(r.isValid)
        #expect(r.sscc == "106141411234567897")
        #expect(r.count == 24)
        #expect(r.gtin == "09520123456788")
    }

    // GenSpecs 3.7.9 and 3.2: a physical location (414) refined by a GLN extension component (254).
    @Test func locationGLN() {
        let r = parser.parse("]C14145410000000002254A-01-03")
        #expect(r.isValid)
        #expect(r.locationGLN == "5410000000002")
        #expect(r.glnExtension == "A-01-03")
    }

    // GenSpecs 3.9.14: GMN with its check character pair; the syntax engine's example.
    @Test func gmnCheckPair() {
        #expect(parser.parse("(8013)1987654Ad4X4bL5ttr2310c2K").isValid)
        let bad = parser.parse("(8013)1987654Ad4X4bL5ttr2310c2L")
        #expect(bad.errors.first?.code == .checkDigit)
    }

    // GenSpecs 7.12: day 00 only for AIs 11-17.
    @Test func dayZeroOnlyForAIs11To17() {
        let r = parser.parse("(01)09520123456788(7006)210400")
        #expect(r.errors.first?.message == "(7006) day 00 is only allowed for AIs 11 to 17 (210400)")
    }

    @Test func digitalLinkURI() {
        let r = parser.parse(
            "https://id.gs1.org/01/09520123456788/10/ABC%2F1/21/12345?17=201231&3103=000195&linkType=all"
        )
        #expect(r.kind == .digitalLink)
        #expect(r.isValid)
        #expect(pairs(r) == ["(01)09520123456788", "(10)ABC/1", "(21)12345", "(17)201231", "(3103)000195"])
        #expect(r.expiry == date(2020, 12, 31))
    }

    @Test func digitalLinkQualifierOrder() {
        let r = parser.parse("https://example.com/01/09520123456788/21/12345/10/ABC")
        #expect(codes(r.errors).contains(.digitalLink))
    }

    @Test func digitalLinkByAIMIdentifier() {
        let r = parser.parse("]Q1https://example.com/shop/00/106141411234567897")
        #expect(r.kind == .digitalLink)
        #expect(!r.wasInferred)
        #expect(r.sscc == "106141411234567897")
    }

    @Test func plainCode128IsNotGS1() {
        let r = parser.parse("]C0LOC-A-01")
        #expect(r.kind == .plain)
        #expect(r.text == "LOC-A-01")
        #expect(r.elements.isEmpty)
        let inferred = parser.parse("LOC-A-01")
        #expect(inferred.kind == .plain)
        #expect(codes(inferred.warnings) == [.inferredSymbology])
    }

    @Test func ambiguousEAN8IsSaid() {
        // 8 digits with a valid EAN-8 check digit that are also the valid element string (20)12 (30)8?
        // Find one: (20) VARIANT N2 + (30) count... scan digits "20" + "12" + "3" + ... Use 20NN30C.
        let candidates = (0..<100).map { "2012300" + String($0 % 10) }.filter { GS1Check.hasValidCheckDigit($0) }
        let scan = try! #require(candidates.first)
        let r = parser.parse(scan)
        #expect(r.kind == .gtin)
        #expect(codes(r.warnings).contains(.alsoElementString))
        #expect(r.warnings.first { $0.code == .alsoElementString }?.isNote == true, "not a floor alert")
    }

    @Test func nonASCIIDigitsAreRefused() {
        // Arabic-Indic digits satisfy Character.isNumber but are not GS1 digits.
        let r = parser.parse("]C101\u{0660}9520123456788")
        #expect(!r.isValid)
        #expect(codes(r.errors).contains(.invalidCharacter) || codes(r.errors).contains(.dataTooShort))
    }

    @Test func characterSet82() {
        #expect(parser.parse("]C10109520123456788" + "10AB-12/x_y").isValid)
        let r = parser.parse("]C10109520123456788" + "10AB 12")
        #expect(r.errors.first?.code == .invalidCharacter)
        #expect(r.errors.first?.offset == 23)
    }

    @Test func characterSet39() {
        #expect(parser.parse("(8010)ABC#-/123(8011)12").isValid)
        #expect(parser.parse("(8010)abc(8011)12").errors.first?.code == .invalidCharacter)
    }

    @Test func duplicateAIs() {
        let same = parser.parse("(01)09520123456788(10)A(10)A")
        #expect(same.isValid)
        #expect(codes(same.warnings).contains(.duplicateAI))
        let different = parser.parse("(01)09520123456788(10)A(10)B")
        #expect(codes(different.errors) == [.duplicateAI])
    }

    @Test func escapedParenthesisInHumanReadable() {
        let r = parser.parse("(01)09520123456788(10)A\\(B)")
        #expect(r.lot == "A(B)")
        #expect(r.humanReadable == "(01)09520123456788(10)A\\(B)")
    }

    @Test func unknownAIIsAnError() {
        let r = parser.parse("]C16912")
        #expect(r.errors.first?.code == .unknownAI)
    }

    @Test func separatorNotation() {
        #expect(decodeSeparatorNotation("10A<GS>17\\x1d\\u001D\\\\") == "10A\u{1D}17\u{1D}\u{1D}\\")
    }
}
