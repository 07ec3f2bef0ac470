import Foundation

/// zbar's `zbarimg` (Debian zbar-tools, scripts/deps/labels.apt) as an independent reader of the
/// labels depot renders: what a scanner would read from a PNG.
public enum BarcodeReader {
    /// Path of zbarimg.
    public static let zbarimg = "/usr/bin/zbarimg"

    /// Whether zbarimg is installed (for ``Prerequisite/runs(_:)``).
    public static var isAvailable: Bool { Prerequisite.hasExecutable(zbarimg) }

    /// The texts of every symbol zbarimg finds in the image at `path`, in its order
    /// (`zbarimg --raw -q`; `-Sgs1` is not passed, so a GS1-128 reads as its element string with
    /// ASCII 29 between elements, as a scanner sends it without an AIM prefix).
    /// - Throws: ``BarcodeReaderError`` when zbarimg exits non-zero (4: no symbol found).
    public static func decode(_ path: String) throws -> [String] {
        let result = try Command.run(zbarimg, ["--raw", "-q", path])
        guard result.status == 0 else { throw BarcodeReaderError(path: path, result: result) }
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

/// zbarimg found nothing in an image or failed.
public struct BarcodeReaderError: Error, CustomStringConvertible {
    /// The image.
    public var path: String
    /// zbarimg's exit status and output.
    public var result: CommandResult
    public var description: String { "zbarimg read nothing from \(path): \(result)" }
}

/// zxing-cpp (from PyPI, scripts/deps/labels.pip, through scripts/labels/zxing-read.py) as a
/// second independent reader that also reports each symbol's AIM symbology identifier
/// (ISO/IEC 15424: `]C1` is GS1-128, `]C0` plain Code 128).
public enum ZXingReader {
    /// One symbol read from an image.
    public struct Symbol: Sendable, Equatable, Decodable {
        /// zxing-cpp's format name, e.g. `"Code 128"`.
        public var format: String
        /// The AIM symbology identifier, e.g. `"]C1"`.
        public var aim: String
        /// The transmitted data, ASCII 29 (GS) where FNC1 separates elements.
        public var data: String

        /// A symbol as zxing-cpp would report it.
        public init(format: String, aim: String, data: String) {
            self.format = format
            self.aim = aim
            self.data = data
        }
    }

    static let script = BuiltProducts.packageRoot + "/scripts/labels/zxing-read.py"

    /// Whether the python3 on PATH (the one make installs the Python test peers for) can import zxing-cpp and Pillow (for ``Prerequisite/runs(_:)``).
    public static var isAvailable: Bool {
        (try? Command.run("/usr/bin/env", ["python3", "-c", "import zxingcpp, PIL"]).status) == 0
    }

    /// Every symbol zxing-cpp finds in the image at `path`, in its order.
    /// - Throws: ``BarcodeReaderError`` when the script fails or finds nothing (exit 4).
    public static func decode(_ path: String) throws -> [Symbol] {
        let result = try Command.run("/usr/bin/env", ["python3", script, path])
        guard result.status == 0 else { throw BarcodeReaderError(path: path, result: result) }
        return try result.stdout.split(separator: "\n").map {
            try JSONDecoder().decode(Symbol.self, from: Data($0.utf8))
        }
    }
}
