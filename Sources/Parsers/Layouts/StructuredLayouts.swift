import LogRecord

/// A JSON-per-line layout: which top-level key holds what.
struct JSONMap: Sendable {
    enum Role: Sendable, Hashable {
        case time(LayoutTime)
        case level
        case message
        /// A message template (`@mt`, `MessageTemplate`): rendered with the entry's properties
        /// when no rendered message is written.
        case template
        case exception
        case logger
        case thread
        case eventID
        case host
        /// An object of properties (Serilog `JsonFormatter`'s `Properties`): `SourceContext`,
        /// `ThreadId` and `MachineName` are read from it.
        case properties
        case property(String)
    }

    var keys: [(key: [UInt8], role: Role)]
    /// Serilog CLEF: a missing level is `Information`.
    var levelDefault: Severity?

    func role(_ key: ArraySlice<UInt8>) -> Role? {
        for k in keys where k.key.count == key.count && k.key.elementsEqual(key) { return k.role }
        return nil
    }

    /// Serilog's compact format (`@t`, `@mt`, `@m`, `@l`, `@x`, `@i`).
    static let clef = JSONMap(keys: [
        (Array("@t".utf8), .time(LayoutTime(form: .iso(minFraction: 0)))), (Array("@m".utf8), .message),
        (Array("@mt".utf8), .template), (Array("@l".utf8), .level), (Array("@x".utf8), .exception),
        (Array("@i".utf8), .eventID), (Array("SourceContext".utf8), .logger), (Array("ThreadId".utf8), .thread),
        (Array("MachineName".utf8), .host),
    ], levelDefault: .information)

    /// Serilog's plain `JsonFormatter` (`Timestamp`, `Level`, `MessageTemplate`, `RenderedMessage`, `Exception`).
    static let serilogPlain = JSONMap(keys: [
        (Array("Timestamp".utf8), .time(LayoutTime(form: .iso(minFraction: 0)))), (Array("RenderedMessage".utf8), .message),
        (Array("MessageTemplate".utf8), .template), (Array("Level".utf8), .level), (Array("Exception".utf8), .exception),
        (Array("Properties".utf8), .properties),
    ], levelDefault: .information)
}

/// A CSV layout: the role of each column, the delimiter, whether a header row comes first.
struct CSVMap: Sendable {
    enum Role: Sendable, Hashable {
        case time(LayoutTime), level, message, exception, logger, thread, other
    }

    var roles: [Role]
    var names: [String]
    var delimiter: UInt8
    var quote: UInt8 = UInt8(ascii: "\"")
}

/// A small reader of one JSON object per line: top-level keys and their values (strings unescaped,
/// other values as written). Bounded: at most `maxKeys` keys, nesting up to `maxDepth`; `nil` for
/// anything that is not a whole object.
enum JSONLine {
    static let maxKeys = 256
    static let maxDepth = 32

    enum Value {
        case string(String)
        /// A number, `true`, `false`, `null`, an object or an array, as written.
        case raw(ArraySlice<UInt8>)
    }

    static func object(_ b: UnsafeBufferPointer<UInt8>) -> [(key: ArraySlice<UInt8>, value: Value)]? {
        var i = AMTErrorMatch.skipSpaces(b, 0)
        guard i < b.count, b[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var out: [(ArraySlice<UInt8>, Value)] = []
        let bytes = Array(b)
        while true {
            i = AMTErrorMatch.skipSpaces(b, i)
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: "}") { return out }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            guard b[i] == UInt8(ascii: "\""), let keyEnd = stringEnd(b, i) else { return nil }
            let key = bytes[(i + 1)..<(keyEnd - 1)]
            i = AMTErrorMatch.skipSpaces(b, keyEnd)
            guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
            i = AMTErrorMatch.skipSpaces(b, i + 1)
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: "\"") {
                guard let end = stringEnd(b, i) else { return nil }
                out.append((key, .string(unescape(b, (i + 1)..<(end - 1)))))
                i = end
            } else {
                guard let end = valueEnd(b, i) else { return nil }
                out.append((key, .raw(bytes[i..<end])))
                i = end
            }
            guard out.count <= maxKeys else { return nil }
        }
    }

    /// Past the closing quote of the string starting at `i`.
    static func stringEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        var j = i + 1
        while j < b.count {
            if b[j] == UInt8(ascii: "\\") { j += 2; continue }
            if b[j] == UInt8(ascii: "\"") { return j + 1 }
            j += 1
        }
        return nil
    }

    /// Past a non-string value (number, word, object or array) starting at `i`.
    static func valueEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        var depth = 0
        var j = i
        while j < b.count {
            let c = b[j]
            if c == UInt8(ascii: "\"") {
                guard let e = stringEnd(b, j) else { return nil }
                j = e
                continue
            }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
                guard depth <= maxDepth else { return nil }
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                if depth == 0 { return j }
                depth -= 1
                if depth == 0 { return j + 1 }
            } else if depth == 0, c == UInt8(ascii: ",") {
                return j
            }
            j += 1
        }
        return depth == 0 ? j : nil
    }

    static func unescape(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        var hasEscape = false
        for k in r where b[k] == UInt8(ascii: "\\") { hasEscape = true; break }
        if !hasEscape { return AMTErrorMatch.text(b, r) }
        var out: [UInt8] = []
        out.reserveCapacity(r.count)
        var i = r.lowerBound
        while i < r.upperBound {
            let c = b[i]
            guard c == UInt8(ascii: "\\"), i + 1 < r.upperBound else { out.append(c); i += 1; continue }
            let e = b[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard var v = hex4(b, i, r.upperBound) else { out.append(UInt8(ascii: "?")); continue }
                i += 4
                if v >= 0xD800, v < 0xDC00, i + 6 <= r.upperBound, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u"),
                   let lo = hex4(b, i + 2, r.upperBound), lo >= 0xDC00, lo < 0xE000 {
                    v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                    i += 6
                }
                let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hex4(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> UInt32? {
        guard i + 4 <= end else { return nil }
        var v: UInt32 = 0
        for k in i..<(i + 4) {
            let c = b[k]
            let d: UInt8
            if c &- 0x30 < 10 { d = c - 0x30 } else if (c | 0x20) &- 0x61 < 6 { d = (c | 0x20) - 0x61 + 10 } else { return nil }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// A raw value as text (numbers, `true`), `nil` for `null`.
    static func text(_ v: Value) -> String? {
        switch v {
        case .string(let s): return s
        case .raw(let r):
            if r.elementsEqual("null".utf8) { return nil }
            return String(decoding: r, as: UTF8.self)
        }
    }
}

/// Renders a Serilog message template with the entry's properties: `{Name}`, `{@Name}`,
/// `{$Name}`, `{Name:format}`, `{Name,align}`; `{{`/`}}` are braces. A property the entry does not
/// hold is left as written.
enum MessageTemplate {
    static func render(_ template: String, _ properties: [(key: ArraySlice<UInt8>, value: JSONLine.Value)]) -> String {
        let t = Array(template.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        var i = 0
        while i < t.count {
            let c = t[i]
            if c == UInt8(ascii: "{"), i + 1 < t.count, t[i + 1] == UInt8(ascii: "{") { out.append(c); i += 2; continue }
            if c == UInt8(ascii: "}"), i + 1 < t.count, t[i + 1] == UInt8(ascii: "}") { out.append(c); i += 2; continue }
            guard c == UInt8(ascii: "{"), let close = t[(i + 1)...].firstIndex(of: UInt8(ascii: "}")), close - i < 256 else {
                out.append(c)
                i += 1
                continue
            }
            var nameStart = i + 1
            if nameStart < close, t[nameStart] == UInt8(ascii: "@") || t[nameStart] == UInt8(ascii: "$") { nameStart += 1 }
            var nameEnd = nameStart
            while nameEnd < close, t[nameEnd] != UInt8(ascii: ":"), t[nameEnd] != UInt8(ascii: ",") { nameEnd += 1 }
            let name = t[nameStart..<nameEnd]
            if let p = properties.first(where: { $0.key.elementsEqual(name) }) {
                switch p.value {
                case .string(let s):
                    // Serilog quotes string values in the rendered message (`:l` leaves them bare).
                    let literal = t[nameEnd..<close].elementsEqual(":l".utf8)
                    if !literal { out.append(UInt8(ascii: "\"")) }
                    out.append(contentsOf: s.utf8)
                    if !literal { out.append(UInt8(ascii: "\"")) }
                case .raw(let r): out.append(contentsOf: r)
                }
            } else {
                out.append(contentsOf: t[i...close])
            }
            i = close + 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Reads one JSON line of a JSON layout into an entry header.
enum JSONEntry {
    static func read(_ b: UnsafeBufferPointer<UInt8>, _ map: JSONMap) -> AMTEntryHeader? {
        guard let object = JSONLine.object(b) else { return nil }
        let h = AMTEntryHeader(time: LayoutTime.blank, messageStart: 0)
        h.levelDefault = map.levelDefault
        var template: String? = nil
        var known = 0
        for (key, value) in object {
            guard let role = map.role(key) else { continue }
            known += 1
            switch role {
            case .time(let form):
                guard case .string(var s) = value else { continue }
                s.withUTF8 { tb in
                    if let t = form.read(tb, at: 0, into: LayoutTime.blank) {
                        h.time = t
                        h.timeKnown = form.hasDate
                        h.hasDate = form.hasDate
                        if form.utc, h.time.zone == .none { h.time.zone = .utc }
                    }
                }
            case .level:
                if let s = JSONLine.text(value) { h.level = LayoutLevel.severity(s) }
            case .message:
                h.message = JSONLine.text(value)
            case .template:
                template = JSONLine.text(value)
            case .exception:
                h.exception = JSONLine.text(value)
            case .logger:
                h.logger = JSONLine.text(value)
            case .thread:
                h.thread = JSONLine.text(value)
            case .eventID:
                if let s = JSONLine.text(value) { h.fields.append((.eventID, s)) }
            case .host:
                if let s = JSONLine.text(value) { h.fields.append((.host, s)) }
            case .property(let name):
                if let s = JSONLine.text(value) { h.fields.append((.property(name), s)) }
            case .properties:
                guard case .raw(let raw) = value else { continue }
                raw.withUnsafeBufferPointer { pb in
                    for (k, v) in JSONLine.object(pb) ?? [] {
                        switch String(decoding: k, as: UTF8.self) {
                        case "SourceContext": h.logger = JSONLine.text(v)
                        case "ThreadId": h.thread = JSONLine.text(v)
                        case "MachineName": if let s = JSONLine.text(v) { h.fields.append((.host, s)) }
                        default: break
                        }
                    }
                }
            }
        }
        guard known > 0 else { return nil }
        if h.message == nil, let template { h.message = MessageTemplate.render(template, object) }
        if let t = h.thread, t.utf8.count <= 9, t.utf8.allSatisfy({ $0 &- 0x30 < 10 }), let n = Int(t) {
            h.threadID = n
            h.thread = nil
        }
        return h
    }
}

/// Splits one CSV row (NLog `CsvLayout`: quoted fields with `""` for a quote) and reads it into an
/// entry header. A quoted field left open at the end of the line (an exception with line breaks)
/// takes the rest of the line; the lines after it continue the entry.
enum CSVRow {
    static let maxColumns = 256

    static func split(_ b: UnsafeBufferPointer<UInt8>, _ map: CSVMap) -> (values: [String], open: Bool)? {
        var values: [String] = []
        var i = 0
        var open = false
        while i <= b.count, values.count < maxColumns {
            if i < b.count, b[i] == map.quote {
                var out: [UInt8] = []
                i += 1
                var closed = false
                while i < b.count {
                    if b[i] == map.quote {
                        if i + 1 < b.count, b[i + 1] == map.quote { out.append(map.quote); i += 2; continue }
                        closed = true
                        i += 1
                        break
                    }
                    out.append(b[i])
                    i += 1
                }
                values.append(String(decoding: out, as: UTF8.self))
                if !closed { open = true; break }
                guard i == b.count || b[i] == map.delimiter else { return nil }
                i += 1
                if i > b.count { break }
                if i == b.count, b[b.count - 1] == map.delimiter { values.append(""); break }
            } else {
                var e = i
                while e < b.count, b[e] != map.delimiter { e += 1 }
                values.append(AMTErrorMatch.text(b, i..<e))
                if e >= b.count { break }
                i = e + 1
                if i == b.count { values.append(""); break }
            }
        }
        return (values, open)
    }

    static func read(_ b: UnsafeBufferPointer<UInt8>, _ map: CSVMap, cache: inout StringCache) -> AMTEntryHeader? {
        guard let row = split(b, map) else { return nil }
        return header(row, b, map)
    }

    static func header(_ row: (values: [String], open: Bool), _ b: UnsafeBufferPointer<UInt8>, _ map: CSVMap) -> AMTEntryHeader? {
        let h = AMTEntryHeader(time: LayoutTime.blank, messageStart: 0)
        var timed = false, timeColumns = 0
        var message: String? = nil
        for (k, v) in row.values.enumerated() where k < map.roles.count {
            switch map.roles[k] {
            case .time(let form):
                timeColumns += 1
                var s = v
                let ok: Bool = s.withUTF8 { tb in
                    guard let t = form.read(tb, at: 0, into: h.time) else { return false }
                    h.time = t
                    if form.hasDate { h.hasDate = true }
                    if form.utc, h.time.zone == .none { h.time.zone = .utc }
                    return true
                }
                if ok { timed = true }
            case .level: h.level = LayoutLevel.severity(v)
            case .message: message = v
            case .exception: if !v.isEmpty { h.exception = v }
            case .logger: if !v.isEmpty { h.logger = v }
            case .thread:
                if v.utf8.count <= 9, !v.isEmpty, v.utf8.allSatisfy({ $0 &- 0x30 < 10 }), let n = Int(v) { h.threadID = n } else if !v.isEmpty { h.thread = v }
            case .other: break
            }
        }
        // A row must state its time when the layout writes one.
        guard timeColumns == 0 || timed else { return nil }
        h.timeKnown = h.hasDate
        h.message = message ?? ""
        return h
    }
}
