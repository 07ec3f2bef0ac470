// A small interface served by the server tests, with handlers covering each reply shape.
import Foundation
import Varlink

let testInterfaceDescription = """
    # Interface for the Varlink module's own tests.
    interface org.example.test

    type Item (sku: string, quantity: int, note: ?string)

    # Returns its input.
    method Echo(text: string) -> (text: string)
    method Add(a: int, b: int) -> (sum: int)
    # Streams 1...upTo; called with "more".
    method Count(upTo: int) -> (number: int)
    # Sleeps, then returns the tag (to check reply order).
    method Sleep(milliseconds: int, tag: int) -> (tag: int)
    method Record(tag: int) -> ()
    method Fail(kind: string) -> ()
    method Wait() -> ()
    method Silent() -> ()
    method Peer() -> (uid: int, gid: int, pid: int)
    method StreamAlways() -> (number: int)
    method Store(item: Item) -> (stored: string)
    method Unimplemented() -> ()
    method Big(bytes: int) -> (text: string)
    # Sends one reply, then waits for the peer to leave.
    method Subscribe() -> (position: int)
    # Sends one reply, then fails while racing its work against the peer leaving.
    method FailWhileWatching() -> (position: int)

    error Broken (reason: string)
    """

struct EchoParameters: Codable, Sendable { var text: String }
struct AddParameters: Codable, Sendable {
    var a: Int
    var b: Int
}
struct SumReply: Codable, Sendable { var sum: Int }
struct NumberReply: Codable, Sendable { var number: Int }
struct TagParameters: Codable, Sendable {
    var milliseconds: Int?
    var tag: Int
}
struct TagReply: Codable, Sendable { var tag: Int }
struct KindParameters: Codable, Sendable { var kind: String }
struct PeerReply: Codable, Sendable {
    var uid: UInt32
    var gid: UInt32
    var pid: Int32
}
struct Item: Codable, Sendable {
    var sku: String
    var quantity: Int
    var note: String?
}
struct StoreParameters: Codable, Sendable { var item: Item }
struct StoredReply: Codable, Sendable { var stored: String }
struct BigParameters: Codable, Sendable { var bytes: Int }
struct NoParameters: Codable, Sendable {}

struct InternalFailure: Error {}

/// Handlers record what reached them here.
final class TestRecorder: Sendable {
    let recorded = Counter()
    let gate = Gate()
    let waitStarted = Gate()
    let sleepStarted = Gate()
    /// Opened when Subscribe saw the peer leave and its next reply failed as it should.
    let subscriptionEnded = Gate()
}

func makeTestInterface(_ recorder: TestRecorder = TestRecorder()) throws -> VarlinkInterface {
    try VarlinkInterface(
        description: testInterfaceDescription,
        methods: [
            "Echo": { request, responder in
                let parameters = try request.decodeParameters(EchoParameters.self)
                try await responder.reply(parameters)
            },
            "Add": VarlinkInterface.handler { (parameters: AddParameters, _) in
                SumReply(sum: parameters.a + parameters.b)
            },
            "Count": { request, responder in
                let upTo = try request.decodeParameters([String: Int].self)["upTo"] ?? 0
                for number in 1...max(upTo, 1) {
                    try await responder.reply(NumberReply(number: number), continues: request.more && number < upTo)
                }
            },
            "Sleep": { request, responder in
                let parameters = try request.decodeParameters(TagParameters.self)
                recorder.sleepStarted.open()
                try await Task.sleep(for: .milliseconds(parameters.milliseconds ?? 0))
                try await responder.reply(TagReply(tag: parameters.tag))
            },
            "Record": { request, responder in
                _ = try request.decodeParameters(TagParameters.self)
                recorder.recorded.increment()
                try await responder.reply()
            },
            "Fail": { request, _ in
                switch try request.decodeParameters(KindParameters.self).kind {
                case "typed": throw VarlinkError(name: "org.example.test.Broken", parameters: ["reason": "asked to"])
                default: throw InternalFailure()
                }
            },
            "Wait": { _, responder in
                recorder.waitStarted.open()
                await recorder.gate.wait()
                try await responder.reply()
            },
            "Silent": { _, _ in },
            "FailWhileWatching": { _, responder in
                try await responder.reply(["position": 1] as VarlinkValue, continues: true)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(50))
                        throw VarlinkError(name: "org.example.test.Broken", parameters: ["reason": "behind"])
                    }
                    group.addTask { await responder.waitUntilClosed() }
                    _ = try await group.next()
                    group.cancelAll()
                }
            },
            "Peer": { request, responder in
                guard let peer = request.peer else {
                    throw VarlinkError(name: "org.example.test.Broken", parameters: ["reason": "no peer"])
                }
                try await responder.reply(PeerReply(uid: peer.uid, gid: peer.gid, pid: peer.pid))
            },
            "StreamAlways": { _, responder in
                try await responder.reply(NumberReply(number: 1), continues: true)
                try await responder.reply(NumberReply(number: 2))
            },
            "Store": { request, responder in
                let item = try request.decodeParameters(StoreParameters.self).item
                try await responder.reply(StoredReply(stored: "\(item.sku)x\(item.quantity)"))
            },
            "Subscribe": { _, responder in
                try await responder.reply(["position": 1] as VarlinkValue, continues: true)
                await responder.waitUntilClosed()
                do {
                    try await responder.reply(["position": 2] as VarlinkValue, continues: true)
                } catch VarlinkResponderError.connectionClosed {
                    if responder.isClosed { recorder.subscriptionEnded.open() }
                }
            },
            "Big": { request, responder in
                let bytes = try request.decodeParameters(BigParameters.self).bytes
                try await responder.reply(EchoParameters(text: String(repeating: "x", count: bytes)))
            },
        ]
    )
}

func makeTestService(_ recorder: TestRecorder = TestRecorder(), validates: Bool = true) throws -> VarlinkService {
    var service = VarlinkService(info: testInfo, interfaces: [try makeTestInterface(recorder)])
    service.validatesParameters = validates
    return service
}
