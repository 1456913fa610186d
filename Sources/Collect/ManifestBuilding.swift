import Bundler
import Collector
import LogRecord
import SystemPackage
import Triage

typealias ManifestFile = Manifest.File

extension Manifest.File {
    /// A collected source's raw copy or records file.
    static func source(
        added: AddedEntry, source: String, kind: String, role: Role, stats: ParseStats, status: Status,
        reason: String?, truncatedBytes: Int64?, truncatedHow: String?, outsideWindow: Int
    ) -> Manifest.File {
        var counters = stats.counters
        if outsideWindow > 0 { counters["outside_window"] = outsideWindow }
        // Limits are listed in `limits_hit`, not among the format's counters.
        counters["entry_lines_dropped"] = nil
        var problems = stats.problems
        // The encoding in words stays first among the problems for people reading them; the
        // manifest's `encoding` says how it was decided.
        if let encoding = stats.encoding, role == .raw { problems.insert("encoding: \(encoding)", at: 0) }
        var file = Manifest.File(
            added, source: source, kind: kind, role: role,
            records: role == .records ? stats.records - outsideWindow : stats.records,
            parseErrors: stats.parseErrors,
            truncated: truncatedBytes.map { Truncation(droppedBytes: $0, how: truncatedHow ?? "truncated") },
            counters: counters, problems: role == .raw ? problems : [])
        file.limitsHit = limitsHit(stats)
        if role == .raw {
            file.encoding = stats.encodingUse
            file.layout = stats.layout
        }
        // The source's own state, and what the writer saw when it copied the entry.
        if file.status == .ok { file.status = status }
        file.reason = [reason, added.shortfall].compactMap { $0 }.joined(separator: "; ").nonEmpty
        return file
    }

    /// The limits the source's records ran into, or `nil` when none was reached.
    static func limitsHit(_ stats: ParseStats) -> LimitsHit? {
        let dropped = stats.counters["entry_lines_dropped"] ?? 0
        guard stats.linesTruncated > 0 || stats.entryLinesSplit > 0 || dropped > 0 else { return nil }
        func positive<T: BinaryInteger>(_ n: T) -> T? { n > 0 ? n : nil }
        return LimitsHit(
            linesCut: positive(stats.linesTruncated), lineLimitBytes: stats.linesTruncated > 0 ? stats.lineLimitBytes : nil,
            entryLinesSplit: positive(stats.entryLinesSplit), entryLinesDropped: positive(dropped),
            entryLimitLines: stats.entryLimitLines, entryLimitBytes: stats.entryLimitBytes,
            bytesDropped: positive(stats.bytesDropped))
    }

    /// A source that was matched but could not be collected.
    static func skippedSource(source: String, kind: String?, reason: String) -> Manifest.File {
        Manifest.File(path: "raw/" + source, source: source, kind: kind ?? "unknown", role: .raw, bytes: 0,
                      sha256: "", status: .skipped, reason: reason)
    }

    /// A file the collector made (summary, system facts).
    static func generated(added: AddedEntry, role: Role) -> Manifest.File {
        Manifest.File(added, kind: "generated", role: role)
    }
}

extension Manifest {
    static func make(
        created: Timestamp, commandLine: [String], settings: CollectSettings, facts: HostFacts,
        durationMS: Int, files: [Manifest.File], skipped: [(path: String, reason: String)], findings: [Triage.Finding]
    ) -> Manifest {
        Manifest(
            tool: Tool(name: "amt-collect", version: CollectJob.toolVersion),
            created: Manifest.createdString(created),
            commandLine: commandLine,
            case: Case(id: settings.caseID ?? "", site: settings.site ?? "", partner: settings.partner,
                       contact: settings.contact, description: settings.description,
                       checklist: settings.checklist.manifest),
            host: Host(name: facts.name ?? "unknown", os: facts.os ?? "unknown", osVersion: facts.osVersion,
                       timeZone: facts.timeZone, utcOffsetMinutes: facts.utcOffsetMinutes),
            collection: Collection(root: settings.root.string, since: settings.window.since?.iso8601,
                                   until: settings.window.until?.iso8601, durationMs: Int64(durationMS),
                                   redaction: Redaction(mode: "none")),
            files: files,
            findings: findings.map { f in
                Manifest.Finding(
                    area: f.area.rawValue, severity: f.severity.rawValue,
                    title: f.title, count: f.count,
                    firstSeen: f.firstSeen?.iso8601, lastSeen: f.lastSeen?.iso8601,
                    evidence: f.evidence.map { "\($0.filePath)\($0.locator)" }, nextStep: f.nextStep)
            },
            skipped: skipped.map { Skipped(source: $0.path, reason: $0.reason) })
    }
}
