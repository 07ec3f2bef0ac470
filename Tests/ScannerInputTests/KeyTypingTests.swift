import Foundation
import ScannerInput
import Testing

/// Typing text as a US-mode scanner and decoding it with the `us` keymap gives the text back:
/// the fixture generator and the decoder agree.
@Suite struct KeyTypingTests {
    @Test(arguments: [
        "4006381333931",
        "]C10204006381333931172603101001\u{1D}3712",
        "LOT-AbC_9 (x)",
        "DEPOT QTY 12",
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    ])
    func roundTrip(text: String) throws {
        let typed = try KeyTyping.events(typing: text, start: .seconds(1))
        let decoder = try ScanDecoder(scannerID: "t", profile: ScannerProfile())
        let scans = decoder.consume(typed.events)
        #expect(scans.count == 1)
        let scan = try #require(scans.first)
        #expect(!scan.isCorrupt, "\(String(describing: scan.corruption))")
        #expect((scan.symbologyIdentifier ?? "") + scan.text == text)
    }

    @Test func untypableCharactersAreRefused() {
        #expect(throws: KeyTyping.Untypable.self) { try KeyTyping.events(typing: "Grüße", start: .zero) }
    }
}
