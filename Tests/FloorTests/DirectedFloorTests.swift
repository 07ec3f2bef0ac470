import Floor
import Foundation
import Inventory
import Testing
import Workflow

/// The floor rules of directed work: the bin a pick names, the source of a carry checked at the
/// item scan, quantities, and leaving an order short. Real engine on a temp file (FloorFixture).
@Suite struct DirectedFloorTests {
    /// MILK L2 (expires first) at A-02, BOLT at A-01; order SO-3 wants 3 MILK and 5 BOLT.
    static func twoBinOrder(_ floor: FloorFixture) async throws {
        let store = floor.store
        _ = try await store.receive(
            ReceiveRequest(
                item: ItemReference("MILK"),
                quantity: 3,
                location: "A-02",
                lot: "L2",
                expiry: try CalendarDate(parsing: "2026-03-05")
            ),
            actor: "t"
        )
        _ = try await store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 10, location: "A-01"),
            actor: "t"
        )
        _ = try await store.createOrder(
            reference: "SO-3",
            lines: [
                OrderLineRequest(item: ItemReference("MILK"), quantity: 3),
                OrderLineRequest(item: ItemReference("BOLT"), quantity: 5),
            ],
            actor: "t"
        )
    }

    @Test func aPickGoesToTheInstructedBinAndTheNextLineStartsWithoutOne() async throws {
        let floor = try await FloorFixture()
        try await Self.twoBinOrder(floor)
        _ = await floor.scan("DEPOT MODE PICK")
        let instruction = "take 3 MILK lot L2 from A-02 (expires 2026-03-05)"
        #expect(await floor.scan("SO-3").expectation == instruction)
        let before = try await floor.position()
        let wrongBin = await floor.scan("A-01")
        #expect(wrongBin.level == .error)
        #expect(wrongBin.message == "A-01 is not the bin of this pick: " + instruction)
        #expect(wrongBin.location == nil)
        #expect(wrongBin.expectation == instruction)
        let bin = await floor.scan("A-02")
        #expect(bin.level == .ok, "\(bin)")
        #expect(bin.location == "A-02")
        _ = await floor.scan("DEPOT QTY 3")
        let milk = await floor.scan(Labels.milk(lot: "L2", expiry: "260305"), aim: "]C1")
        #expect(milk.level == .ok, "\(milk)")
        #expect(milk.expectation == "take 5 BOLT from A-01")
        #expect(milk.location == nil, "no stale bin for the next line")
        _ = await floor.scan("DEPOT QTY 5")
        let bolt = await floor.scan("96385074", aim: "]E4")
        #expect(bolt.level == .ok, "\(bolt)")
        #expect(bolt.message.hasSuffix("order SO-3 complete"))
        #expect(try await floor.position() == before + 2)
    }

    @Test func aCarryIsCheckedAtTheSourceWhenTheGoodsAreScanned() async throws {
        let floor = try await FloorFixture()
        let store = floor.store
        _ = try await store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 5, location: "A-01"),
            actor: "t"
        )
        _ = try await store.receive(
            ReceiveRequest(
                item: ItemReference("MILK"),
                quantity: 4,
                location: "A-02",
                lot: "L1",
                expiry: try CalendarDate(parsing: "2026-04-01")
            ),
            actor: "t"
        )
        _ = await floor.scan("DEPOT MODE MOVE")
        _ = await floor.scan("A-01")
        let before = try await floor.position()
        let notHere = await floor.scan(Labels.milk(lot: "L1", expiry: "260401"), aim: "]C1")
        #expect(notHere.level == .error)
        #expect(notHere.message == "only 0 of MILK lot L1 available at A-01, 1 requested", "\(notHere.message)")
        #expect(notHere.expectation == "scan goods to take from A-01", "the refused line is not carried")
        _ = await floor.scan("DEPOT QTY 3")
        #expect(await floor.scan("96385074", aim: "]E4").message == "carrying 3 BOLT")
        _ = await floor.scan("DEPOT QTY 3")
        let tooMany = await floor.scan("96385074", aim: "]E4")
        #expect(tooMany.level == .error, "3 carried + 3 more than the 5 at A-01")
        #expect(tooMany.message.contains("only 5 of BOLT available at A-01, 6 requested"), "\(tooMany.message)")
        #expect(try await floor.position() == before)
        let put = await floor.scan("PF-1")
        #expect(put.level == .ok, "one bad line does not block the carry: \(put)")
        #expect(try await floor.onHand("BOLT", at: "PF-1") == 3)
        #expect(try await floor.onHand("MILK", at: "A-02") == 4)
    }

    @Test func anExplicitQuantityWinsOverTheLabelCountSoACaseCanBeBroken() async throws {
        let floor = try await FloorFixture()
        _ = await floor.scan("DEPOT MODE RECEIVE")
        _ = await floor.scan("DOCK-1")
        let caseOf12 = Labels.milk(lot: "L1", expiry: "260401", count: 12)
        #expect(await floor.scan(caseOf12, aim: "]C1").level == .ok)
        #expect(try await floor.onHand("MILK", at: "DOCK-1") == 12)
        _ = await floor.scan("DEPOT MODE MOVE")
        _ = await floor.scan("DOCK-1")
        _ = await floor.scan("DEPOT QTY 6")
        let broken = await floor.scan(caseOf12, aim: "]C1")
        #expect(broken.message == "carrying 6 MILK lot L1", "\(broken)")
        #expect(await floor.scan("A-01").level == .ok)
        #expect(try await floor.onHand("MILK", at: "A-01") == 6)
        #expect(try await floor.onHand("MILK", at: "DOCK-1") == 6)
        // Without a quantity scan the label's count applies again.
        #expect(await floor.scan("A-01").level == .ok)
        #expect(await floor.scan(caseOf12, aim: "]C1", after: .seconds(3)).level == .error, "12 are not at A-01")
    }

    @Test func doneOnAnUnfinishedOrderSaysWhatIsLeftAndNeedsASecondDone() async throws {
        let floor = try await FloorFixture()
        try await Self.twoBinOrder(floor)
        _ = await floor.scan("DEPOT MODE PICK")
        _ = await floor.scan("SO-3")
        _ = await floor.scan("DEPOT QTY 2")
        #expect(await floor.scan(Labels.milk(lot: "L2", expiry: "260305"), aim: "]C1").level == .ok)
        let first = await floor.scan("DEPOT DONE")
        #expect(first.level == .warning)
        #expect(
            first.message == "order SO-3 is not finished: line 1: 1 MILK, line 2: 5 BOLT left to pick",
            "\(first.message)"
        )
        #expect(first.expectation == "scan DEPOT DONE again to leave order SO-3 short, or go on picking")
        #expect(first.order == "SO-3", "one DONE does not leave the order")
        // Any other scan in between disarms the confirmation.
        _ = await floor.scan("DEPOT QTY 1")
        #expect(await floor.scan("DEPOT DONE").message.hasPrefix("order SO-3 is not finished"))
        let second = await floor.scan("DEPOT DONE")
        #expect(second.level == .warning)
        #expect(second.message == "left order SO-3 short: line 1: 1 MILK, line 2: 5 BOLT not picked")
        #expect(second.order == nil)
        #expect(try await floor.store.order("SO-3").lines.map(\.picked) == [2, 0], "nothing is written by leaving")
        // A finished order (or none) is done at once.
        #expect(await floor.scan("DEPOT DONE").message == "done")
    }

    @Test func lookupScansDoNotRevealAnOpenBlindCount() async throws {
        let floor = try await FloorFixture()
        _ = try await floor.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 12, location: "A-01"),
            actor: "t"
        )
        _ = try await floor.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 3, location: "A-02"),
            actor: "t"
        )
        #expect(await floor.scan("A-01").message == "A-01: 12 BOLT")
        _ = try await floor.store.startCount(CountStartRequest(location: "A-01", blind: true), actor: "clerk")
        let bin = await floor.scan("A-01")
        #expect(!bin.message.contains("12"), "\(bin.message)")
        #expect(bin.message == "A-01: quantities under a blind count hidden")
        let item = await floor.scan("96385074", aim: "]E4")
        #expect(!item.message.contains("12") && !item.message.contains("15"), "\(item.message)")
        #expect(item.message == "BOLT Bolt M8: 3 on hand outside blind counts: 3 at A-02")
    }

    /// A scanner is a counter: under an open blind count it is told "not enough", never the
    /// figure, and emptying a pick face there raises no "out of" alert (that states the book: 0).
    @Test func carryFeedbackDoesNotRevealAnOpenBlindCount() async throws {
        let floor = try await FloorFixture()
        _ = try await floor.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 12, location: "A-01"),
            actor: "t"
        )
        _ = try await floor.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 4, location: "PF-1"),
            actor: "t"
        )
        _ = try await floor.store.startCount(CountStartRequest(location: "A-01", blind: true), actor: "clerk")
        _ = try await floor.store.startCount(CountStartRequest(location: "PF-1", blind: true), actor: "clerk")
        _ = await floor.scan("DEPOT MODE MOVE")
        _ = await floor.scan("A-01")
        _ = await floor.scan("DEPOT QTY 13")
        let refused = await floor.scan("96385074", aim: "]E4")
        #expect(refused.level == .error)
        #expect(
            refused.message == "not enough of BOLT available at A-01 (a blind count is open there), 13 requested",
            "\(refused.message)"
        )
        _ = await floor.scan("PF-1")
        _ = await floor.scan("DEPOT QTY 4")
        #expect(await floor.scan("96385074", aim: "]E4").level == .ok)
        let emptied = await floor.scan("A-02")
        #expect(emptied.level == .ok, "\(emptied)")
        #expect(emptied.alerts.isEmpty, "\(emptied.alerts)")
        #expect(try await floor.onHand("BOLT", at: "PF-1") == 0)
    }

    /// A recount "by someone else" cannot be had by scanning another DEPOT OPERATOR label: the
    /// counter is the scanner and its assigned operator (docs/counts.md, "Recounts").
    @Test func aScannedOperatorNameIsNotAnotherCounter() async throws {
        let floor = try await FloorFixture()
        _ = try await floor.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 12, location: "A-01"),
            actor: "t"
        )
        let count = try await floor.store.startCount(
            CountStartRequest(location: "A-01", recountByOther: true),
            actor: "clerk"
        )
        _ = await floor.scan("DEPOT OPERATOR ANA")
        _ = await floor.scan("DEPOT COUNT \(count.id)")
        _ = await floor.scan("A-01")
        _ = await floor.scan("DEPOT QTY 5")
        let first = await floor.scan("96385074", aim: "]E4")
        #expect(first.level == .ok, "\(first.message)")
        _ = try await floor.store.submitCount(count.id, actor: "clerk")
        _ = try await floor.store.recount(count.id, lines: [1], actor: "clerk")
        _ = await floor.scan("DEPOT OPERATOR BOB")
        _ = await floor.scan("A-01")
        _ = await floor.scan("DEPOT QTY 12")
        let recount = await floor.scan("96385074", aim: "]E4")
        #expect(
            recount.level == .error,
            "the same scanner with another scanned name is the same counter: \(recount.message)"
        )
        #expect(try await floor.store.count(count.id).lines[0].counted == nil)
    }

    /// A DEPOT QTY is for the next goods scan only: a refused scan drops it too.
    @Test func aRefusedScanDropsThePendingQuantity() async throws {
        let floor = try await FloorFixture()
        _ = try await floor.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 10, location: "A-01"),
            actor: "t"
        )
        _ = await floor.scan("DEPOT MODE MOVE")
        _ = await floor.scan("A-01")
        _ = await floor.scan("DEPOT QTY 97")
        let refused = await floor.scan("96385074", aim: "]E4")
        #expect(refused.level == .error, "\(refused.message)")
        #expect(!refused.expectation.contains("97"), "\(refused.expectation)")
        let next = await floor.scan("96385074", aim: "]E4")
        #expect(next.level == .ok, "one BOLT, not 97: \(next.message)")
    }

    /// A bare AIM identifier is a bad read, said as the parser says it; an EAN add-on is named.
    @Test func aBareIdentifierIsABadReadAndAnAddOnIsNamed() async throws {
        let floor = try await FloorFixture()
        let bare = await floor.scan("]C1")
        #expect(bare.level == .error)
        #expect(bare.message.contains("AIM identifier"), "\(bare.message)")
        #expect(!bare.message.contains("not a known"), "\(bare.message)")
        let addOn = await floor.scan("400638133393112", aim: "]E3")
        #expect(addOn.kind == "item", "\(addOn.message)")
        #expect(addOn.level == .warning)
        #expect(addOn.alerts.contains { $0.contains("add-on 12") }, "\(addOn.alerts)")
    }

    /// A zone (a location with locations inside) holds no stock: receiving or counting there, or
    /// carrying goods to it, is refused at the location scan and at assignment, naming the
    /// allowed kinds, and nothing is written (docs/allocation.md, "Zones").
    @Test func aZoneIsRefusedAtTheLocationScanAndAtAssignment() async throws {
        let floor = try await FloorFixture()
        let store = floor.store
        try await store.addLocation(Location(code: "ZONE-B", kind: .storage))
        try await store.addLocation(Location(code: "B-01", kind: .storage, parent: "ZONE-B"))
        _ = try await store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 5, location: "A-01"),
            actor: "t"
        )
        let before = try await floor.position()

        _ = await floor.scan("DEPOT MODE RECEIVE")
        let receive = await floor.scan("ZONE-B")
        #expect(receive.level == .error)
        #expect(receive.message.contains("ZONE-B is a zone (it holds B-01)"), "\(receive.message)")
        #expect(receive.message.contains("only storage and picking are allocatable"), "\(receive.message)")
        #expect(receive.location == nil)
        #expect(receive.expectation == "scan the receiving location")
        #expect(await floor.scan("B-01").level == .ok, "a location inside the zone is fine")

        _ = await floor.scan("DEPOT MODE MOVE")
        _ = await floor.scan("A-01")
        _ = await floor.scan("DEPOT QTY 2")
        #expect(await floor.scan("96385074", aim: "]E4").message == "carrying 2 BOLT")
        let move = await floor.scan("ZONE-B")
        #expect(move.level == .error)
        #expect(move.message.contains("ZONE-B is a zone"), "\(move.message)")
        #expect(move.expectation == "carrying 2 BOLT: scan more goods or the destination location")

        let count = try await store.startCount(CountStartRequest(location: "A-01"), actor: "clerk")
        _ = await floor.scan("DEPOT COUNT \(count.id)")
        let counted = await floor.scan("ZONE-B")
        #expect(counted.level == .error)
        #expect(counted.message.contains("ZONE-B is a zone"), "\(counted.message)")
        #expect(try await floor.position() == before, "no refused scan wrote a movement")

        for mode in [FloorMode.receive, .count] {
            await #expect(throws: InventoryError.self) {
                _ = try await floor.floor.assign(
                    scanner: "S2",
                    mode: mode,
                    location: "ZONE-B",
                    operatorName: nil,
                    order: nil,
                    count: mode == .count ? count.id : nil
                )
            }
        }
        // Taking goods from a zone is a source, refused at the goods scan (nothing lies there).
        let source = try await floor.floor.assign(
            scanner: "S2",
            mode: .move,
            location: "ZONE-B",
            operatorName: nil,
            order: nil
        )
        #expect(source.location == "ZONE-B")
    }

    /// An order an admin assigns to a scanner in pick mode is worked like a scanned one: the first
    /// bin scan is checked against the order's first instruction, not refused for want of an order.
    @Test func anAssignedOrderIsPickedFromItsFirstInstruction() async throws {
        let floor = try await FloorFixture()
        try await Self.twoBinOrder(floor)
        _ = try await floor.floor.assign(scanner: "S1", mode: .pick, location: nil, operatorName: nil, order: "SO-3")
        let instruction = "take 3 MILK lot L2 from A-02 (expires 2026-03-05)"
        let wrongBin = await floor.scan("A-01")
        #expect(wrongBin.level == .error)
        #expect(wrongBin.message == "A-01 is not the bin of this pick: " + instruction)
        let bin = await floor.scan("A-02")
        #expect(bin.level == .ok, "\(bin)")
        _ = await floor.scan("DEPOT QTY 3")
        let milk = await floor.scan(Labels.milk(lot: "L2", expiry: "260305"), aim: "]C1")
        #expect(milk.level == .ok, "\(milk)")
        #expect(milk.expectation == "take 5 BOLT from A-01")
    }

    /// Every GS1 parser warning about a label reaches the worker as an alert, as the add-on's
    /// does: 8 digits that are an EAN-8 and also a UPC-E are received with the warning that they
    /// may be a UPC-E (docs/workflows.md, "What a label is").
    @Test func anAmbiguousEightDigitCodeIsReceivedWithTheUPCEWarning() async throws {
        let floor = try await FloorFixture()
        try await floor.store.addItem(ItemSpec(sku: "EAN8", name: "Eight", gtins: ["01234565"]))
        _ = await floor.scan("DEPOT MODE RECEIVE")
        _ = await floor.scan("DOCK-1")
        let received = await floor.scan("01234565")
        #expect(received.message == "received 1 EAN8 into DOCK-1", "\(received)")
        #expect(received.level == .warning)
        #expect(received.alerts.contains { $0.contains("also a valid UPC-E") }, "\(received.alerts)")
        #expect(!received.alerts.contains { $0.contains("no AIM symbology identifier") }, "notes stay out")
        // Told apart by the AIM identifier, the same digits carry no doubt.
        let told = await floor.scan("01234565", aim: "]E4", after: .seconds(5))
        #expect(told.level == .ok && told.alerts.isEmpty, "\(told)")
    }

    /// Not found as an EAN-8, ambiguous digits are tried as the UPC-E they also are (its UPC-A
    /// expansion); found nowhere, the refusal names both readings.
    @Test func anEightDigitCodeNoItemHasAsEAN8IsTriedAsUPCE() async throws {
        let floor = try await FloorFixture()
        _ = await floor.scan("DEPOT MODE RECEIVE")
        _ = await floor.scan("DOCK-1")
        let neither = await floor.scan("01234565")
        #expect(neither.level == .error)
        #expect(
            neither.message
                == "no item has GTIN 00000001234565 (01234565 as an EAN-8), nor GTIN 00012345000065 (01234565 as a UPC-E)",
            "\(neither)"
        )
        #expect(neither.alerts.contains { $0.contains("also a valid UPC-E") }, "\(neither.alerts)")
        try await floor.store.addItem(ItemSpec(sku: "UPCE", name: "Upc-E", gtins: ["012345000065"]))
        let received = await floor.scan("01234565", after: .seconds(5))
        #expect(received.message == "received 1 UPCE into DOCK-1", "\(received)")
        #expect(received.level == .warning)
        #expect(
            received.alerts.contains {
                $0 == "no item has GTIN 00000001234565 (01234565 as an EAN-8): read as the UPC-E of GTIN 00012345000065"
            },
            "\(received.alerts)"
        )
    }

    /// A Digital Link form depot does not decode is refused as unknown, with the parser's warning
    /// saying why.
    @Test(arguments: [
        "https://id.gs1.org/gtin/04006381333931/lot/L1",
        "https://id.gs1.org/ARHKVAdpQg",
    ])
    func aDigitalLinkFormDepotDoesNotReadSaysWhy(uri: String) async throws {
        let floor = try await FloorFixture()
        _ = await floor.scan("DEPOT MODE RECEIVE")
        _ = await floor.scan("DOCK-1")
        let refused = await floor.scan(uri)
        #expect(refused.level == .error)
        #expect(refused.message.contains("is not a known location, item, order or command"), "\(refused)")
        #expect(refused.alerts.contains { $0.contains("Digital Link") }, "\(refused.alerts)")
    }
}
