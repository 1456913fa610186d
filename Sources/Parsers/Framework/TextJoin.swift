/// Lines joined with `\n` into one string: one allocation and one copy per line. In the parse
/// stage's profile `joined(separator:)` and repeated `+=` cost several hundred instructions per
/// line of a multi-line entry (a stack trace is tens of lines).
enum TextJoin {
    /// `lines[range]` joined with `\n`, the first `skip` UTF-8 bytes of the first line left out.
    static func lines(_ lines: [String], _ range: Range<Int>, skip: Int = 0) -> String {
        join(count: range.count, skip: skip) { lines[range.lowerBound + $0] }
    }

    /// `first` then `more[..<moreCount]`, joined with `\n`.
    static func lines(first: String, more: [String], moreCount: Int) -> String {
        join(count: moreCount + 1, skip: 0) { $0 == 0 ? first : more[$0 - 1] }
    }

    @inline(__always)
    private static func join(count: Int, skip: Int, _ line: (Int) -> String) -> String {
        guard count > 0 else { return "" }
        // Moved back to the start of a character it falls inside (as a `String` index would be).
        let firstBytes = line(0).utf8
        var skipped = min(max(skip, 0), firstBytes.count)
        while skipped > 0, skipped < firstBytes.count,
              firstBytes[firstBytes.index(firstBytes.startIndex, offsetBy: skipped)] & 0xC0 == 0x80 {
            skipped -= 1
        }
        var total = count - 1 - skipped
        for k in 0..<count { total += line(k).utf8.count }
        guard total > 0 else { return "" }
        return String(unsafeUninitializedCapacity: total) { out in
            var at = 0
            for k in 0..<count {
                if k > 0 {
                    out[at] = 0x0A
                    at += 1
                }
                let from = k == 0 ? skipped : 0
                let text = line(k)
                let copied = text.utf8.withContiguousStorageIfAvailable { u -> Int in
                    let n = u.count - from
                    if n > 0 { UnsafeMutableRawPointer(out.baseAddress! + at).copyMemory(from: u.baseAddress! + from, byteCount: n) }
                    return max(n, 0)
                }
                if let copied {
                    at += copied
                } else {
                    for b in text.utf8.dropFirst(from) {
                        out[at] = b
                        at += 1
                    }
                }
            }
            return at
        }
    }
}
