@testable import Collect
import Foundation
import LogRecord
import Testing

/// The install and setup runs of SUMMARY.txt: one run is one outcome, however many of its files
/// state it.
@Suite("Install runs")
struct InstallRunLogTests {
    static func summary(_ path: String, _ outcome: Outcome, run: String?, code: String? = nil,
                        firstError: String? = nil, at time: String = "2026-11-21T19:05:40Z") -> InstallRun {
        var r = Record(dataset: "sql.setup", message: "SQL Server setup …", timestamp: Timestamp.parseISO8601(time),
                       level: outcome == .failure ? .error : .information, filePath: path, line: 1)
        r.outcome = outcome
        r.code = code
        if let code { r.setExtra("install.exit_code", .string(code)) }
        if let code, let v = Int(code) {
            r.setExtra("install.exit_code_hex", .string("0x" + String(UInt32(truncatingIfNeeded: v), radix: 16, uppercase: true)))
        }
        if let run { r.setExtra("install.run_id", .string(run)) }
        if let firstError { r.setExtra("install.first_error", .string(firstError)) }
        r.setExtra("install.complete", .bool(outcome != .unknown))
        return InstallRun(record: r)!
    }

    static let runA = "sql.setup/20261121_140211"

    @Test func summaryDetailCabAndWatsonAreOneRun() {
        var log = InstallRunLog()
        log.add(Self.summary("Log/20261121_140211/Summary_WBX_20261121_140211.txt", .failure, run: Self.runA,
                             code: "-2068052377", firstError: "Rule \"RebootRequiredCheck\" failed"))
        log.add(Self.summary("Log/20261121_140211/Detail.txt", .failure, run: Self.runA, code: "-2068052377",
                             firstError: "Rule RebootRequiredCheck failed: A computer restart is required."))
        log.add(Self.summary("Log/Log20261121_140211.cab/Detail.txt", .failure, run: Self.runA, code: "-2068052377"))
        #expect(log.total == 1)
        #expect(log.failureCount == 1)
        #expect(log.lines.count == 1)
        let line = log.lines[0]
        #expect(line.hasPrefix("FAILURE  unknown product, exit code -2068052377 (0x84BC0667), 2026-11-21T19:05:40.000Z"))
        // Every source, in path order; the longer first error.
        #expect(line.contains("(Log/20261121_140211/Detail.txt + Log/20261121_140211/Summary_WBX_20261121_140211.txt + Log/Log20261121_140211.cab/Detail.txt)"))
        #expect(line.hasSuffix("first error: Rule RebootRequiredCheck failed: A computer restart is required."))
    }

    /// A run whose Summary.txt is partial and whose Detail.txt states the failure is one failed run,
    /// whichever file is read first.
    @Test func strongerOutcomeWinsInEitherOrder() {
        let partial = Self.summary("Log/20261121_140211/Summary.txt", .unknown, run: Self.runA)
        let failed = Self.summary("Log/20261121_140211/Detail.txt", .failure, run: Self.runA, code: "-2061893607")
        for order in [[partial, failed], [failed, partial]] {
            var log = InstallRunLog()
            for run in order { log.add(run) }
            #expect(log.total == 1 && log.failureCount == 1)
            #expect(log.lines == [
                "FAILURE  unknown product, exit code -2061893607 (0x851A0019), 2026-11-21T19:05:40.000Z  (Log/20261121_140211/Detail.txt + Log/20261121_140211/Summary.txt)"
            ])
        }
    }

    /// Runs of the same product and code on other days, or without a run id, stay apart.
    @Test func otherRunsStayApart() {
        var log = InstallRunLog()
        log.add(Self.summary("Log/20261121_140211/Detail.txt", .failure, run: Self.runA, code: "-2068052377"))
        log.add(Self.summary("Log/20261122_091000/Detail.txt", .failure, run: "sql.setup/20261122_091000", code: "-2068052377"))
        log.add(Self.summary("Temp/InstallShield.log", .failure, run: nil, code: "1603"))
        log.add(Self.summary("Temp/InstallShield (1).log", .failure, run: nil, code: "1603"))
        log.add(Self.summary("Temp/setup.log", .success, run: nil, code: "0"))
        #expect(log.total == 5)
        #expect(log.failureCount == 4)
        #expect(log.lines.count == 5)
    }

    /// The stages of a collection each keep a log; merged, a run two of them saw is one.
    @Test func mergeOfTwoStagesCountsARunOnce() {
        var a = InstallRunLog(), b = InstallRunLog()
        a.add(Self.summary("Log/20261121_140211/Summary.txt", .failure, run: Self.runA, code: "-2068052377"))
        a.add(Self.summary("Temp/MSI1.LOG", .success, run: nil, code: "0"))
        b.add(Self.summary("Log/Log20261121_140211.cab/Summary.txt", .failure, run: Self.runA, code: "-2068052377"))
        b.add(Self.summary("Temp/MSI2.LOG", .failure, run: nil, code: "1603"))
        var ab = a
        ab.merge(b)
        var ba = b
        ba.merge(a)
        for log in [ab, ba] {
            #expect(log.total == 3)
            #expect(log.failureCount == 2)
            #expect(log.lines.filter { $0.contains("Summary.txt + ") }.count == 1)
        }
        #expect(Set(ab.lines) == Set(ba.lines))
    }

    /// Past the listed failures, runs are still counted once each.
    @Test func unlistedRunsAreCountedOnce() {
        var log = InstallRunLog()
        for k in 0..<(InstallRunLog.keptFailures + 5) {
            let id = "sql.setup/20261121_1402\(String(format: "%02d", k))"
            log.add(Self.summary("Log/\(k)/Summary.txt", .failure, run: id, code: "1"))
            log.add(Self.summary("Log/\(k)/Detail.txt", .failure, run: id, code: "1"))
        }
        #expect(log.total == InstallRunLog.keptFailures + 5)
        #expect(log.failureCount == InstallRunLog.keptFailures + 5)
        #expect(log.lines.last == "… and 5 more runs not listed (5 of them failed); all are in the records")
    }
}
