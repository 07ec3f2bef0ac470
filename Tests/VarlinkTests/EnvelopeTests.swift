import Foundation
import NIOCore
import Testing

@testable import Varlink

@Suite("Call envelope reader")
struct EnvelopeTests {
    @Test func readsCallMembersAndKeepsParameterBytes() throws {
        let call = try Envelope.parseCall(
            ByteBuffer(string: #"{"more":true,"parameters": {"b" :[1, 2]} ,"method":"a.b.C","oneway":false}"#)
        )
        #expect(call.method == "a.b.C")
        #expect(call.more && !call.oneway && !call.upgrade)
        #expect(String(decoding: call.parameters, as: UTF8.self) == #"{"b" :[1, 2]}"#)
        let bare = try Envelope.parseCall(ByteBuffer(string: #"{"method":"a.b.C","parameters":null}"#))
        #expect(String(decoding: bare.parameters, as: UTF8.self) == "{}")
    }

    /// At most 256 nested arrays and objects, the envelope counted: 255 inside it pass, whether
    /// the innermost is empty or holds a value; 256 inside it are refused.
    @Test func nestingIsLimitedTo256ContainersWithTheEnvelope() throws {
        func call(nested: Int, inner: String) -> ByteBuffer {
            // The envelope, then "parameters" (an object), then nested - 1 arrays.
            let arrays = nested - 1
            return ByteBuffer(
                string: #"{"method":"a.b.C","parameters":{"x":"# + String(repeating: "[", count: arrays) + inner
                    + String(repeating: "]", count: arrays) + "}}"
            )
        }
        for inner in ["", "1"] {
            let accepted = try Envelope.parseCall(call(nested: 255, inner: inner))
            #expect(try VarlinkValue(json: accepted.parameters).objectValue?["x"] != nil)
        }
        #expect(throws: (any Error).self) { try Envelope.parseCall(call(nested: 255, inner: "{}")) }
        #expect(throws: (any Error).self) { try Envelope.parseCall(call(nested: 256, inner: "")) }
        #expect(throws: (any Error).self) { try Envelope.parseCall(call(nested: 256, inner: "1")) }
    }

    /// A duplicate key is named in the error (which depotd logs) escaped and cut: a key that
    /// holds a newline, an escape sequence or a bidi override cannot break or forge a log line.
    @Test func aDuplicateKeyIsQuotedEscapedAndCut() throws {
        let key = #"x\n2026 notice depotd.audit: FAKE\u001b[2J\u202e"# + String(repeating: "k", count: 200)
        let message = #"{"method":"a.b.C","parameters":{"\#(key)":1,"\#(key)":2}}"#
        let error = #expect(throws: (any Error).self) { try Envelope.parseCall(ByteBuffer(string: message)) }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains(#"duplicate key "x\u{a}2026 notice depotd.audit: FAKE\u{1b}[2J\u{202e}k"#), "\(text)")
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x202E }, "\(text.debugDescription)")
        #expect(text.hasSuffix("…\"") || text.contains("…\""), "cut after 80: \(text)")
    }

    @Test func writesRepliesErrorsAndCalls() {
        var buffer = ByteBuffer()
        Envelope.writeReply(parameters: Array(#"{"x":1}"#.utf8), continues: true, into: &buffer)
        Envelope.writeError(.invalidParameter("x"), into: &buffer)
        Envelope.writeCall(method: "a.b.C", parameters: Array("{}".utf8), oneway: true, more: false, into: &buffer)
        #expect(
            String(buffer: buffer) == #"{"parameters":{"x":1},"continues":true}"# + "\0"
                + #"{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"x"}}"# + "\0"
                + #"{"method":"a.b.C","parameters":{},"oneway":true}"# + "\0"
        )
    }

    /// Whatever the envelope reader (which skips over `parameters` without building values)
    /// accepts, the full value reader accepts too: both apply the same JSON rules.
    @Test func envelopeReaderIsNoLooserThanTheValueReader() {
        var random = JSONRobustnessTests.SplitMix64(state: 7)
        let seed = Array(
            #"{"method":"a.b.C","parameters":{"s":"\u00e9\"","n":[1.5e-3,-0,{"t":true,"f":null}]},"more":false}"#.utf8
        )
        let alphabet = Array(#"{}[]":,.-+eE0123456789tfnul\ "#.utf8) + [0x01, 0x80, 0xC3]
        var accepted = 0
        for _ in 0..<3000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[position] = alphabet.randomElement(using: &random)!
                case 1: bytes.insert(alphabet.randomElement(using: &random)!, at: position)
                default: bytes.remove(at: position)
                }
            }
            guard (try? Envelope.parseCall(ByteBuffer(bytes: bytes))) != nil else { continue }
            accepted += 1
            #expect((try? VarlinkValue(json: bytes)) != nil, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 0)
    }
}

@Suite("NUL frame splitter")
struct FrameSplitterTests {
    /// The splitting NULFrameDecoder runs (and Fuzz/VarlinkFuzz.swift fuzzes): frames across
    /// reads, the limit on finished and unfinished frames, a truncated tail.
    @Test func splitsAcrossReadsAndEnforcesTheLimit() throws {
        var splitter = NULFrameSplitter(maximumLength: 8)
        var buffer = ByteBuffer()
        var frames: [String] = []
        for piece in ["ab", "c\0de", "f\0\0gh"] {
            buffer.writeString(piece)
            while let frame = try splitter.nextFrame(&buffer) { frames.append(String(buffer: frame)) }
        }
        #expect(frames == ["abc", "def", ""])
        #expect(splitter.scanned == 2)
        #expect(throws: VarlinkFramingError.truncatedMessage(length: 2)) {
            try splitter.finish(&buffer) { frames.append(String(buffer: $0)) }
        }
        var long = ByteBuffer(string: "123456789")
        #expect(throws: VarlinkFramingError.messageTooLarge(limit: 8)) { try splitter.nextFrame(&long) }
        var finished = ByteBuffer(string: "123456789\0")
        var fresh = NULFrameSplitter(maximumLength: 8)
        #expect(throws: VarlinkFramingError.messageTooLarge(limit: 8)) { try fresh.nextFrame(&finished) }
    }
}
