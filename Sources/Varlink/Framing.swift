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

    /// A sentence giving the limit or the length.
    public var description: String {
        switch self {
        case .messageTooLarge(let limit): "Varlink message longer than \(limit) bytes"
        case .truncatedMessage(let length): "connection closed inside a Varlink message (\(length) bytes without NUL)"
        }
    }
}

/// Splits the byte stream at NUL bytes; each frame (without its NUL) goes up the pipeline.
/// Frames longer than `maximumLength` fail the channel with ``VarlinkFramingError/messageTooLarge(limit:)``.
/// Already scanned bytes are not scanned again while a large frame arrives in pieces.
struct NULFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maximumLength: Int
    private var scanned = 0

    init(maximumLength: Int = varlinkMaximumMessageLength) {
        self.maximumLength = maximumLength
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
            guard length <= maximumLength else { throw VarlinkFramingError.messageTooLarge(limit: maximumLength) }
            let frame = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            context.fireChannelRead(Self.wrapInboundOut(frame))
            return .continue
        }
        scanned = buffer.readableBytes
        guard scanned <= maximumLength else { throw VarlinkFramingError.messageTooLarge(limit: maximumLength) }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 && seenEOF {
            let length = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: length)
            scanned = 0
            throw VarlinkFramingError.truncatedMessage(length: length)
        }
        return .needMoreData
    }
}
