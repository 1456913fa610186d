#if os(Linux)
import Glibc

/// glibc's `iconv` from a Windows code page to UTF-32LE, one short byte sequence at a time (used
/// only to build the tables). glibc names the pages `CP1250` … `CP950` (`CP932` is Microsoft's
/// Shift_JIS, `CP936` GBK, `CP949` UHC).
struct PlatformCodePageConverter {
    private let cd: iconv_t

    init?(codePage: Int) {
        let cd = iconv_open("UTF-32LE", "CP\(codePage)")
        guard let cd, Int(bitPattern: cd) != -1 else { return nil }
        self.cd = cd
        // The converter lives as long as the process's tables: one per code page, built once.
    }

    /// Converts `bytes` (one or two) and says whether they are exactly one character.
    mutating func decode(_ bytes: [UInt8]) -> PlatformDecodeOutcome {
        _ = iconv(cd, nil, nil, nil, nil)   // back to the initial state
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [UInt8](repeating: 0, count: 16)
        var inLeft = input.count, outLeft = output.count
        let result = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                outBuf.withMemoryRebound(to: CChar.self) { out in
                    var inPtr: UnsafeMutablePointer<CChar>? = inBuf.baseAddress
                    var outPtr: UnsafeMutablePointer<CChar>? = out.baseAddress
                    return iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                }
            }
        }
        if result == -1 {
            return errno == EINVAL && inLeft == bytes.count ? .incomplete : .invalid
        }
        guard inLeft == 0, output.count - outLeft == 4 else { return .invalid }
        let v = UInt32(output[0]) | UInt32(output[1]) << 8 | UInt32(output[2]) << 16 | UInt32(output[3]) << 24
        return .scalar(v)
    }
}
#endif
