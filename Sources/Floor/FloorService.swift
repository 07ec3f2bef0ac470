import Foundation
import Inventory
import Logging
import Synchronization
import Workflow

/// A scanner as depot knows it: from evdev, from a replayed recording, or only injected.
public struct ScannerInfo: Sendable, Codable, Equatable {
    /// Stable scanner id (for evdev, stable across replugs into the same port); the ledger actor is
    /// `scanner:ID`.
    public var id: String
    /// `evdev`, `replay` or `injected`; `stored` for a scanner known since depotd started only
    /// from its saved session (it has not scanned or been seen as a device yet).
    public var source: String
    /// Device name as the driver reports it; nil for replayed and injected scanners.
    public var name: String?
    /// `vvvv:pppp` in hex.
    public var vendorProduct: String?
    /// First name in /dev/input/by-path pointing at the device; nil when unknown.
    public var byPath: String?
    /// xkb layout of the scanner's profile; nil when not known (not from evdev, or never grabbed).
    public var layout: String?
    /// Whether depotd holds an exclusive grab on the device (EVIOCGRAB, libevdev_grab(3)).
    public var grabbed: Bool
    /// Why the device is not grabbed, when it is not.
    public var grabProblem: String?
    /// When the scanner's last scan was made (UTC instant); nil before the first.
    public var lastScanAt: Date?
    /// The session's mode.
    public var mode: FloorMode
    /// The session's location code, if any.
    public var location: String?
    /// The session's order reference, if any.
    public var order: String?
    /// The signed-in operator's name, if any.
    public var operatorName: String?
    /// The count session being counted (count mode).
    public var count: Int64?
}

/// Something that happened on the floor, as the monitor stream carries it.
public struct FloorEvent: Sendable, Codable, Equatable {
    /// `scan`, `added`, `removed`, `grab-failed`, `corrupt`.
    public var kind: String
    /// Id of the scanner concerned.
    public var scanner: String
    /// When it happened (UTC instant).
    public var at: Date
    /// The scan's feedback for `scan` and `corrupt` events; nil for device events.
    public var feedback: FloorFeedback?
    /// A sentence describing a device event; nil for scans.
    public var message: String?
}

/// Runs one ``FloorSession`` per scanner, one scan at a time per scanner (scans of different
/// scanners run concurrently), and publishes every outcome and device event to the monitor.
///
/// Sessions persist in the database (``InventoryStore/saveScannerSession(_:)``, one row per
/// scanner): a scan's effect writes the session it leaves in its own transaction; a scan that
/// changes the session without an effect (a mode, location or operator scan) and an assignment
/// save it on their own. After a restart a scanner's session is restored lazily, when the scanner
/// first scans, is assigned, or is listed (docs/workflows.md, "Sessions across restarts").
public actor FloorService {
    let engine: FloorEngineAdapter
    let logger: Logger
    /// What each scanner's session row holds, as far as this service wrote or read it.
    private let stored: StoredSessions
    /// Whether ``list()`` has read every stored session once.
    private var listedStored = false
    /// Live monitor subscribers.
    public nonisolated let events = Broadcaster<FloorEvent>(bufferLimit: 2_000)
    private var sessions: [String: FloorSession] = [:]
    private var scanners: [String: ScannerInfo] = [:]
    private var tails: [String: Task<Void, Never>] = [:]
    private let attached = Mutex(0)

    /// How many scanners are grabbed through evdev right now (systemd's `STATUS=` line).
    public nonisolated var attachedCount: Int { attached.withLock { $0 } }
    private let windows: DoubleScanWindows

    /// - Parameters:
    ///   - store: the inventory engine every effect runs against.
    ///   - alertWindowDays: days before expiry from which receipts and moves raise an alert
    ///     (configuration `alerts.expiring_within_days`, read at each scan; default 7).
    ///   - windows: double-scan windows of sessions started without a profile's own.
    ///   - logger: one info line per scan; storage failures at error level with their cause.
    public init(
        store: InventoryStore,
        alertWindowDays: @escaping @Sendable () -> Int = { 7 },
        windows: DoubleScanWindows = .standard,
        logger: Logger
    ) {
        let stored = StoredSessions()
        self.stored = stored
        engine = FloorEngineAdapter(store: store, alertWindowDays: alertWindowDays, logger: logger, stored: stored)
        self.windows = windows
        self.logger = logger
    }

    /// Handles a scan in its scanner's session (after that scanner's earlier scans) and returns
    /// the feedback, which is also published.
    /// - Parameter windows: the double-scan windows of the scanner's profile, used when its session
    ///   starts (default: the standard windows).
    public func submit(
        _ scan: FloorScan,
        source: String = "injected",
        windows: DoubleScanWindows? = nil
    ) async -> FloorFeedback {
        if scanners[scan.scannerID] == nil {
            scanners[scan.scannerID] = ScannerInfo(id: scan.scannerID, source: source, grabbed: false, mode: .lookup)
        } else if scanners[scan.scannerID]?.source == "stored" {
            // Known only from its stored session until now: it is `stored` until it scans.
            scanners[scan.scannerID]?.source = source
        }
        let windows = windows ?? self.windows
        let feedback = await serially(scan.scannerID) { service in await service.process(scan, windows: windows) }
        return feedback
    }

    /// Sets a scanner's mode, location, operator and order (an admin's `scanner assign`) and saves
    /// the session (its own transaction) before answering.
    /// - Throws: ``InventoryError/unknownLocation(_:)``, ``InventoryError/invalidValue(field:value:reason:)``
    ///   for field `location` when receiving or counting is assigned at a zone, ``InventoryError/unknownOrder(_:)``,
    ///   `CountError` when `count` is not an open count session; ``InventoryError/storageFailure(reason:code:detail:)``
    ///   when the session cannot be read or saved (the assignment is then not applied).
    public func assign(
        scanner: String,
        mode: FloorMode,
        location: String?,
        operatorName: String?,
        order: String?,
        count: Int64? = nil
    ) async throws -> ScannerInfo {
        if let location {
            // Receiving and counting put goods at the location: a zone is refused at assignment.
            if mode == .receive || mode == .count {
                try await engine.store.checkStockHolder(location: location)
            } else {
                _ = try await engine.store.location(location)
            }
        }
        if let order, !(try await engine.store.orderExists(order)) { throw InventoryError.unknownOrder(order) }
        if mode == .pick, let order, let location {
            // Directed picking (docs/workflows.md, "pick"): only the bin of the order's next pick.
            try await checkPickBin(location, order: order)
        }
        if let count {
            let session = try await engine.store.count(count)
            guard session.status == .open else {
                throw CountError.wrongStatus(count: count, status: session.status, action: "count with a scanner in")
            }
        }
        return try await serially(scanner) { service -> Result<ScannerInfo, any Error> in
            do {
                return .success(
                    try await service.applyAssignment(
                        scanner: scanner,
                        mode: mode,
                        location: location,
                        operatorName: operatorName,
                        order: order,
                        count: count
                    )
                )
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// Every known scanner with its session: those seen since depotd started and, from the first
    /// call on, those with a stored session (source `stored`). A stored session that cannot be
    /// read is logged at error level and left out (it is tried again at the next call).
    public func list() async -> [ScannerInfo] {
        if !listedStored {
            do {
                for state in try await engine.store.scannerSessions() where sessions[state.scannerID] == nil {
                    guard let snapshot = FloorSessionSnapshot(state) else { continue }
                    sessions[state.scannerID] = FloorSession(snapshot: snapshot, windows: windows)
                    stored[state.scannerID] = snapshot
                    if scanners[state.scannerID] == nil {
                        scanners[state.scannerID] = ScannerInfo(
                            id: state.scannerID,
                            source: "stored",
                            grabbed: false,
                            mode: snapshot.mode
                        )
                    }
                }
                listedStored = true
            } catch {
                logger.error("stored floor sessions could not be read", metadata: ["error": "\(error)"])
            }
        }
        return scanners.keys.sorted().map { info(for: $0) }
    }

    /// Records a device event (added, removed, grab-failed) and publishes it.
    public func deviceEvent(_ kind: String, scanner: ScannerInfo, message: String?) {
        var known = scanners[scanner.id] ?? scanner
        if kind == "removed" {
            known.grabbed = false
        } else {
            let session = (known.mode, known.location, known.order, known.operatorName)
            known = scanner
            (known.mode, known.location, known.order, known.operatorName) = session
        }
        scanners[scanner.id] = known
        let grabbed = scanners.values.filter { $0.source == "evdev" && $0.grabbed }.count
        attached.withLock { $0 = grabbed }
        events.publish([
            FloorEvent(kind: kind, scanner: scanner.id, at: engine.store.clock.now(), feedback: nil, message: message)
        ])
    }

    // MARK: Internals

    /// Refuses `location` as the bin of an assignment in pick mode unless it is the bin the next
    /// pick of `order` names.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` for field `location`, naming
    ///   the location and the instruction (with its bin) or saying that nothing is reserved or left.
    private func checkPickBin(_ location: String, order: String) async throws {
        guard let pick = try await engine.nextPick(order: order) else {
            throw InventoryError.invalidValue(
                field: "location",
                value: location,
                reason: "order \(order) has nothing left to pick, so no bin can be assigned for it"
            )
        }
        guard let bin = pick.location else {
            throw InventoryError.invalidValue(
                field: "location",
                value: location,
                reason: "\(location) is not a bin of order \(order): \(FloorSession.instruction(pick))"
            )
        }
        guard bin == location else {
            throw InventoryError.invalidValue(
                field: "location",
                value: location,
                reason:
                    "\(location) is not the bin of order \(order)'s next pick, \(bin) is: \(FloorSession.instruction(pick))"
            )
        }
    }

    private func applyAssignment(
        scanner: String,
        mode: FloorMode,
        location: String?,
        operatorName: String?,
        order: String?,
        count: Int64?
    ) async throws -> ScannerInfo {
        var session = try await self.session(of: scanner, windows: windows)
        session.assign(mode: mode, location: location, operatorName: operatorName, order: order, count: count)
        try await engine.store.saveScannerSession(ScannerSessionState(session.snapshot))
        stored[scanner] = session.snapshot
        sessions[scanner] = session
        if scanners[scanner] == nil {
            scanners[scanner] = ScannerInfo(id: scanner, source: "injected", grabbed: false, mode: mode)
        }
        return info(for: scanner)
    }

    /// The scanner's session: the one in memory, else the stored one, else a new one in lookup mode.
    /// - Throws: what reading the stored session throws (a storage failure).
    private func session(of scanner: String, windows: DoubleScanWindows) async throws -> FloorSession {
        if let session = sessions[scanner] { return session }
        guard let state = try await engine.store.scannerSession(scanner) else {
            return FloorSession(scannerID: scanner, windows: windows)
        }
        if let session = sessions[scanner] { return session }  // listed while this read ran
        guard let snapshot = FloorSessionSnapshot(state) else {
            logger.error(
                "stored floor session has an unknown mode",
                metadata: ["scanner.id": "\(scanner)", "session.mode": "\(state.mode)"]
            )
            return FloorSession(scannerID: scanner, windows: windows)
        }
        stored[scanner] = snapshot
        logger.info(
            "floor session restored",
            metadata: ["scanner.id": "\(scanner)", "session.mode": "\(snapshot.mode.rawValue)"]
        )
        return FloorSession(snapshot: snapshot, windows: windows)
    }

    private func process(_ scan: FloorScan, windows: DoubleScanWindows) async -> FloorFeedback {
        var session: FloorSession
        do {
            session = try await self.session(of: scan.scannerID, windows: windows)
        } catch {
            // Handling the scan in a fresh session would overwrite the stored one: refuse it instead.
            logger.error("floor storage failed", metadata: ["floor.operation": "restore-session", "error": "\(error)"])
            let failure = FloorStorageFailure(cause: String(describing: error))
            let feedback = FloorFeedback(
                scanID: scan.id,
                scannerID: scan.scannerID,
                text: FloorSession.printable(scan.text),
                at: scan.at,
                level: .error,
                message: failure.message,
                kind: "unknown",
                movements: [],
                alerts: [],
                expectation: "scan again",
                mode: .lookup,
                location: nil,
                order: nil,
                operatorName: nil
            )
            events.publish([
                FloorEvent(kind: "scan", scanner: scan.scannerID, at: scan.at, feedback: feedback, message: nil)
            ])
            return feedback
        }
        var feedback = await session.handle(scan, engine: engine)
        let snapshot = session.snapshot
        if stored[scan.scannerID] != snapshot {
            // The scan changed the session without an effect writing it (a mode, location or
            // operator scan, a replay): saved on its own.
            do {
                try await engine.store.saveScannerSession(ScannerSessionState(snapshot))
                stored[scan.scannerID] = snapshot
            } catch {
                logger.error(
                    "floor storage failed",
                    metadata: [
                        "floor.operation": "save-session", "scanner.id": "\(scan.scannerID)",
                        "error": "\(error)",
                    ]
                )
                feedback.alerts.append(
                    "the session could not be saved (storage failed): it would not survive a restart"
                )
                if feedback.level == .ok { feedback.level = .warning }
            }
        }
        sessions[scan.scannerID] = session
        scanners[scan.scannerID]?.lastScanAt = scan.at
        logger.info(
            "scan handled",
            metadata: [
                "scanner.id": "\(scan.scannerID)", "scan.id": "\(scan.id)", "scan.level": "\(feedback.level.rawValue)",
                "scan.kind": "\(feedback.kind)", "scan.movements": "\(feedback.movements.count)",
            ]
        )
        events.publish([
            FloorEvent(
                kind: scan.corruption == nil ? "scan" : "corrupt",
                scanner: scan.scannerID,
                at: scan.at,
                feedback: feedback,
                message: nil
            )
        ])
        return feedback
    }

    /// Runs `work` after every earlier piece of work for `scanner` has finished.
    private func serially<T: Sendable>(
        _ scanner: String,
        _ work: @escaping @Sendable (FloorService) async -> T
    ) async -> T {
        let previous = tails[scanner]
        let task = Task<T, Never> { [self] in
            await previous?.value
            return await work(self)
        }
        tails[scanner] = Task { _ = await task.value }
        return await task.value
    }

    private func info(for id: String) -> ScannerInfo {
        var info = scanners[id] ?? ScannerInfo(id: id, source: "injected", grabbed: false, mode: .lookup)
        if let session = sessions[id] {
            info.mode = session.mode
            info.location = session.location
            info.order = session.order
            info.operatorName = session.operatorName
            info.count = session.countID
        }
        return info
    }
}
