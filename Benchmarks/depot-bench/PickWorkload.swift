import Foundation
import Inventory
import Varlink

/// How one pick ended.
enum PickOutcome: Sendable {
    /// Stock was taken.
    case picked
    /// The rule refused: too little allocatable stock (`AllocationShort`); real work all the same.
    case short
}

/// One pick the workload issues: an item by SKU and a small quantity.
struct PickSpec: Sendable {
    var sku: String
    var quantity: Int64
}

/// The Varlink parameters of `org.depot.inventory.Pick` the socket clients send.
struct PickParameters: Encodable, Sendable {
    var item: String
    var quantity: Int64
}

/// The latencies and outcomes of one measured phase (one path, one client count).
struct PhaseResult: Codable, Sendable {
    /// `direct` or `socket`.
    var path: String
    var clients: Int
    /// Completed picks (picked + short).
    var picks: Int
    /// Picks refused as short (included in ``picks``).
    var short: Int
    /// Wall time of the phase, seconds.
    var seconds: Double
    /// picks / seconds.
    var picksPerSecond: Double
    /// Latency percentiles of one pick, milliseconds (nearest rank).
    var p50: Double
    var p90: Double
    var p99: Double
    var max: Double
    /// CPU time (user + system, whole process: clients, server and engine) per pick,
    /// microseconds. Unlike wall time it hardly depends on what else runs on the machine.
    var cpuMicrosecondsPerPick: Double
}

/// User plus system CPU time of this process so far, microseconds (getrusage(2), RUSAGE_SELF).
func processCPUMicroseconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
}

/// Runs a pick operation from N concurrent clients for a while and measures each call.
enum PickWorkload {
    /// Chooses the pick of step `step` of a client: uniform item, 1 to 3 units.
    static func spec(_ rng: inout SplitMix64, items: Int) -> PickSpec {
        let item = 1 + Int(rng.next(below: UInt64(items)))
        return PickSpec(sku: BenchShape.sku(item), quantity: 1 + Int64(rng.next(below: 3)))
    }

    /// Runs `clients` tasks, each calling `operation(client, spec)` back to back until `duration`
    /// has passed; returns the measured phase. Each client has its own generator seeded from
    /// `seed` and its index. `operation` errors other than a short allocation end the run.
    static func run(
        path: String,
        clients: Int,
        duration: Duration,
        items: Int,
        seed: UInt64,
        operation: @escaping @Sendable (Int, PickSpec) async throws -> PickOutcome
    ) async throws -> PhaseResult {
        let clock = ContinuousClock()
        let cpuStarted = processCPUMicroseconds()
        let started = clock.now
        let deadline = started + duration
        var latencies: [Int64] = []
        var short = 0
        try await withThrowingTaskGroup(of: ([Int64], Int).self) { group in
            for client in 0..<clients {
                group.addTask {
                    var rng = SplitMix64(seed: seed &+ UInt64(client) &* 0x1000_0000_01B3)
                    var own: [Int64] = []
                    own.reserveCapacity(100_000)
                    var ownShort = 0
                    while clock.now < deadline {
                        let spec = spec(&rng, items: items)
                        let before = clock.now
                        let outcome = try await operation(client, spec)
                        let elapsed = before.duration(to: clock.now)
                        own.append(
                            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
                        )
                        if case .short = outcome { ownShort += 1 }
                    }
                    return (own, ownShort)
                }
            }
            for try await (own, ownShort) in group {
                latencies.append(contentsOf: own)
                short += ownShort
            }
        }
        let wall = started.duration(to: clock.now)
        let cpu = processCPUMicroseconds() - cpuStarted
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let rank = Swift.max(1, Int((p / 100 * Double(latencies.count)).rounded(.up)))
            return Double(latencies[Swift.min(rank, latencies.count) - 1]) / 1e6
        }
        return PhaseResult(
            path: path,
            clients: clients,
            picks: latencies.count,
            short: short,
            seconds: seconds,
            picksPerSecond: Double(latencies.count) / seconds,
            p50: percentile(50),
            p90: percentile(90),
            p99: percentile(99),
            max: percentile(100),
            cpuMicrosecondsPerPick: latencies.isEmpty ? 0 : cpu / Double(latencies.count)
        )
    }

    /// The in-process path: ``InventoryStore/pick(_:actor:)`` on the daemon's own store.
    static func direct(_ store: InventoryStore, actor: String) -> @Sendable (Int, PickSpec) async throws -> PickOutcome
    {
        { _, spec in
            do {
                _ = try await store.pick(
                    PickRequest(item: ItemReference(spec.sku), quantity: spec.quantity),
                    actor: actor
                )
                return .picked
            } catch InventoryError.allocationShort {
                return .short
            }
        }
    }

    /// The socket path: `org.depot.inventory.Pick` on client `index`'s own connection. The reply
    /// frame is read and its envelope parsed (by ``VarlinkConnection``); its parameters are not
    /// decoded into Swift values (the direct path hands back Swift values without any encoding).
    static func socket(_ connections: [VarlinkConnection]) -> @Sendable (Int, PickSpec) async throws -> PickOutcome {
        { index, spec in
            do {
                _ = try await connections[index].call(
                    "org.depot.inventory.Pick",
                    PickParameters(item: spec.sku, quantity: spec.quantity)
                )
                return .picked
            } catch let error as VarlinkError where error.name == "org.depot.inventory.AllocationShort" {
                return .short
            }
        }
    }
}
