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
