import Foundation

/// How an item's stock is allocated (docs/allocation.md).
public enum AllocationPolicy: String, Sendable, Codable, CaseIterable {
    /// First expired, first out: expiry date ascending, undated lots last.
    case fefo
    /// First in, first out: receipt time ascending.
    case fifo
}

/// What a location is used for. Only `storage` and `picking` stock is allocatable.
public enum LocationKind: String, Sendable, Codable, CaseIterable {
    /// Receiving, storage, picking, shipping or quarantine; only `storage` and `picking` are allocatable
    /// (``isPickable``).
    case receiving, storage, picking, shipping, quarantine

    /// Whether stock here is a candidate for allocation (docs/allocation.md).
    public var isPickable: Bool { self == .storage || self == .picking }
}

/// Whether a lot may be allocated. Only `available` lots are.
public enum LotStatus: String, Sendable, Codable, CaseIterable {
    /// `available`: allocatable; `quarantine`, `blocked`: kept from allocation (exclusion reasons
    /// `quarantined`, `blocked`).
    case available, quarantine, blocked
}

/// A stock-keeping unit as the engine knows it.
public struct Item: Sendable, Codable, Equatable {
    /// Unique stock-keeping unit code, e.g. `MILK-1L`.
    public var sku: String
    /// Human-readable name.
    public var name: String
    /// GTINs of this item, each normalised to 14 digits (GTIN-8/12/13 left-padded with zeros).
    public var gtins: [String]
    /// Allocation policy; defaults to `fefo` when expiry-tracked, else `fifo`.
    public var policy: AllocationPolicy
    /// Whether every receipt must name a lot.
    public var lotTracked: Bool
    /// Whether every lot must carry an expiry date.
    public var expiryTracked: Bool
    /// Minimum remaining shelf life in days required to allocate (0: usable through expiry day).
    public var minRemainingShelfLifeDays: Int
    /// Code of the customer owning the item (``Customer/defaultCode`` unless one was named).
    public var customer: String

    /// Creates an item value from its fields as given; validates nothing and throws nothing.
    public init(
        sku: String,
        name: String,
        gtins: [String] = [],
        policy: AllocationPolicy,
        lotTracked: Bool,
        expiryTracked: Bool,
        minRemainingShelfLifeDays: Int,
        customer: String = Customer.defaultCode
    ) {
        self.customer = customer
        self.sku = sku
        self.name = name
        self.gtins = gtins
        self.policy = policy
        self.lotTracked = lotTracked
        self.expiryTracked = expiryTracked
        self.minRemainingShelfLifeDays = minRemainingShelfLifeDays
    }
}

extension Item {
    /// Decodes an item; one stored without a customer belongs to the default customer.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            sku: try c.decode(String.self, forKey: .sku),
            name: try c.decode(String.self, forKey: .name),
            gtins: try c.decode([String].self, forKey: .gtins),
            policy: try c.decode(AllocationPolicy.self, forKey: .policy),
            lotTracked: try c.decode(Bool.self, forKey: .lotTracked),
            expiryTracked: try c.decode(Bool.self, forKey: .expiryTracked),
            minRemainingShelfLifeDays: try c.decode(Int.self, forKey: .minRemainingShelfLifeDays),
            customer: try c.decodeIfPresent(String.self, forKey: .customer) ?? Customer.defaultCode
        )
    }
}

/// A place where stock lies: a bin, a shelf, a dock, or a zone holding children.
public struct Location: Sendable, Codable, Equatable {
    /// Unique code as printed on its label, e.g. `A-01-02`.
    public var code: String
    /// What the location is used for; decides whether its stock is allocatable.
    public var kind: LocationKind
    /// Code of the enclosing zone, if any.
    public var parent: String?
    /// Pick priority: lower is picked first among equal candidates.
    public var pickPriority: Int
    /// GLN of the place (GS1 AI 414, 13 digits), with `/extension` (AI 254) when a label adds one;
    /// lets a scanned GS1 location label find this location.
    public var gln: String?

    /// Creates a location value (`parent`: enclosing zone code; `gln`: 13 digits, optional `/extension`);
    /// validates nothing, throws nothing (``InventoryStore/addLocation(_:)`` validates).
    public init(code: String, kind: LocationKind, parent: String? = nil, pickPriority: Int = 0, gln: String? = nil) {
        self.code = code
        self.kind = kind
        self.parent = parent
        self.pickPriority = pickPriority
        self.gln = gln
    }
}

/// A lot (batch) of one item with its calendar dates and status.
public struct Lot: Sendable, Codable, Equatable {
    /// SKU of the item this lot belongs to.
    public var sku: String
    /// Lot code as printed on the label (GS1 AI 10).
    public var code: String
    /// Expiry date (GS1 AI 17), a calendar date.
    public var expiry: CalendarDate?
    /// Best-before date (GS1 AI 15), a calendar date.
    public var bestBefore: CalendarDate?
    /// Production date (GS1 AI 11), a calendar date.
    public var production: CalendarDate?
    /// Whether the lot may be allocated.
    public var status: LotStatus
}

/// A balance: quantity on hand of one (item, lot, location), in base units.
public struct StockBalance: Sendable, Codable, Equatable {
    /// SKU of the item held.
    public var sku: String
    /// Lot code, or nil for stock of an item received without a lot.
    public var lot: String?
    /// Code of the location holding the stock.
    public var location: String
    /// On hand, base units, ≥ 0.
    public var quantity: Int64
    /// Reserved by open orders, base units, ≤ quantity.
    public var reserved: Int64
    /// When this balance's goods arrived (UTC); the FIFO key.
    public var receivedAt: Date
    /// Expiry date of the lot (GS1 AI 17), a calendar date; nil when the lot has none or there is no lot.
    public var expiry: CalendarDate?
    /// Status of the lot; nil for stock without a lot.
    public var lotStatus: LotStatus?
    /// Kind of the holding location; only `storage` and `picking` stock is allocatable.
    public var locationKind: LocationKind
}

/// What a ledger row records.
public enum MovementKind: String, Sendable, Codable, CaseIterable {
    /// Goods arrived (to a location).
    case receive
    /// Goods moved between two locations.
    case move
    /// Goods left the warehouse (from a location).
    case pick
    /// A correction with a reason: from a location (decrease) or to it (increase).
    case adjust
    /// A lot status change (quantity 0, no location).
    case lotStatus = "lot_status"
}

/// One append-only ledger row. Balances equal the sum of movements: `to` adds, `from` subtracts.
public struct Movement: Sendable, Codable, Equatable {
    /// Ledger position, strictly increasing.
    public var id: Int64
    /// When it was committed (UTC).
    public var at: Date
    /// What this row records.
    public var kind: MovementKind
    /// SKU of the item moved.
    public var sku: String
    /// Lot code, or nil for stock without a lot (and for items without lots).
    public var lot: String?
    /// Location code the goods left; nil for receipts, increasing adjustments and lot status changes.
    public var from: String?
    /// Location code the goods arrived at; nil for picks, decreasing adjustments and lot status changes.
    public var to: String?
    /// Base units, > 0 (0 only for `lot_status`).
    public var quantity: Int64
    /// Who did it: `uid:1000`, `scanner:usb-0000:00:14.0-1`, ...
    public var actor: String
    /// Caller's reference: order, delivery note, count id.
    public var reference: String?
    /// Why: required for adjustments and status changes.
    public var reason: String?

    /// Creates a movement value from its fields as given (for mappings and their tests); validates
    /// nothing and writes nothing: the ledger's rows are written by the store alone.
    public init(
        id: Int64,
        at: Date,
        kind: MovementKind,
        sku: String,
        lot: String?,
        from: String?,
        to: String?,
        quantity: Int64,
        actor: String,
        reference: String?,
        reason: String?
    ) {
        self.id = id
        self.at = at
        self.kind = kind
        self.sku = sku
        self.lot = lot
        self.from = from
        self.to = to
        self.quantity = quantity
        self.actor = actor
        self.reference = reference
        self.reason = reason
    }
}

/// Parts of a quantity kept away from allocation, by reason (docs/allocation.md).
public enum ExclusionReason: String, Sendable, Codable, CaseIterable, Comparable, CodingKeyRepresentable {
    /// The lot's expiry date is before today.
    case expired
    /// Not expired, but fewer days left than the required remaining shelf life.
    case shelfLife = "shelf_life"
    /// The lot is in quarantine.
    case quarantined
    /// The lot is blocked.
    case blocked
    /// Reserved by an order.
    case reserved
    /// Stock outside storage and picking locations (receiving, shipping, quarantine).
    case notPickable = "not_pickable"
    /// Stock under an open blind count: not allocated until the count is submitted, approved or
    /// cancelled (docs/counts.md, "Blind counts").
    case counting

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A reference to an item: its SKU, or one of its GTINs (any GTIN length; normalised to 14).
public struct ItemReference: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The text as given: a SKU, or 8/12/13/14 digits taken as a GTIN when no SKU matches.
    public var text: String
    /// Wraps `text` (a SKU or a GTIN) as given; resolution happens when it is used, not here.
    public init(_ text: String) { self.text = text }
    public var description: String { text }
}

extension ItemReference {
    /// Decodes from a JSON string (a SKU or a GTIN).
    public init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
