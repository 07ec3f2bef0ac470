// The NIO server: one listening Unix socket, one child task per connection, calls answered in order.
import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Serves a ``VarlinkService`` on a Unix stream socket.
///
/// ``run(onListening:)`` binds (or adopts a listening descriptor, e.g. from systemd's
/// `LISTEN_FDS`, sd_listen_fds(3)) and serves until its task is cancelled. Then it stops
/// accepting, closes idle connections and `more` subscriptions, lets calls in progress finish for up to ``gracePeriod``
/// (after which their connections are closed and their handlers cancelled), and removes the
/// socket file it created. Each connection is served by one child task of a discarding task
/// group; its calls are answered one after another, in order. A connection that sends a message
/// over ``VarlinkServerLimits/maximumMessageLength``, malformed JSON, or an envelope that is not a
/// call is closed; other connections are not affected.
///
/// Everything a peer can make the server hold is bounded by ``limits`` (docs/varlink.md,
/// "Limits"): unfinished input per connection and in total, queued output (a connection whose
/// replies are not read is not read either, and is cut off after
/// ``VarlinkServerLimits/replyStallTimeout``), partial-message and idle timeouts, connections in
/// total and per uid, and a reserve of file descriptors. A connection over a cap is closed at once.
public struct VarlinkServer: Sendable {
    /// Where to listen.
    public enum Endpoint: Sendable {
        /// Bind a new socket at this path (at most 107 bytes, unix(7)). A stale socket file
        /// (nobody answers: ECONNREFUSED) is replaced; a live one is an error.
        case unixPath(String)
        /// Adopt an already bound and listening stream socket; the server takes ownership and
        /// closes it on exit, but removes no file.
        case listeningDescriptor(CInt)
    }

    /// The served registry.
    public let service: VarlinkService
    /// Where to listen.
    public let endpoint: Endpoint
    /// File mode of a socket created at ``Endpoint/unixPath(_:)`` (default 0660); applied before
    /// `bind(2)` so the file is never more accessible, even briefly.
    public let socketMode: mode_t
    /// How long in-flight calls may take to finish after shutdown begins.
    public let gracePeriod: Duration
    /// What peers may make the server hold, and for how long.
    public let limits: VarlinkServerLimits
    /// Largest accepted message in bytes (without the NUL): ``VarlinkServerLimits/maximumMessageLength``.
    public var maximumMessageLength: Int { limits.maximumMessageLength }
    /// Open connections right now (for status reports, e.g. systemd's `STATUS=`).
    public var connectionCount: Int { connections.value.withLock { $0 } }
    let connections = ConnectionCount()
    let logger: Logger

    /// The listening socket's `listen(2)` backlog: connections the kernel queues before the
    /// server accepts them (the kernel caps it at `net.core.somaxconn`, 4096 on current kernels);
    /// beyond it a non-blocking connect fails with EAGAIN. docs/varlink.md, "Limits".
    public static let listenBacklog: Int32 = 4096

    /// Creates a server; nothing happens until ``run(onListening:)``.
    public init(
        service: VarlinkService,
        endpoint: Endpoint,
        socketMode: mode_t = 0o660,
        gracePeriod: Duration = .seconds(10),
        limits: VarlinkServerLimits = VarlinkServerLimits(),
        logger: Logger
    ) {
        self.service = service
        self.endpoint = endpoint
        self.socketMode = socketMode
        self.gracePeriod = gracePeriod
        self.limits = limits
        self.logger = logger
    }

    /// Binds, calls `onListening` once connections are accepted, and serves until cancelled.
    ///
    /// - Throws: ``VarlinkServerError`` when the socket cannot be set up; NIO's error if the
    ///   listening socket fails while serving.
    public func run(onListening: @Sendable () -> Void = {}) async throws {
        let descriptor: CInt
        var ownedFile: UnixListener?
        switch endpoint {
        case .unixPath(let path):
            let listener = try UnixListener.bind(path: path, mode: socketMode)
            descriptor = listener.descriptor
            ownedFile = listener
        case .listeningDescriptor(let fd):
            descriptor = fd
        }
        defer { ownedFile?.removeFile() }

        var logger = self.logger
        if let ownedFile { logger[metadataKey: "varlink.socket"] = "\(ownedFile.path)" }
        let limits = self.limits
        let admission = Admission(
            limits: limits,
            budget: InputBudget(limit: limits.inputBudget),
            output: OutputBudget(limit: limits.outputBudget),
            quota: ConnectionQuota(limits: limits),
            listeningDescriptor: descriptor,
            logger: logger
        )
        let reserveLogger = self.logger
        let reserve = limits.descriptorReserve
        let serverChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            // The kernel caps the backlog at net.core.somaxconn (4096 on current kernels).
            .serverChannelOption(.backlog, value: Self.listenBacklog)
            // The descriptor reserve is checked as each connection is accepted, on the accepting
            // event loop, before the connection waits for its set-up: a burst of connections
            // cannot hold descriptors the database needs while they queue.
            .serverChannelInitializer { server in
                server.eventLoop.makeCompletedFuture {
                    try server.pipeline.syncOperations.addHandler(
                        DescriptorReserveHandler(
                            reserve: reserve,
                            probing: descriptor,
                            logger: reserveLogger
                        )
                    )
                }
            }
            // A peer that shuts down only its sending side still gets the replies to its calls.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // Reads of at most `readChunkBytes`, one per readable event: the frames decoded from
            // one read wait for the connection's handler (beyond the inbound watermark), so a
            // peer pipelining many small calls holds at most one chunk's worth of them here; the
            // rest stays in the kernel until the replies are read.
            .childChannelOption(
                .recvAllocator,
                value: FixedSizeRecvByteBufferAllocator(capacity: limits.readChunkBytes)
            )
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelOption(
                .writeBufferWaterMark,
                value: ChannelOptions.Types.WriteBufferWaterMark(
                    low: max(limits.outputBufferSize / 2, 1),
                    high: max(limits.outputBufferSize, 2)
                )
            )
            .bind(descriptor) { channel in
                Self.initializeConnection(channel, admission: admission)
            }
        // NIO adopts a bound descriptor with listen(2) at its default backlog (128, in
        // `ServerSocketChannel.init(socket:eventLoop:group:)`) before the `.backlog` option is
        // set, and a set option is not applied to a socket already listening. listen(2) again on
        // the listening socket sets the backlog it keeps (Linux); it fails only on a socket that
        // is not one, which the bind above would have refused.
        _ = listen(descriptor, Self.listenBacklog)

        logger.info("Varlink server listening")
        onListening()

        let registry = ConnectionRegistry()
        let service = self.service
        let connectionLogger = logger
        let serving = Task<(any Error)?, Never> {
            await withDiscardingTaskGroup { group in
                do {
                    try await serverChannel.executeThenClose { inbound in
                        for try await connection in inbound {
                            let connections = self.connections
                            group.addTask {
                                connections.value.withLock { $0 += 1 }
                                defer { connections.value.withLock { $0 -= 1 } }
                                await Self.serve(
                                    connection,
                                    service: service,
                                    registry: registry,
                                    limits: limits
                                )
                            }
                        }
                    }
                    return nil
                } catch {
                    registry.shutdown()
                    connectionLogger.info("Varlink accept loop failed", metadata: ["varlink.error": "\(error)"])
                    return error
                }
            }
        }

        let grace = gracePeriod.timeAmount
        let forcedClose = Mutex<Scheduled<Void>?>(nil)
        let shutdownLogger = logger
        let acceptError = await withTaskCancellationHandler {
            await serving.value
        } onCancel: {
            shutdownLogger.info("Varlink server shutting down")
            serverChannel.channel.close(promise: nil)
            registry.shutdown()
            let scheduled = serverChannel.channel.eventLoop.scheduleTask(in: grace) {
                registry.closeAll()
                serving.cancel()
            }
            forcedClose.withLock { $0 = scheduled }
        }
        forcedClose.withLock { $0?.cancel() }
        logger.info("Varlink server stopped")
        if let acceptError { throw acceptError }
    }

    /// An accepted connection: its async channel and the peer's credentials; `refusal` says why
    /// it was closed at once (over a cap), nil when it is served.
    final class AcceptedConnection: Sendable {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        let peer: VarlinkPeerCredentials?
        let presence: PeerPresence
        let refusal: ConnectionRefusal?
        let refusals: RefusalGate
        /// The server's logger with the peer's `varlink.peer.uid` and `varlink.peer.pid`.
        let logger: Logger

        init(
            channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>,
            peer: VarlinkPeerCredentials?,
            presence: PeerPresence,
            refusal: ConnectionRefusal?,
            refusals: RefusalGate,
            logger: Logger
        ) {
            self.channel = channel
            self.peer = peer
            self.presence = presence
            self.refusal = refusal
            self.refusals = refusals
            self.logger = logger
        }

        // A connection still queued in the accept stream when the server stops is dropped
        // unserved, and NIOAsyncWriter traps when its writer is deinited unfinished (a burst of
        // connects, then SIGTERM, crashed depotd). executeThenClose finishes it and closes the
        // channel; for a connection served or refused it already ran, or the close is done.
        deinit {
            let channel = self.channel
            Task { try? await channel.executeThenClose { _, _ in } }
        }
    }

    /// What every new connection is checked against, shared by all of one server's connections.
    struct Admission: Sendable {
        var limits: VarlinkServerLimits
        var budget: InputBudget
        /// Replies queued over all connections (``VarlinkServerLimits/outputBudget``).
        var output: OutputBudget
        var quota: ConnectionQuota
        var listeningDescriptor: CInt
        var refusals = RefusalGate()
        /// Logs a connection's framing errors and stall cut-off (with the peer's uid and pid).
        var logger: Logger
    }

    /// Checks the caps (closing a connection over one at once, before any of its bytes is read),
    /// then sets up the pipeline: presence, bounded NUL framing, and an inbound queue of at most
    /// two messages (beyond it the connection is not read: backpressure).
    static func initializeConnection(
        _ channel: any Channel,
        admission: Admission
    ) -> EventLoopFuture<AcceptedConnection> {
        peerCredentials(of: channel).flatMapThrowing { peer in
            let presence = PeerPresence(eventLoop: channel.eventLoop)
            var logger = admission.logger
            if let peer {
                logger[metadataKey: "varlink.peer.uid"] = "\(peer.uid)"
                logger[metadataKey: "varlink.peer.pid"] = "\(peer.pid)"
            }
            var refusal = DescriptorReserve.check(
                reserve: admission.limits.descriptorReserve,
                probing: admission.listeningDescriptor
            )
            if refusal == nil {
                refusal = admission.quota.take(uid: peer?.uid)
                if refusal == nil {
                    let quota = admission.quota
                    channel.closeFuture.whenComplete { _ in quota.give(uid: peer?.uid) }
                }
            }
            if refusal == nil {
                let demand = ReadDemand()
                try channel.pipeline.syncOperations.addHandler(PeerPresenceHandler(presence: presence))
                try channel.pipeline.syncOperations.addHandler(ReadDemandHandler(demand: demand))
                try channel.pipeline.syncOperations.addHandler(
                    ByteToMessageHandler(
                        NULFrameDecoder(
                            maximumLength: admission.limits.maximumMessageLength,
                            budget: admission.budget,
                            partialTimeout: admission.limits.partialMessageTimeout,
                            demand: demand
                        )
                    )
                )
                try channel.pipeline.syncOperations.addHandler(FramingFailureHandler(logger: logger))
                let timeout = admission.limits.replyStallTimeout
                let stallLogger = logger
                let outputLimit = admission.limits.outputBudget
                try channel.pipeline.syncOperations.addHandler(
                    OutputStallHandler(
                        timeout: timeout,
                        budget: admission.output,
                        onStall: {
                            stallLogger.notice(
                                "Varlink peer does not read its replies, connection cut off",
                                metadata: ["varlink.reply_stall_timeout": "\(timeout)"]
                            )
                        },
                        onEvict: { queued in
                            stallLogger.notice(
                                "Varlink replies queued over the output budget, the connection read least recently is cut off",
                                metadata: [
                                    "varlink.output_budget": "\(outputLimit)", "varlink.output_queued": "\(queued)",
                                ]
                            )
                        }
                    )
                )
            }
            let asyncChannel = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                wrappingChannelSynchronously: channel,
                configuration: .init(backPressureStrategy: .init(lowWatermark: 1, highWatermark: 2))
            )
            if let refusal {
                presence.markLeft()  // no presence handler will: complete its promise here
                // The reserve's refusal is closed at once; a cap's refusal is answered first
                // (serve), with none of its bytes parsed.
                if refusal.error == nil { channel.close(promise: nil) }
            }
            return AcceptedConnection(
                channel: asyncChannel,
                peer: peer,
                presence: presence,
                refusal: refusal,
                refusals: admission.refusals,
                logger: logger
            )
        }
    }

    /// `getsockopt(SOL_SOCKET, SO_PEERCRED)` (socket(7)); nil where unavailable.
    static func peerCredentials(of channel: any Channel) -> EventLoopFuture<VarlinkPeerCredentials?> {
        #if os(Linux)
        if let provider = channel as? any SocketOptionProvider {
            let credentials: EventLoopFuture<LinuxPeerCredentials> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET),
                name: SocketOptionName(SO_PEERCRED)
            )
            return
                credentials
                .map { Optional(VarlinkPeerCredentials(uid: $0.uid, gid: $0.gid, pid: $0.pid)) }
                .recover { _ -> VarlinkPeerCredentials? in nil }
        }
        #endif
        return channel.eventLoop.makeSucceededFuture(nil)
    }

    static func serve(
        _ connection: AcceptedConnection,
        service: VarlinkService,
        registry: ConnectionRegistry,
        limits: VarlinkServerLimits
    ) async {
        let channel = connection.channel.channel
        let logger = connection.logger
        if let refusal = connection.refusal {
            let gate = connection.refusals
            if let unlogged = gate.noteRefusal() {
                logger.notice(
                    "Varlink connection refused",
                    metadata: ["varlink.refusal": "\(refusal)", "varlink.refusals_not_logged": "\(unlogged)"]
                )
            }
            if let error = refusal.error, gate.beginAnswer() {
                defer { gate.endAnswer() }
                await Self.refuse(connection.channel, with: error)
            } else {
                try? await channel.close()
            }
            return
        }
        guard let id = registry.add(channel) else {
            try? await channel.close()
            return
        }
        defer { registry.remove(id) }
        // The connection's calls run in a task of their own that is cancelled when the
        // connection closes (the peer is gone, a limit cut it off, or the server's grace period
        // ran out): a call still waiting for the database (a reader, GRDB's async read) ends then
        // instead of producing a reply nobody reads. A write already submitted is not undone:
        // it waits for its group commit (``VarlinkService`` handlers see CancellationError only
        // where they wait cancellably).
        let calls = Task {
            await Self.answerCalls(
                connection,
                id: id,
                service: service,
                registry: registry,
                limits: limits,
                logger: logger
            )
        }
        channel.closeFuture.whenComplete { _ in calls.cancel() }
        await withTaskCancellationHandler {
            await calls.value
        } onCancel: {
            calls.cancel()
        }
    }

    /// Reads and answers one connection's calls in order until it ends.
    static func answerCalls(
        _ connection: AcceptedConnection,
        id: Int,
        service: VarlinkService,
        registry: ConnectionRegistry,
        limits: VarlinkServerLimits,
        logger: Logger
    ) async {
        let channel = connection.channel.channel
        do {
            try await connection.channel.executeThenClose { inbound, outbound in
                let transport = ReplyTransport(
                    allocator: channel.allocator,
                    write: { buffer in try await Self.write(buffer, to: outbound) },
                    isClosed: { connection.presence.hasLeft },
                    waitUntilClosed: { await connection.presence.waitUntilLeft() }
                )
                let idle = ConnectionTimer(channel: channel, timeout: limits.idleTimeout)
                let idleLogger = logger
                let onIdle: @Sendable () -> Void = {
                    idleLogger.info(
                        "Varlink connection idle, closing",
                        metadata: ["varlink.idle_timeout": "\(limits.idleTimeout)"]
                    )
                }
                idle.arm(onIdle)
                defer { idle.disarm() }
                for try await frame in inbound {
                    idle.disarm()
                    defer { idle.arm(onIdle) }
                    // The calls a peer pipelined before it closed the connection are not
                    // answered: nobody would read the replies (a peer that only shut down its
                    // sending side keeps the connection active and gets them).
                    guard channel.isActive, registry.beginCall(id) else { break }
                    // Not before the peer has read the previous replies down to the low
                    // watermark: a peer that does not read holds at most one reply beyond
                    // the output buffer, never one per pipelined call.
                    if !channel.isWritable { try await Self.write(channel.allocator.buffer(capacity: 0), to: outbound) }
                    let call: CallEnvelope
                    do {
                        call = try Envelope.parseCall(frame)
                    } catch {
                        logger.info(
                            "Varlink protocol violation, closing connection",
                            metadata: ["varlink.error": "\(error)"]
                        )
                        break
                    }
                    // A subscription (`more`) has no end of its own: shutdown closes it at once
                    // instead of waiting the grace period for it.
                    if call.more, !registry.beginStream(id) { break }
                    let request = VarlinkRequest(
                        method: call.method,
                        parameters: call.parameters,
                        oneway: call.oneway,
                        more: call.more,
                        peer: connection.peer
                    )
                    let responder = VarlinkResponder(request: request, transport: transport)
                    if call.upgrade {
                        try? await responder.fail(.methodNotImplemented(call.method))
                    } else {
                        await service.dispatch(request, responder: responder, logger: logger)
                    }
                    guard registry.endCall(id) else { break }
                }
            }
        } catch is VarlinkFramingError {
            // Logged by FramingFailureHandler when it closed the connection.
        } catch {
            logger.debug("Varlink connection ended with an error", metadata: ["varlink.error": "\(error)"])
        }
    }

    /// How long a connection refused for a cap stays open after its error reply, reading and
    /// discarding what its peer sends (at most ``refusalDiscardBytes``), so that a peer that
    /// writes its first call after the refusal was sent reads the reply instead of failing its
    /// write with `EPIPE`: 1 s.
    static let refusalLinger: Duration = .seconds(1)
    /// The most bytes read and discarded from a refused connection: 64 KiB.
    static let refusalDiscardBytes = 65_536

    /// Answers a connection refused for a cap: one error reply (``VarlinkError/connectionRefusedName``),
    /// then the output side is shut down (the peer reads the reply, then end of stream), and the
    /// connection closes at its peer's end of stream, after ``refusalDiscardBytes`` or after
    /// ``refusalLinger``, whichever comes first. None of the peer's bytes is parsed.
    static func refuse(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, with error: VarlinkError) async {
        let channel = connection.channel
        let linger = channel.eventLoop.scheduleTask(in: refusalLinger.timeAmount) { channel.close(promise: nil) }
        defer { linger.cancel() }
        try? await connection.executeThenClose { inbound, outbound in
            var buffer = channel.allocator.buffer(capacity: 256)
            Envelope.writeError(error, into: &buffer)
            try await outbound.write(buffer)
            try? await channel.close(mode: .output)
            var discarded = 0
            for try await chunk in inbound {
                discarded += chunk.readableBytes
                if discarded > refusalDiscardBytes { break }
            }
        }
    }

    /// Writes one reply. While the connection's queued output is over the high watermark the
    /// write waits (and so does reading the next call); when the peer has not read enough for
    /// the stall timeout, ``OutputStallHandler`` cuts the connection off and the write fails.
    /// - Throws: ``VarlinkResponderError/connectionClosed`` when the connection was cut off or
    ///   is closed.
    static func write(_ buffer: ByteBuffer, to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        do {
            try await outbound.write(buffer)
        } catch {
            throw VarlinkResponderError.connectionClosed
        }
    }
}

#if os(Linux)
/// Layout of Linux `struct ucred` (socket(7)), which Glibc only exposes with _GNU_SOURCE.
struct LinuxPeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
#endif

/// Whether the peer is still there: it has left once it closed the connection or stopped
/// sending (end of its input: a peer that half-closes still gets its pending replies, but a
/// subscription should end).
final class PeerPresence: Sendable {
    private let left = Mutex(false)
    private let promise: EventLoopPromise<Void>

    init(eventLoop: any EventLoop) {
        promise = eventLoop.makePromise()
    }

    var hasLeft: Bool { left.withLock { $0 } }

    func markLeft() {
        let first = left.withLock { left in
            defer { left = true }
            return !left
        }
        if first { promise.succeed() }
    }

    /// Returns once the peer has left, or as soon as the calling task is cancelled (so a handler
    /// that races its work against the peer leaving, in a task group, ends when the work ends or
    /// fails, instead of waiting for the peer).
    func waitUntilLeft() async {
        let future = promise.futureResult
        let waiter = OnceWaiter()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                waiter.store(continuation)
                future.whenComplete { _ in waiter.resume() }
                if Task.isCancelled { waiter.resume() }
            }
        } onCancel: {
            waiter.resume()
        }
    }
}

/// A continuation resumed at most once, by whichever comes first.
final class OnceWaiter: Sendable {
    private let continuation = Mutex<CheckedContinuation<Void, Never>?>(nil)

    func store(_ waiting: CheckedContinuation<Void, Never>) {
        continuation.withLock { $0 = waiting }
    }

    func resume() {
        continuation.withLock { waiting in
            waiting?.resume()
            waiting = nil
        }
    }
}

/// Watches the connection for the end of the peer's input or the connection closing.
final class PeerPresenceHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let presence: PeerPresence

    init(presence: PeerPresence) { self.presence = presence }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { presence.markLeft() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        presence.markLeft()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        presence.markLeft()
    }
}

/// A counter of open connections shared by the copies of one ``VarlinkServer``.
final class ConnectionCount: Sendable {
    let value = Mutex(0)
}

/// The open connections, so shutdown can close the idle ones at once and the busy ones after
/// their current call.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        var channel: any Channel
        var busy = false
        /// In a call with `more`: a stream that ends only when the peer or the server ends it.
        var streaming = false
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextID = 0
        var shuttingDown = false
    }

    private let state = Mutex(State())

    /// Registers a connection; nil when shutting down (close it).
    func add(_ channel: any Channel) -> Int? {
        state.withLock { state in
            guard !state.shuttingDown else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(channel: channel)
            return id
        }
    }

    /// Marks the connection busy; false when shutting down (do not start the call).
    func beginCall(_ id: Int) -> Bool {
        state.withLock { state in
            guard !state.shuttingDown else { return false }
            state.entries[id]?.busy = true
            return true
        }
    }

    /// Marks the busy connection's call as a stream (`more`); false when shutting down (do not
    /// start it).
    func beginStream(_ id: Int) -> Bool {
        state.withLock { state in
            guard !state.shuttingDown else { return false }
            state.entries[id]?.streaming = true
            return true
        }
    }

    /// Marks the connection idle; false when shutting down (stop reading calls).
    func endCall(_ id: Int) -> Bool {
        state.withLock { state in
            state.entries[id]?.busy = false
            state.entries[id]?.streaming = false
            return !state.shuttingDown
        }
    }

    func remove(_ id: Int) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// Stops new calls; closes idle connections and streaming subscriptions now (a subscriber
    /// sees the connection end; a `more` call has no last reply to wait for).
    func shutdown() {
        let idle = state.withLock { state in
            state.shuttingDown = true
            return state.entries.values.filter { !$0.busy || $0.streaming }.map(\.channel)
        }
        for channel in idle { channel.close(promise: nil) }
    }

    /// Closes every connection (grace period over).
    func closeAll() {
        let all = state.withLock { $0.entries.values.map(\.channel) }
        for channel in all { channel.close(promise: nil) }
    }
}

/// On the listening channel: closes an accepted connection at once when fewer than the reserve
/// of descriptors would remain (``DescriptorReserve``), before it is set up or queued.
final class DescriptorReserveHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    let reserve: Int
    let descriptor: CInt
    let logger: Logger
    /// How long accepting pauses after a connection is refused for the reserve (50 ms).
    static let acceptPause: TimeAmount = .milliseconds(50)

    init(reserve: Int, probing descriptor: CInt, logger: Logger) {
        self.reserve = reserve
        self.descriptor = descriptor
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let refusal = DescriptorReserve.check(reserve: reserve, probing: descriptor) {
            let child = unwrapInboundIn(data)
            child.close(promise: nil)
            logger.notice("Varlink connection refused", metadata: ["varlink.refusal": "\(refusal)"])
            // Stop accepting for a moment: the refused connection's descriptor is closed on its
            // own event loop, and accepting on at once would take the next descriptor before that
            // one is free, so a burst could use up the reserve. The connections wait in the
            // kernel's backlog meanwhile and are taken (or refused) one at a time.
            let server = context.channel
            server.setOption(ChannelOptions.autoRead, value: false).whenSuccess {
                server.eventLoop.scheduleTask(in: Self.acceptPause) {
                    server.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
                }
            }
            return
        }
        context.fireChannelRead(data)
    }
}

/// Keeps refusals cheap under a flood of connections over a cap: at most
/// ``maximumAnswering`` refused connections are answered (and held open for the
/// ``VarlinkServer/refusalLinger``) at once, the rest are closed unanswered, so refusals hold at
/// most that many descriptors; and at most one refusal a second is logged, with the number left
/// unlogged since the last one.
final class RefusalGate: Sendable {
    /// Refused connections answered at once: 32.
    static let maximumAnswering = 32
    /// Least time between two logged refusals: 1 s.
    static let logInterval: Duration = .seconds(1)

    private struct State {
        var answering = 0
        var lastLogged: ContinuousClock.Instant?
        var unlogged = 0
    }

    private let state = Mutex(State())

    /// A refusal happened: the number of refusals not logged since the last logged one when this
    /// one is to be logged, nil when it is not.
    func noteRefusal(now: ContinuousClock.Instant = .now) -> Int? {
        state.withLock { state in
            if let last = state.lastLogged, now - last < Self.logInterval {
                state.unlogged += 1
                return nil
            }
            let unlogged = state.unlogged
            state.lastLogged = now
            state.unlogged = 0
            return unlogged
        }
    }

    /// Takes a place to answer a refused connection; false when ``maximumAnswering`` are taken.
    func beginAnswer() -> Bool {
        state.withLock { state in
            guard state.answering < Self.maximumAnswering else { return false }
            state.answering += 1
            return true
        }
    }

    /// Gives back the place taken by ``beginAnswer()``.
    func endAnswer() { state.withLock { $0.answering -= 1 } }
}
