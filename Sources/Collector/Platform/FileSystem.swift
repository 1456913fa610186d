import LogRecord
import SystemPackage

// The collector's view of the file system: the few questions discovery and reading ask, behind
// one internal protocol so that the OS-specific answers live in `+Linux` / `+Windows` files and
// tests can inject failures (permission denied as root, a file vanishing after listing).

/// Identifies a file or directory on one machine (device and inode, or volume serial and file
/// index on Windows). Used to detect directory loops and the same file reached twice.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
}

/// What kind of object a path names.
enum FileKind: Sendable, Equatable {
    case regular, directory, symbolicLink, fifo, socket, characterDevice, blockDevice, other

    /// Words for a skip reason.
    var noun: String {
        switch self {
        case .regular: "regular file"
        case .directory: "folder"
        case .symbolicLink: "symbolic link"
        case .fifo: "named pipe (FIFO)"
        case .socket: "socket"
        case .characterDevice: "character device"
        case .blockDevice: "block device"
        case .other: "special file"
        }
    }
}

/// The facts `stat` gives.
struct FileStatus: Sendable {
    var kind: FileKind
    /// Bytes (regular files).
    var size: Int64
    /// Last modification, when the system reports one.
    var modified: Timestamp?
    /// Device and inode, when the system reports them.
    var identity: FileIdentity?
}

/// One name in a directory listing.
struct DirectoryEntry: Sendable {
    /// The name as text (for matching and for relative paths).
    var name: String
    /// The name exactly as stored, NUL-terminated (`nil`: `name` is exact). Kept as bytes so that a
    /// name that is not valid UTF-8 still opens; turned into a path component only when needed.
    var platformName: [CInterop.PlatformChar]?
    /// The kind when the listing tells it without a `stat` (Linux `d_type`), else `nil`.
    var kindHint: FileKind?

    /// The name as a path component, or `nil` when it cannot be one.
    var component: FilePath.Component? {
        if let platformName { return FilePath.Component(platformString: platformName) }
        return FilePath.Component(name)
    }
}

/// The file-system operations the collector needs. Every operation is read-only.
protocol FileSystemAccess: Sendable {
    /// The names in `directory`, without `.` and `..`, in no particular order.
    func list(_ directory: FilePath) throws(CollectorError) -> [DirectoryEntry]
    /// `stat` (`followLinks`) or `lstat` of `path`.
    func status(_ path: FilePath, followLinks: Bool) throws(CollectorError) -> FileStatus
    /// Throws when `path` cannot be opened for reading (opens read-only and closes again).
    func checkReadable(_ path: FilePath) throws(CollectorError)
    /// The absolute path with every symbolic link resolved, or `nil` when it cannot be resolved
    /// (dangling link, loop, missing component).
    func resolve(_ path: FilePath) -> FilePath?
    /// Opens a regular file read-only, without following into FIFOs or devices, and returns its
    /// descriptor with the status taken from the open descriptor (size read once, here).
    func openForReading(_ path: FilePath) throws(CollectorError) -> (FileDescriptor, FileStatus)
}

extension FilePath {
    /// `true` when `self` is `base` or lies below it (both should be resolved, absolute paths).
    func isWithin(_ base: FilePath) -> Bool {
        self == base || self.starts(with: base)
    }
}

/// Microseconds since the epoch from seconds and nanoseconds.
func timestampFrom(seconds: Int64, nanoseconds: Int64) -> Timestamp {
    Timestamp(microsecondsSinceEpoch: seconds * 1_000_000 + nanoseconds / 1000, precision: .microseconds)
}
