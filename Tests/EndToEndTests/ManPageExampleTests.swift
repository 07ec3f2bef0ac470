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
