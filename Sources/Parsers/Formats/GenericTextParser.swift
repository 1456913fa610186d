import LogRecord

/// The fallback for any text log no format parser claims.
///
/// When the first lines start with a recognizable date/time, an entry starts at each line that
/// does and the lines between join it (stack traces, wrapped text); otherwise every non-empty line
/// is a record. The level is taken from a level word near the start of the entry
/// (`ERROR`, `WARN`, `Information` …) when there is one.
public struct GenericTextParser: TextFormatParser {
    public static let dataset = Dataset.text

    public static func score(lines: [String], path: String) -> Int { 1 }

    private let context: ParseContext
    private let timestamped: Bool
    private var dayFirst: Bool
    private var pending: Record?
    private var pendingLines: [String] = []
    private static let maxEntryLines = 10_000

    public init(context: ParseContext, sample: [String]) {
        self.context = context
        var stamped = 0, nonEmpty = 0
        var dayFirst = false
        for line in sample where !line.isEmpty {
            nonEmpty += 1
            if let t = TimestampSniffer.sniff(line) {
                stamped += 1
                if case .ambiguous(let a, _, let sep) = t.order, a > 12 || sep == UInt8(ascii: ".") { dayFirst = true }
            }
        }
        self.timestamped = stamped > 0 && stamped * 5 >= nonEmpty
        self.dayFirst = dayFirst
    }

    public mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: (Record) throws -> Void) throws {
        if !timestamped {
            guard !line.text.allSatisfy({ $0 == " " || $0 == "\t" }) else { return }
            var r = Record(dataset: Self.dataset, message: line.text, filePath: context.sourcePath, line: line.number)
            r.level = Self.sniffLevel(line.text[...])
            r.hostName = context.hostName
            try emit(r)
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
            return
        }
        if pending != nil, !line.afterGap, pendingLines.count < Self.maxEntryLines {
            pendingLines.append(line.text)
            return
        }
        // Text before the first timestamp, after a gap, or past the entry bound: its own record.
        try flush(emit: emit)
        guard !line.text.isEmpty else { return }
        var r = Record(dataset: Self.dataset, message: line.text, filePath: context.sourcePath, line: line.number)
        r.hostName = context.hostName
        try emit(r)
    }

    public mutating func finish(stats: inout ParseStats, emit: (Record) throws -> Void) throws {
        try flush(emit: emit)
    }

    private mutating func flush(emit: (Record) throws -> Void) throws {
        guard var r = pending else { return }
        while let last = pendingLines.last, last.allSatisfy({ $0 == " " || $0 == "\t" }), pendingLines.count > 1 {
            pendingLines.removeLast()
        }
        r.message = pendingLines.joined(separator: "\n")
        pending = nil
        pendingLines = []
        try emit(r)
    }

    static func dropPrefix(_ text: String, utf8Count: Int) -> Substring {
        let u = text.utf8
        let idx = u.index(u.startIndex, offsetBy: min(utf8Count, u.count))
        return text[idx...]
    }

    /// A level word among the first few words of `text`, e.g. `ERROR`, `[WARN]`, `Information:`:
    /// upper-case or capitalized, 3 to 13 letters, at most the sixth word. Works on bytes.
    public static func sniffLevel(_ text: Substring) -> Severity? {
        var words = 0
        var word: [UInt8] = []
        word.reserveCapacity(16)
        var result: Severity? = nil
        func check() -> Bool {
            defer { word.removeAll(keepingCapacity: true) }
            guard word.count >= 3, word.count <= 13 else { return false }
            guard word[0] >= 0x41, word[0] <= 0x5A else { return false }
            let allUpper = word.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
            let tailLower = word.dropFirst().allSatisfy { $0 >= 0x61 && $0 <= 0x7A }
            guard allUpper || tailLower else { return false }
            result = Severity(word: String(decoding: word, as: UTF8.self))
            return result != nil
        }
        for c in text.utf8.prefix(120) {
            let isLetter = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            if isLetter {
                word.append(c)
                continue
            }
            if !word.isEmpty {
                if check() { return result }
            }
            if c == 0x20 || c == 0x09 || c == 0x7C {
                words += 1
                if words > 6 { return nil }
            }
        }
        if !word.isEmpty, check() { return result }
        return nil
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
