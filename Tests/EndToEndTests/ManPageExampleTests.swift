import Foundation
import TestSupport
import Testing

/// The EXAMPLES of depotctl(1) (docs/man/depotctl.1.in, appended to the generated page by
/// scripts/prod/manpage.py) run as written against a fresh depotd, in order: each exits 0, and
/// the stock they leave is what they say (24 received, 6 picked, a blind count of 17 approved).
@Suite struct ManPageExampleTests {
    /// The example command lines: lines starting with `depotctl ` in the `.nf` blocks of EXAMPLES.
    static func exampleLines() throws -> [String] {
        let page = try String(
            contentsOfFile: BuiltProducts.packageRoot + "/docs/man/depotctl.1.in",
            encoding: .utf8
        )
        var lines: [String] = []
        var inExamples = false
        var inBlock = false
        for line in page.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix(".SH ") { inExamples = line == ".SH EXAMPLES" }
            if line == ".nf" { inBlock = true } else if line == ".fi" { inBlock = false }
            if inExamples && inBlock && line.hasPrefix("depotctl ") { lines.append(line) }
        }
        return lines
    }

    /// The generated pages (scripts/prod/manpage.py, as `make install` runs it) have a SYNOPSIS
    /// right after NAME, depotctl's with its global options and COMMAND, depotd's with its
    /// options; DESCRIPTION is the help text without argument-parser's "OVERVIEW:" label.
    @Test(arguments: [("depotctl", "1"), ("depotd", "8")])
    func theGeneratedPageHasASynopsisAndAPlainDescription(binary: String, section: String) throws {
        let directory = try TemporaryDirectory(prefix: "depot-man")
        defer { directory.remove() }
        let output = directory.file("\(binary).\(section)")
        let result = try Command.run(
            "/usr/bin/python3",
            [
                BuiltProducts.packageRoot + "/scripts/prod/manpage.py", BuiltProducts.executable(binary), section,
                output,
            ]
        )
        #expect(result.status == 0, "\(result)")
        let page = try String(contentsOfFile: output, encoding: .utf8)
        let sections = page.split(separator: "\n").filter { $0.hasPrefix(".SH ") }.map(String.init)
        #expect(Array(sections.prefix(3)) == [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION"], "\(sections)")
        #expect(sections.filter { $0 == ".SH SYNOPSIS" }.count == 1, "\(sections)")
        #expect(!page.contains("OVERVIEW:"), "\(page.prefix(600))")
        let synopsis = try #require(
            page.components(separatedBy: ".SH SYNOPSIS\n").last?.components(separatedBy: ".SH ").first
        )
        if binary == "depotctl" {
            #expect(synopsis.contains("[\\fB\\-\\-socket\\fR \\fIPATH\\fR]"), "\(synopsis)")
            #expect(synopsis.contains("\\fICOMMAND\\fR"), "\(synopsis)")
        } else {
            #expect(synopsis.contains("[\\fB\\-\\-database\\fR \\fIdatabase\\fR]"), "\(synopsis)")
            #expect(synopsis.contains("[\\fB\\-\\-socket\\fR \\fIsocket\\fR]"), "\(synopsis)")
        }
    }

    @Test func theManPageExamplesRunAsWritten() throws {
        let lines = try Self.exampleLines()
        #expect(lines.count >= 10, "\(lines)")
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let bin = (BuiltProducts.executable("depotctl") as NSString).deletingLastPathComponent
        for line in lines where !line.contains("--follow") {
            // Backups go to the test's directory instead of /var/backups/depot.
            let command = line.replacingOccurrences(of: "/var/backups/depot/", with: daemon.directory.path + "/")
            let result = try Command.run(
                "/bin/sh",
                ["-c", command],
                environment: ["PATH": bin + ":/usr/bin:/bin", "DEPOT_SOCKET": daemon.socketPath]
            )
            #expect(result.status == 0, "\(command): \(result)")
        }
        let stock = try CLITests.json(CLITests.expectOK(daemon.ctl("stock", "--item", "MILK", "--json")))
        let quantities = (stock["balances"] as? [[String: Any]])?.compactMap { $0["quantity"] as? Int }
        #expect(quantities == [17], "24 received, 6 picked, counted 17 and approved: \(stock)")
    }
}
