/// Names and placement rules of a bundle split into email-sized parts.
///
/// Part files are `<bundle>-part<i>of<n>.<ext>`; every part's entries sit under the bundle's own
/// folder (`<bundle>/`), so extracting all parts into one place gives one folder. A file too large
/// for a part is stored as numbered segments `<path>.seg001`, `<path>.seg002`, … in consecutive
/// parts.
public enum PartLayout {
    /// A placement that does not add up (a file placed twice, a segment in a part that does not
    /// exist, segments that do not cover the file).
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var text: String
        public var description: String { text }
        public init(_ text: String) { self.text = text }
    }

    /// `<bundle>-part<index>of<count>` (without extension).
    public static func partName(bundle: String, index: Int, count: Int) -> String {
        "\(bundle)-part\(index)of\(count)"
    }

    /// The entry path of segment `number` (1-based) of the file at `path`.
    public static func segmentPath(of path: String, number: Int) -> String {
        let digits = String(number)
        return "\(path).seg" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    /// The entries part `part` must hold — entry path → (bytes, SHA-256) — as `manifest` places
    /// them; or what is inconsistent about the placement.
    public static func expectedEntries(
        of manifest: Manifest, part: Int
    ) -> Result<[String: (bytes: Int64, sha256: String)], Problem> {
        guard let info = manifest.part else { return .failure(Problem("the manifest has no part information")) }
        var files: [String: Manifest.File] = [:]
        for f in manifest.files { files[f.path] = f }
        var out: [String: (bytes: Int64, sha256: String)] = [:]
        var placed: Set<String> = []
        for p in info.placement {
            guard let file = files[p.path] else { return .failure(Problem("'\(p.path)' is placed but not listed in files")) }
            guard placed.insert(p.path).inserted else { return .failure(Problem("'\(p.path)' is placed twice")) }
            switch (p.part, p.segments) {
            case (let whole?, nil):
                guard (1...info.count).contains(whole) else {
                    return .failure(Problem("'\(p.path)' is placed in part \(whole) of \(info.count)"))
                }
                if whole == part { out[p.path] = (file.bytes, file.sha256) }
            case (nil, let segments?):
                var offset: Int64 = 0
                var lastPart = 0
                for s in segments {
                    guard (1...info.count).contains(s.part), s.part >= lastPart, s.offset == offset, s.bytes >= 0 else {
                        return .failure(Problem("the segments of '\(p.path)' are not in order or do not join up at \(s.path)"))
                    }
                    offset += s.bytes
                    lastPart = s.part
                    if s.part == part {
                        if out[s.path] != nil || files[s.path] != nil {
                            return .failure(Problem("segment \(s.path) has the name of another entry"))
                        }
                        out[s.path] = (s.bytes, s.sha256)
                    }
                }
                guard offset == file.bytes else {
                    return .failure(Problem("the segments of '\(p.path)' hold \(offset) bytes, the file \(file.bytes)"))
                }
            default:
                return .failure(Problem("'\(p.path)' is placed neither whole nor in segments"))
            }
        }
        for f in manifest.files where f.status != .skipped && !placed.contains(f.path) {
            return .failure(Problem("'\(f.path)' is listed in files but placed in no part"))
        }
        return .success(out)
    }

    /// What part `part` holds, by file path (segments named with their number), for messages.
    public static func holdings(of manifest: Manifest, part: Int) -> [String] {
        guard let info = manifest.part else { return [] }
        var out: [String] = []
        for p in info.placement {
            if p.part == part { out.append(p.path) }
            for (k, s) in (p.segments ?? []).enumerated() where s.part == part {
                out.append("\(p.path) (segment \(k + 1) of \(p.segments!.count))")
            }
        }
        return out
    }
}
