/// A small XML reader for one exported `<Event>` element, into the same tree the binary XML
/// reader builds (so flattening and record building are shared). Handles elements, attributes in
/// either quote, character and entity references, CDATA, comments and processing instructions;
/// no DTDs. Indentation-only text between elements is dropped.
enum MiniXML {
    struct Failure: Error {
        var what: String
        var offset: Int
    }

    static func parse(_ bytes: ArraySlice<UInt8>) throws -> XDoc {
        var doc = XDoc()
        var stack: [Int] = []
        let b = Array(bytes)
        var i = 0
        let n = b.count
        func fail(_ what: String) -> Failure { Failure(what: what, offset: i) }
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        func isNameChar(_ c: UInt8) -> Bool { !isSpace(c) && c != 0x3E && c != 0x2F && c != 0x3D && c != 0x3C }
        func name() throws -> String {
            let s = i
            while i < n && isNameChar(b[i]) { i += 1 }
            guard i > s else { throw fail("expected a name") }
            return String(decoding: b[s..<i], as: UTF8.self)
        }
        func add(_ c: XContent) {
            if let top = stack.last { doc.elements[top].content.append(c) }
        }
        while i < n {
            if b[i] != 0x3C {
                let s = i
                while i < n && b[i] != 0x3C { i += 1 }
                let raw = b[s..<i]
                let indentation = raw.allSatisfy(isSpace) && raw.contains { $0 == 0x0A || $0 == 0x0D }
                if !indentation && !raw.isEmpty {
                    add(.value(.string(try unescape(raw))))
                }
                continue
            }
            // Markup.
            if b[i...].starts(with: Array("<!--".utf8)) {
                guard let e = b.firstIndex(of: Array("-->".utf8), from: i + 4) else { throw fail("comment not closed") }
                i = e + 3
            } else if b[i...].starts(with: Array("<![CDATA[".utf8)) {
                guard let e = b.firstIndex(of: Array("]]>".utf8), from: i + 9) else { throw fail("CDATA not closed") }
                add(.cdata(String(decoding: b[(i + 9)..<e], as: UTF8.self)))
                i = e + 3
            } else if b[i...].starts(with: [0x3C, 0x3F]) {
                guard let e = b.firstIndex(of: Array("?>".utf8), from: i + 2) else { throw fail("processing instruction not closed") }
                i = e + 2
            } else if b[i...].starts(with: [0x3C, 0x21]) {
                guard let e = b[i...].firstIndex(of: 0x3E) else { throw fail("declaration not closed") }
                i = e + 1
            } else if b[i...].starts(with: [0x3C, 0x2F]) {
                i += 2
                let n = try name()
                while i < b.count && isSpace(b[i]) { i += 1 }
                guard i < b.count && b[i] == 0x3E else { throw fail("end tag </\(n) not closed") }
                i += 1
                guard let top = stack.popLast(), doc.elements[top].name == n || localName(doc.elements[top].name) == localName(n) else {
                    throw fail("end tag </\(n)> does not match")
                }
                if stack.isEmpty { return doc }
            } else {
                i += 1
                let n = try name()
                guard stack.count < BinXMLLimits.elementDepth, doc.elements.count < BinXMLLimits.elements else { throw fail("too deep") }
                let idx = doc.elements.count
                doc.elements.append(XElement(name: localName(n)))
                if let parent = stack.last { doc.elements[parent].content.append(.element(idx)) } else { doc.roots.append(idx) }
                stack.append(idx)
                while true {
                    while i < b.count && isSpace(b[i]) { i += 1 }
                    guard i < b.count else { throw fail("start tag <\(n) not closed") }
                    if b[i] == 0x3E { i += 1; break }
                    if b[i] == 0x2F {
                        guard i + 1 < b.count && b[i + 1] == 0x3E else { throw fail("bad empty-element tag") }
                        i += 2
                        stack.removeLast()
                        if stack.isEmpty { return doc }
                        break
                    }
                    let an = try name()
                    while i < b.count && isSpace(b[i]) { i += 1 }
                    guard i < b.count && b[i] == 0x3D else { throw fail("attribute \(an) without value") }
                    i += 1
                    while i < b.count && isSpace(b[i]) { i += 1 }
                    guard i < b.count, b[i] == 0x22 || b[i] == 0x27 else { throw fail("attribute \(an) value not quoted") }
                    let q = b[i]
                    let s = i + 1
                    guard let e = b[s...].firstIndex(of: q) else { throw fail("attribute \(an) value not closed") }
                    i = e + 1
                    doc.elements[idx].attrs.append((an, .string(try unescape(b[s..<e]))))
                }
            }
        }
        if !stack.isEmpty { throw fail("element <\(doc.elements[stack.last!].name)> not closed") }
        return doc
    }


    /// `e:Event` → `Event` (exports rarely use prefixes; the reference names have none).
    static func localName(_ s: String) -> String {
        guard let colon = s.firstIndex(of: ":") else { return s }
        if s.hasPrefix("xmlns") { return s }
        return String(s[s.index(after: colon)...])
    }

    /// Resolves the five predefined entities and numeric character references.
    static func unescape(_ raw: ArraySlice<UInt8>) throws -> String {
        guard raw.contains(0x26) else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let c = raw[i]
            guard c == 0x26, let semi = raw[i...].prefix(12).firstIndex(of: 0x3B) else {
                out.append(c)
                i += 1
                continue
            }
            let ent = String(decoding: raw[(i + 1)..<semi], as: UTF8.self)
            var scalar: UInt32?
            switch ent {
            case "amp": scalar = 0x26
            case "lt": scalar = 0x3C
            case "gt": scalar = 0x3E
            case "quot": scalar = 0x22
            case "apos": scalar = 0x27
            default:
                if ent.hasPrefix("#x") || ent.hasPrefix("#X") { scalar = UInt32(ent.dropFirst(2), radix: 16) } else if ent.hasPrefix("#") { scalar = UInt32(ent.dropFirst()) }
            }
            if let v = scalar, let u = Unicode.Scalar(v) {
                out.append(contentsOf: Array(String(Character(u)).utf8))
                i = semi + 1
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
