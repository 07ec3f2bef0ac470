import Foundation
import ScannerInput

#if canImport(Glibc)
import Glibc
#endif

/// What the monitor reports.
public enum DeviceEvent: Sendable {
    /// A scanner was opened, grabbed, its LEDs set; its input follows on `device.input`.
    case added(ScannerDevice)
    /// A scanner went away (ENODEV or its node was deleted); its input stream has finished.
    case removed(scannerID: String, identity: DeviceIdentity)
    /// A scanner could not be taken: `reason` is EBUSY when another process grabbed it, EACCES while
    /// the node is not yet readable (retried when its attributes change), or another errno.
    case grabFailed(scannerID: String, identity: DeviceIdentity, reason: Errno)
    /// An input device no rule matches; it was not opened.
    case ignored(identity: DeviceIdentity)
}

/// A grabbed scanner.
public struct ScannerDevice: Sendable {
    /// Identity from sysfs and the /dev/input links.
    public var identity: DeviceIdentity
    /// `identity.scannerID`: stable across replugs into the same port.
    public var scannerID: String
    /// Whether the node was opened read-write.
    public var isWritable: Bool
    /// Whether depot set the LEDs (Caps Lock off, Num Lock on); when false the decoder should still
    /// assume Caps Lock off.
    public var ledsSet: Bool
    /// Event batches, one per wake-up (all events one drain read), in order; finishes when the
    /// device goes away or the monitor stops.
    public var input: AsyncStream<[InputEvent]>
}

/// Finds scanners under /dev/input, keeps up with hotplug, grabs them and streams their events.
/// I/O only: no decoding, no policy beyond "open only what the match rules name".
///
/// - inotify on the directory (IN_CREATE, IN_ATTRIB, IN_DELETE) is armed before the first
///   enumeration, so no node is missed between the two.
/// - Identity comes from sysfs before opening; a device no rule matches is reported `.ignored` and
///   never opened.
/// - A node that cannot be opened yet (EACCES: udev has not applied the group) is retried when its
///   attributes change.
/// - Grab: wait until no key is down, EVIOCGRAB, drop what was queued, set LEDs (Caps Lock off,
///   Num Lock on) when writable. EBUSY is reported as `.grabFailed`.
/// - A node created while udev runs is looked at after `settleDelay`, so udev's by-id/by-path
///   links (and with them the stable scanner id) exist.
/// - ENODEV ends that device's stream and reports `.removed`. Stopping releases every grab.
///
/// Runs its poll(2) loop on its own thread; events come out through an `AsyncStream`.
public final class DeviceMonitor: Sendable {
    /// Settings.
    public struct Configuration: Sendable {
        /// Rules that say which devices are scanners.
        public var matches: [ScannerMatch]
        /// The event-node directory, normally `/dev/input`.
        public var directory: String
        /// The sysfs input class directory, normally `/sys/class/input`.
        public var sysfs: String
        /// How long after IN_CREATE to wait for udev when udev is running (`/run/udev/control`).
        public var settleDelay: Duration
        /// Creates settings; defaults are the system paths and 300 ms.
        public init(
            matches: [ScannerMatch] = ScannerMatch.knownScannerVendors,
            directory: String = "/dev/input",
            sysfs: String = "/sys/class/input",
            settleDelay: Duration = .milliseconds(300)
        ) {
            self.matches = matches
            self.directory = directory
            self.sysfs = sysfs
            self.settleDelay = settleDelay
        }
    }

    /// The settings this monitor runs with.
    public let configuration: Configuration

    /// Creates a monitor; nothing happens until `events()` is iterated.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Starts the monitor on its own thread and returns its events. Ending the iteration (or
    /// cancelling the task that iterates) stops it, releases every grab and closes every descriptor.
    /// Each call starts an independent run.
    /// - Throws: `Errno` when inotify or the wake-up pipe cannot be created or the directory
    ///   cannot be watched.
    public func start() throws(Errno) -> AsyncStream<DeviceEvent> {
        let inotify = try Errno.call { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }
        do {
            try Errno.call {
                inotify_add_watch(inotify, configuration.directory, UInt32(IN_CREATE | IN_ATTRIB | IN_DELETE))
            }
        } catch let e {
            close(inotify)
            throw e
        }
        var pipeEnds: [Int32] = [-1, -1]
        do {
            try Errno.call { pipe(&pipeEnds) }
            for fd in pipeEnds {
                try Errno.call { fcntl(fd, F_SETFD, FD_CLOEXEC) }
                try Errno.call { fcntl(fd, F_SETFL, O_NONBLOCK) }
            }
        } catch {
            close(inotify)
            for fd in pipeEnds where fd >= 0 { close(fd) }
            throw error
        }
        let (wake, wakeWriter) = (pipeEnds[0], pipeEnds[1])
        let (stream, continuation) = AsyncStream.makeStream(of: DeviceEvent.self, bufferingPolicy: .unbounded)
        continuation.onTermination = { _ in
            // Closing the write end makes the read end readable (EOF): the loop stops.
            close(wakeWriter)
        }
        let loop = MonitorLoop(configuration: configuration, inotify: inotify, wake: wake, output: continuation)
        let thread = Thread { loop.run() }
        thread.name = "depot-evdev-monitor"
        thread.start()
        return stream
    }
}

/// The monitor's state, touched only by its thread.
private final class MonitorLoop: @unchecked Sendable {
    enum Phase {
        case waitingForKeysUp
        case grabbed(AsyncStream<[InputEvent]>.Continuation)
    }
    struct Open {
        var device: InputDevice
        var identity: DeviceIdentity
        var phase: Phase
    }

    let configuration: DeviceMonitor.Configuration
    let inotify: Int32
    let wake: Int32
    let output: AsyncStream<DeviceEvent>.Continuation
    var open: [String: Open] = [:]  // by node name (event7)
    var waitingForAccess: Set<String> = []  // EACCES: retry on IN_ATTRIB
    var seen: Set<String> = []  // ignored or failed: not retried until deleted
    var settling: [String: Duration] = [:]  // node name -> monotonic deadline
    let udevRunning: Bool

    init(
        configuration: DeviceMonitor.Configuration,
        inotify: Int32,
        wake: Int32,
        output: AsyncStream<DeviceEvent>.Continuation
    ) {
        self.configuration = configuration
        self.inotify = inotify
        self.wake = wake
        self.output = output
        self.udevRunning = access("/run/udev/control", F_OK) == 0
    }

    func run() {
        for name in enumerate() { consider(name) }
        var stopping = false
        while !stopping {
            var fds = [
                pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
            ]
            let names = Array(open.keys)
            fds += names.map { pollfd(fd: open[$0]!.device.fileDescriptor, events: Int16(POLLIN), revents: 0) }
            var timeout: Int32 = -1
            if let next = settling.values.min() {
                let left = next - monotonicNow()
                timeout = max(
                    0,
                    Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000) + 1
                )
            }
            do {
                try Errno.call { poll(&fds, nfds_t(fds.count), timeout) }
            } catch {
                continue
            }
            if fds[1].revents != 0 {
                stopping = true
                break
            }
            if fds[0].revents != 0 { readInotify() }
            for (i, name) in names.enumerated() where fds[i + 2].revents != 0 { service(name) }
            let now = monotonicNow()
            for (name, deadline) in settling where deadline <= now {
                settling[name] = nil
                consider(name)
            }
        }
        for (name, entry) in open {
            if case .grabbed(let c) = entry.phase { c.finish() }
            open[name] = nil  // deinit ungrabs and closes
        }
        close(inotify)
        close(wake)
        output.finish()
    }

    func enumerate() -> [String] {
        guard let d = opendir(configuration.directory) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let n = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if n.hasPrefix("event") { names.append(n) }
        }
        return names.sorted { (Int($0.dropFirst(5)) ?? 0) < (Int($1.dropFirst(5)) ?? 0) }
    }

    func readInotify() {
        var buf = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = read(inotify, &buf, buf.count)
            if n <= 0 { return }
            var off = 0
            while off + 16 <= n {
                let (mask, len) = buf.withUnsafeBytes { raw in
                    (
                        raw.loadUnaligned(fromByteOffset: off + 4, as: UInt32.self),
                        Int(raw.loadUnaligned(fromByteOffset: off + 12, as: UInt32.self))
                    )
                }
                let nameBytes = buf[(off + 16)..<min(off + 16 + len, n)]
                let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                off += 16 + len
                guard name.hasPrefix("event") else { continue }
                if mask & UInt32(IN_DELETE) != 0 {
                    removed(name)
                } else if mask & UInt32(IN_CREATE) != 0 {
                    if udevRunning {
                        settling[name] = monotonicNow() + configuration.settleDelay
                    } else {
                        consider(name)
                    }
                } else if mask & UInt32(IN_ATTRIB) != 0, waitingForAccess.contains(name), settling[name] == nil {
                    consider(name)
                }
            }
        }
    }

    func consider(_ name: String) {
        guard open[name] == nil, !seen.contains(name) else { return }
        guard
            let identity = DeviceIdentity.read(
                eventNode: name,
                directory: configuration.directory,
                sysfs: configuration.sysfs
            )
        else { return }
        guard identity.matches(configuration.matches) else {
            seen.insert(name)
            output.yield(.ignored(identity: identity))
            return
        }
        let device: InputDevice
        do {
            device = try InputDevice(path: identity.node)
        } catch {
            if error == .permissionDenied || error == .notPermitted {
                if waitingForAccess.insert(name).inserted {
                    output.yield(.grabFailed(scannerID: identity.scannerID, identity: identity, reason: error))
                }
            } else if error != .noSuchFile && error != .noDevice {
                seen.insert(name)
                output.yield(.grabFailed(scannerID: identity.scannerID, identity: identity, reason: error))
            }
            return
        }
        waitingForAccess.remove(name)
        open[name] = Open(device: device, identity: identity, phase: .waitingForKeysUp)
        service(name)
    }

    /// Reads a device: before the grab, drains and waits for all keys up; after, forwards events.
    func service(_ name: String) {
        guard let entry = open[name] else { return }
        do {
            let events = try entry.device.readAvailable()
            switch entry.phase {
            case .grabbed(let c):
                if !events.isEmpty { c.yield(events) }
            case .waitingForKeysUp:
                if entry.device.keysDown.isEmpty { try takeOver(name) }
            }
        } catch {
            if error == .noDevice {
                removed(name)
            } else {
                if case .grabbed(let c) = entry.phase { c.finish() }
                open[name] = nil
                seen.insert(name)
                output.yield(.grabFailed(scannerID: entry.identity.scannerID, identity: entry.identity, reason: error))
            }
        }
    }

    func takeOver(_ name: String) throws(Errno) {
        guard var entry = open[name] else { return }
        do {
            try entry.device.grab()
        } catch {
            open[name] = nil
            seen.insert(name)
            output.yield(.grabFailed(scannerID: entry.identity.scannerID, identity: entry.identity, reason: error))
            return
        }
        try entry.device.discardQueued()
        let leds = (try? entry.device.setLEDs(capsLock: false, numLock: true)) ?? false
        let (stream, continuation) = AsyncStream.makeStream(of: [InputEvent].self, bufferingPolicy: .unbounded)
        entry.phase = .grabbed(continuation)
        open[name] = entry
        output.yield(
            .added(
                ScannerDevice(
                    identity: entry.identity,
                    scannerID: entry.identity.scannerID,
                    isWritable: entry.device.isWritable,
                    ledsSet: leds,
                    input: stream
                )
            )
        )
    }

    func removed(_ name: String) {
        seen.remove(name)
        waitingForAccess.remove(name)
        settling[name] = nil
        guard let entry = open.removeValue(forKey: name) else { return }
        if case .grabbed(let c) = entry.phase {
            c.finish()
            output.yield(.removed(scannerID: entry.identity.scannerID, identity: entry.identity))
        }
    }
}
