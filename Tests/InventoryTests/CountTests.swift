import Foundation
import Inventory
import Synchronization
import TestSupport
import Testing

/// Stock counts on a real SQLite file (docs/counts.md): the "as of" rule, approval on today's
/// stock, blind views, thresholds and recounts, full sessions, cycle-count due dates.
@Suite struct CountTests {
    /// A clock the test can move forward (starts 2026-03-01T08:00:00Z, UTC).
    final class TestClock: Sendable {
        let instant = Mutex(Date(timeIntervalSince1970: 1_772_352_000))
        var clock: InventoryClock {
            InventoryClock(timeZone: TimeZone(identifier: "UTC")!) { [self] in self.instant.withLock { $0 } }
        }
        func advance(days: Int) { instant.withLock { $0 += Double(days) * 86_400 } }
    }

    /// A store in a temp dir with zone Z containing bins A and B, item SOAP (untracked) and
    /// item MILK (lot-tracked).
    struct Fixture {
        let directory: TemporaryDirectory
        let store: InventoryStore
        let time = TestClock()

        init() async throws {
            directory = try TemporaryDirectory(prefix: "depot-count")
            store = try InventoryStore(path: directory.file("depot.sqlite"), clock: time.clock)
            _ = try await store.addItem(ItemSpec(sku: "SOAP", name: "Soap"))
            _ = try await store.addItem(ItemSpec(sku: "MILK", name: "Milk", lotTracked: true))
            _ = try await store.addLocation(Location(code: "Z", kind: .storage))
            _ = try await store.addLocation(Location(code: "A", kind: .storage, parent: "Z"))
            _ = try await store.addLocation(Location(code: "B", kind: .storage, parent: "Z"))
            _ = try await store.addLocation(Location(code: "ELSEWHERE", kind: .storage))
        }

        func receive(_ sku: String, _ quantity: Int64, at location: String, lot: String? = nil) async throws {
            _ = try await store.receive(
                ReceiveRequest(item: ItemReference(sku), quantity: quantity, location: location, lot: lot),
                actor: "test"
            )
        }

        func onHand(_ sku: String, at location: String, lot: String? = nil) async throws -> Int64 {
            try await store.stock(item: ItemReference(sku), location: location)
                .filter { $0.location == location && $0.lot == lot }.reduce(0) { $0 + $1.quantity }
        }

        func record(
            _ count: Int64,
            _ sku: String,
            at location: String,
            lot: String? = nil,
            _ quantity: Int64,
            mode: CountEntryMode = .set,
            actor: String = "uid:1000"
        ) async throws -> CountRecordResult {
            try await store.recordCount(
                CountEntry(
                    count: count,
                    location: location,
                    item: ItemReference(sku),
                    lot: lot,
                    quantity: quantity,
                    mode: mode
                ),
                actor: actor
            )
        }

        func ledgerCount() async throws -> Int {
            try await store.ledger(LedgerFilter(limit: 100_000)).count
        }

        func cleanUp() {
            try? store.close()
            directory.remove()
        }
    }

    /// One count at a time per balance: a count over stock that an open or submitted count
    /// covers is refused, naming it; other items, other locations and counts once closed are not.
    /// "line 1 must be recounted", "lines 1, 4 must be recounted"; the command keeps `--lines 1,4`.
    @Test func theRecountMessageNamesOneLineOrSeveral() {
        #expect(
            CountError.recountRequired(count: 3, lines: [1]).description
                == "count 3: line 1 must be recounted before approval (depotctl count recount 3 --lines 1)"
        )
        #expect(
            CountError.recountRequired(count: 3, lines: [1, 4]).description
                == "count 3: lines 1, 4 must be recounted before approval (depotctl count recount 3 --lines 1,4)"
        )
    }

    @Test func aSecondCountOverTheSameStockIsRefusedUntilTheFirstCloses() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 20, at: "A")
        try await f.receive("MILK", 30, at: "B", lot: "L1")
        let blind = try await f.store.startCount(CountStartRequest(location: "Z", blind: true), actor: "clerk")
        for (location, item) in [("A", nil), ("A", "SOAP"), ("Z", "MILK"), ("Z", nil)] as [(String, String?)] {
            let request = CountStartRequest(location: location, item: item.map { ItemReference($0) })
            await #expect(
                throws: InventoryError.invalidValue(
                    field: "location",
                    value: location,
                    reason:
                        "count \(blind.id) of Z (all items, open) covers the same stock: approve or cancel it first (one count at a time per balance)"
                )
            ) { _ = try await f.store.startCount(request, actor: "clerk") }
        }
        _ = try await f.store.startCount(CountStartRequest(location: "ELSEWHERE"), actor: "clerk")
        _ = try await f.store.submitCount(blind.id, actor: "uid:1000")
        await #expect(throws: InventoryError.self, "submitted still covers it") {
            _ = try await f.store.startCount(CountStartRequest(location: "A"), actor: "clerk")
        }
        _ = try await f.store.cancelCount(blind.id, actor: "clerk")
        // Closed: a count of one item in A may start, and then a count of another item there too.
        _ = try await f.store.startCount(CountStartRequest(location: "A", item: ItemReference("SOAP")), actor: "clerk")
        _ = try await f.store.startCount(CountStartRequest(location: "A", item: ItemReference("MILK")), actor: "clerk")
    }

    /// A location does not change its zone while a count covers it, its zone or the new zone.
    @Test func aLocationKeepsItsZoneWhileACountCoversIt() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 3, at: "A")
        _ = try await f.store.addLocation(Location(code: "Y", kind: .storage))
        let count = try await f.store.startCount(CountStartRequest(location: "Z", blind: true), actor: "clerk")
        for parent in ["", "Y"] {
            await #expect(throws: InventoryError.self, "A out of Z to \(parent.isEmpty ? "no zone" : parent)") {
                _ = try await f.store.updateLocation("A", LocationUpdate(parent: parent))
            }
        }
        await #expect(throws: InventoryError.self, "ELSEWHERE into Z") {
            _ = try await f.store.updateLocation("ELSEWHERE", LocationUpdate(parent: "Z"))
        }
        #expect(try await f.store.location("A").parent == "Z")
        // Outside the count, zones change as before.
        _ = try await f.store.updateLocation("ELSEWHERE", LocationUpdate(parent: "Y"))
        _ = try await f.store.cancelCount(count.id, actor: "clerk")
        _ = try await f.store.updateLocation("A", LocationUpdate(parent: "Y"))
        #expect(try await f.store.location("A").parent == "Y")
    }

    @Test func noDiscrepancyPostsNothing() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 20, at: "A")
        try await f.receive("MILK", 30, at: "B", lot: "L1")
        let count = try await f.store.startCount(CountStartRequest(location: "Z"), actor: "clerk")
        #expect(count.lines.map(\.expectedAtStart) == [20, 30])
        _ = try await f.record(count.id, "SOAP", at: "A", 20)
        _ = try await f.record(count.id, "MILK", at: "B", lot: "L1", 30)
        _ = try await f.store.submitCount(count.id, actor: "uid:1000")
        let before = try await f.ledgerCount()
        let approval = try await f.store.approveCount(count.id, actor: "clerk")
        #expect(approval.movements.isEmpty)
        #expect(approval.count.status == .approved)
        #expect(try await f.ledgerCount() == before)
        #expect(try await f.store.verify().ok)
    }

    @Test func twentyCountedNineteenAndThirtyCountedThirtyThreeGiveTwoAdjustments() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 20, at: "A")
        try await f.receive("MILK", 30, at: "B", lot: "L1")
        let count = try await f.store.startCount(CountStartRequest(location: "Z"), actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", 19)
        _ = try await f.record(count.id, "MILK", at: "B", lot: "L1", 33)
        let submitted = try await f.store.submitCount(count.id, actor: "uid:1000")
        #expect(submitted.totals.variance == 2)
        #expect(submitted.totals.absoluteVariance == 4)
        #expect(submitted.lines.map(\.variancePercent) == [-5, 10])
        let before = try await f.ledgerCount()
        let approval = try await f.store.approveCount(count.id, actor: "clerk")
        let posted = approval.movements.map {
            "\($0.kind.rawValue) \($0.sku) \($0.from ?? "-")>\($0.to ?? "-") \($0.quantity)"
        }
        #expect(posted == ["adjust SOAP A>- 1", "adjust MILK ->B 3"])
        #expect(
            approval.movements.allSatisfy { $0.reference == "count-\(count.id)" && $0.reason == "count \(count.id)" }
        )
        #expect(try await f.ledgerCount() == before + 2)
        #expect(try await f.onHand("SOAP", at: "A") == 19)
        #expect(try await f.onHand("MILK", at: "B", lot: "L1") == 33)
        #expect(try await f.store.verify().ok)
    }

    @Test func movementsAfterTheCountAreNeitherLostNorDoubleCounted() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 7, at: "A")
        let count = try await f.store.startCount(
            CountStartRequest(location: "A", thresholds: CountThresholds(maxUnits: 5, maxPercent: 50)),
            actor: "clerk"
        )
        let line = try await f.record(count.id, "SOAP", at: "A", 5).line
        #expect(line.expected == 7 && line.variance == -2 && line.state == .counted)
        _ = try await f.store.pick(PickRequest(item: ItemReference("SOAP"), quantity: 3), actor: "picker")
        _ = try await f.store.submitCount(count.id, actor: "uid:1000")
        let approval = try await f.store.approveCount(count.id, actor: "clerk")
        #expect(approval.movements.map(\.quantity) == [2])
        #expect(try await f.onHand("SOAP", at: "A") == 2)
        #expect(try await f.store.verify().ok)
    }

    @Test func aMovementBeforeTheLineIsCountedIsInItsExpectation() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 7, at: "A")
        let count = try await f.store.startCount(CountStartRequest(location: "A"), actor: "clerk")
        _ = try await f.store.pick(PickRequest(item: ItemReference("SOAP"), quantity: 2), actor: "picker")
        let line = try await f.record(count.id, "SOAP", at: "A", 5).line
        #expect(line.expectedAtStart == 7)
        #expect(line.expected == 5)
        #expect(line.variance == 0)
        _ = try await f.store.submitCount(count.id, actor: "uid:1000")
        #expect(try await f.store.approveCount(count.id, actor: "clerk").movements.isEmpty)
        #expect(try await f.onHand("SOAP", at: "A") == 5)
    }

    @Test func aNewLotReceivedAfterTheStartIsExpectedWhenCounted() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("MILK", 4, at: "A", lot: "L1")
        let count = try await f.store.startCount(CountStartRequest(location: "Z"), actor: "clerk")
        #expect(count.lines.count == 1)
        try await f.receive("MILK", 10, at: "A", lot: "L2")
        _ = try await f.record(count.id, "MILK", at: "A", lot: "L1", 4)
        let found = try await f.record(count.id, "MILK", at: "A", lot: "L2", 10).line
        #expect(found.unexpected)
        #expect(found.expectedAtStart == 0)
        #expect(found.expected == 10)
        #expect(found.variance == 0)
        _ = try await f.store.submitCount(count.id, actor: "uid:1000")
        let approval = try await f.store.approveCount(count.id, actor: "clerk")
        #expect(approval.movements.isEmpty)
        #expect(try await f.onHand("MILK", at: "A", lot: "L2") == 10)
    }

    @Test func stockFoundWhereNoneWasExpectedIsAdjustedUp() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 5, at: "A")
        let count = try await f.store.startCount(CountStartRequest(location: "Z"), actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", 5)
        let found = try await f.record(count.id, "SOAP", at: "B", 3).line
        #expect(found.line == 2 && found.unexpected && found.variance == 3 && found.variancePercent == nil)
        _ = try await f.store.submitCount(count.id, actor: "uid:1000")
        let approval = try await f.store.approveCount(count.id, actor: "clerk")
        #expect(approval.movements.map { "\($0.to ?? "-") \($0.quantity)" } == ["B 3"])
        #expect(try await f.onHand("SOAP", at: "B") == 3)
        #expect(try await f.store.verify().ok)
    }

    @Test func blindSessionsHideExpectationsFromCountersUntilSubmitted() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 12, at: "A")
        let count = try await f.store.startCount(CountStartRequest(location: "A", blind: true), actor: "clerk")
        let recorded = try await f.record(count.id, "SOAP", at: "A", 9)
        let feedback = recorded.visible(to: .counter).line
        #expect(feedback.expected == nil && feedback.expectedAtStart == nil && feedback.variance == nil)
        #expect(feedback.variancePercent == nil && feedback.beyondThreshold == nil)
        #expect(feedback.counted == 9)
        #expect(recorded.visible(to: .reviewer).line.expected == 12)

        let open = try await f.store.count(count.id)
        let asCounter = open.visible(to: .counter)
        #expect(asCounter.expectationsHidden)
        #expect(asCounter.lines.allSatisfy { $0.expected == nil && $0.expectedAtStart == nil && $0.variance == nil })
        #expect(
            asCounter.totals.expected == nil && asCounter.totals.expectedAtStart == nil
                && asCounter.totals.variance == nil
        )
        let encoded = String(decoding: try JSONEncoder().encode(asCounter), as: UTF8.self)
        #expect(!encoded.contains("\"expected") && !encoded.contains("\"variance"), "\(encoded)")
        #expect(open.visible(to: .reviewer).lines.first?.expected == 12)

        let submitted = try await f.store.submitCount(count.id, actor: "uid:1000")
        #expect(submitted.visible(to: .counter).lines.first?.expected == 12)
        #expect(!submitted.visible(to: .counter).expectationsHidden)

        // A non-blind session shows everything to everyone.
        let plain = try await f.store.startCount(CountStartRequest(location: "B"), actor: "clerk")
        #expect(!plain.visible(to: .counter).expectationsHidden)
    }

    @Test func aLineBeyondTheThresholdsMustBeRecountedBeforeApproval() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 10, at: "A")
        try await f.receive("SOAP", 50, at: "B")
        let count = try await f.store.startCount(
            CountStartRequest(location: "Z", thresholds: CountThresholds(maxUnits: 5, maxPercent: 20)),
            actor: "clerk"
        )
        _ = try await f.record(count.id, "SOAP", at: "A", 4)  // -6 units: beyond 5
        _ = try await f.record(count.id, "SOAP", at: "B", 46)  // -4 units, -8 %: fine
        let submitted = try await f.store.submitCount(count.id, actor: "uid:1000")
        #expect(submitted.lines.map(\.state) == [.recountRequired, .counted])
        #expect(submitted.totals.recountRequired == 1)
        await #expect(throws: CountError.recountRequired(count: count.id, lines: [1])) {
            try await f.store.approveCount(count.id, actor: "clerk")
        }
        #expect(try await f.onHand("SOAP", at: "A") == 10)

        let reopened = try await f.store.recount(count.id, lines: [1], actor: "clerk")
        #expect(reopened.status == .open)
        #expect(
            reopened.lines[0].counted == nil && reopened.lines[0].pass == 1
                && reopened.lines[0].firstCountedBy == "uid:1000"
        )
        await #expect(throws: CountError.wrongStatus(count: count.id, status: .open, action: "approve")) {
            try await f.store.approveCount(count.id, actor: "clerk")
        }
        _ = try await f.record(count.id, "SOAP", at: "A", 4, actor: "uid:1001")
        let again = try await f.store.submitCount(count.id, actor: "uid:1001")
        #expect(again.lines[0].state == .counted && again.lines[0].beyondThreshold == true)
        let approval = try await f.store.approveCount(count.id, actor: "clerk")
        #expect(approval.movements.map(\.quantity) == [6, 4])
        #expect(try await f.onHand("SOAP", at: "A") == 4)
        #expect(try await f.onHand("SOAP", at: "B") == 46)
    }

    /// The worked example of docs/counts.md ("Recounts"): 5 booked, counted 0, recounted 35. Two
    /// counts that agree with nothing are not approved; a third that agrees with the second is;
    /// so is a third count by a new counter (the session's acceptAfterCounts, 3).
    @Test(arguments: [("uid:1000", Int64(35), true), ("uid:1000", Int64(20), false), ("uid:1002", Int64(20), true)])
    func aRecountMustAgreeWithSomething(thirdCounter: String, third: Int64, approvable: Bool) async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 5, at: "A")
        let count = try await f.store.startCount(CountStartRequest(location: "A"), actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", 0, actor: "uid:1000")
        #expect(try await f.store.submitCount(count.id, actor: "uid:1000").lines[0].state == .recountRequired)
        _ = try await f.store.recount(count.id, lines: [1], actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", 35, actor: "uid:1001")  // +600 %, agrees with nothing
        let second = try await f.store.submitCount(count.id, actor: "uid:1001")
        #expect(second.lines[0].state == .recountRequired, "a recount that agrees with nothing needs another")
        await #expect(throws: CountError.recountRequired(count: count.id, lines: [1])) {
            try await f.store.approveCount(count.id, actor: "clerk")
        }
        #expect(try await f.onHand("SOAP", at: "A") == 5)
        _ = try await f.store.recount(count.id, lines: [1], actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", third, actor: thirdCounter)
        let after = try await f.store.submitCount(count.id, actor: thirdCounter)
        #expect(after.lines[0].state == (approvable ? .counted : .recountRequired))
        if approvable {
            let approval = try await f.store.approveCount(count.id, actor: "clerk")
            #expect(approval.movements.map(\.quantity) == [third - 5])
            #expect(try await f.onHand("SOAP", at: "A") == third)
        } else {
            await #expect(throws: CountError.recountRequired(count: count.id, lines: [1])) {
                try await f.store.approveCount(count.id, actor: "clerk")
            }
        }
    }

    /// One count after another until submit, each line sent back for a recount between passes;
    /// returns the state of line 1 after the last submit.
    private func countPasses(
        _ f: Fixture,
        _ count: Int64,
        _ passes: [(actor: String, quantity: Int64)]
    ) async throws -> CountLineState? {
        var state: CountLineState?
        for (n, pass) in passes.enumerated() {
            if n > 0 { _ = try await f.store.recount(count, lines: [1], actor: "clerk") }
            _ = try await f.record(count, "SOAP", at: "A", pass.quantity, actor: pass.actor)
            state = try await f.store.submitCount(count, actor: pass.actor).lines.first?.state
        }
        return state
    }

    /// With --recount-by-other, two agreeing counts settle a line only when two different people
    /// made them: a recounter who agrees with their own previous count has proved nothing
    /// (docs/counts.md, "Recounts": 36 booked, Ana 0, Ben 99, Ben 99 again, then Cem 99).
    @Test func withRecountByOtherACounterWhoAgreesWithThemselvesSettlesNothing() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 36, at: "A")
        let count = try await f.store.startCount(CountStartRequest(location: "A", recountByOther: true), actor: "clerk")
        let ben = try await countPasses(f, count.id, [("uid:1000", 0), ("uid:1001", 99), ("uid:1001", 99)])
        #expect(ben == .recountRequired, "Ben agreeing with Ben is not two counts agreeing")
        await #expect(throws: CountError.recountRequired(count: count.id, lines: [1])) {
            try await f.store.approveCount(count.id, actor: "clerk")
        }
        #expect(try await f.onHand("SOAP", at: "A") == 36)
        // A fourth count by Cem agrees with Ben's (another person): approved.
        _ = try await f.store.recount(count.id, lines: [1], actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", 99, actor: "uid:1002")
        #expect(try await f.store.submitCount(count.id, actor: "uid:1002").lines[0].state == .counted)
        #expect(try await f.store.approveCount(count.id, actor: "clerk").movements.map(\.quantity) == [63])
    }

    /// Without --recount-by-other a recount may agree with the same person's previous count (the
    /// worked example's "a third count of 35 by anyone").
    @Test func withoutRecountByOtherTheSamePersonMayAgreeWithThemselves() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 36, at: "A")
        let count = try await f.store.startCount(CountStartRequest(location: "A"), actor: "clerk")
        let state = try await countPasses(f, count.id, [("uid:1000", 0), ("uid:1001", 99), ("uid:1001", 99)])
        #expect(state == .counted)
        #expect(try await f.store.approveCount(count.id, actor: "clerk").movements.map(\.quantity) == [63])
    }

    /// The n-th count is accepted from a new counter only: someone who made none of the line's
    /// earlier counts, not merely neither the first nor the previous one (accept after 4: Ana,
    /// Ben, Cem, then Ben again is not new; Dan is).
    @Test(arguments: [("uid:1001", false), ("uid:1003", true)])
    func theNthCountByANewCounterMeansSomeoneWhoHasNotCountedTheLine(fourth: String, approvable: Bool) async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 5, at: "A")
        let count = try await f.store.startCount(CountStartRequest(location: "A", acceptAfterCounts: 4), actor: "clerk")
        let state = try await countPasses(
            f,
            count.id,
            [("uid:1000", 0), ("uid:1001", 35), ("uid:1002", 70), (fourth, 20)]
        )
        #expect(state == (approvable ? .counted : .recountRequired))
        if approvable {
            #expect(try await f.store.approveCount(count.id, actor: "clerk").movements.map(\.quantity) == [15])
        } else {
            await #expect(throws: CountError.recountRequired(count: count.id, lines: [1])) {
                try await f.store.approveCount(count.id, actor: "clerk")
            }
        }
    }

    /// Everyone with an entry in a count is one of its counters: a count Ana and Ben added to
    /// together is not a recount by "another person" for either of them.
    @Test func everyoneWhoAddedToACountIsOneOfItsCounters() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 100, at: "A")
        let count = try await f.store.startCount(CountStartRequest(location: "A", recountByOther: true), actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", 20, mode: .add, actor: "uid:1000")
        _ = try await f.record(count.id, "SOAP", at: "A", 10, mode: .add, actor: "uid:1001")
        _ = try await f.store.submitCount(count.id, actor: "uid:1001")
        _ = try await f.store.recount(count.id, lines: [1], actor: "clerk")
        for first in ["uid:1000", "uid:1001"] {
            await #expect(throws: CountError.sameCounter(count: count.id, line: 1, actor: first)) {
                try await f.record(count.id, "SOAP", at: "A", 30, actor: first)
            }
        }
        _ = try await f.record(count.id, "SOAP", at: "A", 30, actor: "uid:1002")
        #expect(try await f.store.submitCount(count.id, actor: "uid:1002").lines[0].state == .counted)
    }

    @Test func aRecountWithinTheThresholdsOfTheBookIsApproved() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 50, at: "A")
        let count = try await f.store.startCount(CountStartRequest(location: "A"), actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", 0, actor: "uid:1000")  // a missed shelf
        _ = try await f.store.submitCount(count.id, actor: "uid:1000")
        _ = try await f.store.recount(count.id, lines: [1], actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", 49, actor: "uid:1000")
        #expect(try await f.store.submitCount(count.id, actor: "uid:1000").lines[0].state == .counted)
        #expect(try await f.store.approveCount(count.id, actor: "clerk").movements.map(\.quantity) == [1])
    }

    @Test func acceptAfterCountsIsChecked() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        await #expect(
            throws: InventoryError.invalidValue(
                field: "acceptAfterCounts",
                value: "1",
                reason: "must be 2 to 100 counts"
            )
        ) {
            _ = try await f.store.startCount(CountStartRequest(location: "A", acceptAfterCounts: 1), actor: "clerk")
        }
    }

    @Test func aRecountByTheFirstCounterIsRefusedWhenTheSessionAsksForAnother() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 100, at: "A")
        let count = try await f.store.startCount(CountStartRequest(location: "A", recountByOther: true), actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", 50, actor: "uid:1000")
        _ = try await f.store.submitCount(count.id, actor: "uid:1000")
        _ = try await f.store.recount(count.id, lines: [1], actor: "clerk")
        await #expect(throws: CountError.sameCounter(count: count.id, line: 1, actor: "uid:1000")) {
            try await f.record(count.id, "SOAP", at: "A", 50, actor: "uid:1000")
        }
        let line = try await f.record(count.id, "SOAP", at: "A", 60, actor: "uid:1002").line
        #expect(line.countedBy == "uid:1002" && line.firstCountedBy == "uid:1000" && line.variance == -40)
    }

    @Test func cancelLeavesStockUntouched() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 10, at: "A")
        let count = try await f.store.startCount(CountStartRequest(location: "A"), actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", 3)
        let before = try await f.ledgerCount()
        let cancelled = try await f.store.cancelCount(count.id, actor: "clerk")
        #expect(cancelled.status == .cancelled && cancelled.closedBy == "clerk")
        #expect(try await f.ledgerCount() == before)
        #expect(try await f.onHand("SOAP", at: "A") == 10)
        await #expect(throws: CountError.wrongStatus(count: count.id, status: .cancelled, action: "record counts in")) {
            try await f.record(count.id, "SOAP", at: "A", 3)
        }
        await #expect(throws: CountError.wrongStatus(count: count.id, status: .cancelled, action: "approve")) {
            try await f.store.approveCount(count.id, actor: "clerk")
        }
    }

    @Test(arguments: [true, false])
    func uncountedLinesAreZeroInAFullSessionAndUnchangedOtherwise(full: Bool) async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 8, at: "A")
        try await f.receive("SOAP", 3, at: "B")
        let count = try await f.store.startCount(
            CountStartRequest(location: "Z", full: full, thresholds: CountThresholds(maxUnits: 100, maxPercent: 100)),
            actor: "clerk"
        )
        _ = try await f.record(count.id, "SOAP", at: "A", 8)
        let submitted = try await f.store.submitCount(count.id, actor: "uid:1000")
        #expect(submitted.lines[1].counted == (full ? 0 : nil))
        let approval = try await f.store.approveCount(count.id, actor: "clerk")
        if full {
            #expect(approval.movements.map { "\($0.from ?? "-") \($0.quantity)" } == ["B 3"])
            #expect(approval.unchanged.isEmpty)
            #expect(try await f.onHand("SOAP", at: "B") == 0)
        } else {
            #expect(approval.movements.isEmpty)
            #expect(approval.unchanged.map(\.line) == [2])
            #expect(try await f.onHand("SOAP", at: "B") == 3)
        }
    }

    @Test func approvalRefusesALineThatWouldGoBelowZero() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 7, at: "A")
        let count = try await f.store.startCount(
            CountStartRequest(location: "A", thresholds: CountThresholds(maxUnits: 100, maxPercent: 100)),
            actor: "clerk"
        )
        _ = try await f.record(count.id, "SOAP", at: "A", 2)  // wrong count: -5
        _ = try await f.store.pick(PickRequest(item: ItemReference("SOAP"), quantity: 4), actor: "picker")  // 3 left
        _ = try await f.store.submitCount(count.id, actor: "uid:1000")
        let before = try await f.ledgerCount()
        await #expect(
            throws: CountError.conflicts(
                count: count.id,
                lines: [
                    CountLineConflict(
                        line: 1,
                        sku: "SOAP",
                        lot: nil,
                        location: "A",
                        onHand: 3,
                        reserved: 0,
                        variance: -5,
                        reason: .negative
                    )
                ]
            )
        ) {
            try await f.store.approveCount(count.id, actor: "clerk")
        }
        #expect(try await f.ledgerCount() == before)
        _ = try await f.store.recount(count.id, lines: [1], actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", 3)
        _ = try await f.store.submitCount(count.id, actor: "uid:1000")
        #expect(try await f.store.approveCount(count.id, actor: "clerk").movements.isEmpty)
        #expect(try await f.onHand("SOAP", at: "A") == 3)
    }

    @Test func approvalNeverTakesReservedUnits() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 10, at: "A")
        _ = try await f.store.createOrder(
            reference: "O-1",
            lines: [OrderLineRequest(item: ItemReference("SOAP"), quantity: 8)],
            actor: "clerk"
        )
        let count = try await f.store.startCount(
            CountStartRequest(location: "A", thresholds: CountThresholds(maxUnits: 100, maxPercent: 100)),
            actor: "clerk"
        )
        _ = try await f.record(count.id, "SOAP", at: "A", 5)
        _ = try await f.store.submitCount(count.id, actor: "uid:1000")
        await #expect(
            throws: CountError.conflicts(
                count: count.id,
                lines: [
                    CountLineConflict(
                        line: 1,
                        sku: "SOAP",
                        lot: nil,
                        location: "A",
                        onHand: 10,
                        reserved: 8,
                        variance: -5,
                        reason: .reserved
                    )
                ]
            )
        ) {
            try await f.store.approveCount(count.id, actor: "clerk")
        }
        #expect(try await f.onHand("SOAP", at: "A") == 10)
    }

    @Test func scannerEntriesAddUpAndAMovementBetweenThemAsksForARecount() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("MILK", 6, at: "A", lot: "L1")
        let count = try await f.store.startCount(CountStartRequest(location: "A", blind: true), actor: "clerk")
        for _ in 0..<3 { _ = try await f.record(count.id, "MILK", at: "A", 1, mode: .add, actor: "scanner:s1") }
        var line = try await f.record(count.id, "MILK", at: "A", 2, mode: .add, actor: "scanner:s1").line
        #expect(line.counted == 5 && line.lot == "L1" && line.state == .recountRequired && !line.movedWhileCounting)
        // A blind count's stock is not allocated to picks; a move takes one unit out meanwhile.
        _ = try await f.store.move(
            [MoveRequest(item: ItemReference("MILK"), lot: "L1", from: "A", to: "ELSEWHERE", quantity: 1)],
            actor: "clerk"
        )
        line = try await f.record(count.id, "MILK", at: "A", 1, mode: .add, actor: "scanner:s1").line
        #expect(line.counted == 6 && line.expected == 5 && line.movedWhileCounting && line.state == .recountRequired)
        #expect(line.hidingExpectations().state == .counted)
        // A set entry starts the line afresh.
        line = try await f.record(count.id, "MILK", at: "A", 5, actor: "scanner:s1").line
        #expect(!line.movedWhileCounting && line.variance == 0 && line.state == .counted)
    }

    @Test func entriesOutsideTheScopeOrSessionAreRefused() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 1, at: "A")
        try await f.receive("MILK", 2, at: "A", lot: "L1")
        try await f.receive("MILK", 2, at: "A", lot: "L2")
        let count = try await f.store.startCount(
            CountStartRequest(location: "Z", item: ItemReference("MILK")),
            actor: "clerk"
        )
        #expect(count.lines.map(\.lot) == ["L1", "L2"])
        await #expect(throws: CountError.outOfScope(count: count.id, field: "location", value: "ELSEWHERE")) {
            try await f.record(count.id, "MILK", at: "ELSEWHERE", lot: "L1", 1)
        }
        await #expect(throws: CountError.outOfScope(count: count.id, field: "item", value: "SOAP")) {
            try await f.record(count.id, "SOAP", at: "A", 1)
        }
        await #expect(throws: InventoryError.lotAmbiguous(sku: "MILK", location: "A", lots: ["L1", "L2"])) {
            try await f.record(count.id, "MILK", at: "A", 1)
        }
        await #expect(throws: InventoryError.unknownLot(sku: "MILK", lot: "L9")) {
            try await f.record(count.id, "MILK", at: "A", lot: "L9", 1)
        }
        await #expect(
            throws: InventoryError.invalidValue(
                field: "quantity",
                value: "-1",
                reason: "must be a whole number above 0"
            )
        ) {
            try await f.record(count.id, "MILK", at: "A", lot: "L1", -1)
        }
        await #expect(throws: CountError.unknownCount(999)) { try await f.store.count(999) }
        _ = try await f.store.submitCount(count.id, actor: "uid:1000")
        await #expect(throws: CountError.wrongStatus(count: count.id, status: .submitted, action: "record counts in")) {
            try await f.record(count.id, "MILK", at: "A", lot: "L1", 2)
        }
        await #expect(throws: CountError.unknownLine(count: count.id, line: 7)) {
            try await f.store.recount(count.id, lines: [7], actor: "clerk")
        }
    }

    @Test func cycleCountsFallDueAndApprovalRecordsTheDate() async throws {
        let f = try await Fixture()
        defer { f.cleanUp() }
        try await f.receive("SOAP", 4, at: "A")
        _ = try await f.store.setCountSchedule(location: "A", everyDays: 7)
        _ = try await f.store.setCountSchedule(location: "B", everyDays: 30)
        #expect(try await f.store.dueCounts().map(\.location) == ["A", "B"])

        let count = try await f.store.startCount(CountStartRequest(location: "A"), actor: "clerk")
        _ = try await f.record(count.id, "SOAP", at: "A", 4)
        _ = try await f.store.submitCount(count.id, actor: "uid:1000")
        _ = try await f.store.approveCount(count.id, actor: "clerk")
        #expect(try await f.store.dueCounts().map(\.location) == ["B"])

        f.time.advance(days: 6)
        #expect(try await f.store.dueCounts().map(\.location) == ["B"])
        f.time.advance(days: 3)
        let due = try await f.store.dueCounts()
        #expect(due.map(\.location) == ["A", "B"])
        let a = try #require(due.first { $0.location == "A" })
        #expect(a.lastCounted?.description == "2026-03-01" && a.dueOn.description == "2026-03-08" && a.daysOverdue == 2)
        #expect(due.first { $0.location == "B" }?.daysOverdue == 0)

        // An item-only count does not count as counting the location.
        let itemCount = try await f.store.startCount(
            CountStartRequest(location: "B", item: ItemReference("SOAP")),
            actor: "clerk"
        )
        _ = try await f.store.submitCount(itemCount.id, actor: "uid:1000")
        _ = try await f.store.approveCount(itemCount.id, actor: "clerk")
        #expect(try await f.store.dueCounts().contains { $0.location == "B" })

        _ = try await f.store.setCountSchedule(location: "B", everyDays: nil)
        #expect(try await f.store.dueCounts().map(\.location) == ["A"])
        await #expect(
            throws: InventoryError.invalidValue(field: "everyDays", value: "0", reason: "must be 1 to 36600 days")
        ) {
            try await f.store.setCountSchedule(location: "A", everyDays: 0)
        }
    }
}
