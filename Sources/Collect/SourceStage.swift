import Bundler
import CodePages
import Collector
import Foundation
import LogRecord
import Parsers
import Redaction
import SystemPackage
import Triage

/// One source to read: where it is, how the bundle names it, and how it is to be read.
struct SourceJob: Sendable {
    /// Names the source's work files (`raw-<tag>`, `export-<tag>.evtx`, `member-<tag>-<k>`).
    var tag: String
    var path: FilePath
    /// Its path in the bundle (under `raw/` and `records/`), already redacted.
    var relativePath: String
    /// The catalog entry that found it.
    var entryID: String
    var kind: SourceKind
    /// Raw bytes kept at most (head and tail).
    var cap: Int64
    /// A live event log channel exported through the system instead of read from `path`.
    var exportChannel: String? = nil
    /// The layout the site's logging configuration declares for this file (`ParseContext.layout`).
    var layout: DeclaredLayout? = nil
}

/// What every source of a run is read with.
struct SourceContext: Sendable {
    /// The run's work folder (beside the output, never under the root).
    var work: FilePath
    /// The host's name as records show it (its pseudonym under pii).
    var hostName: String?
    var zone: SiteZone
    var window: TimeWindow
    /// `nil` when redaction is off.
    var redactor: Redactor?
    /// Deflate level for raw copies compressed as they are read (`nil`: written plain).
    var packLevel: Int?
    /// The site's ANSI code page, the prior for text that is not UTF-8 (`nil`: not known).
    var codePagePrior: CodePage? = nil
}

/// The parse stage for one source: reads it once through the size cap, keeps the bytes read as
/// the raw copy, and parses those same bytes into a JSON Lines file of records inside the window.
enum SourceStage {
    /// Everything that becomes of one job, sent to `sink`: left out by the mail filter, expanded
    /// (an archive: its members, then the archive), exported first (a live event log), or read.
    static func run(_ job: SourceJob, context: SourceContext, sink: (consuming StreamItem) -> Void) {
        let decision = job.exportChannel == nil ? MailFilter.decide(path: job.path, relativePath: job.relativePath) : .collect
        if case .leaveOut(let reason) = decision {
            sink(.done(MailFilter.leftOut(relativePath: job.relativePath, entryID: job.entryID, reason: reason)))
            return
        }
        if decision == .expand {
            ArchiveExpansion.process(job, context: context, sink: sink)
            return
        }
        guard let channel = job.exportChannel else {
            sink(.done(process(job, context: context, sink: sink)))
            return
        }
        var exported = job
        exported.path = context.work.appending("export-\(job.tag).evtx")
        do {
            try EventLogExport.export(channel: channel, to: exported.path)
        } catch {
            var failed = ProcessedSource(relativePath: job.relativePath, entryID: job.entryID)
            failed.failure = WorkFolder.scrub(CollectError.describe(error), work: context.work)
            sink(.done(failed))
            return
        }
        defer { CollectJob.remove(exported.path) }
        sink(.done(process(exported, context: context, sink: sink)))
    }

    /// What the parsers are told about the source: its path in the bundle, the host, the zone,
    /// and the layout its logging configuration declares (`job.layout`, from `ConfigLogSearch`).
    static func parseContext(for job: SourceJob, context: SourceContext) -> ParseContext {
        ParseContext(sourcePath: job.relativePath, hostName: context.hostName, zone: context.zone,
                     layout: job.layout, ansiCodePage: context.codePagePrior?.rawValue)
    }

    /// Reads one source. Records go to `sink` in batches as they are parsed (the encode stage
    /// turns them into JSON Lines); the returned value describes the source once it is read
    /// completely. With `context.packLevel` (the bundle takes packed files), the raw copy of a
    /// text source is compressed as it is written (`rawPacked`); event logs are parsed from their
    /// copy, which therefore stays plain.
    static func process(_ job: SourceJob, context: SourceContext, sink: (consuming StreamItem) -> Void) -> ProcessedSource {
        let (path, relativePath, kind, work) = (job.path, job.relativePath, job.kind, context.work)
        var result = ProcessedSource(relativePath: relativePath, entryID: job.entryID)
        let rawPath = work.appending("raw-\(job.tag)")
        // Text is redacted as it is read: the raw copy and the parser get the same redacted bytes.
        let active = context.redactor.flatMap { $0.isActive ? $0 : nil }
        let text = active?.text(isConfig: kind == .config, codePagePrior: context.codePagePrior)
        do {
            var reader = try SourceReader(path: path, cap: job.cap)
            let first = try reader.nextChunk()
            let kindHint = kind.dataset
            let isEVTX = SourceParsing.isEVTX(first?.bytes ?? []) || kindHint == Dataset.evtx
            let raw: any RawCopyWriter = if let packLevel = context.packLevel, !isEVTX {
                try PackedRawCopy(creating: rawPath, deflateLevel: packLevel)
            } else {
                try BufferedFileWriter(creating: rawPath)
            }
            result.rawTemp = rawPath

            if kind == .config {
                // Configuration files are evidence to read, not logs: copied (redacted), not parsed.
                let tee = TeeSource(reader: reader, raw: raw, redactor: text, first: first)
                while try tee.nextChunk() != nil {}
                try raw.close()
                result.rawPacked = raw.packed
                reader = tee.reader
                result.stats.dataset = "config"
                result.redactions = text?.counts
                result.noteTruncation(of: reader)
                return result
            }
            let tally = Tally()
            let sqlDatasetLength = Dataset.sqlErrorlog.utf8.count, evtxDatasetLength = Dataset.evtx.utf8.count
            let window = context.window
            let parseContext = parseContext(for: job, context: context)
            func accept(_ record: inout Record) {
                if record.outcome != nil, let run = InstallRun(record: record) { tally.installRuns.add(run) }
                // (Lengths first: comparing two different short strings calls into the runtime.)
                if record.dataset.utf8.count == sqlDatasetLength, record.dataset == Dataset.sqlErrorlog,
                   let f = SQLServerFacts(record: record) {
                    tally.sqlFacts = tally.sqlFacts.merge(f)
                }
                guard window.contains(record.timestamp) else {
                    tally.outside += 1
                    return
                }
                tally.counts.add(record)
                if record.hasHTTP { tally.webRequests.add(record) }
                tally.crashAndAgent.observe(record)
                tally.batch.append(record.take())
                if tally.batch.count >= StreamItem.batchSize {
                    // Handed over whole: the encode stage then owns the only reference and moves
                    // the records out instead of copying them.
                    var full: [Record] = []
                    swap(&full, &tally.batch)
                    sink(.records(relativePath, consume full))
                    tally.batch.reserveCapacity(StreamItem.batchSize)
                }
            }
            // Text was redacted before it was parsed; event records are redacted field by field.
            let emit: RecordSink = { record in
                if let active, record.dataset.utf8.count == evtxDatasetLength, record.dataset == Dataset.evtx {
                    tally.recordRedactions.add(active.redact(&record))
                }
                accept(&record)
            }

            if isEVTX {
                // Binary event logs are read by chunk offsets: copy first, then parse the copy.
                if let first { try raw.append(first.bytes) }
                while let chunk = try reader.nextChunk() { try raw.append(chunk.bytes) }
                try raw.close()
                result.stats = try SourceParsing.parseEVTX(path: rawPath, context: parseContext, emit: emit)
                if let active {
                    result.redactions = tally.recordRedactions
                    // A binary log cannot be rewritten: when its records needed redaction (always
                    // under pii) the raw file stays on site and the redacted records stand in.
                    if active.mode == .pii || !tally.recordRedactions.isEmpty {
                        result.rawLeftOut = active.mode == .pii
                            ? "left out: a binary event log cannot be redacted (redaction pii); its redacted records stand in"
                            : "left out: \(tally.recordRedactions.total) values in its records were redacted and a binary event log cannot be rewritten; its redacted records stand in"
                        CollectJob.remove(rawPath)
                        result.rawTemp = nil
                    }
                }
            } else {
                let tee = TeeSource(reader: reader, raw: raw, redactor: text, first: first)
                // The kind is told by the first bytes as read (redaction leaves the structure of
                // an exported event file alone).
                let resolved = SourceParsing.resolve(kind: kindHint, head: first?.bytes ?? [])
                if resolved == Dataset.eventXML || resolved == Dataset.eventCSV {
                    let head = try tee.nextChunk()
                    result.stats = try SourceParsing.parseStream(first: head, rest: tee, kind: kindHint,
                                                                 context: parseContext, emit: emit)
                } else {
                    // Text: read (redacted, its raw copy written) and decoded on its own thread,
                    // the first chunk too.
                    var ahead = ReadAheadLines(tee, codePagePrior: context.codePagePrior)
                    defer { ahead.finish() }
                    result.stats = try TextParsing.parse(lines: &ahead, dataset: resolved, context: parseContext, emit: emit)
                    ahead.finish()
                }
                try raw.close()
                result.rawPacked = raw.packed
                reader = tee.reader
                result.redactions = text?.counts
            }
            if !tally.batch.isEmpty {
                var full: [Record] = []
                swap(&full, &tally.batch)
                sink(.records(relativePath, consume full))
            }
            result.counts = tally.counts
            result.outsideWindow = tally.outside
            result.sqlFacts = tally.sqlFacts.isEmpty ? nil : tally.sqlFacts
            result.installRuns = tally.installRuns
            result.webRequests = tally.webRequests
            result.crashAndAgent = tally.crashAndAgent
            result.noteTruncation(of: reader)
        } catch let error as OutputError {
            result.fatal = error.description
            if let r = result.rawTemp { CollectJob.remove(r) }
            result.rawTemp = nil
        } catch {
            result.failure = shown(CollectError.describe(error), path: path, rawPath: rawPath, work: work, relativePath: relativePath)
            if let r = result.rawTemp { CollectJob.remove(r) }
            result.rawTemp = nil
        }
        return result
    }

    /// `text` with the work folder's files named as the source they stand for: an event log is
    /// parsed from its raw copy, an archive member and an exported channel from a work file, and
    /// people are told the source (its path, or for work files its path in the bundle).
    static func shown(_ text: String, path: FilePath, rawPath: FilePath, work: FilePath, relativePath: String) -> String {
        let inWork = CollectJob.isInside(path, work)
        let source = inWork ? relativePath : path.string
        var out = text.replacingOccurrences(of: rawPath.string, with: source)
        if inWork { out = out.replacingOccurrences(of: path.string, with: source) }
        return WorkFolder.scrub(out, work: work)
    }
}

/// Archives found in log folders (SQL Server setup's `Log*.cab`): mail filters block them, so the
/// bundle holds their members as text sources instead, each parsed like any other source.
public enum ArchiveExpansion {
    /// Extensions never put into a bundle from inside an archive (mail filters block them).
    static let blocked: Set<String> = MailFilter.blockedMemberExtensions

    /// What expanding an archive gave: members written to work files, members left out (with
    /// why), and damage that stopped the walk early (what was expanded before it is kept).
    public struct Expansion {
        public struct Member {
            public var name: String
            public var temp: FilePath
            /// Bytes beyond the cap that were left out.
            public var dropped: Int64
        }
        public var members: [Member] = []
        public var leftOut: [(name: String, reason: String)] = []
        public var damage: String?
    }

    /// Writes the members of the archive at `path` to work files `<work>/member-<tag>-<k>` (each
    /// member at most `cap` bytes, head kept). Blocked types and members past `maxMembers` are
    /// left out with the reason. Throws only `OutputError` (the work folder cannot be written).
    public static func expand(path: FilePath, work: FilePath, tag: String, cap: Int64, maxMembers: Int = 2000) throws -> Expansion {
        var result = Expansion()
        do {
            let formats = MailFilter.readFormats(path)
            let reader = try BundleReader(path: path, formats: formats)
            // The member being written; closed when the next entry starts or the walk ends.
            var open: BufferedFileWriter? = nil
            defer { try? open?.close() }
            try reader.forEachEntry { entry in
                try open?.close()
                open = nil
                let name = formats == .compressedFile ? MailFilter.streamMemberName(path) : safeName(entry.name)
                guard entry.isRegularFile, !name.isEmpty else { return nil }
                let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
                if blocked.contains(ext) {
                    result.leftOut.append((name, "left out: .\(ext) files are blocked by mail filters"))
                    return nil
                }
                guard result.members.count < maxMembers else {
                    result.leftOut.append((name, "left out: more than \(maxMembers) members in the archive"))
                    return nil
                }
                let temp = work.appending("member-\(tag)-\(result.members.count + 1)")
                let out = try BufferedFileWriter(creating: temp)
                open = out
                result.members.append(Expansion.Member(name: name, temp: temp, dropped: 0))
                var written: Int64 = 0
                let index = result.members.count - 1
                return { chunk in
                    let take = min(Int64(chunk.count), max(0, cap - written))
                    if take > 0 { try out.append(UnsafeRawBufferPointer(rebasing: chunk[0..<Int(take)])) }
                    written += take
                    result.members[index].dropped += Int64(chunk.count) - take
                }
            }
            try open?.close()
            open = nil
        } catch let error as OutputError {
            for m in result.members { CollectJob.remove(m.temp) }
            throw error
        } catch {
            result.damage = CollectError.describe(error)
        }
        return result
    }

    /// Expands the archive at `path` into the work folder and processes every member as a source
    /// named `<relativePath>.expanded/<member path>`; then describes the archive itself (left
    /// out, with the reason) and the members that could not be taken.
    static func process(_ job: SourceJob, context: SourceContext, sink: (consuming StreamItem) -> Void) {
        let (relativePath, entryID, cap) = (job.relativePath, job.entryID, job.cap)
        func note(_ rel: String, _ text: String, archive: Bool) -> ProcessedSource {
            var p = ProcessedSource(relativePath: rel, entryID: entryID)
            p.failure = text
            p.stats.dataset = archive ? "archive" : nil
            return p
        }
        let expansion: Expansion
        do {
            expansion = try expand(path: job.path, work: context.work, tag: job.tag, cap: cap)
        } catch {
            var p = note(relativePath, "", archive: false)
            p.fatal = CollectError.describe(error)
            sink(.done(p))
            return
        }
        var expanded = 0
        // Members are written plain (their raw copies are compressed as the bundle takes them).
        var members = context
        members.packLevel = nil
        for (k, member) in expansion.members.enumerated() {
            let memberJob = SourceJob(tag: "\(job.tag)-m\(k)", path: member.temp,
                                      relativePath: relativePath + ".expanded/" + member.name,
                                      entryID: entryID, kind: .auto, cap: cap)
            var p = SourceStage.process(memberJob, context: members, sink: sink)
            CollectJob.remove(member.temp)
            if member.dropped > 0 {
                p.truncatedBytes = member.dropped
                p.truncatedHow = "kept the first \(cap) bytes of the member, \(member.dropped) bytes left out"
            }
            if p.failure == nil && p.fatal == nil { expanded += 1 }
            sink(.done(p))
        }
        var reason = "archive expanded: \(expanded) members under \(relativePath).expanded/; the archive itself is left out (mail filters block it)"
        if let damage = expansion.damage { reason += "; it could not be read completely: \(damage)" }
        sink(.done(note(relativePath, reason, archive: true)))
        for (name, why) in expansion.leftOut {
            sink(.done(note(relativePath + ".expanded/" + name, why, archive: false)))
        }
    }

    /// A member name as a safe relative path: `/`-separated, no empty, `.` or `..` parts.
    static func safeName(_ name: String) -> String {
        name.split(whereSeparator: { $0 == "/" || $0 == "\\" })
            .filter { $0 != "." && $0 != ".." && !$0.isEmpty }
            .joined(separator: "/")
    }
}


/// What the parse stage keeps of one source's records as they pass: the batch being filled and the
/// counts. An object used by the parse thread only: as local variables captured by the parsers'
/// `emit` closure, every record's access to them went through the runtime's exclusivity checks.
final class Tally {
    @exclusivity(unchecked) var batch: [Record]
    @exclusivity(unchecked) var counts = LevelCounts()
    @exclusivity(unchecked) var outside = 0
    @exclusivity(unchecked) var sqlFacts = SQLServerFacts()
    @exclusivity(unchecked) var installRuns = InstallRunLog()
    @exclusivity(unchecked) var webRequests = WebRequestLog()
    @exclusivity(unchecked) var crashAndAgent = CrashAndAgentDigest()
    @exclusivity(unchecked) var recordRedactions = RedactionCounts()

    init() {
        batch = []
        batch.reserveCapacity(StreamItem.batchSize)
    }
}

/// What the parse stage hands the archive stage: batches of a source's records as they are
/// parsed, then the source's description once it is read completely.
enum StreamItem: Sendable {
    /// Records per batch: bounded memory between the stages.
    static let batchSize = 1024

    case records(String, [Record])
    case done(ProcessedSource)
}

/// Hands a source's chunks to the parser and writes each one to the raw copy on the way, redacted
/// first when a redactor is given (then chunks end at line ends). A class, so that the reader's
/// state (bytes read, truncation) is the one the caller sees afterwards.
final class TeeSource: ByteSource {
    private(set) var reader: SourceReader
    let raw: any RawCopyWriter
    let redactor: TextRedactor?
    /// A chunk read before the tee was made (to look at the content), handed out first.
    private var first: ByteChunk?
    private var queued: [ByteChunk] = []
    private var ended = false

    init(reader: SourceReader, raw: any RawCopyWriter, redactor: TextRedactor? = nil, first: ByteChunk? = nil) {
        self.reader = reader
        self.raw = raw
        self.redactor = redactor
        self.first = first
    }

    func nextChunk() throws -> ByteChunk? {
        guard let redactor else {
            let chunk: ByteChunk
            if let f = first {
                first = nil
                chunk = f
            } else {
                guard let c = try reader.nextChunk() else { return nil }
                chunk = c
            }
            try raw.append(chunk.bytes)
            return chunk
        }
        while queued.isEmpty && !ended {
            let next: ByteChunk?
            if let f = first {
                first = nil
                next = f
            } else {
                next = try reader.nextChunk()
            }
            if let next {
                queued = redactor.redact(next)
            } else {
                ended = true
                queued = redactor.finish()
            }
            queued.removeAll { $0.bytes.isEmpty }
        }
        guard !queued.isEmpty else { return nil }
        let chunk = queued.removeFirst()
        try raw.append(chunk.bytes)
        return chunk
    }
}

/// The install and setup runs of a collection, bounded: every run is counted, but only the first
/// failures and a few other runs are kept for the summary (a setupapi log alone can hold
/// thousands of device installs).
///
/// One run is one outcome: summary records that name the same run (`amt.install.run_id`, e.g. a
/// SQL Server setup run's Summary.txt, Detail.txt and their `Log*.cab` copies) are one run, listed
/// once with all its sources and counted once. Its outcome is the strongest its records state
/// (failure, then success, then unknown). Up to `keptRunIDs` named runs are told apart; past that
/// a named run is counted like one without a name.
struct InstallRunLog: Sendable {
    static let keptFailures = 25
    static let keptOthers = 10
    static let keptRunIDs = 10_000
    private(set) var failures: [InstallRun] = []
    private(set) var others: [InstallRun] = []
    private(set) var total = 0
    private(set) var failureCount = 0
    /// Outcome of every named run seen (bounded by `keptRunIDs`).
    private var named: [String: Outcome] = [:]

    var isEmpty: Bool { total == 0 }

    mutating func add(_ run: InstallRun) {
        if let id = run.runID, let known = named[id] {
            let merged = InstallRun.stronger(known, run.outcome)
            named[id] = merged
            if merged == .failure, known != .failure { failureCount += 1 }
            if let i = failures.firstIndex(where: { $0.runID == id }) {
                failures[i] = failures[i].merged(with: run)
            } else if let i = others.firstIndex(where: { $0.runID == id }) {
                let m = others[i].merged(with: run)
                if m.outcome == .failure {
                    others.remove(at: i)
                    if failures.count < Self.keptFailures { failures.append(m) }
                } else {
                    others[i] = m
                }
            } else if run.outcome == .failure, known != .failure, failures.count < Self.keptFailures {
                failures.append(run)
            }
            return
        }
        if let id = run.runID, named.count < Self.keptRunIDs { named[id] = run.outcome }
        total += 1
        if run.outcome == .failure {
            failureCount += 1
            if failures.count < Self.keptFailures { failures.append(run) }
        } else if others.count < Self.keptOthers {
            others.append(run)
        }
    }

    mutating func merge(_ other: InstallRunLog) {
        // Runs of `other` that are not listed: counted as they are (a named one `self` knows too
        // is then counted twice; with the lists' bounds that takes more runs than they hold).
        let listed = other.failures + other.others
        let unlisted = other.total - listed.count
        let unlistedFailures = other.failureCount - other.failures.count
        for run in listed { add(run) }
        total += unlisted
        failureCount += unlistedFailures
        for (id, outcome) in other.named where named[id] == nil && named.count < Self.keptRunIDs { named[id] = outcome }
    }

    /// Summary lines: failures first, then other runs, then what was not listed.
    var lines: [String] {
        var out = failures.map(\.line) + others.map(\.line)
        let unlisted = total - failures.count - others.count
        if unlisted > 0 {
            let unlistedFailures = failureCount - failures.count
            out.append("… and \(unlisted) more runs not listed (\(unlistedFailures) of them failed); all are in the records")
        }
        return out
    }
}

/// One install or setup run as its summary record states it.
struct InstallRun: Sendable {
    var source: String
    var time: Timestamp?
    var outcome: Outcome
    var product: String?
    var exitCode: String?
    var firstError: String?
    var complete: Bool
    /// The exit code in hex (`amt.install.exit_code_hex`), where the parser gives it.
    var exitCodeHex: String?
    /// `amt.install.run_id`: summary records with the same one are the same run.
    var runID: String?
    /// Every source that stated this run, in path order (one unless merged).
    var sources: [String] = []

    /// `nil` unless the record is an install/setup summary record (`amt.install.*`).
    init?(record: Record) {
        // `amt.install` is looked up once, its members in it (most records with an outcome are
        // not install summaries: this runs for every one of them).
        guard let outcome = record.outcome, let install = record.extra("install") else { return nil }
        let members: [(String, JSONValue)] = if case .object(let m) = install { m } else { [] }
        func member(_ key: String) -> JSONValue? { members.last(where: { $0.0 == key })?.1 }
        source = record.filePath ?? "?"
        time = record.timestamp
        self.outcome = outcome
        product = member("product")?.stringValue
        exitCode = member("exit_code").map { v -> String in
            if let s = v.stringValue { return s }
            if let i = v.intValue { return String(i) }
            return "?"
        } ?? record.code
        firstError = member("first_error")?.stringValue
        complete = member("complete") != .bool(false)
        exitCodeHex = member("exit_code_hex")?.stringValue
        runID = member("run_id")?.stringValue
        sources = [source]
    }

    /// The stronger of two outcomes of one run: failure, then success, then unknown.
    static func stronger(_ a: Outcome, _ b: Outcome) -> Outcome {
        func rank(_ o: Outcome) -> Int { o == .failure ? 2 : o == .success ? 1 : 0 }
        return rank(b) > rank(a) ? b : a
    }

    /// This run and `other` (the same run, from another of its files) as one: the fields of the
    /// one with the stronger outcome (on a tie, the one whose source sorts first), gaps filled
    /// from the other; the longer first error; every source. Independent of the order of the two.
    func merged(with other: InstallRun) -> InstallRun {
        func rank(_ o: Outcome) -> Int { o == .failure ? 2 : o == .success ? 1 : 0 }
        let selfFirst = rank(outcome) != rank(other.outcome) ? rank(outcome) > rank(other.outcome)
            : (sources.first ?? source) <= (other.sources.first ?? other.source)
        var m = selfFirst ? self : other
        let o = selfFirst ? other : self
        m.product = m.product ?? o.product
        m.exitCode = m.exitCode ?? o.exitCode
        m.exitCodeHex = m.exitCodeHex ?? o.exitCodeHex
        m.time = m.time ?? o.time
        m.complete = m.complete || o.complete
        switch (m.firstError, o.firstError) {
        case let (a?, b?): m.firstError = b.count > a.count || (b.count == a.count && b < a) ? b : a
        case (nil, let b?): m.firstError = b
        default: break
        }
        m.sources = Array(Set(sources + other.sources)).sorted()
        m.source = m.sources.joined(separator: " + ")
        return m
    }

    /// One line for the summary.
    var line: String {
        var text = "\(outcome == .unknown ? "INCOMPLETE" : outcome.rawValue.uppercased())  \(product ?? "unknown product")"
        if let exitCode { text += ", exit code \(exitCode)" + (exitCodeHex.map { $0 == exitCode ? "" : " (\($0))" } ?? "") }
        if let time { text += ", \(time.iso8601)" }
        text += "  (\(source))"
        if let firstError, outcome != .success { text += "\n      first error: \(firstError.prefix(160))" }
        return text
    }
}
