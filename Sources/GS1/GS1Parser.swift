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
/// let parser = GS1Parser(today: GS1Date(year: 2026, month: 11, day: 29)!)
/// let r = parser.parse("]C1010590123412345715210526")
/// r.gtin        // "05901234123457"
/// r.bestBefore  // 2021-05-26
/// ```
public struct GS1Parser: Sendable {
    /// The day two-digit years are resolved against (GenSpecs 7.12 sliding window).
    public let today: GS1Date

    /// A parser whose century window is centred on `today`.
    public init(today: GS1Date) { self.today = today }

    /// A parser for `year`-`month`-`day`; traps when that is not a real date (a programming error).
    public init(year: Int, month: Int, day: Int) {
        guard let d = GS1Date(year: year, month: month, day: day) else {
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
        var bytes = Array(scan.utf8)
        return bytes.withUnsafeMutableBufferPointer { buf in
            var run = Run(parser: self, b: UnsafeBufferPointer(buf), input: scan)
            return run.parse(hint: hint)
        }
    }
}

private let GS: UInt8 = 0x1D

/// AIM identifiers that carry GS1 element strings (ISO/IEC 15424; GenSpecs 5.1.2 Figure 5.1.2-2).
private let gs1MessageIdentifiers: Set<String> = ["]C1", "]e0", "]d2", "]Q3", "]J1"]
/// AIM identifiers of symbologies that carry plain data (possibly a Digital Link URI).
private let plainIdentifiers: Set<String> = ["]C0", "]d1", "]Q1"]

/// One element found before validation.
private struct Found {
    let def: GS1ApplicationIdentifier
    let ai: String
    let data: [UInt8]
    let offset: Int
    let dataOffset: Int
    var warnings: [GS1Diagnostic] = []
    var errors: [GS1Diagnostic] = []
}

private struct Run {
    let parser: GS1Parser
    let b: UnsafeBufferPointer<UInt8>
    let input: String
    var warnings: [GS1Diagnostic] = []
    var errors: [GS1Diagnostic] = []

    init(parser: GS1Parser, b: UnsafeBufferPointer<UInt8>, input: String) {
        self.parser = parser
        self.b = b
        self.input = input
    }

    // MARK: Dispatch

    mutating func parse(hint: GS1ScanHint) -> GS1ParseResult {
        if b.isEmpty {
            errors.append(GS1Diagnostic(.emptyInput, "the scan is empty"))
            return finish(kind: .plain, aim: nil, inferred: false, start: 0, found: [])
        }
        if b.count >= 3, b[0] == 93 {  // "]"
            let aim = String(decoding: UnsafeBufferPointer(rebasing: b[0..<3]), as: UTF8.self)
            switch aim {
            case _ where gs1MessageIdentifiers.contains(aim):
                var start = 3
                if start < b.count, b[start] == GS {
                    warnings.append(GS1Diagnostic(
                        .redundantSeparator, "a separator right after \(aim) is redundant (FNC1 in first position is implied)",
                        offset: 3))
                    start += 1
                }
                return finish(kind: .elementString, aim: aim, inferred: false, start: 3,
                              found: scanElementString(from: start))
            case "]E0", "]E4", "]I1", "]E3":
                return finish(kind: .gtin, aim: aim, inferred: false, start: 3, found: plainGTIN(from: 3, aim: aim))
            case _ where plainIdentifiers.contains(aim):
                if isHTTP(at: 3) {
                    let (kind, found) = digitalLink(from: 3, requirePrimaryKey: false)
                    return finish(kind: kind, aim: aim, inferred: false, start: 3, found: found)
                }
                return finish(kind: .plain, aim: aim, inferred: false, start: 3, found: [])
            default:
                if isAIMShaped(aim) {
                    warnings.append(GS1Diagnostic(
                        .unknownSymbology, "AIM identifier \(aim) is not a GS1 symbology; the data is read as plain text",
                        offset: 0))
                    return finish(kind: .plain, aim: aim, inferred: false, start: 3, found: [])
                }
            }
        }
        switch hint {
        case .elementString:
            let start = b[0] == GS ? 1 : 0
            return finish(kind: .elementString, aim: nil, inferred: false, start: 0, found: scanElementString(from: start))
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
        let c1 = u[1], c2 = u[2]
        return ((c1 >= 65 && c1 <= 90) || (c1 >= 97 && c1 <= 122)) && ((c2 >= 48 && c2 <= 57) || (c2 >= 65 && c2 <= 90))
    }

    mutating func inferred() -> GS1ParseResult {
        func note(_ why: String) -> GS1Diagnostic {
            GS1Diagnostic(.inferredSymbology, "no AIM symbology identifier: " + why)
        }
        if b[0] == GS {
            warnings.append(note("read as a GS1 element string (leading FNC1)"))
            return finish(kind: .elementString, aim: nil, inferred: true, start: 0, found: scanElementString(from: 1))
        }
        if b[0] == 40, b.count > 1, isDigit(b[1]) {  // "(" digit
            warnings.append(note("read as human-readable GS1 text"))
            return finish(kind: .humanReadable, aim: nil, inferred: true, start: 0, found: humanReadable())
        }
        if isHTTP(at: 0) {
            let (kind, found) = digitalLink(from: 0, requirePrimaryKey: false)
            warnings.append(note(kind == .digitalLink ? "read as a GS1 Digital Link URI" : "a URI without a GS1 primary key, read as plain text"))
            return finish(kind: kind, aim: nil, inferred: true, start: 0, found: found)
        }
        let allDigits = b.allSatisfy(isDigit)
        if allDigits, [8, 12, 13, 14].contains(b.count), GS1Check.hasValidCheckDigit(String(decoding: b, as: UTF8.self)) {
            // Also an element string without errors? Then the text is ambiguous.
            var probe = Run(parser: parser, b: b, input: input)
            let asElements = probe.finish(kind: .elementString, aim: nil, inferred: true, start: 0,
                                          found: probe.scanElementString(from: 0))
            let name = b.count == 8 ? "EAN-8" : b.count == 12 ? "UPC-A" : b.count == 13 ? "EAN-13" : "ITF-14"
            if asElements.isValid {
                warnings.append(GS1Diagnostic(
                    .ambiguous,
                    "\(b.count) digits with a valid check digit read as a \(name) GTIN; they also form the valid element string \(asElements.humanReadable)"))
            }
            warnings.append(note("\(b.count) digits with a valid check digit read as a \(name) GTIN"))
            return finish(kind: .gtin, aim: nil, inferred: true, start: 0, found: plainGTIN(from: 0, aim: nil))
        }
        if allDigits || startsWithKnownAI() {
            warnings.append(note("read as a GS1 element string without FNC1 in first position"))
            return finish(kind: .elementString, aim: nil, inferred: true, start: 0, found: scanElementString(from: 0))
        }
        warnings.append(note("not GS1 data; read as plain text"))
        return finish(kind: .plain, aim: nil, inferred: true, start: 0, found: [])
    }

    func startsWithKnownAI() -> Bool { lookupAI(at: 0) != nil }

    func isHTTP(at i: Int) -> Bool {
        func lower(_ c: UInt8) -> UInt8 { c | 0x20 }
        guard b.count >= i + 7 else { return false }
        guard lower(b[i]) == 104, lower(b[i + 1]) == 116, lower(b[i + 2]) == 116, lower(b[i + 3]) == 112 else { return false }
        var j = i + 4
        if lower(b[j]) == 115 { j += 1 }
        return b.count >= j + 3 && b[j] == 58 && b[j + 1] == 47 && b[j + 2] == 47
    }

    // MARK: Element strings (GenSpecs 7.8)

    /// The AI starting at `i` (2, 3 or 4 digits; AIs are prefix-free), if allocated.
    func lookupAI(at i: Int) -> (GS1ApplicationIdentifier, Int)? {
        var n = 0
        var len = 0
        while len < 4, i + len < b.count {
            let c = b[i + len]
            guard c >= 48, c <= 57 else { return nil }
            n = n * 10 + Int(c - 48)
            len += 1
            if len >= 2 {
                let ix = GS1ApplicationIdentifiers.index.lookup(length: len, value: n)
                if ix >= 0 { return (GS1ApplicationIdentifiers.all[ix], len) }
            }
        }
        return nil
    }

    mutating func scanElementString(from start: Int) -> [Found] {
        var found: [Found] = []
        var i = start
        var previousNeedsSeparator = false
        while i < b.count {
            if b[i] == GS {
                var j = i
                while j < b.count, b[j] == GS { j += 1 }
                let aiText = found.last.map { "(\($0.ai))" } ?? ""
                if j == b.count {
                    warnings.append(GS1Diagnostic(.redundantSeparator, "trailing separator after \(aiText) is redundant", ai: found.last?.ai, offset: i))
                } else if j - i > 1 {
                    warnings.append(GS1Diagnostic(.redundantSeparator, "\(j - i) separators in a row after \(aiText); one is enough", ai: found.last?.ai, offset: i))
                } else if found.isEmpty {
                    warnings.append(GS1Diagnostic(.redundantSeparator, "leading separator is redundant", offset: i))
                } else if !previousNeedsSeparator {
                    warnings.append(GS1Diagnostic(.redundantSeparator, "separator after predefined-length \(aiText) is redundant", ai: found.last?.ai, offset: i))
                }
                i = j
                continue
            }
            guard let (def, aiLen) = lookupAI(at: i) else {
                let rest = String(decoding: UnsafeBufferPointer(rebasing: b[i...]), as: UTF8.self)
                if found.isEmpty {
                    errors.append(GS1Diagnostic(.unknownAI, "no known AI at the start of \(quoted(rest))", offset: i))
                } else {
                    errors.append(GS1Diagnostic(.dataLeftOver, "data left over after (\(found.last!.ai)): \(quoted(rest)) does not start with a known AI", ai: found.last!.ai, offset: i))
                }
                break
            }
            let ai = String(decoding: UnsafeBufferPointer(rebasing: b[i..<(i + aiLen)]), as: UTF8.self)
            let d = i + aiLen
            var e = d
            var element: Found
            if def.isFixedLength {
                let want = def.maxLength
                while e < b.count, e - d < want, b[e] != GS { e += 1 }
                element = Found(def: def, ai: ai, data: Array(b[d..<e]), offset: i, dataOffset: d)
                if e - d < want {
                    element.errors.append(GS1Diagnostic(.dataTooShort, "(\(ai)) needs \(want) characters, found \(e - d)\(e < b.count ? " before a separator" : "") (\(quoted(element.data)))", ai: ai, offset: d))
                }
                previousNeedsSeparator = def.separatorRequired
            } else {
                let maxLen = def.maxLength
                while e < b.count, e - d < maxLen, b[e] != GS { e += 1 }
                element = Found(def: def, ai: ai, data: Array(b[d..<e]), offset: i, dataOffset: d)
                if e < b.count, b[e] != GS {
                    element.warnings.append(GS1Diagnostic(.missingSeparator, "(\(ai)) reached its maximum length \(maxLen) without a separator; what follows is read as a new element", ai: ai, offset: e))
                } else if e == b.count {
                    if let hidden = hiddenElement(in: d, e) {
                        element.warnings.append(GS1Diagnostic(.missingSeparator, "(\(ai)) \(quoted(element.data)) ends the scan without a separator and may contain \(hidden): a separator may be missing", ai: ai, offset: d))
                    }
                }
                previousNeedsSeparator = def.separatorRequired
            }
            found.append(element)
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
            if let (def, _) = lookupAI(at: p), !(def.ai.utf8.count == 2 && def.ai.utf8.first == 57) {
                let sub = UnsafeBufferPointer(rebasing: b[p..<e])
                var probe = Run(parser: parser, b: sub, input: "")
                let found = probe.scanElementString(from: 0)
                if probe.errors.isEmpty, !found.isEmpty {
                    var all = true
                    for f in found {
                        var v = probe
                        if !v.validate(f).errors.isEmpty { all = false; break }
                    }
                    if all {
                        return found.map { "(\($0.ai)) \(String(decoding: $0.data, as: UTF8.self))" }.joined(separator: " ")
                    }
                }
            }
            p += 1
        }
        return nil
    }

    // MARK: Plain GTINs (EAN-13, UPC-A, EAN-8, ITF-14)

    mutating func plainGTIN(from start: Int, aim: String?) -> [Found] {
        let data = Array(b[start...])
        let def = GS1ApplicationIdentifiers.definition(of: "01")!
        let text = String(decoding: data, as: UTF8.self)
        let name: String
        let allowed: [Int]
        switch aim {
        case "]E0", "]E3": name = "EAN-13"; allowed = [13, 12]
        case "]E4": name = "EAN-8"; allowed = [8]
        case "]I1": name = "ITF-14"; allowed = [14]
        default: name = "GTIN"; allowed = [8, 12, 13, 14]
        }
        guard data.allSatisfy(isDigit), allowed.contains(data.count) else {
            errors.append(GS1Diagnostic(.invalidValue, "\(name) must be \(allowed.map(String.init).joined(separator: " or ")) digits, got \(quoted(text))", ai: "01", offset: start))
            return []
        }
        if aim == "]E0" && data.count == 12 {
            warnings.append(GS1Diagnostic(.invalidValue, "]E0 data of 12 digits read as UPC-A (EAN-13 transmits 13)", offset: start))
        }
        let padded = [UInt8](repeating: 48, count: 14 - data.count) + data
        var f = Found(def: def, ai: "01", data: padded, offset: start, dataOffset: start)
        if !GS1Check.hasValidCheckDigit(text) {
            let expected = GS1Check.checkDigit(data[..<(data.count - 1)])!
            f.errors.append(GS1Diagnostic(.checkDigit, "\(name) \(text) has check digit \(Character(UnicodeScalar(data.last!))), expected \(expected)", ai: "01", offset: start + data.count - 1))
        }
        return [f]
    }

    // MARK: Human-readable text (GenSpecs 4.15)

    mutating func humanReadable() -> [Found] {
        var found: [Found] = []
        var i = 0
        while i < b.count {
            guard b[i] == 40 else {
                errors.append(GS1Diagnostic(.humanReadable, "expected \"(\" to start an AI, found \(quoted(String(decoding: UnsafeBufferPointer(rebasing: b[i...]), as: UTF8.self)))", offset: i))
                break
            }
            var j = i + 1
            while j < b.count, isDigit(b[j]), j - i <= 5 { j += 1 }
            guard j < b.count, b[j] == 41, (2...4).contains(j - i - 1) else {
                errors.append(GS1Diagnostic(.humanReadable, "malformed AI: expected 2 to 4 digits between parentheses", offset: i))
                break
            }
            let ai = String(decoding: UnsafeBufferPointer(rebasing: b[(i + 1)..<j]), as: UTF8.self)
            var data: [UInt8] = []
            var k = j + 1
            while k < b.count, b[k] != 40 {
                if b[k] < 0x20 || b[k] == 0x7F {
                    errors.append(GS1Diagnostic(.humanReadable, "(\(ai)) human-readable text holds the control character \(describeByte(Array(b[k...k]), at: 0)); it has no separators", ai: ai, offset: k))
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
            guard let def = GS1ApplicationIdentifiers.definition(of: ai) else {
                errors.append(GS1Diagnostic(.unknownAI, "(\(ai)) is not an allocated AI", ai: ai, offset: i))
                i = k
                continue
            }
            found.append(Found(def: def, ai: ai, data: data, offset: i, dataOffset: j + 1))
            i = k
        }
        return found
    }

    // MARK: Digital Link (GS1 Digital Link standard, URI syntax)

    mutating func digitalLink(from start: Int, requirePrimaryKey: Bool) -> (GS1InputKind, [Found]) {
        guard isHTTP(at: start) else {
            errors.append(GS1Diagnostic(.digitalLink, "a Digital Link URI starts with http:// or https://", offset: start))
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
               def.primaryKeyQualifiers != nil, seg.text.allSatisfy(isDigit) {
                keyIndex = n
                break
            }
        }
        guard let k = keyIndex else {
            if requirePrimaryKey {
                errors.append(GS1Diagnostic(.digitalLink, "the URI path has no GS1 primary key such as /01/{gtin}", offset: start))
                return (.digitalLink, [])
            }
            return (.plain, [])
        }
        var found: [Found] = []
        let rest = segments[k...]
        if rest.count % 2 != 0 {
            errors.append(GS1Diagnostic(.digitalLink, "the URI path after the primary key must be AI/value pairs; a value is missing", offset: segments.last!.offset))
        }
        var n = k
        while n + 1 < segments.count {
            let aiSeg = segments[n], valSeg = segments[n + 1]
            let ai = String(decoding: aiSeg.text, as: UTF8.self)
            guard let def = GS1ApplicationIdentifiers.definition(of: ai) else {
                errors.append(GS1Diagnostic(.digitalLink, "path segment \(quoted(ai)) is not an AI", offset: aiSeg.offset))
                n += 2
                continue
            }
            guard let value = percentDecoded(valSeg.text) else {
                errors.append(GS1Diagnostic(.digitalLink, "(\(ai)) value has a malformed percent-encoding", ai: ai, offset: valSeg.offset))
                n += 2
                continue
            }
            found.append(Found(def: def, ai: ai, data: value, offset: aiSeg.offset, dataOffset: valSeg.offset))
            n += 2
        }
        // Qualifier order: one of the primary key's qualifier sequences, in order.
        if let key = found.first, let sequences = key.def.primaryKeyQualifiers {
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
                let allowed = sequences.map { $0.isEmpty ? "none" : $0.joined(separator: ", ") }.joined(separator: " or ")
                errors.append(GS1Diagnostic(.digitalLink, "(\(key.ai)) path qualifiers \(qualifiers.joined(separator: ", ")) are not allowed in this order; allowed: \(allowed)", ai: key.ai, offset: key.offset))
            }
        }
        // Query: numeric keys that are AIs are data attributes; other parameters are ignored.
        if end < b.count, b[end] == 63 {
            var q = end + 1
            while q < b.count, b[q] != 35 {
                var t = q
                while t < b.count, b[t] != 38, b[t] != 35 { t += 1 }
                var eq = q
                while eq < t, b[eq] != 61 { eq += 1 }
                let key = Array(b[q..<eq])
                if !key.isEmpty, key.allSatisfy(isDigit) {
                    let ai = String(decoding: key, as: UTF8.self)
                    if let def = GS1ApplicationIdentifiers.definition(of: ai) {
                        if eq >= t {
                            errors.append(GS1Diagnostic(.digitalLink, "query parameter \(ai) has no value", ai: ai, offset: q))
                        } else if let value = percentDecoded(Array(b[(eq + 1)..<t])) {
                            if !def.isDigitalLinkAttribute || def.primaryKeyQualifiers != nil {
                                errors.append(GS1Diagnostic(.digitalLink, "(\(ai)) may not be a Digital Link query attribute", ai: ai, offset: q))
                            }
                            found.append(Found(def: def, ai: ai, data: value, offset: q, dataOffset: eq + 1))
                        } else {
                            errors.append(GS1Diagnostic(.digitalLink, "(\(ai)) value has a malformed percent-encoding", ai: ai, offset: eq + 1))
                        }
                    }
                }
                q = t < b.count && b[t] == 38 ? t + 1 : t
            }
        }
        return (.digitalLink, found)
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
        var errs = f.errors
        let def = f.def
        let ai = f.ai
        let data = f.data
        var pos = 0
        var parts: [ArraySlice<UInt8>] = []
        if errs.isEmpty {
            for comp in def.components {
                let remaining = data.count - pos
                if remaining == 0 && comp.isOptional { break }
                let take = comp.isFixedLength ? comp.maxLength : min(remaining, comp.maxLength)
                if remaining < (comp.isFixedLength ? comp.maxLength : 1) {
                    errs.append(GS1Diagnostic(.dataTooShort, "(\(ai)) needs at least \(def.minLength) characters, found \(data.count) (\(quoted(data)))", ai: ai, offset: f.dataOffset))
                    break
                }
                let part = data[pos..<(pos + take)]
                if let bad = part.firstIndex(where: { !GS1Check.isMember($0, of: comp.characterSet) }) {
                    errs.append(GS1Diagnostic(.invalidCharacter, "(\(ai)) character \(describeByte(data, at: bad)) is not allowed: \(setName(comp.characterSet)) (\(quoted(data)))", ai: ai, offset: f.dataOffset + bad))
                    break
                }
                if let check = comp.check, let message = checkComponent(check, part, ai: ai, data: data) {
                    errs.append(GS1Diagnostic(check == .checkDigit || check == .checkPair ? .checkDigit : check.isDate ? .invalidDate : .invalidValue, message, ai: ai, offset: f.dataOffset + pos))
                }
                parts.append(part)
                pos += take
            }
            if errs.isEmpty, pos < data.count {
                errs.append(GS1Diagnostic(.dataTooLong, "(\(ai)) allows at most \(def.maxLength) characters, found \(data.count) (\(quoted(data)))", ai: ai, offset: f.dataOffset + pos))
            }
        }
        let value = typedValue(def, parts: parts, data: data, valid: errs.isEmpty)
        return GS1Element(ai: ai, title: def.title, raw: String(decoding: data, as: UTF8.self), value: value,
                          offset: f.offset, warnings: f.warnings, errors: errs)
    }

    func describeByte(_ data: [UInt8], at i: Int) -> String {
        let c = data[i]
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
    func checkComponent(_ check: GS1ComponentCheck, _ p: ArraySlice<UInt8>, ai: String, data: [UInt8]) -> String? {
        let text = String(decoding: p, as: UTF8.self)
        switch check {
        case .checkDigit:
            let expected = GS1Check.checkDigit(p.dropLast())!
            let got = Int(p.last! - 48)
            return got == expected ? nil : "(\(ai)) \(text) has check digit \(got), expected \(expected)"
        case .checkPair:
            guard p.count >= 3, let pair = GS1Check.checkPair(p.dropLast(2)) else {
                return "(\(ai)) \(text) cannot carry a check character pair"
            }
            return pair[0] == p[p.endIndex - 2] && pair[1] == p[p.endIndex - 1]
                ? nil : "(\(ai)) \(text) has check characters \(text.suffix(2)), expected \(String(decoding: pair, as: UTF8.self))"
        case .yymmdd, .yymmd0, .yyyymmdd:
            if case .failure(let m) = date(check, p, ai: ai) { return m }
            return nil
        case .hhmi:
            let h = asciiNumber(p.prefix(2))!, m = asciiNumber(p.suffix(2))!
            return h <= 23 && m <= 59 ? nil : "(\(ai)) time \(text) does not exist (HHMM)"
        case .hh: return asciiNumber(p)! <= 23 ? nil : "(\(ai)) hour \(text) does not exist"
        case .mi: return asciiNumber(p)! <= 59 ? nil : "(\(ai)) minute \(text) does not exist"
        case .ss: return asciiNumber(p)! <= 59 ? nil : "(\(ai)) second \(text) does not exist"
        case .iso3166, .iso3166or999, .iso4217:
            // Format only: three digits (code lists are not built in; see docs/gs1.md).
            return nil
        case .iso3166alpha2:
            return p.allSatisfy({ $0 >= 65 && $0 <= 90 }) ? nil : "(\(ai)) \(text) is not an ISO 3166 alpha-2 country code"
        case .yesNo: return p.first! <= 49 ? nil : "(\(ai)) must be 0 or 1, found \(text)"
        case .nonZero: return p.contains(where: { $0 != 48 }) ? nil : "(\(ai)) \(text) must not be zero"
        case .zero: return p.first! == 48 ? nil : "(\(ai)) must start with the digit 0, found \(text)"
        case .winding: return [48, 49, 57].contains(p.first!) ? nil : "(\(ai)) winding direction must be 0, 1 or 9, found \(text)"
        case .pieceOfTotal:
            let n = asciiNumber(p.prefix(2))!, t = asciiNumber(p.suffix(2))!
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
                } else { i += 1 }
            }
            return nil
        case .hyphen: return p.first! == 45 ? nil : "(\(ai)) the sign must be \"-\", found \(text)"
        case .mediaType:
            let v = asciiNumber(p)!
            return (1...10).contains(v) || (80...99).contains(v) ? nil : "(\(ai)) media type \(text) is not allocated"
        case .iso5218: return [48, 49, 50, 57].contains(p.first!) ? nil : "(\(ai)) sex code must be 0, 1, 2 or 9, found \(text)"
        case .positionSlash:
            let a = p[p.startIndex], s = p[p.startIndex + 1], t = p[p.startIndex + 2]
            guard isDigit(a), s == 47, isDigit(t), a >= 49, a <= t else { return "(\(ai)) \(text) must be position/total like 1/2" }
            return nil
        case .noZeroPrefix: return p.count > 1 && p.first! == 48 ? "(\(ai)) \(text) must not start with 0" : nil
        case .hasNonDigit: return p.contains(where: { !isDigit($0) }) ? nil : "(\(ai)) \(text) must contain a non-digit"
        case .iban: return GS1Check.isValidIBAN(p) ? nil : "(\(ai)) \(text) is not a valid IBAN"
        }
    }

    enum DateOutcome { case success(GS1Date), failure(String) }

    func date(_ check: GS1ComponentCheck, _ p: ArraySlice<UInt8>, ai: String) -> DateOutcome {
        let text = String(decoding: p, as: UTF8.self)
        let year: Int, mm: Int, dd: Int
        if check == .yyyymmdd {
            year = asciiNumber(p.prefix(4))!
            mm = asciiNumber(p.dropFirst(4).prefix(2))!
            dd = asciiNumber(p.suffix(2))!
        } else {
            year = GS1Date.year(fromTwoDigits: asciiNumber(p.prefix(2))!, relativeTo: parser.today)
            mm = asciiNumber(p.dropFirst(2).prefix(2))!
            dd = asciiNumber(p.suffix(2))!
        }
        guard (1...12).contains(mm) else { return .failure("(\(ai)) month \(pad(mm, 2)) does not exist (\(text))") }
        let monthName = GS1Date.monthNames[mm - 1]
        if dd == 0 {
            guard check == .yymmd0, ["11", "12", "13", "15", "16", "17"].contains(ai) else {
                return .failure("(\(ai)) day 00 is only allowed for AIs 11 to 17 (\(text))")
            }
            return .success(GS1Date(year: year, month: mm, day: GS1Date.daysIn(month: mm, year: year))!)
        }
        guard let d = GS1Date(year: year, month: mm, day: dd) else {
            return .failure("(\(ai)) day \(dd) does not exist in \(monthName) \(year) (\(text))")
        }
        return .success(d)
    }

    func typedValue(_ def: GS1ApplicationIdentifier, parts: [ArraySlice<UInt8>], data: [UInt8], valid: Bool) -> GS1Value {
        switch def.semantics {
        case .key:
            // Keep the digits even when the check digit is wrong, so callers can show what was read.
            return data.allSatisfy(isDigit) || valid ? .key(String(decoding: data, as: UTF8.self)) : .invalid
        case _ where !valid:
            return .invalid
        case .text:
            return .text(String(decoding: data, as: UTF8.self))
        case .count:
            return .count(asciiNumber(data)!)
        case .date:
            let check = def.components[0].check!
            guard case .success(let d) = date(check, parts[0], ai: def.ai) else { return .invalid }
            if def.ai == "7007", parts.count == 2, case .success(let d2) = date(.yymmdd, parts[1], ai: def.ai) {
                return .dateRange(d, d2)
            }
            if parts.count >= 2, def.components[1].check == .hhmi {
                return .date(d, time: GS1TimeOfDay(hour: asciiNumber(parts[1].prefix(2))!, minute: asciiNumber(parts[1].suffix(2))!, second: nil))
            }
            if parts.count >= 2, def.components[1].check == .hh {
                return .date(d, time: GS1TimeOfDay(
                    hour: asciiNumber(parts[1])!,
                    minute: parts.count > 2 ? asciiNumber(parts[2])! : nil,
                    second: parts.count > 3 ? asciiNumber(parts[3])! : nil))
            }
            return .date(d, time: nil)
        case .measure(let unit):
            return .measure(GS1Decimal(significand: Int64(asciiNumber(data)!), scale: def.decimals), unit)
        case .amount(let currency):
            if currency {
                return .amount(GS1Decimal(significand: Int64(asciiNumber(parts[1])!), scale: def.decimals),
                               currency: String(decoding: parts[0], as: UTF8.self))
            }
            return .amount(GS1Decimal(significand: Int64(asciiNumber(data)!), scale: def.decimals), currency: nil)
        case .percentage:
            return .percentage(GS1Decimal(significand: Int64(asciiNumber(data)!), scale: def.decimals))
        }
    }

    // MARK: Whole-message rules and the result

    mutating func finish(kind: GS1InputKind, aim: String?, inferred: Bool, start: Int, found: [Found]) -> GS1ParseResult {
        var elements = found.map { validate($0) }
        let scanWarnings = warnings
        let scanErrors = errors
        var extraErrors: [GS1Diagnostic] = []
        var extraWarnings: [GS1Diagnostic] = []
        if kind != .plain && kind != .gtin {
            pairing(&elements, errors: &extraErrors, warnings: &extraWarnings)
        }
        var allWarnings = scanWarnings
        var allErrors = scanErrors
        for e in elements {
            allWarnings += e.warnings
            allErrors += e.errors
        }
        allWarnings += extraWarnings
        allErrors += extraErrors
        allWarnings.sort { ($0.offset ?? -1) < ($1.offset ?? -1) }
        allErrors.sort { ($0.offset ?? -1) < ($1.offset ?? -1) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[min(start, b.count)...]), as: UTF8.self)
        return GS1ParseResult(input: input, aimIdentifier: aim, kind: kind, wasInferred: inferred, text: text,
                              elements: elements, warnings: allWarnings, errors: allErrors)
    }

    /// Duplicates (GenSpecs 4.14.1), invalid pairs (4.14.1) and mandatory associations (4.14.2).
    func pairing(_ elements: inout [GS1Element], errors: inout [GS1Diagnostic], warnings: inout [GS1Diagnostic]) {
        var seen: [String: Int] = [:]
        for (n, e) in elements.enumerated() {
            if let first = seen[e.ai] {
                if elements[first].raw == e.raw {
                    let w = GS1Diagnostic(.duplicateAI, "(\(e.ai)) appears twice with the same value", ai: e.ai, offset: e.offset)
                    elements[n].warnings.append(w)
                    warnings.append(w)
                } else {
                    let err = GS1Diagnostic(.duplicateAI, "(\(e.ai)) appears twice with different values \(quoted(elements[first].raw)) and \(quoted(e.raw))", ai: e.ai, offset: e.offset)
                    elements[n].errors.append(err)
                    errors.append(err)
                }
            } else {
                seen[e.ai] = n
            }
        }
        let present = Array(seen.keys)
        var reportedPairs = Set<String>()
        for e in elements where seen[e.ai] != nil {
            guard let def = GS1ApplicationIdentifiers.definition(of: e.ai) else { continue }
            for pattern in def.excludes {
                for other in present where other != e.ai && matches(other, pattern) {
                    let key = min(e.ai, other) + "|" + max(e.ai, other)
                    if reportedPairs.insert(key).inserted {
                        errors.append(GS1Diagnostic(.invalidPair, "(\(e.ai)) must not appear with (\(other))", ai: e.ai, offset: e.offset))
                    }
                }
            }
            for group in def.requires {
                let satisfied = group.contains { alternative in
                    alternative.split(separator: "+").allSatisfy { part in present.contains { matches($0, String(part)) } }
                }
                if !satisfied {
                    let w = GS1Diagnostic(.missingAssociation, "(\(e.ai)) requires \(group.map { "(" + $0.replacingPlus() + ")" }.joined(separator: " or ")) on the same item", ai: e.ai, offset: e.offset)
                    if !warnings.contains(w) { warnings.append(w) }
                }
            }
        }
    }
}

extension GS1ComponentCheck {
    var isDate: Bool {
        switch self {
        case .yymmdd, .yymmd0, .yyyymmdd, .hhmi, .hh, .mi, .ss: return true
        default: return false
        }
    }
}

extension String {
    fileprivate func replacingPlus() -> String {
        split(separator: "+").joined(separator: ")+(")
    }
}

/// Whether `ai` matches `pattern`, where `n` stands for any digit (`310n`, `31nn`).
func matches(_ ai: String, _ pattern: String) -> Bool {
    let a = ai.utf8, p = pattern.utf8
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
    var out = "\""
    for u in s.unicodeScalars {
        if u.value == 0x1D { out += "<GS>" } else if u.value < 0x20 || u.value == 0x7F { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
    }
    return out + "\""
}

func quoted(_ bytes: [UInt8]) -> String { quoted(String(decoding: bytes, as: UTF8.self)) }
