import LogRecord
import SystemPackage

/// Reads one collected file, read-only, in bounded chunks, within a size cap.
///
/// The size is taken once, from the open descriptor, when the reader is made; at most that many
/// bytes are ever read, so a file that grows while it is read is read up to the size it had when
/// opened. Beyond `cap` the reader keeps the first `cap / 2` bytes and the last `cap - cap / 2`
/// bytes of that size; the first chunk of the tail carries `skippedBefore` = the bytes left out.
/// If the file shrinks while it is read, reading stops cleanly at the new end and `shrank` says so.
///
/// The same reader feeds the raw copy in the bundle and the parser, so the raw copy is exactly
/// what was parsed. Reads use absolute offsets (`pread`), so copies of a reader are independent.
public struct SourceReader: ByteSource, Sendable {
    /// How a capped file was cut.
    public struct Truncation: Sendable, Equatable, Codable {
        /// Bytes left out between head and tail.
        public var droppedBytes: Int64
        /// Bytes kept from the start.
        public var headBytes: Int64
        /// Bytes kept from the end.
        public var tailBytes: Int64
        /// The file's size when opened.
        public var originalSize: Int64
        /// In words: "kept first 32 MiB and last 32 MiB of 200 MiB".
        public var how: String
    }

    /// The path being read.
    public let path: FilePath
    /// The file's size when it was opened.
    public let size: Int64
    /// The modification time when it was opened.
    public let modified: Timestamp?
    /// Set when the file is larger than the cap.
    public let truncation: Truncation?
    /// Bytes handed out so far.
    public private(set) var bytesRead: Int64 = 0
    /// Set when the file turned out shorter than its size at open: what was seen, in words.
    public private(set) var shrank: String?

    private let handle: Handle
    private let chunkSize: Int
    /// (offset, length) ranges still to read, and whether the next chunk starts a new range.
    private var ranges: [(offset: Int64, length: Int64, skippedBefore: Int64)]
    private var position: Int64 = 0

    /// Opens `path` read-only. `cap` (bytes, > 0) limits what is read; `chunkSize` bounds each
    /// chunk. Throws `CollectorError` (`permission_denied`, `not_found`, `is_directory`,
    /// `not_regular_file`, `io`) naming the path, with the system's words.
    public init(path: FilePath, cap: Int64 = 64 << 20, chunkSize: Int = 1 << 20) throws(CollectorError) {
        try self.init(path: path, cap: cap, chunkSize: chunkSize, access: SystemFileAccess())
    }

    init(path: FilePath, cap: Int64, chunkSize: Int, access: some FileSystemAccess) throws(CollectorError) {
        let (fd, status) = try access.openForReading(path)
        self.path = path
        self.handle = Handle(fd)
        self.chunkSize = max(1, chunkSize)
        self.size = status.size
        self.modified = status.modified
        let cap = max(2, cap)
        if status.size > cap {
            let head = cap / 2
            let tail = cap - head
            let dropped = status.size - head - tail
            ranges = [(0, head, 0), (status.size - tail, tail, dropped)]
            truncation = Truncation(
                droppedBytes: dropped, headBytes: head, tailBytes: tail, originalSize: status.size,
                how: "kept first \(byteCount(head)) and last \(byteCount(tail)) of \(byteCount(status.size))"
            )
        } else {
            ranges = status.size > 0 ? [(0, status.size, 0)] : []
            truncation = nil
        }
    }

    /// The next chunk (at most `chunkSize` bytes), or `nil` at the end.
    public mutating func nextChunk() throws(CollectorError) -> ByteChunk? {
        guard let range = ranges.first else { return nil }
        let remaining = range.length - position
        let want = Int(min(Int64(chunkSize), remaining))
        var buffer = [UInt8](repeating: 0, count: want)
        var filled = 0
        let start = range.offset + position
        while filled < want {
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { raw in
                    try handle.fd.read(fromAbsoluteOffset: start + Int64(filled),
                                       into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]),
                                       retryOnInterrupt: true)
                }
            } catch {
                throw .system(error, "read", path)
            }
            if n == 0 { break }
            filled += n
        }
        if filled < want {
            // The file is shorter than it was at open: stop here, cleanly.
            shrank = "file shrank while read: ended at byte \(start + Int64(filled)) of \(size) expected"
            ranges.removeAll()
            guard filled > 0 else { return nil }
            buffer.removeLast(want - filled)
        }
        let skipped = position == 0 ? range.skippedBefore : 0
        position += Int64(filled)
        bytesRead += Int64(filled)
        if !ranges.isEmpty, position >= range.length {
            ranges.removeFirst()
            position = 0
        }
        return ByteChunk(bytes: buffer, skippedBefore: UInt64(skipped))
    }

    /// Owns the descriptor and closes it when the last copy of the reader goes away.
    private final class Handle: Sendable {
        let fd: FileDescriptor
        init(_ fd: FileDescriptor) { self.fd = fd }
        deinit { try? fd.close() }
    }
}

/// `12 bytes`, `3 KiB`, `32 MiB`, `1.5 GiB`: exact in bytes below 1 KiB, else one decimal where
/// it is not whole.
func byteCount(_ n: Int64) -> String {
    let units = ["KiB", "MiB", "GiB", "TiB"]
    if n < 1024 { return "\(n) bytes" }
    var value = Double(n) / 1024
    var unit = 0
    while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
    let tenths = Int((value * 10).rounded())
    if tenths % 10 == 0 { return "\(tenths / 10) \(units[unit])" }
    return "\(tenths / 10).\(tenths % 10) \(units[unit])"
}
