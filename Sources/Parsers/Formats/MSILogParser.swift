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
        var engine = 0, actions = 0, headers = 0
        for line in lines {
            let u = Array(line.utf8.prefix(64))
            if Bytes.has(u, P.verboseStarted) || Bytes.has(u, P.loggingStarted) { return 100 }
            if u.withUnsafeBufferPointer({ parseEngine($0) }) != nil { engine += 1; continue }
            if Bytes.has(u, P.actionStart) || Bytes.has(u, P.actionEnded) { actions += 1; continue }
            // Localized logs: `=== … : <date> <time> ===` headers and `Aktion gestartet 10:00:01: X.`.
            let full = Array(line.utf8.prefix(400))
            if full.withUnsafeBufferPointer({ headerDate($0) }) != nil { headers += 1 }
            else if full.withUnsafeBufferPointer({ parseAction($0) }) != nil { actions += 1 }
        }
        if engine >= 3 { return 90 }
        if engine + actions >= 3, engine > 0 || headers > 0 { return 70 }
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
        /// A bare `=== … ===` header (no build type, words not known) ended a non-verbose run.
        var bareStopSeen = false
        /// The first cause of the run, wherever it is (the fallback for `first_error`).
        var firstCause: Cause?
        /// The causes of the action now running (since its `Action start` or script `ActionStart`).
        var spanCause: Cause?
        var spanCodedCause: Cause?
        /// The cause that explains the failure: taken from the span of the first action that
        /// returned 3, so that later rollback errors do not replace it.
        var explaining: Cause?
        /// The last status message id (`Note: 1: 1707` …) and the line it was on: the product line
        /// that follows reads its outcome from it, in any language.
        var statusNote: (id: Int, line: Int?)?
        /// `Note: 1: 1714 2: <product> 3: <system error>`.
        var olderVersionError: Int?
        var removal = false
    }

    /// A line that explains a failure: its text (one line), its MSI error number when it states one.
    struct Cause {
        var text: String
        var code: Int?
        var line: Int?
    }

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
    /// The cause text when it is not the whole message (a product line: from its error word on).
    private var pendingCauseText: String?
    private var pendingCauseCode: Int?
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
        } else if let nameStart = Self.propertyName(u) {
            r.level = .verbose
            property(u, nameStart: nameStart)
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
        if pendingCause { noteCause(Cause(text: InstallRun.oneLine(pendingCauseText ?? r.message), code: pendingCauseCode, line: r.line)) }
        pending = nil
        pendingLines.clear()
        pendingCause = false
        pendingCauseText = nil
        pendingCauseCode = nil
        pendingIsRunEngine = false
        try out(&r, pendingLocal, stats: &stats, emit: emit)
        pendingLocal = nil
    }

    /// `=== Verbose logging started: 31.01.2022  21:24:31  Build type: … ===` and friends.
    private mutating func header(_ u: UnsafeBufferPointer<UInt8>, record r: inout Record, local: inout Local?, line: TextLine,
                                 stats: inout ParseStats, emit: RecordSink) throws {
        let headerDate = Self.headerDate(u)
        // The words are localized (`=== Ausführliche Protokollierung gestartet: …`, `=== 詳細ログ
        // 開始: …`); the structure is not: a verbose start states the build type (`SHIP UNICODE
        // 5.00.10011.00`), other headers only a date and a time.
        let english = Bytes.has(u, P.verboseStarted) || Bytes.has(u, P.loggingStarted)
            || Bytes.has(u, P.verboseStopped) || Bytes.has(u, P.loggingStopped)
        let verboseStart = Bytes.has(u, P.verboseStarted)
            || (!english && headerDate != nil && Bytes.find(u, P.buildUnicode) != nil)
        var loggingStart = Bytes.has(u, P.loggingStarted)
        if !english, !verboseStart, headerDate != nil, !session.verbose {
            // A bare header outside a verbose run: it opens a run, or ends the one it opened.
            if session.entries == 0 || session.bareStopSeen { loggingStart = true } else { session.bareStopSeen = true }
        }
        if verboseStart || (loggingStart && !session.verbose) {
            if session.entries > 0 {
                try flush(stats: &stats, emit: emit)
                try closeSession(stats: &stats, emit: emit)
            }
            session.verbose = verboseStart
            session.startLine = line.number
            stats.count("msi_sessions")
        }
        if let d = headerDate {
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
        if verboseStart, let b = Bytes.find(u, P.buildUnicode) {
            // `… Calling process: C:\Windows\system32\msiexec.exe ===`, label in any language:
            // the value follows the last `: ` (a path's drive colon is followed by `\`).
            var end = u.count
            if let q = Bytes.findLast(u, P.headerSuffix), q > b { end = q }
            if let p = Bytes.findLast(UnsafeBufferPointer(rebasing: u[0..<end]), P.colonSpace), p > b {
                r.setExtra("msi.calling_process", .string(Bytes.string(u, p + P.colonSpace.count, end)))
            }
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
                note(id, u, after: i, line: line, local: local)
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
                newSpan()
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
        if let result = Self.resultLine(u, from: t) {
            // Event 1033/1034/1035: "Windows Installer installed the product. Product Name: X.
            // Product Version: V. Product Language: L. Manufacturer: M. Installation success or
            // error status: N." — read by position in any language: name, version, language,
            // manufacturer, status.
            r.level = .information
            if Bytes.find(u, P.removedThe, from: t) != nil || session.removal { session.run.kind = "Removal" }
            else if Bytes.find(u, P.reconfiguredThe, from: t) != nil { session.run.kind = "Reconfiguration" }
            session.productName = result.product
            session.productVersion = result.version
            session.statusCode = result.status
            markResult(line, local)
            r.setExtra("msi.product", .string(result.product))
            if !result.version.isEmpty { r.setExtra("msi.version", .string(result.version)) }
            r.code = String(result.status)
            if !Self.isSuccess(result.status) { r.level = .error }
            return false
        }
        if let p = Self.productLine(u, from: t) {
            // Events 11707/11708/11724…: "Product: X -- Installation failed." in any language.
            r.level = .information
            let name = Bytes.string(u, p.nameStart, p.dash)
            if !name.isEmpty {
                r.setExtra("msi.product", .string(name))
                if session.productName == nil { session.productName = name }
            }
            let rest = p.dash + P.dashes.count
            if let code = Self.errorCode(u, at: rest) {
                r.level = .error
                r.code = String(code)
                pendingCauseText = Bytes.string(u, rest, u.count)
                pendingCauseCode = code
                return true
            }
            // The status message id logged just before (`Note: 1: 1708`) tells the outcome in any
            // language; without one (a package with its own Error table), the English words.
            var ok: Bool? = nil
            if let n = session.statusNote, let l = n.line, let here = line.number, here - l <= 8 {
                ok = Self.statusNoteOutcome(n.id)
                session.statusNote = nil
            } else if Bytes.hasCI(u, P.failedDot, at: u.count - P.failedDot.count) {
                ok = false
            } else if Bytes.findCI(u, P.successfully, from: rest) != nil {
                ok = true
            }
            if let ok {
                if !ok { r.level = .error }
                session.productLineOutcome = ok
                markResult(line, local)
            }
            return false
        }
        if let code = Self.errorCode(u, at: t) {
            r.level = .error
            r.code = String(code)
            pendingCauseCode = code
            return true
        }
        if Bytes.has(u, P.windowsInstaller, at: t) { r.level = .information }
        return false
    }

    /// `Note: 1: <id> 2: … 3: …`: message ids that state an outcome, and `1714` (the older version
    /// cannot be removed) with the system error it gives as its third argument.
    private mutating func note(_ id: Int, _ u: UnsafeBufferPointer<UInt8>, after i: Int, line: TextLine, local: Local?) {
        if let ok = Self.statusNoteOutcome(id) {
            if id == 1707 || id == 1708 { session.noteOutcome = ok; markResult(line, local) }
            if id == 1724 || id == 1725 { session.removal = true; session.noteOutcome = ok; markResult(line, local) }
            if id == 1728 || id == 1729 { session.noteOutcome = ok; markResult(line, local) }
            session.statusNote = (id, line.number)
            return
        }
        if id == 1714, let a = Bytes.find(u, P.noteArg3, from: i) {
            var k = a + P.noteArg3.count
            if let code = Bytes.int(u, &k) { session.olderVersionError = code }
        }
    }

    /// The outcome a status message id states: 1707 installation, 1724 removal, 1726
    /// advertisement, 1728 configuration completed successfully; the next id of each, failed.
    static func statusNoteOutcome(_ id: Int) -> Bool? {
        switch id {
        case 1707, 1724, 1726, 1728: return true
        case 1708, 1725, 1727, 1729: return false
        default: return nil
        }
    }

    struct ResultLine {
        var product: String
        var version: String
        var status: Int
    }

    /// The `Windows Installer installed the product. …: N.` line in any language: a sentence, then
    /// at least five `label: value` pairs (`: `, ` : ` or `：`, values ended by `. ` or `。`), the
    /// third value (the product language) and the last (the status) numbers.
    static func resultLine(_ u: UnsafeBufferPointer<UInt8>, from t: Int) -> ResultLine? {
        // Cheap test first: the line ends with a number and a full stop.
        var e = u.count
        while e > t, u[e - 1] == 0x20 { e -= 1 }
        if e - t >= 3, u[e - 3] == 0xE3, u[e - 2] == 0x80, u[e - 1] == 0x82 { e -= 3 } else if e > t, u[e - 1] == 0x2E { e -= 1 } else { return nil }
        guard e > t, Bytes.isDigit(u[e - 1]) else { return nil }
        var values: [(Int, Int)] = []
        var i = t
        while values.count < 12, let (vs, sepLen) = nextColon(u, from: i, to: e) {
            let v = vs + sepLen
            // The value ends at the first full stop followed by a space or the end (or `。`) after
            // which another label follows; a dot inside a name (`Acme Inc. Tools`) is kept.
            var k = v
            var end = e
            while k < e {
                let c = u[k]
                let stop: Int
                if c == 0x2E, k + 1 == e || u[k + 1] == 0x20 { stop = 1 }
                else if c == 0xE3, k + 2 < u.count, u[k + 1] == 0x80, u[k + 2] == 0x82 { stop = 3 }
                else { k += 1; continue }
                if let (nc, _) = nextColon(u, from: k + stop, to: e) {
                    let nextStop = nextFullStop(u, from: k + stop, to: e)
                    if nextStop == nil || nextStop! > nc { end = k; break }
                } else { end = k; break }
                k += stop
            }
            values.append((v, end))
            i = end
        }
        // 1033/1034/1035 (and 1036/1037 for updates) state four or five values; 1038 (a restart
        // is required) states six, none of them a status.
        guard values.count == 4 || values.count == 5 else { return nil }
        func text(_ p: (Int, Int)) -> String { Bytes.string(u, p.0, p.1) }
        let language = text(values[2])
        guard !language.isEmpty, language.utf8.allSatisfy(Bytes.isDigit) else { return nil }
        let last = text(values[values.count - 1])
        guard let status = Int(last), last.utf8.count <= 10 else { return nil }
        return ResultLine(product: text(values[0]), version: text(values[1]), status: status)
    }

    /// The next `: `, ` : ` or `：` in `u[from..<to]`: where the separator starts (after the space
    /// that French puts before it) and its length.
    static func nextColon(_ u: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> (Int, Int)? {
        var k = max(0, from)
        while k < to {
            if u[k] == 0x3A, k + 1 < to, u[k + 1] == 0x20 { return (k, 2) }
            if u[k] == 0xEF, k + 2 < to, u[k + 1] == 0xBC, u[k + 2] == 0x9A { return (k, 3) }
            k += 1
        }
        return nil
    }

    /// The next value-ending full stop (`. `, a final `.`, or `。`) in `u[from..<to]`.
    static func nextFullStop(_ u: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        var k = max(0, from)
        while k < to {
            if u[k] == 0x2E, k + 1 == to || u[k + 1] == 0x20 { return k }
            if u[k] == 0xE3, k + 2 < u.count, u[k + 1] == 0x80, u[k + 2] == 0x82 { return k }
            k += 1
        }
        return nil
    }

    /// `Product: X -- text` in any language (`Produkt: X -- …`, `Produit : X -- …`, `製品: X -- …`):
    /// one word, a colon, the name, ` -- `. Returns where the name starts and where ` -- ` is.
    static func productLine(_ u: UnsafeBufferPointer<UInt8>, from t: Int) -> (nameStart: Int, dash: Int)? {
        var k = t
        // The label: one word of at most 40 bytes, no digits or brackets.
        while k < u.count, k - t < 40 {
            let c = u[k]
            if c == 0x3A || c == 0x20 || (c == 0xEF && k + 2 < u.count && u[k + 1] == 0xBC && u[k + 2] == 0x9A) { break }
            if Bytes.isDigit(c) || c == 0x28 || c == 0x5B || c == 0x27 || c == 0x3D { return nil }
            k += 1
        }
        guard k > t, k < u.count else { return nil }
        if u[k] == 0x20, k + 1 < u.count, u[k + 1] == 0x3A { k += 1 }
        let nameStart: Int
        if u[k] == 0x3A, k + 1 < u.count, u[k + 1] == 0x20 { nameStart = k + 2 }
        else if u[k] == 0xEF, k + 2 < u.count, u[k + 1] == 0xBC, u[k + 2] == 0x9A { nameStart = k + 3 }
        else { return nil }
        guard let dash = Bytes.find(u, P.dashes, from: nameStart) else { return nil }
        return (nameStart, dash)
    }


    /// Lines without the engine prefix: custom action output, `Error 1722.`, `CustomAction …`.
    private mutating func freeText(_ u: UnsafeBufferPointer<UInt8>, record r: inout Record) -> Bool {
        if Bytes.has(u, P.debug) { r.level = .debug; return false }
        if let code = Self.errorCode(u, at: 0) {
            r.level = .error
            r.code = String(code)
            pendingCauseCode = code
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
        guard let rv = a.returnValue else { newSpan(); return }
        r.putExtra("msi", "return_value", .int(Int64(rv)))
        if rv == 3 {
            r.level = .error
            if session.explaining == nil {
                // The first action that failed: what it logged explains the failure (an error
                // with an MSI error number first), not what rollback logs after it.
                session.explaining = session.spanCodedCause ?? session.spanCause
            }
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

    /// A cause of failure, in the order the log gives them.
    private mutating func noteCause(_ c: Cause) {
        if session.firstCause == nil { session.firstCause = c }
        if session.spanCause == nil { session.spanCause = c }
        if c.code != nil, session.spanCodedCause == nil { session.spanCodedCause = c }
    }

    /// An action starts (`Action start …`, a script's `ActionStart(Name=…)`): its causes start afresh.
    private mutating func newSpan() {
        session.spanCause = nil
        session.spanCodedCause = nil
    }

    private mutating func property(_ u: UnsafeBufferPointer<UInt8>, nameStart: Int) {
        // Property(S): Name = Value
        guard let eq = Bytes.find(u, P.equals, from: nameStart) else { return }
        let name = Bytes.string(u, nameStart, eq)
        let value = Bytes.string(u, eq + P.equals.count, u.count)
        switch name {
        case "ProductName": session.propertyProductName = value
        case "ProductVersion": session.propertyProductVersion = value
        case "Date":
            if let d = Array(value.utf8).withUnsafeBufferPointer({ Self.dateParts($0, 0) }) { settle(a: d.a, b: d.b, sep: d.sep) }
        case "UserLanguageID":
            // The user's locale formats the header dates: its day/month order settles an
            // ambiguous `03/06/2026` (2057 en-GB: 3 June) when no date above 12 did.
            if dayFirst == nil, let lcid = Int(value), let df = Self.localeDayFirst(lcid) { dayFirst = df }
        case "REMOVE":
            if value == "ALL" { session.removal = true }
        default: break
        }
    }

    /// Where the name starts in a property dump line, `Property(S): Name = Value`, in any language
    /// (`Eigenschaft(S): `, `Propriété(S) : `, `プロパティ(S): `): one word, `(S)`, `(C)` or `(N)`, a colon.
    static func propertyName(_ u: UnsafeBufferPointer<UInt8>) -> Int? {
        var k = 0
        while k < u.count, k < 40, u[k] != 0x28, u[k] != 0x20, u[k] != 0x3A { k += 1 }
        guard k > 0, k + 3 < u.count, u[k] == 0x28, u[k + 2] == 0x29,
              u[k + 1] == UInt8(ascii: "S") || u[k + 1] == UInt8(ascii: "C") || u[k + 1] == UInt8(ascii: "N") else { return nil }
        var i = k + 3
        if i < u.count, u[i] == 0x20 { i += 1 }
        guard i + 1 < u.count, u[i] == 0x3A, u[i + 1] == 0x20 else { return nil }
        return i + 2
    }

    /// Whether the locale `lcid` writes short dates day first (`nil`: year first, or not known).
    static func localeDayFirst(_ lcid: Int) -> Bool? {
        switch lcid {
        case 1033, 13321, 1089, 1124: return false            // en-US, en-PH, sw-KE, fil-PH: M/d/yyyy
        case 1041, 1042, 2052, 1028, 4100, 1038, 1053, 1063, 1062, 1065, 7177, 4105, 3084:
            return nil                                          // year first (ja, ko, zh, hu, sv, lt, lv, fa, en-ZA, en-CA, fr-CA)
        default:
            return lcid > 0 && lcid < 0x10000 ? true : nil
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
        if session.removal, run.kind == "Installation" { run.kind = "Removal" }
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
        if let cause = session.explaining ?? session.firstCause {
            run.firstError = cause.text
            if let code = cause.code {
                run.extras.append(("msi.error", .int(Int64(code))))
                if let e = Self.errorMeaning[code] { run.extras.append(("msi.error_meaning", .string(e))) }
                // `Error 1714 … System Error 1620.`: the system error says why.
                var system = code == 1714 ? session.olderVersionError : nil
                if system == nil, code == 1714 || code == 1612 || code == 1706 { system = Self.trailingNumber(cause.text) }
                if let system {
                    run.extras.append(("msi.system_error", .int(Int64(system))))
                    if let e = Self.errorMeaning[system] { run.extras.append(("msi.system_error_meaning", .string(e))) }
                }
            }
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
        // `Action 10:15:32: X. Description` (a script action's progress line) has no return value.
        let plain = i == P.actionPlain.count && Bytes.has(u, P.actionPlain)
        guard let secs = Bytes.clock(u, &i) else { return nil }
        if i < u.count, u[i] == 0x20 { i += 1 }
        guard i < u.count, u[i] == 0x3A else { return nil }
        i += 1
        Bytes.skipSpaces(u, &i)
        let nameStart = i
        while i < u.count, u[i] != 0x2E, u[i] != 0x20, !isIdeographicStop(u, i) { i += 1 }
        guard i < u.count, i > nameStart, u[i] == 0x2E || isIdeographicStop(u, i) else { return nil }
        let name = String(decoding: u[nameStart..<i], as: UTF8.self)
        let afterName = i + (u[i] == 0x2E ? 1 : 3)
        var rv: Int? = nil
        // Return value: "… N." (or "… N。") at the end, with text between the name and it.
        var e = u.count
        while e > afterName, u[e - 1] == 0x20 { e -= 1 }
        var stop = -1
        if e > afterName, u[e - 1] == 0x2E { stop = e - 1 } else if e - 3 >= afterName, isIdeographicStop(u, e - 3) { stop = e - 3 }
        if !plain, stop > afterName + 1, Bytes.isDigit(u[stop - 1]), u[stop - 2] == 0x20 {
            rv = Int(u[stop - 1] - 0x30)
        }
        return ParsedAction(name: name, seconds: secs, returnValue: rv)
    }

    /// `true` when `u` holds the ideographic full stop `。` at `i`.
    @inline(__always)
    static func isIdeographicStop(_ u: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        i >= 0 && i + 2 < u.count && u[i] == 0xE3 && u[i + 1] == 0x80 && u[i + 2] == 0x82
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
            if i == u.count || u[i] == 0x2E || u[i] == 0x3A || u[i] == 0x20 || isIdeographicStop(u, i) { return code }
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
        guard let n = propertyName(u), Bytes.has(u, P.dateProperty, at: n) else { return nil }
        guard let d = dateParts(u, n + P.dateProperty.count) else { return nil }
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

    /// The number that ends `text` (`… System Error 1620.`), if any.
    static func trailingNumber(_ text: String) -> Int? {
        var u = Array(text.utf8)
        while let l = u.last, l == 0x2E || l == 0x20 || l == 0x82 || l == 0x80 || l == 0xE3 { u.removeLast() }
        var k = u.count
        while k > 0, Bytes.isDigit(u[k - 1]), u.count - k < 6 { k -= 1 }
        guard k < u.count, k > 0, u[k - 1] == 0x20 else { return nil }
        return Int(String(decoding: u[k...], as: UTF8.self))
    }

    /// What the MSI errors and system errors Tier 1 meets most mean (Windows Installer error
    /// reference; system error codes).
    static let errorMeaning: [Int: String] = [
        2: "the system cannot find the file specified",
        3: "the system cannot find the path specified",
        5: "access is denied",
        112: "there is not enough space on the disk",
        1603: "a fatal error occurred during installation",
        1605: "this action is only valid for products that are currently installed",
        1612: "the installation source for this product is not available",
        1618: "another installation is already in progress",
        1619: "the installation package could not be opened (not found or not accessible)",
        1620: "the installation package could not be opened (not a valid Windows Installer package; for an older version, its cached package in C:\\Windows\\Installer is missing or damaged)",
        1632: "the temporary folder is full or inaccessible",
        1633: "this installation package is not supported on this processor type",
        1635: "the update package could not be opened",
        1638: "another version of this product is already installed",
        1706: "an installation package for the product could not be found",
        1714: "the older version of the product cannot be removed",
        1722: "a program run as part of the setup did not finish as expected",
        1723: "a DLL required for this install to complete could not be run",
        1920: "a service failed to start",
        1923: "a service could not be installed",
        1925: "you do not have sufficient privileges to complete this installation for all users",
    ]

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
        static let loggingStopped = [UInt8](ascii: "=== Logging stopped:")
        static let buildUnicode = [UInt8](ascii: " UNICODE ")
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
        static let dateProperty = [UInt8](ascii: "Date = ")
        static let noteArg3 = [UInt8](ascii: " 3: ")
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
        static let errorWords: [[UInt8]] = ["Error", "Fehler", "Erreur", "Errore", "Fout", "Fel", "Błąd", "Chyba", "Hiba", "Ошибка",
                                            "Erro", "Hata", "Virhe", "Feil", "Fejl", "エラー", "오류", "错误", "錯誤"].map { Array($0.utf8) }
        static let warningWords: [[UInt8]] = ["Warning", "Warnung", "Avertissement", "Avviso", "Waarschuwing", "Advertencia", "Aviso",
                                              "Предупреждение", "警告", "경고"].map { Array($0.utf8) }
        static let topActions: Set<String> = ["INSTALL", "ADMIN", "ADVERTISE"]
        static let scriptRunners: Set<String> = ["InstallFinalize", "InstallExecute", "InstallExecuteAgain"]
    }
}
