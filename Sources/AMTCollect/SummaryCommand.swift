import ArgumentParser
import Bundler
import Collect
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

    @Flag(help: "Print machine-readable JSON instead: for a bundle its case, host, findings and files from the manifest; for raw files the findings and per-source counts.")
    var json = false

    func validate() throws {
        if let tz, SiteZone.named(tz) == nil { throw ValidationError("unknown time zone '\(tz)'") }
    }

    func run() throws {
        var failed = false
        do {
            try summarize(failed: &failed)
        } catch let failure as StdoutError where failure.isClosedPipe {
            // The reader closed the pipe: what is left is not summarized; the status is that of
            // the inputs read so far.
        }
        if failed { throw ExitCode.failure }
    }

    /// Prints the summary of every input; `failed` is set for each that could not be read.
    /// - Throws: `StdoutError`, which ends the loop at once (a closed pipe or a failed write).
    private func summarize(failed: inout Bool) throws {
        var rawFiles: [String] = []
        for input in inputs {
            if Self.isBundle(input) {
                do {
                    let passphrase = try Passphrase.ifNeeded(for: [FilePath(input)])
                    // A summary is only as good as the bundle: one whose hashes do not match is
                    // named first, and the command fails, though what it holds is still shown.
                    let check = BundleVerifier.verify(FilePath(input), passphrase: passphrase)
                    if !check.isWhole {
                        let first = check.problems.prefix(3).joined(separator: "; ")
                        Console.say("warning: \(input) does not verify (\(check.problems.count == 1 ? "1 problem" : "\(check.problems.count) problems"): \(first)); what follows may not be what was collected (amt-collect verify \(input) lists every problem)")
                        failed = true
                    }
                    let reader = try BundleReader(path: FilePath(input), passphrase: passphrase)
                    if json {
                        let manifest = try reader.manifest()
                        try Console.writeOut(try CollectJob.prettyJSON(BundleSummaryJSON(
                            bundle: input, case: manifest.case, host: manifest.host, findings: manifest.findings,
                            files: manifest.files.map { .init(path: $0.path, kind: $0.kind, records: $0.records, status: $0.status.rawValue, reason: $0.reason) },
                            skipped: manifest.skipped)))
                        continue
                    }
                    guard let entry = try reader.entries().first(where: { $0.name.hasSuffix("/SUMMARY.txt") || $0.name == "SUMMARY.txt" }) else {
                        if let part = try? reader.manifest().part, part.index != 1 {
                            let first = PartLayout.partName(bundle: part.bundleID, index: 1, count: part.count)
                            Console.say("amt-collect: \(input) is part \(part.index) of \(part.count); the summary is SUMMARY.txt in part 1 (\(first))")
                        } else {
                            Console.say("amt-collect: \(input): no SUMMARY.txt in the bundle")
                        }
                        failed = true
                        continue
                    }
                    let bytes = try reader.read(entry.name)
                    try Console.writeOut(bytes)
                } catch let failure as StdoutError {
                    throw failure
                } catch {
                    Console.say("amt-collect: \(input): \(ErrorText.describe(error))")
                    failed = true
                }
            } else {
                rawFiles.append(input)
            }
        }
        if !rawFiles.isEmpty {
            // Nothing of the raw files' summary could be written: they are not read.
            if let failure = Console.outputFailure { throw failure }
            let zone = tz.flatMap(SiteZone.named) ?? .collector
            var sources: [SourceSummary] = []
            var skipped: [(String, String)] = []
            var engine = FindingsEngine(rules: RuleSet.builtin())
            for file in rawFiles {
                var counts = LevelCounts()
                do {
                    let stats = try SourceParsing.parse(path: FilePath(file), kind: nil,
                                                        context: ParseContext(sourcePath: file, zone: zone)) { record in
                        counts.add(record)
                        engine.observe(record)
                    }
                    sources.append(SourceSummary(path: file, dataset: stats.dataset ?? "?", counts: counts,
                                                 status: stats.parseErrors > 0 ? .partial : .ok,
                                                 note: nil, parseErrors: stats.parseErrors,
                                                 limits: SourceSummary.limits(of: stats)))
                } catch {
                    skipped.append((file, ErrorText.describe(error)))
                    failed = true
                }
            }
            if json {
                try Console.writeOut(try CollectJob.prettyJSON(snakeCase: true, RawSummaryJSON(
                    findings: engine.findings(),
                    sources: sources.map { .init(path: $0.path, dataset: $0.dataset, counts: $0.counts, parseErrors: $0.parseErrors) },
                    notRead: skipped.map { .init(path: $0.0, reason: $0.1) })))
                return
            }
            let text = SummaryText.render(SummaryInput(
                caseFields: [], hostFacts: [], collection: [("Files", "\(rawFiles.count) given on the command line")],
                sources: sources, skipped: skipped,
                findings: engine.findings(), messageGroups: engine.messageGroups(limit: 10)))
            try Console.writeOut(Array(text.utf8))
        }
    }

    static func isBundle(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".zip") || lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz")
    }
}

/// `summary --json` of a bundle: what its manifest says, without the hashes.
struct BundleSummaryJSON: Encodable {
    struct File: Encodable {
        var path: String
        var kind: String
        var records: Int?
        var status: String
        var reason: String?
    }
    var bundle: String
    var `case`: Manifest.Case
    var host: Manifest.Host
    var findings: [Manifest.Finding]
    var files: [File]
    var skipped: [Manifest.Skipped]
}

/// `summary --json` of raw log files.
struct RawSummaryJSON: Encodable {
    struct Source: Encodable {
        var path: String
        var dataset: String
        var counts: LevelCounts
        var parseErrors: Int
        enum CodingKeys: String, CodingKey {
            case path, dataset, counts
            case parseErrors = "parse_errors"
        }
    }
    struct NotRead: Encodable {
        var path: String
        var reason: String
    }
    var findings: [Finding]
    var sources: [Source]
    var notRead: [NotRead]
    enum CodingKeys: String, CodingKey {
        case findings, sources
        case notRead = "not_read"
    }
}
