import LogRecord

/// A date and time read from the start of a log line, before any time zone is applied.
public struct SniffedTime: Sendable, Equatable {
    public enum Zone: Sendable, Equatable {
        /// No zone stated: local time of the site.
        case none
        /// `Z` or `UTC`.
        case utc
        /// A stated offset east of UTC, in seconds.
        case offset(Int)
    }

    /// How the two leading numbers of a slashed or dotted date were ordered.
    public enum Order: Sendable, Equatable {
        /// ISO order `yyyy-MM-dd`: no ambiguity.
        case yearFirst
        /// `a/b/yyyy` or `a.b.yyyy`: `first` and `second` hold a and b; the file decides which is
        /// the month (see `resolve`).
        case ambiguous(first: Int, second: Int, separator: UInt8)
    }

    public var year: Int
    /// Month and day as read when `order` is `.yearFirst`; for `.ambiguous`, month-first reading.
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var microsecond: Int
    public var fractionDigits: Int
    public var zone: Zone
    public var order: Order
    /// UTF-8 offset just past the time (and zone) in the scanned text.
    public var end: Int

    /// Month-first (`M/d/yyyy`) or day-first (`d/M/yyyy`, `d.M.yyyy`) reading of an ambiguous date.
    public func resolved(dayFirst: Bool) -> SniffedTime {
        guard case .ambiguous(let a, let b, _) = order else { return self }
        var copy = self
        if dayFirst { copy.day = a; copy.month = b } else { copy.month = a; copy.day = b }
        return copy
    }

    /// The instant in UTC, applying the stated zone or else `zone` (the site's), and how it was
    /// obtained. `nil` for an impossible date.
    public func timestamp(zone siteZone: SiteZone, precision: Timestamp.Precision = .milliseconds) -> (Timestamp, TimeSource)? {
        guard let local = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute,
                                    second: second, microsecond: microsecond, precision: precision)
        else { return nil }
        switch zone {
        case .utc: return (local, .utc)
        case .offset(let seconds): return (local.adding(seconds: Int64(-seconds)), .offset)
        case .none: return (siteZone.localToUTC(local), siteZone.timeSource)
        }
    }
}

/// Recognizes the date/time forms Windows logs start lines with:
/// `yyyy-MM-dd HH:mm:ss[.fff]` (also `T`, `,` decimal, `/` separators, a zone `Z`/`±hh:mm`),
/// `M/d/yyyy h:mm:ss[.fff] [AM|PM]`, `d.M.yyyy HH:mm:ss`, each optionally inside `[...]`.
public enum TimestampSniffer {
    /// Reads a date/time at `scanner.position`; on success advances past it.
    public static func sniff(_ scanner: inout ByteScanner) -> SniffedTime? {
        var s = scanner
        let bracketed = s.eat(UInt8(ascii: "["))
        guard var t = date(&s), timeOfDay(&s, into: &t) else { return nil }
        if bracketed {
            s.skipSpaces()
            guard s.eat(UInt8(ascii: "]")) else { return nil }
        }
        t.end = s.position
        scanner = s
        return t
    }

    /// Convenience: sniffs at the start of `text`.
    public static func sniff(_ text: some StringProtocol) -> SniffedTime? {
        var s = ByteScanner(prefixOf: text)
        return sniff(&s)
    }

    static func date(_ s: inout ByteScanner) -> SniffedTime? {
        let start = s.position
        guard let first = s.digits(max: 4) else { return nil }
        let sepPos = s.position
        guard let sep = s.peek, sep == UInt8(ascii: "-") || sep == UInt8(ascii: "/") || sep == UInt8(ascii: ".") else {
            s.position = start
            return nil
        }
        s.position += 1
        if sepPos - start == 4 {
            // yyyy-MM-dd or yyyy/MM/dd
            guard let m = s.digits(max: 2), s.eat(sep), let d = s.digits(max: 2), (1...12).contains(m), (1...31).contains(d)
            else { s.position = start; return nil }
            return SniffedTime(year: first, month: m, day: d, hour: 0, minute: 0, second: 0, microsecond: 0,
                               fractionDigits: 0, zone: .none, order: .yearFirst, end: s.position)
        }
        guard sepPos - start <= 2, let second = s.digits(max: 2), s.eat(sep), let y = s.digits(min: 4, max: 4),
              first >= 1, second >= 1, first <= 31, second <= 31, first <= 12 || second <= 12
        else { s.position = start; return nil }
        // Default reading: month first for '/', day first for '.' (German, Romanian, Russian…).
        let dayFirst = sep == UInt8(ascii: ".") || first > 12
        return SniffedTime(year: y, month: dayFirst ? second : first, day: dayFirst ? first : second,
                           hour: 0, minute: 0, second: 0, microsecond: 0, fractionDigits: 0, zone: .none,
                           order: .ambiguous(first: first, second: second, separator: sep), end: s.position)
    }

    static func timeOfDay(_ s: inout ByteScanner, into t: inout SniffedTime) -> Bool {
        let start = s.position
        if !s.eat(UInt8(ascii: "T")) && s.skipSpaces() == 0 { return false }
        guard let h = s.digits(max: 2), s.eat(UInt8(ascii: ":")), let mi = s.digits(min: 2, max: 2),
              s.eat(UInt8(ascii: ":")), let sec = s.digits(min: 2, max: 2),
              h <= 23, mi <= 59, sec <= 60
        else { s.position = start; return false }
        t.hour = h; t.minute = mi; t.second = sec
        let beforeFraction = s.position
        if s.eat(UInt8(ascii: ".")) || s.eat(UInt8(ascii: ",")) || s.eat(UInt8(ascii: ":")) {
            if let f = s.fraction() { t.microsecond = f.micro; t.fractionDigits = f.digits } else { s.position = beforeFraction }
        }
        // AM/PM designator.
        var p = s
        p.skipSpaces()
        if p.eat("AM", caseInsensitive: true) || p.eat("a.m.", caseInsensitive: true) {
            guard (1...12).contains(h) else { s.position = start; return false }
            if h == 12 { t.hour = 0 }
            s = p
        } else if p.eat("PM", caseInsensitive: true) || p.eat("p.m.", caseInsensitive: true) {
            guard (1...12).contains(h) else { s.position = start; return false }
            if h != 12 { t.hour = h + 12 }
            s = p
        }
        // Zone.
        if s.eat(UInt8(ascii: "Z")) {
            t.zone = .utc
        } else if let c = s.peek, c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            var z = s
            z.position += 1
            if let oh = z.digits(min: 2, max: 2) {
                z.eat(UInt8(ascii: ":"))
                let om = z.digits(min: 2, max: 2) ?? 0
                if oh <= 14, om < 60 {
                    t.zone = .offset((c == UInt8(ascii: "-") ? -1 : 1) * (oh * 3600 + om * 60))
                    s = z
                }
            }
        } else {
            var z = s
            z.skipSpaces()
            if z.eat("UTC") || z.eat("GMT") {
                t.zone = .utc
                s = z
            }
        }
        return true
    }
}
