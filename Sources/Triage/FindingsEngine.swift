import LogRecord

/// One record shown as evidence for a finding.
public struct Evidence: Sendable, Codable, Equatable {
    /// `log.file.path` of the record (or its dataset when the record has no path).
    public var filePath: String
    /// `log.file.line` (text formats).
    public var line: Int?
    /// `winlog.record_id` (event logs).
    public var recordID: UInt64?
    public var timestamp: Timestamp?
    /// The first line of the message, at most `Evidence.messageLimit` characters.
    public var message: String

    public static let messageLimit = 200

    public init(filePath: String, line: Int?, recordID: UInt64?, timestamp: Timestamp?, message: String) {
        self.filePath = filePath
        self.line = line
        self.recordID = recordID
        self.timestamp = timestamp
        self.message = message
    }

    init(_ r: Record) {
        self.init(filePath: r.filePath ?? r.dataset, line: r.line, recordID: r.winlog?.recordID,
                  timestamp: r.timestamp, message: Evidence.oneLine(r.message))
    }

    /// Where in its file the record is: `#record-id` or `:line`, or empty.
    public var locator: String {
        if let recordID { return "#\(recordID)" }
        if let line { return ":\(line)" }
        return ""
    }

    /// The message on one line: lines joined with ` | `, runs of spaces and tabs collapsed, a
    /// leading `YYYY-MM-DD HH:MM:SS[.ff]` (the log line's own time, e.g. SQL Server ERRORLOG) left
    /// out, cut at `messageLimit` characters (ending with `…`).
    static func oneLine(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(min(text.utf8.count, messageLimit * 2))
        var pendingSpace = false
        var count = 0
        var body = Substring(text)
        if let stripped = dropLeadingDateTime(body) { body = stripped }
        for ch in body {
            if ch == "\n" || ch == "\r\n" {
                if !out.isEmpty { out += " |"; count += 2; pendingSpace = true }
                continue
            }
            if ch == " " || ch == "\t" || ch == "\r" || ch.isNewline {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); count += 1; pendingSpace = false }
            out.append(ch)
            count += 1
            if count >= messageLimit {
                out = String(out.prefix(messageLimit - 1)) + "…"
                return out
            }
        }
        return out
    }

    /// `s` without a leading `YYYY-MM-DD HH:MM:SS` (and fraction), or nil when it has none.
    static func dropLeadingDateTime(_ s: Substring) -> Substring? {
        let b = Array(s.utf8.prefix(32))
        let shape = Array("dddd-dd-dd dd:dd:dd".utf8)
        guard b.count >= shape.count else { return nil }
        for (k, c) in shape.enumerated() {
            let ok = c == UInt8(ascii: "d") ? (b[k] >= 0x30 && b[k] <= 0x39) : b[k] == c
            if !ok { return nil }
        }
        var n = shape.count
        if n < b.count, b[n] == UInt8(ascii: ".") || b[n] == UInt8(ascii: ",") {
            n += 1
            while n < b.count, b[n] >= 0x30, b[n] <= 0x39 { n += 1 }
        }
        let rest = s.utf8.dropFirst(n)
        return Substring(rest)
    }
}

/// What a rule found: the records it matched, summarized.
public struct Finding: Sendable, Codable, Equatable {
    public var ruleID: String
    public var area: Area
    public var severity: FindingSeverity
    /// The rule's title; for a grouped rule followed by ` — ` and the group value.
    public var title: String
    /// The `groupBy` value this finding is for (nil for ungrouped rules).
    public var group: String?
    /// Matching records (all of them, including those before the threshold was reached).
    public var count: Int
    public var firstSeen: Timestamp?
    public var lastSeen: Timestamp?
    /// The first matching records, at most the rule's `evidenceLimit`.
    public var evidence: [Evidence]
    public var nextStep: String

    public init(ruleID: String, area: Area, severity: FindingSeverity, title: String, group: String? = nil, count: Int,
                firstSeen: Timestamp?, lastSeen: Timestamp?, evidence: [Evidence], nextStep: String) {
        self.ruleID = ruleID
        self.area = area
        self.severity = severity
        self.title = title
        self.group = group
        self.count = count
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.evidence = evidence
        self.nextStep = nextStep
    }
}

/// Boot and shutdown events, for an uptime timeline.
public struct Timeline: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// EventLog 6005: the event log service started (the system booted).
        case started
        /// EventLog 6006: clean shutdown.
        case cleanStop
        /// EventLog 6008: the previous shutdown was unexpected.
        case unexpectedShutdown
        /// Kernel-Power 41: rebooted without cleanly shutting down (power loss, hang, crash).
        case powerLoss
        /// User32 1074: a planned restart or shutdown by a process or user.
        case plannedRestart
    }

    public struct Event: Sendable, Codable, Equatable {
        public var timestamp: Timestamp
        public var kind: Kind
        public var eventID: Int
        public var filePath: String
        public var recordID: UInt64?
        public var message: String
    }

    /// Events in time order (at most `FindingsEngine.timelineLimit`, the earliest kept).
    public var events: [Event]
    /// Events left out once the limit was reached.
    public var dropped: Int

    public init(events: [Event] = [], dropped: Int = 0) {
        self.events = events
        self.dropped = dropped
    }
}

/// Errors and warnings (critical included) per hour, per source.
public struct Histogram: Sendable, Codable, Equatable {
    public struct Series: Sendable, Codable, Equatable {
        /// `log.file.path`, else the dataset; `other sources` for the rest past the source cap.
        public var source: String
        /// One count per hour from `Histogram.start`.
        public var counts: [Int]
    }

    /// The first hour shown (UTC, on the hour); nil when there were no timed errors or warnings.
    public var start: Timestamp?
    /// Number of hours shown (at most `FindingsEngine.histogramHours`).
    public var hours: Int
    /// Sources with at least one error or warning in the hours shown, most first.
    public var series: [Series]
    /// Errors and warnings older than the hours shown, left out.
    public var droppedOlder: Int

    public init(start: Timestamp? = nil, hours: Int = 0, series: [Series] = [], droppedOlder: Int = 0) {
        self.start = start
        self.hours = hours
        self.series = series
        self.droppedOlder = droppedOlder
    }
}

/// AMTError messages of one template.
public struct MessageGroup: Sendable, Codable, Equatable {
    /// See `MessageTemplate`; `other` collects messages past the template cap.
    public var template: String
    /// The most severe level seen.
    public var level: Severity
    public var count: Int
    public var firstSeen: Timestamp?
    public var lastSeen: Timestamp?
    /// The first message of this template (first line) and where it is.
    public var example: Evidence
}

/// Runs rules over a stream of records and keeps what the reports need, in bounded memory.
///
/// Feed every record once with `observe(_:)`, then read `findings()`, `timeline()`,
/// `histogram()` and `messageGroups(limit:)` (they can be read at any time). Memory is bounded
/// by the caps below, not by the number of records. A value: a stage that observes records owns
/// its engine (it is moved to that stage's thread and handed back when the stage ends).
public struct FindingsEngine: Sendable {
    /// Distinct AMTError templates kept; later templates are counted under `other`.
    public static let templateLimit = 1000
    /// Boot and shutdown events kept for the timeline.
    public static let timelineLimit = 500
    /// Hours the histogram covers, ending with the latest error or warning (14 days).
    public static let histogramHours = 336
    /// Sources the histogram draws separately; the rest are summed as `other sources`.
    public static let histogramSources = 12
    /// Largest ring of timestamps kept for a windowed threshold.
    public static let thresholdRingLimit = 10_000

    struct GroupState {
        var count = 0
        var first: Timestamp?
        var last: Timestamp?
        var evidence: [Evidence] = []
        var fired = false
        /// The last `threshold` timestamps (microseconds), for windowed thresholds.
        var ring: [Int64] = []
        var ringNext = 0
    }

    struct RuleState {
        var rule: Rule
        var groups: [String: GroupState] = [:]
        var groupOrder: [String] = []
        /// `distinctBy` values counted already (at most `Rule.distinctLimit`).
        var distinct: Set<String> = []
    }

    struct TemplateState {
        var level: Severity
        var count: Int
        var first: Timestamp?
        var last: Timestamp?
        var example: Evidence
        var order: Int
    }

    private var rules: [RuleState]
    /// The rules' conditions, in the order of `rules`.
    private let compiled: [CompiledMatch]
    /// Lower-cased dataset → indices of the rules it can match.
    private var datasetRules: [String: [Int]] = [:]
    private var timelineEvents: [Timeline.Event] = []
    private var timelineDropped = 0
    /// Hour index (hours since the epoch) → source index → count.
    private var hourly: [Int64: [Int: Int]] = [:]
    private var latestHour: Int64 = .min
    private var droppedOlder = 0
    private var sourceIndex: [String: Int] = [:]
    private var sourceNames: [String] = []
    private var templates: [String: TemplateState] = [:]
    /// The dataset of the record before (records come in runs of one source): its lower-cased
    /// form and candidate rules, so most records need no lower-casing or hashing for them.
    private var lastDataset: (raw: String, lowered: String, rules: [Int])?
    /// The histogram's source of the record before and its index.
    private var lastSource: (name: String, index: Int)?

    public init(rules: RuleSet) {
        self.rules = rules.rules.map { RuleState(rule: $0) }
        self.compiled = rules.rules.map { CompiledMatch($0.match) }
    }

    /// Indices of the rules whose `datasets` condition a dataset passes; cached per dataset (a
    /// handful of values), computed afresh past `datasetCacheLimit` distinct values.
    private mutating func rulesFor(dataset: String) -> [Int] {
        if let known = datasetRules[dataset] { return known }
        let list = compiled.indices.filter { compiled[$0].datasetMatches(dataset) }
        if datasetRules.count < 64 { datasetRules[dataset] = list }
        return list
    }

    /// Takes one record into account. O(number of rules); the message is lower-cased at most once.
    public mutating func observe(_ record: Record) {
        let candidates: [Int]
        let lowered: String
        if let last = lastDataset, last.raw == record.dataset {
            (lowered, candidates) = (last.lowered, last.rules)
        } else {
            lowered = record.dataset.lowercased()
            candidates = rulesFor(dataset: lowered)
            lastDataset = (record.dataset, lowered, candidates)
        }
        var scratch = CompiledMatch.Scratch(dataset: lowered)
        var template: String?
        for i in candidates {
            let matches = compiled[i].matchesBesidesDataset(record, scratch: &scratch)
            guard matches else { continue }
            if let by = rules[i].rule.distinctBy,
               let value = record.extra(by.hasPrefix("amt.") ? String(by.dropFirst(4)) : by).flatMap(CompiledMatch.text),
               !value.isEmpty {
                if rules[i].distinct.contains(value) { continue }
                if rules[i].distinct.count < Rule.distinctLimit { rules[i].distinct.insert(value) }
            }
            var key = ""
            if let by = rules[i].rule.groupBy {
                if by == "template" {
                    if template == nil { template = MessageTemplate.make(record.message) }
                    key = template!
                } else {
                    key = record.value(at: by).flatMap(CompiledMatch.text) ?? ""
                }
            }
            add(record, rule: i, group: key)
        }
        timelineObserve(record)
        histogramObserve(record)
        if record.dataset == Dataset.amtError, let level = record.level, level <= .warning {
            templateObserve(record, level: level, template: template ?? MessageTemplate.make(record.message))
        }
    }

    private mutating func add(_ record: Record, rule i: Int, group: String) {
        FindingsEngine.add(record, to: &rules[i], group: group)
    }

    /// In one access to the rule's state: read through `rules[i]` several times, the state and its
    /// rule were copied at every matching record.
    private static func add(_ record: Record, to state: inout RuleState, group: String) {
        var key = group
        if state.groups[key] == nil {
            if state.groupOrder.count >= Rule.groupLimit - 1 { key = "other" }
            if state.groups[key] == nil {
                state.groups[key] = GroupState()
                state.groupOrder.append(key)
            }
        }
        let limits = (evidence: state.rule.evidenceLimit, window: state.rule.window, threshold: state.rule.threshold)
        update(&state.groups[key]!, with: record, evidenceLimit: limits.evidence, window: limits.window,
               threshold: limits.threshold)
    }

    /// Counts `record` into one group's state (in place: no copy of the evidence or the ring).
    private static func update(_ g: inout GroupState, with record: Record, evidenceLimit: Int, window: Int?,
                               threshold: Int) {
        g.count += 1
        if let t = record.timestamp {
            if g.first.map({ t < $0 }) ?? true { g.first = t }
            if g.last.map({ t > $0 }) ?? true { g.last = t }
        }
        FindingsEngine.keepEarliest(record, in: &g.evidence, limit: evidenceLimit)
        if !g.fired {
            if let window {
                if let t = record.timestamp {
                    let size = min(threshold, FindingsEngine.thresholdRingLimit)
                    if g.ring.count < size { g.ring.append(t.microseconds) } else {
                        g.ring[g.ringNext] = t.microseconds
                        g.ringNext = (g.ringNext + 1) % size
                    }
                    if g.ring.count == size, let lo = g.ring.min(), let hi = g.ring.max(),
                       hi - lo <= Int64(window) * 1_000_000 {
                        g.fired = true
                        g.ring = []
                    }
                }
            } else if g.count >= threshold {
                g.fired = true
            }
        }
    }

    /// Keeps the `limit` earliest evidence records (by time; untimed last; ties in arrival order),
    /// so the evidence does not depend on the order sources are read in. O(limit).
    static func keepEarliest(_ r: Record, in list: inout [Evidence], limit: Int) {
        guard limit > 0 else { return }
        func before(_ a: Timestamp?, _ b: Timestamp?) -> Bool {
            switch (a, b) {
            case let (x?, y?): x < y
            case (.some, nil): true
            default: false
            }
        }
        if list.count == limit {
            // Most records land here once the list is full: no evidence is built for them.
            guard let last = list.last, before(r.timestamp, last.timestamp) else { return }
            list.removeLast()
        }
        var i = list.count
        while i > 0, before(r.timestamp, list[i - 1].timestamp) { i -= 1 }
        list.insert(Evidence(r), at: i)
    }

    private mutating func timelineObserve(_ r: Record) {
        guard let w = r.winlog, let id = w.eventID, let t = r.timestamp else { return }
        let provider = (w.providerName ?? r.provider ?? "").lowercased()
        let kind: Timeline.Kind
        switch (id, provider) {
        case (6005, "eventlog"): kind = .started
        case (6006, "eventlog"): kind = .cleanStop
        case (6008, "eventlog"): kind = .unexpectedShutdown
        case (41, "microsoft-windows-kernel-power"): kind = .powerLoss
        case (1074, "user32"): kind = .plannedRestart
        default: return
        }
        guard timelineEvents.count < FindingsEngine.timelineLimit else { timelineDropped += 1; return }
        timelineEvents.append(Timeline.Event(timestamp: t, kind: kind, eventID: id, filePath: r.filePath ?? r.dataset,
                                             recordID: w.recordID, message: Evidence.oneLine(r.message)))
    }

    private mutating func histogramObserve(_ r: Record) {
        guard let level = r.level, level <= .warning, let t = r.timestamp else { return }
        let hour = floorDiv(t.microseconds, 3_600_000_000)
        let horizon = Int64(FindingsEngine.histogramHours)
        if latestHour != .min, hour <= latestHour - horizon { droppedOlder += 1; return }
        let name = r.filePath ?? r.dataset
        let index: Int
        if let last = lastSource, last.name == name {
            index = last.index
        } else if let known = sourceIndex[name] {
            index = known
            lastSource = (name, known)
        } else if sourceNames.count < 4 * FindingsEngine.histogramSources {
            index = sourceNames.count
            sourceIndex[name] = index
            sourceNames.append(name)
        } else {
            index = -1  // other sources
        }
        hourly[hour, default: [:]][index, default: 0] += 1
        if hour > latestHour {
            latestHour = hour
            // Drop hours that fell out of the horizon, once they are a good share of the map.
            if hourly.count > 2 * FindingsEngine.histogramHours {
                for (h, bySource) in hourly where h <= latestHour - horizon {
                    droppedOlder += bySource.values.reduce(0, +)
                    hourly[h] = nil
                }
            }
        }
    }

    private mutating func templateObserve(_ r: Record, level: Severity, template: String) {
        var key = template
        var k = templates.index(forKey: key)
        // One slot stays free for `other`, so at most `templateLimit` templates are kept.
        if k == nil, templates.count >= FindingsEngine.templateLimit - 1 {
            key = "other"
            k = templates.index(forKey: key)
        }
        if let k {
            // Updated in place, in one access: no copy of the state and its example.
            FindingsEngine.count(&templates.values[k], level: level, at: r.timestamp)
        } else {
            templates[key] = TemplateState(level: level, count: 1, first: r.timestamp, last: r.timestamp,
                                           example: Evidence(r), order: templates.count)
        }
    }

    private static func count(_ state: inout TemplateState, level: Severity, at time: Timestamp?) {
        state.count += 1
        if level < state.level { state.level = level }
        if let t = time {
            if state.first.map({ t < $0 }) ?? true { state.first = t }
            if state.last.map({ t > $0 }) ?? true { state.last = t }
        }
    }

    /// Findings of the rules that fired, most severe first, then by count (descending), rule id
    /// and group.
    public func findings() -> [Finding] {
        var result: [Finding] = []
        for state in rules {
            let rule = state.rule
            for key in state.groupOrder {
                guard let g = state.groups[key], g.fired else { continue }
                let title = FindingsEngine.title(rule, group: key)
                result.append(Finding(ruleID: rule.id, area: rule.area, severity: rule.severity, title: title,
                                      group: rule.groupBy == nil ? nil : key, count: g.count,
                                      firstSeen: g.first, lastSeen: g.last, evidence: g.evidence,
                                      nextStep: rule.nextStep))
            }
        }
        return result.sorted {
            if $0.severity != $1.severity { return $0.severity < $1.severity }
            if $0.count != $1.count { return $0.count > $1.count }
            if $0.ruleID != $1.ruleID { return $0.ruleID < $1.ruleID }
            return ($0.group ?? "") < ($1.group ?? "")
        }
    }

    /// `title — group`: the template itself, `state 8` for `amt.sql.state`, `app w3wp.exe` for
    /// `amt.wer.app.name` (a last component `name` is named by the one before); the bare title for
    /// records without the grouped value.
    static func title(_ rule: Rule, group: String) -> String {
        guard let by = rule.groupBy, !group.isEmpty else { return rule.title }
        if by == "template" || group == "other" { return "\(rule.title) — \(group)" }
        // `amt.wer.app.name` is named by its object: `app w3wp.exe`.
        let parts = by.split(separator: ".")
        let label = parts.count >= 2 && parts.last == "name" ? parts[parts.count - 2] : parts.last
        let name = label.map { $0.split(separator: "_").joined(separator: " ") } ?? by
        return "\(rule.title) — \(name) \(group)"
    }

    /// Boot and shutdown events in time order (ties by file and record id).
    public func timeline() -> Timeline {
        let events = timelineEvents.sorted {
            if $0.timestamp != $1.timestamp { return $0.timestamp < $1.timestamp }
            if $0.filePath != $1.filePath { return $0.filePath < $1.filePath }
            return ($0.recordID ?? 0) < ($1.recordID ?? 0)
        }
        return Timeline(events: events, dropped: timelineDropped)
    }

    /// Errors and warnings per hour for the last `histogramHours` hours up to the latest one, per
    /// source: the `histogramSources - 1` sources with most, then the rest summed as `other sources`.
    public func histogram() -> Histogram {
        guard latestHour != .min else { return Histogram(droppedOlder: droppedOlder) }
        let horizon = Int64(FindingsEngine.histogramHours)
        var older = droppedOlder
        var firstHour = latestHour
        for (h, bySource) in hourly {
            if h <= latestHour - horizon { older += bySource.values.reduce(0, +) } else { firstHour = min(firstHour, h) }
        }
        let hours = Int(latestHour - firstHour + 1)
        var perSource: [Int: [Int]] = [:]
        for (h, bySource) in hourly where h > latestHour - horizon {
            for (s, c) in bySource { perSource[s, default: Array(repeating: 0, count: hours)][Int(h - firstHour)] += c }
        }
        var named = perSource.filter { $0.key >= 0 }.map { (name: sourceNames[$0.key], counts: $0.value) }
        named.sort {
            let a = $0.counts.reduce(0, +), b = $1.counts.reduce(0, +)
            return a != b ? a > b : $0.name < $1.name
        }
        var series: [Histogram.Series] = []
        let split = perSource[-1] == nil && named.count <= FindingsEngine.histogramSources
            ? named.count : FindingsEngine.histogramSources - 1
        var rest = perSource[-1] ?? Array(repeating: 0, count: hours)
        for (k, s) in named.enumerated() {
            if k < split {
                series.append(Histogram.Series(source: s.name, counts: s.counts))
            } else {
                for h in 0..<hours { rest[h] += s.counts[h] }
            }
        }
        if split < named.count || perSource[-1] != nil {
            series.append(Histogram.Series(source: "other sources", counts: rest))
        }
        let start = Timestamp(microsecondsSinceEpoch: firstHour * 3_600_000_000, precision: .milliseconds)
        return Histogram(start: start, hours: hours, series: series, droppedOlder: older)
    }

    /// AMTError error and warning messages grouped by template, most frequent first (ties: first
    /// seen first), at most `limit` (the `other` bucket, if any, included in the order).
    public func messageGroups(limit: Int) -> [MessageGroup] {
        let ordered = templates.sorted {
            if $0.value.count != $1.value.count { return $0.value.count > $1.value.count }
            return $0.value.order < $1.value.order
        }
        return ordered.prefix(max(0, limit)).map { key, s in
            MessageGroup(template: key, level: s.level, count: s.count, firstSeen: s.first, lastSeen: s.last,
                         example: s.example)
        }
    }

    /// Distinct templates currently kept (the `other` bucket included).
    public var templateCount: Int { templates.count }
}

@inline(__always) func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
