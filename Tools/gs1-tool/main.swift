// gs1-tool: test and benchmark harness for the GS1 module (not installed).
//
//   gs1-tool [--today YYYY-MM-DD] [--bench N]  < lines
//
// Reads one scan per line in the notation of `decodeSeparatorNotation` (`<GS>`, `\x1d`) and prints
// one JSON result per line (GS1ParseResult.json). With `--bench N` it parses the whole input N
// times and prints `{"scans":S,"valid":V,"seconds":T,"cpuSeconds":C,"perSecond":R,"perCPUSecond":RC}`
// instead (CPU time of the parsing thread, so other load on the machine matters less).
import Foundation
import GS1

var today: CalendarDate? = nil
var benchRounds = 0
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--today":
        guard let v = args.popFirst(), let d = CalendarDate(iso: v) else {
            FileHandle.standardError.write(Data("gs1-tool: --today needs a date YYYY-MM-DD\n".utf8))
            exit(2)
        }
        today = d
    case "--bench":
        guard let v = args.popFirst(), let n = Int(v), n > 0 else {
            FileHandle.standardError.write(Data("gs1-tool: --bench needs a positive round count\n".utf8))
            exit(2)
        }
        benchRounds = n
    default:
        FileHandle.standardError.write(Data("gs1-tool: unknown argument \(a)\n".utf8))
        exit(2)
    }
}

if today == nil {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: "UTC")!
    let c = cal.dateComponents([.year, .month, .day], from: Date())
    today = CalendarDate(year: c.year!, month: c.month!, day: c.day!)
}
let parser = GS1Parser(today: today!)

var lines: [String] = []
while let line = readLine(strippingNewline: true) {
    lines.append(decodeSeparatorNotation(line))
}

if benchRounds > 0 {
    var valid = 0
    for l in lines { _ = parser.parse(l) }  // warm up: tables are built on first use
    func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
    let clock = ContinuousClock()
    let start = clock.now
    let cpuStart = cpuSeconds()
    for _ in 0..<benchRounds {
        for l in lines where parser.parse(l).isValid { valid += 1 }
    }
    let cpu = cpuSeconds() - cpuStart
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let scans = lines.count * benchRounds
    print(
        "{\"scans\":\(scans),\"valid\":\(valid),\"seconds\":\(seconds),\"cpuSeconds\":\(cpu),\"perSecond\":\(Double(scans) / seconds),\"perCPUSecond\":\(Double(scans) / cpu)}"
    )
} else {
    for l in lines {
        print(parser.parse(l).json)
    }
}
