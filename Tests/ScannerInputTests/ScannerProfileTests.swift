import Foundation
import ScannerInput
import Testing

@Suite("Scanner profiles, matches and keymaps")
struct ScannerProfileTests {
    @Test("every configuration key decodes")
    func decodesAllKeys() throws {
        let json = #"""
            {"matches": ["05e0:1200", "0c2e:*", "by-id:usb-Honeywell*", "by-path:*usb-0:2:*", "name:*Scanner*"],
             "layout": "de", "variant": "nodeadkeys", "terminators": ["enter", "tab"], "idleGapMilliseconds": 80,
             "substitutions": {"F8": "\u001d", "KEY_F12": "\u001e"}, "prefix": "\u0002", "suffix": "\u0003",
             "symbologyIdentifiers": "required"}
            """#
        let p = try JSONDecoder().decode(ScannerProfile.self, from: Data(json.utf8))
        #expect(
            p.matches == [
                .usb(vendor: 0x05e0, product: 0x1200), .usb(vendor: 0x0c2e, product: nil),
                .byID("usb-Honeywell*"), .byPath("*usb-0:2:*"), .name("*Scanner*"),
            ]
        )
        #expect(p.layout == "de")
        #expect(p.variant == "nodeadkeys")
        #expect(p.terminators == [.enter, .tab])
        #expect(p.idleGap == .milliseconds(80))
        #expect(p.substitutions == [KeyCode(name: "F8")!: "\u{1D}", KeyCode(name: "F12")!: "\u{1E}"])
        #expect(p.prefix == "\u{02}")
        #expect(p.suffix == "\u{03}")
        #expect(p.symbologyIdentifiers == .required)
        let again = try JSONDecoder().decode(ScannerProfile.self, from: JSONEncoder().encode(p))
        #expect(again == p)
    }

    @Test("absent keys take the documented defaults")
    func defaults() throws {
        let p = try JSONDecoder().decode(ScannerProfile.self, from: Data("{}".utf8))
        #expect(p == ScannerProfile())
        #expect(p.layout == "us")
        #expect(p.terminators == [.enter, .keypadEnter])
        #expect(p.idleGap == .milliseconds(500))
        #expect(p.symbologyIdentifiers == .auto)
        #expect(p.matches == ScannerMatch.knownScannerVendors)
        let off = try JSONDecoder().decode(ScannerProfile.self, from: Data(#"{"idleGapMilliseconds": 0}"#.utf8))
        #expect(off.idleGap == nil)
    }

    @Test(
        "bad values are refused naming the key and the value",
        arguments: [
            (#"{"matches": ["scanner"]}"#, "matches", "scanner"),
            (#"{"matches": ["5e0:1200"]}"#, "matches", "5e0:1200"),
            (#"{"matches": ["05e0:12"]}"#, "matches", "05e0:12"),
            (#"{"matches": ["by-id:"]}"#, "matches", "by-id:"),
            (#"{"terminators": ["cr"]}"#, "terminators", "cr"),
            (#"{"idleGapMilliseconds": -5}"#, "idleGapMilliseconds", "-5"),
            (#"{"substitutions": {"FOO": "x"}}"#, "substitutions", "FOO"),
            (#"{"symbologyIdentifiers": "maybe"}"#, "symbologyIdentifiers", "maybe"),
            (#"{"prefix": ""}"#, "prefix", ""),
        ]
    )
    func refusesBadValues(_ json: String, _ field: String, _ value: String) {
        #expect {
            try JSONDecoder().decode(ScannerProfile.self, from: Data(json.utf8))
        } throws: { error in
            guard case .invalidValue(let f, let v, _) = error as? ScannerProfileError else { return false }
            return f == field && v == value && "\(error)".contains("'\(value)'")
        }
    }

    @Test(
        "match rules: text form round-trips",
        arguments: [
            "05e0:1200", "05e0:*", "by-id:usb-Symbol*", "by-path:pci-*-usb-0:3:1.0-event-kbd", "name:Honeywell*",
        ]
    )
    func matchText(_ text: String) throws {
        #expect(try ScannerMatch(parsing: text).description == text)
    }

    @Test(
        "match rules decide which devices are scanners",
        arguments: [
            // (rule, name, vendor, product, by-id, by-path, expected)
            ("05e0:1200", "Symbol Bar Code Scanner", 0x05e0, 0x1200, "", "", true),
            ("05e0:1200", "Symbol Bar Code Scanner", 0x05e0, 0x1300, "", "", false),
            ("05e0:*", "Symbol Bar Code Scanner", 0x05e0, 0x1300, "", "", true),
            ("0c2e", "Honeywell", 0x0c2e, 0x0b61, "", "", true),
            ("by-id:usb-Honeywell*-event-kbd", "x", 1, 1, "usb-Honeywell_Imaging_1900-event-kbd", "", true),
            ("by-id:usb-Honeywell*-event-kbd", "x", 1, 1, "usb-Logitech_USB_Keyboard-event-kbd", "", false),
            ("by-path:*-usb-0:2:1.0-event-kbd", "x", 1, 1, "", "pci-0000:00:14.0-usb-0:2:1.0-event-kbd", true),
            ("by-path:*-usb-0:2:1.0-event-kbd", "x", 1, 1, "", "pci-0000:00:14.0-usb-0:3:1.0-event-kbd", false),
            ("name:*Scanner*", "Newland Scanner HID", 1, 1, "", "", true),
            ("name:*Scanner*", "AT Translated Set 2 keyboard", 1, 1, "", "", false),
        ]
    )
    func matching(
        _ rule: String,
        _ name: String,
        _ vendor: Int,
        _ product: Int,
        _ byID: String,
        _ byPath: String,
        _ expected: Bool
    ) throws {
        let m = try ScannerMatch(parsing: rule)
        #expect(
            m.matches(
                name: name,
                vendor: UInt16(vendor),
                product: UInt16(product),
                byID: byID.isEmpty ? [] : [byID],
                byPath: byPath.isEmpty ? [] : [byPath]
            ) == expected
        )
    }

    @Test(
        "the default vendor list takes scanners and leaves keyboards alone",
        arguments: [
            (0x05e0, true), (0x0c2e, true), (0x0536, true), (0x05f9, true), (0x1eab, true), (0x065a, true),
            (0x046d, false), (0x413c, false), (0x045e, false), (0x0001, false),
        ]
    )
    func defaultVendors(_ vendor: Int, _ scanner: Bool) {
        let hit = ScannerMatch.knownScannerVendors.contains {
            $0.matches(name: "any", vendor: UInt16(vendor), product: 0x1234, byID: [], byPath: [])
        }
        #expect(hit == scanner)
    }

    @Test("an unknown layout is refused naming it", arguments: ["xx", "de; rm -rf", ""])
    func unknownLayout(_ layout: String) {
        #expect(throws: KeymapError.unknownLayout(layout: layout, variant: nil)) { try KeyDecoder(layout: layout) }
        #expect("\(KeymapError.unknownLayout(layout: layout, variant: nil))".contains("'\(layout)'"))
    }

    @Test("an unknown variant is refused naming it")
    func unknownVariant() {
        #expect(throws: KeymapError.unknownLayout(layout: "de", variant: "klingon")) {
            try ScanDecoder(scannerID: "s", profile: ScannerProfile(layout: "de", variant: "klingon"))
        }
    }

    @Test("layouts from xkb-data compile", arguments: ["us", "de", "fr", "gb", "cz", "it", "es", "pl", "se", "ch"])
    func layoutsCompile(_ layout: String) throws {
        let d = try KeyDecoder(layout: layout)
        #expect(d.keymap.layout == layout)
    }

    @Test("lock state set from the LEDs, then toggled by the device")
    func locks() throws {
        let d = try KeyDecoder()
        #expect(!d.capsLockActive)
        d.setLocks(capsLock: true, numLock: true)
        #expect(d.capsLockActive)
        _ = d.consume(.key(.capsLock, 1, at: .seconds(1)))
        _ = d.consume(.key(.capsLock, 0, at: .seconds(1)))
        #expect(!d.capsLockActive)
    }

    @Test("key names: header names, KEY_ prefix and case are accepted")
    func keyNames() {
        #expect(KeyCode(name: "KEY_RIGHTBRACE") == KeyCode(27))
        #expect(KeyCode(name: "rightbrace") == KeyCode(27))
        #expect(KeyCode(name: "F8")?.rawValue == 66)
        #expect(KeyCode(name: "NOPE") == nil)
        #expect(KeyCode(30).name == "A")
        #expect(KeyCode(0x2fe).name == "0x2fe")
    }

    @Test("scan times: monotonic from the event, wall clock through the mapping")
    func wallClock() throws {
        let mapping = WallClockMapping(monotonic: .seconds(100), wall: Date(timeIntervalSince1970: 1_800_000_000))
        let d = try ScanDecoder(scannerID: "s", profile: ScannerProfile(), wallClock: mapping)
        _ = d.consume(.key(KeyCode(name: "A")!, 1, at: .seconds(102)))
        let scans = d.consume(.key(.enter, 1, at: .seconds(102) + .milliseconds(250)))
        #expect(scans.count == 1)
        #expect(scans.first?.monotonicTime == .seconds(102) + .milliseconds(250))
        #expect(scans.first?.wallTime == Date(timeIntervalSince1970: 1_800_000_002.25))
    }

    @Test("the idle deadline tells the daemon when to flush")
    func idleDeadline() throws {
        let d = try ScanDecoder(scannerID: "s", profile: ScannerProfile(terminators: [], idleGap: .milliseconds(40)))
        #expect(d.idleDeadline == nil)
        _ = d.consume(.key(KeyCode(name: "A")!, 1, at: .seconds(5)))
        #expect(d.idleDeadline == .seconds(5) + .milliseconds(40))
        #expect(d.flush(at: .seconds(5) + .milliseconds(39)).isEmpty)
        #expect(d.flush(at: .seconds(5) + .milliseconds(40)).map(\.text) == ["a"])
        #expect(d.idleDeadline == nil)
    }
}
