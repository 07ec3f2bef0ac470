import DepotAPI
import Floor
import Foundation
import Inventory
import ScannerInput
import Varlink
import Workflow

/// The handlers of `org.depot.scanner` (Sources/DepotAPI/Interfaces/org.depot.scanner.varlink).
struct ScannerInterface: Sendable {
    let floor: FloorService
    let hub: ScannerHub
    let clock: InventoryClock
    /// Where `Replay` may read captures from, and their bounds.
    let replays: ReplayDirectory

    /// Minimum roles: anyone may look (viewer); a floor terminal may scan (operator); only an
    /// admin reassigns scanners or makes depotd read a capture file, and only from its replay
    /// directory (``ReplayDirectory``).
    typealias API = OrgDepotScanner

    func makeInterface() throws -> GuardedInterface {
        try GuardedInterface(
            description: DepotAPI.scannerDescription,
            [
                Wire.method(API.ListScanners.self, .viewer) { [floor] _, _ in
                    .init(scanners: await floor.list().map(API.Scanner.init))
                },
                Wire.method(API.Assign.self, .admin) { [floor] p, _ in
                    try Self.checkScanner(p.scanner)
                    if let name = p.operatorName {
                        do { try TextFieldRules.text(name, field: "operatorName", limit: 64) } catch {
                            throw ErrorMapping.map(error)
                        }
                        if name.isEmpty { throw Self.invalid("operatorName", name, "must not be empty") }
                    }
                    let info: ScannerInfo
                    do {
                        info = try await floor.assign(
                            scanner: p.scanner,
                            mode: p.mode.converted(),
                            location: p.location,
                            operatorName: p.operatorName,
                            order: p.order,
                            count: p.count.map { Int64($0) }
                        )
                    } catch let error as CountError {
                        throw CountInterface.varlinkError(error)
                    }
                    return .init(scanner: .init(info))
                },
                Wire.method(API.Scan.self, .operator) { [floor, clock] p, caller in
                    try Self.checkScanner(p.scanner)
                    guard !p.text.isEmpty, p.text.unicodeScalars.count <= 4096 else {
                        throw Self.invalid("text", p.text, "must have 1 to 4096 characters")
                    }
                    if let id = p.id, id.isEmpty || id.unicodeScalars.count > 200 {
                        throw Self.invalid("id", id, "must have 1 to 200 characters")
                    }
                    let scan = FloorScan(
                        id: p.id ?? "\(p.scanner):injected:\(UUID().uuidString)",
                        scannerID: p.scanner,
                        text: p.text,
                        symbologyIdentifier: p.symbologyIdentifier,
                        at: clock.now(),
                        caller: caller.actor
                    )
                    return .init(feedback: .init(await floor.submit(scan)))
                },
                Wire.streamingMethod(API.Replay.self, .admin) { [hub, replays] p, request, responder in
                    guard (0...1000).contains(p.speed ?? 0) else { throw VarlinkError.invalidParameter("speed") }
                    if let scanner = p.scanner { try Self.checkScanner(scanner) }
                    let capture: (path: String, recording: EvemuRecording)
                    do {
                        capture = try replays.read(p.path)
                    } catch let error as ReplayRefusal {
                        // Path and reason only: never a byte of a refused file (docs/operations.md).
                        throw VarlinkError(
                            API.ReplayFailed(
                                path: p.path,
                                message: InventoryError.shown(error.description, limit: 1000)
                            )
                        )
                    }
                    let more = request.more
                    let count: Int
                    do {
                        count = try await hub.replay(
                            capture.recording,
                            path: capture.path,
                            scannerID: p.scanner,
                            speed: p.speed ?? 0
                        ) { feedback in
                            if more { try await responder.reply(.init(feedback: .init(feedback)), continues: true) }
                        }
                    } catch let error as ReplayError {
                        throw VarlinkError(
                            API.ReplayFailed(
                                path: error.path,
                                message: InventoryError.shown(error.description, limit: 1000)
                            )
                        )
                    }
                    try await responder.reply(.init(scans: count))
                },
                Wire.streamingMethod(API.Monitor.self, .viewer) { [floor] p, request, responder in
                    guard request.more else { throw VarlinkError.expectedMore() }
                    let stream = floor.events.subscribe()
                    // The first reply, without an event, says the subscription is in place.
                    try await responder.reply(.init(), continues: true)
                    try await Wire.whilePeerConnected(responder.responder) {
                        for try await event in stream where p.scanner == nil || event.scanner == p.scanner {
                            try await responder.reply(.init(event: .init(event)), continues: true)
                        }
                    }
                },
            ]
        )
    }
}

extension ScannerInterface {
    /// A scanner id: 1 to 200 characters, no control or bidirectional-override characters.
    static func checkScanner(_ id: String) throws {
        guard !id.isEmpty, id.unicodeScalars.count <= 200 else {
            throw invalid("scanner", id, "must have 1 to 200 characters")
        }
        do { try TextFieldRules.text(id, field: "scanner", limit: 200) } catch { throw ErrorMapping.map(error) }
    }

    static func invalid(_ field: String, _ value: String, _ reason: String) -> VarlinkError {
        ErrorMapping.varlinkError(.invalidValue(field: field, value: value, reason: reason))
    }
}
