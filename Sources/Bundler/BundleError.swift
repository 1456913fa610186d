import SystemPackage

/// An error from writing, reading or verifying a bundle.
///
/// `message` is a complete sentence for a person and names the file (and the entry, where one is
/// involved); `cause` is the underlying system error, when there is one.
public struct BundleError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Open: new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The bundle's temporary file could not be created (permissions, missing directory, …).
        public static let cannotCreate = Code("cannot_create")
        /// A bundle with the final name is already there; it is never replaced.
        public static let alreadyExists = Code("already_exists")
        /// Writing the archive failed (disk full, I/O error, file size limit). The bundle is lost:
        /// the writer removed its temporary file and accepts no more entries.
        public static let writeFailed = Code("write_failed")
        /// A source file could not be opened. Nothing was written; the bundle is still usable.
        public static let sourceUnreadable = Code("source_unreadable")
        /// A path inside the bundle is empty, absolute, has `.`/`..`/empty components, a backslash or
        /// a control character.
        public static let invalidPath = Code("invalid_path")
        /// The same path was added twice.
        public static let duplicateEntry = Code("duplicate_entry")
        /// An entry is larger than this operation allows.
        public static let tooLarge = Code("too_large")
        /// An argument is out of range (compression level, …).
        public static let invalidArgument = Code("invalid_argument")
        /// The call does not fit the writer's state (entry still open, already finished, …).
        public static let invalidState = Code("invalid_state")
        /// The manifest does not describe exactly the entries written (see DESIGN.md: every byte is
        /// covered by a SHA-256 in the manifest).
        public static let manifestMismatch = Code("manifest_mismatch")
        /// The bundle could not be opened for reading.
        public static let cannotOpen = Code("cannot_open")
        /// The archive is damaged, truncated or not a zip / tar.gz.
        public static let corrupt = Code("corrupt")
        /// A requested entry is not in the archive.
        public static let entryNotFound = Code("entry_not_found")
        /// `manifest.json` is missing or does not decode.
        public static let badManifest = Code("bad_manifest")
    }

    public var code: Code
    /// What happened, naming the path (and entry).
    public var message: String
    /// The file the error is about.
    public var path: FilePath?
    /// The system error underneath, when there is one (`No space left on device`, …).
    public var cause: Errno?

    public init(_ code: Code, _ message: String, path: FilePath? = nil, cause: Errno? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(message): \(cause.description)" }
        return message
    }
}
