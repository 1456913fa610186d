import Foundation
import LogRecord
import Testing

@Suite struct TimestampTests {
    @Test func civilRoundTrip() throws {
        let t = try #require(Timestamp(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 58, microsecond: 123_456))
        #expect(t.iso8601 == "2024-02-29T23:59:58.123Z")
        var micro = t
        micro.precision = .microseconds
        #expect(micro.iso8601 == "2024-02-29T23:59:58.123456Z")
        #expect(Timestamp(year: 2023, month: 2, day: 29) == nil)
        #expect(Timestamp(year: 2023, month: 13, day: 1) == nil)
    }

    @Test func beforeEpochAndFileTime() {
        let t = Timestamp(microsecondsSinceEpoch: -1, precision: .microseconds)
        #expect(t.iso8601 == "1969-12-31T23:59:59.999999Z")
        // 2016-07-08T18:12:51.6816408Z as FILETIME, truncated to microseconds.
        let ft = Timestamp(fileTime: 131_124_751_716_816_408)
        #expect(ft.iso8601 == "2016-07-08T18:12:51.681640Z")
    }

    @Test func parseISO() throws {
        #expect(Timestamp.parseISO8601("2024-01-02T03:04:05Z")?.iso8601 == "2024-01-02T03:04:05.000Z")
        #expect(Timestamp.parseISO8601("2024-01-02 03:04:05.5+02:00")?.iso8601 == "2024-01-02T01:04:05.500Z")
        #expect(Timestamp.parseISO8601("2024-01-02")?.iso8601 == "2024-01-02T00:00:00.000Z")
        #expect(Timestamp.parseISO8601("2024-01-02T03:04:05.1234567Z")?.iso8601 == "2024-01-02T03:04:05.123456Z")
        #expect(Timestamp.parseISO8601("yesterday") == nil)
        #expect(Timestamp.parseISO8601("2024-01-02T03:04:05Zjunk") == nil)
    }
}

@Suite struct JSONLinesTests {
    @Test func recordShape() throws {
        var r = Record(dataset: Dataset.msi, message: "line \"one\"\n\ttwo\u{1}",
                       timestamp: Timestamp(year: 2022, month: 1, day: 31, hour: 10),
                       level: .error, filePath: "Windows/Temp/MSI1.LOG", line: 7)
        r.code = "1603"
        r.outcome = .failure
        r.processID = 42
        r.threadID = 7
        r.timeSource = .local
        r.setExtra("msi.product", .string("WebBRIX"))
        r.setExtra("msi.return_value", .int(3))
        let line = JSONLinesWriter().line(r)
        #expect(line == #"{"@timestamp":"2022-01-31T10:00:00.000Z","message":"line \"one\"\n\ttwo\u0001","log":{"level":"error","file":{"path":"Windows/Temp/MSI1.LOG","line":7}},"event":{"dataset":"msi","code":"1603","outcome":"failure"},"process":{"pid":42,"thread":{"id":7}},"amt":{"time_source":"local","msi":{"product":"WebBRIX","return_value":3}}}"# + "\n")
        #expect(r.extra("msi.product") == .string("WebBRIX"))
        #expect(r.extra("msi.missing") == nil)
        // One component, with and without stray dots; an object's value; nothing for "" or ".".
        r.setExtra("ndc", .string("first"))
        r.extras.append(("ndc", .string("last")))
        #expect(r.extra("ndc") == .string("last"))
        #expect(r.extra(".ndc") == .string("last"))
        #expect(r.extra("msi") == .object([("product", .string("WebBRIX")), ("return_value", .int(3))]))
        #expect(r.extra("nope") == nil)
        #expect(r.extra("") == nil)
        #expect(r.extra(".") == nil)
    }

    @Test func winlogShape() {
        var r = Record(dataset: Dataset.evtx, message: "m")
        var w = Winlog()
        w.channel = "System"
        w.recordID = 12
        w.eventID = 41
        w.eventData = [("BugcheckCode", "0"), ("Data[0]", "x")]
        r.winlog = w
        let line = JSONLinesWriter().line(r)
        #expect(line.contains(#""winlog":{"channel":"System","record_id":12,"event_id":41,"event_data":{"BugcheckCode":"0","Data[0]":"x"}}"#))
    }

    @Test func integers() {
        var out: [UInt8] = []
        for v: Int64 in [0, 7, -7, 1234567890, Int64.min, Int64.max] {
            out.removeAll()
            JSONEncoding.appendInt(v, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(v))
        }
        // Through the record writer (line numbers): every digit count, both sides of each power of ten.
        var values: [Int] = Array(0...1000) + [Int.max, Int.min, -1, -10, -99]
        var power = 10
        while power <= Int.max / 10 { values += [power - 1, power, power + 1]; power *= 10 }
        let writer = JSONLinesWriter()
        for v in values {
            out.removeAll()
            writer.append(Record(dataset: "text", message: "", filePath: "f", line: v), to: &out)
            #expect(String(decoding: out, as: UTF8.self).contains("\"line\":\(v)}"), "\(v)")
        }
    }

    @Test func severityWords() {
        #expect(Severity(word: "WARN") == .warning)
        #expect(Severity(word: "Information") == .information)
        #expect(Severity(word: "FTL") == .critical)
        #expect(Severity(word: "banana") == nil)
        #expect(Severity.critical < Severity.debug)
    }
}

/// A writer copies the quoted text of a path, host, logger or extra that repeats the string of the
/// record before; every line must equal what a fresh writer (nothing cached) writes.
@Suite struct QuotedCacheTests {
    func fresh(_ r: Record) -> String { JSONLinesWriter().line(r) }

    @Test func repeatedAndChangingFieldsWriteAsFresh() {
        let writer = JSONLinesWriter()
        let pathA = "Program Files (x86)/AMT/\"Web\"BRIX\\Logs\tAMTError.log"
        let pathB = "Program Files (x86)/AMT/\"Web\"BRIX\\Logs\tAMTError.lo2"  // same length
        let section = "Device Install (Hardware initiated) - USB\\VID_3E0B&PID_8535\\12195420"
        var lines: [(String, String)] = []
        for i in 0..<40 {
            var r = Record(dataset: "setupapi", message: "m\(i)", filePath: i % 7 < 5 ? pathA : pathB, line: i)
            r.hostName = i % 3 == 0 ? "SRV-01.example.internal" : "SRV-02.example.internal"
            r.provider = "WebBRIX.Services.DoorController"
            r.setExtra("setupapi.section", .string(i < 20 ? section : section + "/\(i)"))
            r.setExtra("setupapi.device", .string("PCI\\VEN_8086&DEV_\(1000 + i % 2)&SUBSYS_00000000"))
            if i % 5 == 0 { r.setExtra("short", .string("x")) }
            lines.append((writer.line(r), fresh(r)))
        }
        for (k, (cached, reference)) in lines.enumerated() { #expect(cached == reference, "record \(k)") }
    }

    /// Strings made and dropped one after another may reuse one address: the cache holds the
    /// string it remembers, so a new one never takes its place unnoticed.
    @Test func droppedStringsNeverAlias() {
        let writer = JSONLinesWriter()
        for i in 0..<500 {
            let path = String(repeating: i % 2 == 0 ? "a" : "b", count: 20) + String(i % 10)
            let r = Record(dataset: "text", message: "m", filePath: path, line: 1)
            #expect(writer.line(r) == fresh(r), "record \(i)")
        }
    }
}

@Suite struct SiteZoneTests {
    @Test func fixedAndNamedZones() throws {
        let plus2 = try #require(SiteZone.named("+02:00"))
        #expect(plus2.toUTC(year: 2022, month: 1, day: 31, hour: 10, minute: 0, second: 0)?.iso8601 == "2022-01-31T08:00:00.000Z")
        let ny = try #require(SiteZone.named("America/New_York"))
        // EST in January (UTC-5), EDT in July (UTC-4).
        #expect(ny.toUTC(year: 2023, month: 1, day: 15, hour: 12, minute: 0, second: 0)?.iso8601 == "2023-01-15T17:00:00.000Z")
        #expect(ny.toUTC(year: 2023, month: 7, day: 15, hour: 12, minute: 0, second: 0)?.iso8601 == "2023-07-15T16:00:00.000Z")
        #expect(ny.timeSource == .local)
        #expect(SiteZone.named("Not/AZone") == nil)
    }

    /// Real offsets run from -12:00 to +14:00; anything beyond ±14:00 is not a zone.
    @Test func offsetsBeyondFourteenHoursAreRefused() throws {
        #expect(SiteZone.named("-05:00")?.timeZone.secondsFromGMT() == -5 * 3600)
        #expect(SiteZone.named("+14:00")?.timeZone.secondsFromGMT() == 14 * 3600)
        #expect(SiteZone.named("-14:00")?.timeZone.secondsFromGMT() == -14 * 3600)
        for text in ["+14:30", "-14:01", "+15:00", "+99:00", "-1500", "+05:60", "+5:-3"] {
            #expect(SiteZone.named(text) == nil, "\(text) was taken as a zone")
        }
        #expect(SiteZone.unknownZoneMessage("+15:00").contains("+14:00"))
    }
}

@Suite struct JSONEscapingTests {
    /// Every byte value at every position of two 16-byte blocks, an 8-byte word and the bytes
    /// after it: the fast paths must agree with a simple escaper.
    @Test func escapingMatchesReference() {
        func reference(_ s: String) -> String {
            var r = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": r += "\\\""
                case "\\": r += "\\\\"
                case "\n": r += "\\n"
                case "\r": r += "\\r"
                case "\t": r += "\\t"
                case "\u{8}": r += "\\b"
                case "\u{C}": r += "\\f"
                default:
                    if u.value < 0x20 {
                        let hex = Array("0123456789abcdef")
                        r += "\\u00" + String(hex[Int(u.value >> 4)]) + String(hex[Int(u.value & 0xF)])
                    } else {
                        r.unicodeScalars.append(u)
                    }
                }
            }
            return r + "\""
        }
        for value in 0..<0x80 {
            for position in 0..<43 {
                var chars = Array(repeating: Character("a"), count: 43)
                chars[position] = Character(Unicode.Scalar(UInt8(value)))
                let s = String(chars) + "é😀 tail"
                var out: [UInt8] = []
                JSONEncoding.appendString(s, to: &out)
                #expect(String(decoding: out, as: UTF8.self) == reference(s), "byte \(value) at \(position)")
            }
        }
    }

    /// Several escapes in one word (the plain bytes between them are stored from the word).
    @Test func severalEscapesInOneWord() {
        let specials: [Character] = ["\\", "\"", "\n", "\u{1}"]
        for a in specials {
            for b in specials {
                for p1 in 0..<17 {
                    for p2 in (p1 + 1)..<17 {
                        var chars = Array("abcdefghijklmnopq")
                        chars[p1] = a
                        chars[p2] = b
                        let s = String(chars)
                        var out: [UInt8] = []
                        JSONEncoding.appendString(s, to: &out)
                        let back = try? JSONDecoder().decode(String.self, from: Data(out))
                        #expect(back == s, "\(String(decoding: out, as: UTF8.self))")
                    }
                }
            }
        }
    }
}

@Suite struct TimestampJSONTests {
    /// One writer remembers the day it wrote last: times across midnights, backwards, before 1970
    /// and past year 9999 all come out as `iso8601` says.
    @Test func datesThroughOneWriter() throws {
        let day: Int64 = 86_400_000_000
        let base = try #require(Timestamp(year: 2026, month: 11, day: 27, hour: 23, minute: 59, second: 59)).microseconds
        let times: [Int64] = [base, base + 999_999, base + 1_000_000, base - day, base + 5 * day + 123_456,
                              0, -1, -day, -day - 1, -62_135_596_800_000_000, 253_402_300_799_999_999,
                              253_402_300_800_000_000, base, base + 1]
        let writer = JSONLinesWriter()
        for precision in [Timestamp.Precision.milliseconds, .microseconds] {
            for t in times {
                let ts = Timestamp(microsecondsSinceEpoch: t, precision: precision)
                var out: [UInt8] = []
                writer.append(Record(dataset: "text", message: "m", timestamp: ts), to: &out)
                let line = String(decoding: out, as: UTF8.self)
                #expect(line.hasPrefix("{\"@timestamp\":\"\(ts.iso8601)\""), "\(t): \(line)")
            }
        }
    }
}

