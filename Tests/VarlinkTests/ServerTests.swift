import Foundation
import Testing
import Varlink

#if canImport(Glibc)
import Glibc
#endif

@Suite("Varlink server and client over real Unix sockets")
struct ServerTests {
    @Test func getInfoListsServiceAndInterfaces() async throws {
        try await withServer(try makeTestService()) { path in
            let connection = try await VarlinkConnection.connect(unixPath: path)
            let info = try await connection.call("org.varlink.service.GetInfo", [String: String]()).value()
            #expect(
                info == [
                    "vendor": "depot tests", "product": "VarlinkTests", "version": "0",
                    "url": "https://example.org/depot",
                    "interfaces": ["org.varlink.service", "org.example.test"],
                ]
            )
            await connection.close()
        }
    }

    @Test(arguments: ["org.example.test", "org.varlink.service"])
    func getInterfaceDescriptionReturnsParsableIDL(interface: String) async throws {
        try await withServer(try makeTestService()) { path in
            let connection = try await VarlinkConnection.connect(unixPath: path)
            let reply = try await connection.call(
                "org.varlink.service.GetInterfaceDescription",
                ["interface": interface]
            )
            let description = try #require(try reply.value().objectValue?["description"]?.stringValue)
            #expect(try VarlinkInterfaceDefinition(parsing: description).name == interface)
            if interface == "org.example.test" { #expect(description == testInterfaceDescription) }
        }
    }

    @Test func unknownInterfaceAndMethodAreNamed() async throws {
        try await withServer(try makeTestService()) { path in
            let connection = try await VarlinkConnection.connect(unixPath: path)
            await #expect(throws: VarlinkError.interfaceNotFound("org.example.absent")) {
                _ = try await connection.call("org.example.absent.Echo", [String: String]())
            }
            await #expect(throws: VarlinkError.methodNotFound("org.example.test.Absent")) {
                _ = try await connection.call("org.example.test.Absent", [String: String]())
            }
            await #expect(throws: VarlinkError.methodNotImplemented("org.example.test.Unimplemented")) {
                _ = try await connection.call("org.example.test.Unimplemented", [String: String]())
            }
            await #expect(throws: VarlinkError.interfaceNotFound("org.varlink.nothing")) {
                _ = try await connection.call(
                    "org.varlink.service.GetInterfaceDescription",
                    ["interface": "org.varlink.nothing"]
                )
            }
            // Names outside the Varlink grammar.
            await #expect(throws: VarlinkError.interfaceNotFound("Org.Example")) {
                _ = try await connection.call("Org.Example.Echo", [String: String]())
            }
            await #expect(throws: VarlinkError.methodNotFound("org.example.test.echo")) {
                _ = try await connection.call("org.example.test.echo", [String: String]())
            }
            // The connection still works after error replies.
            let echo = try await connection.call("org.example.test.Echo", EchoParameters(text: "still here"))
            #expect(try echo.decode(EchoParameters.self).text == "still here")
        }
    }

    /// Each case: parameters JSON and the parameter InvalidParameter must name.
    static let invalidParameterCases: [(String, String)] = [
        (#"{}"#, "a"),
        (#"{"a": 1}"#, "b"),
        (#"{"a": "one", "b": 2}"#, "a"),
        (#"{"a": 1, "b": 2.5}"#, "b"),
        (#"{"a": 1, "b": null}"#, "b"),
        (#"{"a": 1, "b": 2, "c": 3}"#, "c"),
    ]

    @Test(arguments: invalidParameterCases, [true, false])
    func invalidParameterNamesTheParameter(testCase: (String, String), validates: Bool) async throws {
        let (parameters, expected) = testCase
        // With validation off, only the handler's decodeParameters can catch these; an unknown
        // field is then ignored, as JSONDecoder ignores it.
        try await withServer(try makeTestService(validates: validates)) { path in
            let socket = try RawSocket(path: path)
            #expect(await socket.send(#"{"method":"org.example.test.Add","parameters":\#(parameters)}"# + "\0"))
            let reply = try #require(try await socket.readMessage())
            if !validates && expected == "c" {
                #expect(reply == ["parameters": ["sum": 3]])
            } else {
                #expect(
                    reply == [
                        "error": "org.varlink.service.InvalidParameter", "parameters": ["parameter": .string(expected)],
                    ]
                )
            }
        }
    }

    @Test func validationChecksNestedTypesAndOptionals() async throws {
        try await withServer(try makeTestService()) { path in
            let connection = try await VarlinkConnection.connect(unixPath: path)
            let stored = try await connection.call(
                "org.example.test.Store",
                StoreParameters(item: Item(sku: "MILK", quantity: 2))
            )
            #expect(try stored.decode(StoredReply.self).stored == "MILKx2")
            let withNote = try await connection.call(
                "org.example.test.Store",
                ["item": ["sku": "MILK", "quantity": 2, "note": "fresh"]] as VarlinkValue
            )
            #expect(try withNote.decode(StoredReply.self).stored == "MILKx2")
            for bad: VarlinkValue in [
                ["item": ["sku": "MILK"]],
                ["item": ["sku": "MILK", "quantity": "2"]],
                ["item": ["sku": "MILK", "quantity": 2, "colour": "white"]],
                ["item": "MILK"],
            ] {
                await #expect(throws: VarlinkError.invalidParameter("item")) {
                    _ = try await connection.call("org.example.test.Store", bad)
                }
            }
        }
    }

    @Test func errorsThrownByHandlers() async throws {
        try await withServer(try makeTestService()) { path in
            let connection = try await VarlinkConnection.connect(unixPath: path)
            let typed = await #expect(throws: VarlinkError.self) {
                _ = try await connection.call("org.example.test.Fail", KindParameters(kind: "typed"))
            }
            #expect(typed == VarlinkError(name: "org.example.test.Broken", parameters: ["reason": "asked to"]))
            struct Broken: Decodable { var reason: String }
            #expect(try typed?.decodeParameters(Broken.self).reason == "asked to")
            await #expect(throws: VarlinkError.internalError) {
                _ = try await connection.call("org.example.test.Fail", KindParameters(kind: "other"))
            }
            await #expect(throws: VarlinkError.internalError) {
                _ = try await connection.call("org.example.test.Silent", NoParameters())
            }
        }
    }

    @Test func mapErrorAndAuthorizeHooks() async throws {
        var service = try makeTestService()
        service.mapError = { error in
            VarlinkError(name: "org.example.test.Broken", parameters: ["reason": .string("\(type(of: error))")])
        }
        service.authorize = { request throws(VarlinkError) in
            if request.memberName == "Add" { throw .permissionDenied }
        }
        try await withServer(service) { path in
            let connection = try await VarlinkConnection.connect(unixPath: path)
            await #expect(throws: VarlinkError.permissionDenied) {
                _ = try await connection.call("org.example.test.Add", AddParameters(a: 1, b: 2))
            }
            await #expect(
                throws: VarlinkError(name: "org.example.test.Broken", parameters: ["reason": "InternalFailure"])
            ) {
                _ = try await connection.call("org.example.test.Fail", KindParameters(kind: "other"))
            }
            // org.varlink.service is not gated.
            _ = try await connection.call("org.varlink.service.GetInfo", NoParameters())
        }
    }

    @Test func onewayCallsRunAndGetNoReply() async throws {
        let recorder = TestRecorder()
        try await withServer(try makeTestService(recorder)) { path in
            let socket = try RawSocket(path: path)
            var calls = ""
            for tag in 1...3 {
                calls += #"{"method":"org.example.test.Record","parameters":{"tag":\#(tag)},"oneway":true}"# + "\0"
            }
            calls += #"{"method":"org.example.test.Echo","parameters":{"text":"after"}}"# + "\0"
            #expect(await socket.send(calls))
            // The first reply on the wire is Echo's: the oneway calls sent nothing.
            #expect(try await socket.readMessage() == ["parameters": ["text": "after"]])
            #expect(recorder.recorded.current == 3)

            let connection = try await VarlinkConnection.connect(unixPath: path)
            try await connection.callOneway("org.example.test.Record", TagParameters(tag: 4))
            _ = try await connection.call("org.example.test.Echo", EchoParameters(text: "x"))
            #expect(recorder.recorded.current == 4)
        }
    }

    @Test func moreCallsStreamUntilContinuesIsFalse() async throws {
        try await withServer(try makeTestService()) { path in
            let connection = try await VarlinkConnection.connect(unixPath: path)
            var numbers: [Int] = []
            var flags: [Bool] = []
            for try await reply in connection.callMore("org.example.test.Count", ["upTo": 5]) {
                numbers.append(try reply.decode(NumberReply.self).number)
                flags.append(reply.continues)
            }
            #expect(numbers == [1, 2, 3, 4, 5])
            #expect(flags == [true, true, true, true, false])

            // `more` on a method that replies once is fine.
            var single: [VarlinkValue] = []
            for try await reply in connection.callMore("org.example.test.Echo", EchoParameters(text: "once")) {
                single.append(try reply.value())
            }
            #expect(single == [["text": "once"]])

            // An error ends the stream by throwing.
            await #expect(throws: VarlinkError.methodNotFound("org.example.test.Absent")) {
                for try await _ in connection.callMore("org.example.test.Absent", NoParameters()) {}
            }
        }
    }

    @Test func streamingHandlerNoticesThePeerLeaving() async throws {
        let recorder = TestRecorder()
        try await withServer(try makeTestService(recorder)) { path in
            let connection = try await VarlinkConnection.connect(unixPath: path)
            var iterator = connection.callMore("org.example.test.Subscribe", NoParameters()).makeAsyncIterator()
            let first = try #require(try await iterator.next())
            #expect(try first.value() == ["position": 1])
            #expect(first.continues)
            await connection.close()
            await recorder.subscriptionEnded.wait()
        }
    }

    @Test func continuesWithoutMoreIsExpectedMore() async throws {
        try await withServer(try makeTestService()) { path in
            let socket = try RawSocket(path: path)
            #expect(await socket.send(#"{"method":"org.example.test.StreamAlways"}"# + "\0"))
            #expect(try await socket.readMessage() == ["error": "org.varlink.service.ExpectedMore", "parameters": [:]])
            // Nothing else follows for that call; the next call is answered normally.
            #expect(await socket.send(#"{"method":"org.example.test.Echo","parameters":{"text":"next"}}"# + "\0"))
            #expect(try await socket.readMessage() == ["parameters": ["text": "next"]])
        }
    }

    @Test func repliesComeInCallOrderOnOneConnection() async throws {
        try await withServer(try makeTestService()) { path in
            // Earlier calls sleep longer; replies must still come in call order.
            let socket = try RawSocket(path: path)
            var calls = ""
            for tag in 0..<20 {
                calls +=
                    #"{"method":"org.example.test.Sleep","parameters":{"milliseconds":\#(20 - tag),"tag":\#(tag)}}"#
                    + "\0"
            }
            #expect(await socket.send(calls))
            var tags: [Int64] = []
            for _ in 0..<20 {
                let reply = try #require(try await socket.readMessage())
                if case .int(let tag)? = reply["parameters"]?.objectValue?["tag"] { tags.append(tag) }
            }
            #expect(tags == Array(0..<20))

            // The client pipelines calls issued from many tasks and matches replies in order.
            let connection = try await VarlinkConnection.connect(unixPath: path)
            try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for tag in 0..<50 {
                    group.addTask {
                        let reply = try await connection.call(
                            "org.example.test.Sleep",
                            TagParameters(milliseconds: tag % 3, tag: tag)
                        )
                        return (tag, try reply.decode(TagReply.self).tag)
                    }
                }
                for try await (sent, received) in group { #expect(sent == received) }
            }
        }
    }

    @Test func manyConcurrentConnections() async throws {
        try await withServer(try makeTestService()) { path in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for client in 0..<64 {
                    group.addTask {
                        let connection = try await VarlinkConnection.connect(unixPath: path)
                        var correct = 0
                        for call in 0..<20 {
                            let reply = try await connection.call(
                                "org.example.test.Add",
                                AddParameters(a: client, b: call)
                            )
                            if try reply.decode(SumReply.self).sum == client + call { correct += 1 }
                        }
                        await connection.close()
                        return correct
                    }
                }
                var total = 0
                for try await correct in group { total += correct }
                #expect(total == 64 * 20)
            }
        }
    }

    @Test func peerCredentialsAreTheCallersProcess() async throws {
        try await withServer(try makeTestService()) { path in
            let connection = try await VarlinkConnection.connect(unixPath: path)
            let peer = try await connection.call("org.example.test.Peer", NoParameters()).decode(PeerReply.self)
            #expect(peer.uid == getuid())
            #expect(peer.gid == getgid())
            #expect(peer.pid == getpid())
        }
    }

    @Test func repliesUpToTheLimitPass() async throws {
        try await withServer(try makeTestService()) { path in
            let connection = try await VarlinkConnection.connect(unixPath: path)
            let reply = try await connection.call("org.example.test.Big", BigParameters(bytes: 4 * 1024 * 1024))
            #expect(try reply.decode(EchoParameters.self).text.utf8.count == 4 * 1024 * 1024)
        }
    }
}
