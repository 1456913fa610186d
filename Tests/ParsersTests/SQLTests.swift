import Foundation
import LogRecord
import Parsers
import Testing

@Suite struct SQLErrorlogTests {
    @Test(arguments: ["sql.errorlog/ERRORLOG", "sql.errorlog/ERRORLOG.noadjust"])
    func golden(_ rel: String) throws {
        try expectGolden(rel, zone: newYork)
    }

    @Test func utcAdjustmentErrorsAndFacts() throws {
        let (records, stats) = try fixtureRecords("sql.errorlog/ERRORLOG", zone: newYork)
        #expect(stats.dataset == "sql.errorlog")
        // Every timed record uses the stated offset, also the banner before the adjustment line.
        #expect(records.allSatisfy { $0.timestamp == nil || $0.timeSource == .offset })
        // 2026-11-23 23:59:59.99 at UTC-5 → 2026-11-24 04:59:59.990Z.
        let login = try #require(records.first { $0.code == "18456" })
        #expect(login.timestamp?.iso8601 == "2026-11-24T04:59:59.990Z")
        #expect(login.extra("sql.severity") == .int(14))
        #expect(login.extra("sql.state") == .int(8))
        #expect(login.level == .error)
        #expect(login.provider == "Logon")
        #expect(login.message.hasSuffix("Login failed for user 'webbrix'. Reason: Password did not match that for the login provided. [CLIENT: 10.0.20.15]"))
        #expect(!records.contains { $0.message.hasPrefix("2026-11-23 23:59:59.99 Logon       Login failed") })
        #expect(records.first { $0.code == "9002" }?.message.contains("is full due to 'LOG_BACKUP'") == true)
        #expect(records.first { $0.code == "823" }?.level == .critical)
        #expect(records.first { $0.code == "5701" }?.level == .information)
        // "Failure to register a SPN" is informational: words do not raise the level.
        #expect(records.first { $0.message.contains("Failure to register") }?.level == .information)
        // Continuation lines join the banner.
        #expect(records[0].message.contains("Standard Edition (64-bit) on Windows Server 2019"))
        let facts = try #require(records.compactMap(SQLServerFacts.init(record:)).first)
        #expect(facts.version == "15.0.4322.2")
        #expect(facts.edition == "Standard Edition (64-bit)")
        #expect(facts.instance == "MSSQLSERVER")
        #expect(facts.serverName == "WBX-SQL01")
        #expect(facts.utcAdjustmentMinutes == -300)
        #expect(facts.processID == 4120)
        #expect(facts.product == "Microsoft SQL Server 2019 (RTM-CU22) (KB5027702)")
    }

    @Test func withoutAdjustmentUsesSiteZone() throws {
        let (records, _) = try fixtureRecords("sql.errorlog/ERRORLOG.noadjust", zone: newYork)
        #expect(records.allSatisfy { $0.timeSource == .local })
        #expect(records[0].timestamp?.iso8601 == "2026-11-25T15:00:00.500Z")
        #expect(records.count == 2)
    }

    @Test func entriesAreBounded() throws {
        var text = "2026-11-25 10:00:00.50 spid51      start of a long entry\n"
        for i in 0..<12_000 { text += "\tcontinuation \(i)\n" }
        let context = ParseContext(sourcePath: "ERRORLOG", zone: .utc)
        let (records, _) = try TextParsing.parse(bytes: Array(text.utf8), dataset: "sql.errorlog", context: context)
        #expect(records[0].message.split(separator: "\n").count == 10_000)
        #expect(records.count == 1 + 2_001, "the head and 9,999 continuation lines, then each line alone")
    }

    @Test func factsMerge() {
        var a = SQLServerFacts()
        a.version = "15.0"
        var b = SQLServerFacts()
        b.version = "14.0"
        b.instance = "WEBBRIX"
        let m = a.merge(b)
        #expect(m.version == "15.0" && m.instance == "WEBBRIX")
    }
}

@Suite struct SQLSetupTests {
    @Test(arguments: ["sql.setup/Summary_failed_rules.txt", "sql.setup/Summary_de_failed_feature.txt",
                      "sql.setup/Summary_partial.txt", "sql.setup/Detail.txt"])
    func golden(_ rel: String) throws {
        try expectGolden(rel, zone: newYork)
    }

    @Test func failedRules() throws {
        let (records, stats) = try fixtureRecords("sql.setup/Summary_failed_rules.txt", zone: newYork)
        #expect(stats.dataset == "sql.setup")
        let s = try #require(summaries(records).first)
        #expect(summaries(records).count == 1)
        #expect(s.outcome == .failure)
        #expect(s.extra("install.exit_code") == .string("-2068052377"))
        #expect(s.extra("sql.setup.exit_code_hex") == .string("0x84BC0667"))
        #expect(s.extra("install.product") == .string("Microsoft SQL Server 2019"))
        #expect(s.extra("install.first_error")?.stringValue?.hasPrefix("Rule \"RebootRequiredCheck\" failed") == true)
        // End time 14:05:40 EST.
        #expect(s.timestamp?.iso8601 == "2026-11-21T19:05:40.000Z")
    }

    @Test func germanSummaryMatchedOnCodes() throws {
        let (records, _) = try fixtureRecords("sql.setup/Summary_de_failed_feature.txt", zone: newYork)
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .failure)
        #expect(s.extra("install.exit_code") == .string("-2061893606"))
        #expect(s.extra("install.failed_action") == .string("feature Datenbank-Engine-Dienste"))
        let e = try #require(s.extra("install.first_error")?.stringValue)
        #expect(e.contains("0x851A001A") && e.contains("Wiederherstellungshandle"))
        #expect(records.contains { $0.message.hasPrefix("Detaillierte Ergebnisse:") && $0.level == .error })
    }

    @Test func partialSummary() throws {
        let (records, stats) = try fixtureRecords("sql.setup/Summary_partial.txt", zone: newYork)
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .unknown)
        #expect(s.extra("install.complete") == .bool(false))
        #expect(stats.problems.contains { $0.hasPrefix("partial:") })
    }

    @Test func detailLog() throws {
        let (records, _) = try fixtureRecords("sql.setup/Detail.txt", zone: newYork)
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .failure)
        #expect(s.extra("install.exit_code") == .string("-2068052377"))
        #expect(s.extra("install.failed_action") == .string("rule RebootRequiredCheck"))
        #expect(records.contains { $0.threadID == 4 && $0.provider == "Slp" })
        #expect(records.contains { $0.message.hasSuffix("\n    stack line without head") })
    }
}
