import CodePages
import LogRecord
import Parsers
import Testing

func decodeLines(_ bytes: [UInt8], chunkSize: Int = 1 << 16, maxLineBytes: Int = 1 << 20) -> (lines: [TextLine], decoder: LineDecoder) {
    var decoder = LineDecoder(maxLineBytes: maxLineBytes)
    var lines: [TextLine] = []
    var source = MemoryByteSource(bytes, chunkSize: chunkSize)
    while let chunk = try! source.nextChunk() { decoder.push(chunk) { lines.append($0) } }
    decoder.finish { lines.append($0) }
    return (lines, decoder)
}

func utf16LE(_ s: String, bom: Bool = true) -> [UInt8] {
    var out: [UInt8] = bom ? [0xFF, 0xFE] : []
    for u in s.utf16 { out.append(UInt8(u & 0xFF)); out.append(UInt8(u >> 8)) }
    return out
}

@Suite struct LineDecoderTests {
    let text = "first line\r\nsecond – ünïcode 😀\nthird\rfourth\r\n\r\nsixth without end"
    let expected = ["first line", "second – ünïcode 😀", "third", "fourth", "", "sixth without end"]

    @Test(arguments: [1, 2, 3, 7, 4096, 1 << 16])
    func utf8AnySplit(chunk: Int) {
        let (lines, d) = decodeLines(Array(text.utf8), chunkSize: chunk)
        #expect(lines.map(\.text) == expected)
        #expect(lines.map(\.number) == [1, 2, 3, 4, 5, 6])
        #expect(d.encoding == .utf8)
    }

    @Test(arguments: [1, 3, 5, 4096])
    func utf16WithAndWithoutBOM(chunk: Int) {
        let (lines, d) = decodeLines(utf16LE(text), chunkSize: chunk)
        #expect(lines.map(\.text) == expected)
        #expect(d.encoding == .utf16LE)
        let (lines2, d2) = decodeLines(utf16LE(text, bom: false), chunkSize: chunk)
        #expect(lines2.map(\.text) == expected)
        #expect(d2.encoding == .utf16LENoBOM)
    }

    @Test func utf16BigEndianBOM() {
        var bytes: [UInt8] = [0xFE, 0xFF]
        for u in "a\nb".utf16 { bytes.append(UInt8(u >> 8)); bytes.append(UInt8(u & 0xFF)) }
        #expect(decodeLines(bytes).lines.map(\.text) == ["a", "b"])
    }

    @Test func utf8BOMIsSkipped() {
        let (lines, d) = decodeLines([0xEF, 0xBB, 0xBF] + Array("x\ny".utf8))
        #expect(lines.map(\.text) == ["x", "y"])
        #expect(d.encoding == .utf8BOM)
    }

    @Test func windows1252Fallback() {
        // "Périphérique installé" in Windows-1252, then a UTF-8 line.
        let bytes: [UInt8] = [0x50, 0xE9, 0x72, 0x69, 0x70, 0x68, 0xE9, 0x72, 0x69, 0x71, 0x75, 0x65, 0x20, 0x80, 0x0A] + Array("ok é".utf8)
        let (lines, d) = decodeLines(bytes)
        #expect(lines.map(\.text) == ["Périphérique €", "ok é"])
        #expect(d.legacyCodePage == .windows1252)
        #expect(d.encodingDescription == "utf-8 (+1 lines windows-1252)")
    }

    @Test func windows1251Cyrillic() {
        // "Ошибка установки" in Windows-1251.
        let bytes: [UInt8] = [0xCE, 0xF8, 0xE8, 0xE1, 0xEA, 0xE0, 0x20, 0xF3, 0xF1, 0xF2, 0xE0, 0xED, 0xEE, 0xE2, 0xEA, 0xE8]
        #expect(decodeLines(bytes).lines.map(\.text) == ["Ошибка установки"])
    }

    @Test func nulsAreDropped() {
        let bytes = Array("a\u{0}b\nc\n".utf8) + [UInt8](repeating: 0, count: 5000)
        let (lines, _) = decodeLines(bytes, chunkSize: 333)
        #expect(lines.map(\.text) == ["ab", "c"])
        let (lines16, _) = decodeLines(utf16LE("x\ny\n") + [UInt8](repeating: 0, count: 5000), chunkSize: 333)
        #expect(lines16.map(\.text) == ["x", "y"])
    }

    @Test func longLinesAreBounded() {
        let long = String(repeating: "x", count: 100)
        let (lines, d) = decodeLines(Array((long + "\nshort\n").utf8), chunkSize: 7, maxLineBytes: 40)
        #expect(lines.map(\.text) == [String(repeating: "x", count: 40), "short"])
        #expect(d.linesTruncated == 1)
        #expect(d.bytesDropped == 60)
    }

    @Test func gapDropsPartialLineAndUnnumbers() {
        var decoder = LineDecoder()
        var lines: [TextLine] = []
        decoder.push(ByteChunk(bytes: Array("one\ntwo\nthr".utf8))) { lines.append($0) }
        decoder.push(ByteChunk(bytes: Array("ee-cut\nfour\nfive".utf8), skippedBefore: 1000)) { lines.append($0) }
        decoder.finish { lines.append($0) }
        #expect(lines.map(\.text) == ["one", "two", "thr", "four", "five"])
        #expect(lines.map(\.number) == [1, 2, 3, nil, nil])
        #expect(lines.map(\.afterGap) == [false, false, false, true, false])
    }

    @Test func truncatedUTF16DoesNotCrash() {
        var bytes = utf16LE("abc😀")
        bytes.removeLast(1)
        let (lines, _) = decodeLines(bytes, chunkSize: 1)
        #expect(lines.map(\.text) == ["abc\u{FFFD}"])
    }
}

@Suite struct TimestampSnifferTests {
    @Test func forms() throws {
        let iso = try #require(TimestampSniffer.sniff("2022-01-31 10:15:32,123 ERROR x"))
        #expect(iso.year == 2022 && iso.month == 1 && iso.day == 31 && iso.hour == 10 && iso.microsecond == 123_000)
        let us = try #require(TimestampSniffer.sniff("1/31/2022 1:05:09 PM Something"))
        #expect(us.month == 1 && us.day == 31 && us.hour == 13 && us.minute == 5)
        let ro = try #require(TimestampSniffer.sniff("31.01.2022 09:00:00"))
        #expect(ro.month == 1 && ro.day == 31)
        let z = try #require(TimestampSniffer.sniff("[2022-01-31T10:15:32.5+02:00] x"))
        #expect(z.zone == .offset(7200))
        let (ts, src) = try #require(z.timestamp(zone: .utc))
        #expect(ts.iso8601 == "2022-01-31T08:15:32.500Z" && src == .offset)
        #expect(TimestampSniffer.sniff("no date here") == nil)
        #expect(TimestampSniffer.sniff("2022-13-01 10:00:00") == nil)
        let amb = try #require(TimestampSniffer.sniff("02/03/2022 10:00:00"))
        #expect(amb.resolved(dayFirst: true).month == 3)
        #expect(amb.resolved(dayFirst: false).month == 2)
    }
}

@Suite struct GenericParserTests {
    @Test func framesContinuationLines() throws {
        let text = "preamble\n2024-05-01 10:00:00 INFO started\n2024-05-01 10:00:01 ERROR failed\n   at A.B()\n   at C.D()\n2024-05-01 10:00:02 WARN hmm\n"
        let (records, stats) = try TextParsing.parse(bytes: Array(text.utf8), context: ParseContext(sourcePath: "x.log", zone: .utc))
        #expect(stats.dataset == "text")
        #expect(records.count == 4)
        #expect(records[2].message == "2024-05-01 10:00:01 ERROR failed\n   at A.B()\n   at C.D()")
        #expect(records[2].level == .error)
        #expect(records[2].line == 3)
        #expect(records[2].timestamp?.iso8601 == "2024-05-01T10:00:01.000Z")
        #expect(records[3].level == .warning)
        #expect(records[0].message == "preamble")
    }

    @Test func plainLinesWithoutTimes() throws {
        let (records, _) = try TextParsing.parse(bytes: Array("alpha\n\nbeta ERROR\n".utf8), context: ParseContext(sourcePath: "x"))
        #expect(records.map(\.message) == ["alpha", "beta ERROR"])
        #expect(records[1].level == .error)
    }
}
