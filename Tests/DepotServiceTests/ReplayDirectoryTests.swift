import Foundation
import ScannerInput
import TestSupport
import Testing

@testable import DepotService

/// The replay directory: captures are read from one directory only, bounded, and a refused
/// file's content never appears in the refusal.
@Suite struct ReplayDirectoryTests {
    static let capture = """
        N: Test Scanner
        I: 0003 05e0 1200 0110
        E: 0.000001 0001 001e 1
        E: 0.000001 0000 0000 0
        E: 0.000100 0001 001e 0
        E: 0.000100 0000 0000 0

        """

    /// A temp dir with `replays/` inside and a secret file beside it (outside).
    struct Tree {
        let root: TemporaryDirectory
        var replays: String { root.file("replays") }
        var secret: String { root.file("secret.txt") }
        static let secretText = "N: TOP-SECRET-7f3a\nroot:x:0:0:root:/root:/bin/bash\n"

        init() throws {
            root = try TemporaryDirectory(prefix: "depot-replay")
            try FileManager.default.createDirectory(atPath: root.file("replays/sub"), withIntermediateDirectories: true)
            try Data(ReplayDirectoryTests.capture.utf8).write(to: URL(fileURLWithPath: root.file("replays/ok.evemu")))
            try Data(ReplayDirectoryTests.capture.utf8).write(
                to: URL(fileURLWithPath: root.file("replays/sub/deep.evemu"))
            )
            try Data(Self.secretText.utf8).write(to: URL(fileURLWithPath: secret))
        }

        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: replays + "/" + name))
        }
    }

    func refusal(_ directory: ReplayDirectory, _ path: String) -> ReplayRefusal? {
        do {
            _ = try directory.read(path)
            return nil
        } catch {
            return error
        }
    }

    @Test("a capture in the directory is read: by name, in a subdirectory, by absolute path inside")
    func readsInside() throws {
        let tree = try Tree()
        defer { tree.root.remove() }
        let directory = ReplayDirectory(path: tree.replays)
        let resolved = try #require(ReplayDirectory.realPath(tree.replays))
        for name in ["ok.evemu", "./ok.evemu", "sub/deep.evemu", tree.replays + "/sub/deep.evemu", "sub//deep.evemu"] {
            let (path, recording) = try directory.read(name)
            #expect(recording.device.name == "Test Scanner", "\(name)")
            #expect(path.hasPrefix(resolved + "/"), "\(name) -> \(path)")
            #expect(recording.events.count == 4)
        }
    }

    @Test(
        "paths outside are refused without a byte of the file",
        arguments: ["/etc/passwd", "../secret.txt", "sub/../../secret.txt", "/tmp"]
    )
    func refusesOutside(_ name: String) throws {
        let tree = try Tree()
        defer { tree.root.remove() }
        let directory = ReplayDirectory(path: tree.replays)
        let requested = name == "/tmp" ? tree.secret : name
        let error = try #require(refusal(directory, requested))
        #expect(error.path == requested)
        #expect(error.reason == .outside(tree.replays) || error.reason == .parentComponent, "\(error)")
        #expect(!error.description.contains("root:x"), "\(error)")
        #expect(!error.description.contains("TOP-SECRET"), "\(error)")
    }

    @Test("a symbolic link out of the directory is refused; one that stays inside is followed")
    func symbolicLinks() throws {
        let tree = try Tree()
        defer { tree.root.remove() }
        let files = FileManager.default
        try files.createSymbolicLink(atPath: tree.replays + "/passwd", withDestinationPath: "/etc/passwd")
        try files.createSymbolicLink(atPath: tree.replays + "/secret", withDestinationPath: tree.secret)
        try files.createSymbolicLink(atPath: tree.replays + "/up", withDestinationPath: tree.root.path)
        try files.createSymbolicLink(atPath: tree.replays + "/alias.evemu", withDestinationPath: "sub/deep.evemu")
        let directory = ReplayDirectory(path: tree.replays)
        for name in ["passwd", "secret", "up/secret.txt"] {
            let error = try #require(refusal(directory, name), "\(name)")
            #expect(error.reason == .outside(tree.replays), "\(name): \(error)")
            #expect(!error.description.contains("TOP-SECRET") && !error.description.contains("root:x"))
        }
        #expect(try directory.read("alias.evemu").recording.device.name == "Test Scanner")
    }

    @Test("a link swapped in after the check is not followed (O_NOFOLLOW beneath the directory)")
    func noFollowAtOpen() throws {
        let tree = try Tree()
        defer { tree.root.remove() }
        try FileManager.default.createSymbolicLink(atPath: tree.replays + "/swapped", withDestinationPath: tree.secret)
        let resolved = try #require(ReplayDirectory.realPath(tree.replays))
        #expect {
            try ReplayDirectory.openBeneath(resolved, ["swapped"], "swapped")
        } throws: { error in
            (error as? ReplayRefusal)?.reason == .symbolicLink
        }
    }

    @Test("directories, FIFOs and missing files are refused, and a FIFO does not block")
    func notRegular() throws {
        let tree = try Tree()
        defer { tree.root.remove() }
        #expect(mkfifo(tree.replays + "/fifo", 0o600) == 0)
        let directory = ReplayDirectory(path: tree.replays)
        #expect(refusal(directory, "fifo")?.reason == .notRegularFile)
        #expect(refusal(directory, "sub")?.reason == .notRegularFile)
        #expect(refusal(directory, "")?.reason == .invalidName)
        #expect(refusal(directory, "missing.evemu")?.reason == .notFound)
        #expect(refusal(directory, tree.replays)?.reason == .notRegularFile)
        let gone = ReplayDirectory(path: tree.root.file("nowhere"))
        #expect(refusal(gone, "ok.evemu")?.reason == .directoryMissing(tree.root.file("nowhere")))
    }

    @Test("size and line caps")
    func caps() throws {
        let tree = try Tree()
        defer { tree.root.remove() }
        try tree.write("long-line.evemu", "N: x\n# " + String(repeating: "A", count: 5000) + "\n")
        try tree.write("big.evemu", Self.capture + String(repeating: "# padding\n", count: 300))
        #expect(
            refusal(ReplayDirectory(path: tree.replays), "long-line.evemu")?.reason
                == .lineTooLong(line: 2, limit: 4096)
        )
        let directory = ReplayDirectory(path: tree.replays, maximumFileBytes: 2048, maximumLineBytes: 4096)
        let big = try #require(refusal(directory, "big.evemu"))
        guard case .tooLarge(let bytes, let limit) = big.reason else {
            Issue.record("\(big)")
            return
        }
        #expect(bytes > 2048 && limit == 2048)
        #expect(big.description.contains("max_file_bytes"))
        #expect(try directory.read("ok.evemu").recording.events.count == 4)
    }

    @Test("[replay] keys and --replay-dir's default: replays/ beside the database")
    func configuration() throws {
        let file = try ConfigurationFile(
            parsing: """
                [replay]
                directory = "/srv/captures"
                max_file_bytes = 1048576
                max_line_bytes = 512
                """,
            file: "depotd.conf"
        )
        var configuration = DepotConfiguration(databasePath: "/var/lib/depot/depot.sqlite", socketPath: "/run/d.sock")
        #expect(configuration.replays == ReplayDirectory(path: "/var/lib/depot/replays"))
        configuration.apply(file, path: "depotd.conf")
        #expect(
            configuration.replays
                == ReplayDirectory(path: "/srv/captures", maximumFileBytes: 1 << 20, maximumLineBytes: 512)
        )
        #expect {
            try ConfigurationFile(parsing: "[replay]\ndirectory = \"captures\"\n", file: "depotd.conf")
        } throws: { error in
            "\(error)" == "depotd.conf:2: key 'replay.directory': \"captures\" is not an absolute path"
        }
        #expect {
            try ConfigurationFile(parsing: "[replay]\nmax_line_bytes = 10\n", file: "depotd.conf")
        } throws: { error in
            "\(error)".contains("replay.max_line_bytes': 10 is out of range 80...1048576")
        }
    }

    @Test("a malformed or binary file is refused with its line number and reason only")
    func malformedWithoutContent() throws {
        let tree = try Tree()
        defer { tree.root.remove() }
        try tree.write("hello.evemu", "TOP-SECRET-7f3a is the password\n")
        try tree.write("fields.evemu", "N: x\nE: 0.000001 0001 SECRETFIELD 1\n")
        try tree.write("stamp.evemu", "N: x\nE: SECRETSTAMP 0001 001e 1\n")
        try tree.write("tag.evemu", "N: x\nQ: SECRET\n")
        try Data([0x4E, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: tree.replays + "/binary.evemu"))
        let directory = ReplayDirectory(path: tree.replays)
        let hello = try #require(refusal(directory, "hello.evemu"))
        #expect(hello.reason == .malformed(line: 1, reason: "expected 'X: ...' or a '#' comment"))
        for name in ["fields.evemu", "stamp.evemu", "tag.evemu"] {
            let error = try #require(refusal(directory, name))
            guard case .malformed(line: 2, _) = error.reason else {
                Issue.record("\(name): \(error)")
                continue
            }
            #expect(!error.description.contains("SECRET"), "\(error)")
        }
        #expect(!hello.description.contains("SECRET"))
        #expect(refusal(directory, "binary.evemu")?.reason == .notText)
    }
}
