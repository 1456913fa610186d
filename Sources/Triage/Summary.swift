import LogRecord

/// What the 30-second summary says about one collected source.
public struct SourceSummary: Sendable, Equatable {
    public var path: String
    public var dataset: String
    public var counts: LevelCounts
    /// `ok`, `partial` or `skipped`.
    public var status: String
    /// Why a source is partial or skipped, or how it was truncated.
    public var note: String?
    public var parseErrors: Int

    public init(path: String, dataset: String, counts: LevelCounts, status: String, note: String? = nil, parseErrors: Int = 0) {
        self.path = path
        self.dataset = dataset
        self.counts = counts
        self.status = status
        self.note = note
        self.parseErrors = parseErrors
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

    public init(caseFields: [(String, String?)], hostFacts: [(String, String)], collection: [(String, String)],
                sources: [SourceSummary], skipped: [(String, String)], sections: [(String, [String])] = []) {
        self.caseFields = caseFields
        self.hostFacts = hostFacts
        self.collection = collection
        self.sources = sources
        self.skipped = skipped
        self.sections = sections
    }
}

/// Renders `SUMMARY.txt`: plain text, at most 100 columns, the most important first.
public enum SummaryText {
    public static func render(_ input: SummaryInput) -> String {
        var out = "amt-collect support bundle — summary\n"
        out += String(repeating: "=", count: 36) + "\n\n"

        out += "CASE\n"
        for (k, v) in input.caseFields { out += field(k, v ?? "(not given)") }
        out += "\nHOST\n"
        for (k, v) in input.hostFacts { out += field(k, v) }
        out += "\nCOLLECTION\n"
        for (k, v) in input.collection { out += field(k, v) }

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
            if s.status != "ok" { line += "  (\(s.status))" }
            out += line + "\n"
        }

        let notes = input.sources.filter { $0.note != nil || $0.parseErrors > 0 }
        if !notes.isEmpty || !input.skipped.isEmpty {
            out += "\nNOT COLLECTED OR INCOMPLETE\n"
            for s in notes {
                var parts: [String] = []
                if let n = s.note { parts.append(n) }
                if s.parseErrors > 0 { parts.append("\(s.parseErrors) entries could not be parsed") }
                out += "  \(s.path): \(parts.joined(separator: "; "))\n"
            }
            for (path, reason) in input.skipped { out += "  \(path): \(reason)\n" }
        }
        return out
    }

    static func field(_ key: String, _ value: String) -> String {
        "  " + pad(key + ":", 14) + value + "\n"
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
