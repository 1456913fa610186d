import CArchive
import Crypto
import Foundation
import Testing

/// `extract` and `verify` of the built binary on a bundle of the demo site, tampered with after
/// it was made: exit 1 and each problem named; nothing written through a link or over a file.
@Suite(.serialized) struct ExtractVerifyEndToEndTests {
    static let demoSite = E2E.packageRoot.appendingPathComponent("Fixtures/demo-site").path

    struct Bundle {
        let dir: URL
        let path: String
        /// The bundle folder inside the archive.
        let top: String
    }

    func demoBundle(_ name: String) throws -> Bundle {
        let dir = try E2E.tempDir(name)
        let out = dir.appendingPathComponent("bundle")
        let run = try E2E.run(["collect", "--root", Self.demoSite, "--out", out.path, "--case", "X-1", "--site", "Demo",
                               "--tz", "America/New_York", "--batch", "--json", "--email-limit", "0"],
                              environment: ["SOURCE_DATE_EPOCH": "1795000000"])
        #expect(run.status == 0, "collect: \(run.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let path = try #require(obj?["bundle"] as? String)
        let top = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return Bundle(dir: dir, path: path, top: top)
    }

    /// Writes the entries of `source` into a new zip at `target` with libarchive, `transform`
    /// changing an entry's bytes or dropping it (nil).
    func rewrite(_ source: String, to target: String, _ transform: (String, [UInt8]) -> [UInt8]?) throws {
        let entries = try E2E.readArchive(source)
        let a = archive_write_new()!
        defer { archive_write_free(a) }
        archive_write_set_format_zip(a)
        #expect(archive_write_open_filename(a, target) == ARCHIVE_OK)
        let e = archive_entry_new()!
        defer { archive_entry_free(e) }
        for (name, bytes) in entries.sorted(by: { $0.key < $1.key }) {
            guard let data = transform(name, bytes) else { continue }
            archive_entry_clear(e)
            archive_entry_set_pathname(e, name)
            archive_entry_set_filetype(e, 0o100000)
            archive_entry_set_perm(e, 0o644)
            archive_entry_set_size(e, Int64(data.count))
            #expect(archive_write_header(a, e) >= ARCHIVE_WARN)
            _ = data.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
        }
        #expect(archive_write_close(a) == ARCHIVE_OK)
    }

    @Test func extractNamesEachMissingAlteredOrResizedFile() throws {
        let b = try demoBundle("x-tamper")
        defer { try? FileManager.default.removeItem(at: b.dir) }
        let dpinst = "raw/Windows/DPINST.LOG", msi = "raw/Windows/Temp/MSI3f2a1.LOG", setupapi = "raw/Windows/INF/setupapi.dev.log"
        let tampered = b.dir.appendingPathComponent("tampered.zip").path
        try rewrite(b.path, to: tampered) { name, bytes in
            if name == "\(b.top)/\(dpinst)" { return nil }
            if name == "\(b.top)/\(msi)" { var c = bytes; c[c.count / 2] ^= 0x01; return c }
            if name == "\(b.top)/\(setupapi)" { return bytes + Array(">>> extra\n".utf8) }
            return bytes
        }
        let out = b.dir.appendingPathComponent("out")
        let run = try E2E.run(["extract", tampered, "--out", out.path])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("\(dpinst) is listed in the manifest but missing from the archive"), "\(run.stderr)")
        #expect(run.stderr.contains("\(msi): does not match its SHA-256"), "\(run.stderr)")
        #expect(run.stderr.contains("\(setupapi): the archive says"), "\(run.stderr)")
        #expect(run.stderr.contains("NOT complete: 3 problems"), "\(run.stderr)")
        for p in [dpinst, msi, setupapi] {
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("\(b.top)/\(p)").path), "\(p) was left")
        }
        // The untouched bundle extracts whole.
        let good = try E2E.run(["extract", b.path, "--out", b.dir.appendingPathComponent("good").path])
        #expect(good.status == 0, "\(good.stderr)")
    }

    @Test func extractNeverFollowsALinkNorReplacesAFile() throws {
        let b = try demoBundle("x-link")
        defer { try? FileManager.default.removeItem(at: b.dir) }
        let fm = FileManager.default
        let outside = b.dir.appendingPathComponent("outside")
        try fm.createDirectory(at: outside, withIntermediateDirectories: true)
        let out = b.dir.appendingPathComponent("out")
        let folder = out.appendingPathComponent(b.top)
        try fm.createDirectory(at: folder.appendingPathComponent("raw/Windows/Temp"), withIntermediateDirectories: true)
        // A folder on the way is a link out; the summary's name is a link to a file outside; one
        // file is already there.
        try fm.createSymbolicLink(atPath: folder.appendingPathComponent("raw/Windows/INF").path, withDestinationPath: outside.path)
        let victim = outside.appendingPathComponent("victim.txt")
        try Data("keep\n".utf8).write(to: victim)
        try fm.createSymbolicLink(atPath: folder.appendingPathComponent("SUMMARY.txt").path, withDestinationPath: victim.path)
        let mine = folder.appendingPathComponent("raw/Windows/Temp/MSI3f2a1.LOG")
        try Data("my notes\n".utf8).write(to: mine)

        let run = try E2E.run(["extract", b.path, "--out", out.path])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("raw/Windows/INF/setupapi.dev.log: \(folder.path)/raw/Windows/INF is a symbolic link, which is not followed"), "\(run.stderr)")
        #expect(run.stderr.contains("SUMMARY.txt: \(folder.path)/SUMMARY.txt is a symbolic link, which is not followed"), "\(run.stderr)")
        #expect(run.stderr.contains("raw/Windows/Temp/MSI3f2a1.LOG: \(mine.path) already exists and is not replaced"), "\(run.stderr)")
        #expect(try fm.contentsOfDirectory(atPath: outside.path) == ["victim.txt"])
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep\n")
        #expect(try String(contentsOf: mine, encoding: .utf8) == "my notes\n")
        #expect(fm.fileExists(atPath: folder.appendingPathComponent("raw/Windows/DPINST.LOG").path), "the other files are written")
    }

    /// A zip entry whose deflate data inflates to 64 MiB while the directory and the manifest say
    /// 100 bytes. Under a 1 MB file size limit, extract fails on the declared size, not on the
    /// limit: it never wrote past 100 bytes.
    @Test(.enabled(if: E2E.isLinux && FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")))
    func extractStopsAZipBombAtItsDeclaredSize() throws {
        let dir = try E2E.tempDir("x-bomb")
        defer { try? FileManager.default.removeItem(at: dir) }
        let top = "AMT-Bomb-1-20261118T110640Z"
        let head = [UInt8](repeating: 0, count: 100)
        let manifest: [String: Any] = [
            "schema": "amt-collect/manifest/1", "tool": ["name": "amt-collect", "version": "0"], "created": "2026-11-18T11:06:40Z",
            "command_line": ["amt-collect"], "case": ["id": "1", "site": "Bomb", "checklist": ["items": [] as [Any]]],
            "host": ["name": "h", "os": "w"], "collection": ["root": "C:\\", "duration_ms": 0, "redaction": ["mode": "none", "counts": [:] as [String: Any]]],
            "files": [["path": "raw/bomb.log", "kind": "text", "role": "raw", "bytes": 100, "sha256": sha256Hex(head),
                       "status": "ok", "counters": [:] as [String: Any], "problems": [] as [Any]]],
            "findings": [] as [Any], "skipped": [] as [Any],
        ]
        let m = [UInt8](try JSONSerialization.data(withJSONObject: manifest))
        let zip = handZip([("\(top)/raw/bomb.log", try rawDeflate([UInt8](repeating: 0, count: 64 << 20)), 8, 100),
                           ("\(top)/manifest.json", m, 0, m.count)])
        let bomb = dir.appendingPathComponent("bomb.zip")
        try Data(zip).write(to: bomb)
        let out = dir.appendingPathComponent("out")
        let run = try E2E.run([], shell: "trap '' XFSZ; exec /usr/bin/prlimit --fsize=1000000 '\(E2E.binary.path)' extract '\(bomb.path)' --out '\(out.path)'")
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("raw/bomb.log: holds more than the 100 bytes the manifest declares; stopped there"), "\(run.stderr)")
        #expect(!run.stderr.lowercased().contains("file too large"), "it wrote past the declared size: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("\(top)/raw/bomb.log").path))
        let verify = try E2E.run(["verify", bomb.path])
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("holds more than the 100 bytes its header says"), "\(verify.stderr)")
    }

    /// verify: bytes before or after the archive, and an entry the manifest does not list, make
    /// a bundle not whole (exit 1), zip and tar.gz.
    @Test func verifyAccountsForEveryByte() throws {
        let b = try demoBundle("v-bytes")
        defer { try? FileManager.default.removeItem(at: b.dir) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: b.path))
        #expect(try E2E.run(["verify", b.path]).status == 0)
        let cases: [(String, Data, String)] = [
            ("before.zip", Data("MZ stub".utf8) + bytes, "bytes stand before the zip archive"),
            ("after.zip", bytes + Data("trailer".utf8), "7 bytes follow the end of the zip archive"),
        ]
        for (name, data, says) in cases {
            let path = b.dir.appendingPathComponent(name).path
            try data.write(to: URL(fileURLWithPath: path))
            let run = try E2E.run(["verify", path])
            #expect(run.status == 1, "\(name): \(run.stderr)")
            #expect(run.stderr.contains("\(name): NOT whole"), "\(name): \(run.stderr)")
            #expect(run.stderr.contains(says), "\(name): \(run.stderr)")
            let json = try E2E.run(["verify", "--json", path])
            #expect(json.status == 1)
            #expect(json.stdout.contains("\"whole\":false"), "\(json.stdout)")
        }
        let extra = b.dir.appendingPathComponent("extra.zip").path
        try rewrite(b.path, to: extra) { _, bytes in bytes }
        #expect(try E2E.run(["verify", extra]).status == 0, "a faithful copy is whole")
        let smuggled = b.dir.appendingPathComponent("smuggled.zip").path
        try appendEntry(to: smuggled, from: b.path, name: "\(b.top)/raw/unlisted.txt", data: Array("not in the manifest\n".utf8))
        let run = try E2E.run(["verify", smuggled])
        #expect(run.status == 1)
        #expect(run.stderr.contains("entry \(b.top)/raw/unlisted.txt is not listed in the manifest"), "\(run.stderr)")

        // tar.gz: bytes after the gzip stream.
        let tgzDir = b.dir.appendingPathComponent("tgz")
        let t = try E2E.run(["collect", "--root", Self.demoSite, "--out", tgzDir.path, "--case", "X-2", "--site", "Demo",
                             "--batch", "--json", "--email-limit", "0", "--format", "tar.gz"])
        #expect(t.status == 0, "\(t.stderr)")
        let tgz = try #require((try JSONSerialization.jsonObject(with: Data(t.stdout.utf8)) as? [String: Any])?["bundle"] as? String)
        #expect(try E2E.run(["verify", tgz]).status == 0)
        let after = tgzDir.appendingPathComponent("after.tar.gz")
        try (try Data(contentsOf: URL(fileURLWithPath: tgz)) + Data([0, 0, 0, 0])).write(to: after)
        let ta = try E2E.run(["verify", after.path])
        #expect(ta.status == 1)
        #expect(ta.stderr.contains("4 bytes follow the end of the compressed archive"), "\(ta.stderr)")
    }

    /// Writes `target` as the entries of `source` plus one more.
    func appendEntry(to target: String, from source: String, name: String, data: [UInt8]) throws {
        var entries = try E2E.readArchive(source)
        entries[name] = data
        let a = archive_write_new()!
        defer { archive_write_free(a) }
        archive_write_set_format_zip(a)
        #expect(archive_write_open_filename(a, target) == ARCHIVE_OK)
        let e = archive_entry_new()!
        defer { archive_entry_free(e) }
        for (n, bytes) in entries.sorted(by: { $0.key < $1.key }) {
            archive_entry_clear(e)
            archive_entry_set_pathname(e, n)
            archive_entry_set_filetype(e, 0o100000)
            archive_entry_set_perm(e, 0o644)
            archive_entry_set_size(e, Int64(bytes.count))
            #expect(archive_write_header(a, e) >= ARCHIVE_WARN)
            _ = bytes.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
        }
        #expect(archive_write_close(a) == ARCHIVE_OK)
    }
}

/// A zip laid out by hand: (name, stored bytes, method, declared uncompressed size); sizes in the
/// local headers, no data descriptors. CRCs are those of the declared bytes' worth of zeros for
/// deflated entries (never reached: the reader stops first), else of the data.
func handZip(_ entries: [(String, [UInt8], UInt16, Int)]) -> [UInt8] {
    var out: [UInt8] = [], directory: [UInt8] = []
    func le16(_ v: Int, _ b: inout [UInt8]) { b += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func le32(_ v: UInt32, _ b: inout [UInt8]) { for s in [0, 8, 16, 24] { b.append(UInt8(v >> UInt32(s) & 0xFF)) } }
    for (nameText, data, method, declared) in entries {
        let name = Array(nameText.utf8), offset = UInt32(out.count)
        let crc = method == 0 ? crc32Of(data) : crc32Of([UInt8](repeating: 0, count: declared))
        for b in [0, 1] {
            if b == 0 { le32(0x0403_4B50, &out); le16(20, &out) } else {
                le32(0x0201_4B50, &directory); le16(0x0314, &directory); le16(20, &directory)
            }
            var h: [UInt8] = []
            le16(0, &h); le16(Int(method), &h); le16(0, &h); le16(0x5B21, &h)
            le32(crc, &h); le32(UInt32(data.count), &h); le32(UInt32(declared), &h); le16(name.count, &h); le16(0, &h)
            if b == 0 {
                out += h + name + data
            } else {
                directory += h
                le16(0, &directory); le16(0, &directory); le16(0, &directory)
                le32(UInt32(0o100644) << 16, &directory); le32(offset, &directory); directory += name
            }
        }
    }
    let directoryOffset = UInt32(out.count)
    out += directory
    le32(0x0605_4B50, &out); le16(0, &out); le16(0, &out); le16(entries.count, &out); le16(entries.count, &out)
    le32(UInt32(directory.count), &out); le32(directoryOffset, &out); le16(0, &out)
    return out
}

/// Raw deflate data (libarchive's gzip filter over the raw format, header and trailer cut off).
func rawDeflate(_ bytes: [UInt8]) throws -> [UInt8] {
    let a = archive_write_new()!
    defer { archive_write_free(a) }
    archive_write_set_format_raw(a)
    archive_write_add_filter_gzip(a)
    archive_write_set_bytes_in_last_block(a, 1)
    var buffer = [UInt8](repeating: 0, count: bytes.count / 100 + (1 << 20))
    var used = 0
    let opened = buffer.withUnsafeMutableBytes { archive_write_open_memory(a, $0.baseAddress, $0.count, &used) }
    #expect(opened == ARCHIVE_OK)
    let e = archive_entry_new()!
    defer { archive_entry_free(e) }
    archive_entry_set_filetype(e, 0o100000)
    archive_entry_set_size(e, Int64(bytes.count))
    #expect(archive_write_header(a, e) == ARCHIVE_OK)
    _ = bytes.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
    #expect(archive_write_close(a) == ARCHIVE_OK)
    #expect(used > 18 && buffer[0] == 0x1F && buffer[1] == 0x8B && buffer[3] == 0)
    return Array(buffer[10..<(used - 8)])
}

func crc32Of(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// SHA-256 as lower-case hex.
func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}
