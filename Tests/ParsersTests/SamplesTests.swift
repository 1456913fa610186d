import Foundation
import LogRecord
import Parsers
import Testing

/// Tests over the real files in `../shared/samples/text/` (read at run time, never copied).
@Suite struct SamplesTests {
    static func parse(_ sub: String, _ file: String, zone: SiteZone = .utc) throws -> (records: [Record], stats: ParseStats, bytes: [UInt8]) {
        let url = try TestPaths.samples("text/" + sub).appendingPathComponent(file)
        let bytes = try [UInt8](Data(contentsOf: url))
        let context = ParseContext(sourcePath: "text/\(sub)/\(file)", hostName: nil, zone: zone)
        let (records, stats) = try TextParsing.parse(bytes: bytes, context: context)
        return (records, stats, bytes)
    }

    /// The file's lines, decoded independently of the project's decoder (Foundation).
    static func lines(_ bytes: [UInt8], encoding: String.Encoding) -> [String] {
        var data = Data(bytes)
        if bytes.starts(with: [0xFF, 0xFE]) { data = data.dropFirst(2) }
        let text = String(data: data, encoding: encoding) ?? ""
        return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .components(separatedBy: "\n")
    }

    /// The lines of every record but summaries and facts, in order.
    static func recordLines(_ records: [Record]) -> [String] {
        records.filter { $0.extra("install.complete") == nil && $0.extra("fact") == nil }
            .flatMap { $0.message.components(separatedBy: "\n") }
    }

    static func nonBlank(_ lines: [String]) -> [String] {
        lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    @Test(.needsSamples, arguments: [("wixpills_planned-failure_install-with-error.log", false),
                      ("wixpills_rollback-ca_install-with-error.log", false),
                      ("wixpills_planned-failure_install-success.log", true)])
    func msiOutcome(file: String, success: Bool) throws {
        let (records, stats, bytes) = try Self.parse("msi_verbose", file)
        #expect(stats.dataset == "msi")
        let s = summaries(records)
        try #require(s.count == 1, "one run, one summary")
        #expect(s[0].outcome == (success ? .success : .failure))
        #expect(s[0].extra("install.exit_code") == .string(success ? "0" : "1603"))
        #expect(s[0].extra("install.complete") == .bool(true))
        if !success {
            #expect(s[0].extra("install.first_error")?.stringValue?.hasPrefix("CustomAction WixFailWhenDeferred returned actual error code 1603") == true)
            #expect(s[0].extra("install.failed_action")?.stringValue?.hasPrefix("WixFailWhenDeferred") == true)
        } else {
            #expect(!records.contains { $0.level == .error || $0.level == .warning || $0.level == .critical })
        }
        // Every line with text is in a record, in order; entries start at non-indented lines.
        let fileLines = Self.lines(bytes, encoding: .utf16LittleEndian)
        #expect(Self.nonBlank(Self.recordLines(records)) == Self.nonBlank(fileLines))
        let starts = fileLines.filter { !$0.isEmpty && !$0.hasPrefix(" ") && !$0.hasPrefix("\t") }.count
        #expect(records.count - s.count == starts)
        // ro-RO dates (31.01.2022): every record has a time, all local.
        #expect(records.allSatisfy { $0.timestamp != nil && $0.timeSource == .local })
    }

    @Test(.needsSamples) func msiDayFirstDate() throws {
        let (records, _, _) = try Self.parse("msi_verbose", "wixpills_planned-failure_install-with-error.log")
        // "=== Verbose logging started: 31.01.2022  21:24:31": 31 January, site zone UTC here.
        #expect(records[0].timestamp?.iso8601 == "2022-01-31T21:24:31.000Z")
    }

    @Test(.needsSamples) func errorlogUTCWithStatedOffset() throws {
        let (records, stats, bytes) = try Self.parse("sql_errorlog", "tamadhir10_ERRORLOG", zone: newYork)
        #expect(stats.dataset == "sql.errorlog")
        #expect(records.allSatisfy { $0.timestamp != nil && $0.timeSource == .offset })
        // "2025-06-02 00:00:53.98 … since 6/1/2025 9:22:45 AM (local) 6/1/2025 5:22:45 AM (UTC)":
        // UTC adjustment 4:00, so 2025-06-01 20:00:53.980 UTC.
        let r = try #require(records.first { $0.message.contains("has been using a process ID of 7676") })
        #expect(r.timestamp?.iso8601 == "2025-06-01T20:00:53.980Z")
        #expect(records[0].timestamp?.iso8601 == "2025-06-01T05:22:44.690Z")
        let starts = Self.lines(bytes, encoding: .utf16LittleEndian).filter {
            $0.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d\d "#, options: .regularExpression) != nil
        }.count
        #expect(starts == 201)
        #expect(records.count - 1 == starts, "one record per entry plus the fact record")
        let facts = try #require(records.compactMap(SQLServerFacts.init(record:)).first)
        #expect(facts.version == "16.0.1000.6")
        #expect(facts.edition == "Developer Edition (64-bit)")
        #expect(facts.instance == "MSSQLSERVER")
        #expect(facts.serverName == "Codeline2025")
        #expect(facts.utcAdjustmentMinutes == 240)
    }

    @Test(.needsSamples) func setupapiKeepsAccentsAndEveryLine() throws {
        let (records, stats, bytes) = try Self.parse("setupapi", "ouali42_cybersecu_setupapi.dev.log", zone: newYork)
        #expect(stats.dataset == "setupapi")
        #expect(records.contains { $0.message.hasSuffix("Display Name  = Service d’énumérateur Bluetooth") })
        let fileLines = Self.lines(bytes, encoding: .windowsCP1252)
        #expect(Self.nonBlank(Self.recordLines(records)) == Self.nonBlank(fileLines))
        let s = summaries(records)
        #expect(s.count == 11)
        #expect(s.allSatisfy { $0.outcome == .success })
        #expect(records.filter { $0.level == .warning }.count == fileLines.filter { $0.hasPrefix("!") && !$0.hasPrefix("!!!") }.count)
        #expect(!records.contains { $0.level == .error })
    }

    @Test(.needsSamples) func installShieldLocalizedTimes() throws {
        let (records, stats, bytes) = try Self.parse("installshield", "keshawa_dud_setupexe_debuglog_InstallShield.log")
        #expect(stats.dataset == "installshield")
        // 10-22-2018[12:17:12 AM] is 00:17:12.
        #expect(records[0].timestamp?.iso8601 == "2018-10-22T00:17:12.000Z")
        let starts = Self.lines(bytes, encoding: .utf16LittleEndian).filter {
            $0.range(of: #"^\d{1,2}-\d{1,2}-\d{4}\["#, options: .regularExpression) != nil
        }.count
        #expect(starts == 188)
        let s = summaries(records)
        try #require(s.count == 1)
        #expect(records.count - 1 == starts)
        #expect(s[0].outcome == .success && s[0].extra("install.exit_code") == .string("0"))
        #expect(s[0].extra("install.product") == .string("888poker"))
        #expect(records.allSatisfy { $0.timestamp != nil })
    }

    @Test(.needsSamples, arguments: [("msi_verbose", "wixpills_planned-failure_install-with-error.log", "msi"),
                      ("msi_verbose", "wixpills_planned-failure_install-success.log", "msi"),
                      ("msi_verbose", "wixpills_rollback-ca_install-with-error.log", "msi"),
                      ("sql_errorlog", "tamadhir10_ERRORLOG", "sql.errorlog"),
                      ("setupapi", "ouali42_cybersecu_setupapi.dev.log", "setupapi"),
                      ("installshield", "keshawa_dud_setupexe_debuglog_InstallShield.log", "installshield")])
    func detectedByContent(sub: String, file: String, dataset: String) throws {
        let (_, stats, _) = try Self.parse(sub, file)
        #expect(stats.dataset == dataset)
    }

    /// None of the install/SQL parsers claims a log4net, NLog or Serilog file.
    @Test(.needsSamples, arguments: [("dotnet_log4net", "phonerec_rolling-log.txt"), ("dotnet_nlog", "hawk5757_currency_2025-05-21.log"),
                      ("dotnet_serilog", "gaetanpascreau_serilog_TimestampG_log.txt")])
    func dotNetLogsAreNotClaimed(sub: String, file: String) throws {
        let url = try TestPaths.samples("text/" + sub).appendingPathComponent(file)
        var decoder = LineDecoder()
        var lines: [String] = []
        var source = MemoryByteSource(try [UInt8](Data(contentsOf: url)))
        while let chunk = try source.nextChunk() { decoder.push(chunk) { if lines.count < TextParsing.detectionLines { lines.append($0.text) } } }
        decoder.finish { if lines.count < TextParsing.detectionLines { lines.append($0.text) } }
        let mine: [any TextFormatParser.Type] = [MSILogParser.self, SQLErrorlogParser.self, SQLSetupParser.self,
                                                 SetupapiParser.self, InstallShieldParser.self, DPInstParser.self]
        for p in mine {
            #expect(p.score(lines: lines, path: file) < 30, "\(p.dataset) claims \(file)")
        }
    }

    /// Every fixture of these formats is detected by content.
    @Test(arguments: [("msi/verbose-utf16-dmy-failure.log", "msi"), ("msi/two-sessions-mdy-midnight.log", "msi"),
                      ("msi/partial-cr-nuls.log", "msi"), ("msi/nonverbose-de-1252.log", "msi"),
                      ("sql.errorlog/ERRORLOG", "sql.errorlog"), ("sql.errorlog/ERRORLOG.noadjust", "sql.errorlog"),
                      ("sql.setup/Summary_failed_rules.txt", "sql.setup"), ("sql.setup/Summary_de_failed_feature.txt", "sql.setup"),
                      ("sql.setup/Summary_partial.txt", "sql.setup"), ("sql.setup/Detail.txt", "sql.setup"),
                      ("sql.setup/Detail_process_returned.txt", "sql.setup"),
                      ("sql.setup/WBX-SQL01_20261121_140211_Watson.txt", "sql.setup"),
                      ("installshield/suite-original1-final0-ko.log", "installshield"),
                      ("installshield/suite-cancelled-ja.log", "installshield"),
                      ("installshield/suite-interrupted-failed-es.log", "installshield"),
                      ("installshield/suite-final-status-only.log", "installshield"),
                      ("setupapi/setupapi.dev.log", "setupapi"), ("setupapi/setupapi.log", "setupapi"),
                      ("installshield/suite-failure-es.log", "installshield"),
                      ("installshield/debuglog-success-24h.log", "installshield"), ("dpinst/DPINST.LOG", "dpinst")])
    func fixturesDetectedByContent(rel: String, dataset: String) throws {
        let (_, stats) = try fixtureRecords(rel)
        #expect(stats.dataset == dataset)
    }
}
