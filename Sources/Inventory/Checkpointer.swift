import Foundation
import GRDB
import Logging
import Synchronization

/// When the background checkpointer runs (``Checkpointer``).
public struct CheckpointPolicy: Sendable, Equatable {
    /// Time between two checkpoints (each a `PRAGMA wal_checkpoint(PASSIVE)`).
    public var interval: Duration
    /// WAL file size in bytes above which the checkpoint is `TRUNCATE`, run between two write
    /// transactions on the writer's queue: it waits at most 200 ms for readers, copies what the
    /// PASSIVE checkpoints left and truncates the WAL to 0 bytes.
    public var truncateAboveBytes: Int64

    /// - Parameters: see the properties.
    public init(interval: Duration, truncateAboveBytes: Int64) {
        self.interval = interval
        self.truncateAboveBytes = truncateAboveBytes
    }

    /// depotd's policy: a PASSIVE checkpoint every second, TRUNCATE when the WAL passes 16 MiB.
    /// (Every 100 ms the checkpoints' fsyncs of the main file slowed the commits' fsyncs of the
    /// WAL on the same disk: docs/benchmarks.md.)
    public static let standard = CheckpointPolicy(interval: .seconds(1), truncateAboveBytes: 16 << 20)
}

/// WAL checkpoints off the request path: the writer connection runs with
/// `PRAGMA wal_autocheckpoint = 0` (sqlite.org/pragma.html#pragma_wal_autocheckpoint), so no
/// commit copies pages into the main file, and this task checkpoints from its own connection.
///
/// Every ``CheckpointPolicy/interval`` it runs `PRAGMA wal_checkpoint(PASSIVE)`, which copies
/// the committed frames no reader still needs into the database file without waiting for the
/// writer or the readers (sqlite.org/wal.html#ckpt): commits go on while it runs. When a
/// checkpoint caught up before the next commit, that commit starts the WAL over from its
/// beginning. Under a steady stream of commits a PASSIVE checkpoint rarely catches up (a commit
/// lands while it syncs), and a TRUNCATE from another connection would starve behind the group
/// commits. So once the WAL file passes ``CheckpointPolicy/truncateAboveBytes`` the TRUNCATE runs
/// on the writer's own queue, between two groups (GRDB `writeWithoutTransaction`), with a busy
/// timeout of 200 ms for readers: it copies only the frames the PASSIVE checkpoints left, so the
/// writes it delays wait for little. The WAL is bounded by that size plus one interval's commits
/// (unless a reader holds it for longer; the TRUNCATE is then tried again at the next interval). A failed checkpoint (busy, I/O) is logged and tried again at the next interval;
/// the WAL keeps the commits meanwhile. Checkpoints fsync the main file as the store's durability
/// says (`synchronous` on this connection too).
final class Checkpointer: Sendable {
    private let connection: DatabaseQueue
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Opens the checkpointing connection on the (already WAL) database at `path` and starts the task.
    /// - Throws: GRDB's `DatabaseError` when the connection cannot be opened.
    init(path: String, writer: DatabasePool, durability: Durability, policy: CheckpointPolicy, logger: Logger) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(2)
        configuration.label = "depot.checkpointer"
        let pragma = durability.pragma
        configuration.prepareDatabase { db in try db.execute(sql: pragma) }
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        self.connection = connection
        let walPath = path + "-wal"
        task.withLock { task in
            task = Task.detached(priority: .utility) {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: policy.interval) } catch { return }
                    var info = stat()
                    let walBytes = stat(walPath, &info) == 0 ? Int64(info.st_size) : 0
                    guard walBytes > 0 else { continue }
                    let truncate = walBytes > policy.truncateAboveBytes
                    do {
                        let result =
                            truncate
                            ? try await writer.writeWithoutTransaction { db in
                                try db.execute(sql: "PRAGMA busy_timeout = 200")
                                defer {
                                    try? db.execute(
                                        sql: "PRAGMA busy_timeout = \(InventoryStore.busyTimeoutMilliseconds)"
                                    )
                                }
                                return try db.checkpoint(.truncate)
                            }
                            : try await connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                        if truncate {
                            logger.info(
                                "WAL truncated",
                                metadata: [
                                    "wal.bytes": "\(walBytes)", "wal.frames": "\(result.walFrameCount)",
                                ]
                            )
                        }
                    } catch {
                        logger.warning(
                            "WAL checkpoint failed; the WAL keeps the commits, retrying",
                            metadata: [
                                "wal.bytes": "\(walBytes)", "checkpoint.mode": "\(truncate ? "truncate" : "passive")",
                                "error": "\(error)",
                            ]
                        )
                    }
                }
            }
        }
    }

    /// Stops the task and closes its connection (after a running checkpoint).
    /// - Throws: GRDB's `DatabaseError` when the connection cannot be closed.
    func stop() throws {
        task.withLock { task in
            task?.cancel()
            task = nil
        }
        try connection.close()
    }
}
