import Foundation
import TestSupport
import Testing

/// The spawner every end-to-end test starts depotd and depotctl with (posix_spawn(3)).
@Suite struct ChildProcessTests {
    @Test func exitCodeOutputAndEnvironment() throws {
        let result = try Command.run(
            "/bin/sh",
            ["-c", "printf '%s' \"$DEPOT_PROBE\"; printf err >&2; exit 3"],
            environment: ["DEPOT_PROBE": "ok"]
        )
        #expect(result.status == 3)
        #expect(result.stdout == "ok")
        #expect(result.stderr == "err")
    }

    @Test func aSignalEndingTheChildIsItsStatus() throws {
        let child = try ChildProcess("/bin/sleep", ["30"])
        #expect(child.isRunning)
        child.terminate(SIGKILL)
        #expect(child.terminationStatus == SIGKILL)
        #expect(child.wasSignalled)
        #expect(!child.isRunning)
    }

    @Test func theChildInheritsNoDescriptorAboveStandardError() throws {
        let fd = open("/dev/null", O_RDONLY)  // not close-on-exec
        defer { close(fd) }
        let result = try Command.run("/bin/sh", ["-c", "ls /proc/self/fd | wc -l"])
        // 0, 1, 2 and the descriptor ls opens for /proc/self/fd itself.
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "4", "\(result)")
    }

    @Test func aMissingExecutableThrows() {
        #expect(throws: ChildProcessError.self) { try ChildProcess("/nonexistent/depotd", []) }
    }
}
