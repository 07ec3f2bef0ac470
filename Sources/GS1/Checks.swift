// Character sets and check digits (GS1 General Specifications 7.9 and 7.11), over UTF-8 bytes.

/// GS1 check digit and character set helpers.
public enum GS1Check {
    /// The GS1 mod-10 check digit for `payload` (all digits except the check digit), or nil when
    /// `payload` holds a non-digit. Weights 3 and 1 alternate from the right (GenSpecs 7.9.1).
    public static func checkDigit(forPayload payload: some StringProtocol) -> Int? {
        checkDigit(Array(payload.utf8))
    }

    /// Whether the last digit of `digits` is its correct GS1 check digit.
    public static func hasValidCheckDigit(_ digits: some StringProtocol) -> Bool {
        let b = Array(digits.utf8)
        guard b.count >= 2, let c = checkDigit(b.dropLast()) else { return false }
        return Int(b[b.count - 1]) - 48 == c
    }

    /// The 12-digit UPC-A that the 8-digit UPC-E `digits` (number system 0 or 1, six data digits,
    /// check digit) expands to by the zero-suppression rules of ISO/IEC 15420 (EAN/UPC; the sixth data
    /// digit says where the zeros go), or nil when `digits` is not 8 digits starting with 0 or 1.
    /// The check digit is carried over unchanged, not verified: a UPC-E is valid when it is the
    /// check digit of the expansion.
    public static func upcEExpanded(_ digits: some StringProtocol) -> String? {
        let b = Array(digits.utf8)
        guard b.count == 8, b.allSatisfy({ $0 >= 48 && $0 <= 57 }), b[0] == 48 || b[0] == 49 else { return nil }
        let d = b[1...6].map { Character(UnicodeScalar($0)) }
        let ns = Character(UnicodeScalar(b[0]))
        let check = Character(UnicodeScalar(b[7]))
        let body: String
        switch d[5] {
        case "0", "1", "2": body = String([d[0], d[1], d[5]]) + "0000" + String([d[2], d[3], d[4]])
        case "3": body = String([d[0], d[1], d[2]]) + "00000" + String([d[3], d[4]])
        case "4": body = String([d[0], d[1], d[2], d[3]]) + "00000" + String(d[4])
        default: body = String([d[0], d[1], d[2], d[3], d[4]]) + "0000" + String(d[5])
        }
        return String(ns) + body + String(check)
    }

    static func checkDigit<C: BidirectionalCollection>(_ payload: C) -> Int? where C.Element == UInt8 {
        var sum = 0
        var weight = 3
        for c in payload.reversed() {
            guard c >= 48, c <= 57 else { return nil }
            sum += Int(c - 48) * weight
            weight = 4 - weight
        }
        return (10 - sum % 10) % 10
    }

    /// The two check characters of GS1's alphanumeric check character pair over `payload`
    /// (GenSpecs 7.9.5: CSET 82 values weighted by primes from the right, sum mod 1021, written
    /// as two CSET 32 characters), or nil when `payload` holds a character outside CSET 82.
    public static func checkPair(forPayload payload: some StringProtocol) -> String? {
        checkPair(Array(payload.utf8)).map { String(decoding: [$0.0, $0.1], as: UTF8.self) }
    }

    static let cset82Order: [UInt8] = Array(
        "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8
    )
    static let cset32: [UInt8] = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ".utf8)
    static let primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83]
    static let cset82Value: [Int16] = {
        var t = [Int16](repeating: -1, count: 256)
        for (i, c) in cset82Order.enumerated() { t[Int(c)] = Int16(i) }
        return t
    }()

    static func checkPair<C: BidirectionalCollection>(_ payload: C) -> (UInt8, UInt8)? where C.Element == UInt8 {
        guard payload.count <= primes.count else { return nil }
        var sum = 0
        for (i, c) in payload.reversed().enumerated() {
            let v = cset82Value[Int(c)]
            guard v >= 0 else { return nil }
            sum += Int(v) * primes[i]
        }
        sum %= 1021
        return (cset32[sum >> 5], cset32[sum & 31])
    }

    /// Whether `b` is in `set` (GenSpecs Figures 7.11-1 to 7.11-3). Each set is a 128-bit mask
    /// over ASCII (bit n of `lo` for byte n < 64, of `hi` for 64 <= n < 128), derived from
    /// ``cset82Order`` and the CSET 39/64 alphabets; `GS1CheckTests` recomputes them.
    @inline(__always)
    static func isMember(_ b: UInt8, of set: GS1CharacterSet) -> Bool {
        let (lo, hi): (UInt64, UInt64)
        switch set {
        case .numeric: return b &- 48 < 10
        case .cset82: (lo, hi) = (0xffff_ffe6_0000_0000, 0x07ff_fffe_87ff_fffe)
        case .cset39: (lo, hi) = (0x03ff_a008_0000_0000, 0x0000_0000_07ff_fffe)
        case .cset64: (lo, hi) = (0x23ff_2000_0000_0000, 0x07ff_fffe_87ff_fffe)
        }
        if b < 64 { return lo >> UInt64(b) & 1 == 1 }
        if b < 128 { return hi >> UInt64(b - 64) & 1 == 1 }
        return false
    }

    /// IBAN check (ISO 13616): country letters, two check digits, up to 30 alphanumerics, mod 97 == 1.
    static func isValidIBAN<C: Collection>(_ b: C) -> Bool where C.Element == UInt8 {
        guard b.count >= 5, b.count <= 34 else { return false }
        let s = Array(b)
        guard (65...90).contains(s[0]), (65...90).contains(s[1]), (48...57).contains(s[2]), (48...57).contains(s[3])
        else { return false }
        var rem = 0
        for c in s[4...] + s[..<4] {
            switch c {
            case 48...57: rem = (rem * 10 + Int(c - 48)) % 97
            case 65...90: rem = (rem * 100 + Int(c - 55)) % 97
            default: return false
            }
        }
        return rem == 1
    }
}
