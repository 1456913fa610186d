import Crypto
import Dispatch
import Foundation
import Logging
import LogRecord
import SystemPackage

/// What `EmailPackager` needs besides the bundle.
public struct EmailOptions: Sendable {
    /// Largest message in bytes, headers and body included; 0 = no limit.
    public var limit: Int64
    public var format: ArchiveFormat
    public var compressionLevel: Int
    /// Entry time of every part (the bundle's `created`).
    public var entryTime: Timestamp
    /// Encrypt the parts like the bundle (AES-256 zip); never logged.
    public var passphrase: String?
    public var site: String
    public var caseID: String
    /// The technician's address, used as the draft's `From`.
    public var from: String?
    /// Most parts kept open at once so that their manifests can be written after all of them
    /// (then the writers hash the segments as they write them); with more parts, one pass over
    /// the bundle hashes the segments first. Each open part holds a descriptor and little memory.
    var maxOpenParts = 32

    public init(limit: Int64, format: ArchiveFormat, compressionLevel: Int, entryTime: Timestamp,
                passphrase: String? = nil, site: String, caseID: String, from: String? = nil) {
        self.limit = limit
        self.format = format
        self.compressionLevel = compressionLevel
        self.entryTime = entryTime
        self.passphrase = passphrase
        self.site = site
        self.caseID = caseID
        self.from = from
    }
}

/// What `EmailPackager` made.
public struct EmailResult: Sendable {
    /// The archives to send: the bundle itself, or its parts in order.
    public var archives: [FilePath]
    /// One `.eml` draft per archive, beside it.
    public var messages: [FilePath]
    /// Whether the bundle was split into parts.
    public var isSplit: Bool
    /// Largest message written, in bytes.
    public var largestMessage: Int64
}

/// Makes a finished bundle ready to send by email: when it fits the limit, one `.eml` draft
/// beside it; otherwise independent parts (`<bundle>-part<i>of<n>.<ext>`, each with its own
/// manifest placing every file of the bundle) and one draft per part, then the unsplit bundle is
/// removed. Parts are written under temporary names and renamed only when all of them are
/// complete and fit; a failure leaves no final-name part (the unsplit bundle stays).
///
/// Memory: one 1 MiB buffer per reader and writer, the summary text and the manifest.
public enum EmailPackager {
    /// Smallest limit accepted: room for headers, summary, manifest and some data.
    public static let minimumLimit: Int64 = 64_000
    /// Attempts at a plan before giving up (each one shrinks parts when a part came out too big).
    static let attempts = 8
    /// Compressed size of the manifest reserved in each part, as a fraction of its JSON (measured:
    /// 0.127 for the pretty-printed manifest of a 31-part bundle; a part that comes out too large is
    /// planned again).
    static let manifestRatio = 0.14

    /// The message body: the summary, cut at a line end when it is longer than an eighth of the
    /// limit (so that small limits leave room for the attachment), saying where the rest is.
    public static func emailBody(_ summary: String, limit: Int64) -> String {
        let bytes = Array(summary.utf8)
        guard limit > 0, Int64(bytes.count) > limit / 8 else { return summary }
        let room = Int(limit / 8) - 200
        var cut = max(0, room)
        while cut > 0, bytes[cut - 1] != 0x0A { cut -= 1 }
        return String(decoding: bytes[0..<cut], as: UTF8.self)
            + "\n[The summary is cut here to keep this message small; the whole summary is SUMMARY.txt in the bundle (part 1).]\n"
    }

    public static func package(bundle: FilePath, options: EmailOptions, logger: Logger? = nil) throws -> EmailResult {
        let log = logger ?? Logger(label: "amt.bundler", factory: { _ in SwiftLogNoOpLogHandler() })
        let reader = try BundleReader(path: bundle, passphrase: options.passphrase)
        let manifestBytes = try reader.manifestBytes()
        let manifest: Manifest
        do { manifest = try Manifest.decode(manifestBytes) } catch {
            throw BundleError(.badManifest, "manifest.json in \(bundle) does not decode: \(describe(error))", path: bundle)
        }
        let top = topName(bundle, options.format)
        let summaryBytes = (try? reader.read("\(top)/SUMMARY.txt", limit: 16 << 20)) ?? []
        let summary = String(decoding: summaryBytes, as: UTF8.self)
        let directory = bundle.removingLastComponent()
        let bundleSize = try fileSize(bundle)

        let single = message(options, attachment: bundle.lastComponent!.string, part: nil, summary: summary)
        if options.limit == 0 || single.size(attachmentBytes: bundleSize) <= options.limit {
            var m = single
            m.token = token(manifest: manifestBytes)
            let eml = try m.write(attachment: bundle, to: directory.appending("\(top).eml"), replacing: true)
            return EmailResult(archives: [bundle], messages: [eml], isSplit: false, largestMessage: m.size(attachmentBytes: bundleSize))
        }
        guard options.limit >= minimumLimit else {
            throw BundleError(.invalidArgument, "an email limit of \(options.limit) bytes is too small for a part (at least \(minimumLimit))")
        }
        return try split(bundle: bundle, reader: reader, manifest: manifest, top: top, summary: summary,
                         bundleSize: bundleSize, options: options, logger: log)
    }

    // MARK: - Splitting

    private static func split(
        bundle: FilePath, reader: BundleReader, manifest: Manifest, top: String, summary: String,
        bundleSize: Int64, options: EmailOptions, logger: Logger
    ) throws -> EmailResult {
        let directory = bundle.removingLastComponent()
        var items = planItems(bundle: bundle, manifest: manifest, top: top, bundleSize: bundleSize, format: options.format)
        let deflated = deflatedFiles(bundle: bundle, manifest: manifest, top: top, options: options)
        // tar.gz states no per-entry compressed size: estimates are corrected from the parts written.
        var refinements = options.format == .zip ? 0 : 2
        let overhead = entryOverhead(top: top, encrypted: options.passphrase != nil)
        var baseManifest = manifest
        baseManifest.part = Manifest.Part(index: 1, count: 1, bundleID: top, placement: manifest.files.filter { $0.status != .skipped }.map {
            Manifest.Placement(path: $0.path, part: 1)
        })
        var manifestReserve = Int64(Double((try? baseManifest.encoded().count) ?? 65_536) * manifestRatio) + 4096
        // The body the budget is computed with: the summary and room for the PARTS section
        // (encoded as the real one will be); grown when the real body turns out longer.
        var probeBody = summary + String(repeating: "x", count: 2048)
        var factor = 0.97
        var lastProblem = ""
        var attempt = 0
        var replans = 0
        while attempt < attempts {
            let probe = message(options, attachment: PartLayout.partName(bundle: top, index: 99, count: 99) + "." + options.format.fileExtension,
                                part: (99, 99), summary: probeBody)
            let budget = probe.maxAttachmentBytes(limit: options.limit)
            let capacity = Int64(Double(budget - manifestReserve - 1024) * factor)
            let plan: PartPlanner.Plan
            do {
                plan = try PartPlanner(capacity: capacity, entryOverhead: overhead).plan(items)
            } catch let problem as PartLayout.Problem {
                throw BundleError(.tooLarge, "cannot split \(bundle) for \(options.limit)-byte messages: \(problem.text); raise --email-limit")
            }
            let count = plan.parts.count
            let partsText = partsSection(plan: plan, top: top, format: options.format, limit: options.limit)
            let newSummary = Array((summary + partsText).utf8)
            // Sizes first (hashes have a fixed length), the segments' real hashes once the plan stands.
            var (files, placement) = layout(manifest: manifest, plan: plan, segmentHashes: [:], summary: newSummary)
            var partManifest = manifest
            partManifest.files = files
            partManifest.part = Manifest.Part(index: 1, count: count, bundleID: top, placement: placement)
            let manifestBytes = Int64((try partManifest.encoded()).count)
            let bodyText = String(decoding: newSummary, as: UTF8.self)
            let real = message(options, attachment: PartLayout.partName(bundle: top, index: 99, count: 99) + "." + options.format.fileExtension,
                               part: (99, 99), summary: bodyText)
            let bodyTooLong = real.maxAttachmentBytes(limit: options.limit) < budget
            let manifestTooLong = Int64(Double(manifestBytes) * manifestRatio) + 4096 > manifestReserve
            if manifestTooLong || bodyTooLong {
                // More parts make a longer manifest and PARTS section: plan again with room for them.
                if manifestTooLong { manifestReserve = Int64(Double(manifestBytes) * manifestRatio * 1.1) + 4096 }
                if bodyTooLong { probeBody = bodyText + String(repeating: "x", count: bodyText.utf8.count / 16 + 512) }
                lastProblem = "the manifest or summary grew"
                logger.debug("planning again", metadata: ["manifest": "\(manifestTooLong)", "body": "\(bodyTooLong)"])
                replans += 1
                if replans > 20 { break }
                continue
            }
            attempt += 1
            // Segment hashes: when every part can stay open until all are written, the writers
            // hash the segments as they write them and the manifests go in last; with more parts,
            // one pass over the bundle hashes them first.
            let deferred = count <= options.maxOpenParts
            let segmentHashes = deferred ? [:] : try hashSegments(plan: plan, reader: reader, top: top)
            (files, placement) = layout(manifest: manifest, plan: plan, segmentHashes: segmentHashes, summary: newSummary)
            partManifest.files = files
            partManifest.part = Manifest.Part(index: 1, count: count, bundleID: top, placement: placement)
            guard count < 1000 else {
                throw BundleError(.tooLarge, "the bundle \(bundle) would need \(count) parts of \(options.limit) bytes; raise --email-limit")
            }
            // Write every part under its temporary name, on two threads.
            var writers: [BundleWriter] = []
            var ok = true
            var largest: Int64 = 0
            var worst = 1.0
            var sizes: [Int64] = []
            let manifestForParts = partManifest
            let partManifestFor: @Sendable (Int) -> Manifest = { index in
                var m = manifestForParts
                m.part!.index = index
                return m
            }
            writers = try writeParts(count: count, plan: plan, reader: reader, top: top, summary: newSummary,
                                     directory: directory, options: options, logger: logger,
                                     manifest: deferred ? nil : partManifestFor, deflated: deflated)
            do {
                if deferred {
                    var hashes: [String: String] = [:]
                    for w in writers { for e in w.entries { hashes[e.path] = e.sha256 } }
                    (files, placement) = layout(manifest: manifest, plan: plan, segmentHashes: hashes, summary: newSummary)
                    partManifest.files = files
                    partManifest.part = Manifest.Part(index: 1, count: count, bundleID: top, placement: placement)
                    for (k, writer) in writers.enumerated() {
                        var m = partManifest
                        m.part!.index = k + 1
                        try writer.complete(manifest: m)
                    }
                }
                for (k, writer) in writers.enumerated() {
                    let index = k + 1
                    let size = try fileSize(writer.temporaryPath, shownAs: writer.finalPath)
                    sizes.append(size)
                    let msg = message(options, attachment: writer.finalPath.lastComponent!.string,
                                      part: (index, count), summary: bodyText)
                    let total = msg.size(attachmentBytes: size)
                    largest = max(largest, total)
                    if total > options.limit {
                        ok = false
                        worst = min(worst, Double(options.limit) / Double(total))
                        lastProblem = "part \(index) came out at \(total) bytes as a message"
                    }
                }
            } catch {
                for w in writers { w.abort() }
                throw error
            }
            if refinements > 0, count > 1 {
                // Parts too large, or far below the budget: scale each file's estimate by how its
                // part came out, and plan again.
                let fixed = Double(manifestBytes) * 0.15 + 1024
                let ratios = (0..<count).map { k in max(0.05, (Double(sizes[k]) - fixed) / Double(max(1, plan.used[k]))) }
                let fill = Double(sizes.dropLast().reduce(0, +)) / (Double(count - 1) * Double(budget))
                if fill < 0.8 || !ok {
                    refinements -= 1
                    var partsOf: [String: [Int]] = [:]
                    for (k, pieces) in plan.parts.enumerated() { for p in pieces { partsOf[p.path, default: []].append(k) } }
                    for i in items.indices {
                        let ks = partsOf[items[i].path] ?? []
                        guard !ks.isEmpty else { continue }
                        let r = ks.map { ratios[$0] }.reduce(0, +) / Double(ks.count)
                        items[i].packedBytes = max(64, Int64((Double(items[i].packedBytes) * min(r, 2)).rounded(.up)))
                    }
                    for w in writers { w.abort() }
                    logger.debug("estimates corrected from the parts, planning again", metadata: ["fill": "\(fill)", "fits": "\(ok)"])
                    factor = 0.97
                    continue
                }
            }
            guard ok else {
                for w in writers { w.abort() }
                logger.debug("parts too large, planning again", metadata: ["attempt": "\(attempt)", "why": "\(lastProblem)"])
                factor *= min(0.92, worst * 0.97)
                continue
            }
            // All parts fit: give them their final names (all or none).
            var published: [FilePath] = []
            do {
                for w in writers { published.append(try w.publish()) }
            } catch {
                for p in published { Platform.removeFile(p) }
                for w in writers { w.abort() }
                throw error
            }
            var messages: [FilePath] = []
            do {
                for (k, path) in published.enumerated() {
                    var msg = message(options, attachment: path.lastComponent!.string, part: (k + 1, count), summary: bodyText)
                    msg.token = token(manifest: try BundleReader(path: path, passphrase: options.passphrase).manifestBytes())
                    let name = PartLayout.partName(bundle: top, index: k + 1, count: count)
                    messages.append(try msg.write(attachment: path, to: directory.appending("\(name).eml"), replacing: true))
                }
            } catch {
                // All or nothing: without its drafts the parts go too; the unsplit bundle stays.
                for m in messages { Platform.removeFile(m) }
                for p in published { Platform.removeFile(p) }
                throw error
            }
            if let error = Platform.removeFile(bundle) {
                logger.warning("cannot remove the unsplit bundle", metadata: ["path": "\(bundle)", "error": "\(error)"])
            }
            return EmailResult(archives: published, messages: messages, isSplit: true, largestMessage: largest)
        }
        throw BundleError(.tooLarge, "cannot split \(bundle) into parts that fit \(options.limit)-byte messages (\(lastProblem)); raise --email-limit")
    }

    /// The files of the bundle with what they take in an archive and their priority.
    static func planItems(bundle: FilePath, manifest: Manifest, top: String, bundleSize: Int64, format: ArchiveFormat) -> [PartPlanner.Item] {
        let findingSources = Set(manifest.findings.flatMap(\.evidence).map(evidenceSource))
        let exact = format == .zip ? ZipDirectory.packedSizes(bundle) : nil
        let present = manifest.files.filter { $0.status != .skipped }
        let rawTotal = present.reduce(Int64(0)) { $0 + 1024 + ($1.bytes + 511) / 512 * 512 }
        let ratio = Double(bundleSize) / Double(max(1, rawTotal))
        return present.map { f in
            let packed = exact?["\(top)/\(f.path)"] ?? Int64((Double(1024 + (f.bytes + 511) / 512 * 512) * ratio).rounded(.up)) + 64
            let priority: Int
            if f.role == .summary || f.role == .report || f.path == "SUMMARY.txt" || f.path == "REPORT.html" {
                priority = 0
            } else if let s = f.source, findingSources.contains(s) {
                priority = 1
            } else if f.role == .system {
                priority = 2
            } else {
                priority = 3
            }
            return PartPlanner.Item(path: f.path, bytes: f.bytes, packedBytes: packed, priority: priority)
        }
    }

    /// The source path an evidence reference names: `path:line` or `path#record` without the locator.
    public static func evidenceSource(_ evidence: String) -> String {
        var s = Substring(evidence)
        var digits = 0
        while let last = s.last, last.isASCII, last.isNumber { s.removeLast(); digits += 1 }
        if digits > 0, let last = s.last, last == ":" || last == "#" { s.removeLast(); return String(s) }
        return evidence
    }

    /// Header bytes a new entry costs in a part (local header, descriptor, directory record).
    static func entryOverhead(top: String, encrypted: Bool) -> Int64 {
        Int64(2 * (top.utf8.count + 200) + 160 + (encrypted ? 64 : 0))
    }

    /// SHA-256 of every segment in the plan, by segment entry path. The files with segments are
    /// shared between two threads (about equal bytes each), each reading its files once.
    static func hashSegments(plan: PartPlanner.Plan, reader: BundleReader, top: String) throws -> [String: String] {
        var ranges: [String: [(path: String, offset: Int64, end: Int64)]] = [:]
        for pieces in plan.parts {
            for p in pieces {
                if let n = p.segment {
                    ranges[p.path, default: []].append((PartLayout.segmentPath(of: p.path, number: n), p.offset, p.offset + p.length))
                }
            }
        }
        guard !ranges.isEmpty else { return [:] }
        // Largest files first, each to the thread with fewer bytes so far.
        var shares: [[String: [(path: String, offset: Int64, end: Int64)]]] = [[:], [:]]
        var load: [Int64] = [0, 0]
        for (file, list) in ranges.sorted(by: { ($0.value.last?.end ?? 0, $0.key) > ($1.value.last?.end ?? 0, $1.key) }) {
            let t = load[0] <= load[1] ? 0 : 1
            shares[t][file] = list
            load[t] += list.map { $0.end }.max() ?? 0
        }
        let results = SegmentHashes()
        let work = shares.filter { !$0.isEmpty }
        DispatchQueue.concurrentPerform(iterations: work.count) { t in
            do {
                results.add(try hashSegments(work[t], reader: reader, top: top))
            } catch {
                results.fail(error)
            }
        }
        return try results.value()
    }

    /// `hashSegments` for some of the files: one pass over the bundle.
    private static func hashSegments(
        _ ranges: [String: [(path: String, offset: Int64, end: Int64)]], reader: BundleReader, top: String
    ) throws -> [String: String] {
        var out: [String: String] = [:]
        try reader.forEachEntry { entry in
            guard let inner = innerPath(entry.name, top: top), let list = ranges[inner]?.sorted(by: { $0.offset < $1.offset }) else { return nil }
            var position: Int64 = 0
            var k = 0
            var hasher = SHA256()
            return { chunk in
                var c = 0
                while c < chunk.count, k < list.count {
                    let r = list[k]
                    let take = Int(min(Int64(chunk.count - c), r.end - position))
                    if position >= r.offset { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: chunk[c..<(c + take)])) }
                    c += take
                    position += Int64(take)
                    if position == r.end {
                        out[r.path] = hex(hasher.finalize())
                        hasher = SHA256()
                        k += 1
                    }
                }
            }
        }
        return out
    }

    /// The part manifests' files (SUMMARY.txt with the PARTS section) and placement.
    static func layout(
        manifest: Manifest, plan: PartPlanner.Plan, segmentHashes: [String: String], summary: [UInt8]
    ) -> ([Manifest.File], [Manifest.Placement]) {
        var files = manifest.files
        if let k = files.firstIndex(where: { $0.path == "SUMMARY.txt" }) {
            files[k].bytes = Int64(summary.count)
            files[k].sha256 = hex(SHA256.hash(data: summary))
        }
        var whole: [String: Int] = [:]
        var segments: [String: [Manifest.Segment]] = [:]
        for (k, pieces) in plan.parts.enumerated() {
            for p in pieces {
                if let n = p.segment {
                    let path = PartLayout.segmentPath(of: p.path, number: n)
                    segments[p.path, default: []].append(Manifest.Segment(
                        path: path, part: k + 1, offset: p.offset, bytes: p.length, sha256: segmentHashes[path] ?? String(repeating: "0", count: 64)))
                } else {
                    whole[p.path] = k + 1
                }
            }
        }
        let placement: [Manifest.Placement] = files.filter { $0.status != .skipped }.map { f in
            if let s = segments[f.path] { return Manifest.Placement(path: f.path, segments: s.sorted { $0.offset < $1.offset }) }
            return Manifest.Placement(path: f.path, part: whole[f.path] ?? 0)
        }
        return (files, placement)
    }

    /// The bundle's files whose deflate streams parts use directly, by path: a part takes a whole
    /// one as the bundle holds it (neither inflated nor compressed again, nor hashed: the bundle
    /// manifest has its SHA-256), and segments are cut from one inflated by ISA-L. Only from a zip
    /// without encryption, into parts the igzip writer writes; `SUMMARY.txt` is not among them
    /// (parts add their PARTS section to it).
    static func deflatedFiles(bundle: FilePath, manifest: Manifest, top: String, options: EmailOptions) -> [String: PackedFile] {
        guard options.format == .zip, options.passphrase == nil,
              BundleWriter.writesZipItself(format: options.format, level: options.compressionLevel, encrypted: false),
              let entries = ZipDirectory.deflatedEntries(bundle) else { return [:] }
        var files: [String: PackedFile] = [:]
        for f in manifest.files where f.status != .skipped && f.path != "SUMMARY.txt" {
            guard var packed = entries["\(top)/\(f.path)"], packed.bytes == f.bytes else { continue }
            packed.sha256 = f.sha256
            files[f.path] = packed
        }
        return files
    }

    /// Writes parts `1...count` under their temporary names (not yet published), split between
    /// two threads: each takes a run of neighbouring parts, so a file whose segments go to several
    /// parts is read forward once per thread, and recompressing the bundle takes both cores. Each
    /// part is completed with `manifest(index)`, or left open for the caller when it is `nil`. On
    /// failure every part written is removed and the first error (in part order) thrown.
    static func writeParts(
        count: Int, plan: PartPlanner.Plan, reader: BundleReader, top: String, summary: [UInt8],
        directory: FilePath, options: EmailOptions, logger: Logger, manifest: (@Sendable (Int) -> Manifest)?,
        deflated: [String: PackedFile] = [:]
    ) throws -> [BundleWriter] {
        let results = PartResults(count: count)
        defer { results.release() }
        let threads = count > 1 ? 2 : 1
        // The parts' sizes are about equal: half of them each.
        let runs = threads == 1 ? [1...count] : [1...(count / 2), (count / 2 + 1)...count]
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var cursors: [String: EntryCursor] = [:]
            for index in runs[t] {
                do {
                    let writer = try writePart(index: index, plan: plan, manifest: manifest?(index), reader: reader, top: top,
                                               summary: summary, directory: directory, options: options,
                                               cursors: &cursors, deflated: deflated, logger: logger)
                    results.set(index - 1, .success(writer))
                } catch {
                    results.set(index - 1, .failure(error))
                    return
                }
            }
        }
        var writers: [BundleWriter] = []
        var failure: (any Error)? = nil
        for k in 0..<count {
            switch results.get(k) {
            case .success(let w)?: writers.append(w)
            case .failure(let e)?: if failure == nil { failure = e }
            case nil: break
            }
        }
        if let failure {
            for w in writers { w.abort() }
            throw failure
        }
        return writers
    }

    /// Writes part `index` under its temporary name (not yet published), completed with
    /// `manifest` when one is given.
    static func writePart(
        index: Int, plan: PartPlanner.Plan, manifest: Manifest?, reader: BundleReader, top: String,
        summary: [UInt8], directory: FilePath, options: EmailOptions, cursors: inout [String: EntryCursor],
        deflated: [String: PackedFile] = [:], logger: Logger
    ) throws -> BundleWriter {
        let count = plan.parts.count
        let writer = try BundleWriter(
            outputDirectory: directory, bundleName: PartLayout.partName(bundle: top, index: index, count: count),
            format: options.format, entryTime: options.entryTime, compressionLevel: options.compressionLevel,
            topFolder: top, passphrase: options.passphrase, logger: logger)
        do {
            var wanted: [String: [(entry: String, offset: Int64, end: Int64)]] = [:]
            var segments: [PartPlanner.Piece] = []
            for p in plan.parts[index - 1] {
                if p.segment != nil, p.path != "SUMMARY.txt" {
                    segments.append(p)
                } else {
                    wanted[p.path, default: []].append((p.path, p.offset, p.offset + p.length))
                }
            }
            if wanted.removeValue(forKey: "SUMMARY.txt") != nil {
                try writer.addData(at: "SUMMARY.txt", summary)
            }
            // Segments continue where the previous part's segment of the same file stopped; a thread
            // whose first part holds a later segment moves its own reader there.
            for p in segments {
                let cursor: EntryCursor
                if let c = cursors[p.path] { cursor = c } else {
                    cursor = try EntryCursor(path: reader.path, passphrase: reader.passphrase, entry: "\(top)/\(p.path)",
                                             deflated: deflated[p.path])
                    cursors[p.path] = cursor
                }
                if cursor.position < p.offset { try cursor.read(p.offset - cursor.position) { _ in } }
                guard cursor.position == p.offset else {
                    throw BundleError(.invalidState, "segment \(p.segment!) of \(p.path) starts at \(p.offset), the file was read to \(cursor.position)")
                }
                try writer.beginEntry(at: PartLayout.segmentPath(of: p.path, number: p.segment!))
                try cursor.read(p.length) { try writer.writeToEntry($0) }
                try writer.endEntry()
                // The file's last segment: let its reader go (a buffer and a descriptor each).
                let end = plan.parts.joined().filter { $0.path == p.path }.map { $0.offset + $0.length }.max() ?? 0
                if cursor.position == end { cursors[p.path] = nil }
            }
            // Whole files the bundle holds deflated: their streams copied as they are, in bundle order.
            if writer.takesPackedFiles {
                let whole = wanted.compactMap { path, ranges -> (path: String, packed: PackedFile)? in
                    guard let packed = deflated[path], ranges.count == 1, ranges[0].offset == 0,
                          ranges[0].end == packed.bytes else { return nil }
                    return (path, packed)
                }
                for (path, packed) in whole.sorted(by: { $0.packed.offset < $1.packed.offset }) {
                    _ = try writer.addPacked(at: path, packed)
                    wanted[path] = nil
                }
            }
            if wanted.isEmpty {
                if let manifest { try writer.complete(manifest: manifest) }
                return writer
            }
            var open: (entry: String, end: Int64)? = nil
            func closeOpen() throws {
                if let o = open {
                    throw BundleError(.corrupt, "entry \(o.entry) of \(reader.path) ended early", path: reader.path)
                }
            }
            try reader.forEachEntry { entry in
                try closeOpen()
                guard let inner = innerPath(entry.name, top: top), let list = wanted.removeValue(forKey: inner)?.sorted(by: { $0.offset < $1.offset })
                else { return nil }
                var k = 0
                // Empty pieces (empty files) have no data to wait for.
                while k < list.count, list[k].offset == list[k].end {
                    try writer.addData(at: list[k].entry, [])
                    k += 1
                }
                var position: Int64 = 0
                return { chunk in
                    var c = 0
                    while c < chunk.count, k < list.count {
                        let r = list[k]
                        if position < r.offset {
                            let skip = Int(min(Int64(chunk.count - c), r.offset - position))
                            c += skip
                            position += Int64(skip)
                            continue
                        }
                        if open == nil {
                            try writer.beginEntry(at: r.entry)
                            open = (r.entry, r.end)
                        }
                        let take = Int(min(Int64(chunk.count - c), r.end - position))
                        try writer.writeToEntry(UnsafeRawBufferPointer(rebasing: chunk[c..<(c + take)]))
                        c += take
                        position += Int64(take)
                        if position == r.end {
                            try writer.endEntry()
                            open = nil
                            k += 1
                        }
                    }
                }
            }
            try closeOpen()
            if let missing = wanted.keys.sorted().first {
                throw BundleError(.entryNotFound, "\(reader.path) has no entry \(top)/\(missing)", path: reader.path)
            }
            if let manifest { try writer.complete(manifest: manifest) }
        } catch {
            writer.abort()
            throw error
        }
        return writer
    }

    /// The PARTS section appended to SUMMARY.txt: what went where.
    static func partsSection(plan: PartPlanner.Plan, top: String, format: ArchiveFormat, limit: Int64) -> String {
        let count = plan.parts.count
        var out = "\nPARTS  \(count) parts, each in its own message of at most \(limit) bytes; all are needed\n"
        for (k, pieces) in plan.parts.enumerated() {
            out += "  part \(k + 1) of \(count)  \(PartLayout.partName(bundle: top, index: k + 1, count: count)).\(format.fileExtension)\n"
            var names = pieces.map { p -> String in
                guard let n = p.segment else { return p.path }
                let total = plan.parts.joined().filter { $0.path == p.path && $0.segment != nil }.count
                return "\(p.path) (segment \(n) of \(total))"
            }
            if k == 0 { names.insert("manifest.json", at: 0) }
            let shown = names.prefix(12)
            for n in shown { out += "    \(n)\n" }
            if names.count > shown.count { out += "    … and \(names.count - shown.count) more (manifest.json places every file)\n" }
        }
        out += "  Check: amt-collect verify <all parts>   Join: amt-collect extract <all parts> --out DIR\n"
        return out
    }

    static func message(_ o: EmailOptions, attachment: String, part: (Int, Int)?, summary: String) -> MailMessage {
        let body: String
        if o.passphrase != nil {
            body = """
                amt-collect support bundle for \(o.site.isEmpty ? "an unknown site" : o.site), case \(o.caseID.isEmpty ? "(none)" : o.caseID).

                The attached archive is encrypted (AES-256 zip); its summary is inside (SUMMARY.txt).
                Send the passphrase to support by another way (telephone), never in this message.
                Encrypted zips are often quarantined by mail filters: if support does not confirm
                receipt, ask how to deliver it instead.

                """
        } else {
            body = emailBody(summary, limit: o.limit)
        }
        return MailMessage(subject: MailMessage.subject(site: o.site, caseID: o.caseID, part: part.map { (index: $0.0, count: $0.1) }),
                           from: o.from, date: o.entryTime, body: body, attachmentName: attachment,
                           attachmentType: MailMessage.contentType(o.format))
    }

    static func innerPath(_ entryName: String, top: String) -> String? {
        guard let s = BundlePath.split(entryName), s.top == top else { return nil }
        return s.inner
    }

    static func topName(_ path: FilePath, _ format: ArchiveFormat) -> String {
        let name = path.lastComponent?.string ?? ""
        let ext = "." + format.fileExtension
        return name.hasSuffix(ext) ? String(name.dropLast(ext.count)) : name
    }

    /// The size of the file at `path`; errors name it as `shownAs` (a part is measured under its
    /// temporary name, and people know it by its final one).
    static func fileSize(_ path: FilePath, shownAs: FilePath? = nil) throws -> Int64 {
        let name = shownAs ?? path
        do {
            let fd = try FileDescriptor.open(path, .readOnly, options: Platform.openOptions)
            defer { try? fd.close() }
            guard let size = Platform.regularFileSize(fd) else {
                throw BundleError(.cannotOpen, "\(name) is not a regular file", path: path)
            }
            return size
        } catch let error as BundleError {
            throw error
        } catch {
            throw BundleError(.cannotOpen, "cannot open \(name)", path: path, cause: error as? Errno)
        }
    }

    /// 32 hex digits of the SHA-256 of an archive's `manifest.json` (Message-ID and boundary):
    /// unique to the archive, as the manifest lists every entry's SHA-256, the bundle's name and
    /// time and, for a part, its index; and cheap, as only the manifest is read, not the archive.
    static func token(manifest: [UInt8]) -> String {
        String(hex(SHA256.hash(data: manifest)).prefix(32))
    }
}

/// The parts written by `EmailPackager.writeParts`, one slot per part: each thread fills only its
/// own parts' slots, and they are read after both threads have finished.
private final class PartResults: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Result<BundleWriter, any Error>?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    func set(_ k: Int, _ value: Result<BundleWriter, any Error>) { slots[k] = value }
    func get(_ k: Int) -> Result<BundleWriter, any Error>? { slots[k] }

    func release() {
        _ = slots.deinitialize()
        slots.deallocate()
    }
}

/// Segment hashes gathered from the threads of `EmailPackager.hashSegments`.
private final class SegmentHashes: @unchecked Sendable {
    private let lock = NSLock()
    private var hashes: [String: String] = [:]
    private var failure: (any Error)?

    func add(_ more: [String: String]) {
        lock.lock(); defer { lock.unlock() }
        hashes.merge(more) { a, _ in a }
    }

    func fail(_ error: any Error) {
        lock.lock(); defer { lock.unlock() }
        if failure == nil { failure = error }
    }

    func value() throws -> [String: String] {
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
        return hashes
    }
}
