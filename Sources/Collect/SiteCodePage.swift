import CodePages
import Collector
import LogRecord
import Parsers
import SystemPackage

/// The site's ANSI code page, the prior with which every text source of a run is decoded and
/// redacted.
///
/// On a live Windows system it is `GetACP()` (in the host facts). In a copied tree nothing states
/// it cheaply (it lives in the registry), so the site's own files are asked, before any source is
/// read: the text sources in path order, the first `headBytes` of each, each file's code page
/// decided on its own lines that are not UTF-8 (no prior), at most `maxFiles` such files. The page
/// most of them show on clear evidence (`how == .detector`) is the site's; a tie goes to the page
/// of the first file in path order. The same tree always gives the same prior, whatever the
/// number of threads, and a file is never decided from files read after it.
enum SiteCodePage {
    /// Bytes read from the head of each file.
    static let headBytes = 64 << 10
    /// Files with non-UTF-8 lines that are decided at most.
    static let maxFiles = 16
    /// Files looked at at most (most are UTF-8 or UTF-16 and tell nothing).
    static let maxLooked = 256

    /// The prior for a run, and the note for the host facts saying where it came from.
    static func prior(host: HostFacts, jobs: [SourceJob]) -> (page: CodePage?, note: String?) {
        if let acp = host.ansiCodePage {
            guard let page = CodePage(number: acp) else {
                return (nil, "ansi_code_page \(acp) is not one of the code pages read; text that is not UTF-8 is detected per file")
            }
            return (page, nil)
        }
        let texts = jobs.filter { $0.exportChannel == nil && !Self.isBinaryKind($0.kind) }
            .sorted { $0.relativePath < $1.relativePath }
        var votes: [CodePage: (count: Int, first: Int)] = [:]
        var decided = 0
        for (index, job) in texts.prefix(maxLooked).enumerated() where decided < maxFiles {
            guard let page = decide(path: job.path) else { continue }
            decided += 1
            let v = votes[page] ?? (0, index)
            votes[page] = (v.count + 1, v.first)
        }
        guard let best = votes.max(by: { ($0.value.count, -$0.value.first) < ($1.value.count, -$1.value.first) }) else {
            return (nil, "ansi_code_page: unknown (no text file of the site that is not UTF-8 says it clearly)")
        }
        return (best.key, "ansi_code_page \(best.key.rawValue) from the text files of the site: \(best.key.name) in \(best.value.count) of \(decided) that are not UTF-8")
    }

    static func isBinaryKind(_ kind: SourceKind) -> Bool {
        kind.dataset == Dataset.evtx
    }

    /// The code page one file's head shows on clear evidence, or `nil`.
    static func decide(path: FilePath) -> CodePage? {
        guard var reader = try? SourceReader(path: path, cap: Int64(headBytes), chunkSize: headBytes),
              let chunk = try? reader.nextChunk(), !chunk.bytes.isEmpty
        else { return nil }
        let bytes = chunk.bytes
        // UTF-16 (by BOM or NUL pattern) and UTF-8 with BOM are not code page evidence.
        let (encoding, _) = TextEncoding.detect(bytes)
        guard encoding == .utf8 else { return nil }
        var evidence = CodePageEvidence()
        var start = 0
        bytes.withUnsafeBufferPointer { b in
            while start < b.count, !evidence.isEnough {
                var end = start
                while end < b.count, b[end] != 0x0A, b[end] != 0x0D { end += 1 }
                let line = UnsafeBufferPointer(rebasing: b[start..<end])
                if line.contains(where: { $0 >= 0x80 }), String(validating: line, as: UTF8.self) == nil {
                    evidence.add(line)
                }
                start = end + 1
            }
        }
        guard evidence.lines > 0 else { return nil }
        let choice = evidence.decide(prior: nil)
        return choice.how == .detector ? choice.codePage : nil
    }
}
