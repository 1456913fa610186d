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

    @Test(arguments: datasets)
    func hostileInputNeverCrashes(dataset: String) throws {
        for seed in 1...12 as ClosedRange<UInt64> {
            let input = Self.hostile(seed: seed &* 0x9E37_79B9, size: 20_000)
            for chunk in [1 << 16, 977, 3] {
                let (records, stats) = try TextParsing.parse(
                    bytes: input, dataset: dataset, context: ParseContext(sourcePath: "fuzz.log", zone: .utc),
                    chunkSize: chunk)
                #expect(stats.records == records.count)
                // Every record carries its source, and some content of a 20 KB input is accounted for.
                #expect(records.allSatisfy { $0.filePath == "fuzz.log" })
                #expect(!records.isEmpty || stats.parseErrors > 0, "\(dataset) seed \(seed): nothing parsed, nothing counted")
                #expect(records.allSatisfy { $0.message.utf8.count <= 8 << 20 })
            }
        }
    }

    @Test(arguments: datasets)
    func pathologicalShapes(dataset: String) throws {
        let cases: [[UInt8]] = [
            [],
            [0x00],
            [UInt8](repeating: 0, count: 100_000),
            [UInt8](repeating: 0x0D, count: 50_000),
            [UInt8](repeating: 0x0A, count: 50_000),
            [0xFF, 0xFE] + [UInt8](repeating: 0x41, count: 3),          // UTF-16 BOM, odd length
            [0xFF, 0xFE, 0x00, 0xD8, 0x00, 0xD8],                          // lone surrogates
            Array(String(repeating: "x", count: 3 << 20).utf8),            // one 3 MiB line
            Array(String(repeating: "   at A.B()\n", count: 30_000).utf8),  // continuation lines only
        ]
        for input in cases {
            let (records, stats) = try TextParsing.parse(bytes: input, dataset: dataset,
                                                         context: ParseContext(sourcePath: "p", zone: .utc))
            #expect(stats.records == records.count)
            #expect(records.allSatisfy { $0.message.utf8.count <= 8 << 20 })
        }
    }
}
