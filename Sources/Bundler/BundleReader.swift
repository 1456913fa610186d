import CArchive
import SystemPackage

/// Reads a bundle (.zip or .tar.gz, told apart by content) through libarchive.
///
/// Each call makes one pass over the archive (compressed tar has no index), so `read` and
/// `manifest` cost a scan up to the entry. Nothing is loaded whole except entries asked for by
/// `read`, which are capped.
public struct BundleReader: Sendable {
    /// One entry of the archive.
    public struct Entry: Sendable, Equatable {
        /// Full name in the archive, including the top folder (`AMT-…/raw/x.log`).
        public var name: String
        /// Uncompressed size from the header, when the format states it.
        public var size: Int64?
        public var isRegularFile: Bool

        public init(name: String, size: Int64?, isRegularFile: Bool) {
            self.name = name
            self.size = size
            self.isRegularFile = isRegularFile
        }
    }

    /// Largest entry `read` returns in memory: 512 MiB.
    public static let defaultReadLimit = 512 << 20

    public let path: FilePath
    /// Which archive formats are read.
    public let formats: Formats

    /// What a reader accepts.
    public enum Formats: Sendable {
        /// Bundles: zip (by its central directory, as Explorer reads it) and tar.gz.
        case bundles
        /// Any archive libarchive reads (cab, zip, 7z, rar, tar with any compression …): for
        /// archives found in log folders, which are expanded into the bundle.
        case any
        /// One compressed file that is not an archive (`x.log.gz`, `.bz2`, `.xz`): one entry,
        /// named `data`, holding the decompressed bytes.
        case compressedFile
    }

    /// Passphrase for encrypted (AES zip) entries; never logged.
    public let passphrase: String?

    /// - Throws: `.cannotOpen` when the file cannot be opened, `.corrupt` when it is not an archive
    ///   of the accepted formats that libarchive can read.
    public init(path: FilePath, formats: Formats = .bundles, passphrase: String? = nil) throws {
        self.path = path
        self.formats = formats
        self.passphrase = passphrase
        let session = try ReadSession(path, formats: formats, passphrase: passphrase)
        _ = try session.next()
    }

    /// Whether any entry of the archive is encrypted (so a passphrase is needed to read it). Reads
    /// headers only (cheap for zip, which is read by its directory).
    public static func isEncrypted(_ path: FilePath) -> Bool {
        guard let session = try? ReadSession(path) else { return false }
        while (try? session.next()) != nil {
            if session.currentIsEncrypted { return true }
        }
        return false
    }

    /// Every entry, in archive order.
    public func entries() throws -> [Entry] {
        let session = try ReadSession(path, formats: formats, passphrase: passphrase)
        var out: [Entry] = []
        while let entry = try session.next() { out.append(entry) }
        return out
    }

    /// The top folder of the bundle: the folder that holds `manifest.json`, else the first
    /// entry's first component.
    public func topFolder() throws -> String? {
        let all = try entries()
        if let m = all.first(where: { BundlePath.split($0.name).map { !$0.top.isEmpty && $0.inner == Manifest.entryName } ?? false }) {
            return BundlePath.split(m.name)?.top
        }
        return all.first.flatMap { BundlePath.split($0.name)?.top }
    }

    /// Streams every entry: `visit` is called with each entry and returns a handler for its data
    /// (called with chunks of at most 1 MiB, in order) or `nil` to skip the data.
    /// - Throws: `.corrupt` naming the entry when the archive is damaged; whatever `visit` or the
    ///   handler throws.
    public func forEachEntry(
        _ visit: (Entry) throws -> ((UnsafeRawBufferPointer) throws -> Void)?
    ) throws {
        let session = try ReadSession(path, formats: formats, passphrase: passphrase)
        while let entry = try session.next() {
            guard let handler = try visit(entry) else { continue }
            try session.readData(of: entry.name, handler)
        }
    }

    /// The bytes of the entry named `name` (full name, including the top folder).
    /// - Throws: `.entryNotFound`, `.tooLarge` when it holds more than `limit` bytes, `.corrupt`.
    public func read(_ name: String, limit: Int = BundleReader.defaultReadLimit) throws -> [UInt8] {
        let session = try ReadSession(path, formats: formats, passphrase: passphrase)
        while let entry = try session.next() {
            guard entry.name == name else { continue }
            if let size = entry.size, size > Int64(limit) {
                throw BundleError(.tooLarge, "entry \(name) of \(path) has \(size) bytes, more than the \(limit) allowed", path: path)
            }
            var out: [UInt8] = []
            try session.readData(of: name) { chunk in
                guard out.count + chunk.count <= limit else {
                    throw BundleError(.tooLarge, "entry \(name) of \(path) holds more than the \(limit) bytes allowed", path: path)
                }
                out.append(contentsOf: chunk)
            }
            return out
        }
        throw BundleError(.entryNotFound, "\(path) has no entry \(name)", path: path)
    }

    /// Decodes the bundle's `manifest.json` (the one in the top folder).
    /// - Throws: `.badManifest` when there is none or it does not decode.
    public func manifest() throws -> Manifest {
        let bytes = try manifestBytes()
        do {
            return try Manifest.decode(bytes)
        } catch {
            throw BundleError(.badManifest, "manifest.json in \(path) does not decode: \(describe(error))", path: path)
        }
    }

    /// The bytes of the bundle's `manifest.json` (the one in the top folder), as stored.
    /// - Throws: `.badManifest` when there is none or it is larger than the manifest limit.
    public func manifestBytes() throws -> [UInt8] {
        let session = try ReadSession(path, formats: formats, passphrase: passphrase)
        while let entry = try session.next() {
            guard let parts = BundlePath.split(entry.name), !parts.top.isEmpty, parts.inner == Manifest.entryName else { continue }
            var bytes: [UInt8] = []
            try session.readData(of: entry.name) { chunk in
                guard bytes.count + chunk.count <= ReadSession.manifestLimit else {
                    throw BundleError(.badManifest, "\(entry.name) in \(path) is larger than \(ReadSession.manifestLimit) bytes", path: path)
                }
                bytes.append(contentsOf: chunk)
            }
            return bytes
        }
        throw BundleError(.badManifest, "\(path) has no manifest.json", path: path)
    }
}

/// One pass of libarchive over a file.
final class ReadSession {
    static let chunkSize = 1 << 20
    static let manifestLimit = 64 << 20

    let path: FilePath
    private let fd: FileDescriptor
    private let archive: OpaquePointer
    private var current: String?
    private var buffer: UnsafeMutableRawBufferPointer
    /// Whether the entry `next()` returned last has encrypted data.
    private(set) var currentIsEncrypted = false

    init(_ path: FilePath, formats: BundleReader.Formats = .bundles, passphrase: String? = nil) throws {
        self.path = path
        do {
            // Without touching the access time: the archives expanded from a collection root are read here too.
            fd = try Platform.openForReading(path)
        } catch {
            throw BundleError(.cannotOpen, "cannot open \(path)", path: path, cause: error)
        }
        guard let a = archive_read_new() else { fatalError("archive_read_new: out of memory") }
        archive = a
        buffer = .allocate(byteCount: ReadSession.chunkSize, alignment: 16)
        switch formats {
        case .bundles:
            archive_read_support_filter_gzip(a)
            // The seekable reader goes by the central directory, as Explorer does: a zip whose
            // directory is cut off is damaged even when its entries could be salvaged one by one.
            archive_read_support_format_zip_seekable(a)
            archive_read_support_format_tar(a)
        case .any:
            archive_read_support_filter_all(a)
            archive_read_support_format_all(a)
        case .compressedFile:
            archive_read_support_filter_all(a)
            archive_read_support_format_raw(a)
        }
        if let passphrase { archive_read_add_passphrase(a, passphrase) }
        if archive_read_open_fd(a, fd.rawValue, 65536) != ARCHIVE_OK {
            let what = formats == .bundles ? "a readable zip or tar.gz" : "an archive libarchive can read"
            throw BundleError(.corrupt, "\(path) is not \(what): \(LibArchive.message(a))",
                              path: path, cause: LibArchive.errno(a))
        }
    }

    deinit {
        archive_read_free(archive)
        try? fd.close()
        buffer.deallocate()
    }

    /// The next entry's header, or `nil` at the end of the archive.
    func next() throws -> BundleReader.Entry? {
        var entry: OpaquePointer?
        let (r, name): (Int32, String?) = Platform.withArchiveLocale {
            let r = archive_read_next_header(archive, &entry)
            return (r, entry.flatMap { LibArchive.pathname($0) })
        }
        if r == ARCHIVE_EOF { return nil }
        guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let entry else {
            let after = current.map { " after entry \($0)" } ?? " at its first entry"
            throw BundleError(.corrupt, "\(path) is damaged\(after): \(LibArchive.message(archive))",
                              path: path, cause: LibArchive.errno(archive))
        }
        current = name ?? "?"
        currentIsEncrypted = archive_entry_is_data_encrypted(entry) != 0
        let size: Int64? = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil
        let type = UInt32(archive_entry_filetype(entry))
        return BundleReader.Entry(name: current!, size: size, isRegularFile: type == LibArchive.regularFile)
    }

    /// The next bytes of the current entry (at most `chunkSize`, in the session's own buffer, valid
    /// until the next call); empty at the entry's end.
    func readSome(of name: String) throws -> UnsafeRawBufferPointer {
        var result = UnsafeRawBufferPointer(start: nil, count: 0)
        var first = true
        try readData(of: name, once: true) { chunk in
            if first { result = chunk; first = false }
        }
        return result
    }

    /// Streams the current entry's data to `handler`.
    func readData(of name: String, _ handler: (UnsafeRawBufferPointer) throws -> Void) throws {
        try readData(of: name, once: false, handler)
    }

    private func readData(of name: String, once: Bool, _ handler: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            let n = archive_read_data(archive, buffer.baseAddress, buffer.count)
            if n == 0 { return }
            if n < 0 {
                let text = LibArchive.message(archive)
                if currentIsEncrypted, text.lowercased().contains("passphrase") {
                    throw BundleError(.corrupt, "\(path): cannot decrypt entry \(name): \(text)", path: path)
                }
                throw BundleError(.corrupt, "\(path) is damaged in entry \(name): \(text)",
                                  path: path, cause: LibArchive.errno(archive))
            }
            try handler(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            if once { return }
        }
    }
}

/// A short description of a decoding error: where and what.
func describe(_ error: any Error) -> String {
    guard let decoding = error as? DecodingError else { return "\(error)" }
    func at(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "top level" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch decoding {
    case .keyNotFound(let key, let ctx): return "missing key '\(key.stringValue)' at \(at(ctx.codingPath))"
    case .typeMismatch(_, let ctx): return "wrong type at \(at(ctx.codingPath)): \(ctx.debugDescription)"
    case .valueNotFound(_, let ctx): return "missing value at \(at(ctx.codingPath))"
    case .dataCorrupted(let ctx): return "not valid JSON at \(at(ctx.codingPath)): \(ctx.debugDescription)"
    @unknown default: return "\(error)"
    }
}
