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
        try self.init(description: description, methods: Dictionary(
            methods.map { ($0.name, ($0.minimum, $0.handler)) }, uniquingKeysWith: { first, _ in first }))
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
    /// parameter), runs `body`, replies with its `M.Reply`.
    static func method<M: VarlinkMethod>(
        _: M.Type, _ minimum: DepotRole,
        _ body: @escaping @Sendable (M.Parameters, VarlinkRequest) async throws -> M.Reply
    ) -> GuardedMethod where M.Reply: Sendable {
        GuardedMethod(name: M.memberName, minimum: minimum) { request, responder in
            let parameters = try decode(M.Parameters.self, from: request.parameters)
            let reply = try await body(parameters, request)
            try await responder.reply(encodedParameters: try encode(reply))
        }
    }

    /// A method that may send several replies (`more`): `body` sends them through the typed responder.
    static func streamingMethod<M: VarlinkMethod>(
        _: M.Type, _ minimum: DepotRole,
        _ body: @escaping @Sendable (M.Parameters, VarlinkRequest, TypedResponder<M>) async throws -> Void
    ) -> GuardedMethod where M.Reply: Sendable {
        GuardedMethod(name: M.memberName, minimum: minimum) { request, responder in
            let parameters = try decode(M.Parameters.self, from: request.parameters)
            try await body(parameters, request, TypedResponder(responder: responder))
        }
    }
}
