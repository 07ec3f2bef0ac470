import Foundation

/// Reads PDFs back with poppler's tools (Debian poppler-utils), independent of cairo that wrote
/// them: the text in reading order, the page count, and pages rendered to PNG to look at.
public enum PDFReader {
    /// Path of pdftotext(1).
    public static let pdftotext = "/usr/bin/pdftotext"
    /// Path of pdfinfo(1).
    public static let pdfinfo = "/usr/bin/pdfinfo"
    /// Path of pdftoppm(1).
    public static let pdftoppm = "/usr/bin/pdftoppm"

    /// Whether poppler-utils is installed (for ``Prerequisite/runs(_:)``).
    public static var isAvailable: Bool {
        Prerequisite.hasExecutable(pdftotext) && Prerequisite.hasExecutable(pdfinfo)
            && Prerequisite.hasExecutable(pdftoppm)
    }

    /// The text of every page (`pdftotext -layout`), pages separated by form feeds.
    /// - Throws: ``PDFReaderError`` when pdftotext fails (not a PDF, damaged).
    public static func text(_ path: String) throws -> String {
        let result = try Command.run(pdftotext, ["-layout", "-enc", "UTF-8", path, "-"])
        guard result.status == 0 else { throw PDFReaderError(tool: "pdftotext", path: path, result: result) }
        return result.stdout
    }

    /// The document's page count (`pdfinfo`'s `Pages:` line).
    /// - Throws: ``PDFReaderError`` when pdfinfo fails or prints no page count.
    public static func pages(_ path: String) throws -> Int {
        let result = try Command.run(pdfinfo, [path])
        guard result.status == 0,
            let line = result.stdout.split(separator: "\n").first(where: { $0.hasPrefix("Pages:") }),
            let count = Int(line.dropFirst("Pages:".count).trimmingCharacters(in: .whitespaces))
        else { throw PDFReaderError(tool: "pdfinfo", path: path, result: result) }
        return count
    }

    /// Renders page `page` (1-based) to `prefix`.png at `dpi` (`pdftoppm -png -singlefile`) and
    /// returns the PNG's path.
    /// - Throws: ``PDFReaderError`` when pdftoppm fails.
    public static func renderPage(_ path: String, page: Int = 1, dpi: Int = 100, to prefix: String) throws -> String {
        let result = try Command.run(
            pdftoppm,
            ["-png", "-r", String(dpi), "-f", String(page), "-l", String(page), "-singlefile", path, prefix]
        )
        guard result.status == 0 else { throw PDFReaderError(tool: "pdftoppm", path: path, result: result) }
        return prefix + ".png"
    }
}

/// One page rendered to RGB pixels (pdftoppm's PPM, P6 with maxval 255).
public struct RenderedPage: Sendable {
    /// Width and height in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Red, green, blue bytes, row by row from the top.
    public var rgb: [UInt8]

    /// How many pixels have exactly this colour (a fill's inside is one colour, without
    /// anti-aliasing).
    public func count(red: UInt8, green: UInt8, blue: UInt8) -> Int {
        var count = 0
        var index = 0
        while index + 2 < rgb.count {
            if rgb[index] == red && rgb[index + 1] == green && rgb[index + 2] == blue { count += 1 }
            index += 3
        }
        return count
    }
}

extension PDFReader {
    /// Renders page `page` (1-based) at `dpi` to pixels (`pdftoppm -singlefile`, PPM) in
    /// `directory`.
    /// - Throws: ``PDFReaderError`` when pdftoppm fails or its PPM cannot be read.
    public static func pixels(_ path: String, page: Int = 1, dpi: Int = 50, in directory: String) throws -> RenderedPage
    {
        let prefix = directory + "/page-\(page)"
        let result = try Command.run(
            pdftoppm,
            ["-r", String(dpi), "-f", String(page), "-l", String(page), "-singlefile", path, prefix]
        )
        guard result.status == 0, let data = FileManager.default.contents(atPath: prefix + ".ppm") else {
            throw PDFReaderError(tool: "pdftoppm", path: path, result: result)
        }
        // Header: "P6", width, height, maxval, each separated by whitespace, then one whitespace byte.
        let bytes = [UInt8](data)
        var fields: [String] = []
        var index = 0
        while fields.count < 4, index < bytes.count {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A { index += 1 }
            let start = index
            while index < bytes.count, bytes[index] != 0x20, bytes[index] != 0x0A { index += 1 }
            fields.append(String(decoding: bytes[start..<index], as: UTF8.self))
        }
        index += 1
        guard fields.count == 4, fields[0] == "P6", let width = Int(fields[1]), let height = Int(fields[2]),
            fields[3] == "255", bytes.count - index == width * height * 3
        else { throw PDFReaderError(tool: "pdftoppm (PPM header \(fields))", path: path, result: result) }
        return RenderedPage(width: width, height: height, rgb: Array(bytes[index...]))
    }
}

/// A poppler tool failed on a PDF.
public struct PDFReaderError: Error, CustomStringConvertible {
    /// The tool that failed.
    public var tool: String
    /// The PDF.
    public var path: String
    /// The tool's exit status and output.
    public var result: CommandResult
    public var description: String { "\(tool) failed on \(path): \(result)" }
}
