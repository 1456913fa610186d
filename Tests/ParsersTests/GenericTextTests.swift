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

    /// A few timestamped entries with long stack traces are still framed by timestamp.
    @Test func longTracesKeepTheirEntries() throws {
        var text = "2026-11-25 10:00:05 ERROR first failure\nSystem.InvalidOperationException: bad state\n"
        for i in 0..<40 { text += "   at Frame\(i).Call()\n" }
        text += "2026-11-25 10:00:09 ERROR second failure\nSystem.IO.IOException: disk\n"
        for i in 0..<40 { text += "   at Other\(i).Call()\n" }
        let (records, stats) = try TextParsing.parse(bytes: Array(text.utf8), context: ParseContext(sourcePath: "t.log", zone: .utc))
        #expect(stats.dataset == "text")
        #expect(records.count == 2)
        #expect(records[0].errorType == "System.InvalidOperationException")
        #expect(records[1].stackTrace?.components(separatedBy: "\n").count == 41)
    }

    @Test func levelWords() {
        #expect(GenericTextParser.sniffLevel("[WARN] disk") == .warning)
        #expect(GenericTextParser.sniffLevel("host | Error: x") == .error)
        #expect(GenericTextParser.sniffLevel("<Information> done") == .information)
        #expect(GenericTextParser.sniffLevel("an error happened") == nil)
        #expect(GenericTextParser.sniffLevel("one two three four five six ERROR") == nil)
        #expect(GenericTextParser.sniffLevel("Informational: 13 letters ok") == .information)
    }
}
