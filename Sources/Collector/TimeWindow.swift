import LogRecord

/// The time range a collection is about (`--since`, `--until`). Bounds are inclusive; `nil`
/// means open on that side.
public struct TimeWindow: Sendable, Equatable {
    public var since: Timestamp?
    public var until: Timestamp?

    public init(since: Timestamp? = nil, until: Timestamp? = nil) {
        self.since = since
        self.until = until
    }

    /// No bounds: everything.
    public static let all = TimeWindow()

    /// `true` when `t` lies in the window. A record without a time (`nil`) is always kept.
    public func contains(_ t: Timestamp?) -> Bool {
        guard let t else { return true }
        if let since, t < since { return false }
        if let until, t > until { return false }
        return true
    }

    /// `true` when a file last written at `modified` may still hold records in the window: it
    /// was written at or after `since` (or its time is unknown).
    public func mayContainRecords(lastWritten modified: Timestamp?) -> Bool {
        guard let modified, let since else { return true }
        return modified >= since
    }

    /// Reads a `WHEN` of the command line:
    /// - an ISO 8601 date or date-time: `2026-11-20`, `2026-11-20T08:00`, `2026-11-20 08:00:30`,
    ///   with `Z` or an offset (`+02:00`, `-0500`) or without a zone — then in the collector's
    ///   local zone (`SiteZone.collector`), midnight for a bare date;
    /// - a span back from `now`: a positive whole number and a unit, `m` minutes, `h` hours,
    ///   `d` days, `w` weeks (`90m`, `72h`, `7d`, `2w`), at most 100 years.
    ///
    /// Returns `nil` for anything else.
    public static func parseWhen(_ text: String, now: Timestamp) -> Timestamp? {
        let trimmed = text.trimmingSpaces()
        if let span = parseSpan(trimmed) {
            return Timestamp(microsecondsSinceEpoch: now.microseconds - span * 1_000_000, precision: now.precision)
        }
        guard let parsed = Timestamp.parseISO8601(trimmed) else { return nil }
        // `parseISO8601` reads a time without a zone as UTC; here it is the collector's local time.
        let afterDate = trimmed.unicodeScalars.dropFirst(10)
        let hasZone = afterDate.contains { $0 == "Z" || $0 == "z" || $0 == "+" || $0 == "-" }
        // An offset must be a real one (at most ±14:00): `+99:00` is refused, not read.
        if let sign = afterDate.firstIndex(where: { $0 == "+" || $0 == "-" }),
           SiteZone.parseOffset(String(afterDate[sign...])) == nil {
            return nil
        }
        return hasZone ? parsed : SiteZone.collector.localToUTC(parsed)
    }

    /// Seconds in a span like `72h`, or `nil`.
    static func parseSpan(_ text: String) -> Int64? {
        guard let unit = text.last, text.count >= 2 else { return nil }
        let digits = text.dropLast()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count <= 9,
              let value = Int64(digits), value > 0
        else { return nil }
        let seconds: Int64
        switch unit {
        case "m": seconds = 60  // not "M": that could be read as months
        case "h", "H": seconds = 3600
        case "d", "D": seconds = 86_400
        case "w", "W": seconds = 7 * 86_400
        default: return nil
        }
        let total = value * seconds
        guard total <= 100 * 366 * 86_400 else { return nil }
        return total
    }
}

extension StringProtocol {
    /// Without leading and trailing white space.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
