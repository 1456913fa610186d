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

extension FileDescriptor.OpenOptions {
    /// The options that make a file descriptor read and write bytes as they are: none are needed
    /// outside Windows.
    static var binary: FileDescriptor.OpenOptions { [] }
}

extension FileDescriptor {
    /// Opens a file to read it, on Linux without updating its access time where the kernel allows
    /// it (`O_NOATIME`: the file's owner or `CAP_FOWNER`); when the kernel refuses the flag
    /// (`EPERM`) the file is opened without it.
    static func openForReading(_ path: FilePath) throws(Errno) -> FileDescriptor {
        let fd = AccessTime.openKeepingAccessTime(O_RDONLY | O_CLOEXEC) { flags in
            path.withPlatformString { systemOpen($0, flags) }
        }
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        return FileDescriptor(rawValue: fd)
    }
}
/// The C library's `open` (inside `FileDescriptor` the name means its own static method).
private func systemOpen(_ path: UnsafePointer<CInterop.PlatformChar>, _ flags: CInt) -> CInt {
    open(path, flags)
}
#endif
