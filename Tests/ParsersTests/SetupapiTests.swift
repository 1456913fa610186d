import Foundation
import LogRecord
import Parsers
import Testing

@Suite struct SetupapiTests {
    @Test(arguments: ["setupapi/setupapi.dev.log", "setupapi/setupapi.log"])
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
}
