import LogRecord

/// The product's own error logs ("AMTError" logs) and other .NET logs: read in the layout the
/// site's logging configuration declares (`ParseContext.layout`, compiled by `LayoutCompiler`), or
/// else in the layout learned from the file's first lines (`LayoutInference`). A declared layout
/// that matches no line of the first lines gives way to inference, with a note. `stats.layout` says
/// which was used (`config` with file, target and pattern, or `inferred` with the shape in words).
///
/// Framing: the layout is chosen once per file from the first lines; a line that starts an entry
/// in that layout starts a record, and every other line joins the entry before it (stack traces,
/// wrapped text, lines of another shape). A layout without a line break between entries (a
/// log4net pattern without `%newline`) is split at each entry's time on the line. Lines before the
/// first entry, or after a gap, form an entry of their own without a timestamp; log4net's
/// `[Header]`/`[Footer]` lines (and the layout's declared header and footer) are records of their
/// own, also when an entry follows them on the same line. JSON layouts take one object per line,
/// CSV layouts one row (a quoted field may continue on the next lines), block layouts (Enterprise
/// Library) a `Label: value` block. Entries are bounded (`maxEntryLines`, `maxEntryBytes`): lines
/// beyond are dropped and counted (`entry_lines_dropped`, `bytesDropped`, and
/// `amt.entry_lines_dropped` on the record).
///
/// Fields: `@timestamp` from the entry's time (local times converted with the site zone, stated
/// offsets applied, UTC renderers — `%utcdate`, `universalTime=true`, CLEF `@t`, Enterprise
/// Library's `{timestamp}` unless the template says `local` — read as UTC); day/month order of
/// culture dates decided once per file; `log.level` from the layout's level token, else from a
/// level word starting the message (`Error …`, `Warning: …`), else the layout's default (CLEF:
/// `Information`), else `error` when the entry carries a .NET exception, else `information`;
/// `event.provider` = logger or category; `process.thread.id` for numeric threads
/// (`amt.thread_name` otherwise); `amt.ndc`, `amt.property.<name>` for the layout's properties;
/// `error.type` = outermost exception type, `amt.error.inner_type` = innermost when different,
/// `error.stack_trace` = the exception text to the end of the entry.
public struct AMTErrorParser: TextFormatParser {
    public static let dataset = Dataset.amtError

    /// Lines kept per entry; further lines are dropped and counted.
    public static let maxEntryLines = 2_000
    /// Bytes of text kept per entry; further lines are dropped and counted.
    public static let maxEntryBytes = 1 << 20
    /// Entries split off one line of a layout without line breaks; the rest stays in the last.
    public static let maxGluedEntries = 100_000

    /// The shape of the layout used (`log4net`, `nlog`, `nlog-pipe`, `serilog`, `us-date`,
    /// `entlib`, `clef`, `serilog-json`, `json`, `csv`, `pattern`), counted as `layout.<shape>`.
    public var layoutShape: String { compiled.shape }
    /// How the layout was decided, for the manifest (`stats.layout`).
    public let layoutUse: LayoutUse
    /// Whether slashed dates are read day first (`d/M/yyyy`), decided from the sample.
    public let dayFirst: Bool

    let compiled: CompiledLayout
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
    /// Why a declared layout was not used, for the notes.
    private let fallbackNote: String?
    private var csvHeaderSkipped = false
    /// What an entry's first byte must be, from the head's first element.
    private let leadByte: Lead
    enum Lead { case digit, byte(UInt8), any }
    private var undatedNoted = false
    /// For a layout that writes the time of day only: the date the file's name holds
    /// (`${shortdate}.log`, `app-20261124.log`), the day entries start on.
    private let fileDate: (year: Int, month: Int, day: Int)?
    /// Days added to `fileDate` since the file's first entry (a time of day that went back by
    /// more than twelve hours: midnight passed), and the previous entry's second of the day.
    private var dayCarry = 0
    private var lastSecondOfDay: Int?

    /// The inferred layout's score on the first lines (`LayoutInference`): 95 for Enterprise
    /// Library blocks (a `Timestamp:` line and four more template keys; 60 with two or three) and
    /// for Serilog JSON lines (CLEF or `JsonFormatter`, two or more), 85 for other JSON lines with
    /// a time key; 90 for line layouts with a level and two or more entry lines (60 with one); 70
    /// for the US-date layout with two or more (45 with one), +15 when .NET exception text is
    /// present; 65 for a date and text alone when .NET exception text is present or entries are
    /// glued (40 otherwise, below the generic parser's threshold for a tie). 30 less when the first
    /// line with content does not start an entry. 0 when no layout matches any line (SQL Server
    /// ERRORLOG, MSI, setupapi, InstallShield logs and plain `date LEVEL text` lines score 0).
    /// `path` is not used.
    public static func score(lines: [String], path: String) -> Int {
        LayoutInference.infer(lines).score
    }

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        var note: String? = nil
        var chosen: CompiledLayout
        var use: LayoutUse
        var recognized: Bool
        if let declared = context.layout {
            chosen = LayoutCompiler.compile(declared.spec)
            use = LayoutUse(source: .config, file: declared.configFile, target: declared.target, pattern: chosen.words)
            recognized = true
            if Self.matches(chosen, sample) == 0, sample.contains(where: { !$0.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 } }) {
                let inferred = LayoutInference.infer(sample)
                note = "the layout declared in \(declared.configFile)\(declared.target.map { " (\($0))" } ?? "") matches no line of the first \(sample.count); layout inferred from the file instead"
                chosen = inferred.layout
                use = LayoutUse(source: LayoutInference.isClassic(chosen) ? .builtin : .inferred, pattern: chosen.words)
                recognized = inferred.score > 0
            }
        } else {
            let inferred = LayoutInference.infer(sample)
            chosen = inferred.layout
            recognized = inferred.score > 0
            // One of the shapes the parser knows (log4net's, NLog's, Serilog's defaults …) is
            // `builtin`; a layout read off the file's own tokens is `inferred`.
            use = LayoutUse(source: LayoutInference.isClassic(chosen) ? .builtin : .inferred, pattern: chosen.words)
        }
        compiled = chosen
        switch chosen.head.first {
        case .time(let t)? where t.startsWithDigit: leadByte = .digit
        case .literal(let l)? where l.first.map({ $0 != 0x20 }) ?? false: leadByte = .byte(l[0])
        default: leadByte = .any
        }
        layoutUse = use
        fallbackNote = note
        fileDate = chosen.kind.isLines && !chosen.timeForms.isEmpty && !chosen.timeForms.contains(where: \.hasDate)
            ? Self.dateInName(context.sourcePath) : nil
        self.recognized = recognized
        // Day/month order, once per file: a first number > 12 means day first, a second > 12
        // means month first; otherwise `.` dates are day first and `/` dates month first.
        var firstOver = 0, secondOver = 0, dotted = 0, slashed = 0
        for line in sample {
            guard let t = Self.sampleTime(line, chosen), case .ambiguous(let a, let b, let sep) = t.order else { continue }
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

    /// How many sample lines start an entry of `layout`.
    static func matches(_ layout: CompiledLayout, _ lines: [String]) -> Int {
        var n = 0
        var cache = StringCache()
        for line in lines {
            var s = line
            let starts: Bool = s.withUTF8 { b in
                guard !b.isEmpty else { return false }
                switch layout.kind {
                case .json(let map):
                    return JSONEntry.read(b, map) != nil
                case .csv(let map):
                    return CSVRow.read(b, map, cache: &cache) != nil
                case .lines:
                    guard let h = layout.match(b, cache: &cache) else { return false }
                    return h.timeKnown || !layout.timeForms.contains { $0.hasDate }
                case .block(let template):
                    guard let k = EntLib.key(b, template), k.index == 0 else { return false }
                    return EntLib.time(b, valueStart: k.valueStart, template.time) != nil
                }
            }
            if starts { n += 1 }
        }
        return n
    }

    /// The date/time an entry-starting sample line states, for the day/month decision.
    static func sampleTime(_ line: String, _ layout: CompiledLayout) -> SniffedTime? {
        var s = line
        return s.withUTF8 { b -> SniffedTime? in
            switch layout.kind {
            case .block(let template):
                guard let k = EntLib.key(b, template), k.index == 0 else { return nil }
                return EntLib.time(b, valueStart: k.valueStart, template.time)
            case .lines:
                var cache = StringCache()
                guard let h = layout.match(b, cache: &cache), h.timeKnown else { return nil }
                return h.time
            case .json, .csv:
                return nil
            }
        }
    }

    /// A log4net header or footer line: `[Header]`, `[Footer]`, `[START LOG]`, `[END LOG]`,
    /// `[Begin]`, `[End]` (any case), alone or followed by a space and more text (a header made
    /// with a pattern, e.g. `[Header] 2026-11-24 03:25:40`).
    static func isMarker(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        markerEnd(b, from: 0) != nil
    }

    /// Past a marker word at `from` (and the spaces after it), or `nil`.
    static func markerEnd(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard b.count - from >= 5, b[from] == UInt8(ascii: "[") else { return nil }
        var close = from + 1
        while close < b.count, close - from <= 10, b[close] != UInt8(ascii: "]") { close += 1 }
        guard close < b.count, b[close] == UInt8(ascii: "]"), close + 1 == b.count || b[close + 1] == 0x20 else { return nil }
        let word = String(decoding: UnsafeBufferPointer(rebasing: b[(from + 1)..<close]), as: UTF8.self).lowercased()
        guard markerWords.contains(word) else { return nil }
        return AMTErrorMatch.skipSpaces(b, close + 1)
    }

    static let markerWords: Set<String> = ["header", "footer", "start log", "end log", "begin", "end"]

    static func isBlank(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    // MARK: - Parsing

    private mutating func announce(_ stats: inout ParseStats) {
        guard !announced else { return }
        announced = true
        stats.count("layout.\(compiled.shape)")
        stats.layout = layoutUse
        if let fallbackNote { stats.note(fallbackNote) }
        if !recognized {
            stats.note("no AMTError layout recognized in the first lines; lines are kept as entries without time")
        }
        if orderConflict {
            stats.note("dates of both day/month orders in the first lines; read \(dayFirst ? "day" : "month") first")
        }
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        announce(&stats)
        switch compiled.kind {
        case .block(let template):
            try feedEntLib(line, template, stats: &stats, emit: emit)
        case .json(let map):
            try feedJSON(line, map, stats: &stats, emit: emit)
        case .csv(let map):
            try feedCSV(line, map, stats: &stats, emit: emit)
        case .lines:
            try feedLine(line, stats: &stats, emit: emit)
        }
    }

    private mutating func feedLine(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        var text = line.text
        if compiled.glued {
            try feedGlued(line, stats: &stats, emit: emit)
            return
        }
        let lead = leadByte
        var first: UInt8 = 0
        // (The layout is read in place: a copy of it per line cost a retain of each of its parts.)
        let header: AMTEntryHeader? = text.withUTF8 { b in
            // Most lines that start no entry fail on their first byte, before any header is made.
            guard let c = b.first else { return nil }
            first = c
            switch lead {
            case .digit: guard c &- 0x30 < 10 else { return nil }
            case .byte(let l): guard c == l else { return nil }
            case .any: break
            }
            return compiled.match(b, cache: &cache)
        }
        if let header {
            try flush(stats: &stats, emit: emit)
            start(line, header: header, stats: &stats)
            return
        }
        if first == UInt8(ascii: "[") || (!compiled.markers.isEmpty && compiled.markers.contains { $0.first == first }),
           try markers(line, stats: &stats, emit: emit) { return }
        if !compiled.separators.isEmpty, text.withUTF8({ b in compiled.separators.contains { Self.equalsTrimmed(b, $0) } }) {
            stats.count("separator_lines")
            return
        }
        try continuation(line, stats: &stats, emit: emit)
    }

    static func equalsTrimmed(_ b: UnsafeBufferPointer<UInt8>, _ s: [UInt8]) -> Bool {
        let r = AMTErrorMatch.trim(b, 0..<b.count)
        return r.count == s.count && s.withUnsafeBufferPointer { sb in
            guard let base = b.baseAddress, let sbase = sb.baseAddress else { return s.isEmpty }
            return RawBytes.equal(base + r.lowerBound, sbase, count: s.count)
        }
    }

    /// log4net header and footer lines: records of their own. Markers written before an entry on
    /// the same line (a header without a line break: `[Footer] [Header] 2019-03-04 …`) are records
    /// of their own too and the entry starts after them. Returns whether the line was handled.
    private mutating func markers(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws -> Bool {
        var text = line.text
        let layout = compiled
        let cut: (ends: [Int], header: AMTEntryHeader?)? = text.withUTF8 { b -> (ends: [Int], header: AMTEntryHeader?)? in
            var ends: [Int] = []
            var i = 0
            while ends.count < 8 {
                if let e = Self.markerEnd(b, from: i) { ends.append(e); i = e; continue }
                if let m = layout.markers.first(where: { !$0.isEmpty && i + $0.count <= b.count && b[i..<(i + $0.count)].elementsEqual($0) }) {
                    let e = AMTErrorMatch.skipSpaces(b, i + m.count)
                    ends.append(e)
                    i = e
                    continue
                }
                break
            }
            guard !ends.isEmpty else { return nil }
            if i < b.count, case .lines = layout.kind {
                let rest = UnsafeBufferPointer(rebasing: b[i...])
                if let h = layout.match(rest, cache: &cache), h.timeKnown || layout.timeForms.isEmpty {
                    h.messageStart += i
                    return (ends, h)
                }
                return ([b.count], nil)
            }
            return (ends, nil)
        }
        guard let cut else { return false }
        try flush(stats: &stats, emit: emit)
        guard let header = cut.header else {
            var r = Record(dataset: Self.dataset, message: line.text, filePath: context.sourcePath, line: line.number)
            r.hostName = context.hostName
            try emit(&r)
            return true
        }
        var previous = 0
        for end in cut.ends {
            let marker = Self.slice(line.text, previous, end).trimmingCharacters(in: " \t")
            var r = Record(dataset: Self.dataset, message: String(marker), filePath: context.sourcePath, line: line.number)
            r.hostName = context.hostName
            try emit(&r)
            previous = end
        }
        start(line, header: header, stats: &stats)
        return true
    }

    /// A layout without line breaks: each head found in the line starts an entry.
    private mutating func feedGlued(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        var text = line.text
        let layout = compiled
        // Offsets where entries start, found by the head's time (a field may read into the next
        // entry when matched on the whole line).
        let starts: [Int] = text.withUTF8 { b in
            var out: [Int] = []
            var from = 0
            if let h = layout.match(b, cache: &cache), h.timeKnown || layout.timeForms.isEmpty {
                out.append(0)
                from = max(h.time.end, 1)
            }
            while out.count < Self.maxGluedEntries, let (at, next) = layout.nextGluedHead(b, after: from, cache: &cache) {
                out.append(at)
                from = max(next.time.end, at + 1)
            }
            return out
        }
        if starts.isEmpty {
            if try markers(line, stats: &stats, emit: emit) { return }
            try continuation(line, stats: &stats, emit: emit)
            return
        }
        if starts[0] > 0 {
            // Text before the first entry continues the one before (its message went on).
            let before = TextLine(text: Self.slice(line.text, 0, starts[0]), number: line.number, afterGap: line.afterGap)
            try continuation(before, stats: &stats, emit: emit)
        }
        let count = text.utf8.count
        for (k, s) in starts.enumerated() {
            let e = k + 1 < starts.count ? starts[k + 1] : count
            let piece = Self.slice(line.text, s, e)
            var p = piece
            let header: AMTEntryHeader? = p.withUTF8 { layout.match($0, cache: &cache) }
            try flush(stats: &stats, emit: emit)
            if let header {
                start(TextLine(text: piece, number: line.number, afterGap: false), header: header, stats: &stats)
                stats.count(k == 0 ? "glued_lines" : "glued_entries")
            } else {
                try continuation(TextLine(text: piece, number: line.number, afterGap: false), stats: &stats, emit: emit)
            }
        }
    }

    /// The UTF-8 bytes `from..<to` of `text` as a string (cut at character starts).
    static func slice(_ text: String, _ from: Int, _ to: Int) -> String {
        var t = text
        return t.withUTF8 { b in
            var lo = min(max(from, 0), b.count), hi = min(max(to, lo), b.count)
            while lo > 0, lo < b.count, b[lo] & 0xC0 == 0x80 { lo -= 1 }
            while hi < b.count, hi > lo, b[hi] & 0xC0 == 0x80 { hi += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
        }
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        announce(&stats)
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
        // A layout whose message starts on the next line: the head line is layout only.
        if compiled.messageOnLaterLine, header.messageStart >= line.text.utf8.count { return }
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
            if h.timeKnown {
                let t = h.time.resolved(dayFirst: dayFirst)
                if let (ts, source) = toUTC(t) {
                    r.timestamp = ts
                    r.timeSource = source
                } else {
                    stats.recordProblem("line \(e.line.map(String.init) ?? "?"): impossible date \(t.year)-\(t.month)-\(t.day) \(t.hour):\(t.minute)")
                }
            } else if let d = fileDate, h.timeRead {
                let t = h.time
                let second = t.hour * 3600 + t.minute * 60 + t.second
                if let last = lastSecondOfDay, second + 43_200 < last { dayCarry += 1 }
                lastSecondOfDay = second
                if !undatedNoted {
                    undatedNoted = true
                    let day = Timestamp(year: d.year, month: d.month, day: d.day).map { String($0.iso8601.prefix(10)) } ?? ""
                    stats.note("the layout writes the time of day only: dates from the file's name (\(day))")
                }
                var dated = t
                (dated.year, dated.month, dated.day) = Timestamp.civilFromDays(Timestamp.daysFromCivil(year: d.year, month: d.month, day: d.day) + dayCarry)
                if let (ts, source) = toUTC(dated) {
                    r.timestamp = ts
                    r.timeSource = source
                }
            } else if !undatedNoted {
                undatedNoted = true
                stats.note("the layout writes no date (time of day only) and the file's name holds none: records have no @timestamp")
            }
            r.level = h.level ?? Self.firstWordLevel(firstLine) ?? h.levelDefault
                ?? (exception?.type != nil ? .error : .information)
            r.provider = h.logger
            if let id = h.threadID { r.threadID = id } else { Self.setThread(&r, h.thread) }
            if let ndc = h.ndc { r.setExtra("ndc", .string(ndc)) }
            if let c = h.context { r.setExtra("context", .string(c)) }
            if !h.fields.isEmpty { Self.apply(h.fields, to: &r) }
        } else if let fields = e.entLib {
            fields.apply(to: &r, dayFirst: dayFirst, zone: context.zone, stats: &stats, line: e.line)
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

    /// A date in a file's name, `yyyy-MM-dd`, `yyyy_MM_dd`, `yyyy.MM.dd` or `yyyyMMdd` (the last
    /// such in the name), between 1990 and 2099 and a real calendar day.
    static func dateInName(_ path: String) -> (year: Int, month: Int, day: Int)? {
        let name = Array((path.split(separator: "/").last.map(String.init) ?? path).utf8)
        var found: (Int, Int, Int)? = nil
        func num(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= name.count else { return nil }
            var v = 0
            for k in at..<(at + n) {
                guard name[k] &- 0x30 < 10 else { return nil }
                v = v * 10 + Int(name[k] &- 0x30)
            }
            return v
        }
        var i = 0
        while i + 8 <= name.count {
            // A run of digits must start here (not inside a longer number).
            guard name[i] &- 0x30 < 10, i == 0 || name[i - 1] &- 0x30 >= 10 else { i += 1; continue }
            var candidate: (Int, Int, Int, Int)? = nil
            if let y = num(i, 4), i + 10 <= name.count, [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ".")].contains(name[i + 4]),
               name[i + 7] == name[i + 4], let m = num(i + 5, 2), let d = num(i + 8, 2) {
                candidate = (y, m, d, i + 10)
            } else if let y = num(i, 4), let m = num(i + 4, 2), let d = num(i + 6, 2) {
                candidate = (y, m, d, i + 8)
            }
            if let (y, m, d, end) = candidate, end == name.count || name[end] &- 0x30 >= 10,
               (1990...2099).contains(y), Timestamp(year: y, month: m, day: d) != nil {
                found = (y, m, d)
                i = end
                continue
            }
            i += 1
        }
        return found
    }

    /// The other fields a layout names.
    static func apply(_ fields: [(role: LayoutRole, value: String)], to r: inout Record) {
        for (role, value) in fields {
            switch role {
            case .host: r.hostName = value
            case .processID: if let n = Int(value) { r.processID = n }
            case .eventID: r.code = value
            case .title: r.setExtra("entlib.title", .string(value))
            case .priority: if let n = Int(value) { r.setExtra("entlib.priority", .int(Int64(n))) }
            case .appDomain: r.setExtra("app_domain", .string(value))
            case .processName: r.setExtra("process_name", .string(value))
            case .threadName: r.setExtra("thread_name", .string(value))
            case .extended: r.setExtra("entlib.extended_properties", .string(value))
            case .property(let name): r.putExtra("property", name, .string(value))
            case .thread: setThread(&r, value)
            case .logger: r.provider = value
            case .ndc: r.setExtra("ndc", .string(value))
            case .context: r.setExtra("context", .string(value))
            case .message, .exception, .opaque: break
            }
        }
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

    private mutating func feedEntLib(_ line: TextLine, _ template: BlockTemplate, stats: inout ParseStats, emit: RecordSink) throws {
        var text = line.text
        let key: (index: Int, valueStart: Int)? = text.withUTF8 { EntLib.key($0, template) }
        let separator = text.withUTF8 { b in EntLib.isSeparator(b) || compiled.separators.contains { Self.equalsTrimmed(b, $0) } }
        if separator, !line.afterGap {
            if heldSeparators.count >= 8 {
                // Too many to be framing: the first of them were content.
                let first = heldSeparators.removeFirst()
                try entLibLine(first, key: nil, template, stats: &stats, emit: emit)
            }
            heldSeparators.append(line)
            return
        }
        if let key, key.index == 0 {
            // Separators just before a new block are framing.
            if !heldSeparators.isEmpty { stats.count("separator_lines", by: heldSeparators.count); heldSeparators = [] }
            try flush(stats: &stats, emit: emit)
            var e = Entry(line: line.number, kind: .entry)
            var fields = EntLib.Fields(template)
            fields.set(0, Self.tail(line.text, from: key.valueStart))
            e.entLib = fields
            entry = e
            return
        }
        // Separators followed by other text were content.
        let held = heldSeparators
        heldSeparators = []
        for l in held { try entLibLine(l, key: nil, template, stats: &stats, emit: emit) }
        try entLibLine(line, key: key, template, stats: &stats, emit: emit)
    }

    private mutating func entLibLine(_ line: TextLine, key: (index: Int, valueStart: Int)?, _ template: BlockTemplate,
                                     stats: inout ParseStats, emit: RecordSink) throws {
        guard var e = entry, e.entLib != nil, !line.afterGap else {
            try continuation(line, stats: &stats, emit: emit)
            return
        }
        entry = nil
        if let key, key.index > e.entLib!.current {
            let value = Self.tail(line.text, from: key.valueStart)
            if key.index == template.message {
                e.entLib!.current = key.index
                e.append(value, stats: &stats)
            } else {
                e.entLib!.set(key.index, value)
            }
        } else if e.entLib!.current == template.message {
            e.append(line.text, stats: &stats)
        } else if e.countLine(line.text, stats: &stats) {
            e.entLib!.appendLine(line.text)
        }
        entry = e
    }

    // MARK: - JSON and CSV lines

    private mutating func feedJSON(_ line: TextLine, _ map: JSONMap, stats: inout ParseStats, emit: RecordSink) throws {
        var text = line.text
        let header: AMTEntryHeader? = text.withUTF8 { b in
            guard AMTErrorMatch.skipSpaces(b, 0) < b.count, b[AMTErrorMatch.skipSpaces(b, 0)] == UInt8(ascii: "{") else { return nil }
            return JSONEntry.read(b, map)
        }
        guard let header else {
            try continuation(line, stats: &stats, emit: emit)
            return
        }
        try flush(stats: &stats, emit: emit)
        startStructured(line, header: header, stats: &stats)
    }

    private mutating func feedCSV(_ line: TextLine, _ map: CSVMap, stats: inout ParseStats, emit: RecordSink) throws {
        var text = line.text
        if !csvHeaderSkipped, !map.names.isEmpty {
            csvHeaderSkipped = true
            let isHeader = text.withUTF8 { b in CSVRow.split(b, map).map { $0.values.map { $0 } == map.names } ?? false }
            if isHeader { stats.count("csv_header_lines"); return }
        }
        let header: AMTEntryHeader? = text.withUTF8 { CSVRow.read($0, map, cache: &cache) }
        guard let header else {
            try continuation(line, stats: &stats, emit: emit)
            return
        }
        try flush(stats: &stats, emit: emit)
        startStructured(line, header: header, stats: &stats)
    }

    /// An entry whose message and exception a structured reader took out of the line.
    private mutating func startStructured(_ line: TextLine, header: AMTEntryHeader, stats: inout ParseStats) {
        entry = Entry(line: line.number, kind: .entry, header: header)
        var lines = (header.message ?? "").split(separator: "\n", omittingEmptySubsequences: false)
        if let x = header.exception, !x.isEmpty { lines += x.split(separator: "\n", omittingEmptySubsequences: false) }
        for l in lines {
            var t = String(l)
            if t.utf8.last == 0x0D { t.removeLast() }
            entry!.append(t, stats: &stats)
        }
        if lines.isEmpty { entry!.append("", stats: &stats) }
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

/// Enterprise Library's text formatter blocks: `Label: value` lines of a template (the default
/// one's or a declared one's keys, in template order).
enum EntLib {
    /// A `Key:` line of the template: the key's index and where its value starts.
    static func key(_ b: UnsafeBufferPointer<UInt8>, _ template: BlockTemplate) -> (index: Int, valueStart: Int)? {
        guard let c = b.first, c != 0x20, c != 0x09 else { return nil }
        for (index, k) in template.labels.enumerated() where b.count > k.count && b[k.count] == UInt8(ascii: ":") {
            var same = true
            for n in 0..<k.count where b[n] != k[n] { same = false; break }
            if same { return (index, AMTErrorMatch.skipOneSpace(b, k.count + 1)) }
        }
        return nil
    }

    static func time(_ b: UnsafeBufferPointer<UInt8>, valueStart: Int, _ form: LayoutTime) -> SniffedTime? {
        switch form.form {
        case .parts:
            guard var t = form.read(b, at: valueStart, into: LayoutTime.blank) else { return nil }
            t.end -= valueStart
            return t
        default:
            var scanner = ByteScanner(Array(b[valueStart..<min(b.count, valueStart + 48)]))
            return TimestampSniffer.sniff(&scanner)
        }
    }

    /// A line of 20 or more `-` and nothing else (the flat file listener writes 40).
    static func isSeparator(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.count >= 20 && b.allSatisfy { $0 == UInt8(ascii: "-") }
    }

    struct Fields {
        let template: BlockTemplate
        var values: [String?]
        /// The key whose value the next continuation line extends.
        var current = 0
        var lineCount = 0

        init(_ template: BlockTemplate) {
            self.template = template
            values = Array(repeating: nil, count: template.labels.count)
        }

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

        func apply(to r: inout Record, dayFirst: Bool, zone siteZone: SiteZone, stats: inout ParseStats, line: Int?) {
            if let ts = values[0] {
                var s = ts
                let t: SniffedTime? = s.withUTF8 { EntLib.time($0, valueStart: 0, template.time) }
                if let t = t?.resolved(dayFirst: dayFirst) {
                    // `{timestamp}` writes LogEntry.TimeStamp, which is UTC; `{timestamp(local)}` local time.
                    let zone: SiteZone = template.time.utc ? .utc : siteZone
                    if let (stamp, source) = t.timestamp(zone: zone) {
                        r.timestamp = stamp
                        r.timeSource = t.zone == .none && template.time.utc ? .utc : source
                    }
                } else {
                    stats.recordProblem("line \(line.map(String.init) ?? "?"): unreadable timestamp '\(ts.prefix(40))'")
                }
            }
            for (index, role) in template.roles.enumerated() where index > 0 {
                guard let v = value(index) else { continue }
                switch role {
                case .category: r.provider = v
                case .priority: if let n = Int(v) { r.setExtra("entlib.priority", .int(Int64(n))) }
                case .eventID: r.code = v
                case .severity: r.level = LayoutLevel.severity(v, letters: false) ?? .information
                case .title: r.setExtra("entlib.title", .string(v))
                case .machine: r.hostName = v
                case .appDomain: r.setExtra("entlib.app_domain", .string(v))
                case .processID: if let n = Int(v) { r.processID = n }
                case .processName: r.setExtra("entlib.process_name", .string(v))
                case .threadName: r.setExtra("thread_name", .string(v))
                case .threadID: if let n = Int(v) { r.threadID = n }
                case .extended: r.setExtra("entlib.extended_properties", .string(v))
                case .timestamp, .message, .other: break
                }
            }
        }
    }
}
