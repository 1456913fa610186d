import Foundation
import LogRecord
@testable import Parsers
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
                      "sql.setup/Summary_partial.txt", "sql.setup/Detail.txt", "sql.setup/Detail_process_returned.txt",
                      "sql.setup/WBX-SQL01_20261121_140211_Watson.txt"])
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

    /// A run that left only Detail.txt and ends in `Process returned <negative code>` after a
    /// configuration exception: a failure with its code in decimal and hex and the exception.
    @Test func detailOnlyProcessReturned() throws {
        let (records, stats) = try fixtureRecords("sql.setup/Detail_process_returned.txt", zone: newYork)
        #expect(stats.dataset == "sql.setup")
        let all = summaries(records)
        try #require(all.count == 1)
        let s = all[0]
        #expect(s.outcome == .failure)
        #expect(s.level == .error)
        #expect(s.code == "-2061893607")
        #expect(s.extra("install.exit_code") == .string("-2061893607"))
        #expect(s.extra("install.exit_code_hex") == .string("0x851A0019"))
        #expect(s.extra("install.complete") == .bool(true))
        #expect(s.extra("sql.setup.exception") == .string("Microsoft.SqlServer.Configuration.Sco.ScoException"))
        #expect(s.extra("sql.setup.hresult") == .string("0x851A0019"))
        let e = try #require(s.extra("install.first_error")?.stringValue)
        #expect(e == "Exception Microsoft.SqlServer.Configuration.Sco.ScoException: Could not find the Database Engine startup handle. (HResult 0x851A0019)")
        #expect(s.message.contains("failed with exit code -2061893607 (0x851A0019)"))
        #expect(!s.message.contains("did not finish"))
        #expect(!stats.problems.contains { $0.hasPrefix("partial:") })
        // 09:12:45 EST, the `Process returned` line.
        #expect(s.timestamp?.iso8601 == "2026-11-20T14:12:45.000Z")
        #expect(s.line == 15)
        #expect(s.extra("install.run_id") == .string("sql.setup/20261120_085959"))
        // The exception's lines are one entry: Message, HResult, Stack joined.
        let ex = try #require(records.first { $0.message.contains("Exception type:") })
        #expect(ex.level == .error)
        #expect(ex.message.components(separatedBy: "\n").count == 1, "each Detail line has its own head")
        #expect(records.filter { $0.level == .error }.count == 3, "exception, Process returned, summary")
    }

    /// A `Process returned 0` of a child process does not decide a run whose log states its result.
    @Test func errorResultWinsOverProcessReturned() throws {
        let text = """
        (01) 2026-11-20 09:00:01 Slp: Running process: C:\\setup\\helper.exe
        (01) 2026-11-20 09:00:02 Slp: Process returned 0
        (01) 2026-11-20 09:05:00 Slp: Error result: -2068052377
        """
        let context = ParseContext(sourcePath: "Detail.txt", zone: .utc)
        let (records, _) = try TextParsing.parse(bytes: Array(text.utf8), dataset: "sql.setup", context: context)
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .failure && s.code == "-2068052377")
        #expect(s.extra("install.run_id") == .string("sql.setup/start 2026-11-20T09:00:01"))
    }

    /// A Watson bucket file: detected by its structure, one record, no outcome of its own.
    @Test func watsonFileStatesNoOutcome() throws {
        let (records, stats) = try fixtureRecords("sql.setup/WBX-SQL01_20261121_140211_Watson.txt", zone: newYork)
        #expect(stats.dataset == "sql.setup")
        #expect(summaries(records).isEmpty)
        #expect(records.count == 1)
        #expect(records[0].level == .information)
        guard case .array(let params)? = records[0].extra("sql.setup.watson") else {
            Issue.record("no Watson parameters")
            return
        }
        #expect(params.count == 5)
        #expect(params[2] == .string("0x84BC0667"))
        #expect(records[0].extra("sql.setup.run_id") == .string("sql.setup/20261121_140211"))
        #expect(!stats.problems.contains { $0.hasPrefix("partial:") })
    }

    /// Summary.txt and Detail.txt of one run name the same run (its log folder, from their text).
    @Test func summaryAndDetailShareTheRun() throws {
        let a = try #require(summaries(try fixtureRecords("sql.setup/Summary_failed_rules.txt", zone: newYork).records).first)
        let b = try #require(summaries(try fixtureRecords("sql.setup/Detail.txt", zone: newYork).records).first)
        #expect(a.extra("install.run_id") == .string("sql.setup/20261121_140211"))
        #expect(b.extra("install.run_id") == a.extra("install.run_id"))
        #expect(a.extra("install.exit_code_hex") == .string("0x84BC0667"))
        #expect(b.extra("install.exit_code_hex") == .string("0x84BC0667"))
        #expect(a.extra("sql.setup.action") == .string("Install"))
        // The failed rule by its name (the warning listed beside it explains nothing).
        #expect(a.extra("install.failed_action") == .string("rule RebootRequiredCheck"))
        #expect(b.extra("install.failed_action") == .string("rule RebootRequiredCheck"))
        #expect(a.message.hasPrefix("SQL Server setup of Microsoft SQL Server 2019 failed with exit code -2068052377 (0x84BC0667) in rule RebootRequiredCheck: Rule \"RebootRequiredCheck\" failed: A computer restart is required."))
    }

    @Test func quotedRuleName() {
        #expect(SQLSetupParser.quotedName("Rule \"RebootRequiredCheck\" failed: x") == "RebootRequiredCheck")
        #expect(SQLSetupParser.quotedName("Regel 'FacetWOW64PlatformCheck' ist fehlgeschlagen.") == "FacetWOW64PlatformCheck")
        #expect(SQLSetupParser.quotedName("RebootRequiredCheck failed") == nil)
        #expect(SQLSetupParser.quotedName("Rule \"\" failed") == nil)
        #expect(SQLSetupParser.quotedName("Rule \"unclosed") == nil)
    }

    @Test func runIDFromPath() {
        #expect(SQLSetupParser.runID(Array("Log/20251109_020330/Detail.txt".utf8)) == "20251109_020330")
        #expect(SQLSetupParser.runID(Array("Log/Summary_HOST_20251109_020330.txt".utf8)) == "20251109_020330")
        #expect(SQLSetupParser.runID(Array("Log/Log20251109_020330.cab/Detail.txt".utf8)) == "20251109_020330")
        #expect(SQLSetupParser.runID(Array("Log/120251109_020330/Detail.txt".utf8)) == nil)
        #expect(SQLSetupParser.runID(Array("Log/20251109_0203301/Detail.txt".utf8)) == nil)
        #expect(SQLSetupParser.runID(Array("Log/Summary.txt".utf8)) == nil)
    }
}
