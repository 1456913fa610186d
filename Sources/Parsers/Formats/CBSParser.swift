import LogRecord

extension Dataset {
    /// Component-Based Servicing log (`Windows/Logs/CBS/CBS*.log`, `CbsPersist_*.log`).
    public static let windowsCBS = "windows.cbs"
    /// DISM log (`Windows/Logs/DISM/dism.log`).
    public static let windowsDISM = "windows.dism"
}

/// Component-Based Servicing logs: `CBS.log` and its rolled `CbsPersist_*.log`, written by the
/// servicing stack (TrustedInstaller/TiWorker), SFC and DISM.
///
/// One entry per line `yyyy-MM-dd HH:mm:ss, Level<pad>Component<pad>text` (see `ServicingLog`
/// for the fields); lines without that head join the entry before. The log writes local time;
/// where it states the UTC time (`CBS    Universal Time is: 2023-05-17 15:25:12.358`, at every
/// servicing stack start) the offset it implies is used (`amt.time_source` `offset`), else the
/// site zone.
///
/// Levels (`log.level`) come from the level column: `Error` error, `Warning` warning, `Info`
/// information, `Perf` and `Debug` verbose. Failures CBS writes at `Info` with an HRESULT
/// (`Failed to … [HRESULT = 0x800f081f - CBS_E_SOURCE_MISSING]`) keep their level and carry
/// `error.code`/`error.type`.
public struct CBSParser: TextFormatParser {
    public static let dataset = Dataset.windowsCBS

    public static func score(lines: [String], path: String) -> Int {
        let (heads, dism, nonBlank) = ServicingLog.census(lines)
        guard heads >= 2, heads * 2 >= nonBlank else { return 0 }
        return dism * 2 > heads ? 80 : 92
    }

    private var log: ServicingLog

    public init(context: ParseContext, sample: [String]) {
        log = ServicingLog(dataset: Self.dataset, context: context, sample: sample, sessions: false)
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        try log.feed(line, stats: &stats, emit: emit)
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try log.finish(stats: &stats, emit: emit)
    }
}

/// The line layout CBS.log and dism.log share, and the reading both parsers do with it.
///
/// `2023-05-17 12:06:13, Error                 DISM   DISM Package Manager: PID=5372 TID=12244
/// Failed finalizing changes. - CDISMPackageManager::Internal_Finalize(hr:0x800f081f)`:
/// - `@timestamp`: the local time of the head (seconds), see `CBSParser` for the zone;
/// - `log.level`: the level column;
/// - `event.provider`: the component column (`CBS`, `CSI`, `DPX`, `DISM`); for DISM the
///   provider the text names before `: PID=` (`DISM Package Manager`) or `DISM.EXE`;
/// - `process.pid`, `process.thread.id`: `PID=` and `TID=` where stated;
/// - `error.code`: the first non-zero HRESULT the entry states (`[HRESULT = 0x…]`,
///   `HRESULT=0x…`, `(hr:0x…)`, `hr: 0x…`; else `[gle=0x…]`; else on error and warning lines a
///   bare `0x8…`/`0xC…` of eight digits), as `0x` + eight lower-case hex digits;
///   `error.type`: its symbolic name where the log gives one (`- CBS_E_SOURCE_MISSING`).
///
/// With `sessions`, DISM runs are summarized (`InstallRun`, kind `DISM command`): a run is a
/// `<----- Starting Dism.exe session ----->` … `<----- Ending Dism.exe session ----->` pair; the
/// product is the command line it executed; it failed when an error line was written in it, its
/// exit code being the last HRESULT an error line stated, its first error the explanation DISM
/// gives (`… - GetCbsErrorMsg`) or the first error line. Sessions that only query or show help
/// (no command that changes the image, no error) are not summarized.
struct ServicingLog {
    private let context: ParseContext
    private let zone: ZoneCache
    private let sessions: Bool
    private var pending: PendingEntry
    /// The UTC offset (seconds) the log last stated, if any.
    private var statedOffset: Int?
    /// The local day of the last head (its midnight is cached by `zone`).
    private var lastProviderKey: UInt64 = .max
    private var lastProvider: String?
    /// Whether the pending entry has an error code yet (continuation lines are searched until it does).
    private var pendingHasCode = false
    private var pendingLevel = Severity.information
    private var session: Session?
    private var lastTime: (Timestamp, TimeSource)?

    struct Session {
        var run: InstallRun
        var changes = false
        var failed = false
        var lastCode: String?
        var explanation: String?
    }

    init(dataset: String, context: ParseContext, sample: [String], sessions: Bool) {
        self.context = context
        self.zone = ZoneCache(context.zone)
        self.sessions = sessions
        self.pending = PendingEntry(template: RecordTemplate.make(dataset: dataset, context: context))
        // Lines before the first statement of the UTC time take the one the sample shows.
        for line in sample {
            let found = Array(line.utf8.prefix(512)).withUnsafeBufferPointer { u -> Int? in
                guard let h = Self.head(u) else { return nil }
                return Self.universalOffset(u, h)
            }
            if let found { statedOffset = found; break }
        }
    }

    /// Lines of the sample with the head layout, of those whose component is `DISM`, and non-blank lines.
    static func census(_ lines: [String]) -> (heads: Int, dism: Int, nonBlank: Int) {
        var heads = 0, dism = 0, nonBlank = 0
        for line in lines {
            let u = Array(line.utf8.prefix(96))
            if Bytes.isBlank(u) { continue }
            nonBlank += 1
            guard let h = u.withUnsafeBufferPointer({ head($0) }) else { continue }
            heads += 1
            if Bytes.has(u, "DISM", at: h.component), h.componentEnd - h.component == 4 { dism += 1 }
        }
        return (heads, dism, nonBlank)
    }

    /// Where the fields of a head line are.
    struct Head {
        var date: LocalClock
        var seconds: Int
        var level: Severity
        var component: Int
        var componentEnd: Int
        var text: Int
    }

    /// `yyyy-MM-dd HH:mm:ss, Level<spaces>Component<spaces>` at the start of `u`.
    static func head(_ u: UnsafeBufferPointer<UInt8>) -> Head? {
        guard u.count >= 23, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x20, u[13] == 0x3A, u[16] == 0x3A,
              u[19] == 0x2C, u[20] == 0x20 else { return nil }
        @inline(__always) func d(_ k: Int) -> Int { Int(u[k] &- 0x30) }
        for k in 0..<19 where k != 4 && k != 7 && k != 10 && k != 13 && k != 16 && d(k) > 9 { return nil }
        let year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3)
        let month = d(5) * 10 + d(6), day = d(8) * 10 + d(9)
        let h = d(11) * 10 + d(12), m = d(14) * 10 + d(15), s = d(17) * 10 + d(18)
        guard h < 24, m < 60, s < 61 else { return nil }
        var i = 20
        Bytes.skipSpaces(u, &i)
        let ls = i
        while i < u.count, u[i] != 0x20, u[i] != 0x09, i - ls < 16 { i += 1 }
        guard i > ls, i < u.count, u[i] == 0x20 || u[i] == 0x09 else { return nil }
        let level = Self.level(u, ls, i)
        Bytes.skipSpaces(u, &i)
        let cs = i
        while i < u.count, u[i] != 0x20, u[i] != 0x09, i - cs < 24 { i += 1 }
        guard i > cs else { return nil }
        let ce = i
        Bytes.skipSpaces(u, &i)
        return Head(date: LocalClock(year: year, month: month, day: day), seconds: h * 3600 + m * 60 + min(s, 59),
                    level: level, component: cs, componentEnd: ce, text: i)
    }

    static func level(_ u: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> Severity {
        switch b - a {
        case 4 where Bytes.has(u, "Info", at: a): return .information
        case 5 where Bytes.has(u, "Error", at: a): return .error
        case 7 where Bytes.has(u, "Warning", at: a): return .warning
        case 4 where Bytes.has(u, "Perf", at: a): return .verbose
        default:
            let word = String(decoding: UnsafeBufferPointer(rebasing: u[a..<b]), as: UTF8.self)
            return Severity(word: word) ?? .information
        }
    }

    /// The offset (seconds, rounded to a quarter hour) of `CBS    Universal Time is: yyyy-MM-dd
    /// HH:mm:ss.fff` from the head's local time.
    static func universalOffset(_ u: UnsafeBufferPointer<UInt8>, _ h: Head) -> Int? {
        guard Bytes.has(u, "Universal Time is: ", at: h.text) else { return nil }
        var i = h.text + 19
        guard let (d, secs, _) = SetupapiParser.dateTime(u, &i),
              let utcMidnight = d.midnight(dayOffset: 0), let localMidnight = h.date.midnight(dayOffset: 0) else { return nil }
        let local = localMidnight / 1_000_000 + Int64(h.seconds)
        let utc = utcMidnight / 1_000_000 + Int64(secs)
        let diff = local - utc
        guard abs(diff) <= 14 * 3600 else { return nil }
        let quarter = (diff >= 0 ? diff + 450 : diff - 450) / 900
        return Int(quarter * 900)
    }

    mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        try line.withUTF8 { u in
            guard let h = Self.head(u) else {
                if pending.join(line, stats: &stats) {
                    if !pendingHasCode, let (code, name) = Self.errorCode(u, from: 0, level: pendingLevel) {
                        pending.record.errorCode = code
                        pending.record.errorType = name
                        pendingHasCode = true
                    }
                    return
                }
                try pending.emitAlone(line, blank: Bytes.isBlank(u), time: lastTime, emit)
                return
            }
            try pending.emit(emit)
            if let offset = Self.universalOffset(u, h) { statedOffset = offset }
            let time = stamp(h)
            lastTime = time
            var r = pending.record
            r.message = line.text
            r.line = line.number
            r.level = h.level
            r.timestamp = time?.0
            r.timeSource = time?.1
            r.processID = nil
            r.threadID = nil
            r.errorCode = nil
            r.errorType = nil
            r.provider = provider(u, h)
            if let (pid, tid) = Self.pidTid(u, from: h.text) {
                r.processID = pid
                r.threadID = tid
            }
            let code = Self.errorCode(u, from: h.text, level: h.level)
            if let (c, name) = code {
                r.errorCode = c
                r.errorType = name
            }
            pending.record = r
            pendingHasCode = code != nil
            pendingLevel = h.level
            pending.open(line.text)
            if sessions { try trackSession(u, h, code: code?.0, line: line, time: time, stats: &stats, emit: emit) }
        }
    }

    mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try pending.emit(emit)
        try closeSession(partial: true, stats: &stats, emit: emit)
    }

    /// Local time of a head: with the offset the log stated, else the site zone.
    private mutating func stamp(_ h: Head) -> (Timestamp, TimeSource)? {
        if let offset = statedOffset {
            guard let midnight = h.date.midnight(dayOffset: 0) else { return nil }
            let micros = midnight + Int64(h.seconds - offset) * 1_000_000
            return (Timestamp(microsecondsSinceEpoch: micros), .offset)
        }
        return h.date.timestamp(seconds: h.seconds, zone: zone)
    }

    /// The provider: the component, or for DISM the one its text names. Made into a string once
    /// per change (components repeat from line to line).
    private mutating func provider(_ u: UnsafeBufferPointer<UInt8>, _ h: Head) -> String? {
        var a = h.component, b = h.componentEnd
        if b - a == 4, Bytes.has(u, "DISM", at: a) {
            if Bytes.has(u, "DISM.EXE:", at: h.text) {
                a = h.text
                b = h.text + 8
            } else if let p = Bytes.find(u, P.colonPID, from: h.text, to: min(u.count, h.text + 64)), p > h.text {
                a = h.text
                b = p
            }
        }
        guard b > a else { return nil }
        if b - a <= 7 {
            var key = UInt64(b - a)
            for k in a..<b { key = key << 8 | UInt64(u[k]) }
            if key == lastProviderKey { return lastProvider }
            lastProviderKey = key
            lastProvider = String(decoding: UnsafeBufferPointer(rebasing: u[a..<b]), as: UTF8.self)
            return lastProvider
        }
        return String(decoding: UnsafeBufferPointer(rebasing: u[a..<b]), as: UTF8.self)
    }

    /// `PID=n` and `TID=n` in the first bytes of the text.
    static func pidTid(_ u: UnsafeBufferPointer<UInt8>, from: Int) -> (Int, Int?)? {
        guard let p = Bytes.find(u, P.pid, from: from, to: min(u.count, from + 72)) else { return nil }
        var i = p + 4
        guard let pid = Bytes.digits(u, &i, max: 10) else { return nil }
        var tid: Int?
        if Bytes.has(u, " TID=", at: i) {
            i += 5
            tid = Bytes.digits(u, &i, max: 10)
        }
        return (pid, tid)
    }

    /// The first non-zero error code `u` states from `from` (see the type's comment for the
    /// forms, in order of preference), and its symbolic name.
    static func errorCode(_ u: UnsafeBufferPointer<UInt8>, from: Int, level: Severity) -> (String, String?)? {
        var gle: (String, String?)?
        var bare: (String, String?)?
        var i = max(0, from)
        let n = u.count
        while i + 2 < n {
            // `0x` followed by a hex digit.
            guard u[i] == 0x30, u[i + 1] == 0x78 || u[i + 1] == 0x58, Bytes.isHex(u[i + 2]) else { i += 1; continue }
            var k = i + 2
            var v: UInt64 = 0
            var digits = 0
            while k < n, Bytes.isHex(u[k]), digits < 17 {
                v = v << 4 | UInt64(Bytes.hexValue(u[k]))
                k += 1
                digits += 1
            }
            defer { i = k }
            guard digits <= 8, v != 0 else { continue }
            let code = hexCode(UInt32(v))
            let name = symbol(u, after: k)
            // What precedes the `0x`.
            var b = i
            while b > from, u[b - 1] == 0x20 { b -= 1 }
            if b > from, u[b - 1] == 0x3D || u[b - 1] == 0x3A {
                b -= 1
                while b > from, u[b - 1] == 0x20 { b -= 1 }
                if b >= from + 2, Bytes.lower(u[b - 1]) == 0x72, Bytes.lower(u[b - 2]) == 0x68 { return (code, name) }  // hr
                if b >= from + 7, Bytes.hasCI(u, P.hresult, at: b - 7) { return (code, name) }
                if b >= from + 3, Bytes.has(u, "gle", at: b - 3), gle == nil { gle = (code, name) }
            }
            if bare == nil, digits == 8, level <= .warning, u[i + 2] == 0x38 || Bytes.lower(u[i + 2]) == 0x63 {
                bare = (code, name)
            }
        }
        return gle ?? bare
    }

    /// `0x` and eight lower-case hex digits.
    static func hexCode(_ v: UInt32) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [0x30, 0x78]
        for shift in stride(from: 28, through: 0, by: -4) { out.append(hex[Int((v >> UInt32(shift)) & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// ` - NAME` (upper-case letters, digits, `_`) right after a code.
    static func symbol(_ u: UnsafeBufferPointer<UInt8>, after k: Int) -> String? {
        guard k + 3 < u.count, u[k] == 0x20, u[k + 1] == 0x2D, u[k + 2] == 0x20 else { return nil }
        var e = k + 3
        while e < u.count, e - k < 80,
              (u[e] >= 0x41 && u[e] <= 0x5A) || Bytes.isDigit(u[e]) || u[e] == 0x5F { e += 1 }
        guard e - (k + 3) >= 3, e == u.count || !(u[e] >= 0x61 && u[e] <= 0x7A) else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: u[(k + 3)..<e]), as: UTF8.self)
    }

    // MARK: DISM sessions

    private mutating func trackSession(_ u: UnsafeBufferPointer<UInt8>, _ h: Head, code: String?, line: TextLine,
                                       time: (Timestamp, TimeSource)?, stats: inout ParseStats,
                                       emit: RecordSink) throws {
        let t = h.text
        guard Bytes.has(u, "DISM", at: h.component) else { return }
        if Bytes.has(u, "DISM.EXE: <----- Starting Dism.exe session", at: t) {
            // The head line first, then the summary of the session it interrupts (if any).
            try pending.emit(emit)
            try closeSession(partial: true, stats: &stats, emit: emit)
            var run = InstallRun(kind: "DISM command")
            run.line = line.number
            run.timestamp = time?.0
            run.timeSource = time?.1
            session = Session(run: run)
            stats.count("dism_sessions")
            return
        }
        guard session != nil else { return }
        if Bytes.has(u, "DISM.EXE: Executing command line: ", at: t) {
            let command = Bytes.string(u, t + 34, u.count)
            session!.run.product = command
            session!.changes = Self.changesImage(command)
            return
        }
        if Bytes.has(u, "DISM.EXE: <----- Ending Dism.exe session", at: t) {
            session!.run.line = line.number
            session!.run.timestamp = time?.0
            session!.run.timeSource = time?.1
            try pending.emit(emit)
            try closeSession(partial: false, stats: &stats, emit: emit)
            return
        }
        guard h.level == .error else { return }
        session!.failed = true
        let text = Bytes.string(u, t, u.count)
        session!.run.noteError(text)
        if let code { session!.lastCode = code }
        if session!.explanation == nil, Bytes.has(u, " - GetCbsErrorMsg", at: u.count - 17) {
            var e = u.count - 17
            var s = t
            if let p = Bytes.find(u, P.tid, from: t, to: min(u.count, t + 72)) {
                s = p + 4
                while s < e, Bytes.isDigit(u[s]) { s += 1 }
            } else if let p = Bytes.find(u, P.colon, from: t, to: min(u.count, t + 40)) {
                s = p + 2
            }
            while e > s, u[e - 1] == 0x20 { e -= 1 }
            session!.explanation = InstallRun.oneLine(Bytes.string(u, s, e))
        }
    }

    private mutating func closeSession(partial: Bool, stats: inout ParseStats, emit: RecordSink) throws {
        guard var s = session else { return }
        session = nil
        guard s.changes || s.failed else { return }
        s.run.succeeded = partial ? nil : !s.failed
        if s.failed {
            s.run.exitCode = s.lastCode
            if let e = s.explanation { s.run.firstError = e }
        } else {
            s.run.firstError = nil
        }
        var r = s.run.record(dataset: pending.template.dataset, context: context, stats: &stats)
        if s.failed { r.errorCode = s.lastCode }
        try emit(&r)
    }

    /// Whether a DISM command line changes the image (enables, adds, removes, repairs, cleans),
    /// rather than querying it or showing help.
    static func changesImage(_ command: String) -> Bool {
        let l = command.lowercased()
        for verb in ["/enable-feature", "/disable-feature", "/add-package", "/remove-package", "/cleanup-image",
                     "/restorehealth", "/add-capability", "/remove-capability", "/add-driver", "/remove-driver",
                     "/add-provisionedappxpackage", "/remove-provisionedappxpackage", "/apply-image",
                     "/set-edition", "/apply-unattend", "/enablefeature", "/add-feature"]
        where l.contains(verb) {
            // `/cleanup-image /scanhealth` and `/checkhealth` only look.
            if verb == "/cleanup-image", l.contains("/checkhealth") || l.contains("/scanhealth") { continue }
            return true
        }
        return false
    }

    enum P {
        static let colonPID = [UInt8](ascii: ": PID=")
        static let pid = [UInt8](ascii: "PID=")
        static let tid = [UInt8](ascii: "TID=")
        static let colon = [UInt8](ascii: ": ")
        static let hresult = [UInt8](ascii: "hresult")
    }
}
