import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn(3), for tests that run the built executables.
///
/// Used instead of Foundation's `Process`, whose `run()` on Linux reads `/proc/self/fd` with a
/// 256-byte copy of each `dirent` name and crashes now and then (SIGSEGV in `memcpy`) in a test
/// process with many descriptors. Here the child's descriptors above 2 are closed with
/// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34), its signal mask is emptied and every
/// signal is reset to its default action (posix_spawnattr_setsigdefault(3)), so a child behaves
/// as if started from a shell.
public final class ChildProcess: @unchecked Sendable {
    /// Where one of the child's standard descriptors goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A file opened for appending (created when missing, mode 0644).
        case file(String)
        /// A new pipe; the parent reads it through ``output`` (standard output) or ``errorOutput``.
        case pipe
        /// The test process's own descriptor.
        case inherit
    }

    /// The child's process id.
    public let processIdentifier: pid_t
    /// The read end of the child's standard output when it was ``Stream/pipe``; nil otherwise.
    public let output: FileHandle?
    /// The read end of the child's standard error when it was ``Stream/pipe``; nil otherwise.
    public let errorOutput: FileHandle?

    private let lock = NSLock()
    private var waitStatus: Int32?

    /// Held from making a child's pipes to its spawn, so that no other spawn in this process
    /// inherits them (`pipe2(O_CLOEXEC)` is not visible to Swift's Glibc module).
    private static let spawnLock = NSLock()

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34), looked up with dlsym(3) because
    /// Swift's Glibc module is built without `_GNU_SOURCE`; nil on an older C library.
    private static let addCloseFrom:
        (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, CInt) -> CInt)? = {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
            else { return nil }
            return unsafeBitCast(
                symbol,
                to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, CInt) -> CInt).self
            )
        }()

    /// Starts `executable` (a path, not searched in `PATH`) with `arguments`.
    /// - Parameters:
    ///   - environment: the child's whole environment; nil passes the test process's own.
    ///   - standardInput: `/dev/null` unless a file path is given.
    /// - Throws: ``ChildProcessError/spawnFailed(executable:errno:)`` when posix_spawn(3) fails
    ///   (for example a missing executable), ``ChildProcessError/pipeFailed(errno:)``.
    public init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        standardInput: String? = nil,
        standardOutput: Stream = .null,
        standardError: Stream = .null
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var parentEnds: [CInt] = []
        var childEnds: [CInt] = []
        defer { for fd in childEnds { close(fd) } }
        func connect(_ stream: Stream, to target: CInt) throws -> FileHandle? {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_RDWR, 0)
                return nil
            case let .file(path):
                posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
                return nil
            case .inherit:
                return nil
            case .pipe:
                var ends: [CInt] = [-1, -1]
                guard pipe(&ends) == 0 else {
                    for fd in parentEnds { close(fd) }
                    throw ChildProcessError.pipeFailed(errno: errno)
                }
                // Close-on-exec at once (under ``spawnLock``, so no other spawn sees them open).
                _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
                _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
                parentEnds.append(ends[0])
                childEnds.append(ends[1])
                posix_spawn_file_actions_adddup2(&actions, ends[1], target)
                return FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
            }
        }
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        posix_spawn_file_actions_addopen(&actions, 0, standardInput ?? "/dev/null", O_RDONLY, 0)
        let output = try connect(standardOutput, to: 1)
        let errorOutput = try connect(standardError, to: 2)
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

        let environmentStrings = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environmentStrings.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            for fd in parentEnds { close(fd) }
            throw ChildProcessError.spawnFailed(executable: executable, errno: result)
        }
        processIdentifier = pid
        self.output = output
        self.errorOutput = errorOutput
    }

    /// Whether the child has not exited yet (reaps it with `waitpid(WNOHANG)` when it has).
    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if waitStatus != nil { return false }
        var status: Int32 = 0
        let result = waitpid(processIdentifier, &status, WNOHANG)
        if result == processIdentifier {
            waitStatus = status
            return false
        }
        return result == 0
    }

    /// Sends `signal` (default SIGTERM) unless the child was already reaped.
    public func terminate(_ signal: Int32 = SIGTERM) {
        lock.lock()
        defer { lock.unlock() }
        if waitStatus == nil { kill(processIdentifier, signal) }
    }

    /// Blocks until the child exits (the lock is not held while blocked, so ``terminate(_:)``
    /// from another thread goes through).
    public func waitUntilExit() {
        lock.lock()
        let reaped = waitStatus != nil
        lock.unlock()
        if reaped { return }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(processIdentifier, &status, 0) } while result == -1 && errno == EINTR
        lock.lock()
        defer { lock.unlock() }
        // ECHILD: ``isRunning`` reaped it meanwhile and recorded the status under the lock.
        if result == processIdentifier { waitStatus = status } else if waitStatus == nil { waitStatus = 0 }
    }

    /// The exit code, or the number of the signal that ended the child (as Foundation's
    /// `Process.terminationStatus`); waits for the child first.
    public var terminationStatus: Int32 {
        waitUntilExit()
        lock.lock()
        defer { lock.unlock() }
        let status = waitStatus ?? 0
        // WIFEXITED / WEXITSTATUS / WTERMSIG from <sys/wait.h>.
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : status & 0x7f
    }

    /// Whether a signal ended the child (WIFSIGNALED); waits for the child first.
    public var wasSignalled: Bool {
        waitUntilExit()
        lock.lock()
        defer { lock.unlock() }
        let status = waitStatus ?? 0
        return (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
    }
}

/// Why a child process could not be started.
public enum ChildProcessError: Error, CustomStringConvertible {
    /// posix_spawn(3) returned `errno` for `executable`.
    case spawnFailed(executable: String, errno: Int32)
    /// pipe2(2) failed with `errno`.
    case pipeFailed(errno: Int32)

    public var description: String {
        switch self {
        case let .spawnFailed(executable, code): return "cannot start \(executable): \(String(cString: strerror(code)))"
        case let .pipeFailed(code): return "cannot make a pipe: \(String(cString: strerror(code)))"
        }
    }
}
