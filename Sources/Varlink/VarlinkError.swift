import Foundation

/// One Varlink error reply: a fully-qualified error name and its parameters object
/// (varlink.org, "Protocol": a reply with an `error` member).
///
/// Throw it from a method handler to send it; the client side throws it when the service
/// answers with an error. The standard errors are those of the `org.varlink.service` interface.
public struct VarlinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fully-qualified error name, e.g. `org.varlink.service.InvalidParameter`.
    public var name: String
    /// The error's parameters, as declared for it in the interface's IDL.
    public var parameters: [String: VarlinkValue]

    /// Creates an error reply.
    public init(name: String, parameters: [String: VarlinkValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    /// `org.varlink.service.InvalidParameter(parameter)`: one of the call's parameters is missing,
    /// has the wrong type or an unacceptable value; `parameter` names it.
    public static func invalidParameter(_ parameter: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.InvalidParameter", parameters: ["parameter": .string(parameter)])
    }

    /// `org.varlink.service.MethodNotFound(method)`: the interface has no such method.
    public static func methodNotFound(_ method: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.MethodNotFound", parameters: ["method": .string(method)])
    }

    /// `org.varlink.service.MethodNotImplemented(method)`: the interface declares the method but
    /// the service has no handler for it (also sent for `upgrade` calls, which this library does not support).
    public static func methodNotImplemented(_ method: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.MethodNotImplemented", parameters: ["method": .string(method)])
    }

    /// `org.varlink.service.InterfaceNotFound(interface)`: the service does not serve that interface.
    public static func interfaceNotFound(_ interface: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.InterfaceNotFound", parameters: ["interface": .string(interface)])
    }

    /// `org.varlink.service.PermissionDenied`: the caller may not call this method.
    public static let permissionDenied = VarlinkError(name: "org.varlink.service.PermissionDenied")

    /// `org.varlink.service.ExpectedMore`: the method streams replies, so the call must set `more`.
    public static func expectedMore() -> VarlinkError {
        VarlinkError(name: "org.varlink.service.ExpectedMore")
    }

    /// Name of the error the server sends on a connection it refuses for a connection cap,
    /// before it closes that connection (not part of the varlink.org standard set). Parameters:
    /// `reason` (a sentence), `limit` (the cap, in connections) and, for the per-uid cap, `uid`.
    public static let connectionRefusedName = "org.varlink.service.ConnectionRefused"

    /// Name of the error ``VarlinkService/mapError`` sends by default for a failure that is not a
    /// `VarlinkError` (not part of the varlink.org standard set; its parameters are empty so no
    /// internal detail leaks to the peer).
    public static let internalErrorName = "org.varlink.service.InternalError"

    /// The default error for a failure inside the service that the peer cannot act on.
    public static let internalError = VarlinkError(name: internalErrorName)

    /// Decodes ``parameters`` into `type` with `JSONDecoder`.
    ///
    /// - Throws: `DecodingError` when the parameters do not fit `type`.
    public func decodeParameters<T: Decodable>(_ type: T.Type) throws -> T {
        try Envelope.decoder.decode(T.self, from: VarlinkValue.object(parameters).jsonData)
    }

    /// The name followed by the parameters as JSON, e.g.
    /// `org.varlink.service.InvalidParameter {"parameter":"quantity"}`.
    public var description: String {
        parameters.isEmpty
            ? name
            : "\(name) \(String(decoding: VarlinkValue.object(parameters).jsonData, as: UTF8.self))"
    }
}
