import Foundation
import LogRecord
import Logging
import SystemPackage

/// Facts about the machine the logs come from, for the manifest's `host` and SUMMARY.txt.
///
/// A fact that is not known is `nil` (left out of the JSON), never guessed. `notes` says where
/// each known fact came from and why an unknown one is unknown.
public struct HostFacts: Codable, Sendable, Equatable {
    /// Host name (`WEBBRIX01`).
    public var name: String?
    /// Operating system name (`Microsoft Windows Server 2019 Standard`, `Debian GNU/Linux`).
    public var os: String?
    /// Its version (`10.0.17763`; on Linux the distribution's version and the kernel release).
    public var osVersion: String?
    /// Time zone identifier (IANA, as Foundation names it).
    public var timeZone: String?
    /// The UTC offset in force, in minutes east of UTC (`-300` for UTC-5).
    public var utcOffsetMinutes: Int?
    /// The Windows ANSI code page (`GetACP()`: 1252, 1251, 936 …), the prior for reading text
    /// that is not UTF-8; in a copied tree, what the site's own files show.
    public var ansiCodePage: Int?
    /// `live system` or `collected tree`.
    public var source: String
    /// Where each fact came from, and why any is unknown.
    public var notes: [String]

    public static let liveSource = "live system"
    public static let treeSource = "collected tree"

    public init(name: String? = nil, os: String? = nil, osVersion: String? = nil, timeZone: String? = nil,
                utcOffsetMinutes: Int? = nil, source: String, notes: [String] = []) {
        self.name = name
        self.os = os
        self.osVersion = osVersion
        self.timeZone = timeZone
        self.utcOffsetMinutes = utcOffsetMinutes
        self.source = source
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case name, os
        case osVersion = "os_version"
        case timeZone = "time_zone"
        case utcOffsetMinutes = "utc_offset_minutes"
        case ansiCodePage = "ansi_code_page"
        case source, notes
    }

    /// This machine: host name, OS name and version (see the `+Linux` / `+Windows` files), and the
    /// current time zone and offset.
    public static func live() -> HostFacts {
        var facts = HostFacts(source: liveSource)
        PlatformHost.fill(&facts)
        let zone = TimeZone.current
        facts.timeZone = zone.identifier
        facts.utcOffsetMinutes = zone.secondsFromGMT() / 60
        return facts
    }

    /// What a copied Windows tree says about its machine, where that is cheap to read: SQL Server
    /// setup summaries (`Machine name:`, `OS version:`), the current SQL Server ERRORLOG
    /// (`Server name is '…'`, `UTC adjustment: -5:00`, the `on Windows …` banner) and the header of
    /// `setupapi.dev.log` (`OS Version = …`). Each file is read only up to its first 64 KiB; the
    /// newest file of each kind wins. The time zone name lives in the registry, which is not read,
    /// so `timeZone` stays unknown.
    public static func fromTree(root: FilePath) -> HostFacts {
        TreeFacts(root: root).gather()
    }
}

/// Reads facts from files in a collected tree.
struct TreeFacts {
    let root: FilePath
    static let headBytes = 64 << 10

    func gather() -> HostFacts {
        var facts = HostFacts(source: HostFacts.treeSource)
        let sql = "Program Files{, (x86)}/Microsoft SQL Server"
        let catalog = Catalog(entries: [
            CatalogEntry(id: "summary", title: "", group: "install", kind: "sql.setup",
                         patterns: ["\(sql)/*/Setup Bootstrap/Log/**/Summary*.txt"]),
            CatalogEntry(id: "errorlog", title: "", group: "sql", kind: "sql.errorlog",
                         patterns: ["\(sql)/MSSQL*/MSSQL/Log/ERRORLOG"]),
            CatalogEntry(id: "setupapi", title: "", group: "install", kind: "setupapi",
                         patterns: ["Windows/INF/setupapi.dev.log", "Windows/INF/setupapi.app.log"]),
        ])
        let logger = Logger(label: "amt-collect.host-facts", factory: { _ in SwiftLogNoOpLogHandler() })
        let found = Discovery(root: root, catalog: catalog, logger: logger).run().sources
        func newest(_ id: String) -> [DiscoveredSource] {
            found.filter { $0.entryID == id }.sorted {
                ($0.modified?.microseconds ?? .min, $0.relativePath) > ($1.modified?.microseconds ?? .min, $1.relativePath)
            }
        }

        for source in newest("summary") {
            let lines = TreeFacts.lines(of: source.absolutePath)
            if facts.name == nil, let value = TreeFacts.value(after: "Machine name:", in: lines) {
                facts.name = value
                facts.notes.append("name from \(source.relativePath)")
            }
            if facts.os == nil, let value = TreeFacts.value(after: "OS version:", in: lines) {
                // "Microsoft Windows Server 2019 Standard (10.0.17763)"
                if let open = value.lastIndex(of: "("), value.hasSuffix(")") {
                    facts.os = value[..<open].trimmingSpaces()
                    let version = String(value[value.index(after: open)..<value.index(before: value.endIndex)]).trimmingSpaces()
                    if !version.isEmpty { facts.osVersion = version }
                } else {
                    facts.os = value
                }
                facts.notes.append("os from \(source.relativePath)")
            }
        }

        for source in newest("errorlog") {
            let lines = TreeFacts.lines(of: source.absolutePath)
            if facts.name == nil, let server = TreeFacts.quoted(after: "Server name is '", in: lines)
                ?? TreeFacts.quoted(after: "running the server is '", in: lines) {
                // "HOST\INSTANCE": the host is the part before the backslash.
                let host = server.split(separator: "\\", maxSplits: 1).first.map(String.init) ?? server
                if !host.isEmpty {
                    facts.name = host
                    facts.notes.append("name from \(source.relativePath)")
                }
            }
            if facts.utcOffsetMinutes == nil, let text = TreeFacts.value(after: "UTC adjustment:", in: lines),
               let minutes = TreeFacts.offsetMinutes(text) {
                facts.utcOffsetMinutes = minutes
                let when = source.modified.map { ", last written \($0.iso8601)" } ?? ""
                facts.notes.append("utc_offset_minutes from \"UTC adjustment\" in \(source.relativePath) (offset when SQL Server started\(when))")
            }
            if facts.os == nil, let banner = TreeFacts.windowsBanner(lines) {
                facts.os = banner.os
                if facts.osVersion == nil { facts.osVersion = banner.version }
                facts.notes.append("os from the SQL Server banner in \(source.relativePath)")
            }
        }

        for source in newest("setupapi") {
            let lines = TreeFacts.lines(of: source.absolutePath)
            guard lines.contains(where: { $0.contains("[Device Install Log]") || $0.contains("OS Version") }) else { continue }
            if facts.osVersion == nil, let version = TreeFacts.value(after: "OS Version =", in: lines) {
                facts.osVersion = version
                facts.notes.append("os_version from \(source.relativePath)")
            }
            if facts.os == nil {
                // ProductType 1 is a workstation, 2 a domain controller, 3 a server.
                switch TreeFacts.value(after: "ProductType =", in: lines) {
                case "1"?: facts.os = "Windows"
                case "2"?, "3"?: facts.os = "Windows Server"
                default: facts.os = "Windows"
                }
                facts.notes.append("os from \(source.relativePath) (edition not stated there)")
            }
            break
        }

        if facts.name == nil { facts.notes.append("name: unknown (no SQL Server setup summary or ERRORLOG states it)") }
        if facts.os == nil { facts.notes.append("os: unknown (no SQL Server log or setupapi log states it)") }
        if facts.osVersion == nil { facts.notes.append("os_version: unknown") }
        facts.notes.append("time_zone: unknown (kept in the registry, which is not read)")
        if facts.utcOffsetMinutes == nil { facts.notes.append("utc_offset_minutes: unknown (no SQL Server ERRORLOG)") }
        return facts
    }

    /// The first 64 KiB of a file as lines (UTF-16 with or without BOM, else UTF-8).
    static func lines(of path: FilePath) -> [String] {
        guard var reader = try? SourceReader(path: path, cap: Int64(headBytes) * 2, chunkSize: headBytes),
              let chunk = try? reader.nextChunk()
        else { return [] }
        return HostFacts.decodeText(chunk.bytes[...]).split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }).map(String.init)
    }

    /// The trimmed text after `key` on the first line holding it, if not empty.
    static func value(after key: String, in lines: [String]) -> String? {
        for line in lines {
            guard let range = line.range(of: key) else { continue }
            let value = line[range.upperBound...].trimmingSpaces()
            if !value.isEmpty { return value }
        }
        return nil
    }

    /// The text between `key` (ending in a quote) and the next `'`.
    static func quoted(after key: String, in lines: [String]) -> String? {
        for line in lines {
            guard let range = line.range(of: key) else { continue }
            let rest = line[range.upperBound...]
            guard let end = rest.firstIndex(of: "'") else { continue }
            let value = String(rest[..<end]).trimmingSpaces()
            if !value.isEmpty { return value }
        }
        return nil
    }

    /// `-5:00`, `+5:30`, `0:00` → minutes east of UTC.
    static func offsetMinutes(_ text: String) -> Int? {
        var s = Substring(text)
        var sign = 1
        if s.first == "-" { sign = -1; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        let parts = s.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), h <= 14, m < 60 else { return nil }
        return sign * (h * 60 + m)
    }

    /// From SQL Server's banner "… on Windows Server 2019 Standard 10.0 <X64> (Build 17763: )".
    static func windowsBanner(_ lines: [String]) -> (os: String, version: String?)? {
        for line in lines {
            guard let on = line.range(of: " on Windows") else { continue }
            let rest = line[line.index(after: on.lowerBound)...].dropFirst("on ".count)
            let text = (rest.range(of: " <").map { rest[..<$0.lowerBound] } ?? rest).trimmingSpaces()
            var words = text.split(separator: " ").map(String.init)
            var version: String?
            if let last = words.last, last.first?.isNumber == true, last.contains(".") {
                version = last
                words.removeLast()
            }
            if let build = line.range(of: "(Build ") {
                let digits = line[build.upperBound...].prefix(while: { $0.isNumber })
                if !digits.isEmpty, let v = version { version = "\(v).\(digits)" }
            }
            guard !words.isEmpty else { continue }
            return (words.joined(separator: " "), version)
        }
        return nil
    }
}

extension HostFacts {
    /// A small text file's bytes as text: UTF-16LE/BE (with a BOM, or ASCII with a NUL in every
    /// other byte) or UTF-8.
    public static func decodeText(_ bytes: ArraySlice<UInt8>) -> String {
        var body = bytes
        var utf16LE = false, utf16BE = false
        if body.starts(with: [0xFF, 0xFE]) { utf16LE = true; body = body.dropFirst(2) }
        else if body.starts(with: [0xFE, 0xFF]) { utf16BE = true; body = body.dropFirst(2) }
        else if body.count >= 4 {
            // No BOM: ASCII text in UTF-16 has a NUL in every other byte.
            let sample = body.prefix(512)
            let oddZeros = sample.enumerated().filter { $0.offset % 2 == 1 && $0.element == 0 }.count
            let evenZeros = sample.enumerated().filter { $0.offset % 2 == 0 && $0.element == 0 }.count
            if oddZeros > sample.count / 4 { utf16LE = true } else if evenZeros > sample.count / 4 { utf16BE = true }
        }
        if utf16LE || utf16BE {
            var units: [UInt16] = []
            units.reserveCapacity(body.count / 2)
            var i = body.startIndex
            while i + 1 < body.endIndex {
                let a = UInt16(body[i]), b = UInt16(body[i + 1])
                units.append(utf16LE ? a | b << 8 : a << 8 | b)
                i += 2
            }
            return String(decoding: units, as: UTF16.self)
        }
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        return String(decoding: body, as: UTF8.self)
    }
}
