import Foundation
import Testing
import Varlink

#if canImport(Glibc)
import Glibc
#endif

@Suite("NUL framing, limits and malformed input on real sockets")
struct FramingTests {
    @Test func frameSplitAcrossManyWrites() async throws {
        try await withServer(try makeTestService()) { path in
            let socket = try RawSocket(path: path)
            let call = Array((#"{"method":"org.example.test.Echo","parameters":{"text":"split ✓"}}"# + "\0").utf8)
            for byte in call {
                #expect(await socket.send([byte]))
            }
            #expect(try await socket.readMessage() == ["parameters": ["text": "split ✓"]])
        }
    }

    @Test func severalFramesInOneWrite() async throws {
        try await withServer(try makeTestService()) { path in
            let socket = try RawSocket(path: path)
            var calls = ""
            for number in 0..<10 {
                calls += #"{"method":"org.example.test.Add","parameters":{"a":\#(number),"b":1}}"# + "\0"
            }
            // ...and half of the next one, finished by a second write.
            calls += #"{"method":"org.example.test.Add","#
            #expect(await socket.send(calls))
            #expect(await socket.send(#""parameters":{"a":100,"b":1}}"# + "\0"))
            var sums: [VarlinkValue] = []
            for _ in 0..<11 { sums.append(try #require(try await socket.readMessage())["parameters"] ?? nil) }
            #expect(sums == (1...10).map { ["sum": .int(Int64($0))] } + [["sum": 101]])
        }
    }

    @Test func frameOverSixteenMebibytesClosesOnlyThatConnection() async throws {
        try await withServer(try makeTestService()) { path in
            let healthy = try await VarlinkConnection.connect(unixPath: path)
            _ = try await healthy.call("org.example.test.Echo", EchoParameters(text: "before"))

            let flooding = try RawSocket(path: path)
            let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 1024 * 1024)
            var sent = 0
            // 16 MiB of whitespace and one byte more, never a NUL: the server must give up and close.
            while sent <= varlinkMaximumMessageLength {
                guard await flooding.send(chunk) else { break }
                sent += chunk.count
            }
            #expect(await flooding.readUntilClosed())

            let reply = try await healthy.call("org.example.test.Echo", EchoParameters(text: "after"))
            #expect(try reply.decode(EchoParameters.self).text == "after")
        }
    }

    @Test func frameJustUnderTheLimitIsServed() async throws {
        try await withServer(try makeTestService()) { path in
            let socket = try RawSocket(path: path)
            let prefix = #"{"method":"org.example.test.Echo","parameters":{"text":""#
            let suffix = #""}}"#
            let limit = VarlinkServerLimits().maximumMessageLength  // the server's default
            let padding = limit - prefix.utf8.count - suffix.utf8.count
            let message =
                Array(prefix.utf8) + [UInt8](repeating: UInt8(ascii: "y"), count: padding) + Array(suffix.utf8) + [0]
            #expect(message.count == limit + 1)
            #expect(await socket.send(message))
            let reply = try #require(try await socket.readMessage())
            #expect(reply["parameters"]?.objectValue?["text"]?.stringValue?.utf8.count == padding)
        }
    }

    /// Messages that are not Varlink calls: each closes its connection without a reply.
    static let malformed: [String] = [
        #"{"method":"org.example.test.Echo""#,  // truncated JSON
        #"not json at all"#,
        #"[1,2,3]"#,
        #""#,
        #"{"parameters":{}}"#,  // no method
        #"{"method":42}"#,
        #"{"method":"org.example.test.Echo","parameters":[]}"#,
        #"{"method":"org.example.test.Echo","oneway":"yes"}"#,
        #"{"method":"a.b.C","method":"a.b.D"}"#,  // duplicate key
        #"{"method":"org.example.test.Echo"} trailing"#,
        #"{"method":"org.example.test.Echo","parameters":{"text":"\ud800"}}"#,  // lone surrogate
        String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
        #"{"method":"org.example.test.Echo","parameters":{"text":"\#u{01}"}}"#,  // raw control character
    ]

    @Test(arguments: malformed)
    func malformedMessageClosesItsConnectionOnly(message: String) async throws {
        try await withServer(try makeTestService()) { path in
            let healthy = try await VarlinkConnection.connect(unixPath: path)
            let bad = try RawSocket(path: path)
            #expect(await bad.send(message + "\0"))
            #expect(await bad.readFrame() == nil)
            let reply = try await healthy.call("org.example.test.Echo", EchoParameters(text: "fine"))
            #expect(try reply.decode(EchoParameters.self).text == "fine")
        }
    }

    @Test func invalidUTF8ClosesTheConnection() async throws {
        try await withServer(try makeTestService()) { path in
            let bad = try RawSocket(path: path)
            #expect(
                await bad.send(
                    Array(#"{"method":"org.example.test.Echo","parameters":{"text":""#.utf8) + [0xC3, 0x28]
                        + Array(#""}}"#.utf8) + [0]
                )
            )
            #expect(await bad.readFrame() == nil)
        }
    }

    @Test func escapedStringsAndUnknownMembersAreAccepted() async throws {
        try await withServer(try makeTestService()) { path in
            let socket = try RawSocket(path: path)
            #expect(
                await socket.send(
                    #"{"method":"org.example.test.Echo","parameters":{"text":"tab\there \"q\" \u00e9 \ud83d\ude00 \/"},"more":false,"oneway":null,"x-extension":[1,{"a":null}]}"#
                        + "\0"
                )
            )
            #expect(try await socket.readMessage() == ["parameters": ["text": "tab\there \"q\" é 😀 /"]])
        }
    }

    @Test func peerThatHalfClosesStillGetsItsReplies() async throws {
        try await withServer(try makeTestService()) { path in
            let socket = try RawSocket(path: path)
            var calls = ""
            for tag in 1...3 {
                calls += #"{"method":"org.example.test.Sleep","parameters":{"milliseconds":5,"tag":\#(tag)}}"# + "\0"
            }
            #expect(await socket.send(calls))
            #expect(shutdown(socket.fd, CInt(SHUT_WR)) == 0)
            for tag in 1...3 {
                #expect(try await socket.readMessage() == ["parameters": ["tag": .int(Int64(tag))]])
            }
            // Then the server closes the connection.
            #expect(await socket.readFrame() == nil)
        }
    }

    @Test func upgradeIsNotImplemented() async throws {
        try await withServer(try makeTestService()) { path in
            let socket = try RawSocket(path: path)
            #expect(
                await socket.send(
                    #"{"method":"org.example.test.Echo","parameters":{"text":"x"},"upgrade":true}"# + "\0"
                )
            )
            #expect(
                try await socket.readMessage() == [
                    "error": "org.varlink.service.MethodNotImplemented",
                    "parameters": ["method": "org.example.test.Echo"],
                ]
            )
        }
    }
}
