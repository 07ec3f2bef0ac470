import Foundation

/// Everything the engine refuses, each with the field and the value at fault.
/// Nothing is written when one of these is thrown: the whole transaction rolls back.
public enum InventoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A value is malformed or out of range. `field` names the input (e.g. `quantity`, `expiry`).
    case invalidValue(field: String, value: String, reason: String)
    /// No item has this SKU or GTIN.
    case unknownItem(String)
    /// No location has this code.
    case unknownLocation(String)
    /// The item has no lot with this code.
    case unknownLot(sku: String, lot: String)
    /// No order has this reference.
    case unknownOrder(String)
    /// No customer has this code.
    case unknownCustomer(String)
    /// The GTIN is on items of several customers and no customer was named: `customers` are
    /// their codes, sorted.
    case itemAmbiguous(gtin: String, customers: [String])
    /// An order line or a receipt of `customer` names an item of another customer (`itemCustomer`).
    case wrongCustomer(sku: String, itemCustomer: String, customer: String)
    /// No valid customer token has this id (nil: a token text that was never issued or is revoked).
    case unknownToken(Int64?)
    /// The SKU, location code, order reference or GTIN exists already. `field` names which.
    case duplicate(field: String, value: String, owner: String?)
    /// The item is lot-tracked and no lot was given.
    case lotRequired(sku: String)
    /// The item is expiry-tracked and the lot has no expiry date.
    case expiryRequired(sku: String, lot: String?)
    /// A date given for an existing lot disagrees with the one on record.
    case lotDateConflict(sku: String, lot: String, field: String, recorded: String, given: String)
    /// Receiving into a quarantine-kind location needs `allowQuarantineLocation`.
    case quarantineLocation(String)
    /// Fewer units are at the location than the operation takes. `available` excludes reserved units;
    /// it is -1 when an open blind count hides the figure (the engine never states it there).
    case insufficientStock(sku: String, lot: String?, location: String, requested: Int64, available: Int64)
    /// Allocation found too little (and partial allocation was not allowed). `allocatable` is -1
    /// (and `excluded` empty) when an open blind count hides stock of the item from the caller.
    case allocationShort(sku: String, requested: Int64, allocatable: Int64, excluded: [ExclusionReason: Int64])
    /// Several lots of the item lie at the location and none was named.
    case lotAmbiguous(sku: String, location: String, lots: [String])
    /// The order is not open (picked or cancelled).
    case orderClosed(reference: String, status: String)
    /// A location cannot be its own ancestor.
    case locationCycle(String)
    /// This scan was applied before (exactly-once); `movements` are the ids it created then.
    case duplicateScan(id: String, movements: [Int64])
    /// The scanned lot may not be picked instead of the allocated one.
    case pickRefused(sku: String, lot: String?, reason: String, takeLot: String?, takeLocation: String?)
    /// SQLite could not read or write the database (``StorageFailureReason``); `code` is SQLite's
    /// extended result code, `detail` its message. Nothing of the operation was saved.
    case storageFailure(reason: StorageFailureReason, code: Int32, detail: String)
    /// An earlier write failed with an I/O error or found the database damaged, and the store
    /// accepts no writes until it is reopened (``WriteStop``). Nothing of the operation was saved.
    case writesStopped(WriteStop)

    public var description: String {
        switch self {
        case let .invalidValue(field, value, reason):
            return "\(field) \"\(Self.shown(value))\" is not valid: \(reason)"
        case let .unknownItem(text):
            return "no item has SKU or GTIN \"\(Self.shown(text))\""
        case let .unknownLocation(code):
            return "no location has code \"\(Self.shown(code))\""
        case let .unknownLot(sku, lot):
            return "item \(sku) has no lot \"\(Self.shown(lot))\""
        case let .unknownOrder(reference):
            return "no order has reference \"\(Self.shown(reference))\""
        case let .unknownCustomer(code):
            return "no customer has code \"\(Self.shown(code))\""
        case let .itemAmbiguous(gtin, customers):
            return
                "GTIN \(gtin) is on items of several customers (\(customers.joined(separator: ", "))): name the customer"
        case let .wrongCustomer(sku, itemCustomer, customer):
            return
                "item \(Self.shown(sku)) belongs to customer \(itemCustomer), not to customer \(customer): an order or a receipt of \(customer) takes only \(customer)'s items"
        case let .unknownToken(id):
            return id.map { "no customer token has id \($0)" } ?? "the token is not valid (never issued, or revoked)"
        case let .duplicate(field, value, owner):
            return "\(field) \"\(value)\" already exists" + (owner.map { " (on \($0))" } ?? "")
        case let .lotRequired(sku):
            return "item \(sku) is lot-tracked: give a lot"
        case let .expiryRequired(sku, lot):
            return "item \(sku) is expiry-tracked: lot \(lot ?? "(none)") needs an expiry date"
        case let .lotDateConflict(sku, lot, field, recorded, given):
            return "lot \(lot) of \(sku) has \(field) \(recorded), not \(given)"
        case let .quarantineLocation(code):
            return "location \(code) is a quarantine location: say so explicitly to receive into it"
        case let .insufficientStock(sku, lot, location, requested, available) where available < 0:
            return
                "not enough of \(sku)\(lot.map { " lot \($0)" } ?? "") available at \(location) (a blind count is open there), \(requested) requested"
        case let .insufficientStock(sku, lot, location, requested, available):
            return
                "only \(available) of \(sku)\(lot.map { " lot \($0)" } ?? "") available at \(location), \(requested) requested"
        case let .allocationShort(sku, requested, allocatable, _) where allocatable < 0:
            return
                "cannot allocate \(requested) of \(sku): not enough allocatable (a blind count is open where it lies)"
        case let .allocationShort(sku, requested, allocatable, excluded):
            var text = "cannot allocate \(requested) of \(sku): \(allocatable) allocatable"
            let parts = excluded.filter { $0.value > 0 }.sorted { $0.key < $1.key }
                .map { "\($0.value) \($0.key.rawValue)" }
            if !parts.isEmpty { text += "; excluded: " + parts.joined(separator: ", ") }
            return text
        case let .lotAmbiguous(sku, location, lots):
            return "\(location) holds lots \(lots.joined(separator: ", ")) of \(sku): name the lot"
        case let .orderClosed(reference, status):
            return "order \(reference) is \(status)"
        case let .locationCycle(code):
            return "location \(code) cannot be inside itself"
        case let .duplicateScan(id, movements):
            return "scan \(id) was already applied"
                + (movements.isEmpty ? "" : " (movements \(movements.map(String.init).joined(separator: ", ")))")
        case let .pickRefused(_, _, reason, _, _):
            return reason
        case let .storageFailure(reason, code, detail):
            return "nothing was saved: \(reason.sentence) (SQLite \(code): \(Self.shown(detail)))"
        case let .writesStopped(stop):
            return "nothing was saved: \(stop.sentence)"
        }
    }
}

extension InventoryError {
    /// A value as error sentences quote it: at most 80 characters (then "…"), control and
    /// format characters as `\u{...}` (``isEscaped(_:)``), so a huge or hostile input cannot
    /// flood a terminal or a reply, nor reorder the sentence around it.
    public static func shown(_ value: String) -> String { shown(value, limit: 80) }

    /// `value` with control characters escaped as ``shown(_:)`` does, cut after `limit` unicode
    /// scalars (then "…"). Whole sentences (an error's message) are bounded with a larger limit
    /// than quoted values: the 80-character cut is for values, never for a reason.
    public static func shown(_ value: String, limit: Int) -> String {
        var out = ""
        for (index, scalar) in value.unicodeScalars.enumerated() {
            if index == limit {
                out += "…"
                break
            }
            if Self.isEscaped(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension InventoryError {
    /// Whether ``shown(_:limit:)`` writes `scalar` as `\u{...}`: control characters (Cc), format
    /// characters (Cf: every bidirectional control, the embeddings and overrides U+202A...U+202E
    /// and the isolates U+2066...U+2069 of Unicode UAX #9, the marks U+200E, U+200F and U+061C,
    /// zero-width characters, the BOM), the line and paragraph separators U+2028 and U+2029, and
    /// the other default-ignorable code points (U+034F COMBINING GRAPHEME JOINER, variation
    /// selectors, the Hangul fillers U+115F, U+1160, U+3164, U+FFA0): what could reorder, hide or
    /// break the sentence that quotes the value.
    public static func isEscaped(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: true
        default: scalar.properties.isDefaultIgnorableCodePoint
        }
    }
}

/// Validation of input quantities (docs/allocation.md: integers in base units, 0 < q < 2^53).
public enum Quantity {
    /// The exclusive upper bound of any quantity: 2^53, the largest integer range JSON peers keep exact.
    public static let limit: Int64 = 1 << 53

    /// Checks 0 < `value` < 2^53.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` naming `field`.
    public static func validate(_ value: Int64, field: String = "quantity") throws(InventoryError) {
        guard value > 0 else {
            throw .invalidValue(field: field, value: String(value), reason: "must be a whole number above 0")
        }
        guard value < limit else {
            throw .invalidValue(field: field, value: String(value), reason: "must be below 2^53")
        }
    }
}
