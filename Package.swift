// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "amt-collect",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "amt-collect", targets: ["AMTCollect"]),
        // The libraries, for sibling packages (Fuzz/) that drive them directly.
        .library(name: "AMTCollectLibraries",
                 targets: ["LogRecord", "CodePages", "Collector", "Parsers", "EventLog", "Triage", "Redaction", "Bundler", "Collect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    ],
    targets: [
        // System libraries: one C module per library, wrapped by the Swift module that uses it.
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        .systemLibrary(
            name: "CIsal",
            pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CUchardet",
            pkgConfig: "uchardet",
            providers: [.apt(["libuchardet-dev"])]
        ),

        .target(name: "LogRecord"),
        // Legacy Windows code pages: tables from the platform converter, uchardet detection, the
        // per-file decision. Shared by Parsers (decoding) and Redaction (raw copies in their encoding).
        .target(name: "CodePages", dependencies: ["CUchardet"]),
        .target(
            name: "Collector",
            dependencies: [
                "LogRecord",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Parsers",
            dependencies: [
                "LogRecord", "CodePages",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "EventLog",
            dependencies: [
                "LogRecord", "CZlib",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(name: "Triage", dependencies: ["LogRecord"]),
        .target(
            name: "Redaction",
            dependencies: [
                "LogRecord", "CodePages",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "Bundler",
            dependencies: [
                "LogRecord", "CArchive", "CIsal",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The engine: the staged collect pipeline, per-source processing, format dispatch, the
        // mail filter, manifest building and the platform layer (event-log export, process checks).
        .target(
            name: "Collect",
            dependencies: [
                "LogRecord", "CodePages", "Collector", "Parsers", "EventLog", "Triage", "Redaction", "Bundler",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The command surface: options into the engine's settings, prompts, output, exit codes.
        .executableTarget(
            name: "AMTCollect",
            dependencies: [
                "Collect", "LogRecord", "Collector", "Parsers", "EventLog", "Triage", "Redaction", "Bundler",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            // On Linux the process allocates through mimalloc instead of glibc's malloc: the stages
            // of `collect` free, on one thread, millions of small strings another thread made, and
            // glibc then takes the making thread's arena lock for each one, so that both threads
            // block on it (scripts/bench collect: 15% less wall time, 10% less CPU).
            linkerSettings: [.linkedLibrary("mimalloc", .when(platforms: [.linux]))]
        ),

        // Test support: text encoded with the platform's converter, independent of the tables.
        .target(name: "CodePageEncoding", dependencies: ["CodePages"], path: "Tests/Support/CodePageEncoding"),

        .testTarget(name: "LogRecordTests", dependencies: ["LogRecord"]),
        .testTarget(name: "CollectorTests", dependencies: ["Collector", "LogRecord"]),
        .testTarget(name: "ParsersTests", dependencies: ["Parsers", "LogRecord", "CodePages", "CodePageEncoding"]),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "LogRecord"]),
        .testTarget(name: "TriageTests", dependencies: ["Triage", "LogRecord"]),
        .testTarget(name: "RedactionTests", dependencies: ["Redaction", "LogRecord", "CodePages", "Parsers", "CodePageEncoding"]),
        .testTarget(name: "BundlerTests", dependencies: ["Bundler", "LogRecord", "CArchive"]),
        .testTarget(name: "CollectTests", dependencies: ["Collect", "CodePageEncoding", "CodePages", "LogRecord", "Parsers", "EventLog", "Collector", "Triage", "Bundler", "Redaction", .product(name: "Logging", package: "swift-log"), .product(name: "SystemPackage", package: "swift-system")]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Bundler", "Redaction", "LogRecord", "CArchive", .product(name: "Crypto", package: "swift-crypto")]
        ),
    ]
)

// Strict settings for every Swift target, in one place.
for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    // The libraries and the command build without warnings; a new one fails the build.
    if target.type != .test { settings.append(.treatAllWarnings(as: .error)) }
    target.swiftSettings = settings
}
