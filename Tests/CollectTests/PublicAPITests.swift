import Bundler
import Collect
import Collector
import Foundation
import LogRecord
import Logging
import SystemPackage
import Testing
import Triage

// The engine as another front end sees it: a plain `import Collect` (no `@testable`), so this
// file compiles only against the public API.

private let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

private func temporaryFolder() throws -> FilePath {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("amt-engine-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return FilePath(url.path)
}

/// Records what the engine reports, from whichever thread it reports on.
private final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var steps: [CollectProgress] = []
    func add(_ step: CollectProgress) {
        lock.lock()
        steps.append(step)
        lock.unlock()
    }
    var all: [CollectProgress] {
        lock.lock()
        defer { lock.unlock() }
        return steps
    }
}

@Suite("Engine public API")
struct PublicAPITests {
    @Test func collectsTheDemoSiteThroughSettingsAndOutcome() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: out.string) }
        let root = FilePath(repoRoot.appendingPathComponent("Fixtures/demo-site").path)
        let settings = CollectSettings(
            root: root, outputDirectory: out, caseID: "4711", site: "Main Office", zone: SiteZone.named("UTC")!,
            fixedCreated: Timestamp(microsecondsSinceEpoch: 1_796_000_000_000_000))
        let log = ProgressLog()
        let outcome = try CollectJob(settings: settings, logger: Logger(label: "test"), progress: log.add).run()
        #expect(outcome.claim.release() == nil)

        #expect(outcome.bundle.lastComponent?.string == "AMT-Main_Office-4711-20261130T005320Z.zip")
        #expect(FileManager.default.fileExists(atPath: outcome.bundle.string))
        #expect(outcome.bytes > 0)
        #expect(outcome.sources > 5)
        #expect(outcome.records > 100)
        let report = BundleVerifier.verify(outcome.bundle)
        #expect(report.isWhole, "\(report.problems)")

        // Discovery first, then one step per source in order, then the end of the sources.
        let steps = log.all
        #expect(steps.first == .discovering(root: root))
        let numbers = steps.compactMap { step -> Int? in
            if case .source(let number, _) = step { return number }
            return nil
        }
        #expect(numbers == Array(1...outcome.sources))
        #expect(steps.last == .sourcesDone(count: outcome.sources))
    }

    @Test func planListsWhatWouldBeReadAndWritesNothing() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: out.string) }
        let root = FilePath(repoRoot.appendingPathComponent("Fixtures/demo-site").path)
        let plan = CollectJob.plan(settings: CollectSettings(root: root, outputDirectory: out), logger: Logger(label: "test"))
        #expect(plan.sources.contains { $0.relativePath.hasSuffix("AMTError.log") })
        #expect(plan.sources.allSatisfy { !$0.relativePath.isEmpty })
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.string).isEmpty)
    }

    @Test func checklistAnswersAreValidatedWithTheirItem() throws {
        var checklist = Tier1Checklist()
        try checklist.apply("power=yes:UPS tested")
        #expect(checklist.entry("power").answer == .yes)
        #expect(checklist.entry("power").note == "UPS tested")
        #expect(throws: CollectError.self) { try checklist.apply("power=maybe") }
        #expect(throws: CollectError.self) { try checklist.apply("coffee=yes") }
    }

    /// One unit policy for every size option: K/M/G and KB/MB/GB are 1000s, KiB/MiB/GiB 1024s.
    @Test func sizesHaveOneUnitPolicy() {
        #expect(ByteSize.parse("25M") == 25_000_000)
        #expect(ByteSize.parse("25MB") == 25_000_000)
        #expect(ByteSize.parse("25 mb") == 25_000_000)
        #expect(ByteSize.parse("64MiB") == 64 << 20)
        #expect(ByteSize.parse("500K") == 500_000)
        #expect(ByteSize.parse("500KiB") == 500 << 10)
        #expect(ByteSize.parse("1.5GB") == 1_500_000_000)
        #expect(ByteSize.parse("1GiB") == 1 << 30)
        #expect(ByteSize.parse("15000000") == 15_000_000)
        #expect(ByteSize.parse("0") == 0)
        #expect(ByteSize.parse("123B") == 123)
        for bad in ["", "M", "-5M", "5x", "1e3M", "nan", "inf", "99999999999999999999", "2000TB", "1,5MB", "0x10"] {
            #expect(ByteSize.parse(bad) == nil, "\(bad)")
        }
    }
}
