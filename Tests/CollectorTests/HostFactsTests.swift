import Foundation
import SystemPackage
import Testing
@testable import Collector

@Suite struct HostFactsTests {
    static func utf16LE(_ text: String) -> [UInt8] {
        [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    @Test func liveFactsDescribeThisMachine() {
        let facts = HostFacts.live()
        #expect(facts.source == "live system")
        #expect(facts.name?.isEmpty == false)
        #expect(facts.os?.isEmpty == false)
        #expect(facts.osVersion?.isEmpty == false)
        #expect(facts.timeZone == TimeZone.current.identifier)
        #expect(facts.utcOffsetMinutes == TimeZone.current.secondsFromGMT() / 60)
    }

    @Test func treeFactsComeFromSQLServerLogs() throws {
        let tree = try TempTree("facts")
        let sql = "Program Files/Microsoft SQL Server"
        try tree.write("\(sql)/150/Setup Bootstrap/Log/20261120_080000/Summary_WEBBRIX01_20261120_080000.txt", """
            Overall summary:
              Final result:                  Passed
            Machine Properties:
              Machine name:                  WEBBRIX01
              Machine processor count:       4
              OS version:                    Microsoft Windows Server 2019 Standard (10.0.17763)
              OS service pack:               
            """)
        try tree.write("\(sql)/MSSQL15.SQLEXPRESS/MSSQL/Log/ERRORLOG", bytes: Self.utf16LE("""
            2026-11-20 08:00:00.12 Server      Microsoft SQL Server 2019 (RTM) - 15.0.2000.5 (X64) \r
            \tSep 24 2019 13:48:23 \r
            \tExpress Edition (64-bit) on Windows Server 2019 Standard 10.0 <X64> (Build 17763: ) (Hypervisor)\r
            2026-11-20 08:00:00.12 Server      UTC adjustment: -5:00\r
            2026-11-20 08:00:00.13 Server      Server name is 'SQLHOST\\SQLEXPRESS'. This is an informational message only.\r
            """))
        let facts = HostFacts.fromTree(root: tree.root)
        #expect(facts.source == "collected tree")
        #expect(facts.name == "WEBBRIX01")  // the setup summary comes first
        #expect(facts.os == "Microsoft Windows Server 2019 Standard")
        #expect(facts.osVersion == "10.0.17763")
        #expect(facts.utcOffsetMinutes == -300)
        #expect(facts.timeZone == nil)
        #expect(facts.notes.contains { $0.hasPrefix("time_zone: unknown") })
        #expect(facts.notes.contains { $0.hasPrefix("utc_offset_minutes from \"UTC adjustment\" in \(sql)/MSSQL15.SQLEXPRESS/MSSQL/Log/ERRORLOG") })
    }

    @Test func treeFactsFallBackToERRORLOGAndSetupapi() throws {
        let tree = try TempTree("facts")
        try tree.write("Program Files/Microsoft SQL Server/MSSQL15.SQLEXPRESS/MSSQL/Log/ERRORLOG", bytes: Self.utf16LE("""
            2026-11-20 08:00:00.12 Server      Microsoft SQL Server 2019 (RTM) - 15.0.2000.5 (X64) \r
            \tExpress Edition (64-bit) on Windows Server 2016 Datacenter 10.0 <X64> (Build 14393: ) (Hypervisor)\r
            2026-11-20 08:00:00.12 Server      UTC adjustment: 5:30\r
            2026-11-20 08:00:00.13 Server      Server name is 'SQLHOST\\SQLEXPRESS'. This is an informational message only.\r
            """))
        let facts = HostFacts.fromTree(root: tree.root)
        #expect(facts.name == "SQLHOST")
        #expect(facts.os == "Windows Server 2016 Datacenter")
        #expect(facts.osVersion == "10.0.14393")
        #expect(facts.utcOffsetMinutes == 330)

        let other = try TempTree("facts")
        try other.write("WINDOWS/inf/SetupAPI.dev.log", """
            [Device Install Log]
                 OS Version = 10.0.20348
                 Service Pack = 0.0
                 Suite = 0x0110
                 ProductType = 3
                 Architecture = amd64
            """)
        let fromSetupapi = HostFacts.fromTree(root: other.root)
        #expect(fromSetupapi.osVersion == "10.0.20348")
        #expect(fromSetupapi.os == "Windows Server")
        #expect(fromSetupapi.name == nil)
        #expect(fromSetupapi.utcOffsetMinutes == nil)
    }

    @Test func emptyTreeKnowsNothingAndSaysSo() throws {
        let tree = try TempTree("facts")
        let facts = HostFacts.fromTree(root: tree.root)
        #expect(facts == HostFacts(source: "collected tree", notes: facts.notes))
        #expect(facts.notes.count == 5)
        let json = String(decoding: try JSONEncoder().encode(facts), as: UTF8.self)
        #expect(!json.contains("\"name\""))
        #expect(json.contains("\"source\":\"collected tree\""))
    }

    @Test func encodesWithManifestFieldNames() throws {
        let facts = HostFacts(name: "H", os: "Windows", osVersion: "10.0", timeZone: "America/New_York",
                              utcOffsetMinutes: -300, source: HostFacts.liveSource)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(facts), as: UTF8.self)
        #expect(json == #"{"name":"H","notes":[],"os":"Windows","os_version":"10.0","source":"live system","time_zone":"America\/New_York","utc_offset_minutes":-300}"#)
    }
}
