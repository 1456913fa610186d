import Foundation
import LogRecord
import Testing
import Triage

@Suite struct SummaryTests {
    @Test func countsAndOrdering() {
        var a = LevelCounts()
        var r = Record(dataset: "text", message: "x", timestamp: Timestamp(year: 2026, month: 11, day: 20), level: .error)
        a.add(r)
        r.level = .warning
        r.timestamp = Timestamp(year: 2026, month: 11, day: 22)
        a.add(r)
        var b = LevelCounts()
        r.level = nil
        b.add(r)
        #expect(a.total == 2 && a.error == 1 && a.warning == 1)
        #expect(a.first?.iso8601 == "2026-11-20T00:00:00.000Z" && a.last?.iso8601 == "2026-11-22T00:00:00.000Z")
        let text = SummaryText.render(SummaryInput(
            caseFields: [("Case", "1234"), ("Site", nil)],
            hostFacts: [("Host", "WEBBRIX-SRV01")],
            collection: [("Root", "C:\\")],
            sources: [
                SourceSummary(path: "quiet.log", dataset: "text", counts: b, status: .ok),
                SourceSummary(path: "loud.log", dataset: "amt.error", counts: a, status: .partial, note: "kept first 32 MiB and last 32 MiB", parseErrors: 2),
            ],
            skipped: [("Windows/System32/winevt/Logs/Security.evtx", "opt-in: not asked for")]))
        #expect(text.contains("Site:         (not given)"))
        #expect(text.contains("RECORDS  3 in 2 sources — critical 0, error 1, warning 1, information 0"))
        let loud = text.range(of: "loud.log")!.lowerBound
        let quiet = text.range(of: "quiet.log")!.lowerBound
        #expect(loud < quiet)
        #expect(text.contains("loud.log: kept first 32 MiB and last 32 MiB; 2 entries could not be parsed"))
        #expect(text.contains("Security.evtx: opt-in: not asked for"))
    }

    /// Limits hit while reading are named per source, with the limit, among the incomplete ones.
    @Test func limitsHitAreNamed() {
        var stats = ParseStats()
        stats.linesTruncated = 2
        stats.lineLimitBytes = 1 << 20
        stats.countEntryLineSplit(limitLines: 10_000, limitBytes: 4 << 20)
        var dropped = ParseStats()
        dropped.count("entry_lines_dropped", by: 12)
        dropped.entryLimitLines = 2_000
        dropped.entryLimitBytes = 1 << 20
        #expect(SourceSummary.limits(of: stats) == [
            "2 lines cut at the 1 MiB line limit (the raw copy keeps them whole)",
            "1 continuation line split off entries at the entry limit of 10000 lines or 4 MiB, recorded on their own",
        ])
        #expect(SourceSummary.limits(of: dropped) == ["12 lines dropped from entries at the entry limit of 2000 lines or 1 MiB"])
        #expect(SourceSummary.limits(of: ParseStats()).isEmpty)
        let text = SummaryText.render(SummaryInput(
            caseFields: [], hostFacts: [], collection: [],
            sources: [SourceSummary(path: "big.log", dataset: "text", counts: LevelCounts(), status: .ok, limits: SourceSummary.limits(of: stats)),
                      SourceSummary(path: "fine.log", dataset: "text", counts: LevelCounts(), status: .ok)],
            skipped: []))
        #expect(text.contains("NOT COLLECTED OR INCOMPLETE\n  big.log: limits hit: 2 lines cut at the 1 MiB line limit"), "\(text)")
        #expect(!text.contains("fine.log: "))
    }
}
