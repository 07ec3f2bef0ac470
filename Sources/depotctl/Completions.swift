import ArgumentParser
import DepotAPI
import Foundation
import Synchronization
import Varlink

/// Shell completions from the running depotd: SKUs, location codes and scanner ids, asked over
/// the same socket the command line would use (`--socket PATH` or `--socket=PATH` among the words
/// typed so far, else `DEPOT_SOCKET`, else the default path; ``DepotAPI/clientSocketPath(environment:)``).
///
/// The shell runs `depotctl ---completion ...` on each TAB (swift-argument-parser's custom
/// completions); the closure gets every word typed, the index of the one being completed and its
/// text up to the cursor. When depotd cannot be reached, or does not answer within
/// ``Completions/timeout``, there are no suggestions: a completion never blocks the shell for
/// longer and never prints an error. Modes and other closed sets complete without the daemon
/// (their `ExpressibleByArgument` cases).
enum Completions {
    /// The longest a completion waits for depotd (0.8 s).
    static let timeout: Duration = .milliseconds(800)

    /// SKUs of every item (`ListItems`).
    static let items = CompletionKind.custom { words, _, prefix in
        await suggestions(words, prefix) { connection in
            try await connection.call(OrgDepotInventory.ListItems.self, .init()).items.map(\.sku)
        }
    }

    /// Codes of every location (`ListLocations`).
    static let locations = CompletionKind.custom { words, _, prefix in
        await suggestions(words, prefix) { connection in
            try await connection.call(OrgDepotInventory.ListLocations.self, .init()).locations.map(\.code)
        }
    }

    /// Ids of every scanner depotd knows (`ListScanners`).
    static let scanners = CompletionKind.custom { words, _, prefix in
        await suggestions(words, prefix) { connection in
            try await connection.call(OrgDepotScanner.ListScanners.self, .init()).scanners.map(\.id)
        }
    }

    /// The socket path the typed words name: the value of the last `--socket`, else the default.
    static func socketPath(
        in words: [String],
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> String
    {
        var path: String?
        for (index, word) in words.enumerated() {
            if word == "--socket", index + 1 < words.count {
                path = words[index + 1]
            } else if word.hasPrefix("--socket=") {
                path = String(word.dropFirst("--socket=".count))
            }
        }
        return path ?? DepotAPI.clientSocketPath(environment: environment)
    }

    /// What `list` returns from depotd, sorted, starting with `prefix`; empty on any failure or
    /// after ``timeout``.
    private static func suggestions(
        _ words: [String],
        _ prefix: String,
        _ list: @escaping @Sendable (VarlinkConnection) async throws -> [String]
    ) async -> [String] {
        let path = socketPath(in: words)
        // A race of the call and the timeout; the loser is left behind (depotctl exits after
        // printing the suggestions), so a daemon that never answers cannot hold the shell.
        let found = await withCheckedContinuation { (continuation: CheckedContinuation<[String], Never>) in
            let answered = Once()
            let finish: @Sendable ([String]) -> Void = { names in
                if answered.claim() { continuation.resume(returning: names) }
            }
            Task {
                guard let connection = try? await VarlinkConnection.connect(unixPath: path) else { return finish([]) }
                let names = try? await list(connection)
                await connection.close()
                finish(names ?? [])
            }
            Task {
                try? await Task.sleep(for: timeout)
                finish([])
            }
        }
        return found.filter { $0.hasPrefix(prefix) }.sorted()
    }
}

/// A flag that is claimed once: the first ``claim()`` returns true, every later one false.
private final class Once: Sendable {
    private let claimed = Mutex(false)

    /// True for the first caller only.
    func claim() -> Bool {
        claimed.withLock { done in
            defer { done = true }
            return !done
        }
    }
}
