import Foundation
import LogRecord
import SystemPackage
import Testing
@testable import Collector
#if canImport(Glibc)
import Glibc
#endif

@Suite struct SourceReaderTests {
    static func pattern(_ n: Int) -> [UInt8] { (0..<n).map { UInt8($0 % 251) } }

    @Test func readsSmallFileWholeInChunks() throws {
        let tree = try TempTree("reader")
        let bytes = Self.pattern(1000)
        let file = try tree.write("a.log", bytes: bytes)
        let (read, chunks, reader) = try readAll(FilePath(file), chunkSize: 300)
        #expect(read == bytes)
        #expect(chunks == [ByteChunkInfo(count: 300, skippedBefore: 0), ByteChunkInfo(count: 300, skippedBefore: 0),
                           ByteChunkInfo(count: 300, skippedBefore: 0), ByteChunkInfo(count: 100, skippedBefore: 0)])
        #expect(reader.truncation == nil)
        #expect(reader.bytesRead == 1000)
        #expect(reader.size == 1000)
        #expect(reader.shrank == nil)
    }

    @Test func emptyFileGivesNoChunk() throws {
        let tree = try TempTree("reader")
        let file = try tree.write("empty.log", bytes: [])
        let (read, chunks, reader) = try readAll(FilePath(file))
        #expect(read.isEmpty && chunks.isEmpty && reader.bytesRead == 0)
    }

    @Test func capKeepsExactHeadAndTail() throws {
        let tree = try TempTree("reader")
        let bytes = Self.pattern(1000)
        let file = try tree.write("big.log", bytes: bytes)
        let (read, chunks, reader) = try readAll(FilePath(file), cap: 301, chunkSize: 64)
        // Head: cap / 2 = 150 bytes; tail: the other 151.
        #expect(read == Array(bytes[0..<150]) + Array(bytes[849..<1000]))
        #expect(chunks.map(\.count) == [64, 64, 22, 64, 64, 23])
        #expect(chunks.map(\.skippedBefore) == [0, 0, 0, 699, 0, 0])
        let truncation = try #require(reader.truncation)
        #expect(truncation.droppedBytes == 699)
        #expect(truncation.headBytes == 150 && truncation.tailBytes == 151 && truncation.originalSize == 1000)
        #expect(truncation.how == "kept first 150 bytes and last 151 bytes of 1000 bytes")
        #expect(reader.bytesRead == 301)
    }

    @Test func capDescribesLargeFilesInMiB() throws {
        let tree = try TempTree("reader")
        let file = tree.path("huge.evtx")
        #expect(FileManager.default.createFile(atPath: file, contents: nil))
        #expect(truncate(file, 200 << 20) == 0)  // sparse: costs no disk
        let reader = try SourceReader(path: FilePath(file))
        #expect(reader.truncation?.how == "kept first 32 MiB and last 32 MiB of 200 MiB")
        #expect(reader.truncation?.droppedBytes == 136 << 20)
    }

    @Test func growingFileIsReadUpToItsSizeAtOpen() throws {
        let tree = try TempTree("reader")
        let bytes = Self.pattern(3 << 16)
        let file = try tree.write("growing.log", bytes: bytes)
        var reader = try SourceReader(path: FilePath(file), chunkSize: 1 << 16)
        var read: [UInt8] = try #require(try reader.nextChunk()).bytes
        // Another program appends while we read.
        let handle = try #require(FileHandle(forWritingAtPath: file))
        handle.seekToEndOfFile()
        handle.write(Data(repeating: 0x41, count: 1 << 17))
        handle.closeFile()
        while let chunk = try reader.nextChunk() { read += chunk.bytes }
        #expect(read == bytes)
        #expect(reader.bytesRead == Int64(bytes.count))
        #expect(reader.shrank == nil)
    }

    @Test func shrinkingFileStopsCleanlyAndSaysSo() throws {
        let tree = try TempTree("reader")
        let bytes = Self.pattern(3 << 16)
        let file = try tree.write("rotated.log", bytes: bytes)
        var reader = try SourceReader(path: FilePath(file), chunkSize: 1 << 16)
        var read: [UInt8] = try #require(try reader.nextChunk()).bytes
        #expect(truncate(file, (1 << 16) + 100) == 0)
        while let chunk = try reader.nextChunk() { read += chunk.bytes }
        #expect(read == Array(bytes[0..<((1 << 16) + 100)]))
        #expect(reader.shrank == "file shrank while read: ended at byte 65636 of 196608 expected")
        #expect(try reader.nextChunk()?.bytes == nil)
    }

    @Test func refusesWhatIsNotARegularFile() throws {
        let tree = try TempTree("reader")
        try tree.mkdir("folder")
        try tree.fifo("pipe")
        try tree.symlink("dangling", to: "nothing-here")
        try tree.symlink("self", to: "self")
        let cases: [(String, CollectorError.Code, String)] = [
            ("folder", .isDirectory, "it is a folder"),
            ("pipe", .notRegularFile, "named pipe"),
            ("dangling", .notFound, "No such file or directory"),
            ("self", .symlinkLoop, "Too many levels of symbolic links"),
            ("missing", .notFound, "No such file or directory"),
        ]
        for (name, code, words) in cases {
            do {
                _ = try SourceReader(path: FilePath(tree.path(name)))
                Issue.record("\(name) should not open")
            } catch {
                #expect(error.code == code, "\(name)")
                #expect(error.description.contains(tree.path(name)), "\(error)")
                #expect(error.description.contains(words), "\(error)")
            }
        }
    }

    @Test func permissionDeniedNamesPathAndCause() throws {
        let tree = try TempTree("reader")
        let file = try tree.write("locked.log")
        do {
            _ = try SourceReader(path: FilePath(file), cap: 1 << 20, chunkSize: 1 << 16,
                                 access: InjectingAccess(deny: ["locked.log"]))
            Issue.record("should not open")
        } catch {
            #expect(error.code == .permissionDenied)
            #expect(error.errno == EACCES)
            #expect(error.description == "cannot open \(file): Permission denied")
        }
    }

    @Test(.enabled(if: !isRoot(), "root reads chmod-000 files"))
    func chmod000IsPermissionDenied() throws {
        let tree = try TempTree("reader")
        let file = try tree.write("locked.log")
        #expect(chmod(file, 0) == 0)
        #expect { try SourceReader(path: FilePath(file)) } throws: { ($0 as? CollectorError)?.code == .permissionDenied }
    }

    @Test func byteCountWords() {
        #expect(byteCount(0) == "0 bytes")
        #expect(byteCount(1023) == "1023 bytes")
        #expect(byteCount(1024) == "1 KiB")
        #expect(byteCount(1536) == "1.5 KiB")
        #expect(byteCount(32 << 20) == "32 MiB")
        #expect(byteCount(3 << 30) == "3 GiB")
    }
}

