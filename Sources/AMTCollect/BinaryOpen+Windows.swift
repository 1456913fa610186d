#if os(Windows)
import ucrt
import SystemPackage

extension FileDescriptor.OpenOptions {
    /// `_O_BINARY`: the CRT descriptor swift-system opens is otherwise in text mode, which turns
    /// CRLF into LF when reading (LF into CRLF when writing) and stops reading at a Ctrl-Z byte.
    static var binary: FileDescriptor.OpenOptions { FileDescriptor.OpenOptions(rawValue: _O_BINARY) }
}
#endif
