import DepotAPI
import Foundation
import Inventory
import Varlink

/// The handlers of `org.depot.counts` (Sources/DepotAPI/Interfaces/org.depot.counts.varlink),
/// each one engine operation with the minimum ``DepotRole`` it needs.
///
/// Blind sessions (docs/counts.md): replies to callers below ``DepotRole/clerk`` pass through
/// ``CountSession/visible(to:)`` as ``CountAudience/counter``, so expected quantities and
/// variances of an open blind session never leave the daemon for them.
struct CountInterface: Sendable {
    let store: InventoryStore
    /// Decides each caller's role (the authorizer's group rule in depotd).
    let role: DepotRoleResolver
    /// Thresholds of sessions started without their own.
    /// Thresholds of sessions started without their own (configuration `counts.*`, read per call).
    var defaultThresholds: @Sendable () -> CountThresholds = { .standard }

    func makeInterface() throws -> GuardedInterface {
        try GuardedInterface(description: DepotAPI.countsDescription, methods: [
            "Start": handle(StartParameters.self, minimum: .clerk) { p, caller in
                let defaults = defaultThresholds()
                let thresholds = CountThresholds(maxUnits: p.maxVarianceUnits ?? defaults.maxUnits,
                                                 maxPercent: p.maxVariancePercent ?? defaults.maxPercent)
                let session = try await store.startCount(CountStartRequest(
                    location: p.location, item: p.item, blind: p.blind ?? false, full: p.full ?? false,
                    thresholds: thresholds, recountByOther: p.recountByOther ?? false), actor: caller.actor)
                return ["count": CountHeader(session.visible(to: caller.audience))]
            },
            "Record": handle(RecordParameters.self, minimum: .operator) { p, caller in
                try await store.recordCount(CountEntry(
                    count: p.count, location: p.location, item: p.item, lot: p.lot, quantity: p.quantity,
                    mode: p.add == true ? .add : .set), actor: caller.actor).visible(to: caller.audience)
            },
            "Submit": handle(CountParameter.self, minimum: .operator) { p, caller in
                ["count": CountHeader(try await store.submitCount(p.count, actor: caller.actor).visible(to: caller.audience))]
            },
            "Show": handle(CountParameter.self, minimum: .viewer) { p, caller in
                ["count": try await store.count(p.count).visible(to: caller.audience)]
            },
            "List": handle(ListParameters.self, minimum: .viewer) { p, _ in
                ["counts": try await store.counts(status: p.status)]
            },
            "Recount": handle(RecountParameters.self, minimum: .clerk) { p, caller in
                ["count": CountHeader(try await store.recount(p.count, lines: p.lines, actor: caller.actor)
                    .visible(to: caller.audience))]
            },
            "Approve": handle(CountParameter.self, minimum: .clerk) { p, caller in
                ApproveReply(try await store.approveCount(p.count, actor: caller.actor))
            },
            "Cancel": handle(CountParameter.self, minimum: .clerk) { p, caller in
                ["count": CountHeader(try await store.cancelCount(p.count, actor: caller.actor).visible(to: caller.audience))]
            },
            "Schedule": handle(ScheduleParameters.self, minimum: .clerk) { p, _ in
                ["schedule": try await store.setCountSchedule(location: p.location, everyDays: p.everyDays)]
            },
            "Due": handle(Empty.self, minimum: .viewer) { _, _ in ["locations": try await store.dueCounts()] },
        ])
    }

    /// Who is calling: the actor recorded on entries and movements, the role, and the count audience.
    struct Caller: Sendable {
        var actor: String
        var role: DepotRole
        var audience: CountAudience { role >= .clerk ? .reviewer : .counter }
    }

    /// Wraps an operation: check the role, decode parameters, run, encode the reply; count
    /// errors become this interface's typed errors.
    private func handle<P: Decodable & Sendable, R: Encodable & Sendable>(
        _: P.Type, minimum: DepotRole, _ operation: @escaping @Sendable (P, Caller) async throws -> R
    ) -> (DepotRole, VarlinkMethodHandler) {
        (minimum, { [role] request, responder in
            let caller = Caller(actor: Wire.actor(request), role: role(request))
            guard caller.role >= minimum else { throw VarlinkError.permissionDenied }
            let parameters = try Wire.decode(P.self, from: request.parameters)
            let result: R
            do {
                result = try await operation(parameters, caller)
            } catch let error as CountError {
                throw Self.varlinkError(error)
            }
            try await responder.reply(encodedParameters: try Wire.encode(result))
        })
    }

    /// Maps ``CountError`` onto the errors declared in org.depot.counts, each with its `message`.
    static func varlinkError(_ error: CountError) -> VarlinkError {
        let name: String
        var parameters: [String: VarlinkValue] = ["message": .string(error.description)]
        switch error {
        case let .unknownCount(count):
            name = "UnknownCount"
            parameters["count"] = .int(count)
        case let .wrongStatus(count, status, action):
            name = "WrongStatus"
            parameters["count"] = .int(count)
            parameters["status"] = .string(status.rawValue)
            parameters["action"] = .string(action)
        case let .outOfScope(count, field, value):
            name = "OutOfScope"
            parameters["count"] = .int(count)
            parameters["field"] = .string(field)
            parameters["value"] = .string(value)
        case let .unknownLine(count, line):
            name = "UnknownLine"
            parameters["count"] = .int(count)
            parameters["line"] = .int(Int64(line))
        case let .recountRequired(count, lines):
            name = "RecountRequired"
            parameters["count"] = .int(count)
            parameters["lines"] = .array(lines.map { .int(Int64($0)) })
        case let .sameCounter(count, line, actor):
            name = "SameCounter"
            parameters["count"] = .int(count)
            parameters["line"] = .int(Int64(line))
            parameters["actor"] = .string(actor)
        case let .conflicts(count, lines):
            name = "Conflicts"
            parameters["count"] = .int(count)
            parameters["lines"] = .array(lines.map { conflict in
                var object: [String: VarlinkValue] = [
                    "line": .int(Int64(conflict.line)), "sku": .string(conflict.sku), "location": .string(conflict.location),
                    "onHand": .int(conflict.onHand), "reserved": .int(conflict.reserved), "variance": .int(conflict.variance),
                    "reason": .string(conflict.reason.rawValue),
                ]
                if let lot = conflict.lot { object["lot"] = .string(lot) }
                return .object(object)
            })
        }
        return VarlinkError(name: DepotAPI.counts + "." + name, parameters: parameters)
    }
}

// MARK: - Reply shapes (as declared in the IDL)

/// A session without its lines (replies of Start, Submit, Recount, Cancel and Approve).
struct CountHeader: Encodable, Sendable {
    var id: Int64
    var location: String
    var item: String?
    var blind: Bool
    var full: Bool
    var recountByOther: Bool
    var status: CountStatus
    var thresholds: CountThresholds
    var snapshotPosition: Int64
    var startedAt: Date
    var startedBy: String
    var submittedAt: Date?
    var submittedBy: String?
    var closedAt: Date?
    var closedBy: String?
    var expectationsHidden: Bool
    var totals: CountTotals

    init(_ session: CountSession) {
        id = session.id
        location = session.location
        item = session.item
        blind = session.blind
        full = session.full
        recountByOther = session.recountByOther
        status = session.status
        thresholds = session.thresholds
        snapshotPosition = session.snapshotPosition
        startedAt = session.startedAt
        startedBy = session.startedBy
        submittedAt = session.submittedAt
        submittedBy = session.submittedBy
        closedAt = session.closedAt
        closedBy = session.closedBy
        expectationsHidden = session.expectationsHidden
        totals = session.totals
    }
}

/// `Approve`'s reply: the ledger range of the adjustments instead of the rows themselves, so
/// the reply stays far below the 16 MiB frame limit for 100,000-line counts.
struct ApproveReply: Encodable, Sendable {
    var count: CountHeader
    var adjustments: Int
    var firstMovement: Int64?
    var lastMovement: Int64?
    var unchanged: [CountLine]

    init(_ approval: CountApproval) {
        count = CountHeader(approval.count)
        adjustments = approval.movements.count
        firstMovement = approval.movements.first?.id
        lastMovement = approval.movements.last?.id
        unchanged = approval.unchanged
    }
}

// MARK: - Parameter shapes (as declared in the IDL)

struct CountParameter: Decodable, Sendable { var count: Int64 }

struct StartParameters: Decodable, Sendable {
    var location: String
    var item: ItemReference?
    var blind: Bool?
    var full: Bool?
    var maxVarianceUnits: Int64?
    var maxVariancePercent: Double?
    var recountByOther: Bool?
}

struct RecordParameters: Decodable, Sendable {
    var count: Int64
    var location: String
    var item: ItemReference
    var lot: String?
    var quantity: Int64
    var add: Bool?
}

struct ListParameters: Decodable, Sendable { var status: CountStatus? }

struct RecountParameters: Decodable, Sendable {
    var count: Int64
    var lines: [Int]
}

struct ScheduleParameters: Decodable, Sendable {
    var location: String
    var everyDays: Int?
}
