import Foundation
import LogRecord
import Testing
@testable import EventLog

/// Exported event logs (Event Viewer / wevtutil XML, Event Viewer CSV) from fixtures the project
/// wrote (Fixtures/evtx/exported), read whole and byte by byte with the same result.
@Suite struct EventExportTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = Samples.packageRoot.appendingPathComponent("Fixtures/evtx/exported/\(name)")
        return Array(try #require(FileManager.default.contents(atPath: url.path), "missing fixture \(url.path)"))
    }

    static func xml(_ bytes: [UInt8], chunkSize: Int = 1 << 16) throws -> ([Record], ParseStats) {
        var source = MemoryByteSource(bytes, chunkSize: chunkSize)
        var stats = ParseStats()
        var out: [Record] = []
        try EventExportParser.parseXML(source: &source, context: ParseContext(sourcePath: "exported/events.xml"), stats: &stats) { out.append($0) }
        return (out, stats)
    }

    static func csv(_ bytes: [UInt8], zone: SiteZone = .utc, chunkSize: Int = 1 << 16) throws -> ([Record], ParseStats) {
        var source = MemoryByteSource(bytes, chunkSize: chunkSize)
        var stats = ParseStats()
        var out: [Record] = []
        try EventExportParser.parseCSV(source: &source, context: ParseContext(sourcePath: "exported/events.csv", hostName: "WEBBRIX-SRV01", zone: zone), stats: &stats) { out.append($0) }
        return (out, stats)
    }

    @Test func eventViewerXMLInUTF16() throws {
        let bytes = try Self.fixture("events-eventviewer-utf16.xml")
        #expect(EventExportParser.looksLikeEventXML(Array(bytes.prefix(4096))))
        #expect(!EventExportParser.looksLikeEventCSV(Array(bytes.prefix(4096))))
        let (records, stats) = try Self.xml(bytes)
        #expect(stats.parseErrors == 0)
        #expect(records.count == 2)
        let scm = try #require(records.first)
        #expect(scm.dataset == Dataset.eventXML)
        #expect(scm.timestamp?.iso8601 == "2026-11-23T03:05:40.903377Z")
        #expect(scm.code == "7031" && scm.level == .error && scm.provider == "Service Control Manager")
        #expect(scm.winlog?.qualifiers == 49152 && scm.winlog?.recordID == 4105 && scm.winlog?.channel == "System")
        #expect(scm.winlog?.providerGUID == "555908D1-A6D7-4695-8E1E-26931D2012F4")
        #expect(scm.winlog?.eventData.map(\.0) == ["param1", "param2", "param3", "param4", "param5", "Binary"])
        #expect(scm.message.hasPrefix("Service Control Manager 7031: The WebBRIX Access Service service terminated unexpectedly."))
        #expect(scm.hostName == "WEBBRIX-SRV01" && scm.timeSource == .utc)
        let kp = records[1]
        #expect(kp.level == .critical && kp.winlog?.userID == "S-1-5-18")
        #expect(kp.winlog?.eventData.first { $0.0 == "ConnectedStandbyInProgress" }?.1 == "false")
        // Split at every byte: the same records.
        let (split, _) = try Self.xml(bytes, chunkSize: 1)
        #expect(split == records)
    }

    @Test func wevtutilBareEvents() throws {
        let bytes = try Self.fixture("events-wevtutil.xml")
        #expect(EventExportParser.looksLikeEventXML(bytes))
        let (records, stats) = try Self.xml(bytes)
        #expect(stats.parseErrors == 0)
        #expect(records.count == 2)
        let sql = records[0]
        #expect(sql.winlog?.eventData.map(\.0) == ["Data[0]", "Binary"])
        #expect(sql.winlog?.eventData.first?.1 == "Login failed for user 'sa'. Reason: Password did not match that for the login provided. [CLIENT: 10.0.0.5]")
        #expect(sql.level == .information && sql.winlog?.level == 0)
        let rdp = records[1]
        #expect(rdp.winlog?.userData.map { "\($0.0)=\($0.1)" } == ["EventXML/listenerName=RDP-Tcp", "EventXML/note=a < b & c"])
        #expect(rdp.winlog?.eventData.isEmpty == true)
        let (split, _) = try Self.xml(bytes, chunkSize: 7)
        #expect(split == records)
    }

    @Test func damagedXMLCountsAndContinues() throws {
        var text = String(decoding: try Self.fixture("events-wevtutil.xml"), as: UTF8.self)
        text = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='X'></System></Event>" + text
        text += "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        let (records, stats) = try Self.xml(Array(text.utf8))
        #expect(records.count == 2)
        #expect(stats.parseErrors == 2)
        #expect(stats.problems.contains { $0.contains("does not match") })
        #expect(stats.problems.contains { $0.contains("cut off") })
    }

    @Test func englishCSV() throws {
        let bytes = try Self.fixture("events-en-US.csv")
        #expect(EventExportParser.looksLikeEventCSV(bytes))
        #expect(!EventExportParser.looksLikeEventXML(bytes))
        let zone = try #require(SiteZone.named("-05:00"))
        let (records, stats) = try Self.csv(bytes, zone: zone)
        #expect(stats.parseErrors == 0)
        #expect(records.count == 4)
        let scm = records[0]
        #expect(scm.dataset == Dataset.eventCSV)
        #expect(scm.timestamp?.iso8601 == "2026-11-23T08:05:40.000000Z")
        #expect(scm.timeSource == .local)
        #expect(scm.level == .error && scm.code == "7031" && scm.provider == "Service Control Manager")
        #expect(scm.line == 2)
        #expect(scm.hostName == "WEBBRIX-SRV01")
        #expect(scm.extra("event.task_category") == .string("None"))
        #expect(records[1].level == .critical && records[1].winlog?.level == 1)
        #expect(records[2].timestamp?.iso8601 == "2026-11-24T17:00:12.000000Z")
        #expect(records[2].message == "Login failed for user 'sa'. Reason: Password did not match that for the login provided. [CLIENT: 10.0.0.5]")
        #expect(records[3].message == "Line one of a \"quoted\" message\nline two, with a comma\n\nline four")
        #expect(records[3].line == 5)
        #expect(records[3].timestamp?.iso8601 == "2026-11-25T21:44:31.000000Z")
        let (split, _) = try Self.csv(bytes, zone: zone, chunkSize: 1)
        #expect(split == records)
    }

    @Test func germanCSVWithAssumedZone() throws {
        let bytes = try Self.fixture("events-de-DE.csv")
        #expect(EventExportParser.looksLikeEventCSV(bytes))
        let zone = SiteZone(timeZone: TimeZone(identifier: "Europe/Berlin")!, isKnown: false)
        let (records, stats) = try Self.csv(bytes, zone: zone)
        #expect(stats.parseErrors == 0)
        #expect(records.map(\.level) == [.error, .critical, .information])
        #expect(records[0].timestamp?.iso8601 == "2026-11-23T02:05:40.000000Z")
        #expect(records[0].timeSource == .assumed)
        #expect(records[0].message == "Der Dienst \"WebBRIX Access Service\" wurde unerwartet beendet.")
        #expect(records[2].code == "18456")
    }

    @Test func csvDateForms() {
        #expect(EventExportParser.parseCSVDate("11/23/2026 3:05:40 PM")?.time.iso8601 == "2026-11-23T15:05:40.000000Z")
        #expect(EventExportParser.parseCSVDate("11/23/2026 12:05:40 AM")?.time.iso8601 == "2026-11-23T00:05:40.000000Z")
        #expect(EventExportParser.parseCSVDate("23.11.2026 15:05:40")?.time.iso8601 == "2026-11-23T15:05:40.000000Z")
        #expect(EventExportParser.parseCSVDate("23/11/2026 15:05:40")?.time.iso8601 == "2026-11-23T15:05:40.000000Z")
        let iso = EventExportParser.parseCSVDate("2026-11-23 15:05:40")
        #expect(iso?.time.iso8601 == "2026-11-23T15:05:40.000000Z" && iso?.utc == false)
        let isoZ = EventExportParser.parseCSVDate("2026-11-23T15:05:40Z")
        #expect(isoZ?.utc == true)
        #expect(EventExportParser.parseCSVDate("Date and Time") == nil)
        #expect(EventExportParser.parseCSVDate("13/13/2026 3:05:40 PM") == nil)
    }

    @Test func csvRowsMalformed() throws {
        let text = "Level,Date and Time,Source,Event ID,Task Category\nError,not a date,Src,1,None,\"msg\"\nshort,row\nWarning,11/23/2026 3:05:40 AM,Src,2,None,\"unterminated\n"
        let (records, stats) = try Self.csv(Array(text.utf8))
        #expect(records.count == 2)
        #expect(records[0].timestamp == nil)
        #expect(stats.parseErrors == 3)
    }
}
