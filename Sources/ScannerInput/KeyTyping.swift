import Foundation

/// Turns text into the key events a USB scanner in US keyboard mode sends: the inverse of the
/// decoder for the `us` layout, used to build recorded-shift fixtures and to test the decoder.
///
/// Letters and symbols use Left Shift where the `us` layout needs it; GS (0x1D) is sent as
/// Ctrl+] (how most scanners send the GS1 separator); each scan ends with Enter. Each key goes
/// down and up with a SYN_REPORT after every event, `keyInterval` apart.
public enum KeyTyping {
    /// A character the `us` layout cannot type.
    public struct Untypable: Error, Sendable, Equatable, CustomStringConvertible {
        /// The character that cannot be typed.
        public var character: Unicode.Scalar
        public var description: String {
            "character U+\(String(character.value, radix: 16, uppercase: true)) cannot be typed on the us layout"
        }
    }

    /// The events of typing `text` then Enter, starting at `start`.
    /// - Returns: the events and the time after the last one.
    /// - Throws: ``Untypable`` for a character outside printable ASCII, GS, Tab and newline.
    public static func events(
        typing text: String,
        start: Duration,
        keyInterval: Duration = .milliseconds(2)
    )
        throws(Untypable) -> (events: [InputEvent], end: Duration)
    {
        var events: [InputEvent] = []
        var time = start
        func press(_ key: KeyCode, modifier: KeyCode? = nil) {
            if let modifier {
                events.append(.key(modifier, 1, at: time))
                events.append(.synReport(at: time))
                time += keyInterval
            }
            events.append(.key(key, 1, at: time))
            events.append(.synReport(at: time))
            time += keyInterval
            events.append(.key(key, 0, at: time))
            events.append(.synReport(at: time))
            time += keyInterval
            if let modifier {
                events.append(.key(modifier, 0, at: time))
                events.append(.synReport(at: time))
                time += keyInterval
            }
        }
        for scalar in text.unicodeScalars {
            guard let (name, shifted) = stroke(for: scalar), let key = KeyCode(name: name) else {
                throw Untypable(character: scalar)
            }
            if scalar.value == 0x1D {
                press(key, modifier: KeyCode(name: "LEFTCTRL")!)
            } else {
                press(key, modifier: shifted ? KeyCode(name: "LEFTSHIFT")! : nil)
            }
        }
        press(KeyCode(name: "ENTER")!)
        return (events, time)
    }

    /// The `us` key name and whether Shift is needed for one character.
    static func stroke(for scalar: Unicode.Scalar) -> (String, Bool)? {
        switch scalar {
        case "a"..."z": return (String(scalar).uppercased(), false)
        case "A"..."Z": return (String(scalar), true)
        case "0"..."9": return (String(scalar), false)
        case "\u{1D}": return ("RIGHTBRACE", false)
        case " ": return ("SPACE", false)
        case "\t": return ("TAB", false)
        case "\n": return ("ENTER", false)
        default: break
        }
        let unshifted: [Unicode.Scalar: String] = [
            "-": "MINUS", "=": "EQUAL", "[": "LEFTBRACE", "]": "RIGHTBRACE", "\\": "BACKSLASH", ";": "SEMICOLON",
            "'": "APOSTROPHE", "`": "GRAVE", ",": "COMMA", ".": "DOT", "/": "SLASH",
        ]
        let shifted: [Unicode.Scalar: String] = [
            "!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7", "*": "8", "(": "9", ")": "0",
            "_": "MINUS", "+": "EQUAL", "{": "LEFTBRACE", "}": "RIGHTBRACE", "|": "BACKSLASH", ":": "SEMICOLON",
            "\"": "APOSTROPHE", "~": "GRAVE", "<": "COMMA", ">": "DOT", "?": "SLASH",
        ]
        if let name = unshifted[scalar] { return (name, false) }
        if let name = shifted[scalar] { return (name, true) }
        return nil
    }
}
