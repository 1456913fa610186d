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
        return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    func u32(_ offset: Int) -> UInt32? {
        guard has(offset, 4) else { return nil }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func u64(_ offset: Int) -> UInt64? {
        guard has(offset, 8) else { return nil }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
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

/// Fast UTF-16LE → `String` conversion: ASCII runs are copied directly into UTF-8.
enum UTF16Decoding {
    static func string(_ base: UnsafeRawBufferPointer, offset: Int, units: Int) -> String {
        if units == 0 { return "" }
        // ASCII fast path: every high byte zero and every low byte < 0x80.
        var ascii = true
        var i = 0
        while i < units {
            let lo = base[offset + 2 * i], hi = base[offset + 2 * i + 1]
            if hi != 0 || lo >= 0x80 { ascii = false; break }
            i += 1
        }
        if ascii {
            return String(unsafeUninitializedCapacity: units) { out in
                for k in 0..<units { out[k] = base[offset + 2 * k] }
                return units
            }
        }
        var scalars: [UInt16] = []
        scalars.reserveCapacity(units)
        for k in 0..<units {
            scalars.append(UInt16(base[offset + 2 * k]) | UInt16(base[offset + 2 * k + 1]) << 8)
        }
        return String(decoding: scalars, as: UTF16.self)
    }
}

/// Hex and decimal rendering without Foundation.
enum Render {
    static let hexLower: [UInt8] = Array("0123456789abcdef".utf8)
    static let hexUpper: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `0x` + lower-case hex digits, unpadded (`0x0` for zero), as the reference parser prints.
    static func hex(_ v: UInt64) -> String {
        var digits: [UInt8] = [0x30, UInt8(ascii: "x")]
        if v == 0 { digits.append(0x30) }
        var started = false
        var shift = 60
        while shift >= 0 {
            let d = Int((v >> UInt64(shift)) & 0xF)
            if d != 0 || started { digits.append(hexLower[d]); started = true }
            shift -= 4
        }
        return String(decoding: digits, as: UTF8.self)
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
