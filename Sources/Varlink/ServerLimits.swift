// Bounds of one VarlinkServer: what a peer may make the server hold, and for how long.
import Logging
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one ``VarlinkServer`` lets its peers make it hold (bytes, connections, descriptors) and
/// for how long (timeouts). docs/varlink.md, "Limits", explains each and its default.
///
/// Worst-case memory for peer data is about ``inputBudget`` (all unfinished messages together)
/// plus ``outputBudget`` (all queued replies together; a connection is cut off before the total
/// stays beyond it, and one alone holds at most ``outputBufferSize`` plus one reply) plus, per
/// connection, two complete messages waiting to be answered (at most 2 × ``maximumMessageLength``,
/// only while the connection's calls are answered) and the decoded messages of one read of at
/// most ``readChunkBytes``.
public struct VarlinkServerLimits: Sendable, Equatable {
    /// Largest accepted message in bytes, without its NUL; also the most one unfinished message
    /// may buffer. Longer: the connection is closed. Default 1 MiB.
    public var maximumMessageLength: Int = 1 << 20
    /// Bytes of unfinished messages buffered over all connections together. A connection whose
    /// unfinished message would go beyond it is closed (the others keep theirs). Default 16 MiB
    /// (sixteen largest messages at once).
    public var inputBudget: Int = 16 << 20
    /// Bytes of replies queued for one connection before its replies wait (and no further calls
    /// of it are read): the high write-buffer watermark (low is half of it). Default 64 KiB.
    public var outputBufferSize: Int = 64 << 10
    /// Memory of replies queued in the server (written by handlers, not yet all taken by the
    /// kernel; each write counted at its buffer's capacity) over all connections together. When
    /// a write takes the total beyond it, the connection whose peer has read nothing for the
    /// longest time, at least 250 ms (its output over the high watermark since the earliest
    /// moment, ``OutputBudget``), is cut off at once, as the stall timeout would cut it later;
    /// connections whose peers read are never chosen. Default 16 MiB.
    public var outputBudget: Int = 16 << 20
    /// Bytes read from a connection at a time (one read per readable event, NIO's
    /// `FixedSizeRecvByteBufferAllocator`). The complete messages of one read are decoded
    /// together and wait for their turn, so this bounds what a peer pipelining many small calls
    /// makes the server hold besides the two waiting messages; a larger message is read in
    /// several chunks. Default 2 KiB.
    public var readChunkBytes: Int = 2 << 10
    /// How long the peer may read nothing while its queued output is over the high watermark
    /// (``outputBufferSize``) before the connection is cut off (a `more` subscriber too far
    /// behind, a caller that never reads, ``OutputStallHandler``). Default 30 s.
    public var replyStallTimeout: Duration = .seconds(30)
    /// How long a message may take from its first byte to its NUL. Default 10 s.
    public var partialMessageTimeout: Duration = .seconds(10)
    /// How long a connection with no call in progress may stay silent. Default 5 minutes.
    public var idleTimeout: Duration = .seconds(300)
    /// Open connections at most; a connection beyond is closed at once. Default 1024. The server
    /// takes it as given; ``scaled(to:)`` fits it to the descriptors (depotd does, at start).
    public var maximumConnections: Int = 1024
    /// Open connections of one peer uid at most (`SO_PEERCRED`); beyond: closed at once. Default
    /// 256. ``scaled(to:)`` keeps it at most half of ``maximumConnections``.
    public var maximumConnectionsPerUID: Int = 256
    /// Descriptors kept free for everything else (the database, its WAL, backups): a connection
    /// accepted while fewer than this many remain under `RLIMIT_NOFILE` is closed at once.
    /// Default 64.
    public var descriptorReserve: Int = 64

    /// The defaults above.
    public init() {}
}

/// The descriptors of this process when the connection caps are scaled
/// (``VarlinkServerLimits/scaled(to:)``): the soft `RLIMIT_NOFILE` and how many are open.
public struct DescriptorBudget: Sendable, Equatable {
    /// The soft `RLIMIT_NOFILE` (getrlimit(2)), clamped to `Int32.max`.
    public var limit: Int
    /// Descriptors open now: the entries of `/proc/self/fd` less the one reading it; where that
    /// cannot be read, the lowest free descriptor number (`fcntl(F_DUPFD)`, which counts only
    /// those below the first hole, so it is an estimate from below).
    public var open: Int

    /// A budget of `limit` descriptors of which `open` are in use (tests, documentation examples).
    public init(limit: Int, open: Int) {
        self.limit = limit
        self.open = open
    }

    /// This process's budget now; nil when `getrlimit(RLIMIT_NOFILE)` fails.
    public static func current() -> DescriptorBudget? {
        var limit = rlimit()
        guard getrlimit(CInt(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let soft = Int(clamping: min(limit.rlim_cur, rlim_t(Int32.max)))
        return DescriptorBudget(limit: soft, open: openDescriptors())
    }

    /// Counts `/proc/self/fd` (Linux, proc(5)); falls back to the lowest free descriptor.
    static func openDescriptors() -> Int {
        if let directory = opendir("/proc/self/fd") {
            defer { closedir(directory) }
            var entries = 0
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name != "." && name != ".." { entries += 1 }
            }
            return max(entries - 1, 0)  // the directory stream's own descriptor
        }
        let lowestFree = fcntl(0, F_DUPFD_CLOEXEC, 0)
        guard lowestFree >= 0 else { return 0 }
        close(lowestFree)
        return Int(lowestFree)
    }
}

extension VarlinkServerLimits {
    /// These limits with the connection caps scaled to `budget`, so that the connections allowed
    /// fit in the descriptors there are and one uid can never take every slot (docs/varlink.md,
    /// "Connection caps and RLIMIT_NOFILE"):
    ///
    /// - total = min(``maximumConnections``, limit − ``descriptorReserve`` − open), at least 1;
    /// - per uid = min(``maximumConnectionsPerUID``, total / 2 rounded down), at least 1.
    ///
    /// Only the two caps change; everything else (the reserve included, still checked at each
    /// accept) is kept. With the defaults and 200 descriptors of which 20 are open: total 116,
    /// per uid 58. Throws nothing.
    public func scaled(to budget: DescriptorBudget) -> VarlinkServerLimits {
        var scaled = self
        let room = budget.limit - descriptorReserve - budget.open
        scaled.maximumConnections = max(1, min(maximumConnections, room))
        scaled.maximumConnectionsPerUID = max(1, min(maximumConnectionsPerUID, scaled.maximumConnections / 2))
        return scaled
    }
}

extension Duration {
    /// As NIO's `TimeAmount` (nanoseconds, rounded down).
    var timeAmount: TimeAmount {
        .nanoseconds(components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000)
    }
}

/// Bytes of unfinished messages over all connections of one server (``VarlinkServerLimits/inputBudget``).
final class InputBudget: Sendable {
    let limit: Int
    private let used = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Bytes in use now.
    var inUse: Int { used.load(ordering: .relaxed) }

    /// Takes `bytes` (>= 0); false, taking nothing, when that would go beyond the limit.
    func take(_ bytes: Int) -> Bool {
        let after = used.add(bytes, ordering: .relaxed).newValue
        if after > limit {
            used.subtract(bytes, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives back `bytes` taken before.
    func give(_ bytes: Int) { used.subtract(bytes, ordering: .relaxed) }
}

/// Bytes of replies queued over all connections of one server (``VarlinkServerLimits/outputBudget``),
/// and the connections whose peers are not reading (output over the high watermark), by the
/// moment they stopped. A write that takes the total over the budget names the connection
/// stalled the longest to cut off; closing it fails its queued writes, which gives their bytes
/// back.
final class OutputBudget: Sendable {
    private struct State {
        var queued = 0
        /// Stalled connections: since when, and the channel (keyed by its identity).
        var stalled: [ObjectIdentifier: (since: NIODeadline, channel: any Channel)] = [:]
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = limit }

    /// Bytes queued now.
    var queued: Int { state.withLock { $0.queued } }

    /// How long a connection must have been stalled to be cut off for the budget: 250 ms. A
    /// reader of one large reply shows as stalled while NIO writes it (the whole reply is over
    /// the watermark until it is nearly written: a few milliseconds for 4 MiB on a Unix
    /// socket), so a peer that reads is not chosen merely for being in the middle of a reply.
    /// Replies that arrive within this time of a stall can take the total beyond the budget
    /// until the stalled connections are cut off.
    static let minimumStall: TimeAmount = .milliseconds(250)

    /// `bytes` more are queued; returns the channel to cut off when the total is now over the
    /// limit and some connection has been stalled for at least ``minimumStall`` (the one stalled
    /// longest; it is forgotten here, so it is named once).
    func add(_ bytes: Int, now: NIODeadline = .now()) -> (any Channel)? {
        state.withLock { state in
            state.queued += bytes
            return Self.victim(&state, limit: limit, now: now)
        }
    }

    /// The channel to cut off now, when the total is over the limit and some connection has
    /// been stalled for at least ``minimumStall``; checked at each write and, for a connection
    /// that stalls, once that long after (writes may have stopped by then).
    func overflowVictim(now: NIODeadline = .now()) -> (any Channel)? {
        state.withLock { Self.victim(&$0, limit: limit, now: now) }
    }

    private static func victim(_ state: inout State, limit: Int, now: NIODeadline) -> (any Channel)? {
        guard state.queued > limit else { return nil }
        guard let oldest = state.stalled.min(by: { $0.value.since < $1.value.since }),
            now - oldest.value.since >= minimumStall
        else { return nil }
        state.stalled[oldest.key] = nil
        return oldest.value.channel
    }

    /// `bytes` queued before were written or dropped.
    func subtract(_ bytes: Int) { state.withLock { $0.queued -= bytes } }

    /// `channel`'s peer stopped reading now (its output went over the high watermark).
    func stalled(_ channel: any Channel, since: NIODeadline) {
        state.withLock { $0.stalled[ObjectIdentifier(channel)] = (since, channel) }
    }

    /// `channel`'s peer reads again, or the connection is over.
    func reading(_ channel: any Channel) {
        _ = state.withLock { $0.stalled.removeValue(forKey: ObjectIdentifier(channel)) }
    }
}

/// Why a new connection was closed at once.
enum ConnectionRefusal: Sendable, CustomStringConvertible {
    case tooManyConnections(limit: Int)
    case tooManyConnectionsForUID(uid: UInt32, limit: Int)
    case descriptorReserve(reserve: Int, limit: Int)

    var description: String {
        switch self {
        case .tooManyConnections(let limit): "\(limit) connections are open, the most allowed"
        case .tooManyConnectionsForUID(let uid, let limit):
            "uid \(uid) has \(limit) connections open, the most allowed per uid"
        case .descriptorReserve(let reserve, let limit):
            "fewer than \(reserve) of \(limit) file descriptors (RLIMIT_NOFILE) would remain free"
        }
    }

    /// The error reply a refused peer gets (``VarlinkError/connectionRefusedName``); nil for the
    /// descriptor reserve, whose connection is closed at once (answering would take what the
    /// reserve keeps).
    var error: VarlinkError? {
        switch self {
        case .tooManyConnections(let limit):
            VarlinkError(
                name: VarlinkError.connectionRefusedName,
                parameters: ["reason": .string(description), "limit": .int(Int64(limit))]
            )
        case .tooManyConnectionsForUID(let uid, let limit):
            VarlinkError(
                name: VarlinkError.connectionRefusedName,
                parameters: [
                    "reason": .string(description), "limit": .int(Int64(limit)), "uid": .int(Int64(uid)),
                ]
            )
        case .descriptorReserve: nil
        }
    }
}

/// Open connections, in total and per peer uid (``VarlinkServerLimits/maximumConnections``,
/// ``VarlinkServerLimits/maximumConnectionsPerUID``).
final class ConnectionQuota: Sendable {
    private struct State {
        var total = 0
        var byUID: [UInt32: Int] = [:]
    }

    let limits: VarlinkServerLimits
    private let state = Mutex(State())

    init(limits: VarlinkServerLimits) { self.limits = limits }

    /// Takes a place for `uid` (nil: no credentials, counted under uid `UInt32.max`).
    /// - Returns: nil when taken, else why not.
    func take(uid: UInt32?) -> ConnectionRefusal? {
        let uid = uid ?? .max
        return state.withLock { state in
            guard state.total < limits.maximumConnections else {
                return .tooManyConnections(limit: limits.maximumConnections)
            }
            let ofUID = state.byUID[uid, default: 0]
            guard ofUID < limits.maximumConnectionsPerUID else {
                return .tooManyConnectionsForUID(uid: uid, limit: limits.maximumConnectionsPerUID)
            }
            state.total += 1
            state.byUID[uid] = ofUID + 1
            return nil
        }
    }

    /// Gives back the place of `uid`.
    func give(uid: UInt32?) {
        let uid = uid ?? .max
        state.withLock { state in
            state.total -= 1
            let left = state.byUID[uid, default: 1] - 1
            state.byUID[uid] = left > 0 ? left : nil
        }
    }
}

/// The descriptor reserve check (``VarlinkServerLimits/descriptorReserve``): descriptors are
/// allocated lowest-first (POSIX), so the lowest free number says how many lie below it in use;
/// at least that one and everything under the soft `RLIMIT_NOFILE` above it must leave `reserve` free.
enum DescriptorReserve {
    /// nil when at least `reserve` descriptors remain free, else the refusal.
    static func check(reserve: Int, probing descriptor: CInt) -> ConnectionRefusal? {
        guard reserve > 0 else { return nil }
        var limit = rlimit()
        guard getrlimit(CInt(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let soft = Int(clamping: min(limit.rlim_cur, rlim_t(Int32.max)))
        let lowestFree = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard lowestFree >= 0 else { return .descriptorReserve(reserve: reserve, limit: soft) }
        close(lowestFree)
        return soft - Int(lowestFree) < reserve ? .descriptorReserve(reserve: reserve, limit: soft) : nil
    }
}

/// Arms and disarms a timer that closes a channel (idle connections).
final class ConnectionTimer: Sendable {
    private let scheduled = Mutex<Scheduled<Void>?>(nil)
    let channel: any Channel
    let timeout: Duration

    init(channel: any Channel, timeout: Duration) {
        self.channel = channel
        self.timeout = timeout
    }

    /// (Re)starts the countdown; when it ends, `onExpiry` runs on the event loop and the channel closes.
    func arm(_ onExpiry: @escaping @Sendable () -> Void) {
        let channel = self.channel
        let task = channel.eventLoop.scheduleTask(in: timeout.timeAmount) {
            onExpiry()
            channel.close(promise: nil)
        }
        scheduled.withLock { old in
            old?.cancel()
            old = task
        }
    }

    /// Stops the countdown.
    func disarm() {
        scheduled.withLock { old in
            old?.cancel()
            old = nil
        }
    }
}

/// Cuts a connection off when its peer has read none of its queued output for the stall timeout
/// (``VarlinkServerLimits/replyStallTimeout``): a `more` subscriber too far behind, a caller that
/// pipelines calls and never reads the replies, or one that reads no part of one large reply;
/// and counts the connection's queued output in the server's ``OutputBudget``, cutting off the
/// connection stalled longest when the total goes over it.
///
/// The watch starts when queued output goes over the high watermark
/// (``VarlinkServerLimits/outputBufferSize``) and ends when the peer has read it down to the low
/// one. Meanwhile, every ``checkInterval(for:)``, it reads how many bytes NIO still holds for the
/// connection (`ChannelOptions.bufferedWritableBytes`): fewer than at the last check is progress
/// (the peer read, so NIO could write more), which restarts the clock; no progress for the
/// timeout cuts the connection off (`onStall` runs, the channel closes and a waiting reply write
/// fails). So the cut-off comes between the timeout and the timeout plus one interval after the
/// peer last read anything, however many calls are queued, and a slow reader of one large reply
/// is never cut off while it keeps reading. Lives in the channel's pipeline, on its event loop.
final class OutputStallHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let timeout: Duration
    let budget: OutputBudget?
    let onStall: @Sendable () -> Void
    let onEvict: @Sendable (_ queued: Int) -> Void
    private var check: RepeatedTask?

    /// - Parameters:
    ///   - onStall: runs on the event loop once, just before the channel is closed.
    ///   - onEvict: runs when the budget is over its limit and a connection (this one or
    ///     another) is cut off for it, with the bytes queued then.
    init(
        timeout: Duration,
        budget: OutputBudget? = nil,
        onStall: @escaping @Sendable () -> Void,
        onEvict: @escaping @Sendable (_ queued: Int) -> Void = { _ in }
    ) {
        self.timeout = timeout
        self.budget = budget
        self.onStall = onStall
        self.onEvict = onEvict
    }

    /// How often a stalled connection is looked at: a quarter of the timeout, at least 10 ms and
    /// at most ``OutputBudget/minimumStall`` (250 ms).
    static func checkInterval(for timeout: Duration) -> TimeAmount {
        .nanoseconds(min(max(timeout.timeAmount.nanoseconds / 4, 10_000_000), OutputBudget.minimumStall.nanoseconds))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard let budget else {
            context.write(data, promise: promise)
            return
        }
        // The memory the write holds until it is done: its buffer's capacity (an encoded reply's
        // buffer grew by doubling), at least its bytes.
        let buffer = unwrapOutboundIn(data)
        let bytes = max(buffer.readableBytes, buffer.capacity)
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.whenComplete { _ in budget.subtract(bytes) }
        let evicted = budget.add(bytes)
        context.write(data, promise: written)
        if let evicted {
            onEvict(budget.queued)
            evicted.close(promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            end(context)
        } else if check == nil {
            let channel = context.channel
            let timeout = self.timeout.timeAmount
            let (onStall, onEvict, budget) = (self.onStall, self.onEvict, self.budget)
            let began = NIODeadline.now()
            // The bytes held at the last progress, and when that was (touched on the event loop only).
            let progress = NIOLoopBoundBox((mark: Self.buffered(channel), at: began), eventLoop: context.eventLoop)
            budget?.stalled(channel, since: began)
            let interval = Self.checkInterval(for: self.timeout)
            check = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { task in
                let now = NIODeadline.now()
                let held = Self.buffered(channel)
                if held < progress.value.mark {
                    progress.value = (held, now)
                    budget?.stalled(channel, since: now)
                } else if now - progress.value.at >= timeout {
                    task.cancel()
                    onStall()
                    channel.close(promise: nil)
                    return
                }
                if let budget, let victim = budget.overflowVictim(now: now) {
                    onEvict(budget.queued)
                    victim.close(promise: nil)
                }
            }
        }
        context.fireChannelWritabilityChanged()
    }

    /// Bytes NIO holds for `channel` now (`ChannelOptions.bufferedWritableBytes`), `Int.max` when
    /// the channel cannot say (then no progress is ever seen and the timeout alone decides).
    static func buffered(_ channel: any Channel) -> Int {
        (try? channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes)).flatMap { $0 } ?? .max
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        end(context)
    }

    private func end(_ context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        budget?.reading(context.channel)
    }
}
