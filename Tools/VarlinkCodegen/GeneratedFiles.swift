// The set of generated files for a directory of IDL files: what `varlink-codegen` writes and what
// DepotAPITests compares with the committed files.
import Foundation
import Varlink

/// One generated Swift file.
public struct GeneratedFile: Sendable, Equatable {
    /// File name inside the output directory, e.g. `org.depot.inventory.swift`.
    public var name: String
    /// The whole file text.
    public var contents: String
}

/// Errors of ``generatedFiles(idlDirectory:)``.
public enum CodegenError: Error, Sendable, CustomStringConvertible {
    /// An IDL file did not parse.
    case invalidIDL(file: String, error: VarlinkIDLError)
    /// The directory holds no `.varlink` file.
    case noInterfaces(directory: String)

    /// A sentence naming the file or directory.
    public var description: String {
        switch self {
        case let .invalidIDL(file, error): "\(file): \(error)"
        case let .noInterfaces(directory): "no .varlink files in \(directory)"
        }
    }
}

/// The Swift files for every `*.varlink` file in `idlDirectory`, sorted by name: one file per
/// interface, named after the interface (``SwiftGenerator/fileName``).
///
/// - Throws: ``CodegenError`` for an invalid IDL file or an empty directory; Foundation's error
///   when the directory or a file cannot be read.
public func generatedFiles(idlDirectory: URL) throws -> [GeneratedFile] {
    let names = try FileManager.default.contentsOfDirectory(atPath: idlDirectory.path)
        .filter { $0.hasSuffix(".varlink") }.sorted()
    guard !names.isEmpty else { throw CodegenError.noInterfaces(directory: idlDirectory.path) }
    return try names.map { name in
        let text = try String(contentsOf: idlDirectory.appendingPathComponent(name), encoding: .utf8)
        do throws(VarlinkIDLError) {
            let generator = try SwiftGenerator(idl: text, sourceName: name)
            return GeneratedFile(name: generator.fileName, contents: generator.generate())
        } catch {
            throw CodegenError.invalidIDL(file: name, error: error)
        }
    }
}
