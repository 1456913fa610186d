import Foundation
import Testing

/// Output that cannot be written is never lost silently: a failed write to stdout exits 1 naming
/// it; a reader that closes the pipe early ends the command quietly.
@Suite(.serialized) struct OutputFailureTests {
    static let hasDevFull = FileManager.default.fileExists(atPath: "/dev/full")
    static let msiLog = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site/Windows/Temp/MSI3f2a1.LOG").path
    static let evtx = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site/Windows/System32/winevt/Logs/System.evtx").path

    /// Runs `arguments` with stdout sent to `/dev/full`.
    func runToFull(_ arguments: [String]) throws -> E2E.Result {
        let quoted = ([E2E.binary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return try E2E.run([], shell: quoted.joined(separator: " ") + " > /dev/full")
    }

    @Test(.enabled(if: hasDevFull), arguments: [
        ["parse", msiLog],
        ["parse", evtx],
        ["parse", evtx, "--xml"],
        ["parse", msiLog, "--redact", "secrets"],
        ["summary", msiLog],
        ["summary", "--json", msiLog],
        ["catalog", "--json", "--root", E2E.packageRoot.appendingPathComponent("Fixtures/demo-site").path],
        ["verify", "--json", msiLog],
        ["--help"],
    ])
    func aFullDiskBehindStdoutFails(_ arguments: [String]) throws {
        let r = try runToFull(arguments)
        #expect(!r.signaled)
        #expect(r.status == 1, "\(arguments): \(r.stderr)")
        #expect(r.stderr.contains("cannot write to stdout"), "\(arguments): \(r.stderr)")
        #expect(r.stderr.contains("No space left on device"), "\(arguments): \(r.stderr)")
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
}
