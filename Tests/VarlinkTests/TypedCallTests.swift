import Foundation
import Testing
import Varlink

/// Typed calls and handlers (`VarlinkMethod`), declared errors, and the admit gate's decision
/// travelling with the call to `authorize` and the handler (looked up once per call).
@Suite struct TypedCallTests {
    static let idl = """
        interface org.example.typed
        method Who(greeting: string) -> (text: string, admissions: int)
        error Refused (who: string)
        """

    enum Who: VarlinkMethod {
        static let name = "org.example.typed.Who"
        static let memberName = "Who"
        struct Parameters: Codable, Sendable { var greeting: String }
        struct Reply: Codable, Sendable, Equatable {
            var text: String
            var admissions: Int
        }
    }

    struct Refused: VarlinkDeclaredError, Equatable {
        static let name = "org.example.typed.Refused"
        var who: String
    }

    static func makeService(_ admissions: Counter) throws -> VarlinkService {
        let interface = try VarlinkInterface(
            description: idl,
            methods: [
                Who.memberName: VarlinkInterface.handler(Who.self) { parameters, request in
                    guard let who = request.admission as? String else { throw VarlinkError(Refused(who: "nobody")) }
                    if who == "mallory" { throw VarlinkError(Refused(who: who)) }
                    return Who.Reply(text: "\(parameters.greeting), \(who)", admissions: admissions.current)
                }
            ]
        )
        var service = VarlinkService(
            info: VarlinkServiceInfo(vendor: "v", product: "p", version: "1", url: "u"),
            interfaces: [interface]
        )
        service.admit = { request throws(VarlinkError) in
            admissions.increment()
            return request.peer.map { $0.uid == getuid() ? "ana" : "mallory" }
        }
        service.authorize = { request throws(VarlinkError) in
            guard request.admission as? String != nil else { throw .permissionDenied }
        }
        return service
    }

    @Test func admissionReachesAuthorizeAndTheHandlerOncePerCall() async throws {
        let admissions = Counter()
        try await withServer(try Self.makeService(admissions)) { path in
            let connection = try await VarlinkConnection.connect(unixPath: path)
            let first = try await connection.call(Who.self, .init(greeting: "hello"))
            #expect(first == Who.Reply(text: "hello, ana", admissions: 1))
            let second = try await connection.call(Who.self, .init(greeting: "hi"))
            #expect(second == Who.Reply(text: "hi, ana", admissions: 2))
        }
    }

    @Test func declaredErrorsTravelTyped() throws {
        let error = VarlinkError(Refused(who: "mallory"))
        #expect(error == VarlinkError(name: "org.example.typed.Refused", parameters: ["who": "mallory"]))
        #expect(error.decode(Refused.self) == Refused(who: "mallory"))
        #expect(VarlinkError.permissionDenied.decode(Refused.self) == nil)
    }

    @Test func aRequestWithoutAdmitHasNoAdmission() async throws {
        let admissions = Counter()
        var service = try Self.makeService(admissions)
        service.admit = nil
        service.authorize = nil
        try await withServer(service) { path in
            let connection = try await VarlinkConnection.connect(unixPath: path)
            let error = await #expect(throws: VarlinkError.self) {
                _ = try await connection.call(Who.self, .init(greeting: "x"))
            }
            #expect(error?.decode(Refused.self) == Refused(who: "nobody"))
        }
        #expect(admissions.current == 0)
    }
}
