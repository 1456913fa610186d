import LogRecord

/// A growable byte buffer written through a pointer: the output of the direct JSON Lines path
/// (`EVTXReader.readJSONLines`) and its per-record scratch space.
///
/// Owned manually: whoever makes one calls `free()` once. Every write reserves the room it needs
/// first, so no write goes past the end whatever the input. The storage has `slack` bytes past
/// `capacity`; when made `zeroed`, a word can be read at any offset below `count` (the source
/// of `padded` reads in `jsonString` and `jsonMessagePiece`).
struct OutBytes {
    static let slack = 16

    private(set) var base: UnsafeMutablePointer<UInt8>
    var count = 0
    private(set) var capacity: Int

    private let zeroed: Bool

    init(capacity: Int, zeroed: Bool = false) {
        self.capacity = max(capacity, 64)
        self.zeroed = zeroed
        base = .allocate(capacity: self.capacity + Self.slack)
        if zeroed { base.initialize(repeating: 0, count: self.capacity + Self.slack) }
    }

    func free() { base.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    @inline(__always)
    mutating func reserve(_ n: Int) {
        if capacity &- count < n { grow(n) }
    }

    @inline(never)
    private mutating func grow(_ n: Int) {
        var c = capacity
        while c - count < n { c *= 2 }
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: c + Self.slack)
        if zeroed { p.initialize(repeating: 0, count: c + Self.slack) }
        p.update(from: base, count: count)
        base.deallocate()
        base = p
        capacity = c
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    @inline(__always)
    mutating func bytes(_ p: UnsafePointer<UInt8>, _ n: Int) {
        guard n > 0 else { return }
        reserve(n)
        (base + count).update(from: p, count: n)
        count += n
    }

    @inline(__always)
    mutating func literal(_ s: StaticString) {
        bytes(s.utf8Start, s.utf8CodeUnitCount)
    }

    /// Appends the UTF-8 of `s`.
    @inline(__always)
    mutating func text(_ s: String) {
        if let done: Void = s.utf8.withContiguousStorageIfAvailable({ u in
            if let p = u.baseAddress { bytes(p, u.count) }
        }) { return done }
        var s = s
        s.withUTF8 { u in if let p = u.baseAddress { bytes(p, u.count) } }
    }

    /// Appends `v` in decimal.
    mutating func decimal(_ v: Int64) {
        reserve(20)
        if v == 0 { base[count] = 0x30; count += 1; return }
        var m = v.magnitude
        if v < 0 { base[count] = UInt8(ascii: "-"); count += 1 }
        var digits = 1
        var limit: UInt64 = 10
        while digits < 20 && m >= limit {
            digits += 1
            if digits == 20 { break }
            limit &*= 10
        }
        // Two digits at a time from the right.
        var k = count + digits
        while m >= 100 {
            let r = Int(m % 100)
            m /= 100
            k -= 2
            base[k] = UInt8(truncatingIfNeeded: 0x30 &+ r / 10)
            base[k + 1] = UInt8(truncatingIfNeeded: 0x30 &+ r % 10)
        }
        if m >= 10 {
            k -= 2
            base[k] = UInt8(truncatingIfNeeded: 0x30 &+ m / 10)
            base[k + 1] = UInt8(truncatingIfNeeded: 0x30 &+ m % 10)
        } else {
            k -= 1
            base[k] = UInt8(truncatingIfNeeded: 0x30 &+ m)
        }
        count += digits
    }

    /// Appends `v` in decimal (unsigned).
    mutating func decimal(_ v: UInt64) {
        if v <= UInt64(Int64.max) { decimal(Int64(v)); return }
        text(String(v))
    }

    /// `0x` + lower-case hex digits, unpadded (`Render.hex`).
    mutating func hex(_ v: UInt64) {
        reserve(18)
        var digits = 1
        while digits < 16 && v >> UInt64(4 * digits) != 0 { digits += 1 }
        base[count] = 0x30
        base[count + 1] = UInt8(ascii: "x")
        count += 2
        for k in 0..<digits {
            base[count + k] = Render.hexLower[Int((v >> UInt64(4 * (digits - 1 - k))) & 0xF)]
        }
        count += digits
    }

    /// Upper-case hex of `n` bytes at `offset`, two digits a byte (`Render.hexBytes`).
    mutating func hexBytes(_ src: UnsafeRawBufferPointer, _ offset: Int, _ n: Int) {
        reserve(2 * n)
        var o = count
        for k in 0..<n {
            let x = src[offset + k]
            base[o] = Render.hexUpper[Int(x >> 4)]
            base[o + 1] = Render.hexUpper[Int(x & 0xF)]
            o += 2
        }
        count = o
    }

    /// `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX` of the 16 bytes at `offset` (`ValueDecoder.guid`).
    mutating func guid(_ src: UnsafeRawBufferPointer, _ offset: Int) {
        reserve(36)
        var o = count
        @inline(__always) func put(_ v: UInt64, _ width: Int) {
            var shift = (width - 1) * 4
            while shift >= 0 {
                base[o] = Render.hexUpper[Int((v >> UInt64(shift)) & 0xF)]
                o += 1
                shift -= 4
            }
        }
        let d1 = UInt64(Load.u32(src.baseAddress.unsafelyUnwrapped + offset))
        let d2 = UInt64(Load.u16(src.baseAddress.unsafelyUnwrapped + offset + 4))
        let d3 = UInt64(Load.u16(src.baseAddress.unsafelyUnwrapped + offset + 6))
        put(d1, 8); base[o] = 0x2D; o += 1
        put(d2, 4); base[o] = 0x2D; o += 1
        put(d3, 4); base[o] = 0x2D; o += 1
        for k in 0..<8 {
            if k == 2 { base[o] = 0x2D; o += 1 }
            put(UInt64(src[offset + 8 + k]), 2)
        }
        count = o
    }

    /// `Timestamp.iso8601` of a FILETIME at microsecond precision.
    mutating func fileTime(_ t: UInt64) {
        timestamp(Timestamp(fileTime: t, precision: .microseconds))
    }

    /// Appends UTF-16LE code units as UTF-8, exactly as `UTF16Decoding.string` decodes them
    /// (unpaired surrogates become U+FFFD).
    mutating func utf16(_ src: UnsafeRawBufferPointer, offset: Int, units: Int) {
        guard units > 0 else { return }
        reserve(units * 3)
        count += UTF16Decoding.transcode(src, offset: offset, units: units, into: base + count)
    }

    // MARK: - JSON

    /// A JSON string literal of UTF-8 bytes, escaped as `JSONEscape` says (as
    /// `JSONEncoding.appendString` escapes).
    /// `padded`: a word may be read at `src + k` for every `k < n` (the bytes past `n` are
    /// ignored), as in an `OutBytes` or `Plan.Keys`.
    @inline(__always)
    mutating func jsonString(_ src: UnsafePointer<UInt8>, _ n: Int, padded: Bool = false) {
        reserve(n &* 6 &+ 10)
        let out = base
        var o = count
        out[o] = 0x22
        o += 1
        var i = 0
        while i < n {
            if Self.copyClean(src, n, &i, out, &o, padded: padded) { break }
            // Then byte by byte up to the next word boundary past an escape (or to the end).
            let stop = min(n, i + 8)
            while i < stop {
                let c = src[i]
                i += 1
                if JSONEscape.needsEscape(c) {
                    JSONEscape.write(c, to: out, at: &o)
                    continue
                }
                out[o] = c
                o += 1
            }
        }
        out[o] = 0x22
        count = o + 1
    }

    /// One piece of a message (`MessageBytes.put`: line breaks become one space, none at the
    /// piece's start or end, none next to a space) written JSON-escaped, without quotes.
    /// Returns whether the piece held a line break (else its bytes are exactly `jsonString`'s
    /// between the quotes).
    @inline(__always) @discardableResult
    mutating func jsonMessagePiece(_ src: UnsafePointer<UInt8>, _ n: Int, padded: Bool = false) -> Bool {
        reserve(n &* 6 &+ 10)
        let out = base
        let start = count
        var o = start
        var i = 0
        var pending = false
        var lineBreak = false
        while i < n {
            if !pending, Self.copyClean(src, n, &i, out, &o, padded: padded) { break }
            let stop = min(n, i + 8)
            while i < stop {
                let c = src[i]
                i += 1
                if c == 0x0A || c == 0x0D {
                    pending = o > start
                    lineBreak = true
                    continue
                }
                if pending {
                    if out[o - 1] != 0x20 && c != 0x20 {
                        out[o] = 0x20
                        o += 1
                    }
                    pending = false
                }
                if JSONEscape.needsEscape(c) {
                    JSONEscape.write(c, to: out, at: &o)
                    continue
                }
                out[o] = c
                o += 1
            }
        }
        count = o
        return lineBreak
    }

    /// Copies the bytes of `src[i..<n]` that need no escaping, eight at a time, to `out[o...]`
    /// (the buffer has room for the worst case, so a whole word can always be stored). Stops
    /// before the word holding the first byte to escape; returns `true` when the end was reached
    /// through the masked last word of a `padded` source.
    @inline(__always)
    static func copyClean(_ src: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int,
                          _ out: UnsafeMutablePointer<UInt8>, _ o: inout Int, padded: Bool) -> Bool {
        while i + 16 <= n {
            let w0 = Load.u64(src + i), w1 = Load.u64(src + i + 8)
            if JSONEscape.needsEscape(w0) || JSONEscape.needsEscape(w1) { break }
            UnsafeMutableRawPointer(out + o).storeBytes(of: w0.littleEndian, as: UInt64.self)
            UnsafeMutableRawPointer(out + o + 8).storeBytes(of: w1.littleEndian, as: UInt64.self)
            i += 16
            o += 16
        }
        while i + 8 <= n {
            let w = Load.u64(src + i)
            if JSONEscape.needsEscape(w) { break }
            UnsafeMutableRawPointer(out + o).storeBytes(of: w.littleEndian, as: UInt64.self)
            i += 8
            o += 8
        }
        if padded && i < n && i + 8 > n {
            let (w, clean) = tail(src + i, n - i)
            if clean {
                UnsafeMutableRawPointer(out + o).storeBytes(of: w.littleEndian, as: UInt64.self)
                o += n - i
                i = n
                return true
            }
        }
        return false
    }

    /// The `r` (1...7) bytes at `p` as a word, the rest filled with `A`, and whether none of
    /// them needs escaping. Reads a whole word at `p`.
    @inline(__always)
    static func tail(_ p: UnsafePointer<UInt8>, _ r: Int) -> (UInt64, Bool) {
        let keep: UInt64 = (1 << UInt64(8 * r)) &- 1
        let w = (Load.u64(p) & keep) | (0x4141_4141_4141_4141 & ~keep)
        return (w, !JSONEscape.needsEscape(w))
    }

    /// A JSON string literal of the bytes `start ..< start + n` already written here, escaped
    /// (copied between new quotes).
    @inline(__always)
    mutating func jsonStringCopy(_ start: Int, _ n: Int) {
        reserve(n + 2)
        base[count] = 0x22
        UnsafeMutableRawPointer(base + count + 1).copyMemory(from: base + start, byteCount: n)
        base[count + 1 + n] = 0x22
        count += n + 2
    }

    /// Appends a copy of the bytes `start ..< start + n` already written here.
    @inline(__always)
    mutating func copyWithin(_ start: Int, _ n: Int) {
        reserve(n)
        UnsafeMutableRawPointer(base + count).copyMemory(from: base + start, byteCount: n)
        count += n
    }

    /// A JSON string literal of `s`.
    mutating func jsonString(_ s: String) {
        if let done: Void = s.utf8.withContiguousStorageIfAvailable({ u in
            jsonString(u.baseAddress ?? UnsafePointer(base), u.count)
        }) { return done }
        var s = s
        s.withUTF8 { u in jsonString(u.baseAddress ?? UnsafePointer(base), u.count) }
    }

    /// A JSON string literal of bytes `start ..< start + n` of `other` (another buffer).
    @inline(__always)
    mutating func jsonString(from other: OutBytes, _ start: Int, _ n: Int) {
        jsonString(UnsafePointer(other.base + start), n, padded: true)
    }

    @inline(__always)
    mutating func jsonString(from other: OutBytes, _ r: Range<Int>) {
        jsonString(UnsafePointer(other.base + r.lowerBound), r.count, padded: true)
    }
}
