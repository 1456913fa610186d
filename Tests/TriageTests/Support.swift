import Foundation
import LogRecord
import Testing
import Triage

/// Helpers: build records by hand, run the built `amt-collect` binary, read its JSON Lines back.
enum T {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ relative: String) -> URL { packageRoot.appendingPathComponent(relative) }

    /// The binary: `AMT_COLLECT_BIN`, else `amt-collect` beside the test bundle in the build folder.
    static var binary: URL {
        if let env = ProcessInfo.processInfo.environment["AMT_COLLECT_BIN"] { return URL(fileURLWithPath: env) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("amt-collect")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/amt-collect")
    }

    /// Runs `executable arguments`, output to a file (no pipe to fill up); returns status and stdout.
    static func run(_ executable: URL, _ arguments: [String], cwd: URL? = nil) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let cwd { process.currentDirectoryURL = cwd }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("amt-triage-\(UUID().uuidString)")
        try Data().write(to: out)
        defer { try? FileManager.default.removeItem(at: out) }
        let handle = try FileHandle(forWritingTo: out)
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, String(decoding: try Data(contentsOf: out), as: UTF8.self))
    }

    /// Records of `relativePath` (under the package root, which is also the path recorded in them),
    /// parsed by the built binary.
    static func parse(_ relativePath: String, tz: String = "America/New_York") throws -> [Record] {
        let (status, out) = try run(binary, ["parse", relativePath, "--tz", tz], cwd: packageRoot)
        guard status == 0 else { throw Failure("amt-collect parse \(relativePath) exited \(status)") }
        return try out.split(separator: "\n").map { try decode(String($0)) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// A JSON line (as `JSONLinesWriter` writes it) back into a `Record`.
    static func decode(_ line: String) throws -> Record {
        guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw Failure("not an object: \(line)")
        }
        let log = obj["log"] as? [String: Any] ?? [:]
        let file = log["file"] as? [String: Any] ?? [:]
        let event = obj["event"] as? [String: Any] ?? [:]
        var r = Record(dataset: event["dataset"] as? String ?? "?", message: obj["message"] as? String ?? "",
                       timestamp: (obj["@timestamp"] as? String).flatMap { Timestamp.parseISO8601($0) },
                       level: (log["level"] as? String).flatMap(Severity.init(rawValue:)),
                       filePath: file["path"] as? String, line: file["line"] as? Int)
        r.code = event["code"] as? String
        r.outcome = (event["outcome"] as? String).flatMap(Outcome.init(rawValue:))
        r.provider = event["provider"] as? String
        if let w = obj["winlog"] as? [String: Any] {
            var wl = Winlog()
            wl.channel = w["channel"] as? String
            wl.recordID = (w["record_id"] as? NSNumber)?.uint64Value
            wl.eventID = w["event_id"] as? Int
            wl.providerName = w["provider_name"] as? String
            wl.level = w["level"] as? Int
            if let data = w["event_data"] as? [String: Any] {
                wl.eventData = data.keys.sorted().map { ($0, "\(data[$0]!)") }
            }
            r.winlog = wl
        }
        if let amt = obj["amt"] as? [String: Any] {
            for (k, v) in amt.sorted(by: { $0.key < $1.key }) where k != "time_source" { r.setExtra(k, json(v)) }
        }
        return r
    }

    static func json(_ v: Any) -> JSONValue {
        switch v {
        case let s as String: return .string(s)
        case let n as NSNumber:
            // Booleans come back as numbers here; no built-in rule looks at a boolean extra.
            if n.doubleValue == n.doubleValue.rounded() { return .int(n.int64Value) }
            return .double(n.doubleValue)
        case let a as [Any]: return .array(a.map(json))
        case let o as [String: Any]: return .object(o.keys.sorted().map { ($0, json(o[$0]!)) })
        default: return .null
        }
    }

    // MARK: - Hand-built records

    static let t0 = Timestamp(year: 2026, month: 11, day: 24, hour: 8)!

    static func event(_ provider: String, _ id: Int, level: Severity = .error, message: String? = nil,
                      at offset: Int64 = 0, recordID: UInt64 = 1) -> Record {
        var r = Record(dataset: Dataset.evtx, message: message ?? "\(provider) \(id): param1=x",
                       timestamp: t0.adding(seconds: offset), level: level,
                       filePath: "Windows/System32/winevt/Logs/System.evtx")
        r.code = String(id)
        r.provider = provider
        var w = Winlog()
        w.eventID = id
        w.providerName = provider
        w.recordID = recordID
        w.channel = "System"
        r.winlog = w
        return r
    }

    static func text(_ dataset: String, _ message: String, level: Severity? = .error, code: String? = nil,
                     provider: String? = nil, at offset: Int64 = 0, line: Int = 1) -> Record {
        var r = Record(dataset: dataset, message: message, timestamp: t0.adding(seconds: offset), level: level,
                       filePath: "logs/\(dataset).log", line: line)
        r.code = code
        r.provider = provider
        return r
    }

    static func ruleIDs(_ records: [Record], rules: RuleSet = .builtin()) -> [String] {
        var engine = FindingsEngine(rules: rules)
        for r in records { engine.observe(r) }
        return engine.findings().map(\.ruleID)
    }
}
