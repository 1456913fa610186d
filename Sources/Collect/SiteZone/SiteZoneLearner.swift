import Collector
import EventLog
import Foundation
import LogRecord
import SystemPackage

/// The zone a run converts local times with, and why: given (`--tz`), the live system's, learned
/// from the site's evidence, or assumed (the collector's own, warned about).
public struct ZoneDecision: Sendable, Equatable {
    /// `option` (`--tz`), `live system`, one of `ZoneEvidence.Rule`'s names, or `assumed`.
    public var rule: String
    /// The evidence file (relative to the root), when a rule of the site's evidence decided.
    public var file: String?
    /// What decided it, in words.
    public var detail: String
    /// The zone as the manifest names it: an IANA identifier, or `UTC-05:00` for a fixed offset.
    public var name: String
    /// The offset in force at the deciding evidence (or now), minutes east of UTC.
    public var utcOffsetMinutes: Int?
    /// Evidence that disagreed with the decision, in words (the stronger rule won).
    public var conflicts: [String]
    /// Everything that was found, strongest first.
    public var evidence: [ZoneEvidence]
    public var zone: SiteZone

    public static let optionRule = "option"
    public static let liveRule = "live system"
    public static let assumedRule = "assumed"

    public var isAssumed: Bool { rule == Self.assumedRule }

    /// The warning for stderr and SUMMARY.txt when nothing told the zone; `nil` otherwise.
    public var warning: String? {
        guard isAssumed else { return nil }
        return "time zone assumed: no --tz and no evidence of the site's zone found (event log 6013, SQL Server ERRORLOG "
            + "'UTC adjustment', MSI logs paired with their events, host facts); local log times were converted with "
            + "this machine's zone \(name) (amt.time_source: assumed) and may be off by hours"
    }

    /// The zone given with `--tz` or read from the live system.
    public static func given(_ zone: SiteZone, live: Bool) -> ZoneDecision {
        let tz = zone.timeZone
        return ZoneDecision(
            rule: live ? liveRule : optionRule, file: nil,
            detail: live ? "the running system's zone" : "--tz \(tz.identifier)",
            name: tz.identifier, utcOffsetMinutes: tz.secondsFromGMT() / 60, conflicts: [], evidence: [], zone: zone)
    }

    /// The collector's zone, nothing better being known.
    static func assumed(_ zone: SiteZone, evidence: [ZoneEvidence] = []) -> ZoneDecision {
        ZoneDecision(rule: assumedRule, file: nil, detail: "no evidence of the site's zone found; the collector's zone was used",
                     name: zone.timeZone.identifier, utcOffsetMinutes: zone.timeZone.secondsFromGMT() / 60,
                     conflicts: [], evidence: evidence, zone: zone)
    }

    /// The decision as the bundle shows it: evidence paths through `path` (user folders replaced
    /// under pii), the words through `text`.
    public func shown(path: (String) -> String, text: (String) -> String) -> ZoneDecision {
        var d = self
        let files = Set(evidence.map(\.file) + [file].compactMap { $0 }).map { ($0, path($0)) }.filter { $0.0 != $0.1 }
        func fix(_ s: String) -> String {
            var out = s
            for (from, to) in files { out = out.replacingOccurrences(of: from, with: to) }
            return text(out)
        }
        d.file = file.map(path)
        d.detail = fix(detail)
        d.conflicts = conflicts.map(fix)
        d.evidence = evidence.map { var e = $0; e.file = path(e.file); e.detail = fix(e.detail); return e }
        return d
    }

    /// The summary's `Time zone` line.
    public var summaryText: String {
        switch rule {
        case Self.assumedRule: return "\(name) (assumed: collector's zone)"
        case Self.optionRule: return "\(name) (--tz)"
        case Self.liveRule: return "\(name) (live system)"
        default:
            return "\(name) (site: \(rule) in \(file ?? "?"))" + (conflicts.isEmpty ? "" : "; \(conflicts.count) conflicting")
        }
    }
}

/// Learns the site's zone from a copied tree: reads only the evidence it needs, strongest first.
///
/// - System.evtx: only the chunks holding `EventLog` events, newest first, until a 6013 is found;
/// - SQL Server ERRORLOGs: their first 64 KiB;
/// - MSI logs (their last 64 KiB) paired with Application.evtx's MsiInstaller events (only the
///   chunks holding them, at most `maxEventChunks`), only when no stronger rule answered;
/// - host facts: a few named files at the root and in `system/` (first 64 KiB each).
struct SiteZoneLearner {
    let root: FilePath
    let sources: [DiscoveredSource]
    static let headBytes = 64 << 10
    static let maxEventChunks = 64
    static let maxMSILogs = 64

    /// Every piece of evidence found, strongest rule first, newest first within a rule.
    func gather() -> [ZoneEvidence] {
        var found = systemEventLog() + errorlogs()
        if found.isEmpty { found += msiPairs() }
        found += hostFacts()
        return Self.ordered(found)
    }

    static func ordered(_ e: [ZoneEvidence]) -> [ZoneEvidence] {
        e.sorted {
            if $0.rule != $1.rule { return $0.rule < $1.rule }
            let a = $0.at?.microseconds ?? .min, b = $1.at?.microseconds ?? .min
            return a != b ? a > b : $0.file < $1.file
        }
    }

    /// The sources whose file name (as the root names it) is `lowerName`, in any case.
    func named(_ lowerName: String) -> [DiscoveredSource] {
        sources.filter { ($0.relativePath.split(separator: "/").last.map { $0.lowercased() } ?? "") == lowerName }
    }

    static func utf16(_ s: String) -> [UInt8] { s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

    // MARK: - Rules

    func systemEventLog() -> [ZoneEvidence] {
        var out: [ZoneEvidence] = []
        for source in named("system.evtx") {
            guard let reader = try? EVTXReader(path: source.absolutePath) else { continue }
            var stats = ParseStats()
            var best: (Record, Int, String)?
            try? reader.readChunksNewestFirst(context: ParseContext(sourcePath: source.relativePath), stats: &stats,
                                              mustContain: Self.utf16("EventLog"), maxChunks: Self.maxEventChunks) { records in
                for r in records where r.provider == "EventLog" && r.code == "6013" {
                    guard let w = r.winlog, let (bias, name) = ZoneEvidenceReader.eventLog6013(w.eventData.map(\.1)) else { continue }
                    if best == nil || (r.timestamp ?? .init(microsecondsSinceEpoch: .min)) > (best!.0.timestamp ?? .init(microsecondsSinceEpoch: .min)) {
                        best = (r, bias, name)
                    }
                }
                return best == nil
            }
            guard let (r, bias, name) = best else { continue }
            let when = r.timestamp.map { " at \($0.iso8601)" } ?? ""
            out.append(ZoneEvidence(rule: .eventLog6013, file: source.relativePath,
                                    detail: "EventLog 6013 record \(r.winlog?.recordID.map(String.init) ?? "?")\(when): \"\(bias) \(name)\"",
                                    zoneName: name, offsetMinutes: -bias, isStandardOffset: true, at: r.timestamp))
        }
        return out
    }

    func errorlogs() -> [ZoneEvidence] {
        var out: [ZoneEvidence] = []
        for source in sources where source.kind.dataset == Dataset.sqlErrorlog
            && (source.relativePath.split(separator: "/").last?.uppercased().hasPrefix("ERRORLOG") ?? false) {
            guard let head = Self.head(source.absolutePath), let h = ZoneEvidenceReader.errorlogHead(head[...]) else { continue }
            let utc = h.statedAtLocal.adding(seconds: -Int64(h.offsetMinutes) * 60)
            let local = h.statedAtLocal.iso8601.dropLast(5).replacingOccurrences(of: "T", with: " ")
            out.append(ZoneEvidence(rule: .sqlErrorlog, file: source.relativePath,
                                    detail: "\"UTC adjustment: \(Self.clock(h.offsetMinutes))\" at \(local) local (SQL Server start)",
                                    offsetMinutes: h.offsetMinutes, at: utc))
        }
        return out
    }

    func msiPairs() -> [ZoneEvidence] {
        let logs = sources.filter { $0.kind.dataset == Dataset.msi }
            .sorted { ($0.modified?.microseconds ?? 0) > ($1.modified?.microseconds ?? 0) }.prefix(Self.maxMSILogs)
        let ends: [(DiscoveredSource, ZoneEvidenceReader.MSIEnd)] = logs.compactMap { s in
            guard let tail = Self.tail(s.absolutePath), let end = ZoneEvidenceReader.msiTail(tail[...]),
                  end.productName != nil || end.packagePath != nil else { return nil }
            return (s, end)
        }
        guard !ends.isEmpty else { return [] }
        var events: [(name: String, version: String?, at: Timestamp, code: String, file: String)] = []
        for source in named("application.evtx") {
            guard let reader = try? EVTXReader(path: source.absolutePath) else { continue }
            var stats = ParseStats()
            try? reader.readChunksNewestFirst(context: ParseContext(sourcePath: source.relativePath), stats: &stats,
                                              mustContain: Self.utf16("MsiInstaller"), maxChunks: Self.maxEventChunks) { records in
                for r in records where r.provider == "MsiInstaller" {
                    guard let code = r.code, let id = Int(code), let at = r.timestamp, let w = r.winlog,
                          let p = ZoneEvidenceReader.msiEventProduct(eventID: id, values: w.eventData.map(\.1)) else { continue }
                    events.append((p.name, p.version, at, code, source.relativePath))
                }
                return true
            }
        }
        var out: [ZoneEvidence] = []
        for (log, end) in ends {
            let names = Set([end.productName, end.packagePath].compactMap { $0?.lowercased() })
            var best: (offset: Int, residual: Int64, event: (name: String, version: String?, at: Timestamp, code: String, file: String), local: Timestamp)?
            for e in events where names.contains(e.name.lowercased()) {
                if let v = e.version, let w = end.productVersion, v != w { continue }
                for local in end.stoppedLocal {
                    guard let offset = ZoneEvidenceReader.pairOffset(local: local, utc: e.at) else { continue }
                    let residual = abs((local.microseconds - e.at.microseconds) / 1_000_000 - Int64(offset) * 60)
                    if best == nil || residual < best!.residual { best = (offset, residual, e, local) }
                }
            }
            guard let b = best else { continue }
            let local = b.local.iso8601.dropLast(5).replacingOccurrences(of: "T", with: " ")
            out.append(ZoneEvidence(rule: .eventPair, file: log.relativePath,
                                    detail: "logging stopped \(local) local; MsiInstaller \(b.event.code) for \"\(b.event.name)\" in \(b.event.file) at \(b.event.at.iso8601): UTC\(Self.clock(b.offset))",
                                    offsetMinutes: b.offset, at: b.event.at))
        }
        return out
    }

    /// Registry exports, `tzutil`/`systeminfo` output and JSON facts at the root and in `system/`.
    func hostFacts() -> [ZoneEvidence] {
        var out: [ZoneEvidence] = []
        var seen = 0
        for folder in ["", "system"] {
            let dir = folder.isEmpty ? root : root.appending(folder)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.string) else { continue }
            for name in names.prefix(5_000).sorted() where Self.isHostFactsName(name) {
                seen += 1
                if seen > 32 { return out }
                let path = dir.appending(name)
                guard let head = Self.head(path), let f = ZoneEvidenceReader.hostFacts(head[...]) else { continue }
                let rel = folder.isEmpty ? name : folder + "/" + name
                let said = [f.name.map { "zone \"\($0)\"" }, f.offsetMinutes.map { "offset UTC\(Self.clock($0))" }]
                    .compactMap { $0 }.joined(separator: ", ")
                let standard = name.lowercased().hasSuffix(".reg") || name.lowercased().hasPrefix("systeminfo")
                out.append(ZoneEvidence(rule: .hostFacts, file: rel, detail: said, zoneName: f.name,
                                        offsetMinutes: f.offsetMinutes, isStandardOffset: standard))
            }
        }
        return out
    }

    static func isHostFactsName(_ name: String) -> Bool {
        let n = name.lowercased()
        return n == "facts.json" || n.hasSuffix(".reg") && (n.contains("timezone") || n.contains("time_zone") || n.contains("tz"))
            || (n.hasPrefix("tzutil") || n.hasPrefix("systeminfo") || n.hasPrefix("timezone")) && (n.hasSuffix(".txt") || n.hasSuffix(".log") || !n.contains("."))
    }

    // MARK: - Decision

    /// The decision over `evidence` (strongest first): the strongest piece names the zone; a
    /// Windows name becomes its IANA zone (daylight saving by the zone's rules); an offset alone,
    /// or a name this table does not know, becomes a fixed offset, labelled so. Weaker evidence
    /// that disagrees at its own instant is listed in `conflicts`.
    static func decide(_ evidence: [ZoneEvidence], collector: SiteZone) -> ZoneDecision {
        let ordered = ordered(evidence).filter { $0.zoneName != nil || $0.offsetMinutes != nil }
        var notes: [String] = []
        // The strongest piece that names a zone or an offset decides; one that does neither (a
        // name not known, no offset) is noted and the next one is taken.
        var chosen: (index: Int, zone: TimeZone, name: String, detail: String)?
        for (i, e) in ordered.enumerated() {
            if let z = zone(of: e, notes: &notes) {
                chosen = (i, z.0, z.1, z.2)
                break
            }
        }
        guard let (index, zone, name, detail) = chosen else {
            var d = ZoneDecision.assumed(collector, evidence: evidence)
            d.conflicts = notes
            return d
        }
        let best = ordered[index]
        // The other (weaker or older) evidence checked against the decision, each at its instant.
        var sawDaylight = false
        for (i, e) in ordered.enumerated() where i != index {
            guard let stated = e.offsetMinutes else { continue }
            let expected = e.isStandardOffset ? standardOffsetMinutes(zone, at: e.at)
                : e.at.map { zone.secondsFromGMT(for: date($0)) / 60 }
            guard let expected, expected != stated else { continue }
            let when = e.at.map { " at \($0.iso8601)" } ?? ""
            if name.hasPrefix("UTC"), stated == expected + 60, !e.isStandardOffset { sawDaylight = true }
            notes.append("\(e.rule.rawValue) in \(e.file) says UTC\(clock(stated))\(when); \(name) gives UTC\(clock(expected)); \(best.rule.rawValue) is stronger")
        }
        if sawDaylight {
            notes.append("the site observes daylight saving time, which a fixed offset does not follow: local times in the daylight period are converted one hour off")
        }
        let offset = zone.secondsFromGMT(for: best.at.map(date) ?? Date()) / 60
        return ZoneDecision(rule: best.rule.rawValue, file: best.file, detail: detail, name: name, utcOffsetMinutes: offset,
                            conflicts: notes, evidence: ordered, zone: .learned(zone))
    }

    /// The zone one piece of evidence gives: its named zone (IANA, or Windows through the table)
    /// when that zone's standard offset is the one stated; else its offset as a fixed offset;
    /// `nil` when it gives neither. Why a name was not taken goes to `notes` or the detail.
    static func zone(of e: ZoneEvidence, notes: inout [String]) -> (TimeZone, String, String)? {
        var detail = e.detail
        if let zoneName = e.zoneName {
            let iana = zoneName.contains("/") ? zoneName : WindowsZones.ianaIdentifier(forWindowsName: zoneName)
            if let iana, let zone = TimeZone(identifier: iana) {
                let standard = standardOffsetMinutes(zone, at: e.at)
                if e.isStandardOffset, let stated = e.offsetMinutes, stated != standard {
                    notes.append("\(e.file): the stated offset UTC\(clock(stated)) is not \(zoneName)'s standard offset UTC\(clock(standard)); the stated offset is used")
                } else {
                    if iana != zoneName { detail += "; Windows zone \"\(zoneName)\" is \(iana)" }
                    return (zone, iana, detail)
                }
            } else if e.offsetMinutes != nil {
                detail += "; \"\(zoneName)\" is not a Windows zone name this version knows (a localized name?): its offset is used as a fixed offset"
            } else {
                notes.append("\(e.rule.rawValue) in \(e.file): \"\(zoneName)\" is not a zone name this version knows, and no offset is stated")
                return nil
            }
        }
        guard let minutes = e.offsetMinutes, let zone = TimeZone(secondsFromGMT: minutes * 60) else { return nil }
        return (zone, "UTC" + clock(minutes), detail + "; fixed offset: the zone's name and daylight-saving rules are not stated")
    }

    static func date(_ t: Timestamp) -> Date { Date(timeIntervalSince1970: TimeInterval(t.microseconds) / 1_000_000) }

    /// The zone's standard (not daylight) offset at `at` (or now), minutes east of UTC.
    static func standardOffsetMinutes(_ zone: TimeZone, at: Timestamp?) -> Int {
        let d = at.map(date) ?? Date()
        return (zone.secondsFromGMT(for: d) - Int(zone.daylightSavingTimeOffset(for: d))) / 60
    }

    /// `-300` → `-05:00`.
    static func clock(_ minutes: Int) -> String {
        let m = abs(minutes)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return (minutes < 0 ? "-" : "+") + two(m / 60) + ":" + two(m % 60)
    }

    // MARK: - Reading

    /// The first `headBytes` of a file, or `nil` when it cannot be read.
    static func head(_ path: FilePath) -> [UInt8]? {
        guard var reader = try? SourceReader(path: path, cap: Int64(headBytes) * 2, chunkSize: headBytes),
              let chunk = try? reader.nextChunk() else { return nil }
        return chunk.bytes
    }

    /// The last `headBytes` of a file (from an even offset, for UTF-16), or `nil` when it cannot
    /// be read. At most twice `headBytes` are read.
    static func tail(_ path: FilePath) -> [UInt8]? {
        guard var reader = try? SourceReader(path: path, cap: Int64(headBytes) * 2, chunkSize: headBytes) else { return nil }
        var bytes: [UInt8] = []
        while let chunk = try? reader.nextChunk() { bytes += chunk.bytes }
        let size = reader.size
        guard size > Int64(headBytes) else { return bytes }
        var cut = bytes.suffix(headBytes)
        if (size - Int64(cut.count)) % 2 == 1 { cut = cut.dropFirst() }
        return Array(cut)
    }
}
