import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The ledger's secret: 32 random bytes that depotd keeps in a file outside the database
/// (`ledger.key` beside the database by default, docs/operations.md "The ledger key").
///
/// Every keyed movement row, every fact row and every seal carries an HMAC-SHA-256 (RFC 2104,
/// swift-crypto's `HMAC<SHA256>`) under a key derived from this one, so someone who can edit the
/// SQLite file but cannot read the key file cannot write rows that verify.
///
/// The key file holds exactly the 32 bytes, nothing else. It is refused when it is not a regular
/// file, when another user than the one depotd runs as owns it, when group or others have any
/// permission on it (mode & 0o077 ≠ 0), or when its size is not 32 bytes (``LedgerKeyError``).
public struct LedgerKey: Sendable {
    /// Bytes in a key and in its file: 32.
    public static let byteCount = 32
    /// The key file's name beside the database when no path is configured.
    public static let defaultFileName = "ledger.key"

    /// The 32 bytes (kept as bytes: swift-crypto's `SymmetricKey` is not `Sendable`).
    private let bytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: bytes) }
    /// First 8 bytes of HMAC(key, "depot-ledger-key-id"), as 16 hex digits: names the key in the
    /// database's keying marker and in seals without revealing it.
    public let id: String

    /// A key from its 32 bytes.
    /// - Throws: ``LedgerKeyError/wrongSize(path:bytes:)`` (path "") for any other length.
    public init(bytes: [UInt8]) throws(LedgerKeyError) {
        guard bytes.count == Self.byteCount else { throw .wrongSize(path: "", bytes: bytes.count) }
        self.bytes = bytes
        id = String(
            Hex.encode(
                HMAC<SHA256>.authenticationCode(
                    for: Array("depot-ledger-key-id".utf8),
                    using: SymmetricKey(data: bytes)
                )
            ).prefix(16)
        )
    }

    /// The default key file for a database: `ledger.key` in the database's directory.
    public static func defaultPath(databasePath: String) -> String {
        let directory = (databasePath as NSString).deletingLastPathComponent
        return (directory.isEmpty ? "." : directory) + "/" + defaultFileName
    }

    /// Reads the key file at `path`.
    /// - Throws: ``LedgerKeyError``: `missing`, `unreadable` (errno), `notRegularFile`,
    ///   `wrongOwner` (not the effective user's), `permissive` (group or others may access it),
    ///   `wrongSize`.
    public static func load(path: String) throws(LedgerKeyError) -> LedgerKey {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { throw .missing(path: path) }
            throw .unreadable(path: path, errno: code)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(path: path, errno: errno) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notRegularFile(path: path) }
        guard status.st_uid == geteuid() else { throw .wrongOwner(path: path, owner: status.st_uid, user: geteuid()) }
        let mode = UInt32(status.st_mode) & 0o7777
        guard mode & 0o077 == 0 else { throw .permissive(path: path, mode: mode) }
        guard status.st_size == Int64(byteCount) else { throw .wrongSize(path: path, bytes: Int(status.st_size)) }
        var bytes = [UInt8](repeating: 0, count: byteCount + 1)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, errno: errno)
            }
            if count == 0 { break }
            filled += count
        }
        guard filled == byteCount else { throw .wrongSize(path: path, bytes: filled) }
        return try LedgerKey(bytes: Array(bytes.prefix(byteCount)))
    }

    /// Creates a new key file at `path` with mode 0400 (O_CREAT|O_EXCL: never over an existing
    /// file), 32 bytes from the system's random source (`SystemRandomNumberGenerator`: getrandom(2)
    /// on Linux), fsynced with its directory.
    /// - Throws: ``LedgerKeyError/exists(path:)`` when the file exists, `unwritable` (errno).
    @discardableResult
    public static func create(path: String) throws(LedgerKeyError) -> LedgerKey {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o400)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw .exists(path: path) }
            throw .unwritable(path: path, errno: errno)
        }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(descriptor)
                unlink(path)
                throw .unwritable(path: path, errno: code)
            }
            written += count
        }
        let synced = fsync(descriptor) == 0
        let code = errno
        close(descriptor)
        guard synced else {
            unlink(path)
            throw .unwritable(path: path, errno: code)
        }
        let directory = (path as NSString).deletingLastPathComponent
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        return try LedgerKey(bytes: bytes)
    }

    /// Reads the key file, creating it first (``create(path:)``) when it does not exist.
    /// - Returns: the key and whether this call created the file.
    /// - Throws: as ``load(path:)`` and ``create(path:)``.
    public static func loadOrCreate(path: String) throws(LedgerKeyError) -> (key: LedgerKey, created: Bool) {
        do {
            return (try load(path: path), false)
        } catch .missing {
            return (try create(path: path), true)
        }
    }

    /// A key derived for one purpose: HMAC(key, label) (RFC 2104), so the chain, the facts, the
    /// seals and the field tags never share a key.
    func derived(_ label: String) -> SymmetricKey {
        SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(label.utf8), using: key)))
    }
}

/// Why a ledger key cannot be used; every case names the file and says what to do.
public enum LedgerKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key file does not exist.
    case missing(path: String)
    /// The key file could not be opened or read (errno).
    case unreadable(path: String, errno: Int32)
    /// The key file could not be created or written (errno).
    case unwritable(path: String, errno: Int32)
    /// ``LedgerKey/create(path:)`` found a file there already.
    case exists(path: String)
    /// The key file is missing and the database's ledger is keyed (key id `keyID`): a new key
    /// would never verify it, so none is created.
    case missingForKeyedLedger(path: String, keyID: String, database: String)
    /// The key file is missing and the database could not be read to tell whether its ledger is
    /// keyed (`detail`: the SQLite error), so no key was created.
    case databaseUnreadable(path: String, database: String, detail: String)
    /// The key file belongs to uid `owner`, not to uid `user` that depotd runs as.
    case wrongOwner(path: String, owner: UInt32, user: UInt32)
    /// The path is not a regular file.
    case notRegularFile(path: String)
    /// Group or others have permissions on the file (`mode`, e.g. 0o644).
    case permissive(path: String, mode: UInt32)
    /// The file does not hold exactly 32 bytes.
    case wrongSize(path: String, bytes: Int)

    public var description: String {
        switch self {
        case let .missing(path):
            return "the ledger key file \(path) does not exist (depotd --init-key creates it)"
        case let .unreadable(path, code):
            return "the ledger key file \(path) cannot be read: \(String(cString: strerror(code)))"
        case let .unwritable(path, code):
            return "the ledger key file \(path) cannot be written: \(String(cString: strerror(code)))"
        case let .exists(path):
            return "the ledger key file \(path) exists already; it is never overwritten"
        case let .missingForKeyedLedger(path, keyID, database):
            return
                "the ledger key file \(path) does not exist, but the ledger of \(database) is keyed (key id \(keyID)); put that key file back from where it was backed up (mode 0400, owned by depotd's user); depotd never creates a new key for a keyed ledger"
        case let .databaseUnreadable(path, database, detail):
            return
                "the ledger key file \(path) does not exist and \(database) cannot be read to tell whether its ledger is keyed (\(detail)); no key was created"
        case let .wrongOwner(path, owner, user):
            return
                "the ledger key file \(path) is owned by uid \(owner), not by uid \(user) that depotd runs as (chown it to depotd's user)"
        case let .notRegularFile(path):
            return "the ledger key file \(path) is not a regular file"
        case let .permissive(path, mode):
            return
                "the ledger key file \(path) has mode \(String(mode, radix: 8)); group and others must have no access (chmod 0400 \(path))"
        case let .wrongSize(path, bytes):
            return
                "the ledger key file \(path.isEmpty ? "(bytes)" : path) holds \(bytes) bytes, not \(LedgerKey.byteCount)"
        }
    }
}

/// Lowercase hexadecimal text of bytes.
enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
