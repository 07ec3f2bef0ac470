import Foundation
import Testing
import Varlink

/// The certification interface (varlink.org), as the certification service serves it.
let certificationIDL = """
    # Interface to test varlink implementations against.
    interface org.varlink.certification

    type Interface (
      foo: ?[]?[string](foo, bar, baz),
      anon: (foo: bool, bar: bool)
    )

    type MyType (
      object: object,
      enum: (one, two, three),
      struct: (first: int, second: string),
      array: []string,
      dictionary: [string]string,
      stringset: [string](),
      nullable: ?string,
      nullable_array_struct: ?[](first: int, second: string),
      interface: Interface
    )

    method Start() -> (client_id: string)
    method Test01(client_id: string) -> (bool: bool)
    method Test06(
      client_id: string,
      bool: bool,
      int: int,
      float: float,
      string: string
    ) -> (
      struct: (
        bool: bool,
        int: int,
        float: float,
        string: string
      )
    )
    method Test08(client_id: string, map: [string]string) -> (set: [string]())
    method Test09(client_id: string, set: [string]()) -> (mytype: MyType)
    # returns more than one reply with "continues"
    method Test10(client_id: string, mytype: MyType) -> (string: string)
    # must be called as "oneway"
    method Test11(client_id: string, last_more_replies: []string) -> ()
    method End(client_id: string) -> (all_ok: bool)

    error ClientIdError ()
    error CertificationError (wants: object, got: object)
    """

@Suite("Interface definition parser")
struct IDLTests {
    @Test func parsesTheCertificationInterface() throws {
        let definition = try VarlinkInterfaceDefinition(parsing: certificationIDL)
        #expect(definition.name == "org.varlink.certification")
        #expect(
            definition.memberOrder == [
                "Interface", "MyType", "Start", "Test01", "Test06", "Test08", "Test09", "Test10", "Test11", "End",
                "ClientIdError", "CertificationError",
            ]
        )
        #expect(
            definition.types["Interface"]
                == .structure([
                    VarlinkField(
                        name: "foo",
                        type: .optional(.array(.optional(.dictionary(.enumeration(["foo", "bar", "baz"])))))
                    ),
                    VarlinkField(
                        name: "anon",
                        type: .structure([
                            VarlinkField(name: "foo", type: .bool), VarlinkField(name: "bar", type: .bool),
                        ])
                    ),
                ])
        )
        guard case .structure(let myType)? = definition.types["MyType"] else {
            Issue.record("MyType is not a struct")
            return
        }
        #expect(
            myType.map(\.name) == [
                "object", "enum", "struct", "array", "dictionary", "stringset", "nullable", "nullable_array_struct",
                "interface",
            ]
        )
        #expect(myType[1].type == .enumeration(["one", "two", "three"]))
        #expect(myType[5].type == .dictionary(.structure([])))
        #expect(myType[7].type.description == "?[](first: int, second: string)")
        #expect(myType[8].type == .named("Interface"))
        #expect(definition.methods["Test08"]?.output == [VarlinkField(name: "set", type: .dictionary(.structure([])))])
        #expect(definition.methods["Test11"]?.output == [])
        #expect(definition.methods["Start"]?.input == [])
        #expect(definition.errors["CertificationError"]?.map(\.name) == ["wants", "got"])
        #expect(definition.errors["ClientIdError"] == [])
    }

    @Test func parsesTheServiceInterface() throws {
        let definition = try VarlinkInterfaceDefinition(parsing: VarlinkService.serviceInterfaceDescription)
        #expect(definition.name == "org.varlink.service")
        #expect(Set(definition.methods.keys) == ["GetInfo", "GetInterfaceDescription"])
        #expect(definition.errors["InvalidParameter"] == [VarlinkField(name: "parameter", type: .string)])
    }

    @Test func acceptsCommentsAnywhereWhitespaceIsAllowedAndCRLF() throws {
        let text =
            "# head\r\ninterface org.example.x-y.v2 # trailing\r\n\r\ntype T (a: int, # why\n b: ?string)\nmethod M(t: T) -> ()\n"
        let definition = try VarlinkInterfaceDefinition(parsing: text)
        #expect(definition.name == "org.example.x-y.v2")
        #expect(
            definition.types["T"]
                == .structure([VarlinkField(name: "a", type: .int), VarlinkField(name: "b", type: .optional(.string))])
        )
    }

    /// Each case: IDL text, expected line and column, and a fragment of the message.
    static let invalid: [(String, Int, Int, String)] = [
        ("", 1, 1, "expected 'interface', found end of input"),
        ("interfaces org.example", 1, 1, "expected 'interface', found 'interfaces'"),
        ("interface Org.Example\nmethod A() -> ()", 1, 11, "invalid interface name 'Org.Example'"),
        ("interface example\nmethod A() -> ()", 1, 11, "invalid interface name 'example'"),
        ("interface org.example", 1, 22, "declares no members"),
        ("interface org.example\nmethod lower() -> ()", 2, 8, "invalid method name 'lower'"),
        ("interface org.example\nfunction A() -> ()", 2, 1, "expected 'type', 'method' or 'error', found 'function'"),
        ("interface org.example\nmethod A() -> ()\nmethod A() -> ()", 3, 8, "duplicate member name 'A'"),
        ("interface org.example\nmethod A(x: int, x: int) -> ()", 2, 18, "duplicate field name 'x'"),
        ("interface org.example\nmethod A(x int) -> ()", 2, 12, "expected ':' after field name 'x', found 'int'"),
        ("interface org.example\nmethod A(x: integer) -> ()", 2, 13, "expected a type, found 'integer'"),
        ("interface org.example\nmethod A(x: Missing) -> ()", 2, 13, "unknown type 'Missing'"),
        ("interface org.example\nmethod A(x: ??int) -> ()", 2, 14, "'?' cannot be applied twice"),
        (
            "interface org.example\nmethod A(x: int) (y: int)", 2, 18,
            "expected '->' after the input of method 'A', found '('"
        ),
        (
            "interface org.example\nmethod A(one, two) -> ()", 2, 9,
            "expected a struct for the input of method 'A', found an enum"
        ),
        (
            "interface org.example\ntype E (one, two: int)", 2, 17,
            "expected ',' or ')' after enum value 'two', found ':'"
        ),
        ("interface org.example\nmethod A(x: int -> ()", 2, 17, "expected ',' or ')' after field 'x', found '-'"),
        ("interface org.example\nmethod A(bad__name: int) -> ()", 2, 10, "invalid field name 'bad__name'"),
        ("interface org.example\nmethod A(x: int) -> (", 2, 22, "invalid field name end of input"),
        ("interface org.example\ntype T int", 2, 8, "expected '(' after type name 'T', found 'int'"),
    ]

    @Test(arguments: invalid)
    func rejectsInvalidIDLNamingLineAndToken(testCase: (String, Int, Int, String)) {
        let (text, line, column, fragment) = testCase
        #expect {
            _ = try VarlinkInterfaceDefinition(parsing: text)
        } throws: { error in
            guard let error = error as? VarlinkIDLError else { return false }
            #expect(error.line == line, "\(error)")
            #expect(error.column == column, "\(error)")
            #expect(error.message.contains(fragment), "\(error)")
            return error.description.hasPrefix("line \(line), column \(column): ")
        }
    }

    @Test func interfaceRegistrationRejectsHandlersForUndeclaredMethods() {
        #expect(throws: VarlinkInterfaceError.handlerForUndeclaredMethod(interface: "org.example", method: "B")) {
            _ = try VarlinkInterface(
                description: "interface org.example\nmethod A() -> ()",
                methods: [
                    "A": { _, responder in try await responder.reply() },
                    "B": { _, responder in try await responder.reply() },
                ]
            )
        }
        #expect(throws: VarlinkIDLError.self) {
            _ = try VarlinkInterface(description: "interface org.example", methods: [:])
        }
    }
}

@Suite("JSON values and requests")
struct ValueTests {
    @Test(arguments: [
        ("0", VarlinkValue.int(0)),
        ("-12", .int(-12)),
        ("9223372036854775807", .int(.max)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)),
        ("1.0", .double(1)),
        ("2.5e3", .double(2500)),
        ("true", .bool(true)),
        ("null", .null),
        (#""a\u00e9\ud83d\ude00""#, .string("aé😀")),
        (#"{"b":[1,{"c":null}],"a":"x"}"#, .object(["a": "x", "b": [1, ["c": nil]]])),
        (" [ ] ", .array([])),
    ])
    func parses(json: String, expected: VarlinkValue) throws {
        #expect(try VarlinkValue(json: Data(json.utf8)) == expected)
    }

    @Test(arguments: [
        "", "01", "1.", ".5", "-", "1e", "tru", "[1,]", #"{"a":1,}"#, #"{"a" 1}"#, #""\x""#, "NaN", "1e400",
        #"{"a":1,"a":2}"#, "[] []",
    ])
    func rejects(json: String) {
        #expect(throws: VarlinkValue.ParseError.self) { _ = try VarlinkValue(json: Data(json.utf8)) }
    }

    @Test func roundTripsThroughJSONEncoderAndItsOwnWriter() throws {
        let value: VarlinkValue = [
            "int": 3, "double": 0.5, "text": "line\nbreak \"quoted\" \u{1}", "list": [true, nil], "nested": ["k": []],
        ]
        #expect(try VarlinkValue(json: value.jsonData) == value)
        #expect(try JSONDecoder().decode(VarlinkValue.self, from: JSONEncoder().encode(value)) == value)
    }

    @Test func requestSplitsInterfaceAndMember() {
        let request = VarlinkRequest(method: "org.depot.inventory.Receive")
        #expect(request.interface == "org.depot.inventory")
        #expect(request.memberName == "Receive")
        #expect(String(decoding: request.parameters, as: UTF8.self) == "{}")
    }

    @Test func decodeParametersNamesNestedFailuresByTheirTopLevelParameter() throws {
        struct Line: Decodable {
            var sku: String
            var quantity: Int
        }
        struct Order: Decodable {
            var reference: String
            var lines: [Line]
        }
        let cases: [(String, String)] = [
            (#"{"lines":[]}"#, "reference"),
            (#"{"reference":"A","lines":[{"sku":"X"}]}"#, "lines"),
            (#"{"reference":"A","lines":[{"sku":"X","quantity":1.5}]}"#, "lines"),
            (#"{"reference":7,"lines":[]}"#, "reference"),
        ]
        for (json, parameter) in cases {
            #expect(throws: VarlinkError.invalidParameter(parameter)) {
                _ = try VarlinkRequest(method: "org.example.test.Order", parameters: Data(json.utf8)).decodeParameters(
                    Order.self
                )
            }
        }
    }

    @Test func errorDescriptionShowsNameAndParameters() {
        #expect(
            VarlinkError.invalidParameter("quantity").description
                == #"org.varlink.service.InvalidParameter {"parameter":"quantity"}"#
        )
        #expect(VarlinkError.permissionDenied.description == "org.varlink.service.PermissionDenied")
    }
}

@Suite("Swift types on the wire")
struct CodingTests {
    struct Stamped: Codable, Sendable, Equatable {
        var at: Date
        var path: String
    }

    @Test func datesAreISO8601AndSlashesAreNotEscaped() async throws {
        let interface = try VarlinkInterface(
            description:
                "interface org.example.codec\nmethod Stamp(at: string, path: string) -> (at: string, path: string)",
            methods: [
                "Stamp": { request, responder in
                    let stamped = try request.decodeParameters(Stamped.self)
                    try await responder.reply(stamped)
                }
            ]
        )
        try await withServer(VarlinkService(info: testInfo, interfaces: [interface])) { path in
            let socket = try RawSocket(path: path)
            #expect(
                await socket.send(
                    #"{"method":"org.example.codec.Stamp","parameters":{"at":"2026-03-01T12:00:00Z","path":"/run/depot"}}"#
                        + "\0"
                )
            )
            let frame = try #require(await socket.readFrame())
            let text = String(decoding: frame, as: UTF8.self)
            #expect(text.contains(#""path":"/run/depot""#), "\(text)")
            #expect(text.contains(#""at":"2026-03-01T12:00:00Z""#), "\(text)")
            #expect(
                try VarlinkValue(json: frame) == ["parameters": ["at": "2026-03-01T12:00:00Z", "path": "/run/depot"]]
            )

            let connection = try await VarlinkConnection.connect(unixPath: path)
            let sent = Stamped(at: Date(timeIntervalSince1970: 1_772_366_400), path: "/var/lib/depot")
            #expect(try await connection.call("org.example.codec.Stamp", sent).decode(Stamped.self) == sent)
        }
    }
}

@Suite("JSON reader robustness")
struct JSONRobustnessTests {
    /// A fixed-seed generator so a failure can be replayed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds: [String] = [
        #"{"method":"org.example.test.Add","parameters":{"a":1,"b":-2.5e3},"more":true}"#,
        #"{"a":[true,false,null,"\u00e9\n\"x\"",{"b":{}}],"c":"\ud83d\ude00"}"#,
        #"[0, -0, 1e-7, 123456789012345678, "\\/\b\f\r\t"]"#,
    ]

    /// Mutated JSON (bytes flipped, inserted, deleted) must parse or throw, never crash; whatever
    /// this reader accepts, Foundation's JSONSerialization accepts too (ours is the stricter one).
    @Test(arguments: seeds)
    func mutatedInputNeverCrashesAndIsNeverLooserThanFoundation(seed: String) {
        var random = SplitMix64(state: UInt64(seed.utf8.count))
        let alphabet = Array(#"{}[]":,.-+eE0123456789tfnul\ "#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        var accepted = 0
        for _ in 0..<3000 {
            var bytes = Array(seed.utf8)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[position] = alphabet.randomElement(using: &random)!
                case 1: bytes.insert(alphabet.randomElement(using: &random)!, at: position)
                default: if bytes.count > 1 { bytes.remove(at: position) }
                }
            }
            guard (try? VarlinkValue(json: bytes)) != nil else { continue }
            accepted += 1
            let foundation = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            #expect(foundation != nil, "accepted but Foundation refuses: \(String(decoding: bytes, as: UTF8.self))")
        }
        // Some mutations (e.g. a changed digit) stay valid; the property was exercised.
        #expect(accepted > 0)
    }
}
