import CIsal
import SystemPackage

/// Accounts for every byte of a bundle file outside its entries' data: a bundle is whole only
/// when nothing stands before the archive, between its entries or after its end, where no
/// SHA-256 of the manifest covers it (libarchive reads past such bytes without a word: a zip by
/// its central directory, a tar.gz up to the tar end marker).
///
/// - zip: the first local header at offset 0; after each entry's data only its data descriptor,
///   then the next local header; the central directory right after the last entry, its end
///   records (zip64 ones included) right after it, and the end of central directory record, with
///   its comment, the last bytes of the file.
/// - tar.gz: gzip members back to back up to the end of the file; inside, tar headers and their
///   data, then the end marker and nothing but zero padding.
enum ArchiveLayout {
    /// One sentence per stray span (at most a few: the first one found in each region); empty when
    /// every byte is accounted for, or when the file is not a zip or gzip this check reads (then
    /// libarchive has said so).
    static func problems(_ path: FilePath) -> [String] {
        guard let fd = try? FileDescriptor.open(path, .readOnly, options: Platform.openOptions) else { return [] }
        defer { try? fd.close() }
        guard let size = Platform.regularFileSize(fd), let head = ZipDirectory.read(fd, at: 0, count: Int(min(size, 4))) else { return [] }
        if head.count >= 2, head[0] == 0x1F, head[1] == 0x8B {
            return TarGzLayout(fd: fd, size: size).problems()
        }
        return zipProblems(fd, size: size)
    }

    // MARK: - zip

    private static func zipProblems(_ fd: FileDescriptor, size: Int64) -> [String] {
        guard size >= 22 else { return [] }
        let tailLength = Int(min(size, 22 + 65_535 + 20))
        let tailStart = size - Int64(tailLength)
        guard let tail = ZipDirectory.read(fd, at: tailStart, count: tailLength) else { return [] }
        // The last end record in the file.
        var e = tail.count - 22
        while e >= 0, !(tail[e] == 0x50 && tail[e + 1] == 0x4B && tail[e + 2] == 0x05 && tail[e + 3] == 0x06) { e -= 1 }
        guard e >= 0 else { return [] }
        var problems: [String] = []
        let endRecord = tailStart + Int64(e)
        let archiveEnd = endRecord + 22 + Int64(ZipDirectory.le16(tail, e + 20))
        if archiveEnd < size {
            problems.append("\(size - archiveEnd) bytes follow the end of the zip archive (at byte \(archiveEnd)); no SHA-256 covers them")
        }
        // Where the central directory must end: at the zip64 end record, else at the end record.
        var count = Int64(ZipDirectory.le16(tail, e + 10))
        var directorySize = Int64(ZipDirectory.le32(tail, e + 12))
        var directoryOffset = Int64(ZipDirectory.le32(tail, e + 16))
        var directoryEnd = endRecord
        if e >= 20, ZipDirectory.le32(tail, e - 20) == 0x0706_4B50 {
            let locator = endRecord - 20
            let recordOffset = Int64(bitPattern: le64(tail, e - 20 + 8))
            guard recordOffset >= 0, recordOffset + 56 <= locator,
                  let record = ZipDirectory.read(fd, at: recordOffset, count: 56), ZipDirectory.le32(record, 0) == 0x0606_4B50 else {
                return problems + ["the zip64 end record is not where its locator says"]
            }
            let recordEnd = recordOffset + 12 + Int64(bitPattern: le64(record, 4))
            if recordEnd != locator {
                problems.append("\(locator - recordEnd) bytes between the zip64 end record and its locator belong to nothing")
            }
            count = Int64(bitPattern: le64(record, 32))
            directorySize = Int64(bitPattern: le64(record, 40))
            directoryOffset = Int64(bitPattern: le64(record, 48))
            directoryEnd = recordOffset
        }
        let directoryStart = directoryEnd - directorySize
        guard directorySize >= 0, directoryStart >= 0 else { return problems + ["the central directory is larger than the file"] }
        if directoryStart != directoryOffset {
            if directoryStart > directoryOffset {
                problems.append("\(directoryStart - directoryOffset) bytes stand before the zip archive (its central directory is that far from where it says); no SHA-256 covers them")
            } else {
                problems.append("the central directory does not end where the end record is")
            }
            return problems
        }
        guard directorySize <= Int64(ZipDirectory.maxDirectoryBytes),
              let directory = ZipDirectory.read(fd, at: directoryStart, count: Int(directorySize)) else { return problems }

        // Every directory record: where its local header is, how much data follows.
        struct Span { var name: String; var local: Int64; var compressed: Int64; var flags: UInt16 }
        var spans: [Span] = []
        var p = 0
        while p + 46 <= directory.count, ZipDirectory.le32(directory, p) == 0x0201_4B50 {
            let nameLength = Int(ZipDirectory.le16(directory, p + 28))
            let extraLength = Int(ZipDirectory.le16(directory, p + 30)), commentLength = Int(ZipDirectory.le16(directory, p + 32))
            let end = p + 46 + nameLength + extraLength + commentLength
            guard end <= directory.count else { break }
            var compressed = Int64(ZipDirectory.le32(directory, p + 20))
            let uncompressed32 = ZipDirectory.le32(directory, p + 24)
            var local = Int64(ZipDirectory.le32(directory, p + 42))
            // zip64 extra field: the 64-bit values of the fields set to 0xFFFFFFFF, in order.
            var x = p + 46 + nameLength
            while x + 4 <= p + 46 + nameLength + extraLength {
                let id = ZipDirectory.le16(directory, x), length = Int(ZipDirectory.le16(directory, x + 2))
                if id == 0x0001 {
                    var q = x + 4
                    let fieldsEnd = min(x + 4 + length, directory.count)
                    if uncompressed32 == 0xFFFF_FFFF, q + 8 <= fieldsEnd { q += 8 }
                    if compressed == 0xFFFF_FFFF, q + 8 <= fieldsEnd { compressed = Int64(bitPattern: le64(directory, q)); q += 8 }
                    if local == 0xFFFF_FFFF, q + 8 <= fieldsEnd { local = Int64(bitPattern: le64(directory, q)) }
                }
                x += 4 + length
            }
            let name = String(decoding: directory[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            spans.append(Span(name: name, local: local, compressed: compressed, flags: ZipDirectory.le16(directory, p + 8)))
            p = end
        }
        if p != directory.count || Int64(spans.count) != count {
            problems.append("the central directory holds \(spans.count) records in \(p) of its \(directory.count) bytes, the end record says \(count) entries")
            return problems
        }
        spans.sort { $0.local < $1.local }
        let first = spans.first?.local ?? directoryStart
        if first > 0 {
            problems.append("\(first) bytes stand before the first entry of the zip archive; no SHA-256 covers them")
        }
        for (k, span) in spans.enumerated() {
            let next = k + 1 < spans.count ? spans[k + 1].local : directoryStart
            guard let header = ZipDirectory.read(fd, at: span.local, count: 30), ZipDirectory.le32(header, 0) == 0x0403_4B50 else {
                problems.append("entry \(span.name): no local header where the central directory says (byte \(span.local))")
                continue
            }
            let dataEnd = span.local + 30 + Int64(ZipDirectory.le16(header, 26)) + Int64(ZipDirectory.le16(header, 28)) + span.compressed
            let gap = next - dataEnd
            var allowed: Set<Int64> = [0]
            if span.flags & 0x0008 != 0 {
                // A data descriptor: CRC and 32- or 64-bit sizes, with or without its signature.
                let signed = ZipDirectory.read(fd, at: dataEnd, count: 4).map { ZipDirectory.le32($0, 0) == 0x0807_4B50 } ?? false
                allowed = signed ? [16, 24] : [12, 20]
            }
            if gap < 0 {
                problems.append("entry \(span.name) runs into the next entry or the central directory")
            } else if !allowed.contains(gap) {
                let stray = gap - (allowed.filter { $0 <= gap }.max() ?? 0)
                problems.append("\(stray) bytes after entry \(span.name) (at byte \(next - stray)) belong to no entry; no SHA-256 covers them")
            }
        }
        return problems
    }

    static func le64(_ b: [UInt8], _ i: Int) -> UInt64 {
        UInt64(ZipDirectory.le32(b, i)) | UInt64(ZipDirectory.le32(b, i + 4)) << 32
    }
}

/// The tar.gz side of `ArchiveLayout`: one pass of ISA-L's inflate over the gzip members, the
/// tar stream walked header by header as it comes out. Memory: two 1 MiB buffers.
private struct TarGzLayout {
    let fd: FileDescriptor
    let size: Int64
    static let bufferSize = 1 << 20

    /// Where the tar walk is.
    enum Tar {
        /// Collecting a 512-byte header (bytes so far).
        case header
        /// Passing over entry data and its padding (bytes left).
        case data(Int64)
        /// After the end marker: only zeros may follow.
        case ended
    }

    func problems() -> [String] {
        let state = UnsafeMutablePointer<inflate_state>.allocate(capacity: 1)
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 64)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 64)
        defer { state.deallocate(); input.deallocate(); output.deallocate() }
        var walker = TarWalker()
        var consumed: Int64 = 0          // compressed bytes read from the file
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
        while true {
            if state.pointee.avail_in == 0, consumed < size {
                let want = Int(min(Int64(input.count), size - consumed))
                guard let n = try? fd.read(fromAbsoluteOffset: consumed, into: UnsafeMutableRawBufferPointer(rebasing: input[0..<want])),
                      n > 0 else { return [] }
                consumed += Int64(n)
                state.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
                state.pointee.avail_in = UInt32(n)
            }
            state.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
            state.pointee.avail_out = UInt32(output.count)
            let inputBefore = state.pointee.avail_in
            let status = isal_inflate(state)
            // A damaged stream: libarchive reports it when it reads the entries.
            if status < 0 { return [] }
            let produced = output.count - Int(state.pointee.avail_out)
            walker.feed(UnsafeRawBufferPointer(rebasing: output[0..<produced]))
            if let problem = walker.problem { return [problem] }
            if state.pointee.block_state == ISAL_BLOCK_FINISH {
                // One gzip member ended; another may follow, nothing else.
                let left = Int64(state.pointee.avail_in) + (size - consumed)
                if left == 0 { return [] }
                let nextStart = size - left
                let magic = ZipDirectory.read(fd, at: nextStart, count: 2)
                guard magic == [0x1F, 0x8B] else {
                    return ["\(left) bytes follow the end of the compressed archive (at byte \(nextStart)); no SHA-256 covers them"]
                }
                let pending = state.pointee.next_in, pendingCount = state.pointee.avail_in
                isal_inflate_reset(state)
                state.pointee.crc_flag = UInt32(ISAL_GZIP)
                state.pointee.next_in = pending
                state.pointee.avail_in = pendingCount
            } else if produced == 0, state.pointee.avail_in == inputBefore, consumed >= size {
                // No progress and nothing more to read: the file ends inside a member.
                break
            }
        }
        // The file ended inside a member: libarchive reports the truncation.
        return []
    }
}

/// Walks a tar stream's blocks: headers, their data (pax `size` records honoured), the end
/// marker, and checks that only zero padding follows it.
struct TarWalker {
    private var state: TarGzLayout.Tar = .header
    private var header: [UInt8] = []
    /// Bytes of the tar stream seen so far.
    private(set) var position: Int64 = 0
    /// The data of a pax extended header being collected (it may set the next entry's size).
    private var pax: [UInt8]?
    private var paxLeft: Int64 = 0
    private var nextSize: Int64?
    private(set) var problem: String?

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        while i < bytes.count, problem == nil {
            switch state {
            case .ended:
                if let k = bytes[i...].firstIndex(where: { $0 != 0 }) {
                    problem = "the tar stream has data after its end marker (at byte \(position + Int64(k - i)) of the uncompressed stream), which no entry holds and no SHA-256 covers"
                }
                position += Int64(bytes.count - i)
                i = bytes.count
            case .data(let left):
                let take = Int(min(left, Int64(bytes.count - i)))
                if pax != nil, paxLeft > 0 {
                    let keep = Int(min(paxLeft, Int64(take)))
                    pax!.append(contentsOf: bytes[i..<(i + keep)])
                    paxLeft -= Int64(keep)
                }
                i += take
                position += Int64(take)
                if left - Int64(take) == 0 {
                    if let data = pax { nextSize = Self.paxSize(data); pax = nil }
                    state = .header
                } else {
                    state = .data(left - Int64(take))
                }
            case .header:
                let take = min(512 - header.count, bytes.count - i)
                header.append(contentsOf: bytes[i..<(i + take)])
                i += take
                position += Int64(take)
                guard header.count == 512 else { continue }
                defer { header.removeAll(keepingCapacity: true) }
                if header.allSatisfy({ $0 == 0 }) {
                    state = .ended
                    continue
                }
                guard var size = Self.number(header[124..<136]) else {
                    problem = "a tar header (at byte \(position - 512) of the uncompressed stream) has no readable size"
                    continue
                }
                let type = header[156]
                if type == UInt8(ascii: "x") {
                    pax = []
                    paxLeft = min(size, 1 << 20)
                } else {
                    if let s = nextSize { size = s }
                    nextSize = nil
                    // Links, folders and devices carry no data.
                    if [UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "4"),
                        UInt8(ascii: "5"), UInt8(ascii: "6")].contains(type) { size = 0 }
                }
                let padded = (size + 511) / 512 * 512
                state = padded > 0 ? .data(padded) : .header
            }
        }
    }

    /// A tar number field: octal digits (spaces and NULs around them), or base-256 when the first
    /// byte's high bit is set.
    static func number(_ field: ArraySlice<UInt8>) -> Int64? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            var v: Int64 = Int64(first & 0x7F)
            for b in field.dropFirst() {
                guard v < Int64.max >> 8 else { return nil }
                v = v << 8 | Int64(b)
            }
            return v
        }
        var v: Int64 = 0
        var digits = 0
        for b in field {
            if b == 0 || b == 0x20 { if digits > 0 { break } else { continue } }
            guard (0x30...0x37).contains(b), v < Int64.max >> 3 else { return nil }
            v = v << 3 | Int64(b - 0x30)
            digits += 1
        }
        return v
    }

    /// The `size` record of pax extended header data (`<length> size=<decimal>\n`), if any.
    static func paxSize(_ data: [UInt8]) -> Int64? {
        var i = 0
        while i < data.count {
            guard let space = data[i...].firstIndex(of: 0x20),
                  let length = Int(String(decoding: data[i..<space], as: UTF8.self)), length > 0, i + length <= data.count else { return nil }
            let record = data[(space + 1)..<(i + length)]
            if record.starts(with: Array("size=".utf8)) {
                return Int64(String(decoding: record.dropFirst(5).prefix { $0 != 0x0A }, as: UTF8.self))
            }
            i += length
        }
        return nil
    }
}
