import Foundation
import Logging
import SystemPackage

/// A run's hold on one bundle name in an output folder, and the record that lets the next run
/// roll back an output set a killed run left behind.
///
/// The output set of a name `<stem>` is `<stem>.zip`, `<stem>.tar.gz`, `<stem>.eml` and the parts
/// `<stem>-part<i>of<n>.zip|tar.gz|eml`. A run claims a name by creating `.<stem>.run-lock`
/// (holding its pid) atomically — a hard link, or a rename that never replaces — before it writes
/// anything with that name; when the name is taken (its lock or an archive of its set exists — a
/// draft alone is a stale one whose bundle was moved away, and the next draft replaces it), the
/// next name `<stem>-2`, `<stem>-3` … is tried. The lock is removed only once the whole set is
/// written (`release`), or after the set is removed again (`rollBack`). A lock whose process no
/// longer runs therefore marks an output set that was never completed: `cleanAbandoned` removes
/// that set and the lock. A lock of a process that still runs is never touched.
public final class OutputClaim: Sendable {
    public let directory: FilePath
    /// The claimed name (the bundle's name without extension).
    public let stem: String
    /// `.<stem>.run-lock` in `directory`: there while the run writes the set.
    public let lockPath: FilePath

    static let lockSuffix = ".run-lock"
    static let lockTemporaryMarker = ".run-lock.tmp-"
    static let extensions = ["zip", "tar.gz", "eml"]

    private init(directory: FilePath, stem: String) {
        self.directory = directory
        self.stem = stem
        self.lockPath = directory.appending(".\(stem)\(Self.lockSuffix)")
    }

    /// Claims `baseName`, or the first of `baseName-2`, `baseName-3` … that is free.
    /// - Throws: `BundleError` `.cannotCreate` when no lock can be written in `directory`,
    ///   `.alreadyExists` when a thousand names are taken.
    public static func claim(directory: FilePath, baseName: String, logger: Logger? = nil) throws -> OutputClaim {
        let pid = Platform.currentProcessID
        let tag = UInt32.random(in: 0...UInt32.max)
        var serial = 0
        // A lock is made complete under a temporary name, `.<name>.run-lock.tmp-<pid>-<tag>-<n>`,
        // then given the lock's name without ever replacing one: it holds the pid from the start.
        func writeTemporary() throws -> FilePath {
            serial += 1
            let path = directory.appending(".\(baseName)\(lockTemporaryMarker)\(pid)-\(tag)-\(serial)")
            do {
                let fd = try FileDescriptor.open(
                    path, .writeOnly, options: Platform.openOptions.union([.create, .exclusiveCreate]),
                    permissions: [.ownerReadWrite, .groupRead, .otherRead])
                do {
                    _ = try fd.writeAll(Array("\(pid)\n".utf8))
                } catch {
                    try? fd.close()
                    throw error
                }
                try fd.close()
            } catch {
                Platform.removeFile(path)
                throw BundleError(.cannotCreate, "cannot write in the output folder \(directory)", path: path, cause: error as? Errno)
            }
            return path
        }
        var temporary: FilePath? = nil
        defer { if let temporary { Platform.removeFile(temporary) } }
        for k in 1...1000 {
            let stem = k == 1 ? baseName : "\(baseName)-\(k)"
            let claim = OutputClaim(directory: directory, stem: stem)
            if Platform.fileExists(claim.lockPath) { continue }
            if try claim.archivesListed() { continue }
            let source = try temporary ?? writeTemporary()
            temporary = source
            // A hard link keeps the temporary for a next try; where there are no links (FAT, some
            // shares) it is renamed, and the next try writes a new one.
            if !Platform.hardLink(source, claim.lockPath) {
                if let error = Platform.renameNoReplace(source, claim.lockPath) {
                    if error == .fileExists { continue }
                    throw BundleError(.cannotCreate, "cannot create a lock in the output folder \(directory)",
                                      path: claim.lockPath, cause: error)
                }
                temporary = nil
            }
            // Another run may have held this name, finished and let go between the check and the lock.
            if try claim.archivesListed() {
                Platform.removeFile(claim.lockPath)
                continue
            }
            logger?.debug("output name claimed", metadata: ["name": "\(stem)"])
            return claim
        }
        throw BundleError(.alreadyExists, "no free bundle name for \(baseName) in \(directory)", path: directory)
    }

    /// The whole output set is written: the lock goes, the files stay. Returns the error when
    /// the lock cannot be removed: the next run would then take the set for an interrupted one.
    @discardableResult
    public func release() -> Errno? {
        Platform.removeFile(lockPath)
    }

    /// What `rollBack` did.
    public struct RollBack: Sendable {
        /// Files of the set that were removed.
        public var removed: [FilePath] = []
        /// Files of the set that could not be removed, with why (the lock then stays, so that the
        /// next run tries again). A folder that cannot be listed is reported as itself.
        public var failed: [(path: FilePath, error: Errno)] = []
    }

    /// Removes every file of the output set, then the lock (kept when anything of the set could
    /// not be removed).
    @discardableResult
    public func rollBack(logger: Logger? = nil) -> RollBack {
        var result = RollBack()
        let outputs: [FilePath]
        do {
            outputs = try existingOutputs()
        } catch {
            logger?.warning("cannot list the output folder", metadata: ["path": "\(directory)", "error": "\(error)"])
            result.failed.append((directory, error))
            return result
        }
        for path in outputs {
            if let error = Platform.removeFile(path) {
                logger?.warning("cannot remove", metadata: ["path": "\(path)", "error": "\(error)"])
                result.failed.append((path, error))
            } else {
                result.removed.append(path)
            }
        }
        if result.failed.isEmpty { Platform.removeFile(lockPath) }
        return result
    }

    /// The files of this name's output set that exist, sorted.
    func existingOutputs() throws(Errno) -> [FilePath] {
        let listing = try Platform.directoryEntries(directory)
        return listing.map(\.name).filter { Self.isOutput($0, of: stem) }.sorted().map { directory.appending($0) }
    }

    /// Whether an archive of the set (bundle or part) exists, for `claim`: a folder that cannot
    /// be listed cannot be claimed in.
    private func archivesListed() throws -> Bool {
        do {
            return try existingOutputs().contains { $0.extension != "eml" }
        } catch {
            throw BundleError(.cannotCreate, "cannot list the output folder \(directory)", path: directory, cause: error)
        }
    }

    /// Whether `name` is `<stem>.<ext>` or `<stem>-part<i>of<n>.<ext>` (ext zip, tar.gz or eml).
    static func isOutput(_ name: String, of stem: String) -> Bool {
        guard name.hasPrefix(stem) else { return false }
        var rest = Substring(name.dropFirst(stem.count))
        if rest.hasPrefix("-part") {
            rest = rest.dropFirst("-part".count)
            let index = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !index.isEmpty else { return false }
            rest = rest.dropFirst(index.count)
            guard rest.hasPrefix("of") else { return false }
            rest = rest.dropFirst(2)
            let count = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !count.isEmpty else { return false }
            rest = rest.dropFirst(count.count)
        }
        return extensions.contains { rest == "." + $0 }
    }

    /// Rolls back the output sets of runs that no longer run (their lock stayed): removes every
    /// file of each such set, then its lock; also their lock temporaries. Returns what was removed.
    @discardableResult
    public static func cleanAbandoned(in directory: FilePath, logger: Logger? = nil) -> [FilePath] {
        guard let listing = try? Platform.directoryEntries(directory) else { return [] }
        var removed: [FilePath] = []
        for (name, _) in listing where name.hasPrefix(".") {
            let path = directory.appending(name)
            if let range = name.range(of: lockTemporaryMarker, options: .backwards),
               let pid = Int32(name[range.upperBound...].prefix(while: { $0 != "-" })) {
                if Platform.isStaleTemporary(pid: pid, modifiedSeconds: nil), Platform.removeFile(path) == nil {
                    removed.append(path)
                }
                continue
            }
            guard name.hasSuffix(lockSuffix) else { continue }
            let stem = String(name.dropFirst().dropLast(lockSuffix.count))
            guard !stem.isEmpty, let pid = readPID(path), Platform.isStaleTemporary(pid: pid, modifiedSeconds: nil) else { continue }
            let claim = OutputClaim(directory: directory, stem: stem)
            let rolled = claim.rollBack(logger: logger)
            for g in rolled.removed { logger?.info("removed output of an interrupted run", metadata: ["path": "\(g)"]) }
            removed += rolled.removed
            if rolled.failed.isEmpty { removed.append(path) }
        }
        return removed.sorted { $0.string < $1.string }
    }

    /// The pid written in a lock file; `nil` when it cannot be read (then the lock is kept).
    static func readPID(_ path: FilePath) -> Int32? {
        guard let fd = try? FileDescriptor.open(path, .readOnly, options: Platform.openOptions) else { return nil }
        defer { try? fd.close() }
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = (try? buffer.withUnsafeMutableBytes { try fd.read(into: $0) }) ?? 0
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }
}
