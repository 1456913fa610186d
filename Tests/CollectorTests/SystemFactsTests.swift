import Foundation
import SystemPackage
import Testing
@testable import Collector

@Suite struct SystemFactsTests {
    #if os(Linux)
    @Test func liveFactsDescribeThisMachine() throws {
        let facts = SystemFacts.live()
        #expect(facts.host.source == "live system")

        let uptime = try #require(facts.uptimeSeconds)
        #expect(uptime > 0)
        let boot = try #require(facts.lastBoot)
        #expect(boot.hasSuffix("Z"))
        #expect(boot.count == "2026-11-27T08:00:00Z".count)
        #expect(facts.notes == ["uptime_seconds from /proc/uptime; last_boot = now - uptime"])

        #expect(!facts.volumes.isEmpty)
        for volume in facts.volumes {
            let total = try #require(volume.totalBytes)
            let free = try #require(volume.freeBytes)
            #expect(total > 0)
            #expect(free >= 0 && free <= total)
            #expect(volume.source.contains("statvfs"))
            #expect(volume.fileSystem.map { !["proc", "sysfs", "cgroup", "tmpfs"].contains($0) } == true)
        }
        #expect(facts.volumes.contains { $0.mountPoint == "/" })

        let lo = try #require(facts.interfaces.first { $0.name == "lo" })
        #expect(lo.addresses.contains("127.0.0.1"))
        #expect(lo.isUp)
        #expect(lo.source == "getifaddrs")
        #expect(lo.mac == nil)  // loopback's hardware address is all zeros: not a MAC

        #expect(facts.product.isEmpty)
        #expect(facts.unknown.contains { $0.hasPrefix("product: unknown (") })
        #expect(!facts.unknown.contains { $0.hasPrefix("uptime_seconds") || $0.hasPrefix("volumes") || $0.hasPrefix("interfaces") })
    }

    @Test func mountFieldsAreUnescaped() {
        #expect(PlatformSystem.unescape("/mnt/my\\040disk") == "/mnt/my disk")
        #expect(PlatformSystem.unescape("/plain") == "/plain")
        let volumes = PlatformSystem.volumes("proc /proc proc rw 0 0\nsysfs /sys sysfs rw 0 0\n")
        #expect(volumes.isEmpty)
    }
    #endif

    @Test func treeFactsFindProductAndDotNetVersions() throws {
        let tree = try TempTree("system-facts")
        try tree.mkdir("Windows/Microsoft.NET/Framework64/v4.0.30319")
        try tree.mkdir("Program Files/dotnet/shared/Microsoft.NETCore.App/8.0.11")
        try tree.write("Program Files (x86)/AMT/WebBRIX/version.txt", "5.2.0.1187\r\n")
        try tree.write("Program Files (x86)/AMT/WebBRIX/readme.txt", "Version 9.9.9\n")

        let facts = SystemFacts.fromTree(root: tree.root)
        #expect(facts.host.source == "collected tree")
        #expect(facts.product == [
            .init(name: "WebBRIX", version: "5.2.0.1187", source: "Program Files (x86)/AMT/WebBRIX/version.txt"),
        ])
        #expect(facts.dotNet == [
            .init(name: ".NET Framework (64-bit)", version: "4.0.30319",
                  source: "folder Windows/Microsoft.NET/Framework64/v4.0.30319"),
            .init(name: "Microsoft.NETCore.App", version: "8.0.11",
                  source: "folder Program Files/dotnet/shared/Microsoft.NETCore.App/8.0.11"),
        ])
        #expect(facts.uptimeSeconds == nil && facts.lastBoot == nil)
        #expect(facts.volumes.isEmpty && facts.interfaces.isEmpty)
        #expect(facts.unknown.count == 4)
        for fact in ["uptime_seconds", "last_boot", "volumes", "interfaces"] {
            #expect(facts.unknown.contains { $0.hasPrefix("\(fact): unknown (") && $0.hasSuffix(")") })
        }
    }

    @Test func treeFactsReadConfigVersionsAndVersionFiles() throws {
        let tree = try TempTree("system-facts-config")
        try tree.write("Program Files/AMT/AccessServer/bin/WebBRIX.Server.exe.config", """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <appSettings>
                <add key="Port" value="8080"/>
                <add key="ProductVersion" value="5.1.3.77" />
              </appSettings>
            </configuration>
            """)
        try tree.write("Program Files/AMT/AccessServer/Reader.version", "Reader driver 2.4.1\n")
        try tree.write("Program Files/Other/version.txt", "1.0.0\n")
        // Deeper than the bounded walk goes: not read.
        try tree.write("Program Files/AMT/a/b/c/d/e/version.txt", "7.7.7\n")

        let facts = SystemFacts.fromTree(root: tree.root)
        #expect(facts.product == [
            .init(name: "Reader", version: "2.4.1", source: "Program Files/AMT/AccessServer/Reader.version"),
            .init(name: "WebBRIX.Server.exe", version: "5.1.3.77",
                  source: "Version setting in Program Files/AMT/AccessServer/bin/WebBRIX.Server.exe.config"),
        ])
    }

    /// A minimal Windows program file: `MZ`, padding, then a `VS_FIXEDFILEINFO` head.
    static func programFile(_ ms: UInt32, _ ls: UInt32, padding: Int) -> [UInt8] {
        func le(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        return [0x4D, 0x5A] + [UInt8](repeating: 0x90, count: padding) + le(0xFEEF_04BD) + le(0x0001_0000) + le(ms) + le(ls)
            + [UInt8](repeating: 0, count: 40)
    }

    @Test func treeFactsReadProgramFileVersions() throws {
        let tree = try TempTree("system-facts-pe")
        // The structure straddles the first 1 MiB chunk boundary.
        try tree.write("Program Files (x86)/AMT/WebBRIX/bin/WebBRIX.Server.dll",
                       bytes: Self.programFile(5 << 16 | 2, 0 << 16 | 1187, padding: (1 << 20) - 10))
        // Not a program file (no MZ), and a program not named WebBRIX / AMT: not read.
        try tree.write("Program Files (x86)/AMT/WebBRIX/bin/WebBRIX.Fake.dll",
                       bytes: Array(Self.programFile(1 << 16, 0, padding: 4).dropFirst(2)))
        try tree.write("Program Files (x86)/AMT/WebBRIX/bin/Newtonsoft.Json.dll", bytes: Self.programFile(13 << 16, 0, padding: 4))

        let facts = SystemFacts.fromTree(root: tree.root)
        #expect(facts.product == [
            .init(name: "WebBRIX.Server", version: "5.2.0.1187",
                  source: "file version of Program Files (x86)/AMT/WebBRIX/bin/WebBRIX.Server.dll"),
        ])
        #expect(SystemTreeScan.fixedFileVersion(in: Self.programFile(1, 2, padding: 0)) == "0.1.0.2")
        #expect(SystemTreeScan.fixedFileVersion(in: [0xBD, 0x04, 0xEF, 0xFE] + [UInt8](repeating: 0, count: 20)) == nil)
    }

    @Test func emptyTreeReportsEverythingUnknown() throws {
        let tree = try TempTree("system-facts-empty")
        let facts = SystemFacts.fromTree(root: tree.root)
        #expect(facts.product.isEmpty && facts.dotNet.isEmpty)
        #expect(facts.volumes.isEmpty && facts.interfaces.isEmpty)
        #expect(facts.uptimeSeconds == nil && facts.lastBoot == nil)
        let facts6 = ["uptime_seconds", "last_boot", "volumes", "interfaces", "product", "dot_net"]
        #expect(facts.unknown.count == facts6.count)
        for (line, fact) in zip(facts.unknown, facts6) {
            #expect(line.hasPrefix("\(fact): unknown ("))
            #expect(line.count > "\(fact): unknown ()".count + 10)  // carries a reason
        }
    }

    @Test func versionTokens() {
        #expect(SystemTreeScan.versionToken(in: "5.2.0.1187\n") == "5.2.0.1187")
        #expect(SystemTreeScan.versionToken(in: "WebBRIX v5.2 build 7") == "5.2")
        #expect(SystemTreeScan.versionToken(in: "build 1187") == nil)
        #expect(SystemTreeScan.versionToken(in: "x64.1.2") == nil)
        #expect(SystemTreeScan.configVersion(#"<add key="Version" value="5.2.0.1187"/>"#) == "5.2.0.1187")
        #expect(SystemTreeScan.configVersion(#"<add key="DbVersionTable" value="5.2"/>"#) == nil)
        #expect(SystemTreeScan.configVersion(#"<add value='3.1.4' key='AppVersion' />"#) == "3.1.4")
    }

    @Test func liveWindowsSourcesNameTheDrive() {
        let config = SystemFacts.InstalledProduct(name: "x", version: "1.0", source: "Version setting in Program Files/AMT/a.config")
        #expect(SystemTreeScan.onDrive("C:", config).source == #"Version setting in C:\Program Files\AMT\a.config"#)
        let folder = SystemFacts.InstalledProduct(name: "x", version: "1.0", source: "folder Program Files/dotnet/shared/M/8.0.1")
        #expect(SystemTreeScan.onDrive("D:", folder).source == #"folder D:\Program Files\dotnet\shared\M\8.0.1"#)
        let file = SystemFacts.InstalledProduct(name: "x", version: "1.0", source: "Program Files/AMT/version.txt")
        #expect(SystemTreeScan.onDrive("C:", file).source == #"C:\Program Files\AMT\version.txt"#)
    }

    @Test func netFrameworkReleaseTable() {
        #expect(SystemFacts.netFrameworkVersion(release: 528_040) == "4.8")
        #expect(SystemFacts.netFrameworkVersion(release: 528_449) == "4.8")
        #expect(SystemFacts.netFrameworkVersion(release: 533_325) == "4.8.1")
        #expect(SystemFacts.netFrameworkVersion(release: 461_814) == "4.7.2")
        #expect(SystemFacts.netFrameworkVersion(release: 378_389) == "4.5")
        #expect(SystemFacts.netFrameworkVersion(release: 1_000) == nil)
    }

    @Test func productNames() {
        #expect(SystemFacts.isProductName("WebBRIX Server 5.2", publisher: "AMT GmbH"))
        #expect(SystemFacts.isProductName("AMT Reader Service", publisher: nil))
        #expect(!SystemFacts.isProductName("Intel(R) Management Engine Components (AMT)", publisher: "Intel Corporation"))
        #expect(!SystemFacts.isProductName("Samtools", publisher: nil))
    }

    @Test func bootTimeIsNowMinusUptime() {
        let now = Date(timeIntervalSince1970: 1_795_000_000.7)  // 2026-11-18T11:06:40.7Z
        #expect(SystemFacts.bootTime(uptimeSeconds: 3_600, now: now) == "2026-11-18T10:06:40Z")
    }

    @Test func jsonRoundTripsWithSnakeCaseKeys() throws {
        let facts = SystemFacts(
            host: HostFacts(name: "WEBBRIX01", os: "Windows Server", source: "live system", notes: ["name from x"]),
            uptimeSeconds: 86_400, lastBoot: "2026-11-26T08:00:00Z",
            volumes: [.init(mountPoint: "C:\\", fileSystem: "NTFS", totalBytes: 100, freeBytes: 40,
                            source: "GetLogicalDriveStringsW + GetDiskFreeSpaceExW")],
            interfaces: [.init(name: "Ethernet0", addresses: ["10.0.0.5", "fe80::1"], mac: "00:15:5d:01:02:03",
                               isUp: true, source: "GetAdaptersAddresses")],
            product: [.init(name: "WebBRIX", version: "5.2.0.1187", source: "registry Uninstall")],
            dotNet: [.init(name: ".NET Framework", version: "4.8", source: "registry Release 528040")],
            unknown: ["x: unknown (y)"], notes: ["uptime_seconds from GetTickCount64"])
        let data = try JSONEncoder().encode(facts)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["host", "uptime_seconds", "last_boot", "volumes", "interfaces", "product",
                                     "dot_net", "unknown", "notes"])
        let volume = try #require((object["volumes"] as? [[String: Any]])?.first)
        #expect(Set(volume.keys) == ["mount_point", "file_system", "total_bytes", "free_bytes", "source"])
        let interface = try #require((object["interfaces"] as? [[String: Any]])?.first)
        #expect(Set(interface.keys) == ["name", "addresses", "mac", "up", "source"])
        #expect(try JSONDecoder().decode(SystemFacts.self, from: data) == facts)

        let bare = SystemFacts(host: HostFacts(source: "collected tree"), unknown: ["uptime_seconds: unknown (z)"])
        let bareObject = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(bare)) as? [String: Any])
        #expect(bareObject["uptime_seconds"] == nil && bareObject["last_boot"] == nil)
        #expect(try JSONDecoder().decode(SystemFacts.self, from: try JSONEncoder().encode(bare)) == bare)
    }
}
