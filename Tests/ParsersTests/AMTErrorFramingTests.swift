import Foundation
import LogRecord
import Parsers
import Testing

/// Framing and time conversion details that golden files do not isolate.
@Suite struct AMTErrorFramingTests {
    static let newYork = SiteZone.named("America/New_York")!

    /// Every minute across both 2026 daylight-saving changes: the parser's times equal
    /// `SiteZone.localToUTC` of the same reading (the parser reuses zone shifts internally).
    @Test(arguments: [(2026, 3, 8), (2026, 11, 1)])
    func daylightSavingChanges(year: Int, month: Int, day: Int) throws {
        var text = ""
        var expected: [String] = []
        for minute in stride(from: 0, to: 4 * 60, by: 1) {
            let h = minute / 60, m = minute % 60
            text += String(format: "%04d-%02d-%02d %02d:%02d:07,250 [1] INFO  AMT.Clock - tick %d\n", year, month, day, h, m, minute)
            let local = try #require(Timestamp(year: year, month: month, day: day, hour: h, minute: m, second: 7, microsecond: 250_000))
            expected.append(Self.newYork.localToUTC(local).iso8601)
        }
        let (records, stats) = try TextParsing.parse(bytes: Array(text.utf8), context: ParseContext(sourcePath: "x", zone: Self.newYork))
        #expect(stats.dataset == "amt.error")
        #expect(records.map { $0.timestamp?.iso8601 ?? "-" } == expected)
    }

    /// A size cap left bytes out: the line after the gap does not join the entry before it.
    @Test func noJoinAcrossGap() throws {
        struct GapSource: ByteSource {
            var chunks: [ByteChunk]
            mutating func nextChunk() throws -> ByteChunk? { chunks.isEmpty ? nil : chunks.removeFirst() }
        }
        let head = "2026-11-24 03:12:07,123 [5] ERROR AMT.Db - failed\nSystem.TimeoutException: slow\n   at A.B()\n"
        let tail = "xx tail of a cut line\n   at C.D()\n2026-11-24 03:20:00,000 [5] INFO  AMT.Db - ok\n"
        var source = GapSource(chunks: [ByteChunk(bytes: Array(head.utf8)), ByteChunk(bytes: Array(tail.utf8), skippedBefore: 4096)])
        var records: [Record] = []
        _ = try TextParsing.parse(source: &source, context: ParseContext(sourcePath: "x", zone: .utc)) { records.append($0) }
        #expect(records.count == 3)
        #expect(records[0].message == "failed\nSystem.TimeoutException: slow\n   at A.B()")
        // The cut line itself is dropped by the decoder; what follows the gap is an entry of its own.
        #expect(records[1].timestamp == nil && records[1].message == "   at C.D()" && records[1].line == nil)
        #expect(records[2].message == "ok")
    }

    /// Lines before the first entry form one record without a timestamp (not one per line).
    @Test func leadingContinuationLines() throws {
        let text = "   at X.Y()\n   at Z.W()\n11/24/2026 3:12:07 AM Service started\n11/24/2026 3:12:08 AM Error: x\n"
        let (records, _) = try TextParsing.parse(bytes: Array(text.utf8), context: ParseContext(sourcePath: "x", zone: .utc))
        #expect(records.count == 3)
        #expect(records[0].message == "   at X.Y()\n   at Z.W()")
        #expect(records[0].timestamp == nil && records[0].level == nil)
        #expect(records[2].level == .error)
    }

    @Test func dotNetHelpers() {
        let lines = ["Outer failure", "System.Exception: outer ---> System.IO.IOException (0x80070020): locked",
                     "   at A.B() in C:\\x.cs:line 3", "   --- End of inner exception stack trace ---", "   at C.D()"]
        let info = DotNetException.analyze(lines)
        #expect(info?.type == "System.Exception")
        #expect(info?.innermostType == "System.IO.IOException")
        #expect(info?.frameCount == 2)
        #expect(info?.startLine == 1 && info?.startOffset == 0)
        #expect(info.map { DotNetException.stackTrace(lines, $0) } == lines[1...].joined(separator: "\n"))
        // Prose that mentions exceptions is not an exception header.
        #expect(DotNetException.analyze(["An exception occurred: see the event log", "retrying"]) == nil)
        #expect(DotNetException.analyze(["caught exception: timeout"]) == nil)
        // A type inside the first line of a message is found where it starts.
        let inline = DotNetException.analyze(["Unhandled: System.UnauthorizedAccessException: denied"])
        #expect(inline?.type == "System.UnauthorizedAccessException" && inline?.startOffset == 11)
    }
}

extension AMTErrorFramingTests {
    /// Forced onto text in no known layout, the parser keeps every line (in bounded untimed entries).
    @Test func forcedOnUnknownTextKeepsEverything() throws {
        let lines = (0..<(AMTErrorParser.maxEntryLines * 2 + 5)).map { "free text line \($0)" }
        let text = lines.joined(separator: "\n") + "\n"
        let (records, stats) = try TextParsing.parse(bytes: Array(text.utf8), dataset: "amt.error", context: ParseContext(sourcePath: "x"))
        #expect(records.count == 3)
        #expect(records.flatMap { $0.message.components(separatedBy: "\n") } == lines)
        #expect(stats.counters["entry_lines_dropped"] == nil)
        #expect(stats.problems.contains { $0.contains("no AMTError layout recognized") })
    }
}

extension AMTErrorFramingTests {
    /// log4net header/footer lines are records of their own, never joined to an entry.
    @Test func headerAndFooterVariants() throws {
        let text = """
        [START LOG] 2026-11-24 03:25:40
        2026-11-24 03:25:40,250 [1] INFO  AMT.Host - starting
        [END LOG]
        [Header]
        2026-11-24 03:26:00,000 [1] INFO  AMT.Host - again
        [Headers] are not markers
        [Footer]

        """
        let (records, _) = try TextParsing.parse(bytes: Array(text.utf8), context: ParseContext(sourcePath: "x", zone: .utc))
        #expect(records.map(\.message) == ["[START LOG] 2026-11-24 03:25:40", "starting", "[END LOG]", "[Header]",
                                           "again\n[Headers] are not markers", "[Footer]"])
    }
}
