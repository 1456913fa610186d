import Foundation
import LogRecord
import SystemPackage

/// The facts Tier 1 support checks first (the bundle's `system/` folder): the host, how long it
/// has been up, its disks, its network interfaces, and which WebBRIX / AMT products and .NET
/// versions are installed.
///
/// Every fact carries a `source` saying where it came from (`statvfs`, `getifaddrs`,
/// `/proc/uptime`, a registry key, a file in the tree …). A fact that could not be found is left
/// out and `unknown` says which and why; nothing is guessed.
public struct SystemFacts: Codable, Sendable, Equatable {
    /// One mounted file system (Linux) or drive (Windows).
    public struct Volume: Codable, Sendable, Equatable {
        /// Mount point (`/`, `/var`) or drive root (`C:\`).
        public var mountPoint: String
        /// File system type (`ext4`, `NTFS`), when known.
        public var fileSystem: String?
        /// Size in bytes, when known.
        public var totalBytes: Int64?
        /// Bytes free to the collecting user, when known.
        public var freeBytes: Int64?
        /// Where the facts came from.
        public var source: String

        public init(mountPoint: String, fileSystem: String? = nil, totalBytes: Int64? = nil,
                    freeBytes: Int64? = nil, source: String) {
            self.mountPoint = mountPoint
            self.fileSystem = fileSystem
            self.totalBytes = totalBytes
            self.freeBytes = freeBytes
            self.source = source
        }

        enum CodingKeys: String, CodingKey {
            case mountPoint = "mount_point"
            case fileSystem = "file_system"
            case totalBytes = "total_bytes"
            case freeBytes = "free_bytes"
            case source
        }
    }

    /// One network interface.
    public struct NetworkInterface: Codable, Sendable, Equatable {
        /// Interface name (`eth0`, `Ethernet0`).
        public var name: String
        /// IPv4 and IPv6 addresses in numeric form (`192.168.1.20`, `fe80::1%eth0`).
        public var addresses: [String]
        /// Hardware address (`00:15:5d:01:02:03`), when known.
        public var mac: String?
        /// Whether the interface is administratively / operationally up.
        public var isUp: Bool
        /// Where the facts came from.
        public var source: String

        public init(name: String, addresses: [String] = [], mac: String? = nil, isUp: Bool, source: String) {
            self.name = name
            self.addresses = addresses
            self.mac = mac
            self.isUp = isUp
            self.source = source
        }

        enum CodingKeys: String, CodingKey {
            case name, addresses, mac
            case isUp = "up"
            case source
        }
    }

    /// An installed product or runtime and its version.
    public struct InstalledProduct: Codable, Sendable, Equatable {
        /// Product name (`WebBRIX`, `.NET Framework`, `Microsoft.NETCore.App`).
        public var name: String
        /// Version as found (`5.2.0.1187`, `4.8`, `8.0.11`).
        public var version: String
        /// Where it was found.
        public var source: String

        public init(name: String, version: String, source: String) {
            self.name = name
            self.version = version
            self.source = source
        }
    }

    public var host: HostFacts
    /// Seconds since boot (live only).
    public var uptimeSeconds: Int64?
    /// Boot time, ISO 8601 UTC (live only): now minus the uptime.
    public var lastBoot: String?
    public var volumes: [Volume]
    public var interfaces: [NetworkInterface]
    /// WebBRIX / AMT products.
    public var product: [InstalledProduct]
    /// .NET Framework and .NET (Core) runtimes.
    public var dotNet: [InstalledProduct]
    /// Facts that could not be found, each with the reason (`uptime_seconds: unknown (…)`).
    public var unknown: [String]
    /// Where the facts without a `source` of their own (uptime, last boot) came from.
    public var notes: [String]

    public init(host: HostFacts, uptimeSeconds: Int64? = nil, lastBoot: String? = nil, volumes: [Volume] = [],
                interfaces: [NetworkInterface] = [], product: [InstalledProduct] = [],
                dotNet: [InstalledProduct] = [], unknown: [String] = [], notes: [String] = []) {
        self.host = host
        self.uptimeSeconds = uptimeSeconds
        self.lastBoot = lastBoot
        self.volumes = volumes
        self.interfaces = interfaces
        self.product = product
        self.dotNet = dotNet
        self.unknown = unknown
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case host
        case uptimeSeconds = "uptime_seconds"
        case lastBoot = "last_boot"
        case volumes, interfaces, product
        case dotNet = "dot_net"
        case unknown, notes
    }

    /// This machine, read from the running system (see `Platform/SystemFacts+Linux.swift` and
    /// `+Windows.swift` for what each platform reads).
    public static func live() -> SystemFacts {
        var facts = SystemFacts(host: HostFacts.live())
        PlatformSystem.fill(&facts)
        return facts
    }

    /// What a collected Windows tree says: WebBRIX / AMT versions from version files, `.config`
    /// settings and the version resource of `WebBRIX*` / `AMT*` `.dll` / `.exe` files under `Program Files*/AMT*` and `Program Files*/*WebBRIX*` (at most
    /// `SystemTreeScan.maxDepth` folders deep), .NET Framework versions from the folder names under
    /// `Windows/Microsoft.NET/Framework{,64}`, and .NET runtimes from
    /// `Program Files*/dotnet/shared/<framework>/<version>`. Uptime, volumes and interfaces belong
    /// to a running machine and are reported unknown.
    public static func fromTree(root: FilePath) -> SystemFacts {
        var facts = SystemFacts(host: HostFacts.fromTree(root: root))
        let reason = "not recorded in a collected tree (facts of a running machine)"
        facts.unknown.append("uptime_seconds: unknown (\(reason))")
        facts.unknown.append("last_boot: unknown (\(reason))")
        facts.unknown.append("volumes: unknown (\(reason))")
        facts.unknown.append("interfaces: unknown (\(reason))")

        let scan = SystemTreeScan(root: root)
        facts.product = scan.products()
        if facts.product.isEmpty {
            facts.unknown.append("product: unknown (no version.txt, *.version or .config Version setting under "
                + "Program Files*/AMT* or Program Files*/*WebBRIX* in the tree)")
        }
        facts.dotNet = scan.netFrameworkFolders() + scan.dotNetRuntimes()
        if facts.dotNet.isEmpty {
            facts.unknown.append("dot_net: unknown (no Windows/Microsoft.NET/Framework*/v* folder and no "
                + "Program Files*/dotnet/shared runtime folder in the tree)")
        }
        return facts
    }

    /// `now - uptime` as ISO 8601 UTC, to the second.
    static func bootTime(uptimeSeconds: Int64, now: Date = Date()) -> String {
        let nowSeconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let boot = Timestamp(microsecondsSinceEpoch: (nowSeconds - uptimeSeconds) * 1_000_000)
        let text = boot.iso8601  // YYYY-MM-DDTHH:MM:SS.fffZ
        return text.hasSuffix(".000Z") ? String(text.dropLast(5)) + "Z" : text
    }

    /// The .NET Framework 4.x version a `Release` DWORD under
    /// `HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full` stands for (Microsoft's table:
    /// the lowest `Release` of each version), or `nil` below 4.5.
    static func netFrameworkVersion(release: UInt32) -> String? {
        let table: [(UInt32, String)] = [
            (533_320, "4.8.1"), (528_040, "4.8"), (461_808, "4.7.2"), (461_308, "4.7.1"), (460_798, "4.7"),
            (394_802, "4.6.2"), (394_254, "4.6.1"), (393_295, "4.6"), (379_893, "4.5.2"), (378_675, "4.5.1"),
            (378_389, "4.5"),
        ]
        return table.first(where: { release >= $0.0 })?.1
    }

    /// Whether an installed program's display name is a WebBRIX / AMT product: it contains
    /// `WebBRIX`, or the word `AMT` when the publisher is not Intel (Intel's "Active Management
    /// Technology" also calls itself AMT).
    static func isProductName(_ name: String, publisher: String?) -> Bool {
        if name.range(of: "webbrix", options: .caseInsensitive) != nil { return true }
        if let publisher, publisher.range(of: "intel", options: .caseInsensitive) != nil { return false }
        if name.range(of: "intel", options: .caseInsensitive) != nil { return false }
        let words = name.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        return words.contains(where: { $0 == "AMT" })
    }
}

/// Bounded look-ups in a collected tree (or a live system drive): only named folders, only a few
/// levels deep, at most `maxEntries` names listed in all.
struct SystemTreeScan {
    let root: FilePath
    static let maxDepth = 4
    static let maxEntries = 5_000
    static let headBytes = 64 << 10
    private let access = SystemFileAccess()

    init(root: FilePath) { self.root = root }

    /// The names in a folder (relative path `rel`), with whether each is a folder; empty when unreadable.
    func list(_ rel: [String]) -> [(name: String, isDirectory: Bool)] {
        var path = root
        for part in rel { path.append(part) }
        guard let entries = try? access.list(path) else { return [] }
        return entries.prefix(Self.maxEntries).map { entry in
            if let hint = entry.kindHint, hint != .symbolicLink { return (entry.name, hint == .directory) }
            var child = path
            child.append(entry.name)
            let kind = (try? access.status(child, followLinks: false))?.kind
            return (entry.name, kind == .directory)
        }.sorted { $0.name < $1.name }
    }

    static func relative(_ parts: [String]) -> String { parts.joined(separator: "/") }

    /// A source found by a scan of a live system drive (`folder Program Files/dotnet/…`,
    /// `Version setting in …`, a bare relative path) written as a Windows path on `drive` (`C:`).
    static func onDrive(_ drive: String, _ found: SystemFacts.InstalledProduct) -> SystemFacts.InstalledProduct {
        var p = found
        for prefix in ["folder ", "Version setting in ", ""] where p.source.hasPrefix(prefix) {
            let path = String(p.source.dropFirst(prefix.count)).replacingOccurrences(of: "/", with: "\\")
            p.source = prefix + drive + "\\" + path
            break
        }
        return p
    }

    /// Root folders named `Program Files` or `Program Files (x86)` (any case).
    func programFilesFolders() -> [String] {
        list([]).filter { $0.isDirectory && $0.name.lowercased().hasPrefix("program files") }.map(\.name)
    }

    /// WebBRIX / AMT versions from `version.txt`, `*.version` files, `.config` `Version`
    /// settings and the file version of `WebBRIX*` / `AMT*` programs under `Program Files*/AMT*` and `Program Files*/*WebBRIX*`.
    func products() -> [SystemFacts.InstalledProduct] {
        var found: [SystemFacts.InstalledProduct] = []
        var budget = Self.maxEntries
        for pf in programFilesFolders() {
            for vendor in list([pf]) where vendor.isDirectory {
                let lower = vendor.name.lowercased()
                guard lower.hasPrefix("amt") || lower.contains("webbrix") else { continue }
                walk([pf, vendor.name], depth: 1, budget: &budget, into: &found)
            }
        }
        return found
    }

    private func walk(_ rel: [String], depth: Int, budget: inout Int, into found: inout [SystemFacts.InstalledProduct]) {
        let entries = list(rel)
        budget -= entries.count
        guard budget >= 0 else { return }
        for entry in entries where !entry.isDirectory {
            let lower = entry.name.lowercased()
            let file = rel + [entry.name]
            let folder = rel.last ?? entry.name
            if lower == "version.txt" || lower == "version" {
                if let v = Self.versionToken(in: text(file)) {
                    found.append(.init(name: folder, version: v, source: Self.relative(file)))
                }
            } else if lower.hasSuffix(".version"), lower.count > ".version".count {
                if let v = Self.versionToken(in: text(file)) {
                    found.append(.init(name: String(entry.name.dropLast(".version".count)), version: v,
                                       source: Self.relative(file)))
                }
            } else if lower.hasSuffix(".dll") || lower.hasSuffix(".exe"),
                      lower.contains("webbrix") || lower.hasPrefix("amt") {
                var path = root
                for part in file { path.append(part) }
                if let v = Self.peFileVersion(path) {
                    found.append(.init(name: String(entry.name.dropLast(4)), version: v,
                                       source: "file version of \(Self.relative(file))"))
                }
            } else if lower.hasSuffix(".config"), lower.count > ".config".count {
                if let v = Self.configVersion(text(file)) {
                    let stem = String(entry.name.dropLast(".config".count))
                    let generic = ["web", "app"].contains(stem.lowercased())
                    found.append(.init(name: generic ? folder : stem, version: v,
                                       source: "Version setting in \(Self.relative(file))"))
                }
            }
        }
        guard depth < Self.maxDepth else { return }
        for entry in entries where entry.isDirectory {
            walk(rel + [entry.name], depth: depth + 1, budget: &budget, into: &found)
        }
    }

    /// Largest program file whose version resource is looked for.
    static let maxProgramBytes: Int64 = 32 << 20

    /// The file version (`dwFileVersionMS`/`LS` of the `VS_FIXEDFILEINFO` in the version
    /// resource) of a Windows program file (`MZ` header) of at most `maxProgramBytes`.
    static func peFileVersion(_ path: FilePath) -> String? {
        guard var reader = try? SourceReader(path: path, cap: maxProgramBytes, chunkSize: 1 << 20),
              reader.size <= maxProgramBytes
        else { return nil }
        var carry: [UInt8] = []
        var first = true
        while let chunk = try? reader.nextChunk() {
            let bytes = carry + chunk.bytes
            if first {
                guard bytes.starts(with: [0x4D, 0x5A]) else { return nil }
                first = false
            }
            if let version = fixedFileVersion(in: bytes) { return version }
            carry = Array(bytes.suffix(15))  // a structure head split across chunks
        }
        return nil
    }

    /// `a.b.c.d` from the first `VS_FIXEDFILEINFO` (signature `0xFEEF04BD`, structure version
    /// 1.0) in `bytes`.
    static func fixedFileVersion(in bytes: [UInt8]) -> String? {
        guard bytes.count >= 16 else { return nil }
        func u32(_ o: Int) -> UInt32 {
            UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
        }
        var i = 0
        while i + 16 <= bytes.count {
            if bytes[i] == 0xBD, bytes[i + 1] == 0x04, bytes[i + 2] == 0xEF, bytes[i + 3] == 0xFE, u32(i + 4) == 0x0001_0000 {
                let ms = u32(i + 8), ls = u32(i + 12)
                return "\(ms >> 16).\(ms & 0xFFFF).\(ls >> 16).\(ls & 0xFFFF)"
            }
            i += 1
        }
        return nil
    }

    /// The first 64 KiB of a file as text (UTF-8 or UTF-16), or "" when unreadable.
    func text(_ rel: [String]) -> String {
        var path = root
        for part in rel { path.append(part) }
        return TreeFacts.lines(of: path).joined(separator: "\n")
    }

    /// The first dotted version (`5.2.0.1187`, `8.0.11`) in some text.
    static func versionToken(in text: String) -> String? {
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            guard chars[i].isASCII, chars[i].isNumber else { i += 1; continue }
            // Not the tail of a word or number ("x64", "1.2" inside "v1.2" is fine: a "v" prefix is allowed).
            if i > 0, (chars[i - 1].isLetter && !(chars[i - 1] == "v" || chars[i - 1] == "V")) || chars[i - 1].isNumber
                || chars[i - 1] == "." { i += 1; continue }
            var j = i
            var dots = 0
            while j < chars.count, chars[j].isASCII, chars[j].isNumber || (chars[j] == "." && j + 1 < chars.count
                    && chars[j + 1].isASCII && chars[j + 1].isNumber) {
                if chars[j] == "." { dots += 1 }
                j += 1
            }
            if dots >= 1 { return String(chars[i..<j]) }
            i = j
        }
        return nil
    }

    /// `<add key="Version" value="5.2.0.1187"/>` (or a key ending in `Version`, e.g.
    /// `ProductVersion`) in a .NET `.config` file.
    static func configVersion(_ text: String) -> String? {
        for line in text.split(separator: "\n") where line.contains("<add") {
            guard let key = attribute("key", in: line), key.lowercased().hasSuffix("version"),
                  let value = attribute("value", in: line), let v = versionToken(in: value)
            else { continue }
            return v
        }
        return nil
    }

    /// The value of `name="…"` (or `'…'`) in an XML element line.
    static func attribute(_ name: String, in line: Substring) -> String? {
        var rest = line[...]
        while let r = rest.range(of: name) {
            let before = r.lowerBound == line.startIndex ? " " : line[line.index(before: r.lowerBound)]
            var after = rest[r.upperBound...].drop(while: { $0 == " " })
            rest = rest[r.upperBound...]
            guard before == " " || before == "\t", after.first == "=" else { continue }
            after = after.dropFirst().drop(while: { $0 == " " })
            guard let quote = after.first, quote == "\"" || quote == "'" else { continue }
            let body = after.dropFirst()
            guard let end = body.firstIndex(of: quote) else { return nil }
            return String(body[..<end])
        }
        return nil
    }

    /// `.NET Framework` folders `Windows/Microsoft.NET/Framework{,64}/v<version>`. The folder names
    /// the CLR version: `v4.0.30319` stands for every 4.x release (the exact one is in the registry).
    func netFrameworkFolders() -> [SystemFacts.InstalledProduct] {
        guard let windows = list([]).first(where: { $0.isDirectory && $0.name.lowercased() == "windows" })?.name,
              let net = list([windows]).first(where: { $0.isDirectory && $0.name.lowercased() == "microsoft.net" })?.name
        else { return [] }
        var found: [SystemFacts.InstalledProduct] = []
        for bits in list([windows, net]) where bits.isDirectory {
            let lower = bits.name.lowercased()
            guard lower == "framework" || lower == "framework64" else { continue }
            let name = lower == "framework64" ? ".NET Framework (64-bit)" : ".NET Framework (32-bit)"
            for folder in list([windows, net, bits.name]) where folder.isDirectory {
                guard folder.name.first == "v" || folder.name.first == "V" else { continue }
                let version = String(folder.name.dropFirst())
                guard let token = Self.versionToken(in: version), token == version else { continue }
                found.append(.init(name: name, version: version,
                                   source: "folder \(Self.relative([windows, net, bits.name, folder.name]))"))
            }
        }
        return found
    }

    /// .NET runtimes `<dotnet>/shared/<framework>/<version>` under each of `folders` (relative to
    /// the root), or under `Program Files*/dotnet` when `folders` is `nil`.
    func dotNetRuntimes(in folders: [[String]]? = nil) -> [SystemFacts.InstalledProduct] {
        let bases = folders ?? programFilesFolders().compactMap { pf in
            list([pf]).first(where: { $0.isDirectory && $0.name.lowercased() == "dotnet" }).map { [pf, $0.name] }
        }
        var found: [SystemFacts.InstalledProduct] = []
        for base in bases {
            for framework in list(base + ["shared"]) where framework.isDirectory {
                for version in list(base + ["shared", framework.name]) where version.isDirectory {
                    guard let token = Self.versionToken(in: version.name), version.name.hasPrefix(token) else { continue }
                    found.append(.init(name: framework.name, version: version.name,
                                       source: "folder \(Self.relative(base + ["shared", framework.name, version.name]))"))
                }
            }
        }
        return found
    }
}
