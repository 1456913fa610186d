/// A JSON value with ordered object keys (records keep the order a source states things in).
public indirect enum JSONValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.elementsEqual(b, by: { $0.0 == $1.0 && $0.1 == $1.1 })
        default: false
        }
    }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer payload, if this is an integer.
    public var intValue: Int64? {
        if case .int(let v) = self { return v }
        return nil
    }
}

/// Hand-written JSON encoding into a byte buffer.
///
/// Measured ~7x faster than `JSONEncoder` for records; `JSONEncoder` stays in use for the manifest.
/// Output is compact (no spaces) and deterministic: keys in the order given.
public enum JSONEncoding {
    /// Appends `s` as a JSON string literal (quotes included). Escapes `"`, `\` and every control
    /// character below U+0020 (`\n`, `\r`, `\t`, `\b`, `\f` by name, the rest as `\u00XX`).
    @inlinable
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { utf8 in
            out.reserveCapacity(out.count + utf8.count + 2)
            var runStart = 0
            var i = 0
            let n = utf8.count
            guard let base = utf8.baseAddress else { return }
            while i < n {
                // Eight bytes at a time while none needs escaping (SWAR: a byte < 0x20, '"' or '\\').
                while i + 8 <= n {
                    let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    if needsEscape(w) { break }
                    i += 8
                }
                guard i < n else { break }
                let c = base[i]
                if c >= 0x20 && c != 0x22 && c != 0x5C {
                    i += 1
                    continue
                }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i - runStart)) }
                switch c {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
                case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
                case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
                default:
                    out.append(0x5C); out.append(UInt8(ascii: "u")); out.append(0x30); out.append(0x30)
                    out.append(hexDigit(c >> 4)); out.append(hexDigit(c & 0xF))
                }
                i += 1
                runStart = i
            }
            if runStart < n { out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: n - runStart)) }
        }
        out.append(0x22)
    }

    @inlinable @inline(__always)
    static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }

    /// Whether any byte of `w` is below 0x20, or is `"` or `\\` (bytes >= 0x80 never are).
    @inlinable @inline(__always)
    static func needsEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ x: UInt64) -> Bool { (x &- ones) & ~x & high != 0 }
        // A byte < 0x20: (b - 0x20) borrows into the high bit when b < 0x20 and b < 0x80.
        let below = (w &- ones &* 0x20) & ~w & high
        return below != 0 || hasZero(w ^ (ones &* 0x22)) || hasZero(w ^ (ones &* 0x5C))
    }

    /// Appends a decimal integer.
    @inlinable
    public static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        if v == 0 { out.append(0x30); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var m = v.magnitude
        withUnsafeMutableBytes(of: &digits) { buf in
            while m > 0 {
                buf[count] = UInt8(0x30 + m % 10)
                m /= 10
                count += 1
            }
            if v < 0 { out.append(UInt8(ascii: "-")) }
            var k = count - 1
            while k >= 0 { out.append(buf[k]); k -= 1 }
        }
    }

    /// Appends any `JSONValue`. Non-finite doubles, which JSON cannot hold, are written as `null`.
    public static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .string(let s): appendString(s, to: &out)
        case .int(let v): appendInt(v, to: &out)
        case .double(let d):
            if d.isFinite { out.append(contentsOf: Array("\(d)".utf8)) } else { out.append(contentsOf: Array("null".utf8)) }
        case .bool(let b): out.append(contentsOf: Array((b ? "true" : "false").utf8))
        case .null: out.append(contentsOf: Array("null".utf8))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, item)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                append(item, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// Writes records as JSON Lines: one compact object per line, ECS field names as nested objects,
/// fields that are `nil` left out. The same record always gives the same bytes.
public struct JSONLinesWriter: Sendable {
    public init() {}

    /// Appends `record` and a trailing `\n` to `out`.
    public func append(_ record: Record, to out: inout [UInt8]) {
        var obj = ObjectWriter()
        obj.begin(&out)
        if let ts = record.timestamp {
            obj.key("@timestamp", &out)
            out.append(0x22)
            ts.appendISO8601(to: &out)
            out.append(0x22)
        }
        obj.string("message", record.message, &out)

        if record.level != nil || record.filePath != nil || record.line != nil {
            obj.open("log", &out)
            if let level = record.level { obj.string("level", level.rawValue, &out) }
            if record.filePath != nil || record.line != nil {
                obj.open("file", &out)
                if let path = record.filePath { obj.string("path", path, &out) }
                if let line = record.line { obj.int("line", Int64(line), &out) }
                obj.close(&out)
            }
            obj.close(&out)
        }

        obj.open("event", &out)
        obj.string("dataset", record.dataset, &out)
        if let code = record.code { obj.string("code", code, &out) }
        if let outcome = record.outcome { obj.string("outcome", outcome.rawValue, &out) }
        if let provider = record.provider { obj.string("provider", provider, &out) }
        obj.close(&out)

        if let host = record.hostName {
            obj.open("host", &out)
            obj.string("name", host, &out)
            obj.close(&out)
        }

        if record.processID != nil || record.threadID != nil {
            obj.open("process", &out)
            if let pid = record.processID { obj.int("pid", Int64(pid), &out) }
            if let tid = record.threadID {
                obj.open("thread", &out)
                obj.int("id", Int64(tid), &out)
                obj.close(&out)
            }
            obj.close(&out)
        }

        if record.errorType != nil || record.stackTrace != nil {
            obj.open("error", &out)
            if let type = record.errorType { obj.string("type", type, &out) }
            if let stack = record.stackTrace { obj.string("stack_trace", stack, &out) }
            obj.close(&out)
        }

        if let w = record.winlog {
            obj.open("winlog", &out)
            if let v = w.channel { obj.string("channel", v, &out) }
            if let v = w.recordID { obj.int("record_id", Int64(bitPattern: v), &out) }
            if let v = w.eventID { obj.int("event_id", Int64(v), &out) }
            if let v = w.qualifiers { obj.int("qualifiers", Int64(v), &out) }
            if let v = w.version { obj.int("version", Int64(v), &out) }
            if let v = w.providerName { obj.string("provider_name", v, &out) }
            if let v = w.providerGUID { obj.string("provider_guid", v, &out) }
            if let v = w.computerName { obj.string("computer_name", v, &out) }
            if let v = w.level { obj.int("level", Int64(v), &out) }
            if let v = w.task { obj.int("task", Int64(v), &out) }
            if let v = w.opcode { obj.int("opcode", Int64(v), &out) }
            if let v = w.keywords { obj.string("keywords", v, &out) }
            if let v = w.activityID { obj.string("activity_id", v, &out) }
            if let v = w.userID {
                obj.open("user", &out)
                obj.string("identifier", v, &out)
                obj.close(&out)
            }
            if !w.eventData.isEmpty {
                obj.open("event_data", &out)
                for (k, v) in w.eventData { obj.dynamicString(k, v, &out) }
                obj.close(&out)
            }
            if !w.userData.isEmpty {
                obj.open("user_data", &out)
                for (k, v) in w.userData { obj.dynamicString(k, v, &out) }
                obj.close(&out)
            }
            obj.close(&out)
        }

        if record.timeSource != nil || !record.extras.isEmpty {
            obj.open("amt", &out)
            if let source = record.timeSource { obj.string("time_source", source.rawValue, &out) }
            for (k, v) in record.extras {
                obj.dynamicKey(k, &out)
                JSONEncoding.append(v, to: &out)
            }
            obj.close(&out)
        }
        obj.close(&out)
        out.append(0x0A)
    }

    /// The record as one JSON line (with trailing `\n`).
    public func line(_ record: Record) -> String {
        var out: [UInt8] = []
        append(record, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes the members of nested JSON objects into a caller's buffer, tracking commas with a bit
/// per open object (no allocation). Literal key names are copied as bytes, never escaped.
struct ObjectWriter {
    /// Bit d set: the object at depth d already has a member.
    private var hasMember: UInt64 = 0
    private var depth = 0

    mutating func begin(_ out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        hasMember = 0
        depth = 0
    }

    @inline(__always)
    private mutating func comma(_ out: inout [UInt8]) {
        let bit: UInt64 = 1 << UInt64(depth)
        if hasMember & bit != 0 { out.append(UInt8(ascii: ",")) }
        hasMember |= bit
    }

    /// A literal key name (ASCII, needs no escaping).
    mutating func key(_ k: StaticString, _ out: inout [UInt8]) {
        comma(&out)
        out.append(0x22)
        k.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(0x22)
        out.append(UInt8(ascii: ":"))
    }

    /// A key from data (event data names, extras): escaped.
    mutating func dynamicKey(_ k: String, _ out: inout [UInt8]) {
        comma(&out)
        JSONEncoding.appendString(k, to: &out)
        out.append(UInt8(ascii: ":"))
    }

    mutating func string(_ k: StaticString, _ v: String, _ out: inout [UInt8]) {
        key(k, &out)
        JSONEncoding.appendString(v, to: &out)
    }

    mutating func dynamicString(_ k: String, _ v: String, _ out: inout [UInt8]) {
        dynamicKey(k, &out)
        JSONEncoding.appendString(v, to: &out)
    }

    mutating func int(_ k: StaticString, _ v: Int64, _ out: inout [UInt8]) {
        key(k, &out)
        JSONEncoding.appendInt(v, to: &out)
    }

    mutating func open(_ k: StaticString, _ out: inout [UInt8]) {
        key(k, &out)
        out.append(UInt8(ascii: "{"))
        depth += 1
        hasMember &= ~(1 << UInt64(depth))
    }

    mutating func close(_ out: inout [UInt8]) {
        out.append(UInt8(ascii: "}"))
        depth -= 1
    }
}
