// Consistency of depot's AI table with GS1's machine-readable Barcode Syntax Dictionary
// (../shared/data/gs1-syntax-dictionary.txt relative to the repository root; read, never copied).
import Foundation
import TestSupport
import Testing

@testable import GS1

/// One dictionary entry expanded to a single AI.
struct DictionaryEntry {
    var ai: String
    var predefinedLength: Bool  // flag "*"
    var attribute: Bool  // flag "?"
    var components: [(set: String, min: Int, max: Int, optional: Bool, checkDigit: Bool, date: String)]
    var requires: [[String]]
    var excludes: [String]
    var dlPrimaryKey: [[String]]?
}

enum SyntaxDictionary {
    /// The dictionary file next to the repository, found from this source file's path.
    static var url: URL {
        var u = URL(fileURLWithPath: #filePath)
        while u.pathComponents.count > 1
            && !FileManager.default.fileExists(atPath: u.appendingPathComponent("Package.swift").path)
        {
            u.deleteLastPathComponent()
        }
        return u.deletingLastPathComponent().appendingPathComponent("shared/data/gs1-syntax-dictionary.txt")
    }

    static func load() throws -> [DictionaryEntry]? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        var out: [DictionaryEntry] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.allSatisfy(\.isWhitespace) {
            let body = line.split(separator: "#", maxSplits: 1)[0]
            var tokens = body.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let aiField = tokens.removeFirst()
            var flags = ""
            if let f = tokens.first, f.allSatisfy({ "*?!\"$%&'()+,-./:;<=>@[\\]^_`{|}~".contains($0) }) {
                flags = f
                tokens.removeFirst()
            }
            var components: [(String, Int, Int, Bool, Bool, String)] = []
            var req: [[String]] = []
            var ex: [String] = []
            var dl: [[String]]? = nil
            for t in tokens {
                if t.hasPrefix("req=") {
                    req.append(t.dropFirst(4).split(separator: ",").map(String.init))
                } else if t.hasPrefix("ex=") {
                    ex += t.dropFirst(3).split(separator: ",").map(String.init)
                } else if t == "dlpkey" {
                    dl = [[]]
                } else if t.hasPrefix("dlpkey=") {
                    dl = t.dropFirst(7).split(separator: "|").map { $0.split(separator: ",").map(String.init) }
                } else if let c = t.first, "[NXYZ".contains(c) {
                    var s = Substring(t)
                    let optional = s.hasPrefix("[")
                    s.removeAll { $0 == "[" || $0 == "]" }
                    let parts = s.split(separator: ",")
                    let spec = parts[0]
                    let set = String(spec.prefix(1))
                    let len = spec.dropFirst()
                    let (mn, mx) = len.hasPrefix("..") ? (1, Int(len.dropFirst(2))!) : (Int(len)!, Int(len)!)
                    let date = parts.first { ["yymmdd", "yymmd0", "yyyymmdd"].contains($0) }.map(String.init) ?? ""
                    components.append((set, mn, mx, optional, parts.contains("csum"), date))
                }
            }
            let range = aiField.split(separator: "-").map(String.init)
            let ais: [String]
            if range.count == 2 {
                ais = (Int(range[0])!...Int(range[1])!).map { pad($0, range[0].count) }
            } else {
                ais = [range[0]]
            }
            for ai in ais {
                out.append(
                    DictionaryEntry(
                        ai: ai,
                        predefinedLength: flags.contains("*"),
                        attribute: flags.contains("?"),
                        components: components.map {
                            (set: $0.0, min: $0.1, max: $0.2, optional: $0.3, checkDigit: $0.4, date: $0.5)
                        },
                        requires: req,
                        excludes: ex,
                        dlPrimaryKey: dl
                    )
                )
            }
        }
        return out
    }
}

/// Differences between depot's table and the dictionary that are deliberate, with the reason.
/// Each entry is "AI field": reason. Documented in docs/gs1.md ("Differences from the Syntax Dictionary").
let explainedDifferences: [String: String] = [
    "4324 format": "day 00 (yymmd0) refused: depot (docs/gs1.md) and GenSpecs 7.12 allow day 00 only for AIs 11 to 17",
    "4325 format": "day 00 (yymmd0) refused: depot (docs/gs1.md) and GenSpecs 7.12 allow day 00 only for AIs 11 to 17",
]

@Suite("AI table agrees with the GS1 Barcode Syntax Dictionary")
struct SyntaxDictionaryTests {
    /// Needs ../shared/data/gs1-syntax-dictionary.txt beside the repository (see ``Prerequisite``).
    static let dictionaryIsPresent = FileManager.default.isReadableFile(atPath: SyntaxDictionary.url.path)

    @Test(
        .enabled(
            if: Prerequisite.runs(dictionaryIsPresent),
            "needs ../shared/data/gs1-syntax-dictionary.txt beside the repository"
        )
    )
    func everyAIAgrees() throws {
        let entries = try #require(
            try SyntaxDictionary.load(),
            "\(SyntaxDictionary.url.path) is absent: the AI table cannot be compared with the GS1 Barcode Syntax Dictionary"
        )
        #expect(entries.count > 400)
        var differences: [String] = []
        var explained: Set<String> = []
        func differ(_ ai: String, _ field: String, ours: String, theirs: String) {
            let key = "\(ai) \(field)"
            if let why = explainedDifferences[key] {
                explained.insert(key)
                print("explained difference (\(ai)) \(field): depot \(ours), dictionary \(theirs): \(why)")
            } else {
                differences.append("(\(ai)) \(field): depot \(ours), dictionary \(theirs)")
            }
        }
        let dictionaryAIs = Set(entries.map(\.ai))
        for ours in GS1ApplicationIdentifiers.all where !dictionaryAIs.contains(ours.ai) {
            differ(ours.ai, "presence", ours: "defined", theirs: "absent")
        }
        for e in entries {
            guard let ours = GS1ApplicationIdentifiers.definition(of: e.ai) else {
                differ(e.ai, "presence", ours: "absent", theirs: "defined")
                continue
            }
            let oursFormat = ours.components.map { c in
                "\(c.characterSet.rawValue)\(c.isFixedLength ? "\(c.maxLength)" : "..\(c.maxLength)")\(c.isOptional ? "?" : "")\(c.check == .checkDigit ? "+csum" : "")\(c.check.map { $0.isDate && $0.rawValue.hasPrefix("yy") ? "+" + $0.rawValue : "" } ?? "")"
            }.joined(separator: " ")
            let theirFormat = e.components.map { c in
                "\(c.set)\(c.min == c.max ? "\(c.max)" : "..\(c.max)")\(c.optional ? "?" : "")\(c.checkDigit ? "+csum" : "")\(c.date.isEmpty ? "" : "+" + c.date)"
            }.joined(separator: " ")
            if oursFormat != theirFormat { differ(e.ai, "format", ours: oursFormat, theirs: theirFormat) }
            if ours.separatorRequired == e.predefinedLength {
                differ(
                    e.ai,
                    "separator",
                    ours: ours.separatorRequired ? "required" : "not required",
                    theirs: e.predefinedLength ? "predefined length" : "required"
                )
            }
            let ourReq = ours.requires.map { $0.sorted().joined(separator: ",") }.sorted()
            let theirReq = e.requires.map { $0.sorted().joined(separator: ",") }.sorted()
            if ourReq != theirReq { differ(e.ai, "req", ours: "\(ourReq)", theirs: "\(theirReq)") }
            if Set(ours.excludes) != Set(e.excludes) {
                differ(e.ai, "ex", ours: "\(ours.excludes.sorted())", theirs: "\(e.excludes.sorted())")
            }
            let ourDL = ours.primaryKeyQualifiers.map { "\($0)" } ?? "none"
            let theirDL = e.dlPrimaryKey.map { "\($0)" } ?? "none"
            if ourDL != theirDL { differ(e.ai, "dlpkey", ours: ourDL, theirs: theirDL) }
            if ours.isDigitalLinkAttribute != e.attribute {
                differ(e.ai, "dl-attribute", ours: "\(ours.isDigitalLinkAttribute)", theirs: "\(e.attribute)")
            }
        }
        // An explanation that no longer matches a difference is stale and must go.
        #expect(
            explained == Set(explainedDifferences.keys),
            "stale explanations: \(Set(explainedDifferences.keys).subtracting(explained))"
        )
        #expect(
            differences.isEmpty,
            "\(differences.count) unexplained differences:\n\(differences.joined(separator: "\n"))"
        )
    }
}
