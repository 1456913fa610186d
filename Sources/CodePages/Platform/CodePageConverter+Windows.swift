#if os(Windows)
import WinSDK

/// `MultiByteToWideChar` for a Windows code page, one short byte sequence at a time (used only to
/// build the tables): the mapping Windows itself reads and writes ANSI/OEM text with.
struct PlatformCodePageConverter {
    private let codePage: UINT

    init?(codePage: Int) {
        guard IsValidCodePage(UINT(codePage)) else { return nil }
        self.codePage = UINT(codePage)
    }

    /// Converts `bytes` (one or two) and says whether they are exactly one character.
    mutating func decode(_ bytes: [UInt8]) -> PlatformDecodeOutcome {
        if bytes.count == 1, IsDBCSLeadByteEx(codePage, bytes[0]) { return .incomplete }
        var units = [WCHAR](repeating: 0, count: 4)
        let n = bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CHAR.self) { input in
                MultiByteToWideChar(codePage, DWORD(MB_ERR_INVALID_CHARS), input.baseAddress, Int32(input.count),
                                    &units, Int32(units.count))
            }
        }
        switch n {
        case 1 where !(0xD800...0xDFFF).contains(units[0]):
            return .scalar(UInt32(units[0]))
        case 2 where UTF16.isLeadSurrogate(units[0]) && UTF16.isTrailSurrogate(units[1]):
            return .scalar(0x10000 + (UInt32(units[0]) - 0xD800) << 10 + (UInt32(units[1]) - 0xDC00))
        default:
            return .invalid
        }
    }
}
#endif
