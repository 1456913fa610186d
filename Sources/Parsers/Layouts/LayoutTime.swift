/// A date/time reader compiled from a .NET format string (`yyyy-MM-dd HH:mm:ss,fff`, `dd/MM/yyyy`,
/// `HH:mm:ss.ffff tt`, `zzz`, `K` …) or standing for a culture-dependent form (`G`, Serilog's
/// `{Timestamp}` without format), read at a byte offset of a line without copying.
///
/// A reader fills only the parts its format has: a date-only reader (`${shortdate}`) and a
/// time-only one (`${time}`) are combined into one `SniffedTime` by the layout that holds both.
struct LayoutTime: Sendable, Hashable {
    enum Part: Sendable, Hashable {
        /// `yyyy` (exactly four digits), `yy` (two, 2000 + n).
        case year(digits: Int)
        /// `MM` (two), `M` (one or two).
        case month(fixed: Bool)
        /// `MMM`, `MMMM`: English month names (abbreviated or full, any case).
        case monthName
        /// `dd`, `d`.
        case day(fixed: Bool)
        /// `ddd`, `dddd`: a day name, skipped (letters).
        case dayName
        /// `HH`/`H` (24-hour) or `hh`/`h` (12-hour, with `tt`).
        case hour(fixed: Bool, twelve: Bool)
        case minute(fixed: Bool)
        case second(fixed: Bool)
        /// `f…` (exactly n digits) or `F…` (up to n, trailing zeros left out, possibly none).
        case fraction(digits: Int, optional: Bool)
        /// `tt` (`AM`/`PM`), `t` (`A`/`P`); also `a.m.`.
        case designator
        /// `zzz` (`+01:00`), `zz` (`+01`), `z` (`+1`); `K` (`Z`, `+01:00` or nothing).
        case offset(k: Bool)
        /// A literal byte; a space stands for one or more spaces or tabs.
        case literal(UInt8)
    }

    enum Form: Sendable, Hashable {
        /// The compiled parts.
        case parts([Part])
        /// A culture's general form (`G`, `g`, a `DateTime` written without format): a slashed,
        /// dotted or dashed date in either day/month order, a 12- or 24-hour clock; the order is
        /// decided once per file.
        case culture
        /// `yyyy-MM-dd HH:mm:ss` with a fraction of at least `minFraction` digits (`.` or `,`),
        /// then an optional zone: the inferred ISO-like form, read by the fast path.
        case iso(minFraction: Int)
        /// `a/b/yyyy` or `a.b.yyyy` and a time (the product's own `M/d/yyyy h:mm:ss tt`): the
        /// inferred slashed or dotted form, day/month order decided once per file.
        case dayMonth
    }

    var form: Form
    /// The renderer writes UTC (`%utcdate`, `universalTime=true`, EntLib `{timestamp}`).
    var utc: Bool
    /// Whether the form holds a date, and a time of day.
    var hasDate: Bool
    var hasTime: Bool

    init(form: Form, utc: Bool = false) {
        self.form = form
        self.utc = utc
        switch form {
        case .culture, .iso, .dayMonth:
            hasDate = true
            hasTime = true
        case .parts(let parts):
            hasDate = parts.contains { if case .year = $0 { true } else { false } }
            hasTime = parts.contains { if case .hour = $0 { true } else { false } }
        }
    }

    /// Whether what the form writes starts with a digit.
    var startsWithDigit: Bool {
        guard case .parts(let parts) = form else { return true }
        switch parts.first {
        case .year?, .month?, .day?, .hour?, .minute?, .second?, .fraction?: return true
        default: return false
        }
    }

    /// Compiles a .NET custom or standard format string, or a log4net named format (`ISO8601`,
    /// `ABSOLUTE`, `DATE`). Single-letter standard formats other than `G`/`g` map to their
    /// invariant-culture pattern (`o`, `s`, `u`, `R`); `G`, `g`, `f`, `F` are culture forms.
    static func compile(dotNet format: String, utc: Bool = false) -> LayoutTime {
        switch format {
        case "ISO8601": return compile(dotNet: "yyyy-MM-dd HH:mm:ss,fff", utc: utc)
        case "ABSOLUTE": return compile(dotNet: "HH:mm:ss,fff", utc: utc)
        case "DATE": return compile(dotNet: "dd MMM yyyy HH:mm:ss,fff", utc: utc)
        case "G", "g", "f", "F", "": return LayoutTime(form: .culture, utc: utc)
        case "o", "O": return compile(dotNet: "yyyy-MM-ddTHH:mm:ss.fffffffK", utc: utc)
        case "s": return compile(dotNet: "yyyy-MM-ddTHH:mm:ss", utc: utc)
        case "u": return compile(dotNet: "yyyy-MM-dd HH:mm:ssK", utc: true)
        case "R", "r": return compile(dotNet: "ddd, dd MMM yyyy HH:mm:ss 'GMT'", utc: true)
        case "d": return LayoutTime(form: .culture, utc: utc)
        case "T", "t": return compile(dotNet: "H:mm:ss", utc: utc)
        default: break
        }
        var parts: [Part] = []
        let u = Array(format.utf8)
        var i = 0
        func run(_ c: UInt8) -> Int {
            var n = 0
            while i + n < u.count, u[i + n] == c { n += 1 }
            return n
        }
        while i < u.count, parts.count < 64 {
            let c = u[i]
            switch c {
            case UInt8(ascii: "y"):
                let n = run(c); i += n
                parts.append(.year(digits: n <= 2 ? 2 : 4))
            case UInt8(ascii: "M"):
                let n = run(c); i += n
                parts.append(n >= 3 ? .monthName : .month(fixed: n == 2))
            case UInt8(ascii: "d"):
                let n = run(c); i += n
                parts.append(n >= 3 ? .dayName : .day(fixed: n == 2))
            case UInt8(ascii: "H"), UInt8(ascii: "h"):
                let n = run(c); i += n
                parts.append(.hour(fixed: n >= 2, twelve: c == UInt8(ascii: "h")))
            case UInt8(ascii: "m"):
                let n = run(c); i += n
                parts.append(.minute(fixed: n >= 2))
            case UInt8(ascii: "s"):
                let n = run(c); i += n
                parts.append(.second(fixed: n >= 2))
            case UInt8(ascii: "f"), UInt8(ascii: "F"):
                let n = run(c); i += n
                parts.append(.fraction(digits: min(n, 7), optional: c == UInt8(ascii: "F")))
            case UInt8(ascii: "t"):
                i += run(c)
                parts.append(.designator)
            case UInt8(ascii: "z"):
                i += run(c)
                parts.append(.offset(k: false))
            case UInt8(ascii: "K"):
                i += 1
                parts.append(.offset(k: true))
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                i += 1
                while i < u.count, u[i] != c { parts.append(.literal(u[i])); i += 1 }
                i += 1
            case UInt8(ascii: "\\"):
                if i + 1 < u.count { parts.append(.literal(u[i + 1])) }
                i += 2
            case UInt8(ascii: "%"):
                i += 1
            default:
                parts.append(.literal(c))
                i += 1
            }
        }
        // A fraction the renderer may leave out entirely (`.FFF`) takes its separator with it.
        var out: [Part] = []
        for p in parts {
            if case .fraction(_, true) = p, let last = out.last, case .literal(let sep) = last,
               sep == UInt8(ascii: ".") || sep == UInt8(ascii: ",") {
                out.removeLast()
                out.append(.literal(0))
            }
            out.append(p)
        }
        // The common ISO forms go to the fast reader (`,` or `.` before the fraction, `T` or a space).
        // The declared width of the fraction is not enforced: a log written with another precision
        // than its config states (an older config, another library version) still reads.
        for n in 3...7 {
            for sep in [UInt8(ascii: ","), UInt8(ascii: ".")] {
                for t in [UInt8(ascii: " "), UInt8(ascii: "T")] where out == isoParts(fraction: n, separator: sep, t: t) {
                    return LayoutTime(form: .iso(minFraction: 1), utc: utc)
                }
            }
        }
        return LayoutTime(form: .parts(out), utc: utc)
    }

    /// `yyyy-MM-dd HH:mm:ss,fff` as parts (`t` between date and time, `fraction` digits).
    static func isoParts(fraction: Int, separator: UInt8, t: UInt8) -> [Part] {
        let dash = Part.literal(UInt8(ascii: "-")), colon = Part.literal(UInt8(ascii: ":"))
        return [.year(digits: 4), dash, .month(fixed: true), dash, .day(fixed: true), .literal(t == 0x20 ? 0x20 : t),
                .hour(fixed: true, twelve: false), colon, .minute(fixed: true), colon, .second(fixed: true),
                .literal(separator), .fraction(digits: fraction, optional: false)]
    }

    /// Reads the form at `start`; `into` carries what another reader of the same layout filled
    /// (date or time of day). Returns the time and the offset past it, or `nil`.
    @inline(__always)
    func read(_ b: UnsafeBufferPointer<UInt8>, at start: Int, into base: SniffedTime) -> SniffedTime? {
        switch form {
        case .iso(let minFraction):
            return LayoutTime.iso(b, at: start, minFraction: minFraction)
        case .culture:
            return LayoutTime.culture(b, at: start)
        case .dayMonth:
            guard start < b.count, b[start] &- 0x30 < 10 else { return nil }
            guard var t = AMTErrorMatch.time(UnsafeBufferPointer(rebasing: b[start...]), yearFirst: false) else { return nil }
            t.end += start
            return t
        case .parts(let parts):
            return LayoutTime.parts(parts, b, at: start, into: base)
        }
    }

    /// An empty time to fill (no date, midnight).
    static let blank = SniffedTime(year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, microsecond: 0,
                                   fractionDigits: 0, zone: .none, order: .yearFirst, end: 0)

    // MARK: - Readers

    static func iso(_ b: UnsafeBufferPointer<UInt8>, at start: Int, minFraction: Int) -> SniffedTime? {
        guard start < b.count, b[start] &- 0x30 < 10 else { return nil }
        let r = UnsafeBufferPointer(rebasing: b[start...])
        if var t = AMTErrorMatch.isoFast(r) {
            guard t.fractionDigits >= minFraction else { return nil }
            t.end += start
            return t
        }
        var scanner = ByteScanner(Array(r.prefix(48)))
        guard var t = TimestampSniffer.sniff(&scanner), t.order == .yearFirst, t.fractionDigits >= minFraction
        else { return nil }
        t.end += start
        return t
    }

    static func culture(_ b: UnsafeBufferPointer<UInt8>, at start: Int) -> SniffedTime? {
        guard start < b.count, b[start] &- 0x30 < 10 else { return nil }
        let r = UnsafeBufferPointer(rebasing: b[start...])
        if var t = AMTErrorMatch.usFast(r) {
            t.end += start
            return t
        }
        var scanner = ByteScanner(Array(r.prefix(48)))
        guard var t = TimestampSniffer.sniff(&scanner) else { return nil }
        t.end += start
        return t
    }

    static func parts(_ parts: [Part], _ b: UnsafeBufferPointer<UInt8>, at start: Int, into base: SniffedTime) -> SniffedTime? {
        var t = base
        var i = start
        let n = b.count
        var hour = -1
        var twelve = false
        var pm: Bool? = nil
        @inline(__always) func number(_ fixed: Int, _ most: Int) -> Int? {
            var v = 0, k = 0
            while i < n, k < most, b[i] &- 0x30 < 10 {
                v = v * 10 + Int(b[i] &- 0x30)
                i += 1
                k += 1
            }
            return k >= fixed && k > 0 ? v : nil
        }
        for p in parts {
            switch p {
            case .year(let digits):
                guard let y = number(digits, digits) else { return nil }
                t.year = digits == 2 ? 2000 + y : y
            case .month(let fixed):
                guard let m = number(fixed ? 2 : 1, 2), (1...12).contains(m) else { return nil }
                t.month = m
            case .monthName:
                guard let (m, end) = monthName(b, i) else { return nil }
                t.month = m
                i = end
            case .day(let fixed):
                guard let d = number(fixed ? 2 : 1, 2), (1...31).contains(d) else { return nil }
                t.day = d
            case .dayName:
                let s = i
                while i < n, i - s < 12, (b[i] | 0x20) &- 0x61 < 26 { i += 1 }
                guard i > s else { return nil }
            case .hour(let fixed, let tw):
                guard let h = number(fixed ? 2 : 1, 2), h <= 23 else { return nil }
                hour = h
                twelve = tw
            case .minute(let fixed):
                guard let m = number(fixed ? 2 : 1, 2), m <= 59 else { return nil }
                t.minute = m
            case .second(let fixed):
                guard let s = number(fixed ? 2 : 1, 2), s <= 60 else { return nil }
                t.second = s
            case .fraction(let digits, let optional):
                // As many digits as are written, up to seven (see above: the declared width is not
                // enforced; a fraction glued to more digits than .NET writes is not one).
                var micro = 0, k = 0
                while i < n, k < max(digits, 7), b[i] &- 0x30 < 10 {
                    if k < 6 { micro = micro * 10 + Int(b[i] &- 0x30) }
                    k += 1
                    i += 1
                }
                if !optional && k == 0 { return nil }
                for _ in min(k, 6)..<6 { micro *= 10 }
                t.microsecond = micro
                t.fractionDigits = k
            case .designator:
                guard i < n else { return nil }
                let c = b[i] | 0x20
                guard c == UInt8(ascii: "a") || c == UInt8(ascii: "p") else { return nil }
                pm = c == UInt8(ascii: "p")
                i += 1
                if i < n, b[i] | 0x20 == UInt8(ascii: "m") {
                    i += 1
                } else if i + 2 < n, b[i] == UInt8(ascii: "."), b[i + 1] | 0x20 == UInt8(ascii: "m"), b[i + 2] == UInt8(ascii: ".") {
                    i += 3
                }
            case .offset(let k):
                guard i < n else {
                    if k { continue }
                    return nil
                }
                if b[i] == UInt8(ascii: "Z") {
                    guard k else { return nil }
                    t.zone = .utc
                    i += 1
                } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                    let negative = b[i] == UInt8(ascii: "-")
                    i += 1
                    guard let oh = number(1, 2), oh <= 14 else { return nil }
                    var om = 0
                    if i < n, b[i] == UInt8(ascii: ":") {
                        i += 1
                        guard let m = number(2, 2), m < 60 else { return nil }
                        om = m
                    }
                    t.zone = .offset((negative ? -1 : 1) * (oh * 3600 + om * 60))
                } else if !k {
                    return nil
                }
            case .literal(let c):
                if c == 0 {
                    // The separator of an optional fraction: present only with digits after it.
                    if i + 1 < n, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ","), b[i + 1] &- 0x30 < 10 { i += 1 }
                } else if c == 0x20 {
                    guard i < n, b[i] == 0x20 || b[i] == 0x09 else { return nil }
                    while i < n, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
                } else {
                    guard i < n, b[i] == c else { return nil }
                    i += 1
                }
            }
        }
        if hour >= 0 {
            if let pm {
                guard (1...12).contains(hour) else { return nil }
                if pm { if hour != 12 { hour += 12 } } else if hour == 12 { hour = 0 }
            } else if twelve, hour > 12 {
                return nil
            }
            t.hour = hour
        }
        t.end = i
        return t
    }

    static let monthNames: [[UInt8]] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        .map { Array($0.utf8) }

    /// An English month name (three letters or more, the full name's letters) at `i`.
    static func monthName(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, Int)? {
        guard i + 3 <= b.count else { return nil }
        for (k, name) in monthNames.enumerated()
        where b[i] | 0x20 == name[0] && b[i + 1] | 0x20 == name[1] && b[i + 2] | 0x20 == name[2] {
            var end = i + 3
            while end < b.count, end - i < 10, (b[end] | 0x20) &- 0x61 < 26 { end += 1 }
            return (k + 1, end)
        }
        return nil
    }

    /// The form in words, for the manifest's layout description.
    var words: String {
        switch form {
        case .iso: "yyyy-MM-dd HH:mm:ss.fff"
        case .culture: "culture date and time"
        case .dayMonth: "M/d/yyyy h:mm:ss tt"
        case .parts: "date"
        }
    }
}
