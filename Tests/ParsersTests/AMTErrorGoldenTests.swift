import Foundation
import LogRecord
import Parsers
import Testing

/// Golden files for the AMTError parser: one per layout plus encoding and damage traps. Inputs are
/// written by `scripts/make-demo-logs`; expected output is re-recorded with `RECORD_GOLDEN=1`.
@Suite struct AMTErrorGoldenTests {
    static let newYork = SiteZone.named("America/New_York")!

    static let fixtures = [
        "homegrown-us-crlf.log", "log4net-default.log", "nlog-pipe-utf16.log", "serilog-default-truncated.log",
        "entlib.log", "dayfirst.log", "nuls-powerloss.log", "inner-chain.log",
    ]

    @Test(arguments: fixtures)
    func golden(file: String) throws {
        try expectGolden("amt.error/" + file, zone: Self.newYork)
    }

    /// Byte-by-byte input gives the records that whole input gives.
    @Test(arguments: fixtures)
    func byteByByte(file: String) throws {
        let url = TestPaths.fixtures.appendingPathComponent("parsers/amt.error/" + file)
        let bytes = try [UInt8](Data(contentsOf: url))
        let context = ParseContext(sourcePath: file, zone: Self.newYork)
        let whole = try TextParsing.parse(bytes: bytes, context: context)
        let single = try TextParsing.parse(bytes: bytes, context: context, chunkSize: 1)
        #expect(whole.stats.dataset == "amt.error")
        #expect(!whole.records.isEmpty)
        #expect(whole.records == single.records)
        #expect(whole.stats == single.stats)
    }

    static func parse(_ file: String) throws -> (records: [Record], stats: ParseStats) {
        let url = TestPaths.fixtures.appendingPathComponent("parsers/amt.error/" + file)
        return try TextParsing.parse(bytes: [UInt8](Data(contentsOf: url)), context: ParseContext(sourcePath: file, zone: newYork))
    }

    // Field checks that do not depend on the golden files, so a wrong re-recording is caught.

    @Test func innerChains() throws {
        let (records, _) = try Self.parse("inner-chain.log")
        #expect(records.count == 4)
        #expect(records[0].errorType == "System.ApplicationException")
        #expect(records[0].extra("error.inner_type")?.stringValue == "System.Data.SqlClient.SqlException")
        #expect(records[0].extra("error.hresult") == nil)  // the outermost states none
        #expect(records[1].errorType == "System.Data.Entity.Core.EntityException")
        #expect(records[1].extra("error.inner_type")?.stringValue == "System.ComponentModel.Win32Exception")
        #expect(records[2].errorType == "System.AggregateException")
        #expect(records[2].extra("error.inner_type")?.stringValue == "System.UnauthorizedAccessException")
        #expect(records[3].errorType == nil && records[3].level == .information)
        #expect(records[0...2].allSatisfy { $0.level == .error })
        #expect(records[0].stackTrace?.components(separatedBy: "\n").count == 7)
        let (home, _) = try Self.parse("homegrown-us-crlf.log")
        #expect(home[1].extra("error.hresult")?.stringValue == "0x80131904")
        #expect(home[1].extra("error.sql_number")?.stringValue == "53")
        #expect(home[1].extra("error.inner_type")?.stringValue == "System.ComponentModel.Win32Exception")
    }

    @Test func dayFirstAndImpossibleDates() throws {
        let (records, stats) = try Self.parse("dayfirst.log")
        #expect(records.map { $0.timestamp?.iso8601 } == [
            "2026-11-05T14:15:22.000Z", "2026-11-05T14:15:23.000Z", "2026-11-24T08:12:07.000Z",
            "2026-12-03T15:00:00.000Z", nil,
        ])
        #expect(records[2].level == .error)
        #expect(records[4].message == "Impossible date keeps its entry")
        #expect(stats.parseErrors == 1)
    }

    @Test func serilogOffsetsAndTruncatedLastLine() throws {
        let (records, _) = try Self.parse("serilog-default-truncated.log")
        #expect(records.count == 4)
        #expect(records.map(\.timeSource) == [.offset, .offset, .offset, .offset])
        #expect(records[1].timestamp?.iso8601 == "2026-11-24T08:12:09.456Z")
        #expect(records[2].timestamp?.iso8601 == "2026-11-24T08:12:10.000Z")
        #expect(records[1].errorType == "System.InvalidOperationException")
        #expect(records[1].extra("error.inner_type")?.stringValue == "System.ComponentModel.Win32Exception")
        #expect(records[3].level == .critical)
        #expect(records[3].message == "Writer stopping: too many fail")
    }

    @Test func entLibBlocks() throws {
        let (records, stats) = try Self.parse("entlib.log")
        #expect(records.count == 3)
        #expect(stats.counters["separator_lines"] == 6)
        let r = records[1]
        #expect(r.timestamp?.iso8601 == "2026-11-24T08:12:09.000Z")
        #expect(r.timeSource == .utc)
        #expect(r.level == .error && r.code == "100" && r.provider == "Data")
        #expect(r.hostName == "WEBBRIX-SRV01" && r.processID == 4480 && r.threadID == 5120)
        #expect(r.extra("thread_name")?.stringValue == "Worker 7")
        #expect(r.errorType == "System.Data.SqlClient.SqlException")
        #expect(r.message.components(separatedBy: "\n").count == 9)  // the long dash line inside is content
        #expect(r.extra("entlib.extended_properties")?.stringValue == "Operator - admin\nDoor - 14")
        #expect(records[0].level == .warning && records[0].extra("thread_name") == nil)
    }

    @Test func log4netMarkersAndStrayLine() throws {
        let (records, _) = try Self.parse("log4net-default.log")
        #expect(records.map(\.message.first) == ["[", "A", "P", "D", "q", "-", "[", "[", "A", "["].map(Optional.some))
        #expect(records[2].extra("thread_name")?.stringValue == "ASP.NET Worker 3")
        #expect(records[2].threadID == nil)
        #expect(records[3].message == "Door controller 10.0.20.31 did not respond (attempt 2)\nConnection pool state: 0 of 100 in use")
        #expect(records[5].level == .critical)
    }

    @Test func entryBounds() throws {
        var text = "11/24/2026 3:12:07 AM Error with a long trace\nSystem.Exception: boom\n"
        for i in 0..<(AMTErrorParser.maxEntryLines + 10) { text += "   at Frame\(i).Call()\n" }
        text += "11/24/2026 3:12:08 AM next\n"
        let (records, stats) = try TextParsing.parse(bytes: Array(text.utf8), context: ParseContext(sourcePath: "x", zone: Self.newYork))
        #expect(records.count == 2)
        #expect(records[0].message.components(separatedBy: "\n").count == AMTErrorParser.maxEntryLines)
        #expect(records[0].extra("entry_lines_dropped")?.intValue == 12)
        #expect(stats.counters["entry_lines_dropped"] == 12)
        #expect(records[1].message == "next")
    }
}
