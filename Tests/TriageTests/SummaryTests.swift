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
                SourceSummary(path: "quiet.log", dataset: "text", counts: b, status: "ok"),
                SourceSummary(path: "loud.log", dataset: "amt.error", counts: a, status: "partial", note: "kept first 32 MiB and last 32 MiB", parseErrors: 2),
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
}
