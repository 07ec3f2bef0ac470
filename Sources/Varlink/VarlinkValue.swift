import Foundation

/// A JSON value as carried in Varlink messages (varlink.org, "Protocol": every message is one
/// JSON object).
///
/// Numbers without a fraction or exponent that fit in 64 bits are kept exact as ``int(_:)``;
/// every other number is a ``double(_:)``. Object key order carries no meaning.
public enum VarlinkValue: Sendable, Hashable, Codable {
    /// JSON `null`.
    case null
    /// JSON `true` / `false`.
    case bool(Bool)
    /// A JSON number written without fraction or exponent, exact.
    case int(Int64)
    /// Any other JSON number (always finite).
    case double(Double)
    /// A JSON string.
    case string(String)
    /// A JSON array.
    case array([VarlinkValue])
    /// A JSON object.
    case object([String: VarlinkValue])

    /// Parses JSON text (UTF-8) into a value.
    ///
    /// - Throws: ``VarlinkValue/ParseError`` naming the byte offset and what was wrong.
    public init(json: some DataProtocol) throws(ParseError) {
        let bytes = Array(json)
        let result: Result<VarlinkValue, JSONSyntaxError> = bytes.withUnsafeBytes { buffer in
            var reader = JSONReader(buffer)
            do throws(JSONSyntaxError) {
                let value = try reader.readValue()
                reader.skipWhitespace()
                guard reader.isAtEnd else { throw reader.fail("trailing characters") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let value): self = value
        case .failure(let error): throw ParseError(offset: error.offset, message: error.message)
        }
    }

    /// Compact JSON text for this value (object keys sorted, so equal values give equal text).
    /// Non-finite doubles, which JSON cannot carry, are written as `null`.
    public var jsonData: Data {
        var out: [UInt8] = []
        JSONWriter.appendValue(self, to: &out)
        return Data(out)
    }

    /// The malformed-JSON error of ``init(json:)``.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Byte offset into the input where parsing stopped.
        public var offset: Int
        /// What was expected or wrong there.
        public var message: String
        /// "invalid JSON at byte N: message".
        public var description: String { "invalid JSON at byte \(offset): \(message)" }
    }

    /// Decodes from any `Decoder` (for JSON: null, bool, exact integer, double, string, array, object, tried in that order).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let int = try? container.decode(Int64.self) {
            self = .int(int)
        } else if let double = try? container.decode(Double.self) {
            self = .double(double)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([VarlinkValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: VarlinkValue].self))
        }
    }

    /// Encodes into any `Encoder` as the matching JSON value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .int(let int): try container.encode(int)
        case .double(let double): try container.encode(double)
        case .string(let string): try container.encode(string)
        case .array(let array): try container.encode(array)
        case .object(let object): try container.encode(object)
        }
    }

    /// The object's members, or nil when this is not an object.
    public var objectValue: [String: VarlinkValue]? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The string, or nil when this is not a string.
    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }
}

extension VarlinkValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// `nil` is JSON `null`.
    public init(nilLiteral: ()) { self = .null }
    /// `true` / `false`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer literal is an exact ``int(_:)``.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A float literal is a ``double(_:)``.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A string literal is a ``string(_:)``.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array literal is an ``array(_:)``.
    public init(arrayLiteral elements: VarlinkValue...) { self = .array(elements) }
    /// A dictionary literal is an ``object(_:)``; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, VarlinkValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
