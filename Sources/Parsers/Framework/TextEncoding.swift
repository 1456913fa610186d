/// The encoding a text source was decoded with.
public enum TextEncoding: String, Sendable, Equatable {
    case utf8 = "utf-8"
    case utf8BOM = "utf-8-bom"
    case utf16LE = "utf-16le"
    case utf16BE = "utf-16be"
    /// UTF-16LE recognized by its NUL pattern, without a byte order mark.
    case utf16LENoBOM = "utf-16le-nobom"
    case utf16BENoBOM = "utf-16be-nobom"

    var isUTF16: Bool { self != .utf8 && self != .utf8BOM }
    var isBigEndian: Bool { self == .utf16BE || self == .utf16BENoBOM }

    /// Decides the encoding from the first bytes of a source (up to a few KiB) and says how many
    /// bytes of byte order mark to skip.
    ///
    /// A BOM decides; otherwise UTF-16 is recognized when most code units of the sample have a NUL
    /// high byte (ASCII-heavy text in UTF-16) and the other half of the bytes has almost none.
    /// Everything else is UTF-8, with lines that are not valid UTF-8 read as a legacy code page.
    public static func detect(_ head: some Collection<UInt8>) -> (encoding: TextEncoding, bomLength: Int) {
        let b = Array(head.prefix(4096))
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { return (.utf8BOM, 3) }
        if b.count >= 2, b[0] == 0xFF, b[1] == 0xFE { return (.utf16LE, 2) }
        if b.count >= 2, b[0] == 0xFE, b[1] == 0xFF { return (.utf16BE, 2) }
        let pairs = b.count / 2
        guard pairs >= 2 else { return (.utf8, 0) }
        var evenZeros = 0, oddZeros = 0
        for i in 0..<pairs {
            if b[2 * i] == 0 { evenZeros += 1 }
            if b[2 * i + 1] == 0 { oddZeros += 1 }
        }
        // All-NUL samples (a file padded with NULs) are not UTF-16 evidence.
        let bothZero = (0..<pairs).filter { b[2 * $0] == 0 && b[2 * $0 + 1] == 0 }.count
        let evenOnly = evenZeros - bothZero, oddOnly = oddZeros - bothZero
        let informative = pairs - bothZero
        guard informative >= 2 else { return (.utf8, 0) }
        if oddOnly * 10 >= informative * 6, evenOnly * 20 <= informative { return (.utf16LENoBOM, 0) }
        if evenOnly * 10 >= informative * 6, oddOnly * 20 <= informative { return (.utf16BENoBOM, 0) }
        return (.utf8, 0)
    }
}

/// Single-byte Windows code pages used when a line is not valid UTF-8.
public enum LegacyCodePage: String, Sendable {
    case windows1252 = "windows-1252"
    case windows1251 = "windows-1251"

    /// Picks the code page for a line that is not UTF-8: Cyrillic text in 1251 is mostly high
    /// bytes (letters), while Western text in 1252 has high bytes only for accents.
    public static func guess(_ line: some Collection<UInt8>) -> LegacyCodePage {
        var asciiLetters = 0, highLetters = 0
        for c in line {
            if (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) { asciiLetters += 1 }
            else if c >= 0xC0 { highLetters += 1 }
        }
        return highLetters * 2 > asciiLetters && highLetters >= 3 ? .windows1251 : .windows1252
    }

    /// Decodes bytes of this code page to a String. Unassigned bytes become U+FFFD.
    public func decode(_ bytes: some Collection<UInt8>) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.count + bytes.count / 2)
        for c in bytes {
            if c < 0x80 { utf8.append(c); continue }
            let v: UInt32
            switch self {
            case .windows1252:
                v = c >= 0xA0 ? UInt32(c) : LegacyCodePage.cp1252High[Int(c - 0x80)]
            case .windows1251:
                if c >= 0xC0 { v = 0x0410 + UInt32(c - 0xC0) }
                else { v = LegacyCodePage.cp1251High[Int(c - 0x80)] }
            }
            // Every mapped value is below U+10000 and not a surrogate: two or three UTF-8 bytes.
            if v < 0x800 {
                utf8.append(UInt8(0xC0 | (v >> 6)))
                utf8.append(UInt8(0x80 | (v & 0x3F)))
            } else {
                utf8.append(UInt8(0xE0 | (v >> 12)))
                utf8.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                utf8.append(UInt8(0x80 | (v & 0x3F)))
            }
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// 0x80–0x9F of Windows-1252 (0xFFFD where unassigned).
    static let cp1252High: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ]

    /// 0x80–0xBF of Windows-1251 (0xC0–0xFF map to U+0410–U+044F).
    static let cp1251High: [UInt32] = [
        0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021, 0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
        0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0xFFFD, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
        0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7, 0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
        0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7, 0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
    ]
}
