import DepotService
import Logging
import Testing

/// The configuration file: every key read into its setting; every wrong key, type or value an
/// error naming the file, line and key.
@Suite struct ConfigurationFileTests {
    @Test func fullFileIsRead() throws {
        let file = try ConfigurationFile(parsing: """
            # depot
            [database]
            path = "/srv/depot/db.sqlite"
            [socket]
            path = "/run/depot/ctl.sock"
            group = "warehouse"
            [roles]
            admin = "wh-admin"
            viewer = "wh-view"
            [log]
            level = "debug"
            [counts]
            approval_threshold = 12
            [alerts]
            expiring_within_days = 7
            [[scanner]]
            name = "dock-1"
            match = "usb:0c2e:*"
            [[scanner]]
            name = "dock-2"
            """, file: "depotd.conf")
        #expect(file.databasePath == "/srv/depot/db.sqlite")
        #expect(file.socketPath == "/run/depot/ctl.sock")
        #expect(file.socketGroup == "warehouse")
        #expect(file.roleGroups.admin == "wh-admin")
        #expect(file.roleGroups.clerk == "depot-clerk")
        #expect(file.roleGroups.viewer == "wh-view")
        #expect(file.logLevel == .debug)
        #expect(file.countApprovalThreshold == 12)
        #expect(file.expiringWithinDays == 7)
        #expect(file.scanners.map(\.name) == ["dock-1", "dock-2"])
        #expect(file.scanners.first?.values["match"] == .string("usb:0c2e:*"))
    }

    @Test func emptyFileKeepsDefaults() throws {
        let file = try ConfigurationFile(parsing: "# nothing set\n", file: "empty.conf")
        #expect(file == ConfigurationFile())
    }

    @Test(arguments: [
        ("[roles]\nadmin = \"a\"\nadmn = \"x\"\n", 3, "roles.admn", "unknown key"),
        ("[log]\n\n\nlevel = true\n", 4, "log.level", "expected a string, got true or false"),
        ("[log]\nlevel = \"loud\"\n", 2, "log.level", "\"loud\" is not one of"),
        ("[database]\npath = \"db.sqlite\"\n", 2, "database.path", "is not an absolute path"),
        ("[socket]\ngroup = \"-bad\"\n", 2, "socket.group", "is not a valid group name"),
        ("[alerts]\nexpiring_within_days = 9999\n", 2, "alerts.expiring_within_days", "out of range"),
        ("[counts]\napproval_threshold = \"ten\"\n", 2, "counts.approval_threshold", "expected an integer, got a string"),
        ("[roles]\nadmin = \"same\"\nclerk = \"same\"\n", 1, "roles", "each role needs its own group"),
        ("socket = 3\n", 1, "socket", "expected a table"),
        ("loglevel = \"info\"\n", 1, "loglevel", "unknown key"),
        ("[[scanner]]\nname = \"a\"\n[[scanner]]\nname = \"a\"\n", 4, "scanner[2].name", "used twice"),
        ("[[scanner]]\nmatch = \"x\"\n", 1, "scanner[1].name", "needs a non-empty name"),
        ("[[scanner]]\nname = \"a\"\nlayout = \"de\"\n", 3, "scanner[1].layout", "unknown key"),
    ] as [(String, Int, String, String)])
    func wrongKeyTypeOrValueNamesLineAndKey(text: String, line: Int, key: String, reason: String) {
        do {
            _ = try ConfigurationFile(parsing: text, file: "/etc/depot/depotd.conf")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.file == "/etc/depot/depotd.conf")
            #expect(error.line == line, "\(error)")
            #expect(error.key == key, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
            #expect(error.description.hasPrefix("/etc/depot/depotd.conf:\(line): key '\(key)': "))
        }
    }

    @Test func syntaxErrorNamesTheLine() {
        do {
            _ = try ConfigurationFile(parsing: "[log]\nlevel = \"info\"\nbroken =\n", file: "x.conf")
            Issue.record("accepted a syntax error")
        } catch {
            #expect(error.line == 3, "\(error)")
            #expect(error.reason.hasPrefix("TOML syntax"))
        }
    }
}
