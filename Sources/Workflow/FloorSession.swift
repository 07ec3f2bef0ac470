import Foundation
import GS1

/// How long the same text from the same scanner counts as a double scan, per mode. Zero turns
/// the check off (the default where repeated scans are normal: pick and count).
public struct DoubleScanWindows: Sendable, Equatable {
    /// Window per mode; a mode missing from the map has no window (zero).
    public var windows: [FloorMode: Duration]

    /// The defaults: 500 ms in lookup, receive, putaway and move; off (zero) in pick and count.
    public static let standard = DoubleScanWindows(windows: [
        .lookup: .milliseconds(500), .receive: .milliseconds(500), .putaway: .milliseconds(500),
        .move: .milliseconds(500), .pick: .zero, .count: .zero,
    ])

    /// Creates windows from a map of mode to duration; throws nothing.
    public init(windows: [FloorMode: Duration]) { self.windows = windows }

    /// The window for `mode`; zero (check off) when the map has none.
    public func window(for mode: FloorMode) -> Duration { windows[mode] ?? .zero }
}

/// What a label was read as.
enum Classified {
    case command(FloorCommand)
    case location(String)
    case item(ItemLabel)
    case order(String)
    case sscc(String)
    case unknown(String)
}

/// An item label's content: which item and what it says about lot, dates and count.
struct ItemLabel: Equatable {
    var sku: String
    var lot: String?
    var expiry: CalendarDate?
    var bestBefore: CalendarDate?
    var production: CalendarDate?
    /// (37) or (30).
    var count: Int64?
}

/// Goods a put-away or move is carrying to their destination.
public struct CarriedGoods: Sendable, Equatable, Codable {
    /// SKU of the item carried.
    public var sku: String
    /// Lot code, or nil when the label gave none.
    public var lot: String?
    /// Base units carried, summed over the scans of this item and lot.
    public var quantity: Int64

    /// Creates a carried line from its fields as given; validates nothing and throws nothing.
    public init(sku: String, lot: String?, quantity: Int64) {
        self.sku = sku
        self.lot = lot
        self.quantity = quantity
    }
}

/// One scanner's floor session: a state machine fed with scans. Its state is only its own;
/// every effect goes through the ``FloorEngine`` with the scan's id and the session's actor.
public struct FloorSession: Sendable {
    /// Id of the scanner this session belongs to; the ledger actor is `scanner:ID`.
    public let scannerID: String
    /// What item scans do; `lookup` until a command or an assignment changes it.
    public private(set) var mode: FloorMode = .lookup
    /// Receiving location (receive), source (put-away, move).
    public private(set) var location: String?
    /// Reference of the order being picked (pick mode); nil when none.
    public private(set) var order: String?
    /// The count session being counted (count mode).
    public private(set) var countID: Int64?
    /// Base units set by a quantity command for the next item scan (it wins over a label's count);
    /// nil when none is pending.
    public private(set) var pendingQuantity: Int64?
    /// Name of the signed-in operator; the ledger actor then ends in `/NAME`. nil when nobody signed in.
    public private(set) var operatorName: String?
    /// Code of the customer a `DEPOT CUSTOMER` barcode chose: a GTIN on items of several
    /// customers is read as this customer's. nil when none is chosen.
    public private(set) var customer: String?
    /// Goods scanned for a put-away or move and not yet put down, one entry per item and lot.
    public private(set) var carried: [CarriedGoods] = []
    /// Movements of the last receipt or move, for undo.
    public private(set) var lastMovements: [Int64] = []
    /// Double-scan windows per mode.
    public var windows: DoubleScanWindows
    private var lastScan: (text: String, time: Duration)?
    /// The monotonic origin for scans that carry no device time (injected through the API).
    private static let arrivalReference = ContinuousClock.now
    /// The current pick of the order being picked: its bin is the only one a location scan may
    /// name, and its words are repeated after other scans.
    private var pick: FloorPickInstruction?
    /// The current pick instruction in words, if any.
    private var pickInstruction: String? { pick.map(Self.instruction) }
    /// The order a first `DEPOT DONE` found unfinished: the next scan, if it is `DEPOT DONE`
    /// again, leaves that order short; any other scan disarms it.
    private var leaveShortArmed: String?

    /// Creates a session in `lookup` mode with no location, order, operator or carried goods; throws nothing.
    public init(scannerID: String, windows: DoubleScanWindows = .standard) {
        self.scannerID = scannerID
        self.windows = windows
    }

    /// Resumes a session from its snapshot (after a restart). Nothing else is restored: no
    /// pending quantity, no double-scan memory, no armed `DEPOT DONE`; in pick mode with an order
    /// the pick instruction is asked of the engine again at the next scan (the order's
    /// reservations decide it, not a stored copy). Throws nothing.
    public init(snapshot: FloorSessionSnapshot, windows: DoubleScanWindows = .standard) {
        self.scannerID = snapshot.scannerID
        self.windows = windows
        mode = snapshot.mode
        location = snapshot.location
        order = snapshot.order
        countID = snapshot.countID
        operatorName = snapshot.operatorName
        customer = snapshot.customer
        assignedOperator = snapshot.assignedOperator
        carried = snapshot.carried
        lastMovements = snapshot.lastMovements
        needsPick = snapshot.mode == .pick && snapshot.order != nil
    }

    /// What the session keeps across a restart (``FloorSessionSnapshot``).
    public var snapshot: FloorSessionSnapshot {
        FloorSessionSnapshot(
            scannerID: scannerID,
            mode: mode,
            location: location,
            order: order,
            countID: countID,
            operatorName: operatorName,
            assignedOperator: assignedOperator,
            carried: carried,
            lastMovements: lastMovements,
            customer: customer
        )
    }

    /// Set by ``init(snapshot:windows:)`` in pick mode with an order: the instruction is fetched
    /// again before the next scan is handled.
    private var needsPick = false

    /// The session write of an effect: the snapshot after `change`.
    private func write(
        undoesThisEffect: Bool,
        _ change: (inout FloorSessionSnapshot) -> Void = { _ in }
    ) -> FloorSessionWrite {
        var after = snapshot
        change(&after)
        return FloorSessionWrite(snapshot: after, undoesThisEffect: undoesThisEffect)
    }

    /// Who the ledger names: `scanner:ID` plus `/NAME` when an operator signed in.
    public var actor: String { "scanner:\(scannerID)" + (operatorName.map { "/\($0)" } ?? "") }

    /// The operator an admin assigned (`depotctl scanner assign --operator`), or nil. A scanned
    /// `DEPOT OPERATOR` label names the ledger actor but not this: anyone can print a label.
    public private(set) var assignedOperator: String?

    /// Who counts, for the recount rules (docs/counts.md, "Recounts"): `scanner:ID` plus
    /// `/NAME` of the assigned operator; never a scanned name, so scanning another
    /// `DEPOT OPERATOR` label does not make a recount "by someone else".
    public var counterIdentity: String { "scanner:\(scannerID)" + (assignedOperator.map { "/\($0)" } ?? "") }

    /// Who counts with `scan`: the caller who injected it (`uid:N`, ``FloorScan/caller``), so the
    /// same person is the same counter whether they type `depotctl count record` or inject a
    /// scan; else, for a device's scan, ``counterIdentity``.
    public func counterIdentity(of scan: FloorScan) -> String { scan.caller ?? counterIdentity }

    /// Sets mode, location, operator and order as an admin assigns them (`depotctl scanner assign`).
    public mutating func assign(
        mode: FloorMode,
        location: String?,
        operatorName: String?,
        order: String?,
        count: Int64? = nil
    ) {
        self.mode = mode
        self.location = location
        if let operatorName {
            self.operatorName = operatorName
            assignedOperator = operatorName
        }
        self.order = order
        self.countID = count
        pick = nil
        // An assigned order's first instruction is fetched at the next scan, as after a restart.
        needsPick = mode == .pick && order != nil
        pendingQuantity = nil
        carried = []
        lastMovements = []
    }

    /// Handles one scan and says what happened. Never throws: refusals are `error` feedback.
    public mutating func handle(_ scan: FloorScan, engine: some FloorEngine) async -> FloorFeedback {
        let armed = leaveShortArmed
        leaveShortArmed = nil
        var feedback = FloorFeedback(
            scanID: scan.id,
            scannerID: scannerID,
            text: Self.printable(scan.text),
            at: scan.at,
            level: .ok,
            message: "",
            kind: "unknown",
            movements: [],
            alerts: [],
            expectation: "",
            mode: mode,
            location: location,
            order: order,
            operatorName: operatorName
        )
        if let corruption = scan.corruption {
            feedback.level = .error
            feedback.kind = "corrupt"
            feedback.message = "scan not read cleanly (\(corruption)): scan again"
            return finish(feedback)
        }
        // Double scans are a matter of elapsed time, never of the business clock (a daemon
        // started with a fixed `--now` would see every repeat as a double scan forever): a scan
        // without its device's monotonic time is timed on arrival, on the continuous clock.
        let time = scan.monotonic ?? Self.arrivalReference.duration(to: ContinuousClock.now)
        let window = windows.window(for: mode)
        if window > .zero, let last = lastScan, last.text == scan.text, time - last.time < window {
            lastScan = (scan.text, time)
            feedback.level = .warning
            feedback.kind = "double"
            feedback.message = "double scan ignored"
            return finish(feedback)
        }
        lastScan = (scan.text, time)
        // What the label itself is doubted for (the GS1 parser's warnings), whatever the scan
        // then does: alerts of the feedback, applied or refused.
        var labelWarnings: [String] = []
        do {
            if needsPick, let order {
                // A resumed pick: the order's reservations decide the instruction, as they would
                // have had depotd not restarted. An order gone or finished meanwhile ends the pick.
                do {
                    pick = try await engine.nextPick(order: order)
                } catch is FloorRefusal {
                    pick = nil
                }
                needsPick = false
                if pick == nil { self.order = nil }
                // The bin scanned before the restart stands only if it is still the instructed one.
                if pick?.location != location { location = nil }
            }
            confirmsLeavingShort = armed != nil && armed == order
            let classified = try await classify(scan, engine: engine, warnings: &labelWarnings)
            try await apply(classified, scan: scan, engine: engine, feedback: &feedback)
        } catch let refusal as FloorRefusal {
            feedback.level = .error
            feedback.message = refusal.message
        } catch let failure as FloorStorageFailure {
            feedback.level = .error
            feedback.message = failure.message
        } catch {
            feedback.level = .error
            feedback.message = "depot could not apply the scan: \(error)"
        }
        feedback.alerts += labelWarnings
        return finish(feedback)
    }

    /// Set for the duration of one scan: the previous scan was a `DEPOT DONE` on this unfinished order.
    private var confirmsLeavingShort = false

    private func finish(_ feedback: FloorFeedback) -> FloorFeedback {
        var feedback = feedback
        feedback.mode = mode
        feedback.location = location
        feedback.order = order
        feedback.operatorName = operatorName
        if feedback.expectation.isEmpty { feedback.expectation = expectation }
        if feedback.level == .ok && !feedback.alerts.isEmpty { feedback.level = .warning }
        return feedback
    }

    /// What the session waits for, in words.
    public var expectation: String {
        let quantity = pendingQuantity.map { " (quantity \($0))" } ?? ""
        switch mode {
        case .lookup: return "scan a label to look it up"
        case .receive:
            guard let location else { return "scan the receiving location" }
            return "scan goods to receive into \(location)\(quantity)"
        case .putaway, .move:
            guard let location else { return "scan the location to take goods from" }
            if carried.isEmpty { return "scan goods to take from \(location)\(quantity)" }
            let list = carried.map { "\($0.quantity) \($0.sku)\($0.lot.map { " lot \($0)" } ?? "")" }.joined(
                separator: ", "
            )
            return "carrying \(list): scan more goods or the destination location"
        case .pick:
            guard let order else { return "scan an order" }
            return pickInstruction ?? "pick order \(order)"
        case .count:
            guard let countID else { return "scan a DEPOT COUNT label to choose the count" }
            guard let location else { return "count \(countID): scan the location you count" }
            return "count \(countID) at \(location): scan the goods\(quantity)"
        }
    }

    // MARK: Classification

    /// What a scan names (docs/workflows.md, "What a label is"). Every warning of the GS1 parser
    /// about the label (all but its notes, ``GS1Diagnostic/isNote``) goes to `warnings`, for the
    /// feedback's alerts whether the scan is then applied or refused.
    private func classify(
        _ scan: FloorScan,
        engine: some FloorEngine,
        warnings: inout [String]
    ) async throws -> Classified {
        // A scan injected as one text (`depotctl scan S ']C0A-01'`) carries its AIM identifier in
        // front, as a scanner with a profile that does not split identifiers off would: read it the
        // same as a split one.
        var symbologyIdentifier = scan.symbologyIdentifier
        var text = scan.text
        if symbologyIdentifier == nil, let split = Self.leadingSymbologyIdentifier(text) {
            symbologyIdentifier = split.identifier
            text = split.data
        }
        if let command = try FloorCommand.parse(text) { return .command(command) }
        let gs1Symbology =
            symbologyIdentifier.map {
                ["]C1", "]e0", "]d2", "]Q3", "]J1", "]E0", "]E3", "]E4", "]I1"].contains($0)
            }
            ?? false
        // An item named by its GTIN rather than its SKU is read as the GS1 number it is, so what
        // the parser says of it (an 8-digit code that is also a UPC-E) reaches the worker.
        var itemByGTIN: String?
        if !gs1Symbology {
            switch try await engine.reference(for: text, customer: customer) {
            case let .location(code): return .location(code)
            case let .order(reference): return .order(reference)
            case let .item(sku):
                if sku == text { return .item(ItemLabel(sku: sku)) }
                itemByGTIN = sku
            case .none: break
            }
        }
        let today = engine.today()
        let parser = GS1Parser(year: today.year, month: today.month, day: today.day)
        let result = parser.parse((symbologyIdentifier ?? "") + text)
        if let itemByGTIN, !result.isValid || result.gtin == nil { return .item(ItemLabel(sku: itemByGTIN)) }
        warnings += result.warnings.filter { !$0.isNote }.map(\.message)
        // Plain text is not GS1 data; but an AIM identifier with nothing after it is a bad read,
        // said as the parser says it (not "not a known location").
        guard result.kind != .plain || !result.errors.isEmpty else { return .unknown(scan.text) }
        guard result.isValid else {
            throw FloorRefusal("label refused: " + (result.errors.first?.description ?? "not a valid GS1 barcode"))
        }
        if let gln = result.locationGLN {
            let key = gln + (result.glnExtension.map { "/\($0)" } ?? "")
            guard let code = try await engine.location(gln: key) else {
                throw FloorRefusal("no location has GLN \(key)")
            }
            return .location(code)
        }
        if let gtin = result.gtin {
            let sku = try await Self.sku(
                of: result,
                gtin: gtin,
                customer: customer,
                engine: engine,
                warnings: &warnings
            )
            return .item(
                ItemLabel(
                    sku: sku,
                    lot: result.lot,
                    expiry: result.expiry,
                    bestBefore: result.bestBefore,
                    production: result.productionDate,
                    count: result.count.map(Int64.init)
                )
            )
        }
        if let sscc = result.sscc { return .sscc(sscc) }
        return .unknown(scan.text)
    }

    /// The item of a label's GTIN. Eight digits without an AIM identifier that are an EAN-8 and
    /// also a UPC-E (``GS1ParseResult/upcEGTIN``) are tried as the UPC-E when no item has the
    /// EAN-8 GTIN, and the worker is told which reading was taken.
    private static func sku(
        of result: GS1ParseResult,
        gtin: String,
        customer: String?,
        engine: some FloorEngine,
        warnings: inout [String]
    ) async throws -> String {
        if let sku = try await engine.sku(gtin: gtin, customer: customer) { return sku }
        guard let upcE = result.upcEGTIN else { throw FloorRefusal("no item has GTIN \(gtin)") }
        let digits = result.text
        guard let sku = try await engine.sku(gtin: upcE, customer: customer) else {
            throw FloorRefusal(
                "no item has GTIN \(gtin) (\(digits) as an EAN-8), nor GTIN \(upcE) (\(digits) as a UPC-E)"
            )
        }
        warnings.append("no item has GTIN \(gtin) (\(digits) as an EAN-8): read as the UPC-E of GTIN \(upcE)")
        return sku
    }

    /// The AIM symbology identifier at the start of `text` (`]` then a letter, then a letter or
    /// digit: ISO/IEC 15424) and the data after it, or nil when `text` does not start with one.
    static func leadingSymbologyIdentifier(_ text: String) -> (identifier: String, data: String)? {
        let scalars = Array(text.unicodeScalars.prefix(3))
        guard scalars.count == 3, scalars[0] == "]", scalars[1].isASCII, scalars[2].isASCII,
            scalars[1].properties.isAlphabetic,
            scalars[2].properties.isAlphabetic || ("0"..."9").contains(scalars[2])
        else { return nil }
        return (
            String(String.UnicodeScalarView(scalars)),
            String(String.UnicodeScalarView(text.unicodeScalars.dropFirst(3)))
        )
    }

    // MARK: Effects

    private mutating func apply(
        _ classified: Classified,
        scan: FloorScan,
        engine: some FloorEngine,
        feedback: inout FloorFeedback
    ) async throws {
        switch classified {
        case let .command(command):
            feedback.kind = "command"
            try await run(command, scan: scan, engine: engine, feedback: &feedback)
        case let .sscc(sscc):
            feedback.kind = "sscc"
            feedback.level = .warning
            feedback.message = "pallet SSCC \(sscc) recognised; pallets are not handled yet: scan the goods"
        case let .unknown(text):
            feedback.kind = "unknown"
            throw FloorRefusal("\"\(Self.printable(text))\" is not a known location, item, order or command")
        case let .location(code):
            feedback.kind = "location"
            try await scanLocation(code, scan: scan, engine: engine, feedback: &feedback)
        case let .order(reference):
            feedback.kind = "order"
            switch mode {
            case .pick:
                order = reference
                feedback.message = "order \(reference)"
                location = nil
                if let next = try await engine.nextPick(order: reference) {
                    pick = next
                    feedback.expectation = Self.instruction(next)
                } else {
                    pick = nil
                    feedback.message = "order \(reference) has nothing left to pick"
                    feedback.level = .warning
                    order = nil
                }
            case .lookup:
                feedback.message = try await engine.describe(.order(reference))
            default:
                throw FloorRefusal("an order label means nothing in \(mode.rawValue) mode: scan DEPOT MODE PICK first")
            }
        case let .item(label):
            feedback.kind = "item"
            try await scanItem(label, scan: scan, engine: engine, feedback: &feedback)
        }
    }

    private mutating func run(
        _ command: FloorCommand,
        scan: FloorScan,
        engine: some FloorEngine,
        feedback: inout FloorFeedback
    ) async throws {
        switch command {
        case let .mode(newMode):
            mode = newMode
            pick = nil
            pendingQuantity = nil
            carried = []
            order = nil
            lastMovements = []
            if newMode != .count { countID = nil }
            if newMode == .lookup || newMode == .pick || newMode == .count { location = nil }
            feedback.message = "mode \(newMode.rawValue)"
        case let .quantity(quantity):
            pendingQuantity = quantity
            feedback.message = "quantity \(quantity) for the next scan"
        case .done:
            if !carried.isEmpty {
                throw FloorRefusal("still carrying goods: scan the destination location, or DEPOT CANCEL")
            }
            if mode == .pick, let order {
                let open = try await engine.openLines(order: order)
                if !open.isEmpty {
                    let left = open.map { "line \($0.lineNo): \($0.remaining) \($0.sku)" }.joined(separator: ", ")
                    guard confirmsLeavingShort else {
                        leaveShortArmed = order
                        feedback.level = .warning
                        feedback.message = "order \(order) is not finished: \(left) left to pick"
                        feedback.expectation = "scan DEPOT DONE again to leave order \(order) short, or go on picking"
                        return
                    }
                    feedback.level = .warning
                    feedback.message = "left order \(order) short: \(left) not picked"
                    self.order = nil
                    pick = nil
                    pendingQuantity = nil
                    lastMovements = []
                    location = nil
                    return
                }
            }
            order = nil
            pick = nil
            pendingQuantity = nil
            lastMovements = []
            feedback.message = "done"
        case .cancel:
            carried = []
            pendingQuantity = nil
            feedback.message = "cancelled: nothing carried, no pending quantity"
        case .undo:
            guard [.receive, .putaway, .move].contains(mode) else {
                throw FloorRefusal("undo is not available in \(mode.rawValue) mode")
            }
            guard !lastMovements.isEmpty else { throw FloorRefusal("nothing to undo") }
            let movements = lastMovements
            let session = write(undoesThisEffect: false) { $0.lastMovements = [] }
            let effect = try await once(scan, feedback: &feedback) {
                try await engine.undo(movements: movements, scanID: scan.id, actor: actor, session: session)
            }
            lastMovements = []
            feedback.movements = effect.movements
            feedback.message = "undone: " + effect.summary
        case let .operatorName(name):
            operatorName = name
            feedback.message = "operator \(name)"
        case let .count(id):
            guard try await engine.countIsOpen(id) else { throw FloorRefusal("count \(id) is not open for counting") }
            mode = .count
            countID = id
            location = nil
            pendingQuantity = nil
            carried = []
            order = nil
            lastMovements = []
            feedback.message = "counting for count \(id)"
        case let .customer(code):
            if let code {
                guard try await engine.customerExists(code) else {
                    throw FloorRefusal("no customer has code \"\(code)\"")
                }
                feedback.message = "working for customer \(code)"
            } else {
                feedback.message = "no customer chosen: a GTIN must name one item"
            }
            customer = code
        }
    }

    private mutating func scanLocation(
        _ code: String,
        scan: FloorScan,
        engine: some FloorEngine,
        feedback: inout FloorFeedback
    ) async throws {
        switch mode {
        case .lookup:
            feedback.message = try await engine.describe(.location(code))
        case .receive:
            // A zone holds no stock: refused at the location scan, not at the first goods scan.
            try await engine.checkStockHolder(location: code)
            location = code
            feedback.message = "receiving into \(code)"
        case .putaway, .move:
            if carried.isEmpty {
                location = code
                feedback.message = "taking goods from \(code)"
                return
            }
            guard let source = location else { throw FloorRefusal("scan the location to take goods from first") }
            guard source != code else {
                throw FloorRefusal("\(code) is where the goods come from: scan the destination")
            }
            // A zone as destination is refused before anything is written; the carry stays.
            try await engine.checkStockHolder(location: code)
            let moves = carried.map {
                FloorMove(sku: $0.sku, lot: $0.lot, from: source, to: code, quantity: $0.quantity)
            }
            let session = write(undoesThisEffect: true) { $0.carried = [] }
            let effect = try await once(scan, feedback: &feedback) {
                try await engine.move(moves, scanID: scan.id, actor: actor, session: session)
            }
            carried = []
            lastMovements = effect.movements
            feedback.movements = effect.movements
            feedback.alerts = effect.alerts
            feedback.message = effect.summary
        case .pick:
            // Directed picking: the instruction names the bin; any other bin is refused with the
            // instruction repeated (a lot at another bin is still accepted by item scan alone when
            // the engine allows it as a FEFO substitute, docs/workflows.md).
            guard order != nil, let pick else { throw FloorRefusal("scan an order first") }
            guard let bin = pick.location else { throw FloorRefusal(Self.instruction(pick)) }
            guard bin == code else {
                throw FloorRefusal("\(code) is not the bin of this pick: \(Self.instruction(pick))")
            }
            location = code
            feedback.message = "at \(code)"
        case .count:
            try await engine.checkStockHolder(location: code)
            location = code
            feedback.message = "counting at \(code)"
        }
    }

    private mutating func scanItem(
        _ label: ItemLabel,
        scan: FloorScan,
        engine: some FloorEngine,
        feedback: inout FloorFeedback
    ) async throws {
        // An explicit DEPOT QTY is the worker's word for this scan and wins over the label's count
        // (37)/(30): that is how a labelled case is broken ("take 6 of a case of 12").
        // The quantity belongs to this goods scan: used up by it, or dropped with its refusal, so a
        // refused scan never leaves a stale DEPOT QTY for the next label.
        let quantity = pendingQuantity ?? label.count ?? 1
        pendingQuantity = nil
        switch mode {
        case .lookup:
            feedback.message = try await engine.describe(.item(sku: label.sku))
        case .receive:
            guard let location else { throw FloorRefusal("scan the receiving location first") }
            let receipt = FloorReceipt(
                sku: label.sku,
                quantity: quantity,
                location: location,
                lot: label.lot,
                expiry: label.expiry,
                bestBefore: label.bestBefore,
                production: label.production
            )
            let session = write(undoesThisEffect: true)
            let effect = try await once(scan, feedback: &feedback) {
                try await engine.receive(receipt, scanID: scan.id, actor: actor, session: session)
            }
            pendingQuantity = nil
            lastMovements = effect.movements
            feedback.movements = effect.movements
            feedback.alerts = effect.alerts
            feedback.message = effect.summary
        case .putaway, .move:
            guard let source = location else { throw FloorRefusal("scan the location to take goods from first") }
            let total = carried.filter { $0.sku == label.sku }.reduce(quantity) { $0 + min($1.quantity, 1 << 53) }
            guard total < 1 << 53 else {
                throw FloorRefusal("carrying \(label.sku) would reach 2^53 base units: scan the destination first")
            }
            // The source is checked now, for everything of this item and lot carried so far: a line
            // the source cannot give is refused here and never joins the carry.
            let sameLine = carried.first { $0.sku == label.sku && $0.lot == label.lot }?.quantity ?? 0
            try await engine.checkSource(
                sku: label.sku,
                lot: label.lot,
                location: source,
                quantity: sameLine + quantity
            )
            if let index = carried.firstIndex(where: { $0.sku == label.sku && $0.lot == label.lot }) {
                carried[index].quantity += quantity
            } else {
                carried.append(CarriedGoods(sku: label.sku, lot: label.lot, quantity: quantity))
            }
            pendingQuantity = nil
            feedback.message = "carrying \(quantity) \(label.sku)\(label.lot.map { " lot \($0)" } ?? "")"
        case .pick:
            guard let order else { throw FloorRefusal("scan an order first") }
            var next: FloorPickInstruction?
            let location = self.location
            let session = write(undoesThisEffect: false) { $0.location = nil }
            let effect = try await once(scan, feedback: &feedback) {
                let (effect, after) = try await engine.confirmPick(
                    order: order,
                    sku: label.sku,
                    lot: label.lot,
                    location: location,
                    quantity: quantity,
                    scanID: scan.id,
                    actor: actor,
                    session: session
                )
                next = after
                return effect
            }
            if effect.duplicate { next = try await engine.nextPick(order: order) }
            pendingQuantity = nil
            // The next pick starts with no bin: it is scanned again against the next instruction.
            self.location = nil
            feedback.movements = effect.movements
            feedback.alerts = effect.alerts
            feedback.message = effect.summary
            if let next {
                pick = next
                feedback.expectation = Self.instruction(next)
            } else {
                feedback.message += "; order \(order) complete"
                feedback.expectation = "order \(order) complete: scan the next order"
                self.order = nil
                pick = nil
            }
        case .count:
            guard let countID else { throw FloorRefusal("scan a DEPOT COUNT label first") }
            guard let location else { throw FloorRefusal("scan the location you count first") }
            let session = write(undoesThisEffect: false)
            let effect = try await once(scan, feedback: &feedback) {
                try await engine.count(
                    countID,
                    sku: label.sku,
                    lot: label.lot,
                    location: location,
                    quantity: quantity,
                    scanID: scan.id,
                    actor: counterIdentity(of: scan),
                    session: session
                )
            }
            pendingQuantity = nil
            feedback.message = effect.summary
        }
    }

    /// Runs an effect; a scan applied before (a replay after a crash) counts as done, so the
    /// session's state moves on exactly as it did the first time, and the feedback says so.
    private func once(
        _ scan: FloorScan,
        feedback: inout FloorFeedback,
        _ effect: () async throws -> FloorEffect
    ) async throws -> FloorEffect {
        do {
            return try await effect()
        } catch let duplicate as FloorDuplicate {
            feedback.level = .warning
            return FloorEffect(
                movements: duplicate.movements,
                summary: "already applied (scan \(scan.id))",
                duplicate: true
            )
        }
    }

    /// "take 3 MILK lot L2 from A-02 (expires 2026-03-05)".
    public static func instruction(_ pick: FloorPickInstruction) -> String {
        guard let location = pick.location else {
            return "line \(pick.lineNo): \(pick.lineRemaining) \(pick.sku) short, nothing reserved: tell a supervisor"
        }
        return "take \(pick.quantity) \(pick.sku)\(pick.lot.map { " lot \($0)" } ?? "") from \(location)"
            + (pick.expiry.map { " (expires \($0))" } ?? "")
    }

    /// Control characters as `<GS>`, `<RS>`, `<EOT>`, `<CR>`, `<LF>`, `<TAB>` or `<0xNN>`.
    public static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x1D: out += "<GS>"
            case 0x1E: out += "<RS>"
            case 0x04: out += "<EOT>"
            case 0x0D: out += "<CR>"
            case 0x0A: out += "<LF>"
            case 0x09: out += "<TAB>"
            case 0..<0x20, 0x7F: out += String(format: "<0x%02X>", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
