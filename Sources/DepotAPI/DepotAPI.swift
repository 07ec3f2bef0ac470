import Foundation
import GS1

/// depot's Varlink interfaces: their names, IDL texts (the files in Sources/DepotAPI/Interfaces,
/// embedded at build time) and the JSON conventions both ends use. The Swift types of each
/// interface (``OrgDepotInventory``, ``OrgDepotCounts``, ``OrgDepotScanner``, ``OrgDepotAdmin``)
/// are generated from those files into Sources/DepotAPI/Generated (`make codegen`).
public enum DepotAPI {
    /// `org.depot.inventory`: items, locations, lots, stock, allocation, orders, ledger.
    public static let inventory = "org.depot.inventory"

    /// The IDL text of `org.depot.inventory` (varlink.org interface definition grammar).
    public static var inventoryDescription: String {
        String(decoding: PackageResources.org_depot_inventory_varlink, as: UTF8.self)
    }

    /// `org.depot.scanner`: scanners, floor sessions, scan injection, the monitor stream.
    public static let scanner = "org.depot.scanner"

    /// The IDL text of `org.depot.scanner`.
    public static var scannerDescription: String {
        String(decoding: PackageResources.org_depot_scanner_varlink, as: UTF8.self)
    }

    /// `org.depot.counts`: stock count sessions, recounts, approval and cycle-count schedules (docs/counts.md).
    public static let counts = "org.depot.counts"

    /// The IDL text of `org.depot.counts` (varlink.org interface definition grammar).
    public static var countsDescription: String {
        String(decoding: PackageResources.org_depot_counts_varlink, as: UTF8.self)
    }

    /// `org.depot.admin`: configuration reload and online backup.
    public static let admin = "org.depot.admin"

    /// The IDL text of `org.depot.admin`.
    public static var adminDescription: String {
        String(decoding: PackageResources.org_depot_admin_varlink, as: UTF8.self)
    }

    /// Vendor, product and URL reported by `org.varlink.service.GetInfo`.
    public static let vendor = "depot"
    /// Product name reported by `org.varlink.service.GetInfo`.
    public static let product = "depotd"
    /// URL reported by `org.varlink.service.GetInfo` (a placeholder under the reserved `.invalid` domain,
    /// RFC 2606).
    public static let url = "https://depot.invalid/docs"
    /// The depot version string.
    public static let version = "0.1.0"

    /// Default socket paths: for the system service and for a normal user.
    public static let systemSocketPath = "/run/depot/depotd.sock"

    /// The socket path a normal user's depotd listens on: `$XDG_RUNTIME_DIR/depot/depotd.sock`,
    /// or `/tmp/depot-UID/depotd.sock` without XDG_RUNTIME_DIR.
    public static func userSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/depot/depotd.sock" }
        return "/tmp/depot-\(getuid())/depotd.sock"
    }

    /// The socket depotctl and depotd use when none is given: `$DEPOT_SOCKET`, else the system
    /// path for root, else the user path.
    public static func defaultSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String
    {
        if let path = environment["DEPOT_SOCKET"], !path.isEmpty { return path }
        return getuid() == 0 ? systemSocketPath : userSocketPath(environment: environment)
    }

    /// The socket depotctl connects to when none is given: `$DEPOT_SOCKET`; else for root the
    /// system path; else the user's own depotd socket when it exists, otherwise the system
    /// service's socket (a floor user talking to the system depotd).
    public static func clientSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["DEPOT_SOCKET"], !path.isEmpty { return path }
        if getuid() == 0 { return systemSocketPath }
        let user = userSocketPath(environment: environment)
        return FileManager.default.fileExists(atPath: user) ? user : systemSocketPath
    }

    /// The JSON encoder of depot's wire format: instants as ISO 8601 UTC with milliseconds.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatInstant(date))
        }
        return encoder
    }

    /// The JSON decoder of depot's wire format: instants as ISO 8601 with or without fractions.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseInstant(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "expected an ISO 8601 instant such as 2026-03-01T08:00:00Z, got \"\(text)\""
                )
            }
            return date
        }
        return decoder
    }

    /// `2026-03-01T08:00:00.000Z`: the instant in UTC, truncated to whole milliseconds.
    ///
    /// The text is exactly what Foundation's `Date.ISO8601FormatStyle` (year, month, day, time
    /// with fractional seconds, `Z`) prints, which truncates the fraction of the seconds counted
    /// from the reference date (2001-01-01T00:00:00Z). It is computed directly (Howard Hinnant's
    /// civil_from_days, in ``CalendarDate``) because the format style was the largest single cost of encoding a pick
    /// reply (docs/benchmarks.md); instants outside the years 1600 to 9999 (Foundation switches to the Julian calendar before 1582) still go through the style.
    public static func formatInstant(_ date: Date) -> String {
        // Rounded to the nearest millisecond: stored instants are whole milliseconds, which a
        // Double near 10^9 s cannot always hold exactly (x.573 may be x.57299...).
        let milliseconds = (date.timeIntervalSinceReferenceDate * 1000).rounded()
        let whole = (milliseconds / 1000).rounded(.down)
        if whole.magnitude < 1e12 {
            // Seconds between 1970-01-01 and 2001-01-01.
            let seconds = Int(whole) + 978_307_200
            let millisecond = Int(milliseconds - whole * 1000)
            let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
            let secondOfDay = seconds - days * 86_400
            let date = CalendarDate(daysSinceEpoch: days)
            let (year, month, day) = (date.year, date.month, date.day)
            if (1600...9999).contains(year) {
                return String(unsafeUninitializedCapacity: 24) { text in
                    func put(_ value: Int, _ width: Int, at offset: Int) {
                        var value = value
                        for position in stride(from: offset + width - 1, through: offset, by: -1) {
                            text[position] = UInt8(ascii: "0") + UInt8(value % 10)
                            value /= 10
                        }
                    }
                    put(year, 4, at: 0)
                    text[4] = UInt8(ascii: "-")
                    put(month, 2, at: 5)
                    text[7] = UInt8(ascii: "-")
                    put(day, 2, at: 8)
                    text[10] = UInt8(ascii: "T")
                    put(secondOfDay / 3600, 2, at: 11)
                    text[13] = UInt8(ascii: ":")
                    put(secondOfDay / 60 % 60, 2, at: 14)
                    text[16] = UInt8(ascii: ":")
                    put(secondOfDay % 60, 2, at: 17)
                    text[19] = UInt8(ascii: ".")
                    put(millisecond, 3, at: 20)
                    text[23] = UInt8(ascii: "Z")
                    return 24
                }
            }
        }
        // Outside years 1600-9999: Foundation's text of the same rounded millisecond (it truncates,
        // so the millisecond plus 0.4 ms prints that millisecond).
        return Date(timeIntervalSinceReferenceDate: milliseconds / 1000 + 0.0004)
            .formatted(
                .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
            )
    }

    /// Parses an ISO 8601 instant with an offset or `Z`, with or without fractional seconds.
    /// Strict: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` with a real calendar date and a time of
    /// day below 24:00:00 (RFC 3339 section 5.6); 2025-02-29 is refused, not rolled over. The
    /// offset's minutes are below 60 and the offset is within ±14:00 (`+25:00` is refused).
    public static func parseInstant(_ text: String) -> Date? {
        guard InstantText.isValid(text) else { return nil }
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return withFraction.date(from: text) ?? plain.date(from: text)
    }
}
