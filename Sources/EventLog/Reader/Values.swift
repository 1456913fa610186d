import LogRecord

/// A value in a rendered event: what a substitution or value token held, kept typed so the
/// JSON-shaped flattening and the XML rendering can each print it their way.
enum XValue: Equatable {
    case null
    /// UTF-16 or ANSI text.
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case real(Double)
    case bool(Bool)
    /// A value the reference prints as a string although it is typed (hex integer, GUID, SID,
    /// FILETIME, SYSTEMTIME, binary).
    case text(String)
    /// Hex integer (HexInt32/64, size_t), rendered `0x…` lower case when printed.
    case hex(UInt64)
    /// FILETIME, rendered ISO 8601 with microseconds when printed.
    case fileTime(UInt64)
    case array([XValue])

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as the reference's JSON → Python `str()` shows it (evtx_oracle.py `sval`).
    var flat: String {
        switch self {
        case .null: return ""
        case .string(let s), .text(let s): return s
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .real(let d): return Self.pythonFloat(d)
        case .bool(let b): return b ? "true" : "false"
        case .hex(let v): return Render.hex(v)
        case .fileTime(let t): return Timestamp(fileTime: t, precision: .microseconds).iso8601
        case .array(let items):
            var out = "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                out += item.jsonLiteral
            }
            return out + "]"
        }
    }

    /// JSON literal as Python's `json.dumps(ensure_ascii=False)` writes it.
    var jsonLiteral: String {
        switch self {
        case .null: return "null"
        case .hex, .fileTime:
            return "\"" + flat + "\""
        case .string(let s), .text(let s):
            var bytes: [UInt8] = []
            JSONEncoding.appendString(s, to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        case .array: return flat
        default: return flat
        }
    }

    /// The value as XML character data (unescaped).
    var xmlText: String {
        switch self {
        case .array(let items): return items.map(\.xmlText).joined(separator: ",")
        case .real(let d): return Self.pythonFloat(d)
        default: return flat
        }
    }

    /// Python's `repr(float)`-like rendering (shortest round-trip digits; `1.0`, `1e-05`).
    static func pythonFloat(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return "\(d)"
    }
}

/// Substitution value types of binary XML (MS-EVEN6 / libevtx).
enum ValueType {
    static let null: UInt8 = 0x00
    static let string: UInt8 = 0x01
    static let ansiString: UInt8 = 0x02
    static let int8: UInt8 = 0x03
    static let uint8: UInt8 = 0x04
    static let int16: UInt8 = 0x05
    static let uint16: UInt8 = 0x06
    static let int32: UInt8 = 0x07
    static let uint32: UInt8 = 0x08
    static let int64: UInt8 = 0x09
    static let uint64: UInt8 = 0x0A
    static let real32: UInt8 = 0x0B
    static let real64: UInt8 = 0x0C
    static let bool: UInt8 = 0x0D
    static let binary: UInt8 = 0x0E
    static let guid: UInt8 = 0x0F
    static let sizeT: UInt8 = 0x10
    static let fileTime: UInt8 = 0x11
    static let systemTime: UInt8 = 0x12
    static let sid: UInt8 = 0x13
    static let hexInt32: UInt8 = 0x14
    static let hexInt64: UInt8 = 0x15
    static let evtHandle: UInt8 = 0x20
    static let binXML: UInt8 = 0x21
    static let evtXML: UInt8 = 0x23
    static let arrayFlag: UInt8 = 0x80

    /// Fixed width in bytes of a scalar type, or `nil` for variable-size types.
    /// Whether some version of the format defines type `t` (with or without the array flag).
    static func isDefined(_ t: UInt8) -> Bool {
        let base = t & ~arrayFlag
        return base <= hexInt64 || base == evtHandle || base == binXML || base == evtXML
    }

    static func width(_ t: UInt8) -> Int? {
        switch t {
        case int8, uint8: 1
        case int16, uint16: 2
        case int32, uint32, real32, bool, hexInt32: 4
        case int64, uint64, real64, fileTime, hexInt64, evtHandle: 8
        case guid, systemTime: 16
        default: nil
        }
    }
}

enum ValueDecoder {
    /// Decodes a value of `type` stored in `size` bytes at `offset`. Returns `nil` when the bytes
    /// do not hold such a value (short, or a size that does not fit the type).
    static func decode(_ view: ByteView, type: UInt8, offset: Int, size: Int) -> XValue? {
        guard size >= 0, view.has(offset, size) else { return nil }
        if type & ValueType.arrayFlag != 0 {
            return decodeArray(view, elementType: type & 0x7F, offset: offset, size: size)
        }
        if size == 0 {
            switch type {
            case ValueType.string, ValueType.ansiString: return .string("")
            default: return .null
            }
        }
        switch type {
        case ValueType.null: return .null
        case ValueType.string:
            return view.utf16(offset, units: size / 2).map(XValue.string)
        case ValueType.ansiString:
            var n = size
            while n > 0, view.base[offset + n - 1] == 0 { n -= 1 }
            return .string(String(decoding: UnsafeRawBufferPointer(rebasing: view.base[offset..<(offset + n)]), as: UTF8.self))
        case ValueType.sizeT:
            if size == 4 { return view.u32(offset).map { .hex(UInt64($0)) } }
            if size == 8 { return view.u64(offset).map { .hex($0) } }
            return nil
        case ValueType.binary:
            return .text(Render.hexBytes(view, offset, size))
        case ValueType.sid:
            return sid(view, offset, size).map(XValue.text)
        case ValueType.evtXML:
            return view.utf16(offset, units: size / 2).map(XValue.string)
        default:
            guard let w = ValueType.width(type), size >= w else { return nil }
            return scalar(view, type: type, offset: offset)
        }
    }

    /// A fixed-width scalar at `offset` (caller checked the width is available).
    static func scalar(_ view: ByteView, type: UInt8, offset: Int) -> XValue? {
        switch type {
        case ValueType.int8: return view.u8(offset).map { .int(Int64(Int8(bitPattern: $0))) }
        case ValueType.uint8: return view.u8(offset).map { .uint(UInt64($0)) }
        case ValueType.int16: return view.u16(offset).map { .int(Int64(Int16(bitPattern: $0))) }
        case ValueType.uint16: return view.u16(offset).map { .uint(UInt64($0)) }
        case ValueType.int32: return view.u32(offset).map { .int(Int64(Int32(bitPattern: $0))) }
        case ValueType.uint32: return view.u32(offset).map { .uint(UInt64($0)) }
        case ValueType.int64: return view.u64(offset).map { .int(Int64(bitPattern: $0)) }
        case ValueType.uint64, ValueType.evtHandle: return view.u64(offset).map { .uint($0) }
        case ValueType.real32: return view.u32(offset).map { .real(Double(Float(bitPattern: $0))) }
        case ValueType.real64: return view.u64(offset).map { .real(Double(bitPattern: $0)) }
        case ValueType.bool:
            // 0 and 1 are false and true. Files in the wild also hold 8, 16, 65536 …: any
            // non-zero value means true, but the reference prints such values as the raw number,
            // and so do we, so that records compare equal and nothing is hidden.
            return view.u32(offset).map { $0 <= 1 ? .bool($0 != 0) : .uint(UInt64($0)) }
        case ValueType.hexInt32: return view.u32(offset).map { .hex(UInt64($0)) }
        case ValueType.hexInt64: return view.u64(offset).map { .hex($0) }
        case ValueType.guid: return guid(view, offset).map(XValue.text)
        case ValueType.fileTime:
            return view.u64(offset).map { .fileTime($0) }
        case ValueType.systemTime: return systemTime(view, offset).map(XValue.text)
        default: return nil
        }
    }

    static func decodeArray(_ view: ByteView, elementType: UInt8, offset: Int, size: Int) -> XValue? {
        var items: [XValue] = []
        switch elementType {
        case ValueType.string:
            // NUL-terminated UTF-16 strings back to back.
            var start = offset
            var i = offset
            let end = offset + size - 1
            while i < end {
                if view.base[i] == 0 && view.base[i + 1] == 0 {
                    items.append(.string(UTF16Decoding.string(view.base, offset: start, units: (i - start) / 2)))
                    start = i + 2
                }
                i += 2
            }
            if start < offset + size - 1 {
                items.append(.string(UTF16Decoding.string(view.base, offset: start, units: (offset + size - start) / 2)))
            }
            return .array(items)
        case ValueType.ansiString:
            var start = offset
            for i in offset..<(offset + size) where view.base[i] == 0 {
                items.append(.string(String(decoding: UnsafeRawBufferPointer(rebasing: view.base[start..<i]), as: UTF8.self)))
                start = i + 1
            }
            if start < offset + size {
                items.append(.string(String(decoding: UnsafeRawBufferPointer(rebasing: view.base[start..<(offset + size)]), as: UTF8.self)))
            }
            return .array(items)
        case ValueType.sizeT:
            // Element width is not stated; 8 bytes on 64-bit writers when the size divides.
            let w = size % 8 == 0 ? 8 : 4
            var o = offset
            while o + w <= offset + size {
                if w == 8 { items.append(.hex(view.u64(o) ?? 0)) } else { items.append(.hex(UInt64(view.u32(o) ?? 0))) }
                o += w
            }
            return .array(items)
        case ValueType.sid:
            var o = offset
            while o + 8 <= offset + size, let n = view.u8(o + 1) {
                let len = 8 + 4 * Int(n)
                guard let s = sid(view, o, len) else { return nil }
                items.append(.text(s))
                o += len
            }
            return .array(items)
        default:
            guard let w = ValueType.width(elementType) else { return nil }
            var o = offset
            while o + w <= offset + size {
                guard let v = scalar(view, type: elementType, offset: o) else { return nil }
                items.append(v)
                o += w
            }
            return .array(items)
        }
    }

    /// `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`, upper case, no braces.
    static func guid(_ view: ByteView, _ offset: Int) -> String? {
        guard let d1 = view.u32(offset), let d2 = view.u16(offset + 4), let d3 = view.u16(offset + 6),
              view.has(offset + 8, 8) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(36)
        Render.appendHex(UInt64(d1), width: 8, to: &out)
        out.append(UInt8(ascii: "-"))
        Render.appendHex(UInt64(d2), width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        Render.appendHex(UInt64(d3), width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        for k in 0..<8 {
            if k == 2 { out.append(UInt8(ascii: "-")) }
            Render.appendHex(UInt64(view.base[offset + 8 + k]), width: 2, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `S-<revision>-<authority>-<sub>…`; the authority is a 48-bit big-endian number.
    static func sid(_ view: ByteView, _ offset: Int, _ size: Int) -> String? {
        guard size >= 8, let rev = view.u8(offset), let n = view.u8(offset + 1),
              8 + 4 * Int(n) <= size, view.has(offset, 8 + 4 * Int(n)) else { return nil }
        var authority: UInt64 = 0
        for k in 0..<6 { authority = authority << 8 | UInt64(view.base[offset + 2 + k]) }
        var s = "S-\(rev)-\(authority)"
        for k in 0..<Int(n) {
            s += "-\(view.u32(offset + 8 + 4 * k) ?? 0)"
        }
        return s
    }

    /// SYSTEMTIME (eight 16-bit fields) as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    static func systemTime(_ view: ByteView, _ offset: Int) -> String? {
        guard let y = view.u16(offset), let mo = view.u16(offset + 2), let d = view.u16(offset + 6),
              let h = view.u16(offset + 8), let mi = view.u16(offset + 10), let s = view.u16(offset + 12),
              let ms = view.u16(offset + 14) else { return nil }
        guard let t = Timestamp(year: Int(y), month: Int(mo), day: Int(d), hour: Int(h), minute: Int(mi),
                                second: Int(s), microsecond: Int(ms) * 1000, precision: .microseconds)
        else { return nil }
        return t.iso8601
    }
}
