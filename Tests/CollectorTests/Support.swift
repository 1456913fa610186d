import Foundation
import LogRecord
import Logging
import SystemPackage
import Testing
@testable import Collector
#if canImport(Glibc)
import Glibc
#endif

/// A temporary folder shaped like a Windows system drive, removed when released.
final class TempTree {
    let url: URL
    var root: FilePath { FilePath(url.path) }

    init(_ label: String = "tree") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("amt-collector-\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        // chmod-000 entries would stop removal: give the owner its rights back first.
        if let e = FileManager.default.enumerator(atPath: url.path) {
            for case let rel as String in e {
                _ = chmod(url.appendingPathComponent(rel).path, 0o755)
            }
        }
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ rel: String) -> String { url.appendingPathComponent(rel).path }

    @discardableResult
    func write(_ rel: String, _ text: String = "x\n") throws -> String {
        try write(rel, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ rel: String, bytes: [UInt8]) throws -> String {
        let full = url.appendingPathComponent(rel)
        try FileManager.default.createDirectory(at: full.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: full)
        return full.path
    }

    func mkdir(_ rel: String) throws {
        try FileManager.default.createDirectory(at: url.appendingPathComponent(rel), withIntermediateDirectories: true)
    }

    func symlink(_ rel: String, to target: String) throws {
        let full = url.appendingPathComponent(rel)
        try FileManager.default.createDirectory(at: full.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: full.path, withDestinationPath: target)
    }

    func fifo(_ rel: String) throws {
        let full = url.appendingPathComponent(rel)
        try FileManager.default.createDirectory(at: full.deletingLastPathComponent(), withIntermediateDirectories: true)
        #expect(mkfifo(full.path, 0o644) == 0)
    }

    func setModified(_ rel: String, _ date: Date) throws {
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path(rel))
    }
}

let quietLogger = Logger(label: "collector-tests", factory: { _ in SwiftLogNoOpLogHandler() })

func isRoot() -> Bool { getuid() == 0 }

/// Wraps the real file system to inject what a test cannot make happen for real as root.
struct InjectingAccess: FileSystemAccess {
    let real = SystemFileAccess()
    /// File names whose open fails with "permission denied".
    var deny: Set<String> = []
    /// File names deleted right after their folder is listed (they vanish before `stat`).
    var vanish: Set<String> = []
    /// Folder names whose listing fails with "permission denied".
    var denyList: Set<String> = []
    /// Records every folder listed.
    var listed: ListLog?

    final class ListLog: @unchecked Sendable {
        private let lock = NSLock()
        private var paths: [String] = []
        func add(_ p: String) { lock.lock(); paths.append(p); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return paths }
    }

    func list(_ directory: FilePath) throws(CollectorError) -> [DirectoryEntry] {
        listed?.add(directory.string)
        if let name = directory.lastComponent?.string, denyList.contains(name) {
            throw CollectorError.system(EACCES, "list folder", directory)
        }
        let entries = try real.list(directory)
        for entry in entries where vanish.contains(entry.name) {
            _ = unlink(directory.appending(entry.name).string)
        }
        return entries
    }

    func status(_ path: FilePath, followLinks: Bool) throws(CollectorError) -> FileStatus {
        try real.status(path, followLinks: followLinks)
    }

    func checkReadable(_ path: FilePath) throws(CollectorError) {
        try denyIfAsked(path)
        try real.checkReadable(path)
    }

    func resolve(_ path: FilePath) -> FilePath? { real.resolve(path) }

    func openForReading(_ path: FilePath) throws(CollectorError) -> (FileDescriptor, FileStatus) {
        try denyIfAsked(path)
        return try real.openForReading(path)
    }

    private func denyIfAsked(_ path: FilePath) throws(CollectorError) {
        if let name = path.lastComponent?.string, deny.contains(name) {
            throw CollectorError.system(EACCES, "open", path)
        }
    }
}

extension Discovery {
    /// A discovery over `tree` with an injected file system.
    static func testing(
        _ root: FilePath, catalog: Catalog = .builtin(), includes: [FilePath] = [],
        window: TimeWindow = .all, optIn: Set<String> = [], access: any FileSystemAccess = SystemFileAccess()
    ) -> Discovery {
        Discovery(root: root, catalog: catalog, includes: includes, window: window, includeOptIn: optIn,
                  logger: quietLogger, access: access)
    }
}

/// Reads a whole source through `SourceReader`.
func readAll(_ path: FilePath, cap: Int64 = 64 << 20, chunkSize: Int = 1 << 20) throws -> (bytes: [UInt8], chunks: [ByteChunkInfo], reader: SourceReader) {
    var reader = try SourceReader(path: path, cap: cap, chunkSize: chunkSize)
    var bytes: [UInt8] = []
    var chunks: [ByteChunkInfo] = []
    while let chunk = try reader.nextChunk() {
        chunks.append(ByteChunkInfo(count: chunk.bytes.count, skippedBefore: chunk.skippedBefore))
        bytes += chunk.bytes
    }
    return (bytes, chunks, reader)
}

struct ByteChunkInfo: Equatable {
    var count: Int
    var skippedBefore: UInt64
}
