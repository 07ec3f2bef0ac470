import Foundation
import NIOCore
import Synchronization

/// Peer credentials of a Unix-socket connection, read with `getsockopt(SO_PEERCRED)` when the
/// connection is accepted (socket(7), unix(7)): the peer's identity at `connect(2)` time.
public struct VarlinkPeerCredentials: Sendable, Hashable {
    /// Effective user id of the connecting process.
    public var uid: UInt32
    /// Effective group id of the connecting process.
    public var gid: UInt32
    /// Process id of the connecting process.
    public var pid: Int32
    /// Creates credentials.
    public init(uid: UInt32, gid: UInt32, pid: Int32) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
    }
}

/// One call as the server received it (varlink.org, "Protocol": `method`, `parameters`, `oneway`, `more`).
public struct VarlinkRequest: Sendable {
    /// Fully-qualified method name, e.g. `org.depot.inventory.Receive`.
    public let method: String
    /// Raw bytes of the JSON `parameters` object; `{}` when the call had none.
    public let parameters: Data
    /// The caller wants no reply; anything the handler replies is discarded.
    public let oneway: Bool
    /// The caller accepts several replies (`continues: true` on all but the last).
    public let more: Bool
    /// Credentials of the calling process; nil when the transport has none.
    public let peer: VarlinkPeerCredentials?
    /// What ``VarlinkService/admit`` decided about the caller for this call (e.g. its role), so
    /// ``VarlinkService/authorize`` and the handler use that one decision instead of repeating
    /// it; nil without an `admit` gate (and for requests made by hand, unless given).
    public internal(set) var admission: (any Sendable)?

    /// Creates a request (the server does this; tests and in-process callers may too).
    public init(
        method: String,
        parameters: Data = Data("{}".utf8),
        oneway: Bool = false,
        more: Bool = false,
        peer: VarlinkPeerCredentials? = nil,
        admission: (any Sendable)? = nil
    ) {
        self.method = method
        self.parameters = parameters
        self.oneway = oneway
        self.more = more
        self.peer = peer
        self.admission = admission
    }

    /// The interface part of ``method``: everything before the last dot (`org.depot.inventory`).
    public var interface: String {
        guard let dot = method.lastIndex(of: ".") else { return "" }
        return String(method[..<dot])
    }

    /// The member part of ``method``: everything after the last dot (`Receive`).
    public var memberName: String {
        guard let dot = method.lastIndex(of: ".") else { return method }
        return String(method[method.index(after: dot)...])
    }

    /// Decodes ``parameters`` with `JSONDecoder`.
    ///
    /// - Throws: ``VarlinkError/invalidParameter(_:)`` naming the offending top-level parameter
    ///   (the first key of the failing coding path, or the missing key itself).
    public func decodeParameters<T: Decodable>(_ type: T.Type) throws(VarlinkError) -> T {
        do {
            return try Envelope.decoder.decode(T.self, from: parameters)
        } catch let error as DecodingError {
            throw .invalidParameter(Self.parameterName(of: error) ?? culpritOfUnfitNumber(T.self) ?? "parameters")
        } catch {
            throw .invalidParameter("parameters")
        }
    }

    /// Foundation's JSONDecoder reports a number that does not fit the target type (2.5 or 1e30
    /// for an `Int`) as corrupted data with an empty coding path. The parameters are valid JSON
    /// (the envelope was checked), so find the top-level parameter holding such a number: the
    /// first one, in key order, whose removal changes the error.
    private func culpritOfUnfitNumber<T: Decodable>(_ type: T.Type) -> String? {
        guard case .object(let object)? = try? VarlinkValue(json: parameters) else { return nil }
        func holdsUnfitNumber(_ value: VarlinkValue) -> Bool {
            switch value {
            case .double: true
            case .array(let array): array.contains(where: holdsUnfitNumber)
            case .object(let object): object.values.contains(where: holdsUnfitNumber)
            default: false
            }
        }
        for key in object.keys.sorted() where holdsUnfitNumber(object[key]!) {
            var without = object
            without[key] = nil
            do {
                _ = try Envelope.decoder.decode(T.self, from: VarlinkValue.object(without).jsonData)
                return key
            } catch let error as DecodingError {
                if Self.parameterName(of: error) != nil { return key }
            } catch {
                continue
            }
        }
        return nil
    }

    /// The top-level parameter a decoding error points at; nil when its coding path is empty.
    static func parameterName(of error: DecodingError) -> String? {
        switch error {
        case .keyNotFound(let key, let context):
            return context.codingPath.first?.stringValue ?? key.stringValue
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return context.codingPath.first?.stringValue
        @unknown default:
            return nil
        }
    }
}

/// Errors of ``VarlinkResponder`` that concern the handler, not the peer.
public enum VarlinkResponderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connection closed; a streaming handler should stop.
    case connectionClosed
    /// The call was already answered with its final reply (or an error).
    case alreadyAnswered(method: String)
    /// The handler of a call (not oneway) returned without sending its final reply.
    case handlerReturnedWithoutReply(method: String)

    /// A sentence naming the method where there is one.
    public var description: String {
        switch self {
        case .connectionClosed: "the Varlink peer closed the connection"
        case .alreadyAnswered(let method): "the Varlink call \(method) was already answered"
        case .handlerReturnedWithoutReply(let method): "the handler of \(method) returned without replying"
        }
    }
}

/// Where a responder's bytes go: the connection's writer, plus a way to see that it closed.
struct ReplyTransport: Sendable {
    var allocator: ByteBufferAllocator
    var write: @Sendable (ByteBuffer) async throws -> Void
    var isClosed: @Sendable () -> Bool
    var waitUntilClosed: @Sendable () async -> Void
}

/// Sends the replies of one call.
///
/// For a `more` call, call ``reply(_:continues:)`` with `continues: true` any number of times,
/// then once with `continues: false`. Replying `continues: true` to a call without `more` sends
/// `org.varlink.service.ExpectedMore` to the peer and throws it. Every reply method throws
/// ``VarlinkResponderError/connectionClosed`` when the peer has gone, so streaming handlers stop.
/// A oneway call's replies are discarded.
public struct VarlinkResponder: Sendable {
    final class State: Sendable {
        let answered = Mutex(false)
    }

    let method: String
    let oneway: Bool
    let more: Bool
    let transport: ReplyTransport
    let state = State()

    init(request: VarlinkRequest, transport: ReplyTransport) {
        self.method = request.method
        self.oneway = request.oneway
        self.more = request.more
        self.transport = transport
    }

    /// Whether the final reply (or an error) has been sent.
    var isAnswered: Bool { state.answered.withLock { $0 } }

    /// Sends one reply with `parameters` (any Encodable that encodes to a JSON object).
    ///
    /// - Throws: ``VarlinkResponderError``, ``VarlinkError/expectedMore()`` (see the type's doc), or
    ///   the encoder's error when `parameters` is not a JSON object.
    public func reply<P: Encodable & Sendable>(_ parameters: P, continues: Bool = false) async throws {
        let encoded = try Envelope.encodeParameters(parameters)
        try await send(continues: continues, capacity: encoded.count + 40) { buffer in
            Envelope.writeReply(parameters: encoded, continues: continues, into: &buffer)
        }
    }

    /// Sends one reply whose parameters are already encoded: `json` must be the UTF-8 bytes of
    /// one JSON object (for callers with their own JSON conventions, e.g. date formats).
    /// - Throws: as ``reply(_:continues:)``; `EncodingError.notAnObject` when `json` does not
    ///   start with `{`.
    public func reply(encodedParameters json: Data, continues: Bool = false) async throws {
        guard json.first == UInt8(ascii: "{") else { throw Envelope.EncodingError.notAnObject("Data") }
        try await send(continues: continues, capacity: json.count + 40) { buffer in
            Envelope.writeReply(parameters: json, continues: continues, into: &buffer)
        }
    }

    /// Sends one reply with empty parameters (`{}`).
    public func reply(continues: Bool = false) async throws {
        try await send(continues: continues, capacity: 48) { buffer in
            Envelope.writeReply(parameters: Envelope.emptyObject, continues: continues, into: &buffer)
        }
    }

    /// Sends an error reply; it ends the call. Handlers normally just throw the error instead.
    public func fail(_ error: VarlinkError) async throws {
        try claimFinal()
        guard !oneway else { return }
        var buffer = transport.allocator.buffer(capacity: 128)
        Envelope.writeError(error, into: &buffer)
        try await write(buffer)
    }

    /// Whether the peer has left: it closed the connection or ended its input (a subscription
    /// should stop; replies to a peer that only half-closed are still delivered).
    public var isClosed: Bool { transport.isClosed() }

    /// Suspends until ``isClosed`` becomes true (for subscriptions that wait between replies).
    public func waitUntilClosed() async { await transport.waitUntilClosed() }

    private func claimFinal() throws {
        let wasAnswered = state.answered.withLock { answered in
            defer { answered = true }
            return answered
        }
        if wasAnswered { throw VarlinkResponderError.alreadyAnswered(method: method) }
    }

    private func send(continues: Bool, capacity: Int, _ encode: (inout ByteBuffer) -> Void) async throws {
        if continues && !more {
            try await fail(.expectedMore())
            throw VarlinkError.expectedMore()
        }
        if continues {
            if isAnswered { throw VarlinkResponderError.alreadyAnswered(method: method) }
        } else {
            try claimFinal()
        }
        guard !oneway else { return }
        var buffer = transport.allocator.buffer(capacity: capacity)
        encode(&buffer)
        try await write(buffer)
    }

    private func write(_ buffer: ByteBuffer) async throws {
        do {
            try await transport.write(buffer)
        } catch {
            throw VarlinkResponderError.connectionClosed
        }
    }
}

/// A method implementation: receives the call and answers through the responder.
/// Throwing a ``VarlinkError`` sends it; any other error goes through ``VarlinkService/mapError``.
public typealias VarlinkMethodHandler = @Sendable (VarlinkRequest, VarlinkResponder) async throws -> Void
