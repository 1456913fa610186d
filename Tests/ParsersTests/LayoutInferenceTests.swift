import Foundation
import LogRecord
import Parsers
import Testing

/// Layouts learned from a file's first lines: delimiters, positions, level tokens in any case.
@Suite struct LayoutInferenceTests {
    static func parse(_ text: String) throws -> (records: [Record], stats: ParseStats) {
        try TextParsing.parse(bytes: Array(text.utf8), dataset: "amt.error", context: ParseContext(sourcePath: "x.log", zone: .utc))
    }

    @Test(arguments: [
        // Tabs.
        "2026-11-24 03:12:07.123\tERROR\t12\tAMT.Db\tOpen failed\n2026-11-24 03:12:08.000\tINFO\t12\tAMT.Db\tretry\n2026-11-24 03:12:09.000\twarn\t7\tAMT.Web\tslow",
        // ` - ` between every field.
        "2026-11-24 03:12:07.123 - ERROR - AMT.Db - Open failed\n2026-11-24 03:12:08.000 - INFO - AMT.Db - retry\n2026-11-24 03:12:09.000 - Warning - AMT.Web - slow",
        // Bracketed date and level, logger with a colon.
        "[2026-11-24 03:12:07.123] [Error] AMT.Db: Open failed\n[2026-11-24 03:12:08.000] [Info] AMT.Db: retry\n[2026-11-24 03:12:09.000] [WRN] AMT.Web: slow",
        // One-letter levels.
        "2026-11-24 03:12:07.123 E AMT.Db Open failed\n2026-11-24 03:12:08.000 I AMT.Db retry\n2026-11-24 03:12:09.000 W AMT.Web slow",
        // Pipes with a thread before the level.
        "2026-11-24 03:12:07.1230|12|ERR|AMT.Db|Open failed\n2026-11-24 03:12:08.0000|12|INF|AMT.Db|retry\n2026-11-24 03:12:09.0000|7|WRN|AMT.Web|slow",
    ])
    func delimitersAndLevels(_ text: String) throws {
        let (r, stats) = try Self.parse(text)
        #expect(stats.layout?.source != .config)
        #expect(r.count == 3, "\(stats.layout?.pattern ?? "-")")
        #expect(r.map(\.level) == [.error, .information, .warning], "\(stats.layout?.pattern ?? "-")")
        #expect(r.map(\.provider) == ["AMT.Db", "AMT.Db", "AMT.Web"], "\(stats.layout?.pattern ?? "-")")
        #expect(r.map(\.message) == ["Open failed", "retry", "slow"], "\(stats.layout?.pattern ?? "-")")
        #expect(r[0].timestamp?.iso8601 == "2026-11-24T03:12:07.123Z")
    }

    /// A few lines that happen to start with a level word do not make the others continuations.
    /// The shapes the parser knows are named `builtin` in the manifest; a layout read off the
    /// file's tokens is `inferred`.
    @Test func builtinShapesAreNamedSo() throws {
        let log4net = "2026-11-24 03:12:07,123 [12] ERROR AMT.Db [(null)] - Open failed\n2026-11-24 03:12:08,000 [12] INFO  AMT.Db [(null)] - retry"
        let serilog = "2026-11-24 03:12:07.123 -05:00 [ERR] Open failed\n2026-11-24 03:12:08.000 -05:00 [INF] retry"
        let learned = "[2026-11-24 03:12:07.123] [Error] AMT.Db: Open failed\n[2026-11-24 03:12:08.000] [Info] AMT.Db: retry"
        for (text, source, shape) in [(log4net, LayoutUse.Source.builtin, "log4net"), (serilog, .builtin, "serilog"), (learned, .inferred, nil)] {
            let (r, stats) = try Self.parse(text)
            #expect(r.count == 2)
            #expect(r.map(\.level) == [.error, .information])
            #expect(stats.layout?.source == source, "\(stats.layout?.pattern ?? "-")")
            if let shape { #expect(stats.counters["layout.\(shape)"] == 1, "\(stats.counters)") }
        }
    }

    @Test func aFewLevelWordsDoNotTakeOver() throws {
        var lines: [String] = []
        for k in 0..<10 {
            lines.append("2026-11-24 03:12:\(10 + k).123 " + (k % 5 == 0 ? "Error reading door \(k)" : "Door \(k) opened"))
            if k == 0 { lines.append("System.IO.IOException: read failed") }
        }
        let (r, _) = try Self.parse(lines.joined(separator: "\n"))
        #expect(r.count == 10)
        #expect(r.filter { $0.level == .error }.count == 2)
    }
}
