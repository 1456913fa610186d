import LogRecord

/// Device-install logs: `setupapi.dev.log` / `setupapi.app.log` (Windows Vista and later) and the
/// legacy `setupapi.log` (Windows XP/2003). The layout is chosen once per file from its first lines.
/// These files are written in the system code page without BOM; the line decoder keeps accented
/// text intact.
///
/// **dev/app layout**: a section starts with `>>>  [Title]` and `>>>  Section start yyyy/MM/dd
/// HH:mm:ss.fff` (one record, `amt.setupapi.section`), every body line is a record (`sto:`,
/// `inf:` …: the category becomes `event.provider`; `!` marks a warning and `!!!` an error), and
/// `<<<  Section end …` with `<<<  [Exit status: …]` ends it with the section's summary record
/// (see `InstallRun`: `SUCCESS…` is success, anything else failure, a section the file does not
/// end is partial). Body lines take the section's date with the last time of day a line stated
/// (`{…} 14:25:14.417`), rolling over at midnight. The `[Device Install Log]` header block and
/// `[Boot Session: …]` lines are information records.
///
/// **legacy layout** (Windows 2000/XP/2003): `[2005/02/13 22:06:27 1680.3 Driver Install]` starts a
/// section (pid.tid go to `process.*`), each `#-019 …`, `#I121 …`, `#W…`, `#E…` line is a record
/// with `event.code` (`E361`), `@ 10:18:56.437 #V017 …` lines take that time; indented lines join
/// the record before, other lines (the Windows 2000 layout writes no message ids) are records of
/// their own. Each section is one install run with a summary record (`InstallRun`, kind `Device
/// setup`, product the device instance the section installs, else the section title): the last
/// result it states governs (`… finished successfully.` success; `Device install failed`,
/// `finished with error`: failure), and a section that states none fails when it logged an error
/// and succeeds otherwise (the layout has no end-of-section mark). The exit code is the first
/// error's code (`0xe0000219`), the first error the first error line.
///
/// Levels (`log.level`):
/// | line | level |
/// |---|---|
/// | `!!!` body line, `#E…`, a failed `[Exit status: …]`; a `#-…` or unmarked line that states an error or failure (`Error 0x…`, `Error 2:`, `… failed`, `finished with error`) | error |
/// | `!` body line, `#W…` | warning |
/// | section start/end, header, boot session, `#I…`, other `#-…` and unmarked lines | information |
/// | other body lines, `#V…`, `#T…` | verbose |
public struct SetupapiParser: TextFormatParser {
    public static let dataset = Dataset.setupapi

    enum Layout { case dev, legacy }

    public static func score(lines: [String], path: String) -> Int {
        // Only setupapi's own markers count: `>>>  [` / `<<<  Section end` sections and the log
        // header of setupapi.dev.log; for the legacy log, section heads that state `pid.tid` and end
        // with `]`, together with `#I022`-style message lines. A `[date] [level] text` log has none.
        var dev = 0, heads = 0, messages = 0
        for line in lines {
            let u = Array(line.utf8.prefix(64))
            if Bytes.has(u, P.sectionOpen) || Bytes.has(u, P.sectionEnd) || Bytes.has(u, P.deviceInstallLog)
                || Bytes.has(u, P.bootSession) { dev += 1 }
            if line.utf8.last == 0x5D, u.withUnsafeBufferPointer({ legacyHead($0) })?.2 != nil,
               u.withUnsafeBufferPointer({ legacyHeadStatesThread($0) }) { heads += 1 }
            if u.count > 5, u[0] == 0x23, (u[1] == 0x2D || u[1] == 0x49 || u[1] == 0x57 || u[1] == 0x45 || u[1] == 0x56),
               Bytes.isDigit(u[2]), Bytes.isDigit(u[3]), Bytes.isDigit(u[4]) { messages += 1 }
        }
        if dev >= 2 { return 95 }
        if heads >= 1, messages >= 1, heads * 2 + messages >= 3 { return 90 }
        if dev == 1 { return 60 }
        return 0
    }

    /// Whether a legacy section head writes `pid.tid` after its time (`1680.3`).
    static func legacyHeadStatesThread(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 1
        guard u.first == 0x5B, dateTime(u, &i) != nil else { return false }
        Bytes.skipSpaces(u, &i)
        guard Bytes.digits(u, &i, max: 10) != nil, i < u.count, u[i] == 0x2E else { return false }
        i += 1
        return Bytes.digits(u, &i, max: 10) != nil
    }

    private let context: ParseContext
    /// The fields every record of this source shares; records start as a copy (measured cheaper
    /// than building each with `Record.init`).
    private let template: Record
    /// The body record being filled (see `feedDev`).
    private var body: Record
    private let zone: ZoneCache
    private let layout: Layout
    // dev layout
    private var date: LocalClock?
    private var dayOffset = 0
    private var lastSeconds: Int?
    private var lastMillis = 0
    private var run: InstallRun?
    /// `amt.setupapi.section` of the open section, built once and shared by its records.
    private var sectionExtras: [(String, JSONValue)]?
    /// The last body line's category as read (up to four bytes, packed) and as text: categories
    /// repeat from line to line, so their text is made once per change.
    private var providerKey: UInt64 = .max
    private var providerText: String?
    private var pendingSection: Record?
    /// `pendingSection != nil`, tested on every line without touching the record.
    private var hasPendingSection = false
    private var headerLines = EntryBuffer()
    private var headerLine: Int?
    // legacy layout
    private var legacyPID: Int?
    private var legacyTID: Int?
    private var pending: Record?
    private var pendingLines = EntryBuffer()
    /// The install run of the open legacy section and what it has stated so far.
    private var legacyRun: InstallRun?
    private var legacyResult: Bool?
    private var legacyErrors = 0
    private var legacyDevice: String?

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        self.template = RecordTemplate.make(dataset: Self.dataset, context: context)
        self.body = template
        self.zone = ZoneCache(context.zone)
        var legacy = 0
        for line in sample where Array(line.utf8.prefix(64)).withUnsafeBufferPointer({ Self.legacyHead($0) }) != nil {
            legacy += 1
        }
        layout = legacy > 0 ? .legacy : .dev
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        try line.withUTF8 { u in
            switch layout {
            case .dev: try feedDev(line, u, stats: &stats, emit: emit)
            case .legacy: try feedLegacy(line, u, stats: &stats, emit: emit)
            }
        }
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try flushHeader(emit: emit)
        try flushSectionStart(emit: emit)
        try flushLegacy(emit: emit)
        try closeLegacyRun(stats: &stats, emit: emit)
        if var run {
            run.succeeded = nil
            self.run = nil
            var r = run.record(dataset: Self.dataset, context: context, stats: &stats)
            stampCurrent(&r)
            try emit(&r)
        }
    }

    // MARK: dev/app layout

    /// One line of the dev/app layout; `u` is its UTF-8.
    private mutating func feedDev(_ line: TextLine, _ u: UnsafeBufferPointer<UInt8>, stats: inout ParseStats,
                                  emit: RecordSink) throws {
        if Bytes.isBlank(u) { return }
        // Only lines starting `[`, `>` or `<` can be headers or section marks.
        let marks = u[0] == 0x5B || u[0] == 0x3E || u[0] == 0x3C
        // Header block: `[Device Install Log]` and its indented lines, up to `[BeginLog]`.
        if marks, Bytes.has(u, P.deviceInstallLog) {
            try flushHeader(emit: emit)
            headerLines.reset(line.text)
            headerLine = line.number
            return
        }
        if !headerLines.isEmpty {
            if (u[0] == 0x20 || u[0] == 0x09), headerLines.takes(line, pending: true, stats: &stats) {
                headerLines.append(line.text)
                return
            }
            try flushHeader(emit: emit)
        }
        if marks, Bytes.has(u, P.sectionOpen) {
            try flushSectionStart(emit: emit)
            if var open = run {
                // A new section before the last one ended: the last one is partial.
                open.succeeded = nil
                run = nil
                var r = open.record(dataset: Self.dataset, context: context, stats: &stats)
                stampCurrent(&r)
                try emit(&r)
            }
            var r = record(line, level: .information)
            var e = u.count
            while e > 0, u[e - 1] == 0x20 { e -= 1 }
            if e > 0, u[e - 1] == 0x5D { e -= 1 }
            let title = Bytes.string(u, P.sectionOpen.count, e)
            r.putExtra("setupapi", "section", .string(title))
            sectionExtras = r.extras
            var newRun = InstallRun(kind: "Device setup")
            newRun.product = title
            newRun.line = line.number
            run = newRun
            pendingSection = r
            hasPendingSection = true
            stats.count("setupapi_sections")
            return
        }
        if marks, Bytes.has(u, P.sectionStart) {
            var i = P.sectionStart.count
            Bytes.skipSpaces(u, &i)
            if let (d, secs, ms) = Self.dateTime(u, &i) {
                date = d
                dayOffset = 0
                lastSeconds = secs
                lastMillis = ms
            }
            if var r = pendingSection {
                r.message += "\n" + line.text
                pendingSection = r
                try flushSectionStart(emit: emit)
            } else {
                var r = record(line, level: .information)
                stampCurrent(&r)
                try emit(&r)
            }
            return
        }
        try flushSectionStart(emit: emit)
        if marks, Bytes.has(u, P.sectionEnd) {
            var i = P.sectionEnd.count
            Bytes.skipSpaces(u, &i)
            if let (d, secs, ms) = Self.dateTime(u, &i) {
                date = d
                dayOffset = 0
                lastSeconds = secs
                lastMillis = ms
            }
            var r = record(line, level: .information)
            if let e = sectionExtras { r.extras = e }
            stampCurrent(&r)
            try emit(&r)
            return
        }
        if marks, Bytes.has(u, P.exitStatus) {
            var e = u.count
            while e > 0, u[e - 1] == 0x20 { e -= 1 }
            if e > 0, u[e - 1] == 0x5D { e -= 1 }
            let status = Bytes.string(u, P.exitStatus.count, e)
            let ok = status.hasPrefix("SUCCESS")
            var r = record(line, level: ok ? .information : .error)
            if let e = sectionExtras { r.extras = e }
            r.putExtra("setupapi", "exit_status", .string(status))
            stampCurrent(&r)
            try emit(&r)
            var done = run ?? InstallRun(kind: "Device setup")
            run = nil
            done.exitCode = status
            done.succeeded = ok
            done.line = line.number
            if ok { done.failedAction = nil }
            var s = done.record(dataset: Self.dataset, context: context, stats: &stats)
            stampCurrent(&s)
            try emit(&s)
            return
        }
        if marks, Bytes.has(u, P.bootSession) || Bytes.has(u, P.beginLog) {
            var r = record(line, level: .information)
            var i = P.bootSession.count
            Bytes.skipSpaces(u, &i)
            if Bytes.has(u, P.bootSession), let (d, secs, ms) = Self.dateTime(u, &i),
               let (ts, src) = d.timestamp(seconds: secs, millis: ms, zone: zone) {
                r.timestamp = ts
                r.timeSource = src
            }
            try emit(&r)
            return
        }
        // Body line: `[!|!!!]    cat: text [time]`.
        var level = Severity.verbose
        var i = 0
        if Bytes.has(u, "!!!") { level = .error; i = 3 } else if u[0] == 0x21 { level = .warning; i = 1 }
        Bytes.skipSpaces(u, &i)
        // Filled in place: `body` is a copy of the template again once the last one was emitted.
        body.message = line.text
        body.line = line.number
        body.level = level
        body.provider = nil
        body.extras = sectionExtras ?? []
        body.timestamp = nil
        body.timeSource = nil
        let cs = i
        while i < u.count, i - cs < 8, u[i] != 0x3A, u[i] != 0x20 { i += 1 }
        if i < u.count, u[i] == 0x3A, i > cs, i - cs <= 4 {
            var key: UInt64 = UInt64(i - cs)
            for k in cs..<i { key = key << 8 | UInt64(u[k]) }
            if key != providerKey {
                providerKey = key
                providerText = String(decoding: UnsafeBufferPointer(rebasing: u[cs..<i]), as: UTF8.self)
            }
            body.provider = providerText
        }
        if let (secs, ms) = Self.trailingTime(u) { advance(secs, ms) }
        if let (ts, src) = currentTime() {
            body.timestamp = ts
            body.timeSource = src
        }
        if level == .error {
            run?.noteError(Bytes.string(u, 3, u.count))
        }
        try emit(&body)
        body = template
    }

    private mutating func advance(_ secs: Int, _ ms: Int) {
        if let last = lastSeconds, secs < last - 6 * 3600 { dayOffset += 1 }
        lastSeconds = secs
        lastMillis = ms
    }

    private func record(_ line: TextLine, level: Severity) -> Record {
        var r = template
        r.message = line.text
        r.line = line.number
        r.level = level
        return r
    }

    // `mutating` (as `currentTime`): called on a non-mutating method, `self` (over a kilobyte)
    // would be copied at every call.
    private mutating func stampCurrent(_ r: inout Record) {
        guard let (ts, src) = currentTime() else { return }
        r.timestamp = ts
        r.timeSource = src
    }

    /// The section's date with the last time of day a line stated, in UTC.
    private mutating func currentTime() -> (Timestamp, TimeSource)? {
        guard let date, let secs = lastSeconds else { return nil }
        return date.timestamp(seconds: secs, millis: lastMillis, dayOffset: dayOffset, zone: zone)
    }

    private mutating func flushSectionStart(emit: RecordSink) throws {
        guard hasPendingSection, var r = pendingSection else { return }
        pendingSection = nil
        hasPendingSection = false
        stampCurrent(&r)
        if var open = run, open.timestamp == nil {
            open.timestamp = r.timestamp
            run = open
        }
        try emit(&r)
    }

    private mutating func flushHeader(emit: RecordSink) throws {
        guard !headerLines.isEmpty else { return }
        var r = Record(dataset: Self.dataset, message: headerLines.joined(), filePath: context.sourcePath, line: headerLine)
        r.hostName = context.hostName
        r.level = .information
        headerLines.clear()
        try emit(&r)
    }

    /// The time of day that ends a body line, ` HH:mm:ss.fff` (exactly that width), as seconds of
    /// the day and milliseconds.
    @inline(__always)
    static func trailingTime(_ u: UnsafeBufferPointer<UInt8>) -> (Int, Int)? {
        let n = u.count
        guard n >= 13, u[n - 13] == 0x20, u[n - 10] == 0x3A, u[n - 7] == 0x3A, u[n - 4] == 0x2E else { return nil }
        // A byte below `0` wraps to a large value, so one compare per slot rejects every non-digit.
        @inline(__always) func d(_ k: Int) -> Int { Int(u[n - k] &- 0x30) }
        let h1 = d(12), h2 = d(11), m1 = d(9), m2 = d(8), s1 = d(6), s2 = d(5), f1 = d(3), f2 = d(2), f3 = d(1)
        guard h1 < 10, h2 < 10, m1 < 10, m2 < 10, s1 < 10, s2 < 10, f1 < 10, f2 < 10, f3 < 10 else { return nil }
        let h = h1 * 10 + h2, m = m1 * 10 + m2, s = s1 * 10 + s2
        guard h < 24, m < 60, s < 61 else { return nil }
        return (h * 3600 + m * 60 + min(s, 59), f1 * 100 + f2 * 10 + f3)
    }

    /// `yyyy/MM/dd HH:mm:ss.fff` at `i`.
    static func dateTime(_ u: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> (LocalClock, Int, Int)? {
        var k = i
        guard let y = Bytes.digits(u, &k, min: 4, max: 4), k < u.count, u[k] == 0x2F || u[k] == 0x2D else { return nil }
        k += 1
        guard let mo = Bytes.digits(u, &k, max: 2), k < u.count, u[k] == 0x2F || u[k] == 0x2D else { return nil }
        k += 1
        guard let d = Bytes.digits(u, &k, max: 2), k < u.count, u[k] == 0x20 else { return nil }
        k += 1
        guard let secs = Bytes.clock(u, &k) else { return nil }
        var ms = 0
        if k < u.count, u[k] == 0x2E {
            k += 1
            ms = Bytes.digits(u, &k, max: 3) ?? 0
        }
        i = k
        return (LocalClock(year: y, month: mo, day: d), secs, ms)
    }

    // MARK: legacy layout

    /// `[2005/02/13 22:06:27 1680.3 Driver Install]` → date, time, pid, tid.
    static func legacyHead(_ u: UnsafeBufferPointer<UInt8>) -> (LocalClock, Int, Int?, Int?)? {
        guard u.first == 0x5B else { return nil }
        var i = 1
        guard let (d, secs, _) = dateTime(u, &i) else { return nil }
        Bytes.skipSpaces(u, &i)
        var pid: Int?, tid: Int?
        if let p = Bytes.digits(u, &i, max: 10) {
            pid = p
            if i < u.count, u[i] == 0x2E { i += 1; tid = Bytes.digits(u, &i, max: 10) }
        }
        guard Bytes.find(u, [0x5D], from: i) != nil else { return nil }
        return (d, secs, pid, tid)
    }

    /// One line of the legacy layout; `u` is its UTF-8.
    private mutating func feedLegacy(_ line: TextLine, _ u: UnsafeBufferPointer<UInt8>, stats: inout ParseStats,
                                     emit: RecordSink) throws {
        if let (d, secs, pid, tid) = Self.legacyHead(u) {
            try flushLegacy(emit: emit)
            try closeLegacyRun(stats: &stats, emit: emit)
            date = d
            dayOffset = 0
            lastSeconds = secs
            lastMillis = 0
            legacyPID = pid
            legacyTID = tid
            var r = record(line, level: .information)
            r.processID = pid
            r.threadID = tid
            stampCurrent(&r)
            var newRun = InstallRun(kind: "Device setup")
            let title = Self.legacyTitle(u)
            newRun.product = title
            newRun.line = line.number
            if let title { newRun.extras.append(("setupapi.section", .string(title))) }
            legacyRun = newRun
            stats.count("setupapi_sections")
            try emit(&r)
            return
        }
        var i = 0
        if u.count > 15, u[0] == 0x40, u[1] == 0x20 {
            var k = 2
            if let secs = Bytes.clock(u, &k) {
                var ms = 0
                if k < u.count, u[k] == 0x2E { k += 1; ms = Bytes.digits(u, &k, max: 3) ?? 0 }
                advance(secs, ms)
                Bytes.skipSpaces(u, &k)
                i = k
            }
        }
        if i + 4 < u.count, u[i] == 0x23, Bytes.isDigit(u[i + 2]) || u[i + 2] == 0x2D {
            try flushLegacy(emit: emit)
            let kind = u[i + 1]
            var level: Severity
            switch kind {
            case UInt8(ascii: "E"): level = .error
            case UInt8(ascii: "W"): level = .warning
            case UInt8(ascii: "V"), UInt8(ascii: "T"): level = .verbose
            default: level = .information
            }
            if kind == UInt8(ascii: "-"), Self.statesFailure(u) { level = .error }
            legacyStatement(u, from: i, level: level, line: line)
            var r = record(line, level: level)
            var e = i + 1
            while e < u.count, u[e] != 0x20 { e += 1 }
            r.code = String(decoding: u[(i + 1)..<e], as: UTF8.self)
            r.processID = legacyPID
            r.threadID = legacyTID
            stampCurrent(&r)
            pending = r
            pendingLines.reset(line.text)
            return
        }
        if pendingLines.takes(line, pending: pending != nil, stats: &stats) {
            pendingLines.append(line.text)
            return
        }
        try flushLegacy(emit: emit)
        guard !Bytes.isBlank(u) else { return }
        // A line without a message id (the Windows 2000 layout): its words tell an error.
        let level: Severity = legacyRun != nil && Self.statesFailure(u) ? .error : .information
        if legacyRun != nil { legacyStatement(u, from: i, level: level, line: line) }
        var r = record(line, level: level)
        stampCurrent(&r)
        try emit(&r)
    }

    /// What a line of a legacy section says about its install run: a result, an error, the device.
    private mutating func legacyStatement(_ u: UnsafeBufferPointer<UInt8>, from i: Int, level: Severity, line: TextLine) {
        guard var run = legacyRun else { return }
        if legacyDevice == nil, let (q, n) = Bytes.find(u, P.installOf, from: i).map({ ($0, P.installOf.count) })
            ?? Bytes.find(u, P.driverFor, from: i).map({ ($0, P.driverFor.count) }) {
            let a = q + n
            var e = a
            while e < u.count, u[e] != 0x22 { e += 1 }
            if e < u.count, e > a { legacyDevice = String(decoding: UnsafeBufferPointer(rebasing: u[a..<e]), as: UTF8.self) }
        }
        if Bytes.findCI(u, P.finishedSuccessfully, from: i) != nil {
            legacyResult = true
            run.line = line.number
        } else if level == .error {
            legacyErrors += 1
            run.noteError(Bytes.string(u, i, u.count))
            if run.exitCode == nil, let code = Self.errorCodeText(u, from: i) { run.exitCode = code }
            if Bytes.findCI(u, P.installFailed, from: i) != nil || Bytes.findCI(u, P.finishedWithError, from: i) != nil {
                // The result line's code is the run's exit code.
                legacyResult = false
                run.line = line.number
                if let code = Self.errorCodeText(u, from: i) { run.exitCode = code }
            }
        }
        legacyRun = run
    }

    /// Emits the summary record of the open legacy section.
    private mutating func closeLegacyRun(stats: inout ParseStats, emit: RecordSink) throws {
        guard var run = legacyRun else { return }
        legacyRun = nil
        let ok = legacyResult ?? (legacyErrors == 0)
        run.succeeded = ok
        if let device = legacyDevice {
            run.extras.append(("setupapi.device", .string(device)))
            run.product = device
        }
        if ok { run.exitCode = nil } else if run.exitCode == nil { run.exitCode = "failed" }
        run.extras.append(("setupapi.errors", .int(Int64(legacyErrors))))
        legacyResult = nil
        legacyErrors = 0
        legacyDevice = nil
        var r = run.record(dataset: Self.dataset, context: context, stats: &stats)
        stampCurrent(&r)
        try emit(&r)
    }

    /// The title of a legacy section head, `[… 1680.3 Driver Install]` → `Driver Install`.
    static func legacyTitle(_ u: UnsafeBufferPointer<UInt8>) -> String? {
        var i = 1
        guard dateTime(u, &i) != nil else { return nil }
        Bytes.skipSpaces(u, &i)
        while i < u.count, Bytes.isDigit(u[i]) || u[i] == 0x2E { i += 1 }
        var e = u.count
        while e > i, u[e - 1] == 0x20 { e -= 1 }
        if e > i, u[e - 1] == 0x5D { e -= 1 }
        let t = Bytes.string(u, i, e)
        return t.isEmpty ? nil : t
    }

    /// Whether a legacy line without an error mark states an error or a failure: `Error 0x…`,
    /// `Error 2:`, `… failed`, `finished with error`.
    static func statesFailure(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        if Bytes.findCI(u, P.finishedWithError) != nil || Bytes.findCI(u, P.failedWord) != nil { return true }
        return errorCodeText(u, from: 0) != nil
    }

    /// The code of `Error 0xe0000219` / `Error 2:` in a line, as written (`0xe0000219`, `2`).
    static func errorCodeText(_ u: UnsafeBufferPointer<UInt8>, from: Int) -> String? {
        var k = from
        while let e = Bytes.findCI(u, P.errorSpace, from: k) {
            var i = e + P.errorSpace.count
            let a = i
            if i + 2 < u.count, u[i] == 0x30, u[i + 1] == 0x78 || u[i + 1] == 0x58 {
                i += 2
                if Bytes.hex(u, &i) != nil { return String(decoding: UnsafeBufferPointer(rebasing: u[a..<i]), as: UTF8.self).lowercased() }
            } else if Bytes.digits(u, &i, max: 10) != nil, i < u.count, u[i] == 0x3A || u[i] == 0x2E {
                return String(decoding: UnsafeBufferPointer(rebasing: u[a..<i]), as: UTF8.self)
            }
            k = e + 1
        }
        return nil
    }

    private mutating func flushLegacy(emit: RecordSink) throws {
        guard var r = pending.take() else { return }
        if pendingLines.count > 1 { r.message = pendingLines.joined() }
        pending = nil
        pendingLines.clear()
        try emit(&r)
    }

    enum P {
        static let sectionOpen = [UInt8](ascii: ">>>  [")
        static let sectionStart = [UInt8](ascii: ">>>  Section start")
        static let sectionEnd = [UInt8](ascii: "<<<  Section end")
        static let exitStatus = [UInt8](ascii: "<<<  [Exit status: ")
        static let deviceInstallLog = [UInt8](ascii: "[Device Install Log]")
        static let bootSession = [UInt8](ascii: "[Boot Session:")
        static let beginLog = [UInt8](ascii: "[BeginLog]")
        static let installOf = [UInt8](ascii: "install of \"")
        static let driverFor = [UInt8](ascii: "driver for \"")
        static let finishedSuccessfully = [UInt8](ascii: "finished successfully")
        static let finishedWithError = [UInt8](ascii: "finished with error")
        static let installFailed = [UInt8](ascii: "install failed")
        static let failedWord = [UInt8](ascii: " failed")
        static let errorSpace = [UInt8](ascii: "error ")
    }
}
