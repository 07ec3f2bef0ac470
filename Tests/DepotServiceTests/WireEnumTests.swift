import DepotAPI
import Inventory
import Testing
import Workflow

/// The engine's enums and the IDL's enums (generated in Sources/DepotAPI/Generated) have the same
/// values, so the service's mapping between them (WireTypes.swift) never meets a missing case.
@Suite struct WireEnumTests {
    static func values<E: RawRepresentable & CaseIterable>(_: E.Type) -> Set<String> where E.RawValue == String {
        Set(E.allCases.map(\.rawValue))
    }

    @Test func inventoryEnums() {
        let policy = Self.values(AllocationPolicy.self)
        #expect(policy == Self.values(OrgDepotInventory.Item.Policy.self))
        #expect(policy == Self.values(OrgDepotInventory.AddItem.Parameters.Policy.self))
        #expect(policy == Self.values(OrgDepotInventory.UpdateItem.Parameters.Policy.self))
        #expect(policy == Self.values(OrgDepotInventory.AllocationPlan.Policy.self))
        let kind = Self.values(LocationKind.self)
        #expect(kind == Self.values(OrgDepotInventory.Location.Kind.self))
        #expect(kind == Self.values(OrgDepotInventory.AddLocation.Parameters.Kind.self))
        #expect(kind == Self.values(OrgDepotInventory.UpdateLocation.Parameters.Kind.self))
        #expect(kind == Self.values(OrgDepotInventory.StockBalance.LocationKind.self))
        let status = Self.values(LotStatus.self)
        #expect(status == Self.values(OrgDepotInventory.Lot.Status.self))
        #expect(status == Self.values(OrgDepotInventory.StockBalance.LotStatus.self))
        #expect(status == Self.values(OrgDepotInventory.SetLotStatus.Parameters.Status.self))
        #expect(status == Self.values(OrgDepotInventory.ExpiringLot.Status.self))
        #expect(Self.values(MovementKind.self) == Self.values(OrgDepotInventory.Movement.Kind.self))
        #expect(Self.values(ExclusionReason.self) == Self.values(OrgDepotInventory.SkippedStock.Reason.self))
        let orderStatus: [OrderStatus] = [.open, .picked, .cancelled]
        #expect(Set(orderStatus.map(\.rawValue)) == Self.values(OrgDepotInventory.Order.Status.self))
        #expect(Self.values(Durability.self) == Self.values(OrgDepotInventory.Status.Reply.Durability.self))
        #expect(Self.values(StorageFailureReason.self) == Self.values(OrgDepotInventory.StorageFailure.Reason.self))
    }

    @Test func countEnums() {
        let status = Self.values(CountStatus.self)
        #expect(status == Self.values(OrgDepotCounts.Count.Status.self))
        #expect(status == Self.values(OrgDepotCounts.CountSummary.Status.self))
        #expect(status == Self.values(OrgDepotCounts.Record.Reply.Status.self))
        #expect(status == Self.values(OrgDepotCounts.List.Parameters.Status.self))
        #expect(Self.values(CountLineState.self) == Self.values(OrgDepotCounts.CountLine.State.self))
        let reasons: [CountLineConflict.Reason] = [.negative, .reserved]
        #expect(Set(reasons.map(\.rawValue)) == Self.values(OrgDepotCounts.LineConflict.Reason.self))
    }

    @Test func scannerEnums() {
        let mode = Self.values(FloorMode.self)
        #expect(mode == Self.values(OrgDepotScanner.Feedback.Mode.self))
        #expect(mode == Self.values(OrgDepotScanner.Scanner.Mode.self))
        #expect(mode == Self.values(OrgDepotScanner.Assign.Parameters.Mode.self))
        let levels: [FeedbackLevel] = [.ok, .warning, .error]
        #expect(Set(levels.map(\.rawValue)) == Self.values(OrgDepotScanner.Feedback.Level.self))
    }
}
