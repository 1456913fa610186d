import LogRecord

/// SQL Server setup logs under `Setup Bootstrap/Log/`: `Summary*.txt` and `Detail*.txt` (also the
/// same files expanded from `Log*.cab`). The layout is chosen once per file from its first lines.
///
/// **Summary.txt** is a report of sections: a line at the left margin (`Overall summary:`,
/// `Detailed results:` …) starts a section record, the indented `label:  value` lines and blank
/// lines join it. Setup writes the labels in the machine's language, so values are read by position
/// and by shape, not by label: in the first section the first value is the final result, the first
/// integer value the exit code (`Exit code (Decimal)`), a text value before the first date the exit
/// message, the first and second `yyyy-MM-dd HH:mm:ss` values the start and end time. A feature
/// block in a later section is failed when it holds a hex error code (`0x851A001A`); its description
/// is the first value after the code that is neither a path nor a link. Lines in a section whose
/// title names rules (`Rules with failures…`, `Regeln…`, `Règles…`, `Reglas…`) are failed rules.
/// All records take the start time (local, site zone); the summary takes the end time.
///
/// **Detail.txt** lines are `(01) 2019-11-20 10:11:12 Slp: text`: thread id, local time, component
/// (`event.provider`), text; lines without that head join the entry before. The result is
/// `Setup closed with exit code: 0x…` or `Error result: N`, else (a run that left only a Detail.txt
/// and stopped early) the last `Process returned N` (`Process returned exit code: 0x…`); a failed
/// rule is the `Evaluating rule : X` before `Rule evaluation done : Failed`. The first `Exception
/// type:` with its message (the `Message:` value or the line after it) and its `HResult : 0x…`
/// explains a failure no rule explains (`amt.sql.setup.exception`, `amt.sql.setup.hresult`).
///
/// **Watson bucket files** (`…_Watson.txt`: a title line, then `Bucket param N: value`) are one
/// record with the parameters (`amt.sql.setup.watson`); they state no result, so they make no
/// summary record: the run's outcome comes from its Summary and Detail.
///
/// One summary record per Summary or Detail file (see `InstallRun`): exit code 0 or 3010 is
/// success, anything else failure, no exit code at all partial. The code is given in decimal
/// (`amt.install.exit_code`) and as the HRESULT (`amt.install.exit_code_hex`, also
/// `amt.sql.setup.exit_code_hex`). `amt.install.run_id` names the run (`sql.setup/20251109_020330`,
/// its log folder as a line of the file or, failing that, the source path names it; else the start
/// time): a run's Summary, Detail and `Log*.cab` copies share it, so that readers count it once.
///
/// Levels (`log.level`):
/// | entry | level |
/// |---|---|
/// | Summary: the overall section of a failed run, a section holding a failed feature or (in a failed run) a failed rule | error |
/// | Summary: a rules section of a successful run | warning |
/// | Detail: `Exception type:`, `Rule evaluation done : Failed`, non-zero `Error result:` or exit code | error |
/// | everything else | information |
public struct SQLSetupParser: TextFormatParser {
    public static let dataset = Dataset.sqlSetup

    enum Layout { case summary, detail, watson }

    public static func score(lines: [String], path: String) -> Int {
        var detail = 0, aligned = [Int: Int](), keywords = 0, headers = 0
        for line in lines {
            let u = Array(line.utf8.prefix(200))
            var cache = DetailHeadCache()
            if u.withUnsafeBufferPointer({ parseDetailHead($0, cache: &cache) }) != nil { detail += 1; continue }
            if let c = valueColumn(u) { aligned[c, default: 0] += 1 }
            if let f = u.first, f != 0x20, f != 0x09, u.last == 0x3A { headers += 1 }
            for k in P.keywords where Bytes.findCI(u, k) != nil { keywords += 1 }
        }
        if detail >= 3 { return 90 }
        if watsonParams(lines) >= 3, keywords >= 1 { return 80 }
        let best = aligned.values.max() ?? 0
        if best >= 4 && headers >= 1 && keywords >= 1 { return 95 }
        if best >= 6 && headers >= 2 { return 50 }
        return 0
    }

    private let context: ParseContext
    private var lineBytes = LineBytes()
    private var headCache = DetailHeadCache()
    /// The fields every record of this source shares; records start as a copy (measured cheaper
    /// than building each with `Record.init`).
    private let template: Record
    private let zone: ZoneCache
    private let layout: Layout
    private var run = InstallRun(kind: "SQL Server setup")
    private var sawExitCode = false
    private var pending: Record?
    /// Detail: the entry being framed, built in place over the last one.
    private var entry: PendingEntry
    /// Summary: the lines of the section being framed.
    private var pendingLines = EntryBuffer()
    /// The run's log folder (`20251109_020330`) as the source path names it, and as a line does.
    private let pathRunID: String?
    private var textRunID: String?
    /// Detail: `Process returned N`, the result when no `Error result` / `Setup closed` line is there.
    private var processReturned: (value: Int, line: Int?, time: Timestamp)?
    /// Detail: the first exception's HResult is awaited (after its `Exception type:`).
    private var hresultPending = false
    private var startLocal: Timestamp?
    private var endLocal: Timestamp?
    private var lastLocal: Timestamp?
    private var firstLine: Int?
    private var resultLine: Int?
    private var sectionIndex = 0
    /// Summary: sections are held until the overall result is known (it is in the first one), so
    /// that rules sections get the right level. Bounded by the section count of a report.
    private var heldSections: [(Record, isRules: Bool, hasFailedFeature: Bool)] = []
    private var failedRules: [String] = []
    private var failedFeature: (name: String, code: String, description: String?)?
    // Detail
    private var currentRule: String?
    private var exceptionPending = false
    /// The first exception: its type, message and HResult.
    private var exception: String?
    private var exceptionMessage: String?
    private var hresult: String?

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        self.template = RecordTemplate.make(dataset: Self.dataset, context: context)
        self.entry = PendingEntry(template: template)
        self.zone = ZoneCache(context.zone)
        var detail = 0
        var cache = DetailHeadCache()
        for line in sample where Array(line.utf8.prefix(64)).withUnsafeBufferPointer({ Self.parseDetailHead($0, cache: &cache) }) != nil {
            detail += 1
        }
        layout = detail >= 1 ? .detail : Self.watsonParams(sample) >= 3 ? .watson : .summary
        pathRunID = Self.runID(Array(context.sourcePath.utf8))
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        switch layout {
        case .summary, .watson: try feedSummary(line, stats: &stats, emit: emit)
        case .detail: try feedDetail(line, stats: &stats, emit: emit)
        }
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        switch layout {
        case .summary:
            try flushSection(stats: &stats)
            try releaseSections(emit: emit)
        case .detail:
            try entry.emit(emit)
        case .watson:
            try flushSection(stats: &stats)
            try releaseSections(emit: emit)
            return
        }
        try emitSummary(stats: &stats, emit: emit)
    }

    // MARK: Summary.txt

    /// Sections held for the overall result; more than `heldLimit` (not a real report) go out early.
    static let heldLimit = 2_000

    private mutating func releaseSections(emit: RecordSink) throws {
        for (r, isRules, failedFeature) in heldSections {
            var r = r
            if failedFeature || (isRules && run.succeeded == false && r.level != .error && hasRuleLines(r)) {
                r.level = .error
            } else if isRules && hasRuleLines(r) {
                r.level = .warning
            }
            stamp(&r, startLocal ?? endLocal)
            try emit(&r)
        }
        heldSections = []
    }

    private mutating func feedSummary(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        let u = lineBytes.load(line.text)
        let indented = u.isEmpty || u[0] == 0x20 || u[0] == 0x09
        if indented, pendingLines.takes(line, pending: pending != nil, stats: &stats) {
            pendingLines.append(line.text)
            if textRunID == nil { textRunID = Self.logFolderRunID(u) }
            return
        }
        if Bytes.isBlank(line.text) { return }
        if textRunID == nil { textRunID = Self.logFolderRunID(u) }
        try flushSection(stats: &stats)
        if heldSections.count >= Self.heldLimit { try releaseSections(emit: emit) }
        var r = template
        r.message = line.text
        r.line = line.number
        r.level = .information
        if firstLine == nil { firstLine = line.number }
        pending = r
        pendingLines.reset(line.text)
    }

    private mutating func flushSection(stats: inout ParseStats) throws {
        guard var r = pending.take() else { return }
        r.message = pendingLines.joined()
        let lines = pendingLines.lines
        pending = nil
        pendingLines.clear()
        sectionIndex += 1
        let title = Array(lines[0].utf8)
        let isRules = P.ruleWords.contains { Bytes.findCI(title, $0) != nil }
        var hasFailedFeature = false
        if layout == .watson {
            var params: [JSONValue] = []
            for l in lines.dropFirst() {
                let u = Array(l.utf8)
                if let c = u.firstIndex(of: 0x3A) { params.append(.string(Bytes.string(u, c + 1, u.count))) }
            }
            if !params.isEmpty { r.setExtra("sql.setup.watson", .array(params)) }
            if let id = pathRunID { r.setExtra("sql.setup.run_id", .string("sql.setup/" + id)) }
        } else if sectionIndex == 1 {
            overall(lines, record: &r)
        } else if isRules {
            // A rules title with a value (`Rules report file:  C:\…`) is not a rule list.
            if Self.valueColumn(title) == nil && Bytes.findCI(title, P.reportFile) == nil {
                for l in lines.dropFirst() where !Bytes.isBlank(l) {
                    let u = Array(l.utf8)
                    if Bytes.findCI(u, P.reportFile) != nil || Bytes.findCI(u, P.http) != nil { continue }
                    failedRules.append(Bytes.string(u, 0, u.count))
                }
            }
        } else {
            hasFailedFeature = features(lines)
            for l in lines {
                let u = Array(l.utf8)
                guard let (label, value) = Self.labelValue(u) else { continue }
                let lab = label.lowercased()
                if run.product == nil, lab == "description" || lab == "productname" || value.hasPrefix("Microsoft SQL Server") {
                    if value.contains("SQL Server") { run.product = value }
                }
                if lab == "installation edition" { run.extras.append(("sql.setup.edition", .string(value))) }
            }
        }
        heldSections.append((r, isRules, hasFailedFeature))
        _ = stats
    }

    /// The first section: final result, exit code, exit message, start and end time.
    private mutating func overall(_ lines: [String], record r: inout Record) {
        var values: [(String, [UInt8])] = []
        for l in lines.dropFirst() {
            let u = Array(l.utf8)
            if let (_, v) = Self.labelValue(u) { values.append((v, Array(v.utf8))) }
        }
        guard !values.isEmpty else { return }
        run.extras.append(("sql.setup.final_result", .string(values[0].0)))
        var dates = 0
        var message: String?
        var sawAction = false
        for (k, (v, b)) in values.enumerated() {
            if let t = Self.dateTime(b) {
                dates += 1
                if dates == 1 { startLocal = t } else if dates == 2 { endLocal = t }
                continue
            }
            if !sawExitCode, let code = Int(v) {
                sawExitCode = true
                run.exitCode = v
                run.succeeded = code == 0 || code == 3010
                let hex = UInt32(truncatingIfNeeded: code)
                run.extras.append(("sql.setup.exit_code_hex", .string("0x" + Self.hex8(hex))))
                r.code = v
                continue
            }
            if sawExitCode, dates == 0, k > 0, Int(v) == nil, message == nil { message = v }
            // The requested action is the value right after the end time.
            if dates == 2, !sawAction { sawAction = true; run.extras.append(("sql.setup.action", .string(v))) }
        }
        if let message { run.extras.append(("sql.setup.exit_message", .string(message))) }
        if run.succeeded == false {
            r.level = .error
            if let message { run.noteError(message) } else { run.noteError(values[0].0) }
        }
        resultLine = r.line
    }

    /// Feature blocks (blank-line separated) in a section; `true` when one failed.
    private mutating func features(_ lines: [String]) -> Bool {
        var failed = false
        var block: [(String, [UInt8])] = []
        func close(_ block: [(String, [UInt8])]) {
            guard block.count >= 2 else { return }
            guard let ci = block.firstIndex(where: { Self.isHexCode($0.1) }) else { return }
            failed = true
            guard failedFeature == nil else { return }
            let description = block[(ci + 1)...].first { v in
                Bytes.find(v.1, P.pathMark) == nil && Bytes.findCI(v.1, P.http) == nil && !Self.isHexCode(v.1)
            }?.0
            failedFeature = (block[0].0, block[ci].0, description)
        }
        for l in lines.dropFirst() {
            let u = Array(l.utf8)
            if Bytes.isBlank(l) { close(block); block = []; continue }
            if let (_, v) = Self.labelValue(u) { block.append((v, Array(v.utf8))) }
        }
        close(block)
        return failed
    }

    private func hasRuleLines(_ r: Record) -> Bool {
        var n = 0
        for l in r.message.split(separator: "\n").dropFirst() where !Bytes.isBlank(String(l)) { n += 1 }
        return n > 0
    }

    // MARK: Detail.txt

    private mutating func feedDetail(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        try line.withUTF8 { try feedDetail(line, $0, stats: &stats, emit: emit) }
    }

    /// One Detail.txt line; `u` is its UTF-8.
    private mutating func feedDetail(_ line: TextLine, _ u: UnsafeBufferPointer<UInt8>, stats: inout ParseStats,
                                     emit: RecordSink) throws {
        guard let h = Self.parseDetailHead(u, cache: &headCache) else {
            if entry.join(line, stats: &stats) { return }
            try entry.emit(emit)
            guard !Bytes.isBlank(u) else { return }
            var r = template
            r.message = line.text
            r.line = line.number
            r.level = .information
            if let local = lastLocal {
                r.timestamp = zone.toUTC(local)
                r.timeSource = zone.source
            }
            try emit(&r)
            return
        }
        try entry.emit(emit)
        // Filled in place: `entry.record` is a copy of the template again once the last one was emitted.
        entry.record.message = line.text
        entry.record.line = line.number
        entry.record.level = .information
        entry.record.threadID = h.thread
        entry.record.provider = h.component
        entry.record.code = nil
        entry.record.timestamp = zone.toUTC(h.time)
        entry.record.timeSource = zone.source
        lastLocal = h.time
        if startLocal == nil { startLocal = h.time }
        if firstLine == nil { firstLine = line.number }
        let t = h.textStart
        var i = t
        Bytes.skipSpaces(u, &i)
        if textRunID == nil, i < u.count, u[i] == 0x43 || u[i] == 0x53 || u[i] == 0x52 || u[i] == 0x4C || u[i] == 0x44 {
            // `C:\…\Setup Bootstrap\Log\20251109_020330\…` (mostly in lines starting `Sco:`, `Saved`,
            // `Rules`, `Log`, `Detail`…): looked for until found.
            textRunID = Self.logFolderRunID(u)
        }
        if Bytes.has(u, P.evaluatingRule, at: i), let c = Bytes.find(u, P.colonSpace, from: i) {
            currentRule = Bytes.string(u, c + 2, u.count)
        } else if Bytes.has(u, P.ruleEvaluationDone, at: i) {
            if Bytes.findCI(u, P.failed, from: i) != nil {
                entry.record.level = .error
                if let rule = currentRule {
                    if run.failedAction == nil { run.failedAction = "rule \(rule)" }
                    run.noteError("Rule \(rule) failed")
                }
            }
        } else if Bytes.has(u, P.exceptionType, at: i) {
            entry.record.level = .error
            if exception == nil {
                exception = Bytes.string(u, i + P.exceptionType.utf8CodeUnitCount, u.count)
                exceptionPending = true
                hresultPending = true
            }
        } else if hresultPending, Bytes.has(u, P.hresult, at: i) {
            // `HResult : 0x84b10001` of the first exception.
            var k = i + P.hresult.utf8CodeUnitCount
            while k < u.count, u[k] == 0x20 || u[k] == 0x3A { k += 1 }
            hresultPending = false
            exceptionPending = false
            if Bytes.hasCI(u, [0x30, 0x78], at: k) {
                k += 2
                if let v = Bytes.hex(u, &k) { hresult = "0x" + Self.hex8(UInt32(truncatingIfNeeded: v)) }
            }
        } else if exceptionPending, Bytes.has(u, P.innerException, at: i) || Bytes.has(u, P.stack, at: i) {
            exceptionPending = false
        } else if exceptionPending, !Bytes.isBlank(Bytes.string(u, i, u.count)) {
            // The exception's message: the text after `Message:` or, when that is empty, the next line.
            var k = i
            if Bytes.has(u, P.messageColon, at: k) { k += P.messageColon.utf8CodeUnitCount }
            let text = Bytes.string(u, k, u.count)
            if !text.isEmpty {
                exceptionMessage = text
                exceptionPending = false
            }
        } else if Bytes.has(u, P.processReturned, at: i) {
            var k = i + P.processReturned.utf8CodeUnitCount
            Bytes.skipSpaces(u, &k)
            if Bytes.has(u, P.exitCode, at: k) { k += P.exitCode.utf8CodeUnitCount }
            while k < u.count, u[k] == 0x20 || u[k] == 0x3A { k += 1 }
            if let value = Self.code(u, &k) {
                processReturned = (value, line.number, h.time)
                entry.record.code = String(value)
                if value != 0 && value != 3010 { entry.record.level = .error }
            }
        } else if Bytes.has(u, P.setupClosed, at: i) {
            var k = i + P.setupClosed.utf8CodeUnitCount
            Bytes.skipSpaces(u, &k)
            if let value = Self.code(u, &k) {
                var r = entry.record
                setResult(value, record: &r, line: line.number, time: h.time)
                entry.record = r
            }
        } else if Bytes.has(u, P.errorResult, at: i) {
            var k = i + P.errorResult.utf8CodeUnitCount
            Bytes.skipSpaces(u, &k)
            if let value = Bytes.int(u, &k), !sawExitCode || value != 0 {
                var r = entry.record
                setResult(value, record: &r, line: line.number, time: h.time)
                entry.record = r
            }
        }
        entry.open(line.text)
    }

    /// `0x84BC0667` (as a signed 32-bit value) or `-2068052377` at `k`; advances `k`.
    static func code(_ u: UnsafeBufferPointer<UInt8>, _ k: inout Int) -> Int? {
        if Bytes.hasCI(u, [0x30, 0x78], at: k) {
            var i = k + 2
            guard let v = Bytes.hex(u, &i) else { return nil }
            k = i
            return Int(Int32(truncatingIfNeeded: v))
        }
        return Bytes.int(u, &k)
    }

    private mutating func setResult(_ value: Int, record r: inout Record, line: Int?, time: Timestamp) {
        sawExitCode = true
        run.exitCode = String(value)
        run.succeeded = value == 0 || value == 3010
        r.code = String(value)
        if run.succeeded == false { r.level = .error }
        resultLine = line
        endLocal = time
        run.extras.removeAll { $0.0 == "sql.setup.exit_code_hex" }
        run.extras.append(("sql.setup.exit_code_hex", .string("0x" + Self.hex8(UInt32(truncatingIfNeeded: value)))))
    }

    // MARK: Summary record

    private mutating func emitSummary(stats: inout ParseStats, emit: RecordSink) throws {
        guard firstLine != nil else { return }
        if !sawExitCode, let p = processReturned {
            // The run stopped before writing its final result: what the process returned is it.
            var r = template
            setResult(p.value, record: &r, line: p.line, time: p.time)
        }
        if let exception {
            var text = "Exception " + exception
            if let exceptionMessage { text += ": " + exceptionMessage }
            if let hresult { text += " (HResult " + hresult + ")" }
            run.noteError(text)
            run.extras.append(("sql.setup.exception", .string(exception)))
            if let hresult { run.extras.append(("sql.setup.hresult", .string(hresult))) }
        }
        if let hex = run.extras.last(where: { $0.0 == "sql.setup.exit_code_hex" })?.1.stringValue { run.exitCodeHex = hex }
        if let id = textRunID ?? pathRunID {
            run.runID = "sql.setup/" + id
        } else if let start = startLocal {
            run.runID = "sql.setup/start " + String(start.iso8601.prefix(19))
        }
        if run.succeeded == false {
            // The most specific explanation wins: a failed feature, then a failed rule (the exit
            // message, already kept, is the fallback).
            if let f = failedFeature {
                run.failedAction = run.failedAction ?? "feature \(f.name)"
                run.firstError = InstallRun.oneLine("Feature \(f.name) failed with \(f.code)" + (f.description.map { ": \($0)" } ?? ""))
            } else if layout == .summary,
                      let rule = failedRules.first(where: { Bytes.findCI(Array($0.utf8), P.failed) != nil }) ?? failedRules.first {
                // A rules section lists warnings too: a line saying `failed` explains the run first.
                run.failedAction = run.failedAction ?? Self.quotedName(rule).map { "rule " + $0 } ?? rule
                run.firstError = InstallRun.oneLine(rule)
            }
        } else {
            run.failedAction = nil
        }
        if !failedRules.isEmpty, run.succeeded == false {
            run.extras.append(("sql.setup.failed_rules", .array(failedRules.map { .string($0) })))
        }
        run.line = run.succeeded != nil ? (resultLine ?? firstLine) : firstLine
        var r = run.record(dataset: Self.dataset, context: context, stats: &stats)
        stamp(&r, endLocal ?? lastLocal ?? startLocal)
        try emit(&r)
    }

    private func stamp(_ r: inout Record, _ local: Timestamp?) {
        guard let local else { return }
        r.timestamp = zone.toUTC(local)
        r.timeSource = zone.source
    }

    // MARK: Grammar

    /// `  Exit code (Decimal):           -2068052377` → ("Exit code (Decimal)", "-2068052377").
    static func labelValue(_ u: [UInt8]) -> (String, String)? {
        guard let f = u.first, f == 0x20 || f == 0x09 else { return nil }
        var i = 0
        Bytes.skipSpaces(u, &i)
        let ls = i
        while i < u.count, u[i] != 0x3A { i += 1 }
        guard i < u.count, i > ls, i + 1 == u.count || u[i + 1] == 0x20 || u[i + 1] == 0x09 else { return nil }
        // "C:\…" is a value, not a label.
        if i - ls == 1 { return nil }
        let label = Bytes.string(u, ls, i)
        let value = Bytes.string(u, i + 1, u.count)
        return (label, value)
    }

    /// The column where an aligned value starts (`  label:   value` with two or more spaces).
    static func valueColumn(_ u: [UInt8]) -> Int? {
        guard let f = u.first else { return nil }
        var i = 0
        if f == 0x20 { Bytes.skipSpaces(u, &i) }
        while i < u.count, u[i] != 0x3A { i += 1 }
        guard i + 2 < u.count, u[i + 1] == 0x20, u[i + 2] == 0x20 else { return nil }
        var k = i + 1
        Bytes.skipSpaces(u, &k)
        guard k < u.count, k >= 20 else { return nil }
        return k
    }

    /// `yyyy-MM-dd HH:mm:ss` as a local civil time (read as if UTC).
    static func dateTime(_ u: [UInt8]) -> Timestamp? {
        var days = DetailHeadCache()
        return u.withUnsafeBufferPointer { dateTime($0, at: 0, end: u.count, cache: &days) }
    }

    /// `yyyy-MM-dd HH:mm:ss` in `u[at..<end]`, the date's midnight taken from `cache` when it is the
    /// last one read. Every field has a bounded width, so a reading that succeeds never looks past
    /// `at + 19`.
    static func dateTime(_ u: UnsafeBufferPointer<UInt8>, at start: Int, end: Int, cache: inout DetailHeadCache) -> Timestamp? {
        guard end - start >= 19, u[start + 4] == 0x2D, u[start + 7] == 0x2D else { return nil }
        var i = start
        guard let y = Bytes.digits(u, &i, min: 4, max: 4) else { return nil }
        i += 1
        guard let mo = Bytes.digits(u, &i, min: 2, max: 2) else { return nil }
        i += 1
        guard let d = Bytes.digits(u, &i, min: 2, max: 2), i < u.count, u[i] == 0x20 || u[i] == 0x54 else { return nil }
        i += 1
        guard let secs = Bytes.clock(u, &i) else { return nil }
        guard let day = cache.midnight(year: y, month: mo, day: d) else { return nil }
        return day.adding(seconds: Int64(secs))
    }

    /// A run's log folder name (`yyyyMMdd_HHmmss`, not inside a longer run of digits) in `u`.
    static func runID<U: LineByteBuffer>(_ u: U) -> String? where U.Index == Int {
        var i = 0
        while i + 15 <= u.count {
            if Bytes.isDigit(u[i]), i == 0 || !Bytes.isDigit(u[i - 1]) {
                var k = i
                while k < u.count, k - i < 8, Bytes.isDigit(u[k]) { k += 1 }
                if k - i == 8, k + 7 <= u.count, u[k] == 0x5F {
                    var e = k + 1
                    while e < u.count, e - k - 1 < 6, Bytes.isDigit(u[e]) { e += 1 }
                    if e - k - 1 == 6, e == u.count || !Bytes.isDigit(u[e]) {
                        return String(decoding: (i..<e).map { u[$0] }, as: UTF8.self)
                    }
                }
                i = k
                continue
            }
            i += 1
        }
        return nil
    }

    /// The run folder of a `…\Setup Bootstrap\Log\20251109_020330\…` path in `u` (any case).
    static func logFolderRunID<U: LineByteBuffer>(_ u: U) -> String? where U.Index == Int {
        guard let p = Bytes.findCI(u, P.bootstrapLog) else { return nil }
        let s = p + P.bootstrapLog.count
        guard s + 15 <= u.count else { return nil }
        let id = (s..<(s + 15)).map { u[$0] }
        guard let r = runID(id), r.utf8.count == 15, s + 15 == u.count || !Bytes.isDigit(u[s + 15]) else { return nil }
        return r
    }

    /// The number of `Bucket param N: value` lines (indented or not: a label ending in a number,
    /// `N` counting up from 1) in `lines`: a Watson bucket file has ten.
    static func watsonParams(_ lines: [String]) -> Int {
        var expected = 1
        for line in lines {
            let u = Array(line.utf8.prefix(200))
            guard let c = u.firstIndex(of: 0x3A), c > 0 else { continue }
            var d = c
            while d > 0, Bytes.isDigit(u[d - 1]) { d -= 1 }
            guard d < c, d > 0, u[d - 1] == 0x20 else { continue }
            var k = d
            guard let n = Bytes.digits(u, &k, max: 3), n == expected else { continue }
            expected += 1
        }
        return expected - 1
    }

    /// The name in the first pair of double or single quotes of `line` (`Rule "RebootRequiredCheck"
    /// failed: …` → `RebootRequiredCheck`); `nil` when there is none or it is empty or over 128 bytes.
    static func quotedName(_ line: String) -> String? {
        let u = Array(line.utf8.prefix(512))
        guard let open = u.firstIndex(where: { $0 == 0x22 || $0 == 0x27 }),
              let close = u[(open + 1)...].firstIndex(of: u[open]),
              close - open - 1 > 0, close - open - 1 <= 128 else { return nil }
        return Bytes.string(u, open + 1, close)
    }

    static func isHexCode(_ u: [UInt8]) -> Bool {
        guard u.count >= 10, Bytes.hasCI(u, [0x30, 0x78]) else { return false }
        var i = 2
        while i < u.count, Bytes.isHex(u[i]) { i += 1 }
        return i - 2 >= 8 && (i == u.count || u[i] == 0x20)
    }

    static func hex8(_ v: UInt32) -> String {
        let digits = Array("0123456789ABCDEF")
        var s = ""
        for shift in stride(from: 28, through: 0, by: -4) { s.append(digits[Int((v >> UInt32(shift)) & 0xF)]) }
        return s
    }

    struct DetailHead {
        var thread: Int
        var time: Timestamp
        var component: String
        var textStart: Int
    }

    /// What consecutive Detail.txt heads repeat: the date (its midnight) and the component.
    struct DetailHeadCache {
        private var year = 0, month = 0, day = 0
        private var dayStart: Timestamp?
        /// The component's bytes (up to seven, packed with the length) and text.
        private var componentKey: UInt64 = .max
        private var componentText = ""

        /// Midnight of `year-month-day` as if UTC; `nil` for an impossible date.
        mutating func midnight(year: Int, month: Int, day: Int) -> Timestamp? {
            if let dayStart, year == self.year, month == self.month, day == self.day { return dayStart }
            guard let t = Timestamp(year: year, month: month, day: day) else { return nil }
            (self.year, self.month, self.day, dayStart) = (year, month, day, t)
            return t
        }

        /// The text of `u[a..<b]`, made once while the same bytes repeat.
        mutating func component(_ u: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> String {
            guard b - a <= 7 else { return String(decoding: UnsafeBufferPointer(rebasing: u[a..<b]), as: UTF8.self) }
            var key = UInt64(b - a)
            for k in a..<b { key = key << 8 | UInt64(u[k]) }
            if key != componentKey {
                componentKey = key
                componentText = String(decoding: UnsafeBufferPointer(rebasing: u[a..<b]), as: UTF8.self)
            }
            return componentText
        }
    }

    /// `(01) 2019-11-20 10:11:12 Slp: text`.
    static func parseDetailHead(_ u: UnsafeBufferPointer<UInt8>, cache: inout DetailHeadCache) -> DetailHead? {
        guard u.count >= 25, u[0] == 0x28 else { return nil }
        var i = 1
        guard let thread = Bytes.hex(u, &i), i < u.count, u[i] == 0x29, i <= 5 else { return nil }
        i += 1
        guard i < u.count, u[i] == 0x20 else { return nil }
        i += 1
        guard let t = dateTime(u, at: i, end: min(u.count, i + 19), cache: &cache) else { return nil }
        i += 19
        guard i < u.count, u[i] == 0x20 else { return nil }
        i += 1
        let cs = i
        while i < u.count, u[i] != 0x3A, u[i] != 0x20 { i += 1 }
        guard i < u.count, u[i] == 0x3A, i > cs else { return nil }
        let component = cache.component(u, cs, i)
        i += 1
        if i < u.count, u[i] == 0x20 { i += 1 }
        return DetailHead(thread: thread, time: t, component: component, textStart: i)
    }

    enum P {
        static let keywords: [[UInt8]] = ["overall summary", "final result", "exit code", "(decimal)", "(dezimal)",
                                          "setup bootstrap", "gesamtzusammenfassung", "sql server"].map { Array($0.utf8) }
        static let ruleWords: [[UInt8]] = ["rule", "regel", "règle", "regla", "regola"].map { Array($0.utf8) }
        static let reportFile = [UInt8](ascii: ".htm")
        static let http = [UInt8](ascii: "http")
        static let pathMark = [UInt8](ascii: ":\\")
        static let colonSpace = [UInt8](ascii: ": ")
        // Literals for the tests made on every Detail line (a literal costs nothing to reach).
        static var evaluatingRule: StaticString { "Evaluating rule" }
        static var ruleEvaluationDone: StaticString { "Rule evaluation done" }
        static let failed = [UInt8](ascii: "failed")
        static var exceptionType: StaticString { "Exception type:" }
        static var messageColon: StaticString { "Message:" }
        static var setupClosed: StaticString { "Setup closed with exit code:" }
        static var errorResult: StaticString { "Error result:" }
        static var processReturned: StaticString { "Process returned" }
        static var exitCode: StaticString { "exit code" }
        static var hresult: StaticString { "HResult" }
        static var innerException: StaticString { "Inner exception type:" }
        static var stack: StaticString { "Stack:" }
        static let bootstrapLog = [UInt8](ascii: "setup bootstrap\\log\\")
    }
}
