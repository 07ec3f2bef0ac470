import GS1

/// GTIN and GLN checks the catalogue needs, on top of GS1's check digit (GS1 General
/// Specifications 3.3.2 and 7.9.1: GTIN-8, -12, -13 and -14; GLN 13 digits).
enum GTINCode {
    /// Validates a GTIN of 8, 12, 13 or 14 ASCII digits and returns it left-padded to 14 digits.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` with field `gtin` for a
    ///   wrong length, a non-digit, or a wrong check digit (naming the expected digit).
    static func normalize(_ text: String) throws(InventoryError) -> String {
        guard [8, 12, 13, 14].contains(text.utf8.count) else {
            throw .invalidValue(field: "gtin", value: text, reason: "a GTIN has 8, 12, 13 or 14 digits")
        }
        if let problem = checkDigitProblem(text, what: "a GTIN") {
            throw .invalidValue(field: "gtin", value: text, reason: problem)
        }
        return String(repeating: "0", count: 14 - text.utf8.count) + text
    }

    /// Whether `text` looks like a GTIN (8/12/13/14 ASCII digits) without checking the check digit.
    static func looksLikeGTIN(_ text: String) -> Bool {
        let bytes = text.utf8
        return [8, 12, 13, 14].contains(bytes.count) && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// What is wrong with `text` as ASCII digits ending in their GS1 mod-10 check digit
    /// (GenSpecs 7.9.1), or nil when nothing is.
    static func checkDigitProblem(_ text: String, what: String) -> String? {
        guard text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return "\(what) has digits only" }
        guard !GS1Check.hasValidCheckDigit(text) else { return nil }
        return "check digit should be \(GS1Check.checkDigit(forPayload: text.dropLast()) ?? 0)"
    }
}
