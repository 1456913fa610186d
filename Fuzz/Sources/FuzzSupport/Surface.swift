@testable import Bundler
import CodePages
@testable import EventLog
import Foundation
import LogRecord
import Parsers
import Redaction
import SystemPackage
import Triage

/// What each fuzz target does with one input. Every surface reads the bytes the way `amt-collect`
/// reads a file of that kind, encodes what comes out as the bundle would (JSON Lines, findings),
/// and checks what must hold for any input. A crash, a trap or a failed `check` is a finding;
/// errors the readers report are expected (most inputs are not well formed).
public enum Surface {
    /// A text format parser by dataset id (`text` is the generic line parser). The input's first
    /// byte picks the chunk size, so that framing is tried across every kind of split.
    public static func text(_ input: UnsafeBufferPointer<UInt8>, _ dataset: String) {
        let (chunk, bytes) = split(input)
        parseText(bytes, dataset: dataset, chunk: chunk)
    }

    /// Legacy code pages: the line decoder (detection, the look-ahead, every decoder) and the
    /// text redactor over the input, split into chunks as the first byte says, with the site prior
    /// the second byte picks. Both give the same output as for the input whole; every code page
    /// decodes any bytes, and decodes alike when cut between two characters; a copy redacted in a
    /// double-byte page stays as valid in it as the input was.
    public static func codePages(_ input: UnsafeBufferPointer<UInt8>) {
        let (chunk, rest) = split(input)
        guard let choose = rest.first else { return }
        let pages = CodePage.allCases
        let prior: CodePage? = Int(choose) % (pages.count + 1) == pages.count ? nil : pages[Int(choose) % (pages.count + 1)]
        let bytes = Array(rest.dropFirst())

        func decoded(_ size: Int) -> ([TextLine], LineDecoder) {
            var decoder = LineDecoder(maxLineBytes: 1024, codePagePrior: prior)
            var lines: [TextLine] = []
            var source = MemoryByteSource(bytes, chunkSize: size)
            while let c = try? source.nextChunk() { decoder.push(c) { lines.append($0) } }
            decoder.finish { lines.append($0) }
            return (lines, decoder)
        }
        let (split, d1) = decoded(chunk)
        let (whole, d2) = decoded(1 << 20)
        check(split == whole, "decoded lines depend on the chunking")
        check(d1.codePageChoice == d2.codePageChoice, "the code page decision depends on the chunking")
        check(d1.encodingUse == d2.encodingUse, "the encoding in the manifest depends on the chunking")

        for page in pages {
            var invalid = 0
            let text = page.decode(bytes, invalid: &invalid)
            check(invalid <= bytes.count, "\(page.name): more invalid sequences than bytes")
            check(text.unicodeScalars.count <= bytes.count, "\(page.name): more characters than bytes")
            // Cut after the first character boundary past the middle.
            let k: Int = bytes.withUnsafeBufferPointer { b in
                var i = 0
                while i < b.count / 2 { i += page.table.characterLength(b, at: i) }
                return i
            }
            var a = 0, b = 0
            let joined = page.decode(bytes[..<k], invalid: &a) + page.decode(bytes[k...], invalid: &b)
            check(joined == text && a + b == invalid, "\(page.name): decoding differs when cut between characters")
        }

        func redacted(_ size: Int) -> ([UInt8], TextRedactor) {
            let t = Redactor(mode: .secrets).text(codePagePrior: prior)
            var out: [UInt8] = []
            var k = 0
            while k < bytes.count {
                let end = min(bytes.count, k + size)
                for c in t.redact(ByteChunk(bytes: Array(bytes[k..<end]))) {
                    check(!c.bytes.isEmpty, "redactor returned an empty chunk")
                    out += c.bytes
                }
                k = end
            }
            for c in t.finish() { out += c.bytes }
            return (out, t)
        }
        let (r1, t1) = redacted(chunk)
        let (r2, t2) = redacted(1 << 20)
        check(r1 == r2, "the redacted copy depends on the chunking")
        check(t1.codePageChoice == t2.codePageChoice, "the redactor's code page decision depends on the chunking")
        if t1.counts.isEmpty { check(r1 == bytes, "nothing was replaced, yet the bytes changed") }
        if let page = t1.codePageChoice?.codePage, page.isDoubleByte {
            var before = 0, after = 0
            _ = page.decode(bytes, invalid: &before)
            _ = page.decode(r1, invalid: &after)
            check(before > 0 || after == 0, "redaction made a valid \(page.name) text invalid")
        }
    }

    /// Format detection by content, then whichever parser it picks (exported events included),
    /// as `parse FILE` does without `--kind`.
    public static func detect(_ input: UnsafeBufferPointer<UInt8>) {
        let (chunk, bytes) = split(input)
        let head = Array(bytes.prefix(1 << 16))
        if EventExportParser.looksLikeEventXML(head) {
            exported(bytes, xml: true, chunk: chunk)
        } else if EventExportParser.looksLikeEventCSV(head) {
            exported(bytes, xml: false, chunk: chunk)
        } else {
            parseText(bytes, dataset: nil, chunk: chunk)
        }
    }

    public static func eventXML(_ input: UnsafeBufferPointer<UInt8>) {
        let (chunk, bytes) = split(input)
        exported(bytes, xml: true, chunk: chunk)
    }

    public static func eventCSV(_ input: UnsafeBufferPointer<UInt8>) {
        let (chunk, bytes) = split(input)
        exported(bytes, xml: false, chunk: chunk)
    }

    /// The EVTX reader's record path: both the compiled-template fast path and the rendered tree,
    /// which must agree on how many records a file holds.
    public static func evtxRecords(_ input: UnsafeBufferPointer<UInt8>) {
        withFile(input) { path in
            guard let reader = try? EVTXReader(path: path) else { return }
            let context = ParseContext(sourcePath: "fuzz.evtx", hostName: "HOST")
            var fastStats = ParseStats(), slowStats = ParseStats()
            var fast: [[UInt8]] = []
            var slow = 0
            var out: [UInt8] = []
            let writer = JSONLinesWriter()
            try? reader.read(context: context, stats: &fastStats, fastPath: true) { r in
                out.removeAll(keepingCapacity: true)
                writer.append(r, to: &out)
                checkLine(out)
                fast.append(out)
            }
            try? reader.read(context: context, stats: &slowStats, fastPath: false) { r in
                out.removeAll(keepingCapacity: true)
                writer.append(r, to: &out)
                check(slow < fast.count && fast[slow] == out,
                      "record path: record \(slow + 1) differs between the fast path and the tree")
                slow += 1
            }
            check(fast.count == slow, "record path: \(fast.count) records by the fast path, \(slow) by the tree")
        }
    }

    /// The EVTX reader's direct JSON path: whole lines, each one JSON object, as many as the record
    /// path gives.
    public static func evtxJSON(_ input: UnsafeBufferPointer<UInt8>) {
        withFile(input) { path in
            guard let reader = try? EVTXReader(path: path) else { return }
            let context = ParseContext(sourcePath: "fuzz.evtx", hostName: "HOST")
            var stats = ParseStats(), recordStats = ParseStats()
            var lines = 0, records = 0
            try? reader.readJSONLines(context: context, stats: &stats, batchBytes: 4096) { batch in
                check(batch.count > 0 && batch[batch.count - 1] == 0x0A, "JSON batch does not end a line")
                var start = 0
                for k in 0..<batch.count where batch[k] == 0x0A {
                    checkLine(Array(batch[start...k]))
                    lines += 1
                    start = k + 1
                }
            }
            try? reader.read(context: context, stats: &recordStats) { _ in records += 1 }
            check(lines == records, "JSON path: \(lines) lines, record path: \(records) records")
        }
    }

    /// The text redactor in `mode`, over the input split into chunks: every line of the input comes
    /// out (the line count is kept), and what it writes is stable (redacting the output again
    /// under `secrets` changes nothing more: every secret was found the first time).
    public static func redactText(_ input: UnsafeBufferPointer<UInt8>, _ mode: RedactionMode) {
        let (chunk, bytes) = split(input)
        let redactor = Redactor(mode: mode, knownHosts: ["WEBBRIX-SRV01"])
        let text = redactor.text(isConfig: chunk % 2 == 0)
        var out: [UInt8] = []
        var k = 0
        while k < bytes.count {
            let end = min(bytes.count, k + chunk)
            for c in text.redact(ByteChunk(bytes: Array(bytes[k..<end]))) {
                check(!c.bytes.isEmpty, "redactor returned an empty chunk")
                out += c.bytes
            }
            k = end
        }
        for last in text.finish() { out += last.bytes }
        if text.counts.isEmpty {
            check(out == bytes, "nothing was replaced, yet the bytes changed")
        }
        if mode == .none { return }
        // Records of the text: the record redactor on every line.
        var record = Record(dataset: Dataset.text, message: String(decoding: bytes.prefix(4096), as: UTF8.self),
                            filePath: "fuzz.log", line: 1)
        record.hostName = "WEBBRIX-SRV01"
        _ = redactor.redact(&record)
    }

    /// The record redactor over event records: the input is read as EVTX when it is one, else as
    /// `name=value` event data lines (the shape of `Binary=`/`Data` fields in System logs).
    public static func redactEvents(_ input: UnsafeBufferPointer<UInt8>) {
        let mode: RedactionMode = (input.first ?? 0) & 1 == 0 ? .pii : .secrets
        let redactor = Redactor(mode: mode, knownHosts: ["WEBBRIX-SRV01"])
        let writer = JSONLinesWriter()
        var out: [UInt8] = []
        func redactAndEncode(_ r: inout Record) {
            _ = redactor.redact(&r)
            out.removeAll(keepingCapacity: true)
            writer.append(r, to: &out)
            checkLine(out)
        }
        if input.count > 8, Array(input.prefix(8)) == Array("ElfFile\0".utf8) {
            withFile(input) { path in
                guard let reader = try? EVTXReader(path: path) else { return }
                var stats = ParseStats()
                try? reader.read(context: ParseContext(sourcePath: "fuzz.evtx", hostName: "HOST"), stats: &stats) { r in
                    redactAndEncode(&r)
                }
            }
            return
        }
        let text = String(decoding: input.dropFirst(), as: UTF8.self)
        var w = Winlog()
        w.channel = "System"
        w.computerName = "WEBBRIX-SRV01.corp.example.com"
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(256) {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            w.eventData.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : ""))
        }
        var r = Record(dataset: Dataset.evtx, message: text, filePath: "System.evtx", line: nil)
        r.hostName = "WEBBRIX-SRV01"
        r.winlog = w
        redactAndEncode(&r)
    }

    /// The zip central directory reader (email parts are planned from it).
    public static func zipDirectory(_ input: UnsafeBufferPointer<UInt8>) {
        withFile(input) { path in
            guard let fd = try? FileDescriptor.open(path, .readOnly) else { return }
            defer { try? fd.close() }
            if let (records, offset) = ZipDirectory.records(fd) {
                check(offset >= 0 && offset <= Int64(input.count), "directory offset \(offset) outside the file")
                _ = records.count
            }
        }
    }

    /// `verify` on the input as a bundle: any problem is reported, never a trap; a report that
    /// says whole has a manifest.
    public static func verify(_ input: UnsafeBufferPointer<UInt8>) {
        withFile(input) { path in
            let report = BundleVerifier.verify(path)
            if report.isWhole { check(report.manifest != nil, "verify: whole without a manifest") }
        }
    }

    /// `manifest.json` decoding (what `verify`, `summary` and `extract` trust).
    public static func manifest(_ input: UnsafeBufferPointer<UInt8>) {
        if let m = try? Manifest.decode(Array(input)) {
            // A manifest that decodes also encodes.
            check((try? m.encoded()) != nil, "manifest decoded but does not encode")
        }
    }

    /// A rules file (`--rules FILE`), then every rule over records made from the input's lines.
    public static func rules(_ input: UnsafeBufferPointer<UInt8>) {
        guard let set = try? RuleSet.decode(Data(input), source: "fuzz.json") else { return }
        var engine = FindingsEngine(rules: set)
        var r = Record(dataset: Dataset.amtError, message: String(decoding: input.prefix(512), as: UTF8.self),
                       filePath: "AMTError.log", line: 1)
        r.level = .error
        engine.observe(r)
        _ = engine.findings()
    }

    // MARK: - Shared steps

    /// The chunk size picked by the first byte (1 to 64 KiB), and the rest of the input.
    static func split(_ input: UnsafeBufferPointer<UInt8>) -> (Int, [UInt8]) {
        guard let first = input.first else { return (1 << 16, []) }
        let sizes = [1, 2, 3, 7, 64, 511, 4096, 1 << 16]
        return (sizes[Int(first) % sizes.count], Array(input.dropFirst()))
    }

    static func parseText(_ bytes: [UInt8], dataset: String?, chunk: Int) {
        var source = MemoryByteSource(bytes, chunkSize: chunk)
        let context = ParseContext(sourcePath: "fuzz.log", hostName: "HOST")
        let writer = JSONLinesWriter()
        var engine = FindingsEngine(rules: builtinRules)
        var out: [UInt8] = []
        var records = 0
        let stats = try? TextParsing.parse(source: &source, dataset: dataset, context: context, maxLineBytes: 4096) { r in
            records += 1
            if let line = r.line { check(line >= 1, "line \(line) below 1") }
            out.removeAll(keepingCapacity: true)
            writer.append(r, to: &out)
            checkLine(out)
            engine.observe(r)
        }
        check(stats != nil, "text parsing threw on bytes in memory")
        if let stats { check(stats.records == records, "stats count \(stats.records) records, \(records) were emitted") }
        _ = engine.findings()
        _ = engine.messageGroups(limit: 10)
    }

    static func exported(_ bytes: [UInt8], xml: Bool, chunk: Int) {
        var source = MemoryByteSource(bytes, chunkSize: chunk)
        let context = ParseContext(sourcePath: xml ? "fuzz.xml" : "fuzz.csv", hostName: "HOST")
        var stats = ParseStats()
        let writer = JSONLinesWriter()
        var out: [UInt8] = []
        let emit: RecordSink = { r in
            out.removeAll(keepingCapacity: true)
            writer.append(r, to: &out)
            checkLine(out)
        }
        if xml {
            try? EventExportParser.parseXML(source: &source, context: context, stats: &stats, emit: emit)
        } else {
            try? EventExportParser.parseCSV(source: &source, context: context, stats: &stats, emit: emit)
        }
    }

    /// The shipped rules, decoded once (decoding them is not what is being fuzzed).
    static let builtinRules = RuleSet.builtin()

    /// One encoded record: a JSON object on one line.
    static func checkLine(_ line: [UInt8]) {
        check(line.first == UInt8(ascii: "{") && line.last == 0x0A, "record line is not one JSON object on a line")
        check(!line.dropLast().contains(0x0A), "a newline inside a record line")
        check((try? JSONSerialization.jsonObject(with: Data(line))) != nil, "record line is not valid JSON")
    }

    /// Writes the input to a file of this process's own (readers that take a path).
    static func withFile(_ input: UnsafeBufferPointer<UInt8>, _ body: (FilePath) -> Void) {
        let path = FilePath(scratchPath)
        guard let fd = try? FileDescriptor.open(path, .writeOnly, options: [.create, .truncate], permissions: .ownerReadWrite)
        else { fatalError("fuzz: cannot write \(scratchPath)") }
        do {
            _ = try fd.writeAll(UnsafeRawBufferPointer(input))
            try fd.close()
        } catch {
            fatalError("fuzz: cannot write \(scratchPath): \(error)")
        }
        body(path)
    }

    static let scratchPath: String = {
        let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(dir)/amt-fuzz-\(ProcessInfo.processInfo.processIdentifier).bin"
    }()

    /// A property that must hold for every input: a failure stops the fuzzer with the input kept.
    static func check(_ condition: @autoclosure () -> Bool, _ what: @autoclosure () -> String) {
        if !condition() { fatalError("fuzz property failed: \(what())") }
    }
}
