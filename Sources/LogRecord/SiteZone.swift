import Foundation

/// The time zone a site's local timestamps are written in, and how to turn them into UTC.
///
/// `named` zones come from the system's time zone database (IANA or Windows names resolved by
/// Foundation). `collector` is the zone of the machine running amt-collect, used when nothing
/// better is known: records converted with it say `amt.time_source = assumed`. A zone learned
/// from the site's own evidence (`learned(_:)`) labels its conversions `site`.
public struct SiteZone: Sendable, Equatable {
    public let timeZone: TimeZone
    /// `true` when the zone is known to be the site's (from `--tz`, system facts, the site's own
    /// evidence or the source).
    public let isKnown: Bool
    /// `true` when the zone was learned from the site's evidence rather than given (`--tz`) or
    /// read from the live system.
    public let isLearned: Bool

    public init(timeZone: TimeZone, isKnown: Bool) {
        self.timeZone = timeZone
        self.isKnown = isKnown
        self.isLearned = false
    }

    /// A zone learned from the site's own evidence: known, and labelled `site`.
    public static func learned(_ timeZone: TimeZone) -> SiteZone {
        SiteZone(timeZone: timeZone, learned: true)
    }

    private init(timeZone: TimeZone, learned: Bool) {
        self.timeZone = timeZone
        self.isKnown = true
        self.isLearned = learned
    }

    /// The zone of the machine running the collector, not known to be the site's.
    public static var collector: SiteZone { SiteZone(timeZone: .current, isKnown: false) }

    /// UTC, known.
    public static var utc: SiteZone { SiteZone(timeZone: TimeZone(identifier: "UTC")!, isKnown: true) }

    /// A zone by IANA identifier (`Europe/Bucharest`), abbreviation (`EST`) or fixed offset
    /// (`+02:00`, `-0500`, `UTC+2`). `nil` when not recognized.
    public static func named(_ name: String) -> SiteZone? {
        if let offset = parseOffset(name), let tz = TimeZone(secondsFromGMT: offset) {
            return SiteZone(timeZone: tz, isKnown: true)
        }
        if let tz = TimeZone(identifier: name) ?? TimeZone(abbreviation: name) {
            return SiteZone(timeZone: tz, isKnown: true)
        }
        return nil
    }

    /// How conversions with this zone are labelled.
    public var timeSource: TimeSource { isLearned ? .site : isKnown ? .local : .assumed }

    /// Converts a local civil time in this zone to UTC. Around a daylight-saving change the
    /// earlier of two readings is chosen, and a time in the skipped hour is read with the offset
    /// in force before the change. Returns `nil` for an impossible civil time.
    public func toUTC(
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
        microsecond: Int = 0, precision: Timestamp.Precision = .milliseconds
    ) -> Timestamp? {
        guard let asUTC = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute,
                                    second: second, microsecond: microsecond, precision: precision)
        else { return nil }
        return localToUTC(asUTC)
    }

    /// `local` holds a wall-clock reading as if it were UTC; returns the real UTC instant.
    public func localToUTC(_ local: Timestamp) -> Timestamp {
        let localSeconds = local.microseconds / 1_000_000
        // First guess with the offset at the reading itself, then correct once with the offset at
        // the guessed instant (enough for every real zone rule).
        let first = offset(atUTCSeconds: localSeconds)
        let guess = localSeconds - Int64(first)
        let second = offset(atUTCSeconds: guess)
        let chosen = second == first ? first : max(first, second)
        return local.adding(seconds: -Int64(chosen))
    }

    /// The UTC offset in seconds in force at `utcSeconds` since the epoch.
    public func offset(atUTCSeconds utcSeconds: Int64) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcSeconds)))
    }

    /// The message for a `--tz` value that is neither a zone name nor an offset within ±14:00.
    public static func unknownZoneMessage(_ text: String) -> String {
        "--tz: unknown time zone '\(text)': give an IANA name such as America/New_York or an offset from -14:00 to +14:00 such as -05:00"
    }

    /// Seconds east of UTC for `+05:30`, `-0500`, `+05`, `UTC+1`, `GMT`; `nil` for anything else
    /// and for offsets beyond ±14:00.
    public static func parseOffset(_ text: String) -> Int? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        for prefix in ["UTC", "GMT", "utc", "gmt"] where s.hasPrefix(prefix) {
            s = s.dropFirst(prefix.count)
            if s.isEmpty { return 0 }
        }
        guard let signChar = s.first, signChar == "+" || signChar == "-" else { return nil }
        let sign = signChar == "-" ? -1 : 1
        let body = s.dropFirst()
        let parts = body.split(separator: ":", omittingEmptySubsequences: false)
        var hours = 0, minutes = 0
        if parts.count == 2 {
            guard let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
            hours = h; minutes = m
        } else if body.count == 4, let v = Int(body) {
            hours = v / 100; minutes = v % 100
        } else if let h = Int(body), body.count <= 2 {
            hours = h
        } else {
            return nil
        }
        guard hours >= 0, minutes >= 0, minutes < 60, hours * 60 + minutes <= 14 * 60 else { return nil }
        return sign * (hours * 3600 + minutes * 60)
    }
}
