import GS1
import Testing
import Workflow

/// The pure parts of the floor workflow, without an engine: command barcodes and the texts a
/// worker reads. Sessions against the real engine are in FloorTests.
@Suite struct CommandBarcodeTests {
    @Test(arguments: [
        FloorCommand.mode(.pick), .quantity(12), .done, .cancel, .undo, .operatorName("Ana Lima"), .count(7),
        .customer("ACME"), .customer(nil),
    ])
    func aCommandReadsBackFromItsBarcode(command: FloorCommand) throws {
        #expect(try FloorCommand.parse(command.text) == command)
    }

    @Test func theCustomerCommandNamesOneCodeOrNone() throws {
        #expect(try FloorCommand.parse("DEPOT CUSTOMER ACME") == .customer("ACME"))
        #expect(try FloorCommand.parse("DEPOT CUSTOMER") == .customer(nil))
        #expect(throws: FloorRefusal("\"DEPOT CUSTOMER A B\" is not a depot command")) {
            try FloorCommand.parse("DEPOT CUSTOMER A B")
        }
    }

    @Test func textWithoutThePrefixIsNoCommand() throws {
        #expect(try FloorCommand.parse("A-01") == nil)
        #expect(try FloorCommand.parse("DEPOTMODE PICK") == nil)
    }

    @Test(arguments: [
        ("DEPOT MODE SLEEP", "unknown mode \"SLEEP\" in command \"DEPOT MODE SLEEP\""),
        ("DEPOT QTY 0", "quantity \"0\" in command \"DEPOT QTY 0\" must be a whole number above 0"),
        (
            "DEPOT QTY 9007199254740992",
            "quantity \"9007199254740992\" in command \"DEPOT QTY 9007199254740992\" is too large (at most 9007199254740991)"
        ),
        (
            "DEPOT QTY 12345678901234567890",
            "quantity \"12345678901234567890\" in command \"DEPOT QTY 12345678901234567890\" is too large (at most 9007199254740991)"
        ),
        ("DEPOT QTY -3", "quantity \"-3\" in command \"DEPOT QTY -3\" must be a whole number above 0"),
        ("DEPOT QTY 000", "quantity \"000\" in command \"DEPOT QTY 000\" must be a whole number above 0"),
        ("DEPOT COUNT x", "count \"x\" in command \"DEPOT COUNT x\" must be a count id (a whole number)"),
        ("DEPOT DANCE", "\"DEPOT DANCE\" is not a depot command"),
    ])
    func aMalformedCommandIsRefusedNamingTheText(text: String, message: String) {
        #expect(throws: FloorRefusal(message)) { try FloorCommand.parse(text) }
    }

    @Test func instructionsAndControlCharactersReadAsAWorkerSeesThem() {
        let pick = FloorPickInstruction(
            order: "SO-1",
            lineNo: 1,
            sku: "MILK",
            lot: "L2",
            location: "A-02",
            expiry: CalendarDate(iso: "2026-03-05"),
            quantity: 3,
            lineRemaining: 6
        )
        #expect(FloorSession.instruction(pick) == "take 3 MILK lot L2 from A-02 (expires 2026-03-05)")
        var short = pick
        short.location = nil
        #expect(FloorSession.instruction(short) == "line 1: 6 MILK short, nothing reserved: tell a supervisor")
        #expect(FloorSession.printable("01\u{1D}10L1\r\u{7}") == "01<GS>10L1<CR><0x07>")
    }
}
