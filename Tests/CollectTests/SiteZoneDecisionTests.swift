@testable import Collect
@testable import Collector
import Foundation
import LogRecord
import SystemPackage
import Testing

/// How the evidence becomes the zone: strongest first, names to IANA zones with their rules,
/// offsets alone (or unknown names) to fixed offsets, conflicts noted.
@Suite("Site zone decision")
struct SiteZoneDecisionTests {
    static func at(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 12) -> Timestamp { Timestamp(year: y, month: mo, day: d, hour: h)! }

    static func e6013(_ name: String, bias: Int, at: Timestamp = at(2026, 11, 23)) -> ZoneEvidence {
        ZoneEvidence(rule: .eventLog6013, file: "Windows/System32/winevt/Logs/System.evtx", detail: "\"\(bias) \(name)\"",
                     zoneName: name, offsetMinutes: -bias, isStandardOffset: true, at: at)
    }

    static func errorlog(_ minutes: Int, at: Timestamp) -> ZoneEvidence {
        ZoneEvidence(rule: .sqlErrorlog, file: "ERRORLOG", detail: "UTC adjustment", offsetMinutes: minutes, at: at)
    }

    @Test func errorlogOffsetIsAFixedOffsetLabelledSite() {
        let d = SiteZoneLearner.decide([Self.errorlog(-300, at: Self.at(2026, 11, 23))], collector: .collector)
        #expect(d.rule == "sql.errorlog.utc_adjustment")
        #expect(d.name == "UTC-05:00")
        #expect(d.utcOffsetMinutes == -300)
        #expect(d.zone.timeSource == .site)
        #expect(d.detail.contains("fixed offset"))
        #expect(d.warning == nil)
        #expect(d.conflicts.isEmpty)
    }

    @Test func windowsNameBecomesTheIANAZoneAndDaylightSavingFollowsItsRules() throws {
        let d = SiteZoneLearner.decide([Self.e6013("Eastern Standard Time", bias: 300)], collector: .collector)
        #expect(d.rule == "eventlog.6013")
        #expect(d.name == "America/New_York")
        #expect(d.zone.timeSource == .site)
        #expect(d.detail.contains("is America/New_York"))
        // Both sides of the change on 2026-11-01 02:00 local.
        #expect(d.zone.toUTC(year: 2026, month: 10, day: 31, hour: 12, minute: 0, second: 0) == Self.at(2026, 10, 31, 16))
        #expect(d.zone.toUTC(year: 2026, month: 11, day: 2, hour: 12, minute: 0, second: 0) == Self.at(2026, 11, 2, 17))
        // And in spring (2026-03-08).
        #expect(d.zone.toUTC(year: 2026, month: 3, day: 7, hour: 12, minute: 0, second: 0) == Self.at(2026, 3, 7, 17))
        #expect(d.zone.toUTC(year: 2026, month: 3, day: 9, hour: 12, minute: 0, second: 0) == Self.at(2026, 3, 9, 16))
    }

    @Test func theStrongerRuleWinsAndTheConflictIsNoted() {
        let evidence = [Self.errorlog(-360, at: Self.at(2026, 11, 20)), Self.e6013("Eastern Standard Time", bias: 300)]
        let d = SiteZoneLearner.decide(evidence, collector: .collector)
        #expect(d.name == "America/New_York")
        #expect(d.conflicts.count == 1)
        #expect(d.conflicts.first?.contains("sql.errorlog.utc_adjustment in ERRORLOG says UTC-06:00") == true)
        #expect(d.conflicts.first?.contains("eventlog.6013 is stronger") == true)
        #expect(d.summaryText.contains("1 conflicting"))
    }

    @Test func anOffsetInDaylightTimeAgreesWithTheZonesRules() {
        // SQL Server started in July: -4:00 is New York's offset then, not a conflict.
        let evidence = [Self.e6013("Eastern Standard Time", bias: 300), Self.errorlog(-240, at: Self.at(2026, 7, 1))]
        #expect(SiteZoneLearner.decide(evidence, collector: .collector).conflicts.isEmpty)
    }

    @Test func aLocalizedNameBecomesAFixedOffsetHonestlyLabelled() {
        let d = SiteZoneLearner.decide([Self.e6013("Mitteleuropäische Zeit", bias: -60)], collector: .collector)
        #expect(d.name == "UTC+01:00")
        #expect(d.zone.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: 1_782_000_000)) == 3600, "no daylight saving")
        #expect(d.detail.contains("not a Windows zone name this version knows"))
        #expect(d.detail.contains("fixed offset"))
        #expect(d.zone.timeSource == .site)
        // Daylight time seen elsewhere is noted: the fixed offset does not follow it.
        let summer = SiteZoneLearner.decide([Self.e6013("Mitteleuropäische Zeit", bias: -60), Self.errorlog(120, at: Self.at(2026, 7, 1))],
                                             collector: .collector)
        #expect(summer.conflicts.count == 2)
        #expect(summer.conflicts.last?.contains("observes daylight saving time") == true)
    }

    @Test func aNameWhoseStandardOffsetIsNotTheBiasIsNotTrusted() {
        let d = SiteZoneLearner.decide([Self.e6013("Eastern Standard Time", bias: 360)], collector: .collector)
        #expect(d.name == "UTC-06:00")
        #expect(d.conflicts.first?.contains("not Eastern Standard Time's standard offset UTC-05:00") == true)
    }

    @Test func nothingFoundIsAssumedAndWarned() {
        let collector = SiteZone(timeZone: TimeZone(identifier: "Asia/Tokyo")!, isKnown: false)
        let d = SiteZoneLearner.decide([], collector: collector)
        #expect(d.isAssumed)
        #expect(d.zone.timeSource == .assumed)
        #expect(d.name == "Asia/Tokyo")
        #expect(d.warning?.hasPrefix("time zone assumed") == true)
        #expect(d.summaryText == "Asia/Tokyo (assumed: collector's zone)")
    }

    @Test func givenZonesAreLabelledLocal() {
        let z = SiteZone.named("America/Chicago")!
        let d = ZoneDecision.given(z, live: false)
        #expect(d.rule == "option")
        #expect(d.zone.timeSource == .local)
        #expect(d.warning == nil)
        #expect(ZoneDecision.given(z, live: true).rule == "live system")
    }

    @Test func hostFactsAreTheWeakestRule() {
        let host = ZoneEvidence(rule: .hostFacts, file: "system/tz.reg", detail: "zone", zoneName: "Pacific Standard Time",
                                offsetMinutes: -480, isStandardOffset: true)
        let d = SiteZoneLearner.decide([host, Self.errorlog(-300, at: Self.at(2026, 11, 23))], collector: .collector)
        #expect(d.rule == "sql.errorlog.utc_adjustment")
        #expect(d.conflicts.count == 1)
        let alone = SiteZoneLearner.decide([host], collector: .collector)
        #expect(alone.name == "America/Los_Angeles")
        #expect(alone.rule == "host.facts")
        let iana = ZoneEvidence(rule: .hostFacts, file: "system/facts.json", detail: "zone", zoneName: "Europe/Bucharest")
        #expect(SiteZoneLearner.decide([iana], collector: .collector).name == "Europe/Bucharest")
    }

    @Test func evidenceThatGivesNoZoneIsPassedOver() {
        let odd = ZoneEvidence(rule: .eventLog6013, file: "System.evtx", detail: "d", zoneName: "Nowhere Standard Time")
        let d = SiteZoneLearner.decide([odd, Self.errorlog(-300, at: Self.at(2026, 11, 23))], collector: .collector)
        #expect(d.rule == "sql.errorlog.utc_adjustment")
        #expect(d.name == "UTC-05:00")
        #expect(d.conflicts.first?.contains("\"Nowhere Standard Time\" is not a zone name this version knows") == true)
        let none = SiteZoneLearner.decide([odd], collector: .collector)
        #expect(none.isAssumed)
        #expect(none.conflicts.count == 1)
    }

    @Test func theNewest6013Wins() {
        let old = Self.e6013("Pacific Standard Time", bias: 480, at: Self.at(2025, 1, 1))
        let new = Self.e6013("Eastern Standard Time", bias: 300, at: Self.at(2026, 1, 1))
        #expect(SiteZoneLearner.decide([old, new], collector: .collector).name == "America/New_York")
    }

    // MARK: - Files

    static func source(_ path: URL, _ rel: String, kind: SourceKind) -> DiscoveredSource {
        DiscoveredSource(absolutePath: FilePath(path.path), relativePath: rel, entryID: "t", kind: kind, size: 0,
                         modified: nil, maxBytes: nil)
    }

    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("amt-zone-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func theDemoSitesERRORLOGsAreFound() {
        let log = "Program Files/Microsoft SQL Server/MSSQL15.MSSQLSERVER/MSSQL/Log/"
        let learner = SiteZoneLearner(root: FilePath(Fixture.demo.path), sources: ["ERRORLOG", "ERRORLOG.1"].map {
            Self.source(Fixture.demo.appendingPathComponent(log + $0), log + $0, kind: "sql.errorlog")
        })
        let found = learner.gather()
        #expect(found.count == 2)
        #expect(found.allSatisfy { $0.rule == .sqlErrorlog && $0.offsetMinutes == -300 })
        #expect(found.first?.file == log + "ERRORLOG", "newest first")
        #expect(found.first?.at == Timestamp(year: 2026, month: 11, day: 23, hour: 11, minute: 0, second: 1))
    }

    /// An MSI log whose end is the MsiInstaller events of the demo's Application.evtx, five
    /// hours earlier on the clock: the pair gives UTC-05:00.
    @Test func anMSILogPairedWithItsEvent() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = """
            === Verbose logging started: 11/22/2026  5:12:40  Build type: SHIP UNICODE 5.00.10011.00 ===\r
            MSI (c) (D4:E8) [05:17:07:120]: Windows Installer installed the product. Product Name: WebBRIX Server 5.2. Product Version: 5.2.1048. Product Language: 1033. Manufacturer: AMT Access Management. Installation success or error status: 1603.\r
            === Verbose logging stopped: 11/22/2026  5:17:07 ===\r

            """
        let msi = dir.appendingPathComponent("MSI1.LOG")
        try Data(ZoneEvidenceReaderTests.utf16LE(text)).write(to: msi)
        let app = Fixture.demo.appendingPathComponent("Windows/System32/winevt/Logs/Application.evtx")
        let learner = SiteZoneLearner(root: FilePath(dir.path), sources: [
            Self.source(msi, "Windows/Temp/MSI1.LOG", kind: "msi"),
            Self.source(app, "Windows/System32/winevt/Logs/Application.evtx", kind: "windows.evtx"),
        ])
        let found = learner.gather()
        let pair = try #require(found.first)
        #expect(pair.rule == .eventPair)
        #expect(pair.offsetMinutes == -300)
        #expect(pair.detail.contains("MsiInstaller 1") && pair.detail.contains("for \"WebBRIX Server 5.2\""), "\(pair.detail)")
        #expect(SiteZoneLearner.decide(found, collector: .collector).name == "UTC-05:00")
        // The demo's own MSI log is for another run (two days later): no pair.
        let demoMSI = Fixture.demo.appendingPathComponent("Windows/Temp/MSI3f2a1.LOG")
        let unpaired = SiteZoneLearner(root: FilePath(dir.path), sources: [
            Self.source(demoMSI, "Windows/Temp/MSI3f2a1.LOG", kind: "msi"),
            Self.source(app, "Windows/System32/winevt/Logs/Application.evtx", kind: "windows.evtx"),
        ])
        #expect(unpaired.gather().isEmpty)
    }

    @Test func hostFactsFilesAtTheRootAndInSystem() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("system"), withIntermediateDirectories: true)
        try Data("Central Europe Standard Time\r\n".utf8).write(to: dir.appendingPathComponent("system/tzutil.txt"))
        try Data("unrelated\n".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let found = SiteZoneLearner(root: FilePath(dir.path), sources: []).gather()
        #expect(found.count == 1)
        #expect(found.first?.file == "system/tzutil.txt")
        #expect(SiteZoneLearner.decide(found, collector: .collector).name == "Europe/Budapest")
    }
}
