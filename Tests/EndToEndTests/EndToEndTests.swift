import Foundation
import Testing

/// Runs the built binary on a copy of the demo site, as a technician would.
@Suite(.serialized) struct EndToEndTests {
    /// A copy of the demo site plus a file the collector cannot read. When the tests run as root
    /// (CI), the binary runs as `nobody` through `setpriv` so that file permissions bite.
    struct Site {
        let dir: URL
        let site: URL
        let out: URL
        let prefix: [String]
        let lockedRelative = "ProgramData/AMT/Services/AMTError_Locked.log"
    }

    func makeSite(_ name: String) throws -> Site {
        let dir = try E2E.tempDir(name)
        let site = dir.appendingPathComponent("site")
        try FileManager.default.copyItem(at: E2E.packageRoot.appendingPathComponent("Fixtures/demo-site"), to: site)
        let locked = site.appendingPathComponent("ProgramData/AMT/Services/AMTError_Locked.log")
        try FileManager.default.createDirectory(at: locked.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("2026-11-25 10:00:00,000 [1] ERROR AMT.Locked - you cannot read me\n".utf8).write(to: locked)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: locked.path)
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var prefix: [String] = []
        if E2E.isRoot {
            // Let `nobody` traverse the copy and write the output folder.
            _ = try E2E.run([], shell: "chmod -R a+rX '\(site.path)' && chmod 000 '\(locked.path)' && chmod 777 '\(dir.path)' '\(out.path)'")
            prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        }
        return Site(dir: dir, site: site, out: out, prefix: prefix)
    }

    func collectArgs(_ s: Site, out: URL? = nil) -> [String] {
        ["collect", "--root", s.site.path, "--out", (out ?? s.out).path, "--case", "E2E-1", "--site", "Demo Site",
         "--tz", "America/New_York", "--batch", "--json"]
    }

    let fixedTime = ["SOURCE_DATE_EPOCH": "1795000000"]

    @Test func collectVerifyAndReadBack() throws {
        let s = try makeSite("collect")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let before = try E2E.snapshot(s.site)

        let run = try E2E.run(collectArgs(s), prefix: s.prefix, environment: fixedTime)
        #expect(run.status == 0, "collect failed: \(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let bundle = try #require(result["bundle"] as? String)
        #expect(bundle.hasSuffix(".zip"))
        #expect(URL(fileURLWithPath: bundle).lastPathComponent.hasPrefix("AMT-Demo_Site-E2E-1-20261118T110640Z"))

        // The source tree is byte-identical afterwards (contents, modes, times).
        let after = try E2E.snapshot(s.site)
        #expect(before == after, "the collection root changed")

        // verify says whole.
        let verify = try E2E.run(["verify", bundle])
        #expect(verify.status == 0, "verify: \(verify.stderr)")

        // Read back with libarchive directly.
        let entries = try E2E.readArchive(bundle)
        let top = URL(fileURLWithPath: bundle).deletingPathExtension().lastPathComponent
        let manifestData = try #require(entries["\(top)/manifest.json"])
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(manifestData)) as? [String: Any])
        #expect(manifest["schema"] as? String == "amt-collect/manifest/1")
        #expect(entries["\(top)/SUMMARY.txt"] != nil)
        let files = try #require(manifest["files"] as? [[String: Any]])

        // Every entry but the manifest is listed with its hash; raw copies are byte-exact.
        for (name, bytes) in entries where name != "\(top)/manifest.json" {
            let rel = String(name.dropFirst(top.count + 1))
            let listed = files.first { $0["path"] as? String == rel }
            #expect(listed != nil, "\(rel) is not in the manifest")
            #expect(listed?["bytes"] as? Int == bytes.count, "\(rel): size differs")
            if rel.hasPrefix("raw/"), !rel.contains(".expanded/") {
                let original = try Data(contentsOf: s.site.appendingPathComponent(String(rel.dropFirst(4))))
                if let redactions = listed?["redactions"] as? [String: Int], !redactions.isEmpty {
                    // Redacted by default: the demo's one secret is replaced, every other byte kept.
                    #expect(rel == "raw/Program Files (x86)/AMT/WebBRIX/web.config", "\(rel) was redacted: \(redactions)")
                    #expect(redactions == ["connection-string-password": 1])
                    let expected = String(decoding: original, as: UTF8.self).replacingOccurrences(of: "Demo!Secret42", with: "[REDACTED]")
                    #expect(bytes == Array(expected.utf8), "\(rel) differs beyond its secret")
                } else {
                    #expect([UInt8](original) == bytes, "\(rel) is not a byte-exact copy")
                }
            }
        }
        // The demo's secret is nowhere in the bundle (UTF-8 or UTF-16), and the manifest counts it.
        for (name, bytes) in entries {
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains("Demo!Secret42"), "\(name) holds the demo secret")
            let utf16 = Array("Demo!Secret42".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
            #expect(!bytes.indices.contains { bytes[$0...].starts(with: utf16) }, "\(name) holds the demo secret in UTF-16")
        }
        let redaction = (manifest["collection"] as? [String: Any])?["redaction"] as? [String: Any]
        #expect(redaction?["mode"] as? String == "secrets")
        #expect(redaction?["counts"] as? [String: Int] == ["connection-string-password": 1])
        // AMTError logs were parsed into records.
        let amtRecords = entries.filter { $0.key.contains("/records/") && $0.key.contains("AMTError") }
        #expect(amtRecords.count >= 3)
        for (_, bytes) in amtRecords {
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            #expect(!lines.isEmpty)
            #expect(lines.allSatisfy { $0.contains("\"dataset\":\"amt.error\"") })
        }

        // The unreadable file is reported, not fatal.
        let lockedEntry = files.first { $0["source"] as? String == s.lockedRelative }
            ?? (manifest["skipped"] as? [[String: Any]])?.first { $0["source"] as? String == s.lockedRelative }
        let reason = (lockedEntry?["reason"] as? String ?? "").lowercased()
        #expect(reason.contains("permission denied"), "locked file not reported: \(String(describing: lockedEntry))")
        let summary = String(decoding: entries["\(top)/SUMMARY.txt"] ?? [], as: UTF8.self)
        #expect(summary.contains("AMTError_Locked.log"))
        // The failed WebBRIX upgrade and the SQL Server facts reach the summary and system/.
        #expect(summary.contains("FAILURE  WebBRIX Server, exit code 1603"), "\(summary)")
        // System facts of a collected tree: what the files say, tagged with where; the rest unknown.
        let factsBytes = try #require(entries["\(top)/system/facts.json"])
        let facts = try #require(try JSONSerialization.jsonObject(with: Data(factsBytes)) as? [String: Any])
        let product = (facts["product"] as? [[String: Any]])?.first
        #expect(product?["version"] as? String == "5.1.3.902")
        #expect((product?["source"] as? String)?.contains("version.txt") == true)
        #expect((facts["dot_net"] as? [[String: Any]])?.first?["version"] as? String == "4.0.30319")
        #expect((facts["unknown"] as? [String] ?? []).contains { $0.hasPrefix("uptime") })
        #expect(summary.contains("WebBRIX 5.1.3.902"))
        let sql = String(decoding: entries["\(top)/system/sql_server.json"] ?? [], as: UTF8.self)
        #expect(sql.contains("15.0."), "system/sql_server.json: \(sql)")
        // The demo site's story, and nothing else, in the manifest's findings.
        let titles = (manifest["findings"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
        let expected = [
            "Unexpected shutdown or power loss", "SQL Server database or transaction log is full",
            "A Windows service stopped unexpectedly", "SQL Server login failures — state 8", "SQL Server login failures",
            "An installation failed — exit code -2068052377", "An installation failed — exit code 1603",
            "Windows Installer recorded a failed installation", "A Windows service failed to start",
            "A program crashed",
            // IIS, HTTP.sys, Windows Error Reporting and SQL Server Agent tell the same week.
            "The web server answered one URL with server errors (HTTP 5xx) again and again — path /WebBRIX/api/doors/31/status",
            "The web server answered 503 Service Unavailable (application pool stopped or overloaded)",
            "HTTP.sys refused requests: the application pool was offline or its queue full — queue WebBRIXPool",
            "HTTP.sys cut connections on its time limits (Timer_*) — reason Timer_AppPool",
            "WebBRIX, IIS or SQL Server crashed (Windows Error Reporting) — app WebBRIX.DoorService.exe",
            "WebBRIX, IIS or SQL Server crashed (Windows Error Reporting) — app w3wp.exe",
            "A SQL Server Agent job failed — job WebBRIX - Log backup",
            "SQL Server Agent lost its connection to SQL Server",
        ]
        for title in expected { #expect(titles.contains(title), "missing finding '\(title)' in \(titles)") }
        #expect(titles.filter { $0.hasPrefix("Recurring WebBRIX error") }.count == 2, "\(titles)")
        #expect(titles.count == expected.count + 2, "unexpected findings: \(titles.sorted())")
        // SQL setup's Log*.cab is expanded: its text members are in the bundle, the cabinet is not.
        #expect(!entries.keys.contains { $0.lowercased().hasSuffix(".cab") }, "a .cab is inside the bundle")
        #expect(entries.keys.contains { $0.contains(".cab.expanded/Summary_") && $0.contains("/raw/") })
        #expect(summary.contains("FAILURE  Microsoft SQL Server 2019, exit code -2068052377"), "\(summary)")
        // Every format of the demo site was recognized by content.
        let kinds = Set(files.compactMap { $0["kind"] as? String })
        for kind in ["amt.error", "msi", "sql.errorlog", "sql.setup", "setupapi", "dpinst", "windows.evtx", "config"] {
            #expect(kinds.contains(kind), "no \(kind) source in the bundle: \(kinds.sorted())")
        }
    }

    @Test func reproducibleBundles() throws {
        let s = try makeSite("repro")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        // Same command line (the manifest records it), so the second run writes to the same folder
        // after the first bundle was moved away.
        let a = try E2E.run(collectArgs(s), prefix: s.prefix, environment: fixedTime)
        #expect(a.status == 0, "\(a.stderr)")
        let pa = try #require((try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as? [String: Any])?["bundle"] as? String)
        let da = try Data(contentsOf: URL(fileURLWithPath: pa))
        try FileManager.default.removeItem(atPath: pa)
        let b = try E2E.run(collectArgs(s), prefix: s.prefix, environment: fixedTime)
        #expect(b.status == 0, "\(b.stderr)")
        let pb = try #require((try JSONSerialization.jsonObject(with: Data(b.stdout.utf8)) as? [String: Any])?["bundle"] as? String)
        #expect(pa == pb)
        let db = try Data(contentsOf: URL(fileURLWithPath: pb))
        #expect(da == db, "same input, different bundles")
    }

    /// On Linux the binary allocates through mimalloc (Package.swift links it): mimalloc, asked to
    /// be verbose, reports its start-up; with glibc's malloc nothing answers the variable.
    @Test(.enabled(if: E2E.isLinux)) func allocatesThroughMimalloc() throws {
        let run = try E2E.run(["--version"], environment: ["MIMALLOC_VERBOSE": "1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("mimalloc: process init"), "mimalloc is not the allocator: \(run.stderr)")
    }

    @Test func tarGzFormat() throws {
        let s = try makeSite("targz")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let run = try E2E.run(collectArgs(s) + ["--format", "tar.gz"], prefix: s.prefix, environment: fixedTime)
        #expect(run.status == 0, "\(run.stderr)")
        let bundle = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["bundle"] as? String)
        #expect(bundle.hasSuffix(".tar.gz"))
        #expect(try E2E.run(["verify", bundle]).status == 0)
    }

    /// A write that fails half-way (the file size limit stands in for a full disk: the kernel
    /// refuses writes past it with EFBIG) gives exit 1, a clear message, and no bundle file.
    @Test func failedWriteLeavesNoBundle() throws {
        let s = try makeSite("diskfull")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let args = collectArgs(s).map { "'\($0)'" }.joined(separator: " ")
        let prefix = s.prefix.joined(separator: " ")
        let run = try E2E.run([], shell: "trap '' XFSZ; exec /usr/bin/prlimit --fsize=20000 \(prefix) '\(E2E.binary.path)' \(args)")
        #expect(run.status == 1, "expected exit 1, got \(run.status): \(run.stderr)")
        #expect(run.stderr.lowercased().contains("file too large") || run.stderr.lowercased().contains("no space"),
                "message does not name the cause: \(run.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: s.out.path)
        #expect(left.filter { $0.hasPrefix("AMT-") }.isEmpty, "a final-name file was left: \(left)")
        #expect(left.filter { !$0.hasPrefix(".") || $0.contains("partial") }.isEmpty, "temporary files were left: \(left)")
    }

    // A draft that cannot be written: PromisesTests.failedDraftRollsTheBundleBack.

    /// A run killed mid-way (SIGKILL as soon as its temporary bundle exists) leaves no final-name
    /// file; the next run removes its leftovers and succeeds.
    @Test func killedRunIsCleanedUpByTheNext() throws {
        let s = try makeSite("killed")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        // A large extra file keeps the run busy long enough to be killed in the middle.
        let big = s.dir.appendingPathComponent("big.log")
        var text = ""
        for i in 0..<200_000 { text += "2026-11-25 10:00:00,\(i % 1000) [7] INFO AMT.Big - line \(i) of a large log\n" }
        try Data(text.utf8).write(to: big)
        if E2E.isRoot { _ = try E2E.run([], shell: "chmod 644 '\(big.path)'") }
        let process = Process()
        let args = collectArgs(s) + ["--include", big.path]
        if s.prefix.isEmpty {
            process.executableURL = E2E.binary
            process.arguments = args
        } else {
            process.executableURL = URL(fileURLWithPath: s.prefix[0])
            process.arguments = Array(s.prefix.dropFirst()) + [E2E.binary.path] + args
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        var sawTemporary = false
        while Date() < deadline, process.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: s.out.path)) ?? []
            if names.contains(where: { $0.hasPrefix(".AMT-") }) { sawTemporary = true; break }
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(sawTemporary, "the run finished before it could be killed")
        let left = try FileManager.default.contentsOfDirectory(atPath: s.out.path)
        #expect(left.filter { $0.hasPrefix("AMT-") }.isEmpty, "a killed run left a final-name file: \(left)")
        #expect(!left.isEmpty, "the killed run left nothing behind, so cleanup is not exercised")
        let next = try E2E.run(collectArgs(s), prefix: s.prefix, environment: fixedTime)
        #expect(next.status == 0, "\(next.stderr)")
        let after = try FileManager.default.contentsOfDirectory(atPath: s.out.path)
        let kept = after.filter { !$0.hasSuffix(".eml") }
        #expect(kept.count == 1 && kept[0].hasPrefix("AMT-"), "leftovers not cleaned: \(after)")
    }

    /// On a terminal without --batch, collect asks for the missing case fields (here through a
    /// pseudo-terminal driven by Python's pty module), re-asks on an invalid partner, and records
    /// the answers in the manifest; an empty answer leaves the field out.
    @Test func asksForMissingCaseFieldsOnATerminal() throws {
        let dir = try E2E.tempDir("ask")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("pty_run.py")
        try Data(Self.ptyScript.utf8).write(to: script)
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let site = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site").path
        let r = try E2E.run([], shell: "python3 '\(script.path)' '\(E2E.binary.path)' collect --root '\(site)' --out '\(out.path)' --tz America/New_York")
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("please answer one of the choices"))
        let bundle = try #require(try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasSuffix(".zip") })
        #expect(bundle.hasPrefix("AMT-North_Gate-CASE-77-"))
        let entries = try E2E.readArchive(out.appendingPathComponent(bundle).path)
        let manifestBytes = try #require(entries.first { $0.key.hasSuffix("/manifest.json") }?.value)
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(manifestBytes)) as? [String: Any])
        let c = try #require(manifest["case"] as? [String: Any])
        #expect(c["id"] as? String == "CASE-77")
        #expect(c["site"] as? String == "North Gate")
        #expect(c["partner"] as? String == "reseller")
        #expect(c["description"] as? String == "Door 3 offline")
        #expect(c["contact"] == nil)
        // The Tier 1 checklist: answers with notes, a re-asked invalid answer, a skipped item.
        let checklist = try #require(c["checklist"] as? [String: Any])
        let items = try #require(checklist["items"] as? [[String: Any]])
        func item(_ name: String) -> [String: Any]? { items.first { $0["name"] as? String == name } }
        #expect(item("power")?["answer"] as? String == "yes")
        #expect(item("power")?["note"] as? String == "UPS replaced last week")
        #expect(item("compatibility")?["answer"] as? String == "n/a")
        #expect(item("network")?["answer"] as? String == "no")
        #expect(item("network")?["note"] as? String == "switch port 12 down")
        #expect(item("versions")?["answer"] as? String == "unanswered")
        #expect(item("reproduced")?["answer"] as? String == "yes")
        #expect(checklist["steps_to_reproduce"] as? String == "Open door 3 from the client")
        let summary = String(decoding: entries.first { $0.key.hasSuffix("/SUMMARY.txt") }?.value ?? [], as: UTF8.self)
        #expect(summary.contains("Power:        yes — UPS replaced last week"), "\(summary.prefix(1200))")
    }

    @Test func checklistFromTheCommandLine() throws {
        let s = try makeSite("checks")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let bad = try E2E.run(collectArgs(s) + ["--check", "power=maybe"], prefix: s.prefix)
        #expect(bad.status == 64, "\(bad.stderr)")
        let run = try E2E.run(collectArgs(s) + ["--check", "power=no:no UPS on site", "--check", "reproduced=na",
                                                "--steps", "Badge at reader 4"], prefix: s.prefix, environment: fixedTime)
        #expect(run.status == 0, "\(run.stderr)")
        let bundle = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["bundle"] as? String)
        let entries = try E2E.readArchive(bundle)
        let manifestBytes = try #require(entries.first { $0.key.hasSuffix("/manifest.json") }?.value)
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(manifestBytes)) as? [String: Any])
        let checklist = try #require((manifest["case"] as? [String: Any])?["checklist"] as? [String: Any])
        let items = try #require(checklist["items"] as? [[String: Any]])
        #expect(items.count == 5)
        #expect(items.first { $0["name"] as? String == "power" }?["note"] as? String == "no UPS on site")
        #expect(items.first { $0["name"] as? String == "reproduced" }?["answer"] as? String == "n/a")
        #expect(checklist["steps_to_reproduce"] as? String == "Badge at reader 4")
    }

    static let ptyScript = #"""
import os, pty, sys, time, select
args = sys.argv[1:]
answers = [b"CASE-77\n", b"North Gate\n", b"banana\n", b"reseller\n", b"\n", b"Door 3 offline\n",
           b"yes UPS replaced last week\n", b"na\n", b"perhaps\n", b"no switch port 12 down\n", b"\n", b"yes\n",
           b"Open door 3 from the client\n"]
pid, fd = pty.fork()
if pid == 0:
    os.execv(args[0], args)
out = b""
deadline = time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
        if out.rstrip().endswith(b":"):
            os.write(fd, answers.pop(0) if answers else b"\n")
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"""#

    @Test func usageErrorsExit64() throws {
        let bad = try E2E.run(["collect", "--since", "yesterday-ish", "--batch"])
        #expect(bad.status == 64, "\(bad.stderr)")
        let inside = try E2E.tempDir("inside")
        defer { try? FileManager.default.removeItem(at: inside) }
        let r = try E2E.run(["collect", "--root", inside.path, "--out", inside.appendingPathComponent("o").path, "--batch"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("never writes under the collection root"))
    }

    @Test func parsePrintsRecords() throws {
        let file = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site/ProgramData/AMT/Services/AMTError_Service.log")
        let r = try E2E.run(["parse", file.path, "--tz", "America/New_York"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count > 5)
        for line in lines {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect((obj["event"] as? [String: Any])?["dataset"] as? String == "amt.error")
            // Only log4net's header/footer lines carry no time.
            if obj["@timestamp"] == nil {
                #expect(["[Header]", "[Footer]"].contains(obj["message"] as? String ?? ""), "untimed record: \(line)")
            }
        }
        let missing = try E2E.run(["parse", "/nonexistent/file.log"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/file.log"))
    }
}

extension EndToEndTests {
    @Test func summaryJSONOfRawFilesAndOfABundle() throws {
        let system = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site/Windows/System32/winevt/Logs/System.evtx").path
        let raw = try E2E.run(["summary", "--json", system])
        #expect(raw.status == 0, "\(raw.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(raw.stdout.utf8)) as? [String: Any])
        let findings = try #require(obj["findings"] as? [[String: Any]])
        #expect(findings.contains { $0["rule_id"] as? String == "power-unexpected-shutdown" })
        #expect((obj["sources"] as? [[String: Any]])?.first?["dataset"] as? String == "windows.evtx")

        let s = try makeSite("summaryjson")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let run = try E2E.run(collectArgs(s), prefix: s.prefix, environment: fixedTime)
        let bundle = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["bundle"] as? String)
        let b = try E2E.run(["summary", "--json", bundle])
        #expect(b.status == 0, "\(b.stderr)")
        let bobj = try #require(try JSONSerialization.jsonObject(with: Data(b.stdout.utf8)) as? [String: Any])
        let bfindings = try #require(bobj["findings"] as? [[String: Any]])
        #expect(bfindings.contains { ($0["title"] as? String)?.contains("power loss") == true })
        #expect((bobj["case"] as? [String: Any])?["id"] as? String == "E2E-1")
    }
}

extension EndToEndTests {
    /// --since/--until keep only records inside the window and count the rest in the manifest.
    @Test func timeWindowLimitsRecords() throws {
        let s = try makeSite("window")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let run = try E2E.run(collectArgs(s) + ["--since", "2026-11-25", "--until", "2026-11-26T12:00Z"],
                              prefix: s.prefix, environment: fixedTime)
        #expect(run.status == 0, "\(run.stderr)")
        let bundle = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["bundle"] as? String)
        let entries = try E2E.readArchive(bundle)
        var inside = 0
        for (name, bytes) in entries where name.contains("/records/") {
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                guard let t = obj["@timestamp"] as? String else { continue }
                #expect(t >= "2026-11-25T00:00:00" && t <= "2026-11-26T12:00:00.000Z", "\(name): \(t) outside the window")
                inside += 1
            }
        }
        #expect(inside > 0)
        let manifestBytes = try #require(entries.first { $0.key.hasSuffix("/manifest.json") }?.value)
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(manifestBytes)) as? [String: Any])
        let outside = (manifest["files"] as? [[String: Any]] ?? []).compactMap { ($0["counters"] as? [String: Any])?["outside_window"] as? Int }
        #expect(outside.reduce(0, +) > 0, "records outside the window were not counted")
        #expect((manifest["collection"] as? [String: Any])?["since"] as? String == "2026-11-25T00:00:00.000Z")
    }

    /// Records cross many encoded blocks, and one record is larger than a block: every record
    /// reaches the bundle whole and in order, and the bundle verifies.
    @Test func recordsAcrossBlocksAndOneLargerThanABlock() throws {
        let s = try makeSite("blocks")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let logs = s.site.appendingPathComponent("inetpub/wwwroot/WebBRIX/App_Data/Logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        var text = ""
        func line(_ i: Int, _ message: String) -> String {
            "2026-11-25 10:\(String(format: "%02d:%02d", i / 60 % 60, i % 60)),000 [1] INFO AMT.Blocks - \(message)\n"
        }
        for i in 0..<3000 { text += line(i, "entry \(i) of the first run") }
        let large = String(repeating: "0123456789", count: 40_000)
        text += line(3000, large)
        for i in 3001..<4000 { text += line(i, "entry \(i) of the second run") }
        try Data(text.utf8).write(to: logs.appendingPathComponent("AMTError-blocks.log"))

        let run = try E2E.run(collectArgs(s) + ["--email-limit", "0"], prefix: s.prefix, environment: fixedTime)
        #expect(run.status == 0, "\(run.stderr)")
        let bundle = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["bundle"] as? String)
        #expect(try E2E.run(["verify", bundle]).status == 0)
        let entries = try E2E.readArchive(bundle)
        let records = try #require(entries.first { $0.key.hasSuffix("/records/inetpub/wwwroot/WebBRIX/App_Data/Logs/AMTError-blocks.log.jsonl") }?.value)
        let lines = String(decoding: records, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 4000)
        var previous = 0
        for (k, l) in lines.enumerated() {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])
            let lineNumber = try #require((obj["log"] as? [String: Any]).flatMap { ($0["file"] as? [String: Any])?["line"] as? Int })
            #expect(lineNumber == previous + 1, "record \(k) is line \(lineNumber) after \(previous)")
            previous = lineNumber
            if k == 3000 { #expect(obj["message"] as? String == large) }
        }
    }

    @Test func catalogListsEntriesAndWhatTheyFound() throws {
        let site = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site").path
        let r = try E2E.run(["catalog", "--root", site, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        func found(_ id: String) -> [String] { entries.first { $0["id"] as? String == id }?["found"] as? [String] ?? [] }
        #expect(found("amt_error_logs").count == 4)
        #expect(found("msi_logs") == ["Windows/Temp/MSI3f2a1.LOG"])
        #expect(found("event_logs").count == 2)
        #expect(entries.contains { $0["id"] as? String == "event_log_security" })
    }
}

extension EndToEndTests {
    /// `parse` on an archive parses its members, named `<archive>.expanded/<member>`.
    @Test func parseExpandsArchives() throws {
        let cab = E2E.packageRoot.appendingPathComponent(
            "Fixtures/demo-site/Program Files/Microsoft SQL Server/150/Setup Bootstrap/Log/Log20261119_221005.cab").path
        let r = try E2E.run(["parse", cab])
        #expect(r.status == 0, "\(r.stderr)")
        var paths = Set<String>()
        var datasets = Set<String>()
        for line in r.stdout.split(separator: "\n") {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let p = ((obj["log"] as? [String: Any])?["file"] as? [String: Any])?["path"] as? String { paths.insert(p) }
            if let d = (obj["event"] as? [String: Any])?["dataset"] as? String { datasets.insert(d) }
        }
        #expect(paths == [cab + ".expanded/Summary_WEBBRIX-SRV01_20261119_221005.txt", cab + ".expanded/Detail.txt"])
        #expect(datasets == ["sql.setup"])
    }
}
