import Collector
import Foundation
import LogRecord
import Logging
import Parsers
import SystemPackage

/// The logs the site's logging configurations name: where they are under the root, the layout
/// each was written with, and the ones that could not be found.
struct ConfigNamedLogs: Sendable {
    /// A declared log that was not collected: not found, on another volume, or unresolvable.
    struct Missing: Sendable, Equatable {
        /// Root-relative glob of the file (or the path as the config writes it when it is not on the root).
        var path: String
        /// The catalog-style entry id naming the config and target (`config:<file>#<target>`).
        var entry: String
        var reason: String
    }

    /// Files found where the configs send logs that the catalog had not found (kind `amt.error`).
    var sources: [DiscoveredSource] = []
    /// The declared layout of every collected file a config names (catalog-found ones too), by
    /// root-relative path.
    var layouts: [String: DeclaredLayout] = [:]
    /// Declared logs that were not collected, with why.
    var missing: [Missing] = []
    /// Config-named files discovery matched but did not take (permission denied, before `--since` …).
    var skipped: [SkippedSource] = []
    /// For people: configs that could not be read whole, problems in them, files two configs name.
    var notes: [String] = []
    /// The logs the configs declare, in the order they were read.
    var declared: [DeclaredLog] = []

    /// SUMMARY.txt's section on declared logs that were not collected: none when there are none.
    static func summarySection(_ missing: [(path: String, reason: String)]) -> [(String, [String])] {
        guard !missing.isEmpty else { return [] }
        return [("LOGS NAMED BY LOGGING CONFIGS BUT NOT COLLECTED (\(missing.count))",
                 missing.map { "\($0.path): \($0.reason)" })]
    }
}

/// Reads the logging configurations discovery found and looks for the logs they declare.
enum ConfigLogSearch {
    /// Bytes of one configuration read at most; a larger one is reported, not read in part.
    static let readCap: Int64 = 4 << 20
    /// Declared logs per run at most (each becomes a catalog entry of a second discovery walk).
    static let declaredLimit = 512
    /// File names never taken as logs even where a config's pattern matches them.
    static let exclude = ["*.{dll,exe,pdb,msi,config}"]

    /// Entry id of the declared log `target` of `configFile` (the manifest and `--dry-run` show it).
    static func entryID(configFile: String, target: String) -> String {
        "config:\(configFile)#\(target)"
    }

    /// Step 1b: every discovered configuration (kind `config`) read (bounded, read-only), its
    /// declared logs mapped onto the root and searched for under the catalog's rules (time window,
    /// caps, root containment, symbolic links, read-only), and matched with what discovery found.
    static func run(after found: DiscoveryResult, root: FilePath, includes: [FilePath], window: TimeWindow,
                    logger: Logger) -> ConfigNamedLogs {
        var out = ConfigNamedLogs()
        for source in found.sources where source.kind == .config {
            guard let bytes = read(source, notes: &out.notes) else { continue }
            let result = LoggingConfigReader.read(bytes, path: source.relativePath)
            out.notes += result.problems
            out.declared += result.logs
        }
        if out.declared.count > declaredLimit {
            out.notes.append("the logging configs declare \(out.declared.count) logs; the first \(declaredLimit) are looked for")
            out.declared = Array(out.declared.prefix(declaredLimit))
        }
        guard !out.declared.isEmpty else { return out }

        // One catalog entry per declared log, in a fixed order of preference: written by a logger
        // first, with a layout first, then by config path and target.
        struct Declared {
            var log: DeclaredLog
            var id: String
            var mapping: LogPathMapping
            var globs: [Glob]
        }
        var entries: [Declared] = []
        var ids: Set<String> = []
        for log in out.declared {
            var id = entryID(configFile: log.configFile, target: log.target)
            var n = 2
            while ids.contains(id) { id = entryID(configFile: log.configFile, target: "\(log.target)#\(n)"); n += 1 }
            ids.insert(id)
            let mapping = LogPathMapper.map(log)
            var globs: [Glob] = []
            for p in mapping.patterns {
                do { globs.append(try Glob(p)) } catch {
                    out.notes.append("\(log.configFile): the path of \(log.target) gives no usable pattern (\(error.description))")
                }
            }
            entries.append(Declared(log: log, id: id, mapping: mapping, globs: globs))
        }
        entries.sort { a, b in
            if a.log.referenced != b.log.referenced { return a.log.referenced }
            if (a.log.layout != nil) != (b.log.layout != nil) { return a.log.layout != nil }
            return (a.log.configFile, a.log.target) < (b.log.configFile, b.log.target)
        }

        let catalog = Catalog(entries: entries.filter { !$0.globs.isEmpty }.map { d in
            CatalogEntry(id: d.id, title: "\(d.log.library) \(d.log.targetType) \(d.log.target) named by \(d.log.configFile)",
                         group: "amt_error", kind: .dataset(Dataset.amtError), patterns: d.globs.map(\.source),
                         exclude: exclude, note: "path as written: \(d.log.path)")
        })
        let searched = catalog.entries.isEmpty ? nil
            : Discovery(root: root, catalog: catalog, window: window, logger: logger).run()
        let known = Dictionary(found.sources.map { ($0.relativePath, $0) }, uniquingKeysWith: { a, _ in a })
        let alreadySkipped = Set(found.skipped.map(\.relativePath))
        var matched: Set<String> = []

        func attach(_ relativePath: String) {
            let names = entries.filter { d in d.globs.contains { $0.matches(relativePath) } }
            guard let chosen = names.first else { return }
            for d in names { matched.insert(d.id) }
            if let layout = chosen.log.declaredLayout { out.layouts[relativePath] = layout }
            if names.count > 1 {
                let others = names.dropFirst().map { "\($0.log.configFile) target \($0.log.target)" }
                out.notes.append("\(relativePath): also named by \(others.joined(separator: ", ")); "
                                 + "read as \(chosen.log.configFile) target \(chosen.log.target) declares it")
            }
        }
        for s in searched?.sources ?? [] {
            if let existing = known[s.relativePath] {
                guard existing.kind != .config else { continue }
                attach(s.relativePath)
            } else {
                attach(s.relativePath)
                out.sources.append(s)
            }
        }
        for s in searched?.skipped ?? [] {
            // A file the catalog already found (or skipped) is not listed twice.
            if let d = entries.first(where: { $0.id == s.entryID }) { matched.insert(d.id) }
            guard known[s.relativePath] == nil, !alreadySkipped.contains(s.relativePath) else { continue }
            out.skipped.append(s)
        }

        // Files on another volume that an `--include` brings in.
        let included = found.sources.filter { $0.entryID == DiscoveredSource.includeEntryID }
        for d in entries {
            for e in d.mapping.elsewhere {
                guard let drive = e.drive, let pattern = e.pattern else { continue }
                for s in included where includeMatches(s.absolutePath, drive: drive, pattern: pattern, includes: includes) {
                    matched.insert(d.id)
                    if out.layouts[s.relativePath] == nil, let layout = d.log.declaredLayout { out.layouts[s.relativePath] = layout }
                }
            }
        }

        // A target no logger writes to is not expected to have a file: not listed as missing.
        for d in entries where !matched.contains(d.id) && d.log.referenced {
            let named = "named by \(d.log.configFile) target \(d.log.target)"
            // One line per place: the rolled names of a file on another volume share its reason.
            var reasons: Set<String> = []
            for e in d.mapping.elsewhere where reasons.insert(e.reason).inserted {
                out.missing.append(.init(path: d.log.path, entry: d.id, reason: "\(named); \(e.reason)"))
            }
            if let first = d.mapping.patterns.first {
                out.missing.append(.init(path: first, entry: d.id, reason: "\(named); not found under the root"))
            }
        }
        out.sources.sort { $0.relativePath < $1.relativePath }
        logger.info("logging configs read", metadata: [
            "declared": "\(out.declared.count)", "found": "\(out.sources.count)", "missing": "\(out.missing.count)",
        ])
        return out
    }

    /// Reads a configuration whole, or notes why not.
    static func read(_ source: DiscoveredSource, notes: inout [String]) -> [UInt8]? {
        do {
            var reader = try SourceReader(path: source.absolutePath, cap: readCap)
            if reader.truncation != nil {
                notes.append("\(source.relativePath): \(reader.size) bytes, more than \(readCap) bytes: its logs were not looked for")
                return nil
            }
            var bytes: [UInt8] = []
            while let chunk = try reader.nextChunk() { bytes += chunk.bytes }
            return bytes
        } catch {
            notes.append("\(source.relativePath): could not be read to find its logs: \(error.description)")
            return nil
        }
    }

    /// Whether the included file at `absolute` is the file `drive` + `pattern` names, for an
    /// `--include` on that drive (`D:\Logs`) that contains it. Compared as Windows paths.
    static func includeMatches(_ absolute: FilePath, drive: String, pattern: String, includes: [FilePath]) -> Bool {
        func windows(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "/") }
        let file = windows(absolute.string)
        guard file.lowercased().hasPrefix(drive.lowercased()) else { return false }
        for include in includes {
            let base = windows(include.string)
            guard base.lowercased().hasPrefix(drive.lowercased()), file.lowercased().hasPrefix(base.lowercased()) else { continue }
            let onDrive = String(file.dropFirst(drive.count)).trimmingSlashes
            if let glob = try? Glob(pattern), glob.matches(onDrive) { return true }
        }
        return false
    }
}

extension String {
    fileprivate var trimmingSlashes: String {
        var s = Substring(self)
        while s.hasPrefix("/") { s = s.dropFirst() }
        return String(s)
    }
}
