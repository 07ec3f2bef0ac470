// swift-tools-version: 6.1
//
// depot: a Linux daemon for warehouse floors.
// Data flows: scanner -> Evdev -> ScannerInput -> GS1 -> Workflow -> Floor -> Inventory -> SQLite;
// depotctl -> Varlink -> DepotService -> the same Inventory engine (DepotService composes Floor).
import PackageDescription

/// One list of settings for every target: Swift 6 language mode (strict concurrency).
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6)
]

let package = Package(
    name: "depot",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "depotd", targets: ["depotd"]),
        .executable(name: "depotctl", targets: ["depotctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
    ],
    targets: [
        // MARK: System libraries
        .systemLibrary(
            name: "CLibevdev",
            pkgConfig: "libevdev",
            providers: [.apt(["libevdev-dev"])]
        ),
        .systemLibrary(
            name: "CXKBCommon",
            pkgConfig: "xkbcommon",
            providers: [.apt(["libxkbcommon-dev"])]
        ),
        // ICU's spoof checker (libicu-dev) for Unicode TR39 confusable skeletons of codes: a small
        // C target, because Foundation's own copy of ICU's headers clashes with the system's in a
        // Swift module (Sources/CICU/include/depot_icu.h).
        .target(
            name: "CICU",
            linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata")]
        ),
        // Pango on cairo's PDF surface (Debian's libpango1.0-dev) for the PDF reports and sheets.
        .systemLibrary(
            name: "CPangoCairo",
            pkgConfig: "pangocairo",
            providers: [.apt(["libpango1.0-dev"])]
        ),
        // libzint ships no pkg-config file (Debian 12 libzint-dev 2.11): the modulemap links "zint".
        .systemLibrary(name: "CZint", providers: [.apt(["libzint-dev"])]),

        // MARK: Input pipeline
        .target(name: "Evdev", dependencies: ["CLibevdev", "ScannerInput"], swiftSettings: swiftSettings),
        .target(name: "ScannerInput", dependencies: ["CXKBCommon"], swiftSettings: swiftSettings),
        .target(name: "GS1", swiftSettings: swiftSettings),
        .target(name: "Workflow", dependencies: ["GS1"], swiftSettings: swiftSettings),

        // MARK: Labels (libzint PNG, ZPL text) for depotctl label
        .target(name: "Labels", dependencies: ["CZint", "GS1"], swiftSettings: swiftSettings),
        // MARK: PDF reports and sheets (pango on cairo) for depotctl report and count sheet
        .target(name: "Reports", dependencies: ["CPangoCairo"], swiftSettings: swiftSettings),

        // MARK: Engine and protocol
        .target(
            name: "Inventory",
            dependencies: [
                "GS1",
                "CICU",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Varlink",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // GS1 EPCIS 2.0 events of the ledger (docs/epcis.md): the mapping is pure, the pages read the engine.
        .target(
            name: "EPCIS",
            dependencies: ["Inventory", "GS1", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Swift types from Varlink IDL files (Sources/DepotAPI/Generated is its output; `make codegen`).
        .target(
            name: "VarlinkCodegen",
            dependencies: ["Varlink"],
            path: "Tools/VarlinkCodegen",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "varlink-codegen",
            dependencies: ["VarlinkCodegen", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/varlink-codegen",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DepotAPI",
            dependencies: ["Varlink", "GS1"],
            resources: [.embedInCode("Interfaces")],
            swiftSettings: swiftSettings
        ),
        // The per-scanner runtime: device discovery and decoding into sessions, sessions into
        // engine effects. No socket, no configuration file.
        .target(
            name: "Floor",
            dependencies: [
                "Workflow", "Inventory", "Evdev", "ScannerInput",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DepotService",
            dependencies: [
                "Floor", "Inventory", "EPCIS", "Varlink", "DepotAPI", "GS1", "Workflow", "Evdev", "ScannerInput",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Executables
        .executableTarget(
            name: "depotd",
            dependencies: [
                "DepotService", "DepotAPI", "Inventory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "depotctl",
            dependencies: [
                "Varlink", "DepotAPI", "GS1", "Labels", "Reports", "Workflow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            swiftSettings: swiftSettings
        ),

        // Serves org.varlink.certification (varlink.org certification) for the Python peer's test client.
        .executableTarget(
            name: "varlink-certification",
            dependencies: [
                "Varlink",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/varlink-certification",
            swiftSettings: swiftSettings
        ),
        // Reads scans and prints depot's GS1 parse as JSON lines (differential test against biip).
        .executableTarget(
            name: "gs1-tool",
            dependencies: ["GS1"],
            path: "Tools/gs1-tool",
            swiftSettings: swiftSettings
        ),
        // MARK: Real-kernel scanner test (runs inside the VM of mk/scanner-vm.mk)
        .executableTarget(
            name: "scanner-probe",
            dependencies: ["Evdev", "ScannerInput"],
            path: "Tools/scanner-probe",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "uinput-type",
            dependencies: ["CLibevdev", "ScannerInput", "GS1"],
            path: "Tools/uinput-type",
            swiftSettings: swiftSettings
        ),

        // Builds the recorded-shift fixture (fixtures/shift) from label texts: scripts/make-shift-fixture.sh.
        .executableTarget(
            name: "shift-fixture",
            dependencies: ["ScannerInput", "GS1"],
            path: "Tools/shift-fixture",
            swiftSettings: swiftSettings
        ),

        // Benchmark of count approval (docs/benchmarks.md, "Count approval"); not a test.
        .executableTarget(
            name: "count-bench",
            dependencies: ["Inventory", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/count-bench",
            swiftSettings: swiftSettings
        ),

        // Benchmark: FEFO picks through the socket beside the same picks in-process
        // (docs/benchmarks.md). Not a test; `make bench` runs it, `make test` only smoke-checks it.
        .executableTarget(
            name: "depot-bench",
            dependencies: [
                "Inventory", "DepotService", "DepotAPI", "Varlink",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/depot-bench",
            swiftSettings: swiftSettings
        ),

        // Scan-to-commit latency of replayed scanners on the floor path (docs/benchmarks.md, "Floor").
        .executableTarget(
            name: "floor-bench",
            dependencies: [
                "DepotService", "Floor", "Inventory", "ScannerInput",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/floor-bench",
            swiftSettings: swiftSettings
        ),

        // MARK: Test helpers
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),

        // MARK: Tests
        .testTarget(name: "GS1Tests", dependencies: ["GS1", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ScannerInputTests",
            dependencies: ["ScannerInput", "TestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "EvdevTests", dependencies: ["Evdev", "ScannerInput"], swiftSettings: swiftSettings),
        .testTarget(
            name: "InventoryTests",
            dependencies: ["Inventory", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VarlinkTests",
            dependencies: [
                "Varlink", "TestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "LabelsTests", dependencies: ["Labels", "GS1", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "WorkflowTests", dependencies: ["Workflow", "GS1"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FloorTests",
            dependencies: [
                "Floor", "Workflow", "Inventory", "TestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EPCISTests",
            dependencies: ["EPCIS", "Inventory", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DepotAPITests",
            dependencies: ["DepotAPI", "VarlinkCodegen", "Varlink"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DepotServiceTests",
            dependencies: ["DepotService", "DepotAPI", "Inventory", "Workflow", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport", "Varlink"],
            resources: [.copy("python")],
            swiftSettings: swiftSettings
        ),
    ]
)
