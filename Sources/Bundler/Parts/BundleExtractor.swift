#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import SystemPackage

/// The outcome of `BundleExtractor.extract`.
public struct ExtractReport: Sendable {
    /// Files written, in order.
    public var written: [FilePath] = []
    /// What could not be extracted, and why: one sentence per file, naming it.
    public var problems: [String] = []
    public var isWhole: Bool { problems.isEmpty }
}

/// Writes the files of bundles (or of all the parts of split bundles) into a folder: each bundle
/// into `<out>/<bundle id>/`, segments joined.
///
/// What the archive holds is checked against its manifest as it is written: every file the
/// manifest lists must be there, with the size and SHA-256 it states (a file that differs is
/// removed, a file that is missing is named); an entry stops being inflated at the size the
/// manifest declares for it, so a crafted entry cannot fill the disk. Nothing is written outside
/// the folder, no symbolic link found inside it is followed (every folder and file is created or
/// opened relative to its checked parent, see `NoFollowFolder`), and no existing file is replaced.
public enum BundleExtractor {
    public static func extract(_ paths: [FilePath], to out: FilePath, passphrase: String? = nil) -> ExtractReport {
        var report = ExtractReport()
        let root: NoFollowFolder
        do {
            // The folder itself is the caller's (created when missing, a link in it followed);
            // what is inside it is checked.
            try FileManager.default.createDirectory(atPath: out.string, withIntermediateDirectories: true)
            root = try NoFollowFolder(at: out)
        } catch {
            report.problems.append("cannot open \(out): \(error)")
            return report
        }
        defer { root.close() }
        let set = PartSet(paths, passphrase: passphrase)
        for member in set.unsplit {
            guard let manifest = member.manifest else {
                report.problems.append("\(PartSet.name(member.path)): \(member.error ?? "no manifest")")
                continue
            }
            guard let top = try? BundleReader(path: member.path, passphrase: passphrase).topFolder() else {
                report.problems.append("\(PartSet.name(member.path)): has no bundle folder")
                continue
            }
            var expected: [String: Expected] = [Manifest.entryName: .manifest]
            for f in manifest.files where f.status != .skipped {
                expected[f.path] = Expected(file: f.path, bytes: f.bytes, sha256: f.sha256)
            }
            var run = ArchiveRun(path: member.path, top: top, out: out, root: root, joins: JoinState())
            run.extract(passphrase: passphrase, expected: expected, report: &report)
            run.reportMissing(expected, report: &report) { "\($0) is listed in the manifest but missing from the archive; not extracted" }
        }
        for (id, parts) in set.groups {
            report.problems += PartSet.groupProblems(id, parts)
            let joins = JoinState()
            for (k, member) in parts.enumerated() {
                let manifest = member.manifest!, index = manifest.part!.index
                let layout: [String: (bytes: Int64, sha256: String)]
                switch PartLayout.expectedEntries(of: manifest, part: index) {
                case .success(let entries): layout = entries
                case .failure(let problem):
                    report.problems.append("\(PartSet.name(member.path)): the manifest's placement is inconsistent (\(problem.text)); nothing of it was extracted")
                    continue
                }
                var files: [String: Manifest.File] = [:]
                for f in manifest.files { files[f.path] = f }
                var segmentOf: [String: (file: String, number: Int, count: Int)] = [:]
                for p in manifest.part!.placement {
                    let segments = p.segments ?? []
                    for (n, s) in segments.enumerated() { segmentOf[s.path] = (p.path, n + 1, segments.count) }
                }
                // The first part given brings the manifest; the others' copies are passed over.
                var expected: [String: Expected] = [Manifest.entryName: k == 0 ? .manifest : .passOver]
                for (path, want) in layout {
                    if let seg = segmentOf[path], let file = files[seg.file] {
                        expected[path] = Expected(file: seg.file, bytes: want.bytes, sha256: want.sha256,
                                                  segment: Segment(number: seg.number, count: seg.count,
                                                                   fileBytes: file.bytes, fileSHA256: file.sha256))
                    } else {
                        expected[path] = Expected(file: path, bytes: want.bytes, sha256: want.sha256)
                    }
                }
                var run = ArchiveRun(path: member.path, top: id, out: out, root: root, joins: joins)
                run.extract(passphrase: passphrase, expected: expected, report: &report)
                run.reportMissing(expected, report: &report) { "\($0) is placed in part \(index) but missing from it; not extracted" }
            }
            for (file, j) in joins.open.sorted(by: { $0.key < $1.key }) {
                j.close(removing: true)
                report.problems.append("\(file): not all of its segments were given; it was not extracted")
            }
            joins.open.removeAll()
        }
        return report
    }

    /// The safe place for `path` of bundle folder `top` under `out`, or `nil` when it would escape.
    /// (A lexical check; `NoFollowFolder` makes sure no link on the way leads elsewhere.)
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

    /// What an entry of the archive must be.
    struct Expected {
        /// The file it is, or is a segment of (path inside the bundle folder).
        var file: String
        /// Its size; `nil` for the manifest (bounded by the manifest limit, not checked).
        var bytes: Int64?
        var sha256: String?
        var segment: Segment?
        /// Entries passed over without a word (the manifests of parts after the first).
        var passOver = false

        static let manifest = Expected(file: Manifest.entryName, bytes: nil, sha256: nil)
        static let passOver = Expected(file: Manifest.entryName, bytes: nil, sha256: nil, passOver: true)
    }

    struct Segment {
        /// 1-based.
        var number: Int
        var count: Int
        /// The whole file's size and SHA-256, checked when the last segment is joined.
        var fileBytes: Int64
        var fileSHA256: String
    }

    /// A file being written: where it is, so that it can be removed again.
    final class OpenFile {
        let dest: FilePath
        let folder: NoFollowFolder
        let name: String
        let fd: FileDescriptor
        var hasher = SHA256()
        var bytes: Int64 = 0
        /// The next segment number wanted (segmented files).
        var next = 1

        init(dest: FilePath, folder: NoFollowFolder, name: String, fd: FileDescriptor) {
            self.dest = dest
            self.folder = folder
            self.name = name
            self.fd = fd
        }

        /// Closes the file (and its folder); with `removing`, removes it first.
        func close(removing: Bool) {
            try? fd.close()
            if removing { folder.removeFile(name) }
            folder.close()
        }
    }

    /// Segmented files being joined across the parts of one bundle.
    final class JoinState {
        /// File path → the joined file, open.
        var open: [String: OpenFile] = [:]
        /// Segmented files given up on (a segment missing, damaged or unwritable).
        var failed: Set<String> = []
    }

    /// Thrown from inside the data handler to stop reading an entry at its declared size.
    private struct Overflow: Error {}
    /// Thrown from inside the data handler when the file cannot be written.
    private struct WriteFailed: Error { var cause: any Error }

    /// One pass over one archive.
    struct ArchiveRun {
        let path: FilePath
        let top: String
        let out: FilePath
        let root: NoFollowFolder
        let joins: JoinState
        /// Entries of the archive seen, by path inside the bundle folder.
        var seen: Set<String> = []
        /// Whether the archive was read to its end.
        var readToEnd = true

        var archive: String { PartSet.name(path) }

        mutating func extract(passphrase: String?, expected: [String: Expected], report: inout ExtractReport) {
            // The entry being written, to be removed when the archive breaks off inside it.
            var inFlight: (want: Expected, file: OpenFile)?
            do {
                let session = try ReadSession(path, passphrase: passphrase)
                while let entry = try session.next() {
                    guard let split = BundlePath.split(entry.name), split.top == top, entry.isRegularFile else {
                        report.problems.append("\(archive): entry \(entry.name) is outside the bundle folder; not extracted")
                        continue
                    }
                    let inner = split.inner
                    guard seen.insert(inner).inserted else {
                        report.problems.append("\(archive): entry \(entry.name) appears more than once; extracted once")
                        continue
                    }
                    guard let want = expected[inner] else {
                        report.problems.append("\(archive): entry \(entry.name) is not in the manifest's list for it; not extracted")
                        continue
                    }
                    if want.passOver { continue }
                    if want.segment != nil, joins.failed.contains(want.file) { continue }
                    if let size = entry.size, let bytes = want.bytes, size != bytes {
                        report.problems.append("\(label(inner, want)): the archive says \(size) bytes, the manifest \(bytes); not extracted")
                        giveUp(want)
                        continue
                    }
                    // The file to write into: a new one, or the joined file of earlier segments.
                    let file: OpenFile
                    if let seg = want.segment, seg.number > 1 {
                        guard let joined = joins.open[want.file], joined.next == seg.number else {
                            report.problems.append("\(want.file): segment \(seg.number) came without the ones before it; not extracted")
                            giveUp(want)
                            continue
                        }
                        file = joined
                    } else {
                        guard let created = create(want.file, report: &report) else {
                            if want.segment != nil { joins.failed.insert(want.file) }
                            continue
                        }
                        file = created
                        if want.segment != nil { joins.open[want.file] = created }
                    }
                    inFlight = (want, file)
                    let limit = want.bytes ?? Int64(ReadSession.manifestLimit)
                    var count: Int64 = 0
                    var segmentHasher = SHA256()
                    var failure: String?
                    do {
                        try session.readData(of: entry.name) { chunk in
                            guard count + Int64(chunk.count) <= limit else { throw Overflow() }
                            count += Int64(chunk.count)
                            if want.segment != nil { segmentHasher.update(bufferPointer: chunk) }
                            file.hasher.update(bufferPointer: chunk)
                            file.bytes += Int64(chunk.count)
                            do {
                                _ = try file.fd.writeAll(chunk)
                            } catch {
                                throw WriteFailed(cause: error)
                            }
                        }
                    } catch is Overflow {
                        failure = "holds more than the \(limit) bytes the manifest declares; stopped there"
                    } catch let error as WriteFailed {
                        failure = "cannot write \(file.dest): \(error.cause)"
                    }
                    inFlight = nil
                    if failure == nil, let bytes = want.bytes, count != bytes {
                        failure = "has \(count) bytes, the manifest says \(bytes)"
                    }
                    if let seg = want.segment {
                        if failure == nil, let sha = want.sha256, hex(segmentHasher.finalize()) != sha.lowercased() {
                            failure = "does not match its SHA-256 in the manifest"
                        }
                        if let failure {
                            report.problems.append("\(label(inner, want)): \(failure); \(want.file) was not extracted")
                            giveUp(want)
                            continue
                        }
                        file.next = seg.number + 1
                        guard seg.number == seg.count else { continue }
                        joins.open[want.file] = nil
                        if file.bytes != seg.fileBytes || hex(file.hasher.finalize()) != seg.fileSHA256.lowercased() {
                            report.problems.append("\(want.file): its segments joined do not match its size and SHA-256; removed")
                            file.close(removing: true)
                        } else {
                            file.close(removing: false)
                            report.written.append(file.dest)
                        }
                        continue
                    }
                    if failure == nil, let sha = want.sha256, hex(file.hasher.finalize()) != sha.lowercased() {
                        failure = "does not match its SHA-256 in the manifest (content altered or damaged)"
                    }
                    if let failure {
                        report.problems.append("\(want.file): \(failure); removed")
                        file.close(removing: true)
                    } else {
                        file.close(removing: false)
                        report.written.append(file.dest)
                    }
                }
            } catch {
                readToEnd = false
                if let (want, file) = inFlight {
                    // Cut off inside an entry: that file (or the segmented file it belongs to) is not whole.
                    if want.segment != nil { giveUp(want) } else { file.close(removing: true) }
                    report.problems.append("\(want.file): \(archive) breaks off inside it; not extracted")
                }
                report.problems.append("\(archive): \(error)")
            }
        }

        /// Names every expected entry the archive did not hold.
        func reportMissing(_ expected: [String: Expected], report: inout ExtractReport, _ sentence: (String) -> String) {
            for (inner, want) in expected.sorted(by: { $0.key < $1.key }) where !seen.contains(inner) && inner != Manifest.entryName {
                if !readToEnd {
                    report.problems.append("\(label(inner, want)): not reached (\(archive) is damaged before it); not extracted")
                } else {
                    report.problems.append(sentence(label(inner, want)))
                }
                if want.segment != nil { giveUp(want) }
            }
        }

        /// How a message names an entry: the file, or the segment of it.
        func label(_ inner: String, _ want: Expected) -> String {
            guard let seg = want.segment else { return want.file }
            return "\(want.file) (segment \(seg.number) of \(seg.count), \(inner))"
        }

        /// A segmented file cannot be completed: the part joined so far is removed.
        func giveUp(_ want: Expected) {
            guard want.segment != nil else { return }
            joins.failed.insert(want.file)
            joins.open.removeValue(forKey: want.file)?.close(removing: true)
        }

        /// Creates `file` of the bundle folder under `out`, each folder on the way created or
        /// opened without following a link, the file itself created new.
        func create(_ file: String, report: inout ExtractReport) -> OpenFile? {
            guard let dest = BundleExtractor.destination(out, top: top, path: file) else {
                report.problems.append("\(archive): \(file) would be written outside \(out); refused")
                return nil
            }
            let components = [top] + file.split(separator: "/").map(String.init)
            // The folder the file goes in (never `root` itself: there is always the bundle folder).
            var folder: NoFollowFolder?
            var walked = out
            do throws(Errno) {
                for name in components.dropLast() {
                    walked.append(name)
                    let next = try (folder ?? root).subfolder(name)
                    folder?.close()
                    folder = next
                }
                walked = dest
                guard let parent = folder else { throw Errno.invalidArgument }
                let fd = try parent.createFile(components.last!)
                return OpenFile(dest: dest, folder: parent, name: components.last!, fd: fd)
            } catch {
                folder?.close()
                switch error {
                case .tooManySymbolicLinkLevels:
                    report.problems.append("\(file): \(walked) is a symbolic link, which is not followed; not extracted")
                case .fileExists:
                    report.problems.append("\(file): \(walked) already exists and is not replaced; not extracted")
                case .notDirectory:
                    report.problems.append("\(file): \(walked) is not a folder; not extracted")
                default:
                    report.problems.append("\(file): cannot create \(walked): \(error)")
                }
                return nil
            }
        }
    }
}
