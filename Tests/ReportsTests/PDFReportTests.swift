import Foundation
import Reports
import TestSupport
import Testing

/// PDF reports written by cairo and Pango, read back by poppler (pdftotext, pdfinfo, pdftoppm),
/// an independent reader: the text asked for is on the pages, tables flow over pages with their
/// heading repeated, and a failure leaves no file behind.
@Suite struct PDFReportTests {
    static let poppler = "needs pdftotext, pdfinfo and pdftoppm (Debian poppler-utils, scripts/deps/reports.apt)"

    static let columns = [
        ReportColumn("SKU"), ReportColumn("Lot"), ReportColumn("Expiry"),
        ReportColumn("On hand", style: .number), ReportColumn("Counted", style: .box),
    ]

    @Test(.enabled(if: Prerequisite.runs(PDFReader.isAvailable), Comment(rawValue: poppler)))
    func aLongTableFlowsOverPagesWithItsHeadingOnEach() throws {
        try #require(PDFReader.isAvailable, Comment(rawValue: Self.poppler))
        let directory = try TemporaryDirectory(prefix: "depot-report")
        defer { directory.remove() }
        let path = directory.file("stock.pdf")
        let report = try PDFReport(
            path: path,
            title: "Stock on hand",
            subtitle: ["as of 2026-03-01"],
            footer: "depot test"
        )
        let rows = (1...120).map { n in
            ReportTable.Row(
                ["SKU-\(n)", "L\(n)", "2026-04-\(String(format: "%02d", n % 28 + 1))", "\(n * 7)", "ignored"],
                mark: n % 10 == 0 ? .alarm : nil
            )
        }
        try report.table(ReportTable(columns: Self.columns, rows: rows))
        try report.finish()
        #expect(!FileManager.default.fileExists(atPath: directory.file(".stock.pdf.\(getpid()).tmp")))
        let pages = try PDFReader.pages(path)
        #expect(pages >= 3, "120 rows of about 16 pt on A4 take three pages or more")
        #expect(pages == report.pages)
        let text = try PDFReader.text(path)
        let pageTexts = text.split(separator: "\u{0C}", omittingEmptySubsequences: true).filter {
            !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        #expect(pageTexts.count == pages)
        for (index, page) in pageTexts.enumerated() {
            #expect(page.contains("SKU") && page.contains("On hand"), "page \(index + 1) repeats the heading")
            #expect(page.contains("page \(index + 1)"), "page \(index + 1) is numbered")
        }
        // Every row once, in order, with its quantity; the box column's text is never drawn.
        var searchFrom = text.startIndex
        for n in 1...120 {
            let needle = "SKU-\(n) "
            let range = try #require(text.range(of: needle, range: searchFrom..<text.endIndex), "row \(n)")
            let line = text[range.lowerBound...].prefix { $0 != "\n" }
            #expect(line.contains(" \(n * 7)"), "row \(n): \(line)")
            searchFrom = range.upperBound
        }
        #expect(!text.contains("ignored"))
        #expect(text.contains("Stock on hand") && text.contains("as of 2026-03-01"))
        let png = try PDFReader.renderPage(path, page: 1, to: directory.file("page1"))
        let size = try FileManager.default.attributesOfItem(atPath: png)[.size] as? Int ?? 0
        #expect(size > 10_000, "page 1 renders to a PNG with content (\(size) bytes)")
    }

    @Test(.enabled(if: Prerequisite.runs(PDFReader.isAvailable), Comment(rawValue: poppler)))
    func textInAnyScriptAndLongNamesWrapWithinTheirColumn() throws {
        try #require(PDFReader.isAvailable, Comment(rawValue: Self.poppler))
        let directory = try TemporaryDirectory(prefix: "depot-report")
        defer { directory.remove() }
        let path = directory.file("names.pdf")
        let report = try PDFReport(path: path, title: "Молоко и сыр: Ελληνικά")
        let long = String(repeating: "Wholegrain oat drink ", count: 8)
        try report.table(
            ReportTable(
                columns: [ReportColumn("SKU"), ReportColumn("Name", weight: 2), ReportColumn("Qty", style: .number)],
                rows: [ReportTable.Row(["МОЛОКО-1Л", long, "12"]), ReportTable.Row(["ΓΑΛΑ-2", "γάλα", "3"])]
            )
        )
        try report.finish()
        let text = try PDFReader.text(path)
        #expect(text.contains("Молоко и сыр"))
        #expect(text.contains("МОЛОКО-1Л") && text.contains("ΓΑΛΑ-2") && text.contains("γάλα"))
        // The long name wrapped onto several lines instead of running over the Qty column.
        let lines = text.split(separator: "\n").filter { $0.contains("Wholegrain") }
        #expect(lines.count >= 3, "\(lines)")
    }

    @Test func aRowOfTheWrongWidthIsRefusedAndNoFileIsLeft() throws {
        let directory = try TemporaryDirectory(prefix: "depot-report")
        defer { directory.remove() }
        let path = directory.file("bad.pdf")
        do {
            let report = try PDFReport(path: path, title: "Bad")
            #expect(throws: ReportError.rowShape(row: 2, cells: 1, columns: 5)) {
                try report.table(
                    ReportTable(columns: Self.columns, rows: [.init(["a", "b", "c", "d", "e"]), .init(["x"])])
                )
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func aMissingDirectoryIsNamedWithItsCause() throws {
        #expect(throws: ReportError.cannotCreate(path: "/nonexistent-depot/x.pdf", reason: "No such file or directory"))
        {
            _ = try PDFReport(path: "/nonexistent-depot/x.pdf", title: "X")
        }
    }
}
