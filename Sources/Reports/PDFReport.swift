// PDF documents for people: tables that flow over A4 pages, laid out by Pango on cairo's PDF
// surface (cairo_pdf_surface_create(3), pango_cairo_show_layout(3)).
import CPangoCairo

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a report was not written. The file at the path is then what it was before (nothing, or
/// an earlier report): a report is written to a temporary file beside it and renamed at the end.
public enum ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The temporary file beside `path` could not be created (cairo's status text, or errno's).
    case cannotCreate(path: String, reason: String)
    /// Cairo failed while drawing or finishing the PDF (cairo_status_to_string(3)).
    case renderFailed(path: String, reason: String)
    /// A table's row has another number of cells than the table has columns.
    case rowShape(row: Int, cells: Int, columns: Int)

    /// A sentence naming the path and the cause.
    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason): "cannot write the report \(path): \(reason)"
        case .renderFailed(let path, let reason): "rendering the report \(path) failed: \(reason)"
        case .rowShape(let row, let cells, let columns): "report row \(row) has \(cells) cells for \(columns) columns"
        }
    }
}

/// Page size and orientation, in PostScript points (1/72 inch): ISO 216 A4.
public enum PageLayout: Sendable {
    /// 595.28 × 841.89 pt.
    case a4Portrait
    /// 841.89 × 595.28 pt.
    case a4Landscape
    /// ISO 216 A5, 419.53 × 595.28 pt (148 × 210 mm): the usual size of a pallet's GS1 logistic
    /// label (GS1 Logistic Label Guideline 1.3, 3.6).
    case a5Portrait

    var size: (width: Double, height: Double) {
        switch self {
        case .a4Portrait: (595.28, 841.89)
        case .a4Landscape: (841.89, 595.28)
        case .a5Portrait: (419.53, 595.28)
        }
    }
}

/// One column of a ``ReportTable``.
public struct ReportColumn: Sendable {
    /// How a column's cells are drawn.
    public enum Style: Sendable {
        /// Text from the left edge (codes, names, dates).
        case text
        /// Text from the right edge (quantities, days).
        case number
        /// An empty box to write in by hand (a paper count's counted quantity); its cells' text is
        /// not drawn.
        case box
    }

    /// The heading, drawn bold and repeated at the top of every page the table runs onto.
    public var title: String
    /// Share of the table's width, relative to the other columns' weights.
    public var weight: Double
    /// How the cells are drawn.
    public var style: Style

    /// A column titled `title` taking `weight` shares of the width.
    public init(_ title: String, weight: Double = 1, style: Style = .text) {
        self.title = title
        self.weight = weight
        self.style = style
    }
}

/// How a row is marked: a background colour with its meaning in the report's legend.
public enum RowMark: Sendable, Equatable {
    /// Light red (#F4CCCC): expired, or refused.
    case alarm
    /// Light amber (#FCE5CD): expiring soon.
    case warning
    /// Light grey (#E6E6E6): not available (quarantine, blocked).
    case muted

    var rgb: (Double, Double, Double) {
        switch self {
        case .alarm: (0xF4 / 255.0, 0xCC / 255.0, 0xCC / 255.0)
        case .warning: (0xFC / 255.0, 0xE5 / 255.0, 0xCD / 255.0)
        case .muted: (0xE6 / 255.0, 0xE6 / 255.0, 0xE6 / 255.0)
        }
    }
}

/// A table: columns and rows of text cells. Rows are as tall as their tallest cell (text wraps
/// within its column) and at least ``minimumRowHeight``.
public struct ReportTable: Sendable {
    /// One row: a cell per column and an optional mark.
    public struct Row: Sendable {
        /// The cells' text, one per column.
        public var cells: [String]
        /// The row's background, nil for none.
        public var mark: RowMark?

        /// A row of `cells`, marked `mark`.
        public init(_ cells: [String], mark: RowMark? = nil) {
            self.cells = cells
            self.mark = mark
        }
    }

    /// The columns, left to right.
    public var columns: [ReportColumn]
    /// The rows, top to bottom.
    public var rows: [Row]
    /// The least height of a row in points (a count sheet gives room to write: 22 pt).
    public var minimumRowHeight: Double

    /// A table of `columns` and `rows`.
    public init(columns: [ReportColumn], rows: [Row] = [], minimumRowHeight: Double = 0) {
        self.columns = columns
        self.rows = rows
        self.minimumRowHeight = minimumRowHeight
    }
}

/// A PDF document being written: a title block, then paragraphs and tables that flow over
/// pages; every page carries a footer (`footer` text and the page number). Not thread-safe: one
/// owner draws, then calls ``finish()``.
///
/// Text is laid out by Pango (any script the installed fonts cover; DejaVu Sans by default) as
/// plain text, never as markup. Units are points.
public final class PDFReport {
    /// Where the finished report goes.
    public let path: String
    let temporaryPath: String
    let layout: PageLayout
    let footer: String
    /// Margin on every side, in points.
    let margin = 36.0
    /// Space kept for the footer at the bottom, in points.
    let footerHeight = 18.0
    let surface: OpaquePointer
    let cairo: OpaquePointer
    let regular: OpaquePointer
    let bold: OpaquePointer
    let heading: OpaquePointer
    var y: Double
    /// Pages begun so far (the current one included).
    public private(set) var pages = 1
    var finished = false

    /// Starts a report at `path` (written to a temporary file beside it until ``finish()``) with
    /// `title` in large bold type and `subtitle` lines under it.
    /// - Throws: ``ReportError/cannotCreate(path:reason:)`` when the temporary file cannot be made.
    public init(
        path: String,
        title: String,
        subtitle: [String] = [],
        footer: String = "",
        layout: PageLayout = .a4Portrait
    ) throws(ReportError) {
        self.path = path
        self.layout = layout
        self.footer = footer.isEmpty ? title : footer
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let name = path.split(separator: "/").last.map(String.init) ?? path
        temporaryPath = "\(directory.isEmpty ? "/" : directory)/.\(name).\(getpid()).tmp"
        // Cairo creates the file lazily and reports failures only in its status: try the
        // directory first, so the error names errno's reason.
        let probe = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard probe >= 0 else {
            throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        close(probe)
        let (width, height) = layout.size
        guard let surface = cairo_pdf_surface_create(temporaryPath, width, height),
            cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS
        else {
            unlink(temporaryPath)
            throw .cannotCreate(path: path, reason: "cairo could not create a PDF surface")
        }
        self.surface = surface
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "depot")
        cairo = cairo_create(surface)
        regular = pango_font_description_from_string("DejaVu Sans 8.5")
        bold = pango_font_description_from_string("DejaVu Sans Bold 8.5")
        heading = pango_font_description_from_string("DejaVu Sans Bold 15")
        y = margin
        text(title, font: heading, x: margin, width: contentWidth)
        y += 4
        for line in subtitle { paragraph(line) }
        y += 6
    }

    deinit {
        pango_font_description_free(regular)
        pango_font_description_free(bold)
        pango_font_description_free(heading)
        cairo_destroy(cairo)
        cairo_surface_destroy(surface)
        if !finished { unlink(temporaryPath) }
    }

    var contentWidth: Double { layout.size.width - 2 * margin }
    var bottom: Double { layout.size.height - margin - footerHeight }

    /// A line of text (wrapped to the page width), bold when `bold`.
    public func paragraph(_ line: String, bold isBold: Bool = false) {
        let height = measure(line, font: isBold ? bold : regular, width: contentWidth)
        if y + height > bottom { newPage() }
        text(line, font: isBold ? bold : regular, x: margin, width: contentWidth)
        y += 2
    }

    /// Vertical space of `points`.
    public func space(_ points: Double) { y += points }

    /// Draws `table`, breaking onto new pages between rows and repeating its heading row there.
    /// - Throws: ``ReportError/rowShape(row:cells:columns:)`` for a row of the wrong width
    ///   (checked before anything is drawn).
    public func table(_ table: ReportTable) throws(ReportError) {
        for (index, row) in table.rows.enumerated() where row.cells.count != table.columns.count {
            throw .rowShape(row: index + 1, cells: row.cells.count, columns: table.columns.count)
        }
        let total = table.columns.reduce(0) { $0 + max($1.weight, 0.01) }
        let widths = table.columns.map { contentWidth * max($0.weight, 0.01) / total }
        let padding = 3.0
        func rowHeight(_ cells: [String], font: OpaquePointer, styles: [ReportColumn.Style]) -> Double {
            var height = 0.0
            for (index, cell) in cells.enumerated() where styles[index] != .box {
                height = max(height, measure(cell, font: font, width: widths[index] - 2 * padding))
            }
            return max(height + 2 * padding, table.minimumRowHeight)
        }
        let headingStyles = table.columns.map { $0.style == .box ? ReportColumn.Style.text : $0.style }
        let headingCells = table.columns.map(\.title)
        func drawHeading() {
            let height = rowHeight(headingCells, font: bold, styles: headingStyles)
            fill(x: margin, y: y, width: contentWidth, height: height, rgb: (0.85, 0.88, 0.93))
            draw(headingCells, styles: headingStyles, font: bold, widths: widths, height: height, padding: padding)
            y += height
        }
        if y + rowHeight(headingCells, font: bold, styles: headingStyles) * 2 > bottom { newPage() }
        drawHeading()
        let styles = table.columns.map(\.style)
        for row in table.rows {
            let height = rowHeight(row.cells, font: regular, styles: styles)
            if y + height > bottom {
                newPage()
                drawHeading()
            }
            if let mark = row.mark { fill(x: margin, y: y, width: contentWidth, height: height, rgb: mark.rgb) }
            draw(row.cells, styles: styles, font: regular, widths: widths, height: height, padding: padding)
            // A hairline under the row.
            cairo_set_source_rgb(cairo, 0.75, 0.75, 0.75)
            cairo_set_line_width(cairo, 0.4)
            cairo_move_to(cairo, margin, y + height)
            cairo_line_to(cairo, margin + contentWidth, y + height)
            cairo_stroke(cairo)
            y += height
        }
        y += 8
    }

    /// Ends the last page, finishes the PDF and renames it over ``path``.
    /// - Throws: ``ReportError/renderFailed(path:reason:)`` when cairo reports an error, or the
    ///   rename fails (the temporary file is removed then).
    public func finish() throws(ReportError) {
        drawFooter()
        cairo_show_page(cairo)
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            unlink(temporaryPath)
            throw .renderFailed(path: path, reason: String(cString: cairo_status_to_string(status)))
        }
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw .renderFailed(path: path, reason: reason)
        }
        finished = true
    }

    // MARK: Drawing

    func newPage() {
        drawFooter()
        cairo_show_page(cairo)
        pages += 1
        y = margin
    }

    func drawFooter() {
        let top = layout.size.height - margin - footerHeight + 6
        let saved = y
        y = top
        cairo_set_source_rgb(cairo, 0.35, 0.35, 0.35)
        text(footer, font: regular, x: margin, width: contentWidth * 0.8, rgb: (0.35, 0.35, 0.35))
        y = top
        text(
            "page \(pages)",
            font: regular,
            x: margin,
            width: contentWidth,
            align: PANGO_ALIGN_RIGHT,
            rgb: (0.35, 0.35, 0.35)
        )
        y = saved
    }

    func draw(
        _ cells: [String],
        styles: [ReportColumn.Style],
        font: OpaquePointer,
        widths: [Double],
        height: Double,
        padding: Double
    ) {
        var x = margin
        let top = y
        for (index, cell) in cells.enumerated() {
            let width = widths[index]
            switch styles[index] {
            case .box:
                cairo_set_source_rgb(cairo, 0.2, 0.2, 0.2)
                cairo_set_line_width(cairo, 0.8)
                cairo_rectangle(cairo, x + padding, top + padding, width - 2 * padding, height - 2 * padding)
                cairo_stroke(cairo)
            case .text, .number:
                y = top + padding
                text(
                    cell,
                    font: font,
                    x: x + padding,
                    width: width - 2 * padding,
                    align: styles[index] == .number ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT
                )
            }
            x += width
        }
        y = top
    }

    func fill(x: Double, y: Double, width: Double, height: Double, rgb: (Double, Double, Double)) {
        cairo_set_source_rgb(cairo, rgb.0, rgb.1, rgb.2)
        cairo_rectangle(cairo, x, y, width, height)
        cairo_fill(cairo)
    }

    /// A Pango layout of `string` in `font`, wrapped to `width` points.
    func makeLayout(_ string: String, font: OpaquePointer, width: Double, align: PangoAlignment) -> OpaquePointer {
        let layout = pango_cairo_create_layout(cairo)!
        pango_layout_set_font_description(layout, font)
        pango_layout_set_width(layout, Int32(width * Double(depot_pango_scale())))
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        pango_layout_set_alignment(layout, align)
        pango_layout_set_text(layout, string, -1)
        return layout
    }

    /// Height in points of `string` laid out in `font` at `width`.
    func measure(_ string: String, font: OpaquePointer, width: Double) -> Double {
        let layout = makeLayout(string, font: font, width: width, align: PANGO_ALIGN_LEFT)
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        var w: Int32 = 0
        var h: Int32 = 0
        pango_layout_get_pixel_size(layout, &w, &h)
        return Double(h)
    }

    /// Draws `string` at (`x`, ``y``) and moves ``y`` below it.
    func text(
        _ string: String,
        font: OpaquePointer,
        x: Double,
        width: Double,
        align: PangoAlignment = PANGO_ALIGN_LEFT,
        rgb: (Double, Double, Double) = (0, 0, 0)
    ) {
        let layout = makeLayout(string, font: font, width: width, align: align)
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        cairo_set_source_rgb(cairo, rgb.0, rgb.1, rgb.2)
        cairo_move_to(cairo, x, y)
        pango_cairo_show_layout(cairo, layout)
        var w: Int32 = 0
        var h: Int32 = 0
        pango_layout_get_pixel_size(layout, &w, &h)
        y += Double(h)
    }
}
