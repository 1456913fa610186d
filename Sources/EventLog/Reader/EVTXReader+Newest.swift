import LogRecord
import SystemPackage

extension EVTXReader {
    /// Reads the chunks that may hold what a caller looks for, newest first, until it has found it.
    ///
    /// A first pass reads every chunk's 64 KiB once and keeps those with the `ElfChnk` signature
    /// whose bytes contain `mustContain` (for example a provider name in UTF-16LE; empty: every
    /// chunk). The kept chunks are then parsed in descending order of their last record number
    /// (a log that wrapped around reuses its oldest chunks, so file order is not time order), and
    /// `chunk` gets each one's records in file order; it returns `false` once it has what it needs.
    /// At most `maxChunks` chunks are parsed. Damage is counted in `stats` as `read` counts it.
    /// Throws only for I/O failures and for errors thrown by `chunk`.
    ///
    /// Cost: the file's bytes read once (plus the parsed chunks a second time), and only the
    /// chunks parsed until `chunk` stops.
    public func readChunksNewestFirst(context: ParseContext, stats: inout ParseStats, mustContain: [UInt8] = [],
                                      maxChunks: Int = .max, chunk: ([Record]) throws -> Bool) throws {
        let fd = try Self.open(path)
        defer { try? fd.close() }
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        func load(_ offset: Int64) throws -> Int {
            do {
                let got = try Self.readFully(fd, at: offset, into: &buffer)
                if got < Self.chunkSize { for k in got..<Self.chunkSize { buffer[k] = 0 } }
                return got
            } catch let e as Errno {
                throw EVTXError(code: .io, path: path.string, message: "cannot read chunk at offset \(offset): \(e)", underlying: e)
            }
        }
        // Pass 1: which chunks could hold it, and how new each one is.
        var candidates: [(last: UInt64, offset: Int64, index: Int)] = []
        var offset = firstChunkOffset
        var index = 0
        while offset + Int64(Self.chunkHeaderSize) <= fileSize {
            let got = try load(offset)
            if got >= Self.chunkHeaderSize {
                let keep = buffer.withUnsafeBytes { raw -> UInt64? in
                    let v = ByteView(raw)
                    guard v.u64(0) == Self.chunkMagic else { return nil }
                    if !mustContain.isEmpty, !Self.contains(raw, got, mustContain) { return nil }
                    return v.u64(16) ?? 0
                }
                if let last = keep { candidates.append((last, offset, index)) }
            }
            offset += Int64(Self.chunkSize)
            index += 1
        }
        candidates.sort { ($0.last, $0.offset) > ($1.last, $1.offset) }
        // Pass 2: newest first.
        var parser = BinXMLParser()
        for c in candidates.prefix(max(0, maxChunks)) {
            let got = try load(c.offset)
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
