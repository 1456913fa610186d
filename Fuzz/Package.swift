// swift-tools-version:6.1
// libFuzzer targets, one per input surface, kept out of the product build. Build and run them with
// `scripts/fuzz` (it passes the sanitizer flags: `-sanitize=fuzzer,address`, `-parse-as-library`,
// `-enable-testing` so that targets can reach internal readers).
import PackageDescription

/// Each target's `main.swift` names the surface it drives; the work is in `FuzzSupport`.
let targets = [
    "FuzzDetect", "FuzzAMTError", "FuzzLayouts", "FuzzMSI", "FuzzSQLErrorlog", "FuzzSQLSetup", "FuzzSetupapi",
    "FuzzInstallShield", "FuzzDPInst", "FuzzGenericText", "FuzzCodePages",
    "FuzzEVTXRecords", "FuzzEVTXJSON", "FuzzEventXML", "FuzzEventCSV",
    "FuzzRedactSecrets", "FuzzRedactPII", "FuzzRedactEvents",
    "FuzzZipDirectory", "FuzzVerify", "FuzzManifest", "FuzzRules", "FuzzLoggingConfig", "FuzzZoneEvidence",
    "FuzzIIS",
    "FuzzWER", "FuzzSQLAgent",
]

let package = Package(
    name: "amt-collect-fuzz",
    dependencies: [.package(name: "amt-collect", path: "..")],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "AMTCollectLibraries", package: "amt-collect")]
        ),
    ] + targets.map { .executableTarget(name: $0, dependencies: ["FuzzSupport"]) }
)

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    target.swiftSettings = settings
}
