import Varlink

extension VarlinkRequest {
    /// The caller's role as ``Authorizer/admit(_:)`` found it for this call (carried in
    /// ``VarlinkRequest/admission``), nil when no admit gate ran. Handlers use this instead of
    /// looking the peer up again.
    public var depotRole: DepotRole? { admission as? DepotRole }
}
