// Real sockets in temp dirs for the Varlink tests (short paths: sun_path holds 107 bytes).
import Foundation
import Logging
import Synchronization
import Varlink

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A fresh directory under /tmp, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/varlink-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        path = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Silent unless VARLINK_TEST_LOG names a level (e.g. `debug`), then to standard error.
let quietLogger: Logger = {
    guard let level = ProcessInfo.processInfo.environment["VARLINK_TEST_LOG"].flatMap(Logger.Level.init(rawValue:))
    else {
        return Logger(label: "varlink-tests") { _ in SwiftLogNoOpLogHandler() }
    }
    var logger = Logger(label: "varlink-tests") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = level
    return logger
}()

let testInfo = VarlinkServiceInfo(
    vendor: "depot tests",
    product: "VarlinkTests",
    version: "0",
    url: "https://example.org/depot"
)

/// Runs a server on a temp socket for the duration of `body`, then cancels it and waits for it
/// to finish (so every test also exercises shutdown).
func withServer(
    _ service: VarlinkService,
    gracePeriod: Duration = .seconds(10),
    limits: VarlinkServerLimits = VarlinkServerLimits(),
    _ body: (_ path: String) async throws -> Void
) async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let path = directory.file("s.sock")
    let server = VarlinkServer(
        service: service,
        endpoint: .unixPath(path),
        gracePeriod: gracePeriod,
        limits: limits,
        logger: quietLogger
    )
    let (listening, signal) = AsyncStream.makeStream(of: Void.self)
    let task = Task {
        defer { signal.finish() }
        try await server.run { signal.yield() }
    }
    for await _ in listening { break }
    do {
        try await body(path)
    } catch {
        task.cancel()
        _ = try? await task.value
        throw error
    }
    task.cancel()
    try await task.value
}

/// A blocking Unix-socket client speaking raw bytes, for framing tests. Its blocking calls run
/// on their own threads, not on the Swift concurrency pool. Use from one task at a time.
final class RawSocket: @unchecked Sendable {
    let fd: CInt
    private var buffer: [UInt8] = []

    init(path: String) throws {
        fd = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = unixSocketAddress(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let error = errno
            close(fd)
            throw POSIXError(.init(rawValue: error) ?? .EIO)
        }
    }

    deinit { close(fd) }

    /// Runs blocking socket I/O on its own thread: on Linux the Swift concurrency pool runs on
    /// Dispatch's global queues, so blocking those would starve the server under test.
    private func blocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }

    /// Writes all bytes; false when the peer closed.
    @discardableResult
    func send(_ bytes: [UInt8]) async -> Bool {
        await blocking { [fd] in
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes {
                    Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
    }

    func send(_ text: String) async -> Bool { await send(Array(text.utf8)) }

    /// Reads up to the next NUL; nil when the peer closed first.
    func readFrame() async -> [UInt8]? {
        var scanned = 0
        while true {
            if let nul = buffer[scanned...].firstIndex(of: 0) {
                let frame = Array(buffer[..<nul])
                buffer.removeSubrange(...nul)
                return frame
            }
            scanned = buffer.count
            guard let chunk = await readChunk() else { return nil }
            buffer += chunk
        }
    }

    /// Reads a frame and parses it as a JSON object.
    func readMessage() async throws -> [String: VarlinkValue]? {
        guard let frame = await readFrame() else { return nil }
        return try VarlinkValue(json: frame).objectValue
    }

    /// Reads until end of stream; true when the peer closed (within the 60 s receive timeout).
    func readUntilClosed() async -> Bool {
        while true {
            guard let chunk = await readChunk() else { return true }
            if chunk.isEmpty { return false }
        }
    }

    /// Sets the receive timeout (SO_RCVTIMEO) for later reads.
    func setReceiveTimeout(_ seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Waits, without reading, until the peer has closed its end (poll(2) `POLLRDHUP`, which a
    /// Unix stream socket reports even while unread data is still queued): true when it did
    /// within `seconds`.
    func waitForPeerClose(seconds: Int) async -> Bool {
        await blocking { [fd] in
            let peerHungUp: Int16 = 0x2000  // POLLRDHUP, which Glibc only exposes with _GNU_SOURCE
            var entry = pollfd(fd: fd, events: peerHungUp, revents: 0)
            let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
            while ContinuousClock.now < deadline {
                let ready = poll(&entry, 1, 100)
                if ready > 0 && entry.revents & (peerHungUp | Int16(POLLHUP)) != 0 { return true }
                if ready < 0 && errno != EINTR { return false }
            }
            return false
        }
    }

    /// Reads and discards until end of stream: true when the peer closed before `limit` bytes
    /// arrived and before a read timed out; false otherwise (the connection is still served).
    func drainUntilClosed(limit: Int) async -> Bool {
        var total = 0
        while total <= limit {
            guard let chunk = await readChunk() else { return true }
            if chunk.isEmpty { return false }
            total += chunk.count
        }
        return false
    }

    /// nil on EOF or error; an empty array on timeout.
    private func readChunk() async -> [UInt8]? {
        await blocking { [fd] in
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 { return Array(chunk[..<count]) }
                if count < 0 && errno == EINTR { continue }
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return [] }
                return nil
            }
        }
    }
}

/// A one-shot gate a handler can wait on.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Counts things from concurrent handlers.
final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    var current: Int { value.withLock { $0 } }
}

/// The `sockaddr_un` (unix(7)) of the socket file at `path`, NUL-terminated; `path` must fit
/// `sun_path` (108 bytes with its NUL), which the tests' temp paths do.
func unixSocketAddress(_ path: String) -> sockaddr_un {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    precondition(bytes.count < MemoryLayout.size(ofValue: address.sun_path), "socket path too long: \(path)")
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    return address
}
