import DepotService
import Foundation
import Inventory
import ScannerInput

/// The benchmark's warehouse: items `SKU-0000`… with GTIN-13s (even ones lot- and expiry-tracked),
/// one dock `DOCK-NN` per scanner, the remaining locations storage racks `R-NNN`, and one receipt
/// of every item on a rack.
struct Catalogue: Sendable {
    /// The engine's fixed "now" (expiry dates in the generated labels lie after it).
    static let now = Date(timeIntervalSince1970: 1_772_352_000)  // 2026-03-01T08:00:00Z

    var items: Int
    var locations: Int
    var scanners: Int

    var racks: Int { locations - scanners }

    static func scannerID(_ scanner: Int) -> String { String(format: "bench-%02d", scanner) }
    static func sku(_ item: Int) -> String { String(format: "SKU-%04d", item) }
    static func dock(_ scanner: Int) -> String { String(format: "DOCK-%02d", scanner) }
    static func rack(_ index: Int) -> String { String(format: "R-%03d", index) }
    static func isLotTracked(_ item: Int) -> Bool { item % 2 == 0 }

    /// A valid GTIN-13: 12 data digits and the mod-10 check digit (GS1 General Specifications 7.9.1).
    static func gtin13(_ item: Int) -> String {
        let data = "590" + String(format: "%09d", 100_000_000 + item)
        var sum = 0
        for (index, character) in data.enumerated() {
            sum += character.wholeNumberValue! * (index % 2 == 0 ? 1 : 3)
        }
        return data + String((10 - sum % 10) % 10)
    }

    /// The expiry of a lot, 300 to 599 days after ``now``, as a calendar date.
    static func expiry(lotNumber: Int) -> CalendarDate {
        CalendarDate(Self.now, in: TimeZone(identifier: "UTC")!).adding(days: 300 + lotNumber % 300)
    }

    /// Creates items, locations and opening stock, each one engine transaction as depotctl would.
    func install(in store: InventoryStore) async throws {
        for item in 0..<items {
            let tracked = Self.isLotTracked(item)
            _ = try await store.addItem(
                ItemSpec(
                    sku: Self.sku(item),
                    name: "Bench item \(item)",
                    gtins: [Self.gtin13(item)],
                    lotTracked: tracked,
                    expiryTracked: tracked
                )
            )
        }
        for scanner in 0..<scanners {
            _ = try await store.addLocation(Location(code: Self.dock(scanner), kind: .receiving))
        }
        for rack in 0..<racks {
            _ = try await store.addLocation(Location(code: Self.rack(rack), kind: .storage, pickPriority: rack % 5))
        }
        for item in 0..<items {
            let tracked = Self.isLotTracked(item)
            _ = try await store.receive(
                ReceiveRequest(
                    item: ItemReference(Self.sku(item)),
                    quantity: 100,
                    location: Self.rack(item % racks),
                    lot: tracked ? "OPEN\(item)" : nil,
                    expiry: tracked ? Self.expiry(lotNumber: item) : nil
                ),
                actor: "floor-bench"
            )
        }
    }
}

/// A small deterministic generator (SplitMix64), so every run replays the same shift.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One scanner's shift as label texts: blocks of receiving at its own dock, put-away from the dock
/// to racks, moves between racks (only of goods it put there, so scanners never take each other's
/// stock), and some lookups. Every scan is meant to succeed; a refusal shows up in the report.
struct ShiftGenerator {
    /// An item and, for lot-tracked items, the number of the lot (its code is ``lot``).
    struct Goods: Hashable {
        var item: Int
        var lotNumber: Int?
        var lot: String? { lotNumber.map { "B\($0)" } }
    }
    struct Place: Hashable {
        var location: String
        var goods: Goods
    }

    let catalogue: Catalogue
    let scanner: Int
    var random: SplitMix64
    var lots = 0
    /// What this scanner received and has not yet put away.
    var atDock: [Goods: Int64] = [:]
    /// What this scanner put on racks and has not moved on.
    var onRacks: [Place: Int64] = [:]
    var texts: [String] = []

    init(catalogue: Catalogue, scanner: Int) {
        self.catalogue = catalogue
        self.scanner = scanner
        random = SplitMix64(state: UInt64(scanner) &* 7919 &+ 17)
    }

    /// The first `count` scans of the shift.
    mutating func texts(count: Int) -> [String] {
        while texts.count < count {
            let roll = Int.random(in: 0..<100, using: &random)
            if roll < 30, !atDock.isEmpty {
                putaway()
            } else if roll < 50, !onRacks.isEmpty {
                move()
            } else if roll < 65 {
                lookup()
            } else {
                receive()
            }
        }
        return Array(texts.prefix(count))
    }

    /// The label of `quantity` units of `goods`: GS1-128 with (02), (17), (10) and (37) for
    /// lot-tracked items; otherwise alternately GS1-128 with (02) and (37), or a quantity command
    /// followed by the plain EAN-13.
    mutating func label(_ goods: Goods, quantity: Int64) {
        let gtin14 = "0" + Catalogue.gtin13(goods.item)
        if let lot = goods.lot, let number = goods.lotNumber {
            let expiry = Catalogue.expiry(lotNumber: number)
            let yymmdd = String(format: "%02d%02d%02d", expiry.year % 100, expiry.month, expiry.day)
            texts.append("]C102\(gtin14)17\(yymmdd)10\(lot)\u{1D}37\(quantity)")
        } else if Bool.random(using: &random) {
            texts.append("]C102\(gtin14)37\(quantity)")
        } else {
            texts.append("DEPOT QTY \(quantity)")
            texts.append(Catalogue.gtin13(goods.item))
        }
    }

    mutating func receive() {
        texts.append("DEPOT MODE RECEIVE")
        texts.append(Catalogue.dock(scanner))
        for _ in 0..<Int.random(in: 2...5, using: &random) {
            let item = Int.random(in: 0..<catalogue.items, using: &random)
            var goods = Goods(item: item, lotNumber: nil)
            if Catalogue.isLotTracked(item) {
                // Lot numbers are per scanner, so scanners never share a lot's balance.
                lots += 1
                goods.lotNumber = scanner * 100_000 + lots
            }
            let quantity = Int64.random(in: 1...24, using: &random)
            label(goods, quantity: quantity)
            atDock[goods, default: 0] += quantity
        }
    }

    mutating func putaway() {
        texts.append("DEPOT MODE PUTAWAY")
        texts.append(Catalogue.dock(scanner))
        let chosen = atDock.keys.sorted { ($0.item, $0.lot ?? "") < ($1.item, $1.lot ?? "") }
            .shuffled(using: &random).prefix(Int.random(in: 1...3, using: &random))
        let destination = Catalogue.rack(Int.random(in: 0..<catalogue.racks, using: &random))
        for goods in chosen {
            let have = atDock[goods]!
            let quantity = Int64.random(in: 1...have, using: &random)
            label(goods, quantity: quantity)
            atDock[goods] = have == quantity ? nil : have - quantity
            onRacks[Place(location: destination, goods: goods), default: 0] += quantity
        }
        texts.append(destination)
    }

    mutating func move() {
        texts.append("DEPOT MODE MOVE")
        let places = onRacks.keys.sorted {
            ($0.location, $0.goods.item, $0.goods.lot ?? "") < ($1.location, $1.goods.item, $1.goods.lot ?? "")
        }
        let source = places[Int.random(in: 0..<places.count, using: &random)].location
        var destination = source
        while destination == source {
            destination = Catalogue.rack(Int.random(in: 0..<catalogue.racks, using: &random))
        }
        texts.append(source)
        for place in places.filter({ $0.location == source }).prefix(2) {
            let have = onRacks[place]!
            let quantity = Int64.random(in: 1...have, using: &random)
            label(place.goods, quantity: quantity)
            onRacks[place] = have == quantity ? nil : have - quantity
            onRacks[Place(location: destination, goods: place.goods), default: 0] += quantity
        }
        texts.append(destination)
    }

    mutating func lookup() {
        texts.append("DEPOT MODE LOOKUP")
        let item = Int.random(in: 0..<catalogue.items, using: &random)
        texts.append(Catalogue.gtin13(item))
        texts.append(Catalogue.rack(item % catalogue.racks))
    }
}

/// Turns a scanner's label texts into the evemu-record capture a USB scanner in US keyboard mode
/// would produce: one scan every `period` (the scan's first key), keys `keyInterval` apart.
enum Capture {
    static func recording(
        texts: [String],
        scanner: Int,
        period: Duration,
        keyInterval: Duration
    ) throws -> EvemuRecording {
        var events: [InputEvent] = []
        var end: Duration = .zero
        for (index, text) in texts.enumerated() {
            // A scan that takes longer to type than the period delays the next one.
            let start = max(.seconds(100) + period * index, end + keyInterval)
            let typed = try KeyTyping.events(typing: text, start: start, keyInterval: keyInterval)
            events += typed.events
            end = typed.end
        }
        let keys = (1..<256).compactMap { KeyCode(rawValue: UInt16($0)) }
        let device = EvemuDevice.keyboard(name: "Bench Scanner \(scanner)", vendor: 0x05e0, product: 0x1200, keys: keys)
        return EvemuRecording(device: device, events: events)
    }
}
