// Details of typed values, inputs and outputs not covered by the acceptance examples.
import Testing

@testable import GS1

@Suite("Typed values")
struct TypedValueTests {
    @Test func expiryTimeAndProductionTime() {
        let r = parser.parse("(01)09520123456788(7003)2105261430(8008)21052614")
        #expect(r.isValid)
        #expect(
            r.element("7003")?.value == .date(date(2021, 5, 26), time: GS1TimeOfDay(hour: 14, minute: 30, second: nil))
        )
        #expect(
            r.element("8008")?.value == .date(date(2021, 5, 26), time: GS1TimeOfDay(hour: 14, minute: nil, second: nil))
        )
        #expect(parser.parse("(01)09520123456788(7003)2105262430").errors.first?.code == .invalidDate)
    }

    @Test func harvestDateRange() {
        let r = parser.parse("(01)09520123456788(7007)210501210531")
        #expect(r.element("7007")?.value == .dateRange(date(2021, 5, 1), date(2021, 5, 31)))
        let single = parser.parse("(01)09520123456788(7007)210501")
        #expect(single.element("7007")?.value == .date(date(2021, 5, 1), time: nil))
    }

    @Test(arguments: [
        ("3922", "12345", "123.45"), ("3920", "12345", "12345"), ("3921", "5", "0.5"), ("3105", "000001", "0.00001"),
        ("3100", "001250", "1250"),
    ])
    func decimalsKeepTheirScale(ai: String, digits: String, text: String) {
        let r = parser.parse("(01)09520123456788(30)1(\(ai))\(digits)")
        let v = r.element(ai)?.value
        switch v {
        case .measure(let d, _)?, .amount(let d, nil)?: #expect(d.description == text)
        default: Issue.record("(\(ai)) has value \(String(describing: v))")
        }
    }

    @Test func countIsAnInteger() {
        let r = parser.parse("(02)09520123456788(37)0024(00)106141411234567897")
        #expect(r.count == 24)
        #expect(r.isValid)
    }

    @Test func decimalEquality() {
        #expect(GS1Decimal(significand: 150, scale: 2).isNumericallyEqual(to: GS1Decimal(significand: 15, scale: 1)))
        #expect(!GS1Decimal(significand: 150, scale: 2).isNumericallyEqual(to: GS1Decimal(significand: 15, scale: 2)))
    }

    @Test func centuryWindowEdges() {
        let today = date(2026, 11, 29)
        #expect(CalendarDate.year(fromTwoDigits: 76, relativeTo: today) == 2076)
        #expect(CalendarDate.year(fromTwoDigits: 77, relativeTo: today) == 1977)
        let late = date(2098, 1, 1)  // 98 - 47 = 51: next century for 47 and below
        #expect(CalendarDate.year(fromTwoDigits: 48, relativeTo: late) == 2148)
        #expect(CalendarDate.year(fromTwoDigits: 49, relativeTo: late) == 2049)
    }

    @Test func isoDates() {
        #expect(CalendarDate(iso: "2024-02-29") == date(2024, 2, 29))
        #expect(CalendarDate(iso: "2023-02-29") == nil)
        #expect(CalendarDate(iso: "2023-2-28") == nil)
        #expect(CalendarDate(iso: "2023-02-28")?.description == "2023-02-28")
    }
}

@Suite("Inputs and outputs")
struct InputOutputTests {
    @Test func emptyScan() {
        let r = parser.parse("")
        #expect(r.errors.map(\.code) == [.emptyInput])
    }

    @Test func unknownAIMIdentifierIsPlain() {
        let r = parser.parse("]A0HELLO")
        #expect(r.kind == .plain)
        #expect(r.warnings.map(\.code) == [.unknownSymbology])
    }

    @Test func separatorAfterAIMIdentifier() {
        let r = parser.parse("]C1\u{1D}0109520123456788")
        #expect(r.isValid)
        #expect(r.warnings.map(\.code) == [.redundantSeparator])
    }

    @Test func separatorAfterPredefinedLengthAI() {
        let r = parser.parse("]C10109520123456788\u{1D}10ABC")
        #expect(r.isValid)
        #expect(r.warnings.contains { $0.code == .redundantSeparator && $0.ai == "01" })
    }

    @Test func upcAUnderE0() {
        let r = parser.parse("]E00012345678905")  // UPC-A 012345678905 sent as 13 digits
        #expect(r.gtin == "00012345678905")
        #expect(r.warnings.isEmpty)
        let twelve = parser.parse("]E0012345678905")  // the same sent as 12 digits
        #expect(twelve.isValid)
        #expect(twelve.gtin == "00012345678905")
        #expect(!twelve.warnings.isEmpty)
        #expect(parser.parse("]E41234567").errors.first?.code == .invalidValue)
    }

    @Test func humanReadableErrors() {
        #expect(parser.parse("(01)09520123456788(1").errors.first?.code == .humanReadable)
        #expect(parser.parse("(0109520123456788").errors.first?.code == .humanReadable)
        #expect(parser.parse("(69)123").errors.first?.code == .unknownAI)
        #expect(parser.parse("(01)095201234567", hint: .humanReadable).errors.first?.code == .dataTooShort)
    }

    @Test func digitalLinkAttributesAndErrors() {
        let bad = parser.parse("https://example.com/01/09520123456788?21=123")
        #expect(bad.errors.contains { $0.code == .digitalLink && $0.ai == "21" })  // (21) is a path qualifier only
        let pct = parser.parse("https://example.com/01/09520123456788/10/A%2")
        #expect(pct.errors.contains { $0.code == .digitalLink })
        let noKey = parser.parse("https://example.com/about", hint: .digitalLink)
        #expect(noKey.errors.first?.code == .digitalLink)
        let plainURI = parser.parse("https://example.com/about")
        #expect(plainURI.kind == .plain)
        let gln = parser.parse("https://example.com/414/5410000000002/254/A1")
        #expect(gln.locationGLN == "5410000000002")
        #expect(gln.glnExtension == "A1")
    }

    @Test func jsonOutput() {
        let r = parser.parse("]C10109520123456788" + "10A\"B\\" + "\u{1D}" + "3103000750")
        let json = r.json
        #expect(json.hasPrefix("{\"input\":\"]C10109520123456788"))
        #expect(json.contains("\"raw\":\"A\\\"B\\\\\""))
        #expect(json.contains("\\u001d"))
        #expect(json.contains("{\"decimal\":\"0.750\",\"unit\":\"kg\"}"))
        #expect(json.contains("\"valid\":true"))
    }

    @Test func checkDigitHelpers() {
        #expect(GS1Check.checkDigit(forPayload: "950110153000") == 3)
        #expect(GS1Check.hasValidCheckDigit("09501101530003"))
        #expect(!GS1Check.hasValidCheckDigit("09501101530004"))
        #expect(GS1Check.checkDigit(forPayload: "12a") == nil)
        #expect(GS1Check.checkPair(forPayload: "1987654Ad4X4bL5ttr2310c") == "2K")
    }

    @Test func characterSetMasksMatchTheAlphabets() {
        for b in UInt8(0)...UInt8(255) {
            let c = Character(UnicodeScalar(b))
            #expect(GS1Check.isMember(b, of: .cset82) == GS1Check.cset82Order.contains(b), "byte \(b)")
            #expect(
                GS1Check.isMember(b, of: .cset39) == "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".contains(c),
                "byte \(b)"
            )
            #expect(
                GS1Check.isMember(b, of: .cset64)
                    == "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=".contains(c),
                "byte \(b)"
            )
            #expect(GS1Check.isMember(b, of: .numeric) == (b >= 48 && b <= 57), "byte \(b)")
        }
    }

    @Test func tableLookups() {
        #expect(GS1ApplicationIdentifiers.definition(of: "3103")?.decimals == 3)
        #expect(GS1ApplicationIdentifiers.definition(of: "10")?.separatorRequired == true)
        #expect(GS1ApplicationIdentifiers.definition(of: "17")?.separatorRequired == false)
        #expect(GS1ApplicationIdentifiers.definition(of: "23") == nil)
        #expect(GS1ApplicationIdentifiers.definition(of: "0") == nil)
        #expect(GS1ApplicationIdentifiers.definition(of: "x1") == nil)
        #expect(GS1ApplicationIdentifiers.all.count > 500)
    }
}
