import Foundation
import Testing

/// Limits hit while reading are visible in the bundle: a line cut at the 1 MiB line limit and
/// continuation lines split off an entry past its 10,000-line limit are counted for the file in
/// the manifest (`limits_hit`) and in SUMMARY.txt; ordinary input has neither.
@Suite(.serialized) struct LimitsEndToEndTests {
    /// A log with one 1.5 MiB line and one entry of a head and 10,005 stack frames.
    static func oversizedLog() -> String {
        var text = ""
        for i in 0..<20 { text += "2026-11-20 08:00:\(10 + i) ERROR ordinary entry \(i)\n" }
        text += "2026-11-20 08:01:00 ERROR long line " + String(repeating: "x", count: 1536 * 1024) + "\n"
        text += "2026-11-20 08:02:00 ERROR System.InvalidOperationException: deep recursion\n"
        for i in 0..<10_005 { text += "   at Frame\(i)() in C:\\src\\x.cs:line \(i)\n" }
        text += "2026-11-20 08:03:00 INFO after\n"
        return text
    }

    @Test func cutLinesAndSplitEntriesAreCountedInManifestAndSummary() throws {
        let dir = try E2E.tempDir("limits")
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = dir.appendingPathComponent("site")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        let log = site.appendingPathComponent("app.log")
        try Data(Self.oversizedLog().utf8).write(to: log)
        let out = dir.appendingPathComponent("out")
        let run = try E2E.run(["collect", "--root", site.path, "--out", out.path, "--include", log.path, "--case", "L-1",
                               "--site", "Limits", "--tz", "UTC", "--batch", "--json", "--email-limit", "0"])
        #expect(run.status == 0, "\(run.stderr)")
        let bundle = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["bundle"] as? String)
        let entries = try E2E.readArchive(bundle)
        let manifestBytes = try #require(entries.first { $0.key.hasSuffix("/manifest.json") }?.value)
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(manifestBytes)) as? [String: Any])
        let files = try #require(manifest["files"] as? [[String: Any]])
        let mine = files.filter { ($0["path"] as? String)?.contains("app.log") == true }
        #expect(mine.count == 2, "raw copy and records: \(mine.map { $0["path"] ?? "?" })")
        for f in mine {
            let limits = try #require(f["limits_hit"] as? [String: Any], "\(f["path"] ?? "?") has no limits_hit")
            #expect(limits["lines_cut"] as? Int == 1)
            #expect(limits["line_limit_bytes"] as? Int == 1 << 20)
            #expect(limits["entry_lines_split"] as? Int == 6)
            #expect(limits["entry_limit_lines"] as? Int == 10_000)
            #expect((limits["bytes_dropped"] as? Int ?? 0) >= 512 * 1024)
            #expect(limits["entry_lines_dropped"] == nil)
            #expect((f["counters"] as? [String: Any])?["lines_truncated"] == nil)
        }
        // The raw copy is whole: the cut is in the records only.
        let raw = try #require(entries.first { $0.key.hasSuffix("/raw/app.log") }?.value)
        #expect(raw.count == Self.oversizedLog().utf8.count)

        let summary = String(decoding: try #require(entries.first { $0.key.hasSuffix("/SUMMARY.txt") }?.value), as: UTF8.self)
        let line = try #require(summary.components(separatedBy: "\n").first { $0.contains("app.log: ") && $0.contains("limits hit") },
                                "SUMMARY.txt does not name the limits:\n\(summary)")
        #expect(line.contains("1 line cut at the 1 MiB line limit"), "\(line)")
        #expect(line.contains("6 continuation lines split off entries at the entry limit of 10000 lines"), "\(line)")
        #expect(summary.contains("NOT COLLECTED OR INCOMPLETE"))

        // `summary` of the raw file says the same.
        let raw2 = try E2E.run(["summary", log.path])
        #expect(raw2.status == 0, "\(raw2.stderr)")
        #expect(raw2.stdout.contains("1 line cut at the 1 MiB line limit") && raw2.stdout.contains("6 continuation lines split off"), "\(raw2.stdout)")
    }

    /// The demo site reads within every limit: no file has `limits_hit`, and SUMMARY.txt names none.
    @Test func ordinaryInputHitsNoLimit() throws {
        let dir = try E2E.tempDir("nolimits")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try E2E.run(["collect", "--root", E2E.packageRoot.appendingPathComponent("Fixtures/demo-site").path,
                               "--out", dir.path, "--case", "L-2", "--site", "Demo", "--batch", "--json", "--email-limit", "0"])
        #expect(run.status == 0, "\(run.stderr)")
        let bundle = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["bundle"] as? String)
        let entries = try E2E.readArchive(bundle)
        let manifest = String(decoding: try #require(entries.first { $0.key.hasSuffix("/manifest.json") }?.value), as: UTF8.self)
        #expect(!manifest.contains("limits_hit"))
        let summary = String(decoding: try #require(entries.first { $0.key.hasSuffix("/SUMMARY.txt") }?.value), as: UTF8.self)
        #expect(!summary.contains("limits hit"))
    }
}
