import LogRecord
import Parsers
import Testing

/// Limits hit while reading are counted, not silent: lines cut at the line limit, continuation
/// lines split off an entry that reached its entry limit, lines dropped past the AMTError entry
/// limit — each with the limit reached, the same however the input is split.
@Suite struct LimitsTests {
    let context = ParseContext(sourcePath: "x.log", zone: .utc)

    /// Parses `text` whole and in 7-byte chunks; both must give the same records and stats.
    func parse(_ text: String, dataset: String? = nil, maxLineBytes: Int = 1 << 20) throws -> (records: [Record], stats: ParseStats) {
        var results: [(records: [Record], stats: ParseStats)] = []
        for chunk in [1 << 16, 7] {
            var source = MemoryByteSource(Array(text.utf8), chunkSize: chunk)
            var records: [Record] = []
            let stats = try TextParsing.parse(source: &source, dataset: dataset, context: context, maxLineBytes: maxLineBytes) {
                records.append($0.take())
            }
            results.append((records, stats))
        }
        #expect(results[0].records == results[1].records)
        #expect(results[0].stats == results[1].stats)
        return results[0]
    }

    /// The generic text parser keeps 10,000 lines per entry: the six continuation lines after them
    /// are records of their own, and counted; lines of the next entry join it and are not.
    @Test func genericTextCountsLinesSplitOffAFullEntry() throws {
        var text = "2026-11-20 08:00:00 ERROR first\n"
        text += "2026-11-20 08:00:01 ERROR System.InvalidOperationException: deep\n"
        for i in 0..<10_005 { text += "   at Frame\(i).Call()\n" }
        text += "2026-11-20 08:00:02 ERROR next\n   at Next.Call()\n   at Next.Other()\n"
        let (records, stats) = try parse(text)
        #expect(stats.dataset == "text")
        #expect(stats.entryLinesSplit == 6)
        #expect(stats.entryLimitLines == 10_000)
        #expect(stats.entryLimitBytes == nil)
        #expect(records.count == 1 + 1 + 6 + 1)
        #expect(records[1].message.split(separator: "\n").count == 10_000)
        #expect(records[2].message == "   at Frame9999.Call()")
        #expect(records.last?.message.split(separator: "\n").count == 3)
    }

    /// SQL Server's ERRORLOG frames with the shared entry buffer: every continuation line after the
    /// full entry is alone, and counted, with the buffer's limits.
    @Test func framedFormatsCountLinesSplitOffAFullEntry() throws {
        var text = "2026-11-25 10:00:00.50 spid51      start of a long entry\n"
        for i in 0..<12_000 { text += "\tcontinuation \(i)\n" }
        text += "2026-11-25 10:00:01.00 spid51      next\n\tjoins next\n"
        let (records, stats) = try parse(text, dataset: "sql.errorlog")
        #expect(stats.entryLinesSplit == 2_001)
        #expect(stats.entryLimitLines == 10_000)
        #expect(stats.entryLimitBytes == 4 << 20)
        #expect(records.count == 1 + 2_001 + 1)
        #expect(records.last?.message.contains("joins next") == true)
    }

    /// MSI logs: the line refused by a full entry starts an entry of its own, which the lines after
    /// it join: one line counted.
    @Test func aSplitLineThatStartsAnEntryIsCountedOnce() throws {
        var text = "MSI (s) (10:14) [10:00:01:000]: start of a long entry\n"
        for i in 0..<10_004 { text += "  continuation \(i)\n" }
        text += "MSI (s) (10:14) [10:00:02:000]: next\n"
        let (_, stats) = try parse(text, dataset: "msi")
        #expect(stats.entryLinesSplit == 1)
        #expect(stats.entryLimitLines == 10_000)
    }

    @Test func linesCutAtTheLineLimitAreCountedWithIt() throws {
        let long = "2026-11-20 08:00:00 ERROR " + String(repeating: "x", count: 500)
        let text = "2026-11-20 07:59:59 INFO short\n" + long + "\n" + long + "\n"
        let (records, stats) = try parse(text, maxLineBytes: 128)
        #expect(stats.linesTruncated == 2)
        #expect(stats.lineLimitBytes == 128)
        #expect(stats.bytesDropped == Int64(2 * (long.utf8.count - 128)))
        #expect(records.count == 3)
        #expect(records[1].message.utf8.count == 128)
    }

    @Test func amtErrorEntriesPastTheirLimitKeepTheLimit() throws {
        var text = "11/24/2026 3:12:07 AM Error with a long trace\nSystem.Exception: boom\n"
        for i in 0..<(AMTErrorParser.maxEntryLines + 10) { text += "   at Frame\(i).Call()\n" }
        let (_, stats) = try parse(text, dataset: "amt.error")
        #expect(stats.counters["entry_lines_dropped"] == 12)
        #expect(stats.entryLimitLines == AMTErrorParser.maxEntryLines)
        #expect(stats.entryLimitBytes == AMTErrorParser.maxEntryBytes)
        #expect(stats.entryLinesSplit == 0)
    }

    /// Ordinary input hits no limit: nothing is counted or set.
    @Test func ordinaryInputHitsNoLimit() throws {
        var text = ""
        for i in 0..<200 { text += "2026-11-20 08:00:\(10 + i % 50) ERROR entry \(i)\n   at A.B()\n" }
        let (_, stats) = try parse(text)
        #expect(stats.entryLinesSplit == 0 && stats.linesTruncated == 0 && stats.bytesDropped == 0)
        #expect(stats.lineLimitBytes == nil && stats.entryLimitLines == nil && stats.entryLimitBytes == nil)
    }
}
