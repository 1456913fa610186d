import Foundation
import LogRecord
import Testing
import Triage

/// The demo site, parsed by the built binary, through the built-in rules.
enum Demo {
    static let files = [
        "Fixtures/demo-site/Windows/System32/winevt/Logs/System.evtx",
        "Fixtures/demo-site/Windows/System32/winevt/Logs/Application.evtx",
        "Fixtures/demo-site/Windows/Temp/MSI3f2a1.LOG",
        "Fixtures/demo-site/Windows/INF/setupapi.dev.log",
        "Fixtures/demo-site/Windows/DPINST.LOG",
        "Fixtures/demo-site/Program Files/Microsoft SQL Server/MSSQL15.MSSQLSERVER/MSSQL/Log/ERRORLOG",
        "Fixtures/demo-site/Program Files/Microsoft SQL Server/MSSQL15.MSSQLSERVER/MSSQL/Log/ERRORLOG.1",
        "Fixtures/demo-site/Program Files/Microsoft SQL Server/150/Setup Bootstrap/Log/Summary.txt",
        "Fixtures/demo-site/Program Files (x86)/AMT/WebBRIX/Logs/AMTError.log",
        "Fixtures/demo-site/Program Files (x86)/AMT/WebBRIX/Logs/AMTError.log.1",
        "Fixtures/demo-site/ProgramData/AMT/Services/AMTError_Service.log",
        "Fixtures/demo-site/inetpub/wwwroot/WebBRIX/App_Data/Logs/AMTError-2026-11-26.log",
    ]

    struct Result {
        var engine: FindingsEngine
        var sources: [SourceSummary]
    }

    static func run() throws -> Result {
        var engine = FindingsEngine(rules: .builtin())
        var sources: [SourceSummary] = []
        for file in files {
            var counts = LevelCounts()
            var dataset = "?"
            for r in try T.parse(file) {
                engine.observe(r)
                counts.add(r)
                dataset = r.dataset
            }
            sources.append(SourceSummary(path: String(file.dropFirst("Fixtures/demo-site/".count)), dataset: dataset,
                                         counts: counts, status: .ok))
        }
        return Result(engine: engine, sources: sources)
    }

    static let caseFields: [(String, String?)] = [("Case", "DEMO-1"), ("Site", "Riverside"), ("Partner", "reseller"),
                                                  ("Contact", nil)]
    static let hostFacts = [("Host", "WEBBRIX-SRV01"), ("OS", "Windows Server 2019 (demo)"),
                            ("Time zone", "America/New_York")]
}

@Suite(.serialized) struct DemoTests {
    @Test func demoFindingsGolden() throws {
        let demo = try Demo.run()
        let findings = demo.engine.findings()
        // The story of the demo site, and nothing else.
        #expect(findings.map(\.ruleID) == [
            "power-unexpected-shutdown", "sql-log-full", "service-crash", "sql-login-failed", "sql-login-failed",
            "application-crash", "install-failed", "install-failed-eventlog", "service-start-failed", "amterror-recurring",
            "amterror-recurring",
        ])
        #expect(findings.first { $0.ruleID == "sql-login-failed" }?.title == "SQL Server login failures — state 8")
        #expect(findings.contains { $0.title.hasPrefix("Recurring WebBRIX error — Error: Door controller <ip> did not respond") })

        let text = SummaryText.render(SummaryInput(
            caseFields: Demo.caseFields, hostFacts: Demo.hostFacts,
            collection: [("Root", "Fixtures/demo-site"), ("Window", "2026-11-20 .. 2026-11-27")],
            sources: demo.sources, skipped: [("Windows/System32/winevt/Logs/Security.evtx", "opt-in: not asked for")],
            findings: findings, messageGroups: demo.engine.messageGroups(limit: 10)))
        let findingsPart = text[text.range(of: "\nFINDINGS")!.lowerBound..<text.range(of: "\nRECORDS")!.lowerBound]
        for line in findingsPart.split(separator: "\n") {
            #expect(line.count <= SummaryText.width, "line too long: \(line)")
        }
        try Golden.check(text, "Fixtures/triage/demo-summary.expected.txt")
    }

    @Test func demoTimelineAndHistogram() throws {
        let demo = try Demo.run()
        let timeline = demo.engine.timeline()
        #expect(timeline.events.map(\.eventID) == [6005, 6006, 6005, 6005, 6008, 41, 6006, 6005])
        #expect(timeline.events.map(\.kind).contains(.powerLoss))
        let h = demo.engine.histogram()
        #expect(h.hours > 100 && h.hours <= FindingsEngine.histogramHours)
        #expect(h.series.count == demo.sources.filter { $0.counts.error + $0.counts.warning + $0.counts.critical > 0 }.count)
        let total = h.series.reduce(0) { $0 + $1.counts.reduce(0, +) }
        #expect(total == demo.sources.reduce(0) { $0 + $1.counts.error + $1.counts.warning + $1.counts.critical })
    }
}

@Suite struct HealthyTests {
    /// The healthy parts of the demo site and a quiet AMTError log: no findings, and a summary that
    /// fits one screen.
    @Test func healthyFixtureHasNoFindingsGolden() throws {
        let files = [
            "Fixtures/triage/healthy/AMTError.log",
            "Fixtures/demo-site/Program Files/Microsoft SQL Server/MSSQL15.MSSQLSERVER/MSSQL/Log/ERRORLOG.1",
            "Fixtures/demo-site/Program Files/Microsoft SQL Server/150/Setup Bootstrap/Log/Summary.txt",
            "Fixtures/demo-site/Windows/INF/setupapi.dev.log",
            "Fixtures/demo-site/Windows/DPINST.LOG",
        ]
        var engine = FindingsEngine(rules: .builtin())
        var sources: [SourceSummary] = []
        for file in files {
            var counts = LevelCounts()
            var dataset = "?"
            for r in try T.parse(file) {
                engine.observe(r)
                counts.add(r)
                dataset = r.dataset
            }
            sources.append(SourceSummary(path: file, dataset: dataset, counts: counts, status: .ok))
        }
        #expect(engine.findings().isEmpty)
        let text = SummaryText.render(SummaryInput(
            caseFields: [("Case", "HEALTHY-1"), ("Site", "Lakeside")], hostFacts: [("Host", "WEBBRIX-SRV02")],
            collection: [("Root", "Fixtures")], sources: sources, skipped: [],
            findings: engine.findings(), messageGroups: engine.messageGroups(limit: 10)))
        #expect(text.contains("No known problems found."))
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count <= 40, "one screen")
        try Golden.check(text, "Fixtures/triage/healthy-summary.expected.txt")
    }
}

/// Golden files: compared byte for byte; `RECORD_GOLDEN=1` writes them instead.
enum Golden {
    static func check(_ actual: String, _ relativePath: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = T.fixture(relativePath)
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if expected != actual {
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let k = (0..<min(e.count, a.count)).first { e[$0] != a[$0] } ?? min(e.count, a.count)
            Issue.record("""
                \(relativePath) differs at line \(k + 1) (re-record with RECORD_GOLDEN=1):
                expected: \(k < e.count ? String(e[k]) : "<end>")
                actual:   \(k < a.count ? String(a[k]) : "<end>")
                """, sourceLocation: sourceLocation)
        }
    }
}
