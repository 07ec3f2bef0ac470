import DepotAPI
import Foundation
import Inventory
import Logging
import ServiceLifecycle
import UnixSignals
import Varlink

/// The composition root: the inventory store and the Varlink server that exposes it.
///
/// ``build(configuration:logger:)`` is the one builder used by `depotd` and by tests. ``run()``
/// serves until graceful shutdown (SIGTERM/SIGINT through a `ServiceGroup`), then stops
/// accepting, lets in-flight calls finish and closes the database.
public struct DepotApplication: Service {
    public let configuration: DepotConfiguration
    public let store: InventoryStore
    let server: VarlinkServer
    /// Roles of the control socket's peers.
    public let authorizer: Authorizer
    /// The configuration file and the settings in force.
    public let reloader: ConfigurationReloader
    let socket: ControlSocket
    let logger: Logger
    let onListening: @Sendable () -> Void

    /// Opens (creating and migrating) the database, then takes the control socket: the one
    /// systemd passed (`LISTEN_FDS`), else a new one at the configured path (``ControlSocket``).
    /// - Throws: database errors (GRDB `DatabaseError`), `CocoaError` when a directory cannot
    ///   be created, `VarlinkInterfaceError` when an IDL file is invalid, ``ControlSocketError``.
    /// - Parameter levelControl: the log level a configuration reload changes (nil: none).
    public static func build(configuration: DepotConfiguration, logger: Logger, levelControl: LogLevelControl? = nil,
                             onListening: @escaping @Sendable () -> Void = {}) throws -> DepotApplication {
        let files = FileManager.default
        for path in [configuration.databasePath, configuration.socketPath] {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try files.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        }
        let clock = configuration.now.map { InventoryClock.fixed($0, timeZone: configuration.timeZone) }
            ?? InventoryClock.system(timeZone: configuration.timeZone)
        let store = try InventoryStore(path: configuration.databasePath, clock: clock, logger: logger)
        let authorizer = Authorizer(groups: configuration.roleGroups, logger: logger)
        let reloader = ConfigurationReloader(path: configuration.configurationPath, settings: configuration.settings,
                                             authorizer: authorizer, levelControl: levelControl, logger: logger)
        let guarded: [GuardedInterface] = [
            try InventoryInterface(store: store).makeInterface(),
            try AdminInterface(store: store, reloader: reloader).makeInterface(),
        ]
        var service = VarlinkService(
            info: VarlinkServiceInfo(vendor: DepotAPI.vendor, product: DepotAPI.product, version: DepotAPI.version, url: DepotAPI.url),
            interfaces: try guarded.map(authorizer.register))
        service.mapError = ErrorMapping.map
        service.admit = { request throws(VarlinkError) in try authorizer.admit(request) }
        service.authorize = { request throws(VarlinkError) in try authorizer.authorize(request) }
        let socket: ControlSocket
        do {
            socket = try ControlSocket.adoptSystemdSocket()
                ?? ControlSocket.bind(path: configuration.socketPath, mode: 0o660, groupName: configuration.socketGroup, logger: logger)
        } catch {
            try? store.close()
            throw error
        }
        let server = VarlinkServer(service: service, endpoint: .listeningDescriptor(socket.descriptor), logger: logger)
        return DepotApplication(configuration: configuration, store: store, server: server, authorizer: authorizer,
                                reloader: reloader, socket: socket, logger: logger, onListening: onListening)
    }

    /// Serves until the task is cancelled or graceful shutdown is triggered.
    public func run() async throws {
        logger.info("depotd starting", metadata: [
            "db.path": "\(configuration.databasePath)", "socket.path": "\(configuration.socketPath)",
        ])
        let logger = self.logger
        let onListening = self.onListening
        let socketPath = configuration.socketPath
        defer { socket.release() }
        let reloader = self.reloader
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    // SIGHUP: reload the configuration file; a bad one is logged and changes nothing.
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        _ = try? reloader.reload()
                    }
                }
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
