// libFuzzer entry for the Varlink framing and envelope parser (compiled with Sources/Varlink/*.swift
// by scripts/varlink/fuzz.sh, `swiftc -sanitize=fuzzer,address`, against the debug build's NIO).
//
// One input is a byte stream as a peer would send it. Its first byte chooses how the stream is cut
// into reads (1 to 32 bytes each, or all at once) and its second the frame limit (16 to 271 bytes),
// so reassembly across reads and the limit are exercised too. The stream goes through the framing
// the server's `NULFrameDecoder` runs (`NULFrameSplitter`, fed read by read into one `ByteBuffer`
// as NIO's `ByteToMessageHandler` does), and every frame through the call and reply envelope parsers. Checked, besides no crash, no hang
// and no leak:
// - the frames are exactly the stream's NUL-separated pieces, in order, whatever the cuts;
// - a piece longer than the limit (finished or not) ends the stream with `messageTooLarge`, and
//   nothing after it is delivered; a trailing piece at the end of input is `truncatedMessage`;
// - a frame accepted as a call re-encodes (`Envelope.writeCall`) to a frame that parses back to
//   the same method, flags and parameters; its parameters are a JSON object `VarlinkValue` reads.
import Foundation
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func varlinkFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let cut = Int(input[0] % 33)  // 0: one read of everything
    let limit = 16 + Int(input[1])
    let stream = Array(input[2...])
    checkFraming(stream, cut: cut, limit: limit)
    return 0
}

/// The frames and the error the framing rules predict for `stream` under `limit`.
func expectedFrames(_ stream: [UInt8], limit: Int) -> (frames: [[UInt8]], error: VarlinkFramingError?) {
    var frames: [[UInt8]] = []
    var piece: [UInt8] = []
    for byte in stream {
        if byte == 0 {
            if piece.count > limit { return (frames, .messageTooLarge(limit: limit)) }
            frames.append(piece)
            piece = []
        } else {
            piece.append(byte)
            if piece.count > limit { return (frames, .messageTooLarge(limit: limit)) }
        }
    }
    return (frames, piece.isEmpty ? nil : .truncatedMessage(length: piece.count))
}

func checkFraming(_ stream: [UInt8], cut: Int, limit: Int) {
    var splitter = NULFrameSplitter(maximumLength: limit)
    var buffer = ByteBufferAllocator().buffer(capacity: 0)
    var frames: [[UInt8]] = []
    var failure: VarlinkFramingError?
    func take(_ frame: ByteBuffer) {
        frames.append(Array(frame.readableBytesView))
        checkEnvelope(frame)
    }
    var offset = 0
    reading: while offset < stream.count {
        // As ByteToMessageHandler does: append what arrived, take frames until none is finished.
        let end = cut == 0 ? stream.count : min(stream.count, offset + cut)
        buffer.writeBytes(stream[offset..<end])
        offset = end
        do {
            while let frame = try splitter.nextFrame(&buffer) { take(frame) }
        } catch {
            failure = error
            break reading
        }
        if cut > 0 && offset % (cut * 4) == 0 { buffer.discardReadBytes() }  // as NIO compacts
    }
    if failure == nil {
        // The peer shuts down its side: an unfinished message is truncated.
        do { try splitter.finish(&buffer, take) } catch { failure = error }
    }
    let expected = expectedFrames(stream, limit: limit)
    guard frames == expected.frames else {
        fatalError(
            "frames \(frames.map(\.count)) != expected \(expected.frames.map(\.count)) (cut \(cut), limit \(limit))"
        )
    }
    guard failure == expected.error else {
        fatalError("error \(String(describing: failure)) != expected \(String(describing: expected.error))")
    }
}

/// Parses a frame as a call and as a reply; a call must survive re-encoding unchanged.
func checkEnvelope(_ frame: ByteBuffer) {
    if let call = try? Envelope.parseCall(frame) {
        guard case .object? = try? VarlinkValue(json: call.parameters) else {
            fatalError("call parameters are not a JSON object: \(String(decoding: call.parameters, as: UTF8.self))")
        }
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        Envelope.writeCall(
            method: call.method,
            parameters: call.parameters,
            oneway: call.oneway,
            more: call.more,
            into: &buffer
        )
        guard buffer.readableBytesView.last == 0 else { fatalError("writeCall did not end with NUL") }
        let again = buffer.getSlice(at: buffer.readerIndex, length: buffer.readableBytes - 1)!
        let back: CallEnvelope
        do { back = try Envelope.parseCall(again) } catch {
            fatalError("re-encoded call does not parse: \(error)")
        }
        guard back.method == call.method, back.oneway == call.oneway, back.more == call.more,
            back.parameters == call.parameters
        else {
            fatalError("call changed in a round trip: \(call.method) -> \(back.method)")
        }
    }
    if let reply = try? Envelope.parseReply(frame) {
        guard case .object? = try? VarlinkValue(json: reply.parameters) else {
            fatalError("reply parameters are not a JSON object")
        }
    }
}
