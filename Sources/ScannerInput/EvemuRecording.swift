/// A device recording in evemu's text format, as `evemu-record` (evemu-tools) writes it and
/// `evemu-play`/`evemu-device` read it. Pure: parse text, format text; no device I/O.
///
/// Lines: `# ...` comments; `N: <name>`; `I: <bus> <vendor> <product> <version>` (hex);
/// `P: <byte> ...` property bits (hex); `B: <type> <byte> ...` event-code bits per type (hex, a type may
/// span several lines); `A: <code> <min> <max> <fuzz> <flat> [<resolution>]` absolute axes
/// (code hex, numbers decimal); `L: <code> <value>` LED and `S: <code> <value>` switch state;
/// `E: <sec>.<usec> <type> <code> <value>` events (type and code hex, value decimal; anything after
/// a `#` on the line is evemu's annotation and ignored).
public struct EvemuRecording: Sendable, Equatable {
    /// Device description from the header.
    public var device: EvemuDevice
    /// The recorded events in file order; `time` is the recording's timestamp (evemu-record makes the
    /// first event 0).
    public var events: [InputEvent]

    /// Creates a recording.
    public init(device: EvemuDevice, events: [InputEvent]) {
        self.device = device
        self.events = events
    }

    /// Parses evemu text.
    /// - Throws: `EvemuFormatError` naming the line number, the line and what is wrong (the
    ///   reason never quotes the line, so it can be shown where the file's content must not be).
    public init(parsing text: String) throws(EvemuFormatError) {
        var device = EvemuDevice(name: "")
        var events: [InputEvent] = []
        var sawName = false
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.hasPrefix("#") { continue }
            func fail(_ why: String) -> EvemuFormatError {
                .invalidLine(number: lineNumber, line: String(line), reason: why)
            }
            guard line.count >= 2, line.dropFirst().first == ":" else {
                throw fail("expected 'X: ...' or a '#' comment")
            }
            let tag = line.first!
            let body = line.dropFirst(2).drop { $0 == " " || $0 == "\t" }
            if tag == "N" {
                device.name = String(body)
                sawName = true
                continue
            }
            let fieldsText = body.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = fieldsText.split(whereSeparator: { $0 == " " || $0 == "\t" })
            func hex(_ i: Int, _ what: String, max: UInt64 = UInt64(UInt16.max)) throws(EvemuFormatError) -> UInt64 {
                guard i < fields.count, let v = UInt64(fields[i], radix: 16), v <= max else {
                    throw fail("\(what) must be hexadecimal\(i < fields.count ? "" : " and is missing")")
                }
                return v
            }
            func dec(_ i: Int, _ what: String) throws(EvemuFormatError) -> Int32 {
                guard i < fields.count, let v = Int32(fields[i]) else {
                    throw fail("\(what) must be a decimal number\(i < fields.count ? "" : " and is missing")")
                }
                return v
            }
            switch tag {
            case "I":
                guard fields.count == 4 else { throw fail("expected bus, vendor, product and version in hex") }
                device.bus = UInt16(try hex(0, "bus"))
                device.vendor = UInt16(try hex(1, "vendor"))
                device.product = UInt16(try hex(2, "product"))
                device.version = UInt16(try hex(3, "version"))
            case "P":
                for i in fields.indices { device.properties.append(UInt8(try hex(i, "property byte", max: 0xff))) }
            case "B":
                guard !fields.isEmpty else { throw fail("expected an event type and bit bytes") }
                let type = UInt16(try hex(0, "event type", max: 0xff))
                var bytes: [UInt8] = []
                for i in fields.indices.dropFirst() { bytes.append(UInt8(try hex(i, "bit byte", max: 0xff))) }
                device.bits.append(EvemuDevice.BitLine(type: type, bytes: bytes))
            case "A":
                guard fields.count == 5 || fields.count == 6 else {
                    throw fail("expected code, min, max, fuzz, flat and resolution")
                }
                device.axes.append(
                    EvemuDevice.Axis(
                        code: UInt16(try hex(0, "axis code")),
                        minimum: try dec(1, "minimum"),
                        maximum: try dec(2, "maximum"),
                        fuzz: try dec(3, "fuzz"),
                        flat: try dec(4, "flat"),
                        resolution: fields.count == 6 ? try dec(5, "resolution") : 0
                    )
                )
            case "L", "S":
                guard fields.count == 2 else { throw fail("expected a code (hex) and a value") }
                let state = EvemuDevice.State(code: UInt16(try hex(0, "code")), value: try dec(1, "value"))
                if tag == "L" { device.leds.append(state) } else { device.switches.append(state) }
            case "E":
                guard fields.count == 4 else { throw fail("expected 'E: <sec>.<usec> <type> <code> <value>'") }
                let stamp = fields[0].split(separator: ".", omittingEmptySubsequences: false)
                guard stamp.count == 2, let sec = Int64(stamp[0]), sec >= 0, stamp[1].count == 6,
                    let usec = Int64(stamp[1])
                else {
                    throw fail("the timestamp must be <seconds>.<6-digit microseconds>")
                }
                events.append(
                    InputEvent(
                        type: UInt16(try hex(1, "event type")),
                        code: UInt16(try hex(2, "event code")),
                        value: try dec(3, "event value"),
                        time: .seconds(sec) + .microseconds(usec)
                    )
                )
            default:
                throw fail("unknown line type (known: N, I, P, B, A, L, S, E and # comments)")
            }
        }
        guard sawName || !events.isEmpty else { throw .empty }
        self.device = device
        self.events = events
    }

    /// The recording in evemu text format (what `init(parsing:)` reads back unchanged; evemu-play
    /// accepts it). Times are written with microsecond precision.
    public func formatted() -> String {
        func hex(_ v: some BinaryInteger, _ width: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var out = "# EVEMU 1.3\n# written by depot\n"
        out += "N: \(device.name)\n"
        out += "I: \(hex(device.bus, 4)) \(hex(device.vendor, 4)) \(hex(device.product, 4)) \(hex(device.version, 4))\n"
        if !device.properties.isEmpty {
            out += "P: " + device.properties.map { hex($0, 2) }.joined(separator: " ") + "\n"
        }
        for line in device.bits {
            out += "B: \(hex(line.type, 2))" + line.bytes.map { " " + hex($0, 2) }.joined() + "\n"
        }
        for a in device.axes {
            out += "A: \(hex(a.code, 2)) \(a.minimum) \(a.maximum) \(a.fuzz) \(a.flat) \(a.resolution)\n"
        }
        for l in device.leds { out += "L: \(hex(l.code, 2)) \(l.value)\n" }
        for s in device.switches { out += "S: \(hex(s.code, 2)) \(s.value)\n" }
        for e in events {
            let (sec, atto) = e.time.components
            let usec = atto / 1_000_000_000_000
            out +=
                "E: \(sec).\(String(repeating: "0", count: 6 - String(usec).count))\(usec) \(hex(e.type, 4)) \(hex(e.code, 4)) \(e.value)\n"
        }
        return out
    }
}

/// The device part of an evemu recording.
public struct EvemuDevice: Sendable, Equatable {
    /// One `B:` line: event type and bit bytes.
    public struct BitLine: Sendable, Equatable {
        /// Event type (`EV_KEY` = 1, ...).
        public var type: UInt16
        /// Bit bytes, least significant code first.
        public var bytes: [UInt8]
        /// Creates a line.
        public init(type: UInt16, bytes: [UInt8]) {
            self.type = type
            self.bytes = bytes
        }
    }
    /// One `A:` line (struct input_absinfo).
    public struct Axis: Sendable, Equatable {
        /// `ABS_*` code. The rest as in struct input_absinfo.
        public var code: UInt16, minimum: Int32, maximum: Int32, fuzz: Int32, flat: Int32, resolution: Int32
        /// Creates an axis.
        public init(
            code: UInt16,
            minimum: Int32,
            maximum: Int32,
            fuzz: Int32 = 0,
            flat: Int32 = 0,
            resolution: Int32 = 0
        ) {
            (self.code, self.minimum, self.maximum, self.fuzz, self.flat, self.resolution) = (
                code, minimum, maximum, fuzz, flat, resolution
            )
        }
    }
    /// One `L:` or `S:` line.
    public struct State: Sendable, Equatable {
        /// `LED_*` or `SW_*` code, and its value.
        public var code: UInt16, value: Int32
        /// Creates a state line.
        public init(code: UInt16, value: Int32) {
            self.code = code
            self.value = value
        }
    }

    /// Device name (`N:`).
    public var name: String
    /// Bus type, vendor, product, version (`I:`; `BUS_USB` = 0x03).
    public var bus: UInt16, vendor: UInt16, product: UInt16, version: UInt16
    /// Input property bytes (`P:`).
    public var properties: [UInt8]
    /// Supported event codes (`B:` lines in file order).
    public var bits: [BitLine]
    /// Absolute axes (`A:`).
    public var axes: [Axis]
    /// LED states (`L:`) and switch states (`S:`).
    public var leds: [State], switches: [State]

    /// Creates a device description.
    public init(
        name: String,
        bus: UInt16 = 0,
        vendor: UInt16 = 0,
        product: UInt16 = 0,
        version: UInt16 = 0,
        properties: [UInt8] = [],
        bits: [BitLine] = [],
        axes: [Axis] = [],
        leds: [State] = [],
        switches: [State] = []
    ) {
        self.name = name
        (self.bus, self.vendor, self.product, self.version) = (bus, vendor, product, version)
        self.properties = properties
        self.bits = bits
        self.axes = axes
        self.leds = leds
        self.switches = switches
    }

    /// A keyboard advertising `EV_SYN`, `EV_KEY` (the given keys), `EV_MSC`/`MSC_SCAN` and
    /// `EV_LED` (Num, Caps, Scroll Lock), one `B:` line per type as evemu-record writes them.
    public static func keyboard(
        name: String,
        bus: UInt16 = 0x03,
        vendor: UInt16,
        product: UInt16,
        version: UInt16 = 0x0111,
        keys: some Sequence<KeyCode>
    ) -> EvemuDevice {
        var keyBytes = [UInt8](repeating: 0, count: 96)
        for k in keys where Int(k.rawValue) < keyBytes.count * 8 {
            keyBytes[Int(k.rawValue) / 8] |= 1 << (k.rawValue % 8)
        }
        return EvemuDevice(
            name: name,
            bus: bus,
            vendor: vendor,
            product: product,
            version: version,
            properties: [UInt8](repeating: 0, count: 8),
            bits: [
                BitLine(type: 0x00, bytes: [0x13, 0, 0, 0, 0, 0, 0, 0]),
                BitLine(type: 0x01, bytes: keyBytes),
                BitLine(type: 0x04, bytes: [0x10, 0, 0, 0, 0, 0, 0, 0]),
                BitLine(type: 0x11, bytes: [0x07, 0, 0, 0, 0, 0, 0, 0]),
            ]
        )
    }
}

/// A malformed evemu recording.
public enum EvemuFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Line `number` (1-based) is not valid evemu text: `line` is its text, `reason` what is wrong
    /// without quoting any of the line (depotd's `Replay` shows only the number and the reason).
    case invalidLine(number: Int, line: String, reason: String)
    /// No device name and no events: not an evemu recording.
    case empty

    /// "evemu recording line 12 ('E: x'): ...".
    public var description: String {
        switch self {
        case .invalidLine(let n, let line, let reason): "evemu recording line \(n) ('\(line)'): \(reason)"
        case .empty: "not an evemu recording: no 'N:' device name and no 'E:' events"
        }
    }
}
