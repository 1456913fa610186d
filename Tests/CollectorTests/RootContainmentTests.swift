import Foundation
import SystemPackage
import Testing
@testable import Collector

/// `--out` inside `--root` is judged on real paths and device + inode, not on spelling.
@Suite struct RootContainmentTests {
    @Test func plainPathsInsideAndBeside() throws {
        let tree = try TempTree("contain")
        try tree.mkdir("root/a")
        try tree.mkdir("rootish")
        let root = FilePath(tree.path("root"))
        #expect(RootContainment.isInside(FilePath(tree.path("root/a")), root: root))
        #expect(RootContainment.isInside(root, root: root))
        #expect(RootContainment.isInside(FilePath(tree.path("root/not/yet/made")), root: root))
        // A sibling whose name starts like the root's is outside.
        #expect(!RootContainment.isInside(FilePath(tree.path("rootish")), root: root))
        #expect(!RootContainment.isInside(FilePath(tree.path("rootish/new")), root: root))
        #expect(!RootContainment.isInside(FilePath(tree.path("elsewhere/new")), root: root))
    }

    /// A link outside the root that points into it: existing and not-yet-existing outputs below it.
    @Test func symlinkedOutputIntoTheRoot() throws {
        let tree = try TempTree("contain")
        try tree.mkdir("root/logs")
        try tree.symlink("outlink", to: tree.path("root/logs"))
        let root = FilePath(tree.path("root"))
        #expect(RootContainment.isInside(FilePath(tree.path("outlink")), root: root))
        #expect(RootContainment.isInside(FilePath(tree.path("outlink/new/deeper")), root: root))
    }

    /// A link given as the root: the output in its target is inside.
    @Test func symlinkedRoot() throws {
        let tree = try TempTree("contain")
        try tree.mkdir("real/out")
        try tree.symlink("rootlink", to: tree.path("real"))
        #expect(RootContainment.isInside(FilePath(tree.path("real/out")), root: FilePath(tree.path("rootlink"))))
        #expect(RootContainment.isInside(FilePath(tree.path("real/new")), root: FilePath(tree.path("rootlink"))))
        #expect(!RootContainment.isInside(FilePath(tree.path("other")), root: FilePath(tree.path("rootlink"))))
    }

    /// A link inside the path (a folder of the output is a link to an ancestor of the root's target).
    @Test func linkInTheMiddleOfThePath() throws {
        let tree = try TempTree("contain")
        try tree.mkdir("site/data")
        try tree.mkdir("work")
        try tree.symlink("work/hop", to: tree.path("site"))
        #expect(RootContainment.isInside(FilePath(tree.path("work/hop/data/out")), root: FilePath(tree.path("site"))))
        #expect(!RootContainment.isInside(FilePath(tree.path("work/out")), root: FilePath(tree.path("site"))))
    }

    /// A second mount of the root's folder shows the same device and inode under another real
    /// path (only root can bind-mount; elsewhere this test has nothing to try).
    @Test(.enabled(if: isRoot())) func bindMountOfTheRoot() throws {
        let tree = try TempTree("contain")
        try tree.mkdir("root/sub")
        try tree.mkdir("mnt")
        let mounted = Process()
        mounted.executableURL = URL(fileURLWithPath: "/bin/mount")
        mounted.arguments = ["--bind", tree.path("root"), tree.path("mnt")]
        mounted.standardError = FileHandle.nullDevice
        guard (try? mounted.run()) != nil else { return }
        mounted.waitUntilExit()
        guard mounted.terminationStatus == 0 else { return }   // no mount permission in this container
        defer {
            let u = Process()
            u.executableURL = URL(fileURLWithPath: "/bin/umount")
            u.arguments = [tree.path("mnt")]
            try? u.run()
            u.waitUntilExit()
        }
        #expect(RootContainment.isInside(FilePath(tree.path("mnt/sub")), root: FilePath(tree.path("root"))))
        #expect(RootContainment.isInside(FilePath(tree.path("mnt/new")), root: FilePath(tree.path("root"))))
    }

    /// What a bind mount looks like to the check, without mounting: the output's real path lies
    /// outside the root's, but one of its folders has the root folder's device and inode. The
    /// file system is simulated (only root may mount), so this runs everywhere.
    @Test func sameDeviceAndInodeAsTheRootIsInside() {
        let rootID = FileIdentity(device: 7, inode: 4242)
        let access = SimulatedMounts(folders: [
            "/srv/site": rootID,            // the root
            "/mnt/copy": rootID,            // the same folder mounted a second time
            "/mnt/copy/logs": FileIdentity(device: 7, inode: 4243),
            "/mnt": FileIdentity(device: 1, inode: 2), "/srv": FileIdentity(device: 1, inode: 3),
            "/": FileIdentity(device: 1, inode: 1),
            "/mnt/other": FileIdentity(device: 1, inode: 9),
        ])
        let root = FilePath("/srv/site")
        // An existing folder below the second mount, and one not yet made below it.
        #expect(RootContainment.isInside(FilePath("/mnt/copy/logs"), root: root, access: access))
        #expect(RootContainment.isInside(FilePath("/mnt/copy/logs/new/out"), root: root, access: access))
        #expect(RootContainment.isInside(FilePath("/mnt/copy"), root: root, access: access))
        // Beside it: another folder on the same file system as the mount point.
        #expect(!RootContainment.isInside(FilePath("/mnt/other/out"), root: root, access: access))
        #expect(!RootContainment.isInside(FilePath("/mnt/out"), root: root, access: access))
        // The same inode number on another device is another folder.
        let elsewhere = SimulatedMounts(folders: [
            "/srv/site": rootID, "/mnt/copy": FileIdentity(device: 8, inode: 4242),
            "/mnt": FileIdentity(device: 1, inode: 2), "/srv": FileIdentity(device: 1, inode: 3), "/": FileIdentity(device: 1, inode: 1),
        ])
        #expect(!RootContainment.isInside(FilePath("/mnt/copy/out"), root: root, access: elsewhere))
    }
}

/// Folders with given identities and no links: `resolve` answers for the folders that exist.
struct SimulatedMounts: FileSystemAccess {
    var folders: [String: FileIdentity]

    func list(_ directory: FilePath) throws(CollectorError) -> [DirectoryEntry] { [] }

    func status(_ path: FilePath, followLinks: Bool) throws(CollectorError) -> FileStatus {
        guard let identity = folders[path.string] else {
            throw CollectorError(code: .notFound, path: path.string, message: "no \(path)")
        }
        return FileStatus(kind: .directory, size: 0, modified: nil, identity: identity)
    }

    func checkReadable(_ path: FilePath) throws(CollectorError) {}

    func resolve(_ path: FilePath) -> FilePath? { folders[path.string] == nil ? nil : path }

    func openForReading(_ path: FilePath) throws(CollectorError) -> (FileDescriptor, FileStatus) {
        throw CollectorError(code: .notRegularFile, path: path.string, message: "no files here")
    }
}
