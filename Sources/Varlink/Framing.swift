// NUL framing (varlink.org, "Protocol": every message is terminated by a NUL byte).
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The largest message accepted, in bytes without the NUL: 16 MiB.
public let varlinkMaximumMessageLength = 16 * 1024 * 1024

/// A framing error: the connection is closed after it.
public enum VarlinkFramingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A message grew beyond the limit before its NUL arrived.
    case messageTooLarge(limit: Int)
    /// The peer closed the connection in the middle of a message.
    case truncatedMessage(length: Int)
    /// Unfinished messages of all connections together would hold more than the server's input
    /// budget (``VarlinkServerLimits/inputBudget``); this connection's message was refused.
    case inputBudgetExhausted(budget: Int)
    /// A message was still unfinished this long after its first byte
    /// (``VarlinkServerLimits/partialMessageTimeout``).
    case partialMessageTimeout(Duration)

    /// A sentence giving the limit or the length.
    public var description: String {
        switch self {
        case .messageTooLarge(let limit): "Varlink message longer than \(limit) bytes"
        case .truncatedMessage(let length): "connection closed inside a Varlink message (\(length) bytes without NUL)"
        case .inputBudgetExhausted(let budget):
            "unfinished Varlink messages of all connections would hold more than \(budget) bytes; this connection is closed"
        case .partialMessageTimeout(let timeout): "Varlink message unfinished \(timeout) after its first byte"
        }
    }
}

/// The NUL splitting itself, without NIO's pipeline (so it can be tested and fuzzed alone,
/// Fuzz/VarlinkFuzz.swift): finds the next frame in the bytes received so far, enforcing
/// `maximumLength` on finished and unfinished frames alike. Already scanned bytes of an
/// unfinished frame are not scanned again when more arrive.
struct NULFrameSplitter {
    let maximumLength: Int
    /// Bytes of the unfinished frame at the buffer's reader index already searched for a NUL.
    private(set) var scanned = 0

    init(maximumLength: Int) { self.maximumLength = maximumLength }

    /// The next finished frame (without its NUL; both are consumed from `buffer`), or nil when
    /// `buffer` holds only part of one (all of `buffer`'s readable bytes, then).
    /// - Throws: ``VarlinkFramingError/messageTooLarge(limit:)`` for a frame, finished or not,
    ///   longer than ``maximumLength``.
    mutating func nextFrame(_ buffer: inout ByteBuffer) throws(VarlinkFramingError) -> ByteBuffer? {
        let start = scanned
        let found: Int? = buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count > start, let base = bytes.baseAddress else { return nil }
            guard let hit = memchr(base + start, 0, bytes.count - start) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        if let length = found {
            scanned = 0
            guard length <= maximumLength else { throw .messageTooLarge(limit: maximumLength) }
            let frame = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            return frame
        }
        scanned = buffer.readableBytes
        guard scanned <= maximumLength else { throw .messageTooLarge(limit: maximumLength) }
        return nil
    }

    /// At the end of the peer's input: the frames still in `buffer`, then
    /// ``VarlinkFramingError/truncatedMessage(length:)`` when part of one is left (consumed).
    mutating func finish(_ buffer: inout ByteBuffer, _ each: (ByteBuffer) -> Void) throws(VarlinkFramingError) {
        while let frame = try nextFrame(&buffer) { each(frame) }
        let length = buffer.readableBytes
        guard length > 0 else { return }
        buffer.moveReaderIndex(forwardBy: length)
        scanned = 0
        throw .truncatedMessage(length: length)
    }
}

/// Splits the byte stream at NUL bytes (``NULFrameSplitter``); each frame (without its NUL) goes
/// up the pipeline. Frames longer than `maximumLength` fail the channel with
/// ``VarlinkFramingError/messageTooLarge(limit:)``.
///
/// On the server an unfinished frame also takes its buffer's capacity (at least its bytes) from
/// the shared ``InputBudget``
/// (``VarlinkFramingError/inputBudgetExhausted(budget:)`` when it is spent) and must end within
/// `partialTimeout` of the moment it was first seen (``VarlinkFramingError/partialMessageTimeout(_:)``).
/// Time the server is not reading the connection (backpressure: its earlier calls are still
/// being answered, ``ReadDemand``) does not count against the peer: a deadline that falls while
/// reading is paused is moved on by another `partialTimeout`.
struct NULFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let budget: InputBudget?
    let partialTimeout: Duration?
    /// Whether the server is reading this connection now; nil: always counted as reading.
    let demand: ReadDemand?
    private var splitter: NULFrameSplitter
    /// Bytes of the unfinished frame taken from ``budget``.
    private var held = 0
    private var partialDeadline: Scheduled<Void>?

    var maximumLength: Int { splitter.maximumLength }

    init(
        maximumLength: Int = varlinkMaximumMessageLength,
        budget: InputBudget? = nil,
        partialTimeout: Duration? = nil,
        demand: ReadDemand? = nil
    ) {
        self.splitter = NULFrameSplitter(maximumLength: maximumLength)
        self.budget = budget
        self.partialTimeout = partialTimeout
        self.demand = demand
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if let frame = try splitter.nextFrame(&buffer) {
            cancelDeadline()  // the next unfinished frame gets its own deadline
            context.fireChannelRead(Self.wrapInboundOut(frame))
            return .continue
        }
        // What the unfinished frame costs is the memory of the buffer that holds it (NIO grows
        // it by doubling), not only its bytes so far: a 64 KiB message sits in 128 KiB.
        let unfinished = buffer.readableBytes
        try hold(unfinished == 0 ? 0 : max(unfinished, buffer.capacity), context: context)
        return .needMoreData
    }

    /// Accounts the unfinished frame's `bytes` and runs its deadline (none while `bytes` is 0).
    private mutating func hold(_ bytes: Int, context: ChannelHandlerContext) throws {
        if let budget {
            if bytes > held {
                guard budget.take(bytes - held) else {
                    throw VarlinkFramingError.inputBudgetExhausted(budget: budget.limit)
                }
            } else if bytes < held {
                budget.give(held - bytes)
            }
            held = bytes
        }
        guard let partialTimeout else { return }
        if bytes == 0 {
            cancelDeadline()
        } else if partialDeadline == nil {
            partialDeadline = Self.scheduleDeadline(partialTimeout, context: context, demand: demand)
        }
    }

    /// The partial-message deadline: at `timeout` the connection fails with
    /// ``VarlinkFramingError/partialMessageTimeout(_:)`` and closes, unless the server is not
    /// reading it then (``ReadDemand/isWaitingForBytes`` false), in which case the deadline
    /// moves on by another `timeout`. The returned task is the first deadline's; a deadline that
    /// moved on is cancelled with the channel (its context is gone then) or fires harmlessly.
    private static func scheduleDeadline(
        _ timeout: Duration,
        context: ChannelHandlerContext,
        demand: ReadDemand?
    ) -> Scheduled<Void> {
        let bound = NIOLoopBound((context, demand), eventLoop: context.eventLoop)
        return context.eventLoop.scheduleTask(in: timeout.timeAmount) {
            let (context, demand) = bound.value
            if let demand, !demand.isWaitingForBytes {
                demand.pendingDeadline = scheduleDeadline(timeout, context: context, demand: demand)
                return
            }
            context.fireErrorCaught(VarlinkFramingError.partialMessageTimeout(timeout))
            context.close(promise: nil)
        }
    }

    mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if seenEOF { try splitter.finish(&buffer) { context.fireChannelRead(Self.wrapInboundOut($0)) } }
        return .needMoreData
    }

    mutating func decoderRemoved(context: ChannelHandlerContext) {
        budget?.give(held)
        held = 0
        cancelDeadline()
    }

    /// Cancels the unfinished frame's deadline, also where it has moved on.
    private mutating func cancelDeadline() {
        partialDeadline?.cancel()
        partialDeadline = nil
        demand?.pendingDeadline?.cancel()
        demand?.pendingDeadline = nil
    }
}

/// Whether the server is reading one connection now: NIO reads a socket only after a `read`
/// has gone down the pipeline, and the connection's ``NIOAsyncChannel`` asks for one only while
/// fewer than its high watermark of messages wait (backpressure). ``ReadDemandHandler`` keeps
/// it; ``NULFrameDecoder`` asks it before cutting off a slow message. Event-loop bound: touched
/// only on the connection's event loop.
final class ReadDemand {
    /// True from a `read` request until bytes arrive: the server waits for the peer.
    var isWaitingForBytes = false
    /// A deadline that moved on (cancelled with the frame).
    var pendingDeadline: Scheduled<Void>?
}

/// Keeps ``ReadDemand`` for its connection: sees each outbound `read` and each inbound read.
final class ReadDemandHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let demand: ReadDemand

    init(demand: ReadDemand) { self.demand = demand }

    func read(context: ChannelHandlerContext) {
        demand.isWaitingForBytes = true
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        demand.isWaitingForBytes = false
        context.fireChannelRead(data)
    }
}

/// Closes a connection at its framing error (``VarlinkFramingError``: a message over the limit,
/// the input budget spent, the partial-message timeout) the moment the decoder raises it, and
/// passes the error on. Without it the error would wait in the connection's inbound queue until
/// the connection's task reads the next message, which a task answering a `more` call does not
/// do until the call ends. The error is logged here, once, with its cause (the length limit, the
/// budget, the timeout): the connection's task may only see the connection end.
final class FramingFailureHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let logger: Logger?
    /// Whether this connection's framing error is logged: only the first is (closing the
    /// connection after a timeout leaves its message unfinished, which would be a second one).
    private var logged = false

    init(logger: Logger? = nil) { self.logger = logger }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? VarlinkFramingError {
            if !logged, context.channel.isActive {
                logger?.info("Varlink framing error, connection closed", metadata: ["varlink.error": "\(error)"])
            }
            logged = true
            context.close(promise: nil)
        }
        context.fireErrorCaught(error)
    }
}
