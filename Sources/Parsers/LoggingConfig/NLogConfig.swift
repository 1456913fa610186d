import LogRecord

/// The File targets of an `<nlog>` section (`NLog.config`, or inside any `*.config`).
///
/// NLog reads its configuration case-insensitively. Targets may be wrapped (`AsyncWrapper`,
/// `BufferingWrapper`, any target holding targets) or made asynchronous by `<targets async="true">`;
/// a wrapped File target is written when its wrapper is. `<variable name value>` are substituted
/// (`${var:name}` and `${name}`) in file names and layouts; `<default-target-parameters>` supply
/// attributes a File target leaves out.
enum NLogConfig {
    /// NLog's default File target layout.
    static let defaultLayout = "${longdate}|${level:uppercase=true}|${logger}|${message:withexception=true}"
    static let substitutionDepth = 8
    /// Text longer than this is not substituted further (variables that refer to each other
    /// twice per level would otherwise double it at each level).
    static let substitutionBytes = 64 << 10

    static func read(_ section: ConfigXMLElement, configFile: String, into result: inout LoggingConfigResult) {
        if !result.sections.contains("nlog") { result.sections.append("nlog") }
        var variables: [String: String] = [:]
        for v in section.children(named: "variable") {
            guard let name = v.attribute("name") else { continue }
            let value = v.attribute("value") ?? v.child(named: "layout").flatMap { $0.attribute("text") ?? $0.text.configTrimmed.configNonEmpty }
                ?? v.text.configTrimmed
            variables[name.lowercased()] = value
        }
        func expand(_ s: String) -> String { substitute(s, variables, depth: 0) }

        // Which targets the rules write to (names, case-insensitive, comma-separated).
        var written: Set<String> = []
        for rules in section.children(named: "rules") {
            for rule in rules.descendants(named: "logger") {
                if let enabled = rule.attribute("enabled"), ConfigXML.equalFold(enabled.configTrimmed, "false") { continue }
                if let min = rule.attribute("minlevel"), ConfigXML.equalFold(min.configTrimmed, "off") { continue }
                if let level = rule.attribute("level"), ConfigXML.equalFold(level.configTrimmed, "off") { continue }
                for name in (rule.attribute("writeTo") ?? "").split(separator: ",") {
                    let n = String(name).configTrimmed.lowercased()
                    if !n.isEmpty { written.insert(n) }
                }
            }
        }

        for targets in section.children(named: "targets") {
            var defaults: [(name: String, value: String)] = []
            var defaultLayoutElement: ConfigXMLElement?
            for d in targets.children(named: "default-target-parameters") {
                let type = d.attribute("type") ?? "File"
                if ConfigXML.equalFold(type, "File") {
                    defaults = d.attributes
                    defaultLayoutElement = d.child(named: "layout")
                }
            }
            // Depth first over targets and their wrapped targets; a wrapped target is written
            // when it or any wrapper around it is.
            var stack: [(ConfigXMLElement, Bool)] = targets.children.filter { isTarget($0) }.reversed().map { ($0, false) }
            var serial = 0
            while let item = stack.popLast() {
                let (target, wrapperWritten) = item
                let name = target.attribute("name") ?? ""
                let isWritten = wrapperWritten || (!name.isEmpty && written.contains(name.lowercased()))
                let inner = target.children.filter { isTarget($0) }
                stack.append(contentsOf: inner.reversed().map { ($0, isWritten) })
                let type = typeName(target)
                guard ConfigXML.equalFold(type, "File") else { continue }
                serial += 1
                func attribute(_ key: String) -> String? {
                    target.attribute(key) ?? defaults.first { ConfigXML.equalFold($0.name, key) }?.value
                }
                let shown = name.isEmpty ? "file\(serial)" : name
                guard let fileName = attribute("fileName") else {
                    result.problem("\(configFile): NLog target \(shown) (File) names no fileName")
                    continue
                }
                var rolling = RollingHints()
                if let archive = attribute("archiveFileName") {
                    rolling.archiveFileName = archive
                    rolling.archiveFileNameExpanded = expand(archive)
                }
                rolling.archives = rolling.archiveFileName != nil
                    || ["archiveEvery", "archiveAboveSize", "maxArchiveFiles", "archiveNumbering", "archiveOldFileOnStartup",
                        "archiveSuffixFormat", "maxArchiveDays"].contains { attribute($0) != nil }
                let (layout, layoutType) = self.layout(target, attribute: attribute("layout"),
                                                       defaultElement: defaultLayoutElement, expand: expand)
                result.logs.append(DeclaredLog(
                    configFile: configFile, library: "nlog", target: shown, targetType: "File", path: fileName,
                    expandedPath: expand(fileName), layout: layout, layoutType: layoutType, rolling: rolling,
                    encoding: attribute("encoding"), referenced: isWritten))
            }
        }
    }

    static func isTarget(_ e: ConfigXMLElement) -> Bool {
        e.named("target") || e.named("wrapper-target") || e.named("compound-target")
    }

    static func typeName(_ target: ConfigXMLElement) -> String {
        (target.attribute("type") ?? "").configTrimmed
    }

    /// The layout of a File target: its `layout` attribute, or a nested `<layout>` element
    /// (`JsonLayout`, `CsvLayout`, `SimpleLayout`, `LayoutWithHeaderAndFooter`), or the default.
    static func layout(_ target: ConfigXMLElement, attribute: String?, defaultElement: ConfigXMLElement?,
                       expand: (String) -> String) -> (LayoutSpec?, String?) {
        if let attribute { return (.nlog(layout: expand(attribute)), nil) }
        if let element = target.child(named: "layout") ?? defaultElement {
            return layout(element: element, expand: expand, depth: 0)
        }
        return (.nlog(layout: defaultLayout), nil)
    }

    static func layout(element: ConfigXMLElement, expand: (String) -> String, depth: Int) -> (LayoutSpec?, String?) {
        let type = (element.attribute("type") ?? "").configTrimmed
        switch type.lowercased() {
        case "jsonlayout":
            return (.nlogJSON(attributes: jsonAttributes(element, prefix: "", expand: expand, depth: 0)), type)
        case "csvlayout":
            var columns: [LayoutColumn] = []
            for c in element.children(named: "column") {
                columns.append(LayoutColumn(name: c.attribute("name") ?? "", layout: expand(c.attribute("layout") ?? "")))
            }
            let delimiter = element.attribute("delimiter") ?? "Auto"
            let customDelimiter = element.attribute("customColumnDelimiter")
            let withHeader = element.attribute("withHeader").map { !ConfigXML.equalFold($0.configTrimmed, "false") } ?? true
            return (.nlogCSV(columns: columns,
                             delimiter: ConfigXML.equalFold(delimiter, "Custom") ? (customDelimiter ?? delimiter) : delimiter,
                             withHeader: withHeader), type)
        case "layoutwithheaderandfooter":
            if depth < 4, let inner = element.child(named: "layout") {
                return layout(element: inner, expand: expand, depth: depth + 1)
            }
            if let text = element.attribute("layout") { return (.nlog(layout: expand(text)), nil) }
            return (nil, type)
        case "simplelayout", "":
            if let text = element.attribute("text") ?? element.text.configTrimmed.configNonEmpty { return (.nlog(layout: expand(text)), nil) }
            return (nil, type.isEmpty ? nil : type)
        default:
            return (nil, type)
        }
    }

    /// The attributes of a `JsonLayout`; attributes that are JSON layouts themselves are
    /// flattened with dotted names (`{"error": {"type": …}}` → `error.type`).
    static func jsonAttributes(_ element: ConfigXMLElement, prefix: String, expand: (String) -> String, depth: Int) -> [LayoutColumn] {
        var out: [LayoutColumn] = []
        for a in element.children(named: "attribute") {
            let name = prefix + (a.attribute("name") ?? "")
            if let text = a.attribute("layout") {
                out.append(LayoutColumn(name: name, layout: expand(text)))
            } else if let nested = a.child(named: "layout"), depth < 8 {
                if ConfigXML.equalFold(nested.attribute("type") ?? "", "JsonLayout") {
                    out += jsonAttributes(nested, prefix: name + ".", expand: expand, depth: depth + 1)
                } else if let text = nested.attribute("text") ?? nested.text.configTrimmed.configNonEmpty {
                    out.append(LayoutColumn(name: name, layout: expand(text)))
                }
            }
        }
        return out
    }

    /// `${var:name}` and `${name}` for each declared variable replaced by its value, repeatedly
    /// (a value may refer to other variables), at most `substitutionDepth` levels.
    static func substitute(_ s: String, _ variables: [String: String], depth: Int) -> String {
        guard !variables.isEmpty, depth < substitutionDepth, s.utf8.count <= substitutionBytes, s.contains("${") else { return s }
        var out = ""
        var changed = false
        for piece in NLogRenderers.split(s) {
            switch piece {
            case .text(let t): out += t
            case .renderer(let whole, let name, let options):
                var key: String?
                if name.lowercased() == "var" {
                    key = (NLogRenderers.option(options, "name") ?? options.first?.1).map { $0.lowercased() }
                } else if options.isEmpty {
                    key = name.lowercased()
                }
                if let key, let value = variables[key] {
                    out += value
                    changed = true
                } else {
                    out += whole
                }
            }
        }
        return changed ? substitute(out, variables, depth: depth + 1) : out
    }
}

/// Splits NLog layout text into literal text and `${name:option=value:…}` renderers (nested
/// `${…}` inside options kept whole).
enum NLogRenderers {
    enum Piece: Equatable {
        case text(String)
        /// The renderer as written, its name, and its options (`(key, value)`; an option without
        /// `=` is the default parameter, key empty).
        case renderer(whole: String, name: String, options: [(String, String)])

        static func == (a: Piece, b: Piece) -> Bool {
            switch (a, b) {
            case (.text(let x), .text(let y)): x == y
            case (.renderer(let x, _, _), .renderer(let y, _, _)): x == y
            default: false
            }
        }
    }

    static func split(_ s: String) -> [Piece] {
        let u = Array(s.unicodeScalars)
        var pieces: [Piece] = []
        var text = ""
        var i = 0
        while i < u.count {
            if u[i] == "$", i + 1 < u.count, u[i + 1] == "{" {
                var depth = 0
                var j = i
                while j < u.count {
                    if u[j] == "$", j + 1 < u.count, u[j + 1] == "{" { depth += 1; j += 2; continue }
                    if u[j] == "}" { depth -= 1; if depth == 0 { break } }
                    j += 1
                }
                guard j < u.count else { break }
                if !text.isEmpty { pieces.append(.text(text)); text = "" }
                let inner = String(String.UnicodeScalarView(u[(i + 2)..<j]))
                let whole = String(String.UnicodeScalarView(u[i...j]))
                let (name, options) = parse(inner)
                pieces.append(.renderer(whole: whole, name: name, options: options))
                i = j + 1
                continue
            }
            text.unicodeScalars.append(u[i])
            i += 1
        }
        if i < u.count { text += String(String.UnicodeScalarView(u[i...])) }
        if !text.isEmpty { pieces.append(.text(text)) }
        return pieces
    }

    /// `date:format=yyyy-MM-dd` → (`date`, [(`format`, `yyyy-MM-dd`)]); colons inside nested
    /// `${…}` do not split.
    static func parse(_ inner: String) -> (String, [(String, String)]) {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var escaped = false
        for c in inner {
            if escaped { current.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "{" { depth += 1 } else if c == "}" { depth -= 1 }
            if c == ":", depth == 0 { parts.append(current); current = ""; continue }
            current.append(c)
        }
        parts.append(current)
        let name = parts.first?.configTrimmed ?? ""
        var options: [(String, String)] = []
        for p in parts.dropFirst() {
            if let eq = p.firstIndex(of: "=") {
                options.append((String(p[..<eq]).configTrimmed.lowercased(), String(p[p.index(after: eq)...])))
            } else {
                options.append(("", p))
            }
        }
        return (name, options)
    }

    static func option(_ options: [(String, String)], _ key: String) -> String? {
        options.first { $0.0 == key }?.1
    }
}

extension String {
    var configNonEmpty: String? { isEmpty ? nil : self }
}
