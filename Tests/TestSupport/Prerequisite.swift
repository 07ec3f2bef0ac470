import Foundation
import Testing

/// What a test needs from the machine (root, a Python package, ../shared data), and the one rule for
/// a test whose need is not met: off CI it is skipped and counted as skipped with its reason
/// (`make test`'s closing line counts it); on CI (`CI=true` in the environment) nothing the
/// machine can run may be skipped, so the test runs and fails at its `#require`.
///
/// Use both halves:
/// ```swift
/// @Test(.enabled(if: Prerequisite.runs(Prerequisite.isRoot), "needs root"))
/// func needsRoot() throws {
///     try #require(Prerequisite.isRoot, "needs root")
///     ...
/// }
/// ```
public enum Prerequisite {
    /// True when the environment variable `CI` is `true` (as `.ci/run` is started).
    public static let onCI: Bool = ProcessInfo.processInfo.environment["CI"] == "true"

    /// True when the tests run as root (uid 0), which creating users or dropping privileges needs.
    public static let isRoot: Bool = getuid() == 0

    /// Whether a test with this prerequisite runs: when the prerequisite holds, and always on CI.
    /// - Parameter holds: whether the machine provides what the test needs.
    /// - Returns: the value for `.enabled(if:)`.
    public static func runs(_ holds: Bool) -> Bool { onCI || holds }

    /// True when `path` is an executable file (for example `/usr/bin/setpriv`).
    public static func hasExecutable(_ path: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: path)
    }
}
