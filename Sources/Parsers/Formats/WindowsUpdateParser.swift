import LogRecord

extension Dataset {
    /// Windows Update client log (`Windows/WindowsUpdate.log`, or the text `Get-WindowsUpdateLog` writes).
    public static let windowsUpdate = "windows.update"
}

/// Windows Update client logs, in their two layouts (chosen once per file from its first lines):
/// - **legacy** (`Windows/WindowsUpdate.log` up to Windows Server 2012 R2), tab-separated:
///   `2021-08-28<TAB>11:05:07:920<TAB> 576<TAB>a70<TAB>Agent<TAB>text`, process and thread ids in
///   hex. Local time; every service start states its offset (`Logging initialized (build: …,
///   tz: +0530)`), which the lines after it (and those before the first, from the file's first
///   lines) use (`amt.time_source` `offset`); without one, the site zone.
/// - **ETW text** (what `Get-WindowsUpdateLog` writes on Windows 10 / Server 2016 and later):
///   `2024-04-11 12:48:04.6269606 1980  8444  Agent           text` (the date also with `.` or
///   `/`), ids in decimal (hex when a letter shows it), local time (site zone).
///
/// `event.provider` is the component (`Agent`, `Handler`, `Deployment`, `AU` …). Lines without
/// the head join the entry before.
///
/// Levels (`log.level`), as the client marks its lines: `FATAL:` and an install result that is a
/// failure are errors; `WARNING:` and `*FAILED* [hr]` (an internal call that failed, often retried)
/// are warnings; the rest information. On errors and warnings `error.code` is the code the line
/// states (`[8024402C]`, `hr=0x…`, `error = 0x…`), as `0x` + eight lower-case hex digits.
///
/// Each install result is one summary record (`InstallRun`, kind `Windows Update install`): the
/// ETW layout's `LogHistory called for …, idUpdate=<id>, operation = Install, resultMapped=<hr>`,
/// the legacy layout's `REPORT EVENT: … Content Install … Installation Failure: Windows failed to
/// install the following update with error 0x80070643: <title>.` (or `Installation Successful`).
/// The product is the update's title where the log gives it (`Title = …` followed by
/// `UpdateId = …`, or `Title=…, UpdateId=…`), else its id; `amt.update.id`, `amt.update.title`,
/// `amt.update.kb` (`KB5044035`) where known; the exit code is the result (also `error.code`).
public struct WindowsUpdateParser: TextFormatParser {
    public static let dataset = Dataset.windowsUpdate

    enum Layout { case legacy, etw }

    public static func score(lines: [String], path: String) -> Int {
        var legacy = 0, etw = 0, nonBlank = 0
        for line in lines {
            let u = Array(line.utf8.prefix(96))
            if Bytes.isBlank(u) { continue }
            nonBlank += 1
            u.withUnsafeBufferPointer { b in
                if let h = head(b) { if h.legacy { legacy += 1 } else { etw += 1 } }
            }
        }
        let heads = max(legacy, etw)
        guard heads >= 2, heads * 2 >= nonBlank else { return 0 }
        return legacy > etw ? 92 : 88
    }

    private let context: ParseContext
    private let zone: ZoneCache
    private let layout: Layout
    private var pending: PendingEntry
    private var statedOffset: Int?
    private var lastTime: (Timestamp, TimeSource)?
    private var providers = StringCache()
    /// Update titles by id (upper-case, revision left out), bounded.
    private var titles: [String: String] = [:]
    private var lastTitle: String?
    static let maxTitles = 4096

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        self.zone = ZoneCache(context.zone)
        self.pending = PendingEntry(template: RecordTemplate.make(dataset: Self.dataset, context: context))
        var legacy = 0, etw = 0
        var offset: Int?
        for line in sample {
            Array(line.utf8.prefix(512)).withUnsafeBufferPointer { u in
                guard let h = Self.head(u) else { return }
                if h.legacy { legacy += 1 } else { etw += 1 }
                if offset == nil, h.legacy { offset = Self.loggingOffset(u, h) }
            }
        }
        statedOffset = offset
        layout = legacy > etw ? .legacy : .etw
    }

    struct Head {
        var legacy: Bool
        var date: LocalClock
        var seconds: Int
        var millis: Int
        var pid: Int?
        var tid: Int?
        var component: Int
        var componentEnd: Int
        var text: Int
    }

    /// The head of a line in either layout.
    static func head(_ u: UnsafeBufferPointer<UInt8>) -> Head? {
        guard u.count >= 24 else { return nil }
        var i = 0
        guard let y = Bytes.digits(u, &i, min: 4, max: 4), i < u.count else { return nil }
        let sep = u[i]
        guard sep == 0x2D || sep == 0x2E || sep == 0x2F else { return nil }
        i += 1
        guard let mo = Bytes.digits(u, &i, min: 2, max: 2), i < u.count, u[i] == sep else { return nil }
        i += 1
        guard let d = Bytes.digits(u, &i, min: 2, max: 2), i < u.count else { return nil }
        let legacy = u[i] == 0x09
        guard legacy || u[i] == 0x20 else { return nil }
        i += 1
        guard let secs = Bytes.clock(u, &i), i < u.count else { return nil }
        var millis = 0
        if legacy {
            // `HH:mm:ss:fff`
            guard u[i] == 0x3A else { return nil }
            i += 1
            guard let ms = Bytes.digits(u, &i, min: 3, max: 3), i < u.count, u[i] == 0x09 else { return nil }
            millis = ms
            i += 1
        } else {
            guard u[i] == 0x2E else { return nil }
            i += 1
            var n = 0, f = 0
            while i < u.count, Bytes.isDigit(u[i]) {
                if n < 3 { f = f * 10 + Int(u[i] - 0x30) }
                n += 1
                i += 1
            }
            guard n > 0, i < u.count, u[i] == 0x20 else { return nil }
            for _ in min(n, 3)..<3 { f *= 10 }
            millis = f
        }
        // pid, tid
        func id(_ i: inout Int, hex: Bool) -> Int? {
            Bytes.skipSpaces(u, &i)
            let s = i
            var letters = false
            while i < u.count, Bytes.isHex(u[i]), i - s < 16 {
                if !Bytes.isDigit(u[i]) { letters = true }
                i += 1
            }
            guard i > s, i < u.count, u[i] == 0x20 || u[i] == 0x09 else { return nil }
            var k = s
            if hex || letters { return Bytes.hex(u, &k) }
            return Bytes.digits(u, &k, max: 16)
        }
        guard let pid = id(&i, hex: legacy), let tid = id(&i, hex: legacy) else { return nil }
        Bytes.skipSpaces(u, &i)
        let cs = i
        if legacy {
            while i < u.count, u[i] != 0x09, i - cs < 32 { i += 1 }
            guard i > cs, i < u.count, u[i] == 0x09 else { return nil }
        } else {
            while i < u.count, u[i] != 0x20, u[i] != 0x09, i - cs < 32 { i += 1 }
            guard i > cs else { return nil }
        }
        let ce = i
        if i < u.count { i += 1 }
        if !legacy { Bytes.skipSpaces(u, &i) }
        return Head(legacy: legacy, date: LocalClock(year: y, month: mo, day: d), seconds: secs, millis: millis,
                    pid: pid, tid: tid, component: cs, componentEnd: ce, text: i)
    }

    /// The offset of `Logging initialized (build: …, tz: +0530)`, in seconds.
    static func loggingOffset(_ u: UnsafeBufferPointer<UInt8>, _ h: Head) -> Int? {
        guard let p = Bytes.find(u, P.tz, from: h.text), p + 9 <= u.count else { return nil }
        let sign = u[p + 4]
        guard sign == 0x2B || sign == 0x2D else { return nil }
        var i = p + 5
        guard let v = Bytes.digits(u, &i, min: 4, max: 4) else { return nil }
        let minutes = (v / 100) * 60 + v % 100
        guard minutes <= 14 * 60 else { return nil }
        return (sign == 0x2D ? -1 : 1) * minutes * 60
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        try line.withUTF8 { u in
            guard let h = Self.head(u) else {
                if pending.join(line, stats: &stats) { return }
                try pending.emitAlone(line, blank: Bytes.isBlank(u), time: lastTime, emit)
                return
            }
            try pending.emit(emit)
            if h.legacy, let offset = Self.loggingOffset(u, h) { statedOffset = offset }
            let time = stamp(h)
            lastTime = time
            var level = Severity.information
            let t = h.text
            var i = t
            while i < u.count, u[i] == 0x20 || u[i] == 0x2A || u[i] == 0x23 || u[i] == 0x2D, i - t < 8 { i += 1 }
            if Bytes.has(u, "FATAL:", at: i) {
                level = .error
            } else if Bytes.has(u, "WARNING:", at: i) {
                level = .warning
            } else if Bytes.has(u, "*FAILED* [", at: t) {
                level = .warning
            }
            var r = pending.record
            r.message = line.text
            r.line = line.number
            r.level = level
            r.timestamp = time?.0
            r.timeSource = time?.1
            r.processID = h.pid
            r.threadID = h.tid
            r.provider = provider(u, h)
            r.errorCode = nil
            if level <= .warning {
                if Bytes.has(u, "*FAILED* [", at: t) {
                    var k = t + 10
                    let s = k
                    if let v = Bytes.hex(u, &k), k - s <= 8, v != 0 { r.errorCode = ServicingLog.hexCode(UInt32(v)) }
                }
                if r.errorCode == nil, let (code, _) = ServicingLog.errorCode(u, from: t, level: level) { r.errorCode = code }
            }
            pending.record = r
            pending.open(line.text)
            noteTitle(u, t)
            if let result = installResult(u, h) {
                if !result.succeeded {
                    pending.record.level = .error
                    pending.record.errorCode = result.code
                }
                try pending.emit(emit)
                var run = InstallRun(kind: "Windows Update install")
                run.succeeded = result.succeeded
                run.line = line.number
                run.timestamp = time?.0
                run.timeSource = time?.1
                run.product = result.title ?? result.id.map { "update \($0)" }
                if !result.succeeded {
                    run.exitCode = result.code
                    run.firstError = InstallRun.oneLine(Bytes.string(u, t, u.count))
                }
                if let id = result.id { run.extras.append(("update.id", .string(id))) }
                if let title = result.title { run.extras.append(("update.title", .string(title))) }
                if let kb = result.title.flatMap(Self.kb) { run.extras.append(("update.kb", .string(kb))) }
                var s = run.record(dataset: Self.dataset, context: context, stats: &stats)
                if !result.succeeded { s.errorCode = result.code }
                stats.count("update_installs")
                try emit(&s)
            }
        }
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try pending.emit(emit)
    }

    private mutating func stamp(_ h: Head) -> (Timestamp, TimeSource)? {
        if h.legacy, let offset = statedOffset {
            guard let midnight = h.date.midnight(dayOffset: 0) else { return nil }
            let micros = midnight + Int64(h.seconds - offset) * 1_000_000 + Int64(h.millis) * 1000
            return (Timestamp(microsecondsSinceEpoch: micros), .offset)
        }
        return h.date.timestamp(seconds: h.seconds, millis: h.millis, zone: zone)
    }

    private mutating func provider(_ u: UnsafeBufferPointer<UInt8>, _ h: Head) -> String? {
        let a = h.component, b = h.componentEnd
        guard b > a else { return nil }
        return providers.string(u, a..<b)
    }

    /// Keeps titles: `Title = X` (the id on the next line, `UpdateId = …`) or `Title=X, …, UpdateId=…,`.
    private mutating func noteTitle(_ u: UnsafeBufferPointer<UInt8>, _ t: Int) {
        var i = t
        while i < u.count, u[i] == 0x20 || u[i] == 0x2A, i - t < 8 { i += 1 }
        if Bytes.has(u, "Title = ", at: i) {
            lastTitle = Bytes.string(u, i + 8, u.count)
            return
        }
        if Bytes.has(u, "UpdateId = ", at: i) {
            if let title = lastTitle { keep(title, id: Self.idKey(u, i + 11)) }
            lastTitle = nil
            return
        }
        lastTitle = nil
        if Bytes.has(u, "Title=", at: i), let p = Bytes.find(u, P.updateIdEq, from: i) {
            var e = i + 6
            if let c = Bytes.find(u, P.productName, from: i, to: p) { e = c } else if let c = Bytes.find(u, P.comma, from: i, to: p) { e = c }
            keep(Bytes.string(u, i + 6, e), id: Self.idKey(u, p + P.updateIdEq.count))
        }
    }

    private mutating func keep(_ title: String, id: String?) {
        guard let id, !title.isEmpty, !title.hasPrefix("(null)") else { return }
        if titles[id] == nil, titles.count >= Self.maxTitles { return }
        titles[id] = title
    }

    /// An update id at `i` (`{GUID}.rev` or `GUID.rev`), upper-case, braces and revision left out.
    static func idKey(_ u: UnsafeBufferPointer<UInt8>, _ i: Int) -> String? {
        var s = i
        if s < u.count, u[s] == 0x7B { s += 1 }
        var e = s
        while e < u.count, Bytes.isHex(u[e]) || u[e] == 0x2D, e - s < 36 { e += 1 }
        guard e - s == 36 else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: u[s..<e]), as: UTF8.self).uppercased()
    }

    /// An id with its revision (`BA15B1F5-….200`) at `i`, as written.
    static func idWithRevision(_ u: UnsafeBufferPointer<UInt8>, _ i: Int) -> String? {
        var s = i
        if s < u.count, u[s] == 0x7B { s += 1 }
        var e = s
        var out: [UInt8] = []
        while e < u.count, Bytes.isHex(u[e]) || u[e] == 0x2D || u[e] == 0x2E || u[e] == 0x7D, e - s < 48 {
            if u[e] != 0x7D { out.append(u[e]) }
            e += 1
        }
        guard out.count >= 36 else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    struct Result {
        var succeeded: Bool
        var code: String?
        var id: String?
        var title: String?
    }

    /// The install result a line states, if it is one.
    private func installResult(_ u: UnsafeBufferPointer<UInt8>, _ h: Head) -> Result? {
        let t = h.text
        if Bytes.has(u, "LogHistory called for ", at: t) {
            guard Bytes.find(u, P.operationInstall, from: t) != nil,
                  let p = Bytes.find(u, P.resultMapped, from: t) else { return nil }
            var k = p + P.resultMapped.count
            if Bytes.has(u, "0x", at: k) { k += 2 }
            let s = k
            guard let v = Bytes.hex(u, &k), k - s <= 8 else { return nil }
            var id: String?, key: String?
            if let q = Bytes.find(u, P.idUpdate, from: t) {
                id = Self.idWithRevision(u, q + P.idUpdate.count)
                key = Self.idKey(u, q + P.idUpdate.count)
            }
            return Result(succeeded: v == 0, code: v == 0 ? nil : ServicingLog.hexCode(UInt32(v)), id: id,
                          title: key.flatMap { titles[$0] })
        }
        if h.legacy, Bytes.has(u, "REPORT EVENT: ", at: t) {
            guard Bytes.find(u, P.contentInstall, from: t) != nil else { return nil }
            let failure = Bytes.find(u, P.failureTab, from: t) != nil
            guard failure || Bytes.find(u, P.successTab, from: t) != nil else { return nil }
            // Fields: {event id}, time, n, event number, 101, {update id}, revision, hr, client, result, kind, text.
            var fields: [Range<Int>] = []
            var s = t + 14
            var k = s
            while k <= u.count, fields.count < 12 {
                if k == u.count || u[k] == 0x09 {
                    fields.append(s..<k)
                    s = k + 1
                }
                k += 1
            }
            var code: String?
            if fields.count > 7 {
                var c = fields[7].lowerBound
                if let v = Bytes.hex(u, &c), c == fields[7].upperBound, c - fields[7].lowerBound <= 8, v != 0 {
                    code = ServicingLog.hexCode(UInt32(v))
                }
            }
            var id: String?
            if fields.count > 6, let base = Self.idWithRevision(u, fields[5].lowerBound) {
                id = base + "." + Bytes.string(u, fields[6].lowerBound, fields[6].upperBound)
            }
            var title: String?
            if let last = fields.last, fields.count >= 12 {
                let text = Bytes.string(u, last.lowerBound, u.count)
                title = Self.reportTitle(text)
            }
            return Result(succeeded: !failure, code: failure ? code : nil, id: id, title: title)
        }
        return nil
    }

    /// The update's title in `Installation Failure: … with error 0x80070643: <title>.` or
    /// `Installation Successful: … the following update: <title>`.
    static func reportTitle(_ text: String) -> String? {
        var rest = Substring(text)
        if let r = rest.firstRange(of: "following update: ") {
            rest = rest[r.upperBound...]
        } else if let r = rest.firstRange(of: "with error 0x") {
            let after = rest[r.upperBound...]
            guard let colon = after.firstRange(of: ": ") else { return nil }
            rest = after[colon.upperBound...]
        } else {
            return nil
        }
        var title = String(rest.trimmingCharacters(in: " \t"))
        if title.hasSuffix(".") { title.removeLast() }
        return title.isEmpty ? nil : title
    }

    /// `KB5044035` in a title.
    static func kb(_ title: String) -> String? {
        let u = Array(title.utf8)
        var i = 0
        while i + 3 < u.count {
            if u[i] == 0x4B, u[i + 1] == 0x42, Bytes.isDigit(u[i + 2]), i == 0 || !Bytes.isDigit(u[i - 1]) && u[i - 1] != 0x4B {
                var e = i + 2
                while e < u.count, Bytes.isDigit(u[e]), e - i < 12 { e += 1 }
                if e - i >= 6 { return String(decoding: u[i..<e], as: UTF8.self) }
            }
            i += 1
        }
        return nil
    }

    enum P {
        static let tz = [UInt8](ascii: "tz: ")
        static let updateIdEq = [UInt8](ascii: "UpdateId=")
        static let productName = [UInt8](ascii: ", ProductName=")
        static let comma = [UInt8](ascii: ", ")
        static let operationInstall = [UInt8](ascii: "operation = Install")
        static let resultMapped = [UInt8](ascii: "resultMapped=")
        static let idUpdate = [UInt8](ascii: "idUpdate=")
        static let contentInstall = [UInt8](ascii: "\tContent Install\t")
        static let failureTab = [UInt8](ascii: "\tFailure\t")
        static let successTab = [UInt8](ascii: "\tSuccess\t")
    }
}
