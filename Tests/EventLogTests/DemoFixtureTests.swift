import Foundation
import LogRecord
import Testing
@testable import EventLog

/// The demo site's event logs are written by the test writer and committed. This test regenerates
/// them and compares byte for byte; `RECORD_FIXTURES=1 swift test` re-records them.
@Suite struct DemoFixtureTests {
    static var logsDirectory: URL {
        Samples.packageRoot.appendingPathComponent("Fixtures/demo-site/Windows/System32/winevt/Logs")
    }

    static let fixtures: [(String, @Sendable () -> [EVTXWriter.Event])] = [
        ("Application.evtx", WindowsEvents.demoApplication),
        ("System.evtx", WindowsEvents.demoSystem),
    ]

    @Test(arguments: [0, 1])
    func fixtureIsUpToDate(_ index: Int) throws {
        let (name, events) = Self.fixtures[index]
        let bytes = EVTXWriter.file(events())
        let url = Self.logsDirectory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["RECORD_FIXTURES"] == "1" {
            try FileManager.default.createDirectory(at: Self.logsDirectory, withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        let committed = try #require(FileManager.default.contents(atPath: url.path),
                                     "\(url.path) is missing: run RECORD_FIXTURES=1 swift test --filter DemoFixtureTests")
        #expect(Array(committed) == bytes, "\(name) differs from what the writer produces: re-record with RECORD_FIXTURES=1")
    }

    @Test func generationIsDeterministic() {
        #expect(EVTXWriter.file(WindowsEvents.demoSystem()) == EVTXWriter.file(WindowsEvents.demoSystem()))
    }

    static func read(_ name: String) throws -> [Record] {
        let (records, stats) = try TempEVTX.records(EVTXWriter.file(Self.fixtures.first { $0.0 == name }!.1()),
                                                    sourcePath: "Windows/System32/winevt/Logs/" + name)
        #expect(stats.parseErrors == 0)
        #expect(stats.counters["checksum_failures"] == 0)
        return records
    }

    @Test func systemLogHoldsTheDemoEvents() throws {
        let records = try Self.read("System.evtx")
        func find(_ provider: String, _ id: String) -> [Record] { records.filter { $0.provider == provider && $0.code == id } }
        let kp = try #require(find("Microsoft-Windows-Kernel-Power", "41").first)
        #expect(kp.level == .critical)
        #expect(kp.winlog?.eventData.first { $0.0 == "BugcheckCode" }?.1 == "0")
        #expect(kp.winlog?.eventData.first { $0.0 == "ConnectedStandbyInProgress" }?.1 == "false")
        #expect(kp.winlog?.userID == "S-1-5-18")
        let unexpected = try #require(find("EventLog", "6008").first)
        #expect(unexpected.level == .error)
        #expect(unexpected.message.contains("Data[0]=3:12:44 AM, Data[1]=11/23/2026"))
        #expect(find("EventLog", "6005").count == 4)
        #expect(find("EventLog", "6006").count == 2)
        let uptime = try #require(find("EventLog", "6013").first)
        #expect(uptime.winlog?.eventData.first { $0.0 == "Data[6]" }?.1 == "300 Eastern Standard Time")
        #expect(find("Service Control Manager", "7031").count == 2)
        #expect(find("Service Control Manager", "7034").count == 2)
        let s7000 = try #require(find("Service Control Manager", "7000").first)
        #expect(s7000.winlog?.qualifiers == 49152)
        for r in records {
            #expect(r.hostName == "WEBBRIX-SRV01")
            #expect(r.winlog?.channel == "System")
            let t = try #require(r.timestamp)
            #expect(t >= Timestamp(year: 2026, month: 11, day: 20)! && t < Timestamp(year: 2026, month: 11, day: 27)!)
        }
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.timestamp! <= $1.timestamp! })
    }

    @Test func applicationLogHoldsTheDemoEvents() throws {
        let records = try Self.read("Application.evtx")
        let sql = records.filter { $0.provider == "MSSQLSERVER" && $0.code == "18456" }
        #expect(sql.count == 3)
        #expect(sql.first?.message == "MSSQLSERVER 18456: Data[0]=Login failed for user 'sa'. Reason: Password did not match that for the login provided. [CLIENT: 10.0.0.5], Binary=184800000E000000")
        #expect(sql.first?.winlog?.channel == "Application")
        let msi = records.filter { $0.provider == "MsiInstaller" }
        #expect(msi.map(\.code) == ["11708", "1033"])
        #expect(msi.last?.winlog?.eventData.first { $0.0 == "Data[3]" }?.1 == "1603")
        #expect(records.contains { $0.provider == "Application Error" && $0.level == .error })
        for r in records { #expect(r.hostName == "WEBBRIX-SRV01") }
    }
}
