import LogRecord
import Logging
import SystemPackage

/// A file discovery decided to collect.
public struct DiscoveredSource: Sendable, Equatable {
    /// `entryID` of files given with `--include`.
    public static let includeEntryID = "include"

    /// Where to read it.
    public var absolutePath: FilePath
    /// Relative to the root, `/`-separated, original case (`log.file.path`). Files given with
    /// `--include` outside the root are named `include/<name>/…`.
    public var relativePath: String
    /// The catalog entry that matched first, or `include`.
    public var entryID: String
    /// The entry's `kind`: an `event.dataset`, `auto` (detect by content) or `config`.
    public var kind: SourceKind
    /// Bytes when discovered (the reader takes its own size again when it opens the file).
    public var size: Int64
    /// Last modification when discovered.
    public var modified: Timestamp?
    /// The entry's `max_bytes`, to pass to `SourceReader` as `cap`; `nil`: the default cap.
    public var maxBytes: Int64?
}

/// A file the catalog matched (or `--include` named) that is not collected, and why.
public struct SkippedSource: Sendable, Equatable {
    /// Why, as a stable name.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let permissionDenied = Code(rawValue: "permission_denied")
        /// Listed, then gone before it could be examined or opened.
        public static let vanished = Code(rawValue: "vanished")
        /// A folder that is its own ancestor through symbolic links, or a link loop.
        public static let loop = Code(rawValue: "loop")
        public static let danglingLink = Code(rawValue: "dangling_link")
        /// A symbolic link whose target lies outside the root (and outside any `--include`).
        public static let outsideRoot = Code(rawValue: "outside_root")
        /// Socket, FIFO, device …
        public static let notRegularFile = Code(rawValue: "not_regular_file")
        /// Last modified before `--since`.
        public static let beforeSince = Code(rawValue: "before_since")
        /// Matched only by an opt-in entry that was not asked for.
        public static let optInNotRequested = Code(rawValue: "opt_in_not_requested")
        /// The same file (device and inode) is already collected under another path.
        public static let duplicate = Code(rawValue: "duplicate")
        /// A folder nested deeper than the walk goes.
        public static let tooDeep = Code(rawValue: "too_deep")
        /// Any other failure to examine or open.
        public static let unreadable = Code(rawValue: "unreadable")
    }

    /// Relative to the root, as for `DiscoveredSource` (a folder when the folder could not be
    /// searched).
    public var relativePath: String
    /// The entry that matched (first), or `include`.
    public var entryID: String
    public var code: Code
    /// In words, for the manifest and the technician.
    public var reason: String
    /// Where it is, when known.
    public var absolutePath: FilePath?
}

/// What one catalog entry found (for `amt-collect catalog --root DIR`).
public struct EntryReport: Sendable {
    public var entry: CatalogEntry
    /// `false` for an opt-in entry that was not asked for: its files are in `skipped`.
    public var requested: Bool
    /// Files collected for this entry, by relative path.
    public var collected: [DiscoveredSource]
    /// Files this entry matched that are not collected, with the reason.
    public var skipped: [SkippedSource]
    /// Files whose names matched but whose content did not (`contains`), e.g. `.config` files
    /// without a logging section. Not collected; not a loss.
    public var contentNotMatched: [String]
}

/// The outcome of a discovery run.
public struct DiscoveryResult: Sendable {
    public var root: FilePath
    /// Files to collect, ordered by relative path; each file once.
    public var sources: [DiscoveredSource]
    /// Files matched but not collected, ordered by relative path.
    public var skipped: [SkippedSource]
    /// Catalog entries in catalog order, then `include` when `--include` was given.
    var entries: [CatalogEntry]
    var requested: [Bool]
    var contentMisses: [String: [String]]
    var hadIncludes: Bool

    /// Each catalog entry (in catalog order) with what it found; an `include` pseudo-entry last
    /// when `--include` paths were given.
    public func catalogReport() -> [EntryReport] {
        var reports: [EntryReport] = []
        for (entry, requested) in zip(entries, self.requested) {
            reports.append(EntryReport(
                entry: entry, requested: requested,
                collected: sources.filter { $0.entryID == entry.id },
                skipped: skipped.filter { $0.entryID == entry.id },
                contentNotMatched: contentMisses[entry.id] ?? []
            ))
        }
        if hadIncludes {
            let id = DiscoveredSource.includeEntryID
            reports.append(EntryReport(
                entry: CatalogEntry(id: id, title: "Files and folders given with --include", group: "config",
                                    kind: "auto", patterns: []),
                requested: true,
                collected: sources.filter { $0.entryID == id },
                skipped: skipped.filter { $0.entryID == id },
                contentNotMatched: []
            ))
        }
        return reports
    }
}

/// Finds the files to collect under a root: the catalog's globs, then `--include` paths.
///
/// One walk lists each folder that some pattern can still match below, once, and compares each
/// name case-insensitively against every pattern that is still alive there (an NFA over path
/// components), so the drive is not walked per pattern and folders no pattern reaches are never
/// opened. Only `stat`, directory listing and read-only opens are used: nothing under the root is
/// written, renamed or locked. Files are read only for entries with `contains` (first 64 KiB).
///
/// Symbolic links are followed while their target stays inside the root (or inside the
/// `--include` folder being walked); a folder that is its own ancestor is reported as a loop, and a
/// file or folder reached twice (same device and inode) is taken once.
///
/// A file whose entries all match is taken by the first entry in catalog order whose `exclude`
/// and `contains` let it through; an opt-in entry not named in `includeOptIn` is passed over (and
/// the file listed as skipped when no other entry takes it).
public struct Discovery: Sendable {
    public var root: FilePath
    public var catalog: Catalog
    /// Files and folders to collect whatever the catalog says (`--include`). Folders are walked
    /// whole; links inside them may point anywhere inside the folder or the root.
    public var includes: [FilePath]
    /// `since` skips files last modified before it (listed in `skipped` as "last written before
    /// --since"), except files named by `--include` and entries marked `any_age`. `until` does not
    /// skip files: a file written after it may still hold earlier records.
    public var window: TimeWindow
    /// Ids of opt-in entries to collect.
    public var includeOptIn: Set<String>
    public var logger: Logger
    let access: any FileSystemAccess

    /// Folders nested deeper than this below the root (or an included folder) are not searched.
    public static let depthLimit = 128
    /// Bytes read from a candidate file to test an entry's `contains`.
    public static let containsWindow = 64 << 10

    public init(
        root: FilePath, catalog: Catalog, includes: [FilePath] = [], window: TimeWindow = .all,
        includeOptIn: Set<String> = [], logger: Logger
    ) {
        self.init(root: root, catalog: catalog, includes: includes, window: window,
                  includeOptIn: includeOptIn, logger: logger, access: SystemFileAccess())
    }

    init(
        root: FilePath, catalog: Catalog, includes: [FilePath], window: TimeWindow,
        includeOptIn: Set<String>, logger: Logger, access: any FileSystemAccess
    ) {
        self.root = root
        self.catalog = catalog
        self.includes = includes
        self.window = window
        self.includeOptIn = includeOptIn
        self.logger = logger
        self.access = access
    }

    /// Walks the root and the includes. Never throws: every problem is a `SkippedSource` or a log
    /// message, and the run goes on.
    public func run() -> DiscoveryResult {
        var walk = Walk(discovery: self)
        walk.runCatalog()
        walk.runIncludes()
        let sources = walk.sources.sorted { $0.relativePath < $1.relativePath }
        let skipped = walk.skipped.sorted {
            ($0.relativePath, $0.entryID) < ($1.relativePath, $1.entryID)
        }
        logger.info("discovery finished", metadata: [
            "root": "\(root.string)", "collected": "\(sources.count)", "skipped": "\(skipped.count)",
        ])
        return DiscoveryResult(
            root: root, sources: sources, skipped: skipped, entries: catalog.entries,
            requested: catalog.entries.map { !$0.optIn || includeOptIn.contains($0.id) },
            contentMisses: walk.contentMisses, hadIncludes: !includes.isEmpty
        )
    }
}

/// The state of one discovery run.
private struct Walk {
    /// A position in one pattern alternative: `track` indexes `tracks`, `index` the next component.
    struct State: Hashable { var track: Int; var index: Int }
    struct Track { var entry: Int; var components: [GlobComponent] }

    /// What a walk below a folder is looking for.
    enum Mode {
        case catalog([State])
        /// Every file below an `--include` folder; symlinks may stay within `boundary`.
        case includeAll(boundary: FilePath?)
    }

    /// Which entries may take a file.
    enum Candidates {
        case entries([Int])
        case include(explicit: Bool)
    }

    let d: Discovery
    let tracks: [Track]
    let excludes: [[Glob]]
    let rootResolved: FilePath?
    var sources: [DiscoveredSource] = []
    var skipped: [SkippedSource] = []
    var contentMisses: [String: [String]] = [:]
    /// Files collected, by identity: the relative path they were collected as.
    var collected: [FileIdentity: String] = [:]
    /// Folders listed, by identity.
    var listed: [FileIdentity: String] = [:]
    var includeNames: Set<String> = []
    /// Children reached through symbolic links, handled after the walk that found them.
    var deferred: [Pending] = []

    init(discovery: Discovery) {
        d = discovery
        var tracks: [Track] = []
        var excludes: [[Glob]] = []
        for (index, entry) in discovery.catalog.entries.enumerated() {
            for pattern in entry.patterns {
                do {
                    for alternative in try Glob(pattern).alternatives {
                        tracks.append(Track(entry: index, components: alternative))
                    }
                } catch {
                    discovery.logger.error("catalog pattern ignored", metadata: [
                        "entry": "\(entry.id)", "problem": "\(error.description)",
                    ])
                }
            }
            excludes.append(entry.exclude.compactMap { try? Glob($0) })
        }
        self.tracks = tracks
        self.excludes = excludes
        rootResolved = discovery.access.resolve(discovery.root)
    }

    // MARK: - Catalog

    mutating func runCatalog() {
        guard !tracks.isEmpty else { return }
        var initial: [State] = []
        for t in tracks.indices {
            for i in GlobTrack.closure([0], tracks[t].components) { initial.append(State(track: t, index: i)) }
        }
        let rootStatus: FileStatus
        do {
            rootStatus = try d.access.status(d.root, followLinks: true)
        } catch {
            d.logger.error("cannot search the root", metadata: ["root": "\(d.root.string)", "error": "\(error)"])
            skip(".", entry: tracks[0].entry, error, path: d.root)
            return
        }
        guard rootStatus.kind == .directory else {
            d.logger.error("the root is not a folder", metadata: ["root": "\(d.root.string)"])
            addSkip(".", entryID: d.catalog.entries[tracks[0].entry].id, .notRegularFile,
                    "the root is a \(rootStatus.kind.noun), not a folder", d.root)
            return
        }
        var ancestors: [FileIdentity] = []
        if let id = rootStatus.identity { ancestors.append(id); listed[id] = "." }
        walk(d.root, rel: [], mode: .catalog(initial), ancestors: ancestors, depth: 0)
        drainDeferred()
    }

    /// The entry to blame for a folder-level problem: the first entry still alive there.
    func entryID(for mode: Mode) -> String {
        switch mode {
        case .catalog(let states):
            let entry = states.map { tracks[$0.track].entry }.min() ?? 0
            return d.catalog.entries[entry].id
        case .includeAll:
            return DiscoveredSource.includeEntryID
        }
    }

    /// Lists `dir` and handles each child that `mode` still wants.
    /// `ancestors` are the identities of `dir` and the folders above it (loop detection).
    mutating func walk(_ dir: FilePath, rel: [String], mode: Mode, ancestors: [FileIdentity], depth: Int) {
        let relString = rel.isEmpty ? "." : rel.joined(separator: "/")
        let children: [DirectoryEntry]
        do {
            children = try d.access.list(dir)
        } catch {
            d.logger.warning("cannot list folder", metadata: ["path": "\(dir.string)", "error": "\(error)"])
            skip(relString, entryIDString: entryID(for: mode), error, path: dir, what: "folder could not be searched")
            return
        }
        d.logger.debug("listed folder", metadata: ["path": "\(relString)", "entries": "\(children.count)"])
        for child in children.sorted(by: { $0.name < $1.name }) {
            // What this child can be: a file some pattern ends on, a folder some pattern goes into.
            var fileCandidates: Candidates?
            var childMode: Mode?
            switch mode {
            case .catalog(let states):
                let folded = Glob.fold(child.name)
                let next = step(states, folded)
                if next.isEmpty { continue }
                var ends: [Int] = []
                var alive: [State] = []
                for s in next {
                    if s.index == tracks[s.track].components.count {
                        if !ends.contains(tracks[s.track].entry) { ends.append(tracks[s.track].entry) }
                    } else {
                        alive.append(s)
                    }
                }
                if !ends.isEmpty { fileCandidates = .entries(ends.sorted()) }
                if !alive.isEmpty { childMode = .catalog(alive) }
            case .includeAll:
                fileCandidates = .include(explicit: false)
                childMode = mode
            }
            if fileCandidates == nil, childMode == nil { continue }
            // A name the listing says is a plain file is of no use when only folders are wanted.
            if fileCandidates == nil, let hint = child.kindHint, hint != .directory, hint != .symbolicLink { continue }

            let childRel = rel + [child.name]
            let childRelString = childRel.joined(separator: "/")
            guard let component = child.component else {
                addSkip(childRelString, entryID: fileCandidates.map(firstEntryID) ?? childMode.map(entryID(for:)) ?? "",
                        .unreadable, "the name cannot be made into a path", dir)
                continue
            }
            let childPath = dir.appending(component)
            let blame = fileCandidates.map(firstEntryID) ?? childMode.map(entryID(for:)) ?? ""
            guard let status = examine(childPath, rel: childRelString, entryID: blame, mode: mode) else { continue }
            let item = Pending(path: childPath, rel: childRel, status: status, fileCandidates: fileCandidates,
                               childMode: childMode, parentMode: mode, ancestors: ancestors, depth: depth + 1)
            if status.kind == .symbolicLink {
                // Whatever a link reaches is handled after the real paths, so that a file or folder
                // reached both ways is collected under its real path.
                deferred.append(item)
            } else {
                handle(item)
            }
        }
    }

    /// A child to handle: now, or after the walk when it was reached through a symbolic link.
    struct Pending {
        var path: FilePath
        var rel: [String]
        var status: FileStatus
        var fileCandidates: Candidates?
        var childMode: Mode?
        var parentMode: Mode
        var ancestors: [FileIdentity]
        var depth: Int
    }

    /// Handles the links found by a walk (and those found below them) until none is left.
    mutating func drainDeferred() {
        var next = 0
        defer { deferred.removeAll() }
        while next < deferred.count {
            let item = deferred[next]
            next += 1
            let rel = item.rel.joined(separator: "/")
            let blame = item.fileCandidates.map(firstEntryID) ?? item.childMode.map(entryID(for:)) ?? ""
            guard let target = followLink(item.path, rel: rel, entryID: blame, mode: item.parentMode) else { continue }
            var resolved = item
            resolved.status = target
            handle(resolved)
        }
    }

    /// Walks into a folder, takes a file, or records why not.
    mutating func handle(_ item: Pending) {
        let relString = item.rel.joined(separator: "/")
        switch item.status.kind {
        case .directory:
            guard let childMode = item.childMode else { return }
            if item.depth > Discovery.depthLimit {
                addSkip(relString, entryID: entryID(for: childMode), .tooDeep,
                        "folder nested deeper than \(Discovery.depthLimit) levels: not searched", item.path)
                return
            }
            var ancestors = item.ancestors
            if let id = item.status.identity {
                if ancestors.contains(id) {
                    addSkip(relString, entryID: entryID(for: childMode), .loop,
                            "folder loop: this folder leads back to \(listed[id] ?? "a folder above it") through a symbolic link",
                            item.path)
                    return
                }
                if let earlier = listed[id] {
                    addSkip(relString, entryID: entryID(for: childMode), .duplicate,
                            "same folder as \(earlier) (reached again through a symbolic link): searched once", item.path)
                    return
                }
                listed[id] = relString
                ancestors.append(id)
            }
            walk(item.path, rel: item.rel, mode: childMode, ancestors: ancestors, depth: item.depth)
        case .regular:
            guard let fileCandidates = item.fileCandidates else { return }
            consider(item.path, rel: relString, status: item.status, candidates: fileCandidates)
        case .symbolicLink:
            return  // `status(followLinks: true)` never answers this
        default:
            guard let fileCandidates = item.fileCandidates else { return }
            addSkip(relString, entryID: firstEntryID(fileCandidates), .notRegularFile,
                    "a \(item.status.kind.noun), not a regular file", item.path)
        }
    }

    func firstEntryID(_ candidates: Candidates) -> String {
        switch candidates {
        case .entries(let list): d.catalog.entries[list[0]].id
        case .include: DiscoveredSource.includeEntryID
        }
    }

    func step(_ states: [State], _ name: String) -> [State] {
        var next: [State] = []
        var i = 0
        // States arrive grouped by track; step each track's group together.
        while i < states.count {
            let track = states[i].track
            var group: [Int] = []
            while i < states.count, states[i].track == track { group.append(states[i].index); i += 1 }
            for index in GlobTrack.step(group, tracks[track].components, name) {
                next.append(State(track: track, index: index))
            }
        }
        return next
    }

    /// `lstat`, with failures recorded (a name listed a moment ago that is gone has vanished).
    mutating func examine(_ path: FilePath, rel: String, entryID: String, mode: Mode) -> FileStatus? {
        do {
            return try d.access.status(path, followLinks: false)
        } catch {
            skip(rel, entryIDString: entryID, error, path: path)
            return nil
        }
    }

    /// Follows a symbolic link that stays inside the root (or the include boundary).
    mutating func followLink(_ path: FilePath, rel: String, entryID: String, mode: Mode) -> FileStatus? {
        let target: FileStatus
        do {
            target = try d.access.status(path, followLinks: true)
        } catch {
            switch error.code {
            case .notFound:
                addSkip(rel, entryID: entryID, .danglingLink, "dangling symbolic link: its target does not exist", path)
            case .symlinkLoop:
                addSkip(rel, entryID: entryID, .loop, "symbolic link loop: the link leads back to itself", path)
            default:
                skip(rel, entryIDString: entryID, error, path: path)
            }
            return nil
        }
        guard let resolved = d.access.resolve(path) else {
            addSkip(rel, entryID: entryID, .danglingLink, "symbolic link could not be resolved", path)
            return nil
        }
        var inside = rootResolved.map { resolved.isWithin($0) } ?? false
        if case .includeAll(let boundary?) = mode, resolved.isWithin(boundary) { inside = true }
        guard inside else {
            addSkip(rel, entryID: entryID, .outsideRoot,
                    "symbolic link leads outside the root (to \(resolved.string)): not followed", path)
            return nil
        }
        return target
    }

    /// Decides whether a regular file is collected, and for which entry.
    mutating func consider(_ path: FilePath, rel: String, status: FileStatus, candidates: Candidates) {
        var chosen: CatalogEntry?
        var explicit = false
        switch candidates {
        case .include(let isExplicit):
            explicit = isExplicit
        case .entries(let list):
            var declinedOptIn: CatalogEntry?
            let folded = Glob.split(rel).map(Glob.fold)
            for index in list {
                let entry = d.catalog.entries[index]
                if excludes[index].contains(where: { glob in
                    glob.alternatives.allSatisfy { $0.count == 1 }
                        ? glob.matches(components: [folded.last ?? ""])
                        : glob.matches(components: folded)
                }) { continue }
                if entry.optIn, !d.includeOptIn.contains(entry.id) {
                    if declinedOptIn == nil { declinedOptIn = entry }
                    continue
                }
                if !entry.contains.isEmpty {
                    switch headContains(path, entry.contains) {
                    case .success(true): break
                    case .success(false):
                        contentMisses[entry.id, default: []].append(rel)
                        continue
                    case .failure(let error):
                        skip(rel, entryIDString: entry.id, error, path: path)
                        return
                    }
                }
                chosen = entry
                break
            }
            if chosen == nil {
                if let declinedOptIn {
                    addSkip(rel, entryID: declinedOptIn.id, .optInNotRequested,
                            "opt-in entry \"\(declinedOptIn.id)\" was not asked for (\(declinedOptIn.title))", path)
                }
                return
            }
        }
        let entryID = chosen?.id ?? DiscoveredSource.includeEntryID
        if let id = status.identity, let earlier = collected[id] {
            if earlier != rel {
                addSkip(rel, entryID: entryID, .duplicate, "same file as \(earlier): collected once", path)
            }
            return
        }
        if !explicit, chosen?.anyAge != true, !d.window.mayContainRecords(lastWritten: status.modified) {
            let when = status.modified.map { " (\($0.iso8601))" } ?? ""
            addSkip(rel, entryID: entryID, .beforeSince, "last written before --since\(when)", path)
            return
        }
        do {
            try d.access.checkReadable(path)
        } catch {
            skip(rel, entryIDString: entryID, error, path: path)
            return
        }
        if let id = status.identity { collected[id] = rel }
        d.logger.debug("collect", metadata: ["path": "\(rel)", "entry": "\(entryID)"])
        sources.append(DiscoveredSource(
            absolutePath: path, relativePath: rel, entryID: entryID, kind: chosen?.kind ?? "auto",
            size: status.size, modified: status.modified, maxBytes: chosen?.maxBytes
        ))
    }

    /// Whether the first `containsWindow` bytes hold one of `needles` (ASCII case-insensitive;
    /// NUL bytes are ignored so that UTF-16 text of ASCII needles matches too).
    func headContains(_ path: FilePath, _ needles: [String]) -> Result<Bool, CollectorError> {
        do {
            var reader = try SourceReader(path: path, cap: Int64(Discovery.containsWindow) * 2,
                                          chunkSize: Discovery.containsWindow, access: d.access)
            let head = try reader.nextChunk()?.bytes ?? []
            var folded: [UInt8] = []
            folded.reserveCapacity(head.count)
            for b in head where b != 0 { folded.append(b >= 0x41 && b <= 0x5A ? b + 32 : b) }
            for needle in needles {
                let n = Array(needle.lowercased().utf8)
                guard !n.isEmpty, n.count <= folded.count else { continue }
                var i = 0
                while i + n.count <= folded.count {
                    if folded[i] == n[0], folded[i..<(i + n.count)].elementsEqual(n) { return .success(true) }
                    i += 1
                }
            }
            return .success(false)
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Includes

    mutating func runIncludes() {
        for include in d.includes {
            let status: FileStatus
            let fallbackRel = "include/" + (include.lastComponent?.string ?? include.string)
            do {
                status = try d.access.status(include, followLinks: true)
            } catch {
                skip(fallbackRel, entryIDString: DiscoveredSource.includeEntryID, error, path: include)
                continue
            }
            let resolved = d.access.resolve(include) ?? include
            let rel = relativeName(forInclude: include, resolved: resolved)
            switch status.kind {
            case .regular:
                consider(include, rel: rel.joined(separator: "/"), status: status, candidates: .include(explicit: true))
            case .directory:
                // An included folder is searched for every file, even where the catalog walk has
                // been (it looked only for catalog names); files already taken are not taken twice.
                listed = [:]
                var ancestors: [FileIdentity] = []
                if let id = status.identity {
                    ancestors.append(id)
                    listed[id] = rel.joined(separator: "/")
                }
                walk(include, rel: rel, mode: .includeAll(boundary: resolved), ancestors: ancestors, depth: 0)
                drainDeferred()
            default:
                addSkip(rel.joined(separator: "/"), entryID: DiscoveredSource.includeEntryID, .notRegularFile,
                        "a \(status.kind.noun), not a regular file or folder", include)
            }
        }
    }

    /// Inside the root: the path relative to it. Outside: `include/<name>`, made unique.
    mutating func relativeName(forInclude include: FilePath, resolved: FilePath) -> [String] {
        if let rootResolved, resolved.isWithin(rootResolved) {
            var relative = resolved
            _ = relative.removePrefix(rootResolved)
            let parts = relative.components.map(\.string)
            if !parts.isEmpty { return parts }
        }
        let base = include.lastComponent?.string ?? resolved.lastComponent?.string ?? "include"
        var name = base
        var n = 2
        while includeNames.contains(Glob.fold(name)) {
            name = "\(base) (\(n))"
            n += 1
        }
        includeNames.insert(Glob.fold(name))
        return ["include", name]
    }

    // MARK: - Recording

    mutating func addSkip(_ rel: String, entryID: String, _ code: SkippedSource.Code, _ reason: String, _ path: FilePath?) {
        d.logger.info("skipped", metadata: ["path": "\(rel)", "entry": "\(entryID)", "reason": "\(reason)"])
        skipped.append(SkippedSource(relativePath: rel, entryID: entryID, code: code, reason: reason, absolutePath: path))
    }

    mutating func skip(_ rel: String, entry: Int, _ error: CollectorError, path: FilePath) {
        skip(rel, entryIDString: d.catalog.entries[entry].id, error, path: path)
    }

    /// Records a system error as a skip with the matching code and the system's words.
    mutating func skip(_ rel: String, entryIDString: String, _ error: CollectorError, path: FilePath, what: String? = nil) {
        let code: SkippedSource.Code
        let words: String
        switch error.code {
        case .permissionDenied: code = .permissionDenied; words = "permission denied"
        case .notFound: code = .vanished; words = "vanished between listing and reading"
        case .symlinkLoop: code = .loop; words = "symbolic link loop"
        case .notRegularFile, .isDirectory: code = .notRegularFile; words = "not a regular file"
        default: code = .unreadable; words = "could not be read"
        }
        var reason = what.map { "\($0): \(words)" } ?? words
        if let underlying = error.underlying { reason += " (\(underlying))" }
        addSkip(rel, entryID: entryIDString, code, reason, path)
    }
}
