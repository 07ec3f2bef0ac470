// The Varlink interface definition language (varlink.org, "Interface Definition" grammar).

/// A Varlink type expression from an interface definition.
public indirect enum VarlinkType: Sendable, Hashable, CustomStringConvertible {
    /// `bool`: JSON true/false.
    case bool
    /// `int`: a JSON number without fraction.
    case int
    /// `float`: any JSON number.
    case float
    /// `string`: a JSON string.
    case string
    /// `object`: any JSON value, passed through uninterpreted.
    case object
    /// A reference to a `type` declared in the same interface, e.g. `MyType`.
    case named(String)
    /// `(one, two, three)`: a JSON string that is one of the listed names.
    case enumeration([String])
    /// `(name: type, ...)`: a JSON object with these fields (`()` is the empty struct).
    case structure([VarlinkField])
    /// `[]T`: a JSON array of T.
    case array(VarlinkType)
    /// `[string]T`: a JSON object mapping strings to T (`[string]()` is a set of strings).
    case dictionary(VarlinkType)
    /// `?T`: T or null / absent.
    case optional(VarlinkType)

    /// The type written back in IDL syntax.
    public var description: String {
        switch self {
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "string"
        case .object: "object"
        case .named(let name): name
        case .enumeration(let names): "(\(names.joined(separator: ", ")))"
        case .structure(let fields): "(\(fields.map { "\($0.name): \($0.type)" }.joined(separator: ", ")))"
        case .array(let element): "[]\(element)"
        case .dictionary(let element): "[string]\(element)"
        case .optional(let wrapped): "?\(wrapped)"
        }
    }
}

/// One named field of a struct type.
public struct VarlinkField: Sendable, Hashable {
    /// Field name, `[A-Za-z](_?[A-Za-z0-9])*`.
    public var name: String
    /// Field type.
    public var type: VarlinkType
    /// Creates a field.
    public init(name: String, type: VarlinkType) {
        self.name = name
        self.type = type
    }
}

/// A method's signature: input and output structs.
public struct VarlinkMethodSignature: Sendable, Hashable {
    /// Method name, CamelCase (`[A-Z][A-Za-z0-9]*`).
    public var name: String
    /// Input parameters (the call's `parameters` object).
    public var input: [VarlinkField]
    /// Output parameters (each reply's `parameters` object).
    public var output: [VarlinkField]
}

/// A parsed, checked interface definition.
public struct VarlinkInterfaceDefinition: Sendable {
    /// The interface name, lowercase reverse-domain (e.g. `org.varlink.certification`).
    public let name: String
    /// Named types, by name.
    public let types: [String: VarlinkType]
    /// Methods, by name.
    public let methods: [String: VarlinkMethodSignature]
    /// Errors and their parameter structs, by name (unqualified).
    public let errors: [String: [VarlinkField]]
    /// Member names in declaration order.
    public let memberOrder: [String]
    /// The `#` comment lines directly before each member, by member name, without the `#` and one
    /// following space, joined by newlines; members without a comment are absent.
    public let documentation: [String: String]
    /// The `#` comment lines before the `interface` keyword, joined by newlines ("" when none).
    public let interfaceDocumentation: String

    /// Parses and checks IDL text.
    ///
    /// Rules: the varlink.org grammar (keywords `interface`, `type`, `method`, `error`; `#` comments),
    /// member names unique, field names unique within a struct, every named type declared in the
    /// same interface, `?` not applied twice, at least one member.
    ///
    /// - Throws: ``VarlinkIDLError`` naming the line, column and offending token.
    public init(parsing text: String) throws(VarlinkIDLError) {
        var parser = IDLParser(text)
        self = try parser.parseInterface()
    }

    fileprivate init(
        name: String,
        types: [String: VarlinkType],
        methods: [String: VarlinkMethodSignature],
        errors: [String: [VarlinkField]],
        memberOrder: [String],
        documentation: [String: String],
        interfaceDocumentation: String
    ) {
        self.name = name
        self.types = types
        self.methods = methods
        self.errors = errors
        self.memberOrder = memberOrder
        self.documentation = documentation
        self.interfaceDocumentation = interfaceDocumentation
    }
}

/// An IDL syntax or consistency error with its position.
public struct VarlinkIDLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the offending token.
    public var line: Int
    /// 1-based column (in characters) of the offending token.
    public var column: Int
    /// What was wrong, quoting the token.
    public var message: String
    /// "line L, column C: message".
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// Grammar rules shared by the IDL parser and the call dispatcher (varlink.org, "Interface Definition").
enum VarlinkGrammar {
    /// `[a-z]([-]*[a-z0-9])*([.][a-z0-9]([-]*[a-z0-9])*)+`: lowercase reverse-domain name.
    static func isInterfaceName(_ name: Substring) -> Bool {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for (position, label) in labels.enumerated() {
            let bytes = Array(label.utf8)
            guard let first = bytes.first, let last = bytes.last else { return false }
            let isLower = { (b: UInt8) in (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) }
            let isDigit = { (b: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) }
            guard position == 0 ? isLower(first) : (isLower(first) || isDigit(first)) else { return false }
            guard isLower(last) || isDigit(last) else { return false }
            guard bytes.allSatisfy({ isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") }) else { return false }
        }
        return true
    }

    /// `[A-Z][A-Za-z0-9]*`: member (type, method, error) name.
    static func isMemberName(_ name: Substring) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else { return false }
        return bytes.allSatisfy(isAlphanumeric)
    }

    /// `[A-Za-z](_?[A-Za-z0-9])*`: field name.
    static func isFieldName(_ name: Substring) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, isLetter(first), bytes.last != UInt8(ascii: "_") else { return false }
        var previousUnderscore = false
        for byte in bytes {
            if byte == UInt8(ascii: "_") {
                if previousUnderscore { return false }
                previousUnderscore = true
            } else if isAlphanumeric(byte) {
                previousUnderscore = false
            } else {
                return false
            }
        }
        return true
    }

    static func isLetter(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
    }

    static func isAlphanumeric(_ b: UInt8) -> Bool {
        isLetter(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
    }
}

/// Recursive-descent parser over the IDL's characters, tracking line and column.
private struct IDLParser {
    let characters: [Character]
    var index = 0
    var line = 1
    var column = 1
    /// Comment lines read since ``takeComments()`` was last called (a blank line starts afresh).
    var comments: [String] = []

    init(_ text: String) { characters = Array(text) }

    // MARK: Lexing

    func error(_ message: String, line: Int? = nil, column: Int? = nil) -> VarlinkIDLError {
        VarlinkIDLError(line: line ?? self.line, column: column ?? self.column, message: message)
    }

    mutating func advance() {
        if characters[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    /// Skips spaces, tabs, newlines and `#` comments; returns whether anything was skipped.
    @discardableResult
    mutating func skipWhitespace() -> Bool {
        let start = index
        while index < characters.count {
            let character = characters[index]
            if character == " " || character == "\t" || character == "\n" || character == "\r\n" || character == "\r" {
                // A blank line between a comment and what follows detaches the comment.
                if character != " " && character != "\t" && column == 1 { comments = [] }
                advance()
            } else if character == "#" {
                var text = ""
                advance()
                while index < characters.count && characters[index] != "\n" && characters[index] != "\r\n" {
                    text.append(characters[index])
                    advance()
                }
                comments.append(text.hasPrefix(" ") ? String(text.dropFirst()) : text)
            } else {
                break
            }
        }
        return index > start
    }

    /// The next token's text, for error messages.
    func describeNext() -> String {
        guard index < characters.count else { return "end of input" }
        var end = index
        if characters[index].isLetter || characters[index].isNumber || characters[index] == "_" {
            while end < characters.count
                && (characters[end].isLetter || characters[end].isNumber || characters[end] == "_"
                    || characters[end] == "." || characters[end] == "-")
            {
                end += 1
            }
        } else {
            end += 1
        }
        return "'\(String(characters[index..<end]))'"
    }

    /// The comment lines gathered since the last call, joined by newlines; clears them.
    mutating func takeComments() -> String {
        defer { comments = [] }
        return comments.joined(separator: "\n")
    }

    func peek() -> Character? { index < characters.count ? characters[index] : nil }

    mutating func consume(_ literal: String) -> Bool {
        let literalCharacters = Array(literal)
        guard index + literalCharacters.count <= characters.count,
            Array(characters[index..<index + literalCharacters.count]) == literalCharacters
        else { return false }
        for _ in literalCharacters { advance() }
        return true
    }

    mutating func expect(_ literal: String, _ context: String) throws(VarlinkIDLError) {
        skipWhitespace()
        guard consume(literal) else { throw error("expected '\(literal)' \(context), found \(describeNext())") }
    }

    /// Reads a word of `[A-Za-z0-9_.-]` characters.
    mutating func word() -> (text: String, line: Int, column: Int) {
        skipWhitespace()
        let (startLine, startColumn) = (line, column)
        var text = ""
        while let character = peek(), character.isASCII,
            character.isLetter || character.isNumber || character == "_" || character == "." || character == "-"
        {
            text.append(character)
            advance()
        }
        return (text, startLine, startColumn)
    }

    // MARK: Grammar

    mutating func parseInterface() throws(VarlinkIDLError) -> VarlinkInterfaceDefinition {
        skipWhitespace()
        let interfaceDocumentation = takeComments()
        let keyword = word()
        guard keyword.text == "interface" else {
            throw error(
                "expected 'interface', found \(keyword.text.isEmpty ? describeNext() : "'\(keyword.text)'")",
                line: keyword.line,
                column: keyword.column
            )
        }
        let name = word()
        guard VarlinkGrammar.isInterfaceName(name.text[...]) else {
            throw error(
                "invalid interface name \(name.text.isEmpty ? describeNext() : "'\(name.text)'") (expected lowercase reverse-domain, e.g. org.example.service)",
                line: name.line,
                column: name.column
            )
        }

        var types: [String: VarlinkType] = [:]
        var methods: [String: VarlinkMethodSignature] = [:]
        var errors: [String: [VarlinkField]] = [:]
        var order: [String] = []
        var documentation: [String: String] = [:]
        var references: [(name: String, line: Int, column: Int)] = []

        while true {
            skipWhitespace()
            if index >= characters.count { break }
            let comment = takeComments()
            let keyword = word()
            let memberName = word()
            guard ["type", "method", "error"].contains(keyword.text) else {
                throw error(
                    "expected 'type', 'method' or 'error', found \(keyword.text.isEmpty ? describeNext() : "'\(keyword.text)'")",
                    line: keyword.line,
                    column: keyword.column
                )
            }
            guard VarlinkGrammar.isMemberName(memberName.text[...]) else {
                throw error(
                    "invalid \(keyword.text) name \(memberName.text.isEmpty ? describeNext() : "'\(memberName.text)'") (expected CamelCase, e.g. GetInfo)",
                    line: memberName.line,
                    column: memberName.column
                )
            }
            guard !order.contains(memberName.text) else {
                throw error(
                    "duplicate member name '\(memberName.text)'",
                    line: memberName.line,
                    column: memberName.column
                )
            }
            order.append(memberName.text)
            if !comment.isEmpty { documentation[memberName.text] = comment }
            switch keyword.text {
            case "type":
                skipWhitespace()
                guard peek() == "(" else {
                    throw error("expected '(' after type name '\(memberName.text)', found \(describeNext())")
                }
                types[memberName.text] = try parseStructOrEnum(references: &references)
            case "method":
                let input = try parseStruct(
                    references: &references,
                    context: "for the input of method '\(memberName.text)'"
                )
                try expect("->", "after the input of method '\(memberName.text)'")
                let output = try parseStruct(
                    references: &references,
                    context: "for the output of method '\(memberName.text)'"
                )
                methods[memberName.text] = VarlinkMethodSignature(name: memberName.text, input: input, output: output)
            default:
                errors[memberName.text] = try parseStruct(
                    references: &references,
                    context: "for error '\(memberName.text)'"
                )
            }
            comments = []
        }
        guard !order.isEmpty else { throw error("interface '\(name.text)' declares no members") }
        for reference in references where types[reference.name] == nil {
            throw error("unknown type '\(reference.name)'", line: reference.line, column: reference.column)
        }
        return VarlinkInterfaceDefinition(
            name: name.text,
            types: types,
            methods: methods,
            errors: errors,
            memberOrder: order,
            documentation: documentation,
            interfaceDocumentation: interfaceDocumentation
        )
    }

    mutating func parseStruct(
        references: inout [(name: String, line: Int, column: Int)],
        context: String
    ) throws(VarlinkIDLError) -> [VarlinkField] {
        skipWhitespace()
        guard peek() == "(" else { throw error("expected '(' \(context), found \(describeNext())") }
        let (startLine, startColumn) = (line, column)
        guard case .structure(let fields) = try parseStructOrEnum(references: &references) else {
            throw error("expected a struct \(context), found an enum", line: startLine, column: startColumn)
        }
        return fields
    }

    /// `(` already next: parses `()`, `(a, b)` (enum) or `(a: T, b: U)` (struct).
    mutating func parseStructOrEnum(
        references: inout [(name: String, line: Int, column: Int)]
    ) throws(VarlinkIDLError) -> VarlinkType {
        _ = consume("(")
        skipWhitespace()
        if consume(")") { return .structure([]) }
        var fields: [VarlinkField] = []
        var enumNames: [String] = []
        var isEnum: Bool? = nil
        while true {
            let field = word()
            guard VarlinkGrammar.isFieldName(field.text[...]) else {
                throw error(
                    "invalid field name \(field.text.isEmpty ? describeNext() : "'\(field.text)'")",
                    line: field.line,
                    column: field.column
                )
            }
            guard !fields.contains(where: { $0.name == field.text }) && !enumNames.contains(field.text) else {
                throw error("duplicate field name '\(field.text)'", line: field.line, column: field.column)
            }
            skipWhitespace()
            let hasType = peek() == ":"
            guard hasType || peek() == "," || peek() == ")" else {
                throw error("expected ':' after field name '\(field.text)', found \(describeNext())")
            }
            if isEnum == nil { isEnum = !hasType }
            if isEnum == true {
                guard !hasType else { throw error("expected ',' or ')' after enum value '\(field.text)', found ':'") }
                enumNames.append(field.text)
            } else {
                guard hasType else {
                    throw error("expected ':' after field name '\(field.text)', found \(describeNext())")
                }
                _ = consume(":")
                fields.append(VarlinkField(name: field.text, type: try parseType(references: &references)))
            }
            skipWhitespace()
            if consume(",") { continue }
            if consume(")") { break }
            throw error("expected ',' or ')' after field '\(field.text)', found \(describeNext())")
        }
        return isEnum == true ? .enumeration(enumNames) : .structure(fields)
    }

    mutating func parseType(
        references: inout [(name: String, line: Int, column: Int)]
    ) throws(VarlinkIDLError) -> VarlinkType {
        skipWhitespace()
        if consume("?") {
            skipWhitespace()
            if peek() == "?" { throw error("'?' cannot be applied twice") }
            return .optional(try parseType(references: &references))
        }
        if consume("[]") { return .array(try parseType(references: &references)) }
        if consume("[string]") { return .dictionary(try parseType(references: &references)) }
        if peek() == "(" { return try parseStructOrEnum(references: &references) }
        let token = word()
        switch token.text {
        case "bool": return .bool
        case "int": return .int
        case "float": return .float
        case "string": return .string
        case "object": return .object
        default:
            guard VarlinkGrammar.isMemberName(token.text[...]) else {
                throw error(
                    "expected a type, found \(token.text.isEmpty ? describeNext() : "'\(token.text)'")",
                    line: token.line,
                    column: token.column
                )
            }
            references.append((token.text, token.line, token.column))
            return .named(token.text)
        }
    }
}
