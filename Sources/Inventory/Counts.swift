import Foundation

// Stock counts (docs/counts.md): sessions that snapshot the expected stock of a scope, lines
// counted "as of" the moment they were counted, review against thresholds, recounts, and
// approval that posts each line's variance on top of today's stock.

/// Where a count session is in its life.
///
/// `open` (counting) → `submitted` (the counters say they are done; review) → `approved`
/// (adjustments posted) or `cancelled` (nothing posted). A recount sends a submitted session
/// back to `open` for the named lines.
public enum CountStatus: String, Sendable, Codable, CaseIterable {
    /// `open`: counting; `submitted`: under review; `approved`: adjustments posted; `cancelled`: nothing
    /// posted.
    case open, submitted, approved, cancelled
}

/// Where one count line is.
public enum CountLineState: String, Sendable, Codable, CaseIterable {
    /// Not counted yet (in this pass).
    case uncounted
    /// Counted; the count stands.
    case counted
    /// Its count is beyond the session's thresholds (or goods moved on it while it was being
    /// counted) and it must be recounted before approval.
    case recountRequired = "recount_required"
}

/// How a recorded quantity combines with what was counted before on the same line.
public enum CountEntryMode: String, Sendable, Codable, CaseIterable {
    /// The quantity replaces the line's counted quantity (CLI `count record`).
    case set
    /// The quantity is added to the line's counted quantity (CLI `count record --add`, and every
    /// scan in a scanner's `count` mode).
    case add
}

/// Who looks at a count: decides whether expected quantities are shown (docs/counts.md, "Blind counts").
public enum CountAudience: String, Sendable, Codable {
    /// The people (and scanner feedback) doing the counting: in a blind session they never see
    /// expected quantities or variances while the session is open.
    case counter
    /// Clerks and admins reviewing the count: always see everything.
    case reviewer
}

/// When a line's variance is large enough that it must be recounted before approval.
///
/// A line is beyond the thresholds when |variance| > ``maxUnits``, or when it had an expected
/// quantity above zero and |variance| / expected × 100 > ``maxPercent``. Lines expected at zero
/// (stock found where the books had none) are judged by ``maxUnits`` only.
public struct CountThresholds: Sendable, Codable, Equatable {
    /// Largest |variance| in base units that needs no recount, ≥ 0.
    public var maxUnits: Int64
    /// Largest |variance| in percent of the expected quantity that needs no recount, ≥ 0.
    public var maxPercent: Double

    /// The defaults: 10 units, 10 percent.
    public static let standard = CountThresholds(maxUnits: 10, maxPercent: 10)

    /// Creates thresholds as given (`maxUnits` base units, `maxPercent` percent); validates nothing and
    /// throws nothing.
    public init(maxUnits: Int64, maxPercent: Double) {
        self.maxUnits = maxUnits
        self.maxPercent = maxPercent
    }

    /// Whether a variance against `expected` is beyond these thresholds.
    public func exceeded(variance: Int64, expected: Int64) -> Bool {
        if variance.magnitude > maxUnits.magnitude { return true }
        guard expected > 0 else { return false }
        return Double(variance.magnitude) * 100 / Double(expected) > maxPercent
    }
}

/// When a recounted line may be approved (docs/counts.md, "Recounts"). A line on its first count
/// needs a recount when it is beyond the thresholds or moved while counted. A recounted line
/// (pass 1 or more) is accepted when
/// 1. its count is within the thresholds of the expected quantity, or
/// 2. it agrees, within the thresholds, with the line's previous count — in a session that asks
///    for a recount by another person (`recountByOther`), only when nobody who counted it also
///    counted the previous count: one person agreeing with themselves proves nothing there, or
/// 3. it is the line's `acceptAfterCounts`-th count or later and nobody who counted it counted
///    any earlier count of the line (a new counter).
///
/// The counters of a count are everyone with an entry in that pass of the line (identity: the
/// caller's uid, or the scanner and its assigned operator; never a scanned operator name), see
/// ``CountCounters``. Otherwise the line needs another recount.
public enum CountRecountRule {
    /// The default number of counts after which a count by a new counter is accepted: 3.
    public static let standardAcceptAfterCounts = 3

    /// Whether a line with these counts needs (another) recount before approval.
    /// - Parameters:
    ///   - pass: 0 for the first count, n for the n-th recount.
    ///   - counted, expected: base units; `prior` the previous count (nil on pass 0).
    ///   - movedWhileCounting: the expected quantity changed between the first entry and the last.
    ///   - counters: who made this count and the earlier ones.
    ///   - recountByOther: the session asks for a recount by another person.
    public static func needsRecount(
        pass: Int,
        counted: Int64,
        expected: Int64,
        prior: Int64?,
        movedWhileCounting: Bool,
        counters: CountCounters,
        recountByOther: Bool,
        thresholds: CountThresholds,
        acceptAfterCounts: Int
    ) -> Bool {
        let beyond = thresholds.exceeded(variance: counted - expected, expected: expected)
        if pass == 0 { return beyond || movedWhileCounting }
        if !beyond { return false }
        if let prior, !thresholds.exceeded(variance: counted - prior, expected: prior),
            !recountByOther || counters.priorByOthers
        {
            return false
        }
        return !(pass + 1 >= acceptAfterCounts && counters.new)
    }
}

/// Who made a recounted line's counts, as ``CountRecountRule`` asks it. The counters of a count are
/// the actors of every entry in that pass of the line (read from the `countEntry` table by one SQL
/// definition, `CountCounterSQL`), so a count added to by two people has two counters.
public struct CountCounters: Sendable, Hashable {
    /// Nobody who counted this count counted the previous one.
    public var priorByOthers: Bool
    /// Nobody who counted this count counted any earlier count of the line.
    public var new: Bool

    /// Creates the facts as given; validates nothing and throws nothing.
    public init(priorByOthers: Bool, new: Bool) {
        self.priorByOthers = priorByOthers
        self.new = new
    }
}

/// A new count session as a clerk asks for it.
public struct CountStartRequest: Sendable, Codable, Equatable {
    /// Code of the location to count; its children are in scope too.
    public var location: String
    /// Only this item (SKU or GTIN); nil counts every item in scope.
    public var item: ItemReference?
    /// Counters do not see expected quantities until the session is submitted.
    public var blind: Bool
    /// Expected lines not counted by submission count as zero.
    public var full: Bool
    /// Recount thresholds; nil takes the store's defaults (``CountThresholds/standard``).
    public var thresholds: CountThresholds?
    /// A recount must be done by someone other than the line's first counter.
    public var recountByOther: Bool
    /// The count of a line (2 or more; default ``CountRecountRule/standardAcceptAfterCounts``) that
    /// is accepted although it agrees with nothing, when its counter differs from the line's
    /// earlier counters (docs/counts.md, "Recounts").
    public var acceptAfterCounts: Int

    /// Creates a request; `location` a location code, `item` a SKU or GTIN (nil: every item). Validates
    /// nothing and throws nothing.
    public init(
        location: String,
        item: ItemReference? = nil,
        blind: Bool = false,
        full: Bool = false,
        thresholds: CountThresholds? = nil,
        recountByOther: Bool = false,
        acceptAfterCounts: Int = CountRecountRule.standardAcceptAfterCounts
    ) {
        self.location = location
        self.item = item
        self.blind = blind
        self.full = full
        self.thresholds = thresholds
        self.recountByOther = recountByOther
        self.acceptAfterCounts = acceptAfterCounts
    }
}

/// One counting entry: "I count `quantity` of this item (and lot) at this location".
///
/// This is also the entry point of scanner-driven counting (the floor's `count` mode): each item
/// scan becomes a `CountEntry` with ``mode`` `.add` and the quantity from GS1 AI (37)/(30), a
/// preceding quantity scan, or 1, passed to ``InventoryStore/recordCount(_:actor:)``.
public struct CountEntry: Sendable, Codable, Equatable {
    /// The count session id.
    public var count: Int64
    /// Location code; must lie in the session's scope.
    public var location: String
    /// SKU or GTIN; must be the session's item when it has one.
    public var item: ItemReference
    /// Lot code; may be omitted when the session knows one lot (or untracked stock) of the item there.
    public var lot: String?
    /// Base units: 0 ≤ q < 2^53 for `set`, 0 < q < 2^53 for `add`.
    public var quantity: Int64
    /// Whether `quantity` replaces (`set`) or adds to (`add`) the line's counted quantity.
    public var mode: CountEntryMode

    /// Creates an entry (`quantity` in base units); validates nothing and throws nothing
    /// (``InventoryStore/recordCount(_:actor:)`` validates).
    public init(
        count: Int64,
        location: String,
        item: ItemReference,
        lot: String? = nil,
        quantity: Int64,
        mode: CountEntryMode = .set
    ) {
        self.count = count
        self.location = location
        self.item = item
        self.lot = lot
        self.quantity = quantity
        self.mode = mode
    }
}

/// One line of a count: an (item, lot, location) with what the books expected and what was counted.
///
/// Quantities in base units. The fields marked "expectation" are nil when hidden from the
/// audience (blind session, counter, not yet submitted) and for lines not counted yet.
public struct CountLine: Sendable, Codable, Equatable {
    /// Line number within the session, from 1 (snapshot lines by location, SKU, lot; then found lines).
    public var line: Int
    /// SKU of the counted item.
    public var sku: String
    /// Lot code, or nil for stock without a lot.
    public var lot: String?
    /// Code of the location the line is counted at.
    public var location: String
    /// Expectation: on hand at the session's start (0 for a line nobody expected).
    public var expectedAtStart: Int64?
    /// Expectation: on hand of this (item, lot, location) at the moment the line was counted
    /// (the start snapshot plus every movement posted before the count).
    public var expected: Int64?
    /// Counted quantity, nil while uncounted.
    public var counted: Int64?
    /// Expectation: counted − expected.
    public var variance: Int64?
    /// Expectation: variance in percent of expected; nil when expected is 0.
    public var variancePercent: Double?
    /// Expectation: whether the variance is beyond the session's thresholds.
    public var beyondThreshold: Bool?
    /// Where the line is. Hidden as `counted` from counters of an open blind session.
    public var state: CountLineState
    /// 0 for the first count, n for the n-th recount.
    public var pass: Int
    /// Whether the line was found by counting (not in the start snapshot).
    public var unexpected: Bool
    /// Whether goods of this line moved between its first and last entry in this pass (such a
    /// count is ambiguous, so it must be recounted).
    public var movedWhileCounting: Bool
    /// When and by whom the standing count was last entered (UTC, `uid:N` / `scanner:...`).
    public var countedAt: Date?
    /// Who entered the standing count (`uid:N` / `scanner:...`); nil while uncounted.
    public var countedBy: String?
    /// Who counted the line in its first pass (set once the line is recounted).
    public var firstCountedBy: String?
    /// Ledger position (last movement id) when the standing count was entered.
    public var ledgerPosition: Int64?
}

/// Sums over a session's lines. Expectation sums are nil when hidden.
public struct CountTotals: Sendable, Codable, Equatable {
    /// Number of lines in the session.
    public var lines: Int
    /// Number of lines with a counted quantity.
    public var counted: Int
    /// Number of lines without a counted quantity (lines − counted).
    public var uncounted: Int
    /// Expectation: counted lines with a non-zero variance.
    public var withVariance: Int?
    /// Expectation: lines that must be recounted before approval.
    public var recountRequired: Int?
    /// Expectation: Σ expected at start over all lines.
    public var expectedAtStart: Int64?
    /// Expectation: Σ expected over counted lines.
    public var expected: Int64?
    /// Σ counted.
    public var countedQuantity: Int64
    /// Expectation: Σ variance (net).
    public var variance: Int64?
    /// Expectation: Σ |variance|.
    public var absoluteVariance: Int64?
}

/// A count session with its lines.
public struct CountSession: Sendable, Codable, Equatable {
    /// Session id; adjustments posted on approval carry reference `count-ID`.
    public var id: Int64
    /// The counted location (its children are in scope too).
    public var location: String
    /// The only item counted, nil for all items.
    public var item: String?
    /// Whether counters do not see expected quantities until the session is submitted.
    public var blind: Bool
    /// Whether expected lines not counted by submission count as zero.
    public var full: Bool
    /// Whether a recount must be done by someone other than the line's first counter.
    public var recountByOther: Bool
    /// Where the session is in its life.
    public var status: CountStatus
    /// The session's recount thresholds (the request's, or ``CountThresholds/standard``).
    public var thresholds: CountThresholds
    /// Ledger position (last movement id) at the start snapshot.
    public var snapshotPosition: Int64
    /// When the session was started (UTC instant).
    public var startedAt: Date
    /// Who started it (`uid:N` / `scanner:...`).
    public var startedBy: String
    /// When it was submitted (UTC instant); nil while not submitted.
    public var submittedAt: Date?
    /// Who submitted it; nil while not submitted.
    public var submittedBy: String?
    /// When and by whom it was approved or cancelled.
    public var closedAt: Date?
    /// Who approved or cancelled it; nil while open or submitted.
    public var closedBy: String?
    /// Whether expected quantities and variances were left out for the audience.
    public var expectationsHidden: Bool
    /// The lines, by line number.
    public var lines: [CountLine]
    /// Sums over the lines (expectation sums nil when hidden).
    public var totals: CountTotals

    /// Whether `audience` may see expected quantities: always in a non-blind session, and in a
    /// blind one only for reviewers or once the session is no longer open (docs/counts.md).
    public func expectationsVisible(to audience: CountAudience) -> Bool {
        !blind || audience == .reviewer || status != .open
    }

    /// This session as `audience` may see it: expectations removed when not visible
    /// (``expectationsVisible(to:)``), and recount states shown as `counted`.
    public func visible(to audience: CountAudience) -> CountSession {
        guard !expectationsVisible(to: audience) else { return self }
        var copy = self
        copy.expectationsHidden = true
        copy.lines = lines.map { $0.hidingExpectations() }
        copy.totals = CountTotals(
            lines: totals.lines,
            counted: totals.counted,
            uncounted: totals.uncounted,
            countedQuantity: totals.countedQuantity
        )
        return copy
    }
}

extension CountLine {
    /// The line without expected quantities, variances or threshold verdicts.
    public func hidingExpectations() -> CountLine {
        var copy = self
        copy.expectedAtStart = nil
        copy.expected = nil
        copy.variance = nil
        copy.variancePercent = nil
        copy.beyondThreshold = nil
        copy.movedWhileCounting = false
        if copy.state == .recountRequired { copy.state = .counted }
        return copy
    }
}

/// A session without its lines, for lists.
public struct CountSummary: Sendable, Codable, Equatable {
    /// Session id.
    public var id: Int64
    /// The counted location's code (its children are in scope too).
    public var location: String
    /// SKU of the only item counted, nil for all items.
    public var item: String?
    /// Whether the session is blind.
    public var blind: Bool
    /// Whether uncounted expected lines count as zero.
    public var full: Bool
    /// Where the session is in its life.
    public var status: CountStatus
    /// When the session was started (UTC instant).
    public var startedAt: Date
    /// Who started it (`uid:N` / `scanner:...`).
    public var startedBy: String
    /// Number of lines in the session.
    public var lines: Int
    /// Number of lines with a counted quantity.
    public var counted: Int
}

/// What one counting entry did.
public struct CountRecordResult: Sendable, Codable, Equatable {
    /// The session id and whether it is blind (feedback must then use ``visible(to:)``).
    public var count: Int64
    /// Whether the session is blind.
    public var blind: Bool
    /// The session's status after the entry.
    public var status: CountStatus
    /// The line as it stands after the entry (with expectations; see ``visible(to:)``).
    public var line: CountLine

    /// This result as `audience` may see it (blind and open: expectations removed).
    public func visible(to audience: CountAudience) -> CountRecordResult {
        guard blind, audience == .counter, status == .open else { return self }
        var copy = self
        copy.line = line.hidingExpectations()
        return copy
    }
}

/// What approval did: the approved session, its adjustment movements and the lines left unchanged.
public struct CountApproval: Sendable, Codable, Equatable {
    /// The session after approval (status `approved`).
    public var count: CountSession
    /// One `adjust` movement per line with a variance (reference `count-ID`, reason `count ID`).
    public var movements: [Movement]
    /// Lines never counted in a session that is not `full`: their stock was left as it is.
    public var unchanged: [CountLine]
}

/// A location with a cycle-count frequency.
public struct CountSchedule: Sendable, Codable, Equatable {
    /// Location code.
    public var location: String
    /// Days between counts (> 0), nil when the location is not cycle-counted.
    public var everyDays: Int?
    /// Calendar date of the last approved count covering the whole location.
    public var lastCounted: CalendarDate?
}

/// A location due for its cycle count.
public struct DueCount: Sendable, Codable, Equatable {
    /// Location code.
    public var location: String
    /// Days between counts, > 0.
    public var everyDays: Int
    /// Calendar date of the last approved count covering the whole location; nil when never counted.
    public var lastCounted: CalendarDate?
    /// lastCounted + everyDays; today when never counted.
    public var dueOn: CalendarDate
    /// today − dueOn, ≥ 0 (0: due today).
    public var daysOverdue: Int
}

/// Why an approval could not post a line's variance on today's stock.
public struct CountLineConflict: Sendable, Codable, Equatable, CustomStringConvertible {
    /// What makes the variance impossible to post.
    public enum Reason: String, Sendable, Codable {
        /// On hand today + variance < 0: the count must have been wrong (more left since it was counted).
        case negative
        /// The decrease would take units reserved by open orders (adjust never takes reserved units).
        case reserved
    }
    /// Line number within the session, from 1.
    public var line: Int
    /// SKU of the line's item.
    public var sku: String
    /// Lot code, or nil for stock without a lot.
    public var lot: String?
    /// Code of the line's location.
    public var location: String
    /// On hand of the line's (item, lot, location) today, base units.
    public var onHand: Int64
    /// Reserved by open orders today, base units.
    public var reserved: Int64
    /// The line's variance (counted − expected), base units.
    public var variance: Int64
    /// Why the variance cannot be posted.
    public var reason: Reason

    /// Creates a conflict from its fields as given; validates nothing and throws nothing.
    public init(
        line: Int,
        sku: String,
        lot: String?,
        location: String,
        onHand: Int64,
        reserved: Int64,
        variance: Int64,
        reason: Reason
    ) {
        self.line = line
        self.sku = sku
        self.lot = lot
        self.location = location
        self.onHand = onHand
        self.reserved = reserved
        self.variance = variance
        self.reason = reason
    }

    public var description: String {
        let what = "line \(line) (\(sku)\(lot.map { " lot \($0)" } ?? "") at \(location))"
        switch reason {
        case .negative:
            return "\(what): variance \(variance) on \(onHand) on hand today would go below zero"
        case .reserved:
            return "\(what): variance \(variance) would take reserved units (\(onHand) on hand, \(reserved) reserved)"
        }
    }
}

/// What count operations refuse. Nothing is written when one is thrown.
public enum CountError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No count session has this id.
    case unknownCount(Int64)
    /// The session's status does not allow the operation (`action`: record, submit, recount, approve, cancel).
    case wrongStatus(count: Int64, status: CountStatus, action: String)
    /// The location or item is outside the session's scope.
    case outOfScope(count: Int64, field: String, value: String)
    /// The session has no line with this number.
    case unknownLine(count: Int64, line: Int)
    /// Lines beyond the thresholds (or moved while counted) must be recounted before approval.
    case recountRequired(count: Int64, lines: [Int])
    /// A recount entry by one of the line's first counters in a session that asks for a different one.
    case sameCounter(count: Int64, line: Int, actor: String)
    /// Approval would drive a balance below zero or into reserved units.
    case conflicts(count: Int64, lines: [CountLineConflict])

    public var description: String {
        switch self {
        case let .unknownCount(id):
            return "no count has id \(id)"
        case let .wrongStatus(count, status, action):
            return "count \(count) is \(status.rawValue): cannot \(action) it"
        case let .outOfScope(count, field, value):
            return "\(field) \"\(value)\" is not in the scope of count \(count)"
        case let .unknownLine(count, line):
            return "count \(count) has no line \(line)"
        case let .recountRequired(count, lines):
            // "line 1" or "lines 1, 4" in the sentence; the command's --lines takes "1,4".
            let named = (lines.count == 1 ? "line " : "lines ") + lines.map(String.init).joined(separator: ", ")
            let list = lines.map(String.init).joined(separator: ",")
            return
                "count \(count): \(named) must be recounted before approval (depotctl count recount \(count) --lines \(list))"
        case let .sameCounter(count, line, actor):
            return "count \(count) line \(line) must be recounted by someone other than its first counter \(actor)"
        case let .conflicts(count, lines):
            let list = lines.map { String($0.line) }.joined(separator: ",")
            return "count \(count) cannot be approved: " + lines.map(\.description).joined(separator: "; ")
                + " (recount \(lines.count == 1 ? "it" : "them"): depotctl count recount \(count) --lines \(list))"
        }
    }
}
