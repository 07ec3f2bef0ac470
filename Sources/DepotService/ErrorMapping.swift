import DepotAPI
import Foundation
import Inventory
import Logging
import Varlink

/// Turns the engine's errors into the typed errors declared in org.depot.inventory's IDL.
enum ErrorMapping {
    typealias API = OrgDepotInventory

    /// The IDL error of an engine error (its generated type, so a field renamed in the IDL breaks
    /// the build here), with the engine's sentence as `message`.
    static func varlinkError(_ error: InventoryError) -> VarlinkError {
        let message = error.description
        let typed: VarlinkError
        switch error {
        case let .invalidValue(field, value, reason):
            typed = VarlinkError(API.InvalidValue(field: field, value: value, reason: reason, message: message))
        case let .unknownItem(item):
            typed = VarlinkError(API.UnknownItem(item: item, message: message))
        case let .unknownLocation(location):
            typed = VarlinkError(API.UnknownLocation(location: location, message: message))
        case let .unknownLot(sku, lot):
            typed = VarlinkError(API.UnknownLot(item: sku, lot: lot, message: message))
        case let .unknownOrder(reference):
            typed = VarlinkError(API.UnknownOrder(reference: reference, message: message))
        case let .unknownCustomer(customer):
            typed = VarlinkError(API.UnknownCustomer(customer: customer, message: message))
        case let .itemAmbiguous(gtin, customers):
            typed = VarlinkError(API.ItemAmbiguous(gtin: gtin, customers: customers, message: message))
        case let .wrongCustomer(sku, itemCustomer, customer):
            typed = VarlinkError(
                API.WrongCustomer(item: sku, itemCustomer: itemCustomer, customer: customer, message: message)
            )
        case let .unknownToken(id):
            typed = VarlinkError(API.UnknownToken(id: id.map { Int($0) }, message: message))
        case let .duplicate(field, value, owner):
            typed = VarlinkError(API.Duplicate(field: field, value: value, owner: owner, message: message))
        case let .lotRequired(sku):
            typed = VarlinkError(API.LotRequired(item: sku, message: message))
        case let .expiryRequired(sku, lot):
            typed = VarlinkError(API.ExpiryRequired(item: sku, lot: lot, message: message))
        case let .lotDateConflict(sku, lot, field, recorded, given):
            typed = VarlinkError(
                API.LotDateConflict(
                    item: sku,
                    lot: lot,
                    field: field,
                    recorded: recorded,
                    given: given,
                    message: message
                )
            )
        case let .quarantineLocation(code):
            typed = VarlinkError(API.QuarantineLocation(location: code, message: message))
        case let .insufficientStock(sku, lot, location, requested, available):
            typed = VarlinkError(
                API.InsufficientStock(
                    item: sku,
                    lot: lot,
                    location: location,
                    requested: Int(requested),
                    available: Int(available),
                    message: message
                )
            )
        case let .allocationShort(sku, requested, allocatable, excluded):
            typed = VarlinkError(
                API.AllocationShort(
                    item: sku,
                    requested: Int(requested),
                    allocatable: Int(allocatable),
                    excluded: Wire.excluded(excluded),
                    message: message
                )
            )
        case let .lotAmbiguous(sku, location, lots):
            typed = VarlinkError(API.LotAmbiguous(item: sku, location: location, lots: lots, message: message))
        case let .orderClosed(reference, status):
            typed = VarlinkError(API.OrderClosed(reference: reference, status: status, message: message))
        case let .locationCycle(code):
            typed = VarlinkError(API.LocationCycle(location: code, message: message))
        case let .duplicateScan(id, movements):
            typed = VarlinkError(API.DuplicateScan(scan: id, movements: movements.map { Int($0) }, message: message))
        case let .pickRefused(sku, lot, _, takeLot, takeLocation):
            typed = VarlinkError(
                API.PickRefused(
                    item: sku,
                    lot: lot,
                    takeLot: takeLot,
                    takeLocation: takeLocation,
                    message: message
                )
            )
        case let .storageFailure(reason, code, _):
            typed = VarlinkError(API.StorageFailure(reason: reason.converted(), code: Int(code), message: message))
        case let .writesStopped(stop):
            typed = VarlinkError(
                API.StorageFailure(reason: stop.reason.converted(), code: Int(stop.code), message: message)
            )
        }
        // Echoed values are cut to what a person can read (the input may be megabytes); the
        // message is a whole sentence whose quoted values are already cut (InventoryError.shown),
        // so it keeps its reason whole up to a generous bound.
        var bounded = typed.parameters
        for (key, value) in typed.parameters {
            if case let .string(text) = value, text.unicodeScalars.count > 200 {
                bounded[key] = .string(InventoryError.shown(text, limit: key == "message" ? 2000 : 80))
            }
        }
        return VarlinkError(name: typed.name, parameters: bounded)
    }

    /// The error that ends a ledger subscription that fell behind after movement `last`.
    static func fellBehind(lastDelivered last: Int64) -> VarlinkError {
        VarlinkError(
            API.SubscriberFellBehind(
                lastDelivered: Int(last),
                message:
                    "the subscriber fell behind after movement \(last); subscribe again and read the ledger from there"
            )
        )
    }

    /// Storage failures outside the engine's write path (reads), logged here with their cause.
    static let storageLogger = Logger(label: "depotd.storage")

    /// Maps anything a handler throws: engine errors to their IDL errors; SQLite errors that are
    /// storage failures (disk full, I/O, read-only, corrupt) to `StorageFailure`, logged at error
    /// with the cause; the rest to the Varlink service's generic error (logged by the server).
    static func map(_ error: any Error) -> VarlinkError { map(error, log: true) }

    /// The Varlink error name a caller gets for `error` (for the audit log), without logging.
    static func name(of error: any Error) -> String { map(error, log: false).name }

    private static func map(_ error: any Error, log: Bool) -> VarlinkError {
        switch error {
        case let error as VarlinkError: return error
        case let error as InventoryError: return varlinkError(error)
        case let error as CalendarDate.InvalidText: return varlinkError(InventoryError(error))
        default:
            guard let failure = InventoryError.storageFailure(from: error) else { return .internalError }
            if log, case let .storageFailure(reason, code, _) = failure {
                storageLogger.error(
                    "storage failure",
                    metadata: [
                        "storage.reason": "\(reason.rawValue)", "sqlite.code": "\(code)", "error": "\(error)",
                    ]
                )
            }
            return varlinkError(failure)
        }
    }
}
