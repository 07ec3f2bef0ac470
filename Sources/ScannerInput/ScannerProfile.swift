#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A key that ends a scan.
public enum Terminator: String, Sendable, Hashable, CaseIterable, Codable {
    /// CR: the Enter key, or CR made by Ctrl+M or Alt+013. A LF right after it belongs to it (CR LF counts once).
    case enter
    /// The keypad's Enter key.
    case keypadEnter = "keypad-enter"
    /// HT: the Tab key, Ctrl+I or Alt+009.
    case tab
    /// LF on its own: Ctrl+J or Alt+010.
    case lineFeed = "line-feed"
}

/// What to do with AIM symbology identifiers (ISO/IEC 15424) at the start of a scan.
public enum SymbologyIdentifierMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// Split one off when the scan starts with `]`, a letter and a letter or digit.
    case auto
    /// Every scan must start with one; a scan without is corrupt.
    case required
    /// Never split (for data that may itself start with `]`).
    case off
}

/// A rule saying which input devices are scanners. Devices no rule matches are never opened for
/// grabbing (depot must never swallow a real keyboard).
///
/// Text forms (configuration): `05e0:1200` or `05e0:*` or `05e0` (USB vendor[:product], hex);
/// `by-id:GLOB` and `by-path:GLOB` (names under /dev/input/by-id, by-path); `name:GLOB` (the
/// kernel device name). Globs are fnmatch(3) patterns.
public enum ScannerMatch: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Vendor id, and product id unless any product of the vendor matches.
    case usb(vendor: UInt16, product: UInt16?)
    /// A glob over the device's /dev/input/by-id names.
    case byID(String)
    /// A glob over the device's /dev/input/by-path names.
    case byPath(String)
    /// A glob over the device name.
    case name(String)

    /// Parses the text form.
    /// - Throws: `ScannerProfileError.invalidValue` naming `matches` and the value.
    public init(parsing text: String) throws(ScannerProfileError) {
        func bad(_ why: String) -> ScannerProfileError { .invalidValue(field: "matches", value: text, reason: why) }
        for (prefix, make) in [
            ("by-id:", ScannerMatch.byID), ("by-path:", ScannerMatch.byPath), ("name:", ScannerMatch.name),
        ] {
            if text.hasPrefix(prefix) {
                let glob = String(text.dropFirst(prefix.count))
                guard !glob.isEmpty else { throw bad("the glob after '\(prefix)' is empty") }
                self = make(glob)
                return
            }
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let vendor = UInt16(parts[0], radix: 16), parts[0].count == 4 else {
            throw bad("expected vendor:product in hex (05e0:1200, 05e0:*), by-id:GLOB, by-path:GLOB or name:GLOB")
        }
        if parts.count == 1 || parts[1] == "*" {
            self = .usb(vendor: vendor, product: nil)
        } else if let product = UInt16(parts[1], radix: 16), parts[1].count == 4 {
            self = .usb(vendor: vendor, product: product)
        } else {
            throw bad("the product id '\(parts[1])' is not 4 hex digits or '*'")
        }
    }

    /// The text form (`05e0:1200`, `05e0:*`, `by-id:...`, `by-path:...`, `name:...`).
    public var description: String {
        let hex = { (v: UInt16) in String(repeating: "0", count: 4 - String(v, radix: 16).count) + String(v, radix: 16)
        }
        switch self {
        case .usb(let v, let p): return hex(v) + ":" + (p.map(hex) ?? "*")
        case .byID(let g): return "by-id:" + g
        case .byPath(let g): return "by-path:" + g
        case .name(let g): return "name:" + g
        }
    }

    /// Whether a device with these properties matches.
    /// - Parameters: vendor/product from EVIOCGID or sysfs; byID/byPath the link names (not paths).
    public func matches(name: String, vendor: UInt16, product: UInt16, byID: [String], byPath: [String]) -> Bool {
        switch self {
        case .usb(let v, let p): return v == vendor && (p == nil || p == product)
        case .byID(let g): return byID.contains { Self.glob(g, $0) }
        case .byPath(let g): return byPath.contains { Self.glob(g, $0) }
        case .name(let g): return Self.glob(g, name)
        }
    }

    static func glob(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern, text, 0) == 0
    }

    /// USB vendors that make barcode scanners (USB-IF vendor ids): Symbol/Zebra 05e0,
    /// Metrologic/Honeywell 0c2e, Hand Held Products 0536, Datalogic 05f9, Newland 1eab, Opticon 065a,
    /// Zebra Technologies 0a5f.
    public static let knownScannerVendors: [ScannerMatch] =
        [0x05e0, 0x0c2e, 0x0536, 0x05f9, 0x1eab, 0x065a, 0x0a5f].map { .usb(vendor: $0, product: nil) }

    /// Decodes the text form.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try ScannerMatch(parsing: text)
    }

    /// Encodes the text form.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A bad scanner profile setting.
public enum ScannerProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `field` has a value depot cannot use.
    case invalidValue(field: String, value: String, reason: String)

    /// "scanner profile: matches = 'xyz' is invalid: ...".
    public var description: String {
        switch self {
        case .invalidValue(let field, let value, let reason):
            "scanner profile: \(field) = '\(value)' is invalid: \(reason)"
        }
    }
}

/// How one kind of scanner is found, decoded and framed. Configuration keys (JSON/Codable names):
/// `matches`, `layout`, `variant`, `terminators`, `idleGapMilliseconds`, `substitutions`, `prefix`,
/// `suffix`, `symbologyIdentifiers` (docs/scanning.md lists them with examples).
public struct ScannerProfile: Sendable, Equatable, Codable {
    /// Which devices use this profile; default: the known scanner vendors.
    public var matches: [ScannerMatch]
    /// xkb layout the scanner's "keyboard country" is set to; default `us`.
    public var layout: String
    /// xkb variant of the layout; default none.
    public var variant: String?
    /// Keys that end a scan; default Enter and keypad Enter.
    public var terminators: Set<Terminator>
    /// A scan with no terminator ends after this much silence; nil = never. Default 500 ms.
    public var idleGap: Duration?
    /// Keys replaced by fixed text (e.g. F8 → GS).
    public var substitutions: [KeyCode: String]
    /// Text the scanner is set to send before every scan; stripped and kept in `Scan.prefix`.
    public var prefix: String?
    /// Text the scanner is set to send after every scan (before the terminator); stripped and kept.
    public var suffix: String?
    /// AIM symbology identifier handling; default `auto`.
    public var symbologyIdentifiers: SymbologyIdentifierMode

    /// Creates a profile; every parameter has the documented default.
    public init(
        matches: [ScannerMatch] = ScannerMatch.knownScannerVendors,
        layout: String = "us",
        variant: String? = nil,
        terminators: Set<Terminator> = [.enter, .keypadEnter],
        idleGap: Duration? = .milliseconds(500),
        substitutions: [KeyCode: String] = [:],
        prefix: String? = nil,
        suffix: String? = nil,
        symbologyIdentifiers: SymbologyIdentifierMode = .auto
    ) {
        self.matches = matches
        self.layout = layout
        self.variant = variant
        self.terminators = terminators
        self.idleGap = idleGap
        self.substitutions = substitutions
        self.prefix = prefix
        self.suffix = suffix
        self.symbologyIdentifiers = symbologyIdentifiers
    }

    enum CodingKeys: String, CodingKey {
        case matches, layout, variant, terminators, idleGapMilliseconds, substitutions, prefix, suffix,
            symbologyIdentifiers
    }

    /// Decodes configuration; absent keys take their defaults.
    /// - Throws: `ScannerProfileError.invalidValue` naming the key and value, or `DecodingError`
    ///   for a value of the wrong JSON type.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ScannerProfile()
        matches = try c.decodeIfPresent([ScannerMatch].self, forKey: .matches) ?? d.matches
        layout = try c.decodeIfPresent(String.self, forKey: .layout) ?? d.layout
        variant = try c.decodeIfPresent(String.self, forKey: .variant)
        if let names = try c.decodeIfPresent([String].self, forKey: .terminators) {
            terminators = try Set(
                names.map { name throws(ScannerProfileError) in
                    guard let t = Terminator(rawValue: name) else {
                        throw .invalidValue(
                            field: "terminators",
                            value: name,
                            reason: "expected enter, keypad-enter, tab or line-feed"
                        )
                    }
                    return t
                }
            )
        } else {
            terminators = d.terminators
        }
        if let ms = try c.decodeIfPresent(Int.self, forKey: .idleGapMilliseconds) {
            guard ms >= 0 else {
                throw ScannerProfileError.invalidValue(
                    field: "idleGapMilliseconds",
                    value: String(ms),
                    reason: "must be 0 (off) or more"
                )
            }
            idleGap = ms == 0 ? nil : .milliseconds(ms)
        } else {
            idleGap = d.idleGap
        }
        var subs: [KeyCode: String] = [:]
        for (name, text) in try c.decodeIfPresent([String: String].self, forKey: .substitutions) ?? [:] {
            guard let key = KeyCode(name: name) else {
                throw ScannerProfileError.invalidValue(
                    field: "substitutions",
                    value: name,
                    reason: "not an evdev key name (F8, KEY_F12, ...)"
                )
            }
            subs[key] = text
        }
        substitutions = subs
        prefix = try c.decodeIfPresent(String.self, forKey: .prefix)
        suffix = try c.decodeIfPresent(String.self, forKey: .suffix)
        if let mode = try c.decodeIfPresent(String.self, forKey: .symbologyIdentifiers) {
            guard let m = SymbologyIdentifierMode(rawValue: mode) else {
                throw ScannerProfileError.invalidValue(
                    field: "symbologyIdentifiers",
                    value: mode,
                    reason: "expected auto, required or off"
                )
            }
            symbologyIdentifiers = m
        } else {
            symbologyIdentifiers = d.symbologyIdentifiers
        }
        if prefix == "" {
            throw ScannerProfileError.invalidValue(field: "prefix", value: "", reason: "leave it out instead of empty")
        }
        if suffix == "" {
            throw ScannerProfileError.invalidValue(field: "suffix", value: "", reason: "leave it out instead of empty")
        }
    }

    /// Encodes with the same keys.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(matches, forKey: .matches)
        try c.encode(layout, forKey: .layout)
        try c.encodeIfPresent(variant, forKey: .variant)
        try c.encode(Terminator.allCases.filter(terminators.contains).map(\.rawValue), forKey: .terminators)
        let ms =
            idleGap.map { Int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? 0
        try c.encode(ms, forKey: .idleGapMilliseconds)
        try c.encode(
            Dictionary(uniqueKeysWithValues: substitutions.map { ($0.key.name, $0.value) }),
            forKey: .substitutions
        )
        try c.encodeIfPresent(prefix, forKey: .prefix)
        try c.encodeIfPresent(suffix, forKey: .suffix)
        try c.encode(symbologyIdentifiers.rawValue, forKey: .symbologyIdentifiers)
    }
}
