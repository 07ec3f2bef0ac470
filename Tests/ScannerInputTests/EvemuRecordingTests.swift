import Foundation
import ScannerInput
import Testing

@Suite("evemu recordings: parse, format, replay")
struct EvemuRecordingTests {
    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil))
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test("an evemu-record capture parses: header, device, every event")
    func parsesCapture() throws {
        let rec = try EvemuRecording(parsing: try Self.fixture("symbol-ds4308-gs1.evemu"))
        #expect(rec.device.name == "Symbol Technologies, Inc, 2008 Symbol Bar Code Scanner")
        #expect(rec.device.bus == 0x03)
        #expect(rec.device.vendor == 0x05e0)
        #expect(rec.device.product == 0x1200)
        #expect(rec.device.version == 0x0110)
        #expect(rec.device.properties == [UInt8](repeating: 0, count: 8))
        #expect(rec.device.bits.map(\.type) == [0x00, 0x01, 0x01, 0x01, 0x04, 0x11])
        #expect(rec.device.leds == [.init(code: 0, value: 1), .init(code: 1, value: 0), .init(code: 2, value: 0)])
        #expect(rec.events.count == 64)
        #expect(rec.events[0] == InputEvent(type: 4, code: 4, value: 458800, time: .microseconds(1)))
        #expect(rec.events[1] == InputEvent(type: 1, code: 0x1b, value: 1, time: .microseconds(1)))
        #expect(rec.events[4] == InputEvent(type: 1, code: 0x1b, value: 0, time: .microseconds(1993)))
        #expect(rec.events.last == InputEvent(type: 0, code: 0, value: 0, time: .microseconds(1_502_992)))
    }

    @Test("a file written by the real evemu-record (in the VM suite) parses, replays and round-trips")
    func realEvemuRecordOutput() throws {
        let rec = try EvemuRecording(parsing: try Self.fixture("evemu-record-uinput-keyboard.evemu"))
        #expect(rec.device.name == "Logitech USB Keyboard (depot VM)")
        #expect(
            (rec.device.bus, rec.device.vendor, rec.device.product, rec.device.version) == (
                0x03, 0x046d, 0xc31c, 0x0111
            )
        )
        #expect(rec.device.bits.filter { $0.type == 1 }.count == 12)
        #expect(rec.events.count == 36)
        #expect(rec.events.first?.time == .microseconds(1))  // evemu-record starts at 0.000001
        let scans = try ScanDecoder(scannerID: "kbd", profile: ScannerProfile()).replay(rec.events)
        #expect(scans.map(\.text) == ["LoT-42"])
        #expect(try EvemuRecording(parsing: rec.formatted()) == rec)
    }

    @Test("a capture replays through the decoder, timestamps honoured for the idle gap")
    func replaysCapture() throws {
        let rec = try EvemuRecording(parsing: try Self.fixture("symbol-ds4308-gs1.evemu"))
        let scans = try ScanDecoder(scannerID: "replay", profile: ScannerProfile()).replay(rec.events)
        #expect(scans.map(\.text) == ["01\u{1D}17", "3"])
        #expect(scans.map(\.symbologyIdentifier) == ["]d2", nil])
        #expect(scans.map(\.end) == [.terminator(.enter), .endOfInput])
        #expect(scans[0].monotonicTime == .microseconds(31873))
        #expect(scans[0].wallTime == Date(timeIntervalSince1970: 0.031873))
        #expect(scans.allSatisfy { $0.scannerID == "replay" && !$0.isCorrupt })
    }

    @Test("a capture with a short idle gap splits where the recording paused")
    func idleGapFromTimestamps() throws {
        var text = try Self.fixture("symbol-ds4308-gs1.evemu")
        text = text.replacingOccurrences(of: "0001 001c 0001", with: "0001 0039 0001")
            .replacingOccurrences(of: "0001 001c 0000", with: "0001 0039 0000")
        let rec = try EvemuRecording(parsing: text)
        var profile = ScannerProfile()
        profile.idleGap = .milliseconds(200)
        let scans = try ScanDecoder(scannerID: "r", profile: profile).replay(rec.events)
        #expect(scans.map(\.text) == ["01\u{1D}17 ", "3"])
        #expect(scans.map(\.end) == [.idleGap, .endOfInput])
    }

    @Test(
        "format → parse gives the same recording back, for every fixture script's events",
        arguments: ScriptCase.loadAll()
    )
    func roundTrip(_ c: ScriptCase) throws {
        var runner = try ScriptRunner(c)
        try runner.run(c.events)
        for (id, events) in runner.fed {
            let device = EvemuDevice.keyboard(
                name: "depot fixture \(id)",
                vendor: 0x05e0,
                product: 0x1200,
                keys: Set(events.filter { $0.type == 1 }.map { KeyCode($0.code) })
            )
            let rec = EvemuRecording(device: device, events: events)
            let back = try EvemuRecording(parsing: rec.formatted())
            #expect(back == rec, "\(c.testDescription) scanner \(id)")
        }
    }

    @Test(
        "replaying a fixture's recorded events gives the same scan texts as feeding them live",
        arguments: ScriptCase.loadAll().filter { $0.scanners.allSatisfy { $0.id == "s1" } }
    )
    func replayMatchesLive(_ c: ScriptCase) throws {
        var runner = try ScriptRunner(c)
        try runner.run(c.events)
        let spec = c.scanners.first ?? ("s1", ScannerProfile(), false, true)
        let decoder = try ScanDecoder(scannerID: "s1", profile: spec.profile)
        decoder.keys.setLocks(capsLock: spec.caps, numLock: spec.num)
        let rec = try EvemuRecording(
            parsing: EvemuRecording(
                device: EvemuDevice(name: "x", vendor: 0x05e0, product: 0x1200),
                events: runner.fed["s1"] ?? []
            ).formatted()
        )
        let replayed = decoder.replay(rec.events)
        #expect(replayed.map(\.text) == runner.scans.map(\.text), "\(c.testDescription)")
        #expect(replayed.map(\.corruption) == runner.scans.map(\.corruption), "\(c.testDescription)")
    }

    @Test(
        "bad lines are refused naming the line number and the problem",
        arguments: [
            ("N: x\nE: 0.1 0001 001e 1\n", 2, "timestamp"),
            ("N: x\nE: 0.000001 0001 001e\n", 2, "E: <sec>.<usec>"),
            ("N: x\nE: 0.000001 zz 001e 1\n", 2, "event type"),
            ("N: x\nE: 0.000001 0001 001e one\n", 2, "event value"),
            ("N: x\nI: 0003 05e0\n", 2, "bus, vendor"),
            ("N: x\nI: 0003 05e0 xyz1 0001\n", 2, "product"),
            ("N: x\nB: 01 fe 1ff\n", 2, "bit byte"),
            ("N: x\nA: 00 0 255\n", 2, "resolution"),
            ("N: x\nL: 00\n", 2, "code (hex)"),
            ("N: x\n\n# fine\nQ: what\n", 4, "unknown line type"),
            ("hello\n", 1, "expected 'X: ...'"),
        ]
    )
    func refusesBadLines(_ text: String, _ line: Int, _ fragment: String) {
        #expect {
            try EvemuRecording(parsing: text)
        } throws: { error in
            guard case .invalidLine(let n, _, let reason) = error as? EvemuFormatError else { return false }
            return n == line && (reason.contains(fragment) || "\(error)".contains(fragment))
        }
    }

    @Test("an empty file is not a recording")
    func refusesEmpty() {
        #expect(throws: EvemuFormatError.empty) { try EvemuRecording(parsing: "# only a comment\n\n") }
    }

    @Test("timestamps keep microseconds and large seconds")
    func timestamps() throws {
        let events = [
            InputEvent(type: 1, code: 30, value: 1, time: .seconds(86_400) + .microseconds(7)),
            InputEvent(type: 1, code: 30, value: 0, time: .seconds(86_400) + .microseconds(999_999)),
        ]
        let text = EvemuRecording(device: EvemuDevice(name: "t"), events: events).formatted()
        #expect(text.contains("E: 86400.000007 0001 001e 1\n"))
        #expect(text.contains("E: 86400.999999 0001 001e 0\n"))
        #expect(try EvemuRecording(parsing: text).events == events)
    }
}
