import Foundation
import LogRecord
import Parsers
import Testing

/// The real .NET logging samples in `../shared/samples/text` (read at run time, never copied):
/// every entry found, none split, fields right.
@Suite(.needsSamples) struct AMTErrorSampleTests {
    static let newYork = SiteZone.named("America/New_York")!

    static func parse(_ sub: String, zone: SiteZone = newYork, chunkSize: Int = 1 << 16) throws
        -> (records: [Record], stats: ParseStats, lines: [String]) {
        let url = try TestPaths.samples(sub)
        let bytes = try [UInt8](Data(contentsOf: url))
        let context = ParseContext(sourcePath: sub, zone: zone)
        let (records, stats) = try TextParsing.parse(bytes: bytes, context: context, chunkSize: chunkSize)
        // The file's lines, decoded independently of the parser (these samples are ASCII/UTF-8).
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return (records, stats, lines)
    }

    /// 1-based numbers of the lines matching `pattern`.
    static func lineNumbers(_ lines: [String], _ pattern: String) throws -> [Int] {
        let re = try NSRegularExpression(pattern: pattern)
        return lines.enumerated().compactMap { i, l in
            re.firstMatch(in: l, range: NSRange(l.startIndex..., in: l)) != nil ? i + 1 : nil
        }
    }

    static func ts(_ r: Record) -> String? { r.timestamp?.iso8601 }

    @Test func log4netRollingLog() throws {
        let (records, stats, lines) = try Self.parse("text/dotnet_log4net/phonerec_rolling-log.txt")
        #expect(stats.dataset == "amt.error")
        #expect(stats.counters["layout.log4net"] == 1)
        let starts = try Self.lineNumbers(lines, #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[\d+\] [A-Z]+ +\S+ \[[^\]]*\] - "#)
        let markers = try Self.lineNumbers(lines, #"^\[(Header|Footer)\]$"#)
        #expect(starts.count == 16)  // grep -cE "^[0-9]{4}-" gives 16
        #expect(markers == [1, lines.count])
        #expect(records.count == starts.count + markers.count)
        // Records start exactly where entries start, in order.
        #expect(records.map(\.line) == ([1] + starts + [lines.count]).map(Optional.some))
        // Every line is in exactly one record: the message line counts add up.
        let messageLines = records.map { $0.message.components(separatedBy: "\n").count }.reduce(0, +)
        #expect(messageLines == lines.count)

        #expect(records.first?.message == "[Header]")
        #expect(records.first?.timestamp == nil)
        #expect(records.last?.message == "[Footer]")
        let first = records[1]
        #expect(Self.ts(first) == "2013-11-06T12:56:02.371Z")  // EST (UTC-5)
        #expect(first.timeSource == .local)
        #expect(first.level == .information)
        #expect(first.provider == "XML")
        #expect(first.threadID == 6)
        #expect(first.extra("ndc") == nil)  // `(null)` is no NDC
        #expect(first.message.hasPrefix("Incoming XML Message. Device Id: \nXML Message: <?xml"))
        #expect(first.message.components(separatedBy: "\n").count == 3)
        let last = records[records.count - 2]
        #expect(Self.ts(last) == "2013-11-06T12:56:44.988Z")
        #expect(last.message.hasSuffix("<operation>invalidDeviceID</operation></CSTAErrorCode>"))
        // The 10-line SingleStepConferenceCall entry stays whole.
        let conference = try #require(records.first { $0.message.contains("SingleStepConferenceCall xmlns") })
        #expect(conference.message.components(separatedBy: "\n").count == 10)
        #expect(conference.threadID == 6)
        #expect(records.allSatisfy { $0.errorType == nil })
    }

    @Test func nlogSpaceSeparated() throws {
        let (records, stats, lines) = try Self.parse("text/dotnet_nlog/hawk5757_currency_2025-05-21.log")
        #expect(stats.dataset == "amt.error")
        #expect(stats.counters["layout.nlog"] == 1)
        let starts = try Self.lineNumbers(lines, #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{4} (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) \S+ "#)
        #expect(starts.count == 81)
        #expect(records.count == starts.count)
        #expect(records.map(\.line) == starts.map(Optional.some))
        let messageLines = records.map { $0.message.components(separatedBy: "\n").count }.reduce(0, +)
        #expect(messageLines == lines.count)

        let first = try #require(records.first)
        #expect(Self.ts(first) == "2025-05-21T21:35:55.795Z")  // EDT (UTC-4), ms truncated
        #expect(first.level == .debug)
        #expect(first.provider == "Microsoft.EntityFrameworkCore.Infrastructure")
        #expect(first.message == "An 'IServiceProvider' was created for internal use by Entity Framework. ")
        let last = try #require(records.last)
        #expect(Self.ts(last) == "2025-05-21T21:36:12.532Z")
        #expect(last.provider == "Microsoft.EntityFrameworkCore.Database.Connection")
        #expect(records.filter { $0.level == .information }.count == 10)
        #expect(records.filter { $0.level == .debug }.count == 71)
        let create = try #require(records.first { $0.message.hasPrefix("Executed DbCommand (1ms)") && $0.message.contains("CREATE TABLE") })
        #expect(create.message.components(separatedBy: "\n").count == 5)
        #expect(create.message.hasSuffix("); "))
    }

    @Test func serilogTimestampG() throws {
        let (records, stats, lines) = try Self.parse("text/dotnet_serilog/gaetanpascreau_serilog_TimestampG_log.txt")
        #expect(stats.dataset == "amt.error")
        #expect(stats.counters["layout.us-date"] == 1)
        let starts = try Self.lineNumbers(lines, #"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d "#)
        #expect(starts.count == 201)
        #expect(records.count == starts.count)
        #expect(records.map(\.line) == starts.map(Optional.some))
        let messageLines = records.map { $0.message.components(separatedBy: "\n").count }.reduce(0, +)
        #expect(messageLines == lines.count)

        // Month first: 12/16/2022 appears in the first lines.
        #expect(Self.ts(records[0]) == "2022-12-11T17:35:15.000Z")
        #expect(records[0].message == #"Application Starting Up on "Sunday, December 11, 2022" at "11:35:15 AM""#)
        #expect(records[0].level == .information)
        #expect(Self.ts(try #require(records.last)) == "2023-01-14T16:43:56.000Z")

        let failures = records.filter { $0.errorType != nil }
        #expect(failures.count == 2)
        for f in failures {
            #expect(f.errorType == "System.InvalidOperationException")
            #expect(f.level == .error)
            #expect(f.extra("error.inner_type") == nil)
            // Frames counted in the file between this entry's first line and the next entry.
            let start = try #require(f.line)
            let next = starts.first { $0 > start } ?? lines.count + 1
            let frames = lines[start..<(next - 1)].filter { $0.hasPrefix("   at ") }.count
            let stack = try #require(f.stackTrace)
            #expect(stack.hasPrefix("System.InvalidOperationException: The view 'Home' was not found."))
            #expect(stack.components(separatedBy: "\n").filter { $0.hasPrefix("   at ") }.count == frames)
            #expect(frames >= 15)
        }
        #expect(failures[0].message.hasPrefix(#"HTTP "GET" "/" responded 500 in 22.9444 ms"#))
        #expect(records.filter { $0.level == .error }.count == 2)
    }

    /// Byte-by-byte input gives the same records as whole input.
    @Test(arguments: ["text/dotnet_log4net/phonerec_rolling-log.txt", "text/dotnet_nlog/hawk5757_currency_2025-05-21.log",
                      "text/dotnet_serilog/gaetanpascreau_serilog_TimestampG_log.txt"])
    func sampleSplitInvariance(path: String) throws {
        let whole = try Self.parse(path)
        let bytewise = try Self.parse(path, chunkSize: 1)
        #expect(whole.records == bytewise.records)
        #expect(whole.stats == bytewise.stats)
    }
}
