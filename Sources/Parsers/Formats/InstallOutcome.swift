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
        if let firstError { install.append(("first_error", .string(firstError))) }
        if let failedAction { install.append(("failed_action", .string(failedAction))) }
        install.append(("complete", .bool(succeeded != nil)))
        r.extras.append(("install", .object(install)))
        for (k, v) in extras { r.setExtra(k, v) }
        return r
    }

    /// One sentence: "Installation of Planned Failure 1.0.0.0 failed with exit code 1603: …".
    var message: String {
        var s = kind
        if let product { s += " of \(product)" }
        if let version { s += " \(version)" }
        switch succeeded {
        case true?:
            s += " succeeded"
            if let exitCode { s += " (exit code \(exitCode))" }
            s += "."
        case false?:
            s += " failed"
            if let exitCode { s += " with exit code \(exitCode)" }
            if let failedAction { s += " in \(failedAction)" }
            if let firstError { s += ": \(firstError)" } else { s += "." }
        case nil:
            s += " did not finish in this log (no final result; partial)"
            if let firstError { s += "; first error: \(firstError)" } else { s += "." }
        }
        return s
    }
}

/// Byte-level helpers for the install-log parsers' per-line work: no Foundation, no regular
/// expressions. Lines arrive as `String`; parsers look at `Array(text.utf8)`.
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
    static func has(_ u: [UInt8], _ p: [UInt8], at: Int = 0) -> Bool {
        guard at >= 0, at + p.count <= u.count else { return false }
        var k = 0
        while k < p.count {
            if u[at + k] != p[k] { return false }
            k += 1
        }
        return true
    }

    /// `true` when `u` holds `p` at `at`, ignoring ASCII case (`p` must be lower-case).
    static func hasCI(_ u: [UInt8], _ p: [UInt8], at: Int = 0) -> Bool {
        guard at >= 0, at + p.count <= u.count else { return false }
        var k = 0
        while k < p.count {
            if lower(u[at + k]) != p[k] { return false }
            k += 1
        }
        return true
    }

    /// First offset of `p` in `u` at or after `from`.
    static func find(_ u: [UInt8], _ p: [UInt8], from: Int = 0, to end: Int? = nil) -> Int? {
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
    static func findCI(_ u: [UInt8], _ p: [UInt8], from: Int = 0) -> Int? {
        guard !p.isEmpty else { return from }
        let last = u.count - p.count
        var i = max(0, from)
        guard i <= last else { return nil }
        let first = p[0]
        let upper = first >= 0x61 && first <= 0x7A ? first - 0x20 : first
        return u.withUnsafeBufferPointer { buf -> Int? in
            guard let base = buf.baseAddress else { return nil }
            let lowWord = UInt64(first) &* 0x0101_0101_0101_0101
            let upWord = UInt64(upper) &* 0x0101_0101_0101_0101
            while i <= last {
                // Skip eight bytes at a time while none can start a match.
                if i + 8 <= buf.count {
                    let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    if !hasZeroByte(w ^ lowWord) && !hasZeroByte(w ^ upWord) {
                        i += 8
                        continue
                    }
                }
                let c = base[i]
                if c == first || c == upper, hasCI(u, p, at: i) { return i }
                i += 1
            }
            return nil
        }
    }

    @inline(__always)
    static func hasZeroByte(_ w: UInt64) -> Bool {
        (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080 != 0
    }

    /// Last offset of `p` in `u`.
    static func findLast(_ u: [UInt8], _ p: [UInt8]) -> Int? {
        var i = u.count - p.count
        while i >= 0 {
            if has(u, p, at: i) { return i }
            i -= 1
        }
        return nil
    }

    /// Decimal digits at `i` (at most 18), with an optional leading `-`; advances `i`.
    static func int(_ u: [UInt8], _ i: inout Int) -> Int? {
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
    static func hex(_ u: [UInt8], _ i: inout Int) -> Int? {
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

    static func skipSpaces(_ u: [UInt8], _ i: inout Int) {
        while i < u.count, u[i] == 0x20 || u[i] == 0x09 { i += 1 }
    }

    /// The text of `u[a..<b]`, spaces trimmed at both ends.
    static func string(_ u: [UInt8], _ a: Int, _ b: Int) -> String {
        var a = max(0, a), b = min(b, u.count)
        guard a < b else { return "" }
        while a < b, u[a] == 0x20 || u[a] == 0x09 { a += 1 }
        while b > a, u[b - 1] == 0x20 || u[b - 1] == 0x09 { b -= 1 }
        return String(decoding: u[a..<b], as: UTF8.self)
    }

    /// `h:mm:ss` (one or two hour digits) at `i` as seconds of the day; advances `i`.
    static func clock(_ u: [UInt8], _ i: inout Int) -> Int? {
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
    static func digits(_ u: [UInt8], _ i: inout Int, min: Int = 1, max: Int) -> Int? {
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
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year) else { return nil }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day) + dayOffset
        let local = Timestamp(microsecondsSinceEpoch: (Int64(days) * 86_400 + Int64(seconds)) * 1_000_000 + Int64(millis) * 1000)
        return (zone.toUTC(local), zone.source)
    }
}

/// Local-time → UTC conversion with the site zone, cached per 15-minute bucket of local time:
/// `SiteZone.localToUTC` asks the system time zone database twice per call, which costs more than
/// parsing a line. Zone rules change offsets only at quarter-hour local times, so one conversion
/// per bucket gives the same answer as converting every time.
final class ZoneCache {
    let zone: SiteZone
    let source: TimeSource
    private var bucket: Int64 = .min
    private var shift: Int64 = 0

    static let bucketMicros: Int64 = 900 * 1_000_000

    init(_ zone: SiteZone) {
        self.zone = zone
        self.source = zone.timeSource
    }

    /// `local` holds a wall-clock reading as if it were UTC; returns the UTC instant.
    func toUTC(_ local: Timestamp) -> Timestamp {
        let m = local.microseconds
        let b = m >= 0 ? m / Self.bucketMicros : (m - Self.bucketMicros + 1) / Self.bucketMicros
        if b != bucket {
            let start = Timestamp(microsecondsSinceEpoch: b * Self.bucketMicros, precision: local.precision)
            shift = start.microseconds - zone.localToUTC(start).microseconds
            bucket = b
        }
        return Timestamp(microsecondsSinceEpoch: m - shift, precision: local.precision)
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

    mutating func reset(_ line: String) {
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
        var s = first
        s.reserveCapacity(bytes + end)
        for k in 0..<end {
            s.append("\n")
            s.append(more[k])
        }
        return s
    }
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
