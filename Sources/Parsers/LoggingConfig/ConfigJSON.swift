import LogRecord

/// A bounded JSON reader for `appsettings.json`: what .NET's configuration reader accepts, so
/// `//` and `/* */` comments and trailing commas too. Objects keep their key order.
///
/// Nesting is limited to `depthLimit` (an explicit budget, checked before each descent), strings
/// and the input to `byteLimit`; every problem is returned with its line and column, nothing traps.
public enum ConfigJSON {
    public static let depthLimit = 64
    public static let byteLimit = 8 << 20

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { "JSON syntax: \(message) (line \(line), column \(column))" }
    }

    /// Parses one JSON document (UTF-8, optionally with a BOM, or UTF-16 with a BOM).
    public static func parse(_ bytes: [UInt8]) -> Result<JSONValue, Problem> {
        if bytes.count > byteLimit {
            return .failure(Problem(line: 1, column: 1, message: "the file is \(bytes.count) bytes, more than \(byteLimit)"))
        }
        var p = Parser(b: ConfigText.utf8(bytes))
        do {
            p.skip()
            let value = try p.value(depth: 0)
            p.skip()
            if p.i < p.b.count { throw p.fail("text after the end of the document") }
            return .success(value)
        } catch let problem as Problem {
            return .failure(problem)
        } catch {
            return .failure(Problem(line: 1, column: 1, message: "\(error)"))
        }
    }

    struct Parser {
        let b: [UInt8]
        var i = 0

        init(b: [UInt8]) { self.b = b }

        func fail(_ message: String) -> Problem {
            var line = 1, column = 1
            var k = 0
            while k < min(i, b.count) {
                if b[k] == 0x0A { line += 1; column = 1 } else if b[k] & 0xC0 != 0x80 { column += 1 }
                k += 1
            }
            return Problem(line: line, column: column, message: message)
        }

        /// Skips white space and comments.
        mutating func skip() {
            while i < b.count {
                let c = b[i]
                if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1; continue }
                if c == 0x2F, i + 1 < b.count {
                    if b[i + 1] == 0x2F {
                        while i < b.count, b[i] != 0x0A { i += 1 }
                        continue
                    }
                    if b[i + 1] == 0x2A {
                        i += 2
                        while i + 1 < b.count, !(b[i] == 0x2A && b[i + 1] == 0x2F) { i += 1 }
                        i = min(b.count, i + 2)
                        continue
                    }
                }
                return
            }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard i < b.count else { throw fail("the document ends where a value was expected") }
            switch b[i] {
            case 0x7B: return try object(depth: depth + 1)
            case 0x5B: return try array(depth: depth + 1)
            case 0x22: return .string(try string())
            case 0x74: try word("true"); return .bool(true)
            case 0x66: try word("false"); return .bool(false)
            case 0x6E: try word("null"); return .null
            case 0x2D, 0x30...0x39: return number()
            default: throw fail("unexpected character '\(Character(Unicode.Scalar(b[i])))'")
            }
        }

        mutating func word(_ w: String) throws {
            let u = Array(w.utf8)
            guard i + u.count <= b.count, Array(b[i..<(i + u.count)]) == u else { throw fail("expected \(w)") }
            i += u.count
        }

        mutating func number() -> JSONValue {
            let start = i
            i += 1
            while i < b.count, (0x30...0x39).contains(b[i]) || b[i] == 0x2E || b[i] == 0x65 || b[i] == 0x45
                    || b[i] == 0x2B || b[i] == 0x2D { i += 1 }
            let text = String(decoding: b[start..<i], as: UTF8.self)
            if let v = Int64(text) { return .int(v) }
            return .double(Double(text) ?? 0)
        }

        mutating func object(depth: Int) throws -> JSONValue {
            if depth > ConfigJSON.depthLimit { throw fail("nested deeper than \(ConfigJSON.depthLimit) levels") }
            i += 1
            var members: [(String, JSONValue)] = []
            while true {
                skip()
                guard i < b.count else { throw fail("the document ends inside an object") }
                if b[i] == 0x7D { i += 1; return .object(members) }
                guard b[i] == 0x22 else { throw fail("expected a quoted name") }
                let key = try string()
                skip()
                guard i < b.count, b[i] == 0x3A else { throw fail("expected ':' after \"\(key)\"") }
                i += 1
                skip()
                members.append((key, try value(depth: depth)))
                skip()
                guard i < b.count else { throw fail("the document ends inside an object") }
                if b[i] == 0x2C { i += 1; continue }
                if b[i] == 0x7D { i += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            if depth > ConfigJSON.depthLimit { throw fail("nested deeper than \(ConfigJSON.depthLimit) levels") }
            i += 1
            var items: [JSONValue] = []
            while true {
                skip()
                guard i < b.count else { throw fail("the document ends inside an array") }
                if b[i] == 0x5D { i += 1; return .array(items) }
                items.append(try value(depth: depth))
                skip()
                guard i < b.count else { throw fail("the document ends inside an array") }
                if b[i] == 0x2C { i += 1; continue }
                if b[i] == 0x5D { i += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        }

        mutating func string() throws -> String {
            i += 1
            var out: [UInt8] = []
            while i < b.count {
                let c = b[i]
                if c == 0x22 { i += 1; return String(decoding: out, as: UTF8.self) }
                if c == 0x5C {
                    guard i + 1 < b.count else { break }
                    let e = b[i + 1]
                    i += 2
                    switch e {
                    case 0x6E: out.append(0x0A)
                    case 0x74: out.append(0x09)
                    case 0x72: out.append(0x0D)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x75:
                        guard let unit = hex4() else { throw fail("bad \\u escape") }
                        var scalar = Unicode.Scalar(unit)
                        if (0xD800..<0xDC00).contains(unit), i + 1 < b.count, b[i] == 0x5C, b[i + 1] == 0x75 {
                            i += 2
                            if let low = hex4(), (0xDC00..<0xE000).contains(low) {
                                scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))
                            }
                        }
                        out.append(contentsOf: Array(String(Character(scalar ?? "\u{FFFD}")).utf8))
                    default: out.append(e)
                    }
                    continue
                }
                out.append(c)
                i += 1
            }
            throw fail("a string is never closed")
        }

        mutating func hex4() -> UInt16? {
            guard i + 4 <= b.count else { return nil }
            var v: UInt16 = 0
            for k in 0..<4 {
                let d = b[i + k]
                let x: UInt16
                switch d {
                case 0x30...0x39: x = UInt16(d - 0x30)
                case 0x61...0x66: x = UInt16(d - 0x61 + 10)
                case 0x41...0x46: x = UInt16(d - 0x41 + 10)
                default: return nil
                }
                v = v << 4 | x
            }
            i += 4
            return v
        }
    }
}

extension JSONValue {
    /// The member named `key` (ASCII case-insensitive, as .NET configuration keys are), if an object.
    func configMember(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { ConfigXML.equalFold($0.0, key) }?.1
    }

    /// A scalar as .NET configuration sees it: strings as they are, numbers and booleans as text.
    var configScalar: String? {
        switch self {
        case .string(let s): s
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .bool(let v): v ? "true" : "false"
        default: nil
        }
    }
}
