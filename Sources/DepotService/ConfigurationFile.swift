import EPCIS
// /etc/depot/depotd.conf: TOML (toml.io v1.0.0) parsed by TOMLKit, validated key by key.
import Floor
import Foundation
import GS1
import Inventory
import Logging
import ScannerInput
import TOMLKit
import Varlink
import Workflow

/// A wrong key, type or value in the configuration file, with its file, line and key.
public struct ConfigurationFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file's path.
    public var file: String
    /// 1-based line of the offending key (or table header, or syntax error).
    public var line: Int
    /// Dotted key, e.g. `roles.admin` or `scanner[2].name`; empty for a syntax error.
    public var key: String
    /// What is wrong and what is allowed.
    public var reason: String

    /// `FILE:LINE: key 'KEY': REASON`.
    public var description: String {
        key.isEmpty ? "\(file):\(line): \(reason)" : "\(file):\(line): key '\(key)': \(reason)"
    }
}

/// One `[[scanner]]` profile: which devices it matches, how their keys decode and frame
/// (docs/scanning.md), and the double-scan windows of the sessions of those scanners.
public struct ScannerProfileConfiguration: Sendable, Equatable {
    /// The profile's name (`name`, required, unique).
    public var name: String
    /// Every key given, validated against ``ConfigurationFile/scannerKeys``.
    public var values: [String: ConfigurationValue]
    /// The decoding and framing profile built from ``values``.
    public var profile: ScannerProfile
    /// Double-scan windows per mode (`double_scan_<mode>_ms`; absent modes keep the defaults).
    public var windows: DoubleScanWindows
    /// `error_signal`: blink the scanner's Scroll Lock LED when a scan is refused (best effort,
    /// when depot may write to the device; default off).
    public var errorSignal: Bool

    /// The profile as the floor applies it (``ScannerSetup``).
    public var setup: ScannerSetup { ScannerSetup(profile: profile, windows: windows, errorSignal: errorSignal) }
}

/// The type a configuration key takes.
public enum ConfigurationValueType: Sendable, Equatable {
    /// A TOML string, a TOML integer, a TOML boolean (`true`/`false`), or an array of strings.
    case string, integer, boolean, strings
}

/// A validated scalar configuration value.
public enum ConfigurationValue: Sendable, Equatable {
    /// A TOML string value.
    case string(String)
    /// A TOML integer value.
    case integer(Int)
    /// A TOML boolean value.
    case boolean(Bool)
    /// An array of strings (e.g. `matches`, `terminators`, `substitutions` of a `[[scanner]]` table).
    case strings([String])
}

/// The settings a configuration file holds; nil means "not set, keep the default".
///
/// Format (docs/operations.md, "Configuration"):
/// ```toml
/// [database]
/// path = "/var/lib/depot/depot.sqlite"
/// durability = "full"       # or "normal": a power cut may lose the last acknowledged operations
/// cache_kib = 65536          # the writer's page cache, KiB
/// [ledger]
/// key = "/var/lib/depot/ledger.key"  # the ledger key file (default: ledger.key beside the database)
/// [socket]
/// path = "/run/depot/depotd.sock"
/// group = "depot"
/// [varlink]                  # limits of the control socket (docs/varlink.md, "Limits")
/// max_connections = 1024
/// max_connections_per_uid = 256
/// [roles]
/// admin = "depot-admin"     # also clerk, operator, viewer
/// [log]
/// level = "info"
/// [counts]
/// max_variance_units = 10    # count lines beyond this many base units must be recounted
/// max_variance_percent = 10  # ... or beyond this percent of the expected quantity
/// [replay]                   # where org.depot.scanner.Replay reads captures (docs/operations.md, "Replays")
/// directory = "/var/lib/depot/replays"
/// max_file_bytes = 67108864
/// max_line_bytes = 4096
/// [alerts]
/// expiring_within_days = 30
/// [epcis]                    # the EPCIS export (docs/epcis.md, "Locations")
/// site_gln = "4012345000009" # the site's GLN: location URIs as GS1 Digital Link 414/254
/// [[scanner]]
/// name = "dock-1"
/// matches = ["0c2e:*"]
/// layout = "de"
/// ```
public struct ConfigurationFile: Sendable, Equatable {
    /// `database.path`: absolute path of the SQLite file.
    public var databasePath: String?
    /// `database.durability`: `full` (every reply after an fsync of its commit) or `normal`
    /// (``Durability``); nil keeps the default, `full`.
    public var databaseDurability: Durability?
    /// `database.cache_kib`: the writer's SQLite page cache in KiB, 2,048 to 16,777,216 (16 GiB);
    /// nil keeps the default, ``InventoryStore/defaultWriterCacheKiB`` (65,536: 64 MiB).
    public var databaseCacheKiB: Int?
    /// `ledger.key`: absolute path of the ledger key file (``Inventory/LedgerKey``); nil: `ledger.key`
    /// beside the database.
    public var ledgerKeyPath: String?
    /// `socket.path`: absolute path of the control socket.
    public var socketPath: String?
    /// `socket.group`: the control socket's group.
    public var socketGroup: String?
    /// `[varlink]`: the control socket's limits (docs/varlink.md, "Limits"); keys not set keep
    /// ``VarlinkServerLimits``' defaults. Read at start; a reload does not change them.
    public var varlinkLimits = VarlinkServerLimits()
    /// `roles.*`: the group of each role.
    public var roleGroups = RoleGroups()
    /// `log.level`.
    public var logLevel: Logger.Level?
    /// `counts.max_variance_units`: count lines whose variance exceeds this many base units must be
    /// recounted before approval (docs/counts.md); nil keeps the default (10).
    public var countMaxVarianceUnits: Int?
    /// `counts.max_variance_percent`: the same in percent of the expected quantity; nil keeps 10.
    public var countMaxVariancePercent: Int?
    /// `alerts.expiring_within_days`: lots expiring within this many days are reported.
    public var expiringWithinDays: Int?
    /// `epcis.site_gln`: the site's GLN (13 digits, valid GS1 check digit) for the EPCIS export's
    /// location and business transaction URIs (docs/epcis.md); nil uses depot's private URNs.
    public var epcisSiteGLN: String?
    /// `replay.directory`: absolute path of the directory `org.depot.scanner.Replay` reads
    /// captures from; nil keeps the default, `replays` beside the database.
    public var replayDirectory: String?
    /// `replay.max_file_bytes`: the largest capture `Replay` reads (1 KiB to 1 GiB); nil keeps 64 MiB.
    public var replayMaximumFileBytes: Int?
    /// `replay.max_line_bytes`: the longest line of such a capture (80 to 1 MiB); nil keeps 4096.
    public var replayMaximumLineBytes: Int?
    /// `[[scanner]]` profiles, in file order.
    public var scanners: [ScannerProfileConfiguration] = []

    /// The well-known path of the system service's configuration.
    public static let defaultPath = "/etc/depot/depotd.conf"

    /// The keys a `[[scanner]]` table accepts and their types (docs/scanning.md describes each);
    /// anything else is refused as an unknown key.
    public static let scannerKeys: [String: ConfigurationValueType] = {
        var keys: [String: ConfigurationValueType] = [
            "name": .string, "matches": .strings, "layout": .string, "variant": .string, "terminators": .strings,
            "idle_gap_ms": .integer, "substitutions": .strings, "prefix": .string, "suffix": .string,
            "symbology_identifiers": .string, "error_signal": .boolean,
        ]
        for mode in FloorMode.allCases { keys["double_scan_\(mode.rawValue)_ms"] = .integer }
        return keys
    }()

    /// The keys of `[varlink]` (docs/varlink.md, "Limits").
    public static let varlinkKeys = [
        "max_message_bytes", "input_budget_bytes", "output_buffer_bytes", "output_budget_bytes", "read_chunk_bytes",
        "reply_stall_timeout_ms", "partial_message_timeout_ms", "idle_timeout_ms", "max_connections",
        "max_connections_per_uid",
        "descriptor_reserve",
    ]

    /// The decoding profiles of the `[[scanner]]` tables, in file order (empty: the default profile).
    public var scannerProfiles: [ScannerProfile] { scanners.map(\.profile) }

    /// Creates empty settings.
    public init() {}

    /// Reads and validates the file at `path`.
    /// - Throws: ``ConfigurationFileError`` naming the file, line and key; for an unreadable file,
    ///   line 0 and the system's reason.
    public init(contentsOf path: String) throws(ConfigurationFileError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationFileError(
                file: path,
                line: 0,
                key: "",
                reason: "cannot read the file: \(error.localizedDescription)"
            )
        }
        try self.init(parsing: text, file: path)
    }

    /// Validates `text` (named `file` in errors).
    /// - Throws: ``ConfigurationFileError``.
    public init(parsing text: String, file: String) throws(ConfigurationFileError) {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationFileError(
                file: file,
                line: error.source.begin.line,
                key: "",
                reason: "TOML syntax: \(error.description)"
            )
        } catch {
            throw ConfigurationFileError(file: file, line: 1, key: "", reason: "TOML syntax: \(error)")
        }
        let reader = Reader(file: file, lines: Self.locate(text))
        self.init()
        for key in table.keys.sorted() {
            let value = table[key]!
            switch key {
            case "database":
                let section = try reader.table(value, key)
                try reader.only(section, key, ["path", "durability", "cache_kib"])
                databasePath = try reader.path(section, key, "path")
                databaseCacheKiB = try reader.integer(section, key, "cache_kib", in: 2048...16_777_216)
                if let text = try reader.string(section, key, "durability") {
                    guard let durability = Durability(rawValue: text) else {
                        throw reader.error(key, "durability", "\"\(text)\" is not one of full, normal")
                    }
                    databaseDurability = durability
                }
            case "ledger":
                let section = try reader.table(value, key)
                try reader.only(section, key, ["key"])
                ledgerKeyPath = try reader.path(section, key, "key")
            case "socket":
                let section = try reader.table(value, key)
                try reader.only(section, key, ["path", "group"])
                socketPath = try reader.path(section, key, "path")
                socketGroup = try reader.name(section, key, "group")
            case "varlink":
                let section = try reader.table(value, key)
                try reader.only(section, key, Self.varlinkKeys)
                let mebibyte = 1 << 20
                if let n = try reader.integer(section, key, "max_message_bytes", in: 1024...(16 * mebibyte)) {
                    varlinkLimits.maximumMessageLength = n
                }
                if let n = try reader.integer(section, key, "input_budget_bytes", in: 1024...(4096 * mebibyte)) {
                    varlinkLimits.inputBudget = n
                }
                if let n = try reader.integer(section, key, "output_buffer_bytes", in: 1024...(64 * mebibyte)) {
                    varlinkLimits.outputBufferSize = n
                }
                if let n = try reader.integer(section, key, "output_budget_bytes", in: mebibyte...(4096 * mebibyte)) {
                    varlinkLimits.outputBudget = n
                }
                if let n = try reader.integer(section, key, "read_chunk_bytes", in: 256...mebibyte) {
                    varlinkLimits.readChunkBytes = n
                }
                if let n = try reader.integer(section, key, "reply_stall_timeout_ms", in: 10...3_600_000) {
                    varlinkLimits.replyStallTimeout = .milliseconds(n)
                }
                if let n = try reader.integer(section, key, "partial_message_timeout_ms", in: 10...3_600_000) {
                    varlinkLimits.partialMessageTimeout = .milliseconds(n)
                }
                if let n = try reader.integer(section, key, "idle_timeout_ms", in: 10...86_400_000) {
                    varlinkLimits.idleTimeout = .milliseconds(n)
                }
                if let n = try reader.integer(section, key, "max_connections", in: 1...1_000_000) {
                    varlinkLimits.maximumConnections = n
                }
                if let n = try reader.integer(section, key, "max_connections_per_uid", in: 1...1_000_000) {
                    varlinkLimits.maximumConnectionsPerUID = n
                }
                if let n = try reader.integer(section, key, "descriptor_reserve", in: 0...1_000_000) {
                    varlinkLimits.descriptorReserve = n
                }
            case "replay":
                let section = try reader.table(value, key)
                try reader.only(section, key, ["directory", "max_file_bytes", "max_line_bytes"])
                replayDirectory = try reader.path(section, key, "directory")
                replayMaximumFileBytes = try reader.integer(section, key, "max_file_bytes", in: 1024...(1 << 30))
                replayMaximumLineBytes = try reader.integer(section, key, "max_line_bytes", in: 80...(1 << 20))
            case "roles":
                let section = try reader.table(value, key)
                try reader.only(section, key, ["admin", "clerk", "operator", "viewer"])
                if let name = try reader.name(section, key, "admin") { roleGroups.admin = name }
                if let name = try reader.name(section, key, "clerk") { roleGroups.clerk = name }
                if let name = try reader.name(section, key, "operator") { roleGroups.operator = name }
                if let name = try reader.name(section, key, "viewer") { roleGroups.viewer = name }
                let names = DepotRole.allCases.map { roleGroups.group(for: $0) }
                if Set(names).count != names.count {
                    throw reader.error(key, nil, "each role needs its own group; got \(names.joined(separator: ", "))")
                }
            case "log":
                let section = try reader.table(value, key)
                try reader.only(section, key, ["level"])
                if let level = try reader.string(section, key, "level") {
                    guard let parsed = Logger.Level(rawValue: level) else {
                        throw reader.error(
                            key,
                            "level",
                            "\"\(level)\" is not one of trace, debug, info, notice, warning, error, critical"
                        )
                    }
                    logLevel = parsed
                }
            case "counts":
                let section = try reader.table(value, key)
                try reader.only(section, key, ["max_variance_units", "max_variance_percent"])
                countMaxVarianceUnits = try reader.integer(section, key, "max_variance_units", in: 0...1_000_000_000)
                countMaxVariancePercent = try reader.integer(section, key, "max_variance_percent", in: 0...100_000)
            case "alerts":
                let section = try reader.table(value, key)
                try reader.only(section, key, ["expiring_within_days"])
                expiringWithinDays = try reader.integer(section, key, "expiring_within_days", in: 0...3650)
            case "epcis":
                let section = try reader.table(value, key)
                try reader.only(section, key, ["site_gln"])
                if let gln = try reader.string(section, key, "site_gln") {
                    guard EPCISIdentifiers.isGLN(gln) else {
                        throw reader.error(
                            key,
                            "site_gln",
                            "\"\(gln)\" is not a GLN: expected 13 digits with a valid GS1 check digit"
                        )
                    }
                    epcisSiteGLN = gln
                }
            case "scanner":
                guard let array = value.array else {
                    throw reader.error(key, nil, "expected [[scanner]] tables, got \(Reader.describe(value.type))")
                }
                for (index, element) in array.enumerated() {
                    let path = "scanner[\(index + 1)]"
                    guard let section = element.table else {
                        throw reader.error(path, nil, "expected a table, got \(Reader.describe(element.type))")
                    }
                    try reader.only(section, path, Array(Self.scannerKeys.keys))
                    var values: [String: ConfigurationValue] = [:]
                    for (name, type) in Self.scannerKeys {
                        guard let raw = section[name] else { continue }
                        switch type {
                        case .string:
                            guard let value = raw.string else {
                                throw reader.error(path, name, "expected a string, got \(Reader.describe(raw.type))")
                            }
                            values[name] = .string(value)
                        case .integer:
                            guard let value = raw.int else {
                                throw reader.error(path, name, "expected an integer, got \(Reader.describe(raw.type))")
                            }
                            values[name] = .integer(value)
                        case .boolean:
                            guard let value = raw.bool else {
                                throw reader.error(
                                    path,
                                    name,
                                    "expected true or false, got \(Reader.describe(raw.type))"
                                )
                            }
                            values[name] = .boolean(value)
                        case .strings:
                            guard let array = raw.array else {
                                throw reader.error(
                                    path,
                                    name,
                                    "expected an array of strings, got \(Reader.describe(raw.type))"
                                )
                            }
                            var strings: [String] = []
                            for element in array {
                                guard let text = element.string else {
                                    throw reader.error(
                                        path,
                                        name,
                                        "expected an array of strings, found \(Reader.describe(element.type))"
                                    )
                                }
                                strings.append(text)
                            }
                            values[name] = .strings(strings)
                        }
                    }
                    guard case .string(let name)? = values["name"], !name.isEmpty else {
                        throw reader.error(path, "name", "every [[scanner]] needs a non-empty name")
                    }
                    if scanners.contains(where: { $0.name == name }) {
                        throw reader.error(path, "name", "scanner name \"\(name)\" is used twice")
                    }
                    let (profile, windows) = try Self.scannerProfile(values, path: path, reader: reader)
                    var errorSignal = false
                    if case let .boolean(on)? = values["error_signal"] { errorSignal = on }
                    scanners.append(
                        ScannerProfileConfiguration(
                            name: name,
                            values: values,
                            profile: profile,
                            windows: windows,
                            errorSignal: errorSignal
                        )
                    )
                }
            default:
                throw reader.error(
                    key,
                    nil,
                    "unknown key; known: alerts, counts, database, epcis, ledger, log, replay, roles, scanner, socket, varlink"
                )
            }
        }
    }

    /// Builds a scanner profile from a `[[scanner]]` table's values through `ScannerProfile`'s own
    /// validation; `<GS>` (and `\x1d`) notation is decoded in prefixes, suffixes and substitutions.
    static func scannerProfile(
        _ values: [String: ConfigurationValue],
        path: String,
        reader: Reader
    ) throws(ConfigurationFileError) -> (ScannerProfile, DoubleScanWindows) {
        var json: [String: Any] = [:]
        let names = [
            "matches": "matches", "layout": "layout", "variant": "variant", "terminators": "terminators",
            "idle_gap_ms": "idleGapMilliseconds", "prefix": "prefix", "suffix": "suffix",
            "symbology_identifiers": "symbologyIdentifiers",
        ]
        for (key, field) in names {
            switch values[key] {
            case let .string(text)?:
                json[field] = key == "prefix" || key == "suffix" ? decodeSeparatorNotation(text) : text
            case let .strings(list)?: json[field] = list
            case let .integer(number)?: json[field] = number
            default: break
            }
        }
        if case let .strings(list)? = values["substitutions"] {
            var substitutions: [String: String] = [:]
            for entry in list {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw reader.error(path, "substitutions", "\"\(entry)\" is not KEY=TEXT (e.g. \"F8=<GS>\")")
                }
                substitutions[parts[0]] = decodeSeparatorNotation(parts[1])
            }
            json["substitutions"] = substitutions
        }
        let profile: ScannerProfile
        do {
            let data = try JSONSerialization.data(withJSONObject: json)
            profile = try JSONDecoder().decode(ScannerProfile.self, from: data)
        } catch let ScannerProfileError.invalidValue(field, value, reason) {
            let key = names.first { $0.value == field }?.key ?? (field == "substitutions" ? "substitutions" : field)
            throw reader.error(path, key, "\"\(value)\": \(reason)")
        } catch {
            throw reader.error(path, nil, "not a valid scanner profile: \(error)")
        }
        // The keymap must compile now, not when a scanner arrives (xkb_keymap_new_from_names(3)).
        do {
            _ = try KeyDecoder(layout: profile.layout, variant: profile.variant)
        } catch {
            throw reader.error(
                path,
                "layout",
                "no keymap for layout \"\(profile.layout)\"\(profile.variant.map { " variant \"\($0)\"" } ?? ""): \(error)"
            )
        }
        var windows = DoubleScanWindows.standard
        for mode in FloorMode.allCases {
            let key = "double_scan_\(mode.rawValue)_ms"
            guard case let .integer(ms)? = values[key] else { continue }
            guard (0...60_000).contains(ms) else { throw reader.error(path, key, "\(ms) is out of range 0...60000") }
            windows.windows[mode] = .milliseconds(ms)
        }
        return (profile, windows)
    }

    /// Line numbers of keys: `[section-or-"scanner[N]": [key: line]]`, plus each header's own line
    /// under the key "". TOMLKit gives no positions for values, so keys are found in the text.
    static func locate(_ text: String) -> [String: [String: Int]] {
        var lines: [String: [String: Int]] = [:]
        var section = ""
        var arrayCounts: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[["), let end = line.range(of: "]]") {
                let name = line[line.index(line.startIndex, offsetBy: 2)..<end.lowerBound].trimmingCharacters(
                    in: .whitespaces
                )
                arrayCounts[name, default: 0] += 1
                section = "\(name)[\(arrayCounts[name]!)]"
                lines[section, default: [:]][""] = index + 1
                lines[name, default: [:]][""] = lines[name]?[""] ?? index + 1
            } else if line.hasPrefix("["), let end = line.firstIndex(of: "]") {
                section = line[line.index(after: line.startIndex)..<end].trimmingCharacters(in: .whitespaces)
                lines[section, default: [:]][""] = index + 1
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                var key = line[..<equals].trimmingCharacters(in: .whitespaces)
                if key.hasPrefix("\""), key.hasSuffix("\""), key.count >= 2 { key = String(key.dropFirst().dropLast()) }
                if lines[section]?[key] == nil { lines[section, default: [:]][key] = index + 1 }
                if section.isEmpty, lines[key]?[""] == nil { lines[key, default: [:]][""] = index + 1 }
            }
        }
        return lines
    }

    /// Reads typed values and builds errors with lines.
    struct Reader {
        let file: String
        let lines: [String: [String: Int]]

        /// A TOML type as a floor supervisor reads it: "a string", "an integer", "true or false", ...
        static func describe(_ type: TOMLType) -> String {
            switch type {
            case .string: "a string"
            case .int: "an integer"
            case .double: "a decimal number"
            case .bool: "true or false"
            case .table: "a table"
            case .array: "an array"
            case .date, .time, .dateTime: "a date or time"
            }
        }

        func error(_ section: String, _ key: String?, _ reason: String) -> ConfigurationFileError {
            let line = key.flatMap { lines[section]?[$0] } ?? lines[section]?[""] ?? 1
            return ConfigurationFileError(
                file: file,
                line: line,
                key: key.map { "\(section).\($0)" } ?? section,
                reason: reason
            )
        }

        func table(_ value: any TOMLValueConvertible, _ section: String) throws(ConfigurationFileError) -> TOMLTable {
            guard let table = value.table else {
                throw error(section, nil, "expected a table [\(section)], got \(Self.describe(value.type))")
            }
            return table
        }

        func only(_ table: TOMLTable, _ section: String, _ known: [String]) throws(ConfigurationFileError) {
            for key in table.keys.sorted() where !known.contains(key) {
                throw error(
                    section,
                    key,
                    "unknown key; known in [\(section)]: \(known.sorted().joined(separator: ", "))"
                )
            }
        }

        func string(_ table: TOMLTable, _ section: String, _ key: String) throws(ConfigurationFileError) -> String? {
            guard let value = table[key] else { return nil }
            guard let string = value.string else {
                throw error(section, key, "expected a string, got \(Self.describe(value.type))")
            }
            return string
        }

        func path(_ table: TOMLTable, _ section: String, _ key: String) throws(ConfigurationFileError) -> String? {
            guard let path = try string(table, section, key) else { return nil }
            guard path.hasPrefix("/") else { throw error(section, key, "\"\(path)\" is not an absolute path") }
            return path
        }

        /// A Unix group name (useradd(8)'s rule: letters, digits, `_`, `-`, `.`; not starting with `-`).
        func name(_ table: TOMLTable, _ section: String, _ key: String) throws(ConfigurationFileError) -> String? {
            guard let name = try string(table, section, key) else { return nil }
            let allowed = name.utf8.allSatisfy { byte in
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                    || byte == 0x5F || byte == 0x2D || byte == 0x2E
            }
            guard !name.isEmpty, name.utf8.count <= 32, allowed, !name.hasPrefix("-") else {
                throw error(section, key, "\"\(name)\" is not a valid group name (letters, digits, _ - . ; at most 32)")
            }
            return name
        }

        func integer(
            _ table: TOMLTable,
            _ section: String,
            _ key: String,
            in range: ClosedRange<Int>
        ) throws(ConfigurationFileError) -> Int? {
            guard let value = table[key] else { return nil }
            guard let number = value.int else {
                throw error(section, key, "expected an integer, got \(Self.describe(value.type))")
            }
            guard range.contains(number) else {
                throw error(section, key, "\(number) is out of range \(range.lowerBound)...\(range.upperBound)")
            }
            return number
        }
    }
}
