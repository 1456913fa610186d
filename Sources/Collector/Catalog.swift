import Foundation
import LogRecord
import SystemPackage

/// Where logs live: a list of entries, each naming files under the collection root by glob.
///
/// The built-in catalog is JSON text compiled into the binary (`BuiltinCatalog.swift`); a user
/// catalog file has the same shape (`{"entries": [ … ]}`) and is merged over it by `id`.
public struct Catalog: Codable, Sendable, Equatable {
    public var entries: [CatalogEntry]

    public init(entries: [CatalogEntry]) {
        self.entries = entries
    }

    /// The catalog compiled into the binary. Traps only if the embedded JSON is invalid, which
    /// the test suite rules out.
    public static func builtin() -> Catalog {
        do {
            return try decode(Array(builtinCatalogJSON.utf8), name: "built-in catalog")
        } catch {
            fatalError("the built-in catalog is invalid: \(error)")
        }
    }

    /// Reads a catalog file. Errors name the file and the problem (JSON syntax with the
    /// decoder's position, a missing or mistyped field with its path, an invalid entry).
    public static func load(from path: FilePath) throws(CollectorError) -> Catalog {
        var reader = try SourceReader(path: path, cap: 16 << 20)
        if let truncation = reader.truncation {
            throw CollectorError(code: .invalidCatalog, path: path.string,
                                 message: "catalog \(path.string) is too large (\(truncation.originalSize) bytes; at most 16 MiB)")
        }
        var bytes: [UInt8] = []
        while let chunk = try reader.nextChunk() { bytes += chunk.bytes }
        return try decode(bytes, name: path.string)
    }

    /// Decodes and validates catalog JSON; `name` is used in messages.
    static func decode(_ bytes: [UInt8], name: String) throws(CollectorError) -> Catalog {
        let catalog: Catalog
        do {
            catalog = try JSONDecoder().decode(Catalog.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw CollectorError(code: .invalidCatalog, path: name,
                                 message: "catalog \(name) is not valid", underlying: Catalog.describe(error, bytes))
        } catch {
            throw CollectorError(code: .invalidCatalog, path: name,
                                 message: "catalog \(name) is not valid", underlying: "\(error)")
        }
        try catalog.validate(name: name)
        return catalog
    }

    /// This catalog with `overrides` applied: an entry with the same `id` replaces the original
    /// in place; entries with new ids are appended in their order.
    public func merging(_ overrides: Catalog) -> Catalog {
        var result = entries
        for entry in overrides.entries {
            if let index = result.firstIndex(where: { $0.id == entry.id }) {
                result[index] = entry
            } else {
                result.append(entry)
            }
        }
        return Catalog(entries: result)
    }

    /// Checks ids, groups, kinds and every glob. Throws the first problem found.
    func validate(name: String) throws(CollectorError) {
        var seen: Set<String> = []
        for (index, entry) in entries.enumerated() {
            let label = "entry \(index + 1)" + (entry.id.isEmpty ? "" : " (\"\(entry.id)\")")
            func fail(_ problem: String) -> CollectorError {
                CollectorError(code: .invalidCatalog, path: name, message: "catalog \(name) is not valid",
                               underlying: "\(label): \(problem)")
            }
            if entry.id.isEmpty { throw fail("\"id\" is empty") }
            if entry.id == DiscoveredSource.includeEntryID { throw fail("\"id\" \"include\" is reserved for --include") }
            if !seen.insert(entry.id).inserted { throw fail("\"id\" is used twice") }
            if !CatalogEntry.groups.contains(entry.group) {
                throw fail("unknown \"group\" \"\(entry.group)\" (expected one of \(CatalogEntry.groups.sorted().joined(separator: ", ")))")
            }
            if !entry.kind.isKnown {
                throw fail("unknown \"kind\" \"\(entry.kind)\" (expected one of \(SourceKind.known.sorted().joined(separator: ", ")))")
            }
            if entry.patterns.isEmpty { throw fail("\"patterns\" is empty") }
            if let max = entry.maxBytes, max <= 0 { throw fail("\"max_bytes\" must be positive") }
            for pattern in entry.patterns + entry.exclude {
                do { _ = try Glob(pattern) } catch { throw fail(error.description) }
            }
        }
    }

    /// The JSON syntax error in `bytes` with its line and column, or `nil` when the JSON parses.
    static func syntaxProblem(_ bytes: [UInt8]) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            return nil
        } catch {
            let ns = error as NSError
            var text = (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
            if text.hasSuffix(".") { text.removeLast() }
            // "Invalid value around character 25": add the line and column people look for.
            if let range = text.range(of: "character "),
               let offset = Int(text[range.upperBound...].prefix(while: { $0.isNumber })), offset <= bytes.count {
                var line = 1, column = 1
                for b in bytes[..<offset] {
                    if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
                }
                text += " (line \(line), column \(column))"
            }
            return "JSON syntax: \(text)"
        }
    }

    /// The decoder's error as one line: what, where (coding path), and the decoder's words.
    static func describe(_ error: DecodingError, _ bytes: [UInt8]) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let index = key.intValue { out += "[\(index)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out.isEmpty ? "top level" : out
        }
        switch error {
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty, let syntax = syntaxProblem(bytes) { return syntax }
            return context.codingPath.isEmpty
                ? context.debugDescription : "\(context.debugDescription) at \(path(context.codingPath))"
        case .keyNotFound(let key, let context):
            return "missing field \"\(key.stringValue)\" at \(path(context.codingPath))"
        case .typeMismatch(let type, let context):
            return "wrong type at \(path(context.codingPath)): expected \(type); \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "null where \(type) was expected at \(path(context.codingPath))"
        @unknown default:
            return "\(error)"
        }
    }
}

/// One known location: which files, what they are, and how to treat them.
///
/// JSON fields: `id`, `title`, `group`, `kind`, `patterns`, `exclude` (optional), `contains`
/// (optional), `opt_in` (optional, default false), `any_age` (optional, default false),
/// `max_bytes` (optional), `note` (optional).
public struct CatalogEntry: Codable, Sendable, Equatable {
    /// Stable identifier (`amt_error_program_files`); a user catalog entry with the same id
    /// replaces the built-in one. `include` is reserved.
    public var id: String
    /// One line for people.
    public var title: String
    /// `amt_error`, `install`, `sql`, `event_log`, `config` or `windows` (Windows' own
    /// diagnostics: error reporting).
    public var group: String
    /// The expected `event.dataset` (`amt.error`, `msi`, `sql.errorlog`, `sql.setup`, `setupapi`,
    /// `installshield`, `dpinst`, `windows.evtx`), `auto` (detect by content) or `config`
    /// (a configuration file: copied, not parsed into records).
    public var kind: SourceKind
    /// Globs relative to the root (see `Glob`).
    public var patterns: [String]
    /// Globs that exclude a file this entry matched. A glob without a separator is matched
    /// against the file name alone, otherwise against the whole relative path.
    public var exclude: [String]
    /// When not empty, a file is taken only if its first 64 KiB contain one of these strings
    /// (ASCII case-insensitive, in UTF-8 or UTF-16 text): e.g. `<log4net` for `*.config` files.
    public var contains: [String]
    /// Collected only when asked for by id (e.g. `Security.evtx`: large and personal). Files it
    /// matches are listed as skipped otherwise.
    public var optIn: Bool
    /// Collected whatever its age: `--since` does not apply (configuration files are old and still
    /// matter).
    public var anyAge: Bool
    /// Per-entry size cap for `SourceReader` (head and tail kept beyond it); `nil`: the default.
    public var maxBytes: Int64?
    /// Why the entry exists or how to read what it finds.
    public var note: String?

    public static let groups: Set<String> = ["amt_error", "install", "sql", "event_log", "config",
                                             "web", "windows"]

    public init(
        id: String, title: String, group: String, kind: SourceKind, patterns: [String],
        exclude: [String] = [], contains: [String] = [], optIn: Bool = false, anyAge: Bool = false,
        maxBytes: Int64? = nil, note: String? = nil
    ) {
        self.id = id
        self.title = title
        self.group = group
        self.kind = kind
        self.patterns = patterns
        self.exclude = exclude
        self.contains = contains
        self.optIn = optIn
        self.anyAge = anyAge
        self.maxBytes = maxBytes
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case id, title, group, kind, patterns, exclude, contains
        case optIn = "opt_in"
        case anyAge = "any_age"
        case maxBytes = "max_bytes"
        case note
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decodeIfPresent(String.self, forKey: .title) ?? id
        group = try c.decode(String.self, forKey: .group)
        kind = SourceKind(rawValue: try c.decode(String.self, forKey: .kind))
        patterns = try c.decode([String].self, forKey: .patterns)
        exclude = try c.decodeIfPresent([String].self, forKey: .exclude) ?? []
        contains = try c.decodeIfPresent([String].self, forKey: .contains) ?? []
        optIn = try c.decodeIfPresent(Bool.self, forKey: .optIn) ?? false
        anyAge = try c.decodeIfPresent(Bool.self, forKey: .anyAge) ?? false
        maxBytes = try c.decodeIfPresent(Int64.self, forKey: .maxBytes)
        note = try c.decodeIfPresent(String.self, forKey: .note)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(group, forKey: .group)
        try c.encode(kind.rawValue, forKey: .kind)
        try c.encode(patterns, forKey: .patterns)
        if !exclude.isEmpty { try c.encode(exclude, forKey: .exclude) }
        if !contains.isEmpty { try c.encode(contains, forKey: .contains) }
        if optIn { try c.encode(optIn, forKey: .optIn) }
        if anyAge { try c.encode(anyAge, forKey: .anyAge) }
        try c.encodeIfPresent(maxBytes, forKey: .maxBytes)
        try c.encodeIfPresent(note, forKey: .note)
    }
}
