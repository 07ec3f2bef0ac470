// count-bench: approval of a large stock count (docs/benchmarks.md; not a test).
//
// Builds a database with N balances (default 100,000: 1,000 items x 100 bins) in a temp dir,
// starts one count over all of them, records a count for every line with a variance of +-1
// (set up in bulk SQL, since timing 100,000 CLI entries is not the point), submits and approves
// it: 100,000 `adjust` movements in one transaction. Prints the timings and checks that the
// ledger still equals the balances (verify) and that every balance moved by its variance.
//
// Usage: count-bench [--lines N] [--entries M]   (M timed single entries through recordCount)
import Foundation
import GRDB
import Inventory

@main
struct CountBench {
    /// User plus system CPU time of this process so far (getrusage(2)), in milliseconds.
    static func cpuMilliseconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let user = Double(usage.ru_utime.tv_sec) * 1000 + Double(usage.ru_utime.tv_usec) / 1000
        let system = Double(usage.ru_stime.tv_sec) * 1000 + Double(usage.ru_stime.tv_usec) / 1000
        return user + system
    }

    static func main() async throws {
        var lines = 100_000
        var entries = 2_000
        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            switch argument {
            case "--lines": lines = Int(arguments.popFirst() ?? "") ?? lines
            case "--entries": entries = Int(arguments.popFirst() ?? "") ?? entries
            default:
                FileHandle.standardError.write(Data("usage: count-bench [--lines N] [--entries M]\n".utf8))
                exit(2)
            }
        }
        let lineCount = lines
        let bins = 100
        let items = (lines + bins - 1) / bins
        let directory = NSTemporaryDirectory() + "count-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = InventoryClock.fixed(Date(timeIntervalSince1970: 1_772_352_000))
        let store = try InventoryStore(path: directory + "/bench.sqlite", clock: clock)
        let timer = ContinuousClock()

        // Setup in bulk SQL (the same rows receive() would write): items, bins, balances and
        // their receive movements.
        let setup = try await timer.measure {
            try await store.writer.write { db in
                try db.execute(sql: "INSERT INTO location (code, kind) VALUES ('ZONE', 'storage')")
                let zone = db.lastInsertedRowID
                for bin in 0..<bins {
                    try db.execute(
                        sql: "INSERT INTO location (code, kind, parentId) VALUES (?, 'storage', ?)",
                        arguments: [String(format: "BIN-%03d", bin), zone]
                    )
                }
                let item = try db.makeStatement(
                    sql: """
                        INSERT INTO item (sku, name, policy, lotTracked, expiryTracked) VALUES (?, ?, 'fifo', 0, 0)
                        """
                )
                for index in 0..<items {
                    try item.execute(arguments: [String(format: "SKU-%05d", index), "Item \(index)"])
                }
                let stock = try db.makeStatement(
                    sql: """
                        INSERT INTO stock (itemId, lotId, locationId, quantity, reserved, receivedAt) VALUES (?, NULL, ?, ?, 0, ?)
                        """
                )
                let movement = try db.makeStatement(
                    sql: """
                        INSERT INTO movement (id, at, kind, itemId, lotId, fromLocationId, toLocationId, quantity, actor, hash)
                        VALUES (?, ?, 'receive', ?, NULL, NULL, ?, ?, 'bench', ?)
                        """
                )
                let now = clock.now()
                // The ledger's hash chain continues from the newest row (LedgerChain).
                var movementID = try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) FROM movement") ?? 0
                var previousHash =
                    try String.fetchOne(db, sql: "SELECT hash FROM movement ORDER BY id DESC LIMIT 1") ?? ""
                for line in 0..<lineCount {
                    let itemId = Int64(line / bins + 1)
                    let locationId = zone + Int64(line % bins + 1)
                    let quantity = Int64(10 + line % 50)
                    try stock.execute(arguments: [itemId, locationId, quantity, now])
                    movementID += 1
                    previousHash = LedgerChain.rowHash(
                        previous: previousHash,
                        id: movementID,
                        at: now,
                        kind: .receive,
                        itemId: itemId,
                        lotId: nil,
                        fromLocationId: nil,
                        toLocationId: locationId,
                        quantity: quantity,
                        actor: "bench",
                        reference: nil,
                        reason: nil
                    )
                    try movement.execute(arguments: [movementID, now, itemId, locationId, quantity, previousHash])
                }
            }
        }

        var session: CountSession?
        let start = try await timer.measure {
            session = try await store.startCount(
                CountStartRequest(location: "ZONE", thresholds: CountThresholds(maxUnits: 1_000, maxPercent: 1_000)),
                actor: "bench"
            )
        }
        guard let id = session?.id, session?.lines.count == lines else {
            fatalError("the count has \(session?.lines.count ?? 0) lines, expected \(lines)")
        }

        // Timed single entries through the engine (each its own transaction), then the rest in bulk.
        let sample = min(entries, lines)
        let sampleLines = session!.lines.prefix(sample)
        let recordSample = try await timer.measure {
            for line in sampleLines {
                let delta: Int64 = line.line % 2 == 0 ? 1 : -1
                _ = try await store.recordCount(
                    CountEntry(
                        count: id,
                        location: line.location,
                        item: ItemReference(line.sku),
                        quantity: (line.expectedAtStart ?? 0) + delta
                    ),
                    actor: "bench"
                )
            }
        }
        try await store.writer.write { db in
            try db.execute(
                sql: """
                    UPDATE countLine SET counted = snapshotQuantity + CASE lineNo % 2 WHEN 0 THEN 1 ELSE -1 END,
                        expected = snapshotQuantity, firstExpected = snapshotQuantity, countedAt = ?, countedBy = 'bench',
                        countedPosition = (SELECT max(id) FROM movement)
                    WHERE sessionId = ? AND counted IS NULL
                    """,
                arguments: [clock.now(), id]
            )
        }
        let submit = try await timer.measure { _ = try await store.submitCount(id, actor: "bench") }

        var approval: CountApproval?
        let cpuBefore = Self.cpuMilliseconds()
        let approve = try await timer.measure { approval = try await store.approveCount(id, actor: "bench") }
        let approveCPU = Self.cpuMilliseconds() - cpuBefore
        let movements = approval?.movements.count ?? 0

        let verify = try await store.verify()
        let onHand = try await store.status().onHand
        var expectedOnHand: Int64 = 0
        for index in 0..<lines {
            let delta: Int64 = (index + 1) % 2 == 0 ? 1 : -1
            expectedOnHand += Int64(10 + index % 50) + delta
        }
        try store.close()

        func milliseconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
        func ms(_ duration: Duration) -> String { String(format: "%.0f ms", milliseconds(duration)) }
        let perEntry = milliseconds(recordSample) / Double(max(sample, 1))
        print("count-bench: \(lines) lines (\(items) items x \(bins) bins), \(sample) timed single entries")
        print("  setup (bulk SQL)            \(ms(setup))")
        print("  start (snapshot)            \(ms(start))")
        print("  record, per entry           \(String(format: "%.3f ms", perEntry))")
        print("  submit                      \(ms(submit))")
        print(
            "  approve (\(movements) adjustments) \(ms(approve)) wall, \(String(format: "%.0f ms", approveCPU)) CPU (user+system)"
        )
        print("  verify ok: \(verify.ok); on hand \(onHand), expected \(expectedOnHand)")
        if !verify.ok || movements != lines || onHand != expectedOnHand { exit(1) }
    }
}
