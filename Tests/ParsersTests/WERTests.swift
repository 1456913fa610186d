import Foundation
import LogRecord
import Parsers
import Testing

@Suite struct WERTests {
    static let fixtures = ["windows.wer/appcrash-w3wp.wer", "windows.wer/bex64-fr-nobom.wer",
                           "windows.wer/apphang-de-nuls.wer", "windows.wer/joined-clr-and-unknown.wer"]

    @Test(arguments: fixtures)
    func golden(_ rel: String) throws {
        try expectGolden(rel, zone: newYork)
    }

    /// Every fixture is recognized by content (UTF-16LE with and without BOM, localized names).
    @Test(arguments: fixtures)
    func detected(_ rel: String) throws {
        let (_, stats) = try fixtureRecords(rel, zone: newYork)
        #expect(stats.dataset == Dataset.wer)
    }

    @Test func appCrashFields() throws {
        let (records, stats) = try fixtureRecords("windows.wer/appcrash-w3wp.wer")
        try #require(records.count == 1)
        let r = records[0]
        #expect(stats.encoding?.lowercased().contains("utf-16") == true)
        #expect(r.timestamp?.iso8601 == "2026-11-24T08:25:07.412Z")
        #expect(r.timeSource == .utc)
        #expect(r.level == .error)
        #expect(r.code == "APPCRASH")
        #expect(r.provider == "Windows Error Reporting")
        // The file name, not `AppName` (the description), is the process name.
        #expect(r.processName == "w3wp.exe")
        #expect(r.processExecutable == #"c:\windows\system32\inetsrv\w3wp.exe"#)
        #expect(r.errorCode == "0xe0434352")
        #expect(r.extra("wer.app.display_name") == .string("IIS Worker Process"))
        #expect(r.extra("wer.app.version") == .string("10.0.17763.1"))
        #expect(r.extra("wer.app.timestamp") == .string("cd9d6a9c"))
        #expect(r.extra("wer.module.name") == .string("KERNELBASE.dll"))
        #expect(r.extra("wer.module.version") == .string("10.0.17763.5830"))
        #expect(r.extra("wer.exception.offset") == .string("0x0000000000039319"))
        #expect(r.extra("wer.fatal") == .bool(true))
        #expect(r.extra("wer.loaded_modules") == .int(4))
        #expect(r.extra("wer.locale_id") == .string("1033"))
        #expect(r.extra("wer.queued") == nil)
        #expect(r.message.hasPrefix("APPCRASH: w3wp.exe 10.0.17763.1 (fault module KERNELBASE.dll 10.0.17763.5830, exception 0xe0434352"))
        #expect(stats.parseErrors == 0)
    }

    /// French signature names: read by position; BEX64 has the offset before the code.
    @Test func localizedBEXByPosition() throws {
        let (records, _) = try fixtureRecords("windows.wer/bex64-fr-nobom.wer")
        try #require(records.count == 1)
        let r = records[0]
        #expect(r.code == "BEX64")
        #expect(r.level == .error)
        #expect(r.processName == "WebBRIX.Service.exe")
        #expect(r.errorCode == "0xc0000409")
        #expect(r.extra("wer.exception.offset") == .string("0x000000000001a2b4"))
        #expect(r.extra("wer.module.name") == .string("WebBRIX.Native.dll"))
        guard case .array(let signature)? = r.extra("wer.signature"), case .object(let first)? = signature.first else {
            Issue.record("no signature array")
            return
        }
        #expect(signature.count == 9)
        #expect(first.first?.1 == .string("Nom de l’application"))
        #expect(r.timestamp?.iso8601 == "2026-11-22T15:03:11.500Z")
    }

    /// A hang is a warning; NUL padding after the last line and no final newline lose nothing.
    @Test func hangWithNULPadding() throws {
        let (records, stats) = try fixtureRecords("windows.wer/apphang-de-nuls.wer")
        try #require(records.count == 1)
        let r = records[0]
        #expect(r.level == .warning)
        #expect(r.processName == "sqlservr.exe")
        #expect(r.extra("wer.hang.signature") == .string("7f3a"))
        #expect(r.extra("wer.hang.type") == .string("134217728"))
        #expect(r.processExecutable?.hasSuffix(#"\Binn\sqlservr.exe"#) == true)
        #expect(stats.parseErrors == 0)
    }

    /// Two reports in one text are two records; a bad EventTime is counted and the report kept.
    @Test func joinedReports() throws {
        let (records, stats) = try fixtureRecords("windows.wer/joined-clr-and-unknown.wer")
        try #require(records.count == 2)
        #expect(records[0].code == "CLR20r3")
        #expect(records[0].errorType == "System.Net.Sockets.SocketException")
        #expect(records[0].errorCode == nil)
        #expect(records[0].extra("wer.module.name") == .string("WebBRIX.Doors"))
        #expect(records[0].extra("wer.clr.method") == .string("1b7"))
        #expect(records[0].processName == "WebBRIX.DoorService.exe")
        #expect(records[1].code == "WindowsUpdateFailure3")
        #expect(records[1].level == .error)
        #expect(records[1].timestamp == nil)
        #expect(records[1].errorCode == "0x80070643")
        #expect(stats.parseErrors == 1)
        #expect(stats.counters["wer_other_lines"] == 1)
        #expect(stats.counters["wer_reports"] == 2)
    }

    /// A report in `ReportQueue` (not sent yet) says so.
    @Test func queuedReport() throws {
        let text = "Version=1\r\nEventType=APPCRASH\r\nEventTime=134399823074120000\r\nSig[0].Name=Application Name\r\nSig[0].Value=WebBRIX.Service.exe\r\n"
        let context = ParseContext(sourcePath: "ProgramData/Microsoft/Windows/WER/ReportQueue/AppCrash_x/Report.wer", zone: .utc)
        let (records, _) = try TextParsing.parse(bytes: Array(text.utf8), dataset: nil, context: context, chunkSize: 5)
        try #require(records.count == 1)
        #expect(records[0].extra("wer.queued") == .bool(true))
        #expect(records[0].processName == "WebBRIX.Service.exe")
    }

    /// A value that does not look like what its position holds is left out, not misread.
    @Test func implausibleValuesLeftOut() throws {
        var lines = ["Version=1", "EventType=APPCRASH", "EventTime=134399823074120000"]
        let values = ["app.exe", "not a version", "zz", "mod.dll", "1.2.3", "abc", "not hex", "12ab"]
        for (i, v) in values.enumerated() { lines += ["Sig[\(i)].Name=N\(i)", "Sig[\(i)].Value=\(v)"] }
        let (records, _) = try TextParsing.parse(bytes: Array(lines.joined(separator: "\n").utf8), dataset: Dataset.wer,
                                                 context: ParseContext(sourcePath: "Report.wer", zone: .utc))
        try #require(records.count == 1)
        #expect(records[0].extra("wer.app.version") == nil)
        #expect(records[0].extra("wer.app.timestamp") == nil)
        #expect(records[0].extra("wer.module.version") == .string("1.2.3"))
        #expect(records[0].errorCode == nil)
        #expect(records[0].extra("wer.exception.offset") == .string("0x12ab"))
    }

    /// A report without EventType is a parse error, not a record; other Key=Value text is not WER.
    @Test func notAReport() throws {
        let text = "Version=1\nReportType=2\nSig[0].Name=Application Name\nSig[0].Value=x.exe\n"
        let (records, stats) = try TextParsing.parse(bytes: Array(text.utf8), dataset: Dataset.wer,
                                                     context: ParseContext(sourcePath: "Report.wer", zone: .utc))
        #expect(records.isEmpty)
        #expect(stats.parseErrors == 1)
        let ini = (0..<30).map { "key\($0)=value \($0)" }
        #expect(WERParser.score(lines: ini, path: "settings.ini") == 0)
    }

    /// A line over the line limit is cut and counted; the report is still one record.
    @Test func lineOverTheCap() throws {
        let long = String(repeating: "C:\\very\\long\\path", count: 40_000)
        let text = "Version=1\r\nEventType=APPCRASH\r\nAppPath=\(long)\r\nSig[0].Name=Application Name\r\nSig[0].Value=w3wp.exe\r\n"
        var utf16: [UInt8] = [0xFF, 0xFE]
        for u in text.utf16 { utf16 += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        var source = MemoryByteSource(utf16, chunkSize: 4096)
        var records: [Record] = []
        let stats = try TextParsing.parse(source: &source, dataset: nil, context: ParseContext(sourcePath: "Report.wer", zone: .utc),
                                          maxLineBytes: 64 * 1024) { records.append($0.take()) }
        #expect(stats.dataset == Dataset.wer)
        #expect(stats.linesTruncated == 1)
        try #require(records.count == 1)
        #expect(records[0].processName == "w3wp.exe" || records[0].processName?.hasPrefix("path") == true)
        #expect((records[0].processExecutable?.utf8.count ?? 0) <= 2048)
    }

    @Test(.needsSamples, arguments: ["jonjon565_Report.wer", "polysatoshi_Report.wer"])
    func samples(_ name: String) throws {
        let url = try Samples.url("text/wer/" + name)
        let bytes = try [UInt8](Data(contentsOf: url))
        let (records, stats) = try TextParsing.parse(bytes: bytes, dataset: nil,
                                                     context: ParseContext(sourcePath: "wer/" + name, zone: .utc))
        #expect(stats.dataset == Dataset.wer)
        #expect(stats.parseErrors == 0)
        try #require(records.count == 1)
        let r = records[0]
        #expect(r.level == .error)
        #expect(r.timeSource == .utc)
        switch name {
        case "jonjon565_Report.wer":
            #expect(r.code == "MoAppCrash")
            #expect(r.timestamp?.iso8601 == "2024-01-26T06:33:03.037Z")
            #expect(r.processName == "PurpleWinStore.exe")
            #expect(r.errorCode == "0x80004002")
            #expect(r.extra("wer.module.name") == .string("combase.dll"))
            #expect(r.extra("wer.module.version") == .string("10.0.19041.3636"))
            #expect(r.extra("wer.package") == .string("VectorUnit.BeachBuggyRacing_1.2.7.0_x64__hvbhrzr8672s2"))
            #expect(r.extra("wer.exception.offset") == .string("0x000000000001ccfa"))
        default:
            #expect(r.code == "APPCRASH")
            #expect(r.timestamp?.iso8601 == "2023-01-05T11:00:24.278Z")
            #expect(r.processName == "MTGA.exe")
            #expect(r.processExecutable == #"C:\Program Files\Wizards of the Coast\MTGA\MTGA.exe"#)
            #expect(r.errorCode == "0xc0000005")
            #expect(r.extra("wer.app.version") == .string("2020.3.13.26904"))
            #expect(r.extra("wer.module.name") == .string("mono-2.0-bdwgc.dll"))
            #expect(r.extra("wer.exception.offset") == .string("0x000000000030a54a"))
        }
    }
}
