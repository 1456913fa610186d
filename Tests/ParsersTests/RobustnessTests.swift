import LogRecord
import Parsers
import Testing

/// Every text parser, forced onto damaged or hostile input, finishes without crashing, keeps its
/// bounds, and accounts for the input (records or counted problems) — whatever the bytes.
@Suite struct TextParserRobustnessTests {
    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rand {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    }

    static var datasets: [String] { ["auto", Dataset.text] + TextFormats.all.map { $0.dataset } }

    /// Mixes real-looking log lines of every format with binary garbage, NULs, lone CRs,
    /// invalid UTF-8 and UTF-16 fragments.
    static func hostile(seed: UInt64, size: Int) -> [UInt8] {
        var r = Rand(state: seed | 1)
        let fragments: [String] = [
            "=== Verbose logging started: 31.01.2022  10:15:32  Build type: SHIP UNICODE 5.00.10011.00 ===\r\n",
            "MSI (s) (A8:C4) [10:15:32:123]: Note: 1: 2205 2:  3: Error \r\n",
            "Action ended 10:15:33: InstallFinalize. Return value 3.\n",
            "2024-01-02 03:04:05.67 spid51      Error: 18456, Severity: 14, State: 8.\n",
            ">>>  [Device Install (Hardware initiated) - USB\\VID_0000]\n>>>  Section start 2024/01/02 03:04:05.678\n",
            "!!!  dvi: failed\n<<<  [Exit status: FAILURE(0xe0000203)]\n",
            "1-2-2024[10:15:32 AM]: Original exit status: 1603\r",
            "INFO: Installing driver\nERROR: failed 0x800B0100\n",
            "2024-01-02 03:04:05,678 [12] ERROR Amt.X [(null)] - boom\nSystem.Exception: x\n   at A.B()\n",
            "1/2/2024 10:15:32 AM Something failed\n",
            "----------------------------------------\nTimestamp: 1/2/2024 10:15:32 AM\nMessage: x\n",
            "Overall summary:\n  Final result:  Failed\n  Exit code (Decimal): -2068052377\n",
        ]
        var out: [UInt8] = []
        while out.count < size {
            switch r.next() % 6 {
            case 0, 1, 2: out += Array(fragments[Int(r.next() % UInt64(fragments.count))].utf8)
            case 3: for _ in 0..<Int(r.next() % 64) { out.append(r.byte()) }
            case 4: out += [UInt8](repeating: 0, count: Int(r.next() % 300))
            default:
                // A fragment cut at a random point, then a bare CR or an invalid sequence.
                let f = Array(fragments[Int(r.next() % UInt64(fragments.count))].utf8)
                out += f.prefix(Int(r.next() % UInt64(f.count)))
                out += r.next() % 2 == 0 ? [0x0D] : [0xC3, 0x28, 0xFF]
            }
        }
        return out
    }

    /// Line terminators in `input`, plus one: no parser makes more than one record of a line
    /// (a CRLF counts twice, which only loosens the bound).
    static func lineBound(_ input: [UInt8]) -> Int { input.reduce(1) { $0 + ($1 == 0x0A || $1 == 0x0D ? 1 : 0) } }

    @Test(arguments: datasets)
    func hostileInputNeverCrashes(dataset: String) throws {
        for seed in 1...12 as ClosedRange<UInt64> {
            let input = Self.hostile(seed: seed &* 0x9E37_79B9, size: 20_000)
            let (records, stats) = try TextParsing.parse(
                bytes: input, dataset: dataset, context: ParseContext(sourcePath: "fuzz.log", zone: .utc))
            let what = "\(dataset) seed \(seed)"
            #expect(stats.records == records.count, "\(what)")
            // The format asked for, or one detected from the registry.
            if dataset == "auto" {
                #expect(Self.datasets.contains(stats.dataset ?? "none"), "\(what): detected \(stats.dataset ?? "nothing")")
            } else {
                #expect(stats.dataset == dataset, "\(what): parsed as \(stats.dataset ?? "nothing")")
            }
            // Every record carries its source, and some content of a 20 KB input is accounted for.
            #expect(records.allSatisfy { $0.filePath == "fuzz.log" })
            #expect(!records.isEmpty || stats.parseErrors > 0, "\(what): nothing parsed, nothing counted")
            // Bounded by the input: at most a record per line, plus an outcome summary per install
            // run; at most three bytes of message per input byte (a byte decodes to at most one
            // character: itself, a code-page character or U+FFFD).
            let runs = stats.counters["install_runs"] ?? 0
            #expect(records.count <= Self.lineBound(input) + runs, "\(what): \(records.count) records of \(Self.lineBound(input)) lines")
            let messageBytes = records.reduce(0) { $0 + $1.message.utf8.count }
            #expect(messageBytes <= 3 * input.count, "\(what): \(messageBytes) message bytes of \(input.count) input bytes")
            // However the bytes arrive, the same records and counts come out.
            for chunk in [977, 3] {
                let split = try TextParsing.parse(
                    bytes: input, dataset: dataset, context: ParseContext(sourcePath: "fuzz.log", zone: .utc),
                    chunkSize: chunk)
                #expect(split.records == records, "\(what): chunks of \(chunk) give other records")
                #expect(split.stats == stats, "\(what): chunks of \(chunk) give other stats")
            }
        }
    }

    @Test(arguments: datasets)
    func pathologicalShapes(dataset: String) throws {
        func parse(_ input: [UInt8]) throws -> ([Record], ParseStats) {
            try TextParsing.parse(bytes: input, dataset: dataset, context: ParseContext(sourcePath: "p", zone: .utc))
        }
        // UTF-16 (by its BOM): an odd last byte is dropped and counted; lone surrogates become
        // U+FFFD. The line is the first record (install parsers add their outcome after it).
        let odd = try parse([0xFF, 0xFE] + [UInt8](repeating: 0x41, count: 3))
        #expect(odd.1.encoding == "utf-16le" && odd.1.bytesDropped == 1, "\(dataset): \(odd.1)")
        #expect(odd.0.first?.message == "\u{4141}", "\(dataset): \(odd.0.map(\.message))")
        let lone = try parse([0xFF, 0xFE, 0x00, 0xD8, 0x00, 0xD8])
        #expect(lone.1.encoding == "utf-16le" && lone.1.bytesDropped == 0, "\(dataset): \(lone.1)")
        #expect(lone.0.first?.message == "\u{FFFD}\u{FFFD}", "\(dataset): \(lone.0.map(\.message))")
        for shape in [odd, lone] {
            #expect(shape.1.records == shape.0.count)
            #expect(shape.0.count <= 1 + (shape.1.counters["install_runs"] ?? 0))
        }
        // Nothing, only NULs (padding) or only line ends: no records and nothing to count.
        let empty: [[UInt8]] = [[], [0x00], [UInt8](repeating: 0, count: 100_000),
                                [UInt8](repeating: 0x0D, count: 50_000), [UInt8](repeating: 0x0A, count: 50_000)]
        for input in empty {
            let (records, stats) = try parse(input)
            #expect(records.isEmpty && stats.records == 0, "\(dataset): \(input.count) bytes of nothing gave \(records.count) records")
            #expect(stats.parseErrors == 0 && stats.linesTruncated == 0 && stats.bytesDropped == 0)
        }
        // One 3 MiB line: cut at the 1 MiB line limit, and the cut is counted to the byte.
        let long = try parse(Array(String(repeating: "x", count: 3 << 20).utf8))
        #expect(long.1.records == long.0.count)
        #expect(long.1.linesTruncated == 1, "\(dataset): the long line's cut is not counted")
        #expect(long.1.bytesDropped == Int64(2 << 20), "\(dataset): \(long.1.bytesDropped) bytes dropped, 2 MiB were")
        #expect(long.0.first?.message == String(repeating: "x", count: 1 << 20), "\(dataset): the line's first MiB is not the first record")
        // Continuation lines only: every frame is kept, once, in some record (joined into entries
        // or one record each).
        let frames = try parse(Array(String(repeating: "   at A.B()\n", count: 30_000).utf8))
        #expect(frames.1.records == frames.0.count)
        let kept = frames.0.reduce(0) { $0 + $1.message.ranges(of: "at A.B()").count }
        #expect(kept == 30_000, "\(dataset): \(kept) of 30000 frames kept")
        #expect(frames.1.parseErrors == 0 && frames.1.bytesDropped == 0)
        #expect(frames.0.allSatisfy { $0.message.utf8.count <= 8 << 20 })
    }
}
