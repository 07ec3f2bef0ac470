// floor-bench: scan-to-commit latency of the floor path (docs/benchmarks.md, "Floor").
//
// Builds a catalogue on a temporary SQLite file, types a generated shift for each scanner into an
// evemu-record capture (ScannerInput's KeyTyping, US keyboard mode), and replays every capture
// concurrently through ScannerHub.replay at real speed: key decoding and framing (ScanDecoder),
// FloorService.submit, the scanner's FloorSession, and one engine transaction per effect with the
// scan id. Per scan it measures, on ContinuousClock (CLOCK_MONOTONIC), the time from the scan's
// last key event (when the scanner finished sending it) to the return of FloorService.submit
// (after the effect committed). docs/benchmarks.md ("Floor") explains the numbers.
//
//   floor-bench [--scanners 50] [--rate 5] [--seconds 30] [--items 1000] [--locations 200] [--json]
import ArgumentParser
import DepotService
import Floor
import Foundation
import Inventory
import Logging
import ScannerInput
import Synchronization

@main
struct FloorBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "floor-bench",
        abstract: "Measures scan-to-commit latency of replayed scanners on the real floor path."
    )

    @Option(help: "Scanners replayed at once.")
    var scanners = 50
    @Option(help: "Scans per second per scanner.")
    var rate = 5.0
    @Option(help: "Length of each scanner's shift in seconds of replay.")
    var seconds = 30.0
    @Option(help: "Items in the catalogue (each with a GTIN-13; half lot- and expiry-tracked).")
    var items = 1000
    @Option(help: "Locations in the catalogue: one dock per scanner, the rest storage.")
    var locations = 200
    @Option(help: "Milliseconds between key events as the scanner sends them (USB HID polls at 1 ms).")
    var keyInterval = 1.0
    @Option(help: "Keep the database and captures in this directory instead of a temporary one.")
    var directory: String?
    @Option(
        help:
            "Seconds at the start (while the replays read their captures and compile keymaps) reported apart from the steady state."
    )
    var warmup = 2.0
    @Flag(help: "Also print latency per second of the replay.")
    var timeline = false
    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard scanners >= 1 else { throw ValidationError("--scanners must be at least 1, not \(scanners)") }
        guard rate > 0 else { throw ValidationError("--rate must be above 0, not \(rate)") }
        guard seconds > 0 else { throw ValidationError("--seconds must be above 0, not \(seconds)") }
        guard items >= 2 else { throw ValidationError("--items must be at least 2, not \(items)") }
        guard locations >= scanners + 2 else {
            throw ValidationError("--locations must be at least --scanners + 2 (\(scanners + 2)), not \(locations)")
        }
        guard warmup >= 0 else { throw ValidationError("--warmup must be 0 or more, not \(warmup)") }
        guard keyInterval > 0 else { throw ValidationError("--key-interval must be above 0, not \(keyInterval)") }
    }

    func run() async throws {
        let directory = self.directory ?? NSTemporaryDirectory() + "floor-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if self.directory == nil { try? FileManager.default.removeItem(atPath: directory) } }

        var configuration = DepotConfiguration(
            databasePath: directory + "/depot.sqlite",
            socketPath: directory + "/depotd.sock",
            now: Catalogue.now,
            timeZone: TimeZone(identifier: "UTC")!,
            logLevel: .warning
        )
        configuration.scannerDiscovery = false
        var logger = Logger(label: "depot.floor-bench")
        logger.logLevel = .warning
        let app = try DepotApplication.build(configuration: configuration, logger: logger)

        let catalogue = Catalogue(items: items, locations: locations, scanners: scanners)
        let setupStart = ContinuousClock.now
        try await catalogue.install(in: app.store)
        let setup = ContinuousClock.now - setupStart

        let period = Duration.seconds(1 / rate)
        let scansPerScanner = max(1, Int((seconds * rate).rounded()))
        var paths: [String] = []
        var planned = 0
        for scanner in 0..<scanners {
            var generator = ShiftGenerator(catalogue: catalogue, scanner: scanner)
            let texts = generator.texts(count: scansPerScanner)
            let recording = try Capture.recording(
                texts: texts,
                scanner: scanner,
                period: period,
                keyInterval: .microseconds(Int64(keyInterval * 1000))
            )
            let path = directory + "/scanner-\(scanner).evemu"
            try recording.formatted().write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
            planned += texts.count
        }

        let samples = Samples()
        let hub = app.scanners
        let replayStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (scanner, path) in paths.enumerated() {
                // Scanners start spread over one period, as independent workers would.
                let phase = period * (Double(scanner) / Double(scanners))
                group.addTask {
                    try await Task.sleep(until: replayStart + phase)
                    _ = try await hub.replay(
                        path: path,
                        scannerID: Catalogue.scannerID(scanner),
                        speed: 1,
                        onTiming: { timing in samples.list.withLock { $0.append(Sample(timing, since: replayStart)) } }
                    )
                }
            }
            try await group.waitForAll()
        }
        let wall = ContinuousClock.now - replayStart

        let report = try await app.store.verify()
        try app.store.close()
        let result = Result(
            scanners: scanners,
            rate: rate,
            seconds: seconds,
            items: items,
            locations: locations,
            keyIntervalMs: keyInterval,
            warmup: .seconds(warmup),
            planned: planned,
            samples: samples.list.withLock { $0 },
            wall: wall,
            setup: setup,
            verifyOK: report.ok,
            balancesChecked: report.balancesChecked
        )
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result.json), as: UTF8.self))
        } else {
            print(result.text)
            if timeline { print(result.timeline) }
        }
        guard report.ok, result.samples.count == planned else { throw ExitCode(1) }
    }
}

/// The measurements of every scanner's replay, shared by their tasks.
final class Samples: Sendable {
    let list = Mutex<[Sample]>([])
}

/// One scan's measurement.
struct Sample: Sendable {
    var latency: Duration
    var refused: Bool
    var effect: Bool
    var kind: String
    var message: String
    /// When the scan was made, since the replays started.
    var offset: Duration

    init(_ timing: ReplayTiming, since start: ContinuousClock.Instant) {
        latency = timing.latency
        offset = timing.scanned - start
        refused = timing.feedback.level == .error
        effect = !timing.feedback.movements.isEmpty
        kind = timing.feedback.kind
        message = timing.feedback.message
    }
}

/// Latency percentiles of a set of samples, in milliseconds (nearest-rank).
struct Percentiles: Codable {
    var count: Int
    var p50: Double
    var p90: Double
    var p99: Double
    var max: Double

    init(_ latencies: [Duration]) {
        let sorted = latencies.map { Double($0.components.seconds) * 1e3 + Double($0.components.attoseconds) * 1e-15 }
            .sorted()
        func rank(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return sorted[Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
        }
        count = sorted.count
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        max = sorted.last ?? 0
    }

    var text: String {
        String(format: "n=%d  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms", count, p50, p90, p99, max)
    }
}

/// What one run measured.
struct Result {
    var scanners: Int
    var rate: Double
    var seconds: Double
    var items: Int
    var locations: Int
    var keyIntervalMs: Double
    var warmup: Duration
    var planned: Int
    var samples: [Sample]
    var wall: Duration
    var setup: Duration
    var verifyOK: Bool
    var balancesChecked: Int

    struct JSON: Codable {
        var scanners: Int
        var rate: Double
        var seconds: Double
        var items: Int
        var locations: Int
        var keyIntervalMs: Double
        var warmupSeconds: Double
        var planned: Int
        var scans: Int
        var refused: Int
        var effects: Int
        var wallSeconds: Double
        var throughput: Double
        /// Scans made after the warm-up.
        var steady: Percentiles
        var effectful: Percentiles
        var readOnly: Percentiles
        /// Scans made during the warm-up.
        var startup: Percentiles
        var verifyOK: Bool
        var balancesChecked: Int
    }

    var wallSeconds: Double { Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18 }
    var refused: [Sample] { samples.filter(\.refused) }
    var steady: [Sample] { samples.filter { $0.offset >= warmup } }

    /// p50, p99 and max per second of the replay.
    var timeline: String {
        var seconds: [Int64: [Duration]] = [:]
        for sample in samples { seconds[sample.offset.components.seconds, default: []].append(sample.latency) }
        return seconds.keys.sorted().map { "  second \($0): " + Percentiles(seconds[$0]!).text }.joined(separator: "\n")
    }

    var json: JSON {
        JSON(
            scanners: scanners,
            rate: rate,
            seconds: seconds,
            items: items,
            locations: locations,
            keyIntervalMs: keyIntervalMs,
            warmupSeconds: Double(warmup.components.seconds) + Double(warmup.components.attoseconds) * 1e-18,
            planned: planned,
            scans: samples.count,
            refused: refused.count,
            effects: samples.filter(\.effect).count,
            wallSeconds: wallSeconds,
            throughput: Double(samples.count) / wallSeconds,
            steady: Percentiles(steady.map(\.latency)),
            effectful: Percentiles(steady.filter(\.effect).map(\.latency)),
            readOnly: Percentiles(steady.filter { !$0.effect }.map(\.latency)),
            startup: Percentiles(samples.filter { $0.offset < warmup }.map(\.latency)),
            verifyOK: verifyOK,
            balancesChecked: balancesChecked
        )
    }

    var text: String {
        let j = json
        var lines = [
            "floor-bench: \(scanners) scanners x \(String(format: "%g", rate)) scans/s, \(String(format: "%g", seconds)) s each, "
                + "\(items) items, \(locations) locations, key interval \(String(format: "%g", keyIntervalMs)) ms",
            String(
                format: "setup %.1f s; replay %.1f s wall; %d of %d planned scans answered; %.1f scans/s",
                Double(setup.components.seconds) + Double(setup.components.attoseconds) * 1e-18,
                wallSeconds,
                j.scans,
                planned,
                j.throughput
            ),
            "latency from the scan's last key event to FloorService.submit returning (committed),",
            String(format: "scans made after the first %g s:", j.warmupSeconds),
            "  all scans        " + j.steady.text,
            "  with effect      " + j.effectful.text,
            "  without effect   " + j.readOnly.text,
            String(format: "scans made in the first %g s (replays starting):", j.warmupSeconds),
            "  all scans        " + j.startup.text,
            "refused (error feedback): \(j.refused)",
        ]
        var reasons: [String: Int] = [:]
        for sample in refused { reasons[sample.message, default: 0] += 1 }
        for (message, count) in reasons.sorted(by: { $0.value > $1.value }).prefix(5) {
            lines.append("  \(count) x \(message)")
        }
        lines.append("verify: \(verifyOK ? "ok" : "FAILED") (\(balancesChecked) balances)")
        return lines.joined(separator: "\n")
    }
}
