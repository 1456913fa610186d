import LogRecord
import SystemPackage

// JSON shapes for `--json` output and the manifest: snake_case names, paths as strings, times as
// ISO 8601 UTC.

extension DiscoveredSource: Encodable {
    enum CodingKeys: String, CodingKey {
        case absolutePath = "absolute_path"
        case relativePath = "relative_path"
        case entryID = "entry_id"
        case kind, size, modified
        case maxBytes = "max_bytes"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(absolutePath.string, forKey: .absolutePath)
        try c.encode(relativePath, forKey: .relativePath)
        try c.encode(entryID, forKey: .entryID)
        try c.encode(kind.rawValue, forKey: .kind)
        try c.encode(size, forKey: .size)
        try c.encodeIfPresent(modified?.iso8601, forKey: .modified)
        try c.encodeIfPresent(maxBytes, forKey: .maxBytes)
    }
}

extension SkippedSource: Encodable {
    enum CodingKeys: String, CodingKey {
        case relativePath = "relative_path"
        case entryID = "entry_id"
        case code, reason
        case absolutePath = "absolute_path"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(relativePath, forKey: .relativePath)
        try c.encode(entryID, forKey: .entryID)
        try c.encode(code.rawValue, forKey: .code)
        try c.encode(reason, forKey: .reason)
        try c.encodeIfPresent(absolutePath?.string, forKey: .absolutePath)
    }
}

extension EntryReport: Encodable {
    enum CodingKeys: String, CodingKey {
        case entry, requested, collected, skipped
        case contentNotMatched = "content_not_matched"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entry, forKey: .entry)
        try c.encode(requested, forKey: .requested)
        try c.encode(collected, forKey: .collected)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(contentNotMatched, forKey: .contentNotMatched)
    }
}
