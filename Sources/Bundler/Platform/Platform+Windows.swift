#if os(Windows)
import ucrt
import WinSDK
import CArchive
import SystemPackage

/// The few OS services the bundler needs beyond SystemPackage (Windows side).
enum Platform {
    static var currentProcessID: Int32 { Int32(bitPattern: GetCurrentProcessId()) }

    /// Temporaries older than this are stale even when their pid runs (Windows reuses pids soon).
    /// A live writer keeps its file open without delete sharing, so removing it fails anyway.
    static let staleAfterSeconds: Int64 = 3600

    /// Whether a temporary file left by process `pid` may be removed: the process no longer runs,
    /// or the file was last written more than an hour ago.
    static func isStaleTemporary(pid: Int32, modifiedSeconds: Int64?) -> Bool {
        guard pid > 0 else { return false }
        if let modifiedSeconds, nowSeconds() - modifiedSeconds > staleAfterSeconds { return true }
        guard let process = OpenProcess(DWORD(PROCESS_QUERY_LIMITED_INFORMATION), false, DWORD(bitPattern: pid)) else {
            // No such process (ERROR_INVALID_PARAMETER); access denied means it runs.
            return GetLastError() != DWORD(ERROR_ACCESS_DENIED)
        }
        defer { CloseHandle(process) }
        var code: DWORD = 0
        guard GetExitCodeProcess(process, &code) else { return false }
        return code != 259  // STILL_ACTIVE
    }

    private static func seconds(_ time: FILETIME) -> Int64 {
        let ticks = UInt64(time.dwHighDateTime) << 32 | UInt64(time.dwLowDateTime)
        return Int64(ticks / 10_000_000) - 11_644_473_600
    }

    private static func nowSeconds() -> Int64 {
        var now = FILETIME()
        GetSystemTimeAsFileTime(&now)
        return seconds(now)
    }

    /// Names in `directory` (without `.` and `..`), each with its last-write time in seconds since 1970.
    static func directoryEntries(_ directory: FilePath) throws(Errno) -> [(name: String, modifiedSeconds: Int64?)] {
        var data = WIN32_FIND_DATAW()
        let pattern = directory.appending("*")
        let handle = pattern.withPlatformString { FindFirstFileW($0, &data) }
        guard let handle, handle != INVALID_HANDLE_VALUE else {
            let error = GetLastError()
            if error == DWORD(ERROR_FILE_NOT_FOUND) { return [] }
            throw error == DWORD(ERROR_ACCESS_DENIED) ? Errno.permissionDenied : Errno.noSuchFileOrDirectory
        }
        defer { FindClose(handle) }
        var names: [(String, Int64?)] = []
        repeat {
            let name = withUnsafeBytes(of: data.cFileName) { raw in
                String(decoding: raw.bindMemory(to: UInt16.self).prefix(while: { $0 != 0 }), as: UTF16.self)
            }
            if name != ".", name != ".." { names.append((name, seconds(data.ftLastWriteTime))) }
        } while FindNextFileW(handle, &data)
        return names
    }

    /// Binary mode, so the C runtime never translates line ends.
    static let openOptions = FileDescriptor.OpenOptions(rawValue: _O_BINARY)

    /// Opens a file to read it (binary mode). Windows has no per-open way to keep the access
    /// time: whether reading updates it is the volume's setting (`fsutil behavior query
    /// disablelastaccess`), which amt-collect leaves alone.
    static func openForReading(_ path: FilePath) throws(Errno) -> FileDescriptor {
        do {
            return try FileDescriptor.open(path, .readOnly, options: openOptions)
        } catch let error as Errno {
            throw error
        } catch {
            throw Errno.ioError
        }
    }

    /// The size of the open file, or `nil` when it is not a regular file.
    /// (Directories cannot be opened as a CRT descriptor; pipes and devices are not disk files.)
    static func regularFileSize(_ fd: FileDescriptor) -> Int64? {
        let raw = _get_osfhandle(fd.rawValue)
        guard raw != -1, let handle = HANDLE(bitPattern: raw),
              GetFileType(handle) == DWORD(FILE_TYPE_DISK) else { return nil }
        let length = _filelengthi64(fd.rawValue)
        return length >= 0 ? Int64(length) : nil
    }

    static func fileExists(_ path: FilePath) -> Bool {
        path.withPlatformString { _waccess($0, 0) } == 0
    }

    @discardableResult
    static func removeFile(_ path: FilePath) -> Errno? {
        path.withPlatformString { _wunlink($0) } == 0 ? nil : Errno(rawValue: errno)
    }

    /// Gives `from` the name `to`; the CRT's rename never replaces an existing file (`EEXIST`/`EACCES`).
    /// Hard links are not used on Windows: callers fall back to `renameNoReplace`.
    static func hardLink(_ from: FilePath, _ to: FilePath) -> Bool { false }

    static func renameNoReplace(_ from: FilePath, _ to: FilePath) -> Errno? {
        if fileExists(to) { return .fileExists }
        let r = from.withPlatformString { f in to.withPlatformString { t in _wrename(f, t) } }
        return r == 0 ? nil : Errno(rawValue: errno)
    }

    static func sync(_ fd: FileDescriptor) -> Errno? {
        _commit(fd.rawValue) == 0 ? nil : Errno(rawValue: errno)
    }

    /// Windows writes back on its own schedule; `sync` commits the rest.
    static func startWriteback(_ fd: FileDescriptor, offset: Int64, length: Int64) {}

    /// Windows has no fsync for a directory; the file's data was committed before the rename.
    static func syncDirectory(_ directory: FilePath) {}

    /// Sets an entry's name. libarchive on Windows keeps names as UTF-16 and converts to UTF-8
    /// with CP_UTF8, which cannot fail, so the wide form is given.
    static func setPathname(_ entry: OpaquePointer, _ name: String) {
        var wide = Array(name.utf16)
        wide.append(0)
        wide.withUnsafeBufferPointer { archive_entry_copy_pathname_w(entry, $0.baseAddress) }
    }

    /// libarchive on Windows converts names through UTF-16 and code pages, not the C locale.
    static var hasUTF8Locale: Bool { true }

    static func withArchiveLocale<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try body()
    }
}
#endif
