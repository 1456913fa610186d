import Foundation
import LogRecord
import Parsers
import Testing

@Suite struct DPInstTests {
    @Test func golden() throws {
        try expectGolden("dpinst/DPINST.LOG", zone: newYork)
    }

    @Test func runsAndReturnCodes() throws {
        let (records, stats) = try fixtureRecords("dpinst/DPINST.LOG", zone: newYork)
        #expect(stats.dataset == "dpinst")
        let s = summaries(records)
        try #require(s.count == 3)
        #expect(s[0].outcome == .success && s[0].extra("install.product") == .string("cardreader.inf"))
        #expect(s[1].outcome == .failure && s[1].extra("install.exit_code") == .string("0x80010000"))
        #expect(s[1].extra("install.first_error")?.stringValue == "Driver package C:\\Drivers\\badge\\badge.inf is not signed. | second line of the error" || s[1].extra("install.first_error")?.stringValue == "Driver package C:\\Drivers\\badge\\badge.inf is not signed.")
        #expect(s[2].outcome == .unknown)
        #expect(records.first { $0.message.hasPrefix("WARNING:") }?.level == .warning)
        #expect(records.first { $0.message.hasPrefix("ERROR:") }?.message.hasSuffix("\n   second line of the error") == true)
        // Other `INFO:` logs are not DPInst's.
        let python = (0..<20).map { "INFO:root:step \($0) done" }
        #expect(DPInstParser.score(lines: python, path: "x.log") == 0)
        // 11/21/2026 09:30:00 EST.
        #expect(s[1].timestamp?.iso8601 == "2026-11-21T14:30:00.000Z")
    }
}
