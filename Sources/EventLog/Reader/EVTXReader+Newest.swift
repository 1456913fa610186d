import LogRecord
import SystemPackage

extension EVTXReader {
    /// Reads the chunks that may hold what a caller looks for, newest first, until it has found it.
    ///
    /// A first pass reads only each chunk's header (24 bytes): its signature and last record
    /// number. The chunks with the `ElfChnk` signature are then visited in descending order of
    /// their last record number (a log that wrapped around reuses its oldest chunks, so file order
    /// is not time order): each is read (64 KiB), skipped unless its bytes contain `mustContain`
    /// (for example a provider name in UTF-16LE; empty: every chunk), else parsed, and `chunk`
    /// gets its records in file order; it returns `false` once it has what it needs. At most
    /// `maxChunks` chunks are parsed and `maxExamined` read. Damage is counted in `stats` as `read`
    /// counts it. Throws only for I/O failures and for errors thrown by `chunk`.
    public func readChunksNewestFirst(context: ParseContext, stats: inout ParseStats, mustContain: [UInt8] = [],
                                      maxChunks: Int = .max, maxExamined: Int = 4096,
                                      chunk: ([Record]) throws -> Bool) throws {
        let fd = try Self.open(path)
        defer { try? fd.close() }
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        func load(_ offset: Int64, into buffer: inout [UInt8]) throws -> Int {
            do {
                let got = try Self.readFully(fd, at: offset, into: &buffer)
                if got < buffer.count { for k in got..<buffer.count { buffer[k] = 0 } }
                return got
            } catch let e as Errno {
                throw EVTXError(code: .io, path: path.string, message: "cannot read chunk at offset \(offset): \(e)", underlying: e)
            }
        }
        // Pass 1: the chunk headers, for how new each chunk is.
        var candidates: [(last: UInt64, offset: Int64, index: Int)] = []
        var header = [UInt8](repeating: 0, count: 24)
        var offset = firstChunkOffset
        var index = 0
        while offset + Int64(Self.chunkHeaderSize) <= fileSize {
            if try load(offset, into: &header) == header.count {
                let last = header.withUnsafeBytes { raw -> UInt64? in
                    let v = ByteView(raw)
                    return v.u64(0) == Self.chunkMagic ? v.u64(16) ?? 0 : nil
                }
                if let last { candidates.append((last, offset, index)) }
            }
            offset += Int64(Self.chunkSize)
            index += 1
        }
        candidates.sort { ($0.last, $0.offset) > ($1.last, $1.offset) }
        // Pass 2: newest first.
        var parser = BinXMLParser()
        var parsed = 0
        for c in candidates.prefix(max(0, maxExamined)) where parsed < maxChunks {
            let got = try load(c.offset, into: &buffer)
            guard got >= Self.chunkHeaderSize else { continue }
            if !mustContain.isEmpty, !buffer.withUnsafeBytes({ Self.contains($0, got, mustContain) }) { continue }
            parsed += 1
            var records: [Record] = []
            try buffer.withUnsafeBytes { raw in
                try processChunk(ByteView(raw), index: c.index, fileOffset: c.offset, validBytes: got,
                                 parser: &parser, stats: &stats, parse: { parser, v, start, end, header in
                    if let r = parser.fastRecord(v, from: start, to: end, recordID: header.id,
                                                 fileTime: header.fileTime, context: context) {
                        return r
                    }
                    try parser.parseRecord(v, from: start, to: end)
                    return EventFacts.record(parser.doc, recordID: header.id, fileTime: header.fileTime,
                                             dataset: Dataset.evtx, context: context)
                }, emit: { (r: inout Record, _) in records.append(r) })
            }
            if try !chunk(records) { return }
        }
    }

    /// Whether the first `count` bytes of `raw` contain `needle`.
    static func contains(_ raw: UnsafeRawBufferPointer, _ count: Int, _ needle: [UInt8]) -> Bool {
        let n = needle.count
        guard n > 0, count >= n, let first = needle.first else { return n == 0 }
        var i = 0
        let end = min(count, raw.count) - n
        while i <= end {
            if raw[i] == first {
                var k = 1
                while k < n, raw[i + k] == needle[k] { k += 1 }
                if k == n { return true }
            }
            i += 1
        }
        return false
    }
}
