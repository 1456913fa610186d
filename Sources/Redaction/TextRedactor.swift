import LogRecord

/// Redacts one text file as it streams, in the file's own encoding: UTF-8 and ANSI code pages
/// byte for byte, UTF-16 LE/BE (with or without BOM) code unit for code unit. Only replaced
/// values change; line endings, BOM and every other byte are kept, so a file with nothing to
/// redact comes out byte-identical.
///
/// Chunks are cut at line ends: the bytes after a chunk's last line end wait for the next chunk
/// (at most `maxLine` bytes; a longer line is redacted in pieces).
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

    init(owner: Redactor, isConfig: Bool) {
        self.owner = owner
        state = TextState()
        state.isConfig = isConfig
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
                let flushed = process(pending)
                pending = []
                if !flushed.isEmpty { out.append(emit(flushed)) }
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
        if !buffer.isEmpty { out.append(emit(process(buffer))) }
        return out
    }

    /// Bytes left out before the next chunk handed out.
    private var gap: UInt64 = 0

    private func emit(_ bytes: [UInt8]) -> ByteChunk {
        let c = ByteChunk(bytes: bytes, skippedBefore: gap)
        gap = 0
        return c
    }

    /// What was still waiting at the end of the file.
    public func finish() -> ByteChunk? {
        guard !pending.isEmpty else { return nil }
        if encoding == .unknown { encoding = Self.detect(pending) }
        let bytes = process(pending)
        pending = []
        return emit(bytes)
    }

    /// A whole text in memory, redacted.
    public func redact(all bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for c in redact(ByteChunk(bytes: bytes)) { out += c.bytes }
        if let last = finish() { out += last.bytes }
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
            return count >= Self.maxLine ? count : 0
        }
    }

    private func process(_ bytes: [UInt8]) -> [UInt8] {
        switch encoding {
        case .utf16le, .utf16be: return processUTF16(bytes, littleEndian: encoding == .utf16le)
        default:
            let edits = bytes.withUnsafeBufferPointer { owner.edits($0, state: &state) }
            guard !edits.isEmpty else { return bytes }
            tally(edits)
            return bytes.withUnsafeBufferPointer { Self.apply(edits, to: $0) }
        }
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
