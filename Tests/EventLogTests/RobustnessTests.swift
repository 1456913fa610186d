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

    /// Reads `bytes` from memory-backed chunks the same way the file reader does (no temp file),
    /// returning the number of records and the stats.
    static func read(_ bytes: [UInt8]) -> (Int, ParseStats) {
        var stats = ParseStats()
        var n = 0
        do {
            try TempEVTX.withFile(bytes) { path in
                guard let reader = try? EVTXReader(path: FilePath(path)) else { return }
                try reader.read(context: ParseContext(sourcePath: "fuzz.evtx"), stats: &stats) { r in
                    n += 1
                    _ = JSONLinesWriter().line(r)
                }
                var xmlStats = ParseStats()
                try reader.readXML(stats: &xmlStats) { _ = $0 }
            }
        } catch {
            Issue.record("reader threw for damaged content: \(error)")
        }
        return (n, stats)
    }

    @Test func mutatedBytesNeverCrash() {
        let base = Self.baseFile()
        let (clean, cleanStats) = Self.read(base)
        #expect(clean == 21 && cleanStats.parseErrors == 0)
        var rng = SplitMix(seed: 0xE7_7E57)
        let interesting: [UInt32] = [0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000, 0xFFFF, 512, 65535, 65536, 24, 28]
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
            let (n, stats) = Self.read(bytes)
            #expect(n >= 0 && stats.records >= 0, "round \(round)")
        }
    }

    @Test func truncatedFilesNeverCrash() {
        let base = Self.baseFile()
        var rng = SplitMix(seed: 42)
        var cuts = [0, 1, 127, 128, 4095, 4096, 4096 + 511, 4096 + 512, 4096 + 65535, 4096 + 65536, base.count - 1]
        for _ in 0..<120 { cuts.append(Int(rng.next() % UInt64(base.count))) }
        var previous = -1
        for cut in cuts.sorted() where cut != previous {
            previous = cut
            let bytes = Array(base[0..<cut])
            if cut < 128 {
                #expect(throws: EVTXError.self) {
                    try TempEVTX.withFile(bytes) { try EVTXReader(path: FilePath($0)) }
                }
                continue
            }
            let (n, _) = Self.read(bytes)
            #expect(n <= 21)
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
        let (n, stats) = Self.read(bytes)
        #expect(n == 0)
        #expect(stats.counters["records_failed"] == 3)
        #expect(stats.problems.contains { $0.contains("nested deeper") })
    }
}
