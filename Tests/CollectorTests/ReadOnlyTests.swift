import Foundation
import LogRecord
import SystemPackage
import Testing
@testable import Collector
#if canImport(Glibc)
import Glibc
#endif

/// Discovery and reading leave the tree exactly as it was: same names, bytes, modes and times.
@Suite struct ReadOnlyTests {
    struct Entry: Equatable {
        var mode: UInt32
        var size: Int64
        var mtimeSec: Int
        var mtimeNsec: Int
        var content: [UInt8]?
        var link: String?
    }

    static func snapshot(_ root: String) -> [String: Entry] {
        var out: [String: Entry] = [:]
        func visit(_ dir: String, _ rel: String) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
            for name in names {
                let path = dir + "/" + name
                let key = rel.isEmpty ? name : rel + "/" + name
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                var entry = Entry(mode: UInt32(st.st_mode), size: Int64(st.st_size),
                                  mtimeSec: Int(st.st_mtim.tv_sec), mtimeNsec: Int(st.st_mtim.tv_nsec))
                switch st.st_mode & S_IFMT {
                case S_IFREG: entry.content = FileManager.default.contents(atPath: path).map { Array($0) }
                case S_IFLNK: entry.link = try? FileManager.default.destinationOfSymbolicLink(atPath: path)
                case S_IFDIR: visit(path, key)
                default: break
                }
                out[key] = entry
            }
        }
        visit(root, "")
        return out
    }

    @Test func discoveryAndReadingChangeNothing() throws {
        let tree = try DiscoveryTests.buildTree()
        try tree.symlink("Program Files/AMT/WebBRIX/Logs/loop", to: "..")
        try tree.fifo("Windows/Temp/MSIpipe.LOG")
        let old = Date(timeIntervalSince1970: 1_700_000_000.123456)
        try tree.setModified("Windows/DPINST.LOG", old)
        let before = Self.snapshot(tree.url.path)
        #expect(before.count > 40)

        let result = Discovery.testing(tree.root, includes: [tree.root.appending("Windows/WinSxS")],
                                       optIn: ["event_log_security"]).run()
        #expect(result.sources.count > 30)
        for source in result.sources {
            var reader = try SourceReader(path: source.absolutePath, cap: source.maxBytes ?? (64 << 20), chunkSize: 7)
            var bytes: [UInt8] = []
            while let chunk = try reader.nextChunk() { bytes += chunk.bytes }
            #expect(Int64(bytes.count) == source.size)
        }
        _ = HostFacts.fromTree(root: tree.root)

        let after = Self.snapshot(tree.url.path)
        #expect(after.keys.sorted() == before.keys.sorted())
        for (key, entry) in before { #expect(after[key] == entry, "\(key) changed") }
    }

    #if os(Linux)
    /// The kernel refuses `O_NOATIME` with EPERM to a process that neither owns the file nor has
    /// CAP_FOWNER: the open is made again without it. Other errors are not retried.
    @Test func noAccessTimeFlagFallsBackOnEPERM() {
        var calls: [CInt] = []
        let fd = AccessTime.openKeepingAccessTime(O_RDONLY) { flags in
            calls.append(flags)
            if flags & AccessTime.noAccessTimeFlag != 0 {
                errno = EPERM
                return -1
            }
            return 42
        }
        #expect(fd == 42)
        #expect(calls == [O_RDONLY | AccessTime.noAccessTimeFlag, O_RDONLY])

        calls = []
        let denied = AccessTime.openKeepingAccessTime(O_RDONLY) { flags in
            calls.append(flags)
            errno = EACCES
            return -1
        }
        #expect(denied == -1 && errno == EACCES)
        #expect(calls == [O_RDONLY | AccessTime.noAccessTimeFlag], "only EPERM is retried")
    }

    /// Discovery lists folders and reads files without updating their access times. The control
    /// read shows that this file system does update them (relatime: when the access time is not
    /// after the modification time).
    @Test func listingAndReadingKeepAccessTimes() throws {
        let tree = try DiscoveryTests.buildTree()
        let old = timespec(tv_sec: 1_600_000_000, tv_nsec: 0), newer = timespec(tv_sec: 1_700_000_000, tv_nsec: 0)
        func age(_ path: String) {
            var times = [old, newer]
            _ = utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
        }
        func atime(_ path: String) -> Int {
            var st = stat()
            _ = lstat(path, &st)
            return Int(st.st_atim.tv_sec)
        }
        let control = try tree.write("control.txt")
        age(control)
        _ = FileManager.default.contents(atPath: control)
        guard atime(control) != old.tv_sec else {
            // Mounted noatime: access times never change here, so there is nothing to tell apart.
            return
        }
        var paths: [String] = [tree.url.path]
        let walker = FileManager.default.enumerator(atPath: tree.url.path)
        while let rel = walker?.nextObject() as? String { paths.append(tree.url.path + "/" + rel) }
        for p in paths { age(p) }

        let result = Discovery.testing(tree.root).run()
        #expect(result.sources.count > 30)
        for source in result.sources {
            var reader = try SourceReader(path: source.absolutePath, cap: source.maxBytes ?? (64 << 20))
            while try reader.nextChunk() != nil {}
        }
        for p in paths {
            var st = stat()
            _ = lstat(p, &st)
            if st.st_mode & S_IFMT == S_IFLNK { continue }
            #expect(atime(p) == old.tv_sec, "the access time of \(p.dropFirst(tree.url.path.count)) changed")
        }
    }
    #endif
}
