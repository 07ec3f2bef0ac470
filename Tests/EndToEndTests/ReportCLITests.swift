import Foundation
import TestSupport
import Testing

/// `depotctl report stock` and `depotctl count sheet` through the built binaries; every PDF is
/// read back by poppler (pdftotext for the words, pdftoppm for the row colours), not by the
/// library that wrote it.
@Suite(.serialized) struct ReportCLITests {
    static let poppler = "needs pdftotext, pdfinfo and pdftoppm (Debian poppler-utils, scripts/deps/reports.apt)"

    /// The row colours of docs/reports.md as pdftoppm renders them.
    static let red: (UInt8, UInt8, UInt8) = (0xF4, 0xCC, 0xCC)
    static let amber: (UInt8, UInt8, UInt8) = (0xFC, 0xE5, 0xCD)
    static let grey: (UInt8, UInt8, UInt8) = (0xE6, 0xE6, 0xE6)

    /// Received on 2026-03-01: MILK lots M2 (expiry 2026-03-10, 37 at A-01 and 58 at A-02) and
    /// M3 (2026-06-30, 61 at A-02), YOG lot Y1 (2026-03-20, 29, quarantined), BOLT 500 without a lot.
    static func warehouse(_ daemon: DaemonProcess) throws {
        for (code, parent) in [("Z", nil), ("A-01", "Z"), ("A-02", "Z")] as [(String, String?)] {
            try CLITests.expectOK(
                daemon.ctl(["location", "add", code, "--kind", "storage"] + (parent.map { ["--parent", $0] } ?? []))
            )
        }
        try CLITests.expectOK(
            daemon.ctl("item", "add", "MILK", "--name", "Whole milk 1 L", "--lot-tracked", "--expiry-tracked")
        )
        try CLITests.expectOK(
            daemon.ctl("item", "add", "YOG", "--name", "Йогурт натуральный", "--lot-tracked", "--expiry-tracked")
        )
        try CLITests.expectOK(daemon.ctl("item", "add", "BOLT", "--name", "Hex bolt M8"))
        for (sku, qty, location, lot, expiry) in [
            ("MILK", "37", "A-01", "M2", "2026-03-10"), ("MILK", "58", "A-02", "M2", "2026-03-10"),
            ("MILK", "61", "A-02", "M3", "2026-06-30"), ("YOG", "29", "A-02", "Y1", "2026-03-20"),
        ] {
            try CLITests.expectOK(
                daemon.ctl(
                    "receive",
                    "--item",
                    sku,
                    "--qty",
                    qty,
                    "--location",
                    location,
                    "--lot",
                    lot,
                    "--expiry",
                    expiry
                )
            )
        }
        try CLITests.expectOK(daemon.ctl("receive", "--item", "BOLT", "--qty", "500", "--location", "A-01"))
        try CLITests.expectOK(daemon.ctl("lot", "quarantine", "YOG", "Y1", "--reason", "damaged cartons"))
    }

    @Test(.enabled(if: Prerequisite.runs(PDFReader.isAvailable), Comment(rawValue: poppler)))
    func theStockReportListsLotsInFEFOOrderAndMarksExpiredExpiringAndHeldOnes() throws {
        try #require(PDFReader.isAvailable, Comment(rawValue: Self.poppler))
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.warehouse(daemon)
        #expect(daemon.stop() == 0)
        // Two weeks on: M2 expired five days ago, Y1 (held) has five days left, M3 107.
        try daemon.start(now: "2026-03-15T09:00:00Z")
        let path = daemon.directory.file("stock.pdf")
        let result = CLITests.expectOK(try daemon.ctl("report", "stock", "-o", path, "--days", "30"))
        #expect(result.stdout == "\(path)\t1 page, 4 rows\n", "\(result)")
        let text = try PDFReader.text(path)
        #expect(text.contains("depotd's today 2026-03-15"), "\(text)")
        #expect(text.contains("3 items, 4 lots and lot-less balances, 685 units on hand, 0 reserved."), "\(text)")
        #expect(
            text.contains("Expired (red): 1. Expiring within 30 days (amber): 1. Quarantined or blocked (grey): 1."),
            "\(text)"
        )
        let rows = text.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
        func row(_ lot: String) throws -> [String] {
            try #require(rows.first { $0.contains(lot) }, "row of \(lot) in \(text)")
        }
        let m2Row = try row("M2")
        let m3Row = try row("M3")
        let y1Row = try row("Y1")
        let bolt = try row("(no")
        #expect(m2Row.contains("-5") && m2Row.contains("95") && m2Row.contains("available"), "\(m2Row)")
        #expect(m3Row.contains("107") && m3Row.contains("61"), "\(m3Row)")
        #expect(y1Row.contains("quarantine") && y1Row.contains("5") && y1Row.contains("29"), "\(y1Row)")
        #expect(bolt.contains("500"), "BOLT without a lot: \(bolt)")
        // FEFO order within an item: the expired M2 before M3.
        let m2 = try #require(text.range(of: "M2"))
        let m3 = try #require(text.range(of: "M3"))
        #expect(m2.lowerBound < m3.lowerBound)
        // The marks, in colour: M2 red, Y1 grey (held wins over expiring), M3 unmarked at 30 days.
        let page = try PDFReader.pixels(path, in: daemon.directory.path)
        #expect(page.count(red: Self.red.0, green: Self.red.1, blue: Self.red.2) > 500)
        #expect(page.count(red: Self.grey.0, green: Self.grey.1, blue: Self.grey.2) > 500)
        #expect(page.count(red: Self.amber.0, green: Self.amber.1, blue: Self.amber.2) == 0)
        // With a 120-day window M3 is expiring too: amber appears.
        CLITests.expectOK(try daemon.ctl("report", "stock", "-o", path, "--days", "120"))
        let wide = try PDFReader.pixels(path, in: daemon.directory.path)
        #expect(wide.count(red: Self.amber.0, green: Self.amber.1, blue: Self.amber.2) > 500)
        // One item only.
        CLITests.expectOK(try daemon.ctl("report", "stock", "-o", path, "--item", "YOG"))
        let one = try PDFReader.text(path)
        #expect(one.contains("Y1") && !one.contains("M2") && !one.contains("BOLT"), "\(one)")
    }

    @Test(.enabled(if: Prerequisite.runs(PDFReader.isAvailable), Comment(rawValue: poppler)))
    func aBlindCountSheetShowsNoQuantitiesAndAnOpenOneShowsTheExpected() throws {
        try #require(PDFReader.isAvailable, Comment(rawValue: Self.poppler))
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        try Self.warehouse(daemon)
        let blind = try CountCLITests.start(daemon, "--location", "Z", "--blind")
        let path = daemon.directory.file("sheet.pdf")
        let result = CLITests.expectOK(try daemon.ctl("count", "sheet", blind, "-o", path))
        #expect(result.stdout == "\(path)\t1 page, 5 lines, blind\n", "\(result)")
        let text = try PDFReader.text(path)
        #expect(text.contains("Count \(blind): Z") && text.contains("Blind count"), "\(text)")
        for word in ["A-01", "A-02", "MILK", "YOG", "BOLT", "M2", "M3", "Y1", "Йогурт", "Counted", "Initials"] {
            #expect(text.contains(word), "\(word) in \(text)")
        }
        let words = Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        for quantity in ["37", "58", "61", "29", "95", "500", "Expected"] {
            #expect(!words.contains(quantity), "a blind sheet shows no \(quantity): \(text)")
        }
        // Walking order: A-01's lines before A-02's.
        let first = try #require(text.range(of: "A-01"))
        let second = try #require(text.range(of: "A-02"))
        #expect(first.lowerBound < second.lowerBound)
        // An open (not blind) count's sheet has the expected quantities at its start.
        CLITests.expectOK(try daemon.ctl("count", "cancel", blind))
        let open = try CountCLITests.start(daemon, "--location", "A-02")
        CLITests.expectOK(try daemon.ctl("count", "sheet", open, "-o", path))
        let openText = try PDFReader.text(path)
        for quantity in ["Expected", "58", "61", "29"] {
            #expect(openText.contains(quantity), "\(quantity) in \(openText)")
        }
        #expect(!openText.contains("Blind count"))
    }

    @Test func refusalsNameTheFieldOrThePathAndWriteNothing() throws {
        let daemon = try DaemonProcess()
        defer { daemon.cleanUp() }
        try daemon.start()
        let missing = try daemon.ctl("report", "stock", "-o", "/nonexistent-depot/stock.pdf")
        #expect(
            missing.status == 1 && missing.stderr.contains("/nonexistent-depot/stock.pdf: No such file or directory"),
            "\(missing)"
        )
        let days = try daemon.ctl("report", "stock", "-o", daemon.directory.file("x.pdf"), "--days=-1")
        #expect(days.status == 2 && days.stderr.contains("--days: -1"), "\(days)")
        let suffix = try daemon.ctl("report", "stock", "-o", daemon.directory.file("x.txt"))
        #expect(suffix.status == 2 && suffix.stderr.contains("does not end in .pdf"), "\(suffix)")
        let unknown = try daemon.ctl("count", "sheet", "99", "-o", daemon.directory.file("x.pdf"))
        #expect(unknown.status == 1 && unknown.stderr.contains("99"), "\(unknown)")
        let item = try daemon.ctl("report", "stock", "-o", daemon.directory.file("x.pdf"), "--item", "NOPE")
        #expect(item.status == 1 && item.stderr.contains("NOPE"), "\(item)")
        #expect(!FileManager.default.fileExists(atPath: daemon.directory.file("x.pdf")))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: daemon.directory.path).allSatisfy {
                !$0.hasSuffix(".tmp")
            }
        )
    }
}
