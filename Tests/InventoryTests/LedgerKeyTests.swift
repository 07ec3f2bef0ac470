import Foundation
import GRDB
import TestSupport
import Testing

@testable import Inventory

/// The ledger key file: created 0400 with 32 random bytes, refused when group/world may access it
/// or when its size is wrong; the HMAC and SipHash primitives against independent references.
@Suite struct LedgerKeyTests {
    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func createWritesAnOwnerOnlyFileOf32BytesAndLoadReadsIt() throws {
        let directory = try TemporaryDirectory(prefix: "depot-key")
        defer { directory.remove() }
        let path = directory.file("ledger.key")
        let created = try LedgerKey.create(path: path)
        #expect(try Self.mode(path) == 0o400)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 32)
        let loaded = try LedgerKey.load(path: path)
        #expect(loaded.id == created.id)
        #expect(created.id.count == 16)
        // Never over an existing file.
        #expect(throws: LedgerKeyError.exists(path: path)) { try LedgerKey.create(path: path) }
        // loadOrCreate reads the existing one.
        let (again, made) = try LedgerKey.loadOrCreate(path: path)
        #expect(!made && again.id == created.id)
        // A second key is another key.
        let other = try LedgerKey.create(path: directory.file("other.key"))
        #expect(other.id != created.id)
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o440, 0o404, 0o600 | 0o010])
    func aKeyFileGroupOrOthersMayAccessIsRefused(mode: Int) throws {
        let directory = try TemporaryDirectory(prefix: "depot-key")
        defer { directory.remove() }
        let path = directory.file("ledger.key")
        try LedgerKey.create(path: path)
        #expect(chmod(path, mode_t(mode)) == 0)
        #expect(throws: LedgerKeyError.permissive(path: path, mode: UInt32(mode))) { try LedgerKey.load(path: path) }
        let message = "\(LedgerKeyError.permissive(path: path, mode: UInt32(mode)))"
        #expect(message.contains(path) && message.contains("chmod 0400"), "\(message)")
    }

    @Test(arguments: [0, 16, 31, 33, 64])
    func aKeyFileOfTheWrongSizeIsRefused(size: Int) throws {
        let directory = try TemporaryDirectory(prefix: "depot-key")
        defer { directory.remove() }
        let path = directory.file("ledger.key")
        try Data(repeating: 7, count: size).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, 0o600) == 0)
        #expect(throws: LedgerKeyError.wrongSize(path: path, bytes: size)) { try LedgerKey.load(path: path) }
    }

    @Test func aMissingKeyFileOrADirectoryIsRefused() throws {
        let directory = try TemporaryDirectory(prefix: "depot-key")
        defer { directory.remove() }
        #expect(throws: LedgerKeyError.missing(path: directory.file("none"))) {
            try LedgerKey.load(path: directory.file("none"))
        }
        let folder = directory.file("folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        #expect(chmod(folder, 0o700) == 0)
        #expect(throws: LedgerKeyError.notRegularFile(path: folder)) { try LedgerKey.load(path: folder) }
    }

    /// SipHash-2-4's test vector (the paper's appendix A): key 00..0f, message 00..0e.
    @Test func sipHashMatchesThePapersVector() {
        let key = Array(UInt8(0)...UInt8(15))
        let message = Array(UInt8(0)...UInt8(14))
        let value = message.withUnsafeBufferPointer { buffer in
            SipHash24.hash((SipHash24.word(key, 0), SipHash24.word(key, 8)), buffer)
        }
        #expect(value == 0xa129_ca61_49be_45e5)
        // The empty message (the reference implementation's vectors.h, first entry).
        let empty = [UInt8]().withUnsafeBufferPointer { buffer in
            SipHash24.hash((SipHash24.word(key, 0), SipHash24.word(key, 8)), buffer)
        }
        #expect(empty == 0x726f_db47_dd0e_0e31)
    }

    /// The chain MAC against Python's hmac module (an implementation independent of swift-crypto):
    /// HMAC-SHA-256 under HMAC-SHA-256(key, "depot-ledger-chain-v1").
    @Test func chainMACMatchesPythonsHMAC() throws {
        let bytes = (0..<32).map { UInt8($0 * 7 % 256) }
        let signer = LedgerSigner(key: try LedgerKey(bytes: bytes))
        let message = "previous\n1,'2026-03-01 08:00:00.000','receive',1,NULL,NULL,1,10,'uid:0',NULL,NULL"
        let keyHex = bytes.map { String(format: "%02x", $0) }.joined()
        let script = """
            import hmac, hashlib, sys
            key = bytes.fromhex('\(keyHex)')
            chain = hmac.new(key, b'depot-ledger-chain-v1', hashlib.sha256).digest()
            print(hmac.new(chain, sys.stdin.buffer.read(), hashlib.sha256).hexdigest())
            """
        let directory = try TemporaryDirectory(prefix: "depot-hmac")
        defer { directory.remove() }
        let input = directory.file("input")
        try Data(message.utf8).write(to: URL(fileURLWithPath: input))
        let result = try Command.run("/bin/sh", ["-c", "python3 -c \"$0\" < \"$1\"", script, input])
        try #require(result.status == 0, "\(result)")
        #expect(signer.chainMAC(Array(message.utf8)) == result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A key file another user owns is refused (root runs the suites in CI; chown needs it).
    @Test(.enabled(if: geteuid() == 0)) func aKeyFileAnotherUserOwnsIsRefused() throws {
        let directory = try TemporaryDirectory(prefix: "depot-key")
        defer { directory.remove() }
        let path = directory.file("ledger.key")
        try LedgerKey.create(path: path)
        #expect(chown(path, 65534, 65534) == 0)
        #expect(throws: LedgerKeyError.wrongOwner(path: path, owner: 65534, user: 0)) { try LedgerKey.load(path: path) }
        #expect("\(LedgerKeyError.wrongOwner(path: path, owner: 65534, user: 0))".contains(path))
    }

    /// A missing key file is created for a new or unkeyed database, never for a keyed one.
    @Test func aKeyedDatabasesMissingKeyFileIsNeverReplaced() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-key")
        defer { directory.remove() }
        let database = directory.file("depot.sqlite")
        let path = directory.file("ledger.key")
        #expect(try LedgerKey.keyID(ofDatabaseAt: database) == nil)
        let (key, created) = try LedgerKey.forDatabase(at: database, path: path)
        #expect(created)
        let store = try InventoryStore(path: database, clock: .fixed(morning), ledgerKey: key)
        try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt"))
        try store.close()
        #expect(try LedgerKey.keyID(ofDatabaseAt: database) == key.id)
        let (again, createdAgain) = try LedgerKey.forDatabase(at: database, path: path)
        #expect(!createdAgain && again.id == key.id)
        try FileManager.default.removeItem(atPath: path)
        #expect(throws: LedgerKeyError.missingForKeyedLedger(path: path, keyID: key.id, database: database)) {
            try LedgerKey.forDatabase(at: database, path: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        let message = "\(LedgerKeyError.missingForKeyedLedger(path: path, keyID: key.id, database: database))"
        #expect(message.contains(path) && message.contains("never creates a new key"), "\(message)")
    }

    /// An editor of the file who removes the keyed part (the v8 tables, `movement.tags`, the
    /// migration's row) leaves what looks like a database from before the keyed ledger. It is
    /// refused until `--adopt-ledger`, under the key that existed and under a new one (the key
    /// file deleted too) alike.
    @Test func aKeyedPartRemovedByAnEditorIsNotKeyedAgainSilently() async throws {
        let directory = try TemporaryDirectory(prefix: "depot-key")
        defer { directory.remove() }
        let database = directory.file("depot.sqlite")
        let key = try LedgerKey.create(path: directory.file("ledger.key"))
        let store = try InventoryStore(path: database, clock: .fixed(morning), ledgerKey: key)
        try await store.addItem(ItemSpec(sku: "BOLT", name: "Bolt"))
        try await store.addStorage("A-01")
        try await store.receive("BOLT", 5, at: "A-01")
        try store.close()
        let editor = try DatabaseQueue(path: database)
        try await editor.write { db in
            try db.execute(
                sql: """
                    DROP TABLE ledgerKeying; DROP TABLE ledgerFact;
                    ALTER TABLE movement DROP COLUMN tags;
                    DELETE FROM grdb_migrations WHERE identifier = 'v8-ledger-keyed';
                    """
            )
            // ... and rewrites the movements as a plain chain, which verify would call sound.
            try LedgerTamperTests.rechainPlain(db, from: 1)
        }
        try editor.close()
        #expect(throws: LedgerKeyingError.unkeyedLedger(movements: 1)) {
            try InventoryStore(path: database, clock: .fixed(morning), ledgerKey: key)
        }
        try FileManager.default.removeItem(atPath: directory.file("ledger.key"))
        let (fresh, created) = try LedgerKey.forDatabase(at: database, path: directory.file("ledger.key"))
        #expect(created && fresh.id != key.id)
        #expect(throws: LedgerKeyingError.unkeyedLedger(movements: 1)) {
            try InventoryStore(path: database, clock: .fixed(morning), ledgerKey: fresh)
        }
        let adopted = try InventoryStore(
            path: database,
            clock: .fixed(morning),
            ledgerKey: fresh,
            adoptUnkeyedLedger: true
        )
        let verified = try await adopted.verify()
        #expect(verified.ok && verified.chainKeyedFrom == 2, "\(verified)")
        try adopted.close()
    }
}
