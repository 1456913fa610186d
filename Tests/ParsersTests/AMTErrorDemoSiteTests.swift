import Foundation
import LogRecord
import Parsers
import Testing

/// The demo site's AMTError logs parse cleanly and tell the power-loss story.
@Suite struct AMTErrorDemoSiteTests {
    static let site = TestPaths.fixtures.appendingPathComponent("demo-site")
    static let newYork = SiteZone.named("America/New_York")!

    static func parse(_ rel: String) throws -> (records: [Record], stats: ParseStats) {
        let bytes = try [UInt8](Data(contentsOf: site.appendingPathComponent(rel)))
        return try TextParsing.parse(bytes: bytes, context: ParseContext(sourcePath: rel, zone: newYork))
    }

    @Test(arguments: [
        ("Program Files (x86)/AMT/WebBRIX/Logs/AMTError.log", "us-date", "utf-8"),
        ("Program Files (x86)/AMT/WebBRIX/Logs/AMTError.log.1", "us-date", "utf-8"),
        ("ProgramData/AMT/Services/AMTError_Service.log", "log4net", "utf-8"),
        ("inetpub/wwwroot/WebBRIX/App_Data/Logs/AMTError-2026-11-26.log", "nlog-pipe", "utf-16le"),
    ])
    func logsParseCleanly(path: String, layout: String, encoding: String) throws {
        let (records, stats) = try Self.parse(path)
        #expect(stats.dataset == "amt.error")
        #expect(stats.counters["layout." + layout] == 1)
        #expect(stats.encoding == encoding)
        #expect(stats.parseErrors == 0)
        #expect(records.count > 20)
        let from = Timestamp(year: 2026, month: 11, day: 20, hour: 5)!
        let to = Timestamp(year: 2026, month: 11, day: 27, hour: 5)!
        for r in records where r.timestamp != nil {
            #expect(r.timestamp! >= from && r.timestamp! < to, "\(r.message.prefix(60))")
            #expect(r.timeSource == .local)
        }
        #expect(records.contains { $0.level == .warning })
        #expect(records.filter { $0.level == .information }.count * 2 > records.count)
    }

    @Test func powerLossStory() throws {
        let (records, _) = try Self.parse("Program Files (x86)/AMT/WebBRIX/Logs/AMTError.log")
        // 2026-11-24 03:12 .. 03:40 local = 08:12 .. 08:40 UTC.
        let from = Timestamp(year: 2026, month: 11, day: 24, hour: 8, minute: 12)!
        let to = Timestamp(year: 2026, month: 11, day: 24, hour: 8, minute: 40)!
        let outage = records.filter { $0.timestamp.map { $0 >= from && $0 < to } ?? false }
        let sql = outage.filter { $0.errorType == "System.Data.SqlClient.SqlException" }
        #expect(sql.count >= 5)
        #expect(sql.contains { $0.message.contains("Login failed for user 'webbrix'") })
        #expect(sql.contains { $0.message.contains("A network-related or instance-specific error occurred") })
        #expect(records.filter { $0.message.contains("Door controller 10.0.20.31 did not respond") }.count >= 5)
    }

    @Test func configHoldsTheSecretForRedactionTests() throws {
        let config = try String(contentsOf: Self.site.appendingPathComponent("Program Files (x86)/AMT/WebBRIX/web.config"), encoding: .utf8)
        #expect(config.contains("Password=Demo!Secret42"))
        #expect(config.contains(#"<file value="C:\ProgramData\AMT\Services\AMTError_Service.log" />"#))
        // The AMTError part of the site stays small (event, install and SQL logs are other files).
        let mine = try FileManager.default.subpathsOfDirectory(atPath: Self.site.path)
            .filter { !$0.hasPrefix("Windows") && !$0.hasPrefix("Program Files/") }
        let size = try mine.reduce(0) { sum, sub in
            let attrs = try FileManager.default.attributesOfItem(atPath: Self.site.appendingPathComponent(sub).path)
            return sum + ((attrs[.type] as? FileAttributeType) == .typeRegular ? (attrs[.size] as? Int ?? 0) : 0)
        }
        #expect(size < 200_000)
    }
}
