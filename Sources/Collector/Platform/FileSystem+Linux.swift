#if !os(Windows)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import LogRecord
import SystemPackage

/// The POSIX implementation: `opendir`/`readdir`, `lstat`/`stat`, `open(O_RDONLY|O_NONBLOCK)`.
///
/// Files are opened with `O_NONBLOCK` so that a FIFO never blocks the run, and on Linux with
/// `O_NOATIME` where the kernel allows it, so that reading does not even touch access times.
struct SystemFileAccess: FileSystemAccess {
    func list(_ directory: FilePath) throws(CollectorError) -> [DirectoryEntry] {
        // Opened like files (O_NOATIME where allowed), so that listing a folder keeps its access time too.
        let fd = AccessTime.openKeepingAccessTime(O_RDONLY | O_DIRECTORY | O_CLOEXEC) { flags in
            directory.withPlatformString { open($0, flags) }
        }
        guard fd >= 0 else { throw .system(errno, "list folder", directory) }
        guard let dir = fdopendir(fd) else {
            let e = errno
            close(fd)
            throw .system(e, "list folder", directory)
        }
        defer { closedir(dir) }
        var result: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw .system(errno, "list folder", directory) }
                break
            }
            let hint: FileKind?
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): hint = .regular
            case Int32(DT_DIR): hint = .directory
            case Int32(DT_LNK): hint = .symbolicLink
            case Int32(DT_FIFO): hint = .fifo
            case Int32(DT_SOCK): hint = .socket
            case Int32(DT_CHR): hint = .characterDevice
            case Int32(DT_BLK): hint = .blockDevice
            default: hint = nil
            }
            let raw: [CChar] = withUnsafePointer(to: &entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) { p in
                    Array(UnsafeBufferPointer(start: p, count: strlen(p) + 1))
                }
            }
            // "." and "..": one or two dots and the NUL.
            if raw.count <= 3, raw.dropLast().allSatisfy({ $0 == 0x2E }) { continue }
            let name = String(decoding: raw.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            result.append(DirectoryEntry(name: name, platformName: raw, kindHint: hint))
        }
        return result
    }

    func status(_ path: FilePath, followLinks: Bool) throws(CollectorError) -> FileStatus {
        var st = stat()
        let rc = path.withPlatformString { followLinks ? stat($0, &st) : lstat($0, &st) }
        guard rc == 0 else { throw .system(errno, "examine", path) }
        return Self.fileStatus(st)
    }

    func checkReadable(_ path: FilePath) throws(CollectorError) {
        let fd = try openDescriptor(path)
        close(fd)
    }

    func resolve(_ path: FilePath) -> FilePath? {
        guard let resolved = path.withPlatformString({ realpath($0, nil) }) else { return nil }
        defer { free(resolved) }
        return FilePath(platformString: resolved)
    }

    func openForReading(_ path: FilePath) throws(CollectorError) -> (FileDescriptor, FileStatus) {
        let fd = try openDescriptor(path)
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            close(fd)
            throw .system(e, "examine", path)
        }
        let status = Self.fileStatus(st)
        guard status.kind == .regular else {
            close(fd)
            if status.kind == .directory {
                throw CollectorError(code: .isDirectory, path: path.string,
                                     message: "cannot read \(path.string): it is a folder")
            }
            throw CollectorError(code: .notRegularFile, path: path.string,
                                 message: "cannot read \(path.string): it is a \(status.kind.noun), not a regular file")
        }
        return (FileDescriptor(rawValue: fd), status)
    }

    /// `open(O_RDONLY | O_NONBLOCK | O_CLOEXEC [| O_NOATIME])`.
    private func openDescriptor(_ path: FilePath) throws(CollectorError) -> CInt {
        let fd = AccessTime.openKeepingAccessTime(O_RDONLY | O_NONBLOCK | O_CLOEXEC) { flags in
            path.withPlatformString { open($0, flags) }
        }
        guard fd >= 0 else { throw .system(errno, "open", path) }
        return fd
    }

    static func fileStatus(_ st: stat) -> FileStatus {
        let kind: FileKind
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        case S_IFCHR: kind = .characterDevice
        case S_IFBLK: kind = .blockDevice
        default: kind = .other
        }
        #if canImport(Darwin)
        let mtime = timestampFrom(seconds: Int64(st.st_mtimespec.tv_sec), nanoseconds: Int64(st.st_mtimespec.tv_nsec))
        #else
        let mtime = timestampFrom(seconds: Int64(st.st_mtim.tv_sec), nanoseconds: Int64(st.st_mtim.tv_nsec))
        #endif
        return FileStatus(
            kind: kind, size: Int64(st.st_size), modified: mtime,
            identity: FileIdentity(device: UInt64(truncatingIfNeeded: st.st_dev), inode: UInt64(truncatingIfNeeded: st.st_ino))
        )
    }
}
#endif
