import LogRecord

/// The product's own error logs ("AMTError" logs), whose layout is not published: recognized by
/// content among the layouts .NET applications write (see `AMTErrorLayout`).
///
/// Framing: the layout is chosen once per file from the first lines; a line that starts an entry
/// in that layout starts a record, and every other line joins the entry before it (stack traces,
/// wrapped text, lines of another shape). Lines before the first entry, or after a gap, form an
/// entry of their own without a timestamp; log4net's `[Header]`/`[Footer]` lines are records of
/// their own. Entries are bounded (`maxEntryLines`, `maxEntryBytes`): lines beyond are dropped
/// and counted (`entry_lines_dropped`, `bytesDropped`, and `amt.entry_lines_dropped` on the record).
///
/// Fields: `@timestamp` from the entry's time (local times converted with the site zone, Serilog's
/// stated offsets applied, Enterprise Library times read as UTC because its `{timestamp}` token
/// writes UTC unless the template says `local`); day/month order of slashed dates decided once
/// per file; `log.level` from the layout's level token, else (the product's home-grown layout)
/// from a level word starting the message (`Error …`, `Warning: …`), else `error` when the entry
/// carries a .NET exception, else `information`; `event.provider` = logger or category;
/// `process.thread.id` for numeric threads (`amt.thread_name` otherwise); `error.type` = outermost
/// exception type, `amt.error.inner_type` = innermost when different, `error.stack_trace` = the
/// exception text to the end of the entry.
public struct AMTErrorParser: TextFormatParser {
    public static let dataset = Dataset.amtError

    /// Lines kept per entry; further lines are dropped and counted.
    public static let maxEntryLines = 2_000
    /// Bytes of text kept per entry; further lines are dropped and counted.
    public static let maxEntryBytes = 1 << 20

    /// The layout chosen for this file.
    public let layout: AMTErrorLayout
    /// Whether slashed dates are read day first (`d/M/yyyy`), decided from the sample.
    public let dayFirst: Bool

    private let context: ParseContext
    private var entry: Entry?
    private var heldSeparators: [TextLine] = []
    private var announced = false
    private var cache = StringCache()
    /// Local-to-UTC shift of the last conversion and the quarter hour (local) it holds for.
    private var zoneShift: (bucket: Int64, micros: Int64)?
    private let orderConflict: Bool
    /// `false` when no layout matched the sample (the parser was forced on another format).
    private let recognized: Bool

    /// The best layout's score on the first lines: 95 for Enterprise Library blocks (a
    /// `Timestamp:` line and four more template keys; 60 with two or three); 90 for log4net, NLog and Serilog layouts
    /// with two or more entry lines (60 with one); 70 for the US-date layout with two or more (45
    /// with one), +15 when .NET exception text is present. 30 less when the first line with
    /// content does not start an entry. 0 when no layout matches any line (SQL Server ERRORLOG,
    /// MSI, setupapi, InstallShield logs and plain `date LEVEL text` lines score 0). `path` is
    /// not used.
    public static func score(lines: [String], path: String) -> Int {
        evaluate(lines).max(by: { $0.score < $1.score })?.score ?? 0
    }

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        let scores = Self.evaluate(sample)
        var best = AMTErrorLayout.usDate
        var bestScore = 0
        for (layout, score) in scores where score > bestScore { best = layout; bestScore = score }
        layout = best
        recognized = bestScore > 0
        // Day/month order, once per file: a first number > 12 means day first, a second > 12
        // means month first; otherwise `.` dates are day first and `/` dates month first.
        var firstOver = 0, secondOver = 0, dotted = 0, slashed = 0
        for line in sample {
            guard let t = Self.sampleTime(line, layout: best), case .ambiguous(let a, let b, let sep) = t.order else { continue }
            if a > 12 { firstOver += 1 }
            if b > 12 { secondOver += 1 }
            if sep == UInt8(ascii: ".") { dotted += 1 } else { slashed += 1 }
        }
        if firstOver > 0 || secondOver > 0 {
            dayFirst = firstOver > secondOver
        } else {
            dayFirst = dotted > slashed
        }
        orderConflict = firstOver > 0 && secondOver > 0
    }

    // MARK: - Detection

    /// Scores each layout on the sample (0 to 100).
    static func evaluate(_ lines: [String]) -> [(layout: AMTErrorLayout, score: Int)] {
        var headers: [AMTErrorLayout: Int] = [:]
        var firstContent: String? = nil
        var dotnet = false
        var entLibTimestamps = 0
        var entLibKeys = Set<Int>()
        var cache = StringCache()
        for line in lines {
            var s = line
            s.withUTF8 { b in
                if b.isEmpty { return }
                if let k = EntLib.key(b) {
                    if k.index == 0 {
                        if EntLib.time(b, valueStart: k.valueStart) != nil { entLibTimestamps += 1 }
                    } else {
                        entLibKeys.insert(k.index)
                    }
                }
                if DotNetException.isFrame(b) || !DotNetException.types(in: b, anywhere: false).isEmpty { dotnet = true }
                if isMarker(b) || isBlank(b) { return }
                if firstContent == nil { firstContent = line }
                guard let c = b.first, c >= 0x30, c <= 0x39 else { return }
                for layout in AMTErrorLayout.allCases where layout != .entLib {
                    if AMTErrorMatch.header(layout, b, cache: &cache) != nil { headers[layout, default: 0] += 1 }
                }
            }
        }
        var out: [(AMTErrorLayout, Int)] = []
        for layout in AMTErrorLayout.allCases {
            var score = 0
            if layout == .entLib {
                if entLibTimestamps >= 1, entLibKeys.count >= 4 { score = 95 }
                else if entLibTimestamps >= 1, entLibKeys.count >= 2 { score = 60 }
                out.append((layout, score))
                continue
            }
            let n = headers[layout] ?? 0
            guard n > 0 else { out.append((layout, 0)); continue }
            let firstIsHeader = firstContent.map { AMTErrorMatch.header(layout, $0) != nil } ?? false
            switch layout {
            case .usDate:
                score = n >= 2 ? 70 : 45
                if dotnet { score += 15 }
            default:
                score = n >= 2 ? 90 : 60
            }
            if !firstIsHeader { score -= 30 }
            out.append((layout, max(0, score)))
        }
        return out
    }

    /// The date/time an entry-starting sample line states, for the day/month decision.
    static func sampleTime(_ line: String, layout: AMTErrorLayout) -> SniffedTime? {
        if layout == .entLib {
            var s = line
            return s.withUTF8 { b in
                guard let k = EntLib.key(b), k.index == 0 else { return nil }
                return EntLib.time(b, valueStart: k.valueStart)
            }
        }
        return AMTErrorMatch.header(layout, line)?.time
    }

    /// A log4net header or footer line: `[Header]`, `[Footer]`, `[START LOG]`, `[END LOG]`,
    /// `[Begin]`, `[End]` (any case), alone or followed by a space and more text (a header made
    /// with a pattern, e.g. `[Header] 2026-11-24 03:25:40`).
    static func isMarker(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count >= 5, b[0] == UInt8(ascii: "[") else { return false }
        var close = 1
        while close < b.count, close <= 10, b[close] != UInt8(ascii: "]") { close += 1 }
        guard close < b.count, b[close] == UInt8(ascii: "]"), close + 1 == b.count || b[close + 1] == 0x20 else { return false }
        let word = String(decoding: UnsafeBufferPointer(rebasing: b[1..<close]), as: UTF8.self).lowercased()
        return markerWords.contains(word)
    }

    static let markerWords: Set<String> = ["header", "footer", "start log", "end log", "begin", "end"]

    static func isBlank(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    // MARK: - Parsing

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        if !announced {
            announced = true
            stats.count("layout.\(layout.rawValue)")
            if !recognized {
                stats.note("no AMTError layout recognized in the first lines; lines are kept as entries without time")
            }
            if orderConflict {
                stats.note("dates of both day/month orders in the first lines; read \(dayFirst ? "day" : "month") first")
            }
        }
        if layout == .entLib {
            try feedEntLib(line, stats: &stats, emit: emit)
            return
        }
        var text = line.text
        let header: AMTEntryHeader? = text.withUTF8 { b in
            guard let c = b.first, c >= 0x30, c <= 0x39 else { return nil }
            return AMTErrorMatch.header(layout, b, cache: &cache)
        }
        if let header {
            try flush(stats: &stats, emit: emit)
            start(line, header: header, stats: &stats)
            return
        }
        let marker = text.withUTF8 { Self.isMarker($0) }
        if marker {
            try flush(stats: &stats, emit: emit)
            var r = Record(dataset: Self.dataset, message: line.text, filePath: context.sourcePath, line: line.number)
            r.hostName = context.hostName
            try emit(&r)
            return
        }
        try continuation(line, stats: &stats, emit: emit)
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        if !heldSeparators.isEmpty {
            stats.count("separator_lines", by: heldSeparators.count)
            heldSeparators = []
        }
        try flush(stats: &stats, emit: emit)
    }

    /// A line that does not start an entry: joins the pending one, or starts an entry without a
    /// timestamp when there is none (or after a gap).
    private mutating func continuation(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        // Untimed text is cut into bounded entries instead of losing what exceeds the bound.
        // (Read in place: `entry.map` would copy the whole entry for every continuation line.)
        let orphanFull = entry?.kind == .orphan && entry!.isFull(adding: line.text)
        if line.afterGap || entry == nil || orphanFull {
            try flush(stats: &stats, emit: emit)
            if line.text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            entry = Entry(line: line.number, kind: .orphan)
            entry!.append(line.text, stats: &stats)
            return
        }
        entry!.append(line.text, stats: &stats)
    }

    private mutating func start(_ line: TextLine, header: AMTEntryHeader, stats: inout ParseStats) {
        // Built in place (a local entry copied into `entry` costs two copies of its header).
        entry = Entry(line: line.number, kind: .entry, header: header)
        entry!.append(Self.tail(line.text, from: header.messageStart), stats: &stats)
    }

    /// The text from a UTF-8 offset on (moved back to the start of a character it falls inside),
    /// copied straight from the bytes: through a `Substring` it cost twice as much per entry.
    static func tail(_ text: String, from utf8Offset: Int) -> String {
        var t = text
        return t.withUTF8 { b in
            var start = min(max(utf8Offset, 0), b.count)
            while start > 0, start < b.count, b[start] & 0xC0 == 0x80 { start -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: b[start...]), as: UTF8.self)
        }
    }

    private mutating func flush(stats: inout ParseStats, emit: RecordSink) throws {
        guard var e = entry.take() else { return }
        while let last = e.more.last, last.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            e.more.removeLast()
        }
        // Most entries are one line: no array of lines is made for them.
        let all: [String]? = e.more.isEmpty ? nil : e.allLines
        let firstLine = e.first ?? ""
        var r = Record(dataset: Self.dataset, message: all.map { TextJoin.lines($0, 0..<$0.count) } ?? firstLine,
                       filePath: context.sourcePath, line: e.line)
        r.hostName = context.hostName
        // Most entries are one message line without an exception: skip the analysis for them.
        let single = all == nil && e.first != nil && e.kind == .entry && e.entLib == nil
        var lines: [String] = []
        let exception: DotNetExceptionInfo?
        if single && !DotNetException.mentionsException(firstLine) {
            exception = nil
        } else {
            lines = all ?? e.allLines
            exception = DotNetException.analyze(lines, firstLineIsMessage: e.kind == .entry)
        }
        if let h = e.header {
            let t = h.time.resolved(dayFirst: dayFirst)
            if let (ts, source) = toUTC(t) {
                r.timestamp = ts
                r.timeSource = source
            } else {
                stats.recordProblem("line \(e.line.map(String.init) ?? "?"): impossible date \(t.year)-\(t.month)-\(t.day) \(t.hour):\(t.minute)")
            }
            r.level = h.level ?? Self.firstWordLevel(firstLine) ?? (exception?.type != nil ? .error : .information)
            r.provider = h.logger
            if let id = h.threadID { r.threadID = id } else { Self.setThread(&r, h.thread) }
            if let ndc = h.ndc { r.setExtra("ndc", .string(ndc)) }
            if let c = h.context { r.setExtra("context", .string(c)) }
        } else if let fields = e.entLib {
            fields.apply(to: &r, dayFirst: dayFirst, stats: &stats, line: e.line)
        }
        Self.apply(exception, lines: lines, to: &r)
        if e.dropped > 0 { r.setExtra("entry_lines_dropped", .int(Int64(e.dropped))) }
        try emit(&r)
    }

    /// `t.timestamp(zone: context.zone)`, with the site-zone shift reused within a local quarter
    /// hour: zone rules change offsets at quarter-hour wall-clock boundaries, so the shift
    /// `SiteZone.localToUTC` gives is the same for every reading in one (this saves two time zone
    /// database lookups per record).
    private mutating func toUTC(_ t: SniffedTime) -> (Timestamp, TimeSource)? {
        guard t.zone == .none else { return t.timestamp(zone: context.zone) }
        guard let local = Timestamp(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute,
                                    second: t.second, microsecond: t.microsecond) else { return nil }
        let quarter: Int64 = 900_000_000
        let bucket = local.microseconds >= 0 ? local.microseconds / quarter : (local.microseconds - quarter + 1) / quarter
        if let z = zoneShift, z.bucket == bucket {
            return (Timestamp(microsecondsSinceEpoch: local.microseconds + z.micros), context.zone.timeSource)
        }
        let utc = context.zone.localToUTC(local)
        zoneShift = (bucket, utc.microseconds - local.microseconds)
        return (utc, context.zone.timeSource)
    }

    static func setThread(_ r: inout Record, _ thread: String?) {
        guard let thread, !thread.isEmpty else { return }
        if thread.utf8.count <= 9, thread.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(thread) {
            r.threadID = n
        } else {
            r.setExtra("thread_name", .string(thread))
        }
    }

    static func apply(_ exception: DotNetExceptionInfo?, lines: [String], to r: inout Record) {
        guard let x = exception else { return }
        r.errorType = x.type
        r.stackTrace = DotNetException.stackTrace(lines, x)
        // `amt.error` holds only these (set here, in this order): no dotted path to parse.
        if let inner = x.innermostType { r.putExtra("error", "inner_type", .string(inner)) }
        if let hr = x.hresult { r.putExtra("error", "hresult", .string("0x" + hr.dropFirst(2).lowercased())) }
        if let n = x.sqlErrorNumber { r.putExtra("error", "sql_number", .string(n)) }
    }

    /// A level word starting the message (`Error in …`, `Warning: …`, `ERROR …`), if any.
    static func firstWordLevel(_ message: String) -> Severity? {
        var s = message
        return s.withUTF8 { b in
            let end = AMTErrorMatch.wordEnd(b, 0)
            var e = end
            if e > 0, b[e - 1] == UInt8(ascii: ":") { e -= 1 }
            return AMTErrorMatch.levelWord(b, 0..<e)
        }
    }

    // MARK: - Enterprise Library blocks

    private mutating func feedEntLib(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        var text = line.text
        let key: (index: Int, valueStart: Int)? = text.withUTF8 { EntLib.key($0) }
        let separator = text.withUTF8 { EntLib.isSeparator($0) }
        if separator, !line.afterGap {
            if heldSeparators.count >= 8 {
                // Too many to be framing: the first of them were content.
                let first = heldSeparators.removeFirst()
                try entLibLine(first, key: nil, stats: &stats, emit: emit)
            }
            heldSeparators.append(line)
            return
        }
        if let key, key.index == 0 {
            // Separators just before a new block are framing.
            if !heldSeparators.isEmpty { stats.count("separator_lines", by: heldSeparators.count); heldSeparators = [] }
            try flush(stats: &stats, emit: emit)
            var e = Entry(line: line.number, kind: .entry)
            var fields = EntLib.Fields()
            fields.set(0, Self.tail(line.text, from: key.valueStart))
            e.entLib = fields
            entry = e
            return
        }
        // Separators followed by other text were content.
        let held = heldSeparators
        heldSeparators = []
        for l in held { try entLibLine(l, key: nil, stats: &stats, emit: emit) }
        try entLibLine(line, key: key, stats: &stats, emit: emit)
    }

    private mutating func entLibLine(_ line: TextLine, key: (index: Int, valueStart: Int)?, stats: inout ParseStats,
                                     emit: RecordSink) throws {
        guard var e = entry, e.entLib != nil, !line.afterGap else {
            try continuation(line, stats: &stats, emit: emit)
            return
        }
        entry = nil
        if let key, key.index > e.entLib!.current {
            let value = Self.tail(line.text, from: key.valueStart)
            if key.index == EntLib.message {
                e.entLib!.current = key.index
                e.append(value, stats: &stats)
            } else {
                e.entLib!.set(key.index, value)
            }
        } else if e.entLib!.current == EntLib.message {
            e.append(line.text, stats: &stats)
        } else if e.countLine(line.text, stats: &stats) {
            e.entLib!.appendLine(line.text)
        }
        entry = e
    }
}

/// An entry being collected.
private struct Entry {
    enum Kind { case entry, orphan }
    var line: Int?
    var kind: Kind
    var header: AMTEntryHeader?
    var entLib: EntLib.Fields?
    /// The first line kept, apart from the others: most entries have one line, and an array
    /// holding it would be allocated for every entry.
    var first: String?
    /// The lines after the first.
    var more: [String] = []
    var bytes = 0
    var dropped = 0
    // (No initializer of its own: made by the memberwise one, an entry is not built as a copy.)

    /// Whether one more line would exceed the entry bounds.
    func isFull(adding text: String) -> Bool {
        lineCount + (entLib?.lineCount ?? 0) >= AMTErrorParser.maxEntryLines
            || bytes + text.utf8.count > AMTErrorParser.maxEntryBytes
    }

    /// Checks the entry bounds for one more line; counts it as dropped when over.
    mutating func countLine(_ text: String, stats: inout ParseStats) -> Bool {
        let n = text.utf8.count
        if isFull(adding: text) {
            if dropped == 0 {
                stats.note("line \(line.map(String.init) ?? "?"): entry longer than \(AMTErrorParser.maxEntryLines) lines or \(AMTErrorParser.maxEntryBytes) bytes; rest dropped")
            }
            dropped += 1
            stats.count("entry_lines_dropped")
            stats.entryLimitLines = AMTErrorParser.maxEntryLines
            stats.entryLimitBytes = AMTErrorParser.maxEntryBytes
            stats.bytesDropped += Int64(n + 1)
            return false
        }
        bytes += n + 1
        return true
    }

    mutating func append(_ text: String, stats: inout ParseStats) {
        guard countLine(text, stats: &stats) else { return }
        if first == nil { first = text } else { more.append(text) }
    }

    var lineCount: Int { more.count + (first == nil ? 0 : 1) }

    /// Every line kept, in order.
    var allLines: [String] {
        guard let first else { return more }
        return [first] + more
    }
}

/// Enterprise Library's text formatter: its default template's keys, in template order.
enum EntLib {
    static let keys = ["Timestamp", "Message", "Category", "Priority", "EventId", "Severity", "Title", "Machine",
                       "App Domain", "ProcessId", "Process Name", "Thread Name", "Win32 ThreadId", "Extended Properties"]
    static let message = 1
    static let keyBytes: [[UInt8]] = keys.map { Array($0.utf8) }

    /// A `Key:` line of the template: the key's index and where its value starts.
    static func key(_ b: UnsafeBufferPointer<UInt8>) -> (index: Int, valueStart: Int)? {
        guard let c = b.first, c >= 0x41, c <= 0x5A else { return nil }
        for (index, k) in keyBytes.enumerated() where b.count > k.count && b[k.count] == UInt8(ascii: ":") {
            var same = true
            for n in 0..<k.count where b[n] != k[n] { same = false; break }
            if same { return (index, AMTErrorMatch.skipOneSpace(b, k.count + 1)) }
        }
        return nil
    }

    static func time(_ b: UnsafeBufferPointer<UInt8>, valueStart: Int) -> SniffedTime? {
        var scanner = ByteScanner(Array(b[valueStart..<min(b.count, valueStart + 48)]))
        return TimestampSniffer.sniff(&scanner)
    }

    /// A line of 20 or more `-` and nothing else (the flat file listener writes 40).
    static func isSeparator(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.count >= 20 && b.allSatisfy { $0 == UInt8(ascii: "-") }
    }

    struct Fields {
        var values: [String?] = Array(repeating: nil, count: EntLib.keys.count)
        /// The key whose value the next continuation line extends.
        var current = 0
        var lineCount = 0

        mutating func set(_ index: Int, _ value: String) {
            values[index] = value
            current = index
            lineCount += 1
        }

        mutating func appendLine(_ text: String) {
            values[current] = (values[current].map { $0 + "\n" } ?? "") + text
            lineCount += 1
        }

        func value(_ index: Int) -> String? {
            guard let v = values[index] else { return nil }
            let t = v.trimmingCharacters(in: " \t\n")
            return t.isEmpty ? nil : String(t)
        }

        func apply(to r: inout Record, dayFirst: Bool, stats: inout ParseStats, line: Int?) {
            if let ts = values[0] {
                var s = ts
                let t: SniffedTime? = s.withUTF8 { EntLib.time($0, valueStart: 0) }
                if let t = t?.resolved(dayFirst: dayFirst),
                   // `{timestamp}` writes LogEntry.TimeStamp, which is UTC.
                   let (stamp, source) = t.timestamp(zone: .utc) {
                    r.timestamp = stamp
                    r.timeSource = t.zone == .none ? .utc : source
                } else {
                    stats.recordProblem("line \(line.map(String.init) ?? "?"): unreadable timestamp '\(ts.prefix(40))'")
                }
            }
            r.provider = value(2)
            if let p = value(3), let n = Int(p) { r.setExtra("entlib.priority", .int(Int64(n))) }
            if let code = value(4) { r.code = code }
            if let sev = value(5) { r.level = Severity(word: sev) ?? .information }
            if let title = value(6) { r.setExtra("entlib.title", .string(title)) }
            if let machine = value(7) { r.hostName = machine }
            if let domain = value(8) { r.setExtra("entlib.app_domain", .string(domain)) }
            if let pid = value(9), let n = Int(pid) { r.processID = n }
            if let name = value(10) { r.setExtra("entlib.process_name", .string(name)) }
            if let tname = value(11) { r.setExtra("thread_name", .string(tname)) }
            if let tid = value(12), let n = Int(tid) { r.threadID = n }
            if let ext = value(13) { r.setExtra("entlib.extended_properties", .string(ext)) }
        }
    }
}
