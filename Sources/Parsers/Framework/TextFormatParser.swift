import LogRecord

/// A parser for one text log format: it is offered decoded lines in order and emits records.
///
/// Framing is the parser's: a line that does not start a new entry (stack trace, wrapped message)
/// joins the pending entry, which is emitted when the next entry starts or at `finish`. A line
/// with `afterGap` set must not be joined to the entry before it.
public protocol TextFormatParser {
    /// The `event.dataset` this parser produces.
    static var dataset: String { get }

    /// How sure this parser is (0 to 100) that a source whose first lines are `lines` is in its
    /// format. `path` is the source path for tie-breaking only: content decides. 0 means "not mine".
    static func score(lines: [String], path: String) -> Int

    /// `sample` holds the first lines of the source (those `score` saw), for decisions made once
    /// per file (day/month order, layout variant); they are fed again through `feed`.
    init(context: ParseContext, sample: [String])

    /// Takes the next line.
    mutating func feed(_ line: TextLine, stats: inout ParseStats, emit: RecordSink) throws

    /// End of input: emits the pending entry and any summary records (e.g. an install outcome).
    mutating func finish(stats: inout ParseStats, emit: RecordSink) throws
}

/// The text formats amt-collect knows, in detection order (the first of equal scores wins).
/// The generic parser is the fallback and is not listed.
public enum TextFormats {
    public static var all: [any TextFormatParser.Type] { registeredTextFormats }

    /// The parser for a dataset id, if one is registered (`text` gives the generic parser).
    public static func parser(for dataset: String) -> (any TextFormatParser.Type)? {
        if dataset == GenericTextParser.dataset { return GenericTextParser.self }
        return all.first { $0.dataset == dataset }
    }

    /// Scores every parser on the first lines and returns the best, or the generic parser when no
    /// parser scores at least `minimumScore`.
    public static func detect(lines: [String], path: String, minimumScore: Int = 30) -> any TextFormatParser.Type {
        var best: (any TextFormatParser.Type)? = nil
        var bestScore = 0
        for parser in all {
            let s = parser.score(lines: lines, path: path)
            if s > bestScore { best = parser; bestScore = s }
        }
        if let best, bestScore >= minimumScore { return best }
        return GenericTextParser.self
    }
}
