import Foundation
import ScannerInput
import Testing

/// Golden fixture files: readable key-event scripts and the scans they must produce.
///
/// ```
/// # comment
/// == case name
/// scanner s2 layout=de terminators=enter,tab idle=200ms prefix=<STX> suffix=<ETX> aim=auto subst=F8:<GS> locks=caps,num
/// events: LEFTSHIFT↓ A↓ A↑ s2:Y↓↑ Ctrl+RIGHTBRACE Alt+0029 2⟳ +200ms flush | SYN_DROPPED SYN
/// expect: s1 "A<GS>" aim=]C1 prefix="<STX>" suffix="<ETX>" end=idle corrupt=events-dropped
/// ```
/// Event tokens: `KEY↓` press, `KEY↑` release, `KEY↓↑` both, `KEY⟳` autorepeat (value 2), each followed
/// by a SYN_REPORT, 1 ms apart; `sN:` before a token sends it to scanner sN (default s1);
/// `Shift+`/`Ctrl+`/`Alt+`/`AltGr+` chords (`Ctrl+Shift+6`); `Alt+0029` types keypad digits with Alt
/// held; `SYN_DROPPED`, `SYN`; `+Nms` advances the clock; `flush` asks every scanner to end an idle
/// scan; `|` ends one read (the scans of one read are collected together). After the script every
/// scanner is finished (end of input). Lines after `expect:` are scans rendered by `render(_:)`,
/// in order; `expect: none` for no scans.
struct ScriptCase: CustomTestStringConvertible, Sendable {
    var file: String
    var name: String
    var scanners: [(id: String, profile: ScannerProfile, caps: Bool, num: Bool)] = []
    var events: [String] = []
    var expected: [String] = []

    var testDescription: String { "\(file): \(name)" }

    static func loadAll() -> [ScriptCase] {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
            let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path)
        else { return [] }
        return files.filter { $0.hasSuffix(".script") }.sorted().flatMap { file -> [ScriptCase] in
            let text = (try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)) ?? ""
            return parse(text, file: file)
        }
    }

    static func parse(_ text: String, file: String) -> [ScriptCase] {
        var cases: [ScriptCase] = []
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("== ") {
                cases.append(ScriptCase(file: file, name: String(line.dropFirst(3))))
            } else if line.hasPrefix("scanner ") {
                cases[cases.count - 1].scanners.append(parseScanner(String(line.dropFirst(8))))
            } else if line.hasPrefix("events:") {
                cases[cases.count - 1].events += line.dropFirst(7).split(separator: " ").map(String.init)
            } else if line.hasPrefix("expect:") {
                let e = line.dropFirst(7).trimmingCharacters(in: .whitespaces)
                if e != "none" { cases[cases.count - 1].expected.append(e) }
            } else {
                cases[cases.count - 1].events.append("!bad-line:\(line)")
            }
        }
        return cases
    }

    static func parseScanner(_ spec: String) -> (id: String, profile: ScannerProfile, caps: Bool, num: Bool) {
        var parts = spec.split(separator: " ").map(String.init)
        let id = parts.removeFirst()
        var profile = ScannerProfile()
        var caps = false
        var num = true
        for part in parts {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            let key = kv[0]
            let value = kv.count > 1 ? kv[1] : ""
            switch key {
            case "layout": profile.layout = value
            case "variant": profile.variant = value
            case "terminators":
                profile.terminators = Set(value.split(separator: ",").compactMap { Terminator(rawValue: String($0)) })
            case "idle": profile.idleGap = value == "off" ? nil : .milliseconds(Int(value.dropLast(2))!)
            case "prefix": profile.prefix = unescape(value)
            case "suffix": profile.suffix = unescape(value)
            case "aim": profile.symbologyIdentifiers = SymbologyIdentifierMode(rawValue: value)!
            case "subst":
                for pair in value.split(separator: ",") {
                    let p = pair.split(separator: ":", maxSplits: 1)
                    profile.substitutions[KeyCode(name: String(p[0]))!] = unescape(String(p[1]))
                }
            case "locks":
                caps = value.contains("caps")
                num = value.contains("num")
            default: preconditionFailure("unknown scanner setting \(key) in fixture")
            }
        }
        return (id, profile, caps, num)
    }
}

/// ASCII control character names, 0x00-0x1F.
let controlNames = [
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
    "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
]

/// Text with control characters as `<GS>`, DEL as `<DEL>`, C1 controls and NBSP as `<U+0081>`, `"` and `\` escaped.
func escape(_ s: String) -> String {
    var out = ""
    for u in s.unicodeScalars {
        switch u.value {
        case 0..<32: out += "<\(controlNames[Int(u.value)])>"
        case 0x7F: out += "<DEL>"
        case 0x80...0xA0: out += "<U+" + String(format: "%04X", u.value) + ">"
        case 0x22: out += "\\\""
        case 0x5C: out += "\\\\"
        default: out.unicodeScalars.append(u)
        }
    }
    return out
}

/// The inverse of `escape` for `<NAME>` control characters.
func unescape(_ s: String) -> String {
    var out = s
    for (i, name) in controlNames.enumerated() {
        out = out.replacingOccurrences(of: "<\(name)>", with: String(Unicode.Scalar(UInt8(i))))
    }
    return out.replacingOccurrences(of: "<DEL>", with: "\u{7F}")
}

/// One line per scan: `s1 "text"` then ` aim=`, ` prefix=`, ` suffix=`, ` end=` (unless Enter),
/// ` corrupt=` when present.
func render(_ scan: Scan) -> String {
    var line = "\(scan.scannerID) \"\(escape(scan.text))\""
    if let aim = scan.symbologyIdentifier { line += " aim=\(aim)" }
    if let p = scan.prefix { line += " prefix=\"\(escape(p))\"" }
    if let s = scan.suffix { line += " suffix=\"\(escape(s))\"" }
    if scan.end != .terminator(.enter) { line += " end=\(scan.end)" }
    if let c = scan.corruption { line += " corrupt=\(c.code)" }
    return line
}

enum ScriptError: Error, CustomStringConvertible {
    case badToken(String)
    var description: String {
        switch self {
        case .badToken(let t): "fixture token '\(t)' is not understood"
        }
    }
}

/// Turns script tokens into per-scanner events and drives one `ScanDecoder` per scanner.
struct ScriptRunner {
    var decoders: [String: ScanDecoder] = [:]
    var clock: Duration = .seconds(1000)
    var scans: [Scan] = []
    var reads: [[Scan]] = []
    /// Every event fed, per scanner, in order (for the evemu round-trip tests).
    var fed: [String: [InputEvent]] = [:]

    init(_ script: ScriptCase) throws {
        var specs = script.scanners
        if specs.isEmpty || !specs.contains(where: { $0.id == "s1" }) {
            specs.append(("s1", ScannerProfile(), false, true))
        }
        for spec in specs {
            let d = try ScanDecoder(scannerID: spec.id, profile: spec.profile)
            d.keys.setLocks(capsLock: spec.caps, numLock: spec.num)
            decoders[spec.id] = d
        }
    }

    static let modifierKeys = [
        "Shift": "LEFTSHIFT", "Ctrl": "LEFTCTRL", "Alt": "LEFTALT", "AltGr": "RIGHTALT", "RShift": "RIGHTSHIFT",
        "RCtrl": "RIGHTCTRL", "RAlt": "RIGHTALT",
    ]

    /// Expands one token into (scanner, event) pairs or control actions.
    mutating func run(_ tokens: [String]) throws {
        var batch: [(String, InputEvent)] = []
        func tick() -> Duration {
            clock += .milliseconds(1)
            return clock
        }
        func key(_ scanner: String, _ name: String, _ value: Int32) throws {
            guard let code = KeyCode(name: name) else { throw ScriptError.badToken(name) }
            batch.append((scanner, .key(code, value, at: tick())))
            batch.append((scanner, .synReport(at: clock)))
        }
        func endRead() {
            var read: [Scan] = []
            var byScanner: [String: [InputEvent]] = [:]
            // One read per scanner: each scanner's events of this batch go in as one batch, but the
            // scans are ordered by the time they completed so interleaving stays visible.
            for (id, event) in batch {
                byScanner[id, default: []].append(event)
                fed[id, default: []].append(event)
            }
            for (id, events) in byScanner { read += decoders[id]!.consume(events) }
            read.sort { $0.monotonicTime < $1.monotonicTime }
            reads.append(read)
            scans += read
            batch = []
        }
        for token in tokens {
            var scanner = "s1"
            var t = Substring(token)
            if let colon = t.firstIndex(of: ":"), t.hasPrefix("s"),
                t[t.index(after: t.startIndex)..<colon].allSatisfy(\.isNumber)
            {
                scanner = String(t[..<colon])
                t = t[t.index(after: colon)...]
                guard decoders[scanner] != nil else { throw ScriptError.badToken(token) }
            }
            if t == "|" {
                endRead()
                continue
            }
            if t == "flush" {
                endRead()
                var read: [Scan] = []
                for id in decoders.keys.sorted() { read += decoders[id]!.flush(at: clock) }
                reads.append(read)
                scans += read
                continue
            }
            if t.hasPrefix("+"), t.hasSuffix("ms"), let ms = Int(t.dropFirst().dropLast(2)) {
                clock += .milliseconds(ms)
                continue
            }
            if t == "SYN_DROPPED" {
                batch.append((scanner, .syncDropped(at: tick())))
                continue
            }
            if t == "SYN" {
                batch.append((scanner, .synReport(at: tick())))
                continue
            }
            if t.hasPrefix("!bad-line:") { throw ScriptError.badToken(String(t)) }
            if t.contains("+") {
                var parts = t.split(separator: "+").map(String.init)
                let last = parts.removeLast()
                let mods = try parts.map { p throws -> String in
                    guard let k = Self.modifierKeys[p] else { throw ScriptError.badToken(token) }
                    return k
                }
                for m in mods { try key(scanner, m, 1) }
                if mods.count == 1, parts[0] == "Alt" || parts[0] == "RAlt", last.allSatisfy(\.isNumber) {
                    for d in last {
                        try key(scanner, "KP\(d)", 1)
                        try key(scanner, "KP\(d)", 0)
                    }
                } else {
                    try key(scanner, last, 1)
                    try key(scanner, last, 0)
                }
                for m in mods.reversed() { try key(scanner, m, 0) }
                continue
            }
            if t.hasSuffix("↓↑") {
                let n = String(t.dropLast(2))
                try key(scanner, n, 1)
                try key(scanner, n, 0)
                continue
            }
            if t.hasSuffix("↓") {
                try key(scanner, String(t.dropLast()), 1)
                continue
            }
            if t.hasSuffix("↑") {
                try key(scanner, String(t.dropLast()), 0)
                continue
            }
            if t.hasSuffix("⟳") {
                try key(scanner, String(t.dropLast()), 2)
                continue
            }
            throw ScriptError.badToken(token)
        }
        endRead()
        var rest: [Scan] = []
        for id in decoders.keys.sorted() { rest += decoders[id]!.finish(at: clock) }
        reads.append(rest)
        scans += rest
    }
}
