// JSON rendering of a parse result, without Foundation (used by `depotctl barcode parse --json`
// and by the gs1-tool harness).

extension GS1Value {
    /// A short type name: `text`, `key`, `date`, `dateRange`, `count`, `measure`, `amount`,
    /// `percentage` or `invalid`.
    public var typeName: String {
        switch self {
        case .text: return "text"
        case .key: return "key"
        case .date: return "date"
        case .dateRange: return "dateRange"
        case .count: return "count"
        case .measure: return "measure"
        case .amount: return "amount"
        case .percentage: return "percentage"
        case .invalid: return "invalid"
        }
    }

    /// The value as text for people: `2021-05-26`, `12.34 kg`, `978 1.50`, `06`.
    public var displayText: String {
        switch self {
        case .text(let s), .key(let s): return s
        case .date(let d, let t): return t.map { "\(d) \($0)" } ?? d.description
        case .dateRange(let a, let b): return "\(a)..\(b)"
        case .count(let n): return String(n)
        case .measure(let v, let u): return "\(v) \(u.rawValue)"
        case .amount(let v, let c): return c.map { "\(v) (ISO 4217 \($0))" } ?? v.description
        case .percentage(let v): return "\(v) %"
        case .invalid: return ""
        }
    }
}

extension GS1ParseResult {
    /// The result as one line of JSON:
    /// `{"input","aim","kind","inferred","valid","elementString","humanReadable",["addOn",]
    ///   "elements":[{"ai","title","raw","type","value","valid","warnings","errors"}],
    ///   "warnings":[{"code","message","ai","offset"}],"errors":[...]}`.
    /// Dates are ISO 8601 text; decimals are exact decimal text (never floating point).
    public var json: String {
        var o = "{"
        o += "\"input\":" + jsonString(input)
        o += ",\"aim\":" + (aimIdentifier.map(jsonString) ?? "null")
        o += ",\"kind\":" + jsonString(kind.rawValue)
        o += ",\"inferred\":" + (wasInferred ? "true" : "false")
        o += ",\"valid\":" + (isValid ? "true" : "false")
        o += ",\"elementString\":" + jsonString(elementString)
        o += ",\"humanReadable\":" + jsonString(humanReadable)
        if let addOn { o += ",\"addOn\":" + jsonString(addOn) }
        o += ",\"elements\":["
        for (i, e) in elements.enumerated() {
            if i > 0 { o += "," }
            o += "{\"ai\":" + jsonString(e.ai) + ",\"title\":" + jsonString(e.title) + ",\"raw\":" + jsonString(e.raw)
            o += ",\"type\":" + jsonString(e.value.typeName) + ",\"value\":" + jsonValue(e.value)
            o += ",\"valid\":" + (e.isValid ? "true" : "false")
            o += ",\"warnings\":" + jsonDiagnostics(e.warnings) + ",\"errors\":" + jsonDiagnostics(e.errors) + "}"
        }
        o += "],\"warnings\":" + jsonDiagnostics(warnings) + ",\"errors\":" + jsonDiagnostics(errors) + "}"
        return o
    }
}

private func jsonValue(_ v: GS1Value) -> String {
    switch v {
    case .text(let s), .key(let s): return jsonString(s)
    case .date(let d, let t):
        guard let t else { return jsonString(d.description) }
        return "{\"date\":" + jsonString(d.description) + ",\"time\":" + jsonString(t.description) + "}"
    case .dateRange(let a, let b):
        return "{\"from\":" + jsonString(a.description) + ",\"to\":" + jsonString(b.description) + "}"
    case .count(let n): return String(n)
    case .measure(let d, let u):
        return "{\"decimal\":" + jsonString(d.description) + ",\"unit\":" + jsonString(u.rawValue) + "}"
    case .amount(let d, let c):
        return "{\"decimal\":" + jsonString(d.description) + ",\"currency\":" + (c.map(jsonString) ?? "null") + "}"
    case .percentage(let d): return "{\"decimal\":" + jsonString(d.description) + "}"
    case .invalid: return "null"
    }
}

private func jsonDiagnostics(_ ds: [GS1Diagnostic]) -> String {
    "["
        + ds.map { d in
            "{\"code\":" + jsonString(d.code.rawValue) + ",\"message\":" + jsonString(d.message)
                + ",\"ai\":" + (d.ai.map(jsonString) ?? "null") + ",\"offset\":"
                + (d.offset.map { String($0) } ?? "null") + "}"
        }.joined(separator: ",") + "]"
}

/// `s` as a JSON string literal (RFC 8259 escapes).
func jsonString(_ s: String) -> String {
    var o = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": o += "\\\""
        case "\\": o += "\\\\"
        case "\n": o += "\\n"
        case "\r": o += "\\r"
        case "\t": o += "\\t"
        default:
            if u.value < 0x20 || u.value == 0x7F {
                let h = String(u.value, radix: 16)
                o += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                o.unicodeScalars.append(u)
            }
        }
    }
    return o + "\""
}

/// Decodes the scan-text notation used on command lines and in fixtures: `\x1d`, `<GS>` and
/// `\u001d` become GS (0x1D); `\\` becomes a backslash. Other text is unchanged (so `\(` stays).
public func decodeSeparatorNotation(_ text: String) -> String {
    var out = ""
    var s = Substring(text)
    while let c = s.first {
        if s.hasPrefix("<GS>") || s.hasPrefix("<gs>") {
            out += "\u{1D}"
            s = s.dropFirst(4)
        } else if s.hasPrefix("\\x1d") || s.hasPrefix("\\x1D") {
            out += "\u{1D}"
            s = s.dropFirst(4)
        } else if s.hasPrefix("\\u001d") || s.hasPrefix("\\u001D") {
            out += "\u{1D}"
            s = s.dropFirst(6)
        } else if s.hasPrefix("\\\\") {
            out += "\\"
            s = s.dropFirst(2)
        } else {
            out.append(c)
            s = s.dropFirst()
        }
    }
    return out
}
