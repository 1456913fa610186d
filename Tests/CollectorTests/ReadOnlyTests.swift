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
}
