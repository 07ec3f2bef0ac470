import DepotAPI
import Foundation
import GRDB
import Inventory
import Logging
import TestSupport
import Testing

@testable import DepotService

/// The daemon's storage set-up as `DepotApplication.build` makes it (the builder depotd uses):
/// durability in force on the writer connection.
@Suite(.serialized) struct StorageTests {
    static func configuration(_ directory: TemporaryDirectory) -> DepotConfiguration {
        var configuration = DepotConfiguration(
            databasePath: directory.file("depot.sqlite"),
            socketPath: directory.file("d.sock")
        )
        configuration.timeZone = TimeZone(identifier: "UTC")!
        configuration.scannerDiscovery = false
        configuration.socketGroup = nil
        return configuration
    }

    @Test(arguments: [(nil, 2), (Durability.full, 2), (.normal, 1)] as [(Durability?, Int)])
    func daemonWriterRunsWithTheConfiguredSynchronousLevel(durability: Durability?, level: Int) async throws {
        let directory = try TemporaryDirectory(prefix: "depot-st")
        defer { directory.remove() }
        var configuration = Self.configuration(directory)
        if let durability { configuration.durability = durability }
        let app = try DepotApplication.build(configuration: configuration, logger: Logger(label: "test"))
        defer { try? app.store.close() }
        #expect(try await app.store.synchronousLevel() == level)
        #expect(try await app.store.status().durability == (durability ?? .full))
    }

    @Test func secondApplicationOnTheSameDatabaseIsRefusedWithThePID() throws {
        let directory = try TemporaryDirectory(prefix: "depot-st")
        defer { directory.remove() }
        let first = try DepotApplication.build(
            configuration: Self.configuration(directory),
            logger: Logger(label: "test")
        )
        var other = Self.configuration(directory)
        other.socketPath = directory.file("other.sock")
        #expect(throws: DatabaseLockError.held(databasePath: other.databasePath, pid: getpid())) {
            _ = try DepotApplication.build(configuration: other, logger: Logger(label: "test"))
        }
        #expect(try String(contentsOfFile: directory.file("depot.sqlite.lock"), encoding: .utf8) == "\(getpid())\n")
        #expect(!FileManager.default.fileExists(atPath: other.socketPath), "the refused one bound no socket")
        try first.store.close()
        first.databaseLock.release()
        let second = try DepotApplication.build(configuration: other, logger: Logger(label: "test"))
        try second.store.close()
    }

    @Test func lockErrorIsASentenceNamingDatabaseAndPID() {
        let error = DatabaseLockError.held(databasePath: "/var/lib/depot/depot.sqlite", pid: 4242)
        #expect(error.description.hasPrefix("another depotd is running on /var/lib/depot/depot.sqlite (pid 4242)"))
    }
}

/// Storage failures cross the socket as the IDL's `StorageFailure`, not `InternalError`.
@Suite struct StorageFailureMappingTests {
    @Test func engineStorageFailureIsTheIDLError() {
        let error = ErrorMapping.map(
            InventoryError.storageFailure(reason: .diskFull, code: 13, detail: "database or disk is full")
        )
        #expect(error.name == "org.depot.inventory.StorageFailure")
        #expect(error.parameters["reason"] == .string("diskFull"))
        #expect(error.parameters["code"] == .int(13))
        guard case let .string(message)? = error.parameters["message"] else {
            Issue.record("no message")
            return
        }
        #expect(message.contains("the disk holding the database is full"))
        #expect(
            DepotAPI.inventoryDescription.contains(
                "error StorageFailure (reason: (diskFull, ioError, readOnly, corrupt), code: int, message: string)"
            )
        )
    }

    @Test(arguments: [
        (ResultCode.SQLITE_IOERR_FSYNC, "ioError"), (.SQLITE_FULL, "diskFull"), (.SQLITE_READONLY, "readOnly"),
        (.SQLITE_CORRUPT, "corrupt"), (.SQLITE_NOTADB, "corrupt"),
    ])
    func sqliteStorageErrorsFromReadsAreMappedToo(code: ResultCode, reason: String) {
        let error = ErrorMapping.map(DatabaseError(resultCode: code, message: "test"))
        #expect(error.name == "org.depot.inventory.StorageFailure")
        #expect(error.parameters["reason"] == .string(reason))
        #expect(error.parameters["code"] == .int(Int64(code.rawValue)))
    }

    @Test func otherSQLiteErrorsStayInternal() {
        #expect(
            ErrorMapping.map(DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "x")).name
                != "org.depot.inventory.StorageFailure"
        )
    }
}

/// After an I/O error the daemon stops accepting writes and says so: the application built as
/// depotd builds it, serving on a real socket, the built depotctl as the client, and the WAL
/// made unwritable in this process (``StorageFault``).
@Suite(.serialized) struct WritesStoppedTests {
    @Test func ioErrorStopsWritesInStatusAndTheSystemdLine() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-ws")
        defer { directory.remove() }
        let configuration = StorageTests.configuration(directory)
        let app = try DepotApplication.build(configuration: configuration, logger: Logger(label: "test"))
        let serving = Task { try await app.run() }
        let deadline = ContinuousClock.now + .seconds(20)
        while !DaemonProcess.canConnect(configuration.socketPath) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        func ctl(_ arguments: String...) throws -> CommandResult {
            try Command.run(
                BuiltProducts.executable("depotctl"),
                arguments,
                environment: ["DEPOT_SOCKET": configuration.socketPath]
            )
        }
        #expect(try ctl("item", "add", "BOLT", "--name", "Bolt").status == 0)
        #expect(try ctl("location", "add", "A-01", "--kind", "storage").status == 0)
        #expect(try ctl("receive", "--item", "BOLT", "--qty", "7", "--location", "A-01").status == 0)
        #expect(try ctl("status").stdout.contains("storage: ok"))
        #expect(
            DepotApplication.status(app.server, scanners: 0, writeStop: app.store.writeStop).hasPrefix(
                "serving: 0 scanners"
            )
        )

        #expect(try StorageFault.breakWrites(of: configuration.databasePath) >= 1)
        let failed = try ctl("receive", "--item", "BOLT", "--qty", "5", "--location", "A-01")
        #expect(failed.status != 0, "\(failed)")
        #expect(failed.stderr.contains("I/O error"), "\(failed)")
        let refused = try ctl("location", "add", "B-01", "--kind", "storage")
        #expect(refused.status != 0, "\(refused)")
        #expect(refused.stderr.contains("writes are stopped until depotd is restarted"), "\(refused)")

        let status = try ctl("status")
        #expect(status.status == 0, "reads still answer: \(status)")
        #expect(status.stdout.contains("storage: writes stopped since"), "\(status)")
        #expect(status.stdout.contains("onHand: 7"), "\(status)")
        let json = try #require(
            JSONSerialization.jsonObject(with: Data(ctl("status", "--json").stdout.utf8)) as? [String: Any]
        )
        #expect(json["storage"] as? String == "writesStopped")
        let stopped = try #require(json["writesStopped"] as? [String: Any])
        #expect(stopped["reason"] as? String == "ioError")
        #expect((stopped["message"] as? String)?.contains("restart depotd") == true)
        let line = DepotApplication.status(app.server, scanners: 0, writeStop: app.store.writeStop)
        #expect(line.hasPrefix("writes stopped (I/O error, SQLite "), "\(line)")
        #expect(line.contains("restart depotd after checking the disk; serving reads: 0 scanners"), "\(line)")
        serving.cancel()
        _ = await serving.result
    }
}
