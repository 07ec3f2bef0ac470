// shift-fixture: turns a list of label texts into an evemu-record capture of a USB scanner in
// US keyboard mode typing them (GS as Ctrl+], Enter after each), for `make demo` and the VM test.
//
//   shift-fixture LABELS OUTPUT [--gap SECONDS]
//
// LABELS: one scan per line; `#` starts a comment line; blank lines are skipped; `<GS>` (or \x1d)
// is the GS1 separator; a leading `]C1` is typed like any other text (the scanner's AIM prefix).
import Foundation
import GS1
import ScannerInput

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("shift-fixture: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var gap = 1.5
if let index = arguments.firstIndex(of: "--gap") {
    guard index + 1 < arguments.count, let value = Double(arguments[index + 1]), value > 0.6 else {
        fail("--gap takes seconds above the 0.5 s double-scan window")
    }
    gap = value
    arguments.removeSubrange(index...(index + 1))
}
guard arguments.count == 2 else { fail("usage: shift-fixture LABELS OUTPUT [--gap SECONDS]") }
let labels: String
do { labels = try String(contentsOfFile: arguments[0], encoding: .utf8) } catch {
    fail("cannot read \(arguments[0]): \(error)")
}

var events: [InputEvent] = []
var time: Duration = .seconds(100)
var count = 0
for (number, raw) in labels.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
    let line = raw.trimmingCharacters(in: .whitespaces)
    if line.isEmpty || line.hasPrefix("#") { continue }
    do {
        let typed = try KeyTyping.events(typing: decodeSeparatorNotation(line), start: time)
        events += typed.events
        time = typed.end + .milliseconds(Int64(gap * 1000))
        count += 1
    } catch {
        fail("\(arguments[0]):\(number + 1): \(error)")
    }
}
let keys = (1..<256).compactMap { KeyCode(rawValue: UInt16($0)) }
let device = EvemuDevice.keyboard(name: "Symbol Bar Code Scanner", vendor: 0x05e0, product: 0x1200, keys: keys)
let recording = EvemuRecording(device: device, events: events)
do {
    try recording.formatted().write(toFile: arguments[1], atomically: true, encoding: .utf8)
} catch {
    fail("cannot write \(arguments[1]): \(error)")
}
print(
    "shift-fixture: \(count) scans, \(events.count) events, \(String(format: "%.1f", Double((time - .seconds(100)).components.seconds))) s -> \(arguments[1])"
)
