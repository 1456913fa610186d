#if !os(Windows)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// An open folder in which files and folders are created by name, relative to the open folder
/// (`mkdirat`, `openat`), so that no component is ever looked up again by path: a name that is a
/// symbolic link is refused (`O_NOFOLLOW`), never followed, and a file is only ever created,
/// never opened over an existing one (`O_EXCL`). For `extract`, whose output folder may already
/// hold links planted to send writes elsewhere. POSIX side.
struct NoFollowFolder {
    let fd: FileDescriptor

    private init(fd: FileDescriptor) {
        self.fd = fd
    }

    /// Opens the folder at `path` (following links in `path` itself: it is the caller's choice).
    /// - Throws: `Errno`.
    init(at path: FilePath) throws(Errno) {
        let opened = path.withPlatformString { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard opened >= 0 else { throw Errno(rawValue: errno) }
        fd = FileDescriptor(rawValue: opened)
    }

    /// The sub-folder `name`, created when missing.
    /// - Throws: `.tooManySymbolicLinkLevels` when `name` is a symbolic link (it is not followed),
    ///   `.notDirectory` when it is something else than a folder, or what creating or opening it
    ///   fails with.
    func subfolder(_ name: String) throws(Errno) -> NoFollowFolder {
        if name.withCString({ mkdirat(fd.rawValue, $0, 0o755) }) != 0, errno != EEXIST {
            throw Errno(rawValue: errno)
        }
        let sub = name.withCString { openat(fd.rawValue, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        guard sub >= 0 else {
            let error = Errno(rawValue: errno)
            // Linux says ELOOP for a link under O_NOFOLLOW, some systems ENOTDIR: ask which it is.
            throw isSymbolicLink(name) ? .tooManySymbolicLinkLevels : error
        }
        return NoFollowFolder(fd: FileDescriptor(rawValue: sub))
    }

    /// Creates the file `name` for writing; never opens an existing file or follows a link.
    /// - Throws: `.fileExists` when anything (a file, a folder, a link) has the name already,
    ///   `.tooManySymbolicLinkLevels` when that is a symbolic link, or what creating it fails with.
    func createFile(_ name: String) throws(Errno) -> FileDescriptor {
        let created = name.withCString {
            openat(fd.rawValue, $0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(0o644))
        }
        guard created >= 0 else {
            let error = Errno(rawValue: errno)
            throw isSymbolicLink(name) ? .tooManySymbolicLinkLevels : error
        }
        return FileDescriptor(rawValue: created)
    }

    /// Removes the file `name` (a link is removed, not what it points to); returns the error.
    @discardableResult
    func removeFile(_ name: String) -> Errno? {
        name.withCString { unlinkat(fd.rawValue, $0, 0) } == 0 ? nil : Errno(rawValue: errno)
    }

    func close() {
        try? fd.close()
    }

    private func isSymbolicLink(_ name: String) -> Bool {
        var info = stat()
        guard name.withCString({ fstatat(fd.rawValue, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFLNK
    }
}
#endif
