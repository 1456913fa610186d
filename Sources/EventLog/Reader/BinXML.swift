/// A problem in the binary XML of one record: which field, at which chunk offset, how many bytes
/// were needed and how many were there.
struct BinXMLError: Error, CustomStringConvertible {
    var what: String
    var offset: Int
    var need: Int = 0
    var have: Int = 0

    var description: String {
        need > 0 ? "\(what) at chunk offset \(offset): need \(need) bytes, have \(have)" : "\(what) at chunk offset \(offset)"
    }
}

/// One substitution value of a template instance: its type and where its bytes lie in the chunk.
struct SubValue {
    var type: UInt8
    var offset: Int32
    var size: Int32
}

/// A binary XML token with its names resolved (names are shared `String`s from the chunk cache).
enum Tok {
    case open(String)
    case attr(String)
    case closeStart
    case closeEmpty
    case end
    case value(XValue)
    case sub(index: UInt16, type: UInt8, optional: Bool)
    case charRef(UInt16)
    case entityRef(String)
    case cdata(String)
    case piTarget(String)
    case piData(String)
    case template(definition: Int, values: [SubValue])
    /// Value text left in place: `units` UTF-16 code units at chunk offset `offset` (only from
    /// `tokens(…, rawText: true)`).
    case rawText(offset: Int, units: Int)
}

/// The rendered XML tree of one record.
struct XElement {
    var name: String
    var attrs: [(name: String, value: XValue)] = []
    var content: [XContent] = []
}

enum XContent {
    case element(Int)
    case value(XValue)
    case cdata(String)
    case entity(String)
    case charRef(UInt16)
    case pi(String, String)
}

struct XDoc {
    var elements: [XElement] = []
    var roots: [Int] = []

    mutating func reset() {
        elements.removeAll(keepingCapacity: true)
        roots.removeAll(keepingCapacity: true)
    }

    /// Whether element `e` has two or more element children: then the names of its data are
    /// numbered (`_1`, `_2` …) as the reference flattens them.
    func hasSeveralElementChildren(_ e: Int) -> Bool {
        var count = 0
        for case .element in elements[e].content {
            count += 1
            if count > 1 { return true }
        }
        return false
    }
}

/// Limits that keep hostile files from recursing or allocating without bound.
enum BinXMLLimits {
    /// Template instances and nested binary XML values inside one another.
    static let expansionDepth = 16
    /// Open elements at once.
    static let elementDepth = 256
    /// Elements per record.
    static let elements = 50_000
    /// Substitution values per template instance.
    static let substitutions = 4096
    /// UTF-16 units in one element or attribute name.
    static let nameCharacters: UInt16 = 1024
}

/// Parses the binary XML of one chunk: names and template definitions are resolved by chunk
/// offset and cached for the chunk's lifetime (`reset` when moving to the next chunk).
import LogRecord

struct BinXMLParser {
    /// Substitution values of the last record `parseRecord` built that did not decode as their
    /// type (shown as hex); 0 after a record of the fast path.
    var undecodableValues = 0
    private var names = OffsetTable<String>()
    private var templates: [Int: [Tok]] = [:]
    private var badTemplates: [Int: BinXMLError] = [:]
    /// Static trees of template definitions by offset (`nil`: the template needs the tree path).
    private var trees: [Int: Plan.Tree?] = [:]
    /// Fingerprints (`Fingerprint.of`) of template definitions by offset, this chunk.
    private var fingerprints: [Int: Fingerprint] = [:]
    /// Across chunks: static trees and compiled plans by template fingerprint (outer, or outer
    /// and nested). Chunks repeat the same templates at other offsets; what a tree or plan holds
    /// depends only on the template's tokens, which the fingerprint spells out. Each is cleared
    /// when it reaches `sharedLimit` entries; templates whose fingerprint is longer than
    /// `sharedTemplateBytes` are not shared (memory stays bounded: a few MiB at most).
    private var sharedTrees: [Fingerprint: Plan.Tree?] = [:]
    private var sharedPlans: [Fingerprint: Plan?] = [:]
    static let sharedLimit = 256
    static let sharedTemplateBytes = 4096
    private var scratchKey = Fingerprint(bytes: [])
    /// By definition offset: the nested substitution slot of the template's tree (-1: none;
    /// `Int.min`: the template needs the tree path). Looked up for every record.
    private var slots = OffsetTable<Int>()
    /// By definition offset: `userDataIsSlot`.
    private var userDataSlots: [Int: Bool] = [:]
    /// Compiled plans by outer and nested definition offsets.
    private var plans: [Int: Plan?] = [:]
    /// The last plan looked up in `plans` and its key (records of one template often follow
    /// one another).
    private var lastPlanKey = -1
    private var lastPlan: Plan??
    private var values = Plan.Values(outer: ValueCache(view: ByteView(UnsafeRawBufferPointer(start: nil, count: 0))),
                                     inner: ValueCache(view: ByteView(UnsafeRawBufferPointer(start: nil, count: 0))))
    var doc = XDoc()
    private var stack: [Int] = []
    private var attrName: String?
    private var attrPieces: [XValue] = []

    mutating func resetChunk() {
        names.removeAll()
        templates.removeAll(keepingCapacity: true)
        badTemplates.removeAll(keepingCapacity: true)
        plans.removeAll(keepingCapacity: true)
        lastPlanKey = -1
        lastPlan = nil
        trees.removeAll(keepingCapacity: true)
        slots.removeAll()
        userDataSlots.removeAll(keepingCapacity: true)
        fingerprints.removeAll(keepingCapacity: true)
    }

    // MARK: - Fast path

    /// The normalized record of a record body that is one template instance whose template
    /// compiles to a `Plan`, built straight from the substitution values. `nil` when the record
    /// needs the tree path (which also reports any damage).
    mutating func fastRecord(_ v: ByteView, from start: Int, to end: Int, recordID: UInt64, fileTime: UInt64,
                             context: ParseContext) -> Record? {
        guard let (plan, fragment) = planned(v, from: start, to: end) else { return nil }
        if let (range, outerDef) = fragment {
            guard (try? fragmentUserData(v, range, outerDef: outerDef)) == true else { return nil }
        }
        return plan.record(&values, recordID: recordID, fileTime: fileTime, context: context,
                           userData: fragment != nil ? Flatten.userData(doc, 1) : nil)
    }

    /// The record's JSON line (what `JSONLinesWriter` writes for `fastRecord`'s record, with the
    /// `amt.evtx` flags `EVTXReader.read` adds) appended to `out`; `false` (nothing written) when
    /// the record needs the tree path.
    mutating func fastJSON(_ v: ByteView, from start: Int, to end: Int, recordID: UInt64, fileTime: UInt64,
                           file: JSONFileContext, checksumBad: Bool, carved: Bool,
                           scratch: inout JSONScratch, out: inout OutBytes) -> Bool {
        guard let (plan, fragment) = planned(v, from: start, to: end) else { return false }
        var userData: UserDataSource?
        if let (range, outerDef) = fragment {
            // The fragment as a compact tree when it is only elements, attributes and text;
            // else as `fastRecord` renders it.
            guard let outerTree = trees[outerDef] ?? nil,
                  let toks = try? tokens(v, from: range.lowerBound, to: range.upperBound, nested: true, rawText: true)
            else { return false }
            if scratch.fragment.build(toks, v, otherElements: outerTree.nodes.count) {
                userData = .fragment
            } else {
                guard (try? fragmentUserData(v, range, outerDef: outerDef)) == true else { return false }
                userData = .doc(doc)
            }
        }
        return plan.writeJSON(&values, recordID: recordID, fileTime: fileTime, file: file, userData: userData,
                              checksumBad: checksumBad, carved: carved, scratch: &scratch, out: &out)
    }

    /// The compiled plan of a record body that is one template instance, with `values` read and
    /// prepared; when the record's `UserData` is a nested value the plan does not hold (a section
    /// 2 plan), where that value lies and the outer template's offset. `nil` when the record
    /// needs the tree path.
    private mutating func planned(_ v: ByteView, from start: Int, to end: Int) -> (Plan, (Range<Int>, Int)?)? {
        values.outer.reset(v)
        values.inner.reset(v)
        guard let outerDef = Self.instance(v, from: start, to: end, into: &values.outer) else { return nil }
        let slotCode: Int
        if let cached = slots.get(outerDef) {
            slotCode = cached
        } else {
            let tree = sharedTree(v, at: outerDef)
            trees.updateValue(tree, forKey: outerDef)
            slotCode = tree.map { $0.slot ?? -1 } ?? Int.min
            slots.set(outerDef, slotCode)
        }
        guard slotCode != Int.min else { return nil }
        let outerSlot: Int? = slotCode >= 0 ? slotCode : nil
        var innerDef = -1
        var fragment: Range<Int>?
        for (k, sub) in values.outer.subs.enumerated() where sub.type == ValueType.binXML {
            guard k == outerSlot else { return nil }
        }
        if let slot = outerSlot, slot < values.outer.subs.count {
            let sub = values.outer.subs[slot]
            if sub.type == ValueType.binXML && sub.size > 0 {
                let o = Int(sub.offset)
                if let d = Self.instance(v, from: o, to: o + Int(sub.size), into: &values.inner) {
                    for s in values.inner.subs where s.type == ValueType.binXML { return nil }
                    innerDef = d
                } else {
                    // Not a template instance: elements written out (CAPI2 and others). When the
                    // value is all of UserData, it alone is rendered as a tree.
                    guard userDataIsSlot(outerDef, slot) else { return nil }
                    values.inner.reset(v)
                    fragment = o..<(o + Int(sub.size))
                }
            } else if sub.type != ValueType.null && sub.size > 0 {
                return nil
            }
        } else if outerSlot != nil {
            return nil
        }
        let key = outerDef << 32 | (innerDef & 0xFFFF_FFFF)
        let plan: Plan?
        if key == lastPlanKey, let cached = lastPlan {
            plan = cached
        } else if let cached = plans[key] {
            plan = cached
            (lastPlanKey, lastPlan) = (key, cached)
        } else {
            guard let outerTree = trees[outerDef] ?? nil else { return nil }
            var inner: Plan.Tree?
            if innerDef >= 0 {
                inner = sharedTree(v, at: innerDef)
            }
            if innerDef >= 0 && inner == nil {
                plan = nil
            } else if let outerPrint = fingerprints[outerDef], innerDef < 0 || fingerprints[innerDef] != nil {
                scratchKey.bytes.removeAll(keepingCapacity: true)
                scratchKey.bytes.append(contentsOf: outerPrint.bytes)
                if innerDef >= 0, let innerPrint = fingerprints[innerDef] {
                    scratchKey.bytes.append(0xFF)
                    scratchKey.bytes.append(contentsOf: innerPrint.bytes)
                }
                if let shared = sharedPlans[scratchKey] {
                    plan = shared
                } else {
                    plan = Plan.splice(outerTree, inner).flatMap(Plan.compile)
                    if sharedPlans.count >= Self.sharedLimit { sharedPlans.removeAll() }
                    sharedPlans.updateValue(plan, forKey: scratchKey)
                }
            } else {
                plan = Plan.splice(outerTree, inner).flatMap(Plan.compile)
            }
            plans.updateValue(plan, forKey: key)
        }
        guard let plan else { return nil }
        if fragment != nil {
            guard plan.section == 2 else { return nil }
        }
        values.outer.prepare()
        values.inner.prepare()
        return (plan, fragment.map { ($0, outerDef) })
    }

    /// Whether the template at `outerDef` has no `EventData`, and its `UserData` is exactly the
    /// nested binary XML substitution `slot` (no attributes, nothing else).
    private mutating func userDataIsSlot(_ outerDef: Int, _ slot: Int) -> Bool {
        if let known = userDataSlots[outerDef] { return known }
        var result = false
        if let tree = trees[outerDef] ?? nil {
            let nodes = tree.nodes
            let root = tree.roots.first { nodes[$0].name == "Event" } ?? tree.roots[0]
            let kids = nodes[root].content.compactMap { if case .element(let i) = $0 { i } else { nil } }
            if nodes[root].name == "Event", !kids.contains(where: { nodes[$0].name == "EventData" }),
               let ud = kids.first(where: { nodes[$0].name == "UserData" }), nodes[ud].attrs.isEmpty,
               nodes[ud].content.count == 1, case .piece(.nested(let i)) = nodes[ud].content[0], i == slot {
                result = true
            }
        }
        userDataSlots[outerDef] = result
        return result
    }

    /// Renders into `doc` a `UserData` (element 1, below `Event` 0) whose only content is the
    /// nested binary XML in `range`, as the tree path renders it (with the same limits). Throws,
    /// or returns `false`, where the tree path must decide (damage, unbalanced elements, limits).
    private mutating func fragmentUserData(_ v: ByteView, _ range: Range<Int>, outerDef: Int) throws -> Bool {
        guard let tree = trees[outerDef] ?? nil else { return false }
        doc.reset()
        stack.removeAll(keepingCapacity: true)
        attrName = nil
        attrPieces.removeAll(keepingCapacity: true)
        doc.elements.append(XElement(name: "Event"))
        doc.elements.append(XElement(name: "UserData"))
        doc.elements[0].content.append(.element(1))
        doc.roots.append(0)
        stack.append(0)
        stack.append(1)
        let toks = try tokens(v, from: range.lowerBound, to: range.upperBound, nested: true)
        try emit(v, toks, values: nil, depth: 2)
        flushAttr()
        // The tree path holds the template's elements too: stay clear of its element limit.
        guard stack == [0, 1], doc.roots == [0], doc.elements[0].content.count == 1,
              doc.elements.count + tree.nodes.count < BinXMLLimits.elements else { return false }
        return true
    }

    /// The static tree of the template definition at `offset` (`nil`: unreadable, or it needs the
    /// tree path), shared across chunks by fingerprint; records the fingerprint in `fingerprints`.
    private mutating func sharedTree(_ v: ByteView, at offset: Int) -> Plan.Tree? {
        guard let toks = try? template(v, at: offset), let print = Fingerprint.of(toks) else { return nil }
        // Large templates are compiled per chunk, so that the shared caches stay small.
        guard print.bytes.count <= Self.sharedTemplateBytes else {
            fingerprints[offset] = nil
            return Plan.tree(toks)
        }
        fingerprints[offset] = print
        if let shared = sharedTrees[print] { return shared }
        let tree = Plan.tree(toks)
        if sharedTrees.count >= Self.sharedLimit { sharedTrees.removeAll() }
        sharedTrees.updateValue(tree, forKey: print)
        return tree
    }

    /// Reads a fragment that is exactly one template instance (optional fragment header, the
    /// instance, optional end-of-stream) into `values`; returns the definition offset, or `nil`
    /// when the bytes hold anything else.
    static func instance(_ v: ByteView, from start: Int, to end: Int, into values: inout ValueCache) -> Int? {
        var p = start
        guard p < end else { return nil }
        if v.base[p] == 0x0F { p += 4 }
        guard p + 10 <= end, v.base[p] == 0x0C, let def32 = v.u32(p + 6) else { return nil }
        let defOffset = Int(def32)
        var q = p + 10
        if defOffset == q {
            guard let size = v.u32(q + 20) else { return nil }
            q += 24 + Int(size)
        }
        guard q + 4 <= end, let count32 = v.u32(q) else { return nil }
        let count = Int(count32)
        q += 4
        guard count <= BinXMLLimits.substitutions, q + count * 4 <= end else { return nil }
        var data = q + count * 4
        let first = values.subs.count
        values.subs.append(contentsOf: repeatElement(SubValue(type: 0, offset: 0, size: 0), count: count))
        values.subs.withUnsafeMutableBufferPointer { subs in
            for k in 0..<count {
                let size = Int(v.base[q + 4 * k]) | Int(v.base[q + 4 * k + 1]) << 8
                subs[first + k] = SubValue(type: v.base[q + 4 * k + 2], offset: Int32(truncatingIfNeeded: data),
                                           size: Int32(size))
                data += size
            }
        }
        guard data <= end, data == end || v.base[data] == 0x00 else { return nil }
        return defOffset
    }

    // MARK: - Names

    /// The name structure at `offset`: next-offset (4), hash (2), count (2), UTF-16 chars, NUL.
    mutating func name(_ v: ByteView, at offset: Int) throws -> String {
        if let n = names.get(offset) { return n }
        guard offset >= 0, let count = v.u16(offset + 6) else {
            throw BinXMLError(what: "name", offset: offset, need: 8, have: max(0, v.count - offset))
        }
        // Element and attribute names of real logs are short (the longest in the samples has 47
        // characters); thousands of characters are damage, and would multiply into every path
        // built from them (a 70 KB damaged file gave 28 MB of keys before this limit).
        guard count <= BinXMLLimits.nameCharacters else {
            throw BinXMLError(what: "name of \(count) characters (limit \(BinXMLLimits.nameCharacters))", offset: offset + 6)
        }
        guard let s = v.utf16(offset + 8, units: Int(count)) else {
            throw BinXMLError(what: "name characters", offset: offset + 8, need: Int(count) * 2, have: max(0, v.count - offset - 8))
        }
        names.set(offset, s)
        return s
    }

    /// Reads a name reference whose 32-bit offset field is at `field`; when the name is stored
    /// inline right after the field, returns the position after it, else after the field.
    private mutating func nameRef(_ v: ByteView, field: Int) throws -> (String, Int) {
        guard let off = v.u32(field) else {
            throw BinXMLError(what: "name offset", offset: field, need: 4, have: max(0, v.count - field))
        }
        let o = Int(off)
        let s = try name(v, at: o)
        if o == field + 4 {
            let count = Int(v.u16(o + 6) ?? 0)
            return (s, o + 8 + count * 2 + 2)
        }
        return (s, field + 4)
    }

    /// Whether a name reference at `field` looks sound (inline here, or an earlier name).
    private func plausibleName(_ v: ByteView, field: Int, before limit: Int) -> Bool {
        guard let off = v.u32(field) else { return false }
        let o = Int(off)
        if o == field + 4 { return v.u16(o + 6).map { v.has(o + 8, Int($0) * 2 + 2) } ?? false }
        return o < limit && o >= EVTXReader.chunkHeaderSize && v.u16(o + 6).map { v.has(o + 8, Int($0) * 2) } ?? false
    }

    // MARK: - Tokens

    /// Tokens of the binary XML in `[start, end)` up to its end-of-stream token.
    /// `nested` says the stream is a binary XML substitution value (type 0x21), whose elements
    /// may lack the dependency identifier.
    /// `rawText`: value text is handed as `.rawText` (where it lies) instead of `.value`.
    mutating func tokens(_ v: ByteView, from start: Int, to end: Int, nested: Bool, rawText: Bool = false) throws -> [Tok] {
        var out: [Tok] = []
        // Tokens take 4 bytes or more, but for a few one-byte ones.
        out.reserveCapacity(min(max(end - start, 0) / 4 + 8, 8192))
        var p = start
        func short(_ what: String, _ at: Int, _ need: Int) -> BinXMLError {
            BinXMLError(what: what, offset: at, need: need, have: max(0, end - at))
        }
        func u16(_ at: Int, _ what: String) throws -> UInt16 {
            guard at + 2 <= end, let x = v.u16(at) else { throw short(what, at, 2) }
            return x
        }
        func u32(_ at: Int, _ what: String) throws -> UInt32 {
            guard at + 4 <= end, let x = v.u32(at) else { throw short(what, at, 4) }
            return x
        }
        func chars(_ at: Int, _ what: String) throws -> (String, Int) {
            let n = Int(try u16(at, what))
            guard at + 2 + n * 2 <= end, let s = v.utf16(at + 2, units: n) else { throw short(what, at + 2, n * 2) }
            return (s, at + 2 + n * 2)
        }
        while p < end {
            let t = v.base[p]
            switch t & 0xBF {
            case 0x00:
                return out
            case 0x01:
                let hasAttrs = t & 0x40 != 0
                // With the 2-byte dependency identifier (usual) or without (seen in nested values).
                let withDep = p + 7, withoutDep = p + 5
                let preferred = nested ? withoutDep : withDep
                let other = nested ? withDep : withoutDep
                let field = plausibleName(v, field: preferred, before: p) ? preferred
                    : (plausibleName(v, field: other, before: p) ? other : preferred)
                guard field + 4 <= end else { throw short("element header", p, field + 4 - p) }
                let (n, next) = try nameRef(v, field: field)
                p = next + (hasAttrs ? 4 : 0)
                guard p <= end else { throw short("attribute list size", next, 4) }
                out.append(.open(n))
            case 0x02: out.append(.closeStart); p += 1
            case 0x03: out.append(.closeEmpty); p += 1
            case 0x04: out.append(.end); p += 1
            case 0x05:
                guard p + 2 <= end else { throw short("value type", p, 2) }
                let type = v.base[p + 1]
                if type == ValueType.string && rawText {
                    let n = Int(try u16(p + 2, "value text"))
                    guard p + 4 + n * 2 <= end, v.has(p + 4, n * 2) else { throw short("value text", p + 4, n * 2) }
                    out.append(.rawText(offset: p + 4, units: n))
                    p += 4 + n * 2
                } else if type == ValueType.string {
                    let (s, next) = try chars(p + 2, "value text")
                    out.append(.value(.string(s)))
                    p = next
                } else {
                    throw BinXMLError(what: "value token of type 0x\(String(type, radix: 16))", offset: p)
                }
            case 0x06:
                let (n, next) = try nameRef(v, field: p + 1)
                out.append(.attr(n))
                p = next
            case 0x07:
                let (s, next) = try chars(p + 1, "CDATA text")
                out.append(.cdata(s))
                p = next
            case 0x08:
                out.append(.charRef(try u16(p + 1, "character reference")))
                p += 3
            case 0x09:
                let (n, next) = try nameRef(v, field: p + 1)
                out.append(.entityRef(n))
                p = next
            case 0x0A:
                let (n, next) = try nameRef(v, field: p + 1)
                out.append(.piTarget(n))
                p = next
            case 0x0B:
                let (s, next) = try chars(p + 1, "processing instruction data")
                out.append(.piData(s))
                p = next
            case 0x0C:
                let defOffset = Int(try u32(p + 6, "template definition offset"))
                var q = p + 10
                if defOffset == q {
                    // Definition stored here: next-offset (4), GUID (16), data size (4), data.
                    let size = Int(try u32(q + 20, "template data size"))
                    q += 24 + size
                    guard q <= end else { throw short("template definition", p + 10, 24 + size) }
                }
                let count = Int(try u32(q, "substitution count"))
                q += 4
                guard count <= BinXMLLimits.substitutions, q + count * 4 <= end else {
                    throw short("substitution descriptors", q, count * 4)
                }
                var values: [SubValue] = []
                values.reserveCapacity(count)
                var data = q + count * 4
                for k in 0..<count {
                    let size = Int(v.u16(q + 4 * k) ?? 0)
                    let type = v.base[q + 4 * k + 2]
                    values.append(SubValue(type: type, offset: Int32(data), size: Int32(size)))
                    data += size
                }
                guard data <= end else { throw short("substitution values", q + count * 4, data - q - count * 4) }
                out.append(.template(definition: defOffset, values: values))
                p = data
            case 0x0D, 0x0E:
                let index = try u16(p + 1, "substitution index")
                guard p + 4 <= end else { throw short("substitution type", p + 3, 1) }
                out.append(.sub(index: index, type: v.base[p + 3], optional: t == 0x0E))
                p += 4
            case 0x0F:
                p += 4
            default:
                throw BinXMLError(what: "unknown token 0x\(String(t, radix: 16))", offset: p)
            }
        }
        return out
    }

    /// The tokens of the template definition at `offset`, parsed once per chunk.
    mutating func template(_ v: ByteView, at offset: Int) throws -> [Tok] {
        if let t = templates[offset] { return t }
        if let e = badTemplates[offset] { throw e }
        do {
            guard offset >= 0, let size = v.u32(offset + 20), v.has(offset + 24, Int(size)) else {
                throw BinXMLError(what: "template definition", offset: offset, need: 24, have: max(0, v.count - offset))
            }
            let toks = try tokens(v, from: offset + 24, to: offset + 24 + Int(size), nested: false)
            templates[offset] = toks
            return toks
        } catch let e as BinXMLError {
            badTemplates[offset] = e
            throw e
        }
    }

    // MARK: - Tree

    /// Parses the record body in `[start, end)` into `doc`.
    mutating func parseRecord(_ v: ByteView, from start: Int, to end: Int) throws {
        undecodableValues = 0
        doc.reset()
        stack.removeAll(keepingCapacity: true)
        attrName = nil
        attrPieces.removeAll(keepingCapacity: true)
        let toks = try tokens(v, from: start, to: end, nested: false)
        try emit(v, toks, values: nil, depth: 0)
        flushAttr()
        if doc.roots.isEmpty { throw BinXMLError(what: "record without an element", offset: start) }
    }

    private mutating func emit(_ v: ByteView, _ toks: [Tok], values: [SubValue]?, depth: Int) throws {
        guard depth <= BinXMLLimits.expansionDepth else {
            throw BinXMLError(what: "templates nested deeper than \(BinXMLLimits.expansionDepth)", offset: 0)
        }
        for tok in toks {
            switch tok {
            case .open(let n):
                flushAttr()
                guard stack.count < BinXMLLimits.elementDepth, doc.elements.count < BinXMLLimits.elements else {
                    throw BinXMLError(what: "element nesting or count over limit", offset: 0)
                }
                let idx = doc.elements.count
                doc.elements.append(XElement(name: n))
                if let parent = stack.last { doc.elements[parent].content.append(.element(idx)) } else { doc.roots.append(idx) }
                stack.append(idx)
            case .attr(let n):
                flushAttr()
                attrName = n
            case .closeStart:
                flushAttr()
            case .closeEmpty, .end:
                flushAttr()
                if stack.popLast() == nil { throw BinXMLError(what: "end of element without a start", offset: 0) }
            case .value(let x):
                add(x)
            case .sub(let index, _, let optional):
                guard let values, Int(index) < values.count else {
                    if optional { continue }
                    throw BinXMLError(what: "substitution \(index) without a value", offset: 0)
                }
                let sv = values[Int(index)]
                let o = Int(sv.offset), n = Int(sv.size)
                if sv.type == ValueType.binXML {
                    if n == 0 { continue }
                    let inner = try tokens(v, from: o, to: o + n, nested: true)
                    flushAttr()
                    try emit(v, inner, values: nil, depth: depth + 1)
                    continue
                }
                guard n >= 0, v.has(o, n) else {
                    throw BinXMLError(what: "substitution \(index) value of type 0x\(String(sv.type, radix: 16))", offset: o,
                                      need: n, have: max(0, v.count - max(0, o)))
                }
                guard let x = ValueDecoder.decode(v, type: sv.type, offset: o, size: n) else {
                    // A defined type whose bytes do not hold it (cut short, a SID whose count
                    // runs past its size) fails the record; a type code no version of the format
                    // defines keeps the record, the value shown as its bytes in hex.
                    if ValueType.isDefined(sv.type) {
                        throw BinXMLError(what: "substitution \(index) value of type 0x\(String(sv.type, radix: 16)) (\(n) bytes) does not decode", offset: o)
                    }
                    undecodableValues += 1
                    add(.text(Render.hexBytes(v, o, n)))
                    continue
                }
                if x.isNull { continue }
                add(x)
            case .charRef(let c):
                if attrName != nil {
                    attrPieces.append(.string(String(UnicodeScalar(c).map { Character($0) } ?? "\u{FFFD}")))
                } else if let top = stack.last {
                    doc.elements[top].content.append(.charRef(c))
                }
            case .entityRef(let n):
                if attrName != nil {
                    attrPieces.append(.string(Self.entity(n)))
                } else if let top = stack.last {
                    doc.elements[top].content.append(.entity(n))
                }
            case .cdata(let s):
                if let top = stack.last { doc.elements[top].content.append(.cdata(s)) }
            case .piTarget(let n):
                if let top = stack.last { doc.elements[top].content.append(.pi(n, "")) }
            case .rawText(let offset, let units):
                add(.string(v.utf16(offset, units: units) ?? ""))
            case .piData(let s):
                if let top = stack.last, case .pi(let n, _)? = doc.elements[top].content.last {
                    doc.elements[top].content[doc.elements[top].content.count - 1] = .pi(n, s)
                }
            case .template(let def, let vals):
                let body = try template(v, at: def)
                try emit(v, body, values: vals, depth: depth + 1)
            }
        }
    }

    private mutating func add(_ x: XValue) {
        if attrName != nil {
            attrPieces.append(x)
        } else if let top = stack.last {
            doc.elements[top].content.append(.value(x))
        }
    }

    private mutating func flushAttr() {
        guard let n = attrName else { return }
        attrName = nil
        guard let top = stack.last else { attrPieces.removeAll(); return }
        defer { attrPieces.removeAll(keepingCapacity: true) }
        var value: XValue?
        var joined: String?
        for p in attrPieces where !p.isNull {
            if let v = value {
                joined = (joined ?? v.flat) + p.flat
            } else {
                value = p
            }
        }
        guard let value else { return }  // an empty optional substitution drops the attribute
        doc.elements[top].attrs.append((n, joined.map(XValue.string) ?? value))
    }

    static func entity(_ name: String) -> String {
        switch name {
        case "amp": "&"
        case "lt": "<"
        case "gt": ">"
        case "quot": "\""
        case "apos": "'"
        default: "&\(name);"
        }
    }
}

/// A byte spelling of a template's tokens (names and text included, chunk offsets left out):
/// two definitions with the same fingerprint give the same static tree and plan.
struct Fingerprint: Hashable {
    var bytes: [UInt8]

    static func == (a: Fingerprint, b: Fingerprint) -> Bool {
        a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in Bytes.equal(x, y) } }
    }

    /// Hashes the length and up to 64 bytes from each end (`==` compares all of them).
    func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.count)
        bytes.withUnsafeBytes { raw in
            if raw.count <= 128 {
                hasher.combine(bytes: raw)
            } else {
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: raw[..<64]))
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: raw[(raw.count - 64)...]))
            }
        }
    }

    /// `nil` for tokens a plan never handles (nested template instances).
    static func of(_ toks: [Tok]) -> Fingerprint? {
        var out: [UInt8] = []
        out.reserveCapacity(toks.count * 8)
        func text(_ s: String) {
            let n = s.utf8.count
            out.append(UInt8(truncatingIfNeeded: n))
            out.append(UInt8(truncatingIfNeeded: n >> 8))
            out.append(UInt8(truncatingIfNeeded: n >> 16))
            out.append(contentsOf: s.utf8)
        }
        for t in toks {
            switch t {
            case .open(let n): out.append(1); text(n)
            case .attr(let n): out.append(2); text(n)
            case .closeStart: out.append(3)
            case .closeEmpty: out.append(4)
            case .end: out.append(5)
            case .value(let x):
                guard case .string(let s) = x else { return nil }
                out.append(6); text(s)
            case .sub(let index, let type, let optional):
                out.append(optional ? 8 : 7)
                out.append(UInt8(truncatingIfNeeded: index))
                out.append(UInt8(truncatingIfNeeded: index >> 8))
                out.append(type)
            case .charRef(let c):
                out.append(9)
                out.append(UInt8(truncatingIfNeeded: c))
                out.append(UInt8(truncatingIfNeeded: c >> 8))
            case .entityRef(let n): out.append(10); text(n)
            case .cdata(let s): out.append(11); text(s)
            case .piTarget(let n): out.append(12); text(n)
            case .piData(let s): out.append(13); text(s)
            case .rawText: return nil
            case .template: return nil
            }
        }
        return Fingerprint(bytes: out)
    }
}

/// A per-chunk cache keyed by chunk offset (0 ..< 65536): a direct index instead of hashing.
/// Offsets outside a chunk are never cached (`get` gives `nil`, `set` drops the value).
struct OffsetTable<Value> {
    /// Offset → index + 1 into `values` (0: absent); allocated on first `set`.
    private var index: [UInt16] = []
    private var values: [Value] = []
    private var offsets: [Int] = []

    @inline(__always)
    func get(_ offset: Int) -> Value? {
        guard offset >= 0, offset < index.count else { return nil }
        let k = Int(index[offset])
        return k == 0 ? nil : values[k - 1]
    }

    mutating func set(_ offset: Int, _ value: Value) {
        guard offset >= 0, offset < EVTXReader.chunkSize else { return }
        if index.isEmpty { index = [UInt16](repeating: 0, count: EVTXReader.chunkSize) }
        let k = Int(index[offset])
        if k != 0 {
            values[k - 1] = value
        } else if values.count < Int(UInt16.max) {
            values.append(value)
            offsets.append(offset)
            index[offset] = UInt16(values.count)
        }
    }

    /// Empties the table (keeps its storage).
    mutating func removeAll() {
        for o in offsets { index[o] = 0 }
        offsets.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }
}
