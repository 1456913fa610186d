import Foundation
import Testing

/// The built binary on a copy of the demo site: logs the site's logging configs name are found
/// where the configs send them, and those that cannot be collected are said so.
@Suite(.serialized) struct ConfigNamedLogsEndToEndTests {
    static let config = "Program Files (x86)/AMT/WebBRIX/Integrator/WebBRIX.Integrator.exe.config"
    static let current = "ProgramData/Integrator/WebBRIX-logs/integrator-2026-11-24.log"
    static let archived = "ProgramData/Integrator/WebBRIX-logs/archive/integrator.0.log"

    func copySite(_ name: String) throws -> (dir: URL, site: URL, out: URL) {
        let dir = try E2E.tempDir(name)
        let site = dir.appendingPathComponent("site")
        try FileManager.default.copyItem(at: E2E.packageRoot.appendingPathComponent("Fixtures/demo-site"), to: site)
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        return (dir, site, out)
    }

    @Test("a log outside the catalog's folders, named only by an exe.config, is collected; one on D: is listed")
    func collect() throws {
        let (dir, site, out) = try copySite("config-named")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try E2E.run(["collect", "--root", site.path, "--out", out.path, "--case", "CFG-1", "--site", "Demo",
                               "--tz", "America/New_York", "--batch", "--json"])
        #expect(run.status == 0, "collect failed: \(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let bundle = try #require(result["bundle"] as? String)
        #expect(try E2E.run(["verify", bundle]).status == 0)

        let entries = try E2E.readArchive(bundle)
        let top = URL(fileURLWithPath: bundle).deletingPathExtension().lastPathComponent
        let manifestBytes = try #require(entries["\(top)/manifest.json"])
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(manifestBytes)) as? [String: Any])
        let files = try #require(manifest["files"] as? [[String: Any]])

        for path in [Self.current, Self.archived] {
            // Raw copy byte-exact, records written, read as the product's error log.
            let raw = try #require(entries["\(top)/raw/\(path)"], "\(path) is not in the bundle")
            #expect(raw == [UInt8](try Data(contentsOf: site.appendingPathComponent(path))))
            #expect(entries["\(top)/records/\(path).jsonl"] != nil)
            let listed = files.filter { $0["source"] as? String == path }
            #expect(listed.count == 2, "\(path): \(listed)")
            #expect(listed.allSatisfy { $0["kind"] as? String == "amt.error" && $0["status"] as? String != "skipped" })
        }
        // The config itself is collected as a config.
        #expect(files.contains { $0["source"] as? String == Self.config && $0["kind"] as? String == "config" })

        // The target that writes to D: is listed as skipped with the reason, in the manifest and the summary.
        let skipped = try #require(manifest["skipped"] as? [[String: Any]])
        let onD = skipped.first { ($0["source"] as? String)?.hasPrefix("D:\\Integrator\\trace-") == true }
        #expect(onD?["reason"] as? String == "named by \(Self.config) target trace; on another volume (D:)", "\(skipped)")
        let summary = String(decoding: try #require(entries["\(top)/SUMMARY.txt"]), as: UTF8.self)
        let section = "LOGS NAMED BY LOGGING CONFIGS BUT NOT COLLECTED (1)\n"
            + "  D:\\Integrator\\trace-${shortdate}.log: named by \(Self.config) target trace; on another volume (D:)\n"
        #expect(summary.contains(section), Comment(rawValue: summary))

        // Removing the config: the integrator's log is no longer found (nothing else names it).
        try FileManager.default.removeItem(at: site.appendingPathComponent(Self.config))
        let out2 = dir.appendingPathComponent("out2")
        try FileManager.default.createDirectory(at: out2, withIntermediateDirectories: true)
        let plan = try E2E.run(["collect", "--root", site.path, "--out", out2.path, "--dry-run", "--json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(!plan.stdout.contains("Integrator/WebBRIX-logs"), "\(plan.stdout)")
    }

    @Test("--dry-run lists the config-named files with the entry naming the config, and the target it cannot collect")
    func dryRun() throws {
        let (dir, site, out) = try copySite("config-named-plan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try E2E.run(["collect", "--root", site.path, "--out", out.path, "--dry-run", "--json"])
        #expect(run.status == 0, "dry run failed: \(run.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let sources = try #require(plan["sources"] as? [[String: Any]])
        let entry = "config:\(Self.config)#integrator"
        for path in [Self.current, Self.archived] {
            let s = sources.first { $0["path"] as? String == path }
            #expect(s?["entry"] as? String == entry, "\(path): \(String(describing: s))")
            #expect(s?["kind"] as? String == "amt.error")
        }
        let skipped = try #require(plan["skipped"] as? [[String: Any]])
        #expect(skipped.contains { $0["entry"] as? String == "config:\(Self.config)#trace" })
        // The files the catalog found itself and a config names are listed once, under the catalog's entry.
        let service = sources.filter { $0["path"] as? String == "ProgramData/AMT/Services/AMTError_Service.log" }
        #expect(service.count == 1)
        #expect(service.first?["entry"] as? String == "amt_error_logs")
    }
}
