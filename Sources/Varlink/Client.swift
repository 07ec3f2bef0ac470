// The client side: one connection, calls pipelined, replies matched to calls in order.
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// One reply from the service.
public struct VarlinkReply: Sendable {
    /// Raw bytes of the reply's JSON `parameters` object (`{}` when absent).
    public let parameters: Data
    /// More replies to the same call follow (only for `more` calls).
    public let continues: Bool

    /// Creates a reply value.
    public init(parameters: Data, continues: Bool) {
        self.parameters = parameters
        self.continues = continues
    }

    /// Decodes ``parameters`` with `JSONDecoder`.
    ///
    /// - Throws: `DecodingError` when the parameters do not fit `type`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try Envelope.decoder.decode(T.self, from: parameters)
    }

    /// The parameters as a ``VarlinkValue`` (always an object).
    public func value() throws -> VarlinkValue {
        try VarlinkValue(json: parameters)
    }
}

/// Errors of a ``VarlinkConnection`` that are not error replies.
public enum VarlinkConnectionError: Error, Sendable, CustomStringConvertible {
    /// The socket could not be reached (no such file, refused, permission denied...).
    case cannotConnect(path: String, reason: String)
    /// The connection closed before the reply arrived.
    case connectionClosed
    /// The service sent something that is not a valid reply (the connection is closed).
    case protocolViolation(String)

    /// A sentence naming the socket or what was wrong.
    public var description: String {
        switch self {
        case .cannotConnect(let path, let reason): "cannot connect to Varlink socket '\(path)': \(reason)"
        case .connectionClosed: "the Varlink connection closed before the reply arrived"
        case .protocolViolation(let message): "the Varlink service sent an invalid reply: \(message)"
        }
    }
}

/// A client connection to a Varlink service on a Unix socket.
///
/// Calls may be issued from several tasks at once: they are written in the order they are issued
/// and replies are matched to them in that order (varlink.org: replies come in call order).
///
/// A server may answer a connection it refuses (over a connection cap) with one error reply
/// before any call (``VarlinkError/connectionRefusedName``): the connection keeps it, and every
/// call on it, written or not yet, fails with that error.
public final class VarlinkConnection: Sendable {
    private let channel: any Channel
    private let refusal: RefusalBox

    private init(channel: any Channel, refusal: RefusalBox) {
        self.channel = channel
        self.refusal = refusal
    }

    /// A connection nobody holds any more is closed.
    deinit {
        channel.close(promise: nil)
    }

    /// Connects to the service listening at `unixPath`.
    ///
    /// - Throws: ``VarlinkConnectionError/cannotConnect(path:reason:)``.
    public static func connect(
        unixPath: String,
        maximumMessageLength: Int = varlinkMaximumMessageLength
    ) async throws -> VarlinkConnection {
        do {
            let refusal = RefusalBox()
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(NULFrameDecoder(maximumLength: maximumMessageLength))
                        )
                        try channel.pipeline.syncOperations.addHandler(ClientHandler(refusal: refusal))
                    }
                }
                .connect(unixDomainSocketPath: unixPath)
                .get()
            return VarlinkConnection(channel: channel, refusal: refusal)
        } catch let error as IOError {
            throw VarlinkConnectionError.cannotConnect(
                path: unixPath,
                reason: "\(String(cString: strerror(error.errnoCode))) (errno \(error.errnoCode))"
            )
        } catch {
            throw VarlinkConnectionError.cannotConnect(path: unixPath, reason: "\(error)")
        }
    }

    /// One call, one reply.
    ///
    /// - Parameters:
    ///   - method: fully-qualified method name, e.g. `org.varlink.service.GetInfo`.
    ///   - parameters: any Encodable that encodes to a JSON object (`[String: String]()` for none).
    /// - Throws: ``VarlinkError`` for an error reply; ``VarlinkConnectionError`` otherwise.
    public func call<P: Encodable & Sendable>(_ method: String, _ parameters: P) async throws -> VarlinkReply {
        let stream = try start(method, parameters, more: false)
        for try await reply in stream {
            return reply
        }
        throw VarlinkConnectionError.connectionClosed
    }

    /// A oneway call: sent, never answered.
    public func callOneway<P: Encodable & Sendable>(_ method: String, _ parameters: P) async throws {
        let encoded = try Envelope.encodeParameters(parameters)
        var buffer = channel.allocator.buffer(capacity: encoded.count + method.utf8.count + 48)
        Envelope.writeCall(method: method, parameters: encoded, oneway: true, more: false, into: &buffer)
        do {
            try await channel.writeAndFlush(ClientHandler.Call(bytes: buffer, sink: nil))
        } catch {
            throw refusal.error ?? VarlinkConnectionError.connectionClosed
        }
    }

    /// A `more` call: yields each reply until one has `continues == false`; an error reply ends
    /// the stream by throwing ``VarlinkError``.
    public func callMore<P: Encodable & Sendable>(
        _ method: String,
        _ parameters: P
    ) -> AsyncThrowingStream<VarlinkReply, any Error> {
        do {
            return try start(method, parameters, more: true)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
    }

    /// Closes the connection; calls still waiting fail with ``VarlinkConnectionError/connectionClosed``.
    public func close() async {
        try? await channel.close()
    }

    private func start<P: Encodable & Sendable>(
        _ method: String,
        _ parameters: P,
        more: Bool
    ) throws -> AsyncThrowingStream<VarlinkReply, any Error> {
        let encoded = try Envelope.encodeParameters(parameters)
        var buffer = channel.allocator.buffer(capacity: encoded.count + method.utf8.count + 48)
        Envelope.writeCall(method: method, parameters: encoded, oneway: false, more: more, into: &buffer)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: VarlinkReply.self)
        let refusal = self.refusal
        channel.writeAndFlush(ClientHandler.Call(bytes: buffer, sink: continuation, more: more)).whenFailure { _ in
            continuation.finish(throwing: refusal.error ?? VarlinkConnectionError.connectionClosed)
        }
        return stream
    }
}

/// The refusal a server sent before any call, kept for the calls that come after it.
final class RefusalBox: Sendable {
    private let value = Mutex<VarlinkError?>(nil)

    /// The refusal, nil when none came.
    var error: VarlinkError? { value.withLock { $0 } }

    func set(_ error: VarlinkError) { value.withLock { $0 = error } }
}

/// Matches reply frames to the calls written before them, in order. Event-loop confined.
final class ClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Call
    typealias OutboundOut = ByteBuffer

    /// One call on its way out: its bytes and where its replies go (nil for oneway).
    struct Call: Sendable {
        var bytes: ByteBuffer
        var sink: AsyncThrowingStream<VarlinkReply, any Error>.Continuation?
        var more = false
    }

    private var pending = CircularBuffer<Call>()
    private let refusal: RefusalBox

    init(refusal: RefusalBox) { self.refusal = refusal }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let call = Self.unwrapOutboundIn(data)
        if call.sink != nil { pending.append(call) }
        context.write(Self.wrapOutboundOut(call.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        guard let head = pending.first, let sink = head.sink else {
            // A refusal sent before the first call (a server's connection cap): every call fails with it.
            if let reply = try? Envelope.parseReply(frame), reply.error == VarlinkError.connectionRefusedName {
                let parameters = (try? VarlinkValue(json: reply.parameters))?.objectValue ?? [:]
                let error = VarlinkError(name: VarlinkError.connectionRefusedName, parameters: parameters)
                refusal.set(error)
                failAll(error, context: context)
                return
            }
            failAll(VarlinkConnectionError.protocolViolation("reply without a call"), context: context)
            return
        }
        let reply: ReplyEnvelope
        do {
            reply = try Envelope.parseReply(frame)
        } catch {
            failAll(VarlinkConnectionError.protocolViolation(error.message), context: context)
            return
        }
        if let name = reply.error {
            let parameters = (try? VarlinkValue(json: reply.parameters))?.objectValue ?? [:]
            pending.removeFirst()
            sink.finish(throwing: VarlinkError(name: name, parameters: parameters))
            return
        }
        if reply.continues && !head.more {
            failAll(VarlinkConnectionError.protocolViolation("'continues' on a call without 'more'"), context: context)
            return
        }
        sink.yield(VarlinkReply(parameters: reply.parameters, continues: reply.continues))
        if !reply.continues {
            pending.removeFirst()
            sink.finish()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let error: any Error = refusal.error ?? VarlinkConnectionError.connectionClosed
        while let call = pending.popFirst() { call.sink?.finish(throwing: error) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(VarlinkConnectionError.protocolViolation("\(error)"), context: context)
    }

    private func failAll(_ error: any Error, context: ChannelHandlerContext) {
        while let call = pending.popFirst() { call.sink?.finish(throwing: error) }
        context.close(promise: nil)
    }
}
