#if !os(Windows)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening source files without updating their access time, for every library that reads them
/// (the collector's sources, archives found under a root, event logs). Windows has no per-open
/// way to do this: there the volume's setting decides (`fsutil behavior query disablelastaccess`).
package enum AccessTime {
    #if os(Linux)
    /// `O_NOATIME` (glibc declares it only for `_GNU_SOURCE`; the value is the same on every
    /// Linux architecture Swift runs on).
    package static let noAccessTimeFlag: CInt = 0o1_000_000
    #else
    package static let noAccessTimeFlag: CInt = 0
    #endif

    /// Calls `open` with `flags | O_NOATIME`, so that reading does not update the access time;
    /// when the kernel refuses the flag (`EPERM`: only the file's owner or a process with
    /// `CAP_FOWNER` may use it), calls it again with `flags` alone. Returns `open`'s descriptor,
    /// or -1 with `errno` set by the last call. Without `O_NOATIME` (not Linux): one plain call.
    package static func openKeepingAccessTime(_ flags: CInt, _ open: (CInt) -> CInt) -> CInt {
        guard noAccessTimeFlag != 0 else { return open(flags) }
        let fd = open(flags | noAccessTimeFlag)
        if fd < 0, errno == EPERM { return open(flags) }
        return fd
    }
}
#endif
