import LogRecord

/// Windows Installer (MSI) logs, verbose (`/l*v`) and not.
///
/// Framing: every line that is not blank and does not start with a space or tab starts an entry
/// (`MSI (s) (A8:C4) [10:15:32:123]: …` engine lines, `Action start 10:15:32: X.`, `Property(S): …`,
/// `=== … ===` headers, `InstallShield 10:15:32: …` and the free text custom actions write);
/// indented and blank lines join the entry before (`******* Product: …` after `RunEngine:`).
/// After `Exception thrown by custom action:` the next line (the exception) joins too.
///
/// Time: body lines carry only a time of day, the date comes from the last `=== … started:` /
/// `=== Logging started:` header and rolls over when the time goes back by more than six hours.
/// The header date is in the machine's locale: `d.M.yyyy` is day first, `a/b/yyyy` is decided once
/// per file by the first date with a value above 12 (headers, `Property(C): Date = …`); until one
/// is seen records are held back (at most `heldLimit` records or `heldBytesLimit` bytes), and then
/// `M/d/yyyy` is assumed (noted in the stats). Local
/// times become UTC with the site zone (`amt.time_source` `local` or `assumed`).
///
/// Sessions: a file can hold several runs appended (`/l+`). A run starts at `=== Verbose logging
/// started` (or `=== Logging started` outside a verbose run) and ends at `=== Verbose logging
/// stopped`, at the next run or at the end of the file; each run gets one summary record (see
/// `InstallRun`). The result is read from codes, not words, where the log has them:
/// `Installation success or error status: N`, `MainEngineThread is returning N`, message ids
/// `Note: 1: 1707` (success) / `1708` (failure), the top action's `Return value N`.
/// Exit codes 0, 3010 and 1641 are success. The first error is the first `Error NNNN.` line,
/// `CustomAction X returned actual error code N` (unless translated to success), `Product: X --
/// Error NNNN` or DTF's `Exception thrown by custom action`; the failed action is the first with
/// `Return value 3` (for a deferred custom action, the script action that was running).
///
/// Levels (`log.level`):
/// | line | level |
/// |---|---|
/// | `Error NNNN.` (also `Fehler`, `Erreur`, `Errore`, `Fout`), `CustomAction … returned actual error code` (not translated to success), `Exception thrown by custom action`, `Return value 3`, a failed product/result line | error |
/// | `Warning NNNN.`, `Return value 2` (cancelled) | warning |
/// | headers, actions, `Info NNNN.`, `Product:`/result lines that succeed, custom action free text, `InstallShield` lines | information |
/// | other engine lines (`MSI (s) …`), `PROPERTY CHANGE`, `Executing op:`, `Property(S): …` | verbose |
/// | `Note: 1: …` (internal message ids, e.g. `Note: 1: 2205 2:  3: Error`), `DEBUG: Error 2826` | debug |
/// `CustomAction X returned actual error code 1603 but will be translated to success` is information.
public struct MSILogParser: TextFormatParser {
    public static let dataset = Dataset.msi

    /// Records (and message bytes) held back while the file's day/month order is unknown. They are
    /// the most memory a run holds at once: with 20,000 records and 16 MiB, collect's peak RSS on
    /// the bench site (whose MSI log has only ambiguous dates) was 58 MiB; with these, 49 MiB.
    static let heldLimit = 5_000
    static let heldBytesLimit = 4 << 20

    public static func score(lines: [String], path: String) -> Int {
        var engine = 0, actions = 0
        for line in lines {
            let u = Array(line.utf8.prefix(64))
            if Bytes.has(u, P.verboseStarted) || Bytes.has(u, P.loggingStarted) { return 100 }
            if u.withUnsafeBufferPointer({ parseEngine($0) }) != nil { engine += 1; continue }
            if Bytes.has(u, P.actionStart) || Bytes.has(u, P.actionEnded) { actions += 1 }
        }
        if engine >= 3 { return 90 }
        if engine + actions >= 3 { return 70 }
        return 0
    }

    // MARK: State

    /// A local time not yet turned into UTC: the header date as written (order not yet known),
    /// days since it, and the time of day.
    struct Local {
        var year: Int, a: Int, b: Int, sep: UInt8
        var dayOffset: Int
        var seconds: Int
        var millis: Int
    }

    struct Session {
        var run = InstallRun(kind: "Installation")
        var verbose = false
        var entries = 0
        var startLine: Int?
        var date: (year: Int, a: Int, b: Int, sep: UInt8)?
        var dayOffset = 0
        var lastSeconds: Int?
        var lastLocal: Local?
        var statusCode: Int?
        var engineReturn: Int?
        var noteOutcome: Bool?
        var productLineOutcome: Bool?
        var topActionReturn: Int?
        var lastScriptAction: String?
        var package: String?
        var productName: String?
        var productVersion: String?
        var propertyProductName: String?
        var propertyProductVersion: String?
        var resultLine: Int?
        var resultLocal: Local?
    }

    enum Cause { case none, error }

    private let context: ParseContext
    /// The fields every record of this source shares; records start as a copy (measured cheaper
    /// than building each with `Record.init`).
    private let template: Record
    private let zone: ZoneCache
    private var dayFirst: Bool?
    private var session = Session()
    private var held: [(Record, Local?)] = []
    private var heldBytes = 0
    private var pending: Record?
    private var pendingLines = EntryBuffer()
    private var pendingLocal: Local?
    private var pendingCause = false
    private var pendingIsRunEngine = false
    private var joinNext = false
    /// `amt.msi.context` of the last engine line, built once and shared while it repeats.
    private var contextExtras: (context: String, extras: [(String, JSONValue)])?

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        self.template = RecordTemplate.make(dataset: Self.dataset, context: context)
        self.zone = ZoneCache(context.zone)
        for line in sample {
            let date = Array(line.utf8).withUnsafeBufferPointer { u in
                Self.headerDate(u).map({ (year: $0.year, a: $0.a, b: $0.b, sep: $0.sep) }) ?? Self.propertyDate(u)
            }
            if let d = date {
                settle(a: d.a, b: d.b, sep: d.sep)
                if dayFirst != nil { break }
            }
        }
    }

    // MARK: Feeding

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        let text = line.text
        let first = text.utf8.first
        let continuation = first == nil || first == 0x20 || first == 0x09
        if continuation || joinNext, pendingLines.takes(line, pending: pending != nil, stats: &stats) {
            if joinNext, !continuation { joinNext = false }
            pendingLines.append(text)
            return
        }
        joinNext = false
        try flush(stats: &stats, emit: emit)
        if continuation && Bytes.isBlank(text) { return }
        try start(line, stats: &stats, emit: emit)
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try flush(stats: &stats, emit: emit)
        try closeSession(stats: &stats, emit: emit)
        try release(stats: &stats, emit: emit, force: true)
    }

    // MARK: Entries

    private mutating func start(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        try line.withUTF8 { try start(line, $0, stats: &stats, emit: emit) }
    }

    /// One line that starts an entry; `u` is its UTF-8, read in place.
    private mutating func start(_ line: TextLine, _ u: UnsafeBufferPointer<UInt8>, stats: inout ParseStats,
                                emit: RecordSink) throws {
        var r = template
        r.message = line.text
        r.line = line.number
        r.level = .information
        var local: Local? = nil
        var cause = false

        if Bytes.has(u, P.headerPrefix) {
            try header(u, record: &r, local: &local, line: line, stats: &stats, emit: emit)
            if Bytes.has(u, P.verboseStopped) {
                session.entries += 1
                pending = r.take()
                pendingLines.reset(line.text)
                pendingLocal = local
                try flush(stats: &stats, emit: emit)
                try closeSession(stats: &stats, emit: emit)
                return
            }
        } else if let e = Self.parseEngine(u) {
            local = stamp(seconds: e.seconds, millis: e.millis)
            r.processID = e.pid
            r.threadID = e.tid
            if let cached = contextExtras, cached.context == e.context {
                r.extras = cached.extras
            } else {
                r.putExtra("msi", "context", .string(e.context))
                contextExtras = (e.context, r.extras)
            }
            if e.customActionThread { r.putExtra("msi", "custom_action_thread", .bool(true)) }
            cause = engineText(u, from: e.textStart, record: &r, line: line, local: local)
        } else if let a = Self.parseAction(u) {
            local = stamp(seconds: a.seconds, millis: 0)
            action(a, u: u, record: &r)
        } else if Bytes.has(u, P.property) {
            r.level = .verbose
            property(u)
            local = session.lastLocal
        } else if Bytes.has(u, P.installShield) {
            var i = P.installShield.count
            if let s = Bytes.clock(u, &i) { local = stamp(seconds: s, millis: 0) } else { local = session.lastLocal }
        } else {
            local = session.lastLocal
            cause = freeText(u, record: &r)
        }
        session.entries += 1
        if session.startLine == nil { session.startLine = line.number }
        pending = r.take()
        pendingLines.reset(line.text)
        pendingLocal = local
        pendingCause = cause
    }

    private mutating func flush(stats: inout ParseStats, emit: RecordSink) throws {
        guard var r = pending.take() else { return }
        if pendingLines.count > 1 {
            r.message = pendingLines.joined()
            if pendingIsRunEngine {
                for l in pendingLines.lines.dropFirst() {
                    let u = Array(l.utf8)
                    if let p = Bytes.find(u, P.runEngineProduct) {
                        let value = Bytes.string(u, p + P.runEngineProduct.count, u.count)
                        if !value.isEmpty, session.package == nil { session.package = value }
                        if !value.isEmpty { r.setExtra("msi.package", .string(value)) }
                        break
                    }
                }
            }
        }
        if pendingCause { session.run.noteError(r.message) }
        pending = nil
        pendingLines.clear()
        pendingCause = false
        pendingIsRunEngine = false
        try out(&r, pendingLocal, stats: &stats, emit: emit)
        pendingLocal = nil
    }

    /// `=== Verbose logging started: 31.01.2022  21:24:31  Build type: … ===` and friends.
    private mutating func header(_ u: UnsafeBufferPointer<UInt8>, record r: inout Record, local: inout Local?, line: TextLine,
                                 stats: inout ParseStats, emit: RecordSink) throws {
        let verboseStart = Bytes.has(u, P.verboseStarted)
        let loggingStart = Bytes.has(u, P.loggingStarted)
        if verboseStart || (loggingStart && !session.verbose) {
            if session.entries > 0 {
                try flush(stats: &stats, emit: emit)
                try closeSession(stats: &stats, emit: emit)
            }
            session.verbose = verboseStart
            session.startLine = line.number
            stats.count("msi_sessions")
        }
        if let d = Self.headerDate(u) {
            settle(a: d.a, b: d.b, sep: d.sep, stats: &stats)
            if verboseStart || loggingStart {
                session.date = (d.year, d.a, d.b, d.sep)
                session.dayOffset = 0
                session.lastSeconds = nil
            }
            if session.date != nil { local = stamp(seconds: d.seconds, millis: 0) }
        } else {
            local = session.lastLocal
        }
        if verboseStart, let p = Bytes.find(u, P.callingProcess) {
            var end = u.count
            if let q = Bytes.findLast(u, P.headerSuffix), q > p { end = q }
            r.setExtra("msi.calling_process", .string(Bytes.string(u, p + P.callingProcess.count, end)))
        }
    }

    /// The text after `MSI (s) (A8:C4) [10:15:32:123]: `. Returns `true` when the line explains a
    /// failure (a cause for `first_error`).
    private mutating func engineText(_ u: UnsafeBufferPointer<UInt8>, from t: Int, record r: inout Record, line: TextLine, local: Local?) -> Bool {
        r.level = .verbose
        if Bytes.has(u, P.note, at: t) {
            r.level = .debug
            var i = t + P.note.count
            if let id = Bytes.int(u, &i), i == u.count || u[i] == 0x20 {
                if id == 1707 { session.noteOutcome = true; markResult(line, local) }
                if id == 1708 { session.noteOutcome = false; markResult(line, local) }
            }
            return false
        }
        if Bytes.has(u, P.debug, at: t) { r.level = .debug; return false }
        if Bytes.has(u, P.propertyChange, at: t) { return false }
        if Bytes.has(u, P.executingOp, at: t) {
            if Bytes.has(u, P.actionStartOp, at: t) {
                let a = t + P.actionStartOp.count
                var e = a
                while e < u.count, u[e] != 0x2C, u[e] != 0x29 { e += 1 }
                session.lastScriptAction = Bytes.string(u, a, e)
            }
            return false
        }
        if Bytes.has(u, P.runEngine, at: t) { pendingIsRunEngine = true; return false }
        if Bytes.has(u, P.mainEngine, at: t) {
            var i = t + P.mainEngine.count
            if let code = Bytes.int(u, &i) {
                session.engineReturn = code
                markResult(line, local)
                r.code = String(code)
                r.level = Self.isSuccess(code) ? .information : .error
            }
            return false
        }
        if Bytes.has(u, P.backFromServer, at: t) {
            var i = t + P.backFromServer.count
            if let code = Bytes.int(u, &i) {
                r.code = String(code)
                r.level = Self.isSuccess(code) ? .information : .error
            }
            return false
        }
        if Bytes.has(u, P.windowsInstaller, at: t) {
            r.level = .information
            // "… the product. Product Name: X. Product Version: V. … status: N." — read by position,
            // so that translated labels work too: first value name, second version, last status.
            var values: [String] = []
            var i = t
            while let c = Bytes.find(u, P.colonSpace, from: i) {
                var e = c + 2
                var end = u.count
                while e < u.count {
                    if u[e] == 0x2E, e + 1 == u.count || u[e + 1] == 0x20 {
                        // ". " ends a value unless the next field has no ": " (a dot inside a name).
                        let next = Bytes.find(u, P.colonSpace, from: e + 1)
                        let nextDot = Bytes.find(u, P.dotSpace, from: e + 1)
                        if next == nil || nextDot == nil || nextDot! > next! { end = e; break }
                    }
                    e += 1
                }
                values.append(Bytes.string(u, c + 2, end))
                i = end
            }
            if values.count >= 3, let status = Int(values[values.count - 1]) {
                if Bytes.find(u, P.removedThe, from: t) != nil { session.run.kind = "Removal" }
                else if Bytes.find(u, P.reconfiguredThe, from: t) != nil { session.run.kind = "Reconfiguration" }
                session.productName = values[0]
                session.productVersion = values[1]
                session.statusCode = status
                markResult(line, local)
                r.setExtra("msi.product", .string(values[0]))
                if !values[1].isEmpty { r.setExtra("msi.version", .string(values[1])) }
                r.code = String(status)
                if !Self.isSuccess(status) { r.level = .error }
            }
            return false
        }
        if Bytes.has(u, P.productColon, at: t), let dash = Bytes.find(u, P.dashes, from: t) {
            r.level = .information
            let name = Bytes.string(u, t + P.productColon.count, dash)
            if !name.isEmpty {
                r.setExtra("msi.product", .string(name))
                if session.productName == nil { session.productName = name }
            }
            let rest = dash + P.dashes.count
            if let code = Self.errorCode(u, at: rest) {
                r.level = .error
                r.code = String(code)
                return true
            }
            if Bytes.hasCI(u, P.failedDot, at: u.count - P.failedDot.count) {
                r.level = .error
                session.productLineOutcome = false
                markResult(line, local)
            } else if Bytes.findCI(u, P.successfully, from: rest) != nil {
                session.productLineOutcome = true
                markResult(line, local)
            }
            return false
        }
        if let code = Self.errorCode(u, at: t) {
            r.level = .error
            r.code = String(code)
            return true
        }
        return false
    }

    /// Lines without the engine prefix: custom action output, `Error 1722.`, `CustomAction …`.
    private mutating func freeText(_ u: UnsafeBufferPointer<UInt8>, record r: inout Record) -> Bool {
        if Bytes.has(u, P.debug) { r.level = .debug; return false }
        if let code = Self.errorCode(u, at: 0) {
            r.level = .error
            r.code = String(code)
            return true
        }
        if Bytes.has(u, P.customAction), Bytes.find(u, P.returnedActualError) != nil {
            var i = Bytes.find(u, P.returnedActualError)! + P.returnedActualError.count
            if let code = Bytes.int(u, &i) { r.code = String(code) }
            if Bytes.find(u, P.translatedToSuccess, from: i) != nil { return false }
            r.level = .error
            return true
        }
        if Bytes.has(u, P.exceptionThrown) {
            r.level = .error
            joinNext = true
            return true
        }
        if Self.wordCode(u, at: 0, words: P.warningWords) != nil { r.level = .warning }
        return false
    }

    private mutating func action(_ a: ParsedAction, u: UnsafeBufferPointer<UInt8>, record r: inout Record) {
        r.putExtra("msi", "action", .string(a.name))
        guard let rv = a.returnValue else { return }
        r.putExtra("msi", "return_value", .int(Int64(rv)))
        if rv == 3 {
            r.level = .error
            if session.run.failedAction == nil {
                if P.scriptRunners.contains(a.name), let inner = session.lastScriptAction {
                    session.run.failedAction = "\(inner) (deferred, run by \(a.name))"
                } else {
                    session.run.failedAction = a.name
                }
            }
        } else if rv == 2 {
            r.level = .warning
        }
        if P.topActions.contains(a.name) {
            session.topActionReturn = rv
            session.resultLocal = session.resultLocal ?? session.lastLocal
        }
    }

    private mutating func property(_ u: UnsafeBufferPointer<UInt8>) {
        // Property(S): Name = Value
        guard let close = Bytes.find(u, P.propertyClose) else { return }
        let nameStart = close + P.propertyClose.count
        guard let eq = Bytes.find(u, P.equals, from: nameStart) else { return }
        let name = Bytes.string(u, nameStart, eq)
        let value = Bytes.string(u, eq + P.equals.count, u.count)
        switch name {
        case "ProductName": session.propertyProductName = value
        case "ProductVersion": session.propertyProductVersion = value
        case "Date":
            if let d = Array(value.utf8).withUnsafeBufferPointer({ Self.dateParts($0, 0) }) { settle(a: d.a, b: d.b, sep: d.sep) }
        default: break
        }
    }

    private mutating func markResult(_ line: TextLine, _ local: Local?) {
        session.resultLine = line.number
        session.resultLocal = local
    }

    // MARK: Sessions

    private mutating func closeSession(stats: inout ParseStats, emit: RecordSink) throws {
        defer { session = Session() }
        guard session.entries > 0 else { return }
        var run = session.run
        run.product = session.productName ?? session.propertyProductName ?? session.package.map(Self.fileName)
        run.version = session.productVersion.flatMap { $0.isEmpty ? nil : $0 } ?? session.propertyProductVersion
        let code = session.statusCode ?? session.engineReturn
        if let code {
            run.exitCode = String(code)
            run.succeeded = Self.isSuccess(code)
        } else if let ok = session.noteOutcome ?? session.productLineOutcome {
            run.succeeded = ok
        } else if let rv = session.topActionReturn {
            run.succeeded = rv == 1 || rv == 0 ? true : rv == 3 || rv == 2 ? false : nil
        }
        if run.succeeded == false, run.firstError == nil, let action = run.failedAction {
            run.firstError = "Action \(action) failed (Return value 3)"
        }
        if run.succeeded == true { run.failedAction = nil }
        run.line = run.succeeded != nil ? (session.resultLine ?? session.startLine) : session.startLine
        let local = run.succeeded != nil ? (session.resultLocal ?? session.lastLocal) : session.lastLocal
        if let package = session.package { run.extras.append(("msi.package", .string(package))) }
        var record = run.record(dataset: Self.dataset, context: context, stats: &stats)
        try out(&record, local, stats: &stats, emit: emit)
    }

    // MARK: Time

    /// The local time of a body line at `seconds` of the day, rolling the date over at midnight.
    private mutating func stamp(seconds: Int, millis: Int) -> Local? {
        if let last = session.lastSeconds, seconds < last - 6 * 3600 { session.dayOffset += 1 }
        session.lastSeconds = seconds
        guard let d = session.date else { return nil }
        let l = Local(year: d.year, a: d.a, b: d.b, sep: d.sep, dayOffset: session.dayOffset, seconds: seconds, millis: millis)
        session.lastLocal = l
        return l
    }

    private mutating func settle(a: Int, b: Int, sep: UInt8) {
        var stats = ParseStats()
        settle(a: a, b: b, sep: sep, stats: &stats)
    }

    /// Learns the day/month order from a date: `.`/`-` dates and values above 12 decide it.
    private mutating func settle(a: Int, b: Int, sep: UInt8, stats: inout ParseStats) {
        let says: Bool?
        if a > 12 && b <= 12 { says = true }
        else if b > 12 && a <= 12 { says = false }
        else if sep != UInt8(ascii: "/") && a <= 12 && b <= 12 { says = true }
        else { says = nil }
        guard let says else { return }
        if let known = dayFirst {
            if known != says { stats.note("date \(a)\(Character(Unicode.Scalar(sep)))\(b) contradicts the day/month order chosen for this file") }
            return
        }
        dayFirst = says
    }

    /// Emits `record` (resolving its local time), or holds it back while the day/month order is
    /// not known.
    private mutating func out(_ record: inout Record, _ local: Local?, stats: inout ParseStats, emit: RecordSink) throws {
        if dayFirst == nil, local != nil || !held.isEmpty {
            heldBytes += record.message.utf8.count
            held.append((record.take(), local))
            if held.count >= Self.heldLimit || heldBytes >= Self.heldBytesLimit {
                try release(stats: &stats, emit: emit, force: true)
            }
            return
        }
        if !held.isEmpty { try release(stats: &stats, emit: emit, force: true) }
        resolve(&record, local, stats: &stats)
        try emit(&record)
    }

    private mutating func release(stats: inout ParseStats, emit: RecordSink, force: Bool) throws {
        guard !held.isEmpty else { return }
        if dayFirst == nil {
            dayFirst = false
            stats.note("day/month order of the dates in this file is ambiguous: read as month/day")
        }
        var records: [(Record, Local?)] = []
        swap(&records, &held)
        heldBytes = 0
        for i in records.indices {
            resolve(&records[i].0, records[i].1, stats: &stats)
            try emit(&records[i].0)
        }
    }

    private func resolve(_ r: inout Record, _ local: Local?, stats: inout ParseStats) {
        guard let l = local else { return }
        let df = dayFirst ?? false
        let clock = LocalClock(year: l.year, month: df ? l.b : l.a, day: df ? l.a : l.b)
        if let (ts, source) = clock.timestamp(seconds: l.seconds, millis: l.millis, dayOffset: l.dayOffset, zone: zone) {
            r.timestamp = ts
            r.timeSource = source
        } else {
            stats.recordProblem("line \(r.line.map(String.init) ?? "?"): impossible date \(l.a)/\(l.b)/\(l.year)")
        }
    }

    // MARK: Line grammar

    struct ParsedEngine {
        var context: String
        var pid: Int
        var tid: Int
        var customActionThread: Bool
        var seconds: Int
        var millis: Int
        var textStart: Int
    }

    /// `MSI (s) (A8:C4) [10:15:32:123]: ` → its parts; `nil` for any other line.
    static func parseEngine(_ u: UnsafeBufferPointer<UInt8>) -> ParsedEngine? {
        guard Bytes.has(u, P.engine) else { return nil }
        var i = P.engine.count
        let cStart = i
        while i < u.count, i - cStart < 8, u[i] != 0x29 { i += 1 }
        guard i < u.count, u[i] == 0x29, i > cStart else { return nil }
        let ctx = String(decoding: u[cStart..<i], as: UTF8.self)
        i += 1
        guard Bytes.has(u, P.spaceParen, at: i) else { return nil }
        i += 2
        guard let pid = Bytes.hex(u, &i), i < u.count, u[i] == 0x3A || u[i] == 0x21 else { return nil }
        let ca = u[i] == 0x21
        i += 1
        guard let tid = Bytes.hex(u, &i), Bytes.has(u, P.parenBracket, at: i) else { return nil }
        i += 3
        guard let secs = Bytes.clock(u, &i), i < u.count, u[i] == 0x3A || u[i] == 0x2E else { return nil }
        i += 1
        guard let ms = Bytes.digits(u, &i, max: 3), Bytes.has(u, P.bracketColon, at: i) else { return nil }
        i += 2
        if i < u.count, u[i] == 0x20 { i += 1 }
        return ParsedEngine(context: ctx, pid: pid, tid: tid, customActionThread: ca, seconds: secs, millis: ms, textStart: i)
    }

    struct ParsedAction {
        var name: String
        var seconds: Int
        var returnValue: Int?
    }

    /// `Action start 10:15:32: InstallFiles.`, `Action ended 10:15:32: X. Return value 3.`,
    /// `Action 10:15:32: X. Description` — and the same in other languages (`Aktion gestartet
    /// 10:15:32: X.`, `… Rückgabewert 3.`): words, a time, `: `, an action name and a dot, and for
    /// an ended action a number just before the final dot.
    static func parseAction(_ u: UnsafeBufferPointer<UInt8>) -> ParsedAction? {
        guard let f = u.first, (f >= 0x41 && f <= 0x5A) || f >= 0x80 else { return nil }
        var i = 0
        while i < u.count, i < 40, !Bytes.isDigit(u[i]), u[i] != 0x3A, u[i] != 0x28, u[i] != 0x5B { i += 1 }
        guard i < u.count, i > 0, u[i - 1] == 0x20, Bytes.isDigit(u[i]) else { return nil }
        guard let secs = Bytes.clock(u, &i) else { return nil }
        if i < u.count, u[i] == 0x20 { i += 1 }
        guard i < u.count, u[i] == 0x3A else { return nil }
        i += 1
        Bytes.skipSpaces(u, &i)
        let nameStart = i
        while i < u.count, u[i] != 0x2E, u[i] != 0x20 { i += 1 }
        guard i < u.count, u[i] == 0x2E, i > nameStart else { return nil }
        let name = String(decoding: u[nameStart..<i], as: UTF8.self)
        var rv: Int? = nil
        // Return value: "… N." at the end, after the name.
        var e = u.count
        while e > i + 1, u[e - 1] == 0x20 { e -= 1 }
        if e > i + 2, u[e - 1] == 0x2E, Bytes.isDigit(u[e - 2]), u[e - 3] == 0x20,
           Bytes.find(u, P.dotSpace, from: i) != nil, !Bytes.has(u, P.actionPlain) || Bytes.has(u, P.actionEnded) {
            rv = Int(u[e - 2] - 0x30)
        }
        return ParsedAction(name: name, seconds: secs, returnValue: rv)
    }

    /// `Error 1722.` / `Fehler 1722.` / `Error: 1722` at `at` → 1722.
    static func errorCode(_ u: UnsafeBufferPointer<UInt8>, at: Int) -> Int? {
        wordCode(u, at: at, words: P.errorWords)
    }

    static func wordCode(_ u: UnsafeBufferPointer<UInt8>, at: Int, words: [[UInt8]]) -> Int? {
        for w in words where Bytes.has(u, w, at: at) {
            var i = at + w.count
            if i < u.count, u[i] == 0x3A { i += 1 }
            guard i < u.count, u[i] == 0x20 else { continue }
            i += 1
            let start = i
            guard let code = Bytes.digits(u, &i, max: 5), i - start >= 3 else { continue }
            if i == u.count || u[i] == 0x2E || u[i] == 0x3A || u[i] == 0x20 { return code }
        }
        return nil
    }

    /// `=== … : <date>  <time> …` → the date's parts and the time.
    static func headerDate(_ u: UnsafeBufferPointer<UInt8>) -> (year: Int, a: Int, b: Int, sep: UInt8, seconds: Int)? {
        guard Bytes.has(u, P.headerPrefix), let c = Bytes.find(u, P.colonSpace) else { return nil }
        var i = c + 2
        Bytes.skipSpaces(u, &i)
        guard let d = dateParts(u, i) else { return nil }
        i = d.end
        Bytes.skipSpaces(u, &i)
        guard let secs = Bytes.clock(u, &i) else { return nil }
        return (d.year, d.a, d.b, d.sep, secs)
    }

    static func propertyDate(_ u: UnsafeBufferPointer<UInt8>) -> (year: Int, a: Int, b: Int, sep: UInt8)? {
        guard Bytes.has(u, P.property), let p = Bytes.find(u, P.dateProperty) else { return nil }
        guard let d = dateParts(u, p + P.dateProperty.count) else { return nil }
        return (d.year, d.a, d.b, d.sep)
    }

    /// `a/b/yyyy`, `a.b.yyyy`, `a-b-yyyy` or `yyyy-MM-dd` / `yyyy/MM/dd` (returned as a = month,
    /// b = day with separator `-`… read month first: year-first dates are never day first).
    static func dateParts(_ u: UnsafeBufferPointer<UInt8>, _ at: Int) -> (year: Int, a: Int, b: Int, sep: UInt8, end: Int)? {
        var i = at
        let s0 = i
        guard let x = Bytes.digits(u, &i, max: 4), i < u.count else { return nil }
        let sep = u[i]
        guard sep == 0x2F || sep == 0x2E || sep == 0x2D else { return nil }
        i += 1
        guard let y = Bytes.digits(u, &i, max: 2), i < u.count, u[i] == sep else { return nil }
        i += 1
        if i - s0 >= 7, x >= 1000 {
            // yyyy-MM-dd: order is fixed, give it as a slash date month first.
            guard let d = Bytes.digits(u, &i, max: 2) else { return nil }
            return (x, y, d, UInt8(ascii: "/"), i)
        }
        guard let year = Bytes.digits(u, &i, min: 4, max: 4) else { return nil }
        return (year, x, y, sep, i)
    }

    static func isSuccess(_ code: Int) -> Bool { code == 0 || code == 3010 || code == 1641 }

    static func fileName(_ path: String) -> String {
        if let i = path.lastIndex(where: { $0 == "\\" || $0 == "/" }) { return String(path[path.index(after: i)...]) }
        return path
    }

    /// Byte patterns.
    enum P {
        static let headerPrefix = [UInt8](ascii: "=== ")
        static let headerSuffix = [UInt8](ascii: " ===")
        static let verboseStarted = [UInt8](ascii: "=== Verbose logging started:")
        static let verboseStopped = [UInt8](ascii: "=== Verbose logging stopped:")
        static let loggingStarted = [UInt8](ascii: "=== Logging started:")
        static let callingProcess = [UInt8](ascii: "Calling process: ")
        static let engine = [UInt8](ascii: "MSI (")
        static let spaceParen = [UInt8](ascii: " (")
        static let parenBracket = [UInt8](ascii: ") [")
        static let bracketColon = [UInt8](ascii: "]:")
        static let actionStart = [UInt8](ascii: "Action start ")
        static let actionEnded = [UInt8](ascii: "Action ended ")
        static let actionPlain = [UInt8](ascii: "Action ")
        static let property = [UInt8](ascii: "Property(")
        static let propertyClose = [UInt8](ascii: "): ")
        static let equals = [UInt8](ascii: " = ")
        static let dateProperty = [UInt8](ascii: "): Date = ")
        static let installShield = [UInt8](ascii: "InstallShield ")
        static let note = [UInt8](ascii: "Note: 1: ")
        static let debug = [UInt8](ascii: "DEBUG: ")
        static let propertyChange = [UInt8](ascii: "PROPERTY CHANGE")
        static let executingOp = [UInt8](ascii: "Executing op: ")
        static let actionStartOp = [UInt8](ascii: "Executing op: ActionStart(Name=")
        static let runEngine = [UInt8](ascii: "******* RunEngine:")
        static let runEngineProduct = [UInt8](ascii: "******* Product: ")
        static let mainEngine = [UInt8](ascii: "MainEngineThread is returning ")
        static let backFromServer = [UInt8](ascii: "Back from server. Return value: ")
        static let windowsInstaller = [UInt8](ascii: "Windows Installer ")
        static let productColon = [UInt8](ascii: "Product: ")
        static let removedThe = [UInt8](ascii: " removed the product")
        static let reconfiguredThe = [UInt8](ascii: " reconfigured the product")
        static let dashes = [UInt8](ascii: " -- ")
        static let colonSpace = [UInt8](ascii: ": ")
        static let dotSpace = [UInt8](ascii: ". ")
        static let failedDot = [UInt8](ascii: "failed.")
        static let successfully = [UInt8](ascii: "successfully")
        static let customAction = [UInt8](ascii: "CustomAction ")
        static let returnedActualError = [UInt8](ascii: " returned actual error code ")
        static let translatedToSuccess = [UInt8](ascii: "translated to success")
        static let exceptionThrown = [UInt8](ascii: "Exception thrown by custom action")
        static let errorWords: [[UInt8]] = ["Error", "Fehler", "Erreur", "Errore", "Fout", "Fel", "Błąd", "Chyba", "Hiba", "Ошибка"].map { Array($0.utf8) }
        static let warningWords: [[UInt8]] = ["Warning", "Warnung", "Avertissement", "Avviso", "Waarschuwing"].map { Array($0.utf8) }
        static let topActions: Set<String> = ["INSTALL", "ADMIN", "ADVERTISE"]
        static let scriptRunners: Set<String> = ["InstallFinalize", "InstallExecute", "InstallExecuteAgain"]
    }
}
