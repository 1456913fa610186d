import Foundation
import LogRecord
import Parsers
import Testing

/// CBS.log, dism.log and WindowsUpdate.log (both layouts): fixtures written for these tests.
@Suite struct ServicingTests {
    static let fixtures = [
        "windows.cbs/CBS.log", "windows.cbs/CbsPersist_20261120111316.log", "windows.dism/dism.log",
        "windows.update/WindowsUpdate.log", "windows.update/WindowsUpdate-etw.log",
    ]
    static let datasets = ["windows.cbs", "windows.cbs", "windows.dism", "windows.update", "windows.update"]

    @Test(arguments: fixtures)
    func golden(_ rel: String) throws {
        try expectGolden(rel, zone: newYork)
    }

    @Test(arguments: zip(fixtures, datasets))
    func detectedByContent(_ rel: String, _ dataset: String) throws {
        let (_, stats) = try fixtureRecords(rel)
        #expect(stats.dataset == dataset)
    }

    /// The other formats' fixtures are not claimed by these parsers, and these fixtures not by them.
    @Test func otherFormatsAreNotClaimed() throws {
        let mine: [any TextFormatParser.Type] = [CBSParser.self, DISMParser.self, WindowsUpdateParser.self]
        for rel in ["msi/verbose-utf16-dmy-failure.log", "sql.errorlog/ERRORLOG", "sql.setup/Detail.txt",
                    "setupapi/setupapi.dev.log", "installshield/suite-failure-es.log", "dpinst/DPINST.LOG"] {
            let lines = try Self.lines(rel)
            for p in mine { #expect(p.score(lines: lines, path: rel) < 30, "\(p.dataset) claims \(rel)") }
        }
        // SQL Server's ERRORLOG heads (`2026-11-23 06:00:01.13 Server …`) are not CBS heads.
        let errorlog = (0..<10).map { "2026-11-23 06:00:0\($0).13 Server      Message \($0)" }
        #expect(CBSParser.score(lines: errorlog, path: "ERRORLOG") == 0)
        #expect(WindowsUpdateParser.score(lines: errorlog, path: "ERRORLOG") == 0)
    }

    static func lines(_ rel: String) throws -> [String] {
        let url = TestPaths.fixtures.appendingPathComponent("parsers").appendingPathComponent(rel)
        var decoder = LineDecoder()
        var lines: [String] = []
        var source = MemoryByteSource(try [UInt8](Data(contentsOf: url)))
        while let chunk = try source.nextChunk() { decoder.push(chunk) { lines.append($0.text) } }
        decoder.finish { lines.append($0.text) }
        return lines
    }

    @Test func cbsFields() throws {
        let (records, stats) = try fixtureRecords("windows.cbs/CBS.log", zone: newYork)
        #expect(stats.parseErrors == 0)
        // 23 lines: a continuation line joins its entry, a blank line is no record.
        #expect(records.count == 21)
        // The line before `Universal Time is:` takes the offset it states (21:40 local = 02:40 UTC).
        #expect(records[0].timestamp?.iso8601 == "2026-11-24T02:40:02.000Z")
        #expect(records.allSatisfy { $0.timeSource == .offset })
        let failed = try #require(records.first { $0.message.contains("Failed to perform operation") })
        #expect(failed.level == .error && failed.provider == "CBS")
        #expect(failed.errorCode == "0x800f081f" && failed.errorType == "CBS_E_SOURCE_MISSING")
        // Failures CBS writes at Info keep the level and carry the code.
        let resolve = try #require(records.first { $0.message.contains("Failed to resolve package") })
        #expect(resolve.level == .information && resolve.errorCode == "0x800f081f")
        let store = try #require(records.first { $0.message.contains("Failed to install package") })
        #expect(store.errorCode == "0x80073712" && store.errorType == "ERROR_SXS_COMPONENT_STORE_CORRUPT")
        let csi = try #require(records.first { $0.message.contains("Unable to repair payload file") })
        #expect(csi.provider == "CSI")
        #expect(csi.message.hasSuffix("\n    Source: [l:32]'\\??\\D:\\sources\\sxs (not found)'"))
        #expect(records.first { $0.provider == "DPX" } != nil)
        #expect(records.first { $0.message.contains("Elapsed 9 seconds") }?.level == .verbose)
        // A bare code on a warning line; `[gle=0x00000000]` is no error; `[gle=0x80070020]` is.
        #expect(records.first { $0.message.contains("session package state") }?.errorCode == "0x800f0922")
        #expect(records.first { $0.message.contains("Reboot mark cleared") }?.errorCode == nil)
        #expect(records.first { $0.message.contains("Failed to open file") }?.errorCode == "0x80070020")
        // A bare code on an information line is not taken for an error.
        #expect(records.first { $0.message.contains("WcpInitialize") }?.errorCode == nil)
    }

    @Test func cbsRolledLogUsesSiteZone() throws {
        let (records, _) = try fixtureRecords("windows.cbs/CbsPersist_20261120111316.log", zone: newYork)
        #expect(records.count == 6)
        // No stated UTC time: the site zone (06:13 EST = 11:13Z); the last line has no newline.
        #expect(records[0].timestamp?.iso8601 == "2026-11-20T11:13:10.000Z" && records[0].timeSource == .local)
        #expect(records.last?.message.hasSuffix("Ending TrustedInstaller finalization.") == true)
        let corrupt = try #require(records.first { $0.level == .error })
        #expect(corrupt.provider == "CSI" && corrupt.errorCode == "0x80004005")
        #expect(records[3].message.components(separatedBy: "\n").count == 3)
    }

    @Test func dismSessions() throws {
        let (records, stats) = try fixtureRecords("windows.dism/dism.log", zone: newYork)
        let s = summaries(records)
        // The /Get-Features query is not summarized; the others are, the last one cut off.
        try #require(s.count == 4)
        #expect(stats.counters["dism_sessions"] == 5)
        #expect(s[0].outcome == .failure && s[0].level == .error)
        #expect(s[0].extra("install.product") == .string("Dism.exe /Online /Enable-Feature /FeatureName:NetFx3 /All"))
        #expect(s[0].extra("install.exit_code") == .string("0x800f081f") && s[0].errorCode == "0x800f081f")
        #expect(s[0].extra("install.first_error") == .string("The source files could not be found; their location must be specified using the /source option to restore the feature."))
        #expect(s[0].timestamp?.iso8601 == "2026-11-24T02:40:12.000Z")
        // A mistyped command: failed, no code, the validation error explains it.
        #expect(s[1].outcome == .failure && s[1].extra("install.exit_code") == nil)
        #expect(s[1].extra("install.first_error")?.stringValue?.hasPrefix("DISM.EXE: Failed validating command line:") == true)
        #expect(s[2].outcome == .success && s[2].extra("install.product") == .string("Dism.exe /Online /Cleanup-Image /RestoreHealth"))
        #expect(s[3].outcome == .unknown && s[3].extra("install.complete") == .bool(false))
        // Providers the text names, with PID/TID.
        let finalize = try #require(records.first { $0.message.contains("Failed finalizing changes") })
        #expect(finalize.provider == "DISM Package Manager" && finalize.processID == 5120 && finalize.threadID == 5128)
        #expect(finalize.errorCode == "0x800f081f" && finalize.level == .error)
        let store = try #require(records.first { $0.message.contains("Failed to load the provider") })
        #expect(store.provider == "DISM Provider Store" && store.level == .warning && store.errorCode == "0x8007007e")
        #expect(records.first { $0.message.contains("Starting Dism.exe session") }?.provider == "DISM.EXE")
        #expect(records.first { $0.message.contains("Scratch directory") }?.provider == "DISM")
        #expect(records.first { $0.message.contains("Shim considered") }?.provider == "CSI")
        #expect(records.first { $0.message.contains("CBS HRESULT=0x800f081f") }?.errorCode == "0x800f081f")
    }

    @Test func windowsUpdateLegacy() throws {
        let (records, stats) = try fixtureRecords("windows.update/WindowsUpdate.log", zone: .utc)
        #expect(stats.counters["update_installs"] == 2)
        let s = summaries(records)
        try #require(s.count == 2)
        // `tz: -0500` is used even with another site zone: 02:10:33 local = 07:10:33Z.
        #expect(s[0].timestamp?.iso8601 == "2026-11-22T07:10:33.131Z" && s[0].timeSource == .offset)
        #expect(s[0].outcome == .failure && s[0].errorCode == "0x80070643")
        #expect(s[0].extra("install.exit_code") == .string("0x80070643"))
        #expect(s[0].extra("update.kb") == .string("KB5049613"))
        #expect(s[0].extra("update.id") == .string("7A9C3E52-18B4-4C6E-9A0B-5F2D1E3C4B6A.201"))
        #expect(s[0].extra("install.product")?.stringValue?.hasPrefix("2026-11 Cumulative Update for .NET Framework 4.8") == true)
        #expect(s[1].outcome == .success && s[1].extra("update.kb") == .string("KB2267602") && s[1].errorCode == nil)
        let fatal = try #require(records.first { $0.message.contains("FATAL: Completed install") })
        #expect(fatal.level == .error && fatal.errorCode == "0x80070643" && fatal.provider == "Handler")
        // Legacy ids are hex.
        #expect(fatal.processID == 0x980 && fatal.threadID == 0xd10)
        let sync = try #require(records.first { $0.message.contains("SyncUpdates failure") })
        #expect(sync.level == .warning && sync.errorCode == "0x8024402c")
        #expect(records.first { $0.message.contains("*FAILED* [80240022]") }?.errorCode == "0x80240022")
        // The line without a head joins the entry before.
        #expect(records.first { $0.message.hasSuffix("\n  Continuation without a head") } != nil)
        #expect(records.first { $0.message.contains("Logging initialized") }?.level == .information)
    }

    @Test func windowsUpdateETW() throws {
        let (records, _) = try fixtureRecords("windows.update/WindowsUpdate-etw.log", zone: newYork)
        let s = summaries(records)
        try #require(s.count == 2)
        #expect(s[0].outcome == .failure && s[0].errorCode == "0x80070643")
        // The title from `Title = …` / `UpdateId = …` before the result.
        #expect(s[0].extra("install.product") == .string("2026-11 Cumulative Update for .NET Framework 4.8 for Windows Server 2019 for x64 (KB5049613)"))
        #expect(s[0].extra("update.kb") == .string("KB5049613"))
        #expect(s[0].timestamp?.iso8601 == "2026-11-22T07:10:33.125Z" && s[0].timeSource == .local)
        #expect(s[1].outcome == .success && s[1].extra("install.product") == .string("update 1B2C3D4E-5F60-4718-92A3-B4C5D6E7F809.200"))
        let failed = try #require(records.first { $0.message.contains("*FAILED* [80070643]") })
        #expect(failed.level == .warning && failed.provider == "Deployment" && failed.errorCode == "0x80070643")
        // Decimal pid, tid in hex (it has a letter).
        #expect(failed.processID == 980 && failed.threadID == 0xd10)
        #expect(records.first { $0.message.contains("Exit code = 0x8024A105") }?.errorCode == "0x8024a105")
    }

    // MARK: Encoding and framing traps

    static func utf16(_ bytes: [UInt8], bom: Bool) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        var out: [UInt8] = bom ? [0xFF, 0xFE] : []
        for unit in text.utf16 { out.append(UInt8(unit & 0xFF)); out.append(UInt8(unit >> 8)) }
        return out
    }

    /// Message, level, time, code and provider of every record.
    static func digest(_ records: [Record]) -> [String] {
        records.map { "\($0.message)|\($0.level?.rawValue ?? "-")|\($0.timestamp?.iso8601 ?? "-")|\($0.errorCode ?? "-")|\($0.provider ?? "-")|\($0.line ?? 0)" }
    }

    @Test(arguments: fixtures)
    func sameRecordsInEveryEncoding(_ rel: String) throws {
        let url = TestPaths.fixtures.appendingPathComponent("parsers").appendingPathComponent(rel)
        let bytes = try [UInt8](Data(contentsOf: url))
        let context = ParseContext(sourcePath: rel, zone: newYork)
        let base = try TextParsing.parse(bytes: bytes, context: context)
        let want = Self.digest(base.records)
        var trimmed = bytes
        while let last = trimmed.last, last == 0x0A || last == 0x0D { trimmed.removeLast() }
        let variants: [(String, [UInt8])] = [
            ("utf-16le with BOM", Self.utf16(bytes, bom: true)),
            ("utf-16le without BOM", Self.utf16(bytes, bom: false)),
            ("NUL padding", bytes + [UInt8](repeating: 0, count: 4096)),
            ("no final newline", trimmed),
            ("utf-16le, NUL padding", Self.utf16(bytes, bom: true) + [UInt8](repeating: 0, count: 4096)),
        ]
        for (what, input) in variants {
            let got = try TextParsing.parse(bytes: input, context: context, chunkSize: 331)
            #expect(got.stats.dataset == base.stats.dataset, "\(rel), \(what)")
            #expect(Self.digest(got.records) == want, "\(rel), \(what): other records")
        }
    }

    /// A line over the cap is cut and counted; the entries after it are read as before.
    @Test(arguments: [("windows.cbs/CBS.log", "2026-11-23 21:40:12, Info                  CSI    "),
                      ("windows.dism/dism.log", "2026-11-23 21:40:12, Info                  DISM   DISM Package Manager: PID=1 TID=2 "),
                      ("windows.update/WindowsUpdate.log", "2026-11-22\t02:10:05:330\t 980\td10\tHandler\t")])
    func lineOverTheCap(_ rel: String, _ head: String) throws {
        let url = TestPaths.fixtures.appendingPathComponent("parsers").appendingPathComponent(rel)
        let bytes = try [UInt8](Data(contentsOf: url))
        let context = ParseContext(sourcePath: rel, zone: newYork)
        let base = try TextParsing.parse(bytes: bytes, context: context)
        // After the first three lines, one head with 2 MiB of text.
        var cut = 0, seen = 0
        while seen < 3 { if bytes[cut] == 0x0A { seen += 1 }; cut += 1 }
        let long = Array(head.utf8) + [UInt8](repeating: 0x78, count: 2 << 20) + [0x0D, 0x0A]
        let (records, stats) = try TextParsing.parse(bytes: Array(bytes[..<cut]) + long + Array(bytes[cut...]), context: context)
        #expect(stats.dataset == base.stats.dataset)
        #expect(stats.linesTruncated == 1 && stats.bytesDropped > 0)
        #expect(records.count == base.records.count + 1)
        let big = try #require(records.first { $0.line == 4 })
        #expect(big.message.hasPrefix(head) && big.message.utf8.count <= 1 << 20)
        // Records after it are those of the file, one line further down.
        let after = records.filter { ($0.line ?? 0) > 4 }.map { "\($0.message)|\($0.level?.rawValue ?? "-")|\($0.errorCode ?? "-")" }
        let before = base.records.filter { ($0.line ?? 0) > 3 }.map { "\($0.message)|\($0.level?.rawValue ?? "-")|\($0.errorCode ?? "-")" }
        #expect(after == before)
    }
}
