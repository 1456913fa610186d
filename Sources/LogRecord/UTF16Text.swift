/// UTF-16 to UTF-8, the pieces every decoder of the package shares (EventLog's strings and
/// exported event files, Parsers' `LineDecoder`): surrogate pairing, where an unpaired surrogate
/// becomes U+FFFD; the UTF-8 of a scalar; four ASCII units narrowed at once; a whole run of
/// little-endian units transcoded. Byte-level helpers: pointers are read and written only within
/// the counts the caller states.
@usableFromInline
package enum UTF16Text {
    /// Pairs surrogates across a stream of code units (one unit at a time; a pending high
    /// surrogate is carried to the next call).
    @usableFromInline
    package struct Pairing {
        /// A high surrogate waiting for its low half.
        @usableFromInline
        package private(set) var high: UInt16?

        package init() {}

        /// Takes the next code unit and returns the scalar it ends: the unit itself, the pair it
        /// completes with the pending high surrogate, or U+FFFD for a lone low surrogate; `nil`
        /// for a high surrogate (kept for the next unit). `unpaired` is set when a pending high
        /// surrogate is not completed by this unit: it stands for a U+FFFD before the result.
        @inlinable @inline(__always)
        package mutating func take(_ unit: UInt16, unpaired: inout Bool) -> UInt32? {
            if let h = high {
                high = nil
                if unit >= 0xDC00 && unit <= 0xDFFF {
                    return 0x10000 + ((UInt32(h) - 0xD800) << 10) + (UInt32(unit) - 0xDC00)
                }
                unpaired = true
            }
            switch unit {
            case 0xD800...0xDBFF:
                high = unit
                return nil
            case 0xDC00...0xDFFF:
                return 0xFFFD
            default:
                return UInt32(unit)
            }
        }

        /// Ends the stream (or a part of it): returns whether a high surrogate was left unpaired
        /// (it stands for U+FFFD), and forgets it.
        @inlinable
        package mutating func finish() -> Bool {
            defer { high = nil }
            return high != nil
        }
    }

    /// Bytes of the UTF-8 of scalar `v` (1 to 4).
    @inlinable @inline(__always)
    package static func utf8Count(_ v: UInt32) -> Int {
        v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4
    }

    /// Writes the UTF-8 of scalar `v` (not a surrogate) at `out` (room for `utf8Count(v)` bytes)
    /// and returns the bytes written.
    @inlinable @inline(__always)
    package static func writeUTF8(_ v: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        switch v {
        case 0..<0x80:
            out[0] = UInt8(truncatingIfNeeded: v)
            return 1
        case 0x80..<0x800:
            out[0] = UInt8(truncatingIfNeeded: 0xC0 | (v >> 6))
            out[1] = UInt8(truncatingIfNeeded: 0x80 | (v & 0x3F))
            return 2
        case 0x800..<0x10000:
            out[0] = UInt8(truncatingIfNeeded: 0xE0 | (v >> 12))
            out[1] = UInt8(truncatingIfNeeded: 0x80 | ((v >> 6) & 0x3F))
            out[2] = UInt8(truncatingIfNeeded: 0x80 | (v & 0x3F))
            return 3
        default:
            out[0] = UInt8(truncatingIfNeeded: 0xF0 | (v >> 18))
            out[1] = UInt8(truncatingIfNeeded: 0x80 | ((v >> 12) & 0x3F))
            out[2] = UInt8(truncatingIfNeeded: 0x80 | ((v >> 6) & 0x3F))
            out[3] = UInt8(truncatingIfNeeded: 0x80 | (v & 0x3F))
            return 4
        }
    }

    /// Appends the UTF-8 of scalar `v` (not a surrogate) to `out`.
    @inlinable
    package static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        if v < 0x80 {
            out.append(UInt8(truncatingIfNeeded: v))
            return
        }
        var bytes: UInt32 = 0
        let n = withUnsafeMutableBytes(of: &bytes) { writeUTF8(v, to: $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        withUnsafeBytes(of: &bytes) { out.append(contentsOf: $0.prefix(n)) }
    }

    /// Whether the four little-endian units of `w` are all below U+0080.
    @inlinable @inline(__always)
    package static func isASCII(_ w: UInt64) -> Bool { w & 0xFF80_FF80_FF80_FF80 == 0 }

    /// The four ASCII units of `w` (little-endian, `isASCII`) as their four bytes, the first in
    /// the low bits.
    @inlinable @inline(__always)
    package static func narrow(_ w: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: (w & 0xFF) | ((w >> 8) & 0xFF00) | ((w >> 16) & 0xFF_0000) | ((w >> 24) & 0xFF00_0000))
    }

    /// Writes the `units` little-endian code units at `src` as UTF-8 at `out` (room for
    /// `3 * units` bytes: a pair of units takes four) and returns the bytes written, as `Pairing`
    /// would pair them (the whole run at hand, the next unit is looked at instead of carried).
    /// ASCII runs are narrowed four units at a time; unpaired surrogates become U+FFFD.
    @inlinable @inline(__always)
    package static func transcodeLE(_ src: UnsafeRawPointer, units: Int, into out: UnsafeMutablePointer<UInt8>) -> Int {
        @inline(__always) func unit(_ k: Int) -> UInt32 {
            UInt32(src.load(fromByteOffset: 2 * k, as: UInt8.self)) | UInt32(src.load(fromByteOffset: 2 * k + 1, as: UInt8.self)) << 8
        }
        var n = 0
        var k = 0
        while k < units {
            // Four ASCII units at a time.
            while k + 4 <= units {
                var w: UInt64 = 0
                withUnsafeMutableBytes(of: &w) { $0.baseAddress.unsafelyUnwrapped.copyMemory(from: src + 2 * k, byteCount: 8) }
                w = UInt64(littleEndian: w)
                if !isASCII(w) { break }
                UnsafeMutableRawPointer(out + n).storeBytes(of: narrow(w).littleEndian, as: UInt32.self)
                n += 4
                k += 4
            }
            guard k < units else { break }
            var u = unit(k)
            k += 1
            if u < 0x80 {
                out[n] = UInt8(truncatingIfNeeded: u)
                n += 1
                continue
            }
            if u >= 0xD800 && u <= 0xDBFF, k < units {
                let low = unit(k)
                if low >= 0xDC00 && low <= 0xDFFF {
                    u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                    k += 1
                } else {
                    u = 0xFFFD
                }
            } else if u >= 0xD800 && u <= 0xDFFF {
                u = 0xFFFD
            }
            n += writeUTF8(u, to: out + n)
        }
        return n
    }
}
