#if !os(Windows)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum BrokenPipe {
    /// Ignores SIGPIPE, so that a write to a closed pipe (`amt-collect parse … | head -1`) fails
    /// with EPIPE, which the checked stdout writer ends on quietly, instead of killing the process.
    static func ignoreSignal() {
        signal(SIGPIPE, SIG_IGN)
    }
}
#endif
