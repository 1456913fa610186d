#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LogRecord

/// `manifest.json`: what a bundle holds and how it was made (DESIGN.md, "Bundle").
///
/// JSON keys are snake_case; optional fields that are `nil` are left out. Every entry of the
/// archive other than `manifest.json` is listed in `files` with its size and SHA-256.
public struct Manifest: Codable, Sendable, Equatable {
    /// The schema this version writes and understands.
    public static let currentSchema = "amt-collect/manifest/1"
    /// The entry name of the manifest inside the bundle's top folder.
    public static let entryName = "manifest.json"

    public var schema: String
    public var tool: Tool
    /// When the collection ran: UTC, ISO 8601 with `Z`.
    public var created: String
    public var commandLine: [String]
    public var `case`: Case
    public var host: Host
    public var collection: Collection
    public var files: [File]
    public var findings: [Finding]
    /// Sources the catalog matched that were not collected.
    public var skipped: [Skipped]
    /// Set when the bundle was split into email-sized parts.
    public var part: Part?

    public init(
        schema: String = Manifest.currentSchema,
        tool: Tool,
        created: String,
        commandLine: [String],
        case: Case,
        host: Host,
        collection: Collection,
        files: [File] = [],
        findings: [Finding] = [],
        skipped: [Skipped] = [],
        part: Part? = nil
    ) {
        self.schema = schema
        self.tool = tool
        self.created = created
        self.commandLine = commandLine
        self.case = `case`
        self.host = host
        self.collection = collection
        self.files = files
        self.findings = findings
        self.skipped = skipped
        self.part = part
    }

    enum CodingKeys: String, CodingKey {
        case schema, tool, created, `case`, host, collection, files, findings, skipped, part
        case commandLine = "command_line"
    }

    public struct Tool: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public init(name: String, version: String) {
            self.name = name
            self.version = version
        }
    }

    public struct Case: Codable, Sendable, Equatable {
        public var id: String
        public var site: String
        /// `manufacturer`, `reseller` or `solutions`, when given.
        public var partner: String?
        public var contact: String?
        public var description: String?
        public var checklist: Checklist

        public init(
            id: String, site: String, partner: String? = nil, contact: String? = nil,
            description: String? = nil, checklist: Checklist = Checklist()
        ) {
            self.id = id
            self.site = site
            self.partner = partner
            self.contact = contact
            self.description = description
            self.checklist = checklist
        }
    }

    /// The Tier 1 checklist the technician answered.
    public struct Checklist: Codable, Sendable, Equatable {
        public var items: [ChecklistItem]
        public var stepsToReproduce: String?

        public init(items: [ChecklistItem] = [], stepsToReproduce: String? = nil) {
            self.items = items
            self.stepsToReproduce = stepsToReproduce
        }

        enum CodingKeys: String, CodingKey {
            case items
            case stepsToReproduce = "steps_to_reproduce"
        }
    }

    public struct ChecklistItem: Codable, Sendable, Equatable {
        public enum Answer: String, Codable, Sendable, CaseIterable {
            case yes, no
            case notApplicable = "n/a"
            case unanswered
        }

        public var name: String
        public var answer: Answer
        public var note: String?

        public init(name: String, answer: Answer = .unanswered, note: String? = nil) {
            self.name = name
            self.answer = answer
            self.note = note
        }
    }

    public struct Host: Codable, Sendable, Equatable {
        public var name: String
        public var os: String
        public var osVersion: String?
        /// IANA or Windows zone name, or a fixed offset (`UTC-05:00`) when only the offset is known.
        public var timeZone: String?
        public var utcOffsetMinutes: Int?
        /// How the zone local log times were converted with was decided (absent in bundles made
        /// before it was recorded).
        public var timeZoneSource: TimeZoneSource?

        public init(
            name: String, os: String, osVersion: String? = nil, timeZone: String? = nil,
            utcOffsetMinutes: Int? = nil, timeZoneSource: TimeZoneSource? = nil
        ) {
            self.name = name
            self.os = os
            self.osVersion = osVersion
            self.timeZone = timeZone
            self.utcOffsetMinutes = utcOffsetMinutes
            self.timeZoneSource = timeZoneSource
        }

        enum CodingKeys: String, CodingKey {
            case name, os
            case osVersion = "os_version"
            case timeZone = "time_zone"
            case utcOffsetMinutes = "utc_offset_minutes"
            case timeZoneSource = "time_zone_source"
        }
    }

    /// `host.time_zone_source`: the rule that gave the zone (`eventlog.6013`,
    /// `sql.errorlog.utc_adjustment`, `msi.event_pair`, `host.facts`; `option` for `--tz`,
    /// `live system`, or `assumed` when nothing did), the evidence file (relative to the root),
    /// what it said, and evidence that disagreed.
    public struct TimeZoneSource: Codable, Sendable, Equatable {
        public var rule: String
        public var file: String?
        public var detail: String
        public var conflicts: [String]?

        public init(rule: String, file: String? = nil, detail: String, conflicts: [String]? = nil) {
            self.rule = rule
            self.file = file
            self.detail = detail
            self.conflicts = conflicts
        }
    }

    public struct Collection: Codable, Sendable, Equatable {
        public var root: String
        /// Start of the time window (ISO 8601 UTC), when one was set.
        public var since: String?
        public var until: String?
        public var durationMs: Int64
        public var redaction: Redaction

        public init(
            root: String, since: String? = nil, until: String? = nil, durationMs: Int64,
            redaction: Redaction
        ) {
            self.root = root
            self.since = since
            self.until = until
            self.durationMs = durationMs
            self.redaction = redaction
        }

        enum CodingKeys: String, CodingKey {
            case root, since, until, redaction
            case durationMs = "duration_ms"
        }
    }

    public struct Redaction: Codable, Sendable, Equatable {
        /// `secrets`, `pii` or `none`.
        public var mode: String
        /// Replacements made, per rule name (in sources, and under `pii` also in summary lines,
        /// system facts and paths). Never the values.
        public var counts: [String: Int]

        public init(mode: String, counts: [String: Int] = [:]) {
            self.mode = mode
            self.counts = counts
        }
    }

    /// One entry of the archive (or one file that was meant to be, with status `skipped`).
    public struct File: Codable, Sendable, Equatable {
        public enum Role: String, Codable, Sendable, CaseIterable {
            case raw, records, summary, report, system
        }

        public enum Status: String, Codable, Sendable, CaseIterable {
            case ok, partial, skipped
        }

        public struct Truncation: Codable, Sendable, Equatable {
            public var droppedBytes: Int64
            /// How the cap was applied, e.g. `head 8 MiB + tail 8 MiB`.
            public var how: String

            public init(droppedBytes: Int64, how: String) {
                self.droppedBytes = droppedBytes
                self.how = how
            }

            enum CodingKeys: String, CodingKey {
                case how
                case droppedBytes = "dropped_bytes"
            }
        }

        /// Path inside the bundle's top folder, `/`-separated (e.g. `raw/Windows/DPINST.LOG`).
        public var path: String
        /// Source path relative to the collection root; `nil` for generated files.
        public var source: String?
        /// `event.dataset` of the source, or `generated` / `raw`.
        public var kind: String
        public var role: Role
        /// Bytes of the entry in the archive (uncompressed).
        public var bytes: Int64
        /// SHA-256 of those bytes, lower-case hex.
        public var sha256: String
        public var records: Int?
        public var parseErrors: Int?
        public var truncated: Truncation?
        public var status: Status
        /// Why the status is not `ok`.
        public var reason: String?
        /// Format-specific counts (`chunks_skipped`, `records_carved`, …).
        public var counters: [String: Int]
        public var problems: [String]
        /// Values redacted in this source, per rule (never the values); `nil` when redaction is
        /// off. Counted once per source: on its raw copy, else on its records.
        public var redactions: [String: Int]?
        /// The reading limits this source's records ran into; `nil` (left out) when none was hit.
        public var limitsHit: LimitsHit?
        /// The text encoding the source was read with and how it was decided (text sources' raw
        /// entries only).
        public var encoding: EncodingUse?
        /// The layout a .NET log was parsed with and where it came from (raw entries only).
        public var layout: LayoutUse?

        /// What the line and entry limits did to a source's records (the raw copy is not cut by
        /// them). Each count is left out when zero, each limit when not reached.
        public struct LimitsHit: Codable, Sendable, Equatable {
            /// Lines longer than the line limit: their records keep the first `lineLimitBytes`.
            public var linesCut: Int?
            public var lineLimitBytes: Int?
            /// Continuation lines (stack frames, wrapped text) that came after their entry had
            /// reached the entry limit: each was recorded on its own, not joined to the entry.
            public var entryLinesSplit: Int?
            /// Lines left out of entries past the entry limit (AMTError logs).
            public var entryLinesDropped: Int?
            /// The entry limit reached: lines, and bytes where the format bounds them.
            public var entryLimitLines: Int?
            public var entryLimitBytes: Int?
            /// Bytes of text the limits left out of the records.
            public var bytesDropped: Int64?

            public init(linesCut: Int? = nil, lineLimitBytes: Int? = nil, entryLinesSplit: Int? = nil,
                        entryLinesDropped: Int? = nil, entryLimitLines: Int? = nil, entryLimitBytes: Int? = nil,
                        bytesDropped: Int64? = nil) {
                self.linesCut = linesCut
                self.lineLimitBytes = lineLimitBytes
                self.entryLinesSplit = entryLinesSplit
                self.entryLinesDropped = entryLinesDropped
                self.entryLimitLines = entryLimitLines
                self.entryLimitBytes = entryLimitBytes
                self.bytesDropped = bytesDropped
            }

            enum CodingKeys: String, CodingKey {
                case linesCut = "lines_cut"
                case lineLimitBytes = "line_limit_bytes"
                case entryLinesSplit = "entry_lines_split"
                case entryLinesDropped = "entry_lines_dropped"
                case entryLimitLines = "entry_limit_lines"
                case entryLimitBytes = "entry_limit_bytes"
                case bytesDropped = "bytes_dropped"
            }
        }

        public init(
            path: String, source: String? = nil, kind: String, role: Role, bytes: Int64,
            sha256: String, records: Int? = nil, parseErrors: Int? = nil,
            truncated: Truncation? = nil, status: Status = .ok, reason: String? = nil,
            counters: [String: Int] = [:], problems: [String] = []
        ) {
            self.path = path
            self.source = source
            self.kind = kind
            self.role = role
            self.bytes = bytes
            self.sha256 = sha256
            self.records = records
            self.parseErrors = parseErrors
            self.truncated = truncated
            self.status = status
            self.reason = reason
            self.counters = counters
            self.problems = problems
        }

        /// A file entry for something `BundleWriter` added: path, bytes and hash taken from `entry`.
        /// A source that shrank or failed while read is marked `partial` with the reason.
        public init(
            _ entry: AddedEntry, source: String? = nil, kind: String, role: Role,
            records: Int? = nil, parseErrors: Int? = nil, truncated: Truncation? = nil,
            counters: [String: Int] = [:], problems: [String] = []
        ) {
            self.init(
                path: entry.path, source: source, kind: kind, role: role, bytes: entry.bytes,
                sha256: entry.sha256, records: records, parseErrors: parseErrors,
                truncated: truncated, status: entry.shortfall == nil ? .ok : .partial,
                reason: entry.shortfall, counters: counters, problems: problems)
        }

        enum CodingKeys: String, CodingKey {
            case path, source, kind, role, bytes, sha256, records, truncated, status, reason
            case counters, problems, redactions, encoding, layout
            case parseErrors = "parse_errors"
            case limitsHit = "limits_hit"
        }
    }

    public struct Finding: Codable, Sendable, Equatable {
        public var area: String
        public var severity: String
        public var title: String
        public var count: Int
        public var firstSeen: String?
        public var lastSeen: String?
        public var evidence: [String]
        public var nextStep: String?

        public init(
            area: String, severity: String, title: String, count: Int, firstSeen: String? = nil,
            lastSeen: String? = nil, evidence: [String] = [], nextStep: String? = nil
        ) {
            self.area = area
            self.severity = severity
            self.title = title
            self.count = count
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
            self.evidence = evidence
            self.nextStep = nextStep
        }

        enum CodingKeys: String, CodingKey {
            case area, severity, title, count, evidence
            case firstSeen = "first_seen"
            case lastSeen = "last_seen"
            case nextStep = "next_step"
        }
    }

    public struct Skipped: Codable, Sendable, Equatable {
        public var source: String
        public var reason: String
        public init(source: String, reason: String) {
            self.source = source
            self.reason = reason
        }
    }

    public struct Part: Codable, Sendable, Equatable {
        /// 1-based.
        public var index: Int
        public var count: Int
        /// Shared by all parts of one bundle.
        public var bundleID: String
        /// Where every file of the bundle is: the part holding it whole, or its segments. The same
        /// in every part; files with status `skipped` are not placed.
        public var placement: [Placement]

        public init(index: Int, count: Int, bundleID: String, placement: [Placement] = []) {
            self.index = index
            self.count = count
            self.bundleID = bundleID
            self.placement = placement
        }

        enum CodingKeys: String, CodingKey {
            case index, count, placement
            case bundleID = "bundle_id"
        }
    }

    /// Where one file of a split bundle is stored.
    public struct Placement: Codable, Sendable, Equatable {
        /// The file's path in `files[]`.
        public var path: String
        /// The part (1-based) that holds the whole file under `path`; `nil` when it is segmented.
        public var part: Int?
        /// The file's segments in order, when it is too large for one part.
        public var segments: [Segment]?

        public init(path: String, part: Int? = nil, segments: [Segment]? = nil) {
            self.path = path
            self.part = part
            self.segments = segments
        }
    }

    /// A byte range of a segmented file, stored as its own entry in one part.
    public struct Segment: Codable, Sendable, Equatable {
        /// The entry's path inside the part's top folder (`<file path>.seg001`).
        public var path: String
        public var part: Int
        /// Offset of the segment in the whole file.
        public var offset: Int64
        public var bytes: Int64
        /// SHA-256 of the segment's bytes; the whole file's hash is in `files[]`.
        public var sha256: String

        public init(path: String, part: Int, offset: Int64, bytes: Int64, sha256: String) {
            self.path = path
            self.part = part
            self.offset = offset
            self.bytes = bytes
            self.sha256 = sha256
        }
    }
}

extension Manifest {
    /// The manifest as written to the bundle: pretty-printed, sorted keys, slashes unescaped,
    /// ending with a newline.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var bytes = [UInt8](try encoder.encode(self))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// Decodes `manifest.json` bytes.
    public static func decode(_ bytes: [UInt8]) throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(bytes))
    }

    /// `created` for a timestamp: ISO 8601 UTC, whole seconds (`2026-11-27T06:30:00Z`).
    public static func createdString(_ time: Timestamp) -> String {
        let c = time.civil
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))Z"
    }
}
