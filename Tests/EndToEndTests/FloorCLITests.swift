import Foundation
import TestSupport
import Testing

/// The floor through the built binaries: scanner assign, injected scans, the monitor stream,
/// replays of the recorded shift, and exactly-once application across a SIGKILL.
@Suite(.serialized) struct FloorCLITests {
    static let shift = BuiltProducts.packageRoot + "/fixtures/shift/shift.evemu"
    /// The number of scans in ``shift`` (31 labels, two of them refused by design).
    static let shiftScans = 31

    static func catalogue(_ daemon: DaemonProcess) throws {
        let result = try Command.run(
            BuiltProducts.packageRoot + "/scripts/shift-catalogue.sh",
            [BuiltProducts.executable("depotctl"), "--quiet"],
            environment: ["DEPOT_SOCKET": daemon.socketPath]
        )
        #expect(result.status == 0, "\(result)")
    }

    static func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
    }

    /// The ledger as (kind, sku, lot, from, to, quantity, reference) rows: what must match
    /// between two runs of the same shift (actors and instants may differ).
    static func ledgerRows(_ daemon: DaemonProcess) throws -> [String] {
        let ledger = try json(daemon.ctl("ledger", "--json"))
        return (ledger["movements"] as? [[String: Any]] ?? []).map { m in
            ["kind", "sku", "lot", "from", "to", "quantity", "reference"].map { "\(m[$0] ?? "-")" }.joined(
                separator: " "
            )
        }
    }

    /// A daemon on a fixed business clock (`--now`) still tells a second carton from a double
    /// scan: the double-scan window is elapsed time on a monotonic clock, not the business clock.
    @Test func identicalCartonsOnAFixedClockAreTwoCartons() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()  // --now 2026-03-01T08:00:00Z: every scan has the same business time
        try Self.catalogue(daemon)
        let assign = try daemon.ctl("scanner", "assign", "S1", "--mode", "receive", "--location", "DOCK-1")
        #expect(assign.status == 0, "\(assign)")
        let carton = "0204006381333931172603101001<GS>3712"
        let first = try daemon.ctl("scan", "S1", carton, "--aim", "]C1")
        #expect(first.stdout.contains("received 12 MILK"), "\(first)")
        Thread.sleep(forTimeInterval: 0.8)  // longer than receive mode's 500 ms window
        let second = try daemon.ctl("scan", "S1", carton, "--aim", "]C1")
        #expect(second.stdout.contains("received 12 MILK"), "a second carton, not a double scan: \(second)")
        let stock = try daemon.ctl("stock", "--item", "MILK", "--json")
        #expect(stock.stdout.contains("24"), "\(stock)")
    }

    /// The monitor outlives a depotd restart: it says it lost depotd, reconnects with back-off and
    /// shows the next event; with --no-reconnect it exits 3.
    @Test func monitorReconnectsAfterARestart() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.catalogue(daemon)
        let errors = daemon.directory.file("monitor.err")
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        let monitor = try ChildProcess(
            BuiltProducts.executable("depotctl"),
            ["monitor", "--scanner", "S1", "--count", "1", "--json"],
            environment: ["DEPOT_SOCKET": daemon.socketPath],
            standardOutput: .pipe,
            standardError: .file(errors)
        )
        defer { if monitor.isRunning { monitor.terminate() } }
        func stderrText() -> String { (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "" }
        func waitFor(_ what: String) {
            let deadline = Date().addingTimeInterval(60)
            while !stderrText().contains(what), monitor.isRunning, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        Thread.sleep(forTimeInterval: 0.5)
        _ = daemon.stop()
        waitFor("reconnecting")
        #expect(stderrText().contains("lost depotd at \(daemon.socketPath); reconnecting in"), "\(stderrText())")
        #expect(monitor.isRunning, "the monitor waits for depotd to come back")
        try daemon.start()
        waitFor("reconnected")
        #expect(stderrText().contains("reconnected to depotd"), "\(stderrText())")
        let scan = try daemon.ctl("scan", "S1", "A-01")
        #expect(scan.status == 0, "\(scan)")
        monitor.waitUntilExit()
        #expect(monitor.terminationStatus == 0)
        let line = String(decoding: monitor.output?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
        #expect(line.contains("\"text\":\"A-01\""), "\(line)")

        // --no-reconnect: the old behaviour for scripts, exit 3 when depotd goes away.
        let strict = try ChildProcess(
            BuiltProducts.executable("depotctl"),
            ["monitor", "--no-reconnect", "--json"],
            environment: ["DEPOT_SOCKET": daemon.socketPath]
        )
        Thread.sleep(forTimeInterval: 0.5)
        _ = daemon.stop()
        strict.waitUntilExit()
        #expect(strict.terminationStatus == 3)
    }

    /// Colours only on a terminal, and never with NO_COLOR (no-color.org): the monitor runs under
    /// a pseudo-terminal (util-linux `script`).
    @Test(
        .enabled(
            if: Prerequisite.runs(Prerequisite.hasExecutable("/usr/bin/script")),
            "needs /usr/bin/script (util-linux)"
        )
    )
    func monitorColoursOnATerminalOnly() throws {
        try #require(Prerequisite.hasExecutable("/usr/bin/script"), "needs /usr/bin/script (util-linux)")
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.catalogue(daemon)
        func monitorOutput(noColour: Bool, terminal: Bool) throws -> String {
            let depotctl = BuiltProducts.executable("depotctl")
            let command = "\(depotctl) monitor --scanner S1 --count 1"
            var environment = ["DEPOT_SOCKET": daemon.socketPath, "TERM": "xterm", "PATH": "/usr/bin:/bin"]
            if noColour { environment["NO_COLOR"] = "1" }
            let process =
                terminal
                ? try ChildProcess(
                    "/usr/bin/script",
                    ["-qec", command, "/dev/null"],
                    environment: environment,
                    standardOutput: .pipe,
                    standardError: .inherit
                )
                : try ChildProcess(
                    depotctl,
                    ["monitor", "--scanner", "S1", "--count", "1"],
                    environment: environment,
                    standardOutput: .pipe,
                    standardError: .inherit
                )
            Thread.sleep(forTimeInterval: 0.8)
            _ = try daemon.ctl("scan", "S1", "NO-SUCH-LABEL")
            process.waitUntilExit()
            return String(decoding: process.output?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
        }
        let coloured = try monitorOutput(noColour: false, terminal: true)
        #expect(coloured.contains("\u{1B}[31merror\u{1B}[0m"), "\(coloured.debugDescription)")
        let plainTerminal = try monitorOutput(noColour: true, terminal: true)
        #expect(
            plainTerminal.contains("error") && !plainTerminal.contains("\u{1B}["),
            "\(plainTerminal.debugDescription)"
        )
        let piped = try monitorOutput(noColour: false, terminal: false)
        #expect(piped.contains("error") && !piped.contains("\u{1B}["), "\(piped.debugDescription)")
    }

    /// A scanner's session (mode, location, operator) is kept in the database: after depotd
    /// restarts, `depotctl scanners` shows it and the next scan continues in it.
    @Test func aScannerSessionSurvivesARestart() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.catalogue(daemon)
        let assign = try daemon.ctl(
            "scanner",
            "assign",
            "S1",
            "--mode",
            "receive",
            "--location",
            "DOCK-1",
            "--operator",
            "ana"
        )
        #expect(assign.status == 0, "\(assign)")
        _ = daemon.stop()

        try daemon.start()
        let scanners = try Self.json(daemon.ctl("scanners", "--json"))
        let list = scanners["scanners"] as? [[String: Any]] ?? []
        #expect(list.map { $0["id"] as? String } == ["S1"], "\(scanners)")
        #expect(list.first?["mode"] as? String == "receive")
        #expect(list.first?["location"] as? String == "DOCK-1")
        #expect(list.first?["operatorName"] as? String == "ana")
        let received = try daemon.ctl("scan", "S1", "0204006381333931172603101001<GS>3712", "--aim", "]C1")
        #expect(received.status == 0, "\(received)")
        #expect(received.stdout.contains("OK  received 12 MILK lot 01 into DOCK-1"), "\(received)")
        let ledger = try Self.json(daemon.ctl("ledger", "--json"))
        #expect((ledger["movements"] as? [[String: Any]])?.last?["actor"] as? String == "scanner:S1/ana")
        // Listed as `stored` only until it scans.
        let after = try Self.json(daemon.ctl("scanners", "--json"))
        #expect((after["scanners"] as? [[String: Any]])?.first?["source"] as? String == "injected", "\(after)")
    }

    /// `depotctl scan` shows the GS1 parser's warnings as `depotctl barcode parse` does: 8 digits
    /// that are also a UPC-E, a Digital Link form depot does not read.
    @Test func aScanShowsTheParsersWarnings() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.catalogue(daemon)
        #expect(try daemon.ctl("item", "add", "EAN8", "--name", "Eight", "--gtin", "01234565").status == 0)
        #expect(try daemon.ctl("scanner", "assign", "S1", "--mode", "receive", "--location", "DOCK-1").status == 0)
        let received = try daemon.ctl("scan", "S1", "01234565")
        #expect(received.status == 0, "\(received)")
        #expect(received.stdout.contains("WARNING  received 1 EAN8 into DOCK-1"), "\(received)")
        #expect(
            received.stdout.contains("alert: 8 digits read as an EAN-8 GTIN; they are also a valid UPC-E"),
            "\(received)"
        )
        let link = try daemon.ctl("scan", "S1", "https://id.gs1.org/gtin/04006381333931/lot/L1")
        let output = link.stdout + link.stderr
        #expect(output.contains("is not a known location, item, order or command"), "\(link)")
        #expect(output.contains("deprecated GS1 Digital Link convenience name /gtin/"), "\(link)")
    }

    @Test func assignScanAndMonitor() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.catalogue(daemon)
        // The monitor, as a station display would run it, for three events of scanner S1.
        let monitor = try ChildProcess(
            BuiltProducts.executable("depotctl"),
            ["monitor", "--scanner", "S1", "--count", "3", "--json"],
            environment: ["DEPOT_SOCKET": daemon.socketPath],
            standardOutput: .pipe,
            standardError: .inherit
        )
        Thread.sleep(forTimeInterval: 0.5)

        let assign = try daemon.ctl(
            "scanner",
            "assign",
            "S1",
            "--mode",
            "receive",
            "--location",
            "DOCK-1",
            "--operator",
            "ana"
        )
        #expect(assign.status == 0, "\(assign)")
        #expect(assign.stdout.contains("mode receive location DOCK-1 operator ana"))
        let badAssign = try daemon.ctl("scanner", "assign", "S1", "--mode", "receive", "--location", "NOWHERE")
        #expect(badAssign.status == 1)
        #expect(badAssign.stderr.contains("UnknownLocation"))

        let received = try daemon.ctl("scan", "S1", "0204006381333931172603101001<GS>3712", "--aim", "]C1")
        #expect(received.status == 0, "\(received)")
        #expect(received.stdout.contains("OK  received 12 MILK lot 01 into DOCK-1"))
        let other = try daemon.ctl("scan", "S2", "A-01")  // another scanner: not in S1's monitor
        #expect(other.status == 0)
        let expired = try daemon.ctl("scan", "S1", "0204006381333931172602281004<GS>372")
        #expect(expired.status == 1)
        #expect(expired.stdout.contains("ERROR  expiry \"2026-02-28\" is not valid: already expired"))
        let count = try daemon.ctl("scan", "S1", "DEPOT QTY 5")
        #expect(count.stdout.contains("quantity 5 for the next scan"))

        monitor.waitUntilExit()
        #expect(monitor.terminationStatus == 0)
        let lines = String(decoding: monitor.output?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let levels = events.map { (($0["feedback"] as? [String: Any])?["level"] as? String) ?? "?" }
        #expect(levels == ["ok", "error", "ok"])
        let texts = events.map { (($0["feedback"] as? [String: Any])?["text"] as? String) ?? "?" }
        #expect(texts.first == "0204006381333931172603101001<GS>3712")

        let scanners = try Self.json(daemon.ctl("scanners", "--json"))
        let list = scanners["scanners"] as? [[String: Any]] ?? []
        #expect(list.map { $0["id"] as? String } == ["S1", "S2"])
        #expect(list.first?["mode"] as? String == "receive")
        #expect(list.first?["operatorName"] as? String == "ana")
        let ledger = try Self.json(daemon.ctl("ledger", "--json"))
        #expect((ledger["movements"] as? [[String: Any]])?.first?["actor"] as? String == "scanner:S1/ana")
    }

    @Test func replayingTheShiftTwiceAppliesItOnce() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.catalogue(daemon)
        let shift = try daemon.addReplay(Self.shift)
        let first = try daemon.ctl("replay", shift, "--scanner", "dock")
        #expect(first.status == 1, "two scans of the shift are refused by design: \(first)")
        #expect(first.stdout.contains("replayed 31 scans, 2 refused"))
        #expect(first.stdout.contains("Lot L2 expires 2026-03-05: take it from A-02 first"))
        let rows = try Self.ledgerRows(daemon)
        #expect(rows.count == 11)
        let second = try daemon.ctl("replay", shift, "--scanner", "dock")
        #expect(second.stdout.contains("already applied"))
        #expect(try Self.ledgerRows(daemon) == rows)
        let verify = try daemon.ctl("verify")
        #expect(verify.status == 0, "\(verify)")
    }

    /// Replay reads only from depotd's replay directory: a file elsewhere, a `..` escape and a
    /// link out of the directory are refused, naming the path and the reason but never a byte of
    /// the file, in the reply and in depotd's log; `--replay-dir` moves the directory.
    @Test func replayReadsOnlyFromTheReplayDirectory() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        let secret = daemon.directory.file("secret.evemu")
        try Data("TOP-SECRET-7f3a first line\n".utf8).write(to: URL(fileURLWithPath: secret))
        let elsewhere = daemon.directory.file("elsewhere")
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try daemon.start()
        #expect(FileManager.default.fileExists(atPath: daemon.replayDirectory), "depotd creates replays/")
        try FileManager.default.createSymbolicLink(
            atPath: daemon.replayDirectory + "/link.evemu",
            withDestinationPath: secret
        )
        let cases: [(String, String)] = [
            ("/etc/passwd", "outside the replay directory"),
            (secret, "outside the replay directory"),
            ("../secret.evemu", "'..' is not allowed"),
            ("link.evemu", "outside the replay directory"),
            ("missing.evemu", "no such file"),
        ]
        for (path, reason) in cases {
            let result = try daemon.ctl("replay", path)
            #expect(result.status == 1, "\(path): \(result)")
            #expect(result.stderr.contains("replay file \(path) is refused: "), "\(path): \(result)")
            #expect(result.stderr.contains(reason), "\(path): \(result)")
            #expect(result.stderr.contains("org.depot.scanner.ReplayFailed"), "\(result)")
            #expect(!result.stderr.contains("root:") && !result.stderr.contains("TOP-SECRET"), "\(result)")
        }
        // A copy inside is read (the capture is not evemu text, and its content is not shown).
        try FileManager.default.copyItem(atPath: secret, toPath: daemon.replayDirectory + "/copy.evemu")
        let copy = try daemon.ctl("replay", "copy.evemu")
        #expect(copy.status == 1 && copy.stderr.contains("line 1 is not evemu-record text"), "\(copy)")
        #expect(!copy.stderr.contains("TOP-SECRET"), "\(copy)")
        daemon.stop()
        #expect(!daemon.log.contains("root:x") && !daemon.log.contains("TOP-SECRET"), "\(daemon.log)")

        try FileManager.default.copyItem(atPath: Self.shift, toPath: elsewhere + "/moved.evemu")
        try daemon.start(extraArguments: ["--replay-dir", elsewhere])
        try Self.catalogue(daemon)
        let moved = try daemon.ctl("replay", "moved.evemu", "--scanner", "dock")
        #expect(moved.stdout.contains("replayed 31 scans, 2 refused"), "\(moved)")
        let absolute = try daemon.ctl("replay", elsewhere + "/moved.evemu", "--scanner", "dock")
        #expect(absolute.stdout.contains("already applied"), "an absolute path inside is read: \(absolute)")
    }

    /// depotd is killed (SIGKILL) in the middle of the shift, right after some scan's commit;
    /// after a restart the reader replays the whole capture: no movement is applied twice and
    /// the ledger is the same as one clean run's.
    @Test func exactlyOnceAcrossSIGKILL() throws {
        let reference = try DaemonProcess()
        defer { reference.cleanUp() }
        try reference.start()
        try Self.catalogue(reference)
        _ = try reference.ctl("replay", reference.addReplay(Self.shift), "--scanner", "dock")
        let expected = try Self.ledgerRows(reference)

        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.catalogue(daemon)
        let shift = try daemon.addReplay(Self.shift)
        // Replay in real time x4 (31 scans in 12 s) in the background and kill depotd once a
        // few scans are committed (polled in the database, not timed: a loaded machine is
        // slower, and each poll starts a process).
        let replay = try ChildProcess(
            BuiltProducts.executable("depotctl"),
            ["replay", shift, "--scanner", "dock", "--speed", "4"],
            environment: ["DEPOT_SOCKET": daemon.socketPath]
        )
        func applied() throws -> Int {
            let rows = try Command.run("/usr/bin/sqlite3", [daemon.databasePath, "SELECT count(*) FROM appliedScan"])
            return Int(rows.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        let deadline = Date().addingTimeInterval(60)
        while try applied() < 3, replay.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        daemon.kill()
        replay.waitUntilExit()
        #expect(replay.terminationStatus == 3, "depotctl saw depotd go away")
        let partial = try Command.run("/usr/bin/sqlite3", [daemon.databasePath, "SELECT count(*) FROM appliedScan"])
        let appliedBeforeCrash = Int(partial.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(
            appliedBeforeCrash > 0 && appliedBeforeCrash < Self.shiftScans,
            "killed mid-shift: \(appliedBeforeCrash) of the shift's \(Self.shiftScans) scans were applied"
        )

        try daemon.start()
        let again = try daemon.ctl("replay", shift, "--scanner", "dock")
        let after = try Self.ledgerRows(daemon)
        // On a difference, name the first row that differs and what the replay said.
        let first = zip(after, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(
            after == expected,
            """
            \(after.count) rows after the restart, \(expected.count) in the clean run; \
            first difference at row \(first.map { "\($0.offset + 1): \($0.element.0) vs \($0.element.1)" } ?? "past the shorter"); \
            \(appliedBeforeCrash) scans applied before the kill; replay after: \(again)
            """
        )
        let verify = try daemon.ctl("verify")
        #expect(verify.status == 0, "\(verify)")
    }

    /// A blind cycle count done with a scanner: count mode by command barcode, location, items
    /// with quantities; the counter (feedback and monitor) never sees expected quantities; the
    /// clerk approves and only the true difference is posted.
    /// Assigning a pick with a bin accepts only the bin of the order's next pick.
    @Test func aPickAssignmentAtAnotherBinIsRefused() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.catalogue(daemon)
        let received = try daemon.ctl(
            "receive",
            "--item",
            "MILK",
            "--qty",
            "12",
            "--location",
            "A-01",
            "--lot",
            "L1",
            "--expiry",
            "2026-03-10"
        )
        #expect(received.status == 0, "\(received)")
        let refused = try daemon.ctl(
            "scanner",
            "assign",
            "S1",
            "--mode",
            "pick",
            "--order",
            "SO-100",
            "--location",
            "PF-1"
        )
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("PF-1 is not the bin of order SO-100's next pick, A-01 is"), "\(refused)")
        #expect(refused.stderr.contains("take 10 MILK lot L1 from A-01"), "\(refused)")
        let scanners = try daemon.ctl("scanners", "--json")
        #expect(!scanners.stdout.contains("PF-1"), "nothing was assigned: \(scanners)")
        let accepted = try daemon.ctl(
            "scanner",
            "assign",
            "S1",
            "--mode",
            "pick",
            "--order",
            "SO-100",
            "--location",
            "A-01"
        )
        #expect(accepted.status == 0, "\(accepted)")
    }

    @Test func scannerDrivenBlindCount() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.catalogue(daemon)
        for (lot, expiry, quantity) in [("L1", "2026-03-10", "12"), ("L2", "2026-03-05", "6")] {
            let result = try daemon.ctl(
                "receive",
                "--item",
                "MILK",
                "--qty",
                quantity,
                "--location",
                "A-01",
                "--lot",
                lot,
                "--expiry",
                expiry
            )
            #expect(result.status == 0, "\(result)")
        }
        let started = try Self.json(daemon.ctl("count", "start", "--location", "ZONE-A", "--blind", "--json"))
        let id = try #require((started["count"] as? [String: Any])?["id"] as? Int)

        let monitor = try ChildProcess(
            BuiltProducts.executable("depotctl"),
            ["monitor", "--scanner", "C1", "--count", "6", "--json"],
            environment: ["DEPOT_SOCKET": daemon.socketPath],
            standardOutput: .pipe,
            standardError: .inherit
        )
        Thread.sleep(forTimeInterval: 0.5)

        let scans = [
            "DEPOT COUNT \(id)", "A-01", "DEPOT QTY 5", "02040063813339311726031010L1",
            "02040063813339311726031010L1<GS>377", "02040063813339311726030510L2<GS>376",
        ]
        var outputs: [String] = []
        for text in scans {
            let result = try daemon.ctl("scan", "C1", text)
            #expect(result.status == 0, "\(text): \(result)")
            outputs.append(result.stdout)
        }
        monitor.waitUntilExit()
        let events = String(decoding: monitor.output?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
        for text in outputs + [events] {
            #expect(!text.contains("expected"), "a blind count shows no expected quantity to the counter: \(text)")
        }
        #expect(outputs[0].contains("counting for count \(id)"), "\(outputs[0])")
        #expect(outputs[3].contains("counted 5 MILK lot L1 at A-01: 5 so far"), "\(outputs[3])")
        #expect(events.split(separator: "\n").count == 6)

        // The clerk (root here) sees the lines; L1 was counted 5 + 7 = 12, L2 6: no variance.
        let shown = try Self.json(daemon.ctl("count", "show", "\(id)", "--json"))
        let lines = ((shown["count"] as? [String: Any])?["lines"] as? [[String: Any]]) ?? []
        let counted = Dictionary(
            uniqueKeysWithValues: lines.map { ("\($0["lot"] ?? "-")", $0["counted"] as? Int ?? -1) }
        )
        #expect(counted == ["L1": 12, "L2": 6], "\(lines)")
        let submitted = try daemon.ctl("count", "submit", "\(id)")
        #expect(submitted.status == 0, "\(submitted)")
        let approved = try daemon.ctl("count", "approve", "\(id)", "--json")
        #expect(approved.status == 0, "\(approved)")
        let approval = try Self.json(approved)
        #expect((approval["movements"] as? [Any])?.isEmpty == true, "no variance, no movement: \(approval)")
    }
}
