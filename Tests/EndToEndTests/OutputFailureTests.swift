import Foundation
import Testing

/// Output that cannot be written is never lost silently: a failed write to stdout exits 1 naming
/// it; a reader that closes the pipe early ends the command quietly, with the status the command
/// reached (0, or 1 for what failed before: an unreadable file, a bundle that is not whole).
@Suite(.serialized) struct OutputFailureTests {
    static let hasDevFull = FileManager.default.fileExists(atPath: "/dev/full")
    static let demoSite = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site").path
    static let msiLog = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site/Windows/Temp/MSI3f2a1.LOG").path
    static let evtx = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site/Windows/System32/winevt/Logs/System.evtx").path

    /// Runs `arguments` with stdout sent to `/dev/full`.
    func runToFull(_ arguments: [String]) throws -> E2E.Result {
        let quoted = ([E2E.binary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return try E2E.run([], shell: quoted.joined(separator: " ") + " > /dev/full")
    }

    /// Runs `arguments` with stdout a pipe whose reading end is closed before the binary starts,
    /// so that its first write to stdout fails with EPIPE, however small the output.
    func runToClosedPipe(_ arguments: [String]) throws -> (status: Int32, signaled: Bool, stderr: String) {
        let process = Process()
        process.executableURL = E2E.binary
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try pipe.fileHandleForReading.close()
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("amt-e2e-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try pipe.fileHandleForWriting.close()
        process.waitUntilExit()
        try errHandle.close()
        let err = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal, err)
    }

    /// A bundle of the demo site, collected into a fresh folder (`dir`, to remove afterwards).
    func demoBundle(_ name: String) throws -> (dir: URL, bundle: String) {
        let dir = try E2E.tempDir(name)
        let run = try E2E.run(["collect", "--root", Self.demoSite, "--out", dir.path, "--case", "OUT-1", "--site", "Demo",
                               "--tz", "America/New_York", "--batch", "--json", "--email-limit", "0"])
        #expect(run.status == 0, "collect: \(run.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        return (dir, try #require(obj?["bundle"] as? String))
    }

    func expectFullDiskNamed(_ r: E2E.Result, _ arguments: [String]) {
        #expect(!r.signaled, "\(arguments)")
        #expect(r.status == 1, "\(arguments): status \(r.status): \(r.stderr)")
        #expect(r.stderr.contains("cannot write to stdout"), "\(arguments): \(r.stderr)")
        #expect(r.stderr.contains("No space left on device"), "\(arguments): \(r.stderr)")
    }

    @Test(.enabled(if: hasDevFull), arguments: [
        ["parse", msiLog],
        ["parse", evtx],
        ["parse", evtx, "--xml"],
        ["parse", msiLog, "--redact", "secrets"],
        ["parse", demoSite + "/Program Files/Microsoft SQL Server/150/Setup Bootstrap/Log/Log20261119_221005.cab"],
        ["summary", msiLog],
        ["summary", "--json", msiLog],
        ["catalog", "--json", "--root", demoSite],
        ["verify", "--json", msiLog],
        ["collect", "--root", demoSite, "--dry-run", "--batch", "--json"],
        ["--help"],
        ["parse", "--help"],
        ["--version"],
    ])
    func aFullDiskBehindStdoutFails(_ arguments: [String]) throws {
        expectFullDiskNamed(try runToFull(arguments), arguments)
    }

    /// The commands that read a bundle, and `collect --json` (whose bundle is written before its
    /// result is printed: the failure is still the command's).
    @Test(.enabled(if: hasDevFull)) func aFullDiskBehindStdoutFailsForBundles() throws {
        let (dir, bundle) = try demoBundle("fullbundle")
        defer { try? FileManager.default.removeItem(at: dir) }
        for arguments in [["summary", bundle], ["summary", "--json", bundle], ["verify", "--json", bundle]] {
            expectFullDiskNamed(try runToFull(arguments), arguments)
        }
        let out = dir.appendingPathComponent("again")
        let collect = ["collect", "--root", Self.demoSite, "--out", out.path, "--case", "OUT-2", "--site", "Demo",
                       "--batch", "--json", "--email-limit", "0"]
        let full = try runToFull(collect)
        expectFullDiskNamed(full, collect)
        // Exit 1 means no bundle: the set whose result could not be delivered is gone.
        #expect(full.stderr.contains("no bundle written"), "\(full.stderr)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(!left.contains { $0.hasSuffix(".zip") || $0.hasSuffix(".eml") }, "\(left)")
    }

    @Test(.enabled(if: hasDevFull)) func aFullDiskIsNamedOnceAndOtherFilesAreNotBlamed() throws {
        // Two files: the failure ends the command at the first; the second is not reported as unreadable.
        let r = try runToFull(["parse", Self.msiLog, Self.evtx])
        #expect(r.status == 1)
        #expect(r.stderr.components(separatedBy: "cannot write to stdout").count == 2, "\(r.stderr)")
        #expect(!r.stderr.contains(Self.evtx), "\(r.stderr)")
    }

    /// A log large enough that its records overflow a pipe's buffer many times over.
    func bigLog() throws -> URL {
        let dir = try E2E.tempDir("pipe")
        var text = ""
        for i in 0..<60_000 {
            text += "2026-11-20 08:00:\(String(format: "%02d", i % 60)) ERROR something went wrong, attempt \(i) of many\n"
        }
        let url = dir.appendingPathComponent("big.log")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test(.enabled(if: E2E.isLinux), arguments: [["parse"], ["summary"], ["summary", "--json"]])
    func aClosedPipeEndsQuietly(_ command: [String]) throws {
        let log = try bigLog()
        defer { try? FileManager.default.removeItem(at: log.deletingLastPathComponent()) }
        let dir = log.deletingLastPathComponent().path
        let args = (command + [log.path]).map { "'\($0)'" }.joined(separator: " ")
        // The reader takes one line and goes; the exit status and stderr of amt-collect are kept.
        let shell = "{ '\(E2E.binary.path)' \(args) 2>'\(dir)/err'; echo $? >'\(dir)/rc'; } | head -1 >/dev/null"
        let r = try E2E.run([], shell: shell)
        #expect(r.status == 0)
        let rc = try String(contentsOfFile: dir + "/rc", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let err = try String(contentsOfFile: dir + "/err", encoding: .utf8)
        #expect(rc == "0", "status \(rc): \(err)")
        #expect(err.isEmpty, "\(err)")
    }

    @Test(.enabled(if: E2E.isLinux)) func aClosedPipeStopsTheWorkEarly() throws {
        // The records of the big log are several MB; the reader closes at once. The writer ends
        // at the first write after that, quietly (not killed by SIGPIPE).
        let log = try bigLog()
        defer { try? FileManager.default.removeItem(at: log.deletingLastPathComponent()) }
        let dir = log.deletingLastPathComponent().path
        let shell = "{ '\(E2E.binary.path)' parse '\(log.path)' '\(log.path)' 2>'\(dir)/err'; echo $? >'\(dir)/rc'; } | true"
        _ = try E2E.run([], shell: shell)
        let rc = try String(contentsOfFile: dir + "/rc", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let err = try String(contentsOfFile: dir + "/err", encoding: .utf8)
        #expect(rc == "0", "status \(rc) (141 is death by SIGPIPE): \(err)")
        #expect(err.isEmpty, "\(err)")
    }

    /// Every command that writes to stdout, its first write failing with EPIPE: quiet, status 0.
    @Test(.enabled(if: E2E.isLinux)) func aClosedPipeEndsEveryCommandQuietly() throws {
        let (dir, bundle) = try demoBundle("closedpipe")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("again")
        let commands: [[String]] = [
            ["parse", Self.msiLog], ["parse", Self.evtx], ["parse", "--xml", Self.evtx],
            ["summary", Self.msiLog], ["summary", "--json", Self.msiLog],
            ["summary", bundle], ["summary", "--json", bundle],
            ["verify", "--json", bundle], ["catalog", "--json", "--root", Self.demoSite],
            ["collect", "--root", Self.demoSite, "--dry-run", "--batch", "--json"],
            ["collect", "--root", Self.demoSite, "--out", out.path, "--case", "OUT-3", "--site", "Demo",
             "--batch", "--json", "--email-limit", "0"],
            ["--help"], ["--version"],
        ]
        for arguments in commands {
            let r = try runToClosedPipe(arguments)
            #expect(!r.signaled, "\(arguments): killed by a signal")
            #expect(r.status == 0, "\(arguments): status \(r.status): \(r.stderr)")
            #expect(!r.stderr.contains("cannot write"), "\(arguments): \(r.stderr)")
            #expect(!r.stderr.contains("amt-collect:"), "\(arguments): \(r.stderr)")
        }
        // collect wrote its bundle; only the result line went unread.
        let made = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(made.contains { $0.hasSuffix(".zip") }, "\(made)")
    }

    /// A closed pipe keeps the status the command had reached: `verify` of something that is not
    /// whole is still 1, and so is `parse` or `summary` after a file it could not read.
    @Test(.enabled(if: E2E.isLinux)) func aClosedPipeKeepsTheStatusReached() throws {
        let missing = "/nonexistent/amt-e2e.log"
        for arguments in [["verify", "--json", Self.msiLog], ["parse", missing, Self.msiLog],
                          ["summary", missing, Self.msiLog], ["summary", "--json", missing, Self.msiLog]] {
            let r = try runToClosedPipe(arguments)
            #expect(!r.signaled, "\(arguments)")
            #expect(r.status == 1, "\(arguments): status \(r.status): \(r.stderr)")
            #expect(!r.stderr.contains("cannot write"), "\(arguments): \(r.stderr)")
        }
        let verify = try runToClosedPipe(["verify", "--json", Self.msiLog])
        #expect(verify.stderr.contains("NOT whole"), "\(verify.stderr)")
        let parse = try runToClosedPipe(["parse", missing, Self.msiLog])
        #expect(parse.stderr.contains(missing), "\(parse.stderr)")
    }
}
