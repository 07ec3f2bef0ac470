import ArgumentParser
import DepotAPI
import DepotService
import Foundation
import Inventory
import Logging
import Varlink

/// `depot-bench`: FEFO picks per second and latency, in-process and through the Varlink socket,
/// in the same run on the same database (results in docs/benchmarks.md).
@main
struct DepotBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depot-bench",
        abstract: "Benchmark FEFO picks: directly on the engine and through depotd's Varlink socket.",
        discussion: """
            Builds (once, cached by path) a database of --items × --lots-per-item lots over
            --locations locations, starts a real depot Varlink server (DepotApplication) on a
            temporary socket in this process, then for each client count measures picks issued
            directly (InventoryStore.pick on the daemon's own store) and through the socket
            (org.depot.inventory.Pick over VarlinkConnection), with a warm-up before each phase.
            Ends with the engine's verify (integrity, foreign keys, balances against the ledger);
            exits 1 when verify fails.
            """
    )

    @Option(help: "SQLite file of the benchmark database (reused when its shape matches).")
    var database: String = "/tmp/depot-bench/depot-bench.sqlite"

    @Flag(help: "Rebuild the database even when a matching one exists.")
    var rebuild = false

    @Option(help: "Items (each expiry-tracked, FEFO).")
    var items = 100_000

    @Option(name: .customLong("lots-per-item"), help: "Lots per item (one balance each).")
    var lotsPerItem = 10

    @Option(help: "Locations.")
    var locations = 10_000

    @Option(help: "Comma-separated numbers of concurrent clients, one phase each.")
    var clients = "1,4,16"

    @Option(help: "Seconds measured per phase.")
    var duration: Double = 5

    @Option(help: "Seconds of warm-up before each phase (not measured).")
    var warmup: Double = 1

    @Option(help: "Seed of the database contents and of the picks.")
    var seed: UInt64 = 20_260_301

    @Option(
        help: "Comma-separated paths to measure: direct, socket (one alone is for profiling, e.g. under callgrind)."
    )
    var paths = "direct,socket"

    @Option(help: "When a commit is on disk: full (fsync per commit, depotd's default) or normal (PRAGMA synchronous).")
    var durability = "full"

    @Option(
        name: .customLong("writer-cache-kib"),
        help: "The writer's SQLite page cache in KiB (depotd's default 65536; SQLite's own default 2048)."
    )
    var writerCacheKiB = InventoryStore.defaultWriterCacheKiB

    @Flag(help: "Print the results as JSON instead of a table.")
    var json = false

    /// "Now" of every run: 2026-03-01T08:00:00Z, so lot expiry dates sit around a fixed "today".
    static let now = Date(timeIntervalSince1970: 1_772_352_000)

    func validate() throws {
        guard items > 0 else { throw ValidationError("--items \(items) must be at least 1") }
        guard lotsPerItem > 0, lotsPerItem < 100 else {
            throw ValidationError("--lots-per-item \(lotsPerItem) must be 1 to 99")
        }
        guard locations > 0, locations < 100_000 else {
            throw ValidationError("--locations \(locations) must be 1 to 99999")
        }
        guard duration > 0 else { throw ValidationError("--duration \(duration) must be above 0 seconds") }
        guard warmup >= 0 else { throw ValidationError("--warmup \(warmup) must not be negative") }
        _ = try clientCounts()
        _ = try pathNames()
        _ = try durabilityLevel()
    }

    func durabilityLevel() throws -> Durability {
        guard let level = Durability(rawValue: durability) else {
            throw ValidationError("--durability \"\(durability)\" must be full or normal")
        }
        return level
    }

    func pathNames() throws -> [String] {
        let names = paths.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty, names.allSatisfy({ $0 == "direct" || $0 == "socket" }) else {
            throw ValidationError("--paths \"\(paths)\" must be direct, socket or both, comma-separated")
        }
        return names
    }

    func clientCounts() throws -> [Int] {
        let counts = clients.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 256 }) else {
            throw ValidationError("--clients \"\(clients)\" must be a comma-separated list of numbers from 1 to 256")
        }
        return counts.map { $0! }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let note: (String) -> Void = { line in
            FileHandle.standardError.write(Data(("depot-bench: " + line + "\n").utf8))
        }
        let shape = BenchShape(items: items, lotsPerItem: lotsPerItem, locations: locations, seed: seed, now: Self.now)
        note("database \(database): \(shape.lots) lots, \(shape.items) items, \(shape.locations) locations")
        let info = try BenchDatabase.prepare(
            path: database,
            shape: shape,
            rebuild: rebuild,
            progress: { note("setup " + $0) }
        )
        note(
            info.reused
                ? "reusing the existing database" : String(format: "database built in %.1f s", info.buildSeconds)
        )

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("depot-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let socketPath = scratch + "/depotd.sock"

        let (listening, listeningContinuation) = AsyncStream.makeStream(of: Void.self)
        var configuration = DepotConfiguration(
            databasePath: database,
            socketPath: socketPath,
            now: Self.now,
            timeZone: TimeZone(identifier: "UTC")!,
            logLevel: .warning
        )
        configuration.durability = try durabilityLevel()
        configuration.writerCacheKiB = writerCacheKiB
        // The bulk load writes an unkeyed ledger; key it from here on (ledger.key beside the
        // database, kept for the next run), so the picks measured are depotd's keyed ones.
        configuration.adoptUnkeyedLedger = true
        let application = try DepotApplication.build(
            configuration: configuration,
            logger: Logger(label: "depot-bench.depotd"),
            onListening: { listeningContinuation.yield() }
        )
        let server = Task { try await application.run() }
        for await _ in listening { break }

        let counts = try clientCounts()
        var phases: [PhaseResult] = []
        let actor = "uid:\(getuid())"
        let direct = PickWorkload.direct(application.store, actor: actor)
        var phaseSeed = seed
        for count in counts {
            var connections: [VarlinkConnection] = []
            for _ in 0..<count { connections.append(try await VarlinkConnection.connect(unixPath: socketPath)) }
            try await checkSocketReply(connections[0])
            let socket = PickWorkload.socket(connections)
            let selected = try pathNames()
            for (name, operation) in [("direct", direct), ("socket", socket)] where selected.contains(name) {
                phaseSeed &+= 1
                if warmup > 0 {
                    _ = try await PickWorkload.run(
                        path: name,
                        clients: count,
                        duration: Self.duration(warmup),
                        items: items,
                        seed: phaseSeed &* 31,
                        operation: operation
                    )
                }
                let phase = try await PickWorkload.run(
                    path: name,
                    clients: count,
                    duration: Self.duration(duration),
                    items: items,
                    seed: phaseSeed,
                    operation: operation
                )
                note(
                    String(
                        format: "%@ × %d: %.0f picks/s, p50 %.3f ms, p99 %.3f ms, %.0f CPU µs/pick",
                        name,
                        count,
                        phase.picksPerSecond,
                        phase.p50,
                        phase.p99,
                        phase.cpuMicrosecondsPerPick
                    )
                )
                phases.append(phase)
            }
            for connection in connections { await connection.close() }
        }

        note("verify")
        let report = try await application.store.verify()
        server.cancel()
        try? await server.value

        let result = BenchResult(
            database: database,
            lots: shape.lots,
            items: shape.items,
            locations: shape.locations,
            databaseReused: info.reused,
            databaseBuildSeconds: info.buildSeconds,
            databaseBytes: BenchDatabase.fileSize(database),
            seed: seed,
            durability: durability,
            duration: duration,
            warmup: warmup,
            phases: phases,
            verifyOK: report.ok,
            balancesChecked: report.balancesChecked
        )
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(result.table())
        }
        guard report.ok else {
            note(
                "verify FAILED: integrity \(report.integrity), foreign keys \(report.foreignKeys.count), "
                    + "balance mismatches \(report.mismatches.count), reservation mismatches \(report.reservationMismatches)"
            )
            throw ExitCode(1)
        }
    }

    /// One socket pick, its reply decoded, to check the socket path does real picks before timing it.
    private func checkSocketReply(_ connection: VarlinkConnection) async throws {
        struct Reply: Decodable {
            var sku: String
            var movements: [Movement]
            var dryRun: Bool
        }
        var rng = SplitMix64(seed: seed ^ 0xC0FFEE)
        for _ in 0..<20 {
            let spec = PickWorkload.spec(&rng, items: items)
            do {
                let reply = try await connection.call(
                    "org.depot.inventory.Pick",
                    PickParameters(item: spec.sku, quantity: spec.quantity)
                )
                let decoded = try DepotAPI.makeDecoder().decode(Reply.self, from: reply.parameters)
                guard decoded.sku == spec.sku, !decoded.dryRun,
                    decoded.movements.reduce(0, { $0 + $1.quantity }) == spec.quantity
                else {
                    throw ValidationError("socket pick of \(spec.quantity) \(spec.sku) answered \(decoded)")
                }
                return
            } catch let error as VarlinkError where error.name == "org.depot.inventory.AllocationShort" {
                continue
            }
        }
        throw ValidationError("20 socket picks in a row were short: the database has too little allocatable stock")
    }

    static func duration(_ seconds: Double) -> Duration { .milliseconds(Int64(seconds * 1000)) }
}

/// Everything one run measured.
struct BenchResult: Encodable {
    var database: String
    var lots: Int
    var items: Int
    var locations: Int
    var databaseReused: Bool
    var databaseBuildSeconds: Double
    var databaseBytes: Int64
    var seed: UInt64
    /// `full` or `normal` (``Durability``).
    var durability: String
    var duration: Double
    var warmup: Double
    var phases: [PhaseResult]
    var verifyOK: Bool
    var balancesChecked: Int

    /// socket picks/s ÷ direct picks/s for each client count.
    var ratios: [String: Double] {
        var ratios: [String: Double] = [:]
        for socket in phases where socket.path == "socket" {
            if let direct = phases.first(where: { $0.path == "direct" && $0.clients == socket.clients }),
                direct.picksPerSecond > 0
            {
                ratios[String(socket.clients)] = socket.picksPerSecond / direct.picksPerSecond
            }
        }
        return ratios
    }

    enum CodingKeys: String, CodingKey {
        case database, lots, items, locations, databaseReused, databaseBuildSeconds, databaseBytes, seed, durability,
            duration, warmup
        case phases, verifyOK, balancesChecked, ratios
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(database, forKey: .database)
        try c.encode(lots, forKey: .lots)
        try c.encode(items, forKey: .items)
        try c.encode(locations, forKey: .locations)
        try c.encode(databaseReused, forKey: .databaseReused)
        try c.encode(databaseBuildSeconds, forKey: .databaseBuildSeconds)
        try c.encode(databaseBytes, forKey: .databaseBytes)
        try c.encode(seed, forKey: .seed)
        try c.encode(durability, forKey: .durability)
        try c.encode(duration, forKey: .duration)
        try c.encode(warmup, forKey: .warmup)
        try c.encode(phases, forKey: .phases)
        try c.encode(verifyOK, forKey: .verifyOK)
        try c.encode(balancesChecked, forKey: .balancesChecked)
        try c.encode(ratios, forKey: .ratios)
    }

    /// The human-readable report.
    func table() -> String {
        var lines: [String] = []
        lines.append("FEFO picks: \(lots) lots, \(items) items, \(locations) locations; today 2026-03-01")
        lines.append(
            String(
                format: "database: %@ (%.1f MB, %@ in %.1f s)",
                database,
                Double(databaseBytes) / 1e6,
                databaseReused ? "reused, built" : "built",
                databaseBuildSeconds
            )
        )
        lines.append(
            String(format: "each phase: %.1f s warm-up, %.1f s measured; durability %@", warmup, duration, durability)
        )
        lines.append("")
        lines.append(
            pad("path", 8) + pad("clients", 8, right: true) + pad("picks", 9, right: true)
                + pad("short", 7, right: true)
                + pad("picks/s", 10, right: true) + pad("p50 ms", 9, right: true) + pad("p90 ms", 9, right: true)
                + pad("p99 ms", 9, right: true) + pad("max ms", 9, right: true) + pad("CPU µs/pick", 13, right: true)
        )
        for phase in phases {
            lines.append(
                pad(phase.path, 8) + pad(String(phase.clients), 8, right: true)
                    + pad(String(phase.picks), 9, right: true)
                    + pad(String(phase.short), 7, right: true)
                    + pad(String(format: "%.0f", phase.picksPerSecond), 10, right: true)
                    + pad(String(format: "%.3f", phase.p50), 9, right: true)
                    + pad(String(format: "%.3f", phase.p90), 9, right: true)
                    + pad(String(format: "%.3f", phase.p99), 9, right: true)
                    + pad(String(format: "%.3f", phase.max), 9, right: true)
                    + pad(String(format: "%.0f", phase.cpuMicrosecondsPerPick), 13, right: true)
            )
        }
        lines.append("")
        for (clients, ratio) in ratios.sorted(by: { Int($0.key)! < Int($1.key)! }) {
            lines.append(String(format: "socket/direct picks/s with %@ client(s): %.2f", clients, ratio))
        }
        lines.append("verify: \(verifyOK ? "ok" : "FAILED") (\(balancesChecked) balances checked against the ledger)")
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}
