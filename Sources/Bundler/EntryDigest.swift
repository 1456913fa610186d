import Crypto

/// The size and SHA-256 of an entry's bytes, taken where the bytes are made: a stage that
/// produces a streamed entry's data on another thread hashes it there, and the archive thread
/// only compresses (`BundleWriter.beginEntry(at:hashedByCaller:)`).
///
/// `@unchecked Sendable`: the hash state is a value whose storage is copied on write; a digest is
/// handed to another thread whole, after its producer last touched it.
public struct EntryDigest: @unchecked Sendable {
    private var hasher = SHA256()
    /// Bytes hashed so far.
    public private(set) var bytes: Int64 = 0

    public init() {}

    public mutating func update(_ chunk: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: chunk)
        bytes += Int64(chunk.count)
    }

    /// Lower-case hex SHA-256 of the bytes hashed so far.
    public var sha256: String { hex(hasher.finalize()) }
}
