import LogRecord

/// Little-endian reads at absolute offsets of a borrowed byte region, bounds-checked.
///
/// Every read returns `nil` when the region is too short; nothing here traps on hostile input.
/// The region is borrowed: a `ByteView` must not outlive the `withUnsafeBytes` call that made it.
struct ByteView {
    let base: UnsafeRawBufferPointer

    init(_ base: UnsafeRawBufferPointer) { self.base = base }

    var count: Int { base.count }

    @inline(__always)
    func has(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= base.count &- length
    }

    @inline(__always)
    func u8(_ offset: Int) -> UInt8? {
        guard has(offset, 1) else { return nil }
        return base[offset]
    }

    @inline(__always)
    func u16(_ offset: Int) -> UInt16? {
        guard has(offset, 2) else { return nil }
        return Load.u16(base.baseAddress.unsafelyUnwrapped + offset)
    }

    @inline(__always)
    func u32(_ offset: Int) -> UInt32? {
        guard has(offset, 4) else { return nil }
        return Load.u32(base.baseAddress.unsafelyUnwrapped + offset)
    }

    @inline(__always)
    func u64(_ offset: Int) -> UInt64? {
        guard has(offset, 8) else { return nil }
        return Load.u64(base.baseAddress.unsafelyUnwrapped + offset)
    }

    /// `count` UTF-16LE code units at `offset` as a `String` (invalid surrogates become U+FFFD).
    /// Trailing NUL code units are dropped. `nil` when short.
    func utf16(_ offset: Int, units: Int) -> String? {
        guard units >= 0, has(offset, units &* 2) else { return nil }
        var n = units
        while n > 0, base[offset + 2 * (n - 1)] == 0, base[offset + 2 * (n - 1) + 1] == 0 { n -= 1 }
        return UTF16Decoding.string(base, offset: offset, units: n)
    }
}

/// UTF-16LE → UTF-8 (`UTF16Text`), for `String`s and for JSON written straight from the bytes:
/// ASCII runs are narrowed four units at a time; unpaired surrogates become U+FFFD.
enum UTF16Decoding {
    static func string(_ base: UnsafeRawBufferPointer, offset: Int, units: Int) -> String {
        if units == 0 { return "" }
        return String(unsafeUninitializedCapacity: units * 3) { out in
            transcode(base, offset: offset, units: units, into: out.baseAddress!)
        }
    }

    /// Writes the `units` code units at `offset` in `src` as UTF-8 at `out` (room for `3 * units`
    /// bytes: a pair of units takes four) and returns the bytes written (`UTF16Text.transcodeLE`).
    @inline(__always)
    static func transcode(_ src: UnsafeRawBufferPointer, offset: Int, units: Int,
                          into out: UnsafeMutablePointer<UInt8>) -> Int {
        guard units > 0, let raw = src.baseAddress else { return 0 }
        return UTF16Text.transcodeLE(raw + offset, units: units, into: out)
    }
}

/// Hex and decimal rendering without Foundation.
enum Render {
    static let hexLower: [UInt8] = Array("0123456789abcdef".utf8)
    static let hexUpper: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `0x` + lower-case hex digits, unpadded (`0x0` for zero), as the reference parser prints.
    static func hex(_ v: UInt64) -> String {
        var digits = 1
        while digits < 16 && v >> UInt64(4 * digits) != 0 { digits += 1 }
        return String(unsafeUninitializedCapacity: digits + 2) { out in
            out[0] = 0x30
            out[1] = UInt8(ascii: "x")
            for k in 0..<digits {
                out[2 + k] = hexLower[Int((v >> UInt64(4 * (digits - 1 - k))) & 0xF)]
            }
            return digits + 2
        }
    }

    /// Upper-case hex of `count` bytes at `offset`, two digits a byte.
    static func hexBytes(_ view: ByteView, _ offset: Int, _ count: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for k in 0..<count {
            let b = view.base[offset + k]
            out.append(hexUpper[Int(b >> 4)])
            out.append(hexUpper[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func appendHex(_ v: UInt64, width: Int, to out: inout [UInt8]) {
        var shift = (width - 1) * 4
        while shift >= 0 {
            out.append(hexUpper[Int((v >> UInt64(shift)) & 0xF)])
            shift -= 4
        }
    }

    static func appendDecimal(_ v: Int, width: Int, to out: inout [UInt8]) {
        var digits = [UInt8](repeating: 0x30, count: width)
        var x = v
        var i = width - 1
        while i >= 0 { digits[i] = UInt8(0x30 + x % 10); x /= 10; i -= 1 }
        out.append(contentsOf: digits)
    }
}

enum Bytes {
    /// Whether two byte regions of the same length hold the same bytes.
    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let n = a.count
        guard n == b.count else { return false }
        var i = 0
        while i + 8 <= n {
            if Load.u64(a.baseAddress.unsafelyUnwrapped + i) != Load.u64(b.baseAddress.unsafelyUnwrapped + i) {
                return false
            }
            i += 8
        }
        while i < n {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }
}

/// Little-endian loads at any alignment, each a single load instruction (copied through a
/// fixed-size memory copy; the standard library's unaligned loads were not always inlined).
enum Load {
    @inline(__always)
    static func u16(_ p: UnsafeRawPointer) -> UInt16 {
        var x: UInt16 = 0
        withUnsafeMutableBytes(of: &x) { $0.baseAddress.unsafelyUnwrapped.copyMemory(from: p, byteCount: 2) }
        return UInt16(littleEndian: x)
    }

    @inline(__always)
    static func u32(_ p: UnsafeRawPointer) -> UInt32 {
        var x: UInt32 = 0
        withUnsafeMutableBytes(of: &x) { $0.baseAddress.unsafelyUnwrapped.copyMemory(from: p, byteCount: 4) }
        return UInt32(littleEndian: x)
    }

    @inline(__always)
    static func u64(_ p: UnsafeRawPointer) -> UInt64 {
        var x: UInt64 = 0
        withUnsafeMutableBytes(of: &x) { $0.baseAddress.unsafelyUnwrapped.copyMemory(from: p, byteCount: 8) }
        return UInt64(littleEndian: x)
    }
}
