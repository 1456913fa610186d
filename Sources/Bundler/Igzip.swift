import CIsal
import Crypto
import SystemPackage

/// Starts the device write of a file as it is written, every `step` bytes
/// (`Platform.startWriteback`): a file written at hundreds of MB/s is then mostly on the device
/// when it is synced before its rename, instead of all of it being written during that wait.
struct Writeback {
    static let step: Int64 = 8 << 20
    /// Where the bytes not yet handed to the device start.
    private(set) var started: Int64

    /// `from`: where in the file this writer starts.
    init(from: Int64 = 0) { started = from }

    /// `end`: the file offset this writer has written up to.
    mutating func wrote(upTo end: Int64, fd: FileDescriptor) {
        guard end - started >= Self.step else { return }
        Platform.startWriteback(fd, offset: started, length: end - started)
        started = end
    }
}

/// An I/O failure of a file the igzip writers write.
struct IgzipWriteFailure: Error {
    var errno: Errno?
    /// What failed, without the errno's own words (those come with `errno`); may be empty.
    var text: String
}

/// Bytes on their way to a file: a 256 KiB buffer, flushed when full, and the count of every byte
/// put so far (the file offset of the next one).
final class OutputBuffer {
    static let size = 256 << 10
    let fd: FileDescriptor
    private let storage: UnsafeMutableRawBufferPointer
    private(set) var used = 0
    /// Bytes put so far, written or buffered.
    private(set) var position: UInt64 = 0

    /// Set for a file that is synced when complete (a bundle), not for work files.
    var writeback: Writeback?

    init(fd: FileDescriptor) {
        self.fd = fd
        storage = .allocate(byteCount: Self.size, alignment: 64)
    }

    deinit { storage.deallocate() }

    var free: Int { storage.count - used }

    /// Makes sure `bytes` fit without a flush in between.
    func room(_ bytes: Int) throws {
        if free < bytes { try flush() }
        precondition(free >= bytes)
    }

    func flush() throws {
        guard used > 0 else { return }
        do {
            _ = try fd.writeAll(UnsafeRawBufferPointer(rebasing: storage[0..<used]))
        } catch {
            // The errno says it all ("No space left on device"); it is added to the message once.
            throw IgzipWriteFailure(errno: error as? Errno, text: error is Errno ? "" : "\(error)")
        }
        used = 0
        writeback?.wrote(upTo: Int64(position), fd: fd)
    }

    /// The free part of the buffer, for a producer that then calls `commit`.
    var freeSpace: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: storage[used...]) }

    func commit(_ count: Int) {
        used += count
        position += UInt64(count)
    }

    func put16(_ v: UInt16) {
        storage[used] = UInt8(truncatingIfNeeded: v)
        storage[used + 1] = UInt8(truncatingIfNeeded: v >> 8)
        commit(2)
    }

    func put32(_ v: UInt32) {
        put16(UInt16(truncatingIfNeeded: v))
        put16(UInt16(truncatingIfNeeded: v >> 16))
    }

    func put64(_ v: UInt64) {
        put32(UInt32(truncatingIfNeeded: v))
        put32(UInt32(truncatingIfNeeded: v >> 32))
    }

    func put(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { freeSpace.copyMemory(from: $0) }
        commit(bytes.count)
    }
}

/// One raw deflate stream at a time by ISA-L's igzip, reused stream after stream.
final class IgzipDeflater {
    private let stream: UnsafeMutablePointer<isal_zstream>
    private let level: UInt32
    private let levelBuffer: UnsafeMutablePointer<UInt8>?
    private let levelBufferSize: UInt32
    /// igzip is always called with at least this much room, so it never has to hold output back.
    private static let minimumRoom = 16 << 10

    /// The igzip level for a deflate level 1–4: 1 → 1, 2–4 → 2.
    static func level(forDeflateLevel level: Int) -> UInt32 { level <= 1 ? 1 : 2 }

    init(deflateLevel: Int) {
        level = Self.level(forDeflateLevel: deflateLevel)
        stream = .allocate(capacity: 1)
        isal_deflate_init(stream)
        levelBufferSize = amt_isal_level_buffer_size(level)
        levelBuffer = levelBufferSize > 0 ? .allocate(capacity: Int(levelBufferSize)) : nil
    }

    deinit {
        stream.deallocate()
        levelBuffer?.deallocate()
    }

    /// Starts a new stream.
    func start() {
        amt_isal_start(stream, level, levelBuffer, levelBufferSize)
    }

    /// Compresses `count` bytes at `input` into `out`; with `last`, ends the stream (its final
    /// block written). Returns the compressed bytes put into `out`.
    func deflate(_ input: UnsafeRawPointer?, _ count: Int, last: Bool, into out: OutputBuffer) throws -> UInt64 {
        var produced: UInt64 = 0
        var offset = 0
        repeat {
            let n = min(count - offset, 1 << 30)
            let final = last && offset + n == count
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.map { ($0 + offset).assumingMemoryBound(to: UInt8.self) })
            stream.pointee.avail_in = UInt32(n)
            stream.pointee.end_of_stream = final ? 1 : 0
            while true {
                if out.free < Self.minimumRoom { try out.flush() }
                let space = out.freeSpace
                stream.pointee.next_out = space.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.pointee.avail_out = UInt32(space.count)
                let status = isal_deflate(stream)
                guard amt_isal_ok(status) != 0 else {
                    throw IgzipWriteFailure(errno: nil, text: "igzip failed with status \(status)")
                }
                let made = space.count - Int(stream.pointee.avail_out)
                out.commit(made)
                produced += UInt64(made)
                if final {
                    if amt_isal_stream_ended(stream) != 0 { break }
                } else if stream.pointee.avail_in == 0 {
                    break
                }
            }
            offset += n
        } while offset < count
        stream.pointee.next_in = nil
        return produced
    }

    /// CRC-32 (IEEE, as zip and gzip use it) of `count` bytes at `bytes`, continuing `crc`.
    static func crc32(_ crc: UInt32, _ bytes: UnsafeRawPointer, _ count: Int) -> UInt32 {
        crc32_gzip_refl(crc, bytes.assumingMemoryBound(to: UInt8.self), UInt64(count))
    }
}

/// A file compressed as it is written: raw deflate by igzip at the level a zip bundle uses, with
/// the size, CRC-32 and SHA-256 of the bytes before compression. `BundleWriter.addPacked` puts it
/// into a zip bundle by copying the compressed bytes, so the raw copy of a log is compressed on the
/// thread that reads it, and only about a tenth of it passes through the temporary file.
public final class PackedFileWriter {
    public let path: FilePath
    private let fd: FileDescriptor
    private let out: OutputBuffer
    private let deflater: IgzipDeflater
    private var hasher = SHA256()
    private var crc: UInt32 = 0
    private var size: Int64 = 0
    private var compressed: UInt64 = 0
    private var closed = false

    /// Creates `path` (which must not exist) for a file compressed at `deflateLevel` (1–4).
    /// - Throws: `Errno` when the file cannot be created.
    public init(creating path: FilePath, deflateLevel: Int) throws {
        self.path = path
        fd = try FileDescriptor.open(path, .writeOnly, options: Platform.openOptions.union([.create, .truncate, .exclusiveCreate]),
                                     permissions: [.ownerReadWrite])
        out = OutputBuffer(fd: fd)
        deflater = IgzipDeflater(deflateLevel: deflateLevel)
        deflater.start()
    }

    deinit {
        if !closed { try? fd.close() }
    }

    /// Compresses and appends `bytes`.
    /// - Throws: `Errno` when the file cannot be written.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        hasher.update(bufferPointer: bytes)
        crc = IgzipDeflater.crc32(crc, base, bytes.count)
        size += Int64(bytes.count)
        compressed += try rethrowingErrno { try deflater.deflate(base, bytes.count, last: false, into: out) }
    }

    /// Ends the deflate stream, writes everything out and closes the file.
    /// - Throws: `Errno` when the file cannot be written.
    public func close() throws -> PackedFile {
        precondition(!closed, "already closed")
        closed = true
        defer { try? fd.close() }
        compressed += try rethrowingErrno { try deflater.deflate(nil, 0, last: true, into: out) }
        try rethrowingErrno { try out.flush() }
        return PackedFile(path: path, bytes: size, compressedBytes: Int64(compressed), crc32: crc,
                          sha256: hex(hasher.finalize()))
    }

    private func rethrowingErrno<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let failure as IgzipWriteFailure {
            throw failure.errno ?? Errno.ioError
        }
    }
}

/// What `PackedFileWriter` wrote: a raw deflate stream of `bytes` bytes whose CRC-32 and
/// SHA-256 are given. (Also an entry's stream inside a zip, from `offset`: see `ZipDirectory`.)
public struct PackedFile: Sendable, Equatable {
    public var path: FilePath
    /// Where the deflate stream starts in the file.
    public var offset: Int64 = 0
    /// Bytes before compression.
    public var bytes: Int64
    /// Bytes of the file (compressed).
    public var compressedBytes: Int64
    public var crc32: UInt32
    public var sha256: String
}
