/// A glob pattern over `/`-separated paths relative to a root, matched case-insensitively per
/// path component (a tree copied off a Windows disk may say `WINDOWS/system32`).
///
/// Syntax:
/// - `*` any run of characters within one component, `?` one character;
/// - `[abc]`, `[a-z]`, `[!a-z]` / `[^a-z]` one character from (or not from) a set;
/// - `**` as a whole component: zero or more components (any depth); a trailing `**` matches
///   everything below a folder (one or more components), not the folder itself;
/// - `{a,b,}` alternatives, expanded before matching (may contain `/`, may nest, may be empty);
/// - `/` and `\` both separate components; there is no escape character: write `[*]`, `[?]`,
///   `[[]`, `[{]` for a literal `*`, `?`, `[`, `{`.
///
/// Patterns are relative: a leading `/`, a drive letter (`C:`) or a `..` component is rejected,
/// so no pattern can reach outside the root.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let source: String
    /// One component list per brace alternative.
    let alternatives: [[GlobComponent]]

    /// At most this many alternatives after brace expansion.
    static let alternativeLimit = 256

    public init(_ text: String) throws(GlobError) {
        source = text
        var alternatives: [[GlobComponent]] = []
        for expanded in try Glob.expandBraces(Array(text.unicodeScalars), source: text) {
            alternatives.append(try Glob.components(String(String.UnicodeScalarView(expanded)), source: text))
        }
        self.alternatives = alternatives
    }

    public var description: String { source }

    public static func == (lhs: Glob, rhs: Glob) -> Bool { lhs.source == rhs.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// `true` when the whole `/`-separated relative `path` matches.
    public func matches(_ path: String) -> Bool {
        matches(components: Glob.split(path).map(Glob.fold))
    }

    /// `true` when the path given as case-folded components (see `fold`) matches.
    func matches(components: [String]) -> Bool {
        for alternative in alternatives {
            var states = GlobTrack.closure([0], alternative)
            for name in components {
                states = GlobTrack.step(states, alternative, name)
                if states.isEmpty { break }
            }
            if states.contains(alternative.count) { return true }
        }
        return false
    }

    /// The case folding used on both patterns and names.
    static func fold(_ name: some StringProtocol) -> String { name.lowercased() }

    /// Splits on `/` and `\`, dropping empty and `.` components.
    static func split(_ path: String) -> [String] {
        path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).map(String.init).filter { $0 != "." }
    }

    // MARK: - Compilation

    private static func components(_ text: String, source: String) throws(GlobError) -> [GlobComponent] {
        if text.hasPrefix("/") || text.hasPrefix("\\") {
            throw GlobError(pattern: source, problem: "must be relative to the root (starts with a separator)")
        }
        let scalars = Array(text.unicodeScalars)
        if scalars.count >= 2, scalars[1] == ":", scalars[0].properties.isAlphabetic {
            throw GlobError(pattern: source, problem: "must be relative to the root (starts with a drive letter)")
        }
        let parts = split(text)
        if parts.isEmpty { throw GlobError(pattern: source, problem: "is empty") }
        var result: [GlobComponent] = []
        for part in parts {
            if part == ".." { throw GlobError(pattern: source, problem: "must not contain '..'") }
            if part == "**" {
                // Consecutive `**` mean the same as one.
                if result.last != .anyDepth { result.append(.anyDepth) }
                continue
            }
            result.append(try GlobComponent(part, source: source))
        }
        // A trailing `**` means the files below the folder, not the folder itself: `a/**` is `a/**/*`.
        if result.last == .anyDepth { result.append(.wildcard([.star])) }
        return result
    }

    /// Expands the first top-level `{…,…}` group and recurses. A `{…}` without a top-level comma
    /// stays literal text (as in shells), so `{GUID}` folder names can be written as they are.
    static func expandBraces(_ s: [Unicode.Scalar], source: String) throws(GlobError) -> [[Unicode.Scalar]] {
        var i = 0
        var open: Int?
        var depth = 0
        var commas: [Int] = []
        while i < s.count {
            let c = s[i]
            if c == "[" {
                // Skip a bracket expression: braces inside it are literal.
                var j = i + 1
                if j < s.count, s[j] == "!" || s[j] == "^" { j += 1 }
                if j < s.count, s[j] == "]" { j += 1 }
                while j < s.count, s[j] != "]" { j += 1 }
                if j >= s.count { throw GlobError(pattern: source, problem: "has an unclosed '['") }
                i = j + 1
                continue
            }
            if c == "{" {
                if depth == 0 { open = i; commas = [] }
                depth += 1
            } else if c == "}" {
                if depth == 0 { throw GlobError(pattern: source, problem: "has a '}' without '{'") }
                depth -= 1
                if depth == 0, let start = open {
                    if commas.isEmpty {
                        open = nil
                    } else {
                        var pieces: [ArraySlice<Unicode.Scalar>] = []
                        var from = start + 1
                        for comma in commas { pieces.append(s[from..<comma]); from = comma + 1 }
                        pieces.append(s[from..<i])
                        let prefix = s[..<start]
                        let suffix = s[(i + 1)...]
                        var out: [[Unicode.Scalar]] = []
                        for piece in pieces {
                            for expanded in try expandBraces(Array(prefix) + Array(piece) + Array(suffix), source: source) {
                                out.append(expanded)
                                if out.count > alternativeLimit {
                                    throw GlobError(pattern: source, problem: "expands to more than \(alternativeLimit) alternatives")
                                }
                            }
                        }
                        return out
                    }
                }
            } else if c == ",", depth == 1 {
                commas.append(i)
            }
            i += 1
        }
        if depth != 0 { throw GlobError(pattern: source, problem: "has an unclosed '{'") }
        return [s]
    }
}

/// A pattern that cannot be compiled, and why.
public struct GlobError: Error, Sendable, CustomStringConvertible {
    public var pattern: String
    public var problem: String
    public var description: String { "pattern \"\(pattern)\" \(problem)" }
}

/// One component of a compiled pattern.
enum GlobComponent: Sendable, Hashable {
    /// `**`: zero or more components.
    case anyDepth
    /// No wildcard: equality of case-folded names.
    case literal(String)
    /// Wildcards, over case-folded scalars.
    case wildcard([GlobToken])

    init(_ text: String, source: String) throws(GlobError) {
        let folded = Glob.fold(text)
        let s = Array(folded.unicodeScalars)
        var tokens: [GlobToken] = []
        var hasWildcard = false
        var i = 0
        while i < s.count {
            let c = s[i]
            switch c {
            case "*":
                hasWildcard = true
                if tokens.last != .star { tokens.append(.star) }
                i += 1
            case "?":
                hasWildcard = true
                tokens.append(.any)
                i += 1
            case "[":
                hasWildcard = true
                var j = i + 1
                var negated = false
                if j < s.count, s[j] == "!" || s[j] == "^" { negated = true; j += 1 }
                var ranges: [ClosedRange<UInt32>] = []
                var first = true
                while j < s.count, s[j] != "]" || first {
                    first = false
                    let lo = s[j]
                    if j + 2 < s.count, s[j + 1] == "-", s[j + 2] != "]" {
                        let hi = s[j + 2]
                        guard lo.value <= hi.value else {
                            throw GlobError(pattern: source, problem: "has a reversed range '\(lo)-\(hi)'")
                        }
                        ranges.append(lo.value...hi.value)
                        j += 3
                    } else {
                        ranges.append(lo.value...lo.value)
                        j += 1
                    }
                }
                guard j < s.count else { throw GlobError(pattern: source, problem: "has an unclosed '['") }
                tokens.append(.set(negated: negated, ranges: ranges))
                i = j + 1
            default:
                tokens.append(.scalar(c))
                i += 1
            }
        }
        self = hasWildcard ? .wildcard(tokens) : .literal(folded)
    }

    /// Matches a case-folded name.
    func matches(_ name: String) -> Bool {
        switch self {
        case .anyDepth: return true
        case .literal(let text): return text == name
        case .wildcard(let tokens): return GlobToken.match(tokens, Array(name.unicodeScalars))
        }
    }
}

enum GlobToken: Sendable, Hashable {
    case star
    case any
    case scalar(Unicode.Scalar)
    case set(negated: Bool, ranges: [ClosedRange<UInt32>])

    /// Wildcard match with single-star backtracking: O(pattern × name) at worst, no recursion.
    static func match(_ p: [GlobToken], _ s: [Unicode.Scalar]) -> Bool {
        var pi = 0, si = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < p.count {
                switch p[pi] {
                case .star:
                    starP = pi; starS = si; pi += 1
                    continue
                case .any:
                    pi += 1; si += 1
                    continue
                case .scalar(let c):
                    if c == s[si] { pi += 1; si += 1; continue }
                case .set(let negated, let ranges):
                    let v = s[si].value
                    if ranges.contains(where: { $0.contains(v) }) != negated { pi += 1; si += 1; continue }
                }
            }
            guard starP >= 0 else { return false }
            pi = starP + 1
            starS += 1
            si = starS
        }
        while pi < p.count, p[pi] == .star { pi += 1 }
        return pi == p.count
    }
}

/// NFA stepping over component lists: a state is the index of the next component to match; a
/// state equal to `components.count` means the path so far matches the whole pattern.
enum GlobTrack {
    /// Adds, for every state sitting on `**`, the state after it (`**` matching nothing).
    static func closure(_ states: [Int], _ components: [GlobComponent]) -> [Int] {
        var out: [Int] = []
        for var s in states {
            if !out.contains(s) { out.append(s) }
            while s < components.count, components[s] == .anyDepth {
                s += 1
                if !out.contains(s) { out.append(s) }
            }
        }
        return out
    }

    /// The states after consuming one case-folded path component `name`.
    static func step(_ states: [Int], _ components: [GlobComponent], _ name: String) -> [Int] {
        var next: [Int] = []
        for s in states where s < components.count {
            let component = components[s]
            if component == .anyDepth {
                if !next.contains(s) { next.append(s) }
            } else if component.matches(name) {
                if !next.contains(s + 1) { next.append(s + 1) }
            }
        }
        return next.isEmpty ? next : closure(next, components)
    }
}
