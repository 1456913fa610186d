/// What every parser needs to know about the source it reads.
public struct ParseContext: Sendable {
    /// `log.file.path` for the records: relative to the collection root, `/`-separated.
    public var sourcePath: String
    /// `host.name` for records whose source does not name a machine.
    public var hostName: String?
    /// Converts the source's local times to UTC.
    public var zone: SiteZone
    /// The layout the site's logging configuration declares for this file, if one does.
    public var layout: DeclaredLayout?
    /// The site's ANSI code page (Windows number, e.g. 1251), the prior for files that are not
    /// UTF-8: `GetACP()` on a live system, else what the site's files show. `nil`: not known.
    public var ansiCodePage: Int?

    public init(sourcePath: String, hostName: String? = nil, zone: SiteZone = .collector, layout: DeclaredLayout? = nil,
                ansiCodePage: Int? = nil) {
        self.sourcePath = sourcePath
        self.hostName = hostName
        self.zone = zone
        self.layout = layout
        self.ansiCodePage = ansiCodePage
    }
}

/// What parsing one source produced besides records: counts for the manifest, and the first few
/// problems in words. Parsers never throw for bad content; they count it here.
public struct ParseStats: Sendable, Codable, Equatable {
    /// Records emitted.
    public var records: Int = 0
    /// Entries or records that could not be parsed (each also summarized in `problems`, up to a cap).
    public var parseErrors: Int = 0
    /// Lines longer than the line limit: the excess bytes were dropped.
    public var linesTruncated: Int = 0
    /// Bytes dropped by line or entry limits.
    public var bytesDropped: Int64 = 0
    /// Continuation lines that came when their entry had reached the entry limit: each was recorded
    /// on its own (a record, or the head of the next entry) instead of joining it.
    public var entryLinesSplit: Int = 0
    /// The line limit in bytes, set when a line was cut at it (`linesTruncated` > 0).
    public var lineLimitBytes: Int?
    /// The entry limit that was reached (lines, and bytes where the parser bounds them), set when
    /// lines were split off or dropped because of it.
    public var entryLimitLines: Int?
    public var entryLimitBytes: Int?
    /// Format-specific counters for the manifest (e.g. `chunks_skipped`, `records_carved`).
    public var counters: [String: Int] = [:]
    /// The first problems, each naming where (line or offset) and what. At most `problemLimit`.
    public var problems: [String] = []
    /// The encoding the source was decoded with (text formats), in words for people.
    public var encoding: String?
    /// The encoding and how it was decided (text formats), for the manifest.
    public var encodingUse: EncodingUse?
    /// The layout the parser used and where it came from (.NET logs), for the manifest.
    public var layout: LayoutUse?
    /// The format the parser settled on (`event.dataset`), when detected from content.
    public var dataset: String?

    public static let problemLimit = 20

    public init() {}

    /// Counts one parse error and keeps its description while under the cap.
    public mutating func recordProblem(_ message: String) {
        parseErrors += 1
        if problems.count < ParseStats.problemLimit { problems.append(message) }
    }

    /// Keeps a note that is not an error (e.g. "chunk 7: checksum mismatch, parsed anyway").
    public mutating func note(_ message: String) {
        if problems.count < ParseStats.problemLimit { problems.append(message) }
    }

    /// Counts a continuation line split off a full entry, and keeps the limit it reached.
    public mutating func countEntryLineSplit(limitLines: Int, limitBytes: Int?) {
        entryLinesSplit += 1
        entryLimitLines = limitLines
        entryLimitBytes = limitBytes
    }

    public mutating func count(_ counter: String, by n: Int = 1) {
        counters[counter, default: 0] += n
    }
}

/// A chunk of a source's bytes. `skippedBefore` > 0 says bytes were left out before this chunk
/// (a size cap kept head and tail), so no entry may be joined across it.
public struct ByteChunk: Sendable {
    public var bytes: [UInt8]
    public var skippedBefore: UInt64

    public init(bytes: [UInt8], skippedBefore: UInt64 = 0) {
        self.bytes = bytes
        self.skippedBefore = skippedBefore
    }
}

/// A stream of a source's bytes, read in bounded chunks.
public protocol ByteSource {
    /// The next chunk, or `nil` at the end. Chunks are never empty.
    mutating func nextChunk() throws -> ByteChunk?
}

/// A `ByteSource` over bytes in memory, handed out in chunks of `chunkSize` (tests use 1 to prove
/// that decoders give the same output however their input is split).
public struct MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private let chunkSize: Int
    private var offset = 0

    public init(_ bytes: [UInt8], chunkSize: Int = 1 << 16) {
        self.bytes = bytes
        self.chunkSize = max(1, chunkSize)
    }

    public mutating func nextChunk() throws -> ByteChunk? {
        guard offset < bytes.count else { return nil }
        let end = min(bytes.count, offset + chunkSize)
        defer { offset = end }
        return ByteChunk(bytes: Array(bytes[offset..<end]))
    }
}
