import LogRecord

/// What one column of a W3C extended log holds, from its `#Fields:` name.
enum IISField: Equatable {
    case date, time
    case method, uriStem, uriQuery, uri
    case status, substatus, win32Status, timeTaken
    case clientIP, clientPort, serverIP, serverPort
    case userName, userAgent, referrer, host, version
    case responseBytes, requestBytes
    case siteName, computerName, siteID, reason, queueName
    /// A field kept under `amt.iis.fields` by its `#Fields:` name (custom logging, `x-…`, `cs(…)`).
    case other(String)

    /// The field a `#Fields:` name stands for (names are case-insensitive).
    init(name: String) {
        switch name.lowercased() {
        case "date": self = .date
        case "time": self = .time
        case "cs-method": self = .method
        case "cs-uri-stem": self = .uriStem
        case "cs-uri-query": self = .uriQuery
        case "cs-uri": self = .uri
        case "sc-status": self = .status
        case "sc-substatus": self = .substatus
        case "sc-win32-status": self = .win32Status
        case "time-taken": self = .timeTaken
        case "c-ip": self = .clientIP
        case "c-port": self = .clientPort
        case "s-ip": self = .serverIP
        case "s-port": self = .serverPort
        case "cs-username": self = .userName
        case "cs(user-agent)": self = .userAgent
        case "cs(referer)", "cs(referrer)": self = .referrer
        case "cs-host": self = .host
        case "cs-version": self = .version
        case "sc-bytes": self = .responseBytes
        case "cs-bytes": self = .requestBytes
        case "s-sitename": self = .siteName
        case "s-computername": self = .computerName
        case "s-siteid": self = .siteID
        case "s-reason": self = .reason
        case "s-queuename": self = .queueName
        default: self = .other(name)
        }
    }

    /// The default field sets IIS and HTTP.sys write, for files whose directives were stripped:
    /// recognized by their count of values and where the method is.
    static let w3cDefault75 = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken"
    static let w3cDefault85 = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
    static let w3cAll = "date time s-sitename s-computername s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs-version cs(User-Agent) cs(Cookie) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken"
    static let httperrDefault = "date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename"
    static let httperrStream = "date time c-ip c-port s-ip s-port cs-version cs-method cs-uri streamid sc-status s-siteid s-reason s-queuename"

    static func fields(_ names: String) -> [IISField] {
        names.split(separator: " ").map { IISField(name: String($0)) }
    }
}

/// The W3C extended log format as IIS (`u_ex*.log`) and HTTP.sys (`httperr*.log`) write it: a
/// block of `#Software:`, `#Version:`, `#Date:`, `#Fields:` directives, then one request per line,
/// values separated by one space, `-` for none, times in UTC. The field set is read from each
/// `#Fields:` line (it changes mid-file when logging restarts with other fields); a file without
/// directives is read with the default field set its lines' shape shows.
///
/// Every request line is a record (`message` the line): ECS names (`HTTPFields`) for the standard
/// fields, `amt.iis.*` for the rest (`substatus`, `win32_status`, `site`, `site_id`,
/// `computer_name`, `reason`, `queue`; any other field under `amt.iis.fields` by its name). Each
/// directive block is one `information` record, timed by its `#Date:`.
struct IISLogReader {
    /// The directive that names the writer.
    enum Writer { case iis, httpAPI, unknown }

    let template: Record
    /// The columns of the current block (`nil`: no `#Fields:` yet and no default chosen).
    private(set) var fields: [IISField]?
    private let isHTTPErr: Bool
    private var header = EntryBuffer()
    private var headerLine: Int?
    private var headerDate: Timestamp?
    /// The last date read and the midnight (microseconds since the epoch) it stands for.
    private var lastDate: (UInt64, UInt16) = (0, 0)
    private var lastMidnight: Int64?
    private var record: Record
    /// Lines whose value count did not match their `#Fields:` (first few described).
    private var mismatches = 0

    init(context: ParseContext, dataset: String, isHTTPErr: Bool, sample: [String]) {
        var t = RecordTemplate.make(dataset: dataset, context: context)
        t.timeSource = .utc
        template = t
        record = t
        self.isHTTPErr = isHTTPErr
        // A file that starts with requests (directives stripped): the default field set its
        // first request line shows.
        if let first = sample.first(where: { !$0.hasPrefix("#") && !Bytes.isBlank($0) }),
           !sample.contains(where: { $0.hasPrefix("#Fields:") || $0.hasPrefix("#fields:") }) {
            fields = Self.defaultFields(for: first, httpErr: isHTTPErr)
        }
    }

    /// The score of a file whose directives were stripped: 80 when most lines (three or more)
    /// have the shape of the default field set, else 0.
    static func shapedScore(_ lines: [String], httpErr: Bool) -> Int {
        let shaped = lines.filter { !$0.hasPrefix("#") && defaultFields(for: $0, httpErr: httpErr) != nil }.count
        return shaped >= 3 && shaped * 2 >= lines.count ? 80 : 0
    }

    /// The default field set whose shape `line` has, or `nil`.
    static func defaultFields(for line: String, httpErr: Bool) -> [IISField]? {
        let values = line.split(separator: " ", omittingEmptySubsequences: false)
        func isMethod(_ k: Int) -> Bool {
            guard k < values.count, let f = values[k].utf8.first else { return false }
            return f >= 0x41 && f <= 0x5A && values[k].utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x2D }
        }
        guard values.count >= 2, looksLikeDate(values[0]) else { return nil }
        if httpErr {
            if values.count == 13, isMethod(7) { return IISField.fields(IISField.httperrDefault) }
            if values.count == 14, isMethod(7) { return IISField.fields(IISField.httperrStream) }
            return nil
        }
        if values.count == 14, isMethod(3) { return IISField.fields(IISField.w3cDefault75) }
        if values.count == 15, isMethod(3) { return IISField.fields(IISField.w3cDefault85) }
        if values.count == 22, isMethod(5) { return IISField.fields(IISField.w3cAll) }
        return nil
    }

    /// `yyyy-mm-dd`.
    static func looksLikeDate(_ s: Substring) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == 0x2D, u[7] == 0x2D else { return false }
        for k in [0, 1, 2, 3, 5, 6, 8, 9] where !Bytes.isDigit(u[k]) { return false }
        return true
    }

    mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        try line.withUTF8 { u in
            if u.count == 0 || Bytes.isBlank(u) { return }
            if u[0] == 0x23 {
                directive(line, u, stats: &stats)
                return
            }
            try flushHeader(emit: emit)
            try request(line, u, stats: &stats, emit: emit)
        }
    }

    mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try flushHeader(emit: emit)
    }

    // MARK: directives

    private mutating func directive(_ line: TextLine, _ u: UnsafeBufferPointer<UInt8>, stats: inout ParseStats) {
        if header.isEmpty || !header.canTake || line.afterGap {
            header.reset(line.text)
            headerLine = line.number
            headerDate = nil
            stats.count("iis_directive_blocks")
        } else {
            header.append(line.text)
        }
        if Bytes.hasCI(u, P.fields) {
            let names = Bytes.string(u, P.fields.count, u.count)
            fields = IISField.fields(names)
        } else if Bytes.hasCI(u, P.date) {
            var i = P.date.count
            Bytes.skipSpaces(u, &i)
            if let (midnight, _) = Self.date(u, i), let secs = Self.clock(u, i + 11) {
                headerDate = Timestamp(microsecondsSinceEpoch: midnight + Int64(secs) * 1_000_000)
            }
        }
    }

    private mutating func flushHeader(emit: RecordSink) throws {
        guard !header.isEmpty else { return }
        var r = template
        r.message = header.joined()
        r.line = headerLine
        r.timestamp = headerDate
        if headerDate == nil { r.timeSource = nil }
        header.clear()
        try emit(&r)
    }

    // MARK: requests

    private mutating func request(_ line: TextLine, _ u: UnsafeBufferPointer<UInt8>, stats: inout ParseStats,
                                  emit: RecordSink) throws {
        guard let fields else {
            // Kept as a record of its own, counted, the first few described.
            mismatches += 1
            stats.count("iis_lines_without_fields")
            if mismatches <= 5 {
                stats.note("line \(line.number.map(String.init) ?? "?"): no #Fields: directive before it and not in a default field set")
            }
            var r = template
            r.message = line.text
            r.line = line.number
            r.timeSource = nil
            try emit(&r)
            return
        }
        record.message = line.text
        record.line = line.number
        var h = HTTPFields()
        var iis: [(String, JSONValue)] = []
        var other: [(String, JSONValue)] = []
        var midnight: Int64?
        var seconds: Int?
        var millis = 0
        var a = 0
        var column = 0
        let n = u.count
        while a <= n, column < fields.count {
            var b = a
            while b < n, u[b] != 0x20 { b += 1 }
            defer {
                a = b + 1
                column += 1
            }
            let absent = b - a == 1 && u[a] == 0x2D
            if absent || a == b { continue }
            switch fields[column] {
            case .date:
                midnight = cachedDate(u, a, b)
            case .time:
                if let s = Self.clock(u, a) {
                    seconds = s
                    if a + 8 < b, u[a + 8] == 0x2E {
                        var k = a + 9, f = 0, d = 0
                        while k < b, d < 3, Bytes.isDigit(u[k]) { f = f * 10 + Int(u[k] - 0x30); k += 1; d += 1 }
                        while d < 3 { f *= 10; d += 1 }
                        millis = f
                    }
                }
            case .method: h.method = Self.text(u, a, b)
            case .uriStem: h.urlPath = Self.text(u, a, b)
            case .uriQuery: h.urlQuery = Self.text(u, a, b)
            case .uri:
                h.urlOriginal = Self.text(u, a, b)
                var q = a
                while q < b, u[q] != 0x3F { q += 1 }
                if q > a { h.urlPath = Self.text(u, a, q) }
                if q + 1 < b { h.urlQuery = Self.text(u, q + 1, b) }
            case .status: h.statusCode = Self.number(u, a, b).map { Int($0) }
            case .substatus: if let v = Self.number(u, a, b) { iis.append(("substatus", .int(v))) }
            case .win32Status: if let v = Self.number(u, a, b) { iis.append(("win32_status", .int(v))) }
            case .timeTaken: h.durationNanos = Self.number(u, a, b).map { $0 &* 1_000_000 }
            case .clientIP: h.sourceIP = Self.text(u, a, b)
            case .clientPort: h.sourcePort = Self.number(u, a, b).flatMap { $0 <= 65535 ? Int($0) : nil }
            case .serverIP: h.destinationIP = Self.text(u, a, b)
            case .serverPort: h.destinationPort = Self.number(u, a, b).flatMap { $0 <= 65535 ? Int($0) : nil }
            case .userName: h.userName = Self.text(u, a, b)
            case .userAgent: h.userAgent = Self.plusAsSpace(u, a, b)
            case .referrer: h.referrer = Self.text(u, a, b)
            case .host: h.urlDomain = Self.text(u, a, b)
            case .version:
                // `HTTP/1.1` → `1.1` (ECS `http.version`).
                let v = b - a > 5 && Bytes.hasCI(u, P.http, at: a) ? a + 5 : a
                h.version = Self.text(u, v, b)
            case .responseBytes: h.responseBytes = Self.number(u, a, b)
            case .requestBytes: h.requestBytes = Self.number(u, a, b)
            case .siteName: iis.append(("site", .string(Self.text(u, a, b))))
            case .computerName: iis.append(("computer_name", .string(Self.text(u, a, b))))
            case .siteID:
                if let v = Self.number(u, a, b) { iis.append(("site_id", .int(v))) } else {
                    iis.append(("site_id", .string(Self.text(u, a, b))))
                }
            case .reason: iis.append(("reason", .string(Self.text(u, a, b))))
            case .queueName: iis.append(("queue", .string(Self.text(u, a, b))))
            case .other(let name): other.append((name, .string(Self.text(u, a, b))))
            }
        }
        // Values beyond the fields, or fields without a value: the line does not fit its block.
        let extraValues = a <= n
        if extraValues || column < fields.count {
            mismatches += 1
            stats.count("iis_field_count_mismatches")
            if mismatches <= 5 {
                stats.note("line \(line.number.map(String.init) ?? "?"): \(extraValues ? "more values than" : "fewer values than") the \(fields.count) fields of its #Fields: directive")
            }
        }
        if let midnight, let seconds {
            record.timestamp = Timestamp(microsecondsSinceEpoch: midnight + Int64(seconds) * 1_000_000 + Int64(millis) * 1000)
            record.timeSource = .utc
        } else {
            record.timestamp = nil
            record.timeSource = nil
        }
        record.level = isHTTPErr ? Self.httpErrLevel(h.statusCode, iis) : Self.level(h.statusCode)
        if !other.isEmpty { iis.append(("fields", .object(other))) }
        record.extras = iis.isEmpty ? [] : [("iis", .object(iis))]
        record.http = h
        try emit(&record)
        record = template
    }

    /// `log.level` of a request: 5xx error, 4xx warning, anything else information.
    static func level(_ status: Int?) -> Severity {
        guard let status else { return .information }
        if status >= 500 && status < 600 { return .error }
        if status >= 400 && status < 500 { return .warning }
        return .information
    }

    /// Reasons HTTP.sys gives when the application cannot take requests (error), and those of
    /// connections cut by a timer or abandoned (warning). `Timer_ConnectionIdle` (an idle kept-alive
    /// connection closed) is routine: information.
    static let errorReasons: Set<String> = ["AppOffline", "QueueFull", "AppShutdown", "Disabled", "Connection_Abandoned_By_AppPool"]

    static func httpErrLevel(_ status: Int?, _ iis: [(String, JSONValue)]) -> Severity {
        var level = level(status)
        guard let reason = iis.first(where: { $0.0 == "reason" })?.1.stringValue else { return level }
        if errorReasons.contains(reason) { return .error }
        if level == .information, reason != "Timer_ConnectionIdle",
           reason.hasPrefix("Timer_") || reason.hasPrefix("Connection_Abandoned") || reason.hasPrefix("Connection_Dropped") {
            level = .warning
        }
        return level
    }

    /// The midnight of the `yyyy-mm-dd` at `u[a..<b]`, from the last one when the date repeats.
    private mutating func cachedDate(_ u: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> Int64? {
        guard b - a == 10, let base = u.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base + a)
        let key = (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        if key == lastDate, let m = lastMidnight { return m }
        guard let (m, _) = Self.date(u, a) else { return nil }
        lastDate = key
        lastMidnight = m
        return m
    }

    /// `yyyy-mm-dd` at `i`: microseconds from the epoch to its midnight (UTC).
    static func date(_ u: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int64, Int)? {
        var k = i
        guard let y = Bytes.digits(u, &k, min: 4, max: 4), k < u.count, u[k] == 0x2D else { return nil }
        k += 1
        guard let m = Bytes.digits(u, &k, min: 2, max: 2), k < u.count, u[k] == 0x2D else { return nil }
        k += 1
        guard let d = Bytes.digits(u, &k, min: 2, max: 2), (1...12).contains(m), d >= 1,
              d <= Timestamp.daysIn(month: m, year: y) else { return nil }
        return (Int64(Timestamp.daysFromCivil(year: y, month: m, day: d)) * 86_400_000_000, k)
    }

    /// `hh:mm:ss` at `i` as seconds of the day.
    static func clock(_ u: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard i >= 0, i + 8 <= u.count else { return nil }
        var k = i
        return Bytes.clock(u, &k)
    }

    /// Decimal digits filling `u[a..<b]` (at most 18; a leading `-` allowed), else `nil`.
    static func number(_ u: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> Int64? {
        var k = a
        guard let v = Bytes.int(u, &k), k == b else { return nil }
        return Int64(v)
    }

    @inline(__always)
    static func text(_ u: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: u[a..<b]), as: UTF8.self)
    }

    /// `u[a..<b]` with each `+` read as a space (IIS writes a user agent's spaces as `+`).
    static func plusAsSpace(_ u: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> String {
        let slice = UnsafeBufferPointer(rebasing: u[a..<b])
        guard slice.contains(0x2B) else { return String(decoding: slice, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: slice.count) { out in
            for k in 0..<slice.count { out[k] = slice[k] == 0x2B ? 0x20 : slice[k] }
            return slice.count
        }
    }

    enum P {
        static let fields = Array(ascii: "#fields:")
        static let date = Array(ascii: "#date:")
        static let software = Array(ascii: "#software:")
        static let http = Array(ascii: "http/")
    }

    /// What the directives in `lines` say: the writer named by `#Software:`, whether a `#Fields:`
    /// line is there and whether its fields are HTTPERR's, and how many lines have a request's shape
    /// (`yyyy-mm-dd hh:mm:ss ` then values).
    static func survey(_ lines: [String]) -> (writer: Writer, fields: Bool, httpErrFields: Bool, w3cFields: Bool, requests: Int) {
        var writer = Writer.unknown
        var hasFields = false, httpErr = false, w3c = false, requests = 0
        for line in lines {
            let u = Array(line.utf8.prefix(160))
            if u.first == 0x23 {
                if Bytes.hasCI(u, P.software) {
                    if Bytes.findCI(u, Array(ascii: "internet information services")) != nil { writer = .iis }
                    else if Bytes.findCI(u, Array(ascii: "http api")) != nil { writer = .httpAPI }
                } else if Bytes.hasCI(u, P.fields) {
                    hasFields = true
                    let names = Set(line.dropFirst(8).split(separator: " ").map { $0.lowercased() })
                    if names.contains("s-reason") || names.contains("s-queuename") { httpErr = true }
                    if names.contains("cs-uri-stem") || names.contains("sc-substatus") || names.contains("time-taken") { w3c = true }
                }
                continue
            }
            if u.count > 20, looksLikeDate(Substring(line.prefix(10))), u[10] == 0x20,
               u.withUnsafeBufferPointer({ clock($0, 11) }) != nil, u[19] == 0x20 {
                requests += 1
            }
        }
        return (writer, hasFields, httpErr, w3c, requests)
    }
}

/// IIS W3C logs (`inetpub/logs/LogFiles/W3SVC*/u_ex*.log`, custom logging `u_ex*_x.log`): see
/// `IISLogReader` for the fields.
///
/// Levels (`log.level`): `sc-status` 5xx error, 4xx warning, anything else (and directive blocks)
/// information.
public struct IISW3CParser: TextFormatParser {
    public static let dataset = "iis.w3c"

    public static func score(lines: [String], path: String) -> Int {
        let s = IISLogReader.survey(lines)
        if s.httpErrFields || s.writer == .httpAPI { return 0 }
        if s.writer == .iis { return 98 }
        if s.fields, s.w3cFields { return 95 }
        return IISLogReader.shapedScore(lines, httpErr: false)
    }

    private var reader: IISLogReader

    public init(context: ParseContext, sample: [String]) {
        reader = IISLogReader(context: context, dataset: Self.dataset, isHTTPErr: false, sample: sample)
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        try reader.feed(line, stats: &stats, emit: emit)
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try reader.finish(stats: &stats, emit: emit)
    }
}

/// HTTP.sys error logs (`Windows/System32/LogFiles/HTTPERR/httperr*.log`): requests the kernel
/// driver refused or cut before IIS saw them, with `s-reason` (`amt.iis.reason`: `Timer_*`,
/// `AppOffline`, `QueueFull`, …) and `s-queuename` (`amt.iis.queue`: the application pool).
///
/// Levels (`log.level`): 5xx, `AppOffline`, `QueueFull`, `AppShutdown`, `Disabled`,
/// `Connection_Abandoned_By_AppPool` error; 4xx, other `Timer_*`, `Connection_Abandoned*`,
/// `Connection_Dropped*` warning; `Timer_ConnectionIdle` and the rest information.
public struct IISHTTPErrParser: TextFormatParser {
    public static let dataset = "iis.httperr"

    public static func score(lines: [String], path: String) -> Int {
        let s = IISLogReader.survey(lines)
        if s.httpErrFields { return 98 }
        if s.writer == .httpAPI { return 96 }
        if s.writer == .iis || s.w3cFields { return 0 }
        return IISLogReader.shapedScore(lines, httpErr: true)
    }

    private var reader: IISLogReader

    public init(context: ParseContext, sample: [String]) {
        reader = IISLogReader(context: context, dataset: Self.dataset, isHTTPErr: true, sample: sample)
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        try reader.feed(line, stats: &stats, emit: emit)
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try reader.finish(stats: &stats, emit: emit)
    }
}
