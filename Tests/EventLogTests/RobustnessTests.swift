import Foundation
import LogRecord
import SystemPackage
import Testing
@testable import EventLog

/// Hostile input: seeded byte mutations and truncations of a valid file. The reader must return
/// (records and counted damage), never trap, never loop.
@Suite struct RobustnessTests {
    static func baseFile() -> [UInt8] {
        var events = (1...8).map { WriterRoundTripTests.typedEvent(id: UInt64($0)) }
        events += WindowsEvents.demoSystem().enumerated().map { i, e in
            var e = e
            e.recordID = UInt64(100 + i)
            return e
        }
        return EVTXWriter.file(events, recordsPerChunk: 9)
    }

    static let signature = Array("ElfFile\0".utf8)
    static let recordsInBase = 22  // 8 typed events and the demo System log's 14

    /// What reading a (possibly damaged) file gave: the records of `read` and the XML documents of
    /// `readXML`, each with its walk's stats.
    struct Outcome {
        var records = 0
        var stats = ParseStats()
        var documents = 0
        var xmlStats = ParseStats()
        /// Damage the walk counted: failed records, skipped chunks, checksum failures.
        var countedDamage: Int {
            stats.parseErrors + (stats.counters["chunks_skipped"] ?? 0) + (stats.counters["checksum_failures"] ?? 0)
        }
    }

    /// Reads `bytes` as a file with `read` and `readXML`. Returns `nil` when the reader refuses the
    /// file at open, which it must do for a file shorter than the header (`tooShort`) or without the
    /// `ElfFile` signature (`notEVTX`), and only then: a refusal of any other file, and any throw
    /// from a walk (they throw only for I/O), is recorded as an issue.
    static func read(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> Outcome? {
        var outcome = Outcome()
        var opened = false
        do {
            try TempEVTX.withFile(bytes) { path in
                let reader: EVTXReader
                do {
                    reader = try EVTXReader(path: FilePath(path))
                } catch let e as EVTXError {
                    let expected: EVTXError.Code? = bytes.count < 128 ? .tooShort : !bytes.starts(with: signature) ? .notEVTX : nil
                    #expect(e.code == expected, "refused at open: \(e)", sourceLocation: sourceLocation)
                    return
                }
                #expect(bytes.count >= 128 && bytes.starts(with: signature), "opened a file without an EVTX header",
                        sourceLocation: sourceLocation)
                opened = true
                try reader.read(context: ParseContext(sourcePath: "fuzz.evtx"), stats: &outcome.stats) { r in
                    outcome.records += 1
                    #expect(JSONLinesWriter().line(r).utf8.last == 0x0A, sourceLocation: sourceLocation)
                }
                try reader.readXML(stats: &outcome.xmlStats) { xml in
                    outcome.documents += 1
                    #expect(xml.hasPrefix("<"), sourceLocation: sourceLocation)
                }
            }
        } catch {
            Issue.record("reader threw for damaged content: \(error)", sourceLocation: sourceLocation)
        }
        return opened ? outcome : nil
    }

    /// The absolute start and end offsets of every record of a clean file written by `EVTXWriter`
    /// (records follow each other from offset 512 of each chunk up to its free-space offset).
    static func recordSpans(_ file: [UInt8]) -> [Range<Int>] {
        func u32(_ i: Int) -> Int { Int(file[i]) | Int(file[i + 1]) << 8 | Int(file[i + 2]) << 16 | Int(file[i + 3]) << 24 }
        var spans: [Range<Int>] = []
        var chunk = 4096
        while chunk + 512 <= file.count {
            let free = u32(chunk + 48)
            var off = 512
            while off < free {
                let size = u32(chunk + off + 4)
                spans.append((chunk + off)..<(chunk + off + size))
                off += size
            }
            chunk += 65536
        }
        return spans
    }

    @Test func mutatedBytesNeverCrash() throws {
        let base = Self.baseFile()
        let clean = try #require(Self.read(base))
        #expect(clean.records == Self.recordsInBase && clean.documents == Self.recordsInBase)
        #expect(clean.stats.parseErrors == 0 && clean.countedDamage == 0)
        #expect(Self.recordSpans(base).count == Self.recordsInBase)
        let chunkSlots = (base.count - 4096) / 65536
        #expect(chunkSlots == 3 && clean.stats.counters["chunks"] == chunkSlots, "\(clean.stats.counters)")
        var rng = SplitMix(seed: 0xE7_7E57)
        let interesting: [UInt32] = [0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000, 0xFFFF, 512, 65535, 65536, 24, 28]
        var refused = 0, damaged = 0
        for round in 0..<300 {
            var bytes = base
            let edits = 1 + Int(rng.next() % 12)
            for _ in 0..<edits {
                // Mostly inside chunks (headers, names, templates, values), sometimes the file header.
                let at = rng.next() % 10 == 0 ? Int(rng.next() % 4096) : 4096 + Int(rng.next() % UInt64(bytes.count - 4096))
                switch rng.next() % 3 {
                case 0:
                    bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1:
                    let v = interesting[Int(rng.next() % UInt64(interesting.count))]
                    for k in 0..<4 where at + k < bytes.count { bytes[at + k] = UInt8(truncatingIfNeeded: v >> UInt32(8 * k)) }
                default:
                    // A chunk-relative offset pointing at itself or just before: loop bait.
                    let rel = UInt32(max(0, at - 4096) % 65536)
                    let v = rng.next() % 2 == 0 ? rel : rel &- 10
                    for k in 0..<4 where at + k < bytes.count { bytes[at + k] = UInt8(truncatingIfNeeded: v >> UInt32(8 * k)) }
                }
            }
            // A file that keeps its signature must open (`read` returns nil only for a refusal
            // it checked was due).
            guard let o = Self.read(bytes) else {
                #expect(!bytes.starts(with: Self.signature), "round \(round): refused with its signature intact")
                refused += 1
                continue
            }
            // Each walk counts exactly the records it handed out, and finds no more than are there.
            #expect(o.records == o.stats.records, "round \(round)")
            #expect(o.documents == o.xmlStats.records, "round \(round)")
            #expect(o.records <= Self.recordsInBase, "round \(round): \(o.records) records")
            #expect(o.documents <= Self.recordsInBase, "round \(round): \(o.documents) documents")
            // Chunks are read, skipped (and counted) or empty: never more than the file's slots.
            let chunks = (o.stats.counters["chunks"] ?? 0) + (o.stats.counters["chunks_skipped"] ?? 0)
            #expect(chunks <= chunkSlots, "round \(round): \(chunks) chunks of \(chunkSlots)")
            // A record that does not come back is accounted for: the walk counted damage.
            if o.records < Self.recordsInBase {
                damaged += 1
                #expect(o.countedDamage > 0, "round \(round): \(o.records) of \(Self.recordsInBase) records, no damage counted: \(o.stats.counters)")
            }
            if o.xmlStats.parseErrors == 0 && o.stats.parseErrors == 0 {
                #expect(o.records == o.documents, "round \(round): read and readXML disagree without a failure")
            }
        }
        // The rounds really exercised the reader: nearly all opened (with this seed none is
        // refused: an edit seldom hits the signature), and the mutations cost records in many
        // (50 with this seed), each one accounted for above.
        #expect(refused <= 10, "\(refused) of 300 rounds refused at open")
        #expect(damaged >= 30, "only \(damaged) of 300 rounds lost records: the mutations barely touch the structure")
    }

    @Test func truncatedFilesNeverCrash() throws {
        let base = Self.baseFile()
        let spans = Self.recordSpans(base)
        try #require(spans.count == Self.recordsInBase)
        let ends = spans.map(\.upperBound)
        var rng = SplitMix(seed: 42)
        var cuts = [0, 1, 127, 128, 4095, 4096, 4096 + 511, 4096 + 512, 4096 + 65535, 4096 + 65536, base.count - 1]
        cuts += ends + ends.map { $0 - 1 } + ends.map { $0 + 24 }
        for _ in 0..<120 { cuts.append(Int(rng.next() % UInt64(base.count))) }
        for cut in Set(cuts.filter { $0 >= 0 && $0 <= base.count }).sorted() {
            let bytes = Array(base[0..<cut])
            guard let o = Self.read(bytes) else {
                #expect(cut < 128, "cut at \(cut): refused")
                continue
            }
            #expect(cut >= 128)
            // Exactly the records that end before the cut come back.
            let whole = ends.filter { $0 <= cut }.count
            #expect(o.records == whole, "cut at \(cut): \(o.records) records, \(whole) end before the cut")
            #expect(o.documents == whole, "cut at \(cut): \(o.documents) documents")
            // A record cut in the middle is counted as failed.
            let cutRecord = spans.contains { $0.lowerBound < cut && cut < $0.upperBound }
            if cutRecord {
                #expect(o.stats.parseErrors > 0, "cut at \(cut) inside a record: no failure counted \(o.stats.counters)")
            }
        }
    }

    /// A template whose body instantiates itself must stop at the depth limit and fail alone.
    @Test func selfReferencingTemplateFailsAlone() throws {
        var bytes = EVTXWriter.file((1...3).map { WriterRoundTripTests.typedEvent(id: UInt64($0)) })
        // Record 1 defines its template inline right after the instance header: 512 + 24 (record
        // header) + 4 (fragment header) + 10 (instance header) + 24 (definition header) + 4.
        let chunk = 4096
        let def = 512 + 24 + 4 + 10
        let body = def + 24
        // Replace the body's first element with a template instance pointing back at `def`.
        let patch: [UInt8] = [0x0F, 0x01, 0x01, 0x00, 0x0C, 0x01, 0, 0, 0, 0,
                              UInt8(def & 0xFF), UInt8(def >> 8), 0, 0, 0, 0, 0, 0, 0x00]
        for (k, b) in patch.enumerated() { bytes[chunk + body + k] = b }
        let o = try #require(Self.read(bytes))
        let stats = o.stats
        #expect(o.records == 0)
        #expect(stats.counters["records_failed"] == 3)
        #expect(stats.problems.contains { $0.contains("nested deeper") })
    }

    /// A name of more than `BinXMLLimits.nameCharacters` units is damage: its record fails with
    /// a message that says so; a name at the limit is read.
    @Test func namesLongerThanTheLimitFailTheirRecord() throws {
        func file(_ name: String) -> [UInt8] {
            var t = WindowsEvents.template(id: 0x4A4E_0001, named: ["A"])
            guard case .element(let n, let a, var children) = t.root else { return [] }
            children[1] = .element("EventData", attrs: [], children: [.element(name, attrs: [], children: [.text("x")])])
            t.root = .element(n, attrs: a, children: children)
            let s = WindowsEvents.Source(provider: "P", guid: nil, eventSourceName: nil, channel: "Application")
            let time = EVTXWriter.fileTime(2026, 11, 27, 8, 0, 0)
            let sys = WindowsEvents.system(s, eventID: 1, qualifiers: nil, level: 4, keywords: 0, time: time,
                                           recordID: 1, pid: 1, tid: 1, computer: "C")
            return EVTXWriter.file([EVTXWriter.Event(recordID: 1, fileTime: time, template: t, values: sys + [.string("v")])])
        }
        let limit = Int(BinXMLLimits.nameCharacters)
        let atLimit = try #require(Self.read(file(String(repeating: "N", count: limit))))
        #expect(atLimit.records == 1)
        let over = try #require(Self.read(file(String(repeating: "N", count: limit + 1))))
        #expect(over.records == 0)
        #expect(over.stats.problems.contains { $0.contains("name of \(limit + 1) characters") }, "\(over.stats.problems)")
    }

    /// The damaged file in Fixtures/crashes whose names ran to thousands of characters: its
    /// records' keys once multiplied 70 KB into 28 MB of JSON; with the name limit the output
    /// stays the size of the input's order.
    @Test func damagedNamesDoNotMultiplyTheOutput() throws {
        let url = Samples.packageRoot.appendingPathComponent("Fixtures/crashes/evtx--names-of-thousands-of-characters.evtx")
        let reader = try EVTXReader(path: FilePath(url.path))
        var stats = ParseStats()
        var bytes = 0
        try reader.readJSONLines(context: ParseContext(sourcePath: "x.evtx"), stats: &stats) { bytes += $0.count }
        let input = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        #expect(bytes < 4 * input, "\(bytes) bytes of JSON from \(input) bytes")
        #expect(stats.records > 0)
    }
}
