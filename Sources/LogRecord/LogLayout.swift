/// The layout a logging configuration declares for the files one of its targets writes, as the
/// configuration spells it (compiled into a line parser by `Parsers`).
public enum LayoutSpec: Sendable, Hashable {
    /// log4net `PatternLayout`: `conversionPattern`, with the layout's `header` and `footer`.
    case log4net(pattern: String, header: String? = nil, footer: String? = nil)
    /// NLog layout string (`${longdate}|${level:uppercase=true}|${logger}|${message}`).
    case nlog(layout: String)
    /// NLog `JsonLayout`: one JSON object per line, each attribute a layout of its own.
    case nlogJSON(attributes: [LayoutColumn])
    /// NLog `CsvLayout`: columns, delimiter as written (`Comma`, `Tab`, `;` …), optional header row.
    case nlogCSV(columns: [LayoutColumn], delimiter: String, withHeader: Bool)
    /// Serilog `outputTemplate` (`{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}`).
    case serilog(template: String)
    /// Serilog JSON formatters: compact (CLEF, `@t`/`@mt`/`@l`/`@x`) or the plain `JsonFormatter`.
    case serilogJSON(compact: Bool)
    /// Enterprise Library `TextFormatter` template (`Timestamp: {timestamp}{newline}Message: {message}…`).
    case entLib(template: String)

    /// The logging library, for the manifest.
    public var family: String {
        switch self {
        case .log4net: "log4net"
        case .nlog, .nlogJSON, .nlogCSV: "nlog"
        case .serilog, .serilogJSON: "serilog"
        case .entLib: "entlib"
        }
    }
}

/// One named column or attribute of a structured layout.
public struct LayoutColumn: Sendable, Hashable {
    public var name: String
    public var layout: String

    public init(name: String, layout: String) {
        self.name = name
        self.layout = layout
    }
}

/// A declared layout and where it was declared.
public struct DeclaredLayout: Sendable, Hashable {
    public var spec: LayoutSpec
    /// The configuration file, relative to the collection root, `/`-separated.
    public var configFile: String
    /// The appender, target or sink that writes with it.
    public var target: String?

    public init(spec: LayoutSpec, configFile: String, target: String? = nil) {
        self.spec = spec
        self.configFile = configFile
        self.target = target
    }
}

/// How the layout a source was parsed with was decided (manifest `layout`).
public struct LayoutUse: Sendable, Codable, Hashable {
    public enum Source: String, Sendable, Codable, Hashable {
        /// Compiled from the site's logging configuration (`file`, `target`).
        case config
        /// Learned from the file's own first lines.
        case inferred
        /// A format amt-collect knows (the parser's own layout).
        case builtin
    }

    public var source: Source
    /// The configuration file (for `config`), relative to the root.
    public var file: String?
    /// The appender, target or sink (for `config`).
    public var target: String?
    /// The layout in words: the pattern as declared, or the inferred shape.
    public var pattern: String?

    public init(source: Source, file: String? = nil, target: String? = nil, pattern: String? = nil) {
        self.source = source
        self.file = file
        self.target = target
        self.pattern = pattern
    }
}

/// How a text source's encoding was decided (manifest `encoding`).
public struct EncodingUse: Sendable, Codable, Hashable {
    /// `utf-8`, `utf-16le`, `windows-1251`, `shift_jis` (cp932) … as the decoder names it.
    public var name: String
    /// How it was decided: `bom`, `nul-pattern`, `valid-utf8`, `detector`, `site-prior`, `default`.
    public var decided: String
    /// Detail for people (`uchardet: windows-1251 on 37 lines`), when there is more to say.
    public var detail: String?

    public init(name: String, decided: String, detail: String? = nil) {
        self.name = name
        self.decided = decided
        self.detail = detail
    }
}
