import CArchive
import SystemPackage

/// Small helpers over the C API; everything libarchive-specific stays in this module.
enum LibArchive {
    /// `AE_IFREG` (a cast macro that does not import).
    static let regularFile: UInt32 = 0o100000
    static let directory: UInt32 = 0o040000

    /// libarchive's message for the last error on `archive`, or a generic one.
    static func message(_ archive: OpaquePointer?) -> String {
        guard let archive, let text = archive_error_string(archive) else { return "unknown libarchive error" }
        return String(cString: text)
    }

    /// The system error behind the last failure, when libarchive recorded one.
    static func errno(_ archive: OpaquePointer?) -> Errno? {
        guard let archive else { return nil }
        let code = archive_errno(archive)
        // libarchive uses its own codes (ARCHIVE_ERRNO_FILE_FORMAT = EFTYPE/EILSEQ, MISC = -1)
        // for format problems; only real system errors are reported as a cause.
        guard code > 0 else { return nil }
        let errno = Errno(rawValue: code)
        // ARCHIVE_ERRNO_PROGRAMMER and ARCHIVE_ERRNO_FILE_FORMAT reuse these; they are not I/O causes.
        if errno == .invalidArgument || errno == .illegalByteSequence { return nil }
        return errno
    }

    /// The name of an entry being read, preferring its UTF-8 form.
    static func pathname(_ entry: OpaquePointer) -> String? {
        if let utf8 = archive_entry_pathname_utf8(entry) { return String(cString: utf8) }
        if let mbs = archive_entry_pathname(entry) { return String(decoding: mbsBytes(mbs), as: UTF8.self) }
        return nil
    }

    private static func mbsBytes(_ p: UnsafePointer<CChar>) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while p[i] != 0 { out.append(UInt8(bitPattern: p[i])); i += 1 }
        return out
    }
}
