import Crypto
import Foundation
import GS1

/// The URIs depot's EPCIS events use (docs/epcis.md, "Identifiers"): GS1 Digital Link URIs
/// (GS1 Digital Link URI Syntax 1.4) where GS1 keys exist, depot's private `urn:depot:` URNs
/// where they do not, and name-based UUIDs for event ids. Pure; no I/O.
public enum EPCISIdentifiers {
    /// The GS1 Digital Link resolver host's canonical prefix (GS1 Digital Link 1.4 section 4.1).
    static let digitalLink = "https://id.gs1.org"

    /// The class of `sku`'s goods of `lot`: `https://id.gs1.org/01/{GTIN}/10/{lot}` for a lot of an
    /// item with a GTIN (the lowest of its GTINs, 14 digits), `https://id.gs1.org/01/{GTIN}` without
    /// a lot or for an implicit lot (`@YYYY-MM-DD`, which is depot's, not a GS1 lot); for an item
    /// without a GTIN `urn:depot:sku:{SKU}` with `:lot:{lot}` for a lot. Parts are percent-encoded
    /// (RFC 3986 section 2.1: everything but unreserved characters).
    public static func epcClass(sku: String, lot: String?, gtins: [String]) -> String {
        let realLot = lot.flatMap { $0.hasPrefix("@") ? nil : $0 }
        if let gtin = gtins.sorted().first {
            return "\(digitalLink)/01/\(gtin)" + (realLot.map { "/10/\(percentEncoded($0))" } ?? "")
        }
        return "urn:depot:sku:\(percentEncoded(sku))" + (lot.map { ":lot:\(percentEncoded($0))" } ?? "")
    }

    /// The URI of a depot location (readPoint and bizLocation): its own GLN as
    /// `https://id.gs1.org/414/{GLN}` (with `/254/{extension}` when it has one); else, with a site
    /// GLN configured and a code that is a valid GLN extension (GS1 AI 254: 1 to 20 characters of
    /// GS1 character set 82), `https://id.gs1.org/414/{site GLN}/254/{code}`; else
    /// `urn:depot:location:{code}`.
    public static func location(_ code: String, gln: String?, siteGLN: String?) -> String {
        if let gln {
            let parts = gln.split(separator: "/", maxSplits: 1).map(String.init)
            return "\(digitalLink)/414/\(parts[0])" + (parts.count > 1 ? "/254/\(percentEncoded(parts[1]))" : "")
        }
        if let siteGLN, isGLNExtension(code) {
            return "\(digitalLink)/414/\(siteGLN)/254/\(percentEncoded(code))"
        }
        return "urn:depot:location:\(percentEncoded(code))"
    }

    /// The site itself: `https://id.gs1.org/414/{site GLN}`; nil without a site GLN.
    public static func site(_ siteGLN: String?) -> String? {
        siteGLN.map { "\(digitalLink)/414/\($0)" }
    }

    /// A business transaction's URI: with a site GLN the CBV 2.0 GLN-based form
    /// `urn:epcglobal:cbv:bt:{GLN}:{reference}` (CBV 2.0 section 8.5), else
    /// `urn:depot:bt:{reference}`.
    public static func bizTransaction(_ reference: String, siteGLN: String?) -> String {
        if let siteGLN { return "urn:epcglobal:cbv:bt:\(siteGLN):\(percentEncoded(reference))" }
        return "urn:depot:bt:\(percentEncoded(reference))"
    }

    /// A stable event id for a ledger row: `urn:uuid:` with a name-based UUID, version 5
    /// (RFC 9562 section 5.5, SHA-1), in depot's namespace, of the row's chain hash (unique per
    /// ledger, since it covers every row before it) or, for a row without one, of its id. The
    /// same row always gives the same id.
    public static func eventID(hash: String?, movementID: Int64) -> String {
        let name = hash.map { "depot:movement:hash:\($0)" } ?? "depot:movement:id:\(movementID)"
        return "urn:uuid:" + nameBasedUUID(name).uuidString.lowercased()
    }

    /// depot's UUID namespace for event ids (a fixed random UUID, RFC 9562 section 6.6).
    static let namespace = UUID(uuidString: "6f1c2b9e-3d4a-4e1b-9a57-0c8d2e7f4b13")!

    /// RFC 9562 section 5.5: SHA-1 over namespace bytes then name, version 5, variant 10.
    static func nameBasedUUID(_ name: String) -> UUID {
        var data = withUnsafeBytes(of: namespace.uuid) { Data($0) }
        data.append(Data(name.utf8))
        var bytes = Array(Insecure.SHA1.hash(data: data).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
    }

    /// Whether `code` can stand as a GLN extension component (GS1 AI 254, X..20: GS1 General
    /// Specifications section 7.11, character set 82).
    static func isGLNExtension(_ code: String) -> Bool {
        (1...20).contains(code.utf8.count) && code.utf8.allSatisfy { cset82.contains($0) }
    }

    /// GS1 character set 82 (GS1 General Specifications figure 7.11-1), as bytes.
    static let cset82: Set<UInt8> = Set(
        Array("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)
    )

    /// RFC 3986 section 2.1 percent-encoding of everything but the unreserved characters
    /// (ALPHA, DIGIT, `-`, `.`, `_`, `~`), byte by byte of UTF-8.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Whether `text` is a GLN: 13 digits with a valid GS1 check digit (GS1 General
    /// Specifications section 7.9.1).
    public static func isGLN(_ text: String) -> Bool {
        text.utf8.count == 13 && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
            && GS1Check.hasValidCheckDigit(text)
    }
}
