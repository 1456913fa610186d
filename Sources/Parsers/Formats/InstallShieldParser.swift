import LogRecord

/// InstallShield `setup.exe /debuglog` and suite-engine logs: `M-d-yyyy[h:mm:ss AM]: text`.
///
/// The time in brackets follows the machine's locale: 12-hour with a designator after or before
/// the time (`AM`/`PM`, `a. m.`, `nachm.`, `午前`/`午後`, `오전`/`오후`, `上午`/`下午` …) or 24-hour.
/// The date is month first unless a first value above 12 in the first lines says day first.
/// Lines without the head (a value that spans lines with bare CR or LF) join the entry before.
/// Times are local (site zone).
///
/// One summary record per file (`InstallRun`). The result is what the process returned, read from
/// the strongest statement the log makes (a weaker one never replaces a stronger one, a later one
/// of the same strength does):
/// 1. `final exit status: X` (also in `Original exit status: Y, final exit status: X`: the original
///    status is kept as `amt.installshield.original_exit_status`) and `Setup returning N`;
/// 2. the suite engine's `…, final status: N`;
/// 3. `Original exit status: Y` alone.
/// 0, 3010 and 1641 are success. A statement in a continuation line (a value that spans lines)
/// counts as well. The suite status `IDS_SUITE_INTERRUPTED` marks the run interrupted:
/// `amt.install.interrupted` is `cancelled` when the log shows a cancel (exit status 1602 /
/// 0x80070642, 1223 / 0x800704C7, or a line saying the user cancelled), else `failed`; an
/// interrupted run with no exit status is a failure all the same. The product is `Product=` /
/// `ProductName=` from the setup.ini dump or the suite's `property 'ProductName' value now '…'`,
/// the version `ProductVersion=` or `property 'ProductVersion'`. An `Action 'X' returned status N`
/// with N not 0 is an InstallScript action that failed: the first one is the failed action
/// (`amt.install.failed_action` `action X`, unless the run succeeded or was cancelled) and its line
/// the first error. No result: partial.
///
/// Levels (`log.level`):
/// | entry | level |
/// |---|---|
/// | text starting `Error`/`ERROR`/`Fatal`, a failing exit status, `IDS_SUITE_INTERRUPTED`, `Action 'X' returned status` not 0 | error |
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
    /// How strong the result in `run` is (see the type's documentation); 0: none yet.
    private var resultRank = 0
    /// `IDS_SUITE_INTERRUPTED` was seen, and whether the log shows a cancel.
    private var interrupted = false
    private var sawCancel = false

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
            if pending.join(line, stats: &stats) {
                // A value that spans lines: a result stated on the continuation counts.
                if Self.mayStateResult(u, from: 0) {
                    var r = pending.record
                    classifyResult(u, from: 0, record: &r, line: line.number)
                    if r.level == .error { pending.record.level = .error }
                    if pending.record.code == nil { pending.record.code = r.code }
                }
                return
            }
            try pending.emitAlone(line, blank: Bytes.isBlank(u), level: .information, time: lastTime, emit)
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
        var r = pending.record
        classify(u, from: h.textStart, record: &r, line: line.number)
        pending.record = r
        pending.open(line.text)
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try pending.emit(emit)
        guard firstLine != nil else { return }
        if interrupted {
            let code = run.exitCode.flatMap { Self.number(Array($0.utf8)) }
            let cancelled = sawCancel || code.map { Self.cancelCodes.contains($0) } == true
            // An interrupted suite did not install what it set out to, whatever it returned.
            if run.succeeded != false {
                run.succeeded = false
                if run.line == nil { run.line = interruptedLine }
                if run.timestamp == nil { (run.timestamp, run.timeSource) = (interruptedTime?.0, interruptedTime?.1) }
            }
            run.interruption = cancelled ? "cancelled" : "failed"
            run.extras.append(("install.interrupted", .string(cancelled ? "cancelled" : "failed")))
            if cancelled { run.failedAction = nil }
        }
        if run.succeeded == true { run.failedAction = nil }
        if run.succeeded == nil { run.line = firstLine }
        var r = run.record(dataset: Self.dataset, context: context, stats: &stats)
        if r.timestamp == nil, let (ts, src) = lastTime { r.timestamp = ts; r.timeSource = src }
        try emit(&r)
    }

    /// Exit codes that mean the user cancelled: 1602 (`ERROR_INSTALL_USEREXIT`), 1223
    /// (`ERROR_CANCELLED`), as such or as HRESULTs (0x80070642, 0x800704C7).
    static let cancelCodes: Set<Int> = [1602, 1223, Int(Int32(bitPattern: 0x8007_0642)), Int(Int32(bitPattern: 0x8007_04C7))]

    private var interruptedLine: Int?
    private var interruptedTime: (Timestamp?, TimeSource?)?

    private mutating func classify(_ u: UnsafeBufferPointer<UInt8>, from t: Int, record r: inout Record, line: Int?) {
        if Bytes.has(u, P.extraction, at: t), Bytes.has(u, P.failed, at: u.count - P.failed.utf8CodeUnitCount) {
            r.level = .verbose
            return
        }
        if Bytes.has(u, P.engineProperty, at: t) {
            property(u, from: t + P.engineProperty.utf8CodeUnitCount, record: &r, line: line)
            return
        }
        if !sawCancel, Bytes.findCI(u, P.cancel, from: t) != nil, Bytes.findCI(u, P.user, from: t) != nil {
            sawCancel = true
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
        if Bytes.has(u, P.actionQuote, at: t), let p = Bytes.find(u, P.returnedStatus, from: t) {
            // `Action 'Name' returned status 0x80070643`: an InstallScript action of the suite failed.
            var i = p + P.returnedStatus.count
            if let code = Self.number(u, &i), code.value != 0 {
                r.level = .error
                r.code = code.text
                let ns = t + P.actionQuote.utf8CodeUnitCount
                if run.failedAction == nil, let q = Bytes.find(u, P.quote, from: ns), q > ns {
                    run.failedAction = "action " + Bytes.string(u, ns, q)
                }
                run.noteError(Bytes.string(u, t, u.count))
            }
            return
        }
        if Self.mayStateResult(u, from: t), classifyResult(u, from: t, record: &r, line: line) { return }
        if Bytes.has(u, P.errorUpper, at: t) || Bytes.has(u, P.error, at: t) || Bytes.has(u, P.fatal, at: t) {
            r.level = .error
            run.noteError(Bytes.string(u, t, u.count))
        } else if Bytes.has(u, P.warning, at: t) || Bytes.has(u, P.warningUpper, at: t) {
            r.level = .warning
        }
    }

    /// The result `u[t...]` states, if any, taken into `run` when it is at least as strong as the
    /// one there (see the type's documentation); `true` when the text states one.
    @discardableResult
    private mutating func classifyResult(_ u: UnsafeBufferPointer<UInt8>, from t: Int, record r: inout Record, line: Int?) -> Bool {
        var code: (text: String, value: Int)?
        var rank = 0
        if let p = Bytes.findLastCI(u, P.exitStatus, from: t) {
            // `Original exit status: 0x1, final exit status: 0x0`: the last statement is the final one.
            var i = p + P.exitStatus.count
            while i < u.count, u[i] == 0x3A || u[i] == 0x20 || u[i] == 0x3D { i += 1 }
            code = Self.number(u, &i)
            let original = Bytes.findLastCI(u, P.original, from: t, before: p)
            let final = Bytes.findLastCI(u, P.final, from: t, before: p)
            let isOriginal = original != nil && (final.map { $0 < original! } ?? true)
            rank = isOriginal ? 1 : 3
            if !isOriginal, let o = original, o < p {
                // The original status stated before the final one on the same line.
                var k = o + P.original.count
                if let e = Bytes.findCI(u, P.exitStatus, from: k), e < p {
                    k = e + P.exitStatus.count
                    while k < u.count, u[k] == 0x3A || u[k] == 0x20 || u[k] == 0x3D { k += 1 }
                    if let orig = Self.number(u, &k) {
                        run.extras.removeAll { $0.0 == "installshield.original_exit_status" }
                        run.extras.append(("installshield.original_exit_status", .string(orig.text)))
                    }
                }
            }
        } else if let p = Bytes.findCI(u, P.finalStatus, from: t) {
            var i = p + P.finalStatus.count
            while i < u.count, u[i] == 0x3A || u[i] == 0x20 || u[i] == 0x3D { i += 1 }
            code = Self.number(u, &i)
            rank = 2
        } else if let p = Bytes.findCI(u, P.returning, from: t) {
            var i = p + P.returning.count
            code = Self.number(u, &i)
            if code != nil, i < u.count, u[i] != 0x20, u[i] != 0x2E { code = nil }
            rank = 3
        }
        guard let code else { return false }
        let ok = code.value == 0 || code.value == 3010 || code.value == 1641
        if rank >= resultRank {
            if rank == 1 {
                run.extras.removeAll { $0.0 == "installshield.original_exit_status" }
                run.extras.append(("installshield.original_exit_status", .string(code.text)))
            }
            resultRank = rank
            run.exitCode = code.text
            run.succeeded = ok
            run.line = line
            run.timestamp = r.timestamp
            run.timeSource = r.timeSource
        }
        r.code = code.text
        if Self.cancelCodes.contains(code.value) { sawCancel = true }
        if !ok {
            r.level = .error
            run.noteError(Bytes.string(u, t, u.count))
        }
        return true
    }

    /// `Engine: property 'Name' value now 'Value'` (the suite engine's property changes), from `s`
    /// (after `Engine: property '`): the product, its version and the suite's install status.
    private mutating func property(_ u: UnsafeBufferPointer<UInt8>, from s: Int, record r: inout Record, line: Int?) {
        guard let q = Bytes.find(u, P.quote, from: s), Bytes.has(u, P.valueNow, at: q) else { return }
        let vs = q + P.valueNow.count
        var ve = u.count
        while ve > vs, u[ve - 1] != 0x27 { ve -= 1 }
        guard ve > vs else { return }
        let value = Bytes.string(u, vs, ve - 1)
        guard !value.isEmpty else { return }
        if Bytes.has(u, P.nameProductName, at: s), q - s == P.nameProductName.count {
            if run.product == nil { run.product = value }
        } else if Bytes.has(u, P.nameProductVersion, at: s), q - s == P.nameProductVersion.count {
            if run.version == nil { run.version = value }
        } else if Bytes.has(u, P.nameInstallStatus, at: s), q - s == P.nameInstallStatus.count,
                  Bytes.has(u, P.interrupted, at: vs), ve - 1 - vs == P.interrupted.count {
            r.level = .error
            if !interrupted {
                interrupted = true
                interruptedLine = line
                interruptedTime = (r.timestamp, r.timeSource)
                run.noteError("Setup interrupted (IDS_SUITE_INTERRUPTED)")
            }
        }
    }

    /// `1603`, `-1`, `0x642` as the whole of `u`.
    static func number(_ u: [UInt8]) -> Int? {
        u.withUnsafeBufferPointer { b in
            var i = 0
            guard let v = number(b, &i), i == b.count else { return nil }
            return v.value
        }
    }

    /// `false` when `u[t...]` cannot hold `exit status`, `final status` or `setup returning ` (any
    /// case): none of `xi`, `p ` and `l s` (pairs inside the phrases, rarer in text than their first
    /// letters) is at any position (eight positions per step, see `Bytes.findCI`).
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
            let lSpace = Bytes.zeroBytes(w ^ (ones &* 0x6C)) & Bytes.zeroBytes(w1 ^ (ones &* 0x20))
            if xi | pSpace | lSpace != 0 { return true }
            i += 8
        }
        while i + 1 < u.count {
            let a = u[i] | 0x20, b = u[i + 1] | 0x20
            if (a == 0x78 && b == 0x69) || (a == 0x70 && b == 0x20) || (a == 0x6C && b == 0x20) { return true }
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
        static let finalStatus = [UInt8](ascii: "final status")
        static let original = [UInt8](ascii: "original")
        static let final = [UInt8](ascii: "final")
        static var engineProperty: StaticString { "Engine: property '" }
        static var actionQuote: StaticString { "Action '" }
        static let returnedStatus = [UInt8](ascii: "' returned status ")
        static let quote = [UInt8](ascii: "'")
        static let valueNow = [UInt8](ascii: "' value now '")
        static let nameProductName = [UInt8](ascii: "ProductName")
        static let nameProductVersion = [UInt8](ascii: "ProductVersion")
        static let nameInstallStatus = [UInt8](ascii: "ISInstallStatus")
        static let interrupted = [UInt8](ascii: "IDS_SUITE_INTERRUPTED")
        static let cancel = [UInt8](ascii: "cancel")
        static let user = [UInt8](ascii: "user")
        static let returning = [UInt8](ascii: "setup returning ")
        /// Lower-cased or exact designators.
        static let am: [[UInt8]] = ["am", "a.m.", "a. m.", "vorm.", "午前", "上午", "오전", "πμ", "π.μ.", "ص", "ق.ظ", "fm", "de."].map { Array($0.utf8) }
        static let pm: [[UInt8]] = ["pm", "p.m.", "p. m.", "nachm.", "午後", "下午", "오후", "μμ", "μ.μ.", "م", "ب.ظ", "em", "du."].map { Array($0.utf8) }
    }
}
