import Bundler
import CodePages
import Collector
import Foundation
import LogRecord
import Logging
import Parsers
import Redaction
import SystemPackage
import Triage

/// Everything `collect` was asked to do, resolved and validated.
public struct CollectSettings: Sendable {
    public var root: FilePath
    public var outputDirectory: FilePath
    public var window: TimeWindow
    public var caseID: String?
    public var site: String?
    public var partner: String?
    public var contact: String?
    public var description: String?
    public var format: ArchiveFormat
    public var includes: [FilePath]
    public var catalog: Catalog
    public var optIn: Set<String>
    public var zone: SiteZone
    public var capBytes: Int64
    /// Deflate level 1–9 for the bundle.
    public var compressionLevel: Int
    /// Findings rules: the built-in ones plus `--rules`.
    public var rules: RuleSet
    /// The technician's Tier 1 checklist.
    public var checklist: Tier1Checklist
    public var commandLine: [String]
    /// Fixed creation time for reproducible bundles (`SOURCE_DATE_EPOCH`).
    public var fixedCreated: Timestamp?
    /// Largest email message in bytes (0 = no limit): the bundle is split into parts beyond it.
    public var emailLimit: Int64 = EmailLimit.defaultBytes
    /// Encrypt the bundle (AES-256 zip) with this passphrase; never logged or stored.
    public var passphrase: String? = nil
    /// `--redact`: what is replaced before anything is written.
    public var redaction: RedactionMode = .secrets

    public init(
        root: FilePath, outputDirectory: FilePath, window: TimeWindow = .all,
        caseID: String? = nil, site: String? = nil, partner: String? = nil, contact: String? = nil,
        description: String? = nil, format: ArchiveFormat = .zip, includes: [FilePath] = [],
        catalog: Catalog = .builtin(), optIn: Set<String> = [], zone: SiteZone = .collector,
        capBytes: Int64 = 64 << 20, compressionLevel: Int = 1, rules: RuleSet = .builtin(),
        checklist: Tier1Checklist = Tier1Checklist(), commandLine: [String] = [], fixedCreated: Timestamp? = nil,
        emailLimit: Int64 = EmailLimit.defaultBytes, passphrase: String? = nil, redaction: RedactionMode = .secrets
    ) {
        self.root = root
        self.outputDirectory = outputDirectory
        self.window = window
        self.caseID = caseID
        self.site = site
        self.partner = partner
        self.contact = contact
        self.description = description
        self.format = format
        self.includes = includes
        self.catalog = catalog
        self.optIn = optIn
        self.zone = zone
        self.capBytes = capBytes
        self.compressionLevel = compressionLevel
        self.rules = rules
        self.checklist = checklist
        self.commandLine = commandLine
        self.fixedCreated = fixedCreated
        self.emailLimit = emailLimit
        self.passphrase = passphrase
        self.redaction = redaction
    }
}

/// One source after the parse stage: its raw copy and records waiting in the work folder.
struct ProcessedSource: Sendable {
    var relativePath: String
    var entryID: String
    var rawTemp: FilePath?
    /// The raw copy at `rawTemp` compressed for `BundleWriter.addPacked`, when it was.
    var rawPacked: PackedFile?
    var stats: ParseStats
    var counts: LevelCounts
    var outsideWindow: Int
    var truncatedBytes: Int64?
    var truncatedHow: String?
    /// The source could not be read: it is listed as skipped and the run goes on.
    var failure: String?
    /// amt-collect's own output failed (disk full, not writable): the run stops.
    var fatal: String?
    /// SQL Server facts stated by an ERRORLOG.
    var sqlFacts: SQLServerFacts?
    /// Install and setup runs the source reports.
    var installRuns: InstallRunLog
    /// Web server requests the source logs (IIS W3C, HTTPERR).
    var webRequests = WebRequestLog()
    /// Crash reports and SQL Server Agent failures the source reports.
    var crashAndAgent = CrashAndAgentDigest()
    /// Replacements made in the source, per rule (nil: redaction off).
    var redactions: RedactionCounts?
    /// Why the raw copy is not in the bundle although the source was read (a binary event log
    /// whose records needed redaction).
    var rawLeftOut: String?

    init(relativePath: String, entryID: String, rawTemp: FilePath? = nil) {
        self.relativePath = relativePath
        self.entryID = entryID
        self.rawTemp = rawTemp
        stats = ParseStats()
        counts = LevelCounts()
        outsideWindow = 0
        installRuns = InstallRunLog()
    }

    /// What the size cap left out of the source, as its reader tells.
    mutating func noteTruncation(of reader: SourceReader) {
        guard let t = reader.truncation else { return }
        truncatedBytes = t.droppedBytes
        truncatedHow = t.how
    }
}

/// What a finished `collect` produced.
public struct CollectOutcome: Sendable {
    public var bundle: FilePath
    public var bytes: Int64
    public var sources: Int
    public var records: Int
    public var skipped: Int
    public var partial: Int
    public var warnings: [String]
    /// When the bundle was made: the time in its name and of its entries.
    public var created: Timestamp
    /// The run's hold on the bundle's name: released once the email step wrote its files too,
    /// rolled back (the whole output set removed) when it failed.
    public var claim: OutputClaim
    /// The zone local log times were converted with, and why.
    public var zone: ZoneDecision
}

/// What `collect` would do: the sources it would read and what it would leave out, with why.
public struct CollectPlan: Sendable {
    public struct LeftOut: Sendable {
        public var path: String
        public var entry: String
        public var reason: String
    }
    public var sources: [DiscoveredSource]
    public var leftOut: [LeftOut]
}

/// A run's redaction: the redactor, and under pii the pseudonyms (those of earlier runs, kept
/// in the output folder, are reused) and the host's name as the bundle shows it.
struct RunPrivacy {
    let names: Pseudonyms
    let redactor: Redactor
    let pii: Bool
    /// The host's name in the bundle name, records and summary: its pseudonym under pii.
    let hostShown: String?

    init(settings: CollectSettings, hostName: String?) throws {
        let pii = settings.redaction == .pii
        let names = pii ? try CollectJob.loadPseudonyms(settings.outputDirectory) : Pseudonyms()
        self.pii = pii
        self.names = names
        redactor = Redactor(mode: settings.redaction, names: names, knownHosts: [hostName].compactMap { $0 })
        hostShown = pii ? hostName.map { names.pseudonym(.host, $0) } : hostName
    }
}

/// `collect`: discover → (read, parse → records) overlapped with (archive, hash) → summary → manifest.
///
/// Two threads: the parse stage reads each source once, tees its bytes into a raw copy in a work
/// folder beside the output (never under the root) while parsing it into a JSON Lines file; the
/// archive stage compresses finished sources into the bundle. A bounded queue between them keeps
/// at most a few sources' temporary files on disk.
public final class CollectJob {
    /// The version the manifest names (`tool.version`), the executable's `--version`.
    public static let toolVersion = "0.1.0"

    public let settings: CollectSettings
    let logger: Logger
    let progress: @Sendable (CollectProgress) -> Void

    /// - Parameter progress: told of each step as the run goes (on the calling thread).
    public init(settings: CollectSettings, logger: Logger, progress: @escaping @Sendable (CollectProgress) -> Void = { _ in }) {
        self.settings = settings
        self.logger = logger
        self.progress = progress
    }

    /// Runs the collection: discover, stage the sources (read and parse → encode → archive),
    /// assemble the bundle (system facts, summary, report, manifest), report what it made.
    public func run() throws -> CollectOutcome {
        let started = ContinuousClock.now
        let created = settings.fixedCreated ?? Self.now()
        var system = Self.systemFacts(root: settings.root)

        progress(.discovering(root: settings.root))
        let found = Self.discover(settings, logger: logger)
        let configLogs = ConfigLogSearch.run(after: found, root: settings.root, includes: settings.includes,
                                             window: settings.window, logger: logger)
        let zone = siteZone(found, host: &system.host)

        // What killed runs left: the output sets they never completed, temporary files, work folders.
        _ = OutputClaim.cleanAbandoned(in: settings.outputDirectory, logger: logger)
        _ = BundleWriter.cleanLeftovers(in: settings.outputDirectory)
        Self.cleanWorkFolders(in: settings.outputDirectory)
        let work = WorkFolder.forCollect(in: settings.outputDirectory)
        try Self.makeDirectory(work)
        defer { Self.remove(work) }

        let privacy = try RunPrivacy(settings: settings, hostName: system.host.name)
        // A second run in the same second with the same site and case takes `<name>-2`.
        let claim = try OutputClaim.claim(
            directory: settings.outputDirectory,
            baseName: Self.bundleName(site: settings.site ?? privacy.hostShown, caseID: settings.caseID, created: created),
            logger: logger)
        var claimed = false
        defer { if !claimed { claim.rollBack(logger: logger) } }
        let writer = try BundleWriter(outputDirectory: settings.outputDirectory, bundleName: claim.stem,
                                      format: settings.format, entryTime: created,
                                      compressionLevel: settings.compressionLevel,
                                      passphrase: settings.passphrase, logger: logger)
        var finished = false
        defer { if !finished { writer.abort() } }

        let plan = sourceJobs(found, configLogs: configLogs, redactor: privacy.redactor)
        // The site's ANSI code page: GetACP() live, else what the site's text files show.
        let codePage = SiteCodePage.prior(host: system.host, jobs: plan.jobs)
        if system.host.ansiCodePage == nil, let page = codePage.page { system.host.ansiCodePage = page.rawValue }
        if let note = codePage.note { system.host.notes.append(note) }
        // A zip written with igzip takes raw copies the parse stage compressed as it read them.
        let context = SourceContext(work: work, hostName: privacy.hostShown, zone: zone.zone, window: settings.window,
                                    redactor: privacy.redactor.isActive ? privacy.redactor : nil,
                                    packLevel: writer.takesPackedFiles ? writer.compressionLevel : nil,
                                    codePagePrior: codePage.page)
        var (staged, engine) = try stageSources(plan.jobs, context: context, into: writer)
        progress(.sourcesDone(count: staged.summaries.count))
        if let warning = zone.warning { staged.warnings.insert(warning, at: 0) }

        staged.warnings += configLogs.notes.map { privacy.redactor.redact(text: $0) }
        let final = try assemble(&staged, engine: engine, notRead: plan.notRead, configMissing: plan.configMissing,
                                 system: system, zone: zone, privacy: privacy, created: created, started: started, into: writer)
        finished = true
        claimed = true
        // The pseudonyms stay on site, beside the bundle, for the next run.
        if privacy.pii {
            do { try privacy.names.save(to: settings.outputDirectory) } catch {
                staged.warnings.append(CollectError.describe(error))
            }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: final.string)[.size] as? Int64) ?? nil
        return CollectOutcome(bundle: final, bytes: size ?? 0, sources: staged.summaries.count, records: staged.records,
                              skipped: plan.notRead.count + plan.configMissing.count + staged.summaries.filter { $0.status == .skipped }.count,
                              partial: staged.partial, warnings: staged.warnings, created: created, claim: claim,
                              zone: zone)
    }

    // MARK: - Steps

    /// Step 0: the zone local log times are converted with. `--tz` or the live system's zone when
    /// the settings know it; else the zone learned from the site's own evidence (event log 6013,
    /// SQL Server ERRORLOG, MSI logs paired with their events, host facts), which also becomes the
    /// host's `time_zone`; else the collector's zone, assumed (and warned about).
    func siteZone(_ found: DiscoveryResult, host: inout HostFacts) -> ZoneDecision {
        if settings.zone.isKnown {
            let decision = ZoneDecision.given(settings.zone, live: Self.isSystemRoot(settings.root))
            if host.timeZone == nil {
                host.timeZone = decision.name
                host.notes.removeAll { $0.hasPrefix("time_zone:") }
                host.notes.append("time_zone from --tz")
            }
            return decision
        }
        let learner = SiteZoneLearner(root: settings.root, sources: found.sources)
        let decision = SiteZoneLearner.decide(learner.gather(), collector: settings.zone)
        guard !decision.isAssumed else { return decision }
        host.timeZone = decision.name
        host.notes.removeAll { $0.hasPrefix("time_zone:") }
        host.notes.append("time_zone from the site's evidence (\(decision.rule)): see the manifest's host.time_zone_source")
        if host.utcOffsetMinutes == nil, let minutes = decision.utcOffsetMinutes {
            host.utcOffsetMinutes = minutes
            host.notes.removeAll { $0.hasPrefix("utc_offset_minutes:") }
            host.notes.append("utc_offset_minutes from the site's evidence (\(decision.rule))")
        }
        return decision
    }

    /// The sources of a run in the order they are read, and the catalog matches left unread.
    struct SourcePlan {
        var jobs: [SourceJob]
        /// Paths (redacted) and why they were not read.
        var notRead: [(path: String, reason: String)]
        /// Logs the logging configs name that were not collected (redacted), with why.
        var configMissing: [(path: String, reason: String)] = []
    }

    /// Step 1: what discovery found, as jobs: its sources (none inside the output folder) and, on
    /// a live Windows system, the event logs the service holds open, exported through the system.
    /// The files the logging configs name are read with the layout they declare.
    func sourceJobs(_ found: DiscoveryResult, configLogs: ConfigNamedLogs = ConfigNamedLogs(), redactor: Redactor) -> SourcePlan {
        var jobs: [SourceJob] = []
        let sources = (found.sources + configLogs.sources).sorted { $0.relativePath < $1.relativePath }
        for source in sources where !Self.isInside(source.absolutePath, settings.outputDirectory) {
            jobs.append(SourceJob(tag: String(jobs.count), path: source.absolutePath,
                                  relativePath: redactor.redact(path: source.relativePath), entryID: source.entryID,
                                  kind: source.kind, cap: source.maxBytes.map { min($0, settings.capBytes) } ?? settings.capBytes,
                                  layout: configLogs.layouts[source.relativePath]))
        }
        let exports = EventLogExport.exportable(found.skipped, catalog: settings.catalog,
                                                liveRoot: Self.isSystemRoot(settings.root))
        for e in exports {
            let file = FilePath(e.relativePath).lastComponent?.string ?? e.relativePath
            jobs.append(SourceJob(tag: String(jobs.count), path: e.absolutePath ?? settings.root.appending(e.relativePath),
                                  relativePath: redactor.redact(path: e.relativePath), entryID: e.entryID,
                                  kind: .dataset(Dataset.evtx), cap: Int64.max, exportChannel: EventLogExport.channel(forFile: file)))
        }
        let exported = Set(exports.map(\.relativePath))
        let notRead = (found.skipped.filter { !exported.contains($0.relativePath) } + configLogs.skipped)
            .map { (path: redactor.redact(path: $0.relativePath), reason: $0.reason) }
        let missing = configLogs.missing.map { (path: redactor.redact(path: $0.path), reason: redactor.redact(text: $0.reason)) }
        return SourcePlan(jobs: jobs, notRead: notRead, configMissing: missing)
    }

    /// What the sources became in the bundle: their manifest entries and summary lines, and what
    /// the summary tells of them all.
    struct StagedSources {
        var files: [ManifestFile] = []
        var summaries: [SourceSummary] = []
        var warnings: [String] = []
        var records = 0
        var partial = 0
        var sqlFacts = SQLServerFacts()
        var installRuns = InstallRunLog()
        var webRequests = WebRequestLog()
        var crashAndAgent = CrashAndAgentDigest()
    }

    /// Step 2: every source read, parsed, encoded and archived, in three stages on their own
    /// threads: parse (a text source is read, redacted and its raw copy compressed on a read-ahead
    /// thread beside it) → encode (findings, JSON Lines, SHA-256) → archive (compress, on this
    /// thread; raw copies are copied in compressed).
    /// Returns the sources and the findings engine that observed every record of them.
    func stageSources(_ jobs: [SourceJob], context: SourceContext,
                      into writer: BundleWriter) throws -> (StagedSources, FindingsEngine) {
        // The parse stage limits a run: it is woken as soon as there is room for its output.
        let parsed = BoundedQueue<StreamItem>(capacity: 8, wakeConsumerAt: 1, wakeProducerAt: 1)
        // The archive stage is woken once four chunks (1 MiB) wait: woken at each one, it slept
        // and woke about 4,000 times a run (11–12 thousand context switches in all, 5.5 thousand
        // now on the bench site).
        let encoded = BoundedQueue<EncodedItem>(capacity: 16, wakeConsumerAt: 4)
        // Findings are judged on every record that goes into the bundle: the encoder owns the
        // engine while it runs and hands it back when it ends.
        let rules = settings.rules
        let encoder = Worker(name: "amt-encode") {
            EncodeStage.run(from: parsed, to: encoded, engine: FindingsEngine(rules: rules))
        }
        let producer = Worker(name: "amt-parse") {
            for job in jobs {
                if parsed.isClosed { break }
                SourceStage.run(job, context: context) { item in parsed.put(item) }
            }
            parsed.close()
        }

        var staged = StagedSources()
        // The records entry of the source being read, begun at its first chunk.
        var openRecords: String? = nil
        func write(_ relative: String, _ bytes: UnsafeRawBufferPointer) throws {
            if openRecords == nil {
                try writer.beginEntry(at: "records/" + relative + ".jsonl", hashedByCaller: true)
                openRecords = relative
            }
            try writer.writeToEntry(bytes)
        }
        do {
            while let item = encoded.take() {
                switch item {
                case .bytes(let relative, let block):
                    try write(relative, block.bytes)
                case .large(let relative, let bytes):
                    try bytes.withUnsafeBytes { try write(relative, $0) }
                case .done(let p, let digest):
                    progress(.source(number: staged.summaries.count + 1, path: p.relativePath))
                    defer { if let r = p.rawTemp { Self.remove(r) } }
                    var recordsEntry: AddedEntry? = nil
                    if openRecords != nil {
                        recordsEntry = try writer.endEntry(digest: digest)
                        openRecords = nil
                    }
                    try archive(p, records: recordsEntry, into: writer, &staged)
                }
            }
        } catch {
            // Closing the encoder's output stops it; it then closes its input, which stops the parser.
            encoded.close()
            encoder.wait()
            producer.wait()
            throw error
        }
        let engine = encoder.wait()
        producer.wait()
        return (staged, engine)
    }

    /// One source into the bundle, after its records entry (if it had records) was written: its
    /// raw copy, its (empty) records entry when it gave none, its manifest entries and summary line.
    func archive(_ p: ProcessedSource, records: AddedEntry?, into writer: BundleWriter, _ staged: inout StagedSources) throws {
        var recordsEntry = records
        if let fatal = p.fatal { throw CollectError(fatal) }
        if let failure = p.failure, recordsEntry == nil {
            // An expanded archive is listed with what became of it; anything else was not readable.
            let expanded = p.stats.dataset == "archive"
            staged.files.append(ManifestFile.skippedSource(source: p.relativePath, kind: p.stats.dataset, reason: failure))
            staged.summaries.append(SourceSummary(path: p.relativePath, dataset: p.stats.dataset ?? "?",
                                                  counts: LevelCounts(), status: expanded ? .expanded : .skipped,
                                                  note: failure))
            if !expanded { staged.warnings.append("\(p.relativePath): \(failure)") }
            return
        }
        let dataset = p.stats.dataset ?? Dataset.text
        let damaged = p.stats.parseErrors > 0 || (p.stats.counters["chunks_skipped"] ?? 0) > 0
        let status: SourceSummary.Status = (p.truncatedBytes != nil || damaged || p.failure != nil) ? .partial : .ok
        if status == .partial { staged.partial += 1 }
        var reasons: [String] = []
        if let failure = p.failure { reasons.append("reading stopped: \(failure)") }
        if let how = p.truncatedHow { reasons.append(how) }
        if p.stats.parseErrors > 0 { reasons.append("\(p.stats.parseErrors) damaged or unparsable entries") }
        if p.outsideWindow > 0 { reasons.append("\(p.outsideWindow) records outside the time window left out") }
        let reason = reasons.isEmpty ? nil : reasons.joined(separator: "; ")
        let manifestStatus: ManifestFile.Status = status == .ok ? .ok : .partial

        if let raw = p.rawTemp {
            let added = try p.rawPacked.map { try writer.addPacked(at: "raw/" + p.relativePath, $0) }
                ?? writer.addFile(at: "raw/" + p.relativePath, from: raw)
            var file = ManifestFile.source(
                added: added, source: p.relativePath, kind: dataset, role: .raw, stats: p.stats,
                status: manifestStatus, reason: reason, truncatedBytes: p.truncatedBytes, truncatedHow: p.truncatedHow,
                outsideWindow: p.outsideWindow)
            file.redactions = p.redactions?.byName
            staged.files.append(file)
        } else if let leftOut = p.rawLeftOut {
            // The redacted records stand in (their entry carries the counts).
            staged.files.append(ManifestFile.skippedSource(source: p.relativePath, kind: dataset, reason: leftOut))
        }
        if recordsEntry == nil, dataset != "config" {
            // A source without records still gets its (empty) records file.
            recordsEntry = try writer.addData(at: "records/" + p.relativePath + ".jsonl", [])
        }
        if let added = recordsEntry {
            var file = ManifestFile.source(
                added: added, source: p.relativePath, kind: dataset, role: .records, stats: p.stats,
                status: manifestStatus, reason: reason, truncatedBytes: nil, truncatedHow: nil,
                outsideWindow: p.outsideWindow)
            // Counted once per source: on its raw copy, or here when there is none.
            if p.rawTemp == nil { file.redactions = p.redactions?.byName }
            staged.files.append(file)
        }
        staged.records += p.counts.total
        if let f = p.sqlFacts { staged.sqlFacts = staged.sqlFacts.merge(f) }
        staged.installRuns.merge(p.installRuns)
        staged.webRequests.merge(p.webRequests)
        staged.crashAndAgent.merge(p.crashAndAgent)
        staged.summaries.append(SourceSummary(path: p.relativePath, dataset: dataset, counts: p.counts,
                                              status: status, note: reason, parseErrors: p.stats.parseErrors,
                                              limits: SourceSummary.limits(of: p.stats)))
    }

    /// Step 3: the rest of the bundle — `system/` (the facts behind the Tier 1 checks),
    /// SUMMARY.txt, REPORT.html and the manifest — and the bundle finished. Returns its path.
    func assemble(_ staged: inout StagedSources, engine: FindingsEngine, notRead: [(path: String, reason: String)],
                  configMissing: [(path: String, reason: String)] = [], system: SystemFacts,
                  zone: ZoneDecision, privacy: RunPrivacy, created: Timestamp, started: ContinuousClock.Instant,
                  into writer: BundleWriter) throws -> FilePath {
        let pii = privacy.pii, redactor = privacy.redactor, facts = system.host
        // Evidence paths and words as the bundle shows them (user folders replaced under pii).
        let zone = zone.shown(path: { redactor.redact(path: $0) }, text: { redactor.redact(text: $0) })
        let sqlFacts = staged.sqlFacts, installRuns = staged.installRuns
        // Under pii with names and addresses replaced.
        let piiText: TextRedactor? = pii ? redactor.text() : nil
        let factsJSON = try piiText.map { $0.redact(all: try Self.prettyJSON(system)) } ?? Self.prettyJSON(system)
        staged.files.append(ManifestFile.generated(added: try writer.addData(at: "system/facts.json", factsJSON), role: .system))
        if !sqlFacts.isEmpty {
            var bytes: [UInt8] = []
            JSONEncoding.append(Self.json(sqlFacts), to: &bytes)
            bytes.append(0x0A)
            if let piiText { bytes = piiText.redact(all: bytes) }
            staged.files.append(ManifestFile.generated(added: try writer.addData(at: "system/sql_server.json", bytes), role: .system))
        }

        let duration = settings.fixedCreated == nil ? Int((ContinuousClock.now - started).milliseconds) : 0
        let findings = engine.findings()
        let caseFields: [(String, String?)] = [
            ("Case", settings.caseID), ("Site", settings.site), ("Partner", settings.partner),
            ("Contact", settings.contact), ("Description", settings.description)] + settings.checklist.summaryFields
        var hostLines = Self.hostLines(facts) + Self.sqlLines(sqlFacts) + Self.systemLines(system)
        if pii { hostLines = hostLines.map { ($0.0, redactor.redact(text: $0.1)) } }
        let collectionLines: [(String, String)] = [
            ("Root", pii ? redactor.redact(text: settings.root.string) : settings.root.string), ("Created", created.iso8601), ("Window", Self.windowText(settings)),
            ("Time zone", zone.summaryText)]
            + (settings.passphrase == nil ? [] : [("Encryption", EmailLimit.encryptionWarning)])
        let skippedPairs = notRead.map { ($0.path, $0.reason) }
        var summaryInput = SummaryInput(
            caseFields: caseFields, hostFacts: hostLines, collection: collectionLines,
            sources: staged.summaries, skipped: skippedPairs,
            sections: (installRuns.isEmpty ? [] : [("INSTALL AND SETUP RUNS (\(installRuns.total), \(installRuns.failureCount) failed)", installRuns.lines)])
                + ConfigNamedLogs.summarySection(configMissing)
                + (staged.webRequests.isEmpty ? [] : [(staged.webRequests.title, staged.webRequests.lines)])
                + staged.crashAndAgent.sections,
            findings: findings, messageGroups: engine.messageGroups(limit: 10))
        summaryInput.warnings = zone.warning.map { [$0] } ?? []
        let summaryText = SummaryText.render(summaryInput)
        staged.files.append(ManifestFile.generated(added: try writer.addData(at: "SUMMARY.txt", Array(summaryText.utf8)), role: .summary))
        let report = ReportHTML.render(ReportInput(
            caseFields: caseFields, hostFacts: hostLines, collection: collectionLines, findings: findings,
            timeline: engine.timeline(), histogram: engine.histogram(), messageGroups: engine.messageGroups(limit: 20),
            sources: staged.summaries, skipped: skippedPairs))
        staged.files.append(ManifestFile.generated(added: try writer.addData(at: "REPORT.html", Array(report.utf8)), role: .report))

        var manifestFacts = facts
        if pii { manifestFacts.name = facts.name.map { redactor.redact(text: $0) } }
        var manifest = Manifest.make(
            created: created, commandLine: settings.commandLine, settings: settings, facts: manifestFacts,
            durationMS: duration, files: staged.files, skipped: notRead + configMissing, findings: findings)
        if pii {
            // The case fields stay as the technician typed them; paths may name users and hosts.
            manifest.collection.root = redactor.redact(text: manifest.collection.root)
            manifest.commandLine = manifest.commandLine.map { redactor.redact(text: $0) }
        }
        manifest.host.timeZoneSource = Manifest.TimeZoneSource(rule: zone.rule, file: zone.file, detail: zone.detail,
                                                               conflicts: zone.conflicts.isEmpty ? nil : zone.conflicts)
        manifest.collection.redaction = Manifest.Redaction(mode: settings.redaction.rawValue, counts: redactor.totals.byName)
        return try writer.finish(manifest: manifest)
    }

    /// What a run with these settings would collect and leave out (`collect --dry-run`): the
    /// discovery (with the logs the logging configs name) and the mail filter's decisions; only
    /// the logging configs are read, and nothing is written.
    public static func plan(settings: CollectSettings, logger: Logger) -> CollectPlan {
        let found = Self.discover(settings, logger: logger)
        let configLogs = ConfigLogSearch.run(after: found, root: settings.root, includes: settings.includes,
                                             window: settings.window, logger: logger)
        let (kept, leftOut) = MailFilter.partition((found.sources + configLogs.sources).sorted { $0.relativePath < $1.relativePath })
        let skipped = (found.skipped + configLogs.skipped).map { CollectPlan.LeftOut(path: $0.relativePath, entry: $0.entryID, reason: $0.reason) }
            + leftOut.map { CollectPlan.LeftOut(path: $0.path, entry: $0.entry, reason: $0.reason) }
            + configLogs.missing.map { CollectPlan.LeftOut(path: $0.path, entry: $0.entry, reason: $0.reason) }
        return CollectPlan(sources: kept, leftOut: skipped)
    }

    // MARK: - Helpers

    static func loadPseudonyms(_ dir: FilePath) throws -> Pseudonyms {
        do { return try Pseudonyms.load(from: dir) } catch {
            throw CollectError("\(CollectError.describe(error)); move it aside to start new pseudonyms")
        }
    }

    public static func now() -> Timestamp {
        Timestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000), precision: .milliseconds)
    }

    /// The catalog's walk of the root and `--include`; on the live system also every SQL Server
    /// instance's log folder its startup parameters name (`SQLInstances`).
    static func discover(_ settings: CollectSettings, logger: Logger) -> DiscoveryResult {
        var catalog = settings.catalog, includes = settings.includes
        if isSystemRoot(settings.root) {
            let instances = SQLInstances.plan(SQLInstances.live(), root: settings.root)
            catalog.entries += instances.entries
            includes += instances.includes.filter { !includes.contains($0) }
        }
        return Discovery(root: settings.root, catalog: catalog, includes: includes,
                         window: settings.window, includeOptIn: settings.optIn, logger: logger).run()
    }

    /// Facts of the live system when the root is this machine's system root, else what the tree says.
    static func systemFacts(root: FilePath) -> SystemFacts {
        isSystemRoot(root) ? SystemFacts.live() : SystemFacts.fromTree(root: root)
    }

    /// Summary lines for the Tier 1 checks: uptime, disks, network, installed versions.
    static func systemLines(_ s: SystemFacts) -> [(String, String)] {
        var lines: [(String, String)] = []
        if let up = s.uptimeSeconds {
            let days = up / 86_400, hours = up % 86_400 / 3600, minutes = up % 3600 / 60
            lines.append(("Uptime", "\(days)d \(hours)h \(minutes)m" + (s.lastBoot.map { ", last boot \($0)" } ?? "")))
        }
        for v in s.volumes.prefix(8) {
            guard let total = v.totalBytes, total > 0 else { continue }
            let free = v.freeBytes ?? 0
            let pct = Int((Double(free) / Double(total) * 100).rounded())
            lines.append(("Volume", "\(v.mountPoint) \(gib(free)) free of \(gib(total)) (\(pct)%)" + (pct < 10 ? "  LOW" : "")))
        }
        for i in s.interfaces where !i.addresses.isEmpty {
            lines.append(("Network", "\(i.name) \(i.isUp ? "up" : "down") \(i.addresses.joined(separator: ", "))"))
        }
        for p in s.product { lines.append(("Product", "\(p.name) \(p.version)  (\(p.source))")) }
        for d in s.dotNet { lines.append((".NET", "\(d.name) \(d.version)")) }
        if !s.unknown.isEmpty { lines.append(("Not found", s.unknown.map { $0.split(separator: ":").first.map(String.init) ?? $0 }.joined(separator: ", "))) }
        return lines
    }

    static func gib(_ bytes: Int64) -> String {
        let g = Double(bytes) / 1_073_741_824
        return g >= 10 ? "\(Int(g.rounded())) GiB" : "\((g * 10).rounded() / 10) GiB"
    }

    /// `/` or a drive root such as `C:\`.
    public static func isSystemRoot(_ root: FilePath) -> Bool {
        let normal = root.lexicallyNormalized()
        return normal.components.isEmpty && normal.root != nil
    }

    static func isInside(_ path: FilePath, _ dir: FilePath) -> Bool {
        let p = path.lexicallyNormalized(), d = dir.lexicallyNormalized()
        return p.starts(with: d)
    }

    /// `AMT-<site>-<case>-<yyyyMMddTHHmmssZ>`, with only letters, digits, `-` and `_` kept from
    /// the site and case.
    public static func bundleName(site: String?, caseID: String?, created: Timestamp) -> String {
        func clean(_ s: String?, _ fallback: String) -> String {
            let kept = (s ?? "").unicodeScalars.map { c -> Character in
                (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" || c == "_") && c.isASCII ? Character(c) : "_"
            }
            let text = String(kept).split(separator: "_", omittingEmptySubsequences: true).joined(separator: "_")
            return text.isEmpty ? fallback : String(text.prefix(40))
        }
        let c = created.civil
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let stamp = "\(c.year)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
        return "AMT-\(clean(site, "site"))-\(clean(caseID, "nocase"))-\(stamp)"
    }

    static func hostLines(_ f: HostFacts) -> [(String, String)] {
        [("Host", f.name ?? "unknown"),
         ("OS", [f.os, f.osVersion].compactMap { $0 }.joined(separator: " ").nonEmpty ?? "unknown"),
         ("Time zone", f.timeZone ?? "unknown"),
         ("UTC offset", f.utcOffsetMinutes.map { Self.offsetText($0) } ?? "unknown"),
         ("Facts from", f.source)]
    }

    static func sqlLines(_ f: SQLServerFacts) -> [(String, String)] {
        guard !f.isEmpty else { return [] }
        var text = [f.product, f.version, f.edition].compactMap { $0 }.joined(separator: " ")
        if let instance = f.instance { text += " (instance \(instance))" }
        return [("SQL Server", text.isEmpty ? "seen in ERRORLOG" : text)]
    }

    /// SQL Server facts for `system/sql_server.json`, with where they came from.
    static func json(_ f: SQLServerFacts) -> JSONValue {
        var members: [(String, JSONValue)] = [("source", .string("SQL Server ERRORLOG"))]
        if let v = f.product { members.append(("product", .string(v))) }
        if let v = f.version { members.append(("version", .string(v))) }
        if let v = f.edition { members.append(("edition", .string(v))) }
        if let v = f.instance { members.append(("instance", .string(v))) }
        if let v = f.serverName { members.append(("server_name", .string(v))) }
        if let v = f.utcAdjustmentMinutes { members.append(("utc_adjustment_minutes", .int(Int64(v)))) }
        if let v = f.operatingSystem { members.append(("os", .string(v))) }
        return .object(members)
    }

    static func offsetText(_ minutes: Int) -> String {
        let sign = minutes < 0 ? "-" : "+"
        let m = abs(minutes)
        return "UTC\(sign)\(m / 60):\(m % 60 < 10 ? "0" : "")\(m % 60)"
    }

    static func windowText(_ s: CollectSettings) -> String {
        switch (s.window.since, s.window.until) {
        case (nil, nil): "everything"
        case (let a?, nil): "since \(a.iso8601)"
        case (nil, let b?): "until \(b.iso8601)"
        case (let a?, let b?): "\(a.iso8601) to \(b.iso8601)"
        }
    }

    public static func prettyJSON(snakeCase: Bool = false, _ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [0x0A]
    }

    public static func makeDirectory(_ path: FilePath) throws {
        do {
            try OutputFolder.make(path)
        } catch {
            throw CollectError("cannot create a work folder in \(path.removingLastComponent()): \(error)")
        }
    }

    /// Removes a work file or folder (with its contents); a path already gone is not an error.
    public static func remove(_ path: FilePath) {
        try? FileManager.default.removeItem(atPath: path.string)
    }

    /// Removes `.amt-work-<pid>` folders whose process no longer runs.
    static func cleanWorkFolders(in dir: FilePath) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.string) else { return }
        for name in names where name.hasPrefix(WorkFolder.collectPrefix) {
            guard let pid = Int32(name.dropFirst(WorkFolder.collectPrefix.count)), !ProcessAlive.isRunning(pid) else { continue }
            remove(dir.appending(name))
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

extension Duration {
    var milliseconds: Int64 {
        let (s, atto) = components
        return s * 1000 + atto / 1_000_000_000_000_000
    }
}
