import Foundation
import LogRecord
import Parsers
import Testing

@Suite struct InstallShieldTests {
    @Test(arguments: ["installshield/suite-failure-es.log", "installshield/debuglog-success-24h.log"])
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
}
