import LogRecord

/// Streaming conversion of exported event files (UTF-8 or UTF-16, with or without BOM) to UTF-8.
///
/// Feed chunks as they come; bytes split across chunks (half a UTF-16 unit, half a surrogate
/// pair) are carried over, so the output does not depend on how the input was split.
struct StreamingUTF8 {
    enum Encoding { case unknown, utf8, utf16LE, utf16BE }

    private(set) var encoding: Encoding = .unknown
    private var pending: [UInt8] = []
    private var pairing = UTF16Text.Pairing()

    /// Detects the encoding of a file's first bytes.
    static func detect(_ head: [UInt8]) -> (Encoding, bomLength: Int) {
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { return (.utf8, 3) }
        if head.starts(with: [0xFF, 0xFE]) { return (.utf16LE, 2) }
        if head.starts(with: [0xFE, 0xFF]) { return (.utf16BE, 2) }
        if head.count >= 2, head[0] != 0, head[1] == 0 { return (.utf16LE, 0) }
        if head.count >= 2, head[0] == 0, head[1] != 0 { return (.utf16BE, 0) }
        return (.utf8, 0)
    }

    /// Converts `bytes` (the next piece of the stream) and appends UTF-8 to `out`.
    mutating func decode(_ bytes: [UInt8], into out: inout [UInt8]) {
        var input = bytes
        if encoding == .unknown {
            pending += input
            if pending.count < 4 { return }
            let (enc, bom) = Self.detect(pending)
            encoding = enc
            input = Array(pending.dropFirst(bom))
            pending = []
        } else if !pending.isEmpty {
            input = pending + input
            pending = []
        }
        switch encoding {
        case .utf8, .unknown:
            out.append(contentsOf: input)
        case .utf16LE, .utf16BE:
            let le = encoding == .utf16LE
            let n = input.count & ~1
            var i = 0
            while i < n {
                let u = le ? UInt16(input[i]) | UInt16(input[i + 1]) << 8 : UInt16(input[i]) << 8 | UInt16(input[i + 1])
                i += 2
                append(unit: u, to: &out)
            }
            if n < input.count { pending = [input[n]] }
        }
    }

    /// Flushes what is left at the end of the stream.
    mutating func finish(into out: inout [UInt8]) {
        if encoding == .unknown {
            let (enc, bom) = Self.detect(pending)
            encoding = enc
            let rest = Array(pending.dropFirst(bom))
            pending = []
            decode(rest, into: &out)
        }
        if pairing.finish() { UTF16Text.appendUTF8(0xFFFD, to: &out) }
        pending = []
    }

    private mutating func append(unit u: UInt16, to out: inout [UInt8]) {
        var unpaired = false
        let scalar = pairing.take(u, unpaired: &unpaired)
        if unpaired { UTF16Text.appendUTF8(0xFFFD, to: &out) }
        if let scalar { UTF16Text.appendUTF8(scalar, to: &out) }
    }

    /// The first bytes of a file as UTF-8 (for format sniffing).
    static func head(_ bytes: [UInt8]) -> [UInt8] {
        var d = StreamingUTF8()
        var out: [UInt8] = []
        d.decode(bytes, into: &out)
        d.finish(into: &out)
        return out
    }
}

extension Array where Element == UInt8 {
    /// The first index at or after `from` where `needle` starts.
    func firstIndex(of needle: [UInt8], from: Int = 0) -> Int? {
        guard !needle.isEmpty, count >= needle.count else { return nil }
        let first = needle[0]
        var i = from
        let last = count - needle.count
        while i <= last {
            if self[i] == first {
                var k = 1
                while k < needle.count && self[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
