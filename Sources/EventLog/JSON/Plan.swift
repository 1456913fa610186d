import LogRecord

/// A template compiled (once per chunk) into a recipe for the normalized record: where each
/// `System` fact and each flattened `EventData` / `UserData` entry comes from (a constant of the
/// template or a substitution value). Records that use the template are then built straight from
/// their substitution values, without rendering a tree.
///
/// Windows often passes `EventData` / `UserData` as one nested binary XML value (type 0x21) that
/// is itself a template instance; such a nested template is spliced into the outer one, and the
/// pair is compiled together (keyed by both definition offsets).
///
/// The recipe gives exactly what `EventFacts.record` gives on the rendered tree (a test checks it
/// on every sample). Templates it cannot follow exactly go to the tree path: nested values that
/// are not a single template instance, nested values inside nested values, substitutions in
/// attributes below `EventData` / `UserData`, text directly in `EventData`, templates inside
/// templates, processing instructions.
final class Plan {
    enum Piece {
        case constant(XValue)
        /// Substitution of the outer template instance.
        case sub(Int, optional: Bool)
        /// Substitution of the nested (spliced) template instance.
        case inner(Int, optional: Bool)
        /// A nested binary XML substitution (type 0x21), before splicing.
        case nested(Int)
    }

    /// The character data of an element or attribute: its pieces (absent ones drop out).
    typealias Source = [Piece]

    enum Mode {
        /// Always present; an absent value is written as "".
        case always
        /// Present only when the value is.
        case dropIfAbsent
        /// Text below UserData and friends: present when it has a value; an array value
        /// (numbered `path[i]` by the tree path) needs the tree path.
        case text
        /// As `text`, but "" when absent.
        case textOrEmpty
        /// An unnamed `Data`: numbered at run time (`Data[k]`), arrays give one entry per item.
        case unnamedData
        /// Around the entries of an element that may turn out empty: when none of them is
        /// present, the element shows as `key: ""`.
        case groupStart, groupEnd
    }

    struct Entry {
        var key: String
        var source: Source
        var mode: Mode
    }

    /// Per `SystemField` (by its raw value): where the field comes from; `nil` when the
    /// template has no such element or attribute.
    var system = [Source?](repeating: nil, count: SystemField.allCases.count)
    /// 1 EventData, 2 UserData, 0 neither.
    var section = 0
    var entries: [Entry] = []
    /// The entries' keys as bytes, for the direct JSON path.
    let keys: Keys

    /// `EventFacts.guidText` of the last provider GUID and activity id (records of one template
    /// mostly repeat them, often as the same `String`).
    struct GUIDMemo {
        var input = ""
        var output = ""

        mutating func text(_ s: String) -> String {
            if s == input { return output }
            input = s
            output = EventFacts.guidText(s)
            return output
        }
    }

    var providerGUIDMemo = GUIDMemo()
    var activityIDMemo = GUIDMemo()

    /// The last hex `Keywords` value and its text.
    struct KeywordsMemo {
        var value: UInt64 = 0
        var text: String?

        mutating func text(_ k: XValue, _ x: UInt64) -> String? {
            if x != value || text == nil {
                value = x
                text = k.flat
            }
            return text
        }
    }

    var keywordsMemo = KeywordsMemo()

    /// Where the `SystemField` `f` comes from.
    @inline(__always)
    func source(_ f: SystemField) -> Source? { system[f.rawValue] }

    // MARK: - Static trees

    struct Node {
        var name: String
        var attrs: [Attr] = []
        var content: [Content] = []
    }

    struct Attr {
        var name: String
        var source: Source
    }

    enum Content {
        case element(Int)
        case piece(Piece)
    }

    struct Ineligible: Error {}

    /// The static tree of a template and the index of its one nested binary XML substitution.
    struct Tree {
        var nodes: [Node]
        var roots: [Int]
        var slot: Int?
    }

    static func tree(_ toks: [Tok]) -> Tree? {
        var nodes: [Node] = []
        var roots: [Int] = []
        var stack: [Int] = []
        var attr: Attr?
        var slot: Int?
        func flush() {
            if let a = attr, let top = stack.last { nodes[top].attrs.append(a) }
            attr = nil
        }
        for t in toks {
            var piece: Piece?
            switch t {
            case .open(let n):
                flush()
                let idx = nodes.count
                nodes.append(Node(name: n))
                if let parent = stack.last { nodes[parent].content.append(.element(idx)) } else { roots.append(idx) }
                stack.append(idx)
            case .attr(let n):
                flush()
                attr = Attr(name: n, source: [])
            case .closeStart: flush()
            case .closeEmpty, .end:
                flush()
                guard stack.popLast() != nil else { return nil }
            case .value(let v): piece = .constant(v)
            case .sub(let i, let type, let optional):
                if type == ValueType.binXML {
                    guard attr == nil, slot == nil else { return nil }
                    slot = Int(i)
                    piece = .nested(Int(i))
                } else {
                    piece = .sub(Int(i), optional: optional)
                }
            case .charRef(let c): piece = .constant(.string(String(UnicodeScalar(c).map { Character($0) } ?? "\u{FFFD}")))
            case .entityRef(let n): piece = .constant(.string(BinXMLParser.entity(n)))
            case .cdata(let s): piece = .constant(.string(s))
            case .piTarget, .piData, .template, .rawText: return nil
            }
            if let piece {
                if attr != nil { attr!.source.append(piece) } else if let top = stack.last { nodes[top].content.append(.piece(piece)) }
            }
        }
        flush()
        guard stack.isEmpty, !roots.isEmpty else { return nil }
        return Tree(nodes: nodes, roots: roots, slot: slot)
    }

    /// `outer` with its nested substitution replaced by `inner`'s elements (or by nothing).
    static func splice(_ outer: Tree, _ inner: Tree?) -> Tree? {
        var nodes = outer.nodes
        let base = nodes.count
        if let inner {
            guard inner.slot == nil else { return nil }
            for var n in inner.nodes {
                n.attrs = n.attrs.map { Attr(name: $0.name, source: $0.source.map(Self.innerPiece)) }
                n.content = n.content.map {
                    switch $0 {
                    case .element(let i): .element(i + base)
                    case .piece(let p): .piece(Self.innerPiece(p))
                    }
                }
                nodes.append(n)
            }
        }
        for i in 0..<base {
            guard nodes[i].content.contains(where: { if case .piece(.nested) = $0 { true } else { false } }) else { continue }
            nodes[i].content = nodes[i].content.flatMap { c -> [Content] in
                guard case .piece(.nested) = c else { return [c] }
                return inner?.roots.map { .element($0 + base) } ?? []
            }
        }
        return Tree(nodes: nodes, roots: outer.roots, slot: nil)
    }

    private static func innerPiece(_ p: Piece) -> Piece {
        if case .sub(let i, let optional) = p { return .inner(i, optional: optional) }
        return p
    }

    // MARK: - Compiling

    /// Compiles a spliced tree; `nil` when the template needs the tree path.
    static func compile(_ tree: Tree) -> Plan? {
        try? Plan(tree)
    }

    private init(_ tree: Tree) throws {
        let c = SectionCompiler(nodes: tree.nodes)
        let nodes = tree.nodes
        let root = tree.roots.first { nodes[$0].name == "Event" } ?? tree.roots[0]
        if let sys = c.child("System", root) {
            for k in c.kids(sys) {
                for f in SystemField.fields(of: nodes[k].name) {
                    if let a = f.place.attribute { system[f.rawValue] = c.attr(a, k) } else { system[f.rawValue] = c.text(k) }
                }
            }
        }
        (section, entries) = try c.compile(candidates: c.kids(root))
        keys = Keys(entries, system: system)
    }

    /// Mirrors `Flatten` on a static tree, producing entries whose values come from constants
    /// or substitutions.
    struct SectionCompiler {
        let nodes: [Node]

        func kids(_ e: Int) -> [Int] { nodes[e].content.compactMap { if case .element(let i) = $0 { i } else { nil } } }
        func child(_ name: String, _ e: Int) -> Int? { kids(e).first { nodes[$0].name == name } }
        func attr(_ name: String, _ e: Int) -> Source? { nodes[e].attrs.first { $0.name == name }?.source }
        func text(_ e: Int) -> Source { nodes[e].content.compactMap { if case .piece(let p) = $0 { p } else { nil } } }

        func constant(_ s: Source) -> String? {
            var out = ""
            for p in s {
                guard case .constant(let v) = p else { return nil }
                out += v.flat
            }
            return out
        }

        func staticAttrs(_ e: Int) throws -> [(String, String)] {
            try nodes[e].attrs.map { a in
                guard let v = constant(a.source) else { throw Ineligible() }
                return (a.name, v)
            }
        }

        func dataName(_ e: Int) throws -> String? {
            guard let src = attr("Name", e) else { return nil }
            guard let v = constant(src) else { throw Ineligible() }
            return v.isEmpty ? nil : v
        }

        func generic(_ e: Int, path: String, into out: inout [Entry]) throws {
            let attrs = nodes[e].attrs.filter { !Flatten.isXMLNS($0.name) }
            let children = kids(e)
            let t = text(e)
            let staticAttrs = attrs.filter { constant($0.source) != nil }
            // Whether the element may end up with nothing under it (then it shows as "").
            let mayBeEmpty = staticAttrs.isEmpty && children.isEmpty && !path.isEmpty
            let grouped = mayBeEmpty && staticAttrs.count != attrs.count
            if grouped { out.append(Entry(key: path, source: [], mode: .groupStart)) }
            for a in attrs {
                let key = (path.isEmpty ? "@" : path + "/@") + a.name
                if let v = constant(a.source) {
                    out.append(Entry(key: key, source: [.constant(.string(v))], mode: .always))
                } else {
                    // An attribute whose substitutions are all absent is dropped.
                    out.append(Entry(key: key, source: a.source, mode: .dropIfAbsent))
                }
            }
            if !t.isEmpty {
                out.append(Entry(key: path, source: t, mode: mayBeEmpty && !grouped ? .textOrEmpty : .text))
            } else if mayBeEmpty && !grouped {
                out.append(Entry(key: path, source: [], mode: .always))
            }
            var used: [String: Int] = [:]
            for k in children {
                if nodes[k].name == "Data", let key = try dataName(k) {
                    let p = Flatten.unique(key, &used)
                    out.append(Entry(key: path.isEmpty ? p : path + "/" + p, source: text(k), mode: .always))
                    continue
                }
                let key = Flatten.unique(nodes[k].name, &used)
                try generic(k, path: path.isEmpty ? key : path + "/" + key, into: &out)
            }
            if grouped { out.append(Entry(key: path, source: [], mode: .groupEnd)) }
        }

        /// The section (1 EventData, 2 UserData, 0 none) found first among `candidates`, and
        /// its entries.
        func compile(candidates: [Int]) throws -> (Int, [Entry]) {
            var out: [Entry] = []
            if let ed = candidates.first(where: { nodes[$0].name == "EventData" }) {
                guard text(ed).isEmpty else { throw Ineligible() }
                for (n, v) in try staticAttrs(ed) where !Flatten.isXMLNS(n) {
                    out.append(Entry(key: "@" + n, source: [.constant(.string(v))], mode: .always))
                }
                let children = kids(ed)
                var named = false
                for k in children where nodes[k].name == "Data" {
                    if try dataName(k) != nil { named = true }
                }
                var unnamed: [Source] = []
                var unnamedAt: Int?
                var used: [String: Int] = [:]
                for k in children {
                    if nodes[k].name == "Data" {
                        if let key = try dataName(k) {
                            if !kids(k).isEmpty {
                                let before = out.count
                                let t = text(k)
                                if !t.isEmpty { out.append(Entry(key: key, source: t, mode: .dropIfAbsent)) }
                                var u: [String: Int] = [:]
                                for c in kids(k) { try generic(c, path: key + "/" + Flatten.unique(nodes[c].name, &u), into: &out) }
                                if out.count == before { out.append(Entry(key: key, source: [], mode: .always)) }
                                continue
                            }
                            if let i = out.firstIndex(where: { $0.key == key }) {
                                out[i] = Entry(key: key, source: text(k), mode: .always)
                            } else {
                                out.append(Entry(key: key, source: text(k), mode: .always))
                            }
                        } else if !named {
                            if unnamedAt == nil { unnamedAt = out.count }
                            unnamed.append(text(k))
                        }
                    } else {
                        try generic(k, path: Flatten.unique(nodes[k].name, &used), into: &out)
                    }
                }
                if let at = unnamedAt {
                    out.insert(contentsOf: unnamed.map { Entry(key: "Data", source: $0, mode: .unnamedData) }, at: at)
                }
                return (1, out)
            }
            if let ud = candidates.first(where: { nodes[$0].name == "UserData" }) {
                if !(nodes[ud].attrs.isEmpty && nodes[ud].content.isEmpty) {
                    guard kids(ud).count > 0 || text(ud).allSatisfy({ if case .constant = $0 { true } else { false } }) else { throw Ineligible() }
                    try generic(ud, path: "", into: &out)
                }
                return (2, out)
            }
            return (0, out)
        }
    }

    // MARK: - Building records

    /// Substitution values of the outer and the nested template instance.
    struct Values {
        var outer: ValueCache
        var inner: ValueCache
    }

    /// The value of a source, as the tree path would see it: `nil` when every piece is absent,
    /// the piece itself when one, else the pieces' text joined. Sets `ok` to false when the
    /// values do not fit (the caller then uses the tree path).
    @inline(__always)
    static func eval(_ src: Source?, _ values: inout Values, _ ok: inout Bool) -> XValue? {
        guard let src else { return nil }
        if src.count == 1 { return piece(src[0], &values, &ok) }
        var pieces: [XValue] = []
        for p in src {
            if let v = piece(p, &values, &ok) { pieces.append(v) }
        }
        if pieces.isEmpty { return nil }
        if pieces.count == 1 { return pieces[0] }
        return .string(pieces.map(\.flat).joined())
    }

    /// `eval(src)?.integer`, reading a single fixed-width integer substitution directly.
    @inline(__always)
    static func evalInt(_ src: Source?, _ values: inout Values, _ ok: inout Bool) -> Int? {
        guard let src else { return nil }
        if src.count == 1 {
            switch src[0] {
            case .sub(let i, let optional):
                if let x = values.outer.integer(i, optional: optional, &ok) { return x }
            case .inner(let i, let optional):
                if let x = values.inner.integer(i, optional: optional, &ok) { return x }
            default: break
            }
        }
        return eval(src, &values, &ok)?.integer
    }

    @inline(__always)
    static func piece(_ p: Piece, _ values: inout Values, _ ok: inout Bool) -> XValue? {
        switch p {
        case .constant(let v): return v
        case .sub(let i, let optional): return values.outer.get(i, optional: optional, &ok)
        case .inner(let i, let optional): return values.inner.get(i, optional: optional, &ok)
        case .nested: ok = false; return nil
        }
    }

    static let dataKeys: [String] = (0..<64).map { "Data[\($0)]" }

    @inline(__always)
    static func dataKey(_ k: Int) -> String { k < dataKeys.count ? dataKeys[k] : "Data[\(k)]" }

    static func flatten(_ entries: [Entry], _ values: inout Values, _ ok: inout Bool) -> [(String, String)] {
        var data: [(String, String)] = []
        data.reserveCapacity(entries.count)
        var k = 0
        var groups: [Int] = []
        for e in entries {
            if e.mode == .groupStart { groups.append(data.count); continue }
            if e.mode == .groupEnd {
                if groups.popLast() == data.count { data.append((e.key, "")) }
                continue
            }
            let x = eval(e.source, &values, &ok)
            switch e.mode {
            case .groupStart, .groupEnd: break
            case .always:
                data.append((e.key, x?.flat ?? ""))
            case .dropIfAbsent:
                if let x { data.append((e.key, x.flat)) }
            case .text, .textOrEmpty:
                if let x {
                    if case .array = x { ok = false }
                    data.append((e.key, x.flat))
                } else if e.mode == .textOrEmpty {
                    data.append((e.key, ""))
                }
            case .unnamedData:
                if case .array(let items)? = x {
                    for item in items {
                        data.append((dataKey(k), item.flat))
                        k += 1
                    }
                } else {
                    data.append((dataKey(k), x?.flat ?? ""))
                    k += 1
                }
            }
        }
        return data
    }

    /// Builds the record, or `nil` when these values need the tree path.
    /// `userData`, when given, is the record's flattened `UserData` (a nested value the plan
    /// does not hold).
    func record(_ values: inout Values, recordID: UInt64, fileTime: UInt64, context: ParseContext,
                userData: [(String, String)]? = nil) -> Record? {
        var ok = true
        var facts = SystemFacts(
            recordID: recordID,
            text: { f in
                guard let v = Plan.eval(source(f), &values, &ok) else { return nil }
                if f == .keywords, case .hex(let x) = v { return keywordsMemo.text(v, x) }
                return v.flat
            },
            guid: { f in
                Plan.eval(source(f), &values, &ok).map {
                    f == .providerGUID ? providerGUIDMemo.text($0.flat) : activityIDMemo.text($0.flat)
                }
            },
            integer: { Plan.evalInt(source($0), &values, &ok) },
            value: { Plan.eval(source($0), &values, &ok) })
        if section != 0 {
            let data = userData ?? Plan.flatten(entries, &values, &ok)
            if section == 1 { facts.winlog.eventData = data } else { facts.winlog.userData = data }
        }
        guard ok else { return nil }
        return facts.record(fileTime: fileTime, dataset: Dataset.evtx, context: context)
    }
}

/// Substitution values of one template instance, decoded on first use.
///
/// Decoded values are also remembered by slot across records (with a copy of their bytes): a
/// record whose substitution `i` holds the same type and bytes as the last one decoded into slot
/// `i` gets the same value (and `String`) back without decoding. Consecutive records of one
/// template repeat most of their strings, GUIDs and SIDs.
struct ValueCache {
    var view: ByteView
    var subs: [SubValue] = []
    private var decoded: [XValue?] = []
    /// `stamp[i] == generation` when `decoded[i]` belongs to the current record.
    private var stamp: [UInt32] = []
    private var generation: UInt32 = 0
    /// Per slot: the type, bytes and value last decoded there (type 0xFF: none).
    private var memoType: [UInt8] = []
    private var memoBytes: [[UInt8]] = []
    private var memoValue: [XValue] = []

    /// Values at most this long are remembered.
    static let memoLimit = 512

    init(view: ByteView) { self.view = view }

    mutating func reset(_ view: ByteView) {
        self.view = view
        subs.removeAll(keepingCapacity: true)
    }

    mutating func prepare() {
        generation &+= 1
        if generation == 0 {
            for i in stamp.indices { stamp[i] = UInt32.max }
            generation = 1
        }
        if decoded.count < subs.count {
            let more = subs.count - decoded.count
            decoded.append(contentsOf: repeatElement(nil, count: more))
            stamp.append(contentsOf: repeatElement(0, count: more))
            memoType.append(contentsOf: repeatElement(0xFF, count: more))
            memoBytes.append(contentsOf: repeatElement([], count: more))
            memoValue.append(contentsOf: repeatElement(.null, count: more))
        }
    }

    /// Whether values of `type` are worth remembering (their decoding allocates or formats).
    @inline(__always)
    static func memoizable(_ type: UInt8) -> Bool {
        switch type {
        case ValueType.string, ValueType.ansiString, ValueType.guid, ValueType.sid, ValueType.binary,
             ValueType.systemTime, ValueType.evtXML:
            return true
        default:
            return type & ValueType.arrayFlag != 0
        }
    }

    /// The value of substitution `i`; `nil` when null or absent. Sets `ok` to false when the
    /// tree path must decide (missing non-optional value, undecodable bytes).
    @inline(__always)
    mutating func get(_ i: Int, optional: Bool, _ ok: inout Bool) -> XValue? {
        guard i < subs.count else {
            if !optional { ok = false }
            return nil
        }
        if stamp[i] == generation { return decoded[i] }
        let s = subs[i]
        let v = decode(i, s)
        if v == nil { ok = false }
        let result = (v?.isNull ?? true) ? nil : v
        decoded[i] = result
        stamp[i] = generation
        return result
    }

    /// `get(i)?.integer` for a fixed-width integer substitution, read without building a value
    /// (same result and same `ok`); `nil` for other types (the caller then uses `get`).
    @inline(__always)
    func integer(_ i: Int, optional: Bool, _ ok: inout Bool) -> Int?? {
        guard i < subs.count else {
            if !optional { ok = false }
            return .some(nil)
        }
        let s = subs[i]
        let width: Int
        switch s.type {
        case ValueType.uint8, ValueType.int8: width = 1
        case ValueType.uint16, ValueType.int16: width = 2
        case ValueType.uint32, ValueType.int32: width = 4
        case ValueType.uint64, ValueType.int64: width = 8
        default: return nil
        }
        let o = Int(s.offset), n = Int(s.size)
        guard n >= 0, view.has(o, n) else { ok = false; return .some(nil) }
        if n == 0 { return .some(nil) }  // null
        guard n >= width else { ok = false; return .some(nil) }
        switch s.type {
        case ValueType.uint8: return .some(Int(view.base[o]))
        case ValueType.int8: return .some(Int(Int8(bitPattern: view.base[o])))
        case ValueType.uint16: return .some(view.u16(o).map { Int($0) })
        case ValueType.int16: return .some(view.u16(o).map { Int(Int16(bitPattern: $0)) })
        case ValueType.uint32: return .some(view.u32(o).map { Int($0) })
        case ValueType.int32: return .some(view.u32(o).map { Int(Int32(bitPattern: $0)) })
        case ValueType.uint64: return .some(view.u64(o).flatMap { Int(exactly: $0) })
        default: return .some(view.u64(o).map { Int(Int64(bitPattern: $0)) })
        }
    }

    private mutating func decode(_ i: Int, _ s: SubValue) -> XValue? {
        let o = Int(s.offset), n = Int(s.size)
        // The common fixed-width integers, read directly (same values as `ValueDecoder.decode`).
        if view.has(o, n) {
            switch s.type {
            case ValueType.uint8: if n >= 1, view.has(o, 1) { return .uint(UInt64(view.base[o])) }
            case ValueType.uint16: if n >= 2, let x = view.u16(o) { return .uint(UInt64(x)) }
            case ValueType.uint32: if n >= 4, let x = view.u32(o) { return .uint(UInt64(x)) }
            case ValueType.uint64: if n >= 8, let x = view.u64(o) { return .uint(x) }
            case ValueType.hexInt32: if n >= 4, let x = view.u32(o) { return .hex(UInt64(x)) }
            case ValueType.hexInt64: if n >= 8, let x = view.u64(o) { return .hex(x) }
            case ValueType.fileTime: if n >= 8, let x = view.u64(o) { return .fileTime(x) }
            default: break
            }
        }
        guard n > 0, n <= Self.memoLimit, Self.memoizable(s.type), view.has(o, n) else {
            return ValueDecoder.decode(view, type: s.type, offset: o, size: n)
        }
        let bytes = UnsafeRawBufferPointer(rebasing: view.base[o..<(o + n)])
        if memoType[i] == s.type, memoBytes[i].count == n,
           memoBytes[i].withUnsafeBytes({ Bytes.equal($0, bytes) }) {
            return memoValue[i]
        }
        guard let v = ValueDecoder.decode(view, type: s.type, offset: o, size: n) else { return nil }
        memoType[i] = s.type
        memoBytes[i].removeAll(keepingCapacity: true)
        memoBytes[i].append(contentsOf: bytes)
        memoValue[i] = v
        return v
    }
}
