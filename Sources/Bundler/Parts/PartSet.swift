#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import SystemPackage

/// Bundles and parts given together, grouped: unsplit bundles alone, parts by bundle id in
/// index order.
struct PartSet {
    struct Member {
        var path: FilePath
        var manifest: Manifest?
        /// Why the manifest could not be read.
        var error: String?
    }

    var unsplit: [Member] = []
    /// Bundle id → its parts, by index.
    var groups: [(id: String, parts: [Member])] = []

    init(_ paths: [FilePath], passphrase: String?) {
        var byID: [String: [Member]] = [:]
        var order: [String] = []
        for path in paths {
            do {
                let m = try BundleReader(path: path, passphrase: passphrase).manifest()
                if let part = m.part {
                    if byID[part.bundleID] == nil { order.append(part.bundleID) }
                    byID[part.bundleID, default: []].append(Member(path: path, manifest: m))
                } else {
                    unsplit.append(Member(path: path, manifest: m))
                }
            } catch {
                unsplit.append(Member(path: path, manifest: nil, error: "\(error)"))
            }
        }
        for id in order {
            groups.append((id, byID[id]!.sorted { $0.manifest!.part!.index < $1.manifest!.part!.index }))
        }
    }

    /// Set-level problems of one group: parts missing or given twice, counts or layouts that disagree.
    static func groupProblems(_ id: String, _ parts: [Member]) -> [String] {
        var problems: [String] = []
        guard let first = parts.first?.manifest, let info = first.part else { return problems }
        var seen: [Int: FilePath] = [:]
        for p in parts {
            let m = p.manifest!, part = m.part!
            if part.count != info.count {
                problems.append("\(name(p.path)) says the bundle has \(part.count) parts, \(name(parts[0].path)) says \(info.count)")
            }
            if part.placement != info.placement || m.files != first.files {
                problems.append("\(name(p.path)) and \(name(parts[0].path)) do not describe the same files of bundle \(id)")
            }
            if let other = seen[part.index] {
                problems.append("part \(part.index) of bundle \(id) was given twice (\(name(other)), \(name(p.path)))")
            }
            seen[part.index] = p.path
        }
        for index in 1...max(1, info.count) where seen[index] == nil {
            let holds = PartLayout.holdings(of: first, part: index)
            let shown = holds.prefix(8).joined(separator: ", ")
            let more = holds.count > 8 ? " and \(holds.count - 8) more" : ""
            let ext = parts[0].path.string.hasSuffix(".tar.gz") ? ".tar.gz" : ".zip"
            let file = PartLayout.partName(bundle: id, index: index, count: info.count) + ext
            problems.append("part \(index) of \(info.count) (\(file)) is missing: it holds \(holds.isEmpty ? "no files" : shown + more)")
        }
        return problems
    }

    static func name(_ path: FilePath) -> String { path.lastComponent?.string ?? path.string }
}

/// The outcome of verifying bundles and parts together.
public struct PartSetReport: Sendable {
    /// One report per path, in the order given.
    public var reports: [VerifyReport]
    /// Problems of the bundles as a whole: missing parts, segments that do not join up.
    public var problems: [String]
    /// Bundle ids of the split bundles seen, each with its part count.
    public var splitBundles: [(id: String, count: Int)]
    public var isWhole: Bool { problems.isEmpty && reports.allSatisfy(\.isWhole) }
}

public enum PartSetVerifier {
    /// Verifies every path (each part on its own), then each split bundle as a whole: every part
    /// present once, every segmented file's segments joining to its SHA-256.
    public static func verify(_ paths: [FilePath], passphrase: String? = nil) -> PartSetReport {
        let set = PartSet(paths, passphrase: passphrase)
        var reports: [String: VerifyReport] = [:]
        var problems: [String] = []
        var split: [(String, Int)] = []
        for member in set.unsplit {
            reports[member.path.string] = BundleVerifier.verify(member.path, passphrase: passphrase)
        }
        for (id, parts) in set.groups {
            let first = parts[0].manifest!
            split.append((id, first.part!.count))
            let groupProblems = PartSet.groupProblems(id, parts)
            problems += groupProblems
            // Segment entry name → file path; running hashes of segmented files, parts in order.
            var segmentOf: [String: (file: String, number: Int)] = [:]
            var segmentCount: [String: Int] = [:]
            for p in first.part!.placement {
                for (k, s) in (p.segments ?? []).enumerated() { segmentOf["\(id)/\(s.path)"] = (p.path, k + 1) }
                segmentCount[p.path] = p.segments?.count
            }
            var hashers: [String: SHA256] = [:]
            var nextSegment: [String: Int] = [:]
            var broken: Set<String> = []
            var lastName = ""
            for member in parts {
                let report = BundleVerifier.verify(member.path, passphrase: passphrase) { name, chunk in
                    guard let seg = segmentOf[name] else { return }
                    if name != lastName {
                        lastName = name
                        let expected = nextSegment[seg.file, default: 1]
                        if seg.number != expected { broken.insert(seg.file) }
                        nextSegment[seg.file] = seg.number + 1
                    }
                    hashers[seg.file, default: SHA256()].update(bufferPointer: chunk)
                }
                if !report.isWhole {
                    for (name, seg) in segmentOf where name.hasPrefix("\(id)/") && placementPart(first, name: name, id: id) == member.manifest!.part!.index {
                        broken.insert(seg.file)
                    }
                }
                reports[member.path.string] = report
                lastName = ""
            }
            if groupProblems.isEmpty {
                for file in first.files {
                    guard let count = segmentCount[file.path] else { continue }
                    if broken.contains(file.path) || nextSegment[file.path] != count + 1 {
                        problems.append("\(file.path): its \(count) segments could not be joined (a part is damaged)")
                        continue
                    }
                    if let h = hashers[file.path], hex(h.finalize()) != file.sha256.lowercased() {
                        problems.append("\(file.path): its \(count) segments joined do not match the file's SHA-256")
                    }
                }
            }
        }
        return PartSetReport(reports: paths.map { reports[$0.string] ?? VerifyReport(path: $0, problems: ["not checked"]) },
                             problems: problems, splitBundles: split)
    }

    private static func placementPart(_ m: Manifest, name: String, id: String) -> Int? {
        for p in m.part!.placement {
            for s in p.segments ?? [] where "\(id)/\(s.path)" == name { return s.part }
        }
        return nil
    }
}
