/// A code page's mapping to Unicode, as tables read per byte: 256 entries for single bytes, and
/// for double-byte pages 64 Ki entries indexed by lead and trail byte.
///
/// Built once per page from the platform's own converter (glibc `iconv` on Linux,
/// `MultiByteToWideChar` on Windows), so the mapping is the one the system writes with; decoding
/// is then a table look-up per byte with no call into the platform.
public struct CodePageTable: Sendable {
    /// Per byte: its scalar, `leadMarker` for a lead byte, or `unassigned`.
    let single: [UInt32]
    /// Per lead << 8 | trail: the scalar (BMP) or 0 where the pair is not a character. Empty for
    /// single-byte pages.
    let double: [UInt16]
    /// `false` when the platform has no converter for the page: every byte above 0x7F then
    /// decodes to U+FFFD.
    public let isAvailable: Bool

    static let leadMarker: UInt32 = 0xFFFF_FFFF
    static let unassigned: UInt32 = 0xFFFD

    /// Builds the table for `page` from the platform converter.
    init(_ page: CodePage) {
        var single = (0..<256).map { $0 < 0x80 ? UInt32($0) : Self.unassigned }
        var double: [UInt16] = []
        guard var converter = PlatformCodePageConverter(codePage: page.rawValue) else {
            self.single = single
            self.double = double
            isAvailable = false
            return
        }
        if page.isDoubleByte { double = [UInt16](repeating: 0, count: 1 << 16) }
        for b in 0x80...0xFF {
            switch converter.decode([UInt8(b)]) {
            case .scalar(let v): single[b] = v
            case .incomplete where page.isDoubleByte:
                var anyTrail = false
                for t in 0x40...0xFF {
                    if case .scalar(let v) = converter.decode([UInt8(b), UInt8(t)]), v > 0x7F, v <= 0xFFFF {
                        double[b << 8 | t] = UInt16(v)
                        anyTrail = true
                    }
                }
                if anyTrail { single[b] = Self.leadMarker }
            default: break
            }
        }
        self.single = single
        self.double = double
        isAvailable = true
    }

    /// The tables, each built on first use.
    enum Built {
        static let cp1250 = CodePageTable(.windows1250)
        static let cp1251 = CodePageTable(.windows1251)
        static let cp1252 = CodePageTable(.windows1252)
        static let cp1253 = CodePageTable(.windows1253)
        static let cp1254 = CodePageTable(.windows1254)
        static let cp1257 = CodePageTable(.windows1257)
        static let cp866 = CodePageTable(.ibm866)
        static let cp932 = CodePageTable(.shiftJIS)
        static let cp936 = CodePageTable(.gbk)
        static let cp949 = CodePageTable(.uhc)
        static let cp950 = CodePageTable(.big5)
    }

    /// `true` when `byte` starts a two-byte character in this page.
    @inline(__always)
    public func isLead(_ byte: UInt8) -> Bool { single[Int(byte)] == Self.leadMarker }

    /// The scalar of a single byte, `nil` for a lead byte or an unassigned one.
    public func scalar(_ byte: UInt8) -> Unicode.Scalar? {
        let v = single[Int(byte)]
        guard v != Self.leadMarker, v != Self.unassigned else { return nil }
        return Unicode.Scalar(v)
    }

    /// The scalar of a lead and trail byte pair, `nil` when they are not a character.
    public func scalar(lead: UInt8, trail: UInt8) -> Unicode.Scalar? {
        guard isLead(lead) else { return nil }
        let v = double[Int(lead) << 8 | Int(trail)]
        return v == 0 ? nil : Unicode.Scalar(v)
    }

    /// The length (1 or 2) of the character that starts at `bytes[i]`: 2 for a lead byte with a
    /// valid trail, else 1 (an invalid pair is read as the lead alone, as `decode` does).
    @inline(__always)
    public func characterLength(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let b = bytes[i]
        guard b >= 0x80, single[Int(b)] == Self.leadMarker, i + 1 < bytes.count,
              double[Int(b) << 8 | Int(bytes[i + 1])] != 0 else { return 1 }
        return 2
    }

    /// Decodes bytes that start on a character boundary; see `CodePage.decode(_:invalid:)`.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>, invalid: inout Int) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.count + bytes.count / 2)
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if c < 0x80 { utf8.append(c); i += 1; continue }
            var v = single[Int(c)]
            if v == Self.leadMarker {
                let pair = i + 1 < n ? double[Int(c) << 8 | Int(bytes[i + 1])] : 0
                if pair != 0 { v = UInt32(pair); i += 2 } else { v = Self.unassigned; invalid += 1; i += 1 }
            } else {
                if v == Self.unassigned { invalid += 1 }
                i += 1
            }
            Self.appendUTF8(v, to: &utf8)
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    @inline(__always)
    static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }
}

/// What the platform converter made of one byte sequence.
enum PlatformDecodeOutcome: Equatable {
    /// Exactly one character.
    case scalar(UInt32)
    /// The bytes begin a character that needs more bytes.
    case incomplete
    /// Not a character of the page (or more than one).
    case invalid
}
