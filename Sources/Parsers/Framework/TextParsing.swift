import CodePages
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
        emit: RecordSink
    ) throws -> ParseStats {
        var decoder = LineDecoder(maxLineBytes: maxLineBytes, codePagePrior: context.codePagePrior)
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
        // Phase 2: the rest, each line handed to the parser as it is decoded.
        var stats = try run(sample: sample, ended: ended, dataset: dataset, context: context, emit: emit) { feed in
            while let chunk = try source.nextChunk() {
                try decoder.push(chunk, emit: feed)
            }
            try decoder.finish(emit: feed)
        }
        stats.take(decoder)
        return stats
    }

    /// Parses lines decoded elsewhere (another thread may decode the next ones meanwhile), as
    /// `parse(source:…)` parses bytes: the same detection, framing, records and stats.
    public static func parse(
        lines source: inout some LineBatchSource,
        dataset: String? = nil,
        context: ParseContext,
        emit: RecordSink
    ) throws -> ParseStats {
        var sample: [TextLine] = []
        var ended = false
        while sample.count < detectionLines {
            guard let batch = try source.nextLines() else {
                ended = true
                break
            }
            sample.append(contentsOf: batch)
        }
        var stats = try run(sample: sample, ended: ended, dataset: dataset, context: context, emit: emit) { feed in
            while var batch = try source.nextLines() {
                // Moved out of the batch one by one (reversed once through its buffer, whose
                // swaps move), not copied.
                batch.withUnsafeMutableBufferPointer { $0.reverse() }
                while let line = batch.popLast() { try feed(line) }
            }
        }
        stats.take(source.decoder)
        return stats
    }

    /// Detects the format from the sample (unless `dataset` names one) and parses the sample, then
    /// the lines `rest` hands to the function it is given.
    private static func run(
        sample: [TextLine], ended: Bool, dataset: String?, context: ParseContext, emit: RecordSink,
        rest: ((TextLine) throws -> Void) throws -> Void
    ) throws -> ParseStats {
        let forced: (any TextFormatParser.Type)? =
            dataset.flatMap { $0 == "auto" ? nil : TextFormats.parser(for: $0) }
        let sampleTexts = sample.prefix(detectionLines).map(\.text)
        let type = forced ?? TextFormats.detect(lines: Array(sampleTexts), path: context.sourcePath)
        // With the concrete parser type (no existential on the per-line path).
        var stats = try drive(type, sample: sample, sampleTexts: Array(sampleTexts), ended: ended,
                              context: context, emit: emit, rest: rest)
        stats.dataset = type.dataset
        return stats
    }

    private static func drive<P: TextFormatParser>(
        _ type: P.Type, sample: [TextLine], sampleTexts: [String], ended: Bool, context: ParseContext,
        emit: RecordSink, rest: ((TextLine) throws -> Void) throws -> Void
    ) throws -> ParseStats {
        // (`emit` is captured by the function handed to `rest`, which Swift allows only for a
        // closure it may treat as escaping; it does not escape.)
        try withoutActuallyEscaping(emit) { emit in
            // The parser and its counts live in an object: captured as local variables by the
            // closure handed to `rest`, each line's access to them went through the runtime's
            // exclusivity checks.
            let run = Run(P(context: context, sample: sampleTexts))
            func counting(_ record: inout Record) throws {
                run.emitted += 1
                try emit(&record)
            }
            for line in sample { try run.parser.feed(line, stats: &run.stats, emit: counting) }
            if !ended {
                try rest { try run.parser.feed($0, stats: &run.stats, emit: counting) }
            }
            try run.parser.finish(stats: &run.stats, emit: counting)
            run.stats.records = run.emitted
            return run.stats
        }
    }

    /// One parse's state; used by one thread only.
    private final class Run<P: TextFormatParser> {
        @exclusivity(unchecked) var parser: P
        @exclusivity(unchecked) var stats = ParseStats()
        @exclusivity(unchecked) var emitted = 0
        init(_ parser: P) { self.parser = parser }
    }

    /// Convenience for tests and small inputs: parses bytes in memory.
    public static func parse(
        bytes: [UInt8], dataset: String? = nil, context: ParseContext, chunkSize: Int = 1 << 16
    ) throws -> (records: [Record], stats: ParseStats) {
        var source = MemoryByteSource(bytes, chunkSize: chunkSize)
        var records: [Record] = []
        let stats = try parse(source: &source, dataset: dataset, context: context) { records.append($0.take()) }
        return (records, stats)
    }
}

/// Decoded lines in batches, in order; at the end, the decoder that made them (its encoding and
/// counts of what it cut or dropped go into the parse stats).
public protocol LineBatchSource {
    /// The next lines (never empty), or `nil` at the end.
    mutating func nextLines() throws -> [TextLine]?
    /// After `nextLines` returned `nil`: the decoder, finished.
    var decoder: LineDecoder { get }
}

/// Decodes a byte source chunk by chunk: one batch of lines per chunk that ends a line (for a
/// thread that decodes ahead of the parser).
public struct DecodingLineSource<Source: ByteSource>: LineBatchSource {
    public private(set) var source: Source
    public private(set) var decoder: LineDecoder
    private var ended = false
    private var lastCount = 0

    /// `codePagePrior`: the site's ANSI code page, when known (see `LineDecoder`).
    public init(_ source: Source, maxLineBytes: Int = 1 << 20, codePagePrior: CodePage? = nil) {
        self.source = source
        decoder = LineDecoder(maxLineBytes: maxLineBytes, codePagePrior: codePagePrior)
    }

    public mutating func nextLines() throws -> [TextLine]? {
        var lines: [TextLine] = []
        lines.reserveCapacity(lastCount)
        while lines.isEmpty && !ended {
            if let chunk = try source.nextChunk() {
                decoder.push(chunk) { lines.append($0) }
            } else {
                decoder.finish { lines.append($0) }
                ended = true
            }
        }
        lastCount = lines.count
        return lines.isEmpty ? nil : lines
    }
}

extension ParseStats {
    /// Takes in what the decoder of a parse knows: the encoding (in words, and how it was
    /// decided), lines cut, bytes dropped.
    mutating func take(_ decoder: LineDecoder) {
        encoding = decoder.encodingDescription
        encodingUse = decoder.encodingUse
        linesTruncated += decoder.linesTruncated
        bytesDropped += decoder.bytesDropped
        if decoder.linesTruncated > 0 { lineLimitBytes = decoder.maxLineBytes }
    }
}

extension ParseContext {
    /// The site's ANSI code page (`ansiCodePage`) when it is one the decoders know.
    public var codePagePrior: CodePage? { ansiCodePage.flatMap(CodePage.init(number:)) }
}
