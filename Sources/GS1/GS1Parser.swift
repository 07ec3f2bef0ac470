// The parser: AIM identifier, inference, element strings, human-readable text, Digital Link.
// A hand-written scanner over UTF-8 bytes; AIs are found by dense table lookup.

/// How to read a scan when its text carries no AIM symbology identifier.
public enum GS1ScanHint: Sendable, Hashable {
    /// Decide from the text (and say so with a `inferredSymbology` warning).
    case inferred
    /// A GS1 element string (FNC1/GS separated).
    case elementString
    /// Human-readable `(AI)data` text.
    case humanReadable
    /// A GS1 Digital Link URI.
    case digitalLink
    /// A plain EAN/UPC/ITF-14 number.
    case gtin
}

/// Parses barcode text into GS1 elements. A value type; safe to share between tasks.
///
/// ```swift
/// let parser = GS1Parser(today: CalendarDate(year: 2026, month: 11, day: 29)!)
/// let r = parser.parse("]C1010590123412345715210526")
/// r.gtin        // "05901234123457"
/// r.bestBefore  // 2021-05-26
/// ```
public struct GS1Parser: Sendable {
    /// The day two-digit years are resolved against (GenSpecs 7.12 sliding window).
    public let today: CalendarDate

    /// A parser whose century window is centred on `today`.
    public init(today: CalendarDate) { self.today = today }

    /// A parser for `year`-`month`-`day`; traps when that is not a real date (a programming error).
    public init(year: Int, month: Int, day: Int) {
        guard let d = CalendarDate(year: year, month: month, day: day) else {
            preconditionFailure("GS1Parser: \(year)-\(month)-\(day) is not a calendar date")
        }
        self.today = d
    }

    /// Parses one scan. Never throws: every problem is a warning or error in the result.
    ///
    /// - Parameters:
    ///   - scan: the text as the scanner layer delivered it, GS (0x1D) for FNC1 separators,
    ///     optionally starting with an AIM symbology identifier (`]C1`, `]d2`, `]Q3`, `]E0`...).
    ///   - hint: how to read text without an AIM identifier; `.inferred` decides from the text.
    public func parse(_ scan: String, hint: GS1ScanHint = .inferred) -> GS1ParseResult {
        if let r = scan.utf8.withContiguousStorageIfAvailable({ buf -> GS1ParseResult in
            var run = Run(parser: self, b: buf, input: scan)
            return run.parse(hint: hint)
        }) {
            return r
        }
        let bytes = Array(scan.utf8)
        return bytes.withUnsafeBufferPointer { buf in
            var run = Run(parser: self, b: buf, input: scan)
            return run.parse(hint: hint)
        }
    }
}

private let GS: UInt8 = 0x1D
/// Table index of AI (01).
private let gtinIndex = GS1ApplicationIdentifiers.tableIndex(of: "01")!

typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

/// One element found before validation: its data is `b[dataOffset..<dataEnd]` of the scan, or
/// `owned` when it had to be decoded (human-readable escapes, percent-encoding, GTIN padding).
private struct Found {
    let index: Int
    let ai: String
    var owned: [UInt8]? = nil
    let offset: Int
    let dataOffset: Int
    var dataEnd: Int = 0
    var warnings: [GS1Diagnostic] = []
    var errors: [GS1Diagnostic] = []

    init(index: Int, ai: String, owned: [UInt8], offset: Int, dataOffset: Int) {
        self.index = index
        self.ai = ai
        self.owned = owned
        self.offset = offset
        self.dataOffset = dataOffset
    }

    init(index: Int, ai: String, offset: Int, dataOffset: Int, dataEnd: Int) {
        self.index = index
        self.ai = ai
        self.offset = offset
        self.dataOffset = dataOffset
        self.dataEnd = dataEnd
    }
}

private struct Run {
    let parser: GS1Parser
    let b: UnsafeBufferPointer<UInt8>
    let input: String
    let t: ParserTables
    var warnings: [GS1Diagnostic] = []
    var errors: [GS1Diagnostic] = []
    /// The EAN/UPC add-on of an `]E3` scan, once read.
    var addOn: String? = nil
    /// The GTIN of the UPC-E reading of 8 digits read as an EAN-8, once found.
    var upcEGTIN: String? = nil

    init(parser: GS1Parser, b: UnsafeBufferPointer<UInt8>, input: String, tables: ParserTables = .shared) {
        self.parser = parser
        self.b = b
        self.input = input
        self.t = tables
    }

    // MARK: Dispatch

    mutating func parse(hint: GS1ScanHint) -> GS1ParseResult {
        if b.isEmpty {
            errors.append(GS1Diagnostic(.emptyInput, "the scan is empty"))
            return finish(kind: .plain, aim: nil, inferred: false, start: 0, found: [])
        }
        if b.count >= 3, b[0] == 93 {  // "]"
            let aim = String(decoding: UnsafeBufferPointer(rebasing: b[0..<3]), as: UTF8.self)
            // An AIM identifier announces a symbol's data (ISO/IEC 15424); with nothing after it the
            // scan carries no data at all, whatever the symbology.
            func noData(after prefix: String) -> GS1ParseResult {
                errors.append(
                    GS1Diagnostic(
                        .emptyInput,
                        "the scan is \(prefix) and no data: nothing was read from the symbol",
                        offset: 3
                    )
                )
                return finish(kind: .plain, aim: aim, inferred: false, start: 3, found: [])
            }
            let known = ["]C1", "]e0", "]d2", "]Q3", "]J1", "]E0", "]E4", "]I1", "]E3", "]C0", "]d1", "]Q1"].contains(
                aim
            )
            if b.count == 3, known || isAIMShaped(aim) { return noData(after: "only the AIM identifier \(aim)") }
            switch aim {
            case "]C1", "]e0", "]d2", "]Q3", "]J1":  // GS1 element strings (ISO/IEC 15424; GenSpecs 5.1.2)
                var start = 3
                if start < b.count, b[start] == GS {
                    if b[start...].allSatisfy({ $0 == GS }) {
                        return noData(after: "the AIM identifier \(aim) with separators")
                    }
                    warnings.append(
                        GS1Diagnostic(
                            .redundantSeparator,
                            "a separator right after \(aim) is redundant (FNC1 in first position is implied)",
                            offset: 3
                        )
                    )
                    start += 1
                }
                return finish(
                    kind: .elementString,
                    aim: aim,
                    inferred: false,
                    start: 3,
                    elements: scanElementString(from: start)
                )
            case "]E0", "]E4", "]I1", "]E3":
                return finish(kind: .gtin, aim: aim, inferred: false, start: 3, found: plainGTIN(from: 3, aim: aim))
            case "]C0", "]d1", "]Q1":  // plain data, possibly a Digital Link URI
                if isHTTP(at: 3) {
                    let (kind, found) = digitalLink(from: 3, requirePrimaryKey: false)
                    return finish(kind: kind, aim: aim, inferred: false, start: 3, found: found)
                }
                return finish(kind: .plain, aim: aim, inferred: false, start: 3, found: [])
            default:
                if isAIMShaped(aim) {
                    warnings.append(
                        GS1Diagnostic(
                            .unknownSymbology,
                            "AIM identifier \(aim) is not a GS1 symbology; the data is read as plain text",
                            offset: 0
                        )
                    )
                    return finish(kind: .plain, aim: aim, inferred: false, start: 3, found: [])
                }
            }
        }
        switch hint {
        case .elementString:
            let start = b[0] == GS ? 1 : 0
            return finish(
                kind: .elementString,
                aim: nil,
                inferred: false,
                start: 0,
                elements: scanElementString(from: start)
            )
        case .humanReadable:
            return finish(kind: .humanReadable, aim: nil, inferred: false, start: 0, found: humanReadable())
        case .digitalLink:
            let (kind, found) = digitalLink(from: 0, requirePrimaryKey: true)
            return finish(kind: kind, aim: nil, inferred: false, start: 0, found: found)
        case .gtin:
            return finish(kind: .gtin, aim: nil, inferred: false, start: 0, found: plainGTIN(from: 0, aim: nil))
        case .inferred:
            return inferred()
        }
    }

    func isAIMShaped(_ aim: String) -> Bool {
        let u = Array(aim.utf8)
        let c1 = u[1]
        let c2 = u[2]
        return ((c1 >= 65 && c1 <= 90) || (c1 >= 97 && c1 <= 122)) && ((c2 >= 48 && c2 <= 57) || (c2 >= 65 && c2 <= 90))
    }

    mutating func inferred() -> GS1ParseResult {
        func note(_ message: String) -> GS1Diagnostic { GS1Diagnostic(.inferredSymbology, message) }
        if b[0] == GS {
            warnings.append(note("no AIM symbology identifier: read as a GS1 element string (leading FNC1)"))
            return finish(
                kind: .elementString,
                aim: nil,
                inferred: true,
                start: 0,
                elements: scanElementString(from: 1)
            )
        }
        if b[0] == 40, b.count > 1, isDigit(b[1]) {  // "(" digit
            warnings.append(note("no AIM symbology identifier: read as human-readable GS1 text"))
            return finish(kind: .humanReadable, aim: nil, inferred: true, start: 0, found: humanReadable())
        }
        if isHTTP(at: 0) {
            let (kind, found) = digitalLink(from: 0, requirePrimaryKey: false)
            warnings.append(
                note(
                    kind == .digitalLink
                        ? "no AIM symbology identifier: read as a GS1 Digital Link URI"
                        : "no AIM symbology identifier: a URI without a GS1 primary key, read as plain text"
                )
            )
            return finish(kind: kind, aim: nil, inferred: true, start: 0, found: found)
        }
        let allDigits = b.allSatisfy(isDigit)
        let n = b.count
        if allDigits, n == 8 || n == 12 || n == 13 || n == 14,
            GS1Check.checkDigit(b.dropLast()) == Int(b[n - 1] - 48)
        {
            // Also an element string without errors? Then the text is ambiguous. (The structural
            // test first: most GTINs do not even split into AIs.)
            let name = b.count == 8 ? "EAN-8" : b.count == 12 ? "UPC-A" : b.count == 13 ? "EAN-13" : "ITF-14"
            // Eight digits from number system 0 or 1 whose last digit is also the check digit of
            // their UPC-E expansion are a UPC-E as much as an EAN-8: only an AIM identifier
            // (`]E4` EAN-8, `]E0` UPC-E) could tell, so say both.
            if n == 8,
                let upcA = GS1Check.upcEExpanded(
                    String(decoding: UnsafeBufferPointer(rebasing: b[0..<8]), as: UTF8.self)
                ),
                GS1Check.hasValidCheckDigit(upcA)
            {
                upcEGTIN = "00" + upcA
                warnings.append(
                    GS1Diagnostic(
                        .ambiguous,
                        "8 digits read as an EAN-8 GTIN; they are also a valid UPC-E, which is the UPC-A \(upcA) (GTIN 00\(upcA)); scan with an AIM identifier (]E4 EAN-8, ]E0 UPC-E) to tell them apart"
                    )
                )
            }
            if fitsStructurally(from: 0, to: n) {
                var probe = Run(parser: parser, b: b, input: input, tables: t)
                let asElements = probe.finish(
                    kind: .elementString,
                    aim: nil,
                    inferred: true,
                    start: 0,
                    elements: probe.scanElementString(from: 0)
                )
                if asElements.isValid {
                    warnings.append(
                        GS1Diagnostic(
                            .alsoElementString,
                            "\(b.count) digits with a valid check digit read as a \(name) GTIN; they also form the valid element string \(asElements.humanReadable)"
                        )
                    )
                }
            }
            warnings.append(
                note("no AIM symbology identifier: \(b.count) digits with a valid check digit read as a \(name) GTIN")
            )
            return finish(kind: .gtin, aim: nil, inferred: true, start: 0, found: plainGTIN(from: 0, aim: nil))
        }
        if allDigits || startsWithKnownAI() {
            warnings.append(
                note("no AIM symbology identifier: read as a GS1 element string without FNC1 in first position")
            )
            return finish(
                kind: .elementString,
                aim: nil,
                inferred: true,
                start: 0,
                elements: scanElementString(from: 0)
            )
        }
        warnings.append(note("no AIM symbology identifier: not GS1 data; read as plain text"))
        return finish(kind: .plain, aim: nil, inferred: true, start: 0, found: [])
    }

    func startsWithKnownAI() -> Bool { lookupAI(at: 0) != nil }

    func isHTTP(at i: Int) -> Bool {
        func lower(_ c: UInt8) -> UInt8 { c | 0x20 }
        guard b.count >= i + 7 else { return false }
        guard lower(b[i]) == 104, lower(b[i + 1]) == 116, lower(b[i + 2]) == 116, lower(b[i + 3]) == 112 else {
            return false
        }
        var j = i + 4
        if lower(b[j]) == 115 { j += 1 }
        return b.count >= j + 3 && b[j] == 58 && b[j + 1] == 47 && b[j + 2] == 47
    }

    // MARK: Element strings (GenSpecs 7.8)

    /// The AI starting at `i` (2, 3 or 4 digits; AIs are prefix-free), if allocated.
    func lookupAI(at i: Int) -> (index: Int, length: Int)? {
        var n = 0
        var len = 0
        while len < 4, i + len < b.count {
            let c = b[i + len]
            guard c >= 48, c <= 57 else { return nil }
            n = n * 10 + Int(c - 48)
            len += 1
            if len >= 2 {
                let ix = t.index(length: len, value: n)
                if ix >= 0 { return (ix, len) }
            }
        }
        return nil
    }

    /// Reads and validates the elements of `b[start...]` (GenSpecs 7.8.5: predefined lengths,
    /// separators after variable-length data).
    mutating func scanElementString(from start: Int) -> [GS1Element] {
        var found: [GS1Element] = []
        found.reserveCapacity(4)
        var i = start
        var previousNeedsSeparator = false
        while i < b.count {
            if b[i] == GS {
                var j = i
                while j < b.count, b[j] == GS { j += 1 }
                var aiText: String { found.last.map { "(\($0.ai))" } ?? "" }
                if j == b.count {
                    warnings.append(
                        GS1Diagnostic(
                            .redundantSeparator,
                            "trailing separator after \(aiText) is redundant",
                            ai: found.last?.ai,
                            offset: i
                        )
                    )
                } else if j - i > 1 {
                    warnings.append(
                        GS1Diagnostic(
                            .redundantSeparator,
                            "\(j - i) separators in a row after \(aiText); one is enough",
                            ai: found.last?.ai,
                            offset: i
                        )
                    )
                } else if found.isEmpty {
                    warnings.append(GS1Diagnostic(.redundantSeparator, "leading separator is redundant", offset: i))
                } else if !previousNeedsSeparator {
                    warnings.append(
                        GS1Diagnostic(
                            .redundantSeparator,
                            "separator after predefined-length \(aiText) is redundant",
                            ai: found.last?.ai,
                            offset: i
                        )
                    )
                }
                i = j
                continue
            }
            guard let (index, aiLen) = lookupAI(at: i) else {
                let rest = String(decoding: UnsafeBufferPointer(rebasing: b[i...]), as: UTF8.self)
                if found.isEmpty {
                    errors.append(GS1Diagnostic(.unknownAI, "no known AI at the start of \(quoted(rest))", offset: i))
                } else {
                    errors.append(
                        GS1Diagnostic(
                            .dataLeftOver,
                            "data left over after (\(found.last!.ai)): \(quoted(rest)) does not start with a known AI",
                            ai: found.last!.ai,
                            offset: i
                        )
                    )
                }
                break
            }
            let def = t.all[index]
            let ai = def.ai
            let d = i + aiLen
            var e = d
            var element: Found
            if def.isFixedLength {
                let want = def.maxLength
                while e < b.count, e - d < want, b[e] != GS { e += 1 }
                element = Found(index: index, ai: ai, offset: i, dataOffset: d, dataEnd: e)
                if e - d < want {
                    element.errors.append(
                        GS1Diagnostic(
                            .dataTooShort,
                            "(\(ai)) needs \(want) characters, found \(e - d)\(e < b.count ? " before a separator" : "") (\(quoted(b[d..<e])))",
                            ai: ai,
                            offset: d
                        )
                    )
                }
                previousNeedsSeparator = def.separatorRequired
            } else {
                let maxLen = def.maxLength
                while e < b.count, e - d < maxLen, b[e] != GS { e += 1 }
                element = Found(index: index, ai: ai, offset: i, dataOffset: d, dataEnd: e)
                if e < b.count, b[e] != GS {
                    element.warnings.append(
                        GS1Diagnostic(
                            .missingSeparator,
                            "(\(ai)) reached its maximum length \(maxLen) without a separator; what follows is read as a new element",
                            ai: ai,
                            offset: e
                        )
                    )
                } else if e == b.count {
                    if let hidden = hiddenElement(in: d, e) {
                        element.warnings.append(
                            GS1Diagnostic(
                                .missingSeparator,
                                "(\(ai)) \(quoted(b[d..<e])) ends the scan without a separator and may contain \(hidden): a separator may be missing",
                                ai: ai,
                                offset: d
                            )
                        )
                    }
                }
                previousNeedsSeparator = def.separatorRequired
            }
            found.append(validate(element, data: b[d..<e]))
            i = e
        }
        return found
    }

    /// The human-readable form of valid elements hidden in `b[d..<e]` from some position on, if any:
    /// the sign of a lost separator after a variable-length AI.
    func hiddenElement(in d: Int, _ e: Int) -> String? {
        var p = d + 1
        while p + 2 <= e {
            // Internal AIs 90-99 accept any text, so they prove nothing about a lost separator.
            if let (index, _) = lookupAI(at: p), !t.all[index].isInternal,
                fitsStructurally(from: p, to: e)
            {
                let sub = UnsafeBufferPointer(rebasing: b[p..<e])
                var probe = Run(parser: parser, b: sub, input: "", tables: t)
                let found = probe.scanElementString(from: 0)
                if probe.errors.isEmpty, !found.isEmpty, found.allSatisfy({ $0.errors.isEmpty }) {
                    return found.map { "(\($0.ai)) \($0.raw)" }.joined(separator: " ")
                }
            }
            p += 1
        }
        return nil
    }

    /// Whether `b[p..<e]` splits into elements of allocated AIs whose lengths and character sets
    /// fit, without building anything (the cheap first test of `hiddenElement`).
    func fitsStructurally(from p: Int, to e: Int) -> Bool {
        var i = p
        while i < e {
            guard let (index, aiLen) = lookupAI(at: i) else { return false }
            let def = t.all[index]
            var j = i + aiLen
            for comp in def.components {
                if j == e && comp.isOptional { break }
                let take = comp.isFixedLength ? comp.maxLength : min(e - j, comp.maxLength)
                if take < comp.minLength || j + take > e { return false }
                var k = j
                while k < j + take {
                    if !GS1Check.isMember(b[k], of: comp.characterSet) { return false }
                    k += 1
                }
                j += take
            }
            i = j
        }
        return i == e
    }

    // MARK: Plain GTINs (EAN-13, UPC-A, EAN-8, ITF-14)

    mutating func plainGTIN(from start: Int, aim: String?) -> [Found] {
        var data = b[start...]
        let name: String
        let lengthOK: Bool
        if aim == "]E3", data.count > 13 {
            // Combined transmission (ISO/IEC 15424 `]E3`): the main EAN-13 (or UPC-A as 12 digits)
            // followed by a 2- or 5-digit add-on (ISO/IEC 15420). The add-on is not part of the GTIN.
            let total = data.count
            let addOnLength = total == 15 || total == 14 ? 2 : total == 18 || total == 17 ? 5 : 0
            guard addOnLength > 0, data.allSatisfy(isDigit) else {
                errors.append(
                    GS1Diagnostic(
                        .invalidValue,
                        "]E3 data must be an EAN-13 followed by a 2- or 5-digit add-on (15 or 18 digits), got \(quoted(data))",
                        ai: "01",
                        offset: start
                    )
                )
                return []
            }
            let mainEnd = data.endIndex - addOnLength
            let addOnText = String(decoding: data[mainEnd...], as: UTF8.self)
            addOn = addOnText
            warnings.append(
                GS1Diagnostic(
                    .addOn,
                    "EAN-13 \(String(decoding: data[..<mainEnd], as: UTF8.self)) carries the \(addOnLength)-digit add-on \(addOnText), read apart from the GTIN",
                    offset: mainEnd
                )
            )
            data = data[..<mainEnd]
        }
        var digits = Array(data)
        var upcE: String? = nil
        if aim == "]E0", digits.count == 8, digits.allSatisfy(isDigit) {
            // `]E0` also carries UPC-E (ISO/IEC 15424); eight digits are number system, six data
            // digits and check digit, and the GTIN is the UPC-A they expand to (ISO/IEC 15420), whose
            // check digit the UPC-E's last digit must be.
            let text = String(decoding: digits, as: UTF8.self)
            guard let upcA = GS1Check.upcEExpanded(text) else {
                errors.append(
                    GS1Diagnostic(
                        .invalidValue,
                        "UPC-E \(text) must start with number system 0 or 1",
                        ai: "01",
                        offset: start
                    )
                )
                return []
            }
            upcE = text
            digits = Array(upcA.utf8)
            warnings.append(
                GS1Diagnostic(
                    .upcEExpanded,
                    "UPC-E \(text) expanded to the UPC-A \(upcA) (GTIN 00\(upcA))",
                    offset: start
                )
            )
        }
        let n = digits.count
        switch aim {
        case "]E0", "]E3":
            name = upcE == nil ? "EAN-13" : "UPC-E"
            lengthOK = n == 13 || n == 12
        case "]E4":
            name = "EAN-8"
            lengthOK = n == 8
        case "]I1":
            name = "ITF-14"
            lengthOK = n == 14
        default:
            name = "GTIN"
            lengthOK = n == 8 || n == 12 || n == 13 || n == 14
        }
        guard lengthOK, digits.allSatisfy(isDigit) else {
            let lengths =
                aim == nil
                ? "8, 12, 13 or 14"
                : name == "EAN-13" ? "13 (or 12 for UPC-A, 8 for UPC-E)" : name == "EAN-8" ? "8" : "14"
            errors.append(
                GS1Diagnostic(
                    .invalidValue,
                    "\(name) must be \(lengths) digits, got \(quoted(digits))",
                    ai: "01",
                    offset: start
                )
            )
            return []
        }
        if (aim == "]E0" || aim == "]E3") && n == 12 && upcE == nil {
            warnings.append(
                GS1Diagnostic(
                    .invalidValue,
                    "\(aim!) data of 12 digits read as UPC-A (EAN-13 transmits 13)",
                    offset: start
                )
            )
        }
        var padded = [UInt8](repeating: 48, count: 14)
        for (k, c) in digits.enumerated() { padded[14 - n + k] = c }
        var f = Found(index: gtinIndex, ai: "01", owned: padded, offset: start, dataOffset: start)
        let expected = GS1Check.checkDigit(digits.dropLast())!
        let got = Int(digits[n - 1] - 48)
        if got != expected {
            f.errors.append(
                GS1Diagnostic(
                    .checkDigit,
                    "\(name) \(upcE.map { "\($0) (UPC-A \(String(decoding: digits, as: UTF8.self)))" } ?? String(decoding: digits, as: UTF8.self)) has check digit \(got), expected \(expected)",
                    ai: "01",
                    offset: start + (upcE == nil ? n : 8) - 1
                )
            )
        }
        return [f]
    }

    // MARK: Human-readable text (GenSpecs 4.15)

    mutating func humanReadable() -> [Found] {
        var found: [Found] = []
        var i = 0
        while i < b.count {
            guard b[i] == 40 else {
                errors.append(
                    GS1Diagnostic(
                        .humanReadable,
                        "expected \"(\" to start an AI, found \(quoted(String(decoding: UnsafeBufferPointer(rebasing: b[i...]), as: UTF8.self)))",
                        offset: i
                    )
                )
                break
            }
            var j = i + 1
            while j < b.count, isDigit(b[j]), j - i <= 5 { j += 1 }
            guard j < b.count, b[j] == 41, (2...4).contains(j - i - 1) else {
                errors.append(
                    GS1Diagnostic(.humanReadable, "malformed AI: expected 2 to 4 digits between parentheses", offset: i)
                )
                break
            }
            let ai = String(decoding: UnsafeBufferPointer(rebasing: b[(i + 1)..<j]), as: UTF8.self)
            var data: [UInt8] = []
            var k = j + 1
            while k < b.count, b[k] != 40 {
                if b[k] < 0x20 || b[k] == 0x7F {
                    errors.append(
                        GS1Diagnostic(
                            .humanReadable,
                            "(\(ai)) human-readable text holds the control character \(describeByte(b[k])); it has no separators",
                            ai: ai,
                            offset: k
                        )
                    )
                    k += 1
                    continue
                }
                if b[k] == 92, k + 1 < b.count, b[k + 1] == 40 {  // "\(" escaped parenthesis
                    data.append(40)
                    k += 2
                } else {
                    data.append(b[k])
                    k += 1
                }
            }
            guard let index = GS1ApplicationIdentifiers.tableIndex(of: ai) else {
                errors.append(GS1Diagnostic(.unknownAI, "(\(ai)) is not an allocated AI", ai: ai, offset: i))
                i = k
                continue
            }
            found.append(Found(index: index, ai: ai, owned: data, offset: i, dataOffset: j + 1))
            i = k
        }
        return found
    }

    // MARK: Digital Link (GS1 Digital Link standard, URI syntax)

    mutating func digitalLink(from start: Int, requirePrimaryKey: Bool) -> (GS1InputKind, [Found]) {
        guard isHTTP(at: start) else {
            errors.append(
                GS1Diagnostic(.digitalLink, "a Digital Link URI starts with http:// or https://", offset: start)
            )
            return (.digitalLink, [])
        }
        var i = start
        while b[i] != 58 { i += 1 }
        i += 3  // "://"
        while i < b.count, b[i] != 47, b[i] != 63, b[i] != 35 { i += 1 }  // host
        var end = i
        while end < b.count, b[end] != 63, b[end] != 35 { end += 1 }
        // Path segments with their offsets.
        var segments: [(text: [UInt8], offset: Int)] = []
        var s = i
        while s < end {
            s += 1  // "/"
            var t = s
            while t < end, b[t] != 47 { t += 1 }
            segments.append((Array(b[s..<t]), s))
            s = t
        }
        // The primary key: the first segment naming a primary-key AI, followed by its value.
        var keyIndex: Int? = nil
        for (n, seg) in segments.enumerated() where n + 1 < segments.count {
            if let def = GS1ApplicationIdentifiers.definition(of: String(decoding: seg.text, as: UTF8.self)),
                def.primaryKeyQualifiers != nil, seg.text.allSatisfy(isDigit)
            {
                keyIndex = n
                break
            }
        }
        guard let k = keyIndex else {
            let form = unsupportedDigitalLinkForm(segments.map(\.text))
            if requirePrimaryKey {
                errors.append(
                    GS1Diagnostic(
                        .digitalLink,
                        "the URI path has no GS1 primary key such as /01/{gtin}" + (form.map { "; \($0)" } ?? ""),
                        offset: start
                    )
                )
                return (.digitalLink, [])
            }
            if let form {
                warnings.append(GS1Diagnostic(.digitalLink, form + "; read as plain text", offset: start))
            }
            return (.plain, [])
        }
        // A path may start with any prefix before the primary key (GS1 Digital Link 1.2, 4.1), but
        // a prefix that reads as AI/value pairs is data in the wrong place: taking the key and
        // dropping it would lose, say, the lot, so it is refused.
        for n in stride(from: 0, to: k, by: 1) where n + 1 < k {
            let seg = segments[n]
            guard seg.text.allSatisfy(isDigit),
                let index = GS1ApplicationIdentifiers.tableIndex(of: String(decoding: seg.text, as: UTF8.self))
            else { continue }
            let ai = t.all[index].ai
            errors.append(
                GS1Diagnostic(
                    .digitalLink,
                    "AI (\(ai)) with value \(quoted(segments[n + 1].text)) comes before the primary key (\(String(decoding: segments[k].text, as: UTF8.self))) in the URI path; qualifiers go after the primary key, attributes in the query",
                    ai: ai,
                    offset: seg.offset
                )
            )
            break
        }
        var found: [Found] = []
        let rest = segments[k...]
        if rest.count % 2 != 0 {
            errors.append(
                GS1Diagnostic(
                    .digitalLink,
                    "the URI path after the primary key must be AI/value pairs; a value is missing",
                    offset: segments.last!.offset
                )
            )
        }
        var n = k
        while n + 1 < segments.count {
            let aiSeg = segments[n]
            let valSeg = segments[n + 1]
            let ai = String(decoding: aiSeg.text, as: UTF8.self)
            guard let index = GS1ApplicationIdentifiers.tableIndex(of: ai) else {
                errors.append(
                    GS1Diagnostic(.digitalLink, "path segment \(quoted(ai)) is not an AI", offset: aiSeg.offset)
                )
                n += 2
                continue
            }
            guard let value = percentDecoded(valSeg.text) else {
                errors.append(
                    GS1Diagnostic(
                        .digitalLink,
                        "(\(ai)) value has a malformed percent-encoding",
                        ai: ai,
                        offset: valSeg.offset
                    )
                )
                n += 2
                continue
            }
            found.append(Found(index: index, ai: ai, owned: value, offset: aiSeg.offset, dataOffset: valSeg.offset))
            n += 2
        }
        // Qualifier order: one of the primary key's qualifier sequences, in order.
        if let key = found.first, let sequences = t.all[key.index].primaryKeyQualifiers {
            let qualifiers = found.dropFirst().map(\.ai)
            let ok = sequences.contains { seq in
                var pos = 0
                for q in qualifiers {
                    guard let at = seq[pos...].firstIndex(of: q) else { return false }
                    pos = at + 1
                }
                return true
            }
            if !ok {
                let allowed = sequences.map { $0.isEmpty ? "none" : $0.joined(separator: ", ") }.joined(
                    separator: " or "
                )
                errors.append(
                    GS1Diagnostic(
                        .digitalLink,
                        "(\(key.ai)) path qualifiers \(qualifiers.joined(separator: ", ")) are not allowed in this order; allowed: \(allowed)",
                        ai: key.ai,
                        offset: key.offset
                    )
                )
            }
        }
        // Query: numeric keys that are AIs are data attributes; other parameters are ignored.
        if end < b.count, b[end] == 63 {
            var q = end + 1
            while q < b.count, b[q] != 35 {
                var stop = q
                while stop < b.count, b[stop] != 38, b[stop] != 35 { stop += 1 }
                var eq = q
                while eq < stop, b[eq] != 61 { eq += 1 }
                let key = Array(b[q..<eq])
                if !key.isEmpty, key.allSatisfy(isDigit) {
                    let ai = String(decoding: key, as: UTF8.self)
                    if let index = GS1ApplicationIdentifiers.tableIndex(of: ai) {
                        let def = t.all[index]
                        if eq >= stop {
                            errors.append(
                                GS1Diagnostic(.digitalLink, "query parameter \(ai) has no value", ai: ai, offset: q)
                            )
                        } else if let value = percentDecoded(Array(b[(eq + 1)..<stop])) {
                            if !def.isDigitalLinkAttribute {
                                errors.append(
                                    GS1Diagnostic(
                                        .digitalLink,
                                        "(\(ai)) may not be a Digital Link query attribute",
                                        ai: ai,
                                        offset: q
                                    )
                                )
                            }
                            found.append(Found(index: index, ai: ai, owned: value, offset: q, dataOffset: eq + 1))
                        } else {
                            errors.append(
                                GS1Diagnostic(
                                    .digitalLink,
                                    "(\(ai)) value has a malformed percent-encoding",
                                    ai: ai,
                                    offset: eq + 1
                                )
                            )
                        }
                    }
                }
                q = stop < b.count && b[stop] == 38 ? stop + 1 : stop
            }
        }
        return (.digitalLink, found)
    }

    /// What a URI path without a numeric primary key is when it is a Digital Link form depot does
    /// not decode, or nil for any other URI:
    /// - the deprecated convenience names of GS1 Digital Link 1.0 (`/gtin/{gtin}/lot/{lot}`),
    ///   replaced by numeric AIs (`/01/{gtin}/10/{lot}`);
    /// - a compressed URI (GS1 Digital Link compression): one last path segment of at least 10
    ///   base64url characters whose leading bits spell a primary-key AI as decimal nibbles
    ///   (`0x01...` for a GTIN). A heuristic: depot recognises the form but does not decompress it.
    func unsupportedDigitalLinkForm(_ segments: [[UInt8]]) -> String? {
        let convenience: [String: String] = [
            "gtin": "01", "itip": "8006", "cpv": "22", "lot": "10", "ser": "21", "sscc": "00", "gln": "414",
            "glnx": "254", "party": "417", "gsrn": "8018", "gsrnp": "8017", "gdti": "253", "gcn": "255",
            "gsin": "402", "ginc": "401", "grai": "8003", "giai": "8004", "cpid": "8010", "cpsn": "8011",
            "gmn": "8013", "srin": "8019", "refno": "8020", "exp": "17", "bbd": "15",
        ]
        for (n, seg) in segments.enumerated() where n + 1 < segments.count {
            let name = String(decoding: seg, as: UTF8.self)
            if let ai = convenience[name], let def = GS1ApplicationIdentifiers.definition(of: ai),
                def.primaryKeyQualifiers != nil
            {
                return
                    "the URI uses the deprecated GS1 Digital Link convenience name /\(name)/ (write /\(ai)/ instead); depot reads only numeric AIs"
            }
        }
        guard let last = segments.last, last.count >= 10 else { return nil }
        var bits: [UInt8] = []  // one per element, most significant first
        for c in last {
            let v: UInt8
            switch c {
            case 65...90: v = c - 65
            case 97...122: v = c - 71
            case 48...57: v = c + 4
            case 45: v = 62
            case 95: v = 63
            default: return nil
            }
            for k in (0..<6).reversed() { bits.append((v >> UInt8(k)) & 1) }
        }
        var ai = ""
        for nibble in 0..<4 {
            let v = bits[(nibble * 4)..<(nibble * 4 + 4)].reduce(0) { $0 << 1 | Int($1) }
            guard v <= 9 else { return nil }
            ai += String(v)
            if ai.count >= 2, let def = GS1ApplicationIdentifiers.definition(of: ai) {
                guard def.primaryKeyQualifiers != nil, Self.compressedKeyIsPlausible(def, bits: bits[(ai.count * 4)...])
                else { return nil }
                return
                    "the URI looks like a compressed GS1 Digital Link URI (primary key (\(ai))); depot does not decompress URIs"
            }
        }
        return nil
    }

    /// Whether `bits` (after the AI's nibbles) start with a value the AI's first component could
    /// have in a compressed URI: GS1 Digital Link compression encodes a fixed-length numeric
    /// value of n digits as one binary number of ceil(n × log2 10) bits (GS1 Digital Link URI
    /// Syntax 1.2, "Compression"); the number must be below 10^n and, where the AI has a check
    /// digit, carry a valid one. Another first component is taken as plausible.
    static func compressedKeyIsPlausible(_ def: GS1ApplicationIdentifier, bits: ArraySlice<UInt8>) -> Bool {
        guard let first = def.components.first, first.characterSet == .numeric, first.isFixedLength else { return true }
        let digits = first.maxLength
        guard digits <= 18 else { return true }
        var limit: UInt64 = 1
        for _ in 0..<digits { limit *= 10 }
        let width = UInt64.bitWidth - (limit - 1).leadingZeroBitCount  // ceil(n × log2 10)
        guard bits.count >= width else { return false }
        let value = bits.prefix(width).reduce(UInt64(0)) { $0 << 1 | UInt64($1) }
        guard value < limit else { return false }
        let text = String(value)
        let padded = String(repeating: "0", count: digits - text.count) + text
        return first.check != .checkDigit || GS1Check.hasValidCheckDigit(padded)
    }

    func percentDecoded(_ s: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if s[i] == 37 {
                guard i + 2 < s.count, let h = hexValue(s[i + 1]), let l = hexValue(s[i + 2]) else { return nil }
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    // MARK: Validation of one element's data (GenSpecs 3.x formats, 7.9, 7.11, 7.12)

    mutating func validate(_ f: Found) -> GS1Element {
        if let owned = f.owned {
            return owned.withUnsafeBufferPointer { validate(f, data: $0[...]) }
        }
        return validate(f, data: b[f.dataOffset..<f.dataEnd])
    }

    /// Checks `data` against the AI's components and types the value. `data` indices are those of
    /// its base buffer; positions in messages are relative to the scanned text.
    func validate(_ f: Found, data: Bytes) -> GS1Element {
        var errs = f.errors
        let def = t.all[f.index]
        let ai = f.ai
        let count = data.count
        var pos = 0
        var firstDate: CalendarDate? = nil
        if errs.isEmpty {
            for comp in def.components {
                let remaining = count - pos
                if remaining == 0 && comp.isOptional { break }
                let take = comp.isFixedLength ? comp.maxLength : min(remaining, comp.maxLength)
                if remaining < (comp.isFixedLength ? comp.maxLength : 1) {
                    errs.append(
                        GS1Diagnostic(
                            .dataTooShort,
                            "(\(ai)) needs \(allowedLengths(def)) characters, found \(count) (\(quoted(data)))",
                            ai: ai,
                            offset: f.dataOffset
                        )
                    )
                    break
                }
                let lo = data.startIndex + pos
                let part = data[lo..<(lo + take)]
                let set = comp.characterSet
                var i = lo
                while i < lo + take {
                    if !GS1Check.isMember(data[i], of: set) {
                        errs.append(
                            GS1Diagnostic(
                                .invalidCharacter,
                                "(\(ai)) character \(describeCharacter(data, at: i)) is not allowed: \(setName(set)) (\(quoted(data)))",
                                ai: ai,
                                offset: f.dataOffset + i - data.startIndex
                            )
                        )
                        break
                    }
                    i += 1
                }
                if !errs.isEmpty { break }
                if pos == 0, comp.check?.isCalendarDate == true {
                    switch date(comp.check!, part, ai: ai) {
                    case .success(let d): firstDate = d
                    case .failure(let m): errs.append(GS1Diagnostic(.invalidDate, m, ai: ai, offset: f.dataOffset))
                    }
                } else if let check = comp.check, let message = checkComponent(check, part, ai: ai) {
                    errs.append(
                        GS1Diagnostic(
                            check == .checkDigit || check == .checkPair
                                ? .checkDigit : check.isDate ? .invalidDate : .invalidValue,
                            message,
                            ai: ai,
                            offset: f.dataOffset + pos
                        )
                    )
                }
                pos += take
            }
            if errs.isEmpty, pos < count {
                errs.append(
                    GS1Diagnostic(
                        .dataTooLong,
                        "(\(ai)) allows at most \(def.maxLength) characters, found \(count) (\(quoted(data)))",
                        ai: ai,
                        offset: f.dataOffset + pos
                    )
                )
            }
        }
        let raw = String(decoding: data, as: UTF8.self)
        let value = typedValue(def, data: data, raw: raw, valid: errs.isEmpty, firstDate: firstDate)
        return GS1Element(
            ai: ai,
            raw: raw,
            value: value,
            offset: f.offset,
            warnings: f.warnings,
            errors: errs,
            tableIndex: f.index
        )
    }

    /// The data lengths `def` allows, for messages: `at least 6` for a variable-length AI,
    /// `6 or 10` for one whose optional parts are all fixed-length ((7011) N6 [N4]), `exactly 14`.
    func allowedLengths(_ def: GS1ApplicationIdentifier) -> String {
        var lengths: [Int] = []
        var total = 0
        for comp in def.components {
            if comp.isOptional { lengths.append(total) }
            guard comp.isFixedLength else { return "at least \(def.minLength)" }
            total += comp.maxLength
        }
        lengths.append(total)
        let distinct = lengths.filter { $0 > 0 }
        guard distinct.count > 1 else { return "exactly \(total)" }
        return distinct.dropLast().map(String.init).joined(separator: ", ") + " or \(distinct.last!)"
    }

    /// The character at byte `i` of `data` for a message: `"é" (U+00E9)` for non-ASCII text.
    func describeCharacter(_ data: Bytes, at i: Int) -> String {
        guard data[i] >= 0x80 else { return describeByte(data[i]) }
        let scalar = String(decoding: data[i..<min(i + 4, data.endIndex)], as: UTF8.self).unicodeScalars.first!
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "\"\(scalar)\" (U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex))"
    }

    func describeByte(_ c: UInt8) -> String {
        if c >= 0x21 && c < 0x7F { return "\"\(Character(UnicodeScalar(c)))\"" }
        if c == GS { return "GS (0x1D)" }
        return "0x" + String(c, radix: 16, uppercase: true)
    }

    func setName(_ s: GS1CharacterSet) -> String {
        switch s {
        case .numeric: return "only ASCII digits"
        case .cset82: return "only GS1 character set 82"
        case .cset39: return "only GS1 character set 39"
        case .cset64: return "only GS1 character set 64"
        }
    }

    /// The error message for a failed content check, or nil when the component passes.
    func checkComponent(_ check: GS1ComponentCheck, _ p: Bytes, ai: String) -> String? {
        var text: String { String(decoding: p, as: UTF8.self) }
        let first = p[p.startIndex]
        switch check {
        case .checkDigit:
            let expected = GS1Check.checkDigit(p.dropLast())!
            let got = Int(p[p.endIndex - 1] - 48)
            return got == expected ? nil : "(\(ai)) \(text) has check digit \(got), expected \(expected)"
        case .checkPair:
            guard p.count >= 3, let pair = GS1Check.checkPair(p.dropLast(2)) else {
                return "(\(ai)) \(text) cannot carry a check character pair"
            }
            return pair.0 == p[p.endIndex - 2] && pair.1 == p[p.endIndex - 1]
                ? nil
                : "(\(ai)) \(text) has check characters \(text.suffix(2)), expected \(String(decoding: [pair.0, pair.1], as: UTF8.self))"
        case .yymmdd, .yymmd0, .yyyymmdd:
            if case .failure(let m) = date(check, p, ai: ai) { return m }
            return nil
        case .hhmi:
            let h = asciiNumber(p.prefix(2))!
            let m = asciiNumber(p.suffix(2))!
            return h <= 23 && m <= 59 ? nil : "(\(ai)) time \(text) does not exist (HHMM)"
        case .hh: return asciiNumber(p)! <= 23 ? nil : "(\(ai)) hour \(text) does not exist"
        case .mi: return asciiNumber(p)! <= 59 ? nil : "(\(ai)) minute \(text) does not exist"
        case .ss: return asciiNumber(p)! <= 59 ? nil : "(\(ai)) second \(text) does not exist"
        case .iso3166, .iso3166or999, .iso4217:
            // Format only: three digits (code lists are not built in; see docs/gs1.md).
            return nil
        case .iso3166alpha2:
            return p.allSatisfy({ $0 >= 65 && $0 <= 90 })
                ? nil : "(\(ai)) \(text) is not an ISO 3166 alpha-2 country code"
        case .yesNo: return first <= 49 ? nil : "(\(ai)) must be 0 or 1, found \(text)"
        case .nonZero: return p.contains(where: { $0 != 48 }) ? nil : "(\(ai)) \(text) must not be zero"
        case .zero: return first == 48 ? nil : "(\(ai)) must start with the digit 0, found \(text)"
        case .winding:
            return first == 48 || first == 49 || first == 57
                ? nil : "(\(ai)) winding direction must be 0, 1 or 9, found \(text)"
        case .pieceOfTotal:
            let n = asciiNumber(p.prefix(2))!
            let t = asciiNumber(p.suffix(2))!
            return n >= 1 && n <= t ? nil : "(\(ai)) piece \(n) of \(t) is not a valid piece of the total"
        case .latitude: return asciiNumber(p)! <= 1_800_000_000 ? nil : "(\(ai)) latitude \(text) is out of range"
        case .longitude: return asciiNumber(p)! <= 3_600_000_000 ? nil : "(\(ai)) longitude \(text) is out of range"
        case .percentEncoded:
            var i = p.startIndex
            while i < p.endIndex {
                if p[i] == 37 {
                    guard i + 2 < p.endIndex, hexValue(p[i + 1]) != nil, hexValue(p[i + 2]) != nil else {
                        return "(\(ai)) \(text) has a malformed percent-encoding"
                    }
                    i += 3
                } else {
                    i += 1
                }
            }
            return nil
        case .hyphen: return first == 45 ? nil : "(\(ai)) the sign must be \"-\", found \(text)"
        case .mediaType:
            let v = asciiNumber(p)!
            return (1...10).contains(v) || (80...99).contains(v) ? nil : "(\(ai)) media type \(text) is not allocated"
        case .iso5218:
            return first == 48 || first == 49 || first == 50 || first == 57
                ? nil : "(\(ai)) sex code must be 0, 1, 2 or 9, found \(text)"
        case .positionSlash:
            let a = p[p.startIndex]
            let s = p[p.startIndex + 1]
            let t = p[p.startIndex + 2]
            guard isDigit(a), s == 47, isDigit(t), a >= 49, a <= t else {
                return "(\(ai)) \(text) must be position/total like 1/2"
            }
            return nil
        case .noZeroPrefix: return p.count > 1 && first == 48 ? "(\(ai)) \(text) must not start with 0" : nil
        case .hasNonDigit: return p.contains(where: { !isDigit($0) }) ? nil : "(\(ai)) \(text) must contain a non-digit"
        case .iban: return GS1Check.isValidIBAN(p) ? nil : "(\(ai)) \(text) is not a valid IBAN"
        }
    }

    enum DateOutcome {
        case success(CalendarDate)
        case failure(String)
    }

    func date(_ check: GS1ComponentCheck, _ p: Bytes, ai: String) -> DateOutcome {
        var text: String { String(decoding: p, as: UTF8.self) }
        let year: Int
        let mm: Int
        let dd: Int
        if check == .yyyymmdd {
            year = asciiNumber(p.prefix(4))!
            mm = asciiNumber(p.dropFirst(4).prefix(2))!
            dd = asciiNumber(p.suffix(2))!
        } else {
            year = CalendarDate.year(fromTwoDigits: asciiNumber(p.prefix(2))!, relativeTo: parser.today)
            mm = asciiNumber(p.dropFirst(2).prefix(2))!
            dd = asciiNumber(p.suffix(2))!
        }
        guard (1...12).contains(mm) else { return .failure("(\(ai)) month \(pad(mm, 2)) does not exist (\(text))") }
        if dd == 0 {
            // Day 00 means the last day of the month, for AIs 11 to 17 only (GenSpecs 3.4.x, 7.12).
            guard check == .yymmd0, ai.utf8.count == 2, ai.utf8.first == 49 else {
                return .failure("(\(ai)) day 00 is only allowed for AIs 11 to 17 (\(text))")
            }
            return .success(CalendarDate(unchecked: year, month: mm, day: CalendarDate.daysIn(month: mm, year: year)))
        }
        guard dd <= CalendarDate.daysIn(month: mm, year: year) else {
            return .failure("(\(ai)) day \(dd) does not exist in \(CalendarDate.monthNames[mm - 1]) \(year) (\(text))")
        }
        return .success(CalendarDate(unchecked: year, month: mm, day: dd))
    }

    /// Component `k` of `data` (components before the last are fixed-length, GenSpecs 3.2).
    func part(_ k: Int, of def: GS1ApplicationIdentifier, in data: Bytes) -> Bytes? {
        var lo = data.startIndex
        for c in def.components[..<k] { lo += c.maxLength }
        guard lo < data.endIndex else { return nil }
        let comp = def.components[k]
        let hi = comp.isFixedLength ? lo + comp.maxLength : data.endIndex
        return hi <= data.endIndex ? data[lo..<hi] : nil
    }

    func typedValue(
        _ def: GS1ApplicationIdentifier,
        data: Bytes,
        raw: String,
        valid: Bool,
        firstDate: CalendarDate?
    ) -> GS1Value {
        switch def.semantics {
        case .key:
            // Keep the digits even when the check digit is wrong, so callers can show what was read.
            return valid || data.allSatisfy(isDigit) ? .key(raw) : .invalid
        case _ where !valid:
            return .invalid
        case .text:
            return .text(raw)
        case .count:
            return .count(asciiNumber(data)!)
        case .date:
            guard let d = firstDate else { return .invalid }
            guard def.components.count > 1, let p1 = part(1, of: def, in: data) else { return .date(d, time: nil) }
            switch def.components[1].check {
            case .yymmdd?:
                if case .success(let d2) = date(.yymmdd, p1, ai: def.ai) { return .dateRange(d, d2) }
                return .invalid
            case .hhmi?:
                return .date(
                    d,
                    time: GS1TimeOfDay(
                        hour: asciiNumber(p1.prefix(2))!,
                        minute: asciiNumber(p1.suffix(2))!,
                        second: nil
                    )
                )
            case .hh?:
                let m = part(2, of: def, in: data)
                let sec = part(3, of: def, in: data)
                return .date(
                    d,
                    time: GS1TimeOfDay(
                        hour: asciiNumber(p1)!,
                        minute: m.flatMap(asciiNumber),
                        second: sec.flatMap(asciiNumber)
                    )
                )
            default:
                return .date(d, time: nil)
            }
        case .measure(let unit):
            return .measure(GS1Decimal(significand: Int64(asciiNumber(data)!), scale: def.decimals), unit)
        case .amount(let currency):
            if currency, let c = part(0, of: def, in: data), let v = part(1, of: def, in: data) {
                return .amount(
                    GS1Decimal(significand: Int64(asciiNumber(v)!), scale: def.decimals),
                    currency: String(decoding: c, as: UTF8.self)
                )
            }
            return .amount(GS1Decimal(significand: Int64(asciiNumber(data)!), scale: def.decimals), currency: nil)
        case .percentage:
            return .percentage(GS1Decimal(significand: Int64(asciiNumber(data)!), scale: def.decimals))
        }
    }

    // MARK: Whole-message rules and the result

    mutating func finish(kind: GS1InputKind, aim: String?, inferred: Bool, start: Int, found: [Found]) -> GS1ParseResult
    {
        var elements: [GS1Element] = []
        elements.reserveCapacity(found.count)
        for f in found { elements.append(validate(f)) }
        return finish(kind: kind, aim: aim, inferred: inferred, start: start, elements: elements)
    }

    mutating func finish(
        kind: GS1InputKind,
        aim: String?,
        inferred: Bool,
        start: Int,
        elements: [GS1Element]
    ) -> GS1ParseResult {
        var elements = elements
        var allWarnings = warnings
        var allErrors = errors
        if kind != .plain && kind != .gtin {
            pairing(&elements, errors: &allErrors, warnings: &allWarnings)
        }
        for i in elements.indices {
            if !elements[i].warnings.isEmpty { allWarnings += elements[i].warnings }
            if !elements[i].errors.isEmpty { allErrors += elements[i].errors }
        }
        if allWarnings.count > 1 { allWarnings.sort { ($0.offset ?? -1) < ($1.offset ?? -1) } }
        if allErrors.count > 1 { allErrors.sort { ($0.offset ?? -1) < ($1.offset ?? -1) } }
        return GS1ParseResult(
            input: input,
            aimIdentifier: aim,
            kind: kind,
            wasInferred: inferred,
            textOffset: min(start, b.count),
            elements: elements,
            warnings: allWarnings,
            errors: allErrors,
            addOn: addOn,
            upcEGTIN: upcEGTIN
        )
    }

    /// Duplicates (GenSpecs 4.14.1), invalid pairs (4.14.1) and mandatory associations (4.14.2),
    /// over table indices.
    func pairing(_ elements: inout [GS1Element], errors: inout [GS1Diagnostic], warnings: inout [GS1Diagnostic]) {
        let count = elements.count
        /// Whether element `n` is the first with its AI.
        func isFirstOfAI(_ n: Int) -> Bool {
            for m in 0..<n where elements[m].tableIndex == elements[n].tableIndex { return false }
            return true
        }
        for n in 0..<count {
            for m in 0..<n where elements[m].tableIndex == elements[n].tableIndex && isFirstOfAI(m) {
                let e = elements[n]
                // Element-level findings: finish() gathers them into the result's lists.
                if elements[m].raw == e.raw {
                    elements[n].warnings.append(
                        GS1Diagnostic(
                            .duplicateAI,
                            "(\(e.ai)) appears twice with the same value",
                            ai: e.ai,
                            offset: e.offset
                        )
                    )
                } else {
                    elements[n].errors.append(
                        GS1Diagnostic(
                            .duplicateAI,
                            "(\(e.ai)) appears twice with different values \(quoted(elements[m].raw)) and \(quoted(e.raw))",
                            ai: e.ai,
                            offset: e.offset
                        )
                    )
                }
                break
            }
        }
        func position(of index: Int) -> Int? {
            for i in elements.indices where elements[i].tableIndex == index { return i }
            return nil
        }
        var presentParts: UInt64 = 0
        for i in elements.indices { presentParts |= t.partMask[elements[i].tableIndex] }
        for n in 0..<count where isFirstOfAI(n) {
            let rules = t.pairing[elements[n].tableIndex]
            for x in rules.excludes {
                // Report each pair once: from the element that comes first.
                if let m = position(of: x), m > n {
                    errors.append(
                        GS1Diagnostic(
                            .invalidPair,
                            "(\(elements[n].ai)) must not appear with (\(elements[m].ai))",
                            ai: elements[n].ai,
                            offset: elements[n].offset
                        )
                    )
                }
            }
            var group = 0
            var met = false
            for mask in rules.requireMasks {
                if mask == 0 {
                    if !met {
                        warnings.append(
                            GS1Diagnostic(
                                .missingAssociation,
                                rules.requireMessages[group],
                                ai: elements[n].ai,
                                offset: elements[n].offset
                            )
                        )
                    }
                    group += 1
                    met = false
                } else if mask & presentParts == mask {
                    met = true
                }
            }
        }
    }
}

extension GS1ComponentCheck {
    /// A calendar date check (YYMMDD, YYMMD0, YYYYMMDD).
    var isCalendarDate: Bool { self == .yymmdd || self == .yymmd0 || self == .yyyymmdd }

    /// A date or time-of-day check (errors of these are `invalidDate`).
    var isDate: Bool {
        switch self {
        case .yymmdd, .yymmd0, .yyyymmdd, .hhmi, .hh, .mi, .ss: return true
        default: return false
        }
    }
}

/// Whether `ai` matches `pattern`, where `n` stands for any digit (`310n`, `31nn`).
func matches(_ ai: String, _ pattern: String) -> Bool {
    let a = ai.utf8
    let p = pattern.utf8
    guard a.count == p.count else { return false }
    for (x, y) in zip(a, p) where y != 110 && x != y { return false }
    return true
}

@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 48...57: return c - 48
    case 65...70: return c - 55
    case 97...102: return c - 87
    default: return nil
    }
}

func quoted(_ s: String) -> String {
    if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "\"" + s + "\"" }
    var out = "\""
    for u in s.unicodeScalars {
        if u.value == 0x1D {
            out += "<GS>"
        } else if u.value < 0x20 || u.value == 0x7F {
            out += "\\u{\(String(u.value, radix: 16))}"
        } else {
            out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

func quoted<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    quoted(String(decoding: Array(bytes), as: UTF8.self))
}
