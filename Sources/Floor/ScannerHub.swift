import Evdev
import Foundation
import Logging
import ScannerInput
import Synchronization
import Workflow

/// A scanner profile as the floor applies it: decoding and framing, double-scan windows per
/// mode, and whether a refused scan blinks the scanner's Scroll Lock LED. `DepotService` builds
/// these from the configuration file's `[[scanner]]` tables.
public struct ScannerSetup: Sendable, Equatable {
    /// Key decoding and scan framing, with the match rules that pick the devices it applies to.
    public var profile: ScannerProfile
    /// Double-scan windows per mode.
    public var windows: DoubleScanWindows
    /// Blink Scroll Lock when a scan is refused (best effort).
    public var errorSignal: Bool

    /// Creates a setup from its fields as given; throws nothing.
    public init(profile: ScannerProfile, windows: DoubleScanWindows = .standard, errorSignal: Bool = false) {
        self.profile = profile
        self.windows = windows
        self.errorSignal = errorSignal
    }
}

/// Brings scans to the floor: live scanners through evdev (``runDevices()``), and recordings in
/// evemu-record format (``replay(path:scannerID:speed:onFeedback:)``), both through the same
/// per-scanner key decoding and framing (`ScanDecoder`) into ``FloorService``.
public final class ScannerHub: Sendable {
    let floor: FloorService
    /// The configured `[[scanner]]` profiles in force (read at each device's arrival, so a reload
    /// applies to scanners attached after it).
    let configured: @Sendable () -> [ScannerSetup]
    /// Profiles given directly (tests, benchmarks), used when nothing is configured.
    let fallback: [ScannerProfile]
    let logger: Logger

    /// - Parameters:
    ///   - floor: where decoded scans go.
    ///   - profiles: profiles used when `configured` gives none (tests, benchmarks).
    ///   - configured: the configured scanner setups in force, read at each device's arrival.
    ///   - logger: device and replay events.
    public init(
        floor: FloorService,
        profiles: [ScannerProfile] = [],
        configured: @escaping @Sendable () -> [ScannerSetup] = { [] },
        logger: Logger
    ) {
        self.floor = floor
        self.fallback = profiles
        self.configured = configured
        self.logger = logger
    }

    /// Scanner profiles with their double-scan windows, first match wins; a device no profile
    /// matches is never opened. Without configured profiles: the default profile (known scanner
    /// vendors, `us` layout).
    public var profiles: [(profile: ScannerProfile, windows: DoubleScanWindows, errorSignal: Bool)] {
        let configured = self.configured()
        if !configured.isEmpty { return configured.map { ($0.profile, $0.windows, $0.errorSignal) } }
        return (fallback.isEmpty ? [ScannerProfile()] : fallback).map { ($0, .standard, false) }
    }

    /// The profile for a device, by its identity.
    func profile(
        name: String,
        vendor: UInt16,
        product: UInt16,
        byID: [String],
        byPath: [String]
    ) -> (profile: ScannerProfile, windows: DoubleScanWindows, errorSignal: Bool)? {
        profiles.first { entry in
            entry.profile.matches.contains {
                $0.matches(name: name, vendor: vendor, product: product, byID: byID, byPath: byPath)
            }
        }
    }

    /// Watches /dev/input until cancelled: grabs matching scanners, decodes their keys, and
    /// submits each scan; reports device events to the monitor. Returns at once (logging a
    /// warning) when the directory cannot be watched, e.g. on a machine without input devices.
    public func runDevices(directory: String = "/dev/input") async {
        // The match rules of the profiles at start; a reload's new rules apply at the next start.
        let monitor = DeviceMonitor(
            configuration: .init(matches: profiles.flatMap(\.profile.matches), directory: directory)
        )
        let events: AsyncStream<DeviceEvent>
        do {
            events = try monitor.start()
        } catch {
            logger.warning(
                "scanner discovery unavailable",
                metadata: ["input.directory": "\(directory)", "error": "\(error)"]
            )
            return
        }
        await withDiscardingTaskGroup { group in
            for await event in events {
                switch event {
                case let .added(device):
                    let identity = device.identity
                    guard
                        let (profile, windows, errorSignal) = profile(
                            name: identity.name,
                            vendor: identity.vendor,
                            product: identity.product,
                            byID: identity.byID,
                            byPath: identity.byPath
                        )
                    else { continue }
                    await floor.deviceEvent(
                        "added",
                        scanner: info(identity, scannerID: device.scannerID, profile: profile, grabbed: true),
                        message: "grabbed \(identity.description)"
                            + (device.ledsSet ? "; Caps Lock off, Num Lock on" : "")
                    )
                    group.addTask {
                        await self.read(device, profile: profile, windows: windows, errorSignal: errorSignal)
                    }
                case let .removed(scannerID, identity):
                    await floor.deviceEvent(
                        "removed",
                        scanner: info(identity, scannerID: scannerID, profile: nil, grabbed: false),
                        message: "removed \(identity.description)"
                    )
                case let .grabFailed(scannerID, identity, reason):
                    var scanner = info(identity, scannerID: scannerID, profile: nil, grabbed: false)
                    scanner.grabProblem = "\(reason)"
                    await floor.deviceEvent(
                        "grab-failed",
                        scanner: scanner,
                        message: "cannot grab \(identity.description): \(reason)"
                    )
                case let .ignored(identity):
                    logger.debug(
                        "input device ignored",
                        metadata: ["device.name": "\(identity.name)", "device.id": "\(identity.vendorProduct)"]
                    )
                }
            }
        }
    }

    private func info(
        _ identity: DeviceIdentity,
        scannerID: String,
        profile: ScannerProfile?,
        grabbed: Bool
    ) -> ScannerInfo {
        ScannerInfo(
            id: scannerID,
            source: "evdev",
            name: identity.name,
            vendorProduct: identity.vendorProduct,
            byPath: identity.byPath.first,
            layout: profile?.layout,
            grabbed: grabbed,
            grabProblem: nil,
            lastScanAt: nil,
            mode: .lookup
        )
    }

    /// Decodes one grabbed device until its input ends; flushes idle scans every 50 ms.
    ///
    /// Decoding never waits for the floor: scans go to one submitting task, in order, so a slow
    /// write (a busy disk, a loaded machine) cannot hold up the key events behind it. Each tick
    /// carries the time it was taken, and the idle flush uses that time, not the time the tick is
    /// handled: events queued before a tick are decoded before it, so a scan is only cut by the
    /// idle gap when its device really was idle that long.
    private func read(
        _ device: ScannerDevice,
        profile: ScannerProfile,
        windows: DoubleScanWindows,
        errorSignal: Bool
    ) async {
        let decoder: ScanDecoder
        do {
            decoder = try ScanDecoder(
                scannerID: device.scannerID,
                profile: profile,
                wallClock: WallClockMapping(monotonic: monotonicNow(), wall: Date())
            )
        } catch {
            logger.error("scanner keymap failed", metadata: ["scanner.id": "\(device.scannerID)", "error": "\(error)"])
            return
        }
        decoder.keys.setLocks(capsLock: false, numLock: true)
        enum Input: Sendable {
            case batch([InputEvent])
            case tick(Duration)
        }
        let (inputs, continuation) = AsyncStream<Input>.makeStream()
        let (scans, submissions) = AsyncStream<Scan>.makeStream()
        let submitter = Task {
            for await scan in scans {
                let feedback = await floor.submit(Self.floorScan(scan), source: "evdev", windows: windows)
                if errorSignal, feedback.level == .error { signal(device) }
            }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))  // fails only when cancelled; the loop checks that
                continuation.yield(.tick(monotonicNow()))
            }
        }
        let pump = Task {
            for await batch in device.input { continuation.yield(.batch(batch)) }
            continuation.finish()
        }
        for await input in inputs {
            let decoded: [Scan]
            switch input {
            case let .batch(events): decoded = decoder.consume(events)
            case let .tick(time): decoded = decoder.flush(at: time)
            }
            for scan in decoded { submissions.yield(scan) }
        }
        ticker.cancel()
        pump.cancel()
        for scan in decoder.finish(at: monotonicNow(), corruption: .deviceRemoved) { submissions.yield(scan) }
        submissions.finish()
        await submitter.value
    }

    /// Feeds an evemu-record file through the same decoding and framing as a live device,
    /// sleeping between events as their timestamps say (divided by `speed`), and hands each
    /// scan's feedback to `onFeedback`. Scan ids derive from the scanner id and the event time,
    /// so replaying the same file again applies nothing twice.
    /// - Parameters:
    ///   - scannerID: the scanner the scans come from; default `replay:` + the recorded device name.
    ///   - speed: 1 replays in real time; 0 replays without pauses.
    ///   - onTiming: when given, called after each scan's feedback with when the scan was made and
    ///     when the floor answered it (``ReplayTiming``); `floor-bench` measures latency with it.
    /// - Throws: ``ReplayError`` when the file cannot be read or parsed, or no keymap loads.
    public func replay(
        path: String,
        scannerID: String? = nil,
        speed: Double = 1,
        onFeedback: @Sendable (FloorFeedback) async throws -> Void = { _ in },
        onTiming: (@Sendable (ReplayTiming) -> Void)? = nil
    ) async throws -> Int {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ReplayError(path: path, reason: "cannot be read: \(error.localizedDescription)")
        }
        let recording: EvemuRecording
        do {
            recording = try EvemuRecording(parsing: text)
        } catch {
            throw ReplayError(path: path, reason: "\(error)")
        }
        return try await replay(
            recording,
            path: path,
            scannerID: scannerID,
            speed: speed,
            onFeedback: onFeedback,
            onTiming: onTiming
        )
    }

    /// Feeds a recording already read (by ``replay(path:scannerID:speed:onFeedback:onTiming:)``,
    /// or by `DepotService`'s replay directory for the control socket) through decoding, framing
    /// and the floor, as that method describes; `path` only names it in errors and the log.
    /// - Throws: ``ReplayError`` when no keymap loads; what `onFeedback` throws.
    public func replay(
        _ recording: EvemuRecording,
        path: String,
        scannerID: String? = nil,
        speed: Double = 1,
        onFeedback: @Sendable (FloorFeedback) async throws -> Void = { _ in },
        onTiming: (@Sendable (ReplayTiming) -> Void)? = nil
    ) async throws -> Int {
        let device = recording.device
        let id = scannerID ?? "replay:" + device.name.replacingOccurrences(of: " ", with: "-")
        let (profile, windows, _) =
            self.profile(name: device.name, vendor: device.vendor, product: device.product, byID: [], byPath: [])
            ?? profiles[0]
        let decoder: ScanDecoder
        do {
            decoder = try ScanDecoder(
                scannerID: id,
                profile: profile,
                wallClock: WallClockMapping(monotonic: recording.events.first?.time ?? .zero, wall: Date())
            )
        } catch {
            throw ReplayError(path: path, reason: "keymap \(profile.layout): \(error)")
        }
        decoder.keys.setLocks(capsLock: false, numLock: true)
        let start = ContinuousClock.now
        let first = recording.events.first?.time ?? .zero
        var count = 0
        func submit(_ scan: Scan) async throws {
            let scanned = speed > 0 ? start + (scan.monotonicTime - first) / speed : ContinuousClock.now
            let feedback = await floor.submit(Self.floorScan(scan), source: "replay", windows: windows)
            if let onTiming {
                onTiming(ReplayTiming(feedback: feedback, scanned: scanned, answered: ContinuousClock.now))
            }
            try await onFeedback(feedback)
            count += 1
        }
        for event in recording.events {
            if speed > 0 {
                let due = start + (event.time - first) / speed
                if due > ContinuousClock.now { try await Task.sleep(until: due) }
            }
            for scan in decoder.consume(event) { try await submit(scan) }
        }
        for scan in decoder.finish(at: (recording.events.last?.time ?? .zero) + .seconds(1)) {
            try await submit(scan)
        }
        logger.info(
            "replay finished",
            metadata: ["replay.path": "\(path)", "replay.scans": "\(count)", "scanner.id": "\(id)"]
        )
        return count
    }

    /// Blinks the scanner's Scroll Lock LED for a refused scan (best effort: logged, never fatal).
    private func signal(_ device: ScannerDevice) {
        let logger = self.logger
        let path = device.identity.node
        let id = device.scannerID
        Task {
            do {
                try await LEDSignal.blink(path: path)
            } catch {
                logger.debug("scanner error signal not shown", metadata: ["scanner.id": "\(id)", "error": "\(error)"])
            }
        }
    }

    static func floorScan(_ scan: Scan) -> FloorScan {
        let (seconds, attoseconds) = scan.monotonicTime.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        return FloorScan(
            id: "\(scan.scannerID):\(micros)",
            scannerID: scan.scannerID,
            text: scan.text,
            symbologyIdentifier: scan.symbologyIdentifier,
            at: scan.wallTime,
            monotonic: scan.monotonicTime,
            corruption: scan.corruption?.description
        )
    }
}

/// When a replayed scan was made and when the floor answered it, both on `ContinuousClock`
/// (CLOCK_MONOTONIC on Linux), for latency measurements.
public struct ReplayTiming: Sendable {
    /// The scan's outcome.
    public var feedback: FloorFeedback
    /// When the scan was made: the instant its last key event was due in the replay, i.e. the
    /// replay's start plus the event's offset in the recording divided by the speed (the instant
    /// `Scan.wallTime` and `Scan.monotonicTime` name). At speed 0, when the decoder framed it.
    public var scanned: ContinuousClock.Instant
    /// When `FloorService.submit` returned: the effect's transaction had committed, or the scan
    /// had been refused.
    public var answered: ContinuousClock.Instant

    /// The latency from scan to answer.
    public var latency: Duration { answered - scanned }
}

/// A recording that cannot be replayed.
public struct ReplayError: Error, Sendable, CustomStringConvertible {
    /// Path of the recording (evemu-record format).
    public var path: String
    /// What is wrong with it, as a phrase following the path (e.g. "cannot be read: ...").
    public var reason: String
    public var description: String { "replay file \(path) \(reason)" }
}
