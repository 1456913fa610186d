import SystemPackage

/// Reads a zip's central directory to learn how many bytes each entry takes in the archive: the
/// span from its local header to the next one (header, data, descriptor) plus its directory
/// record. Exact, and cheap: only the end of the file is read.
enum ZipDirectory {
    /// Largest central directory read: 64 MiB.
    static let maxDirectoryBytes = 64 << 20

    /// One record of the central directory.
    struct Record {
        var name: String
        var flags: UInt16
        var method: UInt16
        var crc: UInt32
        var compressed: UInt32
        var bytes: UInt32
        /// Offset of the entry's local header.
        var local: UInt32
        /// Bytes of the record itself.
        var recordBytes: Int
    }

    /// The central directory of the zip open at `fd`: its records in directory order and where it
    /// starts. `nil` when the file is not a zip this reader understands (zip64, multi-disk, damaged).
    static func records(_ fd: FileDescriptor) -> (records: [Record], directoryOffset: Int64)? {
        guard let size = Platform.regularFileSize(fd), size >= 22 else { return nil }
        let tailLength = Int(min(size, 22 + 65_535))
        guard let tail = read(fd, at: size - Int64(tailLength), count: tailLength) else { return nil }
        var e = tail.count - 22
        while e >= 0, !(tail[e] == 0x50 && tail[e + 1] == 0x4B && tail[e + 2] == 0x05 && tail[e + 3] == 0x06) { e -= 1 }
        guard e >= 0 else { return nil }
        let count = Int(le16(tail, e + 10))
        let directorySize = Int64(le32(tail, e + 12))
        let directoryOffset = Int64(le32(tail, e + 16))
        guard directorySize <= Int64(maxDirectoryBytes), directoryOffset + directorySize <= size,
              let dir = read(fd, at: directoryOffset, count: Int(directorySize)) else { return nil }
        var records: [Record] = []
        var p = 0
        for _ in 0..<count {
            guard p + 46 <= dir.count, le32(dir, p) == 0x0201_4B50 else { return nil }
            let nameLength = Int(le16(dir, p + 28)), extra = Int(le16(dir, p + 30)), comment = Int(le16(dir, p + 32))
            let end = p + 46 + nameLength + extra + comment
            guard end <= dir.count else { return nil }
            records.append(Record(name: String(decoding: dir[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self),
                                  flags: le16(dir, p + 8), method: le16(dir, p + 10), crc: le32(dir, p + 16),
                                  compressed: le32(dir, p + 20), bytes: le32(dir, p + 24), local: le32(dir, p + 42),
                                  recordBytes: end - p))
            p = end
        }
        return (records, directoryOffset)
    }

    /// Entry name → bytes it takes in the archive. `nil` when the file is not a zip this reader
    /// understands (zip64, multi-disk, damaged): callers fall back to an estimate.
    static func packedSizes(_ path: FilePath) -> [String: Int64]? {
        guard let fd = try? FileDescriptor.open(path, .readOnly, options: Platform.openOptions) else { return nil }
        defer { try? fd.close() }
        guard let (records, directoryOffset) = records(fd) else { return nil }
        let sorted = records.sorted { $0.local < $1.local }
        var out: [String: Int64] = [:]
        for (k, r) in sorted.enumerated() {
            let next = k + 1 < sorted.count ? Int64(sorted[k + 1].local) : directoryOffset
            guard next >= Int64(r.local) else { return nil }
            out[r.name] = next - Int64(r.local) + Int64(r.recordBytes)
        }
        return out
    }

    /// Entry name → where its deflate stream lies and what it holds, for the entries a part can
    /// copy as they are: deflated, not encrypted, sizes without zip64 fields. `nil` when the file
    /// is not a zip this reader understands.
    static func deflatedEntries(_ path: FilePath) -> [String: PackedFile]? {
        guard let fd = try? FileDescriptor.open(path, .readOnly, options: Platform.openOptions) else { return nil }
        defer { try? fd.close() }
        guard let (records, directoryOffset) = records(fd) else { return nil }
        var out: [String: PackedFile] = [:]
        for r in records {
            // Encrypted (bit 0), not deflate, or sizes in zip64 fields: not copied.
            guard r.flags & 1 == 0, r.method == 8, r.compressed != 0xFFFF_FFFF, r.bytes != 0xFFFF_FFFF, r.local != 0xFFFF_FFFF,
                  let header = read(fd, at: Int64(r.local), count: 30), le32(header, 0) == 0x0403_4B50 else { continue }
            let data = Int64(r.local) + 30 + Int64(le16(header, 26)) + Int64(le16(header, 28))
            guard data + Int64(r.compressed) <= directoryOffset else { continue }
            out[r.name] = PackedFile(path: path, offset: data, bytes: Int64(r.bytes), compressedBytes: Int64(r.compressed),
                                     crc32: r.crc, sha256: "")
        }
        return out
    }

    /// `count` bytes of `fd` at `offset`, or `nil` when the file ends before or cannot be read.
    static func read(_ fd: FileDescriptor, at offset: Int64, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = (try? bytes.withUnsafeMutableBytes { buf in
                try fd.read(fromAbsoluteOffset: offset + Int64(done),
                            into: UnsafeMutableRawBufferPointer(rebasing: buf[done...]))
            }) ?? 0
            if n <= 0 { return nil }
            done += n
        }
        return bytes
    }

    static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
