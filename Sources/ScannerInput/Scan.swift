import FoundationEssentials

/// One barcode read, framed and decoded: what the scanner sent between two terminators (or up to
/// an idle gap), split into configured prefix, AIM symbology identifier, data and configured suffix.
public struct Scan: Sendable, Equatable {
    /// The scanner's stable id (`Evdev`'s `DeviceIdentity.scannerID`, or the replay's name).
    public var scannerID: String
    /// The barcode data exactly as sent, control characters (GS 0x1D, RS 0x1E, EOT 0x04) kept;
    /// without prefix, AIM identifier, suffix and terminator.
    public var text: String
    /// The AIM symbology identifier (ISO/IEC 15424: `]`, code character, modifier character), e.g.
    /// `]C1` (GS1-128), `]d2` (GS1 DataMatrix), `]E0` (EAN-13); nil when the scan had none.
    public var symbologyIdentifier: String?
    /// The configured prefix when the scan started with it (stripped from `text`).
    public var prefix: String?
    /// The configured suffix when the scan ended with it (stripped from `text`).
    public var suffix: String?
    /// When the scan ended (terminator or last character), on the events' clock (CLOCK_MONOTONIC).
    public var monotonicTime: Duration
    /// The same instant as UTC wall-clock time (through the assembler's `WallClockMapping`).
    public var wallTime: Date
    /// How the scan ended.
    public var end: ScanEnd
    /// Why this scan must not be used as data; nil for a good scan. A corrupt scan is reported so
    /// the floor sees it, never acted on.
    public var corruption: ScanCorruption?

    /// Creates a scan (framing makes these; tests and `depotctl scan` may too).
    public init(
        scannerID: String,
        text: String,
        symbologyIdentifier: String? = nil,
        prefix: String? = nil,
        suffix: String? = nil,
        monotonicTime: Duration,
        wallTime: Date,
        end: ScanEnd,
        corruption: ScanCorruption? = nil
    ) {
        self.scannerID = scannerID
        self.text = text
        self.symbologyIdentifier = symbologyIdentifier
        self.prefix = prefix
        self.suffix = suffix
        self.monotonicTime = monotonicTime
        self.wallTime = wallTime
        self.end = end
        self.corruption = corruption
    }

    /// Whether the scan is corrupt (see `corruption`).
    public var isCorrupt: Bool { corruption != nil }
}

/// How a scan ended.
public enum ScanEnd: Sendable, Equatable, CustomStringConvertible {
    /// A configured terminator key.
    case terminator(Terminator)
    /// No input for the profile's idle gap.
    case idleGap
    /// The input ended (end of a replayed recording, device removed) with text pending.
    case endOfInput

    /// `enter`, `keypad-enter`, `tab`, `line-feed`, `idle`, `end-of-input`.
    public var description: String {
        switch self {
        case .terminator(let t): t.rawValue
        case .idleGap: "idle"
        case .endOfInput: "end-of-input"
        }
    }
}

/// Why a scan is corrupt. Each case prints a sentence a floor supervisor can act on.
public enum ScanCorruption: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kernel dropped events (`SYN_DROPPED`) while this scan was being typed.
    case eventsDropped
    /// An Alt + keypad code had fewer than 3 digits (`Alt+08`): Windows would type a stray
    /// character or a backspace.
    case altCodeTooShort(digits: String)
    /// An Alt + keypad code above 255.
    case altCodeOutOfRange(digits: String)
    /// Alt was held with a key that is not a keypad digit.
    case altChord(key: KeyCode)
    /// Ctrl was held with a key that has no control character.
    case ctrlChord(key: KeyCode)
    /// A key that gives no character in this layout (F-keys, arrows, dead keys) and has no substitution.
    case untranslatableKey(key: KeyCode)
    /// The profile requires an AIM symbology identifier and the scan had none.
    case symbologyIdentifierMissing
    /// The device went away while this scan was being typed.
    case deviceRemoved

    /// Short machine-readable name: `events-dropped`, `alt-code-too-short`, ...
    public var code: String {
        switch self {
        case .eventsDropped: "events-dropped"
        case .altCodeTooShort: "alt-code-too-short"
        case .altCodeOutOfRange: "alt-code-out-of-range"
        case .altChord: "alt-chord"
        case .ctrlChord: "ctrl-chord"
        case .untranslatableKey: "untranslatable-key"
        case .symbologyIdentifierMissing: "symbology-identifier-missing"
        case .deviceRemoved: "device-removed"
        }
    }

    /// A sentence naming the cause.
    public var description: String {
        switch self {
        case .eventsDropped:
            "the kernel dropped input events (SYN_DROPPED) during this scan; scan the label again"
        case .altCodeTooShort(let d):
            "Alt + keypad code '\(d)' has fewer than 3 digits; set the scanner to send 4-digit Alt codes (leading 0) and scan again"
        case .altCodeOutOfRange(let d):
            "Alt + keypad code '\(d)' is above 255; scan again"
        case .altChord(let k):
            "Alt was held with key \(k.name), which is not a keypad digit; check the scanner's keyboard settings"
        case .ctrlChord(let k):
            "Ctrl was held with key \(k.name), which has no control character; check the scanner's keyboard country"
        case .untranslatableKey(let k):
            "key \(k.name) gives no character in this scanner's layout; set a substitution for it or fix the scanner's keyboard country"
        case .symbologyIdentifierMissing:
            "the scan has no AIM symbology identifier although the profile requires one; turn AIM identifiers on in the scanner"
        case .deviceRemoved:
            "the scanner was unplugged during this scan; scan the label again"
        }
    }
}

/// Maps the events' monotonic clock to UTC wall-clock time: `wall + (t - monotonic)`.
/// The daemon samples both clocks once (and again after a suspend); tests use a fixed mapping.
public struct WallClockMapping: Sendable, Equatable {
    /// A monotonic instant.
    public var monotonic: Duration
    /// The wall-clock time at that instant.
    public var wall: Date

    /// Pairs a monotonic instant with the wall-clock time at that instant.
    public init(monotonic: Duration, wall: Date) {
        self.monotonic = monotonic
        self.wall = wall
    }

    /// The wall-clock time of monotonic instant `t`.
    public func wallTime(at t: Duration) -> Date {
        let (s, a) = (t - monotonic).components
        return wall.addingTimeInterval(Double(s) + Double(a) / 1e18)
    }

    /// Monotonic 0 is the Unix epoch (for replays and tests).
    public static let epoch = WallClockMapping(monotonic: .zero, wall: Date(timeIntervalSince1970: 0))
}
