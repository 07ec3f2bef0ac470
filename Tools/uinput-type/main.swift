import CLibevdev
import GS1
import ScannerInput

// uinput-type: a virtual keyboard made through libevdev's uinput API, for the scanner VM test.
// Not part of depot; the VM suite drives it through stdin.
//
//   uinput-type --name NAME --vendor 05e0 --product 1200 [--phys PHYS]
// prints "node /dev/input/eventN", then reads commands from stdin, one per line:
//   keys NAME:VALUE ...   key events (KEY_ names without the prefix; 1 down, 0 up), each followed
//                         by SYN_REPORT and 2 ms, about as fast as a USB scanner; prints "ok"
//   type TEXT             types TEXT then Enter as a US-layout scanner does (ScannerInput's
//                         KeyTyping: Left Shift for capitals and symbols, GS as Ctrl+]); `<GS>`
//                         in TEXT is the GS1 separator (GS1's decodeSeparatorNotation); prints "ok"
//   leds                  reports the LED values depot wrote to the device ("leds num=1 caps=0",
//                         "-" for an LED never written)
//   signals               how often Scroll Lock was switched on (depot's error signal): "signals scroll=N"
//   grab                  tries EVIOCGRAB on its own node from this process; prints "grab ok" or
//                         "grab <errno>"
//   quit                  destroys the device (an unplug) and exits
#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    let text = "uinput-type: \(message)\n"
    _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
    exit(1)
}

var options: [String: String] = [
    "--name": "depot virtual keyboard", "--vendor": "05e0", "--product": "1200", "--phys": "",
]
var args = CommandLine.arguments.dropFirst()
while let flag = args.popFirst() {
    guard options[flag] != nil, let value = args.popFirst() else {
        fail("usage: uinput-type --name N --vendor HEX --product HEX [--phys P]")
    }
    options[flag] = value
}
guard let vendor = Int(options["--vendor"]!, radix: 16), let product = Int(options["--product"]!, radix: 16) else {
    fail("vendor and product must be hexadecimal, got \(options["--vendor"]!) and \(options["--product"]!)")
}

let dev = libevdev_new()!
libevdev_set_name(dev, options["--name"]!)
libevdev_set_id_bustype(dev, Int32(BUS_USB))
libevdev_set_id_vendor(dev, Int32(vendor))
libevdev_set_id_product(dev, Int32(product))
libevdev_set_id_version(dev, 0x0111)
libevdev_enable_event_type(dev, UInt32(EV_KEY))
for code in 1..<256 { libevdev_enable_event_code(dev, UInt32(EV_KEY), UInt32(code), nil) }
libevdev_enable_event_type(dev, UInt32(EV_LED))
for led in [LED_NUML, LED_CAPSL, LED_SCROLLL] { libevdev_enable_event_code(dev, UInt32(EV_LED), UInt32(led), nil) }

// libevdev's uinput API does not pass phys on, so open /dev/uinput here and set it with UI_SET_PHYS
// (_IOW('U', 108, char *), linux/uinput.h) before libevdev creates the device on this descriptor.
let uinputFD = open("/dev/uinput", O_RDWR | O_CLOEXEC)
guard uinputFD >= 0 else { fail("cannot open /dev/uinput: \(String(cString: strerror(errno)))") }
let physText = options["--phys"]!
if !physText.isEmpty {
    let uiSetPhys: UInt = 0x4008_556C
    let r = physText.withCString { ioctl(uinputFD, uiSetPhys, UnsafeMutableRawPointer(mutating: $0)) }
    if r != 0 { fail("UI_SET_PHYS failed: \(String(cString: strerror(errno)))") }
}
var uidev: OpaquePointer?
let rc = libevdev_uinput_create_from_device(dev, uinputFD, &uidev)
guard rc == 0, let uidev else { fail("cannot create the uinput device: \(String(cString: strerror(-rc)))") }
guard let nodePointer = libevdev_uinput_get_devnode(uidev) else { fail("the uinput device has no node") }
let node = String(cString: nodePointer)
func emit(_ type: Int32, _ code: UInt32, _ value: Int32) {
    let r = libevdev_uinput_write_event(uidev, UInt32(type), code, value)
    if r != 0 { fail("write failed: \(String(cString: strerror(-r)))") }
}

// Start with the Caps Lock LED on, as a desktop may have left it; depot must switch it off.
emit(EV_LED, UInt32(LED_CAPSL), 1)
emit(EV_SYN, UInt32(SYN_REPORT), 0)
print("node \(node)")
fflush(nil)

// LED writes to the device arrive on the uinput descriptor as EV_LED events (struct input_event).
var ledsSeen: [UInt16: Int32] = [:]
var scrollOn = 0
@MainActor func drainLEDs() {
    var fds = [pollfd(fd: uinputFD, events: Int16(POLLIN), revents: 0)]
    while poll(&fds, 1, 0) > 0 {
        var ev = input_event()
        let n = read(uinputFD, &ev, MemoryLayout<input_event>.size)
        guard n == MemoryLayout<input_event>.size else { return }
        if ev.type == UInt16(EV_LED) {
            ledsSeen[ev.code] = ev.value
            if ev.code == UInt16(LED_SCROLLL), ev.value == 1 { scrollOn += 1 }
        }
    }
}

while let line = readLine() {
    let words = line.split(separator: " ")
    guard let command = words.first else { continue }
    switch command {
    case "keys":
        for token in words.dropFirst() {
            let parts = token.split(separator: ":")
            let code = libevdev_event_code_from_name(UInt32(EV_KEY), "KEY_" + parts[0])
            guard parts.count == 2, code >= 0, let value = Int32(parts[1]) else { fail("bad key token \(token)") }
            emit(EV_KEY, UInt32(code), value)
            emit(EV_SYN, UInt32(SYN_REPORT), 0)
            usleep(2000)
        }
        print("ok")
    case "type":
        let text = decodeSeparatorNotation(String(line.dropFirst(command.count + 1)))
        do {
            let typed = try KeyTyping.events(typing: text, start: .zero)
            var last = Duration.zero
            for event in typed.events {
                if event.time > last {
                    let (seconds, attoseconds) = (event.time - last).components
                    usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
                    last = event.time
                }
                emit(Int32(event.type), UInt32(event.code), event.value)
            }
            print("ok")
        } catch {
            print("error \(error)")
        }
    case "leds":
        drainLEDs()
        let show = { (code: Int32) in ledsSeen[UInt16(code)].map(String.init) ?? "-" }
        print("leds num=\(show(LED_NUML)) caps=\(show(LED_CAPSL))")
    case "signals":
        drainLEDs()
        print("signals scroll=\(scrollOn)")
    case "grab":
        let fd = open(node, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        var reader: OpaquePointer?
        if fd < 0 {
            print("grab open-failed-\(errno)")
        } else if libevdev_new_from_fd(fd, &reader) != 0 {
            print("grab libevdev-failed")
        } else {
            let g = libevdev_grab(reader, LIBEVDEV_GRAB)
            print(g == 0 ? "grab ok" : (g == -EBUSY ? "grab EBUSY" : "grab errno-\(-g)"))
            if g == 0 { libevdev_grab(reader, LIBEVDEV_UNGRAB) }
            libevdev_free(reader)
        }
        if fd >= 0 { close(fd) }
    case "quit":
        libevdev_uinput_destroy(uidev)
        close(uinputFD)
        libevdev_free(dev)
        print("bye")
        fflush(nil)
        exit(0)
    default:
        fail("unknown command \(command)")
    }
    fflush(nil)
}
libevdev_uinput_destroy(uidev)
