import LogRecord

/// Learns a file's layout from its first lines when no configuration declares one.
///
/// Every line that starts with a date and time (ISO `yyyy-MM-dd HH:mm:ss.fff` with a fraction of
/// three or more digits, or a slashed/dotted culture date; optionally in brackets) proposes a head
/// layout read off its tokens: the level word (any case, `ERR`, `Warning`, in brackets or not),
/// bracketed threads before it, a logger after it (up to a space or `:`), bracketed NDC values,
/// `|` fields, ` - ` before the message. The classic shapes (log4net, NLog, NLog pipes, Serilog,
/// the product's US dates) are candidates too. The candidate that starts the most sample lines
/// wins (earlier candidates on ties); lines it does not start are continuations. Enterprise
/// Library blocks and JSON lines (CLEF, Serilog's `JsonFormatter`, other JSON with a time key)
/// are recognized by their keys. A layout without a line break between entries is recognized when
/// sample lines hold several heads each.
enum LayoutInference {
    struct Result {
        var layout: CompiledLayout
        /// 0 to 100 (see `AMTErrorParser.score`).
        var score: Int
    }

    static let isoTime = HeadElement.time(LayoutTime(form: .iso(minFraction: 3)))
    static let dayMonthTime = HeadElement.time(LayoutTime(form: .dayMonth))

    /// The classic shapes, in tie-break order.
    static let classic: [CompiledLayout] = [
        CompiledLayout(head: [dayMonthTime, .spaces, .optional([.literal(Array("[".utf8)), .level(letters: false), .literal(Array("]".utf8)), .oneSpace]), .message],
                       shape: "us-date", words: "M/d/yyyy h:mm:ss tt [level] message"),
        CompiledLayout(head: [isoTime, .literal([0x20]), .brackets(.thread, max: 3), .level(letters: false), .literal([0x20]), .brackets(.thread, max: 3),
                              .choice([[.dash, .message], [.field(.logger, stop: []), .spaces, .brackets(.ndc, max: 3), .dash, .message]])],
                       shape: "log4net", words: "date [thread] level logger [ndc] - message"),
        CompiledLayout(head: [isoTime, .pipeFields, .message], shape: "nlog-pipe", words: "date|fields|level|logger|message"),
        CompiledLayout(head: [isoTime, .literal([0x20]), .brackets(.thread, max: 3), .level(letters: false), .literal([0x20]), .brackets(.thread, max: 3),
                              .choice([[.dash, .message], [.field(.logger, stop: []), .oneSpace, .message]])],
                       shape: "nlog", words: "date level logger message"),
        CompiledLayout(head: [isoTime, .zone, .spaces, .literal(Array("[".utf8)), .level(letters: false), .literal(Array("]".utf8)), .oneSpace, .message],
                       shape: "serilog", words: "date zzz [level] message"),
    ]

    /// Whether `layout` is one of the classic shapes (a layout the parser knows, not one read off
    /// the file).
    static func isClassic(_ layout: CompiledLayout) -> Bool {
        layout.kind.isLines && classic.contains { $0.shape == layout.shape && $0.head == layout.head }
    }

    static func infer(_ lines: [String]) -> Result {
        var entLibTimestamps = 0
        var entLibKeys = Set<Int>()
        var dotnet = false
        var json = 0, clef = 0, serilogPlain = 0
        var jsonKeys: [String: Int] = [:]
        var firstContent: String? = nil
        var learned: [[HeadElement]] = []
        for line in lines {
            var s = line
            s.withUTF8 { b in
                if b.isEmpty { return }
                if let k = EntLib.key(b, BlockTemplate.standard) {
                    if k.index == 0 {
                        if EntLib.time(b, valueStart: k.valueStart, BlockTemplate.standard.time) != nil { entLibTimestamps += 1 }
                    } else {
                        entLibKeys.insert(k.index)
                    }
                }
                if DotNetException.isFrame(b) || !DotNetException.types(in: b, anywhere: false).isEmpty { dotnet = true }
                if AMTErrorParser.isMarker(b) || AMTErrorParser.isBlank(b) { return }
                if firstContent == nil { firstContent = line }
                if b[0] == UInt8(ascii: "{"), let object = JSONLine.object(b) {
                    json += 1
                    var hasT = false, hasMT = false, hasTimestamp = false, hasTemplate = false
                    for (key, _) in object {
                        let k = String(decoding: key, as: UTF8.self)
                        if k == "@t" { hasT = true }
                        if k == "@mt" || k == "@m" { hasMT = true }
                        if k == "Timestamp" { hasTimestamp = true }
                        if k == "MessageTemplate" || k == "RenderedMessage" { hasTemplate = true }
                        if jsonKeys.count < 64 || jsonKeys[k] != nil { jsonKeys[k, default: 0] += 1 }
                    }
                    if hasT && hasMT { clef += 1 }
                    if hasTimestamp && hasTemplate { serilogPlain += 1 }
                    return
                }
                if learned.count < 16, let skeleton = learn(b), !learned.contains(skeleton) { learned.append(skeleton) }
            }
        }
        // Structured formats first: their keys are unmistakable.
        if clef >= 1, clef * 2 >= json {
            return Result(layout: LayoutCompiler.compile(.serilogJSON(compact: true)), score: clef >= 2 ? 95 : 70)
        }
        if serilogPlain >= 1, serilogPlain * 2 >= json {
            return Result(layout: LayoutCompiler.compile(.serilogJSON(compact: false)), score: serilogPlain >= 2 ? 95 : 70)
        }
        if json >= 2, let map = jsonMap(jsonKeys, lines: json) {
            return Result(layout: CompiledLayout(kind: .json(map), head: [], shape: "json",
                                                 words: "JSON lines: " + map.keys.map { String(decoding: $0.key, as: UTF8.self) }.joined(separator: ", ")),
                          score: 85)
        }
        if let csv = csvLayout(lines) { return csv }
        var best: Result? = nil
        if entLibTimestamps == 0, let block = blockLayout(lines) {
            best = block
        } else if entLibTimestamps >= 1, entLibKeys.count >= 2 {
            var c = CompiledLayout(kind: .block(.standard), head: [], shape: "entlib", words: "Enterprise Library text formatter (Timestamp:, Message:, Category: …)")
            c.separators = []
            best = Result(layout: c, score: entLibKeys.count >= 4 ? 95 : 60)
        }
        var candidates = classic
        for skeleton in learned where !classic.contains(where: { $0.head == skeleton }) {
            candidates.append(CompiledLayout(head: skeleton, shape: "pattern", words: describe(skeleton)))
        }
        var cache = StringCache()
        var scored: [(result: Result, heads: Int, roles: Int)] = []
        for candidate in candidates {
            var n = 0, glued = 0, roles = 0
            for line in lines {
                var s = line
                s.withUTF8 { b in
                    guard !b.isEmpty, let h = candidate.match(b, cache: &cache), h.timeKnown else { return }
                    n += 1
                    // How much of the line the candidate explains (ties go to the one explaining more).
                    roles += (h.level != nil ? 1 : 0) + (h.thread != nil || h.threadID != nil ? 1 : 0) + (h.logger != nil ? 1 : 0)
                        + (h.ndc != nil ? 1 : 0) + (h.context != nil ? 1 : 0) + h.fields.count
                    var from = h.time.end
                    // (Glued heads are looked for in the first 64 KiB of a line.)
                    let head = UnsafeBufferPointer(rebasing: b[..<min(b.count, 1 << 16)])
                    while glued < 1000, let (at, next) = candidate.nextGluedHead(head, after: from, cache: &cache) {
                        glued += 1
                        from = max(next.time.end, at + 1)
                    }
                }
            }
            guard n > 0 else { continue }
            let firstIsHead = firstContent.map { candidate.match($0)?.timeKnown ?? false } ?? false
            var layout = candidate
            // Several heads on most head lines: entries without line breaks.
            if glued >= 2 * n { layout.glued = true }
            let entries = n + (layout.glued ? glued : 0)
            var score: Int
            if layout.shape == "us-date" {
                score = entries >= 2 ? 70 : 45
                if dotnet { score += 15 }
            } else if layout.hasLevel {
                score = entries >= 2 ? 90 : 60
            } else {
                // A date and text, nothing else: the generic parser reads it as well, but a
                // .NET exception or glued entries say it is a .NET log.
                score = entries >= 2 ? (dotnet || layout.glued ? 65 : 40) : 30
            }
            if !firstIsHead { score -= 30 }
            scored.append((Result(layout: layout, score: max(0, score)), n, roles))
        }
        // A candidate that starts far fewer lines than another would turn entries into
        // continuations: only those within 80 % of the most lines started compete on score.
        let most = scored.map(\.heads).max() ?? 0
        var bestRoles = -1
        for c in scored where c.heads * 10 >= most * 8 {
            let score = c.result.score
            // (On a tie, explaining more counts only with the evidence of several lines.)
            if score > (best?.score ?? 0) || (score == best?.score && best?.layout.kind.isLines == true && c.heads >= 3 && c.roles > bestRoles) {
                best = c.result
                bestRoles = c.roles
            }
        }
        return best ?? Result(layout: classic[0], score: 0)
    }

    /// Reads a head layout off one line: `nil` when the line does not start with a date and time.
    static func learn(_ b: UnsafeBufferPointer<UInt8>) -> [HeadElement]? {
        var out: [HeadElement] = []
        var i = 0
        let bracketed = b.first == UInt8(ascii: "[")
        if bracketed { out.append(.literal(Array("[".utf8))); i = 1 }
        guard i < b.count, b[i] &- 0x30 < 10 else { return nil }
        let iso: Bool
        var t: SniffedTime
        if let x = LayoutTime.iso(b, at: i, minFraction: 3) {
            t = x; iso = true
        } else if let x = LayoutTime(form: .dayMonth).read(b, at: i, into: LayoutTime.blank) {
            t = x; iso = false
        } else {
            return nil
        }
        out.append(iso ? isoTime : dayMonthTime)
        i = t.end
        if iso, i + 7 <= b.count, b[i] == 0x20, b[i + 1] == UInt8(ascii: "+") || b[i + 1] == UInt8(ascii: "-"), b[i + 4] == UInt8(ascii: ":") {
            out.append(.zone)
            i += 7
        }
        // `[date level]`: the bracket closes after a later token.
        var closeLater = false
        if bracketed {
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: "]") {
                out.append(.literal(Array("]".utf8)))
                i += 1
            } else {
                closeLater = true
            }
        }
        if i < b.count, b[i] == UInt8(ascii: "|") {
            return out + [.pipeFields, .message]
        }
        var level = false, logger = false, threads = false
        var tokens = 0
        while tokens < 8 {
            tokens += 1
            let spaceStart = i
            i = AMTErrorMatch.skipSpaces(b, i)
            if i >= b.count { out.append(.oneSpace); out.append(.message); return out }
            let hadSpace = i > spaceStart
            // A delimiter other than spaces: `-`, `|`, `;` … between fields (before the message only
            // once something is learned).
            if AMTErrorMatch.isDash(b, i) {
                if !hadSpace { return nil }
                // `level - logger - message`: a dash between fields is a delimiter.
                let j = AMTErrorMatch.skipSpaces(b, i + 1)
                let we = AMTErrorMatch.wordEnd(b, j)
                let between = level && !logger && looksLikeLogger(b, j..<we) && AMTErrorMatch.isDash(b, AMTErrorMatch.skipSpaces(b, we))
                if (level || logger) && !between {
                    out.append(.spaces)
                    out.append(.dash)
                    out.append(.message)
                    return out
                }
                out.append(.literal(Array(" -".utf8)))
                i += 1
                continue
            }
            if b[i] == UInt8(ascii: "[") {
                guard hadSpace || out.last == .literal(Array("]".utf8)), let r = AMTErrorMatch.bracket(b, i) else { break }
                let inner = AMTErrorMatch.trim(b, r.inner)
                if !level, LayoutLevel.severity(b, inner, letters: true) != nil {
                    if hadSpace { out.append(.spaces) }
                    out.append(.literal(Array("[".utf8)))
                    out.append(.level(letters: inner.count < 3))
                    out.append(.literal(Array("]".utf8)))
                    level = true
                } else {
                    if hadSpace { out.append(.spaces) }
                    out.append(.brackets(logger ? .ndc : .thread, max: 1))
                    if !logger { threads = true }
                }
                i = r.end
                continue
            }
            // A word.
            var e = i
            while e < b.count, b[e] != 0x20, b[e] != 0x09 { e += 1 }
            var wordEnd = e
            var colon = false
            var closing = false
            if closeLater, wordEnd > i + 1, b[wordEnd - 1] == UInt8(ascii: "]") { wordEnd -= 1; closing = true; e = wordEnd }
            if wordEnd > i, b[wordEnd - 1] == UInt8(ascii: ":") { wordEnd -= 1; colon = true }
            let letterLevel = wordEnd == i + 1 && e < b.count && [UInt8(ascii: "E"), UInt8(ascii: "W"), UInt8(ascii: "I"), UInt8(ascii: "D"),
                                                                  UInt8(ascii: "F"), UInt8(ascii: "V"), UInt8(ascii: "T")].contains(b[i])
            if !level, LayoutLevel.severity(b, i..<wordEnd, letters: letterLevel) != nil, (i..<wordEnd).allSatisfy({ (b[$0] | 0x20) &- 0x61 < 26 }) {
                if hadSpace { out.append(.spaces) }
                out.append(.level(letters: letterLevel))
                if colon { out.append(.literal(Array(":".utf8))) }
                if closing { out.append(.literal(Array("]".utf8))); closeLater = false; e += 1 }
                level = true
                i = e
                continue
            }
            if !threads, wordEnd > i, wordEnd - i <= 9, !colon, (i..<wordEnd).allSatisfy({ b[$0] &- 0x30 < 10 }) {
                // A number among the fields: the thread id.
                if hadSpace { out.append(.spaces) }
                out.append(.field(.thread, stop: []))
                threads = true
                i = e
                continue
            }
            // A logger: dotted (`AMT.Db`), or ended by `:` or by a ` - ` delimiter; a plain word
            // after the level is more likely the message's first.
            let delimited = colon || (i..<wordEnd).contains { b[$0] == UInt8(ascii: ".") }
                || AMTErrorMatch.isDash(b, AMTErrorMatch.skipSpaces(b, e))
            if level, !logger, delimited, wordEnd > i, looksLikeLogger(b, i..<wordEnd) {
                if hadSpace { out.append(.spaces) }
                out.append(.field(.logger, stop: colon ? Array(":".utf8) : []))
                if colon { out.append(.literal(Array(":".utf8))) }
                logger = true
                i = e
                continue
            }
            i = spaceStart
            break
        }
        // Without a level: time and text.
        out.append(.oneSpace)
        out.append(.message)
        return out
    }

    /// A CSV file with a header row naming its columns (`time;level;logger;message;exception`):
    /// the delimiter that splits the first line into three or more names, one of them a time.
    static func csvLayout(_ lines: [String]) -> Result? {
        guard let first = lines.first(where: { !$0.isEmpty }), first.utf8.count <= 1024 else { return nil }
        for d in [UInt8(ascii: ";"), UInt8(ascii: ","), 0x09, UInt8(ascii: "|")] {
            let names = first.utf8.split(separator: d, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard names.count >= 3, names.allSatisfy({ n in !n.isEmpty && n.utf8.count <= 40
                && n.utf8.allSatisfy { ($0 | 0x20) &- 0x61 < 26 || $0 &- 0x30 < 10 || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "@") } })
            else { continue }
            var roles: [CSVMap.Role] = []
            var timed = false
            for n in names {
                switch n.lowercased() {
                case "time", "timestamp", "date", "datetime", "longdate", "@timestamp":
                    roles.append(timed ? .other : .time(LayoutTime(form: .iso(minFraction: 0))))
                    timed = true
                case "level", "severity", "loglevel": roles.append(.level)
                case "message", "msg", "text": roles.append(.message)
                case "exception", "error", "stacktrace": roles.append(.exception)
                case "logger", "category", "source", "loggername": roles.append(.logger)
                case "thread", "threadid": roles.append(.thread)
                default: roles.append(.other)
                }
            }
            guard timed else { continue }
            let map = CSVMap(roles: roles, names: names, delimiter: d)
            var cache = StringCache()
            var rows = 0
            for line in lines.dropFirst() {
                var s = line
                if s.withUTF8({ CSVRow.read($0, map, cache: &cache)?.timeKnown ?? false }) { rows += 1 }
            }
            guard rows >= 1 else { continue }
            let c = CompiledLayout(kind: .csv(map), head: [], shape: "csv",
                                   words: "CSV with header: " + names.joined(separator: String(UnicodeScalar(d))))
            return Result(layout: c, score: rows >= 2 ? 85 : 60)
        }
        return nil
    }

    /// Blocks of `Label: value` lines (an Enterprise Library template with keys of its own): a
    /// label whose value is a date and time opens a block, and two or more other labels follow it
    /// in each block.
    static func blockLayout(_ lines: [String]) -> Result? {
        var labels: [[UInt8]] = []
        var timeLabel: [UInt8]? = nil
        var opened = 0
        var culture = false
        for line in lines {
            let u = Array(line.utf8.prefix(64))
            guard let c = u.first, (c | 0x20) &- 0x61 < 26, let colon = u.firstIndex(of: UInt8(ascii: ":")), colon <= 32 else { continue }
            let label = Array(u[..<colon])
            guard label.allSatisfy({ ($0 | 0x20) &- 0x61 < 26 || $0 == 0x20 || $0 &- 0x30 < 10 }) else { continue }
            var start = colon + 1
            if start < u.count, u[start] == 0x20 { start += 1 }
            if timeLabel == nil {
                var scanner = ByteScanner(Array(line.utf8.dropFirst(start).prefix(48)))
                if let t = TimestampSniffer.sniff(&scanner) {
                    timeLabel = label
                    labels = [label]
                    opened = 1
                    if case .ambiguous = t.order { culture = true }
                }
                continue
            }
            if label == timeLabel! { opened += 1; continue }
            if opened == 1, !labels.contains(label), labels.count < 32 { labels.append(label) }
        }
        guard timeLabel != nil, labels.count >= 3 else { return nil }
        var roles: [BlockTemplate.Role] = [.timestamp]
        for label in labels.dropFirst() {
            let name = String(decoding: label, as: UTF8.self).lowercased()
            switch name {
            case "message", "text": roles.append(.message)
            case "category", "logger", "source": roles.append(.category)
            case "severity", "level": roles.append(.severity)
            case "priority": roles.append(.priority)
            case "eventid", "event id": roles.append(.eventID)
            case "title": roles.append(.title)
            case "machine", "machine name", "host", "computer": roles.append(.machine)
            case "app domain", "appdomain": roles.append(.appDomain)
            case "processid", "process id", "pid": roles.append(.processID)
            case "process name": roles.append(.processName)
            case "thread name": roles.append(.threadName)
            case "win32 threadid", "thread", "threadid", "thread id": roles.append(.threadID)
            case "extended properties": roles.append(.extended)
            default: roles.append(.other)
            }
        }
        // Enterprise Library's `{timestamp}` writes UTC; nothing in the file says otherwise.
        let time = LayoutTime(form: culture ? .culture : .iso(minFraction: 0), utc: true)
        let t = BlockTemplate(labels: labels, roles: roles, time: time, message: roles.firstIndex(of: .message) ?? -1)
        let words = labels.map { String(decoding: $0, as: UTF8.self) + ":" }.joined(separator: " ")
        return Result(layout: CompiledLayout(kind: .block(t), head: [], shape: "entlib", words: "blocks: " + words),
                      score: opened >= 2 ? 90 : 60)
    }

    /// A logger name: letters, digits, `.`, `_`, `+`, `<>`, `` ` ``, at least one letter, no
    /// more than 256 bytes.
    static func looksLikeLogger(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        guard !r.isEmpty, r.count <= 256 else { return false }
        var letters = 0
        for k in r {
            let c = b[k]
            if (c | 0x20) &- 0x61 < 26 { letters += 1; continue }
            if c &- 0x30 < 10 || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "+")
                || c == UInt8(ascii: "<") || c == UInt8(ascii: ">") || c == UInt8(ascii: "`") || c == UInt8(ascii: "-") { continue }
            return false
        }
        return letters > 0
    }

    /// A JSON layout from the keys seen on every JSON line: a time key (`time`, `timestamp`,
    /// `date`, `@timestamp`, `longdate`), and level, message, exception, logger keys by name.
    static func jsonMap(_ keys: [String: Int], lines: Int) -> JSONMap? {
        let common = keys.filter { $0.value * 2 >= lines }.map(\.key).sorted()
        let all = keys.keys.sorted()
        func pick(_ names: [String], from: [String] = all) -> String? {
            from.first { names.contains($0.lowercased()) }
        }
        guard let time = pick(["time", "timestamp", "@timestamp", "date", "longdate", "datetime", "ts", "@t"], from: common) else { return nil }
        var out: [(key: [UInt8], role: JSONMap.Role)] = [(Array(time.utf8), .time(LayoutTime(form: .iso(minFraction: 0))))]
        if let k = pick(["level", "severity", "loglevel", "@l", "lvl"]) { out.append((Array(k.utf8), .level)) }
        if let k = pick(["message", "msg", "@m", "renderedmessage", "text"]) { out.append((Array(k.utf8), .message)) }
        if let k = pick(["exception", "error", "@x", "stacktrace"]) { out.append((Array(k.utf8), .exception)) }
        if let k = pick(["logger", "category", "sourcecontext", "source", "loggername"]) { out.append((Array(k.utf8), .logger)) }
        if let k = pick(["thread", "threadid", "thread_id"]) { out.append((Array(k.utf8), .thread)) }
        return JSONMap(keys: out, levelDefault: nil)
    }

    /// A learned head in words (`[date] [level] logger: message`).
    static func describe(_ head: [HeadElement]) -> String {
        var out = ""
        for e in head {
            switch e {
            case .time(let t): out += t.form == .dayMonth ? "M/d/yyyy h:mm:ss" : "yyyy-MM-dd HH:mm:ss.fff"
            case .zone: out += " zzz"
            case .literal(let l): out += String(decoding: l, as: UTF8.self)
            case .spaces, .oneSpace: if !out.hasSuffix(" ") { out += " " }
            case .level: out += "level"
            case .field(let role, _): out += role == .logger ? "logger" : "field"
            case .brackets(let role, _): out += role == .ndc ? "[ndc]" : "[thread]"
            case .pipeFields: out += "|fields|level|logger|"
            case .dash: out += "- "
            case .message: out += "message"
            case .pad: break
            case .optional, .choice: out += "…"
            }
        }
        return out
    }
}
