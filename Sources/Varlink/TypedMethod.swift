// Typed calls: a method's name with its parameter and reply types, as generated from an IDL
// (Tools/VarlinkCodegen), used by both the client (`VarlinkConnection.call(_:_:)`) and the
// service (`VarlinkInterface.handler(_:_:)`).
import Foundation

/// One Varlink method: its fully-qualified name and the Swift types of its input and output
/// structs. Conforming types are generated from the interface's IDL, so the compiler sees the
/// same contract on both sides of the socket.
public protocol VarlinkMethod: SendableMetatype {
    /// The call's `parameters` object (the method's input struct in the IDL).
    associatedtype Parameters: Codable & Sendable
    /// Each reply's `parameters` object (the method's output struct in the IDL).
    associatedtype Reply: Codable & Sendable
    /// Fully-qualified method name, e.g. `org.varlink.service.GetInfo`.
    static var name: String { get }
    /// The method name without its interface, e.g. `GetInfo`.
    static var memberName: String { get }
}

/// An error declared in an interface's IDL (`error Name (fields)`), with typed parameters.
/// Throw ``VarlinkError/init(_:)`` of it from a handler; match a reply's ``VarlinkError`` with
/// ``VarlinkError/decode(_:)``.
public protocol VarlinkDeclaredError: Error, Codable, Sendable {
    /// Fully-qualified error name, e.g. `org.example.NotFound`.
    static var name: String { get }
}

extension VarlinkError {
    /// The error reply of a declared error: its name and its fields as parameters (optional
    /// fields that are nil are left out).
    ///
    /// The parameters are encoded with the Varlink library's JSON encoder; a declared error whose
    /// fields cannot be encoded (not possible for generated types) becomes `parameters` `{}`.
    public init<E: VarlinkDeclaredError>(_ error: E) {
        let parameters = (try? Envelope.encoder.encode(error)).flatMap { try? VarlinkValue(json: $0) }?.objectValue
        self.init(name: E.name, parameters: parameters ?? [:])
    }

    /// This error as `E` when its name is `E`'s; nil for another name or parameters that do not
    /// fit `E` (a peer with a different IDL).
    public func decode<E: VarlinkDeclaredError>(_: E.Type) -> E? {
        guard name == E.name else { return nil }
        return try? decodeParameters(E.self)
    }
}

extension VarlinkConnection {
    /// One typed call, one typed reply: `try await connection.call(OrgExample.Ping.self, .init(text: "hi"))`.
    ///
    /// - Throws: ``VarlinkError`` for an error reply; ``VarlinkConnectionError`` when the connection
    ///   fails; `DecodingError` when the reply does not fit `M.Reply` (a peer with a different IDL).
    public func call<M: VarlinkMethod>(_ method: M.Type, _ parameters: M.Parameters) async throws -> M.Reply {
        try await call(M.name, parameters).decode(M.Reply.self)
    }

    /// A typed `more` call: each reply decoded as `M.Reply` until the last; an error reply ends the
    /// sequence by throwing ``VarlinkError``, a reply that does not fit by throwing `DecodingError`.
    public func callMore<M: VarlinkMethod>(
        _ method: M.Type,
        _ parameters: M.Parameters
    ) -> AsyncThrowingMapSequence<AsyncThrowingStream<VarlinkReply, any Error>, M.Reply> {
        callMore(M.name, parameters).map { try $0.decode(M.Reply.self) }
    }
}

extension VarlinkInterface {
    /// A handler for `method` that answers with exactly one reply: decodes the call's parameters
    /// as `M.Parameters` (``VarlinkError/invalidParameter(_:)`` naming the parameter on failure),
    /// runs `body`, and replies with its `M.Reply`. Use it as `[M.memberName: handler(M.self) {...}]`.
    public static func handler<M: VarlinkMethod>(
        _ method: M.Type,
        _ body: @escaping @Sendable (M.Parameters, VarlinkRequest) async throws -> M.Reply
    ) -> VarlinkMethodHandler where M.Reply: Sendable {
        { request, responder in
            let parameters = try request.decodeParameters(M.Parameters.self)
            try await responder.reply(try await body(parameters, request))
        }
    }
}
