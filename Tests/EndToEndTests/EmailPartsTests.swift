import Foundation
import Testing

/// `collect --email-limit`, parts, `.eml` drafts, `verify` of parts, `extract`, `--encrypt` and
/// mail-filter safety, through the built binary.
@Suite(.serialized) struct EmailPartsTests {
    let fixedTime = ["SOURCE_DATE_EPOCH": "1795000000"]

    struct Site {
        let dir: URL
        let site: URL
        let bigLog: URL
    }

    /// The demo site plus an AMTError-style log of about 700 KB outside it (given with --include),
    /// so that a 150 KB limit needs several parts and the log must be segmented.
    func makeSite(_ name: String) throws -> Site {
        let dir = try E2E.tempDir(name)
        let site = dir.appendingPathComponent("site")
        try FileManager.default.copyItem(at: E2E.packageRoot.appendingPathComponent("Fixtures/demo-site"), to: site)
        let big = dir.appendingPathComponent("extra/AMTError_big.log")
        try FileManager.default.createDirectory(at: big.deletingLastPathComponent(), withIntermediateDirectories: true)
        var text = ""
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let levels = ["INFO", "WARN", "ERROR", "DEBUG"]
        for i in 0..<6000 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let hexText = String(state, radix: 16)
            text += "2026-11-25 10:\(String(format: "%02d:%02d", i / 60 % 60, i % 60)),\(String(format: "%03d", i % 1000)) [\(state % 40)] "
            text += "\(levels[Int(state % 4)]) AMT.Big.Component\(state % 7) - request \(hexText) took \(state % 9973) ms for user\(state % 499)\n"
        }
        try Data(text.utf8).write(to: big)
        return Site(dir: dir, site: site, bigLog: big)
    }

    func args(_ s: Site, out: URL, limit: String, extra: [String] = []) -> [String] {
        ["collect", "--root", s.site.path, "--out", out.path, "--case", "E2E-1", "--site", "Demo Site",
         "--tz", "America/New_York", "--batch", "--json", "--email-limit", limit, "--include", s.bigLog.path] + extra
    }

    /// SHA-256 of a file, by `sha256sum` (independent of the tool's own hashing).
    func sha256(_ url: URL) throws -> String {
        let r = try E2E.run([], shell: "sha256sum '\(url.path)'")
        return String(r.stdout.prefix(64))
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func partsVerifyExtractAndDrafts() throws {
        let s = try makeSite("parts")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let out = s.dir.appendingPathComponent("out")
        let limit = 150_000
        let run = try E2E.run(args(s, out: out, limit: "150KB"), environment: fixedTime)
        #expect(run.status == 0, "collect failed: \(run.stderr)")
        let result = try json(run.stdout)
        #expect(result["bundle"] == nil, "a split run names no single bundle")
        let parts = try #require(result["parts"] as? [String])
        let messages = try #require(result["messages"] as? [String])
        #expect(parts.count >= 3, "expected several parts: \(parts)")
        #expect(messages.count == parts.count)
        let count = parts.count
        let top = "AMT-Demo_Site-E2E-1-20261118T110640Z"
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(!names.contains("\(top).zip"), "the unsplit bundle is removed")
        #expect(names.filter { $0.hasPrefix(".") }.isEmpty, "temporary files left: \(names)")

        // Each part opens alone (libarchive) and its manifest names the bundle, index and count and
        // places every file of the bundle.
        var placedSomewhere: Set<String> = []
        var allListed: Set<String> = []
        for (k, part) in parts.enumerated() {
            #expect(URL(fileURLWithPath: part).lastPathComponent == "\(top)-part\(k + 1)of\(count).zip")
            let entries = try E2E.readArchive(part)
            let manifest = try json(String(decoding: try #require(entries["\(top)/manifest.json"]), as: UTF8.self))
            let info = try #require(manifest["part"] as? [String: Any])
            #expect(info["index"] as? Int == k + 1 && info["count"] as? Int == count && info["bundle_id"] as? String == top)
            let files = try #require(manifest["files"] as? [[String: Any]])
            allListed = Set(files.filter { $0["status"] as? String != "skipped" }.compactMap { $0["path"] as? String })
            for p in try #require(info["placement"] as? [[String: Any]]) {
                if p["part"] as? Int == k + 1 { placedSomewhere.insert(p["path"] as! String) }
                for seg in (p["segments"] as? [[String: Any]]) ?? [] where seg["part"] as? Int == k + 1 {
                    placedSomewhere.insert(p["path"] as! String)
                    #expect(entries["\(top)/\(seg["path"] as! String)"] != nil)
                }
            }
            if k == 0 {
                let summary = String(decoding: try #require(entries["\(top)/SUMMARY.txt"]), as: UTF8.self)
                #expect(summary.contains("PARTS  \(count) parts"))
                #expect(entries["\(top)/REPORT.html"] != nil)
            }
        }
        #expect(placedSomewhere == allListed, "every file is in some part")

        // verify: all parts → whole; one missing → not, naming it.
        let verify = try E2E.run(["verify"] + parts)
        #expect(verify.status == 0, "verify: \(verify.stderr)")
        #expect(verify.stderr.contains("complete — all \(count) parts"))
        let verifyJSON = try E2E.run(["verify", "--json"] + parts)
        let results = try #require(try JSONSerialization.jsonObject(with: Data(verifyJSON.stdout.utf8)) as? [[String: Any]])
        #expect(results.count == count + 1)
        #expect(results.last?["bundle"] as? String == top && results.last?["whole"] as? Bool == true && results.last?["parts"] as? Int == count)
        var withoutTwo = parts
        withoutTwo.remove(at: 1)
        let partial = try E2E.run(["verify"] + withoutTwo)
        #expect(partial.status == 1)
        #expect(partial.stderr.contains("part 2 of \(count) (\(top)-part2of\(count).zip) is missing: it holds"), "\(partial.stderr)")

        // extract: the included log comes back byte-identical (joined from segments), and every
        // file equals the same collection made without a limit.
        let dest = s.dir.appendingPathComponent("extracted")
        let extract = try E2E.run(["extract"] + parts + ["--out", dest.path])
        #expect(extract.status == 0, "extract: \(extract.stderr)")
        let joined = try Data(contentsOf: dest.appendingPathComponent("\(top)/raw/include/AMTError_big.log"))
        #expect(joined == (try Data(contentsOf: s.bigLog)))
        let whole = s.dir.appendingPathComponent("whole")
        let unsplit = try E2E.run(args(s, out: whole, limit: "0"), environment: fixedTime)
        #expect(unsplit.status == 0, "\(unsplit.stderr)")
        let bundle = try #require(try json(unsplit.stdout)["bundle"] as? String)
        for (name, bytes) in try E2E.readArchive(bundle) where !name.hasSuffix("/manifest.json") && !name.hasSuffix("/SUMMARY.txt") {
            let got = try? Data(contentsOf: dest.appendingPathComponent(name))
            #expect(got == Data(bytes), "\(name) differs after extract")
        }
        let missing = try E2E.run(["extract"] + withoutTwo + ["--out", s.dir.appendingPathComponent("x2").path])
        #expect(missing.status == 1)

        // Drafts, read by Python's standard email package.
        let check = try E2E.run([], shell: "python3 - \(limit) \(messages.map { "'\($0)'" }.joined(separator: " ")) <<'EOF'\n\(Self.emlChecker)\nEOF")
        #expect(check.status == 0, "python: \(check.stderr)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.count == count)
        for (k, m) in parsed.enumerated() {
            #expect(m["to"] as? String == "support@amt-us.com")
            #expect(m["unsent"] as? String == "1")
            #expect(m["subject"] as? String == "[AMT Support] Demo Site — case E2E-1 — part \(k + 1) of \(count)")
            #expect(m["mime"] as? String == "1.0")
            #expect(m["date"] as? String == "Wed, 18 Nov 2026 11:06:40 +0000")
            #expect((m["message_id"] as? String ?? "").hasPrefix("<"))
            #expect(m["type"] as? String == "multipart/mixed")
            #expect(m["att_type"] as? String == "application/zip")
            #expect(m["filename"] as? String == URL(fileURLWithPath: parts[k]).lastPathComponent)
            #expect(m["sha256"] as? String == (try sha256(URL(fileURLWithPath: parts[k]))), "attachment \(k + 1) differs from the part")
            #expect(m["body_charset"] as? String == "utf-8")
            #expect((m["body"] as? String ?? "").hasPrefix("amt-collect support bundle"))
            #expect((m["size"] as? Int ?? Int.max) <= limit)
            #expect((m["max_line"] as? Int ?? 999) <= 78)
            #expect((m["defects"] as? [String] ?? ["?"]).isEmpty)
        }

        // Reproducible: the same run again gives the same parts and drafts, byte for byte.
        let first = try parts.map { try sha256(URL(fileURLWithPath: $0)) } + messages.map { try sha256(URL(fileURLWithPath: $0)) }
        let moved = s.dir.appendingPathComponent("first-run")
        try FileManager.default.moveItem(at: out, to: moved)
        let again = try E2E.run(args(s, out: out, limit: "150KB"), environment: fixedTime)
        #expect(again.status == 0)
        let r2 = try json(again.stdout)
        let second = try ((r2["parts"] as? [String] ?? []) + (r2["messages"] as? [String] ?? [])).map { try sha256(URL(fileURLWithPath: $0)) }
        #expect(first == second, "parts are not reproducible")
    }

    /// Parses each .eml given after the limit; prints what the test checks as JSON.
    static let emlChecker = """
        import sys, email, hashlib, json
        from email import policy
        out = []
        for path in sys.argv[2:]:
            raw = open(path, 'rb').read()
            msg = email.message_from_bytes(raw, policy=policy.default)
            atts = list(msg.iter_attachments())
            assert len(atts) == 1, path
            a = atts[0]
            data = a.get_payload(decode=True)
            body = msg.get_body(preferencelist=('plain',))
            out.append({"size": len(raw), "to": str(msg["To"]), "unsent": str(msg["X-Unsent"]),
                "subject": str(msg["Subject"]), "date": str(msg["Date"]), "message_id": str(msg["Message-ID"]),
                "mime": str(msg["MIME-Version"]), "type": msg.get_content_type(), "att_type": a.get_content_type(),
                "filename": a.get_filename(), "sha256": hashlib.sha256(data).hexdigest(),
                "body_charset": body.get_content_charset(), "body": body.get_content()[:200],
                "defects": [str(d) for p in msg.walk() for d in p.defects],
                "max_line": max(len(l) for l in raw.split(b"\\r\\n"))})
        print(json.dumps(out, ensure_ascii=False))
        """

    @Test func fittingBundleGetsOneDraft() throws {
        let dir = try E2E.tempDir("fits")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try E2E.run(["collect", "--root", E2E.packageRoot.appendingPathComponent("Fixtures/demo-site").path,
                               "--out", dir.path, "--case", "Ü-7", "--site", "Zürich", "--batch", "--json",
                               "--tz", "UTC", "--contact", "tech@example.com"], environment: fixedTime)
        #expect(run.status == 0, "\(run.stderr)")
        let result = try json(run.stdout)
        let bundle = try #require(result["bundle"] as? String)
        #expect(result["parts"] as? [String] == [bundle])
        let eml = try #require((result["messages"] as? [String])?.first)
        #expect(eml == String(bundle.dropLast(4)) + ".eml")
        let check = try E2E.run([], shell: "python3 - 10000000 '\(eml)' <<'EOF'\n\(Self.emlChecker)\nEOF")
        #expect(check.status == 0, "python: \(check.stderr)")
        let m = try #require((try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(m["subject"] as? String == "[AMT Support] Zürich — case Ü-7")
        #expect(m["sha256"] as? String == (try sha256(URL(fileURLWithPath: bundle))))
        #expect((m["size"] as? Int ?? Int.max) <= 10_000_000)
        // Usage errors.
        for bad in [["--email-limit", "ten"], ["--email-limit", "1000"], ["--encrypt", "--format", "tar.gz"]] {
            let r = try E2E.run(["collect", "--root", dir.path, "--out", dir.appendingPathComponent("o").path, "--batch"] + bad)
            #expect(r.status == 64, "\(bad): \(r.stderr)")
        }
    }

    @Test func encryptedRoundTrip() throws {
        let s = try makeSite("encrypt")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let out = s.dir.appendingPathComponent("out")
        let secret = ["AMT_PASSPHRASE": "Tr0ub4dor&3 horse"]
        let run = try E2E.run(args(s, out: out, limit: "200KB", extra: ["--encrypt"]), environment: fixedTime.merging(secret) { a, _ in a })
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("quarantined"), "no warning about mail filters: \(run.stderr)")
        #expect(!run.stderr.contains("Tr0ub4dor"))
        let parts = try #require(try json(run.stdout)["parts"] as? [String])
        #expect(try json(run.stdout)["encrypted"] as? Bool == true)
        #expect(parts.count >= 2)
        // Entries are encrypted: libarchive without the passphrase cannot read them.
        #expect(throws: (any Error).self) { try E2E.readArchive(parts[0]) }
        #expect(try E2E.run(["verify"] + parts, environment: secret).status == 0)
        let wrong = try E2E.run(["verify"] + parts, environment: ["AMT_PASSPHRASE": "wrong"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("passphrase"), "\(wrong.stderr)")
        let none = try E2E.run(["verify"] + parts)
        #expect(none.status == 64, "no passphrase and no terminal is a usage error: \(none.stderr)")
        let dest = s.dir.appendingPathComponent("x")
        let extract = try E2E.run(["extract"] + parts + ["--out", dest.path], environment: secret)
        #expect(extract.status == 0, "\(extract.stderr)")
        let top = "AMT-Demo_Site-E2E-1-20261118T110640Z"
        #expect(try Data(contentsOf: dest.appendingPathComponent("\(top)/raw/include/AMTError_big.log")) == Data(contentsOf: s.bigLog))
        let summary = try String(contentsOf: dest.appendingPathComponent("\(top)/SUMMARY.txt"), encoding: .utf8)
        #expect(summary.contains("quarantined"))
        let manifest = try String(contentsOf: dest.appendingPathComponent("\(top)/manifest.json"), encoding: .utf8)
        #expect(!manifest.contains("Tr0ub4dor"))
        for name in try FileManager.default.contentsOfDirectory(atPath: out.path) {
            let data = try Data(contentsOf: out.appendingPathComponent(name))
            #expect(data.range(of: Data("Tr0ub4dor".utf8)) == nil, "the passphrase is in \(name)")
        }
    }

    @Test func blockedTypesAreLeftOutAndArchivesExpanded() throws {
        let dir = try E2E.tempDir("blocked")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("drop")
        // Python's standard library makes the archives: a zip with a log, a nested zip and an
        // executable; a gzip'ed log; a tar.gz with a log.
        let make = """
            import zipfile, gzip, tarfile, io, os
            d = '\(folder.path)'
            os.makedirs(d)
            for n in ['setup.exe', 'helper.dll', 'install.ps1', 'pkg.msi', 'disk.iso', 'patch.msp']:
                open(os.path.join(d, n), 'wb').write(b'MZ not really a program')
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, 'w') as z: z.writestr('deep.log', 'nested\\n')
            with zipfile.ZipFile(os.path.join(d, 'logs.zip'), 'w', zipfile.ZIP_DEFLATED) as z:
                z.writestr('app/AMTError.log', '2026-11-25 10:00:00,000 [1] ERROR AMT.Zip - from inside a zip\\n')
                z.writestr('inner.zip', inner.getvalue())
                z.writestr('tool.exe', b'MZ')
            with gzip.open(os.path.join(d, 'old.log.gz'), 'wb') as g:
                g.write(b'2026-11-25 10:00:01,000 [1] WARN AMT.Gz - from inside a gzip\\n')
            data = b'2026-11-25 10:00:02,000 [1] INFO AMT.Tar - from inside a tar\\n'
            with tarfile.open(os.path.join(d, 'more.tar.gz'), 'w:gz') as t:
                info = tarfile.TarInfo('tarred.log'); info.size = len(data); t.addfile(info, io.BytesIO(data))
            open(os.path.join(d, 'notes.txt'), 'w').write('plain notes\\n')
            """
        let made = try E2E.run([], shell: "python3 - <<'EOF'\n\(make)\nEOF")
        #expect(made.status == 0, "\(made.stderr)")
        let out = dir.appendingPathComponent("out")
        let run = try E2E.run(["collect", "--root", E2E.packageRoot.appendingPathComponent("Fixtures/demo-site").path,
                               "--out", out.path, "--batch", "--json", "--tz", "UTC", "--include", folder.path])
        #expect(run.status == 0, "\(run.stderr)")
        let bundle = try #require(try json(run.stdout)["bundle"] as? String)
        let entries = try E2E.readArchive(bundle)
        let blocked = ["exe", "dll", "ps1", "msi", "iso", "msp", "zip", "gz", "cab", "7z"]
        for name in entries.keys {
            let ext = URL(fileURLWithPath: name).pathExtension.lowercased()
            #expect(!blocked.contains(ext), "\(name) must not be in a bundle")
        }
        let top = URL(fileURLWithPath: bundle).deletingPathExtension().lastPathComponent
        let manifest = try json(String(decoding: try #require(entries["\(top)/manifest.json"]), as: UTF8.self))
        let files = try #require(manifest["files"] as? [[String: Any]])
        func file(_ suffix: String) -> [String: Any]? { files.first { ($0["path"] as? String ?? "").hasSuffix(suffix) } }
        for n in ["setup.exe", "helper.dll", "install.ps1", "pkg.msi", "disk.iso", "patch.msp"] {
            let f = try #require(file("drop/\(n)"), "\(n) is not listed in the manifest")
            #expect(f["status"] as? String == "skipped")
            #expect((f["reason"] as? String)?.contains("blocked by mail filters") == true, "\(n): \(f)")
        }
        // Archives are expanded: their logs are sources; nested archives and programs are left out.
        let zipped = try #require(entries.keys.first { $0.hasSuffix("drop/logs.zip.expanded/app/AMTError.log") })
        #expect(String(decoding: entries[zipped]!, as: UTF8.self).contains("from inside a zip"))
        #expect(entries.keys.contains { $0.hasSuffix("records/include/drop/logs.zip.expanded/app/AMTError.log.jsonl") })
        #expect((file("logs.zip.expanded/inner.zip")?["reason"] as? String)?.contains("left out") == true)
        #expect((file("logs.zip.expanded/tool.exe")?["reason"] as? String)?.contains("left out") == true)
        #expect(entries.keys.contains { $0.hasSuffix("drop/old.log.gz.expanded/old.log") })
        #expect(entries.keys.contains { $0.hasSuffix("drop/more.tar.gz.expanded/tarred.log") })
        #expect(entries.keys.contains { $0.hasSuffix("raw/include/drop/notes.txt") })
        #expect(try E2E.run(["verify", bundle]).status == 0)
    }
}
