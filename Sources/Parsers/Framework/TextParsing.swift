import LogRecord

/// Reads a text source end to end: decodes, detects the format by content (unless told), frames
/// and parses, and streams records to `emit`.
public enum TextParsing {
    /// Lines looked at to detect the format.
    public static let detectionLines = 64

    /// Parses `source` as `dataset` (a registered format id, `text`, or `nil`/`auto` to detect by
    /// content). Records get `log.file.path` from `context`. Bad content is counted in the returned
    /// stats, never thrown; only reading the source and `emit` can throw.
    public static func parse(
        source: inout some ByteSource,
        dataset: String? = nil,
        context: ParseContext,
        maxLineBytes: Int = 1 << 20,
        emit: (Record) throws -> Void
    ) throws -> ParseStats {
        var stats = ParseStats()
        var decoder = LineDecoder(maxLineBytes: maxLineBytes)
        var sample: [TextLine] = []
        var parser: (any TextFormatParser)? = nil
        let forced: (any TextFormatParser.Type)? =
            dataset.flatMap { $0 == "auto" ? nil : TextFormats.parser(for: $0) }

        func start() {
            let type = forced ?? TextFormats.detect(lines: sample.map(\.text), path: context.sourcePath)
            parser = type.init(context: context, sample: sample.map(\.text))
            stats.dataset = type.dataset
        }
        func take(_ line: TextLine) throws {
            if parser == nil {
                sample.append(line)
                if sample.count < detectionLines { return }
                start()
                let lines = sample
                sample = []
                for l in lines { try parser!.feed(l, stats: &stats, emit: countingEmit) }
                return
            }
            // Moved out while it runs, so that the parser's state stays uniquely referenced
            // (mutating through `parser!` copied the whole parser for every line).
            var p = parser.take()!
            defer { parser = p }
            try p.feed(line, stats: &stats, emit: countingEmit)
        }
        var emitted = 0
        func countingEmit(_ record: Record) throws {
            emitted += 1
            try emit(record)
        }

        while let chunk = try source.nextChunk() {
            try decoder.push(chunk) { try take($0) }
        }
        try decoder.finish { try take($0) }
        if parser == nil {
            start()
            for l in sample { try parser!.feed(l, stats: &stats, emit: countingEmit) }
        }
        try parser!.finish(stats: &stats, emit: countingEmit)
        stats.records = emitted
        stats.encoding = decoder.encodingDescription
        stats.linesTruncated += decoder.linesTruncated
        stats.bytesDropped += decoder.bytesDropped
        return stats
    }

    /// Convenience for tests and small inputs: parses bytes in memory.
    public static func parse(
        bytes: [UInt8], dataset: String? = nil, context: ParseContext, chunkSize: Int = 1 << 16
    ) throws -> (records: [Record], stats: ParseStats) {
        var source = MemoryByteSource(bytes, chunkSize: chunkSize)
        var records: [Record] = []
        let stats = try parse(source: &source, dataset: dataset, context: context) { records.append($0) }
        return (records, stats)
    }
}
