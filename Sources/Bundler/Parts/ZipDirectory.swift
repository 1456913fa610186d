import SystemPackage

/// Reads a zip's central directory to learn how many bytes each entry takes in the archive: the
/// span from its local header to the next one (header, data, descriptor) plus its directory
/// record. Exact, and cheap: only the end of the file is read.
enum ZipDirectory {
    /// Largest central directory read: 64 MiB.
    static let maxDirectoryBytes = 64 << 20

    /// Entry name → bytes it takes in the archive. `nil` when the file is not a zip this reader
    /// understands (zip64, multi-disk, damaged): callers fall back to an estimate.
    static func packedSizes(_ path: FilePath) -> [String: Int64]? {
        guard let fd = try? FileDescriptor.open(path, .readOnly, options: Platform.openOptions) else { return nil }
        defer { try? fd.close() }
        guard let size = Platform.regularFileSize(fd), size >= 22 else { return nil }
        let tailLength = Int(min(size, 22 + 65_535))
        guard let tail = read(fd, at: size - Int64(tailLength), count: tailLength) else { return nil }
        var eocd: Int? = nil
        var i = tail.count - 22
        while i >= 0 {
            if tail[i] == 0x50, tail[i + 1] == 0x4B, tail[i + 2] == 0x05, tail[i + 3] == 0x06 { eocd = i; break }
            i -= 1
        }
        guard let e = eocd else { return nil }
        let count = Int(le16(tail, e + 10))
        let directorySize = Int64(le32(tail, e + 12))
        let directoryOffset = Int64(le32(tail, e + 16))
        guard directorySize <= Int64(maxDirectoryBytes), directoryOffset + directorySize <= size,
              let dir = read(fd, at: directoryOffset, count: Int(directorySize)) else { return nil }
        var records: [(name: String, offset: Int64, recordBytes: Int64)] = []
        var p = 0
        for _ in 0..<count {
            guard p + 46 <= dir.count, le32(dir, p) == 0x0201_4B50 else { return nil }
            let nameLength = Int(le16(dir, p + 28)), extra = Int(le16(dir, p + 30)), comment = Int(le16(dir, p + 32))
            let local = Int64(le32(dir, p + 42))
            let end = p + 46 + nameLength + extra + comment
            guard end <= dir.count else { return nil }
            let name = String(decoding: dir[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            records.append((name, local, Int64(end - p)))
            p = end
        }
        let sorted = records.sorted { $0.offset < $1.offset }
        var out: [String: Int64] = [:]
        for (k, r) in sorted.enumerated() {
            let next = k + 1 < sorted.count ? sorted[k + 1].offset : directoryOffset
            guard next >= r.offset else { return nil }
            out[r.name] = next - r.offset + r.recordBytes
        }
        return out
    }

    /// Entry name → where its deflate stream lies and what it holds, for the entries a part can
    /// copy as they are: deflated, not encrypted, sizes without zip64 fields. `nil` when the file
    /// is not a zip this reader understands.
    static func deflatedEntries(_ path: FilePath) -> [String: PackedFile]? {
        guard let fd = try? FileDescriptor.open(path, .readOnly, options: Platform.openOptions) else { return nil }
        defer { try? fd.close() }
        guard let size = Platform.regularFileSize(fd), size >= 22 else { return nil }
        let tailLength = Int(min(size, 22 + 65_535))
        guard let tail = read(fd, at: size - Int64(tailLength), count: tailLength) else { return nil }
        var i = tail.count - 22
        while i >= 0, !(tail[i] == 0x50 && tail[i + 1] == 0x4B && tail[i + 2] == 0x05 && tail[i + 3] == 0x06) { i -= 1 }
        guard i >= 0 else { return nil }
        let count = Int(le16(tail, i + 10))
        let directorySize = Int64(le32(tail, i + 12))
        let directoryOffset = Int64(le32(tail, i + 16))
        guard directorySize <= Int64(maxDirectoryBytes), directoryOffset + directorySize <= size,
              let dir = read(fd, at: directoryOffset, count: Int(directorySize)) else { return nil }
        var out: [String: PackedFile] = [:]
        var p = 0
        for _ in 0..<count {
            guard p + 46 <= dir.count, le32(dir, p) == 0x0201_4B50 else { return nil }
            let flags = le16(dir, p + 8), method = le16(dir, p + 10)
            let crc = le32(dir, p + 16), compressed = le32(dir, p + 20), bytes = le32(dir, p + 24)
            let nameLength = Int(le16(dir, p + 28)), extra = Int(le16(dir, p + 30)), comment = Int(le16(dir, p + 32))
            let local = le32(dir, p + 42)
            let end = p + 46 + nameLength + extra + comment
            guard end <= dir.count else { return nil }
            let name = String(decoding: dir[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            p = end
            // Encrypted (bit 0), not deflate, or sizes in zip64 fields: not copied.
            guard flags & 1 == 0, method == 8, compressed != 0xFFFF_FFFF, bytes != 0xFFFF_FFFF, local != 0xFFFF_FFFF,
                  let header = read(fd, at: Int64(local), count: 30), le32(header, 0) == 0x0403_4B50 else { continue }
            let data = Int64(local) + 30 + Int64(le16(header, 26)) + Int64(le16(header, 28))
            guard data + Int64(compressed) <= directoryOffset else { continue }
            out[name] = PackedFile(path: path, offset: data, bytes: Int64(bytes), compressedBytes: Int64(compressed),
                                   crc32: crc, sha256: "")
        }
        return out
    }

    private static func read(_ fd: FileDescriptor, at offset: Int64, count: Int) -> [UInt8]? {
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

    private static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
