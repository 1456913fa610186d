import Foundation
import LogRecord
import Parsers
import Testing

@Suite struct SetupapiTests {
    @Test(arguments: ["setupapi/setupapi.dev.log", "setupapi/setupapi.log", "setupapi/setupapi-legacy-failures.log"])
    func golden(_ rel: String) throws {
        try expectGolden(rel, zone: newYork)
    }

    @Test func devLogSectionsLevelsAndText() throws {
        let (records, stats) = try fixtureRecords("setupapi/setupapi.dev.log", zone: newYork)
        #expect(stats.dataset == "setupapi")
        #expect(records.contains { $0.message.contains("Lecteur de cartes à puce détecté – périphérique « Lecteur RFID »") })
        #expect(records.first { $0.message.hasPrefix("!    dvi: Device not started") }?.level == .warning)
        #expect(records.first { $0.message.hasPrefix("!!!  dvi: Failed") }?.level == .error)
        let s = summaries(records)
        try #require(s.count == 2)
        #expect(s[0].outcome == .failure)
        #expect(s[0].extra("install.exit_code") == .string("FAILURE(0xe000022f)"))
        #expect(s[0].extra("install.first_error")?.stringValue?.contains("Error = 0xE000022F") == true)
        #expect(s[1].outcome == .unknown)
        // Midnight: the `{Build Driver List} 00:00:01.250` line is on 23 November.
        #expect(records.first { $0.message.contains("{Build Driver List}") }?.timestamp?.iso8601 == "2026-11-23T05:00:01.250Z")
    }

    @Test func legacyLayout() throws {
        let (records, _) = try fixtureRecords("setupapi/setupapi.log", zone: newYork)
        #expect(records.first { $0.code == "E361" }?.level == .error)
        #expect(records.first { $0.code == "E361" }?.message.hasSuffix("Error 0xe000022f\n     Устройство чтения карт: подпись драйвера не прошла проверку") == true)
        #expect(records.first { $0.code == "W383" }?.level == .warning)
        #expect(records.first { $0.code == "V017" }?.timestamp?.iso8601 == "2026-11-20T15:15:00.437Z")
        #expect(records.first { $0.code == "I121" }?.processID == 1680)
    }

    /// XP/2003 and Windows 2000 sections: one run each, the result each states, levels from the
    /// log's own marks and result lines.
    @Test func legacyRunsAndResults() throws {
        let (records, stats) = try fixtureRecords("setupapi/setupapi-legacy-failures.log", zone: newYork)
        #expect(stats.dataset == "setupapi")
        #expect(stats.counters["setupapi_sections"] == 4)
        let s = summaries(records)
        try #require(s.count == 4)
        // 1: `#E122 Device install failed. Error 0xe0000219`.
        #expect(s[0].outcome == .failure)
        #expect(s[0].extra("install.exit_code") == .string("0xe0000219"))
        #expect(s[0].extra("install.product") == .string("USB\\VID_0C27&PID_3BFA\\5&2B3C1D&0&1"))
        #expect(s[0].extra("install.first_error")?.stringValue?.hasPrefix("#E122 Device install failed.") == true)
        #expect(s[0].extra("setupapi.errors") == .int(2))
        // 2: a copy error, then `finished successfully`: the stated result governs.
        #expect(s[1].outcome == .success)
        #expect(s[1].extra("install.product")?.stringValue?.hasPrefix("PCI\\VEN_8086&DEV_100E") == true)
        // 3: Windows 2000 lines without message ids.
        #expect(s[2].outcome == .failure)
        #expect(s[2].extra("install.exit_code") == .string("0xe0000219"))
        #expect(s[2].extra("install.first_error")?.stringValue?.hasPrefix("Copying file") == true)
        // 4: no result and no error (the file ends): the section ran without errors.
        #expect(s[3].outcome == .success)
        #expect(s[3].timestamp?.iso8601 == "2026-11-22T12:00:01.250Z")
        // Levels.
        #expect(records.first { $0.message.hasPrefix("Device install finished with error") }?.level == .error)
        #expect(records.first { $0.message.hasPrefix("#-024 Copying file") }?.level == .error)
        #expect(records.first { $0.message.hasPrefix("#W059") }?.level == .warning)
        #expect(records.first { $0.message.hasPrefix("#-019 Searching") }?.level == .information)
        #expect(records.first { $0.message.hasPrefix("Found \"USB") }?.level == .information)
        let body = records.filter { $0.extra("install.complete") == nil }
        #expect(body.filter { $0.level == .error }.count == 5)
        #expect(body.filter { $0.level == .warning }.count == 2)
        #expect(records.first { $0.message == "OS Version = 5.2.3790 Service Pack 2" }?.level == .information)
    }

    /// The dev layout is unchanged: its sections keep their `[Exit status: …]` outcomes, and the
    /// legacy result words do not raise dev body lines.
    @Test func devLayoutNotReadAsLegacy() throws {
        let (records, _) = try fixtureRecords("setupapi/setupapi.dev.log", zone: newYork)
        #expect(records.filter { $0.extra("setupapi.errors") != nil }.isEmpty)
    }
}
