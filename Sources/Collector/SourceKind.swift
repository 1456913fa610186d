/// What a catalog entry's files are, and so how they are read: detected by content, copied as
/// configuration, or parsed as a named dataset. Written in catalogs (and `--dry-run --json`) as
/// its `rawValue`: `auto`, `config`, or the dataset id (`amt.error`, `windows.evtx`, …).
public enum SourceKind: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// Detect the format by content.
    case auto
    /// A configuration file: evidence to read, copied (redacted), not parsed into records.
    case config
    /// Parse as this `event.dataset`.
    case dataset(String)

    /// The datasets a catalog entry may name.
    public static let datasets: Set<String> = [
        "amt.error", "msi", "sql.errorlog", "sql.setup", "setupapi", "installshield", "dpinst",
        "windows.evtx", "windows.event_xml", "windows.event_csv", "text",
        "iis.w3c", "iis.httperr",
        "windows.wer", "sql.agent",
        "windows.cbs", "windows.dism", "windows.update",
    ]

    /// Every value a catalog's `kind` may have.
    public static var known: Set<String> { datasets.union(["auto", "config"]) }

    public init(rawValue: String) {
        switch rawValue {
        case "auto": self = .auto
        case "config": self = .config
        default: self = .dataset(rawValue)
        }
    }

    public init(stringLiteral value: String) {
        self.init(rawValue: value)
    }

    public var rawValue: String {
        switch self {
        case .auto: "auto"
        case .config: "config"
        case .dataset(let id): id
        }
    }

    /// The dataset named, `nil` for `auto` and `config`.
    public var dataset: String? {
        if case .dataset(let id) = self { return id }
        return nil
    }

    /// Whether a catalog may name it (`auto`, `config` or one of `datasets`).
    public var isKnown: Bool {
        if case .dataset(let id) = self { return Self.datasets.contains(id) }
        return true
    }

    public var description: String { rawValue }
}
