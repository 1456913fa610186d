import Foundation
import LogRecord
import Parsers
import Testing

/// The demo site's install and SQL Server logs (written by scripts/make-demo-install-logs) tell
/// the story they are meant to tell, detected by content.
@Suite struct SamplesDemoSiteTests {
    static func parse(_ rel: String) throws -> (records: [Record], stats: ParseStats) {
        let url = TestPaths.fixtures.appendingPathComponent("demo-site").appendingPathComponent(rel)
        let bytes = try [UInt8](Data(contentsOf: url))
        let context = ParseContext(sourcePath: rel, hostName: "WBX-APP01", zone: newYork)
        return try TextParsing.parse(bytes: bytes, context: context)
    }

    @Test func failedUpgrade() throws {
        let (records, stats) = try Self.parse("Windows/Temp/MSI3f2a1.LOG")
        #expect(stats.dataset == "msi" && stats.encoding == "utf-16le")
        let s = try #require(summaries(records).first)
        #expect(summaries(records).count == 1)
        #expect(s.outcome == .failure && s.level == .error)
        #expect(s.extra("install.exit_code") == .string("1603"))
        #expect(s.extra("install.product") == .string("WebBRIX Server"))
        #expect(s.extra("install.version") == .string("5.2.0.1187"))
        #expect(s.extra("install.failed_action") == .string("InstallWebBRIXDatabase (deferred, run by InstallFinalize)"))
        let e = try #require(s.extra("install.first_error")?.stringValue)
        #expect(e.hasPrefix("Exception thrown by custom action: | System.Reflection.TargetInvocationException"))
        #expect(e.contains("Login failed for user 'webbrix'."))
        // 10:41:19 EST on 24 November.
        #expect(s.timestamp?.iso8601.hasPrefix("2026-11-24T15:41:19") == true)
        #expect(records.first { $0.message.contains("translated to success") }?.level == .information)
    }

    @Test func errorlogLoginFailures() throws {
        let (records, stats) = try Self.parse("Program Files/Microsoft SQL Server/MSSQL15.MSSQLSERVER/MSSQL/Log/ERRORLOG")
        #expect(stats.dataset == "sql.errorlog")
        let logins = records.filter { $0.code == "18456" }
        #expect(logins.count == 4)
        #expect(logins.allSatisfy { $0.message.contains("[CLIENT: 10.0.20.15]") && $0.extra("sql.state") == .int(8) })
        #expect(logins.first?.timestamp?.iso8601 == "2026-11-24T15:41:16.170Z")
        #expect(records.contains { $0.code == "9002" && $0.level == .error })
        let facts = try #require(records.compactMap(SQLServerFacts.init(record:)).first)
        #expect(facts.version == "15.0.4322.2" && facts.instance == "MSSQLSERVER" && facts.utcAdjustmentMinutes == -300)
        let (old, _) = try Self.parse("Program Files/Microsoft SQL Server/MSSQL15.MSSQLSERVER/MSSQL/Log/ERRORLOG.1")
        #expect(old.allSatisfy { $0.timeSource == .offset })
        #expect(!old.contains { $0.level == .error || $0.level == .critical })
    }

    @Test func setupDriverAndDPInstSucceed() throws {
        let (summary, s1) = try Self.parse("Program Files/Microsoft SQL Server/150/Setup Bootstrap/Log/Summary.txt")
        #expect(s1.dataset == "sql.setup")
        #expect(summaries(summary).first?.outcome == .success)
        #expect(summaries(summary).first?.extra("install.product") == .string("Microsoft SQL Server 2019"))
        let (setupapi, s2) = try Self.parse("Windows/INF/setupapi.dev.log")
        #expect(s2.dataset == "setupapi")
        #expect(summaries(setupapi).map(\.outcome) == [.success])
        #expect(setupapi.filter { $0.level == .warning }.count == 1)
        let (dpinst, s3) = try Self.parse("Windows/DPINST.LOG")
        #expect(s3.dataset == "dpinst")
        #expect(summaries(dpinst).map(\.outcome) == [.success])
        #expect(summaries(dpinst).first?.extra("install.product") == .string("rfideas_cardreader.inf"))
    }
}
