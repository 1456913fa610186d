import Foundation
import SystemPackage
import Testing
@testable import Bundler

/// A run's claim on a bundle name: unique names for runs in the same second, and the rollback of
/// output sets that killed runs left.
@Suite struct OutputClaimTests {
    /// The pid of a process that has exited (a short-lived child, waited for).
    static func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    @Test func takenNamesGetANumber() throws {
        let dir = try TempDir("claim")
        defer { dir.cleanup() }
        let base = "AMT-Site-4711-20261127T063000Z"
        let first = try OutputClaim.claim(directory: dir.path, baseName: base)
        #expect(first.stem == base)
        // Held by a running run: the next one takes -2.
        let second = try OutputClaim.claim(directory: dir.path, baseName: base)
        #expect(second.stem == base + "-2")
        // A finished bundle of the name (lock released) still takes the name.
        _ = try dir.file("\(base)-2.zip", [1])
        second.release()
        let third = try OutputClaim.claim(directory: dir.path, baseName: base)
        #expect(third.stem == base + "-3")
        first.release()
        third.release()
        #expect(dir.names() == ["\(base)-2.zip"], "locks or their temporaries were left: \(dir.names())")
    }

    /// A draft whose bundle was moved away does not take the name (the new draft replaces it);
    /// a part does.
    @Test func aStaleDraftAloneLeavesTheNameFree() throws {
        let dir = try TempDir("claim")
        defer { dir.cleanup() }
        let base = "AMT-Site-4711-20261127T063000Z"
        _ = try dir.file("\(base).eml", [1])
        let first = try OutputClaim.claim(directory: dir.path, baseName: base)
        #expect(first.stem == base)
        first.release()
        _ = try dir.file("\(base)-part2of3.zip", [1])
        let second = try OutputClaim.claim(directory: dir.path, baseName: base)
        #expect(second.stem == base + "-2")
        second.release()
    }

    /// Claims made at once from many threads are all different.
    @Test func concurrentClaimsAreUnique() throws {
        let dir = try TempDir("claim")
        defer { dir.cleanup() }
        let stems = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if let c = try? OutputClaim.claim(directory: dir.path, baseName: "AMT-a-b-20261127T063000Z") {
                stems.update { $0.append(c.stem) }
            }
        }
        #expect(stems.value.count == 8)
        #expect(Set(stems.value).count == 8, "\(stems.value)")
    }

    @Test func outputSetNames() {
        let stem = "AMT-S-C-20261127T063000Z"
        for name in ["\(stem).zip", "\(stem).tar.gz", "\(stem).eml", "\(stem)-part1of3.zip", "\(stem)-part12of12.eml",
                     "\(stem)-part2of3.tar.gz"] {
            #expect(OutputClaim.isOutput(name, of: stem), "\(name)")
        }
        for name in ["\(stem)-2.zip", "\(stem)-2-part1of3.zip", "\(stem).zip.bak", "\(stem)-partof3.zip", "\(stem)-part1of.zip",
                     ".\(stem).zip.partial-12", "\(stem)", "x\(stem).zip"] {
            #expect(!OutputClaim.isOutput(name, of: stem), "\(name)")
        }
    }

    /// `rollBack` removes the whole set and the lock, and nothing of another name.
    @Test func rollBackRemovesTheSet() throws {
        let dir = try TempDir("claim")
        defer { dir.cleanup() }
        let claim = try OutputClaim.claim(directory: dir.path, baseName: "AMT-S-C-20261127T063000Z")
        for n in ["AMT-S-C-20261127T063000Z.zip", "AMT-S-C-20261127T063000Z-part1of2.zip", "AMT-S-C-20261127T063000Z-part1of2.eml",
                  "AMT-S-C-20261127T063000Z-2.zip", "notes.txt"] {
            _ = try dir.file(n, [0])
        }
        let rolled = claim.rollBack()
        #expect(rolled.removed.count == 3 && rolled.failed.isEmpty)
        #expect(dir.names() == ["AMT-S-C-20261127T063000Z-2.zip", "notes.txt"])
    }

    /// A file of the set that cannot be removed (here a folder with a part's name) is reported,
    /// and the lock stays so that the next run tries again.
    @Test func rollBackKeepsTheLockWhenAFileStays() throws {
        let dir = try TempDir("claim")
        defer { dir.cleanup() }
        let stem = "AMT-S-C-20261127T063000Z"
        let claim = try OutputClaim.claim(directory: dir.path, baseName: stem)
        _ = try dir.file("\(stem).zip", [0])
        try FileManager.default.createDirectory(atPath: dir.path.appending("\(stem)-part1of2.zip").string, withIntermediateDirectories: false)
        let rolled = claim.rollBack()
        #expect(rolled.removed == [dir.path.appending("\(stem).zip")])
        #expect(rolled.failed.map(\.path) == [dir.path.appending("\(stem)-part1of2.zip")])
        #expect(dir.names() == [".\(stem).run-lock", "\(stem)-part1of2.zip"])
    }

    /// The set of a run that no longer runs goes (bundle, parts, drafts, lock); the set of a
    /// running one stays.
    @Test func abandonedSetsAreRolledBackLiveOnesKept() throws {
        let dir = try TempDir("claim")
        defer { dir.cleanup() }
        let dead = try Self.deadPID()
        let live = Int32(ProcessInfo.processInfo.processIdentifier)
        let gone = "AMT-S-C-20261127T063000Z", kept = "AMT-S-C-20261127T063001Z"
        _ = try dir.file(".\(gone).run-lock", Array("\(dead)\n".utf8))
        _ = try dir.file(".\(gone).run-lock.tmp-\(dead)-77", Array("\(dead)\n".utf8))
        for n in ["\(gone).zip", "\(gone)-part1of2.zip", "\(gone)-part2of2.zip", "\(gone)-part1of2.eml"] { _ = try dir.file(n, [0]) }
        _ = try dir.file(".\(kept).run-lock", Array("\(live)\n".utf8))
        for n in ["\(kept).zip", "\(kept).eml"] { _ = try dir.file(n, [0]) }
        _ = try dir.file("AMT-other.zip", [0])
        let removed = OutputClaim.cleanAbandoned(in: dir.path)
        #expect(removed.count == 6, "\(removed)")
        #expect(dir.names() == [".\(kept).run-lock", "AMT-S-C-20261127T063001Z.eml", "AMT-S-C-20261127T063001Z.zip", "AMT-other.zip"])
    }
}

/// A value shared between threads behind a lock.
final class Locked<T>: @unchecked Sendable {
    private var stored: T
    private let lock = NSLock()
    init(_ value: T) { stored = value }
    var value: T { lock.lock(); defer { lock.unlock() }; return stored }
    func update(_ body: (inout T) -> Void) { lock.lock(); body(&stored); lock.unlock() }
}
