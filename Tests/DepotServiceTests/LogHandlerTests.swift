import DepotService
import Testing

/// depotd's log lines carry nothing a peer sent raw: no newline to start a forged line, no
/// terminal escape, no bidi override; a huge value is cut.
@Suite("Log line cleaning")
struct LogHandlerTests {
    @Test(arguments: ["\n", "\r", "\u{1B}", "\u{202E}", "\u{2066}", "\u{2028}", "\u{200B}", "\u{034F}", "\u{3164}"])
    func aControlOrFormatCharacterIsEscaped(character: String) {
        let cleaned = DepotLogHandler.clean("a\(character)b")
        let scalar = character.unicodeScalars.first!.value
        #expect(cleaned == "a\\u{\(String(scalar, radix: 16))}b")
    }

    @Test func plainTextIsKeptAndAHugeValueIsCut() {
        #expect(
            DepotLogHandler.clean("Varlink call org.depot.inventory.Status é 牛乳")
                == "Varlink call org.depot.inventory.Status é 牛乳"
        )
        let cleaned = DepotLogHandler.clean(String(repeating: "k", count: 400_000))
        #expect(cleaned.unicodeScalars.count == DepotLogHandler.maximumValueLength + 1 && cleaned.hasSuffix("…"))
    }
}
