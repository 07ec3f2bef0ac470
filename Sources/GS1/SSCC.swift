// The Serial Shipping Container Code: the GS1 key of a logistic unit (a pallet, a case shipped
// on its own), GS1 General Specifications 2.2.1 and 3.3.1 (AI 00).

/// A Serial Shipping Container Code (SSCC), 18 digits: an extension digit (0-9, chosen by the
/// company), the GS1 company prefix, a serial reference, and the GS1 mod-10 check digit
/// (GS1 General Specifications 2.2.1, figure 2.2.1-1; check digit 7.9.1).
///
/// The company prefix and the serial reference share 16 digits: a 7-digit prefix leaves a
/// 9-digit serial reference. Serial references are zero-padded on the left.
public struct SSCC: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 18 digits, check digit last, e.g. `"106141412345678908"`.
    public let digits: String

    /// The shortest and longest GS1 company prefix an SSCC is built from: 6 to 12 digits
    /// (GS1 General Specifications 1.4.3: GS1 company prefixes are 6 to 12 digits).
    public static let companyPrefixLengths = 6...12

    /// Builds an SSCC from its parts, computing the check digit.
    /// - Parameters:
    ///   - extensionDigit: 0 to 9.
    ///   - companyPrefix: the GS1 company prefix, 6 to 12 digits (``companyPrefixLengths``).
    ///   - serialReference: at least 0 and less than 10^(16 - prefix length).
    /// - Throws: ``SSCCError/extensionDigit(_:)``, ``SSCCError/companyPrefix(_:)`` or
    ///   ``SSCCError/serialReference(_:digits:)`` naming the value.
    public init(extensionDigit: Int, companyPrefix: String, serialReference: UInt64) throws(SSCCError) {
        guard (0...9).contains(extensionDigit) else { throw .extensionDigit(extensionDigit) }
        guard Self.companyPrefixLengths.contains(companyPrefix.utf8.count),
            companyPrefix.utf8.allSatisfy({ (48...57).contains($0) })
        else { throw .companyPrefix(companyPrefix) }
        let serialDigits = 16 - companyPrefix.utf8.count
        let serialText = String(serialReference)
        guard serialText.utf8.count <= serialDigits else {
            throw .serialReference(serialReference, digits: serialDigits)
        }
        let payload =
            String(extensionDigit) + companyPrefix
            + String(repeating: "0", count: serialDigits - serialText.utf8.count) + serialText
        // The payload is 17 digits, so the check digit always exists.
        digits = payload + String(GS1Check.checkDigit(forPayload: payload) ?? 0)
    }

    /// Reads an SSCC as printed or scanned: 18 digits with a correct check digit.
    /// - Throws: ``SSCCError/notEighteenDigits(_:)`` or ``SSCCError/checkDigit(_:expected:)``.
    public init(parsing text: String) throws(SSCCError) {
        guard text.utf8.count == 18, text.utf8.allSatisfy({ (48...57).contains($0) }) else {
            throw .notEighteenDigits(text)
        }
        guard GS1Check.hasValidCheckDigit(text) else {
            throw .checkDigit(text, expected: GS1Check.checkDigit(forPayload: text.prefix(17)) ?? 0)
        }
        digits = text
    }

    /// The extension digit, 0 to 9.
    public var extensionDigit: Int { Int(digits.utf8.first! - 48) }

    /// The human-readable interpretation, AI in parentheses then the 18 digits, e.g.
    /// `"(00)106141412345678908"` (GS1 General Specifications 4.15).
    public var humanReadable: String { "(00)" + digits }

    /// The 18 digits.
    public var description: String { digits }

    /// Orders by digits (a company's SSCCs sort by extension digit, then serial reference).
    public static func < (a: SSCC, b: SSCC) -> Bool { a.digits < b.digits }
}

/// Why an SSCC cannot be built or read, naming the value.
public enum SSCCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The extension digit is not 0 to 9.
    case extensionDigit(Int)
    /// The GS1 company prefix is not 6 to 12 digits.
    case companyPrefix(String)
    /// The serial reference needs more digits than the company prefix leaves (`digits`).
    case serialReference(UInt64, digits: Int)
    /// The text is not 18 digits.
    case notEighteenDigits(String)
    /// The last digit is not the check digit (`expected`).
    case checkDigit(String, expected: Int)

    /// One line naming the field and the value, e.g. "SSCC 106141412345678907: the check digit
    /// should be 8".
    public var description: String {
        switch self {
        case .extensionDigit(let digit):
            "SSCC extension digit \(digit): must be 0 to 9"
        case .companyPrefix(let prefix):
            "GS1 company prefix \"\(prefix)\": must be 6 to 12 digits"
        case .serialReference(let serial, let digits):
            "SSCC serial reference \(serial): does not fit the \(digits) digits the company prefix leaves"
        case .notEighteenDigits(let text):
            "SSCC \"\(text)\": must be 18 digits"
        case .checkDigit(let text, let expected):
            "SSCC \(text): the check digit should be \(expected)"
        }
    }
}
