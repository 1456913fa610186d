import LogRecord

/// Counts of records by `log.level` (plus those without a level), kept while records stream by.
public struct LevelCounts: Sendable, Equatable, Codable {
    public var critical = 0
    public var error = 0
    public var warning = 0
    public var information = 0
    public var verbose = 0
    public var debug = 0
    /// Records without a level.
    public var unleveled = 0
    /// Earliest and latest `@timestamp` seen.
    public var first: Timestamp?
    public var last: Timestamp?

    public init() {}

    public var total: Int { critical + error + warning + information + verbose + debug + unleveled }

    public mutating func add(_ record: Record) {
        switch record.level {
        case .critical?: critical += 1
        case .error?: error += 1
        case .warning?: warning += 1
        case .information?: information += 1
        case .verbose?: verbose += 1
        case .debug?: debug += 1
        case nil: unleveled += 1
        }
        if let t = record.timestamp {
            if first.map({ t < $0 }) ?? true { first = t }
            if last.map({ t > $0 }) ?? true { last = t }
        }
    }

    public mutating func merge(_ other: LevelCounts) {
        critical += other.critical
        error += other.error
        warning += other.warning
        information += other.information
        verbose += other.verbose
        debug += other.debug
        unleveled += other.unleveled
        if let f = other.first, first.map({ f < $0 }) ?? true { first = f }
        if let l = other.last, last.map({ l > $0 }) ?? true { last = l }
    }

    public func count(_ level: Severity) -> Int {
        switch level {
        case .critical: critical
        case .error: error
        case .warning: warning
        case .information: information
        case .verbose: verbose
        case .debug: debug
        }
    }

    enum CodingKeys: String, CodingKey {
        case critical, error, warning, information, verbose, debug, unleveled
    }
}
