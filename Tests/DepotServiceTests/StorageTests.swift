import DepotService
import Foundation
import Inventory
import Logging
import Testing
import TestSupport

/// The daemon's storage set-up as `DepotApplication.build` makes it (the builder depotd uses):
/// durability in force on the writer connection.
@Suite(.serialized) struct StorageTests {
    static func configuration(_ directory: TemporaryDirectory) -> DepotConfiguration {
        var configuration = DepotConfiguration(databasePath: directory.file("depot.sqlite"), socketPath: directory.file("d.sock"))
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
        let first = try DepotApplication.build(configuration: Self.configuration(directory), logger: Logger(label: "test"))
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

