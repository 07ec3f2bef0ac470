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
    /// Thresholds of sessions started without their own (configuration `counts.*`, read per call).
    var defaultThresholds: @Sendable () -> CountThresholds = { .standard }

    typealias API = OrgDepotCounts

    func makeInterface() throws -> GuardedInterface {
        try GuardedInterface(
            description: DepotAPI.countsDescription,
            [
                method(API.Start.self, .clerk) { [store, defaultThresholds] p, caller in
                    let defaults = defaultThresholds()
                    let thresholds = CountThresholds(
                        maxUnits: p.maxVarianceUnits.map { Int64($0) } ?? defaults.maxUnits,
                        maxPercent: p.maxVariancePercent ?? defaults.maxPercent
                    )
                    let session = try await store.startCount(
                        CountStartRequest(
                            location: p.location,
                            item: p.item.map(ItemReference.init),
                            blind: p.blind ?? false,
                            full: p.full ?? false,
                            thresholds: thresholds,
                            recountByOther: p.recountByOther ?? false,
                            acceptAfterCounts: p.acceptAfterCounts ?? CountRecountRule.standardAcceptAfterCounts
                        ),
                        actor: caller.actor
                    )
                    return .init(count: .init(session.visible(to: caller.audience), includingLines: false))
                },
                method(API.Record.self, .operator) { [store] p, caller in
                    let result = try await store.recordCount(
                        CountEntry(
                            count: Int64(p.count),
                            location: p.location,
                            item: ItemReference(p.item),
                            lot: p.lot,
                            quantity: Int64(p.quantity),
                            mode: p.add == true ? .add : .set
                        ),
                        actor: caller.actor
                    )
                    .visible(to: caller.audience)
                    return .init(
                        count: Int(result.count),
                        blind: result.blind,
                        status: result.status.converted(),
                        line: .init(result.line)
                    )
                },
                method(API.Submit.self, .operator) { [store] p, caller in
                    .init(
                        count: .init(
                            try await store.submitCount(Int64(p.count), actor: caller.actor).visible(
                                to: caller.audience
                            ),
                            includingLines: false
                        )
                    )
                },
                method(API.Show.self, .viewer) { [store] p, caller in
                    .init(
                        count: .init(
                            try await store.count(Int64(p.count)).visible(to: caller.audience),
                            includingLines: true
                        )
                    )
                },
                method(API.List.self, .viewer) { [store] p, _ in
                    .init(counts: try await store.counts(status: p.status?.converted()).map(API.CountSummary.init))
                },
                method(API.Recount.self, .clerk) { [store] p, caller in
                    .init(
                        count: .init(
                            try await store.recount(Int64(p.count), lines: p.lines, actor: caller.actor)
                                .visible(to: caller.audience),
                            includingLines: false
                        )
                    )
                },
                method(API.Approve.self, .clerk) { [store] p, caller in
                    let approval = try await store.approveCount(Int64(p.count), actor: caller.actor)
                    // The ledger range of the adjustments instead of the rows themselves, so the reply
                    // stays far below the 16 MiB frame limit for 100,000-line counts.
                    return .init(
                        count: .init(approval.count, includingLines: false),
                        adjustments: approval.movements.count,
                        firstMovement: approval.movements.first.map { Int($0.id) },
                        lastMovement: approval.movements.last.map { Int($0.id) },
                        unchanged: approval.unchanged.map(API.CountLine.init)
                    )
                },
                method(API.Cancel.self, .clerk) { [store] p, caller in
                    .init(
                        count: .init(
                            try await store.cancelCount(Int64(p.count), actor: caller.actor).visible(
                                to: caller.audience
                            ),
                            includingLines: false
                        )
                    )
                },
                method(API.Schedule.self, .clerk) { [store] p, _ in
                    let schedule = try await store.setCountSchedule(location: p.location, everyDays: p.everyDays)
                    return .init(
                        schedule: .init(
                            location: schedule.location,
                            everyDays: schedule.everyDays,
                            lastCounted: schedule.lastCounted?.description
                        )
                    )
                },
                method(API.Due.self, .viewer) { [store] _, _ in
                    .init(
                        locations: try await store.dueCounts().map { due in
                            API.DueLocation(
                                location: due.location,
                                everyDays: due.everyDays,
                                lastCounted: due.lastCounted?.description,
                                dueOn: due.dueOn.description,
                                daysOverdue: due.daysOverdue
                            )
                        }
                    )
                },
            ]
        )
    }

    /// Wraps an operation: check the role, decode parameters, run, encode the reply; count
    /// errors become this interface's typed errors.
    private func method<M: VarlinkMethod>(
        _: M.Type,
        _ minimum: DepotRole,
        _ operation: @escaping @Sendable (M.Parameters, Caller) async throws -> M.Reply
    ) -> GuardedMethod where M.Reply: Sendable {
        GuardedMethod(name: M.memberName, minimum: minimum) { request, responder in
            // The role admit found for this call; without one (no admit gate) nothing is allowed.
            let caller = Caller(request)
            guard let role = caller.role, role >= minimum else { throw VarlinkError.permissionDenied }
            let parameters = try Wire.decode(M.Parameters.self, from: request.parameters)
            let reply: M.Reply
            do {
                reply = try await operation(parameters, caller)
            } catch let error as CountError {
                throw Self.varlinkError(error)
            }
            try await responder.reply(encodedParameters: try Wire.encode(reply))
        }
    }

    /// Maps ``CountError`` onto the errors declared in org.depot.counts, each with its `message`.
    static func varlinkError(_ error: CountError) -> VarlinkError {
        let message = error.description
        switch error {
        case let .unknownCount(count):
            return VarlinkError(API.UnknownCount(count: Int(count), message: message))
        case let .wrongStatus(count, status, action):
            return VarlinkError(
                API.WrongStatus(count: Int(count), status: status.rawValue, action: action, message: message)
            )
        case let .outOfScope(count, field, value):
            return VarlinkError(API.OutOfScope(count: Int(count), field: field, value: value, message: message))
        case let .unknownLine(count, line):
            return VarlinkError(API.UnknownLine(count: Int(count), line: line, message: message))
        case let .recountRequired(count, lines):
            return VarlinkError(API.RecountRequired(count: Int(count), lines: lines, message: message))
        case let .sameCounter(count, line, actor):
            return VarlinkError(API.SameCounter(count: Int(count), line: line, actor: actor, message: message))
        case let .conflicts(count, lines):
            return VarlinkError(
                API.Conflicts(count: Int(count), lines: lines.map(API.LineConflict.init), message: message)
            )
        }
    }
}

extension Caller {
    /// What the caller may see of a blind count: reviewers (clerk and above) see expectations.
    var audience: CountAudience { (role ?? .viewer) >= .clerk ? .reviewer : .counter }
}
