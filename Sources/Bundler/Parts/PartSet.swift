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

/// The outcome of `BundleExtractor.extract`.
public struct ExtractReport: Sendable {
    /// Files written, in order.
    public var written: [FilePath] = []
    /// What could not be extracted, and why.
    public var problems: [String] = []
    public var isWhole: Bool { problems.isEmpty }
}

/// Writes the files of bundles (or of all the parts of split bundles) into a folder: each bundle
/// into `<out>/<bundle id>/`, segments joined, every file checked against its SHA-256 (a file that
/// does not match is removed). Never writes outside the folder and never replaces a file.
public enum BundleExtractor {
    public static func extract(_ paths: [FilePath], to out: FilePath, passphrase: String? = nil) -> ExtractReport {
        var report = ExtractReport()
        let set = PartSet(paths, passphrase: passphrase)
        for member in set.unsplit {
            guard let manifest = member.manifest else {
                report.problems.append("\(PartSet.name(member.path)): \(member.error ?? "no manifest")")
                continue
            }
            let top = topFolder(member.path, passphrase: passphrase) ?? ""
            var wanted: [String: Manifest.File] = [:]
            for f in manifest.files where f.status != .skipped { wanted[f.path] = f }
            extractEntries(member.path, top: top, out: out, passphrase: passphrase, report: &report) { inner in
                if inner == Manifest.entryName { return (nil, nil) }
                guard let f = wanted[inner] else { return nil }
                return (f.sha256, nil)
            }
        }
        for (id, parts) in set.groups {
            report.problems += PartSet.groupProblems(id, parts)
            let first = parts[0].manifest!
            var files: [String: Manifest.File] = [:]
            for f in first.files { files[f.path] = f }
            var segmentOf: [String: (file: String, number: Int, count: Int)] = [:]
            for p in first.part!.placement {
                let segs = p.segments ?? []
                for (k, s) in segs.enumerated() { segmentOf[s.path] = (p.path, k + 1, segs.count) }
            }
            let joins = JoinState()
            for (k, member) in parts.enumerated() {
                let index = member.manifest!.part!.index
                extractEntries(member.path, top: id, out: out, passphrase: passphrase, report: &report, joins: joins) { inner in
                    if inner == Manifest.entryName { return k == 0 ? (nil, nil) : (nil, skipSegment) }
                    if let seg = segmentOf[inner] {
                        return (files[seg.file]?.sha256, (seg.file, seg.number, seg.count))
                    }
                    guard let placed = first.part!.placement.first(where: { $0.path == inner }), placed.part == index else { return nil }
                    return (files[inner]?.sha256, nil)
                }
            }
            for (file, j) in joins.open.sorted(by: { $0.key < $1.key }) {
                try? j.fd.close()
                report.problems.append("\(file): not all of its segments were given; it was not extracted")
                if let dest = destination(out, top: id, path: file) { Platform.removeFile(dest) }
            }
        }
        return report
    }

    /// Marks an entry to pass over without a word (the manifests of parts after the first).
    static let skipSegment = (file: "", number: 0, count: 0)

    final class JoinState {
        /// File path → (descriptor, hasher, next segment number).
        var open: [String: (fd: FileDescriptor, hasher: SHA256, next: Int)] = [:]
        /// Segmented files given up on (a segment missing or unwritable).
        var failed: Set<String> = []
    }

    /// The safe place for `path` of bundle folder `top` under `out`, or `nil` when it would escape.
    public static func destination(_ out: FilePath, top: String, path: String) -> FilePath? {
        guard BundlePath.problem(with: top) == nil, !top.contains("/"), BundlePath.problem(with: path) == nil else { return nil }
        var dest = out.appending(top)
        for c in path.split(separator: "/") {
            guard let component = FilePath.Component(String(c)), component.kind == .regular else { return nil }
            dest.append(component)
        }
        let base = out.lexicallyNormalized()
        let normal = dest.lexicallyNormalized()
        guard normal.starts(with: base), normal != base else { return nil }
        return dest
    }

    private static func topFolder(_ path: FilePath, passphrase: String?) -> String? {
        try? BundleReader(path: path, passphrase: passphrase).topFolder()
    }

    /// Streams the entries of one archive; `select(inner)` returns nil to skip an entry, else the
    /// SHA-256 it must have (nil: not checked) and its segment (nil: a whole file).
    private static func extractEntries(
        _ path: FilePath, top: String, out: FilePath, passphrase: String?, report: inout ExtractReport,
        joins: JoinState,
        select: (String) -> (sha256: String?, segment: (file: String, number: Int, count: Int)?)?
    ) {
        var current: (dest: FilePath, fd: FileDescriptor, hasher: SHA256, sha: String?)? = nil
        var segment: (file: String, number: Int, count: Int)? = nil
        func finishCurrent() {
            if let c = current {
                try? c.fd.close()
                if let want = c.sha, hex(c.hasher.finalize()) != want.lowercased() {
                    report.problems.append("\(c.dest): does not match its SHA-256; removed")
                    Platform.removeFile(c.dest)
                } else {
                    report.written.append(c.dest)
                }
                current = nil
            }
        }
        func finishSegment() {
            guard let s = segment, var j = joins.open[s.file] else { segment = nil; return }
            j.next = s.number + 1
            joins.open[s.file] = j
            if s.number == s.count {
                joins.open[s.file] = nil
                try? j.fd.close()
                let dest = destination(out, top: top, path: s.file)!
                if let want = select(PartLayout.segmentPath(of: s.file, number: s.number))?.sha256, hex(j.hasher.finalize()) != want.lowercased() {
                    report.problems.append("\(s.file): its segments joined do not match its SHA-256; removed")
                    Platform.removeFile(dest)
                } else {
                    report.written.append(dest)
                }
            }
            segment = nil
        }
        do {
            let reader = try BundleReader(path: path, passphrase: passphrase)
            try reader.forEachEntry { entry in
                finishCurrent()
                finishSegment()
                guard let split = BundlePath.split(entry.name), split.top == top, entry.isRegularFile else {
                    report.problems.append("\(PartSet.name(path)): entry \(entry.name) is outside the bundle folder; not extracted")
                    return nil
                }
                guard let choice = select(split.inner) else {
                    report.problems.append("\(PartSet.name(path)): entry \(entry.name) is not in the manifest's list for it; not extracted")
                    return nil
                }
                if let seg = choice.segment, seg.number == 0 { return nil }
                let file = choice.segment?.file ?? split.inner
                guard let dest = destination(out, top: top, path: file) else {
                    report.problems.append("\(PartSet.name(path)): entry \(entry.name) would be written outside \(out); refused")
                    return nil
                }
                if let seg = choice.segment {
                    if joins.failed.contains(seg.file) { return nil }
                    if seg.number == 1 {
                        guard let fd = create(dest, report: &report) else { joins.failed.insert(seg.file); return nil }
                        joins.open[seg.file] = (fd, SHA256(), 1)
                    }
                    guard let j = joins.open[seg.file], j.next == seg.number else {
                        report.problems.append("\(seg.file): segment \(seg.number) came without the ones before it; not extracted")
                        if let j = joins.open.removeValue(forKey: seg.file) { try? j.fd.close(); Platform.removeFile(dest) }
                        joins.failed.insert(seg.file)
                        return nil
                    }
                    segment = seg
                    return { chunk in
                        var j = joins.open[seg.file]!
                        j.hasher.update(bufferPointer: chunk)
                        _ = try j.fd.writeAll(chunk)
                        joins.open[seg.file] = j
                    }
                }
                guard let fd = create(dest, report: &report) else { return nil }
                current = (dest, fd, SHA256(), choice.sha256)
                return { chunk in
                    current!.hasher.update(bufferPointer: chunk)
                    _ = try current!.fd.writeAll(chunk)
                }
            }
            finishCurrent()
            finishSegment()
        } catch {
            if let c = current { try? c.fd.close(); Platform.removeFile(c.dest) }
            current = nil
            report.problems.append("\(PartSet.name(path)): \(error)")
        }
    }

    private static func extractEntries(
        _ path: FilePath, top: String, out: FilePath, passphrase: String?, report: inout ExtractReport,
        select: (String) -> (sha256: String?, segment: (file: String, number: Int, count: Int)?)?
    ) {
        extractEntries(path, top: top, out: out, passphrase: passphrase, report: &report, joins: JoinState(), select: select)
    }

    private static func create(_ dest: FilePath, report: inout ExtractReport) -> FileDescriptor? {
        do {
            try FileManager.default.createDirectory(atPath: dest.removingLastComponent().string, withIntermediateDirectories: true)
            return try FileDescriptor.open(dest, .writeOnly, options: Platform.openOptions.union([.create, .exclusiveCreate]),
                                           permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            report.problems.append("cannot create \(dest): \(error)")
            return nil
        }
    }
}
