// org.varlink.certification (varlink.org, "Certification"): the interface every Varlink
// implementation serves so well-known clients (the Python `varlink` package's
// `varlink.tests.test_certification --client`) can check it. Each method checks that the call
// carries exactly the previous reply's values and that methods come in order per client id.
import Foundation
import Synchronization
import Varlink

enum Certification {
    /// The certification interface, as published by varlink.org.
    static let interfaceDescription = """
        # Interface to test varlink implementations against.
        # First you write a varlink client calling:
        # Start, Test01, Test02, …, Test09, End
        # The return value of the previous call should be the argument of the next call.
        # Then you test this client against well known servers like python or rust.
        #
        # Next you write a varlink server providing the same service as the well known ones.
        # Now run your client against it and run well known clients like python or rust
        # against your server. If all works out, then your new language bindings should be
        # varlink certified.
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

        method Test02(client_id: string, bool: bool) -> (int: int)

        method Test03(client_id: string, int: int) -> (float: float)

        method Test04(client_id: string, float: float) -> (string: string)

        method Test05(client_id: string, string: string) -> (
          bool: bool,
          int: int,
          float: float,
          string: string
        )

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

        method Test07(
          client_id: string,
          struct: (
            bool: bool,
            int: int,
            float: float,
            string: string
          )
        ) -> (map: [string]string)

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

    static let interfaceName = "org.varlink.certification"

    /// Which method each client id must call next.
    final class Clients: Sendable {
        private let next = Mutex<[String: String]>([:])

        func start() -> String {
            var bytes = [UInt8](repeating: 0, count: 16)
            for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
            let id = bytes.map { String(format: "%02x", $0) }.joined()
            next.withLock { $0[id] = "Test01" }
            return id
        }

        /// Checks that `method` is the one `id` must call now and moves on to `following`.
        func advance(_ id: String, calling method: String, then following: String?) throws(VarlinkError) {
            let result: Result<Void, VarlinkError> = next.withLock { next in
                guard let expected = next[id] else {
                    return .failure(
                        certificationError(
                            wants: ["method": .string("\(interfaceName).Start+++")],
                            got: ["method": .string("\(interfaceName).\(method)")]
                        )
                    )
                }
                guard expected == method else {
                    return .failure(
                        certificationError(
                            wants: .string("Call to method \(interfaceName).\(expected)"),
                            got: .string("Call to method \(interfaceName).\(method)")
                        )
                    )
                }
                next[id] = following
                return .success(())
            }
            try result.get()
        }

        func forget(_ id: String) { _ = next.withLock { $0.removeValue(forKey: id) } }
    }

    static func certificationError(wants: VarlinkValue, got: VarlinkValue) -> VarlinkError {
        VarlinkError(name: "\(interfaceName).CertificationError", parameters: ["wants": wants, "got": got])
    }

    /// The call as a JSON message, the way the reference service compares it.
    static func message(of request: VarlinkRequest, parameters: [String: VarlinkValue]) -> VarlinkValue {
        var message: [String: VarlinkValue] = ["method": .string(request.method)]
        if !parameters.isEmpty { message["parameters"] = .object(parameters) }
        if request.more { message["more"] = true }
        if request.oneway { message["oneway"] = true }
        return .object(message)
    }

    /// JSON equality where numbers compare by value (1 == 1.0).
    static func same(_ a: VarlinkValue, _ b: VarlinkValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        default: return a == b
        }
    }

    static let lotOfString: VarlinkValue = "a lot of string"
    static let fooBar: VarlinkValue = ["foo": "Foo", "bar": "Bar"]
    static let stringSet: VarlinkValue = ["one": [:], "two": [:], "three": [:]]
    static let myType: [String: VarlinkValue] = [
        "object": ["method": "org.varlink.certification.Test09", "parameters": ["map": fooBar]],
        "enum": "two",
        "struct": ["first": 1, "second": "2"],
        "array": ["one", "two", "three"],
        "dictionary": fooBar,
        "stringset": stringSet,
        "interface": [
            "foo": [nil, ["foo": "foo", "bar": "bar"], nil, ["one": "foo", "two": "bar"]],
            "anon": ["foo": true, "bar": false],
        ],
    ]

    /// The interface with its handlers.
    static func makeInterface() throws -> VarlinkInterface {
        let clients = Clients()

        /// Runs one step: checks order and the exact message, then replies.
        @Sendable func step(
            _ method: String,
            next: String?,
            wants: @escaping @Sendable (String) -> [String: VarlinkValue],
            more: Bool = false,
            oneway: Bool = false,
            reply: @escaping @Sendable (String, VarlinkResponder) async throws -> Void
        ) -> VarlinkMethodHandler {
            { request, responder in
                let parameters = (try? VarlinkValue(json: request.parameters))?.objectValue ?? [:]
                guard let id = parameters["client_id"]?.stringValue else {
                    throw VarlinkError(name: "\(interfaceName).ClientIdError")
                }
                try clients.advance(id, calling: method, then: next)
                var wanted: [String: VarlinkValue] = [
                    "method": .string("\(interfaceName).\(method)"),
                    "parameters": .object(wants(id)),
                ]
                if more { wanted["more"] = true }
                if oneway { wanted["oneway"] = true }
                let got = message(of: request, parameters: parameters)
                guard same(.object(wanted), got) else {
                    clients.forget(id)
                    throw certificationError(wants: .object(wanted), got: got)
                }
                try await reply(id, responder)
            }
        }

        let methods: [String: VarlinkMethodHandler] = [
            "Start": { request, responder in
                let parameters = (try? VarlinkValue(json: request.parameters))?.objectValue ?? [:]
                let got = message(of: request, parameters: parameters)
                let wanted: VarlinkValue = ["method": .string("\(interfaceName).Start")]
                guard got == wanted else { throw certificationError(wants: wanted, got: got) }
                try await responder.reply(VarlinkValue.object(["client_id": .string(clients.start())]))
            },
            "Test01": step("Test01", next: "Test02", wants: { ["client_id": .string($0)] }) { _, r in
                try await r.reply(["bool": true] as VarlinkValue)
            },
            "Test02": step("Test02", next: "Test03", wants: { ["client_id": .string($0), "bool": true] }) { _, r in
                try await r.reply(["int": 1] as VarlinkValue)
            },
            "Test03": step("Test03", next: "Test04", wants: { ["client_id": .string($0), "int": 1] }) { _, r in
                try await r.reply(["float": 1.0] as VarlinkValue)
            },
            "Test04": step("Test04", next: "Test05", wants: { ["client_id": .string($0), "float": 1.0] }) { _, r in
                try await r.reply(["string": "ping"] as VarlinkValue)
            },
            "Test05": step("Test05", next: "Test06", wants: { ["client_id": .string($0), "string": "ping"] }) { _, r in
                try await r.reply(
                    ["bool": false, "int": 2, "float": .double(.pi), "string": lotOfString] as VarlinkValue
                )
            },
            "Test06": step(
                "Test06",
                next: "Test07",
                wants: {
                    ["client_id": .string($0), "bool": false, "int": 2, "float": .double(.pi), "string": lotOfString]
                }
            ) { _, r in
                try await r.reply(
                    ["struct": ["bool": false, "int": 2, "float": .double(.pi), "string": lotOfString]] as VarlinkValue
                )
            },
            "Test07": step(
                "Test07",
                next: "Test08",
                wants: {
                    [
                        "client_id": .string($0),
                        "struct": ["bool": false, "int": 2, "float": .double(.pi), "string": lotOfString],
                    ]
                }
            ) { _, r in
                try await r.reply(["map": fooBar] as VarlinkValue)
            },
            "Test08": step("Test08", next: "Test09", wants: { ["client_id": .string($0), "map": fooBar] }) { _, r in
                try await r.reply(["set": stringSet] as VarlinkValue)
            },
            "Test09": step("Test09", next: "Test10", wants: { ["client_id": .string($0), "set": stringSet] }) { _, r in
                var mytype = myType
                mytype["nullable"] = nil as VarlinkValue
                mytype["nullable_array_struct"] = nil as VarlinkValue
                try await r.reply(["mytype": .object(mytype)] as VarlinkValue)
            },
            "Test10": { request, responder in
                // Optional members may come back as null or be left out; normalise before comparing.
                var parameters = (try? VarlinkValue(json: request.parameters))?.objectValue ?? [:]
                if case .object(var mytype)? = parameters["mytype"] {
                    for key in ["nullable", "nullable_array_struct"] where mytype[key] == .null { mytype[key] = nil }
                    parameters["mytype"] = .object(mytype)
                }
                let normalised = try JSONEncoder().encode(VarlinkValue.object(parameters))
                let inner = step(
                    "Test10",
                    next: "Test11",
                    wants: { ["client_id": .string($0), "mytype": .object(myType)] },
                    more: true
                ) { _, r in
                    for number in 1...10 {
                        try await r.reply(
                            ["string": .string("Reply number \(number)")] as VarlinkValue,
                            continues: number != 10
                        )
                    }
                }
                try await inner(
                    VarlinkRequest(
                        method: request.method,
                        parameters: normalised,
                        oneway: request.oneway,
                        more: request.more,
                        peer: request.peer
                    ),
                    responder
                )
            },
            "Test11": step(
                "Test11",
                next: "End",
                wants: {
                    [
                        "client_id": .string($0),
                        "last_more_replies": .array((1...10).map { .string("Reply number \($0)") }),
                    ]
                },
                oneway: true
            ) { _, r in
                try await r.reply()
            },
            "End": step("End", next: nil, wants: { ["client_id": .string($0)] }) { id, r in
                clients.forget(id)
                try await r.reply(["all_ok": true] as VarlinkValue)
            },
        ]
        return try VarlinkInterface(description: interfaceDescription, methods: methods)
    }
}
