import Foundation
import Inventory
import Logging
import TestSupport
import Testing
import Varlink

@testable import DepotService

/// `org.depot.admin.SealLedger` (`depotctl ledger seal`) in the authorizer's role table: only the
/// admin role may seal the ledger; viewer, operator and clerk are refused naming the role needed.
@Suite struct LedgerSealRoleTests {
    @Test func sealingTheLedgerNeedsTheAdminRole() throws {
        let directory = try TemporaryDirectory(prefix: "depot-seal-role")
        defer { directory.remove() }
        let key = try LedgerKey.create(path: directory.file("ledger.key"))
        let store = try InventoryStore(path: directory.file("d.sqlite"), ledgerKey: key)
        defer { try? store.close() }
        let authorizer = Authorizer(groups: RoleGroups(), auditLogger: Logger(label: "test"))
        let reloader = ConfigurationReloader(
            path: nil,
            settings: ConfigurationFile(),
            authorizer: authorizer,
            levelControl: nil,
            logger: Logger(label: "test")
        )
        let guarded = try AdminInterface(store: store, reloader: reloader).makeInterface()
        #expect(guarded.minimumRoles["SealLedger"] == .admin)
        _ = try authorizer.register(guarded)
        func request(_ role: DepotRole) -> VarlinkRequest {
            VarlinkRequest(
                method: "org.depot.admin.SealLedger",
                peer: VarlinkPeerCredentials(uid: 1000, gid: 1000, pid: 42),
                admission: role
            )
        }
        for role in [DepotRole.viewer, .operator, .clerk] {
            let refused = #expect(throws: VarlinkError.self) { try authorizer.authorize(request(role)) }
            #expect(refused?.name == VarlinkError.permissionDenied.name)
            #expect(refused?.parameters["required"] == .string("admin"), "\(role)")
        }
        #expect(throws: Never.self) { try authorizer.authorize(request(.admin)) }
    }
}
