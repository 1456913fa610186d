/// The normalized record every parser produces: one log entry or event, named with Elastic Common
/// Schema (ECS) fields so that a search engine can load it as it is.
///
/// The JSON shape is fixed by `JSONLinesWriter` (nested objects: `log.level` is written as
/// `{"log":{"level":…}}`). Optional fields that are `nil` are left out of the JSON.
public struct Record: Sendable, Equatable {
    /// `@timestamp`: the instant in UTC. `nil` only when the source has no time at all.
    public var timestamp: Timestamp?
    /// `message`: the entry's full text; continuation lines joined with `\n`.
    public var message: String
    /// `log.level`.
    public var level: Severity?
    /// `log.file.path`: source path relative to the collection root, `/`-separated, original case.
    public var filePath: String?
    /// `log.file.line`: 1-based line where the entry starts (text formats).
    public var line: Int?
    /// `event.dataset`: the format id (see `Dataset`).
    public var dataset: String
    /// `event.code`: event id or error number, as a string.
    public var code: String?
    /// `event.outcome`: set on records that state an install or setup result.
    public var outcome: Outcome?
    /// `event.provider`: EVTX provider, logger name, SQL source (`spid51`, `Server`, `Logon`).
    public var provider: String?
    /// `host.name`.
    public var hostName: String?
    /// `process.pid`.
    public var processID: Int?
    /// `process.thread.id`.
    public var threadID: Int?
    /// `process.name`: the program's file name (`w3wp.exe`), where the source names it.
    public var processName: String?
    /// `process.executable`: the program's full path, where the source states it.
    public var processExecutable: String?
    /// `error.type`: exception type for .NET-style entries; the symbolic name of an error code
    /// where the log gives one (`CBS_E_SOURCE_MISSING`).
    public var errorType: String?
    /// `error.stack_trace`.
    public var stackTrace: String?
    /// `error.code`: the error or exception code the entry reports (`0xc0000005`; an HRESULT as
    /// `0x` + eight lower-case hex digits), where it is not the entry's own id (`event.code`).
    public var errorCode: String?
    /// `amt.time_source`: how `timestamp` was obtained.
    public var timeSource: TimeSource?
    /// `winlog.*`: present on event log records. Kept out of line (copy-on-write box) so that
    /// records of text logs stay small to copy.
    public var winlog: Winlog? {
        get { winlogBox?.value }
        set {
            guard let newValue else { winlogBox = nil; return }
            if winlogBox != nil, isKnownUniquelyReferenced(&winlogBox!) {
                winlogBox!.value = newValue
            } else {
                winlogBox = WinlogBox(newValue)
            }
        }
    }
    @usableFromInline var winlogBox: WinlogBox?
    /// `amt.*` format-specific extras, as an ordered object below `amt` (e.g. key `msi` holding
    /// `{"product": …}`). Use `setExtra(_:_:)` to set a dotted path.
    public var extras: [(String, JSONValue)]
    /// `http.*`, `url.*`, `source.*`, `destination.*`, `user_agent.original`, `user.name` and
    /// `event.duration`: present on web server records (IIS W3C, HTTPERR). Kept out of line as
    /// `winlog` is.
    public var http: HTTPFields? {
        get { httpBox?.value }
        set {
            guard let newValue else { httpBox = nil; return }
            if httpBox != nil, isKnownUniquelyReferenced(&httpBox!) {
                httpBox!.value = newValue
            } else {
                httpBox = HTTPFieldsBox(newValue)
            }
        }
    }
    @usableFromInline var httpBox: HTTPFieldsBox? = nil

    /// Sets `amt.<path>` where `path` is dot-separated (`"msi.product"`), creating or extending
    /// nested objects and keeping insertion order. An existing value at the same path is replaced.
    /// Empty path components (`"a..b"`, a leading or trailing dot) are ignored.
    public mutating func setExtra(_ path: String, _ value: JSONValue) {
        let p = Record.trimDots(Substring(path))
        guard !p.isEmpty else { return }
        Record.set(&extras, p, value)
    }

    /// The value at `amt.<path>`, or `nil`.
    public func extra(_ path: String) -> JSONValue? {
        // One component (the common case): no path parsing.
        if !path.isEmpty, !path.utf8.contains(UInt8(ascii: ".")) {
            return extras.last(where: { $0.0 == path })?.1
        }
        var p = Record.trimDots(Substring(path))
        guard !p.isEmpty else { return nil }
        var current = extras
        while true {
            let (head, rest) = Record.splitHead(p)
            guard let value = current.last(where: { $0.0 == head })?.1 else { return nil }
            if rest.isEmpty { return value }
            guard case .object(let inner) = value else { return nil }
            current = inner
            p = rest
        }
    }

    /// `path` without leading dots.
    private static func trimDots(_ path: Substring) -> Substring {
        var p = path
        while p.utf8.first == UInt8(ascii: ".") { p = p.dropFirst() }
        return p
    }

    /// The first component of a dotted path (not empty) and the rest, leading dots removed.
    private static func splitHead(_ path: Substring) -> (Substring, Substring) {
        guard let dot = path.utf8.firstIndex(of: UInt8(ascii: ".")) else { return (path, path[path.endIndex...]) }
        return (path[..<dot], trimDots(path[path.index(after: dot)...]))
    }

    private static func set(_ object: inout [(String, JSONValue)], _ path: Substring, _ value: JSONValue) {
        let (head, rest) = splitHead(path)
        let index = object.firstIndex(where: { $0.0 == head })
        if rest.isEmpty {
            if let index { object[index].1 = value } else { object.append((String(head), value)) }
            return
        }
        var inner: [(String, JSONValue)] = []
        if let index, case .object(let existing) = object[index].1 {
            inner = existing
            object[index].1 = .null   // let `inner` be the only reference while it changes
        }
        set(&inner, rest, value)
        if let index { object[index].1 = .object(inner) } else { object.append((String(head), .object(inner))) }
    }

    public static func == (lhs: Record, rhs: Record) -> Bool {
        lhs.timestamp == rhs.timestamp && lhs.message == rhs.message && lhs.level == rhs.level
            && lhs.filePath == rhs.filePath && lhs.line == rhs.line && lhs.dataset == rhs.dataset
            && lhs.code == rhs.code && lhs.outcome == rhs.outcome && lhs.provider == rhs.provider
            && lhs.hostName == rhs.hostName && lhs.processID == rhs.processID
            && lhs.threadID == rhs.threadID && lhs.errorType == rhs.errorType
            && lhs.stackTrace == rhs.stackTrace && lhs.timeSource == rhs.timeSource
            && lhs.winlog == rhs.winlog && lhs.http == rhs.http
            && lhs.processName == rhs.processName && lhs.processExecutable == rhs.processExecutable
            && lhs.errorCode == rhs.errorCode
            && JSONValue.object(lhs.extras) == JSONValue.object(rhs.extras)
    }
}

extension Record {
    /// A record with the fields every parser sets; the others are `nil` (no extras).
    ///
    /// Declared here and not in the type so that the compiler still makes the memberwise
    /// initializer this one calls: built through assignments in an initializer's body, a record
    /// came out as a copy of the one being built (every string retained and released once more,
    /// at each record a parser made).
    public init(
        dataset: String,
        message: String,
        timestamp: Timestamp? = nil,
        level: Severity? = nil,
        filePath: String? = nil,
        line: Int? = nil
    ) {
        self.init(timestamp: timestamp, message: message, level: level, filePath: filePath, line: line,
                  dataset: dataset, code: nil, outcome: nil, provider: nil, hostName: nil, processID: nil,
                  threadID: nil, processName: nil, processExecutable: nil, errorType: nil, stackTrace: nil,
                  errorCode: nil, timeSource: nil, winlogBox: nil, extras: [], httpBox: nil)
    }
}

/// Where a parser hands its records, one at a time. The record is passed `inout` so that the
/// receiver can keep it without copying it (`Record.take()`): a copy retains every string of the
/// record and the parser's own value then releases them again, which measured as a large share of
/// the parse stage. After the call the parser must not read the record.
public typealias RecordSink = (inout Record) throws -> Void

extension Record {
    /// The record, leaving an empty one in its place: moves the fields without retaining them.
    @inlinable
    public mutating func take() -> Record {
        let taken = consume self
        self = Record(dataset: "", message: "")
        return taken
    }
}

/// Out-of-line storage for `Record.winlog`. Never mutated while shared (copy on write), so it
/// is safe to send.
@usableFromInline
final class WinlogBox: @unchecked Sendable {
    var value: Winlog
    init(_ value: Winlog) { self.value = value }
}

/// `event.dataset` values (DESIGN.md).
public enum Dataset {
    public static let amtError = "amt.error"
    public static let msi = "msi"
    public static let sqlErrorlog = "sql.errorlog"
    public static let sqlSetup = "sql.setup"
    public static let setupapi = "setupapi"
    public static let installshield = "installshield"
    public static let dpinst = "dpinst"
    public static let evtx = "windows.evtx"
    public static let eventXML = "windows.event_xml"
    public static let eventCSV = "windows.event_csv"
    public static let text = "text"
    public static let wer = "windows.wer"
    public static let sqlAgent = "sql.agent"
}

/// `log.level` vocabulary.
public enum Severity: String, Sendable, CaseIterable, Comparable, Codable {
    case critical, error, warning, information, verbose, debug

    /// Lower rank is more severe.
    public var rank: Int {
        switch self {
        case .critical: 0
        case .error: 1
        case .warning: 2
        case .information: 3
        case .verbose: 4
        case .debug: 5
        }
    }

    /// `critical < error < …`: sorts the most severe first.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// The level words of logging frameworks this vocabulary takes, lower-case, each with its
    /// level: the one list `init?(word:)` and the parsers' byte-level matchers are built from.
    public static let words: [(word: String, level: Severity)] = [
        ("fatal", .critical), ("ftl", .critical), ("crit", .critical), ("critical", .critical), ("crt", .critical),
        ("emergency", .critical), ("emerg", .critical), ("alert", .critical), ("panic", .critical),
        ("error", .error), ("err", .error), ("eror", .error), ("erro", .error), ("severe", .error), ("failure", .error),
        ("warn", .warning), ("warning", .warning), ("wrn", .warning), ("wrng", .warning),
        ("info", .information), ("inf", .information), ("information", .information), ("informational", .information),
        ("notice", .information), ("note", .information), ("success", .information),
        ("verbose", .verbose), ("vrb", .verbose), ("trace", .verbose), ("trc", .verbose), ("finest", .verbose),
        ("finer", .verbose),
        ("debug", .debug), ("dbg", .debug), ("dbug", .debug), ("fine", .debug),
    ]

    private static let byWord = Dictionary(uniqueKeysWithValues: words.map { ($0.word, $0.level) })

    /// Maps common level words of logging frameworks (`FATAL`, `ERR`, `WARN`, `INFO`, `Information`,
    /// `DBG`, `TRACE`, `VERBOSE`, `Critical` …), case-insensitively, to the vocabulary (`words`).
    /// Returns `nil` for words that are not level names.
    public init?(word: some StringProtocol) {
        guard let level = Severity.byWord[word.lowercased()] else { return nil }
        self = level
    }
}

/// `event.outcome`.
public enum Outcome: String, Sendable, Codable {
    case success, failure, unknown
}

/// `amt.time_source`: how a record's `@timestamp` was obtained.
public enum TimeSource: String, Sendable, Codable {
    /// The source writes UTC.
    case utc
    /// The source stated its UTC offset.
    case offset
    /// Local time converted with the site's time zone (`--tz` or the live system's).
    case local
    /// Local time converted with the zone learned from the site's own evidence (event log 6013,
    /// SQL Server ERRORLOG, install logs paired with their events), named in the manifest's
    /// `host.time_zone_source`.
    case site
    /// No zone known; the collector's own zone was used.
    case assumed
}

/// `winlog.*` fields, as Winlogbeat names them.
public struct Winlog: Sendable, Equatable {
    public var channel: String?
    public var recordID: UInt64?
    public var eventID: Int?
    public var qualifiers: Int?
    public var version: Int?
    public var providerName: String?
    public var providerGUID: String?
    public var computerName: String?
    /// The numeric `Level` as stored in the event.
    public var level: Int?
    public var task: Int?
    public var opcode: Int?
    /// `0x`-prefixed lower-case hex, as the reference parser renders it.
    public var keywords: String?
    public var activityID: String?
    public var userID: String?
    /// Flattened `EventData` (name → string), document order.
    public var eventData: [(String, String)]
    /// Flattened `UserData` (path → string), document order.
    public var userData: [(String, String)]

    public init() {
        eventData = []
        userData = []
    }

    public static func == (lhs: Winlog, rhs: Winlog) -> Bool {
        lhs.channel == rhs.channel && lhs.recordID == rhs.recordID && lhs.eventID == rhs.eventID
            && lhs.qualifiers == rhs.qualifiers && lhs.version == rhs.version
            && lhs.providerName == rhs.providerName && lhs.providerGUID == rhs.providerGUID
            && lhs.computerName == rhs.computerName && lhs.level == rhs.level
            && lhs.task == rhs.task && lhs.opcode == rhs.opcode && lhs.keywords == rhs.keywords
            && lhs.activityID == rhs.activityID && lhs.userID == rhs.userID
            && lhs.eventData.elementsEqual(rhs.eventData, by: { $0 == $1 })
            && lhs.userData.elementsEqual(rhs.userData, by: { $0 == $1 })
    }
}
