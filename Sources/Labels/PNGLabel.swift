// The one adapter over libzint: a zint_symbol per barcode, encoded and written as PNG.
import CZint

/// How a PNG barcode looks. Units are pixels of the PNG and X-dimensions (module widths).
public struct PNGStyle: Sendable, Equatable {
    /// Width of one module (the X-dimension) in pixels, 1 to 20. libzint's raster output draws
    /// 2 pixels per module at scale 1 (Zint manual 2.11, 4.9 "Adjusting Image Size"), so this is
    /// passed as `scale = pixels / 2`. The default 4 pixels is 0.34 mm at 300 dpi, 0.5 mm at 203 dpi.
    public var moduleWidthPixels: Int
    /// Bar height in X-dimensions for linear symbols (`symbol->height`); ignored by QR Code and
    /// Data Matrix. The default 40 is 10 mm at 0.25 mm per module.
    public var barHeightModules: Float
    /// Whether the human-readable text is printed under a linear symbol (`symbol->show_hrt`).
    public var showText: Bool

    /// A style; the defaults suit location and command labels read by handheld scanners.
    public init(moduleWidthPixels: Int = 4, barHeightModules: Float = 40, showText: Bool = true) {
        self.moduleWidthPixels = moduleWidthPixels
        self.barHeightModules = barHeightModules
        self.showText = showText
    }
}

/// Writes barcodes as PNG files through libzint (`ZBarcode_Encode_and_Print`).
public enum PNGLabel {
    /// The version of the linked libzint, e.g. `"2.11.1"` (`ZBarcode_Version()`).
    public static var zintVersion: String {
        let v = Int(ZBarcode_Version())
        return "\(v / 10000).\(v / 100 % 100).\(v % 100)"
    }

    /// Encodes `barcode` and writes it as a PNG file at `path` (overwritten when it exists), with
    /// compliant quiet zones (`BARCODE_QUIET_ZONES`) and warnings treated as errors (`WARN_FAIL_ALL`),
    /// so a symbol libzint calls non-compliant is never printed.
    /// - Throws: ``LabelError/zint(text:symbology:code:message:)`` when libzint refuses the data
    ///   (e.g. a character Code 128 cannot carry, a wrong GS1 check digit) or cannot open or write
    ///   `path` (`ZINT_ERROR_FILE_ACCESS`, `ZINT_ERROR_FILE_WRITE`); ``LabelError/pathTooLong(path:)``.
    public static func write(_ barcode: Barcode, to path: String, style: PNGStyle = PNGStyle()) throws(LabelError) {
        guard path.utf8.count < 256 else { throw .pathTooLong(path: path) }
        guard path.hasSuffix(".png") else {
            // libzint picks the output format from the file name's extension.
            throw .zint(
                text: barcode.humanReadable,
                symbology: barcode.symbology,
                code: -1,
                message: "\(path) does not end in .png"
            )
        }
        try withSymbol(barcode, style) { symbol, bytes in
            withUnsafeMutableBytes(of: &symbol.pointee.outfile) { buffer in
                buffer.initializeMemory(as: UInt8.self, repeating: 0)
                buffer.copyBytes(from: path.utf8)
            }
            return ZBarcode_Encode_and_Print(symbol, bytes.baseAddress, Int32(bytes.count), 0)
        }
    }

    /// Encodes `barcode` in memory without writing anything (`ZBarcode_Encode`), so a batch of
    /// labels can be checked before the first file is written.
    /// - Throws: ``LabelError/zint(text:symbology:code:message:)`` when libzint refuses the data.
    public static func check(_ barcode: Barcode, style: PNGStyle = PNGStyle()) throws(LabelError) {
        try withSymbol(barcode, style) { symbol, bytes in
            ZBarcode_Encode(symbol, bytes.baseAddress, Int32(bytes.count))
        }
    }

    /// Creates a symbol set up for `barcode` and `style`, runs `body` with it and the input bytes,
    /// deletes it, and turns a non-zero libzint status into ``LabelError/zint(text:symbology:code:message:)``
    /// with `symbol->errtxt`.
    private static func withSymbol(
        _ barcode: Barcode,
        _ style: PNGStyle,
        _ body: (UnsafeMutablePointer<zint_symbol>, UnsafeBufferPointer<UInt8>) -> Int32
    ) throws(LabelError) {
        guard let symbol = ZBarcode_Create() else {
            throw .zint(
                text: barcode.humanReadable,
                symbology: barcode.symbology,
                code: ZINT_ERROR_MEMORY,
                message: "out of memory"
            )
        }
        defer { ZBarcode_Delete(symbol) }
        symbol.pointee.symbology = barcode.symbology.rawValue
        symbol.pointee.input_mode = barcode.symbology == .gs1_128 ? GS1_MODE : UNICODE_MODE
        symbol.pointee.warn_level = WARN_FAIL_ALL
        symbol.pointee.output_options |= BARCODE_QUIET_ZONES
        symbol.pointee.scale = Float(min(max(style.moduleWidthPixels, 1), 20)) / 2
        symbol.pointee.show_hrt = style.showText ? 1 : 0
        if barcode.symbology == .code128 || barcode.symbology == .gs1_128 {
            symbol.pointee.height = style.barHeightModules
        }
        let data = Array(barcode.zintInput.utf8)
        let status = data.withUnsafeBufferPointer { body(symbol, $0) }
        guard status == 0 else {
            let message = withUnsafeBytes(of: &symbol.pointee.errtxt) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw .zint(text: barcode.humanReadable, symbology: barcode.symbology, code: status, message: message)
        }
    }
}
