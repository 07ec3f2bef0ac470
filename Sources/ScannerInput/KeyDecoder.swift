import CXKBCommon

/// What a `KeyDecoder` makes of one input event.
public enum DecodedInput: Sendable, Equatable {
    /// One character of scan text. `key` is the evdev key whose press produced it; nil for a
    /// character made from an Alt + keypad code. `time` is the event's timestamp.
    case character(Unicode.Scalar, key: KeyCode?, time: Duration)
    /// Something happened that makes the scan in progress untrustworthy.
    case corrupt(ScanCorruption, time: Duration)
}

/// Turns one scanner's key events into characters, the way the scanner meant them.
///
/// Rules (docs/scanning.md, "Decoding rules, in short"):
/// - Characters come from libxkbcommon with this scanner's own keymap (`xkb_state_key_get_one_sym`,
///   `xkb_keysym_to_utf32`); modifier and Caps Lock state come only from this device's own key
///   events and from the lock state depot set on the device's LEDs (`setLocks(capsLock:numLock:)`).
/// - Ctrl chords give C0 control characters by the X11/xterm convention (XLookupString): Ctrl with a
///   character from `@` to `~` or space gives that character AND 0x1F (Ctrl+] = GS 0x1D,
///   Ctrl+Shift+6 = `^` = RS 0x1E, Ctrl+D = EOT 0x04); Ctrl+2 = NUL, Ctrl+3...7 = ESC...US,
///   Ctrl+8 and Ctrl+? = DEL, Ctrl+/ = US. Any other Ctrl chord is corrupt.
/// - Alt + keypad decimal code: digits typed on the keypad while Alt is held give one character
///   when Alt is released; with a leading 0 from Windows-1252, without from code page 437 (both
///   with ASCII, control characters included, below 128). Fewer than 3 digits, a value above 255,
///   or Alt with any other key is corrupt.
/// - Keypad digits and operators give their characters whatever the Num Lock state; Num Lock,
///   Caps Lock, Shift, Ctrl, Alt, AltGr presses give nothing themselves.
/// - Key repeats (value 2) are ignored; releases of keys never seen pressed are ignored.
/// - Per-scanner substitutions replace a key press by fixed text before any of the above
///   (F8 → GS for scanners that send GS that way).
/// - After `SYN_DROPPED`, events up to the next `SYN_REPORT` only resynchronise key state and
///   give no characters; the drop itself is reported as `.corrupt(.eventsDropped)`.
///
/// State is per scanner; never share a decoder between devices. Not thread-safe: one owner.
public final class KeyDecoder {
    /// The compiled layout.
    public let keymap: Keymap
    /// Keys whose press yields fixed text instead of their keymap character.
    public let substitutions: [KeyCode: String]

    private let state: OpaquePointer
    private let keypadState: OpaquePointer
    private let ctrlIndex: xkb_mod_index_t
    private let altIndex: xkb_mod_index_t
    private let lockIndex: xkb_mod_index_t
    private let numIndex: xkb_mod_index_t
    private var keysDown: Set<KeyCode> = []
    private var substitutedDown: Set<KeyCode> = []
    private var altDigits = ""
    private var resyncing = false

    /// Creates a decoder for one scanner.
    /// - Parameters:
    ///   - layout: xkb layout name (`us`, `de`, ...); `variant` an optional variant.
    ///   - substitutions: key → replacement text (e.g. `[KeyCode(name: "F8")!: "\u{1D}"]`).
    /// - Throws: `KeymapError` when the layout cannot be compiled.
    public init(
        layout: String = "us",
        variant: String? = nil,
        substitutions: [KeyCode: String] = [:]
    ) throws(KeymapError) {
        let keymap = try Keymap(layout: layout, variant: variant)
        guard let state = xkb_state_new(keymap.keymap), let keypadState = xkb_state_new(keymap.keymap) else {
            throw .contextUnavailable
        }
        self.keymap = keymap
        self.substitutions = substitutions
        self.state = state
        self.keypadState = keypadState
        self.ctrlIndex = keymap.modIndex("Control")
        self.altIndex = keymap.modIndex("Mod1")
        self.lockIndex = keymap.modIndex("Lock")
        self.numIndex = keymap.modIndex("Mod2")
        // The keypad state only ever has Num Lock on: keypad keys are characters regardless of it.
        xkb_state_update_mask(keypadState, 0, 0, bit(numIndex), 0, 0, 0)
    }

    deinit {
        xkb_state_unref(state)
        xkb_state_unref(keypadState)
    }

    /// Sets the lock modifiers to what depot wrote to the device's LEDs (after a grab: Caps Lock
    /// off, Num Lock on). Later Caps Lock presses from the device toggle from there.
    public func setLocks(capsLock: Bool, numLock: Bool) {
        let depressed = xkb_state_serialize_mods(state, XKB_STATE_MODS_DEPRESSED)
        let latched = xkb_state_serialize_mods(state, XKB_STATE_MODS_LATCHED)
        var locked = xkb_state_serialize_mods(state, XKB_STATE_MODS_LOCKED)
        locked &= ~(bit(lockIndex) | bit(numIndex))
        if capsLock { locked |= bit(lockIndex) }
        if numLock { locked |= bit(numIndex) }
        xkb_state_update_mask(state, depressed, latched, locked, 0, 0, 0)
    }

    /// Whether Caps Lock is currently in effect for this scanner.
    public var capsLockActive: Bool {
        xkb_state_mod_index_is_active(state, lockIndex, XKB_STATE_MODS_LOCKED) > 0
    }

    /// Feeds one event; returns the characters or corruption it produced, in order (usually none or
    /// one; a substitution may give several).
    public func consume(_ event: InputEvent) -> [DecodedInput] {
        if event.type == InputEvent.typeSync {
            if event.isSyncDropped {
                resyncing = true
                altDigits = ""
                return [.corrupt(.eventsDropped, time: event.time)]
            }
            if event.code == InputEvent.codeSynReport { resyncing = false }
            return []
        }
        guard event.type == InputEvent.typeKey else { return [] }
        let key = KeyCode(event.code)
        guard !key.isButton else { return [] }
        switch event.value {
        case 0: return release(key, at: event.time)
        case 1: return press(key, at: event.time)
        default: return []  // 2 = autorepeat: never text
        }
    }

    private func bit(_ index: xkb_mod_index_t) -> xkb_mod_mask_t {
        index == XKB_MOD_INVALID ? 0 : (1 << index)
    }

    private func isActive(_ index: xkb_mod_index_t) -> Bool {
        index != XKB_MOD_INVALID && xkb_state_mod_index_is_active(state, index, XKB_STATE_MODS_EFFECTIVE) > 0
    }

    private func xkbCode(_ key: KeyCode) -> xkb_keycode_t { xkb_keycode_t(key.rawValue) + 8 }

    private func release(_ key: KeyCode, at time: Duration) -> [DecodedInput] {
        if substitutedDown.remove(key) != nil { return [] }
        guard keysDown.remove(key) != nil else { return [] }
        xkb_state_update_key(state, xkbCode(key), XKB_KEY_UP)
        guard !altDigits.isEmpty, !isActive(altIndex) else { return [] }
        let digits = altDigits
        altDigits = ""
        return [altCode(digits, at: time)]
    }

    private func press(_ key: KeyCode, at time: Duration) -> [DecodedInput] {
        if resyncing {
            if keysDown.insert(key).inserted { xkb_state_update_key(state, xkbCode(key), XKB_KEY_DOWN) }
            return []
        }
        if let text = substitutions[key] {
            substitutedDown.insert(key)
            return text.unicodeScalars.map { .character($0, key: key, time: time) }
        }
        let code = xkbCode(key)
        let sym = xkb_state_key_get_one_sym(state, code)
        let ctrlHeld = isActive(ctrlIndex)
        let ctrl = ctrlHeld && xkb_state_mod_index_is_consumed(state, code, ctrlIndex) == 0
        let alt = isActive(altIndex)
        if keysDown.insert(key).inserted { xkb_state_update_key(state, code, XKB_KEY_DOWN) }
        if Self.isModifierOrLock(sym) { return [] }

        if alt {
            if let digit = key.keypadDigit {
                altDigits.append(Character(String(digit)))
                return []
            }
            return [.corrupt(.altChord(key: key), time: time)]
        }
        if KeyCode.keypadCharacterKeys.contains(key) {
            let c = xkb_keysym_to_utf32(xkb_state_key_get_one_sym(keypadState, code))
            guard c != 0, let scalar = Unicode.Scalar(c) else {
                return [.corrupt(.untranslatableKey(key: key), time: time)]
            }
            return [.character(scalar, key: key, time: time)]
        }
        let c = xkb_keysym_to_utf32(sym)
        if ctrl {
            guard let control = Self.controlCharacter(c), let scalar = Unicode.Scalar(control) else {
                return [.corrupt(.ctrlChord(key: key), time: time)]
            }
            return [.character(scalar, key: key, time: time)]
        }
        guard c != 0, let scalar = Unicode.Scalar(c) else {
            return [.corrupt(ctrlHeld ? .ctrlChord(key: key) : .untranslatableKey(key: key), time: time)]
        }
        return [.character(scalar, key: key, time: time)]
    }

    private func altCode(_ digits: String, at time: Duration) -> DecodedInput {
        guard digits.count >= 3 else { return .corrupt(.altCodeTooShort(digits: digits), time: time) }
        guard let value = Int(digits), value <= 255 else {
            return .corrupt(.altCodeOutOfRange(digits: digits), time: time)
        }
        let code: UInt32
        if value < 128 {
            code = UInt32(value)
        } else if digits.hasPrefix("0") {
            code = CodePage.windows1252High[value - 128]
        } else {
            code = CodePage.cp437High[value - 128]
        }
        return .character(Unicode.Scalar(code)!, key: nil, time: time)
    }

    /// Keysyms that only change state: Shift_L...Hyper_R (0xffe1-0xffee), the ISO lock/level/group
    /// keys (0xfe01-0xfe13), Mode_switch (0xff7e), Num_Lock (0xff7f), Scroll_Lock (0xff14)
    /// (xkbcommon-keysyms.h).
    static func isModifierOrLock(_ sym: xkb_keysym_t) -> Bool {
        (0xffe1...0xffee).contains(sym) || (0xfe01...0xfe13).contains(sym)
            || sym == 0xff7e || sym == 0xff7f || sym == 0xff14
    }

    /// The control character for Ctrl + `c` (X11 XLookupString / xterm convention), nil when
    /// the chord has none.
    static func controlCharacter(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x40...0x7E, 0x20: return c & 0x1F
        case 0x32: return 0x00  // Ctrl+2 = NUL
        case 0x33...0x37: return c - 0x18  // Ctrl+3...7 = ESC, FS, GS, RS, US
        case 0x38, 0x3F: return 0x7F  // Ctrl+8, Ctrl+? = DEL
        case 0x2F: return 0x1F  // Ctrl+/ = US
        default: return nil
        }
    }
}
