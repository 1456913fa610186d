import LogRecord

/// What an ERRORLOG says about the SQL Server instance that wrote it.
///
/// `SQLErrorlogParser` emits these as one fact record at the end of the file: a record with
/// `amt.fact = true` and `amt.sql.server.{product, version, edition, instance, name,
/// utc_adjustment_minutes, process_id, os}` (fields the log does not state are left out), message
/// `SQL Server facts: …`, timestamp of the version line. `SQLServerFacts(record:)` reads it back and
/// `SQLServerFacts.merge(_:)` combines facts from several ERRORLOG files (the newest first).
public struct SQLServerFacts: Sendable, Equatable {
    /// `Microsoft SQL Server 2019 (RTM-CU18) (KB5017593)`: the product line before ` - version`.
    public var product: String?
    /// `15.0.4261.1`.
    public var version: String?
    /// `Standard Edition (64-bit)`.
    public var edition: String?
    /// The instance name: `MSSQLSERVER` for the default instance.
    public var instance: String?
    /// `Server name is '…'`: the machine, or `machine\instance`.
    public var serverName: String?
    /// The `UTC adjustment:` of the log, minutes east of UTC (`-5:00` → -300).
    public var utcAdjustmentMinutes: Int?
    public var processID: Int?
    /// The Windows version the server reports (`Windows Server 2019 Standard 10.0 <X64> …`).
    public var operatingSystem: String?

    public init() {}

    /// `true` when nothing is known.
    public var isEmpty: Bool { self == SQLServerFacts() }

    /// Reads the facts back from a fact record; `nil` for any other record.
    public init?(record: Record) {
        guard record.dataset == Dataset.sqlErrorlog, record.extra("fact") == .bool(true) else { return nil }
        product = record.extra("sql.server.product")?.stringValue
        version = record.extra("sql.server.version")?.stringValue
        edition = record.extra("sql.server.edition")?.stringValue
        instance = record.extra("sql.server.instance")?.stringValue
        serverName = record.extra("sql.server.name")?.stringValue
        utcAdjustmentMinutes = record.extra("sql.server.utc_adjustment_minutes")?.intValue.map { Int($0) }
        processID = record.extra("sql.server.process_id")?.intValue.map { Int($0) }
        operatingSystem = record.extra("sql.server.os")?.stringValue
    }

    /// Fills the fields this value lacks from `other`.
    public func merge(_ other: SQLServerFacts) -> SQLServerFacts {
        var m = self
        m.product = product ?? other.product
        m.version = version ?? other.version
        m.edition = edition ?? other.edition
        m.instance = instance ?? other.instance
        m.serverName = serverName ?? other.serverName
        m.utcAdjustmentMinutes = utcAdjustmentMinutes ?? other.utcAdjustmentMinutes
        m.processID = processID ?? other.processID
        m.operatingSystem = operatingSystem ?? other.operatingSystem
        return m
    }

    /// The facts as `amt.*` extras and a sentence.
    func apply(to r: inout Record) {
        r.setExtra("fact", .bool(true))
        if let product { r.setExtra("sql.server.product", .string(product)) }
        if let version { r.setExtra("sql.server.version", .string(version)) }
        if let edition { r.setExtra("sql.server.edition", .string(edition)) }
        if let instance { r.setExtra("sql.server.instance", .string(instance)) }
        if let serverName { r.setExtra("sql.server.name", .string(serverName)) }
        if let utcAdjustmentMinutes { r.setExtra("sql.server.utc_adjustment_minutes", .int(Int64(utcAdjustmentMinutes))) }
        if let processID { r.setExtra("sql.server.process_id", .int(Int64(processID))) }
        if let operatingSystem { r.setExtra("sql.server.os", .string(operatingSystem)) }
        var parts: [String] = []
        if let product { parts.append(product) }
        if let version { parts.append("version \(version)") }
        if let edition { parts.append(edition) }
        if let instance { parts.append("instance \(instance)") }
        if let serverName { parts.append("server \(serverName)") }
        if let m = utcAdjustmentMinutes {
            let sign = m < 0 ? "-" : "+"
            let a = abs(m)
            parts.append("UTC adjustment \(sign)\(a / 60):\(a % 60 < 10 ? "0" : "")\(a % 60)")
        }
        r.message = "SQL Server facts: " + parts.joined(separator: ", ")
    }
}

/// SQL Server ERRORLOG (`ERRORLOG`, `ERRORLOG.1` …; UTF-16LE).
///
/// Entries start with `yyyy-MM-dd HH:mm:ss.ff <source> <text>`; other lines are continuations
/// (the version banner, startup parameters) and join the entry with `\n`. `event.provider` is the
/// source (`Server`, `spid51`, `Logon`, `Backup`).
///
/// `Error: 18456, Severity: 14, State: 8.` and the next entry of the same source (its message,
/// e.g. `Login failed for user 'x'. … [CLIENT: 10.0.20.15]`) make one record with `event.code`
/// `18456`, `amt.sql.severity` and `amt.sql.state`.
///
/// Time: `UTC adjustment: -5:00` is local time minus UTC; times become UTC by subtracting it
/// (`amt.time_source` `offset`). The line is looked for in the first lines (the parser's sample);
/// entries before it is known use the site zone (`local`/`assumed`).
///
/// Levels (`log.level`):
/// | entry | level |
/// |---|---|
/// | `Error: N, Severity: S` with S ≥ 20 (fatal), stack dumps (`***Stack Dump`, `Stack Signature`) | critical |
/// | `Error: N, Severity: S` with 11 ≤ S ≤ 19 | error |
/// | `Error: N, Severity: S` with S ≤ 10 (informational) | information |
/// | other entries (including ones that say "This is an informational message") | information |
/// Words alone never raise the level: only the `Error:` line's severity does.
public struct SQLErrorlogParser: TextFormatParser {
    public static let dataset = Dataset.sqlErrorlog

    public static func score(lines: [String], path: String) -> Int {
        var hits = 0, strong = 0
        for line in lines {
            let u = Array(line.utf8.prefix(160))
            guard let h = parseHead(u) else { continue }
            hits += 1
            let src = u[h.sourceStart..<h.sourceEnd]
            if src.starts(with: P.spid) || src.elementsEqual(P.server) || src.elementsEqual(P.logon) { strong += 1 }
            if Bytes.find(u, P.sqlServer, from: h.textStart) != nil || Bytes.has(u, P.utcAdjustment, at: h.textStart) { strong += 2 }
        }
        if hits >= 2 && strong >= 2 { return 95 }
        if hits >= 3 { return 60 }
        return 0
    }

    private let context: ParseContext
    private var lineBytes = LineBytes()
    private let zone: ZoneCache
    private var offsetSeconds: Int?
    private var facts = SQLServerFacts()
    private var factTime: (Timestamp, TimeSource)?
    private var factLine: Int?
    /// The entry being framed.
    private var pending: PendingEntry
    /// The pending entry is an `Error: N, Severity: S, State: T.` line waiting for its message.
    private var pendingIsError = false
    private var pendingSource = ""
    private var inBanner = false
    private var startupParameters = false

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        self.pending = PendingEntry(template: RecordTemplate.make(dataset: Self.dataset, context: context))
        self.zone = ZoneCache(context.zone)
        for line in sample {
            let u = Array(line.utf8)
            if let h = Self.parseHead(u), let off = Self.utcAdjustment(u, at: h.textStart) {
                offsetSeconds = off
                break
            }
        }
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        let u = lineBytes.load(line.text)
        guard let h = Self.parseHead(u) else {
            if pending.join(line, stats: &stats) {
                if inBanner { banner(u) }
                if startupParameters, let s = Bytes.find(u, P.dashS) {
                    let name = Self.unquote(Bytes.string(u, s + P.dashS.count, u.count))
                    if !name.isEmpty, facts.instance == nil { facts.instance = name }
                }
                return
            }
            try flush(emit: emit)
            guard !Bytes.isBlank(line.text) else { return }
            var r = pending.template
            r.message = line.text
            r.line = line.number
            r.level = .information
            try emit(&r)
            return
        }
        let source = String(decoding: u[h.sourceStart..<h.sourceEnd], as: UTF8.self)
        let errorHead = Self.errorHead(u, at: h.textStart)

        // The message line of a pending `Error:` line from the same source joins it.
        if pendingIsError, errorHead == nil, source == pendingSource, !line.afterGap, pending.isOpen {
            pending.lines.append(String(decoding: u[h.textStart...], as: UTF8.self))
            try flush(emit: emit)
            return
        }
        try flush(emit: emit)
        inBanner = false
        startupParameters = false

        // Filled in place: `emit` left its record a copy of the template again.
        pending.record.message = line.text
        pending.record.line = line.number
        pending.record.provider = source
        pending.record.level = .information
        pending.record.code = nil
        pending.record.extras = []
        pending.record.timestamp = nil
        pending.record.timeSource = nil
        if let off = Self.utcAdjustment(u, at: h.textStart) {
            offsetSeconds = off
            facts.utcAdjustmentMinutes = off / 60
        }
        let local = Timestamp(year: h.year, month: h.month, day: h.day, hour: h.hour, minute: h.minute,
                              second: h.second, microsecond: h.micro)
        if let local {
            if let off = offsetSeconds {
                pending.record.timestamp = local.adding(seconds: Int64(-off))
                pending.record.timeSource = .offset
            } else {
                pending.record.timestamp = zone.toUTC(local)
                pending.record.timeSource = zone.source
            }
        } else {
            stats.recordProblem("line \(line.number.map(String.init) ?? "?"): impossible date")
        }
        if let e = errorHead {
            pending.record.code = String(e.number)
            pending.record.putExtra("sql", "severity", .int(Int64(e.severity)))
            pending.record.putExtra("sql", "state", .int(Int64(e.state)))
            pending.record.level = e.severity >= 20 ? .critical : e.severity >= 11 ? .error : .information
            pendingIsError = true
            pendingSource = source
            stats.count("sql_errors")
        } else {
            readFacts(u, from: h.textStart, time: pending.record.timestamp, source: pending.record.timeSource, line: pending.record.line)
            if Bytes.has(u, P.stackDump, at: h.textStart) || Bytes.has(u, P.stackSignature, at: h.textStart) {
                pending.record.level = .critical
            }
        }
        pending.open(line.text)
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try flush(emit: emit)
        if facts.utcAdjustmentMinutes == nil, let off = offsetSeconds { facts.utcAdjustmentMinutes = off / 60 }
        guard !facts.isEmpty else { return }
        var r = Record(dataset: Self.dataset, message: "", filePath: context.sourcePath, line: factLine)
        r.hostName = context.hostName
        r.level = .information
        r.provider = "Server"
        if let (ts, src) = factTime { r.timestamp = ts; r.timeSource = src }
        facts.apply(to: &r)
        stats.count("sql_facts")
        try emit(&r)
    }

    /// Emits the pending entry (`PendingEntry.emit`): no entry waits for a message line then.
    private mutating func flush(emit: RecordSink) throws {
        pendingIsError = false
        try pending.emit(emit)
    }

    /// System facts from the first line of an entry.
    private mutating func readFacts(_ u: [UInt8], from t: Int, time: Timestamp?, source: TimeSource?, line: Int?) {
        if Bytes.has(u, P.microsoftSQLServer, at: t), let dash = Bytes.find(u, P.spaceDashSpace, from: t) {
            facts.product = Bytes.string(u, t, dash)
            var e = dash + 3
            while e < u.count, u[e] != 0x20 { e += 1 }
            facts.version = Bytes.string(u, dash + 3, e)
            factTime = time.map { ($0, source ?? .assumed) }
            factLine = line
            inBanner = true
            return
        }
        if Bytes.has(u, P.serverNameIs, at: t) {
            let a = t + P.serverNameIs.count
            if let q = Bytes.find(u, [0x27], from: a) {
                let name = Bytes.string(u, a, q)
                facts.serverName = name
                if let bs = name.lastIndex(of: "\\") { facts.instance = String(name[name.index(after: bs)...]) }
            }
            return
        }
        if Bytes.has(u, P.processID, at: t) {
            var i = t + P.processID.count
            if let pid = Bytes.int(u, &i) { facts.processID = pid }
            return
        }
        if Bytes.has(u, P.startupParameters, at: t) { startupParameters = true; return }
        if Bytes.has(u, P.loggingIn, at: t), let m = Bytes.find(u, P.mssqlFolder, from: t) {
            // …\MSSQL15.MSSQLSERVER\MSSQL\Log\ERRORLOG → MSSQLSERVER
            var a = m + P.mssqlFolder.count
            while a < u.count, Bytes.isDigit(u[a]) || u[a] == 0x5F { a += 1 }
            if a < u.count, u[a] == 0x2E {
                var e = a + 1
                while e < u.count, u[e] != 0x5C, u[e] != 0x27 { e += 1 }
                if facts.instance == nil { facts.instance = Bytes.string(u, a + 1, e) }
            }
        }
    }

    /// Continuation lines of the version banner: the edition and the operating system.
    private mutating func banner(_ u: [UInt8]) {
        guard let ed = Bytes.find(u, P.edition) else { return }
        let text = Bytes.string(u, 0, u.count)
        if let on = Bytes.find(u, P.on, from: ed) {
            facts.edition = Bytes.string(u, 0, on)
            facts.operatingSystem = Bytes.string(u, on + P.on.count, u.count)
        } else {
            facts.edition = text
        }
    }

    static func unquote(_ s: String) -> String {
        var t = Substring(s)
        while let f = t.first, f == "\"" || f == "'" { t = t.dropFirst() }
        while let l = t.last, l == "\"" || l == "'" { t = t.dropLast() }
        return String(t)
    }

    struct Head {
        var year, month, day, hour, minute, second, micro: Int
        var sourceStart: Int, sourceEnd: Int
        var textStart: Int
    }

    /// `2025-06-01 09:22:44.69 Server      text` → its parts.
    static func parseHead(_ u: [UInt8]) -> Head? {
        guard u.count >= 24, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x20, u[13] == 0x3A, u[16] == 0x3A, u[19] == 0x2E
        else { return nil }
        @inline(__always) func d(_ i: Int) -> Int? { Bytes.isDigit(u[i]) ? Int(u[i] - 0x30) : nil }
        guard let y0 = d(0), let y1 = d(1), let y2 = d(2), let y3 = d(3), let mo0 = d(5), let mo1 = d(6),
              let d0 = d(8), let d1 = d(9), let h0 = d(11), let h1 = d(12), let mi0 = d(14), let mi1 = d(15),
              let s0 = d(17), let s1 = d(18) else { return nil }
        var i = 20
        var micro = 0, n = 0
        while i < u.count, Bytes.isDigit(u[i]) {
            if n < 6 { micro = micro * 10 + Int(u[i] - 0x30) }
            n += 1
            i += 1
        }
        guard n >= 1, n <= 3, i < u.count, u[i] == 0x20 else { return nil }
        for _ in n..<6 { micro *= 10 }
        Bytes.skipSpaces(u, &i)
        let ss = i
        while i < u.count, u[i] != 0x20, u[i] != 0x09 { i += 1 }
        guard i > ss else { return nil }
        let se = i
        Bytes.skipSpaces(u, &i)
        return Head(year: y0 * 1000 + y1 * 100 + y2 * 10 + y3, month: mo0 * 10 + mo1, day: d0 * 10 + d1,
                    hour: h0 * 10 + h1, minute: mi0 * 10 + mi1, second: s0 * 10 + s1, micro: micro,
                    sourceStart: ss, sourceEnd: se, textStart: i)
    }

    /// `UTC adjustment: -5:00` → seconds east of UTC (-18000).
    static func utcAdjustment(_ u: [UInt8], at t: Int) -> Int? {
        guard Bytes.has(u, P.utcAdjustment, at: t) else { return nil }
        var i = t + P.utcAdjustment.count
        Bytes.skipSpaces(u, &i)
        var sign = 1
        if i < u.count, u[i] == 0x2D { sign = -1; i += 1 } else if i < u.count, u[i] == 0x2B { i += 1 }
        guard let h = Bytes.digits(u, &i, max: 2), h <= 14 else { return nil }
        var m = 0
        if i < u.count, u[i] == 0x3A {
            i += 1
            guard let mm = Bytes.digits(u, &i, min: 2, max: 2), mm < 60 else { return nil }
            m = mm
        }
        return sign * (h * 3600 + m * 60)
    }

    /// `Error: 18456, Severity: 14, State: 8.`
    static func errorHead(_ u: [UInt8], at t: Int) -> (number: Int, severity: Int, state: Int)? {
        guard Bytes.has(u, P.error, at: t) else { return nil }
        var i = t + P.error.count
        guard let n = Bytes.int(u, &i), Bytes.has(u, P.severity, at: i) else { return nil }
        i += P.severity.count
        guard let sev = Bytes.int(u, &i), Bytes.has(u, P.state, at: i) else { return nil }
        i += P.state.count
        guard let st = Bytes.int(u, &i) else { return nil }
        return (n, sev, st)
    }

    enum P {
        static let spid = [UInt8](ascii: "spid")
        static let server = [UInt8](ascii: "Server")
        static let logon = [UInt8](ascii: "Logon")
        static let sqlServer = [UInt8](ascii: "SQL Server")
        static let microsoftSQLServer = [UInt8](ascii: "Microsoft SQL Server ")
        static let spaceDashSpace = [UInt8](ascii: " - ")
        static let utcAdjustment = [UInt8](ascii: "UTC adjustment:")
        static let error = [UInt8](ascii: "Error: ")
        static let severity = [UInt8](ascii: ", Severity: ")
        static let state = [UInt8](ascii: ", State: ")
        static let serverNameIs = [UInt8](ascii: "Server name is '")
        static let processID = [UInt8](ascii: "Server process ID is ")
        static let startupParameters = [UInt8](ascii: "Command Line Startup Parameters:")
        static let dashS = [UInt8](ascii: "-s ")
        static let loggingIn = [UInt8](ascii: "Logging SQL Server messages in file")
        static let mssqlFolder = [UInt8](ascii: "\\MSSQL")
        static let edition = [UInt8](ascii: "Edition")
        static let on = [UInt8](ascii: " on ")
        static let stackDump = [UInt8](ascii: "***Stack Dump")
        static let stackSignature = [UInt8](ascii: "Stack Signature")
    }
}
