import LogRecord

/// Turns a record's rendered XML tree into a normalized `Record`: the `System` facts into
/// `winlog.*` and ECS fields, `EventData` / `UserData` flattened as the reference parser's JSON
/// shows them (see `../shared/tools/evtx_oracle.py`).
extension XDoc {
    func children(of e: Int) -> [Int] {
        elements[e].content.compactMap { if case .element(let i) = $0 { i } else { nil } }
    }

    func hasElementChildren(_ e: Int) -> Bool {
        elements[e].content.contains { if case .element = $0 { true } else { false } }
    }

    func child(_ name: String, of e: Int) -> Int? {
        for c in elements[e].content {
            if case .element(let i) = c, elements[i].name == name { return i }
        }
        return nil
    }

    func attr(_ name: String, of e: Int) -> XValue? {
        elements[e].attrs.first(where: { $0.name == name })?.value
    }

    /// The element's character data: its values (and references) in order, or `nil` if none.
    func text(of e: Int) -> XValue? {
        var first: XValue?
        var more: [XValue] = []
        for c in elements[e].content {
            let piece: XValue
            switch c {
            case .value(let v): piece = v
            case .cdata(let s): piece = .string(s)
            case .entity(let n): piece = .string(BinXMLParser.entity(n))
            case .charRef(let u): piece = .string(String(UnicodeScalar(u).map { Character($0) } ?? "\u{FFFD}"))
            case .element, .pi: continue
            }
            if first == nil { first = piece } else { more.append(piece) }
        }
        guard let first else { return nil }
        if more.isEmpty { return first }
        return .string(first.flat + more.map(\.flat).joined())
    }

    var root: Int? {
        roots.first(where: { elements[$0].name == "Event" }) ?? roots.first
    }
}

extension XValue {
    /// An integer from a typed value or a decimal / `0x` string (forwarded logs store strings).
    var integer: Int? {
        switch self {
        case .int(let v): return Int(exactly: v)
        case .uint(let v): return Int(exactly: v)
        case .bool(let b): return b ? 1 : 0
        case .hex(let v): return Int(exactly: v)
        case .string(let s), .text(let s):
            let t = s.trimmingSpaces
            if t.hasPrefix("0x") || t.hasPrefix("0X") { return Int(t.dropFirst(2), radix: 16) }
            return Int(t)
        default: return nil
        }
    }
}

extension String {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s = s.dropLast() }
        return s
    }
}

/// Flattening of `EventData` / `UserData` (evtx_oracle.py FLATTENING).
enum Flatten {
    static func isXMLNS(_ n: String) -> Bool { n == "xmlns" || n.hasPrefix("xmlns:") }

    static func eventData(_ doc: XDoc, _ e: Int) -> [(String, String)] {
        var out: [(String, String)] = []
        for (n, v) in doc.elements[e].attrs where !isXMLNS(n) { out.append(("@" + n, v.flat)) }
        let kids = doc.children(of: e)
        if let t = doc.text(of: e) {
            if kids.isEmpty && doc.elements[e].attrs.isEmpty { return [("", t.flat)] }
            out.append(("#text", t.flat))
        }
        let named = kids.contains { doc.elements[$0].name == "Data" && dataName(doc, $0) != nil }
        var unnamed: [XValue] = []
        var sawUnnamed = false
        var unnamedAt = 0
        var seen: Set<String> = []
        for (k, _) in out { seen.insert(k) }
        var used: [String: Int] = [:]
        for k in kids {
            let el = doc.elements[k]
            if el.name == "Data" {
                if let key = dataName(doc, k) {
                    if doc.hasElementChildren(k) {
                        // Nested binary XML inside a named Data: its elements below the name.
                        let before = out.count
                        namedDataTree(doc, k, key: key, into: &out)
                        for i in before..<out.count { seen.insert(out[i].0) }
                        continue
                    }
                    // A repeated name replaces the earlier value (the reference's JSON object).
                    let value = doc.text(of: k)?.flat ?? ""
                    if seen.contains(key), let i = out.firstIndex(where: { $0.0 == key }) {
                        out[i].1 = value
                    } else {
                        out.append((key, value))
                        seen.insert(key)
                    }
                } else if !named {
                    if !sawUnnamed { unnamedAt = out.count }
                    sawUnnamed = true
                    if let t = doc.text(of: k) {
                        if case .array(let items) = t { unnamed.append(contentsOf: items) } else { unnamed.append(t) }
                    } else {
                        unnamed.append(.string(""))
                    }
                }
            } else {
                let before = out.count
                generic(doc, k, path: unique(el.name, &used), into: &out)
                for i in before..<out.count { seen.insert(out[i].0) }
            }
        }
        if sawUnnamed {
            // In document order, where the first unnamed Data stood.
            out.insert(contentsOf: unnamed.enumerated().map { ("Data[\($0.offset)]", $0.element.flat) }, at: unnamedAt)
        }
        return out
    }

    static func userData(_ doc: XDoc, _ e: Int) -> [(String, String)] {
        var out: [(String, String)] = []
        if doc.elements[e].attrs.isEmpty && doc.elements[e].content.isEmpty { return out }
        generic(doc, e, path: "", into: &out)
        return out
    }

    /// A named `Data` holding elements: flattened like any element below `key`, its own
    /// attributes left out (the reference keys the node by its name and drops them).
    static func namedDataTree(_ doc: XDoc, _ e: Int, key: String, into out: inout [(String, String)]) {
        let before = out.count
        if let t = doc.text(of: e) { out.append((key, t.flat)) }
        var used: [String: Int] = [:]
        for k in doc.children(of: e) {
            let c = doc.elements[k]
            generic(doc, k, path: key + "/" + unique(c.name, &used), into: &out)
        }
        if out.count == before { out.append((key, "")) }
    }

    /// The non-empty `Name` attribute of a `Data` element.
    static func dataName(_ doc: XDoc, _ e: Int) -> String? {
        guard let v = doc.attr("Name", of: e) else { return nil }
        let s = v.flat
        return s.isEmpty ? nil : s
    }

    static func unique(_ key: String, _ used: inout [String: Int]) -> String {
        if let n = used[key] {
            used[key] = n + 1
            return "\(key)_\(n)"
        }
        used[key] = 1
        return key
    }

    /// The reference's JSON shape of an element, flattened by path.
    static func generic(_ doc: XDoc, _ e: Int, path: String, into out: inout [(String, String)]) {
        let before = out.count
        for (n, v) in doc.elements[e].attrs where !isXMLNS(n) {
            out.append((path.isEmpty ? "@" + n : join(path, "/@", n), v.flat))
        }
        if let t = doc.text(of: e) {
            if case .array(let items) = t {
                for (i, item) in items.enumerated() { out.append(("\(path)[\(i)]", item.flat)) }
            } else {
                out.append((path, t.flat))
            }
        }
        let numbered = doc.hasSeveralElementChildren(e)
        var used = UsedNames()
        for case .element(let k) in doc.elements[e].content {
            if doc.elements[k].name == "Data", let key = dataName(doc, k) {
                let p = numbered ? used.unique(key) : key
                out.append((path.isEmpty ? p : join(path, "/", p), doc.text(of: k)?.flat ?? ""))
                continue
            }
            let name = doc.elements[k].name
            let key = numbered ? used.unique(name) : name
            generic(doc, k, path: path.isEmpty ? key : join(path, "/", key), into: &out)
        }
        if out.count == before && !path.isEmpty { out.append((path, "")) }
    }

    /// `unique` for the children of one element: a short list searched in order, a dictionary
    /// once it grows (elements can have thousands of children).
    struct UsedNames {
        var list: [(String, Int)] = []
        var map: [String: Int]?

        mutating func unique(_ key: String) -> String {
            if map != nil { return Flatten.unique(key, &map!) }
            for i in list.indices where list[i].0 == key {
                let n = list[i].1
                list[i].1 = n + 1
                return "\(key)_\(n)"
            }
            if list.count >= 16 {
                var m: [String: Int] = [:]
                for (k, n) in list { m[k] = n }
                map = m
                return Flatten.unique(key, &map!)
            }
            if list.isEmpty { list.reserveCapacity(8) }
            list.append((key, 1))
            return key
        }
    }

    /// `a + sep + b` built in one allocation.
    static func join(_ a: String, _ sep: StaticString, _ b: String) -> String {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let count = x.count + sep.utf8CodeUnitCount + y.count
                return String(unsafeUninitializedCapacity: count) { out in
                    guard let dst = out.baseAddress else { return 0 }
                    let s = sep.utf8CodeUnitCount
                    if let p = x.baseAddress { dst.update(from: p, count: x.count) }
                    dst.advanced(by: x.count).update(from: sep.utf8Start, count: s)
                    if let p = y.baseAddress { dst.advanced(by: x.count + s).update(from: p, count: y.count) }
                    return count
                }
            }
        }
    }
}

enum EventFacts {
    static func level(_ n: Int?) -> Severity? {
        switch n {
        case 1: .critical
        case 2: .error
        case 3: .warning
        case 0, 4: .information
        case 5: .verbose
        default: nil
        }
    }

    /// Builds the normalized record of one parsed event.
    /// `recordID` and `fileTime` come from the EVTX record header; exported XML has neither
    /// (`nil`): its record id is taken from `EventRecordID` and a missing `TimeCreated` leaves
    /// the record without a timestamp.
    static func record(_ doc: XDoc, recordID: UInt64?, fileTime: UInt64?, dataset: String,
                       context: ParseContext) -> Record {
        var values = [XValue?](repeating: nil, count: SystemField.allCases.count)
        var storedID: UInt64?
        var eventData: [(String, String)] = []
        var userData: [(String, String)] = []
        if let root = doc.root {
            if let sys = doc.child("System", of: root) {
                for k in doc.children(of: sys) {
                    let name = doc.elements[k].name
                    if name == "EventRecordID" {
                        if recordID == nil, let n = doc.text(of: k)?.integer, n >= 0 { storedID = UInt64(n) }
                        continue
                    }
                    for f in SystemField.fields(of: name) {
                        if let a = f.place.attribute {
                            values[f.rawValue] = doc.attr(a, of: k)
                        } else {
                            values[f.rawValue] = doc.text(of: k)
                        }
                    }
                }
            }
            if let ed = doc.child("EventData", of: root) {
                eventData = Flatten.eventData(doc, ed)
            } else if let ud = doc.child("UserData", of: root) {
                userData = Flatten.userData(doc, ud)
            }
        }
        var facts = SystemFacts(recordID: recordID ?? storedID,
                                text: { values[$0.rawValue]?.flat },
                                guid: { values[$0.rawValue].map { guidText($0.flat) } },
                                integer: { values[$0.rawValue]?.integer },
                                value: { values[$0.rawValue] })
        facts.winlog.eventData = eventData
        facts.winlog.userData = userData
        return facts.record(fileTime: fileTime, dataset: dataset, context: context)
    }

    /// `TimeCreated/@SystemTime`: a FILETIME, or a string (forwarded events) in ISO 8601.
    static func timeCreated(_ v: XValue) -> Timestamp? {
        if case .fileTime(let t) = v { return Timestamp(fileTime: t, precision: .microseconds) }
        guard let t = Timestamp.parseISO8601(v.flat) else { return nil }
        return Timestamp(microsecondsSinceEpoch: t.microseconds, precision: .microseconds)
    }

    static func guidText(_ s: String) -> String {
        // Typed GUIDs are already upper case without braces.
        var bytes = s
        let plain = bytes.withUTF8 { u -> Bool in
            for b in u where b == 0x7B || (b >= 0x61 && b <= 0x7A) { return false }
            return true
        }
        if plain { return s }
        var t = Substring(s)
        if t.first == "{" && t.last == "}" { t = t.dropFirst().dropLast() }
        return t.uppercased()
    }

    /// `Provider EventID: k1=v1, k2=v2` on one line (line breaks in values become spaces).
    static func message(_ w: Winlog) -> String {
        (w.eventData.isEmpty ? w.userData : w.eventData).withUnsafeBufferPointer { data in
            message(provider: w.providerName, eventID: w.eventID, data: data)
        }
    }

    private static func message(provider: String?, eventID: Int?, data: UnsafeBufferPointer<(String, String)>) -> String {
        var size = (provider?.utf8.count ?? 5) + 32
        for i in data.indices { size += data[i].0.utf8.count + data[i].1.utf8.count + 3 }
        return String(unsafeUninitializedCapacity: size) { out in
            var n = 0
            n = MessageBytes.put(provider ?? "event", into: out, at: n)
            if let id = eventID {
                out[n] = 0x20
                n = MessageBytes.put(String(id), into: out, at: n + 1)
            }
            if !data.isEmpty {
                out[n] = 0x3A
                out[n + 1] = 0x20
                n += 2
                for i in data.indices {
                    if i > 0 {
                        out[n] = 0x2C
                        out[n + 1] = 0x20
                        n += 2
                    }
                    n = MessageBytes.put(data[i].0, into: out, at: n)
                    out[n] = 0x3D
                    n = MessageBytes.put(data[i].1, into: out, at: n + 1)
                }
            }
            return n
        }
    }

    static func oneLine(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { return s }
        var out = ""
        var lastSpace = false
        for ch in s {
            if ch == "\n" || ch == "\r" || ch == "\r\n" {
                if !lastSpace { out.append(" ") }
                lastSpace = true
            } else {
                out.append(ch)
                lastSpace = ch == " "
            }
        }
        return String(out.trimmingSpaces)
    }
}

/// Copies text into a message buffer, turning line breaks into single spaces.
enum MessageBytes {
    /// The high bit of every byte of `w` (little-endian) that is 0x0A or 0x0D, and no other bit.
    @inline(__always)
    static func lineBreakMask(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        // Exact per byte (no borrow between bytes): high bit set where the byte is zero.
        @inline(__always) func zeros(_ x: UInt64) -> UInt64 { ~(((x & low) &+ low) | x | low) }
        return zeros(w ^ (ones &* 0x0A)) | zeros(w ^ (ones &* 0x0D))
    }

    /// Writes `s` at `at` (the buffer has room for its UTF-8); returns the end offset. Line breaks
    /// become one space (none at the start or end, none next to an existing space).
    static func put(_ s: String, into out: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        if let n = s.utf8.withContiguousStorageIfAvailable({ put($0, into: out, at: start) }) { return n }
        var s = s
        return s.withUTF8 { put($0, into: out, at: start) }
    }

    static func put(_ u: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        do {
            guard let src = u.baseAddress, let dst = out.baseAddress else { return start }
            var n = start
            var i = 0
            let count = u.count
            var pendingSpace = false
            while i < count {
                // Copy the run up to the next line break in one go.
                var j = i
                // Eight bytes at a time (SWAR): the first CR or LF is the lowest marked byte.
                var found = false
                while j + 8 <= count {
                    let m = lineBreakMask(Load.u64(src + j))
                    if m != 0 {
                        j += m.trailingZeroBitCount >> 3
                        found = true
                        break
                    }
                    j += 8
                }
                if !found {
                    while j < count && src[j] != 0x0A && src[j] != 0x0D { j += 1 }
                }
                if j > i {
                    if pendingSpace && n > start && dst[n - 1] != 0x20 && src[i] != 0x20 {
                        dst[n] = 0x20
                        n += 1
                    }
                    pendingSpace = false
                    (dst + n).update(from: src + i, count: j - i)
                    n += j - i
                }
                if j < count { pendingSpace = n > start }
                i = j + 1
            }
            return n
        }
    }
}

/// XML rendering of a record's tree (for `parse --xml`).
enum XMLRender {
    static func render(_ doc: XDoc) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        for r in doc.roots { element(doc, r, indent: 0, into: &out) }
        return out
    }

    static func element(_ doc: XDoc, _ e: Int, indent: Int, into out: inout String) {
        let el = doc.elements[e]
        let pad = String(repeating: "  ", count: indent)
        out += pad + "<" + el.name
        for (n, v) in el.attrs { out += " " + n + "=\"" + escape(v.xmlText, attribute: true) + "\"" }
        if el.content.isEmpty { out += "/>\n"; return }
        let hasElements = el.content.contains { if case .element = $0 { true } else { false } }
        out += ">"
        if hasElements { out += "\n" }
        for c in el.content {
            switch c {
            case .element(let i): element(doc, i, indent: indent + 1, into: &out)
            case .value(let v): out += escape(v.xmlText, attribute: false)
            case .cdata(let s): out += "<![CDATA[" + s + "]]>"
            case .entity(let n): out += "&" + n + ";"
            case .charRef(let u): out += "&#\(u);"
            case .pi(let t, let d): out += "<?" + t + (d.isEmpty ? "" : " " + d) + "?>"
            }
        }
        if hasElements { out += pad }
        out += "</" + el.name + ">\n"
    }

    static func escape(_ s: String, attribute: Bool) -> String {
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }) else { return s }
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}
