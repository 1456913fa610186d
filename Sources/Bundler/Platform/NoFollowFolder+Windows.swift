#if os(Windows)
import ucrt
import WinSDK
import SystemPackage

/// A folder in which files and folders are created by name, no component ever followed when it is
/// a reparse point (a symbolic link or junction): each one is checked as it is created or opened,
/// and a file is only ever created (`CREATE_NEW`), never opened over an existing one. For
/// `extract`, whose output folder may already hold links planted to send writes elsewhere.
/// Windows side: by path, each component checked (Windows has no `openat`).
struct NoFollowFolder {
    let path: FilePath

    private init(checked path: FilePath) {
        self.path = path
    }

    /// The folder at `path` (links in `path` itself are the caller's choice).
    /// - Throws: `.notDirectory` when it is not a folder.
    init(at path: FilePath) throws(Errno) {
        let attributes = path.withPlatformString { GetFileAttributesW($0) }
        guard attributes != INVALID_FILE_ATTRIBUTES else { throw .noSuchFileOrDirectory }
        guard attributes & DWORD(FILE_ATTRIBUTE_DIRECTORY) != 0 else { throw .notDirectory }
        self.path = path
    }

    /// The sub-folder `name`, created when missing.
    /// - Throws: `.tooManySymbolicLinkLevels` when `name` is a reparse point (it is not followed),
    ///   `.notDirectory` when it is something else than a folder, or what creating it fails with.
    func subfolder(_ name: String) throws(Errno) -> NoFollowFolder {
        let sub = path.appending(name)
        let made = sub.withPlatformString { CreateDirectoryW($0, nil) }
        if !made, GetLastError() != DWORD(ERROR_ALREADY_EXISTS) { throw Self.errno(GetLastError()) }
        let attributes = sub.withPlatformString { GetFileAttributesW($0) }
        guard attributes != INVALID_FILE_ATTRIBUTES else { throw Self.errno(GetLastError()) }
        if attributes & DWORD(FILE_ATTRIBUTE_REPARSE_POINT) != 0 { throw .tooManySymbolicLinkLevels }
        guard attributes & DWORD(FILE_ATTRIBUTE_DIRECTORY) != 0 else { throw .notDirectory }
        return NoFollowFolder(checked: sub)
    }

    /// Creates the file `name` for writing; never opens an existing file or follows a link.
    /// - Throws: `.fileExists` when anything has the name already, `.tooManySymbolicLinkLevels`
    ///   when that is a reparse point, or what creating it fails with.
    func createFile(_ name: String) throws(Errno) -> FileDescriptor {
        let file = path.appending(name)
        let handle = file.withPlatformString {
            CreateFileW($0, DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW),
                        DWORD(FILE_ATTRIBUTE_NORMAL) | DWORD(FILE_FLAG_OPEN_REPARSE_POINT), nil)
        }
        guard let handle, handle != INVALID_HANDLE_VALUE else {
            let error = GetLastError()
            let attributes = file.withPlatformString { GetFileAttributesW($0) }
            if attributes != INVALID_FILE_ATTRIBUTES, attributes & DWORD(FILE_ATTRIBUTE_REPARSE_POINT) != 0 {
                throw .tooManySymbolicLinkLevels
            }
            throw Self.errno(error)
        }
        let fd = _open_osfhandle(Int(bitPattern: handle), _O_WRONLY | _O_BINARY)
        guard fd >= 0 else {
            CloseHandle(handle)
            throw .badFileDescriptor
        }
        return FileDescriptor(rawValue: fd)
    }

    /// Removes the file `name` (a link is removed, not what it points to); returns the error.
    @discardableResult
    func removeFile(_ name: String) -> Errno? {
        path.appending(name).withPlatformString { DeleteFileW($0) } ? nil : Self.errno(GetLastError())
    }

    func close() {}

    private static func errno(_ error: DWORD) -> Errno {
        switch Int32(error) {
        case ERROR_FILE_EXISTS, ERROR_ALREADY_EXISTS: .fileExists
        case ERROR_ACCESS_DENIED: .permissionDenied
        case ERROR_PATH_NOT_FOUND, ERROR_FILE_NOT_FOUND: .noSuchFileOrDirectory
        case ERROR_DISK_FULL, ERROR_HANDLE_DISK_FULL: .noSpace
        default: .ioError
        }
    }
}
#endif
