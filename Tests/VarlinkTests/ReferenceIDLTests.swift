import Foundation
import TestSupport
import Testing
import Varlink

/// The `.varlink` files shipped with the Python `varlink` package (the reference peer), found
/// through `python3`; empty when Python or the package is missing.
let pythonReferenceIDLFiles: [String] = {
    let process: ChildProcess
    do {
        process = try ChildProcess(
            "/usr/bin/env",
            [
                ProcessInfo.processInfo.environment["PYTHON"] ?? "python3", "-c",
                "import glob, os, varlink; d = os.path.dirname(varlink.__file__); print('\\n'.join(sorted(glob.glob(d + '/*.varlink') + glob.glob(d + '/tests/*.varlink'))))",
            ],
            standardOutput: .pipe
        )
    } catch {
        return []
    }
    let data = process.output?.readDataToEndOfFile() ?? Data()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return [] }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}()

@Suite("Reference interface files")
struct ReferenceIDLTests {
    @Test(
        .enabled(
            if: Prerequisite.runs(!pythonReferenceIDLFiles.isEmpty),
            "needs the Python varlink package (scripts/install-deps.sh installs it)"
        )
    )
    func parsesEveryIDLFileOfThePythonReferencePeer() throws {
        try #require(!pythonReferenceIDLFiles.isEmpty, "the Python varlink package is not installed")
        #expect(pythonReferenceIDLFiles.contains { $0.hasSuffix("org.varlink.certification.varlink") })
        for file in pythonReferenceIDLFiles {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let definition = try VarlinkInterfaceDefinition(parsing: text)
            let expectedName = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            #expect(definition.name == expectedName, "\(file)")
            #expect(!definition.memberOrder.isEmpty, "\(file)")
        }
    }

    @Test(
        .enabled(
            if: Prerequisite.runs(pythonReferenceIDLFiles.contains { $0.hasSuffix("org.varlink.service.varlink") }),
            "needs the Python varlink package (scripts/install-deps.sh installs it)"
        )
    )
    func ourServiceInterfaceDeclaresWhatTheReferenceDeclares() throws {
        let file = try #require(pythonReferenceIDLFiles.first { $0.hasSuffix("org.varlink.service.varlink") })
        let reference = try VarlinkInterfaceDefinition(parsing: try String(contentsOfFile: file, encoding: .utf8))
        let ours = try VarlinkInterfaceDefinition(parsing: VarlinkService.serviceInterfaceDescription)
        #expect(ours.methods == reference.methods)
        for (name, fields) in reference.errors { #expect(ours.errors[name] == fields, "\(name)") }
    }
}
