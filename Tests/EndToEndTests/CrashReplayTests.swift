import Foundation
import Testing

/// Every input in `Fixtures/crashes/` once made `amt-collect` trap. Each is replayed through the
/// built binary the ways that reached the crash: `parse` by detection and as its own kind, under
/// every redaction mode, and `collect --include` with `--redact pii`. A normal exit is required;
/// a signal (the traps were SIGILL) fails the test.
@Suite("Crash inputs replayed")
struct CrashReplayTests {
    static let folder = E2E.packageRoot.appendingPathComponent("Fixtures/crashes")

    static var inputs: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0 != "README.md" && !$0.hasPrefix(".") }.sorted()
    }

    @Test("the crash folder holds inputs")
    func folderIsNotEmpty() {
        #expect(Self.inputs.count >= 2, "Fixtures/crashes lost its inputs")
    }

    @Test("parse exits normally", arguments: inputs)
    func parse(_ name: String) throws {
        let path = Self.folder.appendingPathComponent(name).path
        let kind = String(name.split(separator: "-", maxSplits: 1)[0])
        var ways: [[String]] = [["parse", path]]
        if kind != "evtx" { ways.append(["parse", path, "--kind", kind]) }
        for way in ways {
            for mode in ["none", "secrets", "pii"] {
                let args = way + ["--redact", mode, "--tz", "UTC"]
                let r = try E2E.run(args)
                #expect(!r.signaled, "\(args.joined(separator: " ")) was killed by a signal: \(r.stderr.prefix(400))")
                #expect(r.status == 0, "\(args.joined(separator: " ")) exited \(r.status): \(r.stderr.prefix(400))")
            }
        }
    }

    @Test("collect with the input included writes a bundle", arguments: inputs)
    func collect(_ name: String) throws {
        let root = try E2E.tempDir("crash-root"), out = try E2E.tempDir("crash-out")
        defer {
            try? FileManager.default.removeItem(at: root)
            try? FileManager.default.removeItem(at: out)
        }
        let path = Self.folder.appendingPathComponent(name).path
        let r = try E2E.run(["collect", "--root", root.path, "--out", out.path, "--include", path,
                             "--redact", "pii", "--batch", "--case", "CRASH", "--site", "Replay",
                             "--tz", "UTC", "--email-limit", "0"])
        #expect(!r.signaled, "collect was killed by a signal: \(r.stderr.prefix(400))")
        #expect(r.status == 0, "collect exited \(r.status): \(r.stderr.prefix(400))")
        let bundles = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".zip") }
        #expect(bundles.count == 1, "expected one bundle, found \(bundles)")
    }
}
