/// One element of a configuration file read by `ConfigXML`.
public struct ConfigXMLElement: Sendable {
    /// The element's name without a namespace prefix (`target` for `<nlog:target>`), as written.
    public var name: String
    /// Attributes in document order: local name (prefix dropped, `xsi:type` → `type`), unescaped value.
    public var attributes: [(name: String, value: String)]
    public var children: [ConfigXMLElement]
    /// The element's own character data (text and CDATA between its tags), unescaped, at most
    /// `ConfigXML.textLimit` bytes.
    public var text: String

    public init(name: String, attributes: [(name: String, value: String)] = [], children: [ConfigXMLElement] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// `true` when the name is `name`, ignoring ASCII case (the .NET logging libraries read their
    /// element names case-insensitively).
    public func named(_ other: String) -> Bool { ConfigXML.equalFold(name, other) }

    /// The value of the attribute whose local name is `name` (ASCII case-insensitive), if present.
    public func attribute(_ name: String) -> String? {
        attributes.first { ConfigXML.equalFold($0.name, name) }?.value
    }

    /// Direct children named `name` (ASCII case-insensitive).
    public func children(named name: String) -> [ConfigXMLElement] {
        children.filter { $0.named(name) }
    }

    public func child(named name: String) -> ConfigXMLElement? {
        children.first { $0.named(name) }
    }

    /// Every element below this one (depth first, document order) named `name`, this one included.
    /// Bounded by the document's own depth limit.
    public func descendants(named name: String) -> [ConfigXMLElement] {
        var out: [ConfigXMLElement] = []
        var stack: [ConfigXMLElement] = [self]
        while let e = stack.popLast() {
            if e.named(name) { out.append(e) }
            stack.append(contentsOf: e.children.reversed())
        }
        return out
    }
}

/// A small, bounded XML reader for logging configurations: elements, attributes, character data,
/// comments, CDATA, processing instructions and a skipped DOCTYPE.
///
/// It is lenient where configuration files on real machines are sloppy (a missing end tag, an
/// unknown entity, a stray `&`), and strict about resources: the input is at most `byteLimit`
/// bytes, nesting at most `depthLimit`, at most `elementLimit` elements. Entities other than the
/// five predefined ones and character references are never expanded (no DTD is read), so entity
/// expansion cannot grow the input. Every problem is described in `problems`; nothing traps.
public enum ConfigXML {
    public static let byteLimit = 8 << 20
    public static let depthLimit = 64
    public static let elementLimit = 200_000
    public static let textLimit = 256 << 10
    static let problemLimit = 10

    /// The parsed document: a synthetic root element (named `#document`) whose children are the
    /// top-level elements, and the problems met. What was read before a fatal problem is kept.
    public struct Document: Sendable {
        public var root: ConfigXMLElement
        public var problems: [String]
        /// `false` when reading stopped before the end (a limit, or no XML at all).
        public var complete: Bool
    }

    /// Reads `bytes` (UTF-8, or UTF-16 with a byte order mark or an ASCII NUL pattern).
    public static func parse(_ bytes: [UInt8]) -> Document {
        var problems: [String] = []
        var input = bytes
        if input.count > byteLimit {
            problems.append("configuration is \(input.count) bytes; only the first \(byteLimit) were read")
            input = Array(input.prefix(byteLimit))
        }
        input = ConfigText.utf8(input)
        var reader = Reader(b: input)
        reader.run()
        problems += reader.problems
        return Document(root: reader.finish(), problems: problems, complete: reader.complete)
    }

    static func equalFold(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            let lp = p >= 0x41 && p <= 0x5A ? p + 32 : p
            let lq = q >= 0x41 && q <= 0x5A ? q + 32 : q
            if lp != lq { return false }
        }
        return true
    }

    /// The tokenizer: one pass over the bytes, an explicit stack of open elements (no recursion).
    struct Reader {
        let b: [UInt8]
        var i = 0
        var stack: [ConfigXMLElement] = [ConfigXMLElement(name: "#document")]
        var elements = 0
        var problems: [String] = []
        var complete = true
        var unknownEntities = 0

        init(b: [UInt8]) { self.b = b }

        mutating func problem(_ text: String) {
            if problems.count < ConfigXML.problemLimit { problems.append(text) }
        }

        /// Where line counting has got to: offset and its line (messages come in document order,
        /// so counting goes on from the last one).
        var counted = (offset: 0, line: 1)

        /// Line number of byte offset `at` (for messages).
        mutating func line(_ at: Int) -> Int {
            let end = min(at, b.count)
            if end < counted.offset { counted = (0, 1) }
            var k = counted.offset, n = counted.line
            while k < end { if b[k] == 0x0A { n += 1 }; k += 1 }
            counted = (end, n)
            return n
        }

        mutating func run() {
            while i < b.count {
                if b[i] == 0x3C /* < */ {
                    if !markup() { return }
                } else {
                    text()
                }
            }
            if stack.count > 1 {
                let open = stack.dropFirst().map { "<\($0.name)>" }.joined(separator: " ")
                problem("the file ends inside \(open): closed there")
            }
        }

        /// Closes every element still open; returns the document root.
        mutating func finish() -> ConfigXMLElement {
            while stack.count > 1 { pop() }
            return stack[0]
        }

        mutating func pop() {
            let e = stack.removeLast()
            stack[stack.count - 1].children.append(e)
        }

        mutating func appendText(_ s: String) {
            let top = stack.count - 1
            if stack[top].text.utf8.count + s.utf8.count <= ConfigXML.textLimit {
                stack[top].text += s
            }
        }

        mutating func text() {
            let start = i
            while i < b.count, b[i] != 0x3C { i += 1 }
            if stack.count > 1 {
                appendText(unescape(start, i))
            }
        }

        /// Handles markup at `<`. Returns `false` when reading must stop.
        mutating func markup() -> Bool {
            let start = i
            if starts("<!--") {
                guard let end = find("-->", from: i + 4) else {
                    problem("line \(line(start)): a comment is never closed")
                    i = b.count
                    return true
                }
                i = end + 3
                return true
            }
            if starts("<![CDATA[") {
                let end = find("]]>", from: i + 9) ?? b.count
                if stack.count > 1 { appendText(String(decoding: b[(i + 9)..<end], as: UTF8.self)) }
                i = min(b.count, end + 3)
                return true
            }
            if starts("<?") {
                i = (find("?>", from: i + 2).map { $0 + 2 }) ?? b.count
                return true
            }
            if starts("<!") {
                // DOCTYPE (with an internal subset in brackets) or another declaration: skipped,
                // entities declared there are not expanded.
                var depth = 0
                i += 2
                while i < b.count {
                    let c = b[i]
                    if c == 0x5B { depth += 1 } else if c == 0x5D { depth -= 1 } else if c == 0x3E, depth <= 0 { break }
                    i += 1
                }
                i = min(b.count, i + 1)
                return true
            }
            if starts("</") {
                i += 2
                let name = readName()
                while i < b.count, b[i] != 0x3E { i += 1 }
                i = min(b.count, i + 1)
                closeElement(name, at: start)
                return true
            }
            // Start tag.
            i += 1
            let name = readName()
            if name.isEmpty {
                problem("line \(line(start)): '<' that starts no tag: read as text")
                appendText("<")
                return true
            }
            var attributes: [(name: String, value: String)] = []
            var selfClosing = false
            while i < b.count {
                skipSpace()
                guard i < b.count else { break }
                if b[i] == 0x3E { i += 1; break }
                if b[i] == 0x2F /* / */ {
                    i += 1
                    if i < b.count, b[i] == 0x3E { i += 1; selfClosing = true; break }
                    continue
                }
                let attrStart = i
                let attrName = readName()
                if attrName.isEmpty {
                    // Not a name: skip the byte (a stray character inside the tag).
                    i += 1
                    continue
                }
                skipSpace()
                var value = ""
                if i < b.count, b[i] == 0x3D /* = */ {
                    i += 1
                    skipSpace()
                    if i < b.count, b[i] == 0x22 || b[i] == 0x27 {
                        let quote = b[i]
                        let vs = i + 1
                        var ve = vs
                        while ve < b.count, b[ve] != quote { ve += 1 }
                        if ve >= b.count { problem("line \(line(attrStart)): attribute \(attrName) is never closed") }
                        value = unescape(vs, ve)
                        i = min(b.count, ve + 1)
                    } else {
                        let vs = i
                        while i < b.count, !isSpace(b[i]), b[i] != 0x3E, b[i] != 0x2F { i += 1 }
                        value = unescape(vs, i)
                    }
                }
                if attributes.count < 256 { attributes.append((localName(attrName), value)) }
            }
            elements += 1
            if elements > ConfigXML.elementLimit {
                problem("more than \(ConfigXML.elementLimit) elements: reading stopped at line \(line(start))")
                complete = false
                return false
            }
            let element = ConfigXMLElement(name: localName(name), attributes: attributes)
            if stack.count - 1 >= ConfigXML.depthLimit {
                problem("elements nested deeper than \(ConfigXML.depthLimit) at line \(line(start)): reading stopped")
                complete = false
                return false
            }
            stack.append(element)
            if selfClosing { pop() }
            return true
        }

        mutating func closeElement(_ raw: String, at: Int) {
            let name = localName(raw)
            if let k = stack.lastIndex(where: { $0.name == name }), k > 0 {
                if k != stack.count - 1 {
                    problem("line \(line(at)): </\(name)> closes <\(stack[stack.count - 1].name)> that was never closed")
                }
                while stack.count > k { pop() }
            } else {
                problem("line \(line(at)): </\(raw)> without its start tag: ignored")
            }
        }

        func localName(_ name: String) -> String {
            if let colon = name.utf8.lastIndex(of: 0x3A) {
                return String(name[name.utf8.index(after: colon)...])
            }
            return name
        }

        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

        mutating func skipSpace() { while i < b.count, isSpace(b[i]) { i += 1 } }

        mutating func readName() -> String {
            let start = i
            while i < b.count {
                let c = b[i]
                if isSpace(c) || c == 0x3E || c == 0x2F || c == 0x3D || c == 0x3C || c == 0x22 || c == 0x27 { break }
                i += 1
            }
            return String(decoding: b[start..<i], as: UTF8.self)
        }

        func starts(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard i + n <= b.count else { return false }
            return s.withUTF8Buffer { p in
                for k in 0..<n where b[i + k] != p[k] { return false }
                return true
            }
        }

        func find(_ s: StaticString, from: Int) -> Int? {
            let n = s.utf8CodeUnitCount
            return s.withUTF8Buffer { p -> Int? in
                var k = from
                while k + n <= b.count {
                    if b[k] == p[0] {
                        var all = true
                        for m in 1..<n where b[k + m] != p[m] { all = false; break }
                        if all { return k }
                    }
                    k += 1
                }
                return nil
            }
        }

        /// The bytes `start..<end` with the predefined entities and character references replaced.
        mutating func unescape(_ start: Int, _ end: Int) -> String {
            var k = start
            var hasAmp = false
            while k < end { if b[k] == 0x26 { hasAmp = true; break }; k += 1 }
            if !hasAmp { return String(decoding: b[start..<end], as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(end - start)
            k = start
            while k < end {
                let c = b[k]
                guard c == 0x26 else { out.append(c); k += 1; continue }
                var semi = k + 1
                while semi < end, semi - k <= 12, b[semi] != 0x3B { semi += 1 }
                guard semi < end, b[semi] == 0x3B else { out.append(c); k += 1; continue }
                let name = Array(b[(k + 1)..<semi])
                if let scalar = entity(name) {
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                } else {
                    unknownEntities += 1
                    if unknownEntities == 1 {
                        problem("entity &\(String(decoding: name, as: UTF8.self)); is not expanded (no DTD is read)")
                    }
                    out.append(contentsOf: b[k...semi])
                }
                k = semi + 1
            }
            return String(decoding: out, as: UTF8.self)
        }

        func entity(_ name: [UInt8]) -> Unicode.Scalar? {
            switch String(decoding: name, as: UTF8.self) {
            case "lt": return "<"
            case "gt": return ">"
            case "amp": return "&"
            case "quot": return "\""
            case "apos": return "'"
            default: break
            }
            guard name.count >= 2, name[0] == 0x23 /* # */ else { return nil }
            var value: UInt32 = 0
            let hex = name[1] == 0x78 || name[1] == 0x58
            let digits = name.dropFirst(hex ? 2 : 1)
            guard !digits.isEmpty, digits.count <= 8 else { return nil }
            for d in digits {
                let v: UInt32
                switch d {
                case 0x30...0x39: v = UInt32(d - 0x30)
                case 0x61...0x66 where hex: v = UInt32(d - 0x61 + 10)
                case 0x41...0x46 where hex: v = UInt32(d - 0x41 + 10)
                default: return nil
                }
                value = value * (hex ? 16 : 10) + v
            }
            return Unicode.Scalar(value)
        }
    }
}

/// Text helpers shared by the configuration readers.
enum ConfigText {
    /// `bytes` as UTF-8: a UTF-8 BOM dropped; UTF-16 (by BOM, or by NULs beside ASCII in the first
    /// bytes) transcoded; invalid sequences replaced.
    static func utf8(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return Array(bytes.dropFirst(3)) }
        var littleEndian: Bool?
        var body = bytes[...]
        if bytes.starts(with: [0xFF, 0xFE]) { littleEndian = true; body = bytes.dropFirst(2) }
        else if bytes.starts(with: [0xFE, 0xFF]) { littleEndian = false; body = bytes.dropFirst(2) }
        else if bytes.count >= 4, bytes[0] != 0, bytes[1] == 0, bytes[3] == 0 { littleEndian = true }
        else if bytes.count >= 4, bytes[0] == 0, bytes[1] != 0, bytes[2] == 0 { littleEndian = false }
        guard let le = littleEndian else { return bytes }
        var units: [UInt16] = []
        units.reserveCapacity(body.count / 2)
        var k = body.startIndex
        while k + 1 < body.endIndex {
            let lo = UInt16(body[k]), hi = UInt16(body[k + 1])
            units.append(le ? lo | hi << 8 : hi | lo << 8)
            k += 2
        }
        return Array(String(decoding: units, as: UTF16.self).utf8)
    }
}
