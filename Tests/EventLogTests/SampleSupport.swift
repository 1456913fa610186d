import Foundation
import LogRecord
import SystemPackage
import Testing
@testable import EventLog

/// The optional real-log samples (`../shared/samples` beside the package root, or the folder
/// `AMT_SAMPLES` names). A fresh clone does not have them: the tests that read them are then
/// recorded as skipped with `Samples.skipReason`, and every other test runs. With
/// `AMT_SAMPLES_REQUIRED=1` they are expected: they run, and fail when the folder is missing.
/// `AMT_SAMPLES=/nonexistent` shows what a clone without them sees.
///
/// The same helper is in Tests/ParsersTests/Samples.swift (each test target is a module).
enum Samples {
    /// The package root (this file is `<root>/Tests/EventLogTests/SampleSupport.swift`).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let root: URL = {
        if let path = ProcessInfo.processInfo.environment["AMT_SAMPLES"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/samples", isDirectory: true)
    }()

    /// Whether the samples folder exists.
    static let present: Bool = isDirectory(root)

    /// Whether the samples must be there (`AMT_SAMPLES_REQUIRED=1`), so that their absence fails
    /// instead of skipping.
    static let required = ProcessInfo.processInfo.environment["AMT_SAMPLES_REQUIRED"] == "1"

    /// Whether tests that read the samples run: the folder is there, or it has to be.
    static let available: Bool = present || required

    static let skipReason: Comment = "needs ../shared/samples (real logs) or AMT_SAMPLES; absent here"

    static func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }

    /// The sample directory `<root>/<sub>`; throws (failing the test) when it is missing.
    static func directory(_ sub: String) throws -> URL {
        let dir = root.appendingPathComponent(sub)
        guard isDirectory(dir) else {
            throw SampleError(message: "sample directory \(dir.path) is missing: these tests read ../shared/samples beside the package root (or AMT_SAMPLES)" + (required ? "; AMT_SAMPLES_REQUIRED=1 expects them" : ""))
        }
        return dir
    }

    struct SampleError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test only where the real-log samples are (or must be): see `Samples`.
    static var needsSamples: Self { .enabled(if: Samples.available, Samples.skipReason) }
}

/// The per-record facts evtx_oracle.py compares.
struct Facts: Equatable {
    var recordID: Int
    var timestamp: String
    var timeCreated: String?
    var eventID: Int?
    var qualifiers: Int?
    var level: Int?
    var provider: String?
    var channel: String?
    var computer: String?
    var data: [String: String]

    /// Field names that differ, with the oracle's allowances (nil ≡ "" for names; qualifiers nil ≡ 0).
    func differences(_ o: Facts) -> [String] {
        var d: [String] = []
        if timestamp != o.timestamp { d.append("timestamp") }
        if timeCreated != o.timeCreated { d.append("time_created") }
        if eventID != o.eventID { d.append("event_id") }
        if qualifiers != o.qualifiers && !((qualifiers ?? 0) == 0 && (o.qualifiers ?? 0) == 0) { d.append("qualifiers") }
        if level != o.level { d.append("level") }
        if (provider ?? "") != (o.provider ?? "") { d.append("provider") }
        if (channel ?? "") != (o.channel ?? "") { d.append("channel") }
        if (computer ?? "") != (o.computer ?? "") { d.append("computer") }
        if data != o.data { d.append("data") }
        return d
    }

    static func expected(_ url: URL) throws -> [Facts] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var out: [Facts] = []
        for line in text.split(separator: "\n") where !line.isEmpty {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            func int(_ k: String) -> Int? { (obj[k] as? NSNumber)?.intValue }
            func str(_ k: String) -> String? { obj[k] as? String }
            out.append(Facts(recordID: int("record_id") ?? -1, timestamp: str("timestamp") ?? "",
                             timeCreated: str("time_created"), eventID: int("event_id"),
                             qualifiers: int("qualifiers"), level: int("level"), provider: str("provider"),
                             channel: str("channel"), computer: str("computer"),
                             data: (obj["data"] as? [String: String]) ?? [:]))
        }
        return out
    }

    /// Facts of every record our reader finds.
    static func actual(_ path: String, stats: inout ParseStats) throws -> [Facts] {
        let reader = try EVTXReader(path: FilePath(path))
        var out: [Facts] = []
        try reader.walkDocs(stats: &stats) { doc, header in
            let r = EventFacts.record(doc, recordID: header.id, fileTime: header.fileTime,
                                      dataset: Dataset.evtx, context: ParseContext(sourcePath: "x"))
            let w = r.winlog!
            var tc: String?
            if let root = doc.root, let sys = doc.child("System", of: root), let t = doc.child("TimeCreated", of: sys) {
                tc = doc.attr("SystemTime", of: t)?.flat
            }
            var data: [String: String] = [:]
            for (k, v) in w.eventData + w.userData { data[k] = v }
            out.append(Facts(recordID: Int(header.id),
                             timestamp: Timestamp(fileTime: header.fileTime, precision: .microseconds).iso8601,
                             timeCreated: tc, eventID: w.eventID, qualifiers: w.qualifiers, level: w.level,
                             provider: w.providerName, channel: w.channel, computer: w.computerName, data: data))
        }
        return out
    }
}
