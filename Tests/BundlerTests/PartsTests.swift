import Bundler
import Crypto
import Foundation
import LogRecord
import SystemPackage
import Testing

/// Bytes that do not compress (xorshift), `count` long.
func noiseBytes(_ count: Int, seed: UInt64 = 7) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var out = [UInt8]()
    out.reserveCapacity(count)
    while out.count < count {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        withUnsafeBytes(of: state) { out.append(contentsOf: $0) }
    }
    return Array(out.prefix(count))
}

func sha(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

@Suite struct PlannerTests {
    typealias Item = PartPlanner.Item

    @Test func priorityOrderAndFirstFit() throws {
        let items = [
            Item(path: "raw/a", bytes: 100, packedBytes: 600, priority: 3),
            Item(path: "SUMMARY.txt", bytes: 10, packedBytes: 100, priority: 0),
            Item(path: "raw/findings", bytes: 100, packedBytes: 500, priority: 1),
            Item(path: "raw/small", bytes: 10, packedBytes: 300, priority: 3),
        ]
        let plan = try PartPlanner(capacity: 2000, entryOverhead: 100).plan(items)
        // Capacity 2000 would hold everything except… it does hold all: 1500.
        #expect(plan.parts.count == 1)
        #expect(plan.parts[0].map(\.path) == ["SUMMARY.txt", "raw/findings", "raw/a", "raw/small"])

        let tight = try PartPlanner(capacity: 1150, entryOverhead: 100).plan(items)
        // SUMMARY (100) + findings (500) fill part 1 to 600; raw/a (600) does not fit → part 2;
        // raw/small (300) fits back into part 1 (first fit).
        #expect(tight.parts.map { $0.map(\.path) } == [["SUMMARY.txt", "raw/findings", "raw/small"], ["raw/a"]])
        #expect(tight.used == [900, 600])
    }

    @Test func largeFileBecomesConsecutiveSegmentsCoveringEveryByte() throws {
        let items = [
            Item(path: "SUMMARY.txt", bytes: 1000, packedBytes: 1000, priority: 0),
            Item(path: "raw/huge.evtx", bytes: 1_000_000, packedBytes: 250_100, priority: 3),
            Item(path: "raw/after", bytes: 10, packedBytes: 200, priority: 3),
        ]
        let plan = try PartPlanner(capacity: 60_000, entryOverhead: 100).plan(items)
        let segments = plan.parts.enumerated().flatMap { k, pieces in
            pieces.filter { $0.path == "raw/huge.evtx" }.map { (part: k, piece: $0) }
        }
        #expect(segments.count >= 5)
        var offset: Int64 = 0
        var lastPart = -1
        for (n, s) in segments.enumerated() {
            #expect(s.piece.segment == n + 1)
            #expect(s.piece.offset == offset, "segments must join up")
            #expect(s.part == lastPart + 1 || lastPart == -1, "segments go into consecutive parts")
            offset += s.piece.length
            lastPart = s.part
        }
        #expect(offset == 1_000_000)
        for used in plan.used { #expect(used <= 60_000) }
        // The same input gives the same plan.
        #expect(try PartPlanner(capacity: 60_000, entryOverhead: 100).plan(items) == plan)
    }

    @Test func capacityTooSmallIsAnError() {
        #expect(throws: PartLayout.Problem.self) {
            try PartPlanner(capacity: 500, entryOverhead: 400).plan([Item(path: "x", bytes: 1, packedBytes: 1, priority: 0)])
        }
    }

    @Test func segmentNamesAndPartNames() {
        #expect(PartLayout.segmentPath(of: "raw/System.evtx", number: 2) == "raw/System.evtx.seg002")
        #expect(PartLayout.segmentPath(of: "r", number: 1234) == "r.seg1234")
        #expect(PartLayout.partName(bundle: "AMT-HQ-42-20261127T063000Z", index: 2, count: 3) == "AMT-HQ-42-20261127T063000Z-part2of3")
    }

    @Test func evidenceNamesItsSource() {
        #expect(EmailPackager.evidenceSource("Windows/System32/winevt/Logs/System.evtx#1234") == "Windows/System32/winevt/Logs/System.evtx")
        #expect(EmailPackager.evidenceSource("ProgramData/AMT/AMTError.log:17") == "ProgramData/AMT/AMTError.log")
        #expect(EmailPackager.evidenceSource("ProgramData/AMT/AMTError.log.1") == "ProgramData/AMT/AMTError.log.1")
    }
}

@Suite struct MIMETests {
    func message(body: String = "Hello\n") -> MailMessage {
        MailMessage(subject: MailMessage.subject(site: "Zürich Büro", caseID: "4711", part: (2, 3)), from: "tech@example.com",
                    date: testTime, body: body, attachmentName: "AMT-x-part2of3.zip", attachmentType: "application/zip")
    }

    @Test func base64SizeMatchesTheEncoding() {
        for n in [0, 1, 2, 3, 56, 57, 58, 113, 114, 115, 1000, 4096] {
            let chars = 4 * ((n + 2) / 3)
            let lines = (chars + 75) / 76
            #expect(MailMessage.base64Size(Int64(n)) == Int64(chars + 2 * lines), "n=\(n)")
        }
        // 57 bytes are exactly one 76-column line plus CRLF.
        #expect(MailMessage.base64Size(57) == 78)
        #expect(MailMessage.base64Size(58) == 78 + 4 + 2)
    }

    @Test func attachmentBudgetIsTheLargestThatFits() {
        let m = message(body: String(repeating: "Zeile mit Umlaut ä\n", count: 200))
        for limit: Int64 in [20_000, 65_536, 1_000_000, 10_000_000] {
            let max = m.maxAttachmentBytes(limit: limit)
            #expect(max > 0)
            #expect(m.size(attachmentBytes: max) <= limit)
            #expect(m.size(attachmentBytes: max + 1) > limit || MailMessage.base64Size(max + 1) == MailMessage.base64Size(max) && m.size(attachmentBytes: max + 1) <= limit)
            #expect(m.size(attachmentBytes: max + 3) > limit)
        }
        #expect(m.maxAttachmentBytes(limit: 100) == 0)
    }

    @Test func writtenMessageHasTheComputedSize() throws {
        let dir = try TempDir("mime")
        defer { dir.cleanup() }
        for n in [0, 1, 57, 58, 100_000, 123_457] {
            let att = try dir.file("a\(n).zip", noiseBytes(n))
            let m = message()
            let out = try m.write(attachment: att, to: dir.path.appending("m\(n).eml"))
            let size = try FileManager.default.attributesOfItem(atPath: out.string)[.size] as! Int
            #expect(Int64(size) == m.size(attachmentBytes: Int64(n)), "n=\(n)")
            let text = try String(contentsOfFile: out.string, encoding: .utf8)
            for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "long line: \(line)") }
            #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "bare LF")
        }
        // Never replaces a file.
        let att = try dir.file("b.zip", [1, 2, 3])
        #expect(throws: BundleError.self) { try message().write(attachment: att, to: dir.path.appending("m0.eml")) }
    }

    @Test func subjectIsEncodedInWordsOfAtMost75() {
        let h = MailMessage.encodedHeader("Subject", "[AMT Support] Zürich Büro — case 4711 — part 2 of 3")
        #expect(h.hasPrefix("Subject: =?UTF-8?B?"))
        for line in h.components(separatedBy: "\r\n") where !line.isEmpty {
            #expect(line.utf8.count <= 78)
        }
        var decoded: [UInt8] = []
        for word in h.dropFirst("Subject: ".count).components(separatedBy: "\r\n ") {
            let w = word.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(w.hasPrefix("=?UTF-8?B?") && w.hasSuffix("?=") && w.utf8.count <= 75)
            decoded += [UInt8](Data(base64Encoded: String(w.dropFirst(10).dropLast(2)))!)
        }
        #expect(String(decoding: decoded, as: UTF8.self) == "[AMT Support] Zürich Büro — case 4711 — part 2 of 3")
        // Header injection: control characters become spaces.
        #expect(!MailMessage.encodedHeader("Subject", "a\r\nBcc: x@y").dropLast(2).contains("\r\n"))
    }

    @Test func quotedPrintableRoundTrips() {
        let text = "Résumé — a line with = sign and trailing space \n" + String(repeating: "long ", count: 40) + "\nend\t\n"
        let qp = MailMessage.quotedPrintable(Array(text.utf8))
        let s = String(decoding: qp, as: UTF8.self)
        for line in s.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76)
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"))
        }
        // Decode: soft breaks removed, =XX turned into bytes, CRLF back to LF.
        var out: [UInt8] = []
        let b = Array(s.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "\r\n", with: "\n").utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "="), i + 2 < b.count, let v = UInt8(String(decoding: b[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(v)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        #expect(String(decoding: out, as: UTF8.self) == text)
    }

    @Test func dateIsRFC5322() {
        #expect(MailMessage.dateText(testTime) == "Fri, 27 Nov 2026 06:30:00 +0000")
        #expect(MailMessage.dateText(Timestamp(microsecondsSinceEpoch: 0)) == "Thu, 1 Jan 1970 00:00:00 +0000")
    }
}
