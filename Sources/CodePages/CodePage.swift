/// A legacy Windows code page ("ANSI" or "OEM") that text written by Windows programs may be in.
///
/// The raw value is the Windows code page number (`GetACP()` answers with it). Single-byte pages
/// map each byte to one character; the double-byte pages (932, 936, 949, 950) have lead bytes that
/// take the next byte as their trail. In every page here, bytes below 0x80 are ASCII and CR/LF are
/// never a trail byte (trail bytes are 0x40 and above), so lines can be framed on bytes before they
/// are decoded and a character is never split by a line end.
public enum CodePage: Int, Sendable, CaseIterable, Hashable {
    case windows1250 = 1250
    case windows1251 = 1251
    case windows1252 = 1252
    case windows1253 = 1253
    case windows1254 = 1254
    case windows1257 = 1257
    case ibm866 = 866
    case shiftJIS = 932
    case gbk = 936
    case uhc = 949
    case big5 = 950

    /// The code page named by a Windows code page number, if it is one of these.
    public init?(number: Int) { self.init(rawValue: number) }

    /// The name the manifest uses (WHATWG labels where there is one: `windows-1251`, `ibm866`,
    /// `shift_jis` for Windows' cp932, `gbk` for cp936, `big5` for cp950; `windows-949` for UHC).
    public var name: String {
        switch self {
        case .windows1250: "windows-1250"
        case .windows1251: "windows-1251"
        case .windows1252: "windows-1252"
        case .windows1253: "windows-1253"
        case .windows1254: "windows-1254"
        case .windows1257: "windows-1257"
        case .ibm866: "ibm866"
        case .shiftJIS: "shift_jis"
        case .gbk: "gbk"
        case .uhc: "windows-949"
        case .big5: "big5"
        }
    }

    /// The code page of a manifest name (as `name` gives it) or of `cp1251`-style names.
    public init?(name: String) {
        let n = name.lowercased()
        if let found = CodePage.allCases.first(where: { $0.name == n }) { self = found; return }
        if n.hasPrefix("cp"), let number = Int(n.dropFirst(2)), let found = CodePage(number: number) {
            self = found
            return
        }
        return nil
    }

    /// `true` for the pages with lead and trail bytes (932, 936, 949, 950).
    public var isDoubleByte: Bool {
        switch self {
        case .shiftJIS, .gbk, .uhc, .big5: true
        default: false
        }
    }

    /// The page's mapping, built from the platform's converter on first use (then shared).
    public var table: CodePageTable {
        switch self {
        case .windows1250: CodePageTable.Built.cp1250
        case .windows1251: CodePageTable.Built.cp1251
        case .windows1252: CodePageTable.Built.cp1252
        case .windows1253: CodePageTable.Built.cp1253
        case .windows1254: CodePageTable.Built.cp1254
        case .windows1257: CodePageTable.Built.cp1257
        case .ibm866: CodePageTable.Built.cp866
        case .shiftJIS: CodePageTable.Built.cp932
        case .gbk: CodePageTable.Built.cp936
        case .uhc: CodePageTable.Built.cp949
        case .big5: CodePageTable.Built.cp950
        }
    }

    /// Decodes one line (or any run of bytes that starts on a character boundary) to a String.
    /// Unassigned bytes, a lead byte without a valid trail, and a lead byte at the end become
    /// U+FFFD each; `invalid` counts them. A lead byte followed by an invalid trail takes only
    /// itself: the next byte is read on its own (an ASCII byte there stays ASCII).
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>, invalid: inout Int) -> String {
        table.decode(bytes, invalid: &invalid)
    }

    /// `decode(_:invalid:)` for any collection of bytes.
    public func decode(_ bytes: some Collection<UInt8>, invalid: inout Int) -> String {
        let array = Array(bytes)
        return array.withUnsafeBufferPointer { table.decode($0, invalid: &invalid) }
    }
}
