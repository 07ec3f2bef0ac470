import DepotService
import Foundation
import Logging
import Testing
import Varlink

/// Roles in-process: root is admin, a uid in no role group is refused, a method's minimum role is
/// enforced, an undeclared method is refused (fail closed). Real users and groups are exercised by
/// scripts/prod/roles.sh (make test-prod-roles).
@Suite struct AuthorizerTests {
    static let idl = """
        interface org.example.roles
        method Read() -> ()
        method Write() -> ()
        method Unguarded() -> ()
        """

    static func request(_ method: String, uid: UInt32, admission: DepotRole? = nil) -> VarlinkRequest {
        VarlinkRequest(
            method: "org.example.roles." + method,
            peer: VarlinkPeerCredentials(uid: uid, gid: uid, pid: 42),
            admission: admission
        )
    }

    /// The request as the service hands it to `authorize`: with the role `admit` found.
    static func admitted(_ method: String, uid: UInt32, by authorizer: Authorizer) throws -> VarlinkRequest {
        request(method, uid: uid, admission: try authorizer.admit(request(method, uid: uid)))
    }

    /// A uid with no passwd entry, hence no groups and no role.
    static let strangerUID: UInt32 = 3_999_999_999

    static func makeAuthorizer() throws -> Authorizer {
        let authorizer = Authorizer(groups: RoleGroups(), auditLogger: Logger(label: "test"))
        let noop: VarlinkMethodHandler = { _, responder in try await responder.reply() }
        _ = try authorizer.register(
            GuardedInterface(
                description: idl,
                methods: [
                    "Read": (.viewer, noop), "Write": (.admin, noop),
                ]
            )
        )
        return authorizer
    }

    @Test func rootIsAdminAndPassesEveryDeclaredMethod() throws {
        let authorizer = try Self.makeAuthorizer()
        #expect(authorizer.role(ofUID: 0) == .admin)
        #expect(try authorizer.admit(Self.request("Write", uid: 0)) == .admin)
        #expect(throws: Never.self) { try authorizer.authorize(Self.admitted("Read", uid: 0, by: authorizer)) }
        #expect(throws: Never.self) { try authorizer.authorize(Self.admitted("Write", uid: 0, by: authorizer)) }
    }

    @Test func uidWithoutRoleIsRefusedEvenForServiceCalls() throws {
        let authorizer = try Self.makeAuthorizer()
        #expect(authorizer.role(ofUID: Self.strangerUID) == nil)
        let info = VarlinkRequest(
            method: "org.varlink.service.GetInfo",
            peer: VarlinkPeerCredentials(uid: Self.strangerUID, gid: 0, pid: 1)
        )
        // The refusal says what is missing (the uid and the role groups), nothing about the service.
        let refused = #expect(throws: VarlinkError.self) { try authorizer.admit(info) }
        #expect(refused?.name == VarlinkError.permissionDenied.name)
        let names = DepotRole.allCases.map { RoleGroups().group(for: $0) }.joined(separator: ", ")
        #expect(
            refused?.parameters
                == [
                    "message": .string(
                        "uid \(Self.strangerUID) has no depot role: it is in none of the groups \(names)"
                    )
                ]
        )
        #expect(throws: VarlinkError.permissionDenied) {
            try authorizer.authorize(Self.request("Read", uid: Self.strangerUID))
        }
    }

    @Test func callsWithoutCredentialsAreRefused() throws {
        let authorizer = try Self.makeAuthorizer()
        let refused = #expect(throws: VarlinkError.self) {
            try authorizer.admit(VarlinkRequest(method: "org.example.roles.Read"))
        }
        #expect(refused?.name == VarlinkError.permissionDenied.name)
        #expect(refused?.parameters["message"]?.stringValue?.contains("SO_PEERCRED") == true)
    }

    @Test func methodWithoutDeclaredRoleIsRefused() throws {
        let authorizer = try Self.makeAuthorizer()
        #expect(throws: VarlinkError.permissionDenied) {
            try authorizer.authorize(Self.admitted("Unguarded", uid: 0, by: authorizer))
        }
    }

    /// authorize judges by the role admit found for the call and looks nothing up again: root
    /// admitted as viewer may read but not write; a call that was never admitted is refused.
    @Test func authorizeUsesTheRoleAdmitFound() throws {
        let authorizer = try Self.makeAuthorizer()
        #expect(throws: Never.self) { try authorizer.authorize(Self.request("Read", uid: 0, admission: .viewer)) }
        // A caller with a role is told what the call needs; the error name stays the standard one.
        let refused = #expect(throws: VarlinkError.self) {
            try authorizer.authorize(Self.request("Write", uid: 0, admission: .viewer))
        }
        #expect(refused?.name == VarlinkError.permissionDenied.name)
        #expect(refused?.parameters["method"] == .string("org.example.roles.Write"))
        #expect(refused?.parameters["role"] == .string("viewer"))
        #expect(refused?.parameters["required"] == .string("admin"))
        #expect(
            refused?.parameters["message"]
                == .string("org.example.roles.Write needs the admin role; the caller has viewer")
        )
        #expect(throws: Never.self) {
            try authorizer.authorize(Self.request("Write", uid: Self.strangerUID, admission: .admin))
        }
        #expect(throws: VarlinkError.permissionDenied) { try authorizer.authorize(Self.request("Read", uid: 0)) }
    }

    @Test func rolesAreOrdered() {
        #expect(DepotRole.allCases.sorted() == [.viewer, .operator, .clerk, .admin])
        #expect(RoleGroups().group(for: .operator) == "depot-operator")
    }
}
