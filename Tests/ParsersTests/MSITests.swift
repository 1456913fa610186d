import Foundation
import LogRecord
@testable import Parsers
import Testing

/// Parses `Fixtures/parsers/<rel>` (detected by content unless `dataset` is given).
func fixtureRecords(_ rel: String, dataset: String? = nil, zone: SiteZone = .utc) throws -> (records: [Record], stats: ParseStats) {
    let url = TestPaths.fixtures.appendingPathComponent("parsers").appendingPathComponent(rel)
    let bytes = try [UInt8](Data(contentsOf: url))
    let context = ParseContext(sourcePath: "parsers/" + rel, hostName: nil, zone: zone)
    return try TextParsing.parse(bytes: bytes, dataset: dataset, context: context, chunkSize: 613)
}

/// The summary records (those with `amt.install`).
func summaries(_ records: [Record]) -> [Record] {
    records.filter { $0.extra("install.complete") != nil }
}

let newYork = SiteZone.named("America/New_York")!

@Suite struct MSITests {
    @Test(arguments: ["msi/verbose-utf16-dmy-failure.log", "msi/two-sessions-mdy-midnight.log",
                      "msi/partial-cr-nuls.log", "msi/nonverbose-de-1252.log",
                      "msi/verbose-de-1714-1620.log", "msi/verbose-fr-rollback-cp1252.log",
                      "msi/verbose-es-ambiguous-success.log", "msi/verbose-ja-utf16-nobom.log",
                      "msi/verbose-ru-removal-cp1251.log", "msi/nonverbose-fr-two-runs.log"])
    func golden(_ rel: String) throws {
        try expectGolden(rel, zone: newYork)
    }

    @Test func failureWithFalseAlarms() throws {
        let (records, stats) = try fixtureRecords("msi/verbose-utf16-dmy-failure.log", zone: newYork)
        #expect(stats.dataset == "msi")
        #expect(stats.encoding == "utf-16le")
        let s = summaries(records)
        try #require(s.count == 1)
        #expect(s[0].outcome == .failure)
        #expect(s[0].level == .error)
        #expect(s[0].extra("install.exit_code") == .string("1603"))
        #expect(s[0].extra("install.product") == .string("Acme Reader"))
        #expect(s[0].extra("install.version") == .string("3.1.0"))
        #expect(s[0].extra("install.first_error")?.stringValue?.hasPrefix("Error 1920.") == true)
        #expect(s[0].extra("install.failed_action") == .string("RegisterReaderService (deferred, run by InstallFinalize)"))
        // False alarms stay low.
        for r in records where r.message.contains("2205 2:  3: Error") || r.message.contains("translated to success")
            || r.message.contains("Error in rollback skipped") || r.message.hasPrefix("DEBUG: Error 2826") {
            #expect(r.level != .error && r.level != .warning, "raised: \(r.message)")
        }
        // d.M.yyyy header: 24 November, 09:14:02 EST = 14:14:02Z.
        #expect(records[0].timestamp?.iso8601 == "2026-11-24T14:14:02.000Z")
        #expect(records[0].timeSource == .local)
        // Custom-action thread (A8!20): pid 0xA8, tid 0x20.
        let ca = try #require(records.first { $0.message.contains("Reader service setup") })
        #expect(ca.processID == 0xA8 && ca.threadID == 0x20)
        #expect(ca.extra("msi.custom_action_thread") == .bool(true))
        #expect(ca.extra("msi.context") == .string("s"))
        // RunEngine continuation lines join their entry and name the package.
        let run = try #require(records.first { $0.message.contains("RunEngine") })
        #expect(run.message.contains("******* Product: C:\\Install\\Acme Reader (x64)\\AcmeReader.msi"))
        // Lines after "=== Logging stopped" are kept.
        #expect(records.contains { $0.message.hasSuffix("MainEngineThread is returning 1603") && $0.line == 34 })
    }

    @Test func sessionsAmbiguousDatesAndMidnight() throws {
        let (records, stats) = try fixtureRecords("msi/two-sessions-mdy-midnight.log", zone: .utc)
        let s = summaries(records)
        try #require(s.count == 2)
        #expect(s[0].outcome == .success && s[0].extra("install.exit_code") == .string("0"))
        #expect(s[0].extra("install.product") == .string("Badge Printer Driver"))
        #expect(s[1].outcome == .failure && s[1].extra("install.exit_code") == .string("1602"))
        // 1/5/2026 is settled as month first by the later 1/13/2026: 5 January, not 1 May.
        #expect(records[0].timestamp?.iso8601 == "2026-01-05T23:59:57.000Z")
        // Midnight rollover inside the first session.
        let after = try #require(records.first { $0.message.contains("Doing action: InstallFiles") })
        #expect(after.timestamp?.iso8601 == "2026-01-06T00:00:01.050Z")
        #expect(stats.counters["msi_sessions"] == 2)
        // Records come out in file order although they were held back.
        let lines = records.filter { $0.extra("install.complete") == nil }.compactMap(\.line)
        #expect(lines == lines.sorted())
        #expect(s[1].extra("install.product") == .string("Badge Printer Driver"))
    }

    @Test func partialRunWithBareCRAndNULs() throws {
        let (records, stats) = try fixtureRecords("msi/partial-cr-nuls.log", zone: .utc)
        let s = summaries(records)
        try #require(s.count == 1)
        #expect(s[0].outcome == .unknown)
        #expect(s[0].extra("install.complete") == .bool(false))
        #expect(stats.problems.contains { $0.hasPrefix("partial:") })
        #expect(records.contains { $0.message.hasSuffix("Embedded NUL above was dropped") })
        #expect(records.count == 7)
    }

    @Test func localizedNonVerboseMatchesOnCodes() throws {
        let (records, stats) = try fixtureRecords("msi/nonverbose-de-1252.log", zone: .utc)
        #expect(stats.encoding == "utf-8 (+4 lines windows-1252)")
        let s = summaries(records)
        try #require(s.count == 1)
        #expect(s[0].outcome == .failure)
        #expect(s[0].extra("install.failed_action") == .string("StartServices"))
        #expect(s[0].extra("install.first_error")?.stringValue?.contains("„WebBRIX Zutrittsdienst“") == true)
        let ended = try #require(records.first { $0.message.contains("StartServices. Rückgabewert 3.") })
        #expect(ended.level == .error)
        #expect(ended.extra("msi.return_value") == .int(3))
    }

    @Test func ambiguousDatesAreHeldBoundedThenReadMonthFirst() throws {
        var text = "=== Verbose logging started: 3/4/2026  10:00:00  Build type: SHIP UNICODE 5.00.10011.00  Calling process: x ===\n"
        for i in 0..<25_000 { text += "MSI (s) (10:14) [10:00:01:\(String(format: "%03d", i % 1000))]: line \(i)\n" }
        let (records, stats) = try TextParsing.parse(bytes: Array(text.utf8), context: ParseContext(sourcePath: "MSI2.LOG", zone: .utc))
        #expect(records.count == 25_002)
        #expect(stats.problems.contains("day/month order of the dates in this file is ambiguous: read as month/day"))
        // 3/4/2026 read as 4 March, before and after the hold was released.
        #expect(records[0].timestamp?.iso8601 == "2026-03-04T10:00:00.000Z")
        #expect(records[24_999].timestamp?.iso8601.hasPrefix("2026-03-04T10:00:01") == true)
        #expect(records.dropLast().map(\.line) == (1...25_001).map { Optional($0) })
    }

    @Test func removalIsNamed() throws {
        let text = """
        === Verbose logging started: 11/26/2026  16:00:00  Build type: SHIP UNICODE 5.00.10011.00  Calling process: C:\\Windows\\system32\\msiexec.exe ===
        MSI (s) (10:14) [16:00:05:000]: Windows Installer removed the product. Product Name: Badge Designer. Product Version: 2.0. Product Language: 1033. Manufacturer: Acme. Removal success or error status: 0.
        MSI (s) (10:14) [16:00:05:010]: MainEngineThread is returning 0
        === Verbose logging stopped: 11/26/2026  16:00:05 ===
        """
        let (records, _) = try TextParsing.parse(bytes: Array(text.utf8), context: ParseContext(sourcePath: "MSI1.LOG", zone: .utc))
        let s = try #require(summaries(records).first)
        #expect(s.message == "Removal of Badge Designer 2.0 succeeded (exit code 0).")
        #expect(s.timestamp?.iso8601 == "2026-11-26T16:00:05.010Z")
    }

    @Test func detectionByContent() {
        let lines = ["=== Verbose logging started: 1/31/2022  10:15:32  Build type: SHIP UNICODE 5.00.10011.00  Calling process: x ==="]
        #expect(TextFormats.detect(lines: lines, path: "x.txt").dataset == MSILogParser.dataset)
        let body = (0..<5).map { "MSI (s) (A8:C4) [10:15:32:12\($0)]: Doing something" }
        #expect(TextFormats.detect(lines: body, path: "x.txt").dataset == MSILogParser.dataset)
    }

    /// German: `Error 1714` with `System Error 1620` in RemoveExistingProducts, named as the cause.
    @Test func olderVersionChainGerman() throws {
        let (records, stats) = try fixtureRecords("msi/verbose-de-1714-1620.log", zone: newYork)
        #expect(stats.dataset == "msi")
        #expect(stats.encoding == "utf-16le")
        let s = summaries(records)
        try #require(s.count == 1)
        #expect(s[0].outcome == .failure)
        #expect(s[0].extra("install.exit_code") == .string("1603"))
        #expect(s[0].extra("install.product") == .string("WebBRIX 5.2"))
        #expect(s[0].extra("install.version") == .string("5.2.0"))
        #expect(s[0].extra("install.failed_action") == .string("RemoveExistingProducts"))
        #expect(s[0].extra("install.first_error")?.stringValue?.hasPrefix("Fehler 1714. Die ältere Version von WebBRIX 5.1") == true)
        #expect(s[0].extra("msi.error") == .int(1714))
        #expect(s[0].extra("msi.system_error") == .int(1620))
        #expect(s[0].extra("msi.system_error_meaning")?.stringValue?.contains("could not be opened") == true)
        #expect(s[0].message.contains("in RemoveExistingProducts: Fehler 1714"))
        // The German result line is read by position: the status is its last value.
        let result = try #require(records.first { $0.message.contains("Windows Installer hat das Produkt installiert") })
        #expect(result.level == .error && result.code == "1603")
        #expect(result.extra("msi.product") == .string("WebBRIX 5.2"))
        // The product line after `Note: 1: 1708` is a failure, whatever its words.
        #expect(records.first { $0.message.hasSuffix("-- Installation fehlgeschlagen.") }?.level == .error)
        #expect(records.first { $0.message.hasPrefix("=== Ausführliche") }?.extra("msi.calling_process") == .string("C:\\Windows\\system32\\msiexec.exe"))
        #expect(stats.counters["msi_sessions"] == 1)
        // 21.11.2026 14:05:10 EST.
        #expect(records[0].timestamp?.iso8601 == "2026-11-21T19:05:10.000Z")
        #expect(records.filter { $0.level == .error }.count == 9)
    }

    /// French: an error in an earlier action that succeeded and a rollback error after the
    /// failure are not the cause; the error inside the failing deferred action is.
    @Test func firstErrorExplainingTheFailureFrench() throws {
        let (records, stats) = try fixtureRecords("msi/verbose-fr-rollback-cp1252.log", zone: newYork)
        #expect(stats.dataset == "msi")
        let s = summaries(records)
        try #require(s.count == 1)
        #expect(s[0].outcome == .failure)
        #expect(s[0].extra("install.exit_code") == .string("1603"))
        #expect(s[0].extra("install.failed_action") == .string("ConfigureDoorService (deferred, run by InstallFinalize)"))
        let first = try #require(s[0].extra("install.first_error")?.stringValue)
        #expect(first.hasPrefix("Erreur 1722. Un problème est survenu"))
        #expect(!first.contains("1402") && !first.contains("1316"))
        #expect(s[0].extra("msi.error") == .int(1722))
        // " : " separators and a dot inside the manufacturer's name.
        let result = try #require(records.first { $0.message.contains("Windows Installer a installé le produit") })
        #expect(result.code == "1603" && result.extra("msi.product") == .string("WebBRIX"))
        #expect(result.extra("msi.version") == .string("5.2.0"))
        // French action lines (`Action terminée à 09:00:09 : InstallFinalize. Valeur renvoyée 3.`).
        let ended = try #require(records.first { $0.message.hasPrefix("Action terminée à 09:00:09 :") })
        #expect(ended.extra("msi.return_value") == .int(3) && ended.level == .error)
        #expect(records.first { $0.message.hasPrefix("Action terminée à 09:00:03") }?.extra("msi.return_value") == .int(1))
    }

    /// Spanish `05/11/2026` is read day first because UserLanguageID is 3082 (es-ES).
    @Test func ambiguousDateSettledByUserLocale() throws {
        let (records, stats) = try fixtureRecords("msi/verbose-es-ambiguous-success.log", zone: newYork)
        let s = summaries(records)
        try #require(s.count == 1)
        #expect(s[0].outcome == .success && s[0].extra("install.exit_code") == .string("0"))
        #expect(s[0].extra("install.product") == .string("WebBRIX"))
        #expect(records[0].timestamp?.iso8601 == "2026-11-05T16:00:00.000Z")
        #expect(!stats.problems.contains { $0.contains("ambiguous") })
        #expect(!records.contains { $0.level == .error || $0.level == .warning })
        #expect(records.first { $0.message.contains("-- La instalación se completó correctamente.") }?.level == .information)
    }

    /// Japanese, UTF-16LE without BOM: `。` ends action names, return values and result values.
    @Test func japaneseFullStops() throws {
        let (records, stats) = try fixtureRecords("msi/verbose-ja-utf16-nobom.log", zone: newYork)
        #expect(stats.dataset == "msi")
        #expect(stats.encoding?.hasPrefix("utf-16le") == true)
        let s = summaries(records)
        try #require(s.count == 1)
        #expect(s[0].outcome == .failure && s[0].extra("install.exit_code") == .string("1603"))
        #expect(s[0].extra("install.failed_action") == .string("StartServices"))
        #expect(s[0].extra("install.first_error")?.stringValue?.hasPrefix("エラー 1920。") == true)
        #expect(s[0].extra("install.version") == .string("5.2.0"))
        let ended = try #require(records.first { $0.message.hasPrefix("アクションの終了 10:00:32: StartServices。") })
        #expect(ended.extra("msi.return_value") == .int(3))
        #expect(ended.extra("msi.action") == .string("StartServices"))
        // 2026/11/22 10:00:00 EST.
        #expect(records[0].timestamp?.iso8601 == "2026-11-22T15:00:00.000Z")
    }

    /// Russian (cp1251, no final newline): a removal, named from `Note: 1: 1724` and `REMOVE = ALL`.
    @Test func russianRemoval() throws {
        let (records, stats) = try fixtureRecords("msi/verbose-ru-removal-cp1251.log", zone: newYork)
        #expect(stats.dataset == "msi")
        let s = summaries(records)
        try #require(s.count == 1)
        #expect(s[0].outcome == .success)
        #expect(s[0].message == "Removal of WebBRIX 5.1.0 succeeded (exit code 0).")
        #expect(records.first { $0.message.contains("Установщик Windows выполнил удаление") }?.code == "0")
        #expect(records.last { $0.extra("install.complete") == nil }?.message.hasPrefix("=== Остановлено") == true)
    }

    /// Non-verbose runs appended with localized `=== … ===` headers: one outcome per run.
    @Test func localizedNonVerboseRuns() throws {
        let (records, stats) = try fixtureRecords("msi/nonverbose-fr-two-runs.log", zone: newYork)
        #expect(stats.dataset == "msi")
        #expect(stats.counters["msi_sessions"] == 2)
        let s = summaries(records)
        try #require(s.count == 2)
        #expect(s[0].outcome == .success)
        #expect(s[1].outcome == .failure)
        #expect(s[1].extra("install.failed_action") == .string("StartServices"))
        #expect(s[1].extra("install.first_error")?.stringValue?.hasPrefix("Erreur 1920.") == true)
        // 20/11/2026 is day first (20 > 12).
        #expect(records[0].timestamp?.iso8601 == "2026-11-20T13:00:00.000Z")
    }

    /// A restart-required line (event 1038: six values) is not a result line.
    @Test func restartLineIsNotAResult() throws {
        let text = """
        === Verbose logging started: 11/26/2026  16:00:00  Build type: SHIP UNICODE 5.00.10011.00  Calling process: C:\\Windows\\system32\\msiexec.exe ===
        MSI (s) (10:14) [16:00:05:000]: Windows Installer requires a system restart. Product Name: Badge Designer. Product Version: 2.0. Product Language: 1033. Manufacturer: Acme. Type of System Restart: 2. Reason for Restart: 1.
        MSI (s) (10:14) [16:00:05:010]: MainEngineThread is returning 3010
        """
        let (records, _) = try TextParsing.parse(bytes: Array(text.utf8), context: ParseContext(sourcePath: "MSI3.LOG", zone: .utc))
        let s = try #require(summaries(records).first)
        #expect(s.outcome == .success && s.extra("install.exit_code") == .string("3010"))
        #expect(records[1].code == nil)
    }

    @Test func localeDayOrder() {
        #expect(MSILogParser.localeDayFirst(2057) == true)
        #expect(MSILogParser.localeDayFirst(1033) == false)
        #expect(MSILogParser.localeDayFirst(1041) == nil)
        #expect(MSILogParser.localeDayFirst(-5) == nil)
    }
}
