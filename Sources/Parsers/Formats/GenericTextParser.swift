import LogRecord

/// The fallback for any text log no format parser claims.
///
/// When the first lines start with a recognizable date/time, an entry starts at each line that
/// does and the lines between join it (stack traces, wrapped text); otherwise every non-empty line
/// is a record. The level is taken from a level word near the start of the entry
/// (`ERROR`, `WARN`, `Information` …) when there is one. A .NET exception in an entry sets
/// `error.type`, `error.stack_trace` and `amt.error.inner_type` as the AMTError parser does, and
/// `log.level` = `error` when no level word said otherwise.
public struct GenericTextParser: TextFormatParser {
    public static let dataset = Dataset.text

    public static func score(lines: [String], path: String) -> Int { 1 }

    private let context: ParseContext
    private let timestamped: Bool
    private var dayFirst: Bool
    private var pending: Record?
    private var pendingLines: [String] = []
    private static let maxEntryLines = 10_000
    private var splits = EntrySplits()

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        var stamped = 0, nonEmpty = 0, continuation = 0
        var firstStamped: Bool? = nil
        var dayFirst = false
        for line in sample where !line.isEmpty {
            nonEmpty += 1
            if let t = TimestampSniffer.sniff(line) {
                stamped += 1
                if firstStamped == nil { firstStamped = true }
                if case .ambiguous(let a, _, let sep) = t.order, a > 12 || sep == UInt8(ascii: ".") { dayFirst = true }
            } else {
                if firstStamped == nil { firstStamped = false }
                // Indented lines (stack frames, wrapped text) and exception headers continue entries.
                if let c = line.utf8.first, c == 0x20 || c == 0x09 || DotNetException.mentionsException(line) { continuation += 1 }
            }
        }
        // Timestamped when enough lines carry a time, or when the file starts with one and the
        // lines without are mostly continuations (a few entries with long stack traces).
        self.timestamped = stamped > 0
            && (stamped * 5 >= nonEmpty || (firstStamped == true && (stamped + continuation) * 5 >= nonEmpty * 4))
        self.dayFirst = dayFirst
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws {
        if !timestamped {
            guard !line.text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { return }
            var r = Record(dataset: Self.dataset, message: line.text, filePath: context.sourcePath, line: line.number)
            r.level = Self.sniffLevel(line.text[...])
            r.hostName = context.hostName
            try emit(&r)
            return
        }
        var scanner = ByteScanner(prefixOf: line.text)
        if let t = TimestampSniffer.sniff(&scanner) {
            try flush(emit: emit)
            let time = t.resolved(dayFirst: dayFirst)
            let rest = Self.dropPrefix(line.text, utf8Count: time.end)
            var r = Record(dataset: Self.dataset, message: line.text, filePath: context.sourcePath, line: line.number)
            if let (ts, source) = time.timestamp(zone: context.zone) {
                r.timestamp = ts
                r.timeSource = source
            } else {
                stats.recordProblem("line \(line.number.map(String.init) ?? "?"): impossible date in '\(line.text.prefix(40))'")
            }
            r.level = Self.sniffLevel(rest)
            r.hostName = context.hostName
            pending = r
            pendingLines = [line.text]
            splits.entryStarted()
            return
        }
        if pending != nil, !line.afterGap, pendingLines.count < Self.maxEntryLines {
            pendingLines.append(line.text)
            return
        }
        splits.refused(line, full: pending != nil, stats: &stats, lines: Self.maxEntryLines, bytes: nil)
        // Text before the first timestamp, after a gap, or past the entry bound: its own record.
        try flush(emit: emit)
        guard !line.text.isEmpty else { return }
        var r = Record(dataset: Self.dataset, message: line.text, filePath: context.sourcePath, line: line.number)
        r.hostName = context.hostName
        try emit(&r)
    }

    public mutating func finish(stats: inout ParseStats, emit: RecordSink) throws {
        try flush(emit: emit)
    }

    private mutating func flush(emit: RecordSink) throws {
        guard var r = pending else { return }
        while let last = pendingLines.last, last.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }), pendingLines.count > 1 {
            pendingLines.removeLast()
        }
        r.message = pendingLines.joined(separator: "\n")
        // .NET exception text in the entry: type, innermost type and stack, as the AMTError
        // parser reports them; an entry with an exception and no level word is an error.
        if let x = DotNetException.analyze(pendingLines), x.type != nil || x.frameCount > 0 {
            AMTErrorParser.apply(x, lines: pendingLines, to: &r)
            if r.level == nil, x.type != nil { r.level = .error }
        }
        pending = nil
        pendingLines = []
        try emit(&r)
    }

    static func dropPrefix(_ text: String, utf8Count: Int) -> Substring {
        let u = text.utf8
        let idx = u.index(u.startIndex, offsetBy: min(utf8Count, u.count))
        return text[idx...]
    }

    /// A level word among the first few words of `text`, e.g. `ERROR`, `[WARN]`, `Information:`:
    /// of the first six words (split at spaces, tabs and `|`, within the first 120 bytes), the
    /// first that, without surrounding `[]():<>-,;`, is a level name of 3 to 13 letters starting
    /// with a capital. Reads bytes; allocates nothing unless a long word needs the full lookup.
    public static func sniffLevel(_ text: Substring) -> Severity? {
        var t = text
        return t.withUTF8 { all in
            let b = UnsafeBufferPointer(rebasing: all[..<min(all.count, 120)])
            var i = 0
            var words = 0
            while i < b.count, words < 6 {
                while i < b.count, isSeparator(b[i]) { i += 1 }
                guard i < b.count else { break }
                var end = i
                while end < b.count, !isSeparator(b[end]) { end += 1 }
                words += 1
                var lo = i, hi = end
                while lo < hi, isTrimmed(b[lo]) { lo += 1 }
                while hi > lo, isTrimmed(b[hi - 1]) { hi -= 1 }
                if let level = AMTErrorMatch.levelWord(b, lo..<hi) { return level }
                i = end
            }
            return nil
        }
    }

    @inline(__always) private static func isSeparator(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == UInt8(ascii: "|")
    }

    /// `[]():<>-,;`
    @inline(__always) private static func isTrimmed(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ":"),
             UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "-"), UInt8(ascii: ","), UInt8(ascii: ";"): true
        default: false
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing characters from `set`.
    func trimmingCharacters(in set: String) -> Substring {
        let s = Substring(self)
        guard let start = s.firstIndex(where: { !set.contains($0) }) else { return "" }
        let end = s.lastIndex(where: { !set.contains($0) })!
        return s[start...end]
    }
}
