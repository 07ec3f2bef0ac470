import GS1
import Testing

/// The SSCC: built from its parts with the GS1 mod-10 check digit, read back, refused with the
/// value named (GS1 General Specifications 2.2.1, 7.9.1).
@Suite struct SSCCTests {
    @Test func theGeneralSpecificationsExampleIsBuiltAndRead() throws {
        // GS1 General Specifications 2.2.1: extension digit 1, company prefix 0614141, serial
        // reference 234567890, check digit 8.
        let built = try SSCC(extensionDigit: 1, companyPrefix: "0614141", serialReference: 234_567_890)
        #expect(built.digits == "106141412345678908")
        #expect(built.extensionDigit == 1)
        #expect(built.humanReadable == "(00)106141412345678908")
        #expect(try SSCC(parsing: "106141412345678908") == built)
    }

    @Test(arguments: SSCC.companyPrefixLengths)
    func everyPrefixLengthLeavesTheRestForTheSerial(_ length: Int) throws {
        let prefix = String(String(repeating: "73", count: 6).prefix(length))
        let serialDigits = 16 - length
        var largest: UInt64 = 1
        for _ in 0..<serialDigits { largest *= 10 }
        for serial in [0, 1, largest - 1] {
            let sscc = try SSCC(extensionDigit: 3, companyPrefix: prefix, serialReference: serial)
            #expect(sscc.digits.count == 18)
            #expect(sscc.digits.hasPrefix("3" + prefix))
            #expect(GS1Check.hasValidCheckDigit(sscc.digits))
            #expect(try SSCC(parsing: sscc.digits) == sscc)
        }
        #expect(throws: SSCCError.serialReference(largest, digits: serialDigits)) {
            try SSCC(extensionDigit: 3, companyPrefix: prefix, serialReference: largest)
        }
    }

    @Test func badPartsAreNamed() {
        #expect(throws: SSCCError.extensionDigit(10)) {
            try SSCC(extensionDigit: 10, companyPrefix: "0614141", serialReference: 1)
        }
        for prefix in ["12345", "1234567890123", "06141X1", ""] {
            #expect(throws: SSCCError.companyPrefix(prefix)) {
                try SSCC(extensionDigit: 0, companyPrefix: prefix, serialReference: 1)
            }
        }
        #expect(
            SSCCError.checkDigit("106141412345678907", expected: 8).description
                == "SSCC 106141412345678907: the check digit should be 8"
        )
    }

    @Test func readingChecksLengthDigitsAndCheckDigit() {
        #expect(throws: SSCCError.checkDigit("106141412345678907", expected: 8)) {
            try SSCC(parsing: "106141412345678907")
        }
        for text in ["10614141234567890", "1061414123456789080", "10614141234567890A", "１06141412345678908"] {
            #expect(throws: SSCCError.notEighteenDigits(text)) { try SSCC(parsing: text) }
        }
    }

    @Test func everySingleDigitErrorIsCaught() throws {
        // The mod-10 check digit catches every single-digit substitution.
        let good = "106141412345678908"
        var digits = Array(good)
        for position in 0..<17 {
            let original = digits[position]
            for replacement in "0123456789" where replacement != original {
                digits[position] = replacement
                #expect(throws: SSCCError.self) { try SSCC(parsing: String(digits)) }
            }
            digits[position] = original
        }
    }
}
