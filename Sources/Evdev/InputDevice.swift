import CLibevdev
import ScannerInput

#if canImport(Glibc)
import Glibc
#endif

/// One open evdev node with its libevdev context. Owns the descriptor: closes it (after releasing
/// a grab) when the value is deinitialised. Not thread-safe: one owner (the monitor's I/O thread).
public final class InputDevice {
    /// The node this was opened from.
    public let path: String
    /// Whether the node was opened read-write (LEDs can then be set); false after the read-only
    /// fallback.
    public let isWritable: Bool
    /// Whether this process holds the EVIOCGRAB grab.
    public private(set) var isGrabbed = false
    /// The descriptor (owned).
    public let fileDescriptor: Int32
    private let dev: OpaquePointer

    /// Opens `path` `O_RDWR | O_NONBLOCK | O_CLOEXEC`, falling back to `O_RDONLY` when writing is
    /// denied (EACCES, EPERM, EROFS), and attaches libevdev with CLOCK_MONOTONIC timestamps
    /// (libevdev_new_from_fd(3), libevdev_set_clock_id(3)).
    /// - Throws: `Errno` from open(2) (EACCES when not even reading is allowed, ENOENT, ENODEV) or
    ///   from libevdev.
    public init(path: String) throws(Errno) {
        var writable = true
        var fd: Int32
        do {
            fd = try Errno.call { open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC) }
        } catch let e where e == .permissionDenied || e == .notPermitted || e == .readOnlyFileSystem {
            writable = false
            fd = try Errno.call { open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        }
        var dev: OpaquePointer?
        do {
            try Errno.negated { libevdev_new_from_fd(fd, &dev) }
            try Errno.negated { libevdev_set_clock_id(dev, CLOCK_MONOTONIC) }
        } catch {
            if let dev { libevdev_free(dev) }
            close(fd)
            throw error
        }
        self.path = path
        self.isWritable = writable
        self.fileDescriptor = fd
        self.dev = dev!
    }

    deinit {
        if isGrabbed { _ = libevdev_grab(dev, LIBEVDEV_UNGRAB) }
        libevdev_free(dev)
        close(fileDescriptor)
    }

    /// The identity as the kernel reports it through the open descriptor (EVIOCGNAME, EVIOCGID,
    /// EVIOCGPHYS, EVIOCGUNIQ); links are not known here and stay empty.
    public var identity: DeviceIdentity {
        func str(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
        return DeviceIdentity(
            node: path,
            name: str(libevdev_get_name(dev)),
            bus: UInt16(truncatingIfNeeded: libevdev_get_id_bustype(dev)),
            vendor: UInt16(truncatingIfNeeded: libevdev_get_id_vendor(dev)),
            product: UInt16(truncatingIfNeeded: libevdev_get_id_product(dev)),
            version: UInt16(truncatingIfNeeded: libevdev_get_id_version(dev)),
            phys: str(libevdev_get_phys(dev)),
            uniq: str(libevdev_get_uniq(dev))
        )
    }

    /// Reads everything queued, until EAGAIN (libevdev_next_event(3)): the three outcomes are handled
    /// here. SUCCESS appends the event; SYNC (the kernel dropped events) appends the `SYN_DROPPED`
    /// marker, then the resynchronising events read with LIBEVDEV_READ_FLAG_SYNC until -EAGAIN,
    /// always closed by a `SYN_REPORT` (added when libevdev had no state change to report; libevdev
    /// discards what the kernel still had queued, so the events in flight are lost); -EAGAIN ends the read. Call it on every wake-up: a readable descriptor must be drained.
    /// - Returns: the events in order (possibly empty).
    /// - Throws: `Errno.noDevice` when the device was unplugged (the reader should end cleanly),
    ///   other `Errno`s from read(2).
    public func readAvailable() throws(Errno) -> [InputEvent] {
        var events: [InputEvent] = []
        var ev = input_event()
        while true {
            let status: Int32
            do {
                status = try Errno.negated { libevdev_next_event(dev, LIBEVDEV_READ_FLAG_NORMAL.rawValue, &ev) }
            } catch .wouldBlock {
                return events
            }
            events.append(Self.convert(ev))
            if status == Int32(LIBEVDEV_READ_STATUS_SYNC.rawValue) {
                let dropped = events[events.count - 1]
                var last = dropped
                while true {
                    do {
                        try Errno.negated { libevdev_next_event(dev, LIBEVDEV_READ_FLAG_SYNC.rawValue, &ev) }
                    } catch .wouldBlock {
                        break
                    }
                    last = Self.convert(ev)
                    events.append(last)
                }
                // libevdev ends a resync that had no state changes without a SYN_REPORT; close it
                // always, so decoders know where resynchronisation ends.
                if last.type != InputEvent.typeSync || last.code != InputEvent.codeSynReport {
                    events.append(.synReport(at: last.time))
                }
            }
        }
    }

    static func convert(_ ev: input_event) -> InputEvent {
        InputEvent(
            type: ev.type,
            code: ev.code,
            value: ev.value,
            time: .seconds(Int64(ev.time.tv_sec)) + .microseconds(Int64(ev.time.tv_usec))
        )
    }

    /// Keys libevdev currently believes are down (its state follows the events read so far).
    public var keysDown: [KeyCode] {
        (0...UInt32(KEY_MAX)).compactMap { code in
            libevdev_has_event_code(dev, UInt32(EV_KEY), code) == 1
                && libevdev_get_event_value(dev, UInt32(EV_KEY), code) != 0 ? KeyCode(UInt16(code)) : nil
        }
    }

    /// Whether the device has key `code`.
    public func hasKey(_ key: KeyCode) -> Bool {
        libevdev_has_event_code(dev, UInt32(EV_KEY), UInt32(key.rawValue)) == 1
    }

    /// Takes the device for this process alone (EVIOCGRAB through libevdev_grab(3)); other readers,
    /// the console and desktops, stop seeing its events. Call when no key is down (see `keysDown`),
    /// so no key stays "held" for the others, then `discardQueued()`.
    /// - Throws: `Errno.busy` when another process holds the grab.
    public func grab() throws(Errno) {
        try Errno.negated { libevdev_grab(dev, LIBEVDEV_GRAB) }
        isGrabbed = true
    }

    /// Releases the grab (also done on deinit).
    public func ungrab() {
        if isGrabbed { _ = libevdev_grab(dev, LIBEVDEV_UNGRAB) }
        isGrabbed = false
    }

    /// Reads and drops whatever is queued (events from before the grab belong to no scan of ours).
    /// - Returns: how many events were dropped.
    /// - Throws: as `readAvailable()`.
    @discardableResult
    public func discardQueued() throws(Errno) -> Int {
        try readAvailable().count
    }

    /// Sets the Caps Lock and Num Lock LEDs (libevdev_kernel_set_led_value(3)); a grabbed device
    /// no longer follows the desktop's LEDs, and LED-aware scanners change what they send.
    /// - Returns: false when the device has no such LEDs or was opened read-only.
    /// - Throws: `Errno` from the write.
    @discardableResult
    public func setLEDs(capsLock: Bool, numLock: Bool) throws(Errno) -> Bool {
        guard isWritable, libevdev_has_event_type(dev, UInt32(EV_LED)) == 1 else { return false }
        let caps = capsLock ? LIBEVDEV_LED_ON : LIBEVDEV_LED_OFF
        let num = numLock ? LIBEVDEV_LED_ON : LIBEVDEV_LED_OFF
        var any = false
        if libevdev_has_event_code(dev, UInt32(EV_LED), UInt32(LED_CAPSL)) == 1 {
            try Errno.negated { libevdev_kernel_set_led_value(dev, UInt32(LED_CAPSL), caps) }
            any = true
        }
        if libevdev_has_event_code(dev, UInt32(EV_LED), UInt32(LED_NUML)) == 1 {
            try Errno.negated { libevdev_kernel_set_led_value(dev, UInt32(LED_NUML), num) }
            any = true
        }
        return any
    }
}

/// The current CLOCK_MONOTONIC time, the clock device events are stamped with; use it for
/// `ScanDecoder.flush(at:)` deadlines.
public func monotonicNow() -> Duration {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return .seconds(Int64(ts.tv_sec)) + .nanoseconds(Int64(ts.tv_nsec))
}
