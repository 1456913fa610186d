import Foundation
import Testing

/// The promises the README makes, tested on the built binary: output never under the root,
/// source access times kept, exit 1 leaves no bundle, killed runs rolled back, unique names,
/// and bad command lines refused with exit 64 and a clear message.
@Suite(.serialized) struct PromisesTests {
    let base = EndToEndTests()

    func names(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    // MARK: - Never writes under --root

    @Test func outputThroughALinkIntoTheRootIsRefused() throws {
        let dir = try E2E.tempDir("outlink")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("logs"), withIntermediateDirectories: true)
        let link = dir.appendingPathComponent("outlink")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: root.appendingPathComponent("logs").path)
        let rootLink = dir.appendingPathComponent("rootlink")
        try FileManager.default.createSymbolicLink(atPath: rootLink.path, withDestinationPath: root.path)
        let cases: [(root: String, out: String)] = [
            (root.path, link.path),                                              // --out is a link into the root
            (root.path, link.appendingPathComponent("not/yet").path),            // below such a link, not yet made
            (rootLink.path, root.appendingPathComponent("out").path),            // --root is a link
            (root.path, rootLink.appendingPathComponent("logs/o").path),         // a link in the middle of --out
        ]
        for c in cases {
            let r = try E2E.run(["collect", "--root", c.root, "--out", c.out, "--batch"])
            #expect(r.status == 64, "\(c): exit \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("never writes under the collection root"), "\(c): \(r.stderr)")
        }
        #expect(names(root.appendingPathComponent("logs")).isEmpty, "something was written under the root")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("logs/not").path))
    }

    /// A bind mount of the root elsewhere has another path but the root's device and inode.
    @Test(.enabled(if: E2E.isRoot && E2E.isLinux)) func outputInABindMountOfTheRootIsRefused() throws {
        let dir = try E2E.tempDir("bind")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("root"), mnt = dir.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: mnt, withIntermediateDirectories: true)
        let mounted = try E2E.run([], shell: "mount --bind '\(root.path)' '\(mnt.path)' 2>/dev/null")
        guard mounted.status == 0 else { return }   // this container may not mount
        defer { _ = try? E2E.run([], shell: "umount '\(mnt.path)'") }
        let r = try E2E.run(["collect", "--root", root.path, "--out", mnt.appendingPathComponent("sub/out").path, "--batch"])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("never writes under the collection root"))
        #expect(names(root.appendingPathComponent("sub")).isEmpty)
    }

    // MARK: - Access times

    /// Sources are opened with O_NOATIME (the files are the runner's own, so it is permitted):
    /// their access times stay, although relatime would update them (atime older than mtime).
    @Test(.enabled(if: E2E.isLinux)) func sourceAccessTimesAreKept() throws {
        let s = try base.makeSite("atime")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let old = Date(timeIntervalSince1970: 1_600_000_000), newer = Date(timeIntervalSince1970: 1_700_000_000)
        let files = (FileManager.default.enumerator(atPath: s.site.path)?.allObjects as? [String] ?? [])
            .map { s.site.appendingPathComponent($0) }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true && !$0.path.hasSuffix("Locked.log") }
        #expect(files.count > 3)
        for f in files {
            var times = [timespec(tv_sec: Int(old.timeIntervalSince1970), tv_nsec: 0),
                         timespec(tv_sec: Int(newer.timeIntervalSince1970), tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, f.path, &times, 0) == 0)
        }
        func atime(_ url: URL) -> Int {
            var st = stat()
            _ = stat(url.path, &st)
            return Int(st.st_atim.tv_sec)
        }
        // Run as the files' owner (no setpriv): the case where O_NOATIME is allowed.
        let r = try E2E.run(base.collectArgs(s), environment: base.fixedTime)
        #expect(r.status == 0, "\(r.stderr)")
        for f in files {
            #expect(atime(f) == Int(old.timeIntervalSince1970), "the access time of \(f.lastPathComponent) changed")
        }
    }

    // MARK: - Exit 1: no bundle; killed runs; unique names

    /// A draft that cannot be written (the size limit lets the bundle through but not its base64
    /// copy): exit 1 and the whole output set rolled back: no bundle, no draft, no lock.
    @Test func failedDraftRollsTheBundleBack() throws {
        let s = try base.makeSite("draftfull")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let probe = s.dir.appendingPathComponent("probe")
        try FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)
        if E2E.isRoot { _ = try E2E.run([], shell: "chmod 777 '\(probe.path)'") }
        let first = try E2E.run(base.collectArgs(s, out: probe) + ["--email-limit", "0"], prefix: s.prefix, environment: base.fixedTime)
        #expect(first.status == 0, "\(first.stderr)")
        let bundleSize = try #require(try names(probe).first { $0.hasSuffix(".zip") }
            .map { try FileManager.default.attributesOfItem(atPath: probe.appendingPathComponent($0).path)[.size] as! Int })
        let args = (base.collectArgs(s) + ["--email-limit", "0"]).map { "'\($0)'" }.joined(separator: " ")
        let run = try E2E.run([], shell: "trap '' XFSZ; exec /usr/bin/prlimit --fsize=\(bundleSize + 4096) \(s.prefix.joined(separator: " ")) '\(E2E.binary.path)' \(args)")
        #expect(run.status == 1, "expected exit 1, got \(run.status): \(run.stderr)")
        #expect(run.stderr.contains("no bundle written") && run.stderr.lowercased().contains("file too large"), "\(run.stderr)")
        #expect(names(s.out).isEmpty, "exit 1 left files: \(names(s.out))")
    }

    /// What a killed run left with final names (bundle, parts, drafts; its lock still there) and
    /// its work folder are removed by the next run; a live run's set and work folder are kept.
    @Test func nextRunRollsBackAKilledRunsOutputButNotALiveOne() throws {
        let s = try base.makeSite("rollback")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        let dead = p.processIdentifier
        let live = ProcessInfo.processInfo.processIdentifier   // this test process: it runs
        let gone = "AMT-Old-1-20261101T000000Z", kept = "AMT-Busy-2-20261101T000000Z"
        func put(_ name: String, _ text: String = "x") throws {
            try Data(text.utf8).write(to: s.out.appendingPathComponent(name))
        }
        try put(".\(gone).run-lock", "\(dead)\n")
        for n in ["\(gone).zip", "\(gone)-part1of2.zip", "\(gone)-part2of2.zip", "\(gone)-part1of2.eml", ".\(gone)-part2of2.eml.partial-\(dead)"] {
            try put(n)
        }
        try FileManager.default.createDirectory(at: s.out.appendingPathComponent(".amt-work-\(dead)/raw"), withIntermediateDirectories: true)
        try put(".\(kept).run-lock", "\(live)\n")
        try put("\(kept).zip")
        try FileManager.default.createDirectory(at: s.out.appendingPathComponent(".amt-work-\(live)"), withIntermediateDirectories: true)
        if E2E.isRoot { _ = try E2E.run([], shell: "chmod -R a+rwX '\(s.out.path)'") }
        let r = try E2E.run(base.collectArgs(s), prefix: s.prefix, environment: base.fixedTime)
        #expect(r.status == 0, "\(r.stderr)")
        let after = names(s.out)
        #expect(after.filter { $0.contains(gone) || $0 == ".amt-work-\(dead)" }.isEmpty, "leftovers of the killed run: \(after)")
        #expect(after.contains(".\(kept).run-lock") && after.contains("\(kept).zip") && after.contains(".amt-work-\(live)"),
                "a live run's files were removed: \(after)")
        #expect(after.filter { $0.hasPrefix("AMT-Demo_Site-E2E-1-") }.count == 2, "\(after)")   // the new bundle and its draft
    }

    /// A run killed while it holds final-name files leaves its lock beside them; the next run
    /// removes them all.
    @Test func runKilledDuringTheEmailStepIsRolledBack() throws {
        let s = try base.makeSite("killsplit")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let big = s.dir.appendingPathComponent("big.log")
        var text = ""
        for i in 0..<200_000 { text += "2026-11-25 10:00:00,\(i % 1000) [7] INFO AMT.Big - line \(i) \(i &* 2654435761 % 1_000_003)\n" }
        try Data(text.utf8).write(to: big)
        if E2E.isRoot { _ = try E2E.run([], shell: "chmod 644 '\(big.path)'") }
        let process = Process()
        let args = base.collectArgs(s) + ["--include", big.path, "--email-limit", "200KB", "--compression", "small"]
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
        let deadline = Date().addingTimeInterval(120)
        var sawFinal = false
        while Date() < deadline, process.isRunning {
            // The bundle has its final name and the split has begun.
            let n = names(s.out)
            if n.contains(where: { $0.hasPrefix("AMT-") && $0.hasSuffix(".zip") }),
               n.contains(where: { $0.contains("-part") }) { sawFinal = true; break }
            usleep(1_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let left = names(s.out)
        if sawFinal, left.contains(where: { $0.hasPrefix("AMT-") }) {
            #expect(left.contains { $0.hasSuffix(".run-lock") }, "final-name files without the killed run's lock: \(left)")
        }
        let next = try E2E.run(base.collectArgs(s), prefix: s.prefix, environment: base.fixedTime)
        #expect(next.status == 0, "\(next.stderr)")
        let after = names(s.out)
        #expect(after.filter { !$0.hasPrefix("AMT-Demo_Site-E2E-1-20261118T110640Z.") }.isEmpty, "leftovers: \(after)")
        #expect(after.count == 2, "\(after)")
    }

    /// Runs in the same second with the same case and site: the second takes `-2`, the third
    /// `-3`; two at once both succeed with different names.
    @Test func runsInTheSameSecondDoNotCollide() throws {
        let s = try base.makeSite("samesecond")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        var bundles: [String] = []
        for _ in 0..<2 {
            let r = try E2E.run(base.collectArgs(s), prefix: s.prefix, environment: base.fixedTime)
            #expect(r.status == 0, "\(r.stderr)")
            let result = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            bundles.append(URL(fileURLWithPath: result?["bundle"] as? String ?? "").lastPathComponent)
        }
        #expect(bundles == ["AMT-Demo_Site-E2E-1-20261118T110640Z.zip", "AMT-Demo_Site-E2E-1-20261118T110640Z-2.zip"])
        // Two at once.
        let args = base.collectArgs(s).map { "'\($0)'" }.joined(separator: " ")
        let cmd = "\(s.prefix.joined(separator: " ")) '\(E2E.binary.path)' \(args)"
        let both = try E2E.run([], environment: base.fixedTime,
                               shell: "(\(cmd) >/dev/null 2>\(s.dir.path)/a.err; echo $? > \(s.dir.path)/a.rc) & (\(cmd) >/dev/null 2>\(s.dir.path)/b.err; echo $? > \(s.dir.path)/b.rc) & wait")
        #expect(both.status == 0)
        for x in ["a", "b"] {
            let rc = (try? String(contentsOf: s.dir.appendingPathComponent("\(x).rc"), encoding: .utf8)) ?? ""
            let err = (try? String(contentsOf: s.dir.appendingPathComponent("\(x).err"), encoding: .utf8)) ?? ""
            #expect(rc.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "run \(x): \(err)")
        }
        let zips = names(s.out).filter { $0.hasSuffix(".zip") }
        #expect(zips.count == 4, "\(names(s.out))")
        #expect(names(s.out).filter { $0.hasPrefix(".") }.isEmpty, "locks or temporary files left: \(names(s.out))")
        for z in zips {
            let v = try E2E.run(["verify", s.out.appendingPathComponent(z).path])
            #expect(v.status == 0, "\(z): \(v.stderr)")
        }
    }

    // MARK: - Command line

    /// `--tz -05:00` and `--tz=-05:00` are the offset, for collect and for parse.
    @Test func negativeTimeZoneOffsetIsAValue() throws {
        let file = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site/ProgramData/AMT/Services/AMTError_Service.log").path
        for tz in [["--tz", "-05:00"], ["--tz=-05:00"]] {
            let r = try E2E.run(["parse", file] + tz)
            #expect(r.status == 0, "\(tz): \(r.stderr)")
            // 2026-11-22 06:00:00,000 local at UTC-5 is 11:00 UTC.
            #expect(r.stdout.contains("\"@timestamp\":\"2026-11-22T11:00:00.000Z\""), "\(tz): \(r.stdout.prefix(400))")
            #expect(r.stdout.contains("\"time_source\":\"local\""), "\(tz)")
        }
        let s = try base.makeSite("tz")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        for tz in [["--tz", "-05:00"], ["--tz=-05:00"]] {
            let r = try E2E.run(["collect", "--root", s.site.path, "--out", s.out.path, "--batch", "--dry-run"] + tz)
            #expect(r.status == 0, "\(tz): \(r.stderr)")
        }
    }

    @Test func badTimeZonesAreRefused() throws {
        let file = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site/ProgramData/AMT/Services/AMTError_Service.log").path
        let dir = try E2E.tempDir("badtz")
        defer { try? FileManager.default.removeItem(at: dir) }
        for tz in ["+15:00", "-14:30", "Mars/Olympus_Mons", "+99:00"] {
            for args in [["parse", file, "--tz", tz], ["collect", "--root", dir.path, "--out", dir.path + "-out", "--batch", "--dry-run", "--tz", tz]] {
                let r = try E2E.run(args)
                #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
                #expect(r.stderr.contains("unknown time zone '\(tz)'"), "\(args): \(r.stderr)")
            }
        }
    }

    @Test func badWindowsOptInsAndOutputsAreUsageErrors() throws {
        let dir = try E2E.tempDir("badargs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("out").path
        let common = ["collect", "--root", root.path, "--batch", "--dry-run"]
        let later = try E2E.run(common + ["--out", out, "--since", "2026-11-20", "--until", "2026-11-10"])
        #expect(later.status == 64, "\(later.stderr)")
        #expect(later.stderr.contains("is later than --until"), "\(later.stderr)")
        let offset = try E2E.run(common + ["--out", out, "--since", "2026-11-20T08:00+99:00"])
        #expect(offset.status == 64, "\(offset.stderr)")
        #expect(offset.stderr.contains("--since"), "\(offset.stderr)")
        let optIn = try E2E.run(common + ["--out", out, "--opt-in", "security-evtxx"])
        #expect(optIn.status == 64, "\(optIn.stderr)")
        #expect(optIn.stderr.contains("unknown id 'security-evtxx'") && optIn.stderr.contains("event_log_security"), "\(optIn.stderr)")
        let file = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        let outFile = try E2E.run(["collect", "--root", root.path, "--batch", "--out", file.path])
        #expect(outFile.status == 64, "\(outFile.stderr)")
        #expect(outFile.stderr.contains("is a file, not a folder"), "\(outFile.stderr)")
        #expect((try? String(contentsOf: file, encoding: .utf8)) == "x")
    }

    @Test func catalogOnAMissingRootExits1WithOneLine() throws {
        let r = try E2E.run(["catalog", "--root", "/nonexistent/amt-root"])
        #expect(r.status == 1, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("/nonexistent/amt-root") && r.stderr.contains("not a folder"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    /// An empty event log is reported by its source path, never by the work file it was parsed from.
    @Test func messagesNameSourcesNotWorkFiles() throws {
        let s = try base.makeSite("emptyevtx")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let evtx = s.site.appendingPathComponent("Windows/System32/winevt/Logs/System.evtx")
        try Data().write(to: evtx)
        if E2E.isRoot { _ = try E2E.run([], shell: "chmod 644 '\(evtx.path)'") }
        let r = try E2E.run(base.collectArgs(s), prefix: s.prefix, environment: base.fixedTime)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains(".amt-work-") && !r.stdout.contains(".amt-work-"), "\(r.stderr)\n\(r.stdout)")
        let warning = r.stderr.split(separator: "\n").first { $0.contains("System.evtx") }
        #expect(warning != nil, "no warning names System.evtx: \(r.stderr)")
        #expect(!(warning ?? "").contains("raw-"), "\(warning ?? "")")
    }
}
