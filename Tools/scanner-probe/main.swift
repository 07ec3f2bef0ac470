// scanner-probe: the real-kernel scanner test, run inside the VM of mk/scanner-vm.mk (as root, with
// uinput loaded). It drives `uinput-type` (a uinput virtual keyboard in another process) and checks
// Evdev's DeviceMonitor and ScannerInput's decoder against the real kernel: hotplug found through
// inotify, grabbed (a second grab by another process gets EBUSY), typed barcodes decoded exactly,
// unplug seen, replug under the same scanner id, a keyboard with a non-scanner vendor never opened,
// the grab released when the monitor stops. Prints "scanner-vm: N passed, M failed".
import Evdev
import Foundation
import ScannerInput

/// A blocking queue with timeouts, filled by tasks and drained by the test's main flow.
final class WaitQueue<Element: Sendable>: @unchecked Sendable {
    private let lock = NSCondition()
    private var items: [Element] = []

    func push(_ item: Element) {
        lock.lock()
        items.append(item)
        lock.broadcast()
        lock.unlock()
    }

    /// Removes and returns the first item matching `predicate`, waiting up to `timeout` seconds.
    func take(within timeout: Double, where predicate: (Element) -> Bool = { _ in true }) -> Element? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let i = items.firstIndex(where: predicate) { return items.remove(at: i) }
            if !lock.wait(until: deadline) { return nil }
        }
    }

    func snapshot() -> [Element] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// One `uinput-type` process.
final class Injector {
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    var node = ""

    init(name: String, vendor: String, product: String, phys: String) throws {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        process.executableURL = dir.appendingPathComponent("uinput-type")
        process.arguments = ["--name", name, "--vendor", vendor, "--product", product, "--phys", phys]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let first = readLine()
        guard first.hasPrefix("node ") else { throw ProbeError.injector("uinput-type did not start: '\(first)'") }
        node = String(first.dropFirst(5))
    }

    func readLine() -> String {
        var bytes: [UInt8] = []
        while true {
            let chunk = output.fileHandleForReading.readData(ofLength: 1)
            guard let b = chunk.first else { break }
            if b == 0x0A { break }
            bytes.append(b)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func send(_ line: String) -> String {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
        return readLine()
    }

    /// Types `text` as a US-layout scanner would: Shift held over runs of capitals, GS as Ctrl+],
    /// CR as Enter.
    func type(_ text: String) -> String {
        var tokens: [String] = []
        var shift = false
        func setShift(_ on: Bool) {
            if on != shift {
                tokens.append("LEFTSHIFT:\(on ? 1 : 0)")
                shift = on
            }
        }
        func press(_ key: String) { tokens += ["\(key):1", "\(key):0"] }
        for c in text.unicodeScalars {
            switch c {
            case "a"..."z":
                setShift(false)
                press(String(c).uppercased())
            case "A"..."Z":
                setShift(true)
                press(String(c))
            case "0"..."9":
                setShift(false)
                press(String(c))
            case "-":
                setShift(false)
                press("MINUS")
            case "]":
                setShift(false)
                press("RIGHTBRACE")
            case "\u{1D}":
                setShift(false)
                tokens += ["LEFTCTRL:1", "RIGHTBRACE:1", "RIGHTBRACE:0", "LEFTCTRL:0"]
            case "\r":
                setShift(false)
                press("ENTER")
            default: fatalError("the probe cannot type \(c)")
            }
        }
        setShift(false)
        return send("keys " + tokens.joined(separator: " "))
    }

    func quit() {
        _ = send("quit")
        process.waitUntilExit()
    }
}

enum ProbeError: Error { case injector(String) }

enum Observed: Sendable {
    case device(DeviceEvent)
    case scan(Scan)
    case inputEnded(String)
}

nonisolated(unsafe) var passed = 0
nonisolated(unsafe) var failed = 0
func check(_ ok: Bool, _ what: String, _ detail: @autoclosure () -> String = "") {
    if ok {
        passed += 1
        print("ok - \(what)")
    } else {
        failed += 1
        print("not ok - \(what) \(detail())")
    }
}
func finish() -> Never {
    print("scanner-vm: \(passed) passed, \(failed) failed")
    exit(failed == 0 && passed > 0 ? 0 : 1)
}

// Child mode (run unprivileged by the EACCES check below): watch for one scanner node and report
// "refused EACCES" when it cannot be opened, then "added" once it can (after its mode changed).
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--eacces-child" {
    let node = CommandLine.arguments[2]
    let childMonitor = DeviceMonitor(
        configuration: .init(matches: [.usb(vendor: 0x05e0, product: 0x1201)], settleDelay: .zero)
    )
    let childEvents = try childMonitor.start()
    Task.detached {
        for await event in childEvents {
            switch event {
            case .grabFailed(_, let identity, let reason) where identity.node == node:
                print(reason == .permissionDenied ? "refused EACCES" : "refused \(reason)")
                fflush(nil)
            case .added(let device) where device.identity.node == node:
                print("added")
                fflush(nil)
                exit(0)
            default:
                break
            }
        }
    }
    sleep(60)
    print("timeout")
    exit(1)
}

let observed = WaitQueue<Observed>()
let monitor = DeviceMonitor(configuration: .init(matches: ScannerMatch.knownScannerVendors))
let events: AsyncStream<DeviceEvent>
do {
    events = try monitor.start()
} catch {
    check(false, "monitor starts", "\(error)")
    finish()
}
let consumer = Task.detached {
    for await event in events {
        observed.push(.device(event))
        if case .added(let device) = event {
            Task.detached {
                do {
                    let decoder = try ScanDecoder(scannerID: device.scannerID, profile: ScannerProfile())
                    decoder.keys.setLocks(capsLock: false, numLock: true)
                    for await batch in device.input {
                        for scan in decoder.consume(batch) { observed.push(.scan(scan)) }
                    }
                    for scan in decoder.finish(at: monotonicNow(), corruption: .deviceRemoved) {
                        observed.push(.scan(scan))
                    }
                } catch {
                    print("# decoder failed: \(error)")
                }
                observed.push(.inputEnded(device.scannerID))
            }
        }
    }
}

func nextDevice(_ timeout: Double = 30, _ predicate: @escaping (DeviceEvent) -> Bool) -> DeviceEvent? {
    guard
        case .device(let e)? = observed.take(
            within: timeout,
            where: {
                if case .device(let e) = $0 { return predicate(e) }
                return false
            }
        )
    else { return nil }
    return e
}
func nextScan(_ timeout: Double = 30) -> Scan? {
    guard case .scan(let s)? = observed.take(within: timeout, where: { if case .scan = $0 { true } else { false } })
    else { return nil }
    return s
}
func vendor(_ e: DeviceEvent) -> UInt16? {
    switch e {
    case .added(let d): d.identity.vendor
    case .removed(_, let i), .grabFailed(_, let i, _), .ignored(let i): i.vendor
    }
}
func openDescriptorTargets() -> [String] {
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
}

// 1. Devices present at start (the VM's AT keyboard, power button, ...) are not scanners.
let preexisting = nextDevice(15) { if case .ignored = $0 { true } else { false } }
check(preexisting != nil, "devices present at start with non-scanner vendors are ignored (not opened)")

do {
    // 2. Hotplug of a scanner.
    let scannerPhys = "usb-depot-vm-port2/input0"
    var scanner = try Injector(
        name: "Symbol Bar Code Scanner (depot VM)",
        vendor: "05e0",
        product: "1200",
        phys: scannerPhys
    )
    let added = nextDevice { if case .added(let d) = $0 { d.identity.vendor == 0x05e0 } else { false } }
    guard case .added(let device)? = added else {
        check(
            false,
            "a scanner plugged in is found through inotify and grabbed",
            "no .added event in 30 s: \(observed.snapshot())"
        )
        finish()
    }
    check(true, "a scanner plugged in is found through inotify and grabbed")
    check(
        device.identity.node == scanner.node,
        "its node is the one uinput made",
        "\(device.identity.node) vs \(scanner.node)"
    )
    check(
        device.identity.product == 0x1200 && device.identity.name == "Symbol Bar Code Scanner (depot VM)",
        "its identity (vendor, product, name) is read",
        "\(device.identity)"
    )
    check(
        device.isWritable && device.ledsSet,
        "it was opened read-write and its LEDs set",
        "writable \(device.isWritable) leds \(device.ledsSet)"
    )
    let scannerID = device.scannerID
    print("# scanner id: \(scannerID)")
    check(
        scannerID == "phys:" + scannerPhys,
        "its id comes from its port (no by-path link for virtual devices, so phys)",
        scannerID
    )

    // 2b. An identical scanner (same name, vendor, product) in another port gets another id.
    let twin = try Injector(
        name: "Symbol Bar Code Scanner (depot VM)",
        vendor: "05e0",
        product: "1200",
        phys: "usb-depot-vm-port4/input0"
    )
    let twinAdded = nextDevice { if case .added(let d) = $0 { d.identity.node == twin.node } else { false } }
    if case .added(let d)? = twinAdded {
        check(d.scannerID != scannerID, "an identical scanner in another port gets a distinct id", d.scannerID)
    } else {
        check(false, "an identical second scanner is found", "no .added in 30 s")
    }
    twin.quit()
    _ = nextDevice { if case .removed(let id, _) = $0 { id != scannerID } else { false } }

    let leds = scanner.send("leds")
    check(leds == "leds num=1 caps=0", "the kernel device got Caps Lock off and Num Lock on", leds)

    // 3. A second grab by another process gets EBUSY.
    let secondGrab = scanner.send("grab")
    check(secondGrab == "grab EBUSY", "a second grab by another process gets EBUSY", secondGrab)

    // 4. A keyboard with a non-scanner vendor is left alone.
    let keyboard = try Injector(
        name: "Logitech USB Keyboard (depot VM)",
        vendor: "046d",
        product: "c31c",
        phys: "usb-depot-vm-port3/input0"
    )
    let ignored = nextDevice { if case .ignored(let i) = $0 { i.vendor == 0x046d } else { false } }
    check(ignored != nil, "a keyboard with a non-scanner vendor is reported ignored")
    check(!openDescriptorTargets().contains(keyboard.node), "the keyboard's node was never opened", keyboard.node)
    let keyboardGrab = keyboard.send("grab")
    check(keyboardGrab == "grab ok", "the keyboard is not grabbed by depot (another process can grab it)", keyboardGrab)

    // 4b. evemu-record's real output parses, and replays through the decoder (the keyboard is not
    //     grabbed, so evemu-record can read it).
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/evemu-record") {
        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: "/usr/bin/stdbuf")
        recorder.arguments = ["-o0", "/usr/bin/evemu-record", keyboard.node]
        let pipe = Pipe()
        recorder.standardOutput = pipe
        let captured = WaitQueue<Data>()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { captured.push(data) }
        }
        try recorder.run()
        var text = ""
        let headerDeadline = Date(timeIntervalSinceNow: 20)
        while !text.contains("Waiting for events"), Date() < headerDeadline {
            if let d = captured.take(within: 1) { text += String(decoding: d, as: UTF8.self) }
        }
        _ = keyboard.type("LoT-42\r")
        usleep(500_000)
        recorder.interrupt()
        recorder.waitUntilExit()
        pipe.fileHandleForReading.readabilityHandler = nil
        while let d = captured.take(within: 0.5) { text += String(decoding: d, as: UTF8.self) }
        if let dir = ProcessInfo.processInfo.environment["DEPOT_VM_RESULTS"] {
            try? text.write(toFile: dir + "/keyboard.evemu", atomically: true, encoding: .utf8)
        }
        do {
            let recording = try EvemuRecording(parsing: text)
            check(
                recording.device.vendor == 0x046d && recording.device.product == 0xc31c
                    && recording.device.name == "Logitech USB Keyboard (depot VM)",
                "evemu-record's header parses (name, vendor, product)",
                "\(recording.device)"
            )
            let replayed = try ScanDecoder(scannerID: "replay", profile: ScannerProfile()).replay(recording.events)
            check(
                replayed.map(\.text) == ["LoT-42"],
                "evemu-record's events replay through the decoder exactly",
                "\(replayed.map(\.text)) from \(recording.events.count) events"
            )
        } catch {
            check(false, "evemu-record's output parses", "\(error)\n\(text)")
        }
    } else {
        print("# evemu-record not installed: evemu format check SKIPPED")
    }

    // 4c. A real SYN_DROPPED: read the (ungrabbed) keyboard directly, but only after it typed far more
    //     than the kernel's per-client buffer holds; the overflowed scan must come out corrupt, the
    //     next one clean.
    do {
        let reader = try InputDevice(path: keyboard.node)
        _ = try reader.readAvailable()
        _ = keyboard.type(String(repeating: "abcdefghij", count: 12) + "\r")
        let burst = try reader.readAvailable()
        let decoder = try ScanDecoder(scannerID: "kbd", profile: ScannerProfile())
        var scans = decoder.consume(burst)
        // As the daemon does: after the idle gap, flush (the lost scan is reported, empty and corrupt).
        usleep(600_000)
        scans += decoder.flush(at: monotonicNow())
        _ = keyboard.type("ok\r")
        usleep(200_000)
        let after = try reader.readAvailable()
        scans += decoder.consume(after)
        check(
            burst.contains(where: \.isSyncDropped),
            "an overflowing kernel buffer is read as SYN_DROPPED",
            "\(burst.count) events"
        )
        check(
            scans.count == 2 && scans[0].corruption == .eventsDropped && scans[1].text == "ok" && !scans[1].isCorrupt,
            "the scan that lost events is corrupt, the next one is clean",
            "\(scans.map { ($0.text, $0.corruption.map(\.code) ?? "ok") }) burst \(burst.filter { $0.type != 0 || $0.code != 0 }) after \(after.filter { $0.type == 1 }.map { ($0.code, $0.value) })"
        )
    } catch {
        check(false, "the keyboard can be read directly", "\(error)")
    }

    // 5. Barcodes typed on the scanner are decoded exactly; typing on the keyboard makes no scan.
    let gtin = "4006381333931"
    let gs1 = "]C1" + "0104006381333931" + "10ABC123" + "\u{1D}" + "17261231"
    let lot = "LOT-7Xb9QZ"
    _ = keyboard.type("hello\r")
    check(scanner.type(gtin + "\r") == "ok", "the injector typed a GTIN")
    let s1 = nextScan()
    check(
        s1?.text == gtin && s1?.scannerID == scannerID && s1?.isCorrupt == false,
        "a GTIN is decoded exactly, from the scanner's id",
        "\(String(describing: s1))"
    )
    _ = scanner.type(gs1 + "\r")
    let s2 = nextScan()
    check(
        s2?.symbologyIdentifier == "]C1" && s2?.text == "0104006381333931" + "10ABC123\u{1D}17261231"
            && s2?.isCorrupt == false,
        "a GS1 string with GS sent as Ctrl+] is decoded exactly with its AIM identifier",
        "\(String(describing: s2))"
    )
    _ = scanner.type(lot + "\r")
    let s3 = nextScan()
    check(
        s3?.text == lot && s3?.isCorrupt == false,
        "a lot with capitals (Shift held over several letters) is decoded exactly",
        "\(String(describing: s3))"
    )
    _ = keyboard.type("world\r")

    // 6. Unplug: removed under the same id, its input stream ends.
    scanner.quit()
    let removed = nextDevice { if case .removed = $0 { true } else { false } }
    if case .removed(let id, _)? = removed {
        check(id == scannerID, "unplugging is seen as removal of the same scanner id", id)
    } else {
        check(false, "unplugging is seen as removal", "no .removed in 30 s")
    }
    let ended = observed.take(within: 10) { if case .inputEnded(let id) = $0 { id == scannerID } else { false } }
    check(ended != nil, "the scanner's input stream ends cleanly on ENODEV")

    // 7. Replug into the same port: same id, decoding works again.
    scanner = try Injector(
        name: "Symbol Bar Code Scanner (depot VM)",
        vendor: "05e0",
        product: "1200",
        phys: scannerPhys
    )
    let again = nextDevice { if case .added(let d) = $0 { d.identity.vendor == 0x05e0 } else { false } }
    if case .added(let d)? = again {
        check(d.scannerID == scannerID, "a replugged scanner comes back under the same id", d.scannerID)
    } else {
        check(false, "a replugged scanner is found again", "no .added in 30 s")
    }
    _ = scanner.type(gtin + "\r")
    let s4 = nextScan()
    check(
        s4?.text == gtin && s4?.scannerID == scannerID,
        "the replugged scanner's scans decode",
        "\(String(describing: s4))"
    )
    check(
        !observed.snapshot().contains { if case .scan = $0 { true } else { false } },
        "no scan came from the plain keyboard",
        "\(observed.snapshot())"
    )

    // 8. Stopping the monitor releases the grab.
    consumer.cancel()
    var released = "not tried"
    for _ in 0..<50 {
        released = scanner.send("grab")
        if released == "grab ok" { break }
        usleep(100_000)
    }
    check(released == "grab ok", "stopping the monitor releases the grab", released)
    scanner.quit()
    keyboard.quit()

    // 9. A node that is not yet accessible (EACCES) is taken once its attributes change: an
    //    unprivileged monitor is refused, the node is made accessible, the monitor picks it up.
    let locked = try Injector(
        name: "Symbol Bar Code Scanner (depot VM, locked)",
        vendor: "05e0",
        product: "1201",
        phys: "usb-depot-vm-port5/input0"
    )
    chmod(locked.node, 0o600)
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    child.arguments = [
        "--reuid=65534", "--regid=65534", "--clear-groups", CommandLine.arguments[0], "--eacces-child", locked.node,
    ]
    let childOut = Pipe()
    child.standardOutput = childOut
    try child.run()
    func childLine() -> String {
        var bytes: [UInt8] = []
        while let b = childOut.fileHandleForReading.readData(ofLength: 1).first, b != 0x0A { bytes.append(b) }
        return String(decoding: bytes, as: UTF8.self)
    }
    let refused = childLine()
    check(refused == "refused EACCES", "an unprivileged monitor is refused a root-only node (EACCES)", refused)
    chmod(locked.node, 0o666)
    let taken = childLine()
    check(taken == "added", "after the node's mode changes (IN_ATTRIB) the monitor opens and grabs it", taken)
    child.waitUntilExit()
    locked.quit()
} catch {
    check(false, "the injector runs", "\(error)")
}
finish()
