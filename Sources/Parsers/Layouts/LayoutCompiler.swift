import LogRecord

/// Compiles a declared layout (`LayoutSpec`) into a `CompiledLayout`. Every family's syntax is
/// first read into the same tokens (literal text, a time, a level, a field, the message, the
/// exception, a line break), which are then laid out as a head line, separator lines, or
/// `Label: value` blocks. Renderers it does not know are read as opaque text. Bounded: at most
/// `maxTokens` tokens are read from a layout string, the rest is ignored.
enum LayoutCompiler {
    static let maxTokens = 256

    enum Token: Hashable {
        case literal([UInt8])
        case time(LayoutTime)
        case level(letters: Bool)
        case field(LayoutRole)
        /// The width of a left-aligned field before (`%-5level`, `{Level,-11}`).
        case pad(Int)
        case message
        case exception
        case newline
        /// Enterprise Library's `{severity}`, `{category}` … when read as a block key.
        case block(BlockTemplate.Role)
    }

    static func compile(_ spec: LayoutSpec) -> CompiledLayout {
        switch spec {
        case .log4net(let pattern, let header, let footer):
            var c = lineLayout(log4net(pattern), shape: "log4net", words: pattern, gluedUnlessNewline: true)
            c.markers = [header, footer].compactMap { $0 }.compactMap(markerLine)
            return c
        case .nlog(let layout):
            return lineLayout(nlog(layout), shape: "nlog", words: layout, gluedUnlessNewline: false)
        case .serilog(let template):
            return lineLayout(serilog(template), shape: "serilog", words: template, gluedUnlessNewline: true)
        case .entLib(let template):
            return entLib(template)
        case .serilogJSON(let compact):
            return CompiledLayout(kind: .json(compact ? .clef : .serilogPlain), head: [], shape: compact ? "clef" : "serilog-json",
                                  words: compact ? "Serilog compact JSON (CLEF)" : "Serilog JsonFormatter")
        case .nlogJSON(let attributes):
            var keys: [(key: [UInt8], role: JSONMap.Role)] = []
            for a in attributes.prefix(maxTokens) {
                let tokens = nlog(a.layout)
                let role: JSONMap.Role? = tokens.lazy.compactMap { t -> JSONMap.Role? in
                    switch t {
                    case .time(let f): .time(f)
                    case .level: .level
                    case .message: .message
                    case .exception: .exception
                    case .field(.logger): .logger
                    case .field(.thread): .thread
                    case .field(.host): .host
                    case .field(.eventID): .eventID
                    case .field(.property(let n)): .property(n)
                    default: nil
                    }
                }.first
                keys.append((Array(a.name.utf8), role ?? .property(a.name)))
            }
            let words = attributes.map { "\($0.name)=\($0.layout)" }.joined(separator: ", ")
            return CompiledLayout(kind: .json(JSONMap(keys: keys, levelDefault: nil)), head: [], shape: "json", words: "JSON: " + words)
        case .nlogCSV(let columns, let delimiter, let withHeader):
            var roles: [CSVMap.Role] = []
            for c in columns.prefix(maxTokens) {
                let role: CSVMap.Role = nlog(c.layout).lazy.compactMap { t -> CSVMap.Role? in
                    switch t {
                    case .time(let f): .time(f)
                    case .level: .level
                    case .message: .message
                    case .exception: .exception
                    case .field(.logger): .logger
                    case .field(.thread): .thread
                    default: nil
                    }
                }.first ?? .other
                roles.append(role)
            }
            var map = CSVMap(roles: roles, names: withHeader ? columns.map(\.name) : [], delimiter: csvDelimiter(delimiter))
            if map.roles.isEmpty { map.roles = [.other] }
            let words = "CSV (\(delimiter)): " + columns.map { "\($0.name)=\($0.layout)" }.joined(separator: ", ")
            return CompiledLayout(kind: .csv(map), head: [], shape: "csv", words: words)
        }
    }

    /// NLog's `CsvLayout` delimiter names.
    static func csvDelimiter(_ d: String) -> UInt8 {
        switch d.lowercased() {
        case "comma", "auto", "": UInt8(ascii: ",")
        case "semicolon": UInt8(ascii: ";")
        case "tab": 0x09
        case "pipe": UInt8(ascii: "|")
        case "space": 0x20
        default: d.utf8.first ?? UInt8(ascii: ",")
        }
    }

    /// The first line of a log4net header or footer (`[Header]&#13;&#10;` → `[Header]`), trimmed.
    static func markerLine(_ text: String) -> [UInt8]? {
        let first = text.split(whereSeparator: { $0 == "\r" || $0 == "\n" }).first.map(String.init) ?? ""
        let trimmed = first.trimmingCharacters(in: " \t")
        return trimmed.isEmpty ? nil : Array(trimmed.utf8)
    }

    // MARK: - Line layouts

    /// Lays tokens out: the head line is the first line of the layout holding a time (else the
    /// first with a level or message); lines of pure literal text are separators.
    static func lineLayout(_ tokens: [Token], shape: String, words: String, gluedUnlessNewline: Bool) -> CompiledLayout {
        var lines: [[Token]] = [[]]
        for t in tokens {
            if t == .newline { lines.append([]) } else { lines[lines.count - 1].append(t) }
        }
        let timed = lines.firstIndex { $0.contains { if case .time = $0 { true } else { false } } }
        let leveled = lines.firstIndex { $0.contains { if case .level = $0 { true } else { $0 == .message } } }
        let headIndex = timed ?? leveled ?? 0
        var separators: [[UInt8]] = []
        for (k, line) in lines.enumerated() where k != headIndex {
            var text: [UInt8] = []
            var pure = !line.isEmpty
            for t in line { if case .literal(let l) = t { text += l } else { pure = false } }
            let trimmed = text.filter { $0 != 0x20 && $0 != 0x09 }
            if pure, !trimmed.isEmpty { separators.append(trim(text)) }
        }
        var c = CompiledLayout(head: elements(lines[headIndex]), shape: shape, words: words)
        c.separators = separators
        c.messageOnLaterLine = !lines[headIndex].contains(.message) && lines[(headIndex + 1)...].contains { $0.contains(.message) }
        // Without a line break the next entry follows on the same line.
        c.glued = gluedUnlessNewline && lines.count == 1
        return c
    }

    static func trim(_ b: [UInt8]) -> [UInt8] {
        var lo = 0, hi = b.count
        while lo < hi, b[lo] == 0x20 || b[lo] == 0x09 { lo += 1 }
        while hi > lo, b[hi - 1] == 0x20 || b[hi - 1] == 0x09 { hi -= 1 }
        return Array(b[lo..<hi])
    }

    /// The head elements for one line's tokens. Literal text collapses runs of spaces; a field's
    /// stop is the literal after it; nothing after the message is read.
    static func elements(_ line: [Token]) -> [HeadElement] {
        var out: [HeadElement] = []
        var k = 0
        // Adjacent literals are one.
        var merged: [Token] = []
        for t in line {
            if case .literal(let l) = t, let last = merged.last, case .literal(let p) = last {
                merged[merged.count - 1] = .literal(p + l)
            } else {
                merged.append(t)
            }
        }
        while k < merged.count {
            let t = merged[k]
            var n = k + 1
            while n < merged.count, case .pad = merged[n] { n += 1 }
            let next: [UInt8]? = n < merged.count ? { if case .literal(let l) = merged[n] { collapse(l) } else { nil } }() : nil
            switch t {
            case .literal(let l):
                let c = collapse(l)
                if c.isEmpty { break }
                let nextIsMessage = n < merged.count && merged[n] == .message
                if nextIsMessage, c.last == 0x20 {
                    // One space before the message is layout; more are the message's own.
                    if c.count > 1 { out.append(.literal(Array(c.dropLast()))) }
                    out.append(.oneSpace)
                } else if c == [0x20] {
                    out.append(.spaces)
                } else {
                    out.append(.literal(c))
                }
            case .time(let f):
                out.append(.time(f))
            case .level(let letters):
                out.append(.level(letters: letters))
            case .field(let role):
                out.append(.field(role, stop: next.map { $0 == [0x20] ? [] : $0 } ?? []))
            case .message:
                out.append(.message)
                return out
            case .pad(let w):
                out.append(.pad(w))
            case .exception, .newline, .block:
                break
            }
            k += 1
        }
        return out
    }

    /// Runs of spaces and tabs as one space.
    static func collapse(_ l: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for c in l {
            let space = c == 0x20 || c == 0x09
            if space { if out.last != 0x20 { out.append(0x20) } } else { out.append(c) }
        }
        return out
    }

    // MARK: - log4net

    /// `%[-][min][.max]name[{option}]` conversions of a log4net `PatternLayout`.
    static func log4net(_ pattern: String) -> [Token] {
        let u = Array(pattern.utf8)
        var out: [Token] = []
        var lit: [UInt8] = []
        var i = 0
        func flush() { if !lit.isEmpty { out.append(.literal(lit)); lit = [] } }
        while i < u.count, out.count < maxTokens {
            guard u[i] == UInt8(ascii: "%") else { lit.append(u[i]); i += 1; continue }
            i += 1
            guard i < u.count else { lit.append(UInt8(ascii: "%")); break }
            if u[i] == UInt8(ascii: "%") { lit.append(u[i]); i += 1; continue }
            // Format modifiers.
            var maxWidth: Int? = nil
            let left = i < u.count && u[i] == UInt8(ascii: "-")
            if left { i += 1 }
            var minWidth = 0
            while i < u.count, u[i] &- 0x30 < 10 { minWidth = min(minWidth * 10 + Int(u[i] - 0x30), 1000); i += 1 }
            if i < u.count, u[i] == UInt8(ascii: ".") {
                i += 1
                var v = 0
                while i < u.count, u[i] &- 0x30 < 10 { v = min(v * 10 + Int(u[i] - 0x30), 1000); i += 1 }
                maxWidth = v
            }
            let s = i
            while i < u.count, (u[i] | 0x20) &- 0x61 < 26 || u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "_") { i += 1 }
            let name = String(decoding: u[s..<i], as: UTF8.self)
            var option: String? = nil
            if i < u.count, u[i] == UInt8(ascii: "{"), let close = u[i...].firstIndex(of: UInt8(ascii: "}")) {
                option = String(decoding: u[(i + 1)..<close], as: UTF8.self)
                i = close + 1
            }
            if name.isEmpty { lit.append(UInt8(ascii: "%")); continue }
            flush()
            defer { if left, minWidth > 0, out.count < maxTokens { out.append(.pad(minWidth)) } }
            switch name {
            case "date", "d":
                out.append(.time(LayoutTime.compile(dotNet: option ?? "ISO8601")))
            case "utcdate":
                out.append(.time(LayoutTime.compile(dotNet: option ?? "ISO8601", utc: true)))
            case "thread", "t":
                out.append(.field(.thread))
            case "level", "p":
                out.append(.level(letters: maxWidth.map { $0 < 3 } ?? false))
            case "logger", "c", "log":
                out.append(.field(.logger))
            case "ndc", "x":
                out.append(.field(.ndc))
            case "property", "P", "X", "mdc", "properties":
                if let option, option.uppercased() == "NDC" { out.append(.field(.ndc)) } else { out.append(.field(option.map { .property($0) } ?? .opaque)) }
            case "message", "m":
                out.append(.message)
            case "exception":
                out.append(.exception)
            case "newline", "n":
                out.append(.newline)
            case "appdomain", "a":
                out.append(.field(.appDomain))
            case "identity", "u", "username", "w":
                out.append(.field(.property("user")))
            default:
                // `%timestamp` (milliseconds since start), `%location`, `%file`, `%line`, `%method`,
                // `%type`, `%aspnet-…`, `%stacktrace` and unknown conversions: opaque.
                out.append(.field(.opaque))
            }
        }
        flush()
        return out
    }

    // MARK: - NLog

    /// `${name:option=value:…}` renderers of an NLog layout (options may hold nested renderers and
    /// `\:`, `\}` escapes).
    static func nlog(_ layout: String) -> [Token] {
        var out: [Token] = []
        nlogInto(Array(layout.utf8), &out, depth: 0)
        return out
    }

    static func nlogInto(_ u: [UInt8], _ out: inout [Token], depth: Int) {
        var lit: [UInt8] = []
        var i = 0
        func flush() { if !lit.isEmpty { out.append(.literal(lit)); lit = [] } }
        while i < u.count, out.count < maxTokens {
            guard u[i] == UInt8(ascii: "$"), i + 1 < u.count, u[i + 1] == UInt8(ascii: "{") else {
                lit.append(u[i]); i += 1; continue
            }
            // Find the matching brace.
            var j = i + 2, level = 1
            while j < u.count, level > 0 {
                if u[j] == UInt8(ascii: "\\") { j += 2; continue }
                if u[j] == UInt8(ascii: "{") { level += 1 }
                if u[j] == UInt8(ascii: "}") { level -= 1; if level == 0 { break } }
                j += 1
            }
            guard j < u.count else { lit.append(contentsOf: u[i...]); break }
            let body = Array(u[(i + 2)..<j])
            i = j + 1
            flush()
            nlogRenderer(body, &out, depth: depth)
        }
        flush()
    }

    static func nlogRenderer(_ body: [UInt8], _ out: inout [Token], depth: Int) {
        // Split at top-level ':' (not escaped, not inside a nested renderer).
        var parts: [[UInt8]] = [[]]
        var level = 0
        var k = 0
        while k < body.count {
            let c = body[k]
            if c == UInt8(ascii: "\\"), k + 1 < body.count { parts[parts.count - 1].append(body[k + 1]); k += 2; continue }
            if c == UInt8(ascii: "{") { level += 1 }
            if c == UInt8(ascii: "}") { level -= 1 }
            if c == UInt8(ascii: ":"), level == 0 { parts.append([]) } else { parts[parts.count - 1].append(c) }
            k += 1
        }
        let name = String(decoding: parts[0], as: UTF8.self).trimmingCharacters(in: " ").lowercased()
        var options: [String: String] = [:]
        var inner: [UInt8]? = nil
        for p in parts.dropFirst() {
            if let eq = p.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: p[..<eq], as: UTF8.self).trimmingCharacters(in: " ").lowercased()
                let value = Array(p[(eq + 1)...])
                if key == "inner" { inner = value } else { options[key] = String(decoding: value, as: UTF8.self) }
            } else {
                // A wrapper's default parameter is its inner layout (`${onexception:${exception}}`).
                inner = p
            }
        }
        let utc = options["universaltime"]?.lowercased() == "true"
        defer { if let p = options["padding"].flatMap({ Int($0) }), p < 0, out.count < maxTokens { out.append(.pad(min(-p, 1000))) } }
        switch name {
        case "longdate":
            out.append(.time(LayoutTime.compile(dotNet: "yyyy-MM-dd HH:mm:ss.ffff", utc: utc)))
        case "date":
            out.append(.time(LayoutTime.compile(dotNet: options["format"] ?? "yyyy/MM/dd HH:mm:ss.fff", utc: utc)))
        case "shortdate":
            out.append(.time(LayoutTime.compile(dotNet: "yyyy-MM-dd", utc: utc)))
        case "time":
            out.append(.time(LayoutTime.compile(dotNet: "HH:mm:ss.ffff", utc: utc)))
        case "level", "loglevel":
            let format = options["format"]?.lowercased()
            out.append(format == "ordinal" ? .field(.opaque) : .level(letters: format == "firstcharacter"
                || options["truncate"].map { (Int($0) ?? 9) < 3 } ?? false))
        case "logger", "loggername":
            out.append(.field(.logger))
        case "threadid":
            out.append(.field(.thread))
        case "threadname":
            out.append(.field(.threadName))
        case "message":
            out.append(.message)
        case "exception":
            out.append(.exception)
        case "newline":
            out.append(.newline)
        case "machinename", "hostname":
            out.append(.field(.host))
        case "processid":
            out.append(.field(.processID))
        case "event-properties", "event-property", "eventproperties", "mdlc", "mdc", "scopeproperty", "gdc", "all-event-properties":
            out.append(.field(options["item"].map { .property($0) } ?? (parts.count > 1 ? .property(String(decoding: parts[1], as: UTF8.self)) : .opaque)))
        case "literal":
            out.append(.literal(Array((options["text"] ?? "").utf8)))
        case "pad", "uppercase", "lowercase", "trim-whitespace", "replace", "when", "whenempty", "cached", "wrapline":
            if let inner, depth < 8 { nlogInto(inner, &out, depth: depth + 1) } else { out.append(.field(.opaque)) }
        case "onexception":
            // Written only with an exception: its text follows the message.
            out.append(.exception)
        default:
            // `${callsite}`, `${aspnet-…}`, `${stacktrace}`, `${windows-identity}`, unknown renderers.
            out.append(.field(.opaque))
        }
    }

    // MARK: - Serilog

    /// `{Name[,alignment][:format]}` holes of a Serilog output template; `{{`, `}}` are braces.
    static func serilog(_ template: String) -> [Token] {
        let u = Array(template.utf8)
        var out: [Token] = []
        var lit: [UInt8] = []
        var i = 0
        func flush() { if !lit.isEmpty { out.append(.literal(lit)); lit = [] } }
        while i < u.count, out.count < maxTokens {
            let c = u[i]
            if c == UInt8(ascii: "{"), i + 1 < u.count, u[i + 1] == UInt8(ascii: "{") { lit.append(c); i += 2; continue }
            if c == UInt8(ascii: "}"), i + 1 < u.count, u[i + 1] == UInt8(ascii: "}") { lit.append(c); i += 2; continue }
            guard c == UInt8(ascii: "{"), let close = u[i...].firstIndex(of: UInt8(ascii: "}")) else { lit.append(c); i += 1; continue }
            let hole = Array(u[(i + 1)..<close])
            i = close + 1
            var nameEnd = 0
            while nameEnd < hole.count, hole[nameEnd] != UInt8(ascii: ","), hole[nameEnd] != UInt8(ascii: ":") { nameEnd += 1 }
            let name = String(decoding: hole[..<nameEnd], as: UTF8.self)
            var format: String? = nil
            if let colon = hole.firstIndex(of: UInt8(ascii: ":")) { format = String(decoding: hole[(colon + 1)...], as: UTF8.self) }
            var width = 0
            if nameEnd < hole.count, hole[nameEnd] == UInt8(ascii: ","), nameEnd + 1 < hole.count, hole[nameEnd + 1] == UInt8(ascii: "-") {
                var k = nameEnd + 2
                while k < hole.count, hole[k] &- 0x30 < 10 { width = min(width * 10 + Int(hole[k] - 0x30), 1000); k += 1 }
            }
            flush()
            defer { if width > 0, out.count < maxTokens { out.append(.pad(width)) } }
            switch name {
            case "Timestamp", "UtcTimestamp":
                out.append(.time(LayoutTime.compile(dotNet: format ?? "G", utc: name == "UtcTimestamp")))
                // A DateTimeOffset written without format: its offset follows.
                if format == nil { out.append(.literal([0x20])); out.append(.field(.opaque)) }
            case "Level":
                let f = format ?? ""
                out.append(.level(letters: f.hasSuffix("1") || f.hasSuffix("2")))
            case "Message":
                out.append(.message)
            case "Exception":
                out.append(.exception)
            case "NewLine":
                out.append(.newline)
            case "SourceContext":
                out.append(.field(.logger))
            case "ThreadId":
                out.append(.field(.thread))
            case "MachineName":
                out.append(.field(.host))
            case "ProcessId":
                out.append(.field(.processID))
            case "EventId":
                out.append(.field(.eventID))
            case "Properties":
                out.append(.field(.opaque))
            default:
                out.append(.field(name.isEmpty ? .opaque : .property(name)))
            }
        }
        flush()
        return out
    }

    // MARK: - Enterprise Library

    /// `{name}`, `{name(argument)}` tokens of an Enterprise Library `TextFormatter` template.
    static func entLibTokens(_ template: String) -> [(Token, BlockTemplate.Role?)] {
        let u = Array(template.utf8)
        var out: [(Token, BlockTemplate.Role?)] = []
        var lit: [UInt8] = []
        var i = 0
        func flush() { if !lit.isEmpty { out.append((.literal(lit), nil)); lit = [] } }
        while i < u.count, out.count < maxTokens {
            let c = u[i]
            if c == 0x0D { i += 1; continue }
            if c == 0x0A { flush(); out.append((.newline, nil)); i += 1; continue }
            guard c == UInt8(ascii: "{") else { lit.append(c); i += 1; continue }
            // Matching brace (dictionary templates nest).
            var j = i + 1, level = 1
            while j < u.count, level > 0 {
                if u[j] == UInt8(ascii: "{") { level += 1 }
                if u[j] == UInt8(ascii: "}") { level -= 1; if level == 0 { break } }
                j += 1
            }
            guard j < u.count else { lit.append(contentsOf: u[i...]); break }
            let body = String(decoding: u[(i + 1)..<j], as: UTF8.self)
            i = j + 1
            var name = body
            var argument: String? = nil
            if let open = body.firstIndex(of: "("), body.hasSuffix(")") {
                name = String(body[..<open])
                argument = String(body[body.index(after: open)..<body.index(before: body.endIndex)])
            }
            flush()
            switch name.lowercased() {
            case "timestamp":
                var local = false
                var format = "G"
                if var a = argument {
                    if a.lowercased().hasPrefix("local") {
                        local = true
                        a = String(a.dropFirst(5))
                        if a.hasPrefix(":") { a.removeFirst() }
                    }
                    if !a.isEmpty { format = a }
                }
                out.append((.time(LayoutTime.compile(dotNet: format, utc: !local)), .timestamp))
            case "message": out.append((.message, .message))
            case "category": out.append((.field(.logger), .category))
            case "priority": out.append((.field(.priority), .priority))
            case "eventid": out.append((.field(.eventID), .eventID))
            case "severity": out.append((.level(letters: false), .severity))
            case "title": out.append((.field(.title), .title))
            case "machine", "localmachine": out.append((.field(.host), .machine))
            case "appdomain", "localappdomain": out.append((.field(.appDomain), .appDomain))
            case "processid", "localprocessid": out.append((.field(.processID), .processID))
            case "processname", "localprocessname": out.append((.field(.processName), .processName))
            case "threadname": out.append((.field(.threadName), .threadName))
            case "win32threadid": out.append((.field(.thread), .threadID))
            case "dictionary", "keyvalue", "property": out.append((.field(.extended), .extended))
            case "newline": out.append((.newline, nil))
            case "tab": lit.append(0x09)
            default: out.append((.field(.opaque), .other))
            }
        }
        flush()
        return out
    }

    /// Enterprise Library: a block of `Label: {token}` lines when the template has several, else
    /// a line layout.
    static func entLib(_ template: String) -> CompiledLayout {
        let tokens = entLibTokens(template)
        var lines: [[(Token, BlockTemplate.Role?)]] = [[]]
        for t in tokens {
            if t.0 == .newline { lines.append([]) } else { lines[lines.count - 1].append(t) }
        }
        var labels: [[UInt8]] = [], roles: [BlockTemplate.Role] = []
        var time: LayoutTime? = nil
        var separators: [[UInt8]] = []
        for line in lines {
            // `Label: {token}` (literal, then one token, then nothing but spaces).
            let literalText: [UInt8] = line.first.flatMap { if case .literal(let l) = $0.0 { l } else { nil } } ?? []
            let rest = line.dropFirst(literalText.isEmpty ? 0 : 1)
            if let key = rest.first, let role = key.1, rest.dropFirst().allSatisfy({ if case .literal(let l) = $0.0 { trim(l).isEmpty } else { false } }) {
                var label = trim(literalText)
                if label.last == UInt8(ascii: ":") { label.removeLast() }
                label = trim(label)
                guard !label.isEmpty else { continue }
                if role == .timestamp, case .time(let f) = key.0 { time = f }
                labels.append(label)
                roles.append(role)
            } else if line.count == 1, case .literal(let l) = line[0].0, !trim(l).isEmpty {
                separators.append(trim(l))
            }
        }
        if labels.count >= 3, let time, let ts = roles.firstIndex(of: .timestamp) {
            // The timestamp key opens a block: keys before it are moved after it (order kept).
            let order = Array(ts..<labels.count) + Array(0..<ts)
            let t = BlockTemplate(labels: order.map { labels[$0] }, roles: order.map { roles[$0] }, time: time,
                                  message: order.firstIndex { roles[$0] == .message } ?? -1)
            var c = CompiledLayout(kind: .block(t), head: [], shape: "entlib", words: template)
            c.separators = separators
            return c
        }
        return lineLayout(tokens.map(\.0), shape: "entlib", words: template, gluedUnlessNewline: false)
    }
}
