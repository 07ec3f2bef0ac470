import Foundation
import Inventory
import TestSupport
import Testing

@testable import EPCIS

/// The mapping of ledger movements to EPCIS 2.0 ObjectEvents (docs/epcis.md, "Mapping"), on
/// movement values, then on a real store.
struct EPCISMappingTests {
    static let at = Date(timeIntervalSince1970: 1_772_352_000)  // 2026-03-01T08:00:00Z

    static func movement(
        _ id: Int64,
        _ kind: MovementKind,
        lot: String? = "L1",
        from: String? = nil,
        to: String? = nil,
        quantity: Int64 = 5,
        reference: String? = nil,
        reason: String? = nil
    ) -> Movement {
        Movement(
            id: id,
            at: at,
            kind: kind,
            sku: "MILK",
            lot: lot,
            from: from,
            to: to,
            quantity: quantity,
            actor: "uid:0",
            reference: reference,
            reason: reason
        )
    }

    static let facts = MovementFacts(
        gtins: ["MILK": ["04006381333931"]],
        lots: [
            MovementFacts.LotKey(sku: "MILK", code: "L1"): MovementFacts.LotFacts(
                expiry: try! CalendarDate(parsing: "2026-06-30"),
                bestBefore: try! CalendarDate(parsing: "2026-06-15"),
                firstMovementId: 1
            )
        ],
        locations: [
            "DOCK": Location(code: "DOCK", kind: .receiving),
            "A-1": Location(code: "A-1", kind: .storage, gln: "4012345000009"),
            "P/1": Location(code: "P/1", kind: .picking),
        ],
        orderReferences: ["SO-1"],
        hashes: [1: "ab12"]
    )

    @Test func aLotsFirstReceiptIsAnAddWithItsDatesAsIlmd() {
        let event = EPCISMapper().event(
            for: Self.movement(1, .receive, to: "DOCK", reference: "DN 7"),
            facts: Self.facts
        )
        #expect(event.action == .add)
        #expect(event.bizStep == "receiving")
        #expect(event.disposition == "in_progress")
        #expect(event.eventTime == "2026-03-01T08:00:00.000Z")
        #expect(event.eventTimeZoneOffset == "+00:00")
        #expect(event.readPoint?.id == "urn:depot:location:DOCK")
        #expect(event.bizLocation?.id == "urn:depot:location:DOCK")
        #expect(
            event.quantityList == [
                .init(epcClass: "https://id.gs1.org/01/04006381333931/10/L1", quantity: 5, uom: "EA")
            ]
        )
        #expect(event.ilmd == .init(itemExpirationDate: "2026-06-30", bestBeforeDate: "2026-06-15"))
        #expect(event.bizTransactionList == [.init(type: "desadv", bizTransaction: "urn:depot:bt:DN%207")])
    }

    @Test func aLaterReceiptOfTheLotIsAnObserveWithoutIlmd() {
        let event = EPCISMapper().event(for: Self.movement(2, .receive, to: "DOCK"), facts: Self.facts)
        #expect(event.action == .observe)
        #expect(event.ilmd == nil)
        #expect(event.bizTransactionList == nil)
    }

    @Test func anOrdersPickIsPickingWithThePurchaseOrderAndNoBizLocation() {
        let event = EPCISMapper().event(
            for: Self.movement(3, .pick, from: "A-1", reference: "SO-1"),
            facts: Self.facts
        )
        #expect(event.action == .observe)
        #expect(event.bizStep == "picking")
        #expect(event.readPoint?.id == "https://id.gs1.org/414/4012345000009", "the location's own GLN")
        #expect(event.bizLocation == nil)
        #expect(event.bizTransactionList == [.init(type: "po", bizTransaction: "urn:depot:bt:SO-1")])
        let plain = EPCISMapper().event(for: Self.movement(4, .pick, from: "A-1", reference: "X"), facts: Self.facts)
        #expect(plain.bizTransactionList?.first?.type == nil, "a reference that is no order is untyped")
    }

    @Test(arguments: [
        ("A-1", "storing", "sellable_not_accessible"), ("P/1", "stocking", "sellable_not_accessible"),
    ])
    func movesAreStoringOrStockingByTheDestinationsKind(to: String, step: String, disposition: String) {
        let event = EPCISMapper(siteGLN: "4012345000009").event(
            for: Self.movement(5, .move, from: "DOCK", to: to),
            facts: Self.facts
        )
        #expect(event.bizStep == step)
        #expect(event.disposition == disposition)
    }

    @Test func withASiteGLNALocationWithoutItsOwnIsAnExtensionOfTheSite() {
        let mapper = EPCISMapper(siteGLN: "4012345000009")
        let event = mapper.event(for: Self.movement(5, .move, from: "DOCK", to: "P/1"), facts: Self.facts)
        #expect(event.readPoint?.id == "https://id.gs1.org/414/4012345000009/254/P%2F1")
        #expect(
            EPCISIdentifiers.location(String(repeating: "X", count: 21), gln: nil, siteGLN: "4012345000009")
                == "urn:depot:location:" + String(repeating: "X", count: 21),
            "longer than AI 254 allows"
        )
        #expect(
            EPCISIdentifiers.bizTransaction("SO-1", siteGLN: "4012345000009")
                == "urn:epcglobal:cbv:bt:4012345000009:SO-1"
        )
    }

    @Test func adjustmentsAreCycleCountingAddOrDelete() {
        let up = EPCISMapper().event(for: Self.movement(6, .adjust, to: "A-1", quantity: 2), facts: Self.facts)
        let down = EPCISMapper().event(for: Self.movement(7, .adjust, from: "A-1", quantity: 3), facts: Self.facts)
        #expect(up.bizStep == "cycle_counting")
        #expect(up.action == .add)
        #expect(up.ilmd == nil)
        #expect(down.action == .delete)
        #expect(down.quantityList.first?.quantity == 3)
    }

    @Test(arguments: [
        ("available -> blocked: broken seal", "holding", "non_sellable_other"),
        ("available -> quarantine: lab", "holding", "unavailable"),
        ("blocked -> available: released", "inspecting", "available"),
    ])
    func lotStatusChangesCarryTheNewStatusAsDisposition(reason: String, step: String, disposition: String) {
        let event = EPCISMapper(siteGLN: "4012345000009").event(
            for: Self.movement(8, .lotStatus, quantity: 0, reason: reason),
            facts: Self.facts
        )
        #expect(event.bizStep == step)
        #expect(event.disposition == disposition)
        #expect(
            event.quantityList == [
                .init(epcClass: "https://id.gs1.org/01/04006381333931/10/L1", quantity: nil, uom: nil)
            ]
        )
        #expect(event.bizLocation?.id == "https://id.gs1.org/414/4012345000009")
        #expect(event.readPoint == nil)
    }

    @Test func itemsWithoutAGTINAndImplicitLotsGetTheDocumentedClasses() {
        #expect(EPCISIdentifiers.epcClass(sku: "BOLT M6", lot: nil, gtins: []) == "urn:depot:sku:BOLT%20M6")
        #expect(EPCISIdentifiers.epcClass(sku: "B", lot: "L:1", gtins: []) == "urn:depot:sku:B:lot:L%3A1")
        #expect(
            EPCISIdentifiers.epcClass(sku: "M", lot: "@2026-06-30", gtins: ["04006381333931"])
                == "https://id.gs1.org/01/04006381333931",
            "an implicit lot is not a GS1 lot"
        )
    }

    @Test func eventIDsAreStableVersion5UUIDsOfTheRow() {
        let a = EPCISIdentifiers.eventID(hash: "ab12", movementID: 1)
        #expect(a == EPCISIdentifiers.eventID(hash: "ab12", movementID: 1))
        #expect(a != EPCISIdentifiers.eventID(hash: "ab13", movementID: 1))
        #expect(a.hasPrefix("urn:uuid:"))
        let uuid = a.dropFirst("urn:uuid:".count)
        #expect(uuid.count == 36)
        #expect(uuid[uuid.index(uuid.startIndex, offsetBy: 14)] == "5", "version 5")
        #expect("89ab".contains(uuid[uuid.index(uuid.startIndex, offsetBy: 19)]), "RFC 9562 variant")
    }

    @Test func theDocumentHasTheEPCISShape() throws {
        let event = EPCISMapper().event(for: Self.movement(1, .receive, to: "DOCK"), facts: Self.facts)
        let data = try EPCISJSON.data(EPCISDocument(creationDate: "2026-03-01T08:00:00.000Z", events: [event]))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["type"] as? String == "EPCISDocument")
        #expect(object["schemaVersion"] as? String == "2.0")
        #expect(object["@context"] as? [String] == [EPCISDocument.standardContext])
        let list = try #require((object["epcisBody"] as? [String: Any])?["eventList"] as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list[0]["@context"] == nil, "events in a document use the document's context")
        let ilmd = try #require(list[0]["ilmd"] as? [String: Any])
        #expect(ilmd["cbvmda:itemExpirationDate"] as? String == "2026-06-30")
        #expect(ilmd["cbvmda:bestBeforeDate"] as? String == "2026-06-15")
    }

    /// On a real SQLite file: the facts of the ledger rows, the first receipt of each lot, and
    /// pages that add up to the ledger.
    @Test func aStoresLedgerPagesIntoEventsWithTheLotsFirstReceipt() async throws {
        let directory = try TemporaryDirectory(prefix: "epcistest")
        defer { directory.remove() }
        let store = try InventoryStore(path: directory.file("depot.sqlite"), clock: .fixed(Self.at))
        defer { try? store.close() }
        _ = try await store.addItem(
            ItemSpec(sku: "MILK", name: "Milk", gtins: ["4006381333931"], lotTracked: true, expiryTracked: true)
        )
        _ = try await store.addLocation(Location(code: "A-1", kind: .storage))
        for (quantity, reference) in [(4, "DN-1"), (6, "DN-2")] {
            _ = try await store.receive(
                ReceiveRequest(
                    item: ItemReference("MILK"),
                    quantity: Int64(quantity),
                    location: "A-1",
                    lot: "L1",
                    expiry: try CalendarDate(parsing: "2026-06-30"),
                    reference: reference
                ),
                actor: "uid:0"
            )
        }
        let exporter = EPCISExporter(store: store, mapper: EPCISMapper())
        let first = try await exporter.page(since: nil, afterId: nil, limit: 1, audience: .reviewer)
        #expect(first.events.count == 1)
        #expect(first.next != nil)
        #expect(first.events[0].action == .add)
        #expect(first.events[0].ilmd?.itemExpirationDate == "2026-06-30")
        let second = try await exporter.page(since: nil, afterId: first.next, limit: 1000, audience: .reviewer)
        #expect(second.events.count == 1)
        #expect(second.next == nil)
        #expect(second.events[0].action == .observe)
        #expect(second.events[0].quantityList.first?.quantity == 6)
        let again = try await exporter.page(since: nil, afterId: nil, limit: 1000, audience: .reviewer)
        #expect(again.events.map(\.eventID) == (first.events + second.events).map(\.eventID), "same rows, same ids")
        #expect(Set(again.events.map(\.eventID)).count == 2)
        await #expect(throws: InventoryError.self) {
            _ = try await exporter.page(since: nil, afterId: nil, limit: 1001, audience: .reviewer)
        }
    }
}
