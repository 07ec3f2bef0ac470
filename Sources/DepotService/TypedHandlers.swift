// Typed handler registration: each depot method is registered with its generated type
// (Sources/DepotAPI/Generated), so a handler decodes `M.Parameters` and returns `M.Reply`, and
// the compiler checks both against the IDL.
import DepotAPI
import Foundation
import Synchronization
import Varlink

/// One method of a ``GuardedInterface``: its unqualified name, minimum role and handler.
public struct GuardedMethod: Sendable {
    /// Unqualified method name, e.g. `Pick`.
    public let name: String
    /// The least role that may call it (docs/operations.md, "Roles").
    public let minimum: DepotRole
    /// The handler.
    public let handler: VarlinkMethodHandler

    /// Creates the entry.
    public init(name: String, minimum: DepotRole, handler: @escaping VarlinkMethodHandler) {
        self.name = name
        self.minimum = minimum
        self.handler = handler
    }
}

extension GuardedInterface {
    /// Builds the interface from its methods (each name at most once).
    /// - Throws: as ``VarlinkInterface/init(description:methods:)``.
    public init(description: String, _ methods: [GuardedMethod]) throws {
        try self.init(
            description: description,
            methods: Dictionary(
                methods.map { ($0.name, ($0.minimum, $0.handler)) },
                uniquingKeysWith: { first, _ in first }
            )
        )
    }
}

/// Who is calling, decided once per call: the actor recorded on movements and count entries
/// (`uid:N` of the peer) and the role ``Authorizer/admit(_:)`` found for the call (nil when the
/// service has no admit gate).
struct Caller: Sendable {
    /// `uid:N`, or `unknown` without peer credentials.
    var actor: String
    /// The caller's role for this call.
    var role: DepotRole?

    /// The caller of `request`, from its credentials and its admission (no lookup).
    init(_ request: VarlinkRequest) {
        actor = Wire.actor(request)
        role = request.depotRole
    }
}

/// Replies of one streaming call, typed as its method's `Reply`, encoded with depot's wire format.
struct TypedResponder<M: VarlinkMethod>: Sendable where M.Reply: Sendable {
    /// The untyped responder (for waiting on the peer).
    let responder: VarlinkResponder

    /// Sends one reply; `continues` when more follow (see ``VarlinkResponder/reply(_:continues:)``).
    func reply(_ reply: M.Reply, continues: Bool = false) async throws {
        try await responder.reply(encodedParameters: try Wire.encode(reply), continues: continues)
    }
}

extension Wire {
    /// A method with one reply: decodes `M.Parameters` (depot's wire format, errors naming the
    /// parameter), runs `body` with the caller, replies with its `M.Reply`. With a `gate` (a
    /// method whose reply can be large: ``largeReplies``), `body` runs and its reply is encoded
    /// while holding one of the gate's permits, so only the encoded bytes wait for the connection.
    static func method<M: VarlinkMethod>(
        _: M.Type,
        _ minimum: DepotRole,
        gate: ReplyGate? = nil,
        _ body: @escaping @Sendable (M.Parameters, Caller) async throws -> M.Reply
    ) -> GuardedMethod where M.Reply: Sendable {
        GuardedMethod(name: M.memberName, minimum: minimum) { request, responder in
            let parameters = try decode(M.Parameters.self, from: request.parameters)
            let caller = Caller(request)
            let answer = { try encode(try await body(parameters, caller)) }
            let encoded = if let gate { try await gate.withPermit(answer) } else { try await answer() }
            try await responder.reply(encodedParameters: encoded)
        }
    }

    /// A method that may send several replies (`more`): `body` sends them through the typed responder.
    static func streamingMethod<M: VarlinkMethod>(
        _: M.Type,
        _ minimum: DepotRole,
        _ body: @escaping @Sendable (M.Parameters, VarlinkRequest, TypedResponder<M>) async throws -> Void
    ) -> GuardedMethod where M.Reply: Sendable {
        GuardedMethod(name: M.memberName, minimum: minimum) { request, responder in
            let parameters = try decode(M.Parameters.self, from: request.parameters)
            try await body(parameters, request, TypedResponder(responder: responder))
        }
    }
}

/// At most ``permits`` calls at once build a reply that can be large (a ledger page, the stock
/// list, an EPCIS page): the rows read, their wire values and the encoded JSON exist only for
/// the calls that hold a permit, so however many connections ask at once, depotd holds about
/// `permits` such replies in the making (each at most a few MiB; the ledger page is capped at
/// ``Wire/maximumLedgerPage`` movements). Waiting calls queue first come, first served; a
/// waiting call whose task is cancelled (its connection closed) leaves the queue and throws
/// `CancellationError`. docs/varlink.md, "Limits".
final class ReplyGate: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
    }

    /// Calls building a large reply at once.
    let permits: Int
    private let state: Mutex<State>

    /// A gate of `permits` (at least 1).
    init(permits: Int) {
        self.permits = max(permits, 1)
        self.state = Mutex(State(available: max(permits, 1)))
    }

    /// Runs `body` holding a permit, waiting for one first.
    /// - Throws: `CancellationError` when the task is cancelled while it waits; what `body` throws.
    func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async throws {
        let id = state.withLock { state -> UInt64? in
            if state.available > 0 {
                state.available -= 1
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.waiters.append((id, continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiting?.resume(throwing: CancellationError())
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}

extension Wire {
    /// The gate of the methods whose reply can be large (``method(_:_:gate:_:)``): 2 permits.
    static let largeReplies = ReplyGate(permits: 2)

    /// Most movements in one `Ledger` page over Varlink: 10,000 (about 3 MiB of JSON with long
    /// references); page on with `afterId`. The engine itself allows larger pages in-process.
    static let maximumLedgerPage = 10_000
}
