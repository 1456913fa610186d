import SystemPackage

/// A failure to write amt-collect's own output (work files, bundle): fatal for the run, unlike a
/// source that cannot be read.
struct OutputError: Error, CustomStringConvertible {
    var path: FilePath
    var cause: Errno
    var description: String { "cannot write \(path): \(cause)" }
}

/// Appends bytes to a new file through a 1 MiB buffer. Errors are `OutputError`.
final class BufferedFileWriter {
    let path: FilePath
    private let fd: FileDescriptor
    private var buffer: [UInt8] = []
    private var closed = false
    private(set) var bytesWritten: Int64 = 0

    init(creating path: FilePath) throws {
        self.path = path
        do {
            fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate, .exclusiveCreate],
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
