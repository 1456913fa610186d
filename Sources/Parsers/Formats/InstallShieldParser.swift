import LogRecord

/// InstallShield `setup.exe /debuglog` and suite-engine logs: `M-d-yyyy[h:mm:ss AM]: text`.
///
/// The time in brackets follows the machine's locale: 12-hour with a designator after or before
/// the time (`AM`/`PM`, `a. m.`, `nachm.`, `午前`/`午後`, `오전`/`오후`, `上午`/`下午` …) or 24-hour.
/// The date is month first unless a first value above 12 in the first lines says day first.
/// Lines without the head (a value that spans lines with bare CR or LF) join the entry before.
/// Times are local (site zone).
///
/// One summary record per file (`InstallRun`): the result is `Setup returning N` /
/// `… returning N`, or the suite's `Original exit status` / `final exit status` (the final one
/// wins); 0, 3010 and 1641 are success. The product is `Product=` / `ProductName=` from the
/// setup.ini dump, the version `ProductVersion=`. No result: partial.
///
/// Levels (`log.level`):
/// | entry | level |
/// |---|---|
/// | text starting `Error`/`ERROR`/`Fatal`, a failing exit status | error |
/// | text starting `Warning`/`WARNING` | warning |
/// | `Extraction of '…' failed` (optional files such as `BetaMarker.dat`: not an error) | verbose |
/// | everything else | information |
public struct InstallShieldParser: TextFormatParser {
    public static let dataset = Dataset.installshield

    public static func score(lines: [String], path: String) -> Int {
        var hits = 0
        for line in lines where Array(line.utf8.prefix(64)).withUnsafeBufferPointer({ parseHead($0, dayFirst: false) }) != nil {
            hits += 1
        }
        return hits >= 2 ? 95 : hits == 1 ? 60 : 0
    }

    private let context: ParseContext
    private let zone: ZoneCache
    private let dayFirst: Bool
    private var run = InstallRun(kind: "InstallShield setup")
    /// The entry being framed.
    private var pending: PendingEntry
    private var firstLine: Int?
    private var lastTime: (Timestamp, TimeSource)?
    private var unknownDesignators = 0

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        self.pending = PendingEntry(template: RecordTemplate.make(dataset: Self.dataset, context: context))
        self.zone = ZoneCache(context.zone)
        var dayFirst = false
        for line in sample {
            let u = Array(line.utf8.prefix(16))
            var i = 0
            if let a = Bytes.digits(u, &i, max: 2), i < u.count, u[i] == 0x2D, a > 12 { dayFirst = true; break }
        }
        self.dayFirst = dayFirst
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        try line.withUTF8 { try feed(line, $0, stats: &stats, emit: emit) }
    }

    /// One line; `u` is its UTF-8.
    private mutating func feed(_ line: TextLine, _ u: UnsafeBufferPointer<UInt8>, stats: inout ParseStats,
                               emit: RecordSink) throws {
        guard let h = Self.parseHead(u, dayFirst: dayFirst) else {
            if pending.join(line, stats: &stats) { return }
            try pending.emit(emit)
            guard !Bytes.isBlank(u) else { return }
            var r = pending.template
            r.message = line.text
            r.line = line.number
            r.level = .information
            if let (ts, src) = lastTime { r.timestamp = ts; r.timeSource = src }
            try emit(&r)
            return
        }
        try pending.emit(emit)
        if firstLine == nil { firstLine = line.number }
        // Filled in place: `emit` left its record a copy of the template again.
        pending.record.message = line.text
        pending.record.line = line.number
        pending.record.level = .information
        pending.record.code = nil
        pending.record.timestamp = nil
        pending.record.timeSource = nil
        if h.unknownDesignator {
            unknownDesignators += 1
            if unknownDesignators == 1 { stats.note("line \(line.number.map(String.init) ?? "?"): unknown AM/PM designator, time read as 24-hour") }
        }
        if let (ts, src) = h.clock.timestamp(seconds: h.seconds, zone: zone) {
            pending.record.timestamp = ts
            pending.record.timeSource = src
            lastTime = (ts, src)
        } else {
            stats.recordProblem("line \(line.number.map(String.init) ?? "?"): impossible date")
        }
        Self.classify(u, from: h.textStart, record: &pending.record, run: &run, line: line.number)
        pending.open(line.text)
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try pending.emit(emit)
        guard firstLine != nil else { return }
        if run.succeeded == true { run.failedAction = nil }
        if run.succeeded == nil { run.line = firstLine }
        var r = run.record(dataset: Self.dataset, context: context, stats: &stats)
        if r.timestamp == nil, let (ts, src) = lastTime { r.timestamp = ts; r.timeSource = src }
        try emit(&r)
    }

    private static func classify(_ u: UnsafeBufferPointer<UInt8>, from t: Int, record r: inout Record, run: inout InstallRun, line: Int?) {
        if Bytes.has(u, P.extraction, at: t), Bytes.has(u, P.failed, at: u.count - P.failed.utf8CodeUnitCount) {
            r.level = .verbose
            return
        }
        if Bytes.has(u, P.product, at: t) || Bytes.has(u, P.productName, at: t) {
            let s = t + (Bytes.has(u, P.product, at: t) ? P.product.utf8CodeUnitCount : P.productName.utf8CodeUnitCount)
            let v = Bytes.string(u, s, u.count)
            if !v.isEmpty, run.product == nil { run.product = v }
            return
        }
        if Bytes.has(u, P.productVersion, at: t) {
            let v = Bytes.string(u, t + P.productVersion.utf8CodeUnitCount, u.count)
            if !v.isEmpty, run.version == nil { run.version = v }
            return
        }
        // Results (most lines have none: one look for the letter pairs that start either phrase).
        var code: (text: String, value: Int)?
        var isOriginal = false
        if !Self.mayStateResult(u, from: t) {
            // Neither `exit status` nor `setup returning ` is in the text.
        } else if let p = Bytes.findCI(u, P.exitStatus, from: t) {
            var i = p + P.exitStatus.count
            while i < u.count, u[i] == 0x3A || u[i] == 0x20 || u[i] == 0x3D { i += 1 }
            code = Self.number(u, &i)
            isOriginal = Bytes.findCI(u, P.original, from: t).map { $0 < p } ?? false
        } else if let p = Bytes.findCI(u, P.returning, from: t) {
            var i = p + P.returning.count
            code = Self.number(u, &i)
            if code != nil, i < u.count, u[i] != 0x20, u[i] != 0x2E { code = nil }
        }
        if let code {
            // `Original exit status` is what the package said; a later `final exit status` wins.
            if !isOriginal || run.exitCode == nil {
                run.exitCode = code.text
                run.succeeded = code.value == 0 || code.value == 3010 || code.value == 1641
                run.line = line
                run.timestamp = r.timestamp
                run.timeSource = r.timeSource
            }
            r.code = code.text
            if !(code.value == 0 || code.value == 3010 || code.value == 1641) {
                r.level = .error
                run.noteError(Bytes.string(u, t, u.count))
            }
            return
        }
        if Bytes.has(u, P.errorUpper, at: t) || Bytes.has(u, P.error, at: t) || Bytes.has(u, P.fatal, at: t) {
            r.level = .error
            run.noteError(Bytes.string(u, t, u.count))
        } else if Bytes.has(u, P.warning, at: t) || Bytes.has(u, P.warningUpper, at: t) {
            r.level = .warning
        }
    }

    /// `false` when `u[t...]` cannot hold `exit status` or `setup returning ` (any case): neither
    /// `xi` nor `p ` (pairs inside the phrases, rarer in text than their first letters) is at any
    /// position (eight positions per step, see `Bytes.findCI`).
    static func mayStateResult(_ u: UnsafeBufferPointer<UInt8>, from t: Int) -> Bool {
        guard let base = u.baseAddress else { return false }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let fold = ones &* 0x20
        var i = max(0, t)
        while i + 9 <= u.count {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) | fold
            let w1 = UInt64(littleEndian: UnsafeRawPointer(base + i + 1).loadUnaligned(as: UInt64.self)) | fold
            // Folding sets 0x20 in every byte: letters compare in lower case, space stays space.
            let xi = Bytes.zeroBytes(w ^ (ones &* 0x78)) & Bytes.zeroBytes(w1 ^ (ones &* 0x69))
            let pSpace = Bytes.zeroBytes(w ^ (ones &* 0x70)) & Bytes.zeroBytes(w1 ^ (ones &* 0x20))
            if xi | pSpace != 0 { return true }
            i += 8
        }
        while i + 1 < u.count {
            let a = u[i] | 0x20, b = u[i + 1] | 0x20
            if (a == 0x78 && b == 0x69) || (a == 0x70 && b == 0x20) { return true }
            i += 1
        }
        return false
    }

    /// `1603`, `-1`, `0x642` at `i`.
    static func number(_ u: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> (text: String, value: Int)? {
        let s = i
        if Bytes.hasCI(u, [0x30, 0x78], at: i) {
            var k = i + 2
            guard let v = Bytes.hex(u, &k) else { return nil }
            i = k
            return (String(decoding: u[s..<k], as: UTF8.self), Int(Int32(truncatingIfNeeded: v)))
        }
        guard let v = Bytes.int(u, &i) else { return nil }
        return (String(decoding: u[s..<i], as: UTF8.self), v)
    }

    struct Head {
        var clock: LocalClock
        var seconds: Int
        var textStart: Int
        var unknownDesignator: Bool
    }

    /// `10-22-2018[12:17:12 AM]: ` → date, time of day, where the text starts.
    static func parseHead(_ u: UnsafeBufferPointer<UInt8>, dayFirst: Bool) -> Head? {
        var i = 0
        guard let a = Bytes.digits(u, &i, max: 2), i < u.count, u[i] == 0x2D else { return nil }
        i += 1
        guard let b = Bytes.digits(u, &i, max: 2), i < u.count, u[i] == 0x2D else { return nil }
        i += 1
        guard let y = Bytes.digits(u, &i, min: 4, max: 4), i < u.count, u[i] == 0x5B else { return nil }
        i += 1
        // `]:` within the next 40 bytes.
        var close = i
        let closeEnd = min(u.count, i + 40) - 2
        while close <= closeEnd, u[close] != 0x5D || u[close + 1] != 0x3A { close += 1 }
        guard close <= closeEnd else { return nil }
        // Designator before the time (`오전 12:17:12`) or after it (`12:17:12 AM`).
        var k = i
        var designator: (Int, Int)? = nil
        if !Bytes.isDigit(u[k]) {
            let ds = k
            while k < close, u[k] != 0x20 { k += 1 }
            designator = (ds, k)
            Bytes.skipSpaces(u, &k)
        }
        guard var secs = Bytes.clock(u, &k) else { return nil }
        Bytes.skipSpaces(u, &k)
        if designator == nil, k < close { designator = (k, close) }
        var unknown = false
        if let (ds, de) = designator, de > ds {
            let hour = secs / 3600
            // The lists hold no upper-case ASCII, so "as written or ASCII-lower-cased equals an
            // entry" is "ASCII-lower-cased equals it", compared in place.
            // `AM`/`PM` (any case) first: the common designators, read without the lists.
            let ampm = de - ds == 2 && Bytes.lower(u[ds + 1]) == 0x6D ? Bytes.lower(u[ds]) : 0
            if ampm == 0x70 || (ampm != 0x61 && P.pm.contains(where: { $0.count == de - ds && Bytes.hasCI(u, $0, at: ds) })) {
                if hour < 12 { secs += 12 * 3600 }
            } else if ampm == 0x61 || P.am.contains(where: { $0.count == de - ds && Bytes.hasCI(u, $0, at: ds) }) {
                if hour == 12 { secs -= 12 * 3600 }
            } else {
                unknown = true
            }
        }
        let month = dayFirst ? b : a, day = dayFirst ? a : b
        var t = close + 2
        if t < u.count, u[t] == 0x20 { t += 1 }
        return Head(clock: LocalClock(year: y, month: month, day: day), seconds: secs, textStart: t, unknownDesignator: unknown)
    }

    enum P {
        // Literals for the tests made on every line (a literal costs nothing to reach); arrays for
        // the searches.
        static var extraction: StaticString { "Extraction of '" }
        static var failed: StaticString { "failed" }
        static var product: StaticString { "Product=" }
        static var productName: StaticString { "ProductName=" }
        static var productVersion: StaticString { "ProductVersion=" }
        static var error: StaticString { "Error" }
        static var errorUpper: StaticString { "ERROR" }
        static var fatal: StaticString { "Fatal" }
        static var warning: StaticString { "Warning" }
        static var warningUpper: StaticString { "WARNING" }
        static let exitStatus = [UInt8](ascii: "exit status")
        static let original = [UInt8](ascii: "original")
        static let returning = [UInt8](ascii: "setup returning ")
        /// Lower-cased or exact designators.
        static let am: [[UInt8]] = ["am", "a.m.", "a. m.", "vorm.", "午前", "上午", "오전", "πμ", "π.μ.", "ص", "ق.ظ", "fm", "de."].map { Array($0.utf8) }
        static let pm: [[UInt8]] = ["pm", "p.m.", "p. m.", "nachm.", "午後", "下午", "오후", "μμ", "μ.μ.", "م", "ب.ظ", "em", "du."].map { Array($0.utf8) }
    }
}
