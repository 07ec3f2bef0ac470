/// GTIN checks the catalogue needs (GS1 General Specifications 3.3.2 and 7.9.1: GTIN-8, -12,
/// -13 and -14 with the standard mod-10 check digit).
enum GTINCode {
    /// Validates a GTIN of 8, 12, 13 or 14 ASCII digits and returns it left-padded to 14 digits.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` with field `gtin` for a
    ///   wrong length, a non-digit, or a wrong check digit (naming the expected digit).
    static func normalize(_ text: String) throws(InventoryError) -> String {
        let bytes = Array(text.utf8)
        guard [8, 12, 13, 14].contains(bytes.count) else {
            throw .invalidValue(field: "gtin", value: text, reason: "a GTIN has 8, 12, 13 or 14 digits")
        }
        guard bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .invalidValue(field: "gtin", value: text, reason: "a GTIN has digits only")
        }
        let digits = bytes.map { Int($0 - 0x30) }
        let expected = checkDigit(of: digits.dropLast())
        guard digits.last == expected else {
            throw .invalidValue(field: "gtin", value: text, reason: "check digit should be \(expected)")
        }
        return String(repeating: "0", count: 14 - bytes.count) + text
    }

    /// Whether `text` looks like a GTIN (8/12/13/14 ASCII digits) without checking the check digit.
    static func looksLikeGTIN(_ text: String) -> Bool {
        let bytes = text.utf8
        return [8, 12, 13, 14].contains(bytes.count) && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// GS1 mod-10 check digit of the digits before it: weights 3 and 1 alternating from the right.
    static func checkDigit(of body: ArraySlice<Int>) -> Int {
        var sum = 0
        for (offset, digit) in body.reversed().enumerated() {
            sum += digit * (offset % 2 == 0 ? 3 : 1)
        }
        return (10 - sum % 10) % 10
    }
}
