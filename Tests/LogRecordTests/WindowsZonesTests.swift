import Foundation
import LogRecord
import Testing

@Suite("Windows zones")
struct WindowsZonesTests {
    /// Every IANA zone of the table is in this system's time zone database, and the table holds
    /// each Windows name once.
    @Test func everyZoneResolves() {
        #expect(WindowsZones.pairs.count == 139)
        for (windows, iana) in WindowsZones.pairs {
            #expect(TimeZone(identifier: iana) != nil, "\(windows) → \(iana)")
        }
        #expect(Set(WindowsZones.pairs.map(\.windows)).count == WindowsZones.pairs.count)
        for (name, key) in WindowsZones.aliases {
            #expect(WindowsZones.ianaIdentifier(forWindowsName: key) != nil, "\(name) → \(key)")
        }
    }

    @Test func namesAsWindowsWritesThem() {
        #expect(WindowsZones.ianaIdentifier(forWindowsName: "Eastern Standard Time") == "America/New_York")
        #expect(WindowsZones.ianaIdentifier(forWindowsName: "  eastern   standard time ") == "America/New_York")
        #expect(WindowsZones.ianaIdentifier(forWindowsName: "Eastern Daylight Time") == "America/New_York")
        #expect(WindowsZones.ianaIdentifier(forWindowsName: "Eastern Standard Time (Mexico)") == "America/Cancun")
        #expect(WindowsZones.ianaIdentifier(forWindowsName: "W. Europe Standard Time") == "Europe/Berlin")
        #expect(WindowsZones.ianaIdentifier(forWindowsName: "Coordinated Universal Time") == "Etc/UTC")
        #expect(WindowsZones.ianaIdentifier(forWindowsName: "Jerusalem Standard Time") == "Asia/Jerusalem")
        #expect(WindowsZones.ianaIdentifier(forWindowsName: "Russia TZ 3 Standard Time") == "Europe/Samara")
        #expect(WindowsZones.ianaIdentifier(forWindowsName: "Mitteleuropäische Zeit") == nil)
        #expect(WindowsZones.ianaIdentifier(forWindowsName: "") == nil)
        #expect(WindowsZones.ianaIdentifier(forWindowsName: String(repeating: "x", count: 10_000)) == nil)
    }

    /// The standard offset of each zone is what its Windows name says it is, for a few samples.
    @Test func standardOffsets() throws {
        let january = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01
        for (name, minutes) in [("Pacific Standard Time", -480), ("India Standard Time", 330), ("Nepal Standard Time", 345),
                                ("AUS Eastern Standard Time", 660), ("Dateline Standard Time", -720), ("Line Islands Standard Time", 840)] {
            let tz = try #require(WindowsZones.ianaIdentifier(forWindowsName: name).flatMap(TimeZone.init(identifier:)))
            #expect(tz.secondsFromGMT(for: january) / 60 == minutes, "\(name)")
        }
    }

    @Test func learnedZonesAreLabelledSite() {
        let tz = TimeZone(identifier: "America/New_York")!
        #expect(SiteZone.learned(tz).timeSource == .site)
        #expect(SiteZone.learned(tz).isKnown)
        #expect(SiteZone(timeZone: tz, isKnown: true).timeSource == .local)
        #expect(SiteZone.collector.timeSource == .assumed)
        var r = Record(dataset: "text", message: "m")
        r.timeSource = .site
        #expect(JSONLinesWriter().line(r).contains("\"amt\":{\"time_source\":\"site\"}"))
    }
}
