/// One kernel input event as evdev delivers it (`struct input_event`, linux/input.h), reduced to
/// what decoding needs. `Evdev` converts libevdev's events to this type; replayed evemu recordings
/// produce it too, so live devices and recordings go through the same decoder.
public struct InputEvent: Sendable, Hashable, CustomStringConvertible {
    /// Event type (`EV_KEY`, `EV_SYN`, ...; linux/input-event-codes.h).
    public var type: UInt16
    /// Event code within the type (`KEY_A`, `SYN_REPORT`, ...).
    public var code: UInt16
    /// Event value; for `EV_KEY` 0 = release, 1 = press, 2 = autorepeat.
    public var value: Int32
    /// Timestamp on the device's clock: CLOCK_MONOTONIC for live devices (depot sets
    /// `libevdev_set_clock_id(CLOCK_MONOTONIC)`), the recording's own clock for replays.
    public var time: Duration

    /// Creates an event from its raw fields.
    public init(type: UInt16, code: UInt16, value: Int32, time: Duration) {
        self.type = type
        self.code = code
        self.value = value
        self.time = time
    }

    /// `EV_SYN` (0).
    public static let typeSync: UInt16 = 0x00
    /// `EV_KEY` (1).
    public static let typeKey: UInt16 = 0x01
    /// `EV_MSC` (4).
    public static let typeMisc: UInt16 = 0x04
    /// `EV_LED` (0x11).
    public static let typeLED: UInt16 = 0x11
    /// `SYN_REPORT` (0): end of one hardware report.
    public static let codeSynReport: UInt16 = 0
    /// `SYN_DROPPED` (3): the kernel's buffer overflowed and events were lost
    /// (libevdev_next_event(3), LIBEVDEV_READ_STATUS_SYNC).
    public static let codeSynDropped: UInt16 = 3

    /// A key event (`EV_KEY`) with value 0 (up), 1 (down) or 2 (repeat).
    public static func key(_ key: KeyCode, _ value: Int32, at time: Duration) -> InputEvent {
        InputEvent(type: typeKey, code: key.rawValue, value: value, time: time)
    }

    /// The end of a report (`EV_SYN`/`SYN_REPORT`).
    public static func synReport(at time: Duration) -> InputEvent {
        InputEvent(type: typeSync, code: codeSynReport, value: 0, time: time)
    }

    /// The marker for lost events (`EV_SYN`/`SYN_DROPPED`). `Evdev` delivers it when libevdev reports
    /// LIBEVDEV_READ_STATUS_SYNC, followed by the resynchronising events and a `SYN_REPORT`.
    public static func syncDropped(at time: Duration) -> InputEvent {
        InputEvent(type: typeSync, code: codeSynDropped, value: 0, time: time)
    }

    /// Whether this is the `SYN_DROPPED` marker.
    public var isSyncDropped: Bool { type == Self.typeSync && code == Self.codeSynDropped }

    /// `EV_KEY` 0x001e 1 @ 1.000200s (types and codes in hex, as evemu prints them).
    public var description: String {
        let hex = { (v: UInt16) in String(v, radix: 16) }
        return "type 0x\(hex(type)) code 0x\(hex(code)) value \(value) at \(time)"
    }
}

/// An evdev key code (`KEY_*`, linux/input-event-codes.h). Names are the header's names without the
/// `KEY_` prefix (`LEFTSHIFT`, `A`, `KP7`, `RIGHTBRACE`).
public struct KeyCode: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The kernel's key code.
    public var rawValue: UInt16
    /// Wraps a kernel key code.
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// Wraps a kernel key code.
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// Looks a key up by its header name, with or without `KEY_` (case-insensitive): `"F8"`,
    /// `"KEY_RIGHTBRACE"`. Returns nil for unknown names.
    public init?(name: String) {
        var n = name.uppercased()
        if n.hasPrefix("KEY_") { n.removeFirst(4) }
        guard let code = Self.codesByName[n] else { return nil }
        self.rawValue = code
    }

    /// The header name without `KEY_`, or `0xNN` for codes the header does not name.
    public var name: String { Self.namesByCode[rawValue] ?? "0x" + String(rawValue, radix: 16) }
    /// Same as `name`.
    public var description: String { name }
    /// Orders by kernel code.
    public static func < (a: KeyCode, b: KeyCode) -> Bool { a.rawValue < b.rawValue }

    /// `KEY_TAB`.
    public static let tab = KeyCode(15)
    /// `KEY_ENTER`.
    public static let enter = KeyCode(28)
    /// `KEY_LEFTCTRL`.
    public static let leftCtrl = KeyCode(29)
    /// `KEY_LEFTSHIFT`.
    public static let leftShift = KeyCode(42)
    /// `KEY_LEFTALT`.
    public static let leftAlt = KeyCode(56)
    /// `KEY_CAPSLOCK`.
    public static let capsLock = KeyCode(58)
    /// `KEY_NUMLOCK`.
    public static let numLock = KeyCode(69)
    /// `KEY_KPENTER`.
    public static let keypadEnter = KeyCode(96)
    /// `KEY_RIGHTALT`.
    public static let rightAlt = KeyCode(100)

    /// The keypad digits `KEY_KP0` ... `KEY_KP9`, indexed by digit.
    public static let keypadDigits: [KeyCode] = [82, 79, 80, 81, 75, 76, 77, 71, 72, 73].map { KeyCode(rawValue: $0) }

    /// Keypad keys that give characters regardless of Num Lock: digits, `KPDOT`, `KPPLUS`,
    /// `KPMINUS`, `KPASTERISK`, `KPSLASH`, `KPEQUAL`, `KPCOMMA`, `KPJPCOMMA`, `KPPLUSMINUS`,
    /// `KPLEFTPAREN`, `KPRIGHTPAREN` (not `KPENTER`, which is Enter).
    public static let keypadCharacterKeys: Set<KeyCode> =
        Set(keypadDigits + [83, 78, 74, 55, 98, 117, 121, 95, 118, 179, 180].map { KeyCode(rawValue: $0) })

    /// The digit of a keypad digit key, nil for other keys.
    public var keypadDigit: Int? { Self.keypadDigits.firstIndex(of: self) }

    /// Codes from `BTN_MISC` (0x100) to `BTN_DIGI`'s block end (0x151) are buttons, not keys.
    public var isButton: Bool { (0x100...0x151).contains(rawValue) }
}
