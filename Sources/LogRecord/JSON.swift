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
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        // One escaper for everything: the record writer's, into scratch sized for the worst case.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: s.utf8.count * 6 + 2) { scratch in
            var w = RawOut(scratch.baseAddress!)
            w.string(s)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<w.count]))
        }
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
///
/// A writer remembers the last date it wrote (records mostly come in time order), so use one per
/// thread; it is not `Sendable`.
public struct JSONLinesWriter {
    private let dates = DateText()
    private let quotes = QuotedCache()

    public init() {}

    /// Appends `record` and a trailing `\n` to `out`.
    ///
    /// Space for the worst case is reserved once, then filled through a pointer and trimmed to
    /// what was written: no per-write capacity or uniqueness checks.
    public func append(_ record: Record, to out: inout [UInt8]) {
        let bound = RecordJSON.bound(of: record)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bound))
        let written = out.withUnsafeMutableBufferPointer { buf -> Int in
            var w = RawOut(buf.baseAddress! + start)
            Self.write(record, &w, dates, quotes)
            return w.count
        }
        out.removeLast(bound - written)
    }

    /// Writes `record` and a trailing `\n` at the start of `buffer` when its worst case fits there,
    /// and returns the bytes written; returns `nil` (writing nothing) when it may not fit. The
    /// same bytes as `append(_:to:)`, without reserving space in an array per record.
    public func write(_ record: Record, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard let base = buffer.baseAddress, RecordJSON.bound(of: record) <= buffer.count else { return nil }
        var w = RawOut(base.assumingMemoryBound(to: UInt8.self))
        Self.write(record, &w, dates, quotes)
        return w.count
    }

    /// The fixed members are written as straight-line literals (their order and presence rules are
    /// the contract); `winlog` and `amt` extras use the member-tracking writer.
    static func write(_ record: Record, _ o: inout RawOut, _ dates: DateText, _ quotes: QuotedCache) {
        if let ts = record.timestamp {
            o.literal("{\"@timestamp\":\"")
            ts.write(to: &o, dates: dates)
            o.literal("\",\"message\":")
        } else {
            o.literal("{\"message\":")
        }
        o.string(record.message)

        let hasFile = record.filePath != nil || record.line != nil
        if let level = record.level {
            o.literal(",\"log\":{\"level\":")
            o.literal(level.jsonLiteral)
            if hasFile {
                o.literal(",\"file\":{")
                writeFile(record, &o, quotes)
                o.byte(UInt8(ascii: "}"))
            }
            o.byte(UInt8(ascii: "}"))
        } else if hasFile {
            o.literal(",\"log\":{\"file\":{")
            writeFile(record, &o, quotes)
            o.literal("}}")
        }

        o.literal(",\"event\":{\"dataset\":")
        o.string(record.dataset)
        if let code = record.code {
            o.literal(",\"code\":")
            o.string(code)
        }
        if let outcome = record.outcome {
            o.literal(",\"outcome\":")
            o.literal(outcome.jsonLiteral)
        }
        if let provider = record.provider {
            o.literal(",\"provider\":")
            o.string(provider, cached: .provider, in: quotes)
        }
        if let d = record.httpBox?.value.durationNanos {
            o.literal(",\"duration\":")
            o.int(d)
        }
        o.byte(UInt8(ascii: "}"))

        if let host = record.hostName {
            o.literal(",\"host\":{\"name\":")
            o.string(host, cached: .host, in: quotes)
            o.byte(UInt8(ascii: "}"))
        }

        if record.processID != nil || record.threadID != nil || record.processName != nil || record.processExecutable != nil {
            var first = true
            o.literal(",\"process\":{")
            if let pid = record.processID { Self.key(&first, "\"pid\":", &o); o.int(Int64(pid)) }
            if let tid = record.threadID {
                Self.key(&first, "\"thread\":{\"id\":", &o)
                o.int(Int64(tid))
                o.byte(UInt8(ascii: "}"))
            }
            if let name = record.processName { Self.key(&first, "\"name\":", &o); o.string(name) }
            if let exe = record.processExecutable { Self.key(&first, "\"executable\":", &o); o.string(exe) }
            o.byte(UInt8(ascii: "}"))
        }

        if record.errorType != nil || record.stackTrace != nil || record.errorCode != nil {
            var first = true
            o.literal(",\"error\":{")
            if let code = record.errorCode { Self.key(&first, "\"code\":", &o); o.string(code) }
            if let type = record.errorType { Self.key(&first, "\"type\":", &o); o.string(type) }
            if let stack = record.stackTrace { Self.key(&first, "\"stack_trace\":", &o); o.string(stack) }
            o.byte(UInt8(ascii: "}"))
        }

        // The top-level object has members; nested objects below track their own.
        o.depth = 0
        o.hasMember = 1
        if let h = record.httpBox?.value { writeHTTP(h, &o) }
        // Through the box: the `winlog` getter made an optional copy even for records without one.
        if let w = record.winlogBox?.value {
            o.open("winlog")
            if let v = w.channel { o.stringMember("channel", v) }
            if let v = w.recordID { o.intMember("record_id", Int64(bitPattern: v)) }
            if let v = w.eventID { o.intMember("event_id", Int64(v)) }
            if let v = w.qualifiers { o.intMember("qualifiers", Int64(v)) }
            if let v = w.version { o.intMember("version", Int64(v)) }
            if let v = w.providerName { o.stringMember("provider_name", v) }
            if let v = w.providerGUID { o.stringMember("provider_guid", v) }
            if let v = w.computerName { o.stringMember("computer_name", v) }
            if let v = w.level { o.intMember("level", Int64(v)) }
            if let v = w.task { o.intMember("task", Int64(v)) }
            if let v = w.opcode { o.intMember("opcode", Int64(v)) }
            if let v = w.keywords { o.stringMember("keywords", v) }
            if let v = w.activityID { o.stringMember("activity_id", v) }
            if let v = w.userID {
                o.open("user")
                o.stringMember("identifier", v)
                o.close()
            }
            if !w.eventData.isEmpty {
                o.open("event_data")
                for (k, v) in w.eventData { o.dynamicKey(k); o.string(v) }
                o.close()
            }
            if !w.userData.isEmpty {
                o.open("user_data")
                for (k, v) in w.userData { o.dynamicKey(k); o.string(v) }
                o.close()
            }
            o.close()
        }

        if record.timeSource != nil || !record.extras.isEmpty {
            o.open("amt")
            if let source = record.timeSource {
                o.literal("\"time_source\":")
                o.literal(source.jsonLiteral)
                o.hasMember |= 1 << UInt64(o.depth)
            }
            // Strings in extras are cached by their place in the walk: records of one source
            // mostly repeat the same extras in the same order.
            var place = 0
            for (k, v) in record.extras {
                o.dynamicKey(k)
                writeValue(v, &o, quotes, &place)
            }
            o.close()
        }
        o.literal("}\n")
    }

    /// `path` and `line` inside `log.file` (at least one is present).
    @inline(__always)
    static func writeFile(_ record: Record, _ o: inout RawOut, _ quotes: QuotedCache) {
        if let path = record.filePath {
            o.literal("\"path\":")
            o.string(path, cached: .path, in: quotes)
            if let line = record.line {
                o.literal(",\"line\":")
                o.int(Int64(line))
            }
        } else if let line = record.line {
            o.literal("\"line\":")
            o.int(Int64(line))
        }
    }

    static func writeValue(_ value: JSONValue, _ o: inout RawOut, _ quotes: QuotedCache, _ place: inout Int) {
        switch value {
        case .string(let s):
            if let slot = QuotedCache.Slot(rawValue: QuotedCache.Slot.extra0.rawValue + place) {
                o.string(s, cached: slot, in: quotes)
            } else {
                o.string(s)
            }
            place += 1
        case .int(let v): o.int(v)
        case .double, .bool, .null:
            var tmp: [UInt8] = []
            JSONEncoding.append(value, to: &tmp)
            tmp.withUnsafeBufferPointer { o.bytes($0) }
        case .array(let items):
            o.byte(UInt8(ascii: "["))
            for i in items.indices {
                if i > 0 { o.byte(UInt8(ascii: ",")) }
                writeValue(items[i], &o, quotes, &place)
            }
            o.byte(UInt8(ascii: "]"))
        case .object(let members):
            o.byte(UInt8(ascii: "{"))
            for i in members.indices {
                if i > 0 { o.byte(UInt8(ascii: ",")) }
                o.string(members[i].0)
                o.byte(UInt8(ascii: ":"))
                writeValue(members[i].1, &o, quotes, &place)
            }
            o.byte(UInt8(ascii: "}"))
        }
    }

    /// The record as one JSON line (with trailing `\n`).
    public func line(_ record: Record) -> String {
        var out: [UInt8] = []
        append(record, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

extension JSONLinesWriter {
    /// Writes the key `k` (with its quotes and colon) of an object's member, after a comma unless
    /// it is the object's first (`first`, then cleared).
    @inline(__always)
    static func key(_ first: inout Bool, _ k: StaticString, _ o: inout RawOut) {
        if !first { o.byte(UInt8(ascii: ",")) }
        first = false
        o.literal(k)
    }
}
