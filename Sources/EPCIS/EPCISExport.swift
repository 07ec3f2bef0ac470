import Foundation
import Inventory

/// Pages of the ledger as EPCIS events (docs/epcis.md, "Export"): each page is one read of at
/// most ``maxEventsPerPage`` movements (``InventoryStore/ledgerPage(_:audience:)``, so blind
/// counts stay blind) and one read of their ``MovementFacts``; memory is bounded by the page,
/// never by the ledger.
public struct EPCISExporter: Sendable {
    /// The engine read from.
    public let store: InventoryStore
    /// The mapping rules (site GLN).
    public var mapper: EPCISMapper

    /// The most events one page holds: 1000 (an event is usually under 1 KiB of JSON and at most
    /// about 4 KiB, so a page stays under 4 MiB, below the 16 MiB Varlink message limit).
    public static let maxEventsPerPage = 1000

    /// An exporter over `store` with `mapper`'s rules.
    public init(store: InventoryStore, mapper: EPCISMapper) {
        self.store = store
        self.mapper = mapper
    }

    /// One page of events.
    public struct Page: Sendable {
        /// The events, in ledger order.
        public var events: [ObjectEvent]
        /// The afterId of the next page; nil when this page is the last.
        public var next: Int64?
        /// Movements left out for `audience` (blind counts), as ``LedgerPage/hidden``.
        public var hidden: Int
    }

    /// The events of movements at or after `since` with an id above `afterId`, at most `limit`.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` for a `limit` outside
    ///   1...``maxEventsPerPage``; storage errors.
    public func page(since: Date?, afterId: Int64?, limit: Int, audience: CountAudience) async throws -> Page {
        guard (1...Self.maxEventsPerPage).contains(limit) else {
            throw InventoryError.invalidValue(
                field: "limit",
                value: String(limit),
                reason: "must be 1 to \(Self.maxEventsPerPage)"
            )
        }
        let ledger = try await store.ledgerPage(
            LedgerFilter(since: since, afterId: afterId, limit: limit),
            audience: audience
        )
        let facts = try await store.facts(for: ledger.movements)
        return Page(
            events: ledger.movements.map { mapper.event(for: $0, facts: facts) },
            next: ledger.movements.count == limit ? ledger.movements.last?.id : nil,
            hidden: ledger.hidden
        )
    }

    /// The event of one committed movement (for the live feed), with its own `@context`.
    /// - Throws: storage errors.
    public func standaloneEvent(for movement: Movement) async throws -> ObjectEvent {
        var event = mapper.event(for: movement, facts: try await store.facts(for: [movement]))
        event.context = [EPCISDocument.standardContext]
        return event
    }
}
