import CArchive
import Crypto
import Logging
import LogRecord
import SystemPackage

/// What `BundleWriter` stored for one entry: what goes into the manifest's `files[]`.
public struct AddedEntry: Sendable, Equatable {
    /// Path inside the bundle's top folder (e.g. `raw/Windows/DPINST.LOG`).
    public var path: String
    /// Bytes stored (uncompressed size of the entry).
    public var bytes: Int64
    /// SHA-256 of exactly those bytes, lower-case hex.
    public var sha256: String
    /// Size of the source file when it was opened; `nil` for data and streamed entries.
    public var sourceBytes: Int64?
    /// Trailing bytes that are zeros, not source data: a tar entry's size is fixed before its data,
    /// so a source that shrank or failed while read is filled up. Always 0 for zip.
    public var zeroFilledBytes: Int64
    /// Why the entry holds less of the source than planned (shrank, read error), or `nil`.
    public var shortfall: String?

    public init(
        path: String, bytes: Int64, sha256: String, sourceBytes: Int64? = nil,
        zeroFilledBytes: Int64 = 0, shortfall: String? = nil
    ) {
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
        self.sourceBytes = sourceBytes
        self.zeroFilledBytes = zeroFilledBytes
        self.shortfall = shortfall
    }
}

/// Writes one bundle: a zip or tar.gz whose entries sit under the top folder `<bundleName>/`.
///
/// The archive is written to a temporary file beside the final one (`.<name>.<ext>.partial-<pid>`)
/// and renamed by `finish(manifest:)` only when complete, so a file with the final name is always a
/// whole bundle. Any write failure removes the temporary file and makes the writer unusable.
/// Output is reproducible: the same entries in the same order give identical bytes (fixed entry
/// time, owner and mode, no gzip time stamp). Zip entries use deflate, UTF-8 flagged names and
/// 32-bit sizes (no zip64: a zip entry holds less than 4 GiB). Unencrypted zip at levels 1–4 is
/// written by `ZipStreamWriter` (ISA-L's igzip); everything else by libarchive and zlib.
///
/// Not thread-safe: one thread at a time. Memory is bounded by one 1 MiB chunk buffer, allocated
/// the first time a file is copied (a writer fed from memory only, like an email part, has none).
public final class BundleWriter {
    /// Bytes read from a source per step.
    public static let chunkSize = 1 << 20
    /// Largest zip entry: zip without zip64 (which some Windows versions' Explorer mishandles)
    /// stores 32-bit sizes. Larger sources must be capped with `maxBytes`.
    public static let maxZipEntryBytes: Int64 = 0xFFFF_FFFF
    /// Largest streamed entry, for both formats.
    public static let maxStreamedEntryBytes: Int64 = 0xFFFF_FFFF

    public let bundleName: String
    /// The folder every entry sits under inside the archive (the bundle name unless told otherwise:
    /// all parts of a split bundle share their bundle's folder).
    public let topFolder: String
    public let format: ArchiveFormat
    /// Whether entries are encrypted (zip AES-256).
    public let isEncrypted: Bool
    public let compressionLevel: Int
    /// Where the bundle will be once `finish` succeeds.
    public let finalPath: FilePath
    /// Where it is written until then.
    public let temporaryPath: FilePath
    /// Entries added so far, in archive order (the manifest is not among them).
    public private(set) var entries: [AddedEntry] = []

    private enum State { case open, streaming, completed, finished, failed }

    private struct OpenStream {
        var path: String
        var hasher = SHA256()
        /// False when the caller hashes the data and passes its digest to `endEntry`.
        var hashes = true
        var bytes: Int64 = 0
        /// tar.gz: entry data is spooled here first, because a tar header states the size.
        var spool: FileDescriptor?
        var spoolPath: FilePath?
    }

    private var state: State = .open
    /// libarchive's writer: tar.gz, encrypted zip, and zip at levels 0 and 5–9.
    private var archive: OpaquePointer?
    /// The own zip writer (igzip): unencrypted zip at levels 1–4.
    private var zip: ZipStreamWriter?
    private let entry: OpaquePointer
    private var fd: FileDescriptor?
    private var names: Set<String> = []
    private var stream: OpenStream?
    private let entrySeconds: Int64
    private let logger: Logger
    private var chunkBuffer: UnsafeMutableRawBufferPointer?
    /// The chunk buffer for copying files, allocated on first use.
    private var buffer: UnsafeMutableRawBufferPointer {
        if let b = chunkBuffer { return b }
        let b = UnsafeMutableRawBufferPointer.allocate(byteCount: BundleWriter.chunkSize, alignment: 16)
        chunkBuffer = b
        return b
    }
    private let passphrase: String?

    /// Creates the temporary file and starts the archive.
    ///
    /// - Parameters:
    ///   - bundleName: the name without extension, e.g. `AMT-<site>-<case>-20261127T063000Z`; also
    ///     the top folder inside the archive.
    ///   - entryTime: the modification time of every entry (the bundle's `created`), whole seconds.
    ///   - compressionLevel: deflate level 0–9 (`nil`: `ArchiveFormat.defaultCompressionLevel`).
    ///   - topFolder: the folder inside the archive (`nil`: `bundleName`).
    ///   - passphrase: encrypt every entry with AES-256 (zip only); never logged or stored.
    /// - Throws: `BundleError` `.invalidPath` for an unusable name, `.invalidArgument` for a
    ///   passphrase with tar.gz or one libarchive cannot use, `.alreadyExists` when the final
    ///   name is taken, `.cannotCreate` (with the errno) when the temporary file cannot be made.
    public init(
        outputDirectory: FilePath, bundleName: String, format: ArchiveFormat, entryTime: Timestamp,
        compressionLevel: Int? = nil, topFolder: String? = nil, passphrase: String? = nil, logger: Logger? = nil
    ) throws {
        for name in [bundleName, topFolder ?? bundleName] {
            if let problem = BundlePath.problem(with: name) ?? (name.contains("/") ? "it has a '/'" : nil)
                ?? (name.hasPrefix(".") ? "it starts with '.'" : nil)
            {
                throw BundleError(.invalidPath, "bundle name '\(name)' cannot be used: \(problem)")
            }
        }
        if passphrase != nil, format != .zip {
            throw BundleError(.invalidArgument, "encryption needs the zip format; \(format.rawValue) cannot be encrypted")
        }
        if let passphrase, passphrase.isEmpty {
            throw BundleError(.invalidArgument, "the passphrase is empty")
        }
        let level = compressionLevel ?? ArchiveFormat.defaultCompressionLevel
        guard (0...9).contains(level) else {
            throw BundleError(.invalidArgument, "compression level \(level) is not in 0...9")
        }
        self.bundleName = bundleName
        self.topFolder = topFolder ?? bundleName
        self.format = format
        self.passphrase = passphrase
        self.isEncrypted = passphrase != nil
        self.compressionLevel = level
        self.finalPath = outputDirectory.appending("\(bundleName).\(format.fileExtension)")
        self.temporaryPath = outputDirectory.appending(
            ".\(bundleName).\(format.fileExtension).partial-\(Platform.currentProcessID)")
        let micros = entryTime.microseconds
        self.entrySeconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        self.logger = logger ?? Logger(label: "amt.bundler", factory: { _ in SwiftLogNoOpLogHandler() })
        guard let entry = archive_entry_new() else { fatalError("archive_entry_new: out of memory") }
        self.entry = entry

        if Platform.fileExists(finalPath) {
            state = .failed
            throw BundleError(.alreadyExists, "bundle \(finalPath) already exists; it is not replaced", path: finalPath)
        }
        do {
            fd = try FileDescriptor.open(
                temporaryPath, .writeOnly, options: Platform.openOptions.union([.create, .exclusiveCreate, .truncate]),
                permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            state = .failed
            throw BundleError(
                .cannotCreate, "cannot create bundle \(finalPath) in \(outputDirectory)",
                path: temporaryPath, cause: error as? Errno)
        }
        // Options that make charset converters must see the same locale as the headers later.
        try Platform.withArchiveLocale { try startArchive() }
        self.logger.debug("bundle started", metadata: ["path": "\(temporaryPath)", "format": "\(format.rawValue)"])
    }

    deinit {
        if state != .finished { discard() }
        archive_entry_free(entry)
        chunkBuffer?.deallocate()
    }

    /// Whether `BundleWriter` writes zip itself with ISA-L's igzip rather than through libarchive
    /// and zlib: unencrypted zip at deflate levels 1–4 (`--compression fast`). Levels 5–9 keep
    /// zlib, whose higher levels compress smaller than igzip's on logs.
    static func writesZipItself(format: ArchiveFormat, level: Int, encrypted: Bool) -> Bool {
        format == .zip && !encrypted && (1...4).contains(level)
    }

    private func startArchive() throws {
        if Self.writesZipItself(format: format, level: compressionLevel, encrypted: isEncrypted) {
            zip = ZipStreamWriter(fd: fd!, deflateLevel: compressionLevel, entrySeconds: entrySeconds)
            return
        }
        guard let a = archive_write_new() else { fatalError("archive_write_new: out of memory") }
        archive = a
        var r: Int32
        switch format {
        case .zip:
            r = archive_write_set_format_zip(a)
            if r == ARCHIVE_OK { r = archive_write_set_format_option(a, "zip", "compression", "deflate") }
            if r == ARCHIVE_OK { r = archive_write_set_format_option(a, "zip", "compression-level", "\(compressionLevel)") }
            if r == ARCHIVE_OK { r = archive_write_set_format_option(a, "zip", "hdrcharset", "UTF-8") }
            if r == ARCHIVE_OK { r = archive_write_set_format_option(a, "zip", "zip64", nil) }
            if r == ARCHIVE_OK, let passphrase {
                r = archive_write_set_format_option(a, "zip", "encryption", "aes256")
                if r != ARCHIVE_OK {
                    let text = LibArchive.message(a)
                    discard()
                    throw BundleError(.invalidArgument, "this libarchive cannot write AES-256 encrypted zip (\(text)); --encrypt is not available here", path: finalPath)
                }
                r = archive_write_set_passphrase(a, passphrase)
            }
        case .tarGz:
            r = archive_write_set_format_pax_restricted(a)
            if r == ARCHIVE_OK { r = archive_write_add_filter_gzip(a) }
            if r == ARCHIVE_OK { r = archive_write_set_filter_option(a, "gzip", "timestamp", nil) }
            if r == ARCHIVE_OK { r = archive_write_set_filter_option(a, "gzip", "compression-level", "\(compressionLevel)") }
        }
        if r == ARCHIVE_OK { r = archive_write_set_bytes_per_block(a, 65536) }
        if r == ARCHIVE_OK { r = archive_write_set_bytes_in_last_block(a, 1) }
        if r != ARCHIVE_OK {
            let text = LibArchive.message(a)
            discard()
            throw BundleError(.cannotCreate, "cannot set up \(format.rawValue) writing for \(finalPath): libarchive: \(text)", path: finalPath)
        }
        if archive_write_open_fd(a, fd!.rawValue) != ARCHIVE_OK {
            throw failure(at: nil)
        }
    }

    // MARK: - Adding entries

    /// Adds a file, read in `chunkSize` steps and hashed as it is written.
    ///
    /// The entry's size is the file's size when opened, capped at `maxBytes` (the first `maxBytes`
    /// are kept). A file that grows meanwhile is cut at that size; one that shrinks or fails to read
    /// gives a shorter zip entry, or a tar entry filled up with zeros, and `shortfall` says so.
    /// - Throws: `.sourceUnreadable` when the source cannot be opened (nothing was written and the
    ///   writer goes on); `.invalidPath`, `.duplicateEntry`, `.invalidState`; `.writeFailed` when
    ///   the archive cannot be written (the writer is then closed and its file removed).
    @discardableResult
    public func addFile(at pathInBundle: String, from source: FilePath, maxBytes: Int64? = nil) throws -> AddedEntry {
        try checkNewEntry(pathInBundle)
        let input: FileDescriptor
        let size: Int64
        do {
            input = try FileDescriptor.open(source, .readOnly, options: Platform.openOptions)
        } catch {
            throw BundleError(.sourceUnreadable, "cannot read \(source) for \(pathInBundle)", path: source, cause: error as? Errno)
        }
        defer { try? input.close() }
        guard let regularSize = Platform.regularFileSize(input) else {
            throw BundleError(.sourceUnreadable, "cannot add \(source) as \(pathInBundle): it is not a regular file", path: source)
        }
        size = regularSize
        let declared = min(size, max(0, maxBytes ?? size))
        if format == .zip, declared > BundleWriter.maxZipEntryBytes {
            throw BundleError(.tooLarge, "cannot add \(source) as \(pathInBundle): \(declared) bytes is more than a zip entry without zip64 holds (\(BundleWriter.maxZipEntryBytes)); pass maxBytes", path: source)
        }
        try writeHeader(pathInBundle, size: declared)

        var hasher = SHA256()
        var written: Int64 = 0
        var shortfall: String?
        while written < declared {
            let want = Int(min(Int64(BundleWriter.chunkSize), declared - written))
            let got: Int
            do {
                got = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
            } catch {
                shortfall = "reading \(source) failed after \(written) of \(declared) bytes: \((error as? Errno)?.description ?? "\(error)")"
                break
            }
            if got == 0 {
                shortfall = "\(source) shrank while read: \(written) of \(declared) bytes"
                break
            }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<got])
            hasher.update(bufferPointer: chunk)
            try writeData(chunk, entry: pathInBundle)
            written += Int64(got)
        }
        var zeroFilled: Int64 = 0
        if written < declared, format == .tarGz {
            // The header already states `declared`; fill up so the entry stays well-formed.
            let zeros = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(BundleWriter.chunkSize, Int(declared - written))])
            zeros.initializeMemory(as: UInt8.self, repeating: 0)
            while written < declared {
                let n = Int(min(Int64(zeros.count), declared - written))
                let chunk = UnsafeRawBufferPointer(rebasing: zeros[0..<n])
                hasher.update(bufferPointer: chunk)
                try writeData(chunk, entry: pathInBundle)
                written += Int64(n)
                zeroFilled += Int64(n)
            }
            shortfall = (shortfall ?? "") + "; the last \(zeroFilled) bytes of the entry are zeros"
        }
        try finishEntry(pathInBundle)
        let added = AddedEntry(
            path: pathInBundle, bytes: written, sha256: hex(hasher.finalize()), sourceBytes: size,
            zeroFilledBytes: zeroFilled, shortfall: shortfall)
        record(added)
        if let shortfall { logger.warning("entry is short", metadata: ["entry": "\(pathInBundle)", "why": "\(shortfall)"]) }
        return added
    }

    /// Whether `addPacked` can be used: a zip written by `ZipStreamWriter` (levels 1–4, not
    /// encrypted). Files for it are written with `PackedFileWriter` at `compressionLevel`.
    public var takesPackedFiles: Bool { zip != nil }

    /// Adds a file `PackedFileWriter` compressed (at this writer's `compressionLevel`): its
    /// compressed bytes are copied into the archive as they are, with the size, CRC-32 and
    /// SHA-256 it states. Only when `takesPackedFiles`.
    /// - Throws: `.invalidState` when the writer does not take packed files; as `addFile`
    ///   otherwise (`.writeFailed` also when the packed file cannot be read whole).
    @discardableResult
    public func addPacked(at pathInBundle: String, _ packed: PackedFile) throws -> AddedEntry {
        try checkNewEntry(pathInBundle)
        guard let zip else {
            throw BundleError(.invalidState, "\(finalPath) is not a zip written with igzip: it cannot take a packed file")
        }
        do {
            try zip.addPacked(name: Array("\(topFolder)/\(pathInBundle)".utf8), packed)
        } catch {
            throw zipFailure(error, at: pathInBundle)
        }
        let added = AddedEntry(path: pathInBundle, bytes: packed.bytes, sha256: packed.sha256, sourceBytes: packed.bytes)
        record(added)
        return added
    }

    /// Adds bytes held in memory (summary, report, system facts).
    @discardableResult
    public func addData(at pathInBundle: String, _ bytes: [UInt8]) throws -> AddedEntry {
        try checkNewEntry(pathInBundle)
        let added = try writeWhole(pathInBundle, bytes)
        record(added)
        return added
    }

    // MARK: - Streaming one entry

    /// Starts an entry whose size is not known in advance (records produced on the fly).
    /// Until `endEntry()`, only `writeToEntry` may be called; pass batches (e.g. 64 KiB of lines),
    /// not single lines, as each call is one trip through libarchive and zlib. Zip writes the data straight into
    /// the archive (sizes after the data); tar.gz spools it to a temporary file beside the bundle.
    ///
    /// With `hashedByCaller`, the writer does not hash the data: the caller hashes exactly the bytes
    /// it passes (on its own thread, with `EntryDigest`) and hands the digest to `endEntry(digest:)`.
    public func beginEntry(at pathInBundle: String, hashedByCaller: Bool = false) throws {
        try checkNewEntry(pathInBundle)
        var open = OpenStream(path: pathInBundle)
        open.hashes = !hashedByCaller
        switch format {
        case .zip:
            try writeHeader(pathInBundle, size: nil)
        case .tarGz:
            let spoolPath = FilePath("\(temporaryPath).entry")
            do {
                open.spool = try FileDescriptor.open(
                    spoolPath, .readWrite, options: Platform.openOptions.union([.create, .truncate]),
                    permissions: [.ownerReadWrite])
                open.spoolPath = spoolPath
            } catch {
                throw fail(BundleError(
                    .writeFailed, "cannot write bundle \(finalPath) at entry \(pathInBundle) (its spool file beside the bundle)",
                    path: spoolPath, cause: error as? Errno))
            }
        }
        stream = open
        state = .streaming
    }

    /// Appends bytes to the entry started by `beginEntry`.
    public func writeToEntry(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeToEntry($0) }
    }

    /// Appends bytes to the entry started by `beginEntry`.
    public func writeToEntry(_ bytes: UnsafeRawBufferPointer) throws {
        guard state == .streaming, var open = stream else {
            throw BundleError(.invalidState, "no entry is open in \(finalPath) (call beginEntry first)")
        }
        guard open.bytes + Int64(bytes.count) <= BundleWriter.maxStreamedEntryBytes else {
            throw BundleError(.tooLarge, "entry \(open.path) of \(finalPath) would exceed \(BundleWriter.maxStreamedEntryBytes) bytes")
        }
        if open.hashes { open.hasher.update(bufferPointer: bytes) }
        open.bytes += Int64(bytes.count)
        stream = open
        if let spool = open.spool {
            do {
                _ = try spool.writeAll(bytes)
            } catch {
                throw fail(BundleError(
                    .writeFailed, "cannot write bundle \(finalPath) at entry \(open.path) (its spool file beside the bundle)",
                    path: open.spoolPath, cause: error as? Errno))
            }
        } else {
            try writeData(bytes, entry: open.path)
        }
    }

    /// Completes the entry started by `beginEntry`. `digest` is required, and only allowed, when
    /// the entry was begun with `hashedByCaller`; it must cover exactly the bytes written.
    @discardableResult
    public func endEntry(digest: EntryDigest? = nil) throws -> AddedEntry {
        guard state == .streaming, let open = stream else {
            throw BundleError(.invalidState, "no entry is open in \(finalPath)")
        }
        let sha: String
        if open.hashes {
            guard digest == nil else {
                throw BundleError(.invalidState, "entry \(open.path) of \(finalPath) is hashed by the writer; no digest may be passed")
            }
            sha = hex(open.hasher.finalize())
        } else {
            guard let digest, digest.bytes == open.bytes else {
                throw BundleError(.invalidState, "entry \(open.path) of \(finalPath) needs the digest of its \(open.bytes) bytes")
            }
            sha = digest.sha256
        }
        if let spool = open.spool, let spoolPath = open.spoolPath {
            // Copy the spool into the archive with its exact size, checking it reads back the same.
            defer {
                try? spool.close()
                Platform.removeFile(spoolPath)
            }
            var copied: Int64 = 0
            var check = SHA256()
            do {
                _ = try spool.seek(offset: 0, from: .start)
                try writeHeader(open.path, size: open.bytes)
                while copied < open.bytes {
                    let want = Int(min(Int64(BundleWriter.chunkSize), open.bytes - copied))
                    let got = try spool.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
                    if got == 0 { break }
                    let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<got])
                    check.update(bufferPointer: chunk)
                    try writeData(chunk, entry: open.path)
                    copied += Int64(got)
                }
            } catch let error as BundleError {
                throw error
            } catch {
                throw fail(BundleError(
                    .writeFailed, "cannot write bundle \(finalPath) at entry \(open.path): its spool file cannot be read back",
                    path: spoolPath, cause: error as? Errno))
            }
            guard copied == open.bytes, hex(check.finalize()) == sha else {
                throw fail(BundleError(
                    .writeFailed, "cannot write bundle \(finalPath) at entry \(open.path): its spool file changed while in use",
                    path: spoolPath))
            }
        }
        try finishEntry(open.path)
        stream = nil
        state = .open
        let added = AddedEntry(path: open.path, bytes: open.bytes, sha256: sha)
        record(added)
        return added
    }

    // MARK: - Finishing

    /// Writes `manifest.json`, completes the archive, flushes it to disk and gives it its final
    /// name. Returns the final path.
    ///
    /// - Throws: `.manifestMismatch` when `manifest.files` does not list every added entry with its
    ///   size and SHA-256, or lists a path that was not added (status `skipped` excepted); the writer
    ///   stays open so a corrected manifest can be passed. `.writeFailed` / `.alreadyExists` when
    ///   completing fails (the temporary file is removed).
    @discardableResult
    public func finish(manifest: Manifest) throws -> FilePath {
        try complete(manifest: manifest)
        return try publish()
    }

    /// Writes `manifest.json` and completes the archive under its temporary name, flushed to disk;
    /// `publish()` then gives it its final name, and `abort()` removes it. Throws as `finish`.
    public func complete(manifest: Manifest) throws {
        try checkState()
        if let mismatch = manifestMismatch(manifest) {
            throw BundleError(.manifestMismatch, "manifest for \(finalPath) does not match the bundle: \(mismatch)")
        }
        let json: [UInt8]
        do {
            json = try manifest.encoded()
        } catch {
            throw BundleError(.manifestMismatch, "manifest for \(finalPath) cannot be encoded: \(error)")
        }
        _ = try writeWhole(Manifest.entryName, json)
        if let zip {
            do { try zip.close() } catch { throw zipFailure(error, at: nil) }
            self.zip = nil
        } else {
            let closed = Platform.withArchiveLocale { archive_write_close(archive) }
            if closed != ARCHIVE_OK { throw failure(at: nil) }
            archive_write_free(archive)
            archive = nil
        }
        if let fd {
            if let syncError = Platform.sync(fd) {
                logger.debug("fsync failed; data is written but may not be on disk yet",
                             metadata: ["path": "\(temporaryPath)", "error": "\(syncError)"])
            }
            do {
                try fd.close()
            } catch {
                self.fd = nil
                throw fail(BundleError(.writeFailed, "cannot complete bundle \(finalPath)",
                                       path: temporaryPath, cause: error as? Errno))
            }
            self.fd = nil
        }
        state = .completed
    }

    /// Gives a completed archive its final name and returns it.
    /// - Throws: `.invalidState` unless `complete` succeeded; `.alreadyExists` / `.writeFailed`
    ///   when the rename fails (the temporary file is removed).
    @discardableResult
    public func publish() throws -> FilePath {
        guard state == .completed else {
            throw BundleError(.invalidState, "bundle \(finalPath) is not completed (call complete first)")
        }
        if let error = Platform.renameNoReplace(temporaryPath, finalPath) {
            let code: BundleError.Code = error == .fileExists ? .alreadyExists : .writeFailed
            throw fail(BundleError(code, "cannot give the completed bundle its name \(finalPath)", path: finalPath, cause: error))
        }
        Platform.syncDirectory(finalPath.removingLastComponent())
        state = .finished
        logger.info("bundle written", metadata: ["path": "\(finalPath)", "entries": "\(entries.count + 1)"])
        return finalPath
    }

    /// Abandons the bundle: closes and removes the temporary file. Safe to call at any time;
    /// does nothing after `finish` succeeded.
    public func abort() {
        guard state != .finished else { return }
        discard()
        state = .failed
    }

    /// Removes temporary files that runs which no longer exist left in `directory` (killed, power
    /// lost): names `.<bundle>.<ext>.partial-<pid>` (ext zip, tar.gz or eml) and their `.entry` spools. Returns what was
    /// removed. A file of a process that still runs is kept.
    @discardableResult
    public static func cleanLeftovers(in directory: FilePath, logger: Logger? = nil) -> [FilePath] {
        guard let listing = try? Platform.directoryEntries(directory) else { return [] }
        var removed: [FilePath] = []
        for (name, modified) in listing {
            guard let pid = leftoverPID(name) else { continue }
            guard Platform.isStaleTemporary(pid: pid, modifiedSeconds: modified) else { continue }
            let path = directory.appending(name)
            if let error = Platform.removeFile(path) {
                logger?.warning("cannot remove leftover", metadata: ["path": "\(path)", "error": "\(error)"])
            } else {
                logger?.info("removed leftover temporary file", metadata: ["path": "\(path)"])
                removed.append(path)
            }
        }
        return removed.sorted { $0.string < $1.string }
    }

    /// The pid in a temporary file name this writer makes, or `nil` for any other name.
    static func leftoverPID(_ name: String) -> Int32? {
        let marker = Array(".partial-".utf8)
        let bytes = Array(name.utf8)
        guard bytes.first == UInt8(ascii: "."), bytes.count > marker.count else { return nil }
        var start: Int?
        for i in stride(from: bytes.count - marker.count, through: 1, by: -1)
        where bytes[i..<(i + marker.count)].elementsEqual(marker) {
            start = i + marker.count
            break
        }
        guard let start else { return nil }
        // Only names this writer (and the .eml drafts beside bundles) make: `.<bundle>.zip.partial-…`,
        // `.<bundle>.tar.gz.partial-…` or `.<bundle>.eml.partial-…`.
        let head = bytes[..<(start - marker.count)]
        let extensions = ArchiveFormat.allCases.map(\.fileExtension) + ["eml"]
        guard extensions.contains(where: { head.count > $0.utf8.count + 2
            && head.suffix($0.utf8.count + 1).elementsEqual(Array(".\($0)".utf8)) })
        else { return nil }
        var tail = bytes[start...]
        let spool = Array(".entry".utf8)
        if tail.count > spool.count, tail.suffix(spool.count).elementsEqual(spool) { tail = tail.dropLast(spool.count) }
        guard !tail.isEmpty, tail.count <= 10, tail.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int32(String(decoding: tail, as: UTF8.self))
    }

    // MARK: - Internals

    private func checkState() throws {
        switch state {
        case .open: return
        case .streaming:
            throw BundleError(.invalidState, "entry \(stream?.path ?? "?") of \(finalPath) is still open (call endEntry first)")
        case .completed, .finished:
            throw BundleError(.invalidState, "bundle \(finalPath) is already finished")
        case .failed:
            throw BundleError(.invalidState, "bundle \(finalPath) was abandoned after an error")
        }
    }

    private func checkNewEntry(_ path: String) throws {
        try checkState()
        if let problem = BundlePath.problem(with: path) {
            throw BundleError(.invalidPath, "cannot add '\(path)' to \(finalPath): \(problem)")
        }
        if path == Manifest.entryName || names.contains(path) {
            throw BundleError(.duplicateEntry, "'\(path)' is already in \(finalPath)")
        }
    }

    private func record(_ added: AddedEntry) {
        entries.append(added)
        names.insert(added.path)
    }

    private func writeWhole(_ path: String, _ bytes: [UInt8]) throws -> AddedEntry {
        try writeHeader(path, size: Int64(bytes.count))
        try bytes.withUnsafeBytes { try writeData($0, entry: path) }
        try finishEntry(path)
        return AddedEntry(path: path, bytes: Int64(bytes.count), sha256: hex(SHA256.hash(data: bytes)))
    }

    /// Writes an entry header; `size` nil means unknown (zip only).
    private func writeHeader(_ path: String, size: Int64?) throws {
        if let zip {
            do { try zip.beginEntry(name: Array("\(topFolder)/\(path)".utf8)) } catch { throw zipFailure(error, at: path) }
            return
        }
        archive_entry_clear(entry)
        let r: Int32 = Platform.withArchiveLocale {
            Platform.setPathname(entry, "\(topFolder)/\(path)")
            archive_entry_set_filetype(entry, LibArchive.regularFile)
            archive_entry_set_perm(entry, 0o644)
            archive_entry_set_uid(entry, 0)
            archive_entry_set_gid(entry, 0)
            archive_entry_set_mtime(entry, time_t(entrySeconds), 0)
            // Zip: sizes always follow the data (data descriptor), so a source that delivers fewer
            // bytes than planned still gives a consistent entry (libarchive would otherwise put the
            // planned size in the local header). Tar: the header must state the size.
            // An encrypted zip entry must state an empty size, or libarchive writes an empty
            // encrypted stream that does not read back.
            if let size, format == .tarGz || (isEncrypted && size == 0) {
                archive_entry_set_size(entry, size)
            } else {
                archive_entry_unset_size(entry)
            }
            return archive_write_header(archive, entry)
        }
        if r == ARCHIVE_WARN {
            logger.warning("libarchive warning", metadata: ["entry": "\(path)", "message": "\(LibArchive.message(archive))"])
        } else if r != ARCHIVE_OK {
            throw failure(at: path)
        }
    }

    private func writeData(_ bytes: UnsafeRawBufferPointer, entry path: String) throws {
        if let zip {
            do { try zip.write(bytes) } catch { throw zipFailure(error, at: path) }
            return
        }
        var offset = 0
        while offset < bytes.count {
            let n = archive_write_data(archive, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 { throw failure(at: path) }
            offset += n
        }
    }

    private func finishEntry(_ path: String) throws {
        if let zip {
            do { try zip.endEntry() } catch { throw zipFailure(error, at: path) }
            return
        }
        if archive_write_finish_entry(archive) != ARCHIVE_OK { throw failure(at: path) }
    }

    /// The error for a failed libarchive call; abandons the bundle.
    private func failure(at path: String?) -> BundleError {
        let text = LibArchive.message(archive)
        let cause = LibArchive.errno(archive)
        let whereText = path.map { " at entry \($0)" } ?? ""
        return fail(BundleError(
            .writeFailed, "cannot write bundle \(finalPath)\(whereText): libarchive: \(text)",
            path: temporaryPath, cause: cause))
    }

    /// The error for a failed write of the own zip writer; abandons the bundle.
    private func zipFailure(_ error: any Error, at path: String?) -> BundleError {
        let failure = error as? IgzipWriteFailure
        let whereText = path.map { " at entry \($0)" } ?? ""
        let detail = failure.map { $0.text.isEmpty ? "" : ": \($0.text)" } ?? ": \(error)"
        return fail(BundleError(
            .writeFailed, "cannot write bundle \(finalPath)\(whereText)\(detail)",
            path: temporaryPath, cause: failure?.errno))
    }

    /// Abandons the bundle and returns `error` for throwing.
    private func fail(_ error: BundleError) -> BundleError {
        logger.error("bundle abandoned", metadata: ["path": "\(finalPath)", "error": "\(error)"])
        discard()
        state = .failed
        return error
    }

    private func discard() {
        zip = nil
        if let archive {
            // Free without writing the trailer: the file is removed anyway.
            archive_write_fail(archive)
            archive_write_free(archive)
            self.archive = nil
        }
        if let open = stream, let spool = open.spool {
            try? spool.close()
            if let p = open.spoolPath { Platform.removeFile(p) }
        }
        stream = nil
        if let fd {
            try? fd.close()
            self.fd = nil
            Platform.removeFile(temporaryPath)
        } else if state == .completed {
            Platform.removeFile(temporaryPath)
        }
    }

    private func manifestMismatch(_ manifest: Manifest) -> String? {
        if let part = manifest.part { return partMismatch(manifest, part) }
        var listed: [String: Manifest.File] = [:]
        for file in manifest.files {
            if listed[file.path] != nil { return "'\(file.path)' is listed twice" }
            listed[file.path] = file
        }
        for added in entries {
            guard let file = listed.removeValue(forKey: added.path) else {
                return "entry '\(added.path)' is not listed in files"
            }
            if file.bytes != added.bytes || file.sha256 != added.sha256 {
                return "entry '\(added.path)' is listed with \(file.bytes) bytes, sha256 \(file.sha256), but \(added.bytes) bytes, sha256 \(added.sha256) were written"
            }
        }
        if let extra = listed.values.first(where: { $0.status != .skipped }) {
            return "'\(extra.path)' is listed in files but was not added"
        }
        return nil
    }
}

extension BundleWriter {
    /// For a part: the entries must be exactly the files and segments its placement puts here.
    fileprivate func partMismatch(_ manifest: Manifest, _ part: Manifest.Part) -> String? {
        let expected: [String: (bytes: Int64, sha256: String)]
        switch PartLayout.expectedEntries(of: manifest, part: part.index) {
        case .success(let e): expected = e
        case .failure(let problem): return problem.text
        }
        var remaining = expected
        for added in entries {
            guard let want = remaining.removeValue(forKey: added.path) else {
                return "entry '\(added.path)' is not placed in part \(part.index)"
            }
            if want.bytes != added.bytes || want.sha256 != added.sha256 {
                return "entry '\(added.path)' is listed with \(want.bytes) bytes, sha256 \(want.sha256), but \(added.bytes) bytes, sha256 \(added.sha256) were written"
            }
        }
        if let missing = remaining.keys.sorted().first {
            return "'\(missing)' is placed in part \(part.index) but was not added"
        }
        return nil
    }
}

/// Lower-case hex of a digest.
func hex(_ digest: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for byte in digest {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}

extension FileDescriptor.OpenOptions {
    /// The options that make a file descriptor read and write bytes as they are: `_O_BINARY` on
    /// Windows (swift-system's CRT descriptors are otherwise in text mode, which translates line
    /// ends and stops reading at Ctrl-Z), none elsewhere. For the collector's own work files too.
    public static var binary: FileDescriptor.OpenOptions { Platform.openOptions }
}
