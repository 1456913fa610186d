import Foundation
import Testing

/// The optional real-log samples (`../shared/samples` beside the package root, or the folder
/// `AMT_SAMPLES` names). A fresh clone does not have them: the tests that read them are then
/// recorded as skipped with `Samples.skipReason`, and every other test runs. With
/// `AMT_SAMPLES_REQUIRED=1` they are expected: they run, and fail when the folder is missing.
/// `AMT_SAMPLES=/nonexistent` shows what a clone without them sees.
///
/// The same helper is in Tests/EventLogTests/SampleSupport.swift (each test target is a module).
enum Samples {
    /// The package root (this file is `<root>/Tests/ParsersTests/Samples.swift`).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let root: URL = {
        if let path = ProcessInfo.processInfo.environment["AMT_SAMPLES"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/samples", isDirectory: true)
    }()

    /// Whether the samples folder exists.
    static let present: Bool = {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }()

    /// Whether the samples must be there (`AMT_SAMPLES_REQUIRED=1`), so that their absence fails
    /// instead of skipping.
    static let required = ProcessInfo.processInfo.environment["AMT_SAMPLES_REQUIRED"] == "1"

    /// Whether tests that read the samples run: the folder is there, or it has to be.
    static let available: Bool = present || required

    static let skipReason: Comment = "needs ../shared/samples (real logs) or AMT_SAMPLES; absent here"

    /// `<root>/<sub>`; throws (failing the test) when it does not exist.
    static func url(_ sub: String) throws -> URL {
        let url = root.appendingPathComponent(sub)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Missing(path: url.path)
        }
        return url
    }

    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "sample \(path) not found: these tests read ../shared/samples beside the package (or AMT_SAMPLES)"
                + (Samples.required ? "; AMT_SAMPLES_REQUIRED=1 expects them" : "")
        }
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test only where the real-log samples are (or must be): see `Samples`.
    static var needsSamples: Self { .enabled(if: Samples.available, Samples.skipReason) }
}
