import LogRecord

/// Readers for event logs exported as text: Event Viewer "Save as XML" / `wevtutil qe /f:xml`
/// (dataset `windows.event_xml`) and Event Viewer "Save as CSV" (`windows.event_csv`).
///
/// Both stream: input arrives in chunks from a `ByteSource`, one event (or CSV row) at a time is
/// held in memory, and an event or row larger than `maximumEventBytes` is dropped and counted.
public enum EventExportParser {
    /// Largest single event (XML) or row (CSV), in UTF-8 bytes.
    public static let maximumEventBytes = 4 << 20

    // MARK: - XML

    /// Parses `<Events><Event …>…</Event>…</Events>` (Event Viewer) or a bare sequence of
    /// `<Event>` elements (`wevtutil qe /f:xml`), in UTF-8 or UTF-16. Records get the same fields
    /// as EVTX records; when the export carries `RenderingInfo/Message`, that text is the message.
    public static func parseXML(source: inout some ByteSource, context: ParseContext, stats: inout ParseStats,
                                emit: RecordSink) throws {
        stats.dataset = Dataset.eventXML
        var decoder = StreamingUTF8()
        var buffer: [UInt8] = []
        var consumed: Int64 = 0
        let open = Array("<Event".utf8), close = Array("</Event>".utf8)

        func drain(final: Bool) throws {
            var searchFrom = 0
            while true {
                // An <Event start: "<Event" followed by whitespace, '>' or '/'.
                var start: Int?
                var s = searchFrom
                while let i = buffer.firstIndex(of: open, from: s) {
                    let next = i + open.count
                    if next >= buffer.count { break }
                    let c = buffer[next]
                    if c == 0x20 || c == 0x3E || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x2F { start = i; break }
                    s = i + 1
                }
                guard let begin = start else {
                    // Keep a tail that may hold the start of "<Event".
                    let keep = min(buffer.count, open.count)
                    consumed += Int64(buffer.count - keep)
                    buffer.removeFirst(buffer.count - keep)
                    return
                }
                guard let end = buffer.firstIndex(of: close, from: begin) else {
                    if buffer.count - begin > maximumEventBytes {
                        stats.recordProblem("event at byte \(consumed + Int64(begin)) (UTF-8): longer than \(maximumEventBytes) bytes without </Event>, dropped")
                        consumed += Int64(buffer.count)
                        buffer.removeAll(keepingCapacity: true)
                    } else if begin > 0 {
                        consumed += Int64(begin)
                        buffer.removeFirst(begin)
                    }
                    if final && !buffer.isEmpty {
                        stats.recordProblem("event at byte \(consumed) (UTF-8): cut off, no </Event> before the end")
                    }
                    return
                }
                let stop = end + close.count
                let slice = buffer[begin..<stop]
                do {
                    let doc = try MiniXML.parse(slice)
                    var r = EventFacts.record(doc, recordID: nil, fileTime: nil, dataset: Dataset.eventXML, context: context)
                    if let root = doc.root, let ri = doc.child("RenderingInfo", of: root),
                       let m = doc.child("Message", of: ri), let text = doc.text(of: m)?.flat, !text.isEmpty {
                        r.message = (r.provider.map { $0 + " " } ?? "") + (r.code.map { $0 + ": " } ?? "") + EventFacts.oneLine(text)
                    }
                    stats.records += 1
                    try emit(&r)
                } catch let e as MiniXML.Failure {
                    stats.recordProblem("event at byte \(consumed + Int64(begin) + Int64(e.offset)) (UTF-8): \(e.what)")
                }
                searchFrom = stop
                if stop > 1 << 16 || stop == buffer.count {
                    consumed += Int64(stop)
                    buffer.removeFirst(stop)
                    searchFrom = 0
                }
            }
        }

        while let chunk = try source.nextChunk() {
            decoder.decode(chunk.bytes, into: &buffer)
            try drain(final: false)
        }
        decoder.finish(into: &buffer)
        try drain(final: true)
    }

    /// Whether a file's first bytes look like exported event XML.
    public static func looksLikeEventXML(_ head: [UInt8]) -> Bool {
        let text = StreamingUTF8.head(head)
        guard let i = text.firstIndex(of: Array("<Event".utf8)) else { return false }
        // Only markup (declaration, <Events>, whitespace) before the first event.
        let before = text[0..<i]
        guard before.allSatisfy({ $0 != 0 }) else { return false }
        let ns = Array("schemas.microsoft.com/win/2004/08/events/event".utf8)
        return text.firstIndex(of: ns) != nil || text.firstIndex(of: Array("<Events>".utf8)) != nil
    }

    // MARK: - CSV

    /// Parses Event Viewer's "Save as CSV": a header `Level,Date and Time,Source,Event ID,Task
    /// Category` (localized), then one row per event with the message in a sixth column, quoted
    /// and possibly spanning lines. The date is local time: `M/d/yyyy h:mm:ss AM/PM`,
    /// `dd.MM.yyyy HH:mm:ss`, `d/M/yyyy HH:mm:ss` (slashes without AM/PM) or ISO 8601; it is
    /// converted to UTC with `context.zone`.
    public static func parseCSV(source: inout some ByteSource, context: ParseContext, stats: inout ParseStats,
                                emit: RecordSink) throws {
        stats.dataset = Dataset.eventCSV
        var decoder = StreamingUTF8()
        var csv = CSVRows()
        var text: [UInt8] = []
        var header = true
        var rows: [([String], Int)] = []
        var problems: [String] = []
        func handle() throws {
            for p in problems { stats.recordProblem(p) }
            problems.removeAll()
            for (row, line) in rows {
                if header {
                    header = false
                    if looksLikeHeader(row) { continue }
                }
                if row.count == 1 && row[0].isEmpty { continue }
                guard row.count >= 4 else {
                    stats.recordProblem("line \(line): \(row.count) columns, need at least 4 (level, date, source, event id)")
                    continue
                }
                var r = csvRecord(row, line: line, context: context, stats: &stats)
                stats.records += 1
                try emit(&r)
            }
            rows.removeAll(keepingCapacity: true)
        }
        while let chunk = try source.nextChunk() {
            text.removeAll(keepingCapacity: true)
            decoder.decode(chunk.bytes, into: &text)
            csv.feed(text, limit: maximumEventBytes, rows: &rows, problems: &problems)
            try handle()
        }
        text.removeAll()
        decoder.finish(into: &text)
        csv.feed(text, limit: maximumEventBytes, rows: &rows, problems: &problems)
        csv.finish(rows: &rows, problems: &problems)
        try handle()
    }

    static func looksLikeHeader(_ row: [String]) -> Bool {
        guard row.count >= 4 else { return false }
        if row[0] == "Level" && row[1] == "Date and Time" { return true }
        // Localized headers: no date in the second column and no number in the fourth.
        return parseCSVDate(row[1]) == nil && Int(row[3].trimmingSpaces) == nil
    }

    /// Whether a file's first bytes look like an Event Viewer CSV export.
    public static func looksLikeEventCSV(_ head: [UInt8]) -> Bool {
        let text = StreamingUTF8.head(head)
        let line = text.prefix { $0 != 0x0A && $0 != 0x0D }
        let s = String(decoding: line, as: UTF8.self)
        if s.hasPrefix("Level,Date and Time,Source,Event ID,Task Category") { return true }
        let fields = s.split(separator: ",", omittingEmptySubsequences: false)
        // Localized headers keep the shape: five columns, the fourth naming an id.
        return fields.count == 5 && (fields[3].contains("ID") || fields[3].contains("Id"))
            && !fields.contains { $0.isEmpty }
    }

    static func csvRecord(_ row: [String], line: Int, context: ParseContext, stats: inout ParseStats) -> Record {
        let levelWord = row[0].trimmingSpaces
        let severity = csvLevel(String(levelWord))
        let provider = String(row[2].trimmingSpaces)
        let code = String(row[3].trimmingSpaces)
        let message = row.count > 5 ? row[5...].joined(separator: ",") : ""
        var ts: Timestamp?
        var source: TimeSource?
        if let parsed = parseCSVDate(row[1]) {
            if parsed.utc {
                ts = parsed.time
                source = .utc
            } else {
                ts = context.zone.localToUTC(parsed.time)
                source = context.zone.timeSource
            }
        } else {
            stats.recordProblem("line \(line): date \"\(row[1])\" not recognized")
        }
        let text = message.replacingLineEndings()
        var r = Record(dataset: Dataset.eventCSV, message: text.isEmpty ? "\(provider) \(code)" : text,
                       timestamp: ts, level: severity, filePath: context.sourcePath, line: line)
        r.timeSource = source
        r.code = code.isEmpty ? nil : code
        r.provider = provider.isEmpty ? nil : provider
        r.hostName = context.hostName
        var w = Winlog()
        w.providerName = r.provider
        w.eventID = Int(code)
        w.level = severity.flatMap { s in [Severity.critical: 1, .error: 2, .warning: 3, .information: 4, .verbose: 5][s] }
        r.winlog = w
        if row.count > 4, !row[4].trimmingSpaces.isEmpty { r.setExtra("event.task_category", .string(String(row[4].trimmingSpaces))) }
        return r
    }

    /// Level words of English and common localized Event Viewers.
    static func csvLevel(_ word: String) -> Severity? {
        switch word.lowercased() {
        case "critical", "kritisch", "critique", "crítico", "critico", "critic": return .critical
        case "error", "fehler", "erreur", "eroare", "errore": return .error
        case "warning", "warnung", "avertissement", "advertencia", "avertisment", "avviso": return .warning
        case "information", "informationen", "informations", "información", "informazioni", "informații", "informatii": return .information
        case "verbose", "ausführlich", "commentaires", "detallado", "detaliat", "dettagliato": return .verbose
        default: return Severity(word: word)
        }
    }

    /// A CSV date as a local civil time (`utc` when it stated a zone and was converted).
    static func parseCSVDate(_ raw: String) -> (time: Timestamp, utc: Bool)? {
        let s = String(raw.trimmingSpaces)
        if s.count >= 10, s.utf8.dropFirst(4).first == UInt8(ascii: "-") {
            let hasZone = s.hasSuffix("Z") || s.utf8.dropFirst(10).contains(UInt8(ascii: "+"))
                || s.dropFirst(10).contains("-")
            guard var t = Timestamp.parseISO8601(s) else { return nil }
            t.precision = .microseconds
            return (t, hasZone)
        }
        // Split into numbers and an optional AM/PM marker.
        var nums: [Int] = []
        var current: Int?
        var marker = ""
        var separators: [Character] = []
        for ch in s {
            if let d = ch.wholeNumberValue, ch.isASCII {
                current = (current ?? 0) * 10 + d
                if current! > 99_999 { return nil }
            } else {
                if let c = current { nums.append(c); current = nil }
                if ch.isLetter { marker.append(ch) } else if ch != " " { separators.append(ch) }
            }
        }
        if let c = current { nums.append(c) }
        guard nums.count == 6 || nums.count == 5 else { return nil }
        if nums.count == 5 { nums.append(0) }
        let m = marker.uppercased()
        var year = 0, month = 0, day = 0
        var hour = nums[3]
        if separators.first == "." {
            (day, month, year) = (nums[0], nums[1], nums[2])
        } else if separators.first == "/" {
            if m == "AM" || m == "PM" { (month, day, year) = (nums[0], nums[1], nums[2]) } else { (day, month, year) = (nums[0], nums[1], nums[2]) }
        } else {
            return nil
        }
        if m == "PM" && hour < 12 { hour += 12 }
        if m == "AM" && hour == 12 { hour = 0 }
        guard !(m != "" && m != "AM" && m != "PM") else { return nil }
        guard let t = Timestamp(year: year, month: month, day: day, hour: hour, minute: nums[4], second: nums[5],
                                precision: .microseconds) else { return nil }
        return (t, false)
    }
}

extension String {
    /// CRLF and lone CR as LF.
    func replacingLineEndings() -> String {
        guard utf8.contains(0x0D) else { return self }
        var out = ""
        var lastCR = false
        for u in unicodeScalars {
            if u == "\r" { out.unicodeScalars.append("\n"); lastCR = true; continue }
            if u == "\n" && lastCR { lastCR = false; continue }
            lastCR = false
            out.unicodeScalars.append(u)
        }
        return out
    }
}

/// Streaming CSV framing (RFC 4180 quoting; rows may span lines inside quotes).
struct CSVRows {
    private var field: [UInt8] = []
    private var row: [String] = []
    private var inQuotes = false
    private var quotePending = false
    private var line = 1
    private var rowLine = 1
    private var rowBytes = 0
    private var overflow = false
    private var lastWasCR = false

    mutating func feed(_ bytes: [UInt8], limit: Int, rows: inout [([String], Int)], problems: inout [String]) {
        for b in bytes {
            rowBytes += 1
            if rowBytes > limit && !overflow {
                overflow = true
                problems.append("line \(rowLine): row longer than \(limit) bytes, dropped")
            }
            if quotePending {
                quotePending = false
                if b == 0x22 { field.append(0x22); continue }
                inQuotes = false
            }
            if inQuotes {
                if b == 0x22 { quotePending = true; continue }
                if b == 0x0A { line += 1 }
                if !overflow { field.append(b) }
                continue
            }
            switch b {
            case 0x22:
                if field.isEmpty { inQuotes = true } else if !overflow { field.append(b) }
            case 0x2C:
                row.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            case 0x0D:
                lastWasCR = true
                endRow(&rows)
                line += 1
                continue
            case 0x0A:
                if lastWasCR { lastWasCR = false; rowLine = line; continue }
                endRow(&rows)
                line += 1
            default:
                if !overflow { field.append(b) }
            }
            lastWasCR = false
        }
    }

    private mutating func endRow(_ rows: inout [([String], Int)]) {
        row.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        if !overflow { rows.append((row, rowLine)) }
        row.removeAll(keepingCapacity: true)
        overflow = false
        rowBytes = 0
        rowLine = line + 1
    }

    mutating func finish(rows: inout [([String], Int)], problems: inout [String]) {
        if inQuotes && !quotePending { problems.append("line \(rowLine): quoted field not closed before the end") }
        if !field.isEmpty || !row.isEmpty { endRow(&rows) }
    }
}
