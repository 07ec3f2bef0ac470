import ArgumentParser
import Foundation
import VarlinkCodegen

/// `varlink-codegen`: writes the Swift types of every IDL file in a directory (`make codegen`).
@main
struct VarlinkCodegenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "varlink-codegen",
        abstract: "Generate Swift types from Varlink interface definitions.",
        discussion: "Writes one <interface>.swift per .varlink file; files that are already current are left untouched."
    )

    @Option(help: "Directory of .varlink files.")
    var idl = "Sources/DepotAPI/Interfaces"

    @Option(help: "Directory the Swift files are written to.")
    var output = "Sources/DepotAPI/Generated"

    @Flag(help: "Write nothing; exit 1 when a generated file is missing or differs.")
    var check = false

    func run() throws {
        let files = try generatedFiles(idlDirectory: URL(fileURLWithPath: idl))
        let directory = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var stale: [String] = []
        for file in files {
            let url = directory.appendingPathComponent(file.name)
            let current = try? String(contentsOf: url, encoding: .utf8)
            guard current != file.contents else { continue }
            stale.append(file.name)
            if !check { try file.contents.write(to: url, atomically: true, encoding: .utf8) }
        }
        if check {
            guard stale.isEmpty else {
                print("out of date: \(stale.joined(separator: ", ")) (run `make codegen`)")
                throw ExitCode(1)
            }
        } else {
            print(stale.isEmpty ? "generated files are current" : "wrote \(stale.joined(separator: ", "))")
        }
    }
}
