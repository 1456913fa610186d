import LogRecord

/// SQL Server Agent log (`SQLAGENT.OUT`, `SQLAGENT.1` … `SQLAGENT.9`; UTF-16LE), beside the
/// instance's ERRORLOG.
///
/// Entries start with `yyyy-MM-dd HH:mm:ss - M [id] text`: `M` is the severity mark, `id` the
/// message id (`[298]`, `[000]`, or `[LOG]` for messages the agent logs on behalf of jobs and
/// subsystems). Other lines join the entry before with `\n`. The text is localized; the marks,
/// ids and the structure are not, and are what the parser reads.
///
/// - `log.level` from the mark: `!` error, `+` warning, `?` information (another mark:
///   information, counted in `sql_agent_unknown_marks`).
/// - `event.code`: the id as written (`298`, `098`, `LOG`); `event.provider` `SQLServerAgent`.
/// - `amt.sql_agent.mark`: the mark; `amt.sql_agent.sql_error`: the number of a `SQLServer Error:
///   N` / `ODBC Error: N` entry; `amt.sql_agent.sqlstate`: `[SQLSTATE xxxxx]`;
///   `amt.sql_agent.job`: the job an entry names (`job 'NAME'`, and the localized forms in
///   `jobWords`); `amt.sql_agent.step`: its step number (`Step N of job …`).
/// - Time: local (the agent writes no offset): the site zone, `amt.time_source` `local`/`site`/
///   `assumed`.
public struct SQLAgentParser: TextFormatParser {
    public static let dataset = Dataset.sqlAgent

    public static func score(lines: [String], path: String) -> Int {
        var hits = 0, ids = 0
        for line in lines {
            let u = Array(line.utf8.prefix(48))
            guard let h = parseHead(u) else { continue }
            hits += 1
            if h.id != nil { ids += 1 }
        }
        if hits >= 2 && ids >= 2 { return 95 }
        if hits >= 1 && ids >= 1 && lines.count <= 2 { return 80 }
        return 0
    }

    private let context: ParseContext
    private var lineBytes = LineBytes()
    private let zone: ZoneCache
    /// The entry being framed.
    private var pending: PendingEntry

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        var t = RecordTemplate.make(dataset: Self.dataset, context: context)
        t.provider = "SQLServerAgent"
        self.pending = PendingEntry(template: t)
        self.zone = ZoneCache(context.zone)
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        let u = lineBytes.load(line.text)
        guard let h = Self.parseHead(u) else {
            if pending.join(line, stats: &stats) { return }
            try pending.emitAlone(line, blank: Bytes.isBlank(u), emit)
            return
        }
        try pending.emit(emit)
        // Filled in place: `emit` left its record a copy of the template again.
        pending.record.message = line.text
        pending.record.line = line.number
        switch h.mark {
        case 0x21: pending.record.level = .error
        case 0x2B: pending.record.level = .warning
        case 0x3F: pending.record.level = .information
        default:
            pending.record.level = .information
            stats.count("sql_agent_unknown_marks")
        }
        if let local = Timestamp(year: h.year, month: h.month, day: h.day, hour: h.hour, minute: h.minute, second: h.second) {
            pending.record.timestamp = zone.toUTC(local)
            pending.record.timeSource = zone.source
        } else {
            stats.recordProblem("line \(line.number.map(String.init) ?? "?"): impossible date")
        }
        var extras: [(String, JSONValue)] = [("mark", .string(String(UnicodeScalar(h.mark))))]
        if let id = h.id {
            pending.record.code = Bytes.string(u, id.lowerBound, id.upperBound)
        }
        let t = h.textStart
        if let n = Self.errorNumber(u, at: t) { extras.append(("sql_error", .int(Int64(n)))) }
        if let state = Self.sqlState(u, from: t) { extras.append(("sqlstate", .string(state))) }
        if let (job, step) = Self.job(u, from: t) {
            extras.append(("job", .string(job)))
            if let step { extras.append(("step", .int(Int64(step)))) }
            stats.count("sql_agent_job_entries")
        }
        pending.record.extras = [("sql_agent", .object(extras))]
        pending.open(line.text)
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try pending.emit(emit)
    }

    struct Head {
        var year, month, day, hour, minute, second: Int
        var mark: UInt8
        /// The id between the brackets, when there is one.
        var id: Range<Int>?
        var textStart: Int
    }

    /// `2026-11-24 03:12:00 - ! [298] text` → its parts.
    static func parseHead<U: LineByteBuffer>(_ u: U) -> Head? where U.Index == Int {
        guard u.count >= 23, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x20, u[13] == 0x3A, u[16] == 0x3A,
              u[19] == 0x20, u[20] == 0x2D, u[21] == 0x20
        else { return nil }
        @inline(__always) func n(_ a: Int, _ width: Int) -> Int? {
            var v = 0
            for i in a..<(a + width) {
                guard Bytes.isDigit(u[i]) else { return nil }
                v = v * 10 + Int(u[i] - 0x30)
            }
            return v
        }
        guard let year = n(0, 4), let month = n(5, 2), let day = n(8, 2), let hour = n(11, 2), let minute = n(14, 2),
              let second = n(17, 2) else { return nil }
        let mark = u[22]
        guard mark > 0x20, mark < 0x7F else { return nil }
        var i = 23
        Bytes.skipSpaces(u, &i)
        var id: Range<Int>?
        if i < u.count, u[i] == 0x5B {
            var e = i + 1
            while e < u.count, e - i <= 12, u[e] != 0x5D { e += 1 }
            if e < u.count, u[e] == 0x5D, e > i + 1 {
                id = (i + 1)..<e
                i = e + 1
                Bytes.skipSpaces(u, &i)
            }
        }
        return Head(year: year, month: month, day: day, hour: hour, minute: minute, second: second, mark: mark,
                    id: id, textStart: i)
    }

    /// `SQLServer Error: 773, …` or `ODBC Error: 0, …` at `t` → the number.
    static func errorNumber<U: LineByteBuffer>(_ u: U, at t: Int) -> Int? where U.Index == Int {
        var i: Int
        if Bytes.has(u, P.sqlServerError, at: t) {
            i = t + P.sqlServerError.count
        } else if Bytes.has(u, P.odbcError, at: t) {
            i = t + P.odbcError.count
        } else {
            return nil
        }
        Bytes.skipSpaces(u, &i)
        return Bytes.digits(u, &i, max: 9)
    }

    /// `[SQLSTATE 08001]` anywhere after `t` → `08001`.
    static func sqlState<U: LineByteBuffer>(_ u: U, from t: Int) -> String? where U.Index == Int {
        guard let s = Bytes.find(u, P.sqlState, from: t) else { return nil }
        let a = s + P.sqlState.count
        var e = a
        while e < u.count, e - a < 5, u[e] != 0x5D { e += 1 }
        guard e - a == 5 else { return nil }
        return Bytes.string(u, a, e)
    }

    /// The job an entry names: the quoted name after one of `jobWords`, and the step number when
    /// the entry starts `Step N of job` (`Paso N del trabajo`, …: the first number before it).
    static func job<U: LineByteBuffer>(_ u: U, from t: Int) -> (String, Int?)? where U.Index == Int {
        for word in P.jobWords {
            guard let w = Bytes.findCI(u, word, from: t) else { continue }
            let a = w + word.count
            var e = a
            while e < u.count, u[e] != 0x27 { e += 1 }
            guard e < u.count, e > a, e - a <= 256 else { continue }
            let name = Bytes.string(u, a, e)
            // The step: a number between the text's start and the job word.
            var step: Int?
            var i = t
            while i < w {
                if Bytes.isDigit(u[i]) {
                    var k = i
                    step = Bytes.digits(u, &k, max: 6)
                    break
                }
                i += 1
            }
            return (name, step)
        }
        return nil
    }

    enum P {
        static let sqlServerError = [UInt8](ascii: "SQLServer Error:")
        static let odbcError = [UInt8](ascii: "ODBC Error:")
        static let sqlState = [UInt8](ascii: "[SQLSTATE ")
        /// The word before a job's quoted name, English first, then the agent's other languages
        /// (es, fr, de, it, pt, ru in UTF-8).
        static let jobWords: [[UInt8]] = [
            "job '", "trabajo '", "travail '", "auftrags '", "auftrag '", "processo '", "trabalho '", "задания '",
            "задание '",
        ].map { Array($0.utf8) }
    }
}
