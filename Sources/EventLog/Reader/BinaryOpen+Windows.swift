#if os(Windows)
import ucrt
import SystemPackage

extension FileDescriptor.OpenOptions {
    /// `_O_BINARY`: the CRT descriptor swift-system opens is otherwise in text mode, which turns
    /// CRLF into LF when reading (LF into CRLF when writing) and stops reading at a Ctrl-Z byte.
    static var binary: FileDescriptor.OpenOptions { FileDescriptor.OpenOptions(rawValue: _O_BINARY) }
}

extension FileDescriptor {
    /// Opens a file to read it in binary mode. Whether reading updates its last-access time is
    /// the volume's setting on Windows (`fsutil behavior query disablelastaccess`).
    static func openForReading(_ path: FilePath) throws(Errno) -> FileDescriptor {
        do {
            return try FileDescriptor.open(path, .readOnly, options: .binary)
        } catch let error as Errno {
            throw error
        } catch {
            throw Errno.ioError
        }
    }
}
#endif
