import DepotAPI
import Foundation
import Testing
import Varlink
import VarlinkCodegen

/// The committed Swift types (Sources/DepotAPI/Generated) are exactly what the generator makes of
/// the IDL files, so the IDL, the service and depotctl cannot drift apart: a renamed field fails
/// here, and once regenerated, the build fails where the old name is used.
@Suite struct GeneratedFilesTests {
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/DepotAPI")

    @Test func committedFilesMatchTheGenerator() throws {
        let expected = try generatedFiles(idlDirectory: Self.sources.appendingPathComponent("Interfaces"))
        #expect(
            expected.map(\.name) == [
                "org.depot.admin.swift", "org.depot.counts.swift", "org.depot.inventory.swift",
                "org.depot.scanner.swift",
            ]
        )
        let generated = Self.sources.appendingPathComponent("Generated")
        let committed = try FileManager.default.contentsOfDirectory(atPath: generated.path).filter {
            $0.hasSuffix(".swift")
        }
        #expect(committed.sorted() == expected.map(\.name), "Generated/ holds files no IDL file makes")
        for file in expected {
            let text = try String(contentsOf: generated.appendingPathComponent(file.name), encoding: .utf8)
            if text != file.contents {
                let diff = zip(
                    text.split(separator: "\n", omittingEmptySubsequences: false),
                    file.contents.split(separator: "\n", omittingEmptySubsequences: false)
                )
                .enumerated().first { $0.element.0 != $0.element.1 }
                Issue.record(
                    """
                    \(file.name) is out of date with its IDL file (run `make codegen`); first difference at line \
                    \((diff?.offset ?? 0) + 1): committed "\(diff?.element.0 ?? "")", generated "\(diff?.element.1 ?? "")"
                    """
                )
            }
        }
    }

    @Test func embeddedIDLIsTheFileOnDisk() throws {
        for (name, text) in [
            ("org.depot.inventory", DepotAPI.inventoryDescription), ("org.depot.counts", DepotAPI.countsDescription),
            ("org.depot.scanner", DepotAPI.scannerDescription), ("org.depot.admin", DepotAPI.adminDescription),
        ] {
            let file = try String(
                contentsOf: Self.sources.appendingPathComponent("Interfaces/\(name).varlink"),
                encoding: .utf8
            )
            #expect(text == file, "\(name)")
        }
    }

    /// A renamed field changes the output, naming the new field (the check above can fail).
    @Test func aRenamedFieldChangesTheOutput() throws {
        let idl = DepotAPI.inventoryDescription
        let renamed = idl.replacingOccurrences(of: "type Lot (\n  sku: string,", with: "type Lot (\n  item: string,")
        #expect(renamed != idl)
        let before = try SwiftGenerator(idl: idl, sourceName: "org.depot.inventory.varlink").generate()
        let after = try SwiftGenerator(idl: renamed, sourceName: "org.depot.inventory.varlink").generate()
        #expect(before != after)
        #expect(after.contains("public var item: String"))
    }

    @Test(arguments: [
        ("org.example.a-b", "OrgExampleAB"), ("org.depot.inventory", "OrgDepotInventory"),
    ])
    func namespaceNames(interface: String, namespace: String) {
        #expect(SwiftGenerator.namespaceName(of: interface) == namespace)
    }

    @Test func typeMapping() throws {
        let idl = """
            # An example.
            interface org.example.types

            type Thing (
              flag: bool, count: int, ratio: float, text: string, any: object,
              maybe: ?int, list: []string, map: [string]int, kind: (plain, lot_status), default: ?[]Thing2
            )

            type Thing2 (x: int)

            # Says hello.
            method Hello(name: ?string) -> (thing: Thing)

            error Bad (field: string)
            """
        let text = try SwiftGenerator(idl: idl, sourceName: "x.varlink").generate()
        for expected in [
            "public enum OrgExampleTypes {", "/// An example.", "public var flag: Bool", "public var count: Int",
            "public var ratio: Double", "public var text: String", "public var any: VarlinkValue",
            "public var maybe: Int?",
            "public var list: [String]", "public var map: [String: Int]", "public var kind: Kind",
            "case lotStatus = \"lot_status\"", "public var `default`: [Thing2]?", "/// Says hello.",
            "public enum Hello: VarlinkMethod {", "public static let name = \"org.example.types.Hello\"",
            "public init(name: String? = nil) {", "public struct Bad: VarlinkDeclaredError, Equatable {",
            "public static let name = \"org.example.types.Bad\"",
        ] {
            #expect(text.contains(expected), "missing: \(expected)")
        }
    }
}

/// Every generated type reads and writes JSON the IDL accepts: a sample value of each method's
/// parameters and reply, and of each error, with every optional field present and with none, is
/// decoded into the generated type, encoded with depot's wire encoder, and must come back equal
/// and pass the Varlink module's type check (the one the service applies to calls).
@Suite struct GeneratedTypesTests {
    struct Interface: Sendable, CustomStringConvertible {
        var idl: String
        var methods: @Sendable () -> [any VarlinkMethod.Type]
        var errors: @Sendable () -> [any VarlinkDeclaredError.Type]
        var description: String { (try? VarlinkInterfaceDefinition(parsing: idl).name) ?? "?" }
    }

    static let interfaces: [Interface] = [
        Interface(
            idl: DepotAPI.inventoryDescription,
            methods: { OrgDepotInventory.methods },
            errors: { OrgDepotInventory.errors }
        ),
        Interface(
            idl: DepotAPI.countsDescription,
            methods: { OrgDepotCounts.methods },
            errors: { OrgDepotCounts.errors }
        ),
        Interface(
            idl: DepotAPI.scannerDescription,
            methods: { OrgDepotScanner.methods },
            errors: { OrgDepotScanner.errors }
        ),
        Interface(idl: DepotAPI.adminDescription, methods: { OrgDepotAdmin.methods }, errors: { OrgDepotAdmin.errors }),
    ]

    @Test(arguments: interfaces)
    func everyMemberHasItsType(interface: Interface) throws {
        let definition = try VarlinkInterfaceDefinition(parsing: interface.idl)
        #expect(
            interface.methods().map { $0.memberName } == definition.memberOrder.filter { definition.methods[$0] != nil }
        )
        #expect(
            interface.methods().map { $0.name } == interface.methods().map { definition.name + "." + $0.memberName }
        )
        #expect(
            interface.errors().map { $0.name }
                == definition.memberOrder.filter { definition.errors[$0] != nil }
                .map { definition.name + "." + $0 }
        )
    }

    @Test(arguments: interfaces)
    func samplesRoundTripAndFitTheIDL(interface: Interface) throws {
        let definition = try VarlinkInterfaceDefinition(parsing: interface.idl)
        var checked = 0
        for method in interface.methods() {
            let signature = try #require(definition.methods[method.memberName])
            checked += try Self.roundTrip(method, signature, definition)
        }
        for error in interface.errors() {
            let member = String(error.name.dropFirst(definition.name.count + 1))
            let fields = try #require(definition.errors[member])
            for full in [true, false] {
                let sample = Sample.object(fields, definition, full: full)
                let typed = try JSONDecoder().decode(error, from: sample.jsonData)
                try Self.expectFits(typed, sample, fields, definition, "\(error.name) (full: \(full))")
                let reply = VarlinkError(typed)
                #expect(reply.name == error.name)
                #expect(VarlinkValue.object(reply.parameters) == sample)
                checked += 1
            }
        }
        #expect(checked == 4 * definition.methods.count + 2 * definition.errors.count)
    }

    static func roundTrip<M: VarlinkMethod>(
        _: M.Type,
        _ signature: VarlinkMethodSignature,
        _ definition: VarlinkInterfaceDefinition
    ) throws -> Int {
        for full in [true, false] {
            let parameters = Sample.object(signature.input, definition, full: full)
            let typedParameters = try JSONDecoder().decode(M.Parameters.self, from: parameters.jsonData)
            try expectFits(
                typedParameters,
                parameters,
                signature.input,
                definition,
                "\(M.name) parameters (full: \(full))"
            )
            let reply = Sample.object(signature.output, definition, full: full)
            let typedReply = try JSONDecoder().decode(M.Reply.self, from: reply.jsonData)
            try expectFits(typedReply, reply, signature.output, definition, "\(M.name) reply (full: \(full))")
        }
        return 4
    }

    static func expectFits(
        _ typed: some Encodable,
        _ sample: VarlinkValue,
        _ fields: [VarlinkField],
        _ definition: VarlinkInterfaceDefinition,
        _ what: String
    ) throws {
        let encoded = try VarlinkValue(json: DepotAPI.makeEncoder().encode(typed))
        #expect(encoded == sample, "\(what): encoded differently from the sample")
        #expect(definition.firstMismatch(in: encoded, fields: fields) == nil, "\(what): does not fit the IDL")
    }

    /// The type check itself refuses what does not fit (so the checks above can fail).
    @Test func theTypeCheckRefusesAWrongReply() throws {
        let definition = try VarlinkInterfaceDefinition(parsing: DepotAPI.inventoryDescription)
        let fields = try #require(definition.methods["GetItem"]).output
        var item = Sample.object(fields, definition, full: true)
        #expect(definition.firstMismatch(in: item, fields: fields) == nil)
        item = [
            "item": [
                "sku": "A", "name": "B", "gtins": [], "policy": "lifo", "lotTracked": true,
                "expiryTracked": true, "minRemainingShelfLifeDays": 0,
            ]
        ]
        #expect(definition.firstMismatch(in: item, fields: fields) == "item")
        #expect(definition.firstMismatch(in: ["items": []], fields: fields) == "items")
    }
}

/// Sample JSON values of IDL types: every field set (`full`) or only the required ones.
enum Sample {
    static func object(_ fields: [VarlinkField], _ definition: VarlinkInterfaceDefinition, full: Bool) -> VarlinkValue {
        var object: [String: VarlinkValue] = [:]
        for field in fields {
            if case .optional = field.type, !full { continue }
            object[field.name] = value(field.type, definition, full: full, depth: 0)
        }
        return .object(object)
    }

    static func value(
        _ type: VarlinkType,
        _ definition: VarlinkInterfaceDefinition,
        full: Bool,
        depth: Int
    ) -> VarlinkValue {
        switch type {
        case .bool: return true
        case .int: return 7
        case .float: return 2.5
        case .string: return "text"
        case .object: return ["any": [1, "two"]]
        case .named(let name): return value(definition.types[name]!, definition, full: full, depth: depth + 1)
        case .enumeration(let names): return .string(names.last!)
        case .structure(let fields): return object(fields, definition, full: full)
        case .array(let element):
            return .array(depth > 8 ? [] : [value(element, definition, full: full, depth: depth + 1)])
        case .dictionary(let element):
            return .object(depth > 8 ? [:] : ["key": value(element, definition, full: full, depth: depth + 1)])
        case .optional(let wrapped): return value(wrapped, definition, full: full, depth: depth + 1)
        }
    }
}
