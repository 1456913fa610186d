import Foundation
import LogRecord
import Parsers
import Testing

/// IIS W3C logs (`iis.w3c`) and HTTP.sys error logs (`iis.httperr`): goldens written by
/// `scripts/make-demo-iis`, the traps of the format (fields changing mid-file, directives
/// stripped, custom fields, `-` values), the encoding and truncation traps, and the real samples.
@Suite struct IISTests {
    let context = ParseContext(sourcePath: "u_ex261124.log", zone: newYork)

    func parse(_ text: String, dataset: String? = nil, maxLineBytes: Int = 1 << 20) throws -> (records: [Record], stats: ParseStats) {
        try parse(bytes: Array(text.utf8), dataset: dataset, maxLineBytes: maxLineBytes)
    }

    /// Parses whole and in 5-byte chunks; both must agree.
    func parse(bytes: [UInt8], dataset: String? = nil, maxLineBytes: Int = 1 << 20) throws -> (records: [Record], stats: ParseStats) {
        var results: [(records: [Record], stats: ParseStats)] = []
        for chunk in [1 << 16, 5] {
            var source = MemoryByteSource(bytes, chunkSize: chunk)
            var records: [Record] = []
            let stats = try TextParsing.parse(source: &source, dataset: dataset, context: context, maxLineBytes: maxLineBytes) {
                records.append($0.take())
            }
            results.append((records, stats))
        }
        #expect(results[0].records == results[1].records)
        #expect(results[0].stats == results[1].stats)
        return results[0]
    }

    static let header = """
        #Software: Microsoft Internet Information Services 10.0
        #Version: 1.0
        #Date: 2026-11-24 08:10:00
        #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken

        """
    static let request = "2026-11-24 08:10:01 10.0.20.5 GET /WebBRIX/api/doors/31/status a=1&b=2 443 RIVERSIDE\\mcarter 10.0.20.40 WebBRIX-Monitor/5.1+(Windows+NT+10.0) - 500 19 13 30012"

    @Test func goldens() throws {
        try expectGolden("iis.w3c/u_ex261124.log")
        try expectGolden("iis.w3c/u_ex261125_x.log")
        try expectGolden("iis.w3c/stripped/u_ex261126.log")
        try expectGolden("iis.httperr/httperr1.log")
        try expectGolden("iis.httperr/httperr2-utf16.log")
    }

    @Test func requestFields() throws {
        let (records, stats) = try parse(Self.header + Self.request + "\r\n")
        #expect(stats.dataset == "iis.w3c")
        try #require(records.count == 2)
        // The directive block: one record timed by its #Date:.
        #expect(records[0].message.hasPrefix("#Software:") && records[0].message.hasSuffix("time-taken"))
        #expect(records[0].timestamp?.iso8601 == "2026-11-24T08:10:00.000Z" && records[0].level == .information)
        let r = records[1]
        // UTC as IIS writes it, whatever the site's zone.
        #expect(r.timestamp?.iso8601 == "2026-11-24T08:10:01.000Z")
        #expect(r.timeSource == .utc)
        #expect(r.level == .error)
        let h = try #require(r.http)
        #expect(h.method == "GET" && h.urlPath == "/WebBRIX/api/doors/31/status" && h.urlQuery == "a=1&b=2")
        #expect(h.statusCode == 500 && h.destinationIP == "10.0.20.5" && h.destinationPort == 443)
        #expect(h.sourceIP == "10.0.20.40" && h.userName == "RIVERSIDE\\mcarter")
        #expect(h.userAgent == "WebBRIX-Monitor/5.1 (Windows NT 10.0)")
        #expect(h.referrer == nil)
        #expect(h.durationNanos == 30_012_000_000)
        #expect(r.extra("iis.substatus") == .int(19) && r.extra("iis.win32_status") == .int(13))
        #expect(r.value(at: "http.response.status_code") == .int(500))
        #expect(r.value(at: "amt.iis.substatus") == .int(19))
        var out: [UInt8] = []
        JSONLinesWriter().append(r, to: &out)
        let json = String(decoding: out, as: UTF8.self)
        #expect(json.contains(#""event":{"dataset":"iis.w3c","duration":30012000000}"#))
        #expect(json.contains(#""url":{"path":"/WebBRIX/api/doors/31/status","query":"a=1&b=2"}"#))
        #expect(json.contains(#""user":{"name":"RIVERSIDE\\mcarter"}"#))
    }

    @Test func levelsByStatus() throws {
        let lines = [("200", Severity.information), ("304", .information), ("404", .warning), ("401", .warning),
                     ("500", .error), ("503", .error), ("0", .information)]
        let text = Self.header + lines.map { "2026-11-24 08:10:01 10.0.20.5 GET / - 443 - 10.0.20.40 - - \($0.0) 0 0 1" }.joined(separator: "\n")
        let (records, _) = try parse(text)
        #expect(records.dropFirst().map(\.level) == lines.map { Optional($0.1) })
    }

    /// After a restart IIS writes a new block: the fields of each line are those of its block.
    @Test func fieldsChangeMidFile() throws {
        let (records, stats) = try fixtureRecords("iis.w3c/u_ex261124.log")
        #expect(stats.counters["iis_directive_blocks"] == 2)
        let before = try #require(records.first { $0.line == 5 })
        #expect(before.extra("iis.site") == nil && before.http?.version == nil)
        let after = try #require(records.first { $0.line == 15 })
        #expect(after.extra("iis.site") == .string("WebBRIX") && after.extra("iis.computer_name") == .string("WEBBRIX-SRV01"))
        #expect(after.http?.version == "2" && after.http?.urlDomain == "webbrix-srv01")
        #expect(after.http?.responseBytes == 18211 && after.http?.requestBytes == 733)
        #expect(after.http?.userName == "RIVERSIDE\\akim" && after.http?.urlQuery == "page=2&size=50")
        // A value too many and a line cut short: counted and described, still records.
        #expect(stats.counters["iis_field_count_mismatches"] == 2)
        #expect(stats.problems.contains { $0.contains("line 16") && $0.contains("more values") })
        #expect(stats.problems.contains { $0.contains("line 17") && $0.contains("fewer values") })
        let short = try #require(records.first { $0.line == 17 })
        #expect(short.http?.sourceIP == "10.0.20.57" && short.http?.statusCode == nil)
    }

    /// Custom logging (`u_ex*_x.log`): fields IIS does not name are kept by their names.
    @Test func customFieldsKept() throws {
        let (records, _) = try fixtureRecords("iis.w3c/u_ex261125_x.log")
        let r = try #require(records.first { $0.line == 5 })
        #expect(r.extra("iis.fields") == .object([("x-forwarded-for", .string("192.0.2.17")), ("crypt-protocol", .string("400")),
                                                  ("cs(X-WebBRIX-Terminal)", .string("LOBBY-2"))]))
        let bad = try #require(records.first { $0.line == 6 })
        #expect(bad.level == .error && bad.http?.statusCode == 502 && bad.extra("iis.win32_status") == .int(12002))
        // `-` is absent, not a value.
        #expect(bad.extra("iis.fields") == .object([("crypt-protocol", .string("400"))]))
    }

    /// A file whose directives were stripped: recognized by its lines' shape (the default field
    /// sets), and read with the default fields when the catalog names the kind.
    @Test func directivesStripped() throws {
        let (records, stats) = try fixtureRecords("iis.w3c/stripped/u_ex261126.log")
        #expect(stats.dataset == "iis.w3c")
        #expect(records.count == 5 && records.allSatisfy { $0.http != nil && $0.timestamp != nil })
        #expect(records.last?.level == .error && records.last?.extra("iis.substatus") == .int(19))
        // IIS 7.5's 14 default fields (no referrer), forced by the catalog's kind.
        let old = (0..<3).map { "2026-11-24 08:1\($0):00 10.0.20.5 GET /WebBRIX/ - 443 - 10.0.20.4\($0) Mozilla/5.0 404 0 2 1" }
        let (r75, s75) = try parse(old.joined(separator: "\r\n"), dataset: "iis.w3c")
        #expect(s75.dataset == "iis.w3c" && s75.problems.isEmpty)
        #expect(r75.count == 3 && r75[2].http?.sourceIP == "10.0.20.42" && r75[2].http?.statusCode == 404 && r75[2].level == .warning)
        // HTTPERR without its directives.
        let errs = (0..<3).map { "2026-11-24 08:1\($0):40 10.0.20.40 5021\($0) 10.0.20.5 443 HTTP/1.1 GET /WebBRIX/ 503 2 AppOffline WebBRIXPool" }
        let (rh, sh) = try parse(errs.joined(separator: "\n"))
        #expect(sh.dataset == "iis.httperr")
        #expect(rh.count == 3 && rh.allSatisfy { $0.extra("iis.reason") == .string("AppOffline") && $0.level == .error })
        // A line shape outside the default sets with no #Fields: a record, described.
        let (odd, so) = try parse("2026-11-24 08:10:00 a b\n", dataset: "iis.w3c")
        #expect(odd.count == 1 && odd[0].http == nil && so.counters["iis_lines_without_fields"] == 1 && so.problems.count == 1)
    }

    @Test func httpErrFields() throws {
        let (records, stats) = try fixtureRecords("iis.httperr/httperr1.log")
        #expect(stats.dataset == "iis.httperr")
        let off = try #require(records.first { $0.line == 5 })
        #expect(off.level == .error && off.extra("iis.reason") == .string("AppOffline") && off.extra("iis.queue") == .string("WebBRIXPool"))
        #expect(off.extra("iis.site_id") == .int(2) && off.http?.statusCode == 503 && off.http?.version == "1.1")
        #expect(off.http?.urlOriginal == "/WebBRIX/api/doors/status" && off.http?.urlPath == "/WebBRIX/api/doors/status" && off.http?.urlQuery == nil)
        #expect(off.http?.sourcePort == 50211)
        let full = try #require(records.first { $0.line == 6 })
        #expect(full.http?.urlPath == "/WebBRIX/api/events" && full.http?.urlQuery == "since=2026-11-24T08:00:00Z")
        #expect(records.first { $0.line == 7 }?.level == .warning)  // Timer_AppPool
        #expect(records.first { $0.line == 8 }?.level == .information)  // Timer_ConnectionIdle
        let idle = try #require(records.first { $0.line == 8 })
        #expect(idle.http?.method == nil && idle.http?.statusCode == nil && idle.extra("iis.queue") == nil)
        #expect(records.first { $0.line == 9 }?.level == .warning)  // Timer_EntityBody
        #expect(records.first { $0.line == 10 }?.level == .warning)  // 400 BadRequest
        let v6 = try #require(records.first { $0.line == 11 })
        #expect(v6.http?.sourceIP == "fe80::1c2d:3e4f:5a6b:7c8d%12")
        // The second block adds `streamid` (HTTP/2): kept by name, the rest still in place.
        let h2 = try #require(records.first { $0.line == 16 })
        #expect(h2.extra("iis.fields") == .object([("streamid", .string("7"))]))
        #expect(h2.extra("iis.reason") == .string("AppShutdown") && h2.level == .error && h2.http?.version == "2.0")
    }

    /// UTF-16 with and without a BOM, NUL padding, no final newline: the same records.
    @Test func encodingTraps() throws {
        let text = Self.header + Self.request
        let (plain, _) = try parse(text)
        let utf16 = Array(text.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let (bom, bomStats) = try parse(bytes: [0xFF, 0xFE] + utf16 + [0x0D, 0x00, 0x0A, 0x00] + [UInt8](repeating: 0, count: 40))
        let (noBOM, _) = try parse(bytes: utf16)
        for other in [bom, noBOM] {
            #expect(other.map(\.message) == plain.map(\.message))
            #expect(other.map(\.http) == plain.map(\.http))
        }
        #expect(bomStats.dataset == "iis.w3c")
        // The fixture cut by a crash (NUL padding after the last line).
        let (cut, cutStats) = try fixtureRecords("iis.httperr/httperr2-utf16.log")
        #expect(cut.count == 4 && cutStats.parseErrors == 0 && cut.last?.extra("iis.reason") == .string("Timer_AppPool"))
    }

    /// A line over the cap is cut (counted): what it kept is still read, nothing hangs.
    @Test func lineOverTheCap() throws {
        let long = "2026-11-24 08:10:02 10.0.20.5 GET /WebBRIX/ " + String(repeating: "q", count: 5000) + " 443 - 10.0.20.41 - - 200 0 0 5"
        let (records, stats) = try parse(Self.header + long + "\n" + Self.request + "\n", maxLineBytes: 1024)
        #expect(stats.linesTruncated == 1)
        try #require(records.count == 3)
        #expect(records[1].http?.urlPath == "/WebBRIX/" && records[1].http?.statusCode == nil)
        #expect(records[2].http?.statusCode == 500)
    }

    /// IIS does not claim other formats, and theirs do not claim IIS.
    @Test func detection() throws {
        let text = ["2026-11-20 08:00:00 ERROR Door 31 did not answer", "2026-11-20 08:00:01 INFO started", "2026-11-20 08:00:02 WARN slow"]
        #expect(IISW3CParser.score(lines: text, path: "u_ex261120.log") == 0)
        #expect(IISHTTPErrParser.score(lines: text, path: "httperr1.log") == 0)
        let w3c = (Self.header + Self.request).split(separator: "\n").map(String.init)
        #expect(TextFormats.detect(lines: w3c, path: "x.log").dataset == "iis.w3c")
        #expect(IISHTTPErrParser.score(lines: w3c, path: "x.log") == 0)
        for dataset in ["setupapi", "msi", "sql.errorlog", "installshield", "dpinst", "amt.error"] {
            if let p = TextFormats.parser(for: dataset) { #expect(p.score(lines: w3c, path: "x.log") < 98, "\(dataset)") }
        }
    }

    // MARK: real samples

    func sample(_ name: String) throws -> (records: [Record], stats: ParseStats) {
        let url = try TestPaths.samples("text/iis/" + name)
        let bytes = try [UInt8](Data(contentsOf: url))
        return try TextParsing.parse(bytes: bytes, dataset: nil, context: ParseContext(sourcePath: name, zone: newYork), chunkSize: 4093)
    }

    static func levels(_ records: [Record]) -> [Severity: Int] {
        records.reduce(into: [:]) { if let l = $1.level { $0[l, default: 0] += 1 } }
    }

    @Test(.needsSamples) func sampleW3C() throws {
        let (records, stats) = try sample("theodorejb_u_ex230505.log")
        #expect(stats.dataset == "iis.w3c" && stats.parseErrors == 0 && stats.problems.isEmpty)
        #expect(records.count == 82 && stats.counters["iis_directive_blocks"] == 4)
        #expect(Self.levels(records) == [.information: 80, .warning: 2])
        #expect(records.allSatisfy { $0.timestamp != nil && $0.timeSource == .utc })
        let first = records[1]
        #expect(first.timestamp?.iso8601 == "2023-05-05T14:23:29.000Z")
        #expect(first.http?.userAgent == "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/112.0")
        #expect(first.http?.durationNanos == 206_000_000 && first.http?.urlPath == "/admin/")
        #expect(records.filter { $0.level == .warning }.map { $0.http?.statusCode } == [405, 400])
        // The last block adds cs-host.
        #expect(records.filter { $0.http?.urlDomain != nil }.count == 15)
        #expect(records.last?.http?.urlDomain == "main.localhost" && records.last?.timestamp?.iso8601 == "2023-05-05T18:03:58.000Z")
    }

    @Test(.needsSamples) func sampleTurkishSite() throws {
        let (records, stats) = try sample("numanmazlum_ornek2iis.log")
        #expect(stats.dataset == "iis.w3c" && stats.parseErrors == 0 && stats.problems.isEmpty)
        #expect(records.count == 39_597)
        #expect(Self.levels(records) == [.information: 39_483, .warning: 114])
        let statuses = records.reduce(into: [Int: Int]()) { if let s = $1.http?.statusCode { $0[s, default: 0] += 1 } }
        #expect(statuses == [0: 34_562, 200: 4920, 401: 114])
        // `x-forwarded-for` (not an IIS field) kept by its name.
        let xff = try #require(records.first { $0.extra("iis.fields") != nil })
        #expect(xff.line == 134 && xff.extra("iis.fields") == .object([("x-forwarded-for", .string("10.218.134.209"))]))
        #expect(records[1].timestamp?.iso8601 == "2024-10-19T23:59:42.000Z")
        #expect(records.last?.timestamp?.iso8601 == "2024-10-20T23:59:42.000Z")
    }

    @Test(.needsSamples) func sampleHTTPErr() throws {
        let (records, stats) = try sample("koytze_httperr1.log")
        #expect(stats.dataset == "iis.httperr" && stats.parseErrors == 0 && stats.problems.isEmpty)
        #expect(records.count == 1137)
        #expect(Self.levels(records) == [.information: 663, .error: 391, .warning: 83])
        let first = try #require(records.first { $0.line == 5 })
        #expect(first.timestamp?.iso8601 == "2015-01-15T14:11:38.000Z" && first.level == .error)
        #expect(first.http?.statusCode == 503 && first.extra("iis.reason") == .string("N/A") && first.extra("iis.site_id") == nil)
        #expect(first.http?.urlPath == "/11abc6a7-b92d-4dfe-8808-84d2aa2be72c" && first.http?.sourcePort == 5226)
        let last = try #require(records.last)
        #expect(last.timestamp?.iso8601 == "2018-05-24T14:22:23.000Z" && last.extra("iis.reason") == .string("Timer_ConnectionIdle"))
        #expect(last.level == .information)
    }
}
