import LogRecord

/// The direct JSON Lines path: a compiled template's record written straight from the
/// substitution values as the line `JSONLinesWriter` writes for the `Record` that
/// `Plan.record` builds — the same bytes (a test checks it on every sample), without building
/// the `Record`, its strings and arrays.

/// What appending a source's text gave.
enum PieceText {
    /// No piece had a value (nothing was appended).
    case absent
    /// Text was appended.
    case present
    /// Exactly one piece had a value and it is an array (its flat text was appended).
    case array(XValue)

    @inline(__always) var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }
}

/// What the pieces of one source gave, taken piece by piece: nothing, the one piece's result, or
/// text from several.
struct PieceTally {
    private var present = 0
    private var last = PieceText.absent

    @inline(__always) mutating func add(_ r: PieceText) {
        if r.isAbsent { return }
        present += 1
        last = r
    }

    @inline(__always) var result: PieceText {
        present == 0 ? .absent : present == 1 ? last : .present
    }
}

/// One flattened `EventData` / `UserData` entry of the record being written: its key (a plan
/// entry's, or text in the arena) and its value's text in the arena.
struct DataRef {
    /// Index of the plan entry whose key this is; -1: the key is `keyStart ..< keyStart + keyLen`
    /// of the arena.
    var planKey: Int32
    var keyStart: Int32
    var keyLen: Int32
    var valueStart: Int32
    var valueLen: Int32
}

/// Where the message of the record being written holds an entry's key and value, escaped: start
/// and count in the output; count -1 when the message changed the text (line breaks).
struct EscapedEntry {
    var keyStart: Int32
    var keyCount: Int32
    var valueStart: Int32
    var valueCount: Int32
}

/// Scratch space of the direct JSON path, reused from record to record.
struct JSONScratch {
    /// Values' UTF-8 text (and keys made at run time).
    var arena = OutBytes(capacity: 1 << 16, zeroed: true)
    var refs: [DataRef] = []
    /// Per entry: where the message holds its key and value escaped, to be copied again.
    var escaped: [EscapedEntry] = []
    /// The path of the element being flattened (`Flatten.userDataRefs`).
    var path = OutBytes(capacity: 1024)
    /// The record's nested `UserData` value, when it is plain elements.
    var fragment = FragmentTree()
    var groups: [Int] = []
    var memo = TextMemo()

    func free() {
        memo.free()
        arena.free()
        path.free()
        fragment.text.free()
    }
}

/// What every record of one file shares.
struct JSONFileContext {
    /// `"path"` (escaped, quoted), or empty when there is no path.
    var filePath: [UInt8]
    var hostName: String?

    init(_ context: ParseContext) {
        var out = OutBytes(capacity: 256)
        out.jsonString(context.sourcePath)
        filePath = Array(out.bytes)
        out.free()
        hostName = context.hostName
    }
}

extension ValueCache {
    /// Appends the flat text of substitution `i` (what `get(i)?.flat` gives) to `a`; same
    /// `ok` as `get`.
    @inline(__always)
    mutating func appendText(_ i: Int, optional: Bool, _ ok: inout Bool, into a: inout OutBytes) -> PieceText {
        guard i < subs.count else {
            if !optional { ok = false }
            return .absent
        }
        let s = subs[i]
        let o = Int(s.offset), n = Int(s.size)
        guard n >= 0, view.has(o, n) else { ok = false; return .absent }
        let b = view.base
        switch s.type {
        case ValueType.string:
            var u = n / 2
            while u > 0, b[o + 2 * (u - 1)] == 0, b[o + 2 * (u - 1) + 1] == 0 { u -= 1 }
            a.utf16(b, offset: o, units: u)
            return .present
        case ValueType.null:
            return .absent
        case ValueType.guid:
            if n == 0 { return .absent }
            guard n >= 16 else { ok = false; return .absent }
            a.guid(b, o)
            return .present
        case ValueType.sid:
            if n == 0 { return .absent }
            guard n >= 8 else { ok = false; return .absent }
            let subCount = Int(b[o + 1])
            guard 8 + 4 * subCount <= n else { ok = false; return .absent }
            a.literal("S-")
            a.decimal(Int64(b[o]))
            var authority: UInt64 = 0
            for k in 0..<6 { authority = authority << 8 | UInt64(b[o + 2 + k]) }
            a.byte(UInt8(ascii: "-"))
            a.decimal(authority)
            for k in 0..<subCount {
                a.byte(UInt8(ascii: "-"))
                a.decimal(Int64(view.u32(o + 8 + 4 * k) ?? 0))
            }
            return .present
        case ValueType.binary:
            if n == 0 { return .absent }
            a.hexBytes(b, o, n)
            return .present
        case ValueType.sizeT:
            if n == 0 { return .absent }
            if n == 4 { a.hex(UInt64(view.u32(o) ?? 0)); return .present }
            if n == 8 { a.hex(view.u64(o) ?? 0); return .present }
            ok = false
            return .absent
        case ValueType.uint8, ValueType.int8, ValueType.uint16, ValueType.int16, ValueType.uint32,
             ValueType.int32, ValueType.uint64, ValueType.int64, ValueType.hexInt32, ValueType.hexInt64,
             ValueType.fileTime, ValueType.bool:
            if n == 0 { return .absent }
            guard let w = ValueType.width(s.type), n >= w else { ok = false; return .absent }
            switch s.type {
            case ValueType.uint8: a.decimal(Int64(b[o]))
            case ValueType.int8: a.decimal(Int64(Int8(bitPattern: b[o])))
            case ValueType.uint16: a.decimal(Int64(view.u16(o) ?? 0))
            case ValueType.int16: a.decimal(Int64(Int16(bitPattern: view.u16(o) ?? 0)))
            case ValueType.uint32: a.decimal(Int64(view.u32(o) ?? 0))
            case ValueType.int32: a.decimal(Int64(Int32(bitPattern: view.u32(o) ?? 0)))
            case ValueType.uint64: a.decimal(view.u64(o) ?? 0)
            case ValueType.int64: a.decimal(Int64(bitPattern: view.u64(o) ?? 0))
            case ValueType.hexInt32: a.hex(UInt64(view.u32(o) ?? 0))
            case ValueType.hexInt64: a.hex(view.u64(o) ?? 0)
            case ValueType.fileTime: a.fileTime(view.u64(o) ?? 0)
            default:
                let x = view.u32(o) ?? 0
                if x == 0 { a.literal("false") } else if x == 1 { a.literal("true") } else { a.decimal(Int64(x)) }
            }
            return .present
        default:
            guard let v = get(i, optional: optional, &ok) else { return .absent }
            a.text(v.flat)
            if case .array = v { return .array(v) }
            return .present
        }
    }
}

extension Plan {
    /// The entries for the direct JSON path, in arrays of plain values (read without reference
    /// counting): their keys, raw UTF-8 (for the message) and as JSON literals, in one array;
    /// their sources' pieces; the constant pieces' text.
    final class Keys {
        /// A piece of a source: kind 0 constant (`constants[index ..< index + count]`), 1 outer
        /// substitution `index`, 2 nested substitution `index`, 3 nested binary XML.
        struct Piece {
            var kind: UInt8
            var optional: Bool
            var index: Int32
            var count: Int32
        }

        struct Flat {
            var mode: Mode
            var pieceStart: Int32
            var pieceCount: Int32
        }

        /// Where an entry's key stands in `bytes`: as raw UTF-8 and as a JSON string literal.
        struct Span {
            var rawStart: Int
            var rawCount: Int
            var jsonStart: Int
            var jsonCount: Int
        }

        /// Pieces `start ..< start + count` of `pieces`; count -1: no source.
        struct PieceRange {
            var start: Int32
            var count: Int32
        }

        let bytes: [UInt8]
        let spans: [Span]
        /// Per entry: whether the key holds a line break (else the message shows it as its JSON
        /// literal, without the quotes).
        let keyBreaks: [Bool]
        /// Owned here (freed with this object).
        let entries: UnsafeMutableBufferPointer<Flat>
        let pieces: UnsafeMutableBufferPointer<Piece>
        let constants: UnsafeMutableBufferPointer<UInt8>
        /// The `System` fields' pieces, by `SystemField` raw value.
        let system: UnsafeMutableBufferPointer<PieceRange>

        deinit {
            entries.deallocate()
            pieces.deallocate()
            constants.deallocate()
            system.deallocate()
        }

        static func copy<T>(_ a: [T]) -> UnsafeMutableBufferPointer<T> {
            let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(a.count, 1))
            _ = p.initialize(from: a)
            return UnsafeMutableBufferPointer(rebasing: p[..<a.count])
        }

        init(_ entries: [Entry], system sources: [Source?]) {
            var bytes: [UInt8] = []
            var spans: [Span] = []
            var keyBreaks: [Bool] = []
            var flat: [Flat] = []
            var pieces: [Piece] = []
            var constants: [UInt8] = []
            var json = OutBytes(capacity: 256)
            defer { json.free() }
            for e in entries {
                let rawStart = bytes.count
                bytes.append(contentsOf: e.key.utf8)
                let rawLen = bytes.count - rawStart
                json.count = 0
                json.jsonString(e.key)
                let jsonStart = bytes.count
                bytes.append(contentsOf: json.bytes)
                spans.append(Span(rawStart: rawStart, rawCount: rawLen, jsonStart: jsonStart, jsonCount: bytes.count - jsonStart))
                keyBreaks.append(e.key.utf8.contains { $0 == 0x0A || $0 == 0x0D })
                flat.append(Flat(mode: e.mode, pieceStart: Int32(pieces.count), pieceCount: Int32(e.source.count)))
                for p in e.source { add(p) }
            }
            var system: [PieceRange] = []
            for src in sources {
                guard let src else { system.append(PieceRange(start: 0, count: -1)); continue }
                system.append(PieceRange(start: Int32(pieces.count), count: Int32(src.count)))
                for p in src { add(p) }
            }
            func add(_ p: Plan.Piece) {
                    switch p {
                    case .constant(let v):
                        let c = constants.count
                        constants.append(contentsOf: v.flat.utf8)
                        pieces.append(Piece(kind: 0, optional: false, index: Int32(c), count: Int32(constants.count - c)))
                    case .sub(let i, let optional):
                        pieces.append(Piece(kind: 1, optional: optional, index: Int32(truncatingIfNeeded: i), count: 0))
                    case .inner(let i, let optional):
                        pieces.append(Piece(kind: 2, optional: optional, index: Int32(truncatingIfNeeded: i), count: 0))
                    case .nested:
                        pieces.append(Piece(kind: 3, optional: false, index: 0, count: 0))
                    }
            }
            // Room to read a word at any key's start (`OutBytes.jsonMessagePiece`, padded).
            bytes.append(contentsOf: repeatElement(0, count: 8))
            self.bytes = bytes
            self.spans = spans
            self.keyBreaks = keyBreaks
            self.entries = Self.copy(flat)
            self.pieces = Self.copy(pieces)
            self.constants = Self.copy(constants)
            self.system = Self.copy(system)
        }
    }

    /// `appendSource` of the pieces `start ..< start + count` of `Keys.pieces`.
    @inline(__always)
    static func appendSource(_ pieces: UnsafeMutableBufferPointer<Keys.Piece>, _ start: Int, _ count: Int,
                             _ constants: UnsafeMutableBufferPointer<UInt8>, _ values: inout Values, _ ok: inout Bool,
                             into a: inout OutBytes) -> PieceText {
        var tally = PieceTally()
        var j = start
        while j < start + count {
            let p = pieces[j]
            j += 1
            let r: PieceText
            switch p.kind {
            case 0:
                if p.count > 0 { a.bytes(constants.baseAddress.unsafelyUnwrapped + Int(p.index), Int(p.count)) }
                r = .present
            case 1: r = values.outer.appendText(Int(p.index), optional: p.optional, &ok, into: &a)
            case 2: r = values.inner.appendText(Int(p.index), optional: p.optional, &ok, into: &a)
            default:
                ok = false
                r = .absent
            }
            tally.add(r)
        }
        return tally.result
    }

    /// `appendRange` of a `System` field.
    @inline(__always)
    func textField(_ f: SystemField, _ values: inout Values, _ ok: inout Bool, _ a: inout OutBytes,
                   _ memo: inout TextMemo) -> Range<Int>? {
        let range = keys.system[f.rawValue]
        let start = range.start, count = range.count
        guard count >= 0 else { return nil }
        let from = a.count
        // One substitution (the usual case): its text is remembered by type and bytes, as
        // records of a file mostly repeat their provider, channel, computer, GUIDs and SIDs.
        var raw: (type: UInt8, bytes: UnsafeRawPointer, count: Int)?
        if count == 1 {
            let p = keys.pieces[Int(start)]
            if p.kind == 1 { raw = values.outer.raw(Int(p.index)) } else if p.kind == 2 { raw = values.inner.raw(Int(p.index)) }
            if let r = raw, TextMemo.remembers(r.type), r.count <= TextMemo.rawCapacity {
                if memo.recall(f.rawValue, r.type, r.bytes, r.count, into: &a) { return from..<a.count }
            } else {
                raw = nil
            }
        }
        if Plan.appendSource(keys.pieces, Int(start), Int(count), keys.constants, &values, &ok, into: &a).isAbsent { return nil }
        if let r = raw { memo.remember(f.rawValue, r.type, r.bytes, r.count, text: UnsafePointer(a.base + from), a.count - from) }
        return from..<a.count
    }

    /// `evalInt` of a `System` field.
    @inline(__always)
    func intField(_ f: SystemField, _ values: inout Values, _ ok: inout Bool) -> Int? {
        let range = keys.system[f.rawValue]
        guard range.count >= 0 else { return nil }
        if range.count == 1 {
            let p = keys.pieces[Int(range.start)]
            if p.kind == 1, let x = values.outer.integer(Int(p.index), optional: p.optional, &ok) { return x }
            if p.kind == 2, let x = values.inner.integer(Int(p.index), optional: p.optional, &ok) { return x }
        }
        return Plan.eval(source(f), &values, &ok)?.integer
    }

    /// Appends the flat text of `src` to `a` and returns where it is (what `eval(src)?.flat`
    /// gives; `nil` for nil).
    @inline(__always)
    static func appendRange(_ src: Source?, _ values: inout Values, _ ok: inout Bool, _ a: inout OutBytes) -> Range<Int>? {
        guard let src else { return nil }
        let start = a.count
        if appendSource(src, &values, &ok, into: &a).isAbsent { return nil }
        return start..<a.count
    }

    /// `EventFacts.guidText` of the text at `r` when it differs from the text (braces or lower
    /// case: a GUID written as a string); `nil` when the text is already as it should be.
    static func guidText(_ a: OutBytes, _ r: Range<Int>) -> String? {
        // Typed GUIDs (digits, A-F and '-') have no byte at or above 0x60: braces and lower case
        // letters all are. A word at a time (the arena is padded).
        var i = r.lowerBound
        var high = false
        while i < r.upperBound {
            var w = Load.u64(a.base + i)
            let left = r.upperBound - i
            if left < 8 { w &= (1 << UInt64(8 * left)) &- 1 }
            if w & 0x8080_8080_8080_8080 != 0 || ((w & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x2020_2020_2020_2020) & 0x8080_8080_8080_8080 != 0 {
                high = true
                break
            }
            i += 8
        }
        guard high else { return nil }
        for i in r {
            let b = a.base[i]
            if b == 0x7B || (b >= 0x61 && b <= 0x7A) {
                return EventFacts.guidText(String(decoding: UnsafeBufferPointer(start: a.base + r.lowerBound, count: r.count), as: UTF8.self))
            }
        }
        return nil
    }

    /// Appends the flat text of `src` to `a` (what `eval(src)?.flat` gives).
    @inline(__always)
    static func appendSource(_ src: Source, _ values: inout Values, _ ok: inout Bool, into a: inout OutBytes) -> PieceText {
        var tally = PieceTally()
        for p in src {
            let r: PieceText
            switch p {
            case .constant(let v):
                a.text(v.flat)
                r = .present
            case .sub(let i, let optional): r = values.outer.appendText(i, optional: optional, &ok, into: &a)
            case .inner(let i, let optional): r = values.inner.appendText(i, optional: optional, &ok, into: &a)
            case .nested:
                ok = false
                r = .absent
            }
            tally.add(r)
        }
        return tally.result
    }

    /// `flatten`, into `scratch.refs` with the values' text in `scratch.arena`.
    func flattenRefs(_ values: inout Values, _ ok: inout Bool, _ scratch: inout JSONScratch) {
        let entries = keys.entries, pieces = keys.pieces, constants = keys.constants
        var k = 0
        for index in 0..<entries.count {
            let e = entries[index]
            let key = Int32(index)
            switch e.mode {
            case .groupStart:
                scratch.groups.append(scratch.refs.count)
                continue
            case .groupEnd:
                if scratch.groups.popLast() == scratch.refs.count {
                    scratch.refs.append(DataRef(planKey: key, keyStart: 0, keyLen: 0, valueStart: 0, valueLen: 0))
                }
                continue
            default: break
            }
            let start = scratch.arena.count
            let r = Plan.appendSource(pieces, Int(e.pieceStart), Int(e.pieceCount), constants, &values, &ok,
                                      into: &scratch.arena)
            let ref = DataRef(planKey: key, keyStart: 0, keyLen: 0, valueStart: Int32(start),
                              valueLen: Int32(scratch.arena.count - start))
            switch e.mode {
            case .groupStart, .groupEnd: break
            case .always:
                scratch.refs.append(ref)
            case .dropIfAbsent:
                if !r.isAbsent { scratch.refs.append(ref) }
            case .text, .textOrEmpty:
                if !r.isAbsent {
                    if case .array = r { ok = false }
                    scratch.refs.append(ref)
                } else if e.mode == .textOrEmpty {
                    scratch.refs.append(ref)
                }
            case .unnamedData:
                if case .array(let x) = r, case .array(let items) = x {
                    scratch.arena.count = start
                    for item in items {
                        let v = scratch.arena.count
                        scratch.arena.text(item.flat)
                        Self.appendDataRef(k, value: v, &scratch)
                        k += 1
                    }
                } else {
                    Self.appendDataRef(k, value: start, &scratch)
                    k += 1
                }
            }
        }
    }

    /// An entry keyed `Data[k]` whose value is `value ..< arena.count` of the arena.
    private static func appendDataRef(_ k: Int, value: Int, _ scratch: inout JSONScratch) {
        let valueEnd = scratch.arena.count
        let keyStart = scratch.arena.count
        scratch.arena.literal("Data[")
        scratch.arena.decimal(Int64(k))
        scratch.arena.byte(UInt8(ascii: "]"))
        scratch.refs.append(DataRef(planKey: -1, keyStart: Int32(keyStart), keyLen: Int32(scratch.arena.count - keyStart),
                                    valueStart: Int32(value), valueLen: Int32(valueEnd - value)))
    }

    /// Writes the record's JSON line to `out` (what `JSONLinesWriter` writes for `record(…)`),
    /// or writes nothing and returns `false` when these values need the tree path.
    /// `userData`, when given, holds the record's `UserData` (a nested value the plan does not
    /// hold). `checksumBad` / `carved` add the `amt.evtx` flags `EVTXReader.read` adds.
    func writeJSON(_ values: inout Values, recordID: UInt64, fileTime: UInt64, file: JSONFileContext,
                   userData: UserDataSource?, checksumBad: Bool, carved: Bool,
                   scratch: inout JSONScratch, out: inout OutBytes) -> Bool {
        var ok = true
        // Text fields go to the arena as text (no `String`s); GUIDs that are strings (forwarded
        // events) are spelled as `EventFacts.guidText` spells them.
        scratch.arena.count = 0
        scratch.refs.removeAll(keepingCapacity: true)
        scratch.groups.removeAll(keepingCapacity: true)
        let providerName = textField(.providerName, &values, &ok, &scratch.arena, &scratch.memo)
        let providerGUID = textField(.providerGUID, &values, &ok, &scratch.arena, &scratch.memo)
        let eventID = intField(.eventID, &values, &ok)
        let qualifiers = intField(.qualifiers, &values, &ok)
        let version = intField(.version, &values, &ok)
        let level = intField(.level, &values, &ok)
        let task = intField(.task, &values, &ok)
        let opcode = intField(.opcode, &values, &ok)
        let keywords = textField(.keywords, &values, &ok, &scratch.arena, &scratch.memo)
        let created = keys.system[SystemField.timeCreated.rawValue].count < 0 ? nil
            : Plan.eval(source(.timeCreated), &values, &ok).flatMap(EventFacts.timeCreated)
        let activityID = textField(.activityID, &values, &ok, &scratch.arena, &scratch.memo)
        let processID = intField(.processID, &values, &ok)
        let threadID = intField(.threadID, &values, &ok)
        let channel = textField(.channel, &values, &ok, &scratch.arena, &scratch.memo)
        let computerName = textField(.computer, &values, &ok, &scratch.arena, &scratch.memo)
        let userID = textField(.userID, &values, &ok, &scratch.arena, &scratch.memo)
        let providerGUIDText = providerGUID.flatMap { Plan.guidText(scratch.arena, $0) }
        let activityIDText = activityID.flatMap { Plan.guidText(scratch.arena, $0) }
        if section != 0 {
            if let userData {
                switch userData {
                case .doc(let doc): Flatten.userDataRefs(doc, 1, &scratch)
                case .fragment: scratch.fragment.flatten(&scratch)
                }
            } else {
                flattenRefs(&values, &ok, &scratch)
            }
        }
        guard ok else { return false }
        let keys = self.keys
        let ts = created ?? Timestamp(fileTime: fileTime, precision: .microseconds)
        let arena = scratch.arena
        keys.bytes.withUnsafeBufferPointer { kb in
            let kp = kb.baseAddress ?? UnsafePointer(arena.base)
            @inline(__always) func rawKey(_ r: DataRef) -> (UnsafePointer<UInt8>, Int) {
                if r.planKey >= 0 {
                    let s = keys.spans[Int(r.planKey)]
                    return (kp + s.rawStart, s.rawCount)
                }
                return (UnsafePointer(arena.base + Int(r.keyStart)), Int(r.keyLen))
            }

            out.literal("{\"@timestamp\":\"")
            out.timestamp(ts)
            // The message (`EventFacts.message`), escaped as it is made.
            out.literal("\",\"message\":\"")
            if let r = providerName {
                out.jsonMessagePiece(UnsafePointer(arena.base + r.lowerBound), r.count, padded: true)
            } else {
                out.literal("event")
            }
            if let id = eventID {
                out.byte(0x20)
                out.decimal(Int64(id))
            }
            scratch.escaped.removeAll(keepingCapacity: true)
            if !scratch.refs.isEmpty {
                out.literal(": ")
                for (i, r) in scratch.refs.enumerated() {
                    if i > 0 { out.literal(", ") }
                    let ks = out.count
                    let kBreak: Bool
                    if r.planKey >= 0 && !keys.keyBreaks[Int(r.planKey)] {
                        let s = keys.spans[Int(r.planKey)]
                        out.bytes(kp + s.jsonStart + 1, s.jsonCount - 2)
                        kBreak = false
                    } else {
                        let (kptr, klen) = rawKey(r)
                        kBreak = out.jsonMessagePiece(kptr, klen, padded: true)
                    }
                    let ke = out.count
                    out.byte(0x3D)
                    let vs = out.count
                    let vBreak = out.jsonMessagePiece(UnsafePointer(arena.base + Int(r.valueStart)), Int(r.valueLen), padded: true)
                    scratch.escaped.append(EscapedEntry(keyStart: Int32(ks), keyCount: kBreak ? -1 : Int32(ke - ks),
                                                        valueStart: Int32(vs), valueCount: vBreak ? -1 : Int32(out.count - vs)))
                }
            }
            out.byte(0x22)
            out.literal(",\"log\":{")
            if let sev = EventFacts.level(level) {
                out.literal("\"level\":")
                out.jsonString(sev.rawValue)
                out.byte(UInt8(ascii: ","))
            }
            out.literal("\"file\":{\"path\":")
            file.filePath.withUnsafeBufferPointer { out.bytes($0.baseAddress!, $0.count) }
            out.literal("}},\"event\":{\"dataset\":\"windows.evtx\"")
            if let id = eventID {
                out.literal(",\"code\":\"")
                out.decimal(Int64(id))
                out.byte(0x22)
            }
            // Written once, copied where repeated (`provider_name`, `computer_name`).
            var providerJSON = 0..<0
            if let r = providerName {
                out.literal(",\"provider\":")
                let from = out.count
                out.jsonString(from: arena, r)
                providerJSON = from..<out.count
            }
            out.byte(UInt8(ascii: "}"))
            var computerJSON = 0..<0
            if let r = computerName {
                out.literal(",\"host\":{\"name\":")
                let from = out.count
                out.jsonString(from: arena, r)
                computerJSON = from..<out.count
                out.byte(UInt8(ascii: "}"))
            } else if let host = file.hostName {
                out.literal(",\"host\":{\"name\":")
                out.jsonString(host)
                out.byte(UInt8(ascii: "}"))
            }
            if processID != nil || threadID != nil {
                out.literal(",\"process\":{")
                if let pid = processID {
                    out.literal("\"pid\":")
                    out.decimal(Int64(pid))
                    if threadID != nil { out.byte(UInt8(ascii: ",")) }
                }
                if let tid = threadID {
                    out.literal("\"thread\":{\"id\":")
                    out.decimal(Int64(tid))
                    out.byte(UInt8(ascii: "}"))
                }
                out.byte(UInt8(ascii: "}"))
            }
            out.literal(",\"winlog\":{")
            if let r = channel {
                out.literal("\"channel\":")
                out.jsonString(from: arena, r)
                out.byte(UInt8(ascii: ","))
            }
            out.literal("\"record_id\":")
            out.decimal(Int64(bitPattern: recordID))
            if let v = eventID { out.literal(",\"event_id\":"); out.decimal(Int64(v)) }
            if let v = qualifiers { out.literal(",\"qualifiers\":"); out.decimal(Int64(v)) }
            if let v = version { out.literal(",\"version\":"); out.decimal(Int64(v)) }
            if providerName != nil { out.literal(",\"provider_name\":"); out.copyWithin(providerJSON.lowerBound, providerJSON.count) }
            if let t = providerGUIDText {
                out.literal(",\"provider_guid\":")
                out.jsonString(t)
            } else if let r = providerGUID {
                out.literal(",\"provider_guid\":")
                out.jsonString(from: arena, r)
            }
            if computerName != nil { out.literal(",\"computer_name\":"); out.copyWithin(computerJSON.lowerBound, computerJSON.count) }
            if let v = level { out.literal(",\"level\":"); out.decimal(Int64(v)) }
            if let v = task { out.literal(",\"task\":"); out.decimal(Int64(v)) }
            if let v = opcode { out.literal(",\"opcode\":"); out.decimal(Int64(v)) }
            if let r = keywords { out.literal(",\"keywords\":"); out.jsonString(from: arena, r) }
            if let t = activityIDText {
                out.literal(",\"activity_id\":")
                out.jsonString(t)
            } else if let r = activityID {
                out.literal(",\"activity_id\":")
                out.jsonString(from: arena, r)
            }
            if let r = userID {
                out.literal(",\"user\":{\"identifier\":")
                out.jsonString(from: arena, r)
                out.byte(UInt8(ascii: "}"))
            }
            if !scratch.refs.isEmpty {
                if section == 1 { out.literal(",\"event_data\":{") } else { out.literal(",\"user_data\":{") }
                for (i, r) in scratch.refs.enumerated() {
                    if i > 0 { out.byte(UInt8(ascii: ",")) }
                    let e = scratch.escaped[i]
                    if r.planKey >= 0 {
                        let s = keys.spans[Int(r.planKey)]
                        out.bytes(kp + s.jsonStart, s.jsonCount)
                    } else if e.keyCount >= 0 {
                        out.jsonStringCopy(Int(e.keyStart), Int(e.keyCount))
                    } else {
                        out.jsonString(from: arena, Int(r.keyStart), Int(r.keyLen))
                    }
                    out.byte(UInt8(ascii: ":"))
                    if e.valueCount >= 0 {
                        out.jsonStringCopy(Int(e.valueStart), Int(e.valueCount))
                    } else {
                        out.jsonString(from: arena, Int(r.valueStart), Int(r.valueLen))
                    }
                }
                out.byte(UInt8(ascii: "}"))
            }
            out.literal("},\"amt\":{\"time_source\":\"utc\"")
            if checksumBad && carved {
                out.literal(",\"evtx\":{\"checksum_ok\":false,\"carved\":true}")
            } else if checksumBad {
                out.literal(",\"evtx\":{\"checksum_ok\":false}")
            } else if carved {
                out.literal(",\"evtx\":{\"carved\":true}")
            }
            out.literal("}}\n")
        }
        return true
    }
}

extension OutBytes {
    /// `Timestamp.iso8601`.
    mutating func timestamp(_ ts: Timestamp) {
        let c = ts.civil
        guard c.year >= 0 && c.year <= 9999 else { text(ts.iso8601); return }
        let digits = ts.precision == .microseconds ? 6 : 3
        reserve(27)
        let p = base + count
        @inline(__always) func put(_ v: Int, _ at: Int, _ width: Int) {
            var v = v
            var k = at + width - 1
            while k >= at { p[k] = UInt8(truncatingIfNeeded: 0x30 &+ v % 10); v /= 10; k -= 1 }
        }
        put(c.year, 0, 4); p[4] = 0x2D
        put(c.month, 5, 2); p[7] = 0x2D
        put(c.day, 8, 2); p[10] = 0x54
        put(c.hour, 11, 2); p[13] = 0x3A
        put(c.minute, 14, 2); p[16] = 0x3A
        put(c.second, 17, 2); p[19] = 0x2E
        put(digits == 6 ? c.microsecond : c.microsecond / 1000, 20, digits)
        p[20 + digits] = 0x5A
        count += 21 + digits
    }
}

extension Flatten {
    /// `userData(doc, e)` into `s.refs`, keys and values in `s.arena`.
    static func userDataRefs(_ doc: XDoc, _ e: Int, _ s: inout JSONScratch) {
        if doc.elements[e].attrs.isEmpty && doc.elements[e].content.isEmpty { return }
        s.path.count = 0
        genericRefs(doc, e, &s)
    }

    /// Appends an entry keyed by the current path (`s.path`), then `sep` and `name` when given.
    @inline(__always)
    private static func refKey(_ s: inout JSONScratch, _ sep: StaticString?, _ name: String?) -> Int {
        let ks = s.arena.count
        let pathLen = s.path.count
        let pb = UnsafePointer(s.path.base)
        s.arena.bytes(pb, pathLen)
        if let sep, pathLen > 0 { s.arena.literal(sep) }
        if let name { s.arena.text(name) }
        return ks
    }

    @inline(__always)
    private static func addRef(_ s: inout JSONScratch, keyStart: Int, valueStart: Int) {
        s.refs.append(DataRef(planKey: -1, keyStart: Int32(keyStart), keyLen: Int32(valueStart - keyStart),
                              valueStart: Int32(valueStart), valueLen: Int32(s.arena.count - valueStart)))
    }

    /// `generic(doc, e, path:)` with the path in `s.path` (empty: none).
    static func genericRefs(_ doc: XDoc, _ e: Int, _ s: inout JSONScratch) {
        let before = s.refs.count
        let pathLen = s.path.count
        for (n, v) in doc.elements[e].attrs where !isXMLNS(n) {
            let ks = refKey(&s, nil, nil)
            if pathLen > 0 { s.arena.byte(UInt8(ascii: "/")) }
            s.arena.byte(UInt8(ascii: "@"))
            s.arena.text(n)
            let vs = s.arena.count
            s.arena.text(v.flat)
            addRef(&s, keyStart: ks, valueStart: vs)
        }
        if let t = doc.text(of: e) {
            if case .array(let items) = t {
                for (i, item) in items.enumerated() {
                    let ks = refKey(&s, nil, nil)
                    s.arena.byte(UInt8(ascii: "["))
                    s.arena.decimal(Int64(i))
                    s.arena.byte(UInt8(ascii: "]"))
                    let vs = s.arena.count
                    s.arena.text(item.flat)
                    addRef(&s, keyStart: ks, valueStart: vs)
                }
            } else {
                let ks = refKey(&s, nil, nil)
                let vs = s.arena.count
                s.arena.text(t.flat)
                addRef(&s, keyStart: ks, valueStart: vs)
            }
        }
        let numbered = doc.hasSeveralElementChildren(e)
        var used = UsedNames()
        for case .element(let k) in doc.elements[e].content {
            if doc.elements[k].name == "Data", let key = dataName(doc, k) {
                let p = numbered ? used.unique(key) : key
                let ks = refKey(&s, "/", p)
                let vs = s.arena.count
                if let t = doc.text(of: k) { s.arena.text(t.flat) }
                addRef(&s, keyStart: ks, valueStart: vs)
                continue
            }
            let name = doc.elements[k].name
            let key = numbered ? used.unique(name) : name
            if pathLen > 0 { s.path.byte(UInt8(ascii: "/")) }
            s.path.text(key)
            genericRefs(doc, k, &s)
            s.path.count = pathLen
        }
        if s.refs.count == before && pathLen > 0 {
            let ks = refKey(&s, nil, nil)
            addRef(&s, keyStart: ks, valueStart: s.arena.count)
        }
    }
}

/// Where a record's nested `UserData` value (one the plan does not hold) was rendered.
enum UserDataSource {
    /// In an `XDoc`, element 1 (below `Event`), as the tree path renders it.
    case doc(XDoc)
    /// In the scratch's `FragmentTree`.
    case fragment
}

/// A nested `UserData` value that is only elements, attributes and text (as CAPI2 writes it), as
/// a compact tree: what `fragmentUserData` renders into an `XDoc`, without an array per element
/// or `String`s for its text, and flattened as `Flatten.userData` flattens that.
struct FragmentTree {
    struct Node {
        var name: String
        var firstAttr: Int32 = -1
        var lastAttr: Int32 = -1
        var firstText: Int32 = -1
        var lastText: Int32 = -1
        var firstChild: Int32 = -1
        var lastChild: Int32 = -1
        var next: Int32 = -1
        var children: Int32 = 0
    }

    struct Attr {
        var name: String
        var start: Int32
        var count: Int32
        var next: Int32 = -1
    }

    struct Text {
        var start: Int32
        var count: Int32
        var next: Int32 = -1
    }

    /// Node 0 is `UserData`.
    var nodes: [Node] = []
    var attrs: [Attr] = []
    var texts: [Text] = []
    /// Attribute values and text pieces, UTF-8.
    var text = OutBytes(capacity: 1 << 16)
    private var stack: [Int32] = []

    /// Builds the tree of a fragment's tokens, as `emit` would below `Event` / `UserData`.
    /// `false` when the tokens hold anything else (templates, substitutions, processing
    /// instructions, CDATA inside an attribute), close more elements than they open or leave
    /// some open, or reach the limits of the tree path (`otherElements`: the template's own).
    /// `fragmentUserData` then decides.
    mutating func build(_ toks: [Tok], _ v: ByteView, otherElements: Int) -> Bool {
        nodes.removeAll(keepingCapacity: true)
        attrs.removeAll(keepingCapacity: true)
        texts.removeAll(keepingCapacity: true)
        stack.removeAll(keepingCapacity: true)
        text.count = 0
        nodes.append(Node(name: "UserData"))
        stack.append(0)
        var attrName: String?
        var attrStart = 0
        var attrPieces = 0

        func flushAttr() {
            guard let n = attrName else { return }
            attrName = nil
            guard attrPieces > 0 else { text.count = attrStart; return }
            let top = Int(stack[stack.count - 1])
            let i = Int32(attrs.count)
            attrs.append(Attr(name: n, start: Int32(attrStart), count: Int32(text.count - attrStart)))
            if nodes[top].lastAttr >= 0 { attrs[Int(nodes[top].lastAttr)].next = i } else { nodes[top].firstAttr = i }
            nodes[top].lastAttr = i
        }

        func addText(_ s: String) {
            let start = text.count
            text.text(s)
            addTextRange(start)
        }

        /// The bytes from `start` to the end of `text` as a text piece of the open element.
        func addTextRange(_ start: Int) {
            let top = Int(stack[stack.count - 1])
            let i = Int32(texts.count)
            texts.append(Text(start: Int32(start), count: Int32(text.count - start)))
            if nodes[top].lastText >= 0 { texts[Int(nodes[top].lastText)].next = i } else { nodes[top].firstText = i }
            nodes[top].lastText = i
        }

        for t in toks {
            switch t {
            case .open(let n):
                flushAttr()
                // The tree path's stack holds Event too; its elements, Event and UserData.
                guard stack.count + 1 < BinXMLLimits.elementDepth, nodes.count + 1 < BinXMLLimits.elements else { return false }
                let top = Int(stack[stack.count - 1])
                let i = Int32(nodes.count)
                nodes.append(Node(name: n))
                if nodes[top].lastChild >= 0 { nodes[Int(nodes[top].lastChild)].next = i } else { nodes[top].firstChild = i }
                nodes[top].lastChild = i
                nodes[top].children += 1
                stack.append(i)
            case .attr(let n):
                flushAttr()
                attrName = n
                attrStart = text.count
                attrPieces = 0
            case .closeStart:
                flushAttr()
            case .closeEmpty, .end:
                flushAttr()
                guard stack.count > 1 else { return false }
                stack.removeLast()
            case .value(let x):
                guard case .string(let s) = x else { return false }
                if attrName != nil {
                    text.text(s)
                    attrPieces += 1
                } else {
                    addText(s)
                }
            case .charRef(let c):
                let s = String(UnicodeScalar(c).map { Character($0) } ?? "\u{FFFD}")
                if attrName != nil {
                    text.text(s)
                    attrPieces += 1
                } else {
                    addText(s)
                }
            case .entityRef(let n):
                let s = BinXMLParser.entity(n)
                if attrName != nil {
                    text.text(s)
                    attrPieces += 1
                } else {
                    addText(s)
                }
            case .rawText(let offset, let units):
                // As `ByteView.utf16` decodes it: trailing NULs dropped.
                var n = units
                while n > 0, v.base[offset + 2 * (n - 1)] == 0, v.base[offset + 2 * (n - 1) + 1] == 0 { n -= 1 }
                if attrName != nil {
                    text.utf16(v.base, offset: offset, units: n)
                    attrPieces += 1
                } else {
                    let start = text.count
                    text.utf16(v.base, offset: offset, units: n)
                    addTextRange(start)
                }
            case .cdata(let s):
                guard attrName == nil else { return false }
                addText(s)
            case .sub, .template, .piTarget, .piData:
                return false
            }
        }
        flushAttr()
        return stack.count == 1 && nodes.count + 1 + otherElements < BinXMLLimits.elements
    }

    /// `Flatten.userData` of the tree, into `s.refs` (keys and values in `s.arena`).
    func flatten(_ s: inout JSONScratch) {
        let root = nodes[0]
        if root.firstAttr < 0 && root.firstText < 0 && root.firstChild < 0 { return }
        s.path.count = 0
        generic(0, &s)
    }

    /// Appends this tree's text at `start ..< start + count` to the arena.
    @inline(__always)
    private func copy(_ start: Int32, _ count: Int32, _ a: inout OutBytes) {
        a.bytes(UnsafePointer(text.base + Int(start)), Int(count))
    }

    /// The element's character data (its pieces joined), appended to the arena.
    private func appendText(_ e: Int, _ a: inout OutBytes) {
        var t = nodes[e].firstText
        while t >= 0 {
            copy(texts[Int(t)].start, texts[Int(t)].count, &a)
            t = texts[Int(t)].next
        }
    }

    /// `Flatten.dataName`: the first `Name` attribute's value, when not empty.
    private func dataName(_ e: Int) -> String? {
        var a = nodes[e].firstAttr
        while a >= 0 {
            let attr = attrs[Int(a)]
            if attr.name == "Name" {
                guard attr.count > 0 else { return nil }
                return String(decoding: UnsafeBufferPointer(start: text.base + Int(attr.start), count: Int(attr.count)), as: UTF8.self)
            }
            a = attr.next
        }
        return nil
    }

    /// Starts an entry keyed by the current path, then `sep` and `name` when given.
    @inline(__always)
    private func key(_ s: inout JSONScratch, _ sep: StaticString?, _ name: String?) -> Int {
        let ks = s.arena.count
        let pathLen = s.path.count
        s.arena.bytes(UnsafePointer(s.path.base), pathLen)
        if let sep, pathLen > 0 { s.arena.literal(sep) }
        if let name { s.arena.text(name) }
        return ks
    }

    @inline(__always)
    private func add(_ s: inout JSONScratch, keyStart: Int, valueStart: Int) {
        s.refs.append(DataRef(planKey: -1, keyStart: Int32(keyStart), keyLen: Int32(valueStart - keyStart),
                              valueStart: Int32(valueStart), valueLen: Int32(s.arena.count - valueStart)))
    }

    /// `Flatten.generic(doc, e, path:)` with the path in `s.path` (empty: none).
    private func generic(_ e: Int, _ s: inout JSONScratch) {
        let before = s.refs.count
        let pathLen = s.path.count
        let node = nodes[e]
        var a = node.firstAttr
        while a >= 0 {
            let attr = attrs[Int(a)]
            a = attr.next
            if Flatten.isXMLNS(attr.name) { continue }
            let ks = key(&s, nil, nil)
            if pathLen > 0 { s.arena.byte(UInt8(ascii: "/")) }
            s.arena.byte(UInt8(ascii: "@"))
            s.arena.text(attr.name)
            let vs = s.arena.count
            copy(attr.start, attr.count, &s.arena)
            add(&s, keyStart: ks, valueStart: vs)
        }
        if node.firstText >= 0 {
            let ks = key(&s, nil, nil)
            let vs = s.arena.count
            appendText(e, &s.arena)
            add(&s, keyStart: ks, valueStart: vs)
        }
        let numbered = node.children > 1
        var used = Flatten.UsedNames()
        var c = node.firstChild
        while c >= 0 {
            let k = Int(c)
            c = nodes[k].next
            if nodes[k].name == "Data", let name = dataName(k) {
                let p = numbered ? used.unique(name) : name
                let ks = key(&s, "/", p)
                let vs = s.arena.count
                appendText(k, &s.arena)
                add(&s, keyStart: ks, valueStart: vs)
                continue
            }
            let name = nodes[k].name
            let p = numbered ? used.unique(name) : name
            if pathLen > 0 { s.path.byte(UInt8(ascii: "/")) }
            s.path.text(p)
            generic(k, &s)
            s.path.count = pathLen
        }
        if s.refs.count == before && pathLen > 0 {
            let ks = key(&s, nil, nil)
            add(&s, keyStart: ks, valueStart: s.arena.count)
        }
    }
}

/// The text of the last value of each `System` field (by `SystemField` raw value), by the value's type
/// and bytes: the text depends on nothing else.
struct TextMemo {
    static let slots = 16
    static let rawCapacity = 256
    static let textCapacity = 1024
    private static let slotBytes = rawCapacity + textCapacity
    /// Per slot: raw bytes, then text bytes.
    private let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: slots * slotBytes)
    /// Per slot: type (-1: empty), raw length, text length.
    private let meta: UnsafeMutablePointer<Int> = {
        let p = UnsafeMutablePointer<Int>.allocate(capacity: slots * 3)
        p.initialize(repeating: -1, count: slots * 3)
        return p
    }()

    func free() {
        storage.deallocate()
        meta.deallocate()
    }

    /// Types whose text is worth remembering (decoded or formatted from their bytes).
    @inline(__always)
    static func remembers(_ type: UInt8) -> Bool {
        type == ValueType.string || type == ValueType.guid || type == ValueType.sid || type == ValueType.hexInt64
    }

    /// Appends the remembered text of `slot` when it was made from the same type and bytes.
    @inline(__always)
    func recall(_ slot: Int, _ type: UInt8, _ bytes: UnsafeRawPointer, _ count: Int, into a: inout OutBytes) -> Bool {
        guard meta[3 * slot] == Int(type), meta[3 * slot + 1] == count else { return false }
        let base = storage + slot * Self.slotBytes
        guard Bytes.equal(UnsafeRawBufferPointer(start: base, count: count), UnsafeRawBufferPointer(start: bytes, count: count)) else {
            return false
        }
        a.bytes(base + Self.rawCapacity, meta[3 * slot + 2])
        return true
    }

    @inline(__always)
    func remember(_ slot: Int, _ type: UInt8, _ bytes: UnsafeRawPointer, _ count: Int,
                  text: UnsafePointer<UInt8>, _ textCount: Int) {
        guard count <= Self.rawCapacity, textCount <= Self.textCapacity else { return }
        let base = storage + slot * Self.slotBytes
        UnsafeMutableRawPointer(base).copyMemory(from: bytes, byteCount: count)
        (base + Self.rawCapacity).update(from: text, count: textCount)
        meta[3 * slot] = Int(type)
        meta[3 * slot + 1] = count
        meta[3 * slot + 2] = textCount
    }
}

extension ValueCache {
    /// Type and bytes of substitution `i`, when it is present with at least one byte.
    @inline(__always)
    func raw(_ i: Int) -> (type: UInt8, bytes: UnsafeRawPointer, count: Int)? {
        guard i < subs.count else { return nil }
        let s = subs[i]
        let o = Int(s.offset), n = Int(s.size)
        guard n > 0, view.has(o, n) else { return nil }
        return (s.type, UnsafeRawPointer(view.base.baseAddress.unsafelyUnwrapped + o), n)
    }
}
