import DepotAPI
import Floor
import Foundation
import Inventory
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals
import Varlink

/// The composition root: the inventory store and the Varlink server that exposes it.
///
/// ``build(configuration:logger:)`` is the one builder used by `depotd` and by tests. ``run()``
/// serves until graceful shutdown (SIGTERM/SIGINT through a `ServiceGroup`), then stops
/// accepting, lets in-flight calls finish, checkpoints the WAL into the database file and closes it.
public struct DepotApplication: Service {
    /// The configuration the application was built with (paths, clock, settings).
    public let configuration: DepotConfiguration
    /// The inventory engine on the configured SQLite database.
    public let store: InventoryStore
    /// The lock that makes this the only depotd on the database (`<database>.lock`).
    public let databaseLock: DatabaseLock
    /// The floor: scanner sessions and the monitor stream.
    public let floor: FloorService
    /// Live scanners and replays feeding the floor.
    public let scanners: ScannerHub
    let server: VarlinkServer
    /// Roles of the control socket's peers.
    public let authorizer: Authorizer
    /// The configuration file and the settings in force.
    public let reloader: ConfigurationReloader
    let socket: ControlSocket
    let logger: Logger
    let onListening: @Sendable () -> Void
    /// How many scanners are attached, for systemd's `STATUS=` line. The scanner service sets
    /// this when it is added to the application; until then it reports 0.
    public var scannerCount: @Sendable () -> Int = { 0 }

    /// Locks the database (``DatabaseLock``), opens (creating and migrating) it, then takes the
    /// control socket: the one systemd passed (`LISTEN_FDS`), else a new one at the configured
    /// path (``ControlSocket``).
    /// The ledger key (``DepotConfiguration/resolvedLedgerKeyPath``) is read, or created with
    /// mode 0400 when missing and the database's ledger is not keyed (``Inventory/LedgerKey/forDatabase(at:path:)``).
    /// - Throws: ``DatabaseLockError`` when another depotd runs on the database, ``Inventory/LedgerKeyError``
    ///   for an unusable key file, ``Inventory/LedgerKeyingError`` when the ledger and the key disagree, database errors
    ///   (GRDB `DatabaseError`), `CocoaError` when a directory cannot be created,
    ///   `VarlinkInterfaceError` when an IDL file is invalid, ``ControlSocketError``.
    /// - Parameter levelControl: the log level a configuration reload changes (nil: none).
    public static func build(
        configuration: DepotConfiguration,
        logger: Logger,
        levelControl: LogLevelControl? = nil,
        onListening: @escaping @Sendable () -> Void = {}
    ) throws -> DepotApplication {
        let files = FileManager.default
        for path in [configuration.databasePath, configuration.socketPath] {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try files.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        }
        let clock =
            configuration.now.map { InventoryClock.fixed($0, timeZone: configuration.timeZone) }
            ?? InventoryClock.system(timeZone: configuration.timeZone)
        let replays = configuration.replays
        do {
            try files.createDirectory(
                atPath: replays.path,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o750]
            )
        } catch {
            // Replays are optional: depotd runs without them, and Replay names the missing directory.
            logger.warning(
                "Replay directory cannot be created; replays over the socket will be refused",
                metadata: ["replay.directory": "\(replays.path)", "error": "\(error)"]
            )
        }
        let databaseLock = try DatabaseLock.acquire(databasePath: configuration.databasePath)
        let store: InventoryStore
        var keyCreated = false
        do {
            let keyPath = configuration.resolvedLedgerKeyPath
            // A keyed database whose key file is missing is refused here: never a new key for it.
            let (key, created) = try LedgerKey.forDatabase(at: configuration.databasePath, path: keyPath)
            keyCreated = created
            if created {
                logger.notice(
                    "ledger key created; back it up apart from the database: verify and restore need it",
                    metadata: ["ledger.key_path": "\(keyPath)", "ledger.key_id": "\(key.id)"]
                )
            }
            store = try InventoryStore(
                path: configuration.databasePath,
                durability: configuration.durability,
                clock: clock,
                writerCacheKiB: configuration.writerCacheKiB,
                ledgerKey: key,
                // A ledger with movements and no keyed part (a database from before the keyed
                // ledger, or one whose keyed part was removed) is keyed only with --adopt-ledger,
                // even with a key created in this start.
                adoptUnkeyedLedger: configuration.adoptUnkeyedLedger,
                logger: logger
            )
        } catch {
            // A key file made in this start for a ledger refused as unkeyed keyed nothing: it
            // goes, so the start with --adopt-ledger (or the restore) begins as this one did.
            if case LedgerKeyingError.unkeyedLedger = error, keyCreated {
                try? FileManager.default.removeItem(atPath: configuration.resolvedLedgerKeyPath)
            }
            databaseLock.release()
            throw error
        }
        let authorizer = Authorizer(groups: configuration.roleGroups)
        let reloader = ConfigurationReloader(
            path: configuration.configurationPath,
            settings: configuration.settings,
            authorizer: authorizer,
            levelControl: levelControl,
            logger: logger
        )
        let floor = FloorService(
            store: store,
            alertWindowDays: { reloader.current.expiringWithinDays ?? 7 },
            logger: logger
        )
        let scanners = ScannerHub(
            floor: floor,
            profiles: configuration.scannerProfiles,
            configured: { reloader.current.scanners.map(\.setup) },
            logger: logger
        )
        let connectionCaps = EffectiveConnectionCaps()
        let guarded: [GuardedInterface] = [
            try InventoryInterface(
                store: store,
                maxCallBytes: configuration.varlinkLimits.maximumMessageLength,
                connectionCaps: connectionCaps,
                siteGLN: { reloader.current.epcisSiteGLN }
            ).makeInterface(),
            try ScannerInterface(floor: floor, hub: scanners, clock: clock, replays: replays).makeInterface(),
            try CountInterface(
                store: store,
                defaultThresholds: {
                    let settings = reloader.current
                    return CountThresholds(
                        maxUnits: settings.countMaxVarianceUnits.map(Int64.init) ?? CountThresholds.standard.maxUnits,
                        maxPercent: settings.countMaxVariancePercent.map(Double.init)
                            ?? CountThresholds.standard.maxPercent
                    )
                }
            ).makeInterface(),
            try AdminInterface(store: store, reloader: reloader).makeInterface(),
        ]
        var service = VarlinkService(
            info: VarlinkServiceInfo(
                vendor: DepotAPI.vendor,
                product: DepotAPI.product,
                version: DepotAPI.version,
                url: DepotAPI.url
            ),
            interfaces: try guarded.map(authorizer.register)
        )
        service.mapError = ErrorMapping.map
        service.admit = { request throws(VarlinkError) in try authorizer.admit(request) }
        service.authorize = { request throws(VarlinkError) in try authorizer.authorize(request) }
        let socket: ControlSocket
        do {
            socket =
                try ControlSocket.adoptSystemdSocket()
                ?? ControlSocket.bind(
                    path: configuration.socketPath,
                    mode: 0o660,
                    groupName: configuration.socketGroup,
                    logger: logger
                )
        } catch {
            try? store.close()  // the bind error is the one to report; a close failure after it adds nothing
            databaseLock.release()
            throw error
        }
        raiseDescriptorLimit(logger: logger)
        let budget = DescriptorBudget.current()
        let limits = effectiveVarlinkLimits(configuration.varlinkLimits, budget: budget, logger: logger)
        connectionCaps.set(configured: configuration.varlinkLimits, effective: limits, budget: budget)
        let server = VarlinkServer(
            service: service,
            endpoint: .listeningDescriptor(socket.descriptor),
            limits: limits,
            logger: logger
        )
        var application = DepotApplication(
            configuration: configuration,
            store: store,
            databaseLock: databaseLock,
            floor: floor,
            scanners: scanners,
            server: server,
            authorizer: authorizer,
            reloader: reloader,
            socket: socket,
            logger: logger,
            onListening: onListening
        )
        application.scannerCount = { floor.attachedCount }
        return application
    }

    /// Serves until the task is cancelled or graceful shutdown is triggered.
    ///
    /// Talks to systemd when run by it (``SystemdNotifier``): `READY=1` once the database is open
    /// and the socket accepts calls; `STATUS=` with the scanner and client counts when they
    /// change; `WATCHDOG=1` every half `WATCHDOG_USEC`, each after a database read answered, so a
    /// hung daemon stops pinging and is restarted; `RELOADING=1` then `READY=1` around a SIGHUP
    /// reload; `STOPPING=1` when graceful shutdown begins.
    public func run() async throws {
        logger.info(
            "depotd starting",
            metadata: [
                "db.path": "\(configuration.databasePath)", "socket.path": "\(socket.path ?? "systemd socket")",
                "config.path": "\(configuration.configurationPath ?? "none")",
            ]
        )
        let logger = self.logger
        let onListening = self.onListening
        let socketPath = socket.path ?? configuration.socketPath
        defer { socket.release() }
        let reloader = self.reloader
        let notifier = SystemdNotifier()
        let server = self.server
        let store = self.store
        let scannerCount = self.scannerCount
        let configuration = self.configuration
        let scanners = self.scanners
        let databaseLock = self.databaseLock
        // The database is checkpointed and closed however serving ends (graceful shutdown ends
        // it with a cancellation), so a stopped depotd leaves everything in the .sqlite file.
        defer {
            do {
                try store.close()
                logger.info("depotd stopped")
            } catch {
                logger.error(
                    "database close failed",
                    metadata: ["db.path": "\(configuration.databasePath)", "error": "\(error)"]
                )
            }
            databaseLock.release()
        }
        try await withGracefulShutdownHandler {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask {
                        // SIGHUP: reload the configuration file; a bad one is logged and changes nothing.
                        for await _ in await UnixSignalsSequence(trapping: .sighup) {
                            notifier.notify("RELOADING=1")
                            // reload() logs its own failure with the cause at error level; here only the outcome counts.
                            let outcome =
                                (try? reloader.reload()) != nil
                                ? "configuration reloaded" : "configuration reload failed, previous kept"
                            notifier.notify("READY=1\nSTATUS=\(outcome)")
                        }
                    }
                    group.addTask {
                        try await Self.superviseLoop(
                            notifier: notifier,
                            server: server,
                            store: store,
                            scannerCount: scannerCount
                        )
                    }
                    if configuration.scannerDiscovery {
                        group.addTask { await scanners.runDevices(directory: configuration.inputDirectory) }
                    }
                    if let path = configuration.replayPath {
                        group.addTask {
                            do {
                                _ = try await scanners.replay(path: path, speed: configuration.replaySpeed)
                            } catch is CancellationError {
                            } catch {
                                logger.error(
                                    "replay failed",
                                    metadata: ["replay.path": "\(path)", "error": "\(error)"]
                                )
                            }
                        }
                    }
                    // The server ends the run: when it returns (shutdown) the other tasks stop; when it
                    // throws, the group cancels them.
                    try await server.run {
                        logger.info("depotd listening", metadata: ["socket.path": "\(socketPath)"])
                        notifier.notify(
                            "READY=1\nSTATUS=\(Self.status(server, scanners: scannerCount(), writeStop: store.writeStop))\nMAINPID=\(getpid())"
                        )
                        onListening()
                    }
                    group.cancelAll()
                }
            }
        } onGracefulShutdown: {
            notifier.notify("STOPPING=1\nSTATUS=stopping")
        }
    }

    /// `serving: N scanners, M clients`; once writes are stopped (``WriteStop``)
    /// `writes stopped (I/O error, SQLite 778) since <UTC>: restart depotd after checking the disk; serving reads: ...`.
    static func status(_ server: VarlinkServer, scanners: Int, writeStop: WriteStop?) -> String {
        let serving = "\(scanners) scanners, \(server.connectionCount) clients"
        guard let writeStop else { return "serving: " + serving }
        let cause = writeStop.reason == .corrupt ? "database damaged" : "I/O error"
        return "writes stopped (\(cause), SQLite \(writeStop.code)) since \(Wire.text(writeStop.since)): "
            + "restart depotd after checking the disk; serving reads: " + serving
    }

    /// The main loop's heartbeat: a database read, then `WATCHDOG=1` (when systemd set a
    /// watchdog) and `STATUS=` when it changed (scanners, clients, writes stopped). Runs until cancelled.
    /// - Throws: the database's error when the read fails (depotd then stops and systemd restarts it).
    static func superviseLoop(
        notifier: SystemdNotifier,
        server: VarlinkServer,
        store: InventoryStore,
        scannerCount: @Sendable () -> Int
    ) async throws {
        guard notifier.socketPath != nil else { return }
        let interval = min(notifier.watchdogInterval ?? .seconds(2), .seconds(2))
        var lastStatus = ""
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }  // cancelled: shutting down
            try await store.ping()
            var message = notifier.watchdogInterval == nil ? "" : "WATCHDOG=1"
            let status = Self.status(server, scanners: scannerCount(), writeStop: store.writeStop)
            if status != lastStatus {
                message += (message.isEmpty ? "" : "\n") + "STATUS=\(status)"
                lastStatus = status
            }
            if !message.isEmpty { notifier.notify(message) }
        }
    }
}

/// `configured` with its connection caps scaled to the descriptors there are once the database
/// and the socket are open (``VarlinkServerLimits/scaled(to:)``, docs/varlink.md, "Connection caps
/// and RLIMIT_NOFILE"), logged at notice level; `configured` itself when `budget` is nil
/// (`getrlimit` failed).
func effectiveVarlinkLimits(
    _ configured: VarlinkServerLimits,
    budget: DescriptorBudget?,
    logger: Logger
) -> VarlinkServerLimits {
    guard let budget else { return configured }
    let effective = configured.scaled(to: budget)
    logger.notice(
        "Varlink connection caps",
        metadata: [
            "varlink.max_connections": "\(effective.maximumConnections)",
            "varlink.max_connections_per_uid": "\(effective.maximumConnectionsPerUID)",
            "varlink.configured.max_connections": "\(configured.maximumConnections)",
            "varlink.configured.max_connections_per_uid": "\(configured.maximumConnectionsPerUID)",
            "varlink.descriptor_reserve": "\(configured.descriptorReserve)",
            "rlimit.nofile": "\(budget.limit)",
            "descriptors.open": "\(budget.open)",
        ]
    )
    return effective
}

/// The connection caps in force for `Status` (``OrgDepotInventory/ConnectionCaps``): set once at
/// start, after the caps are scaled to the descriptors; nil until then.
final class EffectiveConnectionCaps: Sendable {
    private let value = Mutex<OrgDepotInventory.ConnectionCaps?>(nil)

    /// The caps told by `Status`, nil before ``set(configured:effective:budget:)``.
    var current: OrgDepotInventory.ConnectionCaps? { value.withLock { $0 } }

    /// Records the configured and effective caps and the descriptor limit they were scaled to
    /// (nil when `getrlimit` failed).
    func set(configured: VarlinkServerLimits, effective: VarlinkServerLimits, budget: DescriptorBudget?) {
        value.withLock {
            $0 = OrgDepotInventory.ConnectionCaps(
                maxConnections: effective.maximumConnections,
                maxConnectionsPerUid: effective.maximumConnectionsPerUID,
                configuredMaxConnections: configured.maximumConnections,
                configuredMaxConnectionsPerUid: configured.maximumConnectionsPerUID,
                descriptorReserve: configured.descriptorReserve,
                descriptorLimit: budget?.limit
            )
        }
    }
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (getrlimit(2)): systemd starts services
/// with a soft limit of 1024 for select(2)'s sake, which depotd (epoll) does not use; the
/// connection caps and the descriptor reserve (docs/varlink.md, "Limits") then work within the
/// hard limit (`LimitNOFILE=` in the unit).
func raiseDescriptorLimit(logger: Logger) {
    var limit = rlimit()
    guard getrlimit(CInt(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    let before = limit.rlim_cur
    limit.rlim_cur = limit.rlim_max
    if setrlimit(CInt(RLIMIT_NOFILE.rawValue), &limit) == 0 {
        logger.debug(
            "descriptor limit raised",
            metadata: ["rlimit.nofile.before": "\(before)", "rlimit.nofile": "\(limit.rlim_max)"]
        )
    }
}
