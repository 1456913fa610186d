import Foundation
import LogRecord
import Testing
@testable import EventLog

/// The redaction test site's event log (Fixtures/redaction-site, see scripts/make-redaction-site):
/// secrets and personal data planted in event data. Written by the test writer and committed;
/// `RECORD_FIXTURES=1 swift test --filter RedactionFixtureTests` re-records it.
@Suite struct RedactionFixtureTests {
    typealias W = EVTXWriter

    static var url: URL {
        Samples.packageRoot.appendingPathComponent("Fixtures/redaction-site/tree/Windows/System32/winevt/Logs/Application.evtx")
    }

    /// The events: a service error whose text holds a connection string, and a sign-in event
    /// with a user, a workstation, an address, a password field and an authorization header.
    static func events() -> [W.Event] {
        let service = WindowsEvents.Source(provider: "WebBRIX Access Service", guid: nil, eventSourceName: nil, channel: "Application")
        let signIn = WindowsEvents.Source(provider: "AMT-Security", guid: WindowsEvents.guidBytes("7B1F0C2D-3E4A-4B5C-8D6E-9F0A1B2C3D4E"),
                                          eventSourceName: nil, channel: "Application")
        let serviceT = WindowsEvents.template(id: 0x5C00_0001, unnamed: 1)
        let signInT = WindowsEvents.template(id: 0x5C00_0002, named: ["TargetUserName", "WorkstationName", "IpAddress", "ServicePassword", "Detail"])
        var events: [W.Event] = []
        var id: UInt64 = 500
        func add(_ t: W.Template, _ s: WindowsEvents.Source, _ eventID: UInt16, _ level: UInt8, _ time: UInt64, _ data: [String]) {
            let sys = WindowsEvents.system(s, eventID: eventID, qualifiers: s.guid == nil ? 0 : nil, level: level,
                                           keywords: WindowsEvents.classicKeywords, time: time, recordID: id,
                                           pid: 1200, tid: 3400, computer: WindowsEvents.computer)
            events.append(W.Event(recordID: id, fileTime: time, template: t, values: sys + data.map { .string($0) }))
            id += 1
        }
        add(serviceT, service, 1000, 2, W.fileTime(2026, 11, 24, 12, 0, 0, micro: 125_000),
            ["Database connection failed: Server=WEBBRIX-SQL;User Id=app;Password=Evtx!Conn51; (version 5.2.1.7)"])
        add(signInT, signIn, 4625, 3, W.fileTime(2026, 11, 24, 12, 5, 0, micro: 250_000),
            ["kdoyle", "FRONTDESK-07", "10.20.30.42", "Evtx!Named52", "Authorization: Bearer Evtx!Bearer53"])
        return events
    }

    @Test func fixtureIsUpToDate() throws {
        let bytes = EVTXWriter.file(Self.events())
        if ProcessInfo.processInfo.environment["RECORD_FIXTURES"] == "1" {
            try FileManager.default.createDirectory(at: Self.url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: Self.url)
        }
        let committed = try #require(FileManager.default.contents(atPath: Self.url.path),
                                     "missing: run RECORD_FIXTURES=1 swift test --filter RedactionFixtureTests")
        #expect(Array(committed) == bytes, "differs from what the writer produces: re-record with RECORD_FIXTURES=1")
    }

    @Test func plantedValuesAreInTheRecords() throws {
        let (records, stats) = try TempEVTX.records(EVTXWriter.file(Self.events()))
        #expect(stats.parseErrors == 0)
        #expect(records.count == 2)
        #expect(records[0].message.contains("Password=Evtx!Conn51;"))
        let data = records[1].winlog?.eventData ?? []
        #expect(data.first { $0.0 == "ServicePassword" }?.1 == "Evtx!Named52")
        #expect(data.first { $0.0 == "TargetUserName" }?.1 == "kdoyle")
        #expect(records[1].hostName == "WEBBRIX-SRV01")
    }
}
