/// What an entry's text says about a .NET exception, as `Exception.ToString()` and the common
/// logging frameworks write it.
public struct DotNetExceptionInfo: Sendable, Equatable {
    /// The outermost exception type (`System.Data.SqlClient.SqlException`).
    public var type: String?
    /// The innermost exception type, when the entry states an inner exception of another type.
    public var innermostType: String?
    /// The HRESULT written after the outermost type (`0x80131904`), as written.
    public var hresult: String?
    /// `Error Number:18456` as `SqlException.ToString()` appends it.
    public var sqlErrorNumber: String?
    /// Lines that are stack frames (`   at Namespace.Type.Method(args) in File.cs:line 42`).
    public var frameCount: Int
    /// Where the exception text starts: index of the line and UTF-8 offset within it. The stack
    /// trace is the text from there to the end of the entry.
    public var startLine: Int
    public var startOffset: Int
}

/// Recognizes .NET exception text in log entries: exception header lines
/// (`Namespace.TypeException (0x80131904): message`), inner exceptions (` ---> Type: …`,
/// `Inner Exception: Type: …`, Enterprise Library's `Type : Type, Assembly…`), stack frames and the
/// `--- End of inner exception stack trace ---` markers.
///
/// Works on bytes of each line; no Foundation. Cost is linear in the entry's length, and lines
/// are only searched in full when they can hold an exception header.
public enum DotNetException {
    /// Analyzes an entry given as lines. `firstLineIsMessage` says the first line is a log message
    /// (an exception type may appear anywhere in it, e.g. `Unhandled: System.IO.IOException: …`);
    /// on the other lines a type must start the line (after indentation and an inner marker).
    /// Returns `nil` when the entry holds neither an exception header nor a stack frame.
    public static func analyze(_ lines: [String], firstLineIsMessage: Bool = true) -> DotNetExceptionInfo? {
        var info = DotNetExceptionInfo(type: nil, innermostType: nil, hresult: nil, sqlErrorNumber: nil,
                                       frameCount: 0, startLine: -1, startOffset: 0)
        var firstFrame: Int? = nil
        var lastType: String? = nil
        for (index, line) in lines.enumerated() {
            var text = line
            text.withUTF8 { b in
                if isFrame(b) {
                    info.frameCount += 1
                    if firstFrame == nil { firstFrame = index }
                    return
                }
                if info.sqlErrorNumber == nil, let n = sqlErrorNumber(b) { info.sqlErrorNumber = n }
                // Every header names a type ending in "Exception": skip lines without one.
                guard containsException(b) else { return }
                for found in types(in: b, anywhere: index == 0 && firstLineIsMessage) {
                    if info.type == nil {
                        info.type = found.type
                        info.hresult = found.hresult
                        info.startLine = index
                        info.startOffset = found.start
                    }
                    lastType = found.type
                }
            }
        }
        if info.type == nil {
            guard let f = firstFrame else { return nil }
            info.startLine = f
            info.startOffset = 0
            return info
        }
        if let last = lastType, last != info.type { info.innermostType = last }
        return info
    }

    /// The stack trace text: the entry from the exception's start to its end, joined with `\n`.
    public static func stackTrace(_ lines: [String], _ info: DotNetExceptionInfo) -> String {
        guard info.startLine >= 0, info.startLine < lines.count else { return "" }
        return TextJoin.lines(lines, info.startLine..<lines.count, skip: info.startOffset)
    }

    // MARK: - Line classification

    /// `at X.Y(…)` after indentation, also localized `bei`/`à`/`en`/`em`/`в` when followed by a
    /// call (`(`), and Enterprise Library's `Stack Trace :    at …`.
    static func isFrame(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        if starts(b, i, "at ") {
            // Indented frames may lack a call (`at offset 12 in file`); at column 0 require one.
            return containsByte(b, from: i, UInt8(ascii: "("))
                || (i > 0 && containsByte(b, from: i, UInt8(ascii: ".")))
        }
        if i > 0 {
            for word in Self.localizedFrameWords where starts(b, i, word) {
                return containsByte(b, from: i, UInt8(ascii: "("))
            }
        }
        if starts(b, i, "Stack Trace :") || starts(b, i, "Stack Trace:") {
            var j = i + 12
            while j < b.count, b[j] == 0x20 || b[j] == 0x3A { j += 1 }
            return starts(b, j, "at ")
        }
        return false
    }

    /// `Error Number:18456,State:1,Class:14` → `18456`.
    static func sqlErrorNumber(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        guard starts(b, 0, "Error Number:") else { return nil }
        var i = 13
        var digits: [UInt8] = []
        if i < b.count, b[i] == UInt8(ascii: "-") { digits.append(b[i]); i += 1 }
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39, digits.count < 12 { digits.append(b[i]); i += 1 }
        guard digits.contains(where: { $0 != UInt8(ascii: "-") }) else { return nil }
        return String(decoding: digits, as: UTF8.self)
    }

    struct Found {
        var type: String
        var hresult: String?
        var start: Int
    }

    /// Exception types stated in one line. With `anywhere` a dotted type followed by `:` or
    /// ` (0x…)` may appear at any word boundary; otherwise the line must start with one (after
    /// indentation and a marker such as `--->`, `Inner Exception:`, `Type :`), and further types
    /// are looked for after each inline ` ---> `.
    static func types(in b: UnsafeBufferPointer<UInt8>, anywhere: Bool) -> [Found] {
        var found: [Found] = []
        var i = 0
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        // Enterprise Library exception formatter.
        if starts(b, i, "An exception of type '") {
            let s = i + 22
            if let t = typeToken(b, s), t.end < b.count, b[t.end] == UInt8(ascii: "'") {
                found.append(Found(type: t.text, hresult: nil, start: i))
            }
            return found
        }
        let lineStart = i
        var prefixed = false
        // Every marker starts with `-`, `I`, `E`, `T` or `U`: other lines (most, frames) skip the list.
        let first = i < b.count ? b[i] : 0
        let mayBeMarked = first == UInt8(ascii: "-") || first == UInt8(ascii: "I") || first == UInt8(ascii: "E")
            || first == UInt8(ascii: "T") || first == UInt8(ascii: "U")
        for marker in Self.typeMarkers where mayBeMarked && hasPrefix(b, i, marker) {
            i += marker.utf8.count
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
            // AggregateException: `---> (Inner Exception #0) System.X: …`
            if starts(b, i, "(Inner Exception #") {
                while i < b.count, b[i] != UInt8(ascii: ")") { i += 1 }
                i += 1
                while i < b.count, b[i] == 0x20 { i += 1 }
            }
            prefixed = true
            break
        }
        if let t = typeToken(b, i), let h = header(b, t, allowUndotted: true, allowComma: prefixed) {
            found.append(Found(type: t.text, hresult: h, start: prefixed ? i : lineStart))
        } else if anywhere {
            // Search word boundaries for a dotted type followed by `:` or ` (0x`.
            var j = i
            while j < b.count {
                let atBoundary = j == 0 || b[j - 1] == 0x20 || b[j - 1] == 0x09 || b[j - 1] == UInt8(ascii: "(")
                    || b[j - 1] == UInt8(ascii: "'") || b[j - 1] == UInt8(ascii: "\"")
                if atBoundary, isIdentStart(b[j]), let t = typeToken(b, j), t.dotted,
                   let h = header(b, t, allowUndotted: false, allowComma: false) {
                    found.append(Found(type: t.text, hresult: h, start: j))
                    i = t.end
                    break
                }
                j += 1
            }
            if found.isEmpty { return found }
        } else {
            return found
        }
        // Inline inner exceptions (.NET Framework writes ` ---> Inner.Type: msg` on one line).
        var k = i
        while k + 5 <= b.count {
            if b[k] == UInt8(ascii: "-"), starts(b, k, "---> ") {
                var s = k + 5
                if starts(b, s, "(Inner Exception #") {
                    while s < b.count, b[s] != UInt8(ascii: ")") { s += 1 }
                    s += 1
                    while s < b.count, b[s] == 0x20 { s += 1 }
                }
                if let t = typeToken(b, s), header(b, t, allowUndotted: true, allowComma: false) != nil {
                    found.append(Found(type: t.text, hresult: nil, start: s))
                    k = t.end
                    continue
                }
            }
            k += 1
        }
        return found
    }

    /// What follows a type for it to be an exception header: `:`, ` (0x…)` [then `:` or end],
    /// end of line, or (Enterprise Library `Type : X, Assembly`) a comma. Returns the HRESULT or
    /// "" when none.
    static func header(_ b: UnsafeBufferPointer<UInt8>, _ t: TypeToken, allowUndotted: Bool, allowComma: Bool) -> String?? {
        guard t.dotted || allowUndotted else { return nil }
        var i = t.end
        if i == b.count { return .some(nil) }
        if b[i] == UInt8(ascii: ":") { return .some(nil) }
        if allowComma, b[i] == UInt8(ascii: ",") { return .some(nil) }
        // ` (0x80131904)` (HRESULT) or, from .NET Core's Win32Exception, ` (258)` (native error).
        if b[i] == 0x20, starts(b, i, " (") {
            let hs = i + 2
            let hex = starts(b, hs, "0x")
            i = hex ? hs + 2 : hs
            let digitsStart = i
            while i < b.count, hex ? isHex(b[i]) : (b[i] >= 0x30 && b[i] <= 0x39) { i += 1 }
            guard i > digitsStart, i - digitsStart <= 10, i < b.count, b[i] == UInt8(ascii: ")") else { return nil }
            let code = String(decoding: UnsafeBufferPointer(rebasing: b[hs..<i]), as: UTF8.self)
            i += 1
            if i == b.count || b[i] == UInt8(ascii: ":") { return .some(hex ? code : nil) }
        }
        return nil
    }

    struct TypeToken {
        var text: String
        var end: Int
        var dotted: Bool
    }

    /// A type name at `i` whose last segment ends in `Exception` (optionally generic: `` `1``).
    static func typeToken(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> TypeToken? {
        guard i < b.count, isIdentStart(b[i]) else { return nil }
        var j = i
        var segStart = i
        var dotted = false
        while j < b.count {
            let c = b[j]
            if isIdent(c) { j += 1; continue }
            if c == UInt8(ascii: "."), j + 1 < b.count, isIdentStart(b[j + 1]) {
                dotted = true
                j += 1
                segStart = j
                continue
            }
            break
        }
        guard j - i <= 256 else { return nil }
        // Last segment must end with "Exception", before an optional generic arity.
        var segEnd = j
        var k = j - 1
        while k > segStart, b[k] >= 0x30, b[k] <= 0x39 { k -= 1 }
        if k > segStart, b[k] == UInt8(ascii: "`") { segEnd = k }
        let suffix = Array("Exception".utf8)
        guard segEnd - segStart >= suffix.count else { return nil }
        for (n, c) in suffix.enumerated() where b[segEnd - suffix.count + n] != c { return nil }
        // Undotted names must be CamelCase (`SqlException`, not `exception`).
        guard dotted || (b[i] >= 0x41 && b[i] <= 0x5A) else { return nil }
        return TypeToken(text: String(decoding: UnsafeBufferPointer(rebasing: b[i..<j]), as: UTF8.self), end: j, dotted: dotted)
    }

    @inline(__always) static func isIdentStart(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }

    @inline(__always) static func isIdent(_ c: UInt8) -> Bool {
        isIdentStart(c) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "`") || c == UInt8(ascii: "+")
    }

    @inline(__always) static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    /// Whether `Exception` occurs in `text` (a cheap test before `analyze`).
    public static func mentionsException(_ text: String) -> Bool {
        var t = text
        return t.withUTF8 { containsException($0) }
    }

    /// Whether `Exception` occurs in the line (a fast pre-check before the type search).
    static func containsException(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count >= 9 else { return false }
        var k = 1
        let end = b.count - 7
        // Find each 'x' (many bytes at a time) and check the letters around it: "E" "x" "ception".
        let head = UnsafeBufferPointer(rebasing: b[..<end])
        while k < end {
            guard let hit = RawBytes.firstIndex(of: UInt8(ascii: "x"), in: head, from: k) else { return false }
            k = hit
            if b[k - 1] == UInt8(ascii: "E"), b[k + 1] == UInt8(ascii: "c"),
               b[k + 2] == UInt8(ascii: "e"), b[k + 3] == UInt8(ascii: "p"), b[k + 4] == UInt8(ascii: "t"),
               b[k + 5] == UInt8(ascii: "i"), b[k + 6] == UInt8(ascii: "o"), b[k + 7] == UInt8(ascii: "n") {
                return true
            }
            k += 1
        }
        return false
    }

    /// What may stand before an exception type at the start of a line.
    static let typeMarkers = ["---> ", "--> ", "Inner Exception:", "Inner exception:", "InnerException:",
                              "Inner Exception :", "Exception:", "Exception :", "Type :", "Type:", "Unhandled Exception:",
                              "Unhandled exception:"]

    /// German, French, Spanish, Portuguese and Russian for the `at` of a frame.
    static let localizedFrameWords: [StaticString] = ["bei ", "\u{E0} ", "en ", "em ", "\u{432} "]

    static func hasPrefix(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ s: String) -> Bool {
        var k = at
        for c in s.utf8 {
            guard k < b.count, b[k] == c else { return false }
            k += 1
        }
        return true
    }

    /// `hasPrefix` for a literal: compared in place.
    @inline(__always)
    static func starts(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard at >= 0, at + n <= b.count, let base = b.baseAddress else { return false }
        return RawBytes.equal(base + at, s.utf8Start, count: n)
    }

    static func containsByte(_ b: UnsafeBufferPointer<UInt8>, from: Int, _ c: UInt8) -> Bool {
        RawBytes.firstIndex(of: c, in: b, from: from) != nil
    }
}
