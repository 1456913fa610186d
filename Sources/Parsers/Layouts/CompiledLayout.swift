import LogRecord

/// What a field of a layout holds, and where it goes in the record.
enum LayoutRole: Sendable, Hashable {
    case thread, logger, ndc, context, message, exception, host, processID, eventID, title, priority
    case appDomain, processName, threadName, extended
    /// A named property (`%property{user}`, `${mdlc:item=x}`, Serilog `{UserId}`): `amt.property.<name>`.
    case property(String)
    /// Written by the layout but of no use to the record (`${callsite}`, `${aspnet-request-url}`,
    /// `%timestamp`): read over, kept in the message of no one.
    case opaque
}

/// One piece of an entry's first line, as a compiled or inferred layout reads it.
enum HeadElement: Sendable, Hashable {
    /// A date and/or time.
    case time(LayoutTime)
    /// An optional ` +hh:mm` after the time (Serilog's `zzz` written after a space).
    case zone
    /// Exact bytes; a space stands for one or more spaces or tabs.
    case literal([UInt8])
    /// One or more spaces or tabs; at the end of the line, none.
    case spaces
    /// A level word (leading spaces skipped: right-aligned padding). `letters`: one-letter codes.
    case level(letters: Bool)
    /// A field up to the first byte of `stop` (not consumed), or to whitespace when `stop` is
    /// empty. `optional`: an empty field is allowed.
    case field(LayoutRole, stop: [UInt8])
    /// Up to `max` bracketed groups `[…]`, the first non-empty, non-`(null)` value to `role`.
    case brackets(LayoutRole, max: Int)
    /// Tried; skipped when it does not match.
    case optional([HeadElement])
    /// NLog-style `|` fields: up to three before a level field, then an optional logger field.
    case pipeFields
    /// A lone `-` (space or end after it), one space after it skipped.
    case dash
    /// One space, if there is one (the layout's space before the message).
    case oneSpace
    /// The padding of a left-aligned field (`%-5level`, `{Level,-11}`): spaces up to this width
    /// from the start of the field before it.
    case pad(Int)
    /// The first alternative that matches.
    case choice([[HeadElement]])
    /// The rest of the line (the first line of the message).
    case message
}

/// A layout compiled into byte-level readers: a line layout (entries start with a line that
/// `head` reads), a block layout (Enterprise Library's `Key: value` lines), or one JSON object or
/// CSV row per entry.
struct CompiledLayout: Sendable {
    enum Kind: Sendable {
        case lines
        case block(BlockTemplate)
        case json(JSONMap)
        case csv(CSVMap)

        var isLines: Bool { if case .lines = self { true } else { false } }
    }

    var kind: Kind
    /// The elements of an entry's first line (line layouts).
    let head: [HeadElement]
    /// `head` compiled into flat operations, as `match` runs it.
    let program: HeadProgram
    /// Whether entries end without a line break (a log4net pattern without `%newline`): the next
    /// entry may start on the same line, right after the message.
    var glued: Bool = false
    /// Lines the layout writes around entries that are pure literal (`----` separators).
    var separators: [[UInt8]] = []
    /// The header and footer a log4net layout writes (first line of each), recognized as records of
    /// their own.
    var markers: [[UInt8]] = []
    /// Whether a level is read at all: without one, the message's first word may name it.
    var hasLevel: Bool
    /// The shape's short name (`log4net`, `nlog`, `nlog-pipe`, `serilog`, `us-date`, `entlib`,
    /// `clef`, `json`, `csv`, `pattern`), counted as `layout.<name>`.
    var shape: String
    /// The layout in words, for the manifest.
    var words: String
    /// Whether times are read day/month-ambiguous (day order decided once per file).
    var ambiguousDates: Bool
    /// Whether the head reads a message; without one the whole entry is the message.
    var hasMessage: Bool
    /// Whether the message starts on a line after the head (`${level}${newline}${message}`).
    var messageOnLaterLine = false

    init(kind: Kind = .lines, head: [HeadElement], shape: String, words: String) {
        self.kind = kind
        self.head = head
        program = HeadProgram(head)
        self.shape = shape
        self.words = words
        hasLevel = CompiledLayout.mentionsLevel(head)
        hasMessage = CompiledLayout.mentions(head) { $0 == .message }
        ambiguousDates = CompiledLayout.mentionsAmbiguous(head)
        if case .block(let t) = kind {
            hasLevel = t.roles.contains(.severity)
            ambiguousDates = t.time.form == .culture
        }
    }

    static func mentionsLevel(_ head: [HeadElement]) -> Bool {
        head.contains {
            switch $0 {
            case .level, .pipeFields: true
            case .optional(let inner): mentionsLevel(inner)
            case .choice(let alts): alts.contains { mentionsLevel($0) }
            default: false
            }
        }
    }

    static func mentions(_ head: [HeadElement], _ test: (HeadElement) -> Bool) -> Bool {
        head.contains {
            switch $0 {
            case .optional(let inner): mentions(inner, test)
            case .choice(let alts): alts.contains { mentions($0, test) }
            default: test($0)
            }
        }
    }

    static func mentionsAmbiguous(_ head: [HeadElement]) -> Bool {
        head.contains {
            switch $0 {
            case .time(let t): t.form == .culture || t.form == .dayMonth
            case .optional(let inner): mentionsAmbiguous(inner)
            default: false
            }
        }
    }

    /// The time the head holds, when the layout writes one at all.
    var timeForms: [LayoutTime] {
        head.compactMap { if case .time(let t) = $0 { t } else { nil } }
    }

    // MARK: - Matching

    /// Reads an entry's first line starting at `start`; `nil` when the line does not start an
    /// entry of this layout.
    func match(_ b: UnsafeBufferPointer<UInt8>, from start: Int = 0, cache: inout StringCache) -> AMTEntryHeader? {
        let h = AMTEntryHeader(time: LayoutTime.blank, messageStart: b.count)
        var i = start
        guard program.run(b, &i, h, &cache) != .fail else { return nil }
        if !hasMessage { h.messageStart = messageOnLaterLine ? b.count : start }
        return h
    }

    /// Convenience for a `String` (inference, tests).
    func match(_ line: String) -> AMTEntryHeader? {
        var s = line
        var cache = StringCache()
        return s.withUTF8 { match($0, cache: &cache) }
    }

    /// Where the next glued entry starts in `b` after `from`: the first offset whose bytes start a
    /// head, or `nil`.
    func nextGluedHead(_ b: UnsafeBufferPointer<UInt8>, after from: Int, cache: inout StringCache) -> (Int, AMTEntryHeader)? {
        guard let first = head.first else { return nil }
        var i = max(from, 0)
        while i < b.count {
            var candidate = false
            switch first {
            case .time: candidate = b[i] &- 0x30 < 10 && (i == 0 || b[i - 1] &- 0x30 >= 10)
            case .literal(let l): candidate = !l.isEmpty && b[i] == l[0]
            default: candidate = false
            }
            if candidate, let h = match(b, from: i, cache: &cache), h.timeKnown { return (i, h) }
            i += 1
        }
        return nil
    }
}

/// A head's elements compiled into one flat list of operations whose payloads are plain
/// integers: literal bytes, times and roles live in side tables, and an optional or choice holds
/// the extent of its body instead of a nested array. Running it retains nothing per element.
struct HeadProgram: Sendable {
    enum Op: Sendable {
        case time(Int)
        case zone
        /// `bytes[start ..< start + count]`.
        case literal(start: Int, count: Int)
        case spaces
        case level(letters: Bool)
        /// `roles[role]`; the stop bytes at `bytes[start ..< start + count]` (none: whitespace).
        case field(role: Int, start: Int, count: Int)
        case brackets(role: Int, max: Int)
        /// The body is `ops[k + 1 ..< end]`.
        case optional(end: Int)
        /// One alternative of a choice: its body is `ops[k + 1 ..< next]`; `next` is the next
        /// alternative or the choice's `.noAlternative`, `end` where the choice ends.
        case alternative(next: Int, end: Int)
        /// Reached when no alternative of a choice matched.
        case noAlternative
        case pipeFields, dash, oneSpace
        case pad(Int)
        case message
    }

    private(set) var ops: [Op] = []
    private(set) var bytes: [UInt8] = []
    private(set) var times: [LayoutTime] = []
    private(set) var roles: [LayoutRole] = []

    init(_ head: [HeadElement]) {
        emit(head)
    }

    private mutating func bytes(_ b: [UInt8]) -> (Int, Int) {
        let start = bytes.count
        bytes += b
        return (start, b.count)
    }

    private mutating func role(_ r: LayoutRole) -> Int {
        if let i = roles.firstIndex(of: r) { return i }
        roles.append(r)
        return roles.count - 1
    }

    private mutating func emit(_ elements: [HeadElement]) {
        for e in elements {
            switch e {
            case .time(let t): times.append(t); ops.append(.time(times.count - 1))
            case .zone: ops.append(.zone)
            case .literal(let l): let (s, n) = bytes(l); ops.append(.literal(start: s, count: n))
            case .spaces: ops.append(.spaces)
            case .level(let letters): ops.append(.level(letters: letters))
            case .field(let r, let stop): let (s, n) = bytes(stop); ops.append(.field(role: role(r), start: s, count: n))
            case .brackets(let r, let max): ops.append(.brackets(role: role(r), max: max))
            case .optional(let inner):
                let k = ops.count
                ops.append(.optional(end: 0))
                emit(inner)
                ops[k] = .optional(end: ops.count)
            case .choice(let alternatives):
                var starts: [Int] = []
                for alt in alternatives {
                    starts.append(ops.count)
                    ops.append(.alternative(next: 0, end: 0))
                    emit(alt)
                }
                let fail = ops.count
                ops.append(.noAlternative)
                for (n, k) in starts.enumerated() {
                    ops[k] = .alternative(next: n + 1 < starts.count ? starts[n + 1] : fail, end: ops.count)
                }
            case .pipeFields: ops.append(.pipeFields)
            case .dash: ops.append(.dash)
            case .oneSpace: ops.append(.oneSpace)
            case .pad(let w): ops.append(.pad(w))
            case .message: ops.append(.message)
            }
        }
    }

    /// Reads `b` at `i` into `h`, advancing `i`.
    @inline(__always)
    func run(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ h: AMTEntryHeader, _ cache: inout StringCache) -> HeadMatcher.Outcome {
        ops.withUnsafeBufferPointer { ops in
            bytes.withUnsafeBufferPointer { bytes in
                times.withUnsafeBufferPointer { times in
                    HeadMatcher.run(HeadMatcher.Tables(ops: ops, bytes: bytes, times: times, roles: roles), 0, ops.count, b, &i, h, &cache)
                }
            }
        }
    }
}

/// The interpreter of head programs: reads `b` at `i` into `h`, advancing `i`.
enum HeadMatcher {
    enum Outcome { case fail, matched, message }

    struct Tables {
        let ops: UnsafeBufferPointer<HeadProgram.Op>
        let bytes: UnsafeBufferPointer<UInt8>
        let times: UnsafeBufferPointer<LayoutTime>
        let roles: [LayoutRole]
    }

    /// Runs `ops[from ..< to]`.
    static func run(_ p: Tables, _ from: Int, _ to: Int, _ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ h: AMTEntryHeader,
                    _ cache: inout StringCache) -> Outcome {
        var k = from
        var fieldStart = i
        while k < to {
            switch p.ops[k] {
            case .time(let n):
                let form = p.times[n]
                guard let t = form.read(b, at: i, into: h.time) else { return .fail }
                i = t.end
                h.time = t
                if form.hasDate { h.hasDate = true }
                if form.utc, h.time.zone == .none { h.time.zone = .utc }
                h.timeKnown = h.hasDate
                h.timeRead = true
            case .zone:
                if i + 7 <= b.count, b[i] == 0x20, b[i + 1] == UInt8(ascii: "+") || b[i + 1] == UInt8(ascii: "-"),
                   let oh = AMTErrorMatch.twoDigits(b, i + 2), b[i + 4] == UInt8(ascii: ":"),
                   let om = AMTErrorMatch.twoDigits(b, i + 5), oh <= 14, om < 60, h.time.zone == .none {
                    h.time.zone = .offset((b[i + 1] == UInt8(ascii: "-") ? -1 : 1) * (oh * 3600 + om * 60))
                    i += 7
                }
            case .literal(let start, let count):
                guard literal(UnsafeBufferPointer(rebasing: p.bytes[start..<(start + count)]), b, &i) else { return .fail }
            case .spaces:
                // (Spaces an element before already skipped count.)
                if i < b.count {
                    if b[i] == 0x20 || b[i] == 0x09 {
                        i = AMTErrorMatch.skipSpaces(b, i)
                    } else if i == 0 || (b[i - 1] != 0x20 && b[i - 1] != 0x09) {
                        return .fail
                    }
                }
            case .level(let letters):
                i = AMTErrorMatch.skipSpaces(b, i)
                fieldStart = i
                var e = i
                while e < b.count, e - i < 14, (b[e] | 0x20) &- 0x61 < 26 { e += 1 }
                guard e > i, let lvl = LayoutLevel.severity(b, i..<e, letters: letters) else { return .fail }
                h.level = lvl
                i = e
            case .field(let role, let start, let count):
                i = AMTErrorMatch.skipSpaces(b, i)
                fieldStart = i
                let s = i
                if count == 0 {
                    while i < b.count, b[i] != 0x20, b[i] != 0x09 { i += 1 }
                    guard i > s, i - s <= 512 else { return .fail }
                } else {
                    guard let e = find(UnsafeBufferPointer(rebasing: p.bytes[start..<(start + count)]), b, from: i) else { return .fail }
                    i = e
                }
                var e = i
                while e > s, b[e - 1] == 0x20 { e -= 1 }
                set(p.roles[role], h, b, s..<e, &cache)
            case .brackets(let role, let max):
                var n = 0
                while i < b.count, b[i] == UInt8(ascii: "["), n < max {
                    guard let r = AMTErrorMatch.bracket(b, i) else { return .fail }
                    if !r.inner.isEmpty, !isNull(b, r.inner) { setOnce(p.roles[role], h, b, r.inner, &cache) }
                    n += 1
                    i = AMTErrorMatch.skipSpaces(b, r.end)
                }
            case .optional(let end):
                var j = i
                let saved = h.snapshot()
                switch run(p, k + 1, end, b, &j, h, &cache) {
                case .fail: h.restore(saved)
                case .matched: i = j
                case .message: i = j; return .message
                }
                k = end
                continue
            case .alternative(let next, let end):
                var j = i
                let saved = h.snapshot()
                let r = run(p, k + 1, next, b, &j, h, &cache)
                if r == .fail {
                    h.restore(saved)
                    k = next
                    continue
                }
                i = j
                if r == .message { return .message }
                k = end
                continue
            case .noAlternative:
                return .fail
            case .pipeFields:
                guard pipe(b, &i, h, &cache) else { return .fail }
            case .oneSpace:
                if i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
            case .pad(let width):
                while i < b.count, b[i] == 0x20, i - fieldStart < width { i += 1 }
            case .dash:
                guard AMTErrorMatch.isDash(b, i) else { return .fail }
                i = AMTErrorMatch.skipOneSpace(b, i + 1)
            case .message:
                h.messageStart = i
                return .message
            }
            k += 1
        }
        h.messageStart = i
        return .matched
    }

    /// `lit` at `i`; a space in it matches one or more spaces or tabs.
    @inline(__always)
    static func literal(_ lit: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Bool {
        var j = i
        for c in lit {
            if c == 0x20 {
                guard j < b.count, b[j] == 0x20 || b[j] == 0x09 else { return false }
                while j < b.count, b[j] == 0x20 || b[j] == 0x09 { j += 1 }
            } else {
                guard j < b.count, b[j] == c else { return false }
                j += 1
            }
        }
        i = j
        return true
    }

    /// The first offset at or after `from` where `stop` starts (spaces in it matching runs).
    @inline(__always)
    static func find(_ stop: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let first = stop.first else { return nil }
        var i = from
        while i < b.count {
            if first == 0x20 ? (b[i] == 0x20 || b[i] == 0x09) : b[i] == first {
                var j = i
                if literal(stop, b, &j) { return i }
            }
            i += 1
        }
        return nil
    }

    static func isNull(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        r.count == 6 && b[r.lowerBound] == UInt8(ascii: "(") && b[r.lowerBound + 1] == UInt8(ascii: "n")
            && b[r.upperBound - 1] == UInt8(ascii: ")")
    }

    static func setOnce(_ role: LayoutRole, _ h: AMTEntryHeader, _ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>,
                        _ cache: inout StringCache) {
        switch role {
        case .thread: if h.thread == nil && h.threadID == nil { AMTErrorMatch.setThread(h, b, r, &cache) }
        case .ndc: if h.ndc == nil { h.ndc = cache.string(b, r) }
        default: set(role, h, b, r, &cache)
        }
    }

    static func set(_ role: LayoutRole, _ h: AMTEntryHeader, _ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>,
                    _ cache: inout StringCache) {
        switch role {
        case .thread:
            AMTErrorMatch.setThread(h, b, r, &cache)
        case .logger:
            if !r.isEmpty { h.logger = cache.string(b, r) }
        case .ndc:
            if !r.isEmpty, !isNull(b, r) { h.ndc = cache.string(b, r) }
        case .context:
            if !r.isEmpty { h.context = h.context.map { $0 + "|" } .map { $0 + AMTErrorMatch.text(b, r) } ?? AMTErrorMatch.text(b, r) }
        case .opaque, .message, .exception:
            break
        default:
            if !r.isEmpty, !isNull(b, r) { h.fields.append((role, cache.string(b, r))) }
        }
    }

    /// `|` fields after the time: up to three before the level (a numeric one is the thread, the
    /// others context), the level, then a logger field when one without spaces is followed by `|`.
    static func pipe(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ h: AMTEntryHeader, _ cache: inout StringCache) -> Bool {
        guard i < b.count, b[i] == UInt8(ascii: "|") else { return false }
        i += 1
        var before: [Range<Int>] = []
        for _ in 0..<4 {
            let end = AMTErrorMatch.fieldEnd(b, i)
            let field = AMTErrorMatch.trim(b, i..<end)
            if let lvl = AMTErrorMatch.levelWord(b, field) {
                h.level = lvl
                i = end
                break
            }
            guard end < b.count, before.count < 3 else { return false }
            before.append(field)
            i = end + 1
        }
        guard h.level != nil else { return false }
        for f in before {
            if h.thread == nil, !f.isEmpty, (f.lowerBound..<f.upperBound).allSatisfy({ b[$0] &- 0x30 < 10 }) {
                h.thread = AMTErrorMatch.text(b, f)
            } else {
                let t = AMTErrorMatch.text(b, f)
                h.context = h.context.map { $0 + "|" + t } ?? t
            }
        }
        guard i < b.count else { return true }
        i += 1
        let end = AMTErrorMatch.fieldEnd(b, i)
        let field = AMTErrorMatch.trim(b, i..<end)
        if end < b.count, !field.isEmpty, !AMTErrorMatch.contains(b, field, 0x20) {
            h.logger = cache.string(b, field)
            i = end + 1
        }
        return true
    }
}

/// Enterprise Library style blocks: one `Label: value` line per field, the timestamp's first.
struct BlockTemplate: Sendable {
    enum Role: Sendable, Hashable {
        case timestamp, message, category, priority, eventID, severity, title, machine, appDomain
        case processID, processName, threadName, threadID, extended, other
    }

    /// Each key's label as written before the value (`Timestamp`, `Message` …, no colon).
    var labels: [[UInt8]]
    var roles: [Role]
    var time: LayoutTime
    /// The index of the message key.
    var message: Int

    /// The default `TextFormatter` template's keys (Enterprise Library 5/6).
    static let standard = BlockTemplate(
        labels: ["Timestamp", "Message", "Category", "Priority", "EventId", "Severity", "Title", "Machine",
                 "App Domain", "ProcessId", "Process Name", "Thread Name", "Win32 ThreadId", "Extended Properties"].map { Array($0.utf8) },
        roles: [.timestamp, .message, .category, .priority, .eventID, .severity, .title, .machine, .appDomain,
                .processID, .processName, .threadName, .threadID, .extended],
        time: LayoutTime(form: .culture, utc: true), message: 1)
}
