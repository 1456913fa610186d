import Bundler
import Collector
import LogRecord
import SystemPackage

/// Keeps a bundle clear of what mail filters block: archives found among the sources are
/// expanded (their members become sources), executables, installers, scripts and disk images
/// are left out and listed with the reason.
public enum MailFilter {
    /// Types mail systems commonly block (Exchange / Outlook / Gmail attachment rules).
    static let blockedExtensions: Set<String> = [
        "exe", "dll", "msi", "msp", "msu", "ps1", "psm1", "psd1", "iso", "img", "vhd", "vhdx", "sys", "bat", "cmd",
        "vbs", "vbe", "js", "jse", "wsf", "wsh", "scr", "com", "cpl", "hta", "jar", "lnk", "reg", "chm", "pif",
        "msc", "application", "gadget", "appx", "msix", "cat", "ocx",
    ]
    /// Archive names: expanded when libarchive reads them, never put into a bundle as they are.
    static let archiveExtensions: Set<String> = [
        "zip", "7z", "rar", "tar", "gz", "tgz", "bz2", "tbz", "tbz2", "xz", "txz", "cab", "lzh", "lha", "z",
    ]
    /// Members of an expanded archive that are left out: blocked types and nested archives.
    static let blockedMemberExtensions: Set<String> = blockedExtensions.union(archiveExtensions)

    enum Decision: Equatable {
        case collect
        case expand
        case leaveOut(String)
    }

    /// What to do with a source found by discovery or `--include`.
    static func decide(path: FilePath, relativePath: String) -> Decision {
        let ext = self.ext(relativePath)
        let kind = magic(path)
        if kind == .cabinet { return .expand }
        if archiveExtensions.contains(ext) {
            if kind != nil { return .expand }
            return .leaveOut("left out: a .\(ext) file that is not an archive libarchive reads (mail filters block the name)")
        }
        if blockedExtensions.contains(ext) {
            return .leaveOut("left out: .\(ext) files are blocked by mail filters")
        }
        return .collect
    }

    /// A cabinet, or an archive named as one (the `parse` command's test).
    public static func isExpandable(_ path: FilePath) -> Bool {
        decide(path: path, relativePath: path.lastComponent?.string ?? "") == .expand
    }

    /// How libarchive must read the archive: a single compressed file (`x.log.gz`) is one
    /// stream, everything else an archive.
    static func readFormats(_ path: FilePath) -> BundleReader.Formats {
        let name = (path.lastComponent?.string ?? "").lowercased()
        guard let kind = magic(path), [.gzip, .bzip2, .xz].contains(kind) else { return .any }
        for tarred in [".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz"] where name.hasSuffix(tarred) { return .any }
        return .compressedFile
    }

    /// The member name of a single compressed file: its name without the compression extension.
    static func streamMemberName(_ path: FilePath) -> String {
        let name = path.lastComponent?.string ?? "data"
        for suffix in [".gz", ".bz2", ".xz", ".z", ".Z", ".GZ", ".BZ2", ".XZ"] where name.hasSuffix(suffix) && name.count > suffix.count {
            return String(name.dropLast(suffix.count))
        }
        return name + ".data"
    }

    enum Kind { case cabinet, zip, sevenZip, rar, gzip, bzip2, xz, tar }

    /// The archive kind the file's first bytes announce, if any.
    static func magic(_ path: FilePath) -> Kind? {
        guard var reader = try? SourceReader(path: path, cap: Int64.max, chunkSize: 512),
              let chunk = try? reader.nextChunk() else { return nil }
        let b = chunk.bytes
        func starts(_ m: [UInt8]) -> Bool { b.count >= m.count && Array(b.prefix(m.count)) == m }
        if starts(Array("MSCF".utf8)) { return .cabinet }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if starts([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return .sevenZip }
        if starts(Array("Rar!".utf8)) { return .rar }
        if starts([0x1F, 0x8B]) { return .gzip }
        if starts(Array("BZh".utf8)) { return .bzip2 }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if b.count >= 262, Array(b[257..<262]) == Array("ustar".utf8) { return .tar }
        return nil
    }

    static func ext(_ name: String) -> String {
        let last = name.split(separator: "/").last.map(String.init) ?? name
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return "" }
        return last[last.index(after: dot)...].lowercased()
    }

    /// Sources split into those collected (archives among them are expanded) and those left out.
    static func partition(_ sources: [DiscoveredSource]) -> (kept: [DiscoveredSource], leftOut: [(path: String, entry: String, reason: String)]) {
        var kept: [DiscoveredSource] = []
        var leftOut: [(path: String, entry: String, reason: String)] = []
        for s in sources {
            if case .leaveOut(let reason) = decide(path: s.absolutePath, relativePath: s.relativePath) {
                leftOut.append((s.relativePath, s.entryID, reason))
            } else {
                kept.append(s)
            }
        }
        return (kept, leftOut)
    }

    /// The description of a source left out before it was read.
    static func leftOut(relativePath: String, entryID: String, reason: String) -> ProcessedSource {
        var p = ProcessedSource(relativePath: relativePath, entryID: entryID)
        p.failure = reason
        p.stats.dataset = "blocked"
        return p
    }
}
