// swift-tools-version:6.1
// Benchmark harnesses, kept out of the product build (scripts/bench-parsers builds and runs them).
import PackageDescription

let package = Package(
    name: "amt-collect-benchmarks",
    dependencies: [.package(name: "amt-collect", path: "..")],
    targets: [
        .executableTarget(
            name: "LayoutBench",
            dependencies: [.product(name: "AMTCollectLibraries", package: "amt-collect")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
