import Foundation

/// One balance the allocation rule may take from (docs/allocation.md, "Candidates").
public struct AllocationCandidate: Sendable, Equatable {
    /// Row id of the balance in the store's stock table; last tie-break of the order.
    public var stockId: Int64
    /// Lot code, or nil for stock received without a lot.
    public var lot: String?
    /// Expiry date of the lot (GS1 AI 17), a calendar date; nil when undated (FEFO puts these last).
    public var expiry: CalendarDate?
    /// nil for stock received without a lot (always available).
    public var lotStatus: LotStatus?
    /// Code of the location holding the balance.
    public var location: String
    /// Kind of that location; only `storage` and `picking` are allocatable, others are `not_pickable`.
    public var locationKind: LocationKind
    /// Pick priority of the location: lower is picked first among equal candidates.
    public var pickPriority: Int
    /// When the goods arrived (UTC instant); the FIFO key and the first FEFO tie-break.
    public var receivedAt: Date
    /// On hand, base units.
    public var quantity: Int64
    /// Reserved by orders, base units (≤ quantity).
    public var reserved: Int64
    /// Whether the location holds other locations (a zone): then its stock is `not_pickable`
    /// whatever its kind (stock left there from before zones were enforced).
    public var inZone: Bool
    /// Whether an open blind count covers the balance: then it is `counting`, not allocated until
    /// the count closes (docs/counts.md, "Blind counts").
    public var underBlindCount: Bool

    /// Creates a candidate from its fields as given; validates nothing and throws nothing.
    public init(
        stockId: Int64,
        lot: String?,
        expiry: CalendarDate?,
        lotStatus: LotStatus?,
        location: String,
        locationKind: LocationKind,
        pickPriority: Int,
        receivedAt: Date,
        quantity: Int64,
        reserved: Int64,
        inZone: Bool = false,
        underBlindCount: Bool = false
    ) {
        self.inZone = inZone
        self.underBlindCount = underBlindCount
        self.stockId = stockId
        self.lot = lot
        self.expiry = expiry
        self.lotStatus = lotStatus
        self.location = location
        self.locationKind = locationKind
        self.pickPriority = pickPriority
        self.receivedAt = receivedAt
        self.quantity = quantity
        self.reserved = reserved
    }
}

/// What to allocate.
public struct AllocationRequest: Sendable, Equatable {
    /// Base units wanted, > 0.
    public var quantity: Int64
    /// FEFO or FIFO ordering of the candidates.
    public var policy: AllocationPolicy
    /// Date D of the rule: "today" in the warehouse's calendar.
    public var today: CalendarDate
    /// Required remaining shelf life in days: the larger of the item's and the request's minimum.
    public var requiredShelfLifeDays: Int
    /// Whether a short allocation is returned instead of refused.
    public var allowPartial: Bool

    /// Creates a request from its fields as given; validates nothing and throws nothing.
    public init(
        quantity: Int64,
        policy: AllocationPolicy,
        today: CalendarDate,
        requiredShelfLifeDays: Int,
        allowPartial: Bool
    ) {
        self.quantity = quantity
        self.policy = policy
        self.today = today
        self.requiredShelfLifeDays = requiredShelfLifeDays
        self.allowPartial = allowPartial
    }
}

/// One line of an allocation with the key values that put it in its place.
public struct AllocationLine: Sendable, Codable, Equatable {
    /// Row id of the balance taken from.
    public var stockId: Int64
    /// Lot code, or nil for stock without a lot.
    public var lot: String?
    /// Code of the location to take from.
    public var location: String
    /// Base units taken from this balance.
    public var quantity: Int64
    /// Expiry date of the lot, a calendar date; nil when undated.
    public var expiry: CalendarDate?
    /// Days from today to expiry (nil without expiry).
    public var daysLeft: Int?
    /// When the balance's goods arrived (UTC instant).
    public var receivedAt: Date
    /// Pick priority of the location (lower first).
    public var pickPriority: Int
}

/// A balance (or part of it) the rule did not take, and why.
public struct SkippedStock: Sendable, Codable, Equatable {
    /// Lot code, or nil for stock without a lot.
    public var lot: String?
    /// Code of the location holding the skipped stock.
    public var location: String
    /// Base units kept away for `reason`.
    public var quantity: Int64
    /// Why it was kept away (checked in the order given at ``AllocationRule/plan(sku:candidates:request:)``).
    public var reason: ExclusionReason
    /// Expiry date of the lot, a calendar date; nil when undated.
    public var expiry: CalendarDate?
    /// Days from today to expiry (negative when expired; nil without expiry).
    public var daysLeft: Int?
}

/// The result of the allocation rule: the lines in allocation order and the explanation.
public struct AllocationPlan: Sendable, Codable, Equatable {
    /// The policy that ordered the lines.
    public var policy: AllocationPolicy
    /// Date D the rule used as today, a calendar date in the warehouse's calendar.
    public var today: CalendarDate
    /// Required remaining shelf life in days that was applied.
    public var requiredShelfLifeDays: Int
    /// Base units requested.
    public var requested: Int64
    /// Base units allocatable in total (before the greedy fill stops).
    public var allocatable: Int64
    /// Base units in ``lines``.
    public var allocated: Int64
    /// Lines in allocation order; their quantities sum to ``allocated``.
    public var lines: [AllocationLine]
    /// Units kept away, by reason.
    public var excluded: [ExclusionReason: Int64]
    /// Every balance or part of one that was kept away, with its reason.
    public var skipped: [SkippedStock]
    /// Whether stock an open blind count covers is left out of ``allocatable``, ``excluded`` and
    /// ``skipped`` because the caller is below the count's supervisor role (the lines stay: they
    /// are what the caller takes); false otherwise.
    public var hiddenStock = false

    /// requested − allocated (0 when complete).
    public var shortfall: Int64 { requested - allocated }
}

/// The one allocation rule for every entry point (docs/allocation.md).
public enum AllocationRule {
    /// Orders the candidates, excludes what may not be allocated, and fills greedily.
    ///
    /// Exclusions, checked in this order for each balance: location not `storage`/`picking`
    /// (`not_pickable`), lot `blocked`, lot `quarantine` (`quarantined`), expiry before today
    /// (`expired`), fewer days to expiry than required (`shelf_life`), then the reserved part
    /// (`reserved`). FEFO order: expiry ascending with undated lots last, then receipt time,
    /// pick priority, location code, lot code, stock id; FIFO: receipt time, then the same
    /// tie-breaks.
    /// - Throws: ``InventoryError/allocationShort(sku:requested:allocatable:excluded:)`` when
    ///   too little is allocatable and `allowPartial` is false (`sku` is filled from `sku`).
    public static func plan(
        sku: String,
        candidates: [AllocationCandidate],
        request: AllocationRequest
    ) throws(InventoryError) -> AllocationPlan {
        var excluded: [ExclusionReason: Int64] = [:]
        var skipped: [SkippedStock] = []
        var usable: [(candidate: AllocationCandidate, free: Int64, daysLeft: Int?)] = []
        for candidate in candidates {
            let daysLeft = candidate.expiry.map { request.today.days(until: $0) }
            func skip(_ quantity: Int64, _ reason: ExclusionReason) {
                guard quantity > 0 else { return }
                excluded[reason, default: 0] += quantity
                skipped.append(
                    SkippedStock(
                        lot: candidate.lot,
                        location: candidate.location,
                        quantity: quantity,
                        reason: reason,
                        expiry: candidate.expiry,
                        daysLeft: daysLeft
                    )
                )
            }
            if let reason = exclusion(
                of: candidate,
                today: request.today,
                requiredShelfLifeDays: request.requiredShelfLifeDays
            ) {
                skip(candidate.quantity, reason)
                continue
            }
            skip(candidate.reserved, .reserved)
            let free = candidate.quantity - candidate.reserved
            if free > 0 { usable.append((candidate, free, daysLeft)) }
        }
        usable.sort { precedes($0.candidate, $1.candidate, policy: request.policy) }
        skipped.sort { ($0.reason, $0.location, $0.lot ?? "") < ($1.reason, $1.location, $1.lot ?? "") }

        let allocatable = usable.reduce(0) { $0 + $1.free }
        if allocatable < request.quantity && !request.allowPartial {
            throw .allocationShort(sku: sku, requested: request.quantity, allocatable: allocatable, excluded: excluded)
        }
        var lines: [AllocationLine] = []
        var remaining = request.quantity
        for entry in usable where remaining > 0 {
            let take = min(entry.free, remaining)
            remaining -= take
            let c = entry.candidate
            lines.append(
                AllocationLine(
                    stockId: c.stockId,
                    lot: c.lot,
                    location: c.location,
                    quantity: take,
                    expiry: c.expiry,
                    daysLeft: entry.daysLeft,
                    receivedAt: c.receivedAt,
                    pickPriority: c.pickPriority
                )
            )
        }
        return AllocationPlan(
            policy: request.policy,
            today: request.today,
            requiredShelfLifeDays: request.requiredShelfLifeDays,
            requested: request.quantity,
            allocatable: allocatable,
            allocated: request.quantity - remaining,
            lines: lines,
            excluded: excluded,
            skipped: skipped
        )
    }

    /// Why a whole balance may not be allocated on `today`, or nil when it may (its reserved
    /// part aside, which ``plan(sku:candidates:request:)`` excludes as `reserved`).
    ///
    /// The first reason that applies, in this order: location not `storage`/`picking`, or a
    /// zone (`notPickable`), under an open blind count (`counting`), lot `blocked`, lot `quarantine` (`quarantined`), expiry before `today`
    /// (`expired`), fewer than `requiredShelfLifeDays` days from `today` to expiry
    /// (`shelfLife`). Stock without a lot (nil status, nil expiry) can only be `notPickable`.
    /// Every entry point that decides whether stock may ship (planning, re-allocation of
    /// reservations, a picker's lot substitution) asks this function (docs/allocation.md, section 1).
    public static func exclusion(
        of candidate: AllocationCandidate,
        today: CalendarDate,
        requiredShelfLifeDays: Int
    ) -> ExclusionReason? {
        if !candidate.locationKind.isPickable || candidate.inZone { return .notPickable }
        if candidate.underBlindCount { return .counting }
        if candidate.lotStatus == .blocked { return .blocked }
        if candidate.lotStatus == .quarantine { return .quarantined }
        if let expiry = candidate.expiry {
            let daysLeft = today.days(until: expiry)
            if daysLeft < 0 { return .expired }
            if daysLeft < requiredShelfLifeDays { return .shelfLife }
        }
        return nil
    }

    /// The sentence a floor worker or a clerk reads when stock is kept away for `reason`,
    /// e.g. `Lot L4 expired on 2026-02-28`. `lot` nil is stock without a lot; `expiry` is the
    /// lot's calendar date; `requiredShelfLifeDays` is quoted for `shelfLife`.
    public static func explain(
        _ reason: ExclusionReason,
        lot: String?,
        location: String,
        expiry: CalendarDate?,
        requiredShelfLifeDays: Int
    ) -> String {
        let what = lot.map { "Lot \($0)" } ?? "Stock without lot"
        switch reason {
        case .notPickable: return "\(what) at \(location) is not in a storage or picking location"
        case .blocked: return "\(what) is blocked"
        case .quarantined: return "\(what) is in quarantine"
        case .expired: return "\(what) expired on \(expiry?.description ?? "-")"
        case .shelfLife:
            return "\(what) expires \(expiry?.description ?? "-"), fewer than \(requiredShelfLifeDays) days left"
        case .reserved: return "\(what) at \(location) is reserved by other orders"
        case .counting: return "\(what) at \(location) is under an open blind count (not allocated until it closes)"
        }
    }

    /// Whether `a` comes strictly before `b` in the policy's first key: FEFO compares expiry
    /// dates (earliest first, undated lots after every dated one), FIFO compares receipt times.
    /// A picker may take `b` instead of the allocated `a` only when this is false: the
    /// substitute may tie with the allocated stock but not come after it.
    public static func outranks(_ a: AllocationCandidate, _ b: AllocationCandidate, policy: AllocationPolicy) -> Bool {
        switch policy {
        case .fefo: return expiresBefore(a.expiry, b.expiry)
        case .fifo: return a.receivedAt < b.receivedAt
        }
    }

    /// FEFO's expiry order: `a` strictly before `b`; dated before undated; two undated are equal.
    public static func expiresBefore(_ a: CalendarDate?, _ b: CalendarDate?) -> Bool {
        switch (a, b) {
        case let (x?, y?): return x < y
        case (.some, nil): return true
        case (nil, _): return false
        }
    }

    /// The allocation order of two candidates under a policy.
    public static func precedes(_ a: AllocationCandidate, _ b: AllocationCandidate, policy: AllocationPolicy) -> Bool {
        if policy == .fefo, a.expiry != b.expiry { return expiresBefore(a.expiry, b.expiry) }
        if a.receivedAt != b.receivedAt { return a.receivedAt < b.receivedAt }
        if a.pickPriority != b.pickPriority { return a.pickPriority < b.pickPriority }
        if a.location != b.location { return a.location < b.location }
        if a.lot != b.lot { return (a.lot ?? "") < (b.lot ?? "") }
        return a.stockId < b.stockId
    }
}
