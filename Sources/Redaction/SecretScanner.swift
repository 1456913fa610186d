/// One replacement in a text: the bytes `start..<end` become `replacement`.
public struct RedactionEdit: Sendable, Equatable {
    public var start: Int
    public var end: Int
    public var replacement: [UInt8]
    public var rule: RedactionRule
    /// Whether the edit counts as a replacement (a PEM block counts once, not per line).
    public var counted = true
}

/// What a text redactor remembers from line to line of one file: an open PEM block, the names an
/// MSI log declared hidden.
struct TextState {
    var pemOpen = false
    var pemBodyLines = 0
    var hidden: Set<[UInt8]> = []
    /// The file is a collected configuration file: its values are counted as `config-value`.
    var isConfig = false
}

/// The `secrets` rules over ASCII-compatible bytes (UTF-8, ANSI code pages, or UTF-16 narrowed to
/// one byte per code unit). Only bytes in `triggers` start work, so a line with none of `= : < -`
/// costs one table look-up per byte.
struct SecretScanner {
    /// 1 for `\n`, `=`, `:`, `<`.
    static let triggers: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for c in "\n=:<".utf8 { t[Int(c)] = 1 }
        return t
    }()

    let p: UnsafeBufferPointer<UInt8>
    var state: TextState
    var edits: [RedactionEdit] = []

    init(_ p: UnsafeBufferPointer<UInt8>, state: TextState) {
        self.p = p
        self.state = state
    }

    var n: Int { p.count }

    /// Scans complete lines (the buffer ends at a line end or is the end of the text).
    mutating func run() {
        guard let base = p.baseAddress else { return }
        let count = p.count
        var i = state.pemOpen ? pemLine(0) : lineStart(0)
        var lineStart = 0
        Self.triggers.withUnsafeBufferPointer { table in
            let t = table.baseAddress!
            while i < count {
                // Eight bytes at a time while none of them can be a trigger.
                if i &+ 8 <= count, !Self.mayHoldTrigger(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) {
                    i &+= 8
                    continue
                }
                let b = base[i]
                if t[Int(b)] == 0 {
                    i += 1
                    continue
                }
                switch b {
                case 0x0A:
                    lineStart = i + 1
                    i = state.pemOpen ? pemLine(i + 1) : self.lineStart(i + 1)
                case 0x3A:
                    // Times (`12:34`) are the most common colon: nothing to look at.
                    if i > 0, i + 1 < count, Bytes.isDigit(base[i - 1]), Bytes.isDigit(base[i + 1]) {
                        i += 2
                    } else {
                        i = colon(i, lineStart)
                    }
                case 0x3D: i = equals(i, lineStart)
                default: i = element(i)
                }
            }
        }
    }

    /// Whether any of the eight bytes in `x` is `\n` or in `:`…`=` (`:`, `;`, `<`, `=`). Exact
    /// for the range, may say yes wrongly for `\n` (never no wrongly).
    @inline(__always) static func mayHoldTrigger(_ x: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let low7 = x & (ones &* 127)
        let between = ((ones &* (127 + 0x3E)) &- low7) & ~x & (low7 &+ ones &* (127 - 0x39)) & high
        let nl = x ^ (ones &* 0x0A)
        let zero = (nl &- ones) & ~nl & high
        return (between | zero) != 0
    }

    /// At the start of a line: a PEM private key block may begin here (after blanks).
    mutating func lineStart(_ at: Int) -> Int {
        var k = at
        while k < n && Bytes.isSpace(p[k]) { k += 1 }
        guard k < n, p[k] == 0x2D else { return at }
        return dash(k)
    }

    // MARK: - Helpers

    func lineEnd(_ from: Int) -> Int {
        var e = from
        while e < n && p[e] != 0x0A { e += 1 }
        return e
    }

    /// `from..<end` without a trailing `\r` and blanks.
    func trimmedEnd(_ from: Int, _ end: Int) -> Int {
        var e = end
        while e > from && (p[e - 1] == 0x0D || Bytes.isSpace(p[e - 1])) { e -= 1 }
        return e
    }

    /// Case-insensitive: `p[at...]` starts with `word` (lower-case ASCII).
    func matches(_ at: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard at >= 0, at + count <= n else { return false }
        let w = word.utf8Start
        for k in 0..<count where Bytes.lower(p[at + k]) != w[k] { return false }
        return true
    }

    /// Case-sensitive search for `word` in `from..<to`.
    func find(_ word: StaticString, _ from: Int, _ to: Int) -> Int? {
        let count = word.utf8CodeUnitCount
        let w = word.utf8Start
        var i = from
        while i + count <= to {
            if p[i] == w[0] {
                var k = 1
                while k < count && p[i + k] == w[k] { k += 1 }
                if k == count { return i }
            }
            i += 1
        }
        return nil
    }

    func slice(_ s: Int, _ e: Int) -> ArraySlice<UInt8> { ArraySlice(UnsafeBufferPointer(rebasing: p[s..<e])) }

    /// Quick test without allocating: the name holds `pass`, `pwd`, `secret`, `token` or `key`
    /// (any case).
    func mayBeSecretName(_ s: Int, _ e: Int) -> Bool {
        guard e - s >= 3 else { return false }
        var k = s
        while k + 2 < e {
            switch p[k] | 0x20 {
            case 0x70: // p
                if matches(k + 1, "ass") || matches(k + 1, "wd") { return true }
            case 0x73: // s
                if matches(k + 1, "ecret") { return true }
            case 0x74: // t
                if matches(k + 1, "oken") { return true }
            case 0x6B: // k
                if matches(k + 1, "ey") { return true }
            default: break
            }
            k += 1
        }
        return false
    }

    func isSecretName(_ s: Int, _ e: Int) -> Bool {
        mayBeSecretName(s, e) && Bytes.isSecretName(slice(s, e))
    }

    func isHidden(_ s: Int, _ e: Int) -> Bool {
        !state.hidden.isEmpty && state.hidden.contains(Array(slice(s, e)))
    }

    /// The key before a separator at `i`: a name, or a quoted name (`"password": …`).
    func keyBefore(_ i: Int, _ lineStart: Int) -> (Int, Int)? {
        var e = i
        while e > lineStart && Bytes.isSpace(p[e - 1]) { e -= 1 }
        if e > lineStart, p[e - 1] == 0x22 || p[e - 1] == 0x27 {
            let q = p[e - 1]
            let end = e - 1
            var s = end
            while s > lineStart && p[s - 1] != q && end - s < 80 { s -= 1 }
            guard s > lineStart, p[s - 1] == q, s < end else { return nil }
            return (s, end)
        }
        var s = e
        while s > lineStart && Bytes.isName(p[s - 1]) && e - s < 80 { s -= 1 }
        return s < e ? (s, e) : nil
    }

    enum Stops { case line, connection, word }

    /// The value after a separator at `i`: quoted (contents) or up to a stop byte.
    func valueAfter(_ i: Int, _ stops: Stops) -> (Int, Int, quoted: Bool) {
        var s = i + 1
        while s < n && Bytes.isSpace(p[s]) { s += 1 }
        if s < n, p[s] == 0x22 || p[s] == 0x27 {
            let q = p[s]
            var e = s + 1
            while e < n && p[e] != q && p[e] != 0x0A { e += 1 }
            return (s + 1, e, true)
        }
        var e = s
        while e < n {
            let b = p[e]
            if b == 0x0A { break }
            switch stops {
            case .line: break
            case .connection: if b == 0x3B || b == 0x22 || b == 0x27 { return (s, trimmedEnd(s, e), false) }
            case .word:
                if Bytes.isSpace(b) || b == 0x3B || b == 0x2C || b == 0x26 || b == 0x22 || b == 0x27 || b == 0x3C || b == 0x3E || b == 0x0D {
                    return (s, e, false)
                }
            }
            e += 1
        }
        return (s, trimmedEnd(s, e), false)
    }

    /// Records an edit of a value unless it is empty or already masked (`****`, `[REDACTED]`).
    /// Returns where scanning goes on.
    mutating func redact(_ s: Int, _ e: Int, _ rule: RedactionRule) -> Int {
        guard e > s else { return max(s, e) }
        var masked = true
        for k in s..<e where p[k] != 0x2A { masked = false; break }
        if masked { return e }
        if e - s == Redacted.marker.count, slice(s, e).elementsEqual(Redacted.marker) { return e }
        edits.append(RedactionEdit(start: s, end: e, replacement: Redacted.marker, rule: rule))
        return e
    }

    /// After a separator at `i` whose key names no secret: a value starting with `Bearer ` (the
    /// token after it is replaced) or a PEM private key block (opened). Else scanning goes on
    /// after the separator.
    mutating func special(_ i: Int) -> Int {
        var s = i + 1
        while s < n && (Bytes.isSpace(p[s]) || p[s] == 0x22 || p[s] == 0x27) { s += 1 }
        guard s < n else { return i + 1 }
        if p[s] == 0x2D, matches(s, "-----begin ") { return dash(s) }
        guard p[s] | 0x20 == 0x62, matches(s, "bearer ") else { return i + 1 }
        let (vs, ve, _) = valueAfter(i, .word)
        var t = max(vs, s + 7)
        while t < n && Bytes.isSpace(p[t]) { t += 1 }
        var e = max(t, ve)
        while e < n && !Bytes.isSpace(p[e]) && p[e] != 0x0A && p[e] != 0x0D && p[e] != 0x22 && p[e] != 0x27 && p[e] != 0x3C && p[e] != 0x2C { e += 1 }
        return redact(t, e, .bearerToken)
    }

    func valueRule(_ fallback: RedactionRule) -> RedactionRule { state.isConfig ? .configValue : fallback }

    // MARK: - `=`

    mutating func equals(_ i: Int, _ lineStart: Int) -> Int {
        guard let (ks, ke) = keyBefore(i, lineStart) else { return special(i) }
        var msiLine: Bool { find("Property(", lineStart, ks) != nil }
        if ke - ks == 19, matches(ks, "msihiddenproperties") {
            let (vs, ve, _) = valueAfter(i, msiLine ? .line : .word)
            learnHidden(vs, ve)
            return ve
        }
        if isHidden(ks, ke) {
            let (vs, ve, _) = valueAfter(i, msiLine ? .line : .word)
            return redact(vs, ve, .msiHiddenProperty)
        }
        if isSecretName(ks, ke) {
            if msiLine {
                let (vs, ve, _) = valueAfter(i, .line)
                return redact(vs, ve, .msiProperty)
            }
            let plain = (ke - ks == 8 && matches(ks, "password")) || (ke - ks == 3 && matches(ks, "pwd"))
            if plain {
                // Connection strings: `…;Password=a b;…` or `Password=x;…` — the value runs to `;` or a quote.
                var b = ks
                while b > lineStart && Bytes.isSpace(p[b - 1]) { b -= 1 }
                let (vs, ve, quoted) = valueAfter(i, .connection)
                // A quoted value is an attribute (`password="…"`), not a connection string's part.
                let inString = !quoted && ((b > lineStart && (p[b - 1] == 0x3B || p[b - 1] == 0x22 || p[b - 1] == 0x27)) || (ve < n && p[ve] == 0x3B))
                if inString { return redact(vs, ve, .connectionStringPassword) }
                let (ws, we, _) = valueAfter(i, .word)
                return redact(ws, we, valueRule(.secretKeyValue))
            }
            let (vs, ve, _) = valueAfter(i, .word)
            return redact(vs, ve, valueRule(.secretKeyValue))
        }
        // `<add key="DbPassword" value="…"/>`, `<Data Name="Password">…</Data>`.
        if (ke - ks == 3 && matches(ks, "key")) || (ke - ks == 4 && matches(ks, "name")) {
            let (vs, ve, quoted) = valueAfter(i, .word)
            if quoted, isSecretName(vs, ve) || isHidden(vs, ve) {
                return attributeValue(after: min(ve + 1, n))
            }
            return ve
        }
        return special(i)
    }

    /// After a secret-naming `key="…"`/`name="…"` attribute: the `value="…"` attribute on the
    /// line, else the element's text (`>…<`, or `><value>…</value>`).
    mutating func attributeValue(after from: Int) -> Int {
        let end = lineEnd(from)
        var k = from
        while k < end {
            if p[k] == 0x3E { break }
            if matches(k, "value"), k > 0, Bytes.isSpace(p[k - 1]) {
                var j = k + 5
                while j < end && Bytes.isSpace(p[j]) { j += 1 }
                if j < end, p[j] == 0x3D {
                    let (vs, ve, _) = valueAfter(j, .word)
                    return redact(vs, ve, valueRule(.xmlValue))
                }
            }
            k += 1
        }
        guard k < end, p[k] == 0x3E, k == 0 || p[k - 1] != 0x2F else { return end }
        var s = k + 1
        if matches(s, "<value>") { s += 7 }
        var e = s
        while e < end && p[e] != 0x3C { e += 1 }
        return redact(s, trimmedEnd(s, e), valueRule(.xmlValue))
    }

    mutating func learnHidden(_ s: Int, _ e: Int) {
        var k = s
        while k < e {
            var t = k
            while t < e && p[t] != 0x3B && !Bytes.isSpace(p[t]) { t += 1 }
            if t > k { state.hidden.insert(Array(slice(k, t))) }
            k = t + 1
        }
    }

    // MARK: - `:`

    mutating func colon(_ i: Int, _ lineStart: Int) -> Int {
        let prevDigit = i > 0 && Bytes.isDigit(p[i - 1])
        if prevDigit, i + 1 < n, Bytes.isDigit(p[i + 1]) { return i + 1 }
        if i + 2 < n, p[i + 1] == 0x2F, p[i + 2] == 0x2F, i > 0, Bytes.isAlpha(p[i - 1]) {
            return url(i + 3)
        }
        guard let (ks, ke) = keyBefore(i, lineStart) else { return special(i) }
        let len = ke - ks
        if (len == 13 && matches(ks, "authorization")) || (len == 19 && matches(ks, "proxy-authorization")) {
            var s = i + 1
            while s < n && (Bytes.isSpace(p[s]) || p[s] == 0x22 || p[s] == 0x27) { s += 1 }
            var w = s
            while w < n && Bytes.isAlpha(p[w]) { w += 1 }
            if w < n, Bytes.isSpace(p[w]),
               matches(s, "basic") || matches(s, "bearer") || matches(s, "digest") || matches(s, "ntlm") || matches(s, "negotiate") {
                s = w
                while s < n && Bytes.isSpace(p[s]) { s += 1 }
            }
            var e = s
            while e < n && p[e] != 0x0A && p[e] != 0x22 && p[e] != 0x27 && p[e] != 0x3C { e += 1 }
            return redact(s, trimmedEnd(s, e), .authorizationHeader)
        }
        if len == 6, matches(ks, "change"), ks >= 9, matches(ks - 9, "property ") {
            return propertyChange(i)
        }
        if len > 3, isSecretName(ks, ke) || isHidden(ks, ke) {
            let (vs, ve, _) = valueAfter(i, .word)
            return redact(vs, ve, isHidden(ks, ke) ? .msiHiddenProperty : valueRule(.secretKeyValue))
        }
        return special(i)
    }

    /// `scheme://user:password@host`: the password.
    mutating func url(_ start: Int) -> Int {
        var e = start
        while e < n {
            let b = p[e]
            if Bytes.isSpace(b) || b == 0x0A || b == 0x0D || b == 0x22 || b == 0x27 || b == 0x3C || b == 0x3E || b == 0x2F { break }
            e += 1
        }
        var at: Int? = nil
        for k in start..<e where p[k] == 0x40 { at = k }
        guard let at else { return e }
        var c: Int? = nil
        for k in start..<at where p[k] == 0x3A { c = k; break }
        guard let c else { return e }
        _ = redact(c + 1, at, .urlCredentials)
        return e
    }

    /// `PROPERTY CHANGE: Adding NAME property. Its value is 'v'.` (and Modifying/Deleting).
    mutating func propertyChange(_ i: Int) -> Int {
        let end = lineEnd(i)
        var s = i + 1
        while s < end && Bytes.isSpace(p[s]) { s += 1 }
        while s < end && Bytes.isAlpha(p[s]) { s += 1 }
        while s < end && Bytes.isSpace(p[s]) { s += 1 }
        let ns = s
        while s < end && !Bytes.isSpace(p[s]) { s += 1 }
        let ne = s
        guard ne > ns else { return end }
        let learn = ne - ns == 19 && matches(ns, "msihiddenproperties")
        let hidden = isHidden(ns, ne)
        guard learn || hidden || isSecretName(ns, ne) else { return end }
        var k = ne
        while k < end {
            guard p[k] == 0x27 else { k += 1; continue }
            // A quoted value: to the quote that ends it (`'.` or the last quote on the line).
            var q = k + 1
            var close: Int? = nil
            while q < end {
                if p[q] == 0x27, q + 1 >= end || p[q + 1] == 0x2E || p[q + 1] == 0x0D { close = q; break }
                q += 1
            }
            guard let close else { break }
            if learn { learnHidden(k + 1, close) } else { _ = redact(k + 1, close, hidden ? .msiHiddenProperty : .msiProperty) }
            k = close + 1
        }
        return end
    }

    // MARK: - `<`

    mutating func element(_ i: Int) -> Int {
        var e = i + 1
        while e < n && Bytes.isName(p[e]) { e += 1 }
        guard e > i + 1, e < n, p[e] == 0x3E, isSecretName(i + 1, e) else { return i + 1 }
        var v = e + 1
        while v < n && p[v] != 0x3C && p[v] != 0x0A { v += 1 }
        return redact(e + 1, trimmedEnd(e + 1, v), valueRule(.xmlValue))
    }

    // MARK: - `-` (PEM)

    mutating func dash(_ i: Int) -> Int {
        guard matches(i, "-----begin ") else { return i + 1 }
        let end = lineEnd(i)
        guard find("PRIVATE KEY-----", i, end) != nil else { return end }
        state.pemOpen = true
        state.pemBodyLines = 0
        return end
    }

    /// A line inside a PEM private key block: replaced whole, or the END line that closes it.
    mutating func pemLine(_ start: Int) -> Int {
        let end = lineEnd(start)
        if find("-----END ", start, end) != nil {
            state.pemOpen = false
            return end
        }
        let e = trimmedEnd(start, end)
        if e > start {
            // One count per block: its first body line.
            edits.append(RedactionEdit(start: start, end: e, replacement: Redacted.marker, rule: .pemPrivateKey,
                                       counted: state.pemBodyLines == 0))
            state.pemBodyLines += 1
        }
        return end
    }
}
