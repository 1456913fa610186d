@testable import Bundler
import Foundation
import LogRecord
import SystemPackage
import Testing

/// A bundle split into email-sized parts, checked through the library: every part alone, the set
/// as a whole, extraction, and the drafts' sizes.
@Suite struct SplitTests {
    static let name = "AMT-HQ-42-20261127T063000Z"

    /// The files of the test bundle: a summary, a report, a log with a finding, a large binary
    /// that must be segmented, records and an empty file.
    static func files() -> [(path: String, bytes: [UInt8], role: Manifest.File.Role, source: String?)] {
        [("raw/big.evtx", noiseBytes(420_000), .raw, "Windows/big.evtx"),
         ("records/Windows/big.evtx.jsonl", sampleBytes(90_000, seed: 3), .records, "Windows/big.evtx"),
         ("raw/empty.log", [], .raw, "empty.log"),
         ("raw/app/AMTError.log", sampleBytes(120_000, seed: 5), .raw, "app/AMTError.log"),
         ("records/app/AMTError.log.jsonl", sampleBytes(60_000, seed: 6), .records, "app/AMTError.log"),
         ("REPORT.html", sampleBytes(30_000, seed: 8), .report, nil),
         ("SUMMARY.txt", Array("amt-collect support bundle — summary\nCASE 42\n".utf8), .summary, nil)]
    }

    static func makeBundle(in dir: TempDir, format: ArchiveFormat, passphrase: String? = nil,
                           level: Int = ArchiveFormat.defaultCompressionLevel) throws -> FilePath {
        let writer = try BundleWriter(outputDirectory: dir.path, bundleName: name, format: format, entryTime: testTime,
                                      compressionLevel: level, passphrase: passphrase)
        var listed: [Manifest.File] = []
        for f in files() {
            let added = try writer.addData(at: f.path, f.bytes)
            listed.append(Manifest.File(added, source: f.source, kind: f.role == .raw || f.role == .records ? "amt.error" : "generated", role: f.role))
        }
        var manifest = sampleManifest([])
        manifest.files = listed + [Manifest.File(path: "raw/gone.log", source: "gone.log", kind: "text", role: .raw, bytes: 0, sha256: "", status: .skipped, reason: "vanished")]
        manifest.findings = [Manifest.Finding(area: "product", severity: "error", title: "t", count: 1, evidence: ["app/AMTError.log:12"])]
        return try writer.finish(manifest: manifest)
    }

    static func options(_ limit: Int64, _ format: ArchiveFormat, passphrase: String? = nil) -> EmailOptions {
        EmailOptions(limit: limit, format: format, compressionLevel: 5, entryTime: testTime, passphrase: passphrase,
                     site: "HQ", caseID: "42", from: "tech@example.com")
    }

    static func size(_ p: FilePath) throws -> Int64 {
        Int64(try FileManager.default.attributesOfItem(atPath: p.string)[.size] as! Int)
    }

    /// Hashing the segments as the parts are written, or in a pass before: the same parts, byte
    /// for byte.
    @Test(arguments: [ArchiveFormat.zip, .tarGz])
    func segmentHashingEitherWayGivesTheSameParts(format: ArchiveFormat) throws {
        var parts: [[[UInt8]]] = []
        for open in [32, 1] {
            let dir = try TempDir("split-same")
            defer { dir.cleanup() }
            let bundle = try Self.makeBundle(in: dir, format: format)
            var options = Self.options(150_000, format)
            options.maxOpenParts = open
            let result = try EmailPackager.package(bundle: bundle, options: options)
            parts.append(try result.archives.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0.string))) })
        }
        #expect(parts[0].count >= 3)
        #expect(parts[0] == parts[1])
    }

    /// `partsOpen`: the parts' manifests written after all parts (segments hashed as written), or,
    /// as for a bundle of many parts, the segments hashed in a pass over the bundle first.
    @Test(arguments: [ArchiveFormat.zip, .tarGz], [true, false])
    func splitVerifyExtract(format: ArchiveFormat, partsOpen: Bool) throws {
        try Self.splitVerifyExtract(format: format, partsOpen: partsOpen, level: 5)
    }

    /// Parts the igzip zip writer writes (level 1, the default) take the bundle's whole files as the
    /// bundle holds them: the same deflate stream, CRC-32 and sizes, nothing inflated and compressed
    /// again (the bundle is written by zlib at level 9, so a stream compressed again would differ). The set
    /// verifies and extracts as at any other level.
    @Test(arguments: [true, false])
    func wholeFilesAreCopiedIntoIgzipParts(partsOpen: Bool) throws {
        try Self.splitVerifyExtract(format: .zip, partsOpen: partsOpen, level: 1)
    }

    static func splitVerifyExtract(format: ArchiveFormat, partsOpen: Bool, level: Int) throws {
        let dir = try TempDir("split")
        defer { dir.cleanup() }
        let bundle = try Self.makeBundle(in: dir, format: format, level: level == 1 ? 9 : ArchiveFormat.defaultCompressionLevel)
        let inBundle = format == .zip ? try #require(ZipDirectory.deflatedEntries(bundle)) : [:]
        let bundleBytes = try Data(contentsOf: URL(fileURLWithPath: bundle.string))
        let limit: Int64 = 150_000
        var options = Self.options(limit, format)
        options.compressionLevel = level
        options.maxOpenParts = partsOpen ? 32 : 1
        let result = try EmailPackager.package(bundle: bundle, options: options)
        if level == 1 {
            var copied: [String] = []
            for part in result.archives {
                let entries = try #require(ZipDirectory.deflatedEntries(part))
                let partBytes = try Data(contentsOf: URL(fileURLWithPath: part.string))
                for (name, e) in entries where !name.hasSuffix("/SUMMARY.txt") && !name.hasSuffix("/manifest.json") && !name.contains(".seg") {
                    let b = try #require(inBundle[name], "\(name) is not in the bundle")
                    #expect(e.crc32 == b.crc32 && e.bytes == b.bytes && e.compressedBytes == b.compressedBytes, "\(name)")
                    #expect(partBytes[Int(e.offset)..<Int(e.offset + e.compressedBytes)]
                            == bundleBytes[Int(b.offset)..<Int(b.offset + b.compressedBytes)], "\(name) was compressed again")
                    copied.append(name)
                }
            }
            #expect(copied.count >= 4, "\(copied)")
        }
        #expect(result.isSplit)
        #expect(result.archives.count >= 3)
        #expect(!FileManager.default.fileExists(atPath: bundle.string), "the unsplit bundle is removed")
        #expect(!dir.names().contains { $0.contains("partial") }, "temporary files left: \(dir.names())")
        let count = result.archives.count
        for (k, part) in result.archives.enumerated() {
            #expect(part.lastComponent!.string == "\(Self.name)-part\(k + 1)of\(count).\(format.fileExtension)")
            // Each part alone: a whole archive with its own manifest naming the bundle and its index.
            let report = BundleVerifier.verify(part)
            #expect(report.isWhole, "\(part): \(report.problems)")
            let m = try #require(report.manifest)
            #expect(m.part?.index == k + 1 && m.part?.count == count && m.part?.bundleID == Self.name)
            #expect(m.files.count == Self.files().count + 1, "every part lists every file of the bundle")
            #expect(try Self.size(result.messages[k]) <= limit)
        }
        // Part 1 holds the summary (with the PARTS section), the report and the finding's source.
        let first = try BundleReader(path: result.archives[0])
        let summary = String(decoding: try first.read("\(Self.name)/SUMMARY.txt"), as: UTF8.self)
        #expect(summary.contains("PARTS  \(count) parts"))
        #expect(summary.contains("raw/big.evtx (segment 1 of"))
        let names = try first.entries().map(\.name)
        #expect(names.contains("\(Self.name)/REPORT.html"))
        // (zip knows each entry's compressed size; tar.gz estimates it, and may segment the log.)
        #expect(names.contains("\(Self.name)/raw/app/AMTError.log") || format == .tarGz && names.contains("\(Self.name)/raw/app/AMTError.log.seg001"))
        // The large file is in segments, each hashed.
        let placement = try #require(try first.manifest().part?.placement)
        let big = try #require(placement.first { $0.path == "raw/big.evtx" }?.segments)
        #expect(big.count >= 2 && big.allSatisfy { $0.sha256.count == 64 })

        // All parts: complete.
        let all = PartSetVerifier.verify(result.archives)
        #expect(all.isWhole, "\(all.problems) \(all.reports.flatMap(\.problems))")
        // One missing: not complete, and the message names the part and what it holds.
        let missing = big[1].part
        var given = result.archives
        given.remove(at: missing - 1)
        let partial = PartSetVerifier.verify(given)
        #expect(!partial.isWhole)
        #expect(partial.problems.contains { $0.contains("part \(missing) of \(count)") && $0.contains("raw/big.evtx (segment 2 of") },
                "\(partial.problems)")

        // Extract: every file byte-identical, segments joined.
        let out = try TempDir("extract")
        defer { out.cleanup() }
        let extracted = BundleExtractor.extract(result.archives.reversed(), to: out.path)
        #expect(extracted.isWhole, "\(extracted.problems)")
        for f in Self.files() where f.path != "SUMMARY.txt" {
            let data = try Data(contentsOf: out.url.appendingPathComponent("\(Self.name)/\(f.path)"))
            #expect([UInt8](data) == f.bytes, "\(f.path) differs")
        }
        // Extracting again never replaces files.
        #expect(!BundleExtractor.extract(result.archives, to: out.path).isWhole)
        // Without a part, the segmented file is not written, and it says so.
        let out2 = try TempDir("extract2")
        defer { out2.cleanup() }
        let short = BundleExtractor.extract(given, to: out2.path)
        #expect(!short.isWhole)
        #expect(!FileManager.default.fileExists(atPath: out2.url.appendingPathComponent("\(Self.name)/raw/big.evtx").path))
    }

    @Test func reproducible() throws {
        var digests: [[String]] = []
        for _ in 0..<2 {
            let dir = try TempDir("repro")
            defer { dir.cleanup() }
            let bundle = try Self.makeBundle(in: dir, format: .zip)
            let result = try EmailPackager.package(bundle: bundle, options: Self.options(150_000, .zip))
            digests.append(try (result.archives + result.messages).map { sha([UInt8](try Data(contentsOf: URL(fileURLWithPath: $0.string)))) })
        }
        #expect(digests[0] == digests[1])
    }

    @Test func fittingBundleIsLeftAsItIsWithOneDraft() throws {
        let dir = try TempDir("fits")
        defer { dir.cleanup() }
        let bundle = try Self.makeBundle(in: dir, format: .zip)
        let before = sha([UInt8](try Data(contentsOf: URL(fileURLWithPath: bundle.string))))
        let result = try EmailPackager.package(bundle: bundle, options: Self.options(10_000_000, .zip))
        #expect(!result.isSplit)
        #expect(result.archives == [bundle])
        #expect(result.messages.map { $0.lastComponent!.string } == ["\(Self.name).eml"])
        #expect(sha([UInt8](try Data(contentsOf: URL(fileURLWithPath: bundle.string)))) == before)
        #expect(try Self.size(result.messages[0]) <= 10_000_000)
        #expect(throws: BundleError.self) {
            try EmailPackager.package(bundle: bundle, options: Self.options(1000, .zip))
        }
    }

    @Test func encryptedPartsNeedThePassphrase() throws {
        let dir = try TempDir("enc")
        defer { dir.cleanup() }
        let bundle = try Self.makeBundle(in: dir, format: .zip, passphrase: "correct horse")
        #expect(BundleReader.isEncrypted(bundle))
        let result = try EmailPackager.package(bundle: bundle, options: Self.options(150_000, .zip, passphrase: "correct horse"))
        #expect(result.isSplit)
        #expect(PartSetVerifier.verify(result.archives, passphrase: "correct horse").isWhole)
        let wrong = PartSetVerifier.verify(result.archives, passphrase: "wrong")
        #expect(!wrong.isWhole)
        #expect(wrong.reports.flatMap(\.problems).contains { $0.contains("cannot decrypt") })
        #expect(!PartSetVerifier.verify(result.archives).isWhole)
        // The passphrase is nowhere in the parts or drafts.
        for p in result.archives + result.messages {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: p.string)))
            #expect(bytes.firstRange(of: Array("correct horse".utf8)) == nil)
        }
        let out = try TempDir("encx")
        defer { out.cleanup() }
        #expect(BundleExtractor.extract(result.archives, to: out.path, passphrase: "correct horse").isWhole)
        #expect(throws: BundleError.self) {
            try BundleWriter(outputDirectory: dir.path, bundleName: "x", format: .tarGz, entryTime: testTime, passphrase: "p")
        }
    }

    /// A part that cannot be written (here: its final name is taken) leaves no final-name part and
    /// no temporary file; the unsplit bundle stays.
    @Test func failureLeavesNoPart() throws {
        let probe = try TempDir("probe")
        defer { probe.cleanup() }
        let names = try EmailPackager.package(bundle: try Self.makeBundle(in: probe, format: .zip),
                                              options: Self.options(150_000, .zip)).archives.map { $0.lastComponent!.string }
        #expect(names.count >= 3)
        let dir = try TempDir("fail")
        defer { dir.cleanup() }
        let bundle = try Self.makeBundle(in: dir, format: .zip)
        _ = try dir.file(names[1], Array("in the way".utf8))
        #expect(throws: BundleError.self) { try EmailPackager.package(bundle: bundle, options: Self.options(150_000, .zip)) }
        #expect(dir.names() == [bundle.lastComponent!.string, names[1]].sorted(), "\(dir.names())")
    }

    @Test func draftTemporariesAreLeftoversToo() {
        #expect(BundleWriter.leftoverPID(".AMT-x-part1of3.eml.partial-4242") == 4242)
        #expect(BundleWriter.leftoverPID(".notes.txt.partial-4242") == nil)
    }

    /// A bundle entry read through its located deflate stream (ISA-L) gives the file's bytes, and
    /// a damaged stream or a CRC-32 that does not match is an error, not wrong bytes.
    @Test func deflatedEntryReaderChecksWhatItInflates() throws {
        let dir = try TempDir("inflate")
        defer { dir.cleanup() }
        let bundle = try Self.makeBundle(in: dir, format: .zip)
        let entries = try #require(ZipDirectory.deflatedEntries(bundle))
        func inflate(_ e: PackedFile) throws -> [UInt8] {
            let reader = try DeflatedEntryReader(e)
            var out: [UInt8] = []
            while true {
                let chunk = try reader.next()
                if chunk.isEmpty { return out }
                out += chunk
            }
        }
        for f in Self.files() where f.path != "SUMMARY.txt" {
            let e = try #require(entries["\(Self.name)/\(f.path)"])
            #expect(try inflate(e) == f.bytes, "\(f.path)")
        }
        let log = try #require(entries["\(Self.name)/raw/app/AMTError.log"])
        var wrongCRC = log
        wrongCRC.crc32 ^= 1
        #expect(throws: BundleError.self) { _ = try inflate(wrongCRC) }
        var short = log
        short.compressedBytes -= 100
        #expect(throws: BundleError.self) { _ = try inflate(short) }
        // A damaged byte in the middle of the stream.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: bundle.string)))
        bytes[Int(log.offset + log.compressedBytes / 2)] ^= 0xFF
        let damaged = try dir.file("damaged.zip", bytes)
        var broken = log
        broken.path = damaged
        #expect(throws: (any Error).self) { _ = try inflate(broken) }
    }

    @Test func zipDirectoryAccountsForEveryByte() throws {
        let dir = try TempDir("zipdir")
        defer { dir.cleanup() }
        let bundle = try Self.makeBundle(in: dir, format: .zip)
        let sizes = try #require(ZipDirectory.packedSizes(bundle))
        #expect(sizes.count == Self.files().count + 1)
        // Local headers, data, descriptors and directory records, plus the 22-byte end record.
        #expect(sizes.values.reduce(0, +) + 22 == (try Self.size(bundle)))
        #expect(ZipDirectory.packedSizes(try dir.file("not.zip", sampleBytes(1000))) == nil)
    }

    /// A crafted bundle whose manifest lists `../` paths, with entries named so: nothing is
    /// written outside the folder, and the run says so.
    @Test func extractOfACraftedBundleStaysInside() throws {
        let dir = try TempDir("slip")
        defer { dir.cleanup() }
        let bundle = try Self.makeBundle(in: dir, format: .zip)
        var manifest = try BundleReader(path: bundle).manifest()
        let evil = Array("owned\n".utf8)
        manifest.files.append(Manifest.File(path: "../../evil.txt", kind: "raw", role: .raw, bytes: Int64(evil.count), sha256: sha(evil)))
        let crafted = dir.path.appending("crafted.zip")
        try rewrite(bundle, to: crafted, format: .zip, transform: { name, bytes in
            name.hasSuffix("/manifest.json") ? nil : bytes
        }, extra: [("\(Self.name)/../../evil.txt", evil), ("../evil2.txt", evil), ("\(Self.name)/manifest.json", try manifest.encoded())])
        let out = try TempDir("slipout")
        defer { out.cleanup() }
        let target = out.path.appending("inner")
        let report = BundleExtractor.extract([crafted], to: target)
        #expect(!report.isWhole)
        #expect(!FileManager.default.fileExists(atPath: out.url.appendingPathComponent("evil.txt").path))
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("evil.txt").path))
        #expect(!FileManager.default.fileExists(atPath: out.url.deletingLastPathComponent().appendingPathComponent("evil.txt").path))
        #expect(!FileManager.default.fileExists(atPath: out.url.appendingPathComponent("evil2.txt").path))
        #expect(report.problems.contains { $0.contains("evil") }, "\(report.problems)")
        // Everything it wrote is inside the folder.
        for p in report.written { #expect(p.lexicallyNormalized().starts(with: target)) }
    }

    @Test func extractRefusesPathsOutsideTheFolder() throws {
        let out = FilePath("/tmp/out")
        #expect(BundleExtractor.destination(out, top: "AMT-x", path: "raw/a.log") == FilePath("/tmp/out/AMT-x/raw/a.log"))
        #expect(BundleExtractor.destination(out, top: "AMT-x", path: "../../etc/passwd") == nil)
        #expect(BundleExtractor.destination(out, top: "..", path: "a") == nil)
        #expect(BundleExtractor.destination(out, top: "AMT-x", path: "/etc/passwd") == nil)
        #expect(BundleExtractor.destination(out, top: "AMT-x", path: "raw\\..\\..\\x") == nil)
    }
}
