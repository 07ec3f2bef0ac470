import Foundation
import Logging

/// An interface as served: its IDL text (what `GetInterfaceDescription` returns) and handlers.
public struct VarlinkInterface: Sendable {
    /// The IDL text exactly as given.
    public let description: String
    /// The parsed IDL.
    public let definition: VarlinkInterfaceDefinition
    /// Handlers by unqualified method name.
    public let methods: [String: VarlinkMethodHandler]

    /// The interface name from the IDL, e.g. `org.depot.inventory`.
    public var name: String { definition.name }

    /// Parses `description` and attaches `methods` (keyed by unqualified method name).
    /// Methods the IDL declares without a handler answer `MethodNotImplemented`.
    ///
    /// - Throws: ``VarlinkIDLError`` when the IDL is invalid; ``VarlinkInterfaceError`` when a
    ///   handler names a method the IDL does not declare.
    public init(description: String, methods: [String: VarlinkMethodHandler]) throws {
        let definition = try VarlinkInterfaceDefinition(parsing: description)
        for name in methods.keys.sorted() where definition.methods[name] == nil {
            throw VarlinkInterfaceError.handlerForUndeclaredMethod(interface: definition.name, method: name)
        }
        self.description = description
        self.definition = definition
        self.methods = methods
    }
}

extension VarlinkInterface {
    /// Makes a handler for a method that answers with exactly one reply: decodes the call's
    /// parameters as `Input` (``VarlinkError/invalidParameter(_:)`` naming the parameter on
    /// failure), runs `body`, and replies with its result. Errors `body` throws are sent as
    /// usual (see ``VarlinkMethodHandler``).
    ///
    /// ```swift
    /// "Add": VarlinkInterface.handler { (input: AddInput, _) in AddOutput(sum: input.a + input.b) }
    /// ```
    public static func handler<Input: Decodable & Sendable, Output: Encodable & Sendable>(
        _ body: @escaping @Sendable (Input, VarlinkRequest) async throws -> Output
    ) -> VarlinkMethodHandler {
        { request, responder in
            let input = try request.decodeParameters(Input.self)
            try await responder.reply(try await body(input, request))
        }
    }
}

/// Registration errors of ``VarlinkInterface`` and ``VarlinkService``.
public enum VarlinkInterfaceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A handler was given for a method the interface's IDL does not declare.
    case handlerForUndeclaredMethod(interface: String, method: String)

    /// A sentence naming the interface and the method.
    public var description: String {
        switch self {
        case .handlerForUndeclaredMethod(let interface, let method):
            "handler given for method '\(method)', which interface \(interface) does not declare"
        }
    }
}

/// What `org.varlink.service.GetInfo` reports about the service.
public struct VarlinkServiceInfo: Sendable, Equatable {
    /// Who makes the service, e.g. "depot".
    public var vendor: String
    /// The product name.
    public var product: String
    /// The product version.
    public var version: String
    /// A URL with more information.
    public var url: String
    /// Creates the info.
    public init(vendor: String, product: String, version: String, url: String) {
        self.vendor = vendor
        self.product = product
        self.version = version
        self.url = url
    }
}

/// The registry of served interfaces. Answers `org.varlink.service` (GetInfo,
/// GetInterfaceDescription) itself and routes every other call to its handler.
///
/// Order of checks for each call: ``admit``, method name grammar and interface (`InterfaceNotFound`),
/// method (`MethodNotFound`, `MethodNotImplemented`), parameters against the IDL when
/// ``validatesParameters`` (`InvalidParameter`), ``authorize``, then the handler.
public struct VarlinkService: Sendable {
    /// Service info for GetInfo.
    public let info: VarlinkServiceInfo
    /// Served interfaces by name (without `org.varlink.service`).
    public let interfaces: [String: VarlinkInterface]
    /// Interface names in registration order, `org.varlink.service` first (GetInfo's list).
    public let interfaceNames: [String]

    /// Turns an error thrown by a handler that is not a ``VarlinkError`` into the error reply.
    /// The server logs the original error (at `info`, message "Varlink handler failed").
    /// Default: ``VarlinkError/internalError`` (`org.varlink.service.InternalError`, no parameters).
    public var mapError: @Sendable (any Error) -> VarlinkError = { _ in .internalError }

    /// Gate called before every call's handler, except calls to `org.varlink.service` (whose
    /// information is public by design). Throw a ``VarlinkError`` (e.g. ``VarlinkError/permissionDenied``) to refuse.
    public var authorize: (@Sendable (VarlinkRequest) throws(VarlinkError) -> Void)?

    /// Gate called before every call, `org.varlink.service` included, before any other check:
    /// refuses peers that may not use the service at all (e.g. by their SO_PEERCRED credentials).
    /// Throw a ``VarlinkError`` (e.g. ``VarlinkError/permissionDenied``) to refuse. What it returns
    /// (e.g. the caller's role) travels with the call as ``VarlinkRequest/admission`` to
    /// ``authorize`` and the handler, so the caller is looked up once per call.
    public var admit: (@Sendable (VarlinkRequest) throws(VarlinkError) -> (any Sendable)?)?

    /// Check each call's parameters against the method's input type in the IDL before the handler
    /// runs: unknown field, missing non-optional field or wrong JSON type answers
    /// `InvalidParameter(parameter: <top-level field>)`. Default true.
    public var validatesParameters = true

    /// Creates the registry. A later interface with the same name as an earlier one replaces it.
    public init(info: VarlinkServiceInfo, interfaces: [VarlinkInterface]) {
        self.info = info
        var byName: [String: VarlinkInterface] = [:]
        var names = [Self.serviceInterfaceName]
        for interface in interfaces where interface.name != Self.serviceInterfaceName {
            if byName.updateValue(interface, forKey: interface.name) == nil { names.append(interface.name) }
        }
        self.interfaces = byName
        self.interfaceNames = names
    }

    static let serviceInterfaceName = "org.varlink.service"

    /// The IDL of `org.varlink.service` (varlink.org, "Service").
    public static let serviceInterfaceDescription = """
        # The Varlink Service Interface is provided by every varlink service. It
        # describes the service and the interfaces it implements.
        interface org.varlink.service

        # Get a list of all the interfaces a service provides and information
        # about the implementation.
        method GetInfo() -> (
          vendor: string,
          product: string,
          version: string,
          url: string,
          interfaces: []string
        )

        # Get the description of an interface that is implemented by this service.
        method GetInterfaceDescription(interface: string) -> (description: string)

        # The requested interface was not found.
        error InterfaceNotFound (interface: string)

        # The requested method was not found
        error MethodNotFound (method: string)

        # The interface defines the requested method, but the service does not
        # implement it.
        error MethodNotImplemented (method: string)

        # One of the passed parameters is invalid.
        error InvalidParameter (parameter: string)

        # Client is denied access
        error PermissionDenied ()

        # Method is expected to be called with 'more' set to true, but wasn't
        # called with 'more' set to true.
        error ExpectedMore ()

        """

    static let serviceDefinition = try! VarlinkInterfaceDefinition(parsing: serviceInterfaceDescription)

    private struct GetInfoReply: Encodable, Sendable {
        var vendor, product, version, url: String
        var interfaces: [String]
    }

    private struct GetInterfaceDescriptionParameters: Decodable {
        var interface: String
    }

    private struct GetInterfaceDescriptionReply: Encodable, Sendable {
        var description: String
    }

    /// Answers one call: routes it and turns failures into error replies. Never throws; errors that
    /// cannot be delivered (peer gone) are logged at debug.
    func dispatch(_ request: VarlinkRequest, responder: VarlinkResponder, logger: Logger) async {
        do {
            try await route(request, responder: responder, logger: logger)
            if !responder.isAnswered && !request.oneway {
                logger.info(
                    "Varlink handler returned without replying",
                    metadata: ["varlink.method": "\(request.method)"]
                )
                try await responder.fail(
                    mapError(VarlinkResponderError.handlerReturnedWithoutReply(method: request.method))
                )
            }
        } catch {
            let varlinkError: VarlinkError
            if let error = error as? VarlinkError {
                varlinkError = error
            } else if let error = error as? VarlinkResponderError {
                logger.debug(
                    "Varlink reply not delivered",
                    metadata: ["varlink.method": "\(request.method)", "varlink.error": "\(error)"]
                )
                return
            } else if error is CancellationError, Task.isCancelled {
                // The connection closed (or the server stops): nobody is there to answer.
                logger.debug("Varlink call cancelled", metadata: ["varlink.method": "\(request.method)"])
                return
            } else {
                logger.info(
                    "Varlink handler failed",
                    metadata: ["varlink.method": "\(request.method)", "varlink.error": "\(error)"]
                )
                varlinkError = mapError(error)
            }
            guard !responder.isAnswered else {
                logger.debug(
                    "Varlink error after the final reply",
                    metadata: ["varlink.method": "\(request.method)", "varlink.error": "\(varlinkError)"]
                )
                return
            }
            do {
                try await responder.fail(varlinkError)
            } catch {
                logger.debug(
                    "Varlink reply not delivered",
                    metadata: ["varlink.method": "\(request.method)", "varlink.error": "\(error)"]
                )
            }
        }
    }

    private func route(_ request: VarlinkRequest, responder: VarlinkResponder, logger: Logger) async throws {
        var request = request
        if let admit { request.admission = try admit(request) }
        let interfaceName = request.interface
        let member = request.memberName
        // Registered names come from checked IDL, so the grammar only needs checking on a miss.

        if interfaceName == Self.serviceInterfaceName {
            guard let signature = Self.serviceDefinition.methods[member] else {
                throw VarlinkError.methodNotFound(request.method)
            }
            if validatesParameters {
                try ParameterValidator.validate(request.parameters, signature, Self.serviceDefinition)
            }
            switch member {
            case "GetInfo":
                try await responder.reply(
                    GetInfoReply(
                        vendor: info.vendor,
                        product: info.product,
                        version: info.version,
                        url: info.url,
                        interfaces: interfaceNames
                    )
                )
            default:
                let parameters = try request.decodeParameters(GetInterfaceDescriptionParameters.self)
                let description: String
                if parameters.interface == Self.serviceInterfaceName {
                    description = Self.serviceInterfaceDescription
                } else if let interface = interfaces[parameters.interface] {
                    description = interface.description
                } else {
                    throw VarlinkError.interfaceNotFound(parameters.interface)
                }
                try await responder.reply(GetInterfaceDescriptionReply(description: description))
            }
            return
        }

        guard let interface = interfaces[interfaceName] else { throw VarlinkError.interfaceNotFound(interfaceName) }
        guard let signature = interface.definition.methods[member] else {
            throw VarlinkError.methodNotFound(request.method)
        }
        // (Names that break the grammar never match a registered one, so they end up above too:
        // a bad interface name as InterfaceNotFound, a bad member name as MethodNotFound.)
        guard let handler = interface.methods[member] else { throw VarlinkError.methodNotImplemented(request.method) }
        if validatesParameters { try ParameterValidator.validate(request.parameters, signature, interface.definition) }
        try authorize?(request)
        try await handler(request, responder)
    }
}

/// Checks a parameters object against a method's input struct.
enum ParameterValidator {
    static func validate(
        _ parameters: Data,
        _ signature: VarlinkMethodSignature,
        _ definition: VarlinkInterfaceDefinition
    ) throws(VarlinkError) {
        let value: VarlinkValue
        do {
            value = try VarlinkValue(json: parameters)
        } catch {
            throw .invalidParameter("parameters")
        }
        guard case .object(let object) = value else { throw .invalidParameter("parameters") }
        for key in object.keys.sorted() where !signature.input.contains(where: { $0.name == key }) {
            throw .invalidParameter(key)
        }
        for field in signature.input {
            guard matches(object[field.name], field.type, definition, depth: 0) else {
                throw .invalidParameter(field.name)
            }
        }
    }

    /// Whether `value` (nil: absent) fits `type`.
    static func matches(
        _ value: VarlinkValue?,
        _ type: VarlinkType,
        _ definition: VarlinkInterfaceDefinition,
        depth: Int
    ) -> Bool {
        guard depth < 64 else { return false }
        if case .optional(let wrapped) = type {
            guard let value, value != .null else { return true }
            return matches(value, wrapped, definition, depth: depth + 1)
        }
        guard let value else { return false }
        switch (type, value) {
        case (.object, _): return true
        case (.bool, .bool), (.int, .int), (.float, .int), (.float, .double), (.string, .string): return true
        case (.named(let name), _):
            guard let resolved = definition.types[name] else { return false }
            return matches(value, resolved, definition, depth: depth + 1)
        case (.enumeration(let names), .string(let string)): return names.contains(string)
        case (.structure(let fields), .object(let object)):
            guard object.keys.allSatisfy({ key in fields.contains { $0.name == key } }) else { return false }
            return fields.allSatisfy { matches(object[$0.name], $0.type, definition, depth: depth + 1) }
        case (.array(let element), .array(let array)):
            return array.allSatisfy { matches($0, element, definition, depth: depth + 1) }
        case (.dictionary(let element), .object(let object)):
            return object.values.allSatisfy { matches($0, element, definition, depth: depth + 1) }
        default: return false
        }
    }
}

extension VarlinkInterfaceDefinition {
    /// Checks a JSON object against a struct's fields (a method's input or output, an error's
    /// parameters) by the rules the service applies to call parameters: no unknown field, every
    /// non-optional field present, every value of its declared type (`int` an integer, `float` any
    /// number, enum values among the declared names, named types resolved in this interface).
    ///
    /// - Returns: nil when `value` fits; otherwise the name of the first top-level field (in key
    ///   order for unknown fields, then in declaration order) that does not, or `parameters` when
    ///   `value` is not an object.
    public func firstMismatch(in value: VarlinkValue, fields: [VarlinkField]) -> String? {
        guard case .object(let object) = value else { return "parameters" }
        for key in object.keys.sorted() where !fields.contains(where: { $0.name == key }) { return key }
        for field in fields where !ParameterValidator.matches(object[field.name], field.type, self, depth: 0) {
            return field.name
        }
        return nil
    }
}
