import Foundation
import GRDB
import Inventory
import Testing

/// Codes are safe text: invisible characters, mixed scripts and look-alikes of existing codes
/// are refused naming the field and the value; honest codes in any one script pass.
@Suite("Code safety")
struct CodeSafetyTests {
    func refusal(_ body: () async throws -> Void) async -> (field: String, value: String, reason: String)? {
        do {
            try await body()
            return nil
        } catch let InventoryError.invalidValue(field, value, reason) {
            return (field, value, reason)
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test(arguments: [
        "MI\u{200B}LK", "MILK\u{200D}", "\u{FEFF}MILK", "MI\u{00AD}LK", "MILK\u{FE0F}", "MI\u{00A0}LK",
        "MI\u{2060}LK", "MILK\u{E000}", "MI\u{200E}LK", "MI\u{2800}LK", "MILK\u{FFFD}", "MILK\u{FFFC}",
    ])
    func invisibleCharactersInSKUsAreRefused(sku: String) async throws {
        try await withStore { store in
            let refused = await refusal { try await store.addItem(ItemSpec(sku: sku, name: "Milk")) }
            #expect(refused?.field == "sku")
            #expect(refused?.reason.contains("invisible character U+") == true, "\(String(describing: refused))")
            #expect(refused?.value.contains("<U+") == true)
        }
    }

    @Test func invisibleCharactersInLocationCodesAreRefused() async throws {
        try await withStore { store in
            let refused = await refusal { try await store.addLocation(Location(code: "A-\u{200B}01", kind: .storage)) }
            #expect(refused?.field == "code")
            #expect(refused?.value == "A-<U+200B>01")
            #expect(refused?.reason.contains("U+200B ZERO WIDTH SPACE") == true)
        }
    }

    @Test func mixedScriptsAreRefused() async throws {
        try await withStore { store in
            // Cyrillic а (U+0430) among Latin letters.
            let refused = await refusal { try await store.addItem(ItemSpec(sku: "MILK-\u{0430}", name: "Milk")) }
            #expect(refused?.field == "sku")
            #expect(refused?.value == "MILK-\u{0430}")
            #expect(refused?.reason.contains("Latin and Cyrillic") == true)
        }
    }

    /// Compatibility forms are another spelling of plain text (NFKC): refused with the plain
    /// spelling named, even where no code looks like it yet.
    @Test(arguments: [("ＡＢＣ-1", "ABC-1"), ("ﬁLM-2", "fiLM-2"), ("BOX-m²", "BOX-m2"), ("ℌ-7", "H-7")])
    func compatibilityFormsAreRefusedWithThePlainSpelling(sku: String, plain: String) async throws {
        try await withStore { store in
            let refused = await refusal { try await store.addItem(ItemSpec(sku: sku, name: "Wide")) }
            #expect(refused?.field == "sku")
            #expect(refused?.value == sku)
            #expect(refused?.reason.contains("write \"\(plain)\"") == true, "\(String(describing: refused))")
            // The plain spelling itself is a good code.
            try await store.addItem(ItemSpec(sku: plain, name: "Plain"))
        }
    }

    /// A dash other than the hyphen-minus cannot be typed or scanned as the code it reads as:
    /// refused with the plain spelling, even where no code looks like it yet.
    @Test(arguments: [
        ("ABC\u{2013}9", "U+2013 EN DASH"), ("ABC\u{2010}9", "U+2010 HYPHEN"), ("ABC\u{2212}9", "U+2212 MINUS SIGN"),
        ("ABC\u{058A}9", "U+058A ARMENIAN HYPHEN"), ("ABC\u{301C}9", "U+301C WAVE DASH"),
        ("ABC\u{3030}9", "U+3030 WAVY DASH"), ("ABC\u{2E17}9", "U+2E17 DOUBLE OBLIQUE HYPHEN"),
    ])
    func aDashOtherThanTheHyphenMinusIsRefused(sku: String, named: String) async throws {
        try await withStore { store in
            let refused = await refusal { try await store.addItem(ItemSpec(sku: sku, name: "Dash")) }
            #expect(refused?.field == "sku")
            #expect(refused?.reason.contains(named) == true, "\(String(describing: refused))")
            #expect(refused?.reason.contains("write \"ABC-9\"") == true, "\(String(describing: refused))")
        }
    }

    @Test func lookalikeOfAnExistingSKUIsRefusedEitherWay() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "CAT-10", name: "Cat food"))
            // All-Cyrillic С А Т: one script, but reads as CAT-10.
            let cyrillic = "\u{0421}\u{0410}\u{0422}-10"
            let refused = await refusal { try await store.addItem(ItemSpec(sku: cyrillic, name: "Fake")) }
            #expect(refused?.field == "sku")
            #expect(refused?.value == cyrillic)
            #expect(refused?.reason.contains("\"CAT-10\"") == true)
            // Fullwidth forms too.
            let fullwidth = await refusal { try await store.addItem(ItemSpec(sku: "ＣＡＴ-10", name: "Fake")) }
            #expect(fullwidth?.reason.contains("\"CAT-10\"") == true)
            // The other way round: a Greek code first, then its Latin look-alike.
            try await store.addItem(ItemSpec(sku: "\u{0391}\u{0392}-1", name: "Greek"))
            let latin = await refusal { try await store.addItem(ItemSpec(sku: "AB-1", name: "Latin")) }
            #expect(latin?.reason.contains("\u{0391}\u{0392}-1") == true)
        }
    }

    /// A hyphen, en dash or minus sign where the existing code has a hyphen-minus reads the same.
    @Test(arguments: [
        "A\u{2010}01", "A\u{2011}01", "A\u{2013}01", "A\u{2014}01", "A\u{2015}01", "A\u{2212}01", "A\u{23AF}01",
        "A\u{2E3A}01", "A\u{2574}01", "A\u{10191}01", "A\u{30FC}01",
    ])
    func aDashLookalikeOfAnExistingLocationIsRefused(code: String) async throws {
        try await withStore { store in
            try await store.addLocation(Location(code: "A-01", kind: .storage))
            let refused = await refusal { try await store.addLocation(Location(code: code, kind: .storage)) }
            #expect(
                refused?.field == "code" && refused?.reason.contains("\"A-01\"") == true,
                "\(String(describing: refused))"
            )
        }
    }

    /// A code that is, or starts with, a combining mark renders as nothing or over what precedes it.
    @Test(arguments: ["\u{0301}", "\u{0301}AB", "\u{20DD}1"])
    func aCodeStartingWithACombiningMarkIsRefused(code: String) async throws {
        try await withStore { store in
            let refused = await refusal { try await store.addItem(ItemSpec(sku: code, name: "Mark")) }
            #expect(
                refused?.field == "sku" && refused?.reason.contains("combining mark") == true,
                "\(String(describing: refused))"
            )
            // An accented letter (one code point in NFC) and a vowel sign of its own script pass.
            try await store.addItem(ItemSpec(sku: "\u{00C9}-1", name: "Accent"))
            try await store.addItem(ItemSpec(sku: "\u{0915}\u{093F}-1", name: "Devanagari"))
        }
    }

    @Test func lookalikeLocationIsRefused() async throws {
        try await withStore { store in
            try await store.addLocation(Location(code: "BAY-7", kind: .storage))
            let refused = await refusal {
                try await store.addLocation(Location(code: "\u{0412}\u{0410}Y-7", kind: .storage))
            }
            #expect(refused == nil || refused?.field == "code")
            // В А are Cyrillic, Y Latin: refused as mixed scripts or as a look-alike, never stored.
            #expect(refused != nil)
        }
    }

    /// Same-script look-alikes (Unicode TR39 confusables.txt, by ICU's skeleton): a digit zero
    /// for the letter O, a digit one or capital I for a small l, "rn" for "m".
    @Test(arguments: [("BOLT", "B0LT"), ("B0LT", "BOLT"), ("l-10", "1-10"), ("I-10", "l-10"), ("arm-1", "arrn-1")])
    func aSameScriptLookalikeOfAnExistingSKUIsRefused(existing: String, new: String) async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: existing, name: "First"))
            let refused = await refusal { try await store.addItem(ItemSpec(sku: new, name: "Second")) }
            #expect(refused?.field == "sku", "\(String(describing: refused))")
            #expect(refused?.value == new)
            #expect(refused?.reason.contains("\"\(existing)\"") == true)
            #expect(try await store.items().map(\.sku) == [existing])
        }
    }

    @Test func aDigitForALetterInALocationCodeIsRefused() async throws {
        try await withStore { store in
            try await store.addLocation(Location(code: "A-01-01", kind: .storage))
            let refused = await refusal { try await store.addLocation(Location(code: "A-O1-01", kind: .storage)) }
            #expect(refused?.field == "code" && refused?.reason.contains("\"A-01-01\"") == true)
            // Codes that differ in a way a reader sees still pass.
            try await store.addLocation(Location(code: "A-01-02", kind: .storage))
        }
    }

    /// A lot is compared with the item's own lots: a Cyrillic look-alike of one is refused, a
    /// supplier's ASCII lot that differs by a zero for an O is not (GS1 AI 10 allows both, and
    /// depot does not choose the supplier's codes), and another item's lots do not count.
    @Test func aLotIsComparedWithTheItemsOwnLots() async throws {
        try await withStore { store in
            try await store.addStorage("A-01")
            try await store.addItem(ItemSpec(sku: "TEA", name: "Tea", lotTracked: true))
            try await store.addItem(ItemSpec(sku: "RICE", name: "Rice", lotTracked: true))
            try await store.receive("TEA", 5, at: "A-01", lot: "TEXA")
            let cyrillic = "\u{0422}\u{0415}\u{0425}\u{0410}"  // Т Е Х А
            let refused = await refusal { try await store.receive("TEA", 5, at: "A-01", lot: cyrillic) }
            #expect(refused?.field == "lot", "\(String(describing: refused))")
            #expect(refused?.value == cyrillic)
            #expect(refused?.reason.contains("\"TEXA\"") == true)
            try await store.receive("TEA", 5, at: "A-01", lot: "TEXA")  // the same lot again
            try await store.receive("TEA", 5, at: "A-01", lot: "TE0A")
            try await store.receive("RICE", 5, at: "A-01", lot: cyrillic)
            let teaLots = try await store.lots(of: ItemReference("TEA")).map(\.lot.code).sorted()
            #expect(teaLots == ["TE0A", "TEXA"])
        }
    }

    /// A database from before the skeleton column gets its codes' skeletons when it is opened,
    /// so a look-alike of a code written before the upgrade is refused too.
    @Test func theMigrationFillsTheSkeletonsOfExistingCodes() async throws {
        let fixture = try StoreFixture()
        defer { fixture.tearDown() }
        try await fixture.store.addItem(ItemSpec(sku: "BOLT", name: "Bolt"))
        try await fixture.store.addLocation(Location(code: "A-01", kind: .storage))
        try fixture.store.close()
        let queue = try DatabaseQueue(path: fixture.path)
        try await queue.write { db in
            try db.execute(
                sql: """
                    DROP INDEX item_skeleton; DROP INDEX location_skeleton; DROP INDEX lot_skeleton;
                    ALTER TABLE item DROP COLUMN skeleton; ALTER TABLE location DROP COLUMN skeleton;
                    ALTER TABLE lot DROP COLUMN skeleton;
                    DELETE FROM grdb_migrations WHERE identifier = 'v9-code-skeleton';
                    """
            )
        }
        try queue.close()
        let store = try fixture.reopen(now: morning)
        defer { try? store.close() }
        let item = await refusal { try await store.addItem(ItemSpec(sku: "B0LT", name: "Fake")) }
        #expect(item?.reason.contains("\"BOLT\"") == true, "\(String(describing: item))")
        let location = await refusal { try await store.addLocation(Location(code: "A-O1", kind: .storage)) }
        #expect(location?.reason.contains("\"A-01\"") == true, "\(String(describing: location))")
    }

    /// A dot above on i or j, or a stroke through a letter, makes it read as another letter.
    @Test(arguments: ["pi\u{0307}n", "j\u{0307}ar", "BOL\u{0337}T", "A\u{0335}1"])
    func aMisleadingMarkIsRefused(code: String) async throws {
        try await withStore { store in
            let refused = await refusal { try await store.addItem(ItemSpec(sku: code, name: "Mark")) }
            #expect(
                refused?.field == "sku" && refused?.reason.contains("makes a letter read as another") == true,
                "\(String(describing: refused))"
            )
        }
    }

    @Test func twoSpacesInARowAreRefused() async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "ZZ Z", name: "One space"))
            let refused = await refusal { try await store.addItem(ItemSpec(sku: "ZZ  Z", name: "Two")) }
            #expect(
                refused?.field == "sku" && refused?.reason.contains("two spaces") == true,
                "\(String(describing: refused))"
            )
        }
    }

    /// A combining mark on a digit, a sign or a space, or one left over on a Latin letter after
    /// composition, renders as a speck a label may drop: `SKU-001\u{301}` beside `SKU-001`.
    @Test(arguments: [
        "SKU-001\u{0301}", "LOT-A1\u{0301}", "A-\u{0301}1", "\u{00C9}\u{0301}X", "Q\u{0303}-1", "A \u{20DD}1",
    ])
    func aStrayCombiningMarkIsRefused(code: String) async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "SKU-001", name: "Plain"))
            let refused = await refusal { try await store.addItem(ItemSpec(sku: code, name: "Mark")) }
            #expect(
                refused?.field == "sku" && refused?.reason.contains("holds the combining mark U+") == true,
                "\(String(describing: refused))"
            )
            let location = await refusal { try await store.addLocation(Location(code: code, kind: .storage)) }
            #expect(
                location?.field == "code" && location?.reason.contains("combining mark") == true,
                "\(String(describing: location))"
            )
        }
    }

    @Test(arguments: ["MILK-1", "Käse-200", "Молоко-1", "牛乳-3", "Γάλα-2", "A 1", "हिन्दी-1", "ไม้-2"])
    func honestCodesPass(sku: String) async throws {
        try await withStore { store in
            let item = try await store.addItem(ItemSpec(sku: sku, name: "Item"))
            #expect(item.sku == sku)
        }
    }

    /// IPA and phonetic letters (small capitals among them) pass for ordinary Latin letters, and a
    /// mark on one is refused too; a spacing mark on a digit is a stray mark like a nonspacing one.
    @Test(arguments: [
        ("SK\u{1D1C}-001", "phonetic letter U+1D1C"), ("\u{029F}OT-A1", "phonetic letter U+029F"),
        ("sk\u{0269}\u{0307}-1", "phonetic letter U+0269"), ("SKU-001\u{0903}", "combining mark U+0903"),
        ("SKU-\u{A7AE}1\u{0301}", "combining mark U+0301"),
    ])
    func phoneticLettersAndMarksOnThemAreRefused(sku: String, named: String) async throws {
        try await withStore { store in
            try await store.addItem(ItemSpec(sku: "SKU-001", name: "Plain"))
            let refused = await refusal { try await store.addItem(ItemSpec(sku: sku, name: "Look-alike")) }
            #expect(
                refused?.field == "sku" && refused?.reason.contains(named) == true,
                "\(String(describing: refused))"
            )
        }
    }
}
