import CLibevdev

#if canImport(Glibc)
import Glibc
#endif

/// A visible error signal on a scanner: Scroll Lock LED blinks, written to the device's event
/// node as EV_LED events (the way the kernel's LED interface takes them: evdev(4), write(2) of
/// `struct input_event`). Best effort: a read-only node or a device without that LED gives an
/// error the caller may log and ignore. Writing through a second descriptor is allowed while
/// depot's reader holds the grab (the grab belongs to the device's evdev handle).
public enum LEDSignal {
    /// Blinks `led` (default Scroll Lock) `times` times on the node at `path`.
    /// - Throws: ``Errno`` when the node cannot be opened for writing or a write fails.
    public static func blink(
        path: String,
        led: UInt16 = UInt16(LED_SCROLLL),
        times: Int = 2,
        on: Duration = .milliseconds(150),
        off: Duration = .milliseconds(100)
    ) async throws(Errno) {
        let fd = try Errno.call { open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC) }
        defer { close(fd) }
        for index in 0..<max(times, 1) {
            try write(fd, type: UInt16(EV_LED), code: led, value: 1)
            try? await Task.sleep(for: on)
            try write(fd, type: UInt16(EV_LED), code: led, value: 0)
            if index < times - 1 { try? await Task.sleep(for: off) }
        }
    }

    private static func write(_ fd: Int32, type: UInt16, code: UInt16, value: Int32) throws(Errno) {
        var events = [input_event(), input_event()]
        events[0].type = type
        events[0].code = code
        events[0].value = value
        events[1].type = UInt16(EV_SYN)
        events[1].code = UInt16(SYN_REPORT)
        let size = MemoryLayout<input_event>.stride * events.count
        let written = try Errno.call { Int32(events.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, size) }) }
        if Int(written) != size { throw Errno(rawValue: EIO) }
    }
}
