import Foundation
import Testing

/// The command line as a new user meets it: listings that pipe, mistyped commands, a summary of a
/// damaged bundle, an output folder that cannot be made.
@Suite("Command surface")
struct CommandSurfaceTests {
    static let demoSite = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site").path

    @Test func catalogListsOnStdout() throws {
        let r = try E2E.run(["catalog", "--root", Self.demoSite])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("amt_error_logs"), "\(r.stdout)")
        #expect(r.stdout.contains("    found    "), "\(r.stdout)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }

    @Test func mistypedCommandsGetTheClosestOne() throws {
        for (typed, meant) in [("verfy", "verify"), ("sumary", "summary"), ("extrct", "extract"), ("Parse", "parse")] {
            let r = try E2E.run([typed, "x.zip"])
            #expect(r.status == 64, "\(typed): \(r.stderr)")
            #expect(r.stderr.contains("did you mean '\(meant)'?"), "\(typed): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let other = try E2E.run(["bundle.zip"])
        #expect(other.status == 64, "\(other.stderr)")
        #expect(other.stderr.contains("unknown command 'bundle.zip'") && other.stderr.contains("verify"), "\(other.stderr)")
    }

    @Test func summaryOfADamagedBundleWarnsFirstAndFails() throws {
        let out = try E2E.tempDir("surface-summary")
        defer { try? FileManager.default.removeItem(at: out) }
        let made = try E2E.run(["collect", "--root", Self.demoSite, "--out", out.path, "--batch", "--case", "1",
                                "--compression", "small", "--email-limit", "0"])
        #expect(made.status == 0, "\(made.stderr)")
        let zip = try #require(try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasSuffix(".zip") })
        let path = out.appendingPathComponent(zip).path

        let whole = try E2E.run(["summary", path])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(!whole.stderr.contains("does not verify"))

        // One byte changed in the middle of the file: inside some entry's compressed data.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 3] ^= 0x55
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let damaged = try E2E.run(["summary", path])
        #expect(damaged.status == 1, "\(damaged.stderr)")
        #expect(damaged.stderr.hasPrefix("warning: \(path) does not verify"), "\(damaged.stderr)")
    }

    @Test func anOutputFolderThatCannotBeMadeIsNamedWithTheReason() throws {
        let dir = try E2E.tempDir("surface-out")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        let r = try E2E.run(["collect", "--root", Self.demoSite, "--out", file.appendingPathComponent("bundles").path, "--batch"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("cannot create output folder"), "\(r.stderr)")
        #expect(r.stderr.contains("\(file.path): a file is in the way"), "\(r.stderr)")
        let extract = try E2E.run(["extract", "nothing.zip", "--out", file.appendingPathComponent("x").path])
        #expect(extract.status == 1, "\(extract.stderr)")
        #expect(extract.stderr.contains("\(file.path): a file is in the way"), "\(extract.stderr)")
    }
}
