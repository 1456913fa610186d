@testable import Bundler
import Foundation
import LogRecord
import SystemPackage
import Testing

/// `verify` accounts for every byte of the file: bytes before the archive, between its entries or
/// after its end are covered by no SHA-256, so the bundle is not whole.
@Suite struct LayoutTests {
    static let top = "AMT-HQ-42-20261127T063000Z"
    static let files: [(String, [UInt8])] = [
        ("raw/app/AMTError.log", sampleBytes(40_000, seed: 21)),
        ("raw/Windows/DPINST.LOG", sampleBytes(3_000, seed: 22)),
    ]

    func write(_ bytes: [UInt8], _ dir: TempDir, _ name: String) throws -> FilePath {
        try dir.file(name, bytes)
    }

    /// Both zip writers (igzip at level 1, libarchive at 5 and 9), tar.gz, and encrypted zip:
    /// whole as written.
    @Test(arguments: [(ArchiveFormat.zip, 1), (.zip, 5), (.zip, 9), (.tarGz, 5)])
    func bundlesAsWrittenAreWhole(format: ArchiveFormat, level: Int) throws {
        let dir = try TempDir("layout-ok")
        defer { dir.cleanup() }
        let (bundle, _) = try writeBundle(in: dir, format: format, files: Self.files, level: level)
        #expect(ArchiveLayout.problems(bundle) == [])
        let report = BundleVerifier.verify(bundle)
        #expect(report.isWhole, "\(report.problems)")
    }

    @Test func anEncryptedBundleIsWhole() throws {
        let dir = try TempDir("layout-aes")
        defer { dir.cleanup() }
        let writer = try BundleWriter(outputDirectory: dir.path, bundleName: Self.top, format: .zip, entryTime: testTime,
                                      passphrase: "correct horse")
        for (path, bytes) in Self.files { try writer.addData(at: path, bytes) }
        let bundle = try writer.finish(manifest: sampleManifest(writer.entries))
        #expect(ArchiveLayout.problems(bundle) == [])
        #expect(BundleVerifier.verify(bundle, passphrase: "correct horse").isWhole)
    }

    /// zip64 end records (the limit lowered so a small archive has them) are accounted for; bytes
    /// after them are not.
    @Test func zip64EndRecordsAreAccountedFor() throws {
        let dir = try TempDir("layout-z64")
        defer { dir.cleanup() }
        let path = dir.path.appending("z64.zip")
        let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate], permissions: .ownerReadWrite)
        do {
            let zip = ZipStreamWriter(fd: fd, deflateLevel: 1, entrySeconds: 1_795_761_000, zip64Limit: 1_000)
            for k in 0..<5 {
                try zip.beginEntry(name: Array("top/e\(k).bin".utf8))
                try sampleBytes(700 + 900 * k, seed: UInt64(k + 1)).withUnsafeBytes { try zip.write($0) }
                try zip.endEntry()
            }
            try zip.close()
        }
        try fd.close()
        #expect(ArchiveLayout.problems(path) == [])
        let longer = try write(try fileBytes(path) + Array("tail".utf8), dir, "z64-tail.zip")
        #expect(ArchiveLayout.problems(longer).count == 1)
        #expect(ArchiveLayout.problems(longer).first?.hasPrefix("4 bytes follow the end of the zip archive") == true)
    }

    @Test(arguments: [1, 5])
    func bytesBeforeOrAfterAZipAreNotWhole(level: Int) throws {
        let dir = try TempDir("layout-zip")
        defer { dir.cleanup() }
        let (bundle, _) = try writeBundle(in: dir, format: .zip, files: Self.files, level: level)
        let bytes = try fileBytes(bundle)
        let junk = Array("MZ\u{0}\u{0}not part of the archive".utf8)

        let before = try write(junk + bytes, dir, "before.zip")
        let b = BundleVerifier.verify(before)
        #expect(!b.isWhole)
        #expect(b.problems.contains { $0.hasPrefix("\(junk.count) bytes stand before the zip archive") }, "\(b.problems)")

        let after = try write(bytes + junk, dir, "after.zip")
        let a = BundleVerifier.verify(after)
        #expect(!a.isWhole)
        #expect(a.problems == ["\(junk.count) bytes follow the end of the zip archive (at byte \(bytes.count)); no SHA-256 covers them"], "\(a.problems)")

        // An end record's comment is part of the archive; bytes after it are not.
        var commented = bytes
        let comment = Array("comment".utf8)
        commented[commented.count - 2] = UInt8(comment.count)
        let withComment = try write(commented + comment, dir, "comment.zip")
        #expect(BundleVerifier.verify(withComment).isWhole, "\(BundleVerifier.verify(withComment).problems)")
    }

    /// An entry the central directory does not list (so libarchive never shows it): its bytes
    /// between two entries belong to none, and verify says so.
    @Test func bytesBetweenZipEntriesAreNotWhole() throws {
        let dir = try TempDir("layout-hidden")
        defer { dir.cleanup() }
        let ok = Array("fine\n".utf8), other = Array("also fine\n".utf8), hidden = Array("smuggled in\n".utf8)
        var manifest = sampleManifest([])
        manifest.files = [Manifest.File(path: "raw/a.log", kind: "text", role: .raw, bytes: Int64(ok.count), sha256: sha(ok)),
                          Manifest.File(path: "raw/b.log", kind: "text", role: .raw, bytes: Int64(other.count), sha256: sha(other))]
        let m = try manifest.encoded()
        func entry(_ name: String, _ data: [UInt8]) -> HandZip.Entry {
            HandZip.Entry(name: "\(Self.top)/\(name)", data: data, method: 0, declared: data.count, crc: handCRC32(data))
        }
        let clean = HandZip.make([entry("raw/a.log", ok), entry("raw/b.log", other), entry("manifest.json", m)])
        #expect(BundleVerifier.verify(try write(clean, dir, "clean.zip")).isWhole)
        // The same archive with a fourth entry's local header and data after the first entry, the
        // directory left as it was (its offsets moved along).
        let smuggled = HandZip.make([entry("raw/a.log", ok), entry("raw/hidden.log", hidden), entry("raw/b.log", other), entry("manifest.json", m)])
        let hiddenRecord = 46 + "\(Self.top)/raw/hidden.log".utf8.count
        let patched = try Self.dropDirectoryRecord(smuggled, named: "\(Self.top)/raw/hidden.log", recordBytes: hiddenRecord)
        #expect(!patched.isEmpty)
        let path = try write(patched, dir, "smuggled.zip")
        let report = BundleVerifier.verify(path)
        #expect(!report.isWhole)
        let localBytes = 30 + "\(Self.top)/raw/hidden.log".utf8.count + hidden.count
        #expect(report.problems.contains { $0.hasPrefix("\(localBytes) bytes after entry \(Self.top)/raw/a.log") }, "\(report.problems)")
    }

    /// Removes one record from a hand-made zip's central directory and fixes the end record.
    static func dropDirectoryRecord(_ zip: [UInt8], named name: String, recordBytes: Int) throws -> [UInt8] {
        let end = zip.count - 22
        func le16(_ i: Int) -> Int { Int(zip[i]) | Int(zip[i + 1]) << 8 }
        func le32(_ i: Int) -> Int { le16(i) | le16(i + 2) << 16 }
        let count = le16(end + 10), size = le32(end + 12), offset = le32(end + 16)
        let nameBytes = Array(name.utf8)
        var p = offset
        while p < offset + size {
            let n = le16(p + 28)
            if Array(zip[(p + 46)..<(p + 46 + n)]) == nameBytes { break }
            p += 46 + n + le16(p + 30) + le16(p + 32)
        }
        guard p < offset + size else { return [] }
        var out = Array(zip[..<p]) + Array(zip[(p + recordBytes)...])
        let e = out.count - 22
        for (i, v) in [(e + 8, count - 1), (e + 10, count - 1)] { out[i] = UInt8(v & 0xFF); out[i + 1] = UInt8(v >> 8) }
        let newSize = size - recordBytes
        for k in 0..<4 { out[e + 12 + k] = UInt8(newSize >> (8 * k) & 0xFF) }
        return out
    }

    @Test func bytesAfterATarGzAreNotWhole() throws {
        let dir = try TempDir("layout-tgz")
        defer { dir.cleanup() }
        let (bundle, _) = try writeBundle(in: dir, format: .tarGz, files: Self.files)
        let bytes = try fileBytes(bundle)

        let after = try write(bytes + Array("trailing".utf8), dir, "after.tar.gz")
        let a = BundleVerifier.verify(after)
        #expect(!a.isWhole)
        #expect(a.problems == ["8 bytes follow the end of the compressed archive (at byte \(bytes.count)); no SHA-256 covers them"], "\(a.problems)")

        // Bytes before: not a gzip stream at all.
        let before = try write(Array("junk".utf8) + bytes, dir, "before.tar.gz")
        #expect(!BundleVerifier.verify(before).isWhole)

        // A second gzip member holding more data: after the tar end marker, covered by nothing.
        let second = try rawDeflate(Array("hidden after the end".utf8))
        let member: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + second
            + le32Bytes(handCRC32(Array("hidden after the end".utf8))) + le32Bytes(UInt32("hidden after the end".utf8.count))
        let twice = try write(bytes + member, dir, "two.tar.gz")
        let t = BundleVerifier.verify(twice)
        #expect(!t.isWhole)
        #expect(t.problems.contains { $0.hasPrefix("the tar stream has data after its end marker") }, "\(t.problems)")

        // An empty second member is only padding: nothing is hidden.
        let emptyDeflate = try rawDeflate([])
        let empty: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + emptyDeflate + le32Bytes(0) + le32Bytes(0)
        #expect(BundleVerifier.verify(try write(bytes + empty, dir, "empty-member.tar.gz")).isWhole)
    }

    @Test func tarNumbersAndPaxSizes() {
        #expect(TarWalker.number(Array("00000001750\0".utf8)[...]) == 0o1750)
        #expect(TarWalker.number(Array("   1750 \0\0\0\0".utf8)[...]) == 0o1750)
        #expect(TarWalker.number([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00][...]) == 256)
        #expect(TarWalker.number(Array("12345678x\0\0\0".utf8)[...]) == nil)
        #expect(TarWalker.paxSize(Array("20 size=12345678901\n29 path=a/very/long/name.log\n".utf8)) == 12_345_678_901)
        #expect(TarWalker.paxSize(Array("29 path=a/very/long/name.log\n".utf8)) == nil)
    }

    func le32Bytes(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }
}
