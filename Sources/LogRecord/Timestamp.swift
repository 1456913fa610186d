/// An instant in UTC with microsecond resolution, and the precision it is rendered with.
///
/// Stored as microseconds since 1970-01-01T00:00:00Z (proleptic Gregorian calendar), which covers
/// every date a log can carry (±292,000 years). Rendering is hand-written, with no Foundation.
public struct Timestamp: Sendable, Hashable, Comparable {
    /// How many fractional digits `iso8601` prints.
    public enum Precision: Sendable, Hashable {
        /// Three digits: text logs (DESIGN.md).
        case milliseconds
        /// Six digits: event logs.
        case microseconds
    }

    /// Microseconds since the Unix epoch, UTC.
    public var microseconds: Int64
    public var precision: Precision

    public init(microsecondsSinceEpoch: Int64, precision: Precision = .milliseconds) {
        self.microseconds = microsecondsSinceEpoch
        self.precision = precision
    }

    /// A UTC civil time. Returns `nil` when a field is out of range (month 13, day 31 in April,
    /// hour 24 …). `fractionMicroseconds` is 0..<1_000_000.
    public init?(
        year: Int, month: Int, day: Int,
        hour: Int = 0, minute: Int = 0, second: Int = 0,
        microsecond: Int = 0,
        precision: Precision = .milliseconds
    ) {
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              (0..<1_000_000).contains(microsecond)
        else { return nil }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        let secs = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
        self.microseconds = secs * 1_000_000 + Int64(microsecond)
        self.precision = precision
    }

    /// Windows FILETIME (100 ns ticks since 1601-01-01 UTC), truncated to microseconds.
    public init(fileTime: UInt64, precision: Precision = .microseconds) {
        // 11644473600 seconds between 1601-01-01 and 1970-01-01.
        let micros = Int64(bitPattern: fileTime / 10) - 11_644_473_600_000_000
        self.init(microsecondsSinceEpoch: micros, precision: precision)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    public static func == (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds == rhs.microseconds }

    public func hash(into hasher: inout Hasher) { hasher.combine(microseconds) }

    /// This instant shifted by `seconds`.
    public func adding(seconds: Int64) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: microseconds + seconds * 1_000_000, precision: precision)
    }

    /// Civil fields of this instant in UTC.
    public var civil: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int) {
        var secs = microseconds / 1_000_000
        var micro = microseconds % 1_000_000
        if micro < 0 { micro += 1_000_000; secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = Timestamp.civilFromDays(Int(days))
        return (y, m, d, Int(rem / 3600), Int(rem % 3600 / 60), Int(rem % 60), Int(micro))
    }

    /// `YYYY-MM-DDTHH:MM:SS.fffZ` or `….ffffffZ` by `precision` (truncated, never rounded).
    public var iso8601: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(27)
        appendISO8601(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the ISO 8601 form through the record writer's pointer (at most 32 bytes): the date
    /// from `dates` when it is the day written last, digits in pairs from a table.
    static let microsecondsPerDay: Int64 = 86_400_000_000

    func write(to o: inout RawOut, dates: DateText) {
        // Microseconds into the day: against the day written last first (no division).
        var inDay = microseconds &- dates.start
        if inDay < 0 || inDay >= Timestamp.microsecondsPerDay {
            var days = microseconds / Timestamp.microsecondsPerDay
            if microseconds % Timestamp.microsecondsPerDay < 0 { days -= 1 }
            let (y, m, d) = Timestamp.civilFromDays(Int(days))
            guard y >= 0 && y <= 9999 else {
                var bytes: [UInt8] = []
                appendISO8601(to: &bytes)
                bytes.withUnsafeBufferPointer { o.bytes($0) }
                return
            }
            dates.set(start: days * Timestamp.microsecondsPerDay, year: y, month: m, day: d)
            inDay = microseconds - dates.start
        }
        let micro = Int(UInt64(inDay) % 1_000_000)
        let rem = Int(UInt64(inDay) / 1_000_000)
        // Straight into the writer's space (at most 27 bytes; it reserved room for them).
        let p = UnsafeMutableRawPointer(o.p + o.count)
        // `YYYY-MM-DDT`, then `HH:MM:SS.` and the fraction.
        let text = dates.text
        p.storeBytes(of: text.0, as: UInt64.self)
        p.storeBytes(of: text.1, toByteOffset: 8, as: UInt16.self)
        p.storeBytes(of: UInt8(ascii: "T"), toByteOffset: 10, as: UInt8.self)
        DigitPairs.put(rem / 3600, p + 11)
        p.storeBytes(of: UInt8(ascii: ":"), toByteOffset: 13, as: UInt8.self)
        DigitPairs.put(rem % 3600 / 60, p + 14)
        p.storeBytes(of: UInt8(ascii: ":"), toByteOffset: 16, as: UInt8.self)
        DigitPairs.put(rem % 60, p + 17)
        p.storeBytes(of: UInt8(ascii: "."), toByteOffset: 19, as: UInt8.self)
        switch precision {
        case .milliseconds:
            let ms = micro / 1000
            p.storeBytes(of: UInt8(truncatingIfNeeded: 0x30 + ms / 100), toByteOffset: 20, as: UInt8.self)
            DigitPairs.put(ms % 100, p + 21)
            p.storeBytes(of: UInt8(ascii: "Z"), toByteOffset: 23, as: UInt8.self)
            o.count += 24
        case .microseconds:
            DigitPairs.put(micro / 10_000, p + 20)
            DigitPairs.put(micro / 100 % 100, p + 22)
            DigitPairs.put(micro % 100, p + 24)
            p.storeBytes(of: UInt8(ascii: "Z"), toByteOffset: 26, as: UInt8.self)
            o.count += 27
        }
    }

    /// Appends the ISO 8601 form as UTF-8 bytes (hot path for the JSON writer).
    public func appendISO8601(to out: inout [UInt8]) {
        let c = civil
        @inline(__always) func put(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            while divisor > 0 {
                out.append(UInt8(0x30 + (v / divisor) % 10))
                v %= divisor
                divisor /= 10
            }
        }
        if c.year < 0 || c.year > 9999 {
            // Outside ISO's four digits: sign and at least four digits.
            if c.year < 0 { out.append(UInt8(ascii: "-")) } else { out.append(UInt8(ascii: "+")) }
            put(abs(c.year), max(4, String(abs(c.year)).count))
        } else {
            put(c.year, 4)
        }
        out.append(UInt8(ascii: "-")); put(c.month, 2)
        out.append(UInt8(ascii: "-")); put(c.day, 2)
        out.append(UInt8(ascii: "T")); put(c.hour, 2)
        out.append(UInt8(ascii: ":")); put(c.minute, 2)
        out.append(UInt8(ascii: ":")); put(c.second, 2)
        out.append(UInt8(ascii: "."))
        switch precision {
        case .milliseconds: put(c.microsecond / 1000, 3)
        case .microseconds: put(c.microsecond, 6)
        }
        out.append(UInt8(ascii: "Z"))
    }

    /// Parses the forms this project writes and common ISO 8601 variants:
    /// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.f…]]` with `Z`, `±HH:MM`, `±HHMM` or no zone (taken as
    /// UTC), `T` or a space between date and time. Returns `nil` for anything else.
    public static func parseISO8601(_ text: some StringProtocol) -> Timestamp? {
        let b = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += n
            return v
        }
        func eat(_ c: UInt8) -> Bool {
            if i < b.count, b[i] == c { i += 1; return true }
            return false
        }
        guard let y = num(4), eat(UInt8(ascii: "-")), let mo = num(2), eat(UInt8(ascii: "-")), let d = num(2)
        else { return nil }
        var h = 0, mi = 0, s = 0, micro = 0
        var precision = Precision.milliseconds
        if i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "t") {
            i += 1
            guard let hh = num(2), eat(UInt8(ascii: ":")), let mm = num(2) else { return nil }
            h = hh; mi = mm
            if eat(UInt8(ascii: ":")) {
                guard let ss = num(2) else { return nil }
                s = ss
                if eat(UInt8(ascii: ".")) || eat(UInt8(ascii: ",")) {
                    var digits = 0
                    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                        if digits < 6 { micro = micro * 10 + Int(b[i] - 0x30) }
                        digits += 1
                        i += 1
                    }
                    guard digits > 0 else { return nil }
                    for _ in min(digits, 6)..<6 { micro *= 10 }
                    if digits > 3 { precision = .microseconds }
                }
            }
        }
        var offsetSeconds = 0
        if i < b.count {
            if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard let oh = num(2) else { return nil }
                _ = eat(UInt8(ascii: ":"))
                let om = num(2) ?? 0
                offsetSeconds = sign * (oh * 3600 + om * 60)
            }
        }
        guard i == b.count,
              let t = Timestamp(year: y, month: mo, day: d, hour: h, minute: mi, second: s,
                                microsecond: micro, precision: precision)
        else { return nil }
        return t.adding(seconds: Int64(-offsetSeconds))
    }

    // MARK: - Calendar arithmetic (Howard Hinnant's days-from-civil algorithms)

    /// Days since 1970-01-01 for a proleptic Gregorian date.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// The `YYYY-MM-DD` text of the day a JSON writer wrote last. Kept behind a pointer: reading it
/// for every record costs no exclusivity checks, as a class's stored properties would.
final class DateText {
    struct State {
        /// Microseconds since the epoch of that day's midnight; before the first date, a value
        /// no timestamp is within a day of.
        var start: Int64 = .min / 2
        /// `YYYY-MM-DD`: eight bytes and two.
        var text: (UInt64, UInt16) = (0, 0)
    }

    let state: UnsafeMutablePointer<State>

    init() {
        state = .allocate(capacity: 1)
        state.initialize(to: State())
    }

    deinit { state.deallocate() }

    var start: Int64 { state.pointee.start }
    var text: (UInt64, UInt16) { state.pointee.text }

    func set(start: Int64, year: Int, month: Int, day: Int) {
        var t: (UInt64, UInt16) = (0, 0)
        withUnsafeMutableBytes(of: &t) { raw in
            let p = raw.baseAddress!
            DigitPairs.put(year / 100, p)
            DigitPairs.put(year % 100, p + 2)
            p.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 4, as: UInt8.self)
            DigitPairs.put(month, p + 5)
            p.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 7, as: UInt8.self)
            DigitPairs.put(day, p + 8)
        }
        state.pointee = State(start: start, text: t)
    }
}

/// Two decimal digits at a time.
enum DigitPairs {
    /// Writes `v` (0...99) as two digits at `p`.
    @inline(__always) static func put(_ v: Int, _ p: UnsafeMutableRawPointer) {
        let tens = v / 10
        p.storeBytes(of: UInt8(truncatingIfNeeded: 0x30 + tens), as: UInt8.self)
        p.storeBytes(of: UInt8(truncatingIfNeeded: 0x30 + v - 10 * tens), toByteOffset: 1, as: UInt8.self)
    }
}
