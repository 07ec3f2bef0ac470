import Foundation
import TestSupport
import Testing

/// What an admin expects of any Linux daemon and its CLI: `--version`, global options before the
/// subcommand (as with systemctl or varlinkctl), a database from a newer depot refused by name, and
/// a backup into a missing directory explained.
@Suite(.serialized) struct CLIConventionsTests {
    @Test func bothBinariesPrintTheirVersion() throws {
        for binary in ["depotd", "depotctl"] {
            let result = try Command.run(BuiltProducts.executable(binary), ["--version"])
            #expect(result.status == 0, "\(binary): \(result)")
            let version = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(version.split(separator: ".").count == 3, "\(binary) printed \(version)")
            #expect(version.allSatisfy { $0.isNumber || $0 == "." }, "\(binary) printed \(version)")
        }
    }

    @Test func globalOptionsMayComeBeforeTheSubcommand() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let depotctl = BuiltProducts.executable("depotctl")
        let before = try Command.run(depotctl, ["--json", "--socket", daemon.socketPath, "status"])
        #expect(before.status == 0, "\(before)")
        let status = try CLITests.json(before)
        #expect(status["durability"] as? String == "full")
        // The table names both versions: the daemon's (from org.varlink.service.GetInfo) and depotctl's.
        let version = try Command.run(BuiltProducts.executable("depotctl"), ["--version"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let table = try Command.run(depotctl, ["--socket", daemon.socketPath, "status"])
        #expect(table.stdout.hasPrefix("version: depotd \(version); depotctl \(version)\n"), "\(table)")
        let equals = try Command.run(
            depotctl,
            ["--socket=\(daemon.socketPath)", "item", "add", "BOLT", "--name", "Bolt M8"]
        )
        #expect(equals.status == 0, "\(equals)")
        let mixed = try Command.run(depotctl, ["--json", "item", "show", "BOLT", "--socket", daemon.socketPath])
        #expect(mixed.status == 0, "\(mixed)")
        #expect((try CLITests.json(mixed)["item"] as? [String: Any])?["sku"] as? String == "BOLT", "\(mixed)")
        let alone = try Command.run(depotctl, ["--json"])
        #expect(alone.status == 2, "a global option without a subcommand is a usage error: \(alone)")
    }

    /// `--socket` is a global option, so the commands that need no daemon take it too (and ignore
    /// it), before or after the subcommand: `label commands` and `barcode parse`.
    @Test func commandsWithoutADaemonAcceptAndIgnoreTheSocketOption() throws {
        let directory = try TemporaryDirectory(prefix: "depot-socket-option")
        defer { directory.remove() }
        let depotctl = BuiltProducts.executable("depotctl")
        let socket = directory.file("none.sock")
        for arguments in [
            ["--socket", socket, "label", "commands", "--output", directory.file("a"), "--format", "zpl"],
            ["label", "commands", "--socket", socket, "--output", directory.file("b"), "--format", "zpl"],
            ["--socket=\(socket)", "label", "commands", "--output", directory.file("c"), "--format", "zpl"],
        ] {
            let result = try Command.run(depotctl, arguments)
            #expect(result.status == 0, "\(arguments): \(result)")
            #expect(!result.stderr.contains("Unknown option"), "\(result)")
        }
        #expect(FileManager.default.fileExists(atPath: directory.file("b") + "/done.zpl"))
        for arguments in [
            ["--socket", socket, "barcode", "parse", "(01)09520123456788"],
            ["barcode", "parse", "(01)09520123456788", "--socket", socket],
            ["--json", "--socket", socket, "barcode", "parse", "(01)09520123456788"],
        ] {
            let result = try Command.run(depotctl, arguments)
            #expect(result.status == 0, "\(arguments): \(result)")
            #expect(result.stdout.contains("09520123456788"), "\(result)")
        }
    }

    /// The generated bash completion reads a leading global `--socket PATH` as an option and its
    /// value, so `depotctl --socket /x pick --i<TAB>` completes pick's options as without it.
    @Test func bashCompletionWorksAfterALeadingSocketOption() throws {
        let directory = try TemporaryDirectory(prefix: "depot-bash-completion")
        defer { directory.remove() }
        let depotctl = BuiltProducts.executable("depotctl")
        let script = directory.file("depotctl.bash")
        let generated = try Command.run(depotctl, ["--generate-completion-script", "bash"])
        try #require(generated.status == 0, "\(generated)")
        try generated.stdout.write(toFile: script, atomically: true, encoding: .utf8)
        let bin = (depotctl as NSString).deletingLastPathComponent
        // What bash sets before calling the completion function for `line` (cursor at its end).
        func complete(_ line: String) throws -> [String] {
            let program = """
                source "$1"; read -ra COMP_WORDS <<< "$2"; [[ "$2" == *" " ]] && COMP_WORDS+=("")
                COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}
                _depotctl depotctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            let result = try Command.run(
                "/bin/bash",
                ["-c", program, "bash", script, line],
                environment: ["PATH": bin + ":/usr/bin:/bin", "DEPOT_SOCKET": directory.file("none.sock")]
            )
            #expect(result.status == 0, "\(result)")
            return result.stdout.split(separator: "\n").map(String.init)
        }
        #expect(try complete("depotctl pick --i") == ["--item"])
        #expect(try complete("depotctl --socket /x pick --i") == ["--item"])
        #expect(try complete("depotctl --json --socket /x pick --i") == ["--item"])
        #expect(try complete("depotctl --socket /x pi").contains("pick"))
    }

    /// Wide (CJK) characters take two terminal columns: the next column starts at the same place
    /// on every row (wcwidth(3)), not after the same number of characters.
    @Test func tablesAlignWideCharactersByTerminalColumns() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try CLITests.expectOK(daemon.ctl("item", "add", "AB", "--name", "plain"))
        try CLITests.expectOK(daemon.ctl("item", "add", "漢字", "--name", "漢字漢字の名前"))  // 4 and 14 columns
        let lines = try CLITests.expectOK(daemon.ctl("item", "list")).stdout.split(separator: "\n").map(String.init)
        // SKU is 4 columns wide (漢字), NAME 14 (漢字漢字の名前); two spaces between columns.
        #expect(lines.first?.hasPrefix("SKU   NAME            POLICY") == true, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("AB    plain           fifo") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("漢字  漢字漢字の名前  fifo") }, "\(lines)")
    }

    /// What the shell gets on TAB (`depotctl ---completion ...`, as the generated bash script
    /// calls it): SKUs and location codes from the daemon the typed `--socket` (or `DEPOT_SOCKET`)
    /// names, filtered by what is typed so far.
    @Test func completionsOfferTheDaemonsSKUsAndLocations() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try CLITests.expectOK(daemon.ctl("item", "add", "SOAP", "--name", "Soap"))
        try CLITests.expectOK(daemon.ctl("item", "add", "SALT", "--name", "Salt"))
        try CLITests.expectOK(daemon.ctl("item", "add", "MILK", "--name", "Milk"))
        try CLITests.expectOK(daemon.ctl("location", "add", "A-01", "--kind", "storage"))
        try CLITests.expectOK(daemon.ctl("location", "add", "B-01", "--kind", "storage"))
        let depotctl = BuiltProducts.executable("depotctl")
        func complete(
            _ path: [String],
            _ argument: String,
            _ words: [String],
            environment: [String: String] = [:]
        )
            throws -> [String]
        {
            let typed = words.last ?? ""
            let result = try Command.run(
                depotctl,
                ["---completion"] + path + ["--", argument, "\(words.count - 1)", "\(typed.count)"] + words,
                environment: environment
            )
            #expect(result.status == 0, "\(result)")
            return result.stdout.split(separator: "\n").map(String.init)
        }
        let socket = ["DEPOT_SOCKET": daemon.socketPath]
        #expect(
            try complete(["item", "show"], "positional@0", ["depotctl", "item", "show", ""], environment: socket)
                == ["MILK", "SALT", "SOAP"]
        )
        #expect(
            try complete(["item", "show"], "positional@0", ["depotctl", "item", "show", "S"], environment: socket)
                == ["SALT", "SOAP"]
        )
        let named = ["depotctl", "--socket", daemon.socketPath, "pick", "--item", "SO"]
        #expect(try complete(["pick"], "--item", named, environment: ["DEPOT_SOCKET": "/nonexistent.sock"]) == ["SOAP"])
        #expect(
            try complete(["move"], "--to", ["depotctl", "move", "--to", ""], environment: socket) == ["A-01", "B-01"]
        )
        #expect(
            try complete(["receive"], "--location", ["depotctl", "receive", "--location", "B"], environment: socket)
                == ["B-01"]
        )
        // No daemon: no suggestions, no error on the terminal.
        let none = try Command.run(
            depotctl,
            ["---completion", "item", "show", "--", "positional@0", "3", "0", "depotctl", "item", "show", ""],
            environment: ["DEPOT_SOCKET": daemon.directory.file("none.sock")]
        )
        #expect(none.status == 0 && none.stdout.isEmpty && none.stderr.isEmpty, "\(none)")
    }

    /// A daemon that accepts but never answers cannot hold the shell: the completion gives up on
    /// its own (Completions.timeout, 0.8 s) long before the peer goes away (120 s).
    @Test func aCompletionDoesNotWaitForADaemonThatNeverAnswers() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("silent.sock")
        let silent = try ChildProcess(
            "/usr/bin/python3",
            [
                "-c",
                "import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); time.sleep(120)",
                path,
            ]
        )
        defer { silent.terminate() }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: path) { usleep(50_000) }
        let started = ContinuousClock.now
        let result = try Command.run(
            BuiltProducts.executable("depotctl"),
            ["---completion", "item", "show", "--", "positional@0", "3", "0", "depotctl", "item", "show", ""],
            environment: ["DEPOT_SOCKET": path]
        )
        #expect(silent.isRunning, "the silent peer was still there")
        #expect(result.status == 0 && result.stdout.isEmpty, "\(result)")
        #expect(ContinuousClock.now - started < .seconds(60), "the completion waited for the peer to go away")
    }

    @Test func aDatabaseFromANewerDepotIsRefusedByName() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try CLITests.expectOK(daemon.ctl("item", "add", "BOLT", "--name", "Bolt M8"))
        daemon.stop()
        let future = "v999-from-a-newer-depot"
        let insert = try Command.run(
            "/usr/bin/python3",
            [
                "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                    + "c.execute('INSERT INTO grdb_migrations(identifier) VALUES (?)', (sys.argv[2],)); c.commit()",
                daemon.databasePath, future,
            ]
        )
        #expect(insert.status == 0, "\(insert)")
        let size = try FileManager.default.attributesOfItem(atPath: daemon.databasePath)[.size] as? Int
        let refused = try #require(
            try StorageCLITests.runDepotd([
                "--database", daemon.databasePath, "--socket", daemon.directory.file("other.sock"), "--no-scanners",
                "--time-zone", "UTC",
            ]),
            "depotd kept running on a database from a newer depot"
        )
        #expect(refused.status != 0, "\(refused)")
        #expect(refused.stderr.contains("newer depot"), "\(refused.stderr)")
        #expect(refused.stderr.contains(future), "\(refused.stderr)")
        let after = try FileManager.default.attributesOfItem(atPath: daemon.databasePath)[.size] as? Int
        #expect(after == size, "the refused database was not written")
    }

    @Test func aBackupIntoAMissingDirectoryNamesTheDirectory() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let missing = daemon.directory.file("no-such-dir")
        let result = try daemon.ctl("backup", missing + "/depot-backup.sqlite")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("the directory \(missing) does not exist"), "\(result.stderr)")
        #expect(!result.stderr.contains("SQLite error"), "\(result.stderr)")
    }
}
