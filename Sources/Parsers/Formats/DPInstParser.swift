import LogRecord

/// DPInst (Driver Package Installer) `DPINST.LOG`: `INFO:   text`, `SUCCESS:text`,
/// `WARNING:text`, `ERROR:  text`, runs appended one after the other.
///
/// A run starts with a banner of `INFO:   ****…` lines whose first line after the stars is the
/// run's date and time (`INFO:   06/23/2014 12:16:59`, month first unless the first value is above
/// 12); lines carry no time of their own, so every record of a run takes the run's start time
/// (local, site zone). Lines without a marker join the record before.
///
/// One summary record per run (`InstallRun`), at `INFO:   Returning with code 0x…`. DPInst's
/// return code is `0xWWXXYYZZ`: the run failed when WW has the 0x80 bit or XX (packages that could
/// not be installed) is not zero. The product is the first driver package named
/// (`Found driver package: '…\x.inf'`). A run with no return code is partial.
///
/// Levels (`log.level`): `ERROR:` error, `WARNING:` warning, `SUCCESS:`/`INFO:` information, a
/// failing return code error.
public struct DPInstParser: TextFormatParser {
    public static let dataset = Dataset.dpinst

    public static func score(lines: [String], path: String) -> Int {
        var hits = 0, stars = 0
        for line in lines {
            let u = Array(line.utf8.prefix(32))
            if u.withUnsafeBufferPointer({ marker($0) }) != nil { hits += 1 }
            if Bytes.has(u, P.stars) { stars += 1 }
        }
        if hits >= 3 && stars >= 1 { return 95 }
        if hits >= 5 && hits * 2 >= lines.count { return 70 }
        return 0
    }

    private let context: ParseContext
    private let zone: ZoneCache
    private var run: InstallRun?
    private var runTime: (Timestamp, TimeSource)?
    private var inBanner = false
    private var expectDate = false
    /// The entry being framed.
    private var pending: PendingEntry

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        self.zone = ZoneCache(context.zone)
        self.pending = PendingEntry(template: RecordTemplate.make(dataset: Self.dataset, context: context))
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        try line.withUTF8 { try feed(line, $0, stats: &stats, emit: emit) }
    }

    /// One line; `u` is its UTF-8.
    private mutating func feed(_ line: TextLine, _ u: UnsafeBufferPointer<UInt8>, stats: inout ParseStats,
                               emit: RecordSink) throws {
        guard let (level, textStart) = Self.marker(u) else {
            if pending.join(line, stats: &stats) { return }
            try pending.emit(emit)
            guard !Bytes.isBlank(u) else { return }
            var r = record(line, .information)
            stamp(&r)
            try emit(&r)
            return
        }
        if Bytes.has(u, P.stars, at: textStart) {
            try pending.emit(emit)
            if !inBanner {
                // A new run: the last one, if unfinished, is partial.
                try closeRun(stats: &stats, emit: emit)
                var r = InstallRun(kind: "Driver package install")
                r.line = line.number
                run = r
                inBanner = true
                expectDate = true
                runTime = nil
                stats.count("dpinst_runs")
            } else {
                inBanner = false
            }
        } else if expectDate {
            expectDate = false
            if let t = Self.date(u, textStart) { runTime = t.0.timestamp(seconds: t.seconds, zone: zone) }
            // The banner's first line waited for this date.
            if pending.isOpen, pending.record.timestamp == nil, let (ts, src) = runTime {
                pending.record.timestamp = ts
                pending.record.timeSource = src
            }
            try pending.emit(emit)
        } else {
            try pending.emit(emit)
        }
        if run == nil {
            var r = InstallRun(kind: "Driver package install")
            r.line = line.number
            run = r
        }
        // The entry is filled in place: `emit` left its record a copy of the template again.
        pending.record.message = line.text
        pending.record.line = line.number
        pending.record.level = level
        pending.record.code = nil
        pending.record.timestamp = runTime?.0
        pending.record.timeSource = runTime?.1
        if level == .error { run?.noteError(Bytes.string(u, textStart, u.count)) }
        if Bytes.has(u, P.foundPackage, at: textStart), run?.product == nil {
            var s = textStart + P.foundPackage.utf8CodeUnitCount
            Bytes.skipSpaces(u, &s)
            let path = Bytes.string(u, s, u.count).trimmingCharacters(in: "'.\"")
            run?.product = MSILogParser.fileName(String(path))
        }
        if Bytes.has(u, P.returning, at: textStart) {
            var i = textStart + P.returning.utf8CodeUnitCount
            Bytes.skipSpaces(u, &i)
            if let code = InstallShieldParser.number(u, &i) {
                let v = UInt32(truncatingIfNeeded: code.value)
                let failed = v & 0x8000_0000 != 0 || (v >> 16) & 0xFF != 0
                pending.record.code = code.text
                if failed { pending.record.level = .error }
                pending.open(line.text)
                try pending.emit(emit)
                if var done = run {
                    done.exitCode = code.text
                    done.succeeded = !failed
                    done.line = line.number
                    if !failed { done.failedAction = nil }
                    done.extras.append(("dpinst.installed", .int(Int64(v & 0xFF))))
                    done.extras.append(("dpinst.staged_only", .int(Int64((v >> 8) & 0xFF))))
                    done.extras.append(("dpinst.failed", .int(Int64((v >> 16) & 0xFF))))
                    done.extras.append(("dpinst.reboot_needed", .bool(v & 0x4000_0000 != 0)))
                    run = nil
                    var s = done.record(dataset: Self.dataset, context: context, stats: &stats)
                    stamp(&s)
                    try emit(&s)
                }
                return
            }
        }
        pending.open(line.text)
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try pending.emit(emit)
        try closeRun(stats: &stats, emit: emit)
    }

    private mutating func closeRun(stats: inout ParseStats, emit: RecordSink) throws {
        guard var open = run else { return }
        run = nil
        open.succeeded = nil
        var s = open.record(dataset: Self.dataset, context: context, stats: &stats)
        stamp(&s)
        try emit(&s)
    }

    private func record(_ line: TextLine, _ level: Severity) -> Record {
        var r = pending.template
        r.message = line.text
        r.line = line.number
        r.level = level
        return r
    }

    // `mutating`: called on a non-mutating method, `self` would be copied at every call.
    private mutating func stamp(_ r: inout Record) {
        if let (ts, src) = runTime { r.timestamp = ts; r.timeSource = src }
    }

    /// The marker at the start of a line and where its text starts. Every marker is eight bytes
    /// (DPInst pads them to eight columns; the padding tells its lines from other `INFO:`-prefixed
    /// logs such as Python's `INFO:root:…`): the first eight bytes are compared as one word.
    static func marker(_ u: UnsafeBufferPointer<UInt8>) -> (Severity, Int)? {
        guard u.count >= 8, let base = u.baseAddress else { return nil }
        let w = UInt64(littleEndian: UnsafeRawPointer(base).loadUnaligned(as: UInt64.self))
        let level: Severity
        switch w {
        case P.info, P.success: level = .information
        case P.warning: level = .warning
        case P.error: level = .error
        default: return nil
        }
        var i = 8
        Bytes.skipSpaces(u, &i)
        return (level, i)
    }

    /// `06/23/2014 12:16:59` at `i`.
    static func date(_ u: UnsafeBufferPointer<UInt8>, _ i: Int) -> (LocalClock, seconds: Int)? {
        var k = i
        guard let a = Bytes.digits(u, &k, max: 2), k < u.count, u[k] == 0x2F else { return nil }
        k += 1
        guard let b = Bytes.digits(u, &k, max: 2), k < u.count, u[k] == 0x2F else { return nil }
        k += 1
        guard let y = Bytes.digits(u, &k, min: 4, max: 4) else { return nil }
        Bytes.skipSpaces(u, &k)
        guard let secs = Bytes.clock(u, &k) else { return nil }
        let dayFirst = a > 12
        return (LocalClock(year: y, month: dayFirst ? b : a, day: dayFirst ? a : b), secs)
    }

    enum P {
        /// The markers as little-endian words of their eight bytes.
        static var info: UInt64 { Bytes.word("INFO:   ") }
        static var success: UInt64 { Bytes.word("SUCCESS:") }
        static var warning: UInt64 { Bytes.word("WARNING:") }
        static var error: UInt64 { Bytes.word("ERROR:  ") }
        // Literals, not arrays: they are tested on every line (a literal costs nothing to reach).
        static var stars: StaticString { "**********" }
        static var foundPackage: StaticString { "Found driver package:" }
        static var returning: StaticString { "Returning with code" }
    }
}
