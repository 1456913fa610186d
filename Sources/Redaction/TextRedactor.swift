import CodePages
import LogRecord

/// Redacts one text file as it streams, in the file's own encoding: UTF-8 and single-byte ANSI
/// code pages byte for byte, the double-byte code pages (932, 936, 949, 950) character for
/// character, UTF-16 LE/BE (with or without BOM) code unit for code unit. Only replaced values
/// change; line endings, BOM and every other byte are kept, so a file with nothing to redact comes
/// out byte-identical.
///
/// Chunks are cut at line ends: the bytes after a chunk's last line end wait for the next chunk
/// (at most `maxLine` bytes; a longer line is redacted in pieces, cut between characters).
///
/// The code page of a file that is not UTF-8 is decided as the line decoder decides it (the same
/// `CodePageEvidence`, bounds and prior): from the first line that is not UTF-8 on, lines wait
/// until the evidence is enough, the bounds are reached or the file ends. In a double-byte page
/// the rules see each two-byte character as two 0x80 bytes (a trail byte in the ASCII range is
/// never read as a letter, quote or backslash), and every replacement covers whole characters,
/// so the copy stays valid in its code page.
public final class TextRedactor {
    enum Encoding { case unknown, narrow, utf16le, utf16be }

    /// Bytes looked at to tell the encoding.
    static let detectBytes = 512

    /// Longest line held back waiting for its end.
    public static let maxLine = 1 << 20

    private let owner: Redactor
    private var state: TextState
    private var encoding = Encoding.unknown
    private var pending: [UInt8] = []
    /// Replacements made in this file, per rule.
    public private(set) var counts = RedactionCounts()

    /// The site's ANSI code page, the prior for the code page decision.
    public let codePagePrior: CodePage?
    /// How the code page of lines that are not UTF-8 was decided (`nil`: none seen, or not yet).
    public private(set) var codePageChoice: CodePageChoice?
    /// While the code page is being decided: the evidence, and the complete lines held meanwhile
    /// (each run with the gap before it).
    private var evidence: CodePageEvidence?
    private var held: [ByteChunk] = []
    private var heldLines = 0, heldBytes = 0

    init(owner: Redactor, isConfig: Bool, codePagePrior: CodePage? = nil) {
        self.owner = owner
        state = TextState()
        state.isConfig = isConfig
        self.codePagePrior = codePagePrior
    }

    /// The redacted bytes for `chunk`: up to its last line end (what follows waits for the next
    /// chunk). A chunk after a gap (`skippedBefore`) first flushes what was waiting. May return
    /// no chunks (nothing complete yet); never returns empty ones.
    public func redact(_ chunk: ByteChunk) -> [ByteChunk] {
        if encoding == .unknown {
            // The encoding is told by the first bytes: gather enough of them first.
            if chunk.skippedBefore == 0, pending.count + chunk.bytes.count < Self.detectBytes {
                pending.append(contentsOf: chunk.bytes)
                return []
            }
            encoding = Self.detect(pending.isEmpty ? chunk.bytes : pending + chunk.bytes)
        }
        var out: [ByteChunk] = []
        var buffer: [UInt8]
        if chunk.skippedBefore > 0 {
            if !pending.isEmpty {
                let flushed = pending
                pending = []
                deliver(flushed, into: &out)
            }
            gap += chunk.skippedBefore
            buffer = chunk.bytes
        } else if pending.isEmpty {
            buffer = chunk.bytes
        } else {
            buffer = pending
            buffer.append(contentsOf: chunk.bytes)
            pending = []
        }
        let cut = cutPoint(buffer)
        if cut < buffer.count {
            pending = Array(buffer[cut...])
            buffer.removeSubrange(cut...)
        }
        deliver(buffer, into: &out)
        return out
    }

    /// Complete lines (or a piece of an over-long line) on their way out: redacted now, or held
    /// while the code page is being decided.
    private func deliver(_ buffer: [UInt8], into out: inout [ByteChunk]) {
        guard !buffer.isEmpty else { return }
        if encoding == .utf16le || encoding == .utf16be || codePageChoice != nil {
            out.append(emit(process(buffer)))
            return
        }
        var from = 0
        if evidence == nil {
            // Nothing waits: lines up to the first one that is not UTF-8 go out now.
            guard let first = Self.firstNonUTF8Line(buffer) else {
                out.append(emit(process(buffer)))
                return
            }
            if first > 0 { out.append(emit(process(Array(buffer[..<first])))) }
            evidence = CodePageEvidence()
            from = first
        }
        let rest = Array(buffer[from...])
        // Line by line, as the decoder takes them: the evidence ends where it has enough or the
        // bounds are reached, wherever the chunks were cut.
        var full = false
        Self.forEachLine(rest) { line in
            guard !full, evidence != nil else { return }
            if !Self.isUTF8(line) { line.withUnsafeBufferPointer { evidence?.add($0) } }
            heldLines += 1
            heldBytes += line.count
            full = evidence?.isEnough == true || heldLines >= CodePageEvidence.maxHeldLines
                || heldBytes >= CodePageEvidence.maxHeldBytes
        }
        held.append(ByteChunk(bytes: rest, skippedBefore: gap))
        gap = 0
        if full { decide(into: &out) }
    }

    /// Decides the code page from the evidence and redacts what was held meanwhile.
    private func decide(into out: inout [ByteChunk]) {
        guard let e = evidence else { return }
        codePageChoice = e.decide(prior: codePagePrior)
        evidence = nil
        let runs = held
        held = []
        heldLines = 0
        heldBytes = 0
        let after = gap
        for run in runs {
            gap = run.skippedBefore
            out.append(emit(process(run.bytes)))
        }
        gap = after
    }

    /// Offset of the first line of `buffer` that holds bytes above 0x7F and is not valid UTF-8.
    static func firstNonUTF8Line(_ buffer: [UInt8]) -> Int? {
        guard buffer.contains(where: { $0 >= 0x80 }), !isUTF8(buffer[...]) else { return nil }
        var found: Int?
        var start = 0
        forEachLine(buffer) { line in
            if found == nil, !isUTF8(line) { found = start }
            start += line.count + 1
        }
        return found
    }

    static func isUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) != nil }
    }

    /// Calls `body` with each line of `buffer` without its LF (a CR before it stays: the
    /// detector reads it as ASCII).
    static func forEachLine(_ buffer: [UInt8], _ body: (ArraySlice<UInt8>) -> Void) {
        var start = 0
        while start < buffer.count {
            let end = buffer[start...].firstIndex(of: 0x0A) ?? buffer.count
            body(buffer[start..<end])
            start = end + 1
        }
    }

    /// Bytes left out before the next chunk handed out.
    private var gap: UInt64 = 0

    private func emit(_ bytes: [UInt8]) -> ByteChunk {
        let c = ByteChunk(bytes: bytes, skippedBefore: gap)
        gap = 0
        return c
    }

    /// What was still waiting at the end of the file: the last line without its end, and lines
    /// held while the code page was being decided (as several chunks when a gap lies between
    /// them). Never empty chunks.
    public func finish() -> [ByteChunk] {
        if encoding == .unknown, !pending.isEmpty { encoding = Self.detect(pending) }
        var out: [ByteChunk] = []
        let last = pending
        pending = []
        deliver(last, into: &out)
        decide(into: &out)
        return out
    }

    /// A whole text in memory, redacted.
    public func redact(all bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for c in redact(ByteChunk(bytes: bytes)) { out += c.bytes }
        for c in finish() { out += c.bytes }
        return out
    }

    /// Where the complete lines of `buffer` end.
    private func cutPoint(_ buffer: [UInt8]) -> Int {
        let count = buffer.count
        switch encoding {
        case .utf16le, .utf16be:
            var i = count & ~1
            while i >= 2 {
                let lo = encoding == .utf16le ? buffer[i - 2] : buffer[i - 1]
                let hi = encoding == .utf16le ? buffer[i - 1] : buffer[i - 2]
                if lo == 0x0A && hi == 0 { return i }
                i -= 2
            }
            return count >= Self.maxLine ? count & ~1 : 0
        default:
            if let nl = buffer.lastIndex(of: 0x0A) { return nl + 1 }
            guard count >= Self.maxLine else { return 0 }
            // A piece of an over-long line: cut between characters of a double-byte page.
            guard let page = codePageChoice?.codePage, page.isDoubleByte else { return count }
            return buffer.withUnsafeBufferPointer { b in
                var i = 0
                while i < count {
                    let n = page.table.characterLength(b, at: i)
                    if i + n > count || (n == 1 && i == count - 1 && page.table.isLead(b[i])) { break }
                    i += n
                }
                return i
            }
        }
    }

    private func process(_ bytes: [UInt8]) -> [UInt8] {
        switch encoding {
        case .utf16le, .utf16be: return processUTF16(bytes, littleEndian: encoding == .utf16le)
        default:
            if let page = codePageChoice?.codePage, page.isDoubleByte {
                return processDoubleByte(bytes, page.table)
            }
            let edits = bytes.withUnsafeBufferPointer { owner.edits($0, state: &state) }
            guard !edits.isEmpty else { return bytes }
            tally(edits)
            return bytes.withUnsafeBufferPointer { Self.apply(edits, to: $0) }
        }
    }

    /// A double-byte code page: each two-byte character narrowed to two 0x80 bytes (offsets
    /// stay), the rules run on that, and each edit widened to whole characters before it is
    /// applied to the original bytes (replacements are ASCII).
    private func processDoubleByte(_ bytes: [UInt8], _ table: CodePageTable) -> [UInt8] {
        // Where characters start (`count + 1` entries; the end is a boundary).
        var starts = [Bool](repeating: false, count: bytes.count + 1)
        starts[bytes.count] = true
        var narrow = bytes
        var anyPair = false
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                starts[i] = true
                let n = table.characterLength(b, at: i)
                if n == 2 {
                    narrow[i] = 0x80
                    narrow[i + 1] = 0x80
                    anyPair = true
                }
                i += n
            }
        }
        var edits = narrow.withUnsafeBufferPointer { owner.edits($0, state: &state) }
        guard !edits.isEmpty else { return bytes }
        if anyPair {
            for k in edits.indices {
                while edits[k].start > 0 && !starts[edits[k].start] { edits[k].start -= 1 }
                while edits[k].end < bytes.count && !starts[edits[k].end] { edits[k].end += 1 }
            }
        }
        tally(edits)
        return bytes.withUnsafeBufferPointer { Self.apply(edits, to: $0) }
    }

    private func tally(_ edits: [RedactionEdit]) {
        var c = RedactionCounts()
        for e in edits where e.counted { c[e.rule] += 1 }
        counts.add(c)
        owner.count(c)
    }

    /// UTF-16: each code unit narrowed to one byte (ASCII as is, anything else 0x80), the rules
    /// run on that, and the edits applied to the code units (replacements are ASCII).
    private func processUTF16(_ bytes: [UInt8], littleEndian: Bool) -> [UInt8] {
        let units = bytes.count / 2
        let narrow = [UInt8](unsafeUninitializedCapacity: units) { out, initialized in
            bytes.withUnsafeBufferPointer { b in
                guard let src = b.baseAddress, let dst = out.baseAddress else { return }
                let (l, h) = littleEndian ? (0, 1) : (1, 0)
                for u in 0..<units {
                    let lo = src[2 &* u &+ l], hi = src[2 &* u &+ h]
                    dst[u] = (hi == 0 && lo < 0x80) ? lo : 0x80
                }
            }
            initialized = units
        }
        let edits = narrow.withUnsafeBufferPointer { owner.edits($0, state: &state) }
        guard !edits.isEmpty else { return bytes }
        tally(edits)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var at = 0
        for e in edits where e.start >= at {
            out.append(contentsOf: bytes[(2 * at)..<(2 * e.start)])
            for c in e.replacement {
                if littleEndian { out.append(c); out.append(0) } else { out.append(0); out.append(c) }
            }
            at = e.end
        }
        out.append(contentsOf: bytes[(2 * at)...])
        return out
    }

    /// `buffer` with `edits` (sorted, not overlapping) applied.
    static func apply(_ edits: [RedactionEdit], to buffer: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count + 64)
        var at = 0
        for e in edits where e.start >= at {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[at..<e.start]))
            out.append(contentsOf: e.replacement)
            at = e.end
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[at...]))
        return out
    }

    /// UTF-16 by BOM, else by where the zero bytes fall in the first 512 bytes; anything else is
    /// taken as an ASCII-compatible encoding.
    static func detect(_ head: [UInt8]) -> Encoding {
        if head.starts(with: [0xFF, 0xFE]) { return .utf16le }
        if head.starts(with: [0xFE, 0xFF]) { return .utf16be }
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { return .narrow }
        let n = min(head.count, 512) & ~1
        guard n >= 4 else { return .narrow }
        var evenZeros = 0, oddZeros = 0
        for i in stride(from: 0, to: n, by: 2) {
            if head[i] == 0 { evenZeros += 1 }
            if head[i + 1] == 0 { oddZeros += 1 }
        }
        let pairs = n / 2
        if oddZeros * 10 >= pairs * 7 && evenZeros * 10 < pairs { return .utf16le }
        if evenZeros * 10 >= pairs * 7 && oddZeros * 10 < pairs { return .utf16be }
        return .narrow
    }
}
