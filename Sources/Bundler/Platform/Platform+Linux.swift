#if !os(Windows)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive
import LogRecord
import SystemPackage

/// The few OS services the bundler needs beyond SystemPackage (POSIX side).
enum Platform {
    static var currentProcessID: Int32 { Int32(getpid()) }

    /// Whether a temporary file left by process `pid` may be removed: the process no longer runs.
    /// (A reused pid keeps a leftover until that process ends; never removes a live writer's file.)
    static func isStaleTemporary(pid: Int32, modifiedSeconds: Int64?) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid_t(pid), 0) == 0 { return false }
        return errno == ESRCH
    }

    /// Names in `directory` (without `.` and `..`), each with its modification time in seconds since
    /// 1970 when the listing provides it (`nil` here: POSIX decides by pid alone).
    static func directoryEntries(_ directory: FilePath) throws(Errno) -> [(name: String, modifiedSeconds: Int64?)] {
        guard let dir = directory.withPlatformString({ opendir($0) }) else { throw Errno(rawValue: errno) }
        defer { closedir(dir) }
        var names: [(String, Int64?)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != ".", name != ".." { names.append((name, nil)) }
        }
        return names
    }

    /// Extra flags for opening files (none on POSIX; binary mode on Windows).
    static let openOptions: FileDescriptor.OpenOptions = []

    /// Opens a file to read it without updating its access time where the kernel allows it
    /// (Linux `O_NOATIME`: the file's owner or `CAP_FOWNER`); when the kernel refuses the flag
    /// (`EPERM`) it is opened without. Archives found under a collection root are read this way.
    static func openForReading(_ path: FilePath) throws(Errno) -> FileDescriptor {
        let fd = AccessTime.openKeepingAccessTime(O_RDONLY | O_CLOEXEC) { flags in
            path.withPlatformString { open($0, flags) }
        }
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        return FileDescriptor(rawValue: fd)
    }

    /// The size of the open file, or `nil` when it is not a regular file.
    static func regularFileSize(_ fd: FileDescriptor) -> Int64? {
        var info = stat()
        guard fstat(fd.rawValue, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    static func fileExists(_ path: FilePath) -> Bool {
        path.withPlatformString { access($0, F_OK) } == 0
    }

    /// Removes a file; returns the error, `nil` on success.
    @discardableResult
    static func removeFile(_ path: FilePath) -> Errno? {
        path.withPlatformString { unlink($0) } == 0 ? nil : Errno(rawValue: errno)
    }

    /// Makes `to` a second name of `from` (never replacing an existing `to`); `false` when it fails.
    static func hardLink(_ from: FilePath, _ to: FilePath) -> Bool {
        from.withPlatformString { f in to.withPlatformString { t in link(f, t) } } == 0
    }

    /// Gives `from` the name `to`, atomically, never replacing an existing `to` (`EEXIST`).
    static func renameNoReplace(_ from: FilePath, _ to: FilePath) -> Errno? {
        let linked = from.withPlatformString { f in to.withPlatformString { t in link(f, t) } }
        if linked == 0 {
            removeFile(from)
            return nil
        }
        let linkError = Errno(rawValue: errno)
        if linkError == .fileExists { return linkError }
        // File systems without hard links (FAT, some network shares): check, then rename.
        if fileExists(to) { return .fileExists }
        let renamed = from.withPlatformString { f in to.withPlatformString { t in rename(f, t) } }
        return renamed == 0 ? nil : Errno(rawValue: errno)
    }

    /// Flushes a file's data to the device; errors are returned, not thrown (some file systems
    /// do not support it and the data is still written).
    static func sync(_ fd: FileDescriptor) -> Errno? {
        fsync(fd.rawValue) == 0 ? nil : Errno(rawValue: errno)
    }

    /// Starts writing `length` bytes of `fd` from `offset` to the device without waiting (Linux's
    /// `sync_file_range` with `SYNC_FILE_RANGE_WRITE`), so that the `sync` before a bundle's rename
    /// finds little left to write. Does nothing where the call does not exist.
    static func startWriteback(_ fd: FileDescriptor, offset: Int64, length: Int64) {
        guard let call = syncFileRange else { return }
        _ = call(fd.rawValue, offset, length, 2)   // SYNC_FILE_RANGE_WRITE
    }

    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    /// Looked up at run time: the C library declares it only for `_GNU_SOURCE`.
    private static let syncFileRange: SyncFileRange? = dlsym(nil, "sync_file_range").map {
        unsafeBitCast($0, to: SyncFileRange.self)
    }

    /// Makes a rename in `directory` durable (best effort: errors are ignored).
    static func syncDirectory(_ directory: FilePath) {
        guard let fd = try? FileDescriptor.open(directory, .readOnly) else { return }
        _ = fsync(fd.rawValue)
        try? fd.close()
    }

    /// Sets an entry's name from UTF-8. Without a UTF-8 locale the name is given as raw bytes
    /// (libarchive 3.6.2's pax writer crashes on a UTF-8-only name it cannot convert; raw bytes
    /// are written with `hdrcharset=BINARY` instead, still UTF-8 on disk).
    static func setPathname(_ entry: OpaquePointer, _ name: String) {
        if hasUTF8Locale {
            archive_entry_update_pathname_utf8(entry, name)
        } else {
            archive_entry_copy_pathname(entry, name)
        }
    }

    #if canImport(Glibc) || canImport(Musl)
    /// A UTF-8 LC_CTYPE for this thread only. libarchive converts entry names through the current
    /// locale; in the C locale its pax writer cannot translate non-ASCII names (3.6.2 crashes on a
    /// UTF-8-only name), so every libarchive call that touches names runs inside this.
    nonisolated(unsafe) private static let utf8Locale: locale_t? = {
        for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] {
            if let loc = newlocale(Int32(LC_CTYPE_MASK), name, nil) { return loc }
        }
        return nil
    }()

    static var hasUTF8Locale: Bool { utf8Locale != nil }

    static func withArchiveLocale<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        guard let loc = utf8Locale else { return try body() }
        let previous = uselocale(loc)
        defer { uselocale(previous) }
        return try body()
    }
    #else
    static var hasUTF8Locale: Bool { true }

    static func withArchiveLocale<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try body()
    }
    #endif
}
#endif
