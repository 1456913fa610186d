#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#elseif canImport(ucrt)
import ucrt
#endif

/// Searches and comparisons of bytes read in place, through the C library (which looks at many
/// bytes at a time): the one place the parsers use it.
enum RawBytes {
    /// Whether `count` bytes at `a` and at `b` are the same.
    @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        count <= 0 || memcmp(a, b, count) == 0
    }

    /// The index of the first `byte` in `b[from...]`, or `nil`.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard from >= 0, from < b.count, let base = b.baseAddress,
              let hit = memchr(base + from, Int32(byte), b.count - from) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }
}
