import Foundation
import LogRecord
import Parsers
import Testing

/// The real .NET logs of `../shared/samples/text/`, each parsed with the layout its own logging
/// configuration declares (the pattern taken out of the config here, by a small extraction of the
/// test's own) and with no layout at all (inferred): no entry lost or split, the same levels, the
/// same first and last times. Entries are counted independently, by a regular expression over the
/// raw file. Some files are in legacy code pages: only structure is compared, not text.
@Suite struct LayoutSampleTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var log: String
        var config: String?
        /// The appender's file name in the config, or the NLog target / Serilog sink to read.
        var key: String
        var family: String
        /// An entry's head: group 1 the time, group 2 (when there) the level word.
        var head: String
        /// Heads anywhere on a line (glued entries), not only at its start.
        var anywhere = false
        /// The time as ISO (`yyyy-MM-ddTHH:mm:ss.fff`) from the regex's capture.
        var iso: @Sendable (String) -> String
        var testDescription: String { log }
    }

    static func log4netTime(_ s: String) -> String {
        // 2014-03-30 18:08:27,711
        String(s.prefix(10)) + "T" + String(s.dropFirst(11).prefix(8)) + "." + String(s.suffix(3))
    }

    static func nlogTime(_ s: String) -> String {
        // 2025-05-21 17:35:55.7951 → milliseconds kept
        String(s.prefix(10)) + "T" + String(s.dropFirst(11).prefix(12))
    }

    static func usTime(_ s: String) -> String {
        // 12/11/2022 12:35:15 (M/d/yyyy H:mm:ss)
        let parts = s.split(separator: " ")
        let d = parts[0].split(separator: "/").map { Int($0)! }
        let t = parts[1].split(separator: ":").map { Int($0)! }
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.000", d[2], d[0], d[1], t[0], t[1], t[2])
    }

    static let log4netHead = #"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \[[^\]]*\] (\w+) "#
    static let cases: [Case] = [
        Case(log: "dotnet_pairs/crmdataimporter/log-file.txt", config: "dotnet_pairs/crmdataimporter/App.config", key: "log-file.txt",
             family: "log4net", head: "^" + log4netHead, iso: log4netTime),
        Case(log: "dotnet_pairs/tourplanner/logfile.txt", config: "dotnet_pairs/tourplanner/App.config", key: "logfile.txt",
             family: "log4net", head: "^" + log4netHead, iso: log4netTime),
        Case(log: "dotnet_pairs/tracksystem/log-file.txt", config: "dotnet_pairs/tracksystem/Log4Net.config", key: "log-file.txt",
             family: "log4net", head: #"^(?:\[(?:Header|Footer)\] )*"# + log4netHead, iso: log4netTime),
        Case(log: "dotnet_pairs/tripasdegato/logfile.txt", config: "dotnet_pairs/tripasdegato/App.config", key: "logfile.txt",
             family: "log4net", head: "^" + log4netHead, iso: log4netTime),
        Case(log: "dotnet_pairs/wrpserver/rolling.log", config: "dotnet_pairs/wrpserver/App.config", key: "rolling.log",
             family: "log4net", head: "^" + log4netHead, iso: log4netTime),
        Case(log: "dotnet_pairs/redington/log.txt", config: "dotnet_pairs/redington/log4net.config", key: "",
             family: "log4net", head: #"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) Result: "#, anywhere: true, iso: log4netTime),
        Case(log: "dotnet_log4net/phonerec_rolling-log.txt", config: "dotnet_pairs/phonerec/DMCC.config", key: "rolling-log.txt",
             family: "log4net", head: "^" + log4netHead, iso: log4netTime),
        Case(log: "dotnet_nlog/hawk5757_currency_2025-05-21.log", config: "dotnet_pairs/currencyaggregator/NLog.config", key: "logfile",
             family: "nlog", head: #"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{4}) ([A-Z]+) "#, iso: nlogTime),
        Case(log: "dotnet_serilog/gaetanpascreau_serilog_TimestampG_log.txt", config: "dotnet_pairs/dotnetenglishp7/appsettings.json",
             key: "log.txt", family: "serilog", head: #"^(\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d) "#, iso: usTime),
        Case(log: "dotnet_serilog/gaetanpascreau_seq-20221119.log", config: nil, key: "", family: "clef",
             head: #"^\{"@t":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})\d*Z""#, iso: { $0 }),
    ]

    // MARK: - The test's own extraction of a layout from a config

    static func unescapeXML(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&#13;", with: "\r").replacingOccurrences(of: "&#10;", with: "\n")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func firstMatch(_ pattern: String, _ text: String) -> [String]? {
        let re = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators, .caseInsensitive])
        guard let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        return (0..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : String(text[Range(m.range(at: $0), in: text)!]) }
    }

    static func spec(_ c: Case) throws -> LayoutSpec? {
        guard let config = c.config else { return c.family == "clef" ? .serilogJSON(compact: true) : nil }
        let text = String(decoding: try Data(contentsOf: try TestPaths.samples("text/" + config)), as: UTF8.self)
        switch c.family {
        case "log4net":
            // The appender that writes the file (or the first with a pattern), its pattern, header and footer.
            let appenders = text.components(separatedBy: "<appender ").dropFirst()
            let appender = appenders.first { c.key.isEmpty ? $0.lowercased().contains("conversionpattern") : $0.contains("\"\(c.key)\"") || $0.contains("\\\(c.key)\"") || $0.contains("/\(c.key)\"") }
            guard let appender, let p = firstMatch(#"conversionPattern"\s+value="([^"]*)""#, appender) ?? firstMatch(#"conversionPattern\s+value="([^"]*)""#, appender)
            else { return nil }
            let header = firstMatch(#"(?:<header|name="Header")\s+value="([^"]*)""#, appender).map { unescapeXML($0[1]) }
            let footer = firstMatch(#"(?:<footer|name="Footer")\s+value="([^"]*)""#, appender).map { unescapeXML($0[1]) }
            return .log4net(pattern: unescapeXML(p[1]), header: header, footer: footer)
        case "nlog":
            guard let t = firstMatch(#"name="\#(c.key)"[^>]*?layout="([^"]*)""#, text) else { return nil }
            return .nlog(layout: unescapeXML(t[1]))
        case "serilog":
            guard let t = firstMatch(#"\#(c.key)",\s*"outputTemplate":\s*"([^"]*)""#, text) else { return nil }
            return .serilog(template: t[1])
        default:
            return nil
        }
    }

    // MARK: - Independent count

    struct Truth {
        var times: [String] = []
        var levels: [Severity?] = []
    }

    static func truth(_ c: Case, _ bytes: [UInt8]) -> Truth {
        let text = String(decoding: bytes.map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        let re = try! NSRegularExpression(pattern: c.head, options: c.anywhere ? [] : [.anchorsMatchLines])
        var t = Truth()
        for m in re.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            t.times.append(c.iso(String(text[Range(m.range(at: 1), in: text)!])))
            if m.numberOfRanges > 2, m.range(at: 2).location != NSNotFound {
                t.levels.append(Severity(word: String(text[Range(m.range(at: 2), in: text)!])))
            } else {
                t.levels.append(nil)
            }
        }
        if c.family == "clef" {
            let level = try! NSRegularExpression(pattern: #"^\{.*?"@l":"(\w+)""#, options: [.anchorsMatchLines])
            var levels = [Severity?](repeating: .information, count: t.times.count)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix("{") }
            for (k, line) in lines.enumerated() where k < levels.count {
                let l = String(line)
                if let m = level.firstMatch(in: l, range: NSRange(l.startIndex..., in: l)) {
                    levels[k] = Severity(word: String(l[Range(m.range(at: 1), in: l)!]))
                }
            }
            t.levels = levels
        }
        return t
    }

    static func check(_ records: [Record], _ truth: Truth, _ c: Case, _ how: String) {
        let timed = records.filter { $0.timestamp != nil }
        #expect(timed.count == truth.times.count, "\(c.log) \(how): \(timed.count) entries, \(truth.times.count) in the file")
        // Records without a time are only log4net's header and footer lines.
        for r in records where r.timestamp == nil {
            #expect(r.message.hasPrefix("[Header]") || r.message.hasPrefix("[Footer]"), "\(c.log) \(how): untimed record \(r.message.prefix(60))")
        }
        let times = timed.map { String($0.timestamp!.iso8601.prefix(23)) }
        #expect(times.first == truth.times.first, "\(c.log) \(how): first time")
        #expect(times.last == truth.times.last, "\(c.log) \(how): last time")
        #expect(times == truth.times, "\(c.log) \(how): times")
        if truth.levels.contains(where: { $0 != nil }) {
            #expect(timed.map(\.level) == truth.levels, "\(c.log) \(how): levels")
        }
    }

    @Test(.needsSamples, arguments: cases)
    func parsesWithItsConfigAndWithout(_ c: Case) throws {
        let bytes = try [UInt8](Data(contentsOf: try TestPaths.samples("text/" + c.log)))
        let truth = Self.truth(c, bytes)
        #expect(truth.times.count > 0)
        let spec = try Self.spec(c)
        #expect(spec != nil, "no layout found in \(c.config ?? "-")")
        if let spec {
            let declared = DeclaredLayout(spec: spec, configFile: c.config ?? "(none)", target: c.key)
            let context = ParseContext(sourcePath: c.log, zone: .utc, layout: declared)
            let (records, stats) = try TextParsing.parse(bytes: bytes, dataset: "amt.error", context: context)
            #expect(stats.layout?.source == .config, "\(c.log): \(stats.problems)")
            #expect(stats.layout?.file == c.config ?? "(none)")
            Self.check(records, truth, c, "with config")
        }
        let (inferred, stats) = try TextParsing.parse(bytes: bytes, context: ParseContext(sourcePath: c.log, zone: .utc))
        #expect(stats.dataset == "amt.error")
        #expect(stats.layout?.source == .inferred || stats.layout?.source == .builtin)
        Self.check(inferred, truth, c, "inferred")
    }
}
