import Foundation
import LogRecord
import SystemPackage
import Testing
@testable import EventLog

/// Every sample in ../shared/samples/evtx against what the reference parser (pyevtx-rs 0.14.0)
/// reports in ../shared/samples/evtx-expected.
@Suite struct ConformanceTests {
    /// Files damaged on purpose or dirty: we must find at least as many records.
    static let damaged: Set<String> = [
        "sample_with_a_bad_chunk_magic.evtx", "security_bad_string_cache.evtx",
        "sample-with-zero-data-size-event.evtx", "2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
        "2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx",
        "2-vss_7-System.evtx", "sysmon.evtx", "system.evtx",
    ]

    /// The EVTX samples, by name; none where the samples are absent (the tests that take them
    /// as arguments are then skipped, and `samplesArePresent` fails where they are required).
    static func sampleFiles() throws -> [URL] {
        guard Samples.present else { return [] }
        let dir = try Samples.directory("evtx")
        return try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "evtx" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test(.needsSamples) func samplesArePresent() throws {
        _ = try Samples.directory("evtx")
        let files = try Self.sampleFiles()
        #expect(files.count >= 20, "expected the 23 EVTX samples in ../shared/samples/evtx, found \(files.count)")
    }

    @Test(.needsSamples, arguments: try ConformanceTests.sampleFiles().map(\.lastPathComponent))
    func sampleMatchesReference(_ name: String) throws {
        let dir = try Samples.directory("evtx")
        let expectedURL = try Samples.directory("evtx-expected").appendingPathComponent(name + ".jsonl")
        let expected = try Facts.expected(expectedURL)
        var stats = ParseStats()
        let actual = try Facts.actual(dir.appendingPathComponent(name).path, stats: &stats)

        var byID: [Int: [Facts]] = [:]
        for f in actual { byID[f.recordID, default: []].append(f) }
        var missing: [Int] = []
        var differing: [(Int, [String])] = []
        var matched = 0
        for e in expected {
            guard let candidates = byID[e.recordID] else { missing.append(e.recordID); continue }
            if candidates.contains(where: { $0.differences(e).isEmpty }) {
                matched += 1
            } else {
                differing.append((e.recordID, candidates[0].differences(e)))
                if differing.count <= 3 {
                    let a = candidates[0]
                    let keys = Set(a.data.keys).union(e.data.keys).filter { a.data[$0] != e.data[$0] }.sorted()
                    Self.log("  DIFF \(name) #\(e.recordID): " + keys.prefix(4).map { "\($0): ours=\(a.data[$0].map { String($0.prefix(150)) } ?? "nil") ref=\(e.data[$0].map { String($0.prefix(150)) } ?? "nil")" }.joined(separator: " | "))
                }
            }
        }
        let summary = "\(name): matched \(matched)/\(expected.count), ours \(actual.count), missing \(missing.count) \(missing.prefix(5)), differing \(differing.count) \(differing.prefix(3)); counters \(stats.counters.sorted { $0.key < $1.key }); problems \(stats.problems.prefix(3))"
        Self.log(summary)
        if Self.damaged.contains(name) {
            #expect(actual.count >= expected.count, "\(summary)")
            #expect(matched == expected.count, "\(summary)")
        } else {
            #expect(Set(actual.map(\.recordID)) == Set(expected.map(\.recordID)), "\(summary)")
            #expect(matched == expected.count, "\(summary)")
            #expect(actual.count == expected.count, "\(summary)")
        }
    }

    /// The compiled-template fast path gives exactly the records the tree path gives.
    @Test(.needsSamples, arguments: try ConformanceTests.sampleFiles().map(\.lastPathComponent))
    func fastPathEqualsTreePath(_ name: String) throws {
        let path = try Samples.directory("evtx").appendingPathComponent(name).path
        let reader = try EVTXReader(path: FilePath(path))
        var fast: [Record] = [], slow: [Record] = []
        var s1 = ParseStats(), s2 = ParseStats()
        try reader.read(context: ParseContext(sourcePath: name), stats: &s1, fastPath: true) { fast.append($0) }
        try reader.read(context: ParseContext(sourcePath: name), stats: &s2, fastPath: false) { slow.append($0) }
        #expect(fast.count == slow.count)
        #expect(s1 == s2)
        var shown = 0
        for (a, b) in zip(fast, slow) where a != b {
            shown += 1
            if shown > 3 { break }
            Issue.record("record \(b.winlog?.recordID ?? 0): fast \(JSONLinesWriter().line(a)) tree \(JSONLinesWriter().line(b))")
        }
    }

    /// The demo fixtures (written by our writer) read the same with our reader as with the
    /// reference parser (goldens in Fixtures/evtx).
    @Test(arguments: ["Application", "System"])
    func demoFixturesMatchReference(_ log: String) throws {
        let golden = Samples.packageRoot.appendingPathComponent("Fixtures/evtx/demo-\(log).evtx.reference.jsonl")
        let file = Samples.packageRoot.appendingPathComponent("Fixtures/demo-site/Windows/System32/winevt/Logs/\(log).evtx")
        let expected = try Facts.expected(golden)
        var stats = ParseStats()
        let actual = try Facts.actual(file.path, stats: &stats)
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) {
            #expect(a.differences(e).isEmpty, "record \(e.recordID): \(a.differences(e))")
        }
    }

    static func log(_ line: String) {
        if let path = ProcessInfo.processInfo.environment["EVTX_CONFORMANCE_LOG"],
           let h = FileHandle(forWritingAtPath: path) ?? { _ = FileManager.default.createFile(atPath: path, contents: nil); return FileHandle(forWritingAtPath: path) }() {
            h.seekToEndOfFile()
            h.write(Data((line + "\n").utf8))
            h.closeFile()
        }
    }
}
