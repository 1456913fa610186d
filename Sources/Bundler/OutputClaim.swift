import Foundation
import Logging
import SystemPackage

/// A run's hold on one bundle name in an output folder, and the record that lets the next run
/// roll back an output set a killed run left behind.
///
/// The output set of a name `<stem>` is `<stem>.zip`, `<stem>.tar.gz`, `<stem>.eml` and the parts
/// `<stem>-part<i>of<n>.zip|tar.gz|eml`. A run claims a name by creating `.<stem>.run-lock`
/// (holding its pid) atomically — a hard link, or a rename that never replaces — before it writes
/// anything with that name; when the name is taken (its lock or any file of its set exists), the
/// next name `<stem>-2`, `<stem>-3` … is tried. The lock is removed only once the whole set is
/// written (`release`), or after the set is removed again (`rollBack`). A lock whose process no
/// longer runs therefore marks an output set that was never completed: `cleanAbandoned` removes
/// that set and the lock. A lock of a process that still runs is never touched.
public final class OutputClaim: Sendable {
    public let directory: FilePath
    /// The claimed name (the bundle's name without extension).
    public let stem: String
    let lockPath: FilePath

    static let lockSuffix = ".run-lock"
    static let lockTemporaryMarker = ".run-lock.tmp-"
    static let extensions = ["zip", "tar.gz", "eml"]

    private init(directory: FilePath, stem: String) {
        self.directory = directory
        self.stem = stem
        self.lockPath = directory.appending(".\(stem)\(Self.lockSuffix)")
    }

    /// Claims `baseName`, or the first of `baseName-2`, `baseName-3` … that is free.
    /// - Throws: `BundleError` `.cannotCreate` when no lock can be written in `directory`.
    public static func claim(directory: FilePath, baseName: String, logger: Logger? = nil) throws -> OutputClaim {
        let pid = Platform.currentProcessID
        // Unique per call: `.<name>.run-lock.tmp-<pid>-<random>`.
        let temporary = directory.appending(".\(baseName)\(lockTemporaryMarker)\(pid)-\(UInt32.random(in: 0...UInt32.max))")
        do {
            let fd = try FileDescriptor.open(
                temporary, .writeOnly, options: Platform.openOptions.union([.create, .truncate]),
                permissions: [.ownerReadWrite, .groupRead, .otherRead])
            defer { try? fd.close() }
            _ = try fd.writeAll(Array("\(pid)\n".utf8))
        } catch {
            Platform.removeFile(temporary)
            throw BundleError(.cannotCreate, "cannot write in the output folder \(directory) (lock file \(temporary))",
                              path: temporary, cause: error as? Errno)
        }
        defer { Platform.removeFile(temporary) }
        for k in 1...1000 {
            let stem = k == 1 ? baseName : "\(baseName)-\(k)"
            let claim = OutputClaim(directory: directory, stem: stem)
            if Platform.fileExists(claim.lockPath) || !claim.existingOutputs().isEmpty { continue }
            // A hard link keeps the temporary file for the next try; where links are missing
            // (FAT, some shares) renameNoReplace renames, and a fresh temporary is needed.
            let linked = Platform.hardLink(temporary, claim.lockPath)
            if !linked {
                if let error = Platform.renameNoReplace(temporary, claim.lockPath) {
                    if error == .fileExists { continue }
                    throw BundleError(.cannotCreate, "cannot create the lock file \(claim.lockPath)", path: claim.lockPath, cause: error)
                }
                // Renamed: write the temporary again for a possible next try.
                if let fd = try? FileDescriptor.open(temporary, .writeOnly, options: Platform.openOptions.union([.create, .truncate]),
                                                     permissions: [.ownerReadWrite, .groupRead, .otherRead]) {
                    _ = try? fd.writeAll(Array("\(pid)\n".utf8))
                    try? fd.close()
                }
            }
            // Another run may have finished this name between the check and the lock.
            if !claim.existingOutputs().isEmpty {
                Platform.removeFile(claim.lockPath)
                continue
            }
            logger?.debug("output name claimed", metadata: ["name": "\(stem)"])
            return claim
        }
        throw BundleError(.alreadyExists, "no free bundle name for \(baseName) in \(directory)", path: directory)
    }

    /// The whole output set is written: the lock goes, the files stay.
    public func release() {
        Platform.removeFile(lockPath)
    }

    /// Removes every file of the output set (and the lock, last). Returns the removed paths.
    @discardableResult
    public func rollBack(logger: Logger? = nil) -> [FilePath] {
        var removed: [FilePath] = []
        for path in existingOutputs() {
            if let error = Platform.removeFile(path) {
                logger?.warning("cannot remove", metadata: ["path": "\(path)", "error": "\(error)"])
            } else {
                removed.append(path)
            }
        }
        Platform.removeFile(lockPath)
        return removed
    }

    /// The files of this name's output set that exist.
    func existingOutputs() -> [FilePath] {
        guard let listing = try? Platform.directoryEntries(directory) else { return [] }
        return listing.map(\.name).filter { Self.isOutput($0, of: stem) }.sorted().map { directory.appending($0) }
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
            let gone = claim.rollBack(logger: logger)
            for g in gone { logger?.info("removed output of an interrupted run", metadata: ["path": "\(g)"]) }
            removed += gone + [path]
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
