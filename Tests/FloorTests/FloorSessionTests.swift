import Floor
import Foundation
import Inventory
import Logging
import TestSupport
import Testing
import Workflow

/// Floor sessions through the floor runtime (``FloorService``) against the real engine on a real
/// SQLite file in a temp dir, today fixed at 2026-03-01. No socket: the runtime is composed
/// directly, as `DepotService` composes it. Each refusal must also leave the ledger untouched.
final class FloorFixture: @unchecked Sendable {
    let directory: TemporaryDirectory
    let store: InventoryStore
    let floor: FloorService
    private var sequence = 0
    /// Monotonic time of the next scan; each scan is 2 s after the previous unless told.
    private var clock: Duration = .seconds(1000)

    init(logger: Logger = Logger(label: "test")) async throws {
        directory = try TemporaryDirectory(prefix: "depot-floor")
        store = try InventoryStore(
            path: directory.file("depot.sqlite"),
            clock: .fixed(DepotAPIInstant.parse("2026-03-01T08:00:00Z"), timeZone: TimeZone(identifier: "UTC")!)
        )
        floor = FloorService(store: store, logger: logger)
        try await store.addItem(
            ItemSpec(sku: "MILK", name: "Milk 1L", gtins: ["4006381333931"], lotTracked: true, expiryTracked: true)
        )
        try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt M8", gtins: ["96385074"]))
        try await store.addItem(ItemSpec(sku: "WATER", name: "Water"))
        try await store.addLocation(Location(code: "DOCK-1", kind: .receiving, gln: "4012345000009"))
        try await store.addLocation(Location(code: "A-01", kind: .storage))
        try await store.addLocation(Location(code: "A-02", kind: .storage))
        try await store.addLocation(Location(code: "PF-1", kind: .picking))
        try await store.addLocation(Location(code: "Q-1", kind: .quarantine))
    }

    deinit {
        try? store.close()  // the directory goes next; a close failure has nobody left to tell
        directory.remove()
    }

    /// Scans `text` on `scanner`; `id` defaults to a new one; `after` is the gap since the last scan.
    @discardableResult
    func scan(
        _ text: String,
        scanner: String = "S1",
        aim: String? = nil,
        id: String? = nil,
        after gap: Duration = .seconds(2)
    ) async -> FloorFeedback {
        sequence += 1
        clock += gap
        let scan = FloorScan(
            id: id ?? "\(scanner):\(sequence)",
            scannerID: scanner,
            text: text,
            symbologyIdentifier: aim,
            at: store.clock.now(),
            monotonic: clock
        )
        return await floor.submit(scan)
    }

    func position() async throws -> Int64 { try await store.ledgerPosition() }

    func onHand(_ sku: String, at location: String? = nil, lot: String? = nil) async throws -> Int64 {
        try await store.stock(item: ItemReference(sku), lot: lot, location: location).reduce(0) { $0 + $1.quantity }
    }
}

enum DepotAPIInstant {
    static func parse(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
}

/// GS1 labels used below (`<GS>` is written as \u{1D}).
enum Labels {
    static let gs = "\u{1D}"
    /// (02) MILK GTIN, (17) expiry, (10) lot, (37) count.
    static func milk(lot: String, expiry: String, count: Int? = nil) -> String {
        "0204006381333931" + "17" + expiry + "10" + lot + (count.map { gs + "37\($0)" } ?? "")
    }
    /// (414) GLN of DOCK-1.
    static let dockGLN = "4144012345000009"
}

@Suite struct FloorSessionTests {
    @Test func lookupIsTheDefaultAndDescribesLabels() async throws {
        let floor = try await FloorFixture()
        _ = try await floor.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 40, location: "A-01"),
            actor: "t"
        )
        let location = await floor.scan("A-01")
        #expect(location.mode == .lookup)
        #expect(location.kind == "location")
        #expect(location.message == "A-01: 40 BOLT")
        let item = await floor.scan("96385074", aim: "]E4")
        #expect(item.kind == "item")
        #expect(item.message.hasPrefix("BOLT Bolt M8: 40 on hand"))
        let unknown = await floor.scan("NOPE-42")
        #expect(unknown.level == .error)
        #expect(unknown.message.contains("NOPE-42"))
    }

    @Test func anIdentifierInFrontOfInjectedTextIsReadAsASplitOne() async throws {
        let floor = try await FloorFixture()
        _ = try await floor.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 40, location: "A-01"),
            actor: "t"
        )
        // Code 128 without FNC1 (`]C0`) carries plain text: a location, as when the scanner splits it.
        let joined = await floor.scan("]C0A-01")
        #expect(joined.kind == "location", "\(joined.message)")
        #expect(joined.message == (await floor.scan("A-01", aim: "]C0")).message)
        // An EAN-8 with its identifier in front is the item, and a command label is a command.
        #expect(await floor.scan("]E496385074").kind == "item")
        #expect(await floor.scan("]C0DEPOT MODE PICK").mode == .pick)
        // An identifier with nothing after it stays the parser's bad read.
        let bare = await floor.scan("]C0")
        #expect(bare.level == .error)
        #expect(bare.message.contains("no data"), "\(bare.message)")
    }

    @Test func receiveFromGS1LabelsWithQuantitiesAndAlerts() async throws {
        let floor = try await FloorFixture()
        #expect(await floor.scan("DEPOT MODE RECEIVE").message == "mode receive")
        let noLocation = await floor.scan(Labels.milk(lot: "L1", expiry: "260310", count: 12), aim: "]C1")
        #expect(noLocation.level == .error)
        #expect(noLocation.message.contains("receiving location first"))
        let dock = await floor.scan(Labels.dockGLN, aim: "]C1")
        #expect(dock.kind == "location")
        #expect(dock.location == "DOCK-1")
        let twelve = await floor.scan(Labels.milk(lot: "L1", expiry: "260310", count: 12), aim: "]C1")
        #expect(twelve.level == .ok, "\(twelve)")
        #expect(twelve.movements.count == 1)
        #expect(try await floor.onHand("MILK", at: "DOCK-1", lot: "L1") == 12)
        // A preceding quantity scan; L2 expires within the 7-day alert window: a warning with the alert.
        #expect(await floor.scan("DEPOT QTY 3").message.contains("quantity 3"))
        let soon = await floor.scan(Labels.milk(lot: "L2", expiry: "260305"), aim: "]C1")
        #expect(soon.level == .warning)
        #expect(soon.alerts == ["lot L2 of MILK expires 2026-03-05 (in 4 days)"])
        #expect(try await floor.onHand("MILK", lot: "L2") == 3)
        // No count, no quantity scan: 1. A plain EAN-8 for an untracked item.
        #expect(await floor.scan("96385074", aim: "]E4").level == .ok)
        #expect(try await floor.onHand("BOLT") == 1)
        // A SKU label.
        #expect(await floor.scan("WATER").level == .ok)
        #expect(try await floor.onHand("WATER", at: "DOCK-1") == 1)
    }

    /// Every receive refusal: the reason in the message, nothing written.
    @Test(arguments: [
        (Labels.milk(lot: "L1", expiry: "260228"), "expired"),  // already expired
        ("4006381333931", "lot-tracked"),  // lot-tracked without lot
        ("0204006381333931" + "10" + "L7", "expiry"),  // expiry-tracked without expiry
        (Labels.milk(lot: "L1", expiry: "260311"), "has expiry 2026-03-10, not 2026-03-11"),  // disagrees with the lot
        ("0204006381333932" + "17260310" + "10L1", "check digit"),  // wrong check digit
        ("0109999999999994", "no item has GTIN"),  // unknown GTIN
        ("DEPOT QTY many", "quantity \"many\""),  // bad command
        ("DEPOT FLY", "is not a depot command"),
    ])
    func receiveRefusals(text: String, reason: String) async throws {
        let floor = try await FloorFixture()
        _ = await floor.scan("DEPOT MODE RECEIVE")
        _ = await floor.scan("DOCK-1")
        #expect(await floor.scan(Labels.milk(lot: "L1", expiry: "260310", count: 5), aim: "]C1").level == .ok)
        let before = try await floor.position()
        let refused = await floor.scan(text)
        #expect(refused.level == .error, "\(refused)")
        #expect(refused.message.contains(reason), "\(refused.message)")
        #expect(refused.movements.isEmpty)
        #expect(try await floor.position() == before)
    }

    @Test func aScanIsAppliedExactlyOnceAndDoubleScansAreIgnored() async throws {
        let floor = try await FloorFixture()
        _ = await floor.scan("DEPOT MODE RECEIVE")
        _ = await floor.scan("DOCK-1")
        let label = Labels.milk(lot: "L1", expiry: "260310", count: 6)
        let first = await floor.scan(label, aim: "]C1", id: "S1:replayed")
        #expect(first.level == .ok)
        let replay = await floor.scan(label, aim: "]C1", id: "S1:replayed")
        #expect(replay.level == .warning)
        #expect(replay.message.contains("already applied"))
        #expect(replay.movements == first.movements)
        let double = await floor.scan(label, aim: "]C1", after: .milliseconds(200))
        #expect(double.kind == "double")
        #expect(try await floor.onHand("MILK") == 6)
        // Outside the window the same label is a second carton.
        #expect(await floor.scan(label, aim: "]C1", after: .seconds(3)).level == .ok)
        #expect(try await floor.onHand("MILK") == 12)
    }

    @Test func putawayCarriesGoodsToTheDestinationAndUndoReverses() async throws {
        let floor = try await FloorFixture()
        _ = try await floor.store.receive(
            ReceiveRequest(
                item: ItemReference("MILK"),
                quantity: 10,
                location: "DOCK-1",
                lot: "L1",
                expiry: try CalendarDate(parsing: "2026-04-01")
            ),
            actor: "t"
        )
        _ = try await floor.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 50, location: "DOCK-1"),
            actor: "t"
        )
        _ = try await floor.floor.assign(
            scanner: "S1",
            mode: .putaway,
            location: "DOCK-1",
            operatorName: "ana",
            order: nil
        )
        _ = await floor.scan("DEPOT QTY 4")
        let carry = await floor.scan(Labels.milk(lot: "L1", expiry: "260401"), aim: "]C1")
        #expect(carry.message == "carrying 4 MILK lot L1")
        _ = await floor.scan("DEPOT QTY 20")
        _ = await floor.scan("96385074", aim: "]E4")
        let same = await floor.scan("DOCK-1")
        #expect(same.level == .error)
        let done = await floor.scan("DEPOT DONE")
        #expect(done.level == .error, "done while carrying is refused")
        let put = await floor.scan("A-01")
        #expect(put.level == .ok, "\(put)")
        #expect(put.movements.count == 2)
        #expect(try await floor.onHand("MILK", at: "A-01") == 4)
        #expect(try await floor.onHand("BOLT", at: "A-01") == 20)
        let ledger = try await floor.store.ledger(LedgerFilter(afterId: put.movements[0] - 1))
        #expect(ledger.first?.actor == "scanner:S1/ana")
        let undo = await floor.scan("DEPOT UNDO")
        #expect(undo.level == .ok, "\(undo)")
        #expect(try await floor.onHand("MILK", at: "DOCK-1") == 10)
        #expect(try await floor.onHand("BOLT", at: "DOCK-1") == 50)
        #expect(await floor.scan("DEPOT UNDO").message == "nothing to undo")
        #expect(try await floor.store.verify().ok)
    }

    @Test func moveNeedsEnoughStockAtTheSource() async throws {
        let floor = try await FloorFixture()
        _ = try await floor.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 5, location: "A-01"),
            actor: "t"
        )
        _ = await floor.scan("DEPOT MODE MOVE")
        #expect(await floor.scan("96385074").message.contains("location to take goods from first"))
        _ = await floor.scan("A-01")
        _ = await floor.scan("DEPOT QTY 6")
        let before = try await floor.position()
        let refused = await floor.scan("96385074")
        #expect(refused.level == .error, "the source is checked at the item scan")
        #expect(refused.message.contains("only 5 of BOLT available at A-01"))
        #expect(try await floor.position() == before)
        _ = await floor.scan("DEPOT QTY 5")
        _ = await floor.scan("96385074")
        #expect(await floor.scan("PF-1").level == .ok)
        // Emptying a pick face by moving from it raises an alert.
        _ = await floor.scan("PF-1")
        _ = await floor.scan("DEPOT QTY 5")
        _ = await floor.scan("96385074")
        let emptied = await floor.scan("A-02")
        #expect(emptied.alerts == ["pick location PF-1 is out of BOLT"])
    }

    /// Picking in FEFO order: the next pick, the refused later lot, an allowed substitution,
    /// wrong item, too many, order complete.
    @Test func pickFollowsTheAllocationAndChecksFEFO() async throws {
        let floor = try await FloorFixture()
        let store = floor.store
        for (lot, expiry, quantity, location) in [
            ("L1", "2026-03-10", 5, "A-01"), ("L2", "2026-03-05", 3, "A-02"),
            ("L5", "2026-03-05", 4, "PF-1"), ("L9", "2026-06-01", 9, "A-01"),
        ] {
            _ = try await store.receive(
                ReceiveRequest(
                    item: ItemReference("MILK"),
                    quantity: Int64(quantity),
                    location: location,
                    lot: lot,
                    expiry: try CalendarDate(parsing: expiry)
                ),
                actor: "t"
            )
        }
        _ = try await store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 10, location: "A-02"),
            actor: "t"
        )
        _ = try await store.createOrder(
            reference: "SO-1",
            lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 7)],
            actor: "t"
        )
        _ = await floor.scan("DEPOT MODE PICK")
        #expect(await floor.scan("96385074").message == "scan an order first")
        let order = await floor.scan("SO-1")
        #expect(order.kind == "order")
        // Ties on expiry (L2, L5) break by receipt time: L2 was received first.
        #expect(order.expectation == "take 3 MILK lot L2 from A-02 (expires 2026-03-05)")
        let before = try await floor.position()
        let later = await floor.scan(Labels.milk(lot: "L1", expiry: "260310"), aim: "]C1")
        #expect(later.level == .error)
        #expect(later.message == "Lot L2 expires 2026-03-05: take it from A-02 first")
        #expect(
            later.expectation == "take 3 MILK lot L2 from A-02 (expires 2026-03-05)",
            "the instruction stays in view"
        )
        let wrong = await floor.scan("96385074", aim: "]E4")
        #expect(wrong.level == .error)
        #expect(wrong.message.contains("not on order SO-1"))
        _ = await floor.scan("DEPOT QTY 8")
        let tooMany = await floor.scan(Labels.milk(lot: "L2", expiry: "260305"), aim: "]C1")
        #expect(tooMany.level == .error)
        #expect(tooMany.message.contains("too many"))
        #expect(try await floor.position() == before, "refusals write nothing")
        _ = await floor.scan("DEPOT QTY 3")
        let l2 = await floor.scan(Labels.milk(lot: "L2", expiry: "260305"), aim: "]C1")
        #expect(l2.level == .ok, "\(l2)")
        #expect(l2.expectation == "take 4 MILK lot L5 from PF-1 (expires 2026-03-05)")
        _ = await floor.scan("DEPOT QTY 4")
        let l5 = await floor.scan(Labels.milk(lot: "L5", expiry: "260305"), aim: "]C1")
        #expect(l5.level == .warning, "\(l5)")
        #expect(l5.alerts == ["pick location PF-1 is out of MILK"])
        #expect(l5.message.hasSuffix("order SO-1 complete"))
        #expect(l5.expectation == "order SO-1 complete: scan the next order")
        #expect(l5.order == nil)
        #expect(try await store.order("SO-1").status == .picked)
        #expect(try await floor.onHand("MILK") == 14)
        #expect(try await store.verify().ok)
        let afterwards = await floor.scan("SO-1")
        #expect(afterwards.message == "order SO-1 has nothing left to pick")
        #expect(await floor.scan("DEPOT UNDO").message == "undo is not available in pick mode")
    }

    @Test func aLotWithAnEarlierOrEqualExpiryMayReplaceTheAllocatedOne() async throws {
        let floor = try await FloorFixture()
        let store = floor.store
        _ = try await store.receive(
            ReceiveRequest(
                item: ItemReference("MILK"),
                quantity: 5,
                location: "A-01",
                lot: "L1",
                expiry: try CalendarDate(parsing: "2026-03-10")
            ),
            actor: "t"
        )
        _ = try await store.receive(
            ReceiveRequest(
                item: ItemReference("MILK"),
                quantity: 5,
                location: "A-02",
                lot: "L3",
                expiry: try CalendarDate(parsing: "2026-03-10")
            ),
            actor: "t"
        )
        _ = try await store.setLotStatus(
            item: ItemReference("MILK"),
            lot: "L3",
            status: .quarantine,
            reason: "check",
            actor: "t"
        )
        _ = try await store.createOrder(
            reference: "SO-2",
            lines: [OrderLineRequest(item: ItemReference("MILK"), quantity: 2)],
            actor: "t"
        )
        _ = try await store.setLotStatus(
            item: ItemReference("MILK"),
            lot: "L3",
            status: .available,
            reason: "ok",
            actor: "t"
        )
        _ = await floor.scan("DEPOT MODE PICK")
        #expect(await floor.scan("SO-2").expectation == "take 2 MILK lot L1 from A-01 (expires 2026-03-10)")
        _ = await floor.scan("DEPOT QTY 2")
        let swapped = await floor.scan(Labels.milk(lot: "L3", expiry: "260310"), aim: "]C1")
        #expect(swapped.message.contains("lot substituted"), "\(swapped)")
        #expect(try await floor.onHand("MILK", lot: "L1") == 5)
        #expect(try await floor.onHand("MILK", lot: "L3") == 3)
        let l1 = try await store.stock(item: ItemReference("MILK"), lot: "L1")
        #expect(l1.first?.reserved == 0, "the reservation moved off L1")
        #expect(try await store.verify().ok)
    }

    @Test func ssccCorruptAndCrossScannerIsolation() async throws {
        let floor = try await FloorFixture()
        let sscc = await floor.scan("00" + "340123450000000000", aim: "]C1")
        #expect(sscc.kind == "sscc", "\(sscc)")
        #expect(sscc.level == .warning)
        let corrupt = await floor.floor.submit(
            FloorScan(
                id: "x",
                scannerID: "S1",
                text: "0104",
                at: Date(),
                corruption: "events dropped (SYN_DROPPED)"
            )
        )
        #expect(corrupt.level == .error)
        #expect(corrupt.kind == "corrupt")
        _ = await floor.scan("DEPOT MODE RECEIVE", scanner: "S1")
        let other = await floor.scan("A-01", scanner: "S2")
        #expect(other.mode == .lookup, "S2 keeps its own session")
        let scanners = await floor.floor.list()
        #expect(scanners.map(\.id) == ["S1", "S2"])
        #expect(scanners.map(\.mode) == [.receive, .lookup])
    }

    @Test func carryingCannotReach2Pow53() async throws {
        let floor = try await FloorFixture()
        _ = try await floor.store.receive(
            ReceiveRequest(item: ItemReference("BOLT"), quantity: 9_007_199_254_740_991, location: "A-01"),
            actor: "t"
        )
        _ = await floor.scan("DEPOT MODE MOVE")
        _ = await floor.scan("A-01")
        _ = await floor.scan("DEPOT QTY 9007199254740991")
        // Carried: a plain OK (that the 8 digits also read as the element string (96)385074 is a
        // note of the parser, not a floor alert).
        let carried = await floor.scan("96385074")
        #expect(carried.level == .ok && carried.message.contains("carrying"), "\(carried)")
        _ = await floor.scan("DEPOT QTY 1")
        let refused = await floor.scan("96385074")
        #expect(refused.level == .error)
        #expect(refused.message.contains("2^53"), "\(refused.message)")
    }
}
