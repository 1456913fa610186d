/// Where a declared log's files are on the collected machine: glob patterns relative to the
/// collection root (the system drive, `C:`), or why they are not under it.
public struct LogPathMapping: Sendable, Hashable {
    /// Files that are not under the root, or a path that cannot be resolved.
    public struct Elsewhere: Sendable, Hashable {
        /// `D:` for another volume; `nil` for a share or an unresolved path.
        public var drive: String?
        /// The path on that drive as a `/`-separated glob (`Logs/app*.log`), when known.
        public var pattern: String?
        /// In words: `on another volume (D:)`, `on a network share (\\srv\logs)`,
        /// `environment variable LOGS cannot be resolved` …
        public var reason: String
    }

    /// Globs relative to the root (see `Collector.Glob`; literal `*`, `?`, `[`, `{`, `}` written as
    /// `[*]` …): the current file first, then the rolled and archived ones.
    public var patterns: [String] = []
    public var elsewhere: [Elsewhere] = []

    public init(patterns: [String] = [], elsewhere: [Elsewhere] = []) {
        self.patterns = patterns
        self.elsewhere = elsewhere
    }
}

/// Maps the path a logging configuration declares onto the collection root.
///
/// - Windows absolute paths (`C:\…`, `c:/…`, `\…` on the current drive) are taken as on the root;
///   other drive letters are reported as on another volume, UNC paths as on a share.
/// - Relative paths and `${basedir}`/`${processdir}`/`${currentdir}` are taken relative to the
///   configuration's folder (for `Web.config` the site, for `App.exe.config` the program's folder).
/// - Environment variables (`%ProgramData%`, log4net `${ProgramData}`, `%env{…}`, NLog
///   `${environment:…}`) and special folders (`${specialfolder:CommonApplicationData}`,
///   `%envFolderPath{…}`) that name machine-wide folders are resolved; per-user ones match every
///   profile (`Users/*/AppData/…`); others are reported.
/// - Parts written per file (dates, process names, properties: `${shortdate}`, `%date{…}`,
///   `%property{…}`, Serilog `{Date}`) match any text within a name.
/// - Rolled and archived names are added by the library's rules (log4net `datePattern`,
///   `maxSizeRollBackups`, `preserveLogFileNameExtension`; NLog `archiveFileName` with `{#}` and the
///   default archive suffixes; Serilog `rollingInterval` and `_001` size suffixes; Enterprise
///   Library time stamps).
///
/// Pure text work: nothing is read. Bounded: each path is at most `pathLimit` characters and
/// expands to at most `alternativeLimit` bases.
public enum LogPathMapper {
    public static let pathLimit = 4096
    static let alternativeLimit = 8

    public static func map(_ log: DeclaredLog) -> LogPathMapping {
        var mapping = LogPathMapping()
        let folder = configFolder(log.configFile)
        let current = resolve(log.expandedPath, library: log.library, configFolder: folder)
        var archive: Resolved?
        if log.library == "nlog", let a = log.rolling.archiveFileNameExpanded ?? log.rolling.archiveFileName {
            archive = resolve(a, library: "nlog", configFolder: folder)
        }
        for r in [current] + (archive.map { [$0] } ?? []) {
            if let problem = r.problem {
                mapping.elsewhere.append(.init(drive: nil, pattern: nil, reason: problem))
            }
        }
        let isArchive = { (r: Resolved) in archive.map { $0 == r } ?? false }
        for r in [current] + (archive.map { [$0] } ?? []) {
            for path in r.paths {
                let names = isArchive(r) ? (path.name.isEmpty ? [] : [path.name]) : rolledNames(path.name, log)
                if names.isEmpty {
                    mapping.elsewhere.append(.init(drive: nil, pattern: nil, reason: "the path names a folder, not a file"))
                    continue
                }
                let dir = path.components.joined(separator: "/")
                // A rolled name may hold separators of its own (a date pattern of folders).
                let patterns = names.compactMap { normalized(dir.isEmpty ? $0 : dir + "/" + $0) }
                if patterns.isEmpty {
                    mapping.elsewhere.append(.init(drive: nil, pattern: nil, reason: "the path gives no file name on the drive"))
                    continue
                }
                if let drive = path.drive, drive != "C:" {
                    for p in patterns where !mapping.elsewhere.contains(where: { $0.pattern == p && $0.drive == drive }) {
                        mapping.elsewhere.append(.init(drive: drive, pattern: p, reason: "on another volume (\(drive))"))
                    }
                } else {
                    for p in patterns where !mapping.patterns.contains(p) { mapping.patterns.append(p) }
                }
            }
        }
        return mapping
    }

    /// `/`-separated with empty and `.` components dropped; `nil` when nothing is left, a `..`
    /// remains or the first component would read as a drive (`X:`).
    static func normalized(_ pattern: String) -> String? {
        let parts = pattern.split(whereSeparator: { $0 == "/" || $0 == "\\" }).map(String.init).filter { $0 != "." }
        guard let first = parts.first, !parts.contains(".."), !first.contains(":") else { return nil }
        return parts.joined(separator: "/")
    }

    /// The folder of a root-relative file path, as escaped glob components.
    static func configFolder(_ configFile: String) -> [String] {
        var parts = configFile.split(whereSeparator: { $0 == "/" || $0 == "\\" }).map(String.init)
        if !parts.isEmpty { parts.removeLast() }
        return parts.map(escape)
    }

    // MARK: - Resolving

    /// One way a declared path resolves: a drive (`C:`, `D:`), folder components and the file name,
    /// all as glob text.
    struct Path: Hashable {
        var drive: String?
        var components: [String]
        var name: String
    }

    struct Resolved: Hashable {
        var paths: [Path] = []
        var problem: String?
    }

    /// A piece of a declared path after the library's tokens: literal text (to escape), glob text
    /// (already a glob: `*`, a resolved base folder), or a base given by alternatives.
    enum Piece {
        case literal(String)
        case glob(String)
        case bases([String])
    }

    static func resolve(_ written: String, library: String, configFolder: [String]) -> Resolved {
        guard written.utf8.count <= pathLimit else {
            return Resolved(problem: "the path is longer than \(pathLimit) characters")
        }
        var problems: [String] = []
        let pieces = tokens(written, library: library, configFolder: configFolder, problems: &problems)
        if let p = problems.first { return Resolved(problem: p) }
        // Every combination of alternative bases, as glob text.
        var texts = [""]
        for piece in pieces {
            switch piece {
            case .literal(let s): texts = texts.map { $0 + escape(s) }
            case .glob(let s): texts = texts.map { $0 + s }
            case .bases(let list):
                var next: [String] = []
                for t in texts { for b in list where next.count < alternativeLimit { next.append(t + b) } }
                texts = next
            }
        }
        var result = Resolved()
        for text in texts {
            switch place(text, configFolder: configFolder) {
            case .success(let path): if !result.paths.contains(path) { result.paths.append(path) }
            case .failure(let problem): result.problem = result.problem ?? problem.text
            }
        }
        return result
    }

    struct PlaceProblem: Error { var text: String }

    /// Splits glob text into drive, folders and name; relative text is taken from the config's folder.
    static func place(_ text: String, configFolder: [String]) -> Result<Path, PlaceProblem> {
        let slashed = text.replacingBackslashes
        var drive: String?
        var rest = Substring(slashed)
        if slashed.hasPrefix("//") {
            let parts = slashed.split(separator: "/", omittingEmptySubsequences: true)
            let share = parts.prefix(2).joined(separator: "\\")
            return .failure(PlaceProblem(text: "on a network share (\\\\\(share))"))
        }
        let scalars = Array(slashed.unicodeScalars)
        var components: [String]
        if scalars.count >= 2, scalars[1] == ":", scalars[0].isASCII, scalars[0].properties.isAlphabetic {
            drive = String(scalars[0]).uppercased() + ":"
            rest = rest.dropFirst(2)
            components = []
            if !rest.hasPrefix("/") {
                // `C:logs\x.log`: relative to the current folder of that drive; taken as its root.
                components = []
            }
        } else if rest.hasPrefix("/") {
            drive = "C:"
            components = []
        } else {
            drive = "C:"
            components = configFolder
        }
        let first = rest.split(separator: "/", omittingEmptySubsequences: true).first.map(String.init)
        if drive == "C:", components == configFolder, first == "*" {
            return .failure(PlaceProblem(text: "the path starts with a part that cannot be resolved"))
        }
        for part in rest.split(separator: "/", omittingEmptySubsequences: true) {
            if part.contains(":") {
                return .failure(PlaceProblem(text: "the path is not a valid Windows path (':' inside it)"))
            }
            switch part {
            case ".": continue
            case "..":
                if components.isEmpty { return .failure(PlaceProblem(text: "the path leads above the drive's root")) }
                components.removeLast()
            default: components.append(String(part))
            }
        }
        // A folder (`logs\`): log4net then names each file by its date pattern alone.
        let folderOnly = rest.hasSuffix("/")
        guard let name = folderOnly ? "" : components.popLast() else {
            return .failure(PlaceProblem(text: "the path names a folder, not a file"))
        }
        if name == "*", components.isEmpty {
            return .failure(PlaceProblem(text: "the path names no file that can be resolved"))
        }
        return .success(Path(drive: drive, components: components, name: name))
    }

    /// The declared path as pieces, by the library's syntax.
    static func tokens(_ s: String, library: String, configFolder: [String], problems: inout [String]) -> [Piece] {
        let base = "C:/" + configFolder.joined(separator: "/")
        var pieces: [Piece] = []
        let u = Array(s.unicodeScalars)
        var literal = ""
        func flush() { if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" } }
        var i = 0
        while i < u.count {
            let c = u[i]
            // Environment variables: `%NAME%` everywhere (Windows, Serilog, Enterprise Library).
            if c == "%", let end = closing(u, from: i + 1, "%"), end > i + 1,
               u[(i + 1)..<end].allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType != nil || "_()".unicodeScalars.contains($0) }) {
                let name = String(String.UnicodeScalarView(u[(i + 1)..<end]))
                flush()
                if let value = environment(name) { pieces.append(.bases(value)) } else {
                    problems.append("environment variable \(name) cannot be resolved")
                }
                i = end + 1
                continue
            }
            if library == "nlog", c == "$", i + 1 < u.count, u[i + 1] == "{" {
                // One renderer, nested braces included.
                var depth = 0
                var j = i
                while j < u.count {
                    if u[j] == "$", j + 1 < u.count, u[j + 1] == "{" { depth += 1; j += 2; continue }
                    if u[j] == "}" { depth -= 1; if depth == 0 { break } }
                    j += 1
                }
                guard j < u.count else { literal.unicodeScalars.append(c); i += 1; continue }
                flush()
                let (name, options) = NLogRenderers.parse(String(String.UnicodeScalarView(u[(i + 2)..<j])))
                pieces.append(nlogRenderer(name, options, base: base, problems: &problems))
                i = j + 1
                continue
            }
            if library == "nlog", c == "{", let end = closing(u, from: i + 1, "}"),
               end > i + 1, u[(i + 1)..<end].allSatisfy({ $0 == "#" }) {
                // Archive number `{#}`, `{####}`.
                flush()
                pieces.append(.glob("*"))
                i = end + 1
                continue
            }
            if library == "log4net", c == "$", i + 1 < u.count, u[i + 1] == "{",
               let end = closing(u, from: i + 2, "}") {
                let name = String(String.UnicodeScalarView(u[(i + 2)..<end]))
                flush()
                if let value = environment(name) { pieces.append(.bases(value)) } else {
                    problems.append("environment variable \(name) cannot be resolved")
                }
                i = end + 1
                continue
            }
            if library == "log4net", c == "%" {
                // PatternString converters: `%date{…}`, `%property{…}`, `%env{…}`, `%envFolderPath{…}`, `%%`.
                if i + 1 < u.count, u[i + 1] == "%" { literal += "%"; i += 2; continue }
                var j = i + 1
                while j < u.count, u[j].properties.isAlphabetic { j += 1 }
                if j > i + 1 {
                    let name = String(String.UnicodeScalarView(u[(i + 1)..<j])).lowercased()
                    var option: String?
                    if j < u.count, u[j] == "{", let end = closing(u, from: j + 1, "}") {
                        option = String(String.UnicodeScalarView(u[(j + 1)..<end]))
                        j = end + 1
                    }
                    flush()
                    switch name {
                    case "env":
                        if let option, let value = environment(option) { pieces.append(.bases(value)) } else {
                            problems.append("environment variable \(option ?? "") cannot be resolved")
                        }
                    case "envfolderpath":
                        if let option, let value = specialFolder(option) { pieces.append(.bases(value)) } else {
                            problems.append("special folder \(option ?? "") cannot be resolved")
                        }
                    default:
                        pieces.append(.glob("*"))
                    }
                    i = j
                    continue
                }
            }
            if library == "serilog", c == "{", let end = closing(u, from: i + 1, "}") {
                let name = String(String.UnicodeScalarView(u[(i + 1)..<end])).lowercased()
                if ["date", "hour", "halfhour"].contains(name) {
                    flush()
                    pieces.append(.glob("*"))
                    i = end + 1
                    continue
                }
            }
            literal.unicodeScalars.append(c)
            i += 1
        }
        flush()
        return pieces
    }

    /// The index of `c` within `nameLimit` scalars from `from`: names and options of variables
    /// and converters are short, so a stray opening character costs no more than that.
    static func closing(_ u: [Unicode.Scalar], from: Int, _ c: Unicode.Scalar) -> Int? {
        var k = from
        while k < u.count, k - from <= nameLimit {
            if u[k] == c { return k }
            k += 1
        }
        return nil
    }

    static let nameLimit = 256

    static func nlogRenderer(_ name: String, _ options: [(String, String)], base: String, problems: inout [String]) -> Piece {
        func withDirFile(_ bases: [String]) -> Piece {
            var suffix = ""
            if let dir = NLogRenderers.option(options, "dir") { suffix += "/" + escape(dir) }
            if let file = NLogRenderers.option(options, "file") { suffix += "/" + escape(file) }
            return .bases(bases.map { $0 + suffix })
        }
        switch name.lowercased() {
        case "basedir", "processdir", "currentdir", "appdomain-basedir":
            return withDirFile([base])
        case "specialfolder":
            let folder = NLogRenderers.option(options, "folder") ?? options.first { $0.0.isEmpty }?.1 ?? ""
            if let value = specialFolder(folder) { return withDirFile(value) }
            problems.append("special folder \(folder) cannot be resolved")
            return .glob("*")
        case "tempdir":
            return withDirFile(environment("TEMP") ?? [])
        case "environment":
            let variable = NLogRenderers.option(options, "variable") ?? options.first { $0.0.isEmpty }?.1 ?? ""
            if let value = environment(variable) { return .bases(value) }
            problems.append("environment variable \(variable) cannot be resolved")
            return .glob("*")
        case "literal":
            return .literal(NLogRenderers.option(options, "text") ?? "")
        case "dir-separator":
            return .literal("/")
        default:
            // Dates, names, ids, properties: written per file.
            return .glob("*")
        }
    }

    /// Machine-wide and per-user folders of Windows, as glob text on the system drive.
    static func environment(_ name: String) -> [String]? {
        switch name.lowercased() {
        case "programdata", "allusersprofile": ["C:/ProgramData"]
        case "systemroot", "windir": ["C:/Windows"]
        case "systemdrive", "homedrive": ["C:"]
        case "programfiles", "programw6432": ["C:/Program Files"]
        case "programfiles(x86)": ["C:/Program Files (x86)"]
        case "commonprogramfiles", "commonprogramw6432": ["C:/Program Files/Common Files"]
        case "commonprogramfiles(x86)": ["C:/Program Files (x86)/Common Files"]
        case "public": ["C:/Users/Public"]
        case "userprofile": ["C:/Users/*"]
        case "homepath": ["/Users/*"]
        case "appdata": ["C:/Users/*/AppData/Roaming"]
        case "localappdata": ["C:/Users/*/AppData/Local"]
        case "temp", "tmp": ["C:/Windows/Temp", "C:/Users/*/AppData/Local/Temp"]
        default: nil
        }
    }

    /// .NET `Environment.SpecialFolder` names.
    static func specialFolder(_ name: String) -> [String]? {
        switch name.configTrimmed.lowercased() {
        case "commonapplicationdata": ["C:/ProgramData"]
        case "applicationdata": ["C:/Users/*/AppData/Roaming"]
        case "localapplicationdata": ["C:/Users/*/AppData/Local"]
        case "commondocuments": ["C:/Users/Public/Documents"]
        case "mydocuments", "personal": ["C:/Users/*/Documents"]
        case "userprofile": ["C:/Users/*"]
        case "desktop", "desktopdirectory": ["C:/Users/*/Desktop"]
        case "windows": ["C:/Windows"]
        case "system": ["C:/Windows/System32"]
        case "programfiles": ["C:/Program Files"]
        case "programfilesx86": ["C:/Program Files (x86)"]
        case "commonprogramfiles": ["C:/Program Files/Common Files"]
        default: nil
        }
    }

    // MARK: - Rolled names

    /// The current file's name and the names its rolled copies take, as globs.
    static func rolledNames(_ name: String, _ log: DeclaredLog) -> [String] {
        let (stem, ext) = splitExtension(name)
        var names = name.isEmpty ? [] : [name]
        func add(_ n: String) { if !names.contains(n) { names.append(n) } }
        let r = log.rolling
        switch log.library {
        case "log4net":
            guard let style = r.rollingStyle?.lowercased() else { break }
            let preserve = r.preserveLogFileNameExtension ?? false
            let backups = (r.maxSizeRollBackups ?? 0) != 0
            let number = ".[0-9]*"
            let usesDate = style == "date" || style == "composite"
            let usesSize = style == "size" || style == "composite"
            let date = dateGlob(r.datePattern ?? ".yyyy-MM-dd")
            if name.isEmpty {
                // A folder: the date pattern is the whole name.
                if usesDate, !date.isEmpty, date != "*" || !(r.datePattern ?? "").isEmpty {
                    add(date)
                    if usesSize, backups { add(date + number) }
                }
                break
            }
            if usesDate {
                add(preserve ? stem + date + ext : name + date)
                if usesSize, backups { add(preserve ? stem + date + number + ext : name + date + number) }
            }
            if usesSize, backups { add(preserve ? stem + number + ext : name + number) }
        case "nlog":
            if r.archives, r.archiveFileName == nil {
                add(stem + ".*" + ext)
                add(stem + "_*" + ext)
            }
        case "serilog":
            let interval = (r.rollingInterval ?? "Infinite").lowercased()
            if log.targetType.lowercased() == "rollingfile" {
                add(stem + "_[0-9]*" + ext)
            } else if interval != "infinite" {
                add(stem + "[0-9]*" + ext)
            } else if r.rollOnFileSizeLimit == true {
                add(stem + "_[0-9]*" + ext)
            }
        case "entlib":
            if r.timeStampPattern != nil {
                add(stem + ".*" + ext)
                add(name + ".*")
            }
        default:
            break
        }
        return names
    }

    /// `name.ext` → (`name`, `.ext`); no extension → (`name`, ``). The dot must follow the name's
    /// first character and not be part of a bracket expression.
    static func splitExtension(_ name: String) -> (String, String) {
        let u = Array(name.unicodeScalars)
        var inBracket = false
        var dot: Int?
        for (k, c) in u.enumerated() {
            if c == "[" { inBracket = true } else if c == "]" { inBracket = false } else if c == ".", !inBracket, k > 0 { dot = k }
        }
        guard let dot else { return (name, "") }
        return (String(String.UnicodeScalarView(u[..<dot])), String(String.UnicodeScalarView(u[dot...])))
    }

    /// A .NET date format as a glob: format letters become `*`, quoted and escaped text stays literal.
    static func dateGlob(_ pattern: String) -> String {
        var out = ""
        var lastStar = false
        let u = Array(pattern.unicodeScalars)
        var i = 0
        func lit(_ s: String) { out += escape(s); lastStar = false }
        while i < u.count {
            let c = u[i]
            if c == "'" || c == "\"" {
                var j = i + 1
                var text = ""
                while j < u.count, u[j] != c { text.unicodeScalars.append(u[j]); j += 1 }
                lit(text)
                i = j + 1
                continue
            }
            if c == "\\", i + 1 < u.count { lit(String(u[i + 1])); i += 2; continue }
            if "yMdHhmsfFtzKg".unicodeScalars.contains(c) {
                if !lastStar { out += "*"; lastStar = true }
                i += 1
                continue
            }
            lit(String(c))
            i += 1
        }
        return out
    }

    /// Literal text as glob text: `*`, `?`, `[`, `]`, `{`, `}` bracketed.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "*", "?", "[", "]", "{", "}": out += "[\(c)]"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

extension String {
    fileprivate var replacingBackslashes: String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\\" ? "/" : $0 }))
    }
}
