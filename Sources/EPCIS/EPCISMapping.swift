import Foundation
import Inventory

/// Maps ledger movements to EPCIS 2.0 ObjectEvents, one event per movement, by the rules of
/// docs/epcis.md (each rule names its source in EPCIS 2.0 or CBV 2.0). Pure: the facts the
/// mapping needs besides the movement (GTINs, lot dates, locations, orders, chain hashes) come in
/// a ``MovementFacts`` read beside the movements.
public struct EPCISMapper: Sendable, Equatable {
    /// The site's GLN (13 digits, valid check digit) from `[epcis] site_gln`; nil when none is
    /// configured, and depot's private URNs stand for locations and business transactions.
    public var siteGLN: String?

    /// A mapper for the site `siteGLN` (13 digits; the caller validates it).
    public init(siteGLN: String? = nil) {
        self.siteGLN = siteGLN
    }

    /// The ObjectEvent of `movement` (docs/epcis.md, "Mapping"):
    ///
    /// | movement | action | bizStep | disposition | readPoint / bizLocation |
    /// |---|---|---|---|---|
    /// | receive, first of its lot | ADD (with ilmd) | receiving | in_progress | to / to |
    /// | receive, later | OBSERVE | receiving | in_progress | to / to |
    /// | move | OBSERVE | storing, stocking (to picking), staging_outbound (to shipping), holding (to quarantine) | sellable_not_accessible (non_sellable_other to quarantine) | to / to |
    /// | pick | OBSERVE | picking | in_progress | from / — |
    /// | adjust up / down | ADD / DELETE | cycle_counting | — | location / location |
    /// | lot status | OBSERVE | holding (to quarantine, blocked), inspecting (to available) | unavailable, non_sellable_other, available | — / site |
    ///
    /// The reference becomes a bizTransaction: `po` for an order's pick, `desadv` for a receipt's
    /// delivery note, untyped for a move or a pick outside an order.
    public func event(for movement: Movement, facts: MovementFacts) -> ObjectEvent {
        let gtins = facts.gtins[movement.sku] ?? []
        let lotFacts = movement.lot.flatMap { facts.lots[MovementFacts.LotKey(sku: movement.sku, code: $0)] }
        let epcClass = EPCISIdentifiers.epcClass(sku: movement.sku, lot: movement.lot, gtins: gtins)
        func place(_ code: String?) -> ObjectEvent.Place? {
            code.map {
                ObjectEvent.Place(
                    id: EPCISIdentifiers.location($0, gln: facts.locations[$0]?.gln, siteGLN: siteGLN)
                )
            }
        }
        func transaction(_ type: String?) -> [ObjectEvent.BizTransaction]? {
            movement.reference.map {
                [
                    ObjectEvent.BizTransaction(
                        type: type,
                        bizTransaction: EPCISIdentifiers.bizTransaction($0, siteGLN: siteGLN)
                    )
                ]
            }
        }
        var quantity = [ObjectEvent.QuantityElement(epcClass: epcClass, quantity: movement.quantity, uom: "EA")]
        var action = ObjectEvent.Action.observe
        var bizStep: String?
        var disposition: String?
        var readPoint: ObjectEvent.Place?
        var bizLocation: ObjectEvent.Place?
        var transactions: [ObjectEvent.BizTransaction]?
        var ilmd: ObjectEvent.LotMasterData?
        switch movement.kind {
        case .receive:
            bizStep = "receiving"
            disposition = "in_progress"
            readPoint = place(movement.to)
            bizLocation = readPoint
            transactions = transaction("desadv")
            if let lotFacts, lotFacts.firstMovementId == movement.id {
                // EPCIS 2.0 section 7.4.2: ilmd only on an ADD event; the lot enters depot's records here.
                action = .add
                if lotFacts.expiry != nil || lotFacts.bestBefore != nil {
                    ilmd = ObjectEvent.LotMasterData(
                        itemExpirationDate: lotFacts.expiry?.description,
                        bestBeforeDate: lotFacts.bestBefore?.description
                    )
                }
            }
        case .move:
            switch movement.to.flatMap({ facts.locations[$0]?.kind }) {
            case .picking?: bizStep = "stocking"
            case .shipping?: bizStep = "staging_outbound"
            case .quarantine?: bizStep = "holding"
            default: bizStep = "storing"
            }
            disposition = bizStep == "holding" ? "non_sellable_other" : "sellable_not_accessible"
            readPoint = place(movement.to)
            bizLocation = readPoint
            transactions = transaction(nil)
        case .pick:
            bizStep = "picking"
            disposition = "in_progress"
            readPoint = place(movement.from)
            let isOrder = movement.reference.map { facts.orderReferences.contains($0) } ?? false
            transactions = transaction(isOrder ? "po" : nil)
        case .adjust:
            bizStep = "cycle_counting"
            action = movement.to != nil ? .add : .delete
            readPoint = place(movement.to ?? movement.from)
            bizLocation = readPoint
        case .lotStatus:
            let status = Self.newStatus(movement.reason)
            switch status {
            case .available?:
                bizStep = "inspecting"
                disposition = "available"
            case .quarantine?:
                bizStep = "holding"
                disposition = "unavailable"
            case .blocked?:
                bizStep = "holding"
                disposition = "non_sellable_other"
            case nil:
                bizStep = "holding"
            }
            quantity = [ObjectEvent.QuantityElement(epcClass: epcClass, quantity: nil, uom: nil)]
            bizLocation = EPCISIdentifiers.site(siteGLN).map(ObjectEvent.Place.init(id:))
        }
        return ObjectEvent(
            eventID: EPCISIdentifiers.eventID(hash: facts.hashes[movement.id], movementID: movement.id),
            eventTime: EPCISJSON.instant(movement.at),
            action: action,
            bizStep: bizStep,
            disposition: disposition,
            readPoint: readPoint,
            bizLocation: bizLocation,
            bizTransactionList: transactions,
            quantityList: quantity,
            ilmd: ilmd
        )
    }

    /// The status a lot status movement set, from its reason `"{old} -> {new}: {why}"`
    /// (``InventoryStore/setLotStatus(item:lot:status:reason:actor:)`` writes it so); nil when the
    /// reason does not have that shape.
    static func newStatus(_ reason: String?) -> LotStatus? {
        guard let reason, let arrow = reason.range(of: " -> ") else { return nil }
        let rest = reason[arrow.upperBound...]
        let word = rest.prefix { $0 != ":" }
        return LotStatus(rawValue: String(word))
    }
}
