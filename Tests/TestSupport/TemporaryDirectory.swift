import Foundation

/// A fresh directory under the system temp dir, removed by ``remove()``.
///
/// Paths stay short (`/tmp/depot-XXXXXX`) so Unix socket paths inside fit the 108-byte
/// `sun_path` limit (unix(7)).
public struct TemporaryDirectory: Sendable {
    /// Absolute path of the directory.
    public let path: String

    /// Creates the directory (mkdtemp(3)).
    /// - Throws: `CocoaError` when the directory cannot be created.
    public init(prefix: String = "depot") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: result)
    }

    /// `path/name`.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Deletes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
