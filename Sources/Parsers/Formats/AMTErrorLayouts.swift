import LogRecord

/// The fields of an entry's first line, before the zone and day/month order are applied. A class:
/// the header travels from the matcher through the pending entry to the record, and as a value it
/// was copied (every string retained) several times per entry.
final class AMTEntryHeader {
    // Set by the matcher that makes the header, then only read: no dynamic exclusivity checks
    // (each access to a class's stored property would otherwise register with the runtime).
    @exclusivity(unchecked) var time: SniffedTime
    @exclusivity(unchecked) var level: Severity?
    /// Thread as written (`6`, `ASP.NET worker`).
    @exclusivity(unchecked) var thread: String?
    /// Thread as a number, when it is one.
    @exclusivity(unchecked) var threadID: Int?
    @exclusivity(unchecked) var logger: String?
    @exclusivity(unchecked) var ndc: String?
    /// NLog fields before the level that are not a thread id.
    @exclusivity(unchecked) var context: String?
    /// UTF-8 offset of the message in the line.
    @exclusivity(unchecked) var messageStart: Int
    /// Whether the time holds a date (a layout may write the time of day only).
    @exclusivity(unchecked) var hasDate = false
    @exclusivity(unchecked) var timeKnown = false
    /// Whether the layout's time (of day, at least) was read.
    @exclusivity(unchecked) var timeRead = false
    /// Other fields the layout names (host, process id, event id, properties …), in order.
    @exclusivity(unchecked) var fields: [(role: LayoutRole, value: String)] = []
    /// The message and exception of a structured entry (JSON, CSV), instead of the line's tail.
    @exclusivity(unchecked) var message: String?
    @exclusivity(unchecked) var exception: String?
    /// The level of an entry that writes none (Serilog CLEF: `Information`).
    @exclusivity(unchecked) var levelDefault: Severity?

    init(time: SniffedTime, messageStart: Int) {
        self.time = time
        self.messageStart = messageStart
    }

    /// What an alternative of a layout may have set: the time, and which fields were unset
    /// (a bit each), to restore when it does not match. No strings are retained for it.
    struct Snapshot {
        var time: SniffedTime
        var unset: UInt8
        var hasDate: Bool
        var timeKnown: Bool
        var timeRead: Bool
        var fields: Int
    }

    @inline(__always)
    func snapshot() -> Snapshot {
        let unset: UInt8 = (level == nil ? 1 : 0) | (thread == nil ? 2 : 0) | (threadID == nil ? 4 : 0)
            | (logger == nil ? 8 : 0) | (ndc == nil ? 16 : 0) | (context == nil ? 32 : 0)
        return Snapshot(time: time, unset: unset, hasDate: hasDate, timeKnown: timeKnown, timeRead: timeRead, fields: fields.count)
    }

    func restore(_ s: Snapshot) {
        time = s.time
        hasDate = s.hasDate
        timeKnown = s.timeKnown
        timeRead = s.timeRead
        if s.unset & 1 != 0 { level = nil }
        if s.unset & 2 != 0 { thread = nil }
        if s.unset & 4 != 0 { threadID = nil }
        if s.unset & 8 != 0 { logger = nil }
        if s.unset & 16 != 0 { ndc = nil }
        if s.unset & 32 != 0 { context = nil }
        if fields.count > s.fields { fields.removeLast(fields.count - s.fields) }
    }
}

/// Byte-level readers the layouts are built from: the fast time paths, level words, brackets,
/// fields.
enum AMTErrorMatch {
    // MARK: - Time

    /// A date and time at the start of the line (no bracket), `yearFirst` or ambiguous as asked.
    static func time(_ b: UnsafeBufferPointer<UInt8>, yearFirst: Bool) -> SniffedTime? {
        guard let c = b.first, c >= 0x30, c <= 0x39 else { return nil }
        if yearFirst, let t = isoFast(b) { return t }
        if !yearFirst, let t = usFast(b) { return t }
        var scanner = ByteScanner(Array(b.prefix(48)))
        guard let t = TimestampSniffer.sniff(&scanner) else { return nil }
        switch t.order {
        case .yearFirst:
            // log4net `%date`, NLog `${longdate}` and Serilog all write fractions of a second; a
            // plain `yyyy-MM-dd HH:mm:ss LEVEL text` line is left to the generic parser.
            guard yearFirst, t.fractionDigits >= 3 else { return nil }
        case .ambiguous: guard !yearFirst else { return nil }
        }
        return t
    }

    /// The common `yyyy-MM-dd HH:mm:ss[.,]f…` form read straight from the buffer (no copy); `nil`
    /// sends the line to `TimestampSniffer`, which reads every other form.
    @inline(__always)
    static func isoFast(_ b: UnsafeBufferPointer<UInt8>) -> SniffedTime? {
        guard b.count >= 23 else { return nil }
        @inline(__always) func d(_ i: Int) -> Int? {
            let c = b[i]
            return c >= 0x30 && c <= 0x39 ? Int(c &- 0x30) : nil
        }
        guard let y0 = d(0), let y1 = d(1), let y2 = d(2), let y3 = d(3), b[4] == UInt8(ascii: "-"),
              let m0 = d(5), let m1 = d(6), b[7] == UInt8(ascii: "-"), let d0 = d(8), let d1 = d(9),
              b[10] == 0x20 || b[10] == UInt8(ascii: "T"),
              let h0 = d(11), let h1 = d(12), b[13] == UInt8(ascii: ":"), let i0 = d(14), let i1 = d(15),
              b[16] == UInt8(ascii: ":"), let s0 = d(17), let s1 = d(18),
              b[19] == UInt8(ascii: ".") || b[19] == UInt8(ascii: ","), d(20) != nil
        else { return nil }
        let month = m0 * 10 + m1, day = d0 * 10 + d1, hour = h0 * 10 + h1, minute = i0 * 10 + i1, second = s0 * 10 + s1
        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 60 else { return nil }
        var i = 20
        var micro = 0, digits = 0
        while i < b.count, let v = d(i) {
            if digits < 6 { micro = micro * 10 + v }
            digits += 1
            i += 1
        }
        for _ in min(digits, 6)..<6 { micro *= 10 }
        // A zone right after the fraction (`Z`, `+01:00`) is the sniffer's business.
        if i < b.count, b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { return nil }
        // So are AM/PM designators (rare after ISO dates, but the sniffer honours them).
        if i + 2 < b.count, b[i] == 0x20, b[i + 1] | 0x20 == UInt8(ascii: "a") || b[i + 1] | 0x20 == UInt8(ascii: "p"),
           b[i + 2] | 0x20 == UInt8(ascii: "m") || b[i + 2] == UInt8(ascii: ".") { return nil }
        if i + 3 < b.count, b[i] == 0x20, (b[i + 1] == UInt8(ascii: "U") && b[i + 2] == UInt8(ascii: "T"))
            || (b[i + 1] == UInt8(ascii: "G") && b[i + 2] == UInt8(ascii: "M")) { return nil }
        return SniffedTime(year: y0 * 1000 + y1 * 100 + y2 * 10 + y3, month: month, day: day, hour: hour, minute: minute,
                           second: second, microsecond: micro, fractionDigits: digits, zone: .none, order: .yearFirst, end: i)
    }

    /// The product's own `M/d/yyyy h:mm:ss[.fff] [AM|PM]` read straight from the buffer (no copy),
    /// giving exactly what `TimestampSniffer` gives for it; `nil` sends the line to the sniffer,
    /// which reads every other form (zones, `a.m.`, `T`, dotted dates, a 24-hour clock with AM/PM).
    @inline(__always)
    static func usFast(_ b: UnsafeBufferPointer<UInt8>) -> SniffedTime? {
        let n = b.count
        var i = 0
        @inline(__always) func number(_ most: Int) -> (value: Int, digits: Int) {
            var v = 0, k = 0
            while i < n, k < most, b[i] &- 0x30 < 10 {
                v = v * 10 + Int(b[i] &- 0x30)
                i += 1
                k += 1
            }
            return (v, k)
        }
        @inline(__always) func eat(_ c: UInt8) -> Bool {
            guard i < n, b[i] == c else { return false }
            i += 1
            return true
        }
        let first = number(2)
        guard first.digits > 0, eat(UInt8(ascii: "/")) else { return nil }
        let second = number(2)
        guard second.digits > 0, eat(UInt8(ascii: "/")) else { return nil }
        let year = number(4)
        guard year.digits == 4, i < n, b[i] == 0x20 || b[i] == 0x09 else { return nil }
        let a = first.value, m = second.value
        guard a >= 1, m >= 1, a <= 31, m <= 31, a <= 12 || m <= 12 else { return nil }
        while i < n, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        let h = number(2)
        guard h.digits > 0, eat(UInt8(ascii: ":")) else { return nil }
        let mi = number(2)
        guard mi.digits == 2, eat(UInt8(ascii: ":")) else { return nil }
        let sec = number(2)
        guard sec.digits == 2, h.value <= 23, mi.value <= 59, sec.value <= 60 else { return nil }
        var hour = h.value
        var micro = 0, fractionDigits = 0
        if i + 1 < n, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") || b[i] == UInt8(ascii: ":"),
           b[i + 1] &- 0x30 < 10 {
            i += 1
            while i < n, b[i] &- 0x30 < 10 {
                if fractionDigits < 6 { micro = micro * 10 + Int(b[i] &- 0x30) }
                fractionDigits += 1
                i += 1
            }
            for _ in min(fractionDigits, 6)..<6 { micro *= 10 }
        }
        var p = i
        while p < n, b[p] == 0x20 || b[p] == 0x09 { p += 1 }
        if p + 1 < n, b[p] | 0x20 == UInt8(ascii: "a") || b[p] | 0x20 == UInt8(ascii: "p") {
            if b[p + 1] | 0x20 == UInt8(ascii: "m") {
                guard (1...12).contains(hour) else { return nil }
                if b[p] | 0x20 == UInt8(ascii: "a") {
                    if hour == 12 { hour = 0 }
                } else if hour != 12 {
                    hour += 12
                }
                i = p + 2
                p = i
                while p < n, b[p] == 0x20 || b[p] == 0x09 { p += 1 }
            } else if b[p + 1] == UInt8(ascii: ".") {
                return nil
            }
        }
        // A zone after the time is the sniffer's business.
        if i < n, b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { return nil }
        if p + 2 < n, (b[p] == UInt8(ascii: "U") && b[p + 1] == UInt8(ascii: "T") && b[p + 2] == UInt8(ascii: "C"))
            || (b[p] == UInt8(ascii: "G") && b[p + 1] == UInt8(ascii: "M") && b[p + 2] == UInt8(ascii: "T")) { return nil }
        // Month first for '/' unless the first number cannot be a month (as the sniffer reads it).
        let dayFirst = a > 12
        return SniffedTime(year: year.value, month: dayFirst ? m : a, day: dayFirst ? a : m, hour: hour,
                           minute: mi.value, second: sec.value, microsecond: micro, fractionDigits: fractionDigits,
                           zone: .none, order: .ambiguous(first: a, second: m, separator: UInt8(ascii: "/")), end: i)
    }

    // MARK: - Helpers

    /// A numeric thread becomes `threadID` without making a string; any other is `thread`.
    static func setThread(_ h: AMTEntryHeader, _ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ cache: inout StringCache) {
        if !r.isEmpty, r.count <= 9 {
            var v = 0
            var numeric = true
            for k in r {
                let c = b[k]
                guard c >= 0x30, c <= 0x39 else { numeric = false; break }
                v = v * 10 + Int(c - 0x30)
            }
            if numeric { h.threadID = v; return }
        }
        h.thread = cache.string(b, r)
    }

    /// `[inner]` at `i`: ranges of the content and of the end (past `]`).
    static func bracket(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> (inner: Range<Int>, end: Int)? {
        var j = i + 1
        let limit = min(b.count, i + 256)
        while j < limit {
            if b[j] == UInt8(ascii: "]") { return (i + 1..<j, j + 1) }
            j += 1
        }
        return nil
    }

    /// A level name in the range: letters only, upper-case (`WARN`) or capitalized (`Warning`), or
    /// Serilog's three-letter codes. Returns `nil` for anything else.
    static func levelWord(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Severity? {
        let n = r.count
        guard n >= 3, n <= 13 else { return nil }
        var packed: UInt64 = 0
        for k in r {
            let c = b[k]
            let isUpper = c >= 0x41 && c <= 0x5A
            let isLower = c >= 0x61 && c <= 0x7A
            guard isUpper || (isLower && k != r.lowerBound) else { return nil }
            packed = packed &<< 8 | UInt64(c | 0x20)
        }
        if n <= 8 { return shortLevel(packed) }
        for (word, level) in longLevels where word.count == n {
            var same = true
            for k in 0..<n where b[r.lowerBound + k] | 0x20 != word[k] { same = false; break }
            if same { return level }
        }
        return nil
    }

    /// Every word `Severity(word:)` takes, lower-case.
    static let levelWords = Severity.words.map(\.word)

    /// Level words of up to 8 letters, lower-case, packed big-endian into a `UInt64`, sorted by
    /// that key (`Severity.words`, the vocabulary `Severity(word:)` reads). Searched by halves:
    /// most first words looked up are not level words, and hashing each one cost more.
    static let shortLevels: [(key: UInt64, level: Severity)] = Severity.words
        .filter { $0.word.utf8.count <= 8 }
        .map { (key: $0.word.utf8.reduce(UInt64(0)) { $0 &<< 8 | UInt64($1) }, level: $0.level) }
        .sorted { $0.key < $1.key }

    /// The level words longer than 8 letters, lower-case, with their level.
    static let longLevels: [(word: [UInt8], level: Severity)] = Severity.words
        .filter { $0.word.utf8.count > 8 }
        .map { (word: Array($0.word.utf8), level: $0.level) }

    static func shortLevel(_ packed: UInt64) -> Severity? {
        shortLevels.withUnsafeBufferPointer { t in
            var lo = 0, hi = t.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                let k = t[mid].key
                if k == packed { return t[mid].level }
                if k < packed { lo = mid + 1 } else { hi = mid }
            }
            return nil
        }
    }

    static func text(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    static func skipSpaces(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var j = i
        while j < b.count, b[j] == 0x20 || b[j] == 0x09 { j += 1 }
        return j
    }

    static func skipOneSpace(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        i < b.count && b[i] == 0x20 ? i + 1 : i
    }

    static func wordEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var j = i
        while j < b.count, b[j] != 0x20, b[j] != 0x09 { j += 1 }
        return j
    }

    static func fieldEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var j = i
        while j < b.count, b[j] != UInt8(ascii: "|") { j += 1 }
        return j
    }

    static func trim(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi, b[lo] == 0x20 { lo += 1 }
        while hi > lo, b[hi - 1] == 0x20 { hi -= 1 }
        return lo..<hi
    }

    static func contains(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ c: UInt8) -> Bool {
        for k in r where b[k] == c { return true }
        return false
    }

    /// A lone `-` token (followed by a space or the end of the line).
    static func isDash(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        i < b.count && b[i] == UInt8(ascii: "-") && (i + 1 == b.count || b[i + 1] == 0x20)
    }

    static func twoDigits(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard i + 1 < b.count, b[i] >= 0x30, b[i] <= 0x39, b[i + 1] >= 0x30, b[i + 1] <= 0x39 else { return nil }
        return Int(b[i] - 0x30) * 10 + Int(b[i + 1] - 0x30)
    }
}

/// Recently seen short strings (loggers, threads), so that a line repeating one costs a compare
/// instead of an allocation.
struct StringCache {
    private var entries: [String] = []
    private var next = 0
    private static let size = 16

    mutating func string(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        let n = r.count
        for k in entries.indices where entries[k].utf8.count == n {
            // Read in place (`withUTF8` is mutating: through the array it cost a uniqueness check
            // per entry) and compared as a block (a byte loop cost more than the rest).
            let same = entries[k].utf8.withContiguousStorageIfAvailable { e -> Bool in
                guard n > 0, let eb = e.baseAddress, let bb = b.baseAddress else { return true }
                return RawBytes.equal(eb, bb + r.lowerBound, count: n)
            } ?? entries[k].utf8.elementsEqual(UnsafeBufferPointer(rebasing: b[r]))
            if same { return entries[k] }
        }
        let s = AMTErrorMatch.text(b, r)
        if entries.count < Self.size {
            entries.append(s)
        } else {
            entries[next] = s
            next = (next + 1) % Self.size
        }
        return s
    }
}
