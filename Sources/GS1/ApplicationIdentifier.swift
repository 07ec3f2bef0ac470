// The GS1 application identifier table: what each AI's data looks like and what it means.
// Source: GS1 General Specifications (Release 25), section 3 (AI definitions, Figure 3.2-1),
// 4.14 (pairing rules: invalid pairs and mandatory associations), 7.8.5 (predefined-length AIs)
// and the GS1 Digital Link standard 1.x (primary keys and key qualifiers).

/// The GS1 character set an AI data component is drawn from.
///
/// Source: GS1 General Specifications 7.11 (Figures 7.11-1 to 7.11-3).
public enum GS1CharacterSet: String, Sendable, Hashable, Codable {
    /// ASCII digits `0`-`9` only ("N" in the format column).
    case numeric = "N"
    /// GS1 AI encodable character set 82 ("X"): digits, letters and `!"%&'()*+,-./:;<=>?_`.
    case cset82 = "X"
    /// GS1 AI encodable character set 39 ("Y"): digits, upper-case letters and `#-/`.
    case cset39 = "Y"
    /// GS1 AI encodable character set 64 ("Z"): the file-safe base64 alphabet (RFC 4648 §5) with `=`.
    case cset64 = "Z"
}

/// A content check applied to one data component, beyond its character set and length.
///
/// Source: GS1 General Specifications 3.x per AI and 7.9 (check digits), 7.12 (dates).
public enum GS1ComponentCheck: String, Sendable, Hashable, Codable {
    /// GS1 mod-10 check digit over the whole component (GenSpecs 7.9.1).
    case checkDigit
    /// GS1 check character pair over an alphanumeric component, e.g. GMN (GenSpecs 7.9.5).
    case checkPair
    /// Date YYMMDD; day 00 is an error (GenSpecs 7.12).
    case yymmdd
    /// Date YYMMDD where day 00 means the last day of the month (AIs 11 to 17, GenSpecs 3.4.x).
    case yymmd0
    /// Date YYYYMMDD (AIs 7250, 7251).
    case yyyymmdd
    /// Time HHMI, 00-23 and 00-59.
    case hhmi
    /// Hours HH, 00-23.
    case hh
    /// Minutes MI, 00-59.
    case mi
    /// Seconds SS, 00-59.
    case ss
    /// ISO 3166-1 numeric country code (three digits).
    case iso3166
    /// ISO 3166-1 numeric country code, or 999 for "unknown" (AIs 7030-7039).
    case iso3166or999
    /// ISO 3166-1 alpha-2 country code (two upper-case letters).
    case iso3166alpha2
    /// ISO 4217 numeric currency code (three digits).
    case iso4217
    /// 0 or 1.
    case yesNo
    /// Not all zeros.
    case nonZero
    /// Exactly the digit 0 (the filler digit of GRAI, AI 8003).
    case zero
    /// Winding direction 0, 1 or 9 (AI 8001).
    case winding
    /// Piece number of total, NNTT with 0 < NN <= TT (AIs 8006, 8026).
    case pieceOfTotal
    /// Latitude, 10 digits: (degrees + 90) × 10^7, at most 1800000000 (AI 4309).
    case latitude
    /// Longitude, 10 digits: (degrees + 180) × 10^7, at most 3600000000 (AI 4309).
    case longitude
    /// Valid percent-encoding (`%` followed by two hexadecimal digits).
    case percentEncoded
    /// A single hyphen, the minus sign of a temperature (AIs 4330-4333).
    case hyphen
    /// AIDC media type 01-10 or 80-99 (AI 7241).
    case mediaType
    /// ISO/IEC 5218 sex code: 0, 1, 2 or 9 (AI 7252).
    case iso5218
    /// Position in sequence "N/T" (AI 7258).
    case positionSlash
    /// No leading zero (AI 8011).
    case noZeroPrefix
    /// At least one non-digit (AI 8014).
    case hasNonDigit
    /// IBAN structure and mod-97 check (ISO 13616; AI 8007).
    case iban
}

/// One data component of an AI's format, e.g. `N3` (an ISO 4217 code) then `N..15` (an amount).
public struct GS1Component: Sendable, Hashable {
    /// Character set of the component.
    public let characterSet: GS1CharacterSet
    /// Minimum length in characters (equal to `maxLength` for fixed-length components).
    public let minLength: Int
    /// Maximum length in characters.
    public let maxLength: Int
    /// Whether the component may be absent (only trailing components are optional).
    public let isOptional: Bool
    /// Extra content check, if any.
    public let check: GS1ComponentCheck?

    /// Whether the component has a fixed length.
    public var isFixedLength: Bool { minLength == maxLength }
}

/// What an AI's value means, which decides its typed value in ``GS1Value``.
public enum GS1Semantics: Sendable, Hashable {
    /// Plain text or digits with no further meaning to depot.
    case text
    /// A GS1 identification key with a check digit (GTIN, SSCC, GLN, GSRN...), kept as digits.
    case key
    /// A calendar date (YYMMDD or YYYYMMDD, with or without a time part).
    case date
    /// A count of trade items or units (AIs 30, 37).
    case count
    /// A measure with an implied decimal point: the last AI digit is the number of decimals.
    case measure(GS1Unit)
    /// An amount payable with an implied decimal point; `currency` when a leading ISO 4217 code is present.
    case amount(currency: Bool)
    /// A percentage with an implied decimal point (AI 394n).
    case percentage
}

/// One application identifier and the rules for its data. Immutable; shared by reference so the
/// parser's hot path copies one pointer, not the definition.
///
/// Source: GS1 General Specifications 3.2 (Figure 3.2-1), 4.14 (pairing), 7.8.5 (separators).
public final class GS1ApplicationIdentifier: Sendable {
    /// The AI digits, e.g. `"01"` or `"3103"`.
    public let ai: String
    /// The GenSpecs data title, e.g. `"BATCH/LOT"`.
    public let title: String
    /// Data components, in order.
    public let components: [GS1Component]
    /// Meaning of the value.
    public let semantics: GS1Semantics
    /// Whether a separator (FNC1/GS) must follow this AI when it is not last: true unless the AI's
    /// first two digits are in the predefined-length table (GenSpecs Figure 7.8.5-2).
    public let separatorRequired: Bool
    /// Mandatory associations: every inner list must be satisfied by one of its alternatives;
    /// an alternative is a `+`-joined list of AIs or patterns such as `"01+21"` or `"31nn"`
    /// (GenSpecs 4.14.2).
    public let requires: [[String]]
    /// Invalid pairs: AIs or patterns (`"310n"`) that must not appear with this AI (GenSpecs 4.14.1).
    public let excludes: [String]
    /// Digital Link: nil when the AI is not a primary key; otherwise the allowed qualifier sequences
    /// (each an ordered list of optional qualifiers; `[[]]` means no qualifiers).
    public let primaryKeyQualifiers: [[String]]?
    /// Whether the AI may appear as a Digital Link data attribute (query parameter).
    public let isDigitalLinkAttribute: Bool
    /// Minimum total data length.
    public let minLength: Int
    /// Maximum total data length.
    public let maxLength: Int
    /// Whether the data has one fixed length (all components fixed and none optional).
    public let isFixedLength: Bool
    /// Number of implied decimals for measures, amounts and percentages (the AI's last digit), else 0.
    public let decimals: Int
    /// Whether this is one of the internal AIs 90-99, which accept any CSET 82 text.
    let isInternal: Bool

    init(
        ai: String,
        title: String,
        components: [GS1Component],
        semantics: GS1Semantics,
        separatorRequired: Bool,
        requires: [[String]],
        excludes: [String],
        primaryKeyQualifiers: [[String]]?,
        isDigitalLinkAttribute: Bool
    ) {
        self.ai = ai
        self.title = title
        self.components = components
        self.semantics = semantics
        self.separatorRequired = separatorRequired
        self.requires = requires
        self.excludes = excludes
        self.primaryKeyQualifiers = primaryKeyQualifiers
        self.isDigitalLinkAttribute = isDigitalLinkAttribute
        minLength = components.reduce(0) { $0 + ($1.isOptional ? 0 : $1.minLength) }
        maxLength = components.reduce(0) { $0 + $1.maxLength }
        isFixedLength = components.allSatisfy { $0.isFixedLength && !$0.isOptional }
        switch semantics {
        case .measure, .amount, .percentage: decimals = Int(ai.utf8.last! - 48)
        default: decimals = 0
        }
        isInternal = ai.utf8.count == 2 && ai.utf8.first == 57
    }
}

/// Pairing rules of one AI compiled for the parser: required associations as bit masks over
/// the distinct "parts" named in any `req` rule, invalid pairs as table indices.
final class CompiledPairing: Sendable {
    /// Table indices of AIs that must not appear with this one (never itself).
    let excludes: [Int]
    /// Alternatives as masks of required parts; groups end with a 0 entry. A group is met when
    /// one of its masks is contained in the mask of parts present.
    let requireMasks: [UInt64]
    /// The warning for each unmet group, prepared once.
    let requireMessages: [String]

    init(excludes: [Int], requireMasks: [UInt64], requireMessages: [String]) {
        self.excludes = excludes
        self.requireMasks = requireMasks
        self.requireMessages = requireMessages
    }
}

/// The parser's view of the AI table, built once: definitions, a dense lookup by AI value, and
/// the compiled pairing rules.
final class ParserTables: Sendable {
    static let shared = ParserTables()

    let all: [GS1ApplicationIdentifier]
    /// Table index by AI: 2-digit AIs at 0..<100, 3-digit at 100..<1100, 4-digit at 1100..<11100; -1 = unallocated.
    let lookup: [Int16]
    let pairing: [CompiledPairing]
    /// Per table index, the mask of requirement parts the AI satisfies.
    let partMask: [UInt64]

    init() {
        let all = GS1ApplicationIdentifiers.all
        self.all = all
        var lookup = [Int16](repeating: -1, count: 11100)
        for (i, def) in all.enumerated() {
            let v = Int(def.ai)!
            switch def.ai.utf8.count {
            case 2: lookup[v] = Int16(i)
            case 3: lookup[100 + v] = Int16(i)
            default: lookup[1100 + v] = Int16(i)
            }
        }
        self.lookup = lookup
        // Distinct requirement parts ("01", "31nn", ...), each one bit.
        var parts: [String] = []
        for def in all {
            for group in def.requires {
                for alt in group {
                    for part in alt.split(separator: "+").map(String.init) where !parts.contains(part) {
                        parts.append(part)
                    }
                }
            }
        }
        precondition(parts.count <= 64, "GS1: more than 64 distinct requirement parts")
        partMask = all.map { def in
            var m: UInt64 = 0
            for (bit, part) in parts.enumerated() where matches(def.ai, part) { m |= 1 << UInt64(bit) }
            return m
        }
        pairing = all.map { def in
            var masks: [UInt64] = []
            for group in def.requires {
                for alt in group {
                    var m: UInt64 = 0
                    for part in alt.split(separator: "+") { m |= 1 << UInt64(parts.firstIndex(of: String(part))!) }
                    masks.append(m)
                }
                masks.append(0)
            }
            return CompiledPairing(
                excludes: all.indices.filter { i in
                    all[i].ai != def.ai && def.excludes.contains { matches(all[i].ai, $0) }
                },
                requireMasks: masks,
                requireMessages: def.requires.map { group in
                    "(\(def.ai)) requires "
                        + group.map { "(" + $0.split(separator: "+").joined(separator: ")+(") + ")" }
                        .joined(separator: " or ") + " on the same item"
                }
            )
        }
    }

    /// The table index of the AI with `length` digits and numeric `value`, or -1.
    @inline(__always)
    func index(length: Int, value: Int) -> Int {
        switch length {
        case 2: return Int(lookup[value])
        case 3: return Int(lookup[100 + value])
        case 4: return Int(lookup[1100 + value])
        default: return -1
        }
    }
}

/// Units of the measure AIs 310n-369n (GenSpecs 3.6.x).
public enum GS1Unit: String, Sendable, Hashable, Codable {
    /// Kilogram (310n, 330n).
    case kilogram = "kg"
    /// Metre (311n-313n, 331n-333n).
    case metre = "m"
    /// Square metre (314n, 334n).
    case squareMetre = "m2"
    /// Litre (315n, 335n).
    case litre = "l"
    /// Cubic metre (316n, 336n).
    case cubicMetre = "m3"
    /// Pound (320n, 340n).
    case pound = "lb"
    /// Inch (321n, 324n, 327n, 341n, 344n, 347n).
    case inch = "in"
    /// Foot (322n, 325n, 328n, 342n, 345n, 348n).
    case foot = "ft"
    /// Yard (323n, 326n, 329n, 343n, 346n, 349n).
    case yard = "yd"
    /// Square inch (350n, 353n).
    case squareInch = "in2"
    /// Square foot (351n, 354n).
    case squareFoot = "ft2"
    /// Square yard (352n, 355n).
    case squareYard = "yd2"
    /// Troy ounce (356n).
    case troyOunce = "oz t"
    /// US fluid ounce (357n).
    case fluidOunce = "fl oz"
    /// US quart (360n, 362n).
    case quart = "qt"
    /// US gallon (361n, 363n).
    case gallon = "gal"
    /// Cubic inch (364n, 367n).
    case cubicInch = "in3"
    /// Cubic foot (365n, 368n).
    case cubicFoot = "ft3"
    /// Cubic yard (366n, 369n).
    case cubicYard = "yd3"
    /// Kilogram per square metre (337n).
    case kilogramPerSquareMetre = "kg/m2"
}

/// The table of all application identifiers of the GS1 General Specifications.
public enum GS1ApplicationIdentifiers {
    /// Every defined AI, in lexical order.
    public static let all: [GS1ApplicationIdentifier] = buildTable()

    /// The definition of `ai`, or nil when it is not allocated.
    public static func definition(of ai: String) -> GS1ApplicationIdentifier? {
        tableIndex(of: ai).map { all[$0] }
    }

    /// Table index (in ``all``) of `ai`, or nil when it is not allocated.
    static func tableIndex(of ai: String) -> Int? {
        var n = 0
        var len = 0
        for c in ai.utf8 {
            guard c >= 48, c <= 57, len < 4 else { return nil }
            n = n * 10 + Int(c - 48)
            len += 1
        }
        let i = ParserTables.shared.index(length: len, value: n)
        return i < 0 ? nil : i
    }

    /// First two digits of AIs whose data has a predefined length, so that no separator is needed
    /// after them (GenSpecs Figure 7.8.5-2).
    static let predefinedLengthPrefixes: Set<String> = [
        "00", "01", "02", "03", "04", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20",
        "31", "32", "33", "34", "35", "36", "41",
    ]
}

// MARK: - The table as data

/// One row of the table in GenSpecs notation: the data format as whitespace-separated components
/// (`N14`, `X..20`, `[N..12]` optional), each optionally followed by `,check`.
private struct Row {
    let ai: String
    let format: String
    let title: String
    var semantics: GS1Semantics = .text
    var req: String = ""  // ";"-separated groups, each a ","-separated list of alternatives
    var ex: String = ""
    var dl: String? = nil  // "" = primary key without qualifiers; "22,10,21|235" = sequences
    var attr: Bool = true
}

private func r(
    _ ai: String,
    _ format: String,
    _ title: String,
    _ semantics: GS1Semantics = .text,
    req: String = "",
    ex: String = "",
    dl: String? = nil,
    attr: Bool = true
) -> Row {
    Row(ai: ai, format: format, title: title, semantics: semantics, req: req, ex: ex, dl: dl, attr: attr)
}

/// A range of AIs differing in the last digit (`base` + 0...`last`), e.g. 3100-3105.
private func range(
    _ base: String,
    _ last: Int,
    _ format: String,
    _ title: String,
    _ semantics: GS1Semantics,
    req: String = "",
    ex: String = "",
    attr: Bool = true
) -> [Row] {
    (0...last).map { d in
        r(base + String(d), format, title, semantics, req: req, ex: ex, attr: attr)
    }
}

/// Measure AIs n (0...5) with the GenSpecs exclusion of the same measure with another decimal position.
private func measure(_ base: String, _ title: String, _ unit: GS1Unit, req: String) -> [Row] {
    range(base, 5, "N6", title, .measure(unit), req: req, ex: base + "n")
}

private let tradeItem = "01,02"
private let logistic = "00,01"
private let withItem = "01,02,8006,8026"
private let withItemOr03 = "01,02,03,8006,8026"
private let measureContext = "30,31nn,32nn,35nn,36nn"

private let rows: [Row] = {
    var t: [Row] = [
        r("00", "N18,checkDigit", "SSCC", .key, dl: ""),
        r("01", "N14,checkDigit", "GTIN", .key, ex: "255,37", dl: "22,10,21|235"),
        r("02", "N14,checkDigit", "CONTENT", .key, req: "37", ex: "01,03"),
        r("03", "N14,checkDigit", "MTO GTIN", .key, ex: "01,02,37", attr: false),
        r("10", "X..20", "BATCH/LOT", req: withItemOr03),
        r("11", "N6,yymmd0", "PROD DATE", .date, req: withItemOr03),
        r("12", "N6,yymmd0", "DUE DATE", .date, req: "8020"),
        r("13", "N6,yymmd0", "PACK DATE", .date, req: withItemOr03),
        r("15", "N6,yymmd0", "BEST BEFORE or BEST BY", .date, req: withItemOr03),
        r("16", "N6,yymmd0", "SELL BY", .date, req: withItemOr03),
        r("17", "N6,yymmd0", "USE BY or EXPIRY", .date, req: "01,02,03,255,8006,8026"),
        r("20", "N2", "VARIANT", req: "01,02,8006,8026"),
        r("21", "X..20", "SERIAL", req: "01,03,8006", ex: "235", attr: false),
        r("22", "X..20", "CPV", req: "01", attr: false),
        r("235", "X..28", "TPX", req: "01", attr: false),
        r("240", "X..30", "ADDITIONAL ID", req: withItem),
        r("241", "X..30", "CUST. PART No.", req: withItem),
        r("242", "N..6", "MTO VARIANT", req: withItem),
        r("243", "X..20", "PCN", req: "01"),
        r("250", "X..30", "SECONDARY SERIAL", req: "01,8006;21"),
        r("251", "X..30", "REF. TO SOURCE", req: "01,8006"),
        r("253", "N13,checkDigit [X..17]", "GDTI", .key, dl: ""),
        r("254", "X..20", "GLN EXTENSION COMPONENT", req: "414", attr: false),
        r("255", "N13,checkDigit [N..12]", "GCN", .key, ex: "01,02,415,8006,8020,8026", dl: ""),
        r("30", "N..8", "VAR. COUNT", .count, req: tradeItem),
    ]
    // Trade measures (GenSpecs 3.6.2-3.6.9): net weight, dimensions, area and volume of a trade item.
    t += measure("310", "NET WEIGHT (kg)", .kilogram, req: tradeItem)
    t += measure("311", "LENGTH (m)", .metre, req: tradeItem)
    t += measure("312", "WIDTH (m)", .metre, req: tradeItem)
    t += measure("313", "HEIGHT (m)", .metre, req: tradeItem)
    t += measure("314", "AREA (m2)", .squareMetre, req: tradeItem)
    t += measure("315", "NET VOLUME (l)", .litre, req: tradeItem)
    t += measure("316", "NET VOLUME (m3)", .cubicMetre, req: tradeItem)
    t += measure("320", "NET WEIGHT (lb)", .pound, req: tradeItem)
    t += measure("321", "LENGTH (in)", .inch, req: tradeItem)
    t += measure("322", "LENGTH (ft)", .foot, req: tradeItem)
    t += measure("323", "LENGTH (yd)", .yard, req: tradeItem)
    t += measure("324", "WIDTH (in)", .inch, req: tradeItem)
    t += measure("325", "WIDTH (ft)", .foot, req: tradeItem)
    t += measure("326", "WIDTH (yd)", .yard, req: tradeItem)
    t += measure("327", "HEIGHT (in)", .inch, req: tradeItem)
    t += measure("328", "HEIGHT (ft)", .foot, req: tradeItem)
    t += measure("329", "HEIGHT (yd)", .yard, req: tradeItem)
    // Logistic measures (GenSpecs 3.6.10-3.6.17).
    t += measure("330", "GROSS WEIGHT (kg)", .kilogram, req: logistic)
    t += measure("331", "LENGTH (m), log", .metre, req: logistic)
    t += measure("332", "WIDTH (m), log", .metre, req: logistic)
    t += measure("333", "HEIGHT (m), log", .metre, req: logistic)
    t += measure("334", "AREA (m2), log", .squareMetre, req: logistic)
    t += measure("335", "VOLUME (l), log", .litre, req: logistic)
    t += measure("336", "VOLUME (m3), log", .cubicMetre, req: logistic)
    t += measure("337", "KG PER m2", .kilogramPerSquareMetre, req: "01")
    t += measure("340", "GROSS WEIGHT (lb)", .pound, req: logistic)
    t += measure("341", "LENGTH (in), log", .inch, req: logistic)
    t += measure("342", "LENGTH (ft), log", .foot, req: logistic)
    t += measure("343", "LENGTH (yd), log", .yard, req: logistic)
    t += measure("344", "WIDTH (in), log", .inch, req: logistic)
    t += measure("345", "WIDTH (ft), log", .foot, req: logistic)
    t += measure("346", "WIDTH (yd), log", .yard, req: logistic)
    t += measure("347", "HEIGHT (in), log", .inch, req: logistic)
    t += measure("348", "HEIGHT (ft), log", .foot, req: logistic)
    t += measure("349", "HEIGHT (yd), log", .yard, req: logistic)
    t += measure("350", "AREA (in2)", .squareInch, req: tradeItem)
    t += measure("351", "AREA (ft2)", .squareFoot, req: tradeItem)
    t += measure("352", "AREA (yd2)", .squareYard, req: tradeItem)
    t += measure("353", "AREA (in2), log", .squareInch, req: logistic)
    t += measure("354", "AREA (ft2), log", .squareFoot, req: logistic)
    t += measure("355", "AREA (yd2), log", .squareYard, req: logistic)
    t += measure("356", "NET WEIGHT (tr oz)", .troyOunce, req: tradeItem)
    t += measure("357", "NET VOLUME (oz)", .fluidOunce, req: tradeItem)
    t += measure("360", "NET VOLUME (qt)", .quart, req: tradeItem)
    t += measure("361", "NET VOLUME (gal.)", .gallon, req: tradeItem)
    t += measure("362", "VOLUME (qt), log", .quart, req: logistic)
    t += measure("363", "VOLUME (gal.), log", .gallon, req: logistic)
    t += measure("364", "NET VOLUME (in3)", .cubicInch, req: tradeItem)
    t += measure("365", "NET VOLUME (ft3)", .cubicFoot, req: tradeItem)
    t += measure("366", "NET VOLUME (yd3)", .cubicYard, req: tradeItem)
    t += measure("367", "VOLUME (in3), log", .cubicInch, req: logistic)
    t += measure("368", "VOLUME (ft3), log", .cubicFoot, req: logistic)
    t += measure("369", "VOLUME (yd3), log", .cubicYard, req: logistic)
    t.append(r("37", "N..8", "COUNT", .count, req: "00;02,8026"))
    // Amounts and prices (GenSpecs 3.6.18-3.6.23).
    t += range("390", 9, "N..15", "AMOUNT", .amount(currency: false), req: "255,8020", ex: "390n,391n,394n,8111")
    t += range("391", 9, "N3,iso4217 N..15", "AMOUNT", .amount(currency: true), req: "8020", ex: "391n")
    t += range("392", 9, "N..15", "PRICE", .amount(currency: false), req: "01;" + measureContext, ex: "392n,393n")
    t += range("393", 9, "N3,iso4217 N..15", "PRICE", .amount(currency: true), req: measureContext, ex: "393n")
    t += range("394", 3, "N4", "PRCNT OFF", .percentage, req: "255", ex: "394n,8111")
    t += range("395", 5, "N6", "PRICE/UoM", .amount(currency: false), req: measureContext, ex: "392n,393n,395n,8005")
    t += [
        r("400", "X..30", "ORDER NUMBER"),
        r("401", "X..30", "GINC", dl: ""),
        r("402", "N17,checkDigit", "GSIN", .key, dl: ""),
        r("403", "X..30", "ROUTE", req: "00"),
        r("410", "N13,checkDigit", "SHIP TO LOC", .key),
        r("411", "N13,checkDigit", "BILL TO", .key),
        r("412", "N13,checkDigit", "PURCHASE FROM", .key),
        r("413", "N13,checkDigit", "SHIP FOR LOC", .key),
        r("414", "N13,checkDigit", "LOC No.", .key, dl: "254|7040"),
        r("415", "N13,checkDigit", "PAY TO", .key, req: "8020", dl: "8020"),
        r("416", "N13,checkDigit", "PROD/SERV LOC", .key),
        r("417", "N13,checkDigit", "PARTY", .key, dl: "7040"),
        r("420", "X..20", "SHIP TO POST", ex: "421"),
        r("421", "N3,iso3166 X..9", "SHIP TO POST", ex: "4307"),
        r("422", "N3,iso3166", "ORIGIN", req: withItem, ex: "426"),
        r(
            "423",
            "N3,iso3166 [N3,iso3166] [N3,iso3166] [N3,iso3166] [N3,iso3166]",
            "COUNTRY - INITIAL PROCESS",
            req: tradeItem,
            ex: "426"
        ),
        r("424", "N3,iso3166", "COUNTRY - PROCESS", req: tradeItem, ex: "426"),
        r(
            "425",
            "N3,iso3166 [N3,iso3166] [N3,iso3166] [N3,iso3166] [N3,iso3166]",
            "COUNTRY - DISASSEMBLY",
            req: tradeItem,
            ex: "426"
        ),
        r("426", "N3,iso3166", "COUNTRY - FULL PROCESS", req: tradeItem),
        r("427", "X..3", "ORIGIN SUBDIVISION", req: "01,02;422"),
        // Ship-to / return-to party (GenSpecs 3.7.x), all on logistic units.
        r("4300", "X..35,percentEncoded", "SHIP TO COMP", req: "00"),
        r("4301", "X..35,percentEncoded", "SHIP TO NAME", req: "00"),
        r("4302", "X..70,percentEncoded", "SHIP TO ADD1", req: "00"),
        r("4303", "X..70,percentEncoded", "SHIP TO ADD2", req: "4302"),
        r("4304", "X..70,percentEncoded", "SHIP TO SUB", req: "00"),
        r("4305", "X..70,percentEncoded", "SHIP TO LOC", req: "00"),
        r("4306", "X..70,percentEncoded", "SHIP TO REG", req: "00"),
        r("4307", "X2,iso3166alpha2", "SHIP TO COUNTRY", req: "00"),
        r("4308", "X..30", "SHIP TO PHONE", req: "00"),
        r("4309", "N10,latitude N10,longitude", "SHIP TO GEO", req: "00"),
        r("4310", "X..35,percentEncoded", "RTN TO COMP", req: "00"),
        r("4311", "X..35,percentEncoded", "RTN TO NAME", req: "00"),
        r("4312", "X..70,percentEncoded", "RTN TO ADD1", req: "00"),
        r("4313", "X..70,percentEncoded", "RTN TO ADD2", req: "4312"),
        r("4314", "X..70,percentEncoded", "RTN TO SUB", req: "00"),
        r("4315", "X..70,percentEncoded", "RTN TO LOC", req: "00"),
        r("4316", "X..70,percentEncoded", "RTN TO REG", req: "00"),
        r("4317", "X2,iso3166alpha2", "RTN TO COUNTRY", req: "00"),
        r("4318", "X..20", "RTN TO POST", req: "00"),
        r("4319", "X..30", "RTN TO PHONE", req: "00"),
        r("4320", "X..35,percentEncoded", "SRV DESCRIPTION", req: "00"),
        r("4321", "N1,yesNo", "DANGEROUS GOODS", req: "00"),
        r("4322", "N1,yesNo", "AUTH TO LEAVE", req: "00"),
        r("4323", "N1,yesNo", "SIG REQUIRED", req: "00"),
        r("4324", "N6,yymmdd N4,hhmi", "NOT BEF DEL DT", .date, req: "00"),
        r("4325", "N6,yymmdd N4,hhmi", "NOT AFT DEL DT", .date, req: "00"),
        r("4326", "N6,yymmdd", "REL DATE", .date, req: "00"),
        r("4330", "N6 [X1,hyphen]", "MAX TEMP F.", req: "00", ex: "4331"),
        r("4331", "N6 [X1,hyphen]", "MAX TEMP C.", req: "00", ex: "4330"),
        r("4332", "N6 [X1,hyphen]", "MIN TEMP F.", req: "00", ex: "4333"),
        r("4333", "N6 [X1,hyphen]", "MIN TEMP C.", req: "00", ex: "4332"),
        // Trade item attributes (GenSpecs 3.8.x).
        r("7001", "N13", "NSN", req: withItem),
        r("7002", "X..30", "MEAT CUT", req: tradeItem),
        r("7003", "N6,yymmdd N4,hhmi", "EXPIRY TIME", .date, req: tradeItem),
        r("7004", "N..4", "ACTIVE POTENCY", req: "01+10"),
        r("7005", "X..12", "CATCH AREA", req: tradeItem),
        r("7006", "N6,yymmdd", "FIRST FREEZE DATE", .date, req: tradeItem),
        r("7007", "N6,yymmdd [N6,yymmdd]", "HARVEST DATE", .date, req: tradeItem),
        r("7008", "X..3", "AQUATIC SPECIES", req: tradeItem),
        r("7009", "X..10", "FISHING GEAR TYPE", req: tradeItem),
        r("7010", "X..2", "PROD METHOD", req: tradeItem),
        r("7011", "N6,yymmdd [N4,hhmi]", "TEST BY DATE", .date, req: tradeItem),
        r("7020", "X..20", "REFURB LOT", req: "01,8006;416"),
        r("7021", "X..20", "FUNC STAT", req: "01,8006"),
        r("7022", "X..20", "REV STAT", req: "7021"),
        r("7023", "X..30", "GIAI - ASSEMBLY"),
    ]
    for d in 0...9 {
        t.append(r("703\(d)", "N3,iso3166or999 X..27", "PROCESSOR # \(d)", req: tradeItem))
    }
    t += [
        r("7040", "N1 X1 X1 X1", "UIC+EXT", attr: false),
        r("7041", "X..4", "UFRGT UNIT TYPE", req: "00", attr: false),
        r("710", "X..20", "NHRN PZN", req: "01"),
        r("711", "X..20", "NHRN CIP", req: "01"),
        r("712", "X..20", "NHRN CN", req: "01"),
        r("713", "X..20", "NHRN DRN", req: "01"),
        r("714", "X..20", "NHRN AIM", req: "01"),
        r("715", "X..20", "NHRN NDC", req: "01"),
        r("716", "X..20", "NHRN AIC", req: "01"),
        r("717", "X..20", "NHRN SRN", req: "01"),
    ]
    for d in 0...9 {
        t.append(r("723\(d)", "X2 X..28", "CERT # \(d + 1)", req: "01,8004"))
    }
    t += [
        r("7240", "X..20", "PROTOCOL", req: "01,8006"),
        r("7241", "N2,mediaType", "AIDC MEDIA TYPE", req: "8017,8018"),
        r("7242", "X..25", "VCN", req: "8017,8018"),
        r("7250", "N8,yyyymmdd", "DOB", .date, req: "8018", ex: "7251"),
        r("7251", "N8,yyyymmdd N4,hhmi", "DOB TIME", .date, req: "8018", ex: "7250"),
        r("7252", "N1,iso5218", "BIO SEX", req: "8018"),
        r("7253", "X..40,percentEncoded", "FAMILY NAME", req: "8017,8018", ex: "7256,7259"),
        r("7254", "X..40,percentEncoded", "GIVEN NAME", req: "8017,8018", ex: "7256,7259"),
        r("7255", "X..10", "SUFFIX", req: "8017,8018", ex: "7256,7259"),
        r("7256", "X..90,percentEncoded", "FULL NAME", req: "8017,8018"),
        r("7257", "X..70,percentEncoded", "PERSON ADDR", req: "8018"),
        r("7258", "X3,positionSlash", "BIRTH SEQUENCE", req: "8018+7259"),
        r("7259", "X..40,percentEncoded", "BABY", req: "8018", ex: "7256"),
        // Logistic and asset identifiers (GenSpecs 3.9.x).
        r("8001", "N4,nonZero N5,nonZero N3,nonZero N1,winding N1", "DIMENSIONS", req: "01"),
        r("8002", "X..20", "CMT No."),
        r("8003", "N1,zero N13,checkDigit [X..16]", "GRAI", .key, dl: ""),
        r("8004", "X..30", "GIAI", dl: "7040"),
        r("8005", "N6", "PRICE PER UNIT", req: tradeItem),
        r("8006", "N14,checkDigit N4,pieceOfTotal", "ITIP", .key, ex: "01,37", dl: "22,10,21"),
        r("8007", "X..34,iban", "IBAN", req: "415"),
        r("8008", "N6,yymmdd N2,hh [N2,mi] [N2,ss]", "PROD TIME", .date, req: tradeItem),
        r("8009", "X..50", "OPTSEN", req: logistic),
        r("8010", "Y..30", "CPID", dl: "8011"),
        r("8011", "N..12,noZeroPrefix", "CPID SERIAL", req: "8010", attr: false),
        r("8012", "X..20", "VERSION", req: "01,8006"),
        r("8013", "X..25,checkPair", "GMN", dl: ""),
        r("8014", "X..25,checkPair", "MUDI", req: "01", attr: false),
        r("8017", "N18,checkDigit", "GSRN - PROVIDER", .key, ex: "8018", dl: "8019"),
        r("8018", "N18,checkDigit", "GSRN - RECIPIENT", .key, ex: "8017", dl: "8019"),
        r("8019", "N..10", "SRIN", req: "8017,8018", attr: false),
        r("8020", "X..25", "REF No.", req: "415", attr: false),
        r("8026", "N14,checkDigit N4,pieceOfTotal", "ITIP CONTENT", .key, req: "37", ex: "02,8006"),
        r("8030", "Z..90", "DIGSIG", req: "00,01+21,253,255,8003,8004,8006+21,8010+8011,8017,8018"),
        r("8040", "N15", "IMEI", req: "01+21", attr: false),
        r("8041", "N15", "IMEI2", req: "01+21+8040", attr: false),
        r("8042", "N32", "ESIM", req: "01+21+8040", attr: false),
        r("8043", "N18 [N..2]", "PSIM", req: "01+21+8040", attr: false),
        r("8110", "X..70", "COUPON"),
        r("8111", "N4", "POINTS", req: "255"),
        r("8112", "X..70", "PAPERLESS COUPON"),
        r("8200", "X..70", "PRODUCT URL", req: "01", attr: false),
        r("90", "X..30", "INTERNAL"),
    ]
    for d in 1...9 {
        t.append(r("9\(d)", "X..90", "INTERNAL"))
    }
    return t
}()

private func parseComponents(_ format: String) -> [GS1Component] {
    format.split(separator: " ").map { token in
        var s = Substring(token)
        var optional = false
        // "[N3,iso3166]" or "[N3],iso3166": optional component.
        if s.hasPrefix("[") {
            optional = true
            s = s.dropFirst()
            s.removeAll { $0 == "]" }
        }
        let parts = s.split(separator: ",")
        let spec = parts[0]
        let cs = GS1CharacterSet(rawValue: String(spec.prefix(1)))!
        let lengths = spec.dropFirst()
        let minL: Int
        let maxL: Int
        if lengths.hasPrefix("..") {
            minL = 1
            maxL = Int(lengths.dropFirst(2))!
        } else {
            minL = Int(lengths)!
            maxL = minL
        }
        let check = parts.count > 1 ? GS1ComponentCheck(rawValue: String(parts[1]))! : nil
        return GS1Component(characterSet: cs, minLength: minL, maxLength: maxL, isOptional: optional, check: check)
    }
}

private func buildTable() -> [GS1ApplicationIdentifier] {
    let defs = rows.map { row -> GS1ApplicationIdentifier in
        let prefix = String(row.ai.prefix(2))
        return GS1ApplicationIdentifier(
            ai: row.ai,
            title: row.title,
            components: parseComponents(row.format),
            semantics: row.semantics,
            separatorRequired: !GS1ApplicationIdentifiers.predefinedLengthPrefixes.contains(prefix),
            requires: row.req.isEmpty
                ? [] : row.req.split(separator: ";").map { $0.split(separator: ",").map(String.init) },
            excludes: row.ex.isEmpty ? [] : row.ex.split(separator: ",").map(String.init),
            primaryKeyQualifiers: row.dl.map { dl in
                dl.isEmpty ? [[]] : dl.split(separator: "|").map { $0.split(separator: ",").map(String.init) }
            },
            isDigitalLinkAttribute: row.attr
        )
    }
    return defs.sorted { $0.ai < $1.ai }
}
