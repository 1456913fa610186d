/// Writes bytes through a pointer into space reserved beforehand: no capacity or uniqueness
/// checks per write. The caller reserves at least `RecordJSON.bound(of:)` bytes.
@usableFromInline
struct RawOut {
    @usableFromInline var p: UnsafeMutablePointer<UInt8>
    @usableFromInline var count = 0
    /// Bit d set: the object at depth d already has a member.
    @usableFromInline var hasMember: UInt64 = 0
    @usableFromInline var depth = 0

    @inlinable init(_ p: UnsafeMutablePointer<UInt8>) { self.p = p }

    @inlinable @inline(__always) mutating func byte(_ b: UInt8) {
        p[count] = b
        count += 1
    }

    @inlinable @inline(__always) mutating func bytes(_ b: UnsafeBufferPointer<UInt8>) {
        guard let base = b.baseAddress, b.count > 0 else { return }
        let n = b.count
        if n > 48 {
            (p + count).update(from: base, count: n)
            count += n
            return
        }
        // Short runs (keys, punctuation, timestamps): word copies beat a call to memmove.
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            UnsafeMutableRawPointer(p + count + i).storeBytes(of: w, as: UInt64.self)
            i += 8
        }
        while i < n {
            p[count + i] = base[i]
            i += 1
        }
        count += n
    }

    @inlinable @inline(__always) mutating func literal(_ s: StaticString) {
        s.withUTF8Buffer { bytes($0) }
    }

    @inlinable mutating func comma() {
        let bit: UInt64 = 1 << UInt64(depth)
        if hasMember & bit != 0 { byte(UInt8(ascii: ",")) }
        hasMember |= bit
    }

    /// `"k":` for a literal key.
    @inlinable mutating func key(_ k: StaticString) {
        comma()
        byte(0x22)
        literal(k)
        byte(0x22)
        byte(UInt8(ascii: ":"))
    }

    @inlinable mutating func open(_ k: StaticString) {
        key(k)
        byte(UInt8(ascii: "{"))
        depth += 1
        hasMember &= ~(1 << UInt64(depth))
    }

    @inlinable mutating func close() {
        byte(UInt8(ascii: "}"))
        depth -= 1
    }

    /// A JSON string literal, escaped (at most 6 bytes per input byte + 2). Words of eight bytes
    /// that need no escape are copied whole; in a word that does, the bytes before each escape are
    /// copied and the escape written. Works on a local position (the output pointer could alias
    /// `self`, so writes through it would otherwise force `count` back to memory every byte).
    @inlinable mutating func string(_ s: String) {
        // The string's own storage when it has one (no copy, no retain); a copy otherwise.
        if let written = s.utf8.withContiguousStorageIfAvailable({ [p, count] in RawOut.quoted($0, p, count) }) {
            count = written
            return
        }
        var s = s
        count = s.withUTF8 { [p, count] in RawOut.quoted($0, p, count) }
    }

    /// Writes `utf8` as a quoted, escaped JSON string at `dst[start...]`; returns the new count.
    @inlinable
    static func quoted(_ utf8: UnsafeBufferPointer<UInt8>, _ dst: UnsafeMutablePointer<UInt8>, _ start: Int) -> Int {
        var c = start
        dst[c] = 0x22
        c += 1
        guard let base = utf8.baseAddress else {
            dst[c] = 0x22
            return c + 1
        }
        let n = utf8.count
        var i = 0
        /// Eight bytes at `i`, escaped.
        @inline(__always) func word(_ i: Int, _ c: inout Int) {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            var mask = JSONEscape.mask(UInt64(littleEndian: w))
            if mask == 0 {
                UnsafeMutableRawPointer(dst + c).storeBytes(of: w, as: UInt64.self)
                c += 8
            } else {
                // The plain bytes before each escape come from the word itself: stored whole (the
                // bytes past them are overwritten next; the caller's space has room for the word).
                var k = i
                while mask != 0 {
                    let e = i + mask.trailingZeroBitCount >> 3
                    UnsafeMutableRawPointer(dst + c).storeBytes(of: w >> UInt64(8 * (k - i)), as: UInt64.self)
                    c += e - k
                    JSONEscape.write(base[e], to: dst, at: &c)
                    k = e + 1
                    mask &= mask &- 1
                }
                UnsafeMutableRawPointer(dst + c).storeBytes(of: w >> UInt64(8 * (k - i)), as: UInt64.self)
                c += i + 8 - k
            }
        }
        // Sixteen bytes at a time while none needs an escape. The test is `JSONEscape.needsEscape`
        // of each byte written as a plain loop without branches, which the compiler turns into
        // vector compares (Swift's SIMD comparison operators came out one lane at a time).
        while i + 16 <= n {
            var special: UInt8 = 0
            for k in 0..<16 {
                let b = base[i + k]
                special |= (b &- 0x20 > 0xDF ? 1 : 0) | (b == 0x22 ? 1 : 0) | (b == 0x5C ? 1 : 0)
            }
            if special == 0 {
                let v = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt8>.self)
                UnsafeMutableRawPointer(dst + c).storeBytes(of: v, as: SIMD16<UInt8>.self)
                c += 16
            } else {
                word(i, &c)
                word(i + 8, &c)
            }
            i += 16
        }
        while i + 8 <= n {
            word(i, &c)
            i += 8
        }
        while i < n {
            let b = base[i]
            if JSONEscape.needsEscape(b) {
                JSONEscape.write(b, to: dst, at: &c)
            } else {
                dst[c] = b
                c += 1
            }
            i += 1
        }
        dst[c] = 0x22
        return c + 1
    }

    @inlinable mutating func int(_ v: Int64) {
        if v >= 0 && v < 10 { byte(0x30 + UInt8(truncatingIfNeeded: v)); return }
        var m = v.magnitude
        if v < 0 { byte(UInt8(ascii: "-")) }
        // Digits from the right, two per division.
        var digits = 1
        var limit: UInt64 = 10
        while digits < 20 && m >= limit { digits += 1; limit = limit &* 10 }
        var k = count + digits
        while m >= 100 {
            let q = m / 100
            let r = Int(m - q * 100)
            k -= 2
            p[k] = UInt8(truncatingIfNeeded: 0x30 + r / 10)
            p[k + 1] = UInt8(truncatingIfNeeded: 0x30 + r % 10)
            m = q
        }
        if m >= 10 {
            k -= 2
            p[k] = UInt8(truncatingIfNeeded: 0x30 + m / 10)
            p[k + 1] = UInt8(truncatingIfNeeded: 0x30 + m % 10)
        } else {
            k -= 1
            p[k] = UInt8(truncatingIfNeeded: 0x30 + m)
        }
        count += digits
    }

    /// `string(s)`, copied from `cache` when `s` is the string last written in `slot` (the same
    /// storage), and remembered there otherwise.
    mutating func string(_ s: String, cached slot: QuotedCache.Slot, in cache: QuotedCache) {
        let n = s.utf8.count
        guard n >= QuotedCache.minLength, n <= QuotedCache.maxLength,
              let start = s.utf8.withContiguousStorageIfAvailable({ UnsafeRawPointer($0.baseAddress) }) ?? nil
        else {
            string(s)
            return
        }
        let entry = cache.entries + slot.rawValue
        if entry.pointee.start == start, entry.pointee.length == n {
            entry.pointee.quoted.withUnsafeBufferPointer { bytes($0) }
            return
        }
        let from = count
        string(s)
        entry.pointee.keep = s
        entry.pointee.start = start
        entry.pointee.length = n
        entry.pointee.quoted.removeAll(keepingCapacity: true)
        entry.pointee.quoted.append(contentsOf: UnsafeBufferPointer(start: p + from, count: count - from))
    }

    @inlinable mutating func stringMember(_ k: StaticString, _ v: String) {
        key(k)
        string(v)
    }

    @inlinable mutating func intMember(_ k: StaticString, _ v: Int64) {
        key(k)
        int(v)
    }

    /// A key from data (event data names, extras), escaped.
    @inlinable mutating func dynamicKey(_ k: String) {
        comma()
        string(k)
        byte(UInt8(ascii: ":"))
    }
}

/// Upper bounds of the bytes a record's JSON can take, for reserving space once. Cheap to compute
/// (string lengths are stored): measured faster than counting the bytes that need escapes and
/// reserving less.
enum RecordJSON {
    /// Bytes an escaped string can take.
    @inline(__always) static func bound(_ s: String) -> Int { s.utf8.count * 6 + 2 }
    @inline(__always) static func bound(_ s: String?) -> Int { s.map { $0.utf8.count * 6 + 2 } ?? 0 }

    static func bound(_ v: JSONValue) -> Int {
        switch v {
        case .string(let s): return bound(s)
        case .int, .double, .bool, .null: return 32
        case .array(let items):
            var n = 2
            for k in items.indices { n += bound(items[k]) + 1 }
            return n
        case .object(let members):
            var n = 2
            for k in members.indices { n += bound(members[k].0) + 1 + bound(members[k].1) + 1 }
            return n
        }
    }

    /// Every field's worst case plus the fixed keys and punctuation (generously: the fixed keys,
    /// numbers and timestamp of a record other than `winlog` take at most about 360 bytes).
    static func bound(of r: Record) -> Int {
        var n = 512
        n += bound(r.message) + bound(r.filePath) + bound(r.dataset) + bound(r.code) + bound(r.provider)
        n += bound(r.hostName) + bound(r.errorType) + bound(r.stackTrace) + bound(r.errorCode)
        if let w = r.winlogBox?.value {
            n += 512 + bound(w.channel) + bound(w.providerName) + bound(w.providerGUID) + bound(w.computerName)
            n += bound(w.keywords) + bound(w.activityID) + bound(w.userID)
            for (k, v) in w.eventData { n += bound(k) + bound(v) + 2 }
            for (k, v) in w.userData { n += bound(k) + bound(v) + 2 }
        }
        for (k, v) in r.extras { n += bound(k) + bound(v) + 2 }
        return n
    }
}

extension Severity {
    /// The value as a JSON string literal, quotes included.
    @inline(__always) var jsonLiteral: StaticString {
        switch self {
        case .critical: "\"critical\""
        case .error: "\"error\""
        case .warning: "\"warning\""
        case .information: "\"information\""
        case .verbose: "\"verbose\""
        case .debug: "\"debug\""
        }
    }
}

extension Outcome {
    @inline(__always) var jsonLiteral: StaticString {
        switch self {
        case .success: "\"success\""
        case .failure: "\"failure\""
        case .unknown: "\"unknown\""
        }
    }
}

extension TimeSource {
    @inline(__always) var jsonLiteral: StaticString {
        switch self {
        case .utc: "\"utc\""
        case .offset: "\"offset\""
        case .local: "\"local\""
        case .site: "\"site\""
        case .assumed: "\"assumed\""
        }
    }
}

/// The quoted JSON text of the string a writer wrote last in each of a few fields that repeat from
/// record to record (the source's path and host, a logger, a setupapi section…): written again by
/// copying instead of escaping. A string is recognized by its storage (same address and length);
/// the cache holds the string, so its storage stays alive and the address cannot be reused for
/// other text meanwhile. Only strings of 16 bytes or more are cached: shorter ones are stored
/// inline (their bytes have no lasting address) and cost little to escape. Kept behind a pointer,
/// as `DateText`.
final class QuotedCache {
    enum Slot: Int {
        case path, host, provider, extra0, extra1, extra2, extra3
        static let count = 7
    }

    struct Entry {
        var keep = ""
        var start: UnsafeRawPointer?
        var length = 0
        var quoted: [UInt8] = []
    }

    static let minLength = 16
    static let maxLength = 4096
    let entries: UnsafeMutablePointer<Entry>

    init() {
        entries = .allocate(capacity: Slot.count)
        entries.initialize(repeating: Entry(), count: Slot.count)
    }

    deinit {
        entries.deinitialize(count: Slot.count)
        entries.deallocate()
    }
}
