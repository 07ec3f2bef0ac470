import Foundation
import GRDB
import Inventory
import Testing
import Workflow

/// A floor look-up against a database whose schema is broken under it (a table renamed away on the
/// real SQLite file) tells the worker that storage failed, never that the label names nothing.
@Suite struct StorageFailureTests {
    @Test(arguments: [
        ("location", "A-01"),
        ("item", Labels.milk(lot: "L1", expiry: "260310")),
        ("item", "BOLT"),
    ])
    func aFailingDatabaseIsAStorageFailureNotAnUnknownLabel(table: String, text: String) async throws {
        let floor = try await FloorFixture()
        let before = try await floor.position()
        try await floor.store.writer.write { db in try db.execute(sql: "ALTER TABLE \(table) RENAME TO \(table)Gone") }
        let feedback = await floor.scan(text)
        #expect(feedback.level == .error)
        #expect(feedback.message == FloorStorageFailure(cause: "").message, "\(feedback)")
        #expect(!feedback.message.contains("not a known"))
        #expect(!feedback.message.contains("no item has"))
        try await floor.store.writer.write { db in try db.execute(sql: "ALTER TABLE \(table)Gone RENAME TO \(table)") }
        #expect(try await floor.position() == before)
        // With the table back the same look-up works again.
        let again = await floor.scan(text, after: .seconds(10))
        #expect(again.level != .error, "\(again)")
    }
}
