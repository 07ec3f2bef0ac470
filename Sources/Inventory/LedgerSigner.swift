import Crypto
import Foundation

/// The keyed side of the ledger: HMAC-SHA-256 contexts keyed once from a ``LedgerKey`` (the
/// inner and outer pads are computed at init; every MAC copies the prepared context, so a
/// movement costs one copy, one update and two finalizations, no key schedule), and the field
/// tags that let `verify` name which column of a movement was changed.
///
/// Sub-keys (HMAC(key, label), ``LedgerKey/derived(_:)``): `depot-ledger-chain-v1` (movement
/// rows and the keying marker), `depot-ledger-facts-v1` (fact rows), `depot-ledger-seal-v1`
/// (seals), `depot-ledger-tags-v1` (the first 16 bytes key SipHash-2-4 for the field tags).
///
/// `@unchecked Sendable`: every stored property is immutable after init; the HMAC contexts are
/// values whose storage is copied before it is written (copy on write), so concurrent copies
/// from several threads only read the prepared context.
public final class LedgerSigner: @unchecked Sendable {
    /// The key's id (``LedgerKey/id``).
    public let keyID: String
    private let chain: HMAC<SHA256>
    private let facts: HMAC<SHA256>
    private let seals: HMAC<SHA256>
    private let tagKey: (UInt64, UInt64)

    /// Prepares the contexts for `key`.
    public init(key: LedgerKey) {
        keyID = key.id
        chain = HMAC<SHA256>(key: key.derived("depot-ledger-chain-v1"))
        facts = HMAC<SHA256>(key: key.derived("depot-ledger-facts-v1"))
        seals = HMAC<SHA256>(key: key.derived("depot-ledger-seal-v1"))
        let tagBytes = key.derived("depot-ledger-tags-v1").withUnsafeBytes { Array($0.prefix(16)) }
        tagKey = (SipHash24.word(tagBytes, 0), SipHash24.word(tagBytes, 8))
    }

    /// Hex HMAC-SHA-256 of `bytes` under the chain sub-key (movement rows: previous hash, "\n",
    /// content; the keying marker).
    func chainMAC(_ bytes: [UInt8]) -> String {
        var context = chain
        context.update(data: bytes)
        return Hex.encode(context.finalize())
    }

    /// Hex HMAC-SHA-256 of `text` under the facts sub-key.
    func factMAC(_ text: String) -> String {
        var context = facts
        context.update(data: Array(text.utf8))
        return Hex.encode(context.finalize())
    }

    /// Hex HMAC-SHA-256 of `text` under the seal sub-key.
    func sealMAC(_ text: String) -> String {
        var context = seals
        context.update(data: Array(text.utf8))
        return Hex.encode(context.finalize())
    }

    /// The field tag of one column's rendered value (``LedgerChain`` content piece): the low 32
    /// bits of SipHash-2-4 under the tag sub-key over the field's index byte and its bytes, as 8
    /// hex digits. Tags only locate a change: detection rests on the row's HMAC.
    func tag(field: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        UInt32(truncatingIfNeeded: SipHash24.hash(tagKey, prefix: UInt8(field), bytes))
    }
}

/// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed
/// 64-bit PRF for short inputs, used only for the movement field tags (``LedgerSigner/tag(field:_:)``),
/// where an HMAC per column would cost ten HMACs per movement. Checked against the paper's
/// test vector in `LedgerKeyTests`.
enum SipHash24 {
    /// Little-endian 64-bit word of `bytes` at `offset`.
    static func word(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        return value
    }

    /// SipHash-2-4 of `prefix` (when given) followed by `bytes`, under key (k0, k1).
    static func hash(_ key: (UInt64, UInt64), prefix: UInt8? = nil, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var v0: UInt64 = key.0 ^ 0x736f_6d65_7073_6575
        var v1: UInt64 = key.1 ^ 0x646f_7261_6e64_6f6d
        var v2: UInt64 = key.0 ^ 0x6c79_6765_6e65_7261
        var v3: UInt64 = key.1 ^ 0x7465_6462_7974_6573
        @inline(__always) func round() {
            v0 &+= v1
            v1 = (v1 << 13) | (v1 >> 51)
            v1 ^= v0
            v0 = (v0 << 32) | (v0 >> 32)
            v2 &+= v3
            v3 = (v3 << 16) | (v3 >> 48)
            v3 ^= v2
            v0 &+= v3
            v3 = (v3 << 21) | (v3 >> 43)
            v3 ^= v0
            v2 &+= v1
            v1 = (v1 << 17) | (v1 >> 47)
            v1 ^= v2
            v2 = (v2 << 32) | (v2 >> 32)
        }
        let total = bytes.count + (prefix == nil ? 0 : 1)
        var word: UInt64 = 0
        var filled: UInt64 = 0
        @inline(__always) func absorb(_ byte: UInt8) {
            word |= UInt64(byte) << (8 * filled)
            filled += 1
            if filled == 8 {
                v3 ^= word
                round()
                round()
                v0 ^= word
                word = 0
                filled = 0
            }
        }
        if let prefix { absorb(prefix) }
        for byte in bytes { absorb(byte) }
        let last = word | (UInt64(total & 0xFF) << 56)
        v3 ^= last
        round()
        round()
        v0 ^= last
        v2 ^= 0xFF
        round()
        round()
        round()
        round()
        return v0 ^ v1 ^ v2 ^ v3
    }
}
