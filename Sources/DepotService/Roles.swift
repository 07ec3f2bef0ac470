import Varlink

/// What a caller of depotd's socket may do, lowest to highest (issue 7): a viewer looks, an
/// operator counts, picks and receives, a clerk approves counts, an admin may do everything.
public enum DepotRole: Int, Comparable, Sendable {
    case viewer, `operator`, clerk, admin

    public static func < (lhs: DepotRole, rhs: DepotRole) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The caller's role, decided from the peer credentials of its connection (SO_PEERCRED).
/// For now root is admin and everyone else an operator; issue 7 replaces this with the
/// group-based rule (`depot-admin`, `depot-clerk`, `depot-operator`, `depot-viewer`).
public typealias DepotRoleResolver = @Sendable (VarlinkRequest) -> DepotRole

/// The interim resolver: uid 0 → admin, any other peer (or none) → operator.
public let peerRole: DepotRoleResolver = { request in
    request.peer?.uid == 0 ? .admin : .operator
}
