// Typed handler registration: each depot method is registered with its generated type
// (Sources/DepotAPI/Generated), so a handler decodes `M.Parameters` and returns `M.Reply`, and
// the compiler checks both against the IDL.
import DepotAPI
import Foundation
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
    /// parameter), runs `body` with the caller, replies with its `M.Reply`.
    static func method<M: VarlinkMethod>(
        _: M.Type,
        _ minimum: DepotRole,
        _ body: @escaping @Sendable (M.Parameters, Caller) async throws -> M.Reply
    ) -> GuardedMethod where M.Reply: Sendable {
        GuardedMethod(name: M.memberName, minimum: minimum) { request, responder in
            let parameters = try decode(M.Parameters.self, from: request.parameters)
            let reply = try await body(parameters, Caller(request))
            try await responder.reply(encodedParameters: try encode(reply))
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
