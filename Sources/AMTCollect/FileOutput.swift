import Bundler
import SystemPackage

/// A failure to write amt-collect's own output (work files, bundle): fatal for the run, unlike a
/// source that cannot be read.
struct OutputError: Error, CustomStringConvertible {
    var path: FilePath
    var cause: Errno
    var description: String { "cannot write \(path): \(cause)" }
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
