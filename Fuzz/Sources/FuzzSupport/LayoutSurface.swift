import LogRecord
import Parsers

extension Surface {
    /// A declared layout of any family compiled from arbitrary text, and arbitrary lines parsed
    /// with it. The first byte picks the family (low three bits) and the chunk size; the layout
    /// text runs to the first NUL byte, the log follows. For NLog's JSON and CSV layouts each line
    /// of the layout text is a `name=layout` column. Whatever the input, the parse must end,
    /// emit whole JSON lines, and count what it emits; a declared layout that matches nothing
    /// falls back to inference, which is exercised the same way.
    public static func layout(_ input: UnsafeBufferPointer<UInt8>) {
        guard let first = input.first else { return }
        let rest = input.dropFirst()
        let nul = rest.firstIndex(of: 0) ?? rest.endIndex
        let text = String(decoding: rest[rest.startIndex..<nul], as: UTF8.self)
        let log = nul < rest.endIndex ? Array(rest[(nul + 1)...]) : []
        let columns = text.split(separator: "\n").prefix(64).map { line -> LayoutColumn in
            let parts = line.split(separator: "=", maxSplits: 1)
            return LayoutColumn(name: String(parts.first ?? ""), layout: parts.count > 1 ? String(parts[1]) : "")
        }
        let spec: LayoutSpec
        switch first & 7 {
        case 0: spec = .log4net(pattern: text, header: "[Header]", footer: "[Footer]")
        case 1: spec = .nlog(layout: text)
        case 2: spec = .nlogJSON(attributes: columns)
        case 3: spec = .nlogCSV(columns: columns, delimiter: first & 0x40 == 0 ? "Semicolon" : "Tab", withHeader: first & 0x80 != 0)
        case 4: spec = .serilog(template: text)
        case 5: spec = .serilogJSON(compact: first & 0x40 == 0)
        case 6: spec = .entLib(template: text)
        default: spec = .log4net(pattern: text)
        }
        let chunk = 1 + Int(first >> 3) * 61
        var source = MemoryByteSource(log, chunkSize: chunk)
        let context = ParseContext(sourcePath: "fuzz.log", hostName: "HOST",
                                   layout: DeclaredLayout(spec: spec, configFile: "fuzz.config", target: "fuzz"))
        let writer = JSONLinesWriter()
        var out: [UInt8] = []
        var records = 0
        let stats = try? TextParsing.parse(source: &source, dataset: Dataset.amtError, context: context, maxLineBytes: 4096) { r in
            records += 1
            out.removeAll(keepingCapacity: true)
            writer.append(r, to: &out)
            checkLine(out)
        }
        check(stats != nil, "layout parsing threw on bytes in memory")
        if let stats {
            check(stats.records == records, "stats count \(stats.records) records, \(records) were emitted")
            check(stats.layout != nil, "no layout use recorded")
        }
    }
}
