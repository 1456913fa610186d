import LogRecord

/// The result of one install or setup run, gathered while a parser reads the run and written as
/// the run's single summary record when the run ends (or the file does).
///
/// Summary records are the records that carry an `amt.install` object:
/// - `event.outcome`: `success` or `failure` when the log states a result; `unknown` for a run
///   the log does not finish (`amt.install.complete = false`, and a `partial` note in the stats).
/// - `log.level`: `error` for a failure, `information` otherwise.
/// - `event.code` and `amt.install.exit_code`: the exit code as the log states it (`1603`,
///   `-2068052377`, `0x80010000`, `SUCCESS`).
/// - `amt.install.product`, `amt.install.version`: what was installed, where stated.
/// - `amt.install.first_error`: the first line that explains a failure (one line, at most
///   `firstErrorLimit` characters); `amt.install.failed_action`: the failing action, rule or feature.
/// - `amt.install.complete`: `true` when the log states a final result.
/// - `message`: one readable sentence with all of the above.
struct InstallRun {
    /// What kind of run, for the message: "Installation", "SQL Server setup", "Driver install".
    var kind: String
    var product: String?
    var version: String?
    var exitCode: String?
    /// `true` success, `false` failure, `nil` no result stated (partial).
    var succeeded: Bool?
    var firstError: String?
    var failedAction: String?
    /// The exit code as a 32-bit hex HRESULT (`0x851A0019`), for codes that are one.
    var exitCodeHex: String?
    /// What identifies the run across the files it left (a SQL Server setup run's log folder
    /// `20251109_020330`): summary records of one run share it (`amt.install.run_id`).
    var runID: String?
    /// How an interrupted run ended, when the log says it was interrupted: `cancelled` (by the
    /// user) or `failed`; `nil` for a run that was not interrupted.
    var interruption: String?
    /// Where the result was stated (or where the run started, when it never was).
    var line: Int?
    var timestamp: Timestamp?
    var timeSource: TimeSource?
    /// Extra fields for the summary record (`amt.<path>` → value).
    var extras: [(String, JSONValue)] = []

    static let firstErrorLimit = 500

    init(kind: String) {
        self.kind = kind
    }

    /// Keeps `text` as the first error unless one is already known.
    mutating func noteError(_ text: String) {
        guard firstError == nil else { return }
        firstError = InstallRun.oneLine(text)
    }

    /// `text` on one line: line breaks become ` | `, runs of spaces shrink, cut at the limit.
    static func oneLine(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(min(text.utf8.count, firstErrorLimit))
        var lastSpace = false
        var count = 0
        for ch in text {
            if count >= firstErrorLimit { out.append("…"); break }
            if ch == "\n" || ch == "\r" {
                while out.last == " " { out.removeLast() }
                if !out.isEmpty { out.append(" | "); count += 3 }
                lastSpace = true
                continue
            }
            if ch == " " || ch == "\t" {
                if lastSpace { continue }
                lastSpace = true
                out.append(" ")
            } else {
                lastSpace = false
                out.append(ch)
            }
            count += 1
        }
        while out.last == " " || out.last == "|" { out.removeLast() }
        return out
    }

    /// The summary record. Counts the run in `stats` (`install_runs`, `install_failures`,
    /// `install_partial`) and notes a partial run.
    func record(dataset: String, context: ParseContext, stats: inout ParseStats) -> Record {
        var r = Record(dataset: dataset, message: message, filePath: context.sourcePath, line: line)
        r.timestamp = timestamp
        r.timeSource = timeSource
        r.hostName = context.hostName
        r.code = exitCode
        stats.count("install_runs")
        switch succeeded {
        case true?:
            r.outcome = .success
            r.level = .information
        case false?:
            r.outcome = .failure
            r.level = .error
            stats.count("install_failures")
        case nil:
            r.outcome = .unknown
            r.level = .information
            stats.count("install_partial")
            stats.note("partial: \(kind.lowercased()) \(product.map { "of \($0) " } ?? "")has no final result in this log"
                       + (line.map { " (run from line \($0))" } ?? ""))
        }
        var install: [(String, JSONValue)] = []
        if let product { install.append(("product", .string(product))) }
        if let version { install.append(("version", .string(version))) }
        if let exitCode { install.append(("exit_code", .string(exitCode))) }
        if let exitCodeHex { install.append(("exit_code_hex", .string(exitCodeHex))) }
        if let runID { install.append(("run_id", .string(runID))) }
        if let firstError { install.append(("first_error", .string(firstError))) }
        if let failedAction { install.append(("failed_action", .string(failedAction))) }
        install.append(("complete", .bool(succeeded != nil)))
        r.extras.append(("install", .object(install)))
        // `head.leaf` extras under a new head become one object, built in order (what `setExtra`
        // one by one gives, without walking the path each time); any other path goes through it.
        var grouped: [(String, [(String, JSONValue)])] = []
        for (k, v) in extras {
            let u = k.utf8
            guard let dot = u.firstIndex(of: UInt8(ascii: ".")), dot != u.startIndex,
                  u.index(after: dot) != u.endIndex, !u[u.index(after: dot)...].contains(UInt8(ascii: ".")),
                  let head = String(u[..<dot]), let leaf = String(u[u.index(after: dot)...]),
                  !r.extras.contains(where: { $0.0 == head }) else {
                flush(&grouped, into: &r)
                r.setExtra(k, v)
                continue
            }
            if let g = grouped.firstIndex(where: { $0.0 == head }) {
                if let i = grouped[g].1.firstIndex(where: { $0.0 == leaf }) { grouped[g].1[i].1 = v } else { grouped[g].1.append((leaf, v)) }
            } else {
                grouped.append((head, [(leaf, v)]))
            }
        }
        flush(&grouped, into: &r)
        return r
    }

    /// Appends the objects gathered by `record` to `r`'s extras.
    private func flush(_ grouped: inout [(String, [(String, JSONValue)])], into r: inout Record) {
        for (head, members) in grouped { r.extras.append((head, .object(members))) }
        grouped = []
    }

    /// One sentence: "Installation of Planned Failure 1.0.0.0 failed with exit code 1603: …".
    var message: String {
        // Bytes appended piece by piece into room reserved once, made a string at the end (a
        // string's `+=` cost hundreds of instructions a piece; interpolation a string per piece).
        var out: [UInt8] = []
        out.reserveCapacity(kind.utf8.count + (product?.utf8.count ?? 0) + (version?.utf8.count ?? 0)
                            + (exitCode?.utf8.count ?? 0) + (failedAction?.utf8.count ?? 0)
                            + (firstError?.utf8.count ?? 0) + 80)
        func put(_ text: String) { out.append(contentsOf: text.utf8) }
        func put(_ text: StaticString) { text.withUTF8Buffer { out.append(contentsOf: $0) } }
        put(kind)
        if let product { put(" of "); put(product) }
        if let version { put(" "); put(version) }
        switch succeeded {
        case true?:
            put(" succeeded")
            if let exitCode { put(" (exit code "); put(exitCode); put(")") }
            put(".")
        case false? where interruption == "cancelled":
            put(" was cancelled")
            if let exitCode { put(" (exit code "); put(exitCode); put(")") }
            put(".")
        case false?:
            put(interruption == "failed" ? " was interrupted and failed" : " failed")
            if let exitCode { put(" with exit code "); put(exitCode) }
            if let exitCodeHex, exitCodeHex != exitCode { put(" ("); put(exitCodeHex); put(")") }
            if let failedAction { put(" in "); put(failedAction) }
            if let firstError { put(": "); put(firstError) } else { put(".") }
        case nil:
            put(" did not finish in this log (no final result; partial)")
            if let firstError { put("; first error: "); put(firstError) } else { put(".") }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The bytes of one line as the byte helpers read them: zero-based, random access. `[UInt8]` and
/// `UnsafeBufferPointer<UInt8>` (a line's UTF-8 read in place, see `TextLine.withUTF8`) are both.
typealias LineByteBuffer = RandomAccessCollection<UInt8>

/// Byte-level helpers for the install-log parsers' per-line work: no Foundation, no regular
/// expressions. Lines arrive as `String`; parsers look at their UTF-8 bytes, in place
/// (`TextLine.withUTF8`) or copied (`Array(text.utf8)`). Every helper takes a zero-based buffer
/// (`Index == Int`, starting at 0): an `Array` or an `UnsafeBufferPointer`, never a slice.
enum Bytes {
    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    @inline(__always)
    static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> Int {
        if c <= 0x39 { return Int(c - 0x30) }
        if c >= 0x61 { return Int(c - 0x61 + 10) }
        return Int(c - 0x41 + 10)
    }

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 0x20 : c }

    /// `true` when `u` holds `p` at `at`.
    static func has<U: LineByteBuffer>(_ u: U, _ p: [UInt8], at: Int = 0) -> Bool where U.Index == Int {
        p.withUnsafeBufferPointer { has(u, $0, at: at) }
    }

    /// `true` when `u` holds the ASCII literal `p` at `at`: for hot per-line tests, where a literal
    /// costs nothing to reach (an array pattern is a lazily initialized global).
    @inline(__always)
    static func has<U: LineByteBuffer>(_ u: U, _ p: StaticString, at: Int = 0) -> Bool where U.Index == Int {
        p.withUTF8Buffer { has(u, $0, at: at) }
    }

    @inline(__always)
    static func has<U: LineByteBuffer>(_ u: U, _ p: UnsafeBufferPointer<UInt8>, at: Int) -> Bool where U.Index == Int {
        guard at >= 0, at + p.count <= u.count else { return false }
        var k = 0
        while k < p.count {
            if u[at + k] != p[k] { return false }
            k += 1
        }
        return true
    }

    /// The first eight bytes of the literal `s` (at least eight long) as a little-endian word, to
    /// compare with a word loaded from a line.
    @inline(__always)
    static func word(_ s: StaticString) -> UInt64 {
        s.withUTF8Buffer { b in
            var w: UInt64 = 0
            for k in 0..<8 { w |= UInt64(b[k]) << (8 * UInt64(k)) }
            return w
        }
    }

    /// `true` when `u` holds `p` at `at`, ignoring ASCII case (`p` must be lower-case).
    static func hasCI<U: LineByteBuffer>(_ u: U, _ p: [UInt8], at: Int = 0) -> Bool where U.Index == Int {
        guard at >= 0, at + p.count <= u.count else { return false }
        var k = 0
        while k < p.count {
            if lower(u[at + k]) != p[k] { return false }
            k += 1
        }
        return true
    }

    /// First offset of `p` in `u` at or after `from`.
    static func find<U: LineByteBuffer>(_ u: U, _ p: [UInt8], from: Int = 0, to end: Int? = nil) -> Int? where U.Index == Int {
        guard let first = p.first else { return from }
        let last = min(end ?? u.count, u.count) - p.count
        var i = max(0, from)
        while i <= last {
            if u[i] == first, has(u, p, at: i) { return i }
            i += 1
        }
        return nil
    }

    /// First offset of `p` in `u`, ignoring ASCII case (`p` must be lower-case).
    ///
    /// Eight positions at a time, a word is skipped unless one of its bytes matches the pattern's
    /// first byte and the byte after it matches the second (either case): a pair of letters is
    /// rare enough in text that most words are passed over without looking at a byte.
    static func findCI<U: LineByteBuffer>(_ u: U, _ p: [UInt8], from: Int = 0) -> Int? where U.Index == Int {
        guard !p.isEmpty else { return from }
        let last = u.count - p.count
        var i = max(0, from)
        guard i <= last else { return nil }
        let first = p[0]
        let upper = first >= 0x61 && first <= 0x7A ? first - 0x20 : first
        let found = u.withContiguousStorageIfAvailable { buf -> Int? in
            guard let base = buf.baseAddress else { return nil }
            let ones: UInt64 = 0x0101_0101_0101_0101
            let lowWord = UInt64(first) &* ones
            let upWord = UInt64(upper) &* ones
            // With a second byte, candidates need both; `secondFold` makes a letter's two cases
            // one value (other bytes may then match spuriously, which the full test rejects).
            let second: UInt8? = p.count > 1 ? p[1] : nil
            let secondIsLetter = second.map { $0 >= 0x61 && $0 <= 0x7A } ?? false
            let secondFold: UInt64 = secondIsLetter ? ones &* 0x20 : 0
            let secondWord = UInt64(second ?? 0) &* ones
            while i <= last {
                if i + 9 <= buf.count {
                    let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                    var m = zeroBytes(w ^ lowWord) | zeroBytes(w ^ upWord)
                    if second != nil, m != 0 {
                        let w1 = UInt64(littleEndian: UnsafeRawPointer(base + i + 1).loadUnaligned(as: UInt64.self))
                        m &= zeroBytes((w1 | secondFold) ^ secondWord)
                    }
                    while m != 0 {
                        let k = i + m.trailingZeroBitCount >> 3
                        if k <= last, hasCI(buf, p, at: k) { return k }
                        m &= m &- 1
                    }
                    i += 8
                    continue
                }
                let c = base[i]
                if c == first || c == upper, hasCI(buf, p, at: i) { return i }
                i += 1
            }
            return nil
        }
        if let found { return found }
        // A buffer without contiguous storage (none of the parsers' buffers): byte by byte.
        while i <= last {
            if hasCI(u, p, at: i) { return i }
            i += 1
        }
        return nil
    }

    /// The high bit set exactly in the zero bytes of `x` (no borrow from one byte to the next).
    @inline(__always)
    static func zeroBytes(_ x: UInt64) -> UInt64 {
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((x & low) &+ low) | x | low)
    }

    @inline(__always)
    static func hasZeroByte(_ w: UInt64) -> Bool {
        (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080 != 0
    }

    /// Last offset of `p` in `u` (ignoring ASCII case, `p` lower-case) that starts at or after
    /// `from` and ends at or before `before` (default: the end).
    static func findLastCI<U: LineByteBuffer>(_ u: U, _ p: [UInt8], from: Int = 0, before: Int? = nil) -> Int? where U.Index == Int {
        var i = min(before ?? u.count, u.count) - p.count
        let lo = max(0, from)
        while i >= lo {
            if hasCI(u, p, at: i) { return i }
            i -= 1
        }
        return nil
    }

    /// Last offset of `p` in `u`.
    static func findLast<U: LineByteBuffer>(_ u: U, _ p: [UInt8]) -> Int? where U.Index == Int {
        var i = u.count - p.count
        while i >= 0 {
            if has(u, p, at: i) { return i }
            i -= 1
        }
        return nil
    }

    /// Decimal digits at `i` (at most 18), with an optional leading `-`; advances `i`.
    static func int<U: LineByteBuffer>(_ u: U, _ i: inout Int) -> Int? where U.Index == Int {
        var p = i
        var negative = false
        if p < u.count, u[p] == UInt8(ascii: "-") { negative = true; p += 1 }
        var v = 0, n = 0
        while p < u.count, n < 18, isDigit(u[p]) {
            v = v * 10 + Int(u[p] - 0x30)
            p += 1
            n += 1
        }
        guard n > 0 else { return nil }
        i = p
        return negative ? -v : v
    }

    /// Hex digits at `i` (at most 16); advances `i`.
    static func hex<U: LineByteBuffer>(_ u: U, _ i: inout Int) -> Int? where U.Index == Int {
        var p = i, v = 0, n = 0
        while p < u.count, n < 16, isHex(u[p]) {
            v = v << 4 | hexValue(u[p])
            p += 1
            n += 1
        }
        guard n > 0 else { return nil }
        i = p
        return v
    }

    @inline(__always)
    static func skipSpaces<U: LineByteBuffer>(_ u: U, _ i: inout Int) where U.Index == Int {
        while i < u.count, u[i] == 0x20 || u[i] == 0x09 { i += 1 }
    }

    /// The text of `u[a..<b]`, spaces trimmed at both ends.
    static func string<U: LineByteBuffer>(_ u: U, _ a: Int, _ b: Int) -> String where U.Index == Int {
        var a = max(0, a), b = min(b, u.count)
        guard a < b else { return "" }
        while a < b, u[a] == 0x20 || u[a] == 0x09 { a += 1 }
        while b > a, u[b - 1] == 0x20 || u[b - 1] == 0x09 { b -= 1 }
        return String(decoding: u[a..<b], as: UTF8.self)
    }

    /// `h:mm:ss` (one or two hour digits) at `i` as seconds of the day; advances `i`.
    static func clock<U: LineByteBuffer>(_ u: U, _ i: inout Int) -> Int? where U.Index == Int {
        var p = i
        guard let h = digits(u, &p, max: 2), p < u.count, u[p] == 0x3A else { return nil }
        p += 1
        guard let m = digits(u, &p, min: 2, max: 2), p < u.count, u[p] == 0x3A else { return nil }
        p += 1
        guard let s = digits(u, &p, min: 2, max: 2), h < 24, m < 60, s < 61 else { return nil }
        i = p
        return h * 3600 + m * 60 + min(s, 59)
    }

    /// Between `min` and `max` decimal digits at `i`; advances `i`.
    @inline(__always)
    static func digits<U: LineByteBuffer>(_ u: U, _ i: inout Int, min: Int = 1, max: Int) -> Int? where U.Index == Int {
        var p = i, v = 0, n = 0
        while p < u.count, n < max, isDigit(u[p]) {
            v = v * 10 + Int(u[p] - 0x30)
            p += 1
            n += 1
        }
        guard n >= min else { return nil }
        i = p
        return v
    }

    /// `true` for a line of spaces and tabs only (or empty).
    static func isBlank(_ s: String) -> Bool {
        for c in s.utf8 where c != 0x20 && c != 0x09 { return false }
        return true
    }

    /// `true` for bytes that are spaces and tabs only (or none).
    static func isBlank<U: LineByteBuffer>(_ u: U) -> Bool where U.Index == Int {
        var i = 0
        skipSpaces(u, &i)
        return i == u.count
    }
}

extension TextLine {
    /// Calls `body` with the UTF-8 bytes of `text`, read in place: the decoder's lines are native
    /// strings, whose bytes are contiguous (a copy is made only for a string that is not).
    func withUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let r = try text.utf8.withContiguousStorageIfAvailable(body) { return r }
        return try Array(text.utf8).withUnsafeBufferPointer(body)
    }
}

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of an ASCII literal, for the byte helpers.
    init(ascii s: StaticString) {
        self = s.withUTF8Buffer { Array($0) }
    }
}

/// A civil date and a time of day in the site's local time, turned into a UTC timestamp with the
/// site zone. Shared by the parsers whose formats write local times without a zone.
struct LocalClock {
    var year: Int
    var month: Int
    var day: Int

    /// The timestamp `seconds` (plus `millis`) after this day's local midnight, `dayOffset` days
    /// later; `nil` for an impossible date.
    func timestamp(seconds: Int, millis: Int = 0, dayOffset: Int = 0, zone: ZoneCache) -> (Timestamp, TimeSource)? {
        guard let midnight = zone.midnight(of: self, dayOffset: dayOffset) else { return nil }
        let local = Timestamp(microsecondsSinceEpoch: midnight + Int64(seconds) * 1_000_000 + Int64(millis) * 1000)
        return (zone.toUTC(local), zone.source)
    }

    /// Microseconds from the epoch to this day's midnight, `dayOffset` days later (local time read
    /// as if UTC); `nil` for an impossible date.
    func midnight(dayOffset: Int) -> Int64? {
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year) else { return nil }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day) + dayOffset
        return Int64(days) * 86_400_000_000
    }
}

/// Local-time → UTC conversion with the site zone, cached per 15-minute bucket of local time:
/// `SiteZone.localToUTC` asks the system time zone database twice per call, which costs more than
/// parsing a line. Zone rules change offsets only at quarter-hour local times, so one conversion
/// per bucket gives the same answer as converting every time.
///
/// It also keeps the midnight of the last local day asked for (`midnight(of:dayOffset:)`): the
/// lines of a log nearly always share their day with the line before, so the calendar arithmetic
/// runs once per day rather than once per line.
final class ZoneCache {
    let zone: SiteZone
    let source: TimeSource
    /// The current bucket as local microseconds `bucketStart..<bucketEnd` (empty: none yet).
    private var bucketStart: Int64 = 0
    private var bucketEnd: Int64 = 0
    private var shift: Int64 = 0
    private var day = LocalClock(year: 0, month: 0, day: 0)
    private var dayOffset = 0
    private var dayMidnight: Int64?
    private var hasDay = false

    static let bucketMicros: Int64 = 900 * 1_000_000

    init(_ zone: SiteZone) {
        self.zone = zone
        self.source = zone.timeSource
    }

    /// `local` holds a wall-clock reading as if it were UTC; returns the UTC instant.
    func toUTC(_ local: Timestamp) -> Timestamp {
        let m = local.microseconds
        if m < bucketStart || m >= bucketEnd {
            let b = m >= 0 ? m / Self.bucketMicros : (m - Self.bucketMicros + 1) / Self.bucketMicros
            let start = Timestamp(microsecondsSinceEpoch: b * Self.bucketMicros, precision: local.precision)
            shift = start.microseconds - zone.localToUTC(start).microseconds
            bucketStart = b * Self.bucketMicros
            bucketEnd = bucketStart &+ Self.bucketMicros
        }
        return Timestamp(microsecondsSinceEpoch: m - shift, precision: local.precision)
    }

    /// `clock.midnight(dayOffset:)`, from the cache when the day is the one asked for last.
    func midnight(of clock: LocalClock, dayOffset: Int) -> Int64? {
        if hasDay, clock.day == day.day, clock.month == day.month, clock.year == day.year, dayOffset == self.dayOffset {
            return dayMidnight
        }
        day = clock
        self.dayOffset = dayOffset
        dayMidnight = clock.midnight(dayOffset: dayOffset)
        hasDay = true
        return dayMidnight
    }
}

extension Record {
    /// Sets `amt.<group>.<key>` without parsing a dotted path (the per-line form of `setExtra`).
    mutating func putExtra(_ group: String, _ key: String, _ value: JSONValue) {
        if let i = extras.firstIndex(where: { $0.0 == group }), case .object(var inner) = extras[i].1 {
            extras[i].1 = .null
            if let k = inner.firstIndex(where: { $0.0 == key }) { inner[k].1 = value } else { inner.append((key, value)) }
            extras[i].1 = .object(inner)
            return
        }
        extras.append((group, .object([(key, value)])))
    }
}

/// The lines of the entry being framed, bounded in count and bytes so that a file without entry
/// heads (or a forced wrong format) cannot grow an entry without limit: past either bound the next
/// line starts a record of its own.
///
/// The first line is kept apart and the storage of the others is reused, so that framing the usual
/// one-line entry allocates nothing.
struct EntryBuffer {
    private var first = ""
    private var more: [String] = []
    private(set) var count = 0
    private(set) var bytes = 0
    static let maxLines = 10_000
    static let maxBytes = 4 << 20

    /// The lines in order.
    var lines: [String] { count == 0 ? [] : [first] + more }
    var isEmpty: Bool { count == 0 }
    /// `true` while another line may join.
    var canTake: Bool { count < Self.maxLines && bytes < Self.maxBytes }
    /// Counts the continuation lines split off a full entry.
    private var splits = EntrySplits()

    /// Whether the continuation line `line` joins the entry (`pending`: there is one). A line that
    /// does not because the entry is full is counted as split off (`ParseStats.entryLinesSplit`),
    /// and so is each continuation line right after it: each becomes a record of its own, or the
    /// head of the next entry.
    mutating func takes(_ line: TextLine, pending: Bool, stats: inout ParseStats) -> Bool {
        if pending, !line.afterGap, canTake { return true }
        splits.refused(line, full: pending, stats: &stats, lines: Self.maxLines, bytes: Self.maxBytes)
        return false
    }

    mutating func reset(_ line: String) {
        splits.entryStarted()
        first = line
        more.removeAll(keepingCapacity: true)
        count = 1
        bytes = line.utf8.count
    }

    mutating func append(_ line: String) {
        if count == 0 { first = line } else { more.append(line) }
        count += 1
        bytes += line.utf8.count
    }

    mutating func clear() {
        first = ""
        more.removeAll(keepingCapacity: true)
        count = 0
        bytes = 0
    }

    /// The lines joined with `\n`, trailing blank lines left out .
    func joined() -> String {
        var end = more.count
        while end > 0, Bytes.isBlank(more[end - 1]) { end -= 1 }
        if end == 0 { return first }
        return TextJoin.lines(first: first, more: more, moreCount: end)
    }
}

/// Counts continuation lines split off an entry that reached its limit (lines or bytes): the first
/// one refused while the entry was full, and those right after it, up to the next entry or gap.
struct EntrySplits {
    /// The line last counted (`Int.min` when its number is not known), `nil` when not splitting.
    private var last: Int?

    /// A continuation line did not join: `full` when an entry was there but full.
    mutating func refused(_ line: TextLine, full: Bool, stats: inout ParseStats, lines: Int, bytes: Int?) {
        if line.afterGap { last = nil; return }
        let follows: Bool
        if let last {
            // Right after the line last split off (numbers unknown after a gap: until the next entry).
            follows = last == Int.min || line.number == nil || line.number == last + 1
        } else {
            follows = false
        }
        guard full || follows else { return }
        last = line.number ?? Int.min
        stats.countEntryLineSplit(limitLines: lines, limitBytes: bytes)
    }

    /// A new entry started: lines after it join it.
    mutating func entryStarted() { last = nil }
}

/// A line's UTF-8 bytes in storage reused from line to line (no allocation per line once the
/// storage has grown to the longest line).
struct LineBytes {
    private var storage: [UInt8] = []

    /// The bytes of `text`. The result shares the storage: let it go before the next `load`.
    mutating func load(_ text: String) -> [UInt8] {
        var b: [UInt8] = []
        swap(&b, &storage)
        b.removeAll(keepingCapacity: true)
        b.append(contentsOf: text.utf8)
        storage = b
        return b
    }
}

/// A record with the fields every record of a source shares (dataset, `log.file.path`,
/// `host.name`, level `information`): parsers copy it and fill in the rest.
enum RecordTemplate {
    static func make(dataset: String, context: ParseContext) -> Record {
        var r = Record(dataset: dataset, message: "", filePath: context.sourcePath)
        r.hostName = context.hostName
        r.level = .information
        return r
    }
}
