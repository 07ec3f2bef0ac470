import Foundation

/// Where the package's built executables are: `$DEPOT_BUILD_DIR`, else `<package>/.build/debug`.
public enum BuiltProducts {
    /// The package root (the directory holding Package.swift), found from this source file.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// The directory with `depotd`, `depotctl` and the other executables.
    public static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["DEPOT_BUILD_DIR"], !dir.isEmpty { return dir }
        return packageRoot + "/.build/debug"
    }

    /// Path of one executable.
    public static func executable(_ name: String) -> String { directory + "/" + name }
}

/// The outcome of running a command to completion.
public struct CommandResult: Sendable, CustomStringConvertible {
    /// Exit status: the exit code, or the signal number when a signal ended the process
    /// (`Process.terminationStatus`).
    public var status: Int32
    /// Everything the process wrote to standard output, decoded as UTF-8.
    public var stdout: String
    /// Everything the process wrote to standard error, decoded as UTF-8.
    public var stderr: String
    public var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

/// Runs executables as child processes.
public enum Command {
    /// Runs `executable` with `arguments` and `environment` additions, waits, and returns exit
    /// status and output. Standard input is /dev/null. Started with ``ChildProcess`` (posix_spawn).
    /// - Throws: ``ChildProcessError`` when the executable cannot be started.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:]
    ) throws -> CommandResult {
        let process = try ChildProcess(
            executable,
            arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            standardOutput: .pipe,
            standardError: .pipe
        )
        // Read both pipes to the end before waiting, so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = process.output?.readDataToEndOfFile() ?? Data()
            group.leave()
        }
        errData = process.errorOutput?.readDataToEndOfFile() ?? Data()
        group.wait()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }
}
