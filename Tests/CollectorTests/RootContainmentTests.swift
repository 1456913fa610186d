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
}
