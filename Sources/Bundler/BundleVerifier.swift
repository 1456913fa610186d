import Crypto
import SystemPackage

/// The outcome of verifying one bundle.
public struct VerifyReport: Sendable {
    public var path: FilePath
    /// Every listed file is present with its size and SHA-256, nothing else is in the archive
    /// (no entry the manifest does not list, no bytes before, between or after the entries), and
    /// the archive reads to its end without error.
    public var isWhole: Bool { problems.isEmpty }
    /// One sentence per problem, naming the entry (at most `problemLimit`, then a count of the rest).
    public var problems: [String]
    /// Entries read (including `manifest.json`).
    public var entriesChecked: Int
    /// Uncompressed bytes read and hashed.
    public var bytesChecked: Int64
    /// The decoded manifest, when it decoded.
    public var manifest: Manifest?

    public static let problemLimit = 200

    public init(path: FilePath, problems: [String] = [], entriesChecked: Int = 0, bytesChecked: Int64 = 0, manifest: Manifest? = nil) {
        self.path = path
        self.problems = problems
        self.entriesChecked = entriesChecked
        self.bytesChecked = bytesChecked
        self.manifest = manifest
    }
}

/// Checks a bundle against its manifest, reading every entry once (streaming, bounded memory),
/// and accounts for every byte of the file outside the entries (`ArchiveLayout`).
public enum BundleVerifier {
    private struct PastDeclaredSize: Error {}

    /// Verifies one bundle, or one part of a split bundle (the files and segments its manifest
    /// places in it). `observe` sees every entry's data as it is read (full entry name, chunk).
    public static func verify(
        _ path: FilePath, passphrase: String? = nil,
        observe: ((String, UnsafeRawBufferPointer) -> Void)? = nil
    ) -> VerifyReport {
        var report = VerifyReport(path: path)
        var extraProblems = 0
        func problem(_ text: String) {
            if report.problems.count < VerifyReport.problemLimit { report.problems.append(text) } else { extraProblems += 1 }
        }
        defer {
            if extraProblems > 0 { report.problems.append("… and \(extraProblems) more problems") }
        }

        struct Seen { var bytes: Int64; var sha256: String }
        var seen: [String: Seen] = [:]
        var order: [String] = []
        var allNames: Set<String> = []
        var readToEnd = true
        var manifestCandidates: [(name: String, bytes: [UInt8]?)] = []
        /// Entries not read to their end (already reported): their size and hash are not compared.
        var cut: Set<String> = []

        do {
            let session = try ReadSession(path, passphrase: passphrase)
            while let entry = try session.next() {
                report.entriesChecked += 1
                let name = entry.name
                if !allNames.insert(name).inserted {
                    problem("entry \(name) appears more than once in the archive")
                }
                if name.hasPrefix("/") || name.split(separator: "/").contains("..") {
                    problem("entry \(name) has an unsafe path (absolute or with '..')")
                }
                guard entry.isRegularFile else {
                    problem("entry \(name) is not a regular file")
                    order.append(name)
                    continue
                }
                let isManifest = BundlePath.split(name).map { !$0.top.isEmpty && $0.inner == Manifest.entryName } ?? false
                var hasher = SHA256()
                var count: Int64 = 0
                var kept: [UInt8]? = isManifest ? [] : nil
                do {
                    try session.readData(of: name) { chunk in
                        // Inflating stops at the size the header declares (a crafted entry could
                        // inflate without end); the entry is then not whole.
                        if let size = entry.size, count + Int64(chunk.count) > size { throw PastDeclaredSize() }
                        hasher.update(bufferPointer: chunk)
                        observe?(name, chunk)
                        count += Int64(chunk.count)
                        if kept != nil {
                            if kept!.count + chunk.count <= ReadSession.manifestLimit { kept!.append(contentsOf: chunk) } else { kept = nil }
                        }
                    }
                } catch is PastDeclaredSize {
                    problem("entry \(name) holds more than the \(entry.size ?? 0) bytes its header says; not read further")
                    report.bytesChecked += count
                    cut.insert(name)
                    order.append(name)
                    continue
                }
                report.bytesChecked += count
                if let size = entry.size, size != count {
                    problem("entry \(name): its header says \(size) bytes but \(count) were read")
                }
                if isManifest {
                    if kept == nil { problem("\(name) is larger than \(ReadSession.manifestLimit) bytes") }
                    manifestCandidates.append((name, kept))
                }
                if seen[name] == nil { seen[name] = Seen(bytes: count, sha256: hex(hasher.finalize())) }
                order.append(name)
            }
        } catch let error as BundleError {
            readToEnd = false
            problem(error.description)
        } catch {
            readToEnd = false
            problem("\(path): \(error)")
        }

        // Bytes before, between or after the entries (only for an archive that read to its end:
        // a damaged one was already reported).
        if readToEnd {
            for p in ArchiveLayout.problems(path) { problem(p) }
        }

        guard let candidate = manifestCandidates.first else {
            // A damaged archive was already reported; the manifest (written last) was not reached.
            guard readToEnd else { return report }
            problem("manifest.json is missing: no entry <bundle folder>/manifest.json in \(path.lastComponent?.string ?? path.string)")
            return report
        }
        if manifestCandidates.count > 1 {
            problem("there is more than one manifest: \(manifestCandidates.map(\.name).joined(separator: ", "))")
        }
        let top = BundlePath.split(candidate.name)!.top
        guard let bytes = candidate.bytes else { return report }
        let manifest: Manifest
        do {
            manifest = try Manifest.decode(bytes)
        } catch {
            problem("\(candidate.name) does not decode: \(describe(error))")
            return report
        }
        report.manifest = manifest
        if manifest.schema != Manifest.currentSchema {
            problem("\(candidate.name) has schema '\(manifest.schema)'; this version knows '\(Manifest.currentSchema)'")
        }

        var listed: Set<String> = []
        if let part = manifest.part {
            checkPart(manifest, part, top: top, seen: seen.mapValues { ($0.bytes, $0.sha256) }, cut: cut,
                      readToEnd: readToEnd, listed: &listed, problem: problem)
        }
        for file in manifest.files where manifest.part == nil {
            let name = "\(top)/\(file.path)"
            if !listed.insert(name).inserted {
                problem("\(file.path) is listed more than once in the manifest")
                continue
            }
            if cut.contains(name) { continue }
            guard let entry = seen[name] else {
                if file.status != .skipped, readToEnd {
                    problem("\(file.path) is listed in the manifest but missing from the archive")
                }
                continue
            }
            if entry.bytes != file.bytes {
                problem("\(file.path) has \(entry.bytes) bytes but the manifest says \(file.bytes)")
            }
            if entry.sha256 != file.sha256.lowercased() {
                problem("\(file.path) does not match its SHA-256 in the manifest (content altered or damaged)")
            }
        }
        for name in order where name != candidate.name && !listed.contains(name) {
            if manifest.part != nil, BundlePath.split(name)?.top == top {
                problem("entry \(name) is not placed in this part by the manifest: its bytes are not covered by a SHA-256")
                continue
            }
            if BundlePath.split(name)?.top != top {
                problem("entry \(name) is outside the bundle folder \(top)/")
            } else {
                problem("entry \(name) is not listed in the manifest: its bytes are not covered by a SHA-256")
            }
        }
        return report
    }

    /// A part: every file and segment placed in it is present with its size and SHA-256.
    private static func checkPart(
        _ manifest: Manifest, _ part: Manifest.Part, top: String, seen: [String: (bytes: Int64, sha256: String)],
        cut: Set<String>, readToEnd: Bool, listed: inout Set<String>, problem: (String) -> Void
    ) {
        if part.index < 1 || part.index > part.count {
            problem("the manifest says this is part \(part.index) of \(part.count)")
        }
        if top != part.bundleID {
            problem("the bundle folder \(top)/ is not the bundle id \(part.bundleID) the manifest names")
        }
        let expected: [String: (bytes: Int64, sha256: String)]
        switch PartLayout.expectedEntries(of: manifest, part: part.index) {
        case .success(let e): expected = e
        case .failure(let p):
            problem("the manifest's placement is inconsistent: \(p.text)")
            return
        }
        for (path, want) in expected.sorted(by: { $0.key < $1.key }) {
            let name = "\(top)/\(path)"
            listed.insert(name)
            if cut.contains(name) { continue }
            guard let entry = seen[name] else {
                if readToEnd { problem("\(path) is placed in part \(part.index) but missing from it") }
                continue
            }
            if entry.bytes != want.bytes {
                problem("\(path) has \(entry.bytes) bytes but the manifest says \(want.bytes)")
            }
            if entry.sha256 != want.sha256.lowercased() {
                problem("\(path) does not match its SHA-256 in the manifest (content altered or damaged)")
            }
        }
    }
}
