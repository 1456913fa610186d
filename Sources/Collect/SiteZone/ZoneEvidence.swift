import Collector
import LogRecord
import Foundation

/// One thing a site says about its time zone, with where it says it.
public struct ZoneEvidence: Sendable, Equatable {
    /// The rules, strongest first.
    public enum Rule: String, Sendable, CaseIterable, Comparable {
        /// System.evtx, EventLog 6013: the zone's standard bias and name, written by Windows.
        case eventLog6013 = "eventlog.6013"
        /// SQL Server ERRORLOG `UTC adjustment: -5:00`: the offset in force when SQL Server started.
        case sqlErrorlog = "sql.errorlog.utc_adjustment"
        /// The same install written in UTC (MsiInstaller in Application.evtx) and in local time
        /// (the MSI log's own end): the offset at that instant.
        case eventPair = "msi.event_pair"
        /// Host facts in the tree: a registry export, `tzutil /g` or `systeminfo` output, an
        /// earlier bundle's `system/facts.json`.
        case hostFacts = "host.facts"

        /// Smaller is stronger.
        public var strength: Int { Rule.allCases.firstIndex(of: self)! }
        public static func < (a: Rule, b: Rule) -> Bool { a.strength < b.strength }
    }

    public var rule: Rule
    /// The file that says it, relative to the root.
    public var file: String
    /// What it says, in words (`"300 Eastern Standard Time" at 2026-11-23T12:00:00Z`).
    public var detail: String
    /// A Windows or IANA zone name, when stated.
    public var zoneName: String?
    /// Minutes east of UTC. For 6013 the zone's standard offset (minus its bias); for the other
    /// rules the offset in force at `at`.
    public var offsetMinutes: Int?
    /// `true` when `offsetMinutes` is the zone's standard offset (not the one in force at `at`).
    public var isStandardOffset: Bool
    /// When the evidence was written (UTC), if known.
    public var at: Timestamp?

    public init(rule: Rule, file: String, detail: String, zoneName: String? = nil, offsetMinutes: Int? = nil,
                isStandardOffset: Bool = false, at: Timestamp? = nil) {
        self.rule = rule
        self.file = file
        self.detail = detail
        self.zoneName = zoneName
        self.offsetMinutes = offsetMinutes
        self.isStandardOffset = isStandardOffset
        self.at = at
    }
}

/// The readers of zone evidence: pure functions over the few bytes or values each one needs,
/// bounded (at most `maxLines` lines of at most `maxLine` characters are looked at), returning
/// `nil` for anything that is not what they read. Every one is fuzzed (`Fuzz/…/FuzzZoneEvidence`).
public enum ZoneEvidenceReader {
    public static let maxLines = 400
    public static let maxLine = 2048
    /// Largest Windows bias in minutes (UTC-12:00 → 720; UTC+14:00 → -840).
    static let biasRange = -840...720

    // MARK: - Event 6013

    /// The bias and zone name in the data of an EventLog 6013 event (`"300 Eastern Standard
    /// Time"`, usually its seventh value): the last value that is an integer bias in minutes west
    /// of UTC (-840…720), one space, and a name of 1–128 characters.
    public static func eventLog6013(_ values: [String]) -> (biasMinutes: Int, name: String)? {
        for value in values.reversed().prefix(16) {
            let text = trim(Substring(value.prefix(256)))
            guard let space = text.firstIndex(of: " ") else { continue }
            guard let bias = smallInt(text[..<space]), biasRange.contains(bias) else { continue }
            let name = trim(text[text.index(after: space)...])
            guard !name.isEmpty, name.count <= 128, name.first?.isNumber == false else { continue }
            return (bias, String(name))
        }
        return nil
    }

    // MARK: - SQL Server ERRORLOG

    /// What the head of an ERRORLOG says: the `UTC adjustment` in minutes east of UTC, the local
    /// time of the line stating it and of the log's first line.
    public struct ErrorlogHead: Sendable, Equatable {
        public var offsetMinutes: Int
        /// The line's local time, read as if it were UTC.
        public var statedAtLocal: Timestamp
        public var firstLineLocal: Timestamp
    }

    /// Reads the first lines of an ERRORLOG (UTF-16LE as SQL Server writes it, or UTF-8):
    /// `yyyy-MM-dd HH:mm:ss.cc <source> UTC adjustment: -5:00` within the first `maxLines` lines.
    public static func errorlogHead(_ bytes: ArraySlice<UInt8>) -> ErrorlogHead? {
        var first: Timestamp?
        var result: ErrorlogHead?
        forEachLine(HostFacts.decodeText(bytes)) { line in
            let time = sqlLineTime(line)
            if first == nil, let time { first = time }
            guard let time, let first, let r = line.range(of: "UTC adjustment:") else { return true }
            guard let minutes = offsetMinutes(trim(line[r.upperBound...])) else { return true }
            result = ErrorlogHead(offsetMinutes: minutes, statedAtLocal: time, firstLineLocal: first)
            return false
        }
        return result
    }

    /// `yyyy-MM-dd HH:mm:ss` at the start of a line (fractions ignored), as if UTC.
    static func sqlLineTime(_ line: Substring) -> Timestamp? {
        let u = Array(line.utf8.prefix(19))
        guard u.count == 19, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x20, u[13] == 0x3A, u[16] == 0x3A else { return nil }
        func num(_ a: Int, _ n: Int) -> Int? {
            var v = 0
            for i in a..<(a + n) {
                guard (0x30...0x39).contains(u[i]) else { return nil }
                v = v * 10 + Int(u[i] - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
              let s = num(17, 2) else { return nil }
        return Timestamp(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
    }

    /// `-5:00`, `+5:30`, `9:00`, `0:00` → minutes east of UTC (within ±14:00).
    public static func offsetMinutes(_ text: Substring) -> Int? {
        var s = text.prefix(8)
        var sign = 1
        if s.first == "-" { sign = -1; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, let h = smallInt(parts[0]), let m = smallInt(parts[1]),
              h >= 0, m >= 0, m < 60, h * 60 + m <= 14 * 60 else { return nil }
        return sign * (h * 60 + m)
    }

    // MARK: - MSI log and MsiInstaller events

    /// What the end of an MSI log says: when logging stopped (local readings: both day orders
    /// when the date is ambiguous), and the product it installed.
    public struct MSIEnd: Sendable, Equatable {
        /// Local times read as if they were UTC: one, or two for a date like `3/4/2026`.
        public var stoppedLocal: [Timestamp]
        public var productName: String?
        public var productVersion: String?
        /// The package the log installed (`******* Product: C:\…\WebBRIX.Server.msi`), as
        /// MsiInstaller 1040/1042 name it.
        public var packagePath: String?
    }

    /// Reads the tail of an MSI log: its last `=== Logging stopped: 11/24/2026  10:41:19 ===`
    /// (also `Verbose logging stopped`, dates `M/d/yyyy`, `d/M/yyyy`, `d.M.yyyy`, `yyyy-MM-dd`)
    /// and the product from `Product Name: X. Product Version: V.` or `Product: X -- …`.
    public static func msiTail(_ bytes: ArraySlice<UInt8>) -> MSIEnd? {
        var stopped: [Timestamp] = []
        var name: String?, version: String?, package: String?
        forEachLine(HostFacts.decodeText(bytes), limit: Int.max) { line in
            if let r = line.range(of: "ogging stopped: ") {
                var rest = line[r.upperBound...]
                if let end = rest.range(of: " ===") { rest = rest[..<end.lowerBound] }
                let found = msiDateTimes(trim(rest))
                if !found.isEmpty { stopped = found }
            }
            if let r = line.range(of: "Product Name: ") {
                let rest = line[r.upperBound...]
                if let dot = rest.range(of: ". Product Version: ") {
                    name = String(trim(rest[..<dot.lowerBound]))
                    let v = rest[dot.upperBound...]
                    version = String(trim(v[..<(v.range(of: ". ")?.lowerBound ?? v.endIndex)]))
                } else if let dot = rest.firstIndex(of: ".") {
                    name = String(trim(rest[..<dot]))
                }
            } else if name == nil, let r = line.range(of: "]: Product: "), let dash = line[r.upperBound...].range(of: " -- ") {
                name = String(trim(line[r.upperBound..<dash.lowerBound]))
            } else if let r = line.range(of: "******* Product: ") {
                let path = trim(line[r.upperBound...])
                if isPackagePath(path) { package = String(path) }
            }
            return true
        }
        guard !stopped.isEmpty else { return nil }
        return MSIEnd(stoppedLocal: stopped, productName: name?.nilIfEmpty, productVersion: version?.nilIfEmpty,
                      packagePath: package)
    }

    /// `11/24/2026  10:41:19`, `24.11.2026 10:41:19`, `2026-11-24 10:41:19` → the readings.
    static func msiDateTimes(_ text: Substring) -> [Timestamp] {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2 else { return [] }
        let time = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 3, let h = smallInt(time[0]), let mi = smallInt(time[1]), let s = smallInt(time[2]) else { return [] }
        var hour = h
        if parts.count >= 3 {
            let ampm = parts[2].uppercased()
            if ampm == "PM", hour < 12 { hour += 12 } else if ampm == "AM", hour == 12 { hour = 0 }
        }
        let date = parts[0]
        func at(_ y: Int, _ m: Int, _ d: Int) -> Timestamp? {
            // Years a Windows clock can show (FILETIME starts in 1601); beyond, not a date here.
            guard (1601...9999).contains(y) else { return nil }
            return Timestamp(year: y, month: m, day: d, hour: hour, minute: mi, second: s)
        }
        if date.contains("-") {
            let d = date.split(separator: "-", omittingEmptySubsequences: false)
            guard d.count == 3, let y = smallInt(d[0]), let m = smallInt(d[1]), let day = smallInt(d[2]) else { return [] }
            return [at(y, m, day)].compactMap { $0 }
        }
        let sep: Character = date.contains("/") ? "/" : "."
        let d = date.split(separator: sep, omittingEmptySubsequences: false)
        guard d.count == 3, let a = smallInt(d[0]), let b = smallInt(d[1]), let y = smallInt(d[2]), y >= 1000 else { return [] }
        if sep == "." { return [at(y, b, a)].compactMap { $0 } }
        // `/`: month first (en-US) unless that cannot be; both when either could be.
        var out: [Timestamp] = []
        if let t = at(y, a, b) { out.append(t) }
        if a != b, let t = at(y, b, a) { out.append(t) }
        return out
    }

    /// The product an MsiInstaller event names, from its data values: 1033/1034 (`Data[0]` the
    /// name, `Data[1]` the version), 11707/11708/11724/1035/1036/1037/1038 (`Product: X -- …`).
    public static func msiEventProduct(eventID: Int, values: [String]) -> (name: String, version: String?)? {
        guard let first = values.first else { return nil }
        switch eventID {
        case 1033, 1034, 1035, 1036, 1037, 1038:
            let name = trim(Substring(first.prefix(512)))
            guard !name.isEmpty, !name.hasPrefix("Product: ") else { return productFromMessage(first).map { ($0, nil) } }
            let version = values.count > 1 ? trim(Substring(values[1].prefix(64))) : ""
            return (String(name), version.isEmpty ? nil : String(version))
        case 11707, 11708, 11724, 11728:
            return productFromMessage(first).map { ($0, nil) }
        case 1040, 1042:
            // "Ending a Windows Installer transaction: C:\…\x.msi. Client Process Id: 4420." or
            // the path alone as the first value.
            var text = trim(Substring(first.prefix(1024)))
            if let r = text.range(of: "transaction: ") { text = text[r.upperBound...] }
            if let r = text.range(of: ". Client Process Id") { text = text[..<r.lowerBound] }
            return isPackagePath(text) ? (String(text), nil) : nil
        default:
            return nil
        }
    }

    /// A Windows installer package path (`….msi`, `….msp`).
    static func isPackagePath(_ s: Substring) -> Bool {
        let l = s.lowercased()
        return s.count >= 5 && s.count <= 512 && (l.hasSuffix(".msi") || l.hasSuffix(".msp"))
    }

    /// `Product: WebBRIX Server 5.2 -- Installation failed.` → `WebBRIX Server 5.2`.
    static func productFromMessage(_ text: String) -> String? {
        let s = Substring(text.prefix(512))
        guard let r = s.range(of: "Product: ") else { return nil }
        let rest = s[r.upperBound...]
        let name = trim(rest[..<(rest.range(of: " -- ")?.lowerBound ?? rest.endIndex)])
        return name.isEmpty ? nil : String(name)
    }

    /// The offset (minutes east of UTC) that makes `local` the same instant as `utc`: a whole
    /// quarter hour within ±14:00, the two at most `slackSeconds` apart; `nil` otherwise.
    public static func pairOffset(local: Timestamp, utc: Timestamp, slackSeconds: Int64 = 180) -> Int? {
        let diff = (local.microseconds - utc.microseconds) / 1_000_000
        let quarter = Int64((Double(diff) / 900).rounded()) * 900
        guard abs(diff - quarter) <= slackSeconds, abs(quarter) <= 14 * 3600 else { return nil }
        return Int(quarter / 60)
    }

    // MARK: - Host facts

    /// What a host-facts file says about the zone: a registry export of
    /// `HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation` (`"TimeZoneKeyName"="…"`,
    /// `"Bias"=dword:0000012c`), `tzutil /g` output (one line: a Windows zone name), `systeminfo`
    /// (`Time Zone: (UTC-05:00) Eastern Time (US & Canada)`), or JSON facts with `"time_zone"`
    /// and `"utc_offset_minutes"` (an earlier bundle's `system/facts.json`).
    public static func hostFacts(_ bytes: ArraySlice<UInt8>) -> (name: String?, offsetMinutes: Int?)? {
        let text = HostFacts.decodeText(bytes)
        var name: String?, offset: Int?
        var lines: [Substring] = []
        forEachLine(text) { line in
            lines.append(line)
            let l = trim(line)
            if let v = regValue(l, "TimeZoneKeyName") ?? (name == nil ? regValue(l, "StandardName") : nil) {
                if !v.hasPrefix("@") { name = v }
            } else if let r = l.range(of: "\"Bias\"=dword:") {
                let hex = l[r.upperBound...].prefix(8)
                if hex.count == 8, let raw = UInt32(hex, radix: 16) {
                    let bias = Int(Int32(bitPattern: raw))
                    if biasRange.contains(bias) { offset = -bias }
                }
            } else if let r = l.range(of: "\"time_zone\"") {
                if let v = jsonString(l[r.upperBound...]) { name = v }
            } else if let r = l.range(of: "\"utc_offset_minutes\"") {
                let rest = trim(l[r.upperBound...].drop(while: { $0 == " " || $0 == ":" }))
                if let v = smallInt(rest.prefix(while: { $0 == "-" || $0.isNumber })), (-840...840).contains(v) { offset = v }
            } else if let r = l.range(of: "Time Zone:"), l.hasPrefix("Time Zone:") {
                let rest = trim(l[r.upperBound...])
                if rest.hasPrefix("(UTC"), let close = rest.firstIndex(of: ")") {
                    let o = rest[rest.index(rest.startIndex, offsetBy: 4)..<close]
                    offset = o.isEmpty ? 0 : offsetMinutes(o)
                }
            }
            return true
        }
        // `tzutil /g`: the whole output is one zone name.
        if name == nil, offset == nil, lines.count <= 2, let only = lines.first.map(trim),
           WindowsZones.ianaIdentifier(forWindowsName: String(only)) != nil {
            name = String(only)
        }
        if name == nil && offset == nil { return nil }
        return (name, offset)
    }

    /// `"Key"="value"` → `value`.
    static func regValue(_ line: Substring, _ key: String) -> String? {
        guard line.hasPrefix("\"\(key)\"=\"") else { return nil }
        let rest = line.dropFirst(key.count + 4)
        guard let end = rest.lastIndex(of: "\"") else { return nil }
        let v = trim(rest[..<end])
        return v.isEmpty ? nil : String(v)
    }

    /// `: "America/New_York",` → `America/New_York`.
    static func jsonString(_ s: Substring) -> String? {
        guard let open = s.firstIndex(of: "\"") else { return nil }
        let rest = s[s.index(after: open)...]
        guard let close = rest.firstIndex(of: "\"") else { return nil }
        let v = trim(rest[..<close])
        return v.isEmpty || v.count > 64 ? nil : String(v)
    }

    // MARK: - Text

    /// Calls `body` with each line (without its end, cut at `maxLine` characters) of the first
    /// `limit` lines, until it returns `false`.
    static func forEachLine(_ text: String, limit: Int = maxLines, _ body: (Substring) -> Bool) {
        var count = 0
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            count += 1
            if count > limit { return }
            if !body(line.prefix(maxLine)) { return }
        }
    }

    static func trim(_ s: Substring) -> Substring {
        var t = s
        while let f = t.first, f == " " || f == "\t" || f == "\0" { t = t.dropFirst() }
        while let l = t.last, l == " " || l == "\t" || l == "\0" { t = t.dropLast() }
        return t
    }

    /// An optionally signed decimal of at most 6 digits.
    static func smallInt(_ s: Substring) -> Int? {
        let digits = s.first == "-" || s.first == "+" ? s.dropFirst() : s
        guard !digits.isEmpty, digits.count <= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s.first == "+" ? digits : s)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
