import Varlink

/// Decides a caller's ``DepotRole`` from its request (the peer credentials of its connection).
/// The application uses ``Authorizer/role(ofUID:)``; tests may pass their own.
public typealias DepotRoleResolver = @Sendable (VarlinkRequest) -> DepotRole
