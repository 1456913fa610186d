import SystemPackage

/// Whether an output folder lies under the collection root, judged on the file system rather than
/// on the spelling of the paths: a symbolic link in `--out` or `--root`, or a second mount of the
/// root's folder (a bind mount), must not let output land under the root.
public enum RootContainment {
    /// `true` when writing in `output` (absolute; it need not exist yet) would write under `root`:
    /// lexically; or the real path of `output`'s nearest existing ancestor lies in the real path of
    /// `root`; or that real path or any of its ancestors is the root's folder itself (same device
    /// and inode, or volume serial and file index on Windows).
    public static func isInside(_ output: FilePath, root: FilePath) -> Bool {
        isInside(output, root: root, access: SystemFileAccess())
    }

    static func isInside(_ output: FilePath, root: FilePath, access: some FileSystemAccess) -> Bool {
        let out = output.lexicallyNormalized(), base = root.lexicallyNormalized()
        if out.isWithin(base) { return true }
        guard let realRoot = access.resolve(base) else { return false }
        let rootIdentity = (try? access.status(realRoot, followLinks: true))?.identity
        // The nearest ancestor that exists: what is below it will be created as plain folders.
        var existing = out
        var realOut = access.resolve(existing)
        while realOut == nil {
            let parent = existing.removingLastComponent()
            guard parent != existing, !parent.isEmpty else { return false }
            existing = parent
            realOut = access.resolve(existing)
        }
        guard let realOut else { return false }
        if realOut.isWithin(realRoot) { return true }
        guard let rootIdentity else { return false }
        var ancestor = realOut
        while true {
            if let identity = (try? access.status(ancestor, followLinks: true))?.identity, identity == rootIdentity {
                return true
            }
            let parent = ancestor.removingLastComponent()
            if parent == ancestor || parent.isEmpty { return false }
            ancestor = parent
        }
    }
}
