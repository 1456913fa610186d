import ArgumentParser
import Bundler
import Collect
import Foundation
import EventLog
import LogRecord
import Redaction
import SystemPackage

/// `amt-collect parse FILE...`: normalized records as JSON Lines on stdout.
struct Parse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the normalized records of log files as JSON Lines on stdout.",
        discussion: "The format is detected by content unless --kind names it. Problems go to stderr; the exit code is 1 if a file could not be read."
    )

    @Argument(help: "Log files to parse (text logs, .evtx, exported event XML or CSV).")
    var files: [String]

    @Option(help: ArgumentHelp("Format to parse as instead of detecting it.", valueName: "KIND"))
    var kind: String?

    // `.unconditional`: `--tz -05:00` takes the offset as the value, not as an option.
    @Option(parsing: .unconditional, help: ArgumentHelp("Time zone of the logs' local times (IANA name such as America/New_York, or an offset like -05:00). Default: this machine's zone, and records say amt.time_source assumed (a single file has no site to learn the zone from; collect learns it from the site's evidence).", valueName: "ZONE"))
    var tz: String?

    @Flag(help: "For .evtx files, print each record's XML instead of JSON.")
    var xml = false

    @Option(help: ArgumentHelp("Host name for records whose source names no machine.", valueName: "NAME"))
    var host: String?

    @Option(help: ArgumentHelp("Redact the records: none (default: parse reads files already on this machine), secrets or pii (pseudonyms for this run only).", valueName: "MODE"))
    var redact: RedactionMode = .none

    func validate() throws {
        if let kind, !SourceParsing.kinds.contains(kind) {
            throw ValidationError("unknown --kind '\(kind)'; known: \(SourceParsing.kinds.joined(separator: ", "))")
        }
        if let tz, SiteZone.named(tz) == nil {
            throw ValidationError(SiteZone.unknownZoneMessage(tz))
        }
        if xml, redact != .none {
            throw ValidationError("--xml prints events as stored and cannot be redacted; leave out --redact")
        }
    }

    func run() throws {
        let zone = tz.flatMap(SiteZone.named) ?? .collector
        var failed = false
        let redactor = Redactor(mode: redact)
        let base = JSONLinesWriter()
        let writer = RedactingWriter(base: base, redactor: redactor)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var out = RecordOutput()
        defer { out.release() }
        for file in files {
            let path = FilePath(file)
            let context = ParseContext(sourcePath: file, hostName: host, zone: zone)
            do {
                let stats: ParseStats
                if xml {
                    var s = ParseStats()
                    try EVTXReader(path: path).readXML(stats: &s) { text in
                        buffer.append(contentsOf: Array(text.utf8))
                        buffer.append(0x0A)
                        if buffer.count >= 1 << 20 { try Console.writeOut(buffer); buffer.removeAll(keepingCapacity: true) }
                    }
                    stats = s
                } else if (kind ?? "auto") == "auto", MailFilter.isExpandable(path) {
                    // An archive (SQL setup's Log*.cab): every member is parsed as `<file>.expanded/<member>`.
                    stats = try Self.parseArchive(path: path, file: file, host: host, zone: zone) { record in
                        try out.write(record, writer)
                    }
                } else if !redactor.isActive, let s = try SourceParsing.parseEVTXJSONLines(path: path, kind: kind, context: context,
                                                                        write: Console.writeOut) {
                    stats = s
                } else {
                    stats = try SourceParsing.parse(path: path, kind: kind, context: context) { record in
                        try out.write(record, writer)
                    }
                }
                try Console.writeOut(buffer)
                buffer.removeAll(keepingCapacity: true)
                try out.flush()
                if stats.parseErrors > 0 || !stats.problems.isEmpty {
                    Console.say("\(file): \(stats.records) records, \(stats.parseErrors) could not be parsed")
                    for p in stats.problems { Console.say("  \(p)") }
                }
            } catch let failure as StdoutError {
                // The reader closed the pipe: the files left are not read, and the status is that
                // of the files read so far. Any other failure ends the command with status 1.
                guard failure.isClosedPipe else { throw failure }
                break
            } catch {
                // A write to stdout that failed inside the file's parse (and came out wrapped, or
                // as the parser's own error) ends the command, not only this file.
                if let failure = Console.outputFailure {
                    guard failure.isClosedPipe else { throw failure }
                    break
                }
                // The records before the damage are written first, then the file's error.
                var closed = false
                do {
                    try Console.writeOut(buffer)
                    buffer.removeAll(keepingCapacity: true)
                    try out.flush()
                } catch let failure as StdoutError where failure.isClosedPipe {
                    closed = true
                }
                Console.say("amt-collect: \(file): \(ErrorText.describe(error))")
                failed = true
                if closed { break }
            }
        }
        if failed { throw ExitCode.failure }
    }

    /// Expands an archive into a temporary folder and parses each member; the members' stats are
    /// added up, and members left out or damage are reported as problems.
    static func parseArchive(
        path: FilePath, file: String, host: String?, zone: SiteZone, emit: RecordSink
    ) throws -> ParseStats {
        let work = WorkFolder.forParse()
        try CollectJob.makeDirectory(work)
        defer { CollectJob.remove(work) }
        let expansion: ArchiveExpansion.Expansion
        do {
            expansion = try ArchiveExpansion.expand(path: path, work: work, tag: "p", cap: Int64.max)
        } catch {
            throw CommandFailure(description: WorkFolder.scrub(ErrorText.describe(error), work: work))
        }
        var total = ParseStats()
        for member in expansion.members {
            let shownName = file + ".expanded/" + member.name
            let context = ParseContext(sourcePath: shownName, hostName: host, zone: zone)
            let stats: ParseStats
            do {
                stats = try SourceParsing.parse(path: member.temp, kind: nil, context: context, emit: emit)
            } catch {
                // Named as the member of the archive it is, not as the work file it was read from.
                let text = ErrorText.describe(error).replacingOccurrences(of: member.temp.string, with: shownName)
                throw CommandFailure(description: WorkFolder.scrub(text, work: work))
            }
            total.records += stats.records
            total.parseErrors += stats.parseErrors
            for p in stats.problems { total.note("\(member.name): \(p)") }
        }
        for (name, why) in expansion.leftOut { total.note("\(name): \(why)") }
        if let damage = expansion.damage { total.recordProblem("the archive could not be read completely: \(damage)") }
        return total
    }
}

/// The records writer of `parse` and the redactor applied to each record first (when active).
struct RedactingWriter {
    let base: JSONLinesWriter
    let redactor: Redactor
}

/// Records' JSON lines collected in one buffer and written to stdout in large writes: each record
/// is encoded straight into the buffer's free space.
struct RecordOutput {
    private let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
    private var used = 0

    mutating func write(_ record: Record, _ writer: JSONLinesWriter) throws {
        if let n = writer.write(record, into: UnsafeMutableRawBufferPointer(rebasing: storage[used...])) {
            used += n
            if used >= storage.count - (64 << 10) { try flush() }
            return
        }
        try flush()
        if let n = writer.write(record, into: storage) {
            used = n
            return
        }
        // Larger than the buffer's worst case allows: encode it on its own.
        var bytes: [UInt8] = []
        writer.append(record, to: &bytes)
        try Console.writeOut(bytes)
    }

    /// - Throws: `StdoutError`.
    mutating func flush() throws {
        guard used > 0 else { return }
        defer { used = 0 }
        try Console.writeOut(UnsafeRawBufferPointer(rebasing: storage[..<used]))
    }

    /// Redacts the record first when the writer's redactor is active.
    mutating func write(_ record: Record, _ writer: RedactingWriter) throws {
        guard writer.redactor.isActive else { return try write(record, writer.base) }
        var r = record
        writer.redactor.redact(&r)
        try write(r, writer.base)
    }

    func release() { storage.deallocate() }
}
