import Foundation
import LogRecord

/// The Tier 1 checklist area a finding belongs to.
public enum Area: String, Codable, Sendable, CaseIterable {
    case power, compatibility, network, versions, install, database, service, storage, time
}

/// How bad a finding is. Sorts the most severe first (`critical < error < …`).
public enum FindingSeverity: String, Codable, Sendable, CaseIterable, Comparable {
    case critical, error, warning, information

    /// Lower rank is more severe.
    public var rank: Int {
        switch self {
        case .critical: 0
        case .error: 1
        case .warning: 2
        case .information: 3
        }
    }

    public static func < (lhs: FindingSeverity, rhs: FindingSeverity) -> Bool { lhs.rank < rhs.rank }
}

/// One triage rule: which records it matches, and the finding it makes of them.
///
/// JSON form (every key but `id`, `area`, `severity`, `title`, `nextStep`, `match` is optional):
/// ```json
/// {"id": "power-unexpected-shutdown", "area": "power", "severity": "critical",
///  "title": "…", "nextStep": "…",
///  "match": {"datasets": ["windows.evtx"], "eventIDs": [41], "providers": ["Microsoft-Windows-Kernel-Power"]},
///  "threshold": 1, "window": 3600, "evidenceLimit": 5, "groupBy": "amt.sql.state",
///  "distinctBy": "amt.install.run_id"}
/// ```
/// A rule fires (produces a finding) when at least `threshold` records match — all of the
/// collection when `window` is `nil`, else within some `window` seconds (judged in arrival
/// order). With `groupBy` a rule makes one finding per distinct value (see `groupBy`).
public struct Rule: Codable, Sendable, Equatable {
    /// Stable identifier; a rule of the same id in a later rule set replaces this one.
    public var id: String
    public var area: Area
    public var severity: FindingSeverity
    /// One line a technician understands, e.g. "Unexpected shutdown or power loss".
    public var title: String
    /// What the Tier 1 technician does next.
    public var nextStep: String
    public var match: Match
    /// Matching records needed before the rule fires; at least 1. Default 1.
    public var threshold: Int
    /// Seconds within which `threshold` matches must fall; `nil` (or 0 or less): anywhere in the collection.
    public var window: Int?
    /// Evidence records kept per finding (the first ones seen). Default 5, at most 50.
    public var evidenceLimit: Int
    /// Splits the rule into one finding per value: `"template"` (the message's template, see
    /// `MessageTemplate`), an `amt.*` path such as `"amt.sql.state"`, or an ECS web field name
    /// such as `"url.path"` (records without the value share one group). At most `Rule.groupLimit` groups per rule; later values go to group `"other"`.
    public var groupBy: String?
    /// Counts records that share a value of this `amt.*` path once (the first one seen): records
    /// that state the same thing from different files, such as the summary records of one install
    /// run (`amt.install.run_id`). Records without the value all count. At most
    /// `Rule.distinctLimit` values are remembered per rule; past that, records count again.
    public var distinctBy: String?

    /// Distinct `groupBy` values kept per rule before the rest are counted as `"other"`.
    public static let groupLimit = 100
    /// Distinct `distinctBy` values remembered per rule.
    public static let distinctLimit = 10_000

    public init(id: String, area: Area, severity: FindingSeverity, title: String, nextStep: String, match: Match,
                threshold: Int = 1, window: Int? = nil, evidenceLimit: Int = 5, groupBy: String? = nil,
                distinctBy: String? = nil) {
        self.id = id
        self.area = area
        self.severity = severity
        self.title = title
        self.nextStep = nextStep
        self.match = match
        self.threshold = max(1, threshold)
        self.window = window.flatMap { $0 > 0 ? $0 : nil }
        self.evidenceLimit = min(50, max(0, evidenceLimit))
        self.groupBy = groupBy
        self.distinctBy = distinctBy
    }

    enum CodingKeys: String, CodingKey {
        case id, area, severity, title, nextStep, match, threshold, window, evidenceLimit, groupBy, distinctBy
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id),
            area: try c.decode(Area.self, forKey: .area),
            severity: try c.decode(FindingSeverity.self, forKey: .severity),
            title: try c.decode(String.self, forKey: .title),
            nextStep: try c.decode(String.self, forKey: .nextStep),
            match: try c.decode(Match.self, forKey: .match),
            threshold: try c.decodeIfPresent(Int.self, forKey: .threshold) ?? 1,
            window: try c.decodeIfPresent(Int.self, forKey: .window),
            evidenceLimit: try c.decodeIfPresent(Int.self, forKey: .evidenceLimit) ?? 5,
            groupBy: try c.decodeIfPresent(String.self, forKey: .groupBy),
            distinctBy: try c.decodeIfPresent(String.self, forKey: .distinctBy))
    }
}

/// Which records a rule matches. Every condition that is present must hold (AND); a list
/// condition holds when any of its entries does (OR). An empty `Match` matches every record.
///
/// - `datasets`: `event.dataset`, case-insensitive.
/// - `eventIDs`: `winlog.event_id` (event log records only).
/// - `codes`: `event.code`, case-insensitive.
/// - `providers`: `event.provider` (else `winlog.provider_name`), case-insensitive: `"X"` equal,
///   `"X*"` starts with X, `"*X*"` contains X.
/// - `levels`: `log.level` names.
/// - `messagePattern`: see `MessagePattern` (case-insensitive substrings, `&` all, `|` any, `!` none).
/// - `outcome`: `event.outcome`.
/// - `extra`: `amt.*` path (with or without the `amt.` prefix), or an ECS web field name
///   (`HTTPFields.names`: `url.path`, `http.response.status_code`, …) → value, compared as text,
///   case-insensitive; `"a|b"` any of, `"!a|b"` present and none of; a value ending in `*` is a
///   prefix (`"webbrix*"`; `"*"` alone: any value). A record without the value never matches.
public struct Match: Codable, Sendable, Equatable {
    public var datasets: [String]?
    public var eventIDs: [Int]?
    public var codes: [String]?
    public var providers: [String]?
    public var levels: [String]?
    public var messagePattern: String?
    public var outcome: String?
    public var extra: [String: String]?

    public init(datasets: [String]? = nil, eventIDs: [Int]? = nil, codes: [String]? = nil, providers: [String]? = nil,
                levels: [String]? = nil, messagePattern: String? = nil, outcome: String? = nil,
                extra: [String: String]? = nil) {
        self.datasets = datasets
        self.eventIDs = eventIDs
        self.codes = codes
        self.providers = providers
        self.levels = levels
        self.messagePattern = messagePattern
        self.outcome = outcome
        self.extra = extra
    }
}

/// The message pattern language: case-insensitive substring tests, no regular expressions.
///
/// A pattern is clauses joined by `&` (all must hold). A clause is terms joined by `|` (any may
/// hold: the message contains that text). A clause starting with `!` holds when the message
/// contains none of its terms. `\&`, `\|`, `\!` and `\\` stand for the literal characters; spaces
/// are part of terms. Examples: `"login failed"`, `"did not respond|timed out"`,
/// `"returned actual error code&!translated to success"`. Empty terms are ignored.
public struct MessagePattern: Sendable, Equatable {
    struct Clause: Sendable, Equatable {
        var negated: Bool
        /// Lower-cased terms.
        var terms: [String]
    }

    var clauses: [Clause]

    public init(_ text: String) {
        var clauses: [Clause] = []
        var terms: [String] = []
        var term = ""
        var negated = false
        var atClauseStart = true
        var escaped = false
        func endTerm() {
            if !term.isEmpty { terms.append(term.lowercased()) }
            term = ""
        }
        func endClause() {
            endTerm()
            if !terms.isEmpty { clauses.append(Clause(negated: negated, terms: terms)) }
            terms = []
            negated = false
            atClauseStart = true
        }
        for ch in text {
            if escaped {
                term.append(ch)
                escaped = false
                atClauseStart = false
                continue
            }
            switch ch {
            case "\\": escaped = true
            case "&": endClause()
            case "|": endTerm(); atClauseStart = false
            case "!" where atClauseStart: negated = true; atClauseStart = false
            default:
                if atClauseStart && ch == " " { continue }
                term.append(ch)
                atClauseStart = false
            }
        }
        endClause()
        self.clauses = clauses
    }

    /// Whether `lowercasedMessage` (already lower-cased) satisfies the pattern.
    public func matches(lowercasedMessage m: String) -> Bool {
        for clause in clauses {
            let any = clause.terms.contains { m.contains($0) }
            if any == clause.negated { return false }
        }
        return true
    }

    /// Whether `message` satisfies the pattern.
    public func matches(_ message: String) -> Bool { matches(lowercasedMessage: message.lowercased()) }
}

/// A `Match` prepared for fast evaluation.
///
/// A class, not a struct: a rule is checked against every record, and a struct read out of the
/// engine's array for the call was copied each time (retaining each of its sets and strings).
final class CompiledMatch: Sendable {
    let datasets: Set<String>?
    let eventIDs: Set<Int>?
    let codes: Set<String>?
    let providers: [(kind: Int, text: String)]?  // 0 equal, 1 prefix, 2 contains
    /// The `levels` condition as one bit per severity (bit `rank`): a level name that is not in
    /// the vocabulary can never match. Hashing the level's name into a set cost more per record.
    let levels: UInt8?
    let pattern: MessagePattern?
    let outcome: String?
    let extra: [(path: String, negated: Bool, values: Set<String>, prefixes: [String])]

    init(_ m: Match) {
        datasets = m.datasets.map { Set($0.map { $0.lowercased() }) }
        eventIDs = m.eventIDs.map(Set.init)
        codes = m.codes.map { Set($0.map { $0.lowercased() }) }
        providers = m.providers.map { list in
            list.map { p -> (kind: Int, text: String) in
                let l = p.lowercased()
                if l.hasPrefix("*") && l.hasSuffix("*") && l.count >= 2 { return (2, String(l.dropFirst().dropLast())) }
                if l.hasSuffix("*") { return (1, String(l.dropLast())) }
                return (0, l)
            }
        }
        levels = m.levels.map { names in
            names.reduce(UInt8(0)) { bits, name in
                Severity(rawValue: name.lowercased()).map { bits | 1 << UInt8($0.rank) } ?? bits
            }
        }
        pattern = m.messagePattern.map(MessagePattern.init)
        outcome = m.outcome?.lowercased()
        extra = (m.extra ?? [:]).sorted { $0.key < $1.key }.map { key, value in
            // ECS web fields by their own names (`url.path`, `http.response.status_code`).
            let path = HTTPFields.names.contains(key) ? key : key.hasPrefix("amt.") ? String(key.dropFirst(4)) : key
            var v = Substring(value)
            let negated = v.hasPrefix("!")
            if negated { v = v.dropFirst() }
            let all = v.split(separator: "|").map { $0.lowercased() }
            return (path, negated, Set(all.filter { !$0.hasSuffix("*") }),
                    all.filter { $0.hasSuffix("*") }.map { String($0.dropLast()) })
        }
    }

    /// Per-record values computed once and shared by all rules.
    struct Scratch {
        var dataset: String
        var lowered: String?
        var provider: String??

        /// For a record whose dataset is `lowered`, already lower-cased.
        init(dataset lowered: String) { dataset = lowered }
    }

    /// Whether the `datasets` condition holds for a (lower-cased) dataset.
    func datasetMatches(_ lowercasedDataset: String) -> Bool {
        datasets?.contains(lowercasedDataset) ?? true
    }

    /// Whether `record` matches, the `datasets` condition aside (see `datasetMatches`);
    /// `scratch` caches lower-cased fields across rules.
    func matchesBesidesDataset(_ r: Record, scratch: inout Scratch) -> Bool {
        if let eventIDs {
            guard let id = r.winlog?.eventID, eventIDs.contains(id) else { return false }
        }
        if let codes {
            guard let code = r.code, codes.contains(code.lowercased()) else { return false }
        }
        if let levels {
            guard let level = r.level, levels >> UInt8(level.rank) & 1 == 1 else { return false }
        }
        if let outcome {
            guard let o = r.outcome, o.rawValue == outcome else { return false }
        }
        if let providers {
            if scratch.provider == nil { scratch.provider = .some((r.provider ?? r.winlog?.providerName)?.lowercased()) }
            guard let p = scratch.provider ?? nil else { return false }
            let ok = providers.contains { kind, text in
                switch kind {
                case 0: p == text
                case 1: p.hasPrefix(text)
                default: p.contains(text)
                }
            }
            if !ok { return false }
        }
        for (path, negated, values, prefixes) in extra {
            guard let value = r.value(at: path).flatMap(CompiledMatch.text)?.lowercased() else { return false }
            let hit = values.contains(value) || prefixes.contains { value.hasPrefix($0) }
            if hit == negated { return false }
        }
        if let pattern {
            if scratch.lowered == nil { scratch.lowered = r.message.lowercased() }
            if !pattern.matches(lowercasedMessage: scratch.lowered!) { return false }
        }
        return true
    }

    /// A scalar extra as text (`nil` for objects and arrays).
    static func text(_ v: JSONValue) -> String? {
        switch v {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): b ? "true" : "false"
        case .null, .array, .object: nil
        }
    }
}

/// A list of rules: the built-in set, rules loaded from a file, or both merged.
public struct RuleSet: Codable, Sendable, Equatable {
    public var rules: [Rule]

    public init(rules: [Rule]) { self.rules = rules }

    /// The rules that ship with amt-collect (`BuiltinRules.json`, parsed at run time).
    public static func builtin() -> RuleSet {
        do {
            return try decode(Data(BuiltinRules.json.utf8), source: "built-in rules")
        } catch {
            // The embedded text is checked by the tests; a broken build must not pass silently.
            preconditionFailure("\(error)")
        }
    }

    /// Reads a rule set from a JSON file: `{"rules": [ … ]}`.
    /// - Throws: `RuleSetError` naming the file and what is wrong (JSON syntax, a missing key, an
    ///   unknown area or severity, with the path to the offending value).
    public static func load(from path: String) throws -> RuleSet {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RuleSetError(path: path, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try decode(data, source: path)
    }

    /// Decodes `{"rules": [...]}`; `source` names the text in errors.
    public static func decode(_ data: Data, source: String) throws -> RuleSet {
        let set: RuleSet
        do {
            set = try JSONDecoder().decode(RuleSet.self, from: data)
        } catch let error as DecodingError {
            throw RuleSetError(path: source, message: RuleSetError.describe(error))
        } catch {
            throw RuleSetError(path: source, message: "\(error)")
        }
        var seen = Set<String>()
        for (i, rule) in set.rules.enumerated() {
            if rule.id.isEmpty { throw RuleSetError(path: source, message: "rules[\(i)]: empty id") }
            if !seen.insert(rule.id).inserted {
                throw RuleSetError(path: source, message: "rules[\(i)]: duplicate id '\(rule.id)'")
            }
        }
        return set
    }

    /// This set with `other`'s rules added; a rule in `other` with an id already here replaces it
    /// in place, new ids are appended in `other`'s order.
    public func merging(_ other: RuleSet) -> RuleSet {
        var rules = self.rules
        for rule in other.rules {
            if let i = rules.firstIndex(where: { $0.id == rule.id }) { rules[i] = rule } else { rules.append(rule) }
        }
        return RuleSet(rules: rules)
    }
}

/// A rule file that could not be used.
public struct RuleSetError: Error, CustomStringConvertible, Sendable {
    /// The file (or `built-in rules`).
    public var path: String
    public var message: String

    public var description: String { "\(path): \(message)" }

    static func describe(_ error: DecodingError) -> String {
        func where_(_ path: [any CodingKey]) -> String {
            if path.isEmpty { return "at the top level" }
            return "at " + path.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
        }
        switch error {
        case .dataCorrupted(let c):
            let underlying = (c.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return "not valid JSON \(where_(c.codingPath)): \(underlying ?? c.debugDescription)"
        case .keyNotFound(let key, let c):
            return "missing key '\(key.stringValue)' \(where_(c.codingPath))"
        case .typeMismatch(let type, let c):
            return "wrong type \(where_(c.codingPath)): expected \(type) (\(c.debugDescription))"
        case .valueNotFound(let type, let c):
            return "missing value \(where_(c.codingPath)): expected \(type)"
        @unknown default:
            return "\(error)"
        }
    }
}
