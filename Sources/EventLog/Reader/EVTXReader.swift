import CZlib
import LogRecord
import SystemPackage

/// Why an EVTX file could not be read at all (damage inside a readable file is counted in
/// `ParseStats` instead).
public struct EVTXError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// The file could not be opened or read.
        case io
        /// The file is shorter than an EVTX file header.
        case tooShort
        /// The file does not start with the `ElfFile` signature.
        case notEVTX
    }

    public var code: Code
    public var path: String
    public var message: String
    /// The system error behind an `io` failure.
    public var underlying: Errno?

    public var description: String { "\(path): \(message)" }
}

/// Reads a Windows XML Event Log (`.evtx`) file one 64 KiB chunk at a time.
///
/// Memory use is bounded by one chunk plus one chunk's caches, whatever the file size. Every
/// physical chunk is read (not only the count the header admits); all-zero chunks are skipped,
/// a chunk with a bad signature is skipped and counted, a chunk with a bad checksum is parsed
/// anyway and counted. A record that cannot be parsed fails alone: the reader then scans forward
/// in the chunk for the next record signature (carving).
public struct EVTXReader: Sendable {
    public static let fileHeaderSize = 4096
    public static let chunkSize = 65536
    static let chunkHeaderSize = 512
    static let recordHeaderSize = 24
    /// File header flag: chunks carry no CRC32 checksums.
    static let flagNoCRC32: UInt32 = 0x4

    public let path: FilePath
    /// File size in bytes when opened.
    public let fileSize: Int64
    /// File-format flags from the header (dirty 0x1, full 0x2, no CRC32 0x4).
    public let flags: UInt32
    /// Chunks the header admits (files marked dirty may hold more).
    public let headerChunkCount: Int
    /// Offset of the first chunk.
    let firstChunkOffset: Int64

    /// Opens `path` for reading; an `EVTXError` naming it when that fails.
    static func open(_ path: FilePath) throws -> FileDescriptor {
        do {
            return try FileDescriptor.openForReading(path)
        } catch {
            throw EVTXError(code: .io, path: path.string, message: "cannot open: \(error)", underlying: error)
        }
    }

    /// Opens `path` and checks its file header. Throws `EVTXError` naming the path when the file
    /// cannot be read or is not an EVTX file.
    public init(path: FilePath) throws {
        self.path = path
        let fd = try Self.open(path)
        defer { try? fd.close() }
        var header = [UInt8](repeating: 0, count: 128)
        let got: Int
        do {
            fileSize = try fd.seek(offset: 0, from: .end)
            got = try Self.readFully(fd, at: 0, into: &header)
        } catch let e as Errno {
            throw EVTXError(code: .io, path: path.string, message: "cannot read: \(e)", underlying: e)
        }
        guard got == 128 else {
            throw EVTXError(code: .tooShort, path: path.string, message: "file of \(fileSize) bytes is shorter than an EVTX header (128 bytes)")
        }
        guard header.starts(with: Array("ElfFile\0".utf8)) else {
            throw EVTXError(code: .notEVTX, path: path.string, message: "no ElfFile signature at offset 0: not an EVTX file")
        }
        let (f, count, block) = header.withUnsafeBytes { raw -> (UInt32, Int, Int) in
            let v = ByteView(raw)
            return (v.u32(120) ?? 0, Int(v.u16(42) ?? 0), Int(v.u16(40) ?? 0))
        }
        flags = f
        headerChunkCount = count
        firstChunkOffset = Int64(block >= 128 && block <= 65536 ? block : Self.fileHeaderSize)
    }

    /// Reads up to `buffer.count` bytes at `offset`, retrying short reads; returns the count read.
    static func readFully(_ fd: FileDescriptor, at offset: Int64, into buffer: inout [UInt8]) throws -> Int {
        var total = 0
        let n = buffer.count
        try buffer.withUnsafeMutableBytes { raw in
            while total < n {
                let got = try fd.read(fromAbsoluteOffset: offset + Int64(total),
                                      into: UnsafeMutableRawBufferPointer(rebasing: raw[total...]))
                if got == 0 { break }
                total += got
            }
        }
        return total
    }

    /// Streams every record of the file as `Record`s (dataset `windows.evtx`), counting damage in
    /// `stats` (counters `chunks`, `chunks_skipped`, `checksum_failures`, `records_carved`,
    /// `records_failed`, and `values_undecodable` for values of a type code the format does not
    /// define: shown as hex, their records kept). Throws only for I/O failures and for errors
    /// thrown by `emit`.
    public func read(context: ParseContext, stats: inout ParseStats, emit: RecordSink) throws {
        try read(context: context, stats: &stats, fastPath: true, emit: emit)
    }

    /// `fastPath: false` builds every record from its rendered tree (tests compare the two).
    func read(context: ParseContext, stats: inout ParseStats, fastPath: Bool, emit: RecordSink) throws {
        try walk(stats: &stats, parse: { parser, v, start, end, header in
            if fastPath, let r = parser.fastRecord(v, from: start, to: end, recordID: header.id,
                                                   fileTime: header.fileTime, context: context) {
                return r
            }
            try parser.parseRecord(v, from: start, to: end)
            return EventFacts.record(parser.doc, recordID: header.id, fileTime: header.fileTime,
                                     dataset: Dataset.evtx, context: context)
        }, emit: { (r: inout Record, header) in
            if !header.checksumBad && !header.carved { return try emit(&r) }
            if header.checksumBad { r.setExtra("evtx.checksum_ok", .bool(false)) }
            if header.carved { r.setExtra("evtx.carved", .bool(true)) }
            try emit(&r)
        })
    }

    /// Streams every record of the file as JSON Lines: the bytes `JSONLinesWriter` writes for the
    /// records `read` gives, in the same order, with the same `stats`. Records of compiled
    /// templates are written straight from their values (no `Record` is built); the others go
    /// through `Record`s. `write` gets the lines in batches of whole lines (about `batchBytes`
    /// each, the last one smaller); memory stays bounded by one chunk, its caches and one batch.
    /// Throws only for I/O failures and for errors thrown by `write`.
    public func readJSONLines(context: ParseContext, stats: inout ParseStats, batchBytes: Int = 1 << 20,
                              write: (UnsafeRawBufferPointer) throws -> Void) throws {
        var out = OutBytes(capacity: batchBytes + (1 << 16))
        var scratch = JSONScratch()
        defer {
            out.free()
            scratch.free()
        }
        let file = JSONFileContext(context)
        let writer = JSONLinesWriter()
        var line: [UInt8] = []
        var writeFailed = false
        do {
            try walk(stats: &stats, parse: { parser, v, start, end, header in
                if parser.fastJSON(v, from: start, to: end, recordID: header.id, fileTime: header.fileTime, file: file,
                                   checksumBad: header.checksumBad, carved: header.carved,
                                   scratch: &scratch, out: &out) {
                    return
                }
                try parser.parseRecord(v, from: start, to: end)
                var r = EventFacts.record(parser.doc, recordID: header.id, fileTime: header.fileTime,
                                          dataset: Dataset.evtx, context: context)
                if header.checksumBad { r.setExtra("evtx.checksum_ok", .bool(false)) }
                if header.carved { r.setExtra("evtx.carved", .bool(true)) }
                line.removeAll(keepingCapacity: true)
                writer.append(r, to: &line)
                line.withUnsafeBufferPointer { out.bytes($0.baseAddress!, $0.count) }
            }, emit: { (_: inout Void, _) in
                guard out.count >= batchBytes else { return }
                do {
                    try write(out.bytes)
                } catch {
                    writeFailed = true
                    throw error
                }
                out.count = 0
            })
        } catch {
            // What was read before a read failure still goes out (as `read`'s callers do).
            if !writeFailed && out.count > 0 { try? write(out.bytes) }
            throw error
        }
        if out.count > 0 { try write(out.bytes) }
    }

    /// Same walk as `read`, handing each record's rendered XML (one string per record).
    public func readXML(stats: inout ParseStats, emit: (String) throws -> Void) throws {
        try walk(stats: &stats, parse: { parser, v, start, end, _ in
            try parser.parseRecord(v, from: start, to: end)
            return XMLRender.render(parser.doc)
        }, emit: { xml, _ in try emit(xml) })
    }

    /// The walk over rendered trees (tests use it to compare with the reference).
    func walkDocs(stats: inout ParseStats, _ body: (XDoc, RecordHeader) throws -> Void) throws {
        try walk(stats: &stats, parse: { parser, v, start, end, _ in
            try parser.parseRecord(v, from: start, to: end)
            return parser.doc
        }, emit: { doc, header in try body(doc, header) })
    }

    struct RecordHeader {
        var id: UInt64
        var fileTime: UInt64
        var chunkOffset: Int64
        var offset: Int
        var checksumBad: Bool
        var carved: Bool
    }

    /// The chunk-by-chunk walk shared by `read` and `readXML`.
    typealias Parse<T> = (inout BinXMLParser, ByteView, Int, Int, RecordHeader) throws -> T

    func walk<T>(stats: inout ParseStats, parse: Parse<T>, emit: (inout T, RecordHeader) throws -> Void) throws {
        for c in ["chunks", "chunks_skipped", "checksum_failures", "records_carved", "records_failed"] {
            stats.count(c, by: 0)
        }
        let fd = try Self.open(path)
        defer { try? fd.close() }
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        var parser = BinXMLParser()
        var chunkOffset = firstChunkOffset
        var index = 0
        while chunkOffset + Int64(Self.chunkHeaderSize) <= fileSize {
            let got: Int
            do {
                got = try Self.readFully(fd, at: chunkOffset, into: &buffer)
            } catch let e as Errno {
                throw EVTXError(code: .io, path: path.string, message: "cannot read chunk at offset \(chunkOffset): \(e)", underlying: e)
            }
            if got < Self.chunkSize {
                for k in got..<Self.chunkSize { buffer[k] = 0 }
            }
            if got >= Self.chunkHeaderSize {
                try buffer.withUnsafeBytes { raw in
                    try processChunk(ByteView(raw), index: index, fileOffset: chunkOffset, validBytes: got,
                                     parser: &parser, stats: &stats, parse: parse, emit: emit)
                }
            }
            chunkOffset += Int64(Self.chunkSize)
            index += 1
        }
    }

    static let chunkMagic: UInt64 = 0x006B_6E68_4366_6C45  // "ElfChnk\0"
    static let recordMagic: UInt32 = 0x0000_2A2A

    func processChunk<T>(_ v: ByteView, index: Int, fileOffset: Int64, validBytes: Int,
                                 parser: inout BinXMLParser, stats: inout ParseStats,
                                 parse: Parse<T>, emit: (inout T, RecordHeader) throws -> Void) throws {
        if Self.allZero(v, validBytes) { return }
        guard v.u64(0) == Self.chunkMagic else {
            stats.count("chunks_skipped")
            stats.note("chunk \(index) at file offset \(fileOffset): no ElfChnk signature, skipped")
            return
        }
        stats.count("chunks")
        parser.resetChunk()
        let free = Int(v.u32(48) ?? 0)
        let limit = (Self.chunkHeaderSize...validBytes).contains(free) ? free : validBytes
        var checksumBad = false
        if flags & Self.flagNoCRC32 == 0 {
            let headerCRC = v.u32(124) ?? 0
            var crc = Self.crc(v, 0, 120)
            crc = Self.crc(v, 128, Self.chunkHeaderSize - 128, seed: crc)
            let dataCRC = Self.crc(v, Self.chunkHeaderSize, limit - Self.chunkHeaderSize)
            if crc != headerCRC || dataCRC != (v.u32(52) ?? 0) {
                checksumBad = true
                stats.count("checksum_failures")
                stats.note("chunk \(index) at file offset \(fileOffset): \(crc != headerCRC ? "header" : "records") checksum mismatch, parsed anyway")
            }
        }
        var off = Self.chunkHeaderSize
        var carving = false
        while off + Self.recordHeaderSize <= limit {
            var failure: String?
            if v.u32(off) == Self.recordMagic {
                let size = Int(v.u32(off + 4) ?? 0)
                // The copy of the size at the end is not required: records cut by a crash keep their
                // header and usually parse (the reference reads them too).
                if size >= Self.recordHeaderSize + 4, off + size <= validBytes {
                    let header = RecordHeader(id: v.u64(off + 8) ?? 0, fileTime: v.u64(off + 16) ?? 0,
                                              chunkOffset: fileOffset, offset: off,
                                              checksumBad: checksumBad, carved: carving)
                    do {
                        parser.undecodableValues = 0
                        var item = try parse(&parser, v, off + Self.recordHeaderSize, off + size - 4, header)
                        stats.records += 1
                        if parser.undecodableValues > 0 {
                            stats.count("values_undecodable", by: parser.undecodableValues)
                            stats.note("chunk \(index) at file offset \(fileOffset), record at chunk offset \(off): record \(header.id): \(parser.undecodableValues) substitution value(s) of a type the format does not define, kept as hex")
                        }
                        if carving { stats.count("records_carved") }
                        try emit(&item, header)
                        carving = false
                        off += size
                        continue
                    } catch let e as BinXMLError {
                        failure = "record \(header.id): \(e)"
                        stats.count("records_failed")
                        stats.recordProblem("chunk \(index) at file offset \(fileOffset), record at chunk offset \(off): \(failure!)")
                        if v.u32(off + size - 4) == UInt32(size) {
                            // The size was confirmed by its copy at the end: the next record follows.
                            off += size
                            carving = true
                            continue
                        }
                        failure = nil
                        carving = true
                    }
                } else {
                    failure = "record size \(size) invalid (needs \(Self.recordHeaderSize + 4)…\(validBytes - off))"
                }
            } else if Self.allZero(v, from: off, to: limit) {
                break
            } else {
                failure = "no record signature"
            }
            if !carving, let failure {
                stats.count("records_failed")
                stats.recordProblem("chunk \(index) at file offset \(fileOffset), chunk offset \(off): \(failure)")
            }
            // Carve: scan forward for the next plausible record signature.
            guard let next = Self.nextSignature(v, after: off, limit: limit, validBytes: validBytes) else { break }
            off = next
            carving = true
        }
    }

    /// The next offset after `off` holding `**\0\0` with a plausible size whose copy matches.
    static func nextSignature(_ v: ByteView, after off: Int, limit: Int, validBytes: Int) -> Int? {
        var p = off + 1
        while p + recordHeaderSize <= limit {
            if v.base[p] == 0x2A, v.base[p + 1] == 0x2A, v.u16(p + 2) == 0 {
                let size = Int(v.u32(p + 4) ?? 0)
                if size >= recordHeaderSize + 4, p + size <= validBytes, v.u32(p + size - 4) == UInt32(size) {
                    return p
                }
            }
            p += 1
        }
        return nil
    }

    static func allZero(_ v: ByteView, _ count: Int) -> Bool { allZero(v, from: 0, to: count) }

    static func allZero(_ v: ByteView, from: Int, to: Int) -> Bool {
        var i = from
        while i + 8 <= to {
            if Load.u64(v.base.baseAddress.unsafelyUnwrapped + i) != 0 { return false }
            i += 8
        }
        while i < to {
            if v.base[i] != 0 { return false }
            i += 1
        }
        return true
    }

    static func crc(_ v: ByteView, _ offset: Int, _ count: Int, seed: UInt32 = 0) -> UInt32 {
        guard count > 0, v.has(offset, count), let base = v.base.baseAddress else { return seed }
        let p = (base + offset).assumingMemoryBound(to: UInt8.self)
        return UInt32(truncatingIfNeeded: crc32(UInt(seed), p, UInt32(count)))
    }
}
