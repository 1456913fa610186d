import Foundation
import LogRecord
import Parsers
import Testing

/// The generic fallback on text no format parser claims.
@Suite struct GenericTextTests {
    @Test func golden() throws {
        try expectGolden("text/generic-iso-stack.log", zone: SiteZone.named("America/New_York")!)
    }

    @Test func exceptionFields() throws {
        let url = TestPaths.fixtures.appendingPathComponent("parsers/text/generic-iso-stack.log")
        let (records, stats) = try TextParsing.parse(bytes: [UInt8](Data(contentsOf: url)), context: ParseContext(sourcePath: "u.log", zone: .utc))
        #expect(stats.dataset == "text")
        #expect(records.count == 4)
        #expect(records[0].message == "WebBRIX Updater 4.2.1 - update log")
        #expect(records[2].errorType == "System.Net.WebException")
        #expect(records[2].stackTrace?.hasPrefix("System.Net.WebException: The remote name") == true)
        #expect(records[2].level == .error)
        #expect(records[3].level == .warning)
        #expect(records[1].errorType == nil)
    }
}
