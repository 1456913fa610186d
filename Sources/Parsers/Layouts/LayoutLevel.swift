import LogRecord

/// Level words of the .NET logging libraries mapped to the schema's vocabulary, read from bytes
/// in any case: log4net (`FATAL` … `ALL`, `NOTICE`, `ALERT`, `EMERGENCY`, `CRITICAL`, `SEVERE`),
/// NLog (`Fatal` … `Trace`), Serilog (`Information`, `u3`/`w3` codes `INF`/`wrn`, `u1` letters),
/// Enterprise Library (`Critical`, `Information`, `Verbose` …).
enum LayoutLevel {
    /// The level a word names (`words` plus `all`/`off`), `nil` for any other word. One letter is
    /// read only when `letters` is set (a layout that truncates or abbreviates to one letter).
    @inline(__always)
    static func severity(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, letters: Bool) -> Severity? {
        let n = r.count
        if n == 1 {
            guard letters else { return nil }
            switch b[r.lowerBound] | 0x20 {
            case UInt8(ascii: "f"), UInt8(ascii: "c"): return .critical
            case UInt8(ascii: "e"): return .error
            case UInt8(ascii: "w"): return .warning
            case UInt8(ascii: "i"), UInt8(ascii: "n"): return .information
            case UInt8(ascii: "d"): return .debug
            case UInt8(ascii: "v"), UInt8(ascii: "t"), UInt8(ascii: "a"): return .verbose
            default: return nil
            }
        }
        guard n >= 3, n <= 13 else { return nil }
        var packed: UInt64 = 0
        if n <= 8 {
            for k in r {
                let c = b[k] | 0x20
                guard c &- 0x61 < 26 else { return nil }
                packed = packed &<< 8 | UInt64(c)
            }
            if packed == allWord { return .verbose }
            return AMTErrorMatch.shortLevel(packed)
        }
        for (word, level) in AMTErrorMatch.longLevels where word.count == n {
            var same = true
            for k in 0..<n where b[r.lowerBound + k] | 0x20 != word[k] { same = false; break }
            if same { return level }
        }
        return nil
    }

    /// `all` packed as `shortLevels` keys are.
    static let allWord: UInt64 = "all".utf8.reduce(UInt64(0)) { $0 &<< 8 | UInt64($1) }

    /// A level in a string (JSON and CSV values, Enterprise Library's `Severity:` line).
    static func severity(_ s: String, letters: Bool = true) -> Severity? {
        var t = s
        return t.withUTF8 { b in
            let r = AMTErrorMatch.trim(b, 0..<b.count)
            return severity(b, r, letters: letters)
        }
    }
}
