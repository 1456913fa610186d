import Foundation
import LogRecord
import SystemPackage
import Testing
@testable import EventLog

/// The direct JSON Lines path (`EVTXReader.readJSONLines`, what `amt-collect parse` prints) gives
/// byte for byte what `JSONLinesWriter` writes for the records `read` gives (what `collect`
/// bundles), with the same stats.
@Suite struct JSONLinesTests {
    /// The Record path's lines and the direct path's lines (in batches of `batchBytes`) of a file.
    static func both(_ path: String, sourcePath: String, host: String? = nil, batchBytes: Int = 1 << 20) throws
        -> (records: [UInt8], direct: [UInt8], recordStats: ParseStats, directStats: ParseStats, batches: Int) {
        let reader = try EVTXReader(path: FilePath(path))
        let context = ParseContext(sourcePath: sourcePath, hostName: host)
        var viaRecords: [UInt8] = []
        var s1 = ParseStats()
        let writer = JSONLinesWriter()
        try reader.read(context: context, stats: &s1) { writer.append($0, to: &viaRecords) }
        var direct: [UInt8] = []
        var s2 = ParseStats()
        var batches = 0
        try reader.readJSONLines(context: context, stats: &s2, batchBytes: batchBytes) { bytes in
            #expect(bytes.last == 0x0A, "a batch holds whole lines")
            direct.append(contentsOf: bytes)
            batches += 1
        }
        return (viaRecords, direct, s1, s2, batches)
    }

    /// The first line that differs, for the failure message.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        let la = a.split(separator: 0x0A, omittingEmptySubsequences: false)
        let lb = b.split(separator: 0x0A, omittingEmptySubsequences: false)
        for (i, (x, y)) in zip(la, lb).enumerated() where x != y {
            return "line \(i + 1):\n records \(String(decoding: x, as: UTF8.self))\n direct  \(String(decoding: y, as: UTF8.self))"
        }
        return "line counts \(la.count) / \(lb.count)"
    }

    @Test(.needsSamples, arguments: try ConformanceTests.sampleFiles().map(\.lastPathComponent))
    func sampleLinesEqualRecordPath(_ name: String) throws {
        let path = try Samples.directory("evtx").appendingPathComponent(name).path
        // A path and host name that need escaping, and small batches.
        let r = try Self.both(path, sourcePath: "Logs/\"\(name)\"\\x", host: "HOST\t1", batchBytes: 4096)
        #expect(r.records.count > 0)
        #expect(r.records == r.direct, "\(Self.firstDifference(r.records, r.direct))")
        #expect(r.recordStats == r.directStats)
    }

    @Test func capi2StyleUserDataEqualsRecordPath() throws {
        var events: [EVTXWriter.Event] = []
        for round in 0..<3 {
            for (k, v) in FastPathTests.nestedValues().enumerated() {
                events.append(FastPathTests.event(id: UInt64(round * 10 + k + 1), nested: v))
            }
        }
        try TempEVTX.withFile(EVTXWriter.file(events, recordsPerChunk: 5)) { path in
            let r = try Self.both(path, sourcePath: "capi2.evtx")
            #expect(r.records == r.direct, "\(Self.firstDifference(r.records, r.direct))")
            #expect(r.recordStats == r.directStats)
        }
    }

    @Test func everyValueTypeAndDamageEqualRecordPath() throws {
        // Typed values, bad checksums (flagged records) and a record cut short (carving).
        var file = EVTXWriter.file((1...12).map { WriterRoundTripTests.typedEvent(id: UInt64($0)) }, recordsPerChunk: 5)
        file[4096 + 600] ^= 0xFF
        try TempEVTX.withFile(file) { path in
            let r = try Self.both(path, sourcePath: "typed.evtx", batchBytes: 1)
            #expect(r.records == r.direct, "\(Self.firstDifference(r.records, r.direct))")
            #expect(r.recordStats == r.directStats)
            #expect(r.batches > 1)
        }
    }

    @Test func mutatedFilesEqualRecordPath() throws {
        let base = RobustnessTests.baseFile()
        var rng = SplitMix(seed: 0x15_0B_0A)
        for round in 0..<120 {
            var bytes = base
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let at = 4096 + Int(rng.next() % UInt64(bytes.count - 4096))
                bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            try TempEVTX.withFile(bytes) { path in
                let r = try Self.both(path, sourcePath: "fuzz.evtx")
                #expect(r.records == r.direct, "round \(round): \(Self.firstDifference(r.records, r.direct))")
                #expect(r.recordStats == r.directStats, "round \(round)")
            }
        }
    }

    @Test func numbersAndTimesAsTheRecordWriterWritesThem() {
        var values: [Int64] = [0, 1, -1, 9, 10, 99, 100, 101, 999, 1000, 65535, -65536, Int64(Int32.max), Int64(Int32.min),
                               Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        var p: Int64 = 1
        for _ in 0..<18 { p *= 10; values += [p - 1, p, p + 1, -p] }
        for v in values {
            var out = OutBytes(capacity: 8)
            out.decimal(v)
            #expect(String(decoding: out.bytes, as: UTF8.self) == String(v))
            out.free()
        }
        for v: UInt64 in [0, 7, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max] {
            var out = OutBytes(capacity: 8)
            out.decimal(v)
            #expect(String(decoding: out.bytes, as: UTF8.self) == String(v))
            out.hex(v)
            #expect(String(decoding: out.bytes, as: UTF8.self) == String(v) + Render.hex(v))
            out.free()
        }
        for t: UInt64 in [0, 1, 116_444_736_000_000_000, 131_000_000_000_123_456, 2_650_467_743_999_999_999, UInt64.max] {
            var out = OutBytes(capacity: 8)
            out.fileTime(t)
            #expect(String(decoding: out.bytes, as: UTF8.self) == Timestamp(fileTime: t, precision: .microseconds).iso8601)
            out.free()
        }
    }

    /// The escaper and the message writer agree with `JSONEncoding.appendString` and
    /// `MessageBytes.put`, padded or not, at every length around a word.
    @Test func escapingMatchesTheRecordWriter() {
        var texts = ["", "a", "plain ascii text", "quote \" and \\ backslash", "tab\there", "\u{1}\u{1F}\u{7F}",
                     "line\r\nbreak", "\n\nleading", "trailing\r\n", "a \n b", "a\n b", "a \nb", "ä\nö€\r\n日本",
                     "\u{8}\u{C}", String(repeating: "x", count: 7) + "\"", String(repeating: "y", count: 8) + "\n"]
        var rng = SplitMix(seed: 7)
        let alphabet: [UInt8] = Array("ab \"\\\n\r\t\u{1}é".utf8)
        for _ in 0..<400 {
            let n = Int(rng.next() % 24)
            var bytes: [UInt8] = []
            for _ in 0..<n { bytes.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            texts.append(String(decoding: bytes, as: UTF8.self))
        }
        for t in texts {
            var expected: [UInt8] = []
            JSONEncoding.appendString(t, to: &expected)
            var unpadded = OutBytes(capacity: 16)
            unpadded.jsonString(t)
            #expect(Array(unpadded.bytes) == expected, "\(t.debugDescription)")
            unpadded.free()

            var source = OutBytes(capacity: 16, zeroed: true)
            source.text(t)
            var padded = OutBytes(capacity: 16)
            padded.jsonString(from: source, 0, source.count)
            #expect(Array(padded.bytes) == expected, "\(t.debugDescription)")

            // The message piece: MessageBytes.put, then escaped.
            let u = Array(t.utf8)
            let put = [UInt8](unsafeUninitializedCapacity: u.count + 8) { out, n in
                n = u.withUnsafeBufferPointer { MessageBytes.put($0, into: out, at: 0) }
            }
            var expectedPiece: [UInt8] = []
            JSONEncoding.appendString(String(decoding: put, as: UTF8.self), to: &expectedPiece)
            for pad in [false, true] {
                var piece = OutBytes(capacity: 16)
                piece.byte(0x22)
                let lineBreak = piece.jsonMessagePiece(UnsafePointer(source.base), source.count, padded: pad)
                piece.byte(0x22)
                #expect(Array(piece.bytes) == expectedPiece, "\(t.debugDescription) padded \(pad)")
                // Without line breaks the piece is the value's JSON string (the path copies it).
                #expect(lineBreak == u.contains(where: { $0 == 0x0A || $0 == 0x0D }))
                if !lineBreak { #expect(Array(piece.bytes) == expected) }
                piece.free()
            }
            padded.free()
            source.free()
        }
    }
}
