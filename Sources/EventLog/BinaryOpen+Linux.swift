#if !os(Windows)
import SystemPackage

extension FileDescriptor.OpenOptions {
    /// The options that make a file descriptor read and write bytes as they are: none are needed
    /// outside Windows.
    static var binary: FileDescriptor.OpenOptions { [] }
}
#endif
