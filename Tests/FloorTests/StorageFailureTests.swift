import Foundation
import GRDB
import Inventory
import Logging
import Synchronization
import Testing
import Workflow

/// A swift-log handler that keeps every record, to check what reached the log and at which level.
struct RecordingLogHandler: LogHandler {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }
    /// The records of every handler made from one ``Records``.
    final class Records: Sendable {
        let list = Mutex<[Record]>([])
        func withLock<T>(_ body: (inout [Record]) -> T) -> T { list.withLock { body(&$0) } }
    }
    let records: Records
    init(_ records: Records) { self.records = records }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }
    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).mapValues { "\($0)" }
        records.withLock { $0.append(Record(level: event.level, message: "\(event.message)", metadata: fields)) }
    }
}

/// A floor look-up against a database whose schema is broken under it (a table renamed away on the
/// real SQLite file) tells the worker that storage failed, never that the label names nothing.
@Suite struct StorageFailureTests {
    @Test(arguments: [
        ("location", "A-01"),
        ("item", Labels.milk(lot: "L1", expiry: "260310")),
        ("item", "BOLT"),
    ])
    func aFailingDatabaseIsAStorageFailureNotAnUnknownLabel(table: String, text: String) async throws {
        let records = RecordingLogHandler.Records()
        let floor = try await FloorFixture(logger: Logger(label: "test") { _ in RecordingLogHandler(records) })
        let before = try await floor.position()
        try await floor.store.writer.write { db in try db.execute(sql: "ALTER TABLE \(table) RENAME TO \(table)Gone") }
        let feedback = await floor.scan(text)
        #expect(feedback.level == .error)
        #expect(feedback.message == FloorStorageFailure(cause: "").message, "\(feedback)")
        #expect(!feedback.message.contains("not a known"))
        #expect(!feedback.message.contains("no item has"))
        // The log carries the cause, at error level.
        let failures = records.withLock { $0.filter { $0.message == "floor storage failed" } }
        #expect(failures.map(\.level) == [.error])
        #expect(failures.first?.metadata["error"]?.contains("no such table: \(table)") == true, "\(failures)")
        try await floor.store.writer.write { db in try db.execute(sql: "ALTER TABLE \(table)Gone RENAME TO \(table)") }
        #expect(try await floor.position() == before)
        // With the table back the same look-up works again.
        let again = await floor.scan(text, after: .seconds(10))
        #expect(again.level != .error, "\(again)")
    }
}
