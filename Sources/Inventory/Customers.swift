import Crypto
import Foundation
import GRDB

/// An owner of goods in a third-party logistics warehouse (docs/workflows.md, "Customers").
/// Every item and every order belongs to exactly one customer; a site with one owner never names
/// one, and its goods belong to the built-in default customer ``defaultCode``.
public struct Customer: Sendable, Codable, Equatable {
    /// The code of the built-in default customer, `SITE`: the site's own goods. It owns every item
    /// and order written before customers existed (migration `v11-customers`) and every one added
    /// without a customer.
    public static let defaultCode = "SITE"
    /// The name the default customer is created with.
    public static let defaultName = "Site stock"

    /// Unique code, checked as SKUs and location codes are (``TextField``, ``CodeSafety``).
    public var code: String
    /// Human-readable name; not blank, at most 200 characters.
    public var name: String
    /// When the customer was added (UTC).
    public var createdAt: Date

    /// Creates a customer value from its fields as given; validates nothing and throws nothing.
    public init(code: String, name: String, createdAt: Date) {
        self.code = code
        self.name = name
        self.createdAt = createdAt
    }
}

/// A customer's bearer token as listed: never the token itself, which is shown once when issued.
public struct CustomerToken: Sendable, Codable, Equatable {
    /// The token's id, for `customer token revoke`.
    public var id: Int64
    /// The code of the customer the token stands for.
    public var customer: String
    /// When it was issued (UTC).
    public var createdAt: Date
    /// When it was revoked (UTC); nil while it is valid.
    public var revokedAt: Date?

    /// Creates a token value from its fields as given; validates nothing and throws nothing.
    public init(id: Int64, customer: String, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.customer = customer
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A token just issued: the only time its text exists outside the caller.
public struct IssuedCustomerToken: Sendable, Codable, Equatable {
    /// The stored token (id, customer, creation time).
    public var token: CustomerToken
    /// The bearer token: 32 random bytes (256 bits) as unpadded base64url, 43 characters. Only
    /// its SHA-256 is stored.
    public var secret: String
}

/// Customer bearer tokens: random, stored only as their SHA-256 hex digest.
public enum CustomerTokenSecret {
    /// Random bytes per token: 32 (256 bits), from the system's cryptographic generator
    /// (`SystemRandomNumberGenerator`: getrandom(2) on Linux).
    public static let byteCount = 32

    /// A fresh token text: ``byteCount`` random bytes as unpadded base64url (RFC 4648 section 5).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The SHA-256 of the token's UTF-8 bytes as 64 lower-case hex digits: what is stored and
    /// looked up. A lookup by hash needs no constant-time comparison: the database compares
    /// digests, and learning a digest's prefix from timing does not help to forge a token whose
    /// digest has it (SHA-256 is preimage resistant).
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension InventoryStore {
    // MARK: Customers

    /// Adds a customer.
    /// - Throws: ``InventoryError/invalidValue(field:value:reason:)`` (code: the code rules of
    ///   SKUs and locations, and no look-alike of another customer's code; name),
    ///   ``InventoryError/duplicate(field:value:owner:)`` for an existing code.
    @discardableResult
    public func addCustomer(code: String, name: String) async throws -> Customer {
        try await transaction { db, log in
            let code = try TextField.code(code, field: "customer")
            try Self.checkName(name)
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM customer WHERE code = ?", arguments: [code]) == true {
                throw InventoryError.duplicate(field: "customer", value: code, owner: nil)
            }
            let skeleton = try Self.lookalikeChecked(db, code: code, field: "customer", in: .customer)
            try db.execute(
                sql: "INSERT INTO customer (code, name, createdAt, skeleton) VALUES (?, ?, ?, ?)",
                arguments: [code, name, log.now, skeleton]
            )
            return try Self.loadCustomer(db, code: code)
        }
    }

    /// Renames a customer; its code never changes.
    /// - Throws: ``InventoryError/unknownCustomer(_:)``, ``InventoryError/invalidValue(field:value:reason:)`` (name).
    @discardableResult
    public func updateCustomer(code: String, name: String) async throws -> Customer {
        try await transaction { db, _ in
            let id = try Self.customerId(db, code)
            try Self.checkName(name)
            try db.execute(sql: "UPDATE customer SET name = ? WHERE id = ?", arguments: [name, id])
            return try Self.loadCustomer(db, code: code)
        }
    }

    /// One customer by code.
    /// - Throws: ``InventoryError/unknownCustomer(_:)``.
    public func customer(_ code: String) async throws -> Customer {
        try await writer.read { db in try Self.loadCustomer(db, code: code) }
    }

    /// Every customer, by code (the default customer among them).
    public func customers() async throws -> [Customer] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT code, name, createdAt FROM customer ORDER BY code").map {
                Customer(code: $0["code"], name: $0["name"], createdAt: $0["createdAt"])
            }
        }
    }

    /// The id of the customer with `code`; nil means the default customer (id 1).
    /// - Throws: ``InventoryError/unknownCustomer(_:)``.
    static func customerId(_ db: Database, _ code: String?) throws -> Int64 {
        guard let code else { return 1 }
        guard
            let id = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM customer WHERE code = ?"),
                arguments: [code]
            )
        else { throw InventoryError.unknownCustomer(code) }
        return id
    }

    /// The code of the customer with `id`.
    static func customerCode(_ db: Database, id: Int64) throws -> String {
        try String.fetchOne(db.cachedStatement(sql: "SELECT code FROM customer WHERE id = ?"), arguments: [id])
            ?? Customer.defaultCode
    }

    static func loadCustomer(_ db: Database, code: String) throws -> Customer {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT code, name, createdAt FROM customer WHERE code = ?",
                arguments: [code]
            )
        else { throw InventoryError.unknownCustomer(code) }
        return Customer(code: row["code"], name: row["name"], createdAt: row["createdAt"])
    }

    // MARK: Customer tokens

    /// Issues a bearer token for a customer: returns its text once, stores only its SHA-256.
    /// - Throws: ``InventoryError/unknownCustomer(_:)``.
    public func addCustomerToken(customer code: String) async throws -> IssuedCustomerToken {
        let secret = CustomerTokenSecret.generate()
        let hash = CustomerTokenSecret.hash(secret)
        return try await transaction { db, log in
            let customerId = try Self.customerId(db, code)
            try db.execute(
                sql: "INSERT INTO customerToken (customerId, hash, createdAt) VALUES (?, ?, ?)",
                arguments: [customerId, hash, log.now]
            )
            let token = try Self.loadToken(db, id: db.lastInsertedRowID)
            return IssuedCustomerToken(token: token, secret: secret)
        }
    }

    /// A customer's tokens, oldest first, revoked ones included.
    /// - Throws: ``InventoryError/unknownCustomer(_:)``.
    public func customerTokens(customer code: String) async throws -> [CustomerToken] {
        try await writer.read { db in
            let customerId = try Self.customerId(db, code)
            return try Int64.fetchAll(
                db,
                sql: "SELECT id FROM customerToken WHERE customerId = ? ORDER BY id",
                arguments: [customerId]
            ).map { try Self.loadToken(db, id: $0) }
        }
    }

    /// Revokes a token: it resolves to no customer from now on. Revoking a revoked token keeps its
    /// first revocation time.
    /// - Throws: ``InventoryError/unknownToken(_:)`` for an id no token has.
    @discardableResult
    public func revokeCustomerToken(id: Int64) async throws -> CustomerToken {
        try await transaction { db, log in
            try db.execute(
                sql: "UPDATE customerToken SET revokedAt = ? WHERE id = ? AND revokedAt IS NULL",
                arguments: [log.now, id]
            )
            return try Self.loadToken(db, id: id)
        }
    }

    /// The customer a bearer token stands for, looked up by the token's SHA-256.
    /// - Throws: ``InventoryError/unknownToken(_:)`` (with no value: the token is never echoed)
    ///   for a token that was never issued or is revoked.
    public func customer(forToken token: String) async throws -> Customer {
        let hash = CustomerTokenSecret.hash(token)
        return try await writer.read { db in
            guard
                let code = try String.fetchOne(
                    db,
                    sql: """
                        SELECT c.code FROM customerToken t JOIN customer c ON c.id = t.customerId
                        WHERE t.hash = ? AND t.revokedAt IS NULL
                        """,
                    arguments: [hash]
                )
            else { throw InventoryError.unknownToken(nil) }
            return try Self.loadCustomer(db, code: code)
        }
    }

    static func loadToken(_ db: Database, id: Int64) throws -> CustomerToken {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT t.id, c.code, t.createdAt, t.revokedAt FROM customerToken t
                    JOIN customer c ON c.id = t.customerId WHERE t.id = ?
                    """,
                arguments: [id]
            )
        else { throw InventoryError.unknownToken(id) }
        return CustomerToken(
            id: row["id"],
            customer: row["code"],
            createdAt: row["createdAt"],
            revokedAt: row["revokedAt"]
        )
    }
}
