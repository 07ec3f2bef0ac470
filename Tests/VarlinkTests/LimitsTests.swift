// Each bound of VarlinkServerLimits, against a real server on a temp socket: the offending
// connection is closed, a well-behaved one on the same server keeps its answers.
import Foundation
import Testing
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// One row of the connection caps' scaling rule: the budget, the configured caps, the expected caps.
struct ScalingCase: Sendable {
    var limit: Int, open: Int, total: Int, perUID: Int, expectedTotal: Int, expectedPerUID: Int
}

@Suite(.timeLimit(.minutes(2)))
struct LimitsTests {
    /// A well-behaved call on a fresh connection answers.
    func expectServed(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let connection = try await VarlinkConnection.connect(unixPath: path)
        let reply = try await connection.call("org.example.test.Add", AddParameters(a: 2, b: 3))
        #expect(try reply.decode(SumReply.self).sum == 5, sourceLocation: sourceLocation)
        await connection.close()
    }

    @Test func unfinishedMessageOverTheLimitIsClosed() async throws {
        var limits = VarlinkServerLimits()
        limits.maximumMessageLength = 4096
        try await withServer(try makeTestService(), limits: limits) { path in
            let hostile = try RawSocket(path: path)
            _ = await hostile.send([UInt8](repeating: UInt8(ascii: " "), count: 5000))
            #expect(await hostile.readUntilClosed())
            try await expectServed(path)
        }
    }

    @Test func inputBudgetClosesTheConnectionThatWouldSpendIt() async throws {
        var limits = VarlinkServerLimits()
        limits.maximumMessageLength = 8192
        limits.inputBudget = 10_000
        try await withServer(try makeTestService(), limits: limits) { path in
            let first = try RawSocket(path: path)
            _ = await first.send(
                "{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\""
                    + String(repeating: "a", count: 6000)
            )
            try await Task.sleep(for: .milliseconds(200))
            let second = try RawSocket(path: path)
            _ = await second.send([UInt8](repeating: UInt8(ascii: " "), count: 6000))
            #expect(await second.readUntilClosed())
            // The first keeps its partial message and gets its answer once it is finished.
            _ = await first.send("\"}}\0")
            let reply = try await first.readMessage()
            #expect(reply?["parameters"]?.objectValue?["text"]?.stringValue?.count == 6000)
            try await expectServed(path)
        }
    }

    /// The budget counts the memory an unfinished message holds (its buffer's capacity), not
    /// only its bytes: three unfinished messages of 70 KB (210 KB of bytes) do not all fit a
    /// 256 KiB budget, since each sits in a buffer of at least 70 KB grown by doubling.
    @Test func inputBudgetCountsTheBuffersThatHoldUnfinishedMessages() async throws {
        var limits = VarlinkServerLimits()
        limits.inputBudget = 256 * 1024
        try await withServer(try makeTestService(), limits: limits) { path in
            var sockets: [RawSocket] = []
            for _ in 0..<3 {
                let socket = try RawSocket(path: path)
                _ = await socket.send(
                    "{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\""
                        + String(repeating: "a", count: 70_000)
                )
                sockets.append(socket)
                try await Task.sleep(for: .milliseconds(200))
            }
            var closed = 0
            for socket in sockets where await socket.waitForPeerClose(seconds: 2) { closed += 1 }
            #expect(closed >= 1, "210 KB of bytes in buffers of 3 x 128 KiB: one must go over 256 KiB")
            try await expectServed(path)
        }
    }

    @Test func messagesAreReadInChunksAndStillWhole() async throws {
        var limits = VarlinkServerLimits()
        limits.readChunkBytes = 256
        try await withServer(try makeTestService(), limits: limits) { path in
            let peer = try RawSocket(path: path)
            // One message of many chunks, then 300 small calls pipelined in one write.
            let text = String(repeating: "ä", count: 50_000)
            var bytes = Array(#"{"method":"org.example.test.Echo","parameters":{"text":""#.utf8)
            bytes += Array(text.utf8) + Array("\"}}\0".utf8)
            for n in 0..<300 {
                bytes += Array("{\"method\":\"org.example.test.Add\",\"parameters\":{\"a\":\(n),\"b\":1}}\0".utf8)
            }
            #expect(await peer.send(bytes))
            let echo = try await peer.readMessage()
            #expect(echo?["parameters"]?.objectValue?["text"]?.stringValue == text)
            for n in 0..<300 {
                let reply = try await peer.readMessage()
                #expect(reply?["parameters"]?.objectValue?["sum"] == .int(Int64(n + 1)), "call \(n)")
            }
        }
    }

    @Test func partialMessageTimesOut() async throws {
        var limits = VarlinkServerLimits()
        limits.partialMessageTimeout = .milliseconds(300)
        try await withServer(try makeTestService(), limits: limits) { path in
            let slow = try RawSocket(path: path)
            slow.setReceiveTimeout(10)
            _ = await slow.send("{\"method\":\"org.example.test.Add\",")
            #expect(await slow.readUntilClosed())
        }
        // Whole messages sent slowly, each in time, are answered (a timeout far above the pauses,
        // so that a loaded machine's late wake-ups do not make the pause longer than it).
        limits.partialMessageTimeout = .seconds(3)
        try await withServer(try makeTestService(), limits: limits) { path in
            let steady = try RawSocket(path: path)
            steady.setReceiveTimeout(10)
            for _ in 0..<3 {
                _ = await steady.send("{\"method\":\"org.example.test.Add\",")
                try await Task.sleep(for: .milliseconds(150))
                _ = await steady.send("\"parameters\":{\"a\":1,\"b\":1}}\0")
                #expect(try await steady.readMessage()?["parameters"]?.objectValue?["sum"] == .int(2))
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    @Test func idleConnectionIsClosedButALongCallIsNot() async throws {
        var limits = VarlinkServerLimits()
        limits.idleTimeout = .milliseconds(300)
        try await withServer(try makeTestService(), limits: limits) { path in
            let idle = try RawSocket(path: path)
            idle.setReceiveTimeout(10)
            #expect(await idle.readUntilClosed())
            let busy = try RawSocket(path: path)
            _ = await busy.send(
                "{\"method\":\"org.example.test.Sleep\",\"parameters\":{\"milliseconds\":1000,\"tag\":7}}\0"
            )
            #expect(try await busy.readMessage()?["parameters"]?.objectValue?["tag"] == .int(7))
        }
    }

    /// A message the server holds unfinished only because it is not reading (backpressure: an
    /// earlier call is still being answered) is not cut off by the partial-message timeout.
    @Test func partialMessageTimeoutDoesNotRunWhileTheServerIsNotReading() async throws {
        var limits = VarlinkServerLimits()
        limits.partialMessageTimeout = .milliseconds(300)
        try await withServer(try makeTestService(), limits: limits) { path in
            let socket = try RawSocket(path: path)
            socket.setReceiveTimeout(60)
            let sleep = "{\"method\":\"org.example.test.Sleep\",\"parameters\":{\"milliseconds\":20000,\"tag\":1}}\0"
            let add = "{\"method\":\"org.example.test.Add\",\"parameters\":{\"a\":1,\"b\":2}}\0"
            let last = Array("{\"method\":\"org.example.test.Add\",\"parameters\":{\"a\":20,\"b\":22}}\0".utf8)
            // One read: the Sleep, two more calls (the inbound queue is full, reading stops) and
            // the first 20 bytes of a fourth, held unfinished by the server.
            #expect(await socket.send(Array((sleep + add + add).utf8) + last[..<20]))
            // Three partial-message timeouts, well within the Sleep (so reading is still paused
            // even if this test's task wakes up many seconds late on a loaded machine).
            try await Task.sleep(for: .milliseconds(1000))
            #expect(await socket.send(Array(last[20...])))
            #expect(try await socket.readMessage()?["parameters"]?.objectValue?["tag"] == .int(1))
            for expected: Int64 in [3, 3, 42] {
                #expect(try await socket.readMessage()?["parameters"]?.objectValue?["sum"] == .int(expected))
            }
        }
    }

    /// A streaming handler that races its work against the peer leaving (a task group with
    /// `waitUntilClosed`) ends when its work fails, while the peer stays connected: the peer reads
    /// the error and can go on calling. (Before, the group waited for the peer to leave, so a
    /// ledger subscriber that fell behind inside one large commit never got its error.)
    @Test func aStreamThatFailsWhileThePeerStaysEndsWithItsError() async throws {
        try await withServer(try makeTestService()) { path in
            let socket = try RawSocket(path: path)
            socket.setReceiveTimeout(20)
            #expect(await socket.send("{\"method\":\"org.example.test.FailWhileWatching\",\"more\":true}\0"))
            #expect(try await socket.readMessage()?["continues"] == .bool(true))
            #expect(try await socket.readMessage()?["error"] == .string("org.example.test.Broken"))
            #expect(await socket.send("{\"method\":\"org.example.test.Add\",\"parameters\":{\"a\":2,\"b\":3}}\0"))
            #expect(try await socket.readMessage()?["parameters"]?.objectValue?["sum"] == .int(5))
        }
    }

    /// A message over the limit is cut off at once, even behind a `more` call in progress (whose
    /// task reads no further message until the call ends): not at the partial-message timeout.
    @Test func anOversizedMessageBehindASubscriptionClosesTheConnectionAtOnce() async throws {
        var limits = VarlinkServerLimits()
        limits.maximumMessageLength = 65_536
        limits.partialMessageTimeout = .seconds(3600)
        try await withServer(try makeTestService(), limits: limits) { path in
            let socket = try RawSocket(path: path)
            socket.setReceiveTimeout(20)
            #expect(await socket.send("{\"method\":\"org.example.test.Subscribe\",\"more\":true}\0"))
            #expect(try await socket.readMessage()?["continues"] == .bool(true))
            // 128 KiB without a NUL: twice the limit. The send may fail once the server closes.
            _ = await socket.send(Array(repeating: UInt8(ascii: "x"), count: 131_072))
            #expect(await socket.drainUntilClosed(limit: 1 << 20), "closed long before the hour's timeout")
        }
    }

    /// A connection over a cap: a raw peer reads one ConnectionRefused naming `limit` (and `uid`,
    /// nil for the total cap), then the end of the stream; the library's client fails its first
    /// call with it, also when the refusal arrived before the call was written.
    static func expectRefusal(_ path: String, limit: Int64, uid: Int64?) async throws {
        let extra = try RawSocket(path: path)
        extra.setReceiveTimeout(10)
        #expect(await extra.send("{\"method\":\"org.example.test.Add\",\"parameters\":{\"a\":1,\"b\":1}}\0"))
        let refusal = try await extra.readMessage()
        #expect(refusal?["error"] == .string(VarlinkError.connectionRefusedName))
        #expect(refusal?["parameters"]?.objectValue?["limit"] == .int(limit))
        #expect(refusal?["parameters"]?.objectValue?["uid"] == uid.map { .int($0) })
        #expect(await extra.readUntilClosed())
        let client = try await VarlinkConnection.connect(unixPath: path)
        try await Task.sleep(for: .milliseconds(300))
        do {
            _ = try await client.call("org.example.test.Add", AddParameters(a: 1, b: 1))
            Issue.record("a call over the cap was answered")
        } catch let error as VarlinkError {
            #expect(error.name == VarlinkError.connectionRefusedName)
            #expect(error.parameters["limit"] == .int(limit))
        }
        await client.close()
    }

    @Test func connectionsPerUIDAreCapped() async throws {
        var limits = VarlinkServerLimits()
        limits.maximumConnectionsPerUID = 2
        try await withServer(try makeTestService(), limits: limits) { path in
            let first = try await VarlinkConnection.connect(unixPath: path)
            let second = try await VarlinkConnection.connect(unixPath: path)
            _ = try await first.call("org.example.test.Add", AddParameters(a: 1, b: 1))
            _ = try await second.call("org.example.test.Add", AddParameters(a: 1, b: 1))
            try await Self.expectRefusal(path, limit: 2, uid: Int64(getuid()))
            // The two open ones are unaffected; closing one frees a place.
            #expect(
                try await first.call("org.example.test.Add", AddParameters(a: 2, b: 2)).decode(SumReply.self).sum == 4
            )
            await second.close()
            // The place is given back when the server has seen the close: retry for a while.
            var servedAgain = false
            for _ in 0..<50 where !servedAgain {
                try await Task.sleep(for: .milliseconds(100))
                if let connection = try? await VarlinkConnection.connect(unixPath: path),
                    (try? await connection.call("org.example.test.Add", AddParameters(a: 1, b: 2))) != nil
                {
                    servedAgain = true
                    await connection.close()
                }
            }
            #expect(servedAgain)
            await first.close()
        }
    }

    /// The connection caps scaled to the descriptors (docs/varlink.md, "Connection caps and
    /// RLIMIT_NOFILE"): total = min(configured, limit − reserve − open), per uid = min(configured,
    /// total / 2), each at least 1; with enough descriptors the configured caps stay.
    @Test(arguments: [
        ScalingCase(limit: 200, open: 20, total: 1024, perUID: 256, expectedTotal: 116, expectedPerUID: 58),
        ScalingCase(limit: 256, open: 12, total: 4096, perUID: 4096, expectedTotal: 180, expectedPerUID: 90),
        ScalingCase(limit: 1_048_576, open: 30, total: 1024, perUID: 256, expectedTotal: 1024, expectedPerUID: 256),
        ScalingCase(limit: 1_048_576, open: 30, total: 1024, perUID: 1024, expectedTotal: 1024, expectedPerUID: 512),
        ScalingCase(limit: 70, open: 10, total: 1024, perUID: 256, expectedTotal: 1, expectedPerUID: 1),
        ScalingCase(limit: 69, open: 2, total: 1024, perUID: 256, expectedTotal: 3, expectedPerUID: 1),
    ])
    func connectionCapsAreScaledToTheDescriptors(_ row: ScalingCase) {
        var configured = VarlinkServerLimits()
        configured.maximumConnections = row.total
        configured.maximumConnectionsPerUID = row.perUID
        let scaled = configured.scaled(to: DescriptorBudget(limit: row.limit, open: row.open))
        #expect(scaled.maximumConnections == row.expectedTotal)
        #expect(scaled.maximumConnectionsPerUID == row.expectedPerUID)
        #expect(scaled.descriptorReserve == configured.descriptorReserve)
        #expect(scaled.maximumConnectionsPerUID < scaled.maximumConnections || scaled.maximumConnections == 1)
    }

    /// This process's budget reads the real soft limit and counts at least the standard streams.
    @Test func theCurrentDescriptorBudgetIsRead() throws {
        var limit = rlimit()
        getrlimit(CInt(RLIMIT_NOFILE.rawValue), &limit)
        let budget = try #require(DescriptorBudget.current())
        #expect(budget.limit == Int(clamping: min(limit.rlim_cur, rlim_t(Int32.max))))
        #expect(budget.open >= 3 && budget.open < budget.limit)
    }

    /// The kernel's net.core.somaxconn (the cap on any listen backlog), nil where unreadable.
    static var somaxconn: Int? {
        (try? String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// A burst of 1,500 non-blocking connects issued at once waits in the listen backlog
    /// (``VarlinkServer/listenBacklog``, 4096): none is refused with EAGAIN. NIO alone left the
    /// adopted socket at its default backlog of 128, where most of such a burst was refused.
    @Test(.enabled(if: (somaxconn ?? 0) >= 2048, "net.core.somaxconn caps the backlog below the burst"))
    func aBurstOfConnectsWaitsInTheListenBacklog() async throws {
        try await withServer(try makeTestService()) { path in
            var address = unixSocketAddress(path)
            var descriptors: [CInt] = []
            var refused = 0
            for _ in 0..<1500 {
                let fd = socket(
                    AF_UNIX,
                    CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue),
                    0
                )
                try #require(fd >= 0)
                descriptors.append(fd)
                let result = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
                if result != 0 && errno == EAGAIN { refused += 1 }
            }
            #expect(refused == 0, "\(refused) of 1500 connects refused with EAGAIN")
            for fd in descriptors { close(fd) }
            // Served again once the burst is accepted (FIFO) and its places are given back; the
            // server is not stopped while the burst still queues in its accept stream.
            var servedAgain = false
            for _ in 0..<100 where !servedAgain {
                try await Task.sleep(for: .milliseconds(100))
                if let connection = try? await VarlinkConnection.connect(unixPath: path) {
                    servedAgain = (try? await connection.call("org.example.test.Add", AddParameters(a: 1, b: 2))) != nil
                    await connection.close()
                }
            }
            #expect(servedAgain)
        }
    }

    @Test func connectionsInTotalAreCapped() async throws {
        var limits = VarlinkServerLimits()
        limits.maximumConnections = 1
        try await withServer(try makeTestService(), limits: limits) { path in
            let held = try await VarlinkConnection.connect(unixPath: path)
            _ = try await held.call("org.example.test.Add", AddParameters(a: 1, b: 1))
            try await Self.expectRefusal(path, limit: 1, uid: nil)
            #expect(
                try await held.call("org.example.test.Add", AddParameters(a: 2, b: 2)).decode(SumReply.self).sum == 4
            )
            await held.close()
        }
    }

    @Test func descriptorReserveRefusesWhenTooFewDescriptorsRemain() async throws {
        var limit = rlimit()
        getrlimit(CInt(RLIMIT_NOFILE.rawValue), &limit)
        var limits = VarlinkServerLimits()
        limits.descriptorReserve = Int(clamping: limit.rlim_cur)  // never that many free: all refused
        try await withServer(try makeTestService(), limits: limits) { path in
            let refused = try RawSocket(path: path)
            refused.setReceiveTimeout(10)
            #expect(await refused.readUntilClosed())
        }
        limits.descriptorReserve = 16
        try await withServer(try makeTestService(), limits: limits) { path in
            try await expectServed(path)
        }
    }

    @Test func callerThatNeverReadsIsCutOffAndOthersAreServed() async throws {
        var limits = VarlinkServerLimits()
        limits.outputBufferSize = 16 * 1024
        limits.replyStallTimeout = .milliseconds(500)
        try await withServer(try makeTestService(), limits: limits) { path in
            let hostile = try RawSocket(path: path)
            // Pipelined calls with large replies, never read: the kernel buffer fills, then the
            // server's queue, then the server stops reading and cuts the connection off.
            let call = "{\"method\":\"org.example.test.Big\",\"parameters\":{\"bytes\":262144}}\0"
            _ = await hostile.send(String(repeating: call, count: 64))
            try await expectServed(path)
            try await Task.sleep(for: .seconds(2))
            try await expectServed(path)
            #expect(await hostile.waitForPeerClose(seconds: 60))
            hostile.setReceiveTimeout(10)
            // What was queued before the cut-off is readable (a few hundred KiB), then the end.
            #expect(await hostile.drainUntilClosed(limit: 4 * 1024 * 1024))
        }
    }

    @Test func subscriberTooFarBehindIsCutOff() async throws {
        var limits = VarlinkServerLimits()
        limits.outputBufferSize = 16 * 1024
        limits.replyStallTimeout = .milliseconds(500)
        try await withServer(try makeTestService(), limits: limits) { path in
            let subscriber = try RawSocket(path: path)
            _ = await subscriber.send(
                "{\"method\":\"org.example.test.Count\",\"parameters\":{\"upTo\":100000000},\"more\":true}\0"
            )
            try await Task.sleep(for: .seconds(2))
            try await expectServed(path)
            // The cut-off comes once the kernel buffer and the server's queue are full and the
            // stall timeout has passed; how long filling takes depends on the machine's load, so
            // wait for the close itself before reading what was queued.
            #expect(await subscriber.waitForPeerClose(seconds: 60))
            subscriber.setReceiveTimeout(10)
            #expect(await subscriber.drainUntilClosed(limit: 4 * 1024 * 1024))
        }
    }

    /// One call whose reply is far larger than the output buffer, of which the peer reads
    /// nothing: cut off after the stall timeout, although no further reply waits behind it.
    @Test func aCallerThatReadsNoPartOfOneLargeReplyIsCutOff() async throws {
        var limits = VarlinkServerLimits()
        limits.outputBufferSize = 16 * 1024
        limits.replyStallTimeout = .milliseconds(500)
        try await withServer(try makeTestService(), limits: limits) { path in
            let hostile = try RawSocket(path: path)
            _ = await hostile.send("{\"method\":\"org.example.test.Big\",\"parameters\":{\"bytes\":4194304}}\0")
            #expect(await hostile.waitForPeerClose(seconds: 60))
            try await expectServed(path)
        }
    }

    /// Calls pipelined behind a slow one by a peer that then closes its connection are not
    /// executed: at most the one that raced the close (the first reply's failed write is what
    /// shows the server the peer is gone).
    @Test func callsPipelinedBeforeThePeerClosedAreNotExecuted() async throws {
        let recorder = TestRecorder()
        try await withServer(try makeTestService(recorder)) { path in
            let socket = try RawSocket(path: path)
            var calls = #"{"method":"org.example.test.Sleep","parameters":{"milliseconds":300,"tag":0}}"# + "\0"
            for tag in 1...20 { calls += #"{"method":"org.example.test.Record","parameters":{"tag":\#(tag)}}"# + "\0" }
            #expect(await socket.send(calls))
            await recorder.sleepStarted.wait()
            #expect(shutdown(socket.fd, CInt(SHUT_RDWR)) == 0)
            try await Task.sleep(for: .seconds(1))
            try await expectServed(path)
            #expect(recorder.recorded.current <= 1, "\(recorder.recorded.current) of 20 calls ran after the close")
        }
    }

    /// Replies queued over all connections are bounded by the output budget: when callers that
    /// never read fill it, the one that stopped reading first is cut off at once (long before the
    /// stall timeout), and a caller that reads gets its whole large reply.
    @Test func theOutputBudgetCutsOffTheConnectionReadLeastRecently() async throws {
        var limits = VarlinkServerLimits()
        limits.outputBufferSize = 16 * 1024
        limits.outputBudget = 1 << 20
        limits.replyStallTimeout = .seconds(600)
        try await withServer(try makeTestService(), limits: limits) { path in
            let call = "{\"method\":\"org.example.test.Big\",\"parameters\":{\"bytes\":1048576}}\0"
            var hostile: [RawSocket] = []
            for _ in 0..<6 {
                let socket = try RawSocket(path: path)
                _ = await socket.send(call)
                hostile.append(socket)
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(await hostile[0].waitForPeerClose(seconds: 30), "the first to stop reading is cut off")
            let reader = try await VarlinkConnection.connect(unixPath: path)
            let reply = try await reader.call("org.example.test.Big", BigParameters(bytes: 2 << 20))
            #expect(try reply.decode(EchoParameters.self).text.utf8.count == 2 << 20)
        }
    }

    /// A peer that reads one large reply slowly but steadily is never cut off by the stall
    /// timeout, even though its output stays over the watermark for many times the timeout:
    /// reading is progress.
    @Test func aSlowSteadyReaderOfALargeReplyIsNotCutOff() async throws {
        var limits = VarlinkServerLimits()
        limits.outputBufferSize = 16 * 1024
        // Progress shows once NIO can write again, which a Unix socket allows after the peer has
        // read about three quarters of the kernel's send buffer (some 150 KB): 2 s is ample.
        limits.replyStallTimeout = .seconds(2)
        try await withServer(try makeTestService(), limits: limits) { path in
            let reader = try RawSocket(path: path)
            let bytes = 1 << 20
            _ = await reader.send("{\"method\":\"org.example.test.Big\",\"parameters\":{\"bytes\":\(bytes)}}\0")
            var received = 0
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            var ended = false
            let started = ContinuousClock.now
            // 16 KiB every 50 ms: about 320 KiB/s, so the reply takes over 3 s, more than the timeout.
            while !ended {
                try await Task.sleep(for: .milliseconds(50))
                let n = recv(reader.fd, &chunk, chunk.count, 0)
                if n <= 0 { break }
                received += n
                ended = chunk[n - 1] == 0
            }
            #expect(ended, "the whole reply arrived: \(received) bytes in \(ContinuousClock.now - started)")
            #expect(received > bytes)
        }
    }
}
