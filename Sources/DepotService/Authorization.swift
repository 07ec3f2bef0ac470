// Roles on the control socket: who the peer is (SO_PEERCRED), which groups its uid belongs to
// (getgrouplist(3)), and the minimum role of each Varlink method.
import Foundation
import Logging
import Synchronization
import Varlink

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a peer may do, from least to most. Each Varlink method declares the minimum role it needs
/// (docs/operations.md, "Roles"); a higher role may do everything a lower one may.
public enum DepotRole: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// Reads: items, locations, stock, lots, orders, ledger, status.
    case viewer = 1
    /// Floor terminal work: receive, move, pick, create/pick/cancel orders.
    case `operator` = 2
    /// Corrections: stock adjustments, lot status, verify.
    case clerk = 3
    /// Master data and the service itself: items, locations, reload, backup.
    case admin = 4

    public static func < (lhs: DepotRole, rhs: DepotRole) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `viewer`, `operator`, `clerk` or `admin`.
    public var description: String {
        switch self {
        case .viewer: "viewer"
        case .operator: "operator"
        case .clerk: "clerk"
        case .admin: "admin"
        }
    }
}

/// The Unix group that grants each role (configuration `[roles]`). Defaults: `depot-admin`,
/// `depot-clerk`, `depot-operator`, `depot-viewer`.
public struct RoleGroups: Sendable, Equatable {
    /// Unix group granting the `admin` role; default `depot-admin`.
    public var admin = "depot-admin"
    /// Unix group granting the `clerk` role; default `depot-clerk`.
    public var clerk = "depot-clerk"
    /// Unix group granting the `operator` role; default `depot-operator`.
    public var `operator` = "depot-operator"
    /// Unix group granting the `viewer` role; default `depot-viewer`.
    public var viewer = "depot-viewer"

    /// The default group names.
    public init() {}

    /// The group of `role`.
    public func group(for role: DepotRole) -> String {
        switch role {
        case .admin: admin
        case .clerk: clerk
        case .operator: `operator`
        case .viewer: viewer
        }
    }
}

/// An interface together with the minimum role of each of its methods.
public struct GuardedInterface: Sendable {
    /// The interface as served.
    public let interface: VarlinkInterface
    /// Minimum role by unqualified method name; every method with a handler has one.
    public let minimumRoles: [String: DepotRole]

    /// Builds the interface from a table `method name: (minimum role, handler)`.
    /// - Throws: as ``VarlinkInterface/init(description:methods:)``.
    public init(description: String, methods: [String: (DepotRole, VarlinkMethodHandler)]) throws {
        interface = try VarlinkInterface(description: description, methods: methods.mapValues { $0.1 })
        minimumRoles = methods.mapValues { $0.0 }
    }
}

/// Decides each peer's role and each call's admission, and writes the audit log.
///
/// - root (uid 0) is admin; otherwise the highest role whose group (``RoleGroups``) contains the
///   peer's uid, by the uid's group list (getpwuid_r(3), getgrouplist(3), getgrnam_r(3)), read
///   once per call (by ``admit(_:)``, which hands the role on as the request's
///   ``VarlinkRequest/admission``) so group changes apply without a restart.
/// - A peer with no role is refused every call, `org.varlink.service` included, with
///   `org.varlink.service.PermissionDenied`; so is a call below its method's minimum role, before
///   its handler runs (nothing happens). Methods without a declared role are refused (fail closed).
/// - Every call whose minimum role is above viewer (those that change state or the service) is
///   logged at notice with `peer.uid`, `peer.pid`, `varlink.method` and `call.outcome`, and so is
///   every refusal, on the audit logger (label `depotd.audit`, which depotd keeps at notice
///   whatever the configured log level).
public final class Authorizer: Sendable {
    private let groups: Mutex<RoleGroups>
    private let minimumRoles: Mutex<[String: DepotRole]>
    private let logger: Logger

    /// The label of the audit logger.
    public static let auditLabel = "depotd.audit"

    /// Creates the authorizer with the configured role groups; audit lines go to `auditLogger`.
    public init(groups: RoleGroups, auditLogger: Logger = Logger(label: Authorizer.auditLabel)) {
        self.groups = Mutex(groups)
        self.minimumRoles = Mutex([:])
        self.logger = auditLogger
    }

    /// Replaces the role groups (configuration reload); calls after this use the new names.
    public func update(groups: RoleGroups) {
        self.groups.withLock { $0 = groups }
    }

    /// The role groups in force.
    public var roleGroups: RoleGroups { groups.withLock { $0 } }

    /// The role of a user id, or nil when it has none.
    public func role(ofUID uid: UInt32) -> DepotRole? {
        if uid == 0 { return .admin }
        let names = groups.withLock { $0 }
        let member = Self.groupIDs(ofUID: uid)
        for role in DepotRole.allCases.reversed() {
            if let gid = Self.groupID(named: names.group(for: role)), member.contains(gid) { return role }
        }
        return nil
    }

    /// Registers `guarded` and returns its interface with every handler wrapped for the audit log.
    public func register(_ guarded: GuardedInterface) throws -> VarlinkInterface {
        let name = guarded.interface.name
        minimumRoles.withLock { roles in
            for (method, role) in guarded.minimumRoles { roles[name + "." + method] = role }
        }
        let logger = self.logger
        let methods = guarded.interface.methods.mapValues { handler -> VarlinkMethodHandler in
            { request, responder in
                guard let role = guarded.minimumRoles[request.memberName], role > .viewer else {
                    try await handler(request, responder)
                    return
                }
                do {
                    try await handler(request, responder)
                    Self.audit(logger, request, outcome: "ok")
                } catch let error as VarlinkError {
                    Self.audit(logger, request, outcome: error.name)
                    throw error
                } catch {
                    // The name the caller gets (docs/operations.md: "ok or the error name").
                    Self.audit(logger, request, outcome: ErrorMapping.name(of: error))
                    throw error
                }
            }
        }
        return try VarlinkInterface(description: guarded.interface.description, methods: methods)
    }

    /// ``VarlinkService/admit``: the caller's role (the one lookup of the call); refuses peers
    /// without a role.
    /// - Throws: `org.varlink.service.PermissionDenied` for a peer without credentials or role,
    ///   with the parameter `message` saying what is missing: `uid 1000 has no depot role: it is
    ///   in none of the groups depot-viewer, depot-operator, depot-clerk, depot-admin` (the
    ///   configured names, lowest role first), or that the peer's credentials (`SO_PEERCRED`)
    ///   could not be read. Nothing about the service or its methods is said.
    public func admit(_ request: VarlinkRequest) throws(VarlinkError) -> DepotRole {
        guard let peer = request.peer else {
            logger.notice("Varlink peer refused: no credentials", metadata: Self.metadata(request))
            throw Self.noRole("the peer's credentials (SO_PEERCRED) could not be read, so it has no depot role")
        }
        guard let role = role(ofUID: peer.uid) else {
            logger.notice("Varlink peer refused: no depot role", metadata: Self.metadata(request))
            let names = groups.withLock { names in DepotRole.allCases.map { names.group(for: $0) } }
            throw Self.noRole(
                "uid \(peer.uid) has no depot role: it is in none of the groups \(names.joined(separator: ", "))"
            )
        }
        return role
    }

    /// `org.varlink.service.PermissionDenied` with `message`.
    static func noRole(_ message: String) -> VarlinkError {
        VarlinkError(name: VarlinkError.permissionDenied.name, parameters: ["message": .string(message)])
    }

    /// ``VarlinkService/authorize``: refuses calls below their method's minimum role, judged by
    /// the role ``admit(_:)`` found (``VarlinkRequest/depotRole``); a call without one is refused.
    /// - Throws: `org.varlink.service.PermissionDenied`; for a caller with a role, with the
    ///   parameters `message`, `method`, `role` (the caller's) and `required` (the method's minimum).
    public func authorize(_ request: VarlinkRequest) throws(VarlinkError) {
        let required = minimumRoles.withLock { $0[request.method] }
        guard let role = request.depotRole, let required, role >= required else {
            var metadata = Self.metadata(request)
            metadata["call.outcome"] = "\(VarlinkError.permissionDenied.name)"
            metadata["role.required"] = "\(required.map { "\($0)" } ?? "undeclared")"
            metadata["role.caller"] = "\(request.depotRole.map { "\($0)" } ?? "none")"
            logger.notice("Varlink call refused", metadata: metadata)
            guard let role = request.depotRole, let required else { throw .permissionDenied }
            // A peer with a role learns what the call needs (docs/varlink.md); one without a role
            // gets the bare standard error and learns nothing about the service.
            throw VarlinkError(
                name: VarlinkError.permissionDenied.name,
                parameters: [
                    "message": .string("\(request.method) needs the \(required) role; the caller has \(role)"),
                    "method": .string(request.method),
                    "role": .string("\(role)"),
                    "required": .string("\(required)"),
                ]
            )
        }
    }

    static func metadata(_ request: VarlinkRequest) -> Logger.Metadata {
        [
            "peer.uid": "\(request.peer.map { "\($0.uid)" } ?? "unknown")",
            "peer.pid": "\(request.peer.map { "\($0.pid)" } ?? "unknown")",
            "varlink.method": "\(request.method)",
        ]
    }

    static func audit(_ logger: Logger, _ request: VarlinkRequest, outcome: String) {
        var metadata = metadata(request)
        metadata["call.outcome"] = "\(outcome)"
        logger.notice("Varlink call", metadata: metadata)
    }

    /// The gid of group `name` (getgrnam_r(3)), nil when there is no such group.
    static func groupID(named name: String) -> gid_t? {
        var group = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return group.gr_gid
    }

    /// The uid's primary and supplementary groups (getpwuid_r(3), getgrouplist(3)); empty when
    /// the uid has no passwd entry.
    static func groupIDs(ofUID uid: UInt32) -> Set<gid_t> {
        var passwd = Glibc.passwd()
        var result: UnsafeMutablePointer<Glibc.passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(uid, &passwd, &buffer, buffer.count, &result) == 0, result != nil, let name = passwd.pw_name
        else { return [] }
        var count: CInt = 64
        while true {
            var gids = [gid_t](repeating: 0, count: Int(count))
            var found = count
            if getgrouplist(name, passwd.pw_gid, &gids, &found) >= 0 {
                return Set(gids.prefix(Int(found)))
            }
            guard found > count else { return [passwd.pw_gid] }
            count = found
        }
    }
}
