import Foundation
import Testing

/// The site's zone found instead of assumed: a copied tree collected without `--tz` gives the
/// UTC times the right `--tz` gives, wherever the collector runs.
@Suite(.serialized) struct SiteZoneEndToEndTests {
    /// A collector far from the site: its own zone must not leak into the records.
    static let farAway = ["TZ": "Asia/Tokyo", "SOURCE_DATE_EPOCH": "1795000000"]

    struct Bundle {
        var manifest: [String: Any]
        var summary: String
        /// records/<path>.jsonl → its records.
        var records: [String: [[String: Any]]]
        var stderr: String
    }

    static func collect(_ site: URL, _ out: URL, _ extra: [String] = []) throws -> Bundle {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let run = try E2E.run(["collect", "--root", site.path, "--out", out.path, "--case", "TZ-1", "--site", "Demo",
                               "--batch", "--json", "--email-limit", "0"] + extra, environment: farAway)
        #expect(run.status == 0, "collect failed: \(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let path = try #require(result["bundle"] as? String)
        let entries = try E2E.readArchive(path)
        let top = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let manifestBytes = try #require(entries["\(top)/manifest.json"])
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(manifestBytes)) as? [String: Any])
        var records: [String: [[String: Any]]] = [:]
        for (name, bytes) in entries where name.hasPrefix("\(top)/records/") {
            records[String(name.dropFirst(top.count + 9))] = try String(decoding: bytes, as: UTF8.self).split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
        }
        return Bundle(manifest: manifest, summary: String(decoding: entries["\(top)/SUMMARY.txt"] ?? [], as: UTF8.self),
                      records: records, stderr: run.stderr)
    }

    static func timeSource(_ r: [String: Any]) -> String? { (r["amt"] as? [String: Any])?["time_source"] as? String }

    @Test func demoWithoutTzGivesTheTimesOfTheRightTz() throws {
        let dir = try E2E.tempDir("site-zone")
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = dir.appendingPathComponent("site")
        try FileManager.default.copyItem(at: E2E.packageRoot.appendingPathComponent("Fixtures/demo-site"), to: site)
        let learned = try Self.collect(site, dir.appendingPathComponent("learned"))
        let given = try Self.collect(site, dir.appendingPathComponent("given"), ["--tz", "America/New_York"])

        #expect(learned.records.keys.sorted() == given.records.keys.sorted())
        var compared = 0, site_ = 0
        for (path, records) in given.records {
            let mine = try #require(learned.records[path])
            #expect(mine.count == records.count, "\(path)")
            for (a, b) in zip(mine, records) {
                #expect(a["@timestamp"] as? String == b["@timestamp"] as? String, "\(path) line \(((b["log"] as? [String: Any])?["file"] as? [String: Any])?["line"] ?? "?")")
                compared += 1
                // Converted with the learned zone: `site` where the right --tz says `local`.
                if Self.timeSource(b) == "local" {
                    #expect(Self.timeSource(a) == "site", "\(path)")
                    site_ += 1
                } else {
                    #expect(Self.timeSource(a) == Self.timeSource(b), "\(path)")
                }
            }
        }
        #expect(compared > 400)
        #expect(site_ > 300)
        // The MSI failure stays at 10:41:19 local = 15:41:19Z (not moved by the collector's zone).
        let msi = try #require(learned.records["Windows/Temp/MSI3f2a1.LOG.jsonl"])
        #expect(msi.contains { ($0["message"] as? String)?.contains("MainEngineThread is returning 1603") == true
                && ($0["@timestamp"] as? String)?.hasPrefix("2026-11-24T15:41:19") == true })
        #expect(!msi.contains { Self.timeSource($0) == "assumed" })

        // The manifest names the evidence; nothing is assumed, nothing warned.
        let host = try #require(learned.manifest["host"] as? [String: Any])
        #expect(host["time_zone"] as? String == "America/New_York")
        #expect(host["utc_offset_minutes"] as? Int == -300)
        let source = try #require(host["time_zone_source"] as? [String: Any])
        #expect(source["rule"] as? String == "eventlog.6013")
        #expect(source["file"] as? String == "Windows/System32/winevt/Logs/System.evtx")
        #expect((source["detail"] as? String)?.contains("\"300 Eastern Standard Time\"") == true)
        #expect((source["detail"] as? String)?.contains("Windows zone \"Eastern Standard Time\" is America/New_York") == true)
        // The ERRORLOGs' "UTC adjustment: -5:00" agree: no conflict.
        #expect(source["conflicts"] == nil)
        #expect(!learned.stderr.contains("time zone assumed"))
        #expect(!learned.summary.contains("WARNING: time zone"))
        #expect(learned.summary.contains("Time zone:    America/New_York (site: eventlog.6013 in Windows/System32/winevt/Logs/System.evtx)"))
        let facts = try #require(learned.manifest["files"] as? [[String: Any]])
        #expect(facts.contains { $0["path"] as? String == "system/facts.json" })
        // With --tz the manifest says so.
        let givenSource = try #require((given.manifest["host"] as? [String: Any])?["time_zone_source"] as? [String: Any])
        #expect(givenSource["rule"] as? String == "option")
        #expect((given.manifest["host"] as? [String: Any])?["time_zone"] as? String == "America/New_York")
    }

    @Test func noEvidenceIsAssumedAndWarned() throws {
        let dir = try E2E.tempDir("site-zone-none")
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = dir.appendingPathComponent("site")
        let log = site.appendingPathComponent("ProgramData/AMT/Services/AMTError_Service.log")
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("2026-11-25 10:00:00,000 [1] ERROR AMT.Door - controller 10.0.20.31 did not respond\r\n".utf8).write(to: log)
        let b = try Self.collect(site, dir.appendingPathComponent("out"))
        #expect(b.stderr.contains("warning: time zone assumed"), "\(b.stderr)")
        // SUMMARY.txt's first lines.
        let head = b.summary.split(separator: "\n").prefix(4).joined(separator: "\n")
        #expect(head.contains("WARNING: time zone assumed"), "\(head)")
        #expect(b.summary.contains("Time zone:    Asia/Tokyo (assumed: collector's zone)"))
        let records = try #require(b.records["ProgramData/AMT/Services/AMTError_Service.log.jsonl"])
        #expect(records.first.map(Self.timeSource) == "assumed")
        #expect(records.first?["@timestamp"] as? String == "2026-11-25T01:00:00.000Z", "converted with the collector's zone")
        let source = try #require((b.manifest["host"] as? [String: Any])?["time_zone_source"] as? [String: Any])
        #expect(source["rule"] as? String == "assumed")
    }

    /// An MSI log in a user's temp folder paired with the same install's MsiInstaller event: the
    /// zone comes from the pair, and under pii the manifest names the log without the user.
    @Test func anMSIPairUnderPII() throws {
        let dir = try E2E.tempDir("site-zone-pair")
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = dir.appendingPathComponent("site")
        let logs = site.appendingPathComponent("Windows/System32/winevt/Logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: E2E.packageRoot.appendingPathComponent("Fixtures/demo-site/Windows/System32/winevt/Logs/Application.evtx"),
                                         to: logs.appendingPathComponent("Application.evtx"))
        let temp = site.appendingPathComponent("Users/jsmith/AppData/Local/Temp")
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        let text = """
            === Verbose logging started: 11/22/2026  5:12:40  Build type: SHIP UNICODE 5.00.10011.00 ===\r
            MSI (s) (F0:1C) [05:17:06:210]: MainEngineThread is returning 1603\r
            MSI (c) (D4:E8) [05:17:07:120]: Windows Installer installed the product. Product Name: WebBRIX Server 5.2. Product Version: 5.2.1048. Product Language: 1033. Manufacturer: AMT Access Management. Installation success or error status: 1603.\r
            === Verbose logging stopped: 11/22/2026  5:17:07 ===\r

            """
        try Data([0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }).write(to: temp.appendingPathComponent("MSI1a2b.LOG"))
        let b = try Self.collect(site, dir.appendingPathComponent("out"), ["--redact", "pii"])
        let host = try #require(b.manifest["host"] as? [String: Any])
        #expect(host["time_zone"] as? String == "UTC-05:00")
        let source = try #require(host["time_zone_source"] as? [String: Any])
        #expect(source["rule"] as? String == "msi.event_pair")
        let file = try #require(source["file"] as? String)
        #expect(file.hasSuffix("/AppData/Local/Temp/MSI1a2b.LOG") && file.hasPrefix("Users/"), "\(file)")
        #expect(!file.contains("jsmith") && !(source["detail"] as? String ?? "").contains("jsmith"))
        #expect(!b.summary.contains("jsmith"))
        let msi = try #require(b.records.first { $0.key.hasSuffix("MSI1a2b.LOG.jsonl") }?.value)
        #expect(msi.contains { ($0["message"] as? String)?.contains("returning 1603") == true
                && $0["@timestamp"] as? String == "2026-11-22T10:17:06.210Z" && Self.timeSource($0) == "site" })
    }

    static let samples: URL = {
        if let path = ProcessInfo.processInfo.environment["AMT_SAMPLES"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return E2E.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/samples")
    }()

    /// A real System.evtx (6013: "480 Pacific Standard Time") learned as America/Los_Angeles:
    /// a log spanning the end of daylight saving time (2017-11-05) converts both sides right.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: samples.path) || ProcessInfo.processInfo.environment["AMT_SAMPLES_REQUIRED"] == "1",
                   "needs ../shared/samples (real logs) or AMT_SAMPLES; absent here"))
    func daylightSavingAcrossTheWindowFromAReal6013() throws {
        let dir = try E2E.tempDir("site-zone-dst")
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = dir.appendingPathComponent("site")
        let logs = site.appendingPathComponent("Windows/System32/winevt/Logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.samples.appendingPathComponent("evtx/system.evtx"), to: logs.appendingPathComponent("System.evtx"))
        let log = site.appendingPathComponent("ProgramData/AMT/Services/AMTError_Service.log")
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("""
            2017-11-04 12:00:00,000 [1] ERROR AMT.Door - before the change\r
            2017-11-06 12:00:00,000 [1] ERROR AMT.Door - after the change\r

            """.utf8).write(to: log)
        let b = try Self.collect(site, dir.appendingPathComponent("out"))
        let records = try #require(b.records["ProgramData/AMT/Services/AMTError_Service.log.jsonl"])
        #expect(records.map { $0["@timestamp"] as? String } == ["2017-11-04T19:00:00.000Z", "2017-11-06T20:00:00.000Z"])
        #expect(records.allSatisfy { Self.timeSource($0) == "site" })
        let host = try #require(b.manifest["host"] as? [String: Any])
        #expect(host["time_zone"] as? String == "America/Los_Angeles")
        let source = try #require(host["time_zone_source"] as? [String: Any])
        #expect(source["rule"] as? String == "eventlog.6013")
        #expect(source["file"] as? String == "Windows/System32/winevt/Logs/System.evtx")
        #expect((source["detail"] as? String)?.contains("480 Pacific Standard Time") == true)
        #expect(!b.stderr.contains("time zone assumed"))
    }
}
