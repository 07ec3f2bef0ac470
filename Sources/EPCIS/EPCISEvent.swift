import Foundation

/// An EPCIS 2.0 ObjectEvent at class level (EPCIS 2.0 section 7.4.2), as depot writes it in
/// JSON-LD (EPCIS 2.0 section 12, the JSON schema's `ObjectEvent`): one per ledger movement.
///
/// Field names are EPCIS's own; a nil field is left out of the JSON. Vocabulary values (`bizStep`,
/// `disposition`, `bizTransaction` types) are the bare CBV 2.0 terms the JSON-LD context expands.
public struct ObjectEvent: Sendable, Equatable, Codable {
    /// The JSON-LD context, set only on an event that stands alone (a line of the live feed);
    /// events inside an ``EPCISDocument`` leave it to the document's.
    public var context: [String]?
    /// Always `ObjectEvent`.
    public var type: String = "ObjectEvent"
    /// `urn:uuid:` name-based UUID of the ledger row (``EPCISIdentifiers/eventID(hash:movementID:)``).
    public var eventID: String
    /// When the movement was committed: ISO 8601 UTC with milliseconds (`2026-03-01T08:00:00.000Z`).
    public var eventTime: String
    /// Always `+00:00`: depot's instants are UTC.
    public var eventTimeZoneOffset: String = "+00:00"
    /// OBSERVE, ADD or DELETE (EPCIS 2.0 section 7.4.2; docs/epcis.md, "Actions").
    public var action: Action
    /// The CBV 2.0 business step (section 7.1), e.g. `receiving`.
    public var bizStep: String?
    /// The CBV 2.0 disposition (section 7.2), e.g. `in_progress`.
    public var disposition: String?
    /// Where the event was recorded: the location URI (docs/epcis.md, "Locations").
    public var readPoint: Place?
    /// Where the goods are after the event; nil when they left the site (a pick).
    public var bizLocation: Place?
    /// The business transactions the movement's reference names (order, delivery note).
    public var bizTransactionList: [BizTransaction]?
    /// The class-level quantities: one element, the item (and lot) moved.
    public var quantityList: [QuantityElement]
    /// Instance/lot master data of a lot's first receipt (only with action ADD).
    public var ilmd: LotMasterData?

    /// Creates an event from its fields as given; validates nothing.
    public init(
        eventID: String,
        eventTime: String,
        action: Action,
        bizStep: String?,
        disposition: String?,
        readPoint: Place?,
        bizLocation: Place?,
        bizTransactionList: [BizTransaction]?,
        quantityList: [QuantityElement],
        ilmd: LotMasterData?
    ) {
        self.eventID = eventID
        self.eventTime = eventTime
        self.action = action
        self.bizStep = bizStep
        self.disposition = disposition
        self.readPoint = readPoint
        self.bizLocation = bizLocation
        self.bizTransactionList = bizTransactionList
        self.quantityList = quantityList
        self.ilmd = ilmd
    }

    enum CodingKeys: String, CodingKey {
        case context = "@context"
        case type, eventID, eventTime, eventTimeZoneOffset, action, bizStep, disposition, readPoint, bizLocation
        case bizTransactionList, quantityList, ilmd
    }

    /// EPCIS 2.0 section 7.4.2 action of an ObjectEvent.
    public enum Action: String, Sendable, Codable {
        /// The goods were seen, neither created nor removed (receipts of a known lot, moves, picks).
        case observe = "OBSERVE"
        /// The goods entered depot's records: a lot's first receipt (the one carrying ilmd), an
        /// increasing adjustment.
        case add = "ADD"
        /// The goods left depot's records without leaving by a pick: a decreasing adjustment.
        case delete = "DELETE"
    }

    /// A readPoint or bizLocation: `{"id": URI}`.
    public struct Place: Sendable, Equatable, Codable {
        /// The location's URI (GS1 Digital Link with AI 414/254, or depot's private URN).
        public var id: String
        /// Wraps `id`; validates nothing.
        public init(id: String) { self.id = id }
    }

    /// A business transaction reference (EPCIS 2.0 section 7.3.5.3, CBV 2.0 section 7.3).
    public struct BizTransaction: Sendable, Equatable, Codable {
        /// CBV 2.0 business transaction type (`po`, `desadv`), nil when depot cannot tell.
        public var type: String?
        /// The transaction's URI (``EPCISIdentifiers/bizTransaction(_:siteGLN:)``).
        public var bizTransaction: String
        /// Creates a reference; validates nothing.
        public init(type: String?, bizTransaction: String) {
            self.type = type
            self.bizTransaction = bizTransaction
        }
    }

    /// One class-level quantity (EPCIS 2.0 section 7.3.3.3).
    public struct QuantityElement: Sendable, Equatable, Codable {
        /// The class: a GS1 Digital Link URI (AI 01, with AI 10 for a lot) or depot's private URN.
        public var epcClass: String
        /// Base units moved; nil for a lot status change, which concerns the whole lot.
        public var quantity: Int64?
        /// UN/ECE Recommendation 20 unit: `EA` (each) with every quantity, since depot counts base
        /// units; nil without a quantity.
        public var uom: String?
        /// Creates an element; validates nothing.
        public init(epcClass: String, quantity: Int64?, uom: String?) {
            self.epcClass = epcClass
            self.quantity = quantity
            self.uom = uom
        }
    }

    /// Instance/lot master data (EPCIS 2.0 section 7.3.6, CBV 2.0 section 10): the lot's dates.
    public struct LotMasterData: Sendable, Equatable, Codable {
        /// `cbvmda:itemExpirationDate`: the lot's expiry (GS1 AI 17), `YYYY-MM-DD`.
        public var itemExpirationDate: String?
        /// `cbvmda:bestBeforeDate`: the lot's best-before date (GS1 AI 15), `YYYY-MM-DD`.
        public var bestBeforeDate: String?
        /// Creates the master data; validates nothing.
        public init(itemExpirationDate: String?, bestBeforeDate: String?) {
            self.itemExpirationDate = itemExpirationDate
            self.bestBeforeDate = bestBeforeDate
        }
        enum CodingKeys: String, CodingKey {
            case itemExpirationDate = "cbvmda:itemExpirationDate"
            case bestBeforeDate = "cbvmda:bestBeforeDate"
        }
    }
}

/// An EPCISDocument (EPCIS 2.0 section 9.3 and 12.2, the JSON schema's `epcisDocument`).
public struct EPCISDocument: Sendable, Equatable, Codable {
    /// The JSON-LD context: GS1's EPCIS 2.0 context (``EPCISDocument/standardContext``).
    public var context: [String] = [EPCISDocument.standardContext]
    /// Always `EPCISDocument`.
    public var type: String = "EPCISDocument"
    /// Always `2.0`.
    public var schemaVersion: String = "2.0"
    /// When the document was made: ISO 8601 UTC with milliseconds.
    public var creationDate: String
    /// The events, in ledger order.
    public var epcisBody: Body

    /// `epcisBody`: the event list.
    public struct Body: Sendable, Equatable, Codable {
        /// The events, in ledger order.
        public var eventList: [ObjectEvent]
    }

    /// GS1's JSON-LD context of EPCIS 2.0, which defines the bare CBV terms and `cbvmda:`.
    public static let standardContext = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

    /// A document of `events` made at `creationDate` (ISO 8601 UTC text).
    public init(creationDate: String, events: [ObjectEvent]) {
        self.creationDate = creationDate
        self.epcisBody = Body(eventList: events)
    }

    enum CodingKeys: String, CodingKey {
        case context = "@context"
        case type, schemaVersion, creationDate, epcisBody
    }
}

/// JSON of EPCIS values: sorted keys, slashes unescaped (URIs stay readable).
public enum EPCISJSON {
    /// Encodes `value` as compact JSON text (one line).
    /// - Throws: `EncodingError` (not for depot's own EPCIS types, which always encode).
    public static func data(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// `date` as EPCIS writes instants: ISO 8601 in UTC with milliseconds and `Z`.
    public static func instant(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).format(date)
    }
}
