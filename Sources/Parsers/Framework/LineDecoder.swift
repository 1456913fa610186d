import CodePages
import LogRecord

/// One decoded line of a text source.
public struct TextLine: Sendable, Equatable {
    /// The line without its terminator; NUL characters removed.
    public var text: String
    /// 1-based line number in the source; `nil` after a gap (a size cap left bytes out) because the
    /// count of lines left out is not known.
    public var number: Int?
    /// `true` for the first line after a gap: no entry may be joined across it.
    public var afterGap: Bool

    public init(text: String, number: Int?, afterGap: Bool = false) {
        self.text = text
        self.number = number
        self.afterGap = afterGap
    }
}

/// Turns a stream of bytes into lines, whatever the encoding and however the bytes are split.
///
/// - Encoding: BOM (UTF-8, UTF-16LE/BE), UTF-16 without BOM by NUL pattern, else UTF-8 per line
///   with lines that are not valid UTF-8 decoded as a legacy Windows code page (`CodePage`),
///   chosen once per source: from the first such line on, lines are held back (at most
///   `CodePageEvidence.maxHeldLines` lines or `maxHeldBytes` bytes) while the non-UTF-8 lines
///   are gathered as evidence, then the page is decided (`CodePageEvidence.decide(prior:)`, the
///   site's ANSI code page as the prior) and the held lines are emitted in order. Valid UTF-8
///   text never reaches the detector.
/// - Terminators: CRLF, LF and bare CR each end a line. A last line without terminator is emitted.
/// - NUL characters (embedded, or thousands of trailing NULs) are dropped; a line made only of
///   NULs is not emitted at all, so NUL padding yields no empty records.
/// - Lines are bounded: bytes beyond `maxLineBytes` are dropped and counted.
/// - The output is identical whether input arrives whole, byte by byte or split at random.
public struct LineDecoder {
    public let maxLineBytes: Int
    /// The encoding decided from the first bytes (valid after the first line is emitted).
    public private(set) var encoding: TextEncoding = .utf8
    /// The site's ANSI code page, the prior for the code page decision (`nil`: not known).
    public let codePagePrior: CodePage?
    /// The code page used for lines that were not UTF-8, once decided.
    public private(set) var legacyCodePage: CodePage?
    /// How `legacyCodePage` was decided.
    public private(set) var codePageChoice: CodePageChoice?
    /// Lines decoded with `legacyCodePage`.
    public private(set) var legacyLines = 0
    /// Byte sequences of those lines that are not characters of the code page (each became U+FFFD).
    public private(set) var invalidSequences = 0
    /// Lines longer than `maxLineBytes`.
    public private(set) var linesTruncated = 0
    /// Bytes dropped by the line limit or at a gap.
    public private(set) var bytesDropped: Int64 = 0
    /// Lines emitted.
    public private(set) var linesEmitted = 0

    private var detected = false
    private var head: [UInt8] = []
    private var line: [UInt8] = []
    private var lineHadContent = false
    private var lineOverflow = false
    private var lineIsUTF8Valid = true     // only meaningful for UTF-16 transcoded lines
    private var lastWasCR = false
    /// The current line was already emitted straight from the input; its terminator only resets.
    private var emittedInPlace = false
    private var nextNumber: Int? = 1
    private var pendingGap = false
    private var skippingToLineEnd = false
    private var oddByte: UInt8?
    private var pairing = UTF16Text.Pairing()
    private var absoluteOffset: UInt64 = 0
    private var bomLength = 0
    /// While the code page is being decided: the evidence, and the lines held back meanwhile.
    private var evidence: CodePageEvidence?
    private var held: [HeldLine] = []
    private var heldBytes = 0

    /// A line framed while the code page was not decided yet.
    private struct HeldLine {
        /// Decoded already (ASCII or valid UTF-8), or `nil`: `bytes` wait for the code page.
        var text: String?
        var bytes: [UInt8]
        var number: Int?
        var afterGap: Bool
    }

    public init(maxLineBytes: Int = 1 << 20, codePagePrior: CodePage? = nil) {
        self.maxLineBytes = max(16, maxLineBytes)
        self.codePagePrior = codePagePrior
    }

    /// A description of the encoding for the manifest, e.g. `utf-16le` or
    /// `utf-8 (+12 lines windows-1252)`.
    public var encodingDescription: String {
        if let cp = legacyCodePage, legacyLines > 0 {
            if legacyLines == linesEmitted { return cp.name }
            return "\(encoding.rawValue) (+\(legacyLines) lines \(cp.name))"
        }
        return encoding.rawValue
    }

    /// The encoding and how it was decided, for the manifest: `bom`, `nul-pattern` (UTF-16
    /// without BOM), `valid-utf8`, or for a source with lines in a legacy code page how that was
    /// chosen (`detector`, `site-prior`, `default`) with the detector's words.
    public var encodingUse: EncodingUse {
        if let cp = legacyCodePage, let choice = codePageChoice, legacyLines > 0 {
            var detail = choice.detail
            if legacyLines < linesEmitted { detail += "; \(legacyLines) of \(linesEmitted) lines in \(cp.name), the others \(encoding.rawValue)" }
            if invalidSequences > 0 { detail += "; \(invalidSequences) invalid sequence\(invalidSequences == 1 ? "" : "s") read as U+FFFD" }
            if encoding == .utf8BOM { detail = "UTF-8 BOM; " + detail }
            return EncodingUse(name: cp.name, decided: choice.how.rawValue, detail: detail)
        }
        switch encoding {
        case .utf8: return EncodingUse(name: encoding.rawValue, decided: "valid-utf8")
        case .utf8BOM, .utf16LE, .utf16BE: return EncodingUse(name: encoding.rawValue, decided: "bom")
        case .utf16LENoBOM, .utf16BENoBOM: return EncodingUse(name: encoding.rawValue, decided: "nul-pattern")
        }
    }

    /// Feeds a chunk; calls `emit` for every line completed by it.
    public mutating func push(_ chunk: ByteChunk, emit: (TextLine) throws -> Void) rethrows {
        if chunk.skippedBefore > 0 {
            if !detected { try detectNow(emit: emit) }
            try flushLine(emit: emit, force: false)
            oddByte = nil
            _ = pairing.finish()
            absoluteOffset += chunk.skippedBefore
            bytesDropped += Int64(chunk.skippedBefore)
            pendingGap = true
            skippingToLineEnd = true
            nextNumber = nil
            lastWasCR = false
            var bytes = chunk.bytes[...]
            if encoding.isUTF16, (absoluteOffset - UInt64(bomLength)) % 2 == 1, !bytes.isEmpty {
                bytes = bytes.dropFirst()
                bytesDropped += 1
                absoluteOffset += 1
            }
            try consume(bytes, emit: emit)
            return
        }
        if !detected {
            head.append(contentsOf: chunk.bytes)
            if head.count >= 4096 { try detectNow(emit: emit) }
            return
        }
        try consume(chunk.bytes[...], emit: emit)
    }

    /// Ends the input: emits the last line if it had no terminator.
    public mutating func finish(emit: (TextLine) throws -> Void) rethrows {
        if !detected { try detectNow(emit: emit) }
        if oddByte != nil { bytesDropped += 1; oddByte = nil }
        if pairing.finish() { appendScalar(0xFFFD) }
        try flushLine(emit: emit, force: false)
        if evidence != nil { try decideCodePage(emit: emit) }
    }

    // MARK: - Internals

    private mutating func detectNow(emit: (TextLine) throws -> Void) rethrows {
        detected = true
        let (enc, bom) = TextEncoding.detect(head)
        encoding = enc
        bomLength = bom
        let bytes = head
        head = []
        absoluteOffset += UInt64(bom)
        try consume(bytes[bom...], emit: emit)
    }

    private mutating func consume(_ bytes: ArraySlice<UInt8>, emit: (TextLine) throws -> Void) rethrows {
        if encoding.isUTF16 {
            try consumeUTF16(bytes, emit: emit)
        } else {
            try consumeUTF8(bytes, emit: emit)
        }
    }

    private mutating func consumeUTF8(_ bytes: ArraySlice<UInt8>, emit: (TextLine) throws -> Void) rethrows {
        absoluteOffset += UInt64(bytes.count)
        try bytes.withUnsafeBufferPointer { buf in
            var i = 0
            let end = buf.count
            while i < end {
                let c = buf[i]
                if c == 0x0A || c == 0x0D {
                    if c == 0x0A && lastWasCR {
                        lastWasCR = false
                        i += 1
                        continue
                    }
                    lastWasCR = c == 0x0D
                    try endLine(emit: emit)
                    i += 1
                    continue
                }
                lastWasCR = false
                // Run of ordinary bytes up to the next terminator, noting NULs on the way: eight
                // bytes at a time while a word holds no control byte up to CR (that covers CR, LF
                // and NUL in one test; a word with a tab is looked at byte by byte). The bytes
                // passed over are OR-ed together to tell an ASCII run without a second pass.
                var j = i
                var sawNUL = false
                var high: UInt64 = 0
                scan: while j < end {
                    if let base = buf.baseAddress {
                        while j + 8 <= end {
                            let w = UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self)
                            if Self.hasByteBelowCRPlusOne(w) { break }
                            high |= w
                            j += 8
                        }
                    }
                    let stop = min(j + 8, end)
                    while j < stop {
                        let d = buf[j]
                        if d == 0x0A || d == 0x0D { break scan }
                        if d == 0 { sawNUL = true }
                        high |= UInt64(d)
                        j += 1
                    }
                }
                let run = UnsafeBufferPointer(rebasing: buf[i..<j])
                if j < end, line.isEmpty, !lineHadContent, !sawNUL, !skippingToLineEnd, run.count <= maxLineBytes {
                    // A whole line inside this chunk: decode it in place, no copy.
                    try emitLine(run, isASCII: high & 0x8080_8080_8080_8080 == 0, emit: emit)
                    lineHadContent = true   // consumed by the terminator that follows
                    emittedInPlace = true
                } else {
                    appendBytes(run, sawNUL: sawNUL)
                }
                i = j
            }
        }
    }

    private mutating func appendBytes(_ run: UnsafeBufferPointer<UInt8>, sawNUL: Bool) {
        if skippingToLineEnd {
            bytesDropped += Int64(run.count)
            return
        }
        lineHadContent = true
        if !sawNUL, line.count + run.count <= maxLineBytes {
            line.append(contentsOf: run)
            return
        }
        for c in run where c != 0 {
            if line.count >= maxLineBytes {
                if !lineOverflow { lineOverflow = true; linesTruncated += 1 }
                bytesDropped += 1
                continue
            }
            line.append(c)
        }
    }

    private mutating func consumeUTF16(_ bytes: ArraySlice<UInt8>, emit: (TextLine) throws -> Void) rethrows {
        absoluteOffset += UInt64(bytes.count)
        let big = encoding.isBigEndian
        let loOffset = big ? 1 : 0
        try bytes.withUnsafeBufferPointer { buf in
            var i = 0
            let end = buf.count
            if let first = oddByte, end > 0 {
                oddByte = nil
                let lo = big ? buf[0] : first, hi = big ? first : buf[0]
                i = 1
                if takeUnit(UInt16(hi) << 8 | UInt16(lo)) { try endLine(emit: emit) }
            }
            while i < end {
                guard i + 1 < end else { oddByte = buf[i]; i += 1; break }
                // Fast path: a run of printable ASCII (and tab) units, narrowed in one go while the
                // line has room.
                if pairing.high == nil, !skippingToLineEnd, line.count < maxLineBytes {
                    var j = i
                    if !big, let base = buf.baseAddress {
                        // Four little-endian units at a time: high bytes zero, low bytes 0x20–0x7F.
                        while j + 8 <= end {
                            let w = UInt64(littleEndian: UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self))
                            guard Self.isPrintableASCIIUnits(w) else { break }
                            j += 8
                        }
                    }
                    while j + 1 < end {
                        let lo = buf[j + loOffset], hi = buf[j + 1 - loOffset]
                        if hi != 0 || lo >= 0x80 || (lo < 0x20 && lo != 0x09) { break }
                        j += 2
                    }
                    let take = min((j - i) / 2, maxLineBytes - line.count)
                    if take > 0 {
                        let old = line.count
                        line.append(contentsOf: repeatElement(0, count: take))
                        line.withUnsafeMutableBufferPointer { dst in
                            var k = i + loOffset
                            var d = old
                            if !big, let src = buf.baseAddress, let out = dst.baseAddress {
                                // Four units to four bytes per step.
                                while d + 4 <= old + take {
                                    let w = UInt64(littleEndian: UnsafeRawPointer(src + k).loadUnaligned(as: UInt64.self))
                                    UnsafeMutableRawPointer(out + d).storeBytes(of: UTF16Text.narrow(w).littleEndian, as: UInt32.self)
                                    d += 4
                                    k += 8
                                }
                            }
                            while d < old + take {
                                dst[d] = buf[k]
                                k += 2
                                d += 1
                            }
                        }
                        i += take * 2
                        lineHadContent = true
                        lastWasCR = false
                        continue
                    }
                }
                let lo = buf[i + loOffset], hi = buf[i + 1 - loOffset]
                i += 2
                if takeUnit(UInt16(hi) << 8 | UInt16(lo)) { try endLine(emit: emit) }
            }
        }
    }

    /// `true` when the four little-endian UTF-16 units in `w` are all printable ASCII (U+0020 to
    /// U+007F; tabs and everything else take the unit-by-unit path).
    @inline(__always)
    static func isPrintableASCIIUnits(_ w: UInt64) -> Bool {
        guard UTF16Text.isASCII(w) else { return false }
        // A guard bit per 16-bit lane keeps the subtraction from borrowing across lanes: the bit
        // survives exactly when the lane's value is at least 0x20.
        let x = (w | 0x8000_8000_8000_8000) &- 0x0020_0020_0020_0020
        return x & 0x8000_8000_8000_8000 == 0x8000_8000_8000_8000
    }

    /// `true` when a byte of `w` is zero.
    @inline(__always)
    static func hasZeroByte(_ w: UInt64) -> Bool {
        (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080 != 0
    }

    /// `true` when a byte of `w` is below 0x0E (NUL, tab, LF, CR and the other low controls).
    @inline(__always)
    static func hasByteBelowCRPlusOne(_ w: UInt64) -> Bool {
        (w &- 0x0E0E_0E0E_0E0E_0E0E) & ~w & 0x8080_8080_8080_8080 != 0
    }

    /// Takes one UTF-16 code unit; returns `true` when it ends a line (the caller then calls
    /// `endLine`). Kept free of the `emit` closure so that the per-unit path does not carry the
    /// closure's captures (measured: passing it here made UTF-16 decoding ~10x slower in `TextParsing`).
    private mutating func takeUnit(_ unit: UInt16) -> Bool {
        var unpaired = false
        let taken = pairing.take(unit, unpaired: &unpaired)
        if unpaired { appendScalar(0xFFFD) }
        guard let scalar = taken else {
            // A high surrogate, kept for the next unit.
            lastWasCR = false
            return false
        }
        switch scalar {
        case 0x0A:
            if lastWasCR { lastWasCR = false; return false }
            lastWasCR = false
            return true
        case 0x0D:
            lastWasCR = true
            return true
        case 0:
            lastWasCR = false
            return false
        default:
            appendScalar(scalar)
        }
        lastWasCR = false
        return false
    }

    private mutating func appendScalar(_ v: UInt32) {
        lastWasCR = false
        if skippingToLineEnd {
            bytesDropped += 2
            return
        }
        lineHadContent = true
        let needed = UTF16Text.utf8Count(v)
        if line.count + needed > maxLineBytes {
            if !lineOverflow { lineOverflow = true; linesTruncated += 1 }
            bytesDropped += Int64(needed)
            return
        }
        UTF16Text.appendUTF8(v, to: &line)
    }

    /// A terminator was seen.
    private mutating func endLine(emit: (TextLine) throws -> Void) rethrows {
        if emittedInPlace {
            emittedInPlace = false
            lineHadContent = false
            return
        }
        if skippingToLineEnd {
            skippingToLineEnd = false
            line.removeAll(keepingCapacity: true)
            lineHadContent = false
            lineOverflow = false
            return
        }
        try flushLine(emit: emit, force: true)
    }

    /// Emits the current line. With `force` false (end of input, or before a gap) an empty line is
    /// not emitted.
    private mutating func flushLine(emit: (TextLine) throws -> Void, force: Bool) rethrows {
        if skippingToLineEnd { return }
        let onlyNULs = line.isEmpty && lineHadContent
        defer {
            line.removeAll(keepingCapacity: true)
            lineHadContent = false
            lineOverflow = false
        }
        if line.isEmpty && (!force || onlyNULs) {
            if force, let n = nextNumber { nextNumber = n + 1 }
            return
        }
        // Lend the line's storage out while it is emitted (no copy), and take it back emptied.
        var bytes: [UInt8] = []
        swap(&bytes, &line)
        defer {
            bytes.removeAll(keepingCapacity: true)
            swap(&bytes, &line)
        }
        try bytes.withUnsafeBufferPointer { try emitLine($0, isASCII: nil, emit: emit) }
    }

    /// `true` when every byte is below 0x80 (eight at a time).
    @inline(__always)
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        var acc: UInt64 = 0
        while i + 8 <= n {
            acc |= UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            i += 8
        }
        var tail: UInt8 = 0
        while i < n { tail |= base[i]; i += 1 }
        return acc & 0x8080_8080_8080_8080 == 0 && tail & 0x80 == 0
    }

    /// Decodes one complete line's bytes (UTF-8, or transcoded UTF-16) and emits it. `isASCII`
    /// is what the caller already knows of the bytes (`nil`: not known, they are looked at).
    private mutating func emitLine(_ bytes: UnsafeBufferPointer<UInt8>, isASCII: Bool?,
                                   emit: (TextLine) throws -> Void) rethrows {
        let text: String?
        if encoding.isUTF16 || (isASCII ?? Self.isASCII(bytes)) {
            text = String(decoding: bytes, as: UTF8.self)
        } else if let valid = String(validating: bytes, as: UTF8.self) {
            text = valid
        } else if let cp = legacyCodePage {
            legacyLines += 1
            text = cp.decode(bytes, invalid: &invalidSequences)
        } else {
            // The first line that is not UTF-8: hold lines back until the code page is decided.
            if evidence == nil { evidence = CodePageEvidence() }
            evidence?.add(bytes)
            text = nil
        }
        let number = nextNumber
        if let n = nextNumber { nextNumber = n + 1 }
        let gap = pendingGap
        pendingGap = false
        linesEmitted += 1
        guard let evidence else {
            try emit(TextLine(text: text ?? "", number: number, afterGap: gap))
            return
        }
        held.append(HeldLine(text: text, bytes: text == nil ? Array(bytes) : [], number: number, afterGap: gap))
        heldBytes += bytes.count
        if evidence.isEnough || held.count >= CodePageEvidence.maxHeldLines || heldBytes >= CodePageEvidence.maxHeldBytes {
            try decideCodePage(emit: emit)
        }
    }

    /// Decides the code page from the evidence gathered and emits the lines held meanwhile.
    private mutating func decideCodePage(emit: (TextLine) throws -> Void) rethrows {
        guard let gathered = evidence else { return }
        let choice = gathered.decide(prior: codePagePrior)
        codePageChoice = choice
        legacyCodePage = choice.codePage
        evidence = nil
        var lines: [HeldLine] = []
        swap(&lines, &held)
        heldBytes = 0
        for line in lines {
            let text: String
            if let decoded = line.text {
                text = decoded
            } else {
                legacyLines += 1
                text = choice.codePage.decode(line.bytes, invalid: &invalidSequences)
            }
            try emit(TextLine(text: text, number: line.number, afterGap: line.afterGap))
        }
    }
}
