import Collector
import EventLog
import LogRecord
import Parsers
import SystemPackage

/// Reads one source file into records, whatever its format: EVTX by signature, exported event
/// XML/CSV by content, and every text format through the text parsers (detected by content unless
/// `kind` names one).
public enum SourceParsing {
    /// Dataset ids `--kind` accepts.
    public static var kinds: [String] {
        ["auto", Dataset.evtx, Dataset.eventXML, Dataset.eventCSV, Dataset.text] + TextFormats.all.map { $0.dataset }
    }

    /// Parses the file at `path`. `kind` is a dataset id, or `nil`/`auto` to decide by content.
    /// Returns the stats; bad content is counted there, only I/O failures and `emit` throw.
    public static func parse(
        path: FilePath, kind: String?, context: ParseContext, emit: RecordSink
    ) throws -> ParseStats {
        // Look at the signature with a small read: EVTX files are read by chunk offsets instead.
        var probe = try SourceReader(path: path, cap: Int64.max, chunkSize: 8)
        let signature = try probe.nextChunk()?.bytes ?? []
        if kind == Dataset.evtx || ((kind ?? "auto") == "auto" && isEVTX(signature)) {
            return try parseEVTX(path: path, context: context, emit: emit)
        }
        var reader = try SourceReader(path: path, cap: Int64.max)
        let first = try reader.nextChunk()
        return try parseStream(first: first, rest: reader, kind: kind, context: context, emit: emit)
    }

    /// When the file at `path` is to be read as EVTX (by `kind`, or by its signature), parses it
    /// straight to JSON Lines: `write` gets batches of whole lines, the bytes `parse` and
    /// `JSONLinesWriter` would give. `nil` for any other file (nothing written).
    public static func parseEVTXJSONLines(
        path: FilePath, kind: String?, context: ParseContext, write: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> ParseStats? {
        guard kind == Dataset.evtx || (kind ?? "auto") == "auto" else { return nil }
        if kind != Dataset.evtx {
            var probe = try SourceReader(path: path, cap: Int64.max, chunkSize: 8)
            guard isEVTX(try probe.nextChunk()?.bytes ?? []) else { return nil }
        }
        var stats = ParseStats()
        stats.dataset = Dataset.evtx
        try EVTXReader(path: path).readJSONLines(context: context, stats: &stats, write: write)
        return stats
    }

    public static func isEVTX(_ head: [UInt8]) -> Bool {
        head.starts(with: Array("ElfFile\0".utf8))
    }

    /// Parses an .evtx file (random access by chunk).
    public static func parseEVTX(path: FilePath, context: ParseContext, emit: RecordSink) throws -> ParseStats {
        var stats = ParseStats()
        stats.dataset = Dataset.evtx
        let evtx = try EVTXReader(path: path)
        var count = 0
        try evtx.read(context: context, stats: &stats) { record in
            count += 1
            try emit(&record)
        }
        stats.records = count
        return stats
    }

    /// Parses a streamed source that is not EVTX: exported event XML/CSV or any text log.
    /// `first` is the first chunk, already read to look at the content.
    public static func parseStream<S: ByteSource>(
        first: ByteChunk?, rest: S, kind: String?, context: ParseContext, emit: RecordSink
    ) throws -> ParseStats {
        let resolved = resolve(kind: kind, head: first?.bytes ?? [])
        var source = PrependedSource(first: first, rest: rest)
        switch resolved {
        case Dataset.eventXML, Dataset.eventCSV:
            var stats = ParseStats()
            stats.dataset = resolved
            var count = 0
            func counting(_ record: inout Record) throws {
                count += 1
                try emit(&record)
            }
            if resolved == Dataset.eventXML {
                try EventExportParser.parseXML(source: &source, context: context, stats: &stats, emit: counting)
            } else {
                try EventExportParser.parseCSV(source: &source, context: context, stats: &stats, emit: counting)
            }
            stats.records = count
            return stats
        default:
            return try TextParsing.parse(source: &source, dataset: resolved, context: context, emit: emit)
        }
    }

    /// The dataset to parse as: the given kind unless it is `auto`/`nil`, else by content.
    /// Text formats are left as `auto` for the text detector.
    public static func resolve(kind: String?, head: [UInt8]) -> String {
        if let kind, kind != "auto" { return kind }
        if isEVTX(head) { return Dataset.evtx }
        if EventExportParser.looksLikeEventXML(head) { return Dataset.eventXML }
        if EventExportParser.looksLikeEventCSV(head) { return Dataset.eventCSV }
        return "auto"
    }
}

/// A byte source that hands out an already-read first chunk, then the rest.
struct PrependedSource<Rest: ByteSource>: ByteSource {
    var first: ByteChunk?
    var rest: Rest

    mutating func nextChunk() throws -> ByteChunk? {
        if let f = first {
            first = nil
            return f
        }
        return try rest.nextChunk()
    }
}
