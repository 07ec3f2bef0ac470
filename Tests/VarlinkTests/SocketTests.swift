import Foundation
import Testing
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// Binds (without listening) a socket file at `path` and closes it: what a crashed server leaves.
func makeStaleSocketFile(at path: String) throws {
    let fd = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = unixSocketAddress(path)
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard result == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
}

func fileMode(_ path: String) -> mode_t? {
    var status = stat()
    guard lstat(path, &status) == 0 else { return nil }
    return status.st_mode
}

@Suite("Socket file handling")
struct SocketTests {
    @Test func socketFileHasMode0660AndIsRemovedOnStop() async throws {
        let previous = umask(0o022)  // a usual umask must not narrow the requested mode
        defer { umask(previous) }
        var socketPath = ""
        try await withServer(try makeTestService()) { path in
            socketPath = path
            let mode = try #require(fileMode(path))
            #expect(mode & S_IFMT == S_IFSOCK)
            #expect(mode & 0o7777 == 0o660)
        }
        #expect(fileMode(socketPath) == nil)
    }

    @Test func staleSocketFileIsReplaced() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("s.sock")
        try makeStaleSocketFile(at: path)
        #expect(fileMode(path).map { $0 & S_IFMT } == S_IFSOCK)
        let server = VarlinkServer(service: try makeTestService(), endpoint: .unixPath(path), logger: quietLogger)
        let (listening, signal) = AsyncStream.makeStream(of: Void.self)
        let task = Task {
            defer { signal.finish() }
            try await server.run { signal.yield() }
        }
        for await _ in listening { break }
        let connection = try await VarlinkConnection.connect(unixPath: path)
        let reply = try await connection.call("org.example.test.Echo", EchoParameters(text: "replaced"))
        #expect(try reply.decode(EchoParameters.self).text == "replaced")
        task.cancel()
        try await task.value
    }

    @Test func liveSocketIsNotTakenOver() async throws {
        try await withServer(try makeTestService()) { path in
            let second = VarlinkServer(service: try makeTestService(), endpoint: .unixPath(path), logger: quietLogger)
            await #expect(throws: VarlinkServerError.socketInUse(path: path)) {
                try await second.run()
            }
            // The first server is untouched.
            let connection = try await VarlinkConnection.connect(unixPath: path)
            _ = try await connection.call("org.example.test.Echo", EchoParameters(text: "still mine"))
            #expect(fileMode(path) != nil)
        }
    }

    @Test func regularFileIsNotReplaced() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("not-a-socket")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8)))
        let server = VarlinkServer(service: try makeTestService(), endpoint: .unixPath(path), logger: quietLogger)
        await #expect(throws: VarlinkServerError.notASocket(path: path)) { try await server.run() }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    @Test func listenerAppearsWithItsModeAndGroupAndLeavesNoTemporaryFile() throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("control.sock")
        let listener = try UnixListener.bind(path: path, mode: 0o600, groupID: getegid())
        defer { close(listener.descriptor) }
        #expect(listener.groupApplied)
        var status = stat()
        #expect(lstat(path, &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFSOCK)
        #expect(status.st_mode & 0o7777 == 0o600)
        #expect(status.st_gid == getegid())
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["control.sock"])
        // Already listening when it appears: a client connects before anyone accepts.
        let client = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0)
        defer { close(client) }
        var address = unixSocketAddress(path)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(client, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(connected == 0)
        // A second listener on the live path is refused and leaves the first one's file.
        #expect(throws: VarlinkServerError.socketInUse(path: path)) {
            _ = try UnixListener.bind(path: path, mode: 0o600)
        }
        listener.removeFile()
        #expect(fileMode(path) == nil)
    }

    @Test func tooLongPathIsNamedInTheError() async throws {
        let path = "/tmp/" + String(repeating: "d", count: 120) + "/s.sock"
        let server = VarlinkServer(service: try makeTestService(), endpoint: .unixPath(path), logger: quietLogger)
        let error = await #expect(throws: VarlinkServerError.self) { try await server.run() }
        #expect(error == .socketPathTooLong(path: path, limit: 107))
        #expect(error?.description.contains(path) == true)
    }

    @Test func missingDirectoryIsASystemCallErrorNamingThePath() async throws {
        let path = "/tmp/varlink-no-such-dir-\(getpid())/s.sock"
        let server = VarlinkServer(service: try makeTestService(), endpoint: .unixPath(path), logger: quietLogger)
        let error = await #expect(throws: VarlinkServerError.self) { try await server.run() }
        #expect(error == .systemCall(name: "bind", path: path, errno: ENOENT))
        #expect(error?.description.contains(path) == true)
    }

    @Test func adoptsAListeningDescriptor() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("activated.sock")
        try makeStaleSocketFile(at: path)
        try FileManager.default.removeItem(atPath: path)
        // What systemd would hand over: a bound, listening socket.
        let fd = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0)
        var address = unixSocketAddress(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        #expect(listen(fd, 16) == 0)

        let server = VarlinkServer(
            service: try makeTestService(),
            endpoint: .listeningDescriptor(fd),
            logger: quietLogger
        )
        let (listening, signal) = AsyncStream.makeStream(of: Void.self)
        let task = Task {
            defer { signal.finish() }
            try await server.run { signal.yield() }
        }
        for await _ in listening { break }
        let connection = try await VarlinkConnection.connect(unixPath: path)
        let reply = try await connection.call("org.example.test.Add", AddParameters(a: 2, b: 3))
        #expect(try reply.decode(SumReply.self).sum == 5)
        task.cancel()
        try await task.value
        // The file belongs to whoever created the socket (systemd); the server leaves it.
        #expect(fileMode(path) != nil)
    }

    @Test func connectingToNothingIsCannotConnect() async throws {
        let path = "/tmp/varlink-nothing-\(getpid()).sock"
        let error = await #expect(throws: VarlinkConnectionError.self) {
            _ = try await VarlinkConnection.connect(unixPath: path)
        }
        let description = error?.description ?? ""
        #expect(description.contains(path) && description.contains("No such file or directory"), "\(description)")
    }
}

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test func inFlightCallFinishesAfterShutdownBegins() async throws {
        let recorder = TestRecorder()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("s.sock")
        let server = VarlinkServer(
            service: try makeTestService(recorder),
            endpoint: .unixPath(path),
            logger: quietLogger
        )
        let (listening, signal) = AsyncStream.makeStream(of: Void.self)
        let task = Task {
            defer { signal.finish() }
            try await server.run { signal.yield() }
        }
        for await _ in listening { break }

        let busy = try await VarlinkConnection.connect(unixPath: path)
        let idle = try await VarlinkConnection.connect(unixPath: path)
        _ = try await idle.call("org.example.test.Echo", EchoParameters(text: "idle"))
        async let waited = busy.call("org.example.test.Wait", NoParameters())
        await recorder.waitStarted.wait()

        task.cancel()
        // The idle connection is closed and no new connection is accepted...
        await #expect(throws: (any Error).self) {
            _ = try await idle.call("org.example.test.Echo", EchoParameters(text: "too late"))
        }
        await #expect(throws: (any Error).self) {
            let late = try await VarlinkConnection.connect(unixPath: path)
            _ = try await late.call("org.example.test.Echo", EchoParameters(text: "too late"))
        }
        // ...while the call in flight still gets its reply.
        recorder.gate.open()
        let reply = try await waited
        #expect(reply.continues == false)
        try await task.value
        #expect(fileMode(path) == nil)
    }

    @Test func shutdownEndsSubscriptionsWithoutWaitingTheGracePeriod() async throws {
        let recorder = TestRecorder()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("s.sock")
        let server = VarlinkServer(
            service: try makeTestService(recorder),
            endpoint: .unixPath(path),
            gracePeriod: .seconds(3600),
            logger: quietLogger
        )
        let (listening, signal) = AsyncStream.makeStream(of: Void.self)
        let task = Task {
            defer { signal.finish() }
            try await server.run { signal.yield() }
        }
        for await _ in listening { break }
        let subscriber = try await VarlinkConnection.connect(unixPath: path)
        var updates = subscriber.callMore("org.example.test.Subscribe", NoParameters()).makeAsyncIterator()
        #expect(try await updates.next()?.continues == true)
        task.cancel()
        // The subscription ends, the handler sees its peer gone, and the server stops: all of it
        // long before the hour of grace a call in flight would get.
        let (outcome, report) = AsyncStream.makeStream(of: Bool.self)
        Task {
            _ = try? await task.value
            await recorder.subscriptionEnded.wait()
            report.yield(true)
        }
        Task {
            try? await Task.sleep(for: .seconds(60))
            report.yield(false)
        }
        var first = outcome.makeAsyncIterator()
        let stopped = await first.next() ?? false
        guard stopped else {
            Issue.record("the server waited for the subscription")
            return
        }
        if let reply = try? await updates.next() { Issue.record("a reply after shutdown: \(reply)") }
    }

    @Test func handlersStillBusyAfterTheGracePeriodAreCancelled() async throws {
        let recorder = TestRecorder()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("s.sock")
        let server = VarlinkServer(
            service: try makeTestService(recorder),
            endpoint: .unixPath(path),
            gracePeriod: .milliseconds(100),
            logger: quietLogger
        )
        let (listening, signal) = AsyncStream.makeStream(of: Void.self)
        let task = Task {
            defer { signal.finish() }
            try await server.run { signal.yield() }
        }
        for await _ in listening { break }
        let busy = try await VarlinkConnection.connect(unixPath: path)
        // Sleep is cancellable: after the grace period the server cancels it and closes the connection.
        let slept = Task { try await busy.call("org.example.test.Sleep", TagParameters(milliseconds: 600_000, tag: 1)) }
        await recorder.sleepStarted.wait()
        task.cancel()
        try await task.value
        await #expect(throws: (any Error).self) { _ = try await slept.value }
    }
}
