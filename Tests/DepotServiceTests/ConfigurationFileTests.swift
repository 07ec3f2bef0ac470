import DepotService
import Inventory
import Logging
import ScannerInput
import Testing

/// The configuration file: every key read into its setting; every wrong key, type or value an
/// error naming the file, line and key.
@Suite struct ConfigurationFileTests {
    @Test func fullFileIsRead() throws {
        let file = try ConfigurationFile(
            parsing: """
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
                max_variance_units = 12
                max_variance_percent = 25
                [alerts]
                expiring_within_days = 7
                [[scanner]]
                name = "dock-1"
                matches = ["0c2e:*", "by-path:*-usb-0:2:1.0-event-kbd"]
                layout = "de"
                terminators = ["enter", "tab"]
                idle_gap_ms = 300
                substitutions = ["F8=<GS>"]
                prefix = "\\u0002"
                symbology_identifiers = "required"
                double_scan_receive_ms = 800
                double_scan_pick_ms = 0
                [[scanner]]
                name = "dock-2"
                """,
            file: "depotd.conf"
        )
        #expect(file.databasePath == "/srv/depot/db.sqlite")
        #expect(file.socketPath == "/run/depot/ctl.sock")
        #expect(file.socketGroup == "warehouse")
        #expect(file.roleGroups.admin == "wh-admin")
        #expect(file.roleGroups.clerk == "depot-clerk")
        #expect(file.roleGroups.viewer == "wh-view")
        #expect(file.logLevel == .debug)
        #expect(file.countMaxVarianceUnits == 12)
        #expect(file.countMaxVariancePercent == 25)
        #expect(file.expiringWithinDays == 7)
        #expect(file.scanners.map(\.name) == ["dock-1", "dock-2"])
        let dock = try #require(file.scanners.first)
        #expect(dock.profile.layout == "de")
        #expect(dock.profile.matches.map(\.description) == ["0c2e:*", "by-path:*-usb-0:2:1.0-event-kbd"])
        #expect(dock.profile.terminators == [.enter, .tab])
        #expect(dock.profile.idleGap == .milliseconds(300))
        #expect(dock.profile.substitutions.values.first == "\u{1D}")
        #expect(dock.profile.prefix == "\u{02}")
        #expect(dock.profile.symbologyIdentifiers == .required)
        #expect(dock.windows.window(for: .receive) == .milliseconds(800))
        #expect(dock.windows.window(for: .move) == .milliseconds(500), "modes not set keep the default")
        #expect(file.scanners.last?.profile == ScannerProfile(), "a table with only a name is the default profile")
    }

    @Test func emptyFileKeepsDefaults() throws {
        let file = try ConfigurationFile(parsing: "# nothing set\n", file: "empty.conf")
        #expect(file == ConfigurationFile())
    }

    @Test(
        arguments: [
            ("[roles]\nadmin = \"a\"\nadmn = \"x\"\n", 3, "roles.admn", "unknown key"),
            ("[log]\n\n\nlevel = true\n", 4, "log.level", "expected a string, got true or false"),
            ("[log]\nlevel = \"loud\"\n", 2, "log.level", "\"loud\" is not one of"),
            ("[database]\npath = \"db.sqlite\"\n", 2, "database.path", "is not an absolute path"),
            ("[database]\n\ndurability = \"fast\"\n", 3, "database.durability", "\"fast\" is not one of full, normal"),
            ("[database]\ndurability = 2\n", 2, "database.durability", "expected a string"),
            ("[database]\ncache_kib = 1024\n", 2, "database.cache_kib", "1024 is out of range 2048...16777216"),
            ("[database]\ncache_kib = \"64M\"\n", 2, "database.cache_kib", "expected an integer"),
            ("[socket]\ngroup = \"-bad\"\n", 2, "socket.group", "is not a valid group name"),
            ("[alerts]\nexpiring_within_days = 9999\n", 2, "alerts.expiring_within_days", "out of range"),
            ("[epcis]\nsite_gln = \"4012345000008\"\n", 2, "epcis.site_gln", "\"4012345000008\" is not a GLN"),
            ("[epcis]\nsite_gln = \"40123\"\n", 2, "epcis.site_gln", "expected 13 digits"),
            ("[epcis]\ngln = \"4012345000009\"\n", 2, "epcis.gln", "unknown key"),
            (
                "[counts]\nmax_variance_units = \"ten\"\n", 2, "counts.max_variance_units",
                "expected an integer, got a string"
            ),
            ("[roles]\nadmin = \"same\"\nclerk = \"same\"\n", 1, "roles", "each role needs its own group"),
            ("socket = 3\n", 1, "socket", "expected a table"),
            ("loglevel = \"info\"\n", 1, "loglevel", "unknown key"),
            ("[[scanner]]\nname = \"a\"\n[[scanner]]\nname = \"a\"\n", 4, "scanner[2].name", "used twice"),
            ("[[scanner]]\nlayout = \"de\"\n", 1, "scanner[1].name", "needs a non-empty name"),
            ("[[scanner]]\nname = \"a\"\nlayuot = \"de\"\n", 3, "scanner[1].layuot", "unknown key"),
            ("[[scanner]]\nname = \"a\"\nlayout = 7\n", 3, "scanner[1].layout", "expected a string, got an integer"),
            (
                "[[scanner]]\nname = \"a\"\nmatches = \"0c2e:*\"\n", 3, "scanner[1].matches",
                "expected an array of strings"
            ),
            ("[[scanner]]\nname = \"a\"\nmatches = [\"zz:yy\"]\n", 3, "scanner[1].matches", "zz:yy"),
            ("[[scanner]]\nname = \"a\"\nidle_gap_ms = -5\n", 3, "scanner[1].idle_gap_ms", "-5"),
            (
                "[[scanner]]\nname = \"a\"\nsymbology_identifiers = \"maybe\"\n", 3, "scanner[1].symbology_identifiers",
                "maybe"
            ),
            ("[[scanner]]\nname = \"a\"\nsubstitutions = [\"F8\"]\n", 3, "scanner[1].substitutions", "is not KEY=TEXT"),
            ("[[scanner]]\nname = \"a\"\nterminators = [\"space\"]\n", 3, "scanner[1].terminators", "space"),
            ("[[scanner]]\nname = \"a\"\nlayout = \"klingon\"\n", 3, "scanner[1].layout", "klingon"),
            (
                "[[scanner]]\nname = \"a\"\ndouble_scan_pick_ms = 70000\n", 3, "scanner[1].double_scan_pick_ms",
                "out of range"
            ),
        ] as [(String, Int, String, String)]
    )
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

    /// `[epcis] site_gln`: the site's GLN of the EPCIS export (docs/epcis.md, "Identifiers").
    @Test func epcisSiteGLNIsRead() throws {
        let file = try ConfigurationFile(parsing: "[epcis]\nsite_gln = \"4012345000009\"\n", file: "e.conf")
        #expect(file.epcisSiteGLN == "4012345000009")
        #expect(try ConfigurationFile(parsing: "", file: "e.conf").epcisSiteGLN == nil)
    }

    @Test func writerCacheIsRead() throws {
        let file = try ConfigurationFile(parsing: "[database]\ncache_kib = 262144\n", file: "d.conf")
        #expect(file.databaseCacheKiB == 262_144)
        var configuration = DepotConfiguration(databasePath: "/tmp/x.sqlite", socketPath: "/tmp/x.sock")
        #expect(configuration.writerCacheKiB == InventoryStore.defaultWriterCacheKiB)
        configuration.apply(file, path: "d.conf")
        #expect(configuration.writerCacheKiB == 262_144)
    }

    @Test(arguments: [("full", Durability.full), ("normal", .normal)])
    func durabilityIsRead(text: String, durability: Durability) throws {
        let file = try ConfigurationFile(parsing: "[database]\ndurability = \"\(text)\"\n", file: "d.conf")
        #expect(file.databaseDurability == durability)
        var configuration = DepotConfiguration(databasePath: "/tmp/x.sqlite", socketPath: "/tmp/x.sock")
        #expect(configuration.durability == .full, "full without a configuration file")
        configuration.apply(file, path: "d.conf")
        #expect(configuration.durability == durability)
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
