/// The container a bundle is written in.
public enum ArchiveFormat: String, Sendable, CaseIterable, Codable {
    /// Zip with deflate: opens natively in Windows Explorer. The default.
    case zip
    /// POSIX (pax) tar compressed with gzip.
    case tarGz = "tar.gz"

    /// The file name extension, without the leading dot: `zip` or `tar.gz`.
    public var fileExtension: String { rawValue }

    /// The deflate level used when none is given: 1, as `collect --compression fast` (the default).
    ///
    /// At levels 1–4 an unencrypted zip is written by `ZipStreamWriter` with ISA-L's igzip, which
    /// on logs and their records is about 8× faster than zlib level 1 and compresses slightly
    /// smaller; levels 5–9 (`normal`, `small`) go through libarchive and zlib, about 10% and 20%
    /// smaller than igzip on logs, at many times the time.
    public static let defaultCompressionLevel = 1
}
