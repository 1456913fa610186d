import Bundler
import CArchive
import Foundation
import LogRecord
import SystemPackage
import Testing

/// A fresh directory under the system temporary directory, removed by `cleanup()`.
struct TempDir {
    let url: URL
    var path: FilePath { FilePath(url.path) }

    init(_ label: String = "bundler") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String, _ bytes: [UInt8]) throws -> FilePath {
        let u = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: u)
        return FilePath(u.path)
    }

    func names() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

let testTime = Timestamp(year: 2026, month: 11, day: 27, hour: 6, minute: 30, second: 0)!

/// Deterministic pseudo-random text (a log-like mix), `count` bytes.
func sampleBytes(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var out = [UInt8]()
    out.reserveCapacity(count)
    let words = ["door", "reader", "badge", "denied", "granted", "timeout", "sql", "error", "warning", "\n"]
    while out.count < count {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        out.append(contentsOf: words[Int(state % UInt64(words.count))].utf8)
        out.append(UInt8(ascii: " "))
    }
    return Array(out.prefix(count))
}

func sampleManifest(_ entries: [AddedEntry]) -> Manifest {
    Manifest(
        tool: .init(name: "amt-collect", version: "0.1.0"),
        created: Manifest.createdString(testTime),
        commandLine: ["amt-collect", "--case", "42"],
        case: .init(id: "42", site: "HQ", checklist: .init(items: [.init(name: "power", answer: .notApplicable)])),
        host: .init(name: "SRV01", os: "Windows Server 2019", utcOffsetMinutes: -300),
        collection: .init(root: "C:\\", durationMs: 1234, redaction: .init(mode: "secrets", counts: ["password": 2])),
        files: entries.map { Manifest.File($0, source: $0.path, kind: "raw", role: .raw) })
}

/// Writes a bundle with `files` (path in bundle → bytes) via addFile, plus a SUMMARY via addData.
@discardableResult
func writeBundle(
    in dir: TempDir, name: String = "AMT-HQ-42-20261127T063000Z", format: ArchiveFormat,
    files: [(String, [UInt8])], level: Int? = nil
) throws -> (FilePath, [AddedEntry]) {
    let sources = try TempDir("sources")
    defer { sources.cleanup() }
    let writer = try BundleWriter(outputDirectory: dir.path, bundleName: name, format: format, entryTime: testTime,
                                  compressionLevel: level)
    for (i, (path, bytes)) in files.enumerated() {
        let src = try sources.file("f\(i)", bytes)
        try writer.addFile(at: path, from: src)
    }
    try writer.addData(at: "SUMMARY.txt", Array("case 42\n".utf8))
    let final = try writer.finish(manifest: sampleManifest(writer.entries))
    return (final, writer.entries)
}

/// Copies an archive entry by entry with libarchive, letting `transform` change an entry's bytes
/// (return nil to drop it); `extra` entries are appended. Used to damage bundles on purpose.
func rewrite(
    _ source: FilePath, to target: FilePath, format: ArchiveFormat,
    transform: (String, [UInt8]) -> [UInt8]? = { $1 }, extra: [(String, [UInt8])] = []
) throws {
    var items: [(String, [UInt8])] = []
    try BundleReader(path: source).forEachEntry { entry in
        items.append((entry.name, []))
        return { chunk in items[items.count - 1].1.append(contentsOf: chunk) }
    }
    let a = archive_write_new()!
    defer { archive_write_free(a) }
    if format == .zip {
        archive_write_set_format_zip(a)
    } else {
        archive_write_set_format_pax_restricted(a)
        archive_write_add_filter_gzip(a)
    }
    #expect(archive_write_open_filename(a, target.string) == ARCHIVE_OK)
    let e = archive_entry_new()!
    defer { archive_entry_free(e) }
    for (name, bytes) in items.compactMap({ item in transform(item.0, item.1).map { (item.0, $0) } }) + extra {
        archive_entry_clear(e)
        archive_entry_set_pathname(e, name)
        archive_entry_set_filetype(e, 0o100000)
        archive_entry_set_perm(e, 0o644)
        archive_entry_set_size(e, Int64(bytes.count))
        #expect(archive_write_header(a, e) >= ARCHIVE_WARN)  // WARN: non-ASCII name in the C locale
        _ = bytes.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
    }
    #expect(archive_write_close(a) == ARCHIVE_OK)
}

/// Runs a program; returns its exit status and combined output, or nil if it is not installed.
func run(_ program: String, _ args: [String]) -> (status: Int32, output: String)? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [program] + args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    do { try p.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    if p.terminationStatus == 127 { return nil }
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Runs an independent tool's check of a bundle (`run`). When the tool is not installed, the test
/// output says so — a warning: that check did not run, the test's own checks did — and the result
/// is `nil`.
func crossCheck(_ program: String, _ args: [String], tool: String? = nil,
                sourceLocation: SourceLocation = #_sourceLocation) -> (status: Int32, output: String)? {
    if let result = run(program, args) { return result }
    Issue.record("\(tool ?? program) is not installed: its cross-check did not run", severity: .warning,
                 sourceLocation: sourceLocation)
    return nil
}

func fileBytes(_ path: FilePath) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path.string)))
}
