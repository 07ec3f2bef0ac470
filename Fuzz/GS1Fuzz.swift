// libFuzzer entry for the GS1 parser (compiled with Sources/GS1/*.swift by scripts/gs1/fuzz.sh,
// `swiftc -sanitize=fuzzer,address`). Every input is parsed with every hint; the parser must not
// crash or hang, and a valid result must render to an element string that parses back to the same
// elements.

let fuzzParser = GS1Parser(year: 2026, month: 11, day: 29)
let fuzzHints: [GS1ScanHint] = [.inferred, .elementString, .humanReadable, .digitalLink, .gtin]

@_cdecl("LLVMFuzzerTestOneInput")
public func gs1FuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for hint in fuzzHints {
        let r = fuzzParser.parse(text, hint: hint)
        _ = r.json
        _ = r.humanReadable
        guard r.isValid, r.kind != .plain, !r.elements.isEmpty else { continue }
        let again = fuzzParser.parse("]C1" + r.elementString)
        let a = r.elements.map { $0.ai + "=" + $0.raw }
        let b = again.elements.map { $0.ai + "=" + $0.raw }
        if a != b || !again.isValid {
            fatalError("round trip broke: \(a) -> \(quoted(r.elementString)) -> \(b) \(again.errors.map(\.message))")
        }
    }
    return 0
}
