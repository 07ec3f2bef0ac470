// Codes are safe text: no invisible characters, one script, no look-alike of an existing code
// (Unicode TR39 "Security Mechanisms": mixed-script detection and confusable skeletons, reduced
// to the scripts whose letters pass for Latin ones on a label or a screen).

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
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF, 0xFF21...0xFF3A, 0xFF41...0xFF5A: return .latin
        case 0x370...0x3FF, 0x1F00...0x1FFF: return .greek
        case 0x400...0x52F, 0x2DE0...0x2DFF, 0xA640...0xA69F, 0x1C80...0x1C8F: return .cyrillic
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

    /// Greek and Cyrillic letters that look like Latin ones, and dashes that look like the
    /// hyphen-minus (from TR39's confusables.txt), by the ASCII character they pass for.
    static let latinLookalikes: [Unicode.Scalar: Unicode.Scalar] = {
        let pairs: [(String, String)] = [
            // Cyrillic
            ("а", "a"), ("е", "e"), ("о", "o"), ("р", "p"), ("с", "c"), ("у", "y"), ("х", "x"), ("і", "i"),
            ("ј", "j"), ("ѕ", "s"), ("ԁ", "d"), ("ԛ", "q"), ("ԝ", "w"), ("һ", "h"), ("ӏ", "l"), ("ɡ", "g"),
            ("А", "A"), ("В", "B"), ("Е", "E"), ("К", "K"), ("М", "M"), ("Н", "H"), ("О", "O"), ("Р", "P"),
            ("С", "C"), ("Т", "T"), ("Х", "X"), ("Ѕ", "S"), ("І", "I"), ("Ј", "J"), ("Ү", "Y"), ("Ԛ", "Q"),
            ("Ԝ", "W"), ("Ӏ", "I"),
            // Greek
            ("Α", "A"), ("Β", "B"), ("Ε", "E"), ("Ζ", "Z"), ("Η", "H"), ("Ι", "I"), ("Κ", "K"), ("Μ", "M"),
            ("Ν", "N"), ("Ο", "O"), ("Ρ", "P"), ("Τ", "T"), ("Υ", "Y"), ("Χ", "X"), ("ο", "o"), ("ν", "v"),
            ("ι", "i"), ("κ", "k"), ("ρ", "p"), ("τ", "t"), ("υ", "u"), ("χ", "x"),
            // Dashes and the minus sign that pass for the hyphen-minus (NFKC keeps them):
            // U+2010 hyphen, U+2011 non-breaking hyphen, U+2012 figure dash, U+2013 en dash,
            // U+2014 em dash, U+2212 minus sign, U+FE63 small hyphen-minus is folded by NFKC.
            ("\u{2010}", "-"), ("\u{2011}", "-"), ("\u{2012}", "-"), ("\u{2013}", "-"), ("\u{2014}", "-"),
            ("\u{2212}", "-"),
        ]
        var map: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (from, to) in pairs { map[from.unicodeScalars.first!] = to.unicodeScalars.first! }
        return map
    }()

    /// The confusable skeleton of a code: compatibility forms folded (NFKC: fullwidth `ＡＢＣ` is
    /// `ABC`), Greek and Cyrillic look-alikes replaced by the Latin letters they pass for. Two codes
    /// with one skeleton read the same to a person.
    static func skeleton(_ value: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in value.precomposedStringWithCompatibilityMapping.unicodeScalars {
            result.append(latinLookalikes[scalar] ?? scalar)
        }
        return String(result)
    }

    /// `U+200B ZERO WIDTH SPACE`: how an invisible character is named in errors.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let name = scalar.properties.name ?? scalar.properties.nameAlias ?? "unnamed"
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
