import Bundler
import Foundation
import SystemPackage

/// A failure to write amt-collect's own output (work files, bundle): fatal for the run, unlike a
/// source that cannot be read. Worded by the folder people gave (`--out`), not the work file.
struct OutputError: Error, CustomStringConvertible {
    var path: FilePath
    var cause: Errno
    var description: String {
        "cannot write in \(WorkFolder.container(of: path) ?? path.removingLastComponent()): \(cause)"
    }
}

/// The folders that hold copies in progress: `<--out>/.amt-work-<pid>` for `collect`,
/// `<temp>/amt-parse-<pid>` for `parse`. Their paths mean nothing to people and are never shown:
/// messages name the source a work file stands for, or the folder that holds the work folder.
public enum WorkFolder {
    static let collectPrefix = ".amt-work-"
    static let parsePrefix = "amt-parse-"

    /// `collect`'s work folder in `outputDirectory` for this process.
    public static func forCollect(in outputDirectory: FilePath) -> FilePath {
        outputDirectory.appending("\(collectPrefix)\(ProcessInfo.processInfo.processIdentifier)")
    }

    /// `parse`'s work folder in the temporary folder for this process.
    public static func forParse() -> FilePath {
        FilePath(FileManager.default.temporaryDirectory.path).appending("\(parsePrefix)\(ProcessInfo.processInfo.processIdentifier)")
    }

    /// The folder that holds the work folder `path` lies in (`--out`, or the temporary folder);
    /// `nil` when `path` is not in a work folder.
    static func container(of path: FilePath) -> FilePath? {
        var p = path
        while let last = p.lastComponent {
            let name = last.string
            if name.hasPrefix(collectPrefix) || name.hasPrefix(parsePrefix) { return p.removingLastComponent() }
            p = p.removingLastComponent()
        }
        return nil
    }

    /// `text` with the paths of `work` and of the files in it replaced: each file by
    /// `"a work file in <container>"`, the folder itself by `"the work folder in <container>"`.
    /// A last line of defence: messages are worded with the source's name where it is known.
    public static func scrub(_ text: String, work: FilePath) -> String {
        let folder = work.string
        guard text.contains(folder) else { return text }
        let container = work.removingLastComponent().string
        var out = ""
        var rest = Substring(text)
        while let range = rest.range(of: folder) {
            out += rest[..<range.lowerBound]
            rest = rest[range.upperBound...]
            if rest.first == "/" || rest.first == "\\" {
                // The file name: work files are named by the tool (`raw-12`, `member-3-1`, `export-4.evtx`).
                let name = rest.dropFirst().prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" }
                rest = rest.dropFirst(1 + name.count)
                out += "a work file in \(container)"
            } else {
                out += "the work folder in \(container)"
            }
        }
        return out + rest
    }
}

/// Where the parse stage keeps the raw copy of a source: a plain work file, or one compressed as
/// it is written for a bundle that takes packed files. Errors are `OutputError`.
protocol RawCopyWriter: AnyObject {
    var path: FilePath { get }
    func append(_ bytes: UnsafeRawBufferPointer) throws
    func close() throws
    /// After `close`: the compressed file, when this writer compresses.
    var packed: PackedFile? { get }
}

extension RawCopyWriter {
    func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }
}

/// A raw copy compressed as it is written (`PackedFileWriter`), for `BundleWriter.addPacked`.
final class PackedRawCopy: RawCopyWriter {
    let path: FilePath
    private let writer: PackedFileWriter
    private(set) var packed: PackedFile?

    init(creating path: FilePath, deflateLevel: Int) throws {
        self.path = path
        do {
            writer = try PackedFileWriter(creating: path, deflateLevel: deflateLevel)
        } catch let e as Errno {
            throw OutputError(path: path, cause: e)
        }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        do { try writer.append(bytes) } catch let e as Errno { throw OutputError(path: path, cause: e) }
    }

    func close() throws {
        guard packed == nil else { return }
        do { packed = try writer.close() } catch let e as Errno { throw OutputError(path: path, cause: e) }
    }
}

/// Appends bytes to a new file through a 1 MiB buffer. Errors are `OutputError`.
final class BufferedFileWriter: RawCopyWriter {
    let path: FilePath
    private let fd: FileDescriptor
    private var buffer: [UInt8] = []
    private var closed = false
    private(set) var bytesWritten: Int64 = 0

    init(creating path: FilePath) throws {
        self.path = path
        do {
            fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate, .exclusiveCreate, .binary],
                                         permissions: [.ownerReadWrite])
        } catch let e as Errno {
            throw OutputError(path: path, cause: e)
        }
        buffer.reserveCapacity(1 << 20)
    }

    deinit {
        if !closed { try? fd.close() }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func append(_ bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    var packed: PackedFile? { nil }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            _ = try buffer.withUnsafeBytes { try fd.writeAll($0) }
        } catch let e as Errno {
            throw OutputError(path: path, cause: e)
        }
        bytesWritten += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        guard !closed else { return }
        closed = true
        defer { try? fd.close() }
        try flush()
    }
}

/// Folders amt-collect writes in (`--out`, `extract --out`, work folders), created with their
/// missing parents. A failure names the path that could not be made and the system's reason
/// ("Read-only file system", "Permission denied", "… is a file, not a folder"), not Foundation's
/// generic "The file doesn't exist".
public enum OutputFolder {
    /// Why a folder could not be made: `blocker` is the path that stood in the way (the folder
    /// itself or one of its parents).
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var blocker: FilePath
        public var reason: String
        public var description: String { "\(blocker): \(reason)" }
    }

    /// Creates `path` and every missing parent; a folder that exists already is fine (also when
    /// another process made it meanwhile).
    public static func make(_ path: FilePath) throws(Failure) {
        var current = FilePath(root: path.root)
        for component in path.components {
            current.append(component)
            if let isFolder = kind(of: current) {
                if isFolder { continue }
                throw Failure(blocker: current, reason: "a file is in the way (not a folder)")
            }
            if let reason = createOne(current), kind(of: current) != true {
                throw Failure(blocker: current, reason: reason)
            }
        }
    }

    /// `true` a folder, `false` something else, `nil` nothing there.
    private static func kind(of path: FilePath) -> Bool? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.string, isDirectory: &isFolder) else { return nil }
        return isFolder.boolValue
    }

    /// The system's words for a Foundation file error (its POSIX cause when it has one).
    static func systemReason(_ error: any Error) -> String {
        CollectError.systemReason(error)?.reason ?? (error as NSError).localizedDescription
    }
}
