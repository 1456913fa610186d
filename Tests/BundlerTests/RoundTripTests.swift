@testable import Bundler
import Foundation
import LogRecord
import SystemPackage
import Testing

let awkwardFiles: [(String, [UInt8])] = [
    ("raw/Program Files/AMT (x86)/AMTError 2026.log", sampleBytes(10_000, seed: 2)),
    ("raw/Users/Jürgen/AppData/Local/Temp/MSI 日本.LOG", sampleBytes(3_000, seed: 3)),
    ("raw/empty.log", []),
    ("raw/big/ERRORLOG", sampleBytes(5 * 1024 * 1024, seed: 4)),
]

@Suite("Round trip")
struct RoundTripTests {
    @Test(arguments: ArchiveFormat.allCases)
    func writesAndReadsBack(format: ArchiveFormat) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (path, entries) = try writeBundle(in: dir, format: format, files: awkwardFiles)
        #expect(path.lastComponent?.string == "AMT-HQ-42-20261127T063000Z.\(format.fileExtension)")
        #expect(dir.names() == [path.lastComponent!.string], "only the final file remains")

        let reader = try BundleReader(path: path)
        let listed = try reader.entries()
        let top = "AMT-HQ-42-20261127T063000Z"
        #expect(listed.map(\.name) == awkwardFiles.map { "\(top)/\($0.0)" } + ["\(top)/SUMMARY.txt", "\(top)/manifest.json"])
        #expect(try reader.topFolder() == top)
        for (name, bytes) in awkwardFiles {
            let back = try reader.read("\(top)/\(name)")
            #expect(back == bytes, "\(name) reads back equal")
            #expect(listed.first { $0.name == "\(top)/\(name)" }?.size == Int64(bytes.count))
        }
        let manifest = try reader.manifest()
        #expect(manifest == sampleManifest(entries))
        #expect(entries[3].bytes == 5 * 1024 * 1024)

        let report = BundleVerifier.verify(path)
        #expect(report.isWhole, "\(report.problems)")
        #expect(report.entriesChecked == awkwardFiles.count + 2)
        #expect(report.bytesChecked > 5 * 1024 * 1024)
        #expect(report.manifest == manifest)
    }

    @Test(arguments: ArchiveFormat.allCases)
    func streamedEntryAndCap(format: ArchiveFormat) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let src = try dir.file("source.log", sampleBytes(300_000, seed: 9))
        let writer = try BundleWriter(outputDirectory: dir.path, bundleName: "AMT-S-1-20261127T063000Z", format: format, entryTime: testTime)
        let capped = try writer.addFile(at: "raw/source.log", from: src, maxBytes: 100_000)
        #expect(capped.bytes == 100_000)
        #expect(capped.sourceBytes == 300_000)
        #expect(capped.shortfall == nil)

        var expected: [UInt8] = []
        try writer.beginEntry(at: "records/source.log.jsonl")
        #expect(throws: BundleError.self) { try writer.addData(at: "x", [1]) }
        for i in 0..<1000 {
            let line = Array("{\"message\":\"line \(i)\"}\n".utf8)
            expected += line
            try writer.writeToEntry(line)
        }
        let streamed = try writer.endEntry()
        #expect(streamed.bytes == Int64(expected.count))
        let final = try writer.finish(manifest: sampleManifest(writer.entries))
        #expect(dir.names() == [final.lastComponent!.string, "source.log"], "spool and temporary files are gone")

        let reader = try BundleReader(path: final)
        #expect(try reader.read("AMT-S-1-20261127T063000Z/records/source.log.jsonl") == expected)
        #expect(try reader.read("AMT-S-1-20261127T063000Z/raw/source.log") == Array(sampleBytes(300_000, seed: 9).prefix(100_000)))
        #expect(BundleVerifier.verify(final).isWhole)
    }

    /// A streamed entry hashed by its producer (another thread in `collect`): the manifest gets
    /// the producer's digest, and a digest that does not cover exactly the bytes written is refused.
    @Test(arguments: ArchiveFormat.allCases)
    func streamedEntryHashedByCaller(format: ArchiveFormat) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let writer = try BundleWriter(outputDirectory: dir.path, bundleName: "AMT-S-1-20261127T063000Z", format: format, entryTime: testTime)
        var expected: [UInt8] = []
        var digest = EntryDigest()
        try writer.beginEntry(at: "records/a.jsonl", hashedByCaller: true)
        for i in 0..<500 {
            let line = Array("{\"message\":\"line \(i)\"}\n".utf8)
            expected += line
            line.withUnsafeBytes { digest.update($0) }
            try writer.writeToEntry(line)
        }
        #expect(throws: BundleError.self) { try writer.endEntry() }
        let added = try writer.endEntry(digest: digest)
        #expect(added.bytes == Int64(expected.count))
        // The same bytes hashed by the writer itself.
        let own = try writer.addData(at: "records/a-copy.jsonl", expected)
        #expect(added.sha256 == own.sha256)

        try writer.beginEntry(at: "records/b.jsonl", hashedByCaller: true)
        try writer.writeToEntry(Array("{}\n".utf8))
        var wrong = EntryDigest()
        Array("{}".utf8).withUnsafeBytes { wrong.update($0) }
        #expect(throws: BundleError.self) { try writer.endEntry(digest: wrong) }
        writer.abort()
    }

    @Test(arguments: ArchiveFormat.allCases)
    func reproducible(format: ArchiveFormat) throws {
        let a = try TempDir(), b = try TempDir()
        defer { a.cleanup(); b.cleanup() }
        let (pa, _) = try writeBundle(in: a, format: format, files: awkwardFiles)
        let (pb, _) = try writeBundle(in: b, format: format, files: awkwardFiles)
        #expect(try fileBytes(pa) == fileBytes(pb))
        // A different entry time must show in the bytes (the time is really written).
        let c = try TempDir()
        defer { c.cleanup() }
        let w = try BundleWriter(outputDirectory: c.path, bundleName: "AMT-HQ-42-20261127T063000Z", format: format,
                                 entryTime: testTime.adding(seconds: 86_400))
        let sources = try TempDir("sources")
        defer { sources.cleanup() }
        for (i, (path, bytes)) in awkwardFiles.enumerated() { try w.addFile(at: path, from: try sources.file("f\(i)", bytes)) }
        try w.addData(at: "SUMMARY.txt", Array("case 42\n".utf8))
        let pc = try w.finish(manifest: sampleManifest(w.entries))
        #expect(try fileBytes(pc) != fileBytes(pa))
    }

    @Test func zipIsPlainDeflateWithUTF8NamesForOtherTools() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (path, _) = try writeBundle(in: dir, format: .zip, files: awkwardFiles)
        let script = """
        import sys, zipfile
        z = zipfile.ZipFile(sys.argv[1])
        bad = z.testzip()
        assert bad is None, bad
        for i in z.infolist():
            assert i.compress_type == zipfile.ZIP_DEFLATED, (i.filename, i.compress_type)
            # Non-ASCII names carry the UTF-8 flag (bit 11); ASCII names need none.
            assert bool(i.flag_bits & 0x800) == (not i.filename.isascii()), ("utf-8 flag", i.filename)
            e, k = i.extra, 0
            while k + 4 <= len(e):
                assert int.from_bytes(e[k:k+2], "little") != 1, ("zip64 extra", i.filename)
                k += 4 + int.from_bytes(e[k+2:k+4], "little")
            assert i.extract_version <= 20, ("needs zip64", i.filename, i.extract_version)
        print("\\n".join(i.filename for i in z.infolist()))
        """
        guard let result = run("python3", ["-c", script, path.string]) else {
            Issue.record("python3 is not available to check the zip independently")
            return
        }
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("AMT-HQ-42-20261127T063000Z/raw/Users/Jürgen/AppData/Local/Temp/MSI 日本.LOG"))
        if let unzip = crossCheck("unzip", ["-t", path.string]) {
            #expect(unzip.status == 0, "\(unzip.output)")
            #expect(unzip.output.contains("No errors detected"))
        }
    }

    @Test func tarGzReadsWithBsdtarAndGzip() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (path, _) = try writeBundle(in: dir, format: .tarGz, files: awkwardFiles)
        if let gzip = crossCheck("gzip", ["-t", path.string]) {
            #expect(gzip.status == 0, "gzip -t: \(gzip.output)")
            #expect(gzip.output.isEmpty, "no trailing garbage: \(gzip.output)")
        }
        guard let list = run("bsdtar", ["-tf", path.string]) ?? run("tar", ["-tzf", path.string]) else {
            Issue.record("neither bsdtar nor tar is available")
            return
        }
        #expect(list.status == 0, "\(list.output)")
        #expect(list.output.contains("AMT-HQ-42-20261127T063000Z/raw/Program Files/AMT (x86)/AMTError 2026.log"))
        // GNU tar reads the pax UTF-8 path of a non-ASCII name.
        if let gnu = crossCheck("env", ["LC_ALL=C.UTF-8", "tar", "--quoting-style=literal", "-tzf", path.string], tool: "tar") {
            #expect(gnu.status == 0, "\(gnu.output)")
            #expect(gnu.output.contains("AMT-HQ-42-20261127T063000Z/raw/Users/Jürgen/AppData/Local/Temp/MSI 日本.LOG"), "\(gnu.output)")
        }
        // gzip header: no modification time (bytes 4..<8 are zero).
        let head = try fileBytes(path).prefix(10)
        #expect(Array(head[4..<8]) == [0, 0, 0, 0])
    }
}
