// Parses one AMTError log in memory and prints the CPU seconds the parse took (best of RUNS),
// and how many records it gave:
//   LayoutBench FILE [log4net|nlog|serilog LAYOUT] [RUNS]
// Without a layout the parser chooses by content (inferred; before the layout engine, the fixed
// list); with one it parses with the declared layout, compiled. Only public API is used, so the
// same source builds against an older checkout for comparison.
import Foundation
import LogRecord
import Parsers

let args = CommandLine.arguments
guard args.count >= 2, let data = FileManager.default.contents(atPath: args[1]) else {
    FileHandle.standardError.write(Data("usage: LayoutBench FILE [log4net|nlog|serilog LAYOUT] [RUNS]\n".utf8))
    exit(64)
}
let bytes = [UInt8](data)
var layout: DeclaredLayout? = nil
var runs = 3
if args.count >= 4 {
    let spec: LayoutSpec
    switch args[2] {
    case "log4net": spec = .log4net(pattern: args[3])
    case "nlog": spec = .nlog(layout: args[3])
    case "serilog": spec = .serilog(template: args[3])
    default: exit(64)
    }
    layout = DeclaredLayout(spec: spec, configFile: "bench.config")
    if args.count >= 5 { runs = Int(args[4]) ?? 3 }
} else if args.count == 3 {
    runs = Int(args[2]) ?? 3
}

func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

var best = Double.infinity
var records = 0
let writer = JSONLinesWriter()
for _ in 0..<runs {
    var source = MemoryByteSource(bytes, chunkSize: 1 << 16)
    let context = ParseContext(sourcePath: "bench.log", zone: .utc, layout: layout)
    var out: [UInt8] = []
    out.reserveCapacity(1 << 20)
    var n = 0
    let start = cpuSeconds()
    _ = try TextParsing.parse(source: &source, dataset: "amt.error", context: context) { r in
        // Encoded as the bundle would, so that the fields the layout fills are paid for.
        writer.append(r, to: &out)
        if out.count > 1 << 20 { out.removeAll(keepingCapacity: true) }
        n += 1
    }
    best = min(best, cpuSeconds() - start)
    records = n
}
print(String(format: "%.4f %d", best, records))
