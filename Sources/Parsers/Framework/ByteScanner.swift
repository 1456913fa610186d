/// A forward cursor over bytes for hand-written line parsers: every read returns `nil` (and leaves
/// the position unchanged) when the bytes are not there, never traps.
public struct ByteScanner {
    public let bytes: [UInt8]
    public var position: Int

    public init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    /// Scans the first `limit` UTF-8 bytes of `text`.
    public init(prefixOf text: some StringProtocol, limit: Int = 96) {
        self.init(Array(text.utf8.prefix(limit)))
    }

    public var isAtEnd: Bool { position >= bytes.count }
    public var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    /// Reads between `min` and `max` ASCII digits as a number.
    public mutating func digits(min: Int = 1, max: Int) -> Int? {
        var v = 0, n = 0, p = position
        while p < bytes.count, n < max, bytes[p] >= 0x30, bytes[p] <= 0x39 {
            v = v * 10 + Int(bytes[p] - 0x30)
            n += 1
            p += 1
        }
        guard n >= min else { return nil }
        position = p
        return v
    }

    /// Reads a fraction's digits (any count, at least one) as microseconds, and how many digits.
    public mutating func fraction() -> (micro: Int, digits: Int)? {
        var micro = 0, n = 0, p = position
        while p < bytes.count, bytes[p] >= 0x30, bytes[p] <= 0x39 {
            if n < 6 { micro = micro * 10 + Int(bytes[p] - 0x30) }
            n += 1
            p += 1
        }
        guard n > 0 else { return nil }
        for _ in Swift.min(n, 6)..<6 { micro *= 10 }
        position = p
        return (micro, n)
    }

    /// Consumes `c` if it is next.
    @discardableResult
    public mutating func eat(_ c: UInt8) -> Bool {
        if position < bytes.count, bytes[position] == c { position += 1; return true }
        return false
    }

    /// Consumes the ASCII string `s` if it is next (case-insensitively when asked). A static
    /// string: its bytes are read in place (timestamps try several designators per line).
    @discardableResult
    public mutating func eat(_ s: StaticString, caseInsensitive: Bool = false) -> Bool {
        let n = s.utf8CodeUnitCount
        guard position + n <= bytes.count else { return false }
        let u = s.utf8Start
        for k in 0..<n {
            var b = bytes[position + k]
            var e = u[k]
            if caseInsensitive {
                if b >= 0x41, b <= 0x5A { b += 0x20 }
                if e >= 0x41, e <= 0x5A { e += 0x20 }
            }
            if b != e { return false }
        }
        position += n
        return true
    }

    /// Skips spaces and tabs; returns how many.
    @discardableResult
    public mutating func skipSpaces() -> Int {
        let start = position
        while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
        return position - start
    }

    /// The bytes from `position` up to (not including) `terminator`, or `nil` if it never comes.
    public mutating func until(_ terminator: UInt8) -> ArraySlice<UInt8>? {
        guard let end = bytes[position...].firstIndex(of: terminator) else { return nil }
        defer { position = end }
        return bytes[position..<end]
    }
}
