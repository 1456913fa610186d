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
