/// Which bytes a JSON string literal escapes and how: the one definition behind every JSON
/// writer of the package (the record writer's `RawOut`, EventLog's direct EVTX writer).
///
/// Escaped are `"`, `\` and every byte below 0x20: `\n`, `\r`, `\t`, `\b`, `\f` by name, the rest
/// as `\u00xx` (lower-case hex). Bytes at or above 0x80 (UTF-8 beyond ASCII) never are. An escape
/// takes at most `maxEscapeLength` bytes, so a string of `n` bytes needs at most `6 * n + 2`
/// quoted. Byte-level helpers: the word tests take eight bytes loaded as a little-endian
/// `UInt64` (first byte in the low bits); `write` stores through a pointer the caller has
/// reserved room behind.
@usableFromInline
package enum JSONEscape {
    /// Bytes one escaped byte can take (`\u00XX`).
    @usableFromInline
    package static let maxEscapeLength = 6

    /// Whether JSON escapes the byte `b`.
    @inlinable @inline(__always)
    package static func needsEscape(_ b: UInt8) -> Bool {
        b < 0x20 || b == 0x22 || b == 0x5C
    }

    /// Whether JSON escapes any byte of the word `w`. Exact (no false positives), branch-free.
    @inlinable @inline(__always)
    package static func needsEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        // A byte b < 0x20 borrows into its high bit in (b - 0x20) while b < 0x80; a byte equal to
        // `"` or `\` is zero after the XOR and borrows the same way in (x - 1).
        let quote = w ^ (ones &* 0x22)
        let backslash = w ^ (ones &* 0x5C)
        let below = (w &- ones &* 0x20) & ~w
        return (below | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & high != 0
    }

    /// The bytes of `w` that JSON escapes, exactly: bit 7 of each such byte is set, every other
    /// bit is clear (`mask.trailingZeroBitCount >> 3` is the first such byte's index).
    @inlinable @inline(__always)
    package static func mask(_ w: UInt64) -> UInt64 {
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        /// High bit set exactly in the zero bytes of `x` (no borrows between bytes).
        @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { ~(((x & low) &+ low) | x | low) }
        let ones: UInt64 = 0x0101_0101_0101_0101
        return zeroBytes(w & (ones &* 0xE0)) | zeroBytes(w ^ (ones &* 0x22)) | zeroBytes(w ^ (ones &* 0x5C))
    }

    /// Lower-case hex digit of `v` (0...15).
    @inlinable @inline(__always)
    package static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }

    /// Writes the escape of `c` (a byte `needsEscape` accepts) at `dst[at...]` and advances `at`
    /// past it (2 or 6 bytes).
    @inlinable @inline(__always)
    package static func write(_ c: UInt8, to dst: UnsafeMutablePointer<UInt8>, at: inout Int) {
        dst[at] = 0x5C
        switch c {
        case 0x22: dst[at + 1] = 0x22
        case 0x5C: dst[at + 1] = 0x5C
        case 0x0A: dst[at + 1] = UInt8(ascii: "n")
        case 0x0D: dst[at + 1] = UInt8(ascii: "r")
        case 0x09: dst[at + 1] = UInt8(ascii: "t")
        case 0x08: dst[at + 1] = UInt8(ascii: "b")
        case 0x0C: dst[at + 1] = UInt8(ascii: "f")
        default:
            dst[at + 1] = UInt8(ascii: "u")
            dst[at + 2] = 0x30
            dst[at + 3] = 0x30
            dst[at + 4] = hexDigit(c >> 4)
            dst[at + 5] = hexDigit(c & 0xF)
            at += 6
            return
        }
        at += 2
    }
}
