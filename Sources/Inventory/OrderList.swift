import Foundation
import GRDB

/// Which orders ``InventoryStore/listOrders(_:)`` returns, and one page of them.
public struct OrderListFilter: Sendable, Codable, Equatable {
    /// Only orders in this status; nil for all.
    public var status: OrderStatus?
    /// Only orders created at or after this instant (inclusive); nil for no lower bound.
    public var since: Date?
    /// Only orders created before this instant (exclusive); nil for no upper bound.
    public var until: Date?
    /// Only orders whose ``OrderSummary/id`` is greater (the last id of the previous page); nil
    /// for the first page.
    public var afterId: Int64?
    /// At most this many orders, 1 to ``InventoryStore/maxOrdersPerPage``.
    public var limit: Int
    /// Only orders of the customer with this code; nil for every customer's.
    public var customer: String?

    /// A filter (instants UTC, `limit` orders per page); validates nothing and throws nothing
    /// (``InventoryStore/listOrders(_:)`` validates).
    public init(
        status: OrderStatus? = nil,
        since: Date? = nil,
        until: Date? = nil,
        afterId: Int64? = nil,
        limit: Int = InventoryStore.maxOrdersPerPage,
        customer: String? = nil
    ) {
        self.customer = customer
        self.status = status
        self.since = since
        self.until = until
        self.afterId = afterId
        self.limit = limit
    }
}

/// One line of an order as listed: what was ordered and picked, without reservations (which
/// ``InventoryStore/order(_:)`` gives per order), so a list never says where stock is held.
public struct OrderSummaryLine: Sendable, Codable, Equatable {
    /// Line number within the order, from 1.
    public var lineNo: Int
    /// SKU of the line's item.
    public var sku: String
    /// Base units ordered.
    public var quantity: Int64
    /// Base units picked so far.
    public var picked: Int64
    /// The line's minimum remaining shelf life in days (0 when the order gave none).
    public var minRemainingShelfLifeDays: Int

    /// A listed line (quantities in base units, shelf life in days); validates nothing and
    /// throws nothing.
    public init(lineNo: Int, sku: String, quantity: Int64, picked: Int64, minRemainingShelfLifeDays: Int) {
        self.lineNo = lineNo
        self.sku = sku
        self.quantity = quantity
        self.picked = picked
        self.minRemainingShelfLifeDays = minRemainingShelfLifeDays
    }
}

/// An order as listed by ``InventoryStore/listOrders(_:)``.
public struct OrderSummary: Sendable, Codable, Equatable {
    /// The order's row id: increasing in creation order, the paging key (``OrderListFilter/afterId``).
    public var id: Int64
    /// The order's reference, unique among orders.
    public var reference: String
    /// Whether the order is open, picked or cancelled.
    public var status: OrderStatus
    /// When the order was created (UTC instant).
    public var createdAt: Date
    /// The lines, by line number.
    public var lines: [OrderSummaryLine]
    /// Code of the customer the order ships for.
    public var customer: String = Customer.defaultCode
}

extension InventoryStore {
    /// The most orders one ``listOrders(_:)`` call returns (and the default page).
    public static let maxOrdersPerPage = 1000

    /// Orders matching `filter`, oldest first (by id), at most `filter.limit`, each with its
    /// lines' ordered and picked quantities. A full page means there may be more: ask again with
    /// `afterId` set to the last id. Reads only (runs beside writes); no reservation figures, so
    /// nothing an open blind count hides is in it (docs/counts.md).
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` for `limit` outside 1 to
    ///   ``maxOrdersPerPage``, or `until` before `since`; ``InventoryError/unknownCustomer(_:)``.
    public func listOrders(_ filter: OrderListFilter) async throws -> [OrderSummary] {
        guard (1...Self.maxOrdersPerPage).contains(filter.limit) else {
            throw InventoryError.invalidValue(
                field: "limit",
                value: String(filter.limit),
                reason: "must be 1 to \(Self.maxOrdersPerPage)"
            )
        }
        if let since = filter.since, let until = filter.until, until < since {
            throw InventoryError.invalidValue(
                field: "until",
                value: StoredInstant.text(until),
                reason: "is before since (\(StoredInstant.text(since)))"
            )
        }
        return try await writer.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let customer = filter.customer {
                conditions.append("o.customerId = ?")
                arguments += [try Self.customerId(db, customer)]
            }
            if let status = filter.status {
                conditions.append("o.status = ?")
                arguments += [status.rawValue]
            }
            if let since = filter.since {
                conditions.append("o.createdAt >= ?")
                arguments += [since]
            }
            if let until = filter.until {
                conditions.append("o.createdAt < ?")
                arguments += [until]
            }
            if let afterId = filter.afterId {
                conditions.append("o.id > ?")
                arguments += [afterId]
            }
            let matching = conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
            let orders = try Row.fetchAll(
                db,
                sql: """
                    SELECT o.id, o.reference, o.status, o.createdAt, c.code AS customer
                    FROM "order" o JOIN customer c ON c.id = o.customerId
                    WHERE \(matching) ORDER BY o.id LIMIT ?
                    """,
                arguments: arguments + [filter.limit]
            )
            guard !orders.isEmpty else { return [] }
            // One query for the lines of the whole page, by the (orderId, lineNo) unique index.
            let ids: [Int64] = orders.map { $0["id"] }
            var lines: [Int64: [OrderSummaryLine]] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT ol.orderId, ol.lineNo, item.sku, ol.quantity, ol.picked, ol.minShelfLifeDays
                    FROM orderLine ol JOIN item ON item.id = ol.itemId
                    WHERE ol.orderId IN (\(databaseQuestionMarks(count: ids.count))) ORDER BY ol.orderId, ol.lineNo
                    """,
                arguments: StatementArguments(ids)
            )
            while let row = try rows.next() {
                lines[row["orderId"], default: []].append(
                    OrderSummaryLine(
                        lineNo: row["lineNo"],
                        sku: row["sku"],
                        quantity: row["quantity"],
                        picked: row["picked"],
                        minRemainingShelfLifeDays: row["minShelfLifeDays"]
                    )
                )
            }
            return orders.map { row in
                let id: Int64 = row["id"]
                return OrderSummary(
                    id: id,
                    reference: row["reference"],
                    status: OrderStatus(rawValue: row["status"]) ?? .open,
                    createdAt: row["createdAt"],
                    lines: lines[id] ?? [],
                    customer: row["customer"]
                )
            }
        }
    }
}
