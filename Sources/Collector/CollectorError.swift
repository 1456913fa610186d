import SystemPackage

/// An error from the collector: a file that cannot be read, a catalog that cannot be loaded.
///
/// `code` is open (new codes may be added); `message` names the path; `underlying` carries the
/// system's own words (the `strerror` text for an errno) or the JSON decoder's description.
public struct CollectorError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable machine-readable name.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The operating system refused access (EACCES, EPERM).
        public static let permissionDenied = Code(rawValue: "permission_denied")
        /// The path does not exist (any more): ENOENT, ENOTDIR.
        public static let notFound = Code(rawValue: "not_found")
        /// A file was expected and a directory was found.
        public static let isDirectory = Code(rawValue: "is_directory")
        /// A socket, FIFO, device or anything else that is not a regular file.
        public static let notRegularFile = Code(rawValue: "not_regular_file")
        /// Too many levels of symbolic links (ELOOP).
        public static let symlinkLoop = Code(rawValue: "symlink_loop")
        /// Any other I/O failure.
        public static let io = Code(rawValue: "io")
        /// A catalog file could not be read, decoded or validated.
        public static let invalidCatalog = Code(rawValue: "invalid_catalog")
    }

    public var code: Code
    /// The path concerned, as given.
    public var path: String
    /// One sentence naming the path and what failed.
    public var message: String
    /// The system's or decoder's own description of the cause, when there is one.
    public var underlying: String?
    /// The errno value, when the cause is a system call.
    public var errno: Int32?

    public init(code: Code, path: String, message: String, underlying: String? = nil, errno: Int32? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.underlying = underlying
        self.errno = errno
    }

    public var description: String {
        if let underlying { return "\(message): \(underlying)" }
        return message
    }

    /// Builds an error from an errno value raised while doing `action` on `path`.
    static func system(_ errnoValue: Int32, _ action: String, _ path: FilePath) -> CollectorError {
        let text = Errno(rawValue: errnoValue).description
        return CollectorError(code: Code(errno: errnoValue), path: path.string,
                              message: "cannot \(action) \(path.string)", underlying: text, errno: errnoValue)
    }

    static func system(_ error: any Error, _ action: String, _ path: FilePath) -> CollectorError {
        if let errno = error as? Errno { return system(errno.rawValue, action, path) }
        return CollectorError(code: .io, path: path.string, message: "cannot \(action) \(path.string)",
                              underlying: "\(error)")
    }
}

extension CollectorError.Code {
    /// The code for an errno value.
    init(errno value: Int32) {
        switch Errno(rawValue: value) {
        case .permissionDenied, .notPermitted: self = .permissionDenied
        case .noSuchFileOrDirectory, .notDirectory: self = .notFound
        case .isDirectory: self = .isDirectory
        case .tooManySymbolicLinkLevels: self = .symlinkLoop
        default: self = .io
        }
    }
}
