import Collector
import LogRecord
import Parsers
import SystemPackage
import Triage

/// The parse stage for one source: reads it once through the size cap, keeps the bytes read as
/// the raw copy, and parses those same bytes into a JSON Lines file of records inside the window.
enum SourceStage {
    static func process(
        index: Int, path: FilePath, relativePath: String, entryID: String, kind: String,
        work: FilePath, hostName: String?, zone: SiteZone, window: TimeWindow, cap: Int64
    ) -> ProcessedSource {
        var result = ProcessedSource(relativePath: relativePath, entryID: entryID, rawTemp: nil, recordsTemp: nil,
                                     stats: ParseStats(), counts: LevelCounts(), outsideWindow: 0,
                                     truncatedBytes: nil, truncatedHow: nil, failure: nil, fatal: nil,
                                     sqlFacts: nil, installRuns: [])
        let rawPath = work.appending("raw-\(index)")
        let recordsPath = work.appending("records-\(index).jsonl")
        do {
            var reader = try SourceReader(path: path, cap: cap)
            let raw = try BufferedFileWriter(creating: rawPath)
            result.rawTemp = rawPath
            let first = try reader.nextChunk()
            if let first { try raw.append(first.bytes) }

            if kind == "config" {
                // Configuration files are evidence to read, not logs: copied, not parsed.
                while let chunk = try reader.nextChunk() { try raw.append(chunk.bytes) }
                try raw.close()
                result.stats.dataset = "config"
                if let t = reader.truncation {
                    result.truncatedBytes = t.droppedBytes
                    result.truncatedHow = t.how
                }
                return result
            }
            let records = try BufferedFileWriter(creating: recordsPath)
            result.recordsTemp = recordsPath
            let writer = JSONLinesWriter()
            let context = ParseContext(sourcePath: relativePath, hostName: hostName, zone: zone)
            var counts = LevelCounts()
            var outside = 0
            var sqlFacts = SQLServerFacts()
            var installRuns: [InstallRun] = []
            let emit: (Record) throws -> Void = { record in
                if record.outcome != nil, let run = InstallRun(record: record) { installRuns.append(run) }
                if record.dataset == Dataset.sqlErrorlog, let f = SQLServerFacts(record: record) { sqlFacts = sqlFacts.merge(f) }
                guard window.contains(record.timestamp) else {
                    outside += 1
                    return
                }
                counts.add(record)
                try records.withBuffer { writer.append(record, to: &$0) }
            }

            let kindHint = kind == "auto" ? nil : kind
            if SourceParsing.isEVTX(first?.bytes ?? []) || kindHint == Dataset.evtx {
                // Binary event logs are read by chunk offsets: copy first, then parse the copy.
                while let chunk = try reader.nextChunk() { try raw.append(chunk.bytes) }
                try raw.close()
                result.stats = try SourceParsing.parseEVTX(path: rawPath, context: context, emit: emit)
            } else {
                let tee = TeeSource(reader: reader, raw: raw)
                result.stats = try SourceParsing.parseStream(first: first, rest: tee, kind: kindHint,
                                                             context: context, emit: emit)
                try raw.close()
                reader = tee.reader
            }
            try records.close()
            result.counts = counts
            result.outsideWindow = outside
            result.sqlFacts = sqlFacts.isEmpty ? nil : sqlFacts
            result.installRuns = installRuns
            if let t = reader.truncation {
                result.truncatedBytes = t.droppedBytes
                result.truncatedHow = t.how
            }
        } catch let error as OutputError {
            result.fatal = error.description
            if let r = result.rawTemp { CollectJob.remove(r) }
            if let r = result.recordsTemp { CollectJob.remove(r) }
            result.rawTemp = nil
            result.recordsTemp = nil
        } catch {
            result.failure = ErrorText.describe(error)
            if let r = result.rawTemp { CollectJob.remove(r) }
            if let r = result.recordsTemp { CollectJob.remove(r) }
            result.rawTemp = nil
            result.recordsTemp = nil
        }
        return result
    }
}

/// Hands a source's chunks to the parser and writes each one to the raw copy on the way. A class,
/// so that the reader's state (bytes read, truncation) is the one the caller sees afterwards.
final class TeeSource: ByteSource {
    private(set) var reader: SourceReader
    let raw: BufferedFileWriter

    init(reader: SourceReader, raw: BufferedFileWriter) {
        self.reader = reader
        self.raw = raw
    }

    func nextChunk() throws -> ByteChunk? {
        guard let chunk = try reader.nextChunk() else { return nil }
        try raw.append(chunk.bytes)
        return chunk
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

    /// `nil` unless the record is an install/setup summary record (`amt.install.*`).
    init?(record: Record) {
        guard let outcome = record.outcome, record.extra("install") != nil else { return nil }
        source = record.filePath ?? "?"
        time = record.timestamp
        self.outcome = outcome
        product = record.extra("install.product")?.stringValue
        exitCode = record.extra("install.exit_code").map { v -> String in
            if let s = v.stringValue { return s }
            if let i = v.intValue { return String(i) }
            return "?"
        } ?? record.code
        firstError = record.extra("install.first_error")?.stringValue
        complete = record.extra("install.complete") != .bool(false)
    }

    /// One line for the summary.
    var line: String {
        var text = "\(outcome == .unknown ? "INCOMPLETE" : outcome.rawValue.uppercased())  \(product ?? "unknown product")"
        if let exitCode { text += ", exit code \(exitCode)" }
        if let time { text += ", \(time.iso8601)" }
        text += "  (\(source))"
        if let firstError, outcome != .success { text += "\n      first error: \(firstError.prefix(160))" }
        return text
    }
}
