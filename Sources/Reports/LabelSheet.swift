// Label images placed on A4 sheets: a grid of cells, each an image (a barcode rendered to PNG by
// libzint) at a fixed print resolution, with a caption under it (cairo_image_surface_create_from_png(3)).
import CPangoCairo

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A4 portrait sheets of labels: ``columns`` × ``rows`` cells a page, filled left to right, top
/// to bottom. Each image is drawn at ``pixelsPerInch`` (300: a 4-pixel module is 0.34 mm, the
/// size it has on a 300 dpi label printer), smaller only when it would not fit its cell, and
/// never smoothed (nearest-neighbour, so bars keep their edges).
public struct LabelSheet: Sendable {
    /// One label: a PNG file and the caption printed under it.
    public struct Label: Sendable {
        /// Path of the PNG image.
        public var image: String
        /// Text under the image (the barcode's content in words), empty for none.
        public var caption: String

        /// A label of `image` captioned `caption`.
        public init(image: String, caption: String) {
            self.image = image
            self.caption = caption
        }
    }

    /// Cells across a page, 1 to 4.
    public var columns: Int
    /// Cells down a page, 1 to 10.
    public var rows: Int
    /// The print resolution images are drawn at, in pixels per inch.
    public var pixelsPerInch: Double

    /// A sheet of `columns` × `rows` cells a page at `pixelsPerInch`.
    public init(columns: Int = 2, rows: Int = 6, pixelsPerInch: Double = 300) {
        self.columns = min(max(columns, 1), 4)
        self.rows = min(max(rows, 1), 10)
        self.pixelsPerInch = pixelsPerInch
    }

    /// Writes `labels` to the PDF at `path` (through a temporary file beside it, renamed at the
    /// end) and returns the page count.
    /// - Throws: ``ReportError/cannotCreate(path:reason:)`` when the file cannot be made,
    ///   ``ReportError/renderFailed(path:reason:)`` when an image cannot be read (naming it) or
    ///   cairo fails.
    public func write(_ labels: [Label], to path: String, title: String) throws(ReportError) -> Int {
        let report = try PDFReport(path: path, title: title, footer: title, layout: .a4Portrait)
        let margin = report.margin
        let top = report.y
        let cellWidth = report.contentWidth / Double(columns)
        let cellHeight = (report.bottom - top) / Double(rows)
        for (index, label) in labels.enumerated() {
            let slot = index % (columns * rows)
            if index > 0 && slot == 0 { report.newPage() }
            let pageTop = report.pages == 1 ? top : margin
            let height = report.pages == 1 ? cellHeight : (report.bottom - margin) / Double(rows)
            let x = margin + Double(slot % columns) * cellWidth
            let y = pageTop + Double(slot / columns) * height
            guard let image = cairo_image_surface_create_from_png(label.image),
                cairo_surface_status(image) == CAIRO_STATUS_SUCCESS
            else {
                throw .renderFailed(path: path, reason: "cannot read the label image \(label.image)")
            }
            defer { cairo_surface_destroy(image) }
            let pixelsWide = Double(cairo_image_surface_get_width(image))
            let pixelsHigh = Double(cairo_image_surface_get_height(image))
            let captionSpace = label.caption.isEmpty ? 0.0 : 14.0
            let room = (width: cellWidth - 12, height: height - 12 - captionSpace)
            var scale = 72 / pixelsPerInch
            scale = min(scale, room.width / pixelsWide, room.height / pixelsHigh)
            let drawnWidth = pixelsWide * scale
            let drawnHeight = pixelsHigh * scale
            let left = x + (cellWidth - drawnWidth) / 2
            let cairo = report.cairo
            cairo_save(cairo)
            cairo_translate(cairo, left, y + 6)
            cairo_scale(cairo, scale, scale)
            cairo_set_source_surface(cairo, image, 0, 0)
            cairo_pattern_set_filter(cairo_get_source(cairo), CAIRO_FILTER_NEAREST)
            cairo_paint(cairo)
            cairo_restore(cairo)
            if !label.caption.isEmpty {
                report.y = y + 6 + drawnHeight + 2
                report.text(
                    label.caption,
                    font: report.regular,
                    x: x + 6,
                    width: cellWidth - 12,
                    align: PANGO_ALIGN_CENTER
                )
            }
            // A thin cutting guide around the cell.
            cairo_set_source_rgb(cairo, 0.8, 0.8, 0.8)
            cairo_set_line_width(cairo, 0.3)
            cairo_rectangle(cairo, x, y, cellWidth, height)
            cairo_stroke(cairo)
        }
        try report.finish()
        return report.pages
    }
}
