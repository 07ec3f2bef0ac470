import DepotAPI
import Foundation
import Inventory
import Logging
import Varlink

/// Turns the engine's errors into the typed errors declared in org.depot.inventory's IDL.
enum ErrorMapping {
    static func varlinkError(_ error: InventoryError) -> VarlinkError {
        let name: String
        var parameters: [String: VarlinkValue] = ["message": .string(error.description)]
        func text(_ value: String?) -> VarlinkValue { value.map(VarlinkValue.string) ?? .null }
        switch error {
        case let .invalidValue(field, value, reason):
            name = "InvalidValue"
            parameters["field"] = .string(field)
            parameters["value"] = .string(value)
            parameters["reason"] = .string(reason)
        case let .unknownItem(item):
            name = "UnknownItem"
            parameters["item"] = .string(item)
        case let .unknownLocation(location):
            name = "UnknownLocation"
            parameters["location"] = .string(location)
        case let .unknownLot(sku, lot):
            name = "UnknownLot"
            parameters["item"] = .string(sku)
            parameters["lot"] = .string(lot)
        case let .unknownOrder(reference):
            name = "UnknownOrder"
            parameters["reference"] = .string(reference)
        case let .duplicate(field, value, owner):
            name = "Duplicate"
            parameters["field"] = .string(field)
            parameters["value"] = .string(value)
            parameters["owner"] = text(owner)
        case let .lotRequired(sku):
            name = "LotRequired"
            parameters["item"] = .string(sku)
        case let .expiryRequired(sku, lot):
            name = "ExpiryRequired"
            parameters["item"] = .string(sku)
            parameters["lot"] = text(lot)
        case let .lotDateConflict(sku, lot, field, recorded, given):
            name = "LotDateConflict"
            parameters["item"] = .string(sku)
            parameters["lot"] = .string(lot)
            parameters["field"] = .string(field)
            parameters["recorded"] = .string(recorded)
            parameters["given"] = .string(given)
        case let .quarantineLocation(code):
            name = "QuarantineLocation"
            parameters["location"] = .string(code)
        case let .insufficientStock(sku, lot, location, requested, available):
            name = "InsufficientStock"
            parameters["item"] = .string(sku)
            parameters["lot"] = text(lot)
            parameters["location"] = .string(location)
            parameters["requested"] = .int(requested)
            parameters["available"] = .int(available)
        case let .allocationShort(sku, requested, allocatable, excluded):
            name = "AllocationShort"
            parameters["item"] = .string(sku)
            parameters["requested"] = .int(requested)
            parameters["allocatable"] = .int(allocatable)
            parameters["excluded"] = .object(Dictionary(uniqueKeysWithValues: excluded.map { ($0.key.rawValue, .int($0.value)) }))
        case let .lotAmbiguous(sku, location, lots):
            name = "LotAmbiguous"
            parameters["item"] = .string(sku)
            parameters["location"] = .string(location)
            parameters["lots"] = .array(lots.map(VarlinkValue.string))
        case let .orderClosed(reference, status):
            name = "OrderClosed"
            parameters["reference"] = .string(reference)
            parameters["status"] = .string(status)
        case let .locationCycle(code):
            name = "LocationCycle"
            parameters["location"] = .string(code)
        case let .duplicateScan(id, movements):
            name = "DuplicateScan"
            parameters["scan"] = .string(id)
            parameters["movements"] = .array(movements.map(VarlinkValue.int))
        case let .pickRefused(sku, lot, _, takeLot, takeLocation):
            name = "PickRefused"
            parameters["item"] = .string(sku)
            parameters["lot"] = text(lot)
            parameters["takeLot"] = text(takeLot)
            parameters["takeLocation"] = text(takeLocation)
        case let .storageFailure(reason, code, _):
            name = "StorageFailure"
            parameters["reason"] = .string(reason.rawValue)
            parameters["code"] = .int(Int64(code))
        }
        // Echoed values are cut to what a person can read (the input may be megabytes).
        let bounded = parameters.filter { $0.value != .null }.mapValues { value -> VarlinkValue in
            if case let .string(text) = value, text.unicodeScalars.count > 200 { return .string(InventoryError.shown(text)) }
            return value
        }
        return VarlinkError(name: DepotAPI.inventory + "." + name, parameters: bounded)
    }

    /// The error that ends a ledger subscription that fell behind after movement `last`.
    static func fellBehind(lastDelivered last: Int64) -> VarlinkError {
        VarlinkError(name: DepotAPI.inventory + ".SubscriberFellBehind", parameters: [
            "lastDelivered": .int(last),
            "message": .string("the subscriber fell behind after movement \(last); subscribe again and read the ledger from there"),
        ])
    }

    /// Storage failures outside the engine's write path (reads), logged here with their cause.
    static let storageLogger = Logger(label: "depotd.storage")

    /// Maps anything a handler throws: engine errors to their IDL errors; SQLite errors that are
    /// storage failures (disk full, I/O, read-only, corrupt) to `StorageFailure`, logged at error
    /// with the cause; the rest to the Varlink service's generic error (logged by the server).
    static func map(_ error: any Error) -> VarlinkError {
        switch error {
        case let error as VarlinkError: return error
        case let error as InventoryError: return varlinkError(error)
        case let error as CalendarDate.InvalidText: return varlinkError(InventoryError(error))
        default:
            guard let failure = InventoryError.storageFailure(from: error) else { return .internalError }
            if case let .storageFailure(reason, code, _) = failure {
                storageLogger.error("storage failure", metadata: [
                    "storage.reason": "\(reason.rawValue)", "sqlite.code": "\(code)", "error": "\(error)",
                ])
            }
            return varlinkError(failure)
        }
    }
}
