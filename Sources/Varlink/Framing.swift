// NUL framing (varlink.org, "Protocol": every message is terminated by a NUL byte).
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

/// Splits the byte stream at NUL bytes; each frame (without its NUL) goes up the pipeline.
/// Frames longer than `maximumLength` fail the channel with ``VarlinkFramingError/messageTooLarge(limit:)``.
/// Already scanned bytes are not scanned again while a large frame arrives in pieces.
///
/// On the server an unfinished frame also takes its bytes from the shared ``InputBudget``
/// (``VarlinkFramingError/inputBudgetExhausted(budget:)`` when it is spent) and must end within
/// `partialTimeout` of the moment it was first seen (``VarlinkFramingError/partialMessageTimeout(_:)``).
struct NULFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maximumLength: Int
    let budget: InputBudget?
    let partialTimeout: Duration?
    private var scanned = 0
    /// Bytes of the unfinished frame taken from ``budget``.
    private var held = 0
    private var partialDeadline: Scheduled<Void>?

    init(maximumLength: Int = varlinkMaximumMessageLength, budget: InputBudget? = nil, partialTimeout: Duration? = nil)
    {
        self.maximumLength = maximumLength
        self.budget = budget
        self.partialTimeout = partialTimeout
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let start = scanned
        let found: Int? = buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count > start, let base = bytes.baseAddress else { return nil }
            guard let hit = memchr(base + start, 0, bytes.count - start) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        if let length = found {
            scanned = 0
            partialDeadline?.cancel()  // the next unfinished frame gets its own deadline
            partialDeadline = nil
            guard length <= maximumLength else { throw VarlinkFramingError.messageTooLarge(limit: maximumLength) }
            let frame = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            context.fireChannelRead(Self.wrapInboundOut(frame))
            return .continue
        }
        scanned = buffer.readableBytes
        guard scanned <= maximumLength else { throw VarlinkFramingError.messageTooLarge(limit: maximumLength) }
        try hold(scanned, context: context)
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
            partialDeadline?.cancel()
            partialDeadline = nil
        } else if partialDeadline == nil {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            partialDeadline = context.eventLoop.scheduleTask(in: partialTimeout.timeAmount) {
                bound.value.fireErrorCaught(VarlinkFramingError.partialMessageTimeout(partialTimeout))
                bound.value.close(promise: nil)
            }
        }
    }

    mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 && seenEOF {
            let length = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: length)
            scanned = 0
            throw VarlinkFramingError.truncatedMessage(length: length)
        }
        return .needMoreData
    }

    mutating func decoderRemoved(context: ChannelHandlerContext) {
        budget?.give(held)
        held = 0
        partialDeadline?.cancel()
        partialDeadline = nil
    }
}
