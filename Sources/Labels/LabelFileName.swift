/// File names for labels, made from the text they carry.
public enum LabelFileName {
    /// `text` as a file name stem that is safe on any Linux file system and in a shell: ASCII
    /// letters, digits, `-` and `_` stay; every other byte of its UTF-8 (including `.`, `/`,
    /// space and `%`) becomes `%XX` (RFC 3986 percent-encoding, upper-case hex). Distinct texts
    /// give distinct names, so two codes never overwrite each other's label; `"A-01/2"` becomes
    /// `"A-01%2F2"`. An empty text gives `""`.
    public static func stem(for text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
