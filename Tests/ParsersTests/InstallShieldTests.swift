import Foundation
import LogRecord
import Parsers
import Testing

@Suite struct InstallShieldTests {
    @Test(arguments: ["installshield/suite-failure-es.log", "installshield/debuglog-success-24h.log",
                      "installshield/suite-original1-final0-ko.log", "installshield/suite-cancelled-ja.log",
                      "installshield/suite-interrupted-failed-es.log", "installshield/suite-final-status-only.log"])
    func golden(_ rel: String) throws {
        try expectGolden(rel, zone: newYork)
    }

    @Test func localizedDesignatorAndFinalStatus() throws {
        let (records, stats) = try fixtureRecords("installshield/suite-failure-es.log", zone: newYork)
        #expect(stats.dataset == "installshield")
        // 3:04:05 p. m. EST → 20:04:05Z.
        #expect(records[0].timestamp?.iso8601 == "2026-11-24T20:04:05.000Z")
        #expect(records.first { $0.message.contains("BetaMarker.dat") }?.level == .verbose)
        #expect(records.contains { $0.message.hasSuffix("error 1603:\nvalue continued after a bare CR") })
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .failure)
        #expect(s.extra("install.exit_code") == .string("0x643"))
        #expect(s.extra("install.product") == .string("WebBRIX Server"))
        #expect(s.extra("install.version") == .string("5.2.0"))
    }

    @Test func twentyFourHourSuccess() throws {
        let (records, _) = try fixtureRecords("installshield/debuglog-success-24h.log", zone: newYork)
        #expect(records[0].timestamp?.iso8601 == "2026-11-25T21:20:00.000Z")
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .success && s.extra("install.exit_code") == .string("0"))
    }

    /// `Original exit status: 0x00000001, final exit status: 0x00000000`: the run succeeded.
    @Test func finalStatusGoverns() throws {
        let (records, stats) = try fixtureRecords("installshield/suite-original1-final0-ko.log", zone: newYork)
        #expect(stats.dataset == "installshield")
        let s = try #require(summaries(records).first)
        #expect(summaries(records).count == 1)
        #expect(s.outcome == .success)
        #expect(s.level == .information)
        #expect(s.extra("install.exit_code") == .string("0x00000000"))
        #expect(s.extra("installshield.original_exit_status") == .string("0x00000001"))
        #expect(s.extra("install.product") == .string("WebBRIX Report Designer"))
        #expect(s.extra("install.version") == .string("5.2.1"))
        #expect(!records.contains { $0.level == .error || $0.level == .warning })
        // 오후 12:10:00 is 12:10 (EST → 17:10Z); 오전 12:00:05 is 00:00:05 the next day.
        #expect(records[0].timestamp?.iso8601 == "2026-11-24T17:10:00.000Z")
        #expect(records.first { $0.message.contains("removing staging") }?.timestamp?.iso8601 == "2026-11-25T05:00:05.000Z")
        #expect(s.line == 6)
    }

    @Test func finalStatusPairInOneLine() throws {
        let text = "11-24-2026[10:00:00 AM]: Original exit status: 0x00000001, final exit status: 0x00000000\n"
        let context = ParseContext(sourcePath: "InstallShield.log", zone: .utc)
        let (records, _) = try TextParsing.parse(bytes: Array(text.utf8), dataset: "installshield", context: context)
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .success && s.code == "0x00000000")
        #expect(records[0].level == .information)
        // The reverse: a package that succeeded and a suite that failed.
        let bad = "11-24-2026[10:00:00 AM]: Original exit status: 0x00000000, final exit status: 0x80070643\n"
        let (r2, _) = try TextParsing.parse(bytes: Array(bad.utf8), dataset: "installshield", context: context)
        #expect(summaries(r2).first?.outcome == .failure)
        #expect(summaries(r2).first?.code == "0x80070643")
    }

    /// The suite engine's `final status` decides when no exit status follows; a weaker statement
    /// does not replace a stronger one.
    @Test func suiteFinalStatus() throws {
        let (records, _) = try fixtureRecords("installshield/suite-final-status-only.log", zone: newYork)
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .success && s.code == "0")
        // 12:30:00 p. m. is 12:30 (EST → 17:30Z).
        #expect(records[0].timestamp?.iso8601 == "2026-11-26T17:30:00.000Z")
        let text = """
        11-24-2026[10:00:00 AM]: Setup returning 1603
        11-24-2026[10:00:01 AM]: Engine: all operations completed, final status: 0
        11-24-2026[10:00:02 AM]: Original exit status: 0x00000000

        """
        let context = ParseContext(sourcePath: "InstallShield.log", zone: .utc)
        let (r2, _) = try TextParsing.parse(bytes: Array(text.utf8), dataset: "installshield", context: context)
        #expect(summaries(r2).first?.outcome == .failure)
        #expect(summaries(r2).first?.code == "1603")
    }

    @Test func interruptedByTheUser() throws {
        let (records, _) = try fixtureRecords("installshield/suite-cancelled-ja.log", zone: newYork)
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .failure)
        #expect(s.extra("install.interrupted") == .string("cancelled"))
        #expect(s.extra("install.exit_code") == .string("0x80070642"))
        #expect(s.message == "InstallShield setup of WebBRIX Server was cancelled (exit code 0x80070642).")
        #expect(s.extra("install.failed_action") == nil)
        // 午後 9:41:00 EST is 02:41:00Z the next day (no BOM: detected as UTF-16 all the same).
        #expect(records[0].timestamp?.iso8601 == "2026-11-25T02:41:00.000Z")
        #expect(records.first { $0.message.contains("IDS_SUITE_INTERRUPTED") }?.level == .error)
    }

    @Test func interruptedByAFailure() throws {
        let (records, stats) = try fixtureRecords("installshield/suite-interrupted-failed-es.log", zone: newYork)
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .failure)
        #expect(s.extra("install.interrupted") == .string("failed"))
        // The final status is on the continuation line (bare CR inside the value).
        #expect(s.extra("install.exit_code") == .string("0x80070643"))
        #expect(s.extra("installshield.original_exit_status") == .string("0x00000643"))
        #expect(s.message.hasPrefix("InstallShield setup of WebBRIX Server 5.2.0 was interrupted and failed with exit code 0x80070643"))
        #expect(records.first { $0.message.contains("final exit status") }?.level == .error)
        // The action that failed explains the interruption.
        #expect(s.extra("install.failed_action") == .string("action InstallWebBRIXService"))
        #expect(s.extra("install.first_error") == .string("Action 'InstallWebBRIXService' returned status 0x80070643"))
        let action = try #require(records.first { $0.message.contains("returned status") })
        #expect(action.level == .error && action.code == "0x80070643")
        // NUL padding at the end is not a record.
        #expect(records.count == 8)
        #expect(records.allSatisfy { !$0.message.contains("\u{0}") })
        _ = stats
    }

    /// An action that returned a status other than 0 in a run that succeeded is an error line, not
    /// the run's failed action.
    @Test func failedActionOfASuccessfulRun() throws {
        let text = """
        11-24-2026[10:00:00 AM]: Action 'RegisterThumbnails' returned status 0x00000000
        11-24-2026[10:00:01 AM]: Action 'RestoreSettings' returned status 0x80004005
        11-24-2026[10:00:02 AM]: Action returned value 0x00000001
        11-24-2026[10:00:03 AM]: Original exit status: 0x00000000, final exit status: 0x00000000
        """
        let context = ParseContext(sourcePath: "InstallShield.log", zone: .utc)
        let (records, _) = try TextParsing.parse(bytes: Array(text.utf8), dataset: "installshield", context: context)
        #expect(records.map(\.level) == [.information, .error, .information, .information, .information])
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .success)
        #expect(s.extra("install.failed_action") == nil)
    }

    /// Interrupted with no exit status at all: still a failure (the log shows no cancel).
    @Test func interruptedWithoutStatus() throws {
        let text = """
        11-24-2026[10:00:00 AM]: Engine: property 'ProductName' value now 'WebBRIX Server'
        11-24-2026[10:00:05 AM]: Engine: property 'ISInstallStatus' value now 'IDS_SUITE_INTERRUPTED'
        """
        let context = ParseContext(sourcePath: "InstallShield.log", zone: .utc)
        let (records, stats) = try TextParsing.parse(bytes: Array(text.utf8), dataset: "installshield", context: context)
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .failure)
        #expect(s.extra("install.interrupted") == .string("failed"))
        #expect(s.line == 2)
        #expect(s.timestamp?.iso8601 == "2026-11-24T10:00:05.000Z")
        #expect(!stats.problems.contains { $0.hasPrefix("partial:") })
    }
}
