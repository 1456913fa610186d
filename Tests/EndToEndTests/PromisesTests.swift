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

    /// Sources are opened with O_NOATIME (the files are the runner's own, or it is root, so it is
    /// permitted): the access times of every file and folder of the site stay, the expanded cab
    /// and `parse`'s event log and text log too. The control read shows that this file system
    /// does update access times (relatime updates one that is older than the modification time).
    @Test(.enabled(if: E2E.isLinux)) func sourceAccessTimesAreKept() throws {
        let s = try base.makeSite("atime")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let old = 1_600_000_000, newer = 1_700_000_000
        func age(_ url: URL) {
            var times = [timespec(tv_sec: old, tv_nsec: 0), timespec(tv_sec: newer, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, url.path, &times, AT_SYMLINK_NOFOLLOW) == 0, "\(url.path)")
        }
        func atime(_ url: URL) -> Int {
            var st = stat()
            _ = lstat(url.path, &st)
            return Int(st.st_atim.tv_sec)
        }
        let control = s.dir.appendingPathComponent("control.txt")
        try Data("x".utf8).write(to: control)
        age(control)
        _ = try Data(contentsOf: control)
        guard atime(control) != old else { return }   // mounted noatime: nothing to tell apart here

        let evtx = s.dir.appendingPathComponent("Application.evtx")
        try FileManager.default.copyItem(at: E2E.packageRoot.appendingPathComponent("Fixtures/demo-site/Windows/System32/winevt/Logs/Application.evtx"), to: evtx)
        let entries = [s.site] + (FileManager.default.enumerator(atPath: s.site.path)?.allObjects as? [String] ?? [])
            .map { s.site.appendingPathComponent($0) }
            .filter { !$0.path.hasSuffix("Locked.log") }
        #expect(entries.contains { $0.pathExtension.lowercased() == "cab" }, "the site has no cab to expand")
        for e in entries + [evtx] { age(e) }

        // As the files' owner (no setpriv): the case where O_NOATIME is allowed.
        let r = try E2E.run(base.collectArgs(s), environment: base.fixedTime)
        #expect(r.status == 0, "\(r.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect((result?["records"] as? Int ?? 0) > 100)
        let parse = try E2E.run(["parse", evtx.path, s.site.appendingPathComponent("ProgramData/AMT/Services/AMTError_Service.log").path,
                                 "--tz", "UTC"])
        #expect(parse.status == 0, "\(parse.stderr)")
        #expect(parse.stdout.contains("windows.evtx") && parse.stdout.contains("amt.error"))
        for e in entries + [evtx] {
            #expect(atime(e) == old, "the access time of \(e.path.dropFirst(s.dir.path.count)) changed")
        }
    }

    /// Run as a user that does not own the files (nobody, the files being root's), the kernel
    /// refuses O_NOATIME (EPERM): every file is opened again without it and read all the same.
    @Test(.enabled(if: E2E.isRoot && E2E.isLinux)) func filesOfAnotherOwnerAreReadWithoutNoAtime() throws {
        let s = try base.makeSite("otherowner")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        #expect(!s.prefix.isEmpty)
        let asOwner = try E2E.run(base.collectArgs(s, out: s.dir.appendingPathComponent("as-owner")), environment: base.fixedTime)
        #expect(asOwner.status == 0, "\(asOwner.stderr)")
        let r = try E2E.run(base.collectArgs(s), prefix: s.prefix, environment: base.fixedTime)
        #expect(r.status == 0, "\(r.stderr)")
        let owner = try JSONSerialization.jsonObject(with: Data(asOwner.stdout.utf8)) as? [String: Any]
        let other = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        // The same sources and records, but for the one file nobody may read (mode 000); the
        // integrator's trace log on D: (named by its config) is not collected either way.
        #expect(other?["skipped"] as? Int == 2, "\(r.stdout)")
        #expect((other?["sources"] as? Int ?? 0) == (owner?["sources"] as? Int ?? -1) - 1, "\(r.stdout)\n\(asOwner.stdout)")
        #expect((other?["records"] as? Int ?? 0) == (owner?["records"] as? Int ?? -1) - 1, "\(r.stdout)\n\(asOwner.stdout)")
        #expect(owner?["skipped"] as? Int == 1, "\(asOwner.stdout)")
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

    /// Starts the built binary (through `prefix`), its output to files in `dir`; not waited for.
    func start(_ args: [String], prefix: [String], environment: [String: String], dir: URL, tag: String) throws -> Process {
        let process = Process()
        if prefix.isEmpty {
            process.executableURL = E2E.binary
            process.arguments = args
        } else {
            process.executableURL = URL(fileURLWithPath: prefix[0])
            process.arguments = Array(prefix.dropFirst()) + [E2E.binary.path] + args
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        for name in ["\(tag).out", "\(tag).err"] {
            try Data().write(to: dir.appendingPathComponent(name))
        }
        process.standardOutput = try FileHandle(forWritingTo: dir.appendingPathComponent("\(tag).out"))
        process.standardError = try FileHandle(forWritingTo: dir.appendingPathComponent("\(tag).err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs a large collection (split into many parts) and stops it (SIGSTOP) the moment the
    /// output folder shows `moment`; checks what a kill then leaves, kills it (SIGKILL), and has
    /// the next run clean up. Returns whether the moment was caught before the run ended.
    func killRun(at moment: String, emailLimit: String, when: ([String]) -> Bool) throws -> Bool {
        let s = try base.makeSite("kill")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let big = s.dir.appendingPathComponent("big.log")
        var text = ""
        for i in 0..<200_000 { text += "2026-11-25 10:00:00,\(i % 1000) [7] INFO AMT.Big - line \(i) \(i &* 2654435761 % 1_000_003)\n" }
        try Data(text.utf8).write(to: big)
        if E2E.isRoot { _ = try E2E.run([], shell: "chmod 644 '\(big.path)'") }
        let args = base.collectArgs(s) + ["--include", big.path, "--email-limit", emailLimit, "--compression", "small"]
        let process = try start(args, prefix: s.prefix, environment: base.fixedTime, dir: s.dir, tag: "killed")
        let deadline = Date().addingTimeInterval(180)
        var frozen: [String]? = nil
        while Date() < deadline, process.isRunning {
            if when(names(s.out)) {
                kill(process.processIdentifier, SIGSTOP)
                frozen = names(s.out)
                break
            }
            usleep(500)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        guard let frozen, when(frozen) else { return false }
        // Killed now: whatever has a final name has the run's lock beside it, which marks the set
        // as unfinished; the unsplit bundle, where it still has its name, is whole.
        let finals = frozen.filter { $0.hasPrefix("AMT-") }
        #expect(!finals.isEmpty, "\(moment): \(frozen)")
        #expect(frozen.contains { $0.hasSuffix(".run-lock") }, "\(moment): final-name files without the run's lock: \(frozen)")
        if let bundle = finals.first(where: { $0.hasSuffix(".zip") && !$0.contains("-part") }) {
            let v = try E2E.run(["verify", s.out.appendingPathComponent(bundle).path])
            #expect(v.status == 0, "\(moment): \(bundle) is not whole: \(v.stderr)")
        }
        let next = try E2E.run(base.collectArgs(s), prefix: s.prefix, environment: base.fixedTime)
        #expect(next.status == 0, "\(moment): \(next.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(next.stdout.utf8)) as? [String: Any]
        let bundle = URL(fileURLWithPath: result?["bundle"] as? String ?? "").lastPathComponent
        let stem = String(bundle.dropLast(".zip".count))
        // Only the next run's bundle and draft: the killed run's set, parts, drafts, temporary
        // files, lock and work folder are gone.
        #expect(names(s.out) == [stem + ".eml", stem + ".zip"], "\(moment): leftovers: \(names(s.out))")
        return true
    }

    /// Killed while the bundle is split: the unsplit bundle has its final name, parts are being written.
    @Test func runKilledWhileSplittingIsRolledBack() throws {
        var caught = false
        for _ in 0..<3 where !caught {
            caught = try killRun(at: "splitting", emailLimit: "200KB") { n in
                n.contains { $0.hasPrefix("AMT-") && $0.hasSuffix("Z.zip") } && n.contains { $0.contains("-part") && $0.contains(".partial-") }
            }
        }
        #expect(caught, "the run ended before it could be stopped while splitting")
    }

    /// Killed while the parts' drafts are written: parts with final names, some drafts missing.
    @Test func runKilledWhileWritingPartDraftsIsRolledBack() throws {
        var caught = false
        for _ in 0..<3 where !caught {
            caught = try killRun(at: "part drafts", emailLimit: "200KB") { n in
                n.contains { $0.hasPrefix("AMT-") && $0.contains("-part") && $0.hasSuffix(".zip") }
                    && n.contains { $0.contains(".eml.partial-") }
            }
        }
        #expect(caught, "the run ended before it could be stopped while writing the drafts")
    }

    /// Killed while the draft of an unsplit bundle is written.
    @Test func runKilledWhileWritingTheDraftIsRolledBack() throws {
        var caught = false
        for _ in 0..<3 where !caught {
            caught = try killRun(at: "draft", emailLimit: "0") { n in
                n.contains { $0.hasPrefix("AMT-") && $0.hasSuffix(".zip") } && n.contains { $0.contains(".eml.partial-") }
            }
        }
        #expect(caught, "the run ended before it could be stopped while writing the draft")
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
        // Three at once, started together (SOURCE_DATE_EPOCH: the same second for all).
        let runs = try ["a", "b", "c"].map { try start(base.collectArgs(s), prefix: s.prefix, environment: base.fixedTime, dir: s.dir, tag: $0) }
        for p in runs { p.waitUntilExit() }
        var names3: [String] = []
        for (tag, p) in zip(["a", "b", "c"], runs) {
            let err = (try? String(contentsOf: s.dir.appendingPathComponent("\(tag).err"), encoding: .utf8)) ?? ""
            #expect(p.terminationStatus == 0, "run \(tag): \(err)")
            let out = (try? Data(contentsOf: s.dir.appendingPathComponent("\(tag).out"))) ?? Data()
            let result = try? JSONSerialization.jsonObject(with: out) as? [String: Any]
            names3.append(URL(fileURLWithPath: result?["bundle"] as? String ?? "").lastPathComponent)
        }
        #expect(Set(names3) == ["AMT-Demo_Site-E2E-1-20261118T110640Z-3.zip", "AMT-Demo_Site-E2E-1-20261118T110640Z-4.zip",
                                "AMT-Demo_Site-E2E-1-20261118T110640Z-5.zip"], "\(names3)")
        let zips = names(s.out).filter { $0.hasSuffix(".zip") }
        #expect(zips.count == 5, "\(names(s.out))")
        #expect(names(s.out).filter { $0.hasSuffix(".eml") }.count == 5, "\(names(s.out))")
        #expect(names(s.out).filter { $0.hasPrefix(".") }.isEmpty, "locks or temporary files left: \(names(s.out))")
        for z in zips {
            let v = try E2E.run(["verify", s.out.appendingPathComponent(z).path])
            #expect(v.status == 0, "\(z): \(v.stderr)")
        }
    }

    /// A full disk at every stage, on a small tmpfs as --out (root only: mounting needs it):
    /// sizes from too small for the work files up to room for everything. Each run ends either
    /// with exit 0 and its whole set, or with exit 1, a message that names the output folder (not
    /// a work or temporary file), and nothing left behind. Among the sizes, the parts and the
    /// parts' drafts must each have been the step that failed.
    @Test(.enabled(if: E2E.isRoot && E2E.isLinux)) func fullDiskAtEveryStepLeavesNothing() throws {
        let s = try base.makeSite("tmpfs")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        // What the run leaves (parts and drafts) sets the range of sizes tried.
        let probeDir = s.dir.appendingPathComponent("probe")
        let probe = try E2E.run(base.collectArgs(s, out: probeDir) + ["--email-limit", "64000"], environment: base.fixedTime)
        #expect(probe.status == 0, "\(probe.stderr)")
        let total = try names(probeDir).reduce(0) { sum, name in
            sum + (try FileManager.default.attributesOfItem(atPath: probeDir.appendingPathComponent(name).path)[.size] as? Int ?? 0)
        } / 1024
        #expect(total > 64, "\(names(probeDir))")
        let mnt = s.dir.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mnt, withIntermediateDirectories: true)
        var failedAt: Set<String> = []
        var succeeded = false
        for kib in stride(from: 48, through: 2 * total + 64, by: max(8, total / 16)) {
            let mounted = try E2E.run([], shell: "mount -t tmpfs -o size=\(kib)k,mode=1777 tmpfs '\(mnt.path)' 2>&1")
            guard mounted.status == 0 else { return }   // this container may not mount
            defer { _ = try? E2E.run([], shell: "umount '\(mnt.path)'") }
            let r = try E2E.run(base.collectArgs(s, out: mnt) + ["--email-limit", "64000"], prefix: s.prefix, environment: base.fixedTime)
            let left = names(mnt)
            if r.status == 0 {
                succeeded = true
                #expect(left.filter { $0.hasPrefix(".") }.isEmpty, "\(kib)K: \(left)")
                #expect(left.filter { $0.hasSuffix(".eml") }.count == left.filter { $0.hasSuffix(".zip") }.count, "\(kib)K: \(left)")
                continue
            }
            #expect(r.status == 1, "\(kib)K: \(r.status) \(r.stderr)")
            #expect(left.isEmpty, "\(kib)K: exit 1 left \(left)")
            let failure = r.stderr.split(separator: "\n").first { $0.hasPrefix("amt-collect: collection failed, no bundle written") }
            #expect(failure != nil, "\(kib)K: \(r.stderr)")
            #expect(!r.stderr.contains(".amt-work-") && !r.stderr.contains(".partial-") && !r.stderr.contains(".run-lock"),
                    "\(kib)K: a work or temporary file named: \(r.stderr)")
            #expect(r.stderr.contains("No space left on device"), "\(kib)K: \(r.stderr)")
            let line = String(failure ?? "")
            if line.contains("cannot write in \(mnt.path):") { failedAt.insert("work") }
            if line.contains("email failed: cannot write bundle"), line.contains("-part") { failedAt.insert("parts") }
            if line.contains("email failed: cannot write the email draft"), line.contains("-part") { failedAt.insert("part drafts") }
        }
        #expect(succeeded, "no size was large enough")
        #expect(failedAt.isSuperset(of: ["work", "parts", "part drafts"]), "steps seen failing: \(failedAt)")
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

    /// An empty event log and a damaged one inside an archive are reported by their source
    /// paths, never by the work files they were parsed from: on stderr, in the JSON result, in
    /// the manifest and SUMMARY.txt; `parse` of the archive names the member the same way.
    @Test func messagesNameSourcesNotWorkFiles() throws {
        let s = try base.makeSite("emptyevtx")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let evtx = s.site.appendingPathComponent("Windows/System32/winevt/Logs/System.evtx")
        try Data().write(to: evtx)
        // A zip with an event log that is only its signature (shorter than a file header).
        let zip = s.dir.appendingPathComponent("events.zip")
        let py = "import zipfile; z = zipfile.ZipFile('\(zip.path)', 'w'); z.writestr('logs/Broken.evtx', b'ElfFile\\0' + b'\\1' * 12); z.close()"
        let made = try E2E.run([], shell: "python3 -c \"\(py)\"")
        #expect(made.status == 0, "\(made.stderr)")
        if E2E.isRoot { _ = try E2E.run([], shell: "chmod 644 '\(evtx.path)' '\(zip.path)'") }
        let r = try E2E.run(base.collectArgs(s) + ["--include", zip.path], prefix: s.prefix, environment: base.fixedTime)
        #expect(r.status == 0, "\(r.stderr)")
        for text in [r.stderr, r.stdout] {
            #expect(!text.contains(".amt-work-") && !text.contains("raw-") && !text.contains("member-"), "\(text)")
        }
        let lines = r.stderr.split(separator: "\n")
        let empty = lines.first { $0.contains("System.evtx") }
        #expect(empty?.contains(evtx.path) == true, "no warning names \(evtx.path): \(r.stderr)")
        let member = lines.first { $0.contains("Broken.evtx") }
        #expect(member?.contains("events.zip.expanded/logs/Broken.evtx") == true, "no warning names the member: \(r.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let bundle = try #require(result?["bundle"] as? String)
        let entries = try E2E.readArchive(bundle)
        for (name, bytes) in entries where name.hasSuffix("manifest.json") || name.hasSuffix("SUMMARY.txt") || name.hasSuffix("REPORT.html") {
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains(".amt-work-") && !text.contains("/raw-") && !text.contains("/member-"), "\(name) names a work file")
            #expect(text.contains("Broken.evtx"), "\(name) does not list the damaged member")
        }

        let parse = try E2E.run(["parse", zip.path])
        #expect(parse.status == 1, "\(parse.stderr)")
        #expect(parse.stderr.contains("events.zip.expanded/logs/Broken.evtx"), "\(parse.stderr)")
        #expect(!parse.stderr.contains("amt-parse-") && !parse.stderr.contains("member-"), "\(parse.stderr)")
    }
}
