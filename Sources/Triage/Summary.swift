import LogRecord

/// What the 30-second summary says about one collected source.
public struct SourceSummary: Sendable, Equatable {
    public var path: String
    public var dataset: String
    public var counts: LevelCounts
    public var status: Status
    /// Why a source is partial or skipped, or how it was truncated.
    public var note: String?
    public var parseErrors: Int
    /// The reading limits its records ran into, in words (`limits(of:)`); empty when none.
    public var limits: [String]

    /// What became of a source.
    public enum Status: String, Sendable, Equatable, CaseIterable {
        /// Read completely.
        case ok
        /// Read in part: truncated at the cap, damaged entries, or reading stopped.
        case partial
        /// Not read (unreadable, or left out by the mail filter).
        case skipped
        /// An archive whose members became sources; the archive itself is left out.
        case expanded
    }

    public init(path: String, dataset: String, counts: LevelCounts, status: Status, note: String? = nil, parseErrors: Int = 0,
                limits: [String] = []) {
        self.path = path
        self.dataset = dataset
        self.counts = counts
        self.status = status
        self.note = note
        self.parseErrors = parseErrors
        self.limits = limits
    }

    /// What the line and entry limits did to a source's records, one phrase each: lines cut at
    /// the line limit, continuation lines split off entries past the entry limit, lines dropped.
    public static func limits(of stats: ParseStats) -> [String] {
        var out: [String] = []
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        func size(_ bytes: Int) -> String {
            bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : bytes % 1024 == 0 ? "\(bytes >> 10) KiB" : "\(bytes) bytes"
        }
        var entryLimit: String {
            let lines = stats.entryLimitLines.map { "\($0) lines" }
            let bytes = stats.entryLimitBytes.map(size)
            return [lines, bytes].compactMap { $0 }.joined(separator: " or ")
        }
        if stats.linesTruncated > 0 {
            let limit = stats.lineLimitBytes.map { " at the \(size($0)) line limit" } ?? " at the line limit"
            out.append("\(plural(stats.linesTruncated, "line")) cut\(limit) (the raw copy keeps \(stats.linesTruncated == 1 ? "it" : "them") whole)")
        }
        if stats.entryLinesSplit > 0 {
            out.append("\(plural(stats.entryLinesSplit, "continuation line")) split off entries at the entry limit of \(entryLimit), recorded on their own")
        }
        if let dropped = stats.counters["entry_lines_dropped"], dropped > 0 {
            out.append("\(plural(dropped, "line")) dropped from entries at the entry limit of \(entryLimit)")
        }
        return out
    }
}

/// Everything `SUMMARY.txt` is made from.
public struct SummaryInput: Sendable {
    /// `Case`, `Site`, `Partner`, … in display order; empty values are shown as `(not given)`.
    public var caseFields: [(String, String?)]
    /// Host facts in display order (`Host`, `OS`, `Time zone` …).
    public var hostFacts: [(String, String)]
    public var collection: [(String, String)]
    public var sources: [SourceSummary]
    /// Sources the catalog matched but which were not collected: path and reason.
    public var skipped: [(String, String)]
    /// Further titled sections (e.g. install runs), shown after the record counts.
    public var sections: [(String, [String])]
    /// The triage findings (`FindingsEngine.findings()`); `nil` leaves the FINDINGS section out
    /// (triage not run), an empty list shows "No known problems found.".
    public var findings: [Finding]?
    /// AMTError message groups (`FindingsEngine.messageGroups(limit:)`); the first
    /// `SummaryText.messageGroupLimit` of those seen twice or more are shown under
    /// TOP RECURRING ERRORS (left out when there are none).
    public var messageGroups: [MessageGroup]
    /// Warnings a reader must see first (an assumed time zone), shown right below the title.
    public var warnings: [String] = []

    public init(caseFields: [(String, String?)], hostFacts: [(String, String)], collection: [(String, String)],
                sources: [SourceSummary], skipped: [(String, String)], sections: [(String, [String])] = [],
                findings: [Finding]? = nil, messageGroups: [MessageGroup] = []) {
        self.caseFields = caseFields
        self.hostFacts = hostFacts
        self.collection = collection
        self.sources = sources
        self.skipped = skipped
        self.sections = sections
        self.findings = findings
        self.messageGroups = messageGroups
    }
}

/// Renders `SUMMARY.txt`: plain text, at most 100 columns, the most important first.
///
/// Order: CASE, HOST, COLLECTION, FINDINGS (most severe first; each with count, first and last
/// seen, up to `evidenceLines` evidence records (time and place, then the message) and the next step), TOP RECURRING ERRORS, RECORDS,
/// further sections, SOURCES, NOT COLLECTED OR INCOMPLETE. Same input, same text.
public enum SummaryText {
    /// Evidence lines shown per finding.
    public static let evidenceLines = 3
    /// Message groups shown under TOP RECURRING ERRORS.
    public static let messageGroupLimit = 5
    /// Line width.
    public static let width = 100

    public static func render(_ input: SummaryInput) -> String {
        var out = "amt-collect support bundle — summary\n"
        out += String(repeating: "=", count: 36) + "\n\n"
        for w in input.warnings { out += wrap("WARNING: " + w, indent: "") }
        if !input.warnings.isEmpty { out += "\n" }

        out += "CASE\n"
        for (k, v) in input.caseFields { out += field(k, v ?? "(not given)") }
        out += "\nHOST\n"
        for (k, v) in input.hostFacts { out += field(k, v) }
        out += "\nCOLLECTION\n"
        for (k, v) in input.collection { out += field(k, v) }

        if let findings = input.findings { out += findingsSection(findings) }
        let recurring = input.messageGroups.filter { $0.count >= 2 }
        if !recurring.isEmpty { out += messageGroupSection(recurring) }

        var total = LevelCounts()
        for s in input.sources { total.merge(s.counts) }
        out += "\nRECORDS  \(total.total) in \(input.sources.count) sources — "
        out += "critical \(total.critical), error \(total.error), warning \(total.warning), "
        out += "information \(total.information)"
        if total.verbose + total.debug > 0 { out += ", verbose/debug \(total.verbose + total.debug)" }
        out += "\n"
        if let f = total.first, let l = total.last { out += "         from \(f.iso8601) to \(l.iso8601)\n" }

        for (title, lines) in input.sections {
            out += "\n\(title)\n"
            for line in lines { out += "  \(line)\n" }
        }

        out += "\nSOURCES (most errors first)\n"
        let header = pad("crit", 5) + pad("err", 6) + pad("warn", 6) + pad("total", 8) + "source"
        out += "  " + header + "\n"
        let ordered = input.sources.sorted {
            let a = ($0.counts.critical, $0.counts.error, $0.counts.warning)
            let b = ($1.counts.critical, $1.counts.error, $1.counts.warning)
            if a != b { return a > b }
            return $0.path < $1.path
        }
        for s in ordered {
            var line = "  " + pad(String(s.counts.critical), 5) + pad(String(s.counts.error), 6)
                + pad(String(s.counts.warning), 6) + pad(String(s.counts.total), 8) + s.path + "  [\(s.dataset)]"
            if s.status != .ok { line += "  (\(s.status.rawValue))" }
            out += line + "\n"
        }

        let notes = input.sources.filter { $0.note != nil || $0.parseErrors > 0 || !$0.limits.isEmpty }
        if !notes.isEmpty || !input.skipped.isEmpty {
            out += "\nNOT COLLECTED OR INCOMPLETE\n"
            for s in notes {
                var parts: [String] = []
                if let n = s.note { parts.append(n) }
                if s.parseErrors > 0 { parts.append("\(s.parseErrors) entries could not be parsed") }
                if !s.limits.isEmpty { parts.append("limits hit: " + s.limits.joined(separator: ", ")) }
                out += "  \(s.path): \(parts.joined(separator: "; "))\n"
            }
            for (path, reason) in input.skipped { out += "  \(path): \(reason)\n" }
        }
        return out
    }

    static func findingsSection(_ findings: [Finding]) -> String {
        guard !findings.isEmpty else { return "\nFINDINGS\n  No known problems found.\n" }
        var bySeverity: [String] = []
        for severity in FindingSeverity.allCases {
            let n = findings.filter { $0.severity == severity }.count
            if n > 0 { bySeverity.append("\(n) \(severity.rawValue)") }
        }
        var out = "\nFINDINGS  \(findings.count): \(bySeverity.joined(separator: ", "))\n"
        for (k, f) in findings.enumerated() {
            out += clip("  \(k + 1). [\(f.severity.rawValue.uppercased())] \(f.title)  (\(f.area.rawValue))") + "\n"
            var when = "     \(f.count) \(f.count == 1 ? "record" : "records")"
            if let first = f.firstSeen, let last = f.lastSeen {
                when += first == last ? ", at \(seconds(first))" : ", first \(seconds(first)), last \(seconds(last))"
            }
            out += when + "\n"
            for e in f.evidence.prefix(evidenceLines) {
                let time = e.timestamp.map(seconds) ?? "(no time)"
                let file = (e.filePath.split(separator: "/").last.map(String.init) ?? e.filePath) + e.locator
                out += clip("     - \(time)  \(file)") + "\n"
                out += clip("       \(e.message)") + "\n"
            }
            let shown = min(f.evidence.count, evidenceLines)
            if f.count > shown {
                out += "       (\(f.count - shown) more in REPORT.html and the records)\n"
            }
            out += wrap("Next step: " + f.nextStep, indent: "     ")
        }
        return out
    }

    static func messageGroupSection(_ groups: [MessageGroup]) -> String {
        var out = "\nTOP RECURRING ERRORS (AMTError messages by template)\n"
        for g in groups.prefix(messageGroupLimit) {
            out += clip("  " + pad(String(g.count), 7) + pad(g.level.rawValue, 8) + g.template) + "\n"
        }
        return out
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    static func seconds(_ t: Timestamp) -> String {
        let iso = t.iso8601
        guard let dot = iso.firstIndex(of: ".") else { return iso }
        return String(iso[..<dot]) + "Z"
    }

    /// Cuts a line to `width` characters, ending with `…` when cut; control characters become spaces.
    static func clip(_ line: String) -> String {
        var s = String(line.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        if s.count > width { s = String(s.prefix(width - 1)) + "…" }
        return s
    }

    /// Words of `text` in lines of at most `width` characters, each starting with `indent`.
    static func wrap(_ text: String, indent: String) -> String {
        var out = ""
        var line = indent
        var hasWord = false
        for word in text.split(separator: " ") {
            if hasWord && line.count + 1 + word.count > width {
                out += line + "\n"
                line = indent + "  "
                hasWord = false
            }
            if hasWord { line += " " }
            line += word
            hasWord = true
        }
        return out + clip(line) + "\n"
    }

    static func field(_ key: String, _ value: String) -> String {
        "  " + pad(key + ":", 14) + value + "\n"
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
