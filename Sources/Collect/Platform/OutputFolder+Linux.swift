#if !os(Windows)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

extension OutputFolder {
    /// Creates one folder (its parent exists); the system's error when it cannot.
    static func createOne(_ path: FilePath) -> String? {
        let status = path.withPlatformString { mkdir($0, 0o755) }
        return status == 0 ? nil : Errno(rawValue: errno).description
    }
}
#endif
