import Foundation
import LogRecord
import SystemPackage
@testable import EventLog

/// Locates `../shared/samples` beside the package root (from this file's path).
enum Samples {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var root: URL { packageRoot.deletingLastPathComponent().appendingPathComponent("shared/samples") }

    /// The sample directory, or a clear failure message when it is missing.
    static func directory(_ sub: String) throws -> URL {
        let dir = root.appendingPathComponent(sub)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw SampleError(message: "sample directory \(dir.path) is missing: the EVTX conformance test needs ../shared/samples beside the package root (CI always has it)")
        }
        return dir
    }

    struct SampleError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
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
        try reader.walk(stats: &stats) { doc, header in
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
