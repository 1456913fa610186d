import LogRecord

/// A log file a logging configuration declares: one file-writing log4net appender, NLog target,
/// Serilog sink or Enterprise Library listener, as the configuration states it.
public struct DeclaredLog: Sendable, Hashable {
    /// The configuration file, relative to the collection root, `/`-separated.
    public var configFile: String
    /// `log4net`, `nlog`, `serilog` or `entlib`.
    public var library: String
    /// The appender, target, sink or listener name (Serilog sinks: `File`, `File#2` …).
    public var target: String
    /// Its type as written, without namespace and assembly (`RollingFileAppender`, `File`,
    /// `RollingFlatFileTraceListener`).
    public var targetType: String
    /// The file path exactly as written in the configuration.
    public var path: String
    /// The path with the configuration's own substitutions made (NLog `<variable>`s); the
    /// library's renderers, properties and environment variables are left for `LogPathMapper`.
    public var expandedPath: String
    /// The layout compiled from the configuration, `nil` when the configuration names one that
    /// is not a text layout amt-collect can compile (`layoutType` says which) or none at all.
    public var layout: LayoutSpec?
    /// The layout's type as declared (`log4net.Layout.XmlLayout`, `JsonLayout`, a formatter's
    /// type name), when it matters to a reader.
    public var layoutType: String?
    /// How the library names rolled files.
    public var rolling: RollingHints
    /// The encoding the configuration asks for (`utf-8`, `utf-16`, `windows-1252` …), as written.
    public var encoding: String?
    /// `false` when no logger, rule, category or root writes to it: it is kept (its files may
    /// exist from an earlier configuration) but writes nothing now.
    public var referenced: Bool

    public init(configFile: String, library: String, target: String, targetType: String, path: String,
                expandedPath: String? = nil, layout: LayoutSpec?, layoutType: String? = nil,
                rolling: RollingHints = RollingHints(), encoding: String? = nil, referenced: Bool = true) {
        self.configFile = configFile
        self.library = library
        self.target = target
        self.targetType = targetType
        self.path = path
        self.expandedPath = expandedPath ?? path
        self.layout = layout
        self.layoutType = layoutType
        self.rolling = rolling
        self.encoding = encoding
        self.referenced = referenced
    }

    /// The layout as the parse context carries it, when there is one.
    public var declaredLayout: DeclaredLayout? {
        layout.map { DeclaredLayout(spec: $0, configFile: configFile, target: target) }
    }
}

/// What a logging library says about the names of rolled (archived) files.
public struct RollingHints: Sendable, Hashable {
    /// log4net `rollingStyle` (`Once`, `Size`, `Date`, `Composite`; `Composite` by default).
    public var rollingStyle: String?
    /// log4net `datePattern` (a .NET date format appended to the name; `.yyyy-MM-dd` by default).
    public var datePattern: String?
    /// log4net `maxSizeRollBackups`: rolled files `.1` … `.N`.
    public var maxSizeRollBackups: Int?
    /// log4net `staticLogFileName` (`true` by default): the current file keeps the plain name.
    public var staticLogFileName: Bool?
    /// log4net `preserveLogFileNameExtension`: the roll suffix goes before the extension.
    public var preserveLogFileNameExtension: Bool?
    /// NLog `archiveFileName` as written (`{#}`/`{####}` place the archive number).
    public var archiveFileName: String?
    /// NLog `archiveFileName` with the configuration's variables substituted.
    public var archiveFileNameExpanded: String?
    /// NLog archiving is on (`archiveEvery`, `archiveAboveSize`, `maxArchiveFiles` …).
    public var archives: Bool = false
    /// Serilog `rollingInterval` (`Infinite`, `Year`, `Month`, `Day`, `Hour`, `Minute`).
    public var rollingInterval: String?
    /// Serilog `rollOnFileSizeLimit`: `_001`, `_002` … after the date.
    public var rollOnFileSizeLimit: Bool?
    /// Enterprise Library rolling listener `timeStampPattern`.
    public var timeStampPattern: String?

    public init() {}
}

/// What reading one configuration file gave: its logs and what could not be understood.
public struct LoggingConfigResult: Sendable {
    public var logs: [DeclaredLog] = []
    /// Problems in words (syntax with line and column, limits, unresolved references), at most a few.
    public var problems: [String] = []
    /// The logging sections found (`log4net`, `nlog`, `serilog`, `entlib`).
    public var sections: [String] = []

    public init() {}

    mutating func problem(_ text: String) {
        if problems.count < 20 { problems.append(text) }
    }
}
