#if os(Windows)
import Foundation
import ucrt
import LogRecord
import SystemPackage
import WinSDK

/// The Windows implementation: `GetFileInformationByHandle` for kind, size, time and identity
/// (volume serial number and file index: the CRT's `stat` reports no inode on Windows), and
/// `GetFinalPathNameByHandleW` to resolve links and junctions.
///
/// Handles for examining are opened with no access rights and every share mode, so they neither
/// lock a file nor fail on one another program holds open. swift-system opens files for reading
/// with `FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE`, so reading never locks either.
struct SystemFileAccess: FileSystemAccess {
    func list(_ directory: FilePath) throws(CollectorError) -> [DirectoryEntry] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.string)
        } catch {
            throw Self.mapped(error, "list folder", directory)
        }
        return names.map { DirectoryEntry(name: $0, platformName: nil, kindHint: nil) }
    }

    func status(_ path: FilePath, followLinks: Bool) throws(CollectorError) -> FileStatus {
        let handle = try openHandle(path, followLinks: followLinks, action: "examine")
        defer { _ = CloseHandle(handle) }
        var info = BY_HANDLE_FILE_INFORMATION()
        guard GetFileInformationByHandle(handle, &info) else {
            throw Self.lastError("examine", path)
        }
        let attributes = info.dwFileAttributes
        var kind: FileKind = attributes & DWORD(FILE_ATTRIBUTE_DIRECTORY) != 0 ? .directory : .regular
        if attributes & DWORD(FILE_ATTRIBUTE_DEVICE) != 0 { kind = .other }
        if !followLinks, attributes & DWORD(FILE_ATTRIBUTE_REPARSE_POINT) != 0 {
            // Only symbolic links and junctions are links; other reparse points (deduplicated or
            // cloud files) are read as what they are.
            var tag = FILE_ATTRIBUTE_TAG_INFO()
            if GetFileInformationByHandleEx(handle, FileAttributeTagInfo, &tag,
                                            DWORD(MemoryLayout<FILE_ATTRIBUTE_TAG_INFO>.size)),
               tag.ReparseTag == DWORD(IO_REPARSE_TAG_SYMLINK) || tag.ReparseTag == DWORD(IO_REPARSE_TAG_MOUNT_POINT) {
                kind = .symbolicLink
            }
        }
        let size = Int64(UInt64(info.nFileSizeHigh) << 32 | UInt64(info.nFileSizeLow))
        let writeTime = UInt64(info.ftLastWriteTime.dwHighDateTime) << 32 | UInt64(info.ftLastWriteTime.dwLowDateTime)
        return FileStatus(
            kind: kind, size: size,
            modified: writeTime == 0 ? nil : Timestamp(fileTime: writeTime),
            identity: FileIdentity(device: UInt64(info.dwVolumeSerialNumber),
                                   inode: UInt64(info.nFileIndexHigh) << 32 | UInt64(info.nFileIndexLow))
        )
    }

    func checkReadable(_ path: FilePath) throws(CollectorError) {
        let (fd, _) = try openForReading(path)
        try? fd.close()
    }

    func resolve(_ path: FilePath) -> FilePath? {
        guard let handle = try? openHandle(path, followLinks: true, action: "resolve") else { return nil }
        defer { _ = CloseHandle(handle) }
        let needed = GetFinalPathNameByHandleW(handle, nil, 0, DWORD(FILE_NAME_NORMALIZED))
        guard needed > 0 else { return nil }
        var buffer = [WCHAR](repeating: 0, count: Int(needed) + 1)
        let written = GetFinalPathNameByHandleW(handle, &buffer, DWORD(buffer.count), DWORD(FILE_NAME_NORMALIZED))
        guard written > 0, Int(written) < buffer.count else { return nil }
        var text = String(decoding: buffer.prefix(Int(written)), as: UTF16.self)
        // `\\?\C:\…` → `C:\…`; `\\?\UNC\server\share\…` → `\\server\share\…`.
        if text.hasPrefix(#"\\?\UNC\"#) {
            text = #"\\"# + text.dropFirst(8)
        } else if text.hasPrefix(#"\\?\"#) {
            text = String(text.dropFirst(4))
        }
        return FilePath(text)
    }

    func openForReading(_ path: FilePath) throws(CollectorError) -> (FileDescriptor, FileStatus) {
        // CreateFileW cannot open a folder without backup semantics: tell folders apart first.
        let before = try status(path, followLinks: true)
        if before.kind == .directory {
            throw CollectorError(code: .isDirectory, path: path.string,
                                 message: "cannot read \(path.string): it is a folder")
        }
        guard before.kind == .regular else {
            throw CollectorError(code: .notRegularFile, path: path.string,
                                 message: "cannot read \(path.string): it is a \(before.kind.noun), not a regular file")
        }
        let fd: FileDescriptor
        do {
            // Binary mode: the CRT descriptor would otherwise translate CRLF and stop at Ctrl-Z.
            fd = try FileDescriptor.open(path, .readOnly, options: FileDescriptor.OpenOptions(rawValue: _O_BINARY))
        } catch {
            throw .system(error, "open", path)
        }
        // The size of the open file, taken once.
        var status = before
        do {
            status.size = try fd.seek(offset: 0, from: .end)
            _ = try fd.seek(offset: 0, from: .start)
        } catch {
            try? fd.close()
            throw .system(error, "examine", path)
        }
        return (fd, status)
    }

    /// A handle with no access rights (attributes only), every share mode, folders allowed.
    private func openHandle(_ path: FilePath, followLinks: Bool, action: String) throws(CollectorError) -> HANDLE {
        var flags = DWORD(FILE_FLAG_BACKUP_SEMANTICS)
        if !followLinks { flags |= DWORD(FILE_FLAG_OPEN_REPARSE_POINT) }
        let handle: HANDLE? = path.withPlatformString { name in
            CreateFileW(name, 0, DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE), nil,
                        DWORD(OPEN_EXISTING), flags, nil)
        }
        guard let handle, handle != INVALID_HANDLE_VALUE else {
            throw Self.lastError(action, path)
        }
        return handle
    }

    /// `GetLastError()` as a `CollectorError` with the code an errno would get.
    static func lastError(_ action: String, _ path: FilePath) -> CollectorError {
        let error = GetLastError()
        let code: CollectorError.Code
        let words: String
        switch Int32(bitPattern: error) {
        case ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND, ERROR_INVALID_NAME:
            code = .notFound; words = "No such file or directory"
        case ERROR_ACCESS_DENIED:
            code = .permissionDenied; words = "Permission denied"
        case ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION:
            code = .permissionDenied; words = "Permission denied (the file is in use by another process)"
        case ERROR_CANT_RESOLVE_FILENAME:
            code = .symlinkLoop; words = "Too many levels of symbolic links"
        case ERROR_DIRECTORY:
            code = .notFound; words = "Not a directory"
        default:
            code = .io; words = "I/O error"
        }
        return CollectorError(code: code, path: path.string, message: "cannot \(action) \(path.string)",
                              underlying: "\(words) (Windows error \(error))")
    }

    /// Maps a Foundation error to a `CollectorError` with the same code an errno would get.
    static func mapped(_ error: any Error, _ action: String, _ path: FilePath) -> CollectorError {
        let ns = error as NSError
        let code: CollectorError.Code
        switch ns.code {
        case CocoaError.fileReadNoPermission.rawValue, CocoaError.fileWriteNoPermission.rawValue:
            code = .permissionDenied
        case CocoaError.fileNoSuchFile.rawValue, CocoaError.fileReadNoSuchFile.rawValue:
            code = .notFound
        default:
            code = .io
        }
        return CollectorError(code: code, path: path.string, message: "cannot \(action) \(path.string)",
                              underlying: ns.localizedDescription)
    }
}
#endif
