import Foundation
import LogRecord
import Parsers
import Testing

/// Each token of each family, compiled from a declared layout and read back from lines it wrote.
@Suite struct LayoutCompilerTests {
    static func parse(_ spec: LayoutSpec, _ text: String, zone: SiteZone = .utc) throws -> (records: [Record], stats: ParseStats) {
        let context = ParseContext(sourcePath: "x.log", zone: zone, layout: DeclaredLayout(spec: spec, configFile: "app.config", target: "t"))
        return try TextParsing.parse(bytes: Array(text.utf8), dataset: "amt.error", context: context)
    }

    static func iso(_ r: Record) -> String? { r.timestamp?.iso8601 }

    @Test func log4netTokens() throws {
        let (r, stats) = try Self.parse(.log4net(pattern: "%date{DATE} %timestamp [%t] %-5level %c{1} %x %X{user} %%%m%n"), """
        24 Nov 2026 03:12:07,123 18734 [ASP.NET Worker 3] ERROR DoorPoller (null) OPERATOR7 %Poll failed
        System.TimeoutException: The operation has timed out.
        24 Nov 2026 03:12:08,001 18735 [7]  INFO DoorPoller ctx-1 (null) %retrying
        """)
        #expect(stats.layout?.source == .config)
        #expect(r.count == 2)
        #expect(r.map(Self.iso) == ["2026-11-24T03:12:07.123Z", "2026-11-24T03:12:08.001Z"])
        #expect(r.map(\.level) == [.error, .information])
        #expect(r[0].message == "Poll failed\nSystem.TimeoutException: The operation has timed out.")
        #expect(r[0].extra("thread_name") == .string("ASP.NET Worker 3"))
        #expect(r[1].threadID == 7)
        #expect(r[0].provider == "DoorPoller")
        #expect(r[0].extra("property.user") == .string("OPERATOR7"))
        #expect(r[1].extra("ndc") == .string("ctx-1"))
        #expect(r[0].errorType == "System.TimeoutException")
    }

    @Test func log4netTruncatedLevelAndUTC() throws {
        let (r, _) = try Self.parse(.log4net(pattern: "%utcdate{yyyy-MM-dd HH:mm:ss.fff} %.1p %logger - %message%newline"), """
        2026-11-24 08:12:07.123 E AMT.Db - open failed
        2026-11-24 08:12:07.500 W AMT.Db - slow
        2026-11-24 08:12:07.900 I AMT.Db - ok
        """, zone: SiteZone(timeZone: TimeZone(identifier: "Etc/GMT+5")!, isKnown: true))
        #expect(r.map(\.level) == [.error, .warning, .information])
        #expect(r.allSatisfy { $0.timeSource == .utc })
        #expect(Self.iso(r[0]) == "2026-11-24T08:12:07.123Z")
    }

    @Test func log4netTimeOfDayOnly() throws {
        let (r, stats) = try Self.parse(.log4net(pattern: "%date{ABSOLUTE} [%thread] %level - %message%newline"), """
        03:12:07,123 [5] INFO - started
        03:12:08,001 [5] WARN - slow
        """)
        #expect(r.count == 2)
        #expect(r.allSatisfy { $0.timestamp == nil })
        #expect(r.map(\.level) == [.information, .warning])
        #expect(stats.problems.contains { $0.contains("no date") })
    }

    /// A layout that writes the time of day only takes its date from the file's name
    /// (`${shortdate}.log`), the next day once the time of day goes back past midnight.
    @Test func timeOfDayOnlyDatedByFileName() throws {
        let spec = LayoutSpec.nlog(layout: "${time}|${level:uppercase=true}|${message}")
        let text = "23:59:58.5000|INFO|late\n00:00:01.0000|ERROR|after midnight\n"
        for name in ["logs/2026-11-24.log", "logs/errors_20261124.log", "logs/app.2026_11_24.txt"] {
            let context = ParseContext(sourcePath: name, zone: .utc, layout: DeclaredLayout(spec: spec, configFile: "NLog.config"))
            let (r, stats) = try TextParsing.parse(bytes: Array(text.utf8), dataset: "amt.error", context: context)
            #expect(r.map(Self.iso) == ["2026-11-24T23:59:58.500Z", "2026-11-25T00:00:01.000Z"], "\(name)")
            #expect(r.map(\.level) == [.information, .error])
            #expect(stats.problems.contains { $0.contains("file's name (2026-11-24)") }, "\(stats.problems)")
        }
        // No date in the name (or not a calendar day): no timestamps, and said so.
        for name in ["logs/errors.log", "logs/2026-13-45.log", "logs/build123456789.log"] {
            let context = ParseContext(sourcePath: name, zone: .utc, layout: DeclaredLayout(spec: spec, configFile: "NLog.config"))
            let (r, stats) = try TextParsing.parse(bytes: Array(text.utf8), dataset: "amt.error", context: context)
            #expect(r.allSatisfy { $0.timestamp == nil }, "\(name)")
            #expect(stats.problems.contains { $0.contains("no date") })
        }
    }

    @Test func nlogTokens() throws {
        let layout = "${shortdate} ${time} ${level:uppercase=true} ${threadid} ${logger:shortName=true} ${callsite} ${aspnet-request-url} ${some-unknown:x=1} ${message}${onexception:${newline}${exception:format=tostring}}"
        let (r, _) = try Self.parse(.nlog(layout: layout), """
        2026-11-24 03:12:07.1234 ERROR 12 Db AMT.Data.Db.Open https://x/doors abc Open failed
        System.InvalidOperationException: boom
           at AMT.Data.Db.Open()
        2026-11-24 03:12:08.0000 TRACE 12 Db AMT.Data.Db.Open https://x/doors abc retry
        """)
        #expect(r.count == 2)
        #expect(r.map(Self.iso) == ["2026-11-24T03:12:07.123Z", "2026-11-24T03:12:08.000Z"])
        #expect(r.map(\.level) == [.error, .verbose])
        #expect(r[0].threadID == 12)
        #expect(r[0].provider == "Db")
        #expect(r[0].message.hasPrefix("Open failed\nSystem.InvalidOperationException"))
        #expect(r[0].errorType == "System.InvalidOperationException")
    }

    @Test("a declared time's fraction width is not enforced: milliseconds under longdate, ticks under fff")
    func fractionWidthNotEnforced() throws {
        let (r, stats) = try Self.parse(.nlog(layout: "[${longdate}] [${level:uppercase=true}] ${logger}: ${message}"), """
        [2026-11-24 00:00:04.118] [INFO] WebBRIX.Integrator.Service: Integrator 2.4.1 started
        [2026-11-24 01:15:45.907] [ERROR] WebBRIX.Integrator.Controllers: Controller 10.0.20.31 is offline
        """)
        #expect(stats.layout?.source == .config)
        #expect(r.map(Self.iso) == ["2026-11-24T00:00:04.118Z", "2026-11-24T01:15:45.907Z"])
        #expect(r.map(\.level) == [.information, .error])
        #expect(r.map(\.provider) == ["WebBRIX.Integrator.Service", "WebBRIX.Integrator.Controllers"])
        #expect(r[1].message == "Controller 10.0.20.31 is offline")
        let (r2, stats2) = try Self.parse(.log4net(pattern: "%date{dd.MM.yyyy HH:mm:ss.fff} %level %message%newline"), """
        24.11.2026 03:12:07.1234567 ERROR Poll failed
        24.11.2026 03:12:08.5 INFO retrying
        """)
        #expect(stats2.layout?.source == .config)
        #expect(r2.map(Self.iso) == ["2026-11-24T03:12:07.123Z", "2026-11-24T03:12:08.500Z"])
    }

    @Test func nlogDateFormatsAndMultiLineLayout() throws {
        let (r, _) = try Self.parse(.nlog(layout: "${date:format=dd/MM/yyyy hh\\:mm\\:ss tt} [${level}]${newline}${message}"), """
        24/11/2026 03:12:07 PM [Warn]
        Disk almost full
        on C:
        25/11/2026 12:00:01 AM [Info]
        Midnight
        """)
        #expect(r.count == 2)
        #expect(r.map(Self.iso) == ["2026-11-24T15:12:07.000Z", "2026-11-25T00:00:01.000Z"])
        #expect(r.map(\.level) == [.warning, .information])
        #expect(r[0].message == "Disk almost full\non C:")
        let (u, _) = try Self.parse(.nlog(layout: "${date:universalTime=true:format=o}|${level}|${message}"), """
        2026-11-24T08:12:07.1234567Z|Info|hello
        2026-11-24T03:12:07.1234567-05:00|Info|hello
        """, zone: SiteZone(timeZone: TimeZone(identifier: "Etc/GMT+5")!, isKnown: true))
        #expect(u.map(Self.iso) == ["2026-11-24T08:12:07.123Z", "2026-11-24T08:12:07.123Z"])
        #expect(u.map(\.timeSource) == [.utc, .offset])
    }

    @Test func serilogTokens() throws {
        let (r, _) = try Self.parse(.serilog(template: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:w3}] {SourceContext} {UserId} {Message:lj}{NewLine}{Exception}"), """
        2026-11-24 03:12:07.123 -05:00 [err] AMT.Db u-17 Open failed
        System.TimeoutException: timed out
        2026-11-24 03:12:08.000 +01:00 [inf] AMT.Db u-17 ok
        """)
        #expect(r.map(Self.iso) == ["2026-11-24T08:12:07.123Z", "2026-11-24T02:12:08.000Z"])
        #expect(r.map(\.timeSource) == [.offset, .offset])
        #expect(r.map(\.level) == [.error, .information])
        #expect(r[0].provider == "AMT.Db")
        #expect(r[0].extra("property.UserId") == .string("u-17"))
        let (full, _) = try Self.parse(.serilog(template: "{Timestamp:HH:mm:ss} {Level,-11} {Message}{NewLine}"), """
        03:12:07 Information started
        03:12:08 Warning     slow
        """)
        #expect(full.map(\.level) == [.information, .warning])
        #expect(full[1].message == "slow")
    }

    /// `{Timestamp:G}`: day/month order and the clock are the culture's, read from the file.
    @Test func serilogCultureTimestamps() throws {
        let us = try Self.parse(.serilog(template: "{Timestamp:G} [{Level:u3}] {Message}{NewLine}"), """
        11/24/2026 3:12:07 PM [INF] a
        11/25/2026 9:00:00 AM [WRN] b
        """).records
        #expect(us.map(Self.iso) == ["2026-11-24T15:12:07.000Z", "2026-11-25T09:00:00.000Z"])
        let gb = try Self.parse(.serilog(template: "{Timestamp:G} [{Level:u3}] {Message}{NewLine}"), """
        05/11/2026 15:12:07 [INF] a
        24/11/2026 09:00:00 [ERR] b
        """).records
        #expect(gb.map(Self.iso) == ["2026-11-05T15:12:07.000Z", "2026-11-24T09:00:00.000Z"])
        let de = try Self.parse(.serilog(template: "{Timestamp:G} {Message}{NewLine}"), "05.11.2026 15:12:07 a\n06.11.2026 15:12:07 b\n").records
        #expect(de.map(Self.iso) == ["2026-11-05T15:12:07.000Z", "2026-11-06T15:12:07.000Z"])
    }

    @Test func entLibLineTemplate() throws {
        let (r, _) = try Self.parse(.entLib(template: "{timestamp(yyyy-MM-dd HH:mm:ss)} {severity} {category}: {message}"), """
        2026-11-24 08:12:07 Error Devices: door 4 offline
        2026-11-24 08:12:09 Information Devices: door 4 online
        """, zone: SiteZone(timeZone: TimeZone(identifier: "Etc/GMT+5")!, isKnown: true))
        #expect(r.map(\.level) == [.error, .information])
        #expect(r.allSatisfy { $0.timeSource == .utc })
        #expect(Self.iso(r[0]) == "2026-11-24T08:12:07.000Z")
        #expect(r[0].provider == "Devices")
    }

    @Test func levelVocabulary() throws {
        let words: [(String, Severity)] = [
            ("FATAL", .critical), ("ERROR", .error), ("WARN", .warning), ("INFO", .information), ("DEBUG", .debug),
            ("ALL", .verbose), ("TRACE", .verbose), ("VERBOSE", .verbose), ("NOTICE", .information), ("ALERT", .critical),
            ("EMERGENCY", .critical), ("CRITICAL", .critical), ("SEVERE", .error), ("Fatal", .critical), ("Warn", .warning),
            ("Warning", .warning), ("Information", .information), ("Verbose", .verbose), ("FTL", .critical), ("ERR", .error),
            ("WRN", .warning), ("INF", .information), ("DBG", .debug), ("VRB", .verbose), ("err", .error), ("wrn", .warning),
            ("information", .information),
        ]
        let text = words.enumerated().map { "2026-11-24 03:12:\(String(format: "%02d", $0.offset)).000 \($0.element.0) m" }.joined(separator: "\n")
        let (r, _) = try Self.parse(.log4net(pattern: "%date{yyyy-MM-dd HH:mm:ss.fff} %level %message%newline"), text)
        #expect(r.map(\.level) == words.map(\.1))
    }

    @Test func gluedEntriesAreSplit() throws {
        let (r, _) = try Self.parse(.log4net(pattern: "%date %-5level - %message"),
                                    "2026-11-24 03:12:07,123 INFO  - a2026-11-24 03:12:07,200 WARN  - b2026-11-24 03:12:08,000 ERROR - c")
        #expect(r.map(\.message) == ["a", "b", "c"])
        #expect(r.map(\.level) == [.information, .warning, .error])
    }

    /// Records rendered with a layout read back the same (times, levels, threads, loggers, messages).
    @Test func renderedRecordsReadBack() throws {
        struct Event { var time: (Int, Int, Int, Int, Int, Int, Int); var level: Int; var thread: Int; var logger: String; var message: String }
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        let names = ["DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
        let levels: [Severity] = [.debug, .information, .warning, .error, .critical]
        let events: [Event] = (0..<200).map { k in
            Event(time: (2020 + next(8), 1 + next(12), 1 + next(28), next(24), next(60), next(60), next(1000)), level: next(5),
                  thread: 1 + next(40), logger: ["AMT.Db", "AMT.Web.Global", "Poller", "A.B.C.D"][next(4)],
                  message: ["ok", "door 4 - offline", "x [y] z", "Error: nested", "   indented", "a|b|c", ""][next(7)])
        }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        func three(_ v: Int) -> String { String(repeating: "0", count: 3 - String(v).count) + String(v) }
        let layouts: [(LayoutSpec, (Event) -> String)] = [
            (.log4net(pattern: "%date [%thread] %-5level %logger - %message%newline"), { e in
                "\(e.time.0)-\(two(e.time.1))-\(two(e.time.2)) \(two(e.time.3)):\(two(e.time.4)):\(two(e.time.5)),\(three(e.time.6)) [\(e.thread)] \(names[e.level].padding(toLength: 5, withPad: " ", startingAt: 0)) \(e.logger) - \(e.message)"
            }),
            (.nlog(layout: "${longdate}|${level:uppercase=true}|${threadid}|${logger}|${message}"), { e in
                "\(e.time.0)-\(two(e.time.1))-\(two(e.time.2)) \(two(e.time.3)):\(two(e.time.4)):\(two(e.time.5)).\(three(e.time.6))0|\(names[e.level])|\(e.thread)|\(e.logger)|\(e.message)"
            }),
            (.serilog(template: "[{Timestamp:dd/MM/yyyy HH:mm:ss.fff} {Level:u3}] ({ThreadId}) {SourceContext}: {Message:lj}{NewLine}{Exception}"), { e in
                let u3 = ["DBG", "INF", "WRN", "ERR", "FTL"][e.level]
                return "[\(two(e.time.2))/\(two(e.time.1))/\(e.time.0) \(two(e.time.3)):\(two(e.time.4)):\(two(e.time.5)).\(three(e.time.6)) \(u3)] (\(e.thread)) \(e.logger): \(e.message)"
            }),
        ]
        for (spec, render) in layouts {
            let text = events.map(render).joined(separator: "\n")
            let (r, _) = try Self.parse(spec, text)
            #expect(r.count == events.count, "\(spec)")
            guard r.count == events.count else { continue }
            for (rec, e) in zip(r, events) {
                let want = "\(e.time.0)-\(two(e.time.1))-\(two(e.time.2))T\(two(e.time.3)):\(two(e.time.4)):\(two(e.time.5)).\(three(e.time.6))Z"
                #expect(Self.iso(rec) == want)
                #expect(rec.level == levels[e.level])
                #expect(rec.threadID == e.thread)
                #expect(rec.provider == e.logger)
                #expect(rec.message == e.message, "\(spec)")
            }
            // And without the layout, inferred: the same entries, times and levels.
            let (inferred, _) = try TextParsing.parse(bytes: Array(text.utf8), dataset: "amt.error", context: ParseContext(sourcePath: "x.log", zone: .utc))
            #expect(inferred.map(\.timestamp) == r.map(\.timestamp), "\(spec) inferred")
            #expect(inferred.map(\.level) == r.map(\.level), "\(spec) inferred")
        }
    }
}

extension LayoutCompilerTests {
    @Test func serilogJSONFormatters() throws {
        let clef = try Self.parse(.serilogJSON(compact: true), """
        {"@t":"2026-11-24T08:12:07.12Z","@mt":"Door {Door} opened by {User:l}","Door":4,"User":"op7"}
        {"@t":"2026-11-24T03:12:08.5+00:00","@m":"rendered","@l":"Error","@x":"System.Exception: boom\\n   at A.B()","@i":"a1b2"}
        """).records
        #expect(clef.map(Self.iso) == ["2026-11-24T08:12:07.120Z", "2026-11-24T03:12:08.500Z"])
        #expect(clef.map(\.level) == [.information, .error])
        #expect(clef[0].message == "Door 4 opened by op7")
        #expect(clef[1].errorType == "System.Exception")
        #expect(clef[1].code == "a1b2")
        let plain = try Self.parse(.serilogJSON(compact: false), """
        {"Timestamp":"2026-11-24T03:12:07.1234567-05:00","Level":"Warning","MessageTemplate":"Slow {Ms}","RenderedMessage":"Slow 1200","Properties":{"Ms":1200,"SourceContext":"AMT.Db","ThreadId":9}}
        """).records
        #expect(plain.map(Self.iso) == ["2026-11-24T08:12:07.123Z"])
        #expect(plain[0].level == .warning)
        #expect(plain[0].message == "Slow 1200")
        #expect(plain[0].provider == "AMT.Db")
        #expect(plain[0].threadID == 9)
    }
}
