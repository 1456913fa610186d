import CodePages
#if canImport(Glibc)
import Glibc
#endif

/// Encodes text into a Windows code page with the platform's converter (glibc iconv), independent
/// of the code page tables under test. `nil` where the platform has no converter.
public enum PlatformEncoder {
    public static func encode(_ text: String, _ page: CodePage) -> [UInt8]? {
        #if canImport(Glibc)
        let cd = iconv_open("CP\(page.rawValue)", "UTF-8")
        guard let cd, Int(bitPattern: cd) != -1 else { return nil }
        defer { iconv_close(cd) }
        var input = Array(text.utf8).map { CChar(bitPattern: $0) }
        var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
        var inLeft = input.count, outLeft = output.count
        let r = input.withUnsafeMutableBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                o.withMemoryRebound(to: CChar.self) { o in
                    var ip: UnsafeMutablePointer<CChar>? = i.baseAddress
                    var op: UnsafeMutablePointer<CChar>? = o.baseAddress
                    return iconv(cd, &ip, &inLeft, &op, &outLeft)
                }
            }
        }
        guard r != -1, inLeft == 0 else { return nil }
        return Array(output.prefix(output.count - outLeft))
        #else
        return nil
        #endif
    }
}
