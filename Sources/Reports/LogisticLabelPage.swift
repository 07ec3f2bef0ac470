// GS1 logistic labels as PDF pages: one A5 page per unit, text by Pango, barcodes the PNGs
// libzint rendered, placed at the print resolution and never smoothed (as LabelSheet does).
import CPangoCairo

/// One logistic label page: free lines on top, data titles and values in the middle, barcode
/// images at the bottom (the last image lowest: the SSCC, GS1 Logistic Label Guideline 1.3, 3.4).
public struct LogisticLabelPage: Sendable {
    /// Free lines for the top section (ship from, ship to); the first is printed large.
    public var freeLines: [String]
    /// Data title and value pairs of the middle section, e.g. `("SSCC", "106141412345678908")`.
    public var dataLines: [(title: String, value: String)]
    /// PNG files of the barcodes, top to bottom, each with the text printed under it.
    public var barcodes: [LabelSheet.Label]

    /// A page with these sections.
    public init(freeLines: [String], dataLines: [(title: String, value: String)], barcodes: [LabelSheet.Label]) {
        self.freeLines = freeLines
        self.dataLines = dataLines
        self.barcodes = barcodes
    }

    /// Writes `pages` to one PDF at `path` (A5 portrait pages, through a temporary file renamed
    /// at the end); images are drawn at `pixelsPerInch`, smaller only when wider than the page.
    /// - Returns: the page count.
    /// - Throws: ``ReportError/cannotCreate(path:reason:)``; ``ReportError/renderFailed(path:reason:)``
    ///   naming an image that cannot be read.
    public static func write(
        _ pages: [LogisticLabelPage],
        to path: String,
        pixelsPerInch: Double = 300
    ) throws(ReportError) -> Int {
        guard let first = pages.first else {
            throw .renderFailed(path: path, reason: "no label to write")
        }
        let report = try PDFReport(
            path: path,
            title: first.freeLines.first ?? "Logistic unit",
            subtitle: Array(first.freeLines.dropFirst()),
            footer: "GS1 logistic label",
            layout: .a5Portrait
        )
        guard let valueFont = pango_font_description_from_string("DejaVu Sans Bold 13") else {
            throw .renderFailed(path: path, reason: "Pango has no font description for the values")
        }
        defer { pango_font_description_free(valueFont) }
        for (index, page) in pages.enumerated() {
            if index > 0 {
                report.newPage()
                report.text(
                    page.freeLines.first ?? "Logistic unit",
                    font: report.heading,
                    x: report.margin,
                    width: report.contentWidth
                )
                for line in page.freeLines.dropFirst() { report.paragraph(line) }
            }
            let cairo = report.cairo
            report.y += 6
            cairo_set_source_rgb(cairo, 0, 0, 0)
            cairo_set_line_width(cairo, 1)
            cairo_move_to(cairo, report.margin, report.y)
            cairo_line_to(cairo, report.margin + report.contentWidth, report.y)
            cairo_stroke(cairo)
            report.y += 8
            for line in page.dataLines {
                let top = report.y
                report.text(line.title, font: report.bold, x: report.margin, width: 100)
                report.y = top - 3
                report.text(line.value, font: valueFont, x: report.margin + 100, width: report.contentWidth - 100)
                report.y = max(report.y, top + 18) + 2
            }
            // Barcodes from the bottom up, so the last (the SSCC) is lowest.
            let textBottom = report.y
            var bottom = report.bottom
            for label in page.barcodes.reversed() {
                guard let image = cairo_image_surface_create_from_png(label.image),
                    cairo_surface_status(image) == CAIRO_STATUS_SUCCESS
                else {
                    throw .renderFailed(path: path, reason: "cannot read the label image \(label.image)")
                }
                defer { cairo_surface_destroy(image) }
                let pixelsWide = Double(cairo_image_surface_get_width(image))
                let pixelsHigh = Double(cairo_image_surface_get_height(image))
                let scale = min(72 / pixelsPerInch, report.contentWidth / pixelsWide)
                let captionSpace = label.caption.isEmpty ? 0.0 : 14.0
                let top = bottom - captionSpace - pixelsHigh * scale
                cairo_save(cairo)
                cairo_translate(cairo, report.margin + (report.contentWidth - pixelsWide * scale) / 2, top)
                cairo_scale(cairo, scale, scale)
                cairo_set_source_surface(cairo, image, 0, 0)
                cairo_pattern_set_filter(cairo_get_source(cairo), CAIRO_FILTER_NEAREST)
                cairo_paint(cairo)
                cairo_restore(cairo)
                if !label.caption.isEmpty {
                    report.y = bottom - captionSpace + 2
                    report.text(
                        label.caption,
                        font: report.regular,
                        x: report.margin,
                        width: report.contentWidth,
                        align: PANGO_ALIGN_CENTER
                    )
                }
                bottom = top - 12
            }
            if bottom < textBottom {
                throw .renderFailed(path: path, reason: "the label's text and barcodes do not fit an A5 page")
            }
        }
        try report.finish()
        return report.pages
    }
}
