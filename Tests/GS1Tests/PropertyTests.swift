// Property tests: random valid element strings, rendered and parsed back, give the same elements.
// The generator is seeded; the seed is printed, and GS1_PROPERTY_SEED=<n> replays a run.
import Testing

@testable import GS1

#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64: a small, seedable generator (Steele, Lea, Flood 2014).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds random data that satisfies an AI's format and content checks.
struct ElementGenerator {
    var rng: SplitMix64
    let today: CalendarDate

    static let cset82 = Array("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
    static let cset39 = Array("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    static let cset64 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }

    mutating func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(int(0...9))) }) }

    mutating func chars(_ n: Int, from set: [Character]) -> String {
        String((0..<n).map { _ in set[int(0...(set.count - 1))] })
    }

    mutating func yymmdd(dayZero: Bool) -> String {
        let yy = int(0...99)
        let mm = int(1...12)
        let year = CalendarDate.year(fromTwoDigits: yy, relativeTo: today)
        let dd = dayZero && int(0...4) == 0 ? 0 : int(1...CalendarDate.daysIn(month: mm, year: year))
        return pad(yy, 2) + pad(mm, 2) + pad(dd, 2)
    }

    mutating func component(_ c: GS1Component, isLast: Bool) -> String {
        let length = c.isFixedLength ? c.maxLength : int(c.minLength...c.maxLength)
        switch c.check {
        case .checkDigit:
            let payload = digits(length - 1)
            return payload + String(GS1Check.checkDigit(forPayload: payload)!)
        case .checkPair:
            let payload = digits(1) + chars(max(0, length - 3), from: Self.cset82)
            return payload + GS1Check.checkPair(forPayload: payload)!
        case .yymmdd: return yymmdd(dayZero: false)
        case .yymmd0: return yymmdd(dayZero: true)
        case .yyyymmdd:
            let y = int(1900...2099)
            let m = int(1...12)
            return pad(y, 4) + pad(m, 2) + pad(int(1...CalendarDate.daysIn(month: m, year: y)), 2)
        case .hhmi: return pad(int(0...23), 2) + pad(int(0...59), 2)
        case .hh: return pad(int(0...23), 2)
        case .mi, .ss: return pad(int(0...59), 2)
        case .iso3166, .iso4217, .iso3166or999:
            return ["276", "250", "840", "978", "710", "999"][int(0...5)].prefix(3).description
        case .iso3166alpha2: return ["DE", "FR", "NL", "US"][int(0...3)]
        case .yesNo: return String(int(0...1))
        case .nonZero: return pad(int(1...(Int(pow10(length)) - 1)), length)
        case .zero: return "0"
        case .winding: return ["0", "1", "9"][int(0...2)]
        case .pieceOfTotal:
            let t = int(1...99)
            return pad(int(1...t), 2) + pad(t, 2)
        case .latitude: return pad(int(0...1_800_000_000), 10)
        case .longitude: return pad(int(0...3_600_000_000), 10)
        case .percentEncoded: return chars(length, from: Self.cset82.filter { $0 != "%" })
        case .hyphen: return "-"
        case .mediaType: return pad([1, 5, 10, 80, 99][int(0...4)], 2)
        case .iso5218: return ["0", "1", "2", "9"][int(0...3)]
        case .positionSlash:
            let t = int(1...9)
            return "\(int(1...t))/\(t)"
        case .noZeroPrefix: return String(int(1...9)) + digits(length - 1)
        case .hasNonDigit: return "A" + chars(length - 1, from: Self.cset82)
        case .iban:
            // GB IBAN: GBkk + 4 letters + 14 digits; kk = 98 - (BBAN + "GB00" as digits) mod 97.
            let bban = "NWBK" + digits(14)
            var rem = 0
            for ch in (bban + "GB00").utf8 {
                rem = ch >= 65 ? (rem * 100 + Int(ch) - 55) % 97 : (rem * 10 + Int(ch) - 48) % 97
            }
            return "GB" + pad(98 - rem, 2) + bban
        case nil:
            switch c.characterSet {
            case .numeric: return digits(length)
            case .cset82: return chars(length, from: Self.cset82)
            case .cset39: return chars(length, from: Self.cset39)
            case .cset64: return chars(length, from: Self.cset64)
            }
        }
    }

    mutating func data(for def: GS1ApplicationIdentifier) -> String {
        var out = ""
        for (i, c) in def.components.enumerated() {
            if c.isOptional && int(0...1) == 0 { break }
            out += component(c, isLast: i == def.components.count - 1)
        }
        return out
    }

    /// 1 to 5 distinct AIs that do not exclude one another, with valid data.
    mutating func message() -> [(ai: String, data: String)] {
        let all = GS1ApplicationIdentifiers.all
        var chosen: [GS1ApplicationIdentifier] = []
        let n = int(1...5)
        var attempts = 0
        while chosen.count < n && attempts < 50 {
            attempts += 1
            let d = all[int(0...(all.count - 1))]
            let clash = chosen.contains { c in
                c.ai == d.ai || c.excludes.contains { matches(d.ai, $0) } || d.excludes.contains { matches(c.ai, $0) }
            }
            if !clash { chosen.append(d) }
        }
        return chosen.map { ($0.ai, data(for: $0)) }
    }
}

func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * 10 } }

func render(_ elements: [(ai: String, data: String)]) -> String {
    var s = ""
    for (i, e) in elements.enumerated() {
        s += e.ai + e.data
        if i < elements.count - 1, GS1ApplicationIdentifiers.definition(of: e.ai)!.separatorRequired { s += "\u{1D}" }
    }
    return s
}

func propertySeed() -> UInt64 {
    if let s = getenv("GS1_PROPERTY_SEED"), let v = UInt64(String(cString: s)) { return v }
    return UInt64.random(in: 1...UInt64.max)
}

@Suite("Property: render and parse back")
struct PropertyTests {
    @Test func elementStringsRoundTrip() {
        let seed = propertySeed()
        print("GS1 property test seed: \(seed) (replay with GS1_PROPERTY_SEED=\(seed))")
        var gen = ElementGenerator(rng: SplitMix64(seed: seed), today: parser.today)
        var failures = 0
        for _ in 0..<3000 {
            let message = gen.message()
            let scan = render(message)
            let r = parser.parse("]C1" + scan)
            let got = r.elements.map { "(\($0.ai))\($0.raw)" }
            let want = message.map { "(\($0.ai))\($0.data)" }
            if got != want || !r.isValid {
                failures += 1
                if failures <= 5 {
                    Issue.record("seed \(seed): \(quoted(scan)) parsed as \(got), errors \(r.errors.map(\.message))")
                }
                continue
            }
            // The canonical element string is the rendering, and the human-readable form parses back.
            #expect(r.elementString == scan, "seed \(seed)")
            let hri = parser.parse(r.humanReadable, hint: .humanReadable)
            #expect(hri.elements.map { "(\($0.ai))\($0.raw)" } == want, "seed \(seed): \(r.humanReadable)")
            #expect(hri.isValid, "seed \(seed): \(hri.errors.map(\.message))")
        }
        #expect(failures == 0, "seed \(seed)")
    }

    @Test func gtinsOfEveryLengthRoundTrip() {
        let seed = propertySeed()
        print("GS1 GTIN property seed: \(seed)")
        var gen = ElementGenerator(rng: SplitMix64(seed: seed), today: parser.today)
        for length in [8, 12, 13, 14] {
            for _ in 0..<200 {
                let payload = gen.digits(length - 1)
                let gtin = payload + String(GS1Check.checkDigit(forPayload: payload)!)
                let r = parser.parse(gtin, hint: .gtin)
                #expect(r.gtin == String(repeating: "0", count: 14 - length) + gtin, "seed \(seed)")
                let wrong = payload + String((GS1Check.checkDigit(forPayload: payload)! + 1) % 10)
                #expect(parser.parse(wrong, hint: .gtin).errors.first?.code == .checkDigit, "seed \(seed)")
            }
        }
    }

    @Test func decimalsAreExact() {
        let seed = propertySeed()
        print("GS1 decimal property seed: \(seed)")
        var rng = SplitMix64(seed: seed)
        for _ in 0..<500 {
            let n = Int.random(in: 0...999_999, using: &rng)
            let places = Int.random(in: 0...5, using: &rng)
            let r = parser.parse("(01)09520123456788(310\(places))\(pad(n, 6))")
            guard case .measure(let d, .kilogram)? = r.element("310\(places)")?.value else {
                Issue.record("seed \(seed): no measure")
                continue
            }
            #expect(d.significand == Int64(n) && d.scale == places)
            // The printed decimal, without its point, is the six digits (leading zeros aside).
            let printed = d.description.filter { $0 != "." }
            #expect(Int(printed) == n, "seed \(seed): \(d)")
            #expect(d.description.split(separator: ".").last?.count == (places == 0 ? d.description.count : places))
        }
    }
}
