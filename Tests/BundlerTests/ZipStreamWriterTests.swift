@testable import Bundler
import CArchive
import Crypto
import Foundation
import LogRecord
import SystemPackage
import Testing

/// The zip container `BundleWriter` writes itself (ISA-L deflate) at levels 1–4.
@Suite("Zip stream writer")
struct ZipStreamWriterTests {
    @Test func whichWriterWritesWhat() {
        #expect(BundleWriter.writesZipItself(format: .zip, level: 1, encrypted: false))
        #expect(BundleWriter.writesZipItself(format: .zip, level: 4, encrypted: false))
        #expect(!BundleWriter.writesZipItself(format: .zip, level: 0, encrypted: false))
        #expect(!BundleWriter.writesZipItself(format: .zip, level: 5, encrypted: false))
        #expect(!BundleWriter.writesZipItself(format: .zip, level: 1, encrypted: true))
        #expect(!BundleWriter.writesZipItself(format: .tarGz, level: 1, encrypted: false))
        #expect(ArchiveFormat.defaultCompressionLevel == 1)
        #expect(IgzipDeflater.level(forDeflateLevel: 1) == 1)
        #expect(IgzipDeflater.level(forDeflateLevel: 3) == 2)
    }

    /// Both zip writers give bundles that read back the same and verify; the igzip one is larger
    /// than zlib's level 9, and no larger than zlib's level 1 on log text.
    @Test func bothZipWritersReadBackAlike() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let log = Array((0..<60_000).map { "11/1/2026 12:00:\($0 % 60) AM Badge \($0 % 977) granted at reader \($0 % 31)\r\n" }.joined().utf8)
        let files = awkwardFiles + [("raw/text.log", log)]
        var sizes: [Int: Int] = [:]
        for level in [1, 5, 9] {
            let out = try TempDir("level\(level)")
            defer { out.cleanup() }
            let (path, _) = try writeBundle(in: out, format: .zip, files: files, level: level)
            let reader = try BundleReader(path: path)
            for (name, bytes) in files {
                #expect(try reader.read("AMT-HQ-42-20261127T063000Z/\(name)") == bytes, "level \(level): \(name)")
            }
            let report = BundleVerifier.verify(path)
            #expect(report.isWhole, "level \(level): \(report.problems)")
            sizes[level] = try fileBytes(path).count
        }
        #expect(sizes[1]! > sizes[9]!, "\(sizes)")
        // On log text, igzip at level 1 is no larger than zlib at level 1 (libarchive's zip).
        let textOnly = try TempDir("text")
        defer { textOnly.cleanup() }
        let igzipSize = try fileBytes(try writeBundle(in: textOnly, format: .zip, files: [("raw/text.log", log)], level: 1).0).count
        let zlib1 = try TempDir("zlib1")
        defer { zlib1.cleanup() }
        let a = archive_write_new()!
        defer { archive_write_free(a) }
        archive_write_set_format_zip(a)
        archive_write_set_format_option(a, "zip", "compression-level", "1")
        let target = zlib1.path.appending("z.zip").string
        #expect(archive_write_open_filename(a, target) == ARCHIVE_OK)
        for (name, bytes) in [("raw/text.log", log)] {
            let e = archive_entry_new()!
            defer { archive_entry_free(e) }
            archive_entry_set_pathname(e, name)
            archive_entry_set_filetype(e, 0o100000)
            archive_entry_set_size(e, Int64(bytes.count))
            archive_write_header(a, e)
            _ = bytes.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
        }
        archive_write_close(a)
        let zlibSize = try fileBytes(FilePath(target)).count
        #expect(igzipSize < zlibSize + 2_000, "igzip \(igzipSize) against zlib level 1 \(zlibSize)")
    }

    /// The central directory holds what libarchive and Python's zipfile read: names, sizes, CRC,
    /// UTF-8 flag, Unix mode 0644, and the entry time as DOS time (UTC) and Unix time.
    @Test func directoryFields() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (path, _) = try writeBundle(in: dir, format: .zip, files: awkwardFiles, level: 1)
        let bytes = try fileBytes(path)
        let eocd = try #require((0...(bytes.count - 22)).last { le32(bytes, $0) == 0x0605_4B50 })
        #expect(eocd == bytes.count - 22, "no comment after the end record")
        let count = Int(le16(bytes, eocd + 10))
        #expect(count == awkwardFiles.count + 2)
        var p = Int(le32(bytes, eocd + 16))
        #expect(p + Int(le32(bytes, eocd + 12)) == eocd)
        let (date, time) = ZipStreamWriter.dosDateTime(testTime.microseconds / 1_000_000)
        for k in 0..<count {
            #expect(le32(bytes, p) == 0x0201_4B50)
            #expect(le16(bytes, p + 4) == 0x0314, "made by Unix, zip 2.0")
            let nameLength = Int(le16(bytes, p + 28)), extra = Int(le16(bytes, p + 30))
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            #expect(le16(bytes, p + 8) == (name.utf8.allSatisfy { $0 < 0x80 } ? 0x0008 : 0x0808),
                    "data descriptor, and the UTF-8 flag on names that are not ASCII: \(name)")
            #expect(le16(bytes, p + 10) == 8, "deflate")
            #expect(le16(bytes, p + 12) == time && le16(bytes, p + 14) == date)
            #expect(le32(bytes, p + 38) == UInt32(0o100644) << 16)
            if k < awkwardFiles.count {
                #expect(name == "AMT-HQ-42-20261127T063000Z/\(awkwardFiles[k].0)")
                #expect(le32(bytes, p + 24) == UInt32(awkwardFiles[k].1.count))
                #expect(le32(bytes, p + 16) == crc32(awkwardFiles[k].1))
            }
            #expect(extra == 9 && le16(bytes, p + 46 + nameLength) == 0x5455)
            #expect(le32(bytes, p + 46 + nameLength + 5) == UInt32(testTime.microseconds / 1_000_000))
            p += 46 + nameLength + extra
        }
        if let python = pythonZipCheck(path) {
            #expect(python.status == 0, "\(python.output)")
            #expect(python.output.contains("AMT-HQ-42-20261127T063000Z/raw/Users/Jürgen/AppData/Local/Temp/MSI 日本.LOG 3000 (2026, 11, 27, 6, 30, 0) 0o100644"),
                    "\(python.output)")
        }
    }

    /// A bundle's output starts the device write of what it wrote every `Writeback.step` bytes
    /// (the whole ranges, once each), and the file holds exactly the bytes put.
    @Test func outputBufferStartsWritebackAsItGoes() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = dir.path.appending("out.bin")
        let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
        let out = OutputBuffer(fd: fd)
        out.writeback = Writeback()
        var expected: [UInt8] = []
        var kicks: [Int64] = []
        for i in 0..<(20 * 64) {   // 20 MiB in 16 KiB pieces
            let piece = [UInt8](repeating: UInt8(i & 0xFF), count: 16 << 10)
            try out.room(piece.count)
            piece.withUnsafeBytes { out.freeSpace.copyMemory(from: $0) }
            out.commit(piece.count)
            expected += piece
            if let s = out.writeback?.started, s != kicks.last ?? 0 { kicks.append(s) }
        }
        try out.flush()
        try fd.close()
        #expect(kicks.count == 2, "\(kicks)")
        #expect(kicks.allSatisfy { $0 % Int64(OutputBuffer.size) == 0 && $0 >= Writeback.step })
        #expect(zip(kicks, kicks.dropFirst()).allSatisfy { $1 - $0 >= Writeback.step })
        #expect(try Data(contentsOf: URL(fileURLWithPath: path.string)) == Data(expected))
    }

    @Test func dosDateTime() {
        // 2026-11-27T06:30:00Z
        let (date, time) = ZipStreamWriter.dosDateTime(1_795_761_000)
        #expect(date == UInt16((2026 - 1980) << 9 | 11 << 5 | 27))
        #expect(time == UInt16(6 << 11 | 30 << 5 | 0))
        // Odd seconds round down to DOS's two-second steps; 2000-02-29 is a leap day.
        let (d2, t2) = ZipStreamWriter.dosDateTime(951_868_799)   // 2000-02-29T23:59:59Z
        #expect(d2 == UInt16(20 << 9 | 2 << 5 | 29))
        #expect(t2 == UInt16(23 << 11 | 59 << 5 | 29))
        // Before 1980 and after 2107: clamped to DOS's range.
        #expect(ZipStreamWriter.dosDateTime(0) == (UInt16(0 << 9 | 1 << 5 | 1), 0))
        #expect(ZipStreamWriter.dosDateTime(-86_400).date == UInt16(1 << 5 | 1))
        #expect(ZipStreamWriter.dosDateTime(10_000_000_000).date == UInt16(127 << 9 | 12 << 5 | 31))
    }

    /// An archive that needs zip64 end records (here by a lowered limit; in the field past 4 GiB or
    /// 65,535 entries) and directory offsets reads back through libarchive and Python's zipfile.
    @Test func zip64EndRecordsReadBack() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = dir.path.appending("z64.zip")
        let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate], permissions: .ownerReadWrite)
        var contents: [(String, [UInt8])] = []
        do {
            let zip = ZipStreamWriter(fd: fd, deflateLevel: 1, entrySeconds: 1_795_761_000, zip64Limit: 1_000)
            for k in 0..<5 {
                let bytes = sampleBytes(700 + 900 * k, seed: UInt64(k + 1))
                let name = "top/e\(k).bin"
                try zip.beginEntry(name: Array(name.utf8))
                try bytes.withUnsafeBytes { try zip.write($0) }
                try zip.endEntry()
                contents.append((name, bytes))
            }
            try zip.close()
        }
        try fd.close()
        let bytes = try fileBytes(path)
        #expect(bytes.indices.contains { le32(bytes, $0) == 0x0606_4B50 }, "zip64 end record")
        #expect(le16(bytes, bytes.count - 22 + 10) == 0xFFFF)
        #expect(readWithLibarchive(path) == contents.map { $0.0 + ":" + String($0.1.count) })
        var read: [String: [UInt8]] = [:]
        try BundleReader(path: path).forEachEntry { entry in
            read[entry.name] = []
            return { chunk in read[entry.name]!.append(contentsOf: chunk) }
        }
        for (name, want) in contents { #expect(read[name] == want, "\(name)") }
        if let python = pythonZipCheck(path) {
            #expect(python.status == 0, "\(python.output)")
            #expect(python.output.contains("top/e4.bin 4300"), "\(python.output)")
        }
    }

    /// Data larger than the output buffer, written in odd-sized pieces, and an entry with nothing
    /// in it, read back byte for byte.
    @Test func largeAndEmptyStreamedEntries() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let random = sampleBytes(3 * ZipStreamWriter.outputBufferSize + 17, seed: 5).map { $0 &* 131 &+ 7 }
        let writer = try BundleWriter(outputDirectory: dir.path, bundleName: "AMT-Z-1-20261127T063000Z", format: .zip,
                                      entryTime: testTime)
        try writer.beginEntry(at: "records/big.jsonl")
        var offset = 0, step = 1
        while offset < random.count {
            let n = min(step, random.count - offset)
            try writer.writeToEntry(Array(random[offset..<(offset + n)]))
            offset += n
            step = step * 3 + 1
        }
        try writer.endEntry()
        try writer.beginEntry(at: "records/empty.jsonl")
        try writer.endEntry()
        let path = try writer.finish(manifest: sampleManifest(writer.entries))
        let reader = try BundleReader(path: path)
        #expect(try reader.read("AMT-Z-1-20261127T063000Z/records/big.jsonl", limit: 4 << 20) == random)
        #expect(try reader.read("AMT-Z-1-20261127T063000Z/records/empty.jsonl") == [])
        #expect(BundleVerifier.verify(path).isWhole)
    }

    @Test func reproducible() throws {
        let a = try TempDir("a"), b = try TempDir("b")
        defer { a.cleanup(); b.cleanup() }
        let (pa, _) = try writeBundle(in: a, format: .zip, files: awkwardFiles, level: 1)
        let (pb, _) = try writeBundle(in: b, format: .zip, files: awkwardFiles, level: 1)
        #expect(try fileBytes(pa) == fileBytes(pb))
    }
}

private func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
private func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
}

/// CRC-32 (IEEE, reflected), bit by bit: an independent check of the writer's.
private func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// `name:size` of every entry, as libarchive's streaming zip reader sees them.
private func readWithLibarchive(_ path: FilePath) -> [String] {
    let a = archive_read_new()!
    defer { archive_read_free(a) }
    archive_read_support_format_zip(a)
    guard archive_read_open_filename(a, path.string, 65536) == ARCHIVE_OK else { return ["cannot open"] }
    var out: [String] = []
    var entry: OpaquePointer?
    while archive_read_next_header(a, &entry) == ARCHIVE_OK {
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { archive_read_data(a, $0.baseAddress, $0.count) }
            if n <= 0 { if n < 0 { total = -1 }; break }
            total += n
        }
        out.append(String(cString: archive_entry_pathname(entry)) + ":" + String(total))
    }
    return out
}

/// Python's zipfile on the archive (testzip, then `name size date_time mode` per entry), when
/// python3 is installed; `nil` (and a warning in the test output) when not.
private func pythonZipCheck(_ path: FilePath, sourceLocation: SourceLocation = #_sourceLocation) -> (status: Int32, output: String)? {
    let script = """
    import sys, zipfile
    z = zipfile.ZipFile(sys.argv[1])
    bad = z.testzip()
    if bad: print("bad entry", bad); sys.exit(1)
    for i in z.infolist(): print(i.filename, i.file_size, i.date_time, oct(i.external_attr >> 16))
    """
    return crossCheck("python3", ["-c", script, path.string], sourceLocation: sourceLocation)
}

/// Files compressed as they are written and put into a bundle as they are.
@Suite("Packed files")
struct PackedFileTests {
    @Test func packedFileReadsBackAndVerifies() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let text = Array((0..<40_000).map { "line \($0): Badge \($0 % 977) granted\r\n" }.joined().utf8)
        let packer = try PackedFileWriter(creating: dir.path.appending("raw-1"), deflateLevel: 1)
        var offset = 0
        while offset < text.count {
            let n = min(70_001, text.count - offset)
            try text[offset..<(offset + n)].withUnsafeBytes { try packer.append($0) }
            offset += n
        }
        let packed = try packer.close()
        #expect(packed.bytes == Int64(text.count))
        #expect(packed.compressedBytes == Int64(try fileBytes(packed.path).count))
        #expect(packed.compressedBytes < packed.bytes / 5)
        #expect(packed.sha256 == hex(SHA256.hash(data: text)))

        let writer = try BundleWriter(outputDirectory: dir.path, bundleName: "AMT-P-1-20261127T063000Z", format: .zip,
                                      entryTime: testTime)
        #expect(writer.takesPackedFiles)
        try writer.beginEntry(at: "records/x.jsonl")
        try writer.writeToEntry(Array("{}\n".utf8))
        try writer.endEntry()
        let added = try writer.addPacked(at: "raw/Windows/Temp/MSI 日本.LOG", packed)
        #expect(added == AddedEntry(path: "raw/Windows/Temp/MSI 日本.LOG", bytes: packed.bytes, sha256: packed.sha256,
                                    sourceBytes: packed.bytes))
        let empty = try PackedFileWriter(creating: dir.path.appending("raw-2"), deflateLevel: 1).close()
        try writer.addPacked(at: "raw/empty.log", empty)
        let path = try writer.finish(manifest: sampleManifest(writer.entries))
        let reader = try BundleReader(path: path)
        #expect(try reader.read("AMT-P-1-20261127T063000Z/raw/Windows/Temp/MSI 日本.LOG", limit: 4 << 20) == text)
        #expect(try reader.read("AMT-P-1-20261127T063000Z/raw/empty.log") == [])
        #expect(BundleVerifier.verify(path).isWhole)
        if let python = pythonZipCheck(path) {
            #expect(python.status == 0, "\(python.output)")
        }
    }

    @Test func onlyTheIgzipZipWriterTakesPackedFiles() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let packer = try PackedFileWriter(creating: dir.path.appending("raw-1"), deflateLevel: 1)
        try [UInt8](repeating: 65, count: 1000).withUnsafeBytes { try packer.append($0) }
        let packed = try packer.close()
        for (format, level) in [(ArchiveFormat.zip, 5), (.tarGz, 1)] {
            let writer = try BundleWriter(outputDirectory: dir.path, bundleName: "AMT-P-\(level)-20261127T063000Z",
                                          format: format, entryTime: testTime, compressionLevel: level)
            #expect(!writer.takesPackedFiles)
            let error = #expect(throws: BundleError.self) { try writer.addPacked(at: "raw/a.log", packed) }
            #expect(error?.code == .invalidState)
            writer.abort()
        }
    }

    /// A packed file shorter than it claims (damaged work folder) fails the bundle clearly.
    @Test func shortPackedFileFailsTheBundle() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let packer = try PackedFileWriter(creating: dir.path.appending("raw-1"), deflateLevel: 1)
        try sampleBytes(200_000, seed: 3).withUnsafeBytes { try packer.append($0) }
        var packed = try packer.close()
        packed.compressedBytes += 10
        let writer = try BundleWriter(outputDirectory: dir.path, bundleName: "AMT-P-1-20261127T063000Z", format: .zip,
                                      entryTime: testTime)
        let error = #expect(throws: BundleError.self) { try writer.addPacked(at: "raw/a.log", packed) }
        #expect(error?.code == .writeFailed)
        #expect(error?.description.contains("ended after") == true, "\(String(describing: error))")
        #expect(!Platform.fileExists(writer.temporaryPath), "the temporary bundle is removed")
    }
}
