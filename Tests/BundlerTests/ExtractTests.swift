@testable import Bundler
import CArchive
import Foundation
import LogRecord
import SystemPackage
import Testing

/// `BundleExtractor` checks what it writes against the manifest, and writes only new files inside
/// the output folder: tampered bundles, links planted in the folder, files already there, and an
/// entry that inflates past the size declared for it.
@Suite struct ExtractTests {
    static let top = "AMT-HQ-42-20261127T063000Z"
    static let files: [(String, [UInt8])] = [
        ("raw/app/AMTError.log", sampleBytes(40_000, seed: 11)),
        ("raw/app/AMTError.log.1", sampleBytes(12_000, seed: 12)),
        ("raw/Windows/DPINST.LOG", sampleBytes(3_000, seed: 13)),
    ]

    func exists(_ url: URL) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: url.path)) != nil
    }

    @Test(arguments: ArchiveFormat.allCases)
    func aWholeBundleExtractsByteForByte(format: ArchiveFormat) throws {
        let dir = try TempDir("x-whole")
        defer { dir.cleanup() }
        let (bundle, _) = try writeBundle(in: dir, format: format, files: Self.files)
        let out = try TempDir("x-whole-out")
        defer { out.cleanup() }
        let report = BundleExtractor.extract([bundle], to: out.path)
        #expect(report.isWhole, "\(report.problems)")
        #expect(report.written.count == Self.files.count + 2)   // + SUMMARY.txt, manifest.json
        for (path, bytes) in Self.files {
            #expect([UInt8](try Data(contentsOf: out.url.appendingPathComponent("\(Self.top)/\(path)"))) == bytes, "\(path)")
        }
    }

    /// A file the manifest lists is missing from the archive, another has other bytes of the same
    /// size, a third has more bytes: each is named, none is left behind, the others are written.
    @Test(arguments: ArchiveFormat.allCases)
    func missingAlteredAndResizedFilesAreNamed(format: ArchiveFormat) throws {
        let dir = try TempDir("x-tamper")
        defer { dir.cleanup() }
        let (bundle, _) = try writeBundle(in: dir, format: format, files: Self.files)
        let tampered = dir.path.appending("tampered.\(format.fileExtension)")
        try rewrite(bundle, to: tampered, format: format) { name, bytes in
            if name.hasSuffix("/raw/app/AMTError.log") { return nil }
            if name.hasSuffix("/raw/app/AMTError.log.1") { var b = bytes; b[100] ^= 0x01; return b }
            if name.hasSuffix("/raw/Windows/DPINST.LOG") { return bytes + Array("appended\n".utf8) }
            return bytes
        }
        let out = try TempDir("x-tamper-out")
        defer { out.cleanup() }
        let report = BundleExtractor.extract([tampered], to: out.path)
        #expect(!report.isWhole)
        #expect(report.problems.contains("raw/app/AMTError.log is listed in the manifest but missing from the archive; not extracted"), "\(report.problems)")
        #expect(report.problems.contains { $0.hasPrefix("raw/app/AMTError.log.1: does not match its SHA-256") && $0.hasSuffix("removed") }, "\(report.problems)")
        #expect(report.problems.contains("raw/Windows/DPINST.LOG: the archive says 3009 bytes, the manifest 3000; not extracted"), "\(report.problems)")
        #expect(report.problems.count == 3, "\(report.problems)")
        for (path, _) in Self.files {
            #expect(!exists(out.url.appendingPathComponent("\(Self.top)/\(path)")), "\(path) was left")
        }
        #expect(exists(out.url.appendingPathComponent("\(Self.top)/SUMMARY.txt")))
    }

    /// Links planted in the output folder — the bundle folder itself, a folder on the way, the
    /// file's own name (to an existing file and to none) — are never followed: nothing appears or
    /// changes outside, and each refused file is named.
    @Test(arguments: ["top", "folder", "file", "dangling"])
    func aLinkInTheOutputFolderIsNeverFollowed(_ where_: String) throws {
        let dir = try TempDir("x-link")
        defer { dir.cleanup() }
        let (bundle, _) = try writeBundle(in: dir, format: .zip, files: Self.files)
        let out = try TempDir("x-link-out")
        defer { out.cleanup() }
        let outside = try TempDir("x-link-outside")
        defer { outside.cleanup() }
        let victim = try outside.file("victim.log", Array("keep me\n".utf8))
        let fm = FileManager.default
        let bundleFolder = out.url.appendingPathComponent(Self.top)
        let refused: String
        switch where_ {
        case "top":
            try fm.createSymbolicLink(atPath: bundleFolder.path, withDestinationPath: outside.url.path)
            refused = "raw/app/AMTError.log"
        case "folder":
            try fm.createDirectory(at: bundleFolder.appendingPathComponent("raw"), withIntermediateDirectories: true)
            try fm.createSymbolicLink(atPath: bundleFolder.appendingPathComponent("raw/app").path, withDestinationPath: outside.url.path)
            refused = "raw/app/AMTError.log"
        case "file":
            try fm.createDirectory(at: bundleFolder.appendingPathComponent("raw/app"), withIntermediateDirectories: true)
            try fm.createSymbolicLink(atPath: bundleFolder.appendingPathComponent("raw/app/AMTError.log").path, withDestinationPath: victim.string)
            refused = "raw/app/AMTError.log"
        default:
            try fm.createDirectory(at: bundleFolder.appendingPathComponent("raw/app"), withIntermediateDirectories: true)
            try fm.createSymbolicLink(atPath: bundleFolder.appendingPathComponent("raw/app/AMTError.log").path,
                                      withDestinationPath: outside.url.appendingPathComponent("created.log").path)
            refused = "raw/app/AMTError.log"
        }
        let report = BundleExtractor.extract([bundle], to: out.path)
        #expect(!report.isWhole)
        #expect(report.problems.contains { $0.hasPrefix("\(refused): ") && $0.contains("is a symbolic link, which is not followed") }, "\(report.problems)")
        // Outside: only the victim, unchanged.
        #expect(outside.names() == ["victim.log"], "\(outside.names())")
        #expect(try fileBytes(victim) == Array("keep me\n".utf8))
        // Everything written is a real file below a real folder inside the output folder.
        for p in report.written {
            let resolved = URL(fileURLWithPath: p.string).resolvingSymlinksInPath().path
            #expect(resolved.hasPrefix(out.url.resolvingSymlinksInPath().path), "\(p) -> \(resolved)")
        }
        if where_ != "top" {
            #expect(exists(bundleFolder.appendingPathComponent("raw/Windows/DPINST.LOG")), "files on other paths are still written")
        }
    }

    /// A file already at a destination is never written over, and is named.
    @Test func anExistingFileIsNotReplaced() throws {
        let dir = try TempDir("x-exists")
        defer { dir.cleanup() }
        let (bundle, _) = try writeBundle(in: dir, format: .zip, files: Self.files)
        let out = try TempDir("x-exists-out")
        defer { out.cleanup() }
        let mine = try out.file("\(Self.top)/raw/Windows/DPINST.LOG", Array("my own notes\n".utf8))
        let report = BundleExtractor.extract([bundle], to: out.path)
        #expect(report.problems.count == 1, "\(report.problems)")
        #expect(report.problems.first?.hasPrefix("raw/Windows/DPINST.LOG: ") == true)
        #expect(report.problems.first?.contains("already exists and is not replaced") == true, "\(report.problems)")
        #expect(try fileBytes(mine) == Array("my own notes\n".utf8))
        #expect(exists(out.url.appendingPathComponent("\(Self.top)/raw/app/AMTError.log")))
    }

    /// A zip whose entry inflates to 64 MiB while its directory and the manifest say 100 bytes:
    /// extract stops at 100 and keeps nothing of it; verify stops reading it too.
    @Test func anEntryInflatingPastItsDeclaredSizeIsStopped() throws {
        let dir = try TempDir("x-bomb")
        defer { dir.cleanup() }
        let bomb = try Self.bombZip(in: dir, declared: 100, inflated: 64 << 20)
        let out = try TempDir("x-bomb-out")
        defer { out.cleanup() }
        let report = BundleExtractor.extract([bomb], to: out.path)
        #expect(!report.isWhole)
        #expect(report.problems == ["raw/bomb.log: holds more than the 100 bytes the manifest declares; stopped there; removed"], "\(report.problems)")
        #expect(!exists(out.url.appendingPathComponent("\(Self.top)/raw/bomb.log")))
        #expect(exists(out.url.appendingPathComponent("\(Self.top)/raw/ok.log")), "the other file is written")

        let verify = BundleVerifier.verify(bomb)
        #expect(!verify.isWhole)
        #expect(verify.problems.contains("entry \(Self.top)/raw/bomb.log holds more than the 100 bytes its header says; not read further"), "\(verify.problems)")
        #expect(verify.bytesChecked < 4 << 20, "verify read \(verify.bytesChecked) bytes of it")
    }

    /// In a split bundle, a segment altered in its part: the segmented file is named and not left
    /// half-joined; a segment dropped from its part: likewise.
    @Test(arguments: ["altered", "dropped"])
    func aDamagedSegmentFailsItsFile(_ how: String) throws {
        let dir = try TempDir("x-seg")
        defer { dir.cleanup() }
        let bundle = try SplitTests.makeBundle(in: dir, format: .zip)
        let result = try EmailPackager.package(bundle: bundle, options: SplitTests.options(150_000, .zip))
        var parts = result.archives
        let k = try #require(parts.firstIndex { part in
            (try? BundleReader(path: part).entries().contains { $0.name.hasSuffix("raw/big.evtx.seg002") }) == true
        })
        let tampered = dir.path.appending("tampered-part.zip")
        try rewrite(parts[k], to: tampered, format: .zip) { name, bytes in
            guard name.hasSuffix("raw/big.evtx.seg002") else { return bytes }
            if how == "dropped" { return nil }
            var b = bytes; b[10] ^= 0xFF; return b
        }
        parts[k] = tampered
        let out = try TempDir("x-seg-out")
        defer { out.cleanup() }
        let report = BundleExtractor.extract(parts, to: out.path)
        #expect(!report.isWhole)
        let named = report.problems.filter { $0.hasPrefix("raw/big.evtx") }
        #expect(!named.isEmpty, "\(report.problems)")
        if how == "dropped" {
            #expect(named.contains { $0.contains("segment 2 of") && $0.contains("missing from it") }, "\(report.problems)")
        } else {
            #expect(named.contains { $0.contains("segment 2 of") && $0.contains("does not match its SHA-256") }, "\(report.problems)")
        }
        #expect(!exists(out.url.appendingPathComponent("\(SplitTests.name)/raw/big.evtx")), "a half-joined file was left")
        #expect(exists(out.url.appendingPathComponent("\(SplitTests.name)/raw/app/AMTError.log")))
    }

    // MARK: - A hand-made zip

    /// A zip bundle with `raw/ok.log` and `raw/bomb.log`, whose deflate data inflates to
    /// `inflated` zero bytes while the central directory, the local header and the manifest all
    /// say `declared` bytes.
    static func bombZip(in dir: TempDir, declared: Int, inflated: Int) throws -> FilePath {
        let ok = Array("2026-11-20 08:00:00 ERROR fine\n".utf8)
        let bombHead = [UInt8](repeating: 0, count: declared)
        var manifest = sampleManifest([])
        manifest.files = [
            Manifest.File(path: "raw/ok.log", kind: "text", role: .raw, bytes: Int64(ok.count), sha256: sha(ok)),
            Manifest.File(path: "raw/bomb.log", kind: "text", role: .raw, bytes: Int64(declared), sha256: sha(bombHead)),
        ]
        let entries: [HandZip.Entry] = [
            .init(name: "\(top)/raw/ok.log", data: ok, method: 0, declared: ok.count, crc: handCRC32(ok)),
            .init(name: "\(top)/raw/bomb.log", data: try rawDeflate([UInt8](repeating: 0, count: inflated)),
                  method: 8, declared: declared, crc: handCRC32(bombHead)),
            .init(name: "\(top)/manifest.json", data: try manifest.encoded(), method: 0,
                  declared: try manifest.encoded().count, crc: handCRC32(try manifest.encoded())),
        ]
        return try dir.file("bomb.zip", HandZip.make(entries))
    }
}

/// Zip files laid out by hand (for entries whose sizes lie), local headers with sizes, no
/// data descriptors.
enum HandZip {
    struct Entry {
        var name: String
        /// The stored bytes (deflate data for method 8).
        var data: [UInt8]
        var method: UInt16
        /// The uncompressed size the headers state.
        var declared: Int
        var crc: UInt32
    }

    static func make(_ entries: [Entry]) -> [UInt8] {
        var out: [UInt8] = [], directory: [UInt8] = []
        func le16(_ v: Int, _ b: inout [UInt8]) { b += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: UInt32, _ b: inout [UInt8]) { for s in [0, 8, 16, 24] { b.append(UInt8(v >> UInt32(s) & 0xFF)) } }
        for e in entries {
            let name = Array(e.name.utf8), offset = UInt32(out.count)
            le32(0x0403_4B50, &out); le16(20, &out); le16(0, &out); le16(Int(e.method), &out); le16(0, &out); le16(0x5B21, &out)
            le32(e.crc, &out); le32(UInt32(e.data.count), &out); le32(UInt32(e.declared), &out)
            le16(name.count, &out); le16(0, &out); out += name; out += e.data
            le32(0x0201_4B50, &directory); le16(0x0314, &directory); le16(20, &directory); le16(0, &directory)
            le16(Int(e.method), &directory); le16(0, &directory); le16(0x5B21, &directory)
            le32(e.crc, &directory); le32(UInt32(e.data.count), &directory); le32(UInt32(e.declared), &directory)
            le16(name.count, &directory); le16(0, &directory); le16(0, &directory); le16(0, &directory); le16(0, &directory)
            le32(UInt32(0o100644) << 16, &directory); le32(offset, &directory); directory += name
        }
        let directoryOffset = UInt32(out.count)
        out += directory
        le32(0x0605_4B50, &out); le16(0, &out); le16(0, &out); le16(entries.count, &out); le16(entries.count, &out)
        le32(UInt32(directory.count), &out); le32(directoryOffset, &out); le16(0, &out)
        return out
    }
}

/// Raw deflate data of `bytes` (libarchive's gzip filter over the raw format, without the gzip
/// header and trailer).
func rawDeflate(_ bytes: [UInt8]) throws -> [UInt8] {
    let a = archive_write_new()!
    defer { archive_write_free(a) }
    archive_write_set_format_raw(a)
    archive_write_add_filter_gzip(a)
    archive_write_set_bytes_in_last_block(a, 1)
    var buffer = [UInt8](repeating: 0, count: bytes.count / 100 + (1 << 20))
    var used = 0
    let opened = buffer.withUnsafeMutableBytes { archive_write_open_memory(a, $0.baseAddress, $0.count, &used) }
    #expect(opened == ARCHIVE_OK)
    let e = archive_entry_new()!
    defer { archive_entry_free(e) }
    archive_entry_set_filetype(e, 0o100000)
    archive_entry_set_size(e, Int64(bytes.count))
    #expect(archive_write_header(a, e) == ARCHIVE_OK)
    _ = bytes.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
    #expect(archive_write_close(a) == ARCHIVE_OK)
    // A 10-byte gzip header (no name, no extra fields), an 8-byte trailer.
    #expect(used > 18 && buffer[0] == 0x1F && buffer[1] == 0x8B && buffer[3] == 0)
    return Array(buffer[10..<(used - 8)])
}

/// CRC-32 (ISO-HDLC, as zip and gzip use it), bit by bit.
func handCRC32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}
