/// Turns a log message into its template: the parts that vary between repeats of "the same"
/// message are replaced by placeholders, so that the repeats group together.
///
/// Only the first line is used (at most `inputLimit` bytes). Replaced, in this order of checks at
/// the start of each token:
/// - quoted text `'…'`, `"…"`, `“…”` (on one line) → `'<str>'`, `"<str>"`, `“<str>”`
/// - GUIDs (`8-4-4-4-12` hex digits, braces optional) → `<guid>`
/// - Windows paths (`C:\…`, `\\server\share…`) and absolute paths with two or more `/` → `<path>`
/// - IPv4 addresses (optionally `:port`) and IPv6 addresses (with `::` or eight groups) → `<ip>`
/// - `0x…` hex numbers and hex words of 8+ digits that mix letters and digits → `<hex>`
/// - numbers standing alone (not glued to letters; decimals included) → `<n>`
///
/// Words with digits inside (`Win32Exception`, `MSSQL15`) are kept. Deterministic; O(length).
public enum MessageTemplate {
    /// Bytes of the first line looked at.
    public static let inputLimit = 300

    public static func make(_ message: String) -> String {
        // The first line, at most `inputLimit` bytes, copied in one piece.
        var bytes: [UInt8] = message.utf8.withContiguousStorageIfAvailable { buf in
            let limit = min(buf.count, inputLimit)
            var end = 0
            while end < limit, buf[end] != 0x0A, buf[end] != 0x0D { end += 1 }
            return Array(buf[0..<end])
        } ?? Array(message.utf8.prefix { $0 != 0x0A && $0 != 0x0D }.prefix(inputLimit))
        // Do not end inside a UTF-8 sequence.
        if bytes.count >= inputLimit {
            while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }
            if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }
        }
        return bytes.withUnsafeBufferPointer { template($0) }
    }

    /// The template of one line's bytes. Read through a buffer pointer: as an array passed to the
    /// helpers, the bytes were retained and released at every token.
    static func template(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        let n = bytes.count
        var i = 0
        func put(_ s: StaticString) { s.withUTF8Buffer { out.append(contentsOf: $0) } }
        while i < n {
            let c = bytes[i]
            let atTokenStart = i == 0 || !isWordByte(bytes[i - 1])
            // Quoted text.
            if c == 0x27 || c == 0x22, atTokenStart {
                if let end = find(c, in: bytes, from: i + 1), end > i + 1 {
                    out.append(c); put("<str>"); out.append(c)
                    i = end + 1
                    continue
                }
            }
            if c == 0xE2, i + 2 < n, bytes[i + 1] == 0x80, bytes[i + 2] == 0x9C {  // “
                var j = i + 3
                var found = -1
                while j + 2 < n {
                    if bytes[j] == 0xE2, bytes[j + 1] == 0x80, bytes[j + 2] == 0x9D { found = j; break }
                    j += 1
                }
                if found > i + 3 {
                    out.append(contentsOf: [0xE2, 0x80, 0x9C]); put("<str>"); out.append(contentsOf: [0xE2, 0x80, 0x9D])
                    i = found + 3
                    continue
                }
            }
            guard atTokenStart else { out.append(c); i += 1; continue }
            // GUID, with or without braces.
            let g = c == 0x7B ? i + 1 : i
            if let end = guidEnd(bytes, g) {
                var e = end
                if c == 0x7B, e < n, bytes[e] == 0x7D { e += 1 }
                if e >= n || !isWordByte(bytes[e]) {
                    put("<guid>")
                    i = e
                    continue
                }
            }
            // Windows drive or UNC path.
            if (isLetter(c) && i + 2 < n && bytes[i + 1] == 0x3A && bytes[i + 2] == 0x5C)
                || (c == 0x5C && i + 2 < n && bytes[i + 1] == 0x5C && isWordByte(bytes[i + 2])) {
                put("<path>")
                i = windowsPathEnd(bytes, i)
                continue
            }
            // Absolute path with at least two slashes.
            if c == 0x2F, i + 1 < n, isWordByte(bytes[i + 1]) {
                let end = pathEnd(bytes, i)
                var slashes = 0
                for k in i..<end where bytes[k] == 0x2F { slashes += 1 }
                if slashes >= 2 {
                    put("<path>")
                    i = end
                    continue
                }
            }
            // 0x hex.
            if c == 0x30, i + 2 < n, bytes[i + 1] | 0x20 == 0x78, isHex(bytes[i + 2]) {
                var j = i + 2
                while j < n, isHex(bytes[j]) { j += 1 }
                if j >= n || !isWordByte(bytes[j]) {
                    put("<hex>")
                    i = j
                    continue
                }
            }
            // A run of hex digits, colons, dots and percent: addresses, hex words, numbers.
            if isHex(c) || c == 0x3A {
                var j = i
                while j < n, isHex(bytes[j]) || bytes[j] == 0x3A || bytes[j] == 0x2E || bytes[j] == 0x25 { j += 1 }
                // A trailing '.', ':' or '%' is punctuation, not part of the token.
                var end = j
                while end > i, bytes[end - 1] == 0x2E || bytes[end - 1] == 0x3A || bytes[end - 1] == 0x25 { end -= 1 }
                let boundary = j >= n || !isWordByte(bytes[j])
                if boundary, end > i {
                    let run = bytes[i..<end]
                    if isIPv4(run) || isIPv6(run) {
                        put("<ip>")
                        i = end
                        continue
                    }
                    let hexWord = run.count >= 8 && run.allSatisfy(isHex)
                        && run.contains(where: isDigit) && run.contains(where: isLetter)
                    if hexWord {
                        put("<hex>")
                        i = end
                        continue
                    }
                }
            }
            // A number standing alone.
            if isDigit(c) {
                var j = i
                while j < n, isDigit(bytes[j]) { j += 1 }
                while j + 1 < n, bytes[j] == 0x2E || bytes[j] == 0x2C, isDigit(bytes[j + 1]) {
                    j += 1
                    while j < n, isDigit(bytes[j]) { j += 1 }
                }
                if j >= n || !isWordByte(bytes[j]) {
                    put("<n>")
                    i = j
                    continue
                }
                // Glued to letters (e.g. "32bit"): keep the whole word.
                while j < n, isWordByte(bytes[j]) { j += 1 }
                out.append(contentsOf: bytes[i..<j])
                i = j
                continue
            }
            // Any other word: copy whole, so digits inside it stay.
            if isWordByte(c) {
                var j = i
                while j < n, isWordByte(bytes[j]) { j += 1 }
                out.append(contentsOf: bytes[i..<j])
                i = j
                continue
            }
            out.append(c)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }
    /// Letters, digits, `_`, and any non-ASCII byte (letters of other scripts).
    @inline(__always) static func isWordByte(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) || b == 0x5F || b >= 0x80 }

    static func find(_ q: UInt8, in b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var j = from
        while j < b.count {
            if b[j] == q { return j }
            j += 1
        }
        return nil
    }

    /// End of a path: the next space, tab, quote, `,`, `;`, `(`, `)`, `<`, `>` or `|`; a final `.` is
    /// left as punctuation.
    static func pathEnd(_ b: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var j = start
        while j < b.count {
            switch b[j] {
            case 0x20, 0x09, 0x22, 0x27, 0x2C, 0x3B, 0x28, 0x29, 0x3C, 0x3E, 0x7C: return trimDot(b, start, j)
            default: j += 1
            }
        }
        return trimDot(b, start, j)
    }

    /// End of a Windows path, which may hold spaces (`C:\\Program Files (x86)\\AMT\\x.log`): it
    /// runs to the last `\\` before any quote, `,`, `;`, `|`, `<` or `>`, then to the end of that
    /// last segment (a space, tab, `)` or one of those characters).
    static func windowsPathEnd(_ b: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var stop = start
        var lastSlash = start
        while stop < b.count {
            let c = b[stop]
            if c == 0x22 || c == 0x27 || c == 0x2C || c == 0x3B || c == 0x7C || c == 0x3C || c == 0x3E { break }
            if c == 0x5C { lastSlash = stop }
            stop += 1
        }
        var j = lastSlash + 1
        while j < stop, b[j] != 0x20, b[j] != 0x09, b[j] != 0x29 { j += 1 }
        return trimDot(b, start, j)
    }

    static func trimDot(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        end > start + 1 && b[end - 1] == 0x2E ? end - 1 : end
    }

    /// End index of a GUID starting at `i`, or nil.
    static func guidEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        // Fixed width: the dashes' places are checked first (it runs at every token start).
        guard i >= 0, i + 36 <= b.count, b[i + 8] == 0x2D, b[i + 13] == 0x2D, b[i + 18] == 0x2D, b[i + 23] == 0x2D
        else { return nil }
        for j in i..<(i + 36) where j != i + 8 && j != i + 13 && j != i + 18 && j != i + 23 {
            guard isHex(b[j]) else { return nil }
        }
        return i + 36
    }

    /// `d.d.d.d` with each part 0…255, optionally `:port`. One pass, no allocation (it runs for
    /// every dotted number in every warning and error message).
    static func isIPv4<Run: Collection<UInt8>>(_ run: Run) -> Bool where Run.Index == Int {
        var octets = 0
        var digits = 0
        var value = 0
        var i = run.startIndex
        while i < run.endIndex {
            let c = run[i]
            if isDigit(c) {
                digits += 1
                value = value * 10 + Int(c - 0x30)
                if digits > 3 || value > 255 { return false }
            } else if c == 0x2E || c == 0x3A {
                guard digits > 0 else { return false }
                octets += 1
                digits = 0
                value = 0
                if c == 0x3A {
                    // `:port`: digits to the end, after exactly four octets.
                    guard octets == 4 else { return false }
                    let port = run[(i + 1)...]
                    return !port.isEmpty && port.allSatisfy(isDigit)
                }
                if octets > 3 { return false }
            } else {
                return false
            }
            i += 1
        }
        return digits > 0 && octets == 3
    }

    /// Hex groups of at most four digits separated by `:`, either eight groups or with one `::`;
    /// optionally an IPv4 tail and a `%zone`.
    static func isIPv6<Run: Collection<UInt8>>(_ run: Run) -> Bool where Run.Index == Int, Run.SubSequence == Run {
        var body = run
        if let pct = body.firstIndex(of: 0x25) { body = body[..<pct] }
        let colons = body.reduce(0) { $0 + ($1 == 0x3A ? 1 : 0) }
        guard colons >= 2 else { return false }
        let groups = body.split(separator: 0x3A, omittingEmptySubsequences: false)
        var hasDouble = false
        var prevEmpty = false
        var count = 0
        for (k, g) in groups.enumerated() {
            if g.isEmpty {
                if prevEmpty || (k > 0 && k < groups.count - 1) { hasDouble = true }
                prevEmpty = true
                continue
            }
            prevEmpty = false
            if k == groups.count - 1, g.contains(0x2E) {
                guard isIPv4(g) else { return false }
                count += 2
                continue
            }
            guard g.count <= 4, g.allSatisfy(isHex) else { return false }
            count += 1
        }
        // At least one group with a hex letter or a '::', so times like 10:41:19 are not addresses.
        if hasDouble { return count <= 7 }
        return count == 8
    }
}
