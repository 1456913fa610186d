@testable import Collect
@testable import Collector
import Foundation
import LogRecord
import SystemPackage
import Testing

/// The real samples: which hold zone evidence, and that the readers find it.
@Suite("Site zone on real samples")
struct SiteZoneSampleTests {
    static let root: URL = {
        if let path = ProcessInfo.processInfo.environment["AMT_SAMPLES"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return Fixture.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/samples")
    }()
    static let available = FileManager.default.fileExists(atPath: root.path)
        || ProcessInfo.processInfo.environment["AMT_SAMPLES_REQUIRED"] == "1"

    /// An EVTX sample read as the site's System.evtx.
    static func newest6013(_ name: String) -> ZoneEvidence? {
        let url = root.appendingPathComponent("evtx/" + name)
        let source = SiteZoneDecisionTests.source(url, "Windows/System32/winevt/Logs/System.evtx", kind: "windows.evtx")
        return SiteZoneLearner(root: FilePath(root.path), sources: [source]).systemEventLog().first
    }

    /// Every EVTX sample: evidence found exactly where the reference parser's output has a 6013,
    /// and the newest one (by time) is the one taken.
    @Test(.enabled(if: available, "needs ../shared/samples (real logs) or AMT_SAMPLES; absent here"))
    func sixThousandThirteenWhereTheReferenceHasIt() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("evtx").path)
            .filter { $0.hasSuffix(".evtx") }.sorted()
        #expect(names.count >= 20)
        var holding: [String] = []
        for name in names {
            let expected = try String(contentsOf: Self.root.appendingPathComponent("evtx-expected/\(name).jsonl"), encoding: .utf8)
            let lines = expected.split(separator: "\n").filter { $0.contains("\"event_id\": 6013") && $0.contains("\"provider\": \"EventLog\"") }
            let found = Self.newest6013(name)
            #expect((found != nil) == !lines.isEmpty, "\(name)")
            guard let found, !lines.isEmpty else { continue }
            holding.append(name)
            // The reference's newest 6013: its time and its data.
            let newest = lines.max { Self.field($0, "timestamp") < Self.field($1, "timestamp") }!
            #expect(found.at?.iso8601.prefix(19) == Self.field(newest, "timestamp").prefix(19), "\(name)")
            #expect(newest.contains("\"Data[6]\": \"\(-(found.offsetMinutes ?? 0)) \(found.zoneName ?? "")\""), "\(name)")
        }
        #expect(holding == ["2-vss_7-System.evtx", "sample-with-zero-data-size-event.evtx", "system.evtx"])
    }

    static func field(_ line: Substring, _ key: String) -> String {
        guard let r = line.range(of: "\"\(key)\": \"") else { return "" }
        let rest = line[r.upperBound...]
        return String(rest[..<(rest.firstIndex(of: "\"") ?? rest.endIndex)])
    }

    @Test(.enabled(if: available, "needs ../shared/samples (real logs) or AMT_SAMPLES; absent here"))
    func sampleZonesDecided() throws {
        let pacific = try #require(Self.newest6013("system.evtx"))
        #expect(pacific.zoneName == "Pacific Standard Time")
        #expect(pacific.offsetMinutes == -480)
        #expect(pacific.at?.iso8601 == "2018-03-06T08:13:09.886889Z")
        #expect(SiteZoneLearner.decide([pacific], collector: .collector).name == "America/Los_Angeles")
        let romance = try #require(Self.newest6013("sample-with-zero-data-size-event.evtx"))
        #expect(romance.zoneName == "Romance Standard Time")
        let paris = SiteZoneLearner.decide([romance], collector: .collector)
        #expect(paris.name == "Europe/Paris")
        #expect(paris.utcOffsetMinutes == 120, "2022-10-27 is still summer time in Paris")
    }

    /// The three real ERRORLOGs state their offsets near the top.
    @Test(.enabled(if: available, "needs ../shared/samples (real logs) or AMT_SAMPLES; absent here"))
    func errorlogSamplesStateTheirOffsets() throws {
        let expected: [(String, Int, String)] = [
            ("desarrollo789_ERRORLOG", -360, "2019-03-14T21:52:20"),
            ("klumzy33_ERRORLOG", 540, "2024-07-11T14:58:34"),
            ("tamadhir10_ERRORLOG", 240, "2025-06-01T09:22:44"),
        ]
        for (name, minutes, firstLocal) in expected {
            let url = Self.root.appendingPathComponent("text/sql_errorlog/" + name)
            let source = SiteZoneDecisionTests.source(url, "Program Files/Microsoft SQL Server/MSSQL/Log/ERRORLOG", kind: "sql.errorlog")
            // The learner takes files named ERRORLOG*; the sample's name is read through the reader.
            let head = try #require(SiteZoneLearner.head(source.absolutePath))
            let h = try #require(ZoneEvidenceReader.errorlogHead(head[...]), "\(name)")
            #expect(h.offsetMinutes == minutes, "\(name)")
            #expect(h.firstLineLocal.iso8601.hasPrefix(firstLocal), "\(name)")
        }
    }

    /// Bounded cost: the 6013 scan of a 1 MiB System log parses only chunks holding EventLog
    /// events, newest first, and stops at the first that has a 6013.
    @Test(.enabled(if: available, "needs ../shared/samples (real logs) or AMT_SAMPLES; absent here"))
    func the6013ScanStopsEarly() throws {
        let reader = try EVTXReaderProbe.reader(Self.root.appendingPathComponent("evtx/system.evtx"))
        var stats = ParseStats()
        var parsed = 0
        try reader.readChunksNewestFirst(context: ParseContext(sourcePath: "System.evtx"), stats: &stats,
                                         mustContain: SiteZoneLearner.utf16("EventLog")) { records in
            parsed += 1
            return !records.contains { $0.provider == "EventLog" && $0.code == "6013" }
        }
        #expect(parsed >= 1 && parsed <= 3, "parsed \(parsed) chunks of 17")
        #expect(stats.records < 1881)
    }
}

import EventLog

enum EVTXReaderProbe {
    static func reader(_ url: URL) throws -> EVTXReader { try EVTXReader(path: FilePath(url.path)) }
}
