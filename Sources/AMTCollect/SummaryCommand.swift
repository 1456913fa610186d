import ArgumentParser
import Bundler
import LogRecord
import SystemPackage
import Triage

/// `amt-collect summary BUNDLE|FILE...`: the 30-second read of a bundle, or of raw log files.
struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the triage summary of a bundle, or of raw log files."
    )

    @Argument(help: "A bundle (.zip, .tar.gz) or log files.")
    var inputs: [String]

    @Option(help: ArgumentHelp("Time zone of raw logs' local times.", valueName: "ZONE"))
    var tz: String?

    func validate() throws {
        if let tz, SiteZone.named(tz) == nil { throw ValidationError("unknown time zone '\(tz)'") }
    }

    func run() throws {
        var rawFiles: [String] = []
        var failed = false
        for input in inputs {
            if Self.isBundle(input) {
                do {
                    let reader = try BundleReader(path: FilePath(input))
                    guard let entry = try reader.entries().first(where: { $0.name.hasSuffix("/SUMMARY.txt") || $0.name == "SUMMARY.txt" }) else {
                        Console.say("amt-collect: \(input): no SUMMARY.txt in the bundle")
                        failed = true
                        continue
                    }
                    let bytes = try reader.read(entry.name)
                    Console.writeOut(bytes)
                } catch {
                    Console.say("amt-collect: \(input): \(ErrorText.describe(error))")
                    failed = true
                }
            } else {
                rawFiles.append(input)
            }
        }
        if !rawFiles.isEmpty {
            let zone = tz.flatMap(SiteZone.named) ?? .collector
            var sources: [SourceSummary] = []
            var skipped: [(String, String)] = []
            let engine = FindingsEngine(rules: RuleSet.builtin())
            for file in rawFiles {
                var counts = LevelCounts()
                do {
                    let stats = try SourceParsing.parse(path: FilePath(file), kind: nil,
                                                        context: ParseContext(sourcePath: file, zone: zone)) { record in
                        counts.add(record)
                        engine.observe(record)
                    }
                    sources.append(SourceSummary(path: file, dataset: stats.dataset ?? "?", counts: counts,
                                                 status: stats.parseErrors > 0 ? "partial" : "ok",
                                                 note: nil, parseErrors: stats.parseErrors))
                } catch {
                    skipped.append((file, ErrorText.describe(error)))
                    failed = true
                }
            }
            let text = SummaryText.render(SummaryInput(
                caseFields: [], hostFacts: [], collection: [("Files", "\(rawFiles.count) given on the command line")],
                sources: sources, skipped: skipped,
                findings: engine.findings(), messageGroups: engine.messageGroups(limit: 10)))
            Console.writeOut(Array(text.utf8))
        }
        Console.flushOut()
        if failed { throw ExitCode.failure }
    }

    static func isBundle(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".zip") || lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz")
    }
}
