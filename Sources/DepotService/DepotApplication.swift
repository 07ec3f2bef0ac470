import DepotAPI
import Foundation
import Inventory
import Logging
import ServiceLifecycle
import Varlink

/// The composition root: the inventory store and the Varlink server that exposes it.
///
/// ``build(configuration:logger:)`` is the one builder used by `depotd` and by tests. ``run()``
/// serves until graceful shutdown (SIGTERM/SIGINT through a `ServiceGroup`), then stops
/// accepting, lets in-flight calls finish and closes the database.
public struct DepotApplication: Service {
    public let configuration: DepotConfiguration
    public let store: InventoryStore
    /// The floor: scanner sessions and the monitor stream.
    public let floor: FloorService
    /// Live scanners and replays feeding the floor.
    public let scanners: ScannerHub
    let server: VarlinkServer
    let logger: Logger
    let onListening: @Sendable () -> Void

    /// Opens (creating and migrating) the database and prepares the server; binds nothing yet.
    /// - Throws: database errors (GRDB `DatabaseError`), `CocoaError` when a directory cannot
    ///   be created, `VarlinkInterfaceError` when an IDL file is invalid.
    public static func build(configuration: DepotConfiguration, logger: Logger,
                             onListening: @escaping @Sendable () -> Void = {}) throws -> DepotApplication {
        let files = FileManager.default
        for path in [configuration.databasePath, configuration.socketPath] {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try files.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        }
        let clock = configuration.now.map { InventoryClock.fixed($0, timeZone: configuration.timeZone) }
            ?? InventoryClock.system(timeZone: configuration.timeZone)
        let store = try InventoryStore(path: configuration.databasePath, clock: clock, logger: logger)
        let floor = FloorService(store: store, logger: logger)
        let scanners = ScannerHub(floor: floor, profiles: configuration.scannerProfiles, logger: logger)
        var service = VarlinkService(
            info: VarlinkServiceInfo(vendor: DepotAPI.vendor, product: DepotAPI.product, version: DepotAPI.version, url: DepotAPI.url),
            interfaces: [
                try InventoryInterface(store: store).makeInterface(),
                try ScannerInterface(floor: floor, hub: scanners, clock: clock).makeInterface(),
                try CountInterface(store: store, role: peerRole).makeInterface(),
            ])
        service.mapError = ErrorMapping.map
        let server = VarlinkServer(service: service, endpoint: .unixPath(configuration.socketPath), socketMode: 0o660, logger: logger)
        return DepotApplication(configuration: configuration, store: store, floor: floor, scanners: scanners, server: server,
                                logger: logger, onListening: onListening)
    }

    /// Serves until the task is cancelled or graceful shutdown is triggered.
    public func run() async throws {
        logger.info("depotd starting", metadata: [
            "db.path": "\(configuration.databasePath)", "socket.path": "\(configuration.socketPath)",
        ])
        let logger = self.logger
        let onListening = self.onListening
        let socketPath = configuration.socketPath
        let configuration = self.configuration
        let scanners = self.scanners
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if configuration.scannerDiscovery {
                    group.addTask { await scanners.runDevices(directory: configuration.inputDirectory) }
                }
                if let path = configuration.replayPath {
                    group.addTask {
                        do {
                            _ = try await scanners.replay(path: path, speed: configuration.replaySpeed)
                        } catch is CancellationError {
                        } catch {
                            logger.error("replay failed", metadata: ["replay.path": "\(path)", "error": "\(error)"])
                        }
                    }
                }
                // The server ends the run: when it returns (shutdown) the scanner tasks stop; when it
                // throws, the group cancels them.
                try await server.run {
                    logger.info("depotd listening", metadata: ["socket.path": "\(socketPath)"])
                    onListening()
                }
                group.cancelAll()
            }
        }
        try store.close()
        logger.info("depotd stopped")
    }
}
