import DepotAPI
import EPCIS
import Foundation
import Inventory
import Varlink

/// The EPCIS methods of `org.depot.inventory` (docs/epcis.md): `ExportEPCIS` pages the ledger
/// into EPCISDocuments, `FollowEPCIS` streams the event of each movement as it commits, on the
/// ledger feed `Subscribe` uses. Both are viewer (reads); blind counts stay blind as in `Ledger`.
extension InventoryInterface {
    func epcisMethods() -> [GuardedMethod] {
        [
            Wire.method(API.ExportEPCIS.self, .viewer, gate: Wire.largeReplies) { [store, siteGLN] p, caller in
                let since = try Wire.instant(p.since, field: "since")
                let exporter = EPCISExporter(store: store, mapper: EPCISMapper(siteGLN: siteGLN()))
                let page = try await exporter.page(
                    since: since,
                    afterId: p.afterId.map { Int64($0) },
                    limit: p.limit ?? EPCISExporter.maxEventsPerPage,
                    audience: caller.audience
                )
                let document = EPCISDocument(creationDate: EPCISJSON.instant(Date()), events: page.events)
                return .init(
                    document: try VarlinkValue(json: EPCISJSON.data(document)),
                    events: page.events.count,
                    next: page.next.map { Int($0) },
                    hiddenMovements: page.hidden == 0 ? nil : page.hidden
                )
            },
            Wire.streamingMethod(API.FollowEPCIS.self, .viewer) { [store, siteGLN] _, request, responder in
                try await Wire.followLedger(store, request, responder) {
                    .init(position: Int($0))
                } reply: {
                    movement,
                    hidden in
                    guard !hidden else { return .init(position: Int(movement.id), event: nil) }
                    let exporter = EPCISExporter(store: store, mapper: EPCISMapper(siteGLN: siteGLN()))
                    let event = try VarlinkValue(
                        json: EPCISJSON.data(try await exporter.standaloneEvent(for: movement))
                    )
                    return .init(position: Int(movement.id), event: event)
                }
            },
        ]
    }
}
