import LogRecord

/// SUMMARY.txt's sections on Windows Error Reporting crash and hang reports (`windows.wer`) and
/// on the SQL Server Agent (`sql.agent`): its failed jobs, one line per job, and its lost
/// connections to SQL Server. Bounded: the first `kept` reports and `keptJobs` jobs are listed,
/// the rest counted.
struct CrashAndAgentDigest: Sendable {
    static let keptReports = 20
    static let keptJobs = 20
    /// Codes of the agent's entries saying it could not reach SQL Server.
    static let connectionCodes: Set<String> = ["165", "298", "382"]

    struct Report: Sendable {
        var time: Timestamp?
        var text: String
        var source: String
    }

    struct Job: Sendable {
        var name: String
        var entries = 0
        var first: Timestamp?
        var last: Timestamp?
        var lastText = ""
        var source: String
    }

    private(set) var reports: [Report] = []
    private(set) var reportCount = 0
    private(set) var jobs: [Job] = []
    private(set) var jobEntries = 0
    private(set) var unlistedJobEntries = 0
    private(set) var connectionLosses = 0
    private(set) var firstLoss: Timestamp?
    private(set) var lastLoss: Timestamp?

    var isEmpty: Bool { reportCount == 0 && jobEntries == 0 && connectionLosses == 0 }

    /// Takes what the summary needs of `record` (nothing of records of other datasets).
    mutating func observe(_ record: Record) {
        let n = record.dataset.utf8.count
        if n == 11, record.dataset == Dataset.wer {
            reportCount += 1
            guard reports.count < Self.keptReports else { return }
            reports.append(Report(time: record.timestamp, text: String(record.message.prefix(240)),
                                  source: record.filePath ?? "?"))
        } else if n == 9, record.dataset == Dataset.sqlAgent, record.level == .error || record.level == .warning {
            if let code = record.code, record.level == .error, Self.connectionCodes.contains(code) {
                connectionLosses += 1
                firstLoss = Self.earlier(firstLoss, record.timestamp)
                lastLoss = Self.later(lastLoss, record.timestamp)
            }
            guard let name = record.extra("sql_agent.job")?.stringValue else { return }
            jobEntries += 1
            let text = String(Self.text(of: record.message).prefix(200))
            if let i = jobs.firstIndex(where: { $0.name == name }) {
                jobs[i].add(record.timestamp, text)
            } else if jobs.count < Self.keptJobs {
                var job = Job(name: name, source: record.filePath ?? "?")
                job.add(record.timestamp, text)
                jobs.append(job)
            } else {
                unlistedJobEntries += 1
            }
        }
    }

    mutating func merge(_ other: CrashAndAgentDigest) {
        reportCount += other.reportCount
        for r in other.reports where reports.count < Self.keptReports { reports.append(r) }
        jobEntries += other.jobEntries
        unlistedJobEntries += other.unlistedJobEntries
        for j in other.jobs {
            if let i = jobs.firstIndex(where: { $0.name == j.name }) {
                jobs[i].entries += j.entries
                jobs[i].first = Self.earlier(jobs[i].first, j.first)
                if let l = j.last, jobs[i].last.map({ l.microseconds >= $0.microseconds }) ?? true {
                    jobs[i].last = l
                    jobs[i].lastText = j.lastText
                }
            } else if jobs.count < Self.keptJobs {
                jobs.append(j)
            } else {
                unlistedJobEntries += j.entries
            }
        }
        connectionLosses += other.connectionLosses
        firstLoss = Self.earlier(firstLoss, other.firstLoss)
        lastLoss = Self.later(lastLoss, other.lastLoss)
    }

    /// The sections, in this order: crash reports, SQL Server Agent; none for what was not seen.
    var sections: [(String, [String])] {
        var out: [(String, [String])] = []
        if reportCount > 0 {
            var lines = reports.sorted { ($0.time?.microseconds ?? 0, $0.source) < ($1.time?.microseconds ?? 0, $1.source) }
                .map { "\($0.time?.iso8601 ?? "time unknown")  \($0.text)  (\($0.source))" }
            if reportCount > reports.count {
                lines.append("… and \(reportCount - reports.count) more reports not listed; all are in the records")
            }
            out.append(("CRASH AND HANG REPORTS (WINDOWS ERROR REPORTING) (\(reportCount))", lines))
        }
        if jobEntries > 0 || connectionLosses > 0 {
            var lines = jobs.sorted { $0.name.lowercased() < $1.name.lowercased() }.map { j in
                "JOB '\(j.name)': \(j.entries) failure entr\(j.entries == 1 ? "y" : "ies"), \(Self.span(j.first, j.last))"
                    + "  (\(j.source))\n      last: \(j.lastText)"
            }
            if unlistedJobEntries > 0 {
                lines.append("… and \(unlistedJobEntries) entries of other jobs not listed; all are in the records")
            }
            if connectionLosses > 0 {
                lines.append("SQL Server not reachable: \(connectionLosses) entr\(connectionLosses == 1 ? "y" : "ies") ([165] [298] [382]), \(Self.span(firstLoss, lastLoss))")
            }
            out.append(("SQL SERVER AGENT (\(jobs.count + (unlistedJobEntries > 0 ? 1 : 0)) job\(jobs.count == 1 && unlistedJobEntries == 0 ? "" : "s") with failures, \(connectionLosses) lost-connection entries)", lines))
        }
        return out
    }

    /// `2026-11-23T07:00:05.000Z` or `first … last`.
    static func span(_ a: Timestamp?, _ b: Timestamp?) -> String {
        guard let a else { return "time unknown" }
        guard let b, b != a else { return a.iso8601 }
        return "\(a.iso8601) … \(b.iso8601)"
    }

    /// An entry's text after its `yyyy-MM-dd HH:mm:ss - M ` head, first line only.
    static func text(of message: String) -> Substring {
        var s = Substring(message)
        if let nl = s.firstIndex(of: "\n") { s = s[..<nl] }
        let u = Array(s.utf8.prefix(24))
        if u.count == 24, u[19] == 0x20, u[20] == 0x2D, u[21] == 0x20, u[23] == 0x20, u.allSatisfy({ $0 < 0x80 }) {
            s = s.dropFirst(24)
        }
        return s
    }

    static func earlier(_ a: Timestamp?, _ b: Timestamp?) -> Timestamp? {
        guard let a else { return b }
        guard let b else { return a }
        return b.microseconds < a.microseconds ? b : a
    }

    static func later(_ a: Timestamp?, _ b: Timestamp?) -> Timestamp? {
        guard let a else { return b }
        guard let b else { return a }
        return b.microseconds > a.microseconds ? b : a
    }
}

extension CrashAndAgentDigest.Job {
    mutating func add(_ time: Timestamp?, _ text: String) {
        entries += 1
        first = CrashAndAgentDigest.earlier(first, time)
        if let time {
            if last.map({ time.microseconds >= $0.microseconds }) ?? true {
                last = time
                lastText = text
            }
        } else if lastText.isEmpty {
            lastText = text
        }
    }
}
