#if !os(Windows)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
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
        let flags = O_RDONLY | O_CLOEXEC
        #if os(Linux)
        let noAccessTime: CInt = 0o1_000_000   // O_NOATIME (declared by glibc only for _GNU_SOURCE)
        var fd = path.withPlatformString { systemOpen($0, flags | noAccessTime) }
        if fd < 0, errno == EPERM { fd = path.withPlatformString { systemOpen($0, flags) } }
        #else
        let fd = path.withPlatformString { systemOpen($0, flags) }
        #endif
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        return FileDescriptor(rawValue: fd)
    }
}
/// The C library's `open` (inside `FileDescriptor` the name means its own static method).
private func systemOpen(_ path: UnsafePointer<CInterop.PlatformChar>, _ flags: CInt) -> CInt {
    open(path, flags)
}
#endif
