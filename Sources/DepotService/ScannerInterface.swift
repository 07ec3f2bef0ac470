import DepotAPI
import Floor
import Foundation
import Inventory
import Varlink
import Workflow

/// The handlers of `org.depot.scanner` (Sources/DepotAPI/Interfaces/org.depot.scanner.varlink).
struct ScannerInterface: Sendable {
    let floor: FloorService
    let hub: ScannerHub
    let clock: InventoryClock

    /// Minimum roles: anyone may look (viewer); a floor terminal may scan (operator); only an
    /// admin reassigns scanners or makes depotd read a capture file from its own file system.
    func makeInterface() throws -> GuardedInterface {
        try GuardedInterface(description: DepotAPI.scannerDescription, methods: [
            "ListScanners": (.viewer, { _, responder in
                try await responder.reply(encodedParameters: try Wire.encode(["scanners": await floor.list()]))
            }),
            "Assign": (.admin, { request, responder in
                let p = try Wire.decode(AssignParameters.self, from: request.parameters)
                try Self.checkScanner(p.scanner)
                if let name = p.operatorName {
                    do { try TextFieldRules.text(name, field: "operatorName", limit: 64) } catch { throw ErrorMapping.map(error) }
                    if name.isEmpty { throw Self.invalid("operatorName", name, "must not be empty") }
                }
                let info: ScannerInfo
                do {
                    info = try await floor.assign(scanner: p.scanner, mode: p.mode, location: p.location,
                                                  operatorName: p.operatorName, order: p.order, count: p.count)
                } catch let error as CountError {
                    throw CountInterface.varlinkError(error)
                }
                try await responder.reply(encodedParameters: try Wire.encode(["scanner": info]))
            }),
            "Scan": (.operator, { request, responder in
                let p = try Wire.decode(ScanParameters.self, from: request.parameters)
                try Self.checkScanner(p.scanner)
                guard !p.text.isEmpty, p.text.unicodeScalars.count <= 4096 else { throw Self.invalid("text", p.text, "must have 1 to 4096 characters") }
                if let id = p.id, id.isEmpty || id.unicodeScalars.count > 200 { throw Self.invalid("id", id, "must have 1 to 200 characters") }
                let scan = FloorScan(id: p.id ?? "\(p.scanner):injected:\(UUID().uuidString)", scannerID: p.scanner,
                                     text: p.text, symbologyIdentifier: p.symbologyIdentifier, at: clock.now())
                let feedback = await floor.submit(scan)
                try await responder.reply(encodedParameters: try Wire.encode(["feedback": feedback]))
            }),
            "Replay": (.admin, { request, responder in
                let p = try Wire.decode(ReplayParameters.self, from: request.parameters)
                guard (0...1000).contains(p.speed ?? 0) else { throw VarlinkError.invalidParameter("speed") }
                let more = request.more
                let count: Int
                do {
                    count = try await hub.replay(path: p.path, scannerID: p.scanner, speed: p.speed ?? 0) { feedback in
                        if more {
                            try await responder.reply(encodedParameters: try Wire.encode(ReplayReply(feedback: feedback, scans: nil)),
                                                      continues: true)
                        }
                    }
                } catch let error as ReplayError {
                    throw VarlinkError(name: DepotAPI.scanner + ".ReplayFailed", parameters: [
                        "path": .string(error.path), "message": .string(error.description)])
                }
                try await responder.reply(encodedParameters: try Wire.encode(ReplayReply(feedback: nil, scans: count)))
            }),
            "Monitor": (.viewer, { request, responder in
                let p = try Wire.decode(MonitorParameters.self, from: request.parameters)
                guard request.more else { throw VarlinkError.expectedMore() }
                let stream = floor.events.subscribe()
                try await responder.reply(continues: true)
                try await Wire.whilePeerConnected(responder) {
                    for try await event in stream where p.scanner == nil || event.scanner == p.scanner {
                        try await responder.reply(encodedParameters: try Wire.encode(["event": event]), continues: true)
                    }
                }
            }),
        ])
    }
}

extension ScannerInterface {
    /// A scanner id: 1 to 200 characters, no control or bidirectional-override characters.
    static func checkScanner(_ id: String) throws {
        guard !id.isEmpty, id.unicodeScalars.count <= 200 else { throw invalid("scanner", id, "must have 1 to 200 characters") }
        do { try TextFieldRules.text(id, field: "scanner", limit: 200) } catch { throw ErrorMapping.map(error) }
    }

    static func invalid(_ field: String, _ value: String, _ reason: String) -> VarlinkError {
        ErrorMapping.varlinkError(.invalidValue(field: field, value: value, reason: reason))
    }
}

struct AssignParameters: Decodable, Sendable {
    var scanner: String
    var mode: FloorMode
    var location: String?
    var operatorName: String?
    var order: String?
    var count: Int64?
}

struct ScanParameters: Decodable, Sendable {
    var scanner: String
    var text: String
    var id: String?
    var symbologyIdentifier: String?
}

struct ReplayParameters: Decodable, Sendable {
    var path: String
    var scanner: String?
    var speed: Double?
}

struct ReplayReply: Encodable, Sendable {
    var feedback: FloorFeedback?
    var scans: Int?
}

struct MonitorParameters: Decodable, Sendable {
    var scanner: String?
}
