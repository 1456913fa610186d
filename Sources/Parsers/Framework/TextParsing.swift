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
        var decoder = LineDecoder(maxLineBytes: maxLineBytes)
        // Phase 1: decode until the sample is full (or the input ends); lines decoded past the
        // sample in the same chunk wait in `sample` too.
        var sample: [TextLine] = []
        var ended = false
        while sample.count < detectionLines {
            guard let chunk = try source.nextChunk() else {
                decoder.finish { sample.append($0) }
                ended = true
                break
            }
            decoder.push(chunk) { sample.append($0) }
        }
        let forced: (any TextFormatParser.Type)? =
            dataset.flatMap { $0 == "auto" ? nil : TextFormats.parser(for: $0) }
        let sampleTexts = sample.prefix(detectionLines).map(\.text)
        let type = forced ?? TextFormats.detect(lines: Array(sampleTexts), path: context.sourcePath)
        // Phase 2: with the concrete parser type (no existential on the per-line path).
        var stats = try drive(type, sample: sample, sampleTexts: Array(sampleTexts), ended: ended,
                              decoder: &decoder, source: &source, context: context, emit: emit)
        stats.dataset = type.dataset
        stats.encoding = decoder.encodingDescription
        stats.linesTruncated += decoder.linesTruncated
        stats.bytesDropped += decoder.bytesDropped
        return stats
    }

    private static func drive<P: TextFormatParser>(
        _ type: P.Type, sample: [TextLine], sampleTexts: [String], ended: Bool,
        decoder: inout LineDecoder, source: inout some ByteSource, context: ParseContext,
        emit: (Record) throws -> Void
    ) throws -> ParseStats {
        var stats = ParseStats()
        var parser = P(context: context, sample: sampleTexts)
        var emitted = 0
        func counting(_ record: Record) throws {
            emitted += 1
            try emit(record)
        }
        for line in sample { try parser.feed(line, stats: &stats, emit: counting) }
        if !ended {
            while let chunk = try source.nextChunk() {
                try decoder.push(chunk) { try parser.feed($0, stats: &stats, emit: counting) }
            }
            try decoder.finish { try parser.feed($0, stats: &stats, emit: counting) }
        }
        try parser.finish(stats: &stats, emit: counting)
        stats.records = emitted
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
