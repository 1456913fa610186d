/// Test support: writes valid EVTX files (file header, 64 KiB chunks, string and template tables
/// resolved by offset, records with binary XML templates and typed substitutions), optionally with
/// injected damage. Output is deterministic: the same events give the same bytes.
struct EVTXWriter {
    /// A typed substitution value, as the writer stores it.
    indirect enum Value: Sendable {
        case null
        case string(String)
        case ansi(String)
        case int8(Int8), uint8(UInt8), int16(Int16), uint16(UInt16)
        case int32(Int32), uint32(UInt32), int64(Int64), uint64(UInt64)
        case real32(Float), real64(Double)
        /// Stored as a 32-bit integer (any non-zero value is true).
        case bool(UInt32)
        case binary([UInt8])
        /// GUID from its 16 bytes in on-disk order.
        case guid([UInt8])
        case sizeT32(UInt32), sizeT64(UInt64)
        case fileTime(UInt64)
        /// year, month, day-of-week, day, hour, minute, second, milliseconds.
        case systemTime([UInt16])
        /// revision, 48-bit authority, sub-authorities.
        case sid(UInt8, UInt64, [UInt32])
        case hexInt32(UInt32), hexInt64(UInt64)
        case stringArray([String])
        case uint16Array([UInt16])
        case uint32Array([UInt32])
        case int64Array([Int64])
        case guidArray([[UInt8]])
        case fileTimeArray([UInt64])
        /// Nested binary XML (type 0x21): a fragment holding these nodes.
        case binXML([Node])
        /// Any type code with any bytes (damaged or undefined values).
        case raw(UInt8, [UInt8])

        var typeCode: UInt8 {
            switch self {
            case .null: 0x00
            case .string: 0x01
            case .ansi: 0x02
            case .int8: 0x03
            case .uint8: 0x04
            case .int16: 0x05
            case .uint16: 0x06
            case .int32: 0x07
            case .uint32: 0x08
            case .int64: 0x09
            case .uint64: 0x0A
            case .real32: 0x0B
            case .real64: 0x0C
            case .bool: 0x0D
            case .binary: 0x0E
            case .guid: 0x0F
            case .sizeT32, .sizeT64: 0x10
            case .fileTime: 0x11
            case .systemTime: 0x12
            case .sid: 0x13
            case .hexInt32: 0x14
            case .hexInt64: 0x15
            case .binXML: 0x21
            case .stringArray: 0x81
            case .uint16Array: 0x86
            case .uint32Array: 0x88
            case .int64Array: 0x89
            case .guidArray: 0x8F
            case .fileTimeArray: 0x91
            case .raw(let type, _): type
            }
        }
    }

    /// A node of a template (or of a nested binary XML value).
    indirect enum Node: Sendable {
        case element(String, attrs: [(String, [Node])], children: [Node])
        case text(String)
        /// Substitution `index` declared with `type`; `optional` uses token 0x0E.
        case sub(Int, type: UInt8, optional: Bool)
        case charRef(UInt16)
        case entityRef(String)
        case cdata(String)
        case pi(String, String)
    }

    /// A template: an id (its first GUID bytes) and its root element.
    struct Template: Sendable {
        var id: UInt32
        var root: Node
    }

    struct Event: Sendable {
        var recordID: UInt64
        var fileTime: UInt64
        var template: Template
        var values: [Value]
    }

    /// Damage to inject while writing.
    struct Damage {
        /// Chunks whose header checksum is written wrong.
        var badChecksumChunks: Set<Int> = []
        /// Chunks whose signature is overwritten.
        var badMagicChunks: Set<Int> = []
        /// Record ids whose binary XML is cut (zeroed from its middle, header kept).
        var cutRecords: Set<UInt64> = []
        /// Set the file header's "no CRC32" flag (checksums then written as zero).
        var noChecksums = false
    }

    static let chunkSize = 65536

    /// The bytes of an EVTX file holding `events` in order, filling chunks up to `recordsPerChunk`.
    static func file(_ events: [Event], recordsPerChunk: Int = 1000, damage: Damage = Damage()) -> [UInt8] {
        var chunks: [[UInt8]] = []
        var current = ChunkBuilder()
        for e in events {
            if current.count >= recordsPerChunk || !current.fits(e) {
                chunks.append(current.finish(index: chunks.count, damage: damage))
                current = ChunkBuilder()
            }
            current.append(e, cut: damage.cutRecords.contains(e.recordID))
        }
        if current.count > 0 || chunks.isEmpty { chunks.append(current.finish(index: chunks.count, damage: damage)) }
        var header = [UInt8](repeating: 0, count: 4096)
        put(&header, 0, Array("ElfFile\0".utf8))
        put64(&header, 8, 0)
        put64(&header, 16, UInt64(chunks.count - 1))
        put64(&header, 24, (events.last?.recordID ?? 0) + 1)
        put32(&header, 32, 128)
        put16(&header, 36, 1)
        put16(&header, 38, 3)
        put16(&header, 40, 4096)
        put16(&header, 42, UInt16(chunks.count))
        put32(&header, 120, damage.noChecksums ? 0x4 : 0)
        put32(&header, 124, crc(header[0..<120]))
        var out = header
        for c in chunks { out.append(contentsOf: c) }
        return out
    }

    /// One chunk being filled: names and templates are defined inline once, then referenced.
    struct ChunkBuilder {
        var bytes = [UInt8](repeating: 0, count: 512)
        var names: [String: UInt32] = [:]
        var templates: [UInt32: UInt32] = [:]
        var count = 0
        var firstID: UInt64 = 0
        var lastID: UInt64 = 0
        var lastOffset: UInt32 = 0

        func fits(_ e: Event) -> Bool {
            // Conservative: a trial write must leave the chunk within 64 KiB.
            var trial = self
            trial.append(e, cut: false)
            return trial.bytes.count <= EVTXWriter.chunkSize
        }

        mutating func append(_ e: Event, cut: Bool) {
            let start = bytes.count
            if count == 0 { firstID = e.recordID }
            lastID = e.recordID
            lastOffset = UInt32(start)
            count += 1
            bytes.append(contentsOf: [0x2A, 0x2A, 0, 0, 0, 0, 0, 0])
            EVTXWriter.append64(&bytes, e.recordID)
            EVTXWriter.append64(&bytes, e.fileTime)
            bytes.append(contentsOf: [0x0F, 0x01, 0x01, 0x00])
            templateInstance(e.template, e.values)
            bytes.append(0x00)
            let size = bytes.count + 4 - start
            EVTXWriter.append32(&bytes, UInt32(size))
            EVTXWriter.put32(&bytes, start + 4, UInt32(size))
            if cut {
                // Keep the header and the size copy; zero the binary XML from its middle on.
                let from = start + 24 + (size - 28) / 2
                for k in from..<(start + size - 4) { bytes[k] = 0 }
            }
        }

        mutating func name(_ n: String) {
            if let off = names[n] {
                EVTXWriter.append32(&bytes, off)
                return
            }
            let off = UInt32(bytes.count + 4)
            names[n] = off
            EVTXWriter.append32(&bytes, off)
            let units = Array(n.utf16)
            var hash: UInt32 = 0
            for u in units { hash = hash &* 65599 &+ UInt32(u) }
            EVTXWriter.append32(&bytes, 0)
            EVTXWriter.append16(&bytes, UInt16(truncatingIfNeeded: hash))
            EVTXWriter.append16(&bytes, UInt16(units.count))
            for u in units { EVTXWriter.append16(&bytes, u) }
            EVTXWriter.append16(&bytes, 0)
        }

        mutating func templateInstance(_ t: Template, _ values: [Value]) {
            bytes.append(0x0C)
            bytes.append(0x01)
            EVTXWriter.append32(&bytes, t.id)
            if let def = templates[t.id] {
                EVTXWriter.append32(&bytes, def)
            } else {
                let def = UInt32(bytes.count + 4)
                templates[t.id] = def
                EVTXWriter.append32(&bytes, def)
                EVTXWriter.append32(&bytes, 0)  // next template in the hash bucket
                EVTXWriter.append32(&bytes, t.id)
                for k in 0..<12 { bytes.append(UInt8(truncatingIfNeeded: Int(t.id) &+ k &* 37)) }
                let sizeAt = bytes.count
                EVTXWriter.append32(&bytes, 0)
                let bodyStart = bytes.count
                bytes.append(contentsOf: [0x0F, 0x01, 0x01, 0x00])
                node(t.root)
                bytes.append(0x00)
                EVTXWriter.put32(&bytes, sizeAt, UInt32(bytes.count - bodyStart))
            }
            EVTXWriter.append32(&bytes, UInt32(values.count))
            var encoded: [[UInt8]] = []
            for v in values {
                let e = encode(v)
                encoded.append(e)
            }
            // Descriptors come before the values; nested binary XML needs its final offset, so
            // values are encoded after the descriptors' space is known.
            let descriptorsAt = bytes.count
            bytes.append(contentsOf: [UInt8](repeating: 0, count: 4 * values.count))
            for (k, v) in values.enumerated() {
                let valueStart = bytes.count
                if case .binXML(let nodes) = v {
                    bytes.append(contentsOf: [0x0F, 0x01, 0x01, 0x00])
                    // Nested fragments are written without dependency identifiers, as readers
                    // (and Windows) expect inside substitution values.
                    for n in nodes { node(n, dependencyID: false) }
                    bytes.append(0x00)
                } else {
                    bytes.append(contentsOf: encoded[k])
                }
                let size = bytes.count - valueStart
                EVTXWriter.put16(&bytes, descriptorsAt + 4 * k, UInt16(size))
                bytes[descriptorsAt + 4 * k + 2] = v.typeCode
            }
        }

        mutating func node(_ n: Node, dependencyID: Bool = true) {
            switch n {
            case .element(let name, let attrs, let children):
                bytes.append(attrs.isEmpty ? 0x01 : 0x41)
                if dependencyID { EVTXWriter.append16(&bytes, 0xFFFF) }
                let sizeAt = bytes.count
                EVTXWriter.append32(&bytes, 0)
                self.name(name)
                var listAt = 0
                if !attrs.isEmpty {
                    listAt = bytes.count
                    EVTXWriter.append32(&bytes, 0)
                }
                let listStart = bytes.count
                for (i, (an, content)) in attrs.enumerated() {
                    bytes.append(i == attrs.count - 1 ? 0x06 : 0x46)
                    self.name(an)
                    for c in content { node(c, dependencyID: dependencyID) }
                }
                if !attrs.isEmpty { EVTXWriter.put32(&bytes, listAt, UInt32(bytes.count - listStart)) }
                if children.isEmpty {
                    bytes.append(0x03)
                } else {
                    bytes.append(0x02)
                    for c in children { node(c, dependencyID: dependencyID) }
                    bytes.append(0x04)
                }
                EVTXWriter.put32(&bytes, sizeAt, UInt32(bytes.count - sizeAt - 4))
            case .text(let s):
                bytes.append(0x05)
                bytes.append(0x01)
                let units = Array(s.utf16)
                EVTXWriter.append16(&bytes, UInt16(units.count))
                for u in units { EVTXWriter.append16(&bytes, u) }
            case .sub(let index, let type, let optional):
                bytes.append(optional ? 0x0E : 0x0D)
                EVTXWriter.append16(&bytes, UInt16(index))
                bytes.append(type)
            case .charRef(let c):
                bytes.append(0x08)
                EVTXWriter.append16(&bytes, c)
            case .entityRef(let n):
                bytes.append(0x09)
                name(n)
            case .cdata(let s):
                bytes.append(0x07)
                let units = Array(s.utf16)
                EVTXWriter.append16(&bytes, UInt16(units.count))
                for u in units { EVTXWriter.append16(&bytes, u) }
            case .pi(let target, let data):
                bytes.append(0x0A)
                name(target)
                bytes.append(0x0B)
                let units = Array(data.utf16)
                EVTXWriter.append16(&bytes, UInt16(units.count))
                for u in units { EVTXWriter.append16(&bytes, u) }
            }
        }

        func encode(_ v: Value) -> [UInt8] {
            var b: [UInt8] = []
            func utf16(_ s: String, nul: Bool) {
                for u in s.utf16 { EVTXWriter.append16(&b, u) }
                if nul { EVTXWriter.append16(&b, 0) }
            }
            switch v {
            case .null, .binXML: break
            case .string(let s): utf16(s, nul: false)
            case .ansi(let s): b.append(contentsOf: Array(s.utf8))
            case .int8(let x): b.append(UInt8(bitPattern: x))
            case .uint8(let x): b.append(x)
            case .int16(let x): EVTXWriter.append16(&b, UInt16(bitPattern: x))
            case .uint16(let x): EVTXWriter.append16(&b, x)
            case .int32(let x): EVTXWriter.append32(&b, UInt32(bitPattern: x))
            case .uint32(let x), .hexInt32(let x), .sizeT32(let x), .bool(let x): EVTXWriter.append32(&b, x)
            case .int64(let x): EVTXWriter.append64(&b, UInt64(bitPattern: x))
            case .uint64(let x), .hexInt64(let x), .sizeT64(let x), .fileTime(let x): EVTXWriter.append64(&b, x)
            case .real32(let f): EVTXWriter.append32(&b, f.bitPattern)
            case .real64(let d): EVTXWriter.append64(&b, d.bitPattern)
            case .binary(let bytes), .guid(let bytes), .raw(_, let bytes): b.append(contentsOf: bytes)
            case .systemTime(let fields): for f in fields { EVTXWriter.append16(&b, f) }
            case .sid(let rev, let authority, let subs):
                b.append(rev)
                b.append(UInt8(subs.count))
                for k in (0..<6).reversed() { b.append(UInt8(truncatingIfNeeded: authority >> UInt64(8 * k))) }
                for s in subs { EVTXWriter.append32(&b, s) }
            case .stringArray(let items): for s in items { utf16(s, nul: true) }
            case .uint16Array(let items): for x in items { EVTXWriter.append16(&b, x) }
            case .uint32Array(let items): for x in items { EVTXWriter.append32(&b, x) }
            case .int64Array(let items): for x in items { EVTXWriter.append64(&b, UInt64(bitPattern: x)) }
            case .guidArray(let items): for g in items { b.append(contentsOf: g) }
            case .fileTimeArray(let items): for x in items { EVTXWriter.append64(&b, x) }
            }
            return b
        }

        mutating func finish(index: Int, damage: Damage) -> [UInt8] {
            var c = bytes
            let free = c.count
            c.append(contentsOf: [UInt8](repeating: 0, count: EVTXWriter.chunkSize - c.count))
            EVTXWriter.put(&c, 0, Array("ElfChnk\0".utf8))
            EVTXWriter.put64(&c, 8, firstID)
            EVTXWriter.put64(&c, 16, lastID)
            EVTXWriter.put64(&c, 24, firstID)
            EVTXWriter.put64(&c, 32, lastID)
            EVTXWriter.put32(&c, 40, 128)
            EVTXWriter.put32(&c, 44, lastOffset)
            EVTXWriter.put32(&c, 48, UInt32(free))
            if !damage.noChecksums {
                EVTXWriter.put32(&c, 52, EVTXWriter.crc(c[512..<free]))
                var h = Array(c[0..<120])
                h.append(contentsOf: c[128..<512])
                var sum = EVTXWriter.crc(h[...])
                if damage.badChecksumChunks.contains(index) { sum ^= 0xDEAD_BEEF }
                EVTXWriter.put32(&c, 124, sum)
            }
            if damage.badMagicChunks.contains(index) { EVTXWriter.put(&c, 0, Array("BadChnk\0".utf8)) }
            return c
        }
    }

    // MARK: - Little-endian helpers

    static func append16(_ b: inout [UInt8], _ v: UInt16) { b.append(UInt8(v & 0xFF)); b.append(UInt8(v >> 8)) }
    static func append32(_ b: inout [UInt8], _ v: UInt32) { for k in 0..<4 { b.append(UInt8(truncatingIfNeeded: v >> UInt32(8 * k))) } }
    static func append64(_ b: inout [UInt8], _ v: UInt64) { for k in 0..<8 { b.append(UInt8(truncatingIfNeeded: v >> UInt64(8 * k))) } }
    static func put(_ b: inout [UInt8], _ at: Int, _ bytes: [UInt8]) { for (k, x) in bytes.enumerated() { b[at + k] = x } }
    static func put16(_ b: inout [UInt8], _ at: Int, _ v: UInt16) { b[at] = UInt8(v & 0xFF); b[at + 1] = UInt8(v >> 8) }
    static func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) { for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: v >> UInt32(8 * k)) } }
    static func put64(_ b: inout [UInt8], _ at: Int, _ v: UInt64) { for k in 0..<8 { b[at + k] = UInt8(truncatingIfNeeded: v >> UInt64(8 * k)) } }

    /// CRC-32 (IEEE, reflected, as zlib's `crc32`), written out here so the writer checks the
    /// reader's use of zlib independently.
    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    /// FILETIME of a UTC civil time.
    static func fileTime(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, micro: Int = 0) -> UInt64 {
        let days = daysFromCivil(y, mo, d)
        let secs = Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + s)
        return UInt64((secs + 11_644_473_600) * 10_000_000 + Int64(micro) * 10)
    }

    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
