@testable import Bundler
import Foundation
import LogRecord
import SystemPackage
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Verify finds damage")
struct VerifyTests {
    @Test(arguments: ArchiveFormat.allCases)
    func alteredEntry(format: ArchiveFormat) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (path, _) = try writeBundle(in: dir, format: format, files: awkwardFiles)
        let damaged = dir.path.appending("damaged.\(format.fileExtension)")
        try rewrite(path, to: damaged, format: format) { name, bytes in
            guard name.hasSuffix("AMTError 2026.log") else { return bytes }
            var changed = bytes
            changed[5000] ^= 0x20
            return changed
        }
        let good = BundleVerifier.verify(path)
        #expect(good.isWhole, "\(good.problems)")
        let report = BundleVerifier.verify(damaged)
        #expect(!report.isWhole)
        #expect(report.problems == ["raw/Program Files/AMT (x86)/AMTError 2026.log does not match its SHA-256 in the manifest (content altered or damaged)"])
    }

    @Test(arguments: ArchiveFormat.allCases)
    func entryMissingFromManifestAndFileMissingFromArchive(format: ArchiveFormat) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (path, _) = try writeBundle(in: dir, format: format, files: awkwardFiles)
        let damaged = dir.path.appending("damaged.\(format.fileExtension)")
        try rewrite(path, to: damaged, format: format,
                    transform: { name, bytes in name.hasSuffix("raw/empty.log") ? nil : bytes },
                    extra: [("AMT-HQ-42-20261127T063000Z/raw/smuggled.txt", Array("hi".utf8))])
        let report = BundleVerifier.verify(damaged)
        #expect(!report.isWhole)
        #expect(report.problems.contains("raw/empty.log is listed in the manifest but missing from the archive"))
        #expect(report.problems.contains("entry AMT-HQ-42-20261127T063000Z/raw/smuggled.txt is not listed in the manifest: its bytes are not covered by a SHA-256"))
        #expect(report.problems.count == 2, "\(report.problems)")
    }

    @Test(arguments: ArchiveFormat.allCases)
    func duplicateAndMissingManifest(format: ArchiveFormat) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (path, _) = try writeBundle(in: dir, format: format, files: [("raw/a.log", Array("a".utf8))])
        let dup = dir.path.appending("dup.\(format.fileExtension)")
        try rewrite(path, to: dup, format: format, extra: [("AMT-HQ-42-20261127T063000Z/raw/a.log", Array("a".utf8))])
        let dupReport = BundleVerifier.verify(dup)
        #expect(dupReport.problems.contains("entry AMT-HQ-42-20261127T063000Z/raw/a.log appears more than once in the archive"), "\(dupReport.problems)")

        let noManifest = dir.path.appending("nomanifest.\(format.fileExtension)")
        try rewrite(path, to: noManifest, format: format, transform: { name, bytes in name.hasSuffix("/manifest.json") ? nil : bytes })
        let report = BundleVerifier.verify(noManifest)
        #expect(!report.isWhole)
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.hasPrefix("manifest.json is missing") == true)
        #expect(throws: BundleError.self) { try BundleReader(path: noManifest).manifest() }

        let badSchema = dir.path.appending("schema.\(format.fileExtension)")
        try rewrite(path, to: badSchema, format: format, transform: { name, bytes in
            guard name.hasSuffix("/manifest.json") else { return bytes }
            return Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "manifest/1", with: "manifest/9").utf8)
        })
        #expect(BundleVerifier.verify(badSchema).problems.contains {
            $0.contains("has schema 'amt-collect/manifest/9'")
        })
    }

    @Test(arguments: ArchiveFormat.allCases)
    func corruptedCompressedData(format: ArchiveFormat) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (path, _) = try writeBundle(in: dir, format: format, files: [("raw/big/ERRORLOG", sampleBytes(2_000_000, seed: 5))])
        var bytes = try fileBytes(path)
        bytes[bytes.count / 2] ^= 0xFF
        let damaged = try dir.file("flipped.\(format.fileExtension)", bytes)
        let report = BundleVerifier.verify(damaged)
        #expect(!report.isWhole)
        #expect(report.problems.count == 1, "one problem, no follow-on noise: \(report.problems)")
        // Zip fails inside the entry (CRC / inflate); gzip may inflate garbage and fail at the next header.
        let text = report.problems.first ?? ""
        #expect(text.contains("flipped.\(format.fileExtension) is damaged"), "\(report.problems)")
        #expect(text.contains("entry AMT-HQ-42-20261127T063000Z/raw/big/ERRORLOG"), "\(report.problems)")
        #expect(!text.hasSuffix("Invalid argument"), "format errors carry no misleading errno: \(text)")
    }

    @Test(arguments: ArchiveFormat.allCases)
    func truncatedArchive(format: ArchiveFormat) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (path, _) = try writeBundle(in: dir, format: format, files: awkwardFiles)
        let whole = try fileBytes(path)
        for keep in [whole.count - 10, whole.count / 2, 100] {
            let cut = try dir.file("cut-\(keep).\(format.fileExtension)", Array(whole.prefix(keep)))
            let report = BundleVerifier.verify(cut)
            #expect(!report.isWhole, "cut at \(keep) of \(whole.count) must not verify")
            #expect(!report.problems.isEmpty)
        }
        let garbage = try dir.file("garbage.zip", Array("this is not an archive at all".utf8))
        let report = BundleVerifier.verify(garbage)
        #expect(!report.isWhole)
        #expect(report.problems.first?.contains("garbage.zip") == true, "\(report.problems)")
        #expect(throws: BundleError.self) { try BundleReader(path: garbage) }
    }
}

@Suite("Writer failures", .serialized)
struct WriterFailureTests {
    @Test func missingOrNonDirectoryOutput() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let missing = dir.path.appending("no/such/dir")
        let error = #expect(throws: BundleError.self) {
            try BundleWriter(outputDirectory: missing, bundleName: "AMT-X-1-20261127T063000Z", format: .zip, entryTime: testTime)
        }
        #expect(error?.code == .cannotCreate)
        #expect(error?.cause == .noSuchFileOrDirectory)
        #expect(error?.description.contains("no/such/dir") == true)
        #expect(error?.description.hasSuffix("No such file or directory") == true)

        let notDir = try dir.file("plain-file", [1, 2, 3])
        let error2 = #expect(throws: BundleError.self) {
            try BundleWriter(outputDirectory: notDir, bundleName: "AMT-X-1-20261127T063000Z", format: .tarGz, entryTime: testTime)
        }
        #expect(error2?.cause == .notDirectory)
        #expect(dir.names() == ["plain-file"])
    }

    /// Root ignores permission bits: as root, a read-only tmpfs gives EROFS; where mounting is not
    /// allowed (or with AMT_BUNDLER_TEST_NO_MOUNT=1), a child process that dropped to `nobody`
    /// meets a 0555 directory (EACCES). Not root: the 0555 directory directly.
    @Test func unwritableDirectory() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let locked = dir.path.appending("locked")
        #expect(mkdir(locked.string, 0o755) == 0)
        if geteuid() != 0 {
            #expect(chmod(locked.string, 0o555) == 0)
            expectCannotCreate(in: locked, cause: .permissionDenied)
        } else if getenv("AMT_BUNDLER_TEST_NO_MOUNT") == nil,
                  mount("tmpfs", locked.string, "tmpfs", UInt(MS_RDONLY), "size=64k") == 0 {
            defer { umount2(locked.string, Int32(MNT_DETACH)) }
            expectCannotCreate(in: locked, cause: .readOnlyFileSystem)
        } else {
            #expect(chmod(locked.string, 0o555) == 0)
            #expect(chmod(dir.path.string, 0o755) == 0)
            setenv("AMT_BUNDLER_LOCKED_DIR", locked.string, 1)
            await #expect(processExitsWith: .success) {
                guard let path = getenv("AMT_BUNDLER_LOCKED_DIR") else { exit(6) }
                guard setgid(65534) == 0, setuid(65534) == 0 else { exit(2) }
                let locked = FilePath(String(cString: path))
                do {
                    _ = try BundleWriter(outputDirectory: locked, bundleName: "AMT-X-1-20261127T063000Z", format: .zip, entryTime: testTime)
                    exit(3)
                } catch let error as BundleError {
                    guard error.code == .cannotCreate, error.cause == .permissionDenied,
                          error.description.hasSuffix("Permission denied") else { exit(4) }
                    exit(0)
                } catch {
                    exit(5)
                }
            }
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: locked.string)) ?? ["?"]).isEmpty)
        }
    }

    func expectCannotCreate(in locked: FilePath, cause: Errno) {
        let error = #expect(throws: BundleError.self) {
            try BundleWriter(outputDirectory: locked, bundleName: "AMT-X-1-20261127T063000Z", format: .zip, entryTime: testTime)
        }
        #expect(error?.code == .cannotCreate)
        #expect(error?.cause == cause)
        #expect(error?.description.contains(locked.string) == true)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: locked.string)) ?? ["?"]).isEmpty)
    }

    /// A real "no space left on device": a 1 MiB tmpfs, falling back to a file size limit
    /// (RLIMIT_FSIZE, EFBIG) in a child process where mounting is not allowed.
    @Test(arguments: ArchiveFormat.allCases)
    func diskFull(format: ArchiveFormat) async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let small = dir.path.appending("small")
        #expect(mkdir(small.string, 0o755) == 0)
        let big = try dir.file("big.log", sampleBytes(3 * 1024 * 1024, seed: 7).map { $0 &+ UInt8.random(in: 0...255) })
        // AMT_BUNDLER_TEST_NO_MOUNT=1 exercises the fallback where mounting is allowed.
        if getenv("AMT_BUNDLER_TEST_NO_MOUNT") == nil, mount("tmpfs", small.string, "tmpfs", 0, "size=1m") == 0 {
            defer { umount2(small.string, Int32(MNT_DETACH)) }
            let writer = try BundleWriter(outputDirectory: small, bundleName: "AMT-X-1-20261127T063000Z", format: format,
                                          entryTime: testTime, compressionLevel: 1)
            let error = #expect(throws: BundleError.self) {
                try writer.addFile(at: "raw/big.log", from: big)
                try writer.finish(manifest: sampleManifest(writer.entries))
            }
            #expect(error?.code == .writeFailed, "\(String(describing: error))")
            #expect(error?.cause == .noSpace, "\(String(describing: error))")
            #expect(error?.description.contains("AMT-X-1-20261127T063000Z.\(format.fileExtension)") == true)
            #expect(error?.description.hasSuffix("No space left on device") == true, "\(String(describing: error))")
            #expect((try? FileManager.default.contentsOfDirectory(atPath: small.string)) == [], "temporary file removed, no final file")
            #expect(throws: BundleError.self) { try writer.addData(at: "x", [1]) }
        } else {
            // The child process gets its paths through the environment (exit tests capture nothing).
            setenv("AMT_BUNDLER_FSIZE_\(format == .zip ? "ZIP" : "TGZ")", "\(small.string)\n\(big.string)", 1)
            if format == .zip {
                await #expect(processExitsWith: .success) { fileSizeLimitChild(.zip) }
            } else {
                await #expect(processExitsWith: .success) { fileSizeLimitChild(.tarGz) }
            }
        }
    }

    /// A source that holds fewer bytes than its size said: sysfs files claim 4096 bytes and read a
    /// few, exactly like a log truncated between stat and read.
    @Test(arguments: ArchiveFormat.allCases)
    func sourceShorterThanItsSize(format: ArchiveFormat) throws {
        let source = FilePath("/sys/devices/system/cpu/online")
        guard let expected = try? fileBytes(source), !expected.isEmpty, expected.count < 4096 else {
            Issue.record("\(source) is not available to stand in for a shrinking file")
            return
        }
        let dir = try TempDir()
        defer { dir.cleanup() }
        let writer = try BundleWriter(outputDirectory: dir.path, bundleName: "AMT-X-1-20261127T063000Z", format: format, entryTime: testTime)
        let added = try writer.addFile(at: "system/cpu-online.txt", from: source)
        #expect(added.sourceBytes == 4096)
        #expect(added.shortfall?.contains("shrank while read") == true)
        let stored: [UInt8]
        switch format {
        case .zip:
            #expect(added.bytes == Int64(expected.count))
            #expect(added.zeroFilledBytes == 0)
            stored = expected
        case .tarGz:
            #expect(added.bytes == 4096)
            #expect(added.zeroFilledBytes == Int64(4096 - expected.count))
            stored = expected + [UInt8](repeating: 0, count: 4096 - expected.count)
        }
        let manifest = sampleManifest(writer.entries)
        #expect(manifest.files[0].status == .partial)
        let final = try writer.finish(manifest: manifest)
        #expect(try BundleReader(path: final).read("AMT-X-1-20261127T063000Z/system/cpu-online.txt") == stored)
        #expect(BundleVerifier.verify(final).isWhole)
    }

    @Test func leftoversOfDeadRunsAreRemoved() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let dead: Int32 = 2_147_000_000  // above any pid_max: no such process
        let me = getpid()
        let deadZip = try dir.file(".AMT-A-1-20261127T063000Z.zip.partial-\(dead)", [1])
        let deadSpool = try dir.file(".AMT-A-1-20261127T063000Z.tar.gz.partial-\(dead).entry", [1])
        _ = try dir.file(".AMT-B-1-20261127T063000Z.zip.partial-\(me)", [1])
        _ = try dir.file("AMT-C-1-20261127T063000Z.zip", [1])
        _ = try dir.file(".AMT-D.zip.partial-12ab", [1])
        _ = try dir.file(".other.partial-\(dead)", [1])
        let removed = BundleWriter.cleanLeftovers(in: dir.path)
        #expect(removed == [deadSpool, deadZip].sorted { $0.string < $1.string })
        #expect(dir.names() == [".AMT-B-1-20261127T063000Z.zip.partial-\(me)", ".AMT-D.zip.partial-12ab", ".other.partial-\(dead)",
                                "AMT-C-1-20261127T063000Z.zip"])
        #expect(BundleWriter.leftoverPID(".x.zip.partial-123") == 123)
        #expect(BundleWriter.leftoverPID("x.zip.partial-123") == nil)
        #expect(BundleWriter.leftoverPID(".x.tar.gz.partial-77.entry") == 77)
        #expect(BundleWriter.leftoverPID(".download.partial-123") == nil, "only bundle temporaries")
        #expect(BundleWriter.leftoverPID(".x.zip.partial-") == nil)
    }

    @Test func abortAndDeinitRemoveTheTemporaryFile() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let writer = try BundleWriter(outputDirectory: dir.path, bundleName: "AMT-X-1-20261127T063000Z", format: .zip, entryTime: testTime)
        try writer.addData(at: "SUMMARY.txt", [1, 2, 3])
        #expect(dir.names() == [".AMT-X-1-20261127T063000Z.zip.partial-\(getpid())"])
        writer.abort()
        #expect(dir.names() == [])
        #expect(throws: BundleError.self) { try writer.finish(manifest: sampleManifest([])) }
        do {
            let dropped = try BundleWriter(outputDirectory: dir.path, bundleName: "AMT-Y-1-20261127T063000Z", format: .tarGz, entryTime: testTime)
            try dropped.beginEntry(at: "records/a.jsonl")
            try dropped.writeToEntry([1, 2])
            #expect(dir.names().count == 2, "temporary file and spool")
        }
        #expect(dir.names() == [], "a writer dropped without finish leaves nothing")
    }

    @Test func rulesForEntriesAndManifest() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let writer = try BundleWriter(outputDirectory: dir.path, bundleName: "AMT-X-1-20261127T063000Z", format: .zip, entryTime: testTime)
        for bad in ["", "/abs", "a//b", "a/../b", "./a", "a\\b", "c:/x", "tab\there", "manifest.json"] {
            #expect(throws: BundleError.self, "\(bad)") { try writer.addData(at: bad, [1]) }
        }
        try writer.addData(at: "a.txt", [1])
        let dup = #expect(throws: BundleError.self) { try writer.addData(at: "a.txt", [2]) }
        #expect(dup?.code == .duplicateEntry)
        let unreadable = #expect(throws: BundleError.self) { try writer.addFile(at: "b.txt", from: dir.path.appending("nope")) }
        #expect(unreadable?.code == .sourceUnreadable)
        #expect(unreadable?.cause == .noSuchFileOrDirectory)
        let directory = #expect(throws: BundleError.self) { try writer.addFile(at: "c.txt", from: dir.path) }
        #expect(directory?.code == .sourceUnreadable)
        #expect(directory?.message.contains("not a regular file") == true)

        var manifest = sampleManifest([])
        let missing = #expect(throws: BundleError.self) { try writer.finish(manifest: manifest) }
        #expect(missing?.code == .manifestMismatch)
        #expect(missing?.message.contains("'a.txt' is not listed") == true)
        manifest = sampleManifest(writer.entries)
        manifest.files[0].sha256 = String(repeating: "0", count: 64)
        #expect(throws: BundleError.self) { try writer.finish(manifest: manifest) }
        manifest = sampleManifest(writer.entries)
        manifest.files.append(.init(path: "raw/gone.log", kind: "raw", role: .raw, bytes: 0, sha256: "", status: .skipped, reason: "permission denied"))
        let final = try writer.finish(manifest: manifest)
        #expect(BundleVerifier.verify(final).isWhole)

        let again = #expect(throws: BundleError.self) {
            try BundleWriter(outputDirectory: dir.path, bundleName: "AMT-X-1-20261127T063000Z", format: .zip, entryTime: testTime)
        }
        #expect(again?.code == .alreadyExists)
        #expect(dir.names() == ["AMT-X-1-20261127T063000Z.zip"])
    }
}

/// In a child process: with a 512 KiB file size limit, writing a 3 MiB bundle fails with EFBIG,
/// names the bundle and leaves nothing behind. Exits 0 only when all of that holds.
func fileSizeLimitChild(_ format: ArchiveFormat) -> Never {
    guard let spec = getenv("AMT_BUNDLER_FSIZE_\(format == .zip ? "ZIP" : "TGZ")") else { exit(6) }
    let parts = String(cString: spec).split(separator: "\n").map(String.init)
    let smallPath = parts[0], bigPath = parts[1]
    signal(SIGXFSZ, SIG_IGN)
    var limit = rlimit(rlim_cur: 512 * 1024, rlim_max: 512 * 1024)
    guard setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0 else { exit(2) }
    do {
        let writer = try BundleWriter(outputDirectory: FilePath(smallPath), bundleName: "AMT-X-1-20261127T063000Z",
                                      format: format, entryTime: testTime, compressionLevel: 1)
        try writer.addFile(at: "raw/big.log", from: FilePath(bigPath))
        try writer.finish(manifest: sampleManifest(writer.entries))
        exit(3)
    } catch let error as BundleError {
        guard error.code == .writeFailed, error.cause == .fileTooLarge,
              error.description.contains("AMT-X-1-20261127T063000Z.\(format.fileExtension)") else { exit(4) }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: smallPath)) ?? ["?"]
        exit(left.isEmpty ? 0 : 5)
    } catch {
        exit(7)
    }
}
