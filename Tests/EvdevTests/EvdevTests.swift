import Evdev
import Foundation
import ScannerInput
import Testing

/// A sysfs-shaped tree and a /dev/input-shaped directory in a temporary directory. The host has no
/// input devices (the real-kernel checks run in the VM suite, make test-scanner-vm); these tests
/// exercise discovery, identity and matching on real files, real symlinks and real inotify.
struct FakeInputTree {
    let root: URL
    var dev: String { root.appendingPathComponent("input").path }
    var sysfs: String { root.appendingPathComponent("class-input").path }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("depot-evdev-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            atPath: root.appendingPathComponent("input/by-id").path,
            withIntermediateDirectories: true
        )
        try FileManager.default.createDirectory(
            atPath: root.appendingPathComponent("input/by-path").path,
            withIntermediateDirectories: true
        )
        try FileManager.default.createDirectory(
            atPath: root.appendingPathComponent("class-input").path,
            withIntermediateDirectories: true
        )
    }

    /// Writes the sysfs attributes of `node` (as the kernel lays them out under /sys/class/input).
    func describe(
        _ node: String,
        name: String,
        vendor: String,
        product: String,
        phys: String = "",
        uniq: String = ""
    ) throws {
        let base = "\(sysfs)/\(node)/device"
        try FileManager.default.createDirectory(atPath: base + "/id", withIntermediateDirectories: true)
        for (file, text) in [
            ("name", name), ("phys", phys), ("uniq", uniq), ("id/bustype", "0003"),
            ("id/vendor", vendor), ("id/product", product), ("id/version", "0110"),
        ] {
            try (text + "\n").write(toFile: "\(base)/\(file)", atomically: true, encoding: .utf8)
        }
    }

    /// Creates the node itself (a regular file: not an evdev device, so opening it with libevdev fails).
    func plug(_ node: String) throws {
        try "".write(toFile: "\(dev)/\(node)", atomically: false, encoding: .utf8)
    }

    func link(_ kind: String, _ name: String, to node: String) throws {
        try FileManager.default.createSymbolicLink(atPath: "\(dev)/\(kind)/\(name)", withDestinationPath: "../\(node)")
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// Collects a monitor's events from its stream.
///
/// Waiting suspends (it polls with Task.sleep) rather than blocking a thread: a blocked thread
/// of the small cooperative pool could starve the very task that delivers the events.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [DeviceEvent] = []
    func push(_ e: DeviceEvent) { lock.withLock { events.append(e) } }
    func wait(for count: Int, seconds: Double = 30) async -> [DeviceEvent] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let now = lock.withLock { events }
            if now.count >= count { return now }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return lock.withLock { events }
    }
}

@Suite("Evdev: identity, matching, discovery (host side)")
struct EvdevTests {
    @Test("identity is read from sysfs and the by-id/by-path links")
    func identityFromSysfs() throws {
        let tree = try FakeInputTree()
        defer { tree.remove() }
        try tree.describe(
            "event7",
            name: "Honeywell Imaging 1900",
            vendor: "0c2e",
            product: "0b61",
            phys: "usb-0000:00:14.0-2/input0",
            uniq: "19123B4567"
        )
        try tree.plug("event7")
        try tree.link("by-id", "usb-Honeywell_Imaging_1900-event-kbd", to: "event7")
        try tree.link("by-path", "pci-0000:00:14.0-usb-0:2:1.0-event-kbd", to: "event7")
        try tree.link("by-path", "pci-0000:00:14.0-usb-0:3:1.0-event-kbd", to: "event9")
        let id = try #require(DeviceIdentity.read(eventNode: "event7", directory: tree.dev, sysfs: tree.sysfs))
        #expect(id.node == tree.dev + "/event7")
        #expect(id.name == "Honeywell Imaging 1900")
        #expect(id.bus == 3 && id.vendor == 0x0c2e && id.product == 0x0b61 && id.version == 0x0110)
        #expect(id.phys == "usb-0000:00:14.0-2/input0")
        #expect(id.uniq == "19123B4567")
        #expect(id.byID == ["usb-Honeywell_Imaging_1900-event-kbd"])
        #expect(id.byPath == ["pci-0000:00:14.0-usb-0:2:1.0-event-kbd"])
        #expect(id.scannerID == "pci-0000:00:14.0-usb-0:2:1.0-event-kbd")
        #expect(id.vendorProduct == "0c2e:0b61")
        #expect(id.matches(ScannerMatch.knownScannerVendors))
        #expect(id.matches([.byPath("*-usb-0:2:*")]))
        #expect(!id.matches([.byPath("*-usb-0:3:*"), .usb(vendor: 0x05e0, product: nil)]))
        #expect(DeviceIdentity.read(eventNode: "event99", directory: tree.dev, sysfs: tree.sysfs) == nil)
    }

    @Test("scanner ids: by-path first, then phys, then vendor, product and serial or name")
    func scannerIDs() {
        var id = DeviceIdentity(
            node: "/dev/input/event3",
            name: "Scanner",
            bus: 3,
            vendor: 0x05e0,
            product: 0x1200,
            version: 1,
            phys: "usb-0000:00:14.0-4/input0",
            uniq: "S1",
            byPath: ["b-path", "a-path"]
        )
        #expect(id.scannerID == "a-path")
        id.byPath = []
        #expect(id.scannerID == "phys:usb-0000:00:14.0-4/input0")
        id.phys = ""
        #expect(id.scannerID == "usb:05e0:1200:S1")
        id.uniq = ""
        #expect(id.scannerID == "usb:05e0:1200:Scanner")
    }

    @Test("opening errors come through as Errno")
    func openErrors() throws {
        let tree = try FakeInputTree()
        defer { tree.remove() }
        #expect(throws: Errno.noSuchFile) { try InputDevice(path: tree.dev + "/event42") }
        try tree.plug("event1")
        #expect(throws: Errno(rawValue: ENOTTY)) { try InputDevice(path: tree.dev + "/event1") }
        #expect("\(Errno.busy)".contains("EBUSY"))
    }

    @Test("the monitor enumerates, sees hotplug through inotify, and never opens non-scanners")
    func monitorDiscovery() async throws {
        let tree = try FakeInputTree()
        defer { tree.remove() }
        // Present before start: a keyboard of a non-scanner vendor.
        try tree.describe("event0", name: "Logitech USB Keyboard", vendor: "046d", product: "c31c")
        try tree.plug("event0")
        let monitor = DeviceMonitor(configuration: .init(directory: tree.dev, sysfs: tree.sysfs, settleDelay: .zero))
        let stream = try monitor.start()
        let collected = Collected()
        let task = Task { for await e in stream { collected.push(e) } }
        defer { task.cancel() }
        let first = await collected.wait(for: 1)
        guard case .ignored(let kbd)? = first.first else {
            Issue.record("expected the keyboard to be ignored, got \(first)")
            return
        }
        #expect(kbd.vendor == 0x046d)

        // Plugged after start: a scanner (matched, so it is opened: this regular file is no evdev
        // device, so the open fails with ENOTTY and is reported) and another keyboard (ignored).
        try tree.describe("event5", name: "Symbol Scanner", vendor: "05e0", product: "1200", phys: "usb-x-2/input0")
        try tree.plug("event5")
        try tree.describe("event6", name: "Dell Keyboard", vendor: "413c", product: "2113")
        try tree.plug("event6")
        let all = await collected.wait(for: 3)
        #expect(all.count == 3)
        var sawScanner = false
        var sawKeyboard = false
        for event in all.dropFirst() {
            switch event {
            case .grabFailed(let id, let identity, let reason):
                sawScanner =
                    id == "phys:usb-x-2/input0" && identity.vendor == 0x05e0 && reason == Errno(rawValue: ENOTTY)
            case .ignored(let identity):
                sawKeyboard = identity.vendor == 0x413c
            default:
                Issue.record("unexpected \(event)")
            }
        }
        #expect(sawScanner, "the scanner was opened (and failed as a regular file)")
        #expect(sawKeyboard, "the hotplugged keyboard was ignored")
    }
}
