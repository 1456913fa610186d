import Foundation
import LogRecord
import Parsers
import Testing

/// Outcomes, level counts and times of the real SQL Server setup and InstallShield logs in
/// `../shared/samples/text/` (read at run time, never copied). The expected values were read off
/// the files by hand; the entry counts are recounted here with a pattern independent of the parser.
@Suite struct InstallOutcomeSampleTests {
    static func levels(_ records: [Record]) -> [Severity: Int] {
        var out: [Severity: Int] = [:]
        for r in records { out[r.level ?? .information, default: 0] += 1 }
        return out
    }

    static func heads(_ bytes: [UInt8], encoding: String.Encoding, pattern: String) -> Int {
        SamplesTests.lines(bytes, encoding: encoding).filter { $0.range(of: pattern, options: .regularExpression) != nil }.count
    }

    /// The failed SQL Server 2022 rules check (`RunRules`, IRBIS-NB286, 2025-11-09 02:03): Summary,
    /// Detail and Watson file of one run. No rule failed (all three evaluated rules succeeded); the
    /// run failed on a WMI exception (`Недопустимый класс`, "invalid class") with HResult
    /// 0x84B10001, exit code -2068774911.
    @Test(.needsSamples) func sqlRulesRunSummary() throws {
        let (records, stats, _) = try SamplesTests.parse("sql_setup", "alexwhyhey_Summary_IRBIS-NB286_20251109_020330_Rules.txt", zone: newYork)
        #expect(stats.dataset == "sql.setup")
        let s = try #require(summaries(records).first)
        #expect(summaries(records).count == 1)
        #expect(s.outcome == .failure)
        #expect(s.code == "-2068774911")
        #expect(s.extra("install.exit_code_hex") == .string("0x84B10001"))
        #expect(s.extra("install.first_error") == .string("Недопустимый класс"))
        #expect(s.extra("install.run_id") == .string("sql.setup/20251109_020330"))
        #expect(s.extra("sql.setup.action") == .string("RunRules"))
        #expect(s.extra("sql.setup.failed_rules") == nil, "no rule failed in this run")
        // Overall summary (failed) and the summary record are errors; Machine Properties is not.
        #expect(Self.levels(records) == [.error: 2, .information: 1])
        // Start 02:03:43, end 02:03:56 EST.
        #expect(records.compactMap(\.timestamp).min()?.iso8601 == "2025-11-09T07:03:43.000Z")
        #expect(s.timestamp?.iso8601 == "2025-11-09T07:03:56.000Z")
    }

    @Test(.needsSamples) func sqlRulesRunDetail() throws {
        let (records, stats, bytes) = try SamplesTests.parse("sql_setup", "alexwhyhey_Detail_Rules.txt", zone: newYork)
        #expect(stats.dataset == "sql.setup")
        let s = try #require(summaries(records).first)
        #expect(summaries(records).count == 1)
        #expect(s.outcome == .failure)
        #expect(s.code == "-2068774911")
        #expect(s.extra("install.exit_code_hex") == .string("0x84B10001"))
        #expect(s.extra("install.run_id") == .string("sql.setup/20251109_020330"), "the log folder named in its lines")
        #expect(s.extra("sql.setup.exception") == .string("Microsoft.SqlServer.Chainer.Infrastructure.ChainerInfrastructureException"))
        #expect(s.extra("sql.setup.hresult") == .string("0x84B10001"))
        #expect(s.extra("install.first_error") == .string(
            "Exception Microsoft.SqlServer.Chainer.Infrastructure.ChainerInfrastructureException: Недопустимый класс (HResult 0x84B10001)"))
        #expect(s.extra("install.failed_action") == nil, "no rule failed")
        #expect(s.line == 1107)
        let heads = Self.heads(bytes, encoding: .utf8, pattern: #"^\([0-9A-Fa-f]{2}\) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [^ :]+:"#)
        #expect(heads == 1105)
        #expect(records.count == heads + 1)
        // The exception entry, `Error result: -2068774911`, the summary.
        #expect(Self.levels(records) == [.error: 3, .information: 1103])
        #expect(records.first?.timestamp?.iso8601 == "2025-11-09T07:03:43.000Z")
        #expect(records.compactMap(\.timestamp).max()?.iso8601 == "2025-11-09T07:03:56.000Z")
        #expect(records.allSatisfy { $0.timestamp != nil && $0.timeSource == .local })
    }

    @Test(.needsSamples) func sqlRulesRunWatson() throws {
        let (records, stats, _) = try SamplesTests.parse("sql_setup", "alexwhyhey_IRBIS-NB286_20251109_020330_Watson_Rules.txt", zone: newYork)
        #expect(stats.dataset == "sql.setup")
        #expect(summaries(records).isEmpty, "a Watson file states no outcome: the run is counted from Summary and Detail")
        #expect(records.count == 1)
        #expect(records[0].extra("sql.setup.run_id") == .string("sql.setup/20251109_020330"))
        guard case .array(let params)? = records[0].extra("sql.setup.watson") else {
            Issue.record("no Watson parameters")
            return
        }
        #expect(params.count == 10)
        #expect(params[3] == .string("0xDF039760@1201@1"))
        #expect(!stats.problems.contains { $0.hasPrefix("partial:") })
    }

    /// InstallShield suite logs (SketchUp): es-MX (`p. m.`) and en-US (`PM`), both successful
    /// (`Original exit status: 0x00000000, final exit status: 0x00000000`). Their
    /// `(ISP Action): ----- Error Querying …` lines are the product's script noting registry keys of
    /// an older version it did not find: not errors of the run.
    @Test(.needsSamples, arguments: [
        ("edsonjuarez_InstallShield.log", "SketchUp 2023", "23.1.329", 2108, "2023-11-13T19:54:03.000Z", "2023-11-13T19:58:03.000Z"),
        ("sameer1137_InstallShield.log", "SketchUp Pro 2021", "21.1.332", 1606, "2023-07-20T01:49:59.000Z", "2023-07-20T02:01:11.000Z"),
    ])
    func installShieldSuite(file: String, product: String, version: String, entries: Int, first: String, last: String) throws {
        let (records, stats, bytes) = try SamplesTests.parse("installshield", file, zone: newYork)
        #expect(stats.dataset == "installshield")
        let s = try #require(summaries(records).first)
        #expect(summaries(records).count == 1)
        #expect(s.outcome == .success)
        #expect(s.code == "0x00000000")
        #expect(s.extra("installshield.original_exit_status") == .string("0x00000000"))
        #expect(s.extra("install.product") == .string(product))
        #expect(s.extra("install.version") == .string(version))
        #expect(s.extra("install.interrupted") == nil)
        let heads = Self.heads(bytes, encoding: .utf16LittleEndian, pattern: #"^\d{1,2}-\d{1,2}-\d{4}\["#)
        #expect(heads == entries)
        #expect(records.count == heads + 1)
        #expect(Self.levels(records) == [.information: heads + 1])
        #expect(records.first?.timestamp?.iso8601 == first)
        #expect(records.compactMap(\.timestamp).max()?.iso8601 == last)
        #expect(s.timestamp?.iso8601 == last)
        #expect(records.allSatisfy { $0.timestamp != nil && $0.timeSource == .local })
        #expect(!stats.problems.contains { $0.contains("designator") })
    }

    /// The setup.exe debug log (888poker, en-US 12-hour): success, `Setup returning 0`-style result.
    @Test(.needsSamples) func installShieldDebugLog() throws {
        let (records, _, _) = try SamplesTests.parse("installshield", "keshawa_dud_setupexe_debuglog_InstallShield.log", zone: newYork)
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .success && s.code == "0")
        #expect(s.extra("install.version") == .string("7.10.00056"))
        // Five optional files whose extraction failed (verbose), nothing else above information.
        #expect(Self.levels(records) == [.information: 184, .verbose: 5])
        #expect(records.first?.timestamp?.iso8601 == "2018-10-22T04:17:12.000Z")
        #expect(s.timestamp?.iso8601 == "2018-10-22T04:17:34.000Z")
    }
}
