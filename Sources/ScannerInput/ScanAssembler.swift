/// Frames one scanner's decoded characters into scans (docs/scanning.md, "Decoding rules, in short").
///
/// - A configured terminator ends a scan; a LF right after a CR terminator belongs to it (CR LF
///   counts once). A terminator with nothing before it makes no scan (leading Enter, empty scans).
/// - Without a terminator, a scan ends when the next character comes more than `idleGap` after
///   the previous one, or when `flush(at:)` is called at least `idleGap` after it. No timers
///   inside: time comes from the events and from the caller.
/// - Corruption (dropped events, bad Alt code, ...) marks the scan in progress, or the next one
///   when none is in progress (its start may be what was lost); with an idle gap, a corruption
///   followed by silence is emitted on its own when the gap passes. A corrupt scan is emitted (even
///   empty) with its reason so it can be reported, never as good data.
/// - The configured prefix, an AIM symbology identifier and the configured suffix are split off
///   in that order (`Scan.prefix`, `.symbologyIdentifier`, `.suffix`).
///
/// A value type; state is per scanner.
public struct ScanAssembler: Sendable {
    /// The scanner's id, copied into every scan.
    public let scannerID: String
    /// Terminators, idle gap, prefix, suffix and AIM handling come from here.
    public let profile: ScannerProfile
    /// Turns event times into wall-clock times; update it when the clocks are re-sampled.
    public var wallClock: WallClockMapping

    private var text = String.UnicodeScalarView()
    private var lastTime: Duration?
    private var corruption: ScanCorruption?
    private var afterCR = false

    /// Creates an empty assembler.
    public init(scannerID: String, profile: ScannerProfile, wallClock: WallClockMapping = .epoch) {
        self.scannerID = scannerID
        self.profile = profile
        self.wallClock = wallClock
    }

    /// Whether characters or a corruption are waiting for a terminator or the idle gap.
    public var hasPendingScan: Bool { !text.isEmpty || corruption != nil }

    /// When `flush(at:)` will end the pending scan (monotonic), nil when nothing is pending or no
    /// idle gap is configured. The daemon sleeps until then.
    public var idleDeadline: Duration? {
        guard hasPendingScan, let gap = profile.idleGap, let last = lastTime else { return nil }
        return last + gap
    }

    /// Feeds one decoder output; returns the scans it completed, in order.
    public mutating func consume(_ input: DecodedInput) -> [Scan] {
        var done: [Scan] = []
        switch input {
        case .corrupt(let reason, let time):
            done += endIfIdle(before: time)
            if corruption == nil { corruption = reason }
            lastTime = time
            afterCR = false
        case .character(let c, let key, let time):
            done += endIfIdle(before: time)
            if c == "\n" && afterCR {
                afterCR = false
                return done
            }
            afterCR = false
            if let terminator = terminator(for: c, key: key) {
                if let scan = makeScan(at: time, end: .terminator(terminator)) { done.append(scan) }
                afterCR = c == "\r"
                lastTime = time
                return done
            }
            text.append(c)
            lastTime = time
        }
        return done
    }

    /// Ends the pending scan if `now` is at least the idle gap after its last character.
    public mutating func flush(at now: Duration) -> [Scan] {
        guard let deadline = idleDeadline, now >= deadline, let last = lastTime else { return [] }
        return makeScan(at: last, end: .idleGap).map { [$0] } ?? []
    }

    /// Ends the pending scan now, whatever the idle gap (end of a recording). With `corruption`,
    /// a pending scan is marked with it (device removed mid-scan).
    public mutating func finish(at now: Duration, corruption: ScanCorruption? = nil) -> [Scan] {
        guard hasPendingScan else { return [] }
        if let corruption, self.corruption == nil { self.corruption = corruption }
        return makeScan(at: lastTime ?? now, end: .endOfInput).map { [$0] } ?? []
    }

    private mutating func endIfIdle(before time: Duration) -> [Scan] {
        guard let deadline = idleDeadline, time > deadline, let last = lastTime else { return [] }
        return makeScan(at: last, end: .idleGap).map { [$0] } ?? []
    }

    private func terminator(for c: Unicode.Scalar, key: KeyCode?) -> Terminator? {
        let t: Terminator? =
            switch c {
            case "\r": key == .keypadEnter ? .keypadEnter : .enter
            case "\t": .tab
            case "\n": .lineFeed
            default: nil
            }
        guard let t, profile.terminators.contains(t) else { return nil }
        return t
    }

    private mutating func makeScan(at time: Duration, end: ScanEnd) -> Scan? {
        defer {
            text = String.UnicodeScalarView()
            corruption = nil
        }
        guard !text.isEmpty || corruption != nil else { return nil }
        var rest = Substring.UnicodeScalarView(text)
        var scan = Scan(
            scannerID: scannerID,
            text: "",
            monotonicTime: time,
            wallTime: wallClock.wallTime(at: time),
            end: end,
            corruption: corruption
        )
        if let prefix = profile.prefix, rest.starts(with: prefix.unicodeScalars) {
            scan.prefix = prefix
            rest = rest.dropFirst(prefix.unicodeScalars.count)
        }
        if profile.symbologyIdentifiers != .off, let id = Self.symbologyIdentifier(at: rest) {
            scan.symbologyIdentifier = id
            rest = rest.dropFirst(3)
        } else if profile.symbologyIdentifiers == .required, scan.corruption == nil {
            scan.corruption = .symbologyIdentifierMissing
        }
        if let suffix = profile.suffix, rest.count >= suffix.unicodeScalars.count,
            rest.reversed().starts(with: suffix.unicodeScalars.reversed())
        {
            scan.suffix = suffix
            rest = rest.dropLast(suffix.unicodeScalars.count)
        }
        scan.text = String(String.UnicodeScalarView(rest))
        return scan
    }

    /// `]` + code character (A-Z, a-z) + modifier character (0-9, A-Z, a-z), ISO/IEC 15424.
    static func symbologyIdentifier(at s: Substring.UnicodeScalarView) -> String? {
        var i = s.makeIterator()
        guard i.next() == "]", let code = i.next(), let modifier = i.next(),
            code.isASCII, code.properties.isAlphabetic,
            modifier.isASCII, modifier.properties.isAlphabetic || ("0"..."9").contains(modifier)
        else { return nil }
        return "]" + String(code) + String(modifier)
    }
}

/// One scanner's whole input pipeline: `KeyDecoder` then `ScanAssembler`, built from a profile.
/// Live devices and `depotd --replay` both feed their events here.
public final class ScanDecoder {
    /// Key decoding (keymap, modifiers, Ctrl/Alt rules).
    public let keys: KeyDecoder
    /// Scan framing.
    public private(set) var assembler: ScanAssembler

    /// Builds the pipeline for scanner `scannerID` with `profile`.
    /// - Throws: `KeymapError` when the profile's layout cannot be compiled.
    public init(scannerID: String, profile: ScannerProfile, wallClock: WallClockMapping = .epoch) throws(KeymapError) {
        keys = try KeyDecoder(layout: profile.layout, variant: profile.variant, substitutions: profile.substitutions)
        assembler = ScanAssembler(scannerID: scannerID, profile: profile, wallClock: wallClock)
    }

    /// Feeds one event; returns the scans it completed, in order.
    public func consume(_ event: InputEvent) -> [Scan] {
        keys.consume(event).flatMap { assembler.consume($0) }
    }

    /// Feeds a batch of events (one read); returns every scan completed, in order.
    public func consume(_ events: some Sequence<InputEvent>) -> [Scan] {
        events.flatMap { consume($0) }
    }

    /// See `ScanAssembler.flush(at:)`.
    public func flush(at now: Duration) -> [Scan] { assembler.flush(at: now) }

    /// See `ScanAssembler.finish(at:corruption:)`.
    public func finish(at now: Duration, corruption: ScanCorruption? = nil) -> [Scan] {
        assembler.finish(at: now, corruption: corruption)
    }

    /// See `ScanAssembler.idleDeadline`.
    public var idleDeadline: Duration? { assembler.idleDeadline }

    /// Feeds a whole recording (or test script) at once, honouring its timestamps for the idle gap,
    /// and finishes it: every scan it contains, in order.
    public func replay(_ events: some Sequence<InputEvent>) -> [Scan] {
        var scans: [Scan] = []
        var last: Duration = .zero
        for event in events {
            scans += consume(event)
            last = event.time
        }
        return scans + finish(at: last)
    }

    /// Updates the wall-clock mapping for later scans.
    public func setWallClock(_ mapping: WallClockMapping) { assembler.wallClock = mapping }
}
