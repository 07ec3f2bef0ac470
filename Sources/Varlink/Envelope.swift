// Call and reply envelopes (varlink.org, "Protocol"): one JSON object per message, NUL-terminated.
import Foundation
import NIOCore

/// A protocol violation by the peer: the message cannot be understood as a Varlink call or reply.
/// The connection is closed after it.
public struct VarlinkProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong with the message.
    public var message: String
    /// Creates the error.
    public init(_ message: String) { self.message = message }
    /// "Varlink protocol violation: " and the message.
    public var description: String { "Varlink protocol violation: \(message)" }
}

/// A decoded call envelope.
struct CallEnvelope {
    var method: String
    var parameters: Data
    var oneway = false
    var more = false
    var upgrade = false
}

/// A decoded reply envelope.
struct ReplyEnvelope {
    var parameters: Data
    var continues = false
    var error: String?
}

enum Envelope {
    static let emptyObject = Data("{}".utf8)

    /// Shared coders (both are safe to use from many threads): no per-call allocation.
    /// Slashes are not escaped, so paths and URLs read naturally on the wire; `Date` travels as
    /// an ISO 8601 string (RFC 3339, UTC), never as Foundation's seconds-since-2001 default.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Parses one call message (without its NUL). Unknown members are ignored.
    ///
    /// - Throws: ``VarlinkProtocolError`` for invalid JSON, a non-object, a missing or non-string
    ///   `method`, non-boolean flags, or `parameters` that is not an object.
    static func parseCall(_ frame: ByteBuffer) throws(VarlinkProtocolError) -> CallEnvelope {
        let result: Result<CallEnvelope, VarlinkProtocolError> = frame.withUnsafeReadableBytes { bytes in
            var reader = JSONReader(bytes)
            var method: String?
            var call = CallEnvelope(method: "", parameters: emptyObject)
            do throws(JSONSyntaxError) {
                try reader.readObject { (key, reader) throws(JSONSyntaxError) in
                    switch key {
                    case "method":
                        guard reader.peek() == UInt8(ascii: "\"") else {
                            throw reader.fail("'method' must be a string")
                        }
                        method = try reader.readString()
                    case "parameters":
                        if reader.peek() == UInt8(ascii: "{") {
                            let range = try reader.skipValue(depth: 1)
                            call.parameters = Data(UnsafeRawBufferPointer(rebasing: bytes[range]))
                        } else if reader.peek() == UInt8(ascii: "n") {
                            try reader.expectLiteral("null")
                        } else {
                            throw reader.fail("'parameters' must be an object")
                        }
                    case "oneway": call.oneway = try reader.readBool()
                    case "more": call.more = try reader.readBool()
                    case "upgrade": call.upgrade = try reader.readBool()
                    default: _ = try reader.skipValue(depth: 1)
                    }
                }
            } catch {
                return .failure(VarlinkProtocolError(error.description))
            }
            guard let method else { return .failure(VarlinkProtocolError("call without a 'method' string")) }
            call.method = method
            return .success(call)
        }
        return try result.get()
    }

    /// Parses one reply message (without its NUL).
    static func parseReply(_ frame: ByteBuffer) throws(VarlinkProtocolError) -> ReplyEnvelope {
        let result: Result<ReplyEnvelope, VarlinkProtocolError> = frame.withUnsafeReadableBytes { bytes in
            var reader = JSONReader(bytes)
            var reply = ReplyEnvelope(parameters: emptyObject)
            do throws(JSONSyntaxError) {
                try reader.readObject { (key, reader) throws(JSONSyntaxError) in
                    switch key {
                    case "parameters":
                        if reader.peek() == UInt8(ascii: "{") {
                            let range = try reader.skipValue(depth: 1)
                            reply.parameters = Data(UnsafeRawBufferPointer(rebasing: bytes[range]))
                        } else if reader.peek() == UInt8(ascii: "n") {
                            try reader.expectLiteral("null")
                        } else {
                            throw reader.fail("'parameters' must be an object")
                        }
                    case "continues": reply.continues = try reader.readBool()
                    case "error":
                        if reader.peek() == UInt8(ascii: "n") {
                            try reader.expectLiteral("null")
                        } else {
                            guard reader.peek() == UInt8(ascii: "\"") else {
                                throw reader.fail("'error' must be a string")
                            }
                            reply.error = try reader.readString()
                        }
                    default: _ = try reader.skipValue(depth: 1)
                    }
                }
            } catch {
                return .failure(VarlinkProtocolError(error.description))
            }
            return .success(reply)
        }
        return try result.get()
    }

    /// `{"parameters":<json>[,"continues":true]}\0`, splicing already-encoded parameter bytes.
    static func writeReply(parameters: some Collection<UInt8>, continues: Bool, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("{\"parameters\":")
        buffer.writeBytes(parameters)
        buffer.writeStaticString(continues ? ",\"continues\":true}\0" : "}\0")
    }

    /// `{"error":"<name>","parameters":{...}}\0`.
    static func writeError(_ error: VarlinkError, into buffer: inout ByteBuffer) {
        var out: [UInt8] = Array("{\"error\":".utf8)
        JSONWriter.appendString(error.name, to: &out)
        out.append(contentsOf: ",\"parameters\":".utf8)
        JSONWriter.appendValue(.object(error.parameters), to: &out)
        out.append(contentsOf: "}\0".utf8)
        buffer.writeBytes(out)
    }

    /// `{"method":"<name>","parameters":<json>[,"oneway":true][,"more":true]}\0`.
    static func writeCall(
        method: String,
        parameters: some Collection<UInt8>,
        oneway: Bool,
        more: Bool,
        into buffer: inout ByteBuffer
    ) {
        var head: [UInt8] = Array("{\"method\":".utf8)
        JSONWriter.appendString(method, to: &head)
        head.append(contentsOf: ",\"parameters\":".utf8)
        buffer.writeBytes(head)
        buffer.writeBytes(parameters)
        if oneway { buffer.writeStaticString(",\"oneway\":true") }
        if more { buffer.writeStaticString(",\"more\":true") }
        buffer.writeStaticString("}\0")
    }

    /// Encodes `parameters` as a JSON object; anything else (array, scalar) is a programming error.
    static func encodeParameters<P: Encodable>(_ parameters: P) throws -> Data {
        if let value = parameters as? VarlinkValue {
            guard case .object = value else { throw EncodingError.notAnObject(String(describing: P.self)) }
            return value.jsonData
        }
        let data = try encoder.encode(parameters)
        guard data.first == UInt8(ascii: "{") else { throw EncodingError.notAnObject(String(describing: P.self)) }
        return data
    }

    /// Parameters that do not encode to a JSON object.
    enum EncodingError: Error, CustomStringConvertible {
        case notAnObject(String)
        var description: String {
            switch self {
            case .notAnObject(let type): "Varlink parameters of type \(type) must encode to a JSON object"
            }
        }
    }
}
