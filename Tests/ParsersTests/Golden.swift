import Foundation
import LogRecord
import Parsers
import Testing

/// Locations the tests read from.
enum TestPaths {
    /// The package root (this file is `<root>/Tests/ParsersTests/Golden.swift`).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let fixtures = packageRoot.appendingPathComponent("Fixtures")

    /// `<samples>/<sub>` (see `Samples`): tests that call this carry `.enabled(if: Samples.available)`.
    static func samples(_ sub: String) throws -> URL { try Samples.url(sub) }
}

/// Golden-file check for a parser: parses `Fixtures/parsers/<relativePath>` and compares the JSON
/// Lines output with `<relativePath>.expected.jsonl` beside it. With `RECORD_GOLDEN=1` in the
/// environment the expected file is (re)written instead, and the test records that it did.
func expectGolden(
    _ relativePath: String, dataset: String? = nil, zone: SiteZone = .utc,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let input = TestPaths.fixtures.appendingPathComponent("parsers").appendingPathComponent(relativePath)
    let bytes = try [UInt8](Data(contentsOf: input))
    let context = ParseContext(sourcePath: "parsers/" + relativePath, hostName: nil, zone: zone)
    // Split input into odd-sized chunks: output must not depend on how bytes arrive.
    let (records, stats) = try TextParsing.parse(bytes: bytes, dataset: dataset, context: context, chunkSize: 977)
    // The same through batches of decoded lines, as collect's read-ahead thread hands them over.
    var lines = DecodingLineSource(MemoryByteSource(bytes, chunkSize: 977))
    var viaLines: [Record] = []
    let linesStats = try TextParsing.parse(lines: &lines, dataset: dataset, context: context) { viaLines.append($0) }
    #expect(viaLines == records, "\(relativePath): records parsed from line batches differ", sourceLocation: sourceLocation)
    #expect(linesStats == stats, "\(relativePath): stats from line batches differ", sourceLocation: sourceLocation)
    var out: [UInt8] = []
    let writer = JSONLinesWriter()
    for r in records { writer.append(r, to: &out) }
    let expectedURL = input.appendingPathExtension("expected.jsonl")
    if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
        try Data(out).write(to: expectedURL)
        Issue.record("re-recorded \(expectedURL.lastPathComponent); unset RECORD_GOLDEN to compare", sourceLocation: sourceLocation)
        return
    }
    guard let expected = FileManager.default.contents(atPath: expectedURL.path) else {
        Issue.record("missing golden \(expectedURL.path); run with RECORD_GOLDEN=1 to create it", sourceLocation: sourceLocation)
        return
    }
    let got = String(decoding: out, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let want = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    for (i, (g, w)) in zip(got, want).enumerated() where g != w {
        Issue.record("\(relativePath): record \(i + 1) differs\n got: \(g)\nwant: \(w)", sourceLocation: sourceLocation)
        return
    }
    #expect(got.count == want.count, "\(relativePath): \(got.count - 1) records, golden has \(want.count - 1) (parse errors: \(stats.parseErrors))", sourceLocation: sourceLocation)
}
