import Foundation
import LogRecord
import Parsers
import Testing

/// Every MSI log in `../shared/samples/text/msi_verbose/` and the setupapi sample, read as collect
/// reads them (site zone America/New_York): the outcome of each run, how many records of each level,
/// the first and last times.
@Suite struct InstallSampleTests {
    struct Expected: Sendable, CustomTestStringConvertible {
        var file: String
        var outcome: Outcome
        var exitCode: String
        var failedAction: String?
        var firstError: String?
        /// Records per level, the summary included.
        var levels: [String: Int]
        var first: String
        /// The last body record (`=== … logging stopped`, whole seconds).
        var last: String
        /// The summary: when the run's result was stated (`MainEngineThread is returning N`).
        var result: String
        var testDescription: String { file }
    }

    static let msi: [Expected] = [
        // en-US log on an en-GB system: `03/06/2026` is 3 June (UserLanguageID 2057), EDT.
        Expected(file: "merlinthedev848_msilog.txt", outcome: .failure, exitCode: "1603",
                 failedAction: "RemoveExistingProducts",
                 firstError: "Error 1714. The older version of Merlin SIP cannot be removed. Contact your technical support group. System Error 1620.",
                 levels: ["information": 25, "verbose": 1102, "debug": 79, "error": 9],
                 first: "2026-06-04T01:33:55.000Z", last: "2026-06-04T01:33:59.000Z", result: "2026-06-04T01:33:59.522Z"),
        Expected(file: "wixpills_commit-ca_install-with-error.log", outcome: .failure, exitCode: "1603",
                 failedAction: "WixFailWhenDeferred (deferred, run by InstallFinalize)",
                 firstError: "CustomAction WixFailWhenDeferred returned actual error code 1603",
                 levels: ["information": 95, "verbose": 1993, "debug": 208, "error": 11],
                 first: "2022-02-03T04:39:19.000Z", last: "2022-02-03T04:39:51.000Z", result: "2022-02-03T04:39:51.508Z"),
        Expected(file: "wixpills_planned-failure_install-success.log", outcome: .success, exitCode: "0",
                 levels: ["information": 77, "verbose": 1727, "debug": 177],
                 first: "2022-02-01T02:24:46.000Z", last: "2022-02-01T02:24:48.000Z", result: "2022-02-01T02:24:47.962Z"),
        Expected(file: "wixpills_planned-failure_install-with-error.log", outcome: .failure, exitCode: "1603",
                 failedAction: "WixFailWhenDeferred (deferred, run by InstallFinalize)",
                 firstError: "CustomAction WixFailWhenDeferred returned actual error code 1603",
                 levels: ["information": 69, "verbose": 1933, "debug": 204, "error": 11],
                 first: "2022-02-01T02:24:31.000Z", last: "2022-02-01T02:24:37.000Z", result: "2022-02-01T02:24:37.489Z"),
        Expected(file: "wixpills_rollback-ca_install-with-error.log", outcome: .failure, exitCode: "1603",
                 failedAction: "WixFailWhenDeferred (deferred, run by InstallFinalize)",
                 firstError: "CustomAction WixFailWhenDeferred returned actual error code 1603",
                 levels: ["information": 88, "verbose": 2016, "debug": 207, "error": 11],
                 first: "2022-02-24T02:57:28.000Z", last: "2022-02-24T02:57:46.000Z", result: "2022-02-24T02:57:46.550Z"),
    ]

    static func levels(_ records: [Record]) -> [String: Int] {
        var n: [String: Int] = [:]
        for r in records { n[r.level?.rawValue ?? "none", default: 0] += 1 }
        return n
    }

    @Test(.needsSamples, arguments: msi)
    func msiSample(_ e: Expected) throws {
        let (records, stats, _) = try SamplesTests.parse("msi_verbose", e.file, zone: newYork)
        #expect(stats.dataset == "msi")
        #expect(stats.parseErrors == 0)
        #expect(!stats.problems.contains { $0.contains("ambiguous") }, "the day/month order is known")
        let s = summaries(records)
        try #require(s.count == 1, "one run, one outcome")
        #expect(s[0].outcome == e.outcome)
        #expect(s[0].extra("install.exit_code") == .string(e.exitCode))
        #expect(s[0].extra("install.failed_action")?.stringValue == e.failedAction)
        if let first = e.firstError {
            #expect(s[0].extra("install.first_error")?.stringValue?.hasPrefix(first) == true)
        } else {
            #expect(s[0].extra("install.first_error") == nil)
        }
        #expect(Self.levels(records) == e.levels)
        #expect(records.allSatisfy { $0.timestamp != nil && $0.timeSource == .local })
        #expect(records.first?.timestamp?.iso8601 == e.first)
        #expect(records.last { $0.extra("install.complete") == nil }?.timestamp?.iso8601 == e.last)
        #expect(s[0].timestamp?.iso8601 == e.result)
        #expect(records.last?.extra("install.complete") != nil, "the summary comes last")
    }

    /// `Error 1714` with `System Error 1620` (the cached package of the older version cannot be
    /// opened): the chain is named, not the `CustomAction … returned actual error code 1620` line
    /// before it, nor the later `INSTALL` failure.
    @Test(.needsSamples) func olderVersionChain() throws {
        let (records, _, _) = try SamplesTests.parse("msi_verbose", "merlinthedev848_msilog.txt", zone: newYork)
        let s = try #require(summaries(records).first)
        #expect(s.extra("install.product") == .string("Merlin SIP"))
        #expect(s.extra("install.version") == .string("1.1.22"))
        #expect(s.extra("msi.error") == .int(1714))
        #expect(s.extra("msi.system_error") == .int(1620))
        #expect(s.extra("msi.system_error_meaning")?.stringValue?.contains("cached package") == true)
        #expect(s.message.hasPrefix("Installation of Merlin SIP 1.1.22 failed with exit code 1603 in RemoveExistingProducts: Error 1714."))
        // The result line says "installed the product" with status 1603: an error, whatever its verb.
        let result = try #require(records.first { $0.message.contains("Installation success or error status: 1603") })
        #expect(result.level == .error && result.code == "1603")
    }

    /// The setupapi.dev.log sample: eleven sections, each a successful run; warnings only.
    @Test(.needsSamples) func setupapiSample() throws {
        let (records, stats, _) = try SamplesTests.parse("setupapi", "ouali42_cybersecu_setupapi.dev.log", zone: newYork)
        #expect(stats.dataset == "setupapi")
        #expect(stats.counters["setupapi_sections"] == 11)
        let s = summaries(records)
        #expect(s.count == 11)
        #expect(s.allSatisfy { $0.outcome == .success })
        #expect(s.filter { $0.extra("install.exit_code") == .string("SUCCESS (REBOOT_REQUIRED)") }.count == 1)
        #expect(Self.levels(records) == ["information": 49, "verbose": 18015, "warning": 788])
        let timed = records.compactMap(\.timestamp)
        #expect(records.count - timed.count == 2, "the header block and [BeginLog] have no time")
        #expect(timed.first?.iso8601 == "2026-01-20T19:24:09.751Z")
        #expect(timed.last?.iso8601 == "2026-01-23T00:22:21.917Z")
        #expect(timed.map(\.iso8601).max() == "2026-01-23T00:22:21.917Z")
    }
}
