// Codes are safe text: no invisible characters, one script, no look-alike of an existing code
// (Unicode TR39 "Security Mechanisms": mixed-script detection, and confusable skeletons computed by
// ICU's spoof checker, uspoof_getSkeletonUTF8(3icu), from TR39's confusables.txt).
import CICU

/// The checks behind ``TextField/code(_:field:)`` beyond length and normal form.
enum CodeSafety {
    /// The first invisible character of `value`: format characters (general category Cf: zero
    /// width space and joiners, bidirectional marks, the BOM, soft hyphen), other default-ignorable
    /// code points (variation selectors, Hangul fillers), separators and spaces other than U+0020,
    /// private-use, surrogate and unassigned code points.
    static func invisibleCharacter(in value: String) -> Unicode.Scalar? {
        value.unicodeScalars.first { scalar in
            if scalar.value >= 0x21 && scalar.value < 0x7F { return false }
            if scalar == " " { return false }
            // Blank-looking or untypeable characters that Unicode does not class as invisible:
            // U+2800 BRAILLE PATTERN BLANK, U+FFFC OBJECT REPLACEMENT CHARACTER and U+FFFD
            // REPLACEMENT CHARACTER (what a terminal makes of bytes that are not UTF-8).
            if scalar.value == 0x2800 || scalar.value == 0xFFFC || scalar.value == 0xFFFD { return true }
            let properties = scalar.properties
            switch properties.generalCategory {
            case .format, .control, .spaceSeparator, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate,
                .unassigned:
                return true
            default:
                return properties.isDefaultIgnorableCodePoint
            }
        }
    }

    /// The scripts whose letters are confusable with each other and so may not be mixed in one code.
    enum Script: String, Sendable { case latin = "Latin", greek = "Greek", cyrillic = "Cyrillic", other }

    /// The script of a letter (by its Unicode block), nil for anything that is not a letter.
    static func script(of scalar: Unicode.Scalar) -> Script? {
        guard scalar.properties.isAlphabetic else { return nil }
        switch scalar.value {
        // Latin: Basic Latin, Latin-1, Extended-A and -B, IPA, Phonetic Extensions and their
        // Supplement, Extended Additional, -C, -D, -E, -F, -G, fullwidth.
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x250...0x2AF, 0x1D00...0x1D25, 0x1D2C...0x1DBF,
            0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF, 0xAB30...0xAB64, 0xAB66...0xAB6F, 0x10780...0x107BF,
            0x1DF00...0x1DFFF, 0xFF21...0xFF3A, 0xFF41...0xFF5A:
            return .latin
        case 0x370...0x3FF, 0x1F00...0x1FFF, 0x1D26...0x1D2A, 0xAB65: return .greek
        case 0x400...0x52F, 0x2DE0...0x2DFF, 0xA640...0xA69F, 0x1C80...0x1C8F, 0x1D2B: return .cyrillic
        default: return .other
        }
    }

    /// The two scripts `value` mixes among Latin, Greek and Cyrillic, nil when it keeps to one.
    static func mixedScripts(in value: String) -> (Script, Script)? {
        var seen: Script?
        for scalar in value.unicodeScalars {
            guard let script = script(of: scalar), script != .other else { continue }
            if let first = seen, first != script { return (first, script) }
            seen = script
        }
        return nil
    }

    /// Dashes, bars and horizontal lines that pass for the hyphen-minus on a label but that TR39
    /// maps elsewhere or not at all (NFKC keeps them): U+2010 hyphen, U+2011 non-breaking hyphen,
    /// U+2012 figure dash, U+2013 en dash, U+2014 em dash, U+2015 horizontal bar, U+2212 minus
    /// sign, U+1806 Mongolian todo soft hyphen, U+23AF horizontal line extension, U+2500 and
    /// U+2574 box-drawing lines, U+2E0F paragraphos, U+2E3A and U+2E3B two- and three-em dash,
    /// U+10191 Roman uncia sign. ICU's skeleton of the em dash and its look-alikes is U+30FC,
    /// which ``skeleton(_:)`` reads as `-` too.
    static let hyphenLookalikes: Set<Unicode.Scalar> = [
        "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}", "\u{1806}", "\u{23AF}",
        "\u{2500}", "\u{2574}", "\u{2E0F}", "\u{2E3A}", "\u{2E3B}", "\u{10191}",
    ]

    /// Whether `scalar` passes for the hyphen-minus: one of ``hyphenLookalikes`` or any other
    /// dash punctuation (general category Pd: U+058A ARMENIAN HYPHEN, U+05BE, U+1400, U+2E17,
    /// U+301C WAVE DASH, U+3030 WAVY DASH, U+10EAD, ...), the hyphen-minus itself excepted.
    static func isHyphenLookalike(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "-" && (hyphenLookalikes.contains(scalar) || scalar.properties.generalCategory == .dashPunctuation)
    }

    /// The first phonetic letter of `value`: the IPA Extensions (U+0250...U+02AF) and the
    /// Phonetic Extensions and their Supplement (U+1D00...U+1DBF), small capitals such as
    /// `ᴜ` U+1D1C and `ʟ` U+029F among them. They pass for ordinary Latin letters (`SKᴜ-001` for
    /// `SKU-001`) and TR39's skeletons do not map them all, so codes do not hold them.
    static func phoneticLetter(in value: String) -> Unicode.Scalar? {
        value.unicodeScalars.first { (0x250...0x2AF).contains($0.value) || (0x1D00...0x1DBF).contains($0.value) }
    }

    /// The first mark of `value` that makes a letter read as another: U+0307 COMBINING DOT ABOVE
    /// after `i` or `j` (`i̇` reads as `i`; UTS #39 section 5.4) and the combining overlays
    /// U+0334...U+0338 (tilde, stroke and slash overlays: `L̷` reads as `Ł`).
    static func misleadingMark(in value: String) -> Unicode.Scalar? {
        var previous: Unicode.Scalar?
        for scalar in value.unicodeScalars {
            if (0x334...0x338).contains(scalar.value) { return scalar }
            if scalar.value == 0x307, let previous, previous == "i" || previous == "j" { return scalar }
            previous = scalar
        }
        return nil
    }

    /// The first combining mark of `value` (general category Mn, Mc or Me) that sits on something
    /// other than a letter (a digit, a sign, a space: `1\u{301}` renders as a `1` with a speck
    /// that a label or a terminal may drop, so `LOT-A1\u{301}` passes for `LOT-A1`), or on a
    /// Latin, Greek or Cyrillic letter (in normal form C those letters' accented forms are single
    /// code points, so a mark left over is one with no letter of its own: `É\u{301}`, `Q\u{303}`).
    /// Returns the mark and the character it follows. Marks on letters of other scripts
    /// (Devanagari vowel signs and virama, Thai tone marks) are how those scripts are written and
    /// are kept. Expects `value` in NFC (checked before).
    static func strayMark(in value: String) -> (mark: Unicode.Scalar, base: Unicode.Scalar)? {
        var base: Unicode.Scalar?
        for scalar in value.unicodeScalars {
            let category = scalar.properties.generalCategory
            guard category == .nonspacingMark || category == .enclosingMark || category == .spacingMark else {
                base = scalar
                continue
            }
            guard let on = base else { return nil }  // a leading mark: refused by its own check
            if script(of: on) != .other { return (scalar, on) }
        }
        return nil
    }

    /// The confusable skeleton of a code (Unicode TR39 section 4, "Confusable Detection"):
    /// compatibility forms folded (NFKC: fullwidth `ＡＢＣ` is `ABC`), dashes read as `-`, then
    /// ICU's TR39 skeleton, which maps every character to the prototype it passes for: Cyrillic
    /// `А` and Greek `Α` to Latin `A`, the digit `0` to `O`, `1` and `I` to `l`, `m` to `rn`.
    /// Two codes with one skeleton read the same to a person. The skeleton is for comparing only,
    /// never shown or stored as a code.
    static func skeleton(_ value: String) -> String {
        let skeleton = SpoofChecker.shared.skeleton(plainSpelling(value))
        return String(String.UnicodeScalarView(skeleton.unicodeScalars.map { $0.value == 0x30FC ? "-" : $0 }))
    }

    /// `value` in NFKC with its dash look-alikes written `-`: the plain spelling an error
    /// suggests for a code in compatibility forms (NFKC alone turns U+2011 NON-BREAKING HYPHEN
    /// into U+2010 HYPHEN, still not the hyphen-minus of a keyboard).
    static func plainSpelling(_ value: String) -> String {
        var folded = String.UnicodeScalarView()
        for scalar in value.precomposedStringWithCompatibilityMapping.unicodeScalars {
            folded.append(isHyphenLookalike(scalar) ? "-" : scalar)
        }
        return String(folded)
    }

    /// Whether `value` holds anything outside printable ASCII (U+0020...U+007E).
    static func isASCII(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// `U+200B ZERO WIDTH SPACE`: how an invisible character is named in errors.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let name =
            scalar.properties.name ?? scalar.properties.nameAlias
            ?? (scalar.properties.generalCategory == .control ? "(a control character)" : "unnamed")
        return "U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex) \(name)"
    }

    /// `value` with invisible characters written as `<U+200B>`, so an error shows what was sent.
    static func visible(_ value: String) -> String {
        var text = ""
        for scalar in value.unicodeScalars {
            if invisibleCharacter(in: String(scalar)) != nil {
                text += "<U+\(String(scalar.value, radix: 16, uppercase: true))>"
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}

/// ICU's spoof checker, opened once with ICU's default checks (uspoof_open(3icu)). ICU documents a
/// configured checker as safe to use from several threads at once for skeletons and checks
/// (uspoof.h, "Thread Safety"), and depot never changes it after opening.
private final class SpoofChecker: @unchecked Sendable {
    static let shared = SpoofChecker()

    private let checker: UnsafeMutableRawPointer

    private init() {
        var status: Int32 = 0
        guard let checker = depot_spoof_open(&status) else {
            fatalError("ICU's spoof checker did not open (uspoof_open: UErrorCode \(status))")
        }
        self.checker = checker
    }

    /// The TR39 skeleton of `text`, or `text` itself when ICU refuses it (it refuses only text
    /// that is not UTF-8, which a Swift string never is).
    func skeleton(_ text: String) -> String {
        let utf8 = Array(text.utf8)
        var capacity = utf8.count * 4 + 16
        while true {
            var status: Int32 = 0
            var buffer = [CChar](repeating: 0, count: capacity)
            let length = utf8.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { chars in
                    depot_spoof_skeleton(
                        checker,
                        chars.baseAddress,
                        Int32(chars.count),
                        &buffer,
                        Int32(capacity),
                        &status
                    )
                }
            }
            if status == DEPOT_ICU_BUFFER_OVERFLOW {
                capacity = Int(length) + 1
                continue
            }
            guard status <= 0 else { return text }
            return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
